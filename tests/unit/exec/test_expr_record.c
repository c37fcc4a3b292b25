/*
 * test_expr_record.c: unit tests of src/exec/expr_record.c (row values) through the engine in process:
 * ROW(...) printed as record_out prints it (NULL fields empty, quoting of empty strings, spaces,
 * quotes, backslashes, parentheses and commas), fields read back from that text after a subquery (the
 * EXPR_FIELD path) with their types, rows of rows, and the binder's errors for field selection. Expected
 * outputs are PostgreSQL 15's for the same statements (psql -At), except where a comment says weir
 * goes further.
 */
#include "engine_fixture.h"

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

static void test_row_output(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT ROW(1, 'a b', NULL, '', 'q\"u\\o', '(x,y)', 2.50, true)"),
                        "(1,\"a b\",,\"\",\"q\"\"u\\\\o\",\"(x,y)\",2.50,t)\n");
    assert_string_equal(ef_run(sess, "SELECT ROW('2024-03-01 10:00:00+00'::timestamptz, interval '1 day', "
                                     "'{1,2}'::int[], '{\"a\": 1}'::jsonb)"),
                        "(\"2024-03-01 10:00:00+00\",\"1 day\",\"{1,2}\",\"{\"\"a\"\": 1}\")\n");
    assert_string_equal(ef_run(sess, "SELECT ROW(1, 2) IS NULL, ROW(NULL, NULL) IS NULL, pg_typeof(ROW(1))"),
                        "f|t|record\n");
}

/* A row that went through a subquery's output is text: its fields are parsed back, with their types. */
static void test_fields_after_subquery(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (r).f2, (r).f5, (r).f3 IS NULL, (r).f4 = '', (r).f6, pg_typeof((r).f7), "
                                     "(r).f7, (r).f8 FROM (SELECT ROW(1, 'a b'::text, NULL::int, ''::text, "
                                     "'q\"u\\o'::text, '(x,y)'::text, 2.50, true) AS r) s"),
                        "a b|q\"u\\o|t|t|(x,y)|numeric|2.50|t\n");
    assert_string_equal(ef_run(sess, "SELECT (r).f1, (r).f3[2], (r).f4 FROM (SELECT ROW('2024-03-01 10:00:00+00'::"
                                     "timestamptz, interval '1 day', '{1,2}'::int[], '{\"a\": 1}'::jsonb) AS r) s"),
                        "2024-03-01 10:00:00+00|2|{\"a\": 1}\n");
    assert_string_equal(ef_run(sess, "SELECT r, (r).f1 + 1 FROM (SELECT ROW(g, g * 2) AS r FROM generate_series(1, 3) g) "
                                     "s ORDER BY 2"),
                        "(1,2)|2\n(2,4)|3\n(3,6)|4\n");
    /* a row of rows: PostgreSQL forgets the inner row's fields (42703); weir keeps them */
    assert_string_equal(ef_run(sess, "SELECT r, ((r).f1).f2 FROM (SELECT ROW(ROW(1, 'x y'), 3) AS r) s"),
                        "(\"(1,\"\"x y\"\")\",3)|x y\n");
}

static void test_field_errors(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT (1).x"),
                        "ERROR 42809 9: column notation .x applied to type integer, which is not a composite type");
    assert_string_equal(ef_run(sess, "SELECT (ROW(1)).f2"), "ERROR 42703 9: could not identify column \"f2\" in record data type");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_row_output),
        cmocka_unit_test(test_fields_after_subquery),
        cmocka_unit_test(test_field_errors),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
