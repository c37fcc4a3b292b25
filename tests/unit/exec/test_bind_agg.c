/*
 * test_bind_agg.c: unit tests of src/exec/bind_agg.c through the engine: which queries aggregate (an
 * aggregate in a window definition, inline or in WINDOW, or in ORDER BY, makes the query an aggregating
 * one, as in PostgreSQL) and the structural equality of bound expressions that matches ORDER BY and
 * GROUP BY expressions to computed ones (two different window calls, or two different outer columns,
 * are never the same). Expected rows and errors are PostgreSQL 15's (psql -At).
 */
#include "engine_fixture.h"

static SqlEngine *eng;
static SqlSession *sess;

#define V "(VALUES (1, 10), (2, 20), (3, 20)) v(x, y)"

static void check(const char *q, const char *want)
{
    const char *got = ef_run(sess, q);
    if (strcmp(got, want) != 0)
        fail_msg("%s: \"%s\", expected \"%s\"", q, got, want);
}

static void test_aggregates_in_windows(void **state)
{
    UNUSED(state);
    /* one row: the window runs over the single group */
    check("SELECT rank() OVER (ORDER BY count(*)) FROM " V, "1\n");
    check("SELECT rank() OVER (PARTITION BY max(y) ORDER BY min(x)) FROM " V, "1\n");
    check("SELECT rank() OVER w FROM " V " WINDOW w AS (ORDER BY sum(x))", "1\n");
    check("SELECT count(*) OVER w, max(y) FROM " V " WINDOW w AS (PARTITION BY max(y))", "1|20\n");
    /* a WINDOW definition counts even when no call uses it */
    check("SELECT 1 FROM " V " WINDOW w AS (ORDER BY sum(x))", "1\n");
    /* and so does ORDER BY */
    check("SELECT 1 FROM " V " ORDER BY sum(x)", "1\n");
    check("SELECT sum(max(x)) OVER (PARTITION BY max(y)) FROM " V, "3\n");
    /* over no rows an aggregating query still has its one row */
    check("SELECT row_number() OVER (PARTITION BY sum(x)) FROM " V " WHERE false", "1\n");
    /* per group */
    check("SELECT y, sum(count(*)) OVER (ORDER BY max(x)), count(*) FROM " V " GROUP BY y ORDER BY y",
          "10|1|1\n20|3|2\n");
    /* a bare column next to an aggregate in the window is PostgreSQL's 42803 */
    check("SELECT sum(x) OVER (PARTITION BY max(y)) FROM " V,
          "ERROR 42803 12: column \"v.x\" must appear in the GROUP BY clause or be used in an aggregate function");
    check("SELECT sum(x) OVER w FROM " V " WINDOW w AS (PARTITION BY y ORDER BY max(x))",
          "ERROR 42803 12: column \"v.x\" must appear in the GROUP BY clause or be used in an aggregate function");
    check("SELECT x FROM " V " ORDER BY sum(x)",
          "ERROR 42803 8: column \"v.x\" must appear in the GROUP BY clause or be used in an aggregate function");
    /* an aggregate in a window's FILTER is refused, as in PostgreSQL */
    check("SELECT count(*) FILTER (WHERE max(x) > 1) OVER () FROM " V,
          "ERROR 42803 31: aggregate functions are not allowed in FILTER");
    /* window calls without aggregates stay per row */
    check("SELECT x, sum(x) OVER (PARTITION BY y) FROM " V " ORDER BY x", "1|1\n2|5\n3|5\n");
}

static void test_expressions_equal(void **state)
{
    UNUSED(state);
    /* ORDER BY row_number() OVER (ORDER BY x) is the second call (b), not the first one (a) that has the
     * same arguments */
    check("SELECT x, row_number() OVER (ORDER BY x DESC) AS a, row_number() OVER (ORDER BY x) AS b FROM " V
          " ORDER BY row_number() OVER (ORDER BY x)",
          "1|3|1\n2|2|2\n3|1|3\n");
    check("SELECT x, rank() OVER (ORDER BY y) AS a, rank() OVER (ORDER BY y DESC) AS b FROM " V
          " ORDER BY rank() OVER (ORDER BY y DESC), x",
          "2|2|1\n3|2|1\n1|1|3\n");
    /* two columns of the enclosing query in a subquery's GROUP BY: o.y is the second key, not the first */
    check("SELECT (SELECT o.y FROM (VALUES (1)) i(z) GROUP BY o.x, o.y) FROM (VALUES (1, 2)) o(x, y)", "2\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aggregates_in_windows),
        cmocka_unit_test(test_expressions_equal),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
