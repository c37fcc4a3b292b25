/*
 * test_tabledef.c: unit tests of src/sql/tabledef.c: CREATE TABLE ... WITH options (defaults, every
 * option, the errors with their SQLSTATEs and positions), JSON path syntaxes, regex group resolution
 * and the ready Apache patterns, the catalog JSON round trip, Trino table description files (types,
 * mappings, dataFormat / formatHint, hidden as a string, compression) and loading a directory of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/engine.h"
#include "sql/tabledef.h"
#include "sql/td_spec.h"

/* ------------------------------------------------------------------------------------- helpers */

/* Build expecting failure; checks the SQLSTATE and, when pos != 0, the position; returns the message. */
static const char *mk_fail(const char *cols, const char *opts, const char *state, int pos)
{
    static SqlError e;
    Spec s;
    spec_parse(&s, cols, opts);
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    int rc = tabledef_build("t", s.cols, s.n_cols, s.opts, s.n_opts, &td, &e);
    if (rc == WEIR_OK)
        fail_msg("tabledef_build(%s | %s) succeeded, expected %s", cols, opts, state);
    assert_null(td);
    if (strcmp(e.sqlstate, state) != 0)
        fail_msg("tabledef_build(%s | %s): got %s \"%s\", expected %s", cols, opts, e.sqlstate, e.message, state);
    if (pos && e.position != pos)
        fail_msg("tabledef_build(%s | %s): position %d, expected %d", cols, opts, e.position, pos);
    return e.message;
}

/* ------------------------------------------------------------------------------------- CREATE TABLE */

static void test_defaults(void **state)
{
    UNUSED(state);
    TableDef *td = mk("user_id bigint, url text, ts timestamptz", "");
    assert_string_equal(td->name, "t");
    assert_string_equal(td->stream, "t");
    assert_null(td->file);
    assert_int_equal(td->n_shards, 0);
    assert_int_equal(td->format, TABLE_FMT_JSON);
    assert_int_equal(td->on_error, TABLE_ON_ERROR_NULL);
    assert_int_equal(td->compression, TABLE_COMP_NONE);
    assert_string_equal(td->time_zone, "UTC");
    assert_int_equal(td->n_cols, 3);
    assert_string_equal(td->cols[1].name, "url");
    assert_int_equal(td->cols[1].type.id, SQL_TEXT);
    /* found by name: one path segment, no explicit mapping */
    assert_int_equal(td->cols[0].n_path, 1);
    assert_string_equal(td->cols[0].path[0], "user_id");
    assert_int_equal(td->cols[0].has_mapping, 0);
    assert_int_equal(tabledef_column_find(td, "ts"), 2);
    assert_int_equal(tabledef_column_find(td, "nope"), -1);
    tabledef_destroy(&td);
    assert_null(td);
    tabledef_destroy(&td); /* NULL is a no-op */
}

static void test_options(void **state)
{
    UNUSED(state);
    TableDef *td = mk("a bigint, b text, c timestamptz, d json",
                      "stream=clicks;shards=4;a.path=x/y/0;b.path=$.p['q.r'][2];c.format=iso8601;"
                      "d.hidden=true;d.comment=raw doc;on_error=dead_letter;dead_letter_stream=bad-clicks;"
                      "time_zone=Europe/Berlin;event_time=c;watermark=5 seconds;idle_timeout=1 minute;"
                      "compression=auto");
    assert_string_equal(td->stream, "clicks");
    assert_int_equal(td->n_shards, 4);
    assert_int_equal(td->cols[0].n_path, 3);
    assert_string_equal(td->cols[0].path[0], "x");
    assert_string_equal(td->cols[0].path[2], "0");
    assert_string_equal(td->cols[0].mapping, "x/y/0");
    assert_int_equal(td->cols[0].has_mapping, 1);
    assert_int_equal(td->cols[1].n_path, 3);
    assert_string_equal(td->cols[1].path[0], "p");
    assert_string_equal(td->cols[1].path[1], "q.r");
    assert_string_equal(td->cols[1].path[2], "2");
    assert_string_equal(td->cols[2].time_format, "iso8601");
    assert_int_equal(td->cols[2].time_fmt.kind, SQL_TIMEFMT_ISO8601);
    assert_int_equal(td->cols[3].is_hidden, 1);
    assert_string_equal(td->cols[3].comment, "raw doc");
    assert_int_equal(td->on_error, TABLE_ON_ERROR_DEAD_LETTER);
    assert_string_equal(td->dead_letter_stream, "bad-clicks");
    assert_string_equal(td->time_zone, "Europe/Berlin");
    assert_string_equal(td->event_time, "c");
    assert_string_equal(td->watermark, "5 seconds");
    assert_string_equal(td->idle_timeout, "1 minute");
    assert_int_equal(td->event_time_col, 2);
    assert_int_equal(td->watermark_delay_us, 5000000);
    assert_int_equal(td->idle_timeout_us, 60000000);
    assert_int_equal(td->compression, TABLE_COMP_AUTO);
    tabledef_destroy(&td);

    /* option keys are case-insensitive; dead_letter_stream alone is not enough */
    td = mk("a text", "FORMAT=CSV;Delimiter=|;QUOTE=;a.INDEX=3;On_Error=skip");
    assert_int_equal(td->format, TABLE_FMT_CSV);
    assert_int_equal(td->csv_delimiter, '|');
    assert_int_equal(td->csv_quote, 0);
    assert_int_equal(td->cols[0].index, 3);
    assert_int_equal(td->on_error, TABLE_ON_ERROR_SKIP);
    tabledef_destroy(&td);

    td = mk("a text, b int", "file=/tmp/ref.csv;format=csv;header=on;delimiter=\\t;null=NA");
    assert_string_equal(td->file, "/tmp/ref.csv");
    assert_null(td->stream);
    assert_int_equal(td->csv_header, 1);
    assert_int_equal(td->csv_delimiter, '\t');
    assert_string_equal(td->null_value, "NA");
    assert_int_equal(td->cols[1].index, -1);
    tabledef_destroy(&td);
}

static void test_paths(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlError e;
    const char *const *segs;
    uint32_t n;
    static const struct {
        const char *text;
        int n;
        const char *segs[4];
    } ok[] = {
        {"a", 1, {"a"}},
        {"a/b/0", 3, {"a", "b", "0"}},
        {"/a//b/", 2, {"a", "b"}},             /* Trino: empty segments are ignored */
        {"a.b", 2, {"a", "b"}},
        {"$.a.b", 2, {"a", "b"}},
        {"$.items[0].sku", 3, {"items", "0", "sku"}},
        {"$['a.b'][\"c d\"]", 2, {"a.b", "c d"}},
        {"$['it\\'s']", 1, {"it's"}},
        {"$", 0, {NULL}},                      /* the whole document */
        {"a.b/c", 2, {"a.b", "c"}},            /* a slash wins: dots are part of keys then */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        memset(&e, 0, sizeof(e));
        if (tabledef_path_parse(ok[i].text, a, &segs, &n, &e) != WEIR_OK)
            fail_msg("path %s: %s", ok[i].text, e.message);
        assert_int_equal(n, ok[i].n);
        for (int k = 0; k < ok[i].n; k++)
            assert_string_equal(segs[k], ok[i].segs[k]);
    }
    static const char *bad[] = {"a..b", ".a", "a.", "$.", "$[", "$[x]", "$['a'", "$.a[1", "$x", "/", "//"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        if (tabledef_path_parse(bad[i], a, &segs, &n, &e) == WEIR_OK)
            fail_msg("path %s parsed", bad[i]);
        assert_string_equal(e.sqlstate, "42601");
    }
    arena_destroy(&a);
}

static void test_errors(void **state)
{
    UNUSED(state);
    /* unknown options name themselves; the position is the option's */
    const char *m = mk_fail("a int", "stream=s;colour=red", "22023", 200);
    assert_non_null(strstr(m, "unrecognized parameter \"colour\""));
    mk_fail("a int", "a.colour=red", "22023", 100);
    m = mk_fail("a int", "b.path=x", "42703", 100);
    assert_non_null(strstr(m, "\"b\""));
    mk_fail("a int", "format=xml", "22023", 100);
    mk_fail("a int", "shards=0", "22023", 100);
    mk_fail("a int", "shards=many", "22023", 100);
    mk_fail("a int", "stream=has space", "22023", 100);
    mk_fail("a int", "stream=s;STREAM=t", "22023", 200); /* specified more than once */
    mk_fail("a int", "file=/x.csv;stream=s", "22023", 0);
    mk_fail("a int", "file=/x.csv;shards=2", "22023", 0);
    mk_fail("a int", "format=regex", "22023", 0);                /* needs a pattern */
    mk_fail("a int", "format=regex;pattern=(a", "2201B", 0);     /* bad regex */
    mk_fail("a int", "pattern=(a)", "22023", 0);                 /* pattern without regex */
    mk_fail("a int", "on_error=dead_letter", "22023", 0);        /* no stream */
    mk_fail("a int", "on_error=skip;dead_letter_stream=x", "22023", 0);
    mk_fail("a int", "on_error=dead_letter;dead_letter_stream=t", "22023", 0); /* its own stream */
    mk_fail("a int", "on_error=maybe", "22023", 100);
    mk_fail("a int", "format=csv;header=true", "22023", 0);      /* header: files only */
    mk_fail("a int", "header=yes;file=/x", "22023", 0);          /* header: csv only */
    mk_fail("a int", "delimiter=|", "22023", 0);                 /* delimiter for json */
    mk_fail("a int", "format=csv;delimiter=ab", "22023", 200);
    mk_fail("a int", "format=csv;delimiter=\";quote=\"", "22023", 0);
    mk_fail("a int", "format=csv;a.path=x", "22023", 200);       /* path is json's */
    mk_fail("a int", "a.index=1", "22023", 100);                 /* index is csv's */
    mk_fail("a int", "a.group=1", "22023", 100);
    mk_fail("a int", "a.range=0:4", "22023", 100);
    mk_fail("a int", "a.path=a..b", "42601", 100);
    mk_fail("a int", "a.format=iso8601", "22023", 100);          /* not a time column */
    mk_fail("a timestamptz", "a.format=whenever", "22023", 100);
    mk_fail("a int", "a.hidden=perhaps", "22023", 100);
    mk_fail("a int", "null=-", "22023", 0);                      /* json has no null string */
    mk_fail("a int", "time_zone=Mars/Olympus", "22023", 100);
    mk_fail("a int", "event_time=nope", "42703", 0);
    mk_fail("a int", "event_time=a", "22023", 0);                /* not a timestamp */
    mk_fail("a timestamptz", "event_time=a;watermark=soon", "22023", 200);
    mk_fail("a timestamptz", "event_time=a;watermark_delay=1 month", "22023", 200); /* months vary */
    mk_fail("a timestamptz", "event_time=a;watermark_delay=-5 seconds", "22023", 200);
    mk_fail("a timestamptz", "idle_timeout=1 year", "22023", 100);
    mk_fail("a timestamptz", "idle_timeout=-1 day", "22023", 100);
    mk_fail("a timestamptz", "idle_timeout=2147483647 days", "22023", 100); /* out of range in microseconds */
    mk_fail("a date", "event_time=a", "22023", 0);
    mk_fail("a int, a text", "", "42701", 20);
    mk_fail("_shard_id text", "", "42701", 10);
    mk_fail("_message_timestamp text", "", "42701", 10);         /* Trino alias too */
    mk_fail("a bigint", "format=raw;a.format=DOUBLE", "22023", 0); /* width vs type */
    mk_fail("a bigint", "format=raw;a.format=INT;a.range=0:8", "22023", 0);
}

static void test_regex(void **state)
{
    UNUSED(state);
    /* ready pattern: columns find named groups; the time group gets the Apache layout */
    TableDef *td = mk("host text, time timestamptz, status int, bytes bigint, user_agent text, ts timestamptz",
                      "format=regex;pattern=apache_combined;ts.group=time");
    assert_string_equal(td->pattern_name, "apache_combined");
    assert_string_equal(td->pattern, tabledef_ready_pattern("apache_combined"));
    assert_string_equal(td->null_value, "-");
    assert_string_equal(td->cols[0].group_name, "host");
    assert_string_equal(td->cols[1].time_format, "%d/%b/%Y:%H:%M:%S %z");
    assert_string_equal(td->cols[5].group_name, "time");
    assert_string_equal(td->cols[5].time_format, "%d/%b/%Y:%H:%M:%S %z");
    tabledef_destroy(&td);
    /* a pattern without names: columns take groups 1, 2, ... in order */
    td = mk("k text, v int", "format=regex;pattern=^(\\w+)=(\\d+)$");
    assert_int_equal(td->cols[0].group, 1);
    assert_int_equal(td->cols[1].group, 2);
    tabledef_destroy(&td);
    mk_fail("k text, v int, w int", "format=regex;pattern=^(\\w+)=(\\d+)$", "22023", 0);
    mk_fail("k text", "format=regex;pattern=(?<key>\\w+)", "22023", 0);      /* no group named k */
    mk_fail("k text", "format=regex;pattern=(?<key>\\w+);k.group=nokey", "22023", 0);
    mk_fail("k text", "format=regex;pattern=(\\w+);k.group=2", "22023", 0);
    td = mk("k text", "format=regex;pattern=(?<key>\\w+);k.group=key");
    assert_string_equal(td->cols[0].group_name, "key");
    tabledef_destroy(&td);
    assert_null(tabledef_ready_pattern("apache_error"));
}

static void test_hidden(void **state)
{
    UNUSED(state);
    assert_int_equal(tabledef_hidden_find("_shard_id"), TABLE_HID_SHARD_ID);
    assert_int_equal(tabledef_hidden_find("_sequence_number"), TABLE_HID_SEQUENCE_NUMBER);
    assert_int_equal(tabledef_hidden_find("_shard_sequence_id"), TABLE_HID_SEQUENCE_NUMBER);
    assert_int_equal(tabledef_hidden_find("_message_timestamp"), TABLE_HID_ARRIVAL_TIME);
    assert_int_equal(tabledef_hidden_find("_message_length"), TABLE_HID_MESSAGE_LENGTH);
    assert_int_equal(tabledef_hidden_find("_MESSAGE"), -1);
    assert_int_equal(tabledef_hidden_find("url"), -1);
    assert_string_equal(tabledef_hidden_name(TABLE_HID_ARRIVAL_TIME), "_arrival_time");
    assert_int_equal(tabledef_hidden_type(TABLE_HID_ARRIVAL_TIME).id, SQL_TIMESTAMPTZ);
    assert_int_equal(tabledef_hidden_type(TABLE_HID_MESSAGE_VALID).id, SQL_BOOL);
    assert_int_equal(tabledef_hidden_type(TABLE_HID_MESSAGE_LENGTH).id, SQL_INT8);
    assert_int_equal(tabledef_bool_parse(" TRU ", 5), 1);
    assert_int_equal(tabledef_bool_parse("of", 2), 0);
    assert_int_equal(tabledef_bool_parse("o", 1), -1);
    assert_int_equal(tabledef_bool_parse("10", 2), -1);
}

/* ---------------------------------------------------------------------------------- catalog JSON */

static void roundtrip(TableDef *td)
{
    char *j1 = tabledef_to_json(td);
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *back = NULL;
    if (tabledef_from_json(j1, strlen(j1), &back, &e) != WEIR_OK)
        fail_msg("from_json(%s): %s", j1, e.message);
    char *j2 = tabledef_to_json(back);
    assert_string_equal(j1, j2);
    assert_int_equal(back->n_cols, td->n_cols);
    for (uint32_t i = 0; i < td->n_cols; i++) {
        assert_string_equal(back->cols[i].name, td->cols[i].name);
        assert_int_equal(back->cols[i].type.id, td->cols[i].type.id);
        assert_int_equal(back->cols[i].type.typmod, td->cols[i].type.typmod);
        assert_int_equal(back->cols[i].n_path, td->cols[i].n_path);
        for (uint32_t k = 0; k < td->cols[i].n_path; k++)
            assert_string_equal(back->cols[i].path[k], td->cols[i].path[k]);
        assert_int_equal(back->cols[i].index, td->cols[i].index);
        assert_int_equal(back->cols[i].group, td->cols[i].group);
        assert_int_equal(back->cols[i].raw_width, td->cols[i].raw_width);
        assert_int_equal(back->cols[i].is_hidden, td->cols[i].is_hidden);
    }
    assert_int_equal(back->event_time_col, td->event_time_col);
    assert_int_equal(back->watermark_delay_us, td->watermark_delay_us);
    assert_int_equal(back->idle_timeout_us, td->idle_timeout_us);
    free(j1);
    free(j2);
    tabledef_destroy(&back);
    tabledef_destroy(&td);
}

/* The event-time options resolved for the stream runtime: the column (or -1 for arrival time), the
 * delay and the idle timeout in microseconds, and the same after a catalog round trip. */
static void test_event_time(void **state)
{
    UNUSED(state);
    TableDef *td = mk("a bigint, ts timestamp", "");
    assert_int_equal(td->event_time_col, -1);
    assert_int_equal(td->watermark_delay_us, 0);
    assert_int_equal(td->idle_timeout_us, 0);
    tabledef_destroy(&td);
    /* a timestamp (without time zone) column; PostgreSQL interval syntaxes; a day is 24 hours */
    td = mk("a bigint, ts timestamp", "event_time=ts;watermark_delay=1 day 00:00:01.5;idle_timeout=PT30S");
    assert_int_equal(td->event_time_col, 1);
    assert_int_equal(td->watermark_delay_us, 86401500000LL);
    assert_int_equal(td->idle_timeout_us, 30000000);
    assert_string_equal(td->watermark, "1 day 00:00:01.5");
    roundtrip(td);
    /* arrival time named explicitly (and by Trino's alias) is the same as no event_time */
    td = mk("a bigint", "event_time=_arrival_time;watermark=2 seconds");
    assert_int_equal(td->event_time_col, -1);
    assert_int_equal(td->watermark_delay_us, 2000000);
    roundtrip(td);
    td = mk("a bigint", "event_time=_message_timestamp");
    assert_int_equal(td->event_time_col, -1);
    tabledef_destroy(&td);
    /* without event_time, the delay and the timeout apply to arrival time; zero is allowed */
    td = mk("a bigint", "watermark_delay=0 seconds;idle_timeout=1 minute");
    assert_int_equal(td->event_time_col, -1);
    assert_int_equal(td->watermark_delay_us, 0);
    assert_int_equal(td->idle_timeout_us, 60000000);
    roundtrip(td);
    /* the messages say why */
    const char *m = mk_fail("a timestamptz", "watermark_delay=1 mon", "22023", 0);
    assert_non_null(strstr(m, "months or years"));
    m = mk_fail("a int", "event_time=a", "22023", 0);
    assert_non_null(strstr(m, "must be a timestamp or timestamptz"));
    m = mk_fail("a int", "event_time=b", "42703", 0);
    assert_non_null(strstr(m, "\"b\" does not exist"));
}

static void test_json_roundtrip(void **state)
{
    UNUSED(state);
    roundtrip(mk("user_id bigint, url varchar(200), ts timestamptz(3), doc jsonb",
                 "stream=clicks;shards=2;url.path=$.page['u.r.l'];ts.format=milliseconds;doc.hidden=true;"
                 "on_error=skip;event_time=ts;watermark=10 seconds"));
    roundtrip(mk("a text, b numeric, c date", "file=/data/ref.csv;format=csv;header=true;delimiter=|;quote=';"
                                              "null=\\N;b.index=4;c.format=%d/%m/%Y"));
    roundtrip(mk("host text, time timestamptz, bytes bigint", "format=regex;pattern=apache_common;"
                                                             "on_error=dead_letter;dead_letter_stream=bad"));
    roundtrip(mk("k text, v int", "format=regex;pattern=^(\\w+)=(\\d+)$;v.group=2;k.group=1"));
    roundtrip(mk("payload bytea, n bigint, f double precision", "format=raw;n.range=0:8;n.format=LONG;"
                                                              "f.mapping=8;f.format=DOUBLE;compression=gzip"));
    roundtrip(mk("", "stream=only_hidden"));
    /* malformed stored forms */
    static const char *bad[] = {
        "", "[]", "{\"version\":2,\"name\":\"t\",\"columns\":[]}", "{\"version\":1,\"columns\":[]}",
        "{\"version\":1,\"name\":\"t\",\"format\":\"xml\",\"columns\":[]}",
        "{\"version\":1,\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"no_such_type\"}]}",
        "{\"version\":1,\"name\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"int4\",\"path\":[1]}]}",
        "{\"version\":1,\"name\":\"t\",\"columns\":{}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        SqlError e;
        memset(&e, 0, sizeof(e));
        TableDef *td = NULL;
        if (tabledef_from_json(bad[i], strlen(bad[i]), &td, &e) == WEIR_OK)
            fail_msg("from_json accepted %s", bad[i]);
        assert_string_equal(e.sqlstate, "22023");
    }
}

/* ------------------------------------------------------------------------------- Trino descriptions */

static TableDef *trino(const char *json, const char *state_expected)
{
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    int rc = tabledef_parse_trino(json, strlen(json), "test.json", &td, &e);
    if (state_expected) {
        if (rc == WEIR_OK)
            fail_msg("accepted: %s", json);
        if (strcmp(e.sqlstate, state_expected) != 0)
            fail_msg("got %s %s, expected %s", e.sqlstate, e.message, state_expected);
        assert_non_null(strstr(e.message, "test.json"));
        return NULL;
    }
    if (rc != WEIR_OK)
        fail_msg("%s: %s", json, e.message);
    return td;
}

static void test_trino(void **state)
{
    UNUSED(state);
    /* the example of specs/sinks.md section 1, and Trino's own test files ("hidden": "false") */
    TableDef *td = trino("{\"tableName\":\"NasaHttp\",\"schemaName\":\"default\",\"streamName\":\"nasahttp\","
                         "\"message\":{\"dataFormat\":\"json\",\"compressionCodec\":\"GZIP\",\"fields\":["
                         "{\"name\":\"host\",\"mapping\":\"host\",\"type\":\"VARCHAR\"},"
                         "{\"name\":\"At\",\"mapping\":\"req/timestamp\",\"type\":\"VARCHAR(20)\",\"hidden\":\"false\"},"
                         "{\"name\":\"code\",\"mapping\":\"code\",\"type\":\"BIGINT\",\"comment\":\"HTTP status\"},"
                         "{\"name\":\"signup_date\",\"mapping\":\"signup_date\",\"type\":\"DATE\",\"dataFormat\":\"iso8601\"},"
                         "{\"name\":\"amount\",\"mapping\":\"amt\",\"type\":\"DECIMAL(10, 2)\",\"hidden\":true},"
                         "{\"name\":\"t\",\"mapping\":\"t\",\"type\":\"TIMESTAMP(3) WITH TIME ZONE\","
                         " \"dataFormat\":\"custom-date-time\",\"formatHint\":\"yyyy-MM-dd'T'HH:mm:ss.SSS Z\"},"
                         "{\"name\":\"ms\",\"mapping\":\"ms\",\"type\":\"timestamp\",\"dataFormat\":\"milliseconds-since-epoch\"},"
                         "{\"name\":\"tiny\",\"mapping\":\"tiny\",\"type\":\"TINYINT\"},"
                         "{\"name\":\"d\",\"mapping\":\"d\",\"type\":\"DOUBLE\",\"dataFormat\":\"_default\"},"
                         "{\"name\":\"blob\",\"type\":\"VARBINARY\"}"
                         "]},\"extra\":\"ignored\"}",
                         NULL);
    assert_string_equal(td->name, "nasahttp");
    assert_string_equal(td->schema, "default");
    assert_string_equal(td->stream, "nasahttp");
    assert_int_equal(td->format, TABLE_FMT_JSON);
    assert_int_equal(td->compression, TABLE_COMP_GZIP);
    assert_int_equal(td->n_cols, 10);
    assert_string_equal(td->cols[1].name, "at");
    assert_int_equal(td->cols[1].type.id, SQL_VARCHAR);
    assert_int_equal(td->cols[1].type.typmod, 24);
    assert_int_equal(td->cols[1].n_path, 2);
    assert_string_equal(td->cols[1].path[1], "timestamp");
    assert_int_equal(td->cols[1].is_hidden, 0);
    assert_string_equal(td->cols[2].comment, "HTTP status");
    assert_int_equal(td->cols[3].type.id, SQL_DATE);
    assert_int_equal(td->cols[3].time_fmt.kind, SQL_TIMEFMT_ISO8601);
    assert_int_equal(td->cols[4].type.id, SQL_NUMERIC);
    assert_int_equal(td->cols[4].type.typmod, ((10 << 16) | 2) + 4);
    assert_int_equal(td->cols[4].is_hidden, 1);
    assert_int_equal(td->cols[5].type.id, SQL_TIMESTAMPTZ);
    assert_int_equal(td->cols[5].type.typmod, 3);
    assert_string_equal(td->cols[5].time_format, "%Y-%m-%dT%H:%M:%S.%f %z");
    assert_int_equal(td->cols[5].time_fmt.kind, SQL_TIMEFMT_PATTERN);
    assert_int_equal(td->cols[6].time_fmt.kind, SQL_TIMEFMT_EPOCH_MILLIS);
    assert_int_equal(td->cols[7].type.id, SQL_INT2);
    assert_int_equal(td->cols[8].type.id, SQL_FLOAT8);
    assert_null(td->cols[8].time_format);
    assert_int_equal(td->cols[9].type.id, SQL_BYTEA);
    assert_string_equal(td->cols[9].path[0], "blob");
    /* a Trino mapping is split on slashes only: dots belong to keys */
    tabledef_destroy(&td);
    td = trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
               "{\"name\":\"x\",\"type\":\"BIGINT\",\"mapping\":\"a.b\"}]}}",
               NULL);
    assert_int_equal(td->cols[0].n_path, 1);
    assert_string_equal(td->cols[0].path[0], "a.b");
    assert_null(td->schema);
    tabledef_destroy(&td);
    /* csv and raw mappings */
    td = trino("{\"tableName\":\"c\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"csv\",\"fields\":["
               "{\"name\":\"userid\",\"type\":\"BIGINT\",\"mapping\":\"0\"},"
               "{\"name\":\"url\",\"type\":\"VARCHAR\",\"mapping\":\"1\"}]}}",
               NULL);
    assert_int_equal(td->format, TABLE_FMT_CSV);
    assert_int_equal(td->cols[1].index, 1);
    tabledef_destroy(&td);
    td = trino("{\"tableName\":\"r\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"raw\",\"fields\":["
               "{\"name\":\"n\",\"type\":\"BIGINT\",\"mapping\":\"0\",\"dataFormat\":\"LONG\"},"
               "{\"name\":\"f\",\"type\":\"DOUBLE\",\"mapping\":\"8:16\",\"dataFormat\":\"DOUBLE\"},"
               "{\"name\":\"rest\",\"type\":\"VARCHAR\",\"mapping\":\"16\"}]}}",
               NULL);
    assert_int_equal(td->cols[0].raw_width, TABLE_RAW_LONG);
    assert_int_equal(td->cols[1].raw_start, 8);
    assert_int_equal(td->cols[1].raw_end, 16);
    assert_int_equal(td->cols[2].raw_start, 16);
    assert_int_equal(td->cols[2].raw_end, -1);
    tabledef_destroy(&td);
    /* no message: only hidden columns (Trino's dummy decoder) */
    td = trino("{\"tableName\":\"d\",\"streamName\":\"s\"}", NULL);
    assert_int_equal(td->n_cols, 0);
    tabledef_destroy(&td);

    trino("{\"tableName\":\"t\"}", "22023");                                      /* no stream */
    trino("not json", "22023");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"avro\",\"fields\":[]}}", "0A000");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"MAP(VARCHAR, BIGINT)\"}]}}",
          "0A000");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"TIME WITH TIME ZONE\"}]}}",
          "0A000");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"BIGNUM\"}]}}",
          "22023");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"BIGINT\"},{\"name\":\"X\",\"type\":\"BIGINT\"}]}}",
          "42701");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"TIMESTAMP\",\"dataFormat\":\"custom-date-time\"}]}}",
          "22023"); /* needs formatHint */
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"TIMESTAMP\",\"dataFormat\":\"custom-date-time\",\"formatHint\":\"xxxx-ww\"}]}}",
          "0A000"); /* week-year letters */
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"csv\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"BIGINT\",\"mapping\":\"first\"}]}}",
          "22023");
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"fields\":["
          "{\"name\":\"x\",\"type\":\"BIGINT\",\"dataFormat\":\"iso8601\"}]}}",
          "22023"); /* a time format on a number */
    trino("{\"tableName\":\"t\",\"streamName\":\"s\",\"message\":{\"dataFormat\":\"json\",\"compressionCodec\":\"LZ4\"}}",
          "22023");
}

/* PostgreSQL's limit of 1600 columns, and a definition that large round-trips. */
static void test_many_columns(void **state)
{
    UNUSED(state);
    for (int n = 1600; n <= 1601; n++) {
        size_t cap = 64 + (size_t)n * 64;
        char *j = malloc(cap);
        size_t o = (size_t)snprintf(j, cap, "{\"tableName\":\"wide\",\"streamName\":\"s\",\"message\":{"
                                            "\"dataFormat\":\"json\",\"fields\":[");
        for (int i = 0; i < n; i++)
            o += (size_t)snprintf(j + o, cap - o, "%s{\"name\":\"c%d\",\"type\":\"BIGINT\",\"mapping\":\"a/%d\"}",
                                  i ? "," : "", i, i);
        snprintf(j + o, cap - o, "]}}");
        SqlError e;
        memset(&e, 0, sizeof(e));
        TableDef *td = NULL;
        int rc = tabledef_parse_trino(j, strlen(j), "wide.json", &td, &e);
        if (n == 1600) {
            assert_int_equal(rc, WEIR_OK);
            assert_int_equal(td->n_cols, 1600);
            assert_string_equal(td->cols[1599].name, "c1599");
            assert_string_equal(td->cols[1599].path[1], "1599");
            roundtrip(td);
        } else {
            assert_int_equal(rc, WEIR_ERROR);
            assert_string_equal(e.sqlstate, "54011");
        }
        free(j);
    }
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void rm_dir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_load_dir(void **state)
{
    UNUSED(state);
    char dir[] = "/tmp/weir-tabledef-XXXXXX";
    assert_non_null(mkdtemp(dir));
    write_file(dir, "b.json", "{\"tableName\":\"beta\",\"streamName\":\"s2\",\"message\":{\"dataFormat\":\"json\","
                              "\"fields\":[{\"name\":\"id\",\"type\":\"BIGINT\",\"mapping\":\"id\"}]}}");
    write_file(dir, "a.json", "{\"tableName\":\"alpha\",\"streamName\":\"s1\"}");
    write_file(dir, "notes.txt", "not a description");
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef **defs = NULL;
    size_t n = 0;
    assert_int_equal(tabledef_load_dir(dir, &defs, &n, &e), WEIR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(defs[0]->name, "alpha"); /* file name order */
    assert_string_equal(defs[1]->name, "beta");
    assert_non_null(strstr(defs[1]->description_file, "b.json"));
    tabledef_array_free(&defs, n);
    assert_null(defs);

    /* CREATE TABLE t () WITH (description_file = ...): the file's columns, the statement's name and
     * options on top */
    char path[512];
    snprintf(path, sizeof(path), "%s/b.json", dir);
    TableOption opts[] = {{"description_file", path, 10}, {"id.hidden", "true", 20}, {"on_error", "skip", 30}};
    TableDef *td = NULL;
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_build("mine", NULL, 0, opts, 3, &td, &e), WEIR_OK);
    assert_string_equal(td->name, "mine");
    assert_string_equal(td->stream, "s2");
    assert_int_equal(td->n_cols, 1);
    assert_int_equal(td->cols[0].is_hidden, 1);
    assert_int_equal(td->on_error, TABLE_ON_ERROR_SKIP);
    tabledef_destroy(&td);
    TableColumnSpec cols[] = {{"x", SQL_TYPE(SQL_INT4), 5}};
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_build("mine", cols, 1, opts, 1, &td, &e), WEIR_ERROR);
    assert_string_equal(e.sqlstate, "22023");
    assert_int_equal(e.position, 10);

    /* two files defining one table, then a broken file: the whole load fails and names the file */
    write_file(dir, "c.json", "{\"tableName\":\"ALPHA\",\"streamName\":\"s3\"}");
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_load_dir(dir, &defs, &n, &e), WEIR_ERROR);
    assert_null(defs);
    assert_non_null(strstr(e.message, "c.json"));
    assert_non_null(strstr(e.message, "alpha"));
    write_file(dir, "c.json", "{\"tableName\":\"gamma\",\"streamName\":\"s3\",\"message\":{\"dataFormat\":\"json\","
                              "\"fields\":[{\"name\":\"x\",\"type\":\"BIGINT\",\"mapping\":7}]}}");
    memset(&e, 0, sizeof(e));
    /* a non-string mapping is treated as absent: the column is then found by name */
    assert_int_equal(tabledef_load_dir(dir, &defs, &n, &e), WEIR_OK);
    tabledef_array_free(&defs, n);
    write_file(dir, "c.json", "{\"tableName\":\"gamma\",");
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_load_dir(dir, &defs, &n, &e), WEIR_ERROR);
    assert_non_null(strstr(e.message, "c.json"));
    rm_dir(dir);
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_load_dir(dir, &defs, &n, &e), WEIR_ERROR);
    assert_string_equal(e.sqlstate, "58P01");
    memset(&e, 0, sizeof(e));
    assert_int_equal(tabledef_load_trino("/nonexistent/x.json", &td, &e), WEIR_ERROR);
    assert_string_equal(e.sqlstate, "58P01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_options), cmocka_unit_test(test_paths),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_regex),   cmocka_unit_test(test_hidden),
        cmocka_unit_test(test_json_roundtrip), cmocka_unit_test(test_trino),  cmocka_unit_test(test_load_dir),
        cmocka_unit_test(test_many_columns),  cmocka_unit_test(test_event_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
