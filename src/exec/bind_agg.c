/*
 * bind_agg.c: aggregate calls in a SELECT list or HAVING: which aggregate, its argument and result types
 * (PostgreSQL's: sum(int4) is bigint, avg(int) numeric, ...), FILTER; and rewriting expressions over the
 * aggregation's input into expressions over its output.
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * Aggregates
 * ---------------------------------------------------------------------------------------------- */

enum { AK_COUNT, AK_SUM, AK_AVG, AK_MIN, AK_MAX, AK_BOOL_AND, AK_BOOL_OR };

static int agg_kind_of(const char *name)
{
    static const struct {
        const char *name;
        int kind;
    } aggs[] = {{"count", AK_COUNT}, {"sum", AK_SUM},           {"avg", AK_AVG},          {"min", AK_MIN},
                {"max", AK_MAX},     {"bool_and", AK_BOOL_AND}, {"every", AK_BOOL_AND},   {"bool_or", AK_BOOL_OR}};
    for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
        if (strcasecmp(aggs[i].name, name) == 0)
            return aggs[i].kind;
    return -1;
}

Expr *bind_agg_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    AggBind *ab = ctx->agg;
    if (ab->nested) {
        BIND_ERR(ctx, "42803", fc->location, "aggregate function calls cannot be nested");
        return NULL;
    }
    if (fc->agg_distinct || fc->n_agg_order || fc->agg_within_group) {
        BIND_ERR(ctx, "0A000", fc->location, "DISTINCT and ORDER BY inside aggregates are not supported yet");
        return NULL;
    }
    int kind = agg_kind_of(name);
    AggCall call;
    memset(&call, 0, sizeof(call));
    if (fc->agg_star) {
        if (kind != AK_COUNT) {
            BIND_ERR(ctx, "42809", fc->location, "%s(*) specified, but %s is not an aggregate function", name, name);
            return NULL;
        }
        call.fn = AGG_COUNT_STAR;
        call.type = SQL_TYPE(SQL_INT8);
    } else {
        if (fc->n_args != 1) {
            BIND_ERR(ctx, "42883", fc->location, "function %s with %zu arguments does not exist", name, fc->n_args);
            return NULL;
        }
        ab->nested = 1;
        Expr *arg = bind_expr(ctx, fc->args[0]);
        ab->nested = 0;
        if (!arg)
            return NULL;
        if (arg->type.id == SQL_UNKNOWN && bind_coerce(ctx, &arg, SQL_TYPE(kind == AK_BOOL_AND || kind == AK_BOOL_OR ? SQL_BOOL : SQL_TEXT), 0, arg->location))
            return NULL;
        SqlTypeId t = arg->type.id;
        char tn[64];
        call.arg = arg;
        switch (kind) {
        case AK_COUNT: call.fn = AGG_COUNT, call.type = SQL_TYPE(SQL_INT8); break;
        case AK_SUM:
        case AK_AVG:
            if (t == SQL_INT2 || t == SQL_INT4)
                call.fn = kind == AK_SUM ? AGG_SUM_INT : AGG_AVG_INT, call.type = SQL_TYPE(kind == AK_SUM ? SQL_INT8 : SQL_NUMERIC);
            else if (t == SQL_INT8)
                call.fn = kind == AK_SUM ? AGG_SUM_BIGINT : AGG_AVG_INT, call.type = SQL_TYPE(SQL_NUMERIC);
            else if (t == SQL_NUMERIC)
                call.fn = kind == AK_SUM ? AGG_SUM_NUMERIC : AGG_AVG_NUMERIC, call.type = SQL_TYPE(SQL_NUMERIC);
            else if (t == SQL_FLOAT4 || t == SQL_FLOAT8)
                call.fn = kind == AK_SUM ? AGG_SUM_FLOAT : AGG_AVG_FLOAT,
                call.type = SQL_TYPE(kind == AK_SUM ? t : SQL_FLOAT8);
            else {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         bind_type_str(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            break;
        case AK_MIN:
        case AK_MAX:
            call.fn = kind == AK_MIN ? AGG_MIN : AGG_MAX;
            call.type = arg->type;
            if (t == SQL_JSON || SQL_IS_ARRAY(t)) {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         bind_type_str(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            break;
        default:
            if (t != SQL_BOOL) {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         bind_type_str(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            call.fn = kind == AK_BOOL_AND ? AGG_BOOL_AND : AGG_BOOL_OR;
            call.type = SQL_TYPE(SQL_BOOL);
            break;
        }
    }
    if (fc->agg_filter) {
        ab->nested = 1;
        Expr *f = bind_expr(ctx, fc->agg_filter);
        ab->nested = 0;
        if (!f || bind_coerce(ctx, &f, SQL_TYPE(SQL_BOOL), 0, f->location))
            return NULL;
        call.filter = f;
    }
    if (ab->n == ab->cap) {
        uint32_t nc = ab->cap ? ab->cap * 2 : 8;
        AggCall *na = ARENA_NEW(ctx->arena, AggCall, nc);
        if (!na) {
            bind_oom(ctx);
            return NULL;
        }
        if (ab->n)
            memcpy(na, ab->calls, ab->n * sizeof(*na));
        ab->calls = na;
        ab->cap = nc;
    }
    ab->calls[ab->n] = call;
    Expr *e = bind_expr_new(ctx, EXPR_AGGREF, call.type, fc->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.col = ab->n++;
    return e;
}

int bind_value_equal(const SqlValue *a, const SqlValue *b)
{
    if (a->is_null || b->is_null)
        return a->is_null && b->is_null;
    if (a->type.id != b->type.id)
        return 0;
    switch (sql_type_phys(a->type.id)) {
    case SQL_PHYS_BOOL: return a->u.b == b->u.b;
    case SQL_PHYS_INT: return a->u.i == b->u.i;
    case SQL_PHYS_FLOAT: return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0;
    case SQL_PHYS_NUMERIC: return sql_numeric_cmp(&a->u.num, &b->u.num) == 0 && a->u.num.scale == b->u.num.scale;
    case SQL_PHYS_INTERVAL: return memcmp(&a->u.iv, &b->u.iv, sizeof(SqlInterval)) == 0;
    default: return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
    }
}

/* Structural equality of bound expressions (to match SELECT-list expressions with GROUP BY keys). */
int bind_expr_equal(const Expr *a, const Expr *b)
{
    if (a->kind != b->kind || a->type.id != b->type.id || a->n_args != b->n_args)
        return 0;
    switch (a->kind) {
    case EXPR_CONST: if (!bind_value_equal(&a->u.cval, &b->u.cval)) return 0; break;
    case EXPR_PARAM: if (a->u.param != b->u.param) return 0; break;
    case EXPR_COL:
    case EXPR_AGGREF: if (a->u.col != b->u.col) return 0; break;
    case EXPR_FUNC: if (a->u.fn.def != b->u.fn.def) return 0; break;
    case EXPR_IN: if (a->u.cmp.negated != b->u.cmp.negated) return 0; break;
    case EXPR_IS_TRUE: if (a->u.test.want != b->u.test.want || a->u.test.negated != b->u.test.negated) return 0; break;
    case EXPR_CASE: if (a->u.has_else != b->u.has_else) return 0; break;
    default: break;
    }
    for (uint32_t i = 0; i < a->n_args; i++)
        if (!bind_expr_equal(a->args[i], b->args[i]))
            return 0;
    return 1;
}

/* Rewrite an expression bound over the aggregation's input into one over its output (keys, then
 * aggregates). A column of the input that is not inside a key or an aggregate is an error. */
int bind_agg_rewrite(BindCtx *ctx, Expr **ep, Expr **keys, uint32_t n_keys)
{
    Expr *e = *ep;
    for (uint32_t k = 0; k < n_keys; k++) {
        if (bind_expr_equal(e, keys[k])) {
            Expr *c = bind_expr_new(ctx, EXPR_COL, keys[k]->type, e->location, 0);
            if (!c)
                return bind_oom(ctx);
            c->u.col = k;
            *ep = c;
            return WEIR_OK;
        }
    }
    if (e->kind == EXPR_AGGREF) {
        e->kind = EXPR_COL;
        e->u.col += n_keys;
        return WEIR_OK;
    }
    if (e->kind == EXPR_COL) {
        const ScopeCol *sc = ctx->scope && e->u.col < ctx->scope->n ? &ctx->scope->cols[e->u.col] : NULL;
        return BIND_ERR(ctx, "42803", e->location,
                        "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                        sc ? sc->rel : "?", sc ? sc->name : "?");
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (bind_agg_rewrite(ctx, &e->args[i], keys, n_keys))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* Whether a parse tree calls an aggregate (outside of subqueries). */
int bind_nodes_have_agg(PgQuery__Node **ns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bind_node_has_agg(ns[i]))
            return 1;
    return 0;
}

int bind_node_has_agg(PgQuery__Node *n)
{
    if (!n)
        return 0;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        PgQuery__FuncCall *fc = n->func_call;
        const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
        if (!fc->over && (fc->agg_star || (name && agg_kind_of(name) >= 0)))
            return 1;
        return bind_nodes_have_agg(fc->args, fc->n_args);
    }
    case PG_QUERY__NODE__NODE_RES_TARGET: return bind_node_has_agg(n->res_target->val);
    case PG_QUERY__NODE__NODE_A_EXPR: return bind_node_has_agg(n->a_expr->lexpr) || bind_node_has_agg(n->a_expr->rexpr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return bind_nodes_have_agg(n->bool_expr->args, n->bool_expr->n_args);
    case PG_QUERY__NODE__NODE_TYPE_CAST: return bind_node_has_agg(n->type_cast->arg);
    case PG_QUERY__NODE__NODE_NULL_TEST: return bind_node_has_agg(n->null_test->arg);
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: return bind_node_has_agg(n->boolean_test->arg);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return bind_nodes_have_agg(n->coalesce_expr->args, n->coalesce_expr->n_args);
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: return bind_nodes_have_agg(n->min_max_expr->args, n->min_max_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_EXPR:
        return bind_node_has_agg(n->case_expr->arg) || bind_node_has_agg(n->case_expr->defresult) ||
               bind_nodes_have_agg(n->case_expr->args, n->case_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_WHEN: return bind_node_has_agg(n->case_when->expr) || bind_node_has_agg(n->case_when->result);
    case PG_QUERY__NODE__NODE_LIST: return bind_nodes_have_agg(n->list->items, n->list->n_items);
    default: return 0;
    }
}
int bind_is_agg(const PgQuery__FuncCall *fc, const char *name)
{
    return fc->agg_star || agg_kind_of(name) >= 0;
}
