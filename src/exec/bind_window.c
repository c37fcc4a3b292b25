/*
 * bind_window.c: window function calls (bind_int.h "window functions"): which function, its arguments
 * and result type, its window (PARTITION BY, ORDER BY, frame; named windows from the WINDOW clause),
 * and the OP_WINDOW that computes the calls (exec/window.h).
 *
 * Life of one SELECT's calls (bind_select.c drives it):
 *   bind_window_begin   the SELECT's WINDOW clause is checked (duplicate names, references to other
 *                       windows, used or not) and kept for lookups; an entry's expressions are bound
 *                       where a call uses it
 *   bind_window_call    per FuncCall with OVER (from bind_expr.c): arguments, PARTITION BY and ORDER BY
 *                       are bound over the current scope -- with ctx->agg still collecting, so
 *                       `rank() OVER (ORDER BY sum(x))` aggregates first -- and kept as "extras"; the
 *                       call becomes an EXPR_WINREF numbering it
 *   bind_window_rewrite after GROUP BY: every extra is rewritten over the aggregation's output
 *   bind_window_finish  extras that are equal are merged, calls with the same PARTITION BY / ORDER BY
 *                       share a sort, the OP_WINDOW is planned and every EXPR_WINREF becomes its column
 * Sorts are merged at finish, not at call time, because before the rewrite two equal `sum(x)` in two
 * windows are different EXPR_AGGREF numbers; after it they are the same column.
 *
 * Aggregates used as window functions are resolved by the aggregate binder (bind_agg_call, with a private
 * AggBind so the call is not added to the SELECT's aggregation). When the argument itself contains an
 * aggregate (`sum(sum(x)) OVER ()`), the arguments must be bound with the SELECT's aggregation
 * collecting, so they are bound first and bind_agg_call resolves the call over a stand-in scope of one
 * column per argument, whose columns are then replaced by the bound arguments (the FILTER is then bound
 * here, over the real scope). Frame offsets are bound with no aggregation collecting and must not read
 * the query's columns (42P10).
 *
 * Errors are PostgreSQL's: 42P20 (windowing errors: nested calls, calls where they are not allowed,
 * overriding a named window's clauses, GROUPS without ORDER BY, RANGE offsets without exactly one ORDER
 * BY column), 42704 (unknown window name), 42809 (OVER on a plain function), 0A000 (DISTINCT, ORDER BY
 * or FILTER where PostgreSQL does not implement them, RANGE offsets for other key types).
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec/window.h"

/* PostgreSQL's WindowDef.frameOptions bits (nodes/parsenodes.h), as libpg_query reports them. */
enum {
    FO_RANGE = 0x2,
    FO_ROWS = 0x4,
    FO_GROUPS = 0x8,
    FO_START_UNBOUNDED_PRECEDING = 0x20,
    FO_END_UNBOUNDED_FOLLOWING = 0x100,
    FO_START_CURRENT_ROW = 0x200,
    FO_END_CURRENT_ROW = 0x400,
    FO_START_OFFSET_PRECEDING = 0x800,
    FO_END_OFFSET_PRECEDING = 0x1000,
    FO_START_OFFSET_FOLLOWING = 0x2000,
    FO_END_OFFSET_FOLLOWING = 0x4000,
    FO_EXCLUDE_CURRENT_ROW = 0x8000,
    FO_EXCLUDE_GROUP = 0x10000,
    FO_EXCLUDE_TIES = 0x20000,
    FO_DEFAULTS = FO_RANGE | FO_START_UNBOUNDED_PRECEDING | FO_END_CURRENT_ROW,
};

/* One call as bound, before finish groups calls into sorts. */
typedef struct WinPending {
    WinCall call;
    uint32_t n_part, n_order;
    uint32_t *part; /* extras */
    WinOrder *order;
} WinPending;

struct WinBind {
    PgQuery__Node **wclause; /* the SELECT's WINDOW clause (WindowDef nodes) */
    size_t n_wclause;
    WinPending *calls;
    uint32_t n, cap;
    Expr **extra;
    uint32_t n_extra, cap_extra;
    int nested; /* binding a call's arguments or window: another call is an error */
};

/* A window definition with named-window references resolved: what the call's window consists of. */
typedef struct WinDefRes {
    PgQuery__Node **part;
    size_t n_part;
    PgQuery__Node **order;
    size_t n_order;
    int32_t options;
    PgQuery__Node *start_off, *end_off;
    int location;
} WinDefRes;

/* ------------------------------------------------------------------------------------------------
 * Window functions proper
 * ---------------------------------------------------------------------------------------------- */

static const struct {
    const char *name;
    WinFn fn;
    uint8_t min_args, max_args;
} win_fns[] = {
    {"row_number", WIN_ROW_NUMBER, 0, 0},   {"rank", WIN_RANK, 0, 0},
    {"dense_rank", WIN_DENSE_RANK, 0, 0},   {"percent_rank", WIN_PERCENT_RANK, 0, 0},
    {"cume_dist", WIN_CUME_DIST, 0, 0},     {"ntile", WIN_NTILE, 1, 1},
    {"lag", WIN_LAG, 1, 3},                 {"lead", WIN_LEAD, 1, 3},
    {"first_value", WIN_FIRST_VALUE, 1, 1}, {"last_value", WIN_LAST_VALUE, 1, 1},
    {"nth_value", WIN_NTH_VALUE, 2, 2},
};

static int win_fn_index(const char *name)
{
    for (size_t i = 0; i < sizeof(win_fns) / sizeof(win_fns[0]); i++)
        if (strcasecmp(win_fns[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* ------------------------------------------------------------------------------------------------
 * Window definitions
 * ---------------------------------------------------------------------------------------------- */

/* The WINDOW clause entry named name among the first limit entries, or NULL. */
static PgQuery__WindowDef *win_find(const WinBind *wb, const char *name, size_t limit, size_t *index)
{
    for (size_t i = 0; i < limit && i < wb->n_wclause; i++)
        if (strcmp(wb->wclause[i]->window_def->name, name) == 0) {
            *index = i;
            return wb->wclause[i]->window_def;
        }
    return NULL;
}

/* Resolve wd into out. limit: how many WINDOW clause entries wd may refer to (an entry sees only the
 * ones before it, an OVER clause all of them); is_clause: wd is itself a WINDOW clause entry. */
static int win_resolve(BindCtx *ctx, const WinBind *wb, PgQuery__WindowDef *wd, size_t limit, int is_clause,
                       WinDefRes *out)
{
    if (!is_clause && wd->name && wd->name[0]) { /* OVER w: the named window as it is */
        size_t idx;
        PgQuery__WindowDef *named = win_find(wb, wd->name, wb->n_wclause, &idx);
        if (!named)
            return BIND_ERR(ctx, "42704", wd->location, "window \"%s\" does not exist", wd->name);
        return win_resolve(ctx, wb, named, idx, 1, out);
    }
    memset(out, 0, sizeof(*out));
    out->location = wd->location;
    out->part = wd->partition_clause;
    out->n_part = wd->n_partition_clause;
    out->order = wd->order_clause;
    out->n_order = wd->n_order_clause;
    out->options = wd->frame_options;
    out->start_off = wd->start_offset;
    out->end_off = wd->end_offset;
    if (wd->refname && wd->refname[0]) { /* OVER (w ...), WINDOW x AS (w ...) */
        size_t idx;
        PgQuery__WindowDef *ref = win_find(wb, wd->refname, limit, &idx);
        if (!ref)
            return BIND_ERR(ctx, "42704", wd->location, "window \"%s\" does not exist", wd->refname);
        WinDefRes r;
        if (win_resolve(ctx, wb, ref, idx, 1, &r))
            return WEIR_ERROR;
        if (wd->n_partition_clause)
            return BIND_ERR(ctx, "42P20", wd->location, "cannot override PARTITION BY clause of window \"%s\"",
                            wd->refname);
        out->part = r.part;
        out->n_part = r.n_part;
        if (wd->n_order_clause && r.n_order)
            return BIND_ERR(ctx, "42P20", wd->location, "cannot override ORDER BY clause of window \"%s\"",
                            wd->refname);
        if (!wd->n_order_clause) {
            out->order = r.order;
            out->n_order = r.n_order;
        }
        if (r.options != FO_DEFAULTS) {
            int rc = BIND_ERR(ctx, "42P20", wd->location, "cannot copy window \"%s\" because it has a frame clause",
                              wd->refname);
            if (!is_clause && !wd->n_order_clause && wd->frame_options == FO_DEFAULTS)
                snprintf(ctx->err->hint, sizeof(ctx->err->hint), "Omit the parentheses in this OVER clause.");
            return rc;
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Begin
 * ---------------------------------------------------------------------------------------------- */

WinBind *bind_window_begin(BindCtx *ctx, PgQuery__Node **window_clause, size_t n_window_clause)
{
    WinBind *wb = arena_try_calloc(ctx->arena, sizeof(*wb));
    if (!wb) {
        bind_oom(ctx);
        return NULL;
    }
    wb->wclause = window_clause;
    wb->n_wclause = n_window_clause;
    for (size_t i = 0; i < n_window_clause; i++) {
        const PgQuery__WindowDef *wd = window_clause[i]->window_def;
        if (window_clause[i]->node_case != PG_QUERY__NODE__NODE_WINDOW_DEF || !wd->name) {
            sql_error_set(ctx->err, "XX000", 0, "internal error: unexpected WINDOW clause entry");
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(window_clause[j]->window_def->name, wd->name) == 0) {
                BIND_ERR(ctx, "42P20", wd->location, "window \"%s\" is already defined", wd->name);
                return NULL;
            }
    }
    /* every definition's references, as PostgreSQL checks them (used or not; their expressions are bound
     * where a call uses them) */
    for (size_t i = 0; i < n_window_clause; i++) {
        WinDefRes d;
        if (win_resolve(ctx, wb, window_clause[i]->window_def, i, 1, &d))
            return NULL;
    }
    return wb;
}

uint32_t bind_window_count(const WinBind *wb)
{
    return wb ? wb->n : 0;
}

/* ------------------------------------------------------------------------------------------------
 * Extras and expressions
 * ---------------------------------------------------------------------------------------------- */

static int win_add_extra(BindCtx *ctx, WinBind *wb, Expr *e, uint32_t *out)
{
    if (wb->n_extra == wb->cap_extra) {
        uint32_t nc = wb->cap_extra ? wb->cap_extra * 2 : 16;
        Expr **ne = ARENA_NEW(ctx->arena, Expr *, nc);
        if (!ne)
            return bind_oom(ctx);
        if (wb->n_extra)
            memcpy(ne, wb->extra, wb->n_extra * sizeof(*ne));
        wb->extra = ne;
        wb->cap_extra = nc;
    }
    wb->extra[wb->n_extra] = e;
    *out = wb->n_extra++;
    return WEIR_OK;
}

/* Whether e reads a column of the current query's rows. */
static int win_expr_has_col(const Expr *e)
{
    if (e->kind == EXPR_COL || e->kind == EXPR_AGGREF || e->kind == EXPR_WINREF)
        return 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (win_expr_has_col(e->args[i]))
            return 1;
    return 0;
}

/* Whether two expressions can be computed once for both: structurally equal, and nothing whose equality
 * bind_expr_equal does not decide (subqueries, outer references). */
static int win_expr_same(const Expr *a, const Expr *b)
{
    if (a->kind == EXPR_SUBLINK || a->kind == EXPR_OUTER || b->kind == EXPR_SUBLINK || b->kind == EXPR_OUTER)
        return 0;
    if (a->kind != b->kind || a->n_args != b->n_args)
        return 0;
    for (uint32_t i = 0; i < a->n_args; i++)
        if (!win_expr_same(a->args[i], b->args[i]))
            return 0;
    return bind_expr_equal(a, b);
}

/* A PARTITION BY or ORDER BY expression: unknown literals are text; the type must be sortable. */
static Expr *win_bind_key(BindCtx *ctx, PgQuery__Node *n, int is_order)
{
    Expr *e = bind_expr(ctx, n);
    if (!e)
        return NULL;
    if (e->type.id == SQL_UNKNOWN && bind_coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
        return NULL;
    if (e->type.id == SQL_JSON || e->type.id == SQL_VOID || e->type.id == SQL_RECORD) {
        char tn[64];
        BIND_ERR(ctx, "42883", e->location, "could not identify an %s operator for type %s",
                 is_order ? "ordering" : "equality", bind_type_str(e->type, tn, sizeof(tn)));
        return NULL;
    }
    return e;
}

/* ------------------------------------------------------------------------------------------------
 * Frames
 * ---------------------------------------------------------------------------------------------- */

static int win_is_int(SqlTypeId t)
{
    return t == SQL_INT2 || t == SQL_INT4 || t == SQL_INT8;
}

/* A frame offset: a constant expression (no column of this query), of type bigint for ROWS and
 * GROUPS, of the type in_range needs for the ORDER BY key's type for RANGE. */
static Expr *win_bind_offset(BindCtx *ctx, PgQuery__Node *n, WinFrameMode mode, const Expr *key, int location)
{
    static const char *const mode_names[] = {"RANGE", "ROWS", "GROUPS"};
    const char *what = mode_names[mode];
    struct AggBind *saved_agg = ctx->agg;
    ctx->agg = NULL; /* aggregates are not allowed in a frame offset */
    Expr *e = bind_expr(ctx, n);
    ctx->agg = saved_agg;
    if (!e)
        return NULL;
    if (win_expr_has_col(e)) {
        BIND_ERR(ctx, "42P10", e->location, "argument of %s must not contain variables", what);
        return NULL;
    }
    char a[64], b[64];
    SqlTypeId t = e->type.id;
    if (mode != WIN_FRAME_RANGE) {
        /* bigint by assignment cast, as coerce_to_specific_type: 1.5 rounds to 2 */
        if (t != SQL_UNKNOWN && !win_is_int(t) && t != SQL_NUMERIC && t != SQL_FLOAT4 && t != SQL_FLOAT8) {
            BIND_ERR(ctx, "42804", e->location, "argument of %s must be type bigint, not type %s", what,
                     bind_type_str(e->type, a, sizeof(a)));
            return NULL;
        }
        if (bind_coerce(ctx, &e, SQL_TYPE(SQL_INT8), 1, e->location))
            return NULL;
        return e;
    }
    /* RANGE: the offset type of PostgreSQL's in_range support function for the key's type */
    SqlTypeId k = key->type.id, want;
    int ok;
    switch (k) {
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
        /* in_range(int2/int4, int2/int4/int8) and in_range(int8, int8) (smaller offsets cast up): an
         * unknown offset takes the key's type; evaluation is done in 128 bits, so it is kept as bigint */
        ok = t == SQL_UNKNOWN || win_is_int(t);
        if (ok && t == SQL_UNKNOWN && bind_coerce(ctx, &e, key->type, 0, e->location))
            return NULL;
        want = SQL_INT8;
        break;
    case SQL_FLOAT4:
    case SQL_FLOAT8:
        ok = t == SQL_UNKNOWN || win_is_int(t) || t == SQL_NUMERIC || t == SQL_FLOAT4 || t == SQL_FLOAT8;
        want = SQL_FLOAT8;
        break;
    case SQL_NUMERIC:
        ok = t == SQL_UNKNOWN || win_is_int(t) || t == SQL_NUMERIC;
        want = SQL_NUMERIC;
        break;
    case SQL_DATE:
    case SQL_TIME:
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
    case SQL_INTERVAL:
        ok = t == SQL_UNKNOWN || t == SQL_INTERVAL;
        want = SQL_INTERVAL;
        break;
    default:
        BIND_ERR(ctx, "0A000", location, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s",
                 bind_type_str(key->type, a, sizeof(a)));
        return NULL;
    }
    if (!ok) {
        BIND_ERR(ctx, "0A000", e->location,
                 "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s",
                 bind_type_str(key->type, a, sizeof(a)), bind_type_str(e->type, b, sizeof(b)));
        snprintf(ctx->err->hint, sizeof(ctx->err->hint), "Cast the offset value to an appropriate type.");
        return NULL;
    }
    if (bind_coerce(ctx, &e, SQL_TYPE(want), 0, e->location))
        return NULL;
    return e;
}

static int win_bind_frame(BindCtx *ctx, const WinDefRes *d, const Expr *order_key, WinFrame *f)
{
    int32_t o = d->options;
    memset(f, 0, sizeof(*f));
    f->mode = (o & FO_ROWS) ? WIN_FRAME_ROWS : (o & FO_GROUPS) ? WIN_FRAME_GROUPS : WIN_FRAME_RANGE;
    f->start = (o & FO_START_CURRENT_ROW)        ? WIN_BOUND_CURRENT_ROW
               : (o & FO_START_OFFSET_PRECEDING) ? WIN_BOUND_PRECEDING
               : (o & FO_START_OFFSET_FOLLOWING) ? WIN_BOUND_FOLLOWING
                                                 : WIN_BOUND_UNBOUNDED_PRECEDING;
    f->end = (o & FO_END_UNBOUNDED_FOLLOWING)  ? WIN_BOUND_UNBOUNDED_FOLLOWING
             : (o & FO_END_OFFSET_PRECEDING)   ? WIN_BOUND_PRECEDING
             : (o & FO_END_OFFSET_FOLLOWING)   ? WIN_BOUND_FOLLOWING
                                               : WIN_BOUND_CURRENT_ROW;
    f->exclude = (o & FO_EXCLUDE_CURRENT_ROW) ? WIN_EXCLUDE_CURRENT_ROW
                 : (o & FO_EXCLUDE_GROUP)     ? WIN_EXCLUDE_GROUP
                 : (o & FO_EXCLUDE_TIES)      ? WIN_EXCLUDE_TIES
                                              : WIN_EXCLUDE_NO_OTHERS;
    int has_off = f->start == WIN_BOUND_PRECEDING || f->start == WIN_BOUND_FOLLOWING ||
                  f->end == WIN_BOUND_PRECEDING || f->end == WIN_BOUND_FOLLOWING;
    if (f->mode == WIN_FRAME_GROUPS && d->n_order == 0)
        return BIND_ERR(ctx, "42P20", d->location, "GROUPS mode requires an ORDER BY clause");
    if (f->mode == WIN_FRAME_RANGE && has_off && d->n_order != 1)
        return BIND_ERR(ctx, "42P20", d->location,
                        "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
    if (f->start == WIN_BOUND_PRECEDING || f->start == WIN_BOUND_FOLLOWING) {
        if (!d->start_off)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: frame offset missing");
        if (!(f->start_off = win_bind_offset(ctx, d->start_off, f->mode, order_key, d->location)))
            return WEIR_ERROR;
    }
    if (f->end == WIN_BOUND_PRECEDING || f->end == WIN_BOUND_FOLLOWING) {
        if (!d->end_off)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: frame offset missing");
        if (!(f->end_off = win_bind_offset(ctx, d->end_off, f->mode, order_key, d->location)))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Aggregates as window functions
 * ---------------------------------------------------------------------------------------------- */

/* Replace every EXPR_COL k of e (the stand-in scope's columns) with args[k]. */
static Expr *win_subst(Expr *e, Expr **args, uint32_t n)
{
    if (e->kind == EXPR_COL && e->u.col < n)
        return args[e->u.col];
    for (uint32_t i = 0; i < e->n_args; i++)
        e->args[i] = win_subst(e->args[i], args, n);
    return e;
}

/* Resolve the aggregate fc (its OVER ignored) into *out through the aggregate binder, without adding it
 * to the SELECT's aggregation. */
static int win_bind_agg(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name, AggCall *out)
{
    PgQuery__FuncCall copy = *fc;
    copy.over = NULL;
    struct AggBind *saved_agg = ctx->agg;
    AggBind mine;
    memset(&mine, 0, sizeof(mine));
    if (fc->agg_star || !bind_nodes_have_agg(fc->args, fc->n_args)) {
        ctx->agg = &mine;
        Expr *e = bind_agg_call(ctx, &copy, name);
        ctx->agg = saved_agg;
        if (!e)
            return WEIR_ERROR;
        if (mine.n != 1)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: aggregate not recorded");
        *out = mine.calls[0];
        return WEIR_OK;
    }
    /* sum(sum(x)) OVER (): the arguments are bound with the SELECT's aggregation collecting; the call is
     * resolved over stand-in columns of their types, which are then replaced by the bound arguments */
    uint32_t n = (uint32_t)fc->n_args;
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n);
    ScopeCol *cols = ARENA_NEW(ctx->arena, ScopeCol, n);
    PgQuery__Node **refs = ARENA_NEW(ctx->arena, PgQuery__Node *, n);
    if (!args || !cols || !refs)
        return bind_oom(ctx);
    for (uint32_t i = 0; i < n; i++) {
        if (!(args[i] = bind_expr(ctx, fc->args[i])))
            return WEIR_ERROR;
        char nm[32];
        snprintf(nm, sizeof(nm), "?window argument %u?", i);
        PgQuery__Node *ref = arena_try_calloc(ctx->arena, sizeof(*ref));
        PgQuery__ColumnRef *cr = arena_try_calloc(ctx->arena, sizeof(*cr));
        PgQuery__Node **fields = ARENA_NEW(ctx->arena, PgQuery__Node *, 1);
        PgQuery__Node *fnode = arena_try_calloc(ctx->arena, sizeof(*fnode));
        PgQuery__String *str = arena_try_calloc(ctx->arena, sizeof(*str));
        char *nmcopy = arena_try_strndup(ctx->arena, nm, strlen(nm));
        if (!ref || !cr || !fields || !fnode || !str || !nmcopy)
            return bind_oom(ctx);
        pg_query__string__init(str);
        str->sval = nmcopy;
        pg_query__node__init(fnode);
        fnode->node_case = PG_QUERY__NODE__NODE_STRING;
        fnode->string = str;
        fields[0] = fnode;
        pg_query__column_ref__init(cr);
        cr->n_fields = 1;
        cr->fields = fields;
        cr->location = args[i]->location;
        pg_query__node__init(ref);
        ref->node_case = PG_QUERY__NODE__NODE_COLUMN_REF;
        ref->column_ref = cr;
        refs[i] = ref;
        cols[i] = (ScopeCol){.rel = "", .name = nmcopy, .type = args[i]->type, .index = i};
    }
    copy.args = refs;
    copy.agg_filter = NULL;
    Scope stand_in = {.cols = cols, .n = n, .parent = NULL};
    Scope *saved_scope = ctx->scope;
    ctx->scope = &stand_in;
    ctx->agg = &mine;
    Expr *e = bind_agg_call(ctx, &copy, name);
    ctx->agg = saved_agg;
    ctx->scope = saved_scope;
    if (!e)
        return WEIR_ERROR;
    if (mine.n != 1)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: aggregate not recorded");
    *out = mine.calls[0];
    Expr **subst = ARENA_NEW(ctx->arena, Expr *, out->n_args ? out->n_args : 1);
    if (!subst)
        return bind_oom(ctx);
    for (uint32_t i = 0; i < out->n_args; i++)
        subst[i] = win_subst(out->args[i], args, n);
    out->args = subst;
    out->arg = out->n_args ? subst[0] : NULL;
    if (fc->agg_filter) {
        /* over the real scope; an aggregate in it is the aggregate binder's FILTER error */
        AggBind guard;
        memset(&guard, 0, sizeof(guard));
        guard.nested = 2;
        ctx->agg = &guard;
        Expr *f = bind_expr(ctx, fc->agg_filter);
        ctx->agg = saved_agg;
        if (!f)
            return WEIR_ERROR;
        if (f->type.id != SQL_BOOL && f->type.id != SQL_UNKNOWN) {
            char tn[64];
            return BIND_ERR(ctx, "42804", f->location, "argument of FILTER must be type boolean, not type %s",
                            bind_type_str(f->type, tn, sizeof(tn)));
        }
        if (bind_coerce(ctx, &f, SQL_TYPE(SQL_BOOL), 0, f->location))
            return WEIR_ERROR;
        out->filter = f;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Calls
 * ---------------------------------------------------------------------------------------------- */

/* "name(type, type)" for a "function ... does not exist" message. */
static void win_sig(const char *name, Expr **args, uint32_t n, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "%s(", name);
    for (uint32_t i = 0; i < n && len < cap; i++) {
        char tn[64];
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
                                args[i]->type.id == SQL_UNKNOWN ? "unknown" : bind_type_str(args[i]->type, tn, sizeof(tn)));
    }
    if (len < cap)
        snprintf(out + len, cap - len, ")");
}

/* Bind the arguments of a proper window function and set the call's type. */
static int win_bind_fn_args(BindCtx *ctx, WinBind *wb, PgQuery__FuncCall *fc, int fi, WinCall *c)
{
    uint32_t n = (uint32_t)fc->n_args;
    Expr *args[3] = {NULL, NULL, NULL};
    if (n > 3) {
        Expr *tmp[16];
        uint32_t k = n < 16 ? n : 16;
        for (uint32_t i = 0; i < k; i++)
            if (!(tmp[i] = bind_expr(ctx, fc->args[i])))
                return WEIR_ERROR;
        char sig[256];
        win_sig(c->name, tmp, k, sig, sizeof(sig));
        return BIND_ERR(ctx, "42883", fc->location, "function %s does not exist", sig);
    }
    for (uint32_t i = 0; i < n; i++)
        if (!(args[i] = bind_expr(ctx, fc->args[i])))
            return WEIR_ERROR;
    if (n && win_fns[fi].max_args == 0 && c->fn != WIN_ROW_NUMBER) /* rank(x) is a hypothetical-set aggregate */
        return BIND_ERR(ctx, "42809", fc->location, "WITHIN GROUP is required for ordered-set aggregate %s", c->name);
    if (n < win_fns[fi].min_args || n > win_fns[fi].max_args) {
        char sig[256];
        win_sig(c->name, args, n, sig, sizeof(sig));
        return BIND_ERR(ctx, "42883", fc->location, "function %s does not exist", sig);
    }
    switch (c->fn) {
    case WIN_ROW_NUMBER:
    case WIN_RANK:
    case WIN_DENSE_RANK: c->type = SQL_TYPE(SQL_INT8); break;
    case WIN_PERCENT_RANK:
    case WIN_CUME_DIST: c->type = SQL_TYPE(SQL_FLOAT8); break;
    case WIN_NTILE:
        if (bind_coerce(ctx, &args[0], SQL_TYPE(SQL_INT4), 0, args[0]->location))
            return WEIR_ERROR;
        c->type = SQL_TYPE(SQL_INT4);
        break;
    case WIN_LAG:
    case WIN_LEAD: {
        SqlType t;
        if (n == 3) {
            /* lag(anycompatible, integer, anycompatible): value and default resolve to one type */
            Expr *pair[2] = {args[0], args[2]};
            SqlError scratch, *real = ctx->err;
            memset(&scratch, 0, sizeof(scratch));
            ctx->err = &scratch;
            int rc = bind_common_type(ctx, pair, 2, c->name, &t);
            ctx->err = real;
            if (rc) { /* no lag(anycompatible, integer, anycompatible) for these types */
                char sig[256];
                win_sig(c->name, args, n, sig, sizeof(sig));
                return BIND_ERR(ctx, "42883", fc->location, "function %s does not exist", sig);
            }
            if (bind_coerce(ctx, &args[2], t, 0, args[2]->location))
                return WEIR_ERROR;
        } else {
            t = args[0]->type.id == SQL_UNKNOWN ? SQL_TYPE(SQL_TEXT) : args[0]->type;
        }
        if (bind_coerce(ctx, &args[0], t, 0, args[0]->location))
            return WEIR_ERROR;
        if (n >= 2 && bind_coerce(ctx, &args[1], SQL_TYPE(SQL_INT4), 0, args[1]->location))
            return WEIR_ERROR;
        c->type = t;
        break;
    }
    case WIN_FIRST_VALUE:
    case WIN_LAST_VALUE:
    case WIN_NTH_VALUE:
        if (args[0]->type.id == SQL_UNKNOWN && bind_coerce(ctx, &args[0], SQL_TYPE(SQL_TEXT), 0, args[0]->location))
            return WEIR_ERROR;
        if (n == 2 && bind_coerce(ctx, &args[1], SQL_TYPE(SQL_INT4), 0, args[1]->location))
            return WEIR_ERROR;
        c->type = args[0]->type;
        break;
    case WIN_AGG: break;
    }
    c->n_args = n;
    for (uint32_t i = 0; i < n; i++)
        if (win_add_extra(ctx, wb, args[i], &c->args[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

Expr *bind_window_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    WinBind *wb = ctx->win;
    if (wb && wb->nested) {
        BIND_ERR(ctx, "42P20", fc->location, "window function calls cannot be nested");
        return NULL;
    }
    if (ctx->agg && ctx->agg->nested) {
        BIND_ERR(ctx, "42803", fc->location, "aggregate function calls cannot contain window function calls");
        return NULL;
    }
    if (!wb) {
        if (ctx->clause)
            BIND_ERR(ctx, "42P20", fc->location, "window functions are not allowed in %s", ctx->clause);
        else
            BIND_ERR(ctx, "42P20", fc->location, "window functions are not allowed here");
        return NULL;
    }
    char lname[64];
    bind_lower_copy(name, lname, sizeof(lname));
    int fi = win_fn_index(lname);
    int is_agg = fi < 0 && bind_is_agg(fc, lname);
    if (fi < 0 && !is_agg) {
        BIND_ERR(ctx, "42809", fc->location, "OVER specified, but %s is not a window function nor an aggregate function",
                 name);
        return NULL;
    }
    if (fc->agg_distinct) {
        BIND_ERR(ctx, "0A000", fc->location, "DISTINCT is not implemented for window functions");
        return NULL;
    }
    if (fc->n_agg_order && !fc->agg_within_group) {
        BIND_ERR(ctx, "0A000", fc->location, "aggregate ORDER BY is not implemented for window functions");
        return NULL;
    }
    if (fc->agg_within_group) {
        BIND_ERR(ctx, "0A000", fc->location, "OVER is not supported for ordered-set aggregate %s", name);
        return NULL;
    }
    if (!is_agg && fc->agg_filter) {
        BIND_ERR(ctx, "0A000", fc->location, "FILTER is not implemented for non-aggregate window functions");
        return NULL;
    }
    if (!is_agg && fc->agg_star) {
        BIND_ERR(ctx, "42809", fc->location, "%s(*) specified, but %s is not an aggregate function", name, name);
        return NULL;
    }
    WinDefRes d;
    if (win_resolve(ctx, wb, fc->over, wb->n_wclause, 0, &d))
        return NULL;

    WinPending p;
    memset(&p, 0, sizeof(p));
    p.call.filter = -1;
    p.call.fn = is_agg ? WIN_AGG : win_fns[fi].fn;
    if (!(p.call.name = arena_try_strndup(ctx->arena, lname, strlen(lname)))) {
        bind_oom(ctx);
        return NULL;
    }
    wb->nested = 1;
    int rc = WEIR_OK;
    if (is_agg) {
        rc = win_bind_agg(ctx, fc, lname, &p.call.agg);
        if (!rc) {
            p.call.type = p.call.agg.type;
            if (p.call.agg.n_args > 3 || p.call.agg.n_order || p.call.agg.direct)
                rc = BIND_ERR(ctx, "0A000", fc->location, "%s is not supported as a window function", lname);
            p.call.n_args = rc ? 0 : p.call.agg.n_args;
            for (uint32_t i = 0; !rc && i < p.call.n_args; i++)
                rc = win_add_extra(ctx, wb, p.call.agg.args[i], &p.call.args[i]);
            uint32_t fcol;
            if (!rc && p.call.agg.filter && !(rc = win_add_extra(ctx, wb, p.call.agg.filter, &fcol)))
                p.call.filter = (int32_t)fcol;
        }
    } else {
        rc = win_bind_fn_args(ctx, wb, fc, fi, &p.call);
    }
    /* the window: PARTITION BY, ORDER BY, frame */
    Expr *first_order = NULL;
    if (!rc && d.n_part) {
        p.n_part = (uint32_t)d.n_part;
        if (!(p.part = ARENA_NEW(ctx->arena, uint32_t, p.n_part)))
            rc = bind_oom(ctx);
        for (uint32_t i = 0; !rc && i < p.n_part; i++) {
            Expr *e = win_bind_key(ctx, d.part[i], 0);
            rc = e ? win_add_extra(ctx, wb, e, &p.part[i]) : WEIR_ERROR;
        }
    }
    if (!rc && d.n_order) {
        p.n_order = (uint32_t)d.n_order;
        if (!(p.order = ARENA_NEW(ctx->arena, WinOrder, p.n_order)))
            rc = bind_oom(ctx);
        for (uint32_t i = 0; !rc && i < p.n_order; i++) {
            if (d.order[i]->node_case != PG_QUERY__NODE__NODE_SORT_BY) {
                rc = sql_error_set(ctx->err, "XX000", 0, "internal error: ORDER BY entry is not a SortBy");
                break;
            }
            PgQuery__SortBy *sb = d.order[i]->sort_by;
            if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
                rc = BIND_ERR(ctx, "0A000", sb->location, "ORDER BY ... USING is not supported");
                break;
            }
            Expr *e = win_bind_key(ctx, sb->node, 1);
            if (!e) {
                rc = WEIR_ERROR;
                break;
            }
            if (i == 0)
                first_order = e;
            p.order[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
            p.order[i].nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                                     (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && p.order[i].desc);
            rc = win_add_extra(ctx, wb, e, &p.order[i].col);
        }
    }
    if (!rc)
        rc = win_bind_frame(ctx, &d, first_order, &p.call.frame);
    wb->nested = 0;
    if (rc)
        return NULL;

    if (wb->n == wb->cap) {
        uint32_t nc = wb->cap ? wb->cap * 2 : 8;
        WinPending *np = ARENA_NEW(ctx->arena, WinPending, nc);
        if (!np) {
            bind_oom(ctx);
            return NULL;
        }
        if (wb->n)
            memcpy(np, wb->calls, wb->n * sizeof(*np));
        wb->calls = np;
        wb->cap = nc;
    }
    wb->calls[wb->n] = p;
    Expr *ref = bind_expr_new(ctx, EXPR_WINREF, p.call.type, fc->location, 0);
    if (!ref) {
        bind_oom(ctx);
        return NULL;
    }
    ref->u.col = wb->n++;
    return ref;
}

/* ------------------------------------------------------------------------------------------------
 * After aggregation
 * ---------------------------------------------------------------------------------------------- */

int bind_window_rewrite(BindCtx *ctx, WinBind *wb, Expr **keys, uint32_t n_keys)
{
    if (!wb)
        return WEIR_OK;
    for (uint32_t i = 0; i < wb->n_extra; i++)
        if (bind_agg_rewrite(ctx, &wb->extra[i], keys, n_keys))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Finish: the OP_WINDOW
 * ---------------------------------------------------------------------------------------------- */

/* Replace each EXPR_WINREF k in *ep with a column base + k. */
static int win_replace_refs(BindCtx *ctx, Expr **ep, uint32_t base, uint32_t n_calls)
{
    Expr *e = *ep;
    if (e->kind == EXPR_WINREF) {
        if (e->u.col >= n_calls)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: window function reference out of range");
        Expr *c = bind_expr_new(ctx, EXPR_COL, e->type, e->location, 0);
        if (!c)
            return bind_oom(ctx);
        c->u.col = base + e->u.col;
        *ep = c;
        return WEIR_OK;
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (win_replace_refs(ctx, &e->args[i], base, n_calls))
            return WEIR_ERROR;
    return WEIR_OK;
}

static int win_same_window(const WinPending *a, const WinPending *b, const uint32_t *canon)
{
    if (a->n_part != b->n_part || a->n_order != b->n_order)
        return 0;
    for (uint32_t i = 0; i < a->n_part; i++)
        if (canon[a->part[i]] != canon[b->part[i]])
            return 0;
    for (uint32_t i = 0; i < a->n_order; i++)
        if (canon[a->order[i].col] != canon[b->order[i].col] || a->order[i].desc != b->order[i].desc ||
            a->order[i].nulls_first != b->order[i].nulls_first)
            return 0;
    return 1;
}

/* The operator that defines child's output columns: a FILTER (WHERE, HAVING) is planned with n_cols 0
 * and passes its child's columns through. */
static const Op *win_child_shape(const Op *child)
{
    while (child->kind == OP_FILTER && child->n_cols == 0 && child->child)
        child = child->child;
    return child;
}

int bind_window_finish(BindCtx *ctx, WinBind *wb, Op *child, Expr **exprs, uint32_t n, Op **out)
{
    *out = child;
    if (!wb || wb->n == 0)
        return WEIR_OK;
    /* merge equal extras: canon[i] is the first extra equal to extra i, then renumbered densely */
    uint32_t *canon = ARENA_NEW(ctx->arena, uint32_t, wb->n_extra ? wb->n_extra : 1);
    uint32_t *dense = ARENA_NEW(ctx->arena, uint32_t, wb->n_extra ? wb->n_extra : 1);
    WindowSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    if (!canon || !dense || !sp || !(sp->extra = ARENA_NEW(ctx->arena, Expr *, wb->n_extra ? wb->n_extra : 1)) ||
        !(sp->calls = ARENA_NEW(ctx->arena, WinCall, wb->n)) || !(sp->sorts = ARENA_NEW(ctx->arena, WinSort, wb->n)))
        return bind_oom(ctx);
    for (uint32_t i = 0; i < wb->n_extra; i++) {
        canon[i] = i;
        for (uint32_t j = 0; j < i; j++)
            if (canon[j] == j && win_expr_same(wb->extra[j], wb->extra[i])) {
                canon[i] = j;
                break;
            }
        if (canon[i] == i) {
            dense[i] = sp->n_extra;
            sp->extra[sp->n_extra++] = wb->extra[i];
        } else {
            dense[i] = dense[canon[i]];
        }
    }
    /* one sort per distinct PARTITION BY + ORDER BY */
    uint32_t *sort_of = ARENA_NEW(ctx->arena, uint32_t, wb->n);
    if (!sort_of)
        return bind_oom(ctx);
    for (uint32_t c = 0; c < wb->n; c++) {
        const WinPending *p = &wb->calls[c];
        uint32_t s = sp->n_sorts;
        for (uint32_t d = 0; d < c; d++)
            if (win_same_window(&wb->calls[d], p, canon)) {
                s = sort_of[d];
                break;
            }
        sort_of[c] = s;
        if (s == sp->n_sorts) {
            WinSort *ws = &sp->sorts[sp->n_sorts++];
            ws->n_part = p->n_part;
            ws->n_order = p->n_order;
            if ((p->n_part && !(ws->part = ARENA_NEW(ctx->arena, uint32_t, p->n_part))) ||
                (p->n_order && !(ws->order = ARENA_NEW(ctx->arena, WinOrder, p->n_order))))
                return bind_oom(ctx);
            for (uint32_t i = 0; i < p->n_part; i++)
                ws->part[i] = dense[p->part[i]];
            for (uint32_t i = 0; i < p->n_order; i++) {
                ws->order[i] = p->order[i];
                ws->order[i].col = dense[p->order[i].col];
            }
        }
        WinCall *wc = &sp->calls[c];
        *wc = p->call;
        wc->sort = s;
        for (uint32_t i = 0; i < wc->n_args; i++)
            wc->args[i] = dense[wc->args[i]];
        if (wc->filter >= 0)
            wc->filter = (int32_t)dense[wc->filter];
        if (wc->fn == WIN_AGG) { /* the rewritten expressions (EXPLAIN shows them) */
            if (wc->n_args && !(wc->agg.args = ARENA_NEW(ctx->arena, Expr *, wc->n_args)))
                return bind_oom(ctx);
            for (uint32_t i = 0; i < wc->n_args; i++)
                wc->agg.args[i] = sp->extra[wc->args[i]];
            wc->agg.arg = wc->n_args ? wc->agg.args[0] : NULL;
            wc->agg.filter = wc->filter >= 0 ? sp->extra[wc->filter] : NULL;
        }
    }
    sp->n_calls = wb->n;
    const Op *shape = win_child_shape(child);
    uint32_t n_child = shape->n_cols;
    Op *w = bind_op_new(ctx, OP_WINDOW, n_child + wb->n, child);
    if (!w)
        return WEIR_ERROR;
    if (n_child)
        memcpy(w->types, shape->types, n_child * sizeof(SqlType));
    for (uint32_t c = 0; c < wb->n; c++)
        w->types[n_child + c] = sp->calls[c].type;
    w->spec = sp;
    for (uint32_t i = 0; i < n; i++)
        if (exprs[i] && win_replace_refs(ctx, &exprs[i], n_child, wb->n))
            return WEIR_ERROR;
    *out = w;
    return WEIR_OK;
}
