/*
 * test_pg_msg.c: unit tests of src/pgwire/pg_msg.c: bounds-checked reading (every way a body can be
 * short), framing with the per-type length limits, the startup packet's kinds and layout rules, the
 * exact bytes of the backend messages weir writes (compared with what PostgreSQL 15 sends), and the
 * invalid-UTF-8 report.
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
#include <string.h>

#include "pgwire/pg_msg.h"

/* ------------------------------------------------------------------ reading */

static void test_reader(void **state)
{
    UNUSED(state);
    static const uint8_t body[] = {0x01, 0xff, 0xfe, 0x80, 0, 0, 1, 'a', 'b', 0, 'x', 'y'};
    PgMsgReader r;
    pg_msg_reader_init(&r, body, sizeof(body));
    uint8_t b;
    int16_t i16;
    int32_t i32;
    const char *s;
    size_t n;
    const uint8_t *raw;
    assert_int_equal(pg_msg_get_byte(&r, &b), WEIR_OK);
    assert_int_equal(b, 1);
    assert_int_equal(pg_msg_get_int16(&r, &i16), WEIR_OK);
    assert_int_equal(i16, -2);
    assert_int_equal(pg_msg_get_int32(&r, &i32), WEIR_OK);
    assert_int_equal(i32, (int32_t)0x80000001u);
    assert_int_equal(pg_msg_get_string(&r, &s, &n), WEIR_OK);
    assert_string_equal(s, "ab");
    assert_int_equal(n, 2);
    assert_int_equal(pg_msg_get_end(&r), WEIR_EPROTO); /* "xy" is left */
    assert_string_equal(r.err, "invalid message format");

    pg_msg_reader_init(&r, body + 10, 2); /* "xy": no NUL */
    assert_int_equal(pg_msg_get_string(&r, &s, &n), WEIR_EPROTO);
    assert_string_equal(r.err, "invalid string in message");
    assert_null(s);
    /* sticky: later reads fail and keep the first message */
    assert_int_equal(pg_msg_get_byte(&r, &b), WEIR_EPROTO);
    assert_string_equal(r.err, "invalid string in message");

    pg_msg_reader_init(&r, body, 3);
    assert_int_equal(pg_msg_get_int32(&r, &i32), WEIR_EPROTO);
    assert_int_equal(i32, 0);
    assert_string_equal(r.err, "insufficient data left in message");
    pg_msg_reader_init(&r, body, 3);
    assert_int_equal(pg_msg_get_bytes(&r, 3, &raw), WEIR_OK);
    assert_ptr_equal(raw, body);
    assert_int_equal(pg_msg_get_end(&r), WEIR_OK);
    assert_int_equal(pg_msg_get_bytes(&r, 1, &raw), WEIR_EPROTO);
    assert_null(raw);
    pg_msg_reader_init(&r, body, 0);
    uint16_t u;
    assert_int_equal(pg_msg_get_uint16(&r, &u), WEIR_EPROTO);
    assert_int_equal(pg_msg_get_end(&r), WEIR_EPROTO); /* the failure stays */
    pg_msg_reader_init(&r, body, 0);
    assert_int_equal(pg_msg_get_end(&r), WEIR_OK);
    /* a huge length cannot wrap the bounds check */
    pg_msg_reader_init(&r, body, sizeof(body));
    assert_int_equal(pg_msg_get_bytes(&r, SIZE_MAX, &raw), WEIR_EPROTO);
}

/* ------------------------------------------------------------------ framing */

static void test_frame(void **state)
{
    UNUSED(state);
    PgFrame f;
    static const uint8_t q[] = {'Q', 0, 0, 0, 7, 'a', 'b', 0, 'S'};
    for (size_t n = 0; n < 8; n++)
        assert_int_equal(pg_msg_frame(q, n, 100, &f), PG_FRAME_NEED_MORE);
    assert_int_equal(pg_msg_frame(q, 8, 100, &f), PG_FRAME_OK);
    assert_int_equal(f.type, 'Q');
    assert_int_equal(f.body_len, 3);
    assert_ptr_equal(f.body, q + 5);
    assert_int_equal(f.frame_len, 8);
    assert_int_equal(pg_msg_frame(q, sizeof(q), 100, &f), PG_FRAME_OK); /* trailing bytes stay */
    assert_int_equal(pg_msg_frame(q, 8, 6, &f), PG_FRAME_BAD_LENGTH);   /* over max_len */
    static const uint8_t short_len[] = {'S', 0, 0, 0, 3};
    assert_int_equal(pg_msg_frame(short_len, 5, 100, &f), PG_FRAME_BAD_LENGTH);
    static const uint8_t huge[] = {'Q', 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(pg_msg_frame(huge, 5, SIZE_MAX, &f), PG_FRAME_NEED_MORE);
    assert_int_equal(pg_msg_frame(huge, 5, 1u << 30, &f), PG_FRAME_BAD_LENGTH);

    assert_int_equal(pg_msg_max_len('S', 1000000), PG_SMALL_MESSAGE_LIMIT);
    assert_int_equal(pg_msg_max_len('X', 1000000), PG_SMALL_MESSAGE_LIMIT);
    assert_int_equal(pg_msg_max_len('E', 1000000), PG_SMALL_MESSAGE_LIMIT);
    assert_int_equal(pg_msg_max_len('Q', 1000000), 1000000);
    assert_int_equal(pg_msg_max_len('B', 1000000), 1000000);

    static const uint8_t su[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    assert_int_equal(pg_msg_frame_startup(su, 3, &f), PG_FRAME_NEED_MORE);
    assert_int_equal(pg_msg_frame_startup(su, 7, &f), PG_FRAME_NEED_MORE);
    assert_int_equal(pg_msg_frame_startup(su, 8, &f), PG_FRAME_OK);
    assert_int_equal(f.body_len, 4);
    static const uint8_t su7[] = {0, 0, 0, 7};
    assert_int_equal(pg_msg_frame_startup(su7, 4, &f), PG_FRAME_BAD_LENGTH);
    static const uint8_t su_big[] = {0, 0, 0x27, 0x11}; /* 10001 */
    assert_int_equal(pg_msg_frame_startup(su_big, 4, &f), PG_FRAME_BAD_LENGTH);
    static const uint8_t su_max[] = {0, 0, 0x27, 0x10}; /* 10000 is allowed */
    assert_int_equal(pg_msg_frame_startup(su_max, 4, &f), PG_FRAME_NEED_MORE);
}

/* ------------------------------------------------------------------ startup packet */

static void test_startup_parse(void **state)
{
    UNUSED(state);
    PgStartup s;
    SqlError e;
    static const uint8_t ssl[] = {0x04, 0xd2, 0x16, 0x2f};
    assert_int_equal(pg_msg_startup_parse(ssl, 4, &s, &e), WEIR_OK);
    assert_int_equal(s.kind, PG_STARTUP_SSL);
    static const uint8_t gss[] = {0x04, 0xd2, 0x16, 0x30};
    assert_int_equal(pg_msg_startup_parse(gss, 4, &s, &e), WEIR_OK);
    assert_int_equal(s.kind, PG_STARTUP_GSSENC);
    static const uint8_t cancel[] = {0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x10, 0x92, 0xff, 0xff, 0xff, 0xfe};
    assert_int_equal(pg_msg_startup_parse(cancel, sizeof(cancel), &s, &e), WEIR_OK);
    assert_int_equal(s.kind, PG_STARTUP_CANCEL);
    assert_int_equal(s.cancel_pid, 4242);
    assert_int_equal(s.cancel_key, -2);
    assert_int_equal(pg_msg_startup_parse(cancel, 8, &s, &e), WEIR_EPROTO);
    assert_string_equal(e.sqlstate, "08P01");
    assert_string_equal(e.severity, "FATAL");
    assert_string_equal(e.message, "invalid length of startup packet");

    static const uint8_t ok[] = "\x00\x03\x00\x00user\0alice\0database\0db\0";
    assert_int_equal(pg_msg_startup_parse(ok, sizeof(ok), &s, &e), WEIR_OK); /* sizeof counts the final NUL */
    assert_int_equal(s.kind, PG_STARTUP_NORMAL);
    assert_int_equal(s.version, 196608);
    size_t pos = 0;
    const char *name, *value;
    assert_true(pg_msg_startup_next(&s, &pos, &name, &value));
    assert_string_equal(name, "user");
    assert_string_equal(value, "alice");
    assert_true(pg_msg_startup_next(&s, &pos, &name, &value));
    assert_string_equal(name, "database");
    assert_string_equal(value, "db");
    assert_false(pg_msg_startup_next(&s, &pos, &name, &value));

    static const uint8_t empty[] = "\x00\x03\x00\x00";
    assert_int_equal(pg_msg_startup_parse(empty, 5, &s, &e), WEIR_OK); /* just the terminator */
    pos = 0;
    assert_false(pg_msg_startup_next(&s, &pos, &name, &value));
    static const uint8_t bad_layouts[][24] = {
        "\x00\x03\x00\x00user\0alice\0",     /* no terminator */
        "\x00\x03\x00\x00user\0alice\0x\0",  /* a name without value */
        "\x00\x03\x00\x00user\0alice\0\0\0", /* bytes after the terminator */
        "\x00\x03\x00\x00user",              /* name runs off the end */
    };
    static const size_t bad_lens[] = {15, 17, 17, 8};
    for (size_t i = 0; i < 4; i++) {
        memset(&e, 0, sizeof(e));
        assert_int_equal(pg_msg_startup_parse(bad_layouts[i], bad_lens[i], &s, &e), WEIR_EPROTO);
        assert_string_equal(e.message, "invalid startup packet layout: expected terminator as last byte");
    }
    assert_int_equal(pg_msg_startup_parse(empty, 4, &s, &e), WEIR_EPROTO); /* not even a terminator */
    /* other major versions are the caller's to refuse; their layout is not judged */
    static const uint8_t v2[] = "\x00\x02\x00\x00garbage";
    assert_int_equal(pg_msg_startup_parse(v2, 11, &s, &e), WEIR_OK);
    assert_int_equal(s.version >> 16, 2);
}

/* ------------------------------------------------------------------ writing */

static void test_writers(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(pg_msg_put_auth_ok(&b), 0);
    assert_int_equal(pg_msg_put_parameter_status(&b, "DateStyle", "ISO, MDY"), 0);
    assert_int_equal(pg_msg_put_backend_key(&b, 15213, -1), 0);
    assert_int_equal(pg_msg_put_ready(&b, 'I'), 0);
    assert_int_equal(pg_msg_put_command_complete(&b, "SELECT 1"), 0);
    assert_int_equal(pg_msg_put_empty(&b, 's'), 0);
    static const uint8_t want[] = "R\0\0\0\x08\0\0\0\0"
                                  "S\0\0\0\x17"
                                  "DateStyle\0ISO, MDY\0"
                                  "K\0\0\0\x0c\0\0\x3b\x6d\xff\xff\xff\xff"
                                  "Z\0\0\0\x05I"
                                  "C\0\0\0\x0dSELECT 1\0"
                                  "s\0\0\0\x04";
    assert_int_equal(b.len, sizeof(want) - 1);
    assert_memory_equal(b.p, want, sizeof(want) - 1);

    buf_reset(&b);
    const char *opts[] = {"_pq_.a"};
    assert_int_equal(pg_msg_put_negotiate(&b, 0, opts, 1), 0);
    static const uint8_t nego[] = "v\0\0\0\x13\0\x03\0\0\0\0\0\x01_pq_.a\0";
    assert_int_equal(b.len, sizeof(nego) - 1);
    assert_memory_equal(b.p, nego, sizeof(nego) - 1);

    /* ErrorResponse as PostgreSQL lays it out: S, V, C, M, then D, H, P when present */
    buf_reset(&b);
    SqlError e;
    pg_error_make(&e, NULL, "42703", "column \"x\" does not exist");
    e.position = 18;
    snprintf(e.hint, sizeof(e.hint), "Perhaps you meant \"y\".");
    assert_int_equal(pg_msg_put_error(&b, 'E', &e), 0);
    static const uint8_t err[] = "E\0\0\0\x51"
                                 "SERROR\0VERROR\0C42703\0Mcolumn \"x\" does not exist\0"
                                 "HPerhaps you meant \"y\".\0P18\0\0";
    assert_int_equal(b.len, sizeof(err) - 1);
    assert_memory_equal(b.p, err, sizeof(err) - 1);
    /* no severity or SQLSTATE: ERROR and XX000 */
    buf_reset(&b);
    memset(&e, 0, sizeof(e));
    snprintf(e.message, sizeof(e.message), "m");
    snprintf(e.detail, sizeof(e.detail), "d");
    assert_int_equal(pg_msg_put_error(&b, 'N', &e), 0);
    static const uint8_t notice[] = "N\0\0\0\x20SERROR\0VERROR\0CXX000\0Mm\0Dd\0\0";
    assert_int_equal(b.len, sizeof(notice) - 1);
    assert_memory_equal(b.p, notice, sizeof(notice) - 1);
    /* CONTEXT goes out as 'W', after 'P' as PostgreSQL orders them */
    buf_reset(&b);
    memset(&e, 0, sizeof(e));
    snprintf(e.message, sizeof(e.message), "m");
    snprintf(e.context, sizeof(e.context), "JSON data, line 1: {");
    e.position = 8;
    assert_int_equal(pg_msg_put_error(&b, 'E', &e), 0);
    static const uint8_t ctxerr[] = "E\0\0\0\x36SERROR\0VERROR\0CXX000\0Mm\0P8\0WJSON data, line 1: {\0\0";
    assert_int_equal(b.len, sizeof(ctxerr) - 1);
    assert_memory_equal(b.p, ctxerr, sizeof(ctxerr) - 1);

    /* RowDescription and ParameterDescription (checked against PostgreSQL's answer to
     * "select $1::int, 2::int8, 1.5::numeric(5,2), 'x'::varchar(10)") */
    buf_reset(&b);
    SqlColumn cols[4] = {{"int4", SQL_TYPE(SQL_INT4), 0, 0},
                         {"int8", SQL_TYPE(SQL_INT8), 0, 0},
                         {"numeric", {SQL_NUMERIC, (5 << 16 | 2) + 4}, 0, 0},
                         {"varchar", {SQL_VARCHAR, 14}, 0, 0}};
    assert_int_equal(pg_msg_put_row_desc(&b, cols, 4, NULL), 0);
    static const uint8_t rd[] = "T\0\0\0\x68\0\x04"
                                "int4\0\0\0\0\0\0\0\0\0\0\x17\0\x04\xff\xff\xff\xff\0\0"
                                "int8\0\0\0\0\0\0\0\0\0\0\x14\0\x08\xff\xff\xff\xff\0\0"
                                "numeric\0\0\0\0\0\0\0\0\0\x06\xa4\xff\xff\0\x05\0\x06\0\0"
                                "varchar\0\0\0\0\0\0\0\0\0\x04\x13\xff\xff\0\0\0\x0e\0\0";
    assert_int_equal(b.len, sizeof(rd) - 1);
    assert_memory_equal(b.p, rd, sizeof(rd) - 1);
    buf_reset(&b);
    uint32_t oids[1] = {23};
    assert_int_equal(pg_msg_put_param_desc(&b, oids, 1), 0);
    assert_memory_equal(b.p, "t\0\0\0\x0a\0\x01\0\0\0\x17", 11);

    /* arrays report their array OID and typlen -1 */
    assert_int_equal(pg_type_oid(SQL_TYPE(SQL_ARRAY_OF(SQL_TEXT))), 1009);
    assert_int_equal(pg_type_len(SQL_TYPE(SQL_ARRAY_OF(SQL_INT4))), -1);
    assert_int_equal(pg_type_len(SQL_TYPE(SQL_BOOL)), 1);
    assert_int_equal(pg_type_len(SQL_TYPE(SQL_TIMESTAMPTZ)), 8);
    buf_fini(&b);
}

static void test_writer_limit(void **state)
{
    UNUSED(state);
    /* a message that does not fit is not left half-written */
    Buf b;
    buf_init(&b, 16);
    assert_int_equal(pg_msg_put_ready(&b, 'T'), 0);
    size_t before = b.len;
    assert_int_equal(pg_msg_put_command_complete(&b, "SELECT 123456789"), WEIR_ELIMIT);
    assert_int_equal(b.len, before);
    assert_memory_equal(b.p, "Z\0\0\0\x05T", 6);
    PgMsgWriter w;
    pg_msg_begin(&w, &b, 'D');
    pg_msg_put_int16(&w, 1);
    pg_msg_put_bytes(&w, "0123456789", 10); /* too much */
    pg_msg_put_int32(&w, 5);                /* ignored after the failure */
    assert_int_equal(pg_msg_end(&w), WEIR_ELIMIT);
    assert_int_equal(b.len, before);
    buf_fini(&b);
}

static void test_utf8_check(void **state)
{
    UNUSED(state);
    SqlError e;
    assert_int_equal(pg_utf8_check((const uint8_t *)"h\xc3\xa9llo \xf0\x9f\x98\x80", 11, &e), WEIR_OK);
    static const struct {
        const char *in;
        size_t n;
        const char *bytes;
    } bad[] = {
        {"a\xff", 2, "0xff"},
        {"\xc3\x28", 2, "0xc3 0x28"},
        {"ab\xe2\x82", 4, "0xe2 0x82"}, /* cut short: only what is there */
        {"\xf0\x9f\x98", 3, "0xf0 0x9f 0x98"},
        {"\xed\xa0\x80", 3, "0xed 0xa0 0x80"}, /* a surrogate */
        {"\xc0\xaf", 2, "0xc0 0xaf"},          /* overlong */
        {"a\0b", 3, "0x00"},                   /* NUL is not text */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        assert_int_equal(pg_utf8_check((const uint8_t *)bad[i].in, bad[i].n, &e), WEIR_ERROR);
        assert_string_equal(e.sqlstate, "22021");
        char want[128];
        snprintf(want, sizeof(want), "invalid byte sequence for encoding \"UTF8\": %s", bad[i].bytes);
        assert_string_equal(e.message, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader),        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_startup_parse), cmocka_unit_test(test_writers),
        cmocka_unit_test(test_writer_limit),  cmocka_unit_test(test_utf8_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
