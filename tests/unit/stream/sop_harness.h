/*
 * sop_harness.h: what the streaming-operator unit tests (test_sop_join.c, test_sop_rank.c) share
 * (header-only, static inline): an engine over a temp store with the tables a test declares, a SELECT
 * bound to its plan (sql_portal_plan) and compiled into a graph (sop_compile), hand-made input deltas
 * pushed into the graph's sources, watermark advances, the output collected as text lines, a checkpoint
 * round trip of every registered state table into a fresh graph, and the same SELECT run in batch over
 * the same rows, as the oracle.
 *
 * Rows are written as "col=value;col=value" (unnamed columns NULL; a timestamp given as a bare integer
 * is that many seconds after 2000-01-01 UTC, otherwise any PostgreSQL input form). Output lines are
 * "+1 a|b|c" (weight, then the columns as psql -At prints them), one per emitted row, in emission order.
 * hs_consolidate sums the weights of equal rows and drops zeros, giving "a|b|c x2" lines sorted, the
 * view's content; hs_batch gives the same form for the batch answer.
 *
 * Every helper fails the current test (cmocka assert) when something it relies on fails. The caller
 * opens with hs_open and closes with hs_close; one Hs per test.
 */
#ifndef WEIR_TESTS_SOP_HARNESS_H
#define WEIR_TESTS_SOP_HARNESS_H

#include <sys/stat.h>

#include "../exec/engine_fixture.h"
#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/expr.h"
#include "exec/op.h"
#include "sql/tabledef.h"
#include "sql/typeio.h"
#include "stream/sop.h"

#define HS_SEC 1000000LL

typedef struct Hs Hs;
struct Hs {
    char dir[112];
    char ckdir[160];
    Store *store;
    SqlEngine *eng;
    SqlSession *s;
    SqlStmt *st;
    SqlPortal *p;
    Op *plan;
    ExecCtx *ex;
    SopCompileOpts opts;
    SopGraph *g;
    Arena *scratch;
    SopCtx c;
    Buf out;      /* emitted rows, "+1 a|b\n" */
    uint64_t late;
    Buf late_rows; /* rows handed to the late sink, "a|b\n" */
    uint64_t ckpt_no;
    SqlError err;
    int (*compile)(Hs *h, const char *q, const SopCompileOpts *opts); /* how it was compiled */
};

static int hs_sink(void *arg, SopCtx *c, const ZBatch *z)
{
    (void)c;
    Hs *h = arg;
    for (uint32_t r = 0; r < z->b->n; r++) {
        if (buf_printf(&h->out, "%+lld ", (long long)zbatch_weight(z, r)))
            return WEIR_ERROR;
        for (uint32_t k = 0; k < z->b->n_cols; k++) {
            if (k && buf_append(&h->out, "|", 1))
                return WEIR_ERROR;
            if (!vec_is_null(&z->b->cols[k], r) && sql_format_text(h->s, &z->b->cols[k], r, &h->out))
                return WEIR_ERROR;
        }
        if (buf_append(&h->out, "\n", 1))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static int hs_late(void *arg, SopCtx *c, const Sop *where, const Batch *b, const uint32_t *rows, uint32_t n)
{
    (void)c;
    (void)where;
    Hs *h = arg;
    h->late += n;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < b->n_cols; k++) {
            if (k && buf_append(&h->late_rows, "|", 1))
                return WEIR_ERROR;
            if (!vec_is_null(&b->cols[k], rows[i]) && sql_format_text(h->s, &b->cols[k], rows[i], &h->late_rows))
                return WEIR_ERROR;
        }
        if (buf_append(&h->late_rows, "\n", 1))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* An engine over a new temp store, with the statements of ddl (separated by ';' at line ends) run. */
static inline void hs_open(Hs *h, const char *name, const char *const *ddl, size_t n_ddl)
{
    memset(h, 0, sizeof(*h));
    h->store = ef_store_open(h->dir, sizeof(h->dir), name);
    SqlEngineConfig cfg = {.store = h->store};
    h->s = ef_session_open(&cfg, &h->eng);
    for (size_t i = 0; i < n_ddl; i++) {
        const char *r = ef_run(h->s, ddl[i]);
        if (strncmp(r, "ERROR", 5) == 0)
            print_error("%s: %s\n", ddl[i], r);
        assert_false(strncmp(r, "ERROR", 5) == 0);
    }
    snprintf(h->ckdir, sizeof(h->ckdir), "%s/ckpt", h->dir);
    assert_int_equal(mkdir(h->ckdir, 0700), 0);
    buf_init(&h->out, 0);
    buf_init(&h->late_rows, 0);
    h->scratch = arena_create(NULL, ARENA_UNLIMITED);
    h->c.watermark = SOP_WM_NONE;
    h->c.now_us = 1000 * HS_SEC;
}

/* Before compiling: q bound to its plan (once per Hs: a restart compiles the same plan again), and the
 * compile options with the late sink. */
static inline void hs_bind(Hs *h, const char *q, const SopCompileOpts *opts)
{
    memset(&h->err, 0, sizeof(h->err));
    if (!h->p) {
        assert_int_equal(sql_prepare(h->s, q, 0, strlen(q), NULL, 0, &h->st, &h->err), 0);
        assert_int_equal(sql_bind(h->st, NULL, 0, &h->p, &h->err), 0);
        assert_int_equal(sql_portal_plan(h->p, &h->plan, &h->ex, &h->err), 0);
    }
    h->opts = opts ? *opts : (SopCompileOpts){0};
    h->opts.late = hs_late;
    h->opts.late_arg = h;
}

/* After compiling: the graph's output into h, ticks in h's context. */
static inline void hs_attach(Hs *h)
{
    h->g->sink = hs_sink;
    h->g->sink_arg = h;
    h->c.exec = h->ex;
    h->c.err = h->ex->err;
    h->c.scratch = h->scratch;
}

/* Bind q and compile it with opts into h->g. Returns 0, or -1 with h->err (the graph is then NULL). */
static inline int hs_try_compile(Hs *h, const char *q, const SopCompileOpts *opts)
{
    h->compile = hs_try_compile;
    hs_bind(h, q, opts);
    if (sop_compile(h->plan, &h->opts, h->ex, &h->g, &h->err))
        return -1;
    hs_attach(h);
    return 0;
}

static inline void hs_compile(Hs *h, const char *q, const SopCompileOpts *opts)
{
    if (hs_try_compile(h, q, opts))
        print_error("compile: %s %s\n", h->err.sqlstate, h->err.message);
    assert_non_null(h->g);
}

static inline void hs_close(Hs *h)
{
    sop_graph_destroy(&h->g);
    sql_portal_destroy(&h->p);
    sql_stmt_destroy(&h->st);
    arena_destroy(&h->scratch);
    buf_fini(&h->out);
    buf_fini(&h->late_rows);
    ef_session_close(&h->s, &h->eng);
    ef_store_close(&h->store, h->dir);
}

/* The source reading table `table`. */
static inline uint32_t hs_source(Hs *h, const char *table)
{
    for (uint32_t i = 0; i < h->g->n_sources; i++)
        if (strcmp(h->g->source_scan[i]->table->def->name, table) == 0)
            return i;
    fail_msg("no source reads %s", table);
    return 0;
}

/* The operator called name (SopOps.name) in the graph, or NULL. */
static inline Sop *hs_op(Hs *h, const char *name)
{
    for (uint32_t i = 0; i < h->g->n_ops; i++)
        if (strcmp(h->g->ops[i]->ops->name, name) == 0)
            return h->g->ops[i];
    return NULL;
}

/* The entries of every state table of op. */
static inline uint64_t hs_state_entries(const Sop *op)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < op->n_state; k++) {
        StateStats st;
        state_stats(op->state[k], &st);
        n += st.n_entries;
    }
    return n;
}

/* The OP_SCAN of source i in the plan. */
static inline const Op *hs_scan_op(const Op *op, const ScanSpec *ss)
{
    if (!op)
        return NULL;
    if (op->kind == OP_SCAN && op->spec == ss)
        return op;
    const Op *r = hs_scan_op(op->child, ss);
    return r ? r : hs_scan_op(op->right, ss);
}

/* A batch of table's scan layout from rows[0..n) ("col=value;..."), in the scratch arena. */
static inline Batch *hs_batch(Hs *h, const char *table, const char *const *rows, uint32_t n)
{
    uint32_t src = hs_source(h, table);
    const ScanSpec *ss = h->g->source_scan[src];
    const Op *scan = hs_scan_op(h->plan, ss);
    assert_non_null(scan);
    const TableDef *d = ss->table->def;
    Batch *b = batch_create(h->scratch, scan->types, scan->n_cols);
    assert_non_null(b);
    b->n = n;
    for (uint32_t k = 0; k < scan->n_cols; k++)
        for (uint32_t i = 0; i < n; i++)
            assert_int_equal(vec_set_null(&b->cols[k], i, h->scratch), 0);
    for (uint32_t i = 0; i < n; i++) {
        const char *p = rows[i];
        while (*p) {
            const char *eq = strchr(p, '=');
            assert_non_null(eq);
            const char *end = strchr(eq, ';');
            if (!end)
                end = eq + strlen(eq);
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(eq - p), p);
            int col = tabledef_column_find(d, name);
            if (col < 0)
                fail_msg("no column %s in %s", name, table);
            SqlType t = scan->types[col];
            const char *v = eq + 1;
            size_t vn = (size_t)(end - v);
            SqlValue val;
            memset(&val, 0, sizeof(val));
            val.type = t;
            int digits = vn > 0;
            for (size_t q = 0; q < vn; q++)
                digits &= (v[q] >= '0' && v[q] <= '9') || (q == 0 && v[q] == '-');
            if ((t.id == SQL_TIMESTAMPTZ || t.id == SQL_TIMESTAMP) && digits) {
                val.u.i = strtoll(v, NULL, 10) * HS_SEC;
            } else if (vn == 4 && memcmp(v, "NULL", 4) == 0) {
                val.is_null = 1;
            } else {
                SqlError e;
                memset(&e, 0, sizeof(e));
                assert_int_equal(sql_value_from_text(t, v, vn, h->ex->fmt, h->scratch, &val, &e), 0);
            }
            assert_int_equal(vec_put(&b->cols[col], i, &val, h->scratch), 0);
            p = *end ? end + 1 : end;
        }
    }
    return b;
}

/* Push rows into every source reading table, with weight w each; a source hands out only the rows its
 * scan's pushed-down filter (ScanSpec.filter) keeps, as stream/source.c does. */
static inline int hs_try_push(Hs *h, const char *table, int64_t w, const char *const *rows, uint32_t n)
{
    for (uint32_t src = 0; src < h->g->n_sources; src++) {
        const ScanSpec *ss = h->g->source_scan[src];
        if (strcmp(ss->table->def->name, table) != 0)
            continue;
        Batch *b = hs_batch(h, table, rows, n);
        if (ss->filter) {
            uint32_t *sel = ARENA_NEW(h->scratch, uint32_t, VEC_BATCH), n_sel = 0;
            ExprCtx ec;
            exec_expr_ctx(h->ex, h->scratch, &ec);
            assert_non_null(sel);
            assert_int_equal(expr_filter(&ec, ss->filter, b, sel, &n_sel), 0);
            b = batch_gather(b, sel, n_sel, h->scratch);
            assert_non_null(b);
        }
        int64_t *ws = ARENA_NEW(h->scratch, int64_t, n);
        assert_non_null(ws);
        for (uint32_t i = 0; i < n; i++)
            ws[i] = w;
        ZBatch z = {b, ws};
        if (sop_push(h->g->leaf_op[src], &h->c, h->g->leaf_port[src], &z))
            return -1;
    }
    return 0;
}

static inline void hs_push(Hs *h, const char *table, int64_t w, const char *const *rows, uint32_t n)
{
    int rc = hs_try_push(h, table, w, rows, n);
    if (rc)
        print_error("push: %s %s\n", h->c.err->sqlstate, h->c.err->message);
    assert_int_equal(rc, 0);
}

#define HS_PUSH(h, table, w, ...)                                                                            \
    do {                                                                                                     \
        const char *hs_rows_[] = {__VA_ARGS__};                                                              \
        hs_push((h), (table), (w), hs_rows_, sizeof(hs_rows_) / sizeof(hs_rows_[0]));                        \
    } while (0)

/* End a tick with the watermark at wm_sec seconds (INT64_MAX: +infinity), then reset the scratch. */
static inline void hs_advance(Hs *h, int64_t wm_sec)
{
    int64_t wm = wm_sec == INT64_MAX ? INT64_MAX : wm_sec * HS_SEC;
    if (h->c.watermark == SOP_WM_NONE || wm > h->c.watermark)
        h->c.watermark = wm;
    int rc = sop_graph_advance(h->g, &h->c);
    if (rc)
        print_error("advance: %s %s\n", h->c.err->sqlstate, h->c.err->message);
    assert_int_equal(rc, 0);
    arena_reset(h->scratch);
}

/* The output since the last call (emission order), as a C string the next call replaces. */
static inline const char *hs_take(Hs *h)
{
    static char res[1 << 16];
    snprintf(res, sizeof(res), "%.*s", (int)h->out.len, h->out.p ? (const char *)h->out.p : "");
    buf_reset(&h->out);
    return res;
}

static int hs_line_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Lines of text sorted, into a malloc'd array of n pointers into the (modified) text. */
static inline char **hs_lines(char *text, size_t *n)
{
    size_t cap = 16, k = 0;
    char **v = malloc(cap * sizeof(*v));
    assert_non_null(v);
    for (char *p = text; *p;) {
        char *e = strchr(p, '\n');
        if (e)
            *e = 0;
        if (k == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof(*v));
            assert_non_null(v);
        }
        v[k++] = p;
        if (!e)
            break;
        p = e + 1;
    }
    qsort(v, k, sizeof(*v), hs_line_cmp);
    *n = k;
    return v;
}

/* Sum the weights of equal rows of emitted lines ("+1 row"): "row" repeated weight times, sorted (a
 * negative total shows as "row x-1"). Caller frees. */
static inline char *hs_consolidate(const char *emitted)
{
    char *t = strdup(emitted);
    size_t n;
    char **v = hs_lines(t, &n);
    /* sort by row text (after the weight) */
    for (size_t i = 0; i < n; i++) {
        char *sp = strchr(v[i], ' ');
        assert_non_null(sp);
        *sp = 0;
    }
    const char **rows = malloc((n + 1) * sizeof(*rows));
    long long *ws = malloc((n + 1) * sizeof(*ws));
    assert_true(rows && ws);
    for (size_t i = 0; i < n; i++) {
        rows[i] = v[i] + strlen(v[i]) + 1;
        ws[i] = atoll(v[i]);
    }
    /* insertion sort by row, small inputs */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(rows[j - 1], rows[j]) > 0; j--) {
            const char *tr = rows[j];
            rows[j] = rows[j - 1];
            rows[j - 1] = tr;
            long long tw = ws[j];
            ws[j] = ws[j - 1];
            ws[j - 1] = tw;
        }
    Buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        long long sum = 0;
        while (j < n && strcmp(rows[j], rows[i]) == 0)
            sum += ws[j++];
        if (sum < 0)
            assert_int_equal(buf_printf(&b, "%s x%lld\n", rows[i], sum), 0);
        for (long long k = 0; k < sum; k++)
            assert_int_equal(buf_printf(&b, "%s\n", rows[i]), 0);
        i = j;
    }
    assert_int_equal(buf_append(&b, "", 1), 0);
    free(rows);
    free(ws);
    free(v);
    free(t);
    size_t len;
    return (char *)buf_steal(&b, &len);
}

/* Sorted lines of a batch answer (ef_run's "a|b\n" form). Caller frees. */
static inline char *hs_sorted(const char *text)
{
    char *t = strdup(text);
    size_t n;
    char **v = hs_lines(t, &n);
    Buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        if (*v[i])
            assert_int_equal(buf_printf(&b, "%s\n", v[i]), 0);
    assert_int_equal(buf_append(&b, "", 1), 0);
    free(v);
    free(t);
    size_t len;
    return (char *)buf_steal(&b, &len);
}

/* --- top N plans --------------------------------------------------------------------------------
 *
 * The binder puts a subquery's PROJECT between row_number()'s FILTER and its OP_WINDOW, which the compile
 * driver (sop.c) does not look through yet: hs_compile_rank compiles such a plan (PROJECTs, then the
 * FILTER over PROJECTs over the window) the way the driver is to: the window's input through
 * sop_compile, then sop_compile_rank with the FILTER, then the plain PROJECTs above it. */

/* The plain PROJECT the select list above the FILTER is (a test-local copy of the driver's). */
static inline int tproj_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    const Op *op = s->impl;
    Batch *b = arena_try_calloc(c->scratch, sizeof(*b));
    assert_non_null(b);
    assert_non_null(b->cols = ARENA_NEW(c->scratch, Vec, op->n_cols));
    b->n = in->b->n;
    b->n_cols = op->n_cols;
    ExprCtx ec;
    exec_expr_ctx(c->exec, c->scratch, &ec);
    for (uint32_t k = 0; k < op->n_cols; k++)
        if (expr_eval(&ec, op->exprs[k], in->b, in->b->n, &b->cols[k]))
            return WEIR_ERROR;
    ZBatch z = {b, in->w};
    return sop_emit(s, c, &z);
}

static const SopOps tproj_ops = {.name = "test project", .push = tproj_push};

/* Compile q: PROJECTs, then a FILTER over (PROJECTs over) an OP_WINDOW. Returns 0, or -1 with h->err. */
static inline int hs_try_compile_rank(Hs *h, const char *q, const SopCompileOpts *opts)
{
    h->compile = hs_try_compile_rank;
    hs_bind(h, q, opts);
    const Op *above[8];
    uint32_t n_above = 0;
    const Op *f = h->plan;
    while (f->kind == OP_PROJECT) {
        assert_true(n_above < 8);
        above[n_above++] = f;
        f = f->child;
    }
    assert_int_equal(f->kind, OP_FILTER);
    const Op *w = f->child;
    while (w->kind == OP_PROJECT)
        w = w->child;
    assert_int_equal(w->kind, OP_WINDOW);
    if (sop_compile(w->child, &h->opts, h->ex, &h->g, &h->err))
        return -1;
    SopCompiler cc = {.g = h->g, .opts = &h->opts, .exec = h->ex, .err = &h->err};
    Sop *out;
    int used = 0;
    if (sop_compile_rank(&cc, w, f, h->g->root, &out, &used)) {
        sop_graph_destroy(&h->g);
        return -1;
    }
    if (!used) {
        sop_graph_destroy(&h->g);
        sql_error_set(&h->err, "0A000", 0, "not a top N");
        return -1;
    }
    for (uint32_t i = n_above; i-- > 0;) {
        Sop *p = sop_new(h->g, &tproj_ops, 0, above[i]->types, above[i]->n_cols);
        assert_non_null(p);
        p->impl = (void *)above[i];
        out->out = p;
        out->out_port = 0;
        out = p;
    }
    h->g->root = out;
    out->out = NULL;
    hs_attach(h);
    return 0;
}

static inline void hs_compile_rank(Hs *h, const char *q, const SopCompileOpts *opts)
{
    if (hs_try_compile_rank(h, q, opts))
        print_error("compile: %s %s\n", h->err.sqlstate, h->err.message);
    assert_non_null(h->g);
}

/* Checkpoint every state table of the graph, compile the query again into a fresh graph and restore
 * the tables into it (the restart of a view after a crash), then run the `restored` hooks. */
static inline void hs_restart(Hs *h)
{
    SopGraph *old = h->g;
    h->ckpt_no++;
    char **chains[64];
    size_t n_chain[64];
    uint32_t n_tables = 0;
    for (uint32_t i = 0; i < old->n_ops; i++)
        for (uint32_t k = 0; k < old->ops[i]->n_state; k++) {
            StateCkptResult res;
            memset(&res, 0, sizeof(res));
            Err e;
            err_clear(&e);
            int rc = state_checkpoint_write(old->ops[i]->state[k], h->ckdir, h->ckpt_no, STATE_CKPT_AUTO, &res, &e);
            if (rc)
                print_error("checkpoint: %s\n", e.msg);
            assert_int_equal(rc, 0);
            state_ckpt_result_fini(&res);
            size_t nc;
            const char *const *chain = state_checkpoint_chain(old->ops[i]->state[k], &nc);
            assert_true(n_tables < 64);
            chains[n_tables] = calloc(nc + 1, sizeof(char *));
            for (size_t q = 0; q < nc; q++)
                chains[n_tables][q] = strdup(chain[q]);
            n_chain[n_tables++] = nc;
        }
    int64_t wm = h->c.watermark;
    h->g = NULL;
    sop_graph_destroy(&old);
    assert_int_equal(h->compile(h, NULL, &h->opts), 0);
    uint32_t t = 0;
    for (uint32_t i = 0; i < h->g->n_ops; i++)
        for (uint32_t k = 0; k < h->g->ops[i]->n_state; k++) {
            assert_true(t < n_tables);
            Err e;
            err_clear(&e);
            int rc = state_restore(h->g->ops[i]->state[k], (const char *const *)chains[t], n_chain[t], &e);
            if (rc)
                print_error("restore: %s\n", e.msg);
            assert_int_equal(rc, 0);
            for (size_t q = 0; q < n_chain[t]; q++)
                free(chains[t][q]);
            free(chains[t]);
            t++;
        }
    assert_int_equal(t, n_tables);
    h->c.watermark = wm;
    for (uint32_t i = 0; i < h->g->n_ops; i++)
        if (h->g->ops[i]->ops->restored)
            assert_int_equal(h->g->ops[i]->ops->restored(h->g->ops[i], &h->c), 0);
}

/* --- the batch oracle --------------------------------------------------------------------------- */

/* Append one JSON record per row ("col=value;..." rows, as hs_batch reads them) to table's stream:
 * numbers as JSON numbers, timestamps given as seconds in PostgreSQL's text form, the rest as strings. */
static inline void hs_store_rows(Hs *h, const char *table, const char *const *rows, uint32_t n)
{
    CatalogTable *ct = sql_catalog_get(h->eng->catalog, table);
    assert_non_null(ct);
    const TableDef *d = ct->def;
    SqlFormatOpts fo;
    sql_format_opts_default(&fo);
    StoreAppendEntry *ents = calloc(n ? n : 1, sizeof(*ents));
    StoreAppendResult *res = calloc(n ? n : 1, sizeof(*res));
    char **bufs = calloc(n ? n : 1, sizeof(char *));
    assert_true(ents && res && bufs);
    for (uint32_t i = 0; i < n; i++) {
        Buf b;
        buf_init(&b, 0);
        assert_int_equal(buf_append(&b, "{", 1), 0);
        const char *p = rows[i];
        int first = 1;
        while (*p) {
            const char *eq = strchr(p, '=');
            const char *end = strchr(eq, ';');
            if (!end)
                end = eq + strlen(eq);
            const char *v = eq + 1;
            size_t vn = (size_t)(end - v);
            int digits = vn > 0;
            for (size_t k = 0; k < vn; k++)
                digits &= (v[k] >= '0' && v[k] <= '9') || (k == 0 && v[k] == '-');
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(eq - p), p);
            int col = tabledef_column_find(d, name);
            assert_true(col >= 0);
            int is_time = d->cols[col].type.id == SQL_TIMESTAMPTZ || d->cols[col].type.id == SQL_TIMESTAMP;
            assert_int_equal(buf_printf(&b, "%s\"%.*s\":", first ? "" : ",", (int)(eq - p), p), 0);
            if (vn == 4 && memcmp(v, "NULL", 4) == 0)
                assert_int_equal(buf_append_cstr(&b, "null"), 0);
            else if (digits && is_time) {
                SqlValue tv = {.type = SQL_TYPE(SQL_TIMESTAMPTZ), .u.i = strtoll(v, NULL, 10) * HS_SEC};
                assert_int_equal(buf_append(&b, "\"", 1), 0);
                assert_int_equal(sql_value_to_text(&tv, &fo, &b), 0);
                assert_int_equal(buf_append(&b, "\"", 1), 0);
            } else if (digits)
                assert_int_equal(buf_printf(&b, "%.*s", (int)vn, v), 0);
            else
                assert_int_equal(buf_printf(&b, "\"%.*s\"", (int)vn, v), 0);
            first = 0;
            p = *end ? end + 1 : end;
        }
        assert_int_equal(buf_append(&b, "}", 2), 0);
        bufs[i] = (char *)b.p;
        ents[i].key = slice_from_cstr("k");
        ents[i].data = (Slice){b.p, b.len - 1};
        ents[i].hash = u128_md5_hash_key("k", 1);
    }
    int64_t at;
    uint64_t tok;
    Err e;
    err_clear(&e);
    for (uint32_t done = 0; done < n;) {
        uint32_t m = n - done > 500 ? 500 : n - done;
        int rc = store_append(h->store, table, ents + done, m, res + done, &at, &tok, &e);
        if (rc)
            print_error("store_append: %s\n", e.msg);
        assert_int_equal(rc, 0);
        done += m;
    }
    for (uint32_t i = 0; i < n; i++)
        free(bufs[i]);
    free(bufs);
    free(ents);
    free(res);
    sql_catalog_unref(h->eng->catalog, ct);
}

/* What the graph emitted so far, summed, equals q run in batch (after the caller stored the same rows
 * with hs_store_rows); fails the test with both answers otherwise. HS_VERBOSE in the environment prints
 * how many rows each comparison had. */
static inline void hs_expect_batch(Hs *h, const char *q)
{
    char *got = hs_consolidate(hs_take(h));
    char *want = hs_sorted(ef_run(h->s, q));
    if (strcmp(got, want) != 0)
        print_error("query: %s\nstreaming:\n%s\nbatch:\n%s\n", q, got, want);
    assert_string_equal(got, want);
    if (getenv("HS_VERBOSE")) {
        size_t nl = 0;
        for (const char *p = want; *p; p++)
            nl += *p == '\n';
        print_message("%zu rows: %s\n", nl, q);
    }
    free(got);
    free(want);
}

#endif
