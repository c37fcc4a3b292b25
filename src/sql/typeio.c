/*
 * typeio.c: see typeio.h. Text and binary input/output of every SQL type and CAST, as PostgreSQL 15.
 *
 * Where the pieces live:
 *   typeio.c          dispatch by type; integers, floats, bool, bytea, strings, oids, binary forms, casts
 *   numeric.c         NUMERIC text/binary and arithmetic
 *   datetime_io.c     date/time/timestamp/interval text forms
 *   jsonb.c           JSON validation and jsonb normalisation
 *   typeio_timefmt.c  the stream decoders' time formats (sql_time_format_parse / sql_time_parse)
 *
 * Speed: the engine formats millions of values, so output never calls printf for integers (two digits
 * per step from a table) and never allocates: everything is appended to the caller's Buf. Floats use a
 * shortest-round-trip search whose fast path (values with at most ~15 significant digits, the common
 * case for data) needs one multiply and one division per candidate length; only other values fall back
 * to snprintf + strtod.
 *
 * Float output follows PostgreSQL 12+: extra_float_digits > 0 prints the shortest text that reads back
 * to the same value (Ryu's answer), switching to exponent form outside 1e-4 <= |x| < 1e15 (1e6 for
 * real); extra_float_digits <= 0 prints "%.{15+efd}g" ("%.{6+efd}g" for real).
 *
 * strtod/strtof/snprintf are used for floats, so LC_NUMERIC must stay "C" (weir never calls setlocale).
 */
#include "sql/typeio.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "exec/engine.h"
#include "sql/datetime.h"
#include "sql/jsonb.h"
#include "sql/numeric.h"

void sql_format_opts_default(SqlFormatOpts *o)
{
    o->date_style = SQL_DATESTYLE_ISO;
    o->date_order = SQL_DATEORDER_MDY;
    o->interval_style = SQL_INTERVALSTYLE_POSTGRES;
    o->extra_float_digits = 1;
    o->tz = sql_tz_utc();
    o->reg = NULL;
    o->reg_arg = NULL;
}

/* ----------------------------------------------------------------------------------------------- */
/* output helpers                                                                                    */
/* ----------------------------------------------------------------------------------------------- */

static const char DIGITS2[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                 "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                 "8081828384858687888990919293949596979899";

/* Decimal of v into buf (at least 21 bytes); returns the length. */
static size_t fmt_int64(int64_t v, char *buf)
{
    char tmp[24];
    int n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100);
        u /= 100;
        tmp[n++] = DIGITS2[d * 2 + 1];
        tmp[n++] = DIGITS2[d * 2];
    }
    if (u >= 10) {
        tmp[n++] = DIGITS2[u * 2 + 1];
        tmp[n++] = DIGITS2[u * 2];
    } else {
        tmp[n++] = (char)('0' + u);
    }
    size_t o = 0;
    if (v < 0)
        buf[o++] = '-';
    while (n)
        buf[o++] = tmp[--n];
    return o;
}

/* Room for n bytes at the end of out; returns the write position or NULL (WEIR_ELIMIT). */
static char *out_room(Buf *out, size_t n)
{
    if (buf_reserve(out, n) != WEIR_OK)
        return NULL;
    return (char *)out->p + out->len;
}

static int out_done(Buf *out, size_t n)
{
    out->len += n;
    out->p[out->len] = '\0';
    return WEIR_OK;
}

static int out_bytes(Buf *out, const void *p, size_t n)
{
    return buf_append(out, p, n);
}

/* ----------------------------------------------------------------------------------------------- */
/* floats                                                                                            */
/* ----------------------------------------------------------------------------------------------- */

/* Is the decimal d * 10^p exactly halfway between x and a neighbouring float/double? PostgreSQL's
 * Ryu copy never prints such a tie (strtod would round it back by ties-to-even, but PostgreSQL wants
 * output that survives any correct strtod), so a tie is not an acceptable shortest answer: 1e23 prints
 * as 9.999999999999999e+22. Exact test on 2-adic and 5-adic parts, all inside 128 bits. */
static int is_tie(double x, int is_float, uint64_t d, int p)
{
    int bits = is_float ? 24 : 53, emin = is_float ? -149 : -1074, e;
    double f = frexp(fabs(x), &e);
    uint64_t m = (uint64_t)ldexp(f, bits);
    int E = e - bits;
    if (E < emin) {
        m >>= (emin - E);
        E = emin;
    }
    if (d == 0)
        return 0;
    int t = __builtin_ctzll(d);
    uint64_t dodd = d >> t;
    /* candidates: upper midpoint (2m+1)*2^(E-1); lower (2m-1)*2^(E-1), or (4m-1)*2^(E-2) below a power
     * of two where the spacing halves */
    uint64_t odd[2] = {2 * m + 1, 0};
    int q[2] = {E - 1, 0};
    if (m == (uint64_t)1 << (bits - 1) && E > emin) {
        odd[1] = 4 * m - 1;
        q[1] = E - 2;
    } else {
        odd[1] = 2 * m - 1;
        q[1] = E - 1;
    }
    for (int i = 0; i < 2; i++) {
        if (t + p != q[i])
            continue;
        unsigned __int128 pw = 1;
        int ap = p < 0 ? -p : p;
        if (ap > 27)
            continue;
        for (int k = 0; k < ap; k++)
            pw *= 5;
        if (p >= 0 ? (unsigned __int128)dodd * pw == odd[i] : (unsigned __int128)odd[i] * pw == dodd)
            return 1;
    }
    return 0;
}

static const unsigned __int128 P10U[23] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL,
    10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
    1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
    (unsigned __int128)1000000000000000000ULL * 10, (unsigned __int128)1000000000000000000ULL * 100,
    (unsigned __int128)1000000000000000000ULL * 1000, (unsigned __int128)1000000000000000000ULL * 10000};

/* Exact shortest search in 128-bit integers. |x| = M / 2^S; for k = 0, 1, ... the nearest k-decimal
 * candidate m / 10^k is accepted when it lies strictly inside x's rounding interval:
 * |m * 2^S - M * 10^k| < 10^k / 2 (/ 4 below a power of two, where the gap to the next lower value
 * halves). The first k that works gives the fewest digits, and the nearest candidate is Ryu's choice.
 * Needs M * 10^k < 2^128, i.e. k <= 22 and S < 128: about 1e-6 < |x| < 2^53. Returns -1 otherwise
 * (and on an exact tie between two candidates), leaving the value to the slow path. */
static int shortest_exact(double x, int is_float, uint64_t *mout, int *kout)
{
    int e;
    uint64_t M;
    int bits = is_float ? 24 : 53;
    if (is_float) {
        float ff = frexpf((float)fabs(x), &e);
        M = (uint64_t)ldexpf(ff, bits);
        if (fabs(x) < FLT_MIN)
            return -1;
    } else {
        double fd = frexp(fabs(x), &e);
        M = (uint64_t)ldexp(fd, bits);
        if (fabs(x) < DBL_MIN)
            return -1;
    }
    int S = bits - e;
    if (S <= 0 || S >= 127)
        return -1;
    int pow2 = M == (uint64_t)1 << (bits - 1);
    unsigned __int128 half = (unsigned __int128)1 << (S - 1);
    for (int k = 0; k <= 22; k++) {
        unsigned __int128 A = (unsigned __int128)M * P10U[k];
        unsigned __int128 m = (A + half) >> S;
        if (m == 0)
            continue;
        unsigned __int128 B = m << S;
        int below = A > B; /* candidate below x */
        unsigned __int128 diff = below ? A - B : B - A;
        if (diff == half)
            return -1; /* x*10^k sits exactly between two candidates */
        if ((below && pow2 ? diff * 4 : diff * 2) < P10U[k]) {
            if (m >> 63)
                return -1;
            *mout = (uint64_t)m;
            *kout = k;
            return 0;
        }
    }
    return -1;
}

/* Shortest decimal digits of |x| (x finite, nonzero) that read back as x and are not a tie: digits
 * into d (no leading/trailing zeros), and the decimal exponent e such that |x| = 0.d * 10^e. */
static int shortest_digits(double x, int is_float, char *d, int *e)
{
    double ax = fabs(x);
    uint64_t m = 0;
    int k = -1;
    if (ax == floor(ax) && ax < (is_float ? 16777216.0 : 9007199254740992.0)) {
        /* an integer below 2^53 (2^24 for real): its own digits are the shortest, and no tie can sit
         * on an integer there (see docs/internals/types.md) */
        m = (uint64_t)ax;
        k = 0;
    } else {
        /* quick check for values with few decimals (prices, readings): round(x*10^k)/10^k == x in
         * doubles is exact here (both operands exact, IEEE division correctly rounded), and the
         * candidate is unique while it stays below 2^50; still reject ties like the exact path */
        static const double p10d[5] = {1, 10, 100, 1000, 10000};
        if (!is_float && ax >= 1e-4 && ax < 1e11) {
            for (int kk = 1; kk <= 4; kk++) {
                double r = nearbyint(ax * p10d[kk]);
                if (r != 0 && r / p10d[kk] == ax && !is_tie(x, 0, (uint64_t)r, -kk)) {
                    m = (uint64_t)r;
                    k = kk;
                    break;
                }
            }
        }
        if (k < 0 && shortest_exact(x, is_float, &m, &k) != 0)
            k = -1;
    }
    if (k >= 0) {
        char tmp[24];
        int n = 0;
        while (m) {
            tmp[n++] = (char)('0' + m % 10);
            m /= 10;
        }
        /* tmp holds digits least significant first; drop trailing zeros */
        int lo = 0;
        while (lo < n && tmp[lo] == '0')
            lo++;
        int len = 0;
        for (int i = n - 1; i >= lo; i--)
            d[len++] = tmp[i];
        d[len] = '\0';
        *e = n - k;
        return len;
    }
    /* slow path: the first precision whose correctly rounded text reads back exactly */
    char buf[40];
    int lo = is_float ? 6 : 15, hi = is_float ? 9 : 17;
    /* subnormals carry fewer significant digits, so shorter texts can round-trip there */
    if (is_float ? ax < FLT_MIN : ax < DBL_MIN)
        lo = 1;
    for (int prec = lo; prec <= hi; prec++) {
        snprintf(buf, sizeof(buf), "%.*e", prec - 1, ax);
        int ok = is_float ? strtof(buf, NULL) == (float)ax : strtod(buf, NULL) == ax;
        if (ok && prec < hi) {
            uint64_t dv = 0;
            char *q = buf;
            for (; *q && *q != 'e'; q++)
                if (*q >= '0' && *q <= '9')
                    dv = dv * 10 + (uint64_t)(*q - '0');
            if (is_tie(x, is_float, dv, atoi(q + 1) - (prec - 1)))
                ok = 0;
        }
        if (ok || prec == hi)
            break;
    }
    /* buf is "D.DDDDe[+-]XX" */
    int len = 0;
    char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            d[len++] = *p;
    int ex = atoi(p + 1);
    while (len > 1 && d[len - 1] == '0')
        len--;
    d[len] = '\0';
    *e = ex + 1;
    return len;
}

/* PostgreSQL's shortest float text: fixed notation when -4 <= exponent < limit, else d.ddde+XX. */
static size_t fmt_float_shortest(double x, int is_float, char *out)
{
    if (isnan(x)) {
        memcpy(out, "NaN", 4);
        return 3;
    }
    if (isinf(x)) {
        const char *s = x > 0 ? "Infinity" : "-Infinity";
        size_t n = strlen(s);
        memcpy(out, s, n + 1);
        return n;
    }
    size_t o = 0;
    if (signbit(x))
        out[o++] = '-';
    if (x == 0) {
        out[o++] = '0';
        out[o] = '\0';
        return o;
    }
    char d[32];
    int e;
    int len = shortest_digits(x, is_float, d, &e);
    int exp10 = e - 1;
    int limit = is_float ? 6 : 15;
    if (exp10 >= -4 && exp10 < limit) {
        if (e <= 0) {
            out[o++] = '0';
            out[o++] = '.';
            for (int i = 0; i < -e; i++)
                out[o++] = '0';
            memcpy(out + o, d, (size_t)len);
            o += (size_t)len;
        } else if (len <= e) {
            memcpy(out + o, d, (size_t)len);
            o += (size_t)len;
            for (int i = len; i < e; i++)
                out[o++] = '0';
        } else {
            memcpy(out + o, d, (size_t)e);
            o += (size_t)e;
            out[o++] = '.';
            memcpy(out + o, d + e, (size_t)(len - e));
            o += (size_t)(len - e);
        }
    } else {
        out[o++] = d[0];
        if (len > 1) {
            out[o++] = '.';
            memcpy(out + o, d + 1, (size_t)(len - 1));
            o += (size_t)(len - 1);
        }
        out[o++] = 'e';
        out[o++] = exp10 < 0 ? '-' : '+';
        int ae = exp10 < 0 ? -exp10 : exp10;
        if (ae >= 100)
            out[o++] = (char)('0' + ae / 100);
        out[o++] = (char)('0' + ae / 10 % 10);
        out[o++] = (char)('0' + ae % 10);
    }
    out[o] = '\0';
    return o;
}

static size_t fmt_float(double x, int is_float, int efd, char *out)
{
    if (efd > 0 || isnan(x) || isinf(x))
        return fmt_float_shortest(x, is_float, out);
    int ndig = (is_float ? FLT_DIG : DBL_DIG) + efd;
    if (ndig < 1)
        ndig = 1;
    int n = snprintf(out, 64, "%.*g", ndig, x);
    return (size_t)n;
}

/* ----------------------------------------------------------------------------------------------- */
/* text output                                                                                       */
/* ----------------------------------------------------------------------------------------------- */

static int bytea_out(Slice s, Buf *out)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out_room(out, 2 + 2 * s.n);
    if (!p)
        return WEIR_ELIMIT;
    p[0] = '\\';
    p[1] = 'x';
    for (size_t i = 0; i < s.n; i++) {
        p[2 + 2 * i] = hex[s.p[i] >> 4];
        p[3 + 2 * i] = hex[s.p[i] & 15];
    }
    return out_done(out, 2 + 2 * s.n);
}

/* "char" output (PostgreSQL 15 charout): NUL prints nothing, high-bit bytes print as \ooo */
static int char_out(Slice s, Buf *out)
{
    if (s.n == 0 || s.p[0] == 0)
        return WEIR_OK;
    uint8_t c = s.p[0];
    if (c & 0x80) {
        char b[4] = {'\\', (char)('0' + (c >> 6)), (char)('0' + ((c >> 3) & 7)), (char)('0' + (c & 7))};
        return out_bytes(out, b, 4);
    }
    return out_bytes(out, &c, 1);
}

int sql_value_to_text(const SqlValue *v, const SqlFormatOpts *o, Buf *out)
{
    if (v->is_null)
        return WEIR_OK;
    SqlTypeId id = v->type.id;
    if (SQL_IS_ARRAY(id))
        return out_bytes(out, v->u.s.p, v->u.s.n);
    char *p;
    size_t n;
    switch (id) {
    case SQL_BOOL:
        return out_bytes(out, v->u.b ? "t" : "f", 1);
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
        if (!(p = out_room(out, 24)))
            return WEIR_ELIMIT;
        return out_done(out, fmt_int64(v->u.i, p));
    case SQL_REGCLASS:
    case SQL_REGTYPE:
    case SQL_REGPROC:
    case SQL_REGNAMESPACE:
    case SQL_REGROLE:
        /* reg* print the object's name (the session's catalog resolver knows it), "-" for oid 0, and
         * the number when nothing has the oid, as PostgreSQL's regclassout and friends */
        if ((uint32_t)v->u.i == 0)
            return out_bytes(out, "-", 1);
        if (o && o->reg) {
            char name[256];
            int len = o->reg->name(o->reg_arg, id, (uint32_t)v->u.i, name, sizeof(name));
            if (len >= 0)
                return out_bytes(out, name, (size_t)len);
        }
        /* fall through */
    case SQL_OID:
        /* oids are unsigned 32-bit */
        if (!(p = out_room(out, 24)))
            return WEIR_ELIMIT;
        return out_done(out, fmt_int64((int64_t)(uint32_t)v->u.i, p));
    case SQL_FLOAT4:
    case SQL_FLOAT8:
        if (!(p = out_room(out, 64)))
            return WEIR_ELIMIT;
        return out_done(out, fmt_float(v->u.f, id == SQL_FLOAT4, o->extra_float_digits, p));
    case SQL_NUMERIC:
        if (!(p = out_room(out, SQL_NUMERIC_TEXT_MAX)))
            return WEIR_ELIMIT;
        return out_done(out, sql_numeric_format(&v->u.num, p));
    case SQL_BYTEA:
        return bytea_out(v->u.s, out);
    case SQL_CHAR:
        return char_out(v->u.s, out);
    case SQL_DATE:
        if (!(p = out_room(out, SQL_DATETIME_TEXT_MAX)))
            return WEIR_ELIMIT;
        return out_done(out, sql_date_to_text(v->u.i, o, p));
    case SQL_TIME:
        if (!(p = out_room(out, SQL_DATETIME_TEXT_MAX)))
            return WEIR_ELIMIT;
        return out_done(out, sql_timeofday_to_text(v->u.i, p));
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        if (!(p = out_room(out, SQL_DATETIME_TEXT_MAX)))
            return WEIR_ELIMIT;
        return out_done(out, sql_timestamp_to_text(v->u.i, id == SQL_TIMESTAMPTZ, o, p));
    case SQL_INTERVAL:
        if (!(p = out_room(out, SQL_DATETIME_TEXT_MAX)))
            return WEIR_ELIMIT;
        n = sql_interval_to_text(&v->u.iv, o->interval_style, p);
        return out_done(out, n);
    case SQL_VOID:
        return WEIR_OK;
    case SQL_RECORD:
    case SQL_UNKNOWN:
    case SQL_TEXT:
    case SQL_VARCHAR:
    case SQL_BPCHAR:
    case SQL_NAME:
    case SQL_JSON:
    case SQL_JSONB:
    default:
        return out_bytes(out, v->u.s.p, v->u.s.n);
    }
}

/* ----------------------------------------------------------------------------------------------- */
/* binary output                                                                                     */
/* ----------------------------------------------------------------------------------------------- */

static void be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void be64(uint8_t *p, uint64_t v)
{
    be32(p, (uint32_t)(v >> 32));
    be32(p + 4, (uint32_t)v);
}

static int array_to_binary(const SqlValue *v, Buf *out);
static int is_oidish(SqlTypeId id);

int sql_value_to_binary(const SqlValue *v, Buf *out)
{
    if (v->is_null)
        return WEIR_OK;
    SqlTypeId id = v->type.id;
    if (SQL_IS_ARRAY(id))
        return array_to_binary(v, out);
    uint8_t b[16];
    switch (id) {
    case SQL_BOOL:
        b[0] = v->u.b ? 1 : 0;
        return out_bytes(out, b, 1);
    case SQL_INT2:
        be16(b, (uint16_t)v->u.i);
        return out_bytes(out, b, 2);
    case SQL_INT4:
    case SQL_OID:
    case SQL_REGCLASS:
    case SQL_REGTYPE:
    case SQL_REGPROC:
    case SQL_REGNAMESPACE:
    case SQL_REGROLE:
        be32(b, (uint32_t)v->u.i);
        return out_bytes(out, b, 4);
    case SQL_INT8:
    case SQL_TIME:
        be64(b, (uint64_t)v->u.i);
        return out_bytes(out, b, 8);
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        be64(b, (uint64_t)v->u.i);
        return out_bytes(out, b, 8);
    case SQL_DATE: {
        int64_t d = v->u.i;
        int32_t d32 = d == SQL_DT_NOEND ? INT32_MAX : d == SQL_DT_NOBEGIN ? INT32_MIN : (int32_t)d;
        be32(b, (uint32_t)d32);
        return out_bytes(out, b, 4);
    }
    case SQL_FLOAT4: {
        float f = (float)v->u.f;
        uint32_t u;
        memcpy(&u, &f, 4);
        be32(b, u);
        return out_bytes(out, b, 4);
    }
    case SQL_FLOAT8: {
        uint64_t u;
        memcpy(&u, &v->u.f, 8);
        be64(b, u);
        return out_bytes(out, b, 8);
    }
    case SQL_NUMERIC: {
        uint8_t nb[8 + 2 * 24];
        return out_bytes(out, nb, sql_numeric_send(&v->u.num, nb));
    }
    case SQL_INTERVAL:
        be64(b, (uint64_t)v->u.iv.usec);
        be32(b + 8, (uint32_t)v->u.iv.days);
        be32(b + 12, (uint32_t)v->u.iv.months);
        return out_bytes(out, b, 16);
    case SQL_JSONB:
        b[0] = 1; /* jsonb binary format version */
        if (out_bytes(out, b, 1))
            return WEIR_ELIMIT;
        return out_bytes(out, v->u.s.p, v->u.s.n);
    case SQL_CHAR:
        b[0] = v->u.s.n ? v->u.s.p[0] : 0;
        return out_bytes(out, b, 1);
    case SQL_VOID:
        return WEIR_OK;
    default:
        return out_bytes(out, v->u.s.p, v->u.s.n);
    }
}

/* ----------------------------------------------------------------------------------------------- */
/* text input                                                                                        */
/* ----------------------------------------------------------------------------------------------- */

static int syntax(SqlError *err, const char *tname, const char *p, size_t n)
{
    return sql_error_set(err, "22P02", 0, "invalid input syntax for type %s: \"%.*s\"", tname,
                         (int)(n > 512 ? 512 : n), p);
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* pg_strtoint16/32/64: blanks, sign, digits, blanks. */
static int int_in(const char *p, size_t n, int bits, int64_t *out, SqlError *err)
{
    const char *tname = bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint";
    size_t i = 0;
    while (i < n && is_blank(p[i]))
        i++;
    int neg = 0;
    if (i < n && (p[i] == '-' || p[i] == '+')) {
        neg = p[i] == '-';
        i++;
    }
    if (i >= n || !isdigit((unsigned char)p[i]))
        return syntax(err, tname, p, n);
    uint64_t acc = 0;
    int over = 0;
    for (; i < n && isdigit((unsigned char)p[i]); i++) {
        unsigned d = (unsigned)(p[i] - '0');
        if (acc > (UINT64_MAX - d) / 10)
            over = 1;
        else
            acc = acc * 10 + d;
    }
    while (i < n && is_blank(p[i]))
        i++;
    if (i != n)
        return syntax(err, tname, p, n);
    uint64_t lim = bits == 16 ? 32768u : bits == 32 ? 2147483648u : (uint64_t)INT64_MAX + 1;
    if (over || acc > lim || (!neg && acc == lim))
        return sql_error_set(err, "22003", 0, "value \"%.*s\" is out of range for type %s", (int)n, p, tname);
    *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return WEIR_OK;
}

/* float8in / float4in: blanks, NaN/Infinity spellings, strtod; overflow and underflow are errors. */
static int float_in(const char *p, size_t n, int is_float, double *out, SqlError *err)
{
    const char *tname = is_float ? "real" : "double precision";
    char buf[512];
    size_t i = 0, end = n;
    while (i < end && is_blank(p[i]))
        i++;
    while (end > i && is_blank(p[end - 1]))
        end--;
    if (i == end || end - i >= sizeof(buf))
        return syntax(err, tname, p, n);
    memcpy(buf, p + i, end - i);
    buf[end - i] = '\0';
    for (size_t k = 0; k < end - i; k++)
        if (buf[k] == '\0')
            return syntax(err, tname, p, n);
    char *ep;
    errno = 0;
    double v;
    if (is_float) {
        float f = strtof(buf, &ep);
        v = f;
        if (*ep == '\0' && errno == ERANGE && (f == 0.0f || isinf(f)))
            return sql_error_set(err, "22003", 0, "\"%.*s\" is out of range for type real", (int)n, p);
    } else {
        v = strtod(buf, &ep);
        if (*ep == '\0' && errno == ERANGE && (v == 0.0 || isinf(v)))
            return sql_error_set(err, "22003", 0, "\"%.*s\" is out of range for type double precision", (int)n, p);
    }
    if (ep == buf || *ep != '\0')
        return syntax(err, tname, p, n);
    /* strtod takes hex floats and "nan(...)"; PostgreSQL's spelled-out forms are the same set here */
    *out = v;
    return WEIR_OK;
}

/* boolin: t/true/y/yes/on/1 and f/false/n/no/off/0, any unique prefix of the words, case-insensitive */
static int bool_in(const char *p, size_t n, uint8_t *out, SqlError *err)
{
    size_t i = 0, end = n;
    while (i < end && is_blank(p[i]))
        i++;
    while (end > i && is_blank(p[end - 1]))
        end--;
    const char *s = p + i;
    size_t len = end - i;
    static const struct {
        const char *w;
        size_t min;
        uint8_t v;
    } words[] = {{"true", 1, 1}, {"false", 1, 0}, {"yes", 1, 1}, {"no", 1, 0}, {"on", 2, 1}, {"off", 2, 0}};
    if (len == 1 && (s[0] == '1' || s[0] == '0')) {
        *out = s[0] == '1';
        return WEIR_OK;
    }
    for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        if (len >= words[w].min && len <= strlen(words[w].w) && strncasecmp(s, words[w].w, len) == 0) {
            *out = words[w].v;
            return WEIR_OK;
        }
    }
    return syntax(err, "boolean", p, n);
}

/* byteain: "\x" hex (blanks allowed between bytes) or the escape format (\\ and \ooo). */
static int bytea_in(const char *p, size_t n, Arena *a, Slice *out, SqlError *err)
{
    if (n >= 2 && p[0] == '\\' && p[1] == 'x') {
        uint8_t *d = arena_try_alloc(a, (n - 2) / 2 + 1);
        if (!d)
            return sql_error_set(err, "53200", 0, "out of memory");
        size_t o = 0;
        for (size_t i = 2; i < n;) {
            if (is_blank(p[i])) {
                i++;
                continue;
            }
            int hi = sql_hex_digit_value((unsigned char)p[i]);
            if (hi < 0)
                return sql_error_set(err, "22023", 0, "invalid hexadecimal digit: \"%c\"", p[i]);
            if (i + 1 >= n)
                return sql_error_set(err, "22023", 0, "invalid hexadecimal data: odd number of digits");
            int lo = sql_hex_digit_value((unsigned char)p[i + 1]);
            if (lo < 0)
                return sql_error_set(err, "22023", 0, "invalid hexadecimal digit: \"%c\"", p[i + 1]);
            d[o++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
        *out = (Slice){d, o};
        return WEIR_OK;
    }
    uint8_t *d = arena_try_alloc(a, n + 1);
    if (!d)
        return sql_error_set(err, "53200", 0, "out of memory");
    size_t o;
    if (sql_bytea_unescape((const uint8_t *)p, n, d, &o, err))
        return WEIR_ERROR;
    *out = (Slice){d, o};
    return WEIR_OK;
}

int sql_bytea_unescape(const uint8_t *p, size_t n, uint8_t *d, size_t *out_n, SqlError *err)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] != '\\') {
            d[o++] = p[i++];
        } else if (i + 3 < n && p[i + 1] >= '0' && p[i + 1] <= '3' && p[i + 2] >= '0' && p[i + 2] <= '7' &&
                   p[i + 3] >= '0' && p[i + 3] <= '7') {
            d[o++] = (uint8_t)(((p[i + 1] - '0') << 6) | ((p[i + 2] - '0') << 3) | (p[i + 3] - '0'));
            i += 4;
        } else if (i + 1 < n && p[i + 1] == '\\') {
            d[o++] = '\\';
            i += 2;
        } else {
            return sql_error_set(err, "22P02", 0, "invalid input syntax for type %s", "bytea");
        }
    }
    *out_n = o;
    return WEIR_OK;
}

/* Number of characters (UTF-8 code points) in s. */
static size_t char_len(const uint8_t *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* Byte offset of character index k. */
static size_t char_offset(const uint8_t *s, size_t n, size_t k)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            if (c == k)
                return i;
            c++;
        }
    }
    return n;
}

/* varchar(n) / char(n) length rules. explicit: a CAST truncates silently; input and assignment fail
 * with 22001 unless the excess is blanks. char(n) pads with spaces. */
static int apply_char_typmod(SqlTypeId id, int32_t typmod, int explicit_cast, Slice s, Arena *a, Slice *out,
                             SqlError *err)
{
    *out = s;
    if (typmod < 4 || (id != SQL_VARCHAR && id != SQL_BPCHAR))
        return WEIR_OK;
    size_t maxlen = (size_t)(typmod - 4);
    size_t len = char_len(s.p, s.n);
    if (len > maxlen) {
        size_t cut = char_offset(s.p, s.n, maxlen);
        if (!explicit_cast) {
            for (size_t i = cut; i < s.n; i++)
                if (s.p[i] != ' ')
                    return sql_error_set(err, "22001", 0, "value too long for type %s(%zu)",
                                         id == SQL_VARCHAR ? "character varying" : "character", maxlen);
        }
        out->n = cut;
        return WEIR_OK;
    }
    if (id == SQL_BPCHAR && len < maxlen) {
        size_t pad = maxlen - len;
        uint8_t *d = arena_try_alloc(a, s.n + pad + 1);
        if (!d)
            return sql_error_set(err, "53200", 0, "out of memory");
        memcpy(d, s.p, s.n);
        memset(d + s.n, ' ', pad);
        *out = (Slice){d, s.n + pad};
    }
    return WEIR_OK;
}

static int copy_slice(const char *p, size_t n, Arena *a, Slice *out, SqlError *err)
{
    char *d = arena_try_strndup(a, p, n);
    if (!d && n)
        return sql_error_set(err, "53200", 0, "out of memory");
    *out = (Slice){(const uint8_t *)(d ? d : ""), n};
    return WEIR_OK;
}

static int check_utf8(const char *p, size_t n, SqlError *err)
{
    if (utf8_valid((const uint8_t *)p, n))
        return WEIR_OK;
    size_t i = 0;
    while (i < n) {
        size_t l = utf8_seq_len((const uint8_t *)p + i, n - i);
        if (!l)
            break;
        i += l;
    }
    return sql_error_set(err, "22021", 0, "invalid byte sequence for encoding \"UTF8\": 0x%02x",
                         (unsigned)(uint8_t)p[i]);
}

/* oidin: an unsigned 32-bit number (negative input wraps, as PostgreSQL's uint32in_subr allows) */
static int oid_in(const char *p, size_t n, const char *tname, int64_t *out, SqlError *err)
{
    size_t i = 0;
    while (i < n && is_blank(p[i]))
        i++;
    int neg = 0;
    if (i < n && (p[i] == '-' || p[i] == '+')) {
        neg = p[i] == '-';
        i++;
    }
    if (i >= n || !isdigit((unsigned char)p[i])) {
        if (strcmp(tname, "oid") == 0)
            return syntax(err, tname, p, n);
        /* reg* names need the catalog: the binder resolves them before they get here */
        if (strcmp(tname, "regclass") == 0)
            return sql_error_set(err, "42P01", 0, "relation \"%.*s\" does not exist", (int)n, p);
        if (strcmp(tname, "regtype") == 0)
            return sql_error_set(err, "42704", 0, "type \"%.*s\" does not exist", (int)n, p);
        if (strcmp(tname, "regnamespace") == 0)
            return sql_error_set(err, "42704", 0, "schema \"%.*s\" does not exist", (int)n, p);
        if (strcmp(tname, "regrole") == 0)
            return sql_error_set(err, "42704", 0, "role \"%.*s\" does not exist", (int)n, p);
        return sql_error_set(err, "42883", 0, "function \"%.*s\" does not exist", (int)n, p);
    }
    uint64_t acc = 0;
    for (; i < n && isdigit((unsigned char)p[i]); i++) {
        acc = acc * 10 + (unsigned)(p[i] - '0');
        if (acc > 0xFFFFFFFFull + 1)
            return sql_error_set(err, "22003", 0, "value \"%.*s\" is out of range for type %s", (int)n, p, tname);
    }
    while (i < n && is_blank(p[i]))
        i++;
    if (i != n)
        return syntax(err, tname, p, n);
    if (acc > 0xFFFFFFFFull || (neg && acc > 0x80000000ull))
        return sql_error_set(err, "22003", 0, "value \"%.*s\" is out of range for type %s", (int)n, p, tname);
    *out = (int64_t)(uint32_t)(neg ? (uint32_t)(0 - (uint32_t)acc) : (uint32_t)acc);
    return WEIR_OK;
}

/* regclassin and friends: all digits is the oid itself, "-" is oid 0, anything else a name the session's
 * catalog resolver looks up (without one, the "does not exist" error oid_in gives). */
static int reg_in(SqlTypeId id, const char *p, size_t n, const SqlFormatOpts *o, int64_t *out, SqlError *err)
{
    const char *tname = sql_type_info(id)->typname;
    size_t digits = 0;
    while (digits < n && isdigit((unsigned char)p[digits]))
        digits++;
    if (n > 0 && digits == n)
        return oid_in(p, n, tname, out, err);
    if (n == 1 && p[0] == '-') {
        *out = 0;
        return WEIR_OK;
    }
    if (o && o->reg) {
        uint32_t oid = 0;
        if (o->reg->lookup(o->reg_arg, id, p, n, &oid, err))
            return WEIR_ERROR;
        *out = oid;
        return WEIR_OK;
    }
    return oid_in(p, n, tname, out, err);
}

/* PostgreSQL 15 charin: "\ooo" is an octal byte, else the first byte (or NUL for ""). */
static int char_in(const char *p, size_t n, Arena *a, Slice *out, SqlError *err)
{
    uint8_t c = n ? (uint8_t)p[0] : 0;
    if (n == 4 && p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' &&
        p[3] <= '7')
        c = (uint8_t)(((p[1] - '0') << 6) | ((p[2] - '0') << 3) | (p[3] - '0'));
    char b = (char)c;
    return copy_slice(&b, c ? 1 : 0, a, out, err);
}

static int datetime_in(SqlType t, const char *p, size_t n, const SqlFormatOpts *o, SqlValue *out, SqlError *err)
{
    int64_t now = sql_now_usec();
    switch (t.id) {
    case SQL_DATE:
        return sql_date_from_text(p, n, o, now, &out->u.i, err);
    case SQL_TIME:
        if (sql_timeofday_from_text(p, n, o, now, &out->u.i, err))
            return WEIR_ERROR;
        sql_time_apply_typmod(&out->u.i, t.typmod);
        return WEIR_OK;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        if (sql_timestamp_from_text(p, n, t.id == SQL_TIMESTAMPTZ, o, now, &out->u.i, err))
            return WEIR_ERROR;
        return sql_timestamp_apply_typmod(&out->u.i, t.typmod, err);
    default:
        return sql_interval_from_text(p, n, o, &out->u.iv, err);
    }
}

int sql_value_from_text(SqlType t, const char *p, size_t n, const SqlFormatOpts *o, Arena *a, SqlValue *out,
                        SqlError *err)
{
    memset(out, 0, sizeof(*out));
    out->type = t;
    if (SQL_IS_ARRAY(t.id)) {
        if (check_utf8(p, n, err))
            return WEIR_ERROR;
        return copy_slice(p, n, a, &out->u.s, err);
    }
    switch (t.id) {
    case SQL_INT2VECTOR:
    case SQL_OIDVECTOR: {
        /* int2vectorin / oidvectorin: integers separated by spaces, kept as that text */
        for (size_t i = 0; i < n;) {
            size_t j = i;
            while (j < n && p[j] != ' ')
                j++;
            int64_t v;
            if (j > i && (t.id == SQL_INT2VECTOR ? int_in(p + i, j - i, 16, &v, err)
                                                 : oid_in(p + i, j - i, "oid", &v, err)))
                return WEIR_ERROR;
            i = j + 1;
        }
        return copy_slice(p, n, a, &out->u.s, err);
    }
    case SQL_BOOL:
        return bool_in(p, n, &out->u.b, err);
    case SQL_INT2:
        return int_in(p, n, 16, &out->u.i, err);
    case SQL_INT4:
        return int_in(p, n, 32, &out->u.i, err);
    case SQL_INT8:
        return int_in(p, n, 64, &out->u.i, err);
    case SQL_OID:
        return oid_in(p, n, "oid", &out->u.i, err);
    case SQL_REGCLASS:
    case SQL_REGTYPE:
    case SQL_REGPROC:
    case SQL_REGNAMESPACE:
    case SQL_REGROLE:
        return reg_in(t.id, p, n, o, &out->u.i, err);
    case SQL_FLOAT4:
        return float_in(p, n, 1, &out->u.f, err);
    case SQL_FLOAT8:
        return float_in(p, n, 0, &out->u.f, err);
    case SQL_NUMERIC:
        if (sql_numeric_parse(p, n, &out->u.num, err))
            return WEIR_ERROR;
        return sql_numeric_apply_typmod(&out->u.num, t.typmod, &out->u.num, err);
    case SQL_BYTEA:
        return bytea_in(p, n, a, &out->u.s, err);
    case SQL_CHAR:
        return char_in(p, n, a, &out->u.s, err);
    case SQL_DATE:
    case SQL_TIME:
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
    case SQL_INTERVAL:
        return datetime_in(t, p, n, o, out, err);
    case SQL_JSON:
        if (check_utf8(p, n, err) || sql_json_validate((const uint8_t *)p, n, err))
            return WEIR_ERROR;
        return copy_slice(p, n, a, &out->u.s, err);
    case SQL_JSONB:
        if (check_utf8(p, n, err))
            return WEIR_ERROR;
        return sql_jsonb_normalize((const uint8_t *)p, n, a, &out->u.s, err);
    case SQL_NAME: {
        if (check_utf8(p, n, err))
            return WEIR_ERROR;
        size_t l = n;
        if (l > 63) {
            l = 63;
            while (l > 0 && ((uint8_t)p[l] & 0xC0) == 0x80)
                l--; /* do not split a character */
        }
        return copy_slice(p, l, a, &out->u.s, err);
    }
    case SQL_VOID:
        return WEIR_OK;
    case SQL_VARCHAR:
    case SQL_BPCHAR: {
        if (check_utf8(p, n, err))
            return WEIR_ERROR;
        Slice s;
        if (copy_slice(p, n, a, &s, err))
            return WEIR_ERROR;
        return apply_char_typmod(t.id, t.typmod, 0, s, a, &out->u.s, err);
    }
    default: /* TEXT, UNKNOWN, RECORD */
        if (check_utf8(p, n, err))
            return WEIR_ERROR;
        return copy_slice(p, n, a, &out->u.s, err);
    }
}

/* ----------------------------------------------------------------------------------------------- */
/* binary input                                                                                      */
/* ----------------------------------------------------------------------------------------------- */

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) << 32 | rd32(p + 4);
}

static int bin_len(size_t n, size_t want, SqlError *err)
{
    if (n < want)
        return sql_error_set(err, "08P01", 0, "insufficient data left in message");
    if (n > want)
        return sql_error_set(err, "22P03", 0, "incorrect binary data format");
    return WEIR_OK;
}

static int array_from_binary(SqlType t, const uint8_t *p, size_t n, Arena *a, SqlValue *out, SqlError *err);

int sql_value_from_binary(SqlType t, const uint8_t *p, size_t n, Arena *a, SqlValue *out, SqlError *err)
{
    memset(out, 0, sizeof(*out));
    out->type = t;
    if (SQL_IS_ARRAY(t.id))
        return array_from_binary(t, p, n, a, out, err);
    switch (t.id) {
    case SQL_BOOL:
        if (bin_len(n, 1, err))
            return WEIR_ERROR;
        out->u.b = p[0] != 0;
        return WEIR_OK;
    case SQL_INT2:
        if (bin_len(n, 2, err))
            return WEIR_ERROR;
        out->u.i = (int16_t)(uint16_t)(p[0] << 8 | p[1]);
        return WEIR_OK;
    case SQL_INT4:
        if (bin_len(n, 4, err))
            return WEIR_ERROR;
        out->u.i = (int32_t)rd32(p);
        return WEIR_OK;
    case SQL_OID:
    case SQL_REGCLASS:
    case SQL_REGTYPE:
    case SQL_REGPROC:
    case SQL_REGNAMESPACE:
    case SQL_REGROLE:
        if (bin_len(n, 4, err))
            return WEIR_ERROR;
        out->u.i = rd32(p);
        return WEIR_OK;
    case SQL_INT8:
        if (bin_len(n, 8, err))
            return WEIR_ERROR;
        out->u.i = (int64_t)rd64(p);
        return WEIR_OK;
    case SQL_FLOAT4: {
        if (bin_len(n, 4, err))
            return WEIR_ERROR;
        uint32_t u = rd32(p);
        float f;
        memcpy(&f, &u, 4);
        out->u.f = f;
        return WEIR_OK;
    }
    case SQL_FLOAT8: {
        if (bin_len(n, 8, err))
            return WEIR_ERROR;
        uint64_t u = rd64(p);
        memcpy(&out->u.f, &u, 8);
        return WEIR_OK;
    }
    case SQL_NUMERIC:
        if (sql_numeric_recv(p, n, &out->u.num, err))
            return WEIR_ERROR;
        return sql_numeric_apply_typmod(&out->u.num, t.typmod, &out->u.num, err);
    case SQL_DATE: {
        if (bin_len(n, 4, err))
            return WEIR_ERROR;
        int32_t d = (int32_t)rd32(p);
        if (d == INT32_MAX)
            out->u.i = SQL_DT_NOEND;
        else if (d == INT32_MIN)
            out->u.i = SQL_DT_NOBEGIN;
        else if (!sql_date_valid(d))
            return sql_error_set(err, "22008", 0, "date out of range");
        else
            out->u.i = d;
        return WEIR_OK;
    }
    case SQL_TIME:
        if (bin_len(n, 8, err))
            return WEIR_ERROR;
        out->u.i = (int64_t)rd64(p);
        if (out->u.i < 0 || out->u.i > SQL_USEC_PER_DAY)
            return sql_error_set(err, "22008", 0, "time out of range");
        sql_time_apply_typmod(&out->u.i, t.typmod);
        return WEIR_OK;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        if (bin_len(n, 8, err))
            return WEIR_ERROR;
        out->u.i = (int64_t)rd64(p);
        if (out->u.i != SQL_DT_NOBEGIN && out->u.i != SQL_DT_NOEND && !sql_timestamp_valid(out->u.i))
            return sql_error_set(err, "22008", 0, "timestamp out of range");
        return sql_timestamp_apply_typmod(&out->u.i, t.typmod, err);
    case SQL_INTERVAL:
        if (bin_len(n, 16, err))
            return WEIR_ERROR;
        out->u.iv.usec = (int64_t)rd64(p);
        out->u.iv.days = (int32_t)rd32(p + 8);
        out->u.iv.months = (int32_t)rd32(p + 12);
        return WEIR_OK;
    case SQL_JSONB:
        if (n < 1 || p[0] != 1)
            return sql_error_set(err, "22P03", 0, "unsupported jsonb version number %d", n ? p[0] : 0);
        if (check_utf8((const char *)p + 1, n - 1, err))
            return WEIR_ERROR;
        return sql_jsonb_normalize(p + 1, n - 1, a, &out->u.s, err);
    case SQL_JSON:
        if (check_utf8((const char *)p, n, err) || sql_json_validate(p, n, err))
            return WEIR_ERROR;
        return copy_slice((const char *)p, n, a, &out->u.s, err);
    case SQL_BYTEA:
        return copy_slice((const char *)p, n, a, &out->u.s, err);
    case SQL_CHAR:
        if (bin_len(n, 1, err))
            return WEIR_ERROR;
        return copy_slice((const char *)p, p[0] ? 1 : 0, a, &out->u.s, err);
    case SQL_VOID:
        return WEIR_OK;
    default: {
        /* textual types travel as their bytes; typmods apply as for text input */
        if (check_utf8((const char *)p, n, err))
            return WEIR_ERROR;
        Slice s;
        if (copy_slice((const char *)p, n, a, &s, err))
            return WEIR_ERROR;
        return apply_char_typmod(t.id, t.typmod, 0, s, a, &out->u.s, err);
    }
    }
}

/* ----------------------------------------------------------------------------------------------- */
/* arrays: weir keeps them as PostgreSQL array text; the binary form is built from / into it           */
/* ----------------------------------------------------------------------------------------------- */

/* Next element of a one-dimensional array text "{a,"b c",NULL}". Unescapes into buf (cap bytes).
 * Returns 1 with the element, 0 at the end, -1 on malformed text. */
static int array_next(const char **pp, const char *end, char *buf, size_t cap, size_t *len, int *is_null)
{
    const char *p = *pp;
    while (p < end && is_blank(*p))
        p++;
    if (p < end && *p == '}')
        return 0;
    size_t o = 0;
    *is_null = 0;
    if (p < end && *p == '"') {
        p++;
        while (p < end && *p != '"') {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (o + 1 >= cap)
                return -1;
            buf[o++] = *p++;
        }
        if (p >= end)
            return -1;
        p++;
    } else {
        while (p < end && *p != ',' && *p != '}') {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (o + 1 >= cap)
                return -1;
            buf[o++] = *p++;
        }
        while (o > 0 && is_blank(buf[o - 1]))
            o--;
        if (o == 4 && strncasecmp(buf, "null", 4) == 0)
            *is_null = 1;
    }
    while (p < end && is_blank(*p))
        p++;
    if (p < end && *p == ',')
        p++;
    else if (!(p < end && *p == '}'))
        return -1;
    buf[o] = '\0';
    *len = o;
    *pp = p;
    return 1;
}

/* array_send for one-dimensional arrays: ndim, has-null flag, element oid, length, lower bound, then
 * length-prefixed elements in their own binary form. */
static int array_to_binary(const SqlValue *v, Buf *out)
{
    SqlTypeId et = SQL_ELEM_OF(v->type.id);
    const char *p = (const char *)v->u.s.p, *end = p + v->u.s.n;
    uint8_t hdr[20];
    while (p < end && is_blank(*p))
        p++;
    if (p >= end || *p != '{')
        return out_bytes(out, v->u.s.p, v->u.s.n); /* not array text: pass it through */
    p++;
    size_t hdr_at = out->len;
    be32(hdr, 1);
    be32(hdr + 4, 0);
    be32(hdr + 8, sql_type_oid(et));
    be32(hdr + 12, 0);
    be32(hdr + 16, 1);
    if (out_bytes(out, hdr, 20))
        return WEIR_ELIMIT;
    uint32_t count = 0, has_null = 0;
    char elem[1024];
    size_t len;
    int is_null, r;
    SqlFormatOpts o;
    sql_format_opts_default(&o);
    while ((r = array_next(&p, end, elem, sizeof(elem), &len, &is_null)) == 1) {
        count++;
        uint8_t lb[4];
        if (is_null) {
            has_null = 1;
            be32(lb, 0xFFFFFFFFu);
            if (out_bytes(out, lb, 4))
                return WEIR_ELIMIT;
            continue;
        }
        size_t len_at = out->len;
        if (out_bytes(out, lb, 4))
            return WEIR_ELIMIT;
        SqlValue ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = SQL_TYPE(et);
        SqlPhys ph = sql_type_phys(et);
        int ok = 0;
        if (ph == SQL_PHYS_STR) {
            ev.u.s = (Slice){(const uint8_t *)elem, len};
            ok = 1;
        } else if (ph == SQL_PHYS_INT && et != SQL_DATE && et != SQL_TIME && et != SQL_TIMESTAMP &&
                   et != SQL_TIMESTAMPTZ) {
            ok = is_oidish(et) ? oid_in(elem, len, "oid", &ev.u.i, NULL) == WEIR_OK
                     : int_in(elem, len, 64, &ev.u.i, NULL) == WEIR_OK;
        } else if (ph == SQL_PHYS_BOOL) {
            ok = bool_in(elem, len, &ev.u.b, NULL) == WEIR_OK;
        } else if (ph == SQL_PHYS_FLOAT) {
            ok = float_in(elem, len, 0, &ev.u.f, NULL) == WEIR_OK;
        } else if (ph == SQL_PHYS_NUMERIC) {
            ok = sql_numeric_parse(elem, len, &ev.u.num, NULL) == WEIR_OK;
        } else if (et == SQL_DATE) {
            ok = sql_date_from_text(elem, len, &o, 0, &ev.u.i, NULL) == WEIR_OK;
        } else if (et == SQL_TIME) {
            ok = sql_timeofday_from_text(elem, len, &o, 0, &ev.u.i, NULL) == WEIR_OK;
        } else if (et == SQL_TIMESTAMP || et == SQL_TIMESTAMPTZ) {
            ok = sql_timestamp_from_text(elem, len, et == SQL_TIMESTAMPTZ, &o, 0, &ev.u.i, NULL) == WEIR_OK;
        } else if (et == SQL_INTERVAL) {
            ok = sql_interval_from_text(elem, len, &o, &ev.u.iv, NULL) == WEIR_OK;
        }
        if (!ok || sql_value_to_binary(&ev, out))
            return WEIR_ELIMIT;
        be32(out->p + len_at, (uint32_t)(out->len - len_at - 4));
    }
    if (r < 0)
        return WEIR_ELIMIT;
    if (count == 0) {
        /* empty array: ndim 0 and no dimension fields */
        out->len = hdr_at;
        be32(hdr, 0);
        be32(hdr + 4, 0);
        be32(hdr + 8, sql_type_oid(et));
        return out_bytes(out, hdr, 12);
    }
    be32(out->p + hdr_at + 4, has_null);
    be32(out->p + hdr_at + 12, count);
    return WEIR_OK;
}

/* array_recv for one-dimensional arrays, into array text. */
static int array_from_binary(SqlType t, const uint8_t *p, size_t n, Arena *a, SqlValue *out, SqlError *err)
{
    SqlTypeId et = SQL_ELEM_OF(t.id);
    if (n < 12)
        return sql_error_set(err, "08P01", 0, "insufficient data left in message");
    int32_t ndim = (int32_t)rd32(p);
    if (ndim < 0 || ndim > 1)
        return sql_error_set(err, "0A000", 0, "only one-dimensional arrays are supported");
    if (rd32(p + 8) != sql_type_oid(et))
        return sql_error_set(err, "42804", 0, "wrong element type");
    size_t off = 12;
    uint32_t count = 0;
    if (ndim == 1) {
        if (n < 20)
            return sql_error_set(err, "08P01", 0, "insufficient data left in message");
        count = rd32(p + 12);
        off = 20;
    }
    Buf b;
    buf_init(&b, 1 << 26);
    int rc = buf_append_byte(&b, '{');
    SqlFormatOpts o;
    sql_format_opts_default(&o);
    for (uint32_t i = 0; i < count && rc == WEIR_OK; i++) {
        if (i)
            rc = buf_append_byte(&b, ',');
        if (off + 4 > n) {
            buf_fini(&b);
            return sql_error_set(err, "08P01", 0, "insufficient data left in message");
        }
        int32_t len = (int32_t)rd32(p + off);
        off += 4;
        if (len < 0) {
            rc = buf_append_cstr(&b, "NULL");
            continue;
        }
        if ((size_t)len > n - off) {
            buf_fini(&b);
            return sql_error_set(err, "08P01", 0, "insufficient data left in message");
        }
        SqlValue ev;
        if (sql_value_from_binary(SQL_TYPE(et), p + off, (size_t)len, a, &ev, err)) {
            buf_fini(&b);
            return WEIR_ERROR;
        }
        off += (size_t)len;
        size_t start = b.len;
        rc = sql_value_to_text(&ev, &o, &b);
        if (rc)
            break;
        /* quote when the element text needs it */
        int quote = b.len == start;
        for (size_t k = start; k < b.len && !quote; k++)
            quote = strchr("{},\"\\ \t\n", b.p[k]) != NULL;
        if (!quote && b.len - start == 4 && strncasecmp((char *)b.p + start, "null", 4) == 0)
            quote = 1;
        if (quote) {
            char tmp[2048];
            size_t tl = b.len - start, q = 0;
            if (tl * 2 + 2 > sizeof(tmp)) {
                rc = WEIR_ELIMIT;
                break;
            }
            tmp[q++] = '"';
            for (size_t k = 0; k < tl; k++) {
                char c = (char)b.p[start + k];
                if (c == '"' || c == '\\')
                    tmp[q++] = '\\';
                tmp[q++] = c;
            }
            tmp[q++] = '"';
            b.len = start;
            rc = buf_append(&b, tmp, q);
        }
    }
    if (rc == WEIR_OK)
        rc = buf_append_byte(&b, '}');
    if (rc != WEIR_OK) {
        buf_fini(&b);
        return sql_error_set(err, "54000", 0, "array too large");
    }
    rc = copy_slice((const char *)b.p, b.len, a, &out->u.s, err);
    buf_fini(&b);
    return rc;
}

/* ----------------------------------------------------------------------------------------------- */
/* casts                                                                                             */
/* ----------------------------------------------------------------------------------------------- */

static int is_textual(SqlTypeId id)
{
    return id == SQL_TEXT || id == SQL_VARCHAR || id == SQL_BPCHAR || id == SQL_NAME || id == SQL_UNKNOWN;
}

static int is_int(SqlTypeId id)
{
    return id == SQL_INT2 || id == SQL_INT4 || id == SQL_INT8;
}

static int is_oidish(SqlTypeId id)
{
    return id == SQL_OID || id == SQL_REGCLASS || id == SQL_REGTYPE || id == SQL_REGPROC || id == SQL_REGNAMESPACE ||
           id == SQL_REGROLE;
}

static int cannot_cast(SqlTypeId from, SqlTypeId to, SqlError *err)
{
    char a[64], b[64];
    sql_type_format(SQL_TYPE(from), a, sizeof(a));
    sql_type_format(SQL_TYPE(to), b, sizeof(b));
    return sql_error_set(err, "42846", 0, "cannot cast type %s to %s", a, b);
}

static int int_range(int64_t v, SqlTypeId to, SqlError *err)
{
    if (to == SQL_INT2 && (v < INT16_MIN || v > INT16_MAX))
        return sql_error_set(err, "22003", 0, "smallint out of range");
    if (to == SQL_INT4 && (v < INT32_MIN || v > INT32_MAX))
        return sql_error_set(err, "22003", 0, "integer out of range");
    return WEIR_OK;
}

static int float_to_int(double f, SqlTypeId to, int64_t *out, SqlError *err)
{
    const char *msg = to == SQL_INT2 ? "smallint out of range" : to == SQL_INT4 ? "integer out of range"
                                                                               : "bigint out of range";
    double r = rint(f);
    double lo = to == SQL_INT2 ? -32768.0 : to == SQL_INT4 ? -2147483648.0 : -9223372036854775808.0;
    double hi = to == SQL_INT2 ? 32768.0 : to == SQL_INT4 ? 2147483648.0 : 9223372036854775808.0;
    if (isnan(r) || r < lo || r >= hi)
        return sql_error_set(err, "22003", 0, "%s", msg);
    *out = (int64_t)r;
    return WEIR_OK;
}

/* Cast into a textual type: the source's text form (bool as true/false), then the target's typmod
 * (explicit casts truncate). */
static int cast_to_text(const SqlValue *v, SqlType t, const SqlFormatOpts *o, Arena *a, SqlValue *out, SqlError *err)
{
    Slice s;
    if (sql_type_phys(v->type.id) == SQL_PHYS_STR && v->type.id != SQL_BYTEA && v->type.id != SQL_CHAR) {
        s = v->u.s;
        if (v->type.id == SQL_BPCHAR && t.id != SQL_BPCHAR) {
            /* char(n) -> text drops trailing blanks (rtrim1) */
            while (s.n > 0 && s.p[s.n - 1] == ' ')
                s.n--;
        }
    } else if (v->type.id == SQL_BOOL) {
        s = v->u.b ? SLICE_LIT("true") : SLICE_LIT("false");
    } else if (v->type.id == SQL_BYTEA) {
        /* hex straight into the arena */
        static const char hex[] = "0123456789abcdef";
        uint8_t *d = arena_try_alloc(a, 2 + 2 * v->u.s.n + 1);
        if (!d)
            return sql_error_set(err, "53200", 0, "out of memory");
        d[0] = '\\';
        d[1] = 'x';
        for (size_t i = 0; i < v->u.s.n; i++) {
            d[2 + 2 * i] = (uint8_t)hex[v->u.s.p[i] >> 4];
            d[3 + 2 * i] = (uint8_t)hex[v->u.s.p[i] & 15];
        }
        s = (Slice){d, 2 + 2 * v->u.s.n};
    } else {
        /* every remaining type prints in under 200 bytes: format on the stack, copy once into the arena
         * (a Buf over a stack array whose max equals its capacity never reallocates) */
        uint8_t stack[256];
        Buf b = {stack, 0, sizeof(stack), sizeof(stack) - 1};
        if (sql_value_to_text(v, o, &b) != WEIR_OK)
            return sql_error_set(err, "54000", 0, "value too large");
        if (copy_slice((const char *)stack, b.len, a, &s, err))
            return WEIR_ERROR;
    }
    if (t.id == SQL_NAME && s.n > 63) {
        size_t l = 63;
        while (l > 0 && (s.p[l] & 0xC0) == 0x80)
            l--;
        s.n = l;
    }
    return apply_char_typmod(t.id, t.typmod, 1, s, a, &out->u.s, err);
}

/* jsonb scalar -> bool/number (PostgreSQL 11+ jsonb casts) */
static int cast_from_jsonb(const SqlValue *v, SqlType t, const SqlFormatOpts *o, Arena *a, SqlValue *out,
                           SqlError *err)
{
    const char *tname = t.id == SQL_BOOL ? "boolean" : t.id == SQL_INT2 ? "smallint" : t.id == SQL_INT4 ? "integer"
                        : t.id == SQL_INT8 ? "bigint" : t.id == SQL_FLOAT4 ? "real"
                        : t.id == SQL_FLOAT8 ? "double precision" : "numeric";
    const char *s = (const char *)v->u.s.p;
    size_t n = v->u.s.n;
    const char *kind = n == 0 ? "null" : s[0] == '{' ? "object" : s[0] == '[' ? "array" : s[0] == '"' ? "string"
                       : (s[0] == 't' || s[0] == 'f') ? "boolean" : s[0] == 'n' ? "null" : "numeric";
    if (t.id == SQL_BOOL) {
        if (strcmp(kind, "boolean") != 0)
            return sql_error_set(err, "22023", 0, "cannot cast jsonb %s to type %s", kind, tname);
        out->u.b = s[0] == 't';
        return WEIR_OK;
    }
    if (strcmp(kind, "numeric") != 0)
        return sql_error_set(err, "22023", 0, "cannot cast jsonb %s to type %s", kind, tname);
    SqlValue num;
    if (sql_value_from_text(SQL_TYPE(SQL_NUMERIC), s, n, o, a, &num, err))
        return WEIR_ERROR;
    return sql_value_cast(&num, t, o, a, out, err);
}

int sql_value_cast(const SqlValue *v, SqlType t, const SqlFormatOpts *o, Arena *a, SqlValue *out, SqlError *err)
{
    SqlValue r;
    memset(&r, 0, sizeof(r));
    r.type = t;
    if (v->is_null) {
        r.is_null = 1;
        *out = r;
        return WEIR_OK;
    }
    SqlTypeId from = v->type.id, to = t.id;
    int rc = WEIR_OK;

    if (SQL_IS_ARRAY(from) || SQL_IS_ARRAY(to)) {
        if (is_textual(to) && SQL_IS_ARRAY(from)) {
            rc = cast_to_text(v, t, o, a, &r, err);
        } else if (is_textual(from) || from == to) {
            rc = sql_value_from_text(t, (const char *)v->u.s.p, v->u.s.n, o, a, &r, err);
        } else {
            return cannot_cast(from, to, err);
        }
        if (rc == WEIR_OK)
            *out = r;
        return rc;
    }
    if (is_textual(to) && !(is_textual(from) && from == to && t.typmod < 0)) {
        rc = cast_to_text(v, t, o, a, &r, err);
    } else if (is_textual(from)) {
        if (to == SQL_CHAR) {
            /* text -> "char": the first byte */
            char c = v->u.s.n ? (char)v->u.s.p[0] : 0;
            rc = copy_slice(&c, c ? 1 : 0, a, &r.u.s, err);
        } else {
            Slice s = v->u.s;
            if (from == SQL_BPCHAR)
                while (s.n > 0 && s.p[s.n - 1] == ' ')
                    s.n--;
            rc = sql_value_from_text(t, (const char *)s.p, s.n, o, a, &r, err);
        }
    } else if (from == to) {
        r = *v;
        r.type = t;
        if (to == SQL_NUMERIC)
            rc = sql_numeric_apply_typmod(&v->u.num, t.typmod, &r.u.num, err);
        else if (to == SQL_TIMESTAMP || to == SQL_TIMESTAMPTZ)
            rc = sql_timestamp_apply_typmod(&r.u.i, t.typmod, err);
        else if (to == SQL_TIME)
            sql_time_apply_typmod(&r.u.i, t.typmod);
    } else if (is_int(from) && is_int(to)) {
        rc = int_range(v->u.i, to, err);
        r.u.i = v->u.i;
    } else if (is_int(from) && (to == SQL_FLOAT4 || to == SQL_FLOAT8)) {
        r.u.f = to == SQL_FLOAT4 ? (double)(float)v->u.i : (double)v->u.i;
    } else if (is_int(from) && to == SQL_NUMERIC) {
        sql_numeric_from_int64(v->u.i, &r.u.num);
        rc = sql_numeric_apply_typmod(&r.u.num, t.typmod, &r.u.num, err);
    } else if ((from == SQL_FLOAT4 || from == SQL_FLOAT8) && is_int(to)) {
        rc = float_to_int(v->u.f, to, &r.u.i, err);
    } else if (from == SQL_FLOAT8 && to == SQL_FLOAT4) {
        float f = (float)v->u.f;
        if (isinf(f) && !isinf(v->u.f))
            return sql_error_set(err, "22003", 0, "value out of range: overflow");
        if (f == 0.0f && v->u.f != 0.0)
            return sql_error_set(err, "22003", 0, "value out of range: underflow");
        r.u.f = f;
    } else if (from == SQL_FLOAT4 && to == SQL_FLOAT8) {
        r.u.f = v->u.f;
    } else if ((from == SQL_FLOAT4 || from == SQL_FLOAT8) && to == SQL_NUMERIC) {
        rc = from == SQL_FLOAT4 ? sql_numeric_from_float4((float)v->u.f, &r.u.num, err)
                                : sql_numeric_from_double(v->u.f, &r.u.num, err);
        if (rc == WEIR_OK)
            rc = sql_numeric_apply_typmod(&r.u.num, t.typmod, &r.u.num, err);
    } else if (from == SQL_NUMERIC && is_int(to)) {
        rc = sql_numeric_to_int(&v->u.num, to == SQL_INT2 ? 16 : to == SQL_INT4 ? 32 : 64, &r.u.i, err);
    } else if (from == SQL_NUMERIC && to == SQL_FLOAT8) {
        r.u.f = sql_numeric_to_double(&v->u.num);
    } else if (from == SQL_NUMERIC && to == SQL_FLOAT4) {
        char buf[SQL_NUMERIC_TEXT_MAX];
        sql_numeric_format(&v->u.num, buf);
        float f = v->u.num.kind == SQL_NUM_NAN ? NAN : v->u.num.kind == SQL_NUM_PINF ? INFINITY
                  : v->u.num.kind == SQL_NUM_NINF ? -INFINITY : strtof(buf, NULL);
        if (isinf(f) && v->u.num.kind == SQL_NUM_FINITE)
            return sql_error_set(err, "22003", 0, "\"%s\" is out of range for type real", buf);
        r.u.f = f;
    } else if (from == SQL_INT4 && to == SQL_BOOL) {
        r.u.b = v->u.i != 0;
    } else if (from == SQL_BOOL && to == SQL_INT4) {
        r.u.i = v->u.b ? 1 : 0;
    } else if ((is_int(from) && from != SQL_INT2 && is_oidish(to)) || (is_oidish(from) && is_oidish(to))) {
        if (from == SQL_INT8 && (v->u.i < INT32_MIN || v->u.i > (int64_t)UINT32_MAX))
            return sql_error_set(err, "22003", 0, "OID out of range");
        r.u.i = (int64_t)(uint32_t)v->u.i;
    } else if (is_oidish(from) && (to == SQL_INT4 || to == SQL_INT8)) {
        r.u.i = to == SQL_INT4 ? (int64_t)(int32_t)(uint32_t)v->u.i : (int64_t)(uint32_t)v->u.i;
    } else if (from == SQL_INT4 && to == SQL_CHAR) {
        if (v->u.i < -128 || v->u.i > 127)
            return sql_error_set(err, "22003", 0, "\"char\" out of range");
        char c = (char)v->u.i;
        rc = copy_slice(&c, c ? 1 : 0, a, &r.u.s, err);
    } else if (from == SQL_CHAR && to == SQL_INT4) {
        r.u.i = v->u.s.n ? (int8_t)v->u.s.p[0] : 0;
    } else if (from == SQL_DATE && (to == SQL_TIMESTAMP || to == SQL_TIMESTAMPTZ)) {
        rc = to == SQL_TIMESTAMP ? sql_date_to_timestamp(v->u.i, &r.u.i, err)
                                 : sql_date_to_timestamptz(v->u.i, o->tz, &r.u.i, err);
        if (rc == WEIR_OK)
            rc = sql_timestamp_apply_typmod(&r.u.i, t.typmod, err);
    } else if ((from == SQL_TIMESTAMP || from == SQL_TIMESTAMPTZ) && to == SQL_DATE) {
        rc = from == SQL_TIMESTAMP ? sql_timestamp_to_date(v->u.i, &r.u.i, err)
                                   : sql_timestamptz_to_date(v->u.i, o->tz, &r.u.i, err);
    } else if (from == SQL_TIMESTAMP && to == SQL_TIMESTAMPTZ) {
        rc = sql_timestamp_to_timestamptz(v->u.i, o->tz, &r.u.i, err);
        if (rc == WEIR_OK)
            rc = sql_timestamp_apply_typmod(&r.u.i, t.typmod, err);
    } else if (from == SQL_TIMESTAMPTZ && to == SQL_TIMESTAMP) {
        rc = sql_timestamptz_to_timestamp(v->u.i, o->tz, &r.u.i, err);
        if (rc == WEIR_OK)
            rc = sql_timestamp_apply_typmod(&r.u.i, t.typmod, err);
    } else if ((from == SQL_TIMESTAMP || from == SQL_TIMESTAMPTZ) && to == SQL_TIME) {
        if (v->u.i == SQL_DT_NOBEGIN || v->u.i == SQL_DT_NOEND) {
            r.is_null = 1; /* PostgreSQL returns NULL for infinite timestamps */
        } else {
            rc = sql_timestamp_to_time(v->u.i, from == SQL_TIMESTAMPTZ ? o->tz : NULL, &r.u.i, err);
            sql_time_apply_typmod(&r.u.i, t.typmod);
        }
    } else if (from == SQL_INTERVAL && to == SQL_TIME) {
        int64_t x = v->u.iv.usec % SQL_USEC_PER_DAY;
        if (x < 0)
            x += SQL_USEC_PER_DAY;
        r.u.i = x;
    } else if (from == SQL_TIME && to == SQL_INTERVAL) {
        r.u.iv.usec = v->u.i;
    } else if (from == SQL_JSON && to == SQL_JSONB) {
        rc = sql_jsonb_normalize(v->u.s.p, v->u.s.n, a, &r.u.s, err);
    } else if (from == SQL_JSONB && to == SQL_JSON) {
        r.u.s = v->u.s;
    } else if (from == SQL_JSONB && (to == SQL_BOOL || is_int(to) || to == SQL_NUMERIC || to == SQL_FLOAT4 ||
                                     to == SQL_FLOAT8)) {
        rc = cast_from_jsonb(v, t, o, a, &r, err);
    } else {
        return cannot_cast(from, to, err);
    }
    if (rc == WEIR_OK)
        *out = r;
    return rc;
}
