/*
 * bind_scan.c: predicates pushed into stream scans (bind_int.h bind_scan_pushdown; the scan side is
 * op_scan.c).
 *
 * The binder calls bind_scan_pushdown when a WHERE predicate sits directly on an OP_SCAN. The
 * predicate is split into its AND-ed conjuncts, and each conjunct of one of these shapes narrows the
 * scan (column op value, or value op column, which is flipped):
 *
 *   _arrival_time  <, <=, =, >=, >, BETWEEN   -> ScanBound: per-shard start/stop positions found with the
 *                                               store's timestamp seek at open
 *   _sequence_number  the same, against text  -> ScanBound: counter positions (numbers of this stream)
 *   _shard_id  =, <>, IN (...), NOT IN (...)  -> ScanShardSet: shards never read
 *
 * where value is "stable": no column of the row, no subquery, no outer reference, no volatile function
 * (constants, parameters, now() - interval '10 seconds', casts of those), so the scan can evaluate it
 * once at open. The comparison must be the column's own type's operator (timestamptz or text), i.e. the
 * column is not cast: `_arrival_time::date = ...` is left to the filter.
 *
 * Nothing here changes which rows the query returns: the conjuncts stay in the predicate, which is still
 * evaluated on every row, so a pushed-down bound only has to keep every row that could pass (op_scan.c
 * rounds outwards where milliseconds or counters cannot say it exactly).
 *
 * Filtering in the scan: when every node of the whole predicate can be evaluated on the scan's worker
 * threads (no subqueries, no outer references, no aggregate or window placeholders; every kernel is
 * thread-safe, see sql/func.h), ScanSpec.filter is set to it and the scan returns only rows where it is
 * TRUE, evaluated in parallel by the workers; the binder then drops the FILTER operator.
 *
 * For EXPLAIN, the pushed-down conjuncts and the filter are also kept as SQL text (a small deparser
 * below, in PostgreSQL's EXPLAIN style: `_arrival_time > (now() - '00:00:10'::interval)`).
 */
#include <stdio.h>
#include <string.h>

#include "exec/bind_int.h"
#include "exec/catalog.h"

/* ------------------------------------------------------------------------------------------------
 * Expression shapes
 * ---------------------------------------------------------------------------------------------- */

/* Whether e can be evaluated once, without a row: no columns, subqueries, outer or aggregate
 * references, or volatile functions. */
static int scan_expr_is_stable(const Expr *e)
{
    switch (e->kind) {
    case EXPR_CONST:
    case EXPR_PARAM:
        return 1;
    case EXPR_COL:
    case EXPR_OUTER:
    case EXPR_SUBLINK:
    case EXPR_AGGREF:
    case EXPR_WINREF:
        return 0;
    case EXPR_FUNC:
        if (e->u.fn.def->volatility == SQL_FN_VOLATILE)
            return 0;
        break;
    default:
        break;
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!scan_expr_is_stable(e->args[i]))
            return 0;
    return 1;
}

/* Whether e may run on the scan's worker threads: everything the evaluator does on its own, without
 * the ExecCtx (subqueries), an enclosing row (outer references) or binder placeholders. */
static int scan_expr_is_parallel_safe(const Expr *e)
{
    switch (e->kind) {
    case EXPR_OUTER:
    case EXPR_SUBLINK:
    case EXPR_AGGREF:
    case EXPR_WINREF:
        return 0;
    default:
        break;
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!scan_expr_is_parallel_safe(e->args[i]))
            return 0;
    return 1;
}

/* The hidden column e is (a bare reference to the scan's output column), or -1. */
static int scan_hidden_col(const TableDef *td, const Expr *e)
{
    if (e->kind != EXPR_COL || e->u.col < td->n_cols || e->u.col >= td->n_cols + TABLE_HID_N)
        return -1;
    return (int)(e->u.col - td->n_cols);
}

static int scan_cmp_op(const char *name, ScanBoundOp *op)
{
    static const struct {
        const char *name;
        ScanBoundOp op;
    } ops[] = {{"<", SCAN_LT}, {"<=", SCAN_LE}, {"=", SCAN_EQ}, {">=", SCAN_GE}, {">", SCAN_GT}};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (strcmp(name, ops[i].name) == 0) {
            *op = ops[i].op;
            return 1;
        }
    }
    return 0;
}

static ScanBoundOp scan_flip(ScanBoundOp op)
{
    switch (op) {
    case SCAN_LT:
        return SCAN_GT;
    case SCAN_LE:
        return SCAN_GE;
    case SCAN_GE:
        return SCAN_LE;
    case SCAN_GT:
        return SCAN_LT;
    default:
        return op;
    }
}

/* A comparison `hidden op stable` (either way round) whose operator takes the column's own type: sets
 * *h, *op (column on the left) and *value. */
static int scan_match_cmp(const TableDef *td, const Expr *c, int *h, ScanBoundOp *op, Expr **value)
{
    if (c->kind != EXPR_FUNC || c->n_args != 2 || !scan_cmp_op(c->u.fn.def->name, op))
        return 0;
    int hl = scan_hidden_col(td, c->args[0]), hr = scan_hidden_col(td, c->args[1]);
    if (hl >= 0 && scan_expr_is_stable(c->args[1])) {
        *h = hl;
        *value = c->args[1];
    } else if (hr >= 0 && scan_expr_is_stable(c->args[0])) {
        *h = hr;
        *value = c->args[0];
        *op = scan_flip(*op);
    } else {
        return 0;
    }
    SqlTypeId want = tabledef_hidden_type((TableHidden)*h).id;
    return c->u.fn.def->args[0] == want && c->u.fn.def->args[1] == want;
}

/* ------------------------------------------------------------------------------------------------
 * Deparsing for EXPLAIN
 * ---------------------------------------------------------------------------------------------- */

typedef struct Deparse {
    const TableDef *td;
    const char *const *col_names; /* the scan's column names after FROM's column aliases, or NULL */
    const SqlFormatOpts *fmt;
    Buf out;
    int failed;
} Deparse;

static void dp_str(Deparse *d, const char *s)
{
    if (buf_append_cstr(&d->out, s))
        d->failed = 1;
}

static void dp_expr(Deparse *d, const Expr *e, int top);

static void dp_quoted(Deparse *d, const uint8_t *p, size_t n)
{
    dp_str(d, "'");
    for (size_t i = 0; i < n && !d->failed; i++)
        if ((p[i] == '\'' && buf_append_byte(&d->out, '\'')) || buf_append_byte(&d->out, p[i]))
            d->failed = 1;
    dp_str(d, "'");
}

static void dp_const(Deparse *d, const SqlValue *v)
{
    char tname[64];
    sql_type_format(v->type, tname, sizeof(tname));
    if (v->is_null) {
        dp_str(d, "NULL::");
        dp_str(d, tname);
        return;
    }
    Buf t;
    buf_init(&t, 4096);
    if (sql_value_to_text(v, d->fmt, &t)) {
        d->failed = 1;
        buf_fini(&t);
        return;
    }
    switch (v->type.id) {
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
    case SQL_NUMERIC:
    case SQL_FLOAT8:
        /* PostgreSQL prints these bare (negative ones in parentheses would be its choice too) */
        if (buf_append(&d->out, t.p, t.len))
            d->failed = 1;
        break;
    case SQL_BOOL:
        dp_str(d, v->u.b ? "true" : "false");
        break;
    default:
        dp_quoted(d, t.p, t.len);
        dp_str(d, "::");
        dp_str(d, tname);
        break;
    }
    buf_fini(&t);
}

static int dp_is_operator(const char *name)
{
    return name[0] && !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
}

static void dp_args(Deparse *d, const Expr *e, uint32_t from, const char *sep)
{
    for (uint32_t i = from; i < e->n_args; i++) {
        if (i > from)
            dp_str(d, sep);
        dp_expr(d, e->args[i], 0);
    }
}

/* top: the outermost node of a conjunct, printed without the parentheses PostgreSQL puts around
 * operator expressions */
static void dp_expr(Deparse *d, const Expr *e, int top)
{
    if (d->failed)
        return;
    const char *open = top ? "" : "(", *close = top ? "" : ")";
    char tmp[96];
    switch (e->kind) {
    case EXPR_CONST:
        dp_const(d, &e->u.cval);
        return;
    case EXPR_PARAM:
        snprintf(tmp, sizeof(tmp), "$%u", e->u.param + 1);
        dp_str(d, tmp);
        return;
    case EXPR_COL:
        if (d->col_names && e->u.col < d->td->n_cols && d->col_names[e->u.col])
            dp_str(d, d->col_names[e->u.col]); /* FROM clicks x(a): "a > 1", as PostgreSQL names it */
        else if (e->u.col < d->td->n_cols)
            dp_str(d, d->td->cols[e->u.col].name);
        else if (e->u.col < d->td->n_cols + TABLE_HID_N)
            dp_str(d, tabledef_hidden_name((TableHidden)(e->u.col - d->td->n_cols)));
        else
            dp_str(d, "?column?");
        return;
    case EXPR_FUNC: {
        const char *name = e->u.fn.def->name;
        if (dp_is_operator(name) && e->n_args == 2) {
            dp_str(d, open);
            dp_expr(d, e->args[0], 0);
            dp_str(d, " ");
            dp_str(d, name);
            dp_str(d, " ");
            dp_expr(d, e->args[1], 0);
            dp_str(d, close);
        } else if (dp_is_operator(name) && e->n_args == 1) {
            dp_str(d, open);
            dp_str(d, name);
            dp_str(d, " ");
            dp_expr(d, e->args[0], 0);
            dp_str(d, close);
        } else {
            dp_str(d, name);
            dp_str(d, "(");
            dp_args(d, e, 0, ", ");
            dp_str(d, ")");
        }
        return;
    }
    case EXPR_AND:
    case EXPR_OR:
        dp_str(d, open);
        dp_args(d, e, 0, e->kind == EXPR_AND ? " AND " : " OR ");
        dp_str(d, close);
        return;
    case EXPR_NOT:
        dp_str(d, "NOT ");
        dp_expr(d, e->args[0], 0);
        return;
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL:
        dp_str(d, open);
        dp_expr(d, e->args[0], 0);
        dp_str(d, e->kind == EXPR_IS_NULL ? " IS NULL" : " IS NOT NULL");
        dp_str(d, close);
        return;
    case EXPR_IS_TRUE:
        dp_str(d, open);
        dp_expr(d, e->args[0], 0);
        dp_str(d, e->u.test.negated ? " IS NOT " : " IS ");
        dp_str(d, e->u.test.want ? "TRUE" : "FALSE");
        dp_str(d, close);
        return;
    case EXPR_DISTINCT:
    case EXPR_NOT_DISTINCT:
        dp_str(d, open);
        dp_expr(d, e->args[0], 0);
        dp_str(d, e->kind == EXPR_DISTINCT ? " IS DISTINCT FROM " : " IS NOT DISTINCT FROM ");
        dp_expr(d, e->args[1], 0);
        dp_str(d, close);
        return;
    case EXPR_IN:
        dp_str(d, open);
        dp_expr(d, e->args[0], 0);
        dp_str(d, e->u.cmp.negated ? " NOT IN (" : " IN (");
        dp_args(d, e, 1, ", ");
        dp_str(d, ")");
        dp_str(d, close);
        return;
    case EXPR_CAST:
        sql_type_format(e->type, tmp, sizeof(tmp));
        dp_str(d, "(");
        dp_expr(d, e->args[0], 0);
        dp_str(d, ")::");
        dp_str(d, tmp);
        return;
    case EXPR_COALESCE:
    case EXPR_NULLIF:
    case EXPR_GREATEST:
    case EXPR_LEAST:
        dp_str(d, e->kind == EXPR_COALESCE   ? "COALESCE("
                  : e->kind == EXPR_NULLIF   ? "NULLIF("
                  : e->kind == EXPR_GREATEST ? "GREATEST("
                                             : "LEAST(");
        dp_args(d, e, 0, ", ");
        dp_str(d, ")");
        return;
    case EXPR_CASE: {
        uint32_t n_when = (e->n_args - (e->u.has_else ? 1 : 0)) / 2;
        dp_str(d, "CASE");
        for (uint32_t i = 0; i < n_when; i++) {
            dp_str(d, " WHEN ");
            dp_expr(d, e->args[2 * i], 0);
            dp_str(d, " THEN ");
            dp_expr(d, e->args[2 * i + 1], 0);
        }
        if (e->u.has_else) {
            dp_str(d, " ELSE ");
            dp_expr(d, e->args[e->n_args - 1], 0);
        }
        dp_str(d, " END");
        return;
    }
    default:
        dp_str(d, "...");
        return;
    }
}

/* The conjuncts joined with AND, as text in the plan arena; NULL when it cannot be made (the EXPLAIN
 * line then simply leaves it out). */
static const char *scan_deparse(BindCtx *ctx, const Op *scan, const Expr *const *es, uint32_t n)
{
    Deparse d = {.td = ((const ScanSpec *)scan->spec)->table->def, .col_names = scan->col_names, .fmt = &ctx->sess->fmt};
    buf_init(&d.out, 8192);
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            dp_str(&d, " AND ");
        dp_expr(&d, es[i], 1);
    }
    const char *s = d.failed ? NULL : arena_try_strndup(ctx->arena, (const char *)d.out.p, d.out.len);
    buf_fini(&d.out);
    return s;
}

/* ------------------------------------------------------------------------------------------------
 * bind_scan_pushdown
 * ---------------------------------------------------------------------------------------------- */

#define SCAN_MAX_CONJUNCTS 256

/* The AND-ed conjuncts of e into cs (flattening nested ANDs); stops collecting at cap. */
static void scan_conjuncts(const Expr *e, const Expr **cs, uint32_t *n, uint32_t cap)
{
    if (e->kind == EXPR_AND) {
        for (uint32_t i = 0; i < e->n_args; i++)
            scan_conjuncts(e->args[i], cs, n, cap);
        return;
    }
    if (*n < cap)
        cs[(*n)++] = e;
}

/* a AND b as text in the plan arena (either may be NULL) */
static const char *scan_text_and(BindCtx *ctx, const char *a, const char *b)
{
    if (!a || !b)
        return a ? a : b;
    size_t n = strlen(a) + strlen(b) + 6;
    char *both = arena_try_alloc(ctx->arena, n);
    if (both)
        snprintf(both, n, "%s AND %s", a, b);
    return both;
}

int bind_scan_pushdown(BindCtx *ctx, Op *scan, const Expr *pred)
{
    if (!scan || scan->kind != OP_SCAN || !scan->spec || !pred)
        return WEIR_OK;
    ScanSpec *sp = scan->spec;
    const TableDef *td = sp->table->def;
    const Expr **cs = ARENA_NEW(ctx->arena, const Expr *, SCAN_MAX_CONJUNCTS);
    const Expr **positional = ARENA_NEW(ctx->arena, const Expr *, SCAN_MAX_CONJUNCTS);
    const Expr **rest = ARENA_NEW(ctx->arena, const Expr *, SCAN_MAX_CONJUNCTS);
    ScanBound *bounds = ARENA_NEW(ctx->arena, ScanBound, SCAN_MAX_CONJUNCTS);
    ScanShardSet *sets = ARENA_NEW(ctx->arena, ScanShardSet, SCAN_MAX_CONJUNCTS);
    if (!cs || !positional || !rest || !bounds || !sets)
        return bind_oom(ctx);
    /* a scan may be offered several predicates (WHERE, then conjuncts from join conditions): each call
     * adds to what earlier calls pushed */
    uint32_t n = 0, n_positional = 0, n_rest = 0, n_bounds = sp->n_bounds, n_sets = sp->n_shard_sets;
    if (n_bounds + n_sets >= SCAN_MAX_CONJUNCTS)
        return WEIR_OK;
    if (n_bounds)
        memcpy(bounds, sp->bounds, n_bounds * sizeof(*bounds));
    if (n_sets)
        memcpy(sets, sp->shard_sets, n_sets * sizeof(*sets));
    scan_conjuncts(pred, cs, &n, SCAN_MAX_CONJUNCTS - n_bounds - n_sets);
    for (uint32_t i = 0; i < n; i++) {
        const Expr *c = cs[i];
        int h;
        ScanBoundOp op;
        Expr *value;
        Expr **one = NULL;
        if (scan_match_cmp(td, c, &h, &op, &value)) {
            if (h == TABLE_HID_ARRIVAL_TIME || h == TABLE_HID_SEQUENCE_NUMBER) {
                bounds[n_bounds++] = (ScanBound){(uint8_t)h, (uint8_t)op, value};
                positional[n_positional++] = c;
                continue;
            }
            if (h == TABLE_HID_SHARD_ID && op == SCAN_EQ) {
                if (!(one = ARENA_NEW(ctx->arena, Expr *, 1)))
                    return bind_oom(ctx);
                one[0] = value;
                sets[n_sets++] = (ScanShardSet){1, one, 1};
                continue;
            }
        }
        /* _shard_id <> v */
        if (c->kind == EXPR_FUNC && c->n_args == 2 && strcmp(c->u.fn.def->name, "<>") == 0 &&
            c->u.fn.def->args[0] == SQL_TEXT && c->u.fn.def->args[1] == SQL_TEXT) {
            int l = scan_hidden_col(td, c->args[0]) == TABLE_HID_SHARD_ID && scan_expr_is_stable(c->args[1]);
            int r = scan_hidden_col(td, c->args[1]) == TABLE_HID_SHARD_ID && scan_expr_is_stable(c->args[0]);
            if (l || r) {
                if (!(one = ARENA_NEW(ctx->arena, Expr *, 1)))
                    return bind_oom(ctx);
                one[0] = l ? c->args[1] : c->args[0];
                sets[n_sets++] = (ScanShardSet){0, one, 1};
                continue;
            }
        }
        /* _shard_id [NOT] IN (v, ...) */
        if (c->kind == EXPR_IN && c->n_args >= 2 && scan_hidden_col(td, c->args[0]) == TABLE_HID_SHARD_ID &&
            c->u.cmp.def && c->u.cmp.def->args[0] == SQL_TEXT && c->u.cmp.def->args[1] == SQL_TEXT) {
            int stable = 1;
            for (uint32_t k = 1; k < c->n_args; k++)
                stable &= scan_expr_is_stable(c->args[k]);
            if (stable) {
                sets[n_sets++] = (ScanShardSet){(uint8_t)!c->u.cmp.negated, c->args + 1, c->n_args - 1};
                continue;
            }
        }
        rest[n_rest++] = c;
    }
    sp->bounds = n_bounds ? bounds : NULL;
    sp->n_bounds = n_bounds;
    sp->shard_sets = n_sets ? sets : NULL;
    sp->n_shard_sets = n_sets;
    /* EXPLAIN shows the position conjuncts (shard conditions show as "k of n shards"), and, like an
     * index scan's Filter, only the conjuncts that narrow nothing (the filter still checks them all) */
    if (n_positional)
        sp->pushdown_text =
            scan_text_and(ctx, sp->pushdown_text, scan_deparse(ctx, scan, positional, n_positional));
    if (scan_expr_is_parallel_safe(pred)) {
        Expr *f = (Expr *)pred;
        if (sp->filter) {
            if (!(f = bind_expr_new(ctx, EXPR_AND, SQL_TYPE(SQL_BOOL), -1, 2)))
                return bind_oom(ctx);
            f->args[0] = sp->filter;
            f->args[1] = (Expr *)pred;
        }
        sp->filter = f;
        if (n_rest)
            sp->filter_text = scan_text_and(ctx, sp->filter_text, scan_deparse(ctx, scan, rest, n_rest));
    }
    return WEIR_OK;
}
