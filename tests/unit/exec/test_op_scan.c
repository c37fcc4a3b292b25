/*
 * test_op_scan.c: the stream scan (op_scan.c, included to reach its statics) over a real store in a
 * temp directory: the snapshot, inline and parallel reading giving the same rows (order kept within a
 * shard), how little a scan reads when the consumer stops early (LIMIT), pushed-down _arrival_time /
 * _sequence_number positions and _shard_id pruning (counted in records read), the scan-side filter,
 * checkpoints (commit only on success, new rows only, child shards after a split, across an engine
 * restart), cancellation and worker errors, the memory budget, dead letters, and the EXPLAIN line.
 *
 * The stream "s4" has 4 shards and N_REC JSON records {"id": i, "grp": i % 7}, appended in id order in
 * batches of 500: the first half with the clock set an hour back, the second half now, so arrival times
 * split the stream in two and the stream-wide counter follows id order.
 */
#include "exec/op_scan.c"

#include "engine_fixture.h"
#include "op_test.h"

#include "base/clock.h"
#include "sql/func.h"

#define N_REC 40000
#define HOUR_MS 3600000LL

static char tdir[64];
static Store *store;
static SqlEngine *eng;
static SqlSession *sess;
static int64_t split_ms; /* an arrival time between the two halves */

/* ---- the engine, for CREATE TABLE ---- */

/* Rows as text, or "ERROR <sqlstate>: <message>" (engine_fixture.h). */
static char *run_sql(const char *q)
{
    return ef_query(sess, q, NULL, 0, EF_NO_POSITION);
}

/* Records from..to-1 of stream, key "k<i>", 500 per append. */
static void append_json(const char *stream, int from, int to, EfPayloadFn payload)
{
    ef_append(store, stream, from, to, NULL, payload);
}

static const char *good_payload(int i, char *buf, size_t n)
{
    snprintf(buf, n, "{\"id\": %d, \"grp\": %d}", i, i % 7);
    return buf;
}

static void engine_open(void)
{
    SqlEngineConfig cfg = {.store = store, .data_dir = tdir, .n_workers = 2};
    sess = ef_session_open(&cfg, &eng);
}

static void engine_close(void)
{
    ef_session_close(&sess, &eng);
}

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "opscan");
    ef_stream_create(store, "s4", 4);
    clock_set_offset_ms(-HOUR_MS);
    append_json("s4", 0, N_REC / 2, good_payload);
    clock_set_offset_ms(0);
    split_ms = clock_now_ms() - HOUR_MS / 2;
    append_json("s4", N_REC / 2, N_REC, good_payload);
    engine_open();
    assert_string_equal(run_sql("CREATE TABLE t (id bigint, grp int) WITH (stream = 's4', format = 'json')"),
                        "");
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    engine_close();
    ef_store_close(&store, tdir);
    return 0;
}

/* ---- hand-built scans ---- */

typedef struct T {
    Arena *plan, *query;
    SqlError err;
    SqlFormatOpts fmt;
    atomic_int cancel;
    ExecCtx ctx;
    CatalogTable *table;
    Op *op;
    ScanSpec *sp;
} T;

/* A scan of table reading data column 0 (id) and the hidden _shard_id and _sequence_number. */
static void t_init(T *t, const char *table, size_t budget)
{
    memset(t, 0, sizeof(*t));
    t->plan = arena_create(NULL, ARENA_UNLIMITED);
    t->query = arena_create(NULL, budget);
    sql_format_opts_default(&t->fmt);
    atomic_init(&t->cancel, 0);
    t->ctx = (ExecCtx){.arena = t->query,
                       .run_arena = t->query,
                       .fmt = &t->fmt,
                       .err = &t->err,
                       .cancel = &t->cancel,
                       .eng = eng,
                       .run_id = 1};
    t->table = sql_catalog_get(eng->catalog, table);
    assert_non_null(t->table);
    const TableDef *td = t->table->def;
    uint32_t n = td->n_cols + TABLE_HID_N;
    t->op = arena_try_calloc(t->plan, sizeof(Op));
    t->sp = arena_try_calloc(t->plan, sizeof(ScanSpec));
    t->op->types = ARENA_NEW(t->plan, SqlType, n);
    t->sp->needed = arena_try_calloc(t->plan, n);
    t->op->kind = OP_SCAN;
    t->op->n_cols = n;
    t->op->spec = t->sp;
    t->sp->table = t->table;
    t->sp->store = store;
    for (uint32_t i = 0; i < n; i++)
        t->op->types[i] =
            i < td->n_cols ? td->cols[i].type : tabledef_hidden_type((TableHidden)(i - td->n_cols));
    t->sp->needed[0] = 1;
    t->sp->needed[td->n_cols + TABLE_HID_SHARD_ID] = 1;
    t->sp->needed[td->n_cols + TABLE_HID_SEQUENCE_NUMBER] = 1;
}

static void t_fini(T *t)
{
    op_close(t->op);
    sql_catalog_unref(eng->catalog, t->table);
    arena_destroy(&t->query);
    arena_destroy(&t->plan);
}

static Expr *t_expr(T *t, ExprKind k, SqlType type)
{
    return opt_plan_expr(t->plan, k, type);
}

static Expr *t_const(T *t, SqlValue v)
{
    return opt_plan_const(t->plan, v);
}

static Expr *t_text(T *t, const char *s)
{
    SqlValue v = {.type = SQL_TYPE(SQL_TEXT)};
    if (s)
        v.u.s = slice_from_cstr(s);
    else
        v.is_null = 1;
    return t_const(t, v);
}

static Expr *t_ts(T *t, int64_t unix_ms)
{
    SqlValue v = {.type = SQL_TYPE(SQL_TIMESTAMPTZ)};
    v.u.i = unix_ms * 1000 - SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
    return t_const(t, v);
}

static void t_bound(T *t, TableHidden col, ScanBoundOp op, Expr *value)
{
    ScanBound *b = ARENA_NEW(t->plan, ScanBound, t->sp->n_bounds + 1);
    if (t->sp->n_bounds)
        memcpy(b, t->sp->bounds, t->sp->n_bounds * sizeof(*b));
    b[t->sp->n_bounds++] = (ScanBound){(uint8_t)col, (uint8_t)op, value};
    t->sp->bounds = b;
}

static void t_shards(T *t, int is_in, const char *const *ids, uint32_t n)
{
    ScanShardSet *s = ARENA_NEW(t->plan, ScanShardSet, t->sp->n_shard_sets + 1);
    if (t->sp->n_shard_sets)
        memcpy(s, t->sp->shard_sets, t->sp->n_shard_sets * sizeof(*s));
    Expr **vals = ARENA_NEW(t->plan, Expr *, n);
    for (uint32_t i = 0; i < n; i++)
        vals[i] = t_text(t, ids[i]);
    s[t->sp->n_shard_sets++] = (ScanShardSet){(uint8_t)is_in, vals, n};
    t->sp->shard_sets = s;
}

/* a <name> b with the operator taking exactly their types */
static Expr *t_binop(T *t, const char *name, Expr *a, Expr *b)
{
    return opt_plan_binop(t->plan, name, a, b);
}

typedef struct Result {
    uint64_t rows, sum_id, batches;
    int64_t min_id, max_id;
    uint32_t shards_seen;
} Result;

/* Pull up to max_batches batches (0: all); checks per-shard order (sequence numbers and ids strictly
 * increase within a shard, as the records were appended). Returns op_next's failure code. */
static int t_run(T *t, uint32_t max_batches, Result *r)
{
    memset(r, 0, sizeof(*r));
    r->min_id = INT64_MAX;
    r->max_id = INT64_MIN;
    const TableDef *td = t->table->def;
    char last_seq[10][STORE_SEQ_STR_LEN + 1];
    int64_t last_id[10];
    memset(last_seq, 0, sizeof(last_seq));
    for (int i = 0; i < 10; i++)
        last_id[i] = -1;
    memset(&t->err, 0, sizeof(t->err));
    if (op_open(t->op, &t->ctx))
        return WEIR_ERROR;
    for (;;) {
        Batch *b;
        if (op_next(t->op, &t->ctx, &b))
            return WEIR_ERROR;
        if (!b)
            break;
        assert_true(b->n > 0 && b->n <= VEC_BATCH);
        r->batches++;
        const Vec *ids = &b->cols[0], *shard = &b->cols[td->n_cols + TABLE_HID_SHARD_ID],
                  *seq = &b->cols[td->n_cols + TABLE_HID_SEQUENCE_NUMBER];
        for (uint32_t i = 0; i < b->n; i++) {
            assert_false(vec_is_null(ids, i));
            int64_t id = ids->u.i[i];
            Slice s = shard->u.s[i], q = seq->u.s[i];
            assert_int_equal(s.n, STORE_SHARD_ID_LEN);
            assert_int_equal(q.n, STORE_SEQ_STR_LEN);
            int sh = s.p[s.n - 1] - '0';
            assert_true(sh >= 0 && sh < 10);
            assert_true(id > last_id[sh]);
            assert_true(memcmp(q.p, last_seq[sh], STORE_SEQ_STR_LEN) > 0);
            if (last_id[sh] < 0)
                r->shards_seen++;
            last_id[sh] = id;
            memcpy(last_seq[sh], q.p, STORE_SEQ_STR_LEN);
            r->rows++;
            r->sum_id += (uint64_t)id;
            if (id < r->min_id)
                r->min_id = id;
            if (id > r->max_id)
                r->max_id = id;
        }
        if (max_batches && r->batches == max_batches)
            break;
    }
    op_close(t->op);
    return WEIR_OK;
}

static void set_workers(int n)
{
    eng->cfg.n_workers = n;
}

/* ---- tests ---- */

static void test_inline_and_parallel_agree(void **state)
{
    UNUSED(state);
    const uint64_t want_sum = (uint64_t)N_REC * (N_REC - 1) / 2;
    for (int workers = 1; workers <= 3; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "t", ARENA_UNLIMITED);
        Result r;
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, N_REC);
        assert_int_equal(r.sum_id, want_sum);
        assert_int_equal(r.shards_seen, 4);
        assert_int_equal(t.sp->st_records, N_REC);
        assert_int_equal(t.sp->st_workers, workers == 1 ? 0 : (uint32_t)workers);
        /* run the same plan again: a scan re-opens cleanly */
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, N_REC);
        t_fini(&t);
    }
    set_workers(2);
}

/* count(*) under on_error = null decodes nothing and copies no payload; still every record */
static void test_count_only(void **state)
{
    UNUSED(state);
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    memset(t.sp->needed, 0, t.op->n_cols);
    assert_int_equal(op_open(t.op, &t.ctx), WEIR_OK);
    uint64_t rows = 0;
    for (;;) {
        Batch *b;
        assert_int_equal(op_next(t.op, &t.ctx, &b), WEIR_OK);
        if (!b)
            break;
        rows += b->n;
    }
    assert_int_equal(rows, N_REC);
    t_fini(&t);
}

/* The consumer pulls one batch (LIMIT 1) and stops: the scan has read at most about a batch per
 * worker beyond it. */
static void test_limit_reads_little(void **state)
{
    UNUSED(state);
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "t", ARENA_UNLIMITED);
        Result r;
        assert_int_equal(t_run(&t, 1, &r), WEIR_OK);
        assert_int_equal(r.batches, 1);
        /* inline: exactly the one batch; parallel: the held batch plus one per worker, and one being
         * read when close stopped it */
        uint64_t bound = workers == 1 ? VEC_BATCH : (uint64_t)(workers + 2) * VEC_BATCH;
        assert_true(t.sp->st_records >= r.rows);
        assert_true(t.sp->st_records <= bound);
        t_fini(&t);
    }
    set_workers(2);
}

static void test_arrival_pushdown(void **state)
{
    UNUSED(state);
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        /* _arrival_time > split: only the second half is read, found by the timestamp seek */
        T t;
        t_init(&t, "t", ARENA_UNLIMITED);
        t_bound(&t, TABLE_HID_ARRIVAL_TIME, SCAN_GT, t_ts(&t, split_ms));
        Result r;
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, N_REC / 2);
        assert_int_equal(r.min_id, N_REC / 2);
        assert_int_equal(t.sp->st_records, N_REC / 2);
        t_fini(&t);
        /* _arrival_time <= split: only the first half */
        t_init(&t, "t", ARENA_UNLIMITED);
        t_bound(&t, TABLE_HID_ARRIVAL_TIME, SCAN_LE, t_ts(&t, split_ms));
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, N_REC / 2);
        assert_int_equal(r.max_id, N_REC / 2 - 1);
        assert_int_equal(t.sp->st_records, N_REC / 2);
        t_fini(&t);
    }
    set_workers(2);
    /* BETWEEN two times inside the first half's hour: nothing (every first-half record arrived an
     * hour ago, give or take the seconds the appends took) */
    T t;
    Result r;
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_ARRIVAL_TIME, SCAN_GE, t_ts(&t, split_ms - 60000));
    t_bound(&t, TABLE_HID_ARRIVAL_TIME, SCAN_LE, t_ts(&t, split_ms + 60000));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 0);
    assert_int_equal(t.sp->st_records, 0);
    t_fini(&t);
    /* NULL, +infinity and -infinity */
    SqlValue null_ts = {.type = SQL_TYPE(SQL_TIMESTAMPTZ), .is_null = 1};
    SqlValue pinf = {.type = SQL_TYPE(SQL_TIMESTAMPTZ)}, ninf = {.type = SQL_TYPE(SQL_TIMESTAMPTZ)};
    pinf.u.i = SQL_DT_NOEND;
    ninf.u.i = SQL_DT_NOBEGIN;
    struct {
        SqlValue v;
        ScanBoundOp op;
        uint64_t rows;
    } cases[] = {{null_ts, SCAN_GT, 0},
                 {pinf, SCAN_GE, 0},
                 {pinf, SCAN_LT, N_REC},
                 {ninf, SCAN_GT, N_REC},
                 {ninf, SCAN_LE, 0}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t_init(&t, "t", ARENA_UNLIMITED);
        t_bound(&t, TABLE_HID_ARRIVAL_TIME, cases[i].op, t_const(&t, cases[i].v));
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, cases[i].rows);
        assert_int_equal(t.sp->st_records, cases[i].rows);
        t_fini(&t);
    }
}

/* The sequence number of the record with id = want. */
static void seq_of(int64_t want, char *out)
{
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    const TableDef *td = t.table->def;
    assert_int_equal(op_open(t.op, &t.ctx), WEIR_OK);
    int found = 0;
    for (;;) {
        Batch *b;
        assert_int_equal(op_next(t.op, &t.ctx, &b), WEIR_OK);
        if (!b)
            break;
        for (uint32_t i = 0; i < b->n; i++) {
            if (b->cols[0].u.i[i] == want) {
                Slice q = b->cols[td->n_cols + TABLE_HID_SEQUENCE_NUMBER].u.s[i];
                memcpy(out, q.p, q.n);
                out[q.n] = 0;
                found = 1;
            }
        }
    }
    assert_true(found);
    t_fini(&t);
}

static void test_sequence_pushdown(void **state)
{
    UNUSED(state);
    char mid[STORE_SEQ_STR_LEN + 1], last[STORE_SEQ_STR_LEN + 1];
    seq_of(N_REC / 2, mid);
    seq_of(N_REC - 1, last);
    T t;
    Result r;
    /* >= the middle record's number: the counter follows id order, so exactly the second half */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_SEQUENCE_NUMBER, SCAN_GE, t_text(&t, mid));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, N_REC / 2);
    assert_int_equal(r.min_id, N_REC / 2);
    assert_int_equal(t.sp->st_records, N_REC / 2);
    t_fini(&t);
    /* < the middle: the first half, plus the middle record itself read (positions are loose by one
     * counter value; the predicate, here absent, would drop it) */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_SEQUENCE_NUMBER, SCAN_LT, t_text(&t, mid));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, N_REC / 2 + 1);
    assert_int_equal(r.max_id, N_REC / 2);
    t_fini(&t);
    /* = the last record: one record read */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_SEQUENCE_NUMBER, SCAN_EQ, t_text(&t, last));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 1);
    assert_int_equal(r.min_id, N_REC - 1);
    assert_int_equal(t.sp->st_shards_read, 1);
    t_fini(&t);
    /* text that is no sequence number of this stream narrows nothing */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_SEQUENCE_NUMBER, SCAN_GT, t_text(&t, "0"));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, N_REC);
    t_fini(&t);
    /* a NULL bound: nothing */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_bound(&t, TABLE_HID_SEQUENCE_NUMBER, SCAN_GT, t_text(&t, NULL));
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 0);
    t_fini(&t);
}

static void test_shard_pruning(void **state)
{
    UNUSED(state);
    T t;
    Result r;
    const char *two[] = {"shardId-000000000001", "shardId-000000000003", "shardId-1"};
    t_init(&t, "t", ARENA_UNLIMITED);
    t_shards(&t, 1, two, 3);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(t.sp->st_shards_read, 2);
    assert_int_equal(t.sp->st_shards_total, 4);
    assert_int_equal(r.shards_seen, 2);
    uint64_t in_rows = r.rows;
    assert_true(in_rows > 0 && in_rows < N_REC);
    t_fini(&t);
    /* NOT IN the same two: the other two shards, the other rows */
    t_init(&t, "t", ARENA_UNLIMITED);
    t_shards(&t, 0, two, 2);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(t.sp->st_shards_read, 2);
    assert_int_equal(r.rows, N_REC - in_rows);
    assert_int_equal(t.sp->st_records, N_REC - in_rows);
    t_fini(&t);
    /* = NULL, NOT IN (..., NULL): never TRUE, nothing is read */
    const char *null_only[] = {NULL}, *with_null[] = {"shardId-000000000000", NULL};
    t_init(&t, "t", ARENA_UNLIMITED);
    t_shards(&t, 1, null_only, 1);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 0);
    t_fini(&t);
    t_init(&t, "t", ARENA_UNLIMITED);
    t_shards(&t, 0, with_null, 2);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 0);
    t_fini(&t);
    /* two conditions intersect: IN (1, 3) AND <> 3 */
    const char *three[] = {"shardId-000000000003"};
    t_init(&t, "t", ARENA_UNLIMITED);
    t_shards(&t, 1, two, 2);
    t_shards(&t, 0, three, 1);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(t.sp->st_shards_read, 1);
    assert_int_equal(r.shards_seen, 1);
    t_fini(&t);
}

/* ScanSpec.filter: the scan returns only rows where it is TRUE, inline and on workers alike */
static void test_scan_filter(void **state)
{
    UNUSED(state);
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "t", ARENA_UNLIMITED);
        t.sp->needed[1] = 1; /* grp */
        SqlValue three = {.type = SQL_TYPE(SQL_INT4)};
        three.u.i = 3;
        Expr *grp = t_expr(&t, EXPR_COL, SQL_TYPE(SQL_INT4));
        grp->u.col = 1;
        t.sp->filter = t_binop(&t, "=", grp, t_const(&t, three));
        Result r;
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        uint64_t want = 0, want_sum = 0;
        for (int i = 0; i < N_REC; i++)
            if (i % 7 == 3)
                want++, want_sum += (uint64_t)i;
        assert_int_equal(r.rows, want);
        assert_int_equal(r.sum_id, want_sum);
        assert_int_equal(t.sp->st_records, N_REC);
        t_fini(&t);
        /* a filter that fails (division by zero) fails the query with its SQLSTATE */
        t_init(&t, "t", ARENA_UNLIMITED);
        t.sp->needed[1] = 1;
        grp = t_expr(&t, EXPR_COL, SQL_TYPE(SQL_INT4));
        grp->u.col = 1;
        Expr *div = t_binop(&t, "/", t_const(&t, three), grp); /* grp is 0 for every seventh id */
        t.sp->filter = t_binop(&t, "=", div, t_const(&t, three));
        assert_int_equal(t_run(&t, 0, &r), WEIR_ERROR);
        assert_string_equal(t.err.sqlstate, "22012");
        t_fini(&t);
    }
    set_workers(2);
}

/* fn(args) with the definition taking exactly their types */
static Expr *t_call(T *t, const char *name, Expr **args, uint32_t n)
{
    const SqlFnDef *const *defs;
    size_t k = sql_fn_lookup(name, &defs);
    for (size_t i = 0; i < k; i++) {
        const SqlFnDef *d = defs[i];
        if (d->n_args != n || d->is_variadic)
            continue;
        int ok = 1;
        for (uint32_t j = 0; j < n; j++)
            ok &= d->args[j] == args[j]->type.id;
        if (!ok)
            continue;
        Expr *e = t_expr(t, EXPR_FUNC, SQL_TYPE(d->ret));
        e->n_args = n;
        e->args = ARENA_NEW(t->plan, Expr *, n);
        memcpy(e->args, args, n * sizeof(Expr *));
        e->u.fn.def = d;
        return e;
    }
    fail_msg("no function %s", name);
    return NULL;
}

/* A filter whose temporaries do not fit a worker's slot for a whole batch (repeat(_message, 2000) is
 * about 40 kB a row, 80 MB for 2,048 rows): the workers shrink their batches and the answer is whole. */
static void test_big_rows_shrink_batches(void **state)
{
    UNUSED(state);
    set_workers(2);
    scan_parallel_min = 0;
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    const TableDef *td = t.table->def;
    const char *ids[] = {"shardId-000000000001", "shardId-000000000002"};
    t_shards(&t, 1, ids, 2);
    t.sp->needed[td->n_cols + TABLE_HID_MESSAGE] = 1;
    Expr *msg = t_expr(&t, EXPR_COL, SQL_TYPE(SQL_TEXT));
    msg->u.col = td->n_cols + TABLE_HID_MESSAGE;
    SqlValue times = {.type = SQL_TYPE(SQL_INT4)}, zero = {.type = SQL_TYPE(SQL_INT4)};
    times.u.i = 2000;
    Expr *rargs[2] = {msg, t_const(&t, times)};
    Expr *rep = t_call(&t, "repeat", rargs, 2);
    Expr *largs[1] = {rep};
    t.sp->filter = t_binop(&t, ">", t_call(&t, "length", largs, 1), t_const(&t, zero));
    Result r;
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(t.sp->st_workers, 2);
    assert_int_equal(r.shards_seen, 2);
    assert_int_equal(r.rows, t.sp->st_records);
    assert_true(r.rows > 10000);
    assert_true(r.batches > r.rows / 1024); /* smaller than full batches */
    t_fini(&t);
    scan_parallel_min = 2 * VEC_BATCH;
}

static void test_cancel(void **state)
{
    UNUSED(state);
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "t", ARENA_UNLIMITED);
        assert_int_equal(op_open(t.op, &t.ctx), WEIR_OK);
        Batch *b;
        assert_int_equal(op_next(t.op, &t.ctx, &b), WEIR_OK);
        assert_non_null(b);
        atomic_store(&t.cancel, 1);
        assert_int_equal(op_next(t.op, &t.ctx, &b), WEIR_ERROR);
        assert_string_equal(t.err.sqlstate, "57014");
        /* scan_next_parallel's own wait also sees it (op_next checks first; call it directly) */
        if (workers > 1) {
            ScanState *st = t.op->state;
            memset(&t.err, 0, sizeof(t.err));
            int rc = WEIR_OK;
            for (int k = 0; k < 100 && rc == WEIR_OK; k++)
                rc = scan_next_parallel(st, &t.ctx, &b);
            assert_int_equal(rc, WEIR_ERROR);
            assert_string_equal(t.err.sqlstate, "57014");
        }
        t_fini(&t); /* close stops and joins the workers */
    }
    set_workers(2);
}

/* A worker's decode error (on_error = 'fail') reaches the consumer as the query's error. */
static const char *late_bad_payload(int i, char *buf, size_t n)
{
    if (i == 2900)
        return "{\"id\": \"not a number\"}";
    return good_payload(i, buf, n);
}

static void test_worker_error(void **state)
{
    UNUSED(state);
    Err e;
    err_clear(&e);
    assert_int_equal(
        store_stream_create(store, "bad2", 2, STREAM_MODE_PROVISIONED, "us-east-1", "000000000000", &e), 0);
    append_json("bad2", 0, 6000, late_bad_payload);
    assert_string_equal(
        run_sql("CREATE TABLE bad_fail (id bigint, grp int) WITH (stream = 'bad2', on_error = 'fail')"), "");
    assert_string_equal(run_sql("CREATE TABLE bad_null (id bigint, grp int) WITH (stream = 'bad2')"), "");
    scan_parallel_min = 0;
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "bad_fail", ARENA_UNLIMITED);
        Result r;
        assert_int_equal(t_run(&t, 0, &r), WEIR_ERROR);
        assert_string_equal(t.err.sqlstate, "22P02");
        assert_true(r.rows < 6000);
        t_fini(&t);
    }
    scan_parallel_min = 2 * VEC_BATCH;
    set_workers(2);
    assert_string_equal(run_sql("SELECT count(*), count(id) FROM bad_null"), "6000|5999\n");
}

/* Over a small budget the scan reads inline (the worker window does not fit), and over a tiny one it
 * fails with 53200 instead of growing. */
static void test_memory_budget(void **state)
{
    UNUSED(state);
    T t;
    Result r;
    t_init(&t, "t", (size_t)8 << 20);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, N_REC);
    assert_int_equal(t.sp->st_workers, 0);
    t_fini(&t);
    t_init(&t, "t", (size_t)96 << 10);
    assert_int_equal(t_run(&t, 0, &r), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "53200");
    t_fini(&t);
}

static const char *mixed_payload(int i, char *buf, size_t n)
{
    if (i % 1000 == 7)
        return "not json";
    return good_payload(i, buf, n);
}

static int dead_cb(void *arg, const StoreRecordView *r)
{
    uint64_t *acc = arg;
    acc[0]++;
    if (r->data.n == 8 && memcmp(r->data.p, "not json", 8) == 0 && r->key.n >= 2 && r->key.p[0] == 'k')
        acc[1]++;
    return 0;
}

static void dead_count(const char *stream, uint64_t *total, uint64_t *ok)
{
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_describe(store, stream, &si, &e), 0);
    uint64_t acc[2] = {0, 0};
    for (uint32_t s = 0; s < si->n_shards; s++) {
        uint64_t pos = 0;
        assert_int_equal(
            store_shard_seek(store, stream, si->shards[s].index, STORE_TRIM_HORIZON, 0, 0, &pos, &e), 0);
        for (;;) {
            StoreReadResult res;
            assert_int_equal(
                store_read(store, stream, si->shards[s].index, pos, 1000, SIZE_MAX, dead_cb, acc, &res, &e),
                0);
            if (res.n_records == 0)
                break;
            pos = res.next_pos;
        }
    }
    store_stream_info_free(&si);
    *total = acc[0];
    *ok = acc[1];
}

static void test_dead_letter(void **state)
{
    UNUSED(state);
    Err e;
    err_clear(&e);
    assert_int_equal(
        store_stream_create(store, "mixed", 2, STREAM_MODE_PROVISIONED, "us-east-1", "000000000000", &e), 0);
    append_json("mixed", 0, 10000, mixed_payload);
    assert_string_equal(
        run_sql("CREATE TABLE dl (line text) WITH (stream = 'dl', format = 'raw', shards = 2)"), "");
    assert_string_equal(run_sql("CREATE TABLE mixed_dl (id bigint, grp int) WITH (stream = 'mixed', "
                                "on_error = 'dead_letter', dead_letter_stream = 'dl')"),
                        "");
    /* the dead-letter stream must exist, and must not be the stream itself */
    assert_string_equal(run_sql("CREATE TABLE mixed_nodl (id bigint) WITH (stream = 'mixed', "
                                "on_error = 'dead_letter', dead_letter_stream = 'nope')"),
                        "");
    assert_string_equal(run_sql("SELECT count(*) FROM mixed_nodl"),
                        "ERROR 55000: dead-letter stream \"nope\" of table \"mixed_nodl\" does not exist");
    scan_parallel_min = 0;
    uint64_t total = 0, ok = 0;
    for (int workers = 1; workers <= 2; workers++) {
        set_workers(workers);
        T t;
        t_init(&t, "mixed_dl", ARENA_UNLIMITED);
        Result r;
        assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
        assert_int_equal(r.rows, 10000 - 10);
        assert_int_equal(t.sp->st_records, 10000);
        assert_int_equal(t.sp->st_bad, 10);
        assert_int_equal(t.sp->st_dead, 10);
        t_fini(&t);
        dead_count("dl", &total, &ok);
        assert_int_equal(total, 10 * (uint64_t)workers);
        assert_int_equal(ok, total);
    }
    scan_parallel_min = 2 * VEC_BATCH;
    set_workers(2);
    /* through SQL too: the copies are visible to the next query at once */
    assert_string_equal(run_sql("SELECT count(*) FROM mixed_dl"), "9990\n");
    assert_string_equal(run_sql("SELECT count(*), min(line), max(line) FROM dl"), "30|not json|not json\n");
}

/* ---- checkpoints ---- */

static uint64_t ck_run(const char *name, int commit, uint64_t *records)
{
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    t.ctx.checkpoint = name;
    t.ctx.ckpt = scan_ckpt_create(t.query);
    assert_non_null(t.ctx.ckpt);
    Result r;
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    if (commit)
        assert_int_equal(scan_ckpt_commit(&t.ctx), WEIR_OK);
    *records = t.sp->st_records;
    t_fini(&t);
    return r.rows;
}

static void test_checkpoint(void **state)
{
    UNUSED(state);
    uint64_t rec;
    /* a query that does not complete saves nothing: the next one still sees everything */
    assert_int_equal(ck_run("c1", 0, &rec), N_REC);
    assert_int_equal(ck_run("c1", 1, &rec), N_REC);
    assert_int_equal(ck_run("c1", 1, &rec), 0);
    assert_int_equal(rec, 0); /* and reads nothing */
    /* another name is independent */
    assert_int_equal(ck_run("c2", 1, &rec), N_REC);
    /* new records: only those */
    append_json("s4", N_REC, N_REC + 1000, good_payload);
    assert_int_equal(ck_run("c1", 1, &rec), 1000);
    assert_int_equal(rec, 1000);
    assert_int_equal(ck_run("c1", 1, &rec), 0);
    /* the positions survive an engine restart (sql.db) */
    engine_close();
    engine_open();
    assert_int_equal(ck_run("c1", 1, &rec), 0);
    assert_int_equal(ck_run("c2", 1, &rec), 1000);
    /* a split: the parent closes, its children start from their beginning */
    Err e;
    err_clear(&e);
    StreamInfo *si = NULL;
    assert_int_equal(store_stream_describe(store, "s4", &si, &e), 0);
    u128 mid = si->shards[0].hash_lo + (si->shards[0].hash_hi - si->shards[0].hash_lo) / 2;
    store_stream_info_free(&si);
    assert_int_equal(store_shard_split(store, "s4", 0, mid, &e), 0);
    append_json("s4", N_REC + 1000, N_REC + 3000, good_payload);
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    t.ctx.checkpoint = "c1";
    t.ctx.ckpt = scan_ckpt_create(t.query);
    Result r;
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    assert_int_equal(r.rows, 2000);
    assert_int_equal(r.min_id, N_REC + 1000);
    assert_int_equal(t.sp->st_shards_total, 6);
    assert_int_equal(scan_ckpt_commit(&t.ctx), WEIR_OK);
    t_fini(&t);
    assert_int_equal(ck_run("c1", 1, &rec), 0);
    /* through SQL: the engine commits when the query completes */
    assert_string_equal(run_sql("SET weir.checkpoint = 'sql'"), "");
    char want[32];
    snprintf(want, sizeof(want), "%d\n", N_REC + 3000);
    assert_string_equal(run_sql("SELECT count(*) FROM t"), want);
    assert_string_equal(run_sql("SELECT count(*) FROM t"), "0\n");
    /* a failed query under the checkpoint saves nothing */
    append_json("s4", N_REC + 3000, N_REC + 3010, good_payload);
    assert_string_equal(run_sql("SELECT count(*) FROM t WHERE 1 / (id - id) = 1"),
                        "ERROR 22012: division by zero");
    assert_string_equal(run_sql("SELECT count(*) FROM t"), "10\n");
    assert_string_equal(run_sql("RESET weir.checkpoint"), "");
}

static void test_explain_line(void **state)
{
    UNUSED(state);
    T t;
    t_init(&t, "t", ARENA_UNLIMITED);
    const char *ids[] = {"shardId-000000000002"};
    t_shards(&t, 1, ids, 1);
    t.sp->pushdown_text = "_shard_id = 'shardId-000000000002'::text";
    char line[512];
    op_scan_explain(t.op, line, sizeof(line));
    assert_string_equal(
        line, "Stream Scan on t (stream s4, 1 of 6 shards, _shard_id = 'shardId-000000000002'::text)");
    Result r;
    set_workers(1);
    assert_int_equal(t_run(&t, 0, &r), WEIR_OK);
    set_workers(2);
    op_scan_explain(t.op, line, sizeof(line));
    char want[256];
    snprintf(want, sizeof(want),
             "Stream Scan on t (stream s4, 1 of 6 shards, %llu records read, _shard_id = "
             "'shardId-000000000002'::text)",
             (unsigned long long)r.rows);
    assert_string_equal(line, want);
    /* truncation keeps a terminated string */
    op_scan_explain(t.op, line, 20);
    assert_int_equal(strlen(line), 19);
    assert_string_equal(line + 16, "...");
    t_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inline_and_parallel_agree),
        cmocka_unit_test(test_count_only),
        cmocka_unit_test(test_limit_reads_little),
        cmocka_unit_test(test_arrival_pushdown),
        cmocka_unit_test(test_sequence_pushdown),
        cmocka_unit_test(test_shard_pruning),
        cmocka_unit_test(test_scan_filter),
        cmocka_unit_test(test_big_rows_shrink_batches),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_worker_error),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_dead_letter),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_explain_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
