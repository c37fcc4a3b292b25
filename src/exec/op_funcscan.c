/*
 * op_funcscan.c: OP_FUNCSCAN, the set-returning functions weir accepts in FROM:
 * generate_series(start, stop [, step]) over integers, numerics and timestamps (PostgreSQL's rules: the
 * step may be negative, zero is 22023 "step size cannot equal zero", the series includes stop when it
 * lands on it, NULL arguments give no rows), and unnest(array) (its elements in order, NULLs kept).
 *
 * Arguments are evaluated once, at open, in the query arena: they may read the enclosing query's row
 * (a correlated subquery's FROM pg_catalog.unnest(outer.col)), which is how psql's \d uses it.
 */
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

typedef struct FuncScanState {
    SqlValue arg[3];
    int done;
    int64_t cur_i;          /* SERIES_INT / SERIES_TS: next value */
    SqlNumeric cur_n;       /* SERIES_NUMERIC */
    SqlValue *elems;        /* UNNEST */
    int64_t n_elems, pos;
} FuncScanState;

static int fs_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

int op_funcscan_open(Op *op, ExecCtx *ctx)
{
    const FuncScanSpec *sp = op->spec;
    FuncScanState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    if (!st)
        return fs_oom(ctx);
    op->state = st;
    ExprCtx ec;
    exec_expr_ctx(ctx, ctx->arena, &ec);
    for (uint32_t i = 0; i < sp->n_args && i < 3; i++) {
        Vec v;
        if (expr_eval(&ec, sp->args[i], NULL, 1, &v))
            return WEIR_ERROR;
        vec_get(&v, 0, &st->arg[i]);
        if (sql_value_keep(ctx->arena, &st->arg[i]))
            return fs_oom(ctx);
        if (st->arg[i].is_null)
            st->done = 1; /* strict: no rows */
    }
    if (st->done)
        return WEIR_OK;
    switch (sp->kind) {
    case FUNCSCAN_SERIES_INT:
        if (sp->n_args == 3 && st->arg[2].u.i == 0)
            return sql_error_set(ctx->err, "22023", 0, "step size cannot equal zero");
        st->cur_i = st->arg[0].u.i;
        break;
    case FUNCSCAN_SERIES_NUMERIC:
        if (sp->n_args == 3 && st->arg[2].u.num.kind == SQL_NUM_FINITE && st->arg[2].u.num.v == 0)
            return sql_error_set(ctx->err, "22023", 0, "step size cannot equal zero");
        for (uint32_t i = 0; i < sp->n_args; i++)
            if (st->arg[i].u.num.kind != SQL_NUM_FINITE)
                return sql_error_set(ctx->err, "22023", 0, "%s value cannot be NaN or infinity",
                                     i == 0 ? "start" : i == 1 ? "stop" : "step size");
        st->cur_n = st->arg[0].u.num;
        break;
    case FUNCSCAN_SERIES_TS: {
        const SqlInterval *iv = &st->arg[2].u.iv;
        if (iv->months == 0 && iv->days == 0 && iv->usec == 0)
            return sql_error_set(ctx->err, "22023", 0, "step size cannot equal zero");
        st->cur_i = st->arg[0].u.i;
        break;
    }
    case FUNCSCAN_UNNEST: {
        SqlType et = SQL_TYPE(SQL_ELEM_OF(sp->args[0]->type.id));
        st->n_elems = expr_array_parse(&ec, st->arg[0].u.s, et, &st->elems);
        if (st->n_elems < 0)
            return WEIR_ERROR;
        break;
    }
    }
    return WEIR_OK;
}

int op_funcscan_next(Op *op, ExecCtx *ctx, Batch **out)
{
    const FuncScanSpec *sp = op->spec;
    FuncScanState *st = op->state;
    *out = NULL;
    if (st->done)
        return WEIR_OK;
    Batch *b = batch_create(op->batch_arena, op->types, 1);
    if (!b)
        return fs_oom(ctx);
    Vec *v = &b->cols[0];
    uint32_t n = 0;
    const SqlTz *tz = op->types[0].id == SQL_TIMESTAMPTZ ? ctx->fmt->tz : NULL;
    while (n < VEC_BATCH && !st->done) {
        switch (sp->kind) {
        case FUNCSCAN_SERIES_INT: {
            int64_t step = sp->n_args == 3 ? st->arg[2].u.i : 1, stop = st->arg[1].u.i;
            if (step > 0 ? st->cur_i > stop : st->cur_i < stop) {
                st->done = 1;
                break;
            }
            v->u.i[n++] = st->cur_i;
            if (__builtin_add_overflow(st->cur_i, step, &st->cur_i))
                st->done = 1; /* the next value would not fit: the series ends here, as PostgreSQL's */
            break;
        }
        case FUNCSCAN_SERIES_NUMERIC: {
            SqlNumeric step = {0};
            if (sp->n_args == 3)
                step = st->arg[2].u.num;
            else
                step.v = 1;
            int dir = sp->n_args == 3 ? (step.v > 0 ? 1 : -1) : 1;
            int c = sql_numeric_cmp(&st->cur_n, &st->arg[1].u.num);
            if (dir > 0 ? c > 0 : c < 0) {
                st->done = 1;
                break;
            }
            v->u.num[n++] = st->cur_n;
            SqlNumeric next;
            if (sql_numeric_add(&st->cur_n, &step, &next, ctx->err))
                return WEIR_ERROR;
            st->cur_n = next;
            break;
        }
        case FUNCSCAN_SERIES_TS: {
            const SqlInterval *iv = &st->arg[2].u.iv;
            /* direction from the step's sign as PostgreSQL judges it (interval comparison with zero) */
            SqlInterval zero = {0};
            int dir = sql_interval_cmp(iv, &zero) > 0 ? 1 : -1;
            if (dir > 0 ? st->cur_i > st->arg[1].u.i : st->cur_i < st->arg[1].u.i) {
                st->done = 1;
                break;
            }
            v->u.i[n++] = st->cur_i;
            if (sql_timestamp_pl_interval(st->cur_i, iv, tz, &st->cur_i, ctx->err))
                return WEIR_ERROR;
            break;
        }
        case FUNCSCAN_UNNEST:
            if (st->pos >= st->n_elems) {
                st->done = 1;
                break;
            }
            if (st->elems[st->pos].is_null) {
                if (vec_set_null(v, n, op->batch_arena))
                    return fs_oom(ctx);
                n++;
            } else if (vec_put(v, n++, &st->elems[st->pos], op->batch_arena)) {
                return fs_oom(ctx);
            }
            st->pos++;
            break;
        }
    }
    if (exec_check_cancel(ctx))
        return WEIR_ERROR;
    if (!n)
        return WEIR_OK;
    b->n = n;
    *out = b;
    return WEIR_OK;
}
