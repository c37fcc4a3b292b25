/*
 * test_fn_time.c: unit tests of src/sql/fn_time.c and src/sql/fn_tochar.c: current time, date_trunc,
 * date_bin, date_part/extract, age, justify_*, the make_* constructors, to_timestamp, AT TIME ZONE, the
 * date/time operators and timestamptz comparisons, to_char for timestamps, intervals and numbers, and
 * to_timestamp/to_date with a format, against PostgreSQL 15 (each check names its query; the session
 * time zone is UTC unless a test sets another).
 */
#include "fn_test.h"

#include "sql/datetime.h"

/* Values from their text form, as PostgreSQL reads literals. */
static SqlValue TSV(const char *s)
{
    SqlValue v = fnt_val(SQL_TIMESTAMP);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_timestamp_from_text(s, strlen(s), 0, &fnt_fmt, 0, &v.u.i, &e))
        fail_msg("bad timestamp %s: %s", s, e.message);
    return v;
}
static SqlValue TSTZV(const char *s)
{
    SqlValue v = fnt_val(SQL_TIMESTAMPTZ);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_timestamp_from_text(s, strlen(s), 1, &fnt_fmt, 0, &v.u.i, &e))
        fail_msg("bad timestamptz %s: %s", s, e.message);
    return v;
}
static SqlValue DV(const char *s)
{
    SqlValue v = fnt_val(SQL_DATE);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_date_from_text(s, strlen(s), &fnt_fmt, 0, &v.u.i, &e))
        fail_msg("bad date %s: %s", s, e.message);
    return v;
}
static SqlValue TMV(const char *s)
{
    SqlValue v = fnt_val(SQL_TIME);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_timeofday_from_text(s, strlen(s), &fnt_fmt, 0, &v.u.i, &e))
        fail_msg("bad time %s: %s", s, e.message);
    return v;
}
static SqlValue IVV(const char *s)
{
    SqlValue v = fnt_val(SQL_INTERVAL);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_interval_from_text(s, strlen(s), &fnt_fmt, &v.u.iv, &e))
        fail_msg("bad interval %s: %s", s, e.message);
    return v;
}

/* The text form of a date/time result, as PostgreSQL prints it (DateStyle ISO, the session zone). */
static const char *dt_text(const SqlValue *v)
{
    static char buf[SQL_DATETIME_TEXT_MAX];
    switch (v->type.id) {
    case SQL_DATE:
        sql_date_to_text(v->u.i, &fnt_fmt, buf);
        break;
    case SQL_TIME:
        sql_timeofday_to_text(v->u.i, buf);
        break;
    case SQL_TIMESTAMP:
        sql_timestamp_to_text(v->u.i, 0, &fnt_fmt, buf);
        break;
    case SQL_TIMESTAMPTZ:
        sql_timestamp_to_text(v->u.i, 1, &fnt_fmt, buf);
        break;
    case SQL_INTERVAL:
        sql_interval_to_text(&v->u.iv, SQL_INTERVALSTYLE_POSTGRES, buf);
        break;
    default:
        snprintf(buf, sizeof(buf), "<type %d>", (int)v->type.id);
        break;
    }
    return buf;
}

#define EXPECT_DT(exp, name, ...)                                                                            \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        if (r_->v.is_null)                                                                                   \
            fail_msg("%s: NULL, expected %s", name, exp);                                                    \
        const char *g_ = dt_text(&r_->v);                                                                    \
        if (strcmp(g_, (exp)) != 0)                                                                          \
            fail_msg("%s: %s, expected %s", name, g_, exp);                                                  \
    } while (0)

static void set_zone(const char *name)
{
    fnt_fmt.tz = sql_tz_get(name);
    assert_non_null(fnt_fmt.tz);
}

static void test_now(void **state)
{
    (void)state;
    fnt_stmt_time = TSTZV("2024-03-05 23:30:00+00").u.i;
    EXPECT_DT("2024-03-05 23:30:00+00", "now");
    EXPECT_DT("2024-03-05", "current_date");
    EXPECT_DT("2024-03-05 23:30:00", "localtimestamp");
    set_zone("Asia/Tokyo");
    EXPECT_DT("2024-03-06", "current_date"); /* already the next day in Tokyo */
    EXPECT_DT("2024-03-06 08:30:00", "localtimestamp");
    FntResult *r = CALL("clock_timestamp");
    assert_true(r->v.u.i > TSTZV("2020-01-01 00:00:00+00").u.i);
    fnt_stmt_time = 0;
}

static void test_trunc_bin_part(void **state)
{
    (void)state;
    /* select date_trunc('hour', '2024-03-05 14:07:09'::timestamp), date_trunc('week',
     * '2024-03-05'::timestamp), date_trunc('month', '2024-03-05 14:07:09+00'::timestamptz), date_trunc('day',
     * '2024-03-05 14:07:09+00'::timestamptz, 'Asia/Tokyo') => 2024-03-05 14:00:00|2024-03-04
     * 00:00:00|2024-03-01 00:00:00+00|2024-03-04 15:00:00+00 */
    EXPECT_DT("2024-03-05 14:00:00", "date_trunc", T("hour"), TSV("2024-03-05 14:07:09"));
    EXPECT_DT("2024-03-04 00:00:00", "date_trunc", T("week"), TSV("2024-03-05"));
    EXPECT_DT("2024-03-01 00:00:00+00", "date_trunc", T("month"), TSTZV("2024-03-05 14:07:09+00"));
    EXPECT_DT("2024-03-04 15:00:00+00", "date_trunc", T("day"), TSTZV("2024-03-05 14:07:09+00"),
              T("Asia/Tokyo"));
    EXPECT_DT("2024-03-05 14:00:00", "date_trunc", T("HOUR"), TSV("2024-03-05 14:59:59.9"));
    EXPECT_DT("1 day 02:00:00", "date_trunc", T("hour"), IVV("1 day 02:03:04"));
    /* before 2000 the floor division must round down: select date_trunc('hour', '1999-12-31
     * 23:59:59.5'::timestamp), date_trunc('day', '1969-07-20 20:17:40'::timestamp), date_trunc('second',
     * '1999-12-31 23:59:59.5'::timestamp), date_trunc('milliseconds', '1999-12-31 23:59:59.5005'::timestamp)
     * => 1999-12-31 23:00:00|1969-07-20 00:00:00|1999-12-31 23:59:59|1999-12-31 23:59:59.5 */
    EXPECT_DT("1999-12-31 23:00:00", "date_trunc", T("hour"), TSV("1999-12-31 23:59:59.5"));
    EXPECT_DT("1969-07-20 00:00:00", "date_trunc", T("day"), TSV("1969-07-20 20:17:40"));
    EXPECT_DT("1999-12-31 23:59:59", "date_trunc", T("second"), TSV("1999-12-31 23:59:59.5"));
    EXPECT_DT("1999-12-31 23:59:59.5", "date_trunc", T("milliseconds"), TSV("1999-12-31 23:59:59.5005"));
    /* a fixed-offset session zone (POSIX sign): set timezone='+05:30';
     * select date_trunc('day', '2024-03-05 20:00:00+00'::timestamptz), date_trunc('hour', '2024-03-05
     * 20:10:00+00'::timestamptz)
     * => 2024-03-05 00:00:00-05:30|2024-03-05 14:00:00-05:30 */
    set_zone("+05:30");
    EXPECT_DT("2024-03-05 00:00:00-05:30", "date_trunc", T("day"), TSTZV("2024-03-05 20:00:00+00"));
    EXPECT_DT("2024-03-05 14:00:00-05:30", "date_trunc", T("hour"), TSTZV("2024-03-05 20:10:00+00"));
    /* a zone with history: set timezone='Asia/Kolkata'; select date_trunc('day', '2024-03-05
     * 20:00:00+00'::timestamptz), date_trunc('minute', '1900-01-01 00:00:30+00'::timestamptz) => 2024-03-06
     * 00:00:00+05:30|1900-01-01 05:21:00+05:21:10 */
    set_zone("Asia/Kolkata");
    EXPECT_DT("2024-03-06 00:00:00+05:30", "date_trunc", T("day"), TSTZV("2024-03-05 20:00:00+00"));
    EXPECT_DT("1900-01-01 05:21:00+05:21:10", "date_trunc", T("minute"), TSTZV("1900-01-01 00:00:30+00"));
    set_zone("UTC");
    /* select date_trunc('fortnight', now()) => ERROR 22023 */
    EXPECT_ERR("22023", "unit \"fortnight\" not recognized for type timestamp with time zone", "date_trunc",
               T("fortnight"), TSTZV("2024-03-05 00:00+00"));
    EXPECT_ERR("22023", "time zone \"Mars/Olympus\" not recognized", "date_trunc", T("day"),
               TSTZV("2024-03-05 00:00+00"), T("Mars/Olympus"));
    /* select date_bin('15 minutes', '2024-01-01 10:22:00'::timestamp, '2024-01-01'::timestamp),
     * date_bin('1 hour', '2024-01-01 00:30:00'::timestamp, '2024-01-01 01:00:00'::timestamp)
     * => 2024-01-01 10:15:00|2024-01-01 00:00:00 */
    EXPECT_DT("2024-01-01 10:15:00", "date_bin", IVV("15 minutes"), TSV("2024-01-01 10:22:00"),
              TSV("2024-01-01"));
    EXPECT_DT("2024-01-01 00:00:00", "date_bin", IVV("1 hour"), TSV("2024-01-01 00:30:00"),
              TSV("2024-01-01 01:00:00"));
    EXPECT_ERR("0A000", "timestamps cannot be binned into intervals containing months or years", "date_bin",
               IVV("1 month"), TSV("2024-01-01"), TSV("2024-01-01"));
    EXPECT_ERR("22008", "stride must be greater than zero", "date_bin", IVV("0 s"), TSV("2024-01-01"),
               TSV("2024-01-01"));
    /* select date_part('epoch', '2024-03-05 14:07:09.5'::timestamp), extract(epoch from '2024-03-05
     * 14:07:09.5'::timestamp), extract(dow from '2024-03-05'::date), extract(year from '1 year 2
     * mons'::interval), date_part('hour', '2024-03-05 14:07:09+00'::timestamptz) =>
     * 1709647629.5|1709647629.500000|2|1|14 */
    EXPECT_F8(1709647629.5, "date_part", T("epoch"), TSV("2024-03-05 14:07:09.5"));
    EXPECT_NUM("1709647629.500000", "extract", T("epoch"), TSV("2024-03-05 14:07:09.5"));
    EXPECT_NUM("2", "extract", T("dow"), DV("2024-03-05"));
    EXPECT_NUM("1", "extract", T("year"), IVV("1 year 2 mons"));
    EXPECT_F8(14.0, "date_part", T("hour"), TSTZV("2024-03-05 14:07:09+00"));
}

static void test_age_justify_make(void **state)
{
    (void)state;
    /* select age('2024-03-05'::timestamp, '2020-01-10'::timestamp), justify_days('35 days'),
     * justify_hours('27 hours'), justify_interval('1 mon -1 hour')
     * => 4 years 1 mon 26 days|1 mon 5 days|1 day 03:00:00|29 days 23:00:00 */
    EXPECT_DT("4 years 1 mon 26 days", "age", TSV("2024-03-05"), TSV("2020-01-10"));
    EXPECT_DT("1 mon 5 days", "justify_days", IVV("35 days"));
    EXPECT_DT("1 day 03:00:00", "justify_hours", IVV("27 hours"));
    EXPECT_DT("29 days 23:00:00", "justify_interval", IVV("1 mon -1 hour"));
    /* select make_date(-44, 3, 15), make_date(2024, 2, 29), make_time(24, 0, 0), make_time(1, 2, 3.5),
     * make_timestamp(2024, 1, 2, 3, 4, 5.25), make_timestamptz(2024, 1, 2, 3, 4, 5, 'Europe/Paris'),
     * make_interval(1, 2, 3, 4, 5, 6, 7.5), make_interval(0,0,0,10) => 0044-03-15 BC|2024-02-29|24:00:00|
     * 01:02:03.5|2024-01-02 03:04:05.25|2024-01-02 02:04:05+00|1 year 2 mons 25 days 05:06:07.5|10 days */
    EXPECT_DT("0044-03-15 BC", "make_date", I4(-44), I4(3), I4(15));
    EXPECT_DT("2024-02-29", "make_date", I4(2024), I4(2), I4(29));
    EXPECT_DT("24:00:00", "make_time", I4(24), I4(0), F8(0));
    EXPECT_DT("01:02:03.5", "make_time", I4(1), I4(2), F8(3.5));
    EXPECT_DT("2024-01-02 03:04:05.25", "make_timestamp", I4(2024), I4(1), I4(2), I4(3), I4(4), F8(5.25));
    EXPECT_DT("2024-01-02 02:04:05+00", "make_timestamptz", I4(2024), I4(1), I4(2), I4(3), I4(4), F8(5),
              T("Europe/Paris"));
    EXPECT_DT("1 year 2 mons 25 days 05:06:07.5", "make_interval", I4(1), I4(2), I4(3), I4(4), I4(5), I4(6),
              F8(7.5));
    EXPECT_DT("10 days", "make_interval", I4(0), I4(0), I4(0), I4(10));
    EXPECT_DT("00:00:00", "make_interval");
    /* errors: make_date(2023, 2, 29), make_date(0, 1, 1), make_time(25, 0, 0), make_timestamp(2024, 1, 2, 25,
     * 4, 5) */
    EXPECT_ERR("22008", "date field value out of range: 2023-02-29", "make_date", I4(2023), I4(2), I4(29));
    EXPECT_ERR("22008", "date field value out of range: 0-01-01", "make_date", I4(0), I4(1), I4(1));
    EXPECT_ERR("22008", "time field value out of range: 25:00:00", "make_time", I4(25), I4(0), F8(0));
    EXPECT_ERR("22008", "time field value out of range: 25:04:05", "make_timestamp", I4(2024), I4(1), I4(2),
               I4(25), I4(4), F8(5));
    /* select to_timestamp(1700000000), to_timestamp(1700000000.5), to_timestamp(0)
     * => 2023-11-14 22:13:20+00|2023-11-14 22:13:20.5+00|1970-01-01 00:00:00+00 */
    EXPECT_DT("2023-11-14 22:13:20+00", "to_timestamp", F8(1700000000));
    EXPECT_DT("2023-11-14 22:13:20.5+00", "to_timestamp", F8(1700000000.5));
    EXPECT_DT("1970-01-01 00:00:00+00", "to_timestamp", F8(0));
    EXPECT_ERR("22008", "timestamp cannot be NaN", "to_timestamp", F8(NAN));
    /* select isfinite('infinity'::date), isfinite('2024-01-01'::timestamp) => f|t */
    EXPECT_BOOL(0, "isfinite", DV("infinity"));
    EXPECT_BOOL(1, "isfinite", TSV("2024-01-01"));
}

static void test_operators(void **state)
{
    (void)state;
    /* select '2024-01-31'::date + 1, '2024-03-01'::date - '2024-02-01'::date, '2024-01-31'::timestamp + '1
     * month', '2024-01-31'::date + '1 month'::interval, '2024-03-10 12:00'::timestamp -
     * '2024-03-01'::timestamp, '1 day'::interval * 1.5, '1 day'::interval / 4, '10:00'::time - '08:30'::time,
     * '23:00'::time + '2 hours'::interval, '2024-01-01'::date + '10:00'::time => 2024-02-01|29|2024-02-29
     * 00:00:00|2024-02-29 00:00:00|9 days 12:00:00| 1 day 12:00:00|06:00:00|01:30:00|01:00:00|2024-01-01
     * 10:00:00 */
    EXPECT_DT("2024-02-01", "+", DV("2024-01-31"), I4(1));
    EXPECT_INT(29, "-", DV("2024-03-01"), DV("2024-02-01"));
    EXPECT_DT("2024-02-29 00:00:00", "+", TSV("2024-01-31"), IVV("1 month"));
    EXPECT_DT("2024-02-29 00:00:00", "+", DV("2024-01-31"), IVV("1 month"));
    EXPECT_DT("9 days 12:00:00", "-", TSV("2024-03-10 12:00"), TSV("2024-03-01"));
    EXPECT_DT("1 day 12:00:00", "*", IVV("1 day"), F8(1.5));
    EXPECT_DT("06:00:00", "/", IVV("1 day"), F8(4));
    EXPECT_DT("01:30:00", "-", TMV("10:00"), TMV("08:30"));
    EXPECT_DT("01:00:00", "+", TMV("23:00"), IVV("2 hours"));
    EXPECT_DT("2024-01-01 10:00:00", "+", DV("2024-01-01"), TMV("10:00"));
    EXPECT_DT("1 day 01:00:00", "+", IVV("1 day"), IVV("1 hour"));
    EXPECT_DT("-1 days", "-", IVV("1 day"));
    /* DST: select '2024-03-09 12:00 America/New_York'::timestamptz + '1 day' (in that zone) keeps 12:00
     * local: 2024-03-10 12:00:00-04 */
    set_zone("America/New_York");
    EXPECT_DT("2024-03-10 12:00:00-04", "+", TSTZV("2024-03-09 12:00"), IVV("1 day"));
    EXPECT_DT("2024-03-10 13:00:00-04", "+", TSTZV("2024-03-09 12:00"), IVV("24 hours"));
    /* timestamptz comparisons read the other side in the session zone:
     * select '2024-01-02'::date = '2024-01-02 05:00+00'::timestamptz (New York) => t */
    EXPECT_BOOL(1, "=", DV("2024-01-02"), TSTZV("2024-01-02 05:00+00"));
    EXPECT_BOOL(1, "<", TSV("2024-01-02 00:00"), TSTZV("2024-01-02 05:00:01+00"));
    EXPECT_BOOL(1, ">", TSTZV("2024-01-02 05:00:01+00"), TSV("2024-01-02 00:00"));
}

static void test_at_time_zone(void **state)
{
    (void)state;
    /* select timezone('Asia/Tokyo', '2024-03-05 14:07:09+00'::timestamptz),
     * '2024-03-05 14:07:09'::timestamp at time zone 'America/New_York',
     * '2024-03-05 14:07:09+00'::timestamptz at time zone interval '+02:00',
     * '2024-03-05 14:07:09'::timestamp at time zone 'EST'
     * => 2024-03-05 23:07:09|2024-03-05 19:07:09+00|2024-03-05 16:07:09|2024-03-05 19:07:09+00 */
    EXPECT_DT("2024-03-05 23:07:09", "timezone", T("Asia/Tokyo"), TSTZV("2024-03-05 14:07:09+00"));
    EXPECT_DT("2024-03-05 19:07:09+00", "timezone", T("America/New_York"), TSV("2024-03-05 14:07:09"));
    EXPECT_DT("2024-03-05 16:07:09", "timezone", IVV("02:00"), TSTZV("2024-03-05 14:07:09+00"));
    EXPECT_DT("2024-03-05 19:07:09+00", "timezone", T("EST"), TSV("2024-03-05 14:07:09"));
    EXPECT_ERR("22023", "time zone \"Mars/Olympus\" not recognized", "timezone", T("Mars/Olympus"),
               TSTZV("2024-03-05 14:07:09+00"));
}

static void test_to_char_time(void **state)
{
    (void)state;
    /* select to_char('2024-03-05 14:07:09.123456'::timestamp, 'YYYY-MM-DD HH24:MI:SS.MS US FF3 HH12 am AM
     * P.M. Mon MON month Month DY Dy day D DDD ID IW WW W Q CC J SSSS SSSSS Y,YYY YYY YY Y IYYY RM rm') */
    EXPECT_TEXT("2024-03-05 14:07:09.123 123456 123 02 pm PM P.M. Mar MAR march     March     TUE Tue "
                "tuesday   3 065 2 10 "
                "10 1 1 21 2460375 50829 50829 2,024 024 24 4 2024 III  iii ",
                "to_char", TSV("2024-03-05 14:07:09.123456"),
                T("YYYY-MM-DD HH24:MI:SS.MS US FF3 HH12 am AM P.M. Mon MON month Month DY Dy day D DDD ID IW "
                  "WW W Q CC J "
                  "SSSS SSSSS Y,YYY YYY YY Y IYYY RM rm"));
    /* select to_char('2024-03-05 04:07:09'::timestamp, 'FMHH12:MI FMDD FMMonth FMDay DDth ddth DDTH "quoted
     * YYYY" \\ YYYY')
     * => 4:07 5 March Tuesday 05th 05th 05TH quoted YYYY \\ 2024 */
    EXPECT_TEXT("4:07 5 March Tuesday 05th 05th 05TH quoted YYYY \\\\ 2024", "to_char",
                TSV("2024-03-05 04:07:09"),
                T("FMHH12:MI FMDD FMMonth FMDay DDth ddth DDTH \"quoted YYYY\" \\\\ YYYY"));
    /* select to_char('2024-03-01'::date, 'DDth'), ... 02, 03, 11, 22 (DDTH) => 01st|02nd|03rd|11th|22ND */
    EXPECT_TEXT("01st", "to_char", TSV("2024-03-01"), T("DDth"));
    EXPECT_TEXT("02nd", "to_char", TSV("2024-03-02"), T("DDth"));
    EXPECT_TEXT("03rd", "to_char", TSV("2024-03-03"), T("DDth"));
    EXPECT_TEXT("11th", "to_char", TSV("2024-03-11"), T("DDth"));
    EXPECT_TEXT("22ND", "to_char", TSV("2024-03-22"), T("DDTH"));
    /* select to_char('2024-03-05 14:07:09+00'::timestamptz, 'YYYY-MM-DD"T"HH24:MI:SSOF TZ tz TZH:TZM')
     * => 2024-03-05T14:07:09+00 UTC utc +00:00 */
    EXPECT_TEXT("2024-03-05T14:07:09+00 UTC utc +00:00", "to_char", TSTZV("2024-03-05 14:07:09+00"),
                T("YYYY-MM-DD\"T\"HH24:MI:SSOF TZ tz TZH:TZM"));
    /* select to_char('2024-03-05 14:07:09.123456'::timestamp, 'IDDD IYY IY I Q W WW CC'),
     * to_char('2024-12-30'::date, 'IYYY-IW-ID'), to_char('0044-03-15 BC'::timestamp, 'YYYY BC CC Y,YYY'),
     * to_char('2024-03-05 00:07:09'::timestamp, 'HH12 AM HH24'), to_char('2024-03-05 12:00:00'::timestamp,
     * 'HH12 PM a.m.'), to_char('2024-03-05'::timestamp, 'FMDDD FMD FMWW'), to_char('2024-03-05'::timestamp,
     * 'SSSSS FF1 FF6')
     * => 065 024 24 4 1 1 10 21|2025-01-1|0044 BC -01 0,044|12 AM 00|12 PM p.m.|65 3 10|0 0 000000 */
    EXPECT_TEXT("065 024 24 4 1 1 10 21", "to_char", TSV("2024-03-05 14:07:09.123456"),
                T("IDDD IYY IY I Q W WW CC"));
    EXPECT_TEXT("2025-01-1", "to_char", TSV("2024-12-30"), T("IYYY-IW-ID"));
    EXPECT_TEXT("0044 BC -01 0,044", "to_char", TSV("0044-03-15 BC"), T("YYYY BC CC Y,YYY"));
    EXPECT_TEXT("12 AM 00", "to_char", TSV("2024-03-05 00:07:09"), T("HH12 AM HH24"));
    EXPECT_TEXT("12 PM p.m.", "to_char", TSV("2024-03-05 12:00:00"), T("HH12 PM a.m."));
    EXPECT_TEXT("65 3 10", "to_char", TSV("2024-03-05"), T("FMDDD FMD FMWW"));
    EXPECT_TEXT("0 0 000000", "to_char", TSV("2024-03-05"), T("SSSSS FF1 FF6"));
    /* set timezone='America/New_York'; select to_char('2024-03-05 14:07:09+00'::timestamptz,
     * 'YYYY-MM-DD HH24:MI:SS OF TZ TZH:TZM'), to_char('2024-07-05 14:07:09+00'::timestamptz, 'TZ OF')
     * => 2024-03-05 09:07:09 -05 EST -05:00|EDT -04 */
    set_zone("America/New_York");
    EXPECT_TEXT("2024-03-05 09:07:09 -05 EST -05:00", "to_char", TSTZV("2024-03-05 14:07:09+00"),
                T("YYYY-MM-DD HH24:MI:SS OF TZ TZH:TZM"));
    EXPECT_TEXT("EDT -04", "to_char", TSTZV("2024-07-05 14:07:09+00"), T("TZ OF"));
    /* set timezone='Asia/Kolkata'; select to_char('2024-03-05 14:07:09+00'::timestamptz, 'HH24:MI OF TZH:TZM
     * TZ')
     * => 19:37 +05:30 +05:30 IST */
    set_zone("Asia/Kolkata");
    EXPECT_TEXT("19:37 +05:30 +05:30 IST", "to_char", TSTZV("2024-03-05 14:07:09+00"),
                T("HH24:MI OF TZH:TZM TZ"));
    /* select to_char('1 day 02:03:04.5'::interval, 'DD HH24:MI:SS.MS'), to_char('3 years 2 mons'::interval,
     * 'YYYY MM'), to_char('-1 hour'::interval, 'HH24') => 01 02:03:04.500|0003 02|-01 */
    EXPECT_TEXT("01 02:03:04.500", "to_char", IVV("1 day 02:03:04.5"), T("DD HH24:MI:SS.MS"));
    EXPECT_TEXT("0003 02", "to_char", IVV("3 years 2 mons"), T("YYYY MM"));
    EXPECT_TEXT("-01", "to_char", IVV("-1 hour"), T("HH24"));
    /* negative interval fields: days keep their width, the others widen for the sign:
     * select to_char(interval '-3 years -2 mons -3 days -04:05:06.5', 'YYYY MM DD HH HH12 HH24 MI SS MS US
     * YYY YY Y')
     * => -0003 -02 -3 -04 -04 -04 -05 -06 -500 -500000 -003 -03 -3 */
    EXPECT_TEXT("-0003 -02 -3 -04 -04 -04 -05 -06 -500 -500000 -003 -03 -3", "to_char",
                IVV("-3 years -2 mons -3 days -04:05:06.5"),
                T("YYYY MM DD HH HH12 HH24 MI SS MS US YYY YY Y"));
}

static void test_to_char_number(void **state)
{
    (void)state;
    /* select to_char(1234.5, '9999.99'), to_char(1234.5, 'FM9999.99'), to_char(-1234.5, '9,999.00'),
     * to_char(0.5, '0.99'), to_char(0.5, '9.99'), to_char(12, '000'), to_char(123456, '999'), to_char(-5,
     * 'S9'), to_char(5, 'SG9'), to_char(-5, '9MI'), to_char(5, 'PL9'), to_char(1234, '9G999D99'), to_char(42,
     * 'FM99th'), to_char(1.5e10::float8, '9.99EEEE'), to_char(485, 'RN'), to_char(12.345::float8, '99.9'),
     * to_char(-0.1, 'FM9.99'), to_char(3, '9V99') => " 1234.50|1234.5|-1,234.50| 0.50|  .50| 012|
     * ###|-5|+5|5-|+ 5| 1,234.00|42nd| 1.50e+10|        CDLXXXV| 12.3|-.1| 300" */
    EXPECT_TEXT(" 1234.50", "to_char", N("1234.5"), T("9999.99"));
    EXPECT_TEXT("1234.5", "to_char", N("1234.5"), T("FM9999.99"));
    EXPECT_TEXT("-1,234.50", "to_char", N("-1234.5"), T("9,999.00"));
    EXPECT_TEXT(" 0.50", "to_char", N("0.5"), T("0.99"));
    EXPECT_TEXT("  .50", "to_char", N("0.5"), T("9.99"));
    EXPECT_TEXT(" 012", "to_char", I4(12), T("000"));
    EXPECT_TEXT(" ###", "to_char", I4(123456), T("999"));
    EXPECT_TEXT("-5", "to_char", I4(-5), T("S9"));
    EXPECT_TEXT("+5", "to_char", I4(5), T("SG9"));
    EXPECT_TEXT("5-", "to_char", I4(-5), T("9MI"));
    EXPECT_TEXT("+ 5", "to_char", I4(5), T("PL9"));
    EXPECT_TEXT(" 1,234.00", "to_char", I4(1234), T("9G999D99"));
    EXPECT_TEXT("42nd", "to_char", I4(42), T("FM99th"));
    EXPECT_TEXT(" 1.50e+10", "to_char", F8(1.5e10), T("9.99EEEE"));
    EXPECT_TEXT("        CDLXXXV", "to_char", I4(485), T("RN"));
    EXPECT_TEXT(" 12.3", "to_char", F8(12.345), T("99.9"));
    EXPECT_TEXT("-.1", "to_char", N("-0.1"), T("FM9.99"));
    EXPECT_TEXT(" 300", "to_char", I4(3), T("9V99"));
    /* select to_char(0, '9.99'), to_char(0, '999'), to_char(0, 'FM999'), to_char(-0.5, '9.99'), to_char(-0.5,
     * '0.99'), to_char(5, '0999'), to_char(5, '9099'), to_char(-5, '0999') => "  .00|   0|0| -.50|-0.50|
     * 0005|  005|-0005" */
    EXPECT_TEXT("  .00", "to_char", I4(0), T("9.99"));
    EXPECT_TEXT("   0", "to_char", I4(0), T("999"));
    EXPECT_TEXT("0", "to_char", I4(0), T("FM999"));
    EXPECT_TEXT(" -.50", "to_char", N("-0.5"), T("9.99"));
    EXPECT_TEXT("-0.50", "to_char", N("-0.5"), T("0.99"));
    EXPECT_TEXT(" 0005", "to_char", I4(5), T("0999"));
    EXPECT_TEXT("  005", "to_char", I4(5), T("9099"));
    EXPECT_TEXT("-0005", "to_char", I4(-5), T("0999"));
    /* select to_char(1234567, '9,999,999'), to_char(12, '9,999'), to_char(-12, '9,999'), to_char(12,
     * 'FM9,999'), to_char(1234.5678, '9999.9'), to_char(1234.5678, '9999'), to_char(-1234.5, '9999'),
     * to_char(0.05, '9.9')
     * => " 1,234,567|    12|   -12|12| 1234.6| 1235|-1235|  .1" */
    EXPECT_TEXT(" 1,234,567", "to_char", I4(1234567), T("9,999,999"));
    EXPECT_TEXT("    12", "to_char", I4(12), T("9,999"));
    EXPECT_TEXT("   -12", "to_char", I4(-12), T("9,999"));
    EXPECT_TEXT("12", "to_char", I4(12), T("FM9,999"));
    EXPECT_TEXT(" 1234.6", "to_char", N("1234.5678"), T("9999.9"));
    EXPECT_TEXT(" 1235", "to_char", N("1234.5678"), T("9999"));
    EXPECT_TEXT("-1235", "to_char", N("-1234.5"), T("9999"));
    EXPECT_TEXT("  .1", "to_char", N("0.05"), T("9.9"));
    /* select to_char(12, 'S999'), to_char(-12, 'S999'), to_char(12, '999S'), to_char(-12, '999S'),
     * to_char(-12, '999MI'), to_char(12, '999MI'), to_char(12, 'MI999'), to_char(-12, 'MI999'), to_char(-12,
     * 'SG999'), to_char(12, 'PL999'), to_char(-12, 'PL999'), to_char(12, 'FMPL999')
     * => " +12| -12| 12+| 12-| 12-| 12 |  12|- 12|- 12|+  12|  -12|+12" */
    EXPECT_TEXT(" +12", "to_char", I4(12), T("S999"));
    EXPECT_TEXT(" -12", "to_char", I4(-12), T("S999"));
    EXPECT_TEXT(" 12+", "to_char", I4(12), T("999S"));
    EXPECT_TEXT(" 12-", "to_char", I4(-12), T("999S"));
    EXPECT_TEXT(" 12-", "to_char", I4(-12), T("999MI"));
    EXPECT_TEXT(" 12 ", "to_char", I4(12), T("999MI"));
    EXPECT_TEXT("  12", "to_char", I4(12), T("MI999"));
    EXPECT_TEXT("- 12", "to_char", I4(-12), T("MI999"));
    EXPECT_TEXT("- 12", "to_char", I4(-12), T("SG999"));
    EXPECT_TEXT("+  12", "to_char", I4(12), T("PL999"));
    EXPECT_TEXT("  -12", "to_char", I4(-12), T("PL999"));
    EXPECT_TEXT("+12", "to_char", I4(12), T("FMPL999"));
    /* select to_char(1.5, 'FM999.999'), to_char(1.5, 'FM999.990'), to_char(10, 'FM999.'), to_char(10,
     * '999.'), to_char(12.5, '99D9'), to_char(1.25, '9.9'), to_char(1.35::float8, '9.9'),
     * to_char(2.5::float8, '9'), to_char(3.5::float8, '9'), to_char(-2.5, '9') => "1.5|1.500|10|
     * 10| 12.5| 1.3| 1.4| 2| 4|-3" */
    EXPECT_TEXT("1.5", "to_char", N("1.5"), T("FM999.999"));
    EXPECT_TEXT("1.500", "to_char", N("1.5"), T("FM999.990"));
    EXPECT_TEXT("10", "to_char", I4(10), T("FM999."));
    EXPECT_TEXT("  10", "to_char", I4(10), T("999."));
    EXPECT_TEXT(" 12.5", "to_char", N("12.5"), T("99D9"));
    EXPECT_TEXT(" 1.3", "to_char", N("1.25"), T("9.9"));
    EXPECT_TEXT(" 1.4", "to_char", F8(1.35), T("9.9"));
    EXPECT_TEXT(" 2", "to_char", F8(2.5), T("9"));
    EXPECT_TEXT(" 4", "to_char", F8(3.5), T("9"));
    EXPECT_TEXT("-3", "to_char", N("-2.5"), T("9"));
    /* select to_char(0.5, 'FM9.99'), to_char(123, 'S999'), to_char(12, 'FM999MI'), to_char(-12, 'FM999MI'),
     * to_char(12.34::float8, 'FM999.9999'), to_char(1234567.891::float8, '9,999,999.99')
     * => ".5|+123|12|12-|12.34| 1,234,567.89" */
    EXPECT_TEXT(".5", "to_char", N("0.5"), T("FM9.99"));
    EXPECT_TEXT("+123", "to_char", I4(123), T("S999"));
    EXPECT_TEXT("12", "to_char", I4(12), T("FM999MI"));
    EXPECT_TEXT("12-", "to_char", I4(-12), T("FM999MI"));
    EXPECT_TEXT("12.34", "to_char", F8(12.34), T("FM999.9999"));
    EXPECT_TEXT(" 1,234,567.89", "to_char", F8(1234567.891), T("9,999,999.99"));
    /* select to_char(12345, '99999th'), to_char(11, 'FM99TH'), to_char(-3, '99th'), to_char(12, '9V9'),
     * to_char(1.25, '9V99'), to_char(12345.678, '9.999EEEE'), to_char(-0.00012, '9.9EEEE'), to_char(0,
     * '9.99EEEE')
     * => " 12345th|11TH| -3| ##| 125| 1.235e+04|-1.2e-04| 0.00e+00" */
    EXPECT_TEXT(" 12345th", "to_char", I4(12345), T("99999th"));
    EXPECT_TEXT("11TH", "to_char", I4(11), T("FM99TH"));
    EXPECT_TEXT(" -3", "to_char", I4(-3), T("99th"));
    EXPECT_TEXT(" ##", "to_char", I4(12), T("9V9"));
    EXPECT_TEXT(" 125", "to_char", N("1.25"), T("9V99"));
    EXPECT_TEXT(" 1.235e+04", "to_char", N("12345.678"), T("9.999EEEE"));
    EXPECT_TEXT("-1.2e-04", "to_char", N("-0.00012"), T("9.9EEEE"));
    EXPECT_TEXT(" 0.00e+00", "to_char", I4(0), T("9.99EEEE"));
    /* select to_char(1999, 'RN'), to_char(1999, 'FMRN'), to_char(4, 'rn'), to_char(0, 'RN'), to_char(12,
     * 'L99'), to_char(12, '99 "x" 9'), to_char(9999999999::int8, '9999'), to_char('NaN'::float8, '9.9')
     * => "        MCMXCIX|MCMXCIX|             iv|###############|  12|  1 x 2| ####| #.#" */
    EXPECT_TEXT("        MCMXCIX", "to_char", I4(1999), T("RN"));
    EXPECT_TEXT("MCMXCIX", "to_char", I4(1999), T("FMRN"));
    EXPECT_TEXT("             iv", "to_char", I4(4), T("rn"));
    EXPECT_TEXT("###############", "to_char", I4(0), T("RN"));
    EXPECT_TEXT("  12", "to_char", I4(12), T("L99"));
    EXPECT_TEXT("  1 x 2", "to_char", I4(12), T("99 \"x\" 9"));
    EXPECT_TEXT(" ####", "to_char", I8(9999999999), T("9999"));
    EXPECT_TEXT(" #.#", "to_char", F8(NAN), T("9.9"));
    EXPECT_TEXT(" #.#", "to_char", N("NaN"), T("9.9"));
    /* where the number's text runs out (float precision, or no point in it) PostgreSQL's output ends:
     * select to_char(10, '999."x"'), to_char(12345678.9::float4, '99999999.9"x"'),
     * to_char(1234567890.123456::float8, '9999999999.999999'), to_char(12345.6::float4, '99999.99')
     * => "  10| 12345679| 1234567890.12346| 12345.6" */
    EXPECT_TEXT("  10", "to_char", I4(10), T("999.\"x\""));
    EXPECT_TEXT(" 12345679", "to_char", F4(12345678.9f), T("99999999.9\"x\""));
    EXPECT_TEXT(" 1234567890.12346", "to_char", F8(1234567890.123456), T("9999999999.999999"));
    EXPECT_TEXT(" 12345.6", "to_char", F4(12345.6f), T("99999.99"));
    /* float sign and digits as printf gives them: select to_char(-0.0::float8, '9.9'), to_char(-0.4::float8,
     * '9'), to_char(0.1::float4, '9.9999999') => " -.0|-0|  .10000" */
    EXPECT_TEXT(" -.0", "to_char", F8(-0.0), T("9.9"));
    EXPECT_TEXT("-0", "to_char", F8(-0.4), T("9"));
    EXPECT_TEXT("  .10000", "to_char", F4(0.1f), T("9.9999999"));
    /* select to_char(1.5, '9.9.9') => ERROR multiple decimal points */
    EXPECT_ERR("42601", "multiple decimal points", "to_char", N("1.5"), T("9.9.9"));
}

static void test_to_timestamp_format(void **state)
{
    (void)state;
    /* select to_timestamp('2024-03-05 14:07:09', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp('05 Mar 2024 2:07
     * PM', 'DD Mon YYYY HH:MI AM'), to_date('2024-03-05', 'YYYY-MM-DD'), to_date('20240305', 'YYYYMMDD'),
     * to_timestamp('2024-03-05T14:07:09.250', 'YYYY-MM-DD"T"HH24:MI:SS.MS') => 2024-03-05 14:07:09+00|
     * 2024-03-05 14:07:00+00|2024-03-05|2024-03-05|2024-03-05 14:07:09.25+00 */
    EXPECT_DT("2024-03-05 14:07:09+00", "to_timestamp", T("2024-03-05 14:07:09"), T("YYYY-MM-DD HH24:MI:SS"));
    EXPECT_DT("2024-03-05 14:07:00+00", "to_timestamp", T("05 Mar 2024 2:07 PM"), T("DD Mon YYYY HH:MI AM"));
    EXPECT_DT("2024-03-05", "to_date", T("2024-03-05"), T("YYYY-MM-DD"));
    EXPECT_DT("2024-03-05", "to_date", T("20240305"), T("YYYYMMDD"));
    EXPECT_DT("2024-03-05 14:07:09.25+00", "to_timestamp", T("2024-03-05T14:07:09.250"),
              T("YYYY-MM-DD\"T\"HH24:MI:SS.MS"));
    /* select to_timestamp('2024-03-05 14:07:09 +02:00', 'YYYY-MM-DD HH24:MI:SS TZH:TZM'),
     * to_date('March 5, 2024', 'Month DD, YYYY'), to_timestamp('  2024   03 05', 'YYYY MM DD'),
     * to_timestamp('2024/3/5', 'YYYY/MM/DD'), to_timestamp('1 2 3', 'HH24 MI SS') => 2024-03-05 12:07:09+00|
     * 2024-03-05|2024-03-05 00:00:00+00|2024-03-05 00:00:00+00|0001-01-01 01:02:03+00 BC */
    EXPECT_DT("2024-03-05 12:07:09+00", "to_timestamp", T("2024-03-05 14:07:09 +02:00"),
              T("YYYY-MM-DD HH24:MI:SS TZH:TZM"));
    EXPECT_DT("2024-03-05", "to_date", T("March 5, 2024"), T("Month DD, YYYY"));
    EXPECT_DT("2024-03-05 00:00:00+00", "to_timestamp", T("  2024   03 05"), T("YYYY MM DD"));
    EXPECT_DT("2024-03-05 00:00:00+00", "to_timestamp", T("2024/3/5"), T("YYYY/MM/DD"));
    EXPECT_DT("0001-01-01 01:02:03+00 BC", "to_timestamp", T("1 2 3"), T("HH24 MI SS"));
    /* select to_date('05.03.24', 'DD.MM.YY'), to_date('2024-065', 'YYYY-DDD'), to_date('2460375', 'J'),
     * to_date('III 2024', 'RM YYYY'), to_timestamp('2024 3 5 14 7 9 123456', 'YYYY MM DD HH24 MI SS US'),
     * to_timestamp('44 BC', 'YYYY BC') => 2024-03-05|2024-03-05|2024-03-05|2024-03-01|
     * 2024-03-05 14:07:09.123456+00|0044-01-01 00:00:00+00 BC */
    EXPECT_DT("2024-03-05", "to_date", T("05.03.24"), T("DD.MM.YY"));
    EXPECT_DT("2024-03-05", "to_date", T("2024-065"), T("YYYY-DDD"));
    EXPECT_DT("2024-03-05", "to_date", T("2460375"), T("J"));
    EXPECT_DT("2024-03-01", "to_date", T("III 2024"), T("RM YYYY"));
    EXPECT_DT("2024-03-05 14:07:09.123456+00", "to_timestamp", T("2024 3 5 14 7 9 123456"),
              T("YYYY MM DD HH24 MI SS US"));
    EXPECT_DT("0044-01-01 00:00:00+00 BC", "to_timestamp", T("44 BC"), T("YYYY BC"));
    /* a zone-less input is read in the session zone: set timezone='Asia/Kolkata';
     * select to_timestamp('2024-03-05 10:00', 'YYYY-MM-DD HH24:MI') => 2024-03-05 10:00:00+05:30 */
    set_zone("Asia/Kolkata");
    EXPECT_DT("2024-03-05 10:00:00+05:30", "to_timestamp", T("2024-03-05 10:00"), T("YYYY-MM-DD HH24:MI"));
    set_zone("UTC");
    /* errors */
    EXPECT_ERR("22008", "date/time field value out of range: \"2024-13-05\"", "to_timestamp", T("2024-13-05"),
               T("YYYY-MM-DD"));
    EXPECT_ERR("22008", "date/time field value out of range: \"2024-02-30\"", "to_date", T("2024-02-30"),
               T("YYYY-MM-DD"));
    EXPECT_ERR("22007", "invalid value \"abc\" for \"YYYY\"", "to_timestamp", T("abc"), T("YYYY"));
    EXPECT_ERR("22007", "invalid value \"xx\" for \"MM\"", "to_date", T("2024-xx-01"), T("YYYY-MM-DD"));
    EXPECT_ERR("22007", "invalid value \"Foo\" for \"Mon\"", "to_date", T("2024 Foo 01"), T("YYYY Mon DD"));
    EXPECT_ERR("22008", "hour \"13\" is invalid for the 12-hour clock", "to_timestamp", T("13"), T("HH12"));
}

static int time_setup(void **state)
{
    fnt_setup(state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_now, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_trunc_bin_part, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_age_justify_make, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_operators, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_at_time_zone, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_to_char_time, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_to_char_number, time_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_to_timestamp_format, time_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
