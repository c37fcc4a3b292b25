/*
 * fn_time.c: date/time functions and operators: now() and friends, date_trunc, date_bin, date_part and
 * extract, age, justify_*, make_date/make_time/make_timestamp(tz)/make_interval, isfinite, to_timestamp
 * (epoch seconds), timezone() / AT TIME ZONE, the + - * / operators between dates, times, timestamps
 * and intervals, and the comparisons that involve timestamptz and so the session time zone. to_char,
 * to_timestamp(text, format) and to_date are in fn_tochar.c.
 *
 * The calendar and PostgreSQL's rules (month arithmetic clamping to the month's end, DST-aware day
 * arithmetic for timestamptz, field extraction, truncation) are datetime.c's (sql/datetime.h); this file
 * maps vectors onto them, with the session time zone from ctx->fmt->tz where PostgreSQL uses the
 * session's TimeZone (timestamptz arithmetic by days or months, date_trunc, extract, date <-> timestamptz).
 *
 * Units and zone names arrive as text; a unit or zone that is the same on consecutive rows (a constant,
 * in practice) is resolved once: zones through a one-entry cache, because sql_tz_get_zone takes a lock.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sql/datetime.h"
#include "sql/fn_int.h"
#include "sql/numeric.h"
#include "sql/tz.h"

/* A unit or zone name from text, NUL-terminated and truncated (PostgreSQL truncates identifiers to 63). */
static void name_copy(Slice s, char *buf, size_t cap)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(buf, s.p, n);
    buf[n] = '\0';
}

static const SqlTz *session_tz(const SqlFnCtx *ctx)
{
    return ctx->fmt && ctx->fmt->tz ? ctx->fmt->tz : sql_tz_utc();
}

/* Zone lookup with a one-entry cache (the zone argument is nearly always a constant). */
typedef struct ZoneCache {
    Slice last;
    const SqlTz *tz;
} ZoneCache;

static const SqlTz *zone_get(SqlFnCtx *ctx, ZoneCache *zc, Slice name)
{
    if (zc->tz && name.n == zc->last.n && (name.n == 0 || memcmp(name.p, zc->last.p, name.n) == 0))
        return zc->tz;
    char buf[128];
    name_copy(name, buf, sizeof(buf));
    const SqlTz *tz = sql_tz_get_zone(buf);
    if (!tz) {
        sql_error_set(ctx->err, "22023", 0, "time zone \"%s\" not recognized", buf);
        return NULL;
    }
    zc->last = name;
    zc->tz = tz;
    return tz;
}

/* ------------------------------------------------------------------------------------------------
 * Current time
 * ---------------------------------------------------------------------------------------------- */

static void fill_i64(SqlFnCtx *ctx, Vec *out, int64_t v)
{
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.i[i] = v;
}

/* now(), current_timestamp, transaction_timestamp(), statement_timestamp(): the statement's start. */
SQL_FN_KERNEL(fn_now)
{
    UNUSED(n_args);
    UNUSED(args);
    fill_i64(ctx, out, ctx->stmt_time_usec);
    return WEIR_OK;
}

/* clock_timestamp(): the wall clock at the call. */
SQL_FN_KERNEL(fn_clock_timestamp)
{
    UNUSED(n_args);
    UNUSED(args);
    fill_i64(ctx, out, sql_now_usec());
    return WEIR_OK;
}

/* current_date: the statement's start as a date in the session zone. */
SQL_FN_KERNEL(fn_current_date)
{
    UNUSED(n_args);
    UNUSED(args);
    int64_t d;
    if (sql_timestamptz_to_date(ctx->stmt_time_usec, session_tz(ctx), &d, ctx->err))
        return WEIR_ERROR;
    fill_i64(ctx, out, d);
    return WEIR_OK;
}

/* localtimestamp: the statement's start as local wall-clock time. */
SQL_FN_KERNEL(fn_localtimestamp)
{
    UNUSED(n_args);
    UNUSED(args);
    int64_t t;
    if (sql_timestamptz_to_timestamp(ctx->stmt_time_usec, session_tz(ctx), &t, ctx->err))
        return WEIR_ERROR;
    fill_i64(ctx, out, t);
    return WEIR_OK;
}

/* localtime / current_time without zone: the time of day of the statement's start. */
SQL_FN_KERNEL(fn_localtime)
{
    UNUSED(n_args);
    UNUSED(args);
    int64_t t;
    if (sql_timestamp_to_time(ctx->stmt_time_usec, session_tz(ctx), &t, ctx->err))
        return WEIR_ERROR;
    fill_i64(ctx, out, t);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * date_trunc, date_bin, date_part, extract
 * ---------------------------------------------------------------------------------------------- */

/* The length of a unit that date_trunc can apply as a plain floor division (microseconds .. day), or 0. */
static int64_t trunc_fixed_unit(const char *unit)
{
    char low[64];
    size_t k = 0;
    for (; unit[k] && k + 1 < sizeof(low); k++)
        low[k] = (char)(unit[k] >= 'A' && unit[k] <= 'Z' ? unit[k] + 32 : unit[k]);
    low[k] = '\0';
    switch (sql_dt_unit(low)) {
    case SQL_DTK_MICROSEC:
        return 1;
    case SQL_DTK_MILLISEC:
        return 1000;
    case SQL_DTK_SECOND:
        return SQL_USEC_PER_SEC;
    case SQL_DTK_MINUTE:
        return SQL_USEC_PER_MINUTE;
    case SQL_DTK_HOUR:
        return SQL_USEC_PER_HOUR;
    case SQL_DTK_DAY:
        return SQL_USEC_PER_DAY;
    default:
        return 0;
    }
}

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* date_trunc(unit, timestamp | timestamptz [, zone]). In a zone whose offset never changes (UTC, the
 * default, or a fixed offset) and for units up to a day, truncation is a floor division on the local
 * time, which is what every row of "GROUP BY date_trunc('minute', ts)" needs; other cases go through
 * datetime.c's field-by-field truncation. */
static int trunc_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int with_tz)
{
    const Slice *unit = args[0].u.s;
    const int64_t *ts = args[1].u.i;
    ZoneCache zc = {{NULL, 0}, NULL};
    char ubuf[64];
    Slice last = {NULL, 0};
    int64_t fixed_unit = 0;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (!last.p || last.n != unit[i].n || memcmp(last.p, unit[i].p, last.n) != 0) {
            name_copy(unit[i], ubuf, sizeof(ubuf));
            last = unit[i].p ? unit[i] : (Slice){(const uint8_t *)"", 0};
            fixed_unit = trunc_fixed_unit(ubuf);
        }
        const SqlTz *tz = NULL;
        if (with_tz) {
            tz = n_args > 2 ? zone_get(ctx, &zc, args[2].u.s[i]) : session_tz(ctx);
            if (!tz)
                return WEIR_ERROR;
        }
        int32_t east = 0;
        int64_t v = ts[i];
        if (fixed_unit && v != SQL_DT_NOBEGIN && v != SQL_DT_NOEND &&
            (!tz || sql_tz_fixed_offset(tz, &east))) {
            int64_t shift = (int64_t)east * SQL_USEC_PER_SEC;
            out->u.i[i] = floor_div(v + shift, fixed_unit) * fixed_unit - shift;
            continue;
        }
        if (sql_date_trunc(ubuf, v, tz, &out->u.i[i], ctx->err))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_date_trunc_ts)
{
    return trunc_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_date_trunc_tstz)
{
    return trunc_kernel(ctx, args, n_args, out, 1);
}

SQL_FN_KERNEL(fn_date_trunc_interval)
{
    UNUSED(n_args);
    char ubuf[64];
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        name_copy(args[0].u.s[i], ubuf, sizeof(ubuf));
        if (sql_interval_trunc(ubuf, &args[1].u.iv[i], &out->u.iv[i], ctx->err))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* date_bin(stride, ts, origin): the start of the stride-wide bin (counted from origin) holding ts.
 * The stride may not contain months or years and must be positive (timestamp_bin). */
SQL_FN_KERNEL(fn_date_bin)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const SqlInterval *st = &args[0].u.iv[i];
        int64_t ts = args[1].u.i[i], origin = args[2].u.i[i];
        if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND || origin == SQL_DT_NOBEGIN || origin == SQL_DT_NOEND)
            return sql_error_set(ctx->err, "0A000", 0, "timestamps cannot be binned into infinite intervals");
        if (st->months != 0)
            return sql_error_set(ctx->err, "0A000", 0,
                                 "timestamps cannot be binned into intervals containing months or years");
        __int128 stride = (__int128)st->days * SQL_USEC_PER_DAY + st->usec;
        if (stride <= 0)
            return sql_error_set(ctx->err, "22008", 0, "stride must be greater than zero");
        if (stride > INT64_MAX)
            return sql_error_set(ctx->err, "22008", 0, "interval out of range");
        __int128 diff = (__int128)ts - origin;
        __int128 tm_delta = diff - diff % stride;
        /* C truncates toward zero: a bin before the origin starts one stride earlier */
        if (diff < 0 && diff % stride != 0)
            tm_delta -= stride;
        __int128 r = (__int128)origin + tm_delta;
        if (r < SQL_MIN_TIMESTAMP || r >= SQL_END_TIMESTAMP)
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
        out->u.i[i] = (int64_t)r;
    }
    return WEIR_OK;
}

/* date_part(field, x) (float8) and extract(field FROM x) (numeric) for every date/time type; the
 * argument's type comes from the vector. */
static int part_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int numeric)
{
    SqlTypeId t = args[1].type.id;
    char fbuf[64];
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        name_copy(args[0].u.s[i], fbuf, sizeof(fbuf));
        SqlValue v;
        vec_get(&args[1], i, &v);
        int is_null = 0;
        int rc = numeric ? sql_extract(fbuf, t, &v, session_tz(ctx), &out->u.num[i], NULL, &is_null, ctx->err)
                         : sql_extract(fbuf, t, &v, session_tz(ctx), NULL, &out->u.f[i], &is_null, ctx->err);
        if (rc)
            return WEIR_ERROR;
        if (is_null && fn_set_null(ctx, out, i))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_date_part)
{
    UNUSED(n_args);
    return part_kernel(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_extract)
{
    UNUSED(n_args);
    return part_kernel(ctx, args, out, 1);
}

/* ------------------------------------------------------------------------------------------------
 * age, justify_*, isfinite
 * ---------------------------------------------------------------------------------------------- */

/* age(a, b) on timestamps (tz NULL) or timestamptz (session zone); age(a) is age(midnight today, a). */
static int age_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int with_tz)
{
    const SqlTz *tz = with_tz ? session_tz(ctx) : NULL;
    int64_t today = 0;
    if (n_args == 1) {
        /* the midnight of current_date, as timestamp or in the session zone */
        int64_t d;
        if (sql_timestamptz_to_date(ctx->stmt_time_usec, session_tz(ctx), &d, ctx->err))
            return WEIR_ERROR;
        if (with_tz ? sql_date_to_timestamptz(d, tz, &today, ctx->err)
                    : sql_date_to_timestamp(d, &today, ctx->err))
            return WEIR_ERROR;
    }
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t a = n_args == 1 ? today : args[0].u.i[i];
        int64_t b = n_args == 1 ? args[0].u.i[i] : args[1].u.i[i];
        if (sql_timestamp_age(a, b, tz, &out->u.iv[i], ctx->err))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_age_ts)
{
    return age_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_age_tstz)
{
    return age_kernel(ctx, args, n_args, out, 1);
}

#define IV_UNARY(name, F)                                                                                    \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            if (!fn_skip(out, i) && F(&args[0].u.iv[i], &out->u.iv[i], ctx->err))                            \
                return WEIR_ERROR;                                                                           \
        return WEIR_OK;                                                                                      \
    }
IV_UNARY(fn_justify_days, sql_interval_justify_days)
IV_UNARY(fn_justify_hours, sql_interval_justify_hours)
IV_UNARY(fn_justify_interval, sql_interval_justify_interval)
IV_UNARY(fn_interval_um, sql_interval_neg)

SQL_FN_KERNEL(fn_isfinite_dt)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.b[i] = args[0].u.i[i] != SQL_DT_NOBEGIN && args[0].u.i[i] != SQL_DT_NOEND;
    return WEIR_OK;
}

/* Intervals are always finite in PostgreSQL 15. */
SQL_FN_KERNEL(fn_isfinite_interval)
{
    UNUSED(n_args);
    UNUSED(args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.b[i] = 1;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Constructors
 * ---------------------------------------------------------------------------------------------- */

static int field_range_error(SqlFnCtx *ctx, int y, int m, int d)
{
    return sql_error_set(ctx->err, "22008", 0, "date field value out of range: %d-%02d-%02d", y, m, d);
}

/* Fields to a date: a negative year means BC (make_date(-44, 3, 15) is 0044-03-15 BC); year 0 fails. */
static int make_date_value(SqlFnCtx *ctx, int64_t y, int64_t m, int64_t d, int64_t *out)
{
    if (y == 0 || y < -4800 || y > 5874898 || m < 1 || m > 12 || d < 1 || d > 31) {
        if (y == 0 || m < 1 || m > 12 || d < 1 || d > 31)
            return field_range_error(ctx, (int)y, (int)m, (int)d);
        return sql_error_set(ctx->err, "22008", 0, "date out of range: %d-%02d-%02d", (int)y, (int)m, (int)d);
    }
    int year = y < 0 ? (int)y + 1 : (int)y;
    if (d > sql_days_in_month(year, (int)m))
        return field_range_error(ctx, (int)y, (int)m, (int)d);
    if (!sql_julian_valid(year, (int)m, (int)d))
        return sql_error_set(ctx->err, "22008", 0, "date out of range: %d-%02d-%02d", (int)y, (int)m, (int)d);
    int64_t v = (int64_t)sql_date2j(year, (int)m, (int)d) - SQL_POSTGRES_EPOCH_JDATE;
    if (!sql_date_valid(v))
        return sql_error_set(ctx->err, "22008", 0, "date out of range: %d-%02d-%02d", (int)y, (int)m, (int)d);
    *out = v;
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_make_date)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) &&
            make_date_value(ctx, args[0].u.i[i], args[1].u.i[i], args[2].u.i[i], &out->u.i[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* Time of day from hour, minute and fractional seconds (make_time's checks: 24:00:00 allowed). */
static int make_time_value(SqlFnCtx *ctx, int64_t h, int64_t mi, double sec, int64_t *out)
{
    if (h < 0 || h > 24 || mi < 0 || mi > 59 || !(sec >= 0 && sec <= 60) || (h == 24 && (mi > 0 || sec > 0)))
        return sql_error_set(ctx->err, "22008", 0, "time field value out of range: %d:%02d:%02g", (int)h,
                             (int)mi, sec);
    *out = (h * 3600 + mi * 60) * SQL_USEC_PER_SEC + (int64_t)rint(sec * SQL_USEC_PER_SEC);
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_make_time)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) &&
            make_time_value(ctx, args[0].u.i[i], args[1].u.i[i], args[2].u.f[i], &out->u.i[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* make_timestamp(y, m, d, h, mi, sec) and make_timestamptz(..., [zone]): the local time, then the zone
 * (the session's when none is given) for timestamptz. */
static int make_ts_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int with_tz)
{
    ZoneCache zc = {{NULL, 0}, NULL};
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t d, t;
        if (make_date_value(ctx, args[0].u.i[i], args[1].u.i[i], args[2].u.i[i], &d))
            return WEIR_ERROR;
        double sec = args[5].u.f[i];
        if (args[3].u.i[i] < 0 || args[3].u.i[i] > 24 || args[4].u.i[i] < 0 || args[4].u.i[i] > 59 ||
            !(sec >= 0 && sec <= 60) || (args[3].u.i[i] == 24 && (args[4].u.i[i] > 0 || sec > 0)))
            return sql_error_set(ctx->err, "22008", 0, "time field value out of range: %d:%02d:%02g",
                                 (int)args[3].u.i[i], (int)args[4].u.i[i], sec);
        t = (args[3].u.i[i] * 3600 + args[4].u.i[i] * 60) * SQL_USEC_PER_SEC +
            (int64_t)rint(sec * SQL_USEC_PER_SEC);
        int64_t local = d * SQL_USEC_PER_DAY + t;
        if (!sql_timestamp_valid(local))
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
        if (!with_tz) {
            out->u.i[i] = local;
            continue;
        }
        const SqlTz *tz = n_args > 6 ? zone_get(ctx, &zc, args[6].u.s[i]) : session_tz(ctx);
        if (!tz || sql_timestamp_to_timestamptz(local, tz, &out->u.i[i], ctx->err))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_make_timestamp)
{
    return make_ts_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_make_timestamptz)
{
    return make_ts_kernel(ctx, args, n_args, out, 1);
}

/* make_interval(years, months, weeks, days, hours, mins, secs): each argument defaults to 0, so the
 * catalog lists every prefix of the argument list. */
SQL_FN_KERNEL(fn_make_interval)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t f[6] = {0, 0, 0, 0, 0, 0};
        double secs = 0;
        for (uint32_t k = 0; k < n_args && k < 6; k++)
            f[k] = args[k].u.i[i];
        if (n_args > 6)
            secs = args[6].u.f[i];
        if (isinf(secs) || isnan(secs))
            return sql_error_set(ctx->err, "22008", 0, "interval out of range");
        __int128 months = (__int128)f[0] * 12 + f[1];
        __int128 days = (__int128)f[2] * 7 + f[3];
        double usec_d = ((double)f[4] * 3600.0 + (double)f[5] * 60.0 + secs) * 1e6;
        if (months > INT32_MAX || months < INT32_MIN || days > INT32_MAX || days < INT32_MIN ||
            !(usec_d >= -9.2233720368547758e18 && usec_d <= 9.2233720368547758e18))
            return sql_error_set(ctx->err, "22008", 0, "interval out of range");
        out->u.iv[i].months = (int32_t)months;
        out->u.iv[i].days = (int32_t)days;
        out->u.iv[i].usec = (int64_t)rint(usec_d);
    }
    return WEIR_OK;
}

/* to_timestamp(float8): Unix epoch seconds to timestamptz, rounded to microseconds. */
SQL_FN_KERNEL(fn_to_timestamp_epoch)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        double s = args[0].u.f[i];
        if (isnan(s))
            return sql_error_set(ctx->err, "22008", 0, "timestamp cannot be NaN");
        if (isinf(s)) {
            out->u.i[i] = s > 0 ? SQL_DT_NOEND : SQL_DT_NOBEGIN;
            continue;
        }
        /* the range check of float8_timestamptz, in seconds since 1970 */
        double lo = (double)SQL_MIN_TIMESTAMP / SQL_USEC_PER_SEC + SQL_PG_EPOCH_UNIX;
        double hi = (double)SQL_END_TIMESTAMP / SQL_USEC_PER_SEC + SQL_PG_EPOCH_UNIX;
        if (s < lo || s >= hi)
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range: \"%g\"", s);
        double us = rint((s - SQL_PG_EPOCH_UNIX) * 1e6);
        out->u.i[i] = (int64_t)us;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * timezone(zone, value) / value AT TIME ZONE zone
 * ---------------------------------------------------------------------------------------------- */

/* timezone(text, timestamptz) -> timestamp: the wall clock in that zone. timezone(text, timestamp) ->
 * timestamptz: the wall-clock time read in that zone. */
static int at_zone_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int from_tz)
{
    ZoneCache zc = {{NULL, 0}, NULL};
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const SqlTz *tz = zone_get(ctx, &zc, args[0].u.s[i]);
        if (!tz)
            return WEIR_ERROR;
        int64_t v = args[1].u.i[i];
        int rc = from_tz ? sql_timestamptz_to_timestamp(v, tz, &out->u.i[i], ctx->err)
                         : sql_timestamp_to_timestamptz(v, tz, &out->u.i[i], ctx->err);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_timezone_tstz)
{
    UNUSED(n_args);
    return at_zone_kernel(ctx, args, out, 1);
}
SQL_FN_KERNEL(fn_timezone_ts)
{
    UNUSED(n_args);
    return at_zone_kernel(ctx, args, out, 0);
}

/* timezone(interval, ...): a fixed offset given as an interval (east of UTC); months and days are not
 * allowed (timestamptz_izone). */
static int at_izone_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int from_tz)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const SqlInterval *iv = &args[0].u.iv[i];
        if (iv->months != 0 || iv->days != 0) {
            char b[SQL_DATETIME_TEXT_MAX];
            sql_interval_to_text(iv, SQL_INTERVALSTYLE_POSTGRES, b);
            return sql_error_set(ctx->err, "22023", 0,
                                 "interval time zone \"%s\" must not include months or days", b);
        }
        int64_t v = args[1].u.i[i];
        if (v == SQL_DT_NOBEGIN || v == SQL_DT_NOEND) {
            out->u.i[i] = v;
            continue;
        }
        int64_t r = from_tz ? v + iv->usec : v - iv->usec;
        if (!sql_timestamp_valid(r))
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
        out->u.i[i] = r;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_timezone_iv_tstz)
{
    UNUSED(n_args);
    return at_izone_kernel(ctx, args, out, 1);
}
SQL_FN_KERNEL(fn_timezone_iv_ts)
{
    UNUSED(n_args);
    return at_izone_kernel(ctx, args, out, 0);
}

/* ------------------------------------------------------------------------------------------------
 * Operators
 * ---------------------------------------------------------------------------------------------- */

/* date + int, int + date, date - int */
static int date_pl_kernel(SqlFnCtx *ctx, const int64_t *d, const int64_t *n, int sign, Vec *out)
{
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) && sql_date_pl_days(d[i], sign * n[i], &out->u.i[i], ctx->err))
            return WEIR_ERROR;
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_date_pli)
{
    UNUSED(n_args);
    return date_pl_kernel(ctx, args[0].u.i, args[1].u.i, 1, out);
}
SQL_FN_KERNEL(fn_int_pl_date)
{
    UNUSED(n_args);
    return date_pl_kernel(ctx, args[1].u.i, args[0].u.i, 1, out);
}
SQL_FN_KERNEL(fn_date_mii)
{
    UNUSED(n_args);
    return date_pl_kernel(ctx, args[0].u.i, args[1].u.i, -1, out);
}

/* date - date: days between, as an integer; infinite dates cannot be subtracted. */
SQL_FN_KERNEL(fn_date_mi)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t a = args[0].u.i[i], b = args[1].u.i[i];
        if (a == SQL_DT_NOBEGIN || a == SQL_DT_NOEND || b == SQL_DT_NOBEGIN || b == SQL_DT_NOEND)
            return sql_error_set(ctx->err, "22008", 0, "cannot subtract infinite dates");
        out->u.i[i] = a - b;
    }
    return WEIR_OK;
}

/* timestamp(tz) +/- interval, interval + timestamp(tz), date +/- interval (as timestamp). tz applies to
 * timestamptz: day and month steps keep the local time of day across DST changes. */
static int ts_iv_kernel(SqlFnCtx *ctx, const Vec *tsv, const Vec *ivv, Vec *out, int sign, int with_tz,
                        int from_date)
{
    const SqlTz *tz = with_tz ? session_tz(ctx) : NULL;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t ts = tsv->u.i[i];
        if (from_date && sql_date_to_timestamp(ts, &ts, ctx->err))
            return WEIR_ERROR;
        int rc = sign > 0 ? sql_timestamp_pl_interval(ts, &ivv->u.iv[i], tz, &out->u.i[i], ctx->err)
                          : sql_timestamp_mi_interval(ts, &ivv->u.iv[i], tz, &out->u.i[i], ctx->err);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_ts_pl_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, 1, 0, 0);
}
SQL_FN_KERNEL(fn_interval_pl_ts)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[1], &args[0], out, 1, 0, 0);
}
SQL_FN_KERNEL(fn_ts_mi_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, -1, 0, 0);
}
SQL_FN_KERNEL(fn_tstz_pl_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, 1, 1, 0);
}
SQL_FN_KERNEL(fn_interval_pl_tstz)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[1], &args[0], out, 1, 1, 0);
}
SQL_FN_KERNEL(fn_tstz_mi_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, -1, 1, 0);
}
SQL_FN_KERNEL(fn_date_pl_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, 1, 0, 1);
}
SQL_FN_KERNEL(fn_interval_pl_date)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[1], &args[0], out, 1, 0, 1);
}
SQL_FN_KERNEL(fn_date_mi_interval)
{
    UNUSED(n_args);
    return ts_iv_kernel(ctx, &args[0], &args[1], out, -1, 0, 1);
}

/* timestamp - timestamp (either kind): an interval of days and time. */
SQL_FN_KERNEL(fn_ts_mi)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i) && sql_timestamp_mi(args[0].u.i[i], args[1].u.i[i], &out->u.iv[i], ctx->err))
            return WEIR_ERROR;
    return WEIR_OK;
}

#define IV_BINOP(name, F)                                                                                    \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        for (uint32_t i = 0; i < ctx->n; i++)                                                                \
            if (!fn_skip(out, i) && F(&args[0].u.iv[i], &args[1].u.iv[i], &out->u.iv[i], ctx->err))          \
                return WEIR_ERROR;                                                                           \
        return WEIR_OK;                                                                                      \
    }
IV_BINOP(fn_interval_pl, sql_interval_add)
IV_BINOP(fn_interval_mi, sql_interval_sub)

/* interval * float8, float8 * interval, interval / float8 */
static int iv_scale_kernel(SqlFnCtx *ctx, const Vec *iv, const Vec *f, Vec *out, int divide)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int rc = divide ? sql_interval_div(&iv->u.iv[i], f->u.f[i], &out->u.iv[i], ctx->err)
                        : sql_interval_mul(&iv->u.iv[i], f->u.f[i], &out->u.iv[i], ctx->err);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_interval_mul)
{
    UNUSED(n_args);
    return iv_scale_kernel(ctx, &args[0], &args[1], out, 0);
}
SQL_FN_KERNEL(fn_mul_d_interval)
{
    UNUSED(n_args);
    return iv_scale_kernel(ctx, &args[1], &args[0], out, 0);
}
SQL_FN_KERNEL(fn_interval_div)
{
    UNUSED(n_args);
    return iv_scale_kernel(ctx, &args[0], &args[1], out, 1);
}

/* date + time, time + date: a timestamp. */
static int date_time_kernel(SqlFnCtx *ctx, const int64_t *d, const int64_t *t, Vec *out)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t ts;
        if (sql_date_to_timestamp(d[i], &ts, ctx->err))
            return WEIR_ERROR;
        if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
            out->u.i[i] = ts;
            continue;
        }
        ts += t[i];
        if (!sql_timestamp_valid(ts))
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
        out->u.i[i] = ts;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_datetime_pl)
{
    UNUSED(n_args);
    return date_time_kernel(ctx, args[0].u.i, args[1].u.i, out);
}
SQL_FN_KERNEL(fn_timedate_pl)
{
    UNUSED(n_args);
    return date_time_kernel(ctx, args[1].u.i, args[0].u.i, out);
}

/* time - time: an interval of microseconds. */
SQL_FN_KERNEL(fn_time_mi_time)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        out->u.iv[i].months = 0;
        out->u.iv[i].days = 0;
        out->u.iv[i].usec = args[0].u.i[i] - args[1].u.i[i];
    }
    return WEIR_OK;
}

/* time +/- interval: only the time part of the interval counts, wrapping around midnight. */
static int time_iv_kernel(SqlFnCtx *ctx, const int64_t *t, const SqlInterval *iv, int sign, Vec *out)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        int64_t r = (t[i] + sign * (iv[i].usec % SQL_USEC_PER_DAY)) % SQL_USEC_PER_DAY;
        if (r < 0)
            r += SQL_USEC_PER_DAY;
        out->u.i[i] = r;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_time_pl_interval)
{
    UNUSED(n_args);
    return time_iv_kernel(ctx, args[0].u.i, args[1].u.iv, 1, out);
}
SQL_FN_KERNEL(fn_interval_pl_time)
{
    UNUSED(n_args);
    return time_iv_kernel(ctx, args[1].u.i, args[0].u.iv, 1, out);
}
SQL_FN_KERNEL(fn_time_mi_interval)
{
    UNUSED(n_args);
    return time_iv_kernel(ctx, args[0].u.i, args[1].u.iv, -1, out);
}

/* ------------------------------------------------------------------------------------------------
 * Comparisons that involve timestamptz: the other side is read in the session zone
 * ---------------------------------------------------------------------------------------------- */

/* PostgreSQL compares by converting the date / timestamp to timestamptz in the session zone; values
 * outside the timestamptz range compare as beyond every finite value (the _opt_overflow variants). */
static int64_t as_tstz(SqlFnCtx *ctx, int64_t v, int is_date)
{
    int64_t r;
    SqlError scratch;
    memset(&scratch, 0, sizeof(scratch));
    if (v == SQL_DT_NOBEGIN || v == SQL_DT_NOEND)
        return v;
    int rc = is_date ? sql_date_to_timestamptz(v, session_tz(ctx), &r, &scratch)
                     : sql_timestamp_to_timestamptz(v, session_tz(ctx), &r, &scratch);
    if (rc)
        return v > 0 ? SQL_DT_NOEND - 1 : SQL_DT_NOBEGIN + 1;
    return r;
}

#define TZCMP_KERNEL(name, LDATE, LCONV, RDATE, RCONV, OP)                                                   \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        for (uint32_t i = 0; i < ctx->n; i++) {                                                              \
            if (fn_skip(out, i))                                                                             \
                continue;                                                                                    \
            int64_t a = LCONV ? as_tstz(ctx, args[0].u.i[i], LDATE) : args[0].u.i[i];                        \
            int64_t b = RCONV ? as_tstz(ctx, args[1].u.i[i], RDATE) : args[1].u.i[i];                        \
            out->u.b[i] = a OP b;                                                                            \
        }                                                                                                    \
        return WEIR_OK;                                                                                      \
    }
#define TZCMP_FAMILY(fam, LDATE, LCONV, RDATE, RCONV)                                                        \
    TZCMP_KERNEL(fn_cmp_##fam##_eq, LDATE, LCONV, RDATE, RCONV, ==)                                          \
    TZCMP_KERNEL(fn_cmp_##fam##_ne, LDATE, LCONV, RDATE, RCONV, !=)                                          \
    TZCMP_KERNEL(fn_cmp_##fam##_lt, LDATE, LCONV, RDATE, RCONV, <)                                           \
    TZCMP_KERNEL(fn_cmp_##fam##_le, LDATE, LCONV, RDATE, RCONV, <=)                                          \
    TZCMP_KERNEL(fn_cmp_##fam##_gt, LDATE, LCONV, RDATE, RCONV, >)                                           \
    TZCMP_KERNEL(fn_cmp_##fam##_ge, LDATE, LCONV, RDATE, RCONV, >=)
TZCMP_FAMILY(date_tstz, 1, 1, 0, 0)
TZCMP_FAMILY(tstz_date, 0, 0, 1, 1)
TZCMP_FAMILY(ts_tstz, 0, 1, 0, 0)
TZCMP_FAMILY(tstz_ts, 0, 0, 0, 1)
