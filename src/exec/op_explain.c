/*
 * op_explain.c: OP_EXPLAIN (in progress: EXPLAIN fails with 0A000).
 */
#include "exec/op.h"

int op_explain_open(Op *op, ExecCtx *ctx)
{
    (void)op;
    return sql_error_set(ctx->err, "0A000", 0, "EXPLAIN is not supported yet");
}

int op_explain_next(Op *op, ExecCtx *ctx, Batch **out)
{
    (void)op;
    *out = NULL;
    return sql_error_set(ctx->err, "0A000", 0, "EXPLAIN is not supported yet");
}

void op_explain_close(Op *op)
{
    (void)op;
}
