/*
 * sop.c: the streaming-operator graph (sop.h): making operators, moving deltas between them, advancing
 * them at the end of a tick, and compiling a batch plan into a graph. The stateless operators live here
 * too: the entry point of a source, FILTER, PROJECT and UNION ALL. Stateful operators are in sop_window.c
 * (window assignment), sop_agg.c (aggregation), sop_join.c (joins) and sop_rank.c (deduplication, top N).
 *
 * The compile driver walks the plan bottom-up. A subtree that reads no stream (a file reference table, a
 * VALUES list, a system table) is static: it is not compiled at all but left to the operator above it
 * (only a join may have one, and runs it once through the batch engine); a query whose every input is
 * static is not a continuous query. What a continuous query cannot do is refused with 0A000 naming it:
 * LIMIT, set operations other than UNION ALL, subqueries inside expressions, window functions other than
 * the row_number() forms sop_rank.c recognizes.
 */
#include "stream/sop.h"

#include <string.h>

#include "exec/catalog.h"
#include "exec/expr.h"
#include "sql/tabledef.h"

Sop *sop_new(SopGraph *g, const SopOps *ops, size_t impl_size, const SqlType *types, uint32_t n_cols)
{
    Sop *s = arena_try_calloc(g->arena, sizeof(*s));
    if (!s)
        return NULL;
    if (impl_size && !(s->impl = arena_try_calloc(g->arena, impl_size)))
        return NULL;
    if (g->n_ops == g->cap_ops) {
        uint32_t nc = g->cap_ops ? g->cap_ops * 2 : 8;
        Sop **no = ARENA_NEW(g->arena, Sop *, nc);
        if (!no)
            return NULL;
        if (g->n_ops)
            memcpy(no, g->ops, g->n_ops * sizeof(*no));
        g->ops = no;
        g->cap_ops = nc;
    }
    if (n_cols) {
        SqlType *t = ARENA_NEW(g->arena, SqlType, n_cols);
        if (!t)
            return NULL;
        memcpy(t, types, n_cols * sizeof(*t));
        s->types = t;
    }
    s->ops = ops;
    s->n_cols = n_cols;
    s->graph = g;
    g->ops[g->n_ops++] = s;
    return s;
}

int sop_state_add(Sop *s, StateTable *t, SqlError *err)
{
    if (s->n_state == SOP_MAX_STATE) {
        StateTable *tt = t;
        state_destroy(&tt);
        return sql_error_set(err, "XX000", 0, "internal error: operator \"%s\" has more than %d state tables",
                             s->ops->name, SOP_MAX_STATE);
    }
    s->state[s->n_state++] = t;
    return WEIR_OK;
}

int sop_emit(Sop *s, SopCtx *c, const ZBatch *z)
{
    if (!z->b || z->b->n == 0)
        return WEIR_OK;
    s->st.rows_out += z->b->n;
    if (s->out)
        return sop_push(s->out, c, s->out_port, z);
    SopGraph *g = s->graph;
    return g->sink ? g->sink(g->sink_arg, c, z) : WEIR_OK;
}

int sop_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *z)
{
    if (!z->b || z->b->n == 0)
        return WEIR_OK;
    s->st.rows_in += z->b->n;
    return s->ops->push(s, c, port, z);
}

int sop_graph_advance(SopGraph *g, SopCtx *c)
{
    for (uint32_t i = 0; i < g->n_ops; i++) {
        Sop *s = g->ops[i];
        if (s->ops->advance && s->ops->advance(s, c))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

void sop_graph_destroy(SopGraph **gp)
{
    SopGraph *g = gp ? *gp : NULL;
    if (!g)
        return;
    *gp = NULL;
    for (uint32_t i = 0; i < g->n_ops; i++) {
        Sop *s = g->ops[i];
        if (s->ops->destroy)
            s->ops->destroy(s);
        for (uint32_t k = 0; k < s->n_state; k++)
            state_destroy(&s->state[k]);
    }
    Arena *a = g->arena;
    arena_destroy(&a); /* g lives in it */
}

/* ------------------------------------------------------------------------------------------------
 * Stateless operators
 * ---------------------------------------------------------------------------------------------- */

/* A source's entry, and UNION ALL: what comes in goes out. */
static int pass_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    return sop_emit(s, c, in);
}

static const SopOps pass_ops = {.name = "source", .push = pass_push};
static const SopOps union_ops = {.name = "union all", .push = pass_push};

static int sop_oom(SopCtx *c)
{
    return sql_error_set(c->err, "53200", 0, "out of memory: the continuous query's memory budget is exhausted");
}

static void sop_expr_ctx(SopCtx *c, ExprCtx *ec)
{
    exec_expr_ctx(c->exec, c->scratch, ec);
}

/* FILTER: the rows where the predicate is true, with their weights. */
static int filter_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    const Expr *pred = s->impl;
    uint32_t *sel = ARENA_NEW(c->scratch, uint32_t, in->b->n);
    if (!sel)
        return sop_oom(c);
    ExprCtx ec;
    sop_expr_ctx(c, &ec);
    uint32_t n_sel = 0;
    if (expr_filter(&ec, (Expr *)pred, in->b, sel, &n_sel))
        return WEIR_ERROR;
    if (n_sel == in->b->n)
        return sop_emit(s, c, in);
    if (n_sel == 0)
        return WEIR_OK;
    ZBatch z = {batch_gather(in->b, sel, n_sel, c->scratch), NULL};
    if (!z.b)
        return sop_oom(c);
    if (in->w) {
        int64_t *w = ARENA_NEW(c->scratch, int64_t, n_sel);
        if (!w)
            return sop_oom(c);
        for (uint32_t i = 0; i < n_sel; i++)
            w[i] = in->w[sel[i]];
        z.w = w;
    }
    return sop_emit(s, c, &z);
}

static const SopOps filter_ops = {.name = "filter", .push = filter_push};

/* PROJECT: the expressions over each row, same weights. */
typedef struct ProjectImpl {
    Expr **exprs;
} ProjectImpl;

static int project_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    const ProjectImpl *p = s->impl;
    Batch *b = arena_try_calloc(c->scratch, sizeof(*b));
    if (!b || !(b->cols = ARENA_NEW(c->scratch, Vec, s->n_cols ? s->n_cols : 1)))
        return sop_oom(c);
    b->n = in->b->n;
    b->n_cols = s->n_cols;
    ExprCtx ec;
    sop_expr_ctx(c, &ec);
    for (uint32_t k = 0; k < s->n_cols; k++) {
        if (expr_eval(&ec, p->exprs[k], in->b, in->b->n, &b->cols[k]))
            return WEIR_ERROR;
        b->cols[k].type = s->types[k];
    }
    ZBatch z = {b, in->w};
    return sop_emit(s, c, &z);
}

static const SopOps project_ops = {.name = "project", .push = project_push};

/* ------------------------------------------------------------------------------------------------
 * Compiling
 * ---------------------------------------------------------------------------------------------- */

static int refuse(SopCompiler *cc, const char *what)
{
    return sql_error_set(cc->err, "0A000", 0, "%s is not supported in a continuous query", what);
}

/* Whether e holds something a continuous query cannot evaluate row by row. */
static const char *expr_unsupported(const Expr *e)
{
    if (!e)
        return NULL;
    if (e->kind == EXPR_SUBLINK)
        return "a subquery in an expression";
    if (e->kind == EXPR_PARAM)
        return "a parameter ($n)";
    for (uint32_t i = 0; i < e->n_args; i++) {
        const char *w = expr_unsupported(e->args[i]);
        if (w)
            return w;
    }
    return NULL;
}

int sop_plan_is_streaming(const Op *op)
{
    if (!op)
        return 0;
    if (op->kind == OP_SCAN) {
        const ScanSpec *ss = op->spec;
        return !ss->table->def->file;
    }
    return sop_plan_is_streaming(op->child) || sop_plan_is_streaming(op->right);
}

static int add_source(SopCompiler *cc, const Op *op, Sop **out)
{
    SopGraph *g = cc->g;
    Sop *s = sop_new(g, &pass_ops, 0, op->types, op->n_cols);
    if (!s)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    uint32_t n = g->n_sources + 1;
    const ScanSpec **scans = ARENA_NEW(g->arena, const ScanSpec *, n);
    Sop **leaves = ARENA_NEW(g->arena, Sop *, n);
    uint32_t *ports = ARENA_NEW(g->arena, uint32_t, n);
    int32_t *tcols = ARENA_NEW(g->arena, int32_t, n);
    if (!scans || !leaves || !ports || !tcols)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    if (g->n_sources) {
        memcpy(scans, g->source_scan, g->n_sources * sizeof(*scans));
        memcpy(leaves, g->leaf_op, g->n_sources * sizeof(*leaves));
        memcpy(ports, g->leaf_port, g->n_sources * sizeof(*ports));
        memcpy(tcols, g->source_time_col, g->n_sources * sizeof(*tcols));
    }
    const ScanSpec *ss = op->spec;
    scans[g->n_sources] = ss;
    leaves[g->n_sources] = s;
    ports[g->n_sources] = 0;
    tcols[g->n_sources] = -1; /* the source reports each row's event time (stream/source.h) */
    g->source_scan = scans;
    g->leaf_op = leaves;
    g->leaf_port = ports;
    g->source_time_col = tcols;
    g->n_sources = n;
    *out = s;
    return WEIR_OK;
}

static void connect_to(Sop *from, Sop *to, uint32_t port)
{
    if (from) {
        from->out = to;
        from->out_port = port;
    }
}

static int compile_node(SopCompiler *cc, const Op *op, const Op *parent, Sop **out);

static int compile_filter(SopCompiler *cc, const Op *op, Sop **out)
{
    const char *why = expr_unsupported(op->pred);
    if (why)
        return refuse(cc, why);
    /* row_number() <= N over a window: top N / deduplication (the binder puts PROJECTs between) */
    const Op *w = op->child;
    while (w && w->kind == OP_PROJECT)
        w = w->child;
    if (w && w->kind == OP_WINDOW) {
        Sop *in;
        if (compile_node(cc, w->child, w, &in))
            return WEIR_ERROR;
        int used = 0;
        if (sop_compile_rank(cc, w, op, in, out, &used))
            return WEIR_ERROR;
        if (used)
            return WEIR_OK;
        return refuse(cc, "a window function other than row_number() kept to its first N rows");
    }
    Sop *in;
    if (compile_node(cc, op->child, op, &in))
        return WEIR_ERROR;
    Sop *s = sop_new(cc->g, &filter_ops, 0, op->types, op->n_cols);
    if (!s)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    s->impl = op->pred;
    connect_to(in, s, 0);
    *out = s;
    return WEIR_OK;
}

static int compile_project(SopCompiler *cc, const Op *op, Sop **out)
{
    for (uint32_t k = 0; k < op->n_cols; k++) {
        const char *why = expr_unsupported(op->exprs[k]);
        if (why)
            return refuse(cc, why);
    }
    Sop *in;
    if (compile_node(cc, op->child, op, &in))
        return WEIR_ERROR;
    Sop *s = sop_new(cc->g, &project_ops, sizeof(ProjectImpl), op->types, op->n_cols);
    if (!s)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    ((ProjectImpl *)s->impl)->exprs = op->exprs;
    connect_to(in, s, 0);
    *out = s;
    return WEIR_OK;
}

static int compile_node(SopCompiler *cc, const Op *op, const Op *parent, Sop **out)
{
    *out = NULL;
    switch (op->kind) {
    case OP_SCAN:
        if (!sop_plan_is_streaming(op))
            return refuse(cc, "a reference table outside a join with a stream");
        return add_source(cc, op, out);
    case OP_FILTER: return compile_filter(cc, op, out);
    case OP_PROJECT: return compile_project(cc, op, out);
    case OP_WINASSIGN: {
        Sop *in;
        if (compile_node(cc, op->child, op, &in))
            return WEIR_ERROR;
        if (sop_compile_winassign(cc, op, in, out))
            return WEIR_ERROR;
        if (*out != in)
            connect_to(in, *out, 0);
        return WEIR_OK;
    }
    case OP_AGG: {
        Sop *in;
        if (!sop_plan_is_streaming(op->child))
            return refuse(cc, "an aggregate over reference tables only");
        if (compile_node(cc, op->child, op, &in))
            return WEIR_ERROR;
        return sop_compile_agg(cc, op, in, out);
    }
    case OP_JOIN: {
        Sop *l = NULL, *r = NULL;
        if (sop_plan_is_streaming(op->child) && compile_node(cc, op->child, op, &l))
            return WEIR_ERROR;
        if (sop_plan_is_streaming(op->right) && compile_node(cc, op->right, op, &r))
            return WEIR_ERROR;
        if (!l && !r)
            return refuse(cc, "a join of reference tables only");
        return sop_compile_join(cc, op, l, r, out);
    }
    case OP_APPEND: {
        Sop *l = NULL, *r = NULL;
        if (!sop_plan_is_streaming(op->child) || !sop_plan_is_streaming(op->right))
            return refuse(cc, "UNION ALL of a stream with a reference table");
        if (compile_node(cc, op->child, op, &l) || compile_node(cc, op->right, op, &r))
            return WEIR_ERROR;
        Sop *s = sop_new(cc->g, &union_ops, 0, op->types, op->n_cols);
        if (!s)
            return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
        connect_to(l, s, 0);
        connect_to(r, s, 0);
        *out = s;
        return WEIR_OK;
    }
    case OP_UNIQUE: {
        /* DISTINCT ON: sop_rank.c reads the order from the sort below */
        const Op *below = op->child && op->child->kind == OP_SORT ? op->child->child : op->child;
        Sop *in;
        if (compile_node(cc, below, op, &in))
            return WEIR_ERROR;
        int used = 0;
        if (sop_compile_rank(cc, op, NULL, in, out, &used))
            return WEIR_ERROR;
        return used ? WEIR_OK : refuse(cc, "DISTINCT ON without an ORDER BY");
    }
    case OP_SORT:
        /* ORDER BY at the top only orders a batch answer; a view's rows have no order */
        if (parent == NULL)
            return compile_node(cc, op->child, op, out);
        return refuse(cc, "ORDER BY inside the query");
    case OP_WINDOW: return refuse(cc, "a window function other than row_number() kept to its first N rows");
    case OP_LIMIT: return refuse(cc, "LIMIT");
    case OP_SETOP: return refuse(cc, "INTERSECT or EXCEPT");
    case OP_RESULT:
    case OP_VALUES:
    case OP_SYSTAB:
    case OP_FUNCSCAN: return refuse(cc, "a query that reads no stream");
    case OP_EXPLAIN: return refuse(cc, "EXPLAIN");
    }
    return sql_error_set(cc->err, "XX000", 0, "internal error: unknown operator %d", (int)op->kind);
}

int sop_compile(const Op *plan, const SopCompileOpts *opts, ExecCtx *exec, SopGraph **out, SqlError *err)
{
    *out = NULL;
    Arena *a = arena_create(exec->arena, ARENA_UNLIMITED);
    SopGraph *g = arena_try_calloc(a, sizeof(*g));
    if (!g) {
        arena_destroy(&a);
        return sql_error_set(err, "53200", 0, "out of memory compiling the continuous query");
    }
    g->arena = a;
    SopCompiler cc = {.g = g, .opts = opts, .exec = exec, .err = err};
    Sop *root = NULL;
    if (!sop_plan_is_streaming(plan)) {
        sql_error_set(err, "0A000", 0, "a continuous query must read at least one table over a stream");
        sop_graph_destroy(&g);
        return WEIR_ERROR;
    }
    if (compile_node(&cc, plan, NULL, &root)) {
        sop_graph_destroy(&g);
        return WEIR_ERROR;
    }
    g->root = root;
    root->out = NULL;
    *out = g;
    return WEIR_OK;
}
