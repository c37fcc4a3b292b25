/*
 * bind.h: semantic analysis. Turns one libpg_query parse tree (a RawStmt's stmt) into a BoundStmt: for
 * queries, a tree of physical operators (exec/op.h) with typed, resolved expressions (exec/expr.h) and
 * the result columns; for utility statements (SET, SHOW, BEGIN, ...), what to do.
 *
 * Errors follow PostgreSQL's: 42601 syntax, 42703 undefined column, 42883 undefined function or
 * operator ("operator does not exist: integer + text" with the HINT PostgreSQL gives), 42804 datatype
 * mismatch, 0A000 for SQL weir does not support, each with the position of the offending node.
 */
#ifndef WEIR_EXEC_BIND_H
#define WEIR_EXEC_BIND_H

#include <pg_query/pg_query.pb-c.h>

#include "exec/exec_int.h"
#include "exec/op.h"
#include "sql/tabledef.h"

/* Columns visible to expressions: the FROM clause's relations, flattened in the order of the operator
 * input batch. */
typedef struct ScopeCol {
    const char *rel;    /* relation name or alias */
    const char *name;
    SqlType type;
    uint32_t index;     /* column of the input batch */
    uint8_t is_hidden;  /* not part of SELECT * */
    uint8_t is_merged;  /* the right side's copy of a JOIN USING column: only found qualified */
    uint32_t table_oid; /* for RowDescription, 0 if not a table column */
    int16_t attnum;
    uint8_t *needed;    /* the scan's needed-column flag to set when the column is used, or NULL */
} ScopeCol;

typedef struct Scope {
    ScopeCol *cols;
    uint32_t n;
    struct Scope *parent; /* the enclosing query's scope (a subquery's outer references), or NULL */
    int has_outer_refs;   /* a column of a parent scope was referenced (the subquery is correlated) */
    uint32_t deep_marks;  /* times has_outer_refs was set (a subquery compares it before and after) */
    uint32_t *inner_refs; /* columns of this scope that inner queries referenced, in order (may repeat) */
    uint32_t n_inner_refs, cap_inner_refs;
} Scope;

/* WITH: the common table expressions visible to a query (innermost first). */
typedef struct CteScope {
    PgQuery__Node **ctes; /* CommonTableExpr nodes */
    size_t n;
    struct CteScope *parent;
} CteScope;

typedef enum BoundKind {
    BOUND_QUERY,   /* root, cols: returns rows */
    BOUND_SET,     /* set_name = set_value (NULL: RESET; set_name NULL: RESET ALL) */
    BOUND_SHOW,    /* returns one row: the setting (root is a VALUES op built at bind) */
    BOUND_BEGIN,
    BOUND_COMMIT,
    BOUND_ROLLBACK,
    BOUND_NOOP,    /* accepted and ignored (DISCARD ALL, DEALLOCATE, SET TRANSACTION ...); tag says what */
    BOUND_CREATE_TABLE, /* create_def (owned by the bound statement's arena via a reset callback) */
    BOUND_DROP_TABLE,   /* drop_names */
    BOUND_DECLARE,      /* cursor_name, cursor_query (the query's text), cursor_hold */
    BOUND_FETCH,        /* cursor_name, fetch_count (0: ALL), fetch_move; cols are the cursor's */
    BOUND_CLOSE,        /* cursor_name (NULL: CLOSE ALL) */
    BOUND_CREATE_VIEW,  /* CREATE MATERIALIZED VIEW: view (the query bound once to check it) */
    BOUND_DROP_VIEW,    /* DROP MATERIALIZED VIEW: drop_names */
    BOUND_COPY_TO,      /* COPY ... TO 'file': copy (strings in the plan arena) */
} BoundKind;

typedef struct BoundStmt {
    BoundKind kind;
    Op *root;
    uint32_t n_cols;
    SqlColumn *cols;
    const char *tag;          /* CommandComplete tag ("SELECT" gets " n" appended by the portal) */
    const char *set_name;
    const char *set_value;
    SqlType *param_types;     /* n_params, in the plan arena */
    uint32_t n_params;
    TableDef *create_def;
    int if_not_exists, if_exists;
    const char **drop_names;
    uint32_t n_drop;
    int correlated;           /* a subquery that references an enclosing query's columns */
    const char *cursor_name;
    const char *cursor_query;
    int cursor_hold;
    uint64_t fetch_count;
    int fetch_move;
    SqlViewDef view;          /* BOUND_CREATE_VIEW (strings in the plan arena) */
    SqlCopyTo copy;           /* BOUND_COPY_TO */
} BoundStmt;

typedef struct BindCtx {
    SqlSession *sess;
    Arena *arena;             /* plan arena */
    const char *query;        /* full query text (positions in errors count from its start) */
    size_t offset;            /* byte offset of this statement in query */
    SqlError *err;
    SqlType *param_types;     /* declared ($n -> type; SQL_UNKNOWN = infer), grown as $n are seen */
    uint32_t n_params;
    int64_t stmt_time_usec;
    Scope *scope;             /* NULL: no FROM */
    struct AggBind *agg;      /* collecting aggregate calls (SELECT list, HAVING) when non-NULL */
    struct WinBind *win;      /* collecting window function calls (SELECT list, ORDER BY) when non-NULL */
    CteScope *ctes;
    const char *clause;       /* "WHERE", "JOIN conditions", ...: where aggregates/window calls are refused */
    struct BindRecords *records; /* the statement's anonymous row types, by typmod (bind_row.c) */
    struct SrfBind *srf;      /* the SELECT list's set-returning function, planned (bind_srf.c), or NULL */
} BindCtx;

/* Bind one statement. On success *out describes it (memory in ctx->arena). */
int bind_statement(BindCtx *ctx, PgQuery__Node *stmt, BoundStmt *out) WEIR_WARN_UNUSED;

#endif
