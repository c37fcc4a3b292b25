/*
 * decode.h: record payloads -> column vectors, for scans of tables on streams and reference files
 * (issue 3). One Decoder serves one scan worker: it is built once for a TableDef and the columns a query
 * uses, then turns batches of up to VEC_BATCH records into a Batch of exactly those columns.
 *
 * Formats (TableDef.format):
 *   json   a single-pass scanner extracts only the paths the selected columns need (no tree per record):
 *          nested objects, array elements by index, objects/arrays kept as JSON text for text/json
 *          columns; duplicate keys: the last wins (PostgreSQL's json rule). Strings without escapes are
 *          Slices into the record; strings with escapes are unescaped into the batch arena.
 *   csv    one line per record: delimiter, RFC 4180 quoting ("" inside quotes), fields by position or,
 *          for files with a header, by header name; an unquoted empty field (or the table's null
 *          string) is NULL, as COPY ... CSV reads it.
 *   raw    the payload itself (text / bytea / varchar / any type parsed from text), or byte ranges
 *          read as big-endian integers and IEEE floats (Trino's raw decoder).
 *   regex  a PCRE2 pattern (JIT-compiled) over the line; columns are capture groups.
 *
 * Bad records. A field that does not convert to its column's type, or a record that does not parse at
 * all (then every field is bad), follows the table's policy (TableDef.on_error):
 *   null         the row is kept, the bad fields are NULL, valid[row] = 0 and n_bad[row] counts them
 *   skip         the row is left out of the batch and counted (DecodeOut.n_skipped, DecodeStats)
 *   fail         decoder_run fails with SQLSTATE 22P02 naming the record's sequence number
 *   dead_letter  the row is left out and listed in DecodeOut.dead for the caller to write to
 *                TableDef.dead_letter_stream
 * Which fields are checked: under null, only the selected columns (the point of decoding only what a
 * query uses), plus every data column when _message_valid is selected so that flag means "the whole
 * record decoded". Under skip, fail and dead_letter every data column is checked, so which rows a query
 * sees never depends on which columns it happens to select. A missing JSON field, a JSON null, a CSV
 * line shorter than a column's position and a regex group that did not take part are NULL, not errors.
 *
 * Hidden columns are filled from DecodeRecord (_shard_id, _sequence_number, _partition_key,
 * _arrival_time; NULL when the record has none, as in file tables) and from the payload (_message,
 * _message_valid, _message_length).
 *
 * Memory: everything decoder_run returns (the Batch, its strings, the per-row arrays, reject reasons)
 * is allocated in the arena passed to it; strings may also point into the records' payloads, so the
 * records must stay alive as long as the batch. A Decoder holds its own scratch (compiled regex, JSON
 * frame stack, decompression buffer) and is used by one thread at a time.
 */
#ifndef WEIR_EXEC_DECODE_H
#define WEIR_EXEC_DECODE_H

#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "exec/engine.h"
#include "exec/vec.h"
#include "sql/tabledef.h"

typedef struct Decoder Decoder;

/* A record as the scan hands it over. Slices with p == NULL mean "none" (their hidden column is NULL). */
typedef struct DecodeRecord {
    Slice data;           /* payload bytes; borrowed, must outlive the batch */
    Slice partition_key;
    Slice seq;            /* sequence number text (error messages, _sequence_number) */
    Slice shard_id;       /* "shardId-000000000000" */
    int64_t arrival_usec; /* microseconds since 2000-01-01 UTC; INT64_MIN: none */
} DecodeRecord;

/* Selecting columns: a data column is its index in TableDef.cols (>= 0); a hidden column is
 * DECODE_HIDDEN(TABLE_HID_...) (< 0). */
#define DECODE_HIDDEN(h) (-1 - (int32_t)(h))
#define DECODE_IS_HIDDEN(c) ((c) < 0)
#define DECODE_HIDDEN_OF(c) ((TableHidden)(-1 - (c)))

/* A record sent to the dead-letter stream: its index in the input and why (NUL-terminated, in the
 * batch arena). */
typedef struct DecodeReject {
    uint32_t record;
    const char *reason;
} DecodeReject;

/* One call's result. All arrays have batch->n entries (dead: n_dead) and live in the batch arena. */
typedef struct DecodeOut {
    Batch *batch;         /* one Vec per selected column, in the order selected */
    uint32_t *record;     /* record[row]: index of the input record the row came from */
    uint8_t *valid;       /* 1 when every checked field of the row decoded */
    uint16_t *n_bad;      /* bad fields in the row (0 when valid) */
    DecodeReject *dead;   /* dead_letter policy only */
    uint32_t n_dead;
    uint32_t n_skipped;   /* skip policy: records left out */
} DecodeOut;

/* Counters since decoder_create (the engine adds them to its metrics). */
typedef struct DecodeStats {
    uint64_t records;       /* records seen */
    uint64_t rows;          /* rows produced */
    uint64_t bad_records;   /* records with at least one bad field (any policy) */
    uint64_t bad_fields;
    uint64_t skipped;
    uint64_t dead_lettered;
} DecodeStats;

/* Build a decoder for td (borrowed: must outlive the decoder) producing the n_cols selected columns.
 * header: for csv file tables with header = true, the header line (decode_file_split returns it);
 * NULL otherwise. Fails (WEIR_ERROR with err) when a column is not in the header (42703), a selection
 * is out of range, or the pattern does not compile. Caller owns *out; free with decoder_destroy. */
int decoder_create(const TableDef *td, const int32_t *cols, uint32_t n_cols, const Slice *header, Decoder **out,
                   SqlError *err) WEIR_WARN_UNUSED;
void decoder_destroy(Decoder **d);

/* Decode n records (n <= VEC_BATCH) into *out, allocating from a. Returns WEIR_OK, WEIR_ERROR with err
 * (22P02) under the fail policy, or WEIR_ENOMEM with err (53200) when a is over its budget. */
int decoder_run(Decoder *d, const DecodeRecord *recs, uint32_t n, Arena *a, DecodeOut *out,
                SqlError *err) WEIR_WARN_UNUSED;

const DecodeStats *decoder_stats(const Decoder *d);

/* Split a reference file's bytes into records: lines (LF or CRLF), CSV-quote aware (a quoted field may
 * span lines), blank lines dropped; with csv header = true the first line is returned in *header and
 * is not a record. *recs is allocated from a (Slices into p). Returns WEIR_OK or WEIR_ENOMEM (53200). */
int decode_file_split(const TableDef *td, const uint8_t *p, size_t n, Arena *a, Slice **recs, size_t *n_recs,
                      Slice *header, SqlError *err) WEIR_WARN_UNUSED;

#endif
