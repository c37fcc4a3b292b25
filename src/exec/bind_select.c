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
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * SELECT
 * ---------------------------------------------------------------------------------------------- */

Op *bind_op_new(BindCtx *ctx, OpKind kind, uint32_t n_cols, Op *child)
{
    Op *op = arena_try_calloc(ctx->arena, sizeof(*op));
    if (!op || (n_cols && !(op->types = ARENA_NEW(ctx->arena, SqlType, n_cols)))) {
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

typedef struct CatalogRef {
    SqlCatalog *catalog;
    CatalogTable *table;
} CatalogRef;

static void catalog_ref_release(void *arg)
{
    CatalogRef *r = arg;
    sql_catalog_unref(r->catalog, r->table);
}

/* FROM with one table over a stream: an OP_SCAN and its scope. */
static int bind_from(BindCtx *ctx, PgQuery__SelectStmt *s, Op **out)
{
    if (s->n_from_clause != 1 || s->from_clause[0]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
        return sql_error_set(ctx->err, "0A000", 0, "joins and subqueries in FROM are not supported yet");
    PgQuery__RangeVar *rv = s->from_clause[0]->range_var;
    SqlEngine *eng = ctx->sess->eng;
    CatalogTable *t = sql_catalog_get(eng->catalog, rv->relname);
    if (!t)
        return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s\" does not exist", rv->relname);
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
    Scope *sc = arena_try_calloc(ctx->arena, sizeof(*sc));
    if (!op || !sp || !sc || !(sp->needed = arena_try_calloc(ctx->arena, n)) ||
        !(sc->cols = ARENA_NEW(ctx->arena, ScopeCol, n)))
        return op ? bind_oom(ctx) : WEIR_ERROR;
    sp->table = t;
    sp->store = eng->cfg.store;
    op->spec = sp;
    const char *rel = rv->alias && rv->alias->aliasname && rv->alias->aliasname[0] ? rv->alias->aliasname : td->name;
    for (uint32_t i = 0; i < n; i++) {
        ScopeCol *c = &sc->cols[i];
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
        }
        op->types[i] = c->type;
    }
    sc->n = n;
    sc->parent = ctx->scope;
    ctx->scope = sc;
    *out = op;
    return WEIR_OK;
}

int bind_select(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    out->kind = BOUND_QUERY;
    out->tag = "SELECT";
    if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED)
        return sql_error_set(ctx->err, "0A000", 0, "UNION, INTERSECT and EXCEPT are not supported yet");
    if (s->with_clause)
        return BIND_ERR(ctx, "0A000", s->with_clause->location, "WITH is not supported yet");
    if (s->n_values_lists) {
        if (bind_values(ctx, s, out))
            return WEIR_ERROR;
    } else {

        if (s->n_window_clause)
            return sql_error_set(ctx->err, "0A000", 0, "WINDOW clauses are not supported yet");
        if (s->group_distinct)
            return sql_error_set(ctx->err, "0A000", 0, "GROUP BY DISTINCT is not supported yet");
        int distinct = s->n_distinct_clause > 0;
        if (distinct && (s->n_distinct_clause > 1 || (s->distinct_clause[0] &&
                                                      s->distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET)))
            return sql_error_set(ctx->err, "0A000", 0, "SELECT DISTINCT ON is not supported yet");
        Op *src = NULL;
        if (s->n_from_clause) {
            if (bind_from(ctx, s, &src))
                return WEIR_ERROR;
        } else if (!(src = bind_op_new(ctx, OP_RESULT, 0, NULL))) {
            return WEIR_ERROR;
        }
        if (s->where_clause) {
            Expr *pred = bind_expr(ctx, s->where_clause);
            if (!pred || bind_coerce(ctx, &pred, SQL_TYPE(SQL_BOOL), 0, pred->location))
                return WEIR_ERROR;
            Op *f = bind_op_new(ctx, OP_FILTER, 0, src);
            if (!f)
                return WEIR_ERROR;
            f->pred = pred;
            src = f;
        }
        /* count the output columns: each * expands to the visible columns of its relation(s) */
        uint32_t n = 0;
        for (size_t i = 0; i < s->n_target_list; i++) {
            PgQuery__ResTarget *rt = s->target_list[i]->res_target;
            const char *star_rel;
            if (is_star(rt->val, &star_rel)) {
                if (!ctx->scope)
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
        int aggregating = s->n_group_clause || s->having_clause || bind_nodes_have_agg(s->target_list, s->n_target_list);
        AggBind ab;
        memset(&ab, 0, sizeof(ab));
        if (aggregating)
            ctx->agg = &ab;
        Op *proj = bind_op_new(ctx, OP_PROJECT, n, src);
        uint32_t cap = n + (uint32_t)s->n_sort_clause; /* room for ORDER BY expressions not in the list */
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
                    const ScopeCol *sc = &ctx->scope->cols[c];
                    if (sc->is_hidden || (star_rel && strcmp(sc->rel, star_rel) != 0))
                        continue;
                    Expr *e = bind_expr_new(ctx, EXPR_COL, sc->type, rt->location, 0);
                    if (!e)
                        return bind_oom(ctx);
                    e->u.col = sc->index;
                    if (sc->needed)
                        *sc->needed = 1;
                    proj->exprs[o] = e;
                    proj->types[o] = e->type;
                    out->cols[o] = (SqlColumn){.name = sc->name, .type = sc->type, .table_oid = sc->table_oid,
                                               .attnum = sc->attnum};
                    o++;
                }
                continue;
            }
            Expr *e = bind_expr(ctx, rt->val);
            if (!e)
                return WEIR_ERROR;
            if (e->type.id == SQL_UNKNOWN && bind_coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                return WEIR_ERROR;
            proj->exprs[o] = e;
            proj->types[o] = e->type;
            const char *name = rt->name && rt->name[0] ? rt->name : bind_figure_colname(rt->val);
            out->cols[o].name = arena_try_strndup(ctx->arena, name, strlen(name));
            out->cols[o].type = e->type;
            if (e->kind == EXPR_COL && ctx->scope && !(rt->name && rt->name[0]) && e->u.col < ctx->scope->n) {
                out->cols[o].table_oid = ctx->scope->cols[e->u.col].table_oid;
                out->cols[o].attnum = ctx->scope->cols[e->u.col].attnum;
            }
            o++;
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
                if (bind_agg_rewrite(ctx, &having, keys, n_keys))
                    return WEIR_ERROR;
                Op *f = bind_op_new(ctx, OP_FILTER, 0, agg);
                if (!f)
                    return WEIR_ERROR;
                f->pred = having;
                top = f;
            }
            proj->child = top;
            ctx->scope = NULL;
        }
        out->root = proj;
        out->n_cols = n;
        if (distinct) {
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
            if (n_junk) {
                /* drop the ORDER BY-only columns */
                Op *trim = bind_op_new(ctx, OP_PROJECT, n, sort);
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
    if (s->n_values_lists && s->n_sort_clause)
        return sql_error_set(ctx->err, "0A000", 0, "ORDER BY on VALUES is not supported yet");
    if (s->limit_count || s->limit_offset) {
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
    return WEIR_OK;
}

