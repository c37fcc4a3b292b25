/*
 * source.h: the continuous-query source: one table's stream read from a start position onward, forever,
 * as decoded batches with each row's event time, and the event-time watermark of what was read.
 *
 * A continuous query (stream/cq.c) has one Source per OP_SCAN of its plan. Each poll reads what the store
 * has made visible (durable) since the last one and hands it out in batches of exactly the layout op_scan
 * produces for the same ScanSpec (the table's data columns, then the TABLE_HID_N hidden columns; the
 * columns the query needs are filled, the others NULL; the table's on_error policy applied, the pushed-
 * down ScanSpec.filter applied). The batches are built by op_scan's own code (exec/scan_reader.h) from
 * the store's zero-copy cursors: strings point into the mapped segment files, nothing is copied per row.
 * ScanSpec.bounds and shard_sets (positions for ad hoc queries) are not used: the predicates they come
 * from are still evaluated by ScanSpec.filter or the FILTER above the scan.
 *
 * Shards (as the KCL reads them). Every shard of the stream is read; after a split or merge, a child is
 * read only once all its parents are exhausted (closed, and read to their end), so records of one
 * partition key come out in order across the reshard. Shards created during the run are picked up at the
 * next poll and read from their beginning. Within a shard, records come out in order. States:
 *
 *     PENDING --every parent DONE (source_poll)--> READING --closed and read to its end--> DONE
 *
 * Start ('latest' | 'earliest' | a timestamp; stream/source.c applies it to the shards that exist at
 * creation): 'latest' reads what becomes visible after source_create, 'earliest' everything retained
 * (each shard's trim horizon), a timestamp the records that arrived at or after it (the store's
 * AT_TIMESTAMP seek, per shard).
 *
 * Event time. The table's event_time column (TableDef.event_time_col), or the record's arrival time
 * (_arrival_time) when it has none; either way that column is decoded and filled in every batch
 * (source_time_col says which), and also handed out as an int64 array (microseconds since 2000-01-01 UTC;
 * a timestamp without time zone is taken as UTC). A row whose event time is NULL, 'infinity' or
 * '-infinity' is handed out too, flagged in time_null: it has no usable time, so it never moves a
 * watermark and the caller counts it as late (never dropping it silently).
 *
 * Watermarks. Per shard: the largest event time read from it minus TableDef.watermark_delay_us
 * (SOP_WM_NONE until its first row); the rows counted are all rows the table's policy keeps, before
 * ScanSpec.filter (the watermark is the table's, whatever the query's WHERE). A child starts with the
 * largest watermark of its parents. The query's watermark (source_watermark) is the minimum over the
 * READING shards that are not idle; a shard is idle when it gave no record for TableDef.idle_timeout_us
 * of wall clock (now_us, passed in so tests control it; 0 = never idle). When every READING shard is
 * idle it is the largest shard watermark, so the last windows close once traffic stops. It never goes
 * back.
 *
 * Positions (the checkpoint). For each shard: its state, the counter position after the last record
 * consumed (handed out, or left out by the filter or the table's policy), its watermark, and its lag
 * counters; plus the query's watermark. source_positions_encode writes them as bytes, and source_create
 * with those bytes resumes exactly there: no record is handed out twice and none is skipped, and the
 * watermarks do not go back.
 *
 * Threads: a Source belongs to one thread (the query's); nothing here locks. Reading shards on several
 * threads later means one ScanReader per thread; the shard table would then need a lock.
 *
 * INTERFACE ROUTINES
 *   source_start_parse                    'latest' | 'earliest' | timestamp text -> SourceStart
 *   source_create, source_destroy         open a table's stream (fresh, or resumed from positions)
 *   source_poll                           read and hand out what arrived
 *   source_watermark                      the query's event-time watermark
 *   source_time_col                       the output column holding the event time
 *   source_positions_encode               the checkpoint bytes of a source
 *   source_positions_decode, _write       those bytes <-> SourcePositions (the fuzzed parser)
 *   source_shard_stats, source_counts     per-shard lag and totals for SHOW MATERIALIZED VIEWS
 */
#ifndef WEIR_STREAM_SOURCE_H
#define WEIR_STREAM_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "exec/op.h"
#include "exec/vec.h"
#include "sql/typeio.h"
#include "store/store.h"
#include "stream/sop.h"

typedef struct Source Source;

/* --- start ------------------------------------------------------------------------------------------ */

typedef enum SourceStartKind {
    SOURCE_START_LATEST = 0, /* what becomes visible after source_create (the default) */
    SOURCE_START_EARLIEST,   /* every retained record */
    SOURCE_START_AT,         /* records that arrived at or after at_us */
} SourceStartKind;

typedef struct SourceStart {
    SourceStartKind kind;
    int64_t at_us; /* SOURCE_START_AT: microseconds since 2000-01-01 UTC */
} SourceStart;

/* The option start = '...': "latest", "earliest" (ASCII case-insensitive, surrounding blanks ignored),
 * or a timestamptz literal read with fmt's settings (its time zone for a literal without one). Returns
 * WEIR_OK, or WEIR_ERROR with err (22023 naming the option; 'infinity' is refused). */
int source_start_parse(const char *text, const SqlFormatOpts *fmt, SourceStart *out, SqlError *err) WEIR_WARN_UNUSED;

/* --- create / destroy ------------------------------------------------------------------------------- */

/* A source for the scan sp (borrowed, with its table and store: must outlive the source). exec: the
 * query's context (its arena holds the decoder's state; its format settings are copied for the filter).
 * start: where a fresh source begins (NULL: 'latest').
 * positions/n_positions: bytes from source_positions_encode to resume from (start is then ignored: every
 * shard continues where it was; shards created since start from their beginning), or NULL/0 to start
 * fresh at start. Fails with err: 55000 (the stream does not exist, or the positions belong to another
 * stream of that name, deleted and created again), XX001 (positions that do not parse), 42804 (the
 * event-time column is not a timestamp), 58030 (the store), and scan_reader_create's errors. Caller owns
 * *out; free with source_destroy. */
int source_create(const ScanSpec *sp, ExecCtx *exec, const SourceStart *start, const uint8_t *positions,
                  size_t n_positions, Source **out, SqlError *err) WEIR_WARN_UNUSED;

/* Close cursors and free everything; *src becomes NULL; NULL is a no-op. Batches already handed out
 * stay valid until their arenas are reset (their pins are tied to those arenas). */
void source_destroy(Source **src);

/* --- reading ---------------------------------------------------------------------------------------- */

/* One batch of rows read from one shard: b in op_scan's layout; event_time[i] the row's event time,
 * meaningful where time_null is NULL or time_null[i] == 0 (time_null is NULL when every row of b has a
 * usable time). All borrowed: valid until the poll's arena is reset. Return WEIR_OK, or nonzero to stop
 * (source_poll returns that value as is; the callback reports its own error). */
typedef int (*SourceBatchFn)(void *arg, const Batch *b, const int64_t *event_time, const uint8_t *time_null);

/* Read at most max_rows records (shards in turn, a batch of at most VEC_BATCH at a time, so that one busy
 * shard does not starve the others) and hand the rows to fn as batches allocated in arena (which also
 * keeps the store's mappings the batches point into until it is reset). now_us: wall clock in
 * microseconds (any origin, the same as source_watermark's), for idleness. First refreshes the shard list
 * (new shards, closed ones, children whose parents are done). *n_read: records consumed (>= rows handed
 * out; fewer than max_rows means the source has caught up). A batch is counted as consumed only once fn
 * returned WEIR_OK for it, so after an error the next poll reads it again. Returns WEIR_OK, fn's nonzero
 * value, or WEIR_ERROR with err: 58030 (the store, the stream deleted), 22P02 (on_error = 'fail'), the
 * filter's errors, 53200 (arena over its budget). */
int source_poll(Source *src, int64_t now_us, uint32_t max_rows, Arena *arena, SourceBatchFn fn, void *arg,
                uint64_t *n_read, SqlError *err) WEIR_WARN_UNUSED;

/* The query's watermark as of now_us (see the top of the file): SOP_WM_NONE until there is one. Never
 * smaller than a value it returned before (also across a restart from positions). */
int64_t source_watermark(Source *src, int64_t now_us);

/* The output column holding each row's event time: TableDef.event_time_col, or the _arrival_time hidden
 * column when the table has none. */
int32_t source_time_col(const Source *src);

/* --- positions -------------------------------------------------------------------------------------- */

typedef enum SourceShardState {
    SOURCE_SHARD_PENDING = 0, /* waiting for its parents to be read to their end */
    SOURCE_SHARD_READING = 1,
    SOURCE_SHARD_DONE = 2,    /* closed and read to its end */
} SourceShardState;

typedef struct SourceShardPos {
    uint32_t index;          /* shard index ("shardId-%012u") */
    uint8_t state;           /* SourceShardState */
    uint64_t pos;            /* counter position of the next record to read */
    int64_t watermark;       /* the shard's watermark, SOP_WM_NONE for none */
    int64_t last_arrival_ms; /* arrival (Unix ms) of the last record read, 0: none */
    uint64_t n_records;      /* records read from the shard so far */
} SourceShardPos;

typedef struct SourcePositions {
    uint64_t stream_uid;     /* the stream they belong to (StreamInfo.uid) */
    int64_t watermark;       /* the query's watermark, SOP_WM_NONE for none */
    uint32_t n_shards;       /* ascending by index, no index twice */
    SourceShardPos *shards;
} SourcePositions;

/* The positions of src now, as bytes in a (*out, *n). Returns WEIR_OK, or WEIR_ENOMEM over a's budget. */
int source_positions_encode(const Source *src, Arena *a, uint8_t **out, size_t *n) WEIR_WARN_UNUSED;

/* The bytes of pos in a. Returns WEIR_OK, or WEIR_ENOMEM over a's budget. */
int source_positions_write(const SourcePositions *pos, Arena *a, uint8_t **out, size_t *n) WEIR_WARN_UNUSED;

/* Parse bytes written by source_positions_write (shards array in a). Accepts exactly what it writes:
 * magic, version, lengths, ascending indexes, states, reserved bytes zero, CRC32C. Returns WEIR_OK, or
 * WEIR_ERROR with err (XX001 naming what is wrong; 53200 over a's budget). */
int source_positions_decode(const uint8_t *p, size_t n, Arena *a, SourcePositions *out, SqlError *err) WEIR_WARN_UNUSED;

/* --- statistics ------------------------------------------------------------------------------------- */

typedef struct SourceShardStats {
    SourceShardPos p;
    char id[STORE_SHARD_ID_LEN + 1];
    int is_idle;             /* READING and idle as of the last source_watermark/source_poll */
    int64_t millis_behind;   /* arrival of the newest visible record minus that of the oldest unread one
                              * (0: caught up) */
    int64_t tip_arrival_ms;  /* arrival (Unix ms) of the newest visible record of the shard, 0: none */
} SourceShardStats;

/* Every known shard's statistics into *out (allocated in a), *n of them, ascending by index; asks the
 * store for each READING shard's tip (one small read). Returns WEIR_OK, WEIR_ENOMEM over a's budget. */
int source_shard_stats(Source *src, Arena *a, SourceShardStats **out, uint32_t *n) WEIR_WARN_UNUSED;

typedef struct SourceCounts {
    uint64_t records;     /* records read */
    uint64_t rows;        /* rows handed out (after the policy and the filter) */
    uint64_t bad;         /* records the table's policy left out (skip, dead_letter) */
    uint64_t dead;        /* of those, written to the dead-letter stream */
    uint64_t time_null;   /* rows handed out without a usable event time */
} SourceCounts;

void source_counts(const Source *src, SourceCounts *out);

#endif
