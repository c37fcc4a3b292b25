/*
 * test_depth.c: unit tests of src/exec/depth.c: the token bound on a parse tree's depth never below the
 * exact depth (over every nesting construct and random mixes of them), sql_parse_text refusing what
 * would overflow the stack with PostgreSQL's 54001 and passing bison's own 42601 through, and whole
 * statements through the engine: 200 levels of each construct work, far deeper ones fail cleanly, also
 * on a thread with a small stack (where the same statement must fail instead of crashing). Expected
 * values and errors are PostgreSQL 15's for the same statements.
 */
#include "engine_fixture.h"

#include <pg_query.h>
#include <pthread.h>

#include "exec/depth.h"

/* ---- statements of a given shape ---------------------------------------------------------------- */

typedef enum Shape {
    SH_PLUS,     /* SELECT +++...1 */
    SH_CHAIN,    /* SELECT 1 + 1 + ... + 1 (left-deep) */
    SH_NOT,      /* SELECT NOT NOT ... true */
    SH_CALL,     /* SELECT abs(abs(...-1)) */
    SH_SUB,      /* SELECT (SELECT (SELECT ... 7)) */
    SH_FROM,     /* SELECT * FROM (SELECT * FROM ... (VALUES (1)) v) s */
    SH_CASE,     /* SELECT CASE WHEN true THEN CASE ... 3 END END */
    SH_UNION,    /* SELECT 1 UNION ALL SELECT 1 ... */
    SH_CAST,     /* SELECT 1::int::int... */
    SH_PAREN,    /* SELECT ((((5)))) */
    SH_CONCAT,   /* SELECT 'a' || 'a' || ... */
    SH_COALESCE, /* SELECT coalesce(coalesce(...1)) */
    SH_ARRAY,    /* SELECT ARRAY[ARRAY[...]] (past 6 dimensions, PostgreSQL refuses by itself) */
    SH_JOIN,     /* SELECT 1 FROM (VALUES (1)) a0 JOIN (VALUES (1)) a1 ON true JOIN ... */
    SH_N
} Shape;

static void put(Buf *b, const char *s)
{
    assert_int_equal(buf_append_cstr(b, s), WEIR_OK);
}

static void put_n(Buf *b, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        put(b, s);
}

/* The statement of shape sh nested n levels, NUL-terminated in b (reset first). */
static const char *shape_sql(Buf *b, Shape sh, int n)
{
    buf_reset(b);
    switch (sh) {
    case SH_PLUS: put(b, "SELECT "), put_n(b, "+", n), put(b, "1"); break;
    case SH_CHAIN: put(b, "SELECT 1"), put_n(b, " + 1", n); break;
    case SH_NOT: put(b, "SELECT "), put_n(b, "NOT ", n), put(b, "true"); break;
    case SH_CALL: put(b, "SELECT "), put_n(b, "abs(", n), put(b, "-1"), put_n(b, ")", n); break;
    case SH_SUB: put(b, "SELECT "), put_n(b, "(SELECT ", n), put(b, "7"), put_n(b, ")", n); break;
    case SH_FROM:
        put(b, "SELECT * FROM "), put_n(b, "(SELECT * FROM ", n), put(b, "(VALUES (1)) v"), put_n(b, ") s", n);
        break;
    case SH_CASE:
        put(b, "SELECT "), put_n(b, "CASE WHEN true THEN ", n), put(b, "3"), put_n(b, " END", n);
        break;
    case SH_UNION: put(b, "SELECT 1"), put_n(b, " UNION ALL SELECT 1", n); break;
    case SH_CAST: put(b, "SELECT 1"), put_n(b, "::int", n); break;
    case SH_PAREN: put(b, "SELECT "), put_n(b, "(", n), put(b, "5"), put_n(b, ")", n); break;
    case SH_CONCAT: put(b, "SELECT 'a'"), put_n(b, " || 'a'", n); break;
    case SH_COALESCE: put(b, "SELECT "), put_n(b, "coalesce(", n), put(b, "1"), put_n(b, ")", n); break;
    case SH_ARRAY: put(b, "SELECT "), put_n(b, "ARRAY[", n), put(b, "1"), put_n(b, "]", n); break;
    case SH_JOIN:
        put(b, "SELECT 1 FROM (VALUES (1)) a");
        for (int i = 0; i < n; i++) {
            char t[64];
            snprintf(t, sizeof(t), " JOIN (VALUES (1)) a%d ON true", i);
            put(b, t);
        }
        break;
    default: fail();
    }
    return (const char *)b->p;
}

/* A random expression of about depth levels mixing the constructs above (and AND/OR, IN lists, CASE
 * with several branches, window calls, set operations), from a fixed seed: the bound must hold for
 * mixes, not only for each construct alone. */
static uint64_t rnd_state;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13, rnd_state ^= rnd_state >> 7, rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

static void rnd_expr(Buf *b, int depth)
{
    static const char *const leaves[] = {"1", "x", "'a'", "t.x", "$1", "1.5", "NULL", "true"};
    if (depth <= 0) {
        put(b, leaves[rnd(8)]);
        return;
    }
    int d = depth - 1;
    switch (rnd(22)) {
    case 0: rnd_expr(b, d), put(b, " + "), rnd_expr(b, d); break;
    case 1: put(b, "- "), rnd_expr(b, d); break;
    case 2: put(b, "("), rnd_expr(b, d), put(b, ")"); break;
    case 3: put(b, "abs("), rnd_expr(b, d), put(b, ")"); break;
    case 4: put(b, "(SELECT "), rnd_expr(b, d), put(b, ")"); break;
    case 5: put(b, "NOT "), rnd_expr(b, d); break;
    case 6: rnd_expr(b, d), put(b, rnd(2) ? " AND " : " OR "), rnd_expr(b, d); break;
    case 7:
        put(b, "CASE WHEN "), rnd_expr(b, d), put(b, " THEN "), rnd_expr(b, d), put(b, " WHEN "), rnd_expr(b, d);
        put(b, " THEN "), rnd_expr(b, d), put(b, " ELSE "), rnd_expr(b, d), put(b, " END");
        break;
    case 8: put(b, "coalesce("), rnd_expr(b, d), put(b, ", "), rnd_expr(b, d), put(b, ")"); break;
    case 9: rnd_expr(b, d), put(b, "::int"); break;
    case 10: put(b, "ARRAY["), rnd_expr(b, d), put(b, ", "), rnd_expr(b, d), put(b, "]"); break;
    case 11: rnd_expr(b, d), put(b, " IN ("), rnd_expr(b, d), put(b, ", "), rnd_expr(b, d), put(b, ")"); break;
    case 12: rnd_expr(b, d), put(b, " IN (SELECT "), rnd_expr(b, d), put(b, " FROM t)"); break;
    case 13: put(b, "EXISTS (SELECT 1 FROM t WHERE "), rnd_expr(b, d), put(b, ")"); break;
    case 14: rnd_expr(b, d), put(b, " BETWEEN "), rnd_expr(b, d), put(b, " AND "), rnd_expr(b, d); break;
    case 15: rnd_expr(b, d), put(b, " IS NOT DISTINCT FROM "), rnd_expr(b, d); break;
    case 16: put(b, "("), rnd_expr(b, d), put(b, ")[1]"); break;
    case 17:
        put(b, "sum("), rnd_expr(b, d), put(b, ") OVER (PARTITION BY "), rnd_expr(b, d), put(b, " ORDER BY ");
        rnd_expr(b, d), put(b, ")");
        break;
    case 18: put(b, "(SELECT "), rnd_expr(b, d), put(b, " UNION SELECT "), rnd_expr(b, d), put(b, ")"); break;
    case 19: put(b, "(SELECT a FROM (SELECT "), rnd_expr(b, d), put(b, " AS a) s)"); break;
    case 20:
        put(b, "(SELECT 1 FROM t a JOIN t b ON "), rnd_expr(b, d), put(b, " JOIN t c USING (x) WHERE ");
        rnd_expr(b, d), put(b, ")");
        break;
    default: {
        /* a chain of one operator: left-deep, or flattened for AND/OR */
        static const char *const ops[] = {" + ", " || ", " * ", " AND ", " OR ", " = "};
        const char *op = ops[rnd(6)];
        int k = 1 + (int)rnd(12);
        for (int i = 0; i < k; i++) {
            if (i)
                put(b, op);
            rnd_expr(b, d / 2);
        }
        break;
    }
    }
}

/* The exact depth of q's tree (0 when libpg_query refuses q). */
static size_t exact_depth(const char *q)
{
    PgQueryProtobufParseResult pr = pg_query_parse_protobuf(q);
    size_t d = pr.error ? 0 : sql_depth_packed((const uint8_t *)pr.parse_tree.data, pr.parse_tree.len);
    pg_query_free_protobuf_parse_result(pr);
    assert_true(d != SIZE_MAX);
    return d;
}

static void test_bound_holds(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 0);
    static const int depths[] = {1, 2, 5, 30, 200, 1000};
    for (int sh = 0; sh < SH_N; sh++)
        for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
            const char *q = shape_sql(&b, (Shape)sh, depths[i]);
            size_t exact = exact_depth(q), est = sql_depth_estimate(q);
            if (exact > est)
                fail_msg("shape %d at %d: estimate %zu below the depth %zu", sh, depths[i], est, exact);
            /* and not uselessly loose: at most three times the depth (nested calls), plus the base */
            if (est > 3 * exact + 64)
                fail_msg("shape %d at %d: estimate %zu for a depth of %zu", sh, depths[i], est, exact);
        }
    /* parentheses that only group make no nodes: ((((5)))) costs nothing */
    assert_true(sql_depth_estimate(shape_sql(&b, SH_PAREN, 5000)) < 64);
    /* a long flat list is shallow, and so is its bound */
    buf_reset(&b);
    put(&b, "SELECT 1 WHERE 1 IN (1"), put_n(&b, ", 1", 20000), put(&b, ") AND x = 1 OR x = 2 OR x = 3");
    assert_true(sql_depth_estimate((const char *)b.p) < 64);
    /* random mixes */
    rnd_state = 0x9e3779b97f4a7c15ull;
    static const char *const heads[] = {"SELECT ", "SELECT 1 FROM t WHERE ", "VALUES (", "SELECT x FROM t GROUP BY ",
                                        "WITH c AS (SELECT 1) SELECT "};
    for (int i = 0; i < 600; i++) {
        buf_reset(&b);
        uint32_t h = rnd(5);
        put(&b, heads[h]);
        rnd_expr(&b, 1 + (int)rnd(8));
        if (h == 2)
            put(&b, ")");
        const char *q = (const char *)b.p;
        size_t exact = exact_depth(q), est = sql_depth_estimate(q);
        if (exact > est)
            fail_msg("estimate %zu below the depth %zu: %.300s", est, exact, q);
    }
    buf_fini(&b);
}

/* ---- sql_parse_text ------------------------------------------------------------------------------ */

static const char *const stack_hint = "Increase the configuration parameter \"max_stack_depth\" (currently "
                                      "2048kB), after ensuring the platform's stack depth limit is adequate.";

/* Parses q; returns the SQLSTATE ("" when it parsed) and the syntax error's cursor in *cursor. */
static const char *parse_state(const char *q, int *cursor, SqlError *err)
{
    memset(err, 0, sizeof(*err));
    PgQuery__ParseResult *tree = NULL;
    int rc = sql_parse_text(q, &tree, cursor, err);
    if (rc == WEIR_OK) {
        assert_non_null(tree);
        pg_query__parse_result__free_unpacked(tree, NULL);
        return "";
    }
    assert_null(tree);
    return err->sqlstate;
}

static void test_parse_limits(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 0);
    SqlError err;
    int cursor;
    /* 200 levels of anything parse */
    for (int sh = 0; sh < SH_N; sh++)
        assert_string_equal(parse_state(shape_sql(&b, (Shape)sh, 200), &cursor, &err), "");
    assert_string_equal(parse_state(shape_sql(&b, SH_PAREN, 5000), &cursor, &err), "");
    /* select 'SELECT ' || repeat('+', 8000) || '1' \gexec => ERROR 54001 stack depth limit exceeded */
    assert_string_equal(parse_state(shape_sql(&b, SH_PLUS, 8000), &cursor, &err), "54001");
    assert_string_equal(err.message, "stack depth limit exceeded");
    assert_string_equal(err.hint, stack_hint);
    /* a left-deep chain bison does not bound: libpg_query's printer used to recurse 100,000 levels and
     * crash; now refused before it runs */
    assert_string_equal(parse_state(shape_sql(&b, SH_CHAIN, 100000), &cursor, &err), "54001");
    assert_string_equal(parse_state(shape_sql(&b, SH_UNION, 50000), &cursor, &err), "54001");
    /* past bison's 10,000 levels the parser's own error comes first, as in PostgreSQL:
     * select 'SELECT ' || repeat('- ', 20000) || '1' \gexec => ERROR 42601 memory exhausted at or near "-" */
    assert_string_equal(parse_state(shape_sql(&b, SH_NOT, 20000), &cursor, &err), "42601");
    assert_string_equal(err.message, "memory exhausted at or near \"NOT\"");
    assert_true(cursor > 0);
    assert_string_equal(parse_state(shape_sql(&b, SH_CALL, 20000), &cursor, &err), "42601");
    assert_string_equal(err.message, "memory exhausted at or near \"abs\"");
    /* an ordinary syntax error keeps its cursor */
    assert_string_equal(parse_state("SELECT 1 FROM WHERE", &cursor, &err), "42601");
    assert_string_equal(err.message, "syntax error at or near \"WHERE\"");
    assert_int_equal(cursor, 15);
    buf_fini(&b);
}

/* ---- whole statements ---------------------------------------------------------------------------- */

static SqlEngine *eng;
static SqlSession *sess;

/* The answers of PostgreSQL 15 to each shape at 200 levels (psql -At), and the column name. */
static const char *const answers_200[SH_N] = {
    [SH_PLUS] = "1\n",        [SH_CHAIN] = "201\n",     [SH_NOT] = "t\n",      [SH_CALL] = "1\n",
    [SH_SUB] = "7\n",         [SH_FROM] = "1\n",        [SH_CASE] = "3\n",     [SH_UNION] = NULL, /* 201 rows */
    [SH_CAST] = "1\n",        [SH_PAREN] = "5\n",       [SH_CONCAT] = NULL,    [SH_COALESCE] = "1\n",
    [SH_ARRAY] = "ERROR 54000 8: number of array dimensions (7) exceeds the maximum allowed (6)", [SH_JOIN] = "1\n",
};

static void test_engine_nesting(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 0);
    for (int sh = 0; sh < SH_N; sh++) {
        const char *got = ef_run(sess, shape_sql(&b, (Shape)sh, 200));
        if (sh == SH_ARRAY)
            continue; /* weir has no multidimensional arrays (0A000); PostgreSQL stops at 7 dimensions */
        if (answers_200[sh] && strcmp(got, answers_200[sh]) != 0)
            fail_msg("shape %d at 200: %s", sh, got);
        if (!answers_200[sh] && strncmp(got, "ERROR", 5) == 0)
            fail_msg("shape %d at 200: %s", sh, got);
    }
    assert_int_equal(strlen(ef_run(sess, shape_sql(&b, SH_CONCAT, 200))), 202); /* 201 a's */
    assert_int_equal(strlen(ef_run(sess, shape_sql(&b, SH_UNION, 200))), 402); /* 201 rows of "1\n" */
    /* deeper than PostgreSQL goes (it fails near 4,000 +, 2,100 subqueries): 54001, and the session goes on */
    static const struct {
        Shape sh;
        int n;
    } deep[] = {{SH_PLUS, 5000}, {SH_CHAIN, 30000}, {SH_NOT, 9000}, {SH_SUB, 3000}, {SH_UNION, 9000},
                {SH_CAST, 14000}, {SH_CONCAT, 5000}, {SH_COALESCE, 4700}};
    for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
        const char *got = ef_query(sess, shape_sql(&b, deep[i].sh, deep[i].n), NULL, 0, EF_NO_POSITION);
        if (strcmp(got, "ERROR 54001: stack depth limit exceeded") != 0)
            fail_msg("shape %d at %d: %s", deep[i].sh, deep[i].n, got);
    }
    assert_string_equal(ef_run(sess, "SELECT 1"), "1\n");
    /* deep expressions evaluated per row, in WHERE and in the SELECT list */
    buf_reset(&b);
    put(&b, "SELECT count(*), sum(x");
    put_n(&b, " + x", 300);
    put(&b, ") FROM (VALUES (1), (2), (3)) v(x) WHERE ");
    put_n(&b, "NOT NOT ", 150);
    put(&b, "x > 1");
    /* select count(*), sum(x + x ... 301 x) ... => 2|1505 */
    assert_string_equal(ef_run(sess, (const char *)b.p), "2|1505\n");
    buf_fini(&b);
}

/* On a thread with a 512 KB stack the limits come sooner, as 54001, never as a crash. */
typedef struct SmallArg {
    const char *q;
    char res[256];
} SmallArg;

static void *small_main(void *arg)
{
    SmallArg *a = arg;
    snprintf(a->res, sizeof(a->res), "%s", ef_query(sess, a->q, NULL, 0, EF_NO_POSITION));
    return NULL;
}

static const char *run_small(const char *q, SmallArg *a)
{
    a->q = q;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstacksize(&attr, (size_t)512 << 10), 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, &attr, small_main, a), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    return a->res;
}

static void test_small_stack(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 0);
    static SmallArg a;
    assert_string_equal(run_small("SELECT 1 + 1", &a), "2\n");
    /* each of these works on the main thread's 8 MB (test_engine_nesting) */
    static const Shape shapes[] = {SH_PLUS, SH_SUB, SH_FROM, SH_CASE, SH_UNION, SH_CALL};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        const char *got = run_small(shape_sql(&b, shapes[i], 1000), &a);
        if (strcmp(got, "ERROR 54001: stack depth limit exceeded") != 0)
            fail_msg("shape %d at 1000 on 512 KB: %s", shapes[i], got);
    }
    assert_string_equal(run_small("SELECT 2 + 2", &a), "4\n");
    buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_holds),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_engine_nesting),
        cmocka_unit_test(test_small_stack),
    };
    return ef_run_group_tests(tests, &eng, &sess);
}
