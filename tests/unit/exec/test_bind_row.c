/*
 * test_bind_row.c: unit tests of src/exec/bind_row.c (row constructors in comparisons) through the
 * engine in process: = / <> / < <= > >= between rows with NULLs, IS [NOT] DISTINCT FROM, IN lists of
 * rows, BETWEEN, IS [NOT] NULL, rows over columns, aggregates and GROUP BY, and the errors PostgreSQL
 * gives (arity, operators that yield no boolean or have no row meaning, record against a scalar).
 * Expected outputs and error positions are PostgreSQL 15's for the same statements (psql -At).
 */
#include "engine_fixture.h"

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

/* = is the AND of the pairs, <> the OR; < <= > >= are decided by the first pair that is not equal, and
 * a NULL in a pair reached before that makes the answer NULL. */
static void test_row_compare_nulls(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (1,2) < (1,3), (1,2) = (1,NULL), (1,NULL) < (2,NULL), (1,NULL) < (1,2), "
                                     "(NULL,1) < (NULL,2), (1,2) <= (1,2), (1,2) < (1,2), (1,2) >= (1,2), "
                                     "(2,NULL) > (1,5), (1,2) <> (1,NULL), (1,2) <> (2,NULL)"),
                        "t||t|||t|f|t|t||t\n");
    /* over columns, every row */
    assert_string_equal(ef_run(sess, "SELECT a, b, (a, b) < (2, 'm'), (a, b) >= (2, 'm'), (a, b) = (2, 'm'), "
                                     "(a, b) <> (2, 'm') FROM (VALUES (1,'z'),(2,'a'),(2,'m'),(2,NULL),(NULL,'a'),"
                                     "(3,'a')) v(a,b) ORDER BY 1, 2"),
                        "1|z|t|f|f|t\n2|a|t|f|f|t\n2|m|f|t|t|f\n2|||||\n3|a|f|t|f|t\n|a|||f|t\n");
    /* each pair resolves its own operator (numeric, text, timestamp; NaN equals NaN); one item is just
     * the operator, whatever it is */
    assert_string_equal(ef_run(sess, "SELECT (1, 2.5) < (1::bigint, 3), ('b', 1) > ('a'::text, 9), "
                                     "('2024-01-01'::date, 1) < ('2024-01-01 00:00:01'::timestamp, 0), "
                                     "('NaN'::float8, 1) < ('NaN', 2), ROW('ab') ~~ ROW('a%')"),
                        "t|t|t|t|t\n");
}

static void test_row_distinct_in_between_null(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (1,2) IS DISTINCT FROM (1,NULL), (1,NULL) IS DISTINCT FROM (1,NULL), "
                                     "(1,NULL) IS NOT DISTINCT FROM (1,NULL), (NULL,2) IS NOT DISTINCT FROM (1,2)"),
                        "t|f|t|f\n");
    assert_string_equal(ef_run(sess, "SELECT (1,2) IN ((1,2),(3,NULL)), (1,2) IN ((3,NULL),(1,NULL)), "
                                     "(1,2) NOT IN ((3,NULL)), (1,2) NOT IN ((1,NULL)), (1,2) NOT IN ((1,3),(2,2))"),
                        "t||t||t\n");
    assert_string_equal(ef_run(sess, "SELECT (1,2) BETWEEN (1,1) AND (1,3), (1,2) BETWEEN (1,3) AND (2,0), "
                                     "(1,2) NOT BETWEEN (0,0) AND (1,NULL), (1,5) NOT BETWEEN (1,1) AND (1,3)"),
                        "t|f||t\n");
    /* IS NULL: every item NULL; IS NOT NULL: none NULL (so (1, NULL) is neither) */
    assert_string_equal(ef_run(sess, "SELECT (1,2) IS NULL, (NULL,NULL) IS NULL, (1,NULL) IS NULL, (1,2) IS NOT NULL, "
                                     "(1,NULL) IS NOT NULL, (NULL,NULL) IS NOT NULL, ROW(NULL) IS NULL"),
                        "f|t|f|t|f|f|t\n");
}

/* Items are ordinary expressions: aggregates and grouped columns work in them. */
static void test_row_with_aggregates(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT a, count(*) FROM (VALUES (1,1),(1,2),(2,1),(3,1),(3,1)) v(a,b) "
                                     "GROUP BY a HAVING (a, count(*)) > (1, 1) ORDER BY 1"),
                        "1|2\n2|1\n3|2\n");
    assert_string_equal(ef_run(sess, "SELECT a, (a, max(b)) = (3, 1) FROM (VALUES (1,1),(1,2),(2,1),(3,1),(3,1)) "
                                     "v(a,b) GROUP BY a ORDER BY 1"),
                        "1|f\n2|f\n3|t\n");
}

static void test_row_errors(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (1,2) = (1,2,3)"), "ERROR 42601 14: unequal number of entries in row expressions");
    assert_string_equal(ef_run(sess, "SELECT (1,2) IS DISTINCT FROM (1,2,3)"),
                        "ERROR 42601 14: unequal number of entries in row expressions");
    assert_string_equal(ef_run(sess, "SELECT (1,2) + (1,2)"),
                        "ERROR 42804 14: row comparison operator must yield type boolean, not type integer");
    assert_string_equal(ef_run(sess, "SELECT ('a','b') ~~ ('a','c')"),
                        "ERROR 0A000 18: could not determine interpretation of row comparison operator ~~");
    assert_string_equal(ef_run(sess, "SELECT (1,'a') = (1,2)"), "ERROR 22P02 11: invalid input syntax for type integer: \"a\"");
    assert_string_equal(ef_run(sess, "SELECT (1,2) < (1,'x'::text)"), "ERROR 42883 14: operator does not exist: integer < text");
    assert_string_equal(ef_run(sess, "SELECT (1,2) IN (1,2)"), "ERROR 42883 14: operator does not exist: record = integer");
    assert_string_equal(ef_run(sess, "SELECT 1 = (1,2)"), "ERROR 42883 10: operator does not exist: integer = record");
    /* a row compared with something else than a row: PostgreSQL's record comparison is not weir's */
    assert_string_equal(ef_run(sess, "SELECT (1,2) IS DISTINCT FROM NULL"),
                        "ERROR 0A000 14: IS DISTINCT FROM between a row constructor and a single value is not supported");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_compare_nulls),
        cmocka_unit_test(test_row_distinct_in_between_null),
        cmocka_unit_test(test_row_with_aggregates),
        cmocka_unit_test(test_row_errors),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
