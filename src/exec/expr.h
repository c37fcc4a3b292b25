/*
 * expr.h: bound scalar expressions and their vectorized evaluation.
 *
 * The binder (exec/bind.c) turns parse-tree expressions into Expr trees whose every node has its final
 * type: function calls are resolved against sql/func.h and their arguments wrapped in casts, string
 * literals have been given types, column references are indexes into the input batch of the operator
 * that evaluates them. Evaluation takes a batch and produces one vector (exec/vec.h).
 *
 * Memory: Expr trees live in the statement's plan arena; evaluation output goes into ExprCtx.arena (the
 * batch arena). A column reference's output shares the input vector's storage (no copy).
 *
 * NULL semantics are SQL's: strict functions give NULL on any NULL input, AND/OR use three-valued logic,
 * CASE evaluates each THEN/ELSE branch only on the rows that take it (so `CASE WHEN x = 0 THEN 0 ELSE
 * 1 / x END` never divides by zero), and COALESCE evaluates an argument only on rows still NULL.
 */
#ifndef WEIR_EXEC_EXPR_H
#define WEIR_EXEC_EXPR_H

#include <stdint.h>

#include "base/arena.h"
#include "exec/engine.h"
#include "exec/vec.h"
#include "sql/func.h"
#include "sql/typeio.h"

typedef enum ExprKind {
    EXPR_CONST,
    EXPR_PARAM,       /* u.param: 0-based parameter index */
    EXPR_COL,         /* u.col: index into the input batch */
    EXPR_FUNC,        /* u.fn, args */
    EXPR_AND,         /* args (2 or more) */
    EXPR_OR,          /* args (2 or more) */
    EXPR_NOT,         /* args[0] */
    EXPR_IS_NULL,     /* args[0] */
    EXPR_IS_NOT_NULL, /* args[0] */
    EXPR_IS_TRUE,     /* args[0] (bool); IS TRUE / IS NOT FALSE etc. via u.test */
    EXPR_DISTINCT,    /* args[0] IS DISTINCT FROM args[1]; u.fn holds "=" for the pair's type */
    EXPR_NOT_DISTINCT,
    EXPR_CASE,        /* args: when1, then1, when2, then2, ..., [else]; u.has_else */
    EXPR_COALESCE,    /* args */
    EXPR_NULLIF,      /* args[0], args[1]; u.fn holds "=" */
    EXPR_CAST,        /* args[0] to type */
    EXPR_IN,          /* args[0] IN (args[1..]); u.fn holds "="; u.negated for NOT IN */
    EXPR_GREATEST,    /* args; u.fn holds ">" */
    EXPR_LEAST,       /* args; u.fn holds "<" */
    EXPR_AGGREF,      /* binder-internal: aggregate number u.col, replaced by a column before execution */
    EXPR_WINREF,      /* binder-internal: window function number u.col, replaced by a column of OP_WINDOW */
    EXPR_OUTER,       /* a column of an enclosing query's row: u.outer (correlated subqueries) */
    EXPR_SUBLINK,     /* a subquery in an expression: u.sub; args[0..n_args) are the tested values of
                       * ANY/ALL/ROWCOMPARE (one, or a row constructor's items) */
    EXPR_ARRAY,       /* ARRAY[args...]: a one-dimensional array of the args (all of the element type) */
    EXPR_SUBSCRIPT,   /* args[0][args[1]]: an array's element (1-based; NULL out of range) */
    EXPR_ANY_ARRAY,   /* args[0] op ANY/ALL (args[1], an array): u.cmp.pair is the comparison over the
                       * row (x, element); u.cmp.negated set for ALL */
    EXPR_ROW,         /* ROW(args...): an anonymous row (type record, its text form; expr_record.c) */
    EXPR_FIELD,       /* (args[0]).field: field number args[1] (an int8 constant) of a record, of type */
} ExprKind;

/* Subquery kinds (PostgreSQL's SubLinkType). */
typedef enum SublinkKind {
    SUBLINK_EXISTS, /* EXISTS (q): bool */
    SUBLINK_ANY,    /* x op ANY (q), x IN (q): bool, three-valued */
    SUBLINK_ALL,    /* x op ALL (q), x NOT IN (q) is NOT (x = ANY (q)) */
    SUBLINK_EXPR,   /* (q): the one column of the one row (NULL when no row; 21000 when more than one) */
    SUBLINK_ARRAY,  /* ARRAY(q): the column's values in order, as an array (empty array when no row) */
    SUBLINK_ROWCOMPARE, /* (a, b) op (q): the row compared with q's one row (NULL when no row; 21000 when
                         * more than one) */
} SublinkKind;

/* The row of an enclosing query a correlated subquery is evaluated for; up leads further out. */
typedef struct OuterRow {
    const struct Batch *batch;
    uint32_t row;
    const struct OuterRow *up;
} OuterRow;

typedef struct Expr Expr;
struct Expr {
    ExprKind kind;
    SqlType type;
    int location; /* byte offset of the expression in the full query text, -1 when unknown */
    uint32_t n_args;
    Expr **args;
    union {
        SqlValue cval; /* CONST (strings in the plan arena) */
        uint32_t param;
        uint32_t col;
        struct {
            const SqlFnDef *def;
            void *state;
        } fn;
        struct {
            const SqlFnDef *def; /* comparison used by DISTINCT, NULLIF, IN, GREATEST, LEAST */
            void *state;
            uint8_t negated;     /* NOT IN */
            struct Expr *pair;   /* ANY_ARRAY: the comparison over a two-column row (x, element), kept out
                                  * of args so tree walkers never take its columns for the input's */
        } cmp;
        uint8_t has_else; /* CASE */
        struct {
            uint32_t level;  /* 1: the immediately enclosing query */
            uint32_t col;    /* column of that query's input batch */
        } outer;
        struct {
            uint8_t kind;            /* SublinkKind */
            uint8_t correlated;      /* contains EXPR_OUTER of level 1 or more relative to itself: re-run per row */
            struct Op *plan;         /* the subquery (its first column is the value) */
            const SqlFnDef *cmp;     /* ANY/ALL/ROWCOMPARE: the operator (of the first pair, for a row) */
            void *cmp_state;
            struct Expr *cmp_expr;   /* ANY/ALL/ROWCOMPARE: the comparison over a row of 2k columns, the k
                                      * tested values then the subquery's k values (bind_row_compare); kept
                                      * out of args so tree walkers never take its columns for the input's */
            uint64_t cached_run;     /* ExecCtx.run_id of the cache (uncorrelated result or memo table) */
            uint32_t *memo_cols;     /* correlated: the enclosing row's columns it reads (its results are
                                      * memoized by their values); NULL when it also reads further out */
            uint32_t n_memo;
            void *cache;             /* run state in the query arena (exec/expr_sublink.c) */
        } sub;
        struct {
            uint8_t want;    /* IS TRUE: 1, IS FALSE: 0 */
            uint8_t negated; /* IS NOT TRUE / IS NOT FALSE */
        } test;
    } u;
};

typedef struct ExprCtx {
    Arena *arena;               /* output vectors and strings */
    const SqlFormatOpts *fmt;   /* session settings */
    const SqlValue *params;     /* bound parameter values */
    uint32_t n_params;
    int64_t stmt_time_usec;     /* now() */
    SqlError *err;
    const char *query;          /* for error positions */
    const char *session_user;   /* current_user, current_database(), version() */
    const char *database;
    const char *server_version;
    struct ExecCtx *exec;       /* for subqueries: the running query (NULL outside operators) */
    const OuterRow *outer;      /* EXPR_OUTER's rows */
} ExprCtx;

/* Evaluate e over the rows of in (in may be NULL with n rows for expressions without column
 * references), producing out (type e->type, n rows). Returns WEIR_OK, or WEIR_ERROR with ctx->err. */
int expr_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out) WEIR_WARN_UNUSED;

/* Evaluate a boolean expression and keep only the rows where it is TRUE: writes their indexes into sel
 * (VEC_BATCH entries) and returns the count via *n_sel. */
int expr_filter(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t *sel, uint32_t *n_sel) WEIR_WARN_UNUSED;

/* The array text form ("{1,NULL,\"a b\"}", weir's representation of arrays) of vals[0..n), in a. */
int expr_array_text(const SqlValue *vals, uint32_t n, const SqlFormatOpts *fmt, Arena *a, Slice *out) WEIR_WARN_UNUSED;

/* The elements of a one-dimensional array text as values of type t (into *vals, from ctx->arena):
 * the count, or -1 with ctx->err (22P02 for a malformed literal). */
int64_t expr_array_parse(ExprCtx *ctx, Slice s, SqlType t, SqlValue **vals);

/* The element type of a catalog vector (int2vector: int2, oidvector: oid), or SQL_UNKNOWN (0). */
static inline SqlTypeId expr_vector_elem(SqlTypeId t)
{
    return t == SQL_INT2VECTOR ? SQL_INT2 : t == SQL_OIDVECTOR ? SQL_OID : SQL_UNKNOWN;
}

/* The elements of an array or a catalog vector value s of type container (into *vals, from
 * ctx->arena) and the subscript of the first one (*lower: 1 for arrays, 0 for vectors): the count, or
 * -1 with ctx->err. */
int64_t expr_elems_parse(ExprCtx *ctx, Slice s, SqlTypeId container, SqlValue **vals, int64_t *lower);

/* EXPR_SUBLINK over n rows of in (expr_sublink.c). */
int expr_sublink_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out) WEIR_WARN_UNUSED;
/* x op ANY/ALL (is_all) over vals[0..n_vals), for the one row of x (expr_sublink.c): cmp is the
 * comparison over the row (x, a value); *res is 1, 0 or -1 (NULL) in SQL's three-valued logic (FALSE
 * for ANY and TRUE for ALL over no values). WEIR_ERROR with ctx->err when a comparison fails. */
int expr_any_all_values(ExprCtx *ctx, const Expr *cmp, const Vec *x, const SqlValue *vals, uint32_t n_vals,
                        int is_all, int *res) WEIR_WARN_UNUSED;

/* EXPR_ROW and EXPR_FIELD over n rows of in (expr_record.c). */
int expr_row_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out) WEIR_WARN_UNUSED;
int expr_field_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out) WEIR_WARN_UNUSED;

/* Gather rows sel[0..n_sel) of src into dst (vec_init'ed by the call, type of src). */
int vec_gather(const Vec *src, const uint32_t *sel, uint32_t n_sel, Arena *a, Vec *dst) WEIR_WARN_UNUSED;

/* A new batch of rows sel[0..n_sel) of in, every column gathered, from a (in NULL: a batch of n_sel rows
 * and no columns). NULL over budget. */
Batch *batch_gather(const Batch *in, const uint32_t *sel, uint32_t n_sel, Arena *a);

/* Fill rows 0..n of out with the value v (out vec_init'ed by the call with v's type). */
int vec_broadcast(const SqlValue *v, uint32_t n, Arena *a, Vec *out) WEIR_WARN_UNUSED;

#endif
