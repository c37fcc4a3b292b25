/*
 * op_funcscan.c: OP_FUNCSCAN, the set-returning functions weir has:
 * generate_series(start, stop [, step]) over integers, numerics and timestamps (PostgreSQL's rules: the
 * step may be negative, zero is 22023 "step size cannot equal zero", the series includes stop when it
 * lands on it, NULL arguments give no rows), unnest(array) (its elements in order, NULLs kept), and
 * information_schema._pg_expandarray(array) (two columns: x, each element, and n, its 1-based ordinal;
 * JDBC's index and primary key metadata calls it).
 *
 * Two shapes:
 *   - in FROM (no child): the arguments are evaluated once, at open, in the query arena: they may read
 *     the enclosing query's row (a correlated subquery's FROM pg_catalog.unnest(outer.col)), which is
 *     how psql's \d uses it;
 *   - in a SELECT list (a child, PostgreSQL's ProjectSet): for each row of the child the arguments are
 *     evaluated over that row and the function runs; the output is the child's columns followed by the
 *     function's, one row per value (a row whose call returns nothing is dropped, as in PostgreSQL).
 *
 * State machine (child shape): a call is either running (fs_call_begin done, fs_step not yet done) or
 * not; op_funcscan_next fills a batch by stepping the running call, starting the call of the next child
 * row when one ends, and asking the child for a new batch only while its own batch is still empty, so
 * the child's values it copies (vec_put borrows strings) stay valid as long as the batch they land in.
 * A call's own strings (array elements) live in a per-call arena and are copied into the batch arena.
 */
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

typedef struct FuncScanState {
    SqlValue arg[3];
    int done;               /* the running call has no more rows (or none is running) */
    int64_t cur_i;          /* SERIES_INT / SERIES_TS: next value */
    SqlNumeric cur_n;       /* SERIES_NUMERIC */
    SqlValue *elems;        /* UNNEST, EXPAND_ARRAY */
    int64_t n_elems, pos;
    /* child shape */
    Batch *in;              /* the child's current batch */
    uint32_t in_row;        /* the row of in whose call runs (or the next to start) */
    Vec *argv;              /* the arguments evaluated over in, in in_arena */
    int child_done;
    Arena *in_arena;        /* argv, reset per child batch (a batch can take several of ours) */
    Arena *call_arena;      /* the running call's parsed elements, reset per call */
} FuncScanState;

static int fs_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Start a call with the argument values in st->arg (arrays parsed into a). */
static int fs_call_begin(const FuncScanSpec *sp, FuncScanState *st, ExprCtx *ec, ExecCtx *ctx)
{
    st->done = 0;
    st->pos = 0;
    for (uint32_t i = 0; i < sp->n_args && i < 3; i++)
        if (st->arg[i].is_null)
            st->done = 1; /* strict: no rows */
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
    case FUNCSCAN_UNNEST:
    case FUNCSCAN_EXPAND_ARRAY: {
        int64_t lower;
        st->n_elems = expr_elems_parse(ec, st->arg[0].u.s, sp->args[0]->type.id, &st->elems, &lower);
        if (st->n_elems < 0)
            return WEIR_ERROR;
        break;
    }
    }
    return WEIR_OK;
}

/* Put v into row `row` of out, its string copied into a when copy is set. */
static int fs_put(ExecCtx *ctx, Vec *out, uint32_t row, SqlValue v, Arena *a, int copy)
{
    if (v.is_null)
        return vec_set_null(out, row, a) ? fs_oom(ctx) : WEIR_OK;
    if ((copy && sql_value_keep(a, &v)) || vec_put(out, row, &v, a))
        return fs_oom(ctx);
    return WEIR_OK;
}

/* The running call's next row into row `row` of cols (the function's output vectors); *got = 0 when the
 * call has ended. copy: strings are copied into a (the call's own arena is reset before the batch is
 * read). */
static int fs_step(const FuncScanSpec *sp, FuncScanState *st, ExecCtx *ctx, const SqlTz *tz, Vec *cols,
                   uint32_t row, Arena *a, int copy, int *got)
{
    *got = 0;
    if (st->done)
        return WEIR_OK;
    Vec *v = &cols[0];
    switch (sp->kind) {
    case FUNCSCAN_SERIES_INT: {
        int64_t step = sp->n_args == 3 ? st->arg[2].u.i : 1, stop = st->arg[1].u.i;
        if (step > 0 ? st->cur_i > stop : st->cur_i < stop) {
            st->done = 1;
            return WEIR_OK;
        }
        v->u.i[row] = st->cur_i;
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
            return WEIR_OK;
        }
        v->u.num[row] = st->cur_n;
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
            return WEIR_OK;
        }
        v->u.i[row] = st->cur_i;
        if (sql_timestamp_pl_interval(st->cur_i, iv, tz, &st->cur_i, ctx->err))
            return WEIR_ERROR;
        break;
    }
    case FUNCSCAN_UNNEST:
    case FUNCSCAN_EXPAND_ARRAY:
        if (st->pos >= st->n_elems) {
            st->done = 1;
            return WEIR_OK;
        }
        if (fs_put(ctx, v, row, st->elems[st->pos], a, copy))
            return WEIR_ERROR;
        st->pos++;
        if (sp->kind == FUNCSCAN_EXPAND_ARRAY)
            cols[1].u.i[row] = st->pos; /* n: the 1-based ordinal */
        break;
    }
    *got = 1;
    return WEIR_OK;
}

int op_funcscan_open(Op *op, ExecCtx *ctx)
{
    const FuncScanSpec *sp = op->spec;
    FuncScanState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    if (!st)
        return fs_oom(ctx);
    op->state = st;
    if (op->child) {
        /* (op_open opened the child) no call yet: the first next starts one */
        st->done = 1;
        if (!(st->call_arena = arena_create(ctx->arena, ARENA_UNLIMITED)) ||
            !(st->in_arena = arena_create(ctx->arena, ARENA_UNLIMITED)))
            return fs_oom(ctx);
        return WEIR_OK;
    }
    ExprCtx ec;
    exec_expr_ctx(ctx, ctx->arena, &ec);
    for (uint32_t i = 0; i < sp->n_args && i < 3; i++) {
        Vec v;
        if (expr_eval(&ec, sp->args[i], NULL, 1, &v))
            return WEIR_ERROR;
        vec_get(&v, 0, &st->arg[i]);
        if (sql_value_keep(ctx->arena, &st->arg[i]))
            return fs_oom(ctx);
    }
    return fs_call_begin(sp, st, &ec, ctx);
}

/* Child shape: start the call of the next child row that has one, fetching a child batch only when
 * allowed (the output is still empty). *started = 0 when there is none for now. */
static int fs_next_call(Op *op, ExecCtx *ctx, FuncScanState *st, int may_fetch, int *started)
{
    const FuncScanSpec *sp = op->spec;
    *started = 0;
    for (;;) {
        if (st->in && st->in_row + 1 < st->in->n) {
            st->in_row++;
        } else {
            if (!may_fetch || st->child_done)
                return WEIR_OK;
            Batch *in;
            if (op_next(op->child, ctx, &in))
                return WEIR_ERROR;
            if (!in) {
                st->child_done = 1;
                st->in = NULL;
                return WEIR_OK;
            }
            st->in = in;
            st->in_row = 0;
            /* the arguments over the whole batch, kept while in is */
            arena_reset(st->in_arena);
            if (!(st->argv = ARENA_NEW(st->in_arena, Vec, sp->n_args ? sp->n_args : 1)))
                return fs_oom(ctx);
            ExprCtx ec;
            exec_expr_ctx(ctx, st->in_arena, &ec);
            for (uint32_t i = 0; i < sp->n_args; i++)
                if (expr_eval(&ec, sp->args[i], in, in->n, &st->argv[i]))
                    return WEIR_ERROR;
        }
        arena_reset(st->call_arena);
        for (uint32_t i = 0; i < sp->n_args && i < 3; i++)
            vec_get(&st->argv[i], st->in_row, &st->arg[i]);
        ExprCtx ec;
        exec_expr_ctx(ctx, st->call_arena, &ec);
        if (fs_call_begin(sp, st, &ec, ctx))
            return WEIR_ERROR;
        if (!st->done) {
            *started = 1;
            return WEIR_OK;
        }
    }
}

int op_funcscan_next(Op *op, ExecCtx *ctx, Batch **out)
{
    const FuncScanSpec *sp = op->spec;
    FuncScanState *st = op->state;
    *out = NULL;
    if (!op->child && st->done)
        return WEIR_OK;
    /* the function's columns follow the child's (none in FROM) */
    uint32_t n_in = op->child ? op->child->n_cols : 0, n = 0;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return fs_oom(ctx);
    const SqlTz *tz = op->types[n_in].id == SQL_TIMESTAMPTZ ? ctx->fmt->tz : NULL;
    while (n < VEC_BATCH) {
        int got;
        /* in FROM the elements live in the query arena for the whole scan: no copy */
        if (fs_step(sp, st, ctx, tz, &b->cols[n_in], n, op->batch_arena, op->child != NULL, &got))
            return WEIR_ERROR;
        if (!got) {
            /* the call ended: in FROM the scan with it; else the next row's, a new child batch only while
             * this batch is empty (the child's values already copied borrow its batch's strings) */
            int started = 0;
            if (op->child && fs_next_call(op, ctx, st, n == 0, &started))
                return WEIR_ERROR;
            if (!started)
                break;
            continue;
        }
        for (uint32_t c = 0; c < n_in; c++) {
            SqlValue v;
            vec_get(&st->in->cols[c], st->in_row, &v);
            if (fs_put(ctx, &b->cols[c], n, v, op->batch_arena, 0))
                return WEIR_ERROR;
        }
        n++;
    }
    if (exec_check_cancel(ctx))
        return WEIR_ERROR;
    if (n) {
        b->n = n;
        *out = b;
    }
    return WEIR_OK;
}

void op_funcscan_close(Op *op)
{
    FuncScanState *st = op->state;
    if (st) {
        arena_destroy(&st->call_arena);
        arena_destroy(&st->in_arena);
    }
    op->state = NULL;
}
