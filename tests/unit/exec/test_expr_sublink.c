/*
 * test_expr_sublink.c: unit tests of src/exec/expr_sublink.c (subqueries in expressions) through the
 * engine in process, for the three-valued answers of [NOT] IN / ANY / ALL with NULLs on either side,
 * one column and rows ((a, b) IN (SELECT ...)), the sorted = ANY path (more than 8 rows) against the
 * general one, row comparisons with a one-row subquery ((a, b) op (SELECT ...): NULL without a row,
 * 21000 with two), correlated and memoized subqueries, subqueries under GROUP BY, and the column-count
 * errors. Expected outputs are PostgreSQL 15's for the same statements (psql -At).
 */
#include "engine_fixture.h"

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

/* Tested rows (x, y) against a subquery with a NULL in one of its rows. */
#define TESTED "FROM (VALUES (1,1),(1,2),(2,2),(3,3),(NULL,2),(2,NULL),(NULL,NULL)) t(x,y) ORDER BY 1, 2"

static void test_row_in_nulls(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) IN (SELECT a, b FROM (VALUES (1,1),(1,NULL),(2,2)) s(a,b)) " TESTED),
                        "1|1|t\n1|2|\n2|2|t\n2||\n3|3|f\n|2|\n||\n");
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) NOT IN (SELECT a, b FROM (VALUES (1,1),(1,NULL),(2,2)) s(a,b)) " TESTED),
                        "1|1|f\n1|2|\n2|2|f\n2||\n3|3|t\n|2|\n||\n");
    /* against no rows: IN is FALSE, NOT IN TRUE, whatever the tested row holds */
    assert_string_equal(ef_run(sess, "SELECT (NULL, 1) IN (SELECT 1, 2 WHERE false), (NULL, 1) NOT IN (SELECT 1, 2 WHERE false)"),
                        "f|t\n");
}

/* More than 8 uncorrelated rows of one type per column: sorted once and binary-searched; a miss meets
 * the rows with a NULL, a tested NULL every row. */
static void test_sorted_path(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) IN (SELECT g, g * 2 FROM generate_series(1, 100) g "
                                     "UNION ALL SELECT 7, NULL::int) FROM (VALUES (1,2),(3,5),(7,14),(7,1),(8,NULL),"
                                     "(NULL,10),(NULL,11),(200,400)) t(x,y) ORDER BY 1, 2"),
                        "1|2|t\n3|5|f\n7|1|\n7|14|t\n8||\n200|400|f\n|10|\n|11|\n");
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) NOT IN (SELECT g, g * 2 FROM generate_series(1, 100) g) "
                                     "FROM (VALUES (1,2),(3,5),(8,NULL),(NULL,10),(200,NULL)) t(x,y) ORDER BY 1, 2"),
                        "1|2|f\n3|5|t\n8||\n200||t\n|10|\n");
    assert_string_equal(ef_run(sess, "SELECT x, x IN (SELECT g FROM generate_series(1, 20) g UNION ALL SELECT NULL::int), "
                                     "x NOT IN (SELECT g FROM generate_series(1, 20) g) FROM (VALUES (1),(5),(30),(NULL)) "
                                     "t(x) ORDER BY 1"),
                        "1|t|f\n5|t|f\n30||t\n||\n");
}

/* op ANY / ALL with a lexicographic row operator: ALL is TRUE over no rows. */
static void test_row_any_all(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) < ANY (SELECT a, b FROM (VALUES (1,5),(2,NULL)) s(a,b)), "
                                     "(x, y) < ALL (SELECT a, b FROM (VALUES (1,5),(2,NULL)) s(a,b)), "
                                     "(x, y) >= ALL (SELECT 1, 1 WHERE false) "
                                     "FROM (VALUES (0,9),(1,4),(1,5),(1,6),(2,0),(3,0)) t(x,y) ORDER BY 1, 2"),
                        "0|9|t|t|t\n1|4|t|t|t\n1|5|t|f|t\n1|6|t|f|t\n2|0||f|t\n3|0|f|f|t\n");
    assert_string_equal(ef_run(sess, "SELECT (1, 'x') IN (SELECT 1, 'x'), ('x', 1) = (SELECT 'x', 1), "
                                     "ROW(1) = ANY (SELECT 1), ROW(2) <> ALL (SELECT 1)"),
                        "t|t|t|t\n");
}

/* (a, b) op (SELECT ...): the comparison with the one row, NULL when there is none. */
static void test_row_compare_subquery(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) = (SELECT 1, 2), (x, y) < (SELECT 1, 2), "
                                     "(x, y) <> (SELECT 1, NULL::int), (x, y) > (SELECT 1, 2 WHERE false) "
                                     "FROM (VALUES (0,9),(1,2),(1,3),(NULL,1)) t(x,y) ORDER BY 1, 2"),
                        "0|9|f|t|t|\n1|2|t|f||\n1|3|f|f||\n|1|f|||\n");
    assert_string_equal(ef_run(sess, "SELECT (1,2) = (SELECT 1,2 UNION SELECT 3,4)"),
                        "ERROR 21000 0: more than one row returned by a subquery used as an expression");
}

/* Correlated row subqueries (memoized per enclosing row values), and subqueries under GROUP BY, whose
 * comparison reads the pseudo-row and not the grouped input. */
static void test_correlated_and_grouped(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) IN (SELECT a, b FROM (VALUES (1,1),(1,2),(2,2)) s(a,b) "
                                     "WHERE s.a = t.x) FROM (VALUES (1,1),(1,3),(2,2),(2,2),(3,3),(NULL,1)) t(x,y) "
                                     "ORDER BY 1, 2"),
                        "1|1|t\n1|3|f\n2|2|t\n2|2|t\n3|3|f\n|1|f\n");
    assert_string_equal(ef_run(sess, "SELECT x, y, (x, y) = (SELECT a, max(b) FROM (VALUES (1,1),(1,2),(2,2)) s(a,b) "
                                     "WHERE s.a = t.x GROUP BY a) FROM (VALUES (1,1),(1,2),(2,2),(3,3)) t(x,y) "
                                     "ORDER BY 1, 2"),
                        "1|1|f\n1|2|t\n2|2|t\n3|3|\n");
    assert_string_equal(ef_run(sess, "SELECT a, count(*) FROM (VALUES (1,1),(1,2),(2,1),(3,1),(3,1)) v(a,b) GROUP BY a "
                                     "HAVING (a, count(*)) IN (SELECT 1, 2 UNION ALL SELECT 3, 2) ORDER BY 1"),
                        "1|2\n3|2\n");
    assert_string_equal(ef_run(sess, "SELECT a, count(*) IN (SELECT 2), a = ANY (ARRAY[1, 3]), (a, count(*)) < (SELECT 2, 0) "
                                     "FROM (VALUES (1,1),(1,2),(2,1),(3,1),(3,1)) v(a,b) GROUP BY a ORDER BY 1"),
                        "1|t|t|t\n2|f|f|f\n3|t|t|f\n");
}

static void test_column_count_errors(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (1,2) IN (SELECT 1)"), "ERROR 42601 14: subquery has too few columns");
    assert_string_equal(ef_run(sess, "SELECT (1,2) IN (SELECT 1,2,3)"), "ERROR 42601 14: subquery has too many columns");
    assert_string_equal(ef_run(sess, "SELECT (1,2) = (SELECT 1)"), "ERROR 42601 14: subquery has too few columns");
    assert_string_equal(ef_run(sess, "SELECT 1 IN (SELECT 1, 2)"), "ERROR 42601 10: subquery has too many columns");
    assert_string_equal(ef_run(sess, "SELECT ARRAY(SELECT 1, 2)"), "ERROR 42601 8: subquery must return only one column");
    assert_string_equal(ef_run(sess, "SELECT (1,2) + ANY (SELECT 1,2)"),
                        "ERROR 42804 14: row comparison operator must yield type boolean, not type integer");
    assert_string_equal(ef_run(sess, "SELECT 1 + ANY (SELECT 1)"),
                        "ERROR 42804 10: op ANY/ALL (subquery) requires operator to yield boolean");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_in_nulls),
        cmocka_unit_test(test_sorted_path),
        cmocka_unit_test(test_row_any_all),
        cmocka_unit_test(test_row_compare_subquery),
        cmocka_unit_test(test_correlated_and_grouped),
        cmocka_unit_test(test_column_count_errors),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
