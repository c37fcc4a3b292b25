/*
 * fn_tochar.c: PostgreSQL's formatting functions: to_char(timestamp | timestamptz | interval, fmt),
 * to_char(int | bigint | real | double precision | numeric, fmt), to_timestamp(text, fmt) and
 * to_date(text, fmt), with PostgreSQL 15's template patterns (formatting.c), output and errors.
 *
 * A format is compiled once into nodes (literal text, or a keyword with its FM / TH / th modifiers):
 * per call site by the init hook when the format is a constant, else per distinct format within a
 * call. Date/time keywords (DCH): HH HH12 HH24 MI SS MS US FF1..FF6 SSSS SSSSS AM PM A.M. P.M. (and
 * lower case) Y,YYY YYYY YYY YY Y IYYY IYY IY I BC AD B.C. A.D. MONTH Month month MON Mon mon MM DAY
 * Day day DY Dy dy DDD IDDD DD D ID W WW IW CC J Q RM rm TZ tz TZH TZM OF, with "quoted text" and \"
 * outside quotes. Number keywords (NUM): 9 0 . , D G S MI PL SG V L EEEE RN rn TH th FM, with the sign,
 * padding, '#' overflow and fill-mode rules of formatting.c's NUM_processor.
 *
 * to_timestamp/to_date read the same date/time keywords (not TZ, OF: those are output-only in
 * PostgreSQL), skipping blanks and matching any separator to any separator as PostgreSQL 12+ does
 * outside FX mode; fields not given default to January 1 of year 1 BC at midnight, as in PostgreSQL, and
 * a zone-less input is read in the session time zone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/datetime.h"
#include "sql/fn_int.h"
#include "sql/numeric.h"
#include "sql/tz.h"

#define FN_MAX_STRING ((size_t)0x3FFFFFFF - 4)

/* ------------------------------------------------------------------------------------------------
 * Date/time keywords
 * ---------------------------------------------------------------------------------------------- */

enum {
    K_AD_DOT,
    K_AM_DOT,
    K_AD,
    K_AM,
    K_BC_DOT,
    K_BC,
    K_CC,
    K_DAY,
    K_DDD,
    K_DD,
    K_DY,
    K_D,
    K_FF1,
    K_FF2,
    K_FF3,
    K_FF4,
    K_FF5,
    K_FF6,
    K_FX,
    K_HH24,
    K_HH12,
    K_HH,
    K_IDDD,
    K_ID,
    K_IW,
    K_IYYY,
    K_IYY,
    K_IY,
    K_I,
    K_J,
    K_MI,
    K_MM,
    K_MONTH,
    K_MON,
    K_MS,
    K_OF,
    K_PM_DOT,
    K_PM,
    K_Q,
    K_RM,
    K_SSSSS,
    K_SSSS,
    K_SS,
    K_TZH,
    K_TZM,
    K_TZ,
    K_US,
    K_WW,
    K_W,
    K_Y_YYY,
    K_YYYY,
    K_YYY,
    K_YY,
    K_Y
};

/* Case of a word keyword's output: UPPER ("MONTH"), Capitalised ("Month"), lower ("month"). */
enum { CS_UPPER, CS_CAP, CS_LOWER };

typedef struct DchKey {
    const char *name;
    uint8_t len;
    uint8_t id;
    uint8_t cs;
} DchKey;

/* PostgreSQL's DCH_keywords, longest first within each starting letter so the first match is the
 * longest one. */
#define DK(s, id, cs)                                                                                        \
    {                                                                                                        \
        s, sizeof(s) - 1, id, cs                                                                             \
    }
static const DchKey dch_keys[] = {
    DK("A.D.", K_AD_DOT, CS_UPPER), DK("A.M.", K_AM_DOT, CS_UPPER), DK("AD", K_AD, CS_UPPER),
    DK("AM", K_AM, CS_UPPER),       DK("B.C.", K_BC_DOT, CS_UPPER), DK("BC", K_BC, CS_UPPER),
    DK("CC", K_CC, CS_UPPER),       DK("DAY", K_DAY, CS_UPPER),     DK("DDD", K_DDD, CS_UPPER),
    DK("DD", K_DD, CS_UPPER),       DK("DY", K_DY, CS_UPPER),       DK("Day", K_DAY, CS_CAP),
    DK("Dy", K_DY, CS_CAP),         DK("D", K_D, CS_UPPER),         DK("FF1", K_FF1, CS_UPPER),
    DK("FF2", K_FF2, CS_UPPER),     DK("FF3", K_FF3, CS_UPPER),     DK("FF4", K_FF4, CS_UPPER),
    DK("FF5", K_FF5, CS_UPPER),     DK("FF6", K_FF6, CS_UPPER),     DK("FX", K_FX, CS_UPPER),
    DK("HH24", K_HH24, CS_UPPER),   DK("HH12", K_HH12, CS_UPPER),   DK("HH", K_HH, CS_UPPER),
    DK("IDDD", K_IDDD, CS_UPPER),   DK("ID", K_ID, CS_UPPER),       DK("IW", K_IW, CS_UPPER),
    DK("IYYY", K_IYYY, CS_UPPER),   DK("IYY", K_IYY, CS_UPPER),     DK("IY", K_IY, CS_UPPER),
    DK("I", K_I, CS_UPPER),         DK("J", K_J, CS_UPPER),         DK("MI", K_MI, CS_UPPER),
    DK("MM", K_MM, CS_UPPER),       DK("MONTH", K_MONTH, CS_UPPER), DK("MON", K_MON, CS_UPPER),
    DK("MS", K_MS, CS_UPPER),       DK("Month", K_MONTH, CS_CAP),   DK("Mon", K_MON, CS_CAP),
    DK("OF", K_OF, CS_UPPER),       DK("P.M.", K_PM_DOT, CS_UPPER), DK("PM", K_PM, CS_UPPER),
    DK("Q", K_Q, CS_UPPER),         DK("RM", K_RM, CS_UPPER),       DK("SSSSS", K_SSSSS, CS_UPPER),
    DK("SSSS", K_SSSS, CS_UPPER),   DK("SS", K_SS, CS_UPPER),       DK("TZH", K_TZH, CS_UPPER),
    DK("TZM", K_TZM, CS_UPPER),     DK("TZ", K_TZ, CS_UPPER),       DK("US", K_US, CS_UPPER),
    DK("WW", K_WW, CS_UPPER),       DK("W", K_W, CS_UPPER),         DK("Y,YYY", K_Y_YYY, CS_UPPER),
    DK("YYYY", K_YYYY, CS_UPPER),   DK("YYY", K_YYY, CS_UPPER),     DK("YY", K_YY, CS_UPPER),
    DK("Y", K_Y, CS_UPPER),         DK("a.d.", K_AD_DOT, CS_LOWER), DK("a.m.", K_AM_DOT, CS_LOWER),
    DK("ad", K_AD, CS_LOWER),       DK("am", K_AM, CS_LOWER),       DK("b.c.", K_BC_DOT, CS_LOWER),
    DK("bc", K_BC, CS_LOWER),       DK("cc", K_CC, CS_LOWER),       DK("day", K_DAY, CS_LOWER),
    DK("ddd", K_DDD, CS_LOWER),     DK("dd", K_DD, CS_LOWER),       DK("dy", K_DY, CS_LOWER),
    DK("d", K_D, CS_LOWER),         DK("ff1", K_FF1, CS_LOWER),     DK("ff2", K_FF2, CS_LOWER),
    DK("ff3", K_FF3, CS_LOWER),     DK("ff4", K_FF4, CS_LOWER),     DK("ff5", K_FF5, CS_LOWER),
    DK("ff6", K_FF6, CS_LOWER),     DK("fx", K_FX, CS_LOWER),       DK("hh24", K_HH24, CS_LOWER),
    DK("hh12", K_HH12, CS_LOWER),   DK("hh", K_HH, CS_LOWER),       DK("iddd", K_IDDD, CS_LOWER),
    DK("id", K_ID, CS_LOWER),       DK("iw", K_IW, CS_LOWER),       DK("iyyy", K_IYYY, CS_LOWER),
    DK("iyy", K_IYY, CS_LOWER),     DK("iy", K_IY, CS_LOWER),       DK("i", K_I, CS_LOWER),
    DK("j", K_J, CS_LOWER),         DK("mi", K_MI, CS_LOWER),       DK("mm", K_MM, CS_LOWER),
    DK("month", K_MONTH, CS_LOWER), DK("mon", K_MON, CS_LOWER),     DK("ms", K_MS, CS_LOWER),
    DK("of", K_OF, CS_LOWER),       DK("p.m.", K_PM_DOT, CS_LOWER), DK("pm", K_PM, CS_LOWER),
    DK("q", K_Q, CS_LOWER),         DK("rm", K_RM, CS_LOWER),       DK("sssss", K_SSSSS, CS_LOWER),
    DK("ssss", K_SSSS, CS_LOWER),   DK("ss", K_SS, CS_LOWER),       DK("tzh", K_TZH, CS_LOWER),
    DK("tzm", K_TZM, CS_LOWER),     DK("tz", K_TZ, CS_LOWER),       DK("us", K_US, CS_LOWER),
    DK("ww", K_WW, CS_LOWER),       DK("w", K_W, CS_LOWER),         DK("y,yyy", K_Y_YYY, CS_LOWER),
    DK("yyyy", K_YYYY, CS_LOWER),   DK("yyy", K_YYY, CS_LOWER),     DK("yy", K_YY, CS_LOWER),
    DK("y", K_Y, CS_LOWER),
};

/* A compiled format node. */
typedef struct TcNode {
    uint8_t is_key;
    uint8_t key; /* K_* or a NUM_* token */
    uint8_t cs;
    uint8_t fm;       /* FM before the keyword */
    uint8_t th;       /* 0, 1 "th", 2 "TH" after the keyword */
    uint8_t is_space; /* literal: a single blank (for parsing) */
    Slice lit;        /* literal bytes */
} TcNode;

typedef struct TcFormat {
    TcNode *nodes;
    size_t n;
    /* number formats */
    int pre, post, multi;     /* digit positions before / after the point; V shift */
    int zero_start, zero_end; /* 1-based digit positions of the first and last '0' (0: none) */
    uint8_t fm, has_dec, eeee, roman, roman_lower, sign_pre_s, sign_post_s, has_mi, has_pl, has_sg, th;
    uint8_t failed; /* compile error, raised when a row needs the format */
    char sqlstate[6];
    char msg[120];
} TcFormat;

static const DchKey *dch_match(const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < sizeof(dch_keys) / sizeof(dch_keys[0]); k++) {
        const DchKey *d = &dch_keys[k];
        if (d->len <= n && memcmp(p, d->name, d->len) == 0)
            return d;
    }
    return NULL;
}

/* Keywords whose value is a number, so TH/th may follow them. */
static int dch_is_numeric(int key)
{
    switch (key) {
    case K_DAY:
    case K_DY:
    case K_MONTH:
    case K_MON:
    case K_AM:
    case K_AM_DOT:
    case K_PM:
    case K_PM_DOT:
    case K_AD:
    case K_AD_DOT:
    case K_BC:
    case K_BC_DOT:
    case K_RM:
    case K_TZ:
    case K_OF:
    case K_FX:
        return 0;
    default:
        return 1;
    }
}

static int tc_grow(Arena *a, TcFormat *f, size_t *cap)
{
    if (f->n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    TcNode *nn = arena_try_alloc(a, nc * sizeof(TcNode));
    if (!nn)
        return -1;
    if (f->n)
        memcpy(nn, f->nodes, f->n * sizeof(TcNode));
    f->nodes = nn;
    *cap = nc;
    return 0;
}

/* Append literal bytes to the format (merged with a preceding literal when contiguous in buf). */
static int tc_lit(Arena *a, TcFormat *f, size_t *cap, uint8_t *buf, size_t *bn, const uint8_t *p, size_t n)
{
    if (f->n && !f->nodes[f->n - 1].is_key &&
        f->nodes[f->n - 1].lit.p + f->nodes[f->n - 1].lit.n == buf + *bn && !f->nodes[f->n - 1].is_space &&
        !(n == 1 && p[0] == ' ')) {
        memcpy(buf + *bn, p, n);
        *bn += n;
        f->nodes[f->n - 1].lit.n += n;
        return 0;
    }
    if (tc_grow(a, f, cap))
        return -1;
    memcpy(buf + *bn, p, n);
    TcNode *nd = &f->nodes[f->n++];
    memset(nd, 0, sizeof(*nd));
    nd->lit = (Slice){buf + *bn, n};
    nd->is_space = n == 1 && p[0] == ' ';
    *bn += n;
    return 0;
}

/* Compile a date/time format (DCH). Returns 0 or -1 (out of memory). */
static int dch_compile(Arena *a, Slice fmt, TcFormat *f)
{
    memset(f, 0, sizeof(*f));
    size_t cap = 0, bn = 0;
    uint8_t *buf = arena_try_alloc(a, fmt.n + 1);
    if (!buf)
        return -1;
    const uint8_t *p = fmt.p, *end = fmt.p + fmt.n;
    int fm = 0;
    while (p < end) {
        if (end - p >= 2 && (memcmp(p, "FM", 2) == 0 || memcmp(p, "fm", 2) == 0)) {
            fm = 1;
            p += 2;
            continue;
        }
        const DchKey *d = dch_match(p, (size_t)(end - p));
        if (d) {
            p += d->len;
            if (d->id == K_FX) {
                fm = 0;
                continue;
            }
            if (tc_grow(a, f, &cap))
                return -1;
            TcNode *nd = &f->nodes[f->n++];
            memset(nd, 0, sizeof(*nd));
            nd->is_key = 1;
            nd->key = d->id;
            nd->cs = d->cs;
            nd->fm = (uint8_t)fm;
            fm = 0;
            if (dch_is_numeric(d->id) && end - p >= 2) {
                if (memcmp(p, "TH", 2) == 0)
                    nd->th = 2, p += 2;
                else if (memcmp(p, "th", 2) == 0)
                    nd->th = 1, p += 2;
            }
            continue;
        }
        fm = 0;
        if (*p == '"') {
            /* quoted text: a backslash takes the next character literally */
            p++;
            while (p < end && *p != '"') {
                if (*p == '\\' && p + 1 < end)
                    p++;
                size_t l = fn_utf8_len(*p);
                l = l <= (size_t)(end - p) ? l : (size_t)(end - p);
                if (tc_lit(a, f, &cap, buf, &bn, p, l))
                    return -1;
                p += l;
            }
            if (p < end)
                p++;
            continue;
        }
        if (*p == '\\' && p + 1 < end && p[1] == '"') {
            if (tc_lit(a, f, &cap, buf, &bn, p + 1, 1))
                return -1;
            p += 2;
            continue;
        }
        size_t l = fn_utf8_len(*p);
        l = l <= (size_t)(end - p) ? l : (size_t)(end - p);
        if (tc_lit(a, f, &cap, buf, &bn, p, l))
            return -1;
        p += l;
    }
    return 0;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const rm_upper[] = {"I",   "II",   "III", "IV", "V",  "VI",
                                       "VII", "VIII", "IX",  "X",  "XI", "XII"};

/* Append word (e.g. "March") in case style cs, padded to width with blanks unless fm. */
static int put_word(Buf *b, const char *word, size_t take, int cs, int fm, int width)
{
    char tmp[16];
    size_t n = strlen(word);
    if (take && take < n)
        n = take;
    for (size_t k = 0; k < n && k < sizeof(tmp); k++) {
        char c = word[k];
        if (cs == CS_UPPER)
            c = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        else if (cs == CS_LOWER || k > 0)
            c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        tmp[k] = c;
    }
    int rc = buf_append(b, tmp, n);
    for (int k = (int)n; !fm && k < width && !rc; k++)
        rc = buf_append_byte(b, ' ');
    return rc;
}

/* The ordinal suffix of n: st, nd, rd, th (11-13: th). */
static const char *ordinal(long long n, int upper)
{
    long long a = n < 0 ? -n : n;
    const char *s = "th";
    if (a % 100 < 11 || a % 100 > 13) {
        switch (a % 10) {
        case 1:
            s = "st";
            break;
        case 2:
            s = "nd";
            break;
        case 3:
            s = "rd";
            break;
        default:
            break;
        }
    }
    if (!upper)
        return s;
    return s[0] == 's' ? "ST" : s[0] == 'n' ? "ND" : s[0] == 'r' ? "RD" : "TH";
}

/* A number field: zero-padded to width unless fm, then the TH suffix. The width counts the minus sign of
 * a negative value (negative fields come from intervals), except that the fields PostgreSQL widens for
 * a sign (years, months, hours, minutes, seconds and fractions; not days) get one more place. */
/* "%0*lld" by hand: to_char formats several fields per row, and vsnprintf dominated its cost. */
static int append_padded(Buf *b, long long v, int width)
{
    char tmp[24];
    int n = 0;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int digits_width = v < 0 ? width - 1 : width; /* the sign takes one place of the width */
    while (n < digits_width && n < 20)
        tmp[sizeof(tmp) - 1 - n++] = '0';
    if (v < 0)
        tmp[sizeof(tmp) - 1 - n++] = '-';
    return buf_append(b, tmp + sizeof(tmp) - n, (size_t)n);
}

static int put_num_w(Buf *b, long long v, int width, int widen, const TcNode *nd)
{
    int rc = append_padded(b, v, nd->fm ? 0 : (v < 0 && widen ? width + 1 : width));
    if (!rc && nd->th)
        rc = buf_append_cstr(b, ordinal(v, nd->th == 2));
    return rc;
}

static int put_num(Buf *b, long long v, int width, const TcNode *nd)
{
    return put_num_w(b, v, width, 1, nd);
}

/* Broken-down values to_char needs, for a timestamp or an interval. */
typedef struct TcTime {
    SqlTm tm;
    int is_interval;
    int has_tz;    /* timestamptz: TZ/OF print the zone */
    int64_t jd;    /* Julian day (timestamps) */
    int64_t hours; /* intervals: the hours, which may pass 24 */
} TcTime;

/* Render one row. */
static int dch_render(const TcFormat *f, const TcTime *t, Buf *b)
{
    const SqlTm *tm = &t->tm;
    int rc = 0;
    int year = tm->year;
    int disp_year = t->is_interval ? year : (year > 0 ? year : 1 - year);
    int hour = t->is_interval ? (int)t->hours : tm->hour;
    int dow = t->is_interval ? 0 : sql_j2day((int)t->jd);
    int doy = t->is_interval ? 0 : (int)(t->jd - sql_date2j(tm->year, 1, 1) + 1);
    for (size_t k = 0; k < f->n && !rc; k++) {
        const TcNode *nd = &f->nodes[k];
        if (!nd->is_key) {
            rc = buf_append(b, nd->lit.p, nd->lit.n);
            continue;
        }
        switch (nd->key) {
        case K_HH:
        case K_HH12: {
            int h = hour % 12 == 0 ? 12 : hour % 12;
            rc = put_num(b, h, 2, nd);
            break;
        }
        case K_HH24:
            rc = put_num(b, hour, 2, nd);
            break;
        case K_MI:
            rc = put_num(b, tm->min, 2, nd);
            break;
        case K_SS:
            rc = put_num(b, tm->sec, 2, nd);
            break;
        case K_MS:
            rc = put_num(b, tm->usec / 1000, 3, nd);
            break;
        case K_US:
            rc = put_num(b, tm->usec, 6, nd);
            break;
        case K_FF1:
        case K_FF2:
        case K_FF3:
        case K_FF4:
        case K_FF5:
        case K_FF6: {
            int digits = nd->key - K_FF1 + 1;
            long long v = tm->usec;
            for (int d = digits; d < 6; d++)
                v /= 10;
            rc = put_num(b, v, digits, nd);
            break;
        }
        case K_SSSS:
        case K_SSSSS:
            rc = put_num(b, (long long)hour * 3600 + tm->min * 60 + tm->sec, 0, nd);
            break;
        case K_AM:
        case K_PM:
            rc = buf_append_cstr(b, hour % 24 >= 12 ? (nd->cs == CS_LOWER ? "pm" : "PM")
                                                    : (nd->cs == CS_LOWER ? "am" : "AM"));
            break;
        case K_AM_DOT:
        case K_PM_DOT:
            rc = buf_append_cstr(b, hour % 24 >= 12 ? (nd->cs == CS_LOWER ? "p.m." : "P.M.")
                                                    : (nd->cs == CS_LOWER ? "a.m." : "A.M."));
            break;
        case K_Y_YYY: {
            rc = buf_printf(b, "%d,%03d", disp_year / 1000, disp_year % 1000);
            if (!rc && nd->th)
                rc = buf_append_cstr(b, ordinal(disp_year, nd->th == 2));
            break;
        }
        case K_YYYY:
            rc = put_num(b, disp_year, 4, nd);
            break;
        case K_YYY:
            rc = put_num(b, disp_year % 1000, 3, nd);
            break;
        case K_YY:
            rc = put_num(b, disp_year % 100, 2, nd);
            break;
        case K_Y:
            rc = put_num(b, disp_year % 10, 1, nd);
            break;
        case K_IYYY:
        case K_IYY:
        case K_IY:
        case K_I: {
            int iy = t->is_interval ? year : sql_date2isoyear(tm->year, tm->mon, tm->mday);
            if (!t->is_interval && iy <= 0)
                iy = 1 - iy;
            int w = nd->key == K_IYYY ? 4 : nd->key == K_IYY ? 3 : nd->key == K_IY ? 2 : 1;
            int mod = w == 4 ? 1 : w == 3 ? 1000 : w == 2 ? 100 : 10;
            rc = put_num(b, w == 4 ? iy : iy % mod, w, nd);
            break;
        }
        case K_BC:
        case K_AD:
            rc = buf_append_cstr(b, year <= 0 ? (nd->cs == CS_LOWER ? "bc" : "BC")
                                              : (nd->cs == CS_LOWER ? "ad" : "AD"));
            break;
        case K_BC_DOT:
        case K_AD_DOT:
            rc = buf_append_cstr(b, year <= 0 ? (nd->cs == CS_LOWER ? "b.c." : "B.C.")
                                              : (nd->cs == CS_LOWER ? "a.d." : "A.D."));
            break;
        case K_MONTH:
            if (tm->mon >= 1 && tm->mon <= 12)
                rc = put_word(b, month_names[tm->mon - 1], 0, nd->cs, nd->fm, 9);
            break;
        case K_MON:
            if (tm->mon >= 1 && tm->mon <= 12)
                rc = put_word(b, month_names[tm->mon - 1], 3, nd->cs, 1, 0);
            break;
        case K_MM:
            rc = put_num(b, tm->mon, 2, nd);
            break;
        case K_DAY:
            if (!t->is_interval)
                rc = put_word(b, day_names[dow], 0, nd->cs, nd->fm, 9);
            break;
        case K_DY:
            if (!t->is_interval)
                rc = put_word(b, day_names[dow], 3, nd->cs, 1, 0);
            break;
        case K_DDD:
            rc = put_num(b, t->is_interval ? tm->mday : doy, 3, nd);
            break;
        case K_IDDD: {
            int iy = sql_date2isoyear(tm->year, tm->mon, tm->mday);
            /* ISO day of year: days since the Monday of ISO week 1 */
            int jan4 = sql_date2j(iy, 1, 4);
            int week1 = jan4 - ((sql_j2day(jan4) + 6) % 7);
            rc = put_num(b, t->is_interval ? 0 : t->jd - week1 + 1, 3, nd);
            break;
        }
        case K_DD:
            rc = put_num_w(b, tm->mday, 2, 0, nd);
            break;
        case K_D:
            rc = put_num(b, t->is_interval ? 0 : dow + 1, 0, nd);
            break;
        case K_ID:
            rc = put_num(b, t->is_interval ? 0 : (dow == 0 ? 7 : dow), 0, nd);
            break;
        case K_W:
            rc = put_num(b, (tm->mday - 1) / 7 + 1, 0, nd);
            break;
        case K_WW:
            rc = put_num(b, t->is_interval ? 0 : (doy - 1) / 7 + 1, 2, nd);
            break;
        case K_IW:
            rc = put_num(b, t->is_interval ? 0 : sql_date2isoweek(tm->year, tm->mon, tm->mday), 2, nd);
            break;
        case K_CC: {
            int cc =
                t->is_interval ? year / 100 : (year > 0 ? (year + 99) / 100 : -((99 - (year - 1)) / 100));
            rc = put_num(b, cc, 2, nd);
            break;
        }
        case K_J:
            rc = put_num(b, t->is_interval ? 0 : t->jd, 0, nd);
            break;
        case K_Q:
            rc = put_num(b, (tm->mon - 1) / 3 + 1, 0, nd);
            break;
        case K_RM:
            if (tm->mon >= 1 && tm->mon <= 12) {
                const char *r = rm_upper[tm->mon - 1];
                rc = put_word(b, r, 0, nd->cs == CS_LOWER ? CS_LOWER : CS_UPPER, nd->fm, 4);
            }
            break;
        case K_TZ:
            if (t->has_tz && tm->zone)
                rc = put_word(b, tm->zone, 0, nd->cs == CS_LOWER ? CS_LOWER : CS_UPPER, 1, 0);
            break;
        case K_TZH:
            if (t->has_tz)
                rc = buf_printf(b, "%c%02d", tm->gmtoff < 0 ? '-' : '+', abs(tm->gmtoff) / 3600);
            break;
        case K_TZM:
            if (t->has_tz)
                rc = buf_printf(b, "%02d", abs(tm->gmtoff) / 60 % 60);
            break;
        case K_OF:
            if (t->has_tz) {
                int off = abs(tm->gmtoff);
                rc = buf_printf(b, "%c%0*d", tm->gmtoff < 0 ? '-' : '+', nd->fm ? 0 : 2, off / 3600);
                if (!rc && off / 60 % 60)
                    rc = buf_printf(b, ":%02d", off / 60 % 60);
            }
            break;
        default:
            break;
        }
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Number formats
 * ---------------------------------------------------------------------------------------------- */

enum { N_9 = 100, N_0, N_DEC, N_COMMA, N_S, N_MI, N_PL, N_SG, N_V, N_L, N_EEEE, N_RN, N_TH };

static void num_fail(TcFormat *f, const char *state, const char *msg)
{
    f->failed = 1;
    snprintf(f->sqlstate, sizeof(f->sqlstate), "%s", state);
    snprintf(f->msg, sizeof(f->msg), "%s", msg);
}

static int num_compile(Arena *a, Slice fmt, TcFormat *f)
{
    memset(f, 0, sizeof(*f));
    size_t cap = 0, bn = 0;
    uint8_t *buf = arena_try_alloc(a, fmt.n + 1);
    if (!buf)
        return -1;
    const uint8_t *p = fmt.p, *end = fmt.p + fmt.n;
    int after_v = 0, digits = 0;
    while (p < end) {
        size_t left = (size_t)(end - p);
        int key = -1;
        size_t klen = 1;
        uint8_t c = *p;
        if (left >= 4 && memcmp(p, "EEEE", 4) == 0)
            key = N_EEEE, klen = 4;
        else if (left >= 2 && (memcmp(p, "FM", 2) == 0 || memcmp(p, "fm", 2) == 0)) {
            f->fm = 1;
            p += 2;
            continue;
        } else if (left >= 2 && memcmp(p, "MI", 2) == 0)
            key = N_MI, klen = 2;
        else if (left >= 2 && memcmp(p, "PL", 2) == 0)
            key = N_PL, klen = 2;
        else if (left >= 2 && memcmp(p, "SG", 2) == 0)
            key = N_SG, klen = 2;
        else if (left >= 2 && (memcmp(p, "RN", 2) == 0 || memcmp(p, "rn", 2) == 0)) {
            key = N_RN, klen = 2;
            f->roman = 1;
            f->roman_lower = p[0] == 'r';
        } else if (left >= 2 && (memcmp(p, "TH", 2) == 0 || memcmp(p, "th", 2) == 0)) {
            key = N_TH, klen = 2;
            f->th = p[0] == 'T' ? 2 : 1;
        } else if (c == '9' || c == '0') {
            key = c == '9' ? N_9 : N_0;
            digits++;
            if (f->has_dec)
                f->post++;
            else
                f->pre++;
            if (after_v)
                f->multi++;
            if (c == '0') {
                if (!f->zero_start)
                    f->zero_start = digits;
                f->zero_end = digits;
            }
        } else if (c == '.' || c == 'D') {
            if (f->has_dec) {
                num_fail(f, "42601", "multiple decimal points");
                return 0;
            }
            key = N_DEC;
            f->has_dec = 1;
        } else if (c == ',' || c == 'G') {
            key = N_COMMA;
        } else if (c == 'S') {
            key = N_S;
            if (digits == 0)
                f->sign_pre_s = 1;
            else
                f->sign_post_s = 1;
        } else if (c == 'V') {
            key = N_V;
            after_v = 1;
        } else if (c == 'L') {
            key = N_L;
        }
        if (key == N_MI)
            f->has_mi = 1;
        if (key == N_PL)
            f->has_pl = 1;
        if (key == N_SG)
            f->has_sg = 1;
        if (key == N_EEEE)
            f->eeee = 1;
        if (key < 0) {
            if (c == '"') {
                p++;
                while (p < end && *p != '"') {
                    if (*p == '\\' && p + 1 < end)
                        p++;
                    if (tc_lit(a, f, &cap, buf, &bn, p, 1))
                        return -1;
                    p++;
                }
                if (p < end)
                    p++;
                continue;
            }
            size_t l = fn_utf8_len(c);
            l = l <= left ? l : left;
            if (tc_lit(a, f, &cap, buf, &bn, p, l))
                return -1;
            p += l;
            continue;
        }
        if (tc_grow(a, f, &cap))
            return -1;
        TcNode *nd = &f->nodes[f->n++];
        memset(nd, 0, sizeof(*nd));
        nd->is_key = 1;
        nd->key = (uint8_t)key;
        p += klen;
    }
    /* V: the digits after V multiply the value and count as integer positions */
    if (f->multi) {
        f->pre += f->post;
        f->post = 0;
    }
    return 0;
}

/* A number's digits as to_char sees them: integer digits, '.', exactly post fraction digits; or '#'
 * everywhere when the integer part needs more positions than the format has. */
typedef struct NumStr {
    char s[512];
    size_t pre_len; /* characters before the '.' (or all) */
    int neg;
    int overflow;
    long long ival; /* the integer value for TH and RN */
    int ival_ok;
} NumStr;

static void numstr_overflow(NumStr *ns, const TcFormat *f)
{
    size_t n = 0;
    for (int k = 0; k < f->pre && n < sizeof(ns->s) - 2; k++)
        ns->s[n++] = '#';
    if (f->post) {
        ns->s[n++] = '.';
        for (int k = 0; k < f->post && n < sizeof(ns->s) - 1; k++)
            ns->s[n++] = '#';
    }
    ns->s[n] = '\0';
    ns->pre_len = (size_t)f->pre;
    ns->overflow = 1;
}

/* Fill ns from "digits[.fraction]" (no sign). */
static void numstr_set(NumStr *ns, const TcFormat *f, const char *txt)
{
    snprintf(ns->s, sizeof(ns->s), "%s", txt);
    const char *dot = strchr(ns->s, '.');
    ns->pre_len = dot ? (size_t)(dot - ns->s) : strlen(ns->s);
    if (ns->pre_len > (size_t)f->pre)
        numstr_overflow(ns, f);
}

/* Render the number in ns with format f (PostgreSQL's NUM_processor for output). */
static int num_render(const TcFormat *f, const NumStr *ns, Buf *b)
{
    int rc = 0;
    if (f->roman) {
        if (!ns->ival_ok || ns->ival < 1 || ns->ival > 3999) {
            for (int k = 0; k < 15 && !rc; k++)
                rc = buf_append_byte(b, '#');
            return rc;
        }
        static const char *const th[] = {"", "M", "MM", "MMM"};
        static const char *const hu[] = {"", "C", "CC", "CCC", "CD", "D", "DC", "DCC", "DCCC", "CM"};
        static const char *const te[] = {"", "X", "XX", "XXX", "XL", "L", "LX", "LXX", "LXXX", "XC"};
        static const char *const on[] = {"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"};
        char r[32];
        long long v = ns->ival;
        snprintf(r, sizeof(r), "%s%s%s%s", th[v / 1000], hu[v / 100 % 10], te[v / 10 % 10], on[v % 10]);
        if (f->roman_lower)
            for (char *q = r; *q; q++)
                *q = (char)(*q + 32);
        size_t rl = strlen(r);
        for (size_t k = rl; !f->fm && k < 15 && !rc; k++)
            rc = buf_append_byte(b, ' ');
        return rc || buf_append(b, r, rl);
    }
    if (f->eeee) {
        /* scientific: the sign slot, then the mantissa and exponent as printf's %e */
        if (ns->neg)
            rc = buf_append_byte(b, '-');
        else if (!f->fm)
            rc = buf_append_byte(b, ' ');
        return rc || buf_append_cstr(b, ns->s);
    }
    /* the default sign, an S before the digits and PL keep a floating sign slot in front of the first
     * digit; MI, SG and a trailing S print the sign only where they stand */
    int floating = !(f->sign_post_s || f->has_mi || f->has_sg);
    int out_pre_spaces = f->pre - (int)ns->pre_len;
    if (out_pre_spaces < 0)
        out_pre_spaces = 0;
    int zs = f->zero_start ? f->zero_start - 1 : -1; /* 0-based */
    int is_zero_flag = f->zero_start != 0;
    /* fill mode strips trailing fraction zeros up to the last '0' position of the format */
    const char *s = ns->s;
    size_t slen = strlen(s);
    ptrdiff_t last_relevant = -1;
    if (f->fm && f->post && !ns->overflow) {
        const char *dot = strchr(s, '.');
        ptrdiff_t keep_upto = dot ? dot - s : (ptrdiff_t)slen;
        /* positions covered by '0' in the fraction must stay */
        if (f->zero_end > f->pre)
            keep_upto += f->zero_end - f->pre;
        ptrdiff_t k = (ptrdiff_t)slen - 1;
        while (k > keep_upto && s[k] == '0')
            k--;
        last_relevant = k;
    }
    size_t np = 0;
    int num_curr = 0, sign_wrote = 0, num_in = 0;
    for (size_t k = 0; k < f->n && !rc; k++) {
        const TcNode *nd = &f->nodes[k];
        if (!nd->is_key) {
            rc = buf_append(b, nd->lit.p, nd->lit.n);
            continue;
        }
        switch (nd->key) {
        case N_9:
        case N_0:
        case N_DEC: {
            /* "predec": the lone 0 before the point of a value below 1, with no '0' in the format */
            int predec = !is_zero_flag && np == 0 && s[0] == '0' && f->post != 0 && !ns->overflow;
            int lr_is_dot = last_relevant >= 0 && s[last_relevant] == '.';
            if (floating && !sign_wrote && (num_curr >= out_pre_spaces || (is_zero_flag && zs == num_curr)) &&
                (!predec || lr_is_dot)) {
                if (ns->neg)
                    rc = buf_append_byte(b, '-');
                else if (f->sign_pre_s)
                    rc = buf_append_byte(b, '+');
                else if (!f->fm)
                    rc = buf_append_byte(b, ' ');
                sign_wrote = 1;
            }
            if (nd->key == N_DEC) {
                if (np >= slen || s[np] != '.')
                    return rc; /* no point in the number: PostgreSQL's output ends here */
                rc = rc || buf_append_byte(b, '.');
                np++;
                break;
            }
            if (num_curr < out_pre_spaces && (!is_zero_flag || zs > num_curr)) {
                if (!f->fm)
                    rc = rc || buf_append_byte(b, ' ');
            } else if (is_zero_flag && num_curr < out_pre_spaces && zs <= num_curr) {
                rc = rc || buf_append_byte(b, '0');
                num_in = 1;
            } else {
                if (np < slen && s[np] == '.')
                    np++; /* digits after the point when the format had no point token here */
                if (last_relevant >= 0 && (ptrdiff_t)np > last_relevant && nd->key != N_0) {
                    /* fill mode: a stripped trailing zero */
                } else if (predec) {
                    if (!f->fm)
                        rc = rc || buf_append_byte(b, ' ');
                    else if (lr_is_dot)
                        rc = rc || buf_append_byte(b, '0');
                } else if (np < slen) {
                    rc = rc || buf_append_byte(b, (uint8_t)s[np]);
                    num_in = 1;
                } else {
                    return rc; /* the number ran out of digits (float precision): the output ends here */
                }
                if (np < slen)
                    np++;
            }
            num_curr++;
            break;
        }
        case N_COMMA:
            if (num_in)
                rc = buf_append_byte(b, ',');
            else if (!f->fm)
                rc = buf_append_byte(b, ' ');
            break;
        case N_S:
            if (num_curr > 0) /* S after the digits; S before them is the floating sign */
                rc = buf_append_byte(b, ns->neg ? '-' : '+');
            break;
        case N_MI:
            if (ns->neg)
                rc = buf_append_byte(b, '-');
            else if (!f->fm)
                rc = buf_append_byte(b, ' ');
            break;
        case N_PL:
            if (!ns->neg)
                rc = buf_append_byte(b, '+');
            else if (!f->fm)
                rc = buf_append_byte(b, ' ');
            break;
        case N_SG:
            rc = buf_append_byte(b, ns->neg ? '-' : '+');
            break;
        case N_L:
            if (!f->fm)
                rc = buf_append_byte(b, ' ');
            break;
        case N_TH:
            if (ns->ival_ok && !ns->neg && f->post == 0 && !ns->overflow)
                rc = buf_append_cstr(b, ordinal(ns->ival, f->th == 2));
            break;
        default:
            break;
        }
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Format cache: the constant format (init hook) or the last one seen in this call
 * ---------------------------------------------------------------------------------------------- */

static int fmt_init_common(Arena *plan_arena, const SqlValue *const *consts, uint32_t n_args, void **state,
                           int numeric)
{
    *state = NULL;
    if (!consts || n_args < 2 || !consts[1] || consts[1]->is_null)
        return WEIR_OK;
    TcFormat *f = ARENA_NEW(plan_arena, TcFormat, 1);
    if (!f)
        return WEIR_OK;
    int rc =
        numeric ? num_compile(plan_arena, consts[1]->u.s, f) : dch_compile(plan_arena, consts[1]->u.s, f);
    if (rc)
        return WEIR_OK; /* no plan: per row */
    *state = f;
    return WEIR_OK;
}

SQL_FN_INIT(fn_to_char_dt_init)
{
    UNUSED(err);
    return fmt_init_common(plan_arena, consts, n_args, state, 0);
}
SQL_FN_INIT(fn_to_char_num_init)
{
    UNUSED(err);
    return fmt_init_common(plan_arena, consts, n_args, state, 1);
}

typedef struct FmtRun {
    SqlFnCtx *ctx;
    const TcFormat *constant;
    TcFormat own;
    Slice own_src;
    int has_own;
    int numeric;
} FmtRun;

static const TcFormat *fmt_get(FmtRun *r, Slice src)
{
    const TcFormat *f = r->constant;
    if (!f) {
        if (!r->has_own || src.n != r->own_src.n || (src.n && memcmp(src.p, r->own_src.p, src.n) != 0)) {
            int rc = r->numeric ? num_compile(r->ctx->arena, src, &r->own)
                                : dch_compile(r->ctx->arena, src, &r->own);
            if (rc) {
                fn_error_oom(r->ctx);
                return NULL;
            }
            r->has_own = 1;
            r->own_src = src;
        }
        f = &r->own;
    }
    if (f->failed) {
        sql_error_set(r->ctx->err, f->sqlstate, 0, "%s", f->msg);
        return NULL;
    }
    return f;
}

/* ------------------------------------------------------------------------------------------------
 * to_char kernels
 * ---------------------------------------------------------------------------------------------- */

static int to_char_time_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out)
{
    SqlTypeId t = args[0].type.id;
    FmtRun fr = {ctx, ctx->state, {0}, {NULL, 0}, 0, 0};
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        const TcFormat *f = fmt_get(&fr, args[1].u.s[i]);
        if (!f) {
            rc = WEIR_ERROR;
            break;
        }
        TcTime tt;
        memset(&tt, 0, sizeof(tt));
        if (t == SQL_INTERVAL) {
            const SqlInterval *iv = &args[0].u.iv[i];
            tt.is_interval = 1;
            tt.tm.year = iv->months / 12;
            tt.tm.mon = iv->months % 12;
            tt.tm.mday = iv->days;
            int64_t us = iv->usec;
            tt.hours = us / SQL_USEC_PER_HOUR;
            us -= tt.hours * SQL_USEC_PER_HOUR;
            tt.tm.min = (int)(us / SQL_USEC_PER_MINUTE);
            us -= (int64_t)tt.tm.min * SQL_USEC_PER_MINUTE;
            tt.tm.sec = (int)(us / SQL_USEC_PER_SEC);
            tt.tm.usec = (int32_t)(us % SQL_USEC_PER_SEC);
        } else {
            int64_t ts = args[0].u.i[i];
            if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
                /* PostgreSQL returns NULL for infinite timestamps */
                rc = fn_set_null(ctx, out, i);
                continue;
            }
            tt.has_tz = t == SQL_TIMESTAMPTZ;
            if (sql_timestamp2tm(ts,
                                 tt.has_tz ? (ctx->fmt && ctx->fmt->tz ? ctx->fmt->tz : sql_tz_utc()) : NULL,
                                 &tt.tm)) {
                rc = sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
                break;
            }
            tt.jd = sql_date2j(tt.tm.year, tt.tm.mon, tt.tm.mday);
        }
        buf_reset(&b);
        if (dch_render(f, &tt, &b)) {
            rc = sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
            break;
        }
        rc = fn_str_copy(&w, b.p, b.len, &out->u.s[i]);
    }
    buf_fini(&b);
    return rc;
}

SQL_FN_KERNEL(fn_to_char_time)
{
    UNUSED(n_args);
    return to_char_time_kernel(ctx, args, out);
}

/* Digits of |v| for an integer value, scaled by 10^multi, with post zero fraction digits. */
static void numstr_from_int(NumStr *ns, const TcFormat *f, int64_t v)
{
    memset(ns, 0, sizeof(*ns));
    ns->neg = v < 0;
    unsigned __int128 u = v < 0 ? (unsigned __int128)(-(__int128)v) : (unsigned __int128)v;
    for (int k = 0; k < f->multi; k++)
        u *= 10;
    char txt[64];
    int n = 0;
    char rev[48];
    do {
        rev[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 45);
    int o = 0;
    while (n)
        txt[o++] = rev[--n];
    if (f->post) {
        txt[o++] = '.';
        for (int k = 0; k < f->post && o < 60; k++)
            txt[o++] = '0';
    }
    txt[o] = '\0';
    ns->ival = v < 0 ? -v : v;
    ns->ival_ok = 1;
    if (f->eeee) {
        snprintf(ns->s, sizeof(ns->s), "%.*e", f->post, fabs((double)v));
        return;
    }
    numstr_set(ns, f, txt);
}

static void numstr_from_double(NumStr *ns, const TcFormat *f, double v, int digits)
{
    memset(ns, 0, sizeof(*ns));
    if (isnan(v) || isinf(v)) {
        ns->neg = v < 0;
        if (f->eeee) {
            snprintf(ns->s, sizeof(ns->s), "%s", isnan(v) ? "NaN" : "Infinity");
            return;
        }
        numstr_overflow(ns, f);
        return;
    }
    /* the sign printf gives: a negative value that rounds to zero (and -0) keeps its minus, as in
     * PostgreSQL's float to_char */
    ns->neg = signbit(v) != 0;
    double a = fabs(v);
    for (int k = 0; k < f->multi; k++)
        a *= 10;
    if (f->eeee) {
        snprintf(ns->s, sizeof(ns->s), "%.*e", f->post, a);
        return;
    }
    if (a >= 1e300) {
        numstr_overflow(ns, f);
        return;
    }
    /* PostgreSQL prints no more significant digits than the type holds (DBL_DIG / FLT_DIG) */
    char ip[400];
    snprintf(ip, sizeof(ip), "%.0f", a);
    int pre_len = (int)strlen(ip);
    int post = f->post;
    if (pre_len + post > digits)
        post = digits - pre_len > 0 ? digits - pre_len : 0;
    /* fewer fraction digits than the format asks for: the text is shorter, and rendering stops where it
     * runs out (num_render), as PostgreSQL's output does */
    char txt[480];
    snprintf(txt, sizeof(txt), "%.*f", post, a);
    double r = rint(a);
    ns->ival_ok = r < 9e18;
    ns->ival = ns->ival_ok ? (long long)r : 0;
    numstr_set(ns, f, txt);
}

static int numstr_from_numeric(SqlFnCtx *ctx, NumStr *ns, const TcFormat *f, const SqlNumeric *v)
{
    memset(ns, 0, sizeof(*ns));
    if (v->kind) {
        ns->neg = v->kind == SQL_NUM_NINF;
        if (f->eeee) {
            snprintf(ns->s, sizeof(ns->s), "%s", v->kind == SQL_NUM_NAN ? "NaN" : "Infinity");
            return WEIR_OK;
        }
        numstr_overflow(ns, f);
        return WEIR_OK;
    }
    SqlNumeric x = *v, r;
    if (f->multi) {
        SqlNumeric m = sql_numeric_make(1, 0);
        for (int k = 0; k < f->multi; k++)
            m.v *= 10;
        if (sql_numeric_mul(&x, &m, &x, ctx->err))
            return WEIR_ERROR;
    }
    if (f->eeee) {
        ns->neg = x.v < 0;
        double d = fabs(sql_numeric_to_double(&x));
        snprintf(ns->s, sizeof(ns->s), "%.*e", f->post, d);
        return WEIR_OK;
    }
    if (sql_numeric_round(&x, f->post, &r, ctx->err))
        return WEIR_ERROR;
    ns->neg = r.v < 0;
    if (r.v < 0)
        r.v = -r.v;
    char txt[SQL_NUMERIC_TEXT_MAX];
    sql_numeric_format(&r, txt);
    SqlNumeric ri;
    if (sql_numeric_round(&r, 0, &ri, NULL) == WEIR_OK && ri.v < (__int128)9000000000000000000LL) {
        ns->ival_ok = 1;
        ns->ival = (long long)ri.v;
    }
    numstr_set(ns, f, txt);
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_to_char_num)
{
    UNUSED(n_args);
    SqlTypeId t = args[0].type.id;
    FmtRun fr = {ctx, ctx->state, {0}, {NULL, 0}, 0, 1};
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        const TcFormat *f = fmt_get(&fr, args[1].u.s[i]);
        if (!f) {
            rc = WEIR_ERROR;
            break;
        }
        NumStr ns;
        if (t == SQL_NUMERIC) {
            if (numstr_from_numeric(ctx, &ns, f, &args[0].u.num[i])) {
                rc = WEIR_ERROR;
                break;
            }
        } else if (t == SQL_FLOAT8 || t == SQL_FLOAT4) {
            numstr_from_double(&ns, f, args[0].u.f[i], t == SQL_FLOAT8 ? 15 : 6);
        } else {
            numstr_from_int(&ns, f, args[0].u.i[i]);
        }
        buf_reset(&b);
        if (num_render(f, &ns, &b)) {
            rc = sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
            break;
        }
        rc = fn_str_copy(&w, b.p, b.len, &out->u.s[i]);
    }
    buf_fini(&b);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * to_timestamp(text, fmt), to_date(text, fmt)
 * ---------------------------------------------------------------------------------------------- */

typedef struct ParseState {
    int year, has_year, year_digits, bc, mon, mday, hour, min, sec, usec, pm, has_ampm, clock12;
    int doy, has_doy, jd, has_jd, tzh, tzm, tz_neg, has_tz, cc, has_cc, ssss, has_ssss;
} ParseState;

static int is_sep(uint8_t c)
{
    return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80);
}

/* PostgreSQL quotes as many input characters as the field takes (its digits, or its keyword's length for
 * names), stopping at white space. */
static int parse_value_error(SqlFnCtx *ctx, const uint8_t *p, const uint8_t *end, const char *field,
                             const char *detail, size_t width)
{
    size_t n = 0;
    while (p + n < end && !(p[n] == ' ' || p[n] == '\t') && n < width)
        n++;
    int fresh = ctx->err && !ctx->err->sqlstate[0];
    sql_error_set(ctx->err, "22007", 0, "invalid value \"%.*s\" for \"%s\"", (int)n, (const char *)p, field);
    if (fresh && detail)
        snprintf(ctx->err->detail, sizeof(ctx->err->detail), "%s", detail);
    return WEIR_ERROR;
}

/* The keyword as the format spelled it ("Mon", "MON" or "mon"), for error messages. */
static const char *key_name(const TcNode *nd)
{
    for (size_t k = 0; k < sizeof(dch_keys) / sizeof(dch_keys[0]); k++)
        if (dch_keys[k].id == nd->key && dch_keys[k].cs == nd->cs)
            return dch_keys[k].name;
    return "?";
}

/* Read an integer field of at most maxlen digits (strict: exactly up to maxlen when the next format
 * node is another keyword, since then nothing separates them). */
static int read_int(SqlFnCtx *ctx, const uint8_t **pp, const uint8_t *end, int maxlen, int allow_sign,
                    const TcNode *key, int *out, int *ndigits)
{
    const uint8_t *p = *pp;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
        p++;
    const uint8_t *start = p;
    int neg = 0;
    if (allow_sign && p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    long long v = 0;
    int n = 0;
    while (p < end && *p >= '0' && *p <= '9' && n < maxlen) {
        v = v * 10 + (*p - '0');
        if (v > INT32_MAX)
            return parse_value_error(ctx, start, end, key_name(key),
                                     "Value must be in the range -2147483648 to 2147483647.", (size_t)maxlen);
        p++;
        n++;
    }
    if (n == 0)
        return parse_value_error(ctx, start, end, key_name(key), "Value must be an integer.", (size_t)maxlen);
    *out = (int)(neg ? -v : v);
    if (ndigits)
        *ndigits = n;
    *pp = p;
    return WEIR_OK;
}

/* Match one of words (case-insensitively; full names, or 3-letter abbreviations when abbrev). Returns
 * the index or -1. */
static int read_word(const uint8_t **pp, const uint8_t *end, const char *const *words, int n_words,
                     int abbrev)
{
    const uint8_t *p = *pp;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    for (int k = 0; k < n_words; k++) {
        size_t l = abbrev ? 3 : strlen(words[k]);
        if ((size_t)(end - p) >= l && strncasecmp((const char *)p, words[k], l) == 0) {
            *pp = p + l;
            return k;
        }
    }
    return -1;
}

static int parse_fixed_word(const uint8_t **pp, const uint8_t *end, const char *a, const char *b_)
{
    size_t la = strlen(a), lb = strlen(b_);
    const uint8_t *p = *pp;
    if ((size_t)(end - p) >= la && strncasecmp((const char *)p, a, la) == 0) {
        *pp = p + la;
        return 0;
    }
    if ((size_t)(end - p) >= lb && strncasecmp((const char *)p, b_, lb) == 0) {
        *pp = p + lb;
        return 1;
    }
    return -1;
}

/* Walk the format over the input, filling ps. */
static int dch_parse(SqlFnCtx *ctx, const TcFormat *f, Slice in, ParseState *ps)
{
    const uint8_t *p = in.p, *end = in.p + in.n;
    for (size_t k = 0; k < f->n; k++) {
        const TcNode *nd = &f->nodes[k];
        if (!nd->is_key) {
            /* literal: blanks skip any blanks; a separator consumes one separator (or nothing); other
             * characters skip as many input characters */
            for (size_t j = 0; j < nd->lit.n; j++) {
                uint8_t c = nd->lit.p[j];
                if (c == ' ') {
                    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
                        p++;
                } else if (is_sep(c)) {
                    while (p < end && (*p == ' ' || *p == '\t'))
                        p++;
                    if (p < end && is_sep(*p))
                        p++;
                } else if (p < end) {
                    p += fn_utf8_len(*p) <= (size_t)(end - p) ? fn_utf8_len(*p) : 1;
                }
            }
            continue;
        }
        if (p >= end)
            break;
        int adjacent = k + 1 < f->n && f->nodes[k + 1].is_key;
        int v = 0, nd_digits = 0;
        int key = nd->key;
        switch (key) {
        case K_YYYY:
        case K_IYYY:
            if (read_int(ctx, &p, end, adjacent ? 4 : 9, 1, nd, &v, &nd_digits))
                return WEIR_ERROR;
            ps->year = v, ps->has_year = 1, ps->year_digits = 4;
            break;
        case K_Y_YYY: {
            int th, rest;
            if (read_int(ctx, &p, end, 3, 0, nd, &th, NULL))
                return WEIR_ERROR;
            if (p < end && *p == ',')
                p++;
            if (read_int(ctx, &p, end, 3, 0, nd, &rest, NULL))
                return WEIR_ERROR;
            ps->year = th * 1000 + rest, ps->has_year = 1, ps->year_digits = 4;
            break;
        }
        case K_YYY:
        case K_IYY:
        case K_YY:
        case K_IY:
        case K_Y:
        case K_I: {
            int w = key == K_YYY || key == K_IYY ? 3 : key == K_YY || key == K_IY ? 2 : 1;
            if (read_int(ctx, &p, end, w, 0, nd, &v, NULL))
                return WEIR_ERROR;
            /* the century is implied by the pattern's width, not by the digits given */
            ps->year = v, ps->has_year = 1, ps->year_digits = w;
            break;
        }
        case K_MM:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->mon = v;
            break;
        case K_MONTH:
        case K_MON: {
            int m = read_word(&p, end, month_names, 12, key == K_MON);
            if (m < 0)
                return parse_value_error(
                    ctx, p, end, key_name(nd),
                    "The given value did not match any of the allowed values for this field.",
                    strlen(key_name(nd)));
            ps->mon = m + 1;
            break;
        }
        case K_DAY:
        case K_DY: {
            if (read_word(&p, end, day_names, 7, key == K_DY) < 0)
                return parse_value_error(
                    ctx, p, end, key_name(nd),
                    "The given value did not match any of the allowed values for this field.",
                    strlen(key_name(nd)));
            break;
        }
        case K_DD:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->mday = v;
            break;
        case K_DDD:
        case K_IDDD:
            if (read_int(ctx, &p, end, 3, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->doy = v, ps->has_doy = 1;
            break;
        case K_D:
        case K_ID:
        case K_W:
        case K_WW:
        case K_IW:
        case K_Q:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            break; /* accepted and ignored, as PostgreSQL does without an ISO year */
        case K_HH:
        case K_HH12:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->hour = v, ps->clock12 = 1;
            break;
        case K_HH24:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->hour = v;
            break;
        case K_MI:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->min = v;
            break;
        case K_SS:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->sec = v;
            break;
        case K_SSSS:
        case K_SSSSS:
            if (read_int(ctx, &p, end, 5, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->ssss = v, ps->has_ssss = 1;
            break;
        case K_MS:
        case K_US:
        case K_FF1:
        case K_FF2:
        case K_FF3:
        case K_FF4:
        case K_FF5:
        case K_FF6: {
            int maxd = key == K_MS ? 3 : key == K_US ? 6 : key - K_FF1 + 1;
            if (read_int(ctx, &p, end, maxd, 0, nd, &v, &nd_digits))
                return WEIR_ERROR;
            /* digits are a fraction: ".25" with MS is 250 ms */
            int scale = key == K_MS ? 3 : 6;
            for (int d = nd_digits; d < scale; d++)
                v *= 10;
            ps->usec = key == K_MS ? v * 1000 : v;
            break;
        }
        case K_AM:
        case K_PM:
        case K_AM_DOT:
        case K_PM_DOT: {
            int dotted = key == K_AM_DOT || key == K_PM_DOT;
            int r = parse_fixed_word(&p, end, dotted ? "a.m." : "am", dotted ? "p.m." : "pm");
            if (r < 0)
                return parse_value_error(
                    ctx, p, end, key_name(nd),
                    "The given value did not match any of the allowed values for this field.",
                    strlen(key_name(nd)));
            ps->pm = r, ps->has_ampm = 1;
            break;
        }
        case K_AD:
        case K_BC:
        case K_AD_DOT:
        case K_BC_DOT: {
            int dotted = key == K_AD_DOT || key == K_BC_DOT;
            int r = parse_fixed_word(&p, end, dotted ? "a.d." : "ad", dotted ? "b.c." : "bc");
            if (r < 0)
                return parse_value_error(
                    ctx, p, end, key_name(nd),
                    "The given value did not match any of the allowed values for this field.",
                    strlen(key_name(nd)));
            ps->bc = r;
            break;
        }
        case K_CC:
            if (read_int(ctx, &p, end, 3, 1, nd, &v, NULL))
                return WEIR_ERROR;
            ps->cc = v, ps->has_cc = 1;
            break;
        case K_J:
            if (read_int(ctx, &p, end, 9, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->jd = v, ps->has_jd = 1;
            break;
        case K_RM: {
            static const char *const rms[] = {"XII", "XI", "X",  "IX",  "VIII", "VII",
                                              "VI",  "V",  "IV", "III", "II",   "I"};
            static const int rmv[] = {12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
            int m = -1;
            while (p < end && *p == ' ')
                p++;
            for (int r = 0; r < 12 && m < 0; r++) {
                size_t l = strlen(rms[r]);
                if ((size_t)(end - p) >= l && strncasecmp((const char *)p, rms[r], l) == 0) {
                    m = rmv[r];
                    p += l;
                }
            }
            if (m < 0)
                return parse_value_error(
                    ctx, p, end, key_name(nd),
                    "The given value did not match any of the allowed values for this field.",
                    strlen(key_name(nd)));
            ps->mon = m;
            break;
        }
        case K_TZH: {
            while (p < end && *p == ' ')
                p++;
            int neg = 0;
            if (p < end && (*p == '-' || *p == '+')) {
                neg = *p == '-';
                p++;
            }
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->tzh = v;
            ps->tz_neg = neg;
            ps->has_tz = 1;
            break;
        }
        case K_TZM:
            if (read_int(ctx, &p, end, 2, 0, nd, &v, NULL))
                return WEIR_ERROR;
            ps->tzm = v;
            ps->has_tz = 1;
            break;
        case K_TZ:
        case K_OF:
            return sql_error_set(ctx->err, "0A000", 0, "formatting field \"%s\" is only supported in to_char",
                                 key_name(nd));
        default:
            break;
        }
    }
    return WEIR_OK;
}

/* Two- and three-digit years: PostgreSQL's adjust_partial_year_to_2020. */
static int adjust_year(int y, int digits)
{
    if (digits > 3)
        return y;
    if (y < 70)
        return y + 2000;
    if (y < 100)
        return y + 1900;
    if (y < 520)
        return y + 2000;
    if (y < 1000)
        return y + 1000;
    return y;
}

/* Turn parsed fields into a local timestamp (and a zone offset when the input gave one). */
static int parse_finish(SqlFnCtx *ctx, Slice in, ParseState *ps, SqlTm *tm)
{
    memset(tm, 0, sizeof(*tm));
    int year = 0; /* no year given: year 0, i.e. 1 BC, as PostgreSQL */
    if (ps->has_year) {
        year = ps->year;
        if (ps->year_digits <= 3 && !ps->has_cc && year >= 0)
            year = adjust_year(year, ps->year_digits);
        else if (ps->has_cc && ps->year_digits <= 2)
            year = (ps->cc - 1) * 100 + year;
        if (ps->bc)
            year = -(year - 1);
    } else if (ps->has_cc) {
        year = ps->cc > 0 ? (ps->cc - 1) * 100 + 1 : ps->cc * 100 + 1;
    }
    tm->year = year;
    tm->mon = ps->mon ? ps->mon : 1;
    tm->mday = ps->mday ? ps->mday : 1;
    if (ps->has_jd) {
        sql_j2date(ps->jd, &tm->year, &tm->mon, &tm->mday);
    } else if (ps->has_doy && !ps->mon && !ps->mday) {
        int jd = sql_date2j(tm->year, 1, 1) + ps->doy - 1;
        sql_j2date(jd, &tm->year, &tm->mon, &tm->mday);
    }
    int hour = ps->hour;
    if (ps->clock12) {
        if (hour < 1 || hour > 12) {
            int fresh = ctx->err && !ctx->err->sqlstate[0];
            sql_error_set(ctx->err, "22008", 0, "hour \"%d\" is invalid for the 12-hour clock", hour);
            if (fresh)
                snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                         "Use the 24-hour clock, or give an hour between 1 and 12.");
            return WEIR_ERROR;
        }
        if (ps->pm && hour < 12)
            hour += 12;
        else if (!ps->pm && hour == 12)
            hour = 0;
    } else if (ps->has_ampm) {
        if (ps->pm && hour < 12)
            hour += 12;
        else if (!ps->pm && hour == 12)
            hour = 0;
    }
    tm->hour = hour;
    tm->min = ps->min;
    tm->sec = ps->sec;
    tm->usec = ps->usec;
    if (ps->has_ssss) {
        tm->hour = ps->ssss / 3600;
        tm->min = ps->ssss / 60 % 60;
        tm->sec = ps->ssss % 60;
    }
    if (tm->mon < 1 || tm->mon > 12 || tm->mday < 1 || tm->mday > sql_days_in_month(tm->year, tm->mon) ||
        tm->hour < 0 || tm->hour > 24 || tm->min < 0 || tm->min > 59 || tm->sec < 0 || tm->sec > 60 ||
        (tm->hour == 24 && (tm->min || tm->sec || tm->usec)))
        return sql_error_set(ctx->err, "22008", 0, "date/time field value out of range: \"%.*s\"",
                             (int)(in.n > 200 ? 200 : in.n), (const char *)in.p);
    return WEIR_OK;
}

static int to_ts_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int as_date)
{
    FmtRun fr = {ctx, ctx->state, {0}, {NULL, 0}, 0, 0};
    const SqlTz *tz = ctx->fmt && ctx->fmt->tz ? ctx->fmt->tz : sql_tz_utc();
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const TcFormat *f = fmt_get(&fr, args[1].u.s[i]);
        if (!f)
            return WEIR_ERROR;
        ParseState ps;
        memset(&ps, 0, sizeof(ps));
        SqlTm tm;
        if (dch_parse(ctx, f, args[0].u.s[i], &ps) || parse_finish(ctx, args[0].u.s[i], &ps, &tm))
            return WEIR_ERROR;
        if (as_date) {
            if (!sql_julian_valid(tm.year, tm.mon, tm.mday))
                return sql_error_set(ctx->err, "22008", 0, "date out of range: \"%.*s\"",
                                     (int)args[0].u.s[i].n, (const char *)args[0].u.s[i].p);
            out->u.i[i] = (int64_t)sql_date2j(tm.year, tm.mon, tm.mday) - SQL_POSTGRES_EPOCH_JDATE;
            continue;
        }
        int32_t east =
            ps.has_tz ? (ps.tz_neg ? -1 : 1) * (ps.tzh * 3600 + ps.tzm * 60) : sql_tm_zone_offset(&tm, tz);
        if (sql_tm2timestamp(&tm, east, &out->u.i[i]))
            return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_to_timestamp_fmt)
{
    UNUSED(n_args);
    return to_ts_kernel(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_to_date)
{
    UNUSED(n_args);
    return to_ts_kernel(ctx, args, out, 1);
}
