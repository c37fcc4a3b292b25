/*
 * op.c: the operator protocol (op.h) and the simple operators: RESULT, VALUES, PROJECT, FILTER, LIMIT,
 * APPEND.
 */
#include "exec/op.h"

#include <string.h>

#include "base/clock.h"
#include "exec/depth.h"

int exec_check_cancel(ExecCtx *ctx)
{
    if (ctx->cancel && atomic_load(ctx->cancel))
        return sql_error_set(ctx->err, "57014", 0, "canceling statement due to user request");
    return WEIR_OK;
}

void exec_expr_ctx(const ExecCtx *ctx, Arena *a, ExprCtx *out)
{
    memset(out, 0, sizeof(*out));
    out->arena = a;
    out->fmt = ctx->fmt;
    out->params = ctx->params;
    out->n_params = ctx->n_params;
    out->stmt_time_usec = ctx->stmt_time_usec;
    out->err = ctx->err;
    out->query = ctx->query;
    out->session_user = ctx->session_user;
    out->database = ctx->database;
    out->server_version = ctx->server_version;
    out->exec = (ExecCtx *)ctx;
    out->outer = ctx->outer;
}

/* DISTINCT ON over sorted input: keep a row when its keys differ from the previous row's (the previous
 * batch's last keys are copied into state, a SqlValue per key in an arena of their own). */
typedef struct UniqueState {
    Arena *keep;
    SqlValue *prev;
    int has_prev;
} UniqueState;

static int op_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Evaluate a constant bigint expression (LIMIT/OFFSET); NULL means "no limit" (returns -1). */
static int op_eval_count(ExecCtx *ctx, const Expr *e, const char *what, int64_t *out)
{
    ExprCtx ec;
    exec_expr_ctx(ctx, ctx->arena, &ec);
    Vec v;
    if (expr_eval(&ec, e, NULL, 1, &v))
        return WEIR_ERROR;
    if (vec_is_null(&v, 0)) {
        *out = -1;
        return WEIR_OK;
    }
    if (v.u.i[0] < 0)
        return sql_error_set(ctx->err, "2201W", 0, "%s must not be negative", what);
    *out = v.u.i[0];
    return WEIR_OK;
}

int op_open(Op *op, ExecCtx *ctx)
{
    if (op->is_open)
        op_close(op);
    op->batch_arena = arena_create(ctx->arena, ARENA_UNLIMITED);
    op->is_open = 1;
    op->pos = 0;
    op->st_loops++;
    /* operator trees nest as deep as the statement's subqueries did: 54001 before the stack runs out */
    if (sql_stack_check(ctx->err))
        return WEIR_ERROR;
    if (op->child && op_open(op->child, ctx))
        return WEIR_ERROR;
    if (op->right && op_open(op->right, ctx))
        return WEIR_ERROR;
    switch (op->kind) {
    case OP_SCAN: return op_scan_open(op, ctx);
    case OP_AGG: return op_agg_open(op, ctx);
    case OP_SORT: return op_sort_open(op, ctx);
    case OP_JOIN: return op_join_open(op, ctx);
    case OP_SETOP: return op_setop_open(op, ctx);
    case OP_WINDOW: return op_window_open(op, ctx);
    case OP_SYSTAB: return op_systab_open(op, ctx);
    case OP_EXPLAIN: return op_explain_open(op, ctx);
    case OP_FUNCSCAN: return op_funcscan_open(op, ctx);
    case OP_WINASSIGN: return op_winassign_open(op, ctx);
    case OP_LIMIT: {
        int64_t lim = -1, off = -1;
        if (op->limit && op_eval_count(ctx, op->limit, "LIMIT", &lim))
            return WEIR_ERROR;
        if (op->offset && op_eval_count(ctx, op->offset, "OFFSET", &off))
            return WEIR_ERROR;
        op->remaining = lim < 0 ? UINT64_MAX : (uint64_t)lim;
        op->to_skip = off < 0 ? 0 : (uint64_t)off;
        /* ORDER BY ... LIMIT: the sort below (projections keep the row count) needs only the first
         * offset + limit rows, a top-N (op_sort.c) */
        Op *below = op->child;
        while (below && below->kind == OP_PROJECT)
            below = below->child;
        if (lim > 0 && below && below->kind == OP_SORT && (uint64_t)lim <= UINT64_MAX - op->to_skip)
            op_sort_set_bound(below, (uint64_t)lim + op->to_skip);
        return WEIR_OK;
    }
    default: return WEIR_OK;
    }
}

void op_close(Op *op)
{
    if (!op || !op->is_open)
        return;
    if (op->child)
        op_close(op->child);
    if (op->right)
        op_close(op->right);
    switch (op->kind) {
    case OP_SCAN: op_scan_close(op); break;
    case OP_AGG: op_agg_close(op); break;
    case OP_SORT: op_sort_close(op); break;
    case OP_JOIN: op_join_close(op); break;
    case OP_SETOP: op_setop_close(op); break;
    case OP_WINDOW: op_window_close(op); break;
    case OP_SYSTAB: op_systab_close(op); break;
    case OP_EXPLAIN: op_explain_close(op); break;
    case OP_FUNCSCAN: op_funcscan_close(op); break;
    case OP_WINASSIGN: op_winassign_close(op); break;
    case OP_UNIQUE: {
        UniqueState *st = op->state;
        if (st && st->keep)
            arena_destroy(&st->keep);
        op->state = NULL;
        break;
    }
    default: break;
    }
    arena_destroy(&op->batch_arena);
    op->is_open = 0;
}

static int op_next_values(Op *op, ExecCtx *ctx, Batch **out)
{
    uint32_t total = op->kind == OP_RESULT ? 1 : op->n_rows;
    if (op->pos >= total) {
        *out = NULL;
        return WEIR_OK;
    }
    uint32_t n = total - op->pos;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return op_oom(ctx);
    b->n = n;
    ExprCtx ec;
    exec_expr_ctx(ctx, op->batch_arena, &ec);
    for (uint32_t r = 0; r < n && op->kind == OP_VALUES; r++) {
        for (uint32_t c = 0; c < op->n_cols; c++) {
            Vec v;
            const Expr *e = op->exprs[(size_t)(op->pos + r) * op->n_cols + c];
            if (expr_eval(&ec, e, NULL, 1, &v))
                return WEIR_ERROR;
            SqlValue sv;
            vec_get(&v, 0, &sv);
            sv.type = op->types[c];
            if (vec_put(&b->cols[c], r, &sv, op->batch_arena))
                return op_oom(ctx);
        }
    }
    op->pos += n;
    *out = b;
    return WEIR_OK;
}

static int op_next_project(Op *op, ExecCtx *ctx, Batch **out)
{
    Batch *in;
    if (op_next(op->child, ctx, &in))
        return WEIR_ERROR;
    if (!in) {
        *out = NULL;
        return WEIR_OK;
    }
    Batch *b = arena_try_calloc(op->batch_arena, sizeof(*b));
    if (!b || !(b->cols = ARENA_NEW(op->batch_arena, Vec, op->n_cols ? op->n_cols : 1)))
        return op_oom(ctx);
    b->n = in->n;
    b->n_cols = op->n_cols;
    ExprCtx ec;
    exec_expr_ctx(ctx, op->batch_arena, &ec);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        if (expr_eval(&ec, op->exprs[c], in, in->n, &b->cols[c]))
            return WEIR_ERROR;
        b->cols[c].type = op->types[c];
    }
    *out = b;
    return WEIR_OK;
}

static int op_next_filter(Op *op, ExecCtx *ctx, Batch **out)
{
    for (;;) {
        Batch *in;
        if (op_next(op->child, ctx, &in))
            return WEIR_ERROR;
        if (!in) {
            *out = NULL;
            return WEIR_OK;
        }
        uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, VEC_BATCH);
        if (!sel)
            return op_oom(ctx);
        ExprCtx ec;
        exec_expr_ctx(ctx, op->batch_arena, &ec);
        uint32_t n_sel = 0;
        if (expr_filter(&ec, op->pred, in, sel, &n_sel))
            return WEIR_ERROR;
        if (n_sel == 0) {
            arena_reset(op->batch_arena);
            if (exec_check_cancel(ctx))
                return WEIR_ERROR;
            continue;
        }
        if (n_sel == in->n) {
            *out = in;
            return WEIR_OK;
        }
        if (!(*out = batch_gather(in, sel, n_sel, op->batch_arena)))
            return op_oom(ctx);
        return WEIR_OK;
    }
}

static int op_next_limit(Op *op, ExecCtx *ctx, Batch **out)
{
    for (;;) {
        if (op->remaining == 0) {
            *out = NULL; /* LIMIT reached: stop pulling, so scans stop reading early */
            return WEIR_OK;
        }
        Batch *in;
        if (op_next(op->child, ctx, &in))
            return WEIR_ERROR;
        if (!in) {
            *out = NULL;
            return WEIR_OK;
        }
        uint32_t start = 0;
        if (op->to_skip) {
            uint64_t skip = op->to_skip < in->n ? op->to_skip : in->n;
            op->to_skip -= skip;
            start = (uint32_t)skip;
            if (start == in->n)
                continue;
        }
        uint64_t take = in->n - start;
        if (take > op->remaining)
            take = op->remaining;
        op->remaining -= take;
        if (start == 0 && take == in->n) {
            *out = in;
            return WEIR_OK;
        }
        uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, VEC_BATCH);
        if (!sel)
            return op_oom(ctx);
        for (uint32_t i = 0; i < take; i++)
            sel[i] = start + i;
        if (!(*out = batch_gather(in, sel, (uint32_t)take, op->batch_arena)))
            return op_oom(ctx);
        return WEIR_OK;
    }
}

/* Whether two values (of one type) are equal, NULLs equal (IS NOT DISTINCT FROM). */
static int unique_same(const SqlValue *a, const SqlValue *b)
{
    if (a->is_null || b->is_null)
        return a->is_null && b->is_null;
    return sql_value_cmp(a, b) == 0;
}

static int op_next_unique(Op *op, ExecCtx *ctx, Batch **out)
{
    const UniqueSpec *sp = op->spec;
    UniqueState *st = op->state;
    if (!st) {
        if (!(st = arena_try_calloc(ctx->arena, sizeof(*st))) ||
            !(st->prev = ARENA_NEW(ctx->arena, SqlValue, sp->n_keys ? sp->n_keys : 1)))
            return op_oom(ctx);
        op->state = st;
    }
    for (;;) {
        Batch *in;
        if (op_next(op->child, ctx, &in))
            return WEIR_ERROR;
        if (!in)
            return WEIR_OK;
        uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, in->n);
        if (!sel)
            return op_oom(ctx);
        uint32_t n_sel = 0;
        for (uint32_t r = 0; r < in->n; r++) {
            int same = r > 0 || st->has_prev;
            for (uint32_t k = 0; k < sp->n_keys && same; k++) {
                SqlValue a, b;
                vec_get(&in->cols[sp->cols[k]], r, &a);
                if (r > 0)
                    vec_get(&in->cols[sp->cols[k]], r - 1, &b);
                else
                    b = st->prev[k];
                same = unique_same(&a, &b);
            }
            if (!same)
                sel[n_sel++] = r;
        }
        /* remember the last row's keys: the next batch continues the run */
        if (st->keep)
            arena_destroy(&st->keep);
        if (!(st->keep = arena_create(ctx->arena, ARENA_UNLIMITED)))
            return op_oom(ctx);
        for (uint32_t k = 0; k < sp->n_keys; k++) {
            vec_get(&in->cols[sp->cols[k]], in->n - 1, &st->prev[k]);
            if (sql_value_keep(st->keep, &st->prev[k]))
                return op_oom(ctx);
        }
        st->has_prev = 1;
        if (n_sel) {
            if (!(*out = batch_gather(in, sel, n_sel, op->batch_arena)))
                return op_oom(ctx);
            return WEIR_OK;
        }
    }
}

/* UNION ALL: the child's rows, then the right input's (op->pos: which input is being read). */
static int op_next_append(Op *op, ExecCtx *ctx, Batch **out)
{
    while (op->pos < 2) {
        if (op_next(op->pos == 0 ? op->child : op->right, ctx, out))
            return WEIR_ERROR;
        if (*out)
            return WEIR_OK;
        op->pos++;
    }
    return WEIR_OK;
}

static int op_next_kind(Op *op, ExecCtx *ctx, Batch **out)
{
    switch (op->kind) {
    case OP_RESULT:
    case OP_VALUES: return op_next_values(op, ctx, out);
    case OP_PROJECT: return op_next_project(op, ctx, out);
    case OP_FILTER: return op_next_filter(op, ctx, out);
    case OP_LIMIT: return op_next_limit(op, ctx, out);
    case OP_SCAN: return op_scan_next(op, ctx, out);
    case OP_AGG: return op_agg_next(op, ctx, out);
    case OP_SORT: return op_sort_next(op, ctx, out);
    case OP_JOIN: return op_join_next(op, ctx, out);
    case OP_APPEND: return op_next_append(op, ctx, out);
    case OP_SETOP: return op_setop_next(op, ctx, out);
    case OP_WINDOW: return op_window_next(op, ctx, out);
    case OP_SYSTAB: return op_systab_next(op, ctx, out);
    case OP_EXPLAIN: return op_explain_next(op, ctx, out);
    case OP_UNIQUE: return op_next_unique(op, ctx, out);
    case OP_FUNCSCAN: return op_funcscan_next(op, ctx, out);
    case OP_WINASSIGN: return op_winassign_next(op, ctx, out);
    }
    return sql_error_set(ctx->err, "XX000", 0, "internal error: unknown operator %d", (int)op->kind);
}

int op_next(Op *op, ExecCtx *ctx, Batch **out)
{
    *out = NULL;
    if (exec_check_cancel(ctx) || sql_stack_check(ctx->err))
        return WEIR_ERROR;
    arena_reset(op->batch_arena);
    uint64_t t0 = ctx->analyze ? clock_mono_ns() : 0;
    int rc = op_next_kind(op, ctx, out);
    if (ctx->analyze)
        op->st_nsec += clock_mono_ns() - t0;
    if (*out)
        op->st_rows += (*out)->n;
    return rc;
}
