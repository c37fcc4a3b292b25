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
} ExecCtx;

typedef enum OpKind {
    OP_RESULT,  /* one row of zero columns (SELECT without FROM) */
    OP_VALUES,  /* rows of constant expressions */
    OP_PROJECT, /* exprs over the child's rows */
    OP_FILTER,  /* rows of the child where pred is TRUE */
    OP_LIMIT,   /* offset, then at most limit rows */
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
    /* run state */
    Arena *batch_arena;
    uint64_t remaining, to_skip; /* LIMIT */
    uint32_t pos;                /* RESULT/VALUES: rows emitted */
    int is_open;
};

int op_open(Op *op, ExecCtx *ctx) WEIR_WARN_UNUSED;
int op_next(Op *op, ExecCtx *ctx, Batch **out) WEIR_WARN_UNUSED;
void op_close(Op *op);

/* Check the cancel flag; returns WEIR_ERROR with 57014 when set. */
int exec_check_cancel(ExecCtx *ctx) WEIR_WARN_UNUSED;

/* An ExprCtx for evaluating in arena a. */
void exec_expr_ctx(const ExecCtx *ctx, Arena *a, ExprCtx *out);

#endif
