/*
 * sop_test.h: a fixture for the streaming-operator tests (test_sop_window.c, test_sop_agg.c): a SELECT
 * bound by the real engine over tables on a temp store, compiled into a graph by the real sop_compile
 * (or, for an aggregate alone, by sop_compile_agg over a stub input, so that it must accept
 * retractions), hand-made deltas pushed into the source, ticks with chosen watermarks, and the emitted
 * deltas collected as text lines "+1 a|b" (weight, then the row as psql -At prints it, NULL as nothing).
 * The same SELECT run in batch over the same rows (sf_append_json to the table's stream, then ef_run) is
 * the oracle; sf_consolidate sums emitted deltas into the view's rows to compare with it. Every helper
 * fails the test on an error it does not expect.
 */
#ifndef WEIR_TESTS_SOP_TEST_H
#define WEIR_TESTS_SOP_TEST_H

#include <inttypes.h>

#include "exec/engine_fixture.h"
#include "exec/op_test.h"
#include "exec/op.h"
#include "sql/typeio.h"
#include "stream/sop.h"

typedef struct SopFix {
    char dir[64];
    Store *st;
    SqlEngine *eng;
    SqlSession *s;
    SqlStmt *stmt;
    SqlPortal *p;
    Op *root;
    ExecCtx *ctx;
    SopGraph *g;
    Sop *src;                 /* where sf_push pushes */
    const SqlType *src_types; /* its columns: the table's, then the hidden ones */
    uint32_t src_cols, n_data;
    SqlError err;
    SopCompileOpts opts;
    Arena *scratch;
    int64_t wm, now;
    Buf out;  /* deltas since the last sf_take */
    Buf late; /* late rows, "row\n" */
    int n_payloads;
} SopFix;

/* One row of b as "a|b" (NULL as nothing) appended to o. */
static inline void sf_row_text(const SqlSession *s, const Batch *b, uint32_t r, Buf *o)
{
    for (uint32_t c = 0; c < b->n_cols; c++) {
        if (c)
            assert_int_equal(buf_append(o, "|", 1), 0);
        if (!vec_is_null(&b->cols[c], r))
            assert_int_equal(sql_format_text(s, &b->cols[c], r, o), 0);
    }
}

static inline int sf_sink(void *arg, SopCtx *c, const ZBatch *z)
{
    (void)c;
    SopFix *f = arg;
    for (uint32_t r = 0; r < z->b->n; r++) {
        assert_int_equal(buf_printf(&f->out, "%+" PRId64 " ", zbatch_weight(z, r)), 0);
        sf_row_text(f->s, z->b, r, &f->out);
        assert_int_equal(buf_append(&f->out, "\n", 1), 0);
    }
    return 0;
}

static inline int sf_late_sink(void *arg, SopCtx *c, const Sop *where, const Batch *b, const uint32_t *rows,
                               uint32_t n)
{
    (void)c, (void)where;
    SopFix *f = arg;
    for (uint32_t i = 0; i < n; i++) {
        sf_row_text(f->s, b, rows[i], &f->late);
        assert_int_equal(buf_append(&f->late, "\n", 1), 0);
    }
    return 0;
}

static inline void sf_open(SopFix *f, const char *name)
{
    memset(f, 0, sizeof(*f));
    f->st = ef_store_open(f->dir, sizeof(f->dir), name);
    SqlEngineConfig cfg = {.store = f->st};
    f->s = ef_session_open(&cfg, &f->eng);
    assert_string_equal(ef_run(f->s, "SET TimeZone = 'UTC'"), "");
    buf_init(&f->out, 0);
    buf_init(&f->late, 0);
    f->scratch = arena_create(NULL, ARENA_UNLIMITED);
    f->wm = SOP_WM_NONE;
    f->opts.late = sf_late_sink;
    f->opts.late_arg = f;
}

/* A table `name` over a new stream of the same name: columns as in CREATE TABLE, JSON records. */
static inline void sf_table(SopFix *f, const char *name, const char *cols)
{
    ef_stream_create(f->st, name, 1);
    char q[512];
    snprintf(q, sizeof(q), "CREATE TABLE %s (%s) WITH (stream = '%s', format = 'json')", name, cols, name);
    assert_string_equal(ef_run(f->s, q), "");
}

static inline void sf_drop_graph(SopFix *f)
{
    sop_graph_destroy(&f->g);
    sql_portal_destroy(&f->p);
    sql_stmt_destroy(&f->stmt);
    f->src = NULL;
}

static inline void sf_close(SopFix *f)
{
    sf_drop_graph(f);
    buf_fini(&f->out);
    buf_fini(&f->late);
    arena_destroy(&f->scratch);
    ef_session_close(&f->s, &f->eng);
    ef_store_close(&f->st, f->dir);
}

/* Bind q; returns its plan. */
static inline Op *sf_bind(SopFix *f, const char *q)
{
    sf_drop_graph(f);
    memset(&f->err, 0, sizeof(f->err));
    if (sql_prepare(f->s, q, 0, strlen(q), NULL, 0, &f->stmt, &f->err) || sql_bind(f->stmt, NULL, 0, &f->p, &f->err) ||
        sql_portal_plan(f->p, &f->root, &f->ctx, &f->err))
        fail_msg("%s: %s %s", q, f->err.sqlstate, f->err.message);
    return f->root;
}

static inline void sf_src_layout(SopFix *f, const Sop *src, uint32_t n_data)
{
    f->src_types = src->types;
    f->src_cols = src->n_cols;
    f->n_data = n_data;
}

/* Compile q with sop_compile. Returns the error's SQLSTATE text ("" on success). */
static inline const char *sf_compile(SopFix *f, const char *q, uint32_t n_data)
{
    sf_bind(f, q);
    if (sop_compile(f->root, &f->opts, f->ctx, &f->g, &f->err))
        return f->err.sqlstate;
    f->g->sink = sf_sink;
    f->g->sink_arg = f;
    assert_int_equal(f->g->n_sources, 1);
    f->src = f->g->leaf_op[0];
    sf_src_layout(f, f->src, n_data);
    return "";
}

/* The first OP_AGG of the plan, depth first. */
static inline Op *sf_find_agg(Op *op)
{
    if (!op)
        return NULL;
    if (op->kind == OP_AGG)
        return op;
    Op *a = sf_find_agg(op->child);
    return a ? a : sf_find_agg(op->right);
}

static inline int sf_pass_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    return sop_emit(s, c, in);
}
static const SopOps sf_pass_ops = {.name = "test input", .push = sf_pass_push};

/* Compile the first aggregate of q alone, with the window assignment right below it if there is one,
 * over a VALUES stub in place of the table's scan (so the aggregate cannot count on an append-only
 * input, and must take retractions), fed by sf_push, its output the sink. */
static inline const char *sf_compile_agg(SopFix *f, const char *q, uint32_t n_data)
{
    sf_bind(f, q);
    Op *agg = sf_find_agg(f->root);
    assert_non_null(agg);
    Op *wa = agg->child->kind == OP_WINASSIGN ? agg->child : NULL;
    Op *parent = wa ? wa : agg;
    Op *stub = arena_try_calloc(f->ctx->arena, sizeof(*stub));
    assert_non_null(stub);
    stub->kind = OP_VALUES;
    stub->n_cols = parent->child->n_cols;
    stub->types = parent->child->types;
    parent->child = stub;
    Arena *a = arena_create(f->ctx->arena, ARENA_UNLIMITED);
    f->g = arena_try_calloc(a, sizeof(*f->g));
    assert_non_null(f->g);
    f->g->arena = a;
    f->src = sop_new(f->g, &sf_pass_ops, 0, stub->types, stub->n_cols);
    assert_non_null(f->src);
    SopCompiler cc = {.g = f->g, .opts = &f->opts, .exec = f->ctx, .err = &f->err};
    Sop *in = f->src, *out;
    if (wa) {
        if (sop_compile_winassign(&cc, wa, f->src, &in))
            return f->err.sqlstate;
        f->src->out = in;
    }
    if (sop_compile_agg(&cc, agg, in, &out))
        return f->err.sqlstate;
    f->g->root = out;
    f->g->sink = sf_sink;
    f->g->sink_arg = f;
    sf_src_layout(f, f->src, n_data);
    return "";
}

/* The graph's operator called name (SopOps.name). */
static inline Sop *sf_find_sop(SopFix *f, const char *name)
{
    for (uint32_t i = 0; i < f->g->n_ops; i++)
        if (strcmp(f->g->ops[i]->ops->name, name) == 0)
            return f->g->ops[i];
    fail_msg("no operator %s", name);
    return NULL;
}

static inline SopCtx sf_ctx(SopFix *f)
{
    SopCtx c = {.exec = f->ctx, .scratch = f->scratch, .watermark = f->wm, .now_us = f->now, .err = &f->err};
    f->ctx->err = &f->err;
    return c;
}

/* Push rows (each "a|b|..." over the table's data columns, in order; "N" is NULL) with weight w. */
static inline void sf_push_rows(SopFix *f, int64_t w, const char *const *rows, uint32_t n)
{
    SopCtx c = sf_ctx(f);
    Batch *b = batch_create(f->scratch, f->src_types, f->src_cols);
    int64_t *wt = ARENA_NEW(f->scratch, int64_t, n + 1);
    assert_non_null(b);
    assert_non_null(wt);
    for (uint32_t col = f->n_data; col < f->src_cols; col++)
        assert_int_equal(vec_fill_null(&b->cols[col], f->scratch), 0);
    for (uint32_t r = 0; r < n; r++) {
        const char *p = rows[r];
        for (uint32_t col = 0; col < f->n_data; col++) {
            const char *e = strchr(p, '|');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            SqlValue v;
            memset(&v, 0, sizeof(v));
            v.type = f->src_types[col];
            if (len == 1 && p[0] == 'N') {
                v.is_null = 1;
            } else if (sql_value_from_text(f->src_types[col], p, len, f->ctx->fmt, f->scratch, &v, &f->err)) {
                fail_msg("value %.*s: %s", (int)len, p, f->err.message);
            }
            assert_int_equal(vec_put(&b->cols[col], r, &v, f->scratch), 0);
            p = e ? e + 1 : p + len;
        }
        wt[r] = w;
    }
    b->n = n;
    ZBatch z = {b, wt};
    if (sop_push(f->src, &c, 0, &z))
        fail_msg("push: %s %s", f->err.sqlstate, f->err.message);
}

static inline void sf_push(SopFix *f, int64_t w, const char *row)
{
    sf_push_rows(f, w, &row, 1);
}

/* End the tick at watermark wm (SOP_WM_NONE: none yet). */
static inline void sf_tick(SopFix *f, int64_t wm)
{
    if (wm != SOP_WM_NONE && (f->wm == SOP_WM_NONE || wm > f->wm))
        f->wm = wm;
    SopCtx c = sf_ctx(f);
    if (sop_graph_advance(f->g, &c))
        fail_msg("advance: %s %s", f->err.sqlstate, f->err.message);
    arena_reset(f->scratch);
}

/* A timestamptz from its text (UTC), for watermarks. */
static inline int64_t sf_ts(SopFix *f, const char *text)
{
    SqlValue v;
    if (sql_value_from_text(SQL_TYPE(SQL_TIMESTAMPTZ), text, strlen(text), f->ctx->fmt, f->scratch, &v, &f->err))
        fail_msg("%s: %s", text, f->err.message);
    return v.u.i;
}

/* The deltas emitted since the last call, in order (static buffer, valid until the next call). */
static inline const char *sf_take(SopFix *f)
{
    static char res[1 << 16];
    snprintf(res, sizeof(res), "%.*s", (int)f->out.len, f->out.p ? (const char *)f->out.p : "");
    buf_reset(&f->out);
    return res;
}

/* Append payloads[0..n) (JSON records) to stream. */
static const char *const *sf_payloads;
static inline const char *sf_payload(int i, char *buf, size_t cap)
{
    (void)buf, (void)cap;
    return sf_payloads[i];
}
static inline void sf_append_json(SopFix *f, const char *stream, const char *const *payloads, int n)
{
    if (n == 0)
        return;
    sf_payloads = payloads;
    ef_append(f->st, stream, 0, n, "k", sf_payload);
}

/* Lines of text (each ending in '\n') split in place into lines[] (at most cap): returns the count. */
static inline size_t sf_lines(char *text, char **lines, size_t cap)
{
    size_t n = 0;
    for (char *p = text; *p;) {
        char *e = strchr(p, '\n');
        assert_non_null(e);
        *e = 0;
        assert_true(n < cap);
        lines[n++] = p;
        p = e + 1;
    }
    return n;
}

/* Rows text ("a|b\n" lines) sorted. Caller frees. */
static inline char *sf_sorted(const char *text)
{
    char *copy = strdup(text);
    char **lines = malloc(sizeof(char *) * (strlen(text) + 1));
    assert_true(copy && lines);
    size_t n = sf_lines(copy, lines, strlen(text) + 1);
    OptRows rows = {0};
    for (size_t i = 0; i < n; i++)
        opt_rows_add(&rows, lines[i]);
    char *res = opt_rows_text(&rows);
    opt_rows_free(&rows);
    free(copy);
    free(lines);
    return res;
}

typedef struct SfDelta {
    const char *row;
    long long w;
} SfDelta;

static inline int sf_cmp_delta(const void *a, const void *b)
{
    return strcmp(((const SfDelta *)a)->row, ((const SfDelta *)b)->row);
}

/* Deltas text ("+1 row\n" lines) summed: the rows whose weights add up to k > 0, each k times, sorted;
 * a row whose weights add up below zero fails the test. Caller frees. */
static inline char *sf_consolidate(const char *deltas)
{
    size_t cap = strlen(deltas) + 1;
    char *copy = strdup(deltas);
    char **lines = malloc(sizeof(char *) * cap);
    SfDelta *d = malloc(sizeof(SfDelta) * cap);
    assert_true(copy && lines && d);
    size_t n = sf_lines(copy, lines, cap);
    for (size_t i = 0; i < n; i++) {
        char *sp = strchr(lines[i], ' ');
        assert_non_null(sp);
        *sp = 0;
        d[i] = (SfDelta){sp + 1, atoll(lines[i])};
    }
    qsort(d, n, sizeof(SfDelta), sf_cmp_delta);
    Buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        long long w = 0;
        while (j < n && strcmp(d[j].row, d[i].row) == 0)
            w += d[j++].w;
        if (w < 0)
            fail_msg("row %s has weight %lld", d[i].row, w);
        for (long long k = 0; k < w; k++)
            assert_int_equal(buf_printf(&out, "%s\n", d[i].row), 0);
        i = j;
    }
    assert_int_equal(buf_append(&out, "", 1), 0);
    char *res = strdup((const char *)out.p);
    buf_fini(&out);
    free(copy);
    free(lines);
    free(d);
    return res;
}

/* A checkpoint: every state table of the graph written into dir as checkpoint ckpt_no; the files a
 * restore needs per table, in graph order (caller frees with sf_ckpt_free). */
typedef struct SfCkpt {
    char **paths; /* per table: its chain, '\n'-joined */
    uint32_t n_tables;
} SfCkpt;

static inline void sf_checkpoint(SopFix *f, const char *dir, uint64_t ckpt_no, SfCkpt *out)
{
    memset(out, 0, sizeof(*out));
    out->paths = calloc(f->g->n_ops * SOP_MAX_STATE + 1, sizeof(char *));
    assert_non_null(out->paths);
    for (uint32_t i = 0; i < f->g->n_ops; i++)
        for (uint32_t j = 0; j < f->g->ops[i]->n_state; j++) {
            StateCkptResult res;
            Err e;
            err_clear(&e);
            if (state_checkpoint_write(f->g->ops[i]->state[j], dir, ckpt_no, STATE_CKPT_AUTO, &res, &e))
                fail_msg("checkpoint: %s", e.msg);
            state_ckpt_result_fini(&res);
            size_t n;
            const char *const *chain = state_checkpoint_chain(f->g->ops[i]->state[j], &n);
            Buf b;
            buf_init(&b, 0);
            for (size_t k = 0; k < n; k++)
                assert_int_equal(buf_printf(&b, "%s\n", chain[k]), 0);
            assert_int_equal(buf_append(&b, "", 1), 0);
            out->paths[out->n_tables++] = strdup((const char *)b.p);
            buf_fini(&b);
        }
}

/* Restore the graph just compiled (the same plan) from ck, then run every restored hook. */
static inline void sf_restore(SopFix *f, const SfCkpt *ck)
{
    uint32_t t = 0;
    for (uint32_t i = 0; i < f->g->n_ops; i++)
        for (uint32_t j = 0; j < f->g->ops[i]->n_state; j++) {
            assert_true(t < ck->n_tables);
            char *copy = strdup(ck->paths[t++]);
            char *lines[64];
            size_t n = sf_lines(copy, lines, 64);
            Err e;
            err_clear(&e);
            if (state_restore(f->g->ops[i]->state[j], (const char *const *)lines, n, &e))
                fail_msg("restore: %s", e.msg);
            free(copy);
        }
    assert_int_equal(t, ck->n_tables);
    SopCtx c = sf_ctx(f);
    for (uint32_t i = 0; i < f->g->n_ops; i++) {
        Sop *s = f->g->ops[i];
        if (s->ops->restored && s->ops->restored(s, &c))
            fail_msg("restored: %s", f->err.message);
    }
}

static inline void sf_ckpt_free(SfCkpt *ck)
{
    for (uint32_t i = 0; i < ck->n_tables; i++)
        free(ck->paths[i]);
    free(ck->paths);
    memset(ck, 0, sizeof(*ck));
}

/* Every delta emitted since the last take (caller frees). */
static inline char *sf_take_all(SopFix *f)
{
    char *r = malloc(f->out.len + 1);
    assert_non_null(r);
    if (f->out.len)
        memcpy(r, f->out.p, f->out.len);
    r[f->out.len] = 0;
    buf_reset(&f->out);
    return r;
}

static inline const char *sf_take_late(SopFix *f)
{
    static char res[1 << 14];
    snprintf(res, sizeof(res), "%.*s", (int)f->late.len, f->late.p ? (const char *)f->late.p : "");
    buf_reset(&f->late);
    return res;
}

#endif
