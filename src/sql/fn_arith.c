/*
 * fn_arith.c: arithmetic operators on integers and floats (+ - * / %, unary - + @, bitwise & | # ~
 * << >>) with PostgreSQL's errors: 22003 "smallint/integer/bigint out of range" when a result leaves its
 * type's range, 22012 "division by zero", 22003 "value out of range: overflow/underflow" for floats.
 * Numeric arithmetic is in fn_numeric.c.
 *
 * Integers of every width are int64_t in vectors (sql/types.h), so one kernel per operator and result
 * width serves the same-type and cross-type operators (int4 + int2, int8 * int4, ...): PostgreSQL's
 * cross-type operators return the wider type, and the catalog points each at the kernel of its result
 * type. Results of int2/int4 width are computed in 64 bits (two int4 operands cannot overflow that) and
 * range-checked; int8 results use the compiler's overflow builtins.
 *
 * Error discipline (func.h): a NULL row's inputs are unspecified, so the loops compute every row
 * without branching and only OR an "out of range" flag; when the flag is set, a second pass finds the
 * first non-NULL offending row and raises the error. Division checks its divisor per row because it
 * cannot compute the zero rows at all.
 */
#include <math.h>

#include "sql/fn_int.h"

static int int_range_error(SqlFnCtx *ctx, int bits)
{
    const char *what = bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint";
    return sql_error_set(ctx->err, "22003", 0, "%s out of range", what);
}

static int div_zero_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "22012", 0, "division by zero");
}

static int float_overflow_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "22003", 0, "value out of range: overflow");
}

static int float_underflow_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "22003", 0, "value out of range: underflow");
}

#define I16_OUT(v) ((v) < INT16_MIN || (v) > INT16_MAX)
#define I32_OUT(v) ((v) < INT32_MIN || (v) > INT32_MAX)

/* --- add, subtract, multiply: narrow results computed wide, then range-checked -------------------- */

#define INT_NARROW_BINOP(name, OP, OUT, BITS)                                                                \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const int64_t *a = args[0].u.i, *b = args[1].u.i;                                                    \
        int64_t *r = out->u.i;                                                                               \
        uint32_t n = ctx->n;                                                                                 \
        int bad = 0;                                                                                         \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            int64_t v = a[i] OP b[i];                                                                        \
            bad |= OUT(v);                                                                                   \
            r[i] = v;                                                                                        \
        }                                                                                                    \
        if (bad)                                                                                             \
            for (uint32_t i = 0; i < n; i++)                                                                 \
                if (OUT(r[i]) && !fn_skip(out, i))                                                           \
                    return int_range_error(ctx, BITS);                                                       \
        return WEIR_OK;                                                                                      \
    }

/* Narrow operands only: an int2/int4 pair never overflows 64 bits. For an int8 result, the inputs can
 * be anything, so use the checked builtins. */
INT_NARROW_BINOP(fn_int2_pl, +, I16_OUT, 16)
INT_NARROW_BINOP(fn_int2_mi, -, I16_OUT, 16)
INT_NARROW_BINOP(fn_int2_mul, *, I16_OUT, 16)
INT_NARROW_BINOP(fn_int4_pl, +, I32_OUT, 32)
INT_NARROW_BINOP(fn_int4_mi, -, I32_OUT, 32)
INT_NARROW_BINOP(fn_int4_mul, *, I32_OUT, 32)

#define INT8_BINOP(name, BUILTIN)                                                                            \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const int64_t *a = args[0].u.i, *b = args[1].u.i;                                                    \
        int64_t *r = out->u.i;                                                                               \
        uint32_t n = ctx->n;                                                                                 \
        int bad = 0;                                                                                         \
        for (uint32_t i = 0; i < n; i++)                                                                     \
            bad |= BUILTIN(a[i], b[i], &r[i]);                                                               \
        if (bad)                                                                                             \
            for (uint32_t i = 0; i < n; i++) {                                                               \
                int64_t v;                                                                                   \
                if (BUILTIN(a[i], b[i], &v) && !fn_skip(out, i))                                             \
                    return int_range_error(ctx, 64);                                                         \
            }                                                                                                \
        return WEIR_OK;                                                                                      \
    }
INT8_BINOP(fn_int8_pl, __builtin_add_overflow)
INT8_BINOP(fn_int8_mi, __builtin_sub_overflow)
INT8_BINOP(fn_int8_mul, __builtin_mul_overflow)

/* --- division and modulo: truncation toward zero, as C and PostgreSQL do --------------------------- */

/* min is the result type's smallest value: min / -1 is out of range, min % -1 is 0 (int4mod). */
static int int_div(SqlFnCtx *ctx, const Vec *args, Vec *out, int64_t min, int bits)
{
    const int64_t *a = args[0].u.i, *b = args[1].u.i;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (b[i] == 0 || (b[i] == -1 && a[i] == min)) {
            if (fn_skip(out, i))
                continue;
            return b[i] == 0 ? div_zero_error(ctx) : int_range_error(ctx, bits);
        }
        r[i] = a[i] / b[i];
    }
    return WEIR_OK;
}

static int int_mod(SqlFnCtx *ctx, const Vec *args, Vec *out)
{
    const int64_t *a = args[0].u.i, *b = args[1].u.i;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (b[i] == 0 || b[i] == -1) {
            if (b[i] == 0 && !fn_skip(out, i))
                return div_zero_error(ctx);
            r[i] = 0; /* x % -1 is 0, and INT64_MIN % -1 would trap */
            continue;
        }
        r[i] = a[i] % b[i];
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_int2_div)
{
    UNUSED(n_args);
    return int_div(ctx, args, out, INT16_MIN, 16);
}
SQL_FN_KERNEL(fn_int4_div)
{
    UNUSED(n_args);
    return int_div(ctx, args, out, INT32_MIN, 32);
}
SQL_FN_KERNEL(fn_int8_div)
{
    UNUSED(n_args);
    return int_div(ctx, args, out, INT64_MIN, 64);
}
SQL_FN_KERNEL(fn_int2_mod)
{
    UNUSED(n_args);
    return int_mod(ctx, args, out);
}
SQL_FN_KERNEL(fn_int4_mod)
{
    UNUSED(n_args);
    return int_mod(ctx, args, out);
}
SQL_FN_KERNEL(fn_int8_mod)
{
    UNUSED(n_args);
    return int_mod(ctx, args, out);
}

/* --- unary minus and absolute value: only the type's minimum fails ------------------------------- */

#define INT_UNARY(name, EXPR, MIN, BITS)                                                                     \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const int64_t *a = args[0].u.i;                                                                      \
        int64_t *r = out->u.i;                                                                               \
        uint32_t n = ctx->n;                                                                                 \
        int bad = 0;                                                                                         \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            int64_t x = a[i];                                                                                \
            bad |= x == (MIN);                                                                               \
            r[i] = x == (MIN) ? 0 : (EXPR);                                                                  \
        }                                                                                                    \
        if (bad)                                                                                             \
            for (uint32_t i = 0; i < n; i++)                                                                 \
                if (a[i] == (MIN) && !fn_skip(out, i))                                                       \
                    return int_range_error(ctx, BITS);                                                       \
        return WEIR_OK;                                                                                      \
    }
INT_UNARY(fn_int2_um, -x, INT16_MIN, 16)
INT_UNARY(fn_int4_um, -x, INT32_MIN, 32)
INT_UNARY(fn_int8_um, -x, INT64_MIN, 64)
INT_UNARY(fn_int2_abs, x < 0 ? -x : x, INT16_MIN, 16)
INT_UNARY(fn_int4_abs, x < 0 ? -x : x, INT32_MIN, 32)
INT_UNARY(fn_int8_abs, x < 0 ? -x : x, INT64_MIN, 64)

/* --- bitwise operators ------------------------------------------------------------------------------ */

#define INT_BITOP(name, EXPR)                                                                                \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const int64_t *a = args[0].u.i, *b = args[1].u.i;                                                    \
        int64_t *r = out->u.i;                                                                               \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            r[i] = (EXPR);                                                                                   \
        return WEIR_OK;                                                                                      \
    }
INT_BITOP(fn_int_and, a[i] & b[i])
INT_BITOP(fn_int_or, a[i] | b[i])
INT_BITOP(fn_int_xor, a[i] ^ b[i])

SQL_FN_KERNEL(fn_int_not)
{
    UNUSED(n_args);
    const int64_t *a = args[0].u.i;
    int64_t *r = out->u.i;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = ~a[i];
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_int_up)
{
    UNUSED(n_args);
    memcpy(out->u.i, args[0].u.i, ctx->n * sizeof(int64_t));
    return WEIR_OK;
}

/* Shifts: PostgreSQL shifts in C on the type's width, and x86 takes the count modulo the width, which
 * is what PostgreSQL users observe (1 << 33 = 2 for int4). The result is truncated to the type (int2:
 * the shift happens in 32 bits, then the value is cut to 16). Unsigned arithmetic avoids C's undefined
 * cases (negative operands, counts past the width). */
INT_BITOP(fn_int2_shl, (int64_t)(int16_t)(uint32_t)((uint32_t)a[i] << (b[i] & 31)))
INT_BITOP(fn_int4_shl, (int64_t)(int32_t)((uint32_t)a[i] << (b[i] & 31)))
INT_BITOP(fn_int8_shl, (int64_t)((uint64_t)a[i] << (b[i] & 63)))
INT_BITOP(fn_int2_shr, (int64_t)(int16_t)((int32_t)a[i] >> (b[i] & 31)))
INT_BITOP(fn_int4_shr, (int64_t)((int32_t)a[i] >> (b[i] & 31)))
INT_BITOP(fn_int8_shr, a[i] >> (b[i] & 63))

/* --- floats ------------------------------------------------------------------------------------------ */

/* Checks of float.h's float_overflow / underflow rules, per operator:
 *   + -  overflow when the result is infinite and neither input was
 *   *    also underflow when the result is 0 and neither input was
 *   /    overflow when the result is infinite and the dividend was not; underflow when the result is 0,
 *        the dividend was not and the divisor is finite; division by zero unless the dividend is NaN */
enum { FL_OK = 0, FL_OVER = 1, FL_UNDER = 2, FL_ZERO = 4 };

static inline int fl_check_add(double x, double y, double r)
{
    return isinf(r) && !isinf(x) && !isinf(y) ? FL_OVER : FL_OK;
}
static inline int fl_check_mul(double x, double y, double r)
{
    if (isinf(r) && !isinf(x) && !isinf(y))
        return FL_OVER;
    return r == 0.0 && x != 0.0 && y != 0.0 ? FL_UNDER : FL_OK;
}
static inline int fl_check_div(double x, double y, double r)
{
    if (y == 0.0 && !isnan(x))
        return FL_ZERO;
    if (isinf(r) && !isinf(x))
        return FL_OVER;
    return r == 0.0 && x != 0.0 && !isinf(y) ? FL_UNDER : FL_OK;
}

static int fl_raise(SqlFnCtx *ctx, int what)
{
    if (what & FL_ZERO)
        return div_zero_error(ctx);
    if (what & FL_OVER)
        return float_overflow_error(ctx);
    return float_underflow_error(ctx);
}

/* float4 operators compute in single precision (float4pl adds two floats), float8 and the mixed
 * operators in double. Division by zero is tested before dividing, so the zero rows get no value. */
#define FLOAT_BINOP(name, T, OP, CHECK)                                                                      \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const double *a = args[0].u.f, *b = args[1].u.f;                                                     \
        double *r = out->u.f;                                                                                \
        uint32_t n = ctx->n;                                                                                 \
        int bad = 0;                                                                                         \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            T x = (T)a[i], y = (T)b[i];                                                                      \
            T v = x OP y;                                                                                    \
            r[i] = (double)v;                                                                                \
            bad |= CHECK(x, y, v);                                                                           \
        }                                                                                                    \
        if (bad)                                                                                             \
            for (uint32_t i = 0; i < n; i++) {                                                               \
                int w = CHECK((T)a[i], (T)b[i], (T)r[i]);                                                    \
                if (w && !fn_skip(out, i))                                                                   \
                    return fl_raise(ctx, w);                                                                 \
            }                                                                                                \
        return WEIR_OK;                                                                                      \
    }

FLOAT_BINOP(fn_float4_pl, float, +, fl_check_add)
FLOAT_BINOP(fn_float4_mi, float, -, fl_check_add)
FLOAT_BINOP(fn_float4_mul, float, *, fl_check_mul)
FLOAT_BINOP(fn_float8_pl, double, +, fl_check_add)
FLOAT_BINOP(fn_float8_mi, double, -, fl_check_add)
FLOAT_BINOP(fn_float8_mul, double, *, fl_check_mul)

/* Division: x / 0 gives inf or NaN in IEEE arithmetic without trapping, and the check then sees the
 * zero divisor, so the same loop shape works. */
FLOAT_BINOP(fn_float4_div, float, /, fl_check_div)
FLOAT_BINOP(fn_float8_div, double, /, fl_check_div)

SQL_FN_KERNEL(fn_float_um)
{
    UNUSED(n_args);
    const double *a = args[0].u.f;
    double *r = out->u.f;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = -a[i];
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_float_abs)
{
    UNUSED(n_args);
    const double *a = args[0].u.f;
    double *r = out->u.f;
    for (uint32_t i = 0; i < ctx->n; i++)
        r[i] = fabs(a[i]);
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_float_up)
{
    UNUSED(n_args);
    memcpy(out->u.f, args[0].u.f, ctx->n * sizeof(double));
    return WEIR_OK;
}
