/*
 * op_window.c: OP_WINDOW, window functions (plan data: exec/window.h; semantics: PostgreSQL 15's
 * nodeWindowAgg.c and windowfuncs.c).
 *
 * The first op_next drains the child. Each input batch has the spec's extra expressions (partition and
 * order keys, arguments, FILTERs) evaluated over it, and its rows -- child columns and extras -- are
 * appended to "chunks" of VEC_BATCH rows in the operator's state arena (strings copied), so row number id
 * lives in chunk id / VEC_BATCH at row id % VEC_BATCH. The state arena is a child of the query arena:
 * a window over more rows than the query's memory budget fails with 53200.
 *
 * Then, for each WinSort: a permutation of the row ids is sorted by partition keys and order keys (ties
 * by id, so equal rows keep their input order), partitions and peer groups are found by comparing
 * neighbours, and each call on that sort is computed partition by partition into its result column
 * (per chunk, indexed by row id). Frames are computed per row with pointers that only move forward
 * (frame starts and ends never move backwards as the current row advances, in every mode), so finding
 * frames is O(n) per partition. Aggregates over frames keep one running state: while the frame start
 * stays put the state only grows (a running sum is O(n)); when the start moves it is rebuilt from the new
 * start (O(n * frame width) for sliding frames, as PostgreSQL does for aggregates without an inverse),
 * and rows whose frame equals the previous row's (peers, whole partitions) reuse its result. With
 * EXCLUDE the state is rebuilt per row over the frame minus the excluded rows.
 *
 * Finally the rows are emitted in the order of the last sort, VEC_BATCH at a time: the child's columns,
 * then one column per call. Strings in output batches point into the state arena, which lives until
 * op_window_close.
 *
 * Aggregates are op_agg.c's accumulators (the WIN_AGG calls carry an AggCall), through the adapter in
 * the "Aggregates" section below.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/window.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

typedef struct WinRun {
    Arena *state;
    Batch **chunks;      /* child columns, then extras */
    uint32_t n_chunks, cap_chunks;
    uint32_t n_rows;
    SqlType *store_types; /* types of a chunk's columns */
    uint32_t n_store;
    uint32_t xbase;      /* chunk column of extra 0 (the child's column count) */
    Vec **res;           /* res[call][chunk] */
    uint32_t *perm;      /* row ids in output order */
    uint32_t emitted;
    int drained;
    /* frame offsets, evaluated at the first op_next */
    SqlValue *start_off, *end_off; /* per call */
    uint8_t *range_checked;        /* per call: RANGE offsets' sign checked */
    /* per-sort scratch (positions in perm) */
    uint32_t *gs, *ge, *gidx, *gfirst;
    AggAcc **acc;         /* per call: WIN_AGG's accumulator */
    struct WinSortRef *refs; /* the current sort's rows in order (perm[i] == refs[i].id) */
    uint32_t n_enc;          /* keys encoded in refs */
    uint64_t n_acc_steps; /* rows added to accumulators (tests check running aggregates are O(n)) */
} WinRun;

static int win_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* The vector holding extra col of row id. */
static inline const Vec *win_vec(const WinRun *r, uint32_t col, uint32_t id)
{
    return &r->chunks[id / VEC_BATCH]->cols[r->xbase + col];
}

static inline int win_is_null(const WinRun *r, uint32_t col, uint32_t id)
{
    return vec_is_null(win_vec(r, col, id), id % VEC_BATCH);
}

static inline void win_get(const WinRun *r, uint32_t col, uint32_t id, SqlValue *out)
{
    vec_get(win_vec(r, col, id), id % VEC_BATCH, out);
}

/* Copy row si of src into row di of dst (same physical type; strings shared, not copied). */
static int win_copy_elem(Vec *dst, uint32_t di, const Vec *src, uint32_t si, Arena *a)
{
    if (vec_is_null(src, si))
        return vec_set_null(dst, di, a);
    if (dst->nulls)
        dst->nulls[di >> 6] &= ~((uint64_t)1 << (di & 63));
    size_t es = vec_elem_size(dst->type.id);
    memcpy((uint8_t *)dst->u.data + (size_t)di * es, (const uint8_t *)src->u.data + (size_t)si * es, es);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Materializing the input
 * ---------------------------------------------------------------------------------------------- */

/* Append rows [so, so + k) of src to dst at row dn, copying strings into a. */
static int win_vec_append(Vec *dst, uint32_t dn, const Vec *src, uint32_t so, uint32_t k, Arena *a)
{
    size_t es = vec_elem_size(dst->type.id);
    memcpy((uint8_t *)dst->u.data + (size_t)dn * es, (const uint8_t *)src->u.data + (size_t)so * es, (size_t)k * es);
    if (src->nulls)
        for (uint32_t i = 0; i < k; i++)
            if (vec_is_null(src, so + i) && vec_set_null(dst, dn + i, a))
                return WEIR_ENOMEM;
    SqlPhys ph = sql_type_phys(dst->type.id);
    if (ph != SQL_PHYS_STR && ph != SQL_PHYS_NONE)
        return WEIR_OK;
    size_t total = 0;
    for (uint32_t i = 0; i < k; i++) {
        Slice *s = &dst->u.s[dn + i];
        if (vec_is_null(dst, dn + i))
            *s = (Slice){NULL, 0};
        total += s->n;
    }
    if (!total)
        return WEIR_OK;
    uint8_t *buf = arena_try_alloc(a, total);
    if (!buf)
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < k; i++) {
        Slice *s = &dst->u.s[dn + i];
        if (s->n) {
            memcpy(buf, s->p, s->n);
            s->p = buf;
            buf += s->n;
        }
    }
    return WEIR_OK;
}

static int win_consume(Op *op, WinRun *r, ExecCtx *ctx, const Batch *in)
{
    const WindowSpec *sp = op->spec;
    uint32_t n_child = op->n_cols - sp->n_calls;
    ExprCtx ec;
    exec_expr_ctx(ctx, op->batch_arena, &ec);
    Vec *ev = ARENA_NEW(op->batch_arena, Vec, sp->n_extra ? sp->n_extra : 1);
    if (!ev)
        return win_oom(ctx);
    for (uint32_t e = 0; e < sp->n_extra; e++)
        if (expr_eval(&ec, sp->extra[e], in, in->n, &ev[e]))
            return WEIR_ERROR;
    if ((uint64_t)r->n_rows + in->n >= UINT32_MAX)
        return sql_error_set(ctx->err, "54000", 0, "too many rows for a window function (more than %u)", UINT32_MAX - 1);
    uint32_t done = 0;
    while (done < in->n) {
        Batch *ch = r->n_chunks ? r->chunks[r->n_chunks - 1] : NULL;
        if (!ch || ch->n == VEC_BATCH) {
            if (r->n_chunks == r->cap_chunks) {
                uint32_t nc = r->cap_chunks ? r->cap_chunks * 2 : 16;
                Batch **nb = ARENA_NEW(r->state, Batch *, nc);
                if (!nb)
                    return win_oom(ctx);
                if (r->n_chunks)
                    memcpy(nb, r->chunks, r->n_chunks * sizeof(*nb));
                r->chunks = nb;
                r->cap_chunks = nc;
            }
            if (!(ch = batch_create(r->state, r->store_types, r->n_store)))
                return win_oom(ctx);
            r->chunks[r->n_chunks++] = ch;
        }
        uint32_t k = in->n - done;
        if (k > VEC_BATCH - ch->n)
            k = VEC_BATCH - ch->n;
        for (uint32_t c = 0; c < r->n_store; c++) {
            const Vec *src = c < n_child ? &in->cols[c] : &ev[c - n_child];
            if (win_vec_append(&ch->cols[c], ch->n, src, done, k, r->state))
                return win_oom(ctx);
        }
        ch->n += k;
        r->n_rows += k;
        done += k;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Sorting, partitions and peers
 * ---------------------------------------------------------------------------------------------- */

/* Compare column col of rows a and b; NULLs compare equal to each other and, with nulls_first, below
 * every value (else above). */
static int win_cmp_col(const WinRun *r, uint32_t col, uint32_t a, uint32_t b, int nulls_first)
{
    const Vec *va = win_vec(r, col, a), *vb = win_vec(r, col, b);
    uint32_t ia = a % VEC_BATCH, ib = b % VEC_BATCH;
    int na = vec_is_null(va, ia), nb = vec_is_null(vb, ib);
    if (na || nb) {
        if (na && nb)
            return 0;
        return (na ? 1 : -1) * (nulls_first ? -1 : 1);
    }
    switch (sql_type_phys(va->type.id)) {
    case SQL_PHYS_INT: return va->u.i[ia] < vb->u.i[ib] ? -1 : va->u.i[ia] > vb->u.i[ib];
    case SQL_PHYS_BOOL: return (int)va->u.b[ia] - (int)vb->u.b[ib];
    default: {
        SqlValue x, y;
        vec_get(va, ia, &x);
        vec_get(vb, ib, &y);
        return sql_value_cmp(&x, &y);
    }
    }
}

/* Sorting compares the keys of two rows often (n log n times): the first two keys (typically the
 * partition and the order key) are encoded once per row into order-preserving 64-bit integers
 * (integers, dates and timestamps exactly; floats exactly, -0 as 0 and every NaN above +Infinity;
 * strings by their first 8 bytes; bools) with a NULL rank, and only rows that tie on those are compared
 * column by column. */
#define WIN_ENC_KEYS 2
typedef struct WinSortRef {
    uint64_t k[WIN_ENC_KEYS];     /* encoded keys (descending: inverted) */
    uint32_t id;
    uint8_t nrank[WIN_ENC_KEYS];  /* 0: NULL placed first, 1: a value, 2: NULL placed last */
    uint8_t exact[WIN_ENC_KEYS];  /* k decides equality of the key (not a string prefix, not numeric) */
} WinSortRef;

typedef struct WinSortCtx {
    const WinRun *r;
    const WinSort *s;
    uint32_t n_enc; /* keys encoded in WinSortRef */
} WinSortCtx;

/* Key number k of a sort: partition keys (ascending, NULLs last), then order keys. */
static void win_sort_key(const WinSort *s, uint32_t k, uint32_t *col, int *desc, int *nulls_first)
{
    if (k < s->n_part) {
        *col = s->part[k], *desc = 0, *nulls_first = 0;
    } else {
        const WinOrder *o = &s->order[k - s->n_part];
        *col = o->col, *desc = o->desc, *nulls_first = o->nulls_first;
    }
}

/* Compare rows a and b on keys from..end of the sort, then by id (so peers keep their input order). */
static int win_sort_cmp_from(const WinSortCtx *c, uint32_t a, uint32_t b, uint32_t from)
{
    uint32_t n = c->s->n_part + c->s->n_order;
    for (uint32_t k = from; k < n; k++) {
        uint32_t col;
        int desc, nf;
        win_sort_key(c->s, k, &col, &desc, &nf);
        /* nulls_first is about the final order: for DESC the comparison is flipped below, so flip the
         * NULL placement first */
        int d = win_cmp_col(c->r, col, a, b, desc ? !nf : nf);
        if (d)
            return desc ? -d : d;
    }
    return a < b ? -1 : a > b;
}

static int win_sort_cmp(const void *pa, const void *pb, void *arg)
{
    const WinSortCtx *c = arg;
    const WinSortRef *x = pa, *y = pb;
    for (uint32_t j = 0; j < c->n_enc; j++) {
        if (x->nrank[j] != y->nrank[j])
            return x->nrank[j] < y->nrank[j] ? -1 : 1;
        if (x->k[j] != y->k[j])
            return x->k[j] < y->k[j] ? -1 : 1;
        if (x->nrank[j] == 1 && !x->exact[j])
            return win_sort_cmp_from(c, x->id, y->id, j);
    }
    return win_sort_cmp_from(c, x->id, y->id, c->n_enc);
}

/* Encode key j of row id into out (see WinSortRef). */
static void win_sort_encode(const WinRun *r, const WinSort *s, uint32_t j, uint32_t id, WinSortRef *out)
{
    uint32_t col;
    int desc, nf;
    win_sort_key(s, j, &col, &desc, &nf);
    const Vec *v = win_vec(r, col, id);
    uint32_t row = id % VEC_BATCH;
    out->k[j] = 0;
    out->exact[j] = 1;
    if (vec_is_null(v, row)) {
        out->nrank[j] = nf ? 0 : 2;
        return;
    }
    out->nrank[j] = 1;
    uint64_t k = 0;
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_INT: k = (uint64_t)v->u.i[row] ^ ((uint64_t)1 << 63); break;
    case SQL_PHYS_BOOL: k = v->u.b[row]; break;
    case SQL_PHYS_FLOAT: {
        double d = v->u.f[row];
        if (isnan(d)) {
            k = UINT64_MAX;
            break;
        }
        if (d == 0)
            d = 0; /* -0 sorts with 0 */
        memcpy(&k, &d, sizeof(k));
        k = (k >> 63) ? ~k : k | ((uint64_t)1 << 63);
        if (k == UINT64_MAX)
            k--; /* UINT64_MAX is NaN's */
        break;
    }
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: {
        const Slice *sl = &v->u.s[row];
        for (size_t i = 0; i < 8; i++)
            k = k << 8 | (i < sl->n ? sl->p[i] : 0);
        out->exact[j] = 0;
        break;
    }
    default: out->exact[j] = 0; break; /* numeric, interval: compared in full */
    }
    out->k[j] = desc ? ~k : k;
}

/* Whether the rows at sorted positions pa and pb are equal on keys [from, to) of the sort (NULLs equal),
 * from their encoded keys where those decide. */
static int win_keys_equal(const WinRun *r, const WinSort *s, uint32_t pa, uint32_t pb, uint32_t from, uint32_t to)
{
    for (uint32_t k = from; k < to; k++) {
        if (k < r->n_enc) {
            const WinSortRef *x = &r->refs[pa], *y = &r->refs[pb];
            if (x->nrank[k] != y->nrank[k] || x->k[k] != y->k[k])
                return 0;
            if (x->nrank[k] != 1 || x->exact[k])
                continue;
        }
        uint32_t col;
        int desc, nf;
        win_sort_key(s, k, &col, &desc, &nf);
        if (win_cmp_col(r, col, r->perm[pa], r->perm[pb], 0))
            return 0;
    }
    return 1;
}

static int win_same_partition(const WinRun *r, const WinSort *s, uint32_t pa, uint32_t pb)
{
    return win_keys_equal(r, s, pa, pb, 0, s->n_part);
}

static int win_peers(const WinRun *r, const WinSort *s, uint32_t pa, uint32_t pb)
{
    return win_keys_equal(r, s, pa, pb, s->n_part, s->n_part + s->n_order);
}

/* One partition: positions [ps, pe) of perm, its peer groups in r->gs/ge/gidx (per position) and
 * r->gfirst (per group number). */
typedef struct WinPart {
    uint32_t ps, pe;
    uint32_t n_groups;
} WinPart;

static void win_part_groups(WinRun *r, const WinSort *s, WinPart *p)
{
    uint32_t g = 0, start = p->ps;
    for (uint32_t i = p->ps; i < p->pe; i++) {
        if (i > p->ps && !win_peers(r, s, i - 1, i)) {
            for (uint32_t j = start; j < i; j++)
                r->ge[j] = i;
            start = i;
            g++;
        }
        if (i == start)
            r->gfirst[p->ps + g] = i;
        r->gs[i] = start;
        r->gidx[i] = g;
    }
    for (uint32_t j = start; j < p->pe; j++)
        r->ge[j] = p->pe;
    p->n_groups = p->pe > p->ps ? g + 1 : 0;
}

/* First position of group number g of partition p (g may be n_groups: the partition's end). */
static inline uint32_t win_group_first(const WinRun *r, const WinPart *p, int64_t g)
{
    return g >= (int64_t)p->n_groups ? p->pe : r->gfirst[p->ps + (uint32_t)g];
}

/* ------------------------------------------------------------------------------------------------
 * Frames
 * ---------------------------------------------------------------------------------------------- */

/* A RANGE bound: the current row's key plus or minus the offset, in the form its comparisons use. */
typedef struct WinRangeVal {
    int kind;     /* 0: value in the fields below; -1: below every key; 1: above every key */
    __int128 i;   /* integer keys; date/time/timestamp keys as microseconds */
    double f;
    SqlNumeric num;
    SqlInterval iv;
} WinRangeVal;

/* Per call and partition: where the RANGE-offset frame pointers are. */
typedef struct WinFrameRun {
    const WinCall *call;
    const WinSort *sort;
    const SqlValue *start_off, *end_off;
    uint32_t head, tail;    /* RANGE offset: the previous row's frame start and end */
    uint32_t nn_s, nn_e;    /* RANGE offset: positions of the non-NULL keys of the partition */
    uint32_t null_s, null_e; /* RANGE offset: positions of its NULL keys (at one end) */
} WinFrameRun;

static const SqlTz *win_tz(const ExecCtx *ctx)
{
    return ctx->fmt ? ctx->fmt->tz : NULL;
}

/* date -> timestamp microseconds, infinite beyond timestamp's range (date2timestamp_no_overflow). */
static int64_t win_date_usec(int64_t d)
{
    if (d == SQL_DT_NOBEGIN || d <= INT64_MIN / SQL_USEC_PER_DAY)
        return SQL_DT_NOBEGIN;
    if (d == SQL_DT_NOEND || d >= INT64_MAX / SQL_USEC_PER_DAY)
        return SQL_DT_NOEND;
    return d * SQL_USEC_PER_DAY;
}

/* The key of row id in the form of a WinRangeVal (kind 0). */
static void win_range_key(const WinRun *r, uint32_t col, uint32_t id, WinRangeVal *out)
{
    SqlValue v;
    win_get(r, col, id, &v);
    memset(out, 0, sizeof(*out));
    switch (v.type.id) {
    case SQL_FLOAT4:
    case SQL_FLOAT8: out->f = v.u.f; break;
    case SQL_NUMERIC: out->num = v.u.num; break;
    case SQL_INTERVAL: out->iv = v.u.iv; break;
    case SQL_DATE: out->i = win_date_usec(v.u.i); break;
    default: out->i = v.u.i; break;
    }
}

static int win_range_cmp(SqlTypeId t, const WinRangeVal *a, const WinRangeVal *b)
{
    if (b->kind)
        return -b->kind;
    switch (t) {
    case SQL_FLOAT4:
    case SQL_FLOAT8: {
        double x = a->f, y = b->f;
        if (isnan(x) || isnan(y))
            return isnan(x) ? (isnan(y) ? 0 : 1) : -1;
        return x < y ? -1 : x > y;
    }
    case SQL_NUMERIC: return sql_numeric_cmp(&a->num, &b->num);
    case SQL_INTERVAL: return sql_interval_cmp(&a->iv, &b->iv);
    default: return a->i < b->i ? -1 : a->i > b->i;
    }
}

/* Check a RANGE offset as PostgreSQL's in_range functions do (22013 when negative or NaN). */
static int win_range_check_offset(ExecCtx *ctx, const SqlValue *off)
{
    int neg = 0;
    switch (off->type.id) {
    case SQL_FLOAT8: neg = isnan(off->u.f) || off->u.f < 0; break;
    case SQL_NUMERIC: neg = off->u.num.kind == SQL_NUM_NAN || off->u.num.kind == SQL_NUM_NINF ||
                            (off->u.num.kind == SQL_NUM_FINITE && off->u.num.v < 0); break;
    case SQL_INTERVAL: {
        SqlInterval zero = {0, 0, 0};
        neg = sql_interval_cmp(&off->u.iv, &zero) < 0;
        break;
    }
    default: neg = off->u.i < 0; break;
    }
    if (neg)
        return sql_error_set(ctx->err, "22013", 0, "invalid preceding or following size in window function");
    return WEIR_OK;
}

/* The bound base +/- off (sub: minus) for a key of type t; is_end: the bound limits the frame's end
 * (used to resolve infinity - infinity, which in_range_float8_float8 treats as "every row"). */
static int win_range_bound(ExecCtx *ctx, SqlTypeId t, const WinRangeVal *base, const SqlValue *off, int sub,
                           int less, WinRangeVal *out)
{
    *out = *base;
    out->kind = 0;
    switch (t) {
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8: out->i = sub ? base->i - off->u.i : base->i + off->u.i; return WEIR_OK;
    case SQL_FLOAT4:
    case SQL_FLOAT8: {
        double o = off->u.f, b = base->f;
        if (isinf(o) && isinf(b) && (sub ? b > 0 : b < 0)) {
            out->kind = less ? 1 : -1; /* every non-NaN row is in range */
            return WEIR_OK;
        }
        out->f = sub ? b - o : b + o;
        return WEIR_OK;
    }
    case SQL_NUMERIC:
        return sub ? sql_numeric_sub(&base->num, &off->u.num, &out->num, ctx->err)
                   : sql_numeric_add(&base->num, &off->u.num, &out->num, ctx->err);
    case SQL_INTERVAL:
        return sub ? sql_interval_sub(&base->iv, &off->u.iv, &out->iv, ctx->err)
                   : sql_interval_add(&base->iv, &off->u.iv, &out->iv, ctx->err);
    case SQL_TIME: /* in_range_time_interval: only the time part, no wraparound */
        out->i = sub ? base->i - off->u.iv.usec : base->i + off->u.iv.usec;
        return WEIR_OK;
    default: { /* date (as timestamp), timestamp, timestamptz */
        int64_t ts = (int64_t)base->i, res;
        if (ts == SQL_DT_NOBEGIN || ts == SQL_DT_NOEND) {
            out->i = ts;
            return WEIR_OK;
        }
        const SqlTz *tz = t == SQL_TIMESTAMPTZ ? win_tz(ctx) : NULL;
        if (sub ? sql_timestamp_mi_interval(ts, &off->u.iv, tz, &res, ctx->err)
                : sql_timestamp_pl_interval(ts, &off->u.iv, tz, &res, ctx->err))
            return WEIR_ERROR;
        out->i = res;
        return WEIR_OK;
    }
    }
}

/* Frame of position i: [*fs, *fe), before exclusion (empty when *fe <= *fs). */
static int win_frame(WinRun *r, ExecCtx *ctx, WinFrameRun *fr, const WinPart *p, uint32_t i, uint32_t *fs,
                     uint32_t *fe)
{
    const WinFrame *f = &fr->call->frame;
    uint32_t s = p->ps, e = p->pe;
    int64_t so = fr->start_off ? fr->start_off->u.i : 0, eo = fr->end_off ? fr->end_off->u.i : 0;
    switch (f->mode) {
    case WIN_FRAME_ROWS:
        switch (f->start) {
        case WIN_BOUND_UNBOUNDED_PRECEDING: s = p->ps; break;
        case WIN_BOUND_CURRENT_ROW: s = i; break;
        case WIN_BOUND_PRECEDING: s = so > (int64_t)(i - p->ps) ? p->ps : (uint32_t)(i - so); break;
        case WIN_BOUND_FOLLOWING: s = so >= (int64_t)(p->pe - i) ? p->pe : (uint32_t)(i + so); break;
        case WIN_BOUND_UNBOUNDED_FOLLOWING: s = p->pe; break;
        }
        switch (f->end) {
        case WIN_BOUND_UNBOUNDED_FOLLOWING: e = p->pe; break;
        case WIN_BOUND_CURRENT_ROW: e = i + 1; break;
        case WIN_BOUND_PRECEDING: e = eo > (int64_t)(i - p->ps) ? p->ps : (uint32_t)(i - eo + 1); break;
        case WIN_BOUND_FOLLOWING: e = eo >= (int64_t)(p->pe - i) ? p->pe : (uint32_t)(i + eo + 1); break;
        case WIN_BOUND_UNBOUNDED_PRECEDING: e = p->ps; break;
        }
        break;
    case WIN_FRAME_GROUPS: {
        int64_t g = r->gidx[i];
        switch (f->start) {
        case WIN_BOUND_UNBOUNDED_PRECEDING: s = p->ps; break;
        case WIN_BOUND_CURRENT_ROW: s = r->gs[i]; break;
        case WIN_BOUND_PRECEDING: s = so > g ? p->ps : win_group_first(r, p, g - so); break;
        case WIN_BOUND_FOLLOWING: s = so >= (int64_t)p->n_groups - g ? p->pe : win_group_first(r, p, g + so); break;
        case WIN_BOUND_UNBOUNDED_FOLLOWING: s = p->pe; break;
        }
        switch (f->end) {
        case WIN_BOUND_UNBOUNDED_FOLLOWING: e = p->pe; break;
        case WIN_BOUND_CURRENT_ROW: e = r->ge[i]; break;
        case WIN_BOUND_PRECEDING: e = eo > g ? p->ps : win_group_first(r, p, g - eo + 1); break;
        case WIN_BOUND_FOLLOWING: e = eo >= (int64_t)p->n_groups - g ? p->pe : win_group_first(r, p, g + eo + 1); break;
        case WIN_BOUND_UNBOUNDED_PRECEDING: e = p->ps; break;
        }
        break;
    }
    case WIN_FRAME_RANGE: {
        int start_off = f->start == WIN_BOUND_PRECEDING || f->start == WIN_BOUND_FOLLOWING;
        int end_off = f->end == WIN_BOUND_PRECEDING || f->end == WIN_BOUND_FOLLOWING;
        switch (f->start) {
        case WIN_BOUND_CURRENT_ROW: s = r->gs[i]; break;
        case WIN_BOUND_UNBOUNDED_FOLLOWING: s = p->pe; break;
        default: s = p->ps; break;
        }
        switch (f->end) {
        case WIN_BOUND_CURRENT_ROW: e = r->ge[i]; break;
        case WIN_BOUND_UNBOUNDED_PRECEDING: e = p->ps; break;
        default: e = p->pe; break;
        }
        if (!start_off && !end_off)
            break;
        /* RANGE with an offset: one ORDER BY key; NULL keys are peers of each other only */
        const WinOrder *o = &fr->sort->order[0];
        uint32_t id = r->perm[i];
        if (win_is_null(r, o->col, id)) {
            if (start_off)
                s = fr->null_s;
            if (end_off)
                e = fr->null_e;
            break;
        }
        SqlTypeId t = win_vec(r, o->col, id)->type.id;
        WinRangeVal base, bound, key;
        win_range_key(r, o->col, id, &base);
        if (start_off) {
            int sub = (f->start == WIN_BOUND_PRECEDING) != o->desc;
            if (win_range_bound(ctx, t, &base, fr->start_off, sub, o->desc, &bound))
                return WEIR_ERROR;
            uint32_t h = fr->head > fr->nn_s ? fr->head : fr->nn_s;
            for (; h < fr->nn_e; h++) {
                win_range_key(r, o->col, r->perm[h], &key);
                int c = win_range_cmp(t, &key, &bound);
                if (o->desc ? c <= 0 : c >= 0)
                    break;
            }
            fr->head = h;
            s = h;
        }
        if (end_off) {
            int sub = (f->end == WIN_BOUND_PRECEDING) != o->desc;
            if (win_range_bound(ctx, t, &base, fr->end_off, sub, !o->desc, &bound))
                return WEIR_ERROR;
            uint32_t h = fr->tail > fr->nn_s ? fr->tail : fr->nn_s;
            for (; h < fr->nn_e; h++) {
                win_range_key(r, o->col, r->perm[h], &key);
                int c = win_range_cmp(t, &key, &bound);
                if (o->desc ? c < 0 : c > 0)
                    break;
            }
            fr->tail = h;
            e = h;
        }
        break;
    }
    }
    if (e < s)
        e = s;
    *fs = s;
    *fe = e;
    return WEIR_OK;
}

/* The frame of position i minus its excluded rows, as up to three ordered ranges; returns how many. */
static uint32_t win_segments(const WinRun *r, const WinCall *c, uint32_t i, uint32_t fs, uint32_t fe,
                             uint32_t seg[3][2])
{
    uint32_t n = 0, xs, xe; /* excluded [xs, xe) */
    switch (c->frame.exclude) {
    case WIN_EXCLUDE_NO_OTHERS:
        seg[0][0] = fs, seg[0][1] = fe;
        return fe > fs;
    case WIN_EXCLUDE_CURRENT_ROW: xs = i, xe = i + 1; break;
    default: xs = r->gs[i], xe = r->ge[i]; break;
    }
    uint32_t a = fs, b = fe < xs ? fe : xs;
    if (b > a)
        seg[n][0] = a, seg[n][1] = b, n++;
    if (c->frame.exclude == WIN_EXCLUDE_TIES && i >= fs && i < fe)
        seg[n][0] = i, seg[n][1] = i + 1, n++;
    a = fs > xe ? fs : xe, b = fe;
    if (b > a)
        seg[n][0] = a, seg[n][1] = b, n++;
    return n;
}

/* ------------------------------------------------------------------------------------------------
 * Aggregates
 * ---------------------------------------------------------------------------------------------- */

/* op_agg.c's accumulators (AggAcc, exec/op.h): the state of one aggregate over the rows added since its
 * last reset. They live in the state arena; final copies result strings there too, so results outlive
 * the next reset. */
typedef AggAcc WinAcc;

static int win_acc_create(WinRun *r, ExecCtx *ctx, const WinCall *c, WinAcc **out)
{
    return agg_acc_create(&c->agg, r->state, out, ctx->err);
}

static void win_acc_reset(WinAcc *acc)
{
    agg_acc_reset(acc);
}

/* Add row id: its argument values come from the call's extras. */
static int win_acc_add(WinRun *r, ExecCtx *ctx, const WinCall *c, WinAcc *acc, uint32_t id)
{
    SqlValue args[3];
    for (uint32_t k = 0; k < c->n_args; k++)
        win_get(r, c->args[k], id, &args[k]);
    return agg_acc_add(acc, ctx, args);
}

static int win_acc_final(WinRun *r, ExecCtx *ctx, const WinCall *c, WinAcc *acc, SqlValue *out)
{
    UNUSED(c);
    return agg_acc_final(acc, ctx, r->state, out);
}

/* ------------------------------------------------------------------------------------------------
 * Computing the calls
 * ---------------------------------------------------------------------------------------------- */

/* The result slot of call c for position pos. */
static inline Vec *win_res(const WinRun *r, uint32_t c, uint32_t id)
{
    return &r->res[c][id / VEC_BATCH];
}

static int win_put(WinRun *r, ExecCtx *ctx, uint32_t c, uint32_t id, const SqlValue *v)
{
    SqlValue x = *v;
    Vec *dst = win_res(r, c, id);
    x.type = dst->type;
    return vec_put(dst, id % VEC_BATCH, &x, r->state) ? win_oom(ctx) : WEIR_OK;
}

static int win_put_null(WinRun *r, ExecCtx *ctx, uint32_t c, uint32_t id)
{
    return vec_set_null(win_res(r, c, id), id % VEC_BATCH, r->state) ? win_oom(ctx) : WEIR_OK;
}

/* Copy the value of extra column col at row src_id into call c's result at row id. */
static int win_put_from(WinRun *r, ExecCtx *ctx, uint32_t c, uint32_t id, uint32_t col, uint32_t src_id)
{
    return win_copy_elem(win_res(r, c, id), id % VEC_BATCH, win_vec(r, col, src_id), src_id % VEC_BATCH, r->state)
               ? win_oom(ctx)
               : WEIR_OK;
}

/* row_number, rank, dense_rank, percent_rank, cume_dist, ntile over one partition. */
static int win_compute_rank(WinRun *r, ExecCtx *ctx, uint32_t ci, const WinCall *c, const WinPart *p)
{
    uint32_t n = p->pe - p->ps;
    int64_t nbuckets = 0, boundary = 0, remainder = 0, ntile = 0, per_bucket = 0;
    for (uint32_t i = p->ps; i < p->pe; i++) {
        uint32_t id = r->perm[i];
        SqlValue v;
        memset(&v, 0, sizeof(v));
        switch (c->fn) {
        case WIN_ROW_NUMBER: v.u.i = i - p->ps + 1; break;
        case WIN_RANK: v.u.i = r->gs[i] - p->ps + 1; break;
        case WIN_DENSE_RANK: v.u.i = r->gidx[i] + 1; break;
        case WIN_PERCENT_RANK: v.u.f = n > 1 ? (double)(r->gs[i] - p->ps) / (double)(n - 1) : 0; break;
        case WIN_CUME_DIST: v.u.f = (double)(r->ge[i] - p->ps) / (double)n; break;
        default: /* WIN_NTILE, as windowfuncs.c's window_ntile: the bucket count is read at the partition's
                  * first row (again at later rows while it is NULL) */
            if (ntile == 0) {
                if (win_is_null(r, c->args[0], id)) {
                    v.is_null = 1;
                    break;
                }
                SqlValue a;
                win_get(r, c->args[0], id, &a);
                nbuckets = a.u.i;
                if (nbuckets <= 0)
                    return sql_error_set(ctx->err, "22014", 0, "argument of ntile must be greater than zero");
                ntile = 1;
                per_bucket = 0;
                boundary = n / nbuckets;
                if (boundary <= 0)
                    boundary = 1;
                else {
                    remainder = n % nbuckets;
                    if (remainder != 0)
                        boundary++;
                }
            }
            per_bucket++;
            if (boundary < per_bucket) {
                if (remainder != 0 && ntile == remainder) {
                    remainder = 0;
                    boundary -= 1;
                }
                ntile++;
                per_bucket = 1;
            }
            v.u.i = ntile;
            break;
        }
        if (win_put(r, ctx, ci, id, &v))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* lag / lead over one partition: the value offset rows before / after, or the default. */
static int win_compute_lag(WinRun *r, ExecCtx *ctx, uint32_t ci, const WinCall *c, const WinPart *p)
{
    for (uint32_t i = p->ps; i < p->pe; i++) {
        uint32_t id = r->perm[i];
        int64_t off = 1;
        if (c->n_args >= 2) {
            if (win_is_null(r, c->args[1], id)) {
                if (win_put_null(r, ctx, ci, id))
                    return WEIR_ERROR;
                continue;
            }
            SqlValue o;
            win_get(r, c->args[1], id, &o);
            off = o.u.i;
        }
        int64_t t = c->fn == WIN_LAG ? (int64_t)i - off : (int64_t)i + off;
        int rc;
        if (t >= (int64_t)p->ps && t < (int64_t)p->pe)
            rc = win_put_from(r, ctx, ci, id, c->args[0], r->perm[t]);
        else if (c->n_args == 3)
            rc = win_put_from(r, ctx, ci, id, c->args[2], id);
        else
            rc = win_put_null(r, ctx, ci, id);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* first_value, last_value, nth_value over one partition. */
static int win_compute_value(WinRun *r, ExecCtx *ctx, uint32_t ci, const WinCall *c, WinFrameRun *fr,
                             const WinPart *p)
{
    for (uint32_t i = p->ps; i < p->pe; i++) {
        uint32_t id = r->perm[i], fs, fe;
        if (win_frame(r, ctx, fr, p, i, &fs, &fe))
            return WEIR_ERROR;
        int64_t nth = 1;
        if (c->fn == WIN_NTH_VALUE) {
            if (win_is_null(r, c->args[1], id)) {
                if (win_put_null(r, ctx, ci, id))
                    return WEIR_ERROR;
                continue;
            }
            SqlValue a;
            win_get(r, c->args[1], id, &a);
            nth = a.u.i;
            if (nth <= 0)
                return sql_error_set(ctx->err, "22016", 0, "argument of nth_value must be greater than zero");
        }
        uint32_t seg[3][2];
        uint32_t ns = win_segments(r, c, i, fs, fe, seg);
        int64_t found = -1;
        if (c->fn == WIN_LAST_VALUE) {
            if (ns)
                found = seg[ns - 1][1] - 1;
        } else {
            for (uint32_t k = 0; k < ns && found < 0; k++) {
                uint32_t len = seg[k][1] - seg[k][0];
                if (nth <= (int64_t)len)
                    found = seg[k][0] + nth - 1;
                else
                    nth -= len;
            }
        }
        int rc = found >= 0 ? win_put_from(r, ctx, ci, id, c->args[0], r->perm[found]) : win_put_null(r, ctx, ci, id);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Add rows [from, to) of the sorted partition to the accumulator (FILTER applied). */
static int win_agg_add_range(WinRun *r, ExecCtx *ctx, const WinCall *c, WinAcc *acc, uint32_t from, uint32_t to)
{
    for (uint32_t k = from; k < to; k++) {
        uint32_t id = r->perm[k];
        if (c->filter >= 0) {
            const Vec *f = win_vec(r, (uint32_t)c->filter, id);
            if (vec_is_null(f, id % VEC_BATCH) || !f->u.b[id % VEC_BATCH])
                continue;
        }
        r->n_acc_steps++;
        if (win_acc_add(r, ctx, c, acc, id))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* An aggregate over each row's frame in one partition. The accumulator covers rows [lo, hi) of the
 * partition; it grows while the frame's start stays at lo and is rebuilt when the start moves (frame
 * starts and ends only move forward). With EXCLUDE it is rebuilt per row. */
static int win_compute_agg(WinRun *r, ExecCtx *ctx, uint32_t ci, const WinCall *c, WinFrameRun *fr,
                           const WinPart *p)
{
    WinAcc *acc = r->acc[ci];
    win_acc_reset(acc);
    uint32_t lo = p->ps, hi = p->ps, prev_fs = 0, prev_fe = 0, prev_id = 0;
    int have_prev = 0;
    for (uint32_t i = p->ps; i < p->pe; i++) {
        uint32_t id = r->perm[i], fs, fe;
        if (win_frame(r, ctx, fr, p, i, &fs, &fe))
            return WEIR_ERROR;
        SqlValue v;
        if (c->frame.exclude != WIN_EXCLUDE_NO_OTHERS) {
            uint32_t seg[3][2];
            uint32_t ns = win_segments(r, c, i, fs, fe, seg);
            win_acc_reset(acc);
            for (uint32_t k = 0; k < ns; k++)
                if (win_agg_add_range(r, ctx, c, acc, seg[k][0], seg[k][1]))
                    return WEIR_ERROR;
            if (win_acc_final(r, ctx, c, acc, &v) || win_put(r, ctx, ci, id, &v))
                return WEIR_ERROR;
            continue;
        }
        if (have_prev && fs == prev_fs && fe == prev_fe) { /* peers, whole partitions: the same value */
            if (win_copy_elem(win_res(r, ci, id), id % VEC_BATCH, win_res(r, ci, prev_id), prev_id % VEC_BATCH,
                              r->state))
                return win_oom(ctx);
            continue;
        }
        if (fs != lo || fe < hi) {
            win_acc_reset(acc);
            lo = hi = fs;
        }
        if (win_agg_add_range(r, ctx, c, acc, hi, fe))
            return WEIR_ERROR;
        hi = fe;
        if (win_acc_final(r, ctx, c, acc, &v) || win_put(r, ctx, ci, id, &v))
            return WEIR_ERROR;
        have_prev = 1, prev_fs = fs, prev_fe = fe, prev_id = id;
    }
    return WEIR_OK;
}

/* The RANGE-offset frame pointers' setup for a partition: where its non-NULL keys are. */
static void win_frame_run_init(const WinRun *r, WinFrameRun *fr, const WinPart *p)
{
    fr->head = fr->tail = p->ps;
    fr->nn_s = p->ps;
    fr->nn_e = p->pe;
    fr->null_s = fr->null_e = p->ps;
    const WinFrame *f = &fr->call->frame;
    if (f->mode != WIN_FRAME_RANGE || (!f->start_off && !f->end_off) || fr->sort->n_order == 0)
        return;
    const WinOrder *o = &fr->sort->order[0];
    /* NULLs are together at one end of the partition */
    if (o->nulls_first) {
        uint32_t k = p->ps;
        while (k < p->pe && win_is_null(r, o->col, r->perm[k]))
            k++;
        fr->nn_s = fr->null_e = k;
    } else {
        uint32_t k = p->pe;
        while (k > p->ps && win_is_null(r, o->col, r->perm[k - 1]))
            k--;
        fr->nn_e = fr->null_s = k;
        fr->null_e = p->pe;
    }
}

static int win_compute_sort(Op *op, WinRun *r, ExecCtx *ctx, uint32_t si)
{
    const WindowSpec *sp = op->spec;
    const WinSort *s = &sp->sorts[si];
    if (s->n_part || s->n_order) {
        if (!r->refs && !(r->refs = ARENA_NEW(r->state, WinSortRef, r->n_rows ? r->n_rows : 1)))
            return win_oom(ctx);
        WinSortRef *refs = r->refs;
        WinSortCtx sc = {r, s, s->n_part + s->n_order < WIN_ENC_KEYS ? s->n_part + s->n_order : WIN_ENC_KEYS};
        r->n_enc = sc.n_enc;
        for (uint32_t i = 0; i < r->n_rows; i++) {
            refs[i].id = i;
            for (uint32_t j = 0; j < sc.n_enc; j++)
                win_sort_encode(r, s, j, i, &refs[i]);
        }
        qsort_r(refs, r->n_rows, sizeof(WinSortRef), win_sort_cmp, &sc);
        for (uint32_t i = 0; i < r->n_rows; i++)
            r->perm[i] = refs[i].id;
    } else {
        r->n_enc = 0;
        for (uint32_t i = 0; i < r->n_rows; i++)
            r->perm[i] = i;
    }
    if (exec_check_cancel(ctx))
        return WEIR_ERROR;
    WinPart p;
    uint32_t since_check = 0;
    for (p.ps = 0; p.ps < r->n_rows; p.ps = p.pe) {
        p.pe = p.ps + 1;
        while (p.pe < r->n_rows && win_same_partition(r, s, p.ps, p.pe))
            p.pe++;
        win_part_groups(r, s, &p);
        for (uint32_t ci = 0; ci < sp->n_calls; ci++) {
            const WinCall *c = &sp->calls[ci];
            if (c->sort != si)
                continue;
            WinFrameRun fr = {.call = c, .sort = s, .start_off = &r->start_off[ci], .end_off = &r->end_off[ci]};
            if (!c->frame.start_off)
                fr.start_off = NULL;
            if (!c->frame.end_off)
                fr.end_off = NULL;
            win_frame_run_init(r, &fr, &p);
            if (c->frame.mode == WIN_FRAME_RANGE && (fr.start_off || fr.end_off) && !r->range_checked[ci] &&
                fr.nn_s < fr.nn_e) {
                /* in_range checks its offset when it first compares two keys */
                if ((fr.start_off && win_range_check_offset(ctx, fr.start_off)) ||
                    (fr.end_off && win_range_check_offset(ctx, fr.end_off)))
                    return WEIR_ERROR;
                r->range_checked[ci] = 1;
            }
            int rc;
            switch (c->fn) {
            case WIN_LAG:
            case WIN_LEAD: rc = win_compute_lag(r, ctx, ci, c, &p); break;
            case WIN_FIRST_VALUE:
            case WIN_LAST_VALUE:
            case WIN_NTH_VALUE: rc = win_compute_value(r, ctx, ci, c, &fr, &p); break;
            case WIN_AGG: rc = win_compute_agg(r, ctx, ci, c, &fr, &p); break;
            default: rc = win_compute_rank(r, ctx, ci, c, &p); break;
            }
            if (rc)
                return WEIR_ERROR;
        }
        since_check += p.pe - p.ps;
        if (since_check >= 65536) {
            since_check = 0;
            if (exec_check_cancel(ctx))
                return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Operator
 * ---------------------------------------------------------------------------------------------- */

/* Evaluate the frame offsets (PostgreSQL's calculate_frame_offsets: once per scan). */
static int win_eval_offsets(Op *op, WinRun *r, ExecCtx *ctx)
{
    const WindowSpec *sp = op->spec;
    ExprCtx ec;
    exec_expr_ctx(ctx, op->batch_arena, &ec);
    for (uint32_t ci = 0; ci < sp->n_calls; ci++) {
        const WinFrame *f = &sp->calls[ci].frame;
        for (int end = 0; end < 2; end++) {
            const Expr *e = end ? f->end_off : f->start_off;
            SqlValue *out = end ? &r->end_off[ci] : &r->start_off[ci];
            if (!e)
                continue;
            Vec v;
            if (expr_eval(&ec, e, NULL, 1, &v))
                return WEIR_ERROR;
            vec_get(&v, 0, out);
            if (out->is_null)
                return sql_error_set(ctx->err, "22004", 0, "frame %s offset must not be null", end ? "ending" : "starting");
            if (f->mode != WIN_FRAME_RANGE && out->u.i < 0)
                return sql_error_set(ctx->err, "22013", 0, "frame %s offset must not be negative",
                                     end ? "ending" : "starting");
        }
    }
    return WEIR_OK;
}

/* The plan's invariants the computation relies on (the binder guarantees them; a hand-built plan that
 * breaks one is an internal error, not a crash). */
static int win_check_spec(const Op *op, ExecCtx *ctx)
{
    const WindowSpec *sp = op->spec;
    int ok = sp && op->child && op->n_cols >= sp->n_calls;
    for (uint32_t s = 0; ok && s < sp->n_sorts; s++) {
        for (uint32_t k = 0; k < sp->sorts[s].n_part; k++)
            ok &= sp->sorts[s].part[k] < sp->n_extra;
        for (uint32_t k = 0; k < sp->sorts[s].n_order; k++)
            ok &= sp->sorts[s].order[k].col < sp->n_extra;
    }
    for (uint32_t c = 0; ok && c < sp->n_calls; c++) {
        const WinCall *wc = &sp->calls[c];
        const WinFrame *f = &wc->frame;
        ok &= wc->sort < sp->n_sorts && wc->n_args <= 3 && (wc->filter < 0 || (uint32_t)wc->filter < sp->n_extra);
        for (uint32_t a = 0; ok && a < wc->n_args; a++)
            ok &= wc->args[a] < sp->n_extra;
        ok &= ((f->start == WIN_BOUND_PRECEDING || f->start == WIN_BOUND_FOLLOWING) == (f->start_off != NULL)) &&
              ((f->end == WIN_BOUND_PRECEDING || f->end == WIN_BOUND_FOLLOWING) == (f->end_off != NULL));
        if (ok && f->mode == WIN_FRAME_RANGE && (f->start_off || f->end_off))
            ok &= sp->sorts[wc->sort].n_order == 1;
        switch (wc->fn) {
        case WIN_NTILE:
        case WIN_FIRST_VALUE:
        case WIN_LAST_VALUE: ok &= wc->n_args == 1; break;
        case WIN_NTH_VALUE: ok &= wc->n_args == 2; break;
        case WIN_LAG:
        case WIN_LEAD: ok &= wc->n_args >= 1; break;
        default: break;
        }
    }
    return ok ? WEIR_OK : sql_error_set(ctx->err, "XX000", 0, "internal error: malformed window plan");
}

int op_window_open(Op *op, ExecCtx *ctx)
{
    if (win_check_spec(op, ctx))
        return WEIR_ERROR;
    const WindowSpec *sp = op->spec;
    WinRun *r = arena_try_calloc(ctx->arena, sizeof(*r));
    if (!r || !(r->state = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return win_oom(ctx);
    op->state = r;
    uint32_t n_child = op->n_cols - sp->n_calls;
    r->n_store = n_child + sp->n_extra;
    r->xbase = n_child;
    uint32_t nc = sp->n_calls ? sp->n_calls : 1;
    if (!(r->store_types = ARENA_NEW(r->state, SqlType, r->n_store ? r->n_store : 1)) ||
        !(r->start_off = ARENA_NEW(r->state, SqlValue, nc)) || !(r->end_off = ARENA_NEW(r->state, SqlValue, nc)) ||
        !(r->range_checked = ARENA_NEW(r->state, uint8_t, nc)))
        return win_oom(ctx);
    for (uint32_t c = 0; c < n_child; c++)
        r->store_types[c] = op->types[c];
    for (uint32_t e = 0; e < sp->n_extra; e++)
        r->store_types[n_child + e] = sp->extra[e]->type;
    return WEIR_OK;
}

void op_window_close(Op *op)
{
    const WindowSpec *sp = op->spec;
    WinRun *r = op->state;
    for (uint32_t c = 0; r && r->acc && c < sp->n_calls; c++)
        agg_acc_destroy(&r->acc[c]);
    if (r)
        arena_destroy(&r->state);
    op->state = NULL;
}

/* Drain the child and compute every call. */
static int win_run(Op *op, WinRun *r, ExecCtx *ctx)
{
    const WindowSpec *sp = op->spec;
    if (win_eval_offsets(op, r, ctx))
        return WEIR_ERROR;
    for (;;) {
        Batch *in;
        if (op_next(op->child, ctx, &in))
            return WEIR_ERROR;
        if (!in)
            break;
        if (win_consume(op, r, ctx, in))
            return WEIR_ERROR;
        arena_reset(op->batch_arena);
    }
    uint32_t n = r->n_rows ? r->n_rows : 1;
    if (!(r->perm = ARENA_NEW(r->state, uint32_t, n)) || !(r->gs = ARENA_NEW(r->state, uint32_t, n)) ||
        !(r->ge = ARENA_NEW(r->state, uint32_t, n)) || !(r->gidx = ARENA_NEW(r->state, uint32_t, n)) ||
        !(r->gfirst = ARENA_NEW(r->state, uint32_t, n)) ||
        !(r->res = ARENA_NEW(r->state, Vec *, sp->n_calls ? sp->n_calls : 1)))
        return win_oom(ctx);
    for (uint32_t c = 0; c < sp->n_calls; c++) {
        if (!(r->res[c] = ARENA_NEW(r->state, Vec, r->n_chunks ? r->n_chunks : 1)))
            return win_oom(ctx);
        for (uint32_t k = 0; k < r->n_chunks; k++)
            if (vec_init(&r->res[c][k], sp->calls[c].type, r->state))
                return win_oom(ctx);
    }
    if (!(r->acc = ARENA_NEW(r->state, AggAcc *, sp->n_calls ? sp->n_calls : 1)))
        return win_oom(ctx);
    for (uint32_t c = 0; c < sp->n_calls; c++)
        if (sp->calls[c].fn == WIN_AGG && win_acc_create(r, ctx, &sp->calls[c], &r->acc[c]))
            return WEIR_ERROR;
    for (uint32_t i = 0; i < r->n_rows; i++)
        r->perm[i] = i;
    for (uint32_t s = 0; s < sp->n_sorts; s++)
        if (win_compute_sort(op, r, ctx, s))
            return WEIR_ERROR;
    return WEIR_OK;
}

int op_window_next(Op *op, ExecCtx *ctx, Batch **out)
{
    const WindowSpec *sp = op->spec;
    WinRun *r = op->state;
    *out = NULL;
    if (!r->drained) {
        if (win_run(op, r, ctx))
            return WEIR_ERROR;
        r->drained = 1;
    }
    if (r->emitted >= r->n_rows)
        return WEIR_OK;
    uint32_t n = r->n_rows - r->emitted;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return win_oom(ctx);
    uint32_t n_child = op->n_cols - sp->n_calls;
    const uint32_t *ids = r->perm + r->emitted;
    for (uint32_t c = 0; c < op->n_cols; c++) {
        Vec *dst = &b->cols[c];
        size_t es = vec_elem_size(dst->type.id);
        uint8_t *out_data = dst->u.data;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t id = ids[i], row = id % VEC_BATCH;
            const Vec *src = c < n_child ? &r->chunks[id / VEC_BATCH]->cols[c] : win_res(r, c - n_child, id);
            if (vec_is_null(src, row)) {
                if (vec_set_null(dst, i, op->batch_arena))
                    return win_oom(ctx);
                continue;
            }
            const uint8_t *in = (const uint8_t *)src->u.data + (size_t)row * es;
            if (es == 8)
                memcpy(out_data + (size_t)i * 8, in, 8); /* the common case: a constant size copies inline */
            else
                memcpy(out_data + (size_t)i * es, in, es);
        }
    }
    b->n = n;
    r->emitted += n;
    *out = b;
    return WEIR_OK;
}
