/*
 * buf.h: a growable byte buffer with a hard maximum size (curl's dynbuf), and a borrowed slice.
 *
 * A Buf owns its bytes; buf_fini() frees them. Every append checks the maximum and returns
 * WEIR_ELIMIT instead of growing past it, so no peer can make weir allocate without bound.
 * The contents are always NUL-terminated (not counted in len) so they can be handed to C string
 * functions. A Slice borrows bytes someone else owns: valid only as long as that owner keeps them.
 */
#ifndef WEIR_BASE_BUF_H
#define WEIR_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"

typedef struct Slice {
    const uint8_t *p;
    size_t n;
} Slice;

#define SLICE_LIT(s) ((Slice){(const uint8_t *)(s), sizeof(s) - 1})
static inline Slice slice_from_cstr(const char *s) { return (Slice){(const uint8_t *)s, strlen(s)}; }
static inline int slice_eq_cstr(Slice s, const char *c)
{
    size_t n = strlen(c);
    return s.n == n && memcmp(s.p, c, n) == 0;
}
/* Case-insensitive ASCII comparison, for header names. */
int slice_case_eq_cstr(Slice s, const char *c);

typedef struct Buf {
    uint8_t *p;
    size_t len;
    size_t cap;
    size_t max; /* appends that would exceed this fail with WEIR_ELIMIT */
} Buf;

#define BUF_MAX_DEFAULT ((size_t)1 << 30)

void buf_init(Buf *b, size_t max);
void buf_fini(Buf *b);
static inline void buf_reset(Buf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}
/* Make room for n more bytes; returns WEIR_OK or WEIR_ELIMIT. */
int buf_reserve(Buf *b, size_t n) WEIR_WARN_UNUSED;
int buf_append(Buf *b, const void *p, size_t n) WEIR_WARN_UNUSED;
int buf_append_cstr(Buf *b, const char *s) WEIR_WARN_UNUSED;
int buf_append_byte(Buf *b, uint8_t c) WEIR_WARN_UNUSED;
int buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3))) WEIR_WARN_UNUSED;
int buf_vprintf(Buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0))) WEIR_WARN_UNUSED;
/* Take ownership of the bytes: returns the malloc'd array (free with free()) and empties b. */
uint8_t *buf_steal(Buf *b, size_t *len);

#endif
