/*
 * test_op_sort.c: ORDER BY (op_sort.c) through the engine over a table on a real store, above all the
 * top-N path that ORDER BY ... LIMIT takes (op_sort_set_bound from OP_LIMIT): for every key shape
 * (integers with ties, NULLS FIRST/LAST, DESC, text in "C" order, several keys, an expression key through
 * a projection) and every LIMIT/OFFSET, the rows must be exactly the first rows of the full sort of the
 * same query without LIMIT, ties in input order. Also: bounds above the heap's limit (full sort), LIMIT 0
 * and LIMIT ALL, and a top-N over long strings under a small memory budget (the heap's string arena is
 * compacted, so memory follows the bound, not the input).
 */
#include "engine_fixture.h"

#define N_ROWS 1500

static char tdir[64];
static Store *store;

/* Row i: a = i % 37 (ties), b = NULL every 11th row else (i * 7919) % 1000, s = text with a NUL-free
 * mix of cases and digits ("C" order: uppercase before lowercase), i = input order. */
static const char *row_payload(int i, char *buf, size_t n)
{
    static const char *words[] = {"apple", "Apple", "banana", "_x", "Zed", "zed", "a", "", "éclair", "10", "9"};
    if (i % 11 == 0)
        snprintf(buf, n, "{\"i\": %d, \"a\": %d, \"s\": \"%s\"}", i, i % 37, words[i % 11]);
    else
        snprintf(buf, n, "{\"i\": %d, \"a\": %d, \"b\": %d, \"s\": \"%s%d\"}", i, i % 37, (i * 7919) % 1000,
                 words[i % 11], i % 3);
    return buf;
}

/* 20,000 rows with 300-byte texts, v ascending: ORDER BY v DESC LIMIT k makes every row enter the heap. */
static const char *long_payload(int i, char *buf, size_t n)
{
    snprintf(buf, n, "{\"v\": %d, \"t\": \"%0300d\"}", i, i);
    return buf;
}

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "opsort");
    ef_stream_create(store, "r", 1);
    ef_append(store, "r", 0, N_ROWS, "k", row_payload);
    ef_stream_create(store, "l", 1);
    ef_append(store, "l", 0, 20000, "k", long_payload);
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    ef_store_close(&store, tdir);
    return 0;
}

static SqlSession *open_session(SqlEngine **eng, size_t budget)
{
    SqlEngineConfig cfg = {.store = store, .query_mem_budget = budget};
    SqlSession *s = ef_session_open(&cfg, eng);
    assert_string_equal(ef_run(s, "CREATE TABLE r (i int, a int, b int, s text) WITH (stream = 'r', format = 'json')"), "");
    assert_string_equal(ef_run(s, "CREATE TABLE l (v int, t text) WITH (stream = 'l', format = 'json')"), "");
    return s;
}

/* The text of rows [off, off + lim) of a result (lim < 0: to the end). */
static char *rows_slice(const char *all, int off, int lim)
{
    const char *p = all;
    for (int k = 0; k < off && *p; k++)
        p = strchr(p, '\n') + 1;
    const char *e = p;
    for (int k = 0; (lim < 0 || k < lim) && *e; k++)
        e = strchr(e, '\n') + 1;
    char *r = malloc((size_t)(e - p) + 1);
    assert_non_null(r);
    memcpy(r, p, (size_t)(e - p));
    r[e - p] = '\0';
    return r;
}

/* Every ORDER BY shape with LIMIT / OFFSET equals the same slice of the full sort. */
static void test_top_n_matches_full_sort(void **state)
{
    UNUSED(state);
    SqlEngine *eng = NULL;
    SqlSession *s = open_session(&eng, 0);
    static const char *orders[] = {
        "a",                     /* ties: input order decides */
        "a DESC",
        "b",                     /* NULLs last */
        "b DESC",                /* NULLs first */
        "b NULLS FIRST",
        "b DESC NULLS LAST",
        "s",                     /* "C" collation: bytes */
        "s DESC, a",
        "a, b DESC, s",
        "a % 5, b",              /* expressions: computed below the sort */
    };
    static const int limits[][2] = {{1, 0}, {10, 0}, {37, 0}, {100, 5}, {3, 1490}, {1499, 0}, {1500, 0},
                                    {5000, 0}, {10, 2000}, {70000, 0}};
    int failed = 0;
    for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
        char q[256];
        snprintf(q, sizeof(q), "SELECT i, a, b, s FROM r ORDER BY %s", orders[o]);
        char *full = strdup(ef_run(s, q));
        assert_non_null(full);
        assert_true(strncmp(full, "ERROR", 5) != 0);
        for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
            snprintf(q, sizeof(q), "SELECT i, a, b, s FROM r ORDER BY %s LIMIT %d OFFSET %d", orders[o],
                     limits[l][0], limits[l][1]);
            char *want = rows_slice(full, limits[l][1], limits[l][0]);
            const char *got = ef_run(s, q);
            if (strcmp(got, want) != 0) {
                print_error("%s\n  want: %.300s\n  got:  %.300s\n", q, want, got);
                failed++;
            }
            free(want);
        }
        /* through a projection between LIMIT and SORT: the i and s fields of the full sort's rows */
        snprintf(q, sizeof(q), "SELECT i + 0 AS j, s FROM r ORDER BY %s LIMIT 25", orders[o]);
        char *want = rows_slice(full, 0, 25);
        char *expect = calloc(1, strlen(want) + 1), *x = expect;
        assert_non_null(expect);
        for (char *line = want; *line;) {
            char *nl = strchr(line, '\n'), *f1 = strchr(line, '|'), *f3 = strchr(strchr(f1 + 1, '|') + 1, '|');
            memcpy(x, line, (size_t)(f1 - line) + 1);
            x += f1 - line + 1;
            memcpy(x, f3 + 1, (size_t)(nl - f3));
            x += nl - f3;
            line = nl + 1;
        }
        const char *got = ef_run(s, q);
        if (strcmp(got, expect) != 0) {
            print_error("%s\n  want: %.300s\n  got:  %.300s\n", q, expect, got);
            failed++;
        }
        free(expect);
        free(want);
        free(full);
    }
    assert_int_equal(failed, 0);
    assert_string_equal(ef_run(s, "SELECT i FROM r ORDER BY a LIMIT 0"), "");
    assert_string_equal(ef_run(s, "SELECT i FROM r ORDER BY a, i LIMIT ALL OFFSET 1498"), "1442\n1479\n");
    assert_string_equal(ef_run(s, "SELECT a, count(*) FROM r GROUP BY a ORDER BY count(*) DESC, a LIMIT 3"),
                        "0|41\n1|41\n2|41\n");
    ef_session_close(&s, &eng);
}

/* 20,000 rows of 300-byte text each enter the heap one after another (6 MB of strings) under a 4 MB
 * budget: only a top-N that drops the strings of rows it pushed out fits. A full sort does not. */
static void test_top_n_memory(void **state)
{
    UNUSED(state);
    SqlEngine *eng = NULL;
    SqlSession *s = open_session(&eng, (size_t)4 << 20);
    const char *got = ef_run(s, "SELECT v, length(t), substr(t, 296) FROM l ORDER BY v DESC LIMIT 3");
    assert_string_equal(got, "19999|300|19999\n19998|300|19998\n19997|300|19997\n");
    got = ef_run(s, "SELECT v FROM l ORDER BY t DESC LIMIT 2 OFFSET 1");
    assert_string_equal(got, "19998\n19997\n");
    got = ef_run(s, "SELECT v, t FROM l ORDER BY v DESC");
    assert_int_equal(strncmp(got, "ERROR 53200", 11), 0);
    ef_session_close(&s, &eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_n_matches_full_sort),
        cmocka_unit_test(test_top_n_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
