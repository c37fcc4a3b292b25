/*
 * test_cq.c: the continuous-query runtime (stream/cq.c) in one process: a store in a temp directory, an
 * engine and the view manager over it, and a thread standing in for the server's event loop (it runs
 * store_dispatch, which delivers the durability callbacks a view's checkpoint waits for).
 *
 * What a view's table shows: the current rows of a running GROUP BY (equal to the same GROUP BY in
 * batch, before and after the manager is stopped and resumed, read through the rows hook and EXPLAINed
 * as a view scan); the windows within keep of the watermark; late rows in the late stream with their
 * columns, reason and operator, counted in SHOW MATERIALIZED VIEWS; and the refusals (a view over
 * another view's current rows, keep without window_end, a late stream that is an input). What an
 * append-only view writes: its records byte for byte and each once, with their partition keys, while
 * checkpoints are in flight on the delivery thread and across a stop and resume.
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
    /* checkpoints every 2 KiB of records: several in flight through the delivery thread per test */
    CqConfig cfg = {.store = w->st, .eng = w->eng, .data_dir = w->dir, .tick_ms = 5, .ckpt_bytes = 2048};
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

/* Every record of every shard of stream: key and data, as "key\tdata" C strings (malloc'd) in *out. */
typedef struct Recs {
    char **r;
    size_t n, cap;
} Recs;

static int collect_keyed(void *arg, const StoreRecordView *r)
{
    Recs *rs = arg;
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 256;
        rs->r = realloc(rs->r, rs->cap * sizeof(char *));
        assert_non_null(rs->r);
    }
    char *t = malloc(r->key.n + r->data.n + 2);
    assert_non_null(t);
    memcpy(t, r->key.p, r->key.n);
    t[r->key.n] = '\t';
    memcpy(t + r->key.n + 1, r->data.p, r->data.n);
    t[r->key.n + 1 + r->data.n] = '\0';
    rs->r[rs->n++] = t;
    return 0;
}

static void recs_free(Recs *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i]);
    free(rs->r);
    memset(rs, 0, sizeof(*rs));
}

/* Waits until stream (one shard) holds n records (30 s at most), then reads them into rs. */
static void wait_records(World *w, const char *stream, size_t n, Recs *rs)
{
    for (int i = 0; i < 3000; i++) {
        recs_free(rs);
        StoreReadResult rr;
        Err e;
        err_clear(&e);
        if (store_read(w->st, stream, 0, 0, 100000, (size_t)64 << 20, collect_keyed, rs, &rr, &e) == 0 &&
            rs->n >= n)
            break;
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(rs->n, n);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The records of an append-only view, byte for byte, each exactly once, across checkpoints in flight
 * (2 KiB each, see cq_start) and a stop and resume: a column name that JSON escapes, numeric, text with
 * escapes, timestamptz and NULL values; the default partition keys (the row's output number) and a
 * partition_key column's text. */
static void test_output_records(void **state)
{
    UNUSED(state);
    World w;
    world_open(&w, 2, "");
    ef_append(w.st, "s", 0, 1500, NULL, kv_payload);
#define OUT_SELECT "SELECT k, v * 1.5 AS \"x\"\"y\", 'a\"b\\' || k AS s, ts, NULL::text AS z FROM t"
    assert_string_equal(ef_run(w.s, "CREATE MATERIALIZED VIEW o WITH (start = 'earliest', "
                                    "checkpoint_interval = '20 milliseconds') AS " OUT_SELECT),
                        "");
    assert_string_equal(ef_run(w.s, "CREATE MATERIALIZED VIEW o2 WITH (start = 'earliest', "
                                    "output_stream = 'o2', partition_key = 's') AS " OUT_SELECT),
                        "");
    Recs rs = {0}, rs2 = {0};
    wait_records(&w, "_weir_view_o", 1500, &rs);
    /* stopped with records produced and not checkpointed, resumed, more input */
    cq_manager_destroy(&w.cq);
    ef_append(w.st, "s", 1500, 2000, NULL, kv_payload);
    cq_start(&w);
    wait_records(&w, "_weir_view_o", 2000, &rs);
    wait_records(&w, "o2", 2000, &rs2);
    /* expected: per k, the key (its output number: any of 0..1999, each once) and the data */
    char **want = calloc(2000, sizeof(char *)), **want2 = calloc(2000, sizeof(char *));
    char **data = calloc(2000, sizeof(char *));
    assert_true(want && want2 && data);
    for (int k = 0; k < 2000; k++) {
        char d[256], line[300];
        snprintf(d, sizeof(d),
                 "{\"k\":%d,\"x\\\"y\":%d.0,\"s\":\"a\\\"b\\\\%d\",\"ts\":\"2024-01-01T00:%02d:%02d+00:00\","
                 "\"z\":null}",
                 k, k * 15, k, k / 60 % 60, k % 60);
        data[k] = strdup(d);
        snprintf(line, sizeof(line), "a\"b\\%d\t%s", k, d);
        want2[k] = strdup(line);
    }
    /* o: the data, each k once, and the keys 0..1999 each once */
    char **keys = calloc(2000, sizeof(char *)), **datas = calloc(2000, sizeof(char *));
    for (size_t i = 0; i < rs.n; i++) {
        char *tab = strchr(rs.r[i], '\t');
        assert_non_null(tab);
        *tab = '\0';
        keys[i] = rs.r[i];
        datas[i] = tab + 1;
    }
    qsort(datas, 2000, sizeof(char *), str_cmp);
    qsort(data, 2000, sizeof(char *), str_cmp);
    for (int i = 0; i < 2000; i++)
        assert_string_equal(datas[i], data[i]);
    for (int i = 0; i < 2000; i++) {
        char b[16];
        snprintf(b, sizeof(b), "%d", i);
        want[i] = strdup(b);
    }
    qsort(keys, 2000, sizeof(char *), str_cmp);
    qsort(want, 2000, sizeof(char *), str_cmp);
    for (int i = 0; i < 2000; i++)
        assert_string_equal(keys[i], want[i]);
    /* o2: keyed by s */
    qsort(rs2.r, 2000, sizeof(char *), str_cmp);
    qsort(want2, 2000, sizeof(char *), str_cmp);
    for (int i = 0; i < 2000; i++)
        assert_string_equal(rs2.r[i], want2[i]);
    for (int i = 0; i < 2000; i++) {
        free(want[i]);
        free(want2[i]);
        free(data[i]);
    }
    free(want);
    free(want2);
    free(data);
    free(keys);
    free(datas);
    recs_free(&rs);
    recs_free(&rs2);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_current_rows),
        cmocka_unit_test(test_keep_and_late_stream),
        cmocka_unit_test(test_output_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
