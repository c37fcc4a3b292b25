/*
 * session.c: a client session's settings (PostgreSQL's GUCs as far as clients see them) and the
 * session side of exec/engine.h: sql_session_create/destroy/set/set_defaults/get/reported/
 * take_changes/txn_status/cancel, and sql_format_text/binary, which print values the way the
 * session's DateStyle, IntervalStyle, TimeZone, extra_float_digits and bytea_output say.
 *
 * Not here: running statements (engine.c sets txn_status and clears cancel), SET/SHOW syntax (bind.c
 * turns them into sql_session_set/get), value formatting itself (sql/typeio.c).
 *
 * The settings are the ones clients send or ask for (psql, libpq, JDBC, psycopg2, BI tools), with
 * PostgreSQL 15's names, defaults, accepted values, canonical output and error texts:
 *   - the thirteen GUC_REPORT settings PostgreSQL 15 announces in ParameterStatus, in its order
 *     (alphabetical, case-insensitive), which is the order of the table below;
 *   - DateStyle, TimeZone and client_encoding have their own parsers (check hooks in PostgreSQL);
 *   - booleans, integers, time spans with units, enums and free strings share generic parsers;
 *   - read-only ones (server_version, integer_datetimes, ...) refuse changes with 55P02;
 *   - "custom" names with a dot (myapp.x, weir.checkpoint) are placeholders, as in PostgreSQL.
 * Unknown names fail with 42704. Values are kept as canonical text (what SHOW prints) in fixed slots
 * of SqlSession.settings (exec_int.h); fmt is recomputed whenever a setting it depends on changes.
 *
 * Error messages name the parameter as the caller spelled it where PostgreSQL does (generic parsers)
 * and by its canonical name where PostgreSQL's check hooks do (DateStyle, TimeZone, client_encoding).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/exec_int.h"
#include "exec/syscat.h"
#include "exec/vec.h"
#include "sql/tz.h"

enum {
    K_STRING,     /* any text */
    K_BOOL,       /* on/off */
    K_INT,        /* integer in [min, max] */
    K_MS,         /* integer milliseconds in [min, max], units us/ms/s/min/h/d */
    K_ENUM,       /* one of vals */
    K_READONLY,   /* cannot be changed */
    K_DATESTYLE,  /* check_datestyle */
    K_TIMEZONE,   /* check_timezone */
    K_ENCODING,   /* check_client_encoding */
    K_APPNAME,    /* printable ASCII, 63 bytes */
    K_CHECKPOINT, /* weir.checkpoint: mirrored into SqlSession.checkpoint */
};

typedef struct SettingDef {
    const char *name; /* canonical spelling */
    int kind;
    const char *boot; /* default; NULL when computed at session creation */
    uint8_t reported;
    const char *const *vals; /* K_ENUM: accepted values, canonical spelling */
    long min, max;           /* K_INT, K_MS */
} SettingDef;

static const char *const v_bytea[] = {"escape", "hex", NULL};
static const char *const v_msglevel[] = {"debug5", "debug4", "debug3",  "debug2", "debug1",
                                         "log",    "notice", "warning", "error",  NULL};
static const char *const v_isolation[] = {"serializable", "repeatable read", "read committed",
                                          "read uncommitted", NULL};
static const char *const v_intervalstyle[] = {"postgres", "postgres_verbose", "sql_standard", "iso_8601",
                                              NULL};
static const char *const v_sync[] = {"local", "remote_write", "remote_apply", "on", "off", NULL};
static const char *const v_xml[] = {"content", "document", NULL};

/* Sorted as PostgreSQL 15 sorts its GUC array (case-insensitive), so the reported ones come out in the
 * order PostgreSQL sends them. */
static const SettingDef setting_defs[] = {
    {"application_name", K_APPNAME, "", 1, NULL, 0, 0},
    {"bytea_output", K_ENUM, "hex", 0, v_bytea, 0, 0},
    {"client_encoding", K_ENCODING, "UTF8", 1, NULL, 0, 0},
    {"client_min_messages", K_ENUM, "notice", 0, v_msglevel, 0, 0},
    {"DateStyle", K_DATESTYLE, "ISO, MDY", 1, NULL, 0, 0},
    {"default_transaction_isolation", K_ENUM, "read committed", 0, v_isolation, 0, 0},
    {"default_transaction_read_only", K_BOOL, "off", 1, NULL, 0, 0},
    {"escape_string_warning", K_BOOL, "on", 0, NULL, 0, 0},
    {"extra_float_digits", K_INT, "1", 0, NULL, -15, 3},
    {"idle_in_transaction_session_timeout", K_MS, "0", 0, NULL, 0, INT_MAX},
    {"in_hot_standby", K_READONLY, "off", 1, NULL, 0, 0},
    {"integer_datetimes", K_READONLY, "on", 1, NULL, 0, 0},
    {"IntervalStyle", K_ENUM, "postgres", 1, v_intervalstyle, 0, 0},
    {"is_superuser", K_READONLY, "on", 1, NULL, 0, 0},
    {"jit", K_BOOL, "off", 0, NULL, 0, 0},
    {"lc_collate", K_READONLY, "C.UTF-8", 0, NULL, 0, 0},
    {"lc_ctype", K_READONLY, "C.UTF-8", 0, NULL, 0, 0},
    {"lc_messages", K_STRING, "C.UTF-8", 0, NULL, 0, 0},
    {"lc_monetary", K_STRING, "C.UTF-8", 0, NULL, 0, 0},
    {"lc_numeric", K_STRING, "C.UTF-8", 0, NULL, 0, 0},
    {"lc_time", K_STRING, "C.UTF-8", 0, NULL, 0, 0},
    {"lock_timeout", K_MS, "0", 0, NULL, 0, INT_MAX},
    {"max_identifier_length", K_READONLY, "63", 0, NULL, 0, 0},
    {"row_security", K_BOOL, "on", 0, NULL, 0, 0},
    {"search_path", K_STRING, "\"$user\", public", 0, NULL, 0, 0},
    {"server_encoding", K_READONLY, "UTF8", 1, NULL, 0, 0},
    {"server_version", K_READONLY, NULL, 1, NULL, 0, 0},
    {"server_version_num", K_READONLY, NULL, 0, NULL, 0, 0},
    {"session_authorization", K_READONLY, NULL, 1, NULL, 0, 0},
    {"standard_conforming_strings", K_BOOL, "on", 1, NULL, 0, 0},
    {"statement_timeout", K_MS, "0", 0, NULL, 0, INT_MAX},
    {"synchronous_commit", K_ENUM, "on", 0, v_sync, 0, 0},
    {"TimeZone", K_TIMEZONE, "UTC", 1, NULL, 0, 0},
    {"timezone_abbreviations", K_STRING, "Default", 0, NULL, 0, 0},
    {"transaction_isolation", K_ENUM, "read committed", 0, v_isolation, 0, 0},
    {"transaction_read_only", K_BOOL, "off", 0, NULL, 0, 0},
    {"weir.checkpoint", K_CHECKPOINT, "", 0, NULL, 0, 0},
    {"work_mem", K_STRING, "4MB", 0, NULL, 0, 0},
    {"xmloption", K_ENUM, "content", 0, v_xml, 0, 0},
};
#define N_DEFS (sizeof(setting_defs) / sizeof(setting_defs[0]))

#define WEIR_PG_SERVER_VERSION "15.0 (weir)"

/* ---------------------------------------------------------------------------------------------- */
/* helpers                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

/* Copy a string into a fixed slot, cut to fit (callers check lengths where cutting would matter). */
static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n)
        len = n - 1;
    memmove(dst, src, len);
    dst[len] = '\0';
}

static const SettingDef *def_find(const char *name)
{
    for (size_t i = 0; i < N_DEFS; i++)
        if (!strcasecmp(setting_defs[i].name, name))
            return &setting_defs[i];
    return NULL;
}

static SqlSetting *slot_find(SqlSession *s, const char *name)
{
    for (size_t i = 0; i < s->n_settings; i++)
        if (!strcasecmp(s->settings[i].name, name))
            return &s->settings[i];
    return NULL;
}

static const SettingDef *slot_def(const SqlSetting *st)
{
    return def_find(st->name); /* NULL for custom placeholders */
}

/* SqlError filler that works whether or not err already holds an error (it should not). */
static int fail(SqlError *err, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(SqlError *err, const char *sqlstate, const char *fmt, ...)
{
    if (!err)
        return WEIR_ERROR;
    memset(err, 0, sizeof(*err));
    copy_str(err->sqlstate, sizeof(err->sqlstate), sqlstate);
    snprintf(err->severity, sizeof(err->severity), "ERROR");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return WEIR_ERROR;
}

static int fail_invalid(SqlError *err, const char *name, const char *value)
{
    return fail(err, "22023", "invalid value for parameter \"%s\": \"%s\"", name, value);
}

/* Copy trimmed of leading and trailing whitespace (PostgreSQL's parse_int/parse_real skip both). */
static void trim_copy(const char *v, char *out, size_t n)
{
    while (isspace((unsigned char)*v))
        v++;
    size_t len = strlen(v);
    while (len && isspace((unsigned char)v[len - 1]))
        len--;
    if (len >= n)
        len = n - 1;
    memcpy(out, v, len);
    out[len] = '\0';
}

/* parse_bool: prefixes of true/false/yes/no, on/off (at least two letters), 1/0. Returns 1, 0, -1. */
static int parse_bool(const char *v)
{
    char t[32];
    trim_copy(v, t, sizeof(t));
    size_t n = strlen(t);
    if (!n)
        return -1;
    if (!strncasecmp(t, "true", n) || !strncasecmp(t, "yes", n) || (n >= 2 && !strncasecmp(t, "on", n)) ||
        !strcmp(t, "1"))
        return 1;
    if (!strncasecmp(t, "false", n) || !strncasecmp(t, "no", n) || (n >= 2 && !strncasecmp(t, "off", n)) ||
        !strcmp(t, "0"))
        return 0;
    return -1;
}

/* parse_int's number: an integer (decimal, 0x hex, 0 octal as strtol base 0) or a real rounded with
 * rint. *rest points after the number (units follow there). Returns 0, or -1 if no number. */
static int parse_number(const char *v, double *out, const char **rest)
{
    while (isspace((unsigned char)*v))
        v++;
    char *end;
    errno = 0;
    long long i = strtoll(v, &end, 0);
    if (end != v && errno == 0 && *end != '.' && *end != 'e' && *end != 'E') {
        *out = (double)i;
        *rest = end;
        return 0;
    }
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || errno == ERANGE || isnan(d))
        return -1;
    *out = d;
    *rest = end;
    return 0;
}

/* A time value in milliseconds (statement_timeout & co): a number and an optional unit. Returns 0 and
 * the value, -1 not a number, -2 a bad unit. */
static int parse_ms(const char *v, double *out)
{
    const char *rest;
    double d;
    if (parse_number(v, &d, &rest))
        return -1;
    while (isspace((unsigned char)*rest))
        rest++;
    char unit[8];
    size_t n = 0;
    while (rest[n] && !isspace((unsigned char)rest[n]) && n < sizeof(unit) - 1) {
        unit[n] = rest[n];
        n++;
    }
    unit[n] = '\0';
    const char *after = rest + n;
    while (isspace((unsigned char)*after))
        after++;
    if (*after)
        return -2;
    static const struct {
        const char *u;
        double ms;
    } units[] = {
        {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    double mul = 1;
    if (n) {
        size_t i;
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (!strcmp(unit, units[i].u))
                break;
        if (i == sizeof(units) / sizeof(units[0]))
            return -2;
        mul = units[i].ms;
    }
    *out = rint(d * mul);
    return 0;
}

/* How PostgreSQL shows a millisecond setting: the largest unit that divides it exactly. */
static void show_ms(long ms, char *out, size_t n)
{
    static const struct {
        const char *u;
        long ms;
    } units[] = {
        {"d", 86400000},
        {"h", 3600000},
        {"min", 60000},
        {"s", 1000},
    };
    if (ms == 0) {
        snprintf(out, n, "0");
        return;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (ms % units[i].ms == 0) {
            snprintf(out, n, "%ld%s", ms / units[i].ms, units[i].u);
            return;
        }
    }
    snprintf(out, n, "%ldms", ms);
}

/* ---------------------------------------------------------------------------------------------- */
/* the special parsers                                                                             */
/* ---------------------------------------------------------------------------------------------- */

/* SplitIdentifierString(value, ','): 0 and up to max lower-cased elements in buf, or -1 on bad syntax. */
static int split_identifiers(const char *v, char *buf, size_t buf_n, char **elems, size_t max, size_t *n_out)
{
    size_t bi = 0, n = 0;
    const char *p = v;
    *n_out = 0;
    while (isspace((unsigned char)*p))
        p++;
    if (!*p)
        return 0;
    for (;;) {
        if (n == max || bi >= buf_n)
            return -1;
        elems[n++] = buf + bi;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1; /* unterminated quote */
                if (*p == '"') {
                    if (p[1] != '"')
                        break;
                    p++;
                }
                if (bi + 1 >= buf_n)
                    return -1;
                buf[bi++] = *p++;
            }
            p++;
        } else {
            const char *start = p;
            while (*p && *p != ',' && !isspace((unsigned char)*p)) {
                if (bi + 1 >= buf_n)
                    return -1;
                buf[bi++] = (char)tolower((unsigned char)*p++);
            }
            if (p == start)
                return -1; /* empty unquoted name */
        }
        buf[bi++] = '\0';
        while (isspace((unsigned char)*p))
            p++;
        if (*p == ',') {
            p++;
            while (isspace((unsigned char)*p))
                p++;
            continue;
        }
        if (!*p)
            break;
        return -1;
    }
    *n_out = n;
    return 0;
}

static const char *datestyle_name(int style)
{
    switch (style) {
    case SQL_DATESTYLE_ISO:
        return "ISO";
    case SQL_DATESTYLE_SQL:
        return "SQL";
    case SQL_DATESTYLE_GERMAN:
        return "German";
    default:
        return "Postgres";
    }
}

static const char *dateorder_name(int order)
{
    switch (order) {
    case SQL_DATEORDER_YMD:
        return "YMD";
    case SQL_DATEORDER_DMY:
        return "DMY";
    default:
        return "MDY";
    }
}

/* check_datestyle: a list of style and order key words; what is not given keeps its current value.
 * cur_* is the current value, def_* the session default (for the key word DEFAULT). */
static int parse_datestyle(const char *v, int cur_style, int cur_order, int def_style, int def_order,
                           int *style, int *order, SqlError *err)
{
    char buf[512];
    char *el[32];
    size_t n;
    if (split_identifiers(v, buf, sizeof(buf), el, 32, &n)) {
        fail_invalid(err, "DateStyle", v);
        snprintf(err->detail, sizeof(err->detail), "List syntax is invalid.");
        return WEIR_ERROR;
    }
    int st = cur_style, ord = cur_order, have_style = 0, have_order = 0, ok = 1;
    for (size_t i = 0; i < n; i++) {
        const char *t = el[i];
        int new_style = -1, new_order = -1;
        if (!strcasecmp(t, "iso"))
            new_style = SQL_DATESTYLE_ISO;
        else if (!strcasecmp(t, "sql"))
            new_style = SQL_DATESTYLE_SQL;
        else if (!strncasecmp(t, "postgres", 8))
            new_style = SQL_DATESTYLE_POSTGRES;
        else if (!strcasecmp(t, "german"))
            new_style = SQL_DATESTYLE_GERMAN;
        else if (!strcasecmp(t, "ymd"))
            new_order = SQL_DATEORDER_YMD;
        else if (!strcasecmp(t, "dmy") || !strncasecmp(t, "euro", 4))
            new_order = SQL_DATEORDER_DMY;
        else if (!strcasecmp(t, "mdy") || !strcasecmp(t, "us") || !strncasecmp(t, "noneuro", 7))
            new_order = SQL_DATEORDER_MDY;
        else if (!strcasecmp(t, "default")) {
            if (!have_style)
                st = def_style;
            if (!have_order)
                ord = def_order;
            continue;
        } else {
            fail_invalid(err, "DateStyle", v);
            snprintf(err->detail, sizeof(err->detail), "Unrecognized key word: \"%s\".", t);
            return WEIR_ERROR;
        }
        if (new_style >= 0) {
            if (have_style && st != new_style)
                ok = 0;
            st = new_style;
            have_style = 1;
            if (new_style == SQL_DATESTYLE_GERMAN && !have_order)
                ord = SQL_DATEORDER_DMY; /* GERMAN also sets DMY, unless explicitly overridden */
        } else {
            if (have_order && ord != new_order)
                ok = 0;
            ord = new_order;
            have_order = 1;
        }
    }
    if (!ok) {
        fail_invalid(err, "DateStyle", v);
        snprintf(err->detail, sizeof(err->detail), "Conflicting \"datestyle\" specifications.");
        return WEIR_ERROR;
    }
    *style = st;
    *order = ord;
    return WEIR_OK;
}

/* Encodings PostgreSQL knows (pg_enc2name_tbl), compared after clean_encoding_name (alphanumerics,
 * lower case). weir's server encoding is UTF8 and it converts to nothing else; SQL_ASCII clients get
 * the bytes unconverted, as PostgreSQL gives them. */
static const char *const pg_encodings[] = {
    "SQL_ASCII", "EUC_JP",        "EUC_CN",     "EUC_KR",     "EUC_TW",     "EUC_JIS_2004",
    "UTF8",      "MULE_INTERNAL", "LATIN1",     "LATIN2",     "LATIN3",     "LATIN4",
    "LATIN5",    "LATIN6",        "LATIN7",     "LATIN8",     "LATIN9",     "LATIN10",
    "WIN1256",   "WIN1258",       "WIN866",     "WIN874",     "KOI8R",      "WIN1251",
    "WIN1252",   "ISO_8859_5",    "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "WIN1250",
    "WIN1253",   "WIN1254",       "WIN1255",    "WIN1257",    "KOI8U",      "SJIS",
    "BIG5",      "GBK",           "UHC",        "GB18030",    "JOHAB",      "SHIFT_JIS_2004",
    NULL};

static void clean_encoding_name(const char *in, char *out, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < n; i++)
        if (isalnum((unsigned char)in[i]))
            out[j++] = (char)tolower((unsigned char)in[i]);
    out[j] = '\0';
}

static int parse_encoding(const char *v, char *out, size_t n, SqlError *err)
{
    char want[64], cand[64];
    clean_encoding_name(v, want, sizeof(want));
    const char *found = NULL;
    if (!strcmp(want, "unicode"))
        found = "UTF8";
    for (size_t i = 0; !found && pg_encodings[i]; i++) {
        clean_encoding_name(pg_encodings[i], cand, sizeof(cand));
        if (!strcmp(want, cand))
            found = pg_encodings[i];
    }
    if (!found && !strncmp(want, "windows", 7)) { /* windows1252 -> WIN1252 */
        for (size_t i = 0; !found && pg_encodings[i]; i++) {
            clean_encoding_name(pg_encodings[i], cand, sizeof(cand));
            if (!strncmp(cand, "win", 3) && !strcmp(want + 7, cand + 3))
                found = pg_encodings[i];
        }
    }
    if (!found)
        return fail_invalid(err, "client_encoding", v);
    if (strcmp(found, "UTF8") && strcmp(found, "SQL_ASCII")) {
        fail_invalid(err, "client_encoding", v);
        snprintf(err->sqlstate, sizeof(err->sqlstate), "0A000");
        snprintf(err->detail, sizeof(err->detail), "Conversion between %s and UTF8 is not supported.", found);
        return WEIR_ERROR;
    }
    copy_str(out, n, found);
    return WEIR_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* setting a value                                                                                 */
/* ---------------------------------------------------------------------------------------------- */

/* Recompute what depends on settings (fmt and friends) from the current values. */
static void session_sync(SqlSession *s)
{
    SqlSetting *st;
    if ((st = slot_find(s, "DateStyle"))) {
        int style = SQL_DATESTYLE_ISO, order = SQL_DATEORDER_MDY;
        SqlError ignore;
        if (!parse_datestyle(st->value, style, order, style, order, &style, &order, &ignore)) {
            s->fmt.date_style = style;
            s->fmt.date_order = order;
        }
    }
    if ((st = slot_find(s, "IntervalStyle"))) {
        for (int i = 0; v_intervalstyle[i]; i++)
            if (!strcmp(st->value, v_intervalstyle[i]))
                s->fmt.interval_style = i; /* the table follows SQL_INTERVALSTYLE_* order */
    }
    if ((st = slot_find(s, "extra_float_digits")))
        s->fmt.extra_float_digits = atoi(st->value);
    if ((st = slot_find(s, "TimeZone"))) {
        const SqlTz *tz = sql_tz_get(st->value);
        s->fmt.tz = tz ? tz : sql_tz_utc();
    }
    if ((st = slot_find(s, "bytea_output")))
        s->bytea_escape = !strcmp(st->value, "escape");
    if ((st = slot_find(s, "weir.checkpoint")))
        copy_str(s->checkpoint, sizeof(s->checkpoint), st->value);
}

/* Turn value into the canonical text of setting def (or a custom placeholder when def is NULL).
 * name is the spelling the caller used, for messages. */
static int canonical_value(SqlSession *s, const SettingDef *def, const char *name, const char *value,
                           char *out, size_t n, SqlError *err)
{
    if (!def) {
        copy_str(out, n, value);
        return WEIR_OK;
    }
    switch (def->kind) {
    case K_STRING:
        copy_str(out, n, value);
        return WEIR_OK;
    case K_CHECKPOINT:
        if (strlen(value) >= sizeof(s->checkpoint)) {
            fail_invalid(err, name, value);
            snprintf(err->detail, sizeof(err->detail), "Checkpoint names are at most %zu bytes.",
                     sizeof(s->checkpoint) - 1);
            return WEIR_ERROR;
        }
        copy_str(out, n, value);
        return WEIR_OK;
    case K_APPNAME: {
        /* check_application_name: only printable ASCII (pg_clean_ascii), at most NAMEDATALEN - 1 bytes. */
        size_t i;
        for (i = 0; value[i] && i < 63 && i + 1 < n; i++)
            out[i] = (value[i] >= 32 && value[i] <= 126) ? value[i] : '?';
        out[i] = '\0';
        return WEIR_OK;
    }
    case K_BOOL: {
        int b = parse_bool(value);
        if (b < 0)
            return fail(err, "22023", "parameter \"%s\" requires a Boolean value", name);
        if (!strcasecmp(def->name, "standard_conforming_strings") && !b)
            return fail(err, "0A000", "standard_conforming_strings = off is not supported");
        copy_str(out, n, b ? "on" : "off");
        return WEIR_OK;
    }
    case K_INT: {
        double d;
        const char *rest;
        if (parse_number(value, &d, &rest))
            return fail_invalid(err, name, value);
        while (isspace((unsigned char)*rest))
            rest++;
        if (*rest)
            return fail_invalid(err, name, value);
        d = rint(d);
        if (d < (double)def->min || d > (double)def->max) {
            if (d < (double)INT_MIN || d > (double)INT_MAX)
                return fail(err, "22003", "value \"%s\" is out of range for type integer", value);
            return fail(err, "22023", "%.0f is outside the valid range for parameter \"%s\" (%ld .. %ld)", d,
                        name, def->min, def->max);
        }
        snprintf(out, n, "%.0f", d);
        return WEIR_OK;
    }
    case K_MS: {
        double d;
        int rc = parse_ms(value, &d);
        if (rc) {
            fail_invalid(err, name, value);
            if (rc == -2)
                snprintf(
                    err->hint, sizeof(err->hint),
                    "Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".");
            return WEIR_ERROR;
        }
        if (d < (double)def->min || d > (double)def->max)
            return fail(err, "22023", "%.0f ms is outside the valid range for parameter \"%s\" (%ld .. %ld)",
                        d, name, def->min, def->max);
        show_ms((long)d, out, n);
        return WEIR_OK;
    }
    case K_ENUM: {
        char t[64];
        trim_copy(value, t, sizeof(t));
        for (size_t i = 0; def->vals[i]; i++) {
            if (!strcasecmp(t, def->vals[i])) {
                copy_str(out, n, def->vals[i]);
                return WEIR_OK;
            }
        }
        if (def->vals == v_sync) { /* synchronous_commit also takes booleans */
            int b = parse_bool(value);
            if (b >= 0) {
                copy_str(out, n, b ? "on" : "off");
                return WEIR_OK;
            }
        }
        fail_invalid(err, name, value);
        size_t off = (size_t)snprintf(err->hint, sizeof(err->hint), "Available values: ");
        for (size_t i = 0; def->vals[i] && off < sizeof(err->hint); i++)
            off += (size_t)snprintf(err->hint + off, sizeof(err->hint) - off, "%s%s", i ? ", " : "",
                                    def->vals[i]);
        if (off < sizeof(err->hint))
            snprintf(err->hint + off, sizeof(err->hint) - off, ".");
        return WEIR_ERROR;
    }
    case K_READONLY:
        return fail(err, "55P02", "parameter \"%s\" cannot be changed", name);
    case K_DATESTYLE: {
        SqlSetting *st = slot_find(s, "DateStyle");
        int def_style = SQL_DATESTYLE_ISO, def_order = SQL_DATEORDER_MDY;
        SqlError ignore;
        if (st && st->reset_value[0])
            (void)parse_datestyle(st->reset_value, def_style, def_order, def_style, def_order, &def_style,
                                  &def_order, &ignore);
        int style, order;
        if (parse_datestyle(value, s->fmt.date_style, s->fmt.date_order, def_style, def_order, &style, &order,
                            err))
            return WEIR_ERROR;
        snprintf(out, n, "%s, %s", datestyle_name(style), dateorder_name(order));
        return WEIR_OK;
    }
    case K_TIMEZONE: {
        const SqlTz *tz = NULL;
        if (strncasecmp(value, "interval", 8)) /* the "interval '...'" form is not a zone name */
            tz = sql_tz_get(value);
        if (!tz)
            return fail_invalid(err, "TimeZone", value);
        copy_str(out, n, sql_tz_name(tz));
        return WEIR_OK;
    }
    case K_ENCODING:
        return parse_encoding(value, out, n, err);
    default:
        return fail(err, "XX000", "internal error: setting \"%s\" has no parser", def->name);
    }
}

/* A custom placeholder name: two or more identifiers joined by dots (PostgreSQL's
 * valid_custom_variable_name). */
static int is_custom_name(const char *name)
{
    int saw_dot = 0, at_start = 1;
    for (const char *p = name; *p; p++) {
        if (*p == '.') {
            if (at_start)
                return 0;
            saw_dot = 1;
            at_start = 1;
        } else if (isalnum((unsigned char)*p) || *p == '_' || (*p == '$' && !at_start)) {
            at_start = 0;
        } else {
            return 0;
        }
    }
    return saw_dot && !at_start;
}

static void slot_store(SqlSetting *st, const char *value)
{
    if (strcmp(st->value, value)) {
        copy_str(st->value, sizeof(st->value), value);
        st->is_changed = 1;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* engine.h                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

SqlSession *sql_session_create(SqlEngine *eng, const char *user, const char *database)
{
    SqlSession *s = xcalloc(1, sizeof(*s));
    s->eng = eng;
    copy_str(s->user, sizeof(s->user), user ? user : "");
    copy_str(s->database, sizeof(s->database), database ? database : "");
    sql_format_opts_default(&s->fmt);
    syscat_session_attach(s); /* reg* types read and print names from this session's catalog */
    s->txn_status = 'I';
    atomic_init(&s->cancel, 0);
    const char *version = eng && eng->server_version[0] ? eng->server_version : WEIR_PG_SERVER_VERSION;
    /* server_version_num from "15.0 (weir)": major * 10000 + minor, as PostgreSQL 10+ computes it. */
    int major = 15, minor = 0;
    if (sscanf(version, "%d.%d", &major, &minor) < 1)
        major = 15;
    char version_num[16];
    snprintf(version_num, sizeof(version_num), "%d", major * 10000 + minor);
    for (size_t i = 0; i < N_DEFS; i++) {
        const SettingDef *d = &setting_defs[i];
        SqlSetting *st = &s->settings[s->n_settings++];
        copy_str(st->name, sizeof(st->name), d->name);
        const char *v = d->boot;
        if (!strcmp(d->name, "server_version"))
            v = version;
        else if (!strcmp(d->name, "server_version_num"))
            v = version_num;
        else if (!strcmp(d->name, "session_authorization"))
            v = s->user;
        copy_str(st->value, sizeof(st->value), v ? v : "");
        copy_str(st->reset_value, sizeof(st->reset_value), st->value);
        copy_str(st->reported_value, sizeof(st->reported_value), st->value);
        st->is_reported = d->reported;
    }
    session_sync(s);
    return s;
}

void sql_session_destroy(SqlSession **sp)
{
    if (!sp || !*sp)
        return;
    sql_cursors_close(*sp, 1);
    free(*sp);
    *sp = NULL;
}

int sql_session_set(SqlSession *s, const char *name, const char *value, SqlError *err)
{
    if (!name || !name[0])
        return fail(err, "42704", "unrecognized configuration parameter \"%s\"", name ? name : "");
    const SettingDef *def = def_find(name);
    SqlSetting *st = slot_find(s, name);
    if (!def && !st) {
        if (!is_custom_name(name))
            return fail(err, "42704", "unrecognized configuration parameter \"%s\"", name);
        if (s->n_settings == SQL_SETTING_MAX)
            return fail(err, "54000", "too many custom settings in this session (at most %d)",
                        (int)(SQL_SETTING_MAX - N_DEFS));
        if (strlen(name) >= sizeof(st->name))
            return fail(err, "42602", "invalid configuration parameter name \"%s\"", name);
        st = &s->settings[s->n_settings++];
        memset(st, 0, sizeof(*st));
        for (size_t i = 0; name[i]; i++)
            st->name[i] = (char)tolower((unsigned char)name[i]); /* custom names are case-folded */
    }
    if (def && def->kind == K_READONLY) {
        /* RESET of a read-only setting is a no-op when nothing can have changed it. */
        if (!value)
            return WEIR_OK;
        return fail(err, "55P02", "parameter \"%s\" cannot be changed", name);
    }
    char canon[1024];
    if (!value) {
        copy_str(canon, sizeof(canon), st->reset_value);
    } else if (canonical_value(s, def, name, value, canon, sizeof(canon), err)) {
        return WEIR_ERROR;
    }
    if (strlen(canon) >= sizeof(st->value)) {
        fail_invalid(err, st->name, value ? value : "");
        snprintf(err->detail, sizeof(err->detail), "weir keeps setting values of at most %zu bytes.",
                 sizeof(st->value) - 1);
        return WEIR_ERROR;
    }
    slot_store(st, canon);
    session_sync(s);
    return WEIR_OK;
}

void sql_session_set_defaults(SqlSession *s)
{
    for (size_t i = 0; i < s->n_settings; i++)
        copy_str(s->settings[i].reset_value, sizeof(s->settings[i].reset_value), s->settings[i].value);
}

const char *sql_session_get(SqlSession *s, const char *name)
{
    const SqlSetting *st = slot_find(s, name);
    return st ? st->value : NULL;
}

size_t sql_session_reported(SqlSession *s, const char *const **names, const char *const **values)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_settings; i++) {
        SqlSetting *st = &s->settings[i];
        if (!st->is_reported)
            continue;
        const SettingDef *d = slot_def(st);
        s->rep_names[n] = d ? d->name : st->name;
        s->rep_values[n] = st->value;
        /* The caller sends these: they are now what the client knows. */
        copy_str(st->reported_value, sizeof(st->reported_value), st->value);
        n++;
    }
    *names = s->rep_names;
    *values = s->rep_values;
    return n;
}

void sql_session_take_changes(SqlSession *s, void (*fn)(void *arg, const char *name, const char *value),
                              void *arg)
{
    for (size_t i = 0; i < s->n_settings; i++) {
        SqlSetting *st = &s->settings[i];
        if (!st->is_changed)
            continue;
        st->is_changed = 0;
        /* Only a value that differs from the last one reported (ReportGUCOption's last_reported). */
        if (!st->is_reported || !strcmp(st->value, st->reported_value))
            continue;
        copy_str(st->reported_value, sizeof(st->reported_value), st->value);
        if (fn)
            fn(arg, st->name, st->value);
    }
}

char sql_session_txn_status(const SqlSession *s)
{
    return s->txn_status ? s->txn_status : 'I';
}

void sql_session_cancel(SqlSession *s)
{
    if (s)
        atomic_store(&s->cancel, 1);
}

/* ---------------------------------------------------------------------------------------------- */
/* value output                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/* byteaout with bytea_output = escape: printable ASCII as is, backslash doubled, the rest as \ooo. */
static int bytea_escape_out(Slice b, Buf *out)
{
    int rc = buf_reserve(out, b.n * 4);
    for (size_t i = 0; i < b.n && !rc; i++) {
        uint8_t c = b.p[i];
        char tmp[5];
        if (c == '\\')
            rc = buf_append(out, "\\\\", 2);
        else if (c < 0x20 || c > 0x7E) {
            snprintf(tmp, sizeof(tmp), "\\%03o", c);
            rc = buf_append(out, tmp, 4);
        } else
            rc = buf_append_byte(out, c);
    }
    return rc;
}

int sql_format_text(const SqlSession *s, const Vec *v, uint32_t row, Buf *out)
{
    SqlValue val;
    vec_get(v, row, &val);
    if (val.is_null)
        return WEIR_OK;
    if (val.type.id == SQL_BYTEA && s->bytea_escape)
        return bytea_escape_out(val.u.s, out);
    return sql_value_to_text(&val, &s->fmt, out);
}

int sql_format_binary(const SqlSession *s, const Vec *v, uint32_t row, Buf *out)
{
    UNUSED(s);
    SqlValue val;
    vec_get(v, row, &val);
    if (val.is_null)
        return WEIR_OK;
    return sql_value_to_binary(&val, out);
}
