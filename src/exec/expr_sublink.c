/*
 * expr_sublink.c: subqueries in expressions (in progress).
 */
#include "exec/expr.h"

int expr_sublink_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    (void)e, (void)in, (void)n, (void)out;
    return sql_error_set(ctx->err, "0A000", 0, "subqueries are not supported yet");
}
