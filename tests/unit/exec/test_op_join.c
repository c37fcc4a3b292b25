/*
 * test_op_join.c: OP_JOIN (src/exec/op_join.c) over hand-built plans with OP_VALUES leaves: every join
 * type with NULL and duplicate keys on both sides, empty inputs, residual predicates, text, numeric,
 * float, char(n) and multi-column keys, cross joins and nested loops, a left row whose matches spill over
 * several output batches, build sides of several chunks, randomized comparisons against a naive nested
 * loop written here, the memory budget (53200) and cancellation (57014).
 *
 * Expected rows follow SQL's join semantics as PostgreSQL implements them (checked by hand against
 * psql for the fixed cases); rows are compared as sorted text ("N" for NULL), since join output order is
 * unspecified.
 */
#include <math.h>

#include "op_test.h"

static const SqlTypeId INT_TEXT[] = {SQL_INT8, SQL_TEXT};
static const JoinType ALL_TYPES[] = {JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI};
static const uint32_t K0[] = {0};

/* ------------------------------------------------------------------------------------------------
 * Every join type: NULL keys and duplicates on both sides
 * ---------------------------------------------------------------------------------------------- */

static Op *left_basic(OpTest *t)
{
    SqlValue c[] = {I8(1), TX("a"), I8(1), TX("b"), I8(2), TX("c"), NUL(SQL_INT8), TX("d"), I8(3), TX("e")};
    return opt_values(t, 2, INT_TEXT, 5, c);
}

static Op *right_basic(OpTest *t)
{
    SqlValue c[] = {I8(1), TX("x"), I8(1), TX("y"), NUL(SQL_INT8), TX("z"), I8(4), TX("w"), I8(2), TX("v")};
    return opt_values(t, 2, INT_TEXT, 5, c);
}

static void test_types_null_dup_keys(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const char *inner[] = {"1|a|1|x", "1|a|1|y", "1|b|1|x", "1|b|1|y", "2|c|2|v"};
    static const char *left[] = {"1|a|1|x", "1|a|1|y", "1|b|1|x", "1|b|1|y", "2|c|2|v", "N|d|N|N", "3|e|N|N"};
    static const char *right[] = {"1|a|1|x", "1|a|1|y", "1|b|1|x", "1|b|1|y",
                                  "2|c|2|v", "N|N|N|z", "N|N|4|w"};
    static const char *full[] = {"1|a|1|x", "1|a|1|y", "1|b|1|x", "1|b|1|y", "2|c|2|v",
                                 "N|d|N|N", "3|e|N|N", "N|N|N|z", "N|N|4|w"};
    static const char *semi[] = {"1|a", "1|b", "2|c"};
    static const char *anti[] = {"N|d", "3|e"};
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_INNER, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), inner,
        OPT_N(inner));
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_LEFT, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), left,
        OPT_N(left));
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_RIGHT, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), right,
        OPT_N(right));
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_FULL, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), full,
        OPT_N(full));
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_SEMI, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), semi,
        OPT_N(semi));
    opt_assert_text(
        opt_run_twice(&t, opt_join(&t, JOIN_ANTI, left_basic(&t), right_basic(&t), 1, K0, K0, NULL)), anti,
        OPT_N(anti));
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Residual predicates, with keys (hash join) and without (nested loop): same rows
 * ---------------------------------------------------------------------------------------------- */

static Op *left_res(OpTest *t)
{
    SqlValue c[] = {I8(1), TX("m"), I8(1), TX("b"), I8(2), TX("z"), NUL(SQL_INT8), TX("a"), I8(3), TX("c")};
    return opt_values(t, 2, INT_TEXT, 5, c);
}

static Op *right_res(OpTest *t)
{
    SqlValue c[] = {I8(1), TX("c"), I8(1), TX("n"), I8(2), TX("a"), NUL(SQL_INT8), TX("z"), I8(4), TX("q")};
    return opt_values(t, 2, INT_TEXT, 5, c);
}

/* l.v < r.w over the combined row (l.k, l.v, r.k, r.w) */
static Expr *res_v_lt_w(OpTest *t)
{
    return opt_binop(t, "<", opt_col(t, 1, SQL_TEXT), opt_col(t, 3, SQL_TEXT));
}

static Op *res_join(OpTest *t, JoinType type, int keyed)
{
    Expr *res = res_v_lt_w(t);
    if (keyed)
        return opt_join(t, type, left_res(t), right_res(t), 1, K0, K0, res);
    /* no keys: the key equality moves into the residual, evaluated by the nested loop */
    Expr *eq = opt_binop(t, "=", opt_col(t, 0, SQL_INT8), opt_col(t, 2, SQL_INT8));
    return opt_join(t, type, left_res(t), right_res(t), 0, NULL, NULL, opt_and(t, eq, res));
}

static void test_residual(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* candidates on k: 1m-1c (m<c false), 1m-1n, 1b-1c, 1b-1n (true), 2z-2a (false) */
    static const char *inner[] = {"1|m|1|n", "1|b|1|c", "1|b|1|n"};
    static const char *left[] = {"1|m|1|n", "1|b|1|c", "1|b|1|n", "2|z|N|N", "N|a|N|N", "3|c|N|N"};
    static const char *right[] = {"1|m|1|n", "1|b|1|c", "1|b|1|n", "N|N|2|a", "N|N|N|z", "N|N|4|q"};
    static const char *full[] = {"1|m|1|n", "1|b|1|c", "1|b|1|n", "2|z|N|N", "N|a|N|N",
                                 "3|c|N|N", "N|N|2|a", "N|N|N|z", "N|N|4|q"};
    static const char *semi[] = {"1|m", "1|b"};
    static const char *anti[] = {"2|z", "N|a", "3|c"};
    for (int keyed = 0; keyed < 2; keyed++) {
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_INNER, keyed)), inner, OPT_N(inner));
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_LEFT, keyed)), left, OPT_N(left));
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_RIGHT, keyed)), right, OPT_N(right));
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_FULL, keyed)), full, OPT_N(full));
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_SEMI, keyed)), semi, OPT_N(semi));
        opt_assert_text(opt_run_twice(&t, res_join(&t, JOIN_ANTI, keyed)), anti, OPT_N(anti));
    }
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Empty inputs
 * ---------------------------------------------------------------------------------------------- */

static void test_empty_sides(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    for (int keyed = 0; keyed < 2; keyed++) {
        for (size_t i = 0; i < OPT_N(ALL_TYPES); i++) {
            JoinType jt = ALL_TYPES[i];
            uint32_t nk = keyed ? 1 : 0;
            /* empty left: only RIGHT/FULL produce rows (the right ones, NULL-extended) */
            Op *j = opt_join(&t, jt, opt_values(&t, 2, INT_TEXT, 0, NULL), right_basic(&t), nk, K0, K0, NULL);
            char *got = opt_run_twice(&t, j);
            if (jt == JOIN_RIGHT || jt == JOIN_FULL) {
                static const char *want[] = {"N|N|1|x", "N|N|1|y", "N|N|N|z", "N|N|4|w", "N|N|2|v"};
                opt_assert_text(got, want, OPT_N(want));
            } else {
                assert_string_equal(got, "");
                free(got);
            }
            /* empty right: LEFT/FULL extend every left row, ANTI keeps every left row */
            j = opt_join(&t, jt, left_basic(&t), opt_values(&t, 2, INT_TEXT, 0, NULL), nk, K0, K0, NULL);
            got = opt_run_twice(&t, j);
            if (jt == JOIN_LEFT || jt == JOIN_FULL) {
                static const char *want[] = {"1|a|N|N", "1|b|N|N", "2|c|N|N", "N|d|N|N", "3|e|N|N"};
                opt_assert_text(got, want, OPT_N(want));
            } else if (jt == JOIN_ANTI) {
                static const char *want[] = {"1|a", "1|b", "2|c", "N|d", "3|e"};
                opt_assert_text(got, want, OPT_N(want));
            } else {
                assert_string_equal(got, "");
                free(got);
            }
            /* both empty */
            j = opt_join(&t, jt, opt_values(&t, 2, INT_TEXT, 0, NULL), opt_values(&t, 2, INT_TEXT, 0, NULL),
                         nk, K0, K0, NULL);
            opt_assert_empty(&t, j);
        }
    }
    /* a right side of NULL keys only: nothing matches, RIGHT still emits them */
    SqlValue nk[] = {NUL(SQL_INT8), TX("p"), NUL(SQL_INT8), TX("q")};
    opt_assert_empty(
        &t, opt_join(&t, JOIN_INNER, left_basic(&t), opt_values(&t, 2, INT_TEXT, 2, nk), 1, K0, K0, NULL));
    opt_assert_rows(
        &t, opt_join(&t, JOIN_RIGHT, left_basic(&t), opt_values(&t, 2, INT_TEXT, 2, nk), 1, K0, K0, NULL),
        "N|N|N|p", "N|N|N|q");
    opt_assert_rows(
        &t, opt_join(&t, JOIN_ANTI, left_basic(&t), opt_values(&t, 2, INT_TEXT, 2, nk), 1, K0, K0, NULL),
        "1|a", "1|b", "2|c", "N|d", "3|e");
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Key types
 * ---------------------------------------------------------------------------------------------- */

static void test_text_keys(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const SqlTypeId TI[] = {SQL_TEXT, SQL_INT8};
    /* text compares by bytes: 'a' <> 'a ', '' = '' and '' is not NULL */
    SqlValue l[] = {TX("a"),
                    I8(1),
                    TX("a "),
                    I8(2),
                    TX(""),
                    I8(3),
                    NUL(SQL_TEXT),
                    I8(4),
                    TX("b"),
                    I8(5),
                    TX("a longer key than sixteen bytes"),
                    I8(6)};
    SqlValue r[] = {TX("a"),
                    I8(10),
                    TX(""),
                    I8(11),
                    TX(""),
                    I8(12),
                    NUL(SQL_TEXT),
                    I8(13),
                    TX("c"),
                    I8(14),
                    TX("a longer key than sixteen bytes"),
                    I8(15),
                    TX("a longer key than sixteen bytez"),
                    I8(16)};
    opt_assert_rows(
        &t,
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, TI, 6, l), opt_values(&t, 2, TI, 7, r), 1, K0, K0, NULL),
        "a|1|a|10", "|3||11", "|3||12",
        "a longer key than sixteen bytes|6|a longer key than sixteen bytes|15");
    opt_assert_rows(
        &t,
        opt_join(&t, JOIN_FULL, opt_values(&t, 2, TI, 6, l), opt_values(&t, 2, TI, 7, r), 1, K0, K0, NULL),
        "a|1|a|10", "|3||11", "|3||12",
        "a longer key than sixteen bytes|6|a longer key than sixteen bytes|15", "a |2|N|N", "N|4|N|N",
        "b|5|N|N", "N|N|N|13", "N|N|c|14", "N|N|a longer key than sixteen bytez|16");

    /* char(n) ignores trailing blanks (bpchareq) */
    static const SqlTypeId BI[] = {SQL_BPCHAR, SQL_INT8};
    SqlValue bl[] = {TY(SQL_BPCHAR, "ab"), I8(1), TY(SQL_BPCHAR, "ab c"), I8(2)};
    SqlValue br[] = {TY(SQL_BPCHAR, "ab   "), I8(10), TY(SQL_BPCHAR, "ab"), I8(11),
                     TY(SQL_BPCHAR, " ab"),   I8(12)};
    opt_assert_rows(
        &t,
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, BI, 2, bl), opt_values(&t, 2, BI, 3, br), 1, K0, K0, NULL),
        "ab|1|ab   |10", "ab|1|ab|11");
    opt_fini(&t);
}

static void test_numeric_float_keys(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const SqlTypeId NI[] = {SQL_NUMERIC, SQL_INT8};
    /* numeric = by value: 1.0 = 1.00, 2.50 = 2.5, NaN = NaN, -0 = 0 */
    SqlValue l[] = {NUM("1.0"), I8(1),    NUM("2.50"), I8(2),       NUM("NaN"), I8(3),      NUL(SQL_NUMERIC),
                    I8(4),      NUM("3"), I8(5),       NUM("-0.0"), I8(6),      NUM("7.1"), I8(7)};
    SqlValue r[] = {NUM("1.00"),  I8(10), NUM("2.5"), I8(11), NUM("NaN"),  I8(12), NUL(SQL_NUMERIC), I8(13),
                    NUM("3.000"), I8(14), NUM("0"),   I8(15), NUM("7.01"), I8(16)};
    opt_assert_rows(
        &t,
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, NI, 7, l), opt_values(&t, 2, NI, 7, r), 1, K0, K0, NULL),
        "1.0|1|1.00|10", "2.50|2|2.5|11", "NaN|3|NaN|12", "3|5|3.000|14", "0.0|6|0|15");

    /* float8: NaN = NaN and -0 = 0 (float8eq), 0.1 + 0.2 <> 0.3 */
    static const SqlTypeId FI[] = {SQL_FLOAT8, SQL_INT8};
    SqlValue fl[] = {F8(NAN), I8(1), F8(-0.0), I8(2), F8(0.1 + 0.2), I8(3), F8(1.5), I8(4)};
    SqlValue fr[] = {F8(NAN), I8(10), F8(0.0), I8(11), F8(0.3), I8(12), F8(1.5), I8(13)};
    opt_assert_rows(
        &t,
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, FI, 4, fl), opt_values(&t, 2, FI, 4, fr), 1, K0, K0, NULL),
        "NaN|1|NaN|10", "-0|2|0|11", "1.5|4|1.5|13");
    opt_fini(&t);
}

static void test_multi_column_keys(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    static const SqlTypeId ITI[] = {SQL_INT8, SQL_TEXT, SQL_INT8};
    SqlValue l[] = {I8(1), TX("x"),       I8(1),   I8(1), TX("y"), I8(2),         I8(2), TX("x"),
                    I8(3), NUL(SQL_INT8), TX("x"), I8(4), I8(1),   NUL(SQL_TEXT), I8(5)};
    SqlValue r[] = {I8(1), TX("x"), I8(10), I8(1),         TX("x"), I8(11), I8(1), TX("z"),       I8(12),
                    I8(2), TX("x"), I8(13), NUL(SQL_INT8), TX("x"), I8(14), I8(1), NUL(SQL_TEXT), I8(15)};
    static const uint32_t k01[] = {0, 1};
    static const uint32_t k10[] = {1, 0};
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_INNER, opt_values(&t, 3, ITI, 5, l), opt_values(&t, 3, ITI, 6, r), 2,
                             k01, k01, NULL),
                    "1|x|1|1|x|10", "1|x|1|1|x|11", "2|x|3|2|x|13");
    /* the same keys listed in the other order */
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_LEFT, opt_values(&t, 3, ITI, 5, l), opt_values(&t, 3, ITI, 6, r), 2,
                             k10, k10, NULL),
                    "1|x|1|1|x|10", "1|x|1|1|x|11", "2|x|3|2|x|13", "1|y|2|N|N|N", "N|x|4|N|N|N",
                    "1|N|5|N|N|N");
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_ANTI, opt_values(&t, 3, ITI, 5, l), opt_values(&t, 3, ITI, 6, r), 2,
                             k01, k01, NULL),
                    "1|y|2", "N|x|4", "1|N|5");
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Cross join and nested loop
 * ---------------------------------------------------------------------------------------------- */

static void test_cross_join(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    SqlValue l[] = {I8(1), TX("a"), I8(2), TX("b"), NUL(SQL_INT8), TX("c")};
    SqlValue r[] = {I8(10), TX("x"), NUL(SQL_INT8), TX("y")};
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_INNER, opt_values(&t, 2, INT_TEXT, 3, l),
                             opt_values(&t, 2, INT_TEXT, 2, r), 0, NULL, NULL, NULL),
                    "1|a|10|x", "1|a|N|y", "2|b|10|x", "2|b|N|y", "N|c|10|x", "N|c|N|y");
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_SEMI, opt_values(&t, 2, INT_TEXT, 3, l),
                             opt_values(&t, 2, INT_TEXT, 2, r), 0, NULL, NULL, NULL),
                    "1|a", "2|b", "N|c");
    opt_assert_empty(&t, opt_join(&t, JOIN_ANTI, opt_values(&t, 2, INT_TEXT, 3, l),
                                  opt_values(&t, 2, INT_TEXT, 2, r), 0, NULL, NULL, NULL));
    /* nested loop on a non-equality: l.k < r.k (NULL compares to nothing) */
    Expr *lt = opt_binop(&t, "<", opt_col(&t, 0, SQL_INT8), opt_col(&t, 2, SQL_INT8));
    SqlValue r2[] = {I8(2), TX("x"), I8(3), TX("y"), I8(0), TX("z")};
    opt_assert_rows(&t,
                    opt_join(&t, JOIN_FULL, opt_values(&t, 2, INT_TEXT, 3, l),
                             opt_values(&t, 2, INT_TEXT, 3, r2), 0, NULL, NULL, lt),
                    "1|a|2|x", "1|a|3|y", "2|b|3|y", "N|c|N|N", "N|N|0|z");
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Many matches: output spills over several batches, build sides of several chunks
 * ---------------------------------------------------------------------------------------------- */

/* VALUES (k, i) for i in 0..n: k = key(i) */
static Op *int_pairs(OpTest *t, uint32_t n, int64_t (*key)(uint32_t), int key_null_every)
{
    static const SqlTypeId II[] = {SQL_INT8, SQL_INT8};
    SqlValue *c = calloc((size_t)n * 2 + 2, sizeof(SqlValue));
    assert_non_null(c);
    for (uint32_t i = 0; i < n; i++) {
        c[2 * i] = key_null_every && i % key_null_every == 0 ? NUL(SQL_INT8) : I8(key(i));
        c[2 * i + 1] = I8(i);
    }
    Op *op = opt_values(t, 2, II, n, c);
    free(c);
    return op;
}

static int64_t key_one(uint32_t i)
{
    UNUSED(i);
    return 1;
}
static int64_t key_mod7(uint32_t i)
{
    return i % 7;
}
static int64_t key_mod2(uint32_t i)
{
    return i % 2;
}

static Op *cross(OpTest *t, Op *a, Op *b)
{
    return opt_join(t, JOIN_INNER, a, b, 0, NULL, NULL, NULL);
}

static void test_many_matches_spill(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* right: 50 x 50 = 2500 rows with key 1 (a cross join of two VALUES) */
    SqlValue l[] = {I8(1), TX("a"), I8(1), TX("b"), I8(2), TX("c")};
    Op *j =
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, INT_TEXT, 3, l),
                 cross(&t, int_pairs(&t, 50, key_one, 0), int_pairs(&t, 50, key_one, 0)), 1, K0, K0, NULL);
    OptRows rows = {0};
    assert_int_equal(opt_run_rows(&t, j, &rows), WEIR_OK);
    /* 2 left rows x 2500 = 5000 rows from one probe batch: at least 3 output batches, none too big */
    assert_int_equal(rows.n, 5000);
    assert_true(t.n_batches >= 3);
    assert_true(t.max_batch <= VEC_BATCH);
    char *text = opt_rows_text(&rows);
    /* every (left row, right row) pair exactly once: sorted lines are distinct */
    for (size_t i = 1; i < rows.n; i++)
        assert_true(strcmp(rows.rows[i - 1], rows.rows[i]) != 0);
    assert_non_null(strstr(text, "1|a|1|0|1|0\n"));
    assert_non_null(strstr(text, "1|b|1|49|1|49\n"));
    free(text);
    opt_rows_free(&rows);

    /* LEFT with a residual keeping half the candidates (r.i < 25: col 3), and the unmatched 'c' */
    for (int jt = 0; jt < 4; jt++) {
        JoinType type = jt == 0 ? JOIN_LEFT : jt == 1 ? JOIN_FULL : jt == 2 ? JOIN_SEMI : JOIN_ANTI;
        Expr *half = opt_binop(&t, "<", opt_col(&t, 3, SQL_INT8), opt_const(&t, I8(25)));
        j = opt_join(&t, type, opt_values(&t, 2, INT_TEXT, 3, l),
                     cross(&t, int_pairs(&t, 50, key_one, 0), int_pairs(&t, 50, key_one, 0)), 1, K0, K0,
                     half);
        assert_int_equal(opt_run_rows(&t, j, &rows), WEIR_OK);
        size_t want = type == JOIN_LEFT   ? 2 * 1250 + 1
                      : type == JOIN_FULL ? 2 * 1250 + 1 + 1250
                      : type == JOIN_SEMI ? 2
                                          : 1;
        assert_int_equal(rows.n, want);
        opt_rows_free(&rows);
        /* a residual no candidate passes: every left row unmatched, whatever the number of candidates */
        Expr *none = opt_binop(&t, "<", opt_col(&t, 3, SQL_INT8), opt_const(&t, I8(0)));
        j = opt_join(&t, type, opt_values(&t, 2, INT_TEXT, 3, l),
                     cross(&t, int_pairs(&t, 50, key_one, 0), int_pairs(&t, 50, key_one, 0)), 1, K0, K0,
                     none);
        assert_int_equal(opt_run_rows(&t, j, &rows), WEIR_OK);
        want = type == JOIN_LEFT ? 3 : type == JOIN_FULL ? 3 + 2500 : type == JOIN_SEMI ? 0 : 3;
        assert_int_equal(rows.n, want);
        opt_rows_free(&rows);
    }
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Randomized: the operator against a naive nested loop
 * ---------------------------------------------------------------------------------------------- */

/* A relation of int8 columns (row-major), for the naive join. */
typedef struct NRel {
    uint32_t n_rows, n_cols;
    int64_t *v;
    uint8_t *null;
} NRel;

static void nrel_fmt(const NRel *r, uint32_t row, Buf *b)
{
    for (uint32_t c = 0; c < r->n_cols; c++) {
        if (b->len)
            assert_int_equal(buf_append_byte(b, '|'), 0);
        if (row == UINT32_MAX || r->null[(size_t)row * r->n_cols + c])
            assert_int_equal(buf_append_byte(b, 'N'), 0);
        else
            assert_int_equal(buf_printf(b, "%lld", (long long)r->v[(size_t)row * r->n_cols + c]), 0);
    }
}

static Op *nrel_values(OpTest *t, const NRel *r)
{
    SqlTypeId types[8];
    for (uint32_t c = 0; c < r->n_cols; c++)
        types[c] = SQL_INT8;
    SqlValue *cells = calloc((size_t)r->n_rows * r->n_cols + 1, sizeof(SqlValue));
    assert_non_null(cells);
    for (size_t i = 0; i < (size_t)r->n_rows * r->n_cols; i++)
        cells[i] = r->null[i] ? NUL(SQL_INT8) : I8(r->v[i]);
    Op *op = opt_values(t, r->n_cols, types, r->n_rows, cells);
    free(cells);
    return op;
}

typedef int (*NResidual)(const NRel *l, uint32_t i, const NRel *r, uint32_t j);

/* The rows of l JOIN r by definition, as opt_run's text. */
static char *naive_join(JoinType type, const NRel *l, const NRel *r, uint32_t n_keys, const uint32_t *lk,
                        const uint32_t *rk, NResidual res)
{
    OptRows out = {0};
    Buf line;
    buf_init(&line, 0);
    uint8_t *rmatched = calloc(r->n_rows + 1, 1);
    assert_non_null(rmatched);
    for (uint32_t i = 0; i < l->n_rows; i++) {
        int matched = 0;
        for (uint32_t j = 0; j < r->n_rows; j++) {
            int ok = 1;
            for (uint32_t k = 0; k < n_keys && ok; k++) {
                size_t a = (size_t)i * l->n_cols + lk[k], b = (size_t)j * r->n_cols + rk[k];
                ok = !l->null[a] && !r->null[b] && l->v[a] == r->v[b];
            }
            if (!ok || (res && !res(l, i, r, j)))
                continue;
            matched = 1;
            rmatched[j] = 1;
            if (type != JOIN_SEMI && type != JOIN_ANTI) {
                buf_reset(&line);
                nrel_fmt(l, i, &line);
                nrel_fmt(r, j, &line);
                assert_int_equal(buf_append_byte(&line, 0), 0);
                opt_rows_add(&out, (const char *)line.p);
            }
        }
        int emit_l = (type == JOIN_SEMI && matched) || (type == JOIN_ANTI && !matched) ||
                     ((type == JOIN_LEFT || type == JOIN_FULL) && !matched);
        if (emit_l) {
            buf_reset(&line);
            nrel_fmt(l, i, &line);
            if (type == JOIN_LEFT || type == JOIN_FULL)
                nrel_fmt(r, UINT32_MAX, &line);
            assert_int_equal(buf_append_byte(&line, 0), 0);
            opt_rows_add(&out, (const char *)line.p);
        }
    }
    if (type == JOIN_RIGHT || type == JOIN_FULL) {
        for (uint32_t j = 0; j < r->n_rows; j++) {
            if (rmatched[j])
                continue;
            buf_reset(&line);
            nrel_fmt(l, UINT32_MAX, &line);
            nrel_fmt(r, j, &line);
            assert_int_equal(buf_append_byte(&line, 0), 0);
            opt_rows_add(&out, (const char *)line.p);
        }
    }
    free(rmatched);
    buf_fini(&line);
    char *s = opt_rows_text(&out);
    opt_rows_free(&out);
    return s;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return n ? (uint32_t)(rng_state % n) : 0;
}

/* (k, v): k in 0..domain or NULL (1 in 8), v random */
static void nrel_random(NRel *r, uint32_t n_rows, uint32_t domain)
{
    r->n_rows = n_rows;
    r->n_cols = 2;
    r->v = calloc((size_t)n_rows * 2 + 1, sizeof(int64_t));
    r->null = calloc((size_t)n_rows * 2 + 1, 1);
    assert_non_null(r->v);
    assert_non_null(r->null);
    for (uint32_t i = 0; i < n_rows; i++) {
        r->null[2 * i] = rnd(8) == 0;
        r->v[2 * i] = r->null[2 * i] ? 0 : (int64_t)rnd(domain);
        r->v[2 * i + 1] = (int64_t)rnd(100);
        r->null[2 * i + 1] = rnd(20) == 0;
    }
}

static void nrel_free(NRel *r)
{
    free(r->v);
    free(r->null);
}

/* l.v < r.v, NULL is not TRUE */
static int naive_lt(const NRel *l, uint32_t i, const NRel *r, uint32_t j)
{
    return !l->null[i * 2 + 1] && !r->null[j * 2 + 1] && l->v[i * 2 + 1] < r->v[j * 2 + 1];
}

static void test_random_against_naive(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    for (int iter = 0; iter < 8; iter++) {
        NRel l, r;
        /* small key domains make long duplicate chains and outputs beyond VEC_BATCH */
        uint32_t domain = iter % 2 ? 4 : 40;
        nrel_random(&l, rnd(300) + (iter == 0 ? 0 : 1), domain);
        nrel_random(&r, iter == 1 ? 0 : rnd(150) + 1, domain);
        for (size_t ti = 0; ti < OPT_N(ALL_TYPES); ti++) {
            JoinType jt = ALL_TYPES[ti];
            for (int variant = 0; variant < 4; variant++) {
                int with_res = variant & 1, keyed = variant < 2;
                Expr *res = NULL;
                if (with_res)
                    res = opt_binop(&t, "<", opt_col(&t, 1, SQL_INT8), opt_col(&t, 3, SQL_INT8));
                if (!keyed) {
                    Expr *eq = opt_binop(&t, "=", opt_col(&t, 0, SQL_INT8), opt_col(&t, 2, SQL_INT8));
                    res = res ? opt_and(&t, eq, res) : eq;
                }
                Op *j =
                    opt_join(&t, jt, nrel_values(&t, &l), nrel_values(&t, &r), keyed ? 1 : 0, K0, K0, res);
                char *got = NULL;
                if (opt_run(&t, j, &got))
                    fail_msg("error %s: %s", t.err.sqlstate, t.err.message);
                char *want = naive_join(jt, &l, &r, 1, K0, K0, with_res ? naive_lt : NULL);
                if (strcmp(got, want) != 0)
                    fail_msg("iter %d type %d variant %d: rows differ (%zu vs %zu bytes)", iter, (int)jt,
                             variant, strlen(got), strlen(want));
                free(got);
                free(want);
            }
        }
        nrel_free(&l);
        nrel_free(&r);
    }
    opt_fini(&t);
}

/* A build side of 60 x 60 = 3600 rows (two chunks) with NULL keys, against a naive join. */
static void test_multi_chunk_build(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* the naive right relation: rows (k_i, i, k_j, j) of the cross join, in the same order */
    NRel r = {.n_rows = 3600, .n_cols = 4};
    r.v = calloc(3600 * 4, sizeof(int64_t));
    r.null = calloc(3600 * 4, 1);
    assert_non_null(r.v);
    assert_non_null(r.null);
    for (uint32_t i = 0; i < 60; i++) {
        for (uint32_t j = 0; j < 60; j++) {
            size_t row = (size_t)i * 60 + j;
            r.null[row * 4] = i % 11 == 0;
            r.v[row * 4] = i % 7;
            r.v[row * 4 + 1] = i;
            r.null[row * 4 + 2] = j % 11 == 0;
            r.v[row * 4 + 2] = j % 7;
            r.v[row * 4 + 3] = j;
        }
    }
    NRel l;
    nrel_random(&l, 40, 9);
    for (size_t ti = 0; ti < OPT_N(ALL_TYPES); ti++) {
        JoinType jt = ALL_TYPES[ti];
        Op *right = cross(&t, int_pairs(&t, 60, key_mod7, 11), int_pairs(&t, 60, key_mod7, 11));
        Op *j = opt_join(&t, jt, nrel_values(&t, &l), right, 1, K0, K0, NULL);
        char *got = NULL;
        if (opt_run(&t, j, &got))
            fail_msg("error %s: %s", t.err.sqlstate, t.err.message);
        char *want = naive_join(jt, &l, &r, 1, K0, K0, NULL);
        assert_string_equal(got, want);
        free(got);
        free(want);
    }
    nrel_free(&l);
    nrel_free(&r);
    opt_fini(&t);
}

/* ------------------------------------------------------------------------------------------------
 * Memory budget and cancellation
 * ---------------------------------------------------------------------------------------------- */

/* left: 2 rows (k = 0, 1); right: 8 x 8 = 64 rows of a 64 KiB string and k = j % 2. The join copies the
 * build side's strings (4 MiB); the inputs themselves point at the plan's constant. */
static Op *big_build_join(OpTest *t, char *big)
{
    static const SqlTypeId TT[] = {SQL_TEXT};
    SqlValue s[8];
    for (int i = 0; i < 8; i++)
        s[i] = TX(big);
    Op *strings = opt_values(t, 1, TT, 8, s);
    Op *right = cross(t, strings, int_pairs(t, 8, key_mod2, 0)); /* (s, k, j) */
    static const uint32_t rk[] = {1};
    return opt_join(t, JOIN_INNER, int_pairs(t, 2, key_mod2, 0), right, 1, K0, rk, NULL);
}

static void test_memory_budget(void **state)
{
    UNUSED(state);
    char *big = malloc(64 * 1024 + 1);
    assert_non_null(big);
    memset(big, 'x', 64 * 1024);
    big[64 * 1024] = 0;

    OpTest t;
    opt_init(&t, 2 * 1024 * 1024);
    char *got = NULL;
    assert_int_equal(opt_run(&t, big_build_join(&t, big), &got), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "53200");
    assert_string_equal(t.err.message, "out of memory: the query is over its memory budget");
    assert_null(got);
    opt_fini(&t);

    /* every budget from 64 KiB to 32 MiB: the right rows, or 53200; never a crash or a leak */
    int n_ok = 0, n_oom = 0;
    for (size_t budget = 64 * 1024; budget <= 32 * 1024 * 1024; budget = budget * 3 / 2) {
        opt_init(&t, budget);
        OptRows rows = {0};
        int rc = opt_run_rows(&t, big_build_join(&t, big), &rows);
        if (rc == WEIR_OK) {
            assert_int_equal(rows.n,
                             2 * 8 * 4); /* key 0: j = 0, 2, 4, 6; key 1: j = 1, 3, 5, 7; x 8 strings */
            n_ok++;
        } else {
            assert_string_equal(t.err.sqlstate, "53200");
            n_oom++;
        }
        opt_rows_free(&rows);
        opt_fini(&t);
    }
    assert_true(n_ok > 0);
    assert_true(n_oom > 0);
    free(big);
}

static void test_cancel(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    SqlValue l[] = {I8(1), TX("a"), I8(1), TX("b")};
    Op *j =
        opt_join(&t, JOIN_INNER, opt_values(&t, 2, INT_TEXT, 2, l),
                 cross(&t, int_pairs(&t, 50, key_one, 0), int_pairs(&t, 50, key_one, 0)), 1, K0, K0, NULL);
    assert_int_equal(op_open(j, &t.ctx), WEIR_OK);
    Batch *b;
    assert_int_equal(op_next(j, &t.ctx, &b), WEIR_OK);
    assert_non_null(b);
    atomic_store(&t.cancel, 1);
    assert_int_equal(op_next(j, &t.ctx, &b), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "57014");
    op_close(j);
    opt_fini(&t);
}

/* A plan whose shapes disagree is an internal error, not a crash. */
static void test_bad_plan(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    Op *j = opt_join(&t, JOIN_INNER, left_basic(&t), right_basic(&t), 1, K0, K0, NULL);
    j->n_cols = 3;
    char *got = NULL;
    assert_int_equal(opt_run(&t, j, &got), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "XX000");
    static const uint32_t k1[] = {1};
    j = opt_join(&t, JOIN_INNER, left_basic(&t), right_basic(&t), 1, K0, k1, NULL); /* int8 = text */
    assert_int_equal(opt_run(&t, j, &got), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "XX000");
    opt_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_null_dup_keys),
        cmocka_unit_test(test_residual),
        cmocka_unit_test(test_empty_sides),
        cmocka_unit_test(test_text_keys),
        cmocka_unit_test(test_numeric_float_keys),
        cmocka_unit_test(test_multi_column_keys),
        cmocka_unit_test(test_cross_join),
        cmocka_unit_test(test_many_matches_spill),
        cmocka_unit_test(test_random_against_naive),
        cmocka_unit_test(test_multi_chunk_build),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_bad_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
