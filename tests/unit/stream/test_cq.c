/*
 * test_cq.c: the continuous-query runtime (stream/cq.c) in one process: a store in a temp directory, an
 * engine and the view manager over it, and a thread standing in for the server's event loop (it runs
 * store_dispatch, which delivers the durability callbacks a view's checkpoint waits for).
 *
 * What a view's table shows: the current rows of a running GROUP BY (equal to the same GROUP BY in
 * batch, before and after the manager is stopped and resumed, read through the rows hook and EXPLAINed
 * as a view scan); the windows within keep of the watermark; late rows in the late stream with their
 * columns, reason and operator, counted in SHOW MATERIALIZED VIEWS; and the refusals (a view over
 * another view's current rows, keep without window_end, a late stream that is an input).
 */
#include "../exec/engine_fixture.h"

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "stream/cq.h"

typedef struct World {
    char dir[64];
    Store *st;
    SqlEngine *eng;
    SqlSession *s;
    CqManager *cq;
    pthread_t loop;
    atomic_int stop;
} World;

static void *loop_main(void *arg)
{
    World *w = arg;
    while (!atomic_load(&w->stop)) {
        store_dispatch(w->st);
        struct timespec ts = {0, 2 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void cq_start(World *w)
{
    CqConfig cfg = {.store = w->st, .eng = w->eng, .data_dir = w->dir, .tick_ms = 5};
    Err e;
    err_clear(&e);
    int rc = cq_manager_create(&cfg, &w->cq, &e);
    if (rc)
        print_error("cq_manager_create: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

/* The world, with stream s of n_shards shards and table t (k bigint, v bigint, ts timestamptz) over it,
 * ts its event time, more table options in more_opts (", key = 'value'"). */
static void world_open(World *w, uint32_t n_shards, const char *more_opts)
{
    memset(w, 0, sizeof(*w));
    w->st = ef_store_open(w->dir, sizeof(w->dir), "cq");
    SqlEngineConfig ec = {.store = w->st, .data_dir = w->dir, .n_workers = 1};
    w->s = ef_session_open(&ec, &w->eng);
    atomic_init(&w->stop, 0);
    assert_int_equal(pthread_create(&w->loop, NULL, loop_main, w), 0);
    cq_start(w);
    ef_stream_create(w->st, "s", n_shards);
    char q[512];
    snprintf(q, sizeof(q),
             "CREATE TABLE t (k bigint, v bigint, ts timestamptz) WITH (stream = 's', format = 'json', "
             "event_time = 'ts'%s)",
             more_opts);
    assert_string_equal(ef_run(w->s, q), "");
}

static void world_close(World *w)
{
    cq_manager_destroy(&w->cq);
    atomic_store(&w->stop, 1);
    pthread_join(w->loop, NULL);
    ef_session_close(&w->s, &w->eng);
    ef_store_close(&w->st, w->dir);
}

/* Runs q until its rows are want (30 s at most); fails the test with the last answer otherwise. */
static void wait_rows(World *w, const char *q, const char *want)
{
    char last[4096] = "";
    for (int i = 0; i < 3000; i++) {
        snprintf(last, sizeof(last), "%.4000s", ef_run(w->s, q));
        if (strcmp(last, want) == 0)
            return;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    fail_msg("%s\n got:  %s\n want: %s", q, last, want);
}

/* Waits until SHOW MATERIALIZED VIEWS counts n late rows for view name (30 s at most). */
static void wait_late_rows(World *w, const char *name, uint64_t n)
{
    uint64_t got = 0;
    for (int i = 0; i < 3000 && got != n; i++) {
        CqViewInfo *info = NULL;
        size_t k = cq_manager_list(w->cq, &info);
        for (size_t j = 0; j < k; j++)
            if (strcmp(info[j].name, name) == 0)
                got = info[j].late_rows;
        cq_info_free(info, k);
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(got, n);
}

/* Every record of stream's shard 0, as text, one per line, into out. */
static int collect_record(void *arg, const StoreRecordView *r)
{
    Buf *b = arg;
    return buf_append(b, r->data.p, r->data.n) || buf_append(b, "\n", 1);
}

static void read_stream(World *w, const char *stream, Buf *out)
{
    StoreReadResult rr;
    Err e;
    err_clear(&e);
    assert_int_equal(store_read(w->st, stream, 0, 0, 100000, (size_t)64 << 20, collect_record, out, &rr, &e),
                     0);
}

/* {"k": i, "v": i * 10, "ts": "2024-01-01T00:00:<i>Z"} */
static const char *kv_payload(int i, char *buf, size_t cap)
{
    snprintf(buf, cap, "{\"k\": %d, \"v\": %d, \"ts\": \"2024-01-01T00:%02d:%02dZ\"}", i, i * 10, i / 60 % 60,
             i % 60);
    return buf;
}

static const char *late_payload(int i, char *buf, size_t cap)
{
    if (i % 2)
        snprintf(buf, cap, "{\"k\": %d, \"v\": 7, \"ts\": null}", i);
    else
        snprintf(buf, cap, "{\"k\": %d, \"v\": 7, \"ts\": \"2024-01-01T00:00:05Z\"}", i);
    return buf;
}

#define GROUPS "SELECT k % 5 AS g, count(*) AS n, sum(v) AS s FROM t GROUP BY k % 5"

static void test_current_rows(void **state)
{
    UNUSED(state);
    World w;
    world_open(&w, 2, "");
    ef_append(w.st, "s", 0, 1000, NULL, kv_payload);
    assert_string_equal(ef_run(w.s,
                               "CREATE MATERIALIZED VIEW g WITH (start = 'earliest', state_ttl = '1 hour', "
                               "checkpoint_interval = '20 milliseconds') AS " GROUPS),
                        "");
    char want[4096];
    snprintf(want, sizeof(want), "%.4000s", ef_run(w.s, GROUPS " ORDER BY 1"));
    assert_string_equal(want, "0|200|995000\n1|200|997000\n2|200|999000\n3|200|1001000\n4|200|1003000\n");
    wait_rows(&w, "SELECT * FROM g ORDER BY g", want);
    /* a scan of the view's current rows, not of its output stream */
    const char *plan = ef_run(w.s, "EXPLAIN SELECT * FROM g");
    assert_non_null(strstr(plan, "View Scan on g (current rows of materialized view g"));
    assert_string_equal(ef_run(w.s, "SELECT relkind FROM pg_class WHERE relname = 'g'"), "m\n");
    /* the output stream holds the changelog, with op */
    Buf recs;
    buf_init(&recs, (size_t)64 << 20);
    read_stream(&w, "_weir_view_g", &recs);
    assert_non_null(strstr((const char *)recs.p, "{\"op\":\"+I\",\"g\":"));
    buf_fini(&recs);
    /* a view cannot read another view's current rows */
    assert_string_equal(
        ef_query(w.s, "CREATE MATERIALIZED VIEW g2 AS SELECT * FROM g", NULL, 0, EF_NO_POSITION),
        "ERROR 0A000: a continuous query cannot read the current rows of materialized view \"g\" "
        "(a table over its output stream reads its changes)");

    /* stopped: the table is there, its rows are not */
    cq_manager_destroy(&w.cq);
    assert_non_null(strstr(ef_query(w.s, "SELECT * FROM g", NULL, 0, EF_NO_POSITION), "ERROR 55000"));
    /* resumed from its checkpoint: the same rows at once, then onward */
    cq_start(&w);
    assert_string_equal(ef_run(w.s, "SELECT * FROM g ORDER BY g"), want);
    ef_append(w.st, "s", 1000, 1500, NULL, kv_payload);
    snprintf(want, sizeof(want), "%.4000s", ef_run(w.s, GROUPS " ORDER BY 1"));
    wait_rows(&w, "SELECT * FROM g ORDER BY g", want);
    assert_string_equal(ef_run(w.s, "SELECT sum(n) FROM g"), "1500\n");
    assert_string_equal(ef_run(w.s, "DROP MATERIALIZED VIEW g"), "");
    assert_string_equal(ef_run(w.s, "SELECT count(*) FROM pg_class WHERE relname = 'g'"), "0\n");
    world_close(&w);
}

#define WINDOWS                                                                                              \
    "SELECT window_end, count(*) AS n, sum(v) AS s FROM tumble(t, ts, INTERVAL '10 seconds') GROUP BY "      \
    "window_end"

static void test_keep_and_late_stream(void **state)
{
    UNUSED(state);
    World w;
    world_open(&w, 1, ", watermark_delay = '0 seconds'");
    assert_string_equal(ef_run(w.s, "SET TimeZone = 'UTC'"), "");
    assert_string_equal(
        ef_query(w.s, "CREATE MATERIALIZED VIEW kv WITH (keep = '1 minute') AS SELECT k FROM t", NULL, 0,
                 EF_NO_POSITION),
        "ERROR 22023: option \"keep\" needs a windowed view: its rows must include window_end");
    assert_string_equal(ef_query(w.s, "CREATE MATERIALIZED VIEW kv WITH (late_stream = 's') AS " WINDOWS,
                                 NULL, 0, EF_NO_POSITION),
                        "ERROR 22023: late_stream \"s\" is a stream the view reads");
    ef_append(w.st, "s", 0, 60, NULL, kv_payload); /* t = 0 .. 59 s */
    assert_string_equal(ef_run(w.s,
                               "CREATE MATERIALIZED VIEW kv WITH (start = 'earliest', keep = '20 seconds', "
                               "late_stream = 'late', checkpoint_interval = '20 milliseconds') AS " WINDOWS),
                        "");
    /* watermark 59 s: windows ending 10 .. 50 closed, those ending at 39 s or later kept */
    wait_rows(&w, "SELECT * FROM kv ORDER BY window_end",
              "2024-01-01 00:00:40+00|10|3450\n2024-01-01 00:00:50+00|10|4450\n");
    /* two rows behind the watermark (window 0..10 closed), two without an event time */
    ef_append(w.st, "s", 100, 104, NULL, late_payload);
    wait_late_rows(&w, "kv", 4);
    Buf recs;
    buf_init(&recs, (size_t)64 << 20);
    for (int i = 0; i < 3000; i++) {
        buf_reset(&recs);
        read_stream(&w, "late", &recs);
        if (recs.len > 4 &&
            strstr((const char *)recs.p,
                   "window assignment\",\"_watermark\":\"2024-01-01T00:00:59+00:00\"}\n{") != NULL)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(buf_append(&recs, "", 1), 0);
    /* the query reads v and ts (k is not decoded, so not written); rows without a time first: the source
     * sets them aside before the window assignment sees the others */
    assert_string_equal(
        (const char *)recs.p,
        "{\"v\":7,\"ts\":null,\"_late_reason\":\"no event time\",\"_late_operator\":\"source\","
        "\"_watermark\":\"2024-01-01T00:00:59+00:00\"}\n"
        "{\"v\":7,\"ts\":null,\"_late_reason\":\"no event time\",\"_late_operator\":\"source\","
        "\"_watermark\":\"2024-01-01T00:00:59+00:00\"}\n"
        "{\"v\":7,\"ts\":\"2024-01-01T00:00:05+00:00\",\"_late_reason\":\"behind the watermark\","
        "\"_late_operator\":\"window assignment\",\"_watermark\":\"2024-01-01T00:00:59+00:00\"}\n"
        "{\"v\":7,\"ts\":\"2024-01-01T00:00:05+00:00\",\"_late_reason\":\"behind the watermark\","
        "\"_late_operator\":\"window assignment\",\"_watermark\":\"2024-01-01T00:00:59+00:00\"}\n");
    buf_fini(&recs);
    /* the watermark moves on: the older windows leave the view */
    ef_append(w.st, "s", 75, 76, NULL, kv_payload);
    wait_rows(&w, "SELECT * FROM kv ORDER BY window_end", "2024-01-01 00:01:00+00|10|5450\n");
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_current_rows),
        cmocka_unit_test(test_keep_and_late_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
