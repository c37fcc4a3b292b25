/*
 * test_bind_expr.c: unit tests of src/exec/bind_expr.c through the engine in process (prepare, bind,
 * fetch, text output): SIMILAR TO binding, numeric literals past weir's 38-digit numeric that the
 * context turns into floats, and function calls in named notation. Expected outputs and error
 * positions are PostgreSQL 15's for the same statements (psql -At); where weir's numeric range makes
 * it differ from PostgreSQL, the comment says so.
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

/* x SIMILAR TO p [ESCAPE e] is x ~ similar_to_escape(p[, e]); NOT SIMILAR TO is !~. */
static void test_similar_to(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT 'abc' SIMILAR TO 'a%', 'abc' NOT SIMILAR TO 'a%', 'abc' SIMILAR TO '(b|a)_c', "
                                  "'a%c' SIMILAR TO 'a#%c' ESCAPE '#', 'abc' SIMILAR TO 'a#%c' ESCAPE '#', "
                                  "NULL SIMILAR TO 'a', 'x' SIMILAR TO NULL"),
                        "t|f|t|t|f||\n");
    /* a pattern per row */
    assert_string_equal(run(sess, "SELECT x SIMILAR TO p FROM (VALUES ('abc', 'a%'), ('abc', '_b'), "
                                  "('/product/1', '/(product|api)/%')) v(x, p)"),
                        "t\nf\nt\n");
    /* a constant pattern is translated at bind time, as PostgreSQL's planner folds it: its error comes
     * even when no row is read */
    assert_string_equal(run(sess, "SELECT x SIMILAR TO 'a' ESCAPE 'xy' FROM (VALUES ('a')) v(x) WHERE false"),
                        "ERROR 22025 10: invalid escape string");
    /* PostgreSQL names the function pg_catalog.similar_to_escape here (the grammar qualifies it) */
    assert_string_equal(run(sess, "SELECT 'abc' SIMILAR TO 1"), "ERROR 42883 14: function similar_to_escape(integer) does not exist");
}

/* Numeric literals weir's numeric cannot hold become floats where the context asks for one. */
static void test_big_numeric_literals(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT 1e300::float8 * 10, -1e300::float8, 1e-50::float8, 1e-40::real"),
                        "1e+301|-1e+300|1e-50|1e-40\n");
    /* implicit coercions: the comparison and greatest() resolve to float8, and the literal follows */
    assert_string_equal(run(sess, "SELECT 'NaN'::float8 > 1e308, 'Infinity'::float8 > 1e308, 1.7e308::float8 < 1e308, "
                                  "'-0'::float8 = 0, greatest(1::float8, 1e308)"),
                        "t|t|f|t|1e+308\n");
    assert_string_equal(run(sess, "SELECT x FROM (VALUES (1::float8), (1e300)) v(x)"), "1\n1e+300\n");
    /* more than 38 digits, read as the float they round to */
    assert_string_equal(run(sess, "SELECT 123456789012345678901234567890123456789012345::float8, "
                                  "1.23456789012345678901234567890123456789012345::float8"),
                        "1.2345678901234567e+44|1.2345678901234567\n");
    /* literals that fit stay numeric */
    assert_string_equal(run(sess, "SELECT 0.1::float8 + 0.2::float8, 1.5 + 1"), "0.30000000000000004|2.5\n");
    /* out of the float's range: PostgreSQL's 22003 (its message quotes the literal's numeric text) */
    assert_string_equal(run(sess, "SELECT 1e400::float8"),
                        "ERROR 22003 8: \"1e400\" is out of range for type double precision");
    assert_string_equal(run(sess, "SELECT 1e-50::real"), "ERROR 22003 8: \"1e-50\" is out of range for type real");
    /* weir-only: PostgreSQL answers these exactly; past 38 digits weir fails with 22003 (at bind time when
     * the literal is converted to another type, when evaluated when it stays numeric) */
    assert_string_equal(run(sess, "SELECT 1e300::int8"), "ERROR 22003 8: value overflows numeric format");
    assert_string_equal(run(sess, "SELECT 1 + 1e300"), "ERROR 22003 0: value overflows numeric format");
    assert_string_equal(run(sess, "SELECT 1e300"), "ERROR 22003 0: value overflows numeric format");
    assert_string_equal(run(sess, "SELECT 1e300 WHERE false"), "");
}

/* f(a, name => x, name := y): named arguments matched to PostgreSQL's parameter names, defaults filled. */
static void test_named_arguments(void **state)
{
    UNUSED(state);
    assert_string_equal(run(sess, "SELECT make_interval(days => 3, hours => 4), make_interval(1, days => 3), "
                                  "make_interval(secs => 30.5), make_interval(weeks := 2), make_interval()"),
                        "3 days 04:00:00|1 year 3 days|00:00:30.5|14 days|00:00:00\n");
    assert_string_equal(run(sess, "SELECT make_interval(years => 1, months => 13, secs => 30.5)"),
                        "2 years 1 mon 00:00:30.5\n");
    /* unknown literals take the parameter's type */
    assert_string_equal(run(sess, "SELECT make_interval(secs => '2.5'), make_interval(hours => '3')"),
                        "00:00:02.5|03:00:00\n");
    /* any order; the overload whose names fit (make_timestamptz with and without timezone) */
    assert_string_equal(run(sess, "SET TimeZone = 'UTC'"), "");
    assert_string_equal(run(sess, "SELECT make_timestamptz(2024, 3, 31, 2, 30, 0, timezone => 'Europe/Berlin'), "
                                  "make_timestamptz(year => 2024, month => 1, mday => 2, hour => 3, min => 4, sec => 5), "
                                  "make_date(day => 29, month => 2, year => 2020), make_time(hour => 1, min => 2, sec => 3.5)"),
                        "2024-03-31 01:30:00+00|2024-01-02 03:04:05+00|2020-02-29|01:02:03.5\n");
    assert_string_equal(run(sess, "SELECT jsonb_object_field(from_json => '{\"a\": 1}', field_name => 'a'), "
                                  "json_array_element_text(element_index => 1, from_json => '[1, \"x\"]')"),
                        "1|x\n");
    /* a named argument as the only reference to a column */
    assert_string_equal(run(sess, "SELECT make_interval(mins => m) FROM (VALUES (5), (NULL)) v(m)"), "00:05:00\n\n");
    /* PostgreSQL's errors and positions */
    assert_string_equal(run(sess, "SELECT make_interval(dayz => 3)"),
                        "ERROR 42883 8: function make_interval(dayz => integer) does not exist");
    assert_string_equal(run(sess, "SELECT make_interval(days => 3, days => 4)"),
                        "ERROR 42601 33: argument name \"days\" used more than once");
    assert_string_equal(run(sess, "SELECT make_interval(days => 3, 4)"),
                        "ERROR 42601 33: positional argument cannot follow named argument");
    assert_string_equal(run(sess, "SELECT make_interval(1, years => 3)"),
                        "ERROR 42883 8: function make_interval(integer, years => integer) does not exist");
    assert_string_equal(run(sess, "SELECT make_interval(days => 1.5)"),
                        "ERROR 42883 8: function make_interval(days => numeric) does not exist");
    assert_string_equal(run(sess, "SELECT upper(x => 'a')"), "ERROR 42883 8: function upper(x => unknown) does not exist");
    assert_string_equal(run(sess, "SELECT make_date(2020, 2, mday => 29)"),
                        "ERROR 42883 8: function make_date(integer, integer, mday => integer) does not exist");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_similar_to),
        cmocka_unit_test(test_big_numeric_literals),
        cmocka_unit_test(test_named_arguments),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
