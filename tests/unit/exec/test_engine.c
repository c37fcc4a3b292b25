/*
 * test_engine.c: the SQL engine end to end in process (engine.h): prepare, bind, fetch and text output,
 * over constant queries and over a table on a real store in a temp directory. Expected outputs are
 * PostgreSQL 15's (psql -At) for the same statements.
 */
#include "engine_fixture.h"

/* Rows as text, or "ERROR <sqlstate> <position>: <message>" (engine_fixture.h). */
static char *run(SqlSession *s, const char *q)
{
    return ef_run(s, q);
}

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

static void test_constants(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT 1"), "1\n");
    assert_string_equal(run(sess, "SELECT 1 + 2 * 3, 'a' || 'b', NULL, 7 / 2, 7.0 / 2"),
                        "7|ab||3|3.5000000000000000\n");
    assert_string_equal(run(sess, "SELECT CASE WHEN 1 > 2 THEN 'x' ELSE 'y' END, COALESCE(NULL, 5), NULLIF(3, 3)"),
                        "y|5|\n");
    assert_string_equal(run(sess, "SELECT 2 IN (1, 2), 3 NOT IN (1, 2), NULL::int IN (1), 4 BETWEEN 1 AND 3"),
                        "t|t||f\n");
    assert_string_equal(run(sess, "SELECT '42'::int + 1, CAST('2024-05-01' AS date)"), "43|2024-05-01\n");
    /* real * integer resolves to float4 * float8 -> float8, as in PostgreSQL (preferred type wins) */
    assert_string_equal(run(sess, "SELECT 0.1::real * 3"), "0.30000000447034836\n");
    assert_string_equal(run(sess, "SELECT current_date IS NOT NULL"), "t\n");
    assert_string_equal(run(sess, "SELECT current_user, current_database()"), "u|d\n");
    assert_string_equal(run(sess, "SELECT x FROM (VALUES (1)) v(x)"), "1\n");
}

static void test_errors(void **state)
{
    UNUSED(state);
    /* positions are 1-based characters, as PostgreSQL's ErrorResponse 'P' */
    assert_string_equal(run(sess, "SELECT 1 +"), "ERROR 42601 11: syntax error at end of input");
    assert_string_equal(run(sess, "SELECT 'abc'::int"), "ERROR 22P02 8: invalid input syntax for type integer: \"abc\"");
    assert_string_equal(run(sess, "SELECT 1 / 0"), "ERROR 22012 0: division by zero");
    assert_string_equal(run(sess, "SELECT nope"), "ERROR 42703 8: column \"nope\" does not exist");
    assert_string_equal(run(sess, "SELECT * FROM missing"), "ERROR 42P01 15: relation \"missing\" does not exist");
    assert_string_equal(run(sess, "SELECT 1 + 'a'::text"), "ERROR 42883 10: operator does not exist: integer + text");
}

/* Inputs the decode_json fuzzer found overflowing integer arithmetic in date/zone parsing (UBSan). */
static void test_absurd_datetimes(void **state)
{
    UNUSED(state);
    const char *qs[] = {"SELECT '022327684-004Th5hhhh'::timestamptz",
                        "SELECT '99999999999-01-01'::date",
                        "SELECT '2024-01-01 00:00:00+99999999999999'::timestamptz"};
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
        const char *r = run(sess, qs[i]);
        assert_true(strncmp(r, "ERROR 22", 8) == 0); /* a data exception, not a crash or a wrapped value */
    }
}

static void test_values_aggregates_sort(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "VALUES (1, 'a'), (2, 'b')"), "1|a\n2|b\n");
    assert_string_equal(run(sess, "SELECT count(*), sum(1), avg(2), min('x'), max(3)"), "1|1|2.0000000000000000|x|3\n");
    assert_string_equal(run(sess, "SELECT count(*) FROM (VALUES (1)) v"), "1\n");
    assert_string_equal(run(sess, "SELECT 1 LIMIT 0"), "");
    assert_string_equal(run(sess, "SELECT 5 AS a ORDER BY a DESC"), "5\n");
}

/* Subqueries in FROM and in expressions, CTEs and set operations, over VALUES (no stream needed). */
static void test_subqueries_ctes_setops(void **state)
{
    UNUSED(state);
    const char *t = "(VALUES (1, 'a'), (2, 'b'), (3, NULL), (NULL, 'd')) AS t(k, v)";
    char q[512];
    snprintf(q, sizeof(q), "SELECT k, v FROM %s WHERE k IN (SELECT 2 UNION SELECT 3) ORDER BY k", t);
    assert_string_equal(run(sess, q), "2|b\n3|\n");
    /* NOT IN with a NULL in the subquery is never TRUE (three-valued logic) */
    snprintf(q, sizeof(q), "SELECT count(*) FROM %s WHERE k NOT IN (SELECT NULL::int UNION ALL SELECT 1)", t);
    assert_string_equal(run(sess, q), "0\n");
    snprintf(q, sizeof(q), "SELECT count(*) FROM %s WHERE k NOT IN (SELECT 1)", t);
    assert_string_equal(run(sess, q), "2\n");
    /* IN over an empty subquery is FALSE even for a NULL key; = ANY over many values takes the sorted path */
    assert_string_equal(run(sess, "SELECT NULL::int IN (SELECT 1 WHERE false), 5 = ANY (SELECT * FROM (VALUES "
                                  "(1),(2),(3),(4),(5),(6),(7),(8),(9),(10)) x), 11 = ANY (SELECT * FROM (VALUES "
                                  "(1),(2),(3),(4),(5),(6),(7),(8),(9),(NULL::int)) x)"),
                        "f|t|\n");
    assert_string_equal(run(sess, "SELECT 3 > ALL (SELECT 1 UNION SELECT 2), 3 > ALL (SELECT 1 UNION SELECT 5)"),
                        "t|f\n");
    /* correlated: scalar and EXISTS, once per outer row */
    snprintf(q, sizeof(q),
             "SELECT k, (SELECT count(*) FROM %s WHERE t2.k <= t.k) AS le, EXISTS (SELECT 1 FROM (VALUES (2)) z(x) "
             "WHERE z.x = t.k) AS two FROM %s ORDER BY k NULLS FIRST",
             "(VALUES (1), (2), (3)) AS t2(k)", t);
    assert_string_equal(run(sess, q), "|0|f\n1|1|f\n2|2|t\n3|3|f\n");
    assert_string_equal(run(sess, "SELECT (SELECT 1 UNION SELECT 2)"),
                        "ERROR 21000 0: more than one row returned by a subquery used as an expression");
    assert_string_equal(run(sess, "SELECT (SELECT 1, 2)"), "ERROR 42601 8: subquery must return only one column");
    /* EXISTS / NOT EXISTS in WHERE run as semi / anti joins; a condition on the outer row alone inside
     * NOT EXISTS must not filter the outer rows (NOT EXISTS is true where it fails) */
    snprintf(q, sizeof(q),
             "SELECT k FROM %s WHERE EXISTS (SELECT 1 FROM (VALUES (2), (3), (3)) z(x) WHERE z.x = t.k) ORDER BY k", t);
    assert_string_equal(run(sess, q), "2\n3\n");
    snprintf(q, sizeof(q),
             "SELECT k FROM %s WHERE NOT EXISTS (SELECT 1 FROM (VALUES (2)) z(x) WHERE z.x = t.k AND t.k > 1) "
             "ORDER BY k NULLS FIRST",
             t);
    assert_string_equal(run(sess, q), "\n1\n3\n");
    /* DISTINCT ON keeps the first row of each key in ORDER BY order */
    assert_string_equal(run(sess, "SELECT DISTINCT ON (a) a, b FROM (VALUES (1, 'x'), (1, 'y'), (2, 'z')) v(a, b) "
                                  "ORDER BY a, b DESC"),
                        "1|y\n2|z\n");
    assert_string_equal(run(sess, "SELECT DISTINCT ON (a) a, b FROM (VALUES (1, 'x')) v(a, b) ORDER BY b"),
                        "ERROR 42P10 0: SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
    /* WITH: later CTEs see earlier ones */
    assert_string_equal(run(sess, "WITH a(x) AS (VALUES (1), (2)), b AS (SELECT x * 10 AS y FROM a) "
                                  "SELECT sum(y) FROM b"),
                        "30\n");
    /* set operations: common types, duplicates, ORDER BY over the result */
    assert_string_equal(run(sess, "SELECT 1 UNION SELECT 2.5 UNION SELECT 1 ORDER BY 1"), "1\n2.5\n");
    assert_string_equal(run(sess, "SELECT 'a' UNION ALL SELECT 'a' ORDER BY 1 DESC LIMIT 1"), "a\n");
    assert_string_equal(run(sess, "SELECT 1, 2 UNION SELECT 1"),
                        "ERROR 42601 0: each UNION query must have the same number of columns");
}

/* DECLARE / FETCH / MOVE / CLOSE: a forward-only cursor over its own portal, closed with the transaction */
static void test_cursors(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "DECLARE c CURSOR FOR SELECT 1"),
                        "ERROR 25P01 0: DECLARE CURSOR can only be used in transaction blocks");
    assert_string_equal(run(sess, "BEGIN"), "");
    assert_string_equal(run(sess, "DECLARE c CURSOR FOR SELECT x FROM (VALUES (1), (2), (3), (4), (5)) v(x) ORDER BY x"),
                        "");
    assert_string_equal(run(sess, "FETCH 2 FROM c"), "1\n2\n");
    assert_string_equal(run(sess, "MOVE 1 IN c"), "");
    assert_string_equal(run(sess, "FETCH ALL FROM c"), "4\n5\n");
    assert_string_equal(run(sess, "FETCH 1 FROM c"), "");
    assert_string_equal(run(sess, "FETCH BACKWARD 1 FROM c"),
                        "ERROR 0A000 0: cursors only move forward (FETCH [FORWARD] n | ALL)");
    assert_string_equal(run(sess, "ROLLBACK"), "");
    assert_string_equal(run(sess, "FETCH 1 FROM c"), "ERROR 34000 0: cursor \"c\" does not exist");
    assert_string_equal(run(sess, "BEGIN"), "");
    assert_string_equal(run(sess, "DECLARE d CURSOR WITH HOLD FOR SELECT 7"), "");
    assert_string_equal(run(sess, "COMMIT"), "");
    assert_string_equal(run(sess, "FETCH 5 FROM d"), "7\n"); /* WITH HOLD outlives the transaction */
    assert_string_equal(run(sess, "CLOSE d"), "");
    assert_string_equal(run(sess, "CLOSE d"), "ERROR 34000 0: cursor \"d\" does not exist");
    assert_string_equal(run(sess, "BEGIN"), "");
    assert_string_equal(run(sess, "DECLARE e CURSOR FOR SELECT 1"), "");
    assert_string_equal(run(sess, "DECLARE e CURSOR FOR SELECT 1"), "ERROR 42P03 0: cursor \"e\" already exists");
    assert_string_equal(run(sess, "ROLLBACK"), "");
}

/* generate_series and unnest in FROM; arguments may read the enclosing row (a correlated subquery) */
static void test_functions_in_from(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT * FROM generate_series(3, 1, -1)"), "3\n2\n1\n");
    assert_string_equal(run(sess, "SELECT count(*), sum(x) FROM generate_series(1, 5000) t(x)"), "5000|12502500\n");
    assert_string_equal(run(sess, "SELECT * FROM generate_series(1, 3, 0)"), "ERROR 22023 0: step size cannot equal zero");
    assert_string_equal(run(sess, "SELECT count(*) FROM generate_series(1, NULL::int)"), "0\n");
    assert_string_equal(run(sess, "SELECT * FROM generate_series('2024-01-01'::timestamp, '2024-01-01 12:00', '5 hours')"),
                        "2024-01-01 00:00:00\n2024-01-01 05:00:00\n2024-01-01 10:00:00\n");
    assert_string_equal(run(sess, "SELECT v FROM unnest(ARRAY['a', NULL, 'b c']) u(v)"), "a\n\nb c\n");
    assert_string_equal(run(sess, "SELECT x, (SELECT count(*) FROM unnest(ARRAY[x, x + 1, x + 2]) e WHERE e > 2) "
                                  "FROM (VALUES (1), (2)) v(x) ORDER BY x"),
                        "1|1\n2|2\n");
    assert_string_equal(run(sess, "SELECT * FROM unnest(1)"), "ERROR 42883 15: function unnest(integer) does not exist");
}

/* Arrays: constructors, subscripts, op ANY/ALL (array), ARRAY(subquery) */
static void test_arrays(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT ARRAY[1, 2, NULL], ARRAY['a b', 'NULL', '', 'q\"'], ARRAY[1, 2.5]"),
                        "{1,2,NULL}|{\"a b\",\"NULL\",\"\",\"q\\\"\"}|{1,2.5}\n");
    assert_string_equal(run(sess, "SELECT (ARRAY[10, 20, 30])[2], (ARRAY[10])[5], (ARRAY['x', 'y'])[1]"), "20||x\n");
    assert_string_equal(run(sess, "SELECT 2 = ANY (ARRAY[1, 2]), 3 = ANY (ARRAY[1, NULL]), 3 <> ALL (ARRAY[1, 2]), "
                                  "1 = ANY ('{}'::int[]), 'b' = ANY ('{a,b}')"),
                        "t||t|f|t\n");
    assert_string_equal(run(sess, "SELECT ARRAY(SELECT x FROM (VALUES (3), (1), (NULL::int)) v(x) ORDER BY x), "
                                  "ARRAY(SELECT 1 WHERE false)"),
                        "{1,3,NULL}|{}\n");
    assert_string_equal(run(sess, "SELECT (1)[1]"), "ERROR 42804 9: cannot subscript type integer because it does not "
                                                    "support subscripting");
}

static void test_settings(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SET TimeZone = 'UTC'"), "");
    assert_string_equal(run(sess, "SHOW timezone"), "UTC\n");
    assert_string_equal(run(sess, "SELECT '2024-05-01 12:00:00+02'::timestamptz"), "2024-05-01 10:00:00+00\n");
    assert_string_equal(run(sess, "BEGIN"), "");
    assert_int_equal(sql_session_txn_status(sess), 'T');
    assert_string_equal(run(sess, "COMMIT"), "");
    assert_int_equal(sql_session_txn_status(sess), 'I');
    /* an error inside a block fails it: only COMMIT/ROLLBACK are accepted until it ends */
    assert_string_equal(run(sess, "BEGIN"), "");
    assert_string_equal(run(sess, "SELECT nope"), "ERROR 42703 8: column \"nope\" does not exist");
    assert_int_equal(sql_session_txn_status(sess), 'E');
    assert_string_equal(run(sess, "SELECT 1"),
                        "ERROR 25P02 0: current transaction is aborted, commands ignored until end of transaction block");
    assert_string_equal(run(sess, "ROLLBACK"), "");
    assert_int_equal(sql_session_txn_status(sess), 'I');
    assert_string_equal(run(sess, "SELECT 1"), "1\n");
}

/* Parameter types are decided once, at prepare (what ParameterDescription reports), and a portal binds
 * the statement again from the same start: Bind and Execute use exactly those types. They once re-bound
 * from the inferred types, which resolved $1 || + $1 another way and failed at Bind with 42883. */
static void test_parameter_types_kept(void **state)
{
    UNUSED(state);
    const char *q = "SELECT + $1 AS a, abs($1) AS b, $1::text AS c";
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    assert_int_equal(sql_prepare(sess, q, 0, strlen(q), NULL, 0, &st, &err), WEIR_OK);
    /* PostgreSQL's ParameterDescription for it: 701 (the preferred type of the numeric candidates) */
    assert_int_equal(sql_stmt_n_params(st), 1);
    assert_int_equal(sql_stmt_param_type(st, 0).id, SQL_FLOAT8);
    sql_stmt_destroy(&st);
    const char *const params[] = {"-2.5"};
    assert_string_equal(ef_query(sess, q, params, 1, 0), "-2.5|2.5|-2.5\n");
    /* two places that want different types for $1: PostgreSQL's 42P08 at prepare, not a Bind failure */
    memset(&err, 0, sizeof(err));
    const char *q2 = "SELECT $1 || + $1";
    assert_int_equal(sql_prepare(sess, q2, 0, strlen(q2), NULL, 0, &st, &err), WEIR_ERROR);
    assert_string_equal(err.sqlstate, "42P08");
    assert_string_equal(err.message, "inconsistent types deduced for parameter $1");
    assert_string_equal(err.detail, "double precision versus text");
    assert_int_equal(err.position, 8);
    assert_string_equal(ef_query(sess, "SELECT $1, $1 + 1", params, 1, 0),
                        "ERROR 42P08 8: inconsistent types deduced for parameter $1");
    /* an output column still untyped at the end of the list is text, unless the list decided otherwise */
    const char *const two[] = {"4", "5"};
    assert_string_equal(ef_query(sess, "SELECT $1 + 1, $1, $2", two, 2, 0), "5|4|5\n");
}

/* --- a table over a stream ------------------------------------------------------------------------ */

static char tdir[64];
static Store *store;
static SqlEngine *seng;
static SqlSession *ssess;

/* 10 records over 2 shards; user 3 has a bad status */
static const char *clicks_payload(int i, char *buf, size_t n)
{
    snprintf(buf, n, "{\"user_id\": %d, \"url\": \"/p/%d\", \"status\": %s, \"bytes\": %d}", i % 4, i % 3,
             i == 3 ? "\"oops\"" : (i % 2 ? "404" : "200"), i * 100);
    return buf;
}

static int stream_setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "engine");
    ef_stream_create(store, "clicks", 2);
    ef_append(store, "clicks", 0, 10, NULL, clicks_payload);
    SqlEngineConfig cfg = {.store = store, .data_dir = tdir};
    ssess = ef_session_open(&cfg, &seng);
    return 0;
}

static int stream_teardown(void **state)
{
    UNUSED(state);
    ef_session_close(&ssess, &seng);
    ef_store_close(&store, tdir);
    return 0;
}

static void test_stream_table(void **state)
{
    UNUSED(state);
    assert_string_equal(run(ssess, "CREATE TABLE clicks (user_id int, url text, status int, bytes bigint) "
                                   "WITH (stream = 'clicks', format = 'json')"),
                        "");
    assert_string_equal(run(ssess, "CREATE TABLE clicks (x int) WITH (stream = 'clicks')"),
                        "ERROR 42P07 0: relation \"clicks\" already exists");
    assert_string_equal(run(ssess, "SELECT count(*), count(status), sum(bytes), min(url), max(user_id) FROM clicks"),
                        "10|9|4500|/p/0|3\n");
    assert_string_equal(run(ssess, "SELECT user_id, count(*), sum(bytes) FROM clicks GROUP BY user_id ORDER BY user_id"),
                        "0|3|1200\n1|3|1500\n2|2|800\n3|2|1000\n");
    assert_string_equal(run(ssess, "SELECT url, count(*) AS n FROM clicks WHERE status = 200 GROUP BY 1 "
                                   "ORDER BY n DESC, url LIMIT 2"),
                        "/p/0|2\n/p/2|2\n");
    assert_string_equal(run(ssess, "SELECT count(*) FROM clicks WHERE NOT _message_valid"), "1\n");
    /* under on_error = 'skip' the bad record is not a row, whatever the query reads */
    assert_string_equal(run(ssess, "CREATE TABLE clicks_skip (user_id int, status int) "
                                   "WITH (stream = 'clicks', format = 'json', on_error = 'skip')"),
                        "");
    assert_string_equal(run(ssess, "SELECT count(*) FROM clicks_skip"), "9\n");
    assert_string_equal(run(ssess, "SELECT count(user_id) FROM clicks_skip"), "9\n");
    assert_string_equal(run(ssess, "SELECT _partition_key, _message_length > 0, length(_sequence_number), "
                                   "_shard_id LIKE 'shardId-%' FROM clicks WHERE bytes = 300"),
                        "k3|t|56|t\n");
    assert_string_equal(run(ssess, "SELECT user_id, sum(bytes) FROM clicks GROUP BY user_id HAVING sum(bytes) > 1100 "
                                   "ORDER BY 2 DESC"),
                        "1|1500\n0|1200\n");
    assert_string_equal(run(ssess, "SELECT DISTINCT url FROM clicks ORDER BY url"), "/p/0\n/p/1\n/p/2\n");
    assert_string_equal(run(ssess, "SELECT DISTINCT user_id % 2 AS odd, url FROM clicks ORDER BY 1, 2 LIMIT 3"),
                        "0|/p/0\n0|/p/1\n0|/p/2\n");
    assert_string_equal(run(ssess, "SELECT DISTINCT url FROM clicks ORDER BY bytes"),
                        "ERROR 42P10 0: for SELECT DISTINCT, ORDER BY expressions must appear in select list");
    assert_string_equal(run(ssess, "SELECT url, bytes FROM clicks GROUP BY url"),
                        "ERROR 42803 13: column \"clicks.bytes\" must appear in the GROUP BY clause or be used in "
                        "an aggregate function");
    /* the definition survives an engine restart (the catalog is in sql.db) */
    ef_session_close(&ssess, &seng);
    SqlEngineConfig cfg = {.store = store, .data_dir = tdir};
    ssess = ef_session_open(&cfg, &seng);
    assert_string_equal(run(ssess, "SELECT count(*) FROM clicks"), "10\n");
    assert_string_equal(run(ssess, "DROP TABLE clicks"), "");
    assert_string_equal(run(ssess, "SELECT count(*) FROM clicks"), "ERROR 42P01 22: relation \"clicks\" does not exist");
    assert_string_equal(run(ssess, "DROP TABLE IF EXISTS clicks"), "");
}

/* A table defined again with other column types between Parse and Bind: the portal's plan no longer
 * answers what Describe promised, PostgreSQL's 0A000; defined again the same, it runs. */
static void test_plan_changed(void **state)
{
    UNUSED(state);
    const char *create = "CREATE TABLE c2 (user_id int) WITH (stream = 'clicks', format = 'json')";
    assert_string_equal(run(ssess, create), "");
    const char *q = "SELECT user_id FROM c2 WHERE user_id = 3";
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    assert_int_equal(sql_prepare(ssess, q, 0, strlen(q), NULL, 0, &st, &err), WEIR_OK);
    assert_string_equal(run(ssess, "DROP TABLE c2"), "");
    assert_string_equal(run(ssess, create), "");
    assert_int_equal(sql_bind(st, NULL, 0, &p, &err), WEIR_OK);
    sql_portal_destroy(&p);
    assert_string_equal(run(ssess, "DROP TABLE c2"), "");
    assert_string_equal(run(ssess, "CREATE TABLE c2 (user_id bigint) WITH (stream = 'clicks', format = 'json')"), "");
    assert_int_equal(sql_bind(st, NULL, 0, &p, &err), WEIR_ERROR);
    assert_string_equal(err.sqlstate, "0A000");
    assert_string_equal(err.message, "cached plan must not change result type");
    sql_stmt_destroy(&st);
    assert_string_equal(run(ssess, "DROP TABLE c2"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_absurd_datetimes),
        cmocka_unit_test(test_values_aggregates_sort),
        cmocka_unit_test(test_subqueries_ctes_setops),
        cmocka_unit_test(test_cursors),
        cmocka_unit_test(test_functions_in_from),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_parameter_types_kept),
    };
    const struct CMUnitTest stream_tests[] = {
        cmocka_unit_test(test_stream_table),
        cmocka_unit_test(test_plan_changed),
    };
    int rc = ef_run_group_tests(tests, &eng, &sess);
    return rc | cmocka_run_group_tests(stream_tests, stream_setup, stream_teardown);
}
