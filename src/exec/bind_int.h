/*
 * bind_int.h: the binder's internal interface, shared by its files: bind_expr.c (coercion, function
 * and operator resolution, expressions), bind_agg.c (aggregate calls), bind_window.c (window
 * functions), bind_select.c (queries: FROM, joins, subqueries, set operations, the SELECT pipeline),
 * bind_scan.c (predicates pushed into scans), bind_explain.c (EXPLAIN) and bind.c (utility statements
 * and the entry point).
 */
#ifndef WEIR_EXEC_BIND_INT_H
#define WEIR_EXEC_BIND_INT_H

#include "exec/bind.h"

/* ---- positions and errors (bind_expr.c) ---- */

/* 1-based character position in the full query of a byte location inside this statement (0: none). */
int bind_pos(const BindCtx *ctx, int location);
#define BIND_ERR(ctx, state, loc, ...) sql_error_set((ctx)->err, (state), bind_pos((ctx), (loc)), __VA_ARGS__)
/* 53200 "out of memory while planning"; returns WEIR_ERROR. */
int bind_oom(BindCtx *ctx);

/* ---- expressions (bind_expr.c) ---- */

Expr *bind_expr_new(BindCtx *ctx, ExprKind kind, SqlType type, int location, uint32_t n_args);
/* PostgreSQL's name of a type ("integer", "character varying(10)") in buf. */
const char *bind_type_str(SqlType t, char *buf, size_t n);
/* Convert *ep to t (explicit_: a CAST, else only implicit casts and unknown literals). */
int bind_coerce(BindCtx *ctx, Expr **ep, SqlType t, int explicit_, int location) WEIR_WARN_UNUSED;
/* The type n expressions resolve to together (UNION, CASE, VALUES, IN), as PostgreSQL's
 * select_common_type; context names the construct in errors. */
int bind_common_type(BindCtx *ctx, Expr **es, uint32_t n, const char *context, SqlType *out) WEIR_WARN_UNUSED;
/* A call of function or operator name over args (resolved, arguments coerced), or NULL with the error. */
Expr *bind_call(BindCtx *ctx, const char *name, int is_op, Expr **args, uint32_t n, int location);
/* The comparison operator op for *a and *b (both coerced to the operator's argument types). */
int bind_cmp_def(BindCtx *ctx, const char *op, Expr **a, Expr **b, int location, const SqlFnDef **def,
                 void **state) WEIR_WARN_UNUSED;
Expr *bind_expr(BindCtx *ctx, PgQuery__Node *n);
int bind_type_name(BindCtx *ctx, PgQuery__TypeName *tn, SqlType *out) WEIR_WARN_UNUSED;
const char *bind_node_str(const PgQuery__Node *n);
void bind_lower_copy(const char *s, char *out, size_t cap);
/* The last name of a qualified name list. */
const char *bind_qualified_last(PgQuery__Node **names, size_t n);
/* PostgreSQL's FigureColname: the name of an unnamed target-list column. */
const char *bind_figure_colname(PgQuery__Node *n);
/* Structural equality of bound expressions. */
int bind_expr_equal(const Expr *a, const Expr *b);
int bind_value_equal(const SqlValue *a, const SqlValue *b);

/* ---- aggregates (bind_agg.c) ---- */

typedef struct AggBind {
    AggCall *calls;
    uint32_t n, cap;
    int nested; /* inside an aggregate's argument */
} AggBind;

/* Whether name is an aggregate function (with agg_star or a WITHIN GROUP, FuncCall decides too). */
int bind_is_agg(const PgQuery__FuncCall *fc, const char *name);
/* An aggregate call: recorded in ctx->agg, returned as an EXPR_AGGREF. */
Expr *bind_agg_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name);
/* Rewrite an expression bound over the aggregation's input into one over its output (keys, then
 * aggregates); a bare input column is 42803. */
int bind_agg_rewrite(BindCtx *ctx, Expr **ep, Expr **keys, uint32_t n_keys) WEIR_WARN_UNUSED;
/* Whether a parse tree calls an aggregate (outside of subqueries and window calls' OVER). */
int bind_node_has_agg(PgQuery__Node *n);
int bind_nodes_have_agg(PgQuery__Node **ns, size_t n);

/* ---- window functions (bind_window.c) ---- */

typedef struct WinBind WinBind;
/* Start collecting the window calls of one SELECT; window_clause is its WINDOW list (named windows). */
WinBind *bind_window_begin(BindCtx *ctx, PgQuery__Node **window_clause, size_t n_window_clause);
/* A call with OVER: recorded in ctx->win, returned as an EXPR_WINREF (42P20 when ctx->win is NULL). */
Expr *bind_window_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name);
uint32_t bind_window_count(const WinBind *wb);
/* After aggregation: rewrite the recorded calls' expressions over the aggregation's output. */
int bind_window_rewrite(BindCtx *ctx, WinBind *wb, Expr **keys, uint32_t n_keys) WEIR_WARN_UNUSED;
/* Plan OP_WINDOW over child (its output: child's columns, then one per call) and rewrite every
 * EXPR_WINREF in exprs[0..n) into a column of it. */
int bind_window_finish(BindCtx *ctx, WinBind *wb, Op *child, Expr **exprs, uint32_t n, Op **out) WEIR_WARN_UNUSED;

/* ---- queries (bind_select.c) ---- */

Op *bind_op_new(BindCtx *ctx, OpKind kind, uint32_t n_cols, Op *child);
/* A query (SELECT, VALUES, set operation) into out (root, cols). */
int bind_select(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out) WEIR_WARN_UNUSED;
/* A subquery in an expression (EXISTS, IN, ANY/ALL, scalar): an EXPR_SUBLINK. */
Expr *bind_sublink(BindCtx *ctx, PgQuery__SubLink *sl);

/* ---- scans (bind_scan.c) ---- */

/* Narrow scan (an OP_SCAN) with the conjuncts of pred (over the scan's output columns) that name
 * positions: _arrival_time, _sequence_number and _shard_id comparisons become iterator start/stop
 * positions and shard pruning. pred stays in place (it is still evaluated), so this only ever reads less. */
int bind_scan_pushdown(BindCtx *ctx, Op *scan, const Expr *pred) WEIR_WARN_UNUSED;

/* ---- EXPLAIN (bind_explain.c) ---- */

int bind_explain(BindCtx *ctx, PgQuery__ExplainStmt *e, BoundStmt *out) WEIR_WARN_UNUSED;

#endif
