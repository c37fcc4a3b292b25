/*
 * tabledef.c: building, checking, storing and loading table definitions (see tabledef.h).
 *
 * Sections:
 *   arena helpers, option values    small parsers for the WITH values (booleans, integers, names)
 *   JSON paths                      "a/b/0", "$.a['b.c'][0]", "a.b" -> segments
 *   ready patterns                  Apache common / combined log lines (PCRE2)
 *   finishing a definition          defaults and cross-option checks shared by every way in
 *   CREATE TABLE ... WITH           tabledef_build
 *   Trino description files         tabledef_parse_trino / _load_trino / _load_dir, Joda patterns
 *   catalog JSON                    tabledef_to_json / tabledef_from_json
 *   hidden columns                  the fixed set every table has
 *
 * Every way in ends in td_finish(), so a definition from the catalog, from a Trino file and from
 * CREATE TABLE obeys the same rules (the catalog form is re-checked on load: a definition that became
 * invalid, for example because a time zone disappeared from tzdata, is reported rather than half-used).
 *
 * Layering note: SqlError and sql_error_set are declared in exec/engine.h (the contract the brief
 * fixed), so this sql/ file includes that one exec/ header for the error type only.
 */
#include "sql/tabledef.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "exec/engine.h"
#include "sql/tz.h"

/* A definition is small; the budget only guards against absurd input (a description file with a
 * million columns). */
#define TD_ARENA_BUDGET ((size_t)64 << 20)
#define TD_MAX_COLS 1600 /* PostgreSQL's MaxHeapAttributeNumber */
#define TD_MAX_FILE ((size_t)16 << 20)
#define TD_NAME_MAX 128

/* ======================================================================================== helpers */

static TableDef *td_new(void)
{
    Arena *a = arena_create(NULL, TD_ARENA_BUDGET);
    TableDef *td = arena_alloc(a, sizeof(*td));
    memset(td, 0, sizeof(*td));
    td->arena = a;
    td->format = TABLE_FMT_JSON;
    td->csv_delimiter = ',';
    td->csv_quote = '"';
    td->on_error = TABLE_ON_ERROR_NULL;
    return td;
}

void tabledef_destroy(TableDef **td)
{
    if (!td || !*td)
        return;
    Arena *a = (*td)->arena;
    arena_destroy(&a);
    *td = NULL;
}

static const char *td_strdup(TableDef *td, const char *s)
{
    if (!s)
        return NULL;
    char *c = arena_try_strndup(td->arena, s, strlen(s));
    if (!c)
        weir_panic("tabledef: arena budget exceeded");
    return c;
}

static void td_col_defaults(TableColumn *c)
{
    memset(c, 0, sizeof(*c));
    c->index = -1;
    c->group = -1;
    c->raw_end = -1;
}

/* Append a column; returns it (zeroed with defaults). The array doubles whenever the count reaches a
 * power of two (the capacity is implied by the count, so the public struct needs no capacity field);
 * the old copies stay in the arena until the definition is freed, which bounds the waste at the final
 * size. */
static TableColumn *td_col_add(TableDef *td, const char *name, SqlType type)
{
    uint32_t n = td->n_cols;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        uint32_t cap = n < 4 ? 4 : n * 2;
        TableColumn *cols = arena_alloc(td->arena, sizeof(TableColumn) * cap);
        if (n)
            memcpy(cols, td->cols, sizeof(TableColumn) * n);
        td->cols = cols;
    }
    TableColumn *c = &td->cols[td->n_cols++];
    td_col_defaults(c);
    c->name = td_strdup(td, name);
    c->type = type;
    return c;
}

int tabledef_column_find(const TableDef *td, const char *name)
{
    for (uint32_t i = 0; i < td->n_cols; i++)
        if (strcmp(td->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int td_is_time_type(SqlTypeId t)
{
    return t == SQL_DATE || t == SQL_TIME || t == SQL_TIMESTAMP || t == SQL_TIMESTAMPTZ;
}

/* PostgreSQL's parse_bool_with_len (boolin). */
int tabledef_bool_parse(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return -1;
    switch (s[0]) {
    case 't': case 'T': return n <= 4 && strncasecmp(s, "true", n) == 0 ? 1 : -1;
    case 'f': case 'F': return n <= 5 && strncasecmp(s, "false", n) == 0 ? 0 : -1;
    case 'y': case 'Y': return n <= 3 && strncasecmp(s, "yes", n) == 0 ? 1 : -1;
    case 'n': case 'N': return n <= 2 && strncasecmp(s, "no", n) == 0 ? 0 : -1;
    case 'o': case 'O':
        /* "o" alone is ambiguous between on and off */
        if (n == 2 && strncasecmp(s, "on", 2) == 0)
            return 1;
        if (n >= 2 && n <= 3 && strncasecmp(s, "off", n) == 0)
            return 0;
        return -1;
    case '1': return n == 1 ? 1 : -1;
    case '0': return n == 1 ? 0 : -1;
    default: return -1;
    }
}

static int td_parse_bool(const char *s)
{
    return tabledef_bool_parse(s, strlen(s));
}

/* A decimal integer in [lo, hi] with optional surrounding whitespace. Returns 0 or -1. */
static int td_parse_int(const char *s, long lo, long hi, long *out)
{
    while (isspace((unsigned char)*s))
        s++;
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!isdigit((unsigned char)*s))
        return -1;
    long v = 0;
    while (isdigit((unsigned char)*s)) {
        if (v > 100000000L)
            return -1;
        v = v * 10 + (*s++ - '0');
    }
    while (isspace((unsigned char)*s))
        s++;
    if (*s)
        return -1;
    if (neg)
        v = -v;
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Kinesis stream names: 1-128 of [a-zA-Z0-9_.-]. */
static int td_valid_stream_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > TD_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return 0;
    return 1;
}

/* ======================================================================================= JSON paths */

typedef struct PathBuilder {
    const char *segs[256];
    uint32_t n;
} PathBuilder;

static int td_path_push(PathBuilder *pb, Arena *a, const char *s, size_t n, SqlError *err)
{
    if (pb->n >= sizeof(pb->segs) / sizeof(pb->segs[0]))
        return sql_error_set(err, "42601", 0, "JSON path has more than %zu segments",
                             sizeof(pb->segs) / sizeof(pb->segs[0]));
    char *c = arena_try_strndup(a, s, n);
    if (!c)
        return sql_error_set(err, "53200", 0, "out of memory");
    pb->segs[pb->n++] = c;
    return WEIR_OK;
}

/* JSONPath subset: $ then any of .key, ['key'], ["key"], [N]. */
static int td_path_jsonpath(const char *t, Arena *a, PathBuilder *pb, SqlError *err)
{
    const char *p = t + 1;
    char buf[1024];
    while (*p) {
        if (*p == '.') {
            p++;
            size_t n = strcspn(p, ".[");
            if (n == 0)
                return sql_error_set(err, "42601", 0, "syntax error in JSON path \"%s\": empty key", t);
            if (td_path_push(pb, a, p, n, err))
                return WEIR_ERROR;
            p += n;
        } else if (*p == '[') {
            p++;
            if (*p == '\'' || *p == '"') {
                char q = *p++;
                size_t n = 0;
                while (*p && *p != q) {
                    if (*p == '\\' && p[1])
                        p++;
                    if (n + 1 >= sizeof(buf))
                        return sql_error_set(err, "42601", 0, "JSON path key too long in \"%s\"", t);
                    buf[n++] = *p++;
                }
                if (*p != q || p[1] != ']')
                    return sql_error_set(err, "42601", 0, "syntax error in JSON path \"%s\": unterminated [ ]", t);
                p += 2;
                if (td_path_push(pb, a, buf, n, err))
                    return WEIR_ERROR;
            } else {
                size_t n = 0;
                while (isdigit((unsigned char)p[n]))
                    n++;
                if (n == 0 || n > 9 || p[n] != ']')
                    return sql_error_set(err, "42601", 0,
                                         "syntax error in JSON path \"%s\": expected an array index or a quoted key in [ ]",
                                         t);
                if (td_path_push(pb, a, p, n, err))
                    return WEIR_ERROR;
                p += n + 1;
            }
        } else {
            return sql_error_set(err, "42601", 0, "syntax error in JSON path \"%s\" at \"%s\"", t, p);
        }
    }
    return WEIR_OK;
}

/* mode 0: what <column>.path accepts (detects the syntax); mode 1: Trino mappings (slashes only). */
static int td_path_parse_mode(const char *t, int trino, Arena *a, const char *const **segs, uint32_t *n_segs,
                              SqlError *err)
{
    PathBuilder pb;
    pb.n = 0;
    if (!trino && *t == '$') {
        if (td_path_jsonpath(t, a, &pb, err))
            return WEIR_ERROR;
    } else if (trino || strchr(t, '/')) {
        const char *p = t;
        while (*p) {
            size_t n = strcspn(p, "/");
            if (n && td_path_push(&pb, a, p, n, err))
                return WEIR_ERROR;
            p += n;
            if (*p == '/')
                p++;
        }
        if (pb.n == 0)
            return sql_error_set(err, "42601", 0, "JSON path \"%s\" names no field", t);
    } else {
        const char *p = t;
        for (;;) {
            size_t n = strcspn(p, ".");
            if (n == 0)
                return sql_error_set(err, "42601", 0, "syntax error in JSON path \"%s\": empty field name", t);
            if (td_path_push(&pb, a, p, n, err))
                return WEIR_ERROR;
            p += n;
            if (!*p)
                break;
            p++;
        }
    }
    const char **out = arena_try_calloc_array(a, pb.n ? pb.n : 1, sizeof(char *));
    if (!out)
        return sql_error_set(err, "53200", 0, "out of memory");
    memcpy(out, pb.segs, pb.n * sizeof(char *));
    *segs = out;
    *n_segs = pb.n;
    return WEIR_OK;
}

int tabledef_path_parse(const char *text, Arena *a, const char *const **segs, uint32_t *n_segs, SqlError *err)
{
    return td_path_parse_mode(text, 0, a, segs, n_segs, err);
}

/* ================================================================================== ready patterns */

/* Apache httpd's Common Log Format `%h %l %u %t "%r" %>s %b` and Combined `... "%{Referer}i"
 * "%{User-agent}i"`. The request line splits into method / path / protocol when it has that shape and
 * is kept whole in `request` either way (a malformed request line still matches, with method, path and
 * protocol NULL). Apache escapes '"' and '\' inside quoted fields with a backslash. A missing value is
 * written "-", which the table's null option (default "-" for these patterns) turns into NULL. */
#define TD_APACHE_COMMON                                                                                       \
    "^(?<host>\\S+) (?<ident>\\S+) (?<user>\\S+) \\[(?<time>[^\\]]+)\\] "                                      \
    "\"(?<request>(?<method>[A-Za-z]+) (?<path>(?:[^\"\\\\ ]|\\\\.)*)(?: (?<protocol>(?:[^\"\\\\]|\\\\.)*))?" \
    "|(?:[^\"\\\\]|\\\\.)*)\" (?<status>\\d{3}|-) (?<bytes>\\d+|-)"
#define TD_APACHE_COMBINED \
    TD_APACHE_COMMON " \"(?<referer>(?:[^\"\\\\]|\\\\.)*)\" \"(?<user_agent>(?:[^\"\\\\]|\\\\.)*)\""
#define TD_APACHE_TIME_FORMAT "%d/%b/%Y:%H:%M:%S %z"

const char *tabledef_ready_pattern(const char *name)
{
    if (strcasecmp(name, "apache_common") == 0)
        return TD_APACHE_COMMON;
    if (strcasecmp(name, "apache_combined") == 0)
        return TD_APACHE_COMBINED;
    return NULL;
}

/* ========================================================================== finishing a definition */

/* Set a column's time format from text; checks it applies to the column's type. */
static int td_col_set_time_format(TableDef *td, TableColumn *c, const char *text, int pos, SqlError *err)
{
    if (!td_is_time_type(c->type.id))
        return sql_error_set(err, "22023", pos,
                             "time format \"%s\" given for column \"%s\", which is not a date, time or timestamp column",
                             text, c->name);
    const char *t = td_strdup(td, text);
    SqlTimeFormat f;
    if (sql_time_format_parse(t, &f) != 0)
        return sql_error_set(err, "22023", pos,
                             "invalid time format \"%s\" for column \"%s\": use iso8601, rfc2822, seconds, "
                             "milliseconds or a %%-pattern",
                             text, c->name);
    c->time_format = t;
    c->time_fmt = f;
    return WEIR_OK;
}

static int td_raw_width_parse(const char *s, TableRawWidth *out)
{
    static const struct {
        const char *name;
        TableRawWidth w;
    } tab[] = {{"byte", TABLE_RAW_BYTE}, {"short", TABLE_RAW_SHORT}, {"int", TABLE_RAW_INT},
               {"long", TABLE_RAW_LONG}, {"float", TABLE_RAW_FLOAT}, {"double", TABLE_RAW_DOUBLE}};
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcasecmp(s, tab[i].name) == 0) {
            *out = tab[i].w;
            return 0;
        }
    return -1;
}

static const char *td_raw_width_name(TableRawWidth w)
{
    switch (w) {
    case TABLE_RAW_BYTE: return "BYTE";
    case TABLE_RAW_SHORT: return "SHORT";
    case TABLE_RAW_INT: return "INT";
    case TABLE_RAW_LONG: return "LONG";
    case TABLE_RAW_FLOAT: return "FLOAT";
    case TABLE_RAW_DOUBLE: return "DOUBLE";
    case TABLE_RAW_NONE: break;
    }
    return NULL;
}

static int td_raw_width_bytes(TableRawWidth w)
{
    switch (w) {
    case TABLE_RAW_BYTE: return 1;
    case TABLE_RAW_SHORT: return 2;
    case TABLE_RAW_INT: case TABLE_RAW_FLOAT: return 4;
    case TABLE_RAW_LONG: case TABLE_RAW_DOUBLE: return 8;
    case TABLE_RAW_NONE: break;
    }
    return 0;
}

/* "start[:end]" byte range of the raw decoder. */
static int td_raw_range_parse(const char *s, int32_t *start, int32_t *end)
{
    char a[32];
    const char *colon = strchr(s, ':');
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n == 0 || n >= sizeof(a))
        return -1;
    memcpy(a, s, n);
    a[n] = '\0';
    long v;
    if (td_parse_int(a, 0, INT32_MAX, &v))
        return -1;
    *start = (int32_t)v;
    *end = -1;
    if (colon) {
        if (td_parse_int(colon + 1, 0, INT32_MAX, &v) || v < *start)
            return -1;
        *end = (int32_t)v;
    }
    return 0;
}

/* Trino's raw decoder: which widths each type accepts. */
static int td_raw_width_ok(SqlTypeId t, TableRawWidth w)
{
    switch (t) {
    case SQL_INT8: return w == TABLE_RAW_BYTE || w == TABLE_RAW_SHORT || w == TABLE_RAW_INT || w == TABLE_RAW_LONG;
    case SQL_INT4: return w == TABLE_RAW_BYTE || w == TABLE_RAW_SHORT || w == TABLE_RAW_INT;
    case SQL_INT2: return w == TABLE_RAW_BYTE || w == TABLE_RAW_SHORT;
    case SQL_FLOAT4:
    case SQL_FLOAT8: return w == TABLE_RAW_FLOAT || w == TABLE_RAW_DOUBLE;
    case SQL_BOOL: return w != TABLE_RAW_FLOAT && w != TABLE_RAW_DOUBLE;
    default: return 0;
    }
}

static int td_is_hidden_name(const char *name);

/* Defaults and cross-checks every definition goes through. pos is used for errors that belong to no
 * single option. */
/* An interval literal as the event-time options take it ("5 seconds", "PT5S", "1 day 2 hours"), read
 * with the type's own input function, into microseconds: >= 0, no months or years (their length
 * varies), a day counted as 24 hours. WEIR_OK with *us, or WEIR_ERROR with a 22023 error naming key. */
static int td_interval_us(Arena *a, const char *key, const char *v, int pos, int64_t *us, SqlError *err)
{
    SqlFormatOpts fo;
    sql_format_opts_default(&fo);
    SqlValue val;
    SqlError e2;
    memset(&e2, 0, sizeof(e2));
    if (sql_value_from_text(SQL_TYPE(SQL_INTERVAL), v, strlen(v), &fo, a, &val, &e2) != WEIR_OK)
        return sql_error_set(err, "22023", pos, "invalid value for option \"%s\": \"%s\" is not an interval", key, v);
    const SqlInterval *iv = &val.u.iv;
    if (iv->months)
        return sql_error_set(err, "22023", pos,
                             "invalid value for option \"%s\": \"%s\" has months or years, whose length varies", key, v);
    int64_t d;
    if (__builtin_mul_overflow((int64_t)iv->days, SQL_USEC_PER_DAY, &d) || __builtin_add_overflow(d, iv->usec, us))
        return sql_error_set(err, "22023", pos, "invalid value for option \"%s\": \"%s\" is out of range", key, v);
    if (*us < 0)
        return sql_error_set(err, "22023", pos, "invalid value for option \"%s\": \"%s\" is negative", key, v);
    return WEIR_OK;
}

/* The event-time options resolved (TableDef.event_time_col, watermark_delay_us, idle_timeout_us), for
 * CREATE TABLE and for definitions loaded from the catalog alike. Without event_time, arrival time is the
 * event time, and the delay and timeout apply to it. */
static int td_finish_event_time(TableDef *td, SqlError *err)
{
    td->event_time_col = -1;
    if (td->event_time) {
        int ci = tabledef_column_find(td, td->event_time);
        if (ci < 0 && tabledef_hidden_find(td->event_time) != TABLE_HID_ARRIVAL_TIME)
            return sql_error_set(err, "42703", 0, "event_time column \"%s\" does not exist", td->event_time);
        if (ci >= 0 && td->cols[ci].type.id != SQL_TIMESTAMP && td->cols[ci].type.id != SQL_TIMESTAMPTZ)
            return sql_error_set(err, "22023", 0, "event_time column \"%s\" must be a timestamp or timestamptz",
                                 td->event_time);
        td->event_time_col = ci;
    }
    td->watermark_delay_us = td->idle_timeout_us = 0;
    if (td->watermark && td_interval_us(td->arena, "watermark_delay", td->watermark, 0, &td->watermark_delay_us, err))
        return WEIR_ERROR;
    if (td->idle_timeout && td_interval_us(td->arena, "idle_timeout", td->idle_timeout, 0, &td->idle_timeout_us, err))
        return WEIR_ERROR;
    return WEIR_OK;
}

static int td_finish(TableDef *td, SqlError *err)
{
    if (!td->name || !*td->name)
        return sql_error_set(err, "22023", 0, "table name is missing");
    if (td->n_cols > TD_MAX_COLS)
        return sql_error_set(err, "54011", 0, "tables can have at most %d columns", TD_MAX_COLS);
    for (uint32_t i = 0; i < td->n_cols; i++) {
        if (td_is_hidden_name(td->cols[i].name))
            return sql_error_set(err, "42701", 0, "column name \"%s\" conflicts with a hidden column name",
                                 td->cols[i].name);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(td->cols[i].name, td->cols[j].name) == 0)
                return sql_error_set(err, "42701", 0, "column \"%s\" specified more than once", td->cols[i].name);
    }
    /* source */
    if (td->file) {
        if (td->stream || td->n_shards)
            return sql_error_set(err, "22023", 0, "a table reads either a stream or a file: give \"file\" or "
                                                  "\"stream\"/\"shards\", not both");
        if (!*td->file)
            return sql_error_set(err, "22023", 0, "file name is empty");
    } else {
        if (!td->stream)
            td->stream = td->name;
        if (!td_valid_stream_name(td->stream))
            return sql_error_set(err, "22023", 0,
                                 "invalid stream name \"%s\": 1 to 128 characters of a-z, A-Z, 0-9, '_', '.', '-'",
                                 td->stream);
        if (td->csv_header)
            return sql_error_set(err, "22023", 0, "option \"header\" applies only to file tables");
    }
    /* policy */
    if (td->dead_letter_stream) {
        if (td->on_error != TABLE_ON_ERROR_DEAD_LETTER)
            return sql_error_set(err, "22023", 0, "option \"dead_letter_stream\" needs on_error = 'dead_letter'");
        if (!td_valid_stream_name(td->dead_letter_stream))
            return sql_error_set(err, "22023", 0, "invalid dead-letter stream name \"%s\"", td->dead_letter_stream);
        if (td->stream && strcmp(td->stream, td->dead_letter_stream) == 0)
            return sql_error_set(err, "22023", 0, "the dead-letter stream cannot be the table's own stream \"%s\"",
                                 td->stream);
    } else if (td->on_error == TABLE_ON_ERROR_DEAD_LETTER) {
        return sql_error_set(err, "22023", 0, "on_error = 'dead_letter' needs option \"dead_letter_stream\"");
    }
    if (!td->time_zone)
        td->time_zone = "UTC";
    if (!sql_tz_get(td->time_zone))
        return sql_error_set(err, "22023", 0, "time zone \"%s\" not recognized", td->time_zone);
    /* format options */
    if (td->format != TABLE_FMT_CSV) {
        if (td->csv_delimiter != ',' || td->csv_quote != '"' || td->csv_header)
            return sql_error_set(err, "22023", 0, "options \"delimiter\", \"quote\" and \"header\" apply only to "
                                                  "format 'csv'");
    } else if (td->csv_delimiter == td->csv_quote) {
        return sql_error_set(err, "22023", 0, "the CSV delimiter and quote must differ");
    }
    if (td->null_value && td->format != TABLE_FMT_CSV && td->format != TABLE_FMT_REGEX)
        return sql_error_set(err, "22023", 0, "option \"null\" applies only to formats 'csv' and 'regex'");
    pcre2_code *re = NULL;
    uint32_t n_groups = 0, n_names = 0;
    if (td->format == TABLE_FMT_REGEX) {
        if (!td->pattern)
            return sql_error_set(err, "22023", 0, "format 'regex' needs option \"pattern\"");
        int ecode;
        PCRE2_SIZE eoff;
        re = pcre2_compile((PCRE2_SPTR)td->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ecode, &eoff, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ecode, msg, sizeof(msg));
            return sql_error_set(err, "2201B", 0, "invalid regular expression: %s at offset %zu", (char *)msg,
                                 (size_t)eoff);
        }
        pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n_groups);
        pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &n_names);
        if (td->pattern_name && !td->null_value)
            td->null_value = "-";
    } else if (td->pattern) {
        return sql_error_set(err, "22023", 0, "option \"pattern\" applies only to format 'regex'");
    }
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < td->n_cols && rc == WEIR_OK; i++) {
        TableColumn *c = &td->cols[i];
        if (c->raw_width != TABLE_RAW_NONE && c->raw_end >= 0 &&
            c->raw_end - c->raw_start != td_raw_width_bytes(c->raw_width)) {
            rc = sql_error_set(err, "22023", 0, "column \"%s\": raw range %d:%d is not %d bytes, the size of %s",
                               c->name, c->raw_start, c->raw_end, td_raw_width_bytes(c->raw_width),
                               td_raw_width_name(c->raw_width));
            break;
        }
        if (c->raw_width != TABLE_RAW_NONE && !td_raw_width_ok(c->type.id, c->raw_width)) {
            char tn[64];
            sql_type_format(c->type, tn, sizeof(tn));
            rc = sql_error_set(err, "22023", 0, "raw width %s does not fit column \"%s\" of type %s",
                               td_raw_width_name(c->raw_width), c->name, tn);
            break;
        }
        switch (td->format) {
        case TABLE_FMT_JSON:
            if (!c->path) {
                const char **seg = arena_alloc(td->arena, sizeof(char *));
                seg[0] = c->name;
                c->path = seg;
                c->n_path = 1;
            }
            break;
        case TABLE_FMT_REGEX:
            if (c->group_name) {
                if (pcre2_substring_number_from_name(re, (PCRE2_SPTR)c->group_name) < 0)
                    rc = sql_error_set(err, "22023", 0, "column \"%s\": the pattern has no group named \"%s\"",
                                       c->name, c->group_name);
            } else if (c->group >= 0) {
                if ((uint32_t)c->group > n_groups || c->group == 0)
                    rc = sql_error_set(err, "22023", 0, "column \"%s\": the pattern has no capture group %d "
                                                        "(it has %u)",
                                       c->name, c->group, n_groups);
            } else if (n_names > 0 && pcre2_substring_number_from_name(re, (PCRE2_SPTR)c->name) >= 0) {
                c->group_name = c->name;
            } else if (n_names == 0 && i + 1 <= n_groups) {
                c->group = (int32_t)i + 1;
            } else {
                rc = sql_error_set(err, "22023", 0,
                                   "column \"%s\" matches no capture group of the pattern: name the group "
                                   "(?<%s>...) or set %s.group",
                                   c->name, c->name, c->name);
            }
            /* The Apache time field has a fixed layout: give it its format unless one was set. */
            if (rc == WEIR_OK && td->pattern_name && !c->time_format && td_is_time_type(c->type.id) &&
                ((c->group_name && strcmp(c->group_name, "time") == 0) || c->group == 4))
                rc = td_col_set_time_format(td, c, TD_APACHE_TIME_FORMAT, 0, err);
            break;
        case TABLE_FMT_CSV:
        case TABLE_FMT_RAW: break;
        }
    }
    pcre2_code_free(re);
    if (rc)
        return rc;
    return td_finish_event_time(td, err);
}

/* ============================================================================ CREATE TABLE ... WITH */

enum { TD_SEEN_MAX = 256 };

static int td_table_option(TableDef *td, const char *key, const char *v, int pos, SqlError *err)
{
    long n;
    if (strcasecmp(key, "stream") == 0) {
        if (!td_valid_stream_name(v))
            return sql_error_set(err, "22023", pos,
                                 "invalid stream name \"%s\": 1 to 128 characters of a-z, A-Z, 0-9, '_', '.', '-'", v);
        td->stream = td_strdup(td, v);
    } else if (strcasecmp(key, "shards") == 0) {
        if (td_parse_int(v, 1, 10000, &n))
            return sql_error_set(err, "22023", pos, "invalid value for option \"shards\": \"%s\" (1 to 10000)", v);
        td->n_shards = (uint32_t)n;
    } else if (strcasecmp(key, "file") == 0) {
        if (!*v)
            return sql_error_set(err, "22023", pos, "option \"file\" is empty");
        /* The server reads the file, so a path relative to some working directory would mean nothing to
         * the client that wrote it (exec/reftable.h). */
        if (v[0] != '/')
            return sql_error_set(err, "22023", pos, "option \"file\" must be an absolute path, not \"%s\"", v);
        td->file = td_strdup(td, v);
    } else if (strcasecmp(key, "description_file") == 0) {
        /* handled before the other options by tabledef_build */
    } else if (strcasecmp(key, "format") == 0) {
        if (strcasecmp(v, "json") == 0)
            td->format = TABLE_FMT_JSON;
        else if (strcasecmp(v, "csv") == 0)
            td->format = TABLE_FMT_CSV;
        else if (strcasecmp(v, "raw") == 0)
            td->format = TABLE_FMT_RAW;
        else if (strcasecmp(v, "regex") == 0)
            td->format = TABLE_FMT_REGEX;
        else
            return sql_error_set(err, "22023", pos,
                                 "invalid value for option \"format\": \"%s\" (json, csv, raw or regex)", v);
    } else if (strcasecmp(key, "compression") == 0) {
        if (strcasecmp(v, "none") == 0 || strcasecmp(v, "uncompressed") == 0)
            td->compression = TABLE_COMP_NONE;
        else if (strcasecmp(v, "gzip") == 0)
            td->compression = TABLE_COMP_GZIP;
        else if (strcasecmp(v, "auto") == 0 || strcasecmp(v, "automatic") == 0)
            td->compression = TABLE_COMP_AUTO;
        else
            return sql_error_set(err, "22023", pos,
                                 "invalid value for option \"compression\": \"%s\" (none, gzip or auto)", v);
    } else if (strcasecmp(key, "delimiter") == 0) {
        char d;
        if (strlen(v) == 1)
            d = v[0];
        else if (strcmp(v, "\\t") == 0 || strcasecmp(v, "tab") == 0)
            d = '\t';
        else
            return sql_error_set(err, "22023", pos, "the CSV delimiter must be a single one-byte character");
        if (d == '\n' || d == '\r' || (unsigned char)d >= 0x80)
            return sql_error_set(err, "22023", pos, "the CSV delimiter cannot be a newline or a non-ASCII byte");
        td->csv_delimiter = d;
    } else if (strcasecmp(key, "quote") == 0) {
        if (*v == '\0' || strcasecmp(v, "none") == 0)
            td->csv_quote = 0;
        else if (strlen(v) == 1 && v[0] != '\n' && v[0] != '\r' && (unsigned char)v[0] < 0x80)
            td->csv_quote = v[0];
        else
            return sql_error_set(err, "22023", pos, "the CSV quote must be a single one-byte character or ''");
    } else if (strcasecmp(key, "header") == 0) {
        int b = td_parse_bool(v);
        if (b < 0)
            return sql_error_set(err, "22023", pos, "invalid value for boolean option \"header\": %s", v);
        td->csv_header = (uint8_t)b;
    } else if (strcasecmp(key, "null") == 0) {
        td->null_value = td_strdup(td, v);
    } else if (strcasecmp(key, "pattern") == 0) {
        const char *ready = tabledef_ready_pattern(v);
        if (!*v)
            return sql_error_set(err, "22023", pos, "option \"pattern\" is empty");
        if (ready) {
            td->pattern = ready;
            td->pattern_name = strcasecmp(v, "apache_common") == 0 ? "apache_common" : "apache_combined";
        } else {
            td->pattern = td_strdup(td, v);
            td->pattern_name = NULL;
        }
    } else if (strcasecmp(key, "on_error") == 0) {
        if (strcasecmp(v, "null") == 0)
            td->on_error = TABLE_ON_ERROR_NULL;
        else if (strcasecmp(v, "skip") == 0)
            td->on_error = TABLE_ON_ERROR_SKIP;
        else if (strcasecmp(v, "fail") == 0)
            td->on_error = TABLE_ON_ERROR_FAIL;
        else if (strcasecmp(v, "dead_letter") == 0)
            td->on_error = TABLE_ON_ERROR_DEAD_LETTER;
        else
            return sql_error_set(err, "22023", pos,
                                 "invalid value for option \"on_error\": \"%s\" (null, skip, fail or dead_letter)", v);
    } else if (strcasecmp(key, "dead_letter_stream") == 0) {
        if (!td_valid_stream_name(v))
            return sql_error_set(err, "22023", pos, "invalid dead-letter stream name \"%s\"", v);
        td->dead_letter_stream = td_strdup(td, v);
    } else if (strcasecmp(key, "time_zone") == 0 || strcasecmp(key, "timezone") == 0) {
        if (!sql_tz_get(v))
            return sql_error_set(err, "22023", pos, "time zone \"%s\" not recognized", v);
        td->time_zone = td_strdup(td, v);
    } else if (strcasecmp(key, "event_time") == 0) {
        td->event_time = td_strdup(td, v);
    } else if (strcasecmp(key, "watermark_delay") == 0 || strcasecmp(key, "watermark") == 0) {
        /* (checked here for the option's position; td_finish converts it) */
        if (td_interval_us(td->arena, "watermark_delay", v, pos, &td->watermark_delay_us, err))
            return WEIR_ERROR;
        td->watermark = td_strdup(td, v);
    } else if (strcasecmp(key, "idle_timeout") == 0) {
        if (td_interval_us(td->arena, key, v, pos, &td->idle_timeout_us, err))
            return WEIR_ERROR;
        td->idle_timeout = td_strdup(td, v);
    } else {
        return sql_error_set(err, "22023", pos, "unrecognized parameter \"%s\"", key);
    }
    return WEIR_OK;
}

/* "<column>.<key>" options. The mapping keys are checked against the table's format after every table
 * option is known, so they are applied in a second pass (format = 'csv' may come after x.index). */
static int td_column_option(TableDef *td, TableColumn *c, const char *key, const char *v, int pos, SqlError *err)
{
    long n;
    if (strcasecmp(key, "mapping") == 0) {
        switch (td->format) {
        case TABLE_FMT_JSON: key = "path"; break;
        case TABLE_FMT_CSV: key = "index"; break;
        case TABLE_FMT_REGEX: key = "group"; break;
        case TABLE_FMT_RAW: key = "range"; break;
        }
    }
    if (strcasecmp(key, "path") == 0) {
        if (td->format != TABLE_FMT_JSON)
            return sql_error_set(err, "22023", pos, "option \"%s.path\" applies only to format 'json'", c->name);
        if (!*v)
            return sql_error_set(err, "42601", pos, "JSON path of column \"%s\" is empty", c->name);
        if (tabledef_path_parse(v, td->arena, &c->path, &c->n_path, err)) {
            err->position = pos;
            return WEIR_ERROR;
        }
        c->mapping = td_strdup(td, v);
        c->has_mapping = 1;
    } else if (strcasecmp(key, "index") == 0) {
        if (td->format != TABLE_FMT_CSV)
            return sql_error_set(err, "22023", pos, "option \"%s.index\" applies only to format 'csv'", c->name);
        if (td_parse_int(v, 0, 65535, &n))
            return sql_error_set(err, "22023", pos,
                                 "invalid value for option \"%s.index\": \"%s\" (a field position from 0)", c->name, v);
        c->index = (int32_t)n;
        c->mapping = td_strdup(td, v);
        c->has_mapping = 1;
    } else if (strcasecmp(key, "group") == 0) {
        if (td->format != TABLE_FMT_REGEX)
            return sql_error_set(err, "22023", pos, "option \"%s.group\" applies only to format 'regex'", c->name);
        if (td_parse_int(v, 1, 65535, &n) == 0) {
            c->group = (int32_t)n;
        } else {
            int ok = *v != '\0' && !isdigit((unsigned char)*v);
            for (const char *p = v; *p && ok; p++)
                ok = isalnum((unsigned char)*p) || *p == '_';
            if (!ok)
                return sql_error_set(err, "22023", pos,
                                     "invalid value for option \"%s.group\": \"%s\" (a group number from 1 or a name)",
                                     c->name, v);
            c->group_name = td_strdup(td, v);
        }
        c->mapping = td_strdup(td, v);
        c->has_mapping = 1;
    } else if (strcasecmp(key, "range") == 0) {
        if (td->format != TABLE_FMT_RAW)
            return sql_error_set(err, "22023", pos, "option \"%s.range\" applies only to format 'raw'", c->name);
        if (td_raw_range_parse(v, &c->raw_start, &c->raw_end))
            return sql_error_set(err, "22023", pos, "invalid value for option \"%s.range\": \"%s\" (start[:end])",
                                 c->name, v);
        c->mapping = td_strdup(td, v);
        c->has_mapping = 1;
    } else if (strcasecmp(key, "format") == 0) {
        TableRawWidth w;
        if (td->format == TABLE_FMT_RAW && td_raw_width_parse(v, &w) == 0) {
            c->raw_width = w;
            return WEIR_OK;
        }
        return td_col_set_time_format(td, c, v, pos, err);
    } else if (strcasecmp(key, "hidden") == 0) {
        int b = td_parse_bool(v);
        if (b < 0)
            return sql_error_set(err, "22023", pos, "invalid value for boolean option \"%s.hidden\": %s", c->name, v);
        c->is_hidden = (uint8_t)b;
    } else if (strcasecmp(key, "comment") == 0) {
        c->comment = td_strdup(td, v);
    } else {
        return sql_error_set(err, "22023", pos, "unrecognized parameter \"%s.%s\"", c->name, key);
    }
    return WEIR_OK;
}

int tabledef_build(const char *name, const TableColumnSpec *cols, size_t n_cols, const TableOption *opts,
                   size_t n_opts, TableDef **out, SqlError *err)
{
    *out = NULL;
    if (n_cols > TD_MAX_COLS)
        return sql_error_set(err, "54011", 0, "tables can have at most %d columns", TD_MAX_COLS);
    /* duplicate options, and find description_file first: the columns come from it */
    const char *desc = NULL;
    int desc_pos = 0;
    for (size_t i = 0; i < n_opts; i++) {
        if (!opts[i].key || !opts[i].value)
            return sql_error_set(err, "22023", opts[i].position, "option without a key or value");
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(opts[i].key, opts[j].key) == 0)
                return sql_error_set(err, "22023", opts[i].position, "parameter \"%s\" specified more than once",
                                     opts[i].key);
        if (strcasecmp(opts[i].key, "description_file") == 0) {
            desc = opts[i].value;
            desc_pos = opts[i].position;
        }
    }
    TableDef *td = NULL;
    if (desc) {
        if (n_cols)
            return sql_error_set(err, "22023", desc_pos,
                                 "a table with \"description_file\" takes its columns from the file: write "
                                 "CREATE TABLE %s () WITH (...)",
                                 name);
        if (tabledef_load_trino(desc, &td, err)) {
            if (err->position == 0)
                err->position = desc_pos;
            return WEIR_ERROR;
        }
    } else {
        td = td_new();
        for (size_t i = 0; i < n_cols; i++) {
            if (!cols[i].name || !*cols[i].name) {
                tabledef_destroy(&td);
                return sql_error_set(err, "42601", cols[i].position, "column name is empty");
            }
            if (tabledef_column_find(td, cols[i].name) >= 0) {
                tabledef_destroy(&td);
                return sql_error_set(err, "42701", cols[i].position, "column \"%s\" specified more than once",
                                     cols[i].name);
            }
            if (td_is_hidden_name(cols[i].name)) {
                tabledef_destroy(&td);
                return sql_error_set(err, "42701", cols[i].position,
                                     "column name \"%s\" conflicts with a hidden column name", cols[i].name);
            }
            td_col_add(td, cols[i].name, cols[i].type);
        }
    }
    td->name = td_strdup(td, name);
    int rc = WEIR_OK;
    /* pass 1: table options; pass 2: column options (they depend on format) */
    for (int pass = 1; pass <= 2 && rc == WEIR_OK; pass++) {
        for (size_t i = 0; i < n_opts && rc == WEIR_OK; i++) {
            const char *key = opts[i].key;
            const char *dot = strrchr(key, '.');
            if (!dot) {
                if (pass == 1)
                    rc = td_table_option(td, key, opts[i].value, opts[i].position, err);
                continue;
            }
            if (pass == 1)
                continue;
            char cname[256];
            size_t cn = (size_t)(dot - key);
            if (cn == 0 || cn >= sizeof(cname)) {
                rc = sql_error_set(err, "22023", opts[i].position, "unrecognized parameter \"%s\"", key);
                break;
            }
            memcpy(cname, key, cn);
            cname[cn] = '\0';
            int ci = tabledef_column_find(td, cname);
            if (ci < 0) {
                rc = sql_error_set(err, "42703", opts[i].position, "option \"%s\" names column \"%s\", which does not exist",
                                   key, cname);
                break;
            }
            rc = td_column_option(td, &td->cols[ci], dot + 1, opts[i].value, opts[i].position, err);
        }
    }
    if (rc == WEIR_OK)
        rc = td_finish(td, err);
    if (rc) {
        tabledef_destroy(&td);
        return WEIR_ERROR;
    }
    *out = td;
    return WEIR_OK;
}

/* ===================================================================== Trino table description files */

/* A Trino type name: BIGINT, INTEGER, SMALLINT, TINYINT, DOUBLE, REAL, BOOLEAN, VARCHAR, VARCHAR(n),
 * CHAR(n), DECIMAL(p[,s]), DATE, TIME, TIMESTAMP[(p)], TIMESTAMP[(p)] WITH TIME ZONE, VARBINARY, JSON,
 * INTERVAL ... . Returns 0 (and *out), 1 for a type weir does not have, -1 for nonsense. */
static int td_trino_type(const char *s, SqlType *out)
{
    char norm[128];
    size_t n = 0;
    int args[2] = {-1, -1}, n_args = 0, in_paren = 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (in_paren) {
            if (c == ')') {
                in_paren = 0;
                n_args++;
            } else if (c == ',') {
                if (++n_args >= 2)
                    return -1;
            } else if (isdigit(c)) {
                if (args[n_args] > 100000)
                    return -1;
                args[n_args] = (args[n_args] < 0 ? 0 : args[n_args] * 10) + (c - '0');
            } else if (!isspace(c)) {
                return 1; /* array(varchar), row(...), map(...) */
            }
            continue;
        }
        if (c == '(') {
            if (n_args)
                return -1;
            in_paren = 1;
            continue;
        }
        if (isspace(c)) {
            if (n && norm[n - 1] != ' ' && n + 1 < sizeof(norm))
                norm[n++] = ' ';
            continue;
        }
        if (n + 1 >= sizeof(norm))
            return -1;
        norm[n++] = (char)tolower(c);
    }
    if (in_paren)
        return -1;
    while (n && norm[n - 1] == ' ')
        n--;
    norm[n] = '\0';
    for (int i = 0; i < n_args; i++)
        if (args[i] < 0)
            return -1;
    SqlTypeId id;
    int32_t typmod = -1;
    if (strcmp(norm, "tinyint") == 0) {
        id = SQL_INT2;
    } else if (strcmp(norm, "double") == 0) {
        id = SQL_FLOAT8;
    } else if (strcmp(norm, "varbinary") == 0) {
        id = SQL_BYTEA;
    } else if (strncmp(norm, "interval", 8) == 0) {
        id = SQL_INTERVAL;
    } else if (strcmp(norm, "time with time zone") == 0 || strcmp(norm, "uuid") == 0 ||
               strcmp(norm, "ipaddress") == 0 || strcmp(norm, "hyperloglog") == 0) {
        return 1;
    } else if (sql_type_from_name(norm, &id) != 0 || SQL_IS_ARRAY(id)) {
        return strchr(norm, ' ') || n_args ? 1 : -1;
    }
    switch (id) {
    case SQL_VARCHAR:
    case SQL_BPCHAR:
        if (n_args > 1)
            return -1;
        if (n_args == 1)
            typmod = args[0] + 4;
        break;
    case SQL_NUMERIC:
        if (n_args >= 1) {
            int p = args[0], sc = n_args == 2 ? args[1] : 0;
            if (p < 1 || p > SQL_NUMERIC_MAX_DIGITS || sc > p)
                return 1;
            typmod = ((p << 16) | sc) + 4;
        }
        break;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
    case SQL_TIME:
        if (n_args > 1)
            return -1;
        if (n_args == 1)
            typmod = args[0] > 6 ? 6 : args[0]; /* Trino allows 12 digits; PostgreSQL keeps 6 */
        break;
    case SQL_BOOL: case SQL_INT2: case SQL_INT4: case SQL_INT8: case SQL_FLOAT4: case SQL_FLOAT8:
    case SQL_TEXT: case SQL_DATE: case SQL_INTERVAL: case SQL_JSON: case SQL_JSONB: case SQL_BYTEA:
        if (n_args)
            return -1;
        break;
    default: return 1;
    }
    out->id = id;
    out->typmod = typmod;
    return 0;
}

/* Joda-Time DateTimeFormat pattern (Trino custom-date-time formatHint) -> the strftime-style pattern
 * sql_time_parse reads. Returns 0, or -1 with the unsupported letter in *bad. */
static int td_joda_to_strftime(const char *j, char *out, size_t cap, char *bad)
{
    size_t o = 0;
#define EMIT(s)                                                                                                \
    do {                                                                                                       \
        size_t l_ = strlen(s);                                                                                 \
        if (o + l_ + 1 > cap)                                                                                  \
            return -1;                                                                                         \
        memcpy(out + o, s, l_);                                                                                \
        o += l_;                                                                                               \
    } while (0)
    for (const char *p = j; *p;) {
        char c = *p;
        if (c == '\'') {
            if (p[1] == '\'') {
                EMIT("'");
                p += 2;
                continue;
            }
            p++;
            while (*p) {
                if (*p == '\'') {
                    if (p[1] == '\'') {
                        EMIT("'");
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                char lit[3] = {*p, 0, 0};
                if (*p == '%')
                    lit[1] = '%';
                EMIT(lit);
                p++;
            }
            continue;
        }
        if (!isalpha((unsigned char)c)) {
            char lit[3] = {c, 0, 0};
            if (c == '%')
                lit[1] = '%';
            EMIT(lit);
            p++;
            continue;
        }
        size_t k = 1;
        while (p[k] == c)
            k++;
        const char *f = NULL;
        switch (c) {
        case 'y': case 'Y': case 'u': f = k == 2 ? "%y" : "%Y"; break;
        case 'M': f = k <= 2 ? "%m" : k == 3 ? "%b" : "%B"; break;
        case 'd': f = "%d"; break;
        case 'H': case 'k': f = "%H"; break;
        case 'h': case 'K': f = "%I"; break;
        case 'm': f = "%M"; break;
        case 's': f = "%S"; break;
        case 'S': f = "%f"; break;
        case 'a': f = "%p"; break;
        case 'E': f = k <= 3 ? "%a" : "%A"; break;
        case 'Z': f = "%z"; break;
        case 'z': f = "%Z"; break;
        case 'D': f = "%j"; break;
        default: *bad = c; return -1;
        }
        EMIT(f);
        p += k;
    }
#undef EMIT
    out[o] = '\0';
    return 0;
}

static const char *td_jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void td_lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* One entry of message.fields. */
static int td_trino_field(TableDef *td, json_t *f, size_t idx, const char *what, SqlError *err)
{
    if (!json_is_object(f))
        return sql_error_set(err, "22023", 0, "%s: message.fields[%zu] is not an object", what, idx);
    const char *name = td_jstr(f, "name"), *type = td_jstr(f, "type");
    if (!name || !*name || !type)
        return sql_error_set(err, "22023", 0, "%s: message.fields[%zu] needs \"name\" and \"type\" strings", what, idx);
    SqlType t;
    int r = td_trino_type(type, &t);
    if (r < 0)
        return sql_error_set(err, "22023", 0, "%s: field \"%s\": invalid type \"%s\"", what, name, type);
    if (r > 0)
        return sql_error_set(err, "0A000", 0, "%s: field \"%s\": type \"%s\" is not supported", what, name, type);
    char *lname = (char *)td_strdup(td, name);
    td_lower(lname);
    if (tabledef_column_find(td, lname) >= 0)
        return sql_error_set(err, "42701", 0, "%s: field \"%s\" specified more than once", what, lname);
    TableColumn *c = td_col_add(td, lname, t);
    const char *mapping = td_jstr(f, "mapping");
    const char *dfmt = td_jstr(f, "dataFormat");
    const char *hint = td_jstr(f, "formatHint");
    json_t *hidden = json_object_get(f, "hidden");
    if (json_is_boolean(hidden))
        c->is_hidden = json_is_true(hidden);
    else if (json_is_string(hidden) && td_parse_bool(json_string_value(hidden)) >= 0)
        c->is_hidden = (uint8_t)td_parse_bool(json_string_value(hidden));
    else if (hidden && !json_is_null(hidden))
        return sql_error_set(err, "22023", 0, "%s: field \"%s\": \"hidden\" must be true or false", what, lname);
    c->comment = td_strdup(td, td_jstr(f, "comment"));
    if (mapping && *mapping) {
        c->mapping = td_strdup(td, mapping);
        c->has_mapping = 1;
        long n;
        switch (td->format) {
        case TABLE_FMT_JSON:
            if (td_path_parse_mode(mapping, 1, td->arena, &c->path, &c->n_path, err))
                return WEIR_ERROR;
            break;
        case TABLE_FMT_CSV:
            if (td_parse_int(mapping, 0, 65535, &n))
                return sql_error_set(err, "22023", 0, "%s: field \"%s\": CSV mapping \"%s\" is not a field index",
                                     what, lname, mapping);
            c->index = (int32_t)n;
            break;
        case TABLE_FMT_RAW:
            if (td_raw_range_parse(mapping, &c->raw_start, &c->raw_end))
                return sql_error_set(err, "22023", 0, "%s: field \"%s\": raw mapping \"%s\" is not start[:end]", what,
                                     lname, mapping);
            break;
        case TABLE_FMT_REGEX: break;
        }
    }
    if (dfmt && *dfmt && strcmp(dfmt, "_default") != 0) {
        if (td->format == TABLE_FMT_RAW) {
            if (td_raw_width_parse(dfmt, &c->raw_width))
                return sql_error_set(err, "22023", 0, "%s: field \"%s\": unknown raw dataFormat \"%s\"", what, lname,
                                     dfmt);
        } else if (td->format == TABLE_FMT_CSV) {
            return sql_error_set(err, "22023", 0, "%s: field \"%s\": the csv decoder takes no dataFormat", what, lname);
        } else {
            const char *tf = NULL;
            char pat[256];
            if (strcasecmp(dfmt, "iso8601") == 0)
                tf = "iso8601";
            else if (strcasecmp(dfmt, "rfc2822") == 0)
                tf = "rfc2822";
            else if (strcasecmp(dfmt, "milliseconds-since-epoch") == 0)
                tf = "milliseconds";
            else if (strcasecmp(dfmt, "seconds-since-epoch") == 0)
                tf = "seconds";
            else if (strcasecmp(dfmt, "custom-date-time") == 0) {
                char bad = 0;
                if (!hint || !*hint)
                    return sql_error_set(err, "22023", 0, "%s: field \"%s\": custom-date-time needs a formatHint", what,
                                         lname);
                if (td_joda_to_strftime(hint, pat, sizeof(pat), &bad))
                    return sql_error_set(err, "0A000", 0,
                                         "%s: field \"%s\": formatHint \"%s\": pattern letter '%c' is not supported",
                                         what, lname, hint, bad ? bad : '?');
                if (!strchr(pat, '%'))
                    return sql_error_set(err, "22023", 0, "%s: field \"%s\": formatHint \"%s\" has no date fields",
                                         what, lname, hint);
                tf = pat;
            } else {
                return sql_error_set(err, "22023", 0, "%s: field \"%s\": unknown dataFormat \"%s\"", what, lname, dfmt);
            }
            if (td_col_set_time_format(td, c, tf, 0, err)) {
                char m[sizeof(err->message)];
                memcpy(m, err->message, sizeof(m));
                snprintf(err->message, sizeof(err->message), "%.200s: %.300s", what, m);
                return WEIR_ERROR;
            }
        }
    }
    return WEIR_OK;
}

int tabledef_parse_trino(const char *json, size_t len, const char *what, TableDef **out, SqlError *err)
{
    *out = NULL;
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return sql_error_set(err, "22023", 0, "%s: invalid JSON at line %d: %s", what, je.line, je.text);
    TableDef *td = td_new();
    int rc = WEIR_OK;
    const char *tname = td_jstr(root, "tableName"), *sname = td_jstr(root, "schemaName"),
               *stream = td_jstr(root, "streamName");
    json_t *msg = json_object_get(root, "message");
    if (!json_is_object(root)) {
        rc = sql_error_set(err, "22023", 0, "%s: a table description is a JSON object", what);
    } else if (!tname || !*tname || !stream || !*stream) {
        rc = sql_error_set(err, "22023", 0, "%s: \"tableName\" and \"streamName\" are required strings", what);
    } else if (msg && !json_is_null(msg) && !json_is_object(msg)) {
        rc = sql_error_set(err, "22023", 0, "%s: \"message\" must be an object", what);
    }
    if (rc == WEIR_OK) {
        char *n = (char *)td_strdup(td, tname);
        td_lower(n);
        td->name = n;
        if (sname) {
            n = (char *)td_strdup(td, sname);
            td_lower(n);
            td->schema = n;
        }
        td->stream = td_strdup(td, stream);
        /* Without a message section the table has only the hidden columns (Trino's dummy decoder). */
        const char *df = json_is_object(msg) ? td_jstr(msg, "dataFormat") : "dummy";
        const char *codec = json_is_object(msg) ? td_jstr(msg, "compressionCodec") : NULL;
        json_t *fields = json_is_object(msg) ? json_object_get(msg, "fields") : NULL;
        if (!df) {
            rc = sql_error_set(err, "22023", 0, "%s: message.dataFormat is required", what);
        } else if (strcasecmp(df, "json") == 0) {
            td->format = TABLE_FMT_JSON;
        } else if (strcasecmp(df, "csv") == 0) {
            td->format = TABLE_FMT_CSV;
        } else if (strcasecmp(df, "raw") == 0 || strcasecmp(df, "dummy") == 0) {
            td->format = TABLE_FMT_RAW;
        } else if (strcasecmp(df, "avro") == 0 || strcasecmp(df, "protobuf") == 0) {
            rc = sql_error_set(err, "0A000", 0, "%s: dataFormat \"%s\" is not supported (json, csv, raw)", what, df);
        } else {
            rc = sql_error_set(err, "22023", 0, "%s: unknown dataFormat \"%s\"", what, df);
        }
        if (rc == WEIR_OK && codec) {
            if (strcasecmp(codec, "UNCOMPRESSED") == 0)
                td->compression = TABLE_COMP_NONE;
            else if (strcasecmp(codec, "GZIP") == 0)
                td->compression = TABLE_COMP_GZIP;
            else if (strcasecmp(codec, "AUTOMATIC") == 0)
                td->compression = TABLE_COMP_AUTO;
            else
                rc = sql_error_set(err, "22023", 0, "%s: unknown compressionCodec \"%s\"", what, codec);
        }
        if (rc == WEIR_OK && fields && !json_is_null(fields)) {
            if (!json_is_array(fields))
                rc = sql_error_set(err, "22023", 0, "%s: message.fields must be an array", what);
            else if (json_array_size(fields) > TD_MAX_COLS)
                rc = sql_error_set(err, "54011", 0, "%s: tables can have at most %d columns", what, TD_MAX_COLS);
            for (size_t i = 0; rc == WEIR_OK && i < json_array_size(fields); i++)
                rc = td_trino_field(td, json_array_get(fields, i), i, what, err);
        }
    }
    json_decref(root);
    if (rc == WEIR_OK) {
        rc = td_finish(td, err);
        if (rc) {
            char m[sizeof(err->message)];
            memcpy(m, err->message, sizeof(m));
            snprintf(err->message, sizeof(err->message), "%.200s: %.300s", what, m);
        }
    }
    if (rc) {
        tabledef_destroy(&td);
        return WEIR_ERROR;
    }
    *out = td;
    return WEIR_OK;
}

static int td_read_file(const char *path, char **data, size_t *len, SqlError *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return sql_error_set(err, errno == ENOENT ? "58P01" : "58030", 0, "could not open file \"%s\": %s", path,
                             strerror(errno));
    Buf b;
    buf_init(&b, TD_MAX_FILE);
    char tmp[8192];
    size_t n;
    int rc = WEIR_OK;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
        if (buf_append(&b, tmp, n)) {
            rc = sql_error_set(err, "54000", 0, "file \"%s\" is larger than %zu bytes", path, TD_MAX_FILE);
            break;
        }
    }
    if (rc == WEIR_OK && ferror(f))
        rc = sql_error_set(err, "58030", 0, "could not read file \"%s\": %s", path, strerror(errno));
    fclose(f);
    if (rc) {
        buf_fini(&b);
        return rc;
    }
    *data = (char *)buf_steal(&b, len);
    if (!*data) {
        *data = xstrdup("");
        *len = 0;
    }
    return WEIR_OK;
}

int tabledef_load_trino(const char *path, TableDef **out, SqlError *err)
{
    *out = NULL;
    char *data;
    size_t len;
    if (td_read_file(path, &data, &len, err))
        return WEIR_ERROR;
    int rc = tabledef_parse_trino(data, len, path, out, err);
    free(data);
    if (rc == WEIR_OK)
        (*out)->description_file = td_strdup(*out, path);
    return rc;
}

static int td_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void tabledef_array_free(TableDef ***defs, size_t n)
{
    if (!defs || !*defs)
        return;
    for (size_t i = 0; i < n; i++)
        tabledef_destroy(&(*defs)[i]);
    free(*defs);
    *defs = NULL;
}

int tabledef_load_dir(const char *dir, TableDef ***out, size_t *n_out, SqlError *err)
{
    *out = NULL;
    *n_out = 0;
    DIR *d = opendir(dir);
    if (!d)
        return sql_error_set(err, errno == ENOENT ? "58P01" : "58030", 0,
                             "could not open table description directory \"%s\": %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l <= 5 || strcmp(de->d_name + l - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof(char *), td_cmp_str);
    TableDef **defs = xcalloc(n ? n : 1, sizeof(TableDef *));
    int rc = WEIR_OK;
    size_t got = 0;
    for (size_t i = 0; i < n && rc == WEIR_OK; i++) {
        size_t pl = strlen(dir) + strlen(names[i]) + 2;
        char *path = xmalloc(pl);
        snprintf(path, pl, "%s/%s", dir, names[i]);
        rc = tabledef_load_trino(path, &defs[got], err);
        if (rc == WEIR_OK) {
            for (size_t j = 0; j < got; j++)
                if (strcmp(defs[j]->name, defs[got]->name) == 0) {
                    rc = sql_error_set(err, "42P07", 0, "%s: table \"%s\" is already defined by %s", path,
                                       defs[got]->name, defs[j]->description_file);
                    break;
                }
            got++;
        }
        free(path);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc) {
        tabledef_array_free(&defs, got);
        return WEIR_ERROR;
    }
    *out = defs;
    *n_out = got;
    return WEIR_OK;
}

/* ===================================================================================== catalog JSON */

#define TD_JSON_VERSION 1

static const char *td_format_name(TableFormat f)
{
    switch (f) {
    case TABLE_FMT_JSON: return "json";
    case TABLE_FMT_CSV: return "csv";
    case TABLE_FMT_RAW: return "raw";
    case TABLE_FMT_REGEX: return "regex";
    }
    return "json";
}

static const char *td_policy_name(TablePolicy p)
{
    switch (p) {
    case TABLE_ON_ERROR_NULL: return "null";
    case TABLE_ON_ERROR_SKIP: return "skip";
    case TABLE_ON_ERROR_FAIL: return "fail";
    case TABLE_ON_ERROR_DEAD_LETTER: return "dead_letter";
    }
    return "null";
}

static const char *td_comp_name(TableCompression c)
{
    switch (c) {
    case TABLE_COMP_NONE: return "none";
    case TABLE_COMP_GZIP: return "gzip";
    case TABLE_COMP_AUTO: return "auto";
    }
    return "none";
}

static void td_jset_str(json_t *o, const char *k, const char *v)
{
    if (v)
        json_object_set_new(o, k, json_string(v));
}

char *tabledef_to_json(const TableDef *td)
{
    json_t *o = json_object();
    json_object_set_new(o, "version", json_integer(TD_JSON_VERSION));
    td_jset_str(o, "name", td->name);
    td_jset_str(o, "schema", td->schema);
    td_jset_str(o, "stream", td->stream);
    if (td->n_shards)
        json_object_set_new(o, "shards", json_integer(td->n_shards));
    td_jset_str(o, "file", td->file);
    td_jset_str(o, "description_file", td->description_file);
    json_object_set_new(o, "format", json_string(td_format_name(td->format)));
    json_object_set_new(o, "compression", json_string(td_comp_name(td->compression)));
    char ch[2] = {td->csv_delimiter, 0};
    json_object_set_new(o, "delimiter", json_string(ch));
    ch[0] = td->csv_quote;
    json_object_set_new(o, "quote", json_string(ch));
    json_object_set_new(o, "header", json_boolean(td->csv_header));
    td_jset_str(o, "null", td->null_value);
    if (td->pattern_name)
        json_object_set_new(o, "pattern", json_string(td->pattern_name));
    else
        td_jset_str(o, "pattern", td->pattern);
    json_object_set_new(o, "on_error", json_string(td_policy_name(td->on_error)));
    td_jset_str(o, "dead_letter_stream", td->dead_letter_stream);
    td_jset_str(o, "time_zone", td->time_zone);
    td_jset_str(o, "event_time", td->event_time);
    td_jset_str(o, "watermark", td->watermark);
    td_jset_str(o, "idle_timeout", td->idle_timeout);
    td_jset_str(o, "view", td->view);
    if (td->view_rows)
        json_object_set_new(o, "view_rows", json_true());
    json_t *cols = json_array();
    for (uint32_t i = 0; i < td->n_cols; i++) {
        const TableColumn *c = &td->cols[i];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(c->name));
        json_object_set_new(j, "type", json_string(sql_type_info(c->type.id)->typname));
        if (c->type.typmod != -1)
            json_object_set_new(j, "typmod", json_integer(c->type.typmod));
        td_jset_str(j, "mapping", c->mapping);
        if (td->format == TABLE_FMT_JSON && c->has_mapping) {
            json_t *p = json_array();
            for (uint32_t k = 0; k < c->n_path; k++)
                json_array_append_new(p, json_string(c->path[k]));
            json_object_set_new(j, "path", p);
        }
        if (c->index >= 0)
            json_object_set_new(j, "index", json_integer(c->index));
        if (c->group >= 0 && c->has_mapping)
            json_object_set_new(j, "group", json_integer(c->group));
        if (c->group_name && c->has_mapping)
            json_object_set_new(j, "group_name", json_string(c->group_name));
        if (c->raw_start || c->raw_end >= 0) {
            json_object_set_new(j, "raw_start", json_integer(c->raw_start));
            json_object_set_new(j, "raw_end", json_integer(c->raw_end));
        }
        if (c->raw_width != TABLE_RAW_NONE)
            json_object_set_new(j, "raw_width", json_string(td_raw_width_name(c->raw_width)));
        td_jset_str(j, "time_format", c->time_format);
        if (c->is_hidden)
            json_object_set_new(j, "hidden", json_true());
        td_jset_str(j, "comment", c->comment);
        json_array_append_new(cols, j);
    }
    json_object_set_new(o, "columns", cols);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s)
        weir_panic("tabledef_to_json: out of memory");
    return s;
}

/* A string member, copied into td; *ok cleared when present but not a string. */
static const char *td_jcopy(TableDef *td, json_t *o, const char *key, int *ok)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        *ok = 0;
        return NULL;
    }
    return td_strdup(td, json_string_value(v));
}

static int td_jint(json_t *o, const char *key, long long lo, long long hi, long long dflt, int *ok)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return (int)dflt;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        *ok = 0;
        return (int)dflt;
    }
    return (int)json_integer_value(v);
}

int tabledef_from_json(const char *json, size_t len, TableDef **out, SqlError *err)
{
    *out = NULL;
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return sql_error_set(err, "22023", 0, "stored table definition is not a JSON object");
    }
    TableDef *td = td_new();
    int ok = 1;
    if (td_jint(o, "version", 1, TD_JSON_VERSION, 0, &ok) != TD_JSON_VERSION)
        ok = 0;
    td->name = td_jcopy(td, o, "name", &ok);
    td->schema = td_jcopy(td, o, "schema", &ok);
    td->stream = td_jcopy(td, o, "stream", &ok);
    td->n_shards = (uint32_t)td_jint(o, "shards", 1, 10000, 0, &ok);
    td->file = td_jcopy(td, o, "file", &ok);
    td->description_file = td_jcopy(td, o, "description_file", &ok);
    const char *s;
    SqlError scratch;
    memset(&scratch, 0, sizeof(scratch));
    if ((s = td_jstr(o, "format")) && td_table_option(td, "format", s, 0, &scratch))
        ok = 0;
    if ((s = td_jstr(o, "compression")) && td_table_option(td, "compression", s, 0, &scratch))
        ok = 0;
    if ((s = td_jstr(o, "delimiter")) && td_table_option(td, "delimiter", s, 0, &scratch))
        ok = 0;
    if ((s = td_jstr(o, "quote")) && td_table_option(td, "quote", s, 0, &scratch))
        ok = 0;
    td->csv_header = json_is_true(json_object_get(o, "header"));
    td->null_value = td_jcopy(td, o, "null", &ok);
    if ((s = td_jstr(o, "pattern")) && td_table_option(td, "pattern", s, 0, &scratch))
        ok = 0;
    if ((s = td_jstr(o, "on_error")) && td_table_option(td, "on_error", s, 0, &scratch))
        ok = 0;
    td->dead_letter_stream = td_jcopy(td, o, "dead_letter_stream", &ok);
    td->time_zone = td_jcopy(td, o, "time_zone", &ok);
    td->event_time = td_jcopy(td, o, "event_time", &ok);
    td->watermark = td_jcopy(td, o, "watermark", &ok);
    td->idle_timeout = td_jcopy(td, o, "idle_timeout", &ok);
    td->view = td_jcopy(td, o, "view", &ok);
    td->view_rows = td->view && json_is_true(json_object_get(o, "view_rows"));
    json_t *cols = json_object_get(o, "columns");
    if (!json_is_array(cols) || json_array_size(cols) > TD_MAX_COLS)
        ok = 0;
    for (size_t i = 0; ok && i < json_array_size(cols); i++) {
        json_t *j = json_array_get(cols, i);
        const char *name = td_jstr(j, "name"), *tn = td_jstr(j, "type");
        SqlTypeId id;
        if (!name || !tn || sql_type_from_name(tn, &id) != 0) {
            ok = 0;
            break;
        }
        TableColumn *c = td_col_add(td, name, (SqlType){id, td_jint(j, "typmod", -1, INT32_MAX, -1, &ok)});
        c->mapping = td_jcopy(td, j, "mapping", &ok);
        c->has_mapping = c->mapping != NULL;
        json_t *p = json_object_get(j, "path");
        if (p) {
            if (!json_is_array(p) || json_array_size(p) > 256) {
                ok = 0;
                break;
            }
            const char **segs = arena_alloc(td->arena, sizeof(char *) * (json_array_size(p) + 1));
            for (size_t k = 0; k < json_array_size(p); k++) {
                json_t *sj = json_array_get(p, k);
                if (!json_is_string(sj)) {
                    ok = 0;
                    break;
                }
                segs[k] = td_strdup(td, json_string_value(sj));
            }
            c->path = segs;
            c->n_path = (uint32_t)json_array_size(p);
        }
        c->index = td_jint(j, "index", 0, 65535, -1, &ok);
        c->group = td_jint(j, "group", 1, 65535, -1, &ok);
        c->group_name = td_jcopy(td, j, "group_name", &ok);
        c->raw_start = td_jint(j, "raw_start", 0, INT32_MAX, 0, &ok);
        c->raw_end = td_jint(j, "raw_end", -1, INT32_MAX, -1, &ok);
        if ((s = td_jstr(j, "raw_width")) && td_raw_width_parse(s, &c->raw_width))
            ok = 0;
        if ((s = td_jstr(j, "time_format")) && td_col_set_time_format(td, c, s, 0, &scratch))
            ok = 0;
        c->is_hidden = json_is_true(json_object_get(j, "hidden"));
        c->comment = td_jcopy(td, j, "comment", &ok);
    }
    json_decref(o);
    int rc = WEIR_OK;
    if (!ok)
        rc = sql_error_set(err, "22023", 0, "stored table definition is malformed%s%s",
                           scratch.message[0] ? ": " : "", scratch.message);
    else if (td_finish(td, err))
        rc = WEIR_ERROR;
    if (rc) {
        tabledef_destroy(&td);
        return WEIR_ERROR;
    }
    *out = td;
    return WEIR_OK;
}

/* =================================================================================== hidden columns */

static const struct {
    const char *name;
    SqlTypeId type;
} td_hidden[TABLE_HID_N] = {
    [TABLE_HID_SHARD_ID] = {"_shard_id", SQL_TEXT},
    [TABLE_HID_SEQUENCE_NUMBER] = {"_sequence_number", SQL_TEXT},
    [TABLE_HID_PARTITION_KEY] = {"_partition_key", SQL_TEXT},
    [TABLE_HID_ARRIVAL_TIME] = {"_arrival_time", SQL_TIMESTAMPTZ},
    [TABLE_HID_MESSAGE] = {"_message", SQL_TEXT},
    [TABLE_HID_MESSAGE_VALID] = {"_message_valid", SQL_BOOL},
    [TABLE_HID_MESSAGE_LENGTH] = {"_message_length", SQL_INT8},
};

int tabledef_hidden_find(const char *name)
{
    for (int i = 0; i < TABLE_HID_N; i++)
        if (strcmp(td_hidden[i].name, name) == 0)
            return i;
    /* The names Presto/Trino users already have in their queries. */
    if (strcmp(name, "_shard_sequence_id") == 0)
        return TABLE_HID_SEQUENCE_NUMBER;
    if (strcmp(name, "_message_timestamp") == 0)
        return TABLE_HID_ARRIVAL_TIME;
    return -1;
}

static int td_is_hidden_name(const char *name)
{
    return tabledef_hidden_find(name) >= 0;
}

const char *tabledef_hidden_name(TableHidden h)
{
    return (unsigned)h < TABLE_HID_N ? td_hidden[h].name : "?";
}

SqlType tabledef_hidden_type(TableHidden h)
{
    return SQL_TYPE((unsigned)h < TABLE_HID_N ? td_hidden[h].type : SQL_UNKNOWN);
}
