/*
 * numeric.c: see numeric.h. A finite NUMERIC is v / 10^scale with |v| < 10^38 in a signed __int128.
 *
 * PostgreSQL keeps numerics as base-10000 digit arrays with a weight and a display scale; its result
 * scales are defined on that form (select_div_scale looks at the weight and the first base-10000 digit),
 * so the few places that depend on it recompute the weight and first digit from v and scale
 * (numeric_weight below) instead of storing them.
 *
 * Products and aligned operands can need up to 76 digits, so the slow paths use a 256-bit unsigned
 * helper (U256: multiply, compare, shift-subtract division). The fast paths -- operands that fit 128 bits
 * after alignment, which is nearly every row of real data -- use native __int128 arithmetic only.
 *
 * INTERFACE ROUTINES: parse/format, int/double conversions, add/sub/mul/div/mod/div_trunc, round/trunc/
 * ceil/floor, apply_typmod, cmp/hash, send/recv, and the SqlNumericAgg accumulators.
 */
#include "sql/numeric.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/u128.h"
#include "exec/engine.h"

#define E19 ((__int128)10000000000000000000ULL)
/* 10^0 .. 10^38: integer constant expressions, so the table is read-only data, built by the compiler. */
static const __int128 P10[39] = {
    1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL, 1000000000LL,
    10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL, 100000000000000LL,
    1000000000000000LL, 10000000000000000LL, 100000000000000000LL, 1000000000000000000LL, E19,
    E19 * 10, E19 * 100, E19 * 1000, E19 * 10000, E19 * 100000, E19 * 1000000, E19 * 10000000,
    E19 * 100000000, E19 * 1000000000LL, E19 * 10000000000LL, E19 * 100000000000LL,
    E19 * 1000000000000LL, E19 * 10000000000000LL, E19 * 100000000000000LL, E19 * 1000000000000000LL,
    E19 * 10000000000000000LL, E19 * 100000000000000000LL, E19 * 1000000000000000000LL, E19 * E19,
};
#define NUM_LIMIT P10[38]

static int num_overflow(SqlError *err)
{
    return sql_error_set(err, "22003", 0, "value overflows numeric format");
}

static int num_div0(SqlError *err)
{
    return sql_error_set(err, "22012", 0, "division by zero");
}

static inline u128 u128_abs(__int128 v)
{
    return v < 0 ? (u128)0 - (u128)v : (u128)v;
}

/* Number of decimal digits of u (0 for 0). */
static int u128_ndigits(u128 u)
{
    int lo = 0, hi;
    /* smallest d with u < 10^d; P10 covers up to 10^38, beyond that u has 39 digits */
    if (u >= (u128)P10[38])
        return 39;
    hi = 38;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (u < (u128)P10[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* ----------------------------------------------------------------------------------------------- */
/* 256-bit unsigned helper for the slow paths                                                        */
/* ----------------------------------------------------------------------------------------------- */

typedef struct U256 {
    u128 hi, lo;
} U256;

static U256 u256_mul(u128 a, u128 b)
{
    uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
    u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
    u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
    U256 r;
    r.lo = (mid << 64) | (uint64_t)p00;
    r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return r;
}

static int u256_cmp(U256 a, U256 b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static U256 u256_sub(U256 a, U256 b)
{
    U256 r;
    r.lo = a.lo - b.lo;
    r.hi = a.hi - b.hi - (a.lo < b.lo);
    return r;
}

static U256 u256_shl1(U256 a)
{
    U256 r;
    r.hi = (a.hi << 1) | (a.lo >> 127);
    r.lo = a.lo << 1;
    return r;
}

static int u256_bit(U256 a, int i)
{
    return i >= 128 ? (int)((a.hi >> (i - 128)) & 1) : (int)((a.lo >> i) & 1);
}

static int u256_top_bit(U256 a)
{
    if (a.hi)
        return 255 - (((uint64_t)(a.hi >> 64)) ? __builtin_clzll((uint64_t)(a.hi >> 64))
                                                : 64 + __builtin_clzll((uint64_t)a.hi));
    if (a.lo)
        return 127 - (((uint64_t)(a.lo >> 64)) ? __builtin_clzll((uint64_t)(a.lo >> 64))
                                                : 64 + __builtin_clzll((uint64_t)a.lo));
    return -1;
}

/* q = n / d, r = n % d (d != 0). Shift-subtract: ~256 steps; only for operands past 128 bits. */
static void u256_divmod(U256 n, U256 d, U256 *q, U256 *r)
{
    if (n.hi == 0 && d.hi == 0) {
        q->hi = 0;
        q->lo = n.lo / d.lo;
        r->hi = 0;
        r->lo = n.lo % d.lo;
        return;
    }
    U256 qq = {0, 0}, rr = {0, 0};
    for (int i = u256_top_bit(n); i >= 0; i--) {
        rr = u256_shl1(rr);
        rr.lo |= (u128)u256_bit(n, i);
        if (u256_cmp(rr, d) >= 0) {
            rr = u256_sub(rr, d);
            if (i >= 128)
                qq.hi |= (u128)1 << (i - 128);
            else
                qq.lo |= (u128)1 << i;
        }
    }
    *q = qq;
    *r = rr;
}

/* u * 10^k as U256 (k <= 76). */
static U256 u256_scale(u128 u, int k)
{
    if (k <= 38)
        return u256_mul(u, (u128)P10[k]);
    U256 t = u256_mul(u, (u128)P10[38]);
    /* t * 10^(k-38): t.hi must be small enough; callers bound k so the result fits 256 bits */
    U256 a = u256_mul(t.lo, (u128)P10[k - 38]);
    U256 b = u256_mul(t.hi, (u128)P10[k - 38]);
    a.hi += b.lo;
    return a;
}

/* ----------------------------------------------------------------------------------------------- */
/* text                                                                                              */
/* ----------------------------------------------------------------------------------------------- */

static const char DIGIT_PAIRS[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                     "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                     "8081828384858687888990919293949596979899";

/* Digits of u (no sign) into out; returns the count. out needs 40 bytes. Two digits per step from a
 * table (the classic trick), and 19-digit chunks so the 128-bit divisions happen at most twice. */
static int u128_to_digits(u128 u, char *out)
{
    char tmp[40];
    int n = 0;
    uint64_t chunks[3];
    int nc = 0;
    while (u >= (u128)10000000000000000000ULL) {
        chunks[nc++] = (uint64_t)(u % 10000000000000000000ULL);
        u /= 10000000000000000000ULL;
    }
    uint64_t top = (uint64_t)u;
    /* write chunks (least significant first) as exactly 19 digits each */
    for (int c = 0; c < nc; c++) {
        uint64_t x = chunks[c];
        for (int i = 0; i < 9; i++) {
            unsigned d = (unsigned)(x % 100);
            x /= 100;
            tmp[n++] = DIGIT_PAIRS[d * 2 + 1];
            tmp[n++] = DIGIT_PAIRS[d * 2];
        }
        tmp[n++] = (char)('0' + x);
    }
    while (top >= 100) {
        unsigned d = (unsigned)(top % 100);
        top /= 100;
        tmp[n++] = DIGIT_PAIRS[d * 2 + 1];
        tmp[n++] = DIGIT_PAIRS[d * 2];
    }
    if (top >= 10) {
        tmp[n++] = DIGIT_PAIRS[top * 2 + 1];
        tmp[n++] = DIGIT_PAIRS[top * 2];
    } else {
        tmp[n++] = (char)('0' + top);
    }
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t sql_numeric_format(const SqlNumeric *a, char *buf)
{
    switch (a->kind) {
    case SQL_NUM_NAN:
        memcpy(buf, "NaN", 4);
        return 3;
    case SQL_NUM_PINF:
        memcpy(buf, "Infinity", 9);
        return 8;
    case SQL_NUM_NINF:
        memcpy(buf, "-Infinity", 10);
        return 9;
    default:
        break;
    }
    char digits[40];
    int nd = u128_to_digits(u128_abs(a->v), digits);
    size_t o = 0;
    if (a->v < 0)
        buf[o++] = '-';
    int scale = a->scale;
    if (scale <= 0) {
        memcpy(buf + o, digits, (size_t)nd);
        o += (size_t)nd;
    } else if (nd > scale) {
        memcpy(buf + o, digits, (size_t)(nd - scale));
        o += (size_t)(nd - scale);
        buf[o++] = '.';
        memcpy(buf + o, digits + nd - scale, (size_t)scale);
        o += (size_t)scale;
    } else {
        buf[o++] = '0';
        buf[o++] = '.';
        for (int i = 0; i < scale - nd; i++)
            buf[o++] = '0';
        memcpy(buf + o, digits, (size_t)nd);
        o += (size_t)nd;
    }
    buf[o] = '\0';
    return o;
}

static int num_syntax(SqlError *err, const char *p, size_t n)
{
    return sql_error_set(err, "22P02", 0, "invalid input syntax for type numeric: \"%.*s\"", (int)(n > 400 ? 400 : n),
                         p);
}

static int ci_eq(const char *p, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)p[i]) != lit[i])
            return 0;
    return 1;
}

int sql_numeric_parse(const char *p, size_t n, SqlNumeric *out, SqlError *err)
{
    size_t i = 0, end = n;
    while (i < end && isspace((unsigned char)p[i]))
        i++;
    while (end > i && isspace((unsigned char)p[end - 1]))
        end--;
    int neg = 0;
    if (i < end && (p[i] == '+' || p[i] == '-')) {
        neg = p[i] == '-';
        i++;
    }
    if (i >= end || (!isdigit((unsigned char)p[i]) && p[i] != '.')) {
        /* Only NaN and the infinities remain legal, spelled as float8in accepts them. */
        const char *w = p + i;
        size_t wn = end - i;
        if (ci_eq(w, wn, "nan")) {
            *out = sql_numeric_special(SQL_NUM_NAN);
            return WEIR_OK;
        }
        if (ci_eq(w, wn, "infinity") || ci_eq(w, wn, "inf")) {
            *out = sql_numeric_special(neg ? SQL_NUM_NINF : SQL_NUM_PINF);
            return WEIR_OK;
        }
        return num_syntax(err, p, n);
    }
    u128 v = 0;
    int sig = 0;       /* significant digits accumulated into v */
    int nfrac = 0;     /* digits after the point */
    int any = 0, dp = 0, too_many = 0;
    for (; i < end; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            any = 1;
            if (dp)
                nfrac++;
            if (sig == 0 && c == '0')
                continue; /* leading zero: not significant */
            if (sig >= 38) {
                too_many = 1;
                continue;
            }
            v = v * 10 + (unsigned)(c - '0');
            sig++;
        } else if (c == '.' && !dp) {
            dp = 1;
        } else {
            break;
        }
    }
    if (!any)
        return num_syntax(err, p, n);
    long exponent = 0;
    if (i < end && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < end && (p[i] == '+' || p[i] == '-')) {
            eneg = p[i] == '-';
            i++;
        }
        if (i >= end || !isdigit((unsigned char)p[i]))
            return num_syntax(err, p, n);
        for (; i < end && isdigit((unsigned char)p[i]); i++) {
            if (exponent < 100000000)
                exponent = exponent * 10 + (p[i] - '0');
        }
        if (eneg)
            exponent = -exponent;
    }
    if (i != end)
        return num_syntax(err, p, n);
    if (too_many || exponent >= 100000000 || exponent <= -100000000)
        return num_overflow(err);
    long scale = (long)nfrac - exponent;
    __int128 sv;
    if (scale < 0) {
        /* value = v * 10^-scale, shown with scale 0 */
        int nd = u128_ndigits(v);
        if (v != 0 && nd - scale > 38)
            return num_overflow(err);
        if (v != 0)
            v *= (u128)P10[-scale];
        scale = 0;
    } else if (scale > 38) {
        return num_overflow(err);
    }
    if (v >= (u128)NUM_LIMIT)
        return num_overflow(err);
    sv = (__int128)v;
    *out = sql_numeric_make(neg ? -sv : sv, (int)scale);
    return WEIR_OK;
}

/* ----------------------------------------------------------------------------------------------- */
/* conversions                                                                                       */
/* ----------------------------------------------------------------------------------------------- */

void sql_numeric_from_int64(int64_t v, SqlNumeric *out)
{
    *out = sql_numeric_make(v, 0);
}

int sql_numeric_from_int128(__int128 v, SqlNumeric *out, SqlError *err)
{
    if (u128_abs(v) >= (u128)NUM_LIMIT)
        return num_overflow(err);
    *out = sql_numeric_make(v, 0);
    return WEIR_OK;
}

static int numeric_from_printed(double d, int digits, SqlNumeric *out, SqlError *err)
{
    if (isnan(d)) {
        *out = sql_numeric_special(SQL_NUM_NAN);
        return WEIR_OK;
    }
    if (isinf(d)) {
        *out = sql_numeric_special(d > 0 ? SQL_NUM_PINF : SQL_NUM_NINF);
        return WEIR_OK;
    }
    char buf[64];
    int len = snprintf(buf, sizeof(buf), "%.*g", digits, d);
    return sql_numeric_parse(buf, (size_t)len, out, err);
}

int sql_numeric_from_double(double d, SqlNumeric *out, SqlError *err)
{
    return numeric_from_printed(d, 15, out, err);
}

int sql_numeric_from_float4(float f, SqlNumeric *out, SqlError *err)
{
    return numeric_from_printed((double)f, 6, out, err);
}

/* v / 10^d rounded half away from zero (d >= 0). */
static __int128 round_div_p10(__int128 v, int d)
{
    if (d == 0)
        return v;
    if (d > 38)
        return 0; /* |v| < 10^38 < 10^d / 2 */
    __int128 q = v / P10[d], r = v % P10[d];
    if (u128_abs(r) * 2 >= (u128)P10[d])
        q += v < 0 ? -1 : 1;
    return q;
}

int sql_numeric_to_int(const SqlNumeric *a, int bits, int64_t *out, SqlError *err)
{
    const char *tname = bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint";
    if (a->kind == SQL_NUM_NAN)
        return sql_error_set(err, "0A000", 0, "cannot convert NaN to %s", tname);
    if (a->kind != SQL_NUM_FINITE)
        return sql_error_set(err, "0A000", 0, "cannot convert infinity to %s", tname);
    __int128 q = round_div_p10(a->v, a->scale);
    __int128 lo = bits == 16 ? INT16_MIN : bits == 32 ? INT32_MIN : INT64_MIN;
    __int128 hi = bits == 16 ? INT16_MAX : bits == 32 ? INT32_MAX : INT64_MAX;
    if (q < lo || q > hi)
        return sql_error_set(err, "22003", 0, "%s out of range", tname);
    *out = (int64_t)q;
    return WEIR_OK;
}

double sql_numeric_to_double(const SqlNumeric *a)
{
    switch (a->kind) {
    case SQL_NUM_NAN:
        return NAN;
    case SQL_NUM_PINF:
        return INFINITY;
    case SQL_NUM_NINF:
        return -INFINITY;
    default:
        break;
    }
    /* Exact fast path: both operands are exact doubles, so IEEE division rounds correctly, which is what
     * PostgreSQL's numeric_out + strtod round trip yields. */
    static const double p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (u128_abs(a->v) <= ((u128)1 << 53) && a->scale <= 22)
        return (double)a->v / p10d[a->scale];
    char buf[SQL_NUMERIC_TEXT_MAX];
    sql_numeric_format(a, buf);
    return strtod(buf, NULL);
}

/* ----------------------------------------------------------------------------------------------- */
/* arithmetic                                                                                        */
/* ----------------------------------------------------------------------------------------------- */

/* v * 10^k with overflow detection (k >= 0). */
static int scale_up(__int128 v, int k, __int128 *out)
{
    if (k == 0) {
        *out = v;
        return 0;
    }
    if (v == 0) {
        *out = 0;
        return 0;
    }
    if (k > 38)
        return -1;
    return __builtin_mul_overflow(v, P10[k], out) ? -1 : 0;
}

static int finite_result(__int128 v, int scale, SqlNumeric *out, SqlError *err)
{
    if (scale > 38 || u128_abs(v) >= (u128)NUM_LIMIT)
        return num_overflow(err);
    *out = sql_numeric_make(v, scale);
    return WEIR_OK;
}

static int addsub(const SqlNumeric *a, const SqlNumeric *b, int negate_b, SqlNumeric *out, SqlError *err)
{
    if (a->kind || b->kind) {
        int ka = a->kind, kb = b->kind;
        if (negate_b)
            kb = kb == SQL_NUM_PINF ? SQL_NUM_NINF : kb == SQL_NUM_NINF ? SQL_NUM_PINF : kb;
        if (ka == SQL_NUM_NAN || kb == SQL_NUM_NAN || (ka && kb && ka != kb))
            *out = sql_numeric_special(SQL_NUM_NAN);
        else
            *out = sql_numeric_special(ka ? ka : kb);
        return WEIR_OK;
    }
    int scale = a->scale > b->scale ? a->scale : b->scale;
    __int128 x, y, r;
    if (scale_up(a->v, scale - a->scale, &x) || scale_up(b->v, scale - b->scale, &y))
        return num_overflow(err);
    if (negate_b ? __builtin_sub_overflow(x, y, &r) : __builtin_add_overflow(x, y, &r))
        return num_overflow(err);
    return finite_result(r, scale, out, err);
}

int sql_numeric_add(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    return addsub(a, b, 0, out, err);
}

int sql_numeric_sub(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    return addsub(a, b, 1, out, err);
}

static int num_sign(const SqlNumeric *a)
{
    if (a->kind == SQL_NUM_PINF)
        return 1;
    if (a->kind == SQL_NUM_NINF)
        return -1;
    return a->v > 0 ? 1 : a->v < 0 ? -1 : 0;
}

int sql_numeric_mul(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    if (a->kind || b->kind) {
        if (a->kind == SQL_NUM_NAN || b->kind == SQL_NUM_NAN) {
            *out = sql_numeric_special(SQL_NUM_NAN);
            return WEIR_OK;
        }
        int s = num_sign(a) * num_sign(b);
        *out = sql_numeric_special(s == 0 ? SQL_NUM_NAN : s > 0 ? SQL_NUM_PINF : SQL_NUM_NINF);
        return WEIR_OK;
    }
    __int128 r;
    if (__builtin_mul_overflow(a->v, b->v, &r))
        return num_overflow(err);
    return finite_result(r, a->scale + b->scale, out, err);
}

/* PostgreSQL's weight (power of 10000 of the first nonzero base-10000 digit) and that digit. */
static void numeric_weight(const SqlNumeric *a, int *weight, int *firstdigit)
{
    u128 u = u128_abs(a->v);
    if (u == 0) {
        *weight = 0;
        *firstdigit = 0;
        return;
    }
    int nd = u128_ndigits(u);
    int e = nd - 1 - a->scale; /* power of ten of the leading digit */
    int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
    int lead = e - w * 4 + 1; /* decimal digits in the first group, 1..4 */
    *weight = w;
    *firstdigit = nd >= lead ? (int)(u / (u128)P10[nd - lead]) : (int)(u * (u128)P10[lead - nd]);
}

int sql_numeric_div_result_scale(const SqlNumeric *a, const SqlNumeric *b)
{
    int w1, d1, w2, d2;
    numeric_weight(a, &w1, &d1);
    numeric_weight(b, &w2, &d2);
    int qweight = w1 - w2;
    if (d1 <= d2)
        qweight--;
    int rscale = 16 - qweight * 4; /* NUMERIC_MIN_SIG_DIGITS */
    if (rscale < a->scale)
        rscale = a->scale;
    if (rscale < b->scale)
        rscale = b->scale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > 1000)
        rscale = 1000;
    return rscale;
}

/* Common special-value rules of numeric_div and numeric_div_trunc. Returns 1 when *out is decided. */
static int div_specials(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, int *rc, SqlError *err)
{
    *rc = WEIR_OK;
    if (!a->kind && !b->kind) {
        if (b->v == 0)
            *rc = num_div0(err);
        return *rc != WEIR_OK;
    }
    if (a->kind == SQL_NUM_NAN || b->kind == SQL_NUM_NAN) {
        *out = sql_numeric_special(SQL_NUM_NAN);
        return 1;
    }
    if (a->kind) {
        if (b->kind) {
            *out = sql_numeric_special(SQL_NUM_NAN);
            return 1;
        }
        int s = num_sign(b);
        if (s == 0) {
            *rc = num_div0(err);
            return 1;
        }
        int k = num_sign(a) * s;
        *out = sql_numeric_special(k > 0 ? SQL_NUM_PINF : SQL_NUM_NINF);
        return 1;
    }
    /* finite / infinity */
    *out = sql_numeric_make(0, 0);
    return 1;
}

/* |a| / |b| at `scale` digits: quotient q and whether the remainder is >= half (for rounding) or
 * nonzero (for truncation). Returns -1 when the quotient leaves 128 bits. */
static int div_core(const SqlNumeric *a, const SqlNumeric *b, int scale, u128 *q, int *half_up, int *inexact)
{
    u128 ua = u128_abs(a->v), ub = u128_abs(b->v);
    int k = scale + b->scale - a->scale;
    if (ua == 0) {
        *q = 0;
        *half_up = *inexact = 0;
        return 0;
    }
    /* The quotient has at least nd(a) + k - nd(b) digits: past 38 it cannot fit, and rejecting it here
     * also keeps the scaled dividend below 10^76, inside 256 bits. */
    if (u128_ndigits(ua) + k - u128_ndigits(ub) - 1 >= 38)
        return -1;
    if (k >= 0 && k <= 38) {
        u128 n;
        if (!__builtin_mul_overflow(ua, (u128)P10[k], &n)) {
            *q = n / ub;
            u128 r = n % ub;
            *half_up = r >= ub - r; /* 2r >= ub without overflow */
            *inexact = r != 0;
            return 0;
        }
    }
    U256 N, D;
    if (k >= 0) {
        if (k > 76)
            return -1;
        N = u256_scale(ua, k);
        D.hi = 0;
        D.lo = ub;
    } else {
        N.hi = 0;
        N.lo = ua;
        if (-k > 76) {
            *q = 0;
            *half_up = 0;
            *inexact = ua != 0;
            return 0;
        }
        D = u256_scale(ub, -k);
    }
    U256 Q, R;
    u256_divmod(N, D, &Q, &R);
    if (Q.hi)
        return -1;
    *q = Q.lo;
    U256 R2 = u256_shl1(R);
    *half_up = (R.hi >> 127) || u256_cmp(R2, D) >= 0;
    *inexact = R.hi || R.lo;
    return 0;
}

int sql_numeric_div_scale(const SqlNumeric *a, const SqlNumeric *b, int scale, SqlNumeric *out, SqlError *err)
{
    int rc;
    if (div_specials(a, b, out, &rc, err))
        return rc;
    if (scale > 38)
        return num_overflow(err);
    u128 q;
    int half, inexact;
    if (div_core(a, b, scale, &q, &half, &inexact))
        return num_overflow(err);
    if (half)
        q++;
    if (q >= (u128)NUM_LIMIT)
        return num_overflow(err);
    __int128 v = (__int128)q;
    if ((a->v < 0) != (b->v < 0))
        v = -v;
    *out = sql_numeric_make(v, scale);
    return WEIR_OK;
}

int sql_numeric_div(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    int rc;
    if (div_specials(a, b, out, &rc, err))
        return rc;
    return sql_numeric_div_scale(a, b, sql_numeric_div_result_scale(a, b), out, err);
}

int sql_numeric_div_trunc(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    int rc;
    if (div_specials(a, b, out, &rc, err))
        return rc;
    u128 q;
    int half, inexact;
    if (div_core(a, b, 0, &q, &half, &inexact) || q >= (u128)NUM_LIMIT)
        return num_overflow(err);
    __int128 v = (__int128)q;
    if ((a->v < 0) != (b->v < 0))
        v = -v;
    *out = sql_numeric_make(v, 0);
    return WEIR_OK;
}

int sql_numeric_mod(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err)
{
    if (a->kind || b->kind) {
        if (a->kind == SQL_NUM_NAN || b->kind == SQL_NUM_NAN) {
            *out = sql_numeric_special(SQL_NUM_NAN);
            return WEIR_OK;
        }
        if (a->kind) {
            if (!b->kind && b->v == 0)
                return num_div0(err);
            *out = sql_numeric_special(SQL_NUM_NAN); /* infinity % nonzero */
            return WEIR_OK;
        }
        *out = *a; /* finite % infinity = the dividend */
        return WEIR_OK;
    }
    if (b->v == 0)
        return num_div0(err);
    int scale = a->scale > b->scale ? a->scale : b->scale;
    __int128 x, y;
    if (!scale_up(a->v, scale - a->scale, &x) && !scale_up(b->v, scale - b->scale, &y)) {
        *out = sql_numeric_make(x % y, scale);
        return WEIR_OK;
    }
    /* slow path: the aligned operands need more than 128 bits */
    U256 N = u256_scale(u128_abs(a->v), scale - a->scale), D = u256_scale(u128_abs(b->v), scale - b->scale);
    U256 Q, R;
    u256_divmod(N, D, &Q, &R);
    if (R.hi || R.lo >= (u128)NUM_LIMIT)
        return num_overflow(err);
    __int128 r = (__int128)R.lo;
    *out = sql_numeric_make(a->v < 0 ? -r : r, scale);
    return WEIR_OK;
}

void sql_numeric_neg(const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_PINF)
        *out = sql_numeric_special(SQL_NUM_NINF);
    else if (a->kind == SQL_NUM_NINF)
        *out = sql_numeric_special(SQL_NUM_PINF);
    else {
        *out = *a;
        out->v = -a->v;
    }
}

void sql_numeric_abs(const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_NINF)
        *out = sql_numeric_special(SQL_NUM_PINF);
    else {
        *out = *a;
        if (out->v < 0)
            out->v = -out->v;
    }
}

void sql_numeric_sign(const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_NAN)
        *out = sql_numeric_special(SQL_NUM_NAN);
    else
        *out = sql_numeric_make(num_sign(a), 0);
}

/* round (mode 0) or trunc (mode 1) to s digits after the point; result scale max(s, 0). */
static int round_trunc(const SqlNumeric *a, int s, int mode, SqlNumeric *out, SqlError *err)
{
    if (a->kind) {
        *out = *a;
        return WEIR_OK;
    }
    if (s > 1000)
        s = 1000;
    if (s < -1000)
        s = -1000;
    if (s >= a->scale) {
        __int128 v;
        if (s > 38 || scale_up(a->v, s - a->scale, &v))
            return num_overflow(err);
        return finite_result(v, s, out, err);
    }
    int d = a->scale - s;
    __int128 q;
    if (mode == 0)
        q = round_div_p10(a->v, d);
    else
        q = d > 38 ? 0 : a->v / P10[d];
    if (s < 0) {
        /* back to scale 0: q counts units of 10^-s */
        if (scale_up(q, -s, &q))
            return num_overflow(err);
        s = 0;
    }
    return finite_result(q, s, out, err);
}

int sql_numeric_round(const SqlNumeric *a, int s, SqlNumeric *out, SqlError *err)
{
    return round_trunc(a, s, 0, out, err);
}

int sql_numeric_trunc(const SqlNumeric *a, int s, SqlNumeric *out, SqlError *err)
{
    return round_trunc(a, s, 1, out, err);
}

static int ceil_floor(const SqlNumeric *a, int up, SqlNumeric *out, SqlError *err)
{
    if (a->kind) {
        *out = *a;
        return WEIR_OK;
    }
    __int128 q = a->v / P10[a->scale], r = a->v % P10[a->scale];
    if (up && r > 0)
        q++;
    if (!up && r < 0)
        q--;
    return finite_result(q, 0, out, err);
}

int sql_numeric_ceil(const SqlNumeric *a, SqlNumeric *out, SqlError *err)
{
    return ceil_floor(a, 1, out, err);
}

int sql_numeric_floor(const SqlNumeric *a, SqlNumeric *out, SqlError *err)
{
    return ceil_floor(a, 0, out, err);
}

int sql_numeric_apply_typmod(const SqlNumeric *a, int32_t typmod, SqlNumeric *out, SqlError *err)
{
    if (typmod < 4 || a->kind == SQL_NUM_NAN) {
        *out = *a;
        return WEIR_OK;
    }
    int precision = ((typmod - 4) >> 16) & 0xffff;
    int scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024; /* PostgreSQL 15 allows negative scales */
    int maxdigits = precision - scale;
    if (a->kind) {
        if (err && !err->sqlstate[0])
            snprintf(err->detail, sizeof(err->detail),
                     "A field with precision %d, scale %d cannot hold an infinite value.", precision, scale);
        return sql_error_set(err, "22003", 0, "numeric field overflow");
    }
    SqlNumeric r;
    if (sql_numeric_round(a, scale, &r, err))
        return WEIR_ERROR;
    int nd = u128_ndigits(u128_abs(r.v));
    int idigits = nd - r.scale;
    if (idigits > maxdigits) {
        if (err && !err->sqlstate[0])
            snprintf(err->detail, sizeof(err->detail),
                     "A field with precision %d, scale %d must round to an absolute value less than %s%d.",
                     precision, scale, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
        return sql_error_set(err, "22003", 0, "numeric field overflow");
    }
    *out = r;
    return WEIR_OK;
}

/* ----------------------------------------------------------------------------------------------- */
/* comparison and hashing                                                                            */
/* ----------------------------------------------------------------------------------------------- */

static int kind_rank(const SqlNumeric *a)
{
    switch (a->kind) {
    case SQL_NUM_NAN:
        return 3;
    case SQL_NUM_PINF:
        return 2;
    case SQL_NUM_NINF:
        return 0;
    default:
        return 1;
    }
}

int sql_numeric_cmp(const SqlNumeric *a, const SqlNumeric *b)
{
    int ra = kind_rank(a), rb = kind_rank(b);
    if (ra != rb || ra != 1)
        return ra < rb ? -1 : ra > rb ? 1 : 0;
    if (a->scale == b->scale)
        return a->v < b->v ? -1 : a->v > b->v ? 1 : 0;
    int sa = a->v > 0 ? 1 : a->v < 0 ? -1 : 0, sb = b->v > 0 ? 1 : b->v < 0 ? -1 : 0;
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    /* same sign: bring the smaller scale up; if that overflows, it is the larger magnitude */
    __int128 x = a->v, y = b->v;
    if (a->scale < b->scale) {
        if (scale_up(a->v, b->scale - a->scale, &x))
            return sa; /* |a| is larger */
    } else {
        if (scale_up(b->v, a->scale - b->scale, &y))
            return -sa;
    }
    return x < y ? -1 : x > y ? 1 : 0;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t sql_numeric_hash(const SqlNumeric *a)
{
    if (a->kind)
        return mix64(0x9e3779b97f4a7c15ULL + (uint64_t)a->kind);
    __int128 v = a->v;
    int s = a->scale;
    /* strip trailing zeros so 1.0 and 1.00 hash alike; 64-bit steps when the value fits */
    while (s > 0 && v != 0) {
        if (v >= INT64_MIN && v <= INT64_MAX) {
            int64_t w = (int64_t)v;
            while (s > 0 && w % 10 == 0) {
                w /= 10;
                s--;
            }
            v = w;
            break;
        }
        if (v % 10 != 0)
            break;
        v /= 10;
        s--;
    }
    if (v == 0)
        s = 0;
    u128 u = (u128)v;
    return mix64((uint64_t)u ^ mix64((uint64_t)(u >> 64) ^ ((uint64_t)s << 56)));
}

int sql_numeric_is_integral(const SqlNumeric *a)
{
    return a->kind == SQL_NUM_FINITE && a->v % P10[a->scale] == 0;
}

/* ----------------------------------------------------------------------------------------------- */
/* binary                                                                                            */
/* ----------------------------------------------------------------------------------------------- */

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

size_t sql_numeric_send(const SqlNumeric *a, uint8_t *out)
{
    if (a->kind) {
        unsigned sign = a->kind == SQL_NUM_NAN ? 0xC000 : a->kind == SQL_NUM_PINF ? 0xD000 : 0xF000;
        put16(out, 0);
        put16(out + 2, 0);
        put16(out + 4, sign);
        /* PostgreSQL reads the dscale of a special through the short-header mask: 0 for NaN, 32 for
         * the infinities ((0xD000 & 0x1F80) >> 7). Clients ignore it; sending the same bytes keeps
         * binary results identical. */
        put16(out + 6, (sign & 0x1F80) >> 7);
        return 8;
    }
    /* Build base-10000 groups from the decimal digits: integer groups from the point leftwards,
     * fraction groups from the point rightwards, padded with zeros. */
    char digits[40];
    int nd = u128_to_digits(u128_abs(a->v), digits);
    if (a->v == 0)
        nd = 0;
    int scale = a->scale;
    int nint = nd > scale ? nd - scale : 0; /* integer digits */
    int ig = (nint + 3) / 4, fg = (scale + 3) / 4;
    int groups[24];
    int ng = 0;
    for (int g = 0; g < ig; g++) {
        /* group g (from the left) covers integer digits [end-4, end) where end counts from the right */
        int hi_pos = nint - (ig - g) * 4; /* index of first digit, may be negative */
        int val = 0;
        for (int k = 0; k < 4; k++) {
            int pos = hi_pos + k;
            val = val * 10 + (pos >= 0 ? digits[pos] - '0' : 0);
        }
        groups[ng++] = val;
    }
    for (int g = 0; g < fg; g++) {
        int val = 0;
        for (int k = 0; k < 4; k++) {
            int fpos = g * 4 + k; /* fraction digit index */
            int d = 0;
            if (fpos < scale) {
                int pos = nd - scale + fpos; /* index into digits; negative means a leading zero */
                d = pos >= 0 ? digits[pos] - '0' : 0;
            }
            val = val * 10 + d;
        }
        groups[ng++] = val;
    }
    int weight = ig - 1, start = 0, end = ng;
    while (start < end && groups[start] == 0) {
        start++;
        weight--;
    }
    while (end > start && groups[end - 1] == 0)
        end--;
    if (start == end)
        weight = 0;
    put16(out, (unsigned)(end - start));
    put16(out + 2, (unsigned)(uint16_t)(int16_t)weight);
    put16(out + 4, a->v < 0 ? 0x4000 : 0);
    put16(out + 6, (unsigned)scale);
    size_t o = 8;
    for (int g = start; g < end; g++, o += 2)
        put16(out + o, (unsigned)groups[g]);
    return o;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

int sql_numeric_recv(const uint8_t *p, size_t n, SqlNumeric *out, SqlError *err)
{
    if (n < 8)
        return sql_error_set(err, "22P03", 0, "insufficient data left in message");
    int ndigits = (int16_t)get16(p);
    int weight = (int16_t)get16(p + 2);
    unsigned sign = get16(p + 4);
    unsigned dscale = get16(p + 6);
    if (ndigits < 0 || ndigits > 1000 + 1000)
        return sql_error_set(err, "22P03", 0, "invalid length in external \"numeric\" value");
    if (n != 8 + 2 * (size_t)ndigits)
        return sql_error_set(err, "22P03", 0, "incorrect binary data format");
    if (sign != 0 && sign != 0x4000 && sign != 0xC000 && sign != 0xD000 && sign != 0xF000)
        return sql_error_set(err, "22P03", 0, "invalid sign in external \"numeric\" value");
    if (dscale > 0x3FFF)
        return sql_error_set(err, "22P03", 0, "invalid scale in external \"numeric\" value");
    for (int i = 0; i < ndigits; i++)
        if (get16(p + 8 + 2 * i) >= 10000)
            return sql_error_set(err, "22P03", 0, "invalid digit in external \"numeric\" value");
    if (sign == 0xC000) {
        *out = sql_numeric_special(SQL_NUM_NAN);
        return WEIR_OK;
    }
    if (sign == 0xD000 || sign == 0xF000) {
        *out = sql_numeric_special(sign == 0xD000 ? SQL_NUM_PINF : SQL_NUM_NINF);
        return WEIR_OK;
    }
    if (dscale > 38)
        return num_overflow(err);
    /* v = sum d_i * 10^(4 * (weight - i) + dscale), truncating digits below dscale (as PostgreSQL's
     * trunc_var(value, dscale) does). */
    __int128 v = 0;
    for (int i = 0; i < ndigits; i++) {
        int d = (int)get16(p + 8 + 2 * i);
        long e = 4L * (weight - i) + (long)dscale;
        __int128 term;
        if (d == 0)
            continue;
        if (e >= 0) {
            if (e > 38 || __builtin_mul_overflow((__int128)d, P10[e], &term))
                return num_overflow(err);
        } else if (e > -4) {
            term = d / (int)P10[-e];
        } else {
            break;
        }
        if (__builtin_add_overflow(v, term, &v) || v >= NUM_LIMIT)
            return num_overflow(err);
    }
    *out = sql_numeric_make(sign == 0x4000 ? -v : v, (int)dscale);
    return WEIR_OK;
}

/* ----------------------------------------------------------------------------------------------- */
/* aggregates                                                                                        */
/* ----------------------------------------------------------------------------------------------- */

static int agg_rescale(SqlNumericAgg *s, int scale, SqlError *err)
{
    if (scale > s->scale) {
        if (scale_up(s->sum, scale - s->scale, &s->sum))
            return num_overflow(err);
        s->scale = (int16_t)scale;
    }
    return WEIR_OK;
}

int sql_numeric_agg_add(SqlNumericAgg *s, const SqlNumeric *v, SqlError *err)
{
    s->n++;
    switch (v->kind) {
    case SQL_NUM_NAN:
        s->n_nan = 1;
        return WEIR_OK;
    case SQL_NUM_PINF:
        s->has_pinf = 1;
        return WEIR_OK;
    case SQL_NUM_NINF:
        s->has_ninf = 1;
        return WEIR_OK;
    default:
        break;
    }
    if (agg_rescale(s, v->scale, err))
        return WEIR_ERROR;
    __int128 t;
    if (scale_up(v->v, s->scale - v->scale, &t) || __builtin_add_overflow(s->sum, t, &s->sum))
        return num_overflow(err);
    return WEIR_OK;
}

int sql_numeric_agg_merge(SqlNumericAgg *dst, const SqlNumericAgg *src, SqlError *err)
{
    dst->n += src->n;
    dst->n_nan |= src->n_nan;
    dst->has_pinf |= src->has_pinf;
    dst->has_ninf |= src->has_ninf;
    if (agg_rescale(dst, src->scale, err))
        return WEIR_ERROR;
    __int128 t;
    if (scale_up(src->sum, dst->scale - src->scale, &t) || __builtin_add_overflow(dst->sum, t, &dst->sum))
        return num_overflow(err);
    return WEIR_OK;
}

static int agg_special(const SqlNumericAgg *s, SqlNumeric *out)
{
    if (s->n_nan || (s->has_pinf && s->has_ninf)) {
        *out = sql_numeric_special(SQL_NUM_NAN);
        return 1;
    }
    if (s->has_pinf || s->has_ninf) {
        *out = sql_numeric_special(s->has_pinf ? SQL_NUM_PINF : SQL_NUM_NINF);
        return 1;
    }
    return 0;
}

int sql_numeric_agg_sum(const SqlNumericAgg *s, SqlNumeric *out, SqlError *err)
{
    if (agg_special(s, out))
        return WEIR_OK;
    return finite_result(s->sum, s->scale, out, err);
}

int sql_numeric_agg_avg(const SqlNumericAgg *s, SqlNumeric *out, SqlError *err)
{
    if (agg_special(s, out))
        return WEIR_OK;
    SqlNumeric sum, cnt;
    if (finite_result(s->sum, s->scale, &sum, err))
        return WEIR_ERROR;
    sql_numeric_from_int64(s->n, &cnt);
    return sql_numeric_div(&sum, &cnt, out, err);
}
