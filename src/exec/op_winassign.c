/*
 * op_winassign.c: OP_WINASSIGN, the window table functions in FROM -- tumble, hop and session -- in
 * batch (ad hoc) queries. The plan data is WinAssignSpec (op.h, whose comment fixes the semantics); the
 * binder is bind_tvf.c. The streaming operators (src/stream/) assign tumble and hop windows with the same
 * winassign_windows, so a continuous query and the same SELECT run in batch agree on every window.
 *
 * Output: the child's columns, then window_start and window_end (microseconds, of the time column's
 * type). Rows whose time is NULL belong to no window and are left out.
 *
 * tumble and hop are per row, in the child's order, a row's windows earliest first. The operator keeps
 * the child's current batch and a cursor (row, window of that row) across op_next calls, because one
 * input batch can make several output batches (a hop of size / slide windows copies each row that many
 * times). It asks the child for its next batch only when the current one is used up, which is also
 * when the output batch it returned last -- whose strings point into the child's batch -- is no longer
 * valid. A tumble over a batch without NULL times passes the child's vectors through untouched and
 * only adds the two window columns.
 *
 * session needs each partition's rows in time order, so the first op_next drains the child: rows with a
 * time are copied (strings too) into the operator's state arena, a child of the query arena, so a session
 * window over more rows than the query's memory budget fails with 53200. References to the rows are
 * sorted by (partition keys, time, input order); NULL keys form a partition of their own, as GROUP BY
 * treats them. Emitting walks the sorted references: at the first row of each session it looks ahead to
 * the session's last row (a row more than gap after the previous row of its partition starts a new
 * session), so a session is [first time, last time + gap) with no per-row arrays. Output strings point
 * into the state arena, which lives until op_winassign_close.
 *
 * Range: an infinite time, or a window reaching outside PostgreSQL's timestamp range (4714 BC to
 * 294276 AD), fails with 22008 "timestamp out of range", as date_bin does; sizes are bounded by the
 * binder (WINASSIGN_MAX_US), so nothing in between overflows.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"

/* 1970-01-01 00:00 (where windows are aligned, as Flink aligns them) minus 2000-01-01 00:00 (weir's and
 * PostgreSQL's zero), in microseconds. */
#define WA_UNIX_SHIFT (SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC)

typedef struct WaChunk {
    Batch *b;
    struct WaChunk *next;
} WaChunk;

typedef struct WaRun {
    Arena *state;     /* owns this struct and, for session, the rows */
    /* tumble, hop: the child's batch being read and the cursor in it */
    Batch *in;
    uint32_t row;     /* next row of in */
    uint32_t k;       /* next window of that row */
    /* session */
    struct WaChunk *kept, **kept_tail; /* rows with a time, copied, in input order */
    Batch **chunks;   /* the same as an array, once the child is drained */
    uint32_t n_chunks;
    uint32_t *sel;    /* scratch: the rows of an input batch that have a time */
    uint64_t *refs;   /* chunk << 32 | row, in (keys, time, input order) */
    uint64_t n_refs;
    uint64_t pos;     /* next reference to emit */
    uint64_t sess_stop; /* one past the last reference of the session being emitted */
    int64_t sess_start, sess_end;
    int drained;
} WaRun;

static int wa_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

static int wa_range(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "22008", 0, "timestamp out of range");
}

/* ------------------------------------------------------------------------------------------------
 * Window arithmetic
 * ---------------------------------------------------------------------------------------------- */

/* x mod m in [0, m) for m > 0 (C's % keeps the sign of x). */
static int64_t wa_mod(int64_t x, int64_t m)
{
    int64_t r = x % m;
    return r < 0 ? r + m : r;
}

/* The latest s <= ts of the form 1970-01-01 + offset + i * step (i any integer). The remainder of
 * (ts - 1970-01-01 - offset) by step is summed from the terms' own remainders, each below step, so
 * nothing overflows whatever ts and offset are (step <= INT64_MAX, two remainders < 2^64). */
static int64_t wa_align(int64_t ts, int64_t step, int64_t offset)
{
    uint64_t r = ((uint64_t)wa_mod(ts, step) + (uint64_t)wa_mod(WA_UNIX_SHIFT, step)) % (uint64_t)step;
    r = (r + (uint64_t)(step - wa_mod(offset, step))) % (uint64_t)step;
    return ts - (int64_t)r;
}

void winassign_windows(const WinAssignSpec *ws, int64_t ts, int64_t *first_start, uint32_t *n, int64_t *step)
{
    switch (ws->kind) {
    case WINASSIGN_TUMBLE:
        *first_start = wa_align(ts, ws->size_us, ws->offset_us);
        *n = 1;
        *step = ws->size_us;
        return;
    case WINASSIGN_HOP: {
        /* the windows holding ts start at the multiples of slide in (ts - size, ts]: the latest is ts
         * aligned to slide, and size / slide of them end after ts */
        uint32_t k = (uint32_t)(ws->size_us / ws->slide_us);
        *first_start = wa_align(ts, ws->slide_us, ws->offset_us) - (ws->size_us - ws->slide_us);
        *n = k;
        *step = ws->slide_us;
        return;
    }
    case WINASSIGN_SESSION: break;
    }
    *first_start = ts; /* a session's bounds depend on the other rows: not a per-row question */
    *n = 0;
    *step = 0;
}

/* ------------------------------------------------------------------------------------------------
 * tumble, hop
 * ---------------------------------------------------------------------------------------------- */

/* The next output batch of a per-row spec: (row, window) pairs from the cursor on, up to VEC_BATCH. */
static int wa_next_rows(Op *op, ExecCtx *ctx, WaRun *r, Batch **out)
{
    const WinAssignSpec *ws = op->spec;
    uint32_t nc = op->n_cols - 2;
    for (;;) {
        if (!r->in || r->row >= r->in->n) {
            if (op_next(op->child, ctx, &r->in))
                return WEIR_ERROR;
            if (!r->in)
                return WEIR_OK;
            r->row = r->k = 0;
        }
        const Batch *in = r->in;
        const Vec *tv = &in->cols[ws->time_col];
        Batch *b = arena_try_calloc(op->batch_arena, sizeof(*b));
        uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, VEC_BATCH);
        if (!b || !sel || !(b->cols = ARENA_NEW(op->batch_arena, Vec, op->n_cols)) ||
            vec_init(&b->cols[nc], op->types[nc], op->batch_arena) ||
            vec_init(&b->cols[nc + 1], op->types[nc + 1], op->batch_arena))
            return wa_oom(ctx);
        int64_t *ws_out = b->cols[nc].u.i, *we_out = b->cols[nc + 1].u.i;
        uint32_t n = 0;
        while (n < VEC_BATCH && r->row < in->n) {
            if (vec_is_null(tv, r->row)) {
                r->row++;
                continue;
            }
            int64_t ts = tv->u.i[r->row], first, step;
            uint32_t cnt;
            if (!sql_timestamp_valid(ts))
                return wa_range(ctx);
            winassign_windows(ws, ts, &first, &cnt, &step);
            for (; r->k < cnt && n < VEC_BATCH; r->k++, n++) {
                int64_t s = first + (int64_t)r->k * step, e;
                if (s < SQL_MIN_TIMESTAMP || __builtin_add_overflow(s, ws->size_us, &e) || !sql_timestamp_valid(e))
                    return wa_range(ctx);
                sel[n] = r->row;
                ws_out[n] = s;
                we_out[n] = e;
            }
            if (r->k == cnt) {
                r->row++;
                r->k = 0;
            }
        }
        if (n == 0) {
            arena_reset(op->batch_arena); /* the rest of the batch had no times: nothing here is kept */
            continue;
        }
        b->n = n;
        b->n_cols = op->n_cols;
        /* tumble emits each row at most once, in order: n == in->n means every row, unchanged */
        int whole = ws->kind == WINASSIGN_TUMBLE && n == in->n;
        for (uint32_t c = 0; c < nc; c++) {
            if (whole)
                b->cols[c] = in->cols[c];
            else if (vec_gather(&in->cols[c], sel, n, op->batch_arena, &b->cols[c]))
                return wa_oom(ctx);
        }
        *out = b;
        return WEIR_OK;
    }
}

/* ------------------------------------------------------------------------------------------------
 * session
 * ---------------------------------------------------------------------------------------------- */

typedef struct WaCmpCtx {
    const WinAssignSpec *ws;
    Batch **chunks;
} WaCmpCtx;

static void wa_get(Batch **chunks, uint64_t ref, uint32_t col, SqlValue *out)
{
    vec_get(&chunks[ref >> 32]->cols[col], (uint32_t)ref, out);
}

static int64_t wa_time(const WaRun *r, const WinAssignSpec *ws, uint64_t ref)
{
    return r->chunks[ref >> 32]->cols[ws->time_col].u.i[(uint32_t)ref];
}

/* Whether two rows are in one partition: equal keys, NULLs equal (3-way, NULLs last, for sorting). */
static int wa_part_cmp(const WinAssignSpec *ws, Batch **chunks, uint64_t a, uint64_t b)
{
    for (uint32_t k = 0; k < ws->n_part; k++) {
        SqlValue x, y;
        wa_get(chunks, a, ws->part_cols[k], &x);
        wa_get(chunks, b, ws->part_cols[k], &y);
        int c = x.is_null || y.is_null ? (int)x.is_null - (int)y.is_null : sql_value_cmp(&x, &y);
        if (c)
            return c;
    }
    return 0;
}

static int wa_ref_cmp(const void *pa, const void *pb, void *arg)
{
    const WaCmpCtx *c = arg;
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    int k = wa_part_cmp(c->ws, c->chunks, a, b);
    if (k)
        return k;
    int64_t ta = c->chunks[a >> 32]->cols[c->ws->time_col].u.i[(uint32_t)a];
    int64_t tb = c->chunks[b >> 32]->cols[c->ws->time_col].u.i[(uint32_t)b];
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return a < b ? -1 : a > b; /* input order: the sort is stable */
}

/* Keep the rows of in that have a time: gathered into the state arena with their string bytes, since
 * the child reuses its batch memory. */
static int wa_keep(WaRun *r, const WinAssignSpec *ws, const Batch *in, ExecCtx *ctx)
{
    const Vec *tv = &in->cols[ws->time_col];
    if (!r->sel && !(r->sel = ARENA_NEW(r->state, uint32_t, VEC_BATCH)))
        return wa_oom(ctx);
    uint32_t *sel = r->sel, n = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (vec_is_null(tv, i))
            continue;
        if (!sql_timestamp_valid(tv->u.i[i]))
            return wa_range(ctx);
        sel[n++] = i;
    }
    if (n == 0)
        return WEIR_OK;
    Batch *c = batch_gather(in, sel, n, r->state);
    if (!c)
        return wa_oom(ctx);
    for (uint32_t k = 0; k < c->n_cols; k++) {
        SqlPhys ph = sql_type_phys(c->cols[k].type.id);
        if (ph != SQL_PHYS_STR && ph != SQL_PHYS_NONE)
            continue;
        for (uint32_t i = 0; i < n; i++) {
            SqlValue v;
            vec_get(&c->cols[k], i, &v);
            if (sql_value_keep(r->state, &v))
                return wa_oom(ctx);
            if (!v.is_null)
                c->cols[k].u.s[i] = v.u.s;
        }
    }
    WaChunk *k = arena_try_calloc(r->state, sizeof(*k));
    if (!k)
        return wa_oom(ctx);
    k->b = c;
    *r->kept_tail = k;
    r->kept_tail = &k->next;
    r->n_chunks++;
    r->n_refs += n;
    return WEIR_OK;
}

static int wa_session_drain(Op *op, ExecCtx *ctx, WaRun *r)
{
    const WinAssignSpec *ws = op->spec;
    for (;;) {
        Batch *in;
        if (op_next(op->child, ctx, &in))
            return WEIR_ERROR;
        if (!in)
            break;
        if (wa_keep(r, ws, in, ctx))
            return WEIR_ERROR;
    }
    r->drained = 1;
    if (!(r->chunks = ARENA_NEW(r->state, Batch *, r->n_chunks + 1)) ||
        !(r->refs = ARENA_NEW(r->state, uint64_t, r->n_refs ? r->n_refs : 1)))
        return wa_oom(ctx);
    uint32_t b = 0;
    for (const WaChunk *c = r->kept; c; c = c->next)
        r->chunks[b++] = c->b;
    uint64_t k = 0;
    for (b = 0; b < r->n_chunks; b++)
        for (uint32_t i = 0; i < r->chunks[b]->n; i++)
            r->refs[k++] = (uint64_t)b << 32 | i;
    WaCmpCtx cc = {ws, r->chunks};
    if (r->n_refs > 1)
        qsort_r(r->refs, r->n_refs, sizeof(uint64_t), wa_ref_cmp, &cc);
    return WEIR_OK;
}

/* At r->pos, the first row of a session: find its last row and its bounds. */
static int wa_session_begin(const WinAssignSpec *ws, WaRun *r, ExecCtx *ctx)
{
    uint64_t i = r->pos;
    int64_t first = wa_time(r, ws, r->refs[i]), last = first;
    while (i + 1 < r->n_refs && wa_part_cmp(ws, r->chunks, r->refs[i], r->refs[i + 1]) == 0) {
        int64_t t = wa_time(r, ws, r->refs[i + 1]);
        if (t - ws->gap_us > last) /* (t >= last: sorted; t - gap cannot overflow for valid times) */
            break;
        last = t;
        i++;
    }
    r->sess_stop = i + 1;
    r->sess_start = first;
    if (__builtin_add_overflow(last, ws->gap_us, &r->sess_end) || !sql_timestamp_valid(r->sess_end))
        return wa_range(ctx);
    return WEIR_OK;
}

static int wa_next_session(Op *op, ExecCtx *ctx, WaRun *r, Batch **out)
{
    const WinAssignSpec *ws = op->spec;
    if (!r->drained && wa_session_drain(op, ctx, r))
        return WEIR_ERROR;
    if (r->pos >= r->n_refs)
        return WEIR_OK;
    uint32_t n = r->n_refs - r->pos < VEC_BATCH ? (uint32_t)(r->n_refs - r->pos) : VEC_BATCH;
    uint32_t nc = op->n_cols - 2;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return wa_oom(ctx);
    b->n = n;
    for (uint32_t i = 0; i < n; i++, r->pos++) {
        if (r->pos == r->sess_stop && wa_session_begin(ws, r, ctx))
            return WEIR_ERROR;
        uint64_t ref = r->refs[r->pos];
        for (uint32_t c = 0; c < nc; c++) {
            SqlValue v;
            wa_get(r->chunks, ref, c, &v);
            if (vec_put(&b->cols[c], i, &v, op->batch_arena)) /* strings borrowed from the state arena */
                return wa_oom(ctx);
        }
        b->cols[nc].u.i[i] = r->sess_start;
        b->cols[nc + 1].u.i[i] = r->sess_end;
    }
    *out = b;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Operator protocol
 * ---------------------------------------------------------------------------------------------- */

int op_winassign_open(Op *op, ExecCtx *ctx)
{
    Arena *a = arena_create(ctx->arena, ARENA_UNLIMITED);
    WaRun *r = a ? arena_try_calloc(a, sizeof(*r)) : NULL;
    if (!r) {
        arena_destroy(&a);
        return wa_oom(ctx);
    }
    r->state = a;
    r->kept_tail = &r->kept;
    op->state = r;
    return WEIR_OK;
}

int op_winassign_next(Op *op, ExecCtx *ctx, Batch **out)
{
    WaRun *r = op->state;
    const WinAssignSpec *ws = op->spec;
    return ws->kind == WINASSIGN_SESSION ? wa_next_session(op, ctx, r, out) : wa_next_rows(op, ctx, r, out);
}

void op_winassign_close(Op *op)
{
    WaRun *r = op->state;
    if (r) {
        Arena *a = r->state;
        arena_destroy(&a);
    }
    op->state = NULL;
}
