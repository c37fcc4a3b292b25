/*
 * parquet.h: weir's Parquet writer (issue 5): PAR1 files that DuckDB, Spark, Trino, Athena, hyparquet
 * and Iceberg readers read, written without a Parquet library (none is packaged for C).
 *
 * A writer is created over a column schema (name, SqlType, nullable, field_id) and fed rows, either a
 * Batch at a time (exec/vec.h) or one row of SqlValues at a time. It buffers one row group in memory
 * (encoded pages per column) and appends each finished row group to the caller's Buf; finish appends
 * the footer (FileMetaData, Thrift compact) and returns what Iceberg's manifests need per column.
 * The file bytes go where the caller puts them (objstore_put, a temporary file for COPY TO); the writer
 * never touches the filesystem.
 *
 * Streaming: the writer only ever appends to out and counts file offsets itself, so a caller may write
 * out's bytes away and buf_reset(out) between calls (COPY TO does this to keep memory at one row group).
 *
 * Type mapping (docs/parquet.md has the full table and the reasons):
 *   bool BOOLEAN; int2/int4 INT32 (INT(16/32)); int8, oid, reg* INT64; float4 FLOAT; float8 DOUBLE;
 *   numeric(p,s) FIXED_LEN_BYTE_ARRAY DECIMAL(p,s) (minimum bytes for p); numeric without a typmod DOUBLE;
 *   text/varchar/bpchar/name/"char"/unknown BYTE_ARRAY STRING; json/jsonb BYTE_ARRAY JSON; bytea
 *   BYTE_ARRAY; date INT32 DATE; time INT64 TIME(MICROS, not UTC); timestamp INT64 TIMESTAMP(MICROS,
 *   isAdjustedToUTC=false); timestamptz INT64 TIMESTAMP(MICROS, isAdjustedToUTC=true); interval, arrays,
 *   int2vector/oidvector BYTE_ARRAY STRING holding PostgreSQL's text output. void/record are refused.
 *
 * Errors are sticky: after any failure the writer refuses every call but destroy.
 */
#ifndef WEIR_SINK_PARQUET_H
#define WEIR_SINK_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "exec/vec.h"
#include "sql/types.h"

typedef struct ParquetWriter ParquetWriter;

/* Parquet's CompressionCodec numbers. */
typedef enum ParquetCodec {
    PARQUET_CODEC_NONE = 0,
    PARQUET_CODEC_SNAPPY = 1,
    PARQUET_CODEC_GZIP = 2,
    PARQUET_CODEC_ZSTD = 6,
} ParquetCodec;

/* "none"/"uncompressed", "snappy", "gzip", "zstd" (case-insensitive, DuckDB's and Firehose's spellings).
 * Returns 0, or -1 for an unknown name. */
int parquet_codec_from_name(const char *name, ParquetCodec *out);
const char *parquet_codec_name(ParquetCodec c); /* "none", "snappy", "gzip", "zstd" */

/* One column. name and the strings are copied by parquet_writer_create. */
typedef struct ParquetColumn {
    const char *name;
    SqlType type;
    int is_nullable;  /* 0: REQUIRED (a NULL fed to it is an error), else OPTIONAL */
    int32_t field_id; /* the Iceberg column id; <= 0: the column's position + 1 (every column has one) */
} ParquetColumn;

typedef struct ParquetKeyValue {
    const char *key;
    const char *value;
} ParquetKeyValue;

/* Zero-initialised options are valid and mean the defaults below (parquet_options_init sets them too). */
typedef struct ParquetOptions {
    ParquetCodec codec;        /* default NONE; COPY and Firehose pick SNAPPY */
    int codec_level;           /* 0: the codec's default level */
    int no_dictionary;         /* 1: PLAIN only; default: dictionary encoding for strings and integers */
    size_t dictionary_bytes;   /* a column chunk's dictionary past this falls back to PLAIN; 0: 1 MiB */
    size_t page_bytes;         /* a data page is cut at about this many (uncompressed) bytes; 0: 1 MiB */
    size_t row_group_bytes;    /* a row group is flushed at about this many encoded bytes; 0: 128 MiB */
    uint64_t row_group_rows;   /* ... or at this many rows, whichever first; 0: no row limit */
    const ParquetKeyValue *kv; /* key/value metadata for the footer (copied) */
    size_t n_kv;
    const char *created_by; /* NULL: "weir version <version>" */
} ParquetOptions;

void parquet_options_init(ParquetOptions *o);

/* What the file holds of one column, for Iceberg's data_file (value_counts, null_value_counts,
 * column_sizes, lower_bounds, upper_bounds). Bounds are Iceberg single-value serialisations: 1 byte
 * bool; 4-byte LE int/date/float; 8-byte LE long/double/time/timestamp(tz) micros since 1970; UTF-8 for
 * strings (truncated to 16 code points as Iceberg's default truncate(16) metrics mode does, the upper
 * bound then incremented; no upper bound when that is impossible); raw bytes for binary (same rule, 16
 * bytes); decimal: the unscaled value as big-endian two's complement in the minimum bytes. NaN is never a
 * bound; a column of only NULLs (or only NaN) has none. JSON, interval and array columns (stored as
 * text) have no bounds. */
typedef struct ParquetColumnResult {
    uint64_t value_count; /* values including NULLs (= record count for flat columns) */
    uint64_t null_count;
    uint64_t nan_count;       /* float columns */
    uint64_t compressed_size; /* bytes of the column's chunks in the file, page headers included */
    uint64_t uncompressed_size;
    int has_lower, has_upper;
    Slice lower, upper; /* valid until parquet_writer_destroy */
} ParquetColumnResult;

typedef struct ParquetResult {
    uint64_t record_count;
    uint64_t file_size; /* bytes written through out, footer included */
    uint32_t n_row_groups;
    uint32_t n_cols;
    const ParquetColumnResult *cols; /* n_cols, valid until parquet_writer_destroy */
} ParquetResult;

/* How a SqlType is stored, for Iceberg's schema (iceberg.c maps these to boolean/int/long/float/double/
 * decimal(p,s)/date/time/timestamp/timestamptz/string/binary). */
typedef enum ParquetForm {
    PARQUET_FORM_BOOL,
    PARQUET_FORM_INT32,
    PARQUET_FORM_INT64,
    PARQUET_FORM_FLOAT,
    PARQUET_FORM_DOUBLE,
    PARQUET_FORM_DECIMAL, /* precision/scale set */
    PARQUET_FORM_DATE,
    PARQUET_FORM_TIME,      /* micros */
    PARQUET_FORM_TIMESTAMP, /* micros, not adjusted to UTC */
    PARQUET_FORM_TIMESTAMPTZ,
    PARQUET_FORM_STRING, /* UTF-8 text (including interval and arrays as text) */
    PARQUET_FORM_JSON,   /* JSON text (Iceberg: string) */
    PARQUET_FORM_BINARY,
} ParquetForm;

/* The form a column of type t takes; returns 0, or -1 (with e set) for a type the writer refuses. */
int parquet_type_form(SqlType t, ParquetForm *form, int *precision, int *scale, Err *e) WEIR_WARN_UNUSED;

/* A writer over n_cols columns appending to out (which the caller owns and keeps alive until finish).
 * opt NULL: defaults. Fails (WEIR_EINVAL) on a refused type or an empty schema. */
int parquet_writer_create(const ParquetColumn *cols, uint32_t n_cols, const ParquetOptions *opt, Buf *out,
                          ParquetWriter **w, Err *e) WEIR_WARN_UNUSED;
/* Rows 0..b->n of b; b->n_cols must be the writer's and each Vec's type of the column's physical class. */
int parquet_writer_write_batch(ParquetWriter *w, const Batch *b, Err *e) WEIR_WARN_UNUSED;
/* One row: vals[0..n_cols). Values are copied (strings too). */
int parquet_writer_write_row(ParquetWriter *w, const SqlValue *vals, Err *e) WEIR_WARN_UNUSED;
/* Flush the buffered rows as a row group now (no-op when none are buffered). */
int parquet_writer_flush(ParquetWriter *w, Err *e) WEIR_WARN_UNUSED;
/* Rows written so far, and the file's size if finished now (bytes out + buffered encoded bytes, an
 * estimate before compression): the delivery buffers size their objects by it. */
uint64_t parquet_writer_rows(const ParquetWriter *w);
uint64_t parquet_writer_size_estimate(const ParquetWriter *w);
/* Flush the last row group, append the footer, fill *res. After finish only destroy is allowed. */
int parquet_writer_finish(ParquetWriter *w, ParquetResult *res, Err *e) WEIR_WARN_UNUSED;
void parquet_writer_destroy(ParquetWriter **w);

#endif
