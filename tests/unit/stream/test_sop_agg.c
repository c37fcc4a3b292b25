/*
 * test_sop_agg.c: unit tests of src/stream/sop_agg.c, GROUP BY in continuous queries, through the real
 * binder and sop_compile (sop_test.h), with hand-made deltas and exact expected rows:
 *   - tumble on_window_close: out-of-order rows, late rows, each window's groups once in key order;
 *   - on_update over windows: -old/+new per changed group, nothing for an unchanged one;
 *   - GROUP BY window_start alone (end = start + size), hop (q5's inner query);
 *   - running GROUP BY: refused without state_ttl, a changelog with it, groups retracted when their
 *     rows are, groups expired by state_ttl and started afresh;
 *   - the global aggregate (no keys): its row from the first tick on;
 *   - retractions through count, sum, avg, min, max, string_agg ORDER BY;
 *   - session windows under an aggregate, on close and on update;
 *   - checkpoint round trip (every state table written, restored into a fresh graph, same output);
 * and property tests: random deltas (out of order, late, retracted) through the streaming aggregate,
 * the emitted deltas summed, equal to the same SELECT run by the batch engine over the same rows, for
 * every aggregate function of the engine (running with retractions, tumble, hop, session, on close and on
 * update).
 */
#include <inttypes.h>

#include "sop_test.h"
#include "stream_test.h"

static const char *COLS = "k text, v bigint, ts timestamptz";

static void test_tumble_close(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-tumble");
    sf_table(&f, "t", COLS);
    assert_string_equal(
        sf_compile(&f, "SELECT window_end, k, count(*), sum(v) FROM tumble(t, ts, INTERVAL '10 seconds') GROUP BY window_end, k", 3),
        "");
    assert_false(sf_find_sop(&f, "aggregate")->may_retract); /* each window once: cq.c's default emit */
    const char *rows[] = {"b|1|2024-01-01 00:00:05+00", "a|2|2024-01-01 00:00:07+00", "a|3|2024-01-01 00:00:15+00",
                          "a|4|2024-01-01 00:00:01+00", "c|N|2024-01-01 00:00:09+00"};
    sf_push_rows(&f, 1, rows, 5);
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:09+00"));
    assert_string_equal(sf_take(&f), "");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:10+00"));
    assert_string_equal(sf_take(&f), "+1 2024-01-01 00:00:10+00|a|2|6\n"
                                     "+1 2024-01-01 00:00:10+00|b|1|1\n"
                                     "+1 2024-01-01 00:00:10+00|c|1|\n");
    sf_push(&f, 1, "a|5|2024-01-01 00:00:03+00");
    assert_string_equal(sf_take_late(&f), "a|5|2024-01-01 00:00:03+00|||||||\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:20+00"));
    assert_string_equal(sf_take(&f), "+1 2024-01-01 00:00:20+00|a|1|3\n");
    sf_close(&f);
}

static void test_tumble_update(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-upd");
    sf_table(&f, "t", COLS);
    f.opts.emit_on_update = 1;
    assert_string_equal(
        sf_compile(&f, "SELECT window_end, k, count(*), sum(v) FROM tumble(t, ts, INTERVAL '10 seconds') GROUP BY window_end, k", 3),
        "");
    assert_true(sf_find_sop(&f, "aggregate")->may_retract);
    sf_push(&f, 1, "b|1|2024-01-01 00:00:05+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 2024-01-01 00:00:10+00|b|1|1\n");
    sf_push(&f, 1, "b|2|2024-01-01 00:00:06+00");
    sf_push(&f, 1, "a|1|2024-01-01 00:00:08+00");
    sf_push(&f, 1, "c|7|2024-01-01 00:00:18+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 2024-01-01 00:00:10+00|b|1|1\n"
                                     "+1 2024-01-01 00:00:10+00|b|2|3\n"
                                     "+1 2024-01-01 00:00:10+00|a|1|1\n"
                                     "+1 2024-01-01 00:00:20+00|c|1|7\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:10+00")); /* closes [0, 10): its rows stand as they are */
    assert_string_equal(sf_take(&f), "");
    sf_push(&f, 1, "b|3|2024-01-01 00:00:04+00");
    assert_string_equal(sf_take_late(&f), "b|3|2024-01-01 00:00:04+00|||||||\n");
    sf_push(&f, 1, "c|1|2024-01-01 00:00:11+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 2024-01-01 00:00:20+00|c|1|7\n+1 2024-01-01 00:00:20+00|c|2|8\n");
    /* only the open window's group is left */
    StateStats ss;
    state_stats(sf_find_sop(&f, "aggregate")->state[0], &ss);
    assert_int_equal(ss.n_entries, 1);
    sf_close(&f);
}

static void test_window_start_hop(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-start");
    sf_table(&f, "t", COLS);
    assert_string_equal(
        sf_compile(&f, "SELECT window_start, count(*) FROM tumble(t, ts, INTERVAL '10 seconds') GROUP BY window_start", 3), "");
    sf_push(&f, 1, "a|1|2024-01-01 00:00:05+00");
    sf_push(&f, 1, "a|1|2024-01-01 00:00:25+00");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:10+00"));
    assert_string_equal(sf_take(&f), "+1 2024-01-01 00:00:00+00|1\n");
    /* q5's inner query: hop 2 s / 10 s, five windows per bid */
    sf_table(&f, "b", "auction bigint, price bigint, ts timestamptz");
    f.wm = SOP_WM_NONE;
    assert_string_equal(sf_compile(&f,
                                   "SELECT auction, count(*) AS num, window_start AS starttime, window_end AS endtime "
                                   "FROM hop(b, ts, INTERVAL '2' SECOND, INTERVAL '10' SECOND) "
                                   "GROUP BY auction, window_start, window_end",
                                   3),
                        "");
    const char *bids[] = {"7|1|2024-01-01 00:00:09+00", "7|1|2024-01-01 00:00:10+00", "8|1|2024-01-01 00:00:01+00"};
    sf_push_rows(&f, 1, bids, 3);
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:12+00"));
    assert_string_equal(sf_take(&f), "+1 8|1|2023-12-31 23:59:52+00|2024-01-01 00:00:02+00\n"
                                     "+1 8|1|2023-12-31 23:59:54+00|2024-01-01 00:00:04+00\n"
                                     "+1 8|1|2023-12-31 23:59:56+00|2024-01-01 00:00:06+00\n"
                                     "+1 8|1|2023-12-31 23:59:58+00|2024-01-01 00:00:08+00\n"
                                     "+1 7|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 8|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 7|2|2024-01-01 00:00:02+00|2024-01-01 00:00:12+00\n");
    sf_close(&f);
}

static void test_running(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-run");
    sf_table(&f, "t", COLS);
    const char *q = "SELECT k, count(*), max(v) FROM t GROUP BY k";
    assert_string_equal(sf_compile(&f, q, 3), "0A000");
    assert_non_null(strstr(f.err.message, "state_ttl"));
    f.opts.state_ttl_us = 10 * SQL_USEC_PER_SEC;
    assert_string_equal(sf_compile(&f, q, 3), "");
    assert_true(sf_find_sop(&f, "aggregate")->may_retract);
    f.now = 0;
    const char *rows[] = {"a|1|N", "a|5|N", "b|2|N"};
    sf_push_rows(&f, 1, rows, 3);
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 a|2|5\n+1 b|1|2\n");
    sf_push(&f, 1, "a|3|N"); /* the max stays: only the count changes */
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|2|5\n+1 a|3|5\n");
    f.now = 6 * SQL_USEC_PER_SEC;
    sf_push(&f, 1, "b|9|N");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 b|1|2\n+1 b|2|9\n");
    f.now = 11 * SQL_USEC_PER_SEC; /* a was last changed at 0: dropped, its row retracted */
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|3|5\n");
    f.now = 12 * SQL_USEC_PER_SEC;
    sf_push(&f, 1, "a|4|N");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 a|1|4\n");
    f.now = 17 * SQL_USEC_PER_SEC;
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 b|2|9\n");
    sf_close(&f);
}

static void test_global(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-global");
    sf_table(&f, "t", COLS);
    assert_string_equal(sf_compile(&f, "SELECT count(*), sum(v), min(k) FROM t", 3), "");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 0||\n");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "");
    const char *rows[] = {"b|1|N", "a|2|N"};
    sf_push_rows(&f, 1, rows, 2);
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 0||\n+1 2|3|a\n");
    sf_close(&f);
}

static void test_retractions(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-retract");
    sf_table(&f, "t", "k text, v bigint, s text");
    f.opts.state_ttl_us = INT64_C(1) << 60;
    assert_string_equal(sf_compile_agg(&f,
                                       "SELECT k, count(*), sum(v), avg(v), min(v), max(v), min(s), "
                                       "string_agg(s, ',' ORDER BY s) FROM t GROUP BY k",
                                       3),
                        "");
    const char *rows[] = {"a|3|x", "a|1|y", "a|2|z"};
    sf_push_rows(&f, 1, rows, 3);
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 a|3|6|2.0000000000000000|1|3|x|x,y,z\n");
    sf_push(&f, -1, "a|1|y");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|3|6|2.0000000000000000|1|3|x|x,y,z\n"
                                     "+1 a|2|5|2.5000000000000000|2|3|x|x,z\n");
    sf_push(&f, -1, "a|3|x");
    sf_push(&f, 1, "a|3|x");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), ""); /* back where it was: nothing to say */
    sf_push(&f, -1, "a|3|x");
    sf_push(&f, -1, "a|2|z");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|2|5|2.5000000000000000|2|3|x|x,z\n");
    Sop *agg = sf_find_sop(&f, "aggregate");
    for (uint32_t i = 0; i < agg->n_state; i++) {
        StateStats ss;
        state_stats(agg->state[i], &ss);
        assert_int_equal(ss.n_entries, 0);
    }
    sf_close(&f);
}

static const char *SESSION_AGG_Q = "SELECT k, window_start, window_end, count(*), sum(v) "
                                   "FROM session(t, ts, INTERVAL '10 seconds', k) GROUP BY k, window_start, window_end";

static void test_session_agg(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopa-sess");
    sf_table(&f, "t", COLS);
    assert_string_equal(sf_compile(&f, SESSION_AGG_Q, 3), "");
    const char *rows[] = {"a|1|2024-01-01 00:00:00+00", "a|2|2024-01-01 00:00:05+00", "b|4|2024-01-01 00:00:03+00"};
    sf_push_rows(&f, 1, rows, 3);
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:14+00"));
    assert_string_equal(sf_take(&f), "+1 b|2024-01-01 00:00:03+00|2024-01-01 00:00:13+00|1|4\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:16+00"));
    assert_string_equal(sf_take(&f), "+1 a|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00|2|3\n");
    f.opts.emit_on_update = 1;
    f.wm = SOP_WM_NONE;
    assert_string_equal(sf_compile(&f, SESSION_AGG_Q, 3), "");
    sf_push(&f, 1, "a|1|2024-01-01 00:00:00+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 a|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00|1|1\n");
    sf_push(&f, 1, "a|2|2024-01-01 00:00:05+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00|1|1\n"
                                     "+1 a|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00|2|3\n");
    sf_close(&f);
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoints
 * ---------------------------------------------------------------------------------------------- */

static const char *CKPT_Q = "SELECT window_end, n, count(*), string_agg(k, ',' ORDER BY k), sum(v), max(k) "
                            "FROM tumble(t, ts, INTERVAL '10 seconds') GROUP BY window_end, n";

static void ckpt_half(SopFix *f, int half)
{
    if (half == 0) {
        const char *rows[] = {"a|1|1.50|2024-01-01 00:00:01+00", "b|2|1.5|2024-01-01 00:00:02+00",
                              "c|3|2|2024-01-01 00:00:12+00", "d|4|2.0|2024-01-01 00:00:03+00"};
        sf_push_rows(f, 1, rows, 4);
        sf_tick(f, sf_ts(f, "2024-01-01 00:00:02+00"));
    } else {
        const char *rows[] = {"e|5|1.500|2024-01-01 00:00:09+00", "f|6|2|2024-01-01 00:00:15+00"};
        sf_push_rows(f, 1, rows, 2);
        sf_tick(f, sf_ts(f, "2024-01-01 00:00:10+00"));
        sf_push(f, 1, "g|7|2|2024-01-01 00:00:19+00");
        sf_tick(f, sf_ts(f, "2024-01-01 00:00:30+00"));
    }
}

static void test_checkpoint(void **state)
{
    (void)state;
    for (int upd = 0; upd < 2; upd++) {
        SopFix f;
        sf_open(&f, "sopa-ckpt");
        sf_table(&f, "t", "k text, v bigint, n numeric, ts timestamptz");
        f.opts.emit_on_update = upd;
        assert_string_equal(sf_compile(&f, CKPT_Q, 4), "");
        ckpt_half(&f, 0);
        ckpt_half(&f, 1);
        char *whole = strdup(sf_take(&f));
        if (!upd) /* the first row of each group prints its key: 1.50, not 1.5 or 1.500 */
            assert_string_equal(whole, "+1 2024-01-01 00:00:10+00|1.50|3|a,b,e|8|e\n"
                                       "+1 2024-01-01 00:00:10+00|2.0|1|d|4|d\n"
                                       "+1 2024-01-01 00:00:20+00|2|3|c,f,g|16|g\n");
        f.wm = SOP_WM_NONE;
        assert_string_equal(sf_compile(&f, CKPT_Q, 4), "");
        ckpt_half(&f, 0);
        SfCkpt ck;
        sf_checkpoint(&f, f.dir, 1, &ck);
        assert_string_equal(sf_compile(&f, CKPT_Q, 4), "");
        sf_restore(&f, &ck);
        ckpt_half(&f, 1);
        assert_string_equal(sf_take(&f), whole); /* before the checkpoint, then after the restore */
        sf_ckpt_free(&ck);
        free(whole);
        sf_close(&f);
    }
}

/* ------------------------------------------------------------------------------------------------
 * Property tests: streaming == batch
 * ---------------------------------------------------------------------------------------------- */

/* Every aggregate function of the engine, over columns of every kind. Floats take values whose sums are
 * exact in any order (their variance is not: left out); numerics have one display scale per value (so
 * min/max ties cannot depend on arrival order). */
static const char *PROP_AGGS =
    "count(*), count(v), sum(v), avg(v), min(v), max(v), sum(n), avg(n), min(n), max(n), min(s), max(s), "
    "string_agg(s, ',' ORDER BY s), array_agg(v ORDER BY v), count(DISTINCT s), sum(DISTINCT v), "
    "sum(f), avg(f), min(f), max(f), bool_and(b), bool_or(b), bit_xor(v), bit_and(v), bit_or(v), "
    "stddev_samp(v), var_pop(n), sum(iv), avg(iv), percentile_cont(0.5) WITHIN GROUP (ORDER BY f), "
    "percentile_disc(0.25) WITHIN GROUP (ORDER BY v), mode() WITHIN GROUP (ORDER BY s), "
    "json_agg(s ORDER BY s), count(*) FILTER (WHERE v > 3), sum(v) FILTER (WHERE b), max(ts), "
    "array_agg(DISTINCT k ORDER BY k)";

static const char *PROP_COLS =
    "id bigint, k text, v bigint, n numeric, s text, f float8, b boolean, iv interval, ts timestamptz";

enum { PROP_DATA = 9, PROP_MAX = 400 };

typedef struct PropRow {
    char pipe[256];
    char json[384];
    int64_t ts_ms; /* from 2024-01-01 00:00 */
    int live;
} PropRow;

typedef enum PropShape { P_RUNNING, P_TUMBLE, P_HOP, P_SESSION } PropShape;

typedef struct PropCase {
    const char *name;
    PropShape shape;
    int stub;      /* sf_compile_agg (retractions allowed) rather than sf_compile */
    int on_update;
    int retract;   /* push retractions of live rows */
} PropCase;

static const char *pick(const char *const *a, size_t n, int null_pct)
{
    if ((int)(rnd() % 100) < null_pct)
        return NULL;
    return a[rnd() % n];
}

static void prop_row(PropRow *r, int id, int64_t ts_ms)
{
    static const char *ks[] = {"a", "b", "c", "d"};
    static const char *ns[] = {"1.5", "2.25", "-3", "0.10", "7.000", "12"};
    static const char *ss[] = {"x", "y", "zz", "w w"};
    static const char *fs[] = {"1.5", "-2.25", "3", "0.5", "10.75"};
    static const char *bs[] = {"t", "f"};
    static const char *ivs[] = {"1 day", "02:00:00", "1 mon 3 days", "-00:30:00"};
    const char *k = pick(ks, 4, 5), *n = pick(ns, 6, 10), *s = pick(ss, 4, 10), *f = pick(fs, 5, 10);
    const char *b = pick(bs, 2, 10), *iv = pick(ivs, 4, 10);
    int has_v = rnd() % 10 != 0;
    long v = (long)(rnd() % 26) - 5;
    char vbuf[24];
    snprintf(vbuf, sizeof(vbuf), "%ld", v);
    int64_t sec = ts_ms / 1000, ms = ts_ms % 1000;
    char ts_p[64], ts_j[64];
    snprintf(ts_p, sizeof(ts_p), "2024-01-01 %02d:%02d:%02d.%03d+00", (int)(sec / 3600), (int)(sec / 60 % 60),
             (int)(sec % 60), (int)ms);
    snprintf(ts_j, sizeof(ts_j), "2024-01-01T%02d:%02d:%02d.%03dZ", (int)(sec / 3600), (int)(sec / 60 % 60),
             (int)(sec % 60), (int)ms);
#define P(x) ((x) ? (x) : "N")
#define J(x) ((x) ? "\"" : ""), ((x) ? (x) : "null"), ((x) ? "\"" : "")
    snprintf(r->pipe, sizeof(r->pipe), "%d|%s|%s|%s|%s|%s|%s|%s|%s", id, P(k), has_v ? vbuf : "N", P(n), P(s), P(f),
             P(b), P(iv), ts_p);
    snprintf(r->json, sizeof(r->json),
             "{\"id\":%d,\"k\":%s%s%s,\"v\":%s,\"n\":%s%s%s,\"s\":%s%s%s,\"f\":%s,\"b\":%s,\"iv\":%s%s%s,\"ts\":\"%s\"}", id,
             J(k), has_v ? vbuf : "null", J(n), J(s), f ? f : "null", b ? (b[0] == 't' ? "true" : "false") : "null",
             J(iv), ts_j);
#undef P
#undef J
    r->ts_ms = ts_ms;
    r->live = 1;
}

/* The ids of the late rows reported since the last call, marked in late[]. */
static void prop_late(SopFix *f, uint8_t *late)
{
    char *text = strdup(sf_take_late(f));
    char *lines[PROP_MAX + 1];
    size_t n = sf_lines(text, lines, PROP_MAX + 1);
    for (size_t i = 0; i < n; i++)
        late[atoi(lines[i])] = 1;
    free(text);
}

static void prop_run(const PropCase *pc, int iter)
{
    SopFix f;
    sf_open(&f, "sopa-prop");
    char table[32], q[2048];
    snprintf(table, sizeof(table), "p%d", iter);
    sf_table(&f, table, PROP_COLS);
    switch (pc->shape) {
    case P_RUNNING: snprintf(q, sizeof(q), "SELECT k, %s FROM %s GROUP BY k", PROP_AGGS, table); break;
    case P_TUMBLE:
        snprintf(q, sizeof(q),
                 "SELECT window_end, k, %s FROM tumble(%s, ts, INTERVAL '10 seconds') GROUP BY window_end, k",
                 PROP_AGGS, table);
        break;
    case P_HOP:
        snprintf(q, sizeof(q),
                 "SELECT window_end, k, %s FROM hop(%s, ts, INTERVAL '5 seconds', INTERVAL '10 seconds') "
                 "GROUP BY window_end, k",
                 PROP_AGGS, table);
        break;
    case P_SESSION:
        snprintf(q, sizeof(q),
                 "SELECT k, window_start, window_end, %s FROM session(%s, ts, INTERVAL '10 seconds', k) "
                 "GROUP BY k, window_start, window_end",
                 PROP_AGGS, table);
        break;
    }
    f.opts.emit_on_update = pc->on_update;
    f.opts.state_ttl_us = INT64_C(1) << 60;
    const char *rc = pc->stub ? sf_compile_agg(&f, q, PROP_DATA) : sf_compile(&f, q, PROP_DATA);
    if (*rc)
        fail_msg("%s: %s %s", pc->name, rc, f.err.message);
    static PropRow rows[PROP_MAX];
    uint8_t late[PROP_MAX + 1];
    memset(late, 0, sizeof(late));
    int n_rows = 0;
    int64_t max_ts = 0, wm_ms = -1;
    int n_ops = 150 + (int)(rnd() % 100);
    for (int op = 0; op < n_ops && n_rows < PROP_MAX - 8;) {
        int retract = pc->retract && n_rows > 0 && rnd() % 4 == 0;
        int batch = 1 + (int)(rnd() % 4);
        const char *pipes[8];
        int ids[8], m = 0;
        for (int j = 0; j < batch; j++, op++) {
            if (retract) {
                int id = (int)(rnd() % (uint64_t)n_rows);
                int taken = 0;
                for (int x = 0; x < m; x++)
                    taken |= ids[x] == id;
                /* hop: only rows all of whose windows are open (time ahead of the watermark) */
                if (taken || !rows[id].live || (pc->shape == P_HOP && rows[id].ts_ms <= wm_ms))
                    continue;
                rows[id].live = 0;
                ids[m] = id;
                pipes[m++] = rows[id].pipe;
            } else {
                int64_t ts = max_ts - 12000 + (int64_t)(rnd() % 20000); /* up to 12 s out of order */
                if (ts < 0)
                    ts = (int64_t)(rnd() % 1000);
                if (pc->shape == P_HOP && ts <= wm_ms)
                    ts = wm_ms + 1 + (int64_t)(rnd() % 3000);
                prop_row(&rows[n_rows], n_rows, ts);
                if (ts > max_ts)
                    max_ts = ts;
                ids[m] = n_rows;
                pipes[m++] = rows[n_rows++].pipe;
            }
        }
        if (!m)
            continue;
        sf_push_rows(&f, retract ? -1 : 1, pipes, (uint32_t)m);
        uint8_t now_late[PROP_MAX + 1];
        memset(now_late, 0, sizeof(now_late));
        prop_late(&f, now_late);
        for (int x = 0; x < m; x++)
            if (now_late[ids[x]])
                rows[ids[x]].live = retract; /* a late row is not taken; a late retraction leaves it */
        if (rnd() % 3 == 0) {
            f.now += SQL_USEC_PER_SEC;
            if (pc->shape != P_RUNNING && max_ts > 8000 && max_ts - 8000 > wm_ms) {
                wm_ms = max_ts - 8000;
                sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:00+00") + wm_ms * 1000);
            } else {
                sf_tick(&f, SOP_WM_NONE);
            }
        }
    }
    sf_tick(&f, sf_ts(&f, "2024-01-02 00:00:00+00"));
    char *deltas = sf_take_all(&f);
    char *got = sf_consolidate(deltas);
    /* the batch engine over the rows the stream kept */
    const char **live = calloc(PROP_MAX, sizeof(char *));
    int n_live = 0;
    for (int i = 0; i < n_rows; i++)
        if (rows[i].live)
            live[n_live++] = rows[i].json;
    sf_append_json(&f, table, live, n_live);
    char *want = sf_sorted(ef_run(f.s, q));
    if (strcmp(got, want) != 0) {
        /* the rows are long: both sides in files to diff */
        FILE *fg = fopen("/tmp/weir-sopa-streaming.txt", "w"), *fw = fopen("/tmp/weir-sopa-batch.txt", "w");
        if (fg && fw) {
            fputs(got, fg);
            fputs(want, fw);
        }
        if (fg)
            fclose(fg);
        if (fw)
            fclose(fw);
        fail_msg("%s (iteration %d), %d rows, %d live: streaming and batch differ, see /tmp/weir-sopa-*.txt", pc->name,
                 iter, n_rows, n_live);
    }
    assert_true(strlen(want) > 0);
    free(live);
    free(deltas);
    free(got);
    free(want);
    sf_close(&f);
}

static void test_property(void **state)
{
    (void)state;
    static const PropCase cases[] = {
        {"running, retractions", P_RUNNING, 1, 1, 1},
        {"tumble on close", P_TUMBLE, 0, 0, 0},
        {"tumble on update", P_TUMBLE, 0, 1, 0},
        {"tumble on close, retractions", P_TUMBLE, 1, 0, 1},
        {"tumble on update, retractions", P_TUMBLE, 1, 1, 1},
        {"hop on close", P_HOP, 0, 0, 0},
        {"hop on update, retractions", P_HOP, 1, 1, 1},
        {"session on close", P_SESSION, 0, 0, 0},
        {"session on update", P_SESSION, 0, 1, 0},
        {"session on close, retractions", P_SESSION, 1, 0, 1},
        {"session on update, retractions", P_SESSION, 1, 1, 1},
    };
    int iter = 0;
    for (int rep = 0; rep < 3; rep++)
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            prop_run(&cases[i], iter++);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tumble_close),  cmocka_unit_test(test_tumble_update), cmocka_unit_test(test_window_start_hop),
        cmocka_unit_test(test_running),       cmocka_unit_test(test_global),        cmocka_unit_test(test_retractions),
        cmocka_unit_test(test_session_agg),   cmocka_unit_test(test_checkpoint),    cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
