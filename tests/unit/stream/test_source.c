/*
 * test_source.c: the continuous-query source (stream/source.c) over a real store in a temp directory, with
 * hand-made streams whose records are routed to chosen shards by explicit hash keys: event times out of
 * order and the watermark per shard and overall, rows without a usable event time, the idle timeout, a
 * split and a merge during the run (children read only after their parents, watermark handed over), new
 * shards picked up, resuming from encoded positions (exactly the remaining records, watermarks kept, a
 * corrupt or foreign blob refused), start earliest / latest / at a timestamp, the table's policy for
 * malformed records, the pushed-down filter, a failing callback (the batch is read again), per-shard
 * statistics, and arrival time as the event time.
 *
 * Records are JSON {"id": <int>, "ts": "<ISO time>"}; ts is T0 (2024-01-01 00:00:00 UTC) plus a number of
 * seconds, so an event time in a test is written as sec(n).
 */
#include "exec/engine_fixture.h"
#include "exec/op_test.h"

#include "base/clock.h"
#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "stream/source.h"

#define SEC 1000000LL
/* 2024-01-01 00:00:00 UTC in microseconds since 2000-01-01 */
#define T0 ((1704067200LL - SQL_PG_EPOCH_UNIX) * SEC)
#define HASH_LO ((u128)1)                   /* shard 0 of 2, or the left child of a split at 2^127 */
#define HASH_HI (((u128)1 << 127) | 1)      /* shard 1 of 2, or the right child */
#define MAX_GOT 4096

static char tdir[64];
static Store *store;
static SqlEngine *eng;
static SqlSession *sess;

static int64_t sec(int64_t n)
{
    return T0 + n * SEC;
}

static char *run_sql(const char *q)
{
    return ef_query(sess, q, NULL, 0, EF_NO_POSITION);
}

/* One record on the shard whose range holds hash. */
static void put_raw(const char *stream, u128 hash, const char *payload)
{
    StoreAppendEntry ent = {.key = {(const uint8_t *)"k", 1},
                            .data = {(const uint8_t *)payload, strlen(payload)},
                            .hash = hash};
    StoreAppendResult res;
    int64_t at;
    uint64_t tok;
    Err e;
    err_clear(&e);
    int rc = store_append(store, stream, &ent, 1, &res, &at, &tok, &e);
    if (rc)
        print_error("store_append: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

/* {"id": id, "ts": T0 + s seconds} */
static void put(const char *stream, u128 hash, int id, int s)
{
    char buf[128];
    snprintf(buf, sizeof(buf), "{\"id\": %d, \"ts\": \"2024-01-01T%02d:%02d:%02dZ\"}", id, s / 3600, s / 60 % 60,
             s % 60);
    put_raw(stream, hash, buf);
}

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "source");
    SqlEngineConfig cfg = {.store = store, .data_dir = tdir, .n_workers = 1};
    sess = ef_session_open(&cfg, &eng);
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    ef_session_close(&sess, &eng);
    ef_store_close(&store, tdir);
    return 0;
}

/* ---- a source over a table, and what it handed out ---- */

typedef struct Row {
    int64_t id;      /* -1: NULL */
    uint32_t shard;  /* from _shard_id */
    int64_t et;      /* event time, when usable */
    int time_null;
} Row;

typedef struct S {
    Arena *plan, *query, *tick;
    SqlError err;
    SqlFormatOpts fmt;
    atomic_int cancel;
    ExecCtx ctx;
    CatalogTable *table;
    ScanSpec *sp;
    Source *src;
    Row got[MAX_GOT];
    uint32_t n_got;
    uint32_t n_batches;
    int fail_next; /* the callback refuses its next batch with this code */
} S;

/* A scan of table reading data column 0 (id) and _shard_id (not the event time: the source adds it). */
static void s_init(S *s, const char *table)
{
    memset(s, 0, sizeof(*s));
    s->plan = arena_create(NULL, ARENA_UNLIMITED);
    s->query = arena_create(NULL, ARENA_UNLIMITED);
    s->tick = arena_create(NULL, ARENA_UNLIMITED);
    sql_format_opts_default(&s->fmt);
    atomic_init(&s->cancel, 0);
    s->ctx = (ExecCtx){.arena = s->query, .run_arena = s->query, .fmt = &s->fmt, .err = &s->err,
                       .cancel = &s->cancel, .eng = eng, .run_id = 1};
    s->table = sql_catalog_get(eng->catalog, table);
    assert_non_null(s->table);
    const TableDef *td = s->table->def;
    s->sp = arena_try_calloc(s->plan, sizeof(ScanSpec));
    s->sp->needed = arena_try_calloc(s->plan, td->n_cols + TABLE_HID_N);
    s->sp->table = s->table;
    s->sp->store = store;
    s->sp->needed[0] = 1;
    s->sp->needed[td->n_cols + TABLE_HID_SHARD_ID] = 1;
}

static int s_open(S *s, const SourceStart *start, const uint8_t *pos, size_t n)
{
    memset(&s->err, 0, sizeof(s->err));
    return source_create(s->sp, &s->ctx, start, pos, n, &s->src, &s->err);
}

static void s_open_ok(S *s, SourceStartKind kind)
{
    SourceStart st = {.kind = kind};
    int rc = s_open(s, &st, NULL, 0);
    if (rc)
        print_error("source_create: %s %s\n", s->err.sqlstate, s->err.message);
    assert_int_equal(rc, WEIR_OK);
}

static void s_close(S *s)
{
    source_destroy(&s->src);
}

static void s_fini(S *s)
{
    s_close(s);
    sql_catalog_unref(eng->catalog, s->table);
    arena_destroy(&s->tick);
    arena_destroy(&s->query);
    arena_destroy(&s->plan);
}

/* SourceBatchFn: checks the layout (op_scan's columns, the time column filled) and keeps every row. */
static int s_collect(void *arg, const Batch *b, const int64_t *et, const uint8_t *tn)
{
    S *s = arg;
    const TableDef *td = s->table->def;
    if (s->fail_next) {
        int rc = s->fail_next;
        s->fail_next = 0;
        return rc;
    }
    assert_true(b->n > 0 && b->n <= VEC_BATCH);
    assert_int_equal(b->n_cols, td->n_cols + TABLE_HID_N);
    s->n_batches++;
    const Vec *tv = &b->cols[source_time_col(s->src)];
    assert_ptr_equal(tv->u.i, et); /* the array is the column itself: nothing copied */
    for (uint32_t i = 0; i < b->n; i++) {
        assert_true(s->n_got < MAX_GOT);
        Row *r = &s->got[s->n_got++];
        r->id = vec_is_null(&b->cols[0], i) ? -1 : b->cols[0].u.i[i];
        Slice sh = b->cols[td->n_cols + TABLE_HID_SHARD_ID].u.s[i];
        assert_int_equal(sh.n, STORE_SHARD_ID_LEN);
        r->shard = (uint32_t)strtoul((const char *)sh.p + 8, NULL, 10);
        r->time_null = tn && tn[i];
        assert_int_equal(r->time_null, vec_is_null(tv, i) || et[i] == INT64_MAX || et[i] == INT64_MIN);
        r->et = r->time_null ? 0 : et[i];
    }
    return WEIR_OK;
}

/* Poll at now_us with at most max rows; returns records consumed. */
static uint64_t s_poll(S *s, int64_t now_us, uint32_t max)
{
    uint64_t n = 0;
    memset(&s->err, 0, sizeof(s->err));
    int rc = source_poll(s->src, now_us, max, s->tick, s_collect, s, &n, &s->err);
    if (rc)
        print_error("source_poll: %s %s\n", s->err.sqlstate, s->err.message);
    assert_int_equal(rc, WEIR_OK);
    return n;
}

static int64_t shard_wm(S *s, uint32_t index, int *state)
{
    SourceShardStats *st;
    uint32_t n;
    assert_int_equal(source_shard_stats(s->src, s->tick, &st, &n), WEIR_OK);
    for (uint32_t i = 0; i < n; i++) {
        if (st[i].p.index == index) {
            if (state)
                *state = st[i].p.state;
            return st[i].p.watermark;
        }
    }
    fail_msg("no shard %u", index);
    return 0;
}

/* The ids handed out from shard `shard`, in order, as "1,2,3". */
static const char *ids_of(S *s, uint32_t shard)
{
    static char buf[4096];
    size_t n = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < s->n_got; i++)
        if (s->got[i].shard == shard)
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%lld", n ? "," : "", (long long)s->got[i].id);
    return buf;
}

static void stream(const char *name, uint32_t shards)
{
    ef_stream_create(store, name, shards);
}

/* Stream `name` of `shards` shards and table `name` (id bigint, ts timestamptz) over it, with the extra
 * WITH options opts ("" for none); s initialised for the table (not opened). */
static void s_table(S *s, const char *name, uint32_t shards, const char *opts)
{
    char q[512];
    stream(name, shards);
    snprintf(q, sizeof(q), "CREATE TABLE %s (id bigint, ts timestamptz) WITH (stream = '%s'%s)", name, name, opts);
    assert_string_equal(run_sql(q), "");
    s_init(s, name);
}

/* ---- tests ---- */

/* Out-of-order event times: each shard's watermark is its largest time minus the delay; the query's is the
 * smallest of them; rows without a usable time are handed out flagged and move nothing. */
static void test_watermark_per_shard(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "wm", 2, ", event_time = 'ts', watermark_delay = '2 seconds'");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(source_time_col(s.src), 1);
    assert_int_equal(source_watermark(s.src, 0), SOP_WM_NONE);
    put("wm", HASH_LO, 1, 10);
    put("wm", HASH_LO, 2, 5);
    put("wm", HASH_LO, 3, 12);
    put("wm", HASH_LO, 4, 8);
    put_raw("wm", HASH_LO, "{\"id\": 5}");                    /* NULL time */
    put_raw("wm", HASH_LO, "{\"id\": 6, \"ts\": \"infinity\"}"); /* no usable time either */
    assert_int_equal(s_poll(&s, 0, 1000), 6);
    /* shard 1 has no row yet: it holds the query's watermark at none */
    assert_int_equal(shard_wm(&s, 0, NULL), sec(12) - 2 * SEC);
    assert_int_equal(shard_wm(&s, 1, NULL), SOP_WM_NONE);
    assert_int_equal(source_watermark(s.src, 0), SOP_WM_NONE);
    put("wm", HASH_HI, 7, 3);
    put("wm", HASH_HI, 8, 7);
    assert_int_equal(s_poll(&s, 0, 1000), 2);
    assert_int_equal(shard_wm(&s, 1, NULL), sec(7) - 2 * SEC);
    assert_int_equal(source_watermark(s.src, 0), sec(5));
    put("wm", HASH_HI, 9, 30);
    assert_int_equal(s_poll(&s, 0, 1000), 1);
    assert_int_equal(source_watermark(s.src, 0), sec(10)); /* now shard 0's */
    /* what was handed out, in shard order, with the times */
    assert_string_equal(ids_of(&s, 0), "1,2,3,4,5,6");
    assert_string_equal(ids_of(&s, 1), "7,8,9");
    assert_int_equal(s.got[1].et, sec(5));
    assert_int_equal(s.got[3].et, sec(8));
    assert_true(s.got[4].time_null && s.got[5].time_null);
    assert_false(s.got[0].time_null || s.got[6].time_null);
    SourceCounts c;
    source_counts(s.src, &c);
    assert_int_equal(c.records, 9);
    assert_int_equal(c.rows, 9);
    assert_int_equal(c.time_null, 2);
    /* caught up: nothing more */
    assert_int_equal(s_poll(&s, 0, 1000), 0);
    s_fini(&s);
}

/* A shard silent for idle_timeout stops holding the watermark back; when all are idle the largest
 * shard watermark wins; a shard waking up with old times does not move the watermark back. */
static void test_idle_timeout(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "idle", 2, ", event_time = 'ts', idle_timeout = '30 seconds'");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    put("idle", HASH_LO, 1, 100);
    assert_int_equal(s_poll(&s, 0, 100), 1);
    assert_int_equal(source_watermark(s.src, 0), SOP_WM_NONE);
    assert_int_equal(source_watermark(s.src, 29 * SEC), SOP_WM_NONE);
    put("idle", HASH_LO, 2, 110);
    assert_int_equal(s_poll(&s, 25 * SEC, 100), 1);
    /* shard 1 silent since the first poll (0), shard 0 active at 25 s */
    assert_int_equal(source_watermark(s.src, 31 * SEC), sec(110));
    SourceShardStats *st;
    uint32_t n;
    assert_int_equal(source_shard_stats(s.src, s.tick, &st, &n), WEIR_OK);
    assert_int_equal(n, 2);
    assert_false(st[0].is_idle);
    assert_true(st[1].is_idle);
    put("idle", HASH_LO, 3, 120);
    assert_int_equal(s_poll(&s, 40 * SEC, 100), 1);
    assert_int_equal(source_watermark(s.src, 40 * SEC), sec(120));
    /* shard 1 wakes up with an old time: it holds the watermark again, but the watermark stays */
    put("idle", HASH_HI, 4, 50);
    assert_int_equal(s_poll(&s, 41 * SEC, 100), 1);
    assert_int_equal(shard_wm(&s, 1, NULL), sec(50));
    assert_int_equal(source_watermark(s.src, 41 * SEC), sec(120));
    /* everything idle: the largest shard watermark */
    put("idle", HASH_LO, 5, 200);
    assert_int_equal(s_poll(&s, 42 * SEC, 100), 1);
    assert_int_equal(source_watermark(s.src, 50 * SEC), sec(120)); /* shard 1 (50 s) active: min held */
    assert_int_equal(source_watermark(s.src, 80 * SEC), sec(200)); /* both idle */
    /* resumed, the shards count as active again (min would be 50 s): the saved watermark stays */
    uint8_t *blob;
    size_t n_blob;
    assert_int_equal(source_positions_encode(s.src, s.plan, &blob, &n_blob), WEIR_OK);
    s_close(&s);
    assert_int_equal(s_open(&s, NULL, blob, n_blob), WEIR_OK);
    assert_int_equal(source_watermark(s.src, 0), sec(200));
    assert_int_equal(shard_wm(&s, 1, NULL), sec(50));
    s_fini(&s);
}

/* A split during the run: the children are read only after the parent is exhausted, and start with its
 * watermark. */
static void test_split(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "sp", 1, ", event_time = 'ts'");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    for (int i = 0; i < 10; i++)
        put("sp", i % 2 ? HASH_HI : HASH_LO, i, 20 + i);
    assert_int_equal(s_poll(&s, 0, 4), 4);
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_split(store, "sp", 0, (u128)1 << 127, &e), 0);
    for (int i = 10; i < 20; i++)
        put("sp", i % 2 ? HASH_HI : HASH_LO, i, i - 10); /* older times than the parent's */
    /* the children (1: low half, 2: high half) are known but wait for the parent */
    assert_int_equal(s_poll(&s, 0, 6), 6);
    assert_string_equal(ids_of(&s, 0), "0,1,2,3,4,5,6,7,8,9");
    assert_string_equal(ids_of(&s, 1), "");
    int st;
    assert_int_equal(shard_wm(&s, 1, &st), SOP_WM_NONE);
    assert_int_equal(st, SOURCE_SHARD_PENDING);
    assert_int_equal(source_watermark(s.src, 0), sec(29));
    /* the next read finds the parent exhausted: the children start with its watermark */
    assert_int_equal(s_poll(&s, 0, 1000), 10);
    assert_int_equal(shard_wm(&s, 0, &st), sec(29));
    assert_int_equal(st, SOURCE_SHARD_DONE);
    assert_int_equal(shard_wm(&s, 1, &st), sec(29)); /* their own times (0..9 s) are all older */
    assert_int_equal(st, SOURCE_SHARD_READING);
    assert_int_equal(shard_wm(&s, 2, NULL), sec(29));
    assert_string_equal(ids_of(&s, 1), "10,12,14,16,18");
    assert_string_equal(ids_of(&s, 2), "11,13,15,17,19");
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(s.got[i].shard, 0); /* every parent row came first */
    assert_int_equal(source_watermark(s.src, 0), sec(29));
    /* a child moving ahead alone does not move the query's watermark past the other child */
    put("sp", HASH_LO, 20, 100);
    assert_int_equal(s_poll(&s, 0, 1000), 1);
    assert_int_equal(source_watermark(s.src, 0), sec(29));
    put("sp", HASH_HI, 21, 90);
    assert_int_equal(s_poll(&s, 0, 1000), 1);
    assert_int_equal(source_watermark(s.src, 0), sec(90));
    s_fini(&s);
}

/* A merge: the child waits for both parents and starts with the larger of their watermarks. */
static void test_merge(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "mg", 2, ", event_time = 'ts'");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    put("mg", HASH_LO, 1, 10);
    put("mg", HASH_HI, 2, 40);
    assert_int_equal(s_poll(&s, 0, 1000), 2);
    put("mg", HASH_LO, 3, 11);
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_merge(store, "mg", 0, 1, &e), 0);
    put("mg", HASH_LO, 4, 5);
    put("mg", HASH_HI, 5, 6);
    assert_int_equal(s_poll(&s, 0, 1000), 3);
    assert_string_equal(ids_of(&s, 0), "1,3");
    assert_string_equal(ids_of(&s, 1), "2");
    assert_string_equal(ids_of(&s, 2), "4,5");
    assert_int_equal(s.got[3].id, 4); /* after both parents' rows */
    assert_int_equal(shard_wm(&s, 2, NULL), sec(40));
    assert_int_equal(source_watermark(s.src, 0), sec(40));
    s_fini(&s);
}

/* Positions: a source resumed from encoded positions reads exactly what the first did not, across a
 * split in between, with its watermarks. */
static void test_resume(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "rs", 2, ", event_time = 'ts', watermark_delay = '1 second'");
    for (int i = 0; i < 300; i++)
        put("rs", i % 3 ? HASH_LO : HASH_HI, i, i);
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(s_poll(&s, 0, 60), 60); /* one shard per poll here: the rounds take turns */
    assert_int_equal(s_poll(&s, 0, 60), 60);
    int64_t wm = source_watermark(s.src, 0);
    assert_true(wm != SOP_WM_NONE);
    int64_t wm0 = shard_wm(&s, 0, NULL), wm1 = shard_wm(&s, 1, NULL);
    uint8_t *blob;
    size_t n;
    assert_int_equal(source_positions_encode(s.src, s.plan, &blob, &n), WEIR_OK);
    uint32_t first = s.n_got;
    s_close(&s);
    /* meanwhile: more records, a split of shard 1, records in its children */
    for (int i = 300; i < 400; i++)
        put("rs", i % 3 ? HASH_LO : HASH_HI, i, i);
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_split(store, "rs", 1, ((u128)3) << 126, &e), 0);
    for (int i = 400; i < 500; i++)
        put("rs", i % 3 ? HASH_LO : (i % 2 ? HASH_HI : ((u128)3 << 126) + 5), i, i);
    /* resumed: the watermarks are there before anything is read */
    assert_int_equal(s_open(&s, NULL, blob, n), WEIR_OK);
    assert_int_equal(source_watermark(s.src, 0), wm);
    assert_int_equal(shard_wm(&s, 0, NULL), wm0);
    assert_int_equal(shard_wm(&s, 1, NULL), wm1);
    while (s_poll(&s, 0, 64))
        ;
    /* every id exactly once, in order within each shard */
    uint8_t seen[500];
    memset(seen, 0, sizeof(seen));
    for (uint32_t i = 0; i < s.n_got; i++) {
        assert_true(s.got[i].id >= 0 && s.got[i].id < 500);
        assert_int_equal(seen[s.got[i].id]++, 0);
        if (i >= first)
            assert_true(s.got[i].shard != 1 || s.got[i].id < 400);
    }
    for (int i = 0; i < 500; i++)
        assert_int_equal(seen[i], 1);
    int64_t last[4] = {-1, -1, -1, -1};
    for (uint32_t i = 0; i < s.n_got; i++) {
        assert_true(s.got[i].id > last[s.got[i].shard]);
        last[s.got[i].shard] = s.got[i].id;
    }
    /* shard 0 (499 s), child 2 (495 s) and child 3 (498 s), minus the delay; shard 1 is done */
    assert_int_equal(source_watermark(s.src, 0), sec(494));
    s_close(&s);

    /* the same positions again: the same 380 records; positions taken at the end: nothing */
    assert_int_equal(s_open(&s, NULL, blob, n), WEIR_OK);
    s.n_got = 0;
    uint64_t total = 0, got;
    while ((got = s_poll(&s, 0, 1000)))
        total += got;
    assert_int_equal(total, 500 - 120);
    uint8_t *blob2;
    size_t n2;
    assert_int_equal(source_positions_encode(s.src, s.plan, &blob2, &n2), WEIR_OK);
    s_close(&s);
    assert_int_equal(s_open(&s, NULL, blob2, n2), WEIR_OK);
    assert_int_equal(s_poll(&s, 0, 1000), 0);
    s_close(&s);

    /* a damaged blob, and one from another stream of the same name */
    blob2[20] ^= 1;
    assert_int_equal(s_open(&s, NULL, blob2, n2), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "XX001");
    blob2[20] ^= 1;
    assert_int_equal(s_open(&s, NULL, blob2, n2 - 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "XX001");
    assert_int_equal(store_stream_delete(store, "rs", &e), 0);
    stream("rs", 2);
    assert_int_equal(s_open(&s, NULL, blob2, n2), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "55000");
    s_fini(&s);
}

/* The positions bytes: write/decode round trip, strictness. */
static void test_positions_codec(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SourceShardPos sh[3] = {{0, SOURCE_SHARD_DONE, 17, sec(1), 1700000000000LL, 5},
                            {1, SOURCE_SHARD_READING, 99, SOP_WM_NONE, 0, 0},
                            {7, SOURCE_SHARD_PENDING, UINT64_MAX, INT64_MAX, -1, UINT64_MAX}};
    SourcePositions pos = {.stream_uid = 42, .watermark = sec(3), .n_shards = 3, .shards = sh};
    uint8_t *p;
    size_t n;
    assert_int_equal(source_positions_write(&pos, a, &p, &n), WEIR_OK);
    assert_int_equal(n, 32 + 3 * 40 + 4);
    SourcePositions back;
    SqlError err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(source_positions_decode(p, n, a, &back, &err), WEIR_OK);
    assert_int_equal(back.stream_uid, 42);
    assert_int_equal(back.watermark, sec(3));
    assert_int_equal(back.n_shards, 3);
    assert_memory_equal(back.shards, sh, sizeof(sh));
    /* every single flipped bit is refused */
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit++) {
            p[i] ^= (uint8_t)(1u << bit);
            memset(&err, 0, sizeof(err));
            assert_int_equal(source_positions_decode(p, n, a, &back, &err), WEIR_ERROR);
            assert_string_equal(err.sqlstate, "XX001");
            p[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* out of order, or an unknown state, even with a right checksum */
    sh[2].index = 1;
    assert_int_equal(source_positions_write(&pos, a, &p, &n), WEIR_OK);
    assert_int_equal(source_positions_decode(p, n, a, &back, &err), WEIR_ERROR);
    sh[2].index = 7;
    sh[1].state = 3;
    assert_int_equal(source_positions_write(&pos, a, &p, &n), WEIR_OK);
    assert_int_equal(source_positions_decode(p, n, a, &back, &err), WEIR_ERROR);
    /* no shards */
    pos.n_shards = 0;
    assert_int_equal(source_positions_write(&pos, a, &p, &n), WEIR_OK);
    assert_int_equal(source_positions_decode(p, n, a, &back, &err), WEIR_OK);
    assert_int_equal(back.n_shards, 0);
    assert_int_equal(source_positions_decode(p, 0, a, &back, &err), WEIR_ERROR);
    arena_destroy(&a);
}

/* start = 'earliest' | 'latest' | a timestamp (by arrival time, per shard). */
static void test_start(void **state)
{
    UNUSED(state);
    SourceStart st;
    SqlError err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(source_start_parse(" Latest ", NULL, &st, &err), WEIR_OK);
    assert_int_equal(st.kind, SOURCE_START_LATEST);
    assert_int_equal(source_start_parse("EARLIEST", NULL, &st, &err), WEIR_OK);
    assert_int_equal(st.kind, SOURCE_START_EARLIEST);
    assert_int_equal(source_start_parse("2024-01-01 00:00:10+00", NULL, &st, &err), WEIR_OK);
    assert_int_equal(st.kind, SOURCE_START_AT);
    assert_int_equal(st.at_us, sec(10));
    assert_int_equal(source_start_parse("infinity", NULL, &st, &err), WEIR_ERROR);
    assert_string_equal(err.sqlstate, "22023");
    memset(&err, 0, sizeof(err));
    assert_int_equal(source_start_parse("soon", NULL, &st, &err), WEIR_ERROR);
    assert_string_equal(err.sqlstate, "22023");

    S a, l, t;
    s_table(&a, "st", 2, "");
    s_init(&l, "st");
    s_init(&t, "st");
    clock_set_offset_ms(-2 * 3600 * 1000LL);
    for (int i = 0; i < 10; i++)
        put("st", i % 2 ? HASH_HI : HASH_LO, i, 0);
    clock_set_offset_ms(-3600 * 1000LL);
    for (int i = 10; i < 20; i++)
        put("st", i % 2 ? HASH_HI : HASH_LO, i, 0);
    clock_set_offset_ms(0);
    int64_t mid_us = (clock_now_ms() - 90 * 60 * 1000LL) * 1000 - SQL_PG_EPOCH_UNIX * SEC;

    s_open_ok(&a, SOURCE_START_EARLIEST);
    s_open_ok(&l, SOURCE_START_LATEST);
    SourceStart at = {.kind = SOURCE_START_AT, .at_us = mid_us};
    assert_int_equal(s_open(&t, &at, NULL, 0), WEIR_OK);
    for (int i = 20; i < 24; i++)
        put("st", i % 2 ? HASH_HI : HASH_LO, i, 0);
    assert_int_equal(s_poll(&a, 0, 1000), 24);
    assert_int_equal(s_poll(&l, 0, 1000), 4);
    assert_int_equal(s_poll(&t, 0, 1000), 14);
    assert_string_equal(ids_of(&l, 0), "20,22");
    assert_string_equal(ids_of(&t, 1), "11,13,15,17,19,21,23");
    /* without event_time, the event time is the arrival time, in the _arrival_time column */
    const TableDef *td = a.table->def;
    assert_int_equal(source_time_col(a.src), (int32_t)(td->n_cols + TABLE_HID_ARRIVAL_TIME));
    assert_true(a.got[0].et < mid_us && a.got[23].et > mid_us);
    assert_true(a.got[23].et <= clock_now_ms() * 1000 - SQL_PG_EPOCH_UNIX * SEC);
    s_fini(&a);
    s_fini(&l);
    s_fini(&t);
}

/* Malformed records follow the table's policy: skipped and counted, NULLs, dead letters, or an error. */
static void test_policy(void **state)
{
    UNUSED(state);
    stream("bad", 1);
    stream("bad_dl", 1);
    const char *payloads[] = {"{\"id\": 1, \"ts\": \"2024-01-01T00:00:01Z\"}", "not json",
                              "{\"id\": \"x\", \"ts\": \"2024-01-01T00:00:02Z\"}",
                              "{\"id\": 4, \"ts\": \"2024-01-01T00:00:09Z\"}"};
    for (int i = 0; i < 4; i++)
        put_raw("bad", HASH_LO, payloads[i]);
    assert_string_equal(run_sql("CREATE TABLE bad_skip (id bigint, ts timestamptz) WITH (stream = 'bad', "
                                "event_time = 'ts', on_error = 'skip')"),
                        "");
    assert_string_equal(run_sql("CREATE TABLE bad_null (id bigint, ts timestamptz) WITH (stream = 'bad', "
                                "event_time = 'ts')"),
                        "");
    assert_string_equal(run_sql("CREATE TABLE bad_dead (id bigint, ts timestamptz) WITH (stream = 'bad', "
                                "event_time = 'ts', on_error = 'dead_letter', dead_letter_stream = 'bad_dl')"),
                        "");
    assert_string_equal(run_sql("CREATE TABLE bad_fail (id bigint, ts timestamptz) WITH (stream = 'bad', "
                                "event_time = 'ts', on_error = 'fail')"),
                        "");
    SourceCounts c;
    S s;
    s_init(&s, "bad_skip");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(s_poll(&s, 0, 100), 4);
    assert_string_equal(ids_of(&s, 0), "1,4");
    source_counts(s.src, &c);
    assert_int_equal(c.records, 4);
    assert_int_equal(c.rows, 2);
    assert_int_equal(c.bad, 2);
    assert_int_equal(c.dead, 0);
    assert_int_equal(shard_wm(&s, 0, NULL), sec(9));
    s_fini(&s);

    s_init(&s, "bad_null");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(s_poll(&s, 0, 100), 4);
    assert_string_equal(ids_of(&s, 0), "1,-1,-1,4");
    assert_true(s.got[1].time_null); /* "not json": every field NULL */
    assert_false(s.got[2].time_null);
    assert_int_equal(s.got[2].et, sec(2));
    source_counts(s.src, &c);
    assert_int_equal(c.bad, 0);
    assert_int_equal(c.time_null, 1);
    s_fini(&s);

    s_init(&s, "bad_dead");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(s_poll(&s, 0, 100), 4);
    assert_string_equal(ids_of(&s, 0), "1,4");
    source_counts(s.src, &c);
    assert_int_equal(c.bad, 2);
    assert_int_equal(c.dead, 2);
    s_fini(&s);
    assert_string_equal(run_sql("CREATE TABLE bad_dl (line text) WITH (stream = 'bad_dl', format = 'raw')"), "");
    assert_string_equal(run_sql("SELECT line FROM bad_dl"),
                        "not json\n{\"id\": \"x\", \"ts\": \"2024-01-01T00:00:02Z\"}\n");

    s_init(&s, "bad_fail");
    s_open_ok(&s, SOURCE_START_EARLIEST);
    uint64_t n;
    assert_int_equal(source_poll(s.src, 0, 100, s.tick, s_collect, &s, &n, &s.err), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "22P02");
    s_fini(&s);
}

/* ScanSpec.filter: only rows where it is TRUE are handed out; the watermark still counts every row. */
static void test_filter(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "fl", 1, ", event_time = 'ts'");
    for (int i = 0; i < 3000; i++)
        put("fl", HASH_LO, i, i);
    Expr *col = opt_plan_expr(s.plan, EXPR_COL, SQL_TYPE(SQL_INT8));
    col->u.col = 0;
    Expr *mod = opt_plan_binop(s.plan, "%", col, opt_plan_const(s.plan, I8(1000)));
    s.sp->filter = opt_plan_binop(s.plan, "=", mod, opt_plan_const(s.plan, I8(7)));
    s_open_ok(&s, SOURCE_START_EARLIEST);
    assert_int_equal(s_poll(&s, 0, 10000), 3000);
    assert_string_equal(ids_of(&s, 0), "7,1007,2007");
    assert_int_equal(s.got[1].et, sec(1007));
    assert_int_equal(source_watermark(s.src, 0), sec(2999));
    SourceCounts c;
    source_counts(s.src, &c);
    assert_int_equal(c.rows, 3);
    s_fini(&s);
}

/* A callback that fails: poll returns its code, and the next poll hands out the same rows again; the
 * budget bounds a poll; statistics show the lag. */
static void test_callback_error_and_stats(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "cb", 2, ", event_time = 'ts'");
    for (int i = 0; i < 50; i++)
        put("cb", i % 2 ? HASH_HI : HASH_LO, i, i);
    s_open_ok(&s, SOURCE_START_EARLIEST);
    SourceShardStats *st;
    uint32_t n;
    assert_int_equal(source_shard_stats(s.src, s.tick, &st, &n), WEIR_OK);
    assert_int_equal(n, 2);
    assert_string_equal(st[1].id, "shardId-000000000001");
    assert_true(st[0].tip_arrival_ms > 0);
    assert_int_equal(st[0].p.n_records, 0);
    s.fail_next = 77;
    uint64_t got;
    assert_int_equal(source_poll(s.src, 0, 1000, s.tick, s_collect, &s, &got, &s.err), 77);
    assert_int_equal(s.n_got, 0);
    assert_int_equal(source_watermark(s.src, 0), SOP_WM_NONE);
    assert_int_equal(s_poll(&s, 0, 30), 30); /* the budget: 30 of 50 */
    assert_int_equal(s_poll(&s, 0, 1000), 20);
    assert_string_equal(ids_of(&s, 0), "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48");
    assert_int_equal(source_shard_stats(s.src, s.tick, &st, &n), WEIR_OK);
    assert_int_equal(st[0].p.n_records, 25);
    assert_int_equal(st[0].millis_behind, 0);
    assert_true(st[0].p.last_arrival_ms > 0);
    arena_reset(s.tick); /* the batches' mappings go with the arena */
    s_fini(&s);
}

/* New shards appearing (UpdateShardCount) are read from their beginning; a stream that is gone. */
static void test_errors_and_new_shards(void **state)
{
    UNUSED(state);
    S s;
    s_table(&s, "gone", 1, "");
    s_open_ok(&s, SOURCE_START_LATEST);
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(store, "gone", 2, &e), 0);
    for (int i = 0; i < 8; i++)
        put("gone", i % 2 ? HASH_HI : HASH_LO, i, i);
    assert_int_equal(s_poll(&s, 0, 100), 8); /* read from the new shards' beginnings */
    assert_int_equal(store_stream_delete(store, "gone", &e), 0);
    uint64_t n;
    assert_int_equal(source_poll(s.src, 0, 100, s.tick, s_collect, &s, &n, &s.err), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "58030");
    s_close(&s);
    assert_int_equal(s_open(&s, NULL, NULL, 0), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "55000");
    s_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_watermark_per_shard),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_positions_codec),
        cmocka_unit_test(test_start),
        cmocka_unit_test(test_policy),
        cmocka_unit_test(test_filter),
        cmocka_unit_test(test_callback_error_and_stats),
        cmocka_unit_test(test_errors_and_new_shards),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
