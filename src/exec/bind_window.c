/*
 * bind_window.c: window function calls (bind_int.h) (in progress: OVER fails with 0A000).
 */
#include "exec/bind_int.h"

struct WinBind {
    uint32_t n;
};

WinBind *bind_window_begin(BindCtx *ctx, PgQuery__Node **window_clause, size_t n_window_clause)
{
    (void)window_clause;
    (void)n_window_clause;
    WinBind *wb = arena_try_calloc(ctx->arena, sizeof(*wb));
    if (!wb)
        bind_oom(ctx);
    return wb;
}

Expr *bind_window_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    (void)name;
    BIND_ERR(ctx, "0A000", fc->location, "window functions are not supported yet");
    return NULL;
}

uint32_t bind_window_count(const WinBind *wb)
{
    return wb ? wb->n : 0;
}

int bind_window_rewrite(BindCtx *ctx, WinBind *wb, Expr **keys, uint32_t n_keys)
{
    (void)ctx, (void)wb, (void)keys, (void)n_keys;
    return WEIR_OK;
}

int bind_window_finish(BindCtx *ctx, WinBind *wb, Op *child, Expr **exprs, uint32_t n, Op **out)
{
    (void)ctx, (void)wb, (void)exprs, (void)n;
    *out = child;
    return WEIR_OK;
}
