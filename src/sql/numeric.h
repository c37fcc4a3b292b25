/*
 * numeric.h: arithmetic on SqlNumeric (sql/types.h), the 128-bit scaled integer behind NUMERIC, with
 * PostgreSQL 15's result scales and rounding, plus the sum/avg accumulators aggregates use.
 *
 * What matches PostgreSQL exactly (within the range below): the digits and the display scale ("dscale")
 * of every result -- add/sub keep max(scale), mul adds scales, div picks PostgreSQL's select_div_scale
 * (at least 16 significant digits) and rounds half away from zero, round/trunc set the scale asked for,
 * numeric(p,s) typmods round and check as apply_typmod does, NaN and +-Infinity follow PostgreSQL 14+
 * (NaN equals NaN and sorts above +Infinity). avg(int) and avg(numeric) are sum / count through the same
 * division, so avg of 1 and 2 prints 1.5000000000000000 as in PostgreSQL.
 *
 * The limit: a value has at most 38 significant digits in total (|v| < 10^38 at its scale, scale <= 38),
 * PostgreSQL allows 131072 digits before the point and 16383 after. Any result or input that does not
 * fit fails with SQLSTATE 22003 "value overflows numeric format" instead of being rounded silently.
 *
 * Errors: fallible functions return WEIR_OK, or WEIR_ERROR after filling err (may be NULL) through
 * sql_error_set with PostgreSQL's SQLSTATE and message. Nothing here allocates.
 */
#ifndef WEIR_SQL_NUMERIC_H
#define WEIR_SQL_NUMERIC_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "sql/types.h"

typedef struct SqlError SqlError; /* exec/engine.h */

/* Longest text form: "-0." + 38 digits, or 38 digits + "." ; plus NUL. */
#define SQL_NUMERIC_TEXT_MAX 48

/* --- constructors and conversions ---------------------------------------------------------------- */

static inline SqlNumeric sql_numeric_make(__int128 v, int scale)
{
    SqlNumeric n;
    n.v = v;
    n.scale = (int16_t)scale;
    n.kind = SQL_NUM_FINITE;
    return n;
}
static inline SqlNumeric sql_numeric_special(int kind)
{
    SqlNumeric n;
    n.v = 0;
    n.scale = 0;
    n.kind = (int16_t)kind;
    return n;
}

/* Parse numeric_in's syntax: optional blanks, sign, digits with an optional point, optional exponent,
 * or NaN / [+-]Infinity / [+-]inf (case-insensitive). p[0..n) need not be NUL-terminated. Errors 22P02
 * (syntax, message quotes the text) and 22003 (more than 38 digits). */
int sql_numeric_parse(const char *p, size_t n, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

/* Write numeric_out's form into buf (at least SQL_NUMERIC_TEXT_MAX bytes), NUL-terminated; returns the
 * length. */
size_t sql_numeric_format(const SqlNumeric *a, char *buf);

void sql_numeric_from_int64(int64_t v, SqlNumeric *out);
/* From a 128-bit integer (sum of int8). 22003 beyond 38 digits. */
int sql_numeric_from_int128(__int128 v, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* float8 -> numeric as PostgreSQL: the value printed with 15 significant digits ("%.15g"), then parsed;
 * NaN and infinities map to the numeric specials. 22003 beyond 38 digits (1e300, 1e-40). */
int sql_numeric_from_double(double d, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* float4 -> numeric: as above with 6 digits. */
int sql_numeric_from_float4(float f, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

/* numeric -> integer types: rounds half away from zero, then checks the range of the target: bits is
 * 16, 32 or 64 ("smallint out of range", "integer out of range", "bigint out of range", 22003); NaN and
 * infinities fail with 0A000 "cannot convert NaN to integer" / "cannot convert infinity to bigint". */
int sql_numeric_to_int(const SqlNumeric *a, int bits, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;

/* numeric -> float8 (correctly rounded, as PostgreSQL's text round trip). Never fails. */
double sql_numeric_to_double(const SqlNumeric *a);

/* --- arithmetic ------------------------------------------------------------------------------------ */

int sql_numeric_add(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_numeric_sub(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_numeric_mul(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* a / b at select_div_scale(a, b), rounded half away from zero. 22012 "division by zero". */
int sql_numeric_div(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* a / b rounded to exactly `scale` digits (the building block of div and avg). */
int sql_numeric_div_scale(const SqlNumeric *a, const SqlNumeric *b, int scale, SqlNumeric *out,
                          SqlError *err) WEIR_WARN_UNUSED;
/* div(a, b): the quotient truncated toward zero, scale 0. */
int sql_numeric_div_trunc(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* a % b with the sign of a, scale max(scale a, scale b). */
int sql_numeric_mod(const SqlNumeric *a, const SqlNumeric *b, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* PostgreSQL's select_div_scale: the result scale of a / b. */
int sql_numeric_div_result_scale(const SqlNumeric *a, const SqlNumeric *b);

void sql_numeric_neg(const SqlNumeric *a, SqlNumeric *out);
void sql_numeric_abs(const SqlNumeric *a, SqlNumeric *out);
/* -1, 0, 1 (NaN: NaN; infinities: +-1) as numeric sign() does. */
void sql_numeric_sign(const SqlNumeric *a, SqlNumeric *out);

/* round(a, s) / trunc(a, s): s may be negative (round(1234.5, -2) = 1200); the result scale is max(s, 0). */
int sql_numeric_round(const SqlNumeric *a, int s, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_numeric_trunc(const SqlNumeric *a, int s, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_numeric_ceil(const SqlNumeric *a, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_numeric_floor(const SqlNumeric *a, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

/* Apply a numeric(p,s) typmod (PostgreSQL's encoding, -1: none): round to s, then 22003 "numeric field
 * overflow" with PostgreSQL's detail when the integer digits exceed p - s or the value is infinite. */
int sql_numeric_apply_typmod(const SqlNumeric *a, int32_t typmod, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

/* Total order of PostgreSQL's numeric_cmp: -1, 0, 1. 1.0 = 1.00; NaN = NaN > +Infinity > finite. */
int sql_numeric_cmp(const SqlNumeric *a, const SqlNumeric *b);
/* A hash equal for values that compare equal (1.0 and 1.00). */
uint64_t sql_numeric_hash(const SqlNumeric *a);

/* True when the value is an integer (no nonzero fraction digits). */
int sql_numeric_is_integral(const SqlNumeric *a);

/* --- binary wire form (numeric_send / numeric_recv) ----------------------------------------------- */

/* Write numeric_send's bytes into out (at least 8 + 2 * 20 bytes); returns the length. */
size_t sql_numeric_send(const SqlNumeric *a, uint8_t *out);
/* Read numeric_recv's form. 22P03 on malformed digits/sign/scale, 22003 beyond 38 digits. */
int sql_numeric_recv(const uint8_t *p, size_t n, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

/* --- aggregate accumulators ----------------------------------------------------------------------- */

/* Running sum and count for sum()/avg() over int2/int4/int8 or numeric input. Zero-initialise
 * ({0}) before use; merge partial states from parallel workers with sql_numeric_agg_merge. */
typedef struct SqlNumericAgg {
    __int128 sum;    /* finite inputs, at scale `scale` */
    int64_t n;       /* non-NULL inputs counted (finite and special) */
    int16_t scale;   /* max scale seen */
    uint8_t n_nan;   /* saw NaN */
    uint8_t has_pinf;
    uint8_t has_ninf;
} SqlNumericAgg;

/* Add an integer input (sum(int8)/avg(int*)), for an accumulator fed only integers (scale stays 0).
 * Cannot overflow: 2^63 rows of 2^63 stay below 2^127. Inline: it runs once per row. */
static inline void sql_numeric_agg_add_int(SqlNumericAgg *s, int64_t v)
{
    s->sum += v;
    s->n++;
}
/* Add a numeric input. 22003 when the running sum leaves 38 digits. */
int sql_numeric_agg_add(SqlNumericAgg *s, const SqlNumeric *v, SqlError *err) WEIR_WARN_UNUSED;
/* dst += src. */
int sql_numeric_agg_merge(SqlNumericAgg *dst, const SqlNumericAgg *src, SqlError *err) WEIR_WARN_UNUSED;
/* The sum as numeric (callers return NULL themselves when s->n == 0). */
int sql_numeric_agg_sum(const SqlNumericAgg *s, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;
/* The average sum / n as PostgreSQL's numeric_avg / int8_avg compute it (callers handle n == 0). */
int sql_numeric_agg_avg(const SqlNumericAgg *s, SqlNumeric *out, SqlError *err) WEIR_WARN_UNUSED;

#endif
