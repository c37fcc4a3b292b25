/*
 * fn_str.c: string functions (length, lower/upper/initcap, substr, strpos, replace, split_part, the
 * trims, the pads, left/right, reverse, repeat, concat, concat_ws, ||, md5, starts_with, to_hex, chr,
 * ascii, format, quote_*, translate, overlay, string_to_array, encode/decode) as vectorized kernels with PostgreSQL 15's
 * results and errors, in a UTF-8 database with collation "C" and LC_CTYPE C.UTF-8 (case mapping of every
 * letter, fn_utf8_case_map in fn_common.c). LIKE and regular expressions are in fn_like.c.
 *
 * Memory: a result that is a piece of an argument (substr, btrim, left, split_part, lower of a string
 * without upper-case letters...) is returned as a Slice into the argument, which lives at least as
 * long as the output batch (func.h); other results are written through FnStr into the batch arena.
 * Kernels that assemble a result from several parts use one malloc'd Buf per call, reused across rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/u128.h"
#include "sql/fn_int.h"
#include "sql/typeio.h"

/* Strings may not exceed PostgreSQL's 1 GB varlena limit (MaxAllocSize - header). */
#define FN_MAX_STRING ((size_t)0x3FFFFFFF - 4)

static int too_large_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "54000", 0, "requested length too large");
}

static int buf_error(SqlFnCtx *ctx, int rc)
{
    return rc == WEIR_ELIMIT ? too_large_error(ctx) : fn_error_oom(ctx);
}

/* ------------------------------------------------------------------------------------------------
 * Lengths
 * ---------------------------------------------------------------------------------------------- */

SQL_FN_KERNEL(fn_textlen)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = (int64_t)fn_utf8_count(a[i].p, a[i].n);
    return WEIR_OK;
}

/* length(character(n)): trailing spaces do not count (bpcharlen). */
SQL_FN_KERNEL(fn_bpcharlen)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        size_t n = a[i].n;
        while (n && a[i].p[n - 1] == ' ')
            n--;
        r[i] = (int64_t)fn_utf8_count(a[i].p, n);
    }
    return WEIR_OK;
}

/* bit_length of text and bytea: octets times eight. */
SQL_FN_KERNEL(fn_bitlen)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = (int64_t)a[i].n * 8;
    return WEIR_OK;
}

/* octet_length of text, bytea and character(n) (padding included, as bpcharoctetlen). */
SQL_FN_KERNEL(fn_octetlen)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = (int64_t)a[i].n;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Case mapping: C.UTF-8's simple case mapping of every letter (fn_utf8_case_map in fn_common.c), as
 * PostgreSQL's str_toupper/str_tolower/str_initcap in a C.UTF-8 cluster
 * ---------------------------------------------------------------------------------------------- */

/* lower/upper return the argument itself when it is ASCII with no letter to change, which is common
 * (already lower-case keys) and saves the copy; ASCII text is mapped byte by byte, anything else
 * character by character. */
static int case_map(SqlFnCtx *ctx, const Vec *args, Vec *out, uint8_t lo, uint8_t hi, int mode)
{
    const Slice *a = args[0].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const uint8_t *p = a[i].p;
        size_t n = a[i].n, k = 0;
        while (k < n && p[k] < 0x80 && (uint8_t)(p[k] - lo) > (uint8_t)(hi - lo))
            k++;
        if (k == n) {
            r[i] = a[i];
            continue;
        }
        uint8_t *d = fn_str_reserve(&w, FN_CASE_MAP_CAP(n));
        if (!d)
            return WEIR_ERROR;
        memcpy(d, p, k);
        for (; k < n && p[k] < 0x80; k++) {
            uint8_t c = p[k];
            d[k] = (uint8_t)(c - lo) <= (uint8_t)(hi - lo) ? (uint8_t)(c ^ 0x20) : c;
        }
        r[i] = fn_str_take(&w, k + fn_utf8_case_map(p + k, n - k, d + k, mode));
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_lower)
{
    UNUSED(n_args);
    return case_map(ctx, args, out, 'A', 'Z', FN_CASE_LOWER);
}

SQL_FN_KERNEL(fn_upper)
{
    UNUSED(n_args);
    return case_map(ctx, args, out, 'a', 'z', FN_CASE_UPPER);
}

/* initcap: upper-case the first letter or digit of each run of letters and digits (iswalnum in
 * C.UTF-8, so 'ł' and 'é' continue a word), lower-case the rest. */
SQL_FN_KERNEL(fn_initcap)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        uint8_t *d = fn_str_reserve(&w, FN_CASE_MAP_CAP(a[i].n));
        if (!d)
            return WEIR_ERROR;
        r[i] = fn_str_take(&w, fn_utf8_case_map(a[i].p, a[i].n, d, FN_CASE_INITCAP));
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Substrings
 * ---------------------------------------------------------------------------------------------- */

static int negative_length_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "22011", 0, "negative substring length not allowed");
}

/* Characters [start, start + count) of s, 1-based, clipped to the string (text_substring): a start
 * before 1 eats into the count. count < 0 means "to the end". Units are characters when utf8, else
 * bytes (bytea). */
static Slice substr_slice(Slice s, int64_t start, int64_t count, int utf8)
{
    int64_t end = count < 0 ? INT64_MAX : (start > INT64_MAX - count ? INT64_MAX : start + count);
    if (start < 1)
        start = 1;
    if (end <= start)
        return (Slice){s.p, 0};
    size_t from, to;
    if (utf8) {
        from = fn_utf8_offset(s.p, s.n, (size_t)(start - 1));
        to = end == INT64_MAX ? s.n : from + fn_utf8_offset(s.p + from, s.n - from, (size_t)(end - start));
    } else {
        from = (uint64_t)(start - 1) < s.n ? (size_t)(start - 1) : s.n;
        to = end == INT64_MAX || (uint64_t)(end - 1) > s.n ? s.n : (size_t)(end - 1);
    }
    return (Slice){s.p + from, to - from};
}

static int substr_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int utf8)
{
    const Slice *a = args[0].u.s;
    const int64_t *st = args[1].u.i;
    const int64_t *cnt = n_args > 2 ? args[2].u.i : NULL;
    Slice *r = out->u.s;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t c = cnt ? cnt[i] : -1;
        if (cnt && c < 0)
            return negative_length_error(ctx);
        r[i] = substr_slice(a[i], st[i], c, utf8);
    }
    return WEIR_OK;
}

/* One kernel per type serves both arities: substr_kernel reads the count only when it is given. */
SQL_FN_KERNEL(fn_substr)
{
    return substr_kernel(ctx, args, n_args, out, 1);
}
SQL_FN_KERNEL(fn_bytea_substr)
{
    return substr_kernel(ctx, args, n_args, out, 0);
}

/* left(s, n): the first n characters; n < 0: all but the last -n. right(s, n) mirrors it. */
SQL_FN_KERNEL(fn_left)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    const int64_t *k = args[1].u.i;
    Slice *r = out->u.s;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t n = k[i];
        if (n < 0) {
            int64_t len = (int64_t)fn_utf8_count(a[i].p, a[i].n);
            n = len + n > 0 ? len + n : 0;
        }
        r[i] = (Slice){a[i].p, fn_utf8_offset(a[i].p, a[i].n, (size_t)n)};
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_right)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s;
    const int64_t *k = args[1].u.i;
    Slice *r = out->u.s;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t n = k[i];
        int64_t len = (int64_t)fn_utf8_count(a[i].p, a[i].n);
        int64_t skip = n < 0 ? -n : (len - n > 0 ? len - n : 0);
        if (n < 0 && n == INT64_MIN)
            skip = len;
        size_t off = fn_utf8_offset(a[i].p, a[i].n, (size_t)(skip < len ? skip : len));
        r[i] = (Slice){a[i].p + off, a[i].n - off};
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Searching
 * ---------------------------------------------------------------------------------------------- */

static inline const uint8_t *find(const uint8_t *h, size_t hn, const uint8_t *nd, size_t nn)
{
    if (nn == 0)
        return h;
    if (nn > hn)
        return NULL;
    return memmem(h, hn, nd, nn);
}

/* strpos / position: 1-based character position of the first occurrence, 0 when absent. */
SQL_FN_KERNEL(fn_strpos)
{
    UNUSED(n_args);
    const Slice *h = args[0].u.s, *nd = args[1].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const uint8_t *m = find(h[i].p, h[i].n, nd[i].p, nd[i].n);
        r[i] = m ? (int64_t)fn_utf8_count(h[i].p, (size_t)(m - h[i].p)) + 1 : 0;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_starts_with)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s, *b = args[1].u.s;
    uint8_t *r = out->u.b;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = a[i].n >= b[i].n && (b[i].n == 0 || memcmp(a[i].p, b[i].p, b[i].n) == 0);
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_replace)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s, *from = args[1].u.s, *to = args[2].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const uint8_t *p = s[i].p, *end = s[i].p + s[i].n;
        const uint8_t *m = from[i].n ? find(p, s[i].n, from[i].p, from[i].n) : NULL;
        if (!m) {
            r[i] = s[i];
            continue;
        }
        /* count the occurrences to size the result exactly */
        size_t count = 0;
        for (const uint8_t *q = m; q;
             q = find(q + from[i].n, (size_t)(end - q - from[i].n), from[i].p, from[i].n))
            count++;
        size_t len = s[i].n - count * from[i].n;
        if (to[i].n && count > (FN_MAX_STRING - len) / to[i].n)
            return too_large_error(ctx);
        len += count * to[i].n;
        uint8_t *d = fn_str_reserve(&w, len), *o = d;
        if (!d)
            return WEIR_ERROR;
        while (m) {
            memcpy(o, p, (size_t)(m - p));
            o += m - p;
            if (to[i].n)
                memcpy(o, to[i].p, to[i].n);
            o += to[i].n;
            p = m + from[i].n;
            m = find(p, (size_t)(end - p), from[i].p, from[i].n);
        }
        memcpy(o, p, (size_t)(end - p));
        r[i] = fn_str_take(&w, len);
    }
    return WEIR_OK;
}

/* split_part(s, delim, n): the n-th field (1-based; negative counts from the end). An empty
 * delimiter makes the whole string the only field. */
SQL_FN_KERNEL(fn_split_part)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s, *dl = args[1].u.s;
    const int64_t *fld = args[2].u.i;
    Slice *r = out->u.s;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t k = fld[i];
        if (k == 0)
            return sql_error_set(ctx->err, "22023", 0, "field position must not be zero");
        const uint8_t *p = s[i].p, *end = s[i].p + s[i].n;
        size_t dn = dl[i].n;
        if (s[i].n == 0) {
            r[i] = (Slice){p, 0};
            continue;
        }
        if (dn == 0) {
            r[i] = k == 1 || k == -1 ? s[i] : (Slice){p, 0};
            continue;
        }
        if (k < 0) {
            /* count the fields, then take the field number n + k + 1 */
            int64_t nf = 1;
            for (const uint8_t *q = find(p, s[i].n, dl[i].p, dn); q;
                 q = find(q + dn, (size_t)(end - q - dn), dl[i].p, dn))
                nf++;
            if (-k > nf) {
                r[i] = (Slice){p, 0};
                continue;
            }
            k = nf + k + 1;
        }
        const uint8_t *q = p;
        for (int64_t f = 1; f < k && q; f++) {
            const uint8_t *m = find(q, (size_t)(end - q), dl[i].p, dn);
            q = m ? m + dn : NULL;
        }
        if (!q) {
            r[i] = (Slice){p, 0};
            continue;
        }
        const uint8_t *m = find(q, (size_t)(end - q), dl[i].p, dn);
        r[i] = (Slice){q, (size_t)((m ? m : end) - q)};
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Trimming
 * ---------------------------------------------------------------------------------------------- */

enum { TRIM_LEFT = 1, TRIM_RIGHT = 2, TRIM_BOTH = 3 };

/* Whether the character at p (len bytes) is one of the characters of set. */
static inline int in_set(const uint8_t *p, size_t len, Slice set)
{
    for (size_t k = 0; k < set.n;) {
        size_t l = fn_utf8_len(set.p[k]);
        if (l == len && k + l <= set.n && memcmp(set.p + k, p, len) == 0)
            return 1;
        k += l;
    }
    return 0;
}

static Slice trim_slice(Slice s, Slice set, int how)
{
    const uint8_t *p = s.p, *end = s.p + s.n;
    if (how & TRIM_LEFT)
        while (p < end) {
            size_t l = fn_utf8_len(*p);
            if (l > (size_t)(end - p))
                l = (size_t)(end - p);
            if (!in_set(p, l, set))
                break;
            p += l;
        }
    if (how & TRIM_RIGHT)
        while (end > p) {
            const uint8_t *q = end - 1;
            while (q > p && (*q & 0xC0) == 0x80)
                q--;
            if (!in_set(q, (size_t)(end - q), set))
                break;
            end = q;
        }
    return (Slice){p, (size_t)(end - p)};
}

static int trim_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int how)
{
    const Slice *s = args[0].u.s;
    const Slice *set = n_args > 1 ? args[1].u.s : NULL;
    Slice *r = out->u.s;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (!set) {
            /* spaces only: the common case, a plain byte loop */
            const uint8_t *p = s[i].p;
            size_t a = 0, b = s[i].n;
            if (how & TRIM_LEFT)
                while (a < b && p[a] == ' ')
                    a++;
            if (how & TRIM_RIGHT)
                while (b > a && p[b - 1] == ' ')
                    b--;
            r[i] = (Slice){p + a, b - a};
        } else {
            r[i] = trim_slice(s[i], set[i], how);
        }
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_btrim1)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_BOTH);
}
SQL_FN_KERNEL(fn_btrim2)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_BOTH);
}
SQL_FN_KERNEL(fn_ltrim1)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_LEFT);
}
SQL_FN_KERNEL(fn_ltrim2)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_LEFT);
}
SQL_FN_KERNEL(fn_rtrim1)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_RIGHT);
}
SQL_FN_KERNEL(fn_rtrim2)
{
    return trim_kernel(ctx, args, n_args, out, TRIM_RIGHT);
}

/* ------------------------------------------------------------------------------------------------
 * Padding, repeating, reversing
 * ---------------------------------------------------------------------------------------------- */

/* Fill d[0..total) with repetitions of p[0..n) (n > 0): one copy, then the filled prefix doubled, so a
 * result near the 1 GB limit takes some thirty memcpy calls instead of one per repetition
 * (repeat('x', 1000000000) is a billion of those, seconds of CPU a cancel request cannot interrupt). */
static void fill_repeat(uint8_t *d, const uint8_t *p, size_t n, size_t total)
{
    size_t done = n < total ? n : total;
    memcpy(d, p, done);
    while (done < total) {
        size_t k = done < total - done ? done : total - done;
        memcpy(d + done, d, k);
        done += k;
    }
}

/* lpad/rpad(s, len [, fill]): s cut or padded to len characters with repetitions of fill (a space by
 * default); an empty fill leaves s as cut. */
static int pad_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int left)
{
    const Slice *s = args[0].u.s;
    const int64_t *len = args[1].u.i;
    const Slice *fill = n_args > 2 ? args[2].u.s : NULL;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice f = fill ? fill[i] : SLICE_LIT(" ");
        int64_t want = len[i] < 0 ? 0 : len[i];
        size_t have = fn_utf8_count(s[i].p, s[i].n);
        if ((uint64_t)want <= have || f.n == 0) {
            r[i] = (Slice){s[i].p, fn_utf8_offset(s[i].p, s[i].n, (size_t)want)};
            continue;
        }
        size_t add = (size_t)want - have; /* characters of fill to add */
        if ((uint64_t)want > FN_MAX_STRING / 4)
            return too_large_error(ctx);
        /* bytes of fill needed: whole repetitions plus a prefix of fill */
        size_t fchars = fn_utf8_count(f.p, f.n);
        size_t reps = add / fchars, rest = fn_utf8_offset(f.p, f.n, add % fchars);
        size_t total = s[i].n + reps * f.n + rest;
        uint8_t *d = fn_str_reserve(&w, total), *o = d;
        if (!d)
            return WEIR_ERROR;
        if (!left) {
            memcpy(o, s[i].p, s[i].n);
            o += s[i].n;
        }
        fill_repeat(o, f.p, f.n, reps * f.n + rest);
        o += reps * f.n + rest;
        if (left)
            memcpy(o, s[i].p, s[i].n);
        r[i] = fn_str_take(&w, total);
    }
    return WEIR_OK;
}

/* Both arities: pad_kernel pads with ' ' when no fill string is given. */
SQL_FN_KERNEL(fn_lpad)
{
    return pad_kernel(ctx, args, n_args, out, 1);
}
SQL_FN_KERNEL(fn_rpad)
{
    return pad_kernel(ctx, args, n_args, out, 0);
}

SQL_FN_KERNEL(fn_repeat)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s;
    const int64_t *cnt = args[1].u.i;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t c = cnt[i] < 0 ? 0 : cnt[i];
        if (s[i].n && (uint64_t)c > FN_MAX_STRING / s[i].n)
            return too_large_error(ctx);
        size_t total = (size_t)c * s[i].n;
        uint8_t *d = fn_str_reserve(&w, total);
        if (!d)
            return WEIR_ERROR;
        if (total) /* (repeat('', 2000000000) has nothing to copy, not two billion empty copies) */
            fill_repeat(d, s[i].p, s[i].n, total);
        r[i] = fn_str_take(&w, total);
    }
    return WEIR_OK;
}

/* reverse by characters (a multi-byte character keeps its byte order). */
SQL_FN_KERNEL(fn_reverse)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        size_t n = s[i].n;
        uint8_t *d = fn_str_reserve(&w, n);
        if (!d)
            return WEIR_ERROR;
        for (size_t k = 0; k < n;) {
            size_t l = fn_utf8_len(s[i].p[k]);
            if (l > n - k)
                l = n - k;
            memcpy(d + n - k - l, s[i].p + k, l);
            k += l;
        }
        r[i] = fn_str_take(&w, n);
    }
    return WEIR_OK;
}

/* translate(s, from, to): each character of from becomes the character at the same place in to, or
 * is removed when to is shorter. */
SQL_FN_KERNEL(fn_translate)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s, *from = args[1].u.s, *to = args[2].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        /* a result character is at most 4 bytes and replaces at least one byte */
        size_t cap = s[i].n * 4;
        uint8_t *d = fn_str_reserve(&w, cap);
        if (!d)
            return WEIR_ERROR;
        size_t o = 0;
        for (size_t k = 0; k < s[i].n;) {
            size_t l = fn_utf8_len(s[i].p[k]);
            if (l > s[i].n - k)
                l = s[i].n - k;
            /* position of this character in from */
            size_t pos = 0, fk = 0;
            int found = 0;
            while (fk < from[i].n) {
                size_t fl = fn_utf8_len(from[i].p[fk]);
                if (fl == l && fk + fl <= from[i].n && memcmp(from[i].p + fk, s[i].p + k, l) == 0) {
                    found = 1;
                    break;
                }
                fk += fl;
                pos++;
            }
            if (!found) {
                memcpy(d + o, s[i].p + k, l);
                o += l;
            } else {
                size_t to_off = fn_utf8_offset(to[i].p, to[i].n, pos);
                if (to_off < to[i].n) {
                    size_t tl = fn_utf8_len(to[i].p[to_off]);
                    if (tl > to[i].n - to_off)
                        tl = to[i].n - to_off;
                    memcpy(d + o, to[i].p + to_off, tl);
                    o += tl;
                }
            }
            k += l;
        }
        r[i] = fn_str_take(&w, o);
    }
    return WEIR_OK;
}

/* overlay(s placing t from start [for count]) = substr(s, 1, start - 1) || t || substr(s, start +
 * count); count defaults to the length of t. */
static int overlay_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out)
{
    const Slice *s = args[0].u.s, *t = args[1].u.s;
    const int64_t *st = args[2].u.i;
    const int64_t *cnt = n_args > 3 ? args[3].u.i : NULL;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t c = cnt ? cnt[i] : (int64_t)fn_utf8_count(t[i].p, t[i].n);
        if (st[i] - 1 < 0 || c < 0)
            return negative_length_error(ctx);
        Slice head = substr_slice(s[i], 1, st[i] - 1, 1);
        Slice tail = substr_slice(s[i], st[i] > INT64_MAX - c ? INT64_MAX : st[i] + c, -1, 1);
        size_t total = head.n + t[i].n + tail.n;
        uint8_t *d = fn_str_reserve(&w, total);
        if (!d)
            return WEIR_ERROR;
        memcpy(d, head.p, head.n);
        memcpy(d + head.n, t[i].p, t[i].n);
        memcpy(d + head.n + t[i].n, tail.p, tail.n);
        r[i] = fn_str_take(&w, total);
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_overlay3)
{
    return overlay_kernel(ctx, args, n_args, out);
}
SQL_FN_KERNEL(fn_overlay4)
{
    return overlay_kernel(ctx, args, n_args, out);
}

/* ------------------------------------------------------------------------------------------------
 * Concatenation
 * ---------------------------------------------------------------------------------------------- */

/* text || text: both text, strict. */
SQL_FN_KERNEL(fn_textcat)
{
    UNUSED(n_args);
    const Slice *a = args[0].u.s, *b = args[1].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (a[i].n == 0 || b[i].n == 0) {
            r[i] = a[i].n ? a[i] : b[i];
            continue;
        }
        uint8_t *d = fn_str_reserve(&w, a[i].n + b[i].n);
        if (!d)
            return WEIR_ERROR;
        memcpy(d, a[i].p, a[i].n);
        memcpy(d + a[i].n, b[i].p, b[i].n);
        r[i] = fn_str_take(&w, a[i].n + b[i].n);
    }
    return WEIR_OK;
}

/* anynonarray || text and text || anynonarray: the other side cast to text. Also the body of concat()
 * and concat_ws(): every non-NULL argument's text output form, in order, separated by sep. */
static int concat_rows(SqlFnCtx *ctx, const Vec *args, uint32_t first, uint32_t n_args, Vec *out,
                       const Vec *sep, int as_cast)
{
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        if (sep && vec_is_null(sep, i)) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        buf_reset(&b);
        int any = 0;
        for (uint32_t k = first; k < n_args && rc == WEIR_OK; k++) {
            if (vec_is_null(&args[k], i))
                continue;
            if (sep && any) {
                int brc = buf_append(&b, sep->u.s[i].p, sep->u.s[i].n);
                if (brc)
                    rc = buf_error(ctx, brc);
            }
            if (rc == WEIR_OK && as_cast && args[k].type.id == SQL_BOOL) {
                /* || goes through a cast to text, which spells booleans out; concat() uses the output
                 * function ('t') */
                int brc = buf_append_cstr(&b, args[k].u.b[i] ? "true" : "false");
                if (brc)
                    rc = buf_error(ctx, brc);
            } else if (rc == WEIR_OK) {
                rc = fn_value_text(ctx, &args[k], i, &b);
            }
            any = 1;
        }
        if (rc == WEIR_OK)
            rc = fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    return rc;
}

SQL_FN_KERNEL(fn_anytextcat)
{
    return concat_rows(ctx, args, 0, n_args, out, NULL, 1);
}
SQL_FN_KERNEL(fn_textanycat)
{
    return concat_rows(ctx, args, 0, n_args, out, NULL, 1);
}

/* concat(VARIADIC "any"): NULL arguments are skipped; never NULL itself. */
SQL_FN_KERNEL(fn_concat)
{
    return concat_rows(ctx, args, 0, n_args, out, NULL, 0);
}

/* concat_ws(sep, VARIADIC "any"): NULL when sep is NULL, NULL arguments skipped. */
SQL_FN_KERNEL(fn_concat_ws)
{
    return concat_rows(ctx, args, 1, n_args, out, &args[0], 0);
}

/* ------------------------------------------------------------------------------------------------
 * Hashing and code points
 * ---------------------------------------------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

SQL_FN_KERNEL(fn_md5)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        u128 h = u128_md5_hash_key(s[i].p, s[i].n);
        uint8_t *d = fn_str_reserve(&w, 32);
        if (!d)
            return WEIR_ERROR;
        for (int k = 31; k >= 0; k--, h >>= 4)
            d[k] = (uint8_t)hex_digits[(unsigned)(h & 15)];
        r[i] = fn_str_take(&w, 32);
    }
    return WEIR_OK;
}

/* to_hex(int4) shows a negative value as its 32-bit two's complement, to_hex(int8) as 64-bit. */
static int to_hex_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, uint64_t mask)
{
    const int64_t *a = args[0].u.i;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        uint64_t v = (uint64_t)a[i] & mask;
        char tmp[16];
        size_t n = 0;
        do {
            tmp[15 - n++] = hex_digits[v & 15];
            v >>= 4;
        } while (v);
        if (fn_str_copy(&w, tmp + 16 - n, n, &r[i]))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_to_hex32)
{
    UNUSED(n_args);
    return to_hex_kernel(ctx, args, out, 0xFFFFFFFFull);
}
SQL_FN_KERNEL(fn_to_hex64)
{
    UNUSED(n_args);
    return to_hex_kernel(ctx, args, out, ~0ull);
}

/* ------------------------------------------------------------------------------------------------
 * encode(bytea, format) / decode(text, format): PostgreSQL's encode.c formats, named case-insensitively:
 *   hex     two lower-case digits per byte; decoding takes either case and skips blanks between pairs
 *   base64  RFC 2045 with a newline after every 76 characters, as PostgreSQL writes it; decoding skips
 *           blanks and newlines, and '=' is accepted only as padding
 *   escape  bytes 0 and 0x80-0xFF as \ooo, a backslash doubled, other bytes as themselves
 * Errors are PostgreSQL's: 22023 for an unknown format and malformed hex/base64, 22P02 for escape.
 * ---------------------------------------------------------------------------------------------- */

enum { CODEC_HEX, CODEC_BASE64, CODEC_ESCAPE };

static int codec_find(SqlFnCtx *ctx, Slice name, int *codec)
{
    static const char *const names[] = {"hex", "base64", "escape"};
    for (int k = 0; k < 3; k++)
        if (name.n == strlen(names[k]) && strncasecmp((const char *)name.p, names[k], name.n) == 0) {
            *codec = k;
            return WEIR_OK;
        }
    return sql_error_set(ctx->err, "22023", 0, "unrecognized encoding: \"%.*s\"", (int)(name.n > 64 ? 64 : name.n),
                         (const char *)name.p);
}

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Room for the encoded form of n bytes. */
static size_t codec_encoded_max(int codec, size_t n)
{
    if (codec == CODEC_HEX)
        return 2 * n;
    if (codec == CODEC_BASE64)
        return (n + 2) / 3 * 4 + (n + 2) / 3 * 4 / 76 + 1;
    return 4 * n;
}

static size_t codec_encode(int codec, const uint8_t *s, size_t n, uint8_t *d)
{
    size_t o = 0;
    if (codec == CODEC_HEX) {
        for (size_t i = 0; i < n; i++) {
            d[o++] = (uint8_t)hex_digits[s[i] >> 4];
            d[o++] = (uint8_t)hex_digits[s[i] & 15];
        }
        return o;
    }
    if (codec == CODEC_ESCAPE) {
        for (size_t i = 0; i < n; i++) {
            uint8_t c = s[i];
            if (c == 0 || c >= 0x80) {
                d[o++] = '\\';
                d[o++] = (uint8_t)('0' + (c >> 6));
                d[o++] = (uint8_t)('0' + ((c >> 3) & 7));
                d[o++] = (uint8_t)('0' + (c & 7));
            } else if (c == '\\') {
                d[o++] = '\\';
                d[o++] = '\\';
            } else {
                d[o++] = c;
            }
        }
        return o;
    }
    /* base64 (base/base64.c's encoder): lines of 76 characters, 57 bytes, each full line followed by a
     * newline, the last one too (PostgreSQL checks for the line end after every input byte) */
    size_t i = 0;
    for (; n - i >= 57; i += 57) {
        o += base64_encode(s + i, 57, (char *)d + o);
        d[o++] = '\n';
    }
    return o + base64_encode(s + i, n - i, (char *)d + o);
}

static int is_codec_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The character at p (a whole UTF-8 sequence) for error messages. */
static int bad_symbol_error(SqlFnCtx *ctx, const char *before, const uint8_t *p, const uint8_t *end, const char *after)
{
    size_t len = fn_utf8_len(*p);
    if (len > (size_t)(end - p))
        len = (size_t)(end - p);
    return sql_error_set(ctx->err, "22023", 0, "%s\"%.*s\"%s", before, (int)len, (const char *)p, after);
}

/* Decode s into d (room for s.n bytes); sets *n. WEIR_ERROR with PostgreSQL's error. */
static int codec_decode(SqlFnCtx *ctx, int codec, Slice s, uint8_t *d, size_t *n)
{
    const uint8_t *p = s.p, *end = s.p + s.n;
    size_t o = 0;
    if (codec == CODEC_HEX) {
        while (p < end) {
            if (is_codec_blank(*p)) {
                p++;
                continue;
            }
            int hi = sql_hex_digit_value(*p);
            if (hi < 0)
                return bad_symbol_error(ctx, "invalid hexadecimal digit: ", p, end, "");
            if (++p >= end)
                return sql_error_set(ctx->err, "22023", 0, "invalid hexadecimal data: odd number of digits");
            int lo = sql_hex_digit_value(*p);
            if (lo < 0)
                return bad_symbol_error(ctx, "invalid hexadecimal digit: ", p, end, "");
            p++;
            d[o++] = (uint8_t)(hi << 4 | lo);
        }
    } else if (codec == CODEC_ESCAPE) {
        return sql_bytea_unescape(s.p, s.n, d, n, ctx->err); /* byteain's escape format */
    } else {
        /* once padding was seen, the rest of the groups keep it (PostgreSQL's 'end' is sticky) */
        uint32_t buf = 0;
        int pos = 0, pad = 0;
        for (; p < end; p++) {
            uint8_t c = *p;
            int b;
            if (is_codec_blank(c))
                continue;
            if (c == '=') {
                if (!pad) {
                    if (pos == 2)
                        pad = 1;
                    else if (pos == 3)
                        pad = 2;
                    else
                        return sql_error_set(ctx->err, "22023", 0, "unexpected \"=\" while decoding base64 sequence");
                }
                b = 0;
            } else {
                const char *k = c > 0 && c < 127 ? strchr(b64_chars, c) : NULL;
                if (!k)
                    return bad_symbol_error(ctx, "invalid symbol ", p, end, " found while decoding base64 sequence");
                b = (int)(k - b64_chars);
            }
            buf = buf << 6 | (uint32_t)b;
            if (++pos == 4) {
                d[o++] = (uint8_t)(buf >> 16);
                if (pad == 0 || pad > 1)
                    d[o++] = (uint8_t)(buf >> 8);
                if (pad == 0 || pad > 2)
                    d[o++] = (uint8_t)buf;
                buf = 0;
                pos = 0;
            }
        }
        if (pos != 0) {
            sql_error_set(ctx->err, "22023", 0, "invalid base64 end sequence");
            snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                     "Input data is missing padding, is truncated, or is otherwise corrupted.");
            return WEIR_ERROR;
        }
    }
    *n = o;
    return WEIR_OK;
}

/* encode(bytea, format) (is_decode 0) or decode(text, format) (1), row by row. */
static int codec_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int is_decode)
{
    const Slice *s = args[0].u.s, *fmt = args[1].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int codec = CODEC_HEX; /* (set by codec_find; gcc -O2 cannot tell) */
        if (codec_find(ctx, fmt[i], &codec))
            return WEIR_ERROR;
        /* decoding never lengthens; encoding can pass the 1 GB limit */
        size_t max = is_decode ? s[i].n : codec_encoded_max(codec, s[i].n);
        if (!is_decode && max > FN_MAX_STRING)
            return too_large_error(ctx);
        uint8_t *d = fn_str_reserve(&w, max);
        size_t n = 0;
        if (!d || (is_decode && codec_decode(ctx, codec, s[i], d, &n)))
            return WEIR_ERROR;
        if (!is_decode)
            n = codec_encode(codec, s[i].p, s[i].n, d);
        r[i] = fn_str_take(&w, n);
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_encode)
{
    UNUSED(n_args);
    return codec_kernel(ctx, args, out, 0);
}

SQL_FN_KERNEL(fn_decode)
{
    UNUSED(n_args);
    return codec_kernel(ctx, args, out, 1);
}

SQL_FN_KERNEL(fn_chr)
{
    UNUSED(n_args);
    const int64_t *a = args[0].u.i;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t c = a[i];
        if (c < 0)
            return sql_error_set(ctx->err, "22023", 0, "character number must be positive");
        if (c == 0)
            return sql_error_set(ctx->err, "54000", 0, "null character not permitted");
        if (c > 0x10FFFF)
            return sql_error_set(ctx->err, "54000", 0, "requested character too large for encoding: %lld",
                                 (long long)c);
        if (c >= 0xD800 && c <= 0xDFFF)
            return sql_error_set(ctx->err, "54000", 0, "requested character not valid for encoding: %lld",
                                 (long long)c);
        uint8_t *d = fn_str_reserve(&w, 4);
        if (!d)
            return WEIR_ERROR;
        r[i] = fn_str_take(&w, fn_utf8_encode((uint32_t)c, d));
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_ascii)
{
    UNUSED(n_args);
    const Slice *s = args[0].u.s;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        size_t l;
        r[i] = s[i].n ? (int64_t)fn_utf8_decode(s[i].p, s[i].n, &l) : 0;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Quoting and format()
 * ---------------------------------------------------------------------------------------------- */

/* Keywords that quote_ident must quote: every PostgreSQL 15 keyword not in the UNRESERVED category
 * (SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'), sorted for bsearch. */
static const char *const quote_keywords[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
};

static int keyword_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, *(const char *const *)elem);
}

/* Whether quote_ident leaves s as it is: a lower-case letter or '_' first, then lower-case letters,
 * digits and '_', and not a keyword that would need quoting. */
static int ident_is_safe(Slice s)
{
    if (s.n == 0 || !((s.p[0] >= 'a' && s.p[0] <= 'z') || s.p[0] == '_'))
        return 0;
    for (size_t k = 1; k < s.n; k++) {
        uint8_t c = s.p[k];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    if (s.n > 20)
        return 1;
    char key[24];
    memcpy(key, s.p, s.n);
    key[s.n] = '\0';
    return bsearch(key, quote_keywords, sizeof(quote_keywords) / sizeof(quote_keywords[0]),
                   sizeof(quote_keywords[0]), keyword_cmp) == NULL;
}

static int append_quoted(Buf *b, Slice s, uint8_t q)
{
    int rc = buf_append_byte(b, q);
    size_t run = 0;
    for (size_t k = 0; k < s.n && !rc; k++)
        if (s.p[k] == q) {
            rc = buf_append(b, s.p + run, k + 1 - run); /* doubled: the quote goes out twice */
            run = k;
        }
    if (!rc)
        rc = buf_append(b, s.p + run, s.n - run);
    if (!rc)
        rc = buf_append_byte(b, q);
    return rc;
}

static int append_ident(Buf *b, Slice s)
{
    return ident_is_safe(s) ? buf_append(b, s.p, s.n) : append_quoted(b, s, '"');
}

/* quote_literal: single quotes doubled; with a backslash present, the E'' form with doubled
 * backslashes. */
static int append_literal(Buf *b, Slice s)
{
    int rc = WEIR_OK;
    if (memchr(s.p, '\\', s.n)) {
        rc = buf_append_byte(b, 'E');
        if (rc)
            return rc;
    }
    rc = buf_append_byte(b, '\'');
    for (size_t k = 0; k < s.n && !rc; k++) {
        if (s.p[k] == '\'' || s.p[k] == '\\')
            rc = buf_append_byte(b, s.p[k]);
        if (!rc)
            rc = buf_append_byte(b, s.p[k]);
    }
    if (!rc)
        rc = buf_append_byte(b, '\'');
    return rc;
}

enum { QUOTE_IDENT, QUOTE_LITERAL, QUOTE_NULLABLE };

/* quote_literal(anyelement) / quote_nullable(anyelement): the value cast to text, then quoted. */
static int quote_any_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int nullable)
{
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b, q;
    buf_init(&b, FN_MAX_STRING);
    buf_init(&q, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (vec_is_null(&args[0], i)) {
            if (nullable)
                r[i] = SLICE_LIT("NULL");
            else
                rc = fn_set_null(ctx, out, i);
            continue;
        }
        buf_reset(&b);
        buf_reset(&q);
        if (args[0].type.id == SQL_BOOL) {
            int brc = buf_append_cstr(&b, args[0].u.b[i] ? "true" : "false");
            if (brc) {
                rc = buf_error(ctx, brc);
                break;
            }
        } else if ((rc = fn_value_text(ctx, &args[0], i, &b)) != WEIR_OK) {
            break;
        }
        int brc = append_literal(&q, (Slice){b.p, b.len});
        rc = brc ? buf_error(ctx, brc) : fn_str_copy(&w, q.p, q.len, &r[i]);
    }
    buf_fini(&b);
    buf_fini(&q);
    return rc;
}

SQL_FN_KERNEL(fn_quote_literal_any)
{
    UNUSED(n_args);
    return quote_any_kernel(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_quote_nullable_any)
{
    UNUSED(n_args);
    return quote_any_kernel(ctx, args, out, 1);
}

static int quote_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int how)
{
    const Slice *s = args[0].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (how == QUOTE_NULLABLE && vec_is_null(&args[0], i)) {
            r[i] = SLICE_LIT("NULL");
            continue;
        }
        if (fn_skip(out, i))
            continue;
        if (how == QUOTE_IDENT && ident_is_safe(s[i])) {
            r[i] = s[i];
            continue;
        }
        buf_reset(&b);
        int brc = how == QUOTE_IDENT ? append_quoted(&b, s[i], '"') : append_literal(&b, s[i]);
        rc = brc ? buf_error(ctx, brc) : fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    return rc;
}

SQL_FN_KERNEL(fn_quote_ident)
{
    UNUSED(n_args);
    return quote_kernel(ctx, args, out, QUOTE_IDENT);
}
SQL_FN_KERNEL(fn_quote_literal)
{
    UNUSED(n_args);
    return quote_kernel(ctx, args, out, QUOTE_LITERAL);
}
SQL_FN_KERNEL(fn_quote_nullable)
{
    UNUSED(n_args);
    return quote_kernel(ctx, args, out, QUOTE_NULLABLE);
}

static int format_error(SqlFnCtx *ctx, const char *sqlstate, const char *msg, const char *hint)
{
    int fresh = ctx->err && !ctx->err->sqlstate[0];
    int rc = sql_error_set(ctx->err, sqlstate, 0, "%s", msg);
    if (fresh && hint)
        snprintf(ctx->err->hint, sizeof(ctx->err->hint), "%s", hint);
    return rc;
}

/* Parse a decimal number at *p (before end); returns -1 when there is none, -2 on overflow. */
static int64_t format_number(const uint8_t **p, const uint8_t *end)
{
    if (*p >= end || **p < '0' || **p > '9')
        return -1;
    int64_t v = 0;
    while (*p < end && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        if (v > INT32_MAX)
            return -2;
        (*p)++;
    }
    return v;
}

/* n spaces of padding at once (format('%200000000s', x) pads with one memset, not one call per byte).
 * Past 1 GB, PostgreSQL's appendStringInfoSpaces error, with its numbers. */
static int format_spaces(SqlFnCtx *ctx, Buf *b, size_t n)
{
    if (n >= (size_t)0x3FFFFFFF - b->len || buf_reserve(b, n)) {
        sql_error_set(ctx->err, "54000", 0, "out of memory");
        if (!strcmp(ctx->err->message, "out of memory"))
            snprintf(ctx->err->detail, sizeof(ctx->err->detail),
                     "Cannot enlarge string buffer containing %zu bytes by %zu more bytes.", b->len, n);
        return WEIR_ERROR;
    }
    if (n)
        memset(b->p + b->len, ' ', n);
    b->len += n;
    b->p[b->len] = '\0';
    return WEIR_OK;
}

/* One row of format(fmt, args...): args[1..n_args) are the values, numbered from 1. */
static int format_row(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, uint32_t row, Buf *b)
{
    const Slice fmt = args[0].u.s[row];
    const uint8_t *p = fmt.p, *end = fmt.p + fmt.n;
    uint32_t n_vals = n_args - 1, next = 0; /* next: 0-based index of the next implicit argument */
    Buf tmp;
    buf_init(&tmp, FN_MAX_STRING);
    int rc = WEIR_OK;
    static const char *const unterminated = "unterminated format() type specifier";
    static const char *const one_pct = "For a single \"%\" use \"%%\".";
    while (p < end && rc == WEIR_OK) {
        const uint8_t *pct = memchr(p, '%', (size_t)(end - p));
        if (!pct) {
            rc = buf_append(b, p, (size_t)(end - p)) ? too_large_error(ctx) : WEIR_OK;
            break;
        }
        if (buf_append(b, p, (size_t)(pct - p)))
            return buf_fini(&tmp), too_large_error(ctx);
        p = pct + 1;
        if (p >= end) {
            rc = format_error(ctx, "22023", unterminated, one_pct);
            break;
        }
        if (*p == '%') {
            if (buf_append_byte(b, '%'))
                return buf_fini(&tmp), too_large_error(ctx);
            p++;
            continue;
        }
        /* [argpos$] [-] [width | * | *argpos$] type */
        int64_t argpos = -1, width = 0;
        int left = 0;
        const uint8_t *save = p;
        int64_t num = format_number(&p, end);
        if (num == -2) {
            rc = format_error(ctx, "22003", "number is out of range", NULL);
            break;
        }
        if (num >= 0 && p < end && *p == '$') {
            if (num == 0) {
                rc = format_error(ctx, "22023",
                                  "format specifies argument 0, but arguments are numbered from 1", NULL);
                break;
            }
            argpos = num;
            p++;
        } else {
            p = save;
        }
        if (p < end && *p == '-') {
            left = 1;
            p++;
        }
        if (p < end && *p == '*') {
            p++;
            int64_t wpos = -1;
            save = p;
            num = format_number(&p, end);
            if (num >= 0 && p < end && *p == '$') {
                if (num == 0) {
                    rc = format_error(ctx, "22023",
                                      "format specifies argument 0, but arguments are numbered from 1", NULL);
                    break;
                }
                wpos = num - 1;
                p++;
            } else {
                p = save;
                wpos = next;
            }
            if (wpos >= n_vals) {
                rc = format_error(ctx, "22023", "too few arguments for format()", NULL);
                break;
            }
            next = (uint32_t)wpos + 1;
            const Vec *wv = &args[1 + wpos];
            if (!vec_is_null(wv, row)) {
                SqlValue v;
                vec_get(wv, row, &v);
                if (sql_type_phys(v.type.id) != SQL_PHYS_INT) {
                    rc = format_error(ctx, "22023", "width argument must be of type integer", NULL);
                    break;
                }
                width = v.u.i;
                if (width < 0) {
                    left = 1;
                    width = width == INT64_MIN ? INT32_MAX : -width;
                }
            }
        } else {
            num = format_number(&p, end);
            if (num == -2) {
                rc = format_error(ctx, "22003", "number is out of range", NULL);
                break;
            }
            if (num >= 0)
                width = num;
        }
        if (p >= end) {
            rc = format_error(ctx, "22023", unterminated, one_pct);
            break;
        }
        uint8_t type = *p++;
        if (type != 's' && type != 'I' && type != 'L') {
            char msg[64];
            size_t tl = fn_utf8_len(type);
            if (tl > (size_t)(end - p + 1))
                tl = (size_t)(end - p + 1);
            snprintf(msg, sizeof(msg), "unrecognized format() type specifier \"%.*s\"", (int)tl,
                     (const char *)p - 1);
            rc = format_error(ctx, "22023", msg, one_pct);
            break;
        }
        int64_t idx = argpos > 0 ? argpos - 1 : next;
        if (idx >= n_vals) {
            rc = format_error(ctx, "22023", "too few arguments for format()", NULL);
            break;
        }
        next = (uint32_t)idx + 1;
        const Vec *v = &args[1 + idx];
        buf_reset(&tmp);
        int brc = WEIR_OK;
        if (vec_is_null(v, row)) {
            if (type == 'I') {
                rc = format_error(ctx, "22004", "null values cannot be formatted as an SQL identifier", NULL);
                break;
            }
            if (type == 'L')
                brc = buf_append_cstr(&tmp, "NULL");
        } else {
            rc = fn_value_text(ctx, v, row, &tmp);
            if (rc)
                break;
            if (type != 's') {
                Slice s = {tmp.p, tmp.len};
                Buf q;
                buf_init(&q, FN_MAX_STRING);
                brc = type == 'I' ? append_ident(&q, s) : append_literal(&q, s);
                buf_fini(&tmp);
                tmp = q;
            }
        }
        if (brc) {
            rc = buf_error(ctx, brc);
            break;
        }
        /* pad to width characters */
        size_t chars = width > 0 ? fn_utf8_count(tmp.p, tmp.len) : 0;
        size_t pad = (uint64_t)width > chars ? (size_t)width - chars : 0;
        if (!left && format_spaces(ctx, b, pad)) {
            rc = WEIR_ERROR;
            break;
        }
        if (tmp.len && buf_append(b, tmp.p, tmp.len)) {
            rc = too_large_error(ctx);
            break;
        }
        if (left && format_spaces(ctx, b, pad))
            rc = WEIR_ERROR;
    }
    buf_fini(&tmp);
    return rc;
}

/* format(fmt [, VARIADIC "any"]): not strict (NULL values format as '' or NULL), but NULL when the
 * format is NULL. */
SQL_FN_KERNEL(fn_format)
{
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (vec_is_null(&args[0], i)) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        buf_reset(&b);
        rc = format_row(ctx, args, n_args, i, &b);
        if (rc == WEIR_OK)
            rc = fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * string_to_array(s, delim [, null_string]) -> text[] in its text form
 * ---------------------------------------------------------------------------------------------- */

/* Not strict, as in PostgreSQL: a NULL string gives NULL, a NULL delimiter splits the string into
 * characters, an empty delimiter gives the whole string as the only element, and elements equal to
 * null_string (when given and not NULL) become NULL. */
SQL_FN_KERNEL(fn_string_to_array)
{
    const Slice *s = args[0].u.s, *dl = args[1].u.s;
    const Vec *nullv = n_args > 2 ? &args[2] : NULL;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (vec_is_null(&args[0], i)) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        int split_chars = vec_is_null(&args[1], i);
        int has_null_str = nullv && !vec_is_null(nullv, i);
        Slice ns = has_null_str ? nullv->u.s[i] : (Slice){NULL, 0};
        buf_reset(&b);
        int brc = buf_append_byte(&b, '{');
        const uint8_t *p = s[i].p, *end = s[i].p + s[i].n;
        int first = 1;
        while (s[i].n && !brc) {
            const uint8_t *m;
            size_t skip;
            if (split_chars) {
                size_t l = fn_utf8_len(*p);
                m = p + (l < (size_t)(end - p) ? l : (size_t)(end - p));
                skip = 0;
            } else if (dl[i].n == 0) {
                m = end;
                skip = 0;
            } else {
                m = find(p, (size_t)(end - p), dl[i].p, dl[i].n);
                if (!m)
                    m = end;
                skip = dl[i].n;
            }
            if (!first)
                brc = buf_append_byte(&b, ',');
            first = 0;
            size_t el = (size_t)(m - p);
            if (!brc) {
                if (has_null_str && el == ns.n && (el == 0 || memcmp(p, ns.p, el) == 0))
                    brc = buf_append_cstr(&b, "NULL");
                else
                    brc = fn_array_elem_append(&b, p, el);
            }
            if (m == end)
                break;
            p = m + skip;
            if (split_chars && p == end)
                break;
            if (!split_chars && p == end) {
                /* a trailing delimiter leaves an empty last element */
                brc = brc ? brc : buf_append_byte(&b, ',');
                if (!brc)
                    brc =
                        has_null_str && ns.n == 0 ? buf_append_cstr(&b, "NULL") : buf_append_cstr(&b, "\"\"");
                break;
            }
        }
        if (!brc)
            brc = buf_append_byte(&b, '}');
        rc = brc ? buf_error(ctx, brc) : fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    return rc;
}
