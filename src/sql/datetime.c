/*
 * datetime.c: see datetime.h. Calendar math, zone conversion of broken-down times, timestamp and
 * interval arithmetic, date_trunc, extract/date_part and age, following PostgreSQL 15's timestamp.c and
 * datetime.c rule for rule (including their quirks: justify_hours in timestamp - timestamp, month-end
 * clamping in + interval, the float cascade of interval * factor). Text I/O is in datetime_io.c.
 *
 * INTERFACE ROUTINES
 *   calendar      sql_date2j, sql_j2date, sql_j2day, sql_date2isoweek, sql_date2isoyear
 *   fields        sql_timestamp2tm, sql_tm2timestamp, sql_tm_zone_offset, casts between types
 *   arithmetic    sql_timestamp_pl_interval / mi_interval / mi, sql_date_pl_days, sql_timestamp_age,
 *                 sql_interval_{add,sub,neg,mul,div,justify_*,cmp,hash}
 *   fields out    sql_date_trunc, sql_interval_trunc, sql_extract, sql_dt_unit
 */
#include "sql/datetime.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "exec/engine.h"

#define DAYS_PER_MONTH 30
#define SECS_PER_DAY 86400

static const int day_tab[2][12] = {{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
                                   {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}};

static int ts_range(SqlError *err)
{
    return sql_error_set(err, "22008", 0, "timestamp out of range");
}

static int iv_range(SqlError *err)
{
    return sql_error_set(err, "22008", 0, "interval out of range");
}

int64_t sql_now_usec(void)
{
    return clock_now_us() - SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
}

/* ----------------------------------------------------------------------------------------------- */
/* calendar                                                                                          */
/* ----------------------------------------------------------------------------------------------- */

/* PostgreSQL's date2j/j2date (valid for Julian day 0 .. INT_MAX). */
int sql_date2j(int y, int m, int d)
{
    /* In 64 bits: parsers call this before range-checking absurd years (the decode_json fuzzer found
     * "022327684-004T..." overflowing int). Out-of-range results saturate, so the caller's Julian-day
     * range check rejects them. */
    int64_t yy = y, mm = m, julian, century;
    if (mm > 2) {
        mm += 1;
        yy += 4800;
    } else {
        mm += 13;
        yy += 4799;
    }
    century = yy / 100;
    julian = yy * 365 - 32167;
    julian += yy / 4 - century + century / 4;
    julian += 7834 * mm / 256 + d;
    if (julian > INT32_MAX)
        return INT32_MAX;
    if (julian < INT32_MIN)
        return INT32_MIN;
    return (int)julian;
}

void sql_j2date(int jd, int *year, int *month, int *day)
{
    unsigned int julian = (unsigned int)jd, quad, extra;
    int y;
    julian += 32044;
    quad = julian / 146097;
    extra = (julian - quad * 146097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146097;
    quad = julian / 1461;
    julian -= quad * 1461;
    y = (int)(julian * 4 / 1461);
    julian = ((y != 0) ? ((julian + 305) % 365) : ((julian + 306) % 366)) + 123;
    y += (int)quad * 4;
    *year = y - 4800;
    quad = julian * 2141 / 65536;
    *day = (int)(julian - 7834 * quad / 256);
    *month = (int)((quad + 10) % 12 + 1);
}

int sql_j2day(int jd)
{
    int d = (jd + 1) % 7;
    return d < 0 ? d + 7 : d;
}

int sql_is_leap(int y)
{
    return (y % 4 == 0) && ((y % 100 != 0) || (y % 400 == 0));
}

int sql_days_in_month(int y, int m)
{
    return day_tab[sql_is_leap(y)][m - 1];
}

int sql_julian_valid(int y, int m, int d)
{
    (void)d;
    return (y > -4713 || (y == -4713 && m >= 11)) && (y < 5874898 || (y == 5874898 && m < 6));
}

int sql_date_valid(int64_t d)
{
    return d >= -SQL_POSTGRES_EPOCH_JDATE && d < SQL_DATE_END_JULIAN - SQL_POSTGRES_EPOCH_JDATE;
}

int sql_timestamp_valid(int64_t t)
{
    return t >= SQL_MIN_TIMESTAMP && t < SQL_END_TIMESTAMP;
}

int sql_date2isoweek(int year, int mon, int mday)
{
    int dayn = sql_date2j(year, mon, mday);
    int day4 = sql_date2j(year, 1, 4);
    int day0 = sql_j2day(day4 - 1);
    if (dayn < day4 - day0) {
        day4 = sql_date2j(year - 1, 1, 4);
        day0 = sql_j2day(day4 - 1);
    }
    double result = (dayn - (day4 - day0)) / 7 + 1;
    if (result >= 52) {
        day4 = sql_date2j(year + 1, 1, 4);
        day0 = sql_j2day(day4 - 1);
        if (dayn >= day4 - day0)
            result = (dayn - (day4 - day0)) / 7 + 1;
    }
    return (int)result;
}

int sql_date2isoyear(int year, int mon, int mday)
{
    int dayn = sql_date2j(year, mon, mday);
    int day4 = sql_date2j(year, 1, 4);
    int day0 = sql_j2day(day4 - 1);
    if (dayn < day4 - day0) {
        day4 = sql_date2j(year - 1, 1, 4);
        day0 = sql_j2day(day4 - 1);
        year--;
    }
    double result = (dayn - (day4 - day0)) / 7 + 1;
    if (result >= 52) {
        day4 = sql_date2j(year + 1, 1, 4);
        day0 = sql_j2day(day4 - 1);
        if (dayn >= day4 - day0)
            year++;
    }
    return year;
}

static int isoweek2j(int year, int week)
{
    int day4 = sql_date2j(year, 1, 4);
    int day0 = sql_j2day(day4 - 1);
    return ((week - 1) * 7) + (day4 - day0);
}

/* ----------------------------------------------------------------------------------------------- */
/* fields                                                                                            */
/* ----------------------------------------------------------------------------------------------- */

static void usec2time(int64_t t, SqlTm *tm)
{
    tm->hour = (int)(t / SQL_USEC_PER_HOUR);
    t -= (int64_t)tm->hour * SQL_USEC_PER_HOUR;
    tm->min = (int)(t / SQL_USEC_PER_MINUTE);
    t -= (int64_t)tm->min * SQL_USEC_PER_MINUTE;
    tm->sec = (int)(t / SQL_USEC_PER_SEC);
    tm->usec = (int32_t)(t - (int64_t)tm->sec * SQL_USEC_PER_SEC);
}

/* The calendar fields of ts taken as local time (no zone). */
static int ts_fields(int64_t ts, SqlTm *tm)
{
    int64_t date = ts / SQL_USEC_PER_DAY, time = ts - date * SQL_USEC_PER_DAY;
    if (time < 0) {
        time += SQL_USEC_PER_DAY;
        date -= 1;
    }
    date += SQL_POSTGRES_EPOCH_JDATE;
    if (date < 0 || date > INT32_MAX)
        return -1;
    sql_j2date((int)date, &tm->year, &tm->mon, &tm->mday);
    usec2time(time, tm);
    return 0;
}

/* timestamp2tm without the infinity check: PostgreSQL 15's age() breaks +-infinity down as the huge
 * numbers they are, and so must we to give its answers. */
static int tm_raw(int64_t ts, const SqlTz *tz, SqlTm *tm)
{
    if (!tz) {
        if (ts_fields(ts, tm) != 0)
            return -1;
        tm->isdst = -1;
        tm->gmtoff = 0;
        tm->zone = NULL;
        return 0;
    }
    /* seconds of the instant, floored, and the microseconds within that second; kept apart so that
     * adding the zone offset cannot overflow even at the ends of the int64 range */
    int64_t secs = ts / SQL_USEC_PER_SEC, usec = ts % SQL_USEC_PER_SEC;
    if (usec < 0) {
        usec += SQL_USEC_PER_SEC;
        secs -= 1;
    }
    const char *abbr = NULL;
    int32_t off = sql_tz_offset_at(tz, secs + SQL_PG_EPOCH_UNIX, &abbr);
    int64_t local = secs + off;
    int64_t date = local / SECS_PER_DAY, sod = local % SECS_PER_DAY;
    if (sod < 0) {
        sod += SECS_PER_DAY;
        date -= 1;
    }
    date += SQL_POSTGRES_EPOCH_JDATE;
    if (date < 0 || date > INT32_MAX)
        return -1;
    sql_j2date((int)date, &tm->year, &tm->mon, &tm->mday);
    usec2time(sod * SQL_USEC_PER_SEC + usec, tm);
    tm->gmtoff = off;
    tm->zone = abbr;
    /* isdst: only whether a zone applied matters to callers (EncodeDateTime prints a zone if >= 0) */
    tm->isdst = 0;
    return 0;
}

int sql_timestamp2tm(int64_t ts, const SqlTz *tz, SqlTm *tm)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND)
        return -1;
    return tm_raw(ts, tz, tm);
}

int sql_tm2timestamp(const SqlTm *tm, int32_t east, int64_t *out)
{
    if (!sql_julian_valid(tm->year, tm->mon, tm->mday))
        return -1;
    int64_t date = sql_date2j(tm->year, tm->mon, tm->mday) - SQL_POSTGRES_EPOCH_JDATE;
    int64_t time = ((int64_t)tm->hour * 60 + tm->min) * 60 * SQL_USEC_PER_SEC + (int64_t)tm->sec * SQL_USEC_PER_SEC +
                   tm->usec;
    int64_t r;
    if (__builtin_mul_overflow(date, SQL_USEC_PER_DAY, &r) || __builtin_add_overflow(r, time, &r))
        return -1;
    if (__builtin_sub_overflow(r, (int64_t)east * SQL_USEC_PER_SEC, &r))
        return -1;
    if (!sql_timestamp_valid(r))
        return -1;
    *out = r;
    return 0;
}

int32_t sql_tm_zone_offset(SqlTm *tm, const SqlTz *tz)
{
    if (!sql_julian_valid(tm->year, tm->mon, tm->mday)) {
        tm->isdst = 0;
        return 0;
    }
    int64_t days = (int64_t)sql_date2j(tm->year, tm->mon, tm->mday) - SQL_UNIX_EPOCH_JDATE;
    int64_t local = days * SECS_PER_DAY + tm->sec + (tm->min + tm->hour * 60) * 60;
    tm->isdst = 0;
    return sql_tz_offset_for_local(tz, local);
}

int sql_date_to_timestamp(int64_t d, int64_t *out, SqlError *err)
{
    if (d == SQL_DT_NOBEGIN || d == SQL_DT_NOEND) {
        *out = d;
        return WEIR_OK;
    }
    /* PostgreSQL: dates past the timestamp range fail ("date out of range for timestamp") */
    if (d >= SQL_TIMESTAMP_END_JULIAN - SQL_POSTGRES_EPOCH_JDATE || !sql_date_valid(d))
        return sql_error_set(err, "22008", 0, "date out of range for timestamp");
    *out = d * SQL_USEC_PER_DAY;
    return WEIR_OK;
}

int sql_date_to_timestamptz(int64_t d, const SqlTz *tz, int64_t *out, SqlError *err)
{
    if (d == SQL_DT_NOBEGIN || d == SQL_DT_NOEND) {
        *out = d;
        return WEIR_OK;
    }
    if (d >= SQL_TIMESTAMP_END_JULIAN - SQL_POSTGRES_EPOCH_JDATE || !sql_date_valid(d))
        return sql_error_set(err, "22008", 0, "date out of range for timestamp");
    SqlTm tm = {0};
    sql_j2date((int)(d + SQL_POSTGRES_EPOCH_JDATE), &tm.year, &tm.mon, &tm.mday);
    int32_t off = sql_tm_zone_offset(&tm, tz);
    int64_t r = d * SQL_USEC_PER_DAY - (int64_t)off * SQL_USEC_PER_SEC;
    if (!sql_timestamp_valid(r))
        return sql_error_set(err, "22008", 0, "date out of range for timestamp");
    *out = r;
    return WEIR_OK;
}

static int tm_to_date(const SqlTm *tm, int64_t *out)
{
    *out = (int64_t)sql_date2j(tm->year, tm->mon, tm->mday) - SQL_POSTGRES_EPOCH_JDATE;
    return WEIR_OK;
}

int sql_timestamp_to_date(int64_t ts, int64_t *out, SqlError *err)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts;
        return WEIR_OK;
    }
    SqlTm tm;
    if (sql_timestamp2tm(ts, NULL, &tm) != 0)
        return ts_range(err);
    return tm_to_date(&tm, out);
}

int sql_timestamptz_to_date(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts;
        return WEIR_OK;
    }
    SqlTm tm;
    if (sql_timestamp2tm(ts, tz, &tm) != 0)
        return ts_range(err);
    return tm_to_date(&tm, out);
}

int sql_timestamp_to_timestamptz(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts;
        return WEIR_OK;
    }
    SqlTm tm;
    if (sql_timestamp2tm(ts, NULL, &tm) != 0)
        return ts_range(err);
    int32_t off = sql_tm_zone_offset(&tm, tz);
    if (sql_tm2timestamp(&tm, off, out) != 0)
        return ts_range(err);
    return WEIR_OK;
}

int sql_timestamptz_to_timestamp(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts;
        return WEIR_OK;
    }
    SqlTm tm;
    if (sql_timestamp2tm(ts, tz, &tm) != 0 || sql_tm2timestamp(&tm, 0, out) != 0)
        return ts_range(err);
    return WEIR_OK;
}

int sql_timestamp_to_time(int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err)
{
    SqlTm tm;
    if (sql_timestamp2tm(ts, tz, &tm) != 0)
        return ts_range(err);
    *out = (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * SQL_USEC_PER_SEC + tm.usec;
    return WEIR_OK;
}

static const int64_t typmod_scales[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};

int sql_timestamp_apply_typmod(int64_t *ts, int32_t typmod, SqlError *err)
{
    if (*ts == SQL_DT_NOBEGIN || *ts == SQL_DT_NOEND || typmod < 0 || typmod >= 6)
        return WEIR_OK;
    int64_t scale = typmod_scales[typmod], half = scale / 2;
    if (*ts >= 0)
        *ts = ((*ts + half) / scale) * scale;
    else
        *ts = -((((-*ts) + half) / scale) * scale);
    if (!sql_timestamp_valid(*ts))
        return ts_range(err);
    return WEIR_OK;
}

void sql_time_apply_typmod(int64_t *t, int32_t typmod)
{
    if (typmod < 0 || typmod >= 6)
        return;
    int64_t scale = typmod_scales[typmod];
    *t = ((*t + scale / 2) / scale) * scale;
}

/* ----------------------------------------------------------------------------------------------- */
/* arithmetic                                                                                        */
/* ----------------------------------------------------------------------------------------------- */

static int32_t zone_off_for(SqlTm *tm, const SqlTz *tz)
{
    return tz ? sql_tm_zone_offset(tm, tz) : 0;
}

int sql_timestamp_pl_interval(int64_t ts, const SqlInterval *iv, const SqlTz *tz, int64_t *out, SqlError *err)
{
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts;
        return WEIR_OK;
    }
    if (iv->months != 0) {
        SqlTm tm;
        if (sql_timestamp2tm(ts, tz, &tm) != 0)
            return ts_range(err);
        int64_t mon = (int64_t)tm.mon + iv->months;
        if (mon > INT32_MAX || mon < INT32_MIN)
            return ts_range(err);
        if (mon > 12) {
            tm.year += (int)((mon - 1) / 12);
            mon = (mon - 1) % 12 + 1;
        } else if (mon < 1) {
            tm.year += (int)(mon / 12 - 1);
            mon = mon % 12 + 12;
        }
        tm.mon = (int)mon;
        if (tm.mday > sql_days_in_month(tm.year, tm.mon))
            tm.mday = sql_days_in_month(tm.year, tm.mon);
        int32_t off = zone_off_for(&tm, tz);
        if (sql_tm2timestamp(&tm, off, &ts) != 0)
            return ts_range(err);
    }
    if (iv->days != 0) {
        SqlTm tm;
        if (sql_timestamp2tm(ts, tz, &tm) != 0)
            return ts_range(err);
        int64_t julian = (int64_t)sql_date2j(tm.year, tm.mon, tm.mday) + iv->days;
        /* PostgreSQL allows -1 for timestamptz (zone-dependent edge), 0 for timestamp */
        if (julian < (tz ? -1 : 0) || julian > INT32_MAX)
            return ts_range(err);
        sql_j2date((int)julian, &tm.year, &tm.mon, &tm.mday);
        int32_t off = zone_off_for(&tm, tz);
        if (sql_tm2timestamp(&tm, off, &ts) != 0)
            return ts_range(err);
    }
    if (__builtin_add_overflow(ts, iv->usec, &ts) || !sql_timestamp_valid(ts))
        return ts_range(err);
    *out = ts;
    return WEIR_OK;
}

int sql_timestamp_mi_interval(int64_t ts, const SqlInterval *iv, const SqlTz *tz, int64_t *out, SqlError *err)
{
    SqlInterval neg;
    if (sql_interval_neg(iv, &neg, err))
        return WEIR_ERROR;
    return sql_timestamp_pl_interval(ts, &neg, tz, out, err);
}

int sql_timestamp_mi(int64_t ts1, int64_t ts2, SqlInterval *out, SqlError *err)
{
    if (ts1 == SQL_DT_NOBEGIN || ts1 == SQL_DT_NOEND || ts2 == SQL_DT_NOBEGIN || ts2 == SQL_DT_NOEND)
        return sql_error_set(err, "22008", 0, "cannot subtract infinite timestamps");
    SqlInterval r = {0, 0, 0};
    if (__builtin_sub_overflow(ts1, ts2, &r.usec))
        return iv_range(err);
    return sql_interval_justify_hours(&r, out, err);
}

int sql_date_pl_days(int64_t d, int64_t days, int64_t *out, SqlError *err)
{
    if (d == SQL_DT_NOBEGIN || d == SQL_DT_NOEND) {
        *out = d;
        return WEIR_OK;
    }
    int64_t r;
    if (__builtin_add_overflow(d, days, &r) || r < INT32_MIN || r > INT32_MAX || !sql_date_valid(r))
        return sql_error_set(err, "22008", 0, "date out of range");
    *out = r;
    return WEIR_OK;
}

int sql_timestamp_age(int64_t dt1, int64_t dt2, const SqlTz *tz, SqlInterval *out, SqlError *err)
{
    SqlTm t1, t2;
    if (tm_raw(dt1, tz, &t1) != 0 || tm_raw(dt2, tz, &t2) != 0)
        return ts_range(err);
    int64_t usec = t1.usec - t2.usec;
    int64_t sec = t1.sec - t2.sec, min = t1.min - t2.min, hour = t1.hour - t2.hour;
    int64_t mday = t1.mday - t2.mday, mon = t1.mon - t2.mon, year = t1.year - t2.year;
    int flip = dt1 < dt2;
    if (flip) {
        usec = -usec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon, year = -year;
    }
    while (usec < 0) {
        usec += SQL_USEC_PER_SEC;
        sec--;
    }
    while (sec < 0) {
        sec += 60;
        min--;
    }
    while (min < 0) {
        min += 60;
        hour--;
    }
    while (hour < 0) {
        hour += 24;
        mday--;
    }
    while (mday < 0) {
        if (flip)
            mday += sql_days_in_month(t1.year, t1.mon);
        else
            mday += sql_days_in_month(t2.year, t2.mon);
        mon--;
    }
    while (mon < 0) {
        mon += 12;
        year--;
    }
    if (flip) {
        usec = -usec, sec = -sec, min = -min, hour = -hour, mday = -mday, mon = -mon, year = -year;
    }
    int64_t months = year * 12 + mon;
    if (months > INT32_MAX || months < INT32_MIN)
        return iv_range(err);
    out->months = (int32_t)months;
    out->days = (int32_t)mday;
    out->usec = ((hour * 60 + min) * 60 + sec) * SQL_USEC_PER_SEC + usec;
    return WEIR_OK;
}

int sql_interval_add(const SqlInterval *a, const SqlInterval *b, SqlInterval *out, SqlError *err)
{
    SqlInterval r;
    if (__builtin_add_overflow(a->months, b->months, &r.months) || __builtin_add_overflow(a->days, b->days, &r.days) ||
        __builtin_add_overflow(a->usec, b->usec, &r.usec))
        return iv_range(err);
    *out = r;
    return WEIR_OK;
}

int sql_interval_sub(const SqlInterval *a, const SqlInterval *b, SqlInterval *out, SqlError *err)
{
    SqlInterval r;
    if (__builtin_sub_overflow(a->months, b->months, &r.months) || __builtin_sub_overflow(a->days, b->days, &r.days) ||
        __builtin_sub_overflow(a->usec, b->usec, &r.usec))
        return iv_range(err);
    *out = r;
    return WEIR_OK;
}

int sql_interval_neg(const SqlInterval *a, SqlInterval *out, SqlError *err)
{
    if (a->months == INT32_MIN || a->days == INT32_MIN || a->usec == INT64_MIN)
        return iv_range(err);
    out->months = -a->months;
    out->days = -a->days;
    out->usec = -a->usec;
    return WEIR_OK;
}

#define TSROUND(j) (rint(((double)(j)) * 1000000.0) / 1000000.0)

/* interval_mul / interval_div share the cascade; div passes 1/f semantics by dividing. */
static int interval_scale(const SqlInterval *span, double factor, int divide, SqlInterval *out, SqlError *err)
{
    double month_remainder_days, sec_remainder, result_double;
    int32_t orig_month = span->months, orig_day = span->days;
    SqlInterval r;
    if (isnan(factor))
        return iv_range(err);
    result_double = divide ? span->months / factor : span->months * factor;
    if (isnan(result_double) || result_double > INT32_MAX || result_double < INT32_MIN)
        return iv_range(err);
    r.months = (int32_t)result_double;
    result_double = divide ? span->days / factor : span->days * factor;
    if (isnan(result_double) || result_double > INT32_MAX || result_double < INT32_MIN)
        return iv_range(err);
    r.days = (int32_t)result_double;
    month_remainder_days = ((divide ? orig_month / factor : orig_month * factor) - r.months) * DAYS_PER_MONTH;
    month_remainder_days = TSROUND(month_remainder_days);
    sec_remainder = ((divide ? orig_day / factor : orig_day * factor) - r.days + month_remainder_days -
                     (int)month_remainder_days) * SECS_PER_DAY;
    sec_remainder = TSROUND(sec_remainder);
    if (fabs(sec_remainder) >= SECS_PER_DAY) {
        r.days += (int)(sec_remainder / SECS_PER_DAY);
        sec_remainder -= (int)(sec_remainder / SECS_PER_DAY) * SECS_PER_DAY;
    }
    r.days += (int32_t)month_remainder_days;
    result_double = rint((divide ? span->usec / factor : span->usec * factor) + sec_remainder * SQL_USEC_PER_SEC);
    if (isnan(result_double) || result_double >= 9223372036854775808.0 || result_double < -9223372036854775808.0)
        return iv_range(err);
    r.usec = (int64_t)result_double;
    *out = r;
    return WEIR_OK;
}

int sql_interval_mul(const SqlInterval *a, double f, SqlInterval *out, SqlError *err)
{
    return interval_scale(a, f, 0, out, err);
}

int sql_interval_div(const SqlInterval *a, double f, SqlInterval *out, SqlError *err)
{
    if (f == 0.0)
        return sql_error_set(err, "22012", 0, "division by zero");
    return interval_scale(a, f, 1, out, err);
}

int sql_interval_justify_hours(const SqlInterval *a, SqlInterval *out, SqlError *err)
{
    SqlInterval r = *a;
    int64_t wholeday = r.usec / SQL_USEC_PER_DAY;
    r.usec -= wholeday * SQL_USEC_PER_DAY;
    int64_t day = (int64_t)r.days + wholeday;
    if (day > INT32_MAX || day < INT32_MIN)
        return iv_range(err);
    r.days = (int32_t)day;
    if (r.days > 0 && r.usec < 0) {
        r.usec += SQL_USEC_PER_DAY;
        r.days--;
    } else if (r.days < 0 && r.usec > 0) {
        r.usec -= SQL_USEC_PER_DAY;
        r.days++;
    }
    *out = r;
    return WEIR_OK;
}

int sql_interval_justify_days(const SqlInterval *a, SqlInterval *out, SqlError *err)
{
    SqlInterval r = *a;
    int32_t wholemonth = r.days / DAYS_PER_MONTH;
    r.days -= wholemonth * DAYS_PER_MONTH;
    if (__builtin_add_overflow(r.months, wholemonth, &r.months))
        return iv_range(err);
    if (r.months > 0 && r.days < 0) {
        r.days += DAYS_PER_MONTH;
        r.months--;
    } else if (r.months < 0 && r.days > 0) {
        r.days -= DAYS_PER_MONTH;
        r.months++;
    }
    *out = r;
    return WEIR_OK;
}

int sql_interval_justify_interval(const SqlInterval *a, SqlInterval *out, SqlError *err)
{
    SqlInterval r = *a;
    int32_t wholemonth;
    if ((r.days > 0 && r.usec > 0) || (r.days < 0 && r.usec < 0)) {
        wholemonth = r.days / DAYS_PER_MONTH;
        r.days -= wholemonth * DAYS_PER_MONTH;
        if (__builtin_add_overflow(r.months, wholemonth, &r.months))
            return iv_range(err);
    }
    int64_t wholeday = r.usec / SQL_USEC_PER_DAY;
    r.usec -= wholeday * SQL_USEC_PER_DAY;
    int64_t day = (int64_t)r.days + wholeday;
    if (day > INT32_MAX || day < INT32_MIN)
        return iv_range(err);
    r.days = (int32_t)day;
    wholemonth = r.days / DAYS_PER_MONTH;
    r.days -= wholemonth * DAYS_PER_MONTH;
    if (__builtin_add_overflow(r.months, wholemonth, &r.months))
        return iv_range(err);
    if (r.months > 0 && (r.days < 0 || (r.days == 0 && r.usec < 0))) {
        r.days += DAYS_PER_MONTH;
        r.months--;
    } else if (r.months < 0 && (r.days > 0 || (r.days == 0 && r.usec > 0))) {
        r.days -= DAYS_PER_MONTH;
        r.months++;
    }
    if (r.days > 0 && r.usec < 0) {
        r.usec += SQL_USEC_PER_DAY;
        r.days--;
    } else if (r.days < 0 && r.usec > 0) {
        r.usec -= SQL_USEC_PER_DAY;
        r.days++;
    }
    *out = r;
    return WEIR_OK;
}

static __int128 interval_linear(const SqlInterval *a)
{
    int64_t days = (int64_t)a->months * 30 + a->days;
    return (__int128)a->usec + (__int128)days * SQL_USEC_PER_DAY;
}

int sql_interval_cmp(const SqlInterval *a, const SqlInterval *b)
{
    __int128 x = interval_linear(a), y = interval_linear(b);
    return x < y ? -1 : x > y ? 1 : 0;
}

uint64_t sql_interval_hash(const SqlInterval *a)
{
    uint64_t x = (uint64_t)(int64_t)interval_linear(a);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* ----------------------------------------------------------------------------------------------- */
/* units                                                                                             */
/* ----------------------------------------------------------------------------------------------- */

typedef struct DtUnit {
    const char *tok;
    int code;
} DtUnit;

/* PostgreSQL's deltatktbl (units), sorted; tokens are compared on their first 10 characters
 * (TOKMAXLEN), which is why "microsecon" matches "microseconds". */
static const DtUnit delta_units[] = {
    {"c", SQL_DTK_CENTURY},         {"cent", SQL_DTK_CENTURY},       {"centuries", SQL_DTK_CENTURY},
    {"century", SQL_DTK_CENTURY},   {"d", SQL_DTK_DAY},              {"day", SQL_DTK_DAY},
    {"days", SQL_DTK_DAY},          {"dec", SQL_DTK_DECADE},         {"decade", SQL_DTK_DECADE},
    {"decades", SQL_DTK_DECADE},    {"decs", SQL_DTK_DECADE},        {"h", SQL_DTK_HOUR},
    {"hour", SQL_DTK_HOUR},         {"hours", SQL_DTK_HOUR},         {"hr", SQL_DTK_HOUR},
    {"hrs", SQL_DTK_HOUR},          {"m", SQL_DTK_MINUTE},           {"microsecon", SQL_DTK_MICROSEC},
    {"mil", SQL_DTK_MILLENNIUM},    {"millennia", SQL_DTK_MILLENNIUM}, {"millennium", SQL_DTK_MILLENNIUM},
    {"millisecon", SQL_DTK_MILLISEC}, {"mils", SQL_DTK_MILLENNIUM},  {"min", SQL_DTK_MINUTE},
    {"mins", SQL_DTK_MINUTE},       {"minute", SQL_DTK_MINUTE},      {"minutes", SQL_DTK_MINUTE},
    {"mon", SQL_DTK_MONTH},         {"mons", SQL_DTK_MONTH},         {"month", SQL_DTK_MONTH},
    {"months", SQL_DTK_MONTH},      {"ms", SQL_DTK_MILLISEC},        {"msec", SQL_DTK_MILLISEC},
    {"mseconds", SQL_DTK_MILLISEC}, {"msecs", SQL_DTK_MILLISEC},     {"qtr", SQL_DTK_QUARTER},
    {"quarter", SQL_DTK_QUARTER},   {"s", SQL_DTK_SECOND},           {"sec", SQL_DTK_SECOND},
    {"second", SQL_DTK_SECOND},     {"seconds", SQL_DTK_SECOND},     {"secs", SQL_DTK_SECOND},
    {"timezone", SQL_DTK_TZ},       {"timezone_h", SQL_DTK_TZ_HOUR}, {"timezone_m", SQL_DTK_TZ_MINUTE},
    {"us", SQL_DTK_MICROSEC},       {"usec", SQL_DTK_MICROSEC},      {"useconds", SQL_DTK_MICROSEC},
    {"usecs", SQL_DTK_MICROSEC},    {"w", SQL_DTK_WEEK},             {"week", SQL_DTK_WEEK},
    {"weeks", SQL_DTK_WEEK},        {"y", SQL_DTK_YEAR},             {"year", SQL_DTK_YEAR},
    {"years", SQL_DTK_YEAR},        {"yr", SQL_DTK_YEAR},            {"yrs", SQL_DTK_YEAR},
};

/* The unit-ish words of datetktbl that extract() also accepts (DecodeSpecial). */
static const DtUnit special_units[] = {
    {"d", SQL_DTK_DAY},       {"dow", SQL_DTK_DOW},         {"doy", SQL_DTK_DOY},     {"epoch", SQL_DTK_EPOCH},
    {"h", SQL_DTK_HOUR},      {"isodow", SQL_DTK_ISODOW},   {"isoyear", SQL_DTK_ISOYEAR}, {"j", SQL_DTK_JULIAN},
    {"jd", SQL_DTK_JULIAN},   {"julian", SQL_DTK_JULIAN},   {"m", SQL_DTK_MONTH},     {"mm", SQL_DTK_MINUTE},
    {"s", SQL_DTK_SECOND},    {"y", SQL_DTK_YEAR},
};

static int unit_search(const DtUnit *t, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(key, t[mid].tok, 10);
        if (c == 0)
            return t[mid].code;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int sql_dt_unit(const char *lower)
{
    return unit_search(delta_units, sizeof(delta_units) / sizeof(delta_units[0]), lower);
}

static int dt_special_unit(const char *lower)
{
    return unit_search(special_units, sizeof(special_units) / sizeof(special_units[0]), lower);
}

/* Lower-case a unit name into buf (PostgreSQL's downcase_truncate_identifier, truncated at 63). */
static void lower_unit(const char *s, char *buf, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++)
        buf[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    buf[i] = '\0';
}

static const char *type_name(SqlTypeId t)
{
    switch (t) {
    case SQL_TIMESTAMPTZ:
        return "timestamp with time zone";
    case SQL_TIMESTAMP:
        return "timestamp without time zone";
    case SQL_DATE:
        return "date";
    case SQL_TIME:
        return "time without time zone";
    default:
        return "interval";
    }
}

static int unit_not_recognized(SqlError *err, const char *u, SqlTypeId t)
{
    return sql_error_set(err, "22023", 0, "unit \"%s\" not recognized for type %s", u, type_name(t));
}

static int unit_not_supported(SqlError *err, const char *u, SqlTypeId t)
{
    return sql_error_set(err, "0A000", 0, "unit \"%s\" not supported for type %s", u, type_name(t));
}

/* ----------------------------------------------------------------------------------------------- */
/* date_trunc                                                                                        */
/* ----------------------------------------------------------------------------------------------- */

int sql_date_trunc(const char *unit, int64_t ts, const SqlTz *tz, int64_t *out, SqlError *err)
{
    char u[64];
    lower_unit(unit, u, sizeof(u));
    SqlTypeId ty = tz ? SQL_TIMESTAMPTZ : SQL_TIMESTAMP;
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        *out = ts; /* PostgreSQL returns infinities before looking at the unit */
        return WEIR_OK;
    }
    int val = sql_dt_unit(u);
    if (val < 0)
        return unit_not_recognized(err, u, ty);
    SqlTm tm;
    if (sql_timestamp2tm(ts, tz, &tm) != 0)
        return ts_range(err);
    int redotz = 0;
    switch (val) {
    case SQL_DTK_WEEK: {
        int woy = sql_date2isoweek(tm.year, tm.mon, tm.mday);
        if (woy >= 52 && tm.mon == 1)
            --tm.year;
        if (woy <= 1 && tm.mon == 12)
            ++tm.year;
        sql_j2date(isoweek2j(tm.year, woy), &tm.year, &tm.mon, &tm.mday);
        tm.hour = tm.min = tm.sec = 0;
        tm.usec = 0;
        redotz = 1;
        break;
    }
    case SQL_DTK_MILLENNIUM:
        if (tm.year > 0)
            tm.year = ((tm.year + 999) / 1000) * 1000 - 999;
        else
            tm.year = -((999 - (tm.year - 1)) / 1000) * 1000 + 1;
        /* fallthrough */
    case SQL_DTK_CENTURY:
        if (tm.year > 0)
            tm.year = ((tm.year + 99) / 100) * 100 - 99;
        else
            tm.year = -((99 - (tm.year - 1)) / 100) * 100 + 1;
        /* fallthrough */
    case SQL_DTK_DECADE:
        if (val != SQL_DTK_MILLENNIUM && val != SQL_DTK_CENTURY) {
            if (tm.year > 0)
                tm.year = (tm.year / 10) * 10;
            else
                tm.year = -((8 - (tm.year - 1)) / 10) * 10;
        }
        /* fallthrough */
    case SQL_DTK_YEAR:
        tm.mon = 1;
        /* fallthrough */
    case SQL_DTK_QUARTER:
        tm.mon = (3 * ((tm.mon - 1) / 3)) + 1;
        /* fallthrough */
    case SQL_DTK_MONTH:
        tm.mday = 1;
        /* fallthrough */
    case SQL_DTK_DAY:
        tm.hour = 0;
        redotz = 1;
        /* fallthrough */
    case SQL_DTK_HOUR:
        tm.min = 0;
        /* fallthrough */
    case SQL_DTK_MINUTE:
        tm.sec = 0;
        /* fallthrough */
    case SQL_DTK_SECOND:
        tm.usec = 0;
        break;
    case SQL_DTK_MILLISEC:
        tm.usec = (tm.usec / 1000) * 1000;
        break;
    case SQL_DTK_MICROSEC:
        break;
    default:
        return unit_not_supported(err, u, ty);
    }
    int32_t off = tz ? tm.gmtoff : 0;
    if (tz && redotz)
        off = sql_tm_zone_offset(&tm, tz);
    if (sql_tm2timestamp(&tm, off, out) != 0)
        return ts_range(err);
    return WEIR_OK;
}

/* interval2itm: year/month from months, day, and h/m/s/usec from the time field (signs per field). */
typedef struct Itm {
    int64_t usec, sec, min, hour;
    int64_t mday, mon, year;
} Itm;

static void interval2itm(const SqlInterval *iv, Itm *t)
{
    t->year = iv->months / 12;
    t->mon = iv->months % 12;
    t->mday = iv->days;
    int64_t time = iv->usec;
    t->hour = time / SQL_USEC_PER_HOUR;
    time -= t->hour * SQL_USEC_PER_HOUR;
    t->min = time / SQL_USEC_PER_MINUTE;
    time -= t->min * SQL_USEC_PER_MINUTE;
    t->sec = time / SQL_USEC_PER_SEC;
    t->usec = time - t->sec * SQL_USEC_PER_SEC;
}

static int itm2interval(const Itm *t, SqlInterval *iv)
{
    int64_t months = t->year * 12 + t->mon;
    if (months > INT32_MAX || months < INT32_MIN || t->mday > INT32_MAX || t->mday < INT32_MIN)
        return -1;
    iv->months = (int32_t)months;
    iv->days = (int32_t)t->mday;
    __int128 usec = (__int128)t->hour * SQL_USEC_PER_HOUR + (__int128)t->min * SQL_USEC_PER_MINUTE +
                    (__int128)t->sec * SQL_USEC_PER_SEC + t->usec;
    if (usec > INT64_MAX || usec < INT64_MIN)
        return -1;
    iv->usec = (int64_t)usec;
    return 0;
}

int sql_interval_trunc(const char *unit, const SqlInterval *iv, SqlInterval *out, SqlError *err)
{
    char u[64];
    lower_unit(unit, u, sizeof(u));
    int val = sql_dt_unit(u);
    if (val < 0)
        return unit_not_recognized(err, u, SQL_INTERVAL);
    Itm tm;
    interval2itm(iv, &tm);
    switch (val) {
    case SQL_DTK_MILLENNIUM:
        tm.year = (tm.year / 1000) * 1000;
        /* fallthrough */
    case SQL_DTK_CENTURY:
        tm.year = (tm.year / 100) * 100;
        /* fallthrough */
    case SQL_DTK_DECADE:
        tm.year = (tm.year / 10) * 10;
        /* fallthrough */
    case SQL_DTK_YEAR:
        tm.mon = 0;
        /* fallthrough */
    case SQL_DTK_QUARTER:
        tm.mon = 3 * (tm.mon / 3);
        /* fallthrough */
    case SQL_DTK_MONTH:
        tm.mday = 0;
        /* fallthrough */
    case SQL_DTK_DAY:
        tm.hour = 0;
        /* fallthrough */
    case SQL_DTK_HOUR:
        tm.min = 0;
        /* fallthrough */
    case SQL_DTK_MINUTE:
        tm.sec = 0;
        /* fallthrough */
    case SQL_DTK_SECOND:
        tm.usec = 0;
        break;
    case SQL_DTK_MILLISEC:
        tm.usec = (tm.usec / 1000) * 1000;
        break;
    case SQL_DTK_MICROSEC:
        break;
    default:
        if (val == SQL_DTK_WEEK && err && !err->sqlstate[0])
            snprintf(err->detail, sizeof(err->detail), "Months usually have fractional weeks.");
        return unit_not_supported(err, u, SQL_INTERVAL);
    }
    if (itm2interval(&tm, out) != 0)
        return iv_range(err);
    return WEIR_OK;
}

/* ----------------------------------------------------------------------------------------------- */
/* extract / date_part                                                                               */
/* ----------------------------------------------------------------------------------------------- */

typedef struct PartOut {
    SqlNumeric *num;
    double *dbl;
} PartOut;

static int put_int(PartOut *o, int64_t v)
{
    if (o->num)
        sql_numeric_from_int64(v, o->num);
    else
        *o->dbl = (double)v;
    return WEIR_OK;
}

/* value / 10^scale, shown with `scale` digits (PostgreSQL's int64_div_fast_to_numeric), or the double
 * date_part computes for the same field. */
static int put_scaled(PartOut *o, int64_t v, int scale, double dbl)
{
    if (o->num)
        *o->num = sql_numeric_make(v, scale);
    else
        *o->dbl = dbl;
    return WEIR_OK;
}

static int put_special(PartOut *o, int negative)
{
    if (o->num)
        *o->num = sql_numeric_special(negative ? SQL_NUM_NINF : SQL_NUM_PINF);
    else
        *o->dbl = negative ? -INFINITY : INFINITY;
    return WEIR_OK;
}

/* Fields of a (finite) timestamp; tz for timestamptz (gives timezone fields). */
static int part_timestamp(int val, const char *u, SqlTypeId ty, int64_t ts, const SqlTz *tz, PartOut *o,
                          SqlError *err)
{
    SqlTm tm;
    if (val == SQL_DTK_EPOCH) {
        int64_t epoch = -SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
        if (ts < INT64_MAX + epoch)
            return put_scaled(o, ts - epoch, 6, (double)(ts - epoch) / 1000000.0);
        return put_scaled(o, ts - epoch, 6, ((double)ts - (double)epoch) / 1000000.0);
    }
    if (sql_timestamp2tm(ts, ty == SQL_TIMESTAMPTZ ? tz : NULL, &tm) != 0)
        return ts_range(err);
    int64_t secus = (int64_t)tm.sec * 1000000 + tm.usec;
    switch (val) {
    case SQL_DTK_TZ:
    case SQL_DTK_TZ_MINUTE:
    case SQL_DTK_TZ_HOUR:
        if (ty != SQL_TIMESTAMPTZ)
            return unit_not_supported(err, u, ty);
        if (val == SQL_DTK_TZ)
            return put_int(o, tm.gmtoff);
        if (val == SQL_DTK_TZ_MINUTE)
            return put_int(o, (tm.gmtoff / 60) % 60);
        return put_int(o, tm.gmtoff / 3600);
    case SQL_DTK_MICROSEC:
        return put_int(o, secus);
    case SQL_DTK_MILLISEC:
        return put_scaled(o, secus, 3, tm.sec * 1000.0 + tm.usec / 1000.0);
    case SQL_DTK_SECOND:
        return put_scaled(o, secus, 6, tm.sec + tm.usec / 1000000.0);
    case SQL_DTK_MINUTE:
        return put_int(o, tm.min);
    case SQL_DTK_HOUR:
        return put_int(o, tm.hour);
    case SQL_DTK_DAY:
        return put_int(o, tm.mday);
    case SQL_DTK_MONTH:
        return put_int(o, tm.mon);
    case SQL_DTK_QUARTER:
        return put_int(o, (tm.mon - 1) / 3 + 1);
    case SQL_DTK_WEEK:
        return put_int(o, sql_date2isoweek(tm.year, tm.mon, tm.mday));
    case SQL_DTK_YEAR:
        return put_int(o, tm.year > 0 ? tm.year : tm.year - 1);
    case SQL_DTK_DECADE:
        return put_int(o, tm.year >= 0 ? tm.year / 10 : -((8 - (tm.year - 1)) / 10));
    case SQL_DTK_CENTURY:
        return put_int(o, tm.year > 0 ? (tm.year + 99) / 100 : -((99 - (tm.year - 1)) / 100));
    case SQL_DTK_MILLENNIUM:
        return put_int(o, tm.year > 0 ? (tm.year + 999) / 1000 : -((999 - (tm.year - 1)) / 1000));
    case SQL_DTK_JULIAN: {
        int jd = sql_date2j(tm.year, tm.mon, tm.mday);
        int64_t dayus = ((tm.hour * 60 + tm.min) * 60 + tm.sec) * SQL_USEC_PER_SEC + tm.usec;
        if (o->num) {
            SqlNumeric a, b, q;
            sql_numeric_from_int64(dayus, &a);
            sql_numeric_from_int64(SQL_USEC_PER_DAY, &b);
            if (sql_numeric_div(&a, &b, &q, err))
                return WEIR_ERROR;
            sql_numeric_from_int64(jd, &a);
            return sql_numeric_add(&a, &q, o->num, err);
        }
        *o->dbl = jd + (((tm.hour * 60 + tm.min) * 60) + tm.sec + (tm.usec / 1000000.0)) / (double)SECS_PER_DAY;
        return WEIR_OK;
    }
    case SQL_DTK_ISOYEAR: {
        int y = sql_date2isoyear(tm.year, tm.mon, tm.mday);
        return put_int(o, y <= 0 ? y - 1 : y);
    }
    case SQL_DTK_DOW:
    case SQL_DTK_ISODOW: {
        int d = sql_j2day(sql_date2j(tm.year, tm.mon, tm.mday));
        if (val == SQL_DTK_ISODOW && d == 0)
            d = 7;
        return put_int(o, d);
    }
    case SQL_DTK_DOY:
        return put_int(o, sql_date2j(tm.year, tm.mon, tm.mday) - sql_date2j(tm.year, 1, 1) + 1);
    default:
        return unit_not_supported(err, u, ty);
    }
}

static int part_interval(int val, const char *u, const SqlInterval *iv, PartOut *o, SqlError *err)
{
    if (val == SQL_DTK_EPOCH) {
        int64_t secs = ((int64_t)(4 * 365.25) * (iv->months / 12) + (int64_t)(4 * 30) * (iv->months % 12) +
                        (int64_t)4 * iv->days) *
                       (SECS_PER_DAY / 4);
        double d = iv->usec / 1000000.0;
        d += (365.25 * SECS_PER_DAY) * (iv->months / 12);
        d += (30.0 * SECS_PER_DAY) * (iv->months % 12);
        d += (double)SECS_PER_DAY * iv->days;
        int64_t v;
        if (!__builtin_mul_overflow(secs, (int64_t)1000000, &v) && !__builtin_add_overflow(v, iv->usec, &v))
            return put_scaled(o, v, 6, d);
        if (o->num) {
            SqlNumeric a, b;
            a = sql_numeric_make(iv->usec, 6);
            sql_numeric_from_int64(secs, &b);
            return sql_numeric_add(&a, &b, o->num, err);
        }
        *o->dbl = d;
        return WEIR_OK;
    }
    Itm tm;
    interval2itm(iv, &tm);
    switch (val) {
    case SQL_DTK_MICROSEC:
        return put_int(o, tm.sec * 1000000 + tm.usec);
    case SQL_DTK_MILLISEC:
        return put_scaled(o, tm.sec * 1000000 + tm.usec, 3, tm.sec * 1000.0 + tm.usec / 1000.0);
    case SQL_DTK_SECOND:
        return put_scaled(o, tm.sec * 1000000 + tm.usec, 6, tm.sec + tm.usec / 1000000.0);
    case SQL_DTK_MINUTE:
        return put_int(o, tm.min);
    case SQL_DTK_HOUR:
        return put_int(o, tm.hour);
    case SQL_DTK_DAY:
        return put_int(o, tm.mday);
    case SQL_DTK_MONTH:
        return put_int(o, tm.mon);
    case SQL_DTK_QUARTER:
        return put_int(o, (tm.mon / 3) + 1);
    case SQL_DTK_YEAR:
        return put_int(o, tm.year);
    case SQL_DTK_DECADE:
        return put_int(o, tm.year / 10);
    case SQL_DTK_CENTURY:
        return put_int(o, tm.year / 100);
    case SQL_DTK_MILLENNIUM:
        return put_int(o, tm.year / 1000);
    default:
        return unit_not_supported(err, u, SQL_INTERVAL);
    }
}

static int part_time(int val, const char *u, int64_t t, PartOut *o, SqlError *err)
{
    SqlTm tm;
    usec2time(t, &tm);
    int64_t secus = (int64_t)tm.sec * 1000000 + tm.usec;
    switch (val) {
    case SQL_DTK_MICROSEC:
        return put_int(o, secus);
    case SQL_DTK_MILLISEC:
        return put_scaled(o, secus, 3, tm.sec * 1000.0 + tm.usec / 1000.0);
    case SQL_DTK_SECOND:
        return put_scaled(o, secus, 6, tm.sec + tm.usec / 1000000.0);
    case SQL_DTK_MINUTE:
        return put_int(o, tm.min);
    case SQL_DTK_HOUR:
        return put_int(o, tm.hour);
    case SQL_DTK_EPOCH:
        return put_scaled(o, t, 6, t / 1000000.0);
    default:
        return unit_not_supported(err, u, SQL_TIME);
    }
}

/* extract from date (PostgreSQL 14+'s extract_date: date fields only, integral results) */
static int part_date(int val, const char *u, int64_t d, PartOut *o, SqlError *err)
{
    int y, m, dd;
    sql_j2date((int)(d + SQL_POSTGRES_EPOCH_JDATE), &y, &m, &dd);
    switch (val) {
    case SQL_DTK_DAY:
        return put_int(o, dd);
    case SQL_DTK_MONTH:
        return put_int(o, m);
    case SQL_DTK_QUARTER:
        return put_int(o, (m - 1) / 3 + 1);
    case SQL_DTK_WEEK:
        return put_int(o, sql_date2isoweek(y, m, dd));
    case SQL_DTK_YEAR:
        return put_int(o, y > 0 ? y : y - 1);
    case SQL_DTK_DECADE:
        return put_int(o, y >= 0 ? y / 10 : -((8 - (y - 1)) / 10));
    case SQL_DTK_CENTURY:
        return put_int(o, y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100));
    case SQL_DTK_MILLENNIUM:
        return put_int(o, y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000));
    case SQL_DTK_JULIAN:
        return put_int(o, (int64_t)d + SQL_POSTGRES_EPOCH_JDATE);
    case SQL_DTK_ISOYEAR: {
        int iy = sql_date2isoyear(y, m, dd);
        return put_int(o, iy <= 0 ? iy - 1 : iy);
    }
    case SQL_DTK_DOW:
    case SQL_DTK_ISODOW: {
        int w = sql_j2day((int)(d + SQL_POSTGRES_EPOCH_JDATE));
        if (val == SQL_DTK_ISODOW && w == 0)
            w = 7;
        return put_int(o, w);
    }
    case SQL_DTK_DOY:
        return put_int(o, sql_date2j(y, m, dd) - sql_date2j(y, 1, 1) + 1);
    case SQL_DTK_EPOCH:
        return put_int(o, (d + SQL_POSTGRES_EPOCH_JDATE - SQL_UNIX_EPOCH_JDATE) * SECS_PER_DAY);
    default:
        return unit_not_supported(err, u, SQL_DATE);
    }
}

/* Infinite timestamps/dates: +-Infinity for monotonic fields, NULL for oscillating ones. */
static int part_infinite(int val, const char *u, SqlTypeId ty, int negative, PartOut *o, int *is_null,
                         SqlError *err)
{
    switch (val) {
    case SQL_DTK_YEAR:
    case SQL_DTK_DECADE:
    case SQL_DTK_CENTURY:
    case SQL_DTK_MILLENNIUM:
    case SQL_DTK_JULIAN:
    case SQL_DTK_ISOYEAR:
    case SQL_DTK_EPOCH:
        return put_special(o, negative);
    case SQL_DTK_MICROSEC:
    case SQL_DTK_MILLISEC:
    case SQL_DTK_SECOND:
    case SQL_DTK_MINUTE:
    case SQL_DTK_HOUR:
    case SQL_DTK_TZ:
    case SQL_DTK_TZ_MINUTE:
    case SQL_DTK_TZ_HOUR:
        if (ty == SQL_DATE)
            return unit_not_supported(err, u, ty);
        /* fallthrough */
    case SQL_DTK_DAY:
    case SQL_DTK_MONTH:
    case SQL_DTK_QUARTER:
    case SQL_DTK_WEEK:
    case SQL_DTK_DOW:
    case SQL_DTK_ISODOW:
    case SQL_DTK_DOY:
        *is_null = 1;
        return WEIR_OK;
    default:
        return unit_not_supported(err, u, ty);
    }
}

int sql_extract(const char *field, SqlTypeId type, const SqlValue *v, const SqlTz *tz, SqlNumeric *num,
                double *dbl, int *is_null, SqlError *err)
{
    char u[64];
    lower_unit(field, u, sizeof(u));
    *is_null = 0;
    PartOut o = {num, dbl};
    int from_date = type == SQL_DATE && dbl;
    if (from_date)
        type = SQL_TIMESTAMP; /* date_part(text, date) is date_part(text, date::timestamp) */
    int val = sql_dt_unit(u);
    if (val < 0)
        val = dt_special_unit(u);
    if (val < 0)
        return unit_not_recognized(err, u, type);
    switch (type) {
    case SQL_DATE:
        if (v->u.i == SQL_DT_NOBEGIN || v->u.i == SQL_DT_NOEND)
            return part_infinite(val, u, SQL_DATE, v->u.i == SQL_DT_NOBEGIN, &o, is_null, err);
        return part_date(val, u, v->u.i, &o, err);
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ: {
        int64_t ts = v->u.i;
        if (from_date && sql_date_to_timestamp(v->u.i, &ts, err))
            return WEIR_ERROR;
        if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND)
            return part_infinite(val, u, type, ts == SQL_DT_NOBEGIN, &o, is_null, err);
        return part_timestamp(val, u, type, ts, tz, &o, err);
    }
    case SQL_TIME:
        return part_time(val, u, v->u.i, &o, err);
    case SQL_INTERVAL:
        return part_interval(val, u, &v->u.iv, &o, err);
    default:
        return sql_error_set(err, "42883", 0, "function extract(unknown, %s) does not exist", type_name(type));
    }
}
