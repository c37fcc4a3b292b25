/*
 * tz.c: see tz.h. Reads TZif files (RFC 8536) from /usr/share/zoneinfo: the version 2+ 64-bit block, and
 * the POSIX TZ footer ("EST5EDT,M3.2.0,M11.1.0") for instants after the last transition. Also parses
 * POSIX TZ strings given as zone names ("UTC+3", "+05:30" -- POSIX signs: both are WEST of Greenwich,
 * exactly as PostgreSQL reads them), and numeric SET TIME ZONE values ("5.5" = UTC+05:30).
 *
 * Name resolution follows PostgreSQL 15 (guc check_timezone -> pg_tzset):
 *   sql_tz_get        SET TimeZone: a plain number is hours east ("-8"); otherwise pg_tzset.
 *   sql_tz_get_zone   AT TIME ZONE / timezone(): the abbreviation table first ("EST" is -05 always),
 *                     then pg_tzset. (Additive to the tz.h contract.)
 *   pg_tzset          "GMT" is the POSIX "GMT0"; else a TZif file, matched case-insensitively and shown
 *                     with the file system's spelling ("america/new_york" -> "America/New_York"); else a
 *                     POSIX TZ string, shown upper-cased.
 *
 * Cache and threads: every zone loaded lives until exit in one global list guarded by a mutex, keyed by
 * the upper-cased name, so sessions share them and a borrowed SqlTz pointer never dangles. Zones are
 * immutable once published; lookups of offsets take no lock.
 *
 * Offsets for local wall-clock times (sql_tz_offset_for_local) are PostgreSQL's DetermineTimeZoneOffset:
 * find the first transition after (local - 24h); in a spring-forward gap take the offset before the
 * transition (02:30 in New York on 2024-03-10 is 03:30 EDT), in a fall-back overlap the one after
 * (01:30 on 2024-11-03 is 01:30 EST).
 *
 * Time zone abbreviations for input ("EST", "CEST", "Z") are PostgreSQL's "Default" set
 * (share/timezonesets/Default) as a static table; abbreviations PostgreSQL resolves dynamically through a
 * zone (e.g. "MSK") use their present-day offset here.
 */
#include "sql/tz.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"

#define TZ_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 256
#define TZ_FILE_MAX (1 << 20)

typedef struct TzType {
    int32_t utoff; /* seconds east of UTC */
    uint8_t isdst;
    uint16_t abbr; /* offset into abbrs */
} TzType;

/* A POSIX TZ rule date: Jn (julian, no Feb 29), n (zero-based day of year), Mm.w.d. */
typedef struct TzRuleDate {
    char kind; /* 'J', 'D', 'M' */
    int16_t day, week, month;
    int32_t secs; /* local time of day of the change (may be negative or > 24h) */
} TzRuleDate;

typedef struct TzRule {
    char std_abbr[16], dst_abbr[16];
    int32_t std_off, dst_off; /* seconds east */
    uint8_t has_dst;
    TzRuleDate start, end;
} TzRule;

struct SqlTz {
    struct SqlTz *next;
    char key[TZ_NAME_MAX];  /* upper-cased name as asked, the cache key */
    char name[TZ_NAME_MAX]; /* what SHOW TimeZone prints */
    int n_trans;
    int64_t *trans;   /* transition instants, unix seconds, ascending */
    uint8_t *trans_type;
    int n_types;
    TzType *types;
    char *abbrs;      /* NUL-separated abbreviation strings */
    uint8_t has_rule; /* footer rule applies after the last transition (or always when n_trans == 0) */
    TzRule rule;
};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static SqlTz *tz_cache;

/* UTC: static so it exists without any file and sql_tz_utc never fails. */
static TzType utc_type = {0, 0, 0};
static char utc_abbrs[] = "UTC";
static SqlTz tz_utc = {NULL, "UTC", "UTC", 0, NULL, NULL, 1, &utc_type, utc_abbrs, 0, {{0}, {0}, 0, 0, 0, {0}, {0}}};

/* ----------------------------------------------------------------------------------------------- */
/* calendar helpers (self-contained: tz sits below datetime)                                         */
/* ----------------------------------------------------------------------------------------------- */

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 of y-m-d (proleptic Gregorian; Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t year_of_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return y + (m <= 2);
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* ----------------------------------------------------------------------------------------------- */
/* POSIX TZ strings                                                                                  */
/* ----------------------------------------------------------------------------------------------- */

static const char *posix_name(const char *p, char *out, size_t cap, int allow_empty)
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
        if (*p != '>')
            return NULL;
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
        /* POSIX wants 3+ letters; PostgreSQL's tzparse takes any length, even none ("+05:30", "BC-05") */
        if (n < 3 && !allow_empty)
            return NULL;
    }
    out[n] = '\0';
    return p;
}

/* [+-]hh[:mm[:ss]]; hours up to max_h. Returns seconds in *out (sign as written). */
static const char *posix_hms(const char *p, int max_h, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    if (!isdigit((unsigned char)*p))
        return NULL;
    int h = 0, m = 0, s = 0;
    while (isdigit((unsigned char)*p)) {
        h = h * 10 + (*p++ - '0');
        if (h > max_h)
            return NULL;
    }
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p)) {
            m = m * 10 + (*p++ - '0');
            if (m > 59)
                return NULL;
        }
        if (*p == ':') {
            p++;
            if (!isdigit((unsigned char)*p))
                return NULL;
            while (isdigit((unsigned char)*p)) {
                s = s * 10 + (*p++ - '0');
                if (s > 60)
                    return NULL;
            }
        }
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *posix_num(const char *p, int lo, int hi, int16_t *out)
{
    if (!isdigit((unsigned char)*p))
        return NULL;
    int v = 0;
    while (isdigit((unsigned char)*p)) {
        v = v * 10 + (*p++ - '0');
        if (v > hi)
            return NULL;
    }
    if (v < lo)
        return NULL;
    *out = (int16_t)v;
    return p;
}

static const char *posix_date(const char *p, TzRuleDate *d)
{
    if (*p == 'J') {
        d->kind = 'J';
        p = posix_num(p + 1, 1, 365, &d->day);
    } else if (*p == 'M') {
        d->kind = 'M';
        p = posix_num(p + 1, 1, 12, &d->month);
        if (!p || *p != '.')
            return NULL;
        p = posix_num(p + 1, 1, 5, &d->week);
        if (!p || *p != '.')
            return NULL;
        p = posix_num(p + 1, 0, 6, &d->day);
    } else if (isdigit((unsigned char)*p)) {
        d->kind = 'D';
        p = posix_num(p, 0, 365, &d->day);
    } else {
        return NULL;
    }
    if (!p)
        return NULL;
    d->secs = 2 * 3600;
    if (*p == '/')
        p = posix_hms(p + 1, 167, &d->secs);
    return p;
}

/* Parse a POSIX TZ string. allow_empty_std: PostgreSQL's leniency for zone names like "+05:30". */
static int posix_parse(const char *s, TzRule *r, int allow_empty_std)
{
    memset(r, 0, sizeof(*r));
    const char *p = posix_name(s, r->std_abbr, sizeof(r->std_abbr), allow_empty_std);
    if (!p)
        return -1;
    int32_t off;
    if (*p == '\0') {
        /* "GMT" alone: PostgreSQL's last-ditch reading is GMT0 */
        if (strcasecmp(s, "GMT") != 0)
            return -1;
        off = 0;
    } else {
        p = posix_hms(p, 167, &off);
        if (!p)
            return -1;
    }
    r->std_off = -off; /* POSIX offsets count west */
    if (*p == '\0')
        return 0;
    p = posix_name(p, r->dst_abbr, sizeof(r->dst_abbr), 0);
    if (!p)
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        p = posix_hms(p, 167, &off);
        if (!p)
            return -1;
        r->dst_off = -off;
    }
    if (*p == '\0') {
        /* no rule given: the US rules (the "posixrules" default of tzcode) */
        r->start = (TzRuleDate){'M', 0, 2, 3, 7200};
        r->end = (TzRuleDate){'M', 0, 1, 11, 7200};
        return 0;
    }
    if (*p != ',')
        return -1;
    p = posix_date(p + 1, &r->start);
    if (!p || *p != ',')
        return -1;
    p = posix_date(p + 1, &r->end);
    if (!p || *p != '\0')
        return -1;
    return 0;
}

/* Days since 1970 of a rule date in year y. */
static int64_t rule_day(const TzRuleDate *d, int64_t y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    switch (d->kind) {
    case 'J':
        return jan1 + d->day - 1 + (is_leap(y) && d->day >= 60 ? 1 : 0);
    case 'D':
        return jan1 + d->day;
    default: {
        static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int64_t first = days_from_civil(y, d->month, 1);
        int wday_first = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        int dim = mdays[d->month - 1] + (d->month == 2 && is_leap(y));
        int day = 1 + (d->day - wday_first + 7) % 7 + (d->week - 1) * 7;
        while (day > dim)
            day -= 7;
        return first + day - 1;
    }
    }
}

/* The UTC instants in year y where DST starts and ends. */
static void rule_year(const TzRule *r, int64_t y, int64_t *start, int64_t *end)
{
    *start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
    *end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
}

static int rule_is_dst(const TzRule *r, int64_t t)
{
    if (!r->has_dst)
        return 0;
    int64_t y = year_of_days(floordiv(t + r->std_off, 86400));
    int64_t s, e;
    rule_year(r, y, &s, &e);
    if (s < e)
        return t >= s && t < e;
    return !(t >= e && t < s); /* southern hemisphere: DST spans the new year */
}

/* The first rule transition strictly after t; returns 0 if the rule has none. */
static int rule_next(const TzRule *r, int64_t t, int64_t *when, int *to_dst)
{
    if (!r->has_dst)
        return 0;
    int64_t y = year_of_days(floordiv(t, 86400));
    int64_t best = INT64_MAX;
    int best_dst = 0;
    for (int64_t yy = y - 1; yy <= y + 1; yy++) {
        int64_t s, e;
        rule_year(r, yy, &s, &e);
        if (s > t && s < best) {
            best = s;
            best_dst = 1;
        }
        if (e > t && e < best) {
            best = e;
            best_dst = 0;
        }
    }
    if (best == INT64_MAX)
        return 0;
    *when = best;
    *to_dst = best_dst;
    return 1;
}

/* ----------------------------------------------------------------------------------------------- */
/* TZif                                                                                              */
/* ----------------------------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parse a TZif image into z. Returns 0, or -1 when malformed (z is then left partly filled; the caller
 * frees it). */
static int tzif_parse(const uint8_t *buf, size_t len, SqlTz *z)
{
    if (len < 44 || memcmp(buf, "TZif", 4) != 0)
        return -1;
    int version = buf[4];
    const uint8_t *h = buf;
    size_t off = 0;
    int tsize = 4;
    if (version >= '2') {
        /* skip the v1 block: its counts are in the first header */
        uint32_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28), timecnt = be32(h + 32),
                 typecnt = be32(h + 36), charcnt = be32(h + 40);
        uint64_t skip = (uint64_t)timecnt * 5 + (uint64_t)typecnt * 6 + charcnt + (uint64_t)leap * 8 + isstd + isut;
        if (44 + skip + 44 > len)
            return -1;
        off = 44 + (size_t)skip;
        h = buf + off;
        if (memcmp(h, "TZif", 4) != 0)
            return -1;
        tsize = 8;
    }
    uint32_t isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28), timecnt = be32(h + 32),
             typecnt = be32(h + 36), charcnt = be32(h + 40);
    if (typecnt == 0 || typecnt > 256 || timecnt > 100000 || charcnt > 4096 || leap > 10000)
        return -1;
    uint64_t need = (uint64_t)timecnt * (tsize + 1) + (uint64_t)typecnt * 6 + charcnt +
                    (uint64_t)leap * (tsize + 4) + isstd + isut;
    const uint8_t *d = h + 44;
    if ((size_t)(d - buf) + need > len)
        return -1;
    z->n_trans = (int)timecnt;
    z->trans = xcalloc(timecnt ? timecnt : 1, sizeof(int64_t));
    z->trans_type = xcalloc(timecnt ? timecnt : 1, 1);
    for (uint32_t i = 0; i < timecnt; i++) {
        z->trans[i] = tsize == 8 ? be64(d + (size_t)i * 8) : (int32_t)be32(d + (size_t)i * 4);
        if (i > 0 && z->trans[i] <= z->trans[i - 1])
            return -1;
    }
    d += (size_t)timecnt * tsize;
    for (uint32_t i = 0; i < timecnt; i++) {
        z->trans_type[i] = d[i];
        if (d[i] >= typecnt)
            return -1;
    }
    d += timecnt;
    z->n_types = (int)typecnt;
    z->types = xcalloc(typecnt, sizeof(TzType));
    for (uint32_t i = 0; i < typecnt; i++) {
        const uint8_t *t = d + (size_t)i * 6;
        z->types[i].utoff = (int32_t)be32(t);
        z->types[i].isdst = t[4];
        z->types[i].abbr = t[5];
        if (t[5] >= charcnt)
            return -1;
    }
    d += (size_t)typecnt * 6;
    z->abbrs = xcalloc(charcnt + 1, 1);
    memcpy(z->abbrs, d, charcnt);
    d += charcnt + (size_t)leap * (tsize + 4) + isstd + isut;
    /* footer: "\n<POSIX TZ>\n" (v2+) */
    if (tsize == 8 && (size_t)(d - buf) < len && *d == '\n') {
        const uint8_t *e = memchr(d + 1, '\n', len - (size_t)(d - buf) - 1);
        if (e && e - d - 1 > 0 && e - d - 1 < 128) {
            char foot[128];
            memcpy(foot, d + 1, (size_t)(e - d - 1));
            foot[e - d - 1] = '\0';
            if (posix_parse(foot, &z->rule, 0) == 0)
                z->has_rule = 1;
        }
    }
    return 0;
}

static void tz_free(SqlTz *z)
{
    if (!z)
        return;
    free(z->trans);
    free(z->trans_type);
    free(z->types);
    free(z->abbrs);
    free(z);
}

/* Find a directory entry matching comp case-insensitively; copies its spelling into out. */
static int dir_match(const char *dir, const char *comp, char *out, size_t cap)
{
    DIR *dh = opendir(dir);
    if (!dh)
        return -1;
    struct dirent *de;
    int found = -1;
    while ((de = readdir(dh)) != NULL) {
        if (strcasecmp(de->d_name, comp) == 0 && strlen(de->d_name) < cap) {
            memcpy(out, de->d_name, strlen(de->d_name) + 1);
            found = 0;
            break;
        }
    }
    closedir(dh);
    return found;
}

/* Open name under TZ_DIR, matching each path component case-insensitively as PostgreSQL does; writes
 * the canonical (file system) spelling into canon. Returns an fd or -1. */
static int tz_open_file(const char *name, char *canon, size_t cap)
{
    size_t n = strlen(name);
    if (n == 0 || n >= TZ_NAME_MAX || name[0] == '/' || strstr(name, "..") || strchr(name, '\\'))
        return -1;
    char path[TZ_NAME_MAX + sizeof(TZ_DIR) + 2];
    snprintf(path, sizeof(path), "%s/%s", TZ_DIR, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        snprintf(canon, cap, "%s", name);
        return fd;
    }
    /* component by component, case-insensitively */
    char dir[sizeof(path)];
    snprintf(dir, sizeof(dir), "%s", TZ_DIR);
    size_t clen = 0;
    canon[0] = '\0';
    const char *p = name;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t l = slash ? (size_t)(slash - p) : strlen(p);
        char comp[TZ_NAME_MAX], real[TZ_NAME_MAX];
        if (l == 0 || l >= sizeof(comp))
            return -1;
        memcpy(comp, p, l);
        comp[l] = '\0';
        if (dir_match(dir, comp, real, sizeof(real)) != 0)
            return -1;
        size_t dl = strlen(dir), rl = strlen(real);
        if (dl + 1 + rl + 1 > sizeof(dir) || clen + (clen ? 1 : 0) + rl + 1 > cap)
            return -1;
        dir[dl] = '/';
        memcpy(dir + dl + 1, real, rl + 1);
        if (clen)
            canon[clen++] = '/';
        memcpy(canon + clen, real, rl + 1);
        clen += rl;
        p += l;
        if (*p == '/')
            p++;
    }
    return open(dir, O_RDONLY | O_CLOEXEC);
}

static SqlTz *tz_new(const char *key)
{
    SqlTz *z = xcalloc(1, sizeof(SqlTz));
    snprintf(z->key, sizeof(z->key), "%s", key);
    return z;
}

/* A zone with one fixed offset. */
static SqlTz *tz_new_fixed(const char *key, const char *name, int32_t off, const char *abbr)
{
    SqlTz *z = tz_new(key);
    snprintf(z->name, sizeof(z->name), "%s", name);
    z->n_types = 1;
    z->types = xcalloc(1, sizeof(TzType));
    z->types[0].utoff = off;
    z->abbrs = xstrdup(abbr);
    return z;
}

static SqlTz *tz_load_file(const char *key, const char *name)
{
    char canon[TZ_NAME_MAX];
    int fd = tz_open_file(name, canon, sizeof(canon));
    if (fd < 0)
        return NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || st.st_size > TZ_FILE_MAX) {
        close(fd);
        return NULL;
    }
    uint8_t *buf = xmalloc((size_t)st.st_size);
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    SqlTz *z = tz_new(key);
    snprintf(z->name, sizeof(z->name), "%s", canon);
    int rc = got == (size_t)st.st_size ? tzif_parse(buf, got, z) : -1;
    free(buf);
    if (rc != 0) {
        tz_free(z);
        return NULL;
    }
    return z;
}

static SqlTz *tz_from_rule(const char *key, const char *name, const TzRule *r)
{
    SqlTz *z = tz_new(key);
    snprintf(z->name, sizeof(z->name), "%s", name);
    z->has_rule = 1;
    z->rule = *r;
    /* one type per rule half, so sql_tz_offset_at can answer from the rule alone */
    z->n_types = 1;
    z->types = xcalloc(1, sizeof(TzType));
    z->types[0].utoff = r->std_off;
    z->abbrs = xstrdup(r->std_abbr);
    return z;
}

static SqlTz *cache_find(const char *key)
{
    for (SqlTz *z = tz_cache; z; z = z->next)
        if (strcmp(z->key, key) == 0)
            return z;
    return NULL;
}

/* Publish z under the lock unless another thread won the race; returns the cached zone. */
static SqlTz *cache_add(SqlTz *z)
{
    SqlTz *have = cache_find(z->key);
    if (have) {
        tz_free(z);
        return have;
    }
    z->next = tz_cache;
    tz_cache = z;
    return z;
}

/* pg_tzset: file, else POSIX string. Caller holds tz_lock. key is name upper-cased with a prefix byte
 * saying which lookup flavour made it (numeric and named lookups of "5" differ). */
static SqlTz *pg_tzset_locked(const char *name, const char *key)
{
    SqlTz *z = cache_find(key);
    if (z)
        return z;
    char upper[TZ_NAME_MAX];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof(upper))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        upper[i] = (char)toupper((unsigned char)name[i]);
    if (strcmp(upper, "UTC") == 0)
        return &tz_utc;
    TzRule r;
    if (strcmp(upper, "GMT") == 0) {
        if (posix_parse("GMT", &r, 0) != 0)
            return NULL;
        return cache_add(tz_from_rule(key, "GMT", &r));
    }
    z = tz_load_file(key, name);
    if (z)
        return cache_add(z);
    if (name[0] == ':' || posix_parse(name, &r, 1) != 0)
        return NULL;
    return cache_add(tz_from_rule(key, upper, &r));
}

static void make_key(char *key, size_t cap, char flavour, const char *name)
{
    size_t n = strlen(name);
    if (n + 2 > cap)
        n = cap - 2;
    key[0] = flavour;
    for (size_t i = 0; i < n; i++)
        key[i + 1] = (char)toupper((unsigned char)name[i]);
    key[n + 1] = '\0';
}

const SqlTz *sql_tz_utc(void)
{
    return &tz_utc;
}

/* Offset text "+05:30" / "-08" / "+05:30:15" for the name of a numeric zone, PostgreSQL style. */
static void fmt_offset(char *out, size_t cap, int32_t east)
{
    int32_t a = east < 0 ? -east : east;
    int h = a / 3600, m = a / 60 % 60, s = a % 60;
    if (s)
        snprintf(out, cap, "%c%02d:%02d:%02d", east < 0 ? '-' : '+', h, m, s);
    else if (m)
        snprintf(out, cap, "%c%02d:%02d", east < 0 ? '-' : '+', h, m);
    else
        snprintf(out, cap, "%c%02d", east < 0 ? '-' : '+', h);
}

const SqlTz *sql_tz_get(const char *name)
{
    if (!name || strlen(name) >= TZ_NAME_MAX)
        return NULL;
    /* A plain number is hours east of UTC (check_timezone's strtod test). */
    char *end;
    errno = 0;
    double hours = strtod(name, &end);
    if (end != name && *end == '\0' && errno == 0) {
        if (!(hours > -168 && hours < 168))
            return NULL;
        int32_t east = (int32_t)(hours * 3600); /* truncation, as PostgreSQL's long conversion */
        char key[TZ_NAME_MAX], off[32], nm[80];
        snprintf(key, sizeof(key), "#%d", (int)east);
        fmt_offset(off, sizeof(off), east);
        char west[32];
        fmt_offset(west, sizeof(west), -east);
        /* PostgreSQL names it as the POSIX string it builds: <+05:30>-05:30 */
        snprintf(nm, sizeof(nm), "<%s>%s", off, west);
        pthread_mutex_lock(&tz_lock);
        SqlTz *z = cache_find(key);
        if (!z)
            z = cache_add(tz_new_fixed(key, nm, east, off));
        pthread_mutex_unlock(&tz_lock);
        return z;
    }
    char key[TZ_NAME_MAX + 2];
    make_key(key, sizeof(key), 'N', name);
    pthread_mutex_lock(&tz_lock);
    SqlTz *z = pg_tzset_locked(name, key);
    pthread_mutex_unlock(&tz_lock);
    return z;
}

const SqlTz *sql_tz_get_zone(const char *name)
{
    if (!name || strlen(name) >= TZ_NAME_MAX)
        return NULL;
    char low[TZ_NAME_MAX];
    size_t n = strlen(name);
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    int32_t off;
    int is_dst;
    if (sql_tz_abbrev(low, &off, &is_dst) == 0) {
        char key[TZ_NAME_MAX + 2], up[TZ_NAME_MAX];
        make_key(key, sizeof(key), 'A', name);
        for (size_t i = 0; i <= n; i++)
            up[i] = (char)toupper((unsigned char)name[i]);
        pthread_mutex_lock(&tz_lock);
        SqlTz *z = cache_find(key);
        if (!z)
            z = cache_add(tz_new_fixed(key, up, off, up));
        pthread_mutex_unlock(&tz_lock);
        return z;
    }
    return sql_tz_get_named(name);
}

const SqlTz *sql_tz_get_named(const char *name)
{
    if (!name || strlen(name) >= TZ_NAME_MAX)
        return NULL;
    char key[TZ_NAME_MAX + 2];
    make_key(key, sizeof(key), 'N', name);
    pthread_mutex_lock(&tz_lock);
    SqlTz *z = pg_tzset_locked(name, key);
    pthread_mutex_unlock(&tz_lock);
    return z;
}

const char *sql_tz_name(const SqlTz *tz)
{
    return tz->name;
}

/* Offset and abbreviation at unix time t. */
int32_t sql_tz_offset_at(const SqlTz *tz, int64_t t, const char **abbrev)
{
    if (tz->n_trans == 0 || t >= tz->trans[tz->n_trans - 1]) {
        if (tz->has_rule && (tz->n_trans == 0 || t > tz->trans[tz->n_trans - 1])) {
            int dst = rule_is_dst(&tz->rule, t);
            if (abbrev)
                *abbrev = dst ? tz->rule.dst_abbr : tz->rule.std_abbr;
            return dst ? tz->rule.dst_off : tz->rule.std_off;
        }
        const TzType *ty = &tz->types[tz->n_trans ? tz->trans_type[tz->n_trans - 1] : 0];
        if (abbrev)
            *abbrev = tz->abbrs + ty->abbr;
        return ty->utoff;
    }
    const TzType *ty;
    if (t < tz->trans[0]) {
        ty = &tz->types[0];
    } else {
        int lo = 0, hi = tz->n_trans - 1; /* largest i with trans[i] <= t */
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (tz->trans[mid] <= t)
                lo = mid;
            else
                hi = mid - 1;
        }
        ty = &tz->types[tz->trans_type[lo]];
    }
    if (abbrev)
        *abbrev = tz->abbrs + ty->abbr;
    return ty->utoff;
}

/* pg_next_dst_boundary: offset in effect at t and the first transition after t. Returns 0 when there
 * is none (only *before is set). */
static int next_boundary(const SqlTz *tz, int64_t t, int32_t *before, int64_t *boundary, int32_t *after)
{
    *before = sql_tz_offset_at(tz, t, NULL);
    if (tz->n_trans > 0 && t < tz->trans[tz->n_trans - 1]) {
        int lo = 0, hi = tz->n_trans - 1; /* first i with trans[i] > t */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (tz->trans[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        *boundary = tz->trans[lo];
        *after = tz->types[tz->trans_type[lo]].utoff;
        return 1;
    }
    if (!tz->has_rule)
        return 0;
    int64_t when;
    int to_dst;
    int64_t from = t;
    if (tz->n_trans > 0 && from < tz->trans[tz->n_trans - 1])
        from = tz->trans[tz->n_trans - 1];
    if (!rule_next(&tz->rule, from, &when, &to_dst))
        return 0;
    *boundary = when;
    *after = to_dst ? tz->rule.dst_off : tz->rule.std_off;
    return 1;
}

int32_t sql_tz_offset_for_local(const SqlTz *tz, int64_t local)
{
    int32_t before, after;
    int64_t boundary;
    if (!next_boundary(tz, local - 86400, &before, &boundary, &after))
        return before;
    int64_t beforetime = local - before, aftertime = local - after;
    if (beforetime < boundary && aftertime < boundary)
        return before;
    if (beforetime > boundary && aftertime >= boundary)
        return after;
    /* gap or overlap: spring forward prefers "before", fall back prefers "after" */
    return beforetime > aftertime ? before : after;
}

int sql_tz_fixed_offset(const SqlTz *tz, int32_t *east)
{
    if (tz->n_trans == 0 && (!tz->has_rule || !tz->rule.has_dst)) {
        *east = tz->has_rule ? tz->rule.std_off : tz->types[0].utoff;
        return 1;
    }
    return 0;
}

/* ----------------------------------------------------------------------------------------------- */
/* abbreviations: PostgreSQL 15's timezone_abbreviations = 'Default' (pg_timezone_abbrevs)            */
/* ----------------------------------------------------------------------------------------------- */

typedef struct TzAbbrev {
    const char *abbrev; /* lower case, sorted */
    int32_t off;        /* seconds east */
    uint8_t is_dst;
} TzAbbrev;

/* clang-format off */
static const TzAbbrev tz_abbrevs[] = {
    {"acdt", 37800, 1}, {"acsst", 37800, 1}, {"acst", 34200, 0}, {"act", -18000, 0}, {"acwst", 31500, 0},
    {"adt", -10800, 1}, {"aedt", 39600, 1}, {"aesst", 39600, 1}, {"aest", 36000, 0}, {"aft", 16200, 0},
    {"akdt", -28800, 1}, {"akst", -32400, 0}, {"almst", 25200, 1}, {"almt", 21600, 0}, {"amst", 14400, 0},
    {"amt", -14400, 0}, {"anast", 43200, 0}, {"anat", 43200, 0}, {"arst", -10800, 0}, {"art", -10800, 0},
    {"ast", -14400, 0}, {"awsst", 32400, 1}, {"awst", 28800, 0}, {"azost", 0, 1}, {"azot", -3600, 0},
    {"azst", 14400, 0}, {"azt", 14400, 0}, {"bdst", 7200, 1}, {"bdt", 21600, 0}, {"bnt", 28800, 0}, {"bort",
    28800, 0}, {"bot", -14400, 0}, {"bra", -10800, 0}, {"brst", -7200, 1}, {"brt", -10800, 0}, {"bst", 3600,
    1}, {"btt", 21600, 0}, {"cadt", 37800, 1}, {"cast", 34200, 0}, {"cct", 28800, 0}, {"cdt", -18000, 1},
    {"cest", 7200, 1}, {"cet", 3600, 0}, {"cetdst", 7200, 1}, {"chadt", 49500, 1}, {"chast", 45900, 0},
    {"chut", 36000, 0}, {"ckt", -36000, 0}, {"clst", -10800, 1}, {"clt", -10800, 1}, {"cot", -18000, 0},
    {"cst", -21600, 0}, {"cxt", 25200, 0}, {"davt", 25200, 0}, {"ddut", 36000, 0}, {"easst", -18000, 1},
    {"east", -18000, 1}, {"eat", 10800, 0}, {"edt", -14400, 1}, {"eest", 10800, 1}, {"eet", 7200, 0},
    {"eetdst", 10800, 1}, {"egst", 0, 1}, {"egt", -3600, 0}, {"est", -18000, 0}, {"fet", 10800, 0}, {"fjst",
    46800, 1}, {"fjt", 43200, 0}, {"fkst", -10800, 0}, {"fkt", -10800, 0}, {"fnst", -3600, 1}, {"fnt",
    -7200, 0}, {"galt", -21600, 0}, {"gamt", -32400, 0}, {"gest", 14400, 0}, {"get", 14400, 0}, {"gft",
    -10800, 0}, {"gilt", 43200, 0}, {"gmt", 0, 0}, {"gyt", -14400, 0}, {"hkt", 28800, 0}, {"hst", -36000,
    0}, {"ict", 25200, 0}, {"idt", 10800, 1}, {"iot", 21600, 0}, {"irkst", 28800, 0}, {"irkt", 28800, 0},
    {"irt", 12600, 0}, {"ist", 7200, 0}, {"jayt", 32400, 0}, {"jst", 32400, 0}, {"kdt", 36000, 1}, {"kgst",
    21600, 1}, {"kgt", 21600, 0}, {"kost", 39600, 0}, {"krast", 25200, 0}, {"krat", 25200, 0}, {"kst",
    32400, 0}, {"lhdt", 39600, 1}, {"lhst", 37800, 0}, {"ligt", 36000, 0}, {"lint", 50400, 0}, {"lkt",
    19800, 0}, {"magst", 39600, 0}, {"magt", 39600, 0}, {"mart", -34200, 0}, {"mawt", 18000, 0}, {"mdt",
    -21600, 1}, {"mest", 7200, 1}, {"mesz", 7200, 1}, {"met", 3600, 0}, {"metdst", 7200, 1}, {"mez", 3600,
    0}, {"mht", 43200, 0}, {"mmt", 23400, 0}, {"mpt", 36000, 0}, {"msd", 14400, 1}, {"msk", 10800, 0},
    {"mst", -25200, 0}, {"must", 18000, 1}, {"mut", 14400, 0}, {"mvt", 18000, 0}, {"myt", 28800, 0}, {"ndt",
    -9000, 1}, {"nft", -12600, 0}, {"novst", 25200, 0}, {"novt", 25200, 0}, {"npt", 20700, 0}, {"nst",
    -12600, 0}, {"nut", -39600, 0}, {"nzdt", 46800, 1}, {"nzst", 43200, 0}, {"nzt", 43200, 0}, {"omsst",
    21600, 0}, {"omst", 21600, 0}, {"pdt", -25200, 1}, {"pet", -18000, 0}, {"petst", 43200, 0}, {"pett",
    43200, 0}, {"pgt", 36000, 0}, {"pht", 28800, 0}, {"pkst", 21600, 1}, {"pkt", 18000, 0}, {"pmdt", -7200,
    1}, {"pmst", -10800, 0}, {"pont", 39600, 0}, {"pst", -28800, 0}, {"pwt", 32400, 0}, {"pyst", -10800, 1},
    {"pyt", -10800, 0}, {"ret", 14400, 0}, {"sadt", 37800, 1}, {"sast", 7200, 0}, {"sct", 14400, 0}, {"sgt",
    28800, 0}, {"taht", -36000, 0}, {"tft", 18000, 0}, {"tjt", 18000, 0}, {"tkt", 46800, 0}, {"tmt", 18000,
    0}, {"tot", 46800, 0}, {"trut", 36000, 0}, {"tvt", 43200, 0}, {"uct", 0, 0}, {"ulast", 32400, 1},
    {"ulat", 28800, 0}, {"ut", 0, 0}, {"utc", 0, 0}, {"uyst", -7200, 1}, {"uyt", -10800, 0}, {"uzst", 21600,
    1}, {"uzt", 18000, 0}, {"vet", -14400, 0}, {"vlast", 36000, 0}, {"vlat", 36000, 0}, {"volt", 10800, 0},
    {"vut", 39600, 0}, {"wadt", 28800, 1}, {"wakt", 43200, 0}, {"wast", 25200, 0}, {"wat", 3600, 0}, {"wdt",
    32400, 1}, {"wet", 0, 0}, {"wetdst", 3600, 1}, {"wft", 43200, 0}, {"wgst", -7200, 1}, {"wgt", -10800,
    0}, {"xjt", 21600, 0}, {"yakst", 32400, 0}, {"yakt", 32400, 0}, {"yapt", 36000, 0}, {"yekst", 21600, 1},
    {"yekt", 18000, 0}, {"z", 0, 0}, {"zulu", 0, 0}
};
/* clang-format on */

int sql_tz_abbrev(const char *lower, int32_t *east, int *is_dst)
{
    size_t lo = 0, hi = sizeof(tz_abbrevs) / sizeof(tz_abbrevs[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(lower, tz_abbrevs[mid].abbrev);
        if (c == 0) {
            *east = tz_abbrevs[mid].off;
            *is_dst = tz_abbrevs[mid].is_dst;
            return 0;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}
