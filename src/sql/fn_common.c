/*
 * fn_common.c: helpers shared by the kernel files (declared in sql/fn_int.h): the out-of-memory error,
 * the result-string writer's slow path, UTF-8 stepping, a value's text form for functions that take
 * "any" (concat, format, ||), and the text form of text[] values (quoting and parsing), which is how
 * weir carries arrays (sql/types.h).
 *
 * The database encoding is UTF-8 and the collation "C" throughout: character positions count UTF-8
 * sequences and comparisons are bytewise. Case mapping (upper, lower, initcap, ILIKE) is the C.UTF-8
 * locale's, as in the PostgreSQL cluster weir answers like (initdb --locale=C.UTF-8): Unicode's simple
 * one-to-one case mapping of every letter, not only ASCII (fn_utf8_case_map below).
 */
#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "sql/fn_int.h"
#include "sql/typeio.h"

int fn_error_oom(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Chunks of 16 KiB amortise the arena's per-allocation cost over many short strings; a longer string
 * gets a chunk of its own size. The unused tail of the previous chunk is abandoned (at most one short
 * string's worth per chunk). */
#define FN_STR_CHUNK 16384

uint8_t *fn_str_reserve__slow(FnStr *w, size_t n)
{
    size_t size = n > FN_STR_CHUNK ? n : FN_STR_CHUNK;
    uint8_t *p = arena_try_alloc(w->ctx->arena, size ? size : 1);
    if (!p) {
        fn_error_oom(w->ctx);
        return NULL;
    }
    w->p = p;
    w->left = size;
    return p;
}

/* --- UTF-8 ----------------------------------------------------------------------------------------- */

size_t fn_utf8_count(const uint8_t *p, size_t n)
{
    /* A character starts at every byte that is not a continuation byte (10xxxxxx). Eight bytes at a
     * time: bit 7 set and bit 6 clear marks a continuation byte. */
    size_t cont = 0, i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t m = (w >> 7) & ~(w >> 6) & 0x0101010101010101ull;
        cont += (size_t)__builtin_popcountll(m);
    }
    for (; i < n; i++)
        cont += (p[i] & 0xC0) == 0x80;
    return n - cont;
}

size_t fn_utf8_offset(const uint8_t *p, size_t n, size_t k)
{
    size_t i = 0;
    /* ASCII runs are the common case: skip them eight bytes at a time while k allows */
    while (k >= 8 && i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull)
            break;
        i += 8;
        k -= 8;
    }
    while (k > 0 && i < n) {
        i += fn_utf8_len(p[i]);
        k--;
    }
    return i < n ? i : n;
}

uint32_t fn_utf8_decode(const uint8_t *p, size_t n, size_t *len)
{
    uint8_t c = p[0];
    size_t l = fn_utf8_len(c);
    if (l == 1 || l > n) {
        *len = 1;
        return c;
    }
    uint32_t v = c & (0xFF >> (l + 1));
    for (size_t i = 1; i < l; i++)
        v = v << 6 | (p[i] & 0x3F);
    *len = l;
    return v;
}

/* --- Case mapping ------------------------------------------------------------------------------------
 * PostgreSQL's str_toupper/str_tolower/str_initcap in a UTF-8 database whose LC_CTYPE is C.UTF-8 map
 * each character with towupper/towlower and find words with iswalnum, in that locale. We ask glibc for
 * the same locale object explicitly (newlocale, once per process) rather than use the process locale,
 * which the server never sets and a library could change under us. The table behind it is glibc's
 * C.UTF-8 LC_CTYPE, the very one PostgreSQL on the same machine uses, so the answers agree letter for
 * letter (including the odd ones: dotless i upper-cases to ASCII 'I', the Kelvin sign lowers to 'k',
 * sharp s has no single-character upper case and stays). ASCII takes the plain arithmetic path, which
 * is what C.UTF-8 does for it (no Turkish dotted/dotless i rules). Should the locale be missing (glibc
 * ships C.UTF-8 in libc-bin, an essential package), non-ASCII characters are left as they are. */

static locale_t fn_cutf8;
static pthread_once_t fn_cutf8_once = PTHREAD_ONCE_INIT;

static void fn_cutf8_open(void)
{
    fn_cutf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

static locale_t fn_cutf8_get(void)
{
    pthread_once(&fn_cutf8_once, fn_cutf8_open);
    return fn_cutf8;
}

/* The mappings with the locale already fetched (l may be NULL: then non-ASCII stays as it is). */
static inline uint32_t wc_upper(uint32_t c, locale_t l)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    return l ? (uint32_t)towupper_l((wint_t)c, l) : c;
}

static inline uint32_t wc_lower(uint32_t c, locale_t l)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    return l ? (uint32_t)towlower_l((wint_t)c, l) : c;
}

static inline int wc_isalnum(uint32_t c, locale_t l)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return l && iswalnum_l((wint_t)c, l);
}

size_t fn_utf8_case_map(const uint8_t *p, size_t n, uint8_t *d, int mode)
{
    locale_t l = fn_cutf8_get();
    size_t o = 0;
    int was_alnum = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i];
        size_t len = 1;
        if (c >= 0x80)
            c = fn_utf8_decode(p + i, n - i, &len);
        if (mode == FN_CASE_INITCAP) {
            /* PostgreSQL tests the mapped character for the next word boundary */
            c = was_alnum ? wc_lower(c, l) : wc_upper(c, l);
            was_alnum = wc_isalnum(c, l);
        } else {
            c = mode == FN_CASE_UPPER ? wc_upper(c, l) : wc_lower(c, l);
        }
        if (c < 0x80)
            d[o++] = (uint8_t)c;
        else
            o += fn_utf8_encode(c, d + o);
        i += len;
    }
    return o;
}

size_t fn_utf8_encode(uint32_t c, uint8_t *out)
{
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (uint8_t)(0xC0 | c >> 6);
        out[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (uint8_t)(0xE0 | c >> 12);
        out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
        out[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | c >> 18);
    out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3F));
    out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3F));
    out[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

/* --- text form of any value ------------------------------------------------------------------------ */

static int append_i64(Buf *b, int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    return buf_append(b, tmp + sizeof(tmp) - n, n);
}

int fn_value_text(SqlFnCtx *ctx, const Vec *v, uint32_t row, Buf *b)
{
    int rc;
    SqlTypeId t = v->type.id;
    switch (t) {
    case SQL_TEXT:
    case SQL_VARCHAR:
    case SQL_NAME:
    case SQL_CHAR:
    case SQL_UNKNOWN:
    case SQL_JSON:
    case SQL_JSONB:
    case SQL_BPCHAR:
        rc = buf_append(b, v->u.s[row].p, v->u.s[row].n);
        break;
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
    case SQL_OID:
        rc = append_i64(b, v->u.i[row]);
        break;
    case SQL_BOOL:
        rc = buf_append_byte(b, v->u.b[row] ? 't' : 'f');
        break;
    default:
        if (SQL_IS_ARRAY(t)) {
            rc = buf_append(b, v->u.s[row].p, v->u.s[row].n);
            break;
        }
        SqlValue val;
        vec_get(v, row, &val);
        rc = sql_value_to_text(&val, ctx->fmt, b);
        break;
    }
    if (rc == WEIR_ELIMIT)
        return sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
    if (rc)
        return ctx->err->sqlstate[0] ? WEIR_ERROR : fn_error_oom(ctx);
    return WEIR_OK;
}

/* --- arrays in text form --------------------------------------------------------------------------- */

int fn_array_elem_append(Buf *b, const uint8_t *p, size_t n)
{
    /* array_out quotes an element that is empty, is "NULL" in any case, or holds a character the
     * array syntax gives meaning to: braces, comma, quote, backslash, or white space */
    int quote = n == 0 || (n == 4 && (p[0] | 0x20) == 'n' && (p[1] | 0x20) == 'u' && (p[2] | 0x20) == 'l' &&
                           (p[3] | 0x20) == 'l');
    for (size_t i = 0; i < n && !quote; i++) {
        uint8_t c = p[i];
        quote = c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || c == ' ' || c == '\t' ||
                c == '\n' || c == '\r' || c == '\v' || c == '\f';
    }
    if (!quote)
        return buf_append(b, p, n);
    int rc = buf_append_byte(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            rc = buf_append(b, p + run, i - run);
            if (!rc)
                rc = buf_append_byte(b, '\\');
            run = i;
        }
    }
    if (!rc)
        rc = buf_append(b, p + run, n - run);
    if (!rc)
        rc = buf_append_byte(b, '"');
    return rc;
}

static int array_syntax_error(SqlFnCtx *ctx, Slice arr)
{
    return sql_error_set(ctx->err, "22P02", 0, "malformed array literal: \"%.*s\"",
                         (int)(arr.n > 200 ? 200 : arr.n), (const char *)arr.p);
}

static int is_array_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int fn_array_parse_text(SqlFnCtx *ctx, Slice arr, Slice **elems)
{
    const uint8_t *p = arr.p, *end = arr.p + arr.n;
    while (p < end && is_array_space(*p))
        p++;
    if (p == end || *p != '{')
        return array_syntax_error(ctx, arr), -1;
    p++;
    /* the element count is at most the number of commas plus one */
    size_t cap = 1;
    for (const uint8_t *q = p; q < end; q++)
        cap += *q == ',';
    Slice *out = ARENA_NEW(ctx->arena, Slice, cap);
    uint8_t *buf = arena_try_alloc(ctx->arena, arr.n + 1);
    if (!out || !buf)
        return fn_error_oom(ctx), -1;
    size_t n_out = 0, bn = 0;
    while (p < end && is_array_space(*p))
        p++;
    if (p < end && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        while (p < end && is_array_space(*p))
            p++;
        if (p == end)
            return array_syntax_error(ctx, arr), -1;
        size_t start = bn;
        int quoted = 0, any = 0;
        if (*p == '"') {
            quoted = 1;
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end)
                    p++;
                buf[bn++] = *p++;
            }
            if (p == end)
                return array_syntax_error(ctx, arr), -1;
            p++;
            any = 1;
        } else {
            size_t last_nonspace = bn;
            while (p < end && *p != ',' && *p != '}') {
                if (*p == '{' || *p == '"')
                    return array_syntax_error(ctx, arr), -1;
                if (*p == '\\' && p + 1 < end)
                    p++;
                buf[bn++] = *p;
                if (!is_array_space(*p))
                    last_nonspace = bn;
                p++;
                any = 1;
            }
            bn = last_nonspace; /* trailing white space is not part of an unquoted element */
        }
        while (p < end && is_array_space(*p))
            p++;
        if (!any || p == end)
            return array_syntax_error(ctx, arr), -1;
        if (!quoted && bn - start == 4 && strncasecmp((const char *)buf + start, "null", 4) == 0)
            out[n_out++] = (Slice){NULL, 0};
        else
            out[n_out++] = (Slice){buf + start, bn - start};
        if (*p == '}') {
            p++;
            break;
        }
        p++; /* ',' */
    }
done:
    while (p < end && is_array_space(*p))
        p++;
    if (p != end)
        return array_syntax_error(ctx, arr), -1;
    *elems = out;
    return (int)n_out;
}
