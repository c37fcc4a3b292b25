/*
 * bind_tvf.c: the window table functions in FROM (DESIGN.md "SQL", issue 4 "Windows as table functions
 * in FROM"), planned as OP_WINASSIGN (op_winassign.c; WinAssignSpec in op.h fixes the semantics):
 *
 *   tumble(data, timecol, size [, offset])          one window per row
 *   hop(data, timecol, slide, size [, offset])      size / slide windows per row (Flink's argument order)
 *   session(data, timecol, gap [, key, ...])        sessions per partition of the keys
 *
 * PostgreSQL's grammar parses them as ordinary functions in FROM (a RangeFunction), so the table is a
 * column reference (`bid`, `public.bid`) that this file reads as a table name -- a table over a stream, a
 * reference file table, a CTE or a catalog table -- or a scalar subquery `(SELECT ...)` read as a
 * subquery in FROM. Arguments may be named as in Flink (`size => interval '10 seconds'`; data, timecol,
 * size, slide, offset, gap). The time column is a column of the table of type timestamptz or timestamp
 * (42804 otherwise); session keys are columns of it. Sizes are interval literals (casts of literals are
 * constants once bound; parameters and expressions are 0A000): without months (0A000, as date_bin says
 * it), days counted as 24 hours, greater than zero and at most WINASSIGN_MAX_US (22023); a hop's size is
 * a whole multiple of its slide (22023, as Flink requires).
 *
 * The item's columns are the table's (hidden ones stay hidden) followed by window_start and window_end;
 * bind_select.c names them after the FROM alias, or the function as PostgreSQL names a function in FROM.
 * WHERE conjuncts over the item become a filter above the OP_WINASSIGN (FromItem.is_scan is 0), never
 * pushed into the table's scan below it: that would be right for tumble and hop but would change which
 * rows share a session.
 */
#include "exec/bind_int.h"

#include <string.h>

/* Parameters in positional order; NULL ends a kind's list. */
enum { TVF_DATA, TVF_TIMECOL, TVF_MAX_SLOTS = 5 };
static const char *const tvf_params[3][TVF_MAX_SLOTS] = {
    [WINASSIGN_TUMBLE] = {"data", "timecol", "size", "offset", NULL},
    [WINASSIGN_HOP] = {"data", "timecol", "slide", "size", "offset"},
    [WINASSIGN_SESSION] = {"data", "timecol", "gap", NULL, NULL},
};
static const uint32_t tvf_n_required[3] = {3, 4, 3};
static const char *const tvf_usage[3] = {
    "tumble(table, time_column, size interval [, offset interval])",
    "hop(table, time_column, slide interval, size interval [, offset interval])",
    "session(table, time_column, gap interval [, partition_column, ...])",
};

int bind_tvf_kind(const PgQuery__FuncCall *fc)
{
    if (fc->n_funcname != 1)
        return -1;
    const char *name = bind_node_str(fc->funcname[0]);
    char lname[16];
    bind_lower_copy(name ? name : "", lname, sizeof(lname));
    for (int k = 0; k < 3; k++)
        if (strcmp(lname, bind_tvf_name(k)) == 0)
            return k;
    return -1;
}

const char *bind_tvf_name(int kind)
{
    return kind == WINASSIGN_TUMBLE ? "tumble" : kind == WINASSIGN_HOP ? "hop" : "session";
}

/* The arguments sorted into their parameters (slot[], NULL when not given) and the session keys. */
typedef struct TvfArgs {
    PgQuery__Node *slot[TVF_MAX_SLOTS];
    PgQuery__Node **keys;
    uint32_t n_keys;
} TvfArgs;

static int tvf_args(BindCtx *ctx, WinAssignKind kind, PgQuery__FuncCall *fc, TvfArgs *a)
{
    const char *fname = bind_tvf_name(kind);
    memset(a, 0, sizeof(*a));
    uint32_t n_slots = 0;
    while (n_slots < TVF_MAX_SLOTS && tvf_params[kind][n_slots])
        n_slots++;
    if (fc->agg_star || fc->agg_distinct || fc->n_agg_order || fc->agg_filter || fc->over || fc->agg_within_group)
        return BIND_ERR(ctx, "42601", fc->location, "%s is a table function: call it as %s", fname,
                        tvf_usage[kind]);
    if (!(a->keys = ARENA_NEW(ctx->arena, PgQuery__Node *, fc->n_args + 1)))
        return bind_oom(ctx);
    int named = 0;
    for (size_t i = 0; i < fc->n_args; i++) {
        PgQuery__Node *n = fc->args[i];
        if (named && n->node_case != PG_QUERY__NODE__NODE_NAMED_ARG_EXPR)
            return BIND_ERR(ctx, "42601", fc->location, "positional argument cannot follow named argument");
        if (n->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
            named = 1;
            PgQuery__NamedArgExpr *na = n->named_arg_expr;
            uint32_t s = 0;
            while (s < n_slots && strcmp(tvf_params[kind][s], na->name) != 0)
                s++;
            if (s == n_slots)
                return BIND_ERR(ctx, "42883", na->location, "%s has no parameter named \"%s\": %s", fname, na->name,
                                tvf_usage[kind]);
            if (a->slot[s])
                return BIND_ERR(ctx, "42601", na->location, "argument \"%s\" of %s given more than once", na->name,
                                fname);
            a->slot[s] = na->arg;
        } else if (i < n_slots) {
            a->slot[i] = n;
        } else if (kind == WINASSIGN_SESSION) {
            a->keys[a->n_keys++] = n;
        } else {
            return BIND_ERR(ctx, "42883", fc->location, "too many arguments for %s", tvf_usage[kind]);
        }
    }
    for (uint32_t s = 0; s < tvf_n_required[kind]; s++)
        if (!a->slot[s])
            return BIND_ERR(ctx, "42883", fc->location, "%s needs its %s argument: %s", fname, tvf_params[kind][s],
                            tvf_usage[kind]);
    return WEIR_OK;
}

/* The first argument as a FROM item: a name (a table, CTE or catalog) or a parenthesized subquery. */
static int tvf_input(BindCtx *ctx, WinAssignKind kind, PgQuery__Node *n, int location, Scope *qs, FromItem *in)
{
    PgQuery__Node *item = arena_try_calloc(ctx->arena, sizeof(*item));
    if (!item)
        return bind_oom(ctx);
    pg_query__node__init(item);
    if (n->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && n->column_ref->n_fields >= 1 &&
        n->column_ref->n_fields <= 2) {
        PgQuery__ColumnRef *cr = n->column_ref;
        const char *rel = bind_node_str(cr->fields[cr->n_fields - 1]);
        const char *schema = cr->n_fields == 2 ? bind_node_str(cr->fields[0]) : NULL;
        PgQuery__RangeVar *rv = arena_try_calloc(ctx->arena, sizeof(*rv));
        if (!rv)
            return bind_oom(ctx);
        pg_query__range_var__init(rv);
        if (!rel || (cr->n_fields == 2 && !schema))
            goto not_a_table; /* t.* */
        rv->relname = (char *)rel;
        rv->schemaname = (char *)(schema ? schema : "");
        rv->inh = 1;
        rv->location = cr->location;
        item->node_case = PG_QUERY__NODE__NODE_RANGE_VAR;
        item->range_var = rv;
    } else if (n->node_case == PG_QUERY__NODE__NODE_SUB_LINK &&
               n->sub_link->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK) {
        PgQuery__RangeSubselect *rs = arena_try_calloc(ctx->arena, sizeof(*rs));
        if (!rs)
            return bind_oom(ctx);
        pg_query__range_subselect__init(rs);
        rs->subquery = n->sub_link->subselect;
        item->node_case = PG_QUERY__NODE__NODE_RANGE_SUBSELECT;
        item->range_subselect = rs;
    } else {
        goto not_a_table;
    }
    return bind_from_item(ctx, item, qs, in);
not_a_table:
    return BIND_ERR(ctx, "42601", location,
                    "the first argument of %s must name a table or be a subquery in parentheses: %s",
                    bind_tvf_name(kind), tvf_usage[kind]);
}

/* An argument bound over the input's columns only (sc), outside any aggregate or window collection. */
static Expr *tvf_bind(BindCtx *ctx, PgQuery__Node *n, Scope *sc)
{
    Scope *saved = ctx->scope;
    struct AggBind *saved_agg = ctx->agg;
    struct WinBind *saved_win = ctx->win;
    ctx->scope = sc;
    ctx->agg = NULL;
    ctx->win = NULL;
    Expr *e = bind_expr(ctx, n);
    ctx->scope = saved;
    ctx->agg = saved_agg;
    ctx->win = saved_win;
    return e;
}

/* An argument naming a column of the input (sc: its columns only): *col is its index. */
static int tvf_column(BindCtx *ctx, WinAssignKind kind, PgQuery__Node *n, Scope *sc, const char *what, Expr **col)
{
    Expr *e = tvf_bind(ctx, n, sc);
    if (!e)
        return WEIR_ERROR;
    if (e->kind != EXPR_COL)
        return BIND_ERR(ctx, "42601", e->location, "the %s argument of %s must be a column of its table", what,
                        bind_tvf_name(kind));
    *col = e;
    return WEIR_OK;
}

/* An interval literal argument, in microseconds (bound over the input's columns sc, so naming one gets
 * the clear "must be an interval literal" error). Literals and casts of literals are constants once
 * bound; expressions are refused rather than evaluated here, as Flink takes only literals. is_size: must
 * be > 0 and at most WINASSIGN_MAX_US (an offset may be anything). *loc: the argument's position, for
 * later errors about it. */
static int tvf_interval(BindCtx *ctx, WinAssignKind kind, PgQuery__Node *n, Scope *sc, const char *what, int is_size,
                        int64_t *us, int *loc)
{
    const char *fname = bind_tvf_name(kind);
    Expr *e = tvf_bind(ctx, n, sc);
    if (!e || bind_coerce(ctx, &e, SQL_TYPE(SQL_INTERVAL), 0, e->location))
        return WEIR_ERROR;
    *loc = e->location;
    if (e->kind != EXPR_CONST)
        return BIND_ERR(ctx, "0A000", e->location, "the %s of %s must be an interval literal (interval '10 seconds')",
                        what, fname);
    SqlValue v = e->u.cval;
    if (v.is_null)
        return BIND_ERR(ctx, "22004", e->location, "the %s of %s must not be NULL", what, fname);
    if (v.u.iv.months)
        return BIND_ERR(ctx, "0A000", e->location,
                        "the %s of %s cannot contain months or years: their length varies", what, fname);
    int64_t d;
    if (__builtin_mul_overflow((int64_t)v.u.iv.days, SQL_USEC_PER_DAY, &d) || __builtin_add_overflow(d, v.u.iv.usec, us))
        return BIND_ERR(ctx, "22008", e->location, "interval out of range");
    if (is_size && *us <= 0)
        return BIND_ERR(ctx, "22023", e->location, "the %s of %s must be greater than zero", what, fname);
    if (is_size && *us > WINASSIGN_MAX_US)
        return BIND_ERR(ctx, "22023", e->location, "the %s of %s must be at most 1000000 days", what, fname);
    return WEIR_OK;
}

int bind_tvf(BindCtx *ctx, PgQuery__RangeFunction *rf, PgQuery__FuncCall *fc, Scope *qs, FromItem *it)
{
    WinAssignKind kind = (WinAssignKind)bind_tvf_kind(fc);
    const char *fname = bind_tvf_name(kind);
    if (rf->lateral || rf->ordinality || rf->is_rowsfrom || rf->n_functions != 1 || rf->n_coldeflist)
        return BIND_ERR(ctx, "0A000", fc->location, "%s in FROM takes no LATERAL, WITH ORDINALITY, ROWS FROM or "
                        "column definition list", fname);
    TvfArgs a;
    if (tvf_args(ctx, kind, fc, &a))
        return WEIR_ERROR;
    FromItem in;
    if (tvf_input(ctx, kind, a.slot[TVF_DATA], fc->location, qs, &in))
        return WEIR_ERROR;
    WinAssignSpec *ws = arena_try_calloc(ctx->arena, sizeof(*ws));
    Scope *sc = arena_try_calloc(ctx->arena, sizeof(*sc));
    if (!ws || !sc || !(ws->part_cols = ARENA_NEW(ctx->arena, uint32_t, a.n_keys + 1)))
        return bind_oom(ctx);
    ws->kind = kind;
    sc->cols = in.cols;
    sc->n = in.n; /* no parent: the arguments name the table's columns, nothing further out */
    Expr *tc;
    if (tvf_column(ctx, kind, a.slot[TVF_TIMECOL], sc, "time", &tc))
        return WEIR_ERROR;
    if (tc->type.id != SQL_TIMESTAMPTZ && tc->type.id != SQL_TIMESTAMP) {
        char tn[64];
        return BIND_ERR(ctx, "42804", tc->location,
                        "the time column of %s must be of type timestamp with time zone or timestamp, not %s", fname,
                        bind_type_str(tc->type, tn, sizeof(tn)));
    }
    ws->time_col = tc->u.col;
    int loc;
    switch (kind) {
    case WINASSIGN_TUMBLE:
        if (tvf_interval(ctx, kind, a.slot[2], sc, "size", 1, &ws->size_us, &loc) ||
            (a.slot[3] && tvf_interval(ctx, kind, a.slot[3], sc, "offset", 0, &ws->offset_us, &loc)))
            return WEIR_ERROR;
        break;
    case WINASSIGN_HOP:
        if (tvf_interval(ctx, kind, a.slot[2], sc, "slide", 1, &ws->slide_us, &loc) ||
            tvf_interval(ctx, kind, a.slot[3], sc, "size", 1, &ws->size_us, &loc))
            return WEIR_ERROR;
        /* (Flink's rule: every window then starts on a slide boundary and holds whole slides) */
        if (ws->size_us % ws->slide_us != 0)
            return BIND_ERR(ctx, "22023", loc, "the size of hop must be a whole multiple of its slide");
        if (ws->size_us / ws->slide_us > WINASSIGN_MAX_HOP)
            return BIND_ERR(ctx, "22023", loc, "hop windows overlap too much: size / slide must be at most %d",
                            WINASSIGN_MAX_HOP);
        if (a.slot[4] && tvf_interval(ctx, kind, a.slot[4], sc, "offset", 0, &ws->offset_us, &loc))
            return WEIR_ERROR;
        break;
    case WINASSIGN_SESSION:
        if (tvf_interval(ctx, kind, a.slot[2], sc, "gap", 1, &ws->gap_us, &loc))
            return WEIR_ERROR;
        for (uint32_t k = 0; k < a.n_keys; k++) {
            Expr *kc;
            if (tvf_column(ctx, kind, a.keys[k], sc, "partition", &kc))
                return WEIR_ERROR;
            ws->part_cols[ws->n_part++] = kc->u.col;
        }
        break;
    }
    uint32_t nc = in.op->n_cols;
    Op *op = bind_op_new(ctx, OP_WINASSIGN, nc + 2, in.op);
    if (!op || !(it->cols = arena_try_calloc(ctx->arena, sizeof(ScopeCol) * (in.n + 2))))
        return op ? bind_oom(ctx) : WEIR_ERROR;
    if (nc)
        memcpy(op->types, in.op->types, nc * sizeof(SqlType));
    SqlType wt = SQL_TYPE(tc->type.id); /* (bounds are multiples of the size: no typmod rounding) */
    op->types[nc] = op->types[nc + 1] = wt;
    op->spec = ws;
    /* the table's columns keep their scan flags (a column the query names is decoded); the time and key
     * columns were marked when bound */
    memcpy(it->cols, in.cols, in.n * sizeof(ScopeCol));
    it->cols[in.n] = (ScopeCol){.rel = fname, .name = "window_start", .type = wt, .index = nc};
    it->cols[in.n + 1] = (ScopeCol){.rel = fname, .name = "window_end", .type = wt, .index = nc + 1};
    it->n = in.n + 2;
    it->op = op;
    it->is_scan = 0;
    return WEIR_OK;
}
