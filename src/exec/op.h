/*
 * op.h: physical operators. A query plan is a tree of Ops; the root is pulled for batches.
 *
 * Protocol: op_open once (allocates run state, opens children), then op_next repeatedly; each call
 * returns a batch with at least one row through *out, or *out = NULL at the end. A returned batch is
 * valid until the next op_next on the same operator (each operator owns a batch arena that it resets
 * at the start of op_next), so a consumer that needs rows longer (sort, hash join build, aggregation)
 * copies what it keeps into its own memory. op_close releases run state (also after errors); an
 * operator may be re-opened after close (correlated subqueries, portals run twice).
 *
 * Plans are built by the binder in the statement's plan arena; run state lives in the portal's query
 * arena (ExecCtx.arena), with per-batch arenas as children of it, so the query's memory budget bounds
 * everything a query holds.
 */
#ifndef WEIR_EXEC_OP_H
#define WEIR_EXEC_OP_H

#include <stdatomic.h>
#include <stdint.h>

#include "exec/expr.h"

typedef struct ExecCtx {
    Arena *arena;             /* query arena: run state of every operator */
    const SqlFormatOpts *fmt;
    const SqlValue *params;
    uint32_t n_params;
    int64_t stmt_time_usec;
    SqlError *err;
    atomic_int *cancel;       /* nonzero: stop with 57014 */
    struct SqlEngine *eng;
    const char *query;
    const char *session_user;
    const char *database;
    const char *server_version;
    const struct OuterRow *outer; /* the row of the enclosing query a correlated subquery runs for */
    uint64_t run_id;          /* unique per execution: uncorrelated subqueries cache their result per run */
    Arena *run_arena;         /* the execution's query arena (arena may be a per-row child of it) */
    int analyze;              /* EXPLAIN ANALYZE: operators time their op_next calls */
    const char *checkpoint;   /* weir.checkpoint of the session, NULL when unset (op_scan.c) */
    struct ScanCkpt *ckpt;    /* with checkpoint: the positions this query's scans reached, saved by
                               * engine.c (scan_ckpt_commit) only when the query completes */
} ExecCtx;

typedef enum OpKind {
    OP_RESULT,  /* one row of zero columns (SELECT without FROM) */
    OP_VALUES,  /* rows of constant expressions */
    OP_PROJECT, /* exprs over the child's rows */
    OP_FILTER,  /* rows of the child where pred is TRUE */
    OP_LIMIT,   /* offset, then at most limit rows */
    OP_SCAN,    /* a table over a stream: records of every shard up to the snapshot, decoded (op_scan.c) */
    OP_AGG,     /* hash aggregation: GROUP BY keys and aggregate functions (op_agg.c) */
    OP_SORT,    /* ORDER BY over the child's columns (op_sort.c) */
    OP_JOIN,    /* child (left) joined with right: hash join on equi-keys, nested loop otherwise (op_join.c) */
    OP_APPEND,  /* the rows of child, then the rows of right (UNION ALL); same column types (op.c) */
    OP_SETOP,   /* INTERSECT / EXCEPT [ALL] of child and right (op_setop.c) */
    OP_WINDOW,  /* the child's columns plus one column per window function (op_window.c) */
    OP_SYSTAB,  /* a pg_catalog / information_schema table, its rows made at open (syscat.c) */
    OP_EXPLAIN, /* one text column "QUERY PLAN" describing child; with ANALYZE runs it first (op_explain.c) */
    OP_UNIQUE,  /* the first row of each run of rows equal on some columns (DISTINCT ON over sorted rows; op.c) */
    OP_FUNCSCAN, /* a set-returning function in FROM: generate_series, unnest (op_funcscan.c) */
    OP_WINASSIGN, /* a window table function in FROM: tumble, hop, session (op_winassign.c) */
} OpKind;

typedef struct Op Op;
struct Op {
    OpKind kind;
    uint32_t n_cols;
    SqlType *types;   /* output column types */
    Op *child;
    Op *right;        /* JOIN, APPEND, SETOP: the second input (op_open/op_close open and close it with child) */
    /* plan parameters */
    Expr **exprs;     /* PROJECT: n_cols exprs; VALUES: n_rows * n_cols exprs */
    uint32_t n_rows;  /* VALUES */
    Expr *pred;       /* FILTER */
    Expr *limit, *offset; /* LIMIT: evaluated at open (may be params); NULL = none */
    void *spec;           /* kind-specific plan data (OP_SCAN: ScanSpec) */
    /* Names for EXPLAIN, optional (NULL: EXPLAIN derives them from the plan): rel_alias is the name a
     * scanned relation has in FROM when it is not the table's own ("FROM clicks c": "c"); col_names
     * (n_cols entries) name the output columns, for operators whose outputs EXPLAIN cannot name from
     * their children (subqueries in FROM, window functions). */
    const char *rel_alias;
    const char **col_names;
    void *state;          /* kind-specific run state */
    /* run state */
    Arena *batch_arena;
    uint64_t remaining, to_skip; /* LIMIT */
    uint32_t pos;                /* RESULT/VALUES: rows emitted */
    int is_open;
    /* statistics for EXPLAIN ANALYZE (op.c): rows returned, op_open calls, time inside op_next */
    uint64_t st_rows, st_loops, st_nsec;
};

/* OP_SCAN's plan data. Output columns: the table's data columns in order, then the TABLE_HID_N hidden
 * columns (sql/tabledef.h); only columns with needed[i] set are filled (others stay NULL), so a query
 * decodes only what it uses. */
typedef struct ScanSpec {
    struct CatalogTable *table; /* referenced for the plan's lifetime */
    Store *store;
    uint8_t *needed;            /* n_cols flags */
    /* Pushdown (bind_scan.c fills these; op_scan.c evaluates them at open). They only ever make the
     * scan read less: the predicate they come from is still evaluated (by the FILTER above, or by the
     * scan itself through filter). */
    struct ScanBound *bounds;   /* conjuncts on _arrival_time / _sequence_number: start and stop positions */
    uint32_t n_bounds;
    struct ScanShardSet *shard_sets; /* conjuncts on _shard_id: which shards are read at all */
    uint32_t n_shard_sets;
    const char *pushdown_text;  /* the _arrival_time / _sequence_number conjuncts as SQL, for EXPLAIN */
    /* The whole WHERE predicate over the scan's output, when every part of it may run on the scan's
     * worker threads (no subqueries, outer references or aggregates): the scan returns only rows where
     * it is TRUE, so the binder drops the FILTER. NULL: the scan returns every row. */
    Expr *filter;
    const char *filter_text;    /* for EXPLAIN: filter's conjuncts that narrow no position, as SQL */
    /* Totals over every run (op_scan.c, updated at close), for EXPLAIN ANALYZE. */
    uint64_t st_records;        /* records read from the store */
    uint64_t st_bad;            /* records left out by the table's policy (skip, dead_letter) */
    uint64_t st_dead;           /* of those, copied to the dead-letter stream */
    uint32_t st_shards_read, st_shards_total; /* shards the last run read / the stream had */
    uint32_t st_workers;        /* worker threads of the last run (0: read on the consumer's thread) */
} ScanSpec;

/* A pushed-down comparison `column op value` (the column on the left; a reversed comparison is
 * flipped). */
typedef enum ScanBoundOp { SCAN_LT, SCAN_LE, SCAN_EQ, SCAN_GE, SCAN_GT } ScanBoundOp;
typedef struct ScanBound {
    uint8_t col;   /* TABLE_HID_ARRIVAL_TIME (value timestamptz) or TABLE_HID_SEQUENCE_NUMBER (value text) */
    uint8_t op;    /* ScanBoundOp */
    Expr *value;   /* no column references, no volatile functions: constants, parameters, now() - ... */
} ScanBound;

/* A pushed-down condition on _shard_id: the shard's id equals one of the values (is_in: `= v`, `IN
 * (...)`), or none of them (`<> v`, `NOT IN (...)`). Values are text, evaluated at open. */
typedef struct ScanShardSet {
    uint8_t is_in;
    Expr **values;
    uint32_t n_values;
} ScanShardSet;

/* Checkpointed queries (op_scan.c). Under weir.checkpoint each scan starts every shard at the position
 * saved under (checkpoint, table, shard) and records the end of its snapshot in the query's ScanCkpt;
 * engine.c calls scan_ckpt_commit when the query has completed, which saves them all in one catalog
 * transaction. A query that fails or is cancelled never commits, so it saves nothing. */
typedef struct ScanCkpt ScanCkpt;
/* An empty set in a (the query arena); NULL over budget. */
ScanCkpt *scan_ckpt_create(Arena *a);
/* Save the positions collected in ctx->ckpt under ctx->checkpoint (no-op without them). WEIR_OK, or
 * WEIR_ERROR with ctx->err (58030) when the catalog could not be written. */
int scan_ckpt_commit(ExecCtx *ctx) WEIR_WARN_UNUSED;

/* Aggregate functions OP_AGG computes. */
typedef enum AggFn {
    AGG_COUNT_STAR,
    AGG_COUNT,
    AGG_SUM_INT,     /* int2/int4 -> int8 */
    AGG_SUM_BIGINT,  /* int8 -> numeric */
    AGG_SUM_NUMERIC, /* numeric -> numeric */
    AGG_SUM_FLOAT,   /* float4/float8 -> same */
    AGG_AVG_INT,     /* int2/int4/int8 -> numeric */
    AGG_AVG_NUMERIC,
    AGG_AVG_FLOAT,   /* -> float8 */
    AGG_MIN,
    AGG_MAX,
    AGG_BOOL_AND,
    AGG_BOOL_OR,
    /* added with the aggregate library (bind_agg.c documents each one's argument and result types) */
    AGG_SUM_INTERVAL,  /* interval -> interval */
    AGG_AVG_INTERVAL,  /* interval -> interval */
    AGG_BIT_AND,       /* int2/int4/int8 -> same */
    AGG_BIT_OR,
    AGG_BIT_XOR,
    AGG_STRING_AGG,    /* args[0] value, args[1] delimiter: text or bytea */
    AGG_ARRAY_AGG,     /* -> the argument's array type (text form, as weir's arrays) */
    AGG_JSON_AGG,      /* args[0] is to_json(x): -> json */
    AGG_JSONB_AGG,     /* args[0] is to_jsonb(x): -> jsonb */
    AGG_JSON_OBJECT_AGG,  /* args[0] key, args[1] to_json(value): -> json */
    AGG_JSONB_OBJECT_AGG, /* args[0] key, args[1] to_jsonb(value): -> jsonb */
    AGG_VAR_SAMP,      /* int/numeric -> numeric, float -> float8; stddev* take the square root */
    AGG_VAR_POP,
    AGG_STDDEV_SAMP,
    AGG_STDDEV_POP,
    AGG_PERCENTILE_CONT, /* WITHIN GROUP (ORDER BY float8 | interval); direct: float8 or float8[] */
    AGG_PERCENTILE_DISC, /* WITHIN GROUP (ORDER BY any); direct: float8 or float8[] */
    AGG_MODE,            /* WITHIN GROUP (ORDER BY any) */
} AggFn;

typedef struct AggCall {
    AggFn fn;
    Expr *arg;          /* NULL for count(*); else args[0] */
    SqlType type;       /* result type */
    Expr *filter;       /* FILTER (WHERE ...), or NULL */
    /* added with the aggregate library: */
    Expr **args;        /* the aggregated arguments over the input (n_args; string_agg and *_object_agg: 2;
                         * ordered-set aggregates: the WITHIN GROUP value) */
    uint32_t n_args;
    Expr **order;       /* ORDER BY inside the call or WITHIN GROUP, over the input (n_order keys) */
    uint8_t *order_desc;
    uint8_t *order_nulls_first;
    uint32_t n_order;
    uint8_t distinct;   /* DISTINCT: each distinct args tuple once (NULLs equal) */
    Expr *direct;       /* ordered-set aggregates: the fraction (float8 or float8[]), over the input; it
                         * uses only grouped columns, so any row of a group gives the group's value */
} AggCall;

/* OP_AGG's plan data. Output: the n_keys group keys, then the n_aggs aggregates. Without keys there is
 * exactly one output row, even over no input (count(*) = 0, sum = NULL). */
typedef struct AggSpec {
    Expr **keys;
    uint32_t n_keys;
    AggCall *aggs;
    uint32_t n_aggs;
} AggSpec;

/* One aggregate's running state outside OP_AGG, for aggregates used as window functions (op_window.c):
 * the same functions and results as OP_AGG. Not for DISTINCT, ORDER BY inside the call or ordered-set
 * aggregates (0A000). create: state in arena a (53200 over its budget); add: one row, args holding the
 * values of c's arguments (c->n_args of them; ignored for count(*)) -- FILTER is the caller's;
 * final: the aggregate of the rows added since the last reset into *out, strings copied into a, the
 * state unchanged (more rows may follow); reset: back to no rows; destroy: frees the malloc'd scratch
 * (the rest lives in the arena). Errors are PostgreSQL's (22003 overflow, 22023 JSON keys). */
typedef struct AggAcc AggAcc;
int agg_acc_create(const AggCall *c, Arena *a, AggAcc **out, SqlError *err) WEIR_WARN_UNUSED;
int agg_acc_add(AggAcc *acc, ExecCtx *ctx, const SqlValue *args) WEIR_WARN_UNUSED;
int agg_acc_final(AggAcc *acc, ExecCtx *ctx, Arena *a, SqlValue *out) WEIR_WARN_UNUSED;
void agg_acc_reset(AggAcc *acc);
void agg_acc_destroy(AggAcc **acc);

/* Streaming aggregation (stream/sop_agg.c) keeps a group's states in a checkpointed state table instead
 * of an AggAcc's arena. An aggregate whose state is flat (fixed size, no pointers: counts, sums, averages
 * and variances, min/max over types that are not strings, bool and bit aggregates) can live there as
 * OP_AGG's own state bytes, folded by OP_AGG's own step, so its results are OP_AGG's to the bit.
 * state_layout: the size and alignment of acc's state and whether it is flat. add_to / final_of:
 * agg_acc_add / agg_acc_final on the state at st (size and alignment as told; all zero bytes is "no
 * rows") instead of acc's own; a flat state may be copied bytewise between calls. */
void agg_acc_state_layout(const AggAcc *acc, size_t *size, size_t *align, int *is_flat);
int agg_acc_add_to(AggAcc *acc, ExecCtx *ctx, uint8_t *st, const SqlValue *args) WEIR_WARN_UNUSED;
int agg_acc_final_of(AggAcc *acc, ExecCtx *ctx, Arena *a, const uint8_t *st, SqlValue *out) WEIR_WARN_UNUSED;

/* The result of ordered-set aggregate c (percentile_cont, percentile_disc, mode) over a group whose
 * WITHIN GROUP values, already in the call's sort order, are vals[0..n) (NULLs allowed: they take no
 * part), with fraction *direct (c->direct's value for the group; NULL for mode): OP_AGG's own final
 * function, so the same result. Strings of *out in a. Errors as OP_AGG's (22003 for a fraction outside
 * [0, 1], 53200). */
int agg_oset_result(const AggCall *c, ExecCtx *ctx, Arena *a, const SqlValue *direct, const SqlValue *vals,
                    uint32_t n, SqlValue *out) WEIR_WARN_UNUSED;

int op_agg_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_agg_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_agg_close(Op *op);

/* OP_SORT's plan data: sort keys are columns of the child's output. */
typedef struct SortSpec {
    uint32_t n_keys;
    uint32_t *cols;
    uint8_t *desc;
    uint8_t *nulls_first;
} SortSpec;

int op_sort_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_sort_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_sort_close(Op *op);
/* After op_open and before the first op_next: only the first `bound` rows of the sorted output will
 * be read (a LIMIT above it), so the sort may keep just those (top-N). 0 = unbounded. */
void op_sort_set_bound(Op *op, uint64_t bound);

/* OP_FUNCSCAN's plan data: the function's output columns (one; _pg_expandarray: x and n). Without a
 * child (FROM) the arguments are evaluated once at open (they may read the enclosing query's row, not
 * other FROM items). With a child (a set-returning function in a SELECT list, PostgreSQL's ProjectSet)
 * the arguments are expressions over the child's rows, and the output columns are the child's followed
 * by the function's (op_funcscan.c). */
typedef enum FuncScanKind {
    FUNCSCAN_SERIES_INT,
    FUNCSCAN_SERIES_NUMERIC,
    FUNCSCAN_SERIES_TS,
    FUNCSCAN_UNNEST,
    FUNCSCAN_EXPAND_ARRAY, /* information_schema._pg_expandarray(anyarray): (x anyelement, n int4) */
} FuncScanKind;
typedef struct FuncScanSpec {
    FuncScanKind kind;
    Expr **args;
    uint32_t n_args;
} FuncScanSpec;

int op_funcscan_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_funcscan_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_funcscan_close(Op *op);

/* OP_WINASSIGN's plan data: tumble(t, ts, size [, offset]), hop(t, ts, slide, size [, offset]),
 * session(t, ts, gap [, key, ...]) in FROM. The output is the child's columns (t's), then window_start and
 * window_end, of time_col's type (timestamptz or timestamp; both held as microseconds in SqlValue.u.i).
 * A row whose time is NULL belongs to no window and is left out. tumble: one window per row,
 * [start, start + size) with start = offset + floor((ts - offset) / size) * size (aligned to 1970-01-01
 * 00:00 UTC plus offset, as Flink). hop: the size / slide windows [s, s + size) with s a multiple of slide
 * (plus offset) and s <= ts < s + size, earliest first. session: per partition (the keys' values), rows in
 * time order; a row more than gap after the previous one starts a new session; a session is [first ts,
 * last ts + gap). Sizes are in microseconds (intervals without months or days of variable length). */
typedef enum WinAssignKind { WINASSIGN_TUMBLE, WINASSIGN_HOP, WINASSIGN_SESSION } WinAssignKind;
typedef struct WinAssignSpec {
    WinAssignKind kind;
    uint32_t time_col;  /* the child's column holding the event time */
    int64_t size_us;    /* tumble, hop */
    int64_t slide_us;   /* hop */
    int64_t offset_us;  /* tumble, hop (0 unless given) */
    int64_t gap_us;     /* session */
    uint32_t *part_cols; /* session: the partition key columns of the child */
    uint32_t n_part;
} WinAssignSpec;

/* The first (earliest-starting) window of a tumble or hop spec containing ts, and how many windows contain
 * it (1 for tumble; size / slide for hop): window k is [first + k * step, first + k * step + size). */
void winassign_windows(const WinAssignSpec *ws, int64_t ts, int64_t *first_start, uint32_t *n, int64_t *step);

/* The binder's bounds on a spec (bind_tvf.c), which keep the window arithmetic inside int64 for every
 * valid timestamp: size, slide and gap at most WINASSIGN_MAX_US (a million days), a hop at most
 * WINASSIGN_MAX_HOP windows per row. The offset may be any interval (only its remainder by the slide or
 * size matters). */
#define WINASSIGN_MAX_US (INT64_C(1000000) * 86400 * 1000000)
#define WINASSIGN_MAX_HOP 1000000

int op_winassign_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_winassign_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_winassign_close(Op *op);

/* OP_UNIQUE's plan data: rows are equal when these columns are IS NOT DISTINCT FROM. */
typedef struct UniqueSpec {
    uint32_t n_keys;
    uint32_t *cols;
} UniqueSpec;

/* OP_JOIN's plan data. Output: the left (child) columns then the right columns; SEMI and ANTI output the
 * left columns only. Rows match when every key pair is equal (lkeys[i] over the left row, rkeys[i] over
 * the right row, the binder has given each pair one type; NULL keys never match, as SQL's =) and the
 * residual predicate, evaluated over the combined row (left columns then right columns), is TRUE. With
 * no keys every pair of rows is a candidate (cross join, or nested loop over the residual). LEFT/FULL emit
 * unmatched left rows with NULL right columns, RIGHT/FULL unmatched right rows with NULL left columns. */
typedef enum JoinType { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI } JoinType;

typedef struct JoinSpec {
    JoinType type;
    uint32_t n_keys;
    Expr **lkeys;
    Expr **rkeys;
    Expr *residual; /* or NULL */
} JoinSpec;

int op_join_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_join_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_join_close(Op *op);

/* OP_SETOP's plan data: child and right have the same column types; rows compare as IS NOT DISTINCT
 * FROM on every column. INTERSECT: distinct rows in both; INTERSECT ALL: each row min(l, r) times;
 * EXCEPT: distinct left rows not in right; EXCEPT ALL: max(l - r, 0) times. (UNION is APPEND then a
 * DISTINCT aggregation.) */
typedef enum SetOpType { SETOP_INTERSECT, SETOP_EXCEPT } SetOpType;

typedef struct SetOpSpec {
    SetOpType type;
    int all;
} SetOpSpec;

int op_setop_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_setop_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_setop_close(Op *op);

/* OP_WINDOW: spec is the window binder's WindowSpec (exec/window.h). */
int op_window_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_window_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_window_close(Op *op);

/* OP_SYSTAB: spec is a SysTabSpec (exec/syscat.h). */
int op_systab_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_systab_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_systab_close(Op *op);

/* OP_EXPLAIN: spec is an ExplainSpec (exec/explain.h). */
int op_explain_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_explain_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_explain_close(Op *op);

/* One line describing a scan for EXPLAIN: the table, the stream, pushed-down positions and pruned
 * shards (written into out, NUL-terminated, truncated to cap). */
void op_scan_explain(const Op *op, char *out, size_t cap);

/* A consumer OP_SCAN's worker threads feed directly (partial aggregation: op_agg.c). consume is called
 * on worker `worker`'s thread (0 .. op_scan_parallel_workers - 1, the last being the consumer's own
 * thread, which reads a shard itself instead of waiting; one call at a time per worker) with
 * a batch it produced, valid during the call, and that batch's arena for scratch. It returns WEIR_OK
 * (consumed), SCAN_SINK_FULL (nothing consumed, and no more for this worker: the batch and the
 * worker's later ones go to op_scan_next as usual), or WEIR_ERROR with *err filled (the query fails
 * with it). */
#define SCAN_SINK_FULL 2
typedef struct ScanSink {
    int (*consume)(void *arg, uint32_t worker, const Batch *b, Arena *scratch, SqlError *err);
    void *arg;
} ScanSink;

/* The number of sink callers of an open scan: its worker threads plus the consumer's thread; 0 when
 * it reads on the consumer's thread only (a sink is then never called). */
uint32_t op_scan_parallel_workers(const Op *op);

/* From now on hand the workers' batches to sink (kept by pointer: it must outlive the scan's run).
 * Batches already queued still come from op_scan_next, which returns NULL once every worker has
 * exited. No-op for a scan without workers. Consumer thread only. */
void op_scan_set_sink(Op *op, const ScanSink *sink);

int op_scan_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_scan_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_scan_close(Op *op);

int op_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_close(Op *op);

/* Check the cancel flag; returns WEIR_ERROR with 57014 when set. */
int exec_check_cancel(ExecCtx *ctx) WEIR_WARN_UNUSED;

/* An ExprCtx for evaluating in arena a. */
void exec_expr_ctx(const ExecCtx *ctx, Arena *a, ExprCtx *out);

#endif
