/*
 * iceberg.h: append-only Apache Iceberg v2 tables in a local directory (issue 5; sinks.md section 4).
 *
 * A table is a directory (its location):
 *   <dir>/data/...                                  Parquet data files (written by the caller: parquet.h)
 *   <dir>/metadata/<uuid>-m0.avro                   one manifest per commit (avro.h writes it)
 *   <dir>/metadata/snap-<id>-1-<uuid>.avro          one manifest list per snapshot
 *   <dir>/metadata/v<N>.metadata.json               table metadata, one file per version
 *   <dir>/metadata/version-hint.text                "N", for readers without a catalog
 * The schema is a list of columns with Iceberg field ids 1..n in order; the table is unpartitioned and
 * unsorted (partition spec 0 and sort order 0 without fields). Paths inside the metadata are absolute
 * URIs under the location ("file:///abs/dir/..." unless the caller names another location).
 *
 * One commit = one new snapshot (operation "append") whose manifest list holds the previous snapshot's
 * manifests plus one new manifest listing the appended data files. A commit is atomic: the new
 * metadata file is written under a temporary name, fsynced, and link()ed to v<N+1>.metadata.json,
 * which fails when another writer got there first; then the commit reloads the newest metadata and
 * retries on top of it. A crash leaves either the old version or the new one current; files of a
 * commit that never got its metadata linked are orphans no reader sees.
 *
 * Not done here: writing Parquet (parquet.h), object stores other than a local directory (a commit needs
 * link()), deletes, schema evolution, partitioning. Type mapping (iceberg_type_name):
 *   bool -> boolean, int2/int4 -> int, int8/oid/reg* -> long, float4 -> float, float8 -> double,
 *   numeric(p,s) -> decimal(p,s) (0 <= s <= p <= 38; other numerics, and numeric without a typmod,
 *   -> double: iceberg_type_name derives the type from parquet_type_form, so the two always agree),
 *   text/varchar/bpchar/name/char/json/jsonb -> string, bytea -> binary, date -> date, time -> time,
 *   timestamp -> timestamp, timestamptz -> timestamptz (all microseconds); interval, arrays and the
 *   vector types -> string (their PostgreSQL text, as parquet.h writes them). void and record have no
 *   Iceberg type: opening a table with one fails (WEIR_EINVAL).
 *
 * Threads: an IcebergTable is used by one thread at a time; several processes or tables may commit to
 * one directory concurrently (the link race decides). Errors: WEIR_ENOTFOUND (no table and no schema to
 * create one), WEIR_EINVAL (bad columns, a schema that differs from the table's), WEIR_ECORRUPT
 * (metadata or Avro that does not parse), WEIR_EIO / WEIR_ELIMIT (filesystem, full disk), WEIR_EBUSY
 * (lost the commit race too many times).
 */
#ifndef WEIR_SINK_ICEBERG_H
#define WEIR_SINK_ICEBERG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "sql/tabledef.h"
#include "sql/types.h"

/* How many times a commit reloads and retries after losing the link race before WEIR_EBUSY. */
#define ICEBERG_COMMIT_RETRIES 20

typedef struct IcebergTable IcebergTable;

/* A column of the table's schema; its field id is its 1-based position. */
typedef struct IcebergColumn {
    const char *name;
    SqlType type;
    uint8_t is_nullable; /* 0: "required": true in the schema */
} IcebergColumn;

/* Per-column statistics of one data file (parquet.h's writer results), in schema order. Counts of -1
 * and bounds with p == NULL are unknown and left out of the manifest. Bounds are Iceberg single-value
 * serialisations (little-endian 4/8 bytes, UTF-8, 1 byte for bool, big-endian unscaled decimals). */
typedef struct IcebergColumnStats {
    int64_t value_count; /* values including nulls (value_counts, 109) */
    int64_t null_count;  /* null_value_counts (110) */
    int64_t column_size; /* bytes on disk, compressed (column_sizes, 108) */
    Slice lower;         /* lower_bounds (125) */
    Slice upper;         /* upper_bounds (128) */
} IcebergColumnStats;

/* A Parquet data file to add. The caller wrote it (durably) before calling iceberg_table_append. */
typedef struct IcebergDataFile {
    const char *path;               /* relative to the table directory: "data/00000-...-.parquet" */
    uint64_t size;                  /* file_size_in_bytes */
    int64_t record_count;           /* rows in the file */
    const IcebergColumnStats *cols; /* n_cols entries, entry i for field id i+1; NULL: no stats */
    uint32_t n_cols;
} IcebergDataFile;

/* The statistics parquet_writer_finish reported (parquet.h), as a data file carries them: out needs
 * res->n_cols entries, in column order. Bounds borrow res's bytes (valid until parquet_writer_destroy). */
struct ParquetResult;
void iceberg_stats_from_parquet(const struct ParquetResult *res, IcebergColumnStats *out);

/* A string pair of a snapshot summary or of table properties. */
typedef struct IcebergProp {
    const char *key;
    const char *value;
} IcebergProp;

/* One snapshot as the metadata records it. Strings are borrowed from the table (valid until its next
 * append, refresh or close). */
typedef struct IcebergSnapshot {
    int64_t snapshot_id;
    int64_t parent_id; /* -1: the first snapshot */
    int64_t sequence_number;
    int64_t timestamp_ms; /* Unix milliseconds */
    int32_t schema_id;
    const char *manifest_list; /* absolute URI, as written */
    const char *operation;     /* "append" */
    const IcebergProp *summary; /* every summary entry except "operation", in the file's order */
    size_t n_summary;
} IcebergSnapshot;

/* Open the table in dir, or create it when dir holds none and cols is given.
 *   dir       the table directory (created if missing, with its parents)
 *   cols      the schema to create with, or to check an existing table against (names, types and
 *             nullability must match, else WEIR_EINVAL); NULL with n_cols 0: open only (WEIR_ENOTFOUND
 *             when there is no table)
 *   location  the location URI written into new metadata; NULL: "file://" + the absolute path of dir.
 *             An existing table keeps its own.
 * Returns WEIR_OK with *out (caller owns; free with iceberg_table_close). */
int iceberg_table_open(const char *dir, const IcebergColumn *cols, size_t n_cols, const char *location,
                       IcebergTable **out, Err *e) WEIR_WARN_UNUSED;
/* iceberg_table_open with the data columns of a weir table (hidden columns left out), all nullable. */
int iceberg_table_open_tabledef(const char *dir, const TableDef *td, const char *location, IcebergTable **out,
                                Err *e) WEIR_WARN_UNUSED;
void iceberg_table_close(IcebergTable **t);

/* Append data files in one atomic commit: a new snapshot whose summary has Iceberg Java's keys
 * (operation append, added-data-files, added-records, added-files-size, changed-partition-count,
 * total-records, total-files-size, total-data-files, total-delete-files, total-position-deletes,
 * total-equality-deletes) plus props (the delivery puts its source positions in "weir.positions"; a
 * prop may not override Iceberg's keys). n_files may be 0 (a snapshot that only moves the summary).
 * Reloads and retries when another writer commits first (the new snapshot then has that one as parent).
 * Returns WEIR_OK with *snapshot_id (may be NULL) set; on failure the table is unchanged and t holds
 * the newest metadata it could read. */
int iceberg_table_append(IcebergTable *t, const IcebergDataFile *files, size_t n_files, const IcebergProp *props,
                         size_t n_props, int64_t *snapshot_id, Err *e) WEIR_WARN_UNUSED;

/* Reload the newest metadata version (after another writer's commit). */
int iceberg_table_refresh(IcebergTable *t, Err *e) WEIR_WARN_UNUSED;

/* The current snapshot, or NULL when the table has none yet. Borrowed (as IcebergSnapshot). */
const IcebergSnapshot *iceberg_table_current(const IcebergTable *t);
/* The value of key in the current snapshot's summary ("weir.positions"), or NULL when there is no
 * snapshot or no such key. Borrowed. */
const char *iceberg_table_summary_get(const IcebergTable *t, const char *key);
/* Every snapshot, oldest first (the metadata's order). Borrowed. */
const IcebergSnapshot *iceberg_table_snapshots(const IcebergTable *t, size_t *n);

/* Facts of the open table. Borrowed strings. */
const char *iceberg_table_location(const IcebergTable *t);
const char *iceberg_table_uuid(const IcebergTable *t);
int64_t iceberg_table_version(const IcebergTable *t); /* N of the current v<N>.metadata.json */
const IcebergColumn *iceberg_table_columns(const IcebergTable *t, size_t *n);
/* The current schema as Iceberg's JSON ({"type":"struct","schema-id":0,"fields":[...]}): Iceberg writers
 * put it in each Parquet file's key/value metadata under "iceberg.schema" (ParquetOptions.kv), which some
 * readers use to map columns. Borrowed. */
const char *iceberg_table_schema_json(const IcebergTable *t);

/* The data files of the current snapshot (read from its manifests): their paths relative to the table
 * directory, each NUL-terminated, appended to paths back to back; *n_paths counts them. For the
 * delivery's orphan cleanup (data files no snapshot lists). */
int iceberg_table_data_files(IcebergTable *t, Buf *paths, size_t *n_paths, Err *e) WEIR_WARN_UNUSED;

/* A fresh data file path relative to the table directory, "data/<seq>-<uuid>.parquet" style, NUL
 * terminated into out (at least 96 bytes). Random: two calls never give the same name. */
void iceberg_table_new_data_path(IcebergTable *t, char *out, size_t cap);

/* The Iceberg type of a SQL type ("long", "decimal(10, 2)", "timestamptz"), NUL-terminated into out
 * (at least 32 bytes). Returns WEIR_OK, or WEIR_EINVAL when the type has no Iceberg equivalent. */
int iceberg_type_name(SqlType t, char *out, size_t cap) WEIR_WARN_UNUSED;

#endif
