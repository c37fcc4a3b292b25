/*
 * fn_cmp.c: the comparison operators = <> < <= > >= as vectorized kernels, one family per physical
 * representation, so one kernel serves many SQL types (see fn_int.h FN_CMP_DECL):
 *
 *   int       every int64-backed type: int2/int4/int8 and their cross-type pairs, oid, date, time,
 *             timestamp, timestamptz (same type on both sides)
 *   float     float4, float8 and their cross pairs, with PostgreSQL's NaN rule: NaN equals NaN and
 *             sorts above every other value (float8_cmp_internal), so ORDER BY and = agree
 *   bool      false < true
 *   text      text, name, bytea, "char" and the name/text pairs: collation "C", i.e. unsigned byte
 *             order, a shorter string first when one is a prefix of the other
 *   bpchar    character(n): trailing spaces do not count (bpchareq / bpcharcmp)
 *   interval  compared by their span with a month as 30 days and a day as 24 hours
 *             (interval_cmp_value), so '1 month' = '30 days'
 *   numeric   by value across scales (1.0 = 1.00); NaN equals NaN and sorts above +Infinity
 *   date_ts / ts_date  date against timestamp without time zone (date as its midnight)
 *
 * Comparisons against timestamptz that depend on the session time zone and the jsonb ordering live in
 * fn_time.c and fn_json.c. Comparison kernels compute every row, NULL or not: the inputs of a NULL row
 * are initialised (zero) memory and the result is masked by the NULL bitmap, and a loop without
 * branches vectorises.
 */
#include <math.h>
#include <string.h>

#include "sql/datetime.h"
#include "sql/fn_int.h"
#include "sql/numeric.h"

/* One kernel: out[i] = EXPR over a[i], b[i] of member M with element type T. */
#define CMP_KERNEL(name, T, M, EXPR)                                                                         \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        const T *a = args[0].u.M, *b = args[1].u.M;                                                          \
        uint8_t *r = out->u.b;                                                                               \
        uint32_t n = ctx->n;                                                                                 \
        for (uint32_t i = 0; i < n; i++)                                                                     \
            r[i] = (uint8_t)(EXPR);                                                                          \
        return WEIR_OK;                                                                                      \
    }

/* The six operators of a family from a three-way comparison CMP(x, y) (< 0, 0, > 0) and an equality
 * test EQ(x, y) that may be cheaper than the full comparison. */
#define CMP_FAMILY(fam, T, M, CMP, EQ)                                                                       \
    CMP_KERNEL(fn_cmp_##fam##_eq, T, M, EQ(a[i], b[i]))                                                      \
    CMP_KERNEL(fn_cmp_##fam##_ne, T, M, !EQ(a[i], b[i]))                                                     \
    CMP_KERNEL(fn_cmp_##fam##_lt, T, M, CMP(a[i], b[i]) < 0)                                                 \
    CMP_KERNEL(fn_cmp_##fam##_le, T, M, CMP(a[i], b[i]) <= 0)                                                \
    CMP_KERNEL(fn_cmp_##fam##_gt, T, M, CMP(a[i], b[i]) > 0)                                                 \
    CMP_KERNEL(fn_cmp_##fam##_ge, T, M, CMP(a[i], b[i]) >= 0)

/* --- integers: plain operators so the compiler vectorises the loops ------------------------------ */

CMP_KERNEL(fn_cmp_int_eq, int64_t, i, a[i] == b[i])
CMP_KERNEL(fn_cmp_int_ne, int64_t, i, a[i] != b[i])
CMP_KERNEL(fn_cmp_int_lt, int64_t, i, a[i] < b[i])
CMP_KERNEL(fn_cmp_int_le, int64_t, i, a[i] <= b[i])
CMP_KERNEL(fn_cmp_int_gt, int64_t, i, a[i] > b[i])
CMP_KERNEL(fn_cmp_int_ge, int64_t, i, a[i] >= b[i])

CMP_KERNEL(fn_cmp_bool_eq, uint8_t, b, a[i] == b[i])
CMP_KERNEL(fn_cmp_bool_ne, uint8_t, b, a[i] != b[i])
CMP_KERNEL(fn_cmp_bool_lt, uint8_t, b, a[i] < b[i])
CMP_KERNEL(fn_cmp_bool_le, uint8_t, b, a[i] <= b[i])
CMP_KERNEL(fn_cmp_bool_gt, uint8_t, b, a[i] > b[i])
CMP_KERNEL(fn_cmp_bool_ge, uint8_t, b, a[i] >= b[i])

/* --- floats: NaN is equal to itself and above everything ---------------------------------------- */

static inline int float_cmp(double x, double y)
{
    if (isnan(x))
        return isnan(y) ? 0 : 1;
    if (isnan(y))
        return -1;
    return (x > y) - (x < y);
}
#define FLOAT_EQ(x, y) ((x) == (y) || (isnan(x) && isnan(y)))
CMP_FAMILY(float, double, f, float_cmp, FLOAT_EQ)

/* --- strings: C collation ------------------------------------------------------------------------ */

static inline int text_cmp(Slice x, Slice y)
{
    size_t n = x.n < y.n ? x.n : y.n;
    int c = n ? memcmp(x.p, y.p, n) : 0;
    if (c)
        return c;
    return (x.n > y.n) - (x.n < y.n);
}
static inline int text_eq(Slice x, Slice y)
{
    return x.n == y.n && (x.n == 0 || memcmp(x.p, y.p, x.n) == 0);
}
CMP_FAMILY(text, Slice, s, text_cmp, text_eq)

/* character(n): the value without its trailing spaces (bcTruelen). */
static inline Slice bpchar_true(Slice s)
{
    while (s.n && s.p[s.n - 1] == ' ')
        s.n--;
    return s;
}
static inline int bpchar_cmp(Slice x, Slice y)
{
    return text_cmp(bpchar_true(x), bpchar_true(y));
}
static inline int bpchar_eq(Slice x, Slice y)
{
    return text_eq(bpchar_true(x), bpchar_true(y));
}
CMP_FAMILY(bpchar, Slice, s, bpchar_cmp, bpchar_eq)

/* --- intervals and numeric: datetime.c and numeric.c own these orders ----------------------------- */

#define IV_CMP(x, y) sql_interval_cmp(&(x), &(y))
#define IV_EQ(x, y) (sql_interval_cmp(&(x), &(y)) == 0)
CMP_FAMILY(interval, SqlInterval, iv, IV_CMP, IV_EQ)

#define NUM_CMP(x, y) sql_numeric_cmp(&(x), &(y))
#define NUM_EQ(x, y) (sql_numeric_cmp(&(x), &(y)) == 0)
CMP_FAMILY(numeric, SqlNumeric, num, NUM_CMP, NUM_EQ)

/* --- date against timestamp without time zone ----------------------------------------------------- */

/* Midnight of date d as a timestamp, with PostgreSQL's overflow rule (date2timestamp_opt_overflow): a
 * date past the timestamp range compares above every finite timestamp and below infinity, so it maps
 * to the largest (smallest) finite value here, and infinite dates map to infinite timestamps. */
static inline int64_t date_as_ts(int64_t d)
{
    if (d == SQL_DT_NOBEGIN || d == SQL_DT_NOEND)
        return d;
    /* the timestamp range ends at 294277-01-01 (PostgreSQL's END_TIMESTAMP), 106,751,983 days after
     * 2000-01-01; it starts at 4714-11-24 BC, 2,451,545 days before */
    if (d >= 106751983)
        return SQL_DT_NOEND - 1;
    if (d < -2451545)
        return SQL_DT_NOBEGIN + 1;
    return d * SQL_USEC_PER_DAY;
}
static inline int i64_cmp(int64_t x, int64_t y)
{
    return (x > y) - (x < y);
}
#define DTS_CMP(x, y) i64_cmp(date_as_ts(x), (y))
#define DTS_EQ(x, y) (date_as_ts(x) == (y))
CMP_FAMILY(date_ts, int64_t, i, DTS_CMP, DTS_EQ)
#define TSD_CMP(x, y) i64_cmp((x), date_as_ts(y))
#define TSD_EQ(x, y) ((x) == date_as_ts(y))
CMP_FAMILY(ts_date, int64_t, i, TSD_CMP, TSD_EQ)
