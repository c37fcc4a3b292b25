/*
 * tabledef.h: the definition of a table over a stream or a reference file (issue 3, "Tables on streams"):
 * its columns with their types and how each is found in a record (JSON path, CSV position, regex group,
 * raw byte range, time format), where the records come from (a stream, or a static CSV / JSON lines
 * file), the record format and its options, the policy for records that do not decode, and the
 * event-time options a later issue uses.
 *
 * Three ways in, one way out:
 *   tabledef_build          CREATE TABLE name (cols) WITH (key = 'value', ...): the binder hands over the
 *                           column names and types and the option key/value strings as written
 *   tabledef_load_trino     a Presto/Trino Kinesis connector table description file (JSON)
 *   tabledef_load_dir       every *.json in a directory (weir server --table-descriptions DIR)
 *   tabledef_to_json / tabledef_from_json   the catalog's stored form (round-trips exactly)
 * The decoders that turn records into column vectors with a TableDef live in exec/decode.h.
 *
 * What this module does not do: it does not look at streams (whether the stream exists, creating it
 * with `shards`, writing dead letters is the engine's job) and does not read reference files (decode.h
 * splits their bytes into records). It never opens anything except description files.
 *
 * Memory: a TableDef and everything it points to live in the TableDef's own arena; the struct is
 * read-only after it is returned. Free with tabledef_destroy. A TableDef is immutable, so any number
 * of threads may read it at once.
 *
 * Errors are SqlError (exec/engine.h) with PostgreSQL's SQLSTATEs: 22023 invalid_parameter_value
 * (unknown option, bad value, contradictory options: what PostgreSQL reports for a bad reloption),
 * 42601 syntax_error (a JSON path that does not parse), 2201B invalid_regular_expression, 42703
 * undefined_column (an option names a column the table does not have), 42701 duplicate_column (two
 * columns of one name, or a column named like a hidden column), 0A000 feature_not_supported (a Trino
 * type or decoder weir does not have), 58P01 undefined_file / 58030 io_error (description files). The
 * position is the one the binder passed with the offending option or column (0 when none).
 */
#ifndef WEIR_SQL_TABLEDEF_H
#define WEIR_SQL_TABLEDEF_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "sql/typeio.h"
#include "sql/types.h"

/* Record formats (WITH format = '...'). */
typedef enum TableFormat {
    TABLE_FMT_JSON = 0, /* one JSON object per record; columns by path */
    TABLE_FMT_CSV,      /* one delimited line per record (RFC 4180 quoting); columns by position */
    TABLE_FMT_RAW,      /* the payload itself (text/bytea), or byte ranges as Trino's raw decoder */
    TABLE_FMT_REGEX,    /* a PCRE2 pattern; columns are capture groups (by number or name) */
} TableFormat;

/* What happens to a record with a field that does not decode (WITH on_error = '...'). */
typedef enum TablePolicy {
    TABLE_ON_ERROR_NULL = 0,    /* the bad fields become NULL, _message_valid is false (default) */
    TABLE_ON_ERROR_SKIP,        /* the record is left out of the result and counted */
    TABLE_ON_ERROR_FAIL,        /* the query fails (SQLSTATE 22P02, with the sequence number) */
    TABLE_ON_ERROR_DEAD_LETTER, /* left out, counted, and handed back to be written to dead_letter_stream */
} TablePolicy;

/* Payload compression (WITH compression = '...', Trino's message.compressionCodec). */
typedef enum TableCompression {
    TABLE_COMP_NONE = 0, /* "none" / UNCOMPRESSED */
    TABLE_COMP_GZIP,     /* every payload is gzip */
    TABLE_COMP_AUTO,     /* gzip when the payload starts with the gzip magic bytes (Trino AUTOMATIC) */
} TableCompression;

/* Raw decoder field widths (Trino raw dataFormat); NONE = the bytes as text/bytea. */
typedef enum TableRawWidth {
    TABLE_RAW_NONE = 0,
    TABLE_RAW_BYTE,   /* signed 8-bit */
    TABLE_RAW_SHORT,  /* signed 16-bit, big-endian */
    TABLE_RAW_INT,    /* signed 32-bit, big-endian */
    TABLE_RAW_LONG,   /* signed 64-bit, big-endian */
    TABLE_RAW_FLOAT,  /* IEEE 754 binary32, big-endian */
    TABLE_RAW_DOUBLE, /* IEEE 754 binary64, big-endian */
} TableRawWidth;

/* One data column and how to find it in a record. Fields that do not apply to the table's format keep
 * their defaults (NULL / -1 / 0). */
typedef struct TableColumn {
    const char *name;    /* as the binder gave it (lower case unless quoted) */
    SqlType type;
    uint8_t has_mapping; /* an explicit path / index / group / range was given */
    uint8_t is_hidden;   /* left out of SELECT * and \d (Trino "hidden": true); still selectable */
    const char *mapping; /* the mapping as written ("a/b/0", "$.a.b", "2", "time", "0:4"); NULL if none */
    /* json: path segments from the root; each is an object key, and also an array index when it is a
     * decimal number. Without a mapping: one segment, the column name, matched ignoring ASCII case. */
    const char *const *path;
    uint32_t n_path;
    int32_t index;          /* csv: 0-based field position; -1: by header name or by column order */
    int32_t group;          /* regex: capture group number (1-based); -1: by name */
    const char *group_name; /* regex: named capture group, or NULL */
    int32_t raw_start;      /* raw: first byte (0 default) */
    int32_t raw_end;        /* raw: one past the last byte, -1 = to the end of the payload */
    TableRawWidth raw_width;
    /* Time format for date/time columns: text as given (NULL: the type's default input rules) and its
     * parsed form (pattern borrowed from the TableDef). Trino custom-date-time Joda patterns are stored
     * here already translated to strftime style. */
    const char *time_format;
    SqlTimeFormat time_fmt;
    const char *comment; /* Trino "comment", or NULL */
} TableColumn;

typedef struct TableDef {
    Arena *arena;       /* owns everything below */
    const char *name;   /* table name */
    const char *schema; /* Trino schemaName, or NULL */
    /* Source: exactly one of stream / file is non-NULL. */
    const char *stream; /* stream name (default: the table name) */
    uint32_t n_shards;  /* shards = N: create the stream with N shards if it is missing; 0 = must exist */
    const char *file;   /* file = '...': a static reference table (one record per line) */
    const char *description_file; /* the Trino file this definition came from, or NULL */
    TableFormat format;
    TableCompression compression;
    /* csv */
    char csv_delimiter; /* ',' */
    char csv_quote;     /* '"'; 0 = no quoting */
    uint8_t csv_header; /* files only: the first line names the columns and is not a row */
    /* csv and regex: a field equal to this is NULL (NULL pointer: none; csv also treats an unquoted
     * empty field as NULL, as COPY ... CSV does). */
    const char *null_value;
    /* regex: the PCRE2 source (a ready pattern already expanded) and the ready pattern's name */
    const char *pattern;
    const char *pattern_name; /* "apache_common", "apache_combined", or NULL */
    TablePolicy on_error;
    const char *dead_letter_stream; /* TABLE_ON_ERROR_DEAD_LETTER only */
    const char *time_zone;          /* zone-less times are read in this zone ("UTC") */
    /* Event time (issue 4), as written: the event-time column, the watermark delay and the idle-shard
     * timeout (interval literals: option watermark_delay, also spelled watermark). NULL when not given. */
    const char *event_time;
    const char *watermark;
    const char *idle_timeout;
    /* The same, resolved when the definition is built or loaded (what the stream runtime reads):
     * event_time_col is the data column holding event time, -1 when none is named or it is _arrival_time
     * (arrival time is then the event time); watermark_delay_us is how far the watermark stays behind the
     * largest event time seen (0 when not given); idle_timeout_us is how long a shard may stay silent
     * before it stops holding the watermark back (0: a shard never counts as idle). Both are >= 0:
     * PostgreSQL intervals without months or years, days counted as 24 hours. */
    int32_t event_time_col;
    int64_t watermark_delay_us;
    int64_t idle_timeout_us;
    /* The table of a materialized view (stream/cq.c registers it; not a CREATE TABLE option): view names
     * the view (NULL for every other table). With view_rows set, a scan shows the view's current rows,
     * which the continuous-query runtime keeps (SqlViewHooks.rows in exec/engine.h), not the records of
     * `stream` (the view's output stream, a changelog); without it the table reads that stream. */
    const char *view;
    uint8_t view_rows;
    TableColumn *cols;
    uint32_t n_cols;
} TableDef;

/* A column of CREATE TABLE as the binder resolved it. position: 1-based offset in the query text for
 * errors (0: none). */
typedef struct TableColumnSpec {
    const char *name;
    SqlType type;
    int position;
} TableColumnSpec;

/* One WITH (key = value) option. key is "name" or "column.name" (PostgreSQL's reloption namespace:
 * `user_id.path = 'a/b'` arrives as defnamespace "user_id", defname "path"; join them with a '.').
 * value is the option's text ("4" for shards = 4, "true" for header = true). */
typedef struct TableOption {
    const char *key;
    const char *value;
    int position;
} TableOption;

/* Build a definition from CREATE TABLE. Table options (keys are ASCII case-insensitive):
 *   stream, shards, file, description_file, format, compression, delimiter, quote, header, null,
 *   pattern, on_error, dead_letter_stream, time_zone, event_time, watermark_delay (or watermark),
 *   idle_timeout
 * and per column ("<column>.<key>"): path (json), index (csv), group (regex), range (raw), mapping (any
 * format, Trino style), format (time format; raw: BYTE/SHORT/INT/LONG/FLOAT/DOUBLE), hidden, comment.
 * With description_file the column list must be empty: the columns come from the file, and the other
 * options then apply on top of it. Returns WEIR_OK with *out (caller owns; free with tabledef_destroy),
 * or WEIR_ERROR with err filled. */
int tabledef_build(const char *name,               /* table name */
                   const TableColumnSpec *cols,    /* data columns in declaration order */
                   size_t n_cols,
                   const TableOption *opts,        /* WITH options in the order written */
                   size_t n_opts,
                   TableDef **out,
                   SqlError *err) WEIR_WARN_UNUSED;

/* Free a definition; *td becomes NULL. NULL is a no-op. */
void tabledef_destroy(TableDef **td);

/* Index of the data column called name (exact match), or -1. */
int tabledef_column_find(const TableDef *td, const char *name);

/* The catalog form: one JSON object (UTF-8, no trailing newline). Caller frees with free(). */
char *tabledef_to_json(const TableDef *td);

/* Parse the catalog form. Returns WEIR_OK with *out (caller owns), or WEIR_ERROR (22023) when the text
 * is not a definition this version wrote. */
int tabledef_from_json(const char *json, size_t len, TableDef **out, SqlError *err) WEIR_WARN_UNUSED;

/* A Presto/Trino Kinesis table description (tableName, schemaName, streamName, message {dataFormat,
 * compressionCodec, fields [{name, type, mapping, dataFormat, formatHint, hidden, comment}]}) as JSON
 * text. Table and column names are folded to lower case as Trino does. what names the source in error
 * messages (a file name). Returns WEIR_OK with *out, or WEIR_ERROR. */
int tabledef_parse_trino(const char *json, size_t len, const char *what, TableDef **out,
                         SqlError *err) WEIR_WARN_UNUSED;

/* tabledef_parse_trino on the contents of a file; description_file is set to path. */
int tabledef_load_trino(const char *path, TableDef **out, SqlError *err) WEIR_WARN_UNUSED;

/* Every *.json file of dir (in name order) through tabledef_load_trino. Two files defining one table
 * name is an error. Returns WEIR_OK with *out, an array of *n definitions (free with
 * tabledef_array_free), or WEIR_ERROR naming the first bad file (nothing is returned then). */
int tabledef_load_dir(const char *dir, TableDef ***out, size_t *n, SqlError *err) WEIR_WARN_UNUSED;
void tabledef_array_free(TableDef ***defs, size_t n);

/* --- hidden columns every table has ---------------------------------------------------------------- */

typedef enum TableHidden {
    TABLE_HID_SHARD_ID = 0,     /* text: "shardId-000000000000" */
    TABLE_HID_SEQUENCE_NUMBER,  /* text: the record's sequence number as AWS prints it */
    TABLE_HID_PARTITION_KEY,    /* text */
    TABLE_HID_ARRIVAL_TIME,     /* timestamptz: approximate arrival time */
    TABLE_HID_MESSAGE,          /* text: the payload (after decompression) */
    TABLE_HID_MESSAGE_VALID,    /* boolean: every field decoded */
    TABLE_HID_MESSAGE_LENGTH,   /* bigint: payload bytes */
    TABLE_HID_N
} TableHidden;

/* The hidden column called name (also Trino's aliases _shard_sequence_id and _message_timestamp), or
 * -1. */
int tabledef_hidden_find(const char *name);

/* Canonical name and type of a hidden column. */
const char *tabledef_hidden_name(TableHidden h);
SqlType tabledef_hidden_type(TableHidden h);

/* --- helpers shared with the decoders ------------------------------------------------------------ */

/* Parse a JSON path as `<column>.path` accepts it: "a/b/0" (Trino: slash-separated, empty segments
 * ignored), "$.a.b[0]" / "$['a.b']" (JSONPath subset), or "a.b" (dots). Segments are allocated in a.
 * Returns WEIR_OK, or WEIR_ERROR with a 42601 error. */
int tabledef_path_parse(const char *text, Arena *a, const char *const **segs, uint32_t *n_segs,
                        SqlError *err) WEIR_WARN_UNUSED;

/* PostgreSQL's boolin on p[0..n): t/true/y/yes/on/1, f/false/n/no/off/0 and unambiguous prefixes, any
 * case, surrounding whitespace ignored. Returns 1, 0, or -1 when it is not a boolean. */
int tabledef_bool_parse(const char *p, size_t n);

/* The ready regex patterns by name ("apache_common", "apache_combined"), or NULL. */
const char *tabledef_ready_pattern(const char *name);

#endif
