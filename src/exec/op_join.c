/*
 * op_join.c: OP_JOIN (in progress: every join fails with 0A000 until the hash join lands).
 */
#include "exec/op.h"

int op_join_open(Op *op, ExecCtx *ctx)
{
    (void)op;
    return sql_error_set(ctx->err, "0A000", 0, "joins are not supported yet");
}

int op_join_next(Op *op, ExecCtx *ctx, Batch **out)
{
    (void)op;
    *out = NULL;
    return sql_error_set(ctx->err, "0A000", 0, "joins are not supported yet");
}

void op_join_close(Op *op)
{
    (void)op;
}
