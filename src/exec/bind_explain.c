/*
 * bind_explain.c: EXPLAIN [ANALYZE] (in progress: fails with 0A000).
 */
#include "exec/bind_int.h"

int bind_explain(BindCtx *ctx, PgQuery__ExplainStmt *e, BoundStmt *out)
{
    (void)e, (void)out;
    return sql_error_set(ctx->err, "0A000", 0, "EXPLAIN is not supported yet");
}
