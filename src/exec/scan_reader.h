/*
 * scan_reader.h: op_scan's records-to-rows step for callers that read the store themselves.
 *
 * OP_SCAN (op_scan.c) reads a snapshot of every shard and turns each read into a batch: hidden columns,
 * the decoder (decode.h) for the columns the query needs, the table's policy for records that do not
 * decode (dead letters written), then ScanSpec.filter. The continuous-query source (stream/source.c)
 * reads shards forever, from positions of its own, so it cannot use op_scan's snapshot or workers; a
 * ScanReader gives it that same step, the same code, so its batches have exactly op_scan's layout: the
 * table's data columns, then the TABLE_HID_N hidden columns, only the needed ones filled, the others NULL.
 *
 * Use: fill up to VEC_BATCH views of one shard (store_cursor_next, zero-copy) into scan_reader_views(r),
 * then scan_reader_build. The views' bytes must stay valid as long as the batches (strings point into
 * them): the caller ties the store pin to the arena the batches live in, as op_scan does.
 *
 * A ScanReader is one reader's state (decoder scratch, the record arrays) and is used by one thread at a
 * time; several threads each use their own.
 */
#ifndef WEIR_EXEC_SCAN_READER_H
#define WEIR_EXEC_SCAN_READER_H

#include <stdint.h>

#include "exec/op.h"
#include "store/store.h"

typedef struct ScanReader ScanReader;

/* A reader of sp's table (a stream table; sp borrowed, must outlive the reader) producing sp's output
 * columns; output column also (>= 0) is decoded too even when sp->needed does not ask for it (the
 * source's event-time column), -1: none. ctx gives the filter's session settings (copied) and the
 * memory: the reader lives in a child of ctx->arena. Fails with err: 55000/22023 for a missing or
 * self-referencing dead-letter stream, the decoder's errors, 53200. Caller owns *out; free with
 * scan_reader_destroy. */
int scan_reader_create(const ScanSpec *sp, int32_t also, ExecCtx *ctx, ScanReader **out, SqlError *err) WEIR_WARN_UNUSED;

/* VEC_BATCH slots for the next build's records (owned by the reader). */
StoreRecordView *scan_reader_views(ScanReader *r);

/* The first n (1..VEC_BATCH) views, records of shard shard_index, as rows in a:
 *   *all  the rows the table's policy keeps (before the filter), NULL when it keeps none;
 *   *out  the rows of *all where ScanSpec.filter is TRUE (*all itself without a filter), NULL when none.
 * Returns WEIR_OK, or WEIR_ERROR with err: 22P02 under on_error = 'fail', 58030 when dead letters could
 * not be written, the filter's errors, 53200 when a is over its budget. */
int scan_reader_build(ScanReader *r, uint32_t shard_index, uint32_t n, Arena *a, Batch **all, Batch **out,
                      SqlError *err) WEIR_WARN_UNUSED;

/* Records built, records the policy left out (skip, dead_letter), and of those, dead-lettered. */
void scan_reader_counts(const ScanReader *r, uint64_t *records, uint64_t *bad, uint64_t *dead);

/* Free the reader; *r becomes NULL; NULL is a no-op. */
void scan_reader_destroy(ScanReader **r);

#endif
