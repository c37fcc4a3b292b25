/*
 * test_sop_join.c: streaming joins (stream/sop_join.c) through the real compile driver (sop_compile over
 * plans the binder makes): hand-made deltas with exact expected output for each shape and join kind,
 * outer joins and retractions, expiry by watermark and by state_ttl, late rows, refusals, a checkpoint
 * round trip into a fresh graph, and a property test against the batch engine.
 */
#include "sop_harness.h"
#include "stream_test.h"

static const char *const TABLES[] = {
    "CREATE TABLE l (k bigint, v text, ts timestamptz) WITH (stream = 'l', format = 'json', shards = 1, "
    "event_time = 'ts')",
    "CREATE TABLE r (k bigint, x bigint, ts timestamptz) WITH (stream = 'r', format = 'json', shards = 1, "
    "event_time = 'ts')",
};

static void open_lr(Hs *h)
{
    hs_open(h, "sopjoin", TABLES, 2);
}

/* ------------------------------------------------------------------------------------------------
 * Interval joins
 * ---------------------------------------------------------------------------------------------- */

static void test_interval_inner(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    hs_compile(&h,
               "SELECT l.v, r.x FROM l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '5 seconds' AND "
               "l.ts + INTERVAL '10 seconds'",
               NULL);
    Sop *j = hs_op(&h, "interval join");
    assert_non_null(j);
    assert_false(j->may_retract); /* what cq.c's default emit reads */
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=100", "k=2;v=b;ts=100");
    assert_string_equal(hs_take(&h), "");
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=96", "k=1;x=11;ts=94", "k=1;x=12;ts=110", "k=1;x=13;ts=111", "k=3;x=14;ts=100");
    assert_string_equal(hs_take(&h), "+1 a|10\n+1 a|12\n");
    /* a retraction of a right row retracts its join rows */
    HS_PUSH(&h, "r", -1, "k=1;x=12;ts=110");
    assert_string_equal(hs_take(&h), "-1 a|12\n");
    /* left row b at 100 meets right rows up to 110: after the watermark passes 110 it is gone */
    hs_advance(&h, 111);
    HS_PUSH(&h, "r", 1, "k=2;x=20;ts=111");
    assert_string_equal(hs_take(&h), "");
    /* a left row behind the watermark is late: counted, handed to the late sink, not joined */
    HS_PUSH(&h, "l", 1, "k=2;v=c;ts=105", "k=2;v=d;ts=115");
    assert_string_equal(hs_take(&h), "+1 d|20\n");
    assert_int_equal(h.late, 1);
    assert_int_equal(j->st.late, 1);
    assert_memory_equal(h.late_rows.p, "2|c|2000-01-01 00:01:45+00|", 26);
    hs_close(&h);
}

static void test_interval_left_append_only(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    hs_compile(&h,
               "SELECT l.v, r.x FROM l LEFT JOIN r ON l.k = r.k AND r.ts >= l.ts AND r.ts < l.ts + INTERVAL "
               "'10 seconds'",
               NULL);
    Sop *j = hs_op(&h, "interval join");
    assert_non_null(j);
    assert_false(j->may_retract); /* padded at expiry: append-only */
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=100", "k=2;v=b;ts=101", "k=NULL;v=n;ts=101");
    /* a NULL key can never match: padded at once, even in append-only mode */
    assert_string_equal(hs_take(&h), "+1 n|\n");
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=105");
    assert_string_equal(hs_take(&h), "+1 a|10\n");
    hs_advance(&h, 108);
    assert_string_equal(hs_take(&h), "");
    /* rows and time index of a and b; the right row at 105 could only meet left rows up to 105, and
     * every left row still to come is at 108 or later: gone */
    assert_int_equal(hs_state_entries(j), 2 * 2);
    /* a expires after 110 matched (nothing to emit), b after 111 unmatched: padded then */
    hs_advance(&h, 111);
    assert_string_equal(hs_take(&h), "");
    hs_advance(&h, 112);
    assert_string_equal(hs_take(&h), "+1 b|\n");
    assert_int_equal(hs_state_entries(j), 0);
    hs_close(&h);
}

static void test_interval_full_on_update(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    SopCompileOpts o = {.emit_on_update = 1};
    hs_compile(&h,
               "SELECT l.v, r.x FROM l FULL JOIN r ON l.k = r.k AND l.ts BETWEEN r.ts - INTERVAL '2 seconds' "
               "AND r.ts + INTERVAL '2 seconds'",
               &o);
    assert_non_null(hs_op(&h, "interval join"));
    assert_true(hs_op(&h, "interval join")->may_retract); /* padded at once, retracted at the first match */
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=100");
    assert_string_equal(hs_take(&h), "+1 a|\n");
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=101", "k=1;x=11;ts=101", "k=1;x=12;ts=110");
    /* matches first, then the padded left row retracted once (its first match), then the unmatched right */
    assert_string_equal(hs_take(&h), "+1 a|10\n+1 a|11\n-1 a|\n+1 |12\n");
    HS_PUSH(&h, "r", -1, "k=1;x=10;ts=101");
    assert_string_equal(hs_take(&h), "-1 a|10\n");
    HS_PUSH(&h, "r", -1, "k=1;x=11;ts=101");
    /* the last match gone: a is alone again */
    assert_string_equal(hs_take(&h), "-1 a|11\n+1 a|\n");
    HS_PUSH(&h, "l", 1, "k=1;v=b;ts=111");
    assert_string_equal(hs_take(&h), "+1 b|12\n-1 |12\n");
    hs_advance(&h, INT64_MAX);
    assert_string_equal(hs_take(&h), "");
    assert_int_equal(hs_state_entries(hs_op(&h, "interval join")), 0);
    hs_close(&h);
}

/* WHERE conjuncts over an inner join are placed by the binder as ON conjuncts are: bounds between the
 * sides' times make an interval join, conditions on one side filter it before the join. */
static void test_where_conjuncts(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    hs_compile(&h,
               "SELECT l.v, r.x FROM l JOIN r ON l.k = r.k WHERE r.ts BETWEEN l.ts AND l.ts + INTERVAL '5 "
               "seconds' AND l.v <> 'z'",
               NULL);
    Sop *j = hs_op(&h, "interval join");
    assert_non_null(j);
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=100", "k=1;v=z;ts=100");
    assert_int_equal(j->st.rows_in, 1);
    HS_PUSH(&h, "r", 1, "k=1;x=1;ts=99", "k=1;x=2;ts=105", "k=1;x=3;ts=106");
    assert_string_equal(hs_take(&h), "+1 a|2\n");
    hs_close(&h);
}

/* The error compiling q (without options), "SQLSTATE: message", in a static buffer. */
static const char *compile_error(const char *q)
{
    static char res[700];
    Hs h;
    open_lr(&h);
    res[0] = 0;
    if (hs_try_compile(&h, q, NULL))
        snprintf(res, sizeof(res), "%s: %s", h.err.sqlstate, h.err.message);
    hs_close(&h);
    return res;
}

static void test_refusals(void **state)
{
    (void)state;
    const char *e = compile_error("SELECT l.v, r.x FROM l JOIN r ON l.k = r.k");
    assert_non_null(strstr(e, "0A000: "));
    assert_non_null(strstr(e, "state_ttl"));
    /* one bound only (q4's shape) is not enough */
    e = compile_error("SELECT l.v, r.x FROM l JOIN r ON l.k = r.k AND r.ts >= l.ts");
    assert_non_null(strstr(e, "state_ttl"));
    /* bounds on other columns than the event times */
    e = compile_error("SELECT l.v, r.x FROM l JOIN r ON l.k = r.k AND r.ts BETWEEN now() AND l.ts");
    assert_non_null(strstr(e, "state_ttl"));
    e = compile_error("SELECT l.v FROM l WHERE EXISTS (SELECT 1 FROM r WHERE r.k = l.k)");
    assert_non_null(strstr(e, "0A000: EXISTS"));
    assert_string_equal(
        compile_error(
            "SELECT l.v, r.x FROM l JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts AND l.ts + INTERVAL '1 day'"),
        "");
}

static void test_regular_ttl(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    SopCompileOpts o = {.state_ttl_us = 60 * HS_SEC};
    hs_compile(&h, "SELECT l.v, r.x FROM l JOIN r ON l.k = r.k AND r.ts >= l.ts", &o);
    Sop *j = hs_op(&h, "join");
    assert_non_null(j);
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=100", "k=1;v=a;ts=100", "k=1;v=b;ts=200");
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=150", "k=2;x=20;ts=150");
    /* a has weight 2: its join row too; b fails the residual (150 < 200) */
    assert_string_equal(hs_take(&h), "+2 a|10\n");
    HS_PUSH(&h, "l", -1, "k=1;v=a;ts=100");
    assert_string_equal(hs_take(&h), "-1 a|10\n");
    HS_PUSH(&h, "r", -1, "k=1;x=10;ts=150");
    assert_string_equal(hs_take(&h), "-1 a|10\n");
    assert_int_equal(hs_state_entries(j), 3); /* a (once), b, and r's k=2 */
    /* state_ttl: entries not written for 60 s go at the next advance */
    h.c.now_us += 30 * HS_SEC;
    HS_PUSH(&h, "l", 1, "k=2;v=c;ts=100");
    assert_string_equal(hs_take(&h), "+1 c|20\n");
    hs_advance(&h, 1);
    h.c.now_us += 40 * HS_SEC;
    hs_advance(&h, 2);
    assert_int_equal(hs_state_entries(j), 1); /* c, written 40 s ago */
    HS_PUSH(&h, "r", 1, "k=1;x=11;ts=300", "k=2;x=21;ts=300");
    assert_string_equal(hs_take(&h), "+1 c|21\n");
    hs_close(&h);
}

static void test_regular_full_retractions(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    SopCompileOpts o = {.state_ttl_us = 3600 * HS_SEC};
    hs_compile(&h, "SELECT l.v, r.x FROM l FULL JOIN r ON l.k = r.k", &o);
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=1");
    assert_string_equal(hs_take(&h), "+1 |10\n");
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=1", "k=1;v=b;ts=1");
    assert_string_equal(hs_take(&h), "+1 a|10\n+1 b|10\n-1 |10\n");
    HS_PUSH(&h, "l", -1, "k=1;v=a;ts=1");
    assert_string_equal(hs_take(&h), "-1 a|10\n");
    HS_PUSH(&h, "r", -1, "k=1;x=10;ts=1");
    assert_string_equal(hs_take(&h), "-1 b|10\n+1 b|\n");
    HS_PUSH(&h, "l", -1, "k=1;v=b;ts=1");
    assert_string_equal(hs_take(&h), "-1 b|\n");
    assert_int_equal(hs_state_entries(hs_op(&h, "join")), 0);
    hs_close(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Reference tables
 * ---------------------------------------------------------------------------------------------- */

static void open_ref(Hs *h)
{
    open_lr(h);
    char path[200], ddl[400];
    snprintf(path, sizeof(path), "%s/ref.csv", h->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("1,one\n2,two\n2,deux\n3,three\n,nothing\n", f);
    fclose(f);
    snprintf(ddl, sizeof(ddl), "CREATE TABLE ref (k bigint, name text) WITH (file = '%s', format = 'csv')", path);
    assert_string_equal(ef_run(h->s, ddl), "");
}

static void test_reference_inner_left(void **state)
{
    (void)state;
    Hs h;
    open_ref(&h);
    hs_compile(&h, "SELECT l.v, ref.name FROM l LEFT JOIN ref ON l.k = ref.k", NULL);
    Sop *j = hs_op(&h, "reference join");
    assert_false(j->may_retract); /* a stream row's padding against a static table is final */
    assert_non_null(j);
    HS_PUSH(&h, "l", 1, "k=2;v=a;ts=1", "k=9;v=b;ts=1", "k=NULL;v=c;ts=1", "k=1;v=d;ts=1");
    assert_string_equal(hs_take(&h), "+1 a|two\n+1 a|deux\n+1 d|one\n+1 b|\n+1 c|\n");
    /* retractions pass through with their weight; nothing of the stream is kept */
    HS_PUSH(&h, "l", -1, "k=2;v=a;ts=1");
    assert_string_equal(hs_take(&h), "-1 a|two\n-1 a|deux\n");
    assert_int_equal(j->n_state, 0);
    hs_advance(&h, 10);
    assert_string_equal(hs_take(&h), "");
    hs_close(&h);
}

static void test_reference_static_preserved(void **state)
{
    (void)state;
    Hs h;
    open_ref(&h);
    hs_compile(&h, "SELECT ref.name, l.v FROM ref LEFT JOIN l ON l.k = ref.k AND l.v <> 'x'", NULL);
    assert_true(hs_op(&h, "reference join")->may_retract); /* the static row's padding goes at a match */
    /* every reference row is in the view from the start, padded */
    hs_advance(&h, 1);
    char *got = hs_consolidate(hs_take(&h));
    assert_string_equal(got, "deux|\nnothing|\none|\nthree|\ntwo|\n");
    free(got);
    HS_PUSH(&h, "l", 1, "k=2;v=a;ts=1", "k=2;v=x;ts=1", "k=2;v=b;ts=1");
    assert_string_equal(hs_take(&h), "+1 two|a\n+1 deux|a\n+1 two|b\n+1 deux|b\n-1 two|\n-1 deux|\n");
    HS_PUSH(&h, "l", -1, "k=2;v=a;ts=1");
    assert_string_equal(hs_take(&h), "-1 two|a\n-1 deux|a\n");
    HS_PUSH(&h, "l", -1, "k=2;v=b;ts=1");
    assert_string_equal(hs_take(&h), "-1 two|b\n-1 deux|b\n+1 two|\n+1 deux|\n");
    /* after a restart the padded rows are not emitted again */
    hs_restart(&h);
    hs_advance(&h, 2);
    assert_string_equal(hs_take(&h), "");
    HS_PUSH(&h, "l", 1, "k=3;v=c;ts=2");
    assert_string_equal(hs_take(&h), "+1 three|c\n-1 three|\n");
    hs_close(&h);
}

static void test_reference_semi_cross(void **state)
{
    (void)state;
    Hs h;
    open_ref(&h);
    hs_compile(&h, "SELECT l.v FROM l WHERE EXISTS (SELECT 1 FROM ref WHERE ref.k = l.k)", NULL);
    HS_PUSH(&h, "l", 1, "k=2;v=a;ts=1", "k=5;v=b;ts=1", "k=3;v=c;ts=1");
    assert_string_equal(hs_take(&h), "+1 a\n+1 c\n");
    hs_close(&h);
    open_ref(&h);
    hs_compile(&h, "SELECT l.v FROM l WHERE NOT EXISTS (SELECT 1 FROM ref WHERE ref.k = l.k)", NULL);
    HS_PUSH(&h, "l", 1, "k=2;v=a;ts=1", "k=5;v=b;ts=1", "k=NULL;v=c;ts=1");
    assert_string_equal(hs_take(&h), "+1 b\n+1 c\n");
    hs_close(&h);
    /* no equi-key: every reference row is a candidate, the residual decides */
    open_ref(&h);
    hs_compile(&h, "SELECT l.v, ref.name FROM l JOIN ref ON ref.k < l.k", NULL);
    HS_PUSH(&h, "l", 1, "k=3;v=a;ts=1");
    assert_string_equal(hs_take(&h), "+1 a|one\n+1 a|two\n+1 a|deux\n");
    hs_close(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Window joins
 * ---------------------------------------------------------------------------------------------- */

static void test_window_join(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    hs_compile(&h,
               "SELECT a.v, b.x, a.window_end FROM tumble(l, ts, INTERVAL '10 seconds') a "
               "LEFT JOIN tumble(r, ts, INTERVAL '10 seconds') b ON a.k = b.k AND a.window_end = b.window_end",
               NULL);
    Sop *j = hs_op(&h, "window join");
    assert_non_null(j);
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=101", "k=1;v=b;ts=111", "k=2;v=c;ts=102");
    HS_PUSH(&h, "r", 1, "k=1;x=10;ts=109", "k=1;x=11;ts=112");
    assert_string_equal(hs_take(&h), "+1 a|10|2000-01-01 00:01:50+00\n+1 b|11|2000-01-01 00:02:00+00\n");
    /* window [100, 110) closes at 110: c is padded then, its rows dropped */
    hs_advance(&h, 110);
    assert_string_equal(hs_take(&h), "+1 c||2000-01-01 00:01:50+00\n");
    assert_int_equal(hs_state_entries(j), 2);
    /* a row of the closed window is late: the window assignment drops it before the join sees it */
    uint64_t late0 = h.late;
    HS_PUSH(&h, "l", 1, "k=1;v=d;ts=105");
    assert_string_equal(hs_take(&h), "");
    assert_int_equal(h.late, late0 + 1);
    assert_int_equal(hs_op(&h, "window assignment")->st.late + j->st.late, 1);
    hs_advance(&h, 120);
    assert_string_equal(hs_take(&h), "");
    assert_int_equal(hs_state_entries(j), 0);
    hs_close(&h);
}

/* Nexmark q5's shape: two windowed aggregates joined on their window, with a residual. */
static void test_window_join_q5(void **state)
{
    (void)state;
    Hs h;
    open_lr(&h);
    hs_compile(&h,
               "SELECT ab.k, ab.num FROM ("
               "  SELECT k, COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
               "  FROM hop(l, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND) GROUP BY k, window_start, "
               "window_end) AS ab "
               "JOIN ("
               "  SELECT MAX(cb.num) AS maxn, cb.starttime, cb.endtime FROM ("
               "    SELECT COUNT(*) AS num, window_start AS starttime, window_end AS endtime"
               "    FROM hop(l, ts, INTERVAL '2' SECOND, INTERVAL '4' SECOND) GROUP BY k, window_start, "
               "window_end) AS cb"
               "  GROUP BY cb.starttime, cb.endtime) AS mb "
               "ON ab.starttime = mb.starttime AND ab.endtime = mb.endtime AND ab.num >= mb.maxn",
               NULL);
    assert_non_null(hs_op(&h, "window join"));
    HS_PUSH(&h, "l", 1, "k=1;ts=100", "k=1;ts=101", "k=2;ts=101", "k=2;ts=103", "k=2;ts=103", "k=3;ts=103");
    assert_string_equal(hs_take(&h), "");
    hs_advance(&h, 102); /* window [98, 102): k=1 2 bids, k=2 1 */
    assert_string_equal(hs_take(&h), "+1 1|2\n");
    hs_advance(&h, 104); /* [100, 104): 2, 3, 1 */
    assert_string_equal(hs_take(&h), "+1 2|3\n");
    hs_advance(&h, 106); /* [102, 106): k=2 2, k=3 1 */
    assert_string_equal(hs_take(&h), "+1 2|2\n");
    hs_advance(&h, 200);
    assert_string_equal(hs_take(&h), "");
    assert_int_equal(hs_state_entries(hs_op(&h, "window join")), 0);
    hs_close(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoints and the batch oracle
 * ---------------------------------------------------------------------------------------------- */

/* A random workload: rows of l and r with keys in a small domain and times that run forward with
 * jitter below the watermark delay, pushed in chunks with advances between them. */
typedef struct Work {
    char **rows[2];
    uint32_t n[2];
} Work;

static void work_make(Work *w, uint32_t n, int with_nulls)
{
    for (int t = 0; t < 2; t++) {
        w->rows[t] = calloc(n, sizeof(char *));
        w->n[t] = n;
        for (uint32_t i = 0; i < n; i++) {
            char b[96];
            int64_t ts = 1000 + (int64_t)i + (int64_t)(rnd() % 5);
            uint64_t k = rnd() % 6;
            if (with_nulls && rnd() % 17 == 0)
                snprintf(b, sizeof(b), "k=NULL;%s=%llu;ts=%lld", t ? "x" : "v", (unsigned long long)(rnd() % 3),
                         (long long)ts);
            else
                snprintf(b, sizeof(b), "k=%llu;%s=%llu;ts=%lld", (unsigned long long)k, t ? "x" : "v",
                         (unsigned long long)(rnd() % 3), (long long)ts);
            w->rows[t][i] = strdup(b);
        }
    }
}

static void work_free(Work *w)
{
    for (int t = 0; t < 2; t++) {
        for (uint32_t i = 0; i < w->n[t]; i++)
            free(w->rows[t][i]);
        free(w->rows[t]);
    }
}

static int64_t row_ts(const char *row)
{
    return atoll(strstr(row, "ts=") + 3);
}

/* Push the workload in chunks of 7 rows per table; after each, advance the watermark to the earliest
 * time still to come (the tightest watermark under which no row is late, so expiry is tested at its
 * boundary); restart (checkpoint and restore) after chunk restart_at (-1: never); finally advance to
 * +infinity. */
static void work_run(Hs *h, const Work *w, int restart_at)
{
    static const char *const names[2] = {"l", "r"};
    uint32_t pos[2] = {0, 0};
    for (int chunk = 0; pos[0] < w->n[0] || pos[1] < w->n[1]; chunk++) {
        for (int t = 0; t < 2; t++) {
            uint32_t m = w->n[t] - pos[t] < 7 ? w->n[t] - pos[t] : 7;
            if (!m)
                continue;
            hs_push(h, names[t], 1, (const char *const *)w->rows[t] + pos[t], m);
            pos[t] += m;
        }
        int64_t next = INT64_MAX;
        for (int t = 0; t < 2; t++)
            for (uint32_t i = pos[t]; i < w->n[t]; i++)
                if (row_ts(w->rows[t][i]) < next)
                    next = row_ts(w->rows[t][i]);
        if (next != INT64_MAX)
            hs_advance(h, next);
        if (chunk == restart_at)
            hs_restart(h);
    }
    hs_advance(h, INT64_MAX);
}

static void test_checkpoint_roundtrip(void **state)
{
    (void)state;
    static const char *const q = "SELECT l.v, r.x, l.k FROM l FULL JOIN r ON l.k = r.k AND r.ts BETWEEN l.ts "
                                 "- INTERVAL '3 seconds' AND l.ts + INTERVAL '2 seconds'";
    Work w;
    st_rng = 42;
    work_make(&w, 120, 1);
    Hs h;
    open_lr(&h);
    hs_compile(&h, q, NULL);
    work_run(&h, &w, -1);
    char *straight = strdup(hs_take(&h));
    hs_close(&h);
    for (int at = 0; at < 18; at += 5) {
        open_lr(&h);
        hs_compile(&h, q, NULL);
        work_run(&h, &w, at);
        /* the same rows in the same order as without the restart */
        assert_string_equal(hs_take(&h), straight);
        hs_close(&h);
    }
    free(straight);
    work_free(&w);
}

/* The emitted deltas, summed, equal the batch engine's answer over the same rows. */
static void check_against_batch(const char *q, const SopCompileOpts *o, uint64_t seed, int restart_at)
{
    Work w;
    st_rng = seed;
    work_make(&w, 150, 1);
    Hs h;
    open_lr(&h);
    hs_compile(&h, q, o);
    work_run(&h, &w, restart_at);
    assert_int_equal(h.late, 0);
    hs_store_rows(&h, "l", (const char *const *)w.rows[0], w.n[0]);
    hs_store_rows(&h, "r", (const char *const *)w.rows[1], w.n[1]);
    hs_expect_batch(&h, q);
    hs_close(&h);
    work_free(&w);
}

static void test_property_batch(void **state)
{
    (void)state;
    static const char *const kinds[] = {"JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"};
    SopCompileOpts upd = {.emit_on_update = 1}, ttl = {.state_ttl_us = 3600 * HS_SEC};
    for (int k = 0; k < 4; k++) {
        char q[512];
        snprintf(q, sizeof(q),
                 "SELECT l.v, r.x, l.k, r.ts FROM l %s r ON l.k = r.k AND r.ts BETWEEN l.ts - INTERVAL '3 seconds' "
                 "AND l.ts + INTERVAL '2 seconds' AND l.v <> r.x::text",
                 kinds[k]);
        check_against_batch(q, NULL, 7 + (uint64_t)k, -1);
        check_against_batch(q, &upd, 11 + (uint64_t)k, 4);
        snprintf(q, sizeof(q), "SELECT l.v, r.x, r.k FROM l %s r ON l.k = r.k AND l.v::bigint >= r.x", kinds[k]);
        check_against_batch(q, &ttl, 13 + (uint64_t)k, 6);
        snprintf(q, sizeof(q),
                 "SELECT a.v, b.x, a.window_start, b.k FROM tumble(l, ts, INTERVAL '3 seconds') a %s "
                 "tumble(r, ts, INTERVAL '3 seconds') b ON a.k = b.k AND a.window_end = b.window_end",
                 kinds[k]);
        check_against_batch(q, NULL, 17 + (uint64_t)k, 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interval_inner),
        cmocka_unit_test(test_interval_left_append_only),
        cmocka_unit_test(test_interval_full_on_update),
        cmocka_unit_test(test_where_conjuncts),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_regular_ttl),
        cmocka_unit_test(test_regular_full_retractions),
        cmocka_unit_test(test_reference_inner_left),
        cmocka_unit_test(test_reference_static_preserved),
        cmocka_unit_test(test_reference_semi_cross),
        cmocka_unit_test(test_window_join),
        cmocka_unit_test(test_window_join_q5),
        cmocka_unit_test(test_checkpoint_roundtrip),
        cmocka_unit_test(test_property_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
