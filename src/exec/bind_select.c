/*
 * bind_select.c: binding queries: FROM (tables, joins, subqueries, CTEs, system catalogs), WHERE, the
 * SELECT list, GROUP BY / HAVING (bind_agg.c), window functions (bind_window.c), DISTINCT, ORDER BY,
 * LIMIT/OFFSET, VALUES and set operations; subqueries in expressions.
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "exec/depth.h"
#include "exec/syscat.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * SELECT
 * ---------------------------------------------------------------------------------------------- */

Op *bind_op_new(BindCtx *ctx, OpKind kind, uint32_t n_cols, Op *child)
{
    Op *op = arena_try_calloc(ctx->arena, sizeof(*op));
    /* (types is allocated even for no columns -- SELECT with an empty list -- so copies of it never see NULL) */
    if (!op || !(op->types = ARENA_NEW(ctx->arena, SqlType, n_cols))) {
        bind_oom(ctx);
        return NULL;
    }
    op->kind = kind;
    op->n_cols = n_cols;
    op->child = child;
    return op;
}

static Expr *bind_count_expr(BindCtx *ctx, PgQuery__Node *n, const char *what)
{
    Expr *e = bind_expr(ctx, n);
    if (!e)
        return NULL;
    if (bind_coerce(ctx, &e, SQL_TYPE(SQL_INT8), 0, e->location)) {
        ctx->err->sqlstate[0] = 0; /* replace with PostgreSQL's wording */
        BIND_ERR(ctx, "42804", e->location, "argument of %s must be type bigint", what);
        return NULL;
    }
    return e;
}

/* Whether a target is "*" or "rel.*" (then *rel is set). */
static int is_star(PgQuery__Node *v, const char **rel)
{
    *rel = NULL;
    if (!v || v->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
        return 0;
    PgQuery__ColumnRef *cr = v->column_ref;
    if (!cr->n_fields || cr->fields[cr->n_fields - 1]->node_case != PG_QUERY__NODE__NODE_A_STAR)
        return 0;
    if (cr->n_fields >= 2)
        *rel = bind_node_str(cr->fields[cr->n_fields - 2]);
    return 1;
}

static int bind_values(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    uint32_t n_rows = (uint32_t)s->n_values_lists;
    uint32_t n_cols = 0;
    for (uint32_t r = 0; r < n_rows; r++) {
        PgQuery__List *l = s->values_lists[r]->list;
        if (r == 0)
            n_cols = (uint32_t)l->n_items;
        else if (l->n_items != n_cols)
            return sql_error_set(ctx->err, "42601", 0, "VALUES lists must all be the same length");
    }
    Op *op = bind_op_new(ctx, OP_VALUES, n_cols, NULL);
    if (!op || !(op->exprs = ARENA_NEW(ctx->arena, Expr *, (size_t)n_rows * n_cols + 1)))
        return op ? bind_oom(ctx) : WEIR_ERROR;
    op->n_rows = n_rows;
    for (uint32_t r = 0; r < n_rows; r++)
        for (uint32_t c = 0; c < n_cols; c++)
            if (!(op->exprs[(size_t)r * n_cols + c] = bind_expr(ctx, s->values_lists[r]->list->items[c])))
                return WEIR_ERROR;
    Expr **col = ARENA_NEW(ctx->arena, Expr *, n_rows ? n_rows : 1);
    out->cols = ARENA_NEW(ctx->arena, SqlColumn, n_cols ? n_cols : 1);
    if (!col || !out->cols)
        return bind_oom(ctx);
    for (uint32_t c = 0; c < n_cols; c++) {
        for (uint32_t r = 0; r < n_rows; r++)
            col[r] = op->exprs[(size_t)r * n_cols + c];
        SqlType t;
        if (bind_common_type(ctx, col, n_rows, "VALUES", &t))
            return WEIR_ERROR;
        for (uint32_t r = 0; r < n_rows; r++)
            if (bind_coerce(ctx, &op->exprs[(size_t)r * n_cols + c], t, 0, col[r]->location))
                return WEIR_ERROR;
        op->types[c] = t;
        char name[24];
        snprintf(name, sizeof(name), "column%u", c + 1);
        out->cols[c].name = arena_try_strndup(ctx->arena, name, strlen(name));
        out->cols[c].type = t;
    }
    out->root = op;
    out->n_cols = n_cols;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Expression surgery for planning joins
 * ---------------------------------------------------------------------------------------------- */

/* The range of input columns e reads (lo > hi when none) and whether it holds something that cannot be
 * moved to another operator (a subquery: its outer references index this query's full row). */
static void expr_span(const Expr *e, uint32_t *lo, uint32_t *hi, int *pinned)
{
    if (e->kind == EXPR_COL) {
        if (e->u.col < *lo)
            *lo = e->u.col;
        if (e->u.col > *hi || *hi == UINT32_MAX)
            *hi = e->u.col;
    }
    if (e->kind == EXPR_SUBLINK || e->kind == EXPR_AGGREF || e->kind == EXPR_WINREF)
        *pinned = 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        expr_span(e->args[i], lo, hi, pinned);
}

typedef struct Span {
    uint32_t lo, hi; /* hi == UINT32_MAX: no column */
    int pinned;
} Span;

static Span span_of(const Expr *e)
{
    Span s = {UINT32_MAX, UINT32_MAX, 0};
    expr_span(e, &s.lo, &s.hi, &s.pinned);
    return s;
}

static int span_within(Span s, uint32_t lo, uint32_t end)
{
    return s.hi != UINT32_MAX && s.lo >= lo && s.hi < end;
}

/* Shift every column reference of e by delta (e is not shared: each conjunct is bound once). */
static void expr_shift(Expr *e, int64_t delta)
{
    if (e->kind == EXPR_COL)
        e->u.col = (uint32_t)((int64_t)e->u.col + delta);
    for (uint32_t i = 0; i < e->n_args; i++)
        expr_shift(e->args[i], delta);
}

static int expr_has_correlated(const Expr *e)
{
    if (e->kind == EXPR_SUBLINK && e->u.sub.correlated)
        return 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (expr_has_correlated(e->args[i]))
            return 1;
    return 0;
}

/* The scope column that reads batch column index, or NULL. */
static const ScopeCol *scope_col_at(const Scope *sc, uint32_t index)
{
    for (uint32_t i = 0; sc && i < sc->n; i++)
        if (sc->cols[i].index == index)
            return &sc->cols[i];
    return NULL;
}

/* Append the conjuncts of e (flattening ANDs) to list. */
static int conj_split(BindCtx *ctx, Expr *e, Expr ***list, uint32_t *n, uint32_t *cap)
{
    if (e->kind == EXPR_AND) {
        for (uint32_t i = 0; i < e->n_args; i++)
            if (conj_split(ctx, e->args[i], list, n, cap))
                return WEIR_ERROR;
        return WEIR_OK;
    }
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        Expr **nl = ARENA_NEW(ctx->arena, Expr *, nc);
        if (!nl)
            return bind_oom(ctx);
        if (*n)
            memcpy(nl, *list, *n * sizeof(Expr *));
        *list = nl;
        *cap = nc;
    }
    (*list)[(*n)++] = e;
    return WEIR_OK;
}

/* The AND of conjuncts (NULL when none). */
static Expr *conj_join(BindCtx *ctx, Expr **list, uint32_t n)
{
    if (n == 0)
        return NULL;
    if (n == 1)
        return list[0];
    Expr *e = bind_expr_new(ctx, EXPR_AND, SQL_TYPE(SQL_BOOL), list[0]->location, n);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    memcpy(e->args, list, n * sizeof(Expr *));
    return e;
}

/* ------------------------------------------------------------------------------------------------
 * FROM items
 * ---------------------------------------------------------------------------------------------- */

typedef struct CatalogRef {
    SqlCatalog *catalog;
    CatalogTable *table;
} CatalogRef;

static void catalog_ref_release(void *arg)
{
    CatalogRef *r = arg;
    sql_catalog_unref(r->catalog, r->table);
}

static int from_alloc(BindCtx *ctx, FromItem *it, uint32_t n)
{
    it->n = n;
    if (!(it->cols = arena_try_calloc(ctx->arena, sizeof(ScopeCol) * (n ? n : 1))))
        return bind_oom(ctx);
    return WEIR_OK;
}

/* Rename an item's columns after its alias: AS a(x, y) renames the first columns (42P10 past the end). */
static int from_apply_alias(BindCtx *ctx, FromItem *it, const char *rel, PgQuery__Node **colnames, size_t n_colnames,
                            int location)
{
    uint32_t visible = 0;
    for (uint32_t i = 0; i < it->n; i++)
        visible += !it->cols[i].is_hidden;
    if (n_colnames > visible)
        return BIND_ERR(ctx, "42P10", location, "table \"%s\" has %u columns available but %zu columns specified", rel,
                        visible, n_colnames);
    uint32_t k = 0;
    for (uint32_t i = 0; i < it->n; i++) {
        it->cols[i].rel = rel;
        if (!it->cols[i].is_hidden && k < n_colnames) {
            const char *nm = bind_node_str(colnames[k++]);
            if (nm)
                it->cols[i].name = nm;
        }
    }
    return WEIR_OK;
}

static int from_table(BindCtx *ctx, PgQuery__RangeVar *rv, Scope *qs, FromItem *it);

/* Name a scan (table, catalog or function) for EXPLAIN as FROM names it: "Stream Scan on clicks c", and
 * its columns after any column aliases ("c.a" for FROM clicks c(a)). Call after from_apply_alias. */
static int from_name_scan(BindCtx *ctx, FromItem *it, const char *rel)
{
    Op *op = it->op;
    if (!(op->col_names = ARENA_NEW(ctx->arena, const char *, op->n_cols)))
        return bind_oom(ctx);
    for (uint32_t i = 0; i < op->n_cols && i < it->n; i++)
        op->col_names[i] = it->cols[i].name;
    op->rel_alias = rel;
    return WEIR_OK;
}

/* A query in FROM (a subquery or a CTE): bound as its own query whose enclosing scope is this query's. */
static int from_query(BindCtx *ctx, PgQuery__Node *q, Scope *qs, const char *rel, PgQuery__Node **colnames,
                      size_t n_colnames, int location, FromItem *it)
{
    if (!q || q->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return BIND_ERR(ctx, "0A000", location, "only SELECT queries are supported in FROM");
    Scope *saved = ctx->scope;
    ctx->scope = qs->parent;
    BoundStmt sub;
    memset(&sub, 0, sizeof(sub));
    int rc = bind_select(ctx, q->select_stmt, &sub);
    ctx->scope = saved;
    if (rc)
        return WEIR_ERROR;
    if (sub.correlated)
        qs->has_outer_refs = 1; /* it reads the enclosing query's row: so does this query */
    if (from_alloc(ctx, it, sub.n_cols))
        return WEIR_ERROR;
    it->op = sub.root;
    for (uint32_t i = 0; i < sub.n_cols; i++) {
        it->cols[i] = (ScopeCol){.rel = rel, .name = sub.cols[i].name, .type = sub.cols[i].type, .index = i};
        if (sub.cols[i].type.id == SQL_RECORD && sub.root && i < sub.root->n_cols)
            it->cols[i].type = sub.root->types[i]; /* a row keeps its fields (bind_row.c): (s.r).x */
    }
    return from_apply_alias(ctx, it, rel, colnames, n_colnames, location);
}

static PgQuery__CommonTableExpr *cte_find(BindCtx *ctx, const char *name, CteScope **where, size_t *index)
{
    for (CteScope *cs = ctx->ctes; cs; cs = cs->parent)
        for (size_t i = 0; i < cs->n; i++) {
            PgQuery__CommonTableExpr *c = cs->ctes[i]->common_table_expr;
            if (c->ctename && strcmp(c->ctename, name) == 0) {
                *where = cs;
                *index = i;
                return c;
            }
        }
    return NULL;
}

static int from_cte(BindCtx *ctx, PgQuery__CommonTableExpr *c, CteScope *where, size_t index,
                    PgQuery__RangeVar *rv, Scope *qs, FromItem *it)
{
    /* (a chain of CTEs each reading the one before nests as deep as it is long: bind_select's stack
     * check bounds it, with PostgreSQL's 54001) */
    /* a CTE sees the CTEs before it in its own WITH (and everything further out), never itself */
    CteScope visible = {where->ctes, index, where->parent};
    CteScope *saved = ctx->ctes;
    ctx->ctes = &visible;
    const char *rel = rv->alias && rv->alias->aliasname ? rv->alias->aliasname : c->ctename;
    int rc = from_query(ctx, c->ctequery, qs, rel, c->aliascolnames, c->n_aliascolnames, c->location, it);
    ctx->ctes = saved;
    if (rc)
        return WEIR_ERROR;
    if (rv->alias && rv->alias->n_colnames)
        return from_apply_alias(ctx, it, rel, rv->alias->colnames, rv->alias->n_colnames, rv->location);
    return WEIR_OK;
}

static int from_systab(BindCtx *ctx, const SysTableDef *def, PgQuery__RangeVar *rv, FromItem *it)
{
    Op *op = bind_op_new(ctx, OP_SYSTAB, def->n_cols, NULL);
    SysTabSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    if (!op || !sp || from_alloc(ctx, it, def->n_cols))
        return op && sp ? WEIR_ERROR : bind_oom(ctx);
    sp->def = def;
    sp->eng = ctx->sess->eng;
    sp->sess = ctx->sess;
    op->spec = sp;
    const char *rel = rv->alias && rv->alias->aliasname ? rv->alias->aliasname : def->name;
    for (uint32_t i = 0; i < def->n_cols; i++) {
        it->cols[i] = (ScopeCol){.rel = rel, .name = def->col_names[i], .type = def->col_types[i], .index = i,
                                 .table_oid = def->oid, .attnum = (int16_t)(i + 1)};
        op->types[i] = def->col_types[i];
    }
    it->op = op;
    if (rv->alias && rv->alias->n_colnames &&
        from_apply_alias(ctx, it, rel, rv->alias->colnames, rv->alias->n_colnames, rv->location))
        return WEIR_ERROR;
    return from_name_scan(ctx, it, rel);
}

/* A table name: a CTE, a system catalog or a table over a stream (PostgreSQL's order: pg_catalog is
 * implicitly first on the search path, so pg_class is the catalog even if a user table has that name). */
static int from_table(BindCtx *ctx, PgQuery__RangeVar *rv, Scope *qs, FromItem *it)
{
    const char *schema = rv->schemaname && rv->schemaname[0] ? rv->schemaname : NULL;
    if (rv->catalogname && rv->catalogname[0] && strcmp(rv->catalogname, ctx->sess->database) != 0)
        return BIND_ERR(ctx, "0A000", rv->location, "cross-database references are not implemented: %s.%s.%s",
                        rv->catalogname, schema ? schema : "", rv->relname);
    if (!schema) {
        CteScope *where;
        size_t index;
        PgQuery__CommonTableExpr *c = cte_find(ctx, rv->relname, &where, &index);
        if (c)
            return from_cte(ctx, c, where, index, rv, qs, it);
    }
    if (!schema || strcmp(schema, "pg_catalog") == 0 || strcmp(schema, "information_schema") == 0) {
        const SysTableDef *def = syscat_find(schema, rv->relname);
        if (def)
            return from_systab(ctx, def, rv, it);
        if (schema)
            return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s.%s\" does not exist", schema, rv->relname);
    } else if (strcmp(schema, "public") != 0) {
        return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s.%s\" does not exist", schema, rv->relname);
    }
    SqlEngine *eng = ctx->sess->eng;
    CatalogTable *t = sql_catalog_get(eng->catalog, rv->relname);
    if (!t) {
        if (schema)
            return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s.%s\" does not exist", schema, rv->relname);
        return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s\" does not exist", rv->relname);
    }
    CatalogRef *ref = arena_try_calloc(ctx->arena, sizeof(*ref));
    if (!ref || arena_on_reset(ctx->arena, catalog_ref_release, ref)) {
        sql_catalog_unref(eng->catalog, t);
        return bind_oom(ctx);
    }
    ref->catalog = eng->catalog;
    ref->table = t;
    const TableDef *td = t->def;
    uint32_t n = td->n_cols + TABLE_HID_N;
    Op *op = bind_op_new(ctx, OP_SCAN, n, NULL);
    ScanSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    if (!op || !sp || !(sp->needed = arena_try_calloc(ctx->arena, n)) || from_alloc(ctx, it, n))
        return op && sp ? WEIR_ERROR : bind_oom(ctx);
    sp->table = t;
    sp->store = eng->cfg.store;
    op->spec = sp;
    const char *rel = rv->alias && rv->alias->aliasname && rv->alias->aliasname[0] ? rv->alias->aliasname : td->name;
    for (uint32_t i = 0; i < n; i++) {
        ScopeCol *c = &it->cols[i];
        c->rel = rel;
        c->index = i;
        c->table_oid = t->oid;
        c->needed = &sp->needed[i];
        if (i < td->n_cols) {
            c->name = td->cols[i].name;
            c->type = td->cols[i].type;
            c->is_hidden = td->cols[i].is_hidden;
            c->attnum = (int16_t)(i + 1);
        } else {
            c->name = tabledef_hidden_name((TableHidden)(i - td->n_cols));
            c->type = tabledef_hidden_type((TableHidden)(i - td->n_cols));
            c->is_hidden = 1;
            /* the hidden columns are the table's system columns: RowDescription names them by the attnum
             * pg_attribute lists them at, -1.. as PostgreSQL's ctid, xmin, ... (syscat.c) */
            c->attnum = (int16_t)(-(int)(i - td->n_cols) - 1);
        }
        op->types[i] = c->type;
    }
    it->op = op;
    it->is_scan = 1;
    if (rv->alias && rv->alias->n_colnames &&
        from_apply_alias(ctx, it, rel, rv->alias->colnames, rv->alias->n_colnames, rv->location))
        return WEIR_ERROR;
    return from_name_scan(ctx, it, rel);
}

/* Put a filter over an item (pred over the item's own columns); a scan is offered the predicate for
 * position pushdown. */
static int join_push_where(BindCtx *ctx, Op *j, Expr **pred);

static int from_filter(BindCtx *ctx, FromItem *it, Expr *pred)
{
    if (pred && it->op->kind == OP_JOIN && join_push_where(ctx, it->op, &pred))
        return WEIR_ERROR;
    if (!pred)
        return WEIR_OK;
    if (it->is_scan) {
        if (bind_scan_pushdown(ctx, it->op, pred))
            return WEIR_ERROR;
        const ScanSpec *sp = it->op->spec;
        if (sp->filter) /* the scan evaluates the whole predicate itself (on its worker threads) */
            return WEIR_OK;
    }
    Op *f = bind_op_new(ctx, OP_FILTER, it->op->n_cols, it->op);
    if (!f)
        return WEIR_ERROR;
    if (it->op->n_cols)
        memcpy(f->types, it->op->types, it->op->n_cols * sizeof(SqlType));
    f->pred = pred;
    it->op = f;
    it->is_scan = 0;
    return WEIR_OK;
}

/* A = B conjunct between the two sides of a join: the key pair, coerced to one type. */
static int join_key_of(BindCtx *ctx, Expr *c, uint32_t n_left, uint32_t n_all, Expr **lk, Expr **rk)
{
    if (c->kind != EXPR_FUNC || c->n_args != 2 || !c->u.fn.def || strcmp(c->u.fn.def->name, "=") != 0)
        return 0;
    Span a = span_of(c->args[0]), b = span_of(c->args[1]);
    if (a.pinned || b.pinned)
        return 0;
    Expr *l, *r;
    if (span_within(a, 0, n_left) && span_within(b, n_left, n_all))
        l = c->args[0], r = c->args[1];
    else if (span_within(b, 0, n_left) && span_within(a, n_left, n_all))
        l = c->args[1], r = c->args[0];
    else
        return 0;
    /* strip the operator's implicit casts? No: the arguments already have the operator's input types;
     * a cross-type operator (int4 = int8) leaves them different, so bring both to a common type */
    if (l->type.id != r->type.id) {
        Expr *pair[2] = {l, r};
        SqlType t;
        SqlError saved = *ctx->err;
        if (bind_common_type(ctx, pair, 2, "JOIN", &t) || bind_coerce(ctx, &pair[0], t, 0, -1) ||
            bind_coerce(ctx, &pair[1], t, 0, -1)) {
            *ctx->err = saved; /* not a hash key after all: it stays a residual predicate */
            return 0;
        }
        l = pair[0], r = pair[1];
    }
    expr_shift(r, -(int64_t)n_left);
    *lk = l;
    *rk = r;
    return 1;
}

static int expr_is_volatile(const Expr *e)
{
    if (e->kind == EXPR_FUNC && e->u.fn.def && e->u.fn.def->volatility == SQL_FN_VOLATILE)
        return 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (expr_is_volatile(e->args[i]))
            return 1;
    return 0;
}

/* pred over *slot's rows, as low as it goes: into an inner join (join_push_where), an existing FILTER,
 * or a scan that evaluates it itself; else a new FILTER over *slot. */
static int op_filter_push(BindCtx *ctx, Op **slot, Expr *pred)
{
    Op *op = *slot;
    if (pred && op->kind == OP_JOIN && join_push_where(ctx, op, &pred))
        return WEIR_ERROR;
    if (!pred)
        return WEIR_OK;
    if (op->kind == OP_FILTER) {
        Expr *both[2] = {op->pred, pred};
        return (op->pred = conj_join(ctx, both, 2)) ? WEIR_OK : WEIR_ERROR;
    }
    if (op->kind == OP_SCAN) {
        const ScanSpec *sp = op->spec;
        const Expr *before = sp->filter;
        if (bind_scan_pushdown(ctx, op, pred))
            return WEIR_ERROR;
        if (sp->filter != before) /* the scan took the whole predicate */
            return WEIR_OK;
    }
    Op *f = bind_op_new(ctx, OP_FILTER, op->n_cols, op);
    if (!f)
        return WEIR_ERROR;
    if (op->n_cols)
        memcpy(f->types, op->types, op->n_cols * sizeof(SqlType));
    f->pred = pred;
    *slot = f;
    return WEIR_OK;
}

/* WHERE conjuncts over the rows of an inner join (FROM a JOIN b ON ... WHERE ...), placed as the
 * planner places them between FROM items: a conjunct over one side filters that side below the join,
 * A = B across the sides becomes a hash key, and the rest joins the residual, so the join sees (and a
 * continuous query keeps) fewer rows, and an interval join finds its time bounds there. Subqueries,
 * volatile functions and conditions over no column stay in *pred, to filter the joined rows. */
static int join_push_where(BindCtx *ctx, Op *j, Expr **pred)
{
    JoinSpec *js = j->spec;
    if (js->type != JOIN_INNER)
        return WEIR_OK;
    Expr **conj = NULL;
    uint32_t n_conj = 0, cap = 0;
    if (conj_split(ctx, *pred, &conj, &n_conj, &cap))
        return WEIR_ERROR;
    uint32_t nl = j->child->n_cols, nall = j->n_cols;
    Expr **keep = ARENA_NEW(ctx->arena, Expr *, n_conj + 1), **lonly = ARENA_NEW(ctx->arena, Expr *, n_conj + 1),
         **ronly = ARENA_NEW(ctx->arena, Expr *, n_conj + 1), **rest = ARENA_NEW(ctx->arena, Expr *, n_conj + 2),
         **lk = ARENA_NEW(ctx->arena, Expr *, js->n_keys + n_conj + 1),
         **rk = ARENA_NEW(ctx->arena, Expr *, js->n_keys + n_conj + 1);
    if (!keep || !lonly || !ronly || !rest || !lk || !rk)
        return bind_oom(ctx);
    memcpy(lk, js->lkeys, js->n_keys * sizeof(Expr *));
    memcpy(rk, js->rkeys, js->n_keys * sizeof(Expr *));
    uint32_t n_keep = 0, n_l = 0, n_r = 0, n_rest = 0, n_keys = js->n_keys;
    if (js->residual)
        rest[n_rest++] = js->residual;
    for (uint32_t i = 0; i < n_conj; i++) {
        Expr *c = conj[i];
        Span sp = span_of(c);
        if (sp.pinned || sp.hi == UINT32_MAX || expr_is_volatile(c)) {
            keep[n_keep++] = c;
        } else if (span_within(sp, 0, nl)) {
            lonly[n_l++] = c;
        } else if (span_within(sp, nl, nall)) {
            expr_shift(c, -(int64_t)nl);
            ronly[n_r++] = c;
        } else if (join_key_of(ctx, c, nl, nall, &lk[n_keys], &rk[n_keys])) {
            n_keys++;
        } else {
            rest[n_rest++] = c;
        }
    }
    js->lkeys = lk;
    js->rkeys = rk;
    js->n_keys = n_keys;
    js->residual = n_rest ? conj_join(ctx, rest, n_rest) : NULL;
    if ((n_rest && !js->residual) || (n_l && op_filter_push(ctx, &j->child, conj_join(ctx, lonly, n_l))) ||
        (n_r && op_filter_push(ctx, &j->right, conj_join(ctx, ronly, n_r))))
        return WEIR_ERROR;
    *pred = n_keep ? conj_join(ctx, keep, n_keep) : NULL;
    return n_keep && !*pred ? WEIR_ERROR : WEIR_OK;
}

/* Join two items with conjuncts over the combined row (left's columns then right's). Conjuncts on one
 * side only move below the join where the join type allows it; A = B pairs across become hash keys; the
 * rest is the residual. The result's columns are left's then right's (indexes of right shifted). */
static int join_items(BindCtx *ctx, FromItem *l, FromItem *r, JoinType jt, Expr **conj, uint32_t n_conj,
                      FromItem *out)
{
    uint32_t nl = l->op->n_cols, nall = nl + r->op->n_cols;
    Expr **lonly = ARENA_NEW(ctx->arena, Expr *, n_conj + 1), **ronly = ARENA_NEW(ctx->arena, Expr *, n_conj + 1);
    Expr **rest = ARENA_NEW(ctx->arena, Expr *, n_conj + 1);
    JoinSpec *js = arena_try_calloc(ctx->arena, sizeof(*js));
    if (!lonly || !ronly || !rest || !js || !(js->lkeys = ARENA_NEW(ctx->arena, Expr *, n_conj + 1)) ||
        !(js->rkeys = ARENA_NEW(ctx->arena, Expr *, n_conj + 1)))
        return bind_oom(ctx);
    uint32_t n_l = 0, n_r = 0, n_rest = 0;
    /* ON conjuncts on the preserved side must stay (they decide matches, not which rows survive); for
     * SEMI a condition on the left alone may filter first, for ANTI it may not (NOT EXISTS (... WHERE
     * l.x > 5) is true where l.x <= 5) */
    int l_movable = jt == JOIN_INNER || jt == JOIN_RIGHT || jt == JOIN_SEMI;
    int r_movable = jt == JOIN_INNER || jt == JOIN_LEFT || jt == JOIN_SEMI || jt == JOIN_ANTI;
    for (uint32_t i = 0; i < n_conj; i++) {
        Expr *c = conj[i];
        Span s = span_of(c);
        if (!s.pinned && l_movable && span_within(s, 0, nl)) {
            lonly[n_l++] = c;
        } else if (!s.pinned && r_movable && span_within(s, nl, nall)) {
            expr_shift(c, -(int64_t)nl);
            ronly[n_r++] = c;
        } else if (join_key_of(ctx, c, nl, nall, &js->lkeys[js->n_keys], &js->rkeys[js->n_keys])) {
            js->n_keys++;
        } else {
            rest[n_rest++] = c;
        }
    }
    if (n_l && from_filter(ctx, l, conj_join(ctx, lonly, n_l)))
        return WEIR_ERROR;
    if (n_r && from_filter(ctx, r, conj_join(ctx, ronly, n_r)))
        return WEIR_ERROR;
    js->type = jt;
    js->residual = n_rest ? conj_join(ctx, rest, n_rest) : NULL;
    if (n_rest && !js->residual)
        return WEIR_ERROR;
    if (jt == JOIN_SEMI || jt == JOIN_ANTI) {
        /* EXISTS / NOT EXISTS: the left rows only */
        Op *j = bind_op_new(ctx, OP_JOIN, nl, l->op);
        if (!j)
            return WEIR_ERROR;
        j->right = r->op;
        j->spec = js;
        memcpy(j->types, l->op->types, nl * sizeof(SqlType));
        *out = *l;
        out->op = j;
        out->is_scan = 0;
        return WEIR_OK;
    }
    Op *j = bind_op_new(ctx, OP_JOIN, nall, l->op);
    if (!j || from_alloc(ctx, out, l->n + r->n))
        return WEIR_ERROR;
    j->right = r->op;
    j->spec = js;
    memcpy(j->types, l->op->types, nl * sizeof(SqlType));
    memcpy(j->types + nl, r->op->types, r->op->n_cols * sizeof(SqlType));
    memcpy(out->cols, l->cols, l->n * sizeof(ScopeCol));
    for (uint32_t i = 0; i < r->n; i++) {
        out->cols[l->n + i] = r->cols[i];
        out->cols[l->n + i].index += nl;
    }
    out->op = j;
    out->is_scan = 0;
    return WEIR_OK;
}

static int from_item(BindCtx *ctx, PgQuery__Node *n, Scope *qs, FromItem *it);

/* A scope over an item's columns (for binding ON). */
static Scope *scope_of(BindCtx *ctx, const FromItem *it, Scope *parent)
{
    Scope *sc = arena_try_calloc(ctx->arena, sizeof(*sc));
    if (!sc) {
        bind_oom(ctx);
        return NULL;
    }
    sc->cols = it->cols;
    sc->n = it->n;
    sc->parent = parent;
    return sc;
}

static JoinType join_type_of(PgQuery__JoinType t)
{
    switch (t) {
    case PG_QUERY__JOIN_TYPE__JOIN_LEFT: return JOIN_LEFT;
    case PG_QUERY__JOIN_TYPE__JOIN_RIGHT: return JOIN_RIGHT;
    case PG_QUERY__JOIN_TYPE__JOIN_FULL: return JOIN_FULL;
    default: return JOIN_INNER;
    }
}

/* Visible column `name` of an item (for USING / NATURAL), or -1. */
static int64_t from_find_col(const FromItem *it, const char *name)
{
    for (uint32_t i = 0; i < it->n; i++)
        if (!it->cols[i].is_hidden && !it->cols[i].is_merged && strcmp(it->cols[i].name, name) == 0)
            return i;
    return -1;
}

static int from_join(BindCtx *ctx, PgQuery__JoinExpr *je, Scope *qs, FromItem *it)
{
    FromItem l, r;
    memset(&l, 0, sizeof(l));
    memset(&r, 0, sizeof(r));
    if (from_item(ctx, je->larg, qs, &l) || from_item(ctx, je->rarg, qs, &r))
        return WEIR_ERROR;
    JoinType jt = join_type_of(je->jointype);
    uint32_t nl = l.op->n_cols;
    /* USING (a, b) / NATURAL: the named columns of each side must be equal */
    const char **using = NULL;
    size_t n_using = 0;
    if (je->is_natural) {
        using = ARENA_NEW(ctx->arena, const char *, l.n + 1);
        if (!using)
            return bind_oom(ctx);
        for (uint32_t i = 0; i < l.n; i++)
            if (!l.cols[i].is_hidden && from_find_col(&r, l.cols[i].name) >= 0)
                using[n_using++] = l.cols[i].name;
    } else if (je->n_using_clause) {
        using = ARENA_NEW(ctx->arena, const char *, je->n_using_clause);
        if (!using)
            return bind_oom(ctx);
        for (size_t i = 0; i < je->n_using_clause; i++)
            using[n_using++] = bind_node_str(je->using_clause[i]);
    }
    Expr **conj = NULL;
    uint32_t n_conj = 0, cap = 0;
    int64_t *lidx = ARENA_NEW(ctx->arena, int64_t, n_using + 1), *ridx = ARENA_NEW(ctx->arena, int64_t, n_using + 1);
    if (!lidx || !ridx)
        return bind_oom(ctx);
    for (size_t u = 0; u < n_using; u++) {
        lidx[u] = using[u] ? from_find_col(&l, using[u]) : -1;
        ridx[u] = using[u] ? from_find_col(&r, using[u]) : -1;
        if (lidx[u] < 0 || ridx[u] < 0)
            return BIND_ERR(ctx, "42703", -1, "column \"%s\" specified in USING clause does not exist in %s table",
                            using[u] ? using[u] : "?", lidx[u] < 0 ? "left" : "right");
        const ScopeCol *lc = &l.cols[lidx[u]], *rc = &r.cols[ridx[u]];
        if (lc->needed)
            *lc->needed = 1;
        if (rc->needed)
            *rc->needed = 1;
        Expr *a = bind_expr_new(ctx, EXPR_COL, lc->type, -1, 0), *b = bind_expr_new(ctx, EXPR_COL, rc->type, -1, 0);
        if (!a || !b)
            return bind_oom(ctx);
        a->u.col = lc->index;
        b->u.col = rc->index + nl;
        Expr **args = ARENA_NEW(ctx->arena, Expr *, 2);
        if (!args)
            return bind_oom(ctx);
        args[0] = a, args[1] = b;
        Expr *eq = bind_call(ctx, "=", 1, args, 2, -1);
        if (!eq || conj_split(ctx, eq, &conj, &n_conj, &cap))
            return WEIR_ERROR;
    }
    if (je->quals) {
        /* ON sees both sides (and the enclosing query), not the rest of this FROM */
        FromItem both;
        memset(&both, 0, sizeof(both));
        if (from_alloc(ctx, &both, l.n + r.n))
            return WEIR_ERROR;
        memcpy(both.cols, l.cols, l.n * sizeof(ScopeCol));
        for (uint32_t i = 0; i < r.n; i++) {
            both.cols[l.n + i] = r.cols[i];
            both.cols[l.n + i].index += nl;
        }
        Scope *saved = ctx->scope;
        struct AggBind *saved_agg = ctx->agg;
        struct WinBind *saved_win = ctx->win;
        ctx->agg = NULL;
        ctx->win = NULL;
        Scope *on = scope_of(ctx, &both, qs->parent);
        ctx->scope = on;
        const char *saved_clause = ctx->clause;
        ctx->clause = "JOIN conditions";
        Expr *q = on ? bind_expr(ctx, je->quals) : NULL;
        ctx->clause = saved_clause;
        if (q && bind_coerce(ctx, &q, SQL_TYPE(SQL_BOOL), 0, q->location))
            q = NULL;
        if (q && on->has_outer_refs)
            qs->has_outer_refs = 1;
        ctx->scope = saved;
        ctx->agg = saved_agg;
        ctx->win = saved_win;
        if (!q || conj_split(ctx, q, &conj, &n_conj, &cap))
            return WEIR_ERROR;
    }
    if (join_items(ctx, &l, &r, jt, conj, n_conj, it))
        return WEIR_ERROR;
    if (n_using) {
        /* PostgreSQL's column order: the USING columns once, then left's others, then right's others;
         * the right side's copies stay reachable qualified only */
        ScopeCol *cols = arena_try_calloc(ctx->arena, sizeof(ScopeCol) * (it->n ? it->n : 1));
        if (!cols)
            return bind_oom(ctx);
        uint32_t k = 0;
        for (size_t u = 0; u < n_using; u++)
            cols[k++] = it->cols[lidx[u]];
        for (uint32_t i = 0; i < l.n; i++) {
            int used = 0;
            for (size_t u = 0; u < n_using; u++)
                used |= lidx[u] == i;
            if (!used)
                cols[k++] = it->cols[i];
        }
        for (uint32_t i = 0; i < r.n; i++) {
            ScopeCol c = it->cols[l.n + i];
            for (size_t u = 0; u < n_using; u++)
                if (ridx[u] == i)
                    c.is_merged = 1, c.is_hidden = 1;
            cols[k++] = c;
        }
        it->cols = cols;
    }
    if (je->alias && je->alias->aliasname)
        return from_apply_alias(ctx, it, je->alias->aliasname, je->alias->colnames, je->alias->n_colnames, -1);
    return WEIR_OK;
}

/* A set-returning function in FROM (OP_FUNCSCAN; bind_srf.c says which). Its arguments may use the
 * enclosing query's columns (bound one level out), not the other FROM items (no LATERAL). */
static int from_function(BindCtx *ctx, PgQuery__RangeFunction *rf, Scope *qs, FromItem *it)
{
    PgQuery__Node *fl = rf->n_functions ? rf->functions[0] : NULL;
    PgQuery__Node *fn = fl && fl->node_case == PG_QUERY__NODE__NODE_LIST && fl->list->n_items ? fl->list->items[0] : fl;
    PgQuery__FuncCall *fc = fn && fn->node_case == PG_QUERY__NODE__NODE_FUNC_CALL ? fn->func_call : NULL;
    if (fc && bind_tvf_kind(fc) >= 0) {
        /* tumble / hop / session (bind_tvf.c): named after the function, as a function in FROM is */
        const char *tname = bind_tvf_name(bind_tvf_kind(fc));
        const char *rel = rf->alias && rf->alias->aliasname ? rf->alias->aliasname : tname;
        if (bind_tvf(ctx, rf, fc, qs, it))
            return WEIR_ERROR;
        it->op->rel_alias = strcmp(rel, tname) ? rel : NULL;
        return from_apply_alias(ctx, it, rel, rf->alias ? rf->alias->colnames : NULL,
                                rf->alias ? rf->alias->n_colnames : 0, -1);
    }
    if (rf->lateral || rf->ordinality || rf->is_rowsfrom || rf->n_functions != 1 || rf->n_coldeflist)
        return sql_error_set(ctx->err, "0A000", 0,
                             "only generate_series(...), unnest(...) and information_schema._pg_expandarray(...) "
                             "are supported in FROM (no LATERAL, WITH ORDINALITY or ROWS FROM)");
    if (!fc)
        return sql_error_set(ctx->err, "0A000", 0, "this function in FROM is not supported");
    const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
    char lname[64];
    bind_lower_copy(name ? name : "", lname, sizeof(lname));
    /* the arguments see the enclosing query (as EXPR_OUTER), like a subquery without FROM */
    uint32_t n = (uint32_t)fc->n_args;
    Scope *tmp = arena_try_calloc(ctx->arena, sizeof(*tmp));
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    if (!tmp || !args)
        return bind_oom(ctx);
    tmp->parent = qs->parent;
    Scope *saved = ctx->scope;
    ctx->scope = tmp;
    for (uint32_t i = 0; i < n; i++)
        if (!(args[i] = bind_expr(ctx, fc->args[i]))) {
            ctx->scope = saved;
            return WEIR_ERROR;
        }
    ctx->scope = saved;
    if (tmp->has_outer_refs)
        qs->has_outer_refs = 1;
    FuncScanSpec *sp;
    SqlType out_t[2];
    uint32_t n_out;
    if (bind_srf_spec(ctx, fc, args, &sp, out_t, &n_out))
        return WEIR_ERROR;
    Op *op = bind_op_new(ctx, OP_FUNCSCAN, n_out, NULL);
    if (!op || from_alloc(ctx, it, n_out))
        return WEIR_ERROR;
    op->spec = sp;
    const char *rel = rf->alias && rf->alias->aliasname ? rf->alias->aliasname
                                                       : arena_try_strndup(ctx->arena, lname, strlen(lname));
    if (!rel)
        return bind_oom(ctx);
    for (uint32_t i = 0; i < n_out; i++) {
        op->types[i] = out_t[i];
        /* one column is named after the relation (alias), several after the function's fields */
        it->cols[i] = (ScopeCol){.rel = rel, .name = n_out == 1 ? rel : bind_srf_column_name(sp, i, rel),
                                 .type = out_t[i], .index = i};
    }
    it->op = op;
    if (rf->alias && rf->alias->n_colnames && from_apply_alias(ctx, it, rel, rf->alias->colnames, rf->alias->n_colnames, -1))
        return WEIR_ERROR;
    return from_name_scan(ctx, it, rel);
}

int bind_from_item(BindCtx *ctx, PgQuery__Node *n, Scope *qs, FromItem *it)
{
    return from_item(ctx, n, qs, it);
}

static int from_item(BindCtx *ctx, PgQuery__Node *n, Scope *qs, FromItem *it)
{
    memset(it, 0, sizeof(*it));
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_RANGE_VAR:
        return from_table(ctx, n->range_var, qs, it);
    case PG_QUERY__NODE__NODE_RANGE_SUBSELECT: {
        PgQuery__RangeSubselect *rs = n->range_subselect;
        if (rs->lateral)
            return sql_error_set(ctx->err, "0A000", 0, "LATERAL subqueries are not supported");
        const char *rel = rs->alias && rs->alias->aliasname ? rs->alias->aliasname : "unnamed_subquery";
        return from_query(ctx, rs->subquery, qs, rel, rs->alias ? rs->alias->colnames : NULL,
                          rs->alias ? rs->alias->n_colnames : 0, -1, it);
    }
    case PG_QUERY__NODE__NODE_JOIN_EXPR:
        return from_join(ctx, n->join_expr, qs, it);
    case PG_QUERY__NODE__NODE_RANGE_FUNCTION:
        return from_function(ctx, n->range_function, qs, it);
    default:
        return sql_error_set(ctx->err, "0A000", 0, "this FROM item is not supported");
    }
}

/* ------------------------------------------------------------------------------------------------
 * EXISTS / NOT EXISTS as semi / anti joins
 * ---------------------------------------------------------------------------------------------- */

/* A WHERE conjunct `[NOT] EXISTS (SELECT ... FROM one_item WHERE ...)` that can run as a semi (anti) join
 * instead of once per row: the subquery is a plain SELECT over one FROM item (no grouping, aggregates,
 * DISTINCT, LIMIT, set operation, WITH or window). Returns the subquery, and whether it is negated. */
static PgQuery__SelectStmt *exists_candidate(PgQuery__Node *c, int *negated)
{
    *negated = 0;
    if (c->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR && c->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR &&
        c->bool_expr->n_args == 1) {
        *negated = 1;
        c = c->bool_expr->args[0];
    }
    if (c->node_case != PG_QUERY__NODE__NODE_SUB_LINK ||
        c->sub_link->sub_link_type != PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK || !c->sub_link->subselect ||
        c->sub_link->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return NULL;
    PgQuery__SelectStmt *q = c->sub_link->subselect->select_stmt;
    if ((q->op != PG_QUERY__SET_OPERATION__SETOP_NONE && q->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) ||
        q->with_clause || q->n_values_lists || q->n_from_clause != 1 || q->n_group_clause || q->having_clause ||
        q->n_distinct_clause || q->limit_count || q->limit_offset || q->n_window_clause ||
        bind_nodes_have_agg(q->target_list, q->n_target_list))
        return NULL;
    return q;
}

/* Rewrite a predicate bound in the subquery's scope (whose parent is the query's) into one over the
 * combined row of the semi join: the query's columns keep their indexes (EXPR_OUTER level 1 becomes
 * EXPR_COL), the subquery's were bound at offset n_left already, references further out lose a level.
 * Fails (returns 0) on anything that cannot move: a nested subquery. */
static int exists_rewrite(Expr *e)
{
    if (e->kind == EXPR_SUBLINK || e->kind == EXPR_AGGREF || e->kind == EXPR_WINREF)
        return 0;
    if (e->kind == EXPR_OUTER) {
        if (e->u.outer.level == 1) {
            uint32_t col = e->u.outer.col;
            e->kind = EXPR_COL;
            e->u.col = col;
        } else {
            e->u.outer.level--;
        }
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!exists_rewrite(e->args[i]))
            return 0;
    return 1;
}

typedef struct SemiJoin {
    FromItem item;
    JoinType type;
    Expr **conj;
    uint32_t n_conj;
} SemiJoin;

/* Try to plan WHERE conjunct c as a semi/anti join of the query's rows (sc: n_left columns) with the
 * subquery's FROM item. 1: planned into *sj; 0: not applicable (bind it as an ordinary subquery);
 * -1: error. */
static int exists_plan(BindCtx *ctx, PgQuery__Node *c, Scope *sc, uint32_t n_left, SemiJoin *sj)
{
    int negated;
    PgQuery__SelectStmt *q = exists_candidate(c, &negated);
    if (!q)
        return 0;
    Scope *sub = arena_try_calloc(ctx->arena, sizeof(*sub));
    if (!sub)
        return bind_oom(ctx), -1;
    sub->parent = sc;
    memset(sj, 0, sizeof(*sj));
    SqlError saved_err = *ctx->err;
    if (from_item(ctx, q->from_clause[0], sub, &sj->item)) {
        *ctx->err = saved_err; /* bound again the ordinary way, which reports it */
        return 0;
    }
    /* the subquery's columns sit after the query's in the joined row */
    if (!(sub->cols = arena_try_calloc(ctx->arena, sizeof(ScopeCol) * (sj->item.n ? sj->item.n : 1))))
        return bind_oom(ctx), -1;
    for (uint32_t i = 0; i < sj->item.n; i++) {
        sub->cols[i] = sj->item.cols[i];
        sub->cols[i].index += n_left;
    }
    sub->n = sj->item.n;
    Expr **conj = NULL;
    uint32_t n_conj = 0, cap = 0;
    if (q->where_clause) {
        Scope *saved = ctx->scope;
        ctx->scope = sub;
        ctx->clause = "WHERE";
        Expr *pred = bind_expr(ctx, q->where_clause);
        ctx->clause = NULL;
        ctx->scope = saved;
        if (!pred || bind_coerce(ctx, &pred, SQL_TYPE(SQL_BOOL), 0, pred->location)) {
            *ctx->err = saved_err;
            return 0;
        }
        if (!exists_rewrite(pred))
            return 0;
        if (conj_split(ctx, pred, &conj, &n_conj, &cap))
            return -1;
    }
    sj->type = negated ? JOIN_ANTI : JOIN_SEMI;
    sj->conj = conj;
    sj->n_conj = n_conj;
    return 1;
}

/* FROM and WHERE of one SELECT: every item bound, then the WHERE conjuncts placed: a conjunct over one
 * item filters that item (and is offered to its scan for pushdown), A = B across items becomes a hash
 * join key at the join that first sees both, and what remains (subqueries, conditions over no column)
 * filters the joined rows. Items join left-deep in FROM order. On return ctx->scope is the query's
 * scope sc (its parent is the enclosing query's scope) holds the columns of *out's output. */
static int bind_from_where(BindCtx *ctx, PgQuery__SelectStmt *s, Scope *sc, Op **out)
{
    size_t n_items = s->n_from_clause;
    FromItem *items = arena_try_calloc(ctx->arena, sizeof(FromItem) * (n_items ? n_items : 1));
    uint32_t *offset = ARENA_NEW(ctx->arena, uint32_t, n_items + 1);
    if (!items || !offset)
        return bind_oom(ctx);
    uint32_t n_cols = 0, n_scope = 0;
    for (size_t i = 0; i < n_items; i++) {
        if (from_item(ctx, s->from_clause[i], sc, &items[i]))
            return WEIR_ERROR;
        offset[i] = n_cols;
        n_cols += items[i].op->n_cols;
        n_scope += items[i].n;
    }
    offset[n_items] = n_cols;
    if (!(sc->cols = arena_try_calloc(ctx->arena, sizeof(ScopeCol) * (n_scope ? n_scope : 1))))
        return bind_oom(ctx);
    for (size_t i = 0; i < n_items; i++)
        for (uint32_t c = 0; c < items[i].n; c++) {
            ScopeCol *col = &sc->cols[sc->n++];
            *col = items[i].cols[c];
            col->index += offset[i];
        }
    /* duplicate names among FROM items, as PostgreSQL rejects them */
    for (size_t i = 0; i < n_items; i++)
        for (size_t j = i + 1; j < n_items; j++)
            if (items[i].n && items[j].n && items[i].cols[0].rel && items[j].cols[0].rel &&
                strcmp(items[i].cols[0].rel, items[j].cols[0].rel) == 0 &&
                s->from_clause[i]->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR &&
                s->from_clause[j]->node_case != PG_QUERY__NODE__NODE_JOIN_EXPR)
                return sql_error_set(ctx->err, "42712", 0, "table name \"%s\" specified more than once",
                                     items[i].cols[0].rel);
    ctx->scope = sc;
    Expr **conj = NULL;
    uint32_t n_conj = 0, cap = 0;
    SemiJoin *semis = NULL;
    uint32_t n_semis = 0;
    if (s->where_clause) {
        /* top-level [NOT] EXISTS conjuncts become semi/anti joins; the rest is bound as usual */
        PgQuery__Node *w = s->where_clause;
        PgQuery__Node **parts = &s->where_clause;
        size_t n_parts = 1;
        if (w->node_case == PG_QUERY__NODE__NODE_BOOL_EXPR && w->bool_expr->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR) {
            parts = w->bool_expr->args;
            n_parts = w->bool_expr->n_args;
        }
        uint8_t *planned = arena_try_calloc(ctx->arena, n_parts);
        if (!planned || !(semis = arena_try_calloc(ctx->arena, sizeof(SemiJoin) * n_parts)))
            return bind_oom(ctx);
        for (size_t i = 0; n_items && i < n_parts; i++) {
            int r = exists_plan(ctx, parts[i], sc, n_cols, &semis[n_semis]);
            if (r < 0)
                return WEIR_ERROR;
            if (r > 0) {
                planned[i] = 1;
                n_semis++;
            }
        }
        ctx->scope = sc;
        for (size_t i = 0; i < n_parts; i++) {
            if (planned[i])
                continue;
            ctx->clause = "WHERE";
            Expr *pred = bind_expr(ctx, parts[i]);
            ctx->clause = NULL;
            if (!pred || bind_coerce(ctx, &pred, SQL_TYPE(SQL_BOOL), 0, pred->location) ||
                conj_split(ctx, pred, &conj, &n_conj, &cap))
                return WEIR_ERROR;
        }
    }
    if (n_items == 0) {
        Op *src = bind_op_new(ctx, OP_RESULT, 0, NULL);
        if (!src)
            return WEIR_ERROR;
        if (n_conj) {
            Op *f = bind_op_new(ctx, OP_FILTER, 0, src);
            if (!f || !(f->pred = conj_join(ctx, conj, n_conj)))
                return WEIR_ERROR;
            src = f;
        }
        *out = src;
        return WEIR_OK;
    }
    /* place each conjunct: step[k] = the item whose joining makes it evaluable (0: below any join) */
    Expr ***per_item = arena_try_calloc(ctx->arena, sizeof(Expr **) * n_items);
    uint32_t *n_per = arena_try_calloc(ctx->arena, sizeof(uint32_t) * n_items);
    Expr ***per_join = arena_try_calloc(ctx->arena, sizeof(Expr **) * n_items);
    uint32_t *n_pj = arena_try_calloc(ctx->arena, sizeof(uint32_t) * n_items);
    Expr **top = ARENA_NEW(ctx->arena, Expr *, n_conj + 1);
    uint32_t n_top = 0;
    if (!per_item || !n_per || !per_join || !n_pj || !top)
        return bind_oom(ctx);
    for (size_t i = 0; i < n_items; i++)
        if (!(per_item[i] = ARENA_NEW(ctx->arena, Expr *, n_conj + 1)) ||
            !(per_join[i] = ARENA_NEW(ctx->arena, Expr *, n_conj + 1)))
            return bind_oom(ctx);
    for (uint32_t k = 0; k < n_conj; k++) {
        Span sp = span_of(conj[k]);
        if (sp.pinned || sp.hi == UINT32_MAX) {
            top[n_top++] = conj[k];
            continue;
        }
        size_t first = 0, last = 0;
        for (size_t i = 0; i < n_items; i++) {
            if (sp.lo >= offset[i] && sp.lo < offset[i + 1])
                first = i;
            if (sp.hi >= offset[i] && sp.hi < offset[i + 1])
                last = i;
        }
        if (first == last) {
            expr_shift(conj[k], -(int64_t)offset[first]);
            per_item[first][n_per[first]++] = conj[k];
        } else {
            per_join[last][n_pj[last]++] = conj[k];
        }
    }
    for (size_t i = 0; i < n_items; i++)
        if (n_per[i] && from_filter(ctx, &items[i], conj_join(ctx, per_item[i], n_per[i])))
            return WEIR_ERROR;
    FromItem acc = items[0];
    for (size_t i = 1; i < n_items; i++) {
        FromItem joined;
        if (join_items(ctx, &acc, &items[i], JOIN_INNER, per_join[i], n_pj[i], &joined))
            return WEIR_ERROR;
        acc = joined;
    }
    for (uint32_t i = 0; i < n_semis; i++) {
        FromItem joined;
        if (join_items(ctx, &acc, &semis[i].item, semis[i].type, semis[i].conj, semis[i].n_conj, &joined))
            return WEIR_ERROR;
        acc = joined;
    }
    Op *src = acc.op;
    if (n_top) {
        Op *f = bind_op_new(ctx, OP_FILTER, src->n_cols, src);
        if (!f || !(f->pred = conj_join(ctx, top, n_top)))
            return WEIR_ERROR;
        memcpy(f->types, src->types, src->n_cols * sizeof(SqlType));
        src = f;
    }
    *out = src;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * One SELECT
 * ---------------------------------------------------------------------------------------------- */

/* setop_leaf: s is an operand of UNION / INTERSECT / EXCEPT, whose unknown literals (SELECT NULL) stay
 * unknown for the set operation to type, as PostgreSQL's transformSetOperationTree leaves them. */
static int bind_simple(BindCtx *ctx, PgQuery__SelectStmt *s, Scope *sc, BoundStmt *out, int setop_leaf)
{
    {
        if (s->group_distinct)
            return sql_error_set(ctx->err, "0A000", 0, "GROUP BY DISTINCT is not supported yet");
        int distinct = s->n_distinct_clause > 0;
        /* DISTINCT ON (exprs): the parse tree lists the expressions (plain DISTINCT: one empty node) */
        uint32_t n_on = distinct && (s->n_distinct_clause > 1 || (s->distinct_clause[0] &&
                                                                  s->distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET))
                            ? (uint32_t)s->n_distinct_clause
                            : 0;
        Op *src = NULL;
        if (bind_from_where(ctx, s, sc, &src) || bind_srf_begin(ctx, s, &src)) /* SELECT generate_series(...): bind_srf.c */
            return WEIR_ERROR;
        /* count the output columns: each * expands to the visible columns of its relation(s) */
        uint32_t n = 0;
        for (size_t i = 0; i < s->n_target_list; i++) {
            PgQuery__ResTarget *rt = s->target_list[i]->res_target;
            const char *star_rel;
            if (is_star(rt->val, &star_rel)) {
                /* (a FROM whose relations have no columns, FROM (SELECT) s, expands to nothing) */
                if (!s->n_from_clause)
                    return BIND_ERR(ctx, "42601", rt->location, "SELECT * with no tables specified is not valid");
                uint32_t k = 0;
                for (uint32_t c = 0; c < ctx->scope->n; c++)
                    k += !ctx->scope->cols[c].is_hidden && (!star_rel || strcmp(ctx->scope->cols[c].rel, star_rel) == 0);
                if (star_rel && k == 0)
                    return BIND_ERR(ctx, "42P01", rt->location, "missing FROM-clause entry for table \"%s\"", star_rel);
                n += k;
            } else {
                n++;
            }
        }
        /* (every WINDOW definition counts, used or not, as PostgreSQL transforms them all; and ORDER BY:
         * SELECT 1 FROM t ORDER BY sum(x) is one row) */
        int aggregating = s->n_group_clause || s->having_clause || bind_nodes_have_agg(s->target_list, s->n_target_list) ||
                          bind_nodes_have_agg(s->window_clause, s->n_window_clause) ||
                          bind_nodes_have_agg(s->sort_clause, s->n_sort_clause);
        AggBind ab;
        memset(&ab, 0, sizeof(ab));
        if (aggregating)
            ctx->agg = &ab;
        WinBind *wb = bind_window_begin(ctx, s->window_clause, s->n_window_clause);
        if (!wb)
            return WEIR_ERROR;
        ctx->win = wb;
        Op *proj = bind_op_new(ctx, OP_PROJECT, n, src);
        uint32_t cap = n + (uint32_t)s->n_sort_clause + n_on; /* room for ORDER BY / DISTINCT ON expressions */
        SqlType *ptypes = ARENA_NEW(ctx->arena, SqlType, cap ? cap : 1);
        if (!proj || !ptypes || !(proj->exprs = ARENA_NEW(ctx->arena, Expr *, cap ? cap : 1)) ||
            !(out->cols = ARENA_NEW(ctx->arena, SqlColumn, n ? n : 1)))
            return proj ? bind_oom(ctx) : WEIR_ERROR;
        proj->types = ptypes;
        uint32_t o = 0;
        for (size_t i = 0; i < s->n_target_list; i++) {
            PgQuery__ResTarget *rt = s->target_list[i]->res_target;
            const char *star_rel;
            if (is_star(rt->val, &star_rel)) {
                for (uint32_t c = 0; c < ctx->scope->n; c++) {
                    const ScopeCol *col = &ctx->scope->cols[c];
                    if (col->is_hidden || (star_rel && strcmp(col->rel, star_rel) != 0))
                        continue;
                    Expr *e = bind_expr_new(ctx, EXPR_COL, col->type, rt->location, 0);
                    if (!e)
                        return bind_oom(ctx);
                    e->u.col = col->index;
                    if (col->needed)
                        *col->needed = 1;
                    proj->exprs[o] = e;
                    proj->types[o] = e->type;
                    out->cols[o] = (SqlColumn){.name = col->name, .type = col->type, .table_oid = col->table_oid,
                                               .attnum = col->attnum};
                    o++;
                }
                continue;
            }
            Expr *e = bind_expr(ctx, rt->val);
            if (!e)
                return WEIR_ERROR;
            proj->exprs[o] = e;
            proj->types[o] = e->type;
            const char *name = rt->name && rt->name[0] ? rt->name : bind_figure_colname(rt->val);
            out->cols[o].name = arena_try_strndup(ctx->arena, name, strlen(name));
            out->cols[o].type = e->type;
            if (e->type.id == SQL_RECORD)
                out->cols[o].type.typmod = -1; /* the row type's typmod is the binder's (bind_row.c), not sent */
            const ScopeCol *from = e->kind == EXPR_COL ? scope_col_at(ctx->scope, e->u.col) : NULL;
            if (from && !(rt->name && rt->name[0])) {
                out->cols[o].table_oid = from->table_oid;
                out->cols[o].attnum = from->attnum;
            }
            o++;
        }
        /* Unknown literals and parameters become text once the whole list is bound, as PostgreSQL's
         * resolveTargetListUnknowns: SELECT $1, $1 + 1 has decided $1 is an integer by then (42P08) */
        for (uint32_t c = 0; c < o; c++) {
            if (proj->exprs[c]->type.id != SQL_UNKNOWN || (setop_leaf && proj->exprs[c]->kind == EXPR_CONST))
                continue;
            if (bind_coerce(ctx, &proj->exprs[c], SQL_TYPE(SQL_TEXT), 0, proj->exprs[c]->location))
                return WEIR_ERROR;
            proj->types[c] = out->cols[c].type = proj->exprs[c]->type;
        }
        /* ORDER BY: an ordinal or an output column name names an output column; anything else is an
         * expression over the input (or an aggregate), computed by the projection as an extra column */
        uint32_t n_sort = (uint32_t)s->n_sort_clause, n_junk = 0;
        SortSpec *ss = NULL;
        if (n_sort) {
            ss = arena_try_calloc(ctx->arena, sizeof(*ss));
            if (!ss || !(ss->cols = ARENA_NEW(ctx->arena, uint32_t, n_sort)) ||
                !(ss->desc = arena_try_calloc(ctx->arena, n_sort)) ||
                !(ss->nulls_first = arena_try_calloc(ctx->arena, n_sort)))
                return bind_oom(ctx);
            ss->n_keys = n_sort;
            for (uint32_t k = 0; k < n_sort; k++) {
                PgQuery__SortBy *sb = s->sort_clause[k]->sort_by;
                if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING)
                    return BIND_ERR(ctx, "0A000", sb->location, "ORDER BY ... USING is not supported");
                ss->desc[k] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
                ss->nulls_first[k] = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                                     (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && ss->desc[k]);
                PgQuery__Node *g = sb->node;
                int64_t col = -1;
                if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                    int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
                    if (ord < 1 || (uint32_t)ord > n)
                        return BIND_ERR(ctx, "42P10", g->a_const->location, "ORDER BY position %d is not in select list", ord);
                    col = ord - 1;
                } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
                    const char *name = bind_node_str(g->column_ref->fields[0]);
                    for (uint32_t c = 0; name && c < n && col < 0; c++)
                        if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                            col = c;
                }
                if (col < 0) {
                    Expr *e = bind_expr(ctx, g);
                    if (!e)
                        return WEIR_ERROR;
                    if (e->type.id == SQL_UNKNOWN && bind_coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                        return WEIR_ERROR;
                    for (uint32_t c = 0; c < n + n_junk && col < 0; c++)
                        if (bind_expr_equal(proj->exprs[c], e))
                            col = c;
                    if (col < 0) {
                        proj->exprs[n + n_junk] = e;
                        proj->types[n + n_junk] = e->type;
                        col = n + n_junk++;
                    }
                }
                ss->cols[k] = (uint32_t)col;
            }
            proj->n_cols = n + n_junk;
        }
        uint32_t *on_cols = NULL;
        if (n_on) {
            if (!(on_cols = ARENA_NEW(ctx->arena, uint32_t, n_on)))
                return bind_oom(ctx);
            for (uint32_t k = 0; k < n_on; k++) {
                PgQuery__Node *g = s->distinct_clause[k];
                int64_t col = -1;
                if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                    int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
                    if (ord < 1 || (uint32_t)ord > n)
                        return BIND_ERR(ctx, "42P10", g->a_const->location,
                                        "SELECT DISTINCT ON position %d is not in select list", ord);
                    col = ord - 1;
                } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
                    const char *name = bind_node_str(g->column_ref->fields[0]);
                    for (uint32_t c = 0; name && c < n && col < 0; c++)
                        if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                            col = c;
                }
                if (col < 0) {
                    Expr *e = bind_expr(ctx, g);
                    if (!e)
                        return WEIR_ERROR;
                    if (e->type.id == SQL_UNKNOWN && bind_coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                        return WEIR_ERROR;
                    for (uint32_t c = 0; c < n + n_junk && col < 0; c++)
                        if (bind_expr_equal(proj->exprs[c], e))
                            col = c;
                    if (col < 0) {
                        proj->exprs[n + n_junk] = e;
                        proj->types[n + n_junk] = e->type;
                        col = n + n_junk++;
                    }
                }
                on_cols[k] = (uint32_t)col;
            }
            proj->n_cols = n + n_junk;
            /* PostgreSQL's rule: the DISTINCT ON expressions are the leading ORDER BY keys (any order) */
            uint32_t lead = ss ? (ss->n_keys < n_on ? ss->n_keys : n_on) : 0;
            for (uint32_t k = 0; k < lead; k++) {
                int found = 0;
                for (uint32_t j = 0; j < n_on; j++)
                    found |= on_cols[j] == ss->cols[k];
                if (!found)
                    return sql_error_set(ctx->err, "42P10", 0,
                                         "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
            }
            for (uint32_t j = 0; ss && j < n_on && ss->n_keys < n_on; j++) {
                int found = 0;
                for (uint32_t k = 0; k < ss->n_keys; k++)
                    found |= on_cols[j] == ss->cols[k];
                if (!found)
                    return sql_error_set(ctx->err, "42P10", 0,
                                         "SELECT DISTINCT ON expressions must match initial ORDER BY expressions");
            }
            if (!ss) {
                /* no ORDER BY: sort on the DISTINCT ON keys, which is also the order PostgreSQL returns */
                ss = arena_try_calloc(ctx->arena, sizeof(*ss));
                if (!ss || !(ss->desc = arena_try_calloc(ctx->arena, n_on)) ||
                    !(ss->nulls_first = arena_try_calloc(ctx->arena, n_on)))
                    return bind_oom(ctx);
                ss->n_keys = n_on;
                ss->cols = on_cols;
            }
        }
        ctx->win = NULL;
        if (aggregating) {
            /* GROUP BY keys over the input: an ordinal or an output column name means that column's
             * expression, as in PostgreSQL */
            uint32_t n_keys = (uint32_t)s->n_group_clause;
            Expr **keys = ARENA_NEW(ctx->arena, Expr *, n_keys ? n_keys : 1);
            if (!keys)
                return bind_oom(ctx);
            ctx->agg = NULL;
            for (uint32_t k = 0; k < n_keys; k++) {
                PgQuery__Node *g = s->group_clause[k];
                Expr *e = NULL;
                if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                    int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
                    if (ord < 1 || (uint32_t)ord > n)
                        return BIND_ERR(ctx, "42P10", g->a_const->location, "GROUP BY position %d is not in select list", ord);
                    e = proj->exprs[ord - 1];
                } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
                    const char *name = bind_node_str(g->column_ref->fields[0]);
                    int in_input = 0;
                    for (uint32_t c = 0; ctx->scope && name && c < ctx->scope->n; c++)
                        in_input |= strcmp(ctx->scope->cols[c].name, name) == 0;
                    for (uint32_t c = 0; !in_input && name && c < n; c++)
                        if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                            e = proj->exprs[c];
                }
                if (!e && !(e = bind_expr(ctx, g)))
                    return WEIR_ERROR;
                if (e->kind == EXPR_AGGREF)
                    return BIND_ERR(ctx, "42803", e->location, "aggregate functions are not allowed in GROUP BY");
                if (e->type.id == SQL_UNKNOWN && bind_coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                    return WEIR_ERROR;
                keys[k] = e;
            }
            Expr *having = NULL;
            if (s->having_clause) {
                ctx->agg = &ab;
                having = bind_expr(ctx, s->having_clause);
                ctx->agg = NULL;
                if (!having || bind_coerce(ctx, &having, SQL_TYPE(SQL_BOOL), 0, having->location))
                    return WEIR_ERROR;
            }
            Op *agg = bind_op_new(ctx, OP_AGG, n_keys + ab.n, proj->child);
            AggSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
            if (!agg || !sp)
                return agg ? bind_oom(ctx) : WEIR_ERROR;
            sp->keys = keys;
            sp->n_keys = n_keys;
            sp->aggs = ab.calls;
            sp->n_aggs = ab.n;
            agg->spec = sp;
            for (uint32_t k = 0; k < n_keys; k++)
                agg->types[k] = keys[k]->type;
            for (uint32_t a = 0; a < ab.n; a++)
                agg->types[n_keys + a] = ab.calls[a].type;
            for (uint32_t i = n; i < n + n_junk; i++)
                if (bind_agg_rewrite(ctx, &proj->exprs[i], keys, n_keys))
                    return WEIR_ERROR;
            for (uint32_t i = 0; i < n; i++) {
                if (bind_agg_rewrite(ctx, &proj->exprs[i], keys, n_keys))
                    return WEIR_ERROR;
                if (proj->exprs[i]->kind != EXPR_COL || proj->exprs[i]->u.col >= n_keys) {
                    out->cols[i].table_oid = 0;
                    out->cols[i].attnum = 0;
                }
            }
            Op *top = agg;
            if (having) {
                if (expr_has_correlated(having))
                    return BIND_ERR(ctx, "0A000", having->location,
                                    "correlated subqueries in HAVING are not supported");
                if (bind_agg_rewrite(ctx, &having, keys, n_keys))
                    return WEIR_ERROR;
                Op *f = bind_op_new(ctx, OP_FILTER, 0, agg);
                if (!f)
                    return WEIR_ERROR;
                f->pred = having;
                top = f;
            }
            if (bind_window_rewrite(ctx, wb, keys, n_keys))
                return WEIR_ERROR;
            proj->child = top;
            for (uint32_t i = 0; i < proj->n_cols; i++)
                if (expr_has_correlated(proj->exprs[i]))
                    return BIND_ERR(ctx, "0A000", proj->exprs[i]->location,
                                    "correlated subqueries in the SELECT list of a grouped query are not supported");
        }
        if (bind_window_count(wb)) {
            Op *w;
            if (bind_window_finish(ctx, wb, proj->child, proj->exprs, proj->n_cols, &w))
                return WEIR_ERROR;
            proj->child = w;
        }
        out->root = proj;
        out->n_cols = n;
        if (distinct && !n_on) {
            /* DISTINCT: group by every output column (hash aggregation with no aggregates) */
            if (n_junk)
                return sql_error_set(ctx->err, "42P10", 0,
                                     "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
            Op *dist = bind_op_new(ctx, OP_AGG, n, proj);
            AggSpec *dsp = arena_try_calloc(ctx->arena, sizeof(*dsp));
            if (!dist || !dsp || !(dsp->keys = ARENA_NEW(ctx->arena, Expr *, n ? n : 1)))
                return dist ? bind_oom(ctx) : WEIR_ERROR;
            for (uint32_t c = 0; c < n; c++) {
                Expr *e = bind_expr_new(ctx, EXPR_COL, proj->types[c], -1, 0);
                if (!e)
                    return bind_oom(ctx);
                e->u.col = c;
                dsp->keys[c] = e;
                dist->types[c] = proj->types[c];
            }
            dsp->n_keys = n;
            dist->spec = dsp;
            out->root = dist;
        }
        if (ss) {
            Op *sort = bind_op_new(ctx, OP_SORT, out->root->n_cols, out->root);
            if (!sort)
                return WEIR_ERROR;
            memcpy(sort->types, out->root->types, out->root->n_cols * sizeof(SqlType));
            sort->spec = ss;
            out->root = sort;
            if (n_on) {
                /* DISTINCT ON: the first row of each run of equal keys in that order */
                Op *u = bind_op_new(ctx, OP_UNIQUE, sort->n_cols, sort);
                UniqueSpec *us = arena_try_calloc(ctx->arena, sizeof(*us));
                if (!u || !us)
                    return u ? bind_oom(ctx) : WEIR_ERROR;
                memcpy(u->types, sort->types, sort->n_cols * sizeof(SqlType));
                us->n_keys = n_on;
                us->cols = on_cols;
                u->spec = us;
                out->root = u;
            }
            if (n_junk) {
                /* drop the ORDER BY-only columns */
                Op *trim = bind_op_new(ctx, OP_PROJECT, n, out->root);
                if (!trim || !(trim->exprs = ARENA_NEW(ctx->arena, Expr *, n ? n : 1)))
                    return trim ? bind_oom(ctx) : WEIR_ERROR;
                for (uint32_t c = 0; c < n; c++) {
                    Expr *e = bind_expr_new(ctx, EXPR_COL, proj->types[c], -1, 0);
                    if (!e)
                        return bind_oom(ctx);
                    e->u.col = c;
                    trim->exprs[c] = e;
                    trim->types[c] = proj->types[c];
                }
                out->root = trim;
            }
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Set operations, ORDER BY over a query's output, LIMIT, the entry point
 * ---------------------------------------------------------------------------------------------- */

/* Cast the columns of a bound query to types (a projection over it when any differs). */
static int cast_output(BindCtx *ctx, BoundStmt *q, const SqlType *types)
{
    int differs = 0;
    for (uint32_t c = 0; c < q->n_cols; c++)
        differs |= q->cols[c].type.id != types[c].id || q->cols[c].type.typmod != types[c].typmod;
    if (!differs)
        return WEIR_OK;
    Op *p = bind_op_new(ctx, OP_PROJECT, q->n_cols, q->root);
    if (!p || !(p->exprs = ARENA_NEW(ctx->arena, Expr *, q->n_cols)))
        return p ? bind_oom(ctx) : WEIR_ERROR;
    for (uint32_t c = 0; c < q->n_cols; c++) {
        Expr *e = bind_expr_new(ctx, EXPR_COL, q->cols[c].type, -1, 0);
        if (!e)
            return bind_oom(ctx);
        e->u.col = c;
        /* an operand's unknown literal (SELECT NULL, SELECT 'a') is read as the resolved type, as
         * PostgreSQL reads such a literal: 'a' for an integer column is 22P02 */
        if (bind_coerce(ctx, &e, types[c], q->cols[c].type.id == SQL_UNKNOWN, -1))
            return WEIR_ERROR;
        p->exprs[c] = e;
        p->types[c] = types[c];
        q->cols[c].type = types[c];
    }
    q->root = p;
    return WEIR_OK;
}

static int bind_select_as(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out, int setop_leaf);

static int bind_setop(BindCtx *ctx, PgQuery__SelectStmt *s, Scope *sc, BoundStmt *out)
{
    const char *what = s->op == PG_QUERY__SET_OPERATION__SETOP_UNION       ? "UNION"
                       : s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? "INTERSECT"
                                                                           : "EXCEPT";
    BoundStmt l, r;
    memset(&l, 0, sizeof(l));
    memset(&r, 0, sizeof(r));
    Scope *saved = ctx->scope;
    ctx->scope = sc->parent; /* both sides are queries of their own, siblings under the enclosing one */
    int rc = bind_select_as(ctx, s->larg, &l, 1) || bind_select_as(ctx, s->rarg, &r, 1);
    ctx->scope = saved;
    if (rc)
        return WEIR_ERROR;
    if (l.n_cols != r.n_cols)
        return sql_error_set(ctx->err, "42601", 0, "each %s query must have the same number of columns", what);
    uint32_t n = l.n_cols;
    SqlType *types = ARENA_NEW(ctx->arena, SqlType, n ? n : 1);
    if (!types)
        return bind_oom(ctx);
    for (uint32_t c = 0; c < n; c++) {
        Expr *pair[2];
        for (int k = 0; k < 2; k++) {
            if (!(pair[k] = bind_expr_new(ctx, EXPR_COL, k ? r.cols[c].type : l.cols[c].type, -1, 0)))
                return bind_oom(ctx);
        }
        if (bind_common_type(ctx, pair, 2, what, &types[c]))
            return WEIR_ERROR;
        if (types[c].id == SQL_UNKNOWN)
            types[c] = SQL_TYPE(SQL_TEXT);
    }
    if (cast_output(ctx, &l, types) || cast_output(ctx, &r, types))
        return WEIR_ERROR;
    if (l.correlated || r.correlated)
        sc->has_outer_refs = 1;
    out->cols = l.cols;
    out->n_cols = n;
    for (uint32_t c = 0; c < n; c++)
        out->cols[c].table_oid = 0, out->cols[c].attnum = 0;
    Op *op;
    if (s->op == PG_QUERY__SET_OPERATION__SETOP_UNION) {
        op = bind_op_new(ctx, OP_APPEND, n, l.root);
        if (!op)
            return WEIR_ERROR;
        op->right = r.root;
        memcpy(op->types, types, n * sizeof(SqlType));
        if (!s->all) {
            /* UNION: the distinct rows, as a grouping on every column */
            Op *d = bind_op_new(ctx, OP_AGG, n, op);
            AggSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
            if (!d || !sp || !(sp->keys = ARENA_NEW(ctx->arena, Expr *, n ? n : 1)))
                return d && sp ? bind_oom(ctx) : WEIR_ERROR;
            for (uint32_t c = 0; c < n; c++) {
                Expr *e = bind_expr_new(ctx, EXPR_COL, types[c], -1, 0);
                if (!e)
                    return bind_oom(ctx);
                e->u.col = c;
                sp->keys[c] = e;
            }
            sp->n_keys = n;
            d->spec = sp;
            memcpy(d->types, types, n * sizeof(SqlType));
            op = d;
        }
    } else {
        op = bind_op_new(ctx, OP_SETOP, n, l.root);
        SetOpSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
        if (!op || !sp)
            return op ? bind_oom(ctx) : WEIR_ERROR;
        op->right = r.root;
        sp->type = s->op == PG_QUERY__SET_OPERATION__SETOP_INTERSECT ? SETOP_INTERSECT : SETOP_EXCEPT;
        sp->all = s->all;
        op->spec = sp;
        memcpy(op->types, types, n * sizeof(SqlType));
    }
    out->root = op;
    return WEIR_OK;
}

/* ORDER BY over a query's output columns only (set operations, VALUES): ordinals and output names. */
static int bind_output_sort(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    uint32_t n_sort = (uint32_t)s->n_sort_clause;
    SortSpec *ss = arena_try_calloc(ctx->arena, sizeof(*ss));
    if (!ss || !(ss->cols = ARENA_NEW(ctx->arena, uint32_t, n_sort)) || !(ss->desc = arena_try_calloc(ctx->arena, n_sort)) ||
        !(ss->nulls_first = arena_try_calloc(ctx->arena, n_sort)))
        return bind_oom(ctx);
    ss->n_keys = n_sort;
    for (uint32_t k = 0; k < n_sort; k++) {
        PgQuery__SortBy *sb = s->sort_clause[k]->sort_by;
        if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING)
            return BIND_ERR(ctx, "0A000", sb->location, "ORDER BY ... USING is not supported");
        ss->desc[k] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        ss->nulls_first[k] = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                             (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && ss->desc[k]);
        PgQuery__Node *g = sb->node;
        int64_t col = -1;
        if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
            int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
            if (ord < 1 || (uint32_t)ord > out->n_cols)
                return BIND_ERR(ctx, "42P10", g->a_const->location, "ORDER BY position %d is not in select list", ord);
            col = ord - 1;
        } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
            const char *name = bind_node_str(g->column_ref->fields[0]);
            for (uint32_t c = 0; name && c < out->n_cols && col < 0; c++)
                if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                    col = c;
            if (col < 0)
                return BIND_ERR(ctx, "42703", g->column_ref->location, "column \"%s\" does not exist", name ? name : "?");
        } else {
            return sql_error_set(ctx->err, "0A000", 0,
                                 "invalid UNION/INTERSECT/EXCEPT ORDER BY clause: only result column names or "
                                 "positions can be used");
        }
        ss->cols[k] = (uint32_t)col;
    }
    Op *sort = bind_op_new(ctx, OP_SORT, out->root->n_cols, out->root);
    if (!sort)
        return WEIR_ERROR;
    memcpy(sort->types, out->root->types, out->root->n_cols * sizeof(SqlType));
    sort->spec = ss;
    out->root = sort;
    return WEIR_OK;
}

static int bind_query_body(BindCtx *ctx, PgQuery__SelectStmt *s, Scope *sc, BoundStmt *out, int setop_leaf)
{
    out->kind = BOUND_QUERY;
    out->tag = "SELECT";
    int sorted = 0;
    if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED) {
        if (bind_setop(ctx, s, sc, out))
            return WEIR_ERROR;
    } else if (s->n_values_lists) {
        ctx->scope = sc;
        if (bind_values(ctx, s, out))
            return WEIR_ERROR;
    } else {
        if (bind_simple(ctx, s, sc, out, setop_leaf))
            return WEIR_ERROR;
        sorted = 1;
    }
    if (!sorted && s->n_sort_clause && bind_output_sort(ctx, s, out))
        return WEIR_ERROR;
    if (s->limit_count || s->limit_offset) {
        ctx->scope = sc;
        Op *lim = bind_op_new(ctx, OP_LIMIT, out->n_cols, out->root);
        if (!lim)
            return WEIR_ERROR;
        memcpy(lim->types, out->root->types, out->n_cols * sizeof(SqlType));
        if (s->limit_count && !(s->limit_count->node_case == PG_QUERY__NODE__NODE_A_CONST && s->limit_count->a_const->isnull) &&
            !(lim->limit = bind_count_expr(ctx, s->limit_count, "LIMIT")))
            return WEIR_ERROR;
        if (s->limit_offset && !(lim->offset = bind_count_expr(ctx, s->limit_offset, "OFFSET")))
            return WEIR_ERROR;
        out->root = lim;
    }
    out->correlated = sc->has_outer_refs;
    return WEIR_OK;
}

int bind_select(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    return bind_select_as(ctx, s, out, 0);
}

static int bind_select_as(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out, int setop_leaf)
{
    /* queries nest as deep as the statement (subqueries, long UNION chains): 54001 before the stack runs
     * out, as PostgreSQL */
    if (sql_stack_check(ctx->err))
        return WEIR_ERROR;
    if (s->with_clause && s->with_clause->recursive)
        return BIND_ERR(ctx, "0A000", s->with_clause->location, "WITH RECURSIVE is not supported");
    if (s->into_clause)
        return BIND_ERR(ctx, "0A000", s->into_clause->rel ? s->into_clause->rel->location : -1,
                        "SELECT INTO is not supported");
    if (s->n_locking_clause)
        return sql_error_set(ctx->err, "0A000", 0, "SELECT FOR UPDATE/SHARE is not supported: tables over streams are read-only");
    /* a query has its own scope (its FROM), aggregates and window calls; the enclosing query's scope is
     * its parent, for outer references */
    Scope *outer = ctx->scope;
    struct AggBind *agg = ctx->agg;
    struct WinBind *win = ctx->win;
    struct SrfBind *srf = ctx->srf;
    CteScope *ctes = ctx->ctes;
    Scope *sc = arena_try_calloc(ctx->arena, sizeof(*sc));
    if (!sc)
        return bind_oom(ctx);
    sc->parent = outer;
    CteScope with;
    if (s->with_clause) {
        with = (CteScope){s->with_clause->ctes, s->with_clause->n_ctes, ctes};
        ctx->ctes = &with;
    }
    const char *clause = ctx->clause;
    ctx->agg = NULL;
    ctx->win = NULL;
    ctx->srf = NULL;
    ctx->clause = NULL;
    int rc = bind_query_body(ctx, s, sc, out, setop_leaf);
    ctx->clause = clause;
    ctx->scope = outer;
    ctx->agg = agg;
    ctx->win = win;
    ctx->srf = srf;
    ctx->ctes = ctes;
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Subqueries in expressions
 * ---------------------------------------------------------------------------------------------- */

Expr *bind_sublink(BindCtx *ctx, PgQuery__SubLink *sl)
{
    SublinkKind kind;
    switch (sl->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK: kind = SUBLINK_EXISTS; break;
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK: kind = SUBLINK_ANY; break;
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: kind = SUBLINK_ALL; break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK: kind = SUBLINK_EXPR; break;
    case PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK: kind = SUBLINK_ARRAY; break;
    case PG_QUERY__SUB_LINK_TYPE__ROWCOMPARE_SUBLINK: kind = SUBLINK_ROWCOMPARE; break;
    default:
        BIND_ERR(ctx, "0A000", sl->location, "this kind of subquery is not supported");
        return NULL;
    }
    if (!sl->subselect || sl->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT) {
        BIND_ERR(ctx, "42601", sl->location, "subquery expected");
        return NULL;
    }
    /* the tested values: x of x op ANY (q), or the items of a row constructor, (a, b) IN (q) */
    uint32_t n_test = 0;
    Expr **tests = NULL;
    PgQuery__RowExpr *row = NULL;
    if (kind == SUBLINK_ANY || kind == SUBLINK_ALL || kind == SUBLINK_ROWCOMPARE) {
        if (sl->testexpr && sl->testexpr->node_case == PG_QUERY__NODE__NODE_ROW_EXPR)
            row = sl->testexpr->row_expr;
        n_test = row ? (uint32_t)row->n_args : 1;
        if (!(tests = ARENA_NEW(ctx->arena, Expr *, n_test ? n_test : 1))) {
            bind_oom(ctx);
            return NULL;
        }
        for (uint32_t i = 0; i < n_test; i++)
            if (!(tests[i] = bind_expr(ctx, row ? row->args[i] : sl->testexpr)))
                return NULL;
    }
    BoundStmt sub;
    memset(&sub, 0, sizeof(sub));
    Scope *here = ctx->scope;
    uint32_t refs_before = here ? here->n_inner_refs : 0, marks_before = here ? here->deep_marks : 0;
    if (bind_select(ctx, sl->subselect->select_stmt, &sub))
        return NULL;
    uint32_t want_cols = tests ? n_test : 1;
    if (kind != SUBLINK_EXISTS && sub.n_cols != want_cols) {
        BIND_ERR(ctx, "42601", sl->location, !tests ? "subquery must return only one column"
                 : sub.n_cols > want_cols ? "subquery has too many columns" : "subquery has too few columns");
        return NULL;
    }
    SqlType type = kind == SUBLINK_EXPR || kind == SUBLINK_ARRAY ? sub.cols[0].type : SQL_TYPE(SQL_BOOL);
    if (type.id == SQL_UNKNOWN)
        type = SQL_TYPE(SQL_TEXT);
    if (kind == SUBLINK_ARRAY) {
        if (SQL_IS_ARRAY(type.id) || type.id >= SQL_N_TYPES || !sql_type_info(type.id)->array_oid) {
            char tn[64];
            BIND_ERR(ctx, "0A000", sl->location, "ARRAY() of %s is not supported", bind_type_str(type, tn, sizeof(tn)));
            return NULL;
        }
        type = SQL_TYPE(SQL_ARRAY_OF(type.id));
    }
    Expr *e = bind_expr_new(ctx, EXPR_SUBLINK, type, sl->location, n_test);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.sub.kind = (uint8_t)kind;
    e->u.sub.correlated = (uint8_t)sub.correlated;
    e->u.sub.plan = sub.root;
    if (sub.correlated && here && here->deep_marks == marks_before && here->n_inner_refs > refs_before) {
        /* it reads only this query's row: memoize its results by the values of the columns it reads */
        uint32_t n = 0, *cols = ARENA_NEW(ctx->arena, uint32_t, here->n_inner_refs - refs_before);
        if (!cols) {
            bind_oom(ctx);
            return NULL;
        }
        for (uint32_t i = refs_before; i < here->n_inner_refs; i++) {
            uint32_t c = here->inner_refs[i], dup = 0;
            for (uint32_t j = 0; j < n; j++)
                dup |= cols[j] == c;
            if (!dup)
                cols[n++] = c;
        }
        e->u.sub.memo_cols = cols;
        e->u.sub.n_memo = n;
    }
    if (tests) {
        /* the comparison, over a row of 2 * n_test columns: the tested values, then the subquery's
         * (bind_row.c; expr_sublink.c evaluates it) */
        const char *op = sl->n_oper_name ? bind_qualified_last(sl->oper_name, sl->n_oper_name) : "=";
        SqlType *tt = ARENA_NEW(ctx->arena, SqlType, n_test ? n_test : 1);
        SqlType *st = ARENA_NEW(ctx->arena, SqlType, n_test ? n_test : 1);
        if (!tt || !st) {
            bind_oom(ctx);
            return NULL;
        }
        for (uint32_t i = 0; i < n_test; i++) {
            /* an unknown literal tested ('x' IN (SELECT ...)) takes the subquery column's type first, as
             * operator resolution would give it, since the comparison only sees a column of the row */
            st[i] = sub.cols[i].type.id == SQL_UNKNOWN ? SQL_TYPE(SQL_TEXT) : sub.cols[i].type;
            if (tests[i]->type.id == SQL_UNKNOWN && bind_coerce(ctx, &tests[i], st[i], 0, tests[i]->location))
                return NULL;
            tt[i] = tests[i]->type;
        }
        BindRowSide ls = {.types = tt, .first_col = 0, .location = sl->location, .is_scalar = !row};
        BindRowSide rs = {.types = st, .first_col = n_test, .location = sl->location};
        if (!(e->u.sub.cmp_expr = bind_row_compare(ctx, op ? op : "=", n_test, &ls, &rs, sl->location, &e->u.sub.cmp)))
            return NULL;
        memcpy(e->args, tests, n_test * sizeof(*tests));
    }
    return e;
}
