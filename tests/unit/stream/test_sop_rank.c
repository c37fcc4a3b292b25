/*
 * test_sop_rank.c: top N, deduplication and DISTINCT ON in a continuous query (stream/sop_rank.c): top N
 * per window emitted at close, top N with retractions as it changes, deduplication keeping the first row
 * (final at the watermark) and the last one, state_ttl, late rows, refusals, a checkpoint round trip, and
 * the emitted deltas summed against the batch engine over the same rows.
 * Top N plans compile through hs_compile_rank (sop_harness.h); DISTINCT ON through the driver itself.
 */
#include "sop_harness.h"
#include "stream_test.h"

static const char *const TABLES[] = {
    "CREATE TABLE e (id bigint, k bigint, x bigint, ts timestamptz) WITH (stream = 'e', format = 'json', "
    "shards = 1, event_time = 'ts')",
    "CREATE TABLE l (k bigint, v text, ts timestamptz) WITH (stream = 'l', format = 'json', shards = 1, "
    "event_time = 'ts')",
    "CREATE TABLE r (k bigint, x bigint, ts timestamptz) WITH (stream = 'r', format = 'json', shards = 1, "
    "event_time = 'ts')",
};

static void open_e(Hs *h)
{
    hs_open(h, "soprank", TABLES, 3);
}

/* ------------------------------------------------------------------------------------------------
 * Top N per window
 * ---------------------------------------------------------------------------------------------- */

#define TOP2_PER_WINDOW                                                                                      \
    "SELECT * FROM (SELECT id, x, window_end, row_number() OVER (PARTITION BY window_start, window_end "     \
    "ORDER BY x DESC, id) AS rn FROM tumble(e, ts, INTERVAL '10 seconds')) t WHERE rn <= 2"

static void test_top_n_per_window(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    hs_compile_rank(&h, TOP2_PER_WINDOW, NULL);
    Sop *r = hs_op(&h, "top-n per window");
    assert_false(r->may_retract);
    assert_non_null(r);
    HS_PUSH(&h, "e", 1, "id=1;x=5;ts=101", "id=2;x=9;ts=102", "id=3;x=7;ts=103", "id=4;x=9;ts=112",
            "id=5;x=1;ts=109");
    assert_string_equal(hs_take(&h), "");
    /* the input never retracts: only the best two rows of a window are kept */
    assert_int_equal(hs_state_entries(r), 3);
    hs_advance(&h, 109);
    assert_string_equal(hs_take(&h), "");
    hs_advance(&h, 110);
    assert_string_equal(hs_take(&h), "+1 2|9|2000-01-01 00:01:50+00|1\n+1 3|7|2000-01-01 00:01:50+00|2\n");
    /* a row of the closed window is late (counted once, where it is dropped) */
    uint64_t late0 = h.late;
    HS_PUSH(&h, "e", 1, "id=6;x=99;ts=105", "id=7;x=3;ts=115");
    assert_int_equal(h.late, late0 + 1);
    hs_advance(&h, 130);
    assert_string_equal(hs_take(&h), "+1 4|9|2000-01-01 00:02:00+00|1\n+1 7|3|2000-01-01 00:02:00+00|2\n");
    assert_int_equal(hs_state_entries(r), 0);
    hs_close(&h);
}

static void test_top_n_per_window_on_update(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    SopCompileOpts o = {.emit_on_update = 1};
    hs_compile_rank(&h, TOP2_PER_WINDOW, &o);
    Sop *r = hs_op(&h, "top-n");
    assert_true(r->may_retract);
    assert_non_null(r);
    HS_PUSH(&h, "e", 1, "id=1;x=5;ts=101");
    assert_string_equal(hs_take(&h), "+1 1|5|2000-01-01 00:01:50+00|1\n");
    HS_PUSH(&h, "e", 1, "id=2;x=9;ts=102");
    assert_string_equal(hs_take(&h), "-1 1|5|2000-01-01 00:01:50+00|1\n+1 2|9|2000-01-01 00:01:50+00|1\n"
                                     "+1 1|5|2000-01-01 00:01:50+00|2\n");
    HS_PUSH(&h, "e", 1, "id=3;x=1;ts=103");
    assert_string_equal(hs_take(&h), "");
    /* closing the window emits nothing more; its rows go */
    hs_advance(&h, 110);
    assert_string_equal(hs_take(&h), "");
    assert_int_equal(hs_state_entries(r), 0);
    hs_close(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Top N and deduplication without windows
 * ---------------------------------------------------------------------------------------------- */

static void test_top_n_updates_with_retractions(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    SopCompileOpts o = {.state_ttl_us = 100 * HS_SEC};
    /* a LEFT JOIN's output retracts (its padded rows): every row of a partition is kept */
    hs_compile_rank(&h,
                    "SELECT * FROM (SELECT l.k, r.x, row_number() OVER (PARTITION BY l.k ORDER BY r.x DESC "
                    "NULLS LAST) AS rn "
                    "FROM l LEFT JOIN r ON l.k = r.k) t WHERE rn <= 2",
                    &o);
    Sop *r = hs_op(&h, "top-n");
    assert_true(r->may_retract);
    assert_non_null(r);
    HS_PUSH(&h, "l", 1, "k=1;v=a;ts=1");
    assert_string_equal(hs_take(&h), "+1 1||1\n");
    HS_PUSH(&h, "r", 1, "k=1;x=5;ts=1", "k=1;x=7;ts=1", "k=1;x=6;ts=1");
    /* one batch from the join (three matches, the padded row retracted): the partition's first two
     * before and after */
    assert_string_equal(hs_take(&h), "-1 1||1\n+1 1|7|1\n+1 1|6|2\n");
    HS_PUSH(&h, "r", -1, "k=1;x=7;ts=1");
    assert_string_equal(hs_take(&h), "-1 1|7|1\n-1 1|6|2\n+1 1|6|1\n+1 1|5|2\n");
    assert_int_equal(hs_state_entries(r), 2);
    /* state_ttl drops a partition not written for 100 s, and its rows leave the view */
    h.c.now_us += 101 * HS_SEC;
    hs_advance(&h, 2);
    assert_string_equal(hs_take(&h), "-1 1|6|1\n-1 1|5|2\n");
    assert_int_equal(hs_state_entries(r), 0);
    hs_close(&h);
}

static void test_dedup_first(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    SopCompileOpts o = {.state_ttl_us = 100 * HS_SEC};
    hs_compile_rank(&h,
                    "SELECT id, k FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY ts) AS rn FROM e) t "
                    "WHERE rn = 1",
                    &o);
    Sop *r = hs_op(&h, "deduplication");
    assert_false(r->may_retract);
    assert_non_null(r);
    HS_PUSH(&h, "e", 1, "id=1;k=1;ts=105", "id=2;k=2;ts=103", "id=3;k=1;ts=104", "id=4;k=1;ts=106");
    assert_string_equal(hs_take(&h), "");
    /* final once the watermark passes their times: k=2 at 103 first, then k=1 at 104 (id 3 came later
     * but is earlier than id 1) */
    hs_advance(&h, 104);
    assert_string_equal(hs_take(&h), "+1 2|2\n");
    hs_advance(&h, 105);
    assert_string_equal(hs_take(&h), "+1 3|1\n");
    /* later rows of an emitted key are dropped; earlier ones are late */
    HS_PUSH(&h, "e", 1, "id=5;k=1;ts=107", "id=6;k=2;ts=102", "id=7;k=3;ts=108");
    assert_int_equal(h.late, 1);
    hs_advance(&h, 200);
    assert_string_equal(hs_take(&h), "+1 7|3\n");
    /* state_ttl forgets emitted keys: a later row of k=2 is then new */
    h.c.now_us += 101 * HS_SEC;
    hs_advance(&h, 200);
    HS_PUSH(&h, "e", 1, "id=8;k=2;ts=300");
    hs_advance(&h, 301);
    assert_string_equal(hs_take(&h), "+1 8|2\n");
    hs_close(&h);
}

static void test_dedup_last_and_distinct_on(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    SopCompileOpts o = {.state_ttl_us = 100 * HS_SEC};
    hs_compile_rank(
        &h,
        "SELECT id, k FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY ts DESC) AS rn FROM e) t "
        "WHERE rn = 1",
        &o);
    Sop *r = hs_op(&h, "top-n");
    assert_true(r->may_retract);
    assert_non_null(r);
    HS_PUSH(&h, "e", 1, "id=1;k=1;ts=105", "id=2;k=1;ts=103");
    assert_string_equal(hs_take(&h), "+1 1|1\n");
    HS_PUSH(&h, "e", 1, "id=3;k=1;ts=107");
    assert_string_equal(hs_take(&h), "-1 1|1\n+1 3|1\n");
    assert_int_equal(hs_state_entries(r), 1); /* only the best row is kept */
    hs_close(&h);
    /* DISTINCT ON through the compile driver: the ORDER BY after the keys picks the row */
    open_e(&h);
    hs_compile(&h, "SELECT DISTINCT ON (k) k, id, x FROM e ORDER BY k, x DESC", &o);
    assert_non_null(hs_op(&h, "top-n"));
    HS_PUSH(&h, "e", 1, "id=1;k=1;x=5;ts=1", "id=2;k=2;x=1;ts=1", "id=3;k=1;x=9;ts=1");
    assert_string_equal(hs_take(&h), "+1 1|3|9\n+1 2|2|1\n");
    HS_PUSH(&h, "e", 1, "id=4;k=2;x=3;ts=1", "id=5;k=1;x=2;ts=1");
    assert_string_equal(hs_take(&h), "-1 2|2|1\n+1 2|4|3\n");
    hs_close(&h);
}

static void test_refusals(void **state)
{
    (void)state;
    Hs h;
    open_e(&h);
    assert_int_equal(hs_try_compile_rank(&h,
                                         "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER "
                                         "BY ts) AS rn FROM e) t WHERE rn <= 3",
                                         NULL),
                     -1);
    assert_string_equal(h.err.sqlstate, "0A000");
    assert_non_null(strstr(h.err.message, "state_ttl"));
    hs_close(&h);
    open_e(&h);
    assert_int_equal(
        hs_try_compile_rank(
            &h,
            "SELECT * FROM (SELECT *, rank() OVER (PARTITION BY k ORDER BY ts) AS rn FROM e) t WHERE rn <= 3",
            NULL),
        -1);
    assert_string_equal(h.err.sqlstate, "0A000");
    hs_close(&h);
    open_e(&h);
    assert_int_equal(hs_try_compile_rank(&h,
                                         "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER "
                                         "BY ts) AS rn FROM e) t WHERE rn > 3",
                                         NULL),
                     -1);
    hs_close(&h);
    open_e(&h);
    assert_int_equal(hs_try_compile(&h, "SELECT DISTINCT ON (k) k, id FROM e ORDER BY k, ts", NULL), -1);
    assert_non_null(strstr(h.err.message, "state_ttl"));
    hs_close(&h);
}

/* ------------------------------------------------------------------------------------------------
 * Restarts and the batch oracle
 * ---------------------------------------------------------------------------------------------- */

/* Rows of e: unique ids, keys in a small domain, unique times out of order by up to 40 s. */
static char **rows_make(uint32_t n)
{
    char **rows = calloc(n, sizeof(char *));
    for (uint32_t i = 0; i < n; i++) {
        char b[96];
        int64_t ts = 1000 + 10 * (int64_t)i + 10 * (int64_t)(rnd() % 5) + (int64_t)(i % 10);
        snprintf(b, sizeof(b), "id=%u;k=%llu;x=%llu;ts=%lld", i, (unsigned long long)(rnd() % 5),
                 (unsigned long long)(rnd() % 20), (long long)ts);
        rows[i] = strdup(b);
    }
    return rows;
}

static void rows_free(char **rows, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        free(rows[i]);
    free(rows);
}

/* Push in chunks of 9; after each, the watermark moves to the earliest time still to come (the tightest
 * one under which no row is late); restart after chunk restart_at. */
static void rows_run(Hs *h, char **rows, uint32_t n, int restart_at)
{
    int chunk = 0;
    for (uint32_t pos = 0; pos < n; chunk++) {
        uint32_t m = n - pos < 9 ? n - pos : 9;
        hs_push(h, "e", 1, (const char *const *)rows + pos, m);
        pos += m;
        int64_t next = INT64_MAX;
        for (uint32_t i = pos; i < n; i++) {
            int64_t ts = atoll(strstr(rows[i], "ts=") + 3);
            if (ts < next)
                next = ts;
        }
        if (next != INT64_MAX)
            hs_advance(h, next);
        if (chunk == restart_at) {
            hs_restart(h);
        }
    }
    hs_advance(h, INT64_MAX);
}

static void check_against_batch(const char *q, const SopCompileOpts *o, uint64_t seed, int restart_at, int via_driver)
{
    st_rng = seed;
    uint32_t n = 160;
    char **rows = rows_make(n);
    Hs h;
    open_e(&h);
    if (via_driver)
        hs_compile(&h, q, o);
    else
        hs_compile_rank(&h, q, o);
    rows_run(&h, rows, n, restart_at);
    assert_int_equal(h.late, 0);
    hs_store_rows(&h, "e", (const char *const *)rows, n);
    hs_expect_batch(&h, q);
    hs_close(&h);
    rows_free(rows, n);
}

static void test_property_batch(void **state)
{
    (void)state;
    SopCompileOpts upd = {.emit_on_update = 1}, ttl = {.state_ttl_us = 3600 * HS_SEC};
    static const char *const windowed =
        "SELECT * FROM (SELECT id, k, x, window_start, row_number() OVER (PARTITION BY window_start, window_end, k "
        "ORDER BY x DESC, id) AS rn FROM hop(e, ts, INTERVAL '20 seconds', INTERVAL '60 seconds')) t WHERE rn <= 3";
    check_against_batch(windowed, NULL, 1, -1, 0);
    check_against_batch(windowed, NULL, 2, 5, 0);
    check_against_batch(windowed, &upd, 3, 7, 0);
    static const char *const top =
        "SELECT id, k, rn FROM (SELECT *, row_number() OVER (PARTITION BY k ORDER BY x, id DESC) AS rn FROM e) t "
        "WHERE rn < 4 AND id % 2 = 0";
    check_against_batch(top, &ttl, 4, 6, 0);
    static const char *const first =
        "SELECT id, x FROM (SELECT *, row_number() OVER (PARTITION BY k, x ORDER BY ts) AS rn FROM e) t WHERE rn = 1";
    check_against_batch(first, &ttl, 5, -1, 0);
    check_against_batch(first, &ttl, 6, 3, 0);
    SopCompileOpts ttl_upd = ttl;
    ttl_upd.emit_on_update = 1;
    check_against_batch(first, &ttl_upd, 7, 3, 0);
    check_against_batch("SELECT DISTINCT ON (x) x, id, ts FROM e ORDER BY x, ts DESC", &ttl, 8, 4, 1);
    check_against_batch("SELECT DISTINCT ON (k, x % 3) k, x % 3, id FROM e ORDER BY k, x % 3, id", &ttl, 9, 2, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_n_per_window),
        cmocka_unit_test(test_top_n_per_window_on_update),
        cmocka_unit_test(test_top_n_updates_with_retractions),
        cmocka_unit_test(test_dedup_first),
        cmocka_unit_test(test_dedup_last_and_distinct_on),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_property_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
