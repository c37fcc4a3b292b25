/*
 * err.c: the Err struct's helpers and the aborting allocators. See err.h for the conventions.
 */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void err_clear(Err *e)
{
    if (!e)
        return;
    e->code = WEIR_OK;
    e->sqlstate[0] = '\0';
    e->pos = 0;
    e->msg[0] = '\0';
}

int err_set(Err *e, int code, const char *fmt, ...)
{
    if (!e || e->code != WEIR_OK)
        return code;
    e->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *err_code_name(int code)
{
    switch (code) {
    case WEIR_OK: return "OK";
    case WEIR_ERROR: return "ERROR";
    case WEIR_ENOMEM: return "ENOMEM";
    case WEIR_EPARSE: return "EPARSE";
    case WEIR_ENOTFOUND: return "ENOTFOUND";
    case WEIR_EAGAIN: return "EAGAIN";
    case WEIR_ELIMIT: return "ELIMIT";
    case WEIR_EIO: return "EIO";
    case WEIR_ECORRUPT: return "ECORRUPT";
    case WEIR_EPROTO: return "EPROTO";
    case WEIR_EEXIST: return "EEXIST";
    case WEIR_EINVAL: return "EINVAL";
    case WEIR_EBUSY: return "EBUSY";
    case WEIR_EEXPIRED: return "EEXPIRED";
    default: return "E?";
    }
}

void weir_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("weir: panic: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        weir_panic("out of memory (malloc %zu)", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        weir_panic("out of memory (calloc %zu x %zu)", n, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        weir_panic("out of memory (realloc %zu)", n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
