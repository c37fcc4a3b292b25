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
/* l IS [NOT] DISTINCT FROM r, or NULLIF(l, r) (k): the node with the pair's = (bind_cmp_def); NULL with
 * the error. */
Expr *bind_eq_node(BindCtx *ctx, ExprKind k, Expr *l, Expr *r, int location);
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

/* ---- row constructors in comparisons (bind_row.c) ---- */

/* One side of a row comparison: a row constructor's items (bound again at each use), or columns
 * first_col.. of the given types (the pseudo-row a subquery comparison is evaluated over). */
typedef struct BindRowSide {
    PgQuery__Node **nodes; /* non-NULL: the items */
    const SqlType *types;  /* else: the columns' types */
    uint32_t first_col;
    int location;
    int is_scalar; /* a single value, not a row constructor (x op ANY (q)): PostgreSQL's messages differ */
} BindRowSide;
/* l op r over rows of n items, as PostgreSQL's make_row_comparison_op: = is the AND of the pairs, <> the
 * OR, < <= > >= lexicographic; one item is just the operator. A boolean Expr, or NULL with the error
 * (42601, 42883, 42804, 0A000 for another operator). *first_def (optional): the first pair's operator. */
Expr *bind_row_compare(BindCtx *ctx, const char *op, uint32_t n, const BindRowSide *l, const BindRowSide *r,
                       int location, const SqlFnDef **first_def);
/* Whether an operator expression has a row constructor operand (or IN-list item). */
int bind_row_involved(const PgQuery__AExpr *a);
/* Such an expression: row op row, IS [NOT] DISTINCT FROM, [NOT] IN (row, ...); NULL with the error. */
Expr *bind_row_aexpr(BindCtx *ctx, PgQuery__AExpr *a);

/* An anonymous row type of the statement: record typmod k is ctx->records entry k. */
typedef struct BindRecordType {
    uint32_t n;
    const char **names;
    SqlType *types;
} BindRecordType;
/* Register a row type of n fields; *out becomes {SQL_RECORD, its typmod}. */
int bind_record_type(BindCtx *ctx, uint32_t n, const char *const *names, const SqlType *types,
                     SqlType *out) WEIR_WARN_UNUSED;
/* The fields of a record type t (a registered typmod), or NULL. */
const BindRecordType *bind_record_lookup(const BindCtx *ctx, SqlType t);
/* An EXPR_ROW of fields[0..n) named names (unknown literals become text). */
Expr *bind_row_value(BindCtx *ctx, Expr **fields, const char *const *names, uint32_t n, int location);
/* ROW(a, b) as a value: fields f1, f2, ... */
Expr *bind_row_constructor(BindCtx *ctx, PgQuery__RowExpr *row);
/* (rec).name: the field's expression when rec is an EXPR_ROW, else an EXPR_FIELD; 42809 / 42703. */
Expr *bind_row_field(BindCtx *ctx, Expr *rec, const char *name, int location);

/* ---- set-returning functions in a SELECT list (bind_srf.c) ---- */

/* Before the SELECT list of s is bound over *root (FROM and WHERE done): when the list calls a
 * set-returning function (generate_series, unnest, information_schema._pg_expandarray), plan it as
 * an OP_FUNCSCAN over *root (PostgreSQL's ProjectSet: the child's columns, then the function's, one row
 * per value) and set ctx->srf, so each call of it in the list binds to its columns. 0A000 for more than
 * one distinct call, or one in a grouped or windowed query. */
int bind_srf_begin(BindCtx *ctx, PgQuery__SelectStmt *s, Op **root) WEIR_WARN_UNUSED;
/* Whether fc is a call of the planned function: then *out is its column (a row of its columns for
 * _pg_expandarray), or NULL with the error. */
int bind_srf_ref(BindCtx *ctx, PgQuery__FuncCall *fc, Expr **out);
/* 0A000 when fc calls a set-returning function (somewhere it cannot run), else WEIR_OK. */
int bind_srf_refuse(BindCtx *ctx, PgQuery__FuncCall *fc) WEIR_WARN_UNUSED;
/* The OP_FUNCSCAN plan data of the set-returning call fc whose arguments are bound in args (coerced in
 * place): *out, the output column types in types[0..*n_out) (n_out <= 2). 0A000 for another function,
 * 42883 for arguments it does not take. */
int bind_srf_spec(BindCtx *ctx, PgQuery__FuncCall *fc, Expr **args, FuncScanSpec **out, SqlType *types,
                  uint32_t *n_out) WEIR_WARN_UNUSED;
/* Output column i's name: fn_name, or x / n for _pg_expandarray. */
const char *bind_srf_column_name(const FuncScanSpec *sp, uint32_t i, const char *fn_name);

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

/* A bound FROM item: the operator producing its rows and the columns it makes visible (ScopeCol.index
 * counts from the operator's first output column). */
typedef struct FromItem {
    Op *op;
    ScopeCol *cols;
    uint32_t n;
    uint8_t is_scan; /* op is an OP_SCAN (WHERE conjuncts on it are offered to bind_scan_pushdown) */
} FromItem;

Op *bind_op_new(BindCtx *ctx, OpKind kind, uint32_t n_cols, Op *child);
/* One FROM item n (table, CTE, catalog, subquery, join, function) into *it; qs is the scope of the
 * query whose FROM it is (its parent is what subqueries in the item may reference). */
int bind_from_item(BindCtx *ctx, PgQuery__Node *n, Scope *qs, FromItem *it) WEIR_WARN_UNUSED;
/* A query (SELECT, VALUES, set operation) into out (root, cols). */
int bind_select(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out) WEIR_WARN_UNUSED;
/* A subquery in an expression (EXISTS, IN, ANY/ALL, scalar): an EXPR_SUBLINK. */
Expr *bind_sublink(BindCtx *ctx, PgQuery__SubLink *sl);

/* ---- window table functions in FROM (bind_tvf.c) ---- */

/* The WinAssignKind fc calls (tumble, hop, session: unqualified, any case), or -1 for another function. */
int bind_tvf_kind(const PgQuery__FuncCall *fc);
/* The function's name for a kind ("tumble", "hop", "session"). */
const char *bind_tvf_name(int kind);
/* fc (a RangeFunction rf in FROM) as an OP_WINASSIGN over its first argument, a table, CTE or
 * subquery bound in qs: *it holds the input's columns then window_start and window_end, every column
 * still named after the input (the caller applies the FROM alias). Errors: 42883 wrong arguments, 42804
 * a time column that is not a timestamp, 22023 / 0A000 bad sizes, 0A000 LATERAL, WITH ORDINALITY. */
int bind_tvf(BindCtx *ctx, PgQuery__RangeFunction *rf, PgQuery__FuncCall *fc, Scope *qs,
             FromItem *it) WEIR_WARN_UNUSED;

/* ---- scans (bind_scan.c) ---- */

/* Narrow scan (an OP_SCAN) with the conjuncts of pred (over the scan's output columns) that name
 * positions: _arrival_time, _sequence_number and _shard_id comparisons become iterator start/stop
 * positions and shard pruning. pred stays in place (it is still evaluated), so this only ever reads less. */
int bind_scan_pushdown(BindCtx *ctx, Op *scan, const Expr *pred) WEIR_WARN_UNUSED;

/* ---- EXPLAIN (bind_explain.c) ---- */

int bind_explain(BindCtx *ctx, PgQuery__ExplainStmt *e, BoundStmt *out) WEIR_WARN_UNUSED;

/* ---- options and COPY ... TO 'file' (bind.c, bind_copy.c) ---- */
/* One WITH (key = value) option of a DefElem node: the key with its namespace ("user_id.path"), the value
 * as text ("true" for a bare key), strings in the plan arena. */
int bind_option(BindCtx *ctx, PgQuery__Node *n, SqlOption *o) WEIR_WARN_UNUSED;
/* The statement's text after its first top-level keyword token (DECLARE's FOR, CREATE MATERIALIZED VIEW's
 * AS) to its end, or with PG_QUERY__TOKEN__NUL the text inside its first parentheses; in the plan arena,
 * NULL when not found. */
char *bind_stmt_text_after(BindCtx *ctx, PgQuery__Token token);
int bind_copy(BindCtx *ctx, PgQuery__CopyStmt *c, BoundStmt *out) WEIR_WARN_UNUSED;

#endif
