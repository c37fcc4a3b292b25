/*
 * test_op_setop.c: OP_SETOP (src/exec/op_setop.c), INTERSECT [ALL] and EXCEPT [ALL] over hand-built
 * plans with OP_VALUES leaves: duplicates and NULLs (rows compare IS NOT DISTINCT FROM), value equality
 * per type (numeric 1.0 = 1.00, char(n) blanks, float NaN and -0, text bytes), empty inputs, inputs of
 * several batches, randomized multisets against counts computed here, the memory budget (53200).
 *
 * Expected results follow the SQL standard as PostgreSQL implements it: INTERSECT ALL keeps min(l, r)
 * copies of a row, EXCEPT ALL max(l - r, 0), the distinct forms one copy. Rows compare as sorted text
 * ("N" for NULL): set operation output order is unspecified.
 */
#include <math.h>

#include "op_test.h"

static const SqlTypeId INT_TEXT[] = {SQL_INT8, SQL_TEXT};

static Op *left_dups(OpTest *t)
{
    SqlValue c[] = {I8(1),         TX("a"),       NUL(SQL_INT8), NUL(SQL_TEXT), I8(1), TX("a"),
                    I8(2),         TX("b"),       I8(3),         NUL(SQL_TEXT), I8(1), TX("a"),
                    NUL(SQL_INT8), NUL(SQL_TEXT), I8(3),         NUL(SQL_TEXT)};
    return opt_values(t, 2, INT_TEXT, 8, c);
}

static Op *right_dups(OpTest *t)
{
    SqlValue c[] = {I8(3), NUL(SQL_TEXT), I8(1), TX("a"), NUL(SQL_INT8), NUL(SQL_TEXT), I8(3), NUL(SQL_TEXT),
                    I8(4), TX("d"),       I8(1), TX("a"), I8(3),         NUL(SQL_TEXT)};
    return opt_values(t, 2, INT_TEXT, 7, c);
}

static void test_duplicates_and_nulls(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* left: (1,a) x3, (N,N) x2, (2,b), (3,N) x2; right: (1,a) x2, (N,N), (3,N) x3, (4,d) */
    static const char *intersect[] = {"1|a", "N|N", "3|N"};
    static const char *intersect_all[] = {"1|a", "1|a", "N|N", "3|N", "3|N"};
    static const char *except[] = {"2|b"};
    static const char *except_all[] = {"1|a", "N|N", "2|b"};
    opt_assert_text(opt_run_twice(&t, opt_setop(&t, SETOP_INTERSECT, 0, left_dups(&t), right_dups(&t))),
                    intersect, OPT_N(intersect));
    opt_assert_text(opt_run_twice(&t, opt_setop(&t, SETOP_INTERSECT, 1, left_dups(&t), right_dups(&t))),
                    intersect_all, OPT_N(intersect_all));
    opt_assert_text(opt_run_twice(&t, opt_setop(&t, SETOP_EXCEPT, 0, left_dups(&t), right_dups(&t))), except,
                    OPT_N(except));
    opt_assert_text(opt_run_twice(&t, opt_setop(&t, SETOP_EXCEPT, 1, left_dups(&t), right_dups(&t))),
                    except_all, OPT_N(except_all));
    /* and the other way round: right EXCEPT ALL left keeps (3,N) once and (4,d) */
    static const char *rev_except_all[] = {"3|N", "4|d"};
    opt_assert_text(opt_run_twice(&t, opt_setop(&t, SETOP_EXCEPT, 1, right_dups(&t), left_dups(&t))),
                    rev_except_all, OPT_N(rev_except_all));
    opt_fini(&t);
}

static void test_value_equality(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const SqlTypeId NUMT[] = {SQL_NUMERIC};
    SqlValue ln[] = {NUM("1.0"), NUM("2.50"), NUM("NaN"), NUM("3"), NUL(SQL_NUMERIC)};
    SqlValue rn[] = {NUM("1.00"), NUM("2.5"), NUM("NaN"), NUM("3.01"), NUL(SQL_NUMERIC)};
    /* the left input's spelling of each row is the one returned */
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_INTERSECT, 0, opt_values(&t, 1, NUMT, 5, ln), opt_values(&t, 1, NUMT, 5, rn)),
        "1.0", "2.50", "NaN", "N");
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_EXCEPT, 0, opt_values(&t, 1, NUMT, 5, ln), opt_values(&t, 1, NUMT, 5, rn)),
        "3");

    static const SqlTypeId TT[] = {SQL_TEXT};
    SqlValue lt[] = {TX("a"), TX("a "), TX(""), TX("b")};
    SqlValue rt[] = {TX("a"), TX(""), NUL(SQL_TEXT)};
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_EXCEPT, 1, opt_values(&t, 1, TT, 4, lt), opt_values(&t, 1, TT, 3, rt)), "a ",
        "b");

    static const SqlTypeId BT[] = {SQL_BPCHAR};
    SqlValue lb[] = {TY(SQL_BPCHAR, "a"), TY(SQL_BPCHAR, "a  "), TY(SQL_BPCHAR, " a")};
    SqlValue rb[] = {TY(SQL_BPCHAR, "a   ")};
    /* char(n): 'a' = 'a  ' (both copies found in the right), ' a' is another value */
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_INTERSECT, 0, opt_values(&t, 1, BT, 3, lb), opt_values(&t, 1, BT, 1, rb)),
        "a");
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_EXCEPT, 1, opt_values(&t, 1, BT, 3, lb), opt_values(&t, 1, BT, 1, rb)), "a  ",
        " a");

    static const SqlTypeId FT[] = {SQL_FLOAT8};
    SqlValue lf[] = {F8(NAN), F8(-0.0), F8(1.5), F8(0.1 + 0.2)};
    SqlValue rf[] = {F8(NAN), F8(0.0), F8(0.3)};
    opt_assert_rows(
        &t, opt_setop(&t, SETOP_INTERSECT, 1, opt_values(&t, 1, FT, 4, lf), opt_values(&t, 1, FT, 3, rf)),
        "NaN", "-0");
    opt_fini(&t);
}

static void test_empty_inputs(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    for (int all = 0; all < 2; all++) {
        for (int type = 0; type < 2; type++) {
            SetOpType st = type ? SETOP_EXCEPT : SETOP_INTERSECT;
            opt_assert_empty(&t,
                             opt_setop(&t, st, all, opt_values(&t, 2, INT_TEXT, 0, NULL), right_dups(&t)));
            opt_assert_empty(&t, opt_setop(&t, st, all, opt_values(&t, 2, INT_TEXT, 0, NULL),
                                           opt_values(&t, 2, INT_TEXT, 0, NULL)));
        }
        opt_assert_empty(
            &t, opt_setop(&t, SETOP_INTERSECT, all, left_dups(&t), opt_values(&t, 2, INT_TEXT, 0, NULL)));
    }
    opt_assert_rows(&t, opt_setop(&t, SETOP_EXCEPT, 0, left_dups(&t), opt_values(&t, 2, INT_TEXT, 0, NULL)),
                    "1|a", "N|N", "2|b", "3|N");
    opt_assert_rows(&t, opt_setop(&t, SETOP_EXCEPT, 1, left_dups(&t), opt_values(&t, 2, INT_TEXT, 0, NULL)),
                    "1|a", "1|a", "1|a", "N|N", "N|N", "2|b", "3|N", "3|N");
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Randomized multisets, and inputs of several batches, against counts computed here
 * ---------------------------------------------------------------------------------------------- */

#define DOM 7 /* values 0..5 and NULL (6) per column */

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static SqlValue dom_val(uint32_t x)
{
    return x == DOM - 1 ? NUL(SQL_INT8) : I8(x);
}

/* The expected rows of a set operation given per-row counts (row = a * DOM + b). */
static char *expected(SetOpType type, int all, const uint32_t *lc, const uint32_t *rc)
{
    OptRows out = {0};
    char line[64];
    for (uint32_t row = 0; row < DOM * DOM; row++) {
        uint32_t l = lc[row], r = rc[row], n;
        if (type == SETOP_INTERSECT)
            n = all ? (l < r ? l : r) : (l && r);
        else
            n = all ? (l > r ? l - r : 0) : (l && !r);
        uint32_t a = row / DOM, b = row % DOM;
        char sa[8] = "N", sb[8] = "N";
        if (a != DOM - 1)
            snprintf(sa, sizeof(sa), "%u", a);
        if (b != DOM - 1)
            snprintf(sb, sizeof(sb), "%u", b);
        snprintf(line, sizeof(line), "%s|%s", sa, sb);
        for (uint32_t i = 0; i < n; i++)
            opt_rows_add(&out, line);
    }
    char *s = opt_rows_text(&out);
    opt_rows_free(&out);
    return s;
}

static Op *random_rel(OpTest *t, uint32_t n, uint32_t *counts)
{
    static const SqlTypeId II[] = {SQL_INT8, SQL_INT8};
    SqlValue *c = calloc((size_t)n * 2 + 2, sizeof(SqlValue));
    assert_non_null(c);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a = rnd(DOM), b = rnd(DOM);
        counts[a * DOM + b]++;
        c[2 * i] = dom_val(a);
        c[2 * i + 1] = dom_val(b);
    }
    Op *op = opt_values(t, 2, II, n, c);
    free(c);
    return op;
}

static void test_random_multisets(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    for (int iter = 0; iter < 12; iter++) {
        uint32_t nl = iter == 0 ? 0 : rnd(200), nr = iter == 1 ? 0 : rnd(200);
        for (int k = 0; k < 4; k++) {
            SetOpType type = k < 2 ? SETOP_INTERSECT : SETOP_EXCEPT;
            int all = k & 1;
            uint32_t lc[DOM * DOM] = {0}, rc[DOM * DOM] = {0};
            uint64_t saved = rng_state;
            Op *l = random_rel(&t, nl, lc);
            Op *r = random_rel(&t, nr, rc);
            if (k < 3)
                rng_state = saved; /* the same inputs for each of the four operations */
            char *got = NULL;
            if (opt_run(&t, opt_setop(&t, type, all, l, r), &got))
                fail_msg("error %s: %s", t.err.sqlstate, t.err.message);
            char *want = expected(type, all, lc, rc);
            assert_string_equal(got, want);
            free(got);
            free(want);
        }
    }
    opt_fini(&t);
}

/* A cross join of two one-column VALUES: na * nb rows (a, b), in several batches. */
static Op *projected_cross(OpTest *t, uint32_t na, uint32_t nb, uint32_t *counts)
{
    static const SqlTypeId I1[] = {SQL_INT8};
    SqlValue *ca = calloc(na + 1, sizeof(SqlValue)), *cb = calloc(nb + 1, sizeof(SqlValue));
    assert_non_null(ca);
    assert_non_null(cb);
    uint32_t *va = calloc(na + 1, sizeof(uint32_t)), *vb = calloc(nb + 1, sizeof(uint32_t));
    assert_non_null(va);
    assert_non_null(vb);
    for (uint32_t i = 0; i < na; i++)
        ca[i] = dom_val(va[i] = rnd(DOM));
    for (uint32_t i = 0; i < nb; i++)
        cb[i] = dom_val(vb[i] = rnd(DOM));
    for (uint32_t i = 0; i < na; i++)
        for (uint32_t j = 0; j < nb; j++)
            counts[va[i] * DOM + vb[j]]++;
    Op *a = opt_values(t, 1, I1, na, ca), *b = opt_values(t, 1, I1, nb, cb);
    free(ca);
    free(cb);
    free(va);
    free(vb);
    Op *x = opt_op(t, OP_JOIN, 2);
    x->types[0] = x->types[1] = SQL_TYPE(SQL_INT8);
    x->child = a;
    x->right = b;
    JoinSpec *sp = arena_try_calloc(t->plan, sizeof(*sp));
    assert_non_null(sp);
    sp->type = JOIN_INNER;
    x->spec = sp;
    return x;
}

static void test_several_batches(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    for (int k = 0; k < 4; k++) {
        SetOpType type = k < 2 ? SETOP_INTERSECT : SETOP_EXCEPT;
        int all = k & 1;
        uint32_t lc[DOM * DOM] = {0}, rc[DOM * DOM] = {0};
        /* 70 x 70 = 4900 left rows (three batches) against 50 x 60 = 3000 right rows */
        Op *l = projected_cross(&t, 70, 70, lc);
        Op *r = projected_cross(&t, 50, 60, rc);
        OptRows rows = {0};
        assert_int_equal(opt_run_rows(&t, opt_setop(&t, type, all, l, r), &rows), WEIR_OK);
        char *got = opt_rows_text(&rows);
        char *want = expected(type, all, lc, rc);
        assert_string_equal(got, want);
        if (all && type == SETOP_EXCEPT)
            assert_true(rows.n > 0);
        free(got);
        free(want);
        opt_rows_free(&rows);
    }
    opt_fini(&t);
}

/* A cross join of VALUES (lo..hi) and VALUES (0..nb): every row distinct. */
static Op *grid(OpTest *t, int64_t lo, int64_t hi, uint32_t nb)
{
    static const SqlTypeId I1[] = {SQL_INT8};
    SqlValue ca[128], cb[128];
    for (int64_t i = lo; i < hi; i++)
        ca[i - lo] = I8(i);
    for (uint32_t j = 0; j < nb; j++)
        cb[j] = I8(j);
    Op *x = opt_op(t, OP_JOIN, 2);
    x->types[0] = x->types[1] = SQL_TYPE(SQL_INT8);
    x->child = opt_values(t, 1, I1, (uint32_t)(hi - lo), ca);
    x->right = opt_values(t, 1, I1, nb, cb);
    JoinSpec *sp = arena_try_calloc(t->plan, sizeof(*sp));
    assert_non_null(sp);
    sp->type = JOIN_INNER;
    x->spec = sp;
    return x;
}

/* Thousands of distinct rows: the table grows several times while both inputs stream through. */
static void test_many_distinct_rows(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* left (i, j) i in 0..60, right i in lo..lo+60, j in 0..nb both: (60 - lo) * nb rows in common; each
     * shape grows the table at other rows */
    static const int64_t los[] = {30, 7, 41, 18, 55};
    static const uint32_t nbs[] = {60, 57, 43, 64, 61};
    for (int k = 0; k < 4 * 5; k++) {
        SetOpType type = k % 4 < 2 ? SETOP_INTERSECT : SETOP_EXCEPT;
        int64_t lo = los[k / 4];
        uint32_t nb = nbs[k / 4];
        OptRows rows = {0};
        assert_int_equal(
            opt_run_rows(&t, opt_setop(&t, type, k & 1, grid(&t, 0, 60, nb), grid(&t, lo, lo + 60, nb)),
                         &rows),
            WEIR_OK);
        assert_int_equal(rows.n, (size_t)(type == SETOP_INTERSECT ? 60 - lo : lo) * nb);
        for (size_t i = 0; i < rows.n; i++) {
            long a = strtol(rows.rows[i], NULL, 10);
            assert_true(type == SETOP_INTERSECT ? a >= lo && a < 60 : a < lo);
        }
        char *text = opt_rows_text(&rows);
        for (size_t i = 1; i < rows.n; i++)
            assert_true(strcmp(rows.rows[i - 1], rows.rows[i]) != 0);
        free(text);
        opt_rows_free(&rows);
    }
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Memory budget
 * ---------------------------------------------------------------------------------------------- */

/* 64 distinct rows (a 64 KiB string s_i, j) on both sides: the right side's table keeps 4 MiB. */
static Op *big_rows(OpTest *t, char **big)
{
    static const SqlTypeId TT[] = {SQL_TEXT}, I1[] = {SQL_INT8};
    SqlValue s[8], n[8];
    for (int i = 0; i < 8; i++) {
        s[i] = TX(big[i]);
        n[i] = I8(i);
    }
    Op *x = opt_op(t, OP_JOIN, 2);
    x->types[0] = SQL_TYPE(SQL_TEXT);
    x->types[1] = SQL_TYPE(SQL_INT8);
    x->child = opt_values(t, 1, TT, 8, s);
    x->right = opt_values(t, 1, I1, 8, n);
    JoinSpec *sp = arena_try_calloc(t->plan, sizeof(*sp));
    assert_non_null(sp);
    sp->type = JOIN_INNER;
    x->spec = sp;
    return x;
}

static void test_memory_budget(void **state)
{
    UNUSED(state);
    char *big[8];
    for (int i = 0; i < 8; i++) {
        big[i] = malloc(64 * 1024 + 1);
        assert_non_null(big[i]);
        memset(big[i], 'a' + i, 64 * 1024);
        big[i][64 * 1024] = 0;
    }
    OpTest t;
    opt_init(&t, 2 * 1024 * 1024);
    char *got = NULL;
    assert_int_equal(
        opt_run(&t, opt_setop(&t, SETOP_INTERSECT, 0, big_rows(&t, big), big_rows(&t, big)), &got),
        WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "53200");
    assert_string_equal(t.err.message, "out of memory: the query is over its memory budget");
    opt_fini(&t);

    int n_ok = 0, n_oom = 0;
    for (size_t budget = 64 * 1024; budget <= 32 * 1024 * 1024; budget = budget * 3 / 2) {
        for (int k = 0; k < 4; k++) {
            opt_init(&t, budget);
            OptRows rows = {0};
            Op *op = opt_setop(&t, k < 2 ? SETOP_INTERSECT : SETOP_EXCEPT, k & 1, big_rows(&t, big),
                               big_rows(&t, big));
            if (opt_run_rows(&t, op, &rows) == WEIR_OK) {
                assert_int_equal(rows.n, k < 2 ? 64 : 0);
                n_ok++;
            } else {
                assert_string_equal(t.err.sqlstate, "53200");
                n_oom++;
            }
            opt_rows_free(&rows);
            opt_fini(&t);
        }
    }
    assert_true(n_ok > 0);
    assert_true(n_oom > 0);
    for (int i = 0; i < 8; i++)
        free(big[i]);
}

static void test_bad_plan(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const SqlTypeId TI[] = {SQL_TEXT, SQL_INT8};
    SqlValue c[] = {TX("a"), I8(1)};
    char *got = NULL;
    assert_int_equal(
        opt_run(&t, opt_setop(&t, SETOP_EXCEPT, 0, left_dups(&t), opt_values(&t, 2, TI, 1, c)), &got),
        WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "XX000");
    opt_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_and_nulls), cmocka_unit_test(test_value_equality),
        cmocka_unit_test(test_empty_inputs),         cmocka_unit_test(test_random_multisets),
        cmocka_unit_test(test_several_batches),      cmocka_unit_test(test_many_distinct_rows),
        cmocka_unit_test(test_memory_budget),        cmocka_unit_test(test_bad_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
