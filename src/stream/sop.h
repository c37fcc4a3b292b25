/*
 * sop.h: streaming operators, the pieces a continuous query (CREATE MATERIALIZED VIEW) is made of.
 *
 * A continuous query is the batch plan of its SELECT (exec/op.h, made by the binder) turned into a graph
 * of streaming operators (sop_compile, sop_compile.c). Data moves through the graph as deltas: a ZBatch is
 * a column batch plus a weight per row, +1 for a row that appears, -1 for one that goes away (a running
 * aggregate's old result, a join row whose input was retracted). Every operator answers for a delta of its
 * input with the delta of its output, so what the graph has emitted since the start, summed, is what the
 * batch plan would compute over the same input (the view equals the SELECT run in batch).
 *
 * Flow, one tick of the query's thread (stream/cq.c):
 *   1. the sources read what arrived on every shard and push it, decoded, into their operators (push);
 *   2. the watermark is recomputed (stream/source.c) and every operator is told (advance), in plan
 *      order from the sources up: windows whose end the watermark passed are emitted, state older than
 *      the watermark allows (interval joins, closed windows) or than state_ttl is dropped;
 *   3. the root's output is the tick's change to the view.
 * Operators push their output downstream synchronously (sop_emit); nothing is queued between them.
 *
 * State: everything an operator must remember across ticks lives in StateTables (stream/state.h) that it
 * registers with sop_state_add. A checkpoint writes every registered table (deltas since the previous
 * checkpoint), so operators need no checkpoint code of their own; after a restart the tables are restored
 * and each operator's `restored` hook rebuilds whatever in-memory index it keeps beside them. Keys and
 * values are encoded with stream/rowcodec.h (keys in KEY mode, so that ordered tables iterate in SQL
 * order, e.g. by window end).
 *
 * Threads: a graph belongs to one query thread; nothing here locks.
 */
#ifndef WEIR_STREAM_SOP_H
#define WEIR_STREAM_SOP_H

#include <stdint.h>

#include "base/arena.h"
#include "exec/engine.h"
#include "exec/op.h"
#include "exec/vec.h"
#include "stream/state.h"

/* No watermark yet (nothing read, or every shard idle since the start). Watermarks and event times are
 * timestamptz values: microseconds since 2000-01-01 UTC, as SqlValue.u.i holds them. */
#define SOP_WM_NONE INT64_MIN

/* A delta: b's rows with weight w[i] each (w NULL: every row +1). */
typedef struct ZBatch {
    const Batch *b;
    const int64_t *w;
} ZBatch;

static inline int64_t zbatch_weight(const ZBatch *z, uint32_t i)
{
    return z->w ? z->w[i] : 1;
}

/* What every call gets. exec evaluates expressions (exec->arena is the query's long-lived arena;
 * scratch is reset after every tick: output batches and anything else of one tick go there). */
typedef struct SopCtx {
    ExecCtx *exec;
    Arena *scratch;
    int64_t watermark; /* the query's event-time watermark (SOP_WM_NONE: none yet); never goes back */
    int64_t now_us;    /* wall clock, microseconds since 2000-01-01 UTC (state_ttl) */
    SqlError *err;     /* == exec->err */
} SopCtx;

typedef struct Sop Sop;

typedef struct SopStats {
    uint64_t rows_in, rows_out; /* rows pushed in / emitted (each delta row counts once, whatever its weight) */
    uint64_t late;              /* rows that arrived behind the watermark (counted where they were dropped) */
    uint64_t state_entries, state_bytes;
} SopStats;

typedef struct SopOps {
    const char *name; /* "window aggregate", "interval join", ... for SHOW MATERIALIZED VIEWS and EXPLAIN */
    /* A delta arrives on input port `port` (0; a join's right input is 1). */
    int (*push)(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in);
    /* End of a tick, the watermark in c (maybe unchanged): emit what became final, expire state.
     * NULL: nothing to do. */
    int (*advance)(Sop *s, SopCtx *c);
    /* After the registered state tables were restored from a checkpoint: rebuild in-memory indexes.
     * NULL: nothing to rebuild. */
    int (*restored)(Sop *s, SopCtx *c);
    /* Free what the operator malloc'd (its StateTables are destroyed by sop_graph_destroy). NULL: nothing. */
    void (*destroy)(Sop *s);
} SopOps;

#define SOP_MAX_STATE 8

struct Sop {
    const SopOps *ops;
    void *impl;              /* the operator's own data (in the graph's arena or malloc'd) */
    Sop *out;                /* downstream operator, NULL for the root (its output goes to the graph's sink) */
    uint32_t out_port;
    const SqlType *types;    /* output columns */
    uint32_t n_cols;
    struct SopGraph *graph;
    int may_retract;         /* set at compile when the output can carry negative weights (running aggregates,
                              * regular joins, top N on update): the view then emits updates */
    StateTable *state[SOP_MAX_STATE]; /* registered with sop_state_add, in a fixed order */
    uint32_t n_state;
    SopStats st;
};

/* Where the root's output goes: called once per emitted delta, in order. */
typedef int (*SopSinkFn)(void *arg, SopCtx *c, const ZBatch *z);

typedef struct SopGraph {
    Arena *arena;            /* the graph's lifetime: operators, their specs, compiled expressions */
    Sop **ops;               /* every operator, sources' consumers first, root last (advance order) */
    uint32_t n_ops, cap_ops;
    Sop *root;
    SopSinkFn sink;
    void *sink_arg;
    /* The source tables, in the order the query's scans appear: source i feeds (leaf_op[i], leaf_port[i]).
     * The rows pushed there are the scan's output columns (the table's columns the query uses, in the
     * ScanSpec's order; op_scan's output layout). */
    uint32_t n_sources;
    const struct ScanSpec **source_scan;
    Sop **leaf_op;
    uint32_t *leaf_port;
    /* Unused for now (-1): the source reports each row's event time itself (stream/source.h). */
    int32_t *source_time_col;
    int append_only;         /* 1: the graph never emits a negative weight (windows on close, filters, ...) */
} SopGraph;

/* Allocate an operator in g (zeroed impl of impl_size bytes) and add it to g's list. NULL over budget. */
Sop *sop_new(SopGraph *g, const SopOps *ops, size_t impl_size, const SqlType *types, uint32_t n_cols);

/* Register a state table of s (created by the caller, owned by the graph from now on). */
int sop_state_add(Sop *s, StateTable *t, SqlError *err) WEIR_WARN_UNUSED;

/* Send a delta downstream (to s->out, or the graph's sink for the root). Counts rows_out. Empty deltas are
 * not sent. */
int sop_emit(Sop *s, SopCtx *c, const ZBatch *z) WEIR_WARN_UNUSED;

/* Push into s (counts rows_in). */
int sop_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *z) WEIR_WARN_UNUSED;

/* advance every operator in order. */
int sop_graph_advance(SopGraph *g, SopCtx *c) WEIR_WARN_UNUSED;

void sop_graph_destroy(SopGraph **g);

/* --- compiling a plan ---------------------------------------------------------------------------------
 *
 * sop_compile walks the batch plan bottom-up. Each operator kind has its compiler; a compiler gets the
 * plan node and the already compiled inputs (their output Sops, whose columns are the plan children's
 * output columns), makes its operator(s), connects the inputs to them (in->out = s, in->out_port = port)
 * and returns the Sop whose output is the node's output. Refusals are 0A000 with what is not supported
 * in a continuous query, or 42P17-like (SQLSTATE 0A000 too, PostgreSQL has no better one) for unbounded
 * state without state_ttl.
 */
/* Rows that arrived behind the watermark, as the source delivered them, for late_stream (NULL: none). */
typedef int (*SopLateFn)(void *arg, SopCtx *c, const Sop *where, const Batch *b, const uint32_t *rows, uint32_t n);

typedef struct SopCompileOpts {
    int emit_on_update;      /* emit = 'on_update' (default: on_window_close for windowed queries) */
    int64_t state_ttl_us;    /* 0: none */
    int64_t allowed_lateness_us; /* 0 */
    SopLateFn late;          /* where late rows go besides being counted (NULL: counted only) */
    void *late_arg;
} SopCompileOpts;

typedef struct SopCompiler {
    SopGraph *g;
    const SopCompileOpts *opts;
    ExecCtx *exec;
    SqlError *err;
} SopCompiler;

/* Whether the plan subtree reads a stream (1), or only static inputs: file reference tables, VALUES,
 * system tables (0). A join compiler gets NULL for a static side and runs op->child / op->right itself. */
int sop_plan_is_streaming(const Op *op);

/* The whole plan. On success *out is the graph (caller owns; sop_graph_destroy). */
int sop_compile(const Op *plan, const SopCompileOpts *opts, ExecCtx *exec, SopGraph **out, SqlError *err) WEIR_WARN_UNUSED;

/* Per kind (sop_*.c). The inputs are the compiled children (child, then right; NULL for a static side of
 * a join). A compiler may also look below
 * its node (e.g. whether a GROUP BY has window_start/window_end among its keys) through the plan. */
int sop_compile_agg(SopCompiler *cc, const Op *op, Sop *in, Sop **out) WEIR_WARN_UNUSED;
int sop_compile_join(SopCompiler *cc, const Op *op, Sop *left, Sop *right, Sop **out) WEIR_WARN_UNUSED;
/* OP_WINASSIGN: tumble and hop assign windows row by row (a row whose every window has already closed
 * is late: counted and sent to the query's late sink, never dropped silently); session windows are an
 * operator of their own that merges sessions as rows arrive and emits each session's rows when it closes
 * (on_update: retracts and re-emits rows whose session bounds changed). */
int sop_compile_winassign(SopCompiler *cc, const Op *op, Sop *in, Sop **out) WEIR_WARN_UNUSED;
/* OP_WINDOW with row_number() filtered to <= N (top-N per partition), or to = 1 (deduplication), and
 * OP_UNIQUE (DISTINCT ON). filter: the FILTER node above the window, consumed when recognized (*used 1).
 * The FILTER may also sit above PROJECTs of the window's output (a subquery's select list, as the binder
 * plans `SELECT * FROM (SELECT *, row_number() OVER (...) AS rn FROM t) s WHERE rn <= 3`): the returned
 * operator then evaluates them and the whole predicate, so its columns are the FILTER's. */
int sop_compile_rank(SopCompiler *cc, const Op *op, const Op *filter, Sop *in, Sop **out, int *used) WEIR_WARN_UNUSED;

/* --- helpers the stateful operators share (defined in sop_join.c) -------------------------------------
 *
 * What a column of a plan node carries, followed down through the plan: the event time of a source row
 * (its table's event_time column, or _arrival_time when it declares none; only through FILTER, PROJECT of
 * plain columns and window assignment, where "a row pushed after the watermark passed w has time >= w
 * unless it is late" still holds), or the window_start / window_end added by OP_WINASSIGN (also through
 * the keys of an aggregate, joins, DISTINCT ON and ranking, which keep a window's rows within its window). */
typedef enum SopColKind { SOP_COL_OTHER = 0, SOP_COL_TIME, SOP_COL_WSTART, SOP_COL_WEND } SopColKind;
SopColKind sop_plan_col_kind(const Op *op, uint32_t col);

/* Whether the compiled form of the subtree op never emits a negative weight (scans, filters, windows
 * emitted on close, inner interval joins of such inputs, ...). Conservative: 0 when unsure. */
int sop_plan_append_only(const SopCompileOpts *opts, const Op *op);

/* A window [start, end) is complete, and its rows final, once the watermark reaches its end: every row
 * still to come has time >= watermark >= end. Every windowed operator closes on this one condition, so a
 * window closed by an aggregate in one tick's advance is closed by the join or ranking above it in the
 * same advance. */
static inline int sop_window_is_closed(int64_t window_end, int64_t watermark)
{
    return watermark != SOP_WM_NONE && window_end <= watermark;
}

/* A new state table for s (ordered: keys iterate in memcmp order), registered with sop_state_add. Its
 * table id is stable across compiles of one plan: from s's position in the graph and the table's index. */
int sop_state_new(Sop *s, int ordered, StateTable **out, SqlError *err) WEIR_WARN_UNUSED;

/* Append the KEY encoding of t, a value of codec's type (a timestamp: the event time or a window bound),
 * to b: what ordered state keys start with, so a walk up to a watermark's encoding visits what it passed. */
int sop_time_key_append(const RowCodecCol *codec, int64_t t, Buf *b, SqlError *err) WEIR_WARN_UNUSED;

/* Count rows[0..n) of b as late at s and hand them to the query's late sink (opts->late). */
int sop_late_report(Sop *s, SopCtx *c, const SopCompileOpts *opts, const Batch *b, const uint32_t *rows,
                    uint32_t n) WEIR_WARN_UNUSED;

/* An Err from rowcodec/state as the query's SqlError (53200 for WEIR_ELIMIT / WEIR_ENOMEM, XX000 else). */
int sop_err_from(SqlError *err, const Err *e);

/* Output rows built one at a time into batches of s's columns in c->scratch, sent with sop_emit when a
 * batch is full and at sop_out_flush. The first batch holds cap_hint rows (at least 16), later ones
 * VEC_BATCH, so a push that emits a handful of rows does not allocate a full batch. */
typedef struct SopOut {
    Sop *s;
    SopCtx *c;
    Batch *b;
    int64_t *w;
    uint32_t cap, next_cap;
} SopOut;
void sop_out_init(SopOut *o, Sop *s, SopCtx *c, uint32_t cap_hint);
/* A new row of weight w: *row is its index in o->b, every column to be set (sop_out_put) before the next
 * call. */
int sop_out_row(SopOut *o, int64_t w, uint32_t *row) WEIR_WARN_UNUSED;
/* Column col of row := *v (strings borrowed: they must live until the tick ends). */
int sop_out_put(SopOut *o, uint32_t row, uint32_t col, const SqlValue *v) WEIR_WARN_UNUSED;
int sop_out_flush(SopOut *o) WEIR_WARN_UNUSED;

#endif
