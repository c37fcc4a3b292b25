/*
 * reftable.h: static reference tables, the rows of a table defined WITH (file = '...') (sql/tabledef.h),
 * served to OP_SCAN (op.h) as batches. op_scan.c hands a scan whose table names a file to these three
 * functions instead of reading a stream.
 *
 * What a scan sees: at open the whole file is read into the query arena (ExecCtx.arena, so its memory
 * budget bounds the file: a file too large fails with 53200) and decoded once with the table's format,
 * options and on_error policy, every data column at once; the scan then hands out those batches. A query
 * therefore reads a file exactly once per open, and a file that changes while a query runs does not
 * change what that query sees.
 *
 * Records: format csv, regex and raw take one record per line (decode_file_split: LF or CRLF, blank lines
 * dropped, a quoted CSV field may span lines, header = true takes the first line as the header); format
 * json takes one object per line, or, when the file's first non-blank character is '[', the elements of
 * one JSON array (which may span any number of lines). A UTF-8 byte order mark at the start is ignored.
 *
 * Hidden columns: _message (the record's text), _message_valid and _message_length as for streams;
 * _shard_id, _sequence_number, _partition_key and _arrival_time are NULL. Under on_error = 'fail' the
 * error names the record as "<file>:<line>"; under 'dead_letter' rejected records are left out like
 * 'skip' (nothing is written to the dead-letter stream for a file).
 *
 * Paths must be absolute (a relative path is refused with 22023: the server's working directory means
 * nothing to a client). Errors as PostgreSQL's COPY FROM reports them: 58P01 could not open file "..."
 * for reading: No such file or directory; 42501 for permission denied; 42809 for a directory or another
 * non-regular file; 58030 for other I/O errors; 22P02 for a JSON file that starts an array it does not
 * close; 57014 when the query is cancelled while decoding.
 *
 * The table of a materialized view that shows its current rows (TableDef.view_rows) is served the same
 * way: at open, the rows come from the continuous-query runtime (SqlViewHooks.rows in exec/engine.h: a
 * snapshot as of the view's last checkpoint, already decoded), every hidden column is NULL, and the
 * batches are handed out like a file's. Without a runtime (a tool that opened the catalog on its own),
 * or when the view is not running, the open fails with 55000.
 */
#ifndef WEIR_EXEC_REFTABLE_H
#define WEIR_EXEC_REFTABLE_H

#include "exec/op.h"

/* Load the file of scan's table (ScanSpec.table->def->file) and decode it, or take the view's current rows
 * (def->view_rows). State goes to scan->state,
 * allocated in ctx->arena. Returns WEIR_OK, or WEIR_ERROR with ctx->err filled. */
int reftable_open(Op *scan, ExecCtx *ctx) WEIR_WARN_UNUSED;

/* The next batch with at least one row (all output columns of the scan filled, whichever
 * ScanSpec.needed says; only rows where ScanSpec.filter is TRUE when the binder set one), or *out = NULL
 * at the end. Valid until the next call (filtered batches live in scan->batch_arena, which op_next
 * resets). Pushed-down bounds (ScanSpec.bounds, shard_sets) are ignored: they only concern the stream
 * columns, which are NULL here, and the filter above or in the scan still decides. */
int reftable_next(Op *scan, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;

/* Forget the run state (its memory belongs to the query arena). */
void reftable_close(Op *scan);

/* The record boundaries of a JSON array file p[0..n) (p[0] need not be '['; leading whitespace is
 * skipped): one Slice per top-level element, allocated from a, and the 1-based line each element
 * starts on in *lines (when lines is not NULL). Returns WEIR_OK, WEIR_ENOMEM (53200 in err), or
 * WEIR_ERROR with 22P02 when the text is not one well-formed array at the top level (the elements
 * themselves are checked later, by the decoder). */
int reftable_json_array_split(const uint8_t *p, size_t n, Arena *a, Slice **recs, uint32_t **lines,
                              size_t *n_recs, SqlError *err) WEIR_WARN_UNUSED;

#endif
