/*
 * typeio.h: converting SQL values to and from text and PostgreSQL's binary wire form, exactly as
 * PostgreSQL 15 does, plus the time formats of stream decoders.
 *
 * Text output follows the session's settings (SqlFormatOpts): DateStyle (ISO, MDY default), IntervalStyle
 * (postgres default), TimeZone (for timestamptz), extra_float_digits (1 default: shortest exact output,
 * as PostgreSQL 12+; 0 or less: %.15g-style rounding as PostgreSQL with extra_float_digits <= 0).
 * Text input accepts what PostgreSQL's input functions accept for the type (int4in, float8in,
 * numeric_in, date_in, timestamptz_in with its many formats, interval_in with both the postgres and ISO
 * 8601 forms, boolin's t/true/yes/on/1..., byteain hex and escape forms, json/jsonb validation).
 *
 * Errors carry PostgreSQL's SQLSTATE and message text, e.g. 22P02 'invalid input syntax for type
 * integer: "abc"', 22003 'value "99999999999" is out of range for type integer', 22008 'date/time field
 * value out of range: ...', 22007 'invalid input syntax for type timestamp: ...'.
 *
 * Memory: outputs are appended to a Buf; inputs that produce strings (text, json, bytea) write the
 * bytes into the Arena given and point the value's Slice at them.
 */
#ifndef WEIR_SQL_TYPEIO_H
#define WEIR_SQL_TYPEIO_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sql/types.h"
#include "sql/tz.h"

typedef struct SqlError SqlError; /* exec/engine.h; typeio only fills it through sql_error_set */

enum { SQL_DATESTYLE_ISO = 0, SQL_DATESTYLE_SQL, SQL_DATESTYLE_POSTGRES, SQL_DATESTYLE_GERMAN };
enum { SQL_DATEORDER_MDY = 0, SQL_DATEORDER_DMY, SQL_DATEORDER_YMD };
enum { SQL_INTERVALSTYLE_POSTGRES = 0, SQL_INTERVALSTYLE_POSTGRES_VERBOSE, SQL_INTERVALSTYLE_SQL_STANDARD,
       SQL_INTERVALSTYLE_ISO_8601 };

/* Names of catalog objects for the reg* types (regclass, regtype, regproc, regnamespace, regrole): their
 * text input takes a name and their text output prints one, which only the catalog knows; with them the
 * few other session facts the catalog functions need (object comments, settings). A session sets
 * SqlFormatOpts.reg to exec/syscat.c's resolver; without one (NULL) reg* values read and print as
 * numbers only, and those functions find nothing. Every call receives SqlFormatOpts.reg_arg. */
typedef struct SqlRegNames {
    /* The oid of the object called p[0..n) (as written: optionally qualified, quoted or not) as reg type
     * id. Returns WEIR_OK with *oid, or WEIR_ERROR with err (42P01, 42704, 42883, 42602, ... as PostgreSQL). */
    int (*lookup)(const void *arg, SqlTypeId id, const char *p, size_t n, uint32_t *oid, SqlError *err);
    /* The name oid (nonzero) prints as for reg type id, NUL-terminated in out[0..cap). Returns its
     * length, or -1 when nothing has that oid (the number is printed then, as PostgreSQL does). */
    int (*name)(const void *arg, SqlTypeId id, uint32_t oid, char *out, size_t cap);
    /* The description (comment) of object objoid of catalog classoid (column objsubid, 0 for the object
     * itself), as obj_description/col_description return it, NUL-terminated in out[0..cap) (cut to fit).
     * Returns its length, or -1 when there is none (the functions return NULL). */
    int (*describe)(const void *arg, uint32_t objoid, uint32_t classoid, int32_t objsubid, char *out, size_t cap);
    /* The session's value of setting name (current_setting()), or NULL when there is no such setting.
     * Borrowed: valid until the setting changes. */
    const char *(*setting)(const void *arg, const char *name);
} SqlRegNames;

typedef struct SqlFormatOpts {
    int date_style;         /* SQL_DATESTYLE_* */
    int date_order;         /* SQL_DATEORDER_* (input ambiguity and SQL/POSTGRES output) */
    int interval_style;     /* SQL_INTERVALSTYLE_* */
    int extra_float_digits; /* -15 .. 3 */
    const SqlTz *tz;        /* session TimeZone; never NULL (UTC by default) */
    const SqlRegNames *reg; /* reg* names (see above), or NULL */
    const void *reg_arg;
} SqlFormatOpts;

/* The defaults of a fresh PostgreSQL session with TimeZone 'UTC'. */
void sql_format_opts_default(SqlFormatOpts *o);

/* Append v's text form (nothing for NULL: callers handle NULL themselves). */
int sql_value_to_text(const SqlValue *v, const SqlFormatOpts *o, Buf *out) WEIR_WARN_UNUSED;

/* Append v's binary send form (int4send, float8send, numeric_send, timestamp_send, ...). */
int sql_value_to_binary(const SqlValue *v, Buf *out) WEIR_WARN_UNUSED;

/* Parse text p[0..n) as type t (with t.typmod applied: varchar(n) length check, numeric(p,s) rounding,
 * timestamp(p) rounding). Returns WEIR_OK, or WEIR_ERROR with err filled (position 0). */
int sql_value_from_text(SqlType t, const char *p, size_t n, const SqlFormatOpts *o, Arena *a, SqlValue *out,
                        SqlError *err) WEIR_WARN_UNUSED;

/* Parse PostgreSQL's binary form of type t (the extended protocol's binary parameters). 08P01 on a
 * malformed value (wrong length). */
int sql_value_from_binary(SqlType t, const uint8_t *p, size_t n, Arena *a, SqlValue *out,
                          SqlError *err) WEIR_WARN_UNUSED;

/* Cast v to type t as PostgreSQL's CAST does (explicit: int -> text, text -> date, numeric -> int with
 * rounding, float -> int with rounding and range check, timestamptz -> date in the session zone, ...).
 * Returns WEIR_OK, or WEIR_ERROR with err (22P02, 22003, 42846 "cannot cast type x to y"). */
int sql_value_cast(const SqlValue *v, SqlType t, const SqlFormatOpts *o, Arena *a, SqlValue *out,
                   SqlError *err) WEIR_WARN_UNUSED;

/* The value of hex digit c (0-9, a-f, A-F), or -1. */
static inline int sql_hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* byteain's escape format, which decode(text, 'escape') reads too: "\\" is a backslash, "\ooo" (first
 * digit 0-3) an octal byte, any other byte itself. Writes at most n bytes to d and sets *out_n. WEIR_OK,
 * or WEIR_ERROR with err (22P02 'invalid input syntax for type bytea' for any other backslash). */
int sql_bytea_unescape(const uint8_t *p, size_t n, uint8_t *d, size_t *out_n, SqlError *err) WEIR_WARN_UNUSED;

/* --- time formats of stream decoders (issue 3: "<column>.format") ----------------------------- */

enum {
    SQL_TIMEFMT_AUTO = 0,     /* whatever timestamptz_in accepts */
    SQL_TIMEFMT_ISO8601,      /* 2024-05-01T12:00:00Z, with optional fraction and offset */
    SQL_TIMEFMT_RFC2822,      /* Wed, 01 May 2024 12:00:00 +0000 */
    SQL_TIMEFMT_EPOCH_SECONDS, /* 1714564800 or 1714564800.123 (a JSON number or a string) */
    SQL_TIMEFMT_EPOCH_MILLIS, /* 1714564800123 */
    SQL_TIMEFMT_PATTERN,      /* strftime-style: %Y-%m-%d %H:%M:%S, %d/%b/%Y:%H:%M:%S %z (Apache logs) */
};
typedef struct SqlTimeFormat {
    int kind;            /* SQL_TIMEFMT_* */
    const char *pattern; /* for SQL_TIMEFMT_PATTERN; borrowed */
} SqlTimeFormat;

/* Parse a format option value ("iso8601", "rfc2822", "seconds"/"epoch", "milliseconds"/"millis",
 * anything containing '%' as a pattern). Returns 0, or -1 if it names no format. */
int sql_time_format_parse(const char *s, SqlTimeFormat *out);

/* Parse text p[0..n) in format f to microseconds since 2000-01-01 UTC (zone-less text is read in tz).
 * Returns 0, or -1 when the text does not match (the decoder then applies the table's policy). */
int sql_time_parse(const SqlTimeFormat *f, const char *p, size_t n, const SqlTz *tz, int64_t *out_usec);

#endif
