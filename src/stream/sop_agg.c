/*
 * sop_agg.c: GROUP BY in a continuous query, the streaming form of OP_AGG (exec/op_agg.c), with the
 * aggregate functions of the SQL engine and results identical to OP_AGG's for the same rows.
 *
 * Three shapes, chosen at compile from the plan below the node:
 *   windowed   a GROUP BY key is a window's window_end (or window_start of a tumble or hop: end = start +
 *              size), found with sop_plan_col_kind. Groups are (window_end, keys). emit on_window_close
 *              (default): when the watermark reaches a window's end (sop_window_is_closed) its groups are
 *              emitted, +1 each, in key order, and dropped. emit on_update: at every tick each group that
 *              changed emits -old/+new (+new for a new group, -old when its rows were all retracted), and
 *              a window's groups are dropped when it closes. Rows for a window the aggregate has already
 *              closed (the watermark of its last advance) are late: counted and sent to the late sink
 *              (except over session windows, where a retraction that splits a session makes new windows
 *              that may end behind the watermark).
 *   running    no window key: an on_update changelog whatever the emit option (+new for a new group, then
 *              -old/+new per change, -old when its count falls to 0). Refused at compile (0A000 naming
 *              state_ttl) unless the query sets state_ttl: a group not changed for state_ttl of wall clock
 *              (SopCtx.now_us) is dropped -- its row retracted from the view (-old) and its state freed;
 *              rows that come later start it afresh. Groups are swept every state_ttl / 4, so a group
 *              goes between state_ttl and 1.25 state_ttl after its last change.
 *   global     no keys, no window (SELECT count(*) FROM s): one row always, as in batch (count 0 and NULL
 *              sums over no rows), emitted at the first tick and updated as rows come. Needs no state_ttl.
 *
 * Weights: input rows carry weights (sop.h); a retraction (-1) undoes a row. How each aggregate keeps its
 * state (SAgg.rep) follows from what it must support:
 *   invertible (count, sum and avg of integers, numeric and intervals, bool_and/or, bit_xor): a fixed-size
 *     accumulator updated in place by +-weight, O(1) per row, exact (integers and 128-bit scaled sums);
 *     final values go through the same functions OP_AGG's do (sql_numeric_agg_sum/avg, sql_interval_div).
 *     numeric sums print at the largest scale of the rows present, as in batch, so with retractions the
 *     accumulator also counts rows per scale (39 counters) to know it after the widest row goes;
 *   flat (input never retracts, sop_plan_append_only): float sum/avg/variance, variance of integers and
 *     numeric, min/max of non-string types, bit_and/or keep OP_AGG's own state bytes in the group's value
 *     and fold with OP_AGG's own step (agg_acc_add_to / agg_acc_final_of);
 *   multiset (the rest, and every aggregate over an input that retracts): the group's argument values
 *     in an ordered table keyed by (group, aggregate, value) -> multiplicity, and the result recomputed
 *     through an AggAcc (or agg_oset_result for percentile_* and mode) when the group is emitted. Values
 *     are keyed by the call's ORDER BY keys then its arguments, so a recompute feeds them in ORDER BY
 *     order (ties, and calls without ORDER BY, in value order: string_agg without ORDER BY concatenates in
 *     value order, where batch follows input order, which SQL leaves undefined); DISTINCT feeds each
 *     distinct value once; min and max read only the first entry (max's values are keyed descending).
 *     Floats summed here are summed in value order, so their last bits may differ from a batch sum in
 *     input order; every exact type is exact.
 * FILTER (WHERE ...) clauses are applied before a row reaches any of these.
 *
 * State (StateTables registered with sop_state_add: checkpoints need nothing else):
 *   groups   group key -> GroupHdr (rows summed, last change, flags) then each aggregate's accumulator.
 *            The key is the rowcodec KEY encoding of (window_end, keys...) -- ordered, so closing windows
 *            is a range walk up to the watermark -- or of (keys...) for a running GROUP BY (hash only).
 *   set      group key ++ aggregate number (2 bytes) ++ value encoding (EXACT) -> multiplicity (int64)
 *   emitted  (on_update) group key -> the output row last emitted (EXACT), so -old is exactly the row sent
 *   exact    (keys of numeric, float or interval type) group key -> the key values of the group's first
 *            row (EXACT): what the row prints, as batch prints the first value of a group (1.50, not 1.5)
 * In memory only: the groups changed in the current tick (on_update), rebuilt by the restored hook from
 * the GF_CHANGED flags (so a checkpoint taken mid-tick would lose nothing; cq.c checkpoints between ticks,
 * when the list is empty); and the watermark of the last advance (restored from the query's watermark).
 *
 * Per row: one rowcodec key (encoded for the whole batch), one hash probe with an in-place update
 * (state_upsert), no allocation: what makes Nexmark q5 (5 windows per bid) cheap.
 */
#include <stdlib.h>
#include <string.h>

#include "sql/datetime.h"
#include "sql/numeric.h"
#include "stream/sop.h"

/* ------------------------------------------------------------------------------------------------
 * Accumulators
 * ---------------------------------------------------------------------------------------------- */

enum { REP_COUNT, REP_SUM_INT, REP_NUM, REP_IV, REP_BOOL, REP_XOR, REP_FLAT, REP_SET };

/* The front of every group's value. Values are only 8-byte aligned: fields wider than that live in
 * structs that are copied in and out (memcpy), never addressed in place. */
typedef struct GroupHdr {
    int64_t n_rows;  /* weights of the group's rows, summed */
    int64_t last_us; /* wall clock of the last change (state_ttl) */
    uint32_t flags;
    uint32_t pad;
} GroupHdr;

#define GF_CHANGED 1u /* in this tick's list of changed groups */

typedef struct InvSumInt { /* sum(int2/int4) */
    __int128 sum;
    int64_t nn; /* non-NULL rows */
} InvSumInt;

typedef struct InvNum { /* sum(int8), avg(int*), sum/avg(numeric) */
    __int128 sum;   /* the finite inputs, at `scale` */
    int64_t n;      /* non-NULL inputs (finite and special) */
    int64_t n_nan, n_pinf, n_ninf;
    int16_t scale;  /* the largest scale seen */
} InvNum;
#define N_SCALES (SQL_NUMERIC_MAX_DIGITS + 1) /* InvNum with retractions: int64 rows per scale follow */

typedef struct InvIv { /* sum/avg(interval) */
    SqlInterval sum;
    int64_t n;
} InvIv;

typedef struct InvBool {
    int64_t n_true, n_false;
} InvBool;

typedef struct InvXor {
    int64_t v, nn;
} InvXor;

#define FLAT_MAX 128 /* largest OP_AGG state kept flat (StVar is 80 bytes) */

typedef struct SAgg {
    const AggCall *c;
    Expr **args;          /* c->args, or &c->arg */
    uint32_t n_args;
    uint8_t rep;
    uint8_t scales;       /* REP_NUM over numeric with retractions: per-scale counts follow the InvNum */
    uint8_t strict;       /* a NULL first argument takes no part */
    uint8_t extreme;      /* REP_SET min/max: the first entry is the result */
    uint8_t oset;         /* REP_SET percentile_*, mode */
    uint32_t off, size;   /* accumulator in the group value */
    AggAcc *acc;          /* REP_FLAT: OP_AGG's step and final; REP_SET: the recompute */
    AggCall call;         /* REP_SET: c without DISTINCT and ORDER BY (what acc computes from fed values) */
    RowCodecCol *ecols;   /* REP_SET entry: ORDER BY keys, then the arguments */
    Expr **eexprs;
    uint32_t n_e, first_arg; /* columns of the entry; index of args[0] in it */
    SqlValue direct;      /* oset: the fraction (constant) */
    uint8_t has_direct;
} SAgg;

/* A group changed in this tick (on_update): its key, in the tick arena. */
typedef struct AggChanged {
    uint64_t h;
    const uint8_t *k;
    uint32_t n;
} AggChanged;

typedef struct AggImpl {
    const AggSpec *sp;
    SopCompileOpts opts; /* a copy: the caller's options need not outlive the compile */
    SAgg *aggs;
    uint32_t n_aggs, n_keys;
    int windowed, global, on_update;
    int late_check;         /* rows of windows closed at the last advance are late (not over sessions) */
    int end_key, start_key; /* key giving window_end / window_start (-1: none) */
    int64_t size_us;        /* end = start + size when only window_start is a key */
    int64_t ttl_us;
    RowCodecCol *kcols;     /* the group key's columns: [window_end], keys */
    uint32_t *kidx;
    uint32_t n_kcols;
    RowCodecCol *ocols;     /* output columns (emitted rows) */
    int key_exact;          /* keys of numeric, float or interval type: the exact table */
    uint32_t vsize;         /* bytes of a group's value */
    uint32_t max_e;         /* widest multiset entry (columns) */
    StateTable *groups, *set, *emitted, *exact;
    int64_t closed_wm;      /* watermark of the last advance: windows ending at or before it are closed */
    int64_t last_sweep_us;
    AggChanged *ch;
    uint32_t n_ch, cap_ch;
    Arena *tick;            /* changed keys; reset at advance */
    Arena *work;            /* one recompute's decoded values; reset per group */
    Arena *accs;            /* the AggAccs and their string buffers */
    Buf key, row;
} AggImpl;

static const uint8_t GLOBAL_KEY[1] = {0}; /* the one group of a GROUP BY without keys (KEYs never start with 0) */

static int agg_oom(SopCtx *c)
{
    return sql_error_set(c->err, "53200", 0, "out of memory: the continuous query's memory budget is exhausted");
}

static int agg_num_overflow(SqlError *err)
{
    return sql_error_set(err, "22003", 0, "value overflows numeric format");
}

static const __int128 POW10_1E19 = (__int128)10000000000000000000ull;

/* 10^k as int128 (k <= 38). */
static __int128 agg_pow10(int k)
{
    __int128 p = 1;
    if (k >= 19) {
        p = POW10_1E19;
        k -= 19;
    }
    while (k-- > 0)
        p *= 10;
    return p;
}

/* x * 10^k, 0 on overflow of 38 digits... returned through *out: 1 when it fits. */
static int agg_scale_up(__int128 x, int k, __int128 *out)
{
    __int128 p = agg_pow10(k);
    return !__builtin_mul_overflow(x, p, out);
}

static void agg_inv_num_add(InvNum *s, int64_t *scnt, const SqlNumeric *v, int64_t w, SqlError *err, int *rc)
{
    s->n += w;
    switch (v->kind) {
    case SQL_NUM_NAN: s->n_nan += w; return;
    case SQL_NUM_PINF: s->n_pinf += w; return;
    case SQL_NUM_NINF: s->n_ninf += w; return;
    default: break;
    }
    if (v->scale > s->scale) {
        if (!agg_scale_up(s->sum, v->scale - s->scale, &s->sum)) {
            *rc = agg_num_overflow(err);
            return;
        }
        s->scale = v->scale;
    }
    __int128 t;
    if (!agg_scale_up(v->v, s->scale - v->scale, &t) || __builtin_mul_overflow(t, (__int128)w, &t) ||
        __builtin_add_overflow(s->sum, t, &s->sum)) {
        *rc = agg_num_overflow(err);
        return;
    }
    if (scnt)
        scnt[v->scale] += w;
}

/* ------------------------------------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------------------------------- */

/* k := a ++ b ++ c. */
static int agg_key3(SopCtx *c, Buf *k, const uint8_t *a, size_t an, const uint8_t *b, size_t bn, const uint8_t *d,
                    size_t dn)
{
    buf_reset(k);
    if ((an && buf_append(k, a, an)) || (bn && buf_append(k, b, bn)) || (dn && buf_append(k, d, dn)))
        return agg_oom(c);
    return WEIR_OK;
}

/* Every multiset entry of group key k (all aggregates) deleted. */
static int agg_set_drop(AggImpl *a, SopCtx *c, const uint8_t *k, size_t kn)
{
    if (!a->set)
        return WEIR_OK;
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, a->set, k, kn, k, kn, &e))
        return sop_err_from(c->err, &e);
    Slice ek, ev;
    while (state_iter_next(&it, &ek, &ev))
        state_delete(a->set, state_hash(ek.p, ek.n), ek.p, ek.n);
    return WEIR_OK;
}

/* Group k and everything kept for it, gone (k is borrowed: copy it first when it points into `groups`). */
static int agg_group_drop(AggImpl *a, SopCtx *c, const uint8_t *k, size_t kn, uint64_t h)
{
    if (agg_set_drop(a, c, k, kn))
        return WEIR_ERROR;
    if (a->exact)
        state_delete(a->exact, h, k, kn);
    if (a->emitted)
        state_delete(a->emitted, h, k, kn);
    state_delete(a->groups, h, k, kn);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Output rows
 * ---------------------------------------------------------------------------------------------- */

/* Aggregate x's value over its multiset entries (REP_SET) for group key k. */
static int agg_set_final(AggImpl *a, SopCtx *c, uint32_t ai, const uint8_t *k, size_t kn, SqlValue *out)
{
    SAgg *x = &a->aggs[ai];
    uint8_t idx[2] = {(uint8_t)(ai >> 8), (uint8_t)ai};
    if (agg_key3(c, &a->key, k, kn, idx, 2, NULL, 0))
        return WEIR_ERROR;
    size_t pn = a->key.len;
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, a->set, a->key.p, pn, a->key.p, pn, &e))
        return sop_err_from(c->err, &e);
    SqlValue *ev = ARENA_NEW(a->work, SqlValue, x->n_e);
    if (!ev)
        return agg_oom(c);
    memset(out, 0, sizeof(*out));
    out->type = x->c->type;
    out->is_null = 1;
    if (x->acc)
        agg_acc_reset(x->acc);
    SqlValue *vbuf = NULL; /* oset: the values in order, each as many times as it occurs */
    uint32_t n_vals = 0, cap_vals = 0;
    Slice prev = {NULL, 0};
    Slice ek, evb;
    while (state_iter_next(&it, &ek, &evb)) {
        int64_t cnt;
        memcpy(&cnt, evb.p, sizeof(cnt));
        if (cnt <= 0)
            continue;
        const uint8_t *ep = ek.p + pn;
        size_t en = ek.n - pn;
        if (x->c->distinct) {
            size_t kl;
            if (rowcodec_key_len(x->ecols, x->n_e, ep, en, &kl, &e))
                return sop_err_from(c->err, &e);
            if (prev.p && prev.n == kl && memcmp(prev.p, ep, kl) == 0)
                continue; /* equal to the previous value but for its display (1.0, 1.00) */
            prev = (Slice){ep, kl};
            cnt = 1;
        }
        if (rowcodec_decode(x->ecols, x->n_e, ep, en, a->work, ev, &e))
            return sop_err_from(c->err, &e);
        if (x->extreme) {
            *out = ev[x->first_arg];
            out->type = x->c->type;
            return sql_value_keep(c->scratch, out) ? agg_oom(c) : WEIR_OK;
        }
        if (x->oset) {
            if (n_vals + (uint64_t)cnt > UINT32_MAX / 2)
                return agg_oom(c);
            if (n_vals + (uint32_t)cnt > cap_vals) {
                uint32_t nc = cap_vals ? cap_vals : 64;
                while (nc < n_vals + (uint32_t)cnt)
                    nc *= 2;
                SqlValue *nb = ARENA_NEW(a->work, SqlValue, nc);
                if (!nb)
                    return agg_oom(c);
                if (n_vals)
                    memcpy(nb, vbuf, n_vals * sizeof(*nb));
                vbuf = nb;
                cap_vals = nc;
            }
            for (int64_t r = 0; r < cnt; r++)
                vbuf[n_vals++] = ev[x->first_arg]; /* strings stay in a->work, decoded anew per entry */
            continue;
        }
        for (int64_t r = 0; r < cnt; r++)
            if (agg_acc_add(x->acc, c->exec, ev + x->first_arg))
                return WEIR_ERROR;
    }
    if (x->extreme)
        return WEIR_OK; /* no rows: NULL */
    if (x->oset)
        return agg_oset_result(x->c, c->exec, c->scratch, x->has_direct ? &x->direct : NULL, vbuf, n_vals, out);
    return agg_acc_final(x->acc, c->exec, c->scratch, out);
}

/* Aggregate x's value from its accumulator st (not REP_SET). */
static int agg_inv_final(SAgg *x, SopCtx *c, const uint8_t *st, SqlValue *out)
{
    const AggCall *call = x->c;
    memset(out, 0, sizeof(*out));
    out->type = call->type;
    switch (x->rep) {
    case REP_COUNT: memcpy(&out->u.i, st, sizeof(int64_t)); return WEIR_OK;
    case REP_SUM_INT: {
        InvSumInt s;
        memcpy(&s, st, sizeof(s));
        out->is_null = s.nn <= 0;
        if (out->is_null)
            return WEIR_OK;
        if (s.sum > INT64_MAX || s.sum < INT64_MIN)
            return sql_error_set(c->err, "22003", 0, "bigint out of range");
        out->u.i = (int64_t)s.sum;
        return WEIR_OK;
    }
    case REP_NUM: {
        InvNum s;
        memcpy(&s, st, sizeof(s));
        out->is_null = s.n <= 0;
        if (out->is_null)
            return WEIR_OK;
        /* the display scale: the largest scale among the rows present */
        int ds = s.scale;
        if (x->scales) {
            int64_t scnt[N_SCALES];
            memcpy(scnt, st + sizeof(InvNum), sizeof(scnt));
            for (ds = SQL_NUMERIC_MAX_DIGITS; ds > 0 && scnt[ds] <= 0; ds--)
                ;
        }
        SqlNumericAgg na;
        memset(&na, 0, sizeof(na));
        na.sum = s.sum / agg_pow10(s.scale - ds); /* exact: every row present has a scale <= ds */
        na.n = s.n;
        na.scale = (int16_t)ds;
        na.n_nan = s.n_nan > 0;
        na.has_pinf = s.n_pinf > 0;
        na.has_ninf = s.n_ninf > 0;
        if (call->fn == AGG_AVG_INT || call->fn == AGG_AVG_NUMERIC)
            return sql_numeric_agg_avg(&na, &out->u.num, c->err);
        return sql_numeric_agg_sum(&na, &out->u.num, c->err);
    }
    case REP_IV: {
        InvIv s;
        memcpy(&s, st, sizeof(s));
        out->is_null = s.n <= 0;
        if (out->is_null)
            return WEIR_OK;
        out->u.iv = s.sum;
        if (call->fn == AGG_AVG_INTERVAL)
            return sql_interval_div(&s.sum, (double)s.n, &out->u.iv, c->err);
        return WEIR_OK;
    }
    case REP_BOOL: {
        InvBool s;
        memcpy(&s, st, sizeof(s));
        out->is_null = s.n_true + s.n_false <= 0;
        out->u.b = call->fn == AGG_BOOL_AND ? s.n_false <= 0 : s.n_true > 0;
        return WEIR_OK;
    }
    case REP_XOR: {
        InvXor s;
        memcpy(&s, st, sizeof(s));
        out->is_null = s.nn <= 0;
        out->u.i = s.v;
        return WEIR_OK;
    }
    case REP_FLAT: {
        _Alignas(16) uint8_t tmp[FLAT_MAX];
        memcpy(tmp, st, x->size);
        return agg_acc_final_of(x->acc, c->exec, c->scratch, tmp, out);
    }
    }
    return sql_error_set(c->err, "XX000", 0, "internal error: aggregate representation %d", x->rep);
}

/* The output row of group k (value val; NULL: a group without rows) into vals[0..n_cols), strings in
 * c->scratch. */
static int agg_group_row(AggImpl *a, SopCtx *c, const uint8_t *k, size_t kn, uint64_t h, const uint8_t *val,
                         SqlValue *vals)
{
    Err e;
    err_clear(&e);
    if (a->n_keys) {
        Slice xv;
        if (a->key_exact && state_get(a->exact, h, k, kn, &xv)) {
            if (rowcodec_decode(a->kcols + a->windowed, a->n_keys, xv.p, xv.n, c->scratch, vals, &e))
                return sop_err_from(c->err, &e);
        } else {
            SqlValue *kv = ARENA_NEW(c->scratch, SqlValue, a->n_kcols);
            if (!kv)
                return agg_oom(c);
            if (rowcodec_decode(a->kcols, a->n_kcols, k, kn, c->scratch, kv, &e))
                return sop_err_from(c->err, &e);
            memcpy(vals, kv + a->windowed, a->n_keys * sizeof(SqlValue));
        }
        for (uint32_t i = 0; i < a->n_keys; i++)
            vals[i].type = a->ocols[i].type;
    }
    for (uint32_t i = 0; i < a->n_aggs; i++) {
        SAgg *x = &a->aggs[i];
        SqlValue *out = &vals[a->n_keys + i];
        int rc;
        if (x->rep == REP_SET) {
            rc = agg_set_final(a, c, i, k, kn, out);
            arena_reset(a->work);
        } else if (!val) {
            static const uint8_t zero[FLAT_MAX + N_SCALES * 8];
            rc = agg_inv_final(x, c, zero, out);
        } else {
            rc = agg_inv_final(x, c, val + x->off, out);
        }
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static int agg_out_vals(SopOut *o, const SqlValue *vals, uint32_t n, int64_t w)
{
    uint32_t row;
    if (sop_out_row(o, w, &row))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < n; i++)
        if (sop_out_put(o, row, i, &vals[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* -old: the row last emitted for group k, if any (its entry left for the caller). */
static int agg_retract_emitted(AggImpl *a, SopCtx *c, SopOut *o, const uint8_t *k, size_t kn, uint64_t h, Slice *old)
{
    if (!state_get(a->emitted, h, k, kn, old)) {
        old->p = NULL;
        return WEIR_OK;
    }
    SqlValue *vals = ARENA_NEW(c->scratch, SqlValue, o->s->n_cols);
    Err e;
    err_clear(&e);
    if (!vals)
        return agg_oom(c);
    if (rowcodec_decode(a->ocols, o->s->n_cols, old->p, old->n, c->scratch, vals, &e))
        return sop_err_from(c->err, &e);
    return agg_out_vals(o, vals, o->s->n_cols, -1);
}

/* on_update: group k (hash h) changed in this tick: emit -old/+new, or -old and drop it when its rows are
 * gone. */
static int agg_group_update(AggImpl *a, SopCtx *c, SopOut *o, const uint8_t *k, size_t kn, uint64_t h)
{
    Err e;
    err_clear(&e);
    Slice gv;
    const uint8_t *val = NULL;
    if (state_get(a->groups, h, k, kn, &gv)) {
        uint8_t *wv;
        int is_new;
        if (state_upsert(a->groups, h, k, kn, gv.n, &wv, &is_new, &e))
            return sop_err_from(c->err, &e);
        GroupHdr hdr;
        memcpy(&hdr, wv, sizeof(hdr));
        hdr.flags &= ~GF_CHANGED;
        memcpy(wv, &hdr, sizeof(hdr));
        val = wv;
        if (hdr.n_rows <= 0 && !a->global) {
            Slice old;
            if (agg_retract_emitted(a, c, o, k, kn, h, &old))
                return WEIR_ERROR;
            return agg_group_drop(a, c, k, kn, h);
        }
    }
    uint32_t nc = o->s->n_cols;
    SqlValue *vals = ARENA_NEW(c->scratch, SqlValue, nc);
    if (!vals)
        return agg_oom(c);
    if (agg_group_row(a, c, k, kn, h, val, vals))
        return WEIR_ERROR;
    buf_reset(&a->row);
    if (rowcodec_encode(a->ocols, nc, vals, ROWCODEC_EXACT, &a->row, &e))
        return sop_err_from(c->err, &e);
    Slice old;
    if (state_get(a->emitted, h, k, kn, &old) && old.n == a->row.len && memcmp(old.p, a->row.p, old.n) == 0)
        return WEIR_OK; /* the same row: nothing to say */
    if (agg_retract_emitted(a, c, o, k, kn, h, &old) || agg_out_vals(o, vals, nc, 1))
        return WEIR_ERROR;
    if (state_put(a->emitted, h, k, kn, a->row.p, a->row.len, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * push
 * ---------------------------------------------------------------------------------------------- */

/* Everything about one aggregate for one input batch. */
typedef struct AggBatchArgs {
    Vec *args;      /* n_args vectors */
    Vec filter;
    int has_filter;
    Slice *ent;     /* REP_SET: each row's entry encoding */
} AggBatchArgs;

static int agg_eval_args(AggImpl *a, SopCtx *c, ExprCtx *ec, const Batch *b, AggBatchArgs *ba)
{
    for (uint32_t i = 0; i < a->n_aggs; i++) {
        SAgg *x = &a->aggs[i];
        AggBatchArgs *y = &ba[i];
        memset(y, 0, sizeof(*y));
        if (x->c->filter) {
            if (expr_eval(ec, x->c->filter, b, b->n, &y->filter))
                return WEIR_ERROR;
            y->has_filter = 1;
        }
        if (x->rep == REP_SET) {
            Batch eb = {b->n, x->n_e, ARENA_NEW(c->scratch, Vec, x->n_e)};
            uint32_t *idx = ARENA_NEW(c->scratch, uint32_t, x->n_e);
            y->ent = ARENA_NEW(c->scratch, Slice, b->n);
            if (!eb.cols || !idx || !y->ent)
                return agg_oom(c);
            for (uint32_t j = 0; j < x->n_e; j++) {
                if (expr_eval(ec, x->eexprs[j], b, b->n, &eb.cols[j]))
                    return WEIR_ERROR;
                idx[j] = j;
            }
            y->args = eb.cols + x->first_arg;
            Err e;
            err_clear(&e);
            if (rowcodec_encode_batch(x->ecols, idx, x->n_e, &eb, ROWCODEC_EXACT, c->scratch, y->ent, &e))
                return sop_err_from(c->err, &e);
            continue;
        }
        if (!(y->args = ARENA_NEW(c->scratch, Vec, x->n_args + 1)))
            return agg_oom(c);
        for (uint32_t j = 0; j < x->n_args; j++)
            if (expr_eval(ec, x->args[j], b, b->n, &y->args[j]))
                return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Fold row i (weight w) of aggregate x into its accumulator st, or its multiset (group key k). */
static int agg_fold_row(AggImpl *a, SopCtx *c, uint32_t ai, AggBatchArgs *y, uint32_t i, int64_t w, uint8_t *st,
                        const uint8_t *k, size_t kn)
{
    SAgg *x = &a->aggs[ai];
    if (y->has_filter && (vec_is_null(&y->filter, i) || !y->filter.u.b[i]))
        return WEIR_OK;
    const Vec *v0 = x->n_args ? &y->args[0] : NULL;
    int null0 = v0 && vec_is_null(v0, i);
    if (null0 && x->strict)
        return WEIR_OK;
    int rc = WEIR_OK;
    switch (x->rep) {
    case REP_COUNT: {
        int64_t n;
        memcpy(&n, st, sizeof(n));
        n += w;
        memcpy(st, &n, sizeof(n));
        return WEIR_OK;
    }
    case REP_SUM_INT: {
        InvSumInt s;
        memcpy(&s, st, sizeof(s));
        s.sum += (__int128)v0->u.i[i] * w; /* |v| < 2^31, |w| < 2^63: fits */
        s.nn += w;
        memcpy(st, &s, sizeof(s));
        return WEIR_OK;
    }
    case REP_NUM: {
        InvNum s;
        memcpy(&s, st, sizeof(s));
        if (v0->type.id == SQL_NUMERIC) {
            int64_t scnt[N_SCALES];
            if (x->scales)
                memcpy(scnt, st + sizeof(InvNum), sizeof(scnt));
            agg_inv_num_add(&s, x->scales ? scnt : NULL, &v0->u.num[i], w, c->err, &rc);
            if (x->scales)
                memcpy(st + sizeof(InvNum), scnt, sizeof(scnt));
        } else {
            SqlNumeric n = sql_numeric_make(v0->u.i[i], 0);
            agg_inv_num_add(&s, NULL, &n, w, c->err, &rc);
        }
        memcpy(st, &s, sizeof(s));
        return rc;
    }
    case REP_IV: {
        InvIv s;
        memcpy(&s, st, sizeof(s));
        const SqlInterval *v = &v0->u.iv[i];
        for (int64_t r = 0; r < (w < 0 ? -w : w) && !rc; r++)
            rc = w > 0 ? sql_interval_add(&s.sum, v, &s.sum, c->err) : sql_interval_sub(&s.sum, v, &s.sum, c->err);
        s.n += w;
        memcpy(st, &s, sizeof(s));
        return rc;
    }
    case REP_BOOL: {
        InvBool s;
        memcpy(&s, st, sizeof(s));
        if (v0->u.b[i])
            s.n_true += w;
        else
            s.n_false += w;
        memcpy(st, &s, sizeof(s));
        return WEIR_OK;
    }
    case REP_XOR: {
        InvXor s;
        memcpy(&s, st, sizeof(s));
        if (w & 1) /* x ^ x = 0: only the parity of the weight counts */
            s.v ^= v0->u.i[i];
        s.nn += w;
        memcpy(st, &s, sizeof(s));
        return WEIR_OK;
    }
    case REP_FLAT: {
        if (w <= 0)
            return sql_error_set(c->err, "XX000", 0,
                                 "internal error: a retraction reached an aggregate compiled for an append-only input");
        SqlValue args[2];
        memset(args, 0, sizeof(args));
        for (uint32_t j = 0; j < x->n_args && j < 2; j++)
            vec_get(&y->args[j], i, &args[j]);
        _Alignas(16) uint8_t tmp[FLAT_MAX];
        memcpy(tmp, st, x->size);
        for (int64_t r = 0; r < w && !rc; r++)
            rc = agg_acc_add_to(x->acc, c->exec, tmp, args);
        memcpy(st, tmp, x->size);
        return rc;
    }
    case REP_SET: {
        uint8_t idx[2] = {(uint8_t)(ai >> 8), (uint8_t)ai};
        if (agg_key3(c, &a->key, k, kn, idx, 2, y->ent[i].p, y->ent[i].n))
            return WEIR_ERROR;
        uint64_t h = state_hash(a->key.p, a->key.len);
        uint8_t *val;
        int is_new;
        Err e;
        err_clear(&e);
        if (state_upsert(a->set, h, a->key.p, a->key.len, sizeof(int64_t), &val, &is_new, &e))
            return sop_err_from(c->err, &e);
        int64_t n;
        memcpy(&n, val, sizeof(n));
        n += w;
        memcpy(val, &n, sizeof(n));
        if (n == 0)
            state_delete(a->set, h, a->key.p, a->key.len);
        return WEIR_OK;
    }
    }
    return WEIR_OK;
}

/* Remember group k as changed in this tick (its flag is set by the caller). */
static int agg_mark_changed(AggImpl *a, SopCtx *c, const uint8_t *k, size_t kn, uint64_t h)
{
    uint8_t *copy = arena_try_alloc(a->tick, kn ? kn : 1);
    if (!copy)
        return agg_oom(c);
    memcpy(copy, k, kn);
    if (a->n_ch == a->cap_ch) {
        uint32_t nc = a->cap_ch ? a->cap_ch * 2 : 256;
        AggChanged *n = realloc(a->ch, nc * sizeof(*n));
        if (!n)
            abort(); /* malloc failure itself aborts (STYLE.md) */
        a->ch = n;
        a->cap_ch = nc;
    }
    a->ch[a->n_ch++] = (AggChanged){h, copy, (uint32_t)kn};
    return WEIR_OK;
}

/* The exact key values of row i (keys kv[windowed..]) for a new group. */
static int agg_put_exact(AggImpl *a, SopCtx *c, const Vec *kv, uint32_t i, const uint8_t *k, size_t kn, uint64_t h)
{
    SqlValue *vals = ARENA_NEW(c->scratch, SqlValue, a->n_keys);
    if (!vals)
        return agg_oom(c);
    for (uint32_t j = 0; j < a->n_keys; j++)
        vec_get(&kv[a->windowed + j], i, &vals[j]);
    Err e;
    err_clear(&e);
    buf_reset(&a->row);
    if (rowcodec_encode(a->kcols + a->windowed, a->n_keys, vals, ROWCODEC_EXACT, &a->row, &e) ||
        state_put(a->exact, h, k, kn, a->row.p, a->row.len, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

static int agg_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    AggImpl *a = s->impl;
    const AggSpec *sp = a->sp;
    const Batch *b = in->b;
    uint32_t n = b->n;
    ExprCtx ec;
    exec_expr_ctx(c->exec, c->scratch, &ec);
    Batch kb = {n, a->n_kcols, ARENA_NEW(c->scratch, Vec, a->n_kcols + 1)};
    Slice *keys = ARENA_NEW(c->scratch, Slice, n);
    uint8_t *skip = arena_try_calloc(c->scratch, n);
    uint32_t *late = ARENA_NEW(c->scratch, uint32_t, n);
    AggBatchArgs *ba = ARENA_NEW(c->scratch, AggBatchArgs, a->n_aggs + 1);
    if (!kb.cols || !keys || !skip || !late || !ba)
        return agg_oom(c);
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (expr_eval(&ec, sp->keys[k], b, n, &kb.cols[a->windowed + k]))
            return WEIR_ERROR;
    uint32_t n_late = 0;
    if (a->windowed) {
        Vec *end = &kb.cols[0];
        if (a->end_key >= 0) {
            *end = kb.cols[1 + a->end_key];
        } else {
            const Vec *st = &kb.cols[1 + a->start_key];
            if (vec_init(end, a->kcols[0].type, c->scratch))
                return agg_oom(c);
            for (uint32_t i = 0; i < n; i++)
                if (vec_is_null(st, i) ? vec_set_null(end, i, c->scratch) : (end->u.i[i] = st->u.i[i] + a->size_us, 0))
                    return agg_oom(c);
        }
        for (uint32_t i = 0; i < n && a->late_check; i++)
            if (!vec_is_null(end, i) && sop_window_is_closed(end->u.i[i], a->closed_wm)) {
                skip[i] = 1;
                late[n_late++] = i;
            }
        if (n_late && sop_late_report(s, c, &a->opts, b, late, n_late))
            return WEIR_ERROR;
        if (n_late == n)
            return WEIR_OK;
    }
    Err e;
    err_clear(&e);
    if (a->global) {
        for (uint32_t i = 0; i < n; i++)
            keys[i] = (Slice){GLOBAL_KEY, sizeof(GLOBAL_KEY)};
    } else if (rowcodec_encode_batch(a->kcols, a->kidx, a->n_kcols, &kb, ROWCODEC_KEY, c->scratch, keys, &e)) {
        return sop_err_from(c->err, &e);
    }
    if (agg_eval_args(a, c, &ec, b, ba))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        if (skip[i])
            continue;
        int64_t w = zbatch_weight(in, i);
        const uint8_t *k = keys[i].p;
        size_t kn = keys[i].n;
        uint64_t h = state_hash(k, kn);
        uint8_t *val;
        int is_new;
        if (state_upsert(a->groups, h, k, kn, a->vsize, &val, &is_new, &e))
            return sop_err_from(c->err, &e);
        GroupHdr hdr;
        memcpy(&hdr, val, sizeof(hdr));
        hdr.n_rows += w;
        hdr.last_us = c->now_us;
        if (is_new && a->key_exact && agg_put_exact(a, c, kb.cols, i, k, kn, h))
            return WEIR_ERROR;
        if (a->on_update && !(hdr.flags & GF_CHANGED)) {
            hdr.flags |= GF_CHANGED;
            if (agg_mark_changed(a, c, k, kn, h))
                return WEIR_ERROR;
        }
        memcpy(val, &hdr, sizeof(hdr));
        for (uint32_t j = 0; j < a->n_aggs; j++)
            if (agg_fold_row(a, c, j, &ba[j], i, w, val + a->aggs[j].off, k, kn))
                return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * advance
 * ---------------------------------------------------------------------------------------------- */

/* Close every window whose end the watermark reached: emit its groups (on_window_close) and drop them. */
static int agg_close_windows(AggImpl *a, SopCtx *c, SopOut *o)
{
    if (c->watermark == SOP_WM_NONE)
        return WEIR_OK;
    SqlValue wm;
    memset(&wm, 0, sizeof(wm));
    wm.type = a->kcols[0].type;
    wm.u.i = c->watermark;
    Err e;
    err_clear(&e);
    buf_reset(&a->row);
    if (rowcodec_encode(a->kcols, 1, &wm, ROWCODEC_KEY, &a->row, &e))
        return sop_err_from(c->err, &e);
    uint8_t hi[ROWCODEC_FIXED_MAX];
    size_t hn = a->row.len;
    memcpy(hi, a->row.p, hn);
    StateIter it;
    if (state_iter_range(&it, a->groups, NULL, 0, hi, hn, &e))
        return sop_err_from(c->err, &e);
    uint32_t nc = o->s->n_cols;
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        GroupHdr hdr;
        memcpy(&hdr, v.p, sizeof(hdr));
        uint64_t h = state_hash(k.p, k.n);
        if (!a->on_update && hdr.n_rows > 0) {
            SqlValue *vals = ARENA_NEW(c->scratch, SqlValue, nc);
            if (!vals)
                return agg_oom(c);
            if (agg_group_row(a, c, k.p, k.n, h, v.p, vals) || agg_out_vals(o, vals, nc, 1))
                return WEIR_ERROR;
        }
        /* the other tables first: the key borrowed from `groups` dies with the entry */
        if (agg_set_drop(a, c, k.p, k.n))
            return WEIR_ERROR;
        if (a->exact)
            state_delete(a->exact, h, k.p, k.n);
        if (a->emitted)
            state_delete(a->emitted, h, k.p, k.n);
        state_delete(a->groups, h, k.p, k.n);
    }
    return WEIR_OK;
}

/* state_ttl: retract and drop the groups not changed for ttl. */
static int agg_sweep(AggImpl *a, SopCtx *c, SopOut *o)
{
    int64_t every = a->ttl_us / 4 > 0 ? a->ttl_us / 4 : 1;
    if (a->last_sweep_us && c->now_us - a->last_sweep_us < every)
        return WEIR_OK;
    a->last_sweep_us = c->now_us;
    StateIter it;
    state_iter_all(&it, a->groups);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        GroupHdr hdr;
        memcpy(&hdr, v.p, sizeof(hdr));
        if (c->now_us - hdr.last_us < a->ttl_us)
            continue;
        uint64_t h = state_hash(k.p, k.n);
        Slice old;
        if (agg_retract_emitted(a, c, o, k.p, k.n, h, &old) || agg_set_drop(a, c, k.p, k.n))
            return WEIR_ERROR;
        if (a->exact)
            state_delete(a->exact, h, k.p, k.n);
        state_delete(a->emitted, h, k.p, k.n);
        state_delete(a->groups, h, k.p, k.n);
    }
    return WEIR_OK;
}

static int agg_advance(Sop *s, SopCtx *c)
{
    AggImpl *a = s->impl;
    SopOut o;
    sop_out_init(&o, s, c, 64);
    if (a->global) {
        /* the one row exists from the first tick on, as batch gives it over no rows */
        Slice old;
        uint64_t h = state_hash(GLOBAL_KEY, sizeof(GLOBAL_KEY));
        if (!state_get(a->emitted, h, GLOBAL_KEY, sizeof(GLOBAL_KEY), &old) &&
            agg_group_update(a, c, &o, GLOBAL_KEY, sizeof(GLOBAL_KEY), h))
            return WEIR_ERROR;
    }
    for (uint32_t i = 0; i < a->n_ch; i++)
        if (agg_group_update(a, c, &o, a->ch[i].k, a->ch[i].n, a->ch[i].h))
            return WEIR_ERROR;
    a->n_ch = 0;
    arena_reset(a->tick);
    if (a->windowed && agg_close_windows(a, c, &o))
        return WEIR_ERROR;
    if (a->ttl_us > 0 && !a->windowed && !a->global && agg_sweep(a, c, &o))
        return WEIR_ERROR;
    a->closed_wm = c->watermark;
    return sop_out_flush(&o);
}

/* After a restore: the watermark the windows were closed at, and the changed groups (none when the
 * checkpoint was taken between ticks). */
static int agg_restored(Sop *s, SopCtx *c)
{
    AggImpl *a = s->impl;
    a->closed_wm = c->watermark;
    a->n_ch = 0;
    arena_reset(a->tick);
    if (!a->on_update)
        return WEIR_OK;
    StateIter it;
    state_iter_all(&it, a->groups);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        GroupHdr hdr;
        memcpy(&hdr, v.p, sizeof(hdr));
        if ((hdr.flags & GF_CHANGED) && agg_mark_changed(a, c, k.p, k.n, state_hash(k.p, k.n)))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static void agg_destroy(Sop *s)
{
    AggImpl *a = s->impl;
    for (uint32_t i = 0; a->aggs && i < a->n_aggs; i++)
        agg_acc_destroy(&a->aggs[i].acc);
    free(a->ch);
    a->ch = NULL;
    buf_fini(&a->key);
    buf_fini(&a->row);
    arena_destroy(&a->tick);
    arena_destroy(&a->work);
    arena_destroy(&a->accs);
}

static const SopOps agg_ops = {.name = "aggregate",
                               .push = agg_push,
                               .advance = agg_advance,
                               .restored = agg_restored,
                               .destroy = agg_destroy};

/* ------------------------------------------------------------------------------------------------
 * Compiling
 * ---------------------------------------------------------------------------------------------- */

static int agg_refuse(SopCompiler *cc, const char *what)
{
    return sql_error_set(cc->err, "0A000", 0, "%s is not supported in a continuous query", what);
}

static int agg_cc_oom(SopCompiler *cc)
{
    return sql_error_set(cc->err, "53200", 0, "out of memory compiling the continuous query");
}

/* The tumble/hop OP_WINASSIGN whose window_start column `col` of op is (through FILTER and plain
 * column PROJECTs), or NULL. */
static const WinAssignSpec *agg_find_winassign(const Op *op, uint32_t col)
{
    while (op) {
        if (op->kind == OP_FILTER) {
            op = op->child;
        } else if (op->kind == OP_PROJECT) {
            const Expr *e = op->exprs[col];
            if (e->kind != EXPR_COL)
                return NULL;
            col = e->u.col;
            op = op->child;
        } else if (op->kind == OP_WINASSIGN) {
            const WinAssignSpec *ws = op->spec;
            return col == op->n_cols - 2 && ws->kind != WINASSIGN_SESSION ? ws : NULL;
        } else {
            return NULL;
        }
    }
    return NULL;
}

/* Whether a session window is assigned below op: in on_update mode it retracts rows as sessions grow
 * (sop_window.c), whatever the rest of the plan says. */
static int agg_session_below(const Op *op)
{
    if (!op)
        return 0;
    if (op->kind == OP_WINASSIGN && ((const WinAssignSpec *)op->spec)->kind == WINASSIGN_SESSION)
        return 1;
    return agg_session_below(op->child) || agg_session_below(op->right);
}

static int agg_type_ok(SqlTypeId t)
{
    return t != SQL_RECORD && t != SQL_VOID;
}

static int agg_expr_has_col(const Expr *e)
{
    if (e->kind == EXPR_COL)
        return 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (agg_expr_has_col(e->args[i]))
            return 1;
    return 0;
}

/* Choose aggregate x's representation and set up what it needs. */
static int agg_compile_one(SopCompiler *cc, AggImpl *a, SAgg *x, const AggCall *c, int append_only)
{
    Arena *ga = cc->g->arena;
    x->c = c;
    x->args = c->n_args ? c->args : (c->arg ? (Expr **)&c->arg : NULL);
    x->n_args = c->n_args ? c->n_args : (c->arg ? 1 : 0);
    for (uint32_t j = 0; j < x->n_args; j++)
        if (!agg_type_ok(x->args[j]->type.id))
            return agg_refuse(cc, "an aggregate over a row value");
    if (!agg_type_ok(c->type.id))
        return agg_refuse(cc, "an aggregate returning a row value");
    AggFn fn = c->fn;
    x->oset = fn == AGG_PERCENTILE_CONT || fn == AGG_PERCENTILE_DISC || fn == AGG_MODE;
    x->strict = fn != AGG_COUNT_STAR && fn != AGG_ARRAY_AGG && fn != AGG_JSON_AGG && fn != AGG_JSONB_AGG &&
                fn != AGG_JSON_OBJECT_AGG && fn != AGG_JSONB_OBJECT_AGG;
    int buffered = c->distinct || c->n_order || x->oset;
    x->rep = REP_SET;
    if (!buffered) {
        switch (fn) {
        case AGG_COUNT_STAR:
        case AGG_COUNT: x->rep = REP_COUNT; break;
        case AGG_SUM_INT: x->rep = REP_SUM_INT; break;
        case AGG_SUM_BIGINT:
        case AGG_AVG_INT:
        case AGG_SUM_NUMERIC:
        case AGG_AVG_NUMERIC: x->rep = REP_NUM; break;
        case AGG_SUM_INTERVAL:
        case AGG_AVG_INTERVAL: x->rep = REP_IV; break;
        case AGG_BOOL_AND:
        case AGG_BOOL_OR: x->rep = REP_BOOL; break;
        case AGG_BIT_XOR: x->rep = REP_XOR; break;
        default: break;
        }
    }
    if (x->rep == REP_SET && !buffered && append_only) {
        AggAcc *acc;
        if (agg_acc_create(c, a->accs, &acc, cc->err))
            return WEIR_ERROR;
        size_t sz, al;
        int flat;
        agg_acc_state_layout(acc, &sz, &al, &flat);
        if (flat && sz <= FLAT_MAX && al <= 16) {
            x->rep = REP_FLAT;
            x->acc = acc;
            x->size = (uint32_t)sz;
        } else {
            agg_acc_destroy(&acc);
        }
    }
    switch (x->rep) {
    case REP_COUNT: x->size = sizeof(int64_t); break;
    case REP_SUM_INT: x->size = sizeof(InvSumInt); break;
    case REP_NUM:
        x->scales = !append_only && x->args[0]->type.id == SQL_NUMERIC;
        x->size = (uint32_t)(sizeof(InvNum) + (x->scales ? N_SCALES * sizeof(int64_t) : 0));
        break;
    case REP_IV: x->size = sizeof(InvIv); break;
    case REP_BOOL: x->size = sizeof(InvBool); break;
    case REP_XOR: x->size = sizeof(InvXor); break;
    case REP_FLAT: break;
    case REP_SET: {
        x->size = 0;
        x->extreme = fn == AGG_MIN || fn == AGG_MAX;
        uint32_t n_order = x->extreme ? 0 : c->n_order;
        x->n_e = n_order + x->n_args;
        x->first_arg = n_order;
        x->ecols = ARENA_NEW(ga, RowCodecCol, x->n_e + 1);
        x->eexprs = ARENA_NEW(ga, Expr *, x->n_e + 1);
        if (!x->ecols || !x->eexprs)
            return agg_cc_oom(cc);
        for (uint32_t k = 0; k < n_order; k++) {
            if (!agg_type_ok(c->order[k]->type.id))
                return agg_refuse(cc, "ORDER BY a row value inside an aggregate");
            x->eexprs[k] = c->order[k];
            x->ecols[k] = (RowCodecCol){c->order[k]->type, (c->order_desc[k] ? (uint32_t)ROWCODEC_DESC : 0) |
                                                               (c->order_nulls_first[k] ? (uint32_t)ROWCODEC_NULLS_FIRST : 0)};
        }
        for (uint32_t j = 0; j < x->n_args; j++) {
            x->eexprs[n_order + j] = x->args[j];
            x->ecols[n_order + j] = (RowCodecCol){x->args[j]->type, 0};
        }
        if (fn == AGG_MAX) /* max first: its values keyed descending */
            x->ecols[0].flags = ROWCODEC_DESC | ROWCODEC_NULLS_FIRST;
        if (x->oset) {
            if (c->direct && agg_expr_has_col(c->direct))
                return agg_refuse(cc, "an ordered-set aggregate whose fraction depends on the group");
            if (c->direct) {
                ExprCtx ec;
                exec_expr_ctx(cc->exec, ga, &ec);
                ec.err = cc->err;
                Vec dv;
                if (expr_eval(&ec, c->direct, NULL, 1, &dv))
                    return WEIR_ERROR;
                vec_get(&dv, 0, &x->direct);
                if (sql_value_keep(ga, &x->direct))
                    return agg_cc_oom(cc);
                x->has_direct = 1;
            }
        } else if (!x->extreme) {
            /* the values come in the call's order already, each distinct one once when it says DISTINCT */
            x->call = *c;
            x->call.distinct = 0;
            x->call.n_order = 0;
            x->call.order = NULL;
            if (agg_acc_create(&x->call, a->accs, &x->acc, cc->err))
                return WEIR_ERROR;
        }
        if (x->n_e > a->max_e)
            a->max_e = x->n_e;
        break;
    }
    }
    return WEIR_OK;
}

int sop_compile_agg(SopCompiler *cc, const Op *op, Sop *in, Sop **out)
{
    const AggSpec *sp = op->spec;
    SopGraph *g = cc->g;
    if (sp->n_aggs > 65535)
        return agg_refuse(cc, "more than 65535 aggregates in one GROUP BY");
    Sop *s = sop_new(g, &agg_ops, sizeof(AggImpl), op->types, op->n_cols);
    if (!s)
        return agg_cc_oom(cc);
    AggImpl *a = s->impl;
    a->sp = sp;
    a->opts = *cc->opts;
    a->n_keys = sp->n_keys;
    a->n_aggs = sp->n_aggs;
    a->end_key = a->start_key = -1;
    a->closed_wm = SOP_WM_NONE;
    buf_init(&a->key, STATE_KEY_MAX);
    buf_init(&a->row, STATE_VAL_MAX);
    if (!(a->tick = arena_create(g->arena, ARENA_UNLIMITED)) || !(a->work = arena_create(g->arena, ARENA_UNLIMITED)) ||
        !(a->accs = arena_create(g->arena, ARENA_UNLIMITED)))
        return agg_cc_oom(cc);
    /* windows among the keys */
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        const Expr *e = sp->keys[k];
        if (!agg_type_ok(e->type.id))
            return agg_refuse(cc, "GROUP BY a row value");
        if (e->kind != EXPR_COL)
            continue;
        SopColKind ck = sop_plan_col_kind(op->child, e->u.col);
        if (ck == SOP_COL_WEND && a->end_key < 0)
            a->end_key = (int)k;
        else if (ck == SOP_COL_WSTART && a->start_key < 0)
            a->start_key = (int)k;
    }
    if (a->end_key < 0 && a->start_key >= 0) {
        const WinAssignSpec *ws = agg_find_winassign(op->child, sp->keys[a->start_key]->u.col);
        if (!ws)
            return agg_refuse(cc, "GROUP BY window_start without window_end (here)");
        a->size_us = ws->size_us;
    }
    a->windowed = a->end_key >= 0 || a->start_key >= 0;
    /* a retraction can split a session, and the pieces may end behind the watermark: new windows, not
     * late rows (sop_window.c closes them at its next advance, just before this operator's) */
    a->late_check = !agg_session_below(op->child);
    a->global = !a->windowed && sp->n_keys == 0;
    a->on_update = !a->windowed || cc->opts->emit_on_update;
    if (!a->windowed && !a->global) {
        if (cc->opts->state_ttl_us <= 0)
            return sql_error_set(cc->err, "0A000", 0,
                                 "a GROUP BY without a window keeps every group forever: name a state_ttl in WITH "
                                 "(...) to bound it, or group by a window's window_start/window_end");
        a->ttl_us = cc->opts->state_ttl_us;
    }
    /* the group key: [window_end], keys */
    a->n_kcols = a->windowed + sp->n_keys;
    a->kcols = ARENA_NEW(g->arena, RowCodecCol, a->n_kcols + 1);
    a->kidx = ARENA_NEW(g->arena, uint32_t, a->n_kcols + 1);
    a->ocols = ARENA_NEW(g->arena, RowCodecCol, op->n_cols + 1);
    a->aggs = arena_try_calloc(g->arena, (sp->n_aggs + 1) * sizeof(SAgg));
    if (!a->kcols || !a->kidx || !a->ocols || !a->aggs)
        return agg_cc_oom(cc);
    if (a->windowed)
        a->kcols[0] = (RowCodecCol){sp->keys[a->end_key >= 0 ? a->end_key : a->start_key]->type, 0};
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        SqlTypeId t = sp->keys[k]->type.id;
        a->kcols[a->windowed + k] = (RowCodecCol){sp->keys[k]->type, 0};
        a->key_exact |= t == SQL_NUMERIC || t == SQL_FLOAT4 || t == SQL_FLOAT8 || t == SQL_INTERVAL;
    }
    for (uint32_t k = 0; k < a->n_kcols; k++)
        a->kidx[k] = k;
    for (uint32_t k = 0; k < op->n_cols; k++)
        a->ocols[k] = (RowCodecCol){op->types[k], 0};
    /* the aggregates */
    int append_only = sop_plan_append_only(cc->opts, op->child) &&
                      !(cc->opts->emit_on_update && agg_session_below(op->child));
    int any_set = 0;
    uint32_t off = sizeof(GroupHdr);
    for (uint32_t i = 0; i < sp->n_aggs; i++) {
        SAgg *x = &a->aggs[i];
        if (agg_compile_one(cc, a, x, &sp->aggs[i], append_only))
            return WEIR_ERROR;
        x->off = off;
        off += (x->size + 7) & ~7u;
        any_set |= x->rep == REP_SET;
    }
    a->vsize = off;
    if (sop_state_new(s, a->windowed, &a->groups, cc->err) || (any_set && sop_state_new(s, 1, &a->set, cc->err)) ||
        (a->on_update && sop_state_new(s, 0, &a->emitted, cc->err)) ||
        (a->key_exact && sop_state_new(s, 0, &a->exact, cc->err)))
        return WEIR_ERROR;
    /* on_update sends -old/+new when a group changes: the view then emits updates (cq.c's default emit) */
    s->may_retract = a->on_update;
    in->out = s;
    in->out_port = 0;
    *out = s;
    return WEIR_OK;
}
