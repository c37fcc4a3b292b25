/*
 * bind_scan.c: predicates pushed into scans (bind_int.h) (in progress: nothing is pushed down yet, so
 * scans read their whole snapshot).
 */
#include "exec/bind_int.h"

int bind_scan_pushdown(BindCtx *ctx, Op *scan, const Expr *pred)
{
    (void)ctx, (void)scan, (void)pred;
    return WEIR_OK;
}
