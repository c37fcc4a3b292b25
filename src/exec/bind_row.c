/*
 * bind_row.c: row constructors in comparisons, bound the way PostgreSQL's parse analysis does it
 * (make_row_comparison_op, make_row_distinct_op, transformAExprIn):
 *
 *   (a, b) = (c, d)          a = c AND b = d
 *   (a, b) <> (c, d)         a <> c OR b <> d
 *   (a, b) < (c, d)          lexicographic: the first pair that is not equal decides, a NULL in a
 *                            pair reached first gives NULL (also <=, >, >=)
 *   (a, b) IS [NOT] DISTINCT FROM (c, d)    [NOT] (a IS DISTINCT FROM c OR b IS DISTINCT FROM d)
 *   (a, b) [NOT] IN ((1, 2), (3, 4))        OR of the row = comparisons (NOT IN: AND of row <>)
 *   (a, b) [NOT] BETWEEN (1, 2) AND (3, 4)  row >= (1, 2) AND row <= (3, 4)
 *   (a, b) op (SELECT x, y)  a row comparison sublink (bind_sublink), as transformAExprOp rewrites it
 *
 * (a, b) IS [NOT] NULL (every item IS [NOT] NULL) is bound with the scalar null test (bind_expr.c).
 *
 * The lexicographic form is a CASE chain, CASE WHEN a = c THEN <rest> ELSE a < c END, which gives
 * exactly PostgreSQL's RowCompareExpr answers: a pair with a NULL makes "a = c" NULL, the ELSE arm's
 * "a < c" is then NULL too, and the last pair's own operator decides when all before were equal. Each
 * use of an item is bound again from the parse tree (as CASE x WHEN does with its operand), so every
 * Expr stays a tree.
 *
 * bind_row_compare is also what subqueries use for (a, b) IN (SELECT x, y ...), (a, b) op ANY/ALL
 * (SELECT ...) and (a, b) op (SELECT ...): there the two rows are columns of a pseudo-row (the tested
 * values, then the subquery's), see bind_sublink in bind_select.c and expr_sublink.c.
 *
 * Row values: ROW(a, b) anywhere else is an anonymous row (type record, fields f1, f2, ...; an EXPR_ROW,
 * evaluated in expr_record.c), and (r).f selects a field: of an EXPR_ROW it is the field's expression, of
 * any other record (a subquery's column) an EXPR_FIELD that reads the row's text back. A record type's
 * field names and types live here, per statement, indexed by the type's typmod (bind_record_type), as
 * PostgreSQL "blesses" anonymous row types; clients are sent typmod -1. set-returning functions that
 * return rows (_pg_expandarray) build theirs the same way (bind_srf.c).
 *
 * Not supported: comparing a row constructor with a record value or a single value (0A000, or 42883
 * "operator does not exist: record = integer" as PostgreSQL says when the other side is typed), and
 * ordering or comparing record values (they sort as their text).
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <string.h>

/* A fresh Expr for item i of a row side. */
static Expr *row_item(BindCtx *ctx, const BindRowSide *s, uint32_t i)
{
    if (s->nodes)
        return bind_expr(ctx, s->nodes[i]);
    Expr *c = bind_expr_new(ctx, EXPR_COL, s->types[i], s->location, 0);
    if (!c) {
        bind_oom(ctx);
        return NULL;
    }
    c->u.col = s->first_col + i;
    return c;
}

/* l[i] op r[i], resolved like any operator call. */
static Expr *row_pair(BindCtx *ctx, const char *op, const BindRowSide *l, const BindRowSide *r, uint32_t i,
                      int location)
{
    Expr **args = ARENA_NEW(ctx->arena, Expr *, 2);
    if (!args) {
        bind_oom(ctx);
        return NULL;
    }
    if (!(args[0] = row_item(ctx, l, i)) || !(args[1] = row_item(ctx, r, i)))
        return NULL;
    return bind_call(ctx, op, 1, args, 2, location);
}

static Expr *row_node(BindCtx *ctx, ExprKind kind, uint32_t n_args, int location)
{
    Expr *e = bind_expr_new(ctx, kind, SQL_TYPE(SQL_BOOL), location, n_args);
    if (!e)
        bind_oom(ctx);
    return e;
}

Expr *bind_row_compare(BindCtx *ctx, const char *op, uint32_t n, const BindRowSide *l, const BindRowSide *r,
                       int location, const SqlFnDef **first_def)
{
    if (n == 0) {
        BIND_ERR(ctx, "0A000", location, "cannot compare rows of zero length");
        return NULL;
    }
    /* every pair's operator first, as PostgreSQL resolves them before deciding what the row means */
    Expr **ops = ARENA_NEW(ctx->arena, Expr *, n);
    if (!ops) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!(ops[i] = row_pair(ctx, op, l, r, i, location)))
            return NULL;
        if (ops[i]->type.id != SQL_BOOL) {
            char t[64];
            if (l->is_scalar)
                BIND_ERR(ctx, "42804", location, "op ANY/ALL (subquery) requires operator to yield boolean");
            else
                BIND_ERR(ctx, "42804", location, "row comparison operator must yield type boolean, not type %s",
                         bind_type_str(ops[i]->type, t, sizeof(t)));
            return NULL;
        }
    }
    if (first_def)
        *first_def = ops[0]->kind == EXPR_FUNC ? ops[0]->u.fn.def : NULL;
    if (n == 1)
        return ops[0]; /* one pair: the operator itself, whatever it means (PostgreSQL does the same) */
    int is_eq = strcmp(op, "=") == 0, is_ne = strcmp(op, "<>") == 0;
    int is_order = strcmp(op, "<") == 0 || strcmp(op, "<=") == 0 || strcmp(op, ">") == 0 || strcmp(op, ">=") == 0;
    if (!is_eq && !is_ne && !is_order) {
        BIND_ERR(ctx, "0A000", location, "could not determine interpretation of row comparison operator %s", op);
        snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                 "Row comparison operators must be associated with btree operator families.");
        return NULL;
    }
    if (is_eq || is_ne) {
        Expr *e = row_node(ctx, is_eq ? EXPR_AND : EXPR_OR, n, location);
        if (!e)
            return NULL;
        memcpy(e->args, ops, n * sizeof(*ops));
        return e;
    }
    /* from the last pair back: CASE WHEN l[i] = r[i] THEN <pairs after i> ELSE l[i] op r[i] END */
    Expr *rest = ops[n - 1];
    for (uint32_t i = n - 1; i-- > 0;) {
        Expr *eq = row_pair(ctx, "=", l, r, i, location);
        Expr *c = eq ? row_node(ctx, EXPR_CASE, 3, location) : NULL;
        if (!c)
            return NULL;
        c->u.has_else = 1;
        c->args[0] = eq;
        c->args[1] = rest;
        c->args[2] = ops[i];
        rest = c;
    }
    return rest;
}

/* ------------------------------------------------------------------------------------------------
 * Row constructors in operator expressions
 * ---------------------------------------------------------------------------------------------- */

static int is_row(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR;
}

static BindRowSide row_side_of(const PgQuery__Node *n)
{
    return (BindRowSide){.nodes = n->row_expr->args, .location = n->row_expr->location};
}

/* A row compared with something that is not a row constructor: PostgreSQL compares a record with the
 * other side's type, which fails unless that is a record too; weir has no record values. */
static Expr *row_vs_scalar(BindCtx *ctx, const char *op, PgQuery__Node *l, PgQuery__Node *r, int location)
{
    PgQuery__Node *other = is_row(l) ? r : l;
    Expr *x = bind_expr(ctx, other);
    if (!x)
        return NULL;
    if (x->type.id == SQL_UNKNOWN) {
        BIND_ERR(ctx, "0A000", location, "comparing a row constructor with a single value is not supported");
        return NULL;
    }
    char t[64];
    bind_type_str(x->type, t, sizeof(t));
    sql_error_set(ctx->err, "42883", bind_pos(ctx, location), "operator does not exist: %s %s %s",
                  is_row(l) ? "record" : t, op, is_row(l) ? t : "record");
    snprintf(ctx->err->hint, sizeof(ctx->err->hint),
             "No operator matches the given name and argument types. You might need to add explicit type casts.");
    return NULL;
}

/* lexpr op rexpr where both are row constructors of the same length. */
static Expr *row_op(BindCtx *ctx, const char *op, PgQuery__Node *l, PgQuery__Node *r, int location)
{
    if (!is_row(l) || !is_row(r))
        return row_vs_scalar(ctx, op, l, r, location);
    if (l->row_expr->n_args != r->row_expr->n_args) {
        BIND_ERR(ctx, "42601", location, "unequal number of entries in row expressions");
        return NULL;
    }
    BindRowSide ls = row_side_of(l), rs = row_side_of(r);
    return bind_row_compare(ctx, op, (uint32_t)l->row_expr->n_args, &ls, &rs, location, NULL);
}

/* (a, b) IS [NOT] DISTINCT FROM (c, d): OR of the pairs' IS DISTINCT FROM, negated for NOT. */
static Expr *row_distinct(BindCtx *ctx, PgQuery__AExpr *a)
{
    int negated = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
    if (!is_row(a->lexpr) || !is_row(a->rexpr)) {
        BIND_ERR(ctx, "0A000", a->location, "IS %sDISTINCT FROM between a row constructor and a single value is "
                 "not supported", negated ? "NOT " : "");
        return NULL;
    }
    uint32_t n = (uint32_t)a->lexpr->row_expr->n_args;
    if (n != a->rexpr->row_expr->n_args) {
        BIND_ERR(ctx, "42601", a->location, "unequal number of entries in row expressions");
        return NULL;
    }
    if (n == 0) {
        BIND_ERR(ctx, "0A000", a->location, "cannot compare rows of zero length");
        return NULL;
    }
    Expr *any = row_node(ctx, EXPR_OR, n, a->location);
    if (!any)
        return NULL;
    BindRowSide ls = row_side_of(a->lexpr), rs = row_side_of(a->rexpr);
    for (uint32_t i = 0; i < n; i++) {
        Expr *x = row_item(ctx, &ls, i);
        Expr *y = x ? row_item(ctx, &rs, i) : NULL;
        if (!y || !(any->args[i] = bind_eq_node(ctx, EXPR_DISTINCT, x, y, a->location)))
            return NULL;
    }
    Expr *e = n == 1 ? any->args[0] : any;
    if (!negated)
        return e;
    Expr *not = row_node(ctx, EXPR_NOT, 1, a->location);
    if (not)
        not->args[0] = e;
    return not;
}

/* (a, b) [NOT] IN ((1, 2), (3, 4)): OR of row = (NOT IN: AND of row <>), as transformAExprIn. */
static Expr *row_in(BindCtx *ctx, PgQuery__AExpr *a, const char *op)
{
    if (!a->rexpr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST) {
        BIND_ERR(ctx, "42601", a->location, "syntax error at IN");
        return NULL;
    }
    int negated = op && strcmp(op, "<>") == 0;
    PgQuery__List *list = a->rexpr->list;
    Expr *e = row_node(ctx, negated ? EXPR_AND : EXPR_OR, (uint32_t)list->n_items, a->location);
    if (!e)
        return NULL;
    for (size_t i = 0; i < list->n_items; i++)
        if (!(e->args[i] = row_op(ctx, negated ? "<>" : "=", a->lexpr, list->items[i], a->location)))
            return NULL;
    return list->n_items == 1 ? e->args[0] : e;
}

/* (a, b) [NOT] BETWEEN (1, 2) AND (3, 4): row >= lo AND row <= hi (NOT: row < lo OR row > hi). */
static Expr *row_between(BindCtx *ctx, PgQuery__AExpr *a)
{
    if (!a->rexpr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST || a->rexpr->list->n_items != 2) {
        BIND_ERR(ctx, "42601", a->location, "syntax error in BETWEEN");
        return NULL;
    }
    int neg = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN;
    Expr *e = row_node(ctx, neg ? EXPR_OR : EXPR_AND, 2, a->location);
    if (!e || !(e->args[0] = row_op(ctx, neg ? "<" : ">=", a->lexpr, a->rexpr->list->items[0], a->location)) ||
        !(e->args[1] = row_op(ctx, neg ? ">" : "<=", a->lexpr, a->rexpr->list->items[1], a->location)))
        return NULL;
    return e;
}

int bind_row_involved(const PgQuery__AExpr *a)
{
    if (is_row(a->lexpr) || is_row(a->rexpr))
        return 1;
    if ((a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_IN || a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN ||
         a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN) &&
        a->rexpr && a->rexpr->node_case == PG_QUERY__NODE__NODE_LIST)
        for (size_t i = 0; i < a->rexpr->list->n_items; i++)
            if (is_row(a->rexpr->list->items[i]))
                return 1;
    return 0;
}

Expr *bind_row_aexpr(BindCtx *ctx, PgQuery__AExpr *a)
{
    const char *op = bind_qualified_last(a->name, a->n_name);
    switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
        if (op && is_row(a->lexpr) && a->rexpr && a->rexpr->node_case == PG_QUERY__NODE__NODE_SUB_LINK &&
            a->rexpr->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK) {
            /* (a, b) op (SELECT x, y): a row comparison with a subquery, as transformAExprOp makes it */
            PgQuery__SubLink *sl = arena_try_calloc(ctx->arena, sizeof(*sl));
            if (!sl) {
                bind_oom(ctx);
                return NULL;
            }
            *sl = *a->rexpr->sub_link;
            sl->sub_link_type = PG_QUERY__SUB_LINK_TYPE__ROWCOMPARE_SUBLINK;
            sl->testexpr = a->lexpr;
            sl->oper_name = a->name;
            sl->n_oper_name = a->n_name;
            sl->location = a->location;
            return bind_sublink(ctx, sl);
        }
        if (op && a->lexpr && a->rexpr)
            return row_op(ctx, op, a->lexpr, a->rexpr, a->location);
        break;
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
        return row_distinct(ctx, a);
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN:
        return row_in(ctx, a, op);
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
        return row_between(ctx, a);
    default:
        break;
    }
    BIND_ERR(ctx, "0A000", a->location, "row constructors are supported only in comparisons");
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Row values: ROW(...) as a value, field selection
 * ---------------------------------------------------------------------------------------------- */

/* The statement's anonymous row types: record typmod k names entry k (PostgreSQL "blesses" a row
 * type the same way). Only the binder reads them: a field is a position and a type after binding. */
typedef struct BindRecords {
    BindRecordType *types;
    uint32_t n, cap;
} BindRecords;

int bind_record_type(BindCtx *ctx, uint32_t n, const char *const *names, const SqlType *types, SqlType *out)
{
    BindRecords *r = ctx->records;
    if (!r && !(r = ctx->records = arena_try_calloc(ctx->arena, sizeof(*r))))
        return bind_oom(ctx);
    if (r->n == r->cap) {
        uint32_t nc = r->cap ? r->cap * 2 : 8;
        BindRecordType *nt = ARENA_NEW(ctx->arena, BindRecordType, nc);
        if (!nt)
            return bind_oom(ctx);
        if (r->n)
            memcpy(nt, r->types, r->n * sizeof(*nt));
        r->types = nt;
        r->cap = nc;
    }
    BindRecordType *t = &r->types[r->n];
    t->n = n;
    t->names = ARENA_NEW(ctx->arena, const char *, n ? n : 1);
    t->types = ARENA_NEW(ctx->arena, SqlType, n ? n : 1);
    if (!t->names || !t->types)
        return bind_oom(ctx);
    memcpy(t->names, names, n * sizeof(*names));
    memcpy(t->types, types, n * sizeof(*types));
    *out = (SqlType){SQL_RECORD, (int32_t)r->n++};
    return WEIR_OK;
}

const BindRecordType *bind_record_lookup(const BindCtx *ctx, SqlType t)
{
    if (t.id != SQL_RECORD || !ctx->records || t.typmod < 0 || (uint32_t)t.typmod >= ctx->records->n)
        return NULL;
    return &ctx->records->types[t.typmod];
}

Expr *bind_row_value(BindCtx *ctx, Expr **fields, const char *const *names, uint32_t n, int location)
{
    SqlType *types = ARENA_NEW(ctx->arena, SqlType, n ? n : 1);
    Expr *e = types ? bind_expr_new(ctx, EXPR_ROW, SQL_TYPE(SQL_RECORD), location, n) : NULL;
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        /* a row's fields are typed as they would be in a SELECT list: unknown literals become text */
        if (fields[i]->type.id == SQL_UNKNOWN && bind_coerce(ctx, &fields[i], SQL_TYPE(SQL_TEXT), 0, fields[i]->location))
            return NULL;
        e->args[i] = fields[i];
        types[i] = fields[i]->type;
    }
    return bind_record_type(ctx, n, names, types, &e->type) ? NULL : e;
}

Expr *bind_row_constructor(BindCtx *ctx, PgQuery__RowExpr *row)
{
    uint32_t n = (uint32_t)row->n_args;
    Expr **fields = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    const char **names = ARENA_NEW(ctx->arena, const char *, n ? n : 1);
    if (!fields || !names) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        char buf[16];
        snprintf(buf, sizeof(buf), "f%u", i + 1); /* PostgreSQL's names for an anonymous row's fields */
        if (!(names[i] = arena_try_strndup(ctx->arena, buf, strlen(buf)))) {
            bind_oom(ctx);
            return NULL;
        }
        if (!(fields[i] = bind_expr(ctx, row->args[i])))
            return NULL;
    }
    return bind_row_value(ctx, fields, names, n, row->location);
}

Expr *bind_row_field(BindCtx *ctx, Expr *rec, const char *name, int location)
{
    const BindRecordType *rt = bind_record_lookup(ctx, rec->type);
    if (!rt) {
        char t[64];
        if (rec->type.id == SQL_RECORD)
            BIND_ERR(ctx, "42809", location, "could not identify column \"%s\" in record data type", name);
        else
            BIND_ERR(ctx, "42809", location, "column notation .%s applied to type %s, which is not a composite type",
                     name, bind_type_str(rec->type, t, sizeof(t)));
        return NULL;
    }
    uint32_t i = 0;
    while (i < rt->n && strcmp(rt->names[i], name) != 0)
        i++;
    if (i == rt->n) {
        BIND_ERR(ctx, "42703", location, "could not identify column \"%s\" in record data type", name);
        return NULL;
    }
    if (rec->kind == EXPR_ROW)
        return rec->args[i]; /* (ROW(a, b)).f1 is a: nothing to build or parse */
    Expr *e = bind_expr_new(ctx, EXPR_FIELD, rt->types[i], location, 2);
    Expr *k = e ? bind_expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_INT8), location, 0) : NULL;
    if (!k) {
        bind_oom(ctx);
        return NULL;
    }
    k->u.cval.type = SQL_TYPE(SQL_INT8);
    k->u.cval.u.i = i;
    e->args[0] = rec;
    e->args[1] = k; /* the field as an argument, so structural equality (GROUP BY) tells fields apart */
    return e;
}
