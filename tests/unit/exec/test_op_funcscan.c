/*
 * test_op_funcscan.c: unit tests of src/exec/op_funcscan.c through the engine in process, for what the
 * plans of other tests do not reach: a set-returning function in a SELECT list (the child shape) whose
 * output spans several batches, with calls of several input batches and strings made per input row
 * (they must survive the input batch and the per-call arena), calls that end exactly at or across a
 * batch boundary, and the FROM shape next to it. Expected values are PostgreSQL 15's (psql -At).
 */
#include "engine_fixture.h"

/* The group's in-memory engine and session, opened by ef_run_group_tests (main). */
static SqlEngine *eng;
static SqlSession *sess;

static void test_project_set_batches(void **state)
{
    UNUSED(state);
    /* 3000 rows per input row: each call crosses a batch boundary */
    assert_string_equal(ef_run(sess, "SELECT x, count(*), sum(g), min(g), max(g) FROM (SELECT x, generate_series(1, 3000) "
                                     "AS g FROM (VALUES (1), (2)) v(x)) s GROUP BY x ORDER BY x"),
                        "1|3000|4501500|1|3000\n2|3000|4501500|1|3000\n");
    /* 5000 input rows in three batches, three strings each, made from the row */
    assert_string_equal(ef_run(sess, "SELECT count(*), count(DISTINCT u), min(u), max(u) FROM (SELECT unnest(ARRAY[g::text, "
                                     "'x' || g, NULL]) AS u FROM generate_series(1, 5000) g) s"),
                        "15000|10000|1|x999\n");
    /* 2048 = one batch exactly, then one more */
    assert_string_equal(ef_run(sess, "SELECT count(*), sum(v) FROM (SELECT generate_series(1, 1024) AS v FROM "
                                     "generate_series(1, 2) g) s"),
                        "2048|1049600\n");
    assert_string_equal(ef_run(sess, "SELECT count(*) FROM (SELECT generate_series(1, 2049) AS v) s"), "2049\n");
}

static void test_from_shape(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT e.x, e.n FROM information_schema._pg_expandarray(ARRAY[5, 6]) e(x, n)"),
                        "5|1\n6|2\n");
    assert_string_equal(ef_run(sess, "SELECT count(*), max(g) FROM generate_series(1, 5000) g"), "5000|5000\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_set_batches),
        cmocka_unit_test(test_from_shape),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
