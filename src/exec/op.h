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
} OpKind;

typedef struct Op Op;
struct Op {
    OpKind kind;
    uint32_t n_cols;
    SqlType *types;   /* output column types */
    Op *child;
    /* plan parameters */
    Expr **exprs;     /* PROJECT: n_cols exprs; VALUES: n_rows * n_cols exprs */
    uint32_t n_rows;  /* VALUES */
    Expr *pred;       /* FILTER */
    Expr *limit, *offset; /* LIMIT: evaluated at open (may be params); NULL = none */
    void *spec;           /* kind-specific plan data (OP_SCAN: ScanSpec) */
    void *state;          /* kind-specific run state */
    /* run state */
    Arena *batch_arena;
    uint64_t remaining, to_skip; /* LIMIT */
    uint32_t pos;                /* RESULT/VALUES: rows emitted */
    int is_open;
};

/* OP_SCAN's plan data. Output columns: the table's data columns in order, then the TABLE_HID_N hidden
 * columns (sql/tabledef.h); only columns with needed[i] set are filled (others stay NULL), so a query
 * decodes only what it uses. */
typedef struct ScanSpec {
    struct CatalogTable *table; /* referenced for the plan's lifetime */
    Store *store;
    uint8_t *needed;            /* n_cols flags */
} ScanSpec;

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
} AggFn;

typedef struct AggCall {
    AggFn fn;
    Expr *arg;          /* NULL for count(*) */
    SqlType type;       /* result type */
    Expr *filter;       /* FILTER (WHERE ...), or NULL */
} AggCall;

/* OP_AGG's plan data. Output: the n_keys group keys, then the n_aggs aggregates. Without keys there is
 * exactly one output row, even over no input (count(*) = 0, sum = NULL). */
typedef struct AggSpec {
    Expr **keys;
    uint32_t n_keys;
    AggCall *aggs;
    uint32_t n_aggs;
} AggSpec;

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
