/*
 * op_window.c: OP_WINDOW (in progress: window functions fail with 0A000).
 */
#include "exec/op.h"

int op_window_open(Op *op, ExecCtx *ctx)
{
    (void)op;
    return sql_error_set(ctx->err, "0A000", 0, "window functions are not supported yet");
}

int op_window_next(Op *op, ExecCtx *ctx, Batch **out)
{
    (void)op;
    *out = NULL;
    return sql_error_set(ctx->err, "0A000", 0, "window functions are not supported yet");
}

void op_window_close(Op *op)
{
    (void)op;
}
