/*
 * test_op_agg.c: aggregate functions end to end through the engine (bind_agg.c resolves them, op_agg.c
 * computes them) over a table on a real store: NULLs, empty input and empty groups, DISTINCT with
 * duplicates, ORDER BY inside aggregates, percentile interpolation and the array forms, numeric
 * variance at PostgreSQL's scale (including 256-bit intermediate sums), the JSON aggregates, the error
 * texts, GROUP BY over many groups (hash table growth), and SQLSTATE 53200 under a small memory budget.
 *
 * Every expected answer in `cases` is PostgreSQL 15's for the same rows (a table with the columns of
 * CREATE TABLE ft below, filled with the records of `records`; values as psql -At prints them, errors as
 * "ERROR sqlstate position: message").
 */
#include "engine_fixture.h"
#include "exec/op.h"
#include "sql/numeric.h"

/* Rows as text, or "ERROR <sqlstate> <position>: <message>" (engine_fixture.h). */
static char *run(SqlSession *s, const char *q)
{
    return ef_run(s, q);
}

static const char *const records[] = {
    "{\"g\": 1, \"x\": 3, \"b\": 10, \"n\": \"1.5\", \"f\": 0.5, \"s\": \"b\", \"iv\": \"1 day\", \"y\": \"\\\\x01\", \"ok\": true}",
    "{\"g\": 1, \"x\": 1, \"b\": 20, \"n\": \"2.25\", \"f\": 1.25, \"s\": \"a\", \"iv\": \"2 hours\", \"y\": \"\\\\x02\", \"ok\": true}",
    "{\"g\": 1, \"x\": 3, \"s\": \"b\", \"ok\": false}",
    "{\"g\": 2, \"x\": 7, \"b\": 9000000000000000000, \"n\": \"123456789012.123\", \"f\": -3, \"s\": \"c\", \"iv\": \"1 mon\", \"y\": \"\\\\x0a0b\"}",
    "{\"g\": 2, \"b\": -9000000000000000000, \"n\": \"0.001\", \"f\": 10000000000.0, \"iv\": \"-3 days\"}",
    "{\"g\": 2, \"x\": 2, \"b\": 5, \"n\": \"-7\", \"f\": 2, \"s\": \"a\", \"y\": \"\\\\x\"}",
    "{\"g\": 3}",
    "{\"g\": 1, \"x\": 5, \"b\": 1000000000000, \"n\": \"3\", \"f\": 3.5, \"s\": \"d\", \"iv\": \"36 hours\", \"ok\": true}",
};

static const struct {
    const char *sql;
    const char *want;
} cases[] = {
    {"SELECT count(*), count(x), sum(x), avg(x), min(x), max(x), sum(b), avg(b), min(s), max(s) FROM ft",
     "8|6|21|3.5000000000000000|1|7|1000000000035|166666666672.50000000|a|d\n"},
    {"SELECT sum(n), avg(n), min(n), max(n), sum(f), avg(f), min(f), max(f), sum(iv), avg(iv), max(iv) FROM ft",
     "123456789011.874|20576131501.97900000|-7|123456789012.123|10000000004.25|1666666667.375|-3|10000000000|1 mon -2 days +38:00:00|6 days -02:00:00|1 mon\n"},
    {"SELECT g, count(*), count(x), sum(x), avg(x), min(s), max(iv) FROM ft GROUP BY g ORDER BY g",
     "1|4|4|12|3.0000000000000000|a|36:00:00\n2|3|2|9|4.5000000000000000|a|1 mon\n3|1|0||||\n"},
    {"SELECT count(*), sum(x), avg(x), min(s), string_agg(s, ','), array_agg(x), stddev(x), percentile_cont(0.5) WITHIN GROUP (ORDER BY x), mode() WITHIN GROUP (ORDER BY x) FROM ft WHERE false",
     "0||||||||\n"},
    {"SELECT g, count(*) FROM ft WHERE false GROUP BY g",
     ""},
    {"SELECT g, sum(x), string_agg(s, ','), bool_and(ok), json_agg(x) FROM ft WHERE g = 3 GROUP BY g",
     "3||||[null]\n"},
    {"SELECT count(DISTINCT x), sum(DISTINCT x), avg(DISTINCT x), count(DISTINCT s), string_agg(DISTINCT s, ','), array_agg(DISTINCT x), count(DISTINCT (x, s)) FROM ft",
     "5|18|3.6000000000000000|4|a,b,c,d|{1,2,3,5,7,NULL}|6\n"},
    {"SELECT g, count(DISTINCT x), string_agg(DISTINCT s, '-' ORDER BY s DESC) FROM ft GROUP BY g ORDER BY g",
     "1|3|d-b-a\n2|2|c-a\n3|0|\n"},
    {"SELECT string_agg(s, ',' ORDER BY x DESC, s), array_agg(x ORDER BY x NULLS FIRST), array_agg(s ORDER BY x, s DESC), json_agg(n ORDER BY n), jsonb_agg(s ORDER BY g, x DESC) FROM ft",
     "c,d,b,b,a,a|{NULL,NULL,1,2,3,3,5,7}|{a,a,b,b,d,c,NULL,NULL}|[-7, 0.001, 1.5, 2.25, 3, 123456789012.123, null, null]|[\"d\", \"b\", \"b\", \"a\", null, \"c\", \"a\", null]\n"},
    {"SELECT string_agg(y, '|'::bytea ORDER BY x), array_agg(iv ORDER BY iv), array_agg(y ORDER BY y) FROM ft",
     "\\x027c7c017c0a0b|{\"-3 days\",02:00:00,\"1 day\",36:00:00,\"1 mon\",NULL,NULL,NULL}|{\"\\\\x\",\"\\\\x01\",\"\\\\x02\",\"\\\\x0a0b\",NULL,NULL,NULL,NULL}\n"},
    {"SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY x), percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_cont(0.9) WITHIN GROUP (ORDER BY f), percentile_cont(0.3) WITHIN GROUP (ORDER BY iv), percentile_disc(0.5) WITHIN GROUP (ORDER BY s), percentile_disc(0.9) WITHIN GROUP (ORDER BY n DESC) FROM ft",
     "2.25|3|5000000001.75|06:24:00|b|-7\n"},
    {"SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY x), percentile_disc(0) WITHIN GROUP (ORDER BY b), mode() WITHIN GROUP (ORDER BY s) FROM ft GROUP BY g ORDER BY g",
     "1|3|10|b\n2|4.5|-9000000000000000000|a\n3|||\n"},
    {"SELECT percentile_cont('{0,0.5,NULL,1}'::float8[]) WITHIN GROUP (ORDER BY x), percentile_disc('{0.1,0.9}'::float8[]) WITHIN GROUP (ORDER BY s), mode() WITHIN GROUP (ORDER BY x DESC) FROM ft",
     "{1,3,NULL,7}|{a,d}|3\n"},
    {"SELECT stddev(x), variance(x), stddev_pop(x), var_pop(x), stddev(b), var_pop(b) FROM ft",
     "2.1679483388678799|4.7000000000000000|1.9790570145063195|3.9166666666666667|5692099788303097438|27000000000000138888888886944444444498\n"},
    {"SELECT stddev(n), variance(n), stddev_pop(n), var_samp(n), stddev(f), var_pop(f) FROM ft",
     "50401023060.377373|2540263125532691767084.156197|46009628752.511249|2540263125532691767084.156197|4082482904.2916193|1.3888888886527779e+19\n"},
    {"SELECT g, stddev(x), variance(n), stddev_pop(f) FROM ft GROUP BY g ORDER BY g",
     "1|1.6329931618554521|0.56250000000000000000|1.2747548783981961\n2|3.5355339059327376|5080526251349309457528.607669|4714045208.146019\n3|||\n"},
    {"SELECT bit_and(x), bit_or(x), bit_xor(x), bit_and(b), bool_and(ok), bool_or(ok), every(x > 0) FROM ft",
     "0|7|1|0|f|t|t\n"},
    {"SELECT json_object_agg(s, x ORDER BY s, x) FILTER (WHERE s IS NOT NULL), jsonb_object_agg(s, x) FILTER (WHERE s IS NOT NULL), json_object_agg(x, iv ORDER BY x) FILTER (WHERE x IS NOT NULL) FROM ft",
     "{ \"a\" : 1, \"a\" : 2, \"b\" : 3, \"b\" : 3, \"c\" : 7, \"d\" : 5 }|{\"a\": 2, \"b\": 3, \"c\": 7, \"d\": 5}|{ \"1\" : \"02:00:00\", \"2\" : null, \"3\" : \"1 day\", \"3\" : null, \"5\" : \"36:00:00\", \"7\" : \"1 mon\" }\n"},
    {"SELECT count(*) FILTER (WHERE x > 2), sum(x) FILTER (WHERE s = 'b'), string_agg(s, ',' ORDER BY s) FILTER (WHERE ok), percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FILTER (WHERE g = 1) FROM ft",
     "4|6|a,b,d|3\n"},
    {"SELECT g, percentile_cont(g / 4.0) WITHIN GROUP (ORDER BY x) FROM ft GROUP BY g ORDER BY g",
     "1|2.5\n2|4.5\n3|\n"},
    {"SELECT sum(sum(x)) FROM ft",
     "ERROR 42803 12: aggregate function calls cannot be nested"},
    {"SELECT sum(x) FILTER (WHERE count(*) > 0) FROM ft",
     "ERROR 42803 29: aggregate functions are not allowed in FILTER"},
    {"SELECT percentile_cont(0.5) FROM ft",
     "ERROR 42883 8: function percentile_cont(numeric) does not exist"},
    {"SELECT percentile_cont(0.5, x) FROM ft",
     "ERROR 42809 8: WITHIN GROUP is required for ordered-set aggregate percentile_cont"},
    {"SELECT mode(x) FROM ft",
     "ERROR 42809 8: WITHIN GROUP is required for ordered-set aggregate mode"},
    {"SELECT sum(x) WITHIN GROUP (ORDER BY x) FROM ft",
     "ERROR 42883 8: function sum(integer, integer) does not exist"},
    {"SELECT string_agg(s) WITHIN GROUP (ORDER BY s) FROM ft",
     "ERROR 42809 8: string_agg is not an ordered-set aggregate, so it cannot have WITHIN GROUP"},
    {"SELECT string_agg(DISTINCT s, ',' ORDER BY x) FROM ft",
     "ERROR 42P10 44: in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list"},
    {"SELECT percentile_cont(x / 10.0) WITHIN GROUP (ORDER BY x) FROM ft",
     "ERROR 42803 24: column \"ft.x\" must appear in the GROUP BY clause or be used in an aggregate function"},
    {"SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY x) FROM ft",
     "ERROR 22003 0: percentile value 1.5 is not between 0 and 1"},
    {"SELECT stddev(s) FROM ft",
     "ERROR 42883 8: function stddev(text) does not exist"},
    {"SELECT sum('1')",
     "ERROR 42725 8: function sum(unknown) is not unique"},
    {"SELECT lower(DISTINCT s) FROM ft",
     "ERROR 42809 8: DISTINCT specified, but lower is not an aggregate function"},
    {"SELECT count(*) FILTER (WHERE x) FROM ft",
     "ERROR 42804 31: argument of FILTER must be type boolean, not type integer"},
    {"SELECT json_object_agg(s, x) FROM ft",
     "ERROR 22023 0: field name must not be null"},
    {"SELECT sum(x) FROM ft WHERE x > 2147483640 OR true HAVING sum(x) > 0",
     "21\n"},

};

static char tdir[64];
static Store *store;

/* Every record has the partition key "k": one shard of each stream holds them all, in order. */
static const char *record_payload(int i, char *buf, size_t n)
{
    UNUSED(buf);
    UNUSED(n);
    return records[i];
}

/* 20,000 rows: user u<i % 5000>, 300-byte texts: many groups, and more text than a small budget */
static const char *big_payload(int i, char *buf, size_t n)
{
    snprintf(buf, n, "{\"u\": \"u%d\", \"v\": %d, \"t\": \"%0300d\"}", i % 5000, i, i);
    return buf;
}

/* 24,000 rows for partial aggregation: g = i % 50, w = i % 3000 (3,000 groups), x an int (NULL every
 * 7th), f a float, ok a boolean, t a 400-byte text unique per row (24,000 groups of big keys). */
static const char *par_payload(int i, char *buf, size_t n)
{
    if (i % 7 == 0)
        snprintf(buf, n, "{\"g\": %d, \"w\": %d, \"f\": %d.25, \"ok\": %s, \"t\": \"%0200d%0200d\"}", i % 50,
                 i % 3000, i % 101, i % 5 ? "true" : "false", i, i);
    else
        snprintf(buf, n, "{\"g\": %d, \"w\": %d, \"x\": %d, \"f\": %d.25, \"ok\": %s, \"t\": \"%0200d%0200d\"}",
                 i % 50, i % 3000, i * 37 % 1000 - 500, i % 101, i % 5 ? "true" : "false", i, i);
    return buf;
}

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "opagg");
    ef_stream_create(store, "ft", 1);
    ef_append(store, "ft", 0, (int)(sizeof(records) / sizeof(records[0])), "k", record_payload);
    ef_stream_create(store, "big", 2);
    ef_append(store, "big", 0, 20000, "k", big_payload);
    ef_stream_create(store, "par", 4);
    ef_append(store, "par", 0, 24000, NULL, par_payload); /* keys k<i>: spread over the 4 shards */
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    ef_store_close(&store, tdir);
    return 0;
}

static SqlSession *open_session(SqlEngine **eng, size_t budget)
{
    SqlEngineConfig cfg = {.store = store, .query_mem_budget = budget};
    SqlSession *s = ef_session_open(&cfg, eng);
    assert_string_equal(run(s, "CREATE TABLE ft (g int, x int, b bigint, n numeric, f float8, s text, iv interval, y bytea, ok boolean) WITH (stream = 'ft', format = 'json')"), "");
    assert_string_equal(run(s, "CREATE TABLE big (u text, v int, t text) WITH (stream = 'big', format = 'json')"), "");
    return s;
}

/* Every case against PostgreSQL's answer. */
static void test_against_postgres(void **state)
{
    UNUSED(state);
    SqlEngine *eng = NULL;
    SqlSession *s = open_session(&eng, 0);
    int failed = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = run(s, cases[i].sql);
        if (strcmp(got, cases[i].want) != 0) {
            print_error("%s\n  want: %s\n  got:  %s\n", cases[i].sql, cases[i].want, got);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
    ef_session_close(&s, &eng);
}

/* Many groups: the hash table grows several times; every group is found again (counts add up, each
 * key once) and DISTINCT deduplicates across batches. */
static void test_many_groups(void **state)
{
    UNUSED(state);
    SqlEngine *eng = NULL;
    SqlSession *s = open_session(&eng, 0);
    assert_string_equal(run(s, "SELECT count(*), count(DISTINCT u), sum(v) FROM big"), "20000|5000|199990000\n");
    assert_string_equal(run(s, "SELECT count(*), min(n), max(n), sum(n) FROM (SELECT u, count(*) AS n FROM big GROUP BY u) g"),
                        "5000|4|4|20000\n");
    assert_string_equal(run(s, "SELECT u, count(*), sum(v), string_agg(v::text, ',' ORDER BY v DESC) FROM big "
                               "GROUP BY u ORDER BY count(*) DESC, u LIMIT 2"),
                        "u0|4|30000|15000,10000,5000,0\nu1|4|30004|15001,10001,5001,1\n");
    assert_string_equal(run(s, "SELECT v % 7 AS k, count(DISTINCT u) FROM big GROUP BY 1 ORDER BY 1 LIMIT 2"),
                        "0|2858\n1|2857\n");
    assert_string_equal(run(s, "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v), percentile_disc(0.25) WITHIN GROUP "
                               "(ORDER BY v DESC), mode() WITHIN GROUP (ORDER BY u) FROM big"),
                        "9999.5|15000|u0\n");
    ef_session_close(&s, &eng);
}

/* A query over its memory budget fails with 53200 (no crash, no leak under ASan) and the session
 * goes on: group keys, DISTINCT sets, kept ORDER BY rows and string_agg output all count. */
static void test_budget(void **state)
{
    UNUSED(state);
    SqlEngine *eng = NULL;
    SqlSession *s = open_session(&eng, (size_t)4 << 20);
    assert_string_equal(run(s, "SELECT count(*), sum(v) FROM big"), "20000|199990000\n");
    const char *over[] = {
        "SELECT t, count(*) FROM big GROUP BY t",
        "SELECT count(DISTINCT t) FROM big",
        "SELECT string_agg(t, ',') FROM big",
        "SELECT array_agg(t ORDER BY v) FROM big",
        "SELECT u, string_agg(t, ',' ORDER BY v) FROM big GROUP BY u",
        "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t) FROM big",
    };
    for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        const char *got = run(s, over[i]);
        if (strncmp(got, "ERROR 53200", 11) != 0)
            print_error("%s\n  got: %.200s\n", over[i], got);
        assert_true(strncmp(got, "ERROR 53200", 11) == 0);
    }
    assert_string_equal(run(s, "SELECT count(DISTINCT u) FROM big"), "5000\n");
    assert_string_equal(run(s, "SELECT count(*) FROM (SELECT u, count(*) FROM big GROUP BY u) g"), "5000\n");
    ef_session_close(&s, &eng);
}

/* Partial aggregation on the scan's two workers (op_agg.c agg_par_*) gives what the serial path gives:
 * one worker (everything on the consumer) against two, for every function that is merged, with and
 * without GROUP BY keys, over few and many groups; and under a budget too small for the partials, whose
 * workers then hand their batches to the consumer (SCAN_SINK_FULL), the answer is still whole. */
static void test_partial_aggregation(void **state)
{
    UNUSED(state);
    static const char *qs[] = {
        "SELECT count(*), count(x), sum(x), avg(x), min(x), max(x), min(f), max(f), bool_and(ok), bool_or(ok), "
        "bit_or(w), bit_and(w + 1), bit_xor(w), sum(w::bigint), avg(w::numeric), sum(x::numeric * 1.5) FROM par",
        "SELECT g, count(*), count(x), sum(x), avg(x), min(x), max(x), min(f), max(f), bool_and(ok), bool_or(ok), "
        "sum(w::bigint) FROM par GROUP BY g ORDER BY g",
        "SELECT count(*), sum(n), min(n), max(n), sum(sx) FROM (SELECT w, count(*) AS n, sum(x) AS sx FROM par "
        "GROUP BY w) q",
        "SELECT w % 7, g % 3, count(*), max(x) FROM par WHERE x > 0 GROUP BY 1, 2 ORDER BY 1, 2",
        "SELECT count(*), min(x) FROM par WHERE g < 0",
        "SELECT g, count(*) FROM par WHERE g < 0 GROUP BY g",
        /* not merged (float sum, DISTINCT, FILTER, string min): the consumer aggregates, same answers */
        "SELECT g, sum(f), count(DISTINCT w), count(*) FILTER (WHERE ok), min(t) < max(t) FROM par GROUP BY g "
        "ORDER BY g LIMIT 5",
    };
    char *want[sizeof(qs) / sizeof(qs[0])];
    SqlEngine *eng = NULL;
    SqlEngineConfig cfg = {.store = store, .n_workers = 1};
    SqlSession *s = ef_session_open(&cfg, &eng);
    assert_string_equal(run(s, "CREATE TABLE par (g int, w int, x int, f float8, ok boolean, t text) WITH (stream = 'par')"), "");
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        want[i] = strdup(run(s, qs[i]));
        assert_non_null(want[i]);
        assert_true(strncmp(want[i], "ERROR", 5) != 0);
    }
    ef_session_close(&s, &eng);
    cfg.n_workers = 2;
    s = ef_session_open(&cfg, &eng);
    /* engines without a data directory keep table definitions in memory: define it again */
    assert_string_equal(run(s, "CREATE TABLE par (g int, w int, x int, f float8, ok boolean, t text) WITH (stream = 'par')"), "");
    int failed = 0;
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        const char *got = run(s, qs[i]);
        if (strcmp(got, want[i]) != 0) {
            print_error("%s\n  want: %.400s\n  got:  %.400s\n", qs[i], want[i], got);
            failed++;
        }
    }
    /* an error in a worker's partial aggregation (here the argument overflows) is the query's error */
    const char *ovf = run(s, "SELECT g, sum(x::bigint * 4611686018427387904) FROM par GROUP BY g");
    assert_int_equal(strncmp(ovf, "ERROR 22003", 11), 0);
    assert_string_equal(run(s, qs[0]), want[0]); /* and the session goes on */
    /* the scan still counts every row it produced for EXPLAIN ANALYZE, those the workers folded too */
    const char *ex = run(s, "EXPLAIN ANALYZE SELECT g, count(*) FROM par GROUP BY g");
    assert_non_null(strstr(ex, "24000 records read, 2 workers"));
    assert_non_null(strstr(ex, "rows=24000 loops=1"));
    assert_non_null(strstr(ex, "rows=50 loops=1"));
    /* 24,000 groups with 400-byte keys overflow the partials under this budget: the workers fall back */
    const char *big = "SELECT count(*), sum(n), min(n), max(n), min(sx), max(sx) FROM "
                      "(SELECT t, count(*) AS n, sum(x) AS sx FROM par GROUP BY t) q";
    char *big_want = strdup(run(s, big));
    assert_non_null(big_want);
    assert_int_equal(strncmp(big_want, "24000|24000|1|1|", 16), 0);
    ef_session_close(&s, &eng);
    cfg.query_mem_budget = (size_t)125 << 20;
    s = ef_session_open(&cfg, &eng);
    assert_string_equal(run(s, "CREATE TABLE par (g int, w int, x int, f float8, ok boolean, t text) WITH (stream = 'par')"), "");
    assert_string_equal(run(s, big), big_want);
    assert_string_equal(run(s, qs[1]), want[1]);
    ef_session_close(&s, &eng);
    free(big_want);
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        free(want[i]);
    assert_int_equal(failed, 0);
}

/* The accumulator interface window functions use: running values, reset, string reuse, errors. */
static void test_accumulator(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlFormatOpts fmt;
    sql_format_opts_default(&fmt);
    ExecCtx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.arena = a;
    ctx.err = &err;
    ctx.fmt = &fmt;
    Expr arg_i = {.kind = EXPR_COL, .type = SQL_TYPE(SQL_INT8)};
    Expr arg_t = {.kind = EXPR_COL, .type = SQL_TYPE(SQL_TEXT)};
    Expr *ai = &arg_i, *at[2] = {&arg_t, &arg_t};
    AggCall sum = {.fn = AGG_SUM_BIGINT, .arg = ai, .type = SQL_TYPE(SQL_NUMERIC), .args = &ai, .n_args = 1};
    AggCall sagg = {.fn = AGG_STRING_AGG, .arg = at[0], .type = SQL_TYPE(SQL_TEXT), .args = at, .n_args = 2};
    AggCall mx = {.fn = AGG_MAX, .arg = at[0], .type = SQL_TYPE(SQL_TEXT), .args = at, .n_args = 1};
    AggCall arr = {.fn = AGG_ARRAY_AGG, .arg = at[0], .type = SQL_TYPE(SQL_ARRAY_OF(SQL_TEXT)), .args = at, .n_args = 1};
    AggAcc *s1 = NULL, *s2 = NULL, *s3 = NULL, *s4 = NULL;
    assert_int_equal(agg_acc_create(&sum, a, &s1, &err), 0);
    assert_int_equal(agg_acc_create(&sagg, a, &s2, &err), 0);
    assert_int_equal(agg_acc_create(&mx, a, &s3, &err), 0);
    assert_int_equal(agg_acc_create(&arr, a, &s4, &err), 0);
    SqlValue out;
    assert_int_equal(agg_acc_final(s1, &ctx, a, &out), 0);
    assert_true(out.is_null); /* sum over no rows */
    const char *words[] = {"b", "", "a b", "c"};
    for (int i = 0; i < 4; i++) {
        SqlValue iv = {.type = SQL_TYPE(SQL_INT8), .u.i = INT64_MAX};
        SqlValue tv[2] = {{.type = SQL_TYPE(SQL_TEXT)}, {.type = SQL_TYPE(SQL_TEXT)}};
        tv[0].u.s = slice_from_cstr(words[i]);
        tv[1].u.s = slice_from_cstr("+");
        assert_int_equal(agg_acc_add(s1, &ctx, &iv), 0);
        assert_int_equal(agg_acc_add(s2, &ctx, tv), 0);
        assert_int_equal(agg_acc_add(s3, &ctx, tv), 0);
        assert_int_equal(agg_acc_add(s4, &ctx, tv), 0);
    }
    char txt[64];
    assert_int_equal(agg_acc_final(s1, &ctx, a, &out), 0);
    sql_numeric_format(&out.u.num, txt);
    assert_string_equal(txt, "36893488147419103228"); /* 4 * (2^63 - 1): past bigint, exact */
    assert_int_equal(agg_acc_final(s2, &ctx, a, &out), 0);
    assert_int_equal((int)out.u.s.n, 8);
    assert_memory_equal(out.u.s.p, "b++a b+c", 8);
    assert_int_equal(agg_acc_final(s3, &ctx, a, &out), 0);
    assert_memory_equal(out.u.s.p, "c", 1);
    assert_int_equal(agg_acc_final(s4, &ctx, a, &out), 0);
    assert_int_equal((int)out.u.s.n, (int)strlen("{b,\"\",\"a b\",c}"));
    assert_memory_equal(out.u.s.p, "{b,\"\",\"a b\",c}", out.u.s.n);
    /* reset: a new frame */
    agg_acc_reset(s2);
    agg_acc_reset(s3);
    assert_int_equal(agg_acc_final(s2, &ctx, a, &out), 0);
    assert_true(out.is_null);
    SqlValue tv[2] = {{.type = SQL_TYPE(SQL_TEXT)}, {.type = SQL_TYPE(SQL_TEXT)}};
    tv[0].u.s = slice_from_cstr("a");
    tv[1].u.s = slice_from_cstr("+");
    assert_int_equal(agg_acc_add(s2, &ctx, tv), 0);
    assert_int_equal(agg_acc_add(s3, &ctx, tv), 0);
    assert_int_equal(agg_acc_final(s2, &ctx, a, &out), 0);
    assert_memory_equal(out.u.s.p, "a", 1);
    assert_int_equal(agg_acc_final(s3, &ctx, a, &out), 0);
    assert_int_equal((int)out.u.s.n, 1);
    assert_memory_equal(out.u.s.p, "a", 1);
    /* sum(int4) overflow is bigint's */
    AggCall si = {.fn = AGG_SUM_INT, .arg = ai, .type = SQL_TYPE(SQL_INT8), .args = &ai, .n_args = 1};
    AggAcc *s5 = NULL;
    assert_int_equal(agg_acc_create(&si, a, &s5, &err), 0);
    SqlValue big = {.type = SQL_TYPE(SQL_INT8), .u.i = INT64_MAX};
    assert_int_equal(agg_acc_add(s5, &ctx, &big), 0);
    assert_int_not_equal(agg_acc_add(s5, &ctx, &big), 0);
    assert_string_equal(err.sqlstate, "22003");
    /* buffered aggregates are OP_AGG's only */
    AggCall d = sum;
    d.distinct = 1;
    AggAcc *s6 = NULL;
    memset(&err, 0, sizeof(err));
    assert_int_not_equal(agg_acc_create(&d, a, &s6, &err), 0);
    assert_string_equal(err.sqlstate, "0A000");
    agg_acc_destroy(&s1);
    agg_acc_destroy(&s2);
    agg_acc_destroy(&s3);
    agg_acc_destroy(&s4);
    agg_acc_destroy(&s5);
    assert_null(s1);
    arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_postgres),
        cmocka_unit_test(test_many_groups),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_accumulator),
        cmocka_unit_test(test_partial_aggregation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
