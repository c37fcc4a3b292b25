/*
 * fn_math.c: mathematical functions with PostgreSQL 15's results and errors: abs, sign, ceil/ceiling,
 * floor, round, trunc (float8 and numeric, with digits for numeric), sqrt, cbrt, power, exp, ln, log,
 * log10, mod, div, gcd, lcm, factorial, width_bucket, scale, min_scale, trim_scale, pi, random, degrees,
 * radians, the trigonometric functions (radians and degrees variants) and the hyperbolic ones, plus the
 * numeric arithmetic operators (numeric.c does the arithmetic).
 *
 * float8 functions follow float.c: round() is rint() (half to even: round(2.5) = 2), domain errors are
 * 2201F ("cannot take square root of a negative number", "zero raised to a negative power is
 * undefined", ...) and 2201E for logarithms, results that overflow or underflow a double fail with
 * 22003 "value out of range: overflow/underflow".
 *
 * numeric sqrt, exp, ln, log, log10 and power choose the result scale exactly as PostgreSQL 15 does
 * (at least 16 significant digits, and never fewer decimals than the inputs show; see num_*_rscale).
 * sqrt is computed exactly (a 128-bit integer square root) whenever the scaled operand fits 128 bits;
 * the others, and sqrt beyond that, are computed in long double (64-bit mantissa, about 19 significant
 * digits) and rounded to that scale, so a result that needs more than 19 significant digits can differ
 * from PostgreSQL in its last digits. numeric values hold at most 38 digits (numeric.h): larger results
 * fail with 22003 "value overflows numeric format".
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/random.h>
#include <time.h>

#include "sql/fn_int.h"
#include "sql/numeric.h"

static int math_err(SqlFnCtx *ctx, const char *state, const char *msg)
{
    return sql_error_set(ctx->err, state, 0, "%s", msg);
}

#define MSG_OVERFLOW "value out of range: overflow"
#define MSG_UNDERFLOW "value out of range: underflow"

/* ------------------------------------------------------------------------------------------------
 * float8 functions
 * ---------------------------------------------------------------------------------------------- */

/* A unary float8 function: EXPR computes r[i] from x; CHECK(x, v) returns an error message or NULL
 * (evaluated only when the loop saw a suspicious result, so the common path stays branch-light). */
#define FLOAT_FN(name, EXPR, SUSPECT, CHECK)                                                                 \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const double *a = args[0].u.f;                                                                       \
        double *r = out->u.f;                                                                                \
        int bad = 0;                                                                                         \
        for (uint32_t i = 0; i < ctx->n; i++) {                                                              \
            double x = a[i];                                                                                 \
            double v = (EXPR);                                                                               \
            r[i] = v;                                                                                        \
            bad |= (SUSPECT);                                                                                \
        }                                                                                                    \
        if (bad)                                                                                             \
            for (uint32_t i = 0; i < ctx->n; i++) {                                                          \
                double x = a[i], v = r[i];                                                                   \
                const char *state = "22003";                                                                 \
                const char *msg = CHECK;                                                                     \
                UNUSED(x);                                                                                   \
                UNUSED(v);                                                                                   \
                if (msg && !fn_skip(out, i)) {                                                               \
                    if (msg[0] == '!') {                                                                     \
                        state = msg[1] == 'E' ? "2201E" : "2201F";                                           \
                        msg += 2;                                                                            \
                    }                                                                                        \
                    return math_err(ctx, state, msg);                                                        \
                }                                                                                            \
            }                                                                                                \
        return WEIR_OK;                                                                                      \
    }

/* Messages starting with "!F" / "!E" carry SQLSTATE 2201F / 2201E; others are 22003. */
static const char *chk_overflow(double x, double v)
{
    return isinf(v) && !isinf(x) ? MSG_OVERFLOW : NULL;
}
static const char *chk_sqrt(double x)
{
    return x < 0 ? "!Fcannot take square root of a negative number" : NULL;
}
static const char *chk_log(double x)
{
    if (x == 0.0)
        return "!Ecannot take logarithm of zero";
    return x < 0 ? "!Ecannot take logarithm of a negative number" : NULL;
}
static const char *chk_exp(double x, double v)
{
    if (isinf(v) && !isinf(x))
        return MSG_OVERFLOW;
    return v == 0.0 && !isinf(x) ? MSG_UNDERFLOW : NULL;
}
static const char *chk_unit(double x)
{
    return x < -1.0 || x > 1.0 ? "input is out of range" : NULL;
}
static const char *chk_finite_arg(double x)
{
    return isinf(x) ? "input is out of range" : NULL;
}

FLOAT_FN(fn_float_ceil, ceil(x), 0, NULL)
FLOAT_FN(fn_float_floor, floor(x), 0, NULL)
FLOAT_FN(fn_float_round, rint(x), 0, NULL)
FLOAT_FN(fn_float_trunc, trunc(x), 0, NULL)
FLOAT_FN(fn_float_sign, x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0, 0, NULL)
FLOAT_FN(fn_float_sqrt, x < 0 ? 0 : sqrt(x), x < 0, chk_sqrt(x))
FLOAT_FN(fn_float_cbrt, cbrt(x), 0, NULL)
FLOAT_FN(fn_float_exp, exp(x), isinf(v) || v == 0.0, chk_exp(x, v))
FLOAT_FN(fn_float_ln, x <= 0 ? 0 : log(x), x <= 0, chk_log(x))
FLOAT_FN(fn_float_log10, x <= 0 ? 0 : log10(x), x <= 0, chk_log(x))
FLOAT_FN(fn_float_degrees, x *(180.0 / M_PI), isinf(v), chk_overflow(x, v))
FLOAT_FN(fn_float_radians, x *(M_PI / 180.0), 0, NULL)
FLOAT_FN(fn_float_sin, isinf(x) ? 0 : sin(x), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_cos, isinf(x) ? 0 : cos(x), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_tan, isinf(x) ? 0 : tan(x), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_cot, isinf(x) ? 0 : 1.0 / tan(x), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_asin, fabs(x) > 1 ? 0 : asin(x), fabs(x) > 1, chk_unit(x))
FLOAT_FN(fn_float_acos, fabs(x) > 1 ? 0 : acos(x), fabs(x) > 1, chk_unit(x))
FLOAT_FN(fn_float_atan, atan(x), 0, NULL)
FLOAT_FN(fn_float_sinh, sinh(x), 0, NULL)
FLOAT_FN(fn_float_cosh, cosh(x), 0, NULL)
FLOAT_FN(fn_float_tanh, tanh(x), 0, NULL)
FLOAT_FN(fn_float_asinh, asinh(x), 0, NULL)
/* acosh is defined from 1 up, atanh on [-1, 1] (infinite at the ends); NaN passes through */
FLOAT_FN(fn_float_acosh, x < 1.0 ? 0 : acosh(x), x < 1.0, x < 1.0 ? "input is out of range" : NULL)
FLOAT_FN(fn_float_atanh, fabs(x) > 1 ? 0 : x == 1.0 ? INFINITY : x == -1.0 ? -INFINITY : atanh(x), fabs(x) > 1,
         chk_unit(x))

/* The degree-based functions return exact values at the "nice" angles (sind(30) = 0.5, cosd(60) = 0.5,
 * tand(45) = 1), as float.c does: the argument is reduced to the first quadrant by symmetry, and the
 * first-quadrant values are scaled so the reference points come out exact. */
#define RAD_PER_DEG (M_PI / 180.0)

static double sind_0_to_30(double x)
{
    return (sin(x * RAD_PER_DEG) / sin(30.0 * RAD_PER_DEG)) / 2.0;
}
static double cosd_0_to_60(double x)
{
    return 1.0 - ((1.0 - cos(x * RAD_PER_DEG)) / (1.0 - cos(60.0 * RAD_PER_DEG))) / 2.0;
}
static double sind_q1(double x)
{
    return x <= 30.0 ? sind_0_to_30(x) : cosd_0_to_60(90.0 - x);
}
static double cosd_q1(double x)
{
    return x <= 60.0 ? cosd_0_to_60(x) : sind_0_to_30(90.0 - x);
}

/* fn: 0 sind, 1 cosd, 2 tand, 3 cotd. x is finite. */
static double deg_trig(double x, int fn)
{
    if (isnan(x))
        return x;
    double a = fmod(x, 360.0), sign = 1.0;
    if (a < 0.0) {
        a = -a;
        if (fn != 1)
            sign = -sign; /* sin, tan and cot are odd; cos is even */
    }
    if (a > 180.0) {
        a = 360.0 - a;
        if (fn != 1)
            sign = -sign;
    }
    if (a > 90.0) {
        a = 180.0 - a;
        if (fn != 0)
            sign = -sign;
    }
    double v;
    switch (fn) {
    case 0:
        v = sind_q1(a);
        break;
    case 1:
        v = cosd_q1(a);
        break;
    case 2:
        v = (sind_q1(a) / cosd_q1(a)) / (sind_q1(45.0) / cosd_q1(45.0));
        break;
    default:
        v = (cosd_q1(a) / sind_q1(a)) / (cosd_q1(45.0) / sind_q1(45.0));
        break;
    }
    v = sign * v;
    return v == 0.0 ? 0.0 : v; /* no negative zero */
}

static double inv_deg(double x, int fn)
{
    /* fn: 0 asind, 1 acosd, 2 atand; exact at 0, +-0.5 and +-1 */
    if (fn == 2)
        return atan(x) / atan(1.0) * 45.0;
    double ax = fabs(x), q; /* q: asind of |x| in degrees */
    if (ax <= 0.5)
        q = asin(ax) / asin(0.5) * 30.0;
    else
        q = 90.0 - acos(ax) / acos(0.5) * 60.0;
    if (fn == 0)
        return x < 0 ? -q : q;
    return x < 0 ? 90.0 + q : 90.0 - q;
}

FLOAT_FN(fn_float_sind, isinf(x) ? 0 : deg_trig(x, 0), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_cosd, isinf(x) ? 0 : deg_trig(x, 1), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_tand, isinf(x) ? 0 : deg_trig(x, 2), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_cotd, isinf(x) ? 0 : deg_trig(x, 3), isinf(x), chk_finite_arg(x))
FLOAT_FN(fn_float_asind, fabs(x) > 1 ? 0 : inv_deg(x, 0), fabs(x) > 1, chk_unit(x))
FLOAT_FN(fn_float_acosd, fabs(x) > 1 ? 0 : inv_deg(x, 1), fabs(x) > 1, chk_unit(x))
FLOAT_FN(fn_float_atand, inv_deg(x, 2), 0, NULL)

/* Two-argument float8 functions. */
#define FLOAT_FN2(name, BODY)                                                                                \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const double *a = args[0].u.f, *b = args[1].u.f;                                                     \
        double *r = out->u.f;                                                                                \
        for (uint32_t i = 0; i < ctx->n; i++) {                                                              \
            if (fn_skip(out, i))                                                                             \
                continue;                                                                                    \
            double x = a[i], y = b[i];                                                                       \
            BODY                                                                                             \
        }                                                                                                    \
        return WEIR_OK;                                                                                      \
    }

/* dpow: PostgreSQL defines the NaN and domain cases before calling pow(). */
FLOAT_FN2(fn_float_power, {
    double v;
    if (isnan(x)) {
        v = y == 0.0 ? 1.0 : x;
    } else if (isnan(y)) {
        v = x == 1.0 ? 1.0 : y;
    } else {
        if (x == 0.0 && y < 0.0)
            return math_err(ctx, "2201F", "zero raised to a negative power is undefined");
        if (x < 0.0 && floor(y) != y && !isinf(y))
            return math_err(ctx, "2201F",
                            "a negative number raised to a non-integer power yields a complex result");
        v = pow(x, y);
        if (isinf(v) && !isinf(x) && !isinf(y))
            return math_err(ctx, "22003", MSG_OVERFLOW);
        if (v == 0.0 && x != 0.0 && !isinf(y) && !isinf(x))
            return math_err(ctx, "22003", MSG_UNDERFLOW);
    }
    r[i] = v;
})

FLOAT_FN2(fn_float_atan2, { r[i] = atan2(x, y); })

/* log(b, x) on float8 does not exist in PostgreSQL (only numeric); atan2d, for completeness. */
FLOAT_FN2(fn_float_atan2d, { r[i] = atan2(x, y) * (180.0 / M_PI); })

SQL_FN_KERNEL(fn_pi)
{
    UNUSED(n_args);
    UNUSED(args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.f[i] = M_PI;
    return WEIR_OK;
}

/* random(): xoshiro256** per thread, seeded from the kernel's random source. PostgreSQL's sequence is
 * not reproducible either (setseed() is not supported). */
static _Thread_local uint64_t rng_s[4];
static _Thread_local int rng_seeded;

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
    if (!rng_seeded) {
        if (getrandom(rng_s, sizeof(rng_s), 0) != (ssize_t)sizeof(rng_s)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            rng_s[0] = (uint64_t)ts.tv_nsec ^ 0x9E3779B97F4A7C15ull;
            rng_s[1] = (uint64_t)ts.tv_sec;
            rng_s[2] = (uint64_t)(uintptr_t)&ts;
            rng_s[3] = 0xD1B54A32D192ED03ull;
        }
        rng_seeded = 1;
    }
    uint64_t result = rotl(rng_s[1] * 5, 7) * 9, t = rng_s[1] << 17;
    rng_s[2] ^= rng_s[0];
    rng_s[3] ^= rng_s[1];
    rng_s[1] ^= rng_s[2];
    rng_s[0] ^= rng_s[3];
    rng_s[2] ^= t;
    rng_s[3] = rotl(rng_s[3], 45);
    return result;
}

SQL_FN_KERNEL(fn_random)
{
    UNUSED(n_args);
    UNUSED(args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.f[i] = (double)(rng_next() >> 11) * 0x1.0p-53; /* [0, 1) with 53 random bits */
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * width_bucket: the bucket (1..count) of an equal-width histogram over [bound1, bound2) an operand falls
 * in; 0 below the range, count + 1 at or above its end. bound1 > bound2 mirrors the histogram. Errors
 * are PostgreSQL's 2201G for a bad count, NaN or infinite bounds and equal bounds; the operand may be
 * infinite.
 * ---------------------------------------------------------------------------------------------- */

/* The argument checks both forms make, in PostgreSQL's order (the first that fails gives the error). */
static int wb_check(SqlFnCtx *ctx, int64_t count, int any_nan, int bound_inf, int bounds_equal)
{
    const char *msg = count <= 0     ? "count must be greater than zero"
                      : any_nan      ? "operand, lower bound, and upper bound cannot be NaN"
                      : bound_inf    ? "lower and upper bounds must be finite"
                      : bounds_equal ? "lower bound cannot equal upper bound"
                                     : NULL;
    return msg ? math_err(ctx, "2201G", msg) : WEIR_OK;
}

static int wb_count_plus_one(SqlFnCtx *ctx, int64_t count, int64_t *r)
{
    if (count >= INT32_MAX)
        return math_err(ctx, "22003", "integer out of range");
    *r = count + 1;
    return WEIR_OK;
}

/* float8 -> int32 as PostgreSQL 15's C cast compiles on x86-64 (cvttsd2si): truncation, and INT32_MIN
 * for NaN and out-of-range values -- which width_bucket shows for ranges wider than DBL_MAX (inf / inf)
 * instead of the UB a plain cast would be here. */
static int64_t f8_to_i32_x86(double v)
{
    return v >= -2147483648.0 && v < 2147483648.0 ? (int64_t)v : INT32_MIN;
}

/* width_bucket(float8, float8, float8, int4), as PostgreSQL 15's float.c: count * (operand - lo) /
 * (hi - lo) + 1, in that order of operations, truncated. */
SQL_FN_KERNEL(fn_float_width_bucket)
{
    UNUSED(n_args);
    const double *op = args[0].u.f, *b1 = args[1].u.f, *b2 = args[2].u.f;
    const int64_t *cnt = args[3].u.i;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        double x = op[i], lo = b1[i], hi = b2[i];
        int64_t count = cnt[i];
        if (wb_check(ctx, count, isnan(x) || isnan(lo) || isnan(hi), isinf(lo) || isinf(hi), lo == hi))
            return WEIR_ERROR;
        int rev = lo > hi;
        if (rev ? x > lo : x < lo) {
            r[i] = 0;
            continue;
        }
        if (rev ? x <= hi : x >= hi) {
            if (wb_count_plus_one(ctx, count, &r[i]))
                return WEIR_ERROR;
            continue;
        }
        double num = rev ? lo - x : x - lo, den = rev ? lo - hi : hi - lo;
        r[i] = f8_to_i32_x86((double)count * num / den + 1);
    }
    return WEIR_OK;
}

/* floor(x * c / w) for 0 <= x < w (so the result is below c), without overflowing 128 bits: long
 * multiplication of x by c's bits, keeping the running remainder below w. */
static uint64_t muldiv_floor(unsigned __int128 x, uint32_t c, unsigned __int128 w)
{
    uint64_t q = 0;
    unsigned __int128 r = 0;
    for (int bit = 31; bit >= 0; bit--) {
        q <<= 1;
        if (r >= w - r) {
            r -= w - r;
            q++;
        } else {
            r += r;
        }
        if ((c >> bit) & 1) {
            if (r >= w - x) {
                r -= w - x;
                q++;
            } else {
                r += x;
            }
        }
    }
    return q;
}

static __int128 pow10_128(int k);

/* |a| at scale s (s >= a's scale) as an unsigned 128-bit integer; 0 when it does not fit. */
static int num_abs_at_scale(const SqlNumeric *a, int s, unsigned __int128 *out)
{
    unsigned __int128 v = a->v < 0 ? (unsigned __int128)0 - (unsigned __int128)a->v : (unsigned __int128)a->v;
    for (int k = a->scale; k < s; k++) {
        if (v > ~(unsigned __int128)0 / 10)
            return 0;
        v *= 10;
    }
    *out = v;
    return 1;
}

/* width_bucket(numeric, numeric, numeric, int4), as numeric.c's: exact, (operand - bound1) * count /
 * (bound2 - bound1) truncated, plus one. */
SQL_FN_KERNEL(fn_numeric_width_bucket)
{
    UNUSED(n_args);
    const SqlNumeric *op = args[0].u.num, *b1 = args[1].u.num, *b2 = args[2].u.num;
    const int64_t *cnt = args[3].u.i;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t count = cnt[i];
        int c = sql_numeric_cmp(&b1[i], &b2[i]); /* (specials compare too; they fail the checks first) */
        int any_nan = op[i].kind == SQL_NUM_NAN || b1[i].kind == SQL_NUM_NAN || b2[i].kind == SQL_NUM_NAN;
        if (wb_check(ctx, count, any_nan, b1[i].kind || b2[i].kind, c == 0))
            return WEIR_ERROR;
        const SqlNumeric *lo = &b1[i], *hi = &b2[i], *x = &op[i];
        if (c < 0 ? sql_numeric_cmp(x, lo) < 0 : sql_numeric_cmp(x, lo) > 0) {
            r[i] = 0;
            continue;
        }
        if (c < 0 ? sql_numeric_cmp(x, hi) >= 0 : sql_numeric_cmp(x, hi) <= 0) {
            if (wb_count_plus_one(ctx, count, &r[i]))
                return WEIR_ERROR;
            continue;
        }
        /* here lo < x < hi (or mirrored), all finite: both differences are positive */
        SqlNumeric num, den;
        if (c < 0 ? sql_numeric_sub(x, lo, &num, ctx->err) || sql_numeric_sub(hi, lo, &den, ctx->err)
                  : sql_numeric_sub(lo, x, &num, ctx->err) || sql_numeric_sub(lo, hi, &den, ctx->err))
            return WEIR_ERROR;
        int s = num.scale > den.scale ? num.scale : den.scale;
        unsigned __int128 un, ud;
        if (!num_abs_at_scale(&num, s, &un) || !num_abs_at_scale(&den, s, &ud))
            return math_err(ctx, "22003", "value overflows numeric format");
        r[i] = (int64_t)muldiv_floor(un, (uint32_t)count, ud) + 1;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Integer functions: gcd, lcm (mod and div share the operator kernels)
 * ---------------------------------------------------------------------------------------------- */

static int64_t gcd_u(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return (int64_t)a;
}

/* gcd and lcm are never negative; gcd(min, 0) and gcd(min, min) do not fit the type. */
static int int_gcd_lcm(SqlFnCtx *ctx, const Vec *args, Vec *out, int64_t min, int64_t max, int lcm)
{
    const int64_t *a = args[0].u.i, *b = args[1].u.i;
    const char *range = max == INT32_MAX ? "integer out of range" : "bigint out of range";
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t x = a[i], y = b[i];
        uint64_t ux = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
        uint64_t uy = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
        uint64_t g = (uint64_t)gcd_u(ux, uy);
        if (!lcm) {
            if (g > (uint64_t)max)
                return math_err(ctx, "22003", range);
            out->u.i[i] = (int64_t)g;
            continue;
        }
        if (x == 0 || y == 0) {
            out->u.i[i] = 0;
            continue;
        }
        /* lcm = |x / gcd * y|, checked against the type (x == min alone is also out of range) */
        __int128 l = (__int128)(ux / g) * (__int128)uy;
        if (x == min || y == min || l > max)
            return math_err(ctx, "22003", range);
        out->u.i[i] = (int64_t)l;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_int4_gcd)
{
    UNUSED(n_args);
    return int_gcd_lcm(ctx, args, out, INT32_MIN, INT32_MAX, 0);
}
SQL_FN_KERNEL(fn_int8_gcd)
{
    UNUSED(n_args);
    return int_gcd_lcm(ctx, args, out, INT64_MIN, INT64_MAX, 0);
}
SQL_FN_KERNEL(fn_int4_lcm)
{
    UNUSED(n_args);
    return int_gcd_lcm(ctx, args, out, INT32_MIN, INT32_MAX, 1);
}
SQL_FN_KERNEL(fn_int8_lcm)
{
    UNUSED(n_args);
    return int_gcd_lcm(ctx, args, out, INT64_MIN, INT64_MAX, 1);
}

/* ------------------------------------------------------------------------------------------------
 * numeric: operators and exact functions through numeric.c
 * ---------------------------------------------------------------------------------------------- */

#define NUM_BINOP(name, F)                                                                                   \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const SqlNumeric *a = args[0].u.num, *b = args[1].u.num;                                             \
        SqlNumeric *r = out->u.num;                                                                          \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            if (!fn_skip(out, i) && F(&a[i], &b[i], &r[i], ctx->err))                                        \
                return WEIR_ERROR;                                                                           \
        return WEIR_OK;                                                                                      \
    }
NUM_BINOP(fn_numeric_pl, sql_numeric_add)
NUM_BINOP(fn_numeric_mi, sql_numeric_sub)
NUM_BINOP(fn_numeric_mul, sql_numeric_mul)
NUM_BINOP(fn_numeric_div, sql_numeric_div)
NUM_BINOP(fn_numeric_mod, sql_numeric_mod)
NUM_BINOP(fn_numeric_div_trunc, sql_numeric_div_trunc)

#define NUM_UNARY_VOID(name, F)                                                                              \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const SqlNumeric *a = args[0].u.num;                                                                 \
        SqlNumeric *r = out->u.num;                                                                          \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            F(&a[i], &r[i]);                                                                                 \
        return WEIR_OK;                                                                                      \
    }
NUM_UNARY_VOID(fn_numeric_um, sql_numeric_neg)
NUM_UNARY_VOID(fn_numeric_abs, sql_numeric_abs)
NUM_UNARY_VOID(fn_numeric_sign, sql_numeric_sign)

SQL_FN_KERNEL(fn_numeric_up)
{
    UNUSED(n_args);
    memcpy(out->u.num, args[0].u.num, ctx->n * sizeof(SqlNumeric));
    return WEIR_OK;
}

#define NUM_UNARY(name, F)                                                                                   \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const SqlNumeric *a = args[0].u.num;                                                                 \
        SqlNumeric *r = out->u.num;                                                                          \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            if (!fn_skip(out, i) && F(&a[i], &r[i], ctx->err))                                               \
                return WEIR_ERROR;                                                                           \
        return WEIR_OK;                                                                                      \
    }
NUM_UNARY(fn_numeric_ceil, sql_numeric_ceil)
NUM_UNARY(fn_numeric_floor, sql_numeric_floor)

/* round(numeric [, digits]) / trunc(numeric [, digits]): digits default 0, may be negative. */
static int num_round_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int trunc_)
{
    const SqlNumeric *a = args[0].u.num;
    const int64_t *d = n_args > 1 ? args[1].u.i : NULL;
    SqlNumeric *r = out->u.num;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t s = d ? d[i] : 0;
        /* numeric_round clamps the digits to the representable scales */
        if (s > 1000)
            s = 1000;
        if (s < -1000)
            s = -1000;
        int rc = trunc_ ? sql_numeric_trunc(&a[i], (int)s, &r[i], ctx->err)
                        : sql_numeric_round(&a[i], (int)s, &r[i], ctx->err);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_numeric_round)
{
    return num_round_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_numeric_trunc)
{
    return num_round_kernel(ctx, args, n_args, out, 1);
}

/* factorial(int8) -> numeric: 1 for 0 and 1; negative input is an error (PostgreSQL 14+); 34! and up
 * pass weir's 38 digits (PostgreSQL's own limit is 32177!) and fail with 22003. */
SQL_FN_KERNEL(fn_numeric_factorial)
{
    UNUSED(n_args);
    const int64_t *a = args[0].u.i;
    SqlNumeric *r = out->u.num;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t n = a[i];
        if (n < 0)
            return math_err(ctx, "22003", "factorial of a negative number is undefined");
        __int128 f = 1;
        for (int64_t k = 2; k <= n; k++)
            if (__builtin_mul_overflow(f, (__int128)k, &f) || f >= pow10_128(38))
                return math_err(ctx, "22003", "value overflows numeric format");
        r[i] = sql_numeric_make(f, 0);
    }
    return WEIR_OK;
}

/* The scale without trailing fractional zeros (0 for zero). */
static int num_min_scale(const SqlNumeric *a)
{
    int s = a->scale;
    __int128 v = a->v;
    if (v == 0)
        return 0;
    while (s > 0 && v % 10 == 0) {
        v /= 10;
        s--;
    }
    return s;
}

/* scale(numeric), the display scale, and min_scale(numeric), the smallest scale that represents the
 * value exactly; both NULL for NaN and the infinities. */
static int scale_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int is_min)
{
    const SqlNumeric *a = args[0].u.num;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (a[i].kind) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        out->u.i[i] = is_min ? num_min_scale(&a[i]) : a[i].scale;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_numeric_scale)
{
    UNUSED(n_args);
    return scale_kernel(ctx, args, out, 0);
}

SQL_FN_KERNEL(fn_numeric_min_scale)
{
    UNUSED(n_args);
    return scale_kernel(ctx, args, out, 1);
}

/* trim_scale(numeric): the value at min_scale (trailing zeros dropped); specials unchanged. */
SQL_FN_KERNEL(fn_numeric_trim_scale)
{
    UNUSED(n_args);
    const SqlNumeric *a = args[0].u.num;
    SqlNumeric *r = out->u.num;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        r[i] = a[i];
        if (a[i].kind)
            continue;
        int s = num_min_scale(&a[i]);
        r[i] = sql_numeric_make(a[i].v / pow10_128(a[i].scale - s), s);
    }
    return WEIR_OK;
}

/* gcd/lcm of numerics: integers only in practice; done on the 128-bit values at a common scale. */
static __int128 pow10_128(int k)
{
    __int128 p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

static int num_gcd_lcm(SqlFnCtx *ctx, const Vec *args, Vec *out, int lcm)
{
    const SqlNumeric *a = args[0].u.num, *b = args[1].u.num;
    SqlNumeric *r = out->u.num;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (a[i].kind || b[i].kind) {
            r[i] = sql_numeric_special(SQL_NUM_NAN);
            if (a[i].kind != SQL_NUM_NAN && b[i].kind != SQL_NUM_NAN)
                return math_err(ctx, "22003", "value overflows numeric format");
            continue;
        }
        int s = a[i].scale > b[i].scale ? a[i].scale : b[i].scale;
        __int128 x = a[i].v * pow10_128(s - a[i].scale), y = b[i].v * pow10_128(s - b[i].scale);
        if (x < 0)
            x = -x;
        if (y < 0)
            y = -y;
        __int128 p = x, q = y;
        while (q) {
            __int128 t = p % q;
            p = q;
            q = t;
        }
        if (!lcm) {
            r[i] = sql_numeric_make(p, s);
            continue;
        }
        if (x == 0 || y == 0) {
            r[i] = sql_numeric_make(0, s);
            continue;
        }
        __int128 l;
        if (__builtin_mul_overflow(x / p, y, &l) || l >= pow10_128(38))
            return math_err(ctx, "22003", "value overflows numeric format");
        r[i] = sql_numeric_make(l, s);
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_numeric_gcd)
{
    UNUSED(n_args);
    return num_gcd_lcm(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_numeric_lcm)
{
    UNUSED(n_args);
    return num_gcd_lcm(ctx, args, out, 1);
}

/* ------------------------------------------------------------------------------------------------
 * numeric: transcendental functions
 * ---------------------------------------------------------------------------------------------- */

enum { NUM_MIN_SIG_DIGITS = 16, NUM_MAX_DISPLAY_SCALE = 1000 };

static int ndigits128(__int128 v)
{
    unsigned __int128 u = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
    int n = 0;
    while (u) {
        u /= 10;
        n++;
    }
    return n;
}

/* Decimal weight of a nonzero finite value: floor(log10(|a|)). */
static int num_dweight(const SqlNumeric *a)
{
    return ndigits128(a->v) - a->scale - 1;
}

/* PostgreSQL's weight: the position of the first base-10000 digit. */
static int num_weight4(const SqlNumeric *a)
{
    int dw = num_dweight(a);
    return dw >= 0 ? dw / 4 : -((-dw + 3) / 4);
}

static int clamp_rscale(int r)
{
    if (r < 0)
        r = 0;
    return r > NUM_MAX_DISPLAY_SCALE ? NUM_MAX_DISPLAY_SCALE : r;
}

static long double num_to_ld(const SqlNumeric *a)
{
    return (long double)a->v / powl(10.0L, a->scale);
}

/* estimate_ln_dweight: the decimal weight PostgreSQL predicts for ln(a), from the first two base-10000
 * digits of a (or, near 1, from a - 1). */
static int estimate_ln_dweight(const SqlNumeric *a)
{
    if (a->kind || a->v <= 0)
        return 0;
    __int128 one = pow10_128(a->scale);
    /* 0.9 <= a <= 1.1, i.e. 9 * 10^(s-1) <= v <= 11 * 10^(s-1), compared as 10v against 9 * 10^s */
    __int128 ten_v = a->v * 10; /* v < 10^38 so 10v < 10^39 fits */
    if (ten_v >= 9 * one && ten_v <= 11 * one) {
        SqlNumeric x = sql_numeric_make(a->v - one, a->scale);
        return x.v == 0 ? 0 : num_dweight(&x);
    }
    int w = num_weight4(a);
    /* the first two base-10000 digits as an integer: a / 10000^(w-1), truncated */
    int e = a->scale + 4 * (w - 1);
    __int128 digits;
    int dweight;
    if (e >= 0) {
        digits = e > 38 ? 0 : a->v / pow10_128(e);
        dweight = (w - 1) * 4;
    } else {
        digits = a->v * pow10_128(-e);
        dweight = (w - 1) * 4;
    }
    if (digits < 10000) { /* only one base-10000 digit */
        dweight = w * 4;
        digits = e >= 0 ? a->v / pow10_128(e + 4) : digits / 10000;
    }
    double ln_var = log((double)digits) + dweight * 2.302585092994046;
    return (int)log10(fabs(ln_var));
}

/* Round x (long double) to scale digits as a numeric; 22003 when it needs more than 38 digits. */
static int ld_to_numeric(SqlFnCtx *ctx, long double x, int scale, SqlNumeric *out)
{
    long double scaled = x * powl(10.0L, scale);
    if (!(fabsl(scaled) < 1e38L))
        return math_err(ctx, "22003", "value overflows numeric format");
    __int128 v = (__int128)roundl(scaled);
    if (v >= pow10_128(38) || v <= -pow10_128(38))
        return math_err(ctx, "22003", "value overflows numeric format");
    *out = sql_numeric_make(v, scale);
    return WEIR_OK;
}

/* Integer square root of u: the largest r with r * r <= u. */
static unsigned __int128 isqrt128(unsigned __int128 u)
{
    if (u < 2)
        return u;
    unsigned __int128 r = (unsigned __int128)sqrtl((long double)u);
    /* correct the float estimate: at most a few steps either way */
    while (r > 0 && (r > UINT64_MAX * (unsigned __int128)2 || r * r > u))
        r--;
    while ((r + 1) * (r + 1) <= u)
        r++;
    return r;
}

static int num_sqrt_one(SqlFnCtx *ctx, const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_NAN || a->kind == SQL_NUM_PINF) {
        *out = *a;
        return WEIR_OK;
    }
    if (a->kind == SQL_NUM_NINF || a->v < 0)
        return math_err(ctx, "2201F", "cannot take square root of a negative number");
    int rscale;
    if (a->v == 0) {
        rscale = clamp_rscale(a->scale > NUM_MIN_SIG_DIGITS - 1 ? a->scale : NUM_MIN_SIG_DIGITS - 1);
        /* weight of zero is 0 in PostgreSQL: sweight 1, rscale 15 unless the input shows more */
        *out = sql_numeric_make(0, rscale);
        return WEIR_OK;
    }
    int sweight = num_weight4(a) * 4 / 2 + 1;
    rscale = NUM_MIN_SIG_DIGITS - sweight;
    if (rscale < a->scale)
        rscale = a->scale;
    rscale = clamp_rscale(rscale);
    /* exact: sqrt(v / 10^s) * 10^r = sqrt(v * 10^(2r - s)) */
    int shift = 2 * rscale - a->scale;
    if (shift <= 38 && rscale <= 38) {
        unsigned __int128 n;
        if (!__builtin_mul_overflow((unsigned __int128)a->v, (unsigned __int128)pow10_128(shift), &n)) {
            unsigned __int128 r = isqrt128(n);
            if (n - r * r > r) /* sqrt(n) >= r + 0.5: round half up */
                r++;
            if (r >= (unsigned __int128)pow10_128(38))
                return math_err(ctx, "22003", "value overflows numeric format");
            *out = sql_numeric_make((__int128)r, rscale);
            return WEIR_OK;
        }
    }
    return ld_to_numeric(ctx, sqrtl(num_to_ld(a)), rscale, out);
}

static int num_exp_one(SqlFnCtx *ctx, const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_NAN || a->kind == SQL_NUM_PINF) {
        *out = *a;
        return WEIR_OK;
    }
    if (a->kind == SQL_NUM_NINF) {
        *out = sql_numeric_make(0, 0);
        return WEIR_OK;
    }
    double val = (double)num_to_ld(a) * 0.434294481903252;
    if (val > 2000)
        val = 2000;
    if (val < -2000)
        val = -2000;
    int rscale = NUM_MIN_SIG_DIGITS - (int)val;
    if (rscale < a->scale)
        rscale = a->scale;
    return ld_to_numeric(ctx, expl(num_to_ld(a)), clamp_rscale(rscale), out);
}

static int num_ln_check(SqlFnCtx *ctx, const SqlNumeric *a)
{
    if (a->kind == SQL_NUM_NINF || (!a->kind && a->v < 0))
        return math_err(ctx, "2201E", "cannot take logarithm of a negative number");
    if (!a->kind && a->v == 0)
        return math_err(ctx, "2201E", "cannot take logarithm of zero");
    return WEIR_OK;
}

static int num_ln_one(SqlFnCtx *ctx, const SqlNumeric *a, SqlNumeric *out)
{
    if (a->kind == SQL_NUM_NAN || a->kind == SQL_NUM_PINF) {
        *out = *a;
        return WEIR_OK;
    }
    if (num_ln_check(ctx, a))
        return WEIR_ERROR;
    int rscale = NUM_MIN_SIG_DIGITS - estimate_ln_dweight(a);
    if (rscale < a->scale)
        rscale = a->scale;
    return ld_to_numeric(ctx, logl(num_to_ld(a)), clamp_rscale(rscale), out);
}

/* log(base, x) = ln(x) / ln(base) at PostgreSQL's scale for it. */
static int num_log_one(SqlFnCtx *ctx, const SqlNumeric *base, const SqlNumeric *x, SqlNumeric *out)
{
    if (base->kind == SQL_NUM_NAN || x->kind == SQL_NUM_NAN) {
        *out = sql_numeric_special(SQL_NUM_NAN);
        return WEIR_OK;
    }
    if (num_ln_check(ctx, base) || num_ln_check(ctx, x))
        return WEIR_ERROR;
    if (base->kind == SQL_NUM_PINF || x->kind == SQL_NUM_PINF) {
        if (base->kind == SQL_NUM_PINF && x->kind == SQL_NUM_PINF)
            *out = sql_numeric_special(SQL_NUM_NAN);
        else if (base->kind == SQL_NUM_PINF)
            *out = sql_numeric_make(0, 0);
        else /* log(b, inf): +inf for b > 1, -inf for b < 1 */
            *out = sql_numeric_special(num_to_ld(base) > 1 ? SQL_NUM_PINF : SQL_NUM_NINF);
        return WEIR_OK;
    }
    long double lb = logl(num_to_ld(base));
    if (lb == 0)
        return math_err(ctx, "22012", "division by zero");
    int rscale = NUM_MIN_SIG_DIGITS - (estimate_ln_dweight(x) - estimate_ln_dweight(base));
    if (rscale < base->scale)
        rscale = base->scale;
    if (rscale < x->scale)
        rscale = x->scale;
    return ld_to_numeric(ctx, logl(num_to_ld(x)) / lb, clamp_rscale(rscale), out);
}

static int num_is_integer(const SqlNumeric *a)
{
    return !a->kind && (a->scale == 0 || a->v % pow10_128(a->scale) == 0);
}

static int num_power_one(SqlFnCtx *ctx, const SqlNumeric *b, const SqlNumeric *e, SqlNumeric *out)
{
    /* NaN and infinities: 1 ^ anything and anything ^ 0 are 1, as in PostgreSQL */
    if (b->kind || e->kind) {
        if ((!b->kind && b->v == pow10_128(b->scale)) || (!e->kind && e->v == 0)) {
            *out = sql_numeric_make(1, 0);
            return WEIR_OK;
        }
        if (b->kind == SQL_NUM_NAN || e->kind == SQL_NUM_NAN) {
            *out = sql_numeric_special(SQL_NUM_NAN);
            return WEIR_OK;
        }
        long double vb = b->kind == SQL_NUM_PINF   ? INFINITY
                         : b->kind == SQL_NUM_NINF ? -INFINITY
                                                   : num_to_ld(b);
        long double ve = e->kind == SQL_NUM_PINF   ? INFINITY
                         : e->kind == SQL_NUM_NINF ? -INFINITY
                                                   : num_to_ld(e);
        if (vb == 0 && ve < 0)
            return math_err(ctx, "2201F", "zero raised to a negative power is undefined");
        if (vb < 0 && !isinf(ve) && floorl(ve) != ve)
            return math_err(ctx, "2201F",
                            "a negative number raised to a non-integer power yields a complex result");
        long double v = powl(vb, ve);
        if (isinf(v))
            *out = sql_numeric_special(v > 0 ? SQL_NUM_PINF : SQL_NUM_NINF);
        else
            *out = sql_numeric_make(0, 0);
        return WEIR_OK;
    }
    if (b->v == 0 && e->v < 0)
        return math_err(ctx, "2201F", "zero raised to a negative power is undefined");
    int rscale;
    if (num_is_integer(e)) {
        /* PostgreSQL 15 power_var with an integer exponent: at least 16 decimals */
        rscale = NUM_MIN_SIG_DIGITS;
        if (rscale < b->scale)
            rscale = b->scale;
    } else {
        if (b->v < 0)
            return math_err(ctx, "2201F",
                            "a negative number raised to a non-integer power yields a complex result");
        if (b->v == 0) {
            *out = sql_numeric_make(0, NUM_MIN_SIG_DIGITS);
            return WEIR_OK;
        }
        double val = (double)(logl(num_to_ld(b)) * num_to_ld(e)) * 0.434294481903252;
        if (val > 2000)
            val = 2000;
        if (val < -2000)
            val = -2000;
        rscale = NUM_MIN_SIG_DIGITS - (int)val;
        if (rscale < b->scale)
            rscale = b->scale;
        if (rscale < e->scale)
            rscale = e->scale;
    }
    rscale = clamp_rscale(rscale);
    /* an integer power of an integer is exact in 128 bits when it fits */
    if (num_is_integer(e) && b->scale == 0 && e->v >= 0 && e->v < 128) {
        __int128 acc = 1;
        int exact = 1;
        for (int k = 0; k < (int)e->v && exact; k++)
            exact = !__builtin_mul_overflow(acc, b->v, &acc) && acc < pow10_128(38) && acc > -pow10_128(38);
        if (exact && ndigits128(acc) + rscale <= 38) {
            *out = sql_numeric_make(acc * pow10_128(rscale), rscale);
            return WEIR_OK;
        }
    }
    return ld_to_numeric(ctx, powl(num_to_ld(b), num_to_ld(e)), rscale, out);
}

#define NUM_TRANS1(name, F)                                                                                  \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const SqlNumeric *a = args[0].u.num;                                                                 \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            if (!fn_skip(out, i) && F(ctx, &a[i], &out->u.num[i]))                                           \
                return WEIR_ERROR;                                                                           \
        return WEIR_OK;                                                                                      \
    }
NUM_TRANS1(fn_numeric_sqrt, num_sqrt_one)
NUM_TRANS1(fn_numeric_exp, num_exp_one)
NUM_TRANS1(fn_numeric_ln, num_ln_one)

/* log(numeric) and log10(numeric): log(10, x). */
SQL_FN_KERNEL(fn_numeric_log10)
{
    UNUSED(n_args);
    const SqlNumeric ten = sql_numeric_make(10, 0);
    const SqlNumeric *a = args[0].u.num;
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) && num_log_one(ctx, &ten, &a[i], &out->u.num[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_numeric_log)
{
    UNUSED(n_args);
    const SqlNumeric *b = args[0].u.num, *x = args[1].u.num;
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) && num_log_one(ctx, &b[i], &x[i], &out->u.num[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_numeric_power)
{
    UNUSED(n_args);
    const SqlNumeric *b = args[0].u.num, *e = args[1].u.num;
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) && num_power_one(ctx, &b[i], &e[i], &out->u.num[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}
