/*
 * op_test.h: helpers for operator unit tests (tests/unit/exec/test_op_*.c): build plans by hand from
 * OP_VALUES leaves (constant cells, column references, binary operators resolved through sql_fn_lookup
 * by exact argument types, joins and set operations), run a plan through the operator protocol in a
 * query arena with a chosen memory budget, and return its rows as sorted text lines ("1|a|N", N for
 * NULL), so tests compare multisets of rows whatever order an operator emits them in.
 *
 * Every run also checks the protocol invariants a consumer relies on: no empty batch, at most VEC_BATCH
 * rows, the plan's column count and column types, and (after op_close) that the operator can be opened
 * again.
 */
#ifndef WEIR_TESTS_OP_TEST_H
#define WEIR_TESTS_OP_TEST_H

/* cmocka.h needs these four before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "exec/op.h"
#include "sql/func.h"
#include "sql/numeric.h"
#include "sql/typeio.h"

typedef struct OpTest {
    Arena *plan;  /* plan nodes and constants: unlimited */
    Arena *query; /* run state: the budget under test */
    SqlError err;
    SqlFormatOpts fmt;
    atomic_int cancel;
    ExecCtx ctx;
    uint32_t n_batches; /* of the last opt_run */
    uint32_t max_batch; /* largest batch of the last opt_run */
} OpTest;

static inline void opt_init(OpTest *t, size_t budget)
{
    memset(t, 0, sizeof(*t));
    t->plan = arena_create(NULL, ARENA_UNLIMITED);
    t->query = arena_create(NULL, budget);
    sql_format_opts_default(&t->fmt);
    atomic_init(&t->cancel, 0);
    t->ctx.arena = t->query;
    t->ctx.fmt = &t->fmt;
    t->ctx.err = &t->err;
    t->ctx.cancel = &t->cancel;
    t->ctx.run_id = 1;
}

static inline void opt_fini(OpTest *t)
{
    arena_destroy(&t->query);
    arena_destroy(&t->plan);
}

/* --- values ----------------------------------------------------------------------------------- */

static inline SqlValue opt_val(SqlTypeId t)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    return v;
}
static inline SqlValue I8(int64_t x)
{
    SqlValue v = opt_val(SQL_INT8);
    v.u.i = x;
    return v;
}
static inline SqlValue F8(double x)
{
    SqlValue v = opt_val(SQL_FLOAT8);
    v.u.f = x;
    return v;
}
static inline SqlValue TY(SqlTypeId t, const char *s)
{
    SqlValue v = opt_val(t);
    v.u.s = slice_from_cstr(s);
    return v;
}
static inline SqlValue TX(const char *s)
{
    return TY(SQL_TEXT, s);
}
static inline SqlValue NUL(SqlTypeId t)
{
    SqlValue v = opt_val(t);
    v.is_null = 1;
    return v;
}
static inline SqlValue NUM(const char *s)
{
    SqlValue v = opt_val(SQL_NUMERIC);
    SqlError e;
    memset(&e, 0, sizeof(e));
    assert_int_equal(sql_numeric_parse(s, strlen(s), &v.u.num, &e), WEIR_OK);
    return v;
}

/* --- plan nodes ------------------------------------------------------------------------------- */

/* The opt_plan_* builders take the plan arena alone, for tests that keep their own fixture struct
 * (test_op_scan.c); the opt_* ones below allocate in t->plan. */
static inline Expr *opt_plan_expr(Arena *plan, ExprKind k, SqlType type)
{
    Expr *e = arena_try_calloc(plan, sizeof(*e));
    assert_non_null(e);
    e->kind = k;
    e->type = type;
    e->location = -1;
    return e;
}

static inline Expr *opt_plan_const(Arena *plan, SqlValue v)
{
    Expr *e = opt_plan_expr(plan, EXPR_CONST, v.type);
    e->u.cval = v;
    return e;
}

/* a <name> b, with the operator whose argument types are exactly a's and b's. */
static inline Expr *opt_plan_binop(Arena *plan, const char *name, Expr *a, Expr *b)
{
    const SqlFnDef *const *defs;
    size_t n = sql_fn_lookup(name, &defs);
    for (size_t i = 0; i < n; i++) {
        const SqlFnDef *d = defs[i];
        if (d->n_args != 2 || d->is_variadic || d->args[0] != a->type.id || d->args[1] != b->type.id)
            continue;
        Expr *e = opt_plan_expr(plan, EXPR_FUNC, SQL_TYPE(d->ret));
        e->n_args = 2;
        e->args = arena_try_calloc(plan, 2 * sizeof(Expr *));
        assert_non_null(e->args);
        e->args[0] = a;
        e->args[1] = b;
        e->u.fn.def = d;
        return e;
    }
    fail_msg("no operator %s for these types", name);
    return NULL;
}

static inline Expr *opt_expr(OpTest *t, ExprKind k, SqlType type)
{
    return opt_plan_expr(t->plan, k, type);
}

static inline Expr *opt_col(OpTest *t, uint32_t col, SqlTypeId type)
{
    Expr *e = opt_expr(t, EXPR_COL, SQL_TYPE(type));
    e->u.col = col;
    return e;
}

static inline Expr *opt_const(OpTest *t, SqlValue v)
{
    return opt_plan_const(t->plan, v);
}

static inline Expr *opt_binop(OpTest *t, const char *name, Expr *a, Expr *b)
{
    return opt_plan_binop(t->plan, name, a, b);
}

static inline Expr *opt_and(OpTest *t, Expr *a, Expr *b)
{
    Expr *e = opt_expr(t, EXPR_AND, SQL_TYPE(SQL_BOOL));
    e->n_args = 2;
    e->args = arena_try_calloc(t->plan, 2 * sizeof(Expr *));
    assert_non_null(e->args);
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static inline Op *opt_op(OpTest *t, OpKind k, uint32_t n_cols)
{
    Op *op = arena_try_calloc(t->plan, sizeof(*op));
    assert_non_null(op);
    op->kind = k;
    op->n_cols = n_cols;
    op->types = arena_try_calloc(t->plan, (n_cols ? n_cols : 1) * sizeof(SqlType));
    assert_non_null(op->types);
    return op;
}

/* VALUES of n_rows rows of n_cols cells (row-major); a NULL cell takes its column's type. */
static inline Op *opt_values(OpTest *t, uint32_t n_cols, const SqlTypeId *types, uint32_t n_rows,
                             const SqlValue *cells)
{
    Op *op = opt_op(t, OP_VALUES, n_cols);
    for (uint32_t c = 0; c < n_cols; c++)
        op->types[c] = SQL_TYPE(types[c]);
    op->n_rows = n_rows;
    op->exprs = arena_try_calloc(t->plan, ((size_t)n_rows * n_cols + 1) * sizeof(Expr *));
    assert_non_null(op->exprs);
    for (size_t i = 0; i < (size_t)n_rows * n_cols; i++) {
        SqlValue v = cells[i];
        v.type = op->types[i % n_cols];
        op->exprs[i] = opt_const(t, v);
    }
    return op;
}

/* left JOIN right on left.lk[i] = right.rk[i] (columns of each input) and residual (over left columns,
 * then right columns). */
static inline Op *opt_join(OpTest *t, JoinType type, Op *l, Op *r, uint32_t n_keys, const uint32_t *lk,
                           const uint32_t *rk, Expr *residual)
{
    int semi_anti = type == JOIN_SEMI || type == JOIN_ANTI;
    Op *op = opt_op(t, OP_JOIN, l->n_cols + (semi_anti ? 0 : r->n_cols));
    for (uint32_t c = 0; c < op->n_cols; c++)
        op->types[c] = c < l->n_cols ? l->types[c] : r->types[c - l->n_cols];
    op->child = l;
    op->right = r;
    JoinSpec *sp = arena_try_calloc(t->plan, sizeof(*sp));
    assert_non_null(sp);
    sp->type = type;
    sp->n_keys = n_keys;
    sp->lkeys = arena_try_calloc(t->plan, (n_keys + 1) * sizeof(Expr *));
    sp->rkeys = arena_try_calloc(t->plan, (n_keys + 1) * sizeof(Expr *));
    assert_non_null(sp->lkeys);
    assert_non_null(sp->rkeys);
    for (uint32_t k = 0; k < n_keys; k++) {
        sp->lkeys[k] = opt_col(t, lk[k], l->types[lk[k]].id);
        sp->rkeys[k] = opt_col(t, rk[k], r->types[rk[k]].id);
    }
    sp->residual = residual;
    op->spec = sp;
    return op;
}

static inline Op *opt_setop(OpTest *t, SetOpType type, int all, Op *l, Op *r)
{
    Op *op = opt_op(t, OP_SETOP, l->n_cols);
    memcpy(op->types, l->types, l->n_cols * sizeof(SqlType));
    op->child = l;
    op->right = r;
    SetOpSpec *sp = arena_try_calloc(t->plan, sizeof(*sp));
    assert_non_null(sp);
    sp->type = type;
    sp->all = all;
    op->spec = sp;
    return op;
}

/* --- running ---------------------------------------------------------------------------------- */

static inline int opt_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct OptRows {
    char **rows;
    size_t n, cap;
} OptRows;

static inline void opt_rows_add(OptRows *r, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->rows = realloc(r->rows, r->cap * sizeof(char *));
        assert_non_null(r->rows);
    }
    r->rows[r->n] = strdup(s);
    assert_non_null(r->rows[r->n]);
    r->n++;
}

static inline void opt_rows_free(OptRows *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->rows[i]);
    free(r->rows);
    memset(r, 0, sizeof(*r));
}

/* Sorted rows joined by "\n" (caller frees). */
static inline char *opt_rows_text(OptRows *r)
{
    if (r->n > 1)
        qsort(r->rows, r->n, sizeof(char *), opt_cmp_str);
    size_t len = 1;
    for (size_t i = 0; i < r->n; i++)
        len += strlen(r->rows[i]) + 1;
    char *s = malloc(len), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < r->n; i++) {
        size_t n = strlen(r->rows[i]);
        memcpy(p, r->rows[i], n);
        p += n;
        *p++ = '\n';
    }
    *p = 0;
    return s;
}

static inline void opt_format_row(OpTest *t, const Batch *b, uint32_t row, Buf *line)
{
    buf_reset(line);
    for (uint32_t c = 0; c < b->n_cols; c++) {
        if (c)
            assert_int_equal(buf_append_byte(line, '|'), 0);
        if (vec_is_null(&b->cols[c], row)) {
            assert_int_equal(buf_append_byte(line, 'N'), 0);
            continue;
        }
        SqlValue v;
        vec_get(&b->cols[c], row, &v);
        assert_int_equal(sql_value_to_text(&v, &t->fmt, line), 0);
    }
    assert_int_equal(buf_append_byte(line, 0), 0);
}

/* Run op to the end. Returns WEIR_OK with *text (sorted lines, caller frees), or WEIR_ERROR with t->err
 * (and *text NULL). */
static inline int opt_run_rows(OpTest *t, Op *op, OptRows *rows)
{
    memset(&t->err, 0, sizeof(t->err));
    t->n_batches = t->max_batch = 0;
    Buf line;
    buf_init(&line, 0);
    int rc = op_open(op, &t->ctx);
    while (rc == WEIR_OK) {
        Batch *b;
        rc = op_next(op, &t->ctx, &b);
        if (rc || !b)
            break;
        assert_true(b->n >= 1);
        assert_true(b->n <= VEC_BATCH);
        assert_int_equal(b->n_cols, op->n_cols);
        for (uint32_t c = 0; c < b->n_cols; c++)
            assert_int_equal(b->cols[c].type.id, op->types[c].id);
        t->n_batches++;
        if (b->n > t->max_batch)
            t->max_batch = b->n;
        for (uint32_t r = 0; r < b->n; r++) {
            opt_format_row(t, b, r, &line);
            opt_rows_add(rows, (const char *)line.p);
        }
    }
    op_close(op);
    assert_null(op->state);
    buf_fini(&line);
    if (rc)
        assert_true(t->err.sqlstate[0] != 0);
    return rc;
}

static inline int opt_run(OpTest *t, Op *op, char **text)
{
    OptRows rows = {0};
    *text = NULL;
    int rc = opt_run_rows(t, op, &rows);
    if (rc == WEIR_OK)
        *text = opt_rows_text(&rows);
    opt_rows_free(&rows);
    return rc;
}

/* The expected rows, given in any order, as opt_run's text. */
static inline char *opt_expect(const char *const *rows, size_t n)
{
    OptRows r = {0};
    for (size_t i = 0; i < n; i++)
        opt_rows_add(&r, rows[i]);
    char *s = opt_rows_text(&r);
    opt_rows_free(&r);
    return s;
}

#define OPT_N(a) (sizeof(a) / sizeof((a)[0]))

/* Run op twice (the second time after op_close, as a correlated subquery would re-open it), fail on an
 * error, and check both runs give the same rows; returns them as opt_run's text (caller frees). */
static inline char *opt_run_twice(OpTest *t, Op *op)
{
    char *a = NULL, *b = NULL;
    if (opt_run(t, op, &a))
        fail_msg("error %s: %s", t->err.sqlstate, t->err.message);
    if (opt_run(t, op, &b))
        fail_msg("error %s: %s", t->err.sqlstate, t->err.message);
    assert_string_equal(a, b);
    free(b);
    return a;
}

/* got (opt_run's text, consumed) is the rows want[0..n) in any order. */
static inline void opt_assert_text(char *got, const char *const *want, size_t n)
{
    char *w = opt_expect(want, n);
    assert_string_equal(got, w);
    free(w);
    free(got);
}

/* Run op and compare its rows with the expected ones (any order). */
#define opt_assert_rows(t, op, ...)                                                                          \
    do {                                                                                                     \
        static const char *const opt_exp_[] = {__VA_ARGS__};                                                 \
        char *opt_got_ = NULL;                                                                               \
        int opt_rc_ = opt_run((t), (op), &opt_got_);                                                         \
        if (opt_rc_)                                                                                         \
            fail_msg("error %s: %s", (t)->err.sqlstate, (t)->err.message);                                   \
        char *opt_want_ = opt_expect(opt_exp_, OPT_N(opt_exp_));                                             \
        assert_string_equal(opt_got_, opt_want_);                                                            \
        free(opt_got_);                                                                                      \
        free(opt_want_);                                                                                     \
    } while (0)

#define opt_assert_empty(t, op)                                                                              \
    do {                                                                                                     \
        char *opt_got_ = NULL;                                                                               \
        if (opt_run((t), (op), &opt_got_))                                                                   \
            fail_msg("error %s: %s", (t)->err.sqlstate, (t)->err.message);                                   \
        assert_string_equal(opt_got_, "");                                                                   \
        free(opt_got_);                                                                                      \
    } while (0)

#endif
