/*
 * datetime.h: calendar arithmetic and PostgreSQL 15's date/time semantics for weir's DATE, TIME,
 * TIMESTAMP, TIMESTAMPTZ and INTERVAL values (representations in sql/types.h).
 *
 * Two files implement it:
 *   datetime.c     calendar (Julian day numbers as PostgreSQL's date2j/j2date), breaking timestamps into
 *                  fields in a zone and back, timestamp +/- interval with PostgreSQL's month/day/usec
 *                  rules, interval arithmetic and justify_*, date_trunc, extract/date_part, age.
 *   datetime_io.c  text input (PostgreSQL's ParseDateTime/DecodeDateTime/DecodeInterval token rules,
 *                  ISO 8601 intervals) and text output (EncodeDateTime/EncodeInterval in every DateStyle
 *                  and IntervalStyle).
 *
 * Conventions: a timestamp is microseconds since 2000-01-01 00:00 (UTC for timestamptz); a date is days
 * since 2000-01-01; +-infinity are INT64_MAX / INT64_MIN for both (PostgreSQL keeps dates in int32 and
 * uses INT32_MIN/MAX; weir widens them to int64 and maps the infinities accordingly). Years are
 * astronomical inside SqlTm (0 = 1 BC, -1 = 2 BC); BC appears only in text. Zone offsets are seconds EAST
 * of Greenwich everywhere in this API (PostgreSQL's internal "tz" is west; the flip happens inside).
 *
 * Errors: fallible functions return WEIR_OK or WEIR_ERROR with err (may be NULL) filled through
 * sql_error_set: 22008 "timestamp out of range", "date out of range", "interval out of range";
 * 22007/22008/22009/22015 for text input as PostgreSQL's DateTimeParseError; 22023 and 0A000 for units.
 */
#ifndef WEIR_SQL_DATETIME_H
#define WEIR_SQL_DATETIME_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "sql/numeric.h"
#include "sql/typeio.h"
#include "sql/types.h"
#include "sql/tz.h"

/* Julian day numbers and the ranges of PostgreSQL 15 (datatype/timestamp.h). */
#define SQL_POSTGRES_EPOCH_JDATE 2451545
#define SQL_UNIX_EPOCH_JDATE 2440588
#define SQL_DATE_END_JULIAN 2147483494  /* 5874898-01-01 */
#define SQL_TIMESTAMP_END_JULIAN 109203528 /* 294277-01-01 */
#define SQL_MIN_TIMESTAMP INT64_C(-211813488000000000) /* 4714-11-24 00:00 BC */
#define SQL_END_TIMESTAMP INT64_C(9223371331200000000) /* 294277-01-01 00:00 */
#define SQL_USEC_PER_HOUR INT64_C(3600000000)
#define SQL_USEC_PER_MINUTE INT64_C(60000000)

/* A broken-down time, PostgreSQL's struct pg_tm plus fractional seconds. */
typedef struct SqlTm {
    int year;          /* astronomical year */
    int mon;           /* 1..12 */
    int mday;          /* 1..31 */
    int hour, min, sec;
    int32_t usec;      /* 0..999999 */
    int isdst;         /* -1 when no zone was applied */
    int32_t gmtoff;    /* seconds east, when a zone was applied */
    const char *zone;  /* abbreviation ("CEST"), borrowed from the zone (lives forever), or NULL */
} SqlTm;

/* --- calendar ------------------------------------------------------------------------------------- */

int sql_date2j(int y, int m, int d);
void sql_j2date(int jd, int *y, int *m, int *d);
int sql_j2day(int jd); /* 0 = Sunday */
int sql_is_leap(int y);
int sql_days_in_month(int y, int m);
/* PostgreSQL's IS_VALID_JULIAN: 4714-11-24 BC .. 5874898-06-03 (day not checked, as there). */
int sql_julian_valid(int y, int m, int d);
int sql_date_valid(int64_t d);      /* IS_VALID_DATE */
int sql_timestamp_valid(int64_t t); /* IS_VALID_TIMESTAMP */
int sql_date2isoweek(int y, int m, int d);
int sql_date2isoyear(int y, int m, int d);

/* --- timestamps and fields ----------------------------------------------------------------------- */

/* Break ts into fields: in zone tz (timestamptz; fills isdst, gmtoff, zone) or as is when tz is NULL
 * (timestamp). Returns 0, or -1 when ts is infinite or outside the Julian range. */
int sql_timestamp2tm(int64_t ts, const SqlTz *tz, SqlTm *tm);
/* Fields to a timestamp: local time minus east_offset seconds. -1 when out of range. */
int sql_tm2timestamp(const SqlTm *tm, int32_t east_offset, int64_t *out);
/* The offset (east) of local time tm in zone tz, resolving DST gaps/overlaps as PostgreSQL; sets
 * tm->isdst when it can. Out-of-range dates get 0 (UTC), as PostgreSQL. */
int32_t sql_tm_zone_offset(SqlTm *tm, const SqlTz *tz);

/* Conversions between date/time types as PostgreSQL's casts. Timestamps in zone tz where it matters. */
int sql_date_to_timestamp(int64_t d, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_date_to_timestamptz(int64_t d, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamp_to_date(int64_t ts, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamptz_to_date(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamp_to_timestamptz(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamptz_to_timestamp(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
/* time of day (usec since midnight) of a timestamp / timestamptz in tz */
int sql_timestamp_to_time(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
/* Round to typmod fractional digits (timestamp(p), time(p)); -1 = none. Half away from zero. */
int sql_timestamp_apply_typmod(int64_t *ts, int32_t typmod, SqlError *err) WEIR_WARN_UNUSED;
void sql_time_apply_typmod(int64_t *t, int32_t typmod);

/* --- arithmetic ----------------------------------------------------------------------------------- */

/* ts + iv: months first (same day of month, clamped to the month's end), then days (same local time of
 * day: DST aware for timestamptz, in zone tz), then microseconds. tz NULL: timestamp without zone. */
int sql_timestamp_pl_interval(int64_t ts, const SqlInterval *iv, const SqlTz *tz, int64_t *out,
                              SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamp_mi_interval(int64_t ts, const SqlInterval *iv, const SqlTz *tz, int64_t *out,
                              SqlError *err) WEIR_WARN_UNUSED;
/* ts1 - ts2 as an interval of days and time (justify_hours applied, as PostgreSQL). */
int sql_timestamp_mi(int64_t ts1, int64_t ts2, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
/* date + integer days, date - integer days ("date out of range"). */
int sql_date_pl_days(int64_t d, int64_t days, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
/* age(ts1, ts2): symbolic year/month/day difference; tz NULL for timestamp, else the session zone. */
int sql_timestamp_age(int64_t ts1, int64_t ts2, const SqlTz *tz, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;

int sql_interval_add(const SqlInterval *a, const SqlInterval *b, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_sub(const SqlInterval *a, const SqlInterval *b, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_neg(const SqlInterval *a, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
/* interval * float8 and / float8 with PostgreSQL's cascade of fractional months and days. */
int sql_interval_mul(const SqlInterval *a, double f, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_div(const SqlInterval *a, double f, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_justify_hours(const SqlInterval *a, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_justify_days(const SqlInterval *a, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_justify_interval(const SqlInterval *a, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;
/* Comparison and hash on the linear value (1 month = 30 days, 1 day = 24 h), as PostgreSQL: '1 mon' =
 * '30 days'. */
int sql_interval_cmp(const SqlInterval *a, const SqlInterval *b);
uint64_t sql_interval_hash(const SqlInterval *a);

/* --- date_trunc, extract -------------------------------------------------------------------------- */

/* date_trunc(unit, ts [, zone]): tz NULL for timestamp; for timestamptz the zone to truncate in.
 * Unit names as PostgreSQL (case-insensitive: microseconds ... millennium, week). Errors 22023 "unit
 * \"x\" not recognized for type ...", 0A000 "not supported". Infinite inputs come back unchanged. */
int sql_date_trunc(const char *unit, int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_trunc(const char *unit, const SqlInterval *iv, SqlInterval *out, SqlError *err) WEIR_WARN_UNUSED;

/* extract(field FROM v) (numeric result, PostgreSQL 14+) or date_part (float8 result). type is the
 * argument's type (DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL); v its value (ints in v->u.i, interval
 * in v->u.iv); tz the session zone for TIMESTAMPTZ. *is_null is set for infinite inputs of oscillating
 * fields, as PostgreSQL returns NULL there. Exactly one of num/dbl is non-NULL. */
int sql_extract(const char *field, SqlTypeId type, const SqlValue *v, const SqlTz *tz, SqlNumeric *num,
                double *dbl, int *is_null, SqlError *err) WEIR_WARN_UNUSED;

/* --- text (datetime_io.c) ------------------------------------------------------------------------- */

/* Longest output of any of the formats below, NUL included. */
#define SQL_DATETIME_TEXT_MAX 128

/* Input as date_in / time_in / timestamp_in / timestamptz_in / interval_in. now_usec: the current time
 * (microseconds since 2000) for 'now', 'today', 'tomorrow', 'yesterday'. */
int sql_date_from_text(const char *p, size_t n, const SqlFormatOpts *o, int64_t now_usec, int64_t *out,
                       SqlError *err) WEIR_WARN_UNUSED;
int sql_timeofday_from_text(const char *p, size_t n, const SqlFormatOpts *o, int64_t now_usec, int64_t *out,
                            SqlError *err) WEIR_WARN_UNUSED;
int sql_timestamp_from_text(const char *p, size_t n, int with_tz, const SqlFormatOpts *o, int64_t now_usec,
                            int64_t *out, SqlError *err) WEIR_WARN_UNUSED;
int sql_interval_from_text(const char *p, size_t n, const SqlFormatOpts *o, SqlInterval *out,
                           SqlError *err) WEIR_WARN_UNUSED;

/* Output as date_out / time_out / timestamp_out / timestamptz_out / interval_out into buf (at least
 * SQL_DATETIME_TEXT_MAX bytes), NUL-terminated; return the length. */
size_t sql_date_to_text(int64_t d, const SqlFormatOpts *o, char *buf);
size_t sql_timeofday_to_text(int64_t usec, char *buf);
size_t sql_timestamp_to_text(int64_t ts, int with_tz, const SqlFormatOpts *o, char *buf);
size_t sql_interval_to_text(const SqlInterval *iv, int style, char *buf);

/* Unit keyword lookup shared by date_trunc/extract and interval input (PostgreSQL's DecodeUnits and
 * DecodeSpecial tables). Returns a SQL_DTK_* code or -1. */
enum {
    SQL_DTK_MICROSEC = 1, SQL_DTK_MILLISEC, SQL_DTK_SECOND, SQL_DTK_MINUTE, SQL_DTK_HOUR, SQL_DTK_DAY,
    SQL_DTK_WEEK, SQL_DTK_MONTH, SQL_DTK_QUARTER, SQL_DTK_YEAR, SQL_DTK_DECADE, SQL_DTK_CENTURY,
    SQL_DTK_MILLENNIUM, SQL_DTK_TZ, SQL_DTK_TZ_HOUR, SQL_DTK_TZ_MINUTE, SQL_DTK_EPOCH, SQL_DTK_DOW,
    SQL_DTK_ISODOW, SQL_DTK_DOY, SQL_DTK_JULIAN, SQL_DTK_ISOYEAR,
};
int sql_dt_unit(const char *lower);

/* Current time as microseconds since 2000-01-01 UTC (wall clock). */
int64_t sql_now_usec(void);

#endif
