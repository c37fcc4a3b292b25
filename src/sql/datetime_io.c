/*
 * datetime_io.c: date/time text input and output as PostgreSQL 15 (see datetime.h).
 *
 * Input is PostgreSQL's two-pass scheme, kept rule for rule so odd inputs are accepted or rejected the
 * same way:
 *   1. parse_fields (ParseDateTime) splits the text into typed fields: NUMBER ("2024", "20240105",
 *      ".5"), DATE ("2024-01-05", "jan-5-2024", "america/new_york"), TIME ("12:34:56.5"), TZ ("+05:30",
 *      "-08"), STRING ("january", "pst", "bc") and SPECIAL ("-infinity"). Letters are lower-cased.
 *   2. decode_datetime (DecodeDateTime), decode_time_only (DecodeTimeOnly) or decode_interval
 *      (DecodeInterval, then DecodeISO8601Interval) interpret the fields with a bit mask of what has been
 *      seen, the session's DateOrder for ambiguous numbers, and the zone rules of tz.c.
 * Errors map as PostgreSQL's DateTimeParseError: 22007 invalid input syntax, 22008 field value out of
 * range (with the DateStyle hint for month/day mix-ups), 22015 interval field out of range, 22009 time
 * zone displacement out of range, 22023 unknown time zone name.
 *
 * Output is EncodeDateOnly / EncodeTimeOnly / EncodeDateTime / EncodeInterval for every DateStyle and
 * IntervalStyle, written digit by digit into a caller's buffer (no printf on the hot path).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "sql/datetime.h"

/* field types (ParseDateTime) */
enum { F_NUMBER = 0, F_STRING, F_DATE, F_TIME, F_TZ, F_SPECIAL };

/* token types; their bit masks track which fields were seen (PostgreSQL's DTK_M values) */
enum {
    T_RESERV = 0, T_MONTH = 1, T_YEAR = 2, T_DAY = 3, T_JULIAN = 4, T_TZ = 5, T_DTZ = 6, T_DYNTZ = 7,
    T_IGNORE = 8, T_AMPM = 9, T_HOUR = 10, T_MINUTE = 11, T_SECOND = 12, T_MILLISECOND = 13,
    T_MICROSECOND = 14, T_DOY = 15, T_DOW = 16, T_UNITS = 17, T_ADBC = 18, T_AGO = 19, T_ISOTIME = 23,
    T_WEEK = 24, T_DECADE = 25, T_CENTURY = 26, T_MILLENNIUM = 27, T_DTZMOD = 28, T_UNKNOWN = 31
};
#define M(t) ((int)(1u << (t)))
#define DATE_M (M(T_YEAR) | M(T_MONTH) | M(T_DAY))
#define ALL_SECS_M (M(T_SECOND) | M(T_MILLISECOND) | M(T_MICROSECOND))
#define TIME_M (M(T_HOUR) | M(T_MINUTE) | ALL_SECS_M)

/* RESERV values, plus the unit codes of datetime.h for UNITS tokens */
enum { R_EARLY = 100, R_LATE, R_EPOCH, R_NOW, R_TODAY, R_TOMORROW, R_YESTERDAY, R_ZULU, R_TIME, R_DATE };
enum { AM = 0, PM = 1, HR24 = 2 };
enum { AD = 0, BC = 1 };

/* DTERR codes */
enum { DTERR_BAD_FORMAT = -1, DTERR_FIELD_OVERFLOW = -2, DTERR_MD_FIELD_OVERFLOW = -3,
       DTERR_INTERVAL_OVERFLOW = -4, DTERR_TZDISP_OVERFLOW = -5, DTERR_BAD_ZONE = -6 };

#define MAXDATEFIELDS 25
#define WORKBUF 256

typedef struct Tok {
    const char *tok;
    int type;
    int value;
} Tok;

/* PostgreSQL's datetktbl, sorted (strcmp order) */
static const Tok datetktbl[] = {
    {"-infinity", T_RESERV, R_EARLY}, {"ad", T_ADBC, AD}, {"allballs", T_RESERV, R_ZULU}, {"am", T_AMPM, AM},
    {"apr", T_MONTH, 4}, {"april", T_MONTH, 4}, {"at", T_IGNORE, 0}, {"aug", T_MONTH, 8},
    {"august", T_MONTH, 8}, {"bc", T_ADBC, BC}, {"d", T_UNITS, SQL_DTK_DAY}, {"dec", T_MONTH, 12},
    {"december", T_MONTH, 12}, {"dow", T_UNITS, SQL_DTK_DOW}, {"doy", T_UNITS, SQL_DTK_DOY},
    {"dst", T_DTZMOD, 3600}, {"epoch", T_RESERV, R_EPOCH}, {"feb", T_MONTH, 2}, {"february", T_MONTH, 2},
    {"fri", T_DOW, 5}, {"friday", T_DOW, 5}, {"h", T_UNITS, SQL_DTK_HOUR}, {"infinity", T_RESERV, R_LATE},
    {"isodow", T_UNITS, SQL_DTK_ISODOW}, {"isoyear", T_UNITS, SQL_DTK_ISOYEAR}, {"j", T_UNITS, SQL_DTK_JULIAN},
    {"jan", T_MONTH, 1}, {"january", T_MONTH, 1}, {"jd", T_UNITS, SQL_DTK_JULIAN}, {"jul", T_MONTH, 7},
    {"julian", T_UNITS, SQL_DTK_JULIAN}, {"july", T_MONTH, 7}, {"jun", T_MONTH, 6}, {"june", T_MONTH, 6},
    {"m", T_UNITS, SQL_DTK_MONTH}, {"mar", T_MONTH, 3}, {"march", T_MONTH, 3}, {"may", T_MONTH, 5},
    {"mm", T_UNITS, SQL_DTK_MINUTE}, {"mon", T_DOW, 1}, {"monday", T_DOW, 1}, {"nov", T_MONTH, 11},
    {"november", T_MONTH, 11}, {"now", T_RESERV, R_NOW}, {"oct", T_MONTH, 10}, {"october", T_MONTH, 10},
    {"on", T_IGNORE, 0}, {"pm", T_AMPM, PM}, {"s", T_UNITS, SQL_DTK_SECOND}, {"sat", T_DOW, 6},
    {"saturday", T_DOW, 6}, {"sep", T_MONTH, 9}, {"sept", T_MONTH, 9}, {"september", T_MONTH, 9},
    {"sun", T_DOW, 0}, {"sunday", T_DOW, 0}, {"t", T_ISOTIME, R_TIME}, {"thu", T_DOW, 4},
    {"thur", T_DOW, 4}, {"thurs", T_DOW, 4}, {"thursday", T_DOW, 4}, {"today", T_RESERV, R_TODAY},
    {"tomorrow", T_RESERV, R_TOMORROW}, {"tue", T_DOW, 2}, {"tues", T_DOW, 2}, {"tuesday", T_DOW, 2},
    {"wed", T_DOW, 3}, {"wednesday", T_DOW, 3}, {"weds", T_DOW, 3}, {"y", T_UNITS, SQL_DTK_YEAR},
    {"yesterday", T_RESERV, R_YESTERDAY},
};

static const Tok *tok_search(const Tok *t, size_t n, const char *key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strncmp(key, t[mid].tok, 10);
        if (c == 0)
            return &t[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int decode_special(const char *lower, int *val)
{
    const Tok *t = tok_search(datetktbl, sizeof(datetktbl) / sizeof(datetktbl[0]), lower);
    if (!t) {
        *val = 0;
        return T_UNKNOWN;
    }
    *val = t->value;
    return t->type;
}

/* Time zone abbreviations: TZ (standard) or DTZ (daylight) with *val the offset east in seconds. */
static int decode_tz_abbrev(const char *lower, int *val)
{
    int32_t east;
    int is_dst;
    if (sql_tz_abbrev(lower, &east, &is_dst) != 0)
        return T_UNKNOWN;
    *val = east;
    return is_dst ? T_DTZ : T_TZ;
}

/* ----------------------------------------------------------------------------------------------- */
/* ParseDateTime                                                                                     */
/* ----------------------------------------------------------------------------------------------- */

typedef struct Fields {
    char buf[WORKBUF];
    char *field[MAXDATEFIELDS];
    int ftype[MAXDATEFIELDS];
    int nf;
} Fields;

static int parse_fields(const char *cp, Fields *f)
{
    int nf = 0;
    char *bufp = f->buf, *bufend = f->buf + sizeof(f->buf);
#define APPEND(c)                                                                                                \
    do {                                                                                                         \
        if (bufp + 1 >= bufend)                                                                                  \
            return DTERR_BAD_FORMAT;                                                                             \
        *bufp++ = (c);                                                                                           \
    } while (0)
    while (*cp) {
        if (isspace((unsigned char)*cp)) {
            cp++;
            continue;
        }
        if (nf >= MAXDATEFIELDS)
            return DTERR_BAD_FORMAT;
        f->field[nf] = bufp;
        if (isdigit((unsigned char)*cp)) {
            APPEND(*cp++);
            while (isdigit((unsigned char)*cp))
                APPEND(*cp++);
            if (*cp == ':') {
                f->ftype[nf] = F_TIME;
                APPEND(*cp++);
                while (isdigit((unsigned char)*cp) || *cp == ':' || *cp == '.')
                    APPEND(*cp++);
            } else if (*cp == '-' || *cp == '/' || *cp == '.') {
                char delim = *cp;
                APPEND(*cp++);
                if (isdigit((unsigned char)*cp)) {
                    f->ftype[nf] = delim == '.' ? F_NUMBER : F_DATE;
                    while (isdigit((unsigned char)*cp))
                        APPEND(*cp++);
                    if (*cp == delim) {
                        f->ftype[nf] = F_DATE;
                        APPEND(*cp++);
                        while (isdigit((unsigned char)*cp) || *cp == delim)
                            APPEND(*cp++);
                    }
                } else {
                    f->ftype[nf] = F_DATE;
                    while (isalnum((unsigned char)*cp) || *cp == delim)
                        APPEND((char)tolower((unsigned char)*cp++));
                }
            } else {
                f->ftype[nf] = F_NUMBER;
            }
        } else if (*cp == '.') {
            APPEND(*cp++);
            while (isdigit((unsigned char)*cp))
                APPEND(*cp++);
            f->ftype[nf] = F_NUMBER;
        } else if (isalpha((unsigned char)*cp)) {
            f->ftype[nf] = F_STRING;
            APPEND((char)tolower((unsigned char)*cp++));
            while (isalpha((unsigned char)*cp))
                APPEND((char)tolower((unsigned char)*cp++));
            int is_date = 0;
            if (*cp == '-' || *cp == '/' || *cp == '.') {
                is_date = 1;
            } else if (*cp == '+' || isdigit((unsigned char)*cp)) {
                *bufp = '\0';
                int v;
                if (decode_special(f->field[nf], &v) == T_UNKNOWN)
                    is_date = 1;
            }
            if (is_date) {
                f->ftype[nf] = F_DATE;
                do {
                    APPEND((char)tolower((unsigned char)*cp++));
                } while (*cp == '+' || *cp == '-' || *cp == '/' || *cp == '_' || *cp == '.' || *cp == ':' ||
                         isalnum((unsigned char)*cp));
            }
        } else if (*cp == '+' || *cp == '-') {
            APPEND(*cp++);
            while (isspace((unsigned char)*cp))
                cp++;
            if (isdigit((unsigned char)*cp)) {
                f->ftype[nf] = F_TZ;
                APPEND(*cp++);
                while (isdigit((unsigned char)*cp) || *cp == ':' || *cp == '.' || *cp == '-')
                    APPEND(*cp++);
            } else if (isalpha((unsigned char)*cp)) {
                f->ftype[nf] = F_SPECIAL;
                APPEND((char)tolower((unsigned char)*cp++));
                while (isalpha((unsigned char)*cp))
                    APPEND((char)tolower((unsigned char)*cp++));
            } else {
                return DTERR_BAD_FORMAT;
            }
        } else if (ispunct((unsigned char)*cp)) {
            cp++;
            continue;
        } else {
            return DTERR_BAD_FORMAT;
        }
        APPEND('\0');
        nf++;
    }
#undef APPEND
    f->nf = nf;
    return 0;
}

/* ----------------------------------------------------------------------------------------------- */
/* small parsing helpers                                                                             */
/* ----------------------------------------------------------------------------------------------- */

typedef struct Tm {
    int year, mon, mday, hour, min, sec, yday, wday;
    int32_t fsec;
    int isdst;
} Tm;

/* strtol bounded to int: ERANGE when the value does not fit (PostgreSQL's strtoint) */
static int strtoint(const char *s, char **end, int *out)
{
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno == ERANGE || v > INT_MAX || v < INT_MIN)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_fraction(char *cp, double *frac)
{
    if (cp[1] == '\0') {
        *frac = 0;
        return 0;
    }
    errno = 0;
    *frac = strtod(cp, &cp);
    if (*cp != '\0' || errno != 0)
        return DTERR_BAD_FORMAT;
    return 0;
}

static int parse_fractional_second(char *cp, int32_t *fsec)
{
    double frac;
    int r = parse_fraction(cp, &frac);
    if (r)
        return r;
    *fsec = (int32_t)rint(frac * 1000000);
    return 0;
}

/* hh:mm[:ss[.fff]] or mm:ss.fff (DecodeTimeCommon). hour is 64-bit for intervals. */
static int decode_time_common(char *str, int range_minsec, int *tmask, int64_t *hour, int *min, int *sec,
                              int32_t *fsec)
{
    char *cp;
    *tmask = TIME_M;
    *fsec = 0;
    errno = 0;
    long long h = strtoll(str, &cp, 10);
    if (errno == ERANGE)
        return DTERR_FIELD_OVERFLOW;
    if (*cp != ':')
        return DTERR_BAD_FORMAT;
    if (strtoint(cp + 1, &cp, min))
        return DTERR_FIELD_OVERFLOW;
    *hour = h;
    if (*cp == '\0') {
        *sec = 0;
        if (range_minsec) {
            if (*hour > INT_MAX || *hour < INT_MIN)
                return DTERR_FIELD_OVERFLOW;
            *sec = *min;
            *min = (int)*hour;
            *hour = 0;
        }
    } else if (*cp == '.') {
        int r = parse_fractional_second(cp, fsec);
        if (r)
            return r;
        if (*hour > INT_MAX || *hour < INT_MIN)
            return DTERR_FIELD_OVERFLOW;
        *sec = *min;
        *min = (int)*hour;
        *hour = 0;
    } else if (*cp == ':') {
        if (strtoint(cp + 1, &cp, sec))
            return DTERR_FIELD_OVERFLOW;
        if (*cp == '.') {
            int r = parse_fractional_second(cp, fsec);
            if (r)
                return r;
        } else if (*cp != '\0') {
            return DTERR_BAD_FORMAT;
        }
    } else {
        return DTERR_BAD_FORMAT;
    }
    if (*hour < 0 || *min < 0 || *min > 59 || *sec < 0 || *sec > 60 || *fsec < 0 || *fsec > 1000000)
        return DTERR_FIELD_OVERFLOW;
    return 0;
}

static int decode_time(char *str, int *tmask, Tm *tm)
{
    int64_t h;
    int r = decode_time_common(str, 0, tmask, &h, &tm->min, &tm->sec, &tm->fsec);
    if (r)
        return r;
    if (h > INT_MAX)
        return DTERR_FIELD_OVERFLOW;
    tm->hour = (int)h;
    return 0;
}

static int time_overflows(int hour, int min, int sec, int32_t fsec)
{
    if (hour < 0 || hour > 24 || min < 0 || min >= 60 || sec < 0 || sec > 60 || fsec < 0 || fsec > 1000000)
        return 1;
    return ((((int64_t)hour * 60 + min) * 60 + sec) * 1000000 + fsec) > SQL_USEC_PER_DAY;
}

/* [+-]hh[:mm[:ss]] or [+-]hhmm: *tzp seconds WEST (PostgreSQL's sign). */
static int decode_timezone(char *str, int *tzp)
{
    int hr, min, sec = 0;
    char *cp;
    if (*str != '+' && *str != '-')
        return DTERR_BAD_FORMAT;
    if (strtoint(str + 1, &cp, &hr))
        return DTERR_TZDISP_OVERFLOW;
    if (*cp == ':') {
        if (strtoint(cp + 1, &cp, &min))
            return DTERR_TZDISP_OVERFLOW;
        if (*cp == ':') {
            if (strtoint(cp + 1, &cp, &sec))
                return DTERR_TZDISP_OVERFLOW;
        }
    } else if (*cp == '\0' && strlen(str) > 3) {
        min = hr % 100;
        hr = hr / 100;
    } else {
        min = 0;
    }
    if (hr < 0 || hr > 15 || min < 0 || min >= 60 || sec < 0 || sec >= 60)
        return DTERR_TZDISP_OVERFLOW;
    int tz = (hr * 60 + min) * 60 + sec;
    if (*str == '-')
        tz = -tz;
    *tzp = -tz;
    if (*cp != '\0')
        return DTERR_BAD_FORMAT;
    return 0;
}

/* DecodeNumberField: run-together date (yyyymmdd) or time (hhmmss[.fff]). Returns F_DATE/F_TIME or
 * a DTERR. */
static int decode_number_field(int len, char *str, int fmask, int *tmask, Tm *tm, int *is2digits)
{
    char *cp;
    if ((cp = strchr(str, '.')) != NULL) {
        errno = 0;
        double frac = strtod(cp, NULL);
        if (errno != 0)
            return DTERR_BAD_FORMAT;
        tm->fsec = (int32_t)rint(frac * 1000000);
        *cp = '\0';
        len = (int)strlen(str);
    } else if ((fmask & DATE_M) != DATE_M) {
        if (len >= 6) {
            *tmask = DATE_M;
            tm->mday = atoi(str + (len - 2));
            str[len - 2] = '\0';
            tm->mon = atoi(str + (len - 4));
            str[len - 4] = '\0';
            tm->year = atoi(str);
            if (len - 4 == 2)
                *is2digits = 1;
            return F_DATE;
        }
    }
    if ((fmask & TIME_M) != TIME_M) {
        if (len == 6) {
            *tmask = TIME_M;
            tm->sec = atoi(str + 4);
            str[4] = '\0';
            tm->min = atoi(str + 2);
            str[2] = '\0';
            tm->hour = atoi(str);
            return F_TIME;
        } else if (len == 4) {
            *tmask = TIME_M;
            tm->sec = 0;
            tm->min = atoi(str + 2);
            str[2] = '\0';
            tm->hour = atoi(str);
            return F_TIME;
        }
    }
    return DTERR_BAD_FORMAT;
}

static int decode_number(int flen, char *str, int have_text_month, int fmask, int *tmask, Tm *tm,
                         int *is2digits, int date_order)
{
    int val;
    char *cp;
    *tmask = 0;
    if (strtoint(str, &cp, &val))
        return DTERR_FIELD_OVERFLOW;
    if (cp == str)
        return DTERR_BAD_FORMAT;
    if (*cp == '.') {
        if (cp - str > 2) {
            int r = decode_number_field(flen, str, fmask | DATE_M, tmask, tm, is2digits);
            return r < 0 ? r : 0;
        }
        int r = parse_fractional_second(cp, &tm->fsec);
        if (r)
            return r;
    } else if (*cp != '\0') {
        return DTERR_BAD_FORMAT;
    }
    if (flen == 3 && (fmask & DATE_M) == M(T_YEAR) && val >= 1 && val <= 366) {
        *tmask = M(T_DOY) | M(T_MONTH) | M(T_DAY);
        tm->yday = val;
        return 0;
    }
    switch (fmask & DATE_M) {
    case 0:
        if (flen >= 3 || date_order == SQL_DATEORDER_YMD) {
            *tmask = M(T_YEAR);
            tm->year = val;
        } else if (date_order == SQL_DATEORDER_DMY) {
            *tmask = M(T_DAY);
            tm->mday = val;
        } else {
            *tmask = M(T_MONTH);
            tm->mon = val;
        }
        break;
    case M(T_YEAR):
        *tmask = M(T_MONTH);
        tm->mon = val;
        break;
    case M(T_MONTH):
        if (have_text_month) {
            if (flen >= 3 || date_order == SQL_DATEORDER_YMD) {
                *tmask = M(T_YEAR);
                tm->year = val;
            } else {
                *tmask = M(T_DAY);
                tm->mday = val;
            }
        } else {
            *tmask = M(T_DAY);
            tm->mday = val;
        }
        break;
    case M(T_YEAR) | M(T_MONTH):
        if (have_text_month) {
            if (flen >= 3 && *is2digits) {
                *tmask = M(T_DAY);
                tm->mday = tm->year;
                tm->year = val;
                *is2digits = 0;
            } else {
                *tmask = M(T_DAY);
                tm->mday = val;
            }
        } else {
            *tmask = M(T_DAY);
            tm->mday = val;
        }
        break;
    case M(T_DAY):
        *tmask = M(T_MONTH);
        tm->mon = val;
        break;
    case M(T_MONTH) | M(T_DAY):
        *tmask = M(T_YEAR);
        tm->year = val;
        break;
    case M(T_YEAR) | M(T_MONTH) | M(T_DAY): {
        int r = decode_number_field(flen, str, fmask, tmask, tm, is2digits);
        return r < 0 ? r : 0;
    }
    default:
        return DTERR_BAD_FORMAT;
    }
    if (*tmask == M(T_YEAR))
        *is2digits = flen <= 2;
    return 0;
}

static int decode_date(char *str, int fmask, int *tmask, int *is2digits, Tm *tm, int date_order)
{
    int nf = 0, have_text_month = 0, dmask = 0;
    char *field[MAXDATEFIELDS];
    *tmask = 0;
    while (*str != '\0' && nf < MAXDATEFIELDS) {
        while (*str != '\0' && !isalnum((unsigned char)*str))
            str++;
        if (*str == '\0')
            return DTERR_BAD_FORMAT;
        field[nf] = str;
        if (isdigit((unsigned char)*str)) {
            while (isdigit((unsigned char)*str))
                str++;
        } else if (isalpha((unsigned char)*str)) {
            while (isalpha((unsigned char)*str))
                str++;
        }
        if (*str != '\0')
            *str++ = '\0';
        nf++;
    }
    for (int i = 0; i < nf; i++) {
        if (isalpha((unsigned char)*field[i])) {
            int val, type = decode_special(field[i], &val);
            if (type == T_IGNORE)
                continue;
            dmask = M(type);
            if (type != T_MONTH)
                return DTERR_BAD_FORMAT;
            tm->mon = val;
            have_text_month = 1;
            if (fmask & dmask)
                return DTERR_BAD_FORMAT;
            fmask |= dmask;
            *tmask |= dmask;
            field[i] = NULL;
        }
    }
    for (int i = 0; i < nf; i++) {
        if (!field[i])
            continue;
        int len = (int)strlen(field[i]);
        if (len <= 0)
            return DTERR_BAD_FORMAT;
        int r = decode_number(len, field[i], have_text_month, fmask, &dmask, tm, is2digits, date_order);
        if (r)
            return r;
        if (fmask & dmask)
            return DTERR_BAD_FORMAT;
        fmask |= dmask;
        *tmask |= dmask;
    }
    if ((fmask & ~(M(T_DOY) | M(T_TZ))) != DATE_M)
        return DTERR_BAD_FORMAT;
    return 0;
}

static int validate_date(int fmask, int isjulian, int is2digits, int bc, Tm *tm)
{
    if (fmask & M(T_YEAR)) {
        if (isjulian) {
            /* tm_year is correct */
        } else if (bc) {
            if (tm->year <= 0)
                return DTERR_FIELD_OVERFLOW;
            tm->year = -(tm->year - 1);
        } else if (is2digits) {
            if (tm->year < 0)
                return DTERR_FIELD_OVERFLOW;
            if (tm->year < 70)
                tm->year += 2000;
            else if (tm->year < 100)
                tm->year += 1900;
        } else {
            if (tm->year <= 0)
                return DTERR_FIELD_OVERFLOW;
        }
    }
    if (fmask & M(T_DOY)) {
        /* PostgreSQL relies on -fwrapv here; reject years no date can hold before doing the arithmetic */
        if (tm->year > 5874898 || tm->year < -4714 || tm->yday < 1 || tm->yday > 366)
            return DTERR_FIELD_OVERFLOW;
        sql_j2date(sql_date2j(tm->year, 1, 1) + tm->yday - 1, &tm->year, &tm->mon, &tm->mday);
    }
    if (fmask & M(T_MONTH)) {
        if (tm->mon < 1 || tm->mon > 12)
            return DTERR_MD_FIELD_OVERFLOW;
    }
    if (fmask & M(T_DAY)) {
        if (tm->mday < 1 || tm->mday > 31)
            return DTERR_MD_FIELD_OVERFLOW;
    }
    if ((fmask & DATE_M) == DATE_M) {
        if (tm->mday > sql_days_in_month(tm->year, tm->mon))
            return DTERR_FIELD_OVERFLOW;
    }
    return 0;
}

/* The session's local date/time fields at now_usec (GetCurrentDateTime / GetCurrentTimeUsec). */
static void current_fields(int64_t now_usec, const SqlTz *tz, Tm *tm, int *tzp)
{
    SqlTm st;
    if (sql_timestamp2tm(now_usec, tz, &st) != 0)
        memset(&st, 0, sizeof(st));
    tm->year = st.year;
    tm->mon = st.mon;
    tm->mday = st.mday;
    tm->hour = st.hour;
    tm->min = st.min;
    tm->sec = st.sec;
    tm->fsec = st.usec;
    if (tzp)
        *tzp = -st.gmtoff;
}

static int zone_west(Tm *tm, const SqlTz *tz)
{
    SqlTm st = {0};
    st.year = tm->year;
    st.mon = tm->mon;
    st.mday = tm->mday;
    st.hour = tm->hour;
    st.min = tm->min;
    st.sec = tm->sec;
    int32_t east = sql_tm_zone_offset(&st, tz);
    tm->isdst = st.isdst;
    return -east;
}

typedef struct DecodeCtx {
    const SqlFormatOpts *o;
    int64_t now_usec;
    char bad_zone[64]; /* for DTERR_BAD_ZONE */
} DecodeCtx;

static int bad_zone(DecodeCtx *c, const char *name)
{
    snprintf(c->bad_zone, sizeof(c->bad_zone), "%s", name);
    return DTERR_BAD_ZONE;
}

/* DecodeDateTime. *dtype: R_DATE, R_EPOCH, R_LATE, R_EARLY. tzp: seconds west, NULL when zones are not
 * accepted. */
static int decode_datetime(DecodeCtx *c, Fields *f, int *dtype, Tm *tm, int *tzp)
{
    int fmask = 0, tmask = 0, type, ptype = 0, val, dterr, mer = HR24;
    int have_text_month = 0, isjulian = 0, is2digits = 0, bc = 0;
    const SqlTz *named_tz = NULL;
    char **field = f->field;
    int *ftype = f->ftype, nf = f->nf;
    int date_order = c->o->date_order;

    *dtype = R_DATE;
    memset(tm, 0, sizeof(*tm));
    tm->isdst = -1;
    if (tzp)
        *tzp = 0;

    for (int i = 0; i < nf; i++) {
        switch (ftype[i]) {
        case F_DATE:
            if (ptype == SQL_DTK_JULIAN) {
                char *cp;
                if (!tzp)
                    return DTERR_BAD_FORMAT;
                if (strtoint(field[i], &cp, &val) || val < 0)
                    return DTERR_FIELD_OVERFLOW;
                sql_j2date(val, &tm->year, &tm->mon, &tm->mday);
                isjulian = 1;
                dterr = decode_timezone(cp, tzp);
                if (dterr)
                    return dterr;
                tmask = DATE_M | TIME_M | M(T_TZ);
                ptype = 0;
                break;
            } else if (ptype != 0 || ((fmask & (M(T_MONTH) | M(T_DAY))) == (M(T_MONTH) | M(T_DAY)))) {
                if (!tzp)
                    return DTERR_BAD_FORMAT;
                if (isdigit((unsigned char)*field[i]) || ptype != 0) {
                    char *cp;
                    if (ptype != 0) {
                        if (ptype != R_TIME)
                            return DTERR_BAD_FORMAT;
                        ptype = 0;
                    }
                    if ((fmask & TIME_M) == TIME_M)
                        return DTERR_BAD_FORMAT;
                    if ((cp = strchr(field[i], '-')) == NULL)
                        return DTERR_BAD_FORMAT;
                    dterr = decode_timezone(cp, tzp);
                    if (dterr)
                        return dterr;
                    *cp = '\0';
                    dterr = decode_number_field((int)strlen(field[i]), field[i], fmask, &tmask, tm, &is2digits);
                    if (dterr < 0)
                        return dterr;
                    tmask |= M(T_TZ);
                } else {
                    named_tz = sql_tz_get_named(field[i]);
                    if (!named_tz)
                        return bad_zone(c, field[i]);
                    tmask = M(T_TZ);
                }
            } else {
                dterr = decode_date(field[i], fmask, &tmask, &is2digits, tm, date_order);
                if (dterr)
                    return dterr;
            }
            break;
        case F_TIME:
            if (ptype != 0) {
                if (ptype != R_TIME)
                    return DTERR_BAD_FORMAT;
                ptype = 0;
            }
            dterr = decode_time(field[i], &tmask, tm);
            if (dterr)
                return dterr;
            if (time_overflows(tm->hour, tm->min, tm->sec, tm->fsec))
                return DTERR_FIELD_OVERFLOW;
            break;
        case F_TZ: {
            int tz;
            if (!tzp)
                return DTERR_BAD_FORMAT;
            dterr = decode_timezone(field[i], &tz);
            if (dterr)
                return dterr;
            *tzp = tz;
            tmask = M(T_TZ);
            break;
        }
        case F_NUMBER:
            if (ptype != 0) {
                char *cp;
                if (strtoint(field[i], &cp, &val))
                    return DTERR_FIELD_OVERFLOW;
                if (*cp == '.') {
                    if (ptype != SQL_DTK_JULIAN && ptype != R_TIME && ptype != SQL_DTK_SECOND)
                        return DTERR_BAD_FORMAT;
                } else if (*cp != '\0') {
                    return DTERR_BAD_FORMAT;
                }
                switch (ptype) {
                case SQL_DTK_YEAR:
                    tm->year = val;
                    tmask = M(T_YEAR);
                    break;
                case SQL_DTK_MONTH:
                    if ((fmask & M(T_MONTH)) && (fmask & M(T_HOUR))) {
                        tm->min = val;
                        tmask = M(T_MINUTE);
                    } else {
                        tm->mon = val;
                        tmask = M(T_MONTH);
                    }
                    break;
                case SQL_DTK_DAY:
                    tm->mday = val;
                    tmask = M(T_DAY);
                    break;
                case SQL_DTK_HOUR:
                    tm->hour = val;
                    tmask = M(T_HOUR);
                    break;
                case SQL_DTK_MINUTE:
                    tm->min = val;
                    tmask = M(T_MINUTE);
                    break;
                case SQL_DTK_SECOND:
                    tm->sec = val;
                    tmask = M(T_SECOND);
                    if (*cp == '.') {
                        dterr = parse_fractional_second(cp, &tm->fsec);
                        if (dterr)
                            return dterr;
                        tmask = ALL_SECS_M;
                    }
                    break;
                case SQL_DTK_JULIAN:
                    if (val < 0)
                        return DTERR_FIELD_OVERFLOW;
                    tmask = DATE_M;
                    sql_j2date(val, &tm->year, &tm->mon, &tm->mday);
                    isjulian = 1;
                    if (*cp == '.') {
                        errno = 0;
                        double t = strtod(cp, &cp);
                        if (*cp != '\0' || errno != 0)
                            return DTERR_BAD_FORMAT;
                        t *= (double)SQL_USEC_PER_DAY;
                        int64_t tt = (int64_t)t;
                        tm->hour = (int)(tt / SQL_USEC_PER_HOUR);
                        tt -= (int64_t)tm->hour * SQL_USEC_PER_HOUR;
                        tm->min = (int)(tt / SQL_USEC_PER_MINUTE);
                        tt -= (int64_t)tm->min * SQL_USEC_PER_MINUTE;
                        tm->sec = (int)(tt / SQL_USEC_PER_SEC);
                        tm->fsec = (int32_t)(tt - (int64_t)tm->sec * SQL_USEC_PER_SEC);
                        tmask |= TIME_M;
                    }
                    break;
                case R_TIME:
                    dterr = decode_number_field((int)strlen(field[i]), field[i], fmask | DATE_M, &tmask, tm,
                                                &is2digits);
                    if (dterr < 0)
                        return dterr;
                    if (tmask != TIME_M)
                        return DTERR_BAD_FORMAT;
                    break;
                default:
                    return DTERR_BAD_FORMAT;
                }
                ptype = 0;
                *dtype = R_DATE;
            } else {
                int flen = (int)strlen(field[i]);
                char *cp = strchr(field[i], '.');
                if (cp != NULL && !(fmask & DATE_M)) {
                    dterr = decode_date(field[i], fmask, &tmask, &is2digits, tm, date_order);
                    if (dterr)
                        return dterr;
                } else if (cp != NULL && flen - (int)strlen(cp) > 2) {
                    dterr = decode_number_field(flen, field[i], fmask, &tmask, tm, &is2digits);
                    if (dterr < 0)
                        return dterr;
                } else if (flen >= 6 && (!(fmask & DATE_M) || !(fmask & TIME_M))) {
                    dterr = decode_number_field(flen, field[i], fmask, &tmask, tm, &is2digits);
                    if (dterr < 0)
                        return dterr;
                } else {
                    dterr = decode_number(flen, field[i], have_text_month, fmask, &tmask, tm, &is2digits,
                                          date_order);
                    if (dterr)
                        return dterr;
                }
            }
            break;
        case F_STRING:
        case F_SPECIAL:
            type = decode_tz_abbrev(field[i], &val);
            if (type == T_UNKNOWN)
                type = decode_special(field[i], &val);
            if (type == T_IGNORE)
                continue;
            tmask = M(type);
            switch (type) {
            case T_RESERV:
                switch (val) {
                case R_NOW:
                    tmask = DATE_M | TIME_M | M(T_TZ);
                    *dtype = R_DATE;
                    current_fields(c->now_usec, c->o->tz, tm, tzp);
                    break;
                case R_YESTERDAY:
                case R_TODAY:
                case R_TOMORROW: {
                    Tm cur;
                    tmask = DATE_M;
                    *dtype = R_DATE;
                    current_fields(c->now_usec, c->o->tz, &cur, NULL);
                    int d = val == R_YESTERDAY ? -1 : val == R_TOMORROW ? 1 : 0;
                    sql_j2date(sql_date2j(cur.year, cur.mon, cur.mday) + d, &tm->year, &tm->mon, &tm->mday);
                    break;
                }
                case R_ZULU:
                    tmask = TIME_M | M(T_TZ);
                    *dtype = R_DATE;
                    tm->hour = tm->min = tm->sec = 0;
                    if (tzp)
                        *tzp = 0;
                    break;
                default:
                    *dtype = val;
                }
                break;
            case T_MONTH:
                if ((fmask & M(T_MONTH)) && !have_text_month && !(fmask & M(T_DAY)) && tm->mon >= 1 && tm->mon <= 31) {
                    tm->mday = tm->mon;
                    tmask = M(T_DAY);
                }
                have_text_month = 1;
                tm->mon = val;
                break;
            case T_DTZMOD:
                tmask |= M(T_DTZ);
                tm->isdst = 1;
                if (!tzp)
                    return DTERR_BAD_FORMAT;
                *tzp -= val;
                break;
            case T_DTZ:
                tmask |= M(T_TZ);
                tm->isdst = 1;
                if (!tzp)
                    return DTERR_BAD_FORMAT;
                *tzp = -val;
                break;
            case T_TZ:
                tm->isdst = 0;
                if (!tzp)
                    return DTERR_BAD_FORMAT;
                *tzp = -val;
                break;
            case T_AMPM:
                mer = val;
                break;
            case T_ADBC:
                bc = val == BC;
                break;
            case T_DOW:
                tm->wday = val;
                break;
            case T_UNITS:
                tmask = 0;
                ptype = val;
                break;
            case T_ISOTIME:
                tmask = 0;
                if ((fmask & DATE_M) != DATE_M)
                    return DTERR_BAD_FORMAT;
                if (i >= nf - 1 || (ftype[i + 1] != F_NUMBER && ftype[i + 1] != F_TIME && ftype[i + 1] != F_DATE))
                    return DTERR_BAD_FORMAT;
                ptype = val;
                break;
            case T_UNKNOWN:
                /* an all-alpha zone name ("utc", "Japan") */
                named_tz = sql_tz_get_named(field[i]);
                if (!named_tz)
                    return DTERR_BAD_FORMAT;
                tmask = M(T_TZ);
                break;
            default:
                return DTERR_BAD_FORMAT;
            }
            break;
        default:
            return DTERR_BAD_FORMAT;
        }
        if (tmask & fmask)
            return DTERR_BAD_FORMAT;
        fmask |= tmask;
    }

    dterr = validate_date(fmask, isjulian, is2digits, bc, tm);
    if (dterr)
        return dterr;
    if (mer != HR24 && tm->hour > 12)
        return DTERR_FIELD_OVERFLOW;
    if (mer == AM && tm->hour == 12)
        tm->hour = 0;
    else if (mer == PM && tm->hour != 12)
        tm->hour += 12;

    if (*dtype == R_DATE) {
        if ((fmask & DATE_M) != DATE_M) {
            if ((fmask & TIME_M) == TIME_M)
                return 1;
            return DTERR_BAD_FORMAT;
        }
        if (named_tz) {
            if (fmask & M(T_DTZMOD))
                return DTERR_BAD_FORMAT;
            *tzp = zone_west(tm, named_tz);
        }
        if (tzp && !(fmask & M(T_TZ))) {
            if (fmask & M(T_DTZMOD))
                return DTERR_BAD_FORMAT;
            *tzp = zone_west(tm, c->o->tz);
        }
    }
    return 0;
}

/* DecodeTimeOnly, for time_in (zones are parsed and ignored: weir has no timetz). */
static int decode_time_only(DecodeCtx *c, Fields *f, int *dtype, Tm *tm)
{
    int fmask = 0, tmask = 0, type, ptype = 0, val, dterr, mer = HR24, is2digits = 0, isjulian = 0, bc = 0;
    int tz = 0, *tzp = &tz;
    char **field = f->field;
    int *ftype = f->ftype, nf = f->nf;
    *dtype = R_TIME;
    memset(tm, 0, sizeof(*tm));
    tm->isdst = -1;
    for (int i = 0; i < nf; i++) {
        switch (ftype[i]) {
        case F_DATE:
            if (i == 0 && nf >= 2 && (ftype[nf - 1] == F_DATE || ftype[1] == F_TIME)) {
                dterr = decode_date(field[i], fmask, &tmask, &is2digits, tm, c->o->date_order);
                if (dterr)
                    return dterr;
            } else if (isdigit((unsigned char)*field[i])) {
                char *cp;
                if ((fmask & TIME_M) == TIME_M)
                    return DTERR_BAD_FORMAT;
                if ((cp = strchr(field[i], '-')) == NULL)
                    return DTERR_BAD_FORMAT;
                dterr = decode_timezone(cp, tzp);
                if (dterr)
                    return dterr;
                *cp = '\0';
                dterr = decode_number_field((int)strlen(field[i]), field[i], fmask | DATE_M, &tmask, tm, &is2digits);
                if (dterr < 0)
                    return dterr;
                tmask |= M(T_TZ);
            } else {
                if (!sql_tz_get_named(field[i]))
                    return bad_zone(c, field[i]);
                tmask = M(T_TZ);
            }
            break;
        case F_TIME:
            dterr = decode_time(field[i], &tmask, tm);
            if (dterr)
                return dterr;
            break;
        case F_TZ:
            dterr = decode_timezone(field[i], tzp);
            if (dterr)
                return dterr;
            tmask = M(T_TZ);
            break;
        case F_NUMBER:
            if (ptype != 0) {
                char *cp;
                if (strtoint(field[i], &cp, &val))
                    return DTERR_FIELD_OVERFLOW;
                if (*cp == '.') {
                    if (ptype != SQL_DTK_JULIAN && ptype != R_TIME && ptype != SQL_DTK_SECOND)
                        return DTERR_BAD_FORMAT;
                } else if (*cp != '\0') {
                    return DTERR_BAD_FORMAT;
                }
                switch (ptype) {
                case SQL_DTK_HOUR:
                    tm->hour = val;
                    tmask = M(T_HOUR);
                    break;
                case SQL_DTK_MINUTE:
                    tm->min = val;
                    tmask = M(T_MINUTE);
                    break;
                case SQL_DTK_SECOND:
                    tm->sec = val;
                    tmask = M(T_SECOND);
                    if (*cp == '.') {
                        dterr = parse_fractional_second(cp, &tm->fsec);
                        if (dterr)
                            return dterr;
                        tmask = ALL_SECS_M;
                    }
                    break;
                case R_TIME:
                    dterr = decode_number_field((int)strlen(field[i]), field[i], fmask | DATE_M, &tmask, tm,
                                                &is2digits);
                    if (dterr < 0)
                        return dterr;
                    if (tmask != TIME_M)
                        return DTERR_BAD_FORMAT;
                    break;
                default:
                    return DTERR_BAD_FORMAT;
                }
                ptype = 0;
            } else {
                int flen = (int)strlen(field[i]);
                char *cp = strchr(field[i], '.');
                if (cp != NULL) {
                    if (i == 0 && nf >= 2 && ftype[nf - 1] == F_DATE) {
                        dterr = decode_date(field[i], fmask, &tmask, &is2digits, tm, c->o->date_order);
                        if (dterr)
                            return dterr;
                    } else if (flen - (int)strlen(cp) > 2) {
                        dterr = decode_number_field(flen, field[i], fmask | DATE_M, &tmask, tm, &is2digits);
                        if (dterr < 0)
                            return dterr;
                    } else {
                        return DTERR_BAD_FORMAT;
                    }
                } else if (flen > 4) {
                    dterr = decode_number_field(flen, field[i], fmask | DATE_M, &tmask, tm, &is2digits);
                    if (dterr < 0)
                        return dterr;
                } else {
                    dterr = decode_number(flen, field[i], 0, fmask | DATE_M, &tmask, tm, &is2digits,
                                          c->o->date_order);
                    if (dterr)
                        return dterr;
                }
            }
            break;
        case F_STRING:
        case F_SPECIAL:
            type = decode_tz_abbrev(field[i], &val);
            if (type == T_UNKNOWN)
                type = decode_special(field[i], &val);
            if (type == T_IGNORE)
                continue;
            tmask = M(type);
            switch (type) {
            case T_RESERV:
                switch (val) {
                case R_NOW: {
                    tmask = TIME_M;
                    Tm cur;
                    current_fields(c->now_usec, c->o->tz, &cur, NULL);
                    tm->hour = cur.hour;
                    tm->min = cur.min;
                    tm->sec = cur.sec;
                    tm->fsec = cur.fsec;
                    break;
                }
                case R_ZULU:
                    tmask = TIME_M | M(T_TZ);
                    tm->hour = tm->min = tm->sec = 0;
                    break;
                default:
                    return DTERR_BAD_FORMAT;
                }
                break;
            case T_DTZMOD:
            case T_DTZ:
            case T_TZ:
                tmask |= M(T_TZ);
                break;
            case T_AMPM:
                mer = val;
                break;
            case T_ADBC:
                bc = val == BC;
                break;
            case T_UNITS:
                tmask = 0;
                ptype = val;
                break;
            case T_ISOTIME:
                tmask = 0;
                if (i >= nf - 1 || (ftype[i + 1] != F_NUMBER && ftype[i + 1] != F_TIME && ftype[i + 1] != F_DATE))
                    return DTERR_BAD_FORMAT;
                ptype = val;
                break;
            case T_UNKNOWN:
                if (!sql_tz_get_named(field[i]))
                    return DTERR_BAD_FORMAT;
                tmask = M(T_TZ);
                break;
            default:
                return DTERR_BAD_FORMAT;
            }
            break;
        default:
            return DTERR_BAD_FORMAT;
        }
        if (tmask & fmask)
            return DTERR_BAD_FORMAT;
        fmask |= tmask;
    }
    dterr = validate_date(fmask, isjulian, is2digits, bc, tm);
    if (dterr)
        return dterr;
    if (mer != HR24 && tm->hour > 12)
        return DTERR_FIELD_OVERFLOW;
    if (mer == AM && tm->hour == 12)
        tm->hour = 0;
    else if (mer == PM && tm->hour != 12)
        tm->hour += 12;
    if (time_overflows(tm->hour, tm->min, tm->sec, tm->fsec))
        return DTERR_FIELD_OVERFLOW;
    if ((fmask & TIME_M) != TIME_M)
        return DTERR_BAD_FORMAT;
    return 0;
}

/* ----------------------------------------------------------------------------------------------- */
/* intervals                                                                                         */
/* ----------------------------------------------------------------------------------------------- */

typedef struct ItmIn {
    int64_t usec;
    int mday, mon, year;
} ItmIn;

static int mul_add64(int64_t val, int64_t mul, int64_t *sum)
{
    int64_t p;
    if (__builtin_mul_overflow(val, mul, &p) || __builtin_add_overflow(*sum, p, sum))
        return 0;
    return 1;
}

static int adj_fract_usec(double frac, int64_t scale, ItmIn *t)
{
    if (frac == 0)
        return 1;
    frac *= scale;
    int64_t usec = (int64_t)frac;
    frac -= usec;
    usec += (int64_t)rint(frac);
    return !__builtin_add_overflow(t->usec, usec, &t->usec);
}

static int adj_fract_days(double frac, int scale, ItmIn *t)
{
    if (frac == 0)
        return 1;
    frac *= scale;
    int extra = (int)frac;
    frac -= extra;
    if (__builtin_add_overflow(t->mday, extra, &t->mday))
        return 0;
    return adj_fract_usec(frac, SQL_USEC_PER_DAY, t);
}

static int adj_fract_years(double frac, int scale, ItmIn *t)
{
    int extra = (int)rint(frac * scale * 12);
    return !__builtin_add_overflow(t->mon, extra, &t->mon);
}

static int adj_usec(int64_t val, double fval, int64_t scale, ItmIn *t)
{
    if (!mul_add64(val, scale, &t->usec))
        return 0;
    return adj_fract_usec(fval, scale, t);
}

static int adj_days(int64_t val, int scale, ItmIn *t)
{
    int64_t d;
    if (__builtin_mul_overflow(val, (int64_t)scale, &d) || d > INT_MAX || d < INT_MIN)
        return 0;
    return !__builtin_add_overflow(t->mday, (int)d, &t->mday);
}

static int adj_months(int64_t val, ItmIn *t)
{
    if (val > INT_MAX || val < INT_MIN)
        return 0;
    return !__builtin_add_overflow(t->mon, (int)val, &t->mon);
}

static int adj_years(int64_t val, int scale, ItmIn *t)
{
    int64_t y;
    if (__builtin_mul_overflow(val, (int64_t)scale, &y) || y > INT_MAX || y < INT_MIN)
        return 0;
    return !__builtin_add_overflow(t->year, (int)y, &t->year);
}

static int decode_time_for_interval(char *str, int *tmask, ItmIn *t)
{
    int64_t hour;
    int min, sec;
    int32_t fsec;
    int r = decode_time_common(str, 0, tmask, &hour, &min, &sec, &fsec);
    if (r)
        return r;
    t->usec = fsec;
    if (!mul_add64(hour, SQL_USEC_PER_HOUR, &t->usec) || !mul_add64(min, SQL_USEC_PER_MINUTE, &t->usec) ||
        !mul_add64(sec, SQL_USEC_PER_SEC, &t->usec))
        return DTERR_FIELD_OVERFLOW;
    return 0;
}

static int decode_units(const char *lower, int *val)
{
    if (strcmp(lower, "@") == 0)
        return T_IGNORE;
    if (strcmp(lower, "ago") == 0)
        return T_AGO;
    int u = sql_dt_unit(lower);
    if (u < 0)
        return T_UNKNOWN;
    *val = u;
    return T_UNITS;
}

static int decode_interval(Fields *f, int interval_style, ItmIn *t)
{
    int is_before = 0, force_negative = 0, fmask = 0, tmask, type = -1, val, dterr;
    int64_t lval;
    double fval;
    char *cp;
    char **field = f->field;
    int *ftype = f->ftype, nf = f->nf;
    memset(t, 0, sizeof(*t));
    if (interval_style == SQL_INTERVALSTYLE_SQL_STANDARD && nf > 0 && *field[0] == '-') {
        force_negative = 1;
        for (int i = 1; i < nf; i++)
            if (*field[i] == '-' || *field[i] == '+') {
                force_negative = 0;
                break;
            }
    }
    for (int i = nf - 1; i >= 0; i--) {
        switch (ftype[i]) {
        case F_TIME:
            dterr = decode_time_for_interval(field[i], &tmask, t);
            if (dterr)
                return dterr;
            if (force_negative && t->usec > 0)
                t->usec = -t->usec;
            type = SQL_DTK_DAY;
            break;
        case F_TZ:
            if (strchr(field[i] + 1, ':') != NULL && decode_time_for_interval(field[i] + 1, &tmask, t) == 0) {
                if (*field[i] == '-') {
                    if (t->usec == INT64_MIN)
                        return DTERR_FIELD_OVERFLOW;
                    t->usec = -t->usec;
                }
                if (force_negative && t->usec > 0)
                    t->usec = -t->usec;
                type = SQL_DTK_DAY;
                break;
            }
            /* fallthrough */
        case F_DATE:
        case F_NUMBER:
            if (type == -1)
                type = SQL_DTK_SECOND; /* no typmod range: the rightmost bare number is seconds */
            errno = 0;
            lval = strtoll(field[i], &cp, 10);
            if (errno == ERANGE)
                return DTERR_FIELD_OVERFLOW;
            if (*cp == '-') {
                int val2;
                if (strtoint(cp + 1, &cp, &val2) || val2 < 0 || val2 >= 12)
                    return DTERR_FIELD_OVERFLOW;
                if (*cp != '\0')
                    return DTERR_BAD_FORMAT;
                type = SQL_DTK_MONTH;
                if (*field[i] == '-')
                    val2 = -val2;
                if (__builtin_mul_overflow(lval, (int64_t)12, &lval) || __builtin_add_overflow(lval, val2, &lval))
                    return DTERR_FIELD_OVERFLOW;
                fval = 0;
            } else if (*cp == '.') {
                dterr = parse_fraction(cp, &fval);
                if (dterr)
                    return dterr;
                if (*field[i] == '-')
                    fval = -fval;
            } else if (*cp == '\0') {
                fval = 0;
            } else {
                return DTERR_BAD_FORMAT;
            }
            tmask = 0;
            if (force_negative) {
                if (lval > 0)
                    lval = -lval;
                if (fval > 0)
                    fval = -fval;
            }
            switch (type) {
            case SQL_DTK_MICROSEC:
                if (!adj_usec(lval, fval, 1, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_MICROSECOND);
                break;
            case SQL_DTK_MILLISEC:
                if (!adj_usec(lval, fval, 1000, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_MILLISECOND);
                break;
            case SQL_DTK_SECOND:
                if (!adj_usec(lval, fval, SQL_USEC_PER_SEC, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = fval == 0 ? M(T_SECOND) : ALL_SECS_M;
                break;
            case SQL_DTK_MINUTE:
                if (!adj_usec(lval, fval, SQL_USEC_PER_MINUTE, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_MINUTE);
                break;
            case SQL_DTK_HOUR:
                if (!adj_usec(lval, fval, SQL_USEC_PER_HOUR, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_HOUR);
                type = SQL_DTK_DAY;
                break;
            case SQL_DTK_DAY:
                if (!adj_days(lval, 1, t) || !adj_fract_usec(fval, SQL_USEC_PER_DAY, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_DAY);
                break;
            case SQL_DTK_WEEK:
                if (!adj_days(lval, 7, t) || !adj_fract_days(fval, 7, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_WEEK);
                break;
            case SQL_DTK_MONTH:
                if (!adj_months(lval, t) || !adj_fract_days(fval, 30, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_MONTH);
                break;
            case SQL_DTK_YEAR:
                if (!adj_years(lval, 1, t) || !adj_fract_years(fval, 1, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_YEAR);
                break;
            case SQL_DTK_DECADE:
                if (!adj_years(lval, 10, t) || !adj_fract_years(fval, 10, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_DECADE);
                break;
            case SQL_DTK_CENTURY:
                if (!adj_years(lval, 100, t) || !adj_fract_years(fval, 100, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_CENTURY);
                break;
            case SQL_DTK_MILLENNIUM:
                if (!adj_years(lval, 1000, t) || !adj_fract_years(fval, 1000, t))
                    return DTERR_FIELD_OVERFLOW;
                tmask = M(T_MILLENNIUM);
                break;
            default:
                return DTERR_BAD_FORMAT;
            }
            break;
        case F_STRING:
        case F_SPECIAL:
            type = decode_units(field[i], &val);
            if (type == T_IGNORE)
                continue;
            tmask = 0;
            switch (type) {
            case T_UNITS:
                type = val;
                break;
            case T_AGO:
                is_before = 1;
                type = -1;
                break;
            default:
                return DTERR_BAD_FORMAT;
            }
            break;
        default:
            return DTERR_BAD_FORMAT;
        }
        if (tmask & fmask)
            return DTERR_BAD_FORMAT;
        fmask |= tmask;
    }
    if (fmask == 0)
        return DTERR_BAD_FORMAT;
    if (is_before) {
        if (t->usec == INT64_MIN || t->mday == INT_MIN || t->mon == INT_MIN || t->year == INT_MIN)
            return DTERR_FIELD_OVERFLOW;
        t->usec = -t->usec;
        t->mday = -t->mday;
        t->mon = -t->mon;
        t->year = -t->year;
    }
    return 0;
}

static int iso_number(char *str, char **end, int64_t *ipart, double *fpart)
{
    if (!(isdigit((unsigned char)*str) || *str == '-' || *str == '.'))
        return DTERR_BAD_FORMAT;
    errno = 0;
    double v = strtod(str, end);
    if (*end == str || errno != 0)
        return DTERR_BAD_FORMAT;
    if (v < -9.2233720368547758e18 || v >= 9.2233720368547758e18)
        return DTERR_FIELD_OVERFLOW;
    *ipart = v >= 0 ? (int64_t)floor(v) : (int64_t)-floor(-v);
    *fpart = v - (double)*ipart;
    return 0;
}

static int iso_int_width(const char *s)
{
    if (*s == '-')
        s++;
    return (int)strspn(s, "0123456789");
}

/* DecodeISO8601Interval: "P1Y2M3DT4H5M6.5S" or the alternative "P0001-02-03T04:05:06". */
static int decode_iso8601_interval(char *str, ItmIn *t)
{
    int datepart = 1, havefield = 0;
    memset(t, 0, sizeof(*t));
    if (strlen(str) < 2 || str[0] != 'P')
        return DTERR_BAD_FORMAT;
    str++;
    while (*str) {
        char *fieldstart;
        int64_t val;
        double fval;
        char unit;
        int dterr;
        if (*str == 'T') {
            datepart = 0;
            havefield = 0;
            str++;
            continue;
        }
        fieldstart = str;
        dterr = iso_number(str, &str, &val, &fval);
        if (dterr)
            return dterr;
        unit = *str++;
        if (datepart) {
            switch (unit) {
            case 'Y':
                if (!adj_years(val, 1, t) || !adj_fract_years(fval, 1, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'M':
                if (!adj_months(val, t) || !adj_fract_days(fval, 30, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'W':
                if (!adj_days(val, 7, t) || !adj_fract_days(fval, 7, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'D':
                if (!adj_days(val, 1, t) || !adj_fract_usec(fval, SQL_USEC_PER_DAY, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'T':
            case '\0':
                if (iso_int_width(fieldstart) == 8 && !havefield) {
                    if (!adj_years(val / 10000, 1, t) || !adj_months((val / 100) % 100, t) ||
                        !adj_days(val % 100, 1, t) || !adj_fract_usec(fval, SQL_USEC_PER_DAY, t))
                        return DTERR_FIELD_OVERFLOW;
                    if (unit == '\0')
                        return 0;
                    datepart = 0;
                    havefield = 0;
                    continue;
                }
                /* fallthrough */
            case '-':
                if (havefield)
                    return DTERR_BAD_FORMAT;
                if (!adj_years(val, 1, t) || !adj_fract_years(fval, 1, t))
                    return DTERR_FIELD_OVERFLOW;
                if (unit == '\0')
                    return 0;
                if (unit == 'T') {
                    datepart = 0;
                    havefield = 0;
                    continue;
                }
                dterr = iso_number(str, &str, &val, &fval);
                if (dterr)
                    return dterr;
                if (!adj_months(val, t) || !adj_fract_days(fval, 30, t))
                    return DTERR_FIELD_OVERFLOW;
                if (*str == '\0')
                    return 0;
                if (*str == 'T') {
                    datepart = 0;
                    havefield = 0;
                    continue;
                }
                if (*str != '-')
                    return DTERR_BAD_FORMAT;
                str++;
                dterr = iso_number(str, &str, &val, &fval);
                if (dterr)
                    return dterr;
                if (!adj_days(val, 1, t) || !adj_fract_usec(fval, SQL_USEC_PER_DAY, t))
                    return DTERR_FIELD_OVERFLOW;
                if (*str == '\0')
                    return 0;
                if (*str == 'T') {
                    datepart = 0;
                    havefield = 0;
                    continue;
                }
                return DTERR_BAD_FORMAT;
            default:
                return DTERR_BAD_FORMAT;
            }
        } else {
            switch (unit) {
            case 'H':
                if (!adj_usec(val, fval, SQL_USEC_PER_HOUR, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'M':
                if (!adj_usec(val, fval, SQL_USEC_PER_MINUTE, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case 'S':
                if (!adj_usec(val, fval, SQL_USEC_PER_SEC, t))
                    return DTERR_FIELD_OVERFLOW;
                break;
            case '\0':
                if (iso_int_width(fieldstart) == 6 && !havefield) {
                    if (!adj_usec(val / 10000, 0, SQL_USEC_PER_HOUR, t) ||
                        !adj_usec((val / 100) % 100, 0, SQL_USEC_PER_MINUTE, t) ||
                        !adj_usec(val % 100, fval, SQL_USEC_PER_SEC, t))
                        return DTERR_FIELD_OVERFLOW;
                    return 0;
                }
                /* fallthrough */
            case ':':
                if (havefield)
                    return DTERR_BAD_FORMAT;
                if (!adj_usec(val, fval, SQL_USEC_PER_HOUR, t))
                    return DTERR_FIELD_OVERFLOW;
                if (unit == '\0')
                    return 0;
                dterr = iso_number(str, &str, &val, &fval);
                if (dterr)
                    return dterr;
                if (!adj_usec(val, fval, SQL_USEC_PER_MINUTE, t))
                    return DTERR_FIELD_OVERFLOW;
                if (*str == '\0')
                    return 0;
                if (*str != ':')
                    return DTERR_BAD_FORMAT;
                str++;
                dterr = iso_number(str, &str, &val, &fval);
                if (dterr)
                    return dterr;
                if (!adj_usec(val, fval, SQL_USEC_PER_SEC, t))
                    return DTERR_FIELD_OVERFLOW;
                if (*str == '\0')
                    return 0;
                return DTERR_BAD_FORMAT;
            default:
                return DTERR_BAD_FORMAT;
            }
        }
        havefield = 1;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------- */
/* entry points: input                                                                               */
/* ----------------------------------------------------------------------------------------------- */

static int parse_error(int dterr, const char *p, size_t n, const char *type, DecodeCtx *c, SqlError *err)
{
    int ln = (int)(n > 256 ? 256 : n);
    switch (dterr) {
    case DTERR_FIELD_OVERFLOW:
        return sql_error_set(err, "22008", 0, "date/time field value out of range: \"%.*s\"", ln, p);
    case DTERR_MD_FIELD_OVERFLOW:
        if (err && !err->sqlstate[0])
            snprintf(err->hint, sizeof(err->hint), "Perhaps you need a different \"datestyle\" setting.");
        return sql_error_set(err, "22008", 0, "date/time field value out of range: \"%.*s\"", ln, p);
    case DTERR_INTERVAL_OVERFLOW:
        return sql_error_set(err, "22015", 0, "interval field value out of range: \"%.*s\"", ln, p);
    case DTERR_TZDISP_OVERFLOW:
        return sql_error_set(err, "22009", 0, "time zone displacement out of range: \"%.*s\"", ln, p);
    case DTERR_BAD_ZONE:
        return sql_error_set(err, "22023", 0, "time zone \"%s\" not recognized", c->bad_zone);
    default:
        return sql_error_set(err, "22007", 0, "invalid input syntax for type %s: \"%.*s\"", type, ln, p);
    }
}

/* Copy p[0..n) NUL-terminated into buf; -1 if it does not fit (PostgreSQL rejects such input as bad
 * syntax as well, its work buffer being MAXDATELEN). Embedded NULs end the text, as in a C string. */
static int copy_text(const char *p, size_t n, char *buf, size_t cap)
{
    if (n >= cap)
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return 0;
}

int sql_date_from_text(const char *p, size_t n, const SqlFormatOpts *o, int64_t now_usec, int64_t *out,
                       SqlError *err)
{
    DecodeCtx c = {o, now_usec, ""};
    char str[WORKBUF];
    Fields f;
    Tm tm;
    int dtype, tz, dterr;
    if (copy_text(p, n, str, sizeof(str)) != 0)
        return parse_error(DTERR_BAD_FORMAT, p, n, "date", &c, err);
    dterr = parse_fields(str, &f);
    if (dterr == 0)
        dterr = decode_datetime(&c, &f, &dtype, &tm, &tz);
    if (dterr != 0)
        return parse_error(dterr, p, n, "date", &c, err);
    switch (dtype) {
    case R_DATE:
        break;
    case R_EPOCH:
        tm.year = 1970, tm.mon = 1, tm.mday = 1;
        break;
    case R_LATE:
        *out = SQL_DT_NOEND;
        return WEIR_OK;
    case R_EARLY:
        *out = SQL_DT_NOBEGIN;
        return WEIR_OK;
    default:
        return parse_error(DTERR_BAD_FORMAT, p, n, "date", &c, err);
    }
    if (!sql_julian_valid(tm.year, tm.mon, tm.mday))
        return sql_error_set(err, "22008", 0, "date out of range: \"%.*s\"", (int)n, p);
    int64_t d = (int64_t)sql_date2j(tm.year, tm.mon, tm.mday) - SQL_POSTGRES_EPOCH_JDATE;
    if (!sql_date_valid(d))
        return sql_error_set(err, "22008", 0, "date out of range: \"%.*s\"", (int)n, p);
    *out = d;
    return WEIR_OK;
}

int sql_timeofday_from_text(const char *p, size_t n, const SqlFormatOpts *o, int64_t now_usec, int64_t *out,
                            SqlError *err)
{
    DecodeCtx c = {o, now_usec, ""};
    char str[WORKBUF];
    Fields f;
    Tm tm;
    int dtype, dterr;
    if (copy_text(p, n, str, sizeof(str)) != 0)
        return parse_error(DTERR_BAD_FORMAT, p, n, "time", &c, err);
    dterr = parse_fields(str, &f);
    if (dterr == 0)
        dterr = decode_time_only(&c, &f, &dtype, &tm);
    if (dterr != 0)
        return parse_error(dterr, p, n, "time", &c, err);
    *out = (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * SQL_USEC_PER_SEC + tm.fsec;
    return WEIR_OK;
}

int sql_timestamp_from_text(const char *p, size_t n, int with_tz, const SqlFormatOpts *o, int64_t now_usec,
                            int64_t *out, SqlError *err)
{
    DecodeCtx c = {o, now_usec, ""};
    const char *tname = with_tz ? "timestamp with time zone" : "timestamp";
    char str[WORKBUF];
    Fields f;
    Tm tm;
    int dtype, tz, dterr;
    if (copy_text(p, n, str, sizeof(str)) != 0)
        return parse_error(DTERR_BAD_FORMAT, p, n, tname, &c, err);
    dterr = parse_fields(str, &f);
    if (dterr == 0)
        dterr = decode_datetime(&c, &f, &dtype, &tm, &tz);
    if (dterr != 0)
        return parse_error(dterr, p, n, tname, &c, err);
    switch (dtype) {
    case R_DATE: {
        SqlTm st = {tm.year, tm.mon, tm.mday, tm.hour, tm.min, tm.sec, tm.fsec, 0, 0, NULL};
        if (sql_tm2timestamp(&st, with_tz ? -tz : 0, out) != 0)
            return sql_error_set(err, "22008", 0, "timestamp out of range: \"%.*s\"", (int)n, p);
        return WEIR_OK;
    }
    case R_EPOCH:
        *out = -SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
        return WEIR_OK;
    case R_LATE:
        *out = SQL_DT_NOEND;
        return WEIR_OK;
    case R_EARLY:
        *out = SQL_DT_NOBEGIN;
        return WEIR_OK;
    default:
        return parse_error(DTERR_BAD_FORMAT, p, n, tname, &c, err);
    }
}

int sql_interval_from_text(const char *p, size_t n, const SqlFormatOpts *o, SqlInterval *out, SqlError *err)
{
    DecodeCtx c = {o, 0, ""};
    char str[WORKBUF], iso[WORKBUF];
    Fields f;
    ItmIn t;
    int dterr;
    if (copy_text(p, n, str, sizeof(str)) != 0)
        return parse_error(DTERR_BAD_FORMAT, p, n, "interval", &c, err);
    memcpy(iso, str, n + 1);
    dterr = parse_fields(str, &f);
    if (dterr == 0)
        dterr = decode_interval(&f, o->interval_style, &t);
    if (dterr == DTERR_BAD_FORMAT)
        dterr = decode_iso8601_interval(iso, &t);
    if (dterr != 0) {
        if (dterr == DTERR_FIELD_OVERFLOW)
            dterr = DTERR_INTERVAL_OVERFLOW;
        return parse_error(dterr, p, n, "interval", &c, err);
    }
    int64_t months = (int64_t)t.year * 12 + t.mon;
    if (months > INT32_MAX || months < INT32_MIN)
        return sql_error_set(err, "22008", 0, "interval out of range");
    out->months = (int32_t)months;
    out->days = t.mday;
    out->usec = t.usec;
    return WEIR_OK;
}

/* ----------------------------------------------------------------------------------------------- */
/* output                                                                                            */
/* ----------------------------------------------------------------------------------------------- */

static const char *const month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* non-negative v, zero padded to at least width digits */
static char *put_uint(char *cp, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    while (n)
        *cp++ = tmp[--n];
    return cp;
}

static char *put_int(char *cp, int64_t v)
{
    if (v < 0) {
        *cp++ = '-';
        return put_uint(cp, (uint64_t)0 - (uint64_t)v, 1);
    }
    return put_uint(cp, (uint64_t)v, 1);
}

static char *put_str(char *cp, const char *s)
{
    size_t n = strlen(s);
    memcpy(cp, s, n);
    return cp + n;
}

/* AppendSeconds: |sec| with optional 2-digit padding, then up to 6 fraction digits, trailing zeros
 * trimmed. */
static char *put_seconds(char *cp, int64_t sec, int64_t fsec, int fillzeros)
{
    cp = put_uint(cp, (uint64_t)(sec < 0 ? -sec : sec), fillzeros ? 2 : 1);
    if (fsec != 0) {
        int64_t v = fsec < 0 ? -fsec : fsec;
        char d[6];
        for (int i = 5; i >= 0; i--) {
            d[i] = (char)('0' + v % 10);
            v /= 10;
        }
        int last = 5;
        while (last > 0 && d[last] == '0')
            last--;
        *cp++ = '.';
        memcpy(cp, d, (size_t)last + 1);
        cp += last + 1;
    }
    return cp;
}

static char *put_year(char *cp, int year)
{
    return put_uint(cp, (uint64_t)(year > 0 ? year : -(year - 1)), 4);
}

/* EncodeTimezone: east seconds as +hh[:mm[:ss]] */
static char *put_tz(char *cp, int32_t east)
{
    int32_t a = east < 0 ? -east : east;
    int hour = a / 3600, min = a / 60 % 60, sec = a % 60;
    *cp++ = east >= 0 ? '+' : '-';
    cp = put_uint(cp, (uint64_t)hour, 2);
    if (sec != 0) {
        *cp++ = ':';
        cp = put_uint(cp, (uint64_t)min, 2);
        *cp++ = ':';
        cp = put_uint(cp, (uint64_t)sec, 2);
    } else if (min != 0) {
        *cp++ = ':';
        cp = put_uint(cp, (uint64_t)min, 2);
    }
    return cp;
}

static char *put_date(char *cp, int year, int mon, int mday, const SqlFormatOpts *o)
{
    int dmy = o->date_order == SQL_DATEORDER_DMY;
    switch (o->date_style) {
    case SQL_DATESTYLE_ISO:
        cp = put_year(cp, year);
        *cp++ = '-';
        cp = put_uint(cp, (uint64_t)mon, 2);
        *cp++ = '-';
        cp = put_uint(cp, (uint64_t)mday, 2);
        break;
    case SQL_DATESTYLE_SQL:
        cp = put_uint(cp, (uint64_t)(dmy ? mday : mon), 2);
        *cp++ = '/';
        cp = put_uint(cp, (uint64_t)(dmy ? mon : mday), 2);
        *cp++ = '/';
        cp = put_year(cp, year);
        break;
    case SQL_DATESTYLE_GERMAN:
        cp = put_uint(cp, (uint64_t)mday, 2);
        *cp++ = '.';
        cp = put_uint(cp, (uint64_t)mon, 2);
        *cp++ = '.';
        cp = put_year(cp, year);
        break;
    default:
        cp = put_uint(cp, (uint64_t)(dmy ? mday : mon), 2);
        *cp++ = '-';
        cp = put_uint(cp, (uint64_t)(dmy ? mon : mday), 2);
        *cp++ = '-';
        cp = put_year(cp, year);
        break;
    }
    return cp;
}

size_t sql_date_to_text(int64_t d, const SqlFormatOpts *o, char *buf)
{
    char *cp = buf;
    if (d == SQL_DT_NOBEGIN || d == SQL_DT_NOEND) {
        cp = put_str(cp, d == SQL_DT_NOEND ? "infinity" : "-infinity");
    } else {
        int y, m, dd;
        sql_j2date((int)(d + SQL_POSTGRES_EPOCH_JDATE), &y, &m, &dd);
        cp = put_date(cp, y, m, dd, o);
        if (y <= 0)
            cp = put_str(cp, " BC");
    }
    *cp = '\0';
    return (size_t)(cp - buf);
}

static char *put_hms(char *cp, int hour, int min, int sec, int32_t usec)
{
    cp = put_uint(cp, (uint64_t)hour, 2);
    *cp++ = ':';
    cp = put_uint(cp, (uint64_t)min, 2);
    *cp++ = ':';
    return put_seconds(cp, sec, usec, 1);
}

size_t sql_timeofday_to_text(int64_t t, char *buf)
{
    int hour = (int)(t / SQL_USEC_PER_HOUR);
    t -= hour * SQL_USEC_PER_HOUR;
    int min = (int)(t / SQL_USEC_PER_MINUTE);
    t -= min * SQL_USEC_PER_MINUTE;
    int sec = (int)(t / SQL_USEC_PER_SEC);
    char *cp = put_hms(buf, hour, min, sec, (int32_t)(t - sec * SQL_USEC_PER_SEC));
    *cp = '\0';
    return (size_t)(cp - buf);
}

size_t sql_timestamp_to_text(int64_t ts, int with_tz, const SqlFormatOpts *o, char *buf)
{
    char *cp = buf;
    SqlTm tm;
    if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
        cp = put_str(cp, ts == SQL_DT_NOEND ? "infinity" : "-infinity");
        *cp = '\0';
        return (size_t)(cp - buf);
    }
    if (sql_timestamp2tm(ts, with_tz ? o->tz : NULL, &tm) != 0) {
        /* PostgreSQL raises "timestamp out of range"; output cannot fail here, so say so in the text */
        cp = put_str(cp, "timestamp out of range");
        *cp = '\0';
        return (size_t)(cp - buf);
    }
    int print_tz = with_tz && tm.isdst >= 0;
    int dmy = o->date_order == SQL_DATEORDER_DMY;
    const char *tzn = tm.zone;
    switch (o->date_style) {
    case SQL_DATESTYLE_ISO:
        cp = put_date(cp, tm.year, tm.mon, tm.mday, o);
        *cp++ = ' ';
        cp = put_hms(cp, tm.hour, tm.min, tm.sec, tm.usec);
        if (print_tz)
            cp = put_tz(cp, tm.gmtoff);
        break;
    case SQL_DATESTYLE_SQL:
    case SQL_DATESTYLE_GERMAN:
        cp = put_date(cp, tm.year, tm.mon, tm.mday, o);
        *cp++ = ' ';
        cp = put_hms(cp, tm.hour, tm.min, tm.sec, tm.usec);
        if (print_tz) {
            if (tzn) {
                *cp++ = ' ';
                size_t l = strlen(tzn);
                if (l > 10)
                    l = 10; /* MAXTZLEN */
                memcpy(cp, tzn, l);
                cp += l;
            } else {
                cp = put_tz(cp, tm.gmtoff);
            }
        }
        break;
    default: {
        int wday = sql_j2day(sql_date2j(tm.year, tm.mon, tm.mday));
        cp = put_str(cp, day_names[wday]);
        *cp++ = ' ';
        if (dmy) {
            cp = put_uint(cp, (uint64_t)tm.mday, 2);
            *cp++ = ' ';
            cp = put_str(cp, month_names[tm.mon - 1]);
        } else {
            cp = put_str(cp, month_names[tm.mon - 1]);
            *cp++ = ' ';
            cp = put_uint(cp, (uint64_t)tm.mday, 2);
        }
        *cp++ = ' ';
        cp = put_hms(cp, tm.hour, tm.min, tm.sec, tm.usec);
        *cp++ = ' ';
        cp = put_year(cp, tm.year);
        if (print_tz) {
            *cp++ = ' ';
            if (tzn) {
                size_t l = strlen(tzn);
                if (l > 10)
                    l = 10;
                memcpy(cp, tzn, l);
                cp += l;
            } else {
                cp = put_tz(cp, tm.gmtoff);
            }
        }
        break;
    }
    }
    if (tm.year <= 0)
        cp = put_str(cp, " BC");
    *cp = '\0';
    return (size_t)(cp - buf);
}

static char *iso_part(char *cp, int64_t value, char unit)
{
    if (value == 0)
        return cp;
    cp = put_int(cp, value);
    *cp++ = unit;
    return cp;
}

static char *pg_part(char *cp, int64_t value, const char *units, int *is_zero, int *is_before)
{
    if (value == 0)
        return cp;
    if (!*is_zero)
        *cp++ = ' ';
    if (*is_before && value > 0)
        *cp++ = '+';
    cp = put_int(cp, value);
    *cp++ = ' ';
    cp = put_str(cp, units);
    if (value != 1)
        *cp++ = 's';
    *is_before = value < 0;
    *is_zero = 0;
    return cp;
}

static char *verbose_part(char *cp, int64_t value, const char *units, int *is_zero, int *is_before)
{
    if (value == 0)
        return cp;
    if (*is_zero) {
        *is_before = value < 0;
        value = value < 0 ? -value : value;
    } else if (*is_before) {
        value = -value;
    }
    *cp++ = ' ';
    cp = put_int(cp, value);
    *cp++ = ' ';
    cp = put_str(cp, units);
    if (value != 1)
        *cp++ = 's';
    *is_zero = 0;
    return cp;
}

size_t sql_interval_to_text(const SqlInterval *iv, int style, char *buf)
{
    char *cp = buf;
    int year = iv->months / 12, mon = iv->months % 12;
    int64_t mday = iv->days;
    int64_t time = iv->usec;
    int64_t hour = time / SQL_USEC_PER_HOUR;
    time -= hour * SQL_USEC_PER_HOUR;
    int min = (int)(time / SQL_USEC_PER_MINUTE);
    time -= min * SQL_USEC_PER_MINUTE;
    int sec = (int)(time / SQL_USEC_PER_SEC);
    int fsec = (int)(time - sec * SQL_USEC_PER_SEC);
    int is_before = 0, is_zero = 1;

    switch (style) {
    case SQL_INTERVALSTYLE_SQL_STANDARD: {
        int has_negative = year < 0 || mon < 0 || mday < 0 || hour < 0 || min < 0 || sec < 0 || fsec < 0;
        int has_positive = year > 0 || mon > 0 || mday > 0 || hour > 0 || min > 0 || sec > 0 || fsec > 0;
        int has_year_month = year != 0 || mon != 0;
        int has_day_time = mday != 0 || hour != 0 || min != 0 || sec != 0 || fsec != 0;
        int has_day = mday != 0;
        int sql_standard_value = !(has_negative && has_positive) && !(has_year_month && has_day_time);
        if (has_negative && sql_standard_value) {
            *cp++ = '-';
            year = -year, mon = -mon, mday = -mday, hour = -hour, min = -min, sec = -sec, fsec = -fsec;
        }
        if (!has_negative && !has_positive) {
            *cp++ = '0';
        } else if (!sql_standard_value) {
            *cp++ = (year < 0 || mon < 0) ? '-' : '+';
            cp = put_uint(cp, (uint64_t)(year < 0 ? -year : year), 1);
            *cp++ = '-';
            cp = put_uint(cp, (uint64_t)(mon < 0 ? -mon : mon), 1);
            *cp++ = ' ';
            *cp++ = mday < 0 ? '-' : '+';
            cp = put_uint(cp, (uint64_t)(mday < 0 ? -mday : mday), 1);
            *cp++ = ' ';
            *cp++ = (hour < 0 || min < 0 || sec < 0 || fsec < 0) ? '-' : '+';
            cp = put_uint(cp, (uint64_t)(hour < 0 ? -hour : hour), 1);
            *cp++ = ':';
            cp = put_uint(cp, (uint64_t)(min < 0 ? -min : min), 2);
            *cp++ = ':';
            cp = put_seconds(cp, sec, fsec, 1);
        } else if (has_year_month) {
            cp = put_int(cp, year);
            *cp++ = '-';
            cp = put_int(cp, mon);
        } else if (has_day) {
            cp = put_int(cp, mday);
            *cp++ = ' ';
            cp = put_int(cp, hour);
            *cp++ = ':';
            cp = put_uint(cp, (uint64_t)(min < 0 ? -min : min), 2);
            *cp++ = ':';
            cp = put_seconds(cp, sec, fsec, 1);
        } else {
            cp = put_int(cp, hour);
            *cp++ = ':';
            cp = put_uint(cp, (uint64_t)(min < 0 ? -min : min), 2);
            *cp++ = ':';
            cp = put_seconds(cp, sec, fsec, 1);
        }
        break;
    }
    case SQL_INTERVALSTYLE_ISO_8601:
        if (year == 0 && mon == 0 && mday == 0 && hour == 0 && min == 0 && sec == 0 && fsec == 0) {
            cp = put_str(cp, "PT0S");
            break;
        }
        *cp++ = 'P';
        cp = iso_part(cp, year, 'Y');
        cp = iso_part(cp, mon, 'M');
        cp = iso_part(cp, mday, 'D');
        if (hour != 0 || min != 0 || sec != 0 || fsec != 0)
            *cp++ = 'T';
        cp = iso_part(cp, hour, 'H');
        cp = iso_part(cp, min, 'M');
        if (sec != 0 || fsec != 0) {
            if (sec < 0 || fsec < 0)
                *cp++ = '-';
            cp = put_seconds(cp, sec, fsec, 0);
            *cp++ = 'S';
        }
        break;
    case SQL_INTERVALSTYLE_POSTGRES:
        cp = pg_part(cp, year, "year", &is_zero, &is_before);
        cp = pg_part(cp, mon, "mon", &is_zero, &is_before);
        cp = pg_part(cp, mday, "day", &is_zero, &is_before);
        if (is_zero || hour != 0 || min != 0 || sec != 0 || fsec != 0) {
            int minus = hour < 0 || min < 0 || sec < 0 || fsec < 0;
            if (!is_zero)
                *cp++ = ' ';
            if (minus)
                *cp++ = '-';
            else if (is_before)
                *cp++ = '+';
            cp = put_uint(cp, (uint64_t)(hour < 0 ? -hour : hour), 2);
            *cp++ = ':';
            cp = put_uint(cp, (uint64_t)(min < 0 ? -min : min), 2);
            *cp++ = ':';
            cp = put_seconds(cp, sec, fsec, 1);
        }
        break;
    default: /* postgres_verbose */
        *cp++ = '@';
        cp = verbose_part(cp, year, "year", &is_zero, &is_before);
        cp = verbose_part(cp, mon, "mon", &is_zero, &is_before);
        cp = verbose_part(cp, mday, "day", &is_zero, &is_before);
        cp = verbose_part(cp, hour, "hour", &is_zero, &is_before);
        cp = verbose_part(cp, min, "min", &is_zero, &is_before);
        if (sec != 0 || fsec != 0) {
            *cp++ = ' ';
            if (sec < 0 || (sec == 0 && fsec < 0)) {
                if (is_zero)
                    is_before = 1;
                else if (!is_before)
                    *cp++ = '-';
            } else if (is_before) {
                *cp++ = '-';
            }
            cp = put_seconds(cp, sec, fsec, 0);
            cp = put_str(cp, " sec");
            if ((sec < 0 ? -sec : sec) != 1 || fsec != 0)
                *cp++ = 's';
            is_zero = 0;
        }
        if (is_zero)
            cp = put_str(cp, " 0");
        if (is_before)
            cp = put_str(cp, " ago");
        break;
    }
    *cp = '\0';
    return (size_t)(cp - buf);
}
