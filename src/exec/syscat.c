/*
 * syscat.c: the system catalogs (syscat.h) (in progress: no table yet).
 */
#include "exec/syscat.h"

#include "exec/op.h"

const SysTableDef *syscat_find(const char *schema, const char *name)
{
    (void)schema;
    (void)name;
    return NULL;
}

int op_systab_open(Op *op, ExecCtx *ctx)
{
    (void)op;
    return sql_error_set(ctx->err, "0A000", 0, "system catalogs are not supported yet");
}

int op_systab_next(Op *op, ExecCtx *ctx, Batch **out)
{
    (void)op;
    *out = NULL;
    return sql_error_set(ctx->err, "0A000", 0, "system catalogs are not supported yet");
}

void op_systab_close(Op *op)
{
    (void)op;
}
