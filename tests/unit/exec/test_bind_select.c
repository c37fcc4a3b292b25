/*
 * test_bind_select.c: unit tests of src/exec/bind_select.c through the engine: queries with no columns
 * (SELECT, SELECT FROM t, their set operations, grouping, ordering and subqueries), whose rows are
 * empty as in PostgreSQL, and the statement interface that tells them from statements without rows.
 * Expected rows are PostgreSQL 15's: a row of no columns is an empty line here (psql shows "--" and counts
 * it: "(3 rows)").
 */
#include "engine_fixture.h"

static SqlEngine *eng;
static SqlSession *sess;

static void test_no_columns(void **state)
{
    UNUSED(state);
    static const struct {
        const char *q, *want;
    } cases[] = {
        {"SELECT", "\n"},
        {"SELECT LIMIT 1", "\n"},
        {"SELECT LIMIT 0", ""},
        {"SELECT OFFSET 1", ""},
        {"SELECT WHERE true", "\n"},
        {"SELECT WHERE false", ""},
        {"SELECT UNION SELECT", "\n"},
        {"SELECT UNION ALL SELECT", "\n\n"},
        {"SELECT INTERSECT SELECT", "\n"},
        {"SELECT EXCEPT SELECT", ""},
        {"SELECT FROM (VALUES (1), (2), (3)) v", "\n\n\n"},
        {"SELECT FROM (VALUES (1), (2), (3)) v WHERE column1 > 1", "\n\n"},
        {"SELECT FROM (VALUES (1), (1), (3)) v GROUP BY column1", "\n\n"},
        {"SELECT FROM (VALUES (1), (1), (3)) v GROUP BY column1 HAVING count(*) > 1", "\n"},
        {"SELECT FROM (VALUES (1), (2), (3)) v ORDER BY column1 DESC LIMIT 2 OFFSET 1", "\n\n"},
        {"SELECT FROM (VALUES (1), (2)) v UNION SELECT FROM (VALUES (3)) w", "\n"},
        {"SELECT FROM (VALUES (1), (2)) v EXCEPT ALL SELECT FROM (VALUES (3)) w", "\n"},
        {"SELECT FROM (VALUES (1), (2)) v INTERSECT ALL SELECT FROM (VALUES (3)) w", "\n"},
        {"SELECT * FROM (SELECT) s", "\n"},
        {"SELECT *, 1 AS one FROM (SELECT) a, (SELECT) b", "1\n"},
        {"WITH c AS (SELECT) SELECT * FROM c", "\n"},
        {"SELECT * FROM (SELECT) a FULL JOIN (SELECT WHERE false) b ON true", "\n"},
        {"SELECT count(*) FROM (SELECT FROM (VALUES (1), (2)) v) s", "2\n"},
        {"SELECT row_number() OVER () FROM (SELECT FROM (VALUES (1), (2)) v) s", "1\n2\n"},
        {"SELECT EXISTS (SELECT), EXISTS (SELECT WHERE false)", "t|f\n"},
        {"SELECT FROM generate_series(1, 3)", "\n\n\n"},
        {"VALUES (1) UNION SELECT", "ERROR 42601 0: each UNION query must have the same number of columns"},
        {"SELECT (SELECT)", "ERROR 42601 8: subquery must return only one column"},
        {"SELECT 1 IN (SELECT)", "ERROR 42601 10: subquery has too few columns"},
        {"SELECT *", "ERROR 42601 8: SELECT * with no tables specified is not valid"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = ef_run(sess, cases[i].q);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s: \"%s\", expected \"%s\"", cases[i].q, got, cases[i].want);
    }
}

/* Whether a prepared statement returns rows and how many columns they have (the protocol sends a
 * RowDescription of no fields for SELECT, NoData for SET). */
static void test_returns_rows(void **state)
{
    UNUSED(state);
    static const struct {
        const char *q;
        int rows;
        size_t cols;
    } cases[] = {
        {"SELECT", 1, 0},
        {"SELECT FROM (VALUES (1)) v", 1, 0},
        {"SELECT * FROM (SELECT) s", 1, 0},
        {"SELECT 1, 2", 1, 2},
        {"SET application_name = 'x'", 0, 0},
        {"BEGIN", 0, 0},
        {"", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SqlError err;
        memset(&err, 0, sizeof(err));
        SqlStmt *st = NULL;
        int rc = sql_prepare(sess, cases[i].q, 0, strlen(cases[i].q), NULL, 0, &st, &err);
        if (rc)
            fail_msg("%s: %s %s", cases[i].q, err.sqlstate, err.message);
        if (sql_stmt_returns_rows(st) != cases[i].rows || sql_stmt_n_columns(st) != cases[i].cols)
            fail_msg("%s: returns rows %d with %zu columns", cases[i].q, sql_stmt_returns_rows(st),
                     sql_stmt_n_columns(st));
        sql_stmt_destroy(&st);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_columns),
        cmocka_unit_test(test_returns_rows),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
