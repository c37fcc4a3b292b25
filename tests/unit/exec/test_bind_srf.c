/*
 * test_bind_srf.c: unit tests of src/exec/bind_srf.c (set-returning functions) through the engine in
 * process: generate_series, unnest and information_schema._pg_expandarray in a SELECT list (rows per
 * input row, none for an empty call, NULL arguments), the same call written twice, field selection on
 * _pg_expandarray's row directly and after a subquery, the catalog vectors (int2vector, oidvector) as
 * its argument, in FROM, and the errors: two different functions or one beside an aggregate (which
 * PostgreSQL runs and weir refuses), one in WHERE, _pg_expandarray outside information_schema. Expected
 * outputs are PostgreSQL 15's for the same statements (psql -At), except where a comment says otherwise.
 */
#include "engine_fixture.h"

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

static void test_select_list(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT generate_series(1, 3), 'x'"), "1|x\n2|x\n3|x\n");
    /* per input row; a call with no rows (or a NULL argument) drops its row */
    assert_string_equal(ef_run(sess, "SELECT x, generate_series(x, 3) FROM (VALUES (1), (3), (4), (NULL)) v(x) ORDER BY 1, 2"),
                        "1|1\n1|2\n1|3\n3|3\n");
    assert_string_equal(ef_run(sess, "SELECT x, unnest(a) FROM (VALUES (1, ARRAY['p q', NULL]), (2, '{}'::text[]), "
                                     "(3, NULL)) v(x, a) ORDER BY 1, 2"),
                        "1|p q\n1|\n");
    assert_string_equal(ef_run(sess, "SELECT g, generate_series(1, 0) FROM generate_series(1, 3) g"), "");
    /* in expressions, and the same call twice is one function */
    assert_string_equal(ef_run(sess, "SELECT unnest(ARRAY[1,2,3]) + 1, unnest(ARRAY[1,2,3]) * 10"), "2|10\n3|20\n4|30\n");
}

static void test_expandarray(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (information_schema._pg_expandarray(ARRAY['a', 'b'])).n, "
                                     "(information_schema._pg_expandarray(ARRAY['a', 'b'])).x"),
                        "1|a\n2|b\n");
    assert_string_equal(ef_run(sess, "SELECT k, (k).x, (k).n FROM (SELECT information_schema._pg_expandarray(ARRAY[10, "
                                     "NULL, 30]) AS k) s ORDER BY 3"),
                        "(10,1)|10|1\n(,2)||2\n(30,3)|30|3\n");
    assert_string_equal(ef_run(sess, "SELECT x, n FROM information_schema._pg_expandarray('7 8'::int2vector) ORDER BY n"),
                        "7|1\n8|2\n");
    /* JDBC's getBestRowIdentifier over pg_index, which weir keeps empty (PostgreSQL lists its catalogs'
     * indexes): it binds and returns nothing */
    assert_string_equal(ef_run(sess, "SELECT a.attname FROM pg_catalog.pg_attribute a JOIN (SELECT i.indrelid, "
                                     "information_schema._pg_expandarray(i.indkey) AS keys FROM pg_catalog.pg_index i) i "
                                     "ON (a.attnum = (i.keys).x AND a.attrelid = i.indrelid)"),
                        "");
}

/* int2vector and oidvector: space-separated text, subscripts from 0, elements of their type. */
static void test_vectors(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT '1 -2 3'::int2vector, ('1 -2 3'::int2vector)[0], ('1 -2 3'::int2vector)[2], "
                                     "('1 -2 3'::int2vector)[3], pg_typeof(('26 23'::oidvector)[1]), '26 23'::oidvector"),
                        "1 -2 3|1|3||oid|26 23\n");
    assert_string_equal(ef_run(sess, "SELECT unnest('5 6'::oidvector)"), "5\n6\n");
    assert_string_equal(ef_run(sess, "SELECT '1 x'::int2vector"), "ERROR 22P02 8: invalid input syntax for type smallint: \"x\"");
}

static void test_errors(void **state)
{
    UNUSED(state);
    /* PostgreSQL runs these (in lockstep; after the aggregate): weir says it does not */
    assert_string_equal(ef_run(sess, "SELECT generate_series(1, 2), generate_series(1, 3)"),
                        "ERROR 0A000 31: more than one set-returning function in a SELECT list is not supported");
    assert_string_equal(ef_run(sess, "SELECT count(*), generate_series(1, 2)"),
                        "ERROR 0A000 18: set-returning functions in the SELECT list of a query with aggregates, GROUP BY "
                        "or window functions are not supported");
    assert_string_equal(ef_run(sess, "SELECT 1 WHERE generate_series(1, 2) > 1"),
                        "ERROR 0A000 16: set-returning functions are not allowed in WHERE");
    assert_string_equal(ef_run(sess, "SELECT _pg_expandarray(ARRAY[1])"),
                        "ERROR 42883 8: function _pg_expandarray(integer[]) does not exist");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select_list),
        cmocka_unit_test(test_expandarray),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_errors),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
