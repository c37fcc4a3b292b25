/*
 * op_setop.c: OP_SETOP (in progress: INTERSECT and EXCEPT fail with 0A000).
 */
#include "exec/op.h"

int op_setop_open(Op *op, ExecCtx *ctx)
{
    (void)op;
    return sql_error_set(ctx->err, "0A000", 0, "INTERSECT and EXCEPT are not supported yet");
}

int op_setop_next(Op *op, ExecCtx *ctx, Batch **out)
{
    (void)op;
    *out = NULL;
    return sql_error_set(ctx->err, "0A000", 0, "INTERSECT and EXCEPT are not supported yet");
}

void op_setop_close(Op *op)
{
    (void)op;
}
