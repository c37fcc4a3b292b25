/*
 * typeio_timefmt.c: the time formats of stream decoders (typeio.h, "<column>.format"): ISO 8601,
 * RFC 2822, epoch seconds and milliseconds, strftime-style patterns, and "auto" (whatever
 * timestamptz_in accepts). These run once per record per time column, so the fixed formats are
 * hand-written scanners; only "auto" goes through the general date/time parser.
 *
 * Format names accepted (Trino's Kinesis connector spellings included): iso8601 / iso-8601, rfc2822 /
 * rfc-2822, seconds / epoch / epoch-seconds / seconds-since-epoch / unix, milliseconds / millis /
 * epoch-millis / milliseconds-since-epoch, auto; anything containing '%' is a pattern.
 *
 * Pattern directives: %Y %y %m %d %e %H %I %M %S %f (fraction, 1-9 digits) %p (AM/PM) %b %h %B (month
 * names) %a %A (weekday names, skipped) %j (day of year) %z (+hhmm, +hh:mm, Z) %Z (zone abbreviation
 * or name) %s (epoch seconds) %T (%H:%M:%S) %D (%m/%d/%y) %F (%Y-%m-%d) %R (%H:%M) %%; a space
 * matches any run of blanks; other bytes match themselves.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sql/datetime.h"
#include "sql/typeio.h"

int sql_time_format_parse(const char *s, SqlTimeFormat *out)
{
    static const struct {
        const char *name;
        int kind;
    } names[] = {
        {"auto", SQL_TIMEFMT_AUTO},
        {"iso8601", SQL_TIMEFMT_ISO8601},
        {"iso-8601", SQL_TIMEFMT_ISO8601},
        {"iso", SQL_TIMEFMT_ISO8601},
        {"rfc2822", SQL_TIMEFMT_RFC2822},
        {"rfc-2822", SQL_TIMEFMT_RFC2822},
        {"rfc822", SQL_TIMEFMT_RFC2822},
        {"seconds", SQL_TIMEFMT_EPOCH_SECONDS},
        {"epoch", SQL_TIMEFMT_EPOCH_SECONDS},
        {"epoch-seconds", SQL_TIMEFMT_EPOCH_SECONDS},
        {"epoch_seconds", SQL_TIMEFMT_EPOCH_SECONDS},
        {"seconds-since-epoch", SQL_TIMEFMT_EPOCH_SECONDS},
        {"unix", SQL_TIMEFMT_EPOCH_SECONDS},
        {"milliseconds", SQL_TIMEFMT_EPOCH_MILLIS},
        {"millis", SQL_TIMEFMT_EPOCH_MILLIS},
        {"epoch-millis", SQL_TIMEFMT_EPOCH_MILLIS},
        {"epoch_millis", SQL_TIMEFMT_EPOCH_MILLIS},
        {"milliseconds-since-epoch", SQL_TIMEFMT_EPOCH_MILLIS},
    };
    if (!s)
        return -1;
    if (strchr(s, '%')) {
        out->kind = SQL_TIMEFMT_PATTERN;
        out->pattern = s;
        return 0;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            out->kind = names[i].kind;
            out->pattern = NULL;
            return 0;
        }
    }
    return -1;
}

/* Fields a parse collects before turning them into an instant. */
typedef struct TF {
    int year, mon, mday, hour, min, sec, yday;
    int32_t usec;
    int has_off;
    int32_t off;           /* seconds east */
    const SqlTz *zone;     /* a named zone from %Z */
    int pm;                /* -1 none, 0 AM, 1 PM */
    int has_epoch;
    int64_t epoch_usec;
} TF;

static int digits(const char **pp, const char *end, int min, int max, int *out)
{
    const char *p = *pp;
    int v = 0, n = 0;
    while (p < end && n < max && isdigit((unsigned char)*p)) {
        v = v * 10 + (*p - '0');
        p++, n++;
    }
    if (n < min)
        return -1;
    *out = v;
    *pp = p;
    return 0;
}

/* fraction digits after the point: up to 9 read, microseconds rounded half up */
static int fraction(const char **pp, const char *end, int32_t *usec)
{
    const char *p = *pp;
    int64_t v = 0;
    int n = 0;
    while (p < end && isdigit((unsigned char)*p)) {
        if (n < 9) {
            v = v * 10 + (*p - '0');
            n++;
        }
        p++;
    }
    if (n == 0)
        return -1;
    while (n < 9) {
        v *= 10;
        n++;
    }
    *usec = (int32_t)((v + 500) / 1000);
    *pp = p;
    return 0;
}

/* Z, +hh, +hhmm, +hh:mm (and UT/GMT for RFC 2822 callers) */
static int zone_offset(const char **pp, const char *end, int32_t *off)
{
    const char *p = *pp;
    if (p < end && (*p == 'Z' || *p == 'z')) {
        *off = 0;
        *pp = p + 1;
        return 0;
    }
    if (p >= end || (*p != '+' && *p != '-'))
        return -1;
    int neg = *p == '-', h, m = 0;
    p++;
    if (digits(&p, end, 2, 2, &h))
        return -1;
    if (p < end && *p == ':')
        p++;
    if (p < end && isdigit((unsigned char)*p) && digits(&p, end, 2, 2, &m))
        return -1;
    if (h > 15 || m > 59)
        return -1;
    *off = (h * 3600 + m * 60) * (neg ? -1 : 1);
    *pp = p;
    return 0;
}

static const char *const MONTHS[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const MONTHS_FULL[12] = {"january", "february", "march",     "april",   "may",      "june",
                                            "july",    "august",   "september", "october", "november", "december"};
static const char *const WDAYS[7] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};

static int month_name(const char **pp, const char *end, int full_ok, int *mon)
{
    const char *p = *pp;
    size_t n = (size_t)(end - p);
    for (int i = 0; i < 12; i++) {
        size_t fl = strlen(MONTHS_FULL[i]);
        if (full_ok && n >= fl && strncasecmp(p, MONTHS_FULL[i], fl) == 0) {
            *mon = i + 1;
            *pp = p + fl;
            return 0;
        }
    }
    for (int i = 0; i < 12; i++) {
        if (n >= 3 && strncasecmp(p, MONTHS[i], 3) == 0) {
            *mon = i + 1;
            *pp = p + 3;
            return 0;
        }
    }
    return -1;
}

static int weekday_name(const char **pp, const char *end)
{
    const char *p = *pp;
    size_t n = (size_t)(end - p);
    for (int i = 0; i < 7; i++) {
        size_t fl = strlen(WDAYS[i]);
        if (n >= fl && strncasecmp(p, WDAYS[i], fl) == 0) {
            *pp = p + fl;
            return 0;
        }
    }
    for (int i = 0; i < 7; i++) {
        if (n >= 3 && strncasecmp(p, WDAYS[i], 3) == 0) {
            *pp = p + 3;
            return 0;
        }
    }
    return -1;
}

static void skip_blanks(const char **pp, const char *end)
{
    while (*pp < end && isspace((unsigned char)**pp))
        (*pp)++;
}

/* Epoch seconds or milliseconds as decimal text (optional sign, fraction, exponent), exact to the
 * microsecond: the digits are scaled as integers, not through a double. */
static int epoch_value(const char *p, size_t n, int64_t unit_usec, int64_t *out)
{
    const char *end = p + n;
    while (p < end && isspace((unsigned char)*p))
        p++;
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    if (end - p >= 2 && *p == '"' && end[-1] == '"') {
        p++;
        end--;
    }
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    __int128 mant = 0;
    int frac = 0, any = 0, dp = 0;
    for (; p < end; p++) {
        if (isdigit((unsigned char)*p)) {
            any = 1;
            if (mant < ((__int128)1 << 100)) {
                mant = mant * 10 + (*p - '0');
                if (dp)
                    frac++;
            } else if (!dp) {
                return -1;
            }
        } else if (*p == '.' && !dp) {
            dp = 1;
        } else {
            break;
        }
    }
    if (!any)
        return -1;
    int exp = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p >= end || !isdigit((unsigned char)*p))
            return -1;
        while (p < end && isdigit((unsigned char)*p)) {
            exp = exp * 10 + (*p++ - '0');
            if (exp > 400)
                return -1;
        }
        if (eneg)
            exp = -exp;
    }
    if (p != end)
        return -1;
    /* value = mant * 10^(exp - frac) units; in microseconds: mant * unit_usec * 10^(exp - frac) */
    __int128 v = mant * unit_usec;
    int scale = exp - frac;
    for (; scale > 0; scale--) {
        v *= 10;
        if (v > ((__int128)1 << 90))
            return -1;
    }
    for (; scale < -1; scale++)
        v /= 10;
    if (scale == -1)
        v = (v + 5) / 10; /* round half up on the last dropped digit */
    if (neg)
        v = -v;
    v -= (__int128)SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
    if (v < SQL_MIN_TIMESTAMP || v >= SQL_END_TIMESTAMP)
        return -1;
    *out = (int64_t)v;
    return 0;
}

/* Fields -> instant: an explicit offset wins, then a %Z zone, else the default zone. */
static int tf_finish(TF *f, const SqlTz *tz, int64_t *out)
{
    if (f->has_epoch) {
        *out = f->epoch_usec;
        return 0;
    }
    if (f->pm >= 0) {
        if (f->hour < 1 || f->hour > 12)
            return -1;
        if (f->pm == 0 && f->hour == 12)
            f->hour = 0;
        else if (f->pm == 1 && f->hour != 12)
            f->hour += 12;
    }
    if (f->yday > 0) {
        if (f->yday > 366)
            return -1;
        sql_j2date(sql_date2j(f->year, 1, 1) + f->yday - 1, &f->year, &f->mon, &f->mday);
    }
    if (f->mon < 1 || f->mon > 12 || f->mday < 1 || f->mday > sql_days_in_month(f->year, f->mon))
        return -1;
    if (f->hour > 24 || f->min > 59 || f->sec > 60 || (f->hour == 24 && (f->min || f->sec || f->usec)))
        return -1;
    SqlTm tm = {f->year, f->mon, f->mday, f->hour, f->min, f->sec, f->usec, 0, 0, NULL};
    int32_t off;
    if (f->has_off)
        off = f->off;
    else
        off = sql_tm_zone_offset(&tm, f->zone ? f->zone : tz);
    return sql_tm2timestamp(&tm, off, out) == 0 ? 0 : -1;
}

static void tf_init(TF *f)
{
    memset(f, 0, sizeof(*f));
    f->year = 1970;
    f->mon = 1;
    f->mday = 1;
    f->pm = -1;
}

/* 2024-05-01[T ]12:00[:00[.fff]][Z|+hh[:mm]], or the basic 20240501T120000Z; a bare date is midnight. */
static int parse_iso8601(const char *p, size_t n, const SqlTz *tz, int64_t *out)
{
    const char *end = p + n;
    TF f;
    tf_init(&f);
    skip_blanks(&p, end);
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    int basic = 0;
    if (p < end && (*p == '+' || *p == '-'))
        return -1;
    if (digits(&p, end, 4, 4, &f.year))
        return -1;
    if (p < end && *p == '-') {
        p++;
        if (digits(&p, end, 2, 2, &f.mon))
            return -1;
        if (p < end && *p == '-') {
            p++;
            if (digits(&p, end, 2, 2, &f.mday))
                return -1;
        }
    } else {
        basic = 1;
        if (digits(&p, end, 2, 2, &f.mon) || digits(&p, end, 2, 2, &f.mday))
            return -1;
    }
    if (p < end && (*p == 'T' || *p == 't' || *p == ' ')) {
        p++;
        if (digits(&p, end, 2, 2, &f.hour))
            return -1;
        if (!basic && p < end && *p == ':')
            p++;
        if (digits(&p, end, 2, 2, &f.min))
            return -1;
        if (p < end && (*p == ':' || (basic && isdigit((unsigned char)*p)))) {
            if (*p == ':')
                p++;
            if (digits(&p, end, 2, 2, &f.sec))
                return -1;
            if (p < end && (*p == '.' || *p == ',')) {
                p++;
                if (fraction(&p, end, &f.usec))
                    return -1;
            }
        }
        if (p < end) {
            if (zone_offset(&p, end, &f.off))
                return -1;
            f.has_off = 1;
        }
    }
    if (p != end)
        return -1;
    if (f.usec >= 1000000) {
        f.usec -= 1000000;
        if (tf_finish(&f, tz, out))
            return -1;
        *out += SQL_USEC_PER_SEC;
        return 0;
    }
    return tf_finish(&f, tz, out);
}

/* RFC 2822 / 822 zone: +hhmm, UT, GMT, Z, EST/EDT/CST/CDT/MST/MDT/PST/PDT, military letters as 0 */
static int rfc_zone(const char **pp, const char *end, int32_t *off)
{
    static const struct {
        const char *n;
        int h;
    } zones[] = {{"UT", 0},   {"GMT", 0},  {"UTC", 0},  {"EST", -5}, {"EDT", -4},
                 {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
    const char *p = *pp;
    if (p < end && (*p == '+' || *p == '-'))
        return zone_offset(pp, end, off);
    for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
        size_t l = strlen(zones[i].n);
        if ((size_t)(end - p) >= l && strncasecmp(p, zones[i].n, l) == 0 &&
            (p + l == end || !isalpha((unsigned char)p[l]))) {
            *off = zones[i].h * 3600;
            *pp = p + l;
            return 0;
        }
    }
    if (p < end && isalpha((unsigned char)*p) && (p + 1 == end || !isalpha((unsigned char)p[1]))) {
        *off = 0; /* obsolete military zones: RFC 2822 says treat as -0000 */
        *pp = p + 1;
        return 0;
    }
    return -1;
}

/* [Wed, ]01 May 2024 12:00[:00] +0000 */
static int parse_rfc2822(const char *p, size_t n, const SqlTz *tz, int64_t *out)
{
    const char *end = p + n;
    TF f;
    tf_init(&f);
    skip_blanks(&p, end);
    if (p < end && isalpha((unsigned char)*p)) {
        if (weekday_name(&p, end))
            return -1;
        skip_blanks(&p, end);
        if (p < end && *p == ',')
            p++;
        skip_blanks(&p, end);
    }
    if (digits(&p, end, 1, 2, &f.mday))
        return -1;
    skip_blanks(&p, end);
    if (month_name(&p, end, 0, &f.mon))
        return -1;
    skip_blanks(&p, end);
    const char *ys = p;
    if (digits(&p, end, 2, 4, &f.year))
        return -1;
    if (p - ys == 2)
        f.year += f.year < 50 ? 2000 : 1900;
    else if (p - ys == 3)
        f.year += 1900;
    skip_blanks(&p, end);
    if (digits(&p, end, 2, 2, &f.hour) || p >= end || *p != ':')
        return -1;
    p++;
    if (digits(&p, end, 2, 2, &f.min))
        return -1;
    if (p < end && *p == ':') {
        p++;
        if (digits(&p, end, 2, 2, &f.sec))
            return -1;
    }
    skip_blanks(&p, end);
    if (p < end) {
        if (rfc_zone(&p, end, &f.off))
            return -1;
        f.has_off = 1;
        skip_blanks(&p, end);
        if (p < end && *p == '(') { /* trailing comment "(UTC)" */
            while (p < end && *p != ')')
                p++;
            if (p < end)
                p++;
            skip_blanks(&p, end);
        }
    }
    if (p != end)
        return -1;
    return tf_finish(&f, tz, out);
}

static int parse_pattern(const char *pat, const char *p, size_t n, const SqlTz *tz, int64_t *out)
{
    const char *end = p + n;
    TF f;
    tf_init(&f);
    while (*pat) {
        if (*pat == ' ') {
            skip_blanks(&p, end);
            pat++;
            continue;
        }
        if (*pat != '%') {
            if (p >= end || *p != *pat)
                return -1;
            p++, pat++;
            continue;
        }
        pat++;
        int v;
        switch (*pat) {
        case 'Y': {
            int neg = 0;
            if (p < end && *p == '-') {
                neg = 1;
                p++;
            }
            if (digits(&p, end, 1, 6, &f.year))
                return -1;
            if (neg)
                f.year = -f.year;
            break;
        }
        case 'y':
            if (digits(&p, end, 2, 2, &v))
                return -1;
            f.year = v < 69 ? 2000 + v : 1900 + v; /* POSIX strptime's pivot */
            break;
        case 'm':
            if (digits(&p, end, 1, 2, &f.mon))
                return -1;
            break;
        case 'd':
        case 'e':
            if (*pat == 'e')
                skip_blanks(&p, end);
            if (digits(&p, end, 1, 2, &f.mday))
                return -1;
            break;
        case 'H':
        case 'I':
            if (digits(&p, end, 1, 2, &f.hour))
                return -1;
            break;
        case 'M':
            if (digits(&p, end, 1, 2, &f.min))
                return -1;
            break;
        case 'S':
            if (digits(&p, end, 1, 2, &f.sec))
                return -1;
            break;
        case 'f':
            if (fraction(&p, end, &f.usec))
                return -1;
            if (f.usec >= 1000000)
                f.usec = 999999;
            break;
        case 'j':
            if (digits(&p, end, 1, 3, &f.yday))
                return -1;
            break;
        case 'p':
            if (end - p >= 2 && strncasecmp(p, "AM", 2) == 0)
                f.pm = 0;
            else if (end - p >= 2 && strncasecmp(p, "PM", 2) == 0)
                f.pm = 1;
            else
                return -1;
            p += 2;
            break;
        case 'b':
        case 'h':
        case 'B':
            if (month_name(&p, end, 1, &f.mon))
                return -1;
            break;
        case 'a':
        case 'A':
            if (weekday_name(&p, end))
                return -1;
            break;
        case 'z':
            if (zone_offset(&p, end, &f.off))
                return -1;
            f.has_off = 1;
            break;
        case 'Z': {
            char name[64];
            size_t l = 0;
            while (p < end && l + 1 < sizeof(name) &&
                   (isalnum((unsigned char)*p) || *p == '/' || *p == '_' || *p == '+' || *p == '-'))
                name[l++] = *p++;
            name[l] = '\0';
            if (l == 0)
                return -1;
            int32_t east;
            int dst;
            char low[64];
            for (size_t i = 0; i <= l; i++)
                low[i] = (char)tolower((unsigned char)name[i]);
            if (sql_tz_abbrev(low, &east, &dst) == 0) {
                f.off = east;
                f.has_off = 1;
            } else if ((f.zone = sql_tz_get_named(name)) == NULL) {
                return -1;
            }
            break;
        }
        case 's': {
            const char *s0 = p;
            if (p < end && (*p == '-' || *p == '+'))
                p++;
            while (p < end && isdigit((unsigned char)*p))
                p++;
            if (epoch_value(s0, (size_t)(p - s0), SQL_USEC_PER_SEC, &f.epoch_usec))
                return -1;
            f.has_epoch = 1;
            break;
        }
        case 'T':
            if (digits(&p, end, 1, 2, &f.hour) || p >= end || *p++ != ':' || digits(&p, end, 1, 2, &f.min) ||
                p >= end || *p++ != ':' || digits(&p, end, 1, 2, &f.sec))
                return -1;
            break;
        case 'R':
            if (digits(&p, end, 1, 2, &f.hour) || p >= end || *p++ != ':' || digits(&p, end, 1, 2, &f.min))
                return -1;
            break;
        case 'F':
            if (digits(&p, end, 4, 6, &f.year) || p >= end || *p++ != '-' || digits(&p, end, 1, 2, &f.mon) ||
                p >= end || *p++ != '-' || digits(&p, end, 1, 2, &f.mday))
                return -1;
            break;
        case 'D':
            if (digits(&p, end, 1, 2, &f.mon) || p >= end || *p++ != '/' || digits(&p, end, 1, 2, &f.mday) ||
                p >= end || *p++ != '/' || digits(&p, end, 2, 2, &v))
                return -1;
            f.year = v < 69 ? 2000 + v : 1900 + v;
            break;
        case '%':
            if (p >= end || *p != '%')
                return -1;
            p++;
            break;
        default:
            return -1; /* unknown directive: the pattern cannot match anything */
        }
        pat++;
    }
    if (p != end)
        return -1;
    return tf_finish(&f, tz, out);
}

int sql_time_parse(const SqlTimeFormat *f, const char *p, size_t n, const SqlTz *tz, int64_t *out_usec)
{
    if (!tz)
        tz = sql_tz_utc();
    switch (f->kind) {
    case SQL_TIMEFMT_ISO8601:
        return parse_iso8601(p, n, tz, out_usec);
    case SQL_TIMEFMT_RFC2822:
        return parse_rfc2822(p, n, tz, out_usec);
    case SQL_TIMEFMT_EPOCH_SECONDS:
        return epoch_value(p, n, SQL_USEC_PER_SEC, out_usec);
    case SQL_TIMEFMT_EPOCH_MILLIS:
        return epoch_value(p, n, 1000, out_usec);
    case SQL_TIMEFMT_PATTERN:
        return f->pattern ? parse_pattern(f->pattern, p, n, tz, out_usec) : -1;
    default: {
        SqlFormatOpts o;
        sql_format_opts_default(&o);
        o.tz = tz;
        return sql_timestamp_from_text(p, n, 1, &o, sql_now_usec(), out_usec, NULL) == WEIR_OK ? 0 : -1;
    }
    }
}
