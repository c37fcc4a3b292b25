/*
 * sop_window.c: window assignment in a continuous query, the streaming form of OP_WINASSIGN
 * (tumble, hop, session in FROM; WinAssignSpec in exec/op.h fixes the semantics, op_winassign.c is the
 * batch form). Output: the input columns, then window_start and window_end; a row whose time is NULL is
 * left out, as in batch. Aggregation over the windows is sop_agg.c's.
 *
 * tumble, hop (stateless). Each input row gives one output row per window (winassign_windows, the batch
 * operator's own arithmetic, so both agree on every window), with the row's weight: retractions pass
 * through as retractions. A window is closed once the watermark reaches its end (sop_window_is_closed,
 * the condition every windowed operator uses): a row whose last window is closed is late -- counted and
 * handed to the query's late sink (sop_late_report), never dropped silently (so is a row whose time is
 * 'infinity' or whose window leaves PostgreSQL's timestamp range, where batch fails with 22008: a query
 * that runs forever does not stop on one row); a hop row some of whose
 * windows are closed goes to the open ones only (as Flink's window operator skips late windows), since
 * the aggregate above has already emitted the closed ones. Windows are emitted window-major: for the
 * k-th window of every row one batch, which shares the input's column vectors untouched (no gather)
 * whenever every row of the batch has a k-th open window -- the common case, so a hop of 5 windows per
 * row costs 5 batches of two new int64 columns, not 5 copies of the rows.
 *
 * session (stateful). A session's bounds depend on rows still to come, so the operator keeps the rows of
 * the open sessions and emits them with their session's bounds:
 *   - emit on_window_close (the default): once, when the watermark reaches the session's end, every row
 *     of the session with its final bounds, in (end, partition, time, row) order;
 *   - emit on_update: at every tick, for each partition that got rows, the rows whose bounds (or
 *     multiplicity) changed since the last tick: -1 with the old bounds, +1 with the new ones. An
 *     aggregate above turns those into -old/+new of its groups.
 * Rows arrive in any order, so sessions merge: a row at t joins every open session [s, e) of its
 * partition with s - gap <= t <= e (batch: a row more than gap after the previous one starts a new
 * session), and may bridge two of them into one. A row at or behind the watermark (t <= watermark) is
 * late, even when it would join an open session: a closed session [s, e) has e <= watermark, so only such
 * a row could have belonged to a session already emitted, and the view would then differ from the same
 * query in batch (which would have merged them). A retraction is late when no open session holds its
 * row; otherwise it may shrink or split its session, and the partition's sessions are rebuilt from its
 * rows.
 *
 * Session state (three ordered tables; KEY encodings, so memcmp order is (partition, time) order):
 *   rows      partition ++ time ++ the row (EXACT) -> {cur, emitted, emitted start, emitted end}: cur is
 *             the row's multiplicity (weights summed); emitted and its bounds what on_update last emitted
 *   sessions  partition ++ start -> end, for every open session
 *   closing   end ++ partition ++ start -> (nothing): open sessions in the order they close
 * Every open session's rows, and only those, are in `rows`; a session leaves all three tables when it
 * closes. The partitions touched in a tick (on_update) are listed in memory and handled at advance;
 * checkpoints are taken between ticks, when that list is empty.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/datetime.h"
#include "stream/sop.h"

static int win_oom(SopCtx *c)
{
    return sql_error_set(c->err, "53200", 0, "out of memory: the continuous query's memory budget is exhausted");
}

/* ------------------------------------------------------------------------------------------------
 * tumble, hop
 * ---------------------------------------------------------------------------------------------- */

typedef struct WinImpl {
    const WinAssignSpec *ws;
    SopCompileOpts opts; /* a copy: the caller's options need not outlive the compile */
    uint32_t n_in;      /* input columns */
    uint32_t per_row;   /* windows per row: 1 (tumble) or size / slide (hop) */
} WinImpl;

/* One batch: the k-th window of each of the rows sel[0..n) (sel NULL: every row of in), bounds given. */
static int win_emit_window(Sop *s, SopCtx *c, const ZBatch *in, const uint32_t *sel, uint32_t n, Vec *start,
                           Vec *end)
{
    const WinImpl *w = s->impl;
    Batch *b = arena_try_calloc(c->scratch, sizeof(*b));
    if (!b || !(b->cols = ARENA_NEW(c->scratch, Vec, s->n_cols)))
        return win_oom(c);
    b->n = n;
    b->n_cols = s->n_cols;
    int64_t *wt = NULL;
    for (uint32_t k = 0; k < w->n_in; k++) {
        if (!sel)
            b->cols[k] = in->b->cols[k];
        else if (vec_gather(&in->b->cols[k], sel, n, c->scratch, &b->cols[k]))
            return win_oom(c);
    }
    if (sel && in->w) {
        if (!(wt = ARENA_NEW(c->scratch, int64_t, n)))
            return win_oom(c);
        for (uint32_t i = 0; i < n; i++)
            wt[i] = in->w[sel[i]];
    }
    b->cols[w->n_in] = *start;
    b->cols[w->n_in + 1] = *end;
    ZBatch z = {b, sel ? wt : in->w};
    return sop_emit(s, c, &z);
}

static int win_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    const WinImpl *w = s->impl;
    const WinAssignSpec *ws = w->ws;
    const Batch *b = in->b;
    uint32_t n = b->n;
    const Vec *tv = &b->cols[ws->time_col];
    /* first window start per row (INT64_MIN: no window), computed once for all k */
    int64_t *first = ARENA_NEW(c->scratch, int64_t, n);
    uint32_t *sel = ARENA_NEW(c->scratch, uint32_t, n);
    uint32_t *late = ARENA_NEW(c->scratch, uint32_t, n);
    if (!first || !sel || !late)
        return win_oom(c);
    uint32_t n_late = 0, n_timed = 0;
    int64_t step = 0;
    for (uint32_t i = 0; i < n; i++) {
        first[i] = INT64_MIN;
        if (vec_is_null(tv, i))
            continue;
        int64_t ts = tv->u.i[i], f = 0, last_end = 0;
        uint32_t cnt = 0;
        int valid = sql_timestamp_valid(ts);
        if (valid)
            winassign_windows(ws, ts, &f, &cnt, &step);
        /* batch fails with 22008 for an infinite time or a window outside PostgreSQL's timestamp range; a
         * query that runs forever counts such a row as late instead of stopping on it */
        if (!valid || f < SQL_MIN_TIMESTAMP ||
            __builtin_add_overflow(f + (int64_t)(cnt - 1) * step, ws->size_us, &last_end) ||
            !sql_timestamp_valid(last_end) || sop_window_is_closed(last_end, c->watermark)) {
            late[n_late++] = i;
            continue;
        }
        first[i] = f;
        n_timed++;
    }
    if (n_late && sop_late_report(s, c, &w->opts, b, late, n_late))
        return WEIR_ERROR;
    if (n_timed == 0)
        return WEIR_OK;
    SqlType tt = s->types[w->n_in];
    for (uint32_t k = 0; k < w->per_row; k++) {
        Vec start, end;
        if (vec_init(&start, tt, c->scratch) || vec_init(&end, tt, c->scratch))
            return win_oom(c);
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++) {
            if (first[i] == INT64_MIN)
                continue;
            int64_t st = first[i] + (int64_t)k * step, en = st + ws->size_us;
            if (sop_window_is_closed(en, c->watermark))
                continue;
            sel[m] = i;
            start.u.i[m] = st;
            end.u.i[m] = en;
            m++;
        }
        if (m && win_emit_window(s, c, in, m == n ? NULL : sel, m, &start, &end))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static const SopOps win_ops = {.name = "window assignment", .push = win_push};

/* ------------------------------------------------------------------------------------------------
 * session
 * ---------------------------------------------------------------------------------------------- */

/* The value of a `rows` entry. */
typedef struct SessRow {
    int64_t cur;           /* multiplicity now */
    int64_t emitted;       /* on_update: multiplicity last emitted, with these bounds */
    int64_t em_start, em_end;
} SessRow;

typedef struct Sess {
    int64_t start, end;
} Sess;

/* A partition touched this tick (on_update): its KEY bytes, in the tick's scratch. */
typedef struct SessTouched {
    const uint8_t *p;
    uint32_t n;
} SessTouched;

typedef struct SessImpl {
    const WinAssignSpec *ws;
    SopCompileOpts opts; /* a copy, as WinImpl's */
    uint32_t n_in;
    RowCodecCol *pt_cols;  /* partition columns, then the time column */
    uint32_t *pt_idx;
    uint32_t n_pt;
    RowCodecCol *row_cols; /* every input column */
    uint32_t *row_idx;
    StateTable *rows, *sess, *closing;
    Buf key;               /* a key being composed */
    Buf key2;
    Sess *sv;              /* one partition's sessions (grown as needed) */
    uint32_t n_sv, cap_sv;
    SessTouched *touched;  /* this tick's partitions (on_update); in the operator's malloc'd array */
    uint32_t n_touched, cap_touched;
    Arena *touched_arena;  /* their key bytes; reset at advance */
} SessImpl;

#define SESS_T 9 /* bytes of an encoded time: tag, 8 bytes big-endian with the sign bit flipped */

/* rowcodec's KEY encoding of a non-NULL timestamp (rowcodec.h: tag 0x02, then the value big-endian
 * with the sign bit flipped), written here because it is built per row from a bare int64. */
static void sess_time_enc(uint8_t *out, int64_t t)
{
    uint64_t u = (uint64_t)t ^ (UINT64_C(1) << 63);
    out[0] = 0x02;
    for (int i = 0; i < 8; i++)
        out[1 + i] = (uint8_t)(u >> (56 - 8 * i));
}

static int64_t sess_time_dec(const uint8_t *p)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | p[1 + i];
    return (int64_t)(u ^ (UINT64_C(1) << 63));
}

static int sess_buf_oom(SopCtx *c, int rc)
{
    return rc ? win_oom(c) : WEIR_OK;
}

/* key := a ++ b ++ c (any may be empty). */
static int sess_key3(SopCtx *c, Buf *k, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, const uint8_t *d,
                     size_t dn)
{
    buf_reset(k);
    return sess_buf_oom(c, (an && buf_append(k, a, an)) || (bn && buf_append(k, b, bn)) || (dn && buf_append(k, d, dn)));
}

/* sv[(*n)++] = *x, growing sv (malloc'd: a partition's sessions, reused for every row). */
static void sess_sv_add(SessImpl *si, uint32_t *n, const Sess *x)
{
    if (*n == si->cap_sv) {
        uint32_t nc = si->cap_sv ? si->cap_sv * 2 : 8;
        Sess *ns = realloc(si->sv, nc * sizeof(*ns));
        if (!ns)
            abort(); /* malloc failure itself aborts (STYLE.md) */
        si->sv = ns;
        si->cap_sv = nc;
    }
    si->sv[(*n)++] = *x;
}

/* The open sessions of partition p, in start order, into si->sv. */
static int sess_load(SessImpl *si, SopCtx *c, const uint8_t *p, size_t pn)
{
    si->n_sv = 0;
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, si->sess, p, pn, p, pn, &e))
        return sop_err_from(c->err, &e);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        if (k.n != pn + SESS_T || v.n != sizeof(int64_t))
            return sql_error_set(c->err, "XX001", 0, "session window state is damaged");
        Sess x = {sess_time_dec(k.p + pn), 0};
        memcpy(&x.end, v.p, sizeof(int64_t));
        sess_sv_add(si, &si->n_sv, &x);
    }
    return WEIR_OK;
}

/* Add (1) or remove (0) session x of partition p in `sessions` and `closing`. */
static int sess_put(SessImpl *si, SopCtx *c, const uint8_t *p, size_t pn, const Sess *x, int add)
{
    uint8_t ts[SESS_T], te[SESS_T];
    sess_time_enc(ts, x->start);
    sess_time_enc(te, x->end);
    if (sess_key3(c, &si->key, p, pn, ts, SESS_T, NULL, 0) || sess_key3(c, &si->key2, te, SESS_T, p, pn, ts, SESS_T))
        return WEIR_ERROR;
    uint64_t h1 = state_hash(si->key.p, si->key.len), h2 = state_hash(si->key2.p, si->key2.len);
    if (!add) {
        state_delete(si->sess, h1, si->key.p, si->key.len);
        state_delete(si->closing, h2, si->key2.p, si->key2.len);
        return WEIR_OK;
    }
    Err e;
    err_clear(&e);
    uint8_t none = 0;
    if (state_put(si->sess, h1, si->key.p, si->key.len, (const uint8_t *)&x->end, sizeof(x->end), &e) ||
        state_put(si->closing, h2, si->key2.p, si->key2.len, &none, 1, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* Partition p's open sessions into si->sv and a walk of its rows (time order) into *it. */
static int sess_walk(SessImpl *si, SopCtx *c, const uint8_t *p, size_t pn, StateIter *it)
{
    if (sess_load(si, c, p, pn))
        return WEIR_ERROR;
    Err e;
    err_clear(&e);
    if (state_iter_range(it, si->rows, p, pn, p, pn, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* Rebuild partition p's sessions from its rows of positive multiplicity (after a retraction). */
static int sess_rebuild(SessImpl *si, SopCtx *c, const uint8_t *p, size_t pn)
{
    StateIter it;
    if (sess_walk(si, c, p, pn, &it))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < si->n_sv; i++)
        if (sess_put(si, c, p, pn, &si->sv[i], 0))
            return WEIR_ERROR;
    Slice k, v;
    Sess cur = {0, 0};
    int open = 0;
    int64_t last = 0;
    uint32_t n = 0; /* the new sessions, collected, then written once the walk is over */
    while (state_iter_next(&it, &k, &v)) {
        SessRow r;
        memcpy(&r, v.p, sizeof(r));
        if (r.cur <= 0)
            continue;
        int64_t t = sess_time_dec(k.p + pn);
        if (open && t - si->ws->gap_us <= last) {
            last = t;
            continue;
        }
        if (open) {
            cur.end = last + si->ws->gap_us;
            sess_sv_add(si, &n, &cur);
        }
        open = 1;
        cur.start = last = t;
    }
    if (open) {
        cur.end = last + si->ws->gap_us;
        sess_sv_add(si, &n, &cur);
    }
    si->n_sv = n;
    for (uint32_t i = 0; i < n; i++)
        if (sess_put(si, c, p, pn, &si->sv[i], 1))
            return WEIR_ERROR;
    return WEIR_OK;
}

static int sess_touch(SessImpl *si, SopCtx *c, const uint8_t *p, size_t pn)
{
    if (!si->opts.emit_on_update)
        return WEIR_OK;
    if (si->n_touched && si->touched[si->n_touched - 1].n == pn &&
        (pn == 0 || memcmp(si->touched[si->n_touched - 1].p, p, pn) == 0))
        return WEIR_OK; /* rows of one partition often come together */
    uint8_t *copy = pn ? arena_try_alloc(si->touched_arena, pn) : NULL;
    if (pn && !copy)
        return win_oom(c);
    if (pn)
        memcpy(copy, p, pn);
    if (si->n_touched == si->cap_touched) {
        uint32_t nc = si->cap_touched ? si->cap_touched * 2 : 64;
        SessTouched *nt = realloc(si->touched, nc * sizeof(*nt));
        if (!nt)
            abort();
        si->touched = nt;
        si->cap_touched = nc;
    }
    si->touched[si->n_touched++] = (SessTouched){copy, (uint32_t)pn};
    return WEIR_OK;
}

/* One row: pt = partition ++ time (KEY), rx = the row (EXACT), weight w. *is_late set when late. */
static int sess_row(SessImpl *si, SopCtx *c, Slice pt, Slice rx, int64_t w, int *is_late)
{
    const WinAssignSpec *ws = si->ws;
    size_t pn = pt.n - SESS_T;
    const uint8_t *p = pt.p;
    int64_t t = sess_time_dec(pt.p + pn);
    *is_late = 0;
    if (sess_load(si, c, p, pn))
        return WEIR_ERROR;
    if (w > 0) {
        Sess m = {t, 0};
        if (__builtin_add_overflow(t, ws->gap_us, &m.end) || !sql_timestamp_valid(m.end)) {
            *is_late = 1; /* outside the timestamp range (batch: 22008): counted, not computed */
            return WEIR_OK;
        }
        uint32_t n_over = 0, only = 0;
        for (uint32_t i = 0; i < si->n_sv; i++) {
            const Sess *x = &si->sv[i];
            if (x->start - ws->gap_us <= t && t <= x->end) {
                n_over++;
                only = i;
                m.start = x->start < m.start ? x->start : m.start;
                m.end = x->end > m.end ? x->end : m.end;
            }
        }
        if (sop_window_is_closed(t, c->watermark)) {
            /* at or behind the watermark: it might belong to a session already closed and emitted */
            *is_late = 1;
            return WEIR_OK;
        }
        int same = n_over == 1 && si->sv[only].start == m.start && si->sv[only].end == m.end;
        if (!same) {
            for (uint32_t i = 0; i < si->n_sv; i++) {
                const Sess *x = &si->sv[i];
                if (x->start - ws->gap_us <= t && t <= x->end && sess_put(si, c, p, pn, x, 0))
                    return WEIR_ERROR;
            }
            if (sess_put(si, c, p, pn, &m, 1))
                return WEIR_ERROR;
        }
    } else {
        int found = 0;
        for (uint32_t i = 0; i < si->n_sv && !found; i++)
            found = si->sv[i].start <= t && t <= si->sv[i].end - ws->gap_us;
        if (!found) {
            *is_late = 1; /* its session has closed (or it never was): nothing open to take it from */
            return WEIR_OK;
        }
    }
    if (sess_key3(c, &si->key, pt.p, pt.n, rx.p, rx.n, NULL, 0))
        return WEIR_ERROR;
    uint64_t h = state_hash(si->key.p, si->key.len);
    uint8_t *val;
    int is_new;
    Err e;
    err_clear(&e);
    if (state_upsert(si->rows, h, si->key.p, si->key.len, sizeof(SessRow), &val, &is_new, &e))
        return sop_err_from(c->err, &e);
    SessRow r;
    memcpy(&r, val, sizeof(r));
    r.cur += w;
    memcpy(val, &r, sizeof(r));
    if (r.cur == 0 && r.emitted == 0)
        state_delete(si->rows, h, si->key.p, si->key.len);
    if (w < 0 && sess_rebuild(si, c, p, pn))
        return WEIR_ERROR;
    return sess_touch(si, c, p, pn);
}

static int sess_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    SessImpl *si = s->impl;
    const Batch *b = in->b;
    const Vec *tv = &b->cols[si->ws->time_col];
    Slice *pt = ARENA_NEW(c->scratch, Slice, b->n);
    Slice *rx = ARENA_NEW(c->scratch, Slice, b->n);
    uint32_t *late = ARENA_NEW(c->scratch, uint32_t, b->n);
    if (!pt || !rx || !late)
        return win_oom(c);
    Err e;
    err_clear(&e);
    if (rowcodec_encode_batch(si->pt_cols, si->pt_idx, si->n_pt, b, ROWCODEC_KEY, c->scratch, pt, &e) ||
        rowcodec_encode_batch(si->row_cols, si->row_idx, si->n_in, b, ROWCODEC_EXACT, c->scratch, rx, &e))
        return sop_err_from(c->err, &e);
    uint32_t n_late = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        if (vec_is_null(tv, i))
            continue;
        int is_late = !sql_timestamp_valid(tv->u.i[i]); /* 'infinity': as tumble and hop do */
        if (!is_late && sess_row(si, c, pt[i], rx[i], zbatch_weight(in, i), &is_late))
            return WEIR_ERROR;
        if (is_late)
            late[n_late++] = i;
    }
    return n_late ? sop_late_report(s, c, &si->opts, b, late, n_late) : WEIR_OK;
}

/* Append the row whose EXACT bytes are rx, with bounds x and weight w, to o. */
static int sess_out_row(SessImpl *si, SopOut *o, SopCtx *c, const uint8_t *rx, size_t rn, const Sess *x, int64_t w)
{
    SqlValue *vals = ARENA_NEW(c->scratch, SqlValue, si->n_in + 1);
    if (!vals)
        return win_oom(c);
    Err e;
    err_clear(&e);
    if (rowcodec_decode(si->row_cols, si->n_in, rx, rn, c->scratch, vals, &e))
        return sop_err_from(c->err, &e);
    uint32_t row;
    if (sop_out_row(o, w, &row))
        return WEIR_ERROR;
    for (uint32_t k = 0; k < si->n_in; k++)
        if (sop_out_put(o, row, k, &vals[k]))
            return WEIR_ERROR;
    SqlValue b;
    memset(&b, 0, sizeof(b));
    b.type = o->s->types[si->n_in];
    b.u.i = x->start;
    if (sop_out_put(o, row, si->n_in, &b))
        return WEIR_ERROR;
    b.u.i = x->end;
    return sop_out_put(o, row, si->n_in + 1, &b);
}

static int sess_cmp_touched(const void *a, const void *b)
{
    const SessTouched *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    if (c)
        return c;
    return x->n < y->n ? -1 : x->n > y->n;
}

/* on_update: bring what was emitted for partition p in line with its rows and sessions now. */
static int sess_sync(SessImpl *si, SopOut *o, SopCtx *c, const uint8_t *p, size_t pn)
{
    StateIter it;
    if (sess_walk(si, c, p, pn, &it))
        return WEIR_ERROR;
    Err e;
    err_clear(&e);
    Slice k, v;
    uint32_t si_i = 0;
    while (state_iter_next(&it, &k, &v)) {
        SessRow r;
        memcpy(&r, v.p, sizeof(r));
        int64_t t = sess_time_dec(k.p + pn);
        while (si_i < si->n_sv && si->sv[si_i].end - si->ws->gap_us < t)
            si_i++;
        Sess now = {0, 0};
        int in_sess = r.cur > 0 && si_i < si->n_sv && si->sv[si_i].start <= t;
        if (in_sess)
            now = si->sv[si_i];
        int64_t want = in_sess ? r.cur : 0;
        if (want == r.emitted && (want == 0 || (now.start == r.em_start && now.end == r.em_end))) {
            if (r.cur == 0 && r.emitted == 0)
                state_delete(si->rows, state_hash(k.p, k.n), k.p, k.n);
            continue;
        }
        const uint8_t *rx = k.p + pn + SESS_T;
        size_t rn = k.n - pn - SESS_T;
        Sess old = {r.em_start, r.em_end};
        if (r.emitted && sess_out_row(si, o, c, rx, rn, &old, -r.emitted))
            return WEIR_ERROR;
        if (want && sess_out_row(si, o, c, rx, rn, &now, want))
            return WEIR_ERROR;
        if (r.cur == 0) {
            state_delete(si->rows, state_hash(k.p, k.n), k.p, k.n);
            continue;
        }
        r.emitted = want;
        r.em_start = now.start;
        r.em_end = now.end;
        uint8_t *val;
        int is_new;
        if (state_upsert(si->rows, state_hash(k.p, k.n), k.p, k.n, sizeof(SessRow), &val, &is_new, &e))
            return sop_err_from(c->err, &e);
        memcpy(val, &r, sizeof(r));
    }
    return WEIR_OK;
}

static int sess_advance(Sop *s, SopCtx *c)
{
    SessImpl *si = s->impl;
    SopOut o;
    sop_out_init(&o, s, c, 64);
    if (si->n_touched) {
        qsort(si->touched, si->n_touched, sizeof(*si->touched), sess_cmp_touched);
        for (uint32_t i = 0; i < si->n_touched; i++) {
            if (i && sess_cmp_touched(&si->touched[i - 1], &si->touched[i]) == 0)
                continue;
            if (sess_sync(si, &o, c, si->touched[i].p, si->touched[i].n))
                return WEIR_ERROR;
        }
        si->n_touched = 0;
        arena_reset(si->touched_arena);
    }
    if (c->watermark != SOP_WM_NONE) {
        /* every session whose end the watermark reached, in closing order */
        uint8_t hi[SESS_T];
        sess_time_enc(hi, c->watermark);
        StateIter it;
        Err e;
        err_clear(&e);
        if (state_iter_range(&it, si->closing, NULL, 0, hi, SESS_T, &e))
            return sop_err_from(c->err, &e);
        Slice k, v;
        while (state_iter_next(&it, &k, &v)) {
            if (k.n < 2 * SESS_T)
                return sql_error_set(c->err, "XX001", 0, "session window state is damaged");
            Sess x = {sess_time_dec(k.p + k.n - SESS_T), sess_time_dec(k.p)};
            const uint8_t *p = k.p + SESS_T;
            size_t pn = k.n - 2 * SESS_T;
            uint8_t lo[SESS_T], last[SESS_T];
            sess_time_enc(lo, x.start);
            sess_time_enc(last, x.end - si->ws->gap_us);
            if (sess_key3(c, &si->key, p, pn, lo, SESS_T, NULL, 0) || sess_key3(c, &si->key2, p, pn, last, SESS_T, NULL, 0))
                return WEIR_ERROR;
            StateIter rt;
            if (state_iter_range(&rt, si->rows, si->key.p, si->key.len, si->key2.p, si->key2.len, &e))
                return sop_err_from(c->err, &e);
            Slice rk, rv;
            while (state_iter_next(&rt, &rk, &rv)) {
                SessRow r;
                memcpy(&r, rv.p, sizeof(r));
                /* on_update emitted these rows already, as they came */
                if (!si->opts.emit_on_update && r.cur > 0 &&
                    sess_out_row(si, &o, c, rk.p + pn + SESS_T, rk.n - pn - SESS_T, &x, r.cur))
                    return WEIR_ERROR;
                state_delete(si->rows, state_hash(rk.p, rk.n), rk.p, rk.n);
            }
            state_delete(si->sess, state_hash(si->key.p, si->key.len), si->key.p, si->key.len);
            state_delete(si->closing, state_hash(k.p, k.n), k.p, k.n);
        }
    }
    return sop_out_flush(&o);
}

static void sess_destroy(Sop *s)
{
    SessImpl *si = s->impl;
    buf_fini(&si->key);
    buf_fini(&si->key2);
    free(si->sv);
    free(si->touched);
    si->sv = NULL;
    si->touched = NULL;
    arena_destroy(&si->touched_arena);
}

static const SopOps sess_ops = {
    .name = "session window", .push = sess_push, .advance = sess_advance, .destroy = sess_destroy};

/* ------------------------------------------------------------------------------------------------
 * Compiling
 * ---------------------------------------------------------------------------------------------- */

static int win_compile_session(SopCompiler *cc, const Op *op, Sop **out)
{
    const WinAssignSpec *ws = op->spec;
    uint32_t n_in = op->n_cols - 2;
    Sop *s = sop_new(cc->g, &sess_ops, sizeof(SessImpl), op->types, op->n_cols);
    if (!s)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    SessImpl *si = s->impl;
    si->ws = ws;
    si->opts = *cc->opts;
    si->n_in = n_in;
    si->n_pt = ws->n_part + 1;
    si->pt_cols = ARENA_NEW(cc->g->arena, RowCodecCol, si->n_pt);
    si->pt_idx = ARENA_NEW(cc->g->arena, uint32_t, si->n_pt);
    si->row_cols = ARENA_NEW(cc->g->arena, RowCodecCol, n_in + 1);
    si->row_idx = ARENA_NEW(cc->g->arena, uint32_t, n_in + 1);
    if (!si->pt_cols || !si->pt_idx || !si->row_cols || !si->row_idx ||
        !(si->touched_arena = arena_create(cc->g->arena, ARENA_UNLIMITED)))
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    buf_init(&si->key, STATE_KEY_MAX);
    buf_init(&si->key2, STATE_KEY_MAX);
    for (uint32_t k = 0; k < ws->n_part; k++) {
        si->pt_idx[k] = ws->part_cols[k];
        si->pt_cols[k] = (RowCodecCol){op->types[ws->part_cols[k]], 0};
    }
    si->pt_idx[ws->n_part] = ws->time_col;
    si->pt_cols[ws->n_part] = (RowCodecCol){op->types[ws->time_col], 0};
    for (uint32_t k = 0; k < n_in; k++) {
        SqlTypeId t = op->types[k].id;
        if (t == SQL_RECORD || t == SQL_VOID)
            return sql_error_set(cc->err, "0A000", 0, "a session window over a column of type record is not supported in a continuous query");
        si->row_idx[k] = k;
        si->row_cols[k] = (RowCodecCol){op->types[k], 0};
    }
    if (sop_state_new(s, 1, &si->rows, cc->err) || sop_state_new(s, 1, &si->sess, cc->err) ||
        sop_state_new(s, 1, &si->closing, cc->err))
        return WEIR_ERROR;
    *out = s;
    return WEIR_OK;
}

int sop_compile_winassign(SopCompiler *cc, const Op *op, Sop *in, Sop **out)
{
    const WinAssignSpec *ws = op->spec;
    (void)in; /* the driver connects it */
    if (ws->kind == WINASSIGN_SESSION)
        return win_compile_session(cc, op, out);
    Sop *s = sop_new(cc->g, &win_ops, sizeof(WinImpl), op->types, op->n_cols);
    if (!s)
        return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
    WinImpl *w = s->impl;
    w->ws = ws;
    w->opts = *cc->opts;
    w->n_in = op->n_cols - 2;
    w->per_row = ws->kind == WINASSIGN_HOP ? (uint32_t)(ws->size_us / ws->slide_us) : 1;
    *out = s;
    return WEIR_OK;
}
