/*
 * test_decode.c: unit tests of src/exec/decode.c: the JSON scanner (paths, arrays, objects kept as
 * text, escapes, duplicates, case rules, numbers and their ranges, malformed documents, nesting depth),
 * CSV (quoting, NULL rules, positions, header files), raw (text and big-endian fields), regex (custom
 * and Apache patterns), gzip payloads, time formats, the four bad-record policies and which fields they
 * check, hidden columns, decode_file_split, and the memory budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "exec/decode.h"
#include "sql/td_spec.h"
#include "sql/typeio.h"

/* ------------------------------------------------------------------------------------- helpers */

#define T_SEQ_BASE "4960000000000000000000000000000000000000000000000000"

typedef struct Run {
    TableDef *td;
    Decoder *d;
    Arena *a;
    DecodeRecord recs[64];
    char seq[64][64];
    DecodeOut out;
    int rc;
    SqlError err;
} Run;

/* Decode payloads (NUL-terminated, or with explicit lengths when lens != NULL) selecting cols. */
static void run_n(Run *r, TableDef *td, const int32_t *cols, uint32_t n_cols, const char *const *payloads,
                  const size_t *lens, uint32_t n)
{
    memset(r, 0, sizeof(*r));
    r->td = td;
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (decoder_create(td, cols, n_cols, NULL, &r->d, &e) != WEIR_OK)
        fail_msg("decoder_create: %s %s", e.sqlstate, e.message);
    r->a = arena_create(NULL, ARENA_UNLIMITED);
    assert_true(n <= 64);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(r->seq[i], sizeof(r->seq[i]), T_SEQ_BASE "%04u", i);
        r->recs[i].data = (Slice){(const uint8_t *)payloads[i], lens ? lens[i] : strlen(payloads[i])};
        r->recs[i].seq = slice_from_cstr(r->seq[i]);
        r->recs[i].partition_key = SLICE_LIT("pk");
        r->recs[i].shard_id = SLICE_LIT("shardId-000000000001");
        r->recs[i].arrival_usec = 1000000 * (int64_t)(i + 1);
    }
    r->rc = decoder_run(r->d, r->recs, n, r->a, &r->out, &r->err);
}

static void run_done(Run *r)
{
    decoder_destroy(&r->d);
    assert_null(r->d);
    arena_destroy(&r->a);
    tabledef_destroy(&r->td);
}

static void run_ok(Run *r, TableDef *td, const int32_t *cols, uint32_t n_cols, const char *const *payloads, uint32_t n)
{
    run_n(r, td, cols, n_cols, payloads, NULL, n);
    if (r->rc != WEIR_OK)
        fail_msg("decoder_run: %s %s", r->err.sqlstate, r->err.message);
}

static int is_null(Run *r, uint32_t col, uint32_t row)
{
    assert_true(row < r->out.batch->n);
    return vec_is_null(&r->out.batch->cols[col], row);
}

static int64_t I(Run *r, uint32_t col, uint32_t row)
{
    if (is_null(r, col, row))
        fail_msg("column %u row %u is NULL", col, row);
    return r->out.batch->cols[col].u.i[row];
}

static double F(Run *r, uint32_t col, uint32_t row)
{
    if (is_null(r, col, row))
        fail_msg("column %u row %u is NULL", col, row);
    return r->out.batch->cols[col].u.f[row];
}

static int B(Run *r, uint32_t col, uint32_t row)
{
    if (is_null(r, col, row))
        fail_msg("column %u row %u is NULL", col, row);
    return r->out.batch->cols[col].u.b[row];
}

/* A string column as a C string ("<NULL>" for NULL), in a rotating static buffer. */
static const char *S(Run *r, uint32_t col, uint32_t row)
{
    static char bufs[4][1024];
    static int k;
    if (is_null(r, col, row))
        return "<NULL>";
    Slice s = r->out.batch->cols[col].u.s[row];
    char *b = bufs[k++ & 3];
    assert_true(s.n < 1024);
    if (s.n)
        memcpy(b, s.p, s.n);
    b[s.n] = '\0';
    return b;
}

static int in_record(Run *r, uint32_t col, uint32_t row)
{
    Slice s = r->out.batch->cols[col].u.s[row];
    Slice p = r->recs[r->out.record[row]].data;
    return s.p >= p.p && s.p + s.n <= p.p + p.n;
}

static const int32_t C0_9[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

/* --------------------------------------------------------------------------------------------- json */

static void test_json_basic(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"user_id\":42,\"url\":\"/home\",\"ts\":\"2024-05-01T12:00:00Z\",\"status\":200,"
                       "\"bytes\":1234,\"ok\":true,\"score\":2.5}",
                       "{\"user_id\":43}"};
    run_ok(&r, mk("user_id bigint, url text, ts timestamptz, status int, bytes bigint, ok boolean, score float8", ""),
           C0_9, 7, p, 2);
    assert_int_equal(r.out.batch->n, 2);
    assert_int_equal(r.out.batch->n_cols, 7);
    assert_int_equal(I(&r, 0, 0), 42);
    assert_string_equal(S(&r, 1, 0), "/home");
    assert_true(in_record(&r, 1, 0)); /* no escapes: a slice into the record */
    assert_int_equal(I(&r, 2, 0), 767880000LL * 1000000);
    assert_int_equal(I(&r, 3, 0), 200);
    assert_int_equal(I(&r, 4, 0), 1234);
    assert_int_equal(B(&r, 5, 0), 1);
    assert_true(F(&r, 6, 0) == 2.5);
    assert_int_equal(r.out.valid[0], 1);
    assert_int_equal(r.out.n_bad[0], 0);
    /* the second record: missing fields are NULL and not errors; earlier captures do not leak */
    assert_int_equal(I(&r, 0, 1), 43);
    for (uint32_t c = 1; c < 7; c++)
        assert_true(is_null(&r, c, 1));
    assert_int_equal(r.out.valid[1], 1);
    assert_int_equal(r.out.record[1], 1);
    run_done(&r);
}

static void test_json_paths(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"x\":{\"y\":\"deep\"},\"arr\":[10,20,30],\"obj\":{\"b\":1, \"a\":[true,null]},"
                       "\"s\":\"str\",\"k.dot\":\"dotted\",\"n\":[[1,2],[3,{\"z\":\"in\"}]]}"};
    run_ok(&r,
           mk("a text, b bigint, c text, d json, e text, f jsonb, g text, h json, i text, j bigint",
              "a.path=x/y;b.path=$.arr[1];c.path=obj;d.path=s;e.path=arr;f.path=obj;g.path=$['k.dot'];h.path=$;"
              "i.path=n/1/1/z;j.path=arr/7"),
           C0_9, 10, p, 1);
    assert_string_equal(S(&r, 0, 0), "deep");
    assert_int_equal(I(&r, 1, 0), 20);
    assert_string_equal(S(&r, 2, 0), "{\"b\":1, \"a\":[true,null]}"); /* objects keep their JSON text */
    assert_string_equal(S(&r, 3, 0), "\"str\"");                      /* json of a string: quoted */
    assert_string_equal(S(&r, 4, 0), "[10,20,30]");
    assert_string_equal(S(&r, 5, 0), "{\"a\": [true, null], \"b\": 1}"); /* jsonb: normalised */
    assert_string_equal(S(&r, 6, 0), "dotted");
    assert_string_equal(S(&r, 7, 0), p[0]);
    assert_string_equal(S(&r, 8, 0), "in");
    assert_true(is_null(&r, 9, 0)); /* index past the end */
    assert_int_equal(r.out.valid[0], 1);
    run_done(&r);
}

static void test_json_strings(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"s\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\",\"p\":\"pl\xc3\xa9in\"}",
                       "{\"s\":\"\\u0000\",\"p\":\"ok\"}",
                       "{\"s\":\"\\ud800x\"}",
                       "{\"s\":\"\xff\"}",
                       "{\"other\":\"\xff\",\"s\":\"fine\"}",
                       "{\"s\":\"\\udc00\"}"};
    run_ok(&r, mk("s text, p text", ""), C0_9, 2, p, 6);
    assert_string_equal(S(&r, 0, 0), "a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80");
    assert_false(in_record(&r, 0, 0)); /* unescaped into the arena */
    assert_string_equal(S(&r, 1, 0), "pl\xc3\xa9in");
    assert_true(in_record(&r, 1, 0));
    /* \u0000, lone surrogates and invalid UTF-8 cannot be text: bad fields */
    for (uint32_t row = 1; row <= 5; row++) {
        if (row == 4) {
            /* invalid UTF-8 in a string no column reads does not matter */
            assert_string_equal(S(&r, 0, row), "fine");
            assert_int_equal(r.out.valid[row], 1);
            continue;
        }
        assert_true(is_null(&r, 0, row));
        assert_int_equal(r.out.valid[row], 0);
        assert_int_equal(r.out.n_bad[row], 1);
    }
    assert_string_equal(S(&r, 1, 1), "ok");
    run_done(&r);
}

static void test_json_keys(void **state)
{
    UNUSED(state);
    Run r;
    /* a column found by its name matches any case; duplicates: the last wins; escaped keys match */
    const char *p[] = {"{\"User_ID\":1,\"b\":null}", "{\"user_id\":1,\"user_id\":2}", "{\"user\\u005fid\":3}"};
    run_ok(&r, mk("user_id bigint, b bigint, c bigint", ""), C0_9, 3, p, 3);
    assert_int_equal(I(&r, 0, 0), 1);
    assert_true(is_null(&r, 1, 0)); /* JSON null */
    assert_true(is_null(&r, 2, 0)); /* missing */
    assert_int_equal(r.out.valid[0], 1);
    assert_int_equal(I(&r, 0, 1), 2);
    assert_int_equal(I(&r, 0, 2), 3);
    run_done(&r);
    /* a duplicate of a parent key replaces the whole subtree: nothing from the first one survives */
    const char *dup[] = {"{\"x\":[\"first\"],\"x\":{\"k\":1}}", "{\"x\":{\"k\":1},\"x\":[5]}",
                         "{\"x\":{\"k\":1,\"y\":{\"z\":2}},\"x\":{\"y\":3}}"};
    run_ok(&r, mk("first text, k bigint, z bigint, y text", "first.path=x/0;k.path=x/k;z.path=x/y/z;y.path=x/y"),
           C0_9, 4, dup, 3);
    assert_true(is_null(&r, 0, 0));
    assert_int_equal(I(&r, 1, 0), 1);
    assert_string_equal(S(&r, 0, 1), "5");
    assert_true(is_null(&r, 1, 1));
    assert_true(is_null(&r, 1, 2));
    assert_true(is_null(&r, 2, 2));
    assert_string_equal(S(&r, 3, 2), "3");
    run_done(&r);
    /* an explicit path matches exactly; a same-named column then matches exactly too */
    const char *q[] = {"{\"A\":1,\"a\":2}"};
    run_ok(&r, mk("x bigint, a bigint", "x.path=A"), C0_9, 2, q, 1);
    assert_int_equal(I(&r, 0, 0), 1);
    assert_int_equal(I(&r, 1, 0), 2);
    run_done(&r);
}

static void test_json_numbers(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {
        "{\"i2\":32767,\"i4\":-2147483648,\"i8\":9223372036854775807,\"f4\":1.5,\"f8\":-1.25e-3,\"n\":\"12.345\","
        "\"r\":2.5,\"s\":\" 17 \",\"neg\":-9223372036854775808,\"b\":\"yes\"}",
        "{\"i2\":32768,\"i4\":\"x\",\"i8\":9223372036854775808,\"f4\":1e39,\"f8\":\"abc\",\"n\":\"zz\",\"r\":1e30,"
        "\"s\":true,\"neg\":{},\"b\":2}",
        "{\"f8\":1e400,\"f4\":1e-50,\"r\":-2.5,\"b\":0,\"i4\":1E2}",
    };
    run_ok(&r, mk("i2 smallint, i4 int, i8 bigint, f4 real, f8 float8, n numeric, r bigint, s bigint, neg bigint, "
                  "b boolean",
                  ""),
           C0_9, 10, p, 3);
    assert_int_equal(I(&r, 0, 0), 32767);
    assert_int_equal(I(&r, 1, 0), INT32_MIN);
    assert_int_equal(I(&r, 2, 0), INT64_MAX);
    assert_true(F(&r, 3, 0) == 1.5);
    assert_true(F(&r, 4, 0) == -1.25e-3);
    assert_false(is_null(&r, 5, 0));
    assert_true(r.out.batch->cols[5].u.num[0].v == 12345);
    assert_int_equal(r.out.batch->cols[5].u.num[0].scale, 3);
    assert_int_equal(I(&r, 6, 0), 3); /* a JSON number with a fraction rounds into an integer column */
    assert_int_equal(I(&r, 7, 0), 17);
    assert_int_equal(I(&r, 8, 0), INT64_MIN);
    assert_int_equal(B(&r, 9, 0), 1);
    assert_int_equal(r.out.valid[0], 1);
    /* every field of the second record is bad */
    assert_int_equal(r.out.valid[1], 0);
    assert_int_equal(r.out.n_bad[1], 10);
    for (uint32_t c = 0; c < 10; c++)
        assert_true(is_null(&r, c, 1));
    /* overflow to infinity and underflow to zero are out of range, as float8in / float4in say */
    assert_true(is_null(&r, 4, 2));
    assert_true(is_null(&r, 3, 2));
    assert_int_equal(I(&r, 6, 2), -3);
    assert_int_equal(B(&r, 9, 2), 0);
    assert_int_equal(I(&r, 1, 2), 100);
    assert_int_equal(r.out.n_bad[2], 2);
    run_done(&r);
}

static void test_json_malformed(void **state)
{
    UNUSED(state);
    static const char *bad[] = {
        "",           "{",          "{\"a\":}",        "{\"a\":1,}",    "[1,2",       "{\"a\":01}",
        "{\"a\":1} x", "42",        "\"str\"",         "{\"a\":tru}",   "{\"a\":\"\x01\"}", "{'a':1}",
        "{\"a\":1.}", "{\"a\":-}",  "{\"a\" 1}",       "{\"a\":\"\\x\"}", "{\"a\":[1,]}", "{\"a\":1}}",
        "{\"a\":[}",  "{\"a\":\"\\u12\"}", "{\"a\":1 \"b\":2}", "null", "{\"a\":1e}", "\xef\xbb\xbf{}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Run r;
        const char *p[] = {bad[i]};
        run_ok(&r, mk("a bigint, b text", ""), C0_9, 2, p, 1);
        if (r.out.valid[0])
            fail_msg("accepted malformed JSON %s", bad[i]);
        assert_int_equal(r.out.n_bad[0], 2);
        assert_true(is_null(&r, 0, 0));
        assert_true(is_null(&r, 1, 0));
        run_done(&r);
    }
    static const char *good[] = {" {\"a\":1} \n", "[]", "{}", "[{\"a\":1}]", "{\"a\":-0.0e+1,\"b\":\"\"}",
                                 "{\"x\":[[[{}]]],\"a\":2}", "\t{\r\n\"a\"\t:\n3}"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        Run r;
        const char *p[] = {good[i]};
        run_ok(&r, mk("a float8, b text", ""), C0_9, 2, p, 1);
        if (!r.out.valid[0])
            fail_msg("rejected valid JSON %s", good[i]);
        run_done(&r);
    }
    /* nesting: 100 levels are fine, 5000 are over the limit (and nothing overflows a C stack) */
    char *deep = malloc(10001);
    for (int depth = 100; depth <= 5000; depth += 4900) {
        size_t k = 0;
        for (int i = 0; i < depth; i++)
            deep[k++] = '[';
        for (int i = 0; i < depth; i++)
            deep[k++] = ']';
        deep[k] = '\0';
        Run r;
        const char *p[] = {deep};
        run_ok(&r, mk("a text", "a.path=0/0"), C0_9, 1, p, 1);
        assert_int_equal(r.out.valid[0], depth == 100);
        if (depth == 100) { /* the third level's text */
            const char *third = S(&r, 0, 0);
            assert_int_equal(strlen(third), 2 * depth - 4);
            assert_memory_equal(third, deep + 2, 2 * depth - 4);
        }
        run_done(&r);
    }
    free(deep);
}

/* ------------------------------------------------------------------------------------------ policies */

static const char *const POL[] = {"{\"a\":1,\"b\":\"one\"}", "{\"a\":\"x\",\"b\":\"two\"}", "{\"a\":", "{\"a\":4}"};

static void test_policy_null(void **state)
{
    UNUSED(state);
    Run r;
    run_ok(&r, mk("a bigint, b text", ""), C0_9, 2, POL, 4);
    assert_int_equal(r.out.batch->n, 4);
    static const uint8_t valid[] = {1, 0, 0, 1};
    static const uint16_t nbad[] = {0, 1, 2, 0};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(r.out.valid[i], valid[i]);
        assert_int_equal(r.out.n_bad[i], nbad[i]);
        assert_int_equal(r.out.record[i], i);
    }
    assert_true(is_null(&r, 0, 1));
    assert_string_equal(S(&r, 1, 1), "two"); /* only the bad field is NULL */
    const DecodeStats *st = decoder_stats(r.d);
    assert_int_equal(st->records, 4);
    assert_int_equal(st->rows, 4);
    assert_int_equal(st->bad_records, 2);
    assert_int_equal(st->bad_fields, 3);
    run_done(&r);
    /* under null only the selected columns are checked... */
    const int32_t only_b[] = {1};
    run_ok(&r, mk("a bigint, b text", ""), only_b, 1, POL, 4);
    assert_int_equal(r.out.valid[1], 1);
    run_done(&r);
    /* ...unless _message_valid is selected: then the flag covers the whole record */
    const int32_t b_valid[] = {1, DECODE_HIDDEN(TABLE_HID_MESSAGE_VALID)};
    run_ok(&r, mk("a bigint, b text", ""), b_valid, 2, POL, 4);
    assert_int_equal(B(&r, 1, 0), 1);
    assert_int_equal(B(&r, 1, 1), 0);
    assert_int_equal(B(&r, 1, 2), 0);
    assert_string_equal(S(&r, 0, 1), "two");
    run_done(&r);
}

static void test_policy_skip(void **state)
{
    UNUSED(state);
    Run r;
    /* the row's presence must not depend on the columns selected: only b is selected, a still checked */
    const int32_t only_b[] = {1};
    run_ok(&r, mk("a bigint, b text", "on_error=skip"), only_b, 1, POL, 4);
    assert_int_equal(r.out.batch->n, 2);
    assert_int_equal(r.out.n_skipped, 2);
    assert_int_equal(r.out.record[0], 0);
    assert_int_equal(r.out.record[1], 3);
    assert_string_equal(S(&r, 0, 0), "one");
    assert_string_equal(S(&r, 0, 1), "<NULL>");
    assert_int_equal(decoder_stats(r.d)->skipped, 2);
    run_done(&r);
    /* a skipped row's NULLs do not leak into the row that reuses its slot */
    const char *p[] = {"{\"a\":\"bad\"}", "{\"a\":5,\"b\":\"kept\"}"};
    run_ok(&r, mk("a bigint, b text", "on_error=skip"), C0_9, 2, p, 2);
    assert_int_equal(r.out.batch->n, 1);
    assert_int_equal(I(&r, 0, 0), 5);
    assert_string_equal(S(&r, 1, 0), "kept");
    run_done(&r);
}

static void test_policy_fail(void **state)
{
    UNUSED(state);
    Run r;
    run_n(&r, mk("a bigint, b text", "on_error=fail"), C0_9, 2, POL, NULL, 4);
    assert_int_equal(r.rc, WEIR_ERROR);
    assert_string_equal(r.err.sqlstate, "22P02");
    assert_non_null(strstr(r.err.message, T_SEQ_BASE "0001"));
    assert_non_null(strstr(r.err.message, "column \"a\""));
    assert_non_null(strstr(r.err.message, "invalid input syntax for type bigint: \"x\""));
    run_done(&r);
    const char *p[] = {"{\"a\":1}", "not json"};
    run_n(&r, mk("a bigint", "on_error=fail"), C0_9, 1, p, NULL, 2);
    assert_int_equal(r.rc, WEIR_ERROR);
    assert_non_null(strstr(r.err.message, "invalid JSON at byte 0"));
    run_done(&r);
}

static void test_policy_dead_letter(void **state)
{
    UNUSED(state);
    Run r;
    run_ok(&r, mk("a bigint, b text", "on_error=dead_letter;dead_letter_stream=dlq"), C0_9, 2, POL, 4);
    assert_int_equal(r.out.batch->n, 2);
    assert_int_equal(r.out.n_dead, 2);
    assert_int_equal(r.out.dead[0].record, 1);
    assert_non_null(strstr(r.out.dead[0].reason, "column \"a\""));
    assert_int_equal(r.out.dead[1].record, 2);
    assert_non_null(strstr(r.out.dead[1].reason, "invalid JSON"));
    assert_int_equal(decoder_stats(r.d)->dead_lettered, 2);
    run_done(&r);
}

static void test_hidden_columns(void **state)
{
    UNUSED(state);
    const int32_t cols[] = {DECODE_HIDDEN(TABLE_HID_SHARD_ID),      DECODE_HIDDEN(TABLE_HID_SEQUENCE_NUMBER),
                            DECODE_HIDDEN(TABLE_HID_PARTITION_KEY), DECODE_HIDDEN(TABLE_HID_ARRIVAL_TIME),
                            DECODE_HIDDEN(TABLE_HID_MESSAGE),       DECODE_HIDDEN(TABLE_HID_MESSAGE_VALID),
                            DECODE_HIDDEN(TABLE_HID_MESSAGE_LENGTH), 0};
    const char *p[] = {"{\"a\":7}", "{\"a\":\"\xff\"}"};
    Run r;
    run_n(&r, mk("a bigint", ""), cols, 8, p, NULL, 2);
    /* the second record comes from a file table: no shard, sequence number or arrival time */
    r.recs[1].shard_id = (Slice){NULL, 0};
    r.recs[1].seq = (Slice){NULL, 0};
    r.recs[1].partition_key = (Slice){NULL, 0};
    r.recs[1].arrival_usec = INT64_MIN;
    assert_int_equal(decoder_run(r.d, r.recs, 2, r.a, &r.out, &r.err), WEIR_OK);
    assert_int_equal(r.out.batch->cols[3].type.id, SQL_TIMESTAMPTZ);
    assert_string_equal(S(&r, 0, 0), "shardId-000000000001");
    assert_string_equal(S(&r, 1, 0), T_SEQ_BASE "0000");
    assert_string_equal(S(&r, 2, 0), "pk");
    assert_int_equal(I(&r, 3, 0), 1000000);
    assert_string_equal(S(&r, 4, 0), "{\"a\":7}");
    assert_int_equal(B(&r, 5, 0), 1);
    assert_int_equal(I(&r, 6, 0), 7);
    assert_int_equal(I(&r, 7, 0), 7);
    for (uint32_t c = 0; c < 4; c++)
        assert_true(is_null(&r, c, 1));
    assert_string_equal(S(&r, 4, 1), "{\"a\":\"\xef\xbf\xbd\"}"); /* invalid UTF-8 replaced in _message */
    assert_int_equal(B(&r, 5, 1), 0);
    assert_int_equal(I(&r, 6, 1), 9);
    run_done(&r);
    /* a table with no data columns decodes nothing but still has the hidden ones */
    const int32_t len_only[] = {DECODE_HIDDEN(TABLE_HID_MESSAGE_LENGTH)};
    const char *q[] = {"anything at all"};
    run_ok(&r, mk("", "stream=x"), len_only, 1, q, 1);
    assert_int_equal(I(&r, 0, 0), 15);
    run_done(&r);
}

/* ---------------------------------------------------------------------------------------------- csv */

static void test_csv(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {
        "42,/home,2024-05-01T12:00:00Z,plain",
        "7,\"/a,b\",2024-05-01T12:00:00Z,\"say \"\"hi\"\"\"",
        "8,,,",
        "9,\"\",2024-05-01T12:00:00Z",
        "x,/y",
        "10,\"unterminated",
        "11,\"a\"b,c",
        "12,/z\r\n",
    };
    run_ok(&r, mk("userid bigint, url text, ts timestamptz, note text", "format=csv"), C0_9, 4, p, 8);
    assert_int_equal(I(&r, 0, 0), 42);
    assert_string_equal(S(&r, 1, 0), "/home");
    assert_int_equal(I(&r, 2, 0), 767880000LL * 1000000);
    assert_string_equal(S(&r, 3, 0), "plain");
    assert_string_equal(S(&r, 1, 1), "/a,b");
    assert_true(in_record(&r, 1, 1));
    assert_string_equal(S(&r, 3, 1), "say \"hi\"");
    assert_false(in_record(&r, 3, 1));
    /* unquoted empty -> NULL; quoted empty -> ''; a short line -> NULL; none of them errors */
    assert_string_equal(S(&r, 1, 2), "<NULL>");
    assert_true(is_null(&r, 2, 2));
    assert_string_equal(S(&r, 3, 2), "<NULL>");
    assert_int_equal(r.out.valid[2], 1);
    assert_string_equal(S(&r, 1, 3), "");
    assert_string_equal(S(&r, 3, 3), "<NULL>");
    assert_int_equal(r.out.valid[3], 1);
    assert_int_equal(r.out.valid[4], 0);
    assert_int_equal(r.out.n_bad[4], 1);
    assert_string_equal(S(&r, 1, 4), "/y");
    assert_int_equal(r.out.n_bad[5], 4); /* malformed line: every field */
    assert_int_equal(r.out.n_bad[6], 4);
    assert_string_equal(S(&r, 1, 7), "/z");
    assert_int_equal(r.out.valid[7], 1);
    run_done(&r);

    const char *q[] = {"5|/p", "NA|/q", "\"6\"|\"NA\""};
    run_ok(&r, mk("url text, userid bigint", "format=csv;delimiter=|;url.index=1;userid.index=0;null=NA"), C0_9, 2,
           q, 3);
    assert_string_equal(S(&r, 0, 0), "/p");
    assert_int_equal(I(&r, 1, 0), 5);
    assert_true(is_null(&r, 1, 1));
    assert_int_equal(r.out.valid[1], 1);
    assert_string_equal(S(&r, 0, 2), "NA"); /* a quoted null string is a value, as in COPY */
    assert_int_equal(I(&r, 1, 2), 6);
    run_done(&r);
    /* no quoting at all */
    const char *u[] = {"\"a\",b"};
    run_ok(&r, mk("x text, y text", "format=csv;quote="), C0_9, 2, u, 1);
    assert_string_equal(S(&r, 0, 0), "\"a\"");
    run_done(&r);
}

static void test_files(void **state)
{
    UNUSED(state);
    static const char file[] = "url,userid\n/a,1\r\n\n\"/multi\nline\",2\n  \n/c,3";
    TableDef *td = mk("userid bigint, url text", "file=/x.csv;format=csv;header=true");
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    Slice *recs, header;
    size_t n;
    SqlError e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(decode_file_split(td, (const uint8_t *)file, sizeof(file) - 1, a, &recs, &n, &header, &e),
                     WEIR_OK);
    assert_int_equal(n, 3);
    assert_int_equal(header.n, 10);
    assert_memory_equal(header.p, "url,userid", 10);
    assert_int_equal(recs[0].n, 4); /* CR dropped */
    assert_int_equal(recs[1].n, 15);
    Decoder *d = NULL;
    const int32_t cols[] = {0, 1};
    assert_int_equal(decoder_create(td, cols, 2, &header, &d, &e), WEIR_OK);
    DecodeRecord dr[3];
    memset(dr, 0, sizeof(dr));
    for (size_t i = 0; i < n; i++) {
        dr[i].data = recs[i];
        dr[i].arrival_usec = INT64_MIN;
    }
    DecodeOut out;
    assert_int_equal(decoder_run(d, dr, 3, a, &out, &e), WEIR_OK);
    assert_int_equal(out.batch->n, 3);
    assert_int_equal(out.batch->cols[0].u.i[0], 1);
    assert_int_equal(out.batch->cols[0].u.i[2], 3);
    Slice s = out.batch->cols[1].u.s[1];
    assert_int_equal(s.n, 11);
    assert_memory_equal(s.p, "/multi\nline", 11);
    decoder_destroy(&d);
    /* a column the header does not have */
    Slice bad_header = SLICE_LIT("link,userid");
    memset(&e, 0, sizeof(e));
    assert_int_equal(decoder_create(td, cols, 2, &bad_header, &d, &e), WEIR_ERROR);
    assert_string_equal(e.sqlstate, "42703");
    assert_null(d);
    tabledef_destroy(&td);
    /* JSON lines */
    static const char jl[] = "{\"a\":1}\n\n{\"a\":2}\n";
    td = mk("a int", "file=/x.json");
    assert_int_equal(decode_file_split(td, (const uint8_t *)jl, sizeof(jl) - 1, a, &recs, &n, NULL, &e), WEIR_OK);
    assert_int_equal(n, 2);
    assert_int_equal(recs[1].n, 7);
    tabledef_destroy(&td);
    arena_destroy(&a);
}

/* ---------------------------------------------------------------------------------------------- raw */

static void test_raw(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"hello\n"};
    run_ok(&r, mk("msg text", "format=raw"), C0_9, 1, p, 1);
    assert_string_equal(S(&r, 0, 0), "hello\n");
    assert_true(in_record(&r, 0, 0));
    run_done(&r);
    const char *q[] = {"123"};
    run_ok(&r, mk("b bytea, n bigint", "format=raw"), C0_9, 2, q, 1);
    assert_string_equal(S(&r, 0, 0), "123");
    assert_int_equal(I(&r, 1, 0), 123);
    run_done(&r);
    static const char bin[] = "\xff\xff\xff\xfe"           /* INT -2 */
                              "\x01\x02"                   /* SHORT 258 */
                              "\x00\x00\x00\x01\x00\x00\x00\x00" /* LONG 2^32 */
                              "\x3f\xc0\x00\x00"           /* FLOAT 1.5 */
                              "\xc0\x02\x00\x00\x00\x00\x00\x00" /* DOUBLE -2.25 */
                              "\x01"                       /* BYTE true */
                              "xyz";
    const char *b[] = {bin, bin};
    const size_t lens[] = {sizeof(bin) - 1, 10};
    run_n(&r,
          mk("i int, s smallint, l bigint, f real, d float8, flag boolean, tail text",
             "format=raw;i.range=0;i.format=INT;s.range=4;s.format=SHORT;l.range=6:14;l.format=LONG;f.range=14;"
             "f.format=FLOAT;d.range=18;d.format=DOUBLE;flag.range=26;flag.format=BYTE;tail.range=27"),
          C0_9, 7, b, lens, 2);
    assert_int_equal(r.rc, WEIR_OK);
    assert_int_equal(I(&r, 0, 0), -2);
    assert_int_equal(I(&r, 1, 0), 258);
    assert_int_equal(I(&r, 2, 0), 4294967296LL);
    assert_true(F(&r, 3, 0) == 1.5);
    assert_true(F(&r, 4, 0) == -2.25);
    assert_int_equal(B(&r, 5, 0), 1);
    assert_string_equal(S(&r, 6, 0), "xyz");
    /* a 10-byte payload: i and s decode, l..flag are too short (bad), tail starts past the end (NULL) */
    assert_int_equal(I(&r, 1, 1), 258);
    assert_int_equal(r.out.n_bad[1], 4);
    assert_true(is_null(&r, 6, 1));
    run_done(&r);
}

/* -------------------------------------------------------------------------------------------- regex */

static void test_regex(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {
        "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326 "
        "\"http://www.example.com/start.html\" \"Mozilla/4.08 [en] (Win98; I ;Nav)\"\n",
        "10.0.0.2 - - [10/Oct/2000:13:55:36 +0000] \"\\x16\\x03\" 400 - \"-\" \"say \\\"hi\\\"\"",
        "garbage",
    };
    run_ok(&r, mk("host text, ident text, user text, time timestamptz, request text, method text, path text, "
                  "protocol text, status int, bytes bigint, referer text, user_agent text",
                  "format=regex;pattern=apache_combined"),
           C0_9, 12, p, 3);
    assert_string_equal(S(&r, 0, 0), "127.0.0.1");
    assert_true(is_null(&r, 1, 0)); /* "-" */
    assert_string_equal(S(&r, 2, 0), "frank");
    assert_int_equal(I(&r, 3, 0), 24526536LL * 1000000);
    assert_string_equal(S(&r, 4, 0), "GET /apache_pb.gif HTTP/1.0");
    assert_string_equal(S(&r, 5, 0), "GET");
    assert_string_equal(S(&r, 6, 0), "/apache_pb.gif");
    assert_string_equal(S(&r, 7, 0), "HTTP/1.0");
    assert_int_equal(I(&r, 8, 0), 200);
    assert_int_equal(I(&r, 9, 0), 2326);
    assert_string_equal(S(&r, 10, 0), "http://www.example.com/start.html");
    assert_string_equal(S(&r, 11, 0), "Mozilla/4.08 [en] (Win98; I ;Nav)");
    assert_int_equal(r.out.valid[0], 1);
    /* a request line that is not "METHOD PATH PROTO": request kept, its parts NULL; "-" bytes NULL */
    assert_string_equal(S(&r, 4, 1), "\\x16\\x03");
    assert_true(is_null(&r, 5, 1));
    assert_true(is_null(&r, 9, 1));
    assert_true(is_null(&r, 10, 1));
    assert_string_equal(S(&r, 11, 1), "say \\\"hi\\\"");
    assert_int_equal(r.out.valid[1], 1);
    assert_int_equal(r.out.valid[2], 0);
    assert_int_equal(r.out.n_bad[2], 12);
    run_done(&r);

    const char *q[] = {"abc=12\n", "abc=", "a"};
    run_ok(&r, mk("k text, v int", "format=regex;pattern=^(\\w+)=(\\d+)$"), C0_9, 2, q, 2);
    assert_string_equal(S(&r, 0, 0), "abc");
    assert_int_equal(I(&r, 1, 0), 12);
    assert_int_equal(r.out.valid[1], 0);
    run_done(&r);
    /* a group that did not take part is NULL, not an error */
    run_ok(&r, mk("x text, y text", "format=regex;pattern=^(a)(b)?$"), C0_9, 2, q + 2, 1);
    assert_string_equal(S(&r, 0, 0), "a");
    assert_true(is_null(&r, 1, 0));
    assert_int_equal(r.out.valid[0], 1);
    run_done(&r);
    /* catastrophic backtracking hits the match limit: a bad record, not a hang */
    char evil[64];
    memset(evil, 'a', 40);
    evil[40] = '!';
    evil[41] = '\0';
    const char *e[] = {evil};
    run_ok(&r, mk("x text", "format=regex;pattern=^(a+)+$"), C0_9, 1, e, 1);
    assert_int_equal(r.out.valid[0], 0);
    run_done(&r);
}

/* --------------------------------------------------------------------------------- gzip, times, misc */

static size_t gz(const char *in, uint8_t *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)strlen(in);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t n = cap - zs.avail_out;
    deflateEnd(&zs);
    return n;
}

static void test_gzip(void **state)
{
    UNUSED(state);
    uint8_t z[256];
    size_t zn = gz("{\"a\":99,\"s\":\"zipped\"}", z, sizeof(z));
    const char *p[] = {(const char *)z, "{\"a\":5}", (const char *)z};
    const size_t lens[] = {zn, 7, zn - 4}; /* the third is truncated */
    const int32_t cols[] = {0, 1, DECODE_HIDDEN(TABLE_HID_MESSAGE), DECODE_HIDDEN(TABLE_HID_MESSAGE_LENGTH)};
    Run r;
    run_n(&r, mk("a int, s text", "compression=auto"), cols, 4, p, lens, 3);
    assert_int_equal(r.rc, WEIR_OK);
    assert_int_equal(I(&r, 0, 0), 99);
    assert_string_equal(S(&r, 1, 0), "zipped");
    assert_string_equal(S(&r, 2, 0), "{\"a\":99,\"s\":\"zipped\"}");
    assert_int_equal(I(&r, 3, 0), (int64_t)zn); /* the stored size */
    assert_int_equal(I(&r, 0, 1), 5);           /* auto: plain payloads pass through */
    assert_int_equal(r.out.valid[2], 0);
    run_done(&r);
    run_n(&r, mk("a int, s text", "compression=gzip"), cols, 2, p, lens, 2);
    assert_int_equal(r.rc, WEIR_OK);
    assert_int_equal(I(&r, 0, 0), 99);
    assert_int_equal(r.out.valid[1], 0); /* not gzip */
    run_done(&r);
}

static void test_times(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"ms\":1714564800123,\"s\":\"1714564800\",\"iso\":\"2024-05-01T14:00:00+02:00\","
                       "\"d\":\"2024-05-01\",\"r\":\"2024-05-01T12:00:00.6Z\",\"local\":\"2024-05-01 12:00:00\","
                       "\"pat\":\"01/05/2024 12:00\"}",
                       "{\"ms\":\"soon\",\"iso\":\"yesterday-ish\",\"d\":\"2024-13-01\"}"};
    run_ok(&r,
           mk("ms timestamptz, s timestamptz, iso timestamptz, d date, r timestamptz(0), local timestamptz, "
              "pat timestamp",
              "ms.format=milliseconds;s.format=seconds;iso.format=iso8601;time_zone=Europe/Berlin;"
              "pat.format=%d/%m/%Y %H:%M"),
           C0_9, 7, p, 2);
    const int64_t noon = 767880000LL * 1000000;
    assert_int_equal(I(&r, 0, 0), noon + 123000);
    assert_int_equal(I(&r, 1, 0), noon);
    assert_int_equal(I(&r, 2, 0), noon);
    assert_int_equal(I(&r, 3, 0), 8887);
    assert_int_equal(I(&r, 4, 0), noon + 1000000); /* timestamptz(0) rounds */
    assert_int_equal(I(&r, 5, 0), noon - 7200LL * 1000000); /* zone-less text read in Europe/Berlin (CEST) */
    assert_int_equal(I(&r, 6, 0), noon);
    assert_int_equal(r.out.valid[0], 1);
    assert_int_equal(r.out.n_bad[1], 3);
    run_done(&r);

    /* ISO 8601 into date and timestamp keeps the date and time as written, offset or not (PostgreSQL's
     * date_in/timestamp_in, Trino's ISO 8601 decoder): 00:30 at +02:00 is still May 1st */
    const char *q[] = {"{\"d\":\"2024-05-01T00:30:00+02:00\",\"t\":\"2024-05-01T00:30:00.5-04:00\","
                       "\"z\":\"2024-05-01T00:30:00+02:00\"}",
                       "{\"d\":\"2024-05-01T23:30:00Z\",\"t\":\"20240501T003000+0200\",\"z\":\"2024-05-01 00:30:00\"}"};
    run_ok(&r, mk("d date, t timestamp, z timestamptz", "d.format=iso8601;t.format=iso8601;z.format=iso8601"), C0_9,
           3, q, 2);
    const int64_t half_past = 767838600LL * 1000000; /* 2024-05-01 00:30:00 */
    assert_int_equal(I(&r, 0, 0), 8887);
    assert_int_equal(I(&r, 1, 0), half_past + 500000);
    assert_int_equal(I(&r, 2, 0), half_past - 7200LL * 1000000); /* timestamptz: the instant */
    assert_int_equal(I(&r, 0, 1), 8887);
    assert_int_equal(I(&r, 1, 1), half_past);
    assert_int_equal(I(&r, 2, 1), half_past);
    assert_int_equal(r.out.valid[0], 1);
    assert_int_equal(r.out.valid[1], 1);
    run_done(&r);
}

/* Types converted by typeio's input functions (sql_value_from_text). */
static void test_slow_types(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"iv\":\"1 day 02:00\",\"by\":\"\\\\x4142\",\"ch\":\"ab\",\"ts\":\"2024-05-01 12:00:00\","
                       "\"tm\":\"12:30:00\",\"d\":\"2024-05-01\"}",
                       "{\"iv\":\"often\",\"by\":\"\\\\xZZ\",\"ts\":\"noon\",\"tm\":\"25:00:00\"}"};
    run_ok(&r, mk("iv interval, by bytea, ch char(3), ts timestamp, tm time, d date", ""), C0_9, 6, p, 2);
    assert_false(is_null(&r, 0, 0));
    SqlInterval iv = r.out.batch->cols[0].u.iv[0];
    assert_int_equal(iv.months, 0);
    assert_int_equal(iv.days, 1);
    assert_int_equal(iv.usec, 7200LL * 1000000);
    assert_string_equal(S(&r, 1, 0), "AB");
    assert_string_equal(S(&r, 2, 0), "ab "); /* char(3) pads */
    assert_int_equal(I(&r, 3, 0), 767880000LL * 1000000);
    assert_int_equal(I(&r, 4, 0), 45000LL * 1000000);
    assert_int_equal(I(&r, 5, 0), 8887);
    assert_int_equal(r.out.valid[0], 1);
    assert_int_equal(r.out.n_bad[1], 4);
    run_done(&r);
}

/* timestamp columns without a format read plain ISO 8601 directly (dec_put_ts) and everything else
 * through timestamp_in: the value (or the error) must be what sql_value_from_text gives, for the shapes
 * the direct path takes, for their edges, and for neighbours it must leave to timestamp_in. */
static void test_timestamp_direct(void **state)
{
    UNUSED(state);
    static const char *const fixed[] = {
        "2025-01-01 00:00:00.000", "2025-01-01T00:00:00", "2025-01-01t00:00:00", "2024-02-29 23:59:59.999999",
        "2023-02-29 12:00:00", "2024-05-01 24:00:00", "2024-05-01 23:59:60", "0000-01-01 00:00:00",
        "0001-01-01 00:00:00", "9999-12-31 23:59:59.9999995", "1999-12-31 23:59:59.9995",
        "1969-07-20 20:17:40.0005", "1900-01-01 00:00:00.0004999", "2024-05-01 12:00:00Z",
        "2024-05-01 12:00:00+02", "2024-05-01 12:00:00.5-04:00", "2024-05-01 12:00:00.5+02",
        "2024-05-01 12:00:00.25Z", " 2024-05-01 12:00:00", "2024-05-01 12:00:00 ", "2024-05-01 12:00:00.",
        "2024-05-01 12:00", "2024-13-01 00:00:00", "2024-05-01 12:60:00", "2024-05-01 12:00:00.1234567",
        "2024-05-01  12:00:00", "2024-05-01 12:00:00.12a", "20240501T120000", "2024-05-01 1:00:00",
        "2024-5-01 12:00:00", "yesterday", "",
    };
    const char *types[] = {"t timestamp(3)", "t timestamp", "t timestamp(0)"};
    const int32_t typmods[] = {3, -1, 0};
    enum { N_RANDOM = 192 };
    char texts[N_RANDOM][40];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < N_RANDOM; i++) {
        uint32_t r[8];
        for (int k = 0; k < 8; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            r[k] = (uint32_t)(seed >> 33);
        }
        int n = snprintf(texts[i], sizeof(texts[i]), "%04u-%02u-%02u%c%02u:%02u:%02u", 1 + r[0] % 9999,
                         1 + r[1] % 12, 1 + r[2] % 31, r[3] & 1 ? 'T' : ' ', r[4] % 24, r[5] % 60, r[6] % 60);
        int digits = (int)(r[7] % 8); /* 0: no fraction; 7: more than the direct path reads */
        if (digits)
            n += snprintf(texts[i] + n, sizeof(texts[i]) - (size_t)n, ".%07u", r[7] % 10000000u);
        texts[i][n - (digits ? 7 - digits : 0)] = '\0';
    }
    for (size_t ti = 0; ti < sizeof(types) / sizeof(types[0]); ti++) {
        size_t n_all = sizeof(fixed) / sizeof(fixed[0]) + N_RANDOM;
        for (size_t at = 0; at < n_all; at += 32) {
            char docs[32][80];
            const char *p[32];
            const char *text[32];
            uint32_t n = 0;
            for (; n < 32 && at + n < n_all; n++) {
                size_t k = at + n;
                size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]);
                text[n] = k < n_fixed ? fixed[k] : texts[k - n_fixed];
                snprintf(docs[n], sizeof(docs[n]), "{\"t\":\"%s\"}", text[n]);
                p[n] = docs[n];
            }
            Run r;
            run_ok(&r, mk(types[ti], ""), C0_9, 1, p, n);
            for (uint32_t i = 0; i < n; i++) {
                SqlFormatOpts fmt;
                sql_format_opts_default(&fmt);
                SqlValue v;
                SqlError e;
                memset(&e, 0, sizeof(e));
                SqlType t = {.id = SQL_TIMESTAMP, .typmod = typmods[ti]};
                Arena *a = arena_create(NULL, ARENA_UNLIMITED);
                int ok = sql_value_from_text(t, text[i], strlen(text[i]), &fmt, a, &v, &e) == WEIR_OK;
                arena_destroy(&a);
                if (ok != !is_null(&r, 0, i))
                    fail_msg("%s \"%s\": timestamp_in %s, the decoder %s", types[ti], text[i],
                             ok ? "accepts" : "refuses", ok ? "does not" : "does");
                if (ok && v.u.i != I(&r, 0, i))
                    fail_msg("%s \"%s\": %lld, the decoder %lld", types[ti], text[i], (long long)v.u.i,
                             (long long)I(&r, 0, i));
            }
            run_done(&r);
        }
    }
}

static void test_varchar(void **state)
{
    UNUSED(state);
    Run r;
    const char *p[] = {"{\"v\":\"h\xc3\xa9llo\",\"w\":[1,2,3]}"};
    run_ok(&r, mk("v varchar(3), w varchar(4)", ""), C0_9, 2, p, 1);
    assert_string_equal(S(&r, 0, 0), "h\xc3\xa9l"); /* three characters */
    assert_string_equal(S(&r, 1, 0), "[1,2");
    run_done(&r);
}

static void test_budget(void **state)
{
    UNUSED(state);
    TableDef *td = mk("a text", "");
    Decoder *d = NULL;
    SqlError e;
    memset(&e, 0, sizeof(e));
    const int32_t cols[] = {0};
    assert_int_equal(decoder_create(td, cols, 1, NULL, &d, &e), WEIR_OK);
    Arena *a = arena_create(NULL, 4096);
    DecodeRecord rec;
    memset(&rec, 0, sizeof(rec));
    rec.data = SLICE_LIT("{\"a\":\"x\"}");
    DecodeOut out;
    assert_int_equal(decoder_run(d, &rec, 1, a, &out, &e), WEIR_ENOMEM);
    assert_string_equal(e.sqlstate, "53200");
    arena_destroy(&a);
    /* and selecting columns that do not exist is refused */
    decoder_destroy(&d);
    const int32_t bad[] = {1};
    memset(&e, 0, sizeof(e));
    assert_int_equal(decoder_create(td, bad, 1, NULL, &d, &e), WEIR_ERROR);
    tabledef_destroy(&td);
}

/* A full batch through one decoder several times: generation stamps and NULL bitmaps across calls. */
static void test_full_batches(void **state)
{
    UNUSED(state);
    TableDef *td = mk("i bigint, s text", "on_error=skip");
    Decoder *d = NULL;
    SqlError e;
    memset(&e, 0, sizeof(e));
    const int32_t cols[] = {0, 1};
    assert_int_equal(decoder_create(td, cols, 2, NULL, &d, &e), WEIR_OK);
    char *bufs = malloc((size_t)VEC_BATCH * 48);
    DecodeRecord *recs = calloc(VEC_BATCH, sizeof(DecodeRecord));
    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < VEC_BATCH; i++) {
            char *b = bufs + (size_t)i * 48;
            if (i % 7 == 3)
                snprintf(b, 48, "{\"i\":\"bad%u\"}", i);
            else if (i % 5 == 0)
                snprintf(b, 48, "{\"i\":%u}", i + (uint32_t)round);
            else
                snprintf(b, 48, "{\"i\":%u,\"s\":\"v%u\"}", i + (uint32_t)round, i);
            recs[i].data = slice_from_cstr(b);
        }
        Arena *a = arena_create(NULL, ARENA_UNLIMITED);
        DecodeOut out;
        assert_int_equal(decoder_run(d, recs, VEC_BATCH, a, &out, &e), WEIR_OK);
        uint32_t expect = 0;
        for (uint32_t i = 0; i < VEC_BATCH; i++)
            expect += i % 7 != 3;
        assert_int_equal(out.batch->n, expect);
        assert_int_equal(out.n_skipped, VEC_BATCH - expect);
        for (uint32_t row = 0; row < out.batch->n; row++) {
            uint32_t i = out.record[row];
            assert_int_equal(out.batch->cols[0].u.i[row], i + (uint32_t)round);
            assert_false(vec_is_null(&out.batch->cols[0], row));
            assert_int_equal(vec_is_null(&out.batch->cols[1], row), i % 5 == 0);
        }
        arena_destroy(&a);
    }
    assert_int_equal(decoder_stats(d)->records, 3 * VEC_BATCH);
    free(bufs);
    free(recs);
    decoder_destroy(&d);
    tabledef_destroy(&td);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_basic),     cmocka_unit_test(test_json_paths),
        cmocka_unit_test(test_json_strings),   cmocka_unit_test(test_json_keys),
        cmocka_unit_test(test_json_numbers),   cmocka_unit_test(test_json_malformed),
        cmocka_unit_test(test_policy_null),    cmocka_unit_test(test_policy_skip),
        cmocka_unit_test(test_policy_fail),    cmocka_unit_test(test_policy_dead_letter),
        cmocka_unit_test(test_hidden_columns), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_files),          cmocka_unit_test(test_raw),
        cmocka_unit_test(test_regex),          cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_times),          cmocka_unit_test(test_slow_types),
        cmocka_unit_test(test_varchar),        cmocka_unit_test(test_timestamp_direct),
        cmocka_unit_test(test_budget),         cmocka_unit_test(test_full_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
