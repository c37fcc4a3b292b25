/*
 * test_bind_scan.c: predicates pushed into stream scans (bind_scan.c), through the real binder: which
 * WHERE conjuncts become ScanBounds and ScanShardSets (and which must not: casts of the column,
 * volatile functions, OR, data columns), the scan-side filter (set when the whole predicate may run on
 * workers, and the FILTER operator gone then), the EXPLAIN text, and, through the engine, that pushdown
 * never changes an answer: each query is compared with the same query written so that nothing can be
 * pushed down (the column wrapped in an expression).
 */
#include "engine_fixture.h"

#include <pg_query.h>

#include "base/clock.h"
#include "exec/bind.h"

static char tdir[64];
static Store *store;
static SqlEngine *eng;
static SqlSession *sess;

/* Rows as text, or "ERROR <sqlstate>: <message>"; params are text-format values ($1, $2 ...). */
static char *run_sql_params(const char *q, const char *const *params, size_t n_params)
{
    return ef_query(sess, q, params, n_params, EF_NO_POSITION);
}

static char *run_sql(const char *q)
{
    return run_sql_params(q, NULL, 0);
}

static const char *ev_payload(int id, char *buf, size_t n)
{
    snprintf(buf, n, "{\"id\": %d, \"v\": %d}", id, id % 10);
    return buf;
}

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "bindscan");
    ef_stream_create(store, "ev", 3);
    /* 3 x 200 records: an hour ago, ten minutes ago, now */
    int64_t offsets[3] = {-3600000, -600000, 0};
    for (int part = 0; part < 3; part++) {
        clock_set_offset_ms(offsets[part]);
        ef_append(store, "ev", part * 200, part * 200 + 200, NULL, ev_payload);
    }
    clock_set_offset_ms(0);
    SqlEngineConfig cfg = {.store = store, .data_dir = tdir, .n_workers = 2};
    sess = ef_session_open(&cfg, &eng);
    assert_string_equal(run_sql("SET TimeZone = 'UTC'"), "");
    assert_string_equal(run_sql("CREATE TABLE ev (id bigint, v int, ts timestamptz) WITH (stream = 'ev')"),
                        "");
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    ef_session_close(&sess, &eng);
    ef_store_close(&store, tdir);
    return 0;
}

/* ---- binding a query and finding its scan ---- */

typedef struct Bound {
    Arena *arena;
    PgQuery__ParseResult *tree;
    BoundStmt b;
    SqlError err;
    const Op *scan;
    const Op *above; /* the operator whose child the scan is */
    ScanSpec *sp;
} Bound;

static const Op *find_scan(const Op *op, const Op **parent)
{
    if (!op)
        return NULL;
    if (op->kind == OP_SCAN)
        return op;
    const Op *kids[2] = {op->child, op->right};
    for (int i = 0; i < 2; i++) {
        const Op *s = find_scan(kids[i], parent);
        if (s) {
            if (!*parent)
                *parent = op;
            return s;
        }
    }
    return NULL;
}

static void bind_q(Bound *bd, const char *q)
{
    memset(bd, 0, sizeof(*bd));
    bd->arena = arena_create(NULL, ARENA_UNLIMITED);
    PgQueryProtobufParseResult pr = pg_query_parse_protobuf(q);
    assert_null(pr.error);
    bd->tree = pg_query__parse_result__unpack(NULL, pr.parse_tree.len, (const uint8_t *)pr.parse_tree.data);
    pg_query_free_protobuf_parse_result(pr);
    assert_non_null(bd->tree);
    BindCtx bc = {.sess = sess, .arena = bd->arena, .query = q, .err = &bd->err};
    int rc = bind_statement(&bc, bd->tree->stmts[0]->stmt, &bd->b);
    if (rc)
        fail_msg("bind %s: %s %s", q, bd->err.sqlstate, bd->err.message);
    bd->scan = find_scan(bd->b.root, &bd->above);
    assert_non_null(bd->scan);
    bd->sp = bd->scan->spec;
}

static void bound_free(Bound *bd)
{
    arena_destroy(&bd->arena); /* drops the catalog reference too */
    pg_query__parse_result__free_unpacked(bd->tree, NULL);
}

/* ---- what is pushed down ---- */

static void test_arrival_bounds(void **state)
{
    UNUSED(state);
    Bound bd;
    bind_q(&bd, "SELECT id FROM ev WHERE _arrival_time > now() - interval '10 seconds'");
    assert_int_equal(bd.sp->n_bounds, 1);
    assert_int_equal(bd.sp->bounds[0].col, TABLE_HID_ARRIVAL_TIME);
    assert_int_equal(bd.sp->bounds[0].op, SCAN_GT);
    assert_int_equal(bd.sp->n_shard_sets, 0);
    assert_string_equal(bd.sp->pushdown_text, "_arrival_time > (now() - '00:00:10'::interval)");
    assert_null(bd.sp->filter_text);
    /* the whole predicate runs in the scan, so there is no FILTER over it */
    assert_non_null(bd.sp->filter);
    assert_true(bd.above == NULL || bd.above->kind != OP_FILTER);
    bound_free(&bd);

    /* reversed, BETWEEN, and a constant cast from text */
    bind_q(&bd, "SELECT id FROM ev WHERE now() - interval '1 hour' <= _arrival_time AND "
                "_arrival_time BETWEEN '2024-01-01' AND '2999-01-01' AND v = 3");
    assert_int_equal(bd.sp->n_bounds, 3);
    assert_int_equal(bd.sp->bounds[0].op, SCAN_GE);
    assert_int_equal(bd.sp->bounds[1].op, SCAN_GE);
    assert_int_equal(bd.sp->bounds[2].op, SCAN_LE);
    assert_string_equal(bd.sp->pushdown_text,
                        "(now() - '01:00:00'::interval) <= _arrival_time AND _arrival_time >= '2024-01-01 "
                        "00:00:00+00'::timestamp with time zone AND _arrival_time <= '2999-01-01 "
                        "00:00:00+00'::timestamp with time zone");
    assert_string_equal(bd.sp->filter_text, "v = 3");
    bound_free(&bd);

    /* what must not be pushed down: the column under a cast or an expression, a data column, a
     * volatile value, a disjunction */
    const char *none[] = {
        "SELECT id FROM ev WHERE _arrival_time::date = current_date",
        "SELECT id FROM ev WHERE _arrival_time + interval '1 second' > now()",
        "SELECT id FROM ev WHERE ts > now() - interval '1 second'",
        "SELECT id FROM ev WHERE _arrival_time > now() - random() * interval '1 second'",
        "SELECT id FROM ev WHERE _arrival_time > now() OR id = 1",
        "SELECT id FROM ev WHERE _arrival_time > ts",
        "SELECT id FROM ev WHERE _partition_key = 'k1'",
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        bind_q(&bd, none[i]);
        if (bd.sp->n_bounds || bd.sp->n_shard_sets || bd.sp->pushdown_text)
            fail_msg("pushed down: %s", none[i]);
        bound_free(&bd);
    }
}

static void test_sequence_and_shard(void **state)
{
    UNUSED(state);
    Bound bd;
    bind_q(&bd, "SELECT id FROM ev WHERE _sequence_number > '4900' AND _shard_id = 'shardId-000000000001'");
    assert_int_equal(bd.sp->n_bounds, 1);
    assert_int_equal(bd.sp->bounds[0].col, TABLE_HID_SEQUENCE_NUMBER);
    assert_int_equal(bd.sp->bounds[0].op, SCAN_GT);
    assert_int_equal(bd.sp->n_shard_sets, 1);
    assert_int_equal(bd.sp->shard_sets[0].is_in, 1);
    assert_int_equal(bd.sp->shard_sets[0].n_values, 1);
    bound_free(&bd);

    bind_q(&bd, "SELECT id FROM ev WHERE _shard_id IN ('shardId-000000000000', 'shardId-000000000002') "
                "AND _shard_id <> 'shardId-000000000002' AND _shard_id NOT IN ('x')");
    assert_int_equal(bd.sp->n_shard_sets, 3);
    assert_int_equal(bd.sp->shard_sets[0].is_in, 1);
    assert_int_equal(bd.sp->shard_sets[0].n_values, 2);
    assert_int_equal(bd.sp->shard_sets[1].is_in, 0);
    assert_int_equal(bd.sp->shard_sets[2].is_in, 0);
    assert_null(bd.sp->pushdown_text); /* shard conditions show as "k of n shards" */
    assert_null(bd.sp->filter_text);   /* every conjunct was pushed */
    bound_free(&bd);

    /* parameters are values too (evaluated at open) */
    bind_q(&bd, "SELECT id FROM ev WHERE _shard_id = $1 AND _arrival_time >= $2");
    assert_int_equal(bd.sp->n_shard_sets, 1);
    assert_int_equal(bd.sp->n_bounds, 1);
    assert_string_equal(bd.sp->pushdown_text, "_arrival_time >= $2");
    bound_free(&bd);
}

static void test_filter_text(void **state)
{
    UNUSED(state);
    Bound bd;
    bind_q(&bd, "SELECT id FROM ev WHERE v IN (1, 2) AND id IS NOT NULL AND NOT (id > 5) OR "
                "CASE WHEN v = 0 THEN true ELSE false END");
    assert_null(bd.sp->pushdown_text);
    assert_non_null(bd.sp->filter_text);
    assert_string_equal(bd.sp->filter_text,
                        "((v IN (1, 2)) AND (id IS NOT NULL) AND NOT (id > 5)) OR CASE WHEN (v = 0) "
                        "THEN true ELSE false END");
    bound_free(&bd);
}

/* ---- answers are the same with and without pushdown ---- */

static void same(const char *pushed, const char *plain)
{
    char a[16384];
    snprintf(a, sizeof(a), "%s", run_sql(pushed));
    const char *b = run_sql(plain);
    if (strcmp(a, b) != 0)
        fail_msg("%s\n  -> %s\nbut %s\n  -> %s", pushed, a, plain, b);
    assert_true(strncmp(a, "ERROR", 5) != 0);
}

static void test_answers(void **state)
{
    UNUSED(state);
    assert_string_equal(run_sql("SELECT count(*) FROM ev"), "600\n");
    assert_string_equal(
        run_sql("SELECT count(*) FROM ev WHERE _arrival_time > now() - interval '20 minutes'"), "400\n");
    assert_string_equal(run_sql("SELECT count(*) FROM ev WHERE _arrival_time > now() - interval '5 minutes'"),
                        "200\n");
    same("SELECT count(*), sum(id) FROM ev WHERE _arrival_time > now() - interval '20 minutes'",
         "SELECT count(*), sum(id) FROM ev WHERE _arrival_time + interval '0 s' > now() - interval '20 "
         "minutes'");
    same("SELECT count(*), sum(id) FROM ev WHERE _arrival_time < now() - interval '5 minutes' AND v = 3",
         "SELECT count(*), sum(id) FROM ev WHERE _arrival_time + interval '0 s' < now() - interval '5 "
         "minutes' AND v = 3");
    same(
        "SELECT count(*) FROM ev WHERE _arrival_time = (SELECT max(_arrival_time) FROM ev)",
        "SELECT count(*) FROM ev WHERE _arrival_time + interval '0 s' = (SELECT max(_arrival_time) FROM ev)");
    same("SELECT _shard_id, count(*) FROM ev WHERE _shard_id IN ('shardId-000000000000', "
         "'shardId-000000000002') "
         "GROUP BY 1 ORDER BY 1",
         "SELECT _shard_id, count(*) FROM ev WHERE _shard_id || '' IN ('shardId-000000000000', "
         "'shardId-000000000002') "
         "GROUP BY 1 ORDER BY 1");
    same("SELECT count(*) FROM ev WHERE _shard_id <> 'shardId-000000000001'",
         "SELECT count(*) FROM ev WHERE _shard_id || '' <> 'shardId-000000000001'");
    /* sequence numbers: every comparison against the number of the record with id 300 */
    const char *ops[] = {"<", "<=", "=", ">=", ">"};
    for (size_t i = 0; i < 5; i++) {
        char q1[512], q2[512];
        snprintf(q1, sizeof(q1),
                 "SELECT count(*), min(id), max(id) FROM ev WHERE _sequence_number %s "
                 "(SELECT _sequence_number FROM ev WHERE id = 300)",
                 ops[i]);
        snprintf(q2, sizeof(q2),
                 "SELECT count(*), min(id), max(id) FROM ev WHERE _sequence_number || '' %s "
                 "(SELECT _sequence_number FROM ev WHERE id = 300)",
                 ops[i]);
        same(q1, q2);
    }
    /* parameters */
    const char *params[] = {"shardId-000000000001", "1999-01-01 00:00:00+00"};
    char a[1024];
    snprintf(
        a, sizeof(a), "%s",
        run_sql_params("SELECT count(*) FROM ev WHERE _shard_id = $1 AND _arrival_time >= $2", params, 2));
    assert_string_equal(a, run_sql("SELECT count(*) FROM ev WHERE _shard_id || '' = 'shardId-000000000001'"));
    /* errors in a filter the scan evaluates keep their SQLSTATE */
    assert_string_equal(run_sql("SELECT count(*) FROM ev WHERE 10 / v > 1"), "ERROR 22012: division by zero");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrival_bounds),
        cmocka_unit_test(test_sequence_and_shard),
        cmocka_unit_test(test_filter_text),
        cmocka_unit_test(test_answers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
