/*
 * buf.c: growable byte buffer with a maximum. See buf.h.
 */
#include "base/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

int slice_case_eq_cstr(Slice s, const char *c)
{
    size_t n = strlen(c);
    if (s.n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower(s.p[i]) != tolower((unsigned char)c[i]))
            return 0;
    return 1;
}

void buf_init(Buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_MAX_DEFAULT;
}

void buf_fini(Buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

int buf_reserve(Buf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return WEIR_ELIMIT;
    size_t need = b->len + n + 1; /* +1 keeps room for the terminating NUL */
    if (need <= b->cap)
        return WEIR_OK;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap < ((size_t)1 << 62) ? cap * 2 : need;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
    return WEIR_OK;
}

int buf_append(Buf *b, const void *p, size_t n)
{
    int rc = buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return WEIR_OK;
}

int buf_append_cstr(Buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_append_byte(Buf *b, uint8_t c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(Buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return WEIR_ERROR;
    if ((size_t)n < sizeof(small))
        return buf_append(b, small, (size_t)n);
    int rc = buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return WEIR_OK;
}

int buf_printf(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

uint8_t *buf_steal(Buf *b, size_t *len)
{
    uint8_t *p = b->p;
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}
