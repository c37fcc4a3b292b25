/*
 * sop_rank.c: top N per partition, deduplication and DISTINCT ON in a continuous query: OP_WINDOW computing
 * row_number() OVER (PARTITION BY p ORDER BY o) under a FILTER that keeps rn <= N (rn < N + 1, rn = 1),
 * and OP_UNIQUE (DISTINCT ON (p) ... ORDER BY p, o: the first row of each p, N = 1, no rn column).
 *
 * The rows of every partition are kept in one ordered state table, keyed
 *     P | O | R        P: KEY encoding of the partition values, O: the ORDER BY values encoded with their
 *                      directions (so key order is rank order), R: EXACT encoding of the whole row
 * valued RankVal {weight, touched, length of P}; the first N rows of a partition are a walk of the prefix
 * P. Three modes, chosen at compile:
 *
 *   window close   the partition includes window_end (sop_plan_col_kind): P starts with window_end, so a
 *                  walk up to the watermark (sop_window_is_closed) visits exactly the closed windows'
 *                  partitions, in order; each one's first N rows are emitted with their rn, once, and the
 *                  window's rows dropped. Append-only output. Rows of a window closed at an earlier
 *                  advance are late.
 *   update         otherwise (or with emit = 'on_update'): after each pushed batch, every partition it
 *                  touched emits the difference between its first N rows before and after (a row that
 *                  moved from rank 2 to 3 is retracted as (row, 2) and inserted as (row, 3)). Without a
 *                  window the partitions never close, so the view must have a state_ttl (refused at
 *                  compile otherwise); a partition whose rows were all written longer ago than that is
 *                  retracted and dropped. Windowed, closed windows are dropped.
 *   first          deduplication keeping the first row by event time (N = 1, ORDER BY the event-time
 *                  column ascending, no window, not on_update, an input without retractions): a partition's
 *                  best row is final once the watermark passes its time (every row still to come is
 *                  later), so it is emitted then, once, and later rows of that key are dropped: an
 *                  append-only output equal to the batch answer. State: `best` (P -> time, touched,
 *                  emitted, R) and `pending` (T | P, ordered by time) of the rows not emitted yet. Needs
 *                  state_ttl for the emitted keys, like update.
 *
 * When the input never retracts (sop_plan_append_only) a partition only keeps its first N rows: the walk
 * that computes them deletes the rest. With retractions every row is kept, since a retracted row in the
 * first N lets the next one in.
 *
 * The FILTER may sit above PROJECTs of the window's output (a subquery's select list) and hold other
 * conjuncts; then a second, stateless operator ("rank output") evaluates the projections and the whole
 * predicate over the ranked rows, so what sop_compile_rank returns has the FILTER's output columns.
 *
 * Determinism: a push processes partitions in key order; an advance emits in key order.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/expr.h"
#include "exec/window.h"
#include "stream/sop.h"

#define RANK_MAX_N 100000

typedef enum RankMode { RM_CLOSE, RM_UPDATE, RM_FIRST } RankMode;

typedef struct RankVal {
    int64_t w;
    int64_t touched;
    uint32_t plen;
    uint32_t pad;
} RankVal;

/* `best` of the first mode: this header, then R. */
typedef struct FirstVal {
    int64_t t;
    int64_t touched;
    int64_t emitted;
} FirstVal;

typedef struct RankImpl {
    RankMode mode;
    SopCompileOpts opts;
    uint32_t n;           /* keep the first n rows */
    int has_rn;           /* OP_WINDOW: the output has the rn column after the input's */
    int windowed;         /* window_end is the first partition column */
    int prune;            /* the input never retracts: keep only the first n rows of a partition */
    uint32_t n_in;
    RowCodecCol *row_cols; /* EXACT codec of an input row */
    uint32_t *all_idx;
    Expr **part;          /* partition values over the input row (window_end first when windowed) */
    RowCodecCol *part_cols;
    uint32_t n_part;
    Expr **order;         /* ORDER BY values */
    RowCodecCol *order_cols;
    uint32_t n_order;
    uint32_t *key_idx;    /* 0 .. max(n_part, n_order) */
    StateTable *rows;     /* P | O | R -> RankVal (close, update) */
    StateTable *best;     /* first: P -> FirstVal | R */
    StateTable *pending;  /* first: T | P -> nothing */
    RowCodecCol tcodec;   /* first: the time's KEY codec; close: window_end's */
    int64_t wm_done;
    int64_t last_sweep;
    SqlValue *vals;       /* decode buffer */
    Buf kbuf;
} RankImpl;

/* The stateless stage after ranking: projections, then the FILTER's predicate. */
typedef struct RankPost {
    const Op **proj; /* bottom-up */
    uint32_t n_proj;
    Expr *pred;
} RankPost;

static int rank_oom(SqlError *err)
{
    return sql_error_set(err, "53200", 0, "out of memory: the continuous query's memory budget is exhausted");
}

static void rank_destroy(Sop *s)
{
    RankImpl *r = s->impl;
    buf_fini(&r->kbuf);
}

/* ------------------------------------------------------------------------------------------------
 * Emitting ranked rows
 * ---------------------------------------------------------------------------------------------- */

/* One output row: the decoded input row R, then rn when the output has it. */
static int rank_emit(RankImpl *r, SopOut *o, const uint8_t *rp, size_t rn_len, int64_t rn, int64_t w)
{
    Err e;
    err_clear(&e);
    if (rowcodec_decode(r->row_cols, r->n_in, rp, rn_len, o->c->scratch, r->vals, &e))
        return sop_err_from(o->c->err, &e);
    uint32_t row;
    if (sop_out_row(o, w, &row))
        return WEIR_ERROR;
    for (uint32_t k = 0; k < r->n_in; k++)
        if (sop_out_put(o, row, k, &r->vals[k]))
            return WEIR_ERROR;
    if (r->has_rn) {
        SqlValue v = {.type = o->s->types[r->n_in], .u.i = rn};
        if (sop_out_put(o, row, r->n_in, &v))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Length of the O part of a key P | O | R whose P is plen bytes. */
static int rank_olen(RankImpl *r, SopCtx *c, Slice k, size_t plen, size_t *olen)
{
    *olen = 0;
    if (!r->n_order)
        return WEIR_OK;
    Err e;
    err_clear(&e);
    if (rowcodec_key_len(r->order_cols, r->n_order, k.p + plen, k.n - plen, olen, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* The first n rows of partition P as copies of their keys (one entry per unit of weight), into keys
 * (n entries, from the scratch arena); with prune, delete the rows after them. */
static int rank_top(RankImpl *r, SopCtx *c, const uint8_t *p, size_t plen, int prune, Slice *keys, uint32_t *n_keys)
{
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, r->rows, p, plen, p, plen, &e))
        return sop_err_from(c->err, &e);
    uint32_t n = 0;
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        RankVal rv;
        memcpy(&rv, v.p, sizeof(rv));
        if (rv.plen != plen)
            continue; /* a longer partition key that starts with these bytes: not this partition */
        if (n >= r->n) {
            if (!prune)
                break;
            state_delete(r->rows, state_hash(k.p, k.n), k.p, k.n);
            continue;
        }
        if (rv.w <= 0)
            continue;
        uint8_t *cp = arena_try_alloc(c->scratch, k.n);
        if (!cp)
            return rank_oom(c->err);
        memcpy(cp, k.p, k.n);
        for (int64_t q = 0; q < rv.w && n < r->n; q++)
            keys[n++] = (Slice){cp, k.n};
    }
    *n_keys = n;
    return WEIR_OK;
}

/* R of a key P | O | R. */
static int rank_row_of(RankImpl *r, SopCtx *c, Slice k, size_t plen, Slice *row)
{
    size_t olen;
    if (rank_olen(r, c, k, plen, &olen))
        return WEIR_ERROR;
    *row = (Slice){k.p + plen + olen, k.n - plen - olen};
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Pushing rows
 * ---------------------------------------------------------------------------------------------- */

typedef struct RankRun {
    Slice *penc, *oenc, *renc;
    int64_t *wend;    /* windowed: window_end; first: the time */
    uint8_t *nullt;   /* windowed / first: that value is NULL */
    uint32_t *order;  /* row indexes sorted by (P, index) */
} RankRun;

/* qsort_r order of row indexes by (P, index): keys is the batch's P encodings. */
static int rank_row_cmp(const void *a, const void *b, void *keys)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const Slice *p = &((const Slice *)keys)[x], *q = &((const Slice *)keys)[y];
    size_t n = p->n < q->n ? p->n : q->n;
    int c = memcmp(p->p, q->p, n);
    if (c)
        return c;
    if (p->n != q->n)
        return p->n < q->n ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* Evaluate exprs over b and encode them (KEY mode with cols' flags) into enc[0..b->n). */
static int rank_encode(SopCtx *c, Expr **exprs, const RowCodecCol *cols, const uint32_t *idx, uint32_t n_exprs,
                       const Batch *b, Slice *enc, Vec **vecs)
{
    Arena *a = c->scratch;
    Batch kb = {.n = b->n, .n_cols = n_exprs, .cols = ARENA_NEW(a, Vec, n_exprs ? n_exprs : 1)};
    if (!kb.cols)
        return rank_oom(c->err);
    ExprCtx ec;
    exec_expr_ctx(c->exec, a, &ec);
    for (uint32_t k = 0; k < n_exprs; k++) {
        if (expr_eval(&ec, exprs[k], b, b->n, &kb.cols[k]))
            return WEIR_ERROR;
        kb.cols[k].type = cols[k].type;
    }
    if (vecs)
        *vecs = kb.cols;
    if (!n_exprs) {
        memset(enc, 0, b->n * sizeof(*enc));
        return WEIR_OK;
    }
    Err e;
    err_clear(&e);
    if (rowcodec_encode_batch(cols, idx, n_exprs, &kb, ROWCODEC_KEY, a, enc, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

static int rank_run_begin(RankImpl *r, SopCtx *c, const Batch *b, RankRun *run)
{
    Arena *a = c->scratch;
    uint32_t n = b->n;
    if (!(run->penc = ARENA_NEW(a, Slice, n)) || !(run->oenc = ARENA_NEW(a, Slice, n)) ||
        !(run->renc = ARENA_NEW(a, Slice, n)) || !(run->wend = ARENA_NEW(a, int64_t, n)) ||
        !(run->nullt = ARENA_NEW(a, uint8_t, n)) || !(run->order = ARENA_NEW(a, uint32_t, n)))
        return rank_oom(c->err);
    Vec *pv = NULL, *ov = NULL;
    if (rank_encode(c, r->part, r->part_cols, r->key_idx, r->n_part, b, run->penc, &pv) ||
        rank_encode(c, r->order, r->order_cols, r->key_idx, r->n_order, b, run->oenc, &ov))
        return WEIR_ERROR;
    const Vec *tv = r->windowed ? &pv[0] : r->mode == RM_FIRST ? &ov[0] : NULL;
    for (uint32_t i = 0; tv && i < n; i++) {
        run->wend[i] = tv->u.i[i];
        run->nullt[i] = vec_is_null(tv, i);
    }
    Err e;
    err_clear(&e);
    if (rowcodec_encode_batch(r->row_cols, r->all_idx, r->n_in, b, ROWCODEC_EXACT, a, run->renc, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* Late rows: a window closed at an earlier advance, or (first) a time behind it; NULL times too, which
 * no window or watermark can place. Marks them in *late. */
static int rank_late(Sop *s, SopCtx *c, const Batch *b, RankRun *run, uint8_t **late)
{
    RankImpl *r = s->impl;
    *late = NULL;
    if (!r->windowed && r->mode != RM_FIRST)
        return WEIR_OK;
    uint32_t *rows = NULL, n_late = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        int is_late = run->nullt[i] || (r->windowed ? sop_window_is_closed(run->wend[i], r->wm_done)
                                                    : r->wm_done != SOP_WM_NONE && run->wend[i] < r->wm_done);
        if (!is_late)
            continue;
        if (!rows && (!(rows = ARENA_NEW(c->scratch, uint32_t, b->n)) ||
                      !(*late = ARENA_NEW(c->scratch, uint8_t, b->n))))
            return rank_oom(c->err);
        rows[n_late++] = i;
        (*late)[i] = 1;
    }
    return sop_late_report(s, c, &r->opts, b, rows, n_late);
}

/* Add weight w of row i under key P | O | R. */
static int rank_apply(RankImpl *r, SopCtx *c, const RankRun *run, uint32_t i, int64_t w)
{
    Buf *kb = &r->kbuf;
    buf_reset(kb);
    if (buf_append(kb, run->penc[i].p, run->penc[i].n) || buf_append(kb, run->oenc[i].p, run->oenc[i].n) ||
        buf_append(kb, run->renc[i].p, run->renc[i].n))
        return rank_oom(c->err);
    uint64_t h = state_hash(kb->p, kb->len);
    uint8_t *val;
    int is_new;
    Err e;
    err_clear(&e);
    if (state_upsert(r->rows, h, kb->p, kb->len, sizeof(RankVal), &val, &is_new, &e))
        return sop_err_from(c->err, &e);
    RankVal rv;
    memcpy(&rv, val, sizeof(rv));
    rv.w += w;
    rv.touched = c->now_us;
    rv.plen = (uint32_t)run->penc[i].n;
    memcpy(val, &rv, sizeof(rv));
    if (rv.w == 0)
        state_delete(r->rows, h, kb->p, kb->len);
    return WEIR_OK;
}

/* The update mode's output for one partition: its first n before and after the batch's rows. */
static int rank_diff(RankImpl *r, SopCtx *c, SopOut *o, const Slice *old_keys, uint32_t n_old, const Slice *new_keys,
                     uint32_t n_new, size_t plen)
{
    uint32_t n = n_old > n_new ? n_old : n_new;
    for (int pass = 0; pass < 2; pass++) /* retractions first, then insertions */
        for (uint32_t i = 0; i < n; i++) {
            const Slice *a = i < n_old ? &old_keys[i] : NULL, *b = i < n_new ? &new_keys[i] : NULL;
            if (a && b && a->n == b->n && memcmp(a->p, b->p, a->n) == 0)
                continue;
            const Slice *k = pass == 0 ? a : b;
            if (!k)
                continue;
            Slice row;
            if (rank_row_of(r, c, *k, plen, &row) ||
                rank_emit(r, o, row.p, row.n, (int64_t)i + 1, pass == 0 ? -1 : 1))
                return WEIR_ERROR;
        }
    return WEIR_OK;
}

/* The first mode: keep the earliest row of each key until the watermark makes it final. */
static int rank_first_row(RankImpl *r, SopCtx *c, const RankRun *run, uint32_t i)
{
    const Slice *p = &run->penc[i], *row = &run->renc[i];
    uint64_t h = state_hash(p->p, p->n);
    Slice cur;
    Err e;
    err_clear(&e);
    int64_t t = run->wend[i];
    Buf *kb = &r->kbuf;
    if (state_get(r->best, h, p->p, p->n, &cur)) {
        FirstVal fv;
        memcpy(&fv, cur.p, sizeof(fv));
        if (fv.emitted)
            return WEIR_OK; /* a duplicate of a key already emitted */
        const uint8_t *cr = cur.p + sizeof(fv);
        size_t crn = cur.n - sizeof(fv);
        int better = t < fv.t;
        if (t == fv.t) {
            size_t m = crn < row->n ? crn : row->n;
            int cmp = memcmp(row->p, cr, m);
            better = cmp < 0 || (cmp == 0 && row->n < crn);
        }
        if (!better)
            return WEIR_OK;
        /* the old time's pending entry goes */
        buf_reset(kb);
        if (sop_time_key_append(&r->tcodec, fv.t, kb, c->err))
            return WEIR_ERROR;
        if (buf_append(kb, p->p, p->n))
            return rank_oom(c->err);
        state_delete(r->pending, state_hash(kb->p, kb->len), kb->p, kb->len);
    }
    buf_reset(kb);
    FirstVal fv = {.t = t, .touched = c->now_us, .emitted = 0};
    if (buf_append(kb, &fv, sizeof(fv)) || buf_append(kb, row->p, row->n))
        return rank_oom(c->err);
    if (state_put(r->best, h, p->p, p->n, kb->p, kb->len, &e))
        return sop_err_from(c->err, &e);
    buf_reset(kb);
    if (sop_time_key_append(&r->tcodec, t, kb, c->err))
        return WEIR_ERROR;
    if (buf_append(kb, p->p, p->n))
        return rank_oom(c->err);
    if (state_put(r->pending, state_hash(kb->p, kb->len), kb->p, kb->len, NULL, 0, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

static int rank_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    RankImpl *r = s->impl;
    const Batch *b = in->b;
    RankRun run = {0};
    uint8_t *late;
    if (rank_run_begin(r, c, b, &run) || rank_late(s, c, b, &run, &late))
        return WEIR_ERROR;
    if (r->mode == RM_FIRST) {
        for (uint32_t i = 0; i < b->n; i++)
            if (!(late && late[i]) && rank_first_row(r, c, &run, i))
                return WEIR_ERROR;
        return WEIR_OK;
    }
    /* partitions in key order, rows of one partition in input order */
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->n; i++)
        if (!(late && late[i]))
            run.order[n++] = i;
    qsort_r(run.order, n, sizeof(uint32_t), rank_row_cmp, run.penc);
    SopOut o;
    sop_out_init(&o, s, c, n * 2);
    Slice *old_keys = NULL, *new_keys = NULL;
    if ((r->mode == RM_UPDATE || r->prune) && r->n &&
        (!(old_keys = ARENA_NEW(c->scratch, Slice, r->n)) || !(new_keys = ARENA_NEW(c->scratch, Slice, r->n))))
        return rank_oom(c->err);
    for (uint32_t a = 0; a < n;) {
        const Slice *p = &run.penc[run.order[a]];
        uint32_t z = a + 1;
        while (z < n && run.penc[run.order[z]].n == p->n && memcmp(run.penc[run.order[z]].p, p->p, p->n) == 0)
            z++;
        uint32_t n_old = 0, n_new = 0;
        if (r->mode == RM_UPDATE && rank_top(r, c, p->p, p->n, 0, old_keys, &n_old))
            return WEIR_ERROR;
        for (uint32_t q = a; q < z; q++)
            if (rank_apply(r, c, &run, run.order[q], zbatch_weight(in, run.order[q])))
                return WEIR_ERROR;
        if ((r->mode == RM_UPDATE || r->prune) && rank_top(r, c, p->p, p->n, r->prune, new_keys, &n_new))
            return WEIR_ERROR;
        if (r->mode == RM_UPDATE && rank_diff(r, c, &o, old_keys, n_old, new_keys, n_new, p->n))
            return WEIR_ERROR;
        a = z;
    }
    return sop_out_flush(&o);
}

/* ------------------------------------------------------------------------------------------------
 * Advancing
 * ---------------------------------------------------------------------------------------------- */

/* Close (or, updating, drop) every window whose end the watermark reached. */
static int rank_close(Sop *s, SopCtx *c)
{
    RankImpl *r = s->impl;
    Err e;
    err_clear(&e);
    Buf *kb = &r->kbuf;
    buf_reset(kb);
    if (sop_time_key_append(&r->tcodec, c->watermark, kb, c->err))
        return WEIR_ERROR;
    StateIter it;
    if (state_iter_range(&it, r->rows, NULL, 0, kb->p, kb->len, &e))
        return sop_err_from(c->err, &e);
    SopOut o;
    sop_out_init(&o, s, c, 16);
    const uint8_t *cur = NULL; /* the partition being emitted (a copy of its P) */
    size_t cur_n = 0;
    int64_t rank = 0;
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        RankVal rv;
        memcpy(&rv, v.p, sizeof(rv));
        if (!cur || cur_n != rv.plen || memcmp(cur, k.p, cur_n) != 0) {
            uint8_t *cp = arena_try_alloc(c->scratch, rv.plen ? rv.plen : 1);
            if (!cp)
                return rank_oom(c->err);
            memcpy(cp, k.p, rv.plen);
            cur = cp;
            cur_n = rv.plen;
            rank = 0;
        }
        if (r->mode == RM_CLOSE) {
            Slice row;
            if (rank_row_of(r, c, k, rv.plen, &row))
                return WEIR_ERROR;
            for (int64_t q = 0; q < rv.w && rank < r->n; q++)
                if (rank_emit(r, &o, row.p, row.n, ++rank, 1))
                    return WEIR_ERROR;
        }
        state_delete(r->rows, state_hash(k.p, k.n), k.p, k.n); /* the entry just returned */
    }
    return sop_out_flush(&o);
}

/* The first mode: emit every pending row whose time the watermark passed. */
static int rank_first_advance(Sop *s, SopCtx *c)
{
    RankImpl *r = s->impl;
    if (c->watermark == SOP_WM_NONE)
        return WEIR_OK;
    Err e;
    err_clear(&e);
    Buf *kb = &r->kbuf;
    buf_reset(kb);
    if (sop_time_key_append(&r->tcodec, c->watermark - 1, kb, c->err)) /* time < watermark */
        return WEIR_ERROR;
    StateIter it;
    if (state_iter_range(&it, r->pending, NULL, 0, kb->p, kb->len, &e))
        return sop_err_from(c->err, &e);
    SopOut o;
    sop_out_init(&o, s, c, 16);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        if (k.n < 9)
            return sql_error_set(c->err, "XX000", 0, "internal error: deduplication key too short");
        const uint8_t *p = k.p + 9;
        size_t pn = k.n - 9;
        uint64_t h = state_hash(p, pn);
        uint8_t *val;
        Slice cur;
        if (!state_get(r->best, h, p, pn, &cur))
            return sql_error_set(c->err, "XX000", 0, "internal error: a pending row without its key");
        int is_new;
        if (state_upsert(r->best, h, p, pn, cur.n, &val, &is_new, &e))
            return sop_err_from(c->err, &e);
        FirstVal fv;
        memcpy(&fv, val, sizeof(fv));
        fv.emitted = 1;
        memcpy(val, &fv, sizeof(fv));
        if (rank_emit(r, &o, val + sizeof(fv), cur.n - sizeof(fv), 1, 1))
            return WEIR_ERROR;
        state_delete(r->pending, state_hash(k.p, k.n), k.p, k.n); /* the entry just returned */
    }
    return sop_out_flush(&o);
}

/* state_ttl, every eighth of it: drop the partitions (update) or emitted keys (first) not written for
 * state_ttl. A partition goes as a whole, its rows retracted from the view (as a running aggregate's
 * expired group is), so the view keeps one top N per live partition and a key that comes back starts
 * afresh. The first mode's output is append-only: an emitted key is forgotten silently, and a row of it
 * after that is emitted again (Flink's deduplication with state TTL does the same). */
static int rank_sweep(Sop *s, SopCtx *c)
{
    RankImpl *r = s->impl;
    int64_t ttl = r->opts.state_ttl_us;
    if (ttl <= 0 || (r->last_sweep && c->now_us - r->last_sweep < ttl / 8))
        return WEIR_OK;
    r->last_sweep = c->now_us;
    int64_t cutoff = c->now_us - ttl;
    StateIter it;
    Slice k, v;
    if (r->mode == RM_FIRST) {
        state_iter_all(&it, r->best);
        while (state_iter_next(&it, &k, &v)) {
            FirstVal fv;
            memcpy(&fv, v.p, sizeof(fv));
            if (fv.emitted && fv.touched < cutoff)
                state_delete(r->best, state_hash(k.p, k.n), k.p, k.n);
        }
        return WEIR_OK;
    }
    /* pass 1: the partitions whose newest write is older than the cutoff; pass 2: delete them */
    Buf dead;
    buf_init(&dead, 0);
    state_iter_all(&it, r->rows);
    const uint8_t *cur = NULL;
    size_t cur_n = 0;
    int64_t newest = INT64_MIN;
    int rc = WEIR_OK;
    for (;;) {
        int more = state_iter_next(&it, &k, &v);
        RankVal rv = {0};
        if (more)
            memcpy(&rv, v.p, sizeof(rv));
        if (cur && (!more || cur_n != rv.plen || memcmp(cur, k.p, cur_n) != 0)) {
            uint32_t len = (uint32_t)cur_n;
            if (newest < cutoff && (buf_append(&dead, &len, sizeof(len)) || buf_append(&dead, cur, cur_n))) {
                rc = rank_oom(c->err);
                break;
            }
            cur = NULL;
        }
        if (!more)
            break;
        if (!cur) {
            uint8_t *cp = arena_try_alloc(c->scratch, rv.plen ? rv.plen : 1);
            if (!cp) {
                rc = rank_oom(c->err);
                break;
            }
            memcpy(cp, k.p, rv.plen);
            cur = cp;
            cur_n = rv.plen;
            newest = INT64_MIN;
        }
        if (rv.touched > newest)
            newest = rv.touched;
    }
    SopOut o;
    sop_out_init(&o, s, c, 16);
    Slice *top = r->n ? ARENA_NEW(c->scratch, Slice, r->n) : NULL;
    if (r->n && !top)
        rc = rank_oom(c->err);
    for (size_t off = 0; rc == WEIR_OK && off < dead.len;) {
        uint32_t len;
        memcpy(&len, dead.p + off, sizeof(len));
        const uint8_t *p = dead.p + off + sizeof(len);
        off += sizeof(len) + len;
        /* what the view shows of the partition goes with it */
        uint32_t n_top = 0;
        if (rank_top(r, c, p, len, 0, top, &n_top) || rank_diff(r, c, &o, top, n_top, NULL, 0, len)) {
            rc = WEIR_ERROR;
            break;
        }
        Err e;
        err_clear(&e);
        if (state_iter_range(&it, r->rows, p, len, p, len, &e)) {
            rc = sop_err_from(c->err, &e);
            break;
        }
        while (state_iter_next(&it, &k, &v)) {
            RankVal rv;
            memcpy(&rv, v.p, sizeof(rv));
            if (rv.plen == len)
                state_delete(r->rows, state_hash(k.p, k.n), k.p, k.n);
        }
    }
    buf_fini(&dead);
    return rc == WEIR_OK ? sop_out_flush(&o) : rc;
}

static int rank_advance(Sop *s, SopCtx *c)
{
    RankImpl *r = s->impl;
    if (r->windowed) {
        if (c->watermark != SOP_WM_NONE && rank_close(s, c))
            return WEIR_ERROR;
    } else if (r->mode == RM_FIRST) {
        if (rank_first_advance(s, c) || rank_sweep(s, c))
            return WEIR_ERROR;
    } else if (rank_sweep(s, c)) {
        return WEIR_ERROR;
    }
    r->wm_done = c->watermark;
    return WEIR_OK;
}

static int rank_restored(Sop *s, SopCtx *c)
{
    RankImpl *r = s->impl;
    r->wm_done = c->watermark;
    r->last_sweep = 0;
    return WEIR_OK;
}

static const SopOps rank_ops[] = {
    [RM_CLOSE] = {.name = "top-n per window", .push = rank_push, .advance = rank_advance, .restored = rank_restored,
                  .destroy = rank_destroy},
    [RM_UPDATE] = {.name = "top-n", .push = rank_push, .advance = rank_advance, .restored = rank_restored,
                   .destroy = rank_destroy},
    [RM_FIRST] = {.name = "deduplication", .push = rank_push, .advance = rank_advance, .restored = rank_restored,
                  .destroy = rank_destroy},
};

/* The post stage: projections bottom-up, then the predicate. */
static int post_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    const RankPost *p = s->impl;
    const Batch *b = in->b;
    ExprCtx ec;
    exec_expr_ctx(c->exec, c->scratch, &ec);
    for (uint32_t k = 0; k < p->n_proj; k++) {
        const Op *pr = p->proj[k];
        Batch *nb = arena_try_calloc(c->scratch, sizeof(*nb));
        if (!nb || !(nb->cols = ARENA_NEW(c->scratch, Vec, pr->n_cols ? pr->n_cols : 1)))
            return rank_oom(c->err);
        nb->n = b->n;
        nb->n_cols = pr->n_cols;
        for (uint32_t q = 0; q < pr->n_cols; q++) {
            if (expr_eval(&ec, pr->exprs[q], b, b->n, &nb->cols[q]))
                return WEIR_ERROR;
            nb->cols[q].type = pr->types[q];
        }
        b = nb;
    }
    ZBatch z = {b, in->w};
    if (!p->pred)
        return sop_emit(s, c, &z);
    uint32_t *sel = ARENA_NEW(c->scratch, uint32_t, b->n ? b->n : 1), n_sel = 0;
    if (!sel)
        return rank_oom(c->err);
    if (expr_filter(&ec, p->pred, b, sel, &n_sel))
        return WEIR_ERROR;
    if (!n_sel)
        return WEIR_OK;
    z.b = batch_gather(b, sel, n_sel, c->scratch);
    int64_t *w = in->w ? ARENA_NEW(c->scratch, int64_t, n_sel) : NULL;
    if (!z.b || (in->w && !w))
        return rank_oom(c->err);
    for (uint32_t i = 0; w && i < n_sel; i++)
        w[i] = in->w[sel[i]];
    z.w = w;
    return sop_emit(s, c, &z);
}

static const SopOps post_ops = {.name = "rank output", .push = post_push};

/* ------------------------------------------------------------------------------------------------
 * Compiling
 * ---------------------------------------------------------------------------------------------- */

/* The window output column that column col of node at reads, through the PROJECTs down to w; -1 when a
 * projection computes it. */
static int64_t rank_map_col(const Op *at, const Op *w, uint32_t col)
{
    while (at != w) {
        if (!at || at->kind != OP_PROJECT || col >= at->n_cols || at->exprs[col]->kind != EXPR_COL)
            return -1;
        col = at->exprs[col]->u.col;
        at = at->child;
    }
    return col;
}

/* A bound on rn in conjunct e of the FILTER (over the output of node at): sets *n and returns 1. */
static int rank_bound(const Expr *e, const Op *at, const Op *w, uint32_t rn_col, int64_t *n)
{
    if (e->kind != EXPR_FUNC || e->n_args != 2 || !e->u.fn.def)
        return 0;
    const char *f = e->u.fn.def->name;
    const Expr *a = e->args[0], *b = e->args[1];
    int flip = 0;
    if (a->kind == EXPR_CONST) {
        const Expr *t = a;
        a = b;
        b = t;
        flip = 1;
    }
    if (a->kind != EXPR_COL || b->kind != EXPR_CONST || b->u.cval.is_null ||
        (b->type.id != SQL_INT2 && b->type.id != SQL_INT4 && b->type.id != SQL_INT8) ||
        rank_map_col(at, w, a->u.col) != (int64_t)rn_col)
        return 0;
    int64_t k = b->u.cval.u.i;
    /* k > rn is rn < k, k >= rn is rn <= k */
    int le = strcmp(f, flip ? ">=" : "<=") == 0, lt = strcmp(f, flip ? ">" : "<") == 0;
    if (le)
        *n = k;
    else if (lt)
        *n = k - 1;
    else if (strcmp(f, "=") == 0 && k == 1)
        *n = 1;
    else
        return 0;
    return 1;
}

static void rank_conj_bounds(const Expr *e, const Op *at, const Op *w, uint32_t rn_col, int64_t *n, int *found,
                             int *other)
{
    if (e->kind == EXPR_AND) {
        for (uint32_t i = 0; i < e->n_args; i++)
            rank_conj_bounds(e->args[i], at, w, rn_col, n, found, other);
        return;
    }
    int64_t k;
    if (rank_bound(e, at, w, rn_col, &k)) {
        if (!*found || k < *n)
            *n = k;
        *found = 1;
    } else {
        *other = 1;
    }
}

static Expr *rank_col_expr(Arena *a, uint32_t col, SqlType t)
{
    Expr *e = arena_try_calloc(a, sizeof(*e));
    if (e) {
        e->kind = EXPR_COL;
        e->type = t;
        e->location = -1;
        e->u.col = col;
    }
    return e;
}

int sop_compile_rank(SopCompiler *cc, const Op *op, const Op *filter, Sop *in, Sop **out, int *used)
{
    *out = NULL;
    *used = 0;
    SopGraph *g = cc->g;
    Arena *a = g->arena;
    const Op *child = op->child;
    Expr **part = NULL, **order = NULL;
    uint32_t n_part = 0, n_order = 0;
    uint8_t *desc = NULL, *nfirst = NULL;
    int64_t n = 1;
    int has_rn = 0, other = 0;
    const Op *time_src = child; /* where the ORDER BY column's kind is looked up */
    if (op->kind == OP_WINDOW) {
        const WindowSpec *ws = op->spec;
        if (ws->n_calls != 1 || ws->calls[0].fn != WIN_ROW_NUMBER)
            return sql_error_set(
                cc->err, "0A000", 0,
                "window functions other than one row_number() are not supported in a continuous query");
        if (!filter)
            return WEIR_OK;
        int found = 0;
        rank_conj_bounds(filter->pred, filter->child, op, child->n_cols, &n, &found, &other);
        if (!found)
            return WEIR_OK; /* not a top N: the driver refuses */
        const WinSort *so = &ws->sorts[ws->calls[0].sort];
        n_part = so->n_part;
        n_order = so->n_order;
        if (!(part = ARENA_NEW(a, Expr *, n_part + 1)) || !(order = ARENA_NEW(a, Expr *, n_order + 1)) ||
            !(desc = ARENA_NEW(a, uint8_t, n_order + 1)) || !(nfirst = ARENA_NEW(a, uint8_t, n_order + 1)))
            return rank_oom(cc->err);
        for (uint32_t k = 0; k < n_part; k++)
            part[k] = ws->extra[so->part[k]];
        for (uint32_t k = 0; k < n_order; k++) {
            order[k] = ws->extra[so->order[k].col];
            desc[k] = so->order[k].desc;
            nfirst[k] = so->order[k].nulls_first;
        }
        has_rn = 1;
    } else if (op->kind == OP_UNIQUE) {
        const UniqueSpec *us = op->spec;
        const SortSpec *ss = child && child->kind == OP_SORT ? child->spec : NULL;
        if (ss)
            time_src = child->child;
        n_part = us->n_keys;
        if (!(part = ARENA_NEW(a, Expr *, n_part + 1)) ||
            !(order = ARENA_NEW(a, Expr *, (ss ? ss->n_keys : 0) + 1)) ||
            !(desc = ARENA_NEW(a, uint8_t, (ss ? ss->n_keys : 0) + 1)) ||
            !(nfirst = ARENA_NEW(a, uint8_t, (ss ? ss->n_keys : 0) + 1)))
            return rank_oom(cc->err);
        for (uint32_t k = 0; k < n_part; k++)
            if (!(part[k] = rank_col_expr(a, us->cols[k], child->types[us->cols[k]])))
                return rank_oom(cc->err);
        for (uint32_t k = 0; ss && k < ss->n_keys; k++) {
            int is_part = 0;
            for (uint32_t q = 0; q < us->n_keys; q++)
                is_part |= us->cols[q] == ss->cols[k];
            if (is_part)
                continue;
            if (!(order[n_order] = rank_col_expr(a, ss->cols[k], child->types[ss->cols[k]])))
                return rank_oom(cc->err);
            desc[n_order] = ss->desc[k];
            nfirst[n_order] = ss->nulls_first[k];
            n_order++;
        }
    } else {
        return sql_error_set(cc->err, "XX000", 0, "internal error: sop_compile_rank on operator %d", (int)op->kind);
    }
    if (n > RANK_MAX_N)
        return sql_error_set(cc->err, "0A000", 0,
                             "a top N above %d rows per partition is not supported in a continuous query",
                             RANK_MAX_N);
    if (n < 0)
        n = 0;
    /* window_end among the partition columns: it goes first */
    int windowed = 0;
    for (uint32_t k = 0; k < n_part; k++)
        if (part[k]->kind == EXPR_COL && sop_plan_col_kind(child, part[k]->u.col) == SOP_COL_WEND) {
            Expr *t = part[0];
            part[0] = part[k];
            part[k] = t;
            windowed = 1;
            break;
        }
    int append_only = sop_plan_append_only(cc->opts, child);
    int first = !windowed && n == 1 && n_order == 1 && !desc[0] && order[0]->kind == EXPR_COL &&
                sop_plan_col_kind(time_src, order[0]->u.col) == SOP_COL_TIME && !cc->opts->emit_on_update &&
                append_only;
    RankMode mode = windowed && !cc->opts->emit_on_update ? RM_CLOSE : first ? RM_FIRST : RM_UPDATE;
    if (!windowed && cc->opts->state_ttl_us <= 0)
        return sql_error_set(cc->err, "0A000", 0,
                             "%s without a window keeps a row per key forever: give the view a state_ttl "
                             "(WITH (state_ttl = '1 hour')), or partition by window_start, window_end",
                             op->kind == OP_UNIQUE ? "DISTINCT ON" : "row_number() per partition");
    /* the post stage: PROJECTs between the window and the FILTER, other conjuncts */
    uint32_t n_proj = 0;
    for (const Op *at = filter ? filter->child : op; at && at != op; at = at->child)
        n_proj++;
    int need_post = n_proj || other;
    uint32_t n_in = child->n_cols;
    Sop *s = sop_new(g, &rank_ops[mode], sizeof(RankImpl), op->types, op->n_cols);
    if (!s)
        return rank_oom(cc->err);
    RankImpl *r = s->impl;
    r->mode = mode;
    r->opts = *cc->opts;
    s->may_retract = mode == RM_UPDATE; /* a row that leaves the first N is retracted */
    r->n = (uint32_t)n;
    r->has_rn = has_rn;
    r->windowed = windowed;
    r->prune = append_only && mode != RM_FIRST;
    r->n_in = n_in;
    r->part = part;
    r->n_part = n_part;
    r->order = order;
    r->n_order = n_order;
    r->wm_done = SOP_WM_NONE;
    buf_init(&r->kbuf, 0);
    uint32_t nk = (n_part > n_order ? n_part : n_order) + 1;
    if (!(r->row_cols = ARENA_NEW(a, RowCodecCol, n_in + 1)) ||
        !(r->all_idx = ARENA_NEW(a, uint32_t, n_in + 1)) ||
        !(r->part_cols = ARENA_NEW(a, RowCodecCol, n_part + 1)) ||
        !(r->order_cols = ARENA_NEW(a, RowCodecCol, n_order + 1)) ||
        !(r->key_idx = ARENA_NEW(a, uint32_t, nk)) || !(r->vals = ARENA_NEW(a, SqlValue, n_in + 1)))
        return rank_oom(cc->err);
    for (uint32_t k = 0; k < n_in; k++) {
        r->row_cols[k] = (RowCodecCol){child->types[k], 0};
        r->all_idx[k] = k;
    }
    for (uint32_t k = 0; k < nk; k++)
        r->key_idx[k] = k;
    for (uint32_t k = 0; k < n_part; k++)
        r->part_cols[k] = (RowCodecCol){part[k]->type, 0};
    for (uint32_t k = 0; k < n_order; k++)
        r->order_cols[k] =
            (RowCodecCol){order[k]->type, (desc[k] ? ROWCODEC_DESC : 0) | (nfirst[k] ? ROWCODEC_NULLS_FIRST : 0)};
    if (windowed)
        r->tcodec = r->part_cols[0];
    if (mode == RM_FIRST) {
        r->tcodec = (RowCodecCol){order[0]->type, 0};
        if (sop_state_new(s, 0, &r->best, cc->err) || sop_state_new(s, 1, &r->pending, cc->err))
            return WEIR_ERROR;
    } else if (sop_state_new(s, 1, &r->rows, cc->err)) {
        return WEIR_ERROR;
    }
    if (in) {
        in->out = s;
        in->out_port = 0;
    }
    *out = s;
    *used = 1;
    if (!need_post)
        return WEIR_OK;
    Sop *ps = sop_new(g, &post_ops, sizeof(RankPost), filter->types, filter->n_cols);
    if (!ps)
        return rank_oom(cc->err);
    RankPost *p = ps->impl;
    if (!(p->proj = ARENA_NEW(a, const Op *, n_proj + 1)))
        return rank_oom(cc->err);
    uint32_t i = n_proj;
    for (const Op *at = filter->child; at != op; at = at->child)
        p->proj[--i] = at;
    p->n_proj = n_proj;
    p->pred = filter->pred;
    s->out = ps;
    s->out_port = 0;
    *out = ps;
    return WEIR_OK;
}
