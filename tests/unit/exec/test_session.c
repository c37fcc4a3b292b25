/*
 * test_session.c: unit tests of src/exec/session.c -- session settings as PostgreSQL 15 parses,
 * canonicalises, reports and refuses them (every expected value and message below was taken from a
 * PostgreSQL 15 server given the same SET), RESET to the session defaults, ParameterStatus change
 * tracking, the format options kept in step, and sql_format_text/binary.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec_int.h"
#include "exec/vec.h"

static SqlSession *fresh(void)
{
    SqlSession *s = sql_session_create(NULL, "alice", "shop");
    assert_non_null(s);
    return s;
}

/* SET name = value in a fresh session; returns the new value (static copy) or the error message. */
static const char *set1(const char *name, const char *value, SqlError *err)
{
    static char out[600];
    SqlSession *s = fresh();
    memset(err, 0, sizeof(*err));
    if (sql_session_set(s, name, value, err))
        snprintf(out, sizeof(out), "ERR %s %s", err->sqlstate, err->message);
    else
        snprintf(out, sizeof(out), "%s", sql_session_get(s, name));
    sql_session_destroy(&s);
    assert_null(s);
    return out;
}

static void expect_set(const char *name, const char *value, const char *want)
{
    SqlError e;
    const char *got = set1(name, value, &e);
    if (strcmp(got, want))
        fprintf(stderr, "SET %s = %s: want [%s] got [%s]\n", name, value, want, got);
    assert_string_equal(got, want);
}

static void expect_err(const char *name, const char *value, const char *want, const char *detail,
                       const char *hint)
{
    SqlError e;
    const char *got = set1(name, value, &e);
    if (strcmp(got, want))
        fprintf(stderr, "SET %s = %s: want [%s] got [%s]\n", name, value, want, got);
    assert_string_equal(got, want);
    assert_string_equal(e.detail, detail ? detail : "");
    assert_string_equal(e.hint, hint ? hint : "");
}

/* ------------------------------------------------------------------ tests */

static void test_reported_defaults(void **state)
{
    UNUSED(state);
    SqlSession *s = fresh();
    const char *const *names, *const *values;
    size_t n = sql_session_reported(s, &names, &values);
    /* PostgreSQL 15's GUC_REPORT set, in the order it sends them */
    static const char *const want[][2] = {
        {"application_name", ""},
        {"client_encoding", "UTF8"},
        {"DateStyle", "ISO, MDY"},
        {"default_transaction_read_only", "off"},
        {"in_hot_standby", "off"},
        {"integer_datetimes", "on"},
        {"IntervalStyle", "postgres"},
        {"is_superuser", "on"},
        {"server_encoding", "UTF8"},
        {"server_version", "15.0 (weir)"},
        {"session_authorization", "alice"},
        {"standard_conforming_strings", "on"},
        {"TimeZone", "UTC"},
    };
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(names[i], want[i][0]);
        assert_string_equal(values[i], want[i][1]);
    }
    assert_int_equal(sql_session_txn_status(s), 'I');
    assert_string_equal(sql_session_get(s, "server_version_num"), "150000");
    assert_string_equal(sql_session_get(s, "SEARCH_PATH"), "\"$user\", public");
    assert_string_equal(sql_session_get(s, "max_identifier_length"), "63");
    assert_null(sql_session_get(s, "nosuch"));
    assert_int_equal(s->fmt.date_style, SQL_DATESTYLE_ISO);
    assert_int_equal(s->fmt.extra_float_digits, 1);
    assert_non_null(s->fmt.tz);
    sql_session_cancel(s);
    assert_int_equal(atomic_load(&s->cancel), 1);
    sql_session_destroy(&s);
    sql_session_destroy(&s); /* NULL: no-op */
}

static void test_datestyle(void **state)
{
    UNUSED(state);
    expect_set("datestyle", "iso", "ISO, MDY");
    expect_set("datestyle", "sql", "SQL, MDY");
    expect_set("datestyle", "postgres", "Postgres, MDY");
    expect_set("datestyle", "german", "German, DMY");
    expect_set("datestyle", "german, mdy", "German, MDY");
    expect_set("datestyle", "mdy, german", "German, MDY");
    expect_set("datestyle", "dmy", "ISO, DMY");
    expect_set("datestyle", "euro", "ISO, DMY");
    expect_set("datestyle", "us", "ISO, MDY");
    expect_set("DateStyle", "ymd, postgres", "Postgres, YMD");
    expect_set("datestyle", "DEFAULT", "ISO, MDY");
    expect_set("datestyle", "", "ISO, MDY");
    expect_err("datestyle", "iso, sql", "ERR 22023 invalid value for parameter \"DateStyle\": \"iso, sql\"",
               "Conflicting \"datestyle\" specifications.", NULL);
    expect_err("datestyle", "bogus", "ERR 22023 invalid value for parameter \"DateStyle\": \"bogus\"",
               "Unrecognized key word: \"bogus\".", NULL);
    expect_err("datestyle", "iso dmy", "ERR 22023 invalid value for parameter \"DateStyle\": \"iso dmy\"",
               "List syntax is invalid.", NULL);
    /* what is not given keeps its current value, and fmt follows */
    SqlSession *s = fresh();
    SqlError e;
    assert_int_equal(sql_session_set(s, "DateStyle", "SQL, DMY", &e), WEIR_OK);
    assert_int_equal(s->fmt.date_style, SQL_DATESTYLE_SQL);
    assert_int_equal(s->fmt.date_order, SQL_DATEORDER_DMY);
    assert_int_equal(sql_session_set(s, "DateStyle", "postgres", &e), WEIR_OK);
    assert_string_equal(sql_session_get(s, "datestyle"), "Postgres, DMY");
    assert_int_equal(s->fmt.date_style, SQL_DATESTYLE_POSTGRES);
    /* DEFAULT means the session default, which the startup packet may have set */
    sql_session_set_defaults(s);
    assert_int_equal(sql_session_set(s, "DateStyle", "iso, ymd", &e), WEIR_OK);
    assert_int_equal(sql_session_set(s, "DateStyle", "default", &e), WEIR_OK);
    assert_string_equal(sql_session_get(s, "DateStyle"), "Postgres, DMY");
    sql_session_destroy(&s);
}

static void test_timezone(void **state)
{
    UNUSED(state);
    expect_set("timezone", "UTC", "UTC");
    expect_set("TimeZone", "Europe/Berlin", "Europe/Berlin");
    expect_set("timezone", "-7", "<-07>+07");
    expect_set("timezone", "5.5", "<+05:30>-05:30");
    expect_set("timezone", "+05:30", "+05:30");
    expect_set("timezone", "UTC+3", "UTC+3");
    expect_err("timezone", "Mars/Base", "ERR 22023 invalid value for parameter \"TimeZone\": \"Mars/Base\"",
               NULL, NULL);
    expect_err("timezone", "local", "ERR 22023 invalid value for parameter \"TimeZone\": \"local\"", NULL,
               NULL);
    SqlSession *s = fresh();
    SqlError e;
    const SqlTz *utc = s->fmt.tz;
    assert_int_equal(sql_session_set(s, "TimeZone", "America/New_York", &e), WEIR_OK);
    assert_ptr_not_equal(s->fmt.tz, utc);
    assert_int_equal(sql_tz_offset_at(s->fmt.tz, 1704067200, NULL), -5 * 3600); /* 2024-01-01 */
    assert_int_equal(sql_session_set(s, "TimeZone", NULL, &e), WEIR_OK);        /* RESET */
    assert_string_equal(sql_session_get(s, "TimeZone"), "UTC");
    assert_int_equal(sql_tz_offset_at(s->fmt.tz, 1704067200, NULL), 0);
    sql_session_destroy(&s);
}

static void test_generic_kinds(void **state)
{
    UNUSED(state);
    /* integers */
    expect_set("extra_float_digits", "3", "3");
    expect_set("extra_float_digits", "2.5", "2");
    expect_set("extra_float_digits", " 2 ", "2");
    expect_set("extra_float_digits", "-15", "-15");
    expect_err("extra_float_digits", "4",
               "ERR 22023 4 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)", NULL,
               NULL);
    expect_err("extra_float_digits", "-16",
               "ERR 22023 -16 is outside the valid range for parameter \"extra_float_digits\" (-15 .. 3)",
               NULL, NULL);
    expect_err("extra_float_digits", "abc",
               "ERR 22023 invalid value for parameter \"extra_float_digits\": \"abc\"", NULL, NULL);
    /* enums: the message names the parameter as it was written */
    expect_set("intervalstyle", "SQL_STANDARD", "sql_standard");
    expect_err("intervalstyle", "bogus", "ERR 22023 invalid value for parameter \"intervalstyle\": \"bogus\"",
               NULL, "Available values: postgres, postgres_verbose, sql_standard, iso_8601.");
    expect_err("client_min_messages", "bogus",
               "ERR 22023 invalid value for parameter \"client_min_messages\": \"bogus\"", NULL,
               "Available values: debug5, debug4, debug3, debug2, debug1, log, notice, warning, error.");
    expect_set("transaction_isolation", "serializable", "serializable");
    expect_err("default_transaction_isolation", "bogus",
               "ERR 22023 invalid value for parameter \"default_transaction_isolation\": \"bogus\"", NULL,
               "Available values: serializable, repeatable read, read committed, read uncommitted.");
    /* times with units, shown in the largest unit that divides them */
    expect_set("statement_timeout", "5000", "5s");
    expect_set("statement_timeout", "5s", "5s");
    expect_set("statement_timeout", "1min", "1min");
    expect_set("statement_timeout", "1500ms", "1500ms");
    expect_set("statement_timeout", "90s", "90s");
    expect_set("statement_timeout", "1h", "1h");
    expect_set("statement_timeout", "1d", "1d");
    expect_set("statement_timeout", "2.5s", "2500ms");
    expect_set("statement_timeout", "10 s", "10s");
    expect_set("statement_timeout", "0", "0");
    expect_err(
        "statement_timeout", "-1",
        "ERR 22023 -1 ms is outside the valid range for parameter \"statement_timeout\" (0 .. 2147483647)",
        NULL, NULL);
    expect_err("statement_timeout", "1x",
               "ERR 22023 invalid value for parameter \"statement_timeout\": \"1x\"", NULL,
               "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
    /* booleans */
    expect_set("row_security", "yes", "on");
    expect_set("row_security", "of", "off");
    expect_set("row_security", "0", "off");
    expect_set("row_security", "t", "on");
    expect_set("row_security", "tr", "on");
    expect_err("row_security", "maybe", "ERR 22023 parameter \"row_security\" requires a Boolean value", NULL,
               NULL);
    expect_err("row_security", "o", "ERR 22023 parameter \"row_security\" requires a Boolean value", NULL,
               NULL);
    expect_err("standard_conforming_strings", "off",
               "ERR 0A000 standard_conforming_strings = off is not supported", NULL, NULL);
    /* encodings */
    expect_set("client_encoding", "utf-8", "UTF8");
    expect_set("client_encoding", "unicode", "UTF8");
    expect_set("client_encoding", "sql_ascii", "SQL_ASCII");
    expect_err("client_encoding", "latin1",
               "ERR 0A000 invalid value for parameter \"client_encoding\": \"latin1\"",
               "Conversion between LATIN1 and UTF8 is not supported.", NULL);
    expect_err("client_encoding", "windows-1252",
               "ERR 0A000 invalid value for parameter \"client_encoding\": \"windows-1252\"",
               "Conversion between WIN1252 and UTF8 is not supported.", NULL);
    expect_err("client_encoding", "bogus",
               "ERR 22023 invalid value for parameter \"client_encoding\": \"bogus\"", NULL, NULL);
    /* application_name: printable ASCII, 63 bytes */
    expect_set("application_name", "h\xc3\xa9llo", "h??llo");
    char longv[80];
    memset(longv, 'x', 79);
    longv[79] = '\0';
    SqlError e;
    assert_int_equal(strlen(set1("application_name", longv, &e)), 63);
    /* strings are kept as given */
    expect_set("search_path", "a, \"B c\", public", "a, \"B c\", public");
}

static void test_names(void **state)
{
    UNUSED(state);
    expect_err("nosuch", "1", "ERR 42704 unrecognized configuration parameter \"nosuch\"", NULL, NULL);
    expect_err("foo.", "1", "ERR 42704 unrecognized configuration parameter \"foo.\"", NULL, NULL);
    expect_err(".foo", "1", "ERR 42704 unrecognized configuration parameter \".foo\"", NULL, NULL);
    expect_err("server_version", "1", "ERR 55P02 parameter \"server_version\" cannot be changed", NULL, NULL);
    expect_err("is_superuser", "off", "ERR 55P02 parameter \"is_superuser\" cannot be changed", NULL, NULL);
    SqlSession *s = fresh();
    SqlError e;
    /* custom placeholders, case-folded */
    assert_int_equal(sql_session_set(s, "MyApp.Mode", "fast", &e), WEIR_OK);
    assert_string_equal(sql_session_get(s, "myapp.mode"), "fast");
    assert_null(sql_session_get(s, "myapp.other"));
    /* weir.checkpoint is mirrored where the engine reads it */
    assert_int_equal(sql_session_set(s, "weir.checkpoint", "nightly", &e), WEIR_OK);
    assert_string_equal(s->checkpoint, "nightly");
    char longv[200];
    memset(longv, 'c', 199);
    longv[199] = '\0';
    memset(&e, 0, sizeof(e));
    assert_int_equal(sql_session_set(s, "weir.checkpoint", longv, &e), WEIR_ERROR);
    assert_string_equal(e.sqlstate, "22023");
    assert_string_equal(s->checkpoint, "nightly");
    /* RESET of a read-only setting changes nothing and is not an error */
    assert_int_equal(sql_session_set(s, "server_version", NULL, &e), WEIR_OK);
    /* custom settings are bounded */
    int failed = 0;
    for (int i = 0; i < SQL_SETTING_MAX && !failed; i++) {
        char name[32];
        snprintf(name, sizeof(name), "x.v%d", i);
        memset(&e, 0, sizeof(e));
        failed = sql_session_set(s, name, "1", &e) != WEIR_OK;
    }
    assert_true(failed);
    assert_string_equal(e.sqlstate, "54000");
    sql_session_destroy(&s);
}

typedef struct Changes {
    char text[512];
    int n;
} Changes;

static void change_cb(void *arg, const char *name, const char *value)
{
    Changes *c = arg;
    size_t len = strlen(c->text);
    snprintf(c->text + len, sizeof(c->text) - len, "%s=%s;", name, value);
    c->n++;
}

static void test_reset_and_changes(void **state)
{
    UNUSED(state);
    SqlSession *s = fresh();
    SqlError e;
    /* startup: settings from the packet become the defaults */
    assert_int_equal(sql_session_set(s, "application_name", "psql", &e), WEIR_OK);
    sql_session_set_defaults(s);
    const char *const *names, *const *values;
    (void)sql_session_reported(s, &names, &values);
    Changes c = {{0}, 0};
    sql_session_take_changes(s, change_cb, &c);
    assert_int_equal(c.n, 0); /* everything was just reported */

    assert_int_equal(sql_session_set(s, "application_name", "x", &e), WEIR_OK);
    assert_int_equal(sql_session_set(s, "application_name", "y", &e), WEIR_OK);
    assert_int_equal(sql_session_set(s, "search_path", "a", &e), WEIR_OK); /* not reported */
    assert_int_equal(sql_session_set(s, "TimeZone", "Europe/Paris", &e), WEIR_OK);
    sql_session_take_changes(s, change_cb, &c);
    assert_string_equal(c.text, "application_name=y;TimeZone=Europe/Paris;");
    c.text[0] = '\0';
    c.n = 0;
    sql_session_take_changes(s, change_cb, &c);
    assert_int_equal(c.n, 0);
    /* back and forth between reports: nothing to say */
    assert_int_equal(sql_session_set(s, "application_name", "z", &e), WEIR_OK);
    assert_int_equal(sql_session_set(s, "application_name", "y", &e), WEIR_OK);
    sql_session_take_changes(s, change_cb, &c);
    assert_int_equal(c.n, 0);
    /* RESET goes back to the startup value */
    assert_int_equal(sql_session_set(s, "application_name", NULL, &e), WEIR_OK);
    assert_string_equal(sql_session_get(s, "application_name"), "psql");
    assert_int_equal(sql_session_set(s, "search_path", NULL, &e), WEIR_OK);
    assert_string_equal(sql_session_get(s, "search_path"), "\"$user\", public");
    sql_session_take_changes(s, change_cb, &c);
    assert_string_equal(c.text, "application_name=psql;");
    sql_session_destroy(&s);
}

static void test_format(void **state)
{
    UNUSED(state);
    SqlSession *s = fresh();
    SqlError e;
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    Vec v;
    assert_int_equal(vec_init(&v, SQL_TYPE(SQL_BYTEA), a), WEIR_OK);
    static const uint8_t bytes[] = {'a', '\\', 0, 0x7f, 'Z'};
    SqlValue val = {.type = SQL_TYPE(SQL_BYTEA)};
    val.u.s = (Slice){bytes, sizeof(bytes)};
    assert_int_equal(vec_put(&v, 0, &val, a), WEIR_OK);
    assert_int_equal(vec_set_null(&v, 1, a), WEIR_OK);
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(sql_format_text(s, &v, 0, &b), WEIR_OK);
    assert_string_equal((char *)b.p, "\\x615c007f5a");
    buf_reset(&b);
    assert_int_equal(sql_session_set(s, "bytea_output", "escape", &e), WEIR_OK);
    assert_int_equal(sql_format_text(s, &v, 0, &b), WEIR_OK);
    assert_string_equal((char *)b.p, "a\\\\\\000\\177Z");
    buf_reset(&b);
    assert_int_equal(sql_format_text(s, &v, 1, &b), WEIR_OK); /* NULL: nothing */
    assert_int_equal(b.len, 0);
    assert_int_equal(sql_format_binary(s, &v, 0, &b), WEIR_OK);
    assert_int_equal(b.len, sizeof(bytes));
    assert_memory_equal(b.p, bytes, sizeof(bytes));

    /* the session's settings reach value output: TimeZone and DateStyle for a timestamptz */
    Vec t;
    assert_int_equal(vec_init(&t, SQL_TYPE(SQL_TIMESTAMPTZ), a), WEIR_OK);
    SqlValue ts = {.type = SQL_TYPE(SQL_TIMESTAMPTZ)};
    ts.u.i = (1704110400LL - SQL_PG_EPOCH_UNIX) * SQL_USEC_PER_SEC; /* 2024-01-01 12:00:00 UTC */
    assert_int_equal(vec_put(&t, 0, &ts, a), WEIR_OK);
    buf_reset(&b);
    assert_int_equal(sql_format_text(s, &t, 0, &b), WEIR_OK);
    assert_string_equal((char *)b.p, "2024-01-01 12:00:00+00");
    assert_int_equal(sql_session_set(s, "TimeZone", "Europe/Berlin", &e), WEIR_OK);
    buf_reset(&b);
    assert_int_equal(sql_format_text(s, &t, 0, &b), WEIR_OK);
    assert_string_equal((char *)b.p, "2024-01-01 13:00:00+01");
    assert_int_equal(sql_session_set(s, "DateStyle", "SQL, DMY", &e), WEIR_OK);
    buf_reset(&b);
    assert_int_equal(sql_format_text(s, &t, 0, &b), WEIR_OK);
    assert_string_equal((char *)b.p, "01/01/2024 13:00:00 CET");
    buf_reset(&b);
    assert_int_equal(sql_format_binary(s, &t, 0, &b), WEIR_OK);
    assert_int_equal(b.len, 8);
    buf_fini(&b);
    arena_destroy(&a);
    sql_session_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reported_defaults),
        cmocka_unit_test(test_datestyle),
        cmocka_unit_test(test_timezone),
        cmocka_unit_test(test_generic_kinds),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_reset_and_changes),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
