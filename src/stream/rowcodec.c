/*
 * rowcodec.c: the memcomparable tuple encoding of rowcodec.h (format and contract there; the reasoning
 * behind each type's form in docs/internals/stream-state.md).
 *
 * Structure: enc_* write one column's value bytes (before DESC inversion) into a small buffer or
 * straight into the output; dec_* read them back, checking that the bytes are exactly what enc_* would
 * write (strictness is what lets the fuzzer check decode -> encode == input, and what turns a state
 * bug into an error instead of a wrong group). The batch encoder runs column by column so the type
 * switch happens once per column, not once per row.
 *
 * Not here: comparison of encodings (plain memcmp), the state tables that store them (state.c).
 */
#include "stream/rowcodec.h"

#include <math.h>
#include <string.h>

enum { TAG_NULL_FIRST = 0x01, TAG_VALUE = 0x02, TAG_NULL_LAST = 0x03 };
enum { NUM_NINF = 1, NUM_NEG = 2, NUM_ZERO = 3, NUM_POS = 4, NUM_PINF = 5, NUM_NAN = 6 };
#define NUM_EXP_BIAS 64
#define NUM_EXP_MIN (-37) /* 1 digit at scale 38 */
#define NUM_EXP_MAX 38    /* 38 digits at scale 0 */
#define USEC_PER_MONTH (30 * SQL_USEC_PER_DAY)
#define CANON_NAN_BITS UINT64_C(0x7ff8000000000000)
#define NUM_LIMIT                                                                                            \
    ((__int128)UINT64_C(10000000000000000000) * (__int128)UINT64_C(10000000000000000000)) /* 10^38 */

/* How a column's values are encoded (one switch on the type id, then this). */
typedef enum Form { F_BOOL, F_INT2, F_INT4, F_INT8, F_FLOAT, F_NUMERIC, F_STR, F_INTERVAL, F_BAD } Form;

static Form form_of(SqlTypeId id)
{
    if (SQL_IS_ARRAY(id))
        return F_STR;
    switch (id) {
    case SQL_INT2:
        return F_INT2;
    case SQL_INT4:
        return F_INT4;
    case SQL_VOID:
    case SQL_RECORD:
        return F_BAD;
    default:
        break;
    }
    if ((unsigned)id >= SQL_N_TYPES)
        return F_BAD;
    switch (sql_type_phys(id)) {
    case SQL_PHYS_BOOL:
        return F_BOOL;
    case SQL_PHYS_INT:
        return F_INT8;
    case SQL_PHYS_FLOAT:
        return F_FLOAT;
    case SQL_PHYS_NUMERIC:
        return F_NUMERIC;
    case SQL_PHYS_STR:
        return F_STR;
    case SQL_PHYS_INTERVAL:
        return F_INTERVAL;
    case SQL_PHYS_NONE:
        return F_BAD;
    }
    return F_BAD;
}

static int form_check(const RowCodecCol *c, uint32_t i, Form *out, Err *e)
{
    Form f = form_of(c->type.id);
    if (f == F_BAD)
        return err_set(e, WEIR_EINVAL, "rowcodec: column %u: type %d cannot be encoded", i, (int)c->type.id);
    *out = f;
    return WEIR_OK;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static inline uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ------------------------------------------------------------------------------------------------
 * Numbers
 * ---------------------------------------------------------------------------------------------- */

static uint64_t float_key_bits(double d)
{
    if (d == 0)
        d = 0; /* -0 groups and sorts with +0 */
    uint64_t bits;
    if (isnan(d))
        bits = CANON_NAN_BITS;
    else
        memcpy(&bits, &d, 8);
    /* negative: larger magnitude sorts first, so invert everything; positive: above every negative */
    return bits >> 63 ? ~bits : bits | UINT64_C(1) << 63;
}

static __int128 pow10_i128(int n)
{
    __int128 r = 1;
    while (n-- > 0)
        r *= 10;
    return r;
}

/* Decimal digits of u > 0 (u < 10^38), most significant first; returns their count. Two 64-bit halves
 * so only one 128-bit division is paid. */
static int u128_digits(unsigned __int128 u, uint8_t *d)
{
    const uint64_t p19 = UINT64_C(10000000000000000000);
    uint64_t hi = (uint64_t)(u / p19), lo = (uint64_t)(u % p19);
    uint8_t tmp[40];
    int n = 0;
    if (hi) {
        for (int i = 0; i < 19; i++, lo /= 10)
            tmp[n++] = (uint8_t)(lo % 10);
        for (; hi; hi /= 10)
            tmp[n++] = (uint8_t)(hi % 10);
    } else {
        for (; lo; lo /= 10)
            tmp[n++] = (uint8_t)(lo % 10);
    }
    for (int i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    return n;
}

/* Value bytes of a numeric (class byte first) into out; returns the count (at most 22). */
static size_t enc_numeric(const SqlNumeric *x, uint8_t *out)
{
    switch (x->kind) {
    case SQL_NUM_NAN:
        out[0] = NUM_NAN;
        return 1;
    case SQL_NUM_PINF:
        out[0] = NUM_PINF;
        return 1;
    case SQL_NUM_NINF:
        out[0] = NUM_NINF;
        return 1;
    default:
        break;
    }
    if (x->v == 0) {
        out[0] = NUM_ZERO;
        return 1;
    }
    int neg = x->v < 0;
    unsigned __int128 u = neg ? (unsigned __int128)0 - (unsigned __int128)x->v : (unsigned __int128)x->v;
    uint8_t d[40];
    int len = u128_digits(u, d);
    int k = len;
    while (d[k - 1] == 0)
        k--; /* significant digits: trailing zeros say nothing about the value */
    int exp = len - x->scale;
    size_t n = 0;
    out[n++] = neg ? NUM_NEG : NUM_POS;
    out[n++] = (uint8_t)(exp + NUM_EXP_BIAS);
    for (int i = 0; i < k; i += 2)
        out[n++] = (uint8_t)(d[i] * 10 + (i + 1 < k ? d[i + 1] : 0) + 1);
    out[n++] = 0;
    if (neg)
        for (size_t i = 1; i < n; i++)
            out[i] = (uint8_t)~out[i];
    return n;
}

/* Canonical numeric from its value bytes at p[0..n) (not inverted for DESC: the caller did that).
 * *used gets the bytes read. -1 on malformed bytes. */
static int dec_numeric(const uint8_t *p, size_t n, SqlNumeric *out, size_t *used)
{
    if (n < 1)
        return -1;
    memset(out, 0, sizeof(*out));
    switch (p[0]) {
    case NUM_NAN:
        out->kind = SQL_NUM_NAN;
        *used = 1;
        return 0;
    case NUM_PINF:
        out->kind = SQL_NUM_PINF;
        *used = 1;
        return 0;
    case NUM_NINF:
        out->kind = SQL_NUM_NINF;
        *used = 1;
        return 0;
    case NUM_ZERO:
        *used = 1;
        return 0;
    case NUM_POS:
    case NUM_NEG:
        break;
    default:
        return -1;
    }
    int neg = p[0] == NUM_NEG;
    uint8_t inv = neg ? 0xff : 0;
    if (n < 3)
        return -1;
    int exp = (int)(uint8_t)(p[1] ^ inv) - NUM_EXP_BIAS;
    if (exp < NUM_EXP_MIN || exp > NUM_EXP_MAX)
        return -1;
    __int128 v = 0;
    int k = 0;
    size_t i = 2;
    for (;; i++) {
        if (i >= n)
            return -1;
        uint8_t b = p[i] ^ inv;
        if (b == 0)
            break;
        if (b > 100 || k >= 38)
            return -1;
        int pair = b - 1;
        int hi = pair / 10, lo = pair % 10;
        if (k == 0 && hi == 0)
            return -1; /* leading zero digit */
        int last = i + 1 < n && (p[i + 1] ^ inv) == 0;
        if (last && pair == 0)
            return -1;
        if (last && lo == 0) {
            v = v * 10 + hi; /* odd count: the 0 pads the last pair */
            k += 1;
        } else {
            if (k + 2 > 38)
                return -1;
            v = v * 100 + pair;
            k += 2;
        }
    }
    if (k == 0)
        return -1;
    *used = i + 1;
    /* value = 0.D x 10^exp = D x 10^(exp - k) */
    int scale;
    if (exp >= k) {
        if (exp > 38)
            return -1;
        v *= pow10_i128(exp - k);
        scale = 0;
    } else {
        scale = k - exp;
        if (scale > 38)
            return -1;
    }
    out->v = neg ? -v : v;
    out->scale = (int16_t)scale;
    return 0;
}

/* Digits of a canonical finite numeric's |v| (0 for zero). */
static int numeric_ndigits(const SqlNumeric *x)
{
    if (x->v == 0)
        return 0;
    unsigned __int128 u = x->v < 0 ? (unsigned __int128)0 - (unsigned __int128)x->v : (unsigned __int128)x->v;
    int n = 0;
    for (; u; u /= 10)
        n++;
    return n;
}

/* Interval span: PostgreSQL's interval_cmp_value (months of 30 days, days of 24 hours). */
static __int128 interval_span(const SqlInterval *iv)
{
    return (__int128)iv->usec + ((__int128)iv->months * 30 + iv->days) * SQL_USEC_PER_DAY;
}

static void enc_i128(__int128 s, uint8_t *out)
{
    unsigned __int128 u = (unsigned __int128)s ^ ((unsigned __int128)1 << 127);
    put_be64(out, (uint64_t)(u >> 64));
    put_be64(out + 8, (uint64_t)u);
}

static __int128 dec_i128(const uint8_t *p)
{
    unsigned __int128 u = (unsigned __int128)get_be64(p) << 64 | get_be64(p + 8);
    return (__int128)(u ^ ((unsigned __int128)1 << 127));
}

static __int128 clamp_i32(__int128 x)
{
    return x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : x;
}

/* The canonical interval of a span: as many whole 30-day months as fit in int32, then days, then
 * microseconds. The span of every interval is representable so; -1 for a span no interval has. */
static int interval_from_span(__int128 s, SqlInterval *out)
{
    __int128 m = clamp_i32(s / USEC_PER_MONTH);
    s -= m * USEC_PER_MONTH;
    __int128 d = clamp_i32(s / SQL_USEC_PER_DAY);
    s -= d * SQL_USEC_PER_DAY;
    if (s < INT64_MIN || s > INT64_MAX)
        return -1;
    out->months = (int32_t)m;
    out->days = (int32_t)d;
    out->usec = (int64_t)s;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Encoding
 * ---------------------------------------------------------------------------------------------- */

static size_t count_zeros(const uint8_t *p, size_t n)
{
    size_t z = 0;
    const uint8_t *end = p + n;
    while (p < end && (p = memchr(p, 0, (size_t)(end - p))) != NULL) {
        z++;
        p++;
    }
    return z;
}

/* Bytes of a string column (tag included). */
static inline size_t str_len(Slice s)
{
    return 1 + s.n + (s.n ? count_zeros(s.p, s.n) : 0) + 2;
}

/* Write the escaped string plus terminator at out, XORed with inv; returns bytes written. */
static size_t enc_str(Slice s, uint8_t inv, uint8_t *out)
{
    uint8_t *o = out;
    const uint8_t *p = s.p, *end = s.p + s.n;
    while (p < end) {
        const uint8_t *z = memchr(p, 0, (size_t)(end - p));
        size_t run = (size_t)((z ? z : end) - p);
        if (inv) {
            for (size_t i = 0; i < run; i++)
                o[i] = (uint8_t)~p[i];
        } else if (run) {
            memcpy(o, p, run);
        }
        o += run;
        p += run;
        if (z) {
            *o++ = (uint8_t)(0x00 ^ inv);
            *o++ = (uint8_t)(0xff ^ inv);
            p++;
        }
    }
    *o++ = (uint8_t)(0x00 ^ inv);
    *o++ = (uint8_t)(0x01 ^ inv);
    return (size_t)(o - out);
}

/* Most bytes a non-NULL value of a non-string form takes, tag and EXACT suffix included. */
static size_t form_width(Form f)
{
    switch (f) {
    case F_BOOL:
        return 2;
    case F_INT2:
        return 3;
    case F_INT4:
        return 5;
    case F_INT8:
        return 9;
    case F_FLOAT:
        return 10;
    case F_NUMERIC:
        return 24;
    case F_INTERVAL:
        return 25;
    default:
        return ROWCODEC_FIXED_MAX;
    }
}

/* One non-string, non-NULL value (tag included) into out (ROWCODEC_FIXED_MAX bytes); returns its length
 * or 0 when the value does not fit its column (int2/int4 range, a numeric beyond 38 digits). */
static size_t enc_fixed(Form f, uint8_t inv, const SqlValue *v, uint8_t *out)
{
    size_t n = 1;
    out[0] = TAG_VALUE;
    switch (f) {
    case F_BOOL:
        out[n++] = v->u.b ? 1 : 0;
        break;
    case F_INT2:
        if (v->u.i < INT16_MIN || v->u.i > INT16_MAX)
            return 0;
        out[n++] = (uint8_t)(((uint16_t)v->u.i ^ 0x8000u) >> 8);
        out[n++] = (uint8_t)((uint16_t)v->u.i ^ 0x8000u);
        break;
    case F_INT4:
        if (v->u.i < INT32_MIN || v->u.i > INT32_MAX)
            return 0;
        put_be32(out + n, (uint32_t)v->u.i ^ UINT32_C(0x80000000));
        n += 4;
        break;
    case F_INT8:
        put_be64(out + n, (uint64_t)v->u.i ^ UINT64_C(0x8000000000000000));
        n += 8;
        break;
    case F_FLOAT:
        put_be64(out + n, float_key_bits(v->u.f));
        n += 8;
        break;
    case F_NUMERIC:
        if (v->u.num.kind == SQL_NUM_FINITE && (v->u.num.scale < 0 || v->u.num.scale > 38 ||
                                                v->u.num.v >= NUM_LIMIT || v->u.num.v <= -NUM_LIMIT))
            return 0;
        n += enc_numeric(&v->u.num, out + n);
        break;
    case F_INTERVAL:
        enc_i128(interval_span(&v->u.iv), out + n);
        n += 16;
        break;
    case F_STR:
    case F_BAD:
        return 0;
    }
    if (inv)
        for (size_t i = 1; i < n; i++)
            out[i] = (uint8_t)~out[i];
    return n;
}

/* Suffix bytes of one non-NULL value (EXACT mode) into out (8 bytes); returns the count. */
static size_t enc_suffix(Form f, const SqlValue *v, uint8_t *out)
{
    switch (f) {
    case F_FLOAT:
        if (v->u.f == 0) {
            out[0] = signbit(v->u.f) ? 1 : 0;
            return 1;
        }
        return 0;
    case F_NUMERIC:
        if (v->u.num.kind != SQL_NUM_FINITE)
            return 0;
        out[0] = (uint8_t)v->u.num.scale;
        return 1;
    case F_INTERVAL:
        put_be32(out, (uint32_t)v->u.iv.months);
        put_be32(out + 4, (uint32_t)v->u.iv.days);
        return 8;
    default:
        return 0;
    }
}

static inline uint8_t null_tag(uint32_t flags)
{
    return (flags & ROWCODEC_NULLS_FIRST) ? TAG_NULL_FIRST : TAG_NULL_LAST;
}

static int value_check(const RowCodecCol *c, uint32_t i, const SqlValue *v, Form *f, Err *e)
{
    if (form_check(c, i, f, e))
        return WEIR_EINVAL;
    if (!v->is_null && v->type.id != c->type.id && sql_type_phys(v->type.id) != sql_type_phys(c->type.id))
        return err_set(e, WEIR_EINVAL, "rowcodec: column %u: value of type %d given for type %d", i,
                       (int)v->type.id, (int)c->type.id);
    return WEIR_OK;
}

int rowcodec_encode(const RowCodecCol *cols, uint32_t n_cols, const SqlValue *vals, RowCodecMode mode,
                    Buf *out, Err *e)
{
    /* exact size first, so the buffer grows at most once */
    size_t need = 0;
    for (uint32_t i = 0; i < n_cols; i++) {
        Form f = F_BAD;
        if (value_check(&cols[i], i, &vals[i], &f, e))
            return WEIR_EINVAL;
        if (vals[i].is_null)
            need += 1;
        else if (f == F_STR)
            need += str_len(vals[i].u.s);
        else
            need += form_width(f);
    }
    if (buf_reserve(out, need + 1))
        return err_set(e, WEIR_ELIMIT, "rowcodec: encoding of %zu bytes over the buffer's maximum", need);
    uint8_t *o = out->p + out->len, *start = o;
    for (uint32_t i = 0; i < n_cols; i++) {
        const SqlValue *v = &vals[i];
        Form f = form_of(cols[i].type.id);
        uint8_t inv = (cols[i].flags & ROWCODEC_DESC) ? 0xff : 0;
        if (v->is_null) {
            *o++ = null_tag(cols[i].flags);
        } else if (f == F_STR) {
            *o++ = TAG_VALUE;
            o += enc_str(v->u.s, inv, o);
        } else {
            size_t k = enc_fixed(f, inv, v, o);
            if (!k)
                return err_set(e, WEIR_EINVAL, "rowcodec: column %u: value out of range for its type", i);
            o += k;
        }
    }
    if (mode == ROWCODEC_EXACT)
        for (uint32_t i = 0; i < n_cols; i++)
            if (!vals[i].is_null)
                o += enc_suffix(form_of(cols[i].type.id), &vals[i], o);
    out->len += (size_t)(o - start);
    out->p[out->len] = 0;
    return WEIR_OK;
}

int rowcodec_encode_batch(const RowCodecCol *cols, const uint32_t *col_idx, uint32_t n_cols, const Batch *b,
                          RowCodecMode mode, Arena *a, Slice *out, Err *e)
{
    uint32_t n = b->n;
    if (n > VEC_BATCH)
        return err_set(e, WEIR_EINVAL, "rowcodec: batch of %u rows", n);
    if (n == 0)
        return WEIR_OK;
    /* pass 1: an upper bound per row (exact for everything but numerics), in out[r].n */
    for (uint32_t r = 0; r < n; r++)
        out[r].n = 0;
    for (uint32_t c = 0; c < n_cols; c++) {
        Form f = F_BAD;
        if (form_check(&cols[c], c, &f, e))
            return WEIR_EINVAL;
        if (col_idx[c] >= b->n_cols)
            return err_set(e, WEIR_EINVAL, "rowcodec: column index %u of a batch of %u columns", col_idx[c],
                           b->n_cols);
        const Vec *v = &b->cols[col_idx[c]];
        if (sql_type_phys(v->type.id) != sql_type_phys(cols[c].type.id))
            return err_set(e, WEIR_EINVAL, "rowcodec: column %u: vector of type %d given for type %d", c,
                           (int)v->type.id, (int)cols[c].type.id);
        if (f == F_STR) {
            for (uint32_t r = 0; r < n; r++)
                out[r].n += vec_is_null(v, r) ? 1 : str_len(v->u.s[r]);
        } else {
            size_t w = form_width(f);
            for (uint32_t r = 0; r < n; r++)
                out[r].n += vec_is_null(v, r) ? 1 : w;
        }
    }
    size_t total = 0;
    for (uint32_t r = 0; r < n; r++)
        total += out[r].n;
    uint8_t *base = arena_try_alloc(a, total ? total : 1);
    if (!base)
        return err_set(e, WEIR_ENOMEM, "rowcodec: batch encoding of %zu bytes over the arena's budget",
                       total);
    size_t cur[VEC_BATCH];
    size_t off = 0;
    for (uint32_t r = 0; r < n; r++) {
        cur[r] = off;
        off += out[r].n;
        out[r].p = base + cur[r];
    }
    /* pass 2: column by column, each row's bytes at its cursor */
    for (uint32_t c = 0; c < n_cols; c++) {
        const Vec *v = &b->cols[col_idx[c]];
        Form f = form_of(cols[c].type.id);
        uint8_t inv = (cols[c].flags & ROWCODEC_DESC) ? 0xff : 0;
        uint8_t nt = null_tag(cols[c].flags);
        if (f == F_STR) {
            for (uint32_t r = 0; r < n; r++) {
                uint8_t *o = base + cur[r];
                if (vec_is_null(v, r)) {
                    *o = nt;
                    cur[r] += 1;
                } else {
                    *o = TAG_VALUE;
                    cur[r] += 1 + enc_str(v->u.s[r], inv, o + 1);
                }
            }
        } else if (f == F_INT8 && !v->nulls) {
            /* the common key (ids, timestamps, window bounds): no per-row switch */
            for (uint32_t r = 0; r < n; r++) {
                uint8_t *o = base + cur[r];
                o[0] = TAG_VALUE;
                put_be64(o + 1,
                         ((uint64_t)v->u.i[r] ^ UINT64_C(0x8000000000000000)) ^ (inv ? UINT64_MAX : 0));
                cur[r] += 9;
            }
        } else {
            for (uint32_t r = 0; r < n; r++) {
                uint8_t *o = base + cur[r];
                if (vec_is_null(v, r)) {
                    *o = nt;
                    cur[r] += 1;
                    continue;
                }
                SqlValue x;
                vec_get(v, r, &x);
                size_t k = enc_fixed(f, inv, &x, o);
                if (!k)
                    return err_set(e, WEIR_EINVAL,
                                   "rowcodec: column %u row %u: value out of range for its type", c, r);
                cur[r] += k;
            }
        }
    }
    if (mode == ROWCODEC_EXACT) {
        for (uint32_t c = 0; c < n_cols; c++) {
            Form f = form_of(cols[c].type.id);
            if (f != F_FLOAT && f != F_NUMERIC && f != F_INTERVAL)
                continue;
            const Vec *v = &b->cols[col_idx[c]];
            for (uint32_t r = 0; r < n; r++) {
                if (vec_is_null(v, r))
                    continue;
                SqlValue x;
                vec_get(v, r, &x);
                cur[r] += enc_suffix(f, &x, base + cur[r]);
            }
        }
    }
    for (uint32_t r = 0; r < n; r++)
        out[r].n = (size_t)(base + cur[r] - out[r].p);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Decoding
 * ---------------------------------------------------------------------------------------------- */

static int corrupt(Err *e, uint32_t col, size_t off, const char *why)
{
    return err_set(e, WEIR_ECORRUPT, "rowcodec: column %u at byte %zu: %s", col, off, why);
}

/* Walk (and, when out is not NULL, decode) the key part. *pos: in/out offset. Strings are unescaped
 * into a when out is not NULL. */
static int dec_key(const RowCodecCol *cols, uint32_t n_cols, const uint8_t *p, size_t n, size_t *pos,
                   Arena *a, SqlValue *out, Err *e)
{
    size_t i = *pos;
    for (uint32_t c = 0; c < n_cols; c++) {
        Form f = F_BAD;
        if (form_check(&cols[c], c, &f, e))
            return WEIR_EINVAL;
        uint8_t inv = (cols[c].flags & ROWCODEC_DESC) ? 0xff : 0;
        if (i >= n)
            return corrupt(e, c, i, "truncated");
        uint8_t tag = p[i];
        SqlValue v;
        memset(&v, 0, sizeof(v));
        v.type = cols[c].type;
        if (tag == null_tag(cols[c].flags)) {
            v.is_null = 1;
            i++;
            if (out)
                out[c] = v;
            continue;
        }
        if (tag != TAG_VALUE)
            return corrupt(e, c, i, "bad tag");
        i++;
        uint8_t tmp[24];
        size_t fixed = 0;
        switch (f) {
        case F_BOOL:
            fixed = 1;
            break;
        case F_INT2:
            fixed = 2;
            break;
        case F_INT4:
            fixed = 4;
            break;
        case F_INT8:
        case F_FLOAT:
            fixed = 8;
            break;
        case F_INTERVAL:
            fixed = 16;
            break;
        default:
            break;
        }
        if (fixed) {
            if (n - i < fixed)
                return corrupt(e, c, i, "truncated");
            for (size_t k = 0; k < fixed; k++)
                tmp[k] = p[i + k] ^ inv;
        }
        switch (f) {
        case F_BOOL:
            if (tmp[0] > 1)
                return corrupt(e, c, i, "bad bool");
            v.u.b = tmp[0];
            break;
        case F_INT2:
            v.u.i = (int16_t)(uint16_t)(((unsigned)tmp[0] << 8 | tmp[1]) ^ 0x8000u);
            break;
        case F_INT4:
            v.u.i = (int32_t)(get_be32(tmp) ^ UINT32_C(0x80000000));
            break;
        case F_INT8:
            v.u.i = (int64_t)(get_be64(tmp) ^ UINT64_C(0x8000000000000000));
            break;
        case F_FLOAT: {
            uint64_t x = get_be64(tmp);
            uint64_t bits = x >> 63 ? x & ~(UINT64_C(1) << 63) : ~x;
            memcpy(&v.u.f, &bits, 8);
            if ((isnan(v.u.f) && bits != CANON_NAN_BITS) || bits == UINT64_C(1) << 63)
                return corrupt(e, c, i, "non-canonical float");
            break;
        }
        case F_INTERVAL:
            if (interval_from_span(dec_i128(tmp), &v.u.iv))
                return corrupt(e, c, i, "interval span out of range");
            break;
        case F_NUMERIC: {
            uint8_t nb[24];
            size_t m = n - i < sizeof(nb) ? n - i : sizeof(nb), used = 0;
            for (size_t k = 0; k < m; k++)
                nb[k] = p[i + k] ^ inv;
            if (dec_numeric(nb, m, &v.u.num, &used))
                return corrupt(e, c, i, "bad numeric");
            fixed = used;
            break;
        }
        case F_STR: {
            /* find the terminator, count the bytes, then copy unescaped */
            size_t j = i, len = 0;
            for (;;) {
                if (j >= n)
                    return corrupt(e, c, i, "unterminated string");
                uint8_t b = p[j] ^ inv;
                if (b != 0) {
                    j++;
                    len++;
                    continue;
                }
                if (j + 1 >= n)
                    return corrupt(e, c, j, "truncated string escape");
                uint8_t b2 = p[j + 1] ^ inv;
                if (b2 == 0x01)
                    break;
                if (b2 != 0xff)
                    return corrupt(e, c, j, "bad string escape");
                j += 2;
                len++;
            }
            if (out && len) {
                uint8_t *s = arena_try_alloc(a, len);
                if (!s)
                    return err_set(e, WEIR_ENOMEM, "rowcodec: string of %zu bytes over the arena's budget",
                                   len);
                size_t o = 0;
                for (size_t k = i; k < j; k++) {
                    uint8_t b = p[k] ^ inv;
                    s[o++] = b;
                    if (b == 0)
                        k++; /* skip the 0xff of the escape */
                }
                v.u.s.p = s;
            }
            v.u.s.n = len;
            fixed = j + 2 - i;
            break;
        }
        case F_BAD:
            return WEIR_EINVAL;
        }
        i += fixed;
        if (out)
            out[c] = v;
    }
    *pos = i;
    return WEIR_OK;
}

int rowcodec_key_len(const RowCodecCol *cols, uint32_t n_cols, const uint8_t *p, size_t n, size_t *out,
                     Err *e)
{
    size_t pos = 0;
    int rc = dec_key(cols, n_cols, p, n, &pos, NULL, NULL, e);
    if (rc)
        return rc;
    *out = pos;
    return WEIR_OK;
}

int rowcodec_decode(const RowCodecCol *cols, uint32_t n_cols, const uint8_t *p, size_t n, Arena *a,
                    SqlValue *out, Err *e)
{
    size_t i = 0;
    int rc = dec_key(cols, n_cols, p, n, &i, a, out, e);
    if (rc)
        return rc;
    if (i == n)
        return WEIR_OK; /* KEY encoding: canonical values */
    /* EXACT suffix */
    for (uint32_t c = 0; c < n_cols; c++) {
        SqlValue *v = &out[c];
        if (v->is_null)
            continue;
        switch (form_of(cols[c].type.id)) {
        case F_FLOAT:
            if (v->u.f != 0)
                break;
            if (i >= n || p[i] > 1)
                return corrupt(e, c, i, "bad float sign in suffix");
            if (p[i++])
                v->u.f = -0.0;
            break;
        case F_NUMERIC: {
            SqlNumeric *x = &v->u.num;
            if (x->kind != SQL_NUM_FINITE)
                break;
            if (i >= n)
                return corrupt(e, c, i, "truncated numeric scale");
            int s = p[i++];
            if (s < x->scale || s > 38 || numeric_ndigits(x) + (s - x->scale) > 38)
                return corrupt(e, c, i - 1, "bad numeric scale");
            x->v *= pow10_i128(s - x->scale);
            x->scale = (int16_t)s;
            break;
        }
        case F_INTERVAL: {
            if (n - i < 8)
                return corrupt(e, c, i, "truncated interval fields");
            __int128 span = interval_span(&v->u.iv);
            SqlInterval f = {.months = (int32_t)get_be32(p + i), .days = (int32_t)get_be32(p + i + 4)};
            __int128 usec = span - interval_span(&f);
            if (usec < INT64_MIN || usec > INT64_MAX)
                return corrupt(e, c, i, "interval fields do not match the span");
            f.usec = (int64_t)usec;
            v->u.iv = f;
            i += 8;
            break;
        }
        default:
            break;
        }
    }
    if (i != n)
        return corrupt(e, n_cols, i, "trailing bytes");
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Hash
 * ---------------------------------------------------------------------------------------------- */

/* Multiply two 64-bit words into 128 bits and fold: the mixing step of wyhash-style hashes, one
 * instruction on x86-64 and arm64, and good enough for hash tables (not for adversaries). */
static inline uint64_t hash_fold(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* n (4 or 8) bytes at p as a native-endian integer. */
static inline uint64_t load_n(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    memcpy(&v, p, n); /* native order: hashes agree between little-endian machines (x86-64, arm64) */
    return v;
}

#define HK0 UINT64_C(0xa0761d6478bd642f)
#define HK1 UINT64_C(0xe7037ed1a0b428db)
#define HK2 UINT64_C(0x8ebc6af09c88c6e3)
#define HK3 UINT64_C(0x589965cc75374cc3)

uint64_t rowcodec_hash(const uint8_t *p, size_t n)
{
    uint64_t h = HK0 ^ hash_fold((uint64_t)n ^ HK1, HK2);
    size_t i = n;
    /* 16 bytes per step */
    for (; i > 16; i -= 16, p += 16)
        h = hash_fold(load_n(p, 8) ^ HK1, load_n(p + 8, 8) ^ h);
    /* the last 1..16 bytes, read without a variable-length copy (overlapping loads) */
    uint64_t a = 0, b = 0;
    if (i >= 8) {
        a = load_n(p, 8);
        b = load_n(p + i - 8, 8);
    } else if (i >= 4) {
        a = load_n(p, 4);
        b = load_n(p + i - 4, 4);
    } else if (i > 0) {
        a = (uint64_t)p[0] << 16 | (uint64_t)p[i >> 1] << 8 | p[i - 1];
    }
    h = hash_fold(a ^ HK1, b ^ h);
    return hash_fold(h ^ HK3, (uint64_t)n ^ HK1);
}
