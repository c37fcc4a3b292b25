/*
 * sop_join.c: streaming joins (OP_JOIN in a continuous query), and the helpers every stateful streaming
 * operator shares (sop.h, "helpers the stateful operators share").
 *
 * A join answers a delta of one input with the delta of its output: d(A join B) = dA join B + A join dB
 * + dA join dB. Pushing dA first probes B's state and then adds dA to A's state, so the dA join dB term is
 * found when dB arrives and probes A. Weights multiply: a pair of rows of weights wa, wb is emitted with
 * weight wa * wb, so retractions (-1) of either input retract the join rows they made. Equality is SQL's
 * (op_join.c): rows match when every equi-key pair is equal and not NULL (compared through their rowcodec
 * KEY encodings, which agree with = for every key type; char(n) keys are compared without their
 * trailing blanks) and the residual is TRUE over the combined row. The residual is evaluated with the
 * engine's vectorized expressions over batches of up to VEC_BATCH candidate pairs.
 *
 * Four shapes, chosen at compile (join_shape):
 *   reference   one side reads no stream (a file table, VALUES ...: sop_plan_is_streaming): it is run once
 *               through the batch engine at compile and indexed by its equi-key (ref_index, a state table
 *               that is not checkpointed: a restart rebuilds it the same way). A streaming row probes it
 *               and passes through with its weight; nothing of the stream is kept. When the static side
 *               is preserved (static LEFT JOIN stream, FULL), how much stream weight matches each static
 *               row is state (ref_matched, checkpointed): its null-padded row is emitted at the start and
 *               retracted and re-emitted as matches come and go. Cross joins (no keys) are allowed here.
 *   interval    both sides streams, and the keys / residual bound one side's event time by the other's:
 *               lo <= t1 - t0 <= hi (t0 the left row's time, t1 the right's; `b.ts BETWEEN a.ts - X AND
 *               a.ts + Y`, `a.ts = b.ts`, ...). A left row can only meet right rows with t1 <= t0 + hi, and
 *               every right row still to come has t1 >= watermark, so it is dropped once t0 + hi <
 *               watermark (the right one once t1 - lo < watermark). A row that arrives with its time below
 *               the watermark of the last advance may have lost partners already: it is late (counted,
 *               sent to the late sink, not joined).
 *   window      both inputs carry window_end (sop_plan_col_kind) and the keys equate them: the rows of a
 *               window are kept until it closes (sop_window_is_closed), then dropped; rows of a window
 *               closed at an earlier advance are late.
 *   regular     anything else between two streams: state grows with the inputs, so it is refused at
 *               compile unless the query has a state_ttl; then rows whose entry was not written for
 *               state_ttl (wall clock) are dropped, silently (Flink's semantics: a later row misses them).
 *
 * State (stream-stream shapes), per side, ordered table `rows`:
 *   regular   K | R          K: KEY encoding of the equi-keys, R: EXACT encoding of the whole input row
 *   interval  K | T | R      T: the row's time (KEY encoded), so a probe walks only the band of times
 *   window    E | K | R      E: window_end, so a window's rows close together in key order
 * valued JoinVal {weight, matched, touched}: the row's multiplicity, the weight of the other side's rows
 * it matched (outer joins: a preserved row with matched == 0 is null-padded) and when it was last written
 * (state_ttl). A probe is one skiplist seek to the prefix K (E|K) and a walk of the matches; the interval
 * shape keeps a second ordered table `by_time` (T | K | R -> length of K) to expire rows in time order.
 *
 * Outer joins. By default (emit on update, and always for reference and regular shapes) a preserved row
 * without matches is emitted null-padded at once, retracted when its first match comes and emitted again
 * when its last match goes. For interval and window shapes without emit = 'on_update' the output stays
 * append-only: the null-padded row is emitted when the row expires unmatched, which is when that is final.
 *
 * Determinism: a push emits in input-row order, then candidates in key order; an advance emits expiring
 * rows in key order. So a replay of the same input after a crash emits the same rows in the same order.
 * Everything a restore needs is in the registered state tables; wm_done (the watermark of the last
 * advance, which decides lateness) is rebuilt from the restored watermark by the `restored` hook.
 *
 * Not here: SEMI / ANTI joins between two streams (EXISTS over a stream: 0A000); they work against a
 * reference table.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/catalog.h"
#include "exec/expr.h"
#include "sql/tabledef.h"
#include "stream/sop.h"

/* ------------------------------------------------------------------------------------------------
 * Helpers shared with the other stateful operators (sop.h)
 * ---------------------------------------------------------------------------------------------- */

SopColKind sop_plan_col_kind(const Op *op, uint32_t col)
{
    /* the event time survives only FILTER, PROJECT and window assignment: past anything that holds rows
     * back (sorts, rankings, aggregates, joins) a row may come after the watermark passed its time */
    int time_kept = 1;
    while (op && col < op->n_cols) {
        switch (op->kind) {
        case OP_FILTER: op = op->child; continue;
        case OP_SORT:
        case OP_UNIQUE:
            time_kept = 0;
            op = op->child;
            continue;
        case OP_WINDOW:
            if (col >= op->child->n_cols)
                return SOP_COL_OTHER;
            time_kept = 0;
            op = op->child;
            continue;
        case OP_PROJECT:
            if (op->exprs[col]->kind != EXPR_COL)
                return SOP_COL_OTHER;
            col = op->exprs[col]->u.col;
            op = op->child;
            continue;
        case OP_WINASSIGN: {
            uint32_t n = op->child->n_cols;
            if (col == n)
                return SOP_COL_WSTART;
            if (col == n + 1)
                return SOP_COL_WEND;
            op = op->child;
            continue;
        }
        case OP_AGG: {
            const AggSpec *as = op->spec;
            if (col >= as->n_keys || as->keys[col]->kind != EXPR_COL)
                return SOP_COL_OTHER;
            time_kept = 0;
            col = as->keys[col]->u.col;
            op = op->child;
            continue;
        }
        case OP_JOIN: {
            const JoinSpec *js = op->spec;
            uint32_t nl = op->child->n_cols;
            time_kept = 0;
            if (js->type == JOIN_SEMI || js->type == JOIN_ANTI || col < nl) {
                op = op->child;
            } else {
                col -= nl;
                op = op->right;
            }
            continue;
        }
        case OP_SCAN: {
            const ScanSpec *ss = op->spec;
            const TableDef *d = ss->table->def;
            uint32_t tcol = d->n_cols + TABLE_HID_ARRIVAL_TIME;
            if (d->event_time) {
                int i = tabledef_column_find(d, d->event_time);
                tcol = i >= 0 ? (uint32_t)i : UINT32_MAX;
            }
            return time_kept && col == tcol ? SOP_COL_TIME : SOP_COL_OTHER;
        }
        default: return SOP_COL_OTHER;
        }
    }
    return SOP_COL_OTHER;
}

int sop_state_new(Sop *s, int ordered, StateTable **out, SqlError *err)
{
    SopGraph *g = s->graph;
    uint32_t idx = 0;
    while (idx < g->n_ops && g->ops[idx] != s)
        idx++;
    StateConfig cfg = {.table_id = ((uint64_t)(idx + 1) << 8) | s->n_state, .is_ordered = ordered};
    Err e;
    err_clear(&e);
    if (state_create(&cfg, out, &e))
        return sop_err_from(err, &e);
    return sop_state_add(s, *out, err);
}

int sop_late_report(Sop *s, SopCtx *c, const SopCompileOpts *opts, const Batch *b, const uint32_t *rows,
                    uint32_t n)
{
    if (!n)
        return WEIR_OK;
    s->st.late += n;
    return opts && opts->late ? opts->late(opts->late_arg, c, s, b, rows, n) : WEIR_OK;
}

int sop_err_from(SqlError *err, const Err *e)
{
    if (e->code == WEIR_ELIMIT || e->code == WEIR_ENOMEM)
        return sql_error_set(err, "53200", 0, "continuous query state: %s", e->msg);
    return sql_error_set(err, "XX000", 0, "continuous query state: %s", e->msg);
}

static int sop_oom(SqlError *err)
{
    return sql_error_set(err, "53200", 0, "out of memory: the continuous query's memory budget is exhausted");
}

int sop_time_key_append(const RowCodecCol *codec, int64_t t, Buf *b, SqlError *err)
{
    SqlValue v = {.type = codec->type, .u.i = t};
    Err e;
    err_clear(&e);
    return rowcodec_encode(codec, 1, &v, ROWCODEC_KEY, b, &e) ? sop_err_from(err, &e) : WEIR_OK;
}

void sop_out_init(SopOut *o, Sop *s, SopCtx *c, uint32_t cap_hint)
{
    o->s = s;
    o->c = c;
    o->b = NULL;
    o->w = NULL;
    o->cap = 0;
    o->next_cap = cap_hint < 16 ? 16 : cap_hint > VEC_BATCH ? VEC_BATCH : cap_hint;
}

int sop_out_row(SopOut *o, int64_t w, uint32_t *row)
{
    if (o->b && o->b->n == o->cap && sop_out_flush(o))
        return WEIR_ERROR;
    if (!o->b) {
        /* a batch of cap rows: like batch_create, without VEC_BATCH rows per column */
        Arena *a = o->c->scratch;
        uint32_t cap = o->next_cap;
        Batch *b = arena_try_calloc(a, sizeof(*b));
        if (!b || !(b->cols = ARENA_NEW(a, Vec, o->s->n_cols ? o->s->n_cols : 1)) ||
            !(o->w = ARENA_NEW(a, int64_t, cap)))
            return sop_oom(o->c->err);
        b->n_cols = o->s->n_cols;
        for (uint32_t k = 0; k < b->n_cols; k++) {
            b->cols[k].type = o->s->types[k];
            if (!(b->cols[k].u.data = arena_try_calloc_array(a, cap, vec_elem_size(o->s->types[k].id))))
                return sop_oom(o->c->err);
        }
        o->b = b;
        o->cap = cap;
        o->next_cap = VEC_BATCH;
    }
    *row = o->b->n++;
    o->w[*row] = w;
    return WEIR_OK;
}

int sop_out_put(SopOut *o, uint32_t row, uint32_t col, const SqlValue *v)
{
    return vec_put(&o->b->cols[col], row, v, o->c->scratch) ? sop_oom(o->c->err) : WEIR_OK;
}

int sop_out_flush(SopOut *o)
{
    if (!o->b || !o->b->n)
        return WEIR_OK;
    ZBatch z = {o->b, o->w};
    o->b = NULL;
    return sop_emit(o->s, o->c, &z);
}

/* ------------------------------------------------------------------------------------------------
 * The shape of a join
 * ---------------------------------------------------------------------------------------------- */

typedef enum JoinShapeKind { JS_REFERENCE, JS_INTERVAL, JS_WINDOW, JS_REGULAR } JoinShapeKind;

typedef struct JoinShape {
    JoinShapeKind kind;
    int static_side;  /* JS_REFERENCE: 0 the left input is static, 1 the right */
    uint32_t tcol[2]; /* JS_INTERVAL: each side's event-time column; JS_WINDOW: its window_end column */
    int64_t lo, hi;   /* JS_INTERVAL: lo <= t1 - t0 <= hi */
} JoinShape;

/* An event-time term of a bound: a column, or a column plus or minus a constant interval. */
typedef struct TimeTerm {
    uint32_t col; /* of the combined row (right columns after the left ones) */
    int64_t off;
    int fuzzy;    /* the interval has days: timestamptz arithmetic makes a day 23 to 25 hours */
} TimeTerm;

static int interval_const(const Expr *e, int64_t *usec, int *fuzzy)
{
    if (e->kind != EXPR_CONST || e->type.id != SQL_INTERVAL || e->u.cval.is_null || e->u.cval.u.iv.months)
        return 0;
    const SqlInterval *iv = &e->u.cval.u.iv;
    if (iv->days > 36500 || iv->days < -36500 || iv->usec > SQL_USEC_PER_DAY * 36500 ||
        iv->usec < -SQL_USEC_PER_DAY * 36500)
        return 0;
    *usec = iv->usec + (int64_t)iv->days * SQL_USEC_PER_DAY;
    *fuzzy = iv->days != 0;
    return 1;
}

static int fn_is(const Expr *e, const char *name)
{
    return e->kind == EXPR_FUNC && e->n_args == 2 && e->u.fn.def && strcmp(e->u.fn.def->name, name) == 0;
}

static int time_term(const Expr *e, TimeTerm *t)
{
    t->off = 0;
    t->fuzzy = 0;
    const Expr *c = e;
    if (fn_is(e, "+") || fn_is(e, "-")) {
        int minus = e->u.fn.def->name[0] == '-';
        if (e->args[0]->kind == EXPR_COL && interval_const(e->args[1], &t->off, &t->fuzzy)) {
            c = e->args[0];
            if (minus)
                t->off = -t->off;
        } else if (!minus && e->args[1]->kind == EXPR_COL && interval_const(e->args[0], &t->off, &t->fuzzy)) {
            c = e->args[1];
        } else {
            return 0;
        }
    }
    if (c->kind != EXPR_COL || (c->type.id != SQL_TIMESTAMP && c->type.id != SQL_TIMESTAMPTZ))
        return 0;
    t->col = c->u.col;
    return 1;
}

/* The kind of combined-row column col: the left input's columns, then the right's. */
static SopColKind join_col_kind(const Op *op, uint32_t col)
{
    uint32_t nl = op->child->n_cols;
    return col < nl ? sop_plan_col_kind(op->child, col) : sop_plan_col_kind(op->right, col - nl);
}

/* One bound `a op b` between the two sides' event times: tightens lo / hi. */
static int bound_add(const Op *op, const TimeTerm *a, const TimeTerm *b, char rel, JoinShape *sh, int *have_lo,
                     int *have_hi, int *fuzzy)
{
    uint32_t nl = op->child->n_cols;
    int a_left = a->col < nl, b_left = b->col < nl;
    if (a_left == b_left || join_col_kind(op, a->col) != SOP_COL_TIME || join_col_kind(op, b->col) != SOP_COL_TIME)
        return 0;
    if (!a_left) { /* make a the left side: b op a */
        const TimeTerm *t = a;
        a = b;
        b = t;
        rel = rel == '<' ? '>' : rel == '>' ? '<' : rel;
    }
    uint32_t c0 = a->col, c1 = b->col - nl;
    if ((*have_lo || *have_hi) && (sh->tcol[0] != c0 || sh->tcol[1] != c1))
        return 0; /* a bound between other columns: keep the first pair */
    sh->tcol[0] = c0;
    sh->tcol[1] = c1;
    *fuzzy |= a->fuzzy | b->fuzzy;
    /* t0 + a.off REL t1 + b.off */
    int64_t d = a->off - b->off;
    if (rel == '<' || rel == '=') { /* t1 - t0 >= d */
        if (!*have_lo || d > sh->lo)
            sh->lo = d;
        *have_lo = 1;
    }
    if (rel == '>' || rel == '=') { /* t1 - t0 <= d */
        if (!*have_hi || d < sh->hi)
            sh->hi = d;
        *have_hi = 1;
    }
    return 1;
}

static void conj_bounds(const Op *op, const Expr *e, JoinShape *sh, int *have_lo, int *have_hi, int *fuzzy)
{
    if (!e)
        return;
    if (e->kind == EXPR_AND) {
        for (uint32_t i = 0; i < e->n_args; i++)
            conj_bounds(op, e->args[i], sh, have_lo, have_hi, fuzzy);
        return;
    }
    char rel = fn_is(e, "<") || fn_is(e, "<=")   ? '<'
               : fn_is(e, ">") || fn_is(e, ">=") ? '>'
               : fn_is(e, "=")                   ? '='
                                                 : 0;
    TimeTerm a, b;
    if (rel && time_term(e->args[0], &a) && time_term(e->args[1], &b))
        bound_add(op, &a, &b, rel, sh, have_lo, have_hi, fuzzy);
}

static void join_shape(const Op *op, JoinShape *sh)
{
    const JoinSpec *js = op->spec;
    memset(sh, 0, sizeof(*sh));
    int ls = sop_plan_is_streaming(op->child), rs = sop_plan_is_streaming(op->right);
    if (!ls || !rs) {
        sh->kind = JS_REFERENCE;
        sh->static_side = ls ? 1 : 0;
        return;
    }
    uint32_t nl = op->child->n_cols;
    /* window join: window_end = window_end among the keys */
    for (uint32_t k = 0; k < js->n_keys; k++) {
        const Expr *l = js->lkeys[k], *r = js->rkeys[k];
        if (l->kind == EXPR_COL && r->kind == EXPR_COL && sop_plan_col_kind(op->child, l->u.col) == SOP_COL_WEND &&
            sop_plan_col_kind(op->right, r->u.col) == SOP_COL_WEND) {
            sh->kind = JS_WINDOW;
            sh->tcol[0] = l->u.col;
            sh->tcol[1] = r->u.col;
            return;
        }
    }
    /* interval join: bounds both ways between the event times, from the keys and the residual */
    int have_lo = 0, have_hi = 0, fuzzy = 0;
    for (uint32_t k = 0; k < js->n_keys; k++) {
        TimeTerm a, b;
        if (time_term(js->lkeys[k], &a) && time_term(js->rkeys[k], &b)) {
            b.col += nl; /* rkeys read the right input's columns */
            bound_add(op, &a, &b, '=', sh, &have_lo, &have_hi, &fuzzy);
        }
    }
    conj_bounds(op, js->residual, sh, &have_lo, &have_hi, &fuzzy);
    if (have_lo && have_hi && sh->lo <= sh->hi) {
        sh->kind = JS_INTERVAL;
        if (fuzzy) { /* a day of timestamptz arithmetic may be an hour longer or shorter */
            sh->lo -= 3600 * SQL_USEC_PER_SEC;
            sh->hi += 3600 * SQL_USEC_PER_SEC;
        }
        return;
    }
    sh->kind = JS_REGULAR;
}

int sop_plan_append_only(const SopCompileOpts *opts, const Op *op)
{
    if (!op)
        return 0;
    switch (op->kind) {
    case OP_SCAN: return 1;
    case OP_WINASSIGN: {
        /* a session window emitted on update moves its rows between sessions: -1 old bounds, +1 new */
        const WinAssignSpec *ws = op->spec;
        if (ws->kind == WINASSIGN_SESSION && opts->emit_on_update)
            return 0;
        return sop_plan_append_only(opts, op->child);
    }
    case OP_FILTER:
    case OP_PROJECT:
    case OP_SORT: return sop_plan_append_only(opts, op->child);
    case OP_APPEND: return sop_plan_append_only(opts, op->child) && sop_plan_append_only(opts, op->right);
    case OP_AGG: {
        /* a windowed aggregate emitted on close emits each window's rows once, final */
        const AggSpec *as = op->spec;
        if (opts->emit_on_update)
            return 0;
        for (uint32_t k = 0; k < as->n_keys; k++)
            if (as->keys[k]->kind == EXPR_COL && sop_plan_col_kind(op->child, as->keys[k]->u.col) == SOP_COL_WEND)
                return 1;
        return 0;
    }
    case OP_JOIN: {
        const JoinSpec *js = op->spec;
        JoinShape sh;
        join_shape(op, &sh);
        int l_pres = js->type == JOIN_LEFT || js->type == JOIN_FULL;
        int r_pres = js->type == JOIN_RIGHT || js->type == JOIN_FULL;
        if (sh.kind == JS_REFERENCE) {
            const Op *stream = sh.static_side ? op->child : op->right;
            int static_pres = sh.static_side ? r_pres : l_pres;
            return !static_pres && sop_plan_append_only(opts, stream);
        }
        if (!sop_plan_append_only(opts, op->child) || !sop_plan_append_only(opts, op->right))
            return 0;
        if (sh.kind == JS_REGULAR)
            return !l_pres && !r_pres;
        return (!l_pres && !r_pres) || !opts->emit_on_update;
    }
    default: return 0; /* ranking decides for itself (sop_rank.c), conservatively no here */
    }
}

/* ------------------------------------------------------------------------------------------------
 * The operator
 * ---------------------------------------------------------------------------------------------- */

/* A stored row's value. */
typedef struct JoinVal {
    int64_t w;       /* multiplicity */
    int64_t matched; /* weight of the other side's rows it matched (outer joins) */
    int64_t touched; /* wall clock of the last write (state_ttl) */
} JoinVal;

typedef struct JoinSide {
    uint32_t n_cols;
    uint32_t off;            /* first output column of this side */
    const SqlType *types;
    RowCodecCol *row_cols;   /* EXACT codec of a row */
    uint32_t *all_idx;       /* 0 .. n_cols - 1 */
    Expr **keys;             /* the side's equi-key expressions */
    int preserved;           /* outer join: its unmatched rows are null-padded */
    uint32_t tcol;           /* interval: event time; window: window_end */
    RowCodecCol tcodec;      /* KEY codec of tcol */
    int64_t expire_after;    /* interval: a row is dropped once time + expire_after < watermark */
    StateTable *rows;        /* see the top */
    StateTable *by_time;     /* interval only */
} JoinSide;

/* One candidate pair waiting for the residual: input row `in_row` with a stored row (or reference row). */
typedef struct JoinPair {
    uint32_t in_row;
    uint32_t ref_id;   /* reference shape */
    Slice key;         /* stream shapes: the stored row's key (borrowed from the other side's table) */
    int64_t w;         /* the stored row's weight (reference: 1) */
} JoinPair;

typedef struct JoinImpl {
    JoinType type;
    JoinShape sh;
    SopCompileOpts opts;
    Expr *residual;
    uint32_t n_keys;
    RowCodecCol *key_cols; /* KEY codec of the equi-keys */
    uint32_t *key_idx;     /* 0 .. n_keys - 1 */
    JoinSide side[2];
    int outer_on_expiry;   /* interval/window without on_update: null-padded rows when a row expires */
    int64_t wm_done;       /* watermark of the last advance: rows older than it are late */
    int64_t last_sweep;    /* state_ttl sweeps (regular shape) */
    uint32_t n_out;        /* output columns: both sides, or the left one for SEMI / ANTI */
    /* reference shape */
    uint32_t n_ref;
    SqlValue *ref_vals;       /* n_ref rows of the static side's values, strings in the graph arena */
    StateTable *ref_index;    /* K -> uint32 ids in ascending order (not checkpointed: rebuilt at compile) */
    uint32_t *ref_all;        /* 0 .. n_ref - 1: the candidates of a join without keys */
    StateTable *ref_matched;  /* static side preserved: id -> int64 matched stream weight; "init" marker */
    /* candidate pairs and their combined rows (reused every push) */
    JoinPair *pairs;
    uint32_t n_pairs;
    Batch *pb;
    uint32_t *sel;
    SqlValue *vals;           /* decode buffer: the wider side's columns */
    Buf kbuf, lo_buf, hi_buf; /* composing keys (malloc'd, freed by destroy) */
} JoinImpl;

/* Per push: what every input row needs through the candidate loop. */
typedef struct JoinRun {
    Sop *s;
    SopCtx *c;
    uint32_t port;
    const ZBatch *in;
    Slice *kenc, *renc;
    uint8_t *nokey;   /* a key is NULL (or the time): never matches */
    int64_t *matched; /* per input row: weight of passing candidates */
    int64_t *tval;    /* interval / window: the time column's value */
    SopOut out;       /* input rows padded with NULLs, or kept by SEMI / ANTI (matches go out as pair batches) */
    SopOut pads;      /* null-padded rows of stored rows, changed by this push */
} JoinRun;

static const uint8_t REF_INIT_KEY[] = {'i', 'n', 'i', 't', 0};

static void join_destroy(Sop *s)
{
    JoinImpl *j = s->impl;
    state_destroy(&j->ref_index);
    buf_fini(&j->kbuf);
    buf_fini(&j->lo_buf);
    buf_fini(&j->hi_buf);
}

/* The state key of input row i of side sd into j->kbuf. */
static int join_key_compose(JoinImpl *j, JoinRun *r, uint32_t i, Slice *out)
{
    JoinSide *sd = &j->side[r->port];
    Buf *b = &j->kbuf;
    buf_reset(b);
    if (j->sh.kind == JS_WINDOW && sop_time_key_append(&sd->tcodec, r->tval[i], b, r->c->err))
        return WEIR_ERROR;
    if (buf_append(b, r->kenc[i].p, r->kenc[i].n))
        return sop_oom(r->c->err);
    if (j->sh.kind == JS_INTERVAL && sop_time_key_append(&sd->tcodec, r->tval[i], b, r->c->err))
        return WEIR_ERROR;
    if (buf_append(b, r->renc[i].p, r->renc[i].n))
        return sop_oom(r->c->err);
    *out = (Slice){b->p, b->len};
    return WEIR_OK;
}

/* Length of the part of a stored key before R (E|K, K|T or K) for a row whose K is klen bytes. */
static size_t join_prefix_len(const JoinImpl *j, size_t klen)
{
    /* a non-NULL timestamp's KEY encoding is a tag and 8 bytes */
    return j->sh.kind == JS_WINDOW || j->sh.kind == JS_INTERVAL ? klen + 9 : klen;
}

/* Decode the R part of a stored row of side sd into j->vals (strings in the scratch arena). */
static int join_row_decode(JoinImpl *j, SopCtx *c, const JoinSide *sd, const uint8_t *p, size_t n)
{
    Err e;
    err_clear(&e);
    if (rowcodec_decode(sd->row_cols, sd->n_cols, p, n, c->scratch, j->vals, &e))
        return sop_err_from(c->err, &e);
    return WEIR_OK;
}

/* One output row: side sd's values from vals (NULL: NULLs), the other side NULL. */
static int join_emit_padded(JoinImpl *j, SopOut *o, int sd_idx, const SqlValue *vals, int64_t w)
{
    uint32_t row;
    if (sop_out_row(o, w, &row))
        return WEIR_ERROR;
    const JoinSide *sd = &j->side[sd_idx];
    for (uint32_t k = 0; k < j->n_out; k++) {
        SqlValue v = {.type = o->s->types[k], .is_null = 1};
        const SqlValue *pv = &v;
        if (vals && k >= sd->off && k < sd->off + sd->n_cols)
            pv = &vals[k - sd->off];
        if (sop_out_put(o, row, k, pv))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Input row i of the push, padded with NULLs (or alone, for SEMI / ANTI). */
static int join_emit_input_padded(JoinImpl *j, JoinRun *r, uint32_t i, int64_t w)
{
    const Batch *b = r->in->b;
    SqlValue *v = j->vals;
    for (uint32_t k = 0; k < b->n_cols; k++)
        vec_get(&b->cols[k], i, &v[k]);
    return join_emit_padded(j, &r->out, (int)r->port, v, w);
}

/* Evaluate the residual over the pending pairs and act on the ones that pass. */
static int join_flush(JoinImpl *j, JoinRun *r)
{
    if (!j->n_pairs)
        return WEIR_OK;
    SopCtx *c = r->c;
    uint32_t n = j->n_pairs, n_sel = n;
    j->pb->n = n;
    if (j->residual) {
        ExprCtx ec;
        exec_expr_ctx(c->exec, c->scratch, &ec);
        if (expr_filter(&ec, j->residual, j->pb, j->sel, &n_sel))
            return WEIR_ERROR;
    } else {
        for (uint32_t i = 0; i < n; i++)
            j->sel[i] = i;
    }
    JoinSide *other = &j->side[1 - r->port];
    int semi = j->type == JOIN_SEMI || j->type == JOIN_ANTI;
    int64_t *w = NULL;
    if (!semi && n_sel && !(w = ARENA_NEW(c->scratch, int64_t, n_sel)))
        return sop_oom(c->err);
    for (uint32_t k = 0; k < n_sel; k++) {
        const JoinPair *p = &j->pairs[j->sel[k]];
        int64_t win = zbatch_weight(r->in, p->in_row);
        r->matched[p->in_row] += p->w;
        if (w)
            w[k] = win * p->w;
        if (!other->preserved)
            continue;
        /* the stored (or static) row gained win of matching weight */
        int64_t before, after, wrow;
        const uint8_t *rp = NULL;
        size_t rn = 0;
        if (j->sh.kind == JS_REFERENCE) {
            uint8_t id[4] = {(uint8_t)(p->ref_id >> 24), (uint8_t)(p->ref_id >> 16), (uint8_t)(p->ref_id >> 8),
                             (uint8_t)p->ref_id};
            uint8_t *val;
            int is_new;
            Err e;
            err_clear(&e);
            if (state_upsert(j->ref_matched, state_hash(id, 4), id, 4, 8, &val, &is_new, &e))
                return sop_err_from(c->err, &e);
            memcpy(&before, val, 8);
            after = before + win;
            memcpy(val, &after, 8);
            wrow = 1;
        } else {
            uint8_t *val;
            int is_new;
            Err e;
            err_clear(&e);
            if (state_upsert(other->rows, state_hash(p->key.p, p->key.n), p->key.p, p->key.n, sizeof(JoinVal), &val,
                             &is_new, &e))
                return sop_err_from(c->err, &e);
            JoinVal jv;
            memcpy(&jv, val, sizeof(jv));
            before = jv.matched;
            after = before + win;
            jv.matched = after;
            memcpy(val, &jv, sizeof(jv));
            wrow = jv.w;
            if (j->outer_on_expiry)
                continue; /* decided when the row expires */
            /* R follows the prefix: recompute K's length from the input row's own K (equal keys) */
            size_t pre = join_prefix_len(j, r->kenc[p->in_row].n);
            rp = p->key.p + pre;
            rn = p->key.n - pre;
        }
        if ((before > 0) == (after > 0))
            continue;
        /* first match: retract the null-padded row; last match gone: emit it again */
        int64_t pw = after > 0 ? -wrow : wrow;
        if (j->sh.kind == JS_REFERENCE) {
            if (join_emit_padded(j, &r->pads, 1 - (int)r->port, &j->ref_vals[(size_t)p->ref_id * other->n_cols], pw))
                return WEIR_ERROR;
        } else {
            if (join_row_decode(j, c, other, rp, rn) || join_emit_padded(j, &r->pads, 1 - (int)r->port, j->vals, pw))
                return WEIR_ERROR;
        }
    }
    j->n_pairs = 0;
    if (semi || !n_sel)
        return WEIR_OK;
    ZBatch z = {batch_gather(j->pb, j->sel, n_sel, c->scratch), w};
    if (!z.b)
        return sop_oom(c->err);
    return sop_emit(r->s, c, &z);
}

/* Add the pair (input row i, a stored row with values vals / a reference row) to the pending batch. */
static int join_pair_add(JoinImpl *j, JoinRun *r, uint32_t i, const SqlValue *vals, uint32_t ref_id, Slice key,
                         int64_t w)
{
    if (j->n_pairs == VEC_BATCH && join_flush(j, r))
        return WEIR_ERROR;
    uint32_t row = j->n_pairs++;
    j->pairs[row] = (JoinPair){.in_row = i, .ref_id = ref_id, .key = key, .w = w};
    const JoinSide *self = &j->side[r->port], *other = &j->side[1 - r->port];
    const Batch *b = r->in->b;
    Arena *a = r->s->graph->arena; /* the pair batch's NULL bitmaps are allocated once, there */
    for (uint32_t k = 0; k < self->n_cols; k++) {
        SqlValue v;
        vec_get(&b->cols[k], i, &v);
        if (vec_put(&j->pb->cols[self->off + k], row, &v, a))
            return sop_oom(r->c->err);
    }
    for (uint32_t k = 0; k < other->n_cols; k++)
        if (vec_put(&j->pb->cols[other->off + k], row, &vals[k], a))
            return sop_oom(r->c->err);
    return WEIR_OK;
}

/* Evaluate keys (one side's equi-keys) over the rows of b and encode them (KEY mode) into kenc[0..b->n),
 * marking in nokey the rows with a NULL key, which never match. Everything in a. */
static int join_keys_encode(JoinImpl *j, ExprCtx *ec, Expr **keys, const Batch *b, Arena *a, Slice *kenc,
                            uint8_t *nokey)
{
    uint32_t n = b->n;
    if (!j->n_keys)
        return WEIR_OK;
    Batch kb = {.n = n, .n_cols = j->n_keys, .cols = ARENA_NEW(a, Vec, j->n_keys)};
    if (!kb.cols)
        return sop_oom(ec->err);
    for (uint32_t k = 0; k < j->n_keys; k++) {
        if (expr_eval(ec, keys[k], b, n, &kb.cols[k]))
            return WEIR_ERROR;
        kb.cols[k].type = j->key_cols[k].type;
        for (uint32_t i = 0; i < n; i++)
            nokey[i] |= vec_is_null(&kb.cols[k], i);
        if (j->key_cols[k].type.id == SQL_BPCHAR) {
            /* char(n) = compares without trailing blanks: encode the trimmed value (a copy of the slices:
             * the vector may be the input's own column) */
            Slice *t = ARENA_NEW(a, Slice, n);
            if (!t)
                return sop_oom(ec->err);
            for (uint32_t i = 0; i < n; i++) {
                t[i] = kb.cols[k].u.s[i];
                while (t[i].n && t[i].p[t[i].n - 1] == ' ')
                    t[i].n--;
            }
            kb.cols[k].u.s = t;
        }
    }
    Err e;
    err_clear(&e);
    if (rowcodec_encode_batch(j->key_cols, j->key_idx, j->n_keys, &kb, ROWCODEC_KEY, a, kenc, &e))
        return sop_err_from(ec->err, &e);
    return WEIR_OK;
}

/* Evaluate the keys of the input rows, encode keys and rows, find rows that can never match. */
static int join_run_begin(JoinImpl *j, JoinRun *r)
{
    SopCtx *c = r->c;
    const Batch *b = r->in->b;
    uint32_t n = b->n;
    JoinSide *sd = &j->side[r->port];
    Arena *a = c->scratch;
    if (!(r->kenc = ARENA_NEW(a, Slice, n)) || !(r->nokey = ARENA_NEW(a, uint8_t, n)) ||
        !(r->matched = ARENA_NEW(a, int64_t, n)) || !(r->tval = ARENA_NEW(a, int64_t, n)))
        return sop_oom(c->err);
    Err e;
    err_clear(&e);
    ExprCtx ec;
    exec_expr_ctx(c->exec, a, &ec);
    if (join_keys_encode(j, &ec, sd->keys, b, a, r->kenc, r->nokey))
        return WEIR_ERROR;
    if (j->sh.kind == JS_REFERENCE) {
        r->renc = NULL;
        return WEIR_OK;
    }
    if (!(r->renc = ARENA_NEW(a, Slice, n)))
        return sop_oom(c->err);
    if (rowcodec_encode_batch(sd->row_cols, sd->all_idx, sd->n_cols, b, ROWCODEC_EXACT, a, r->renc, &e))
        return sop_err_from(c->err, &e);
    if (j->sh.kind == JS_INTERVAL || j->sh.kind == JS_WINDOW) {
        const Vec *tv = &b->cols[sd->tcol];
        for (uint32_t i = 0; i < n; i++) {
            r->tval[i] = tv->u.i[i];
            r->nokey[i] |= vec_is_null(tv, i);
        }
    }
    return WEIR_OK;
}

/* Rows of the push that arrived too late to be joined: counted, reported, and marked in *late. */
static int join_late(JoinImpl *j, JoinRun *r, uint8_t **late)
{
    *late = NULL;
    if ((j->sh.kind != JS_INTERVAL && j->sh.kind != JS_WINDOW) || j->wm_done == SOP_WM_NONE)
        return WEIR_OK;
    const Batch *b = r->in->b;
    uint32_t *rows = NULL, n_late = 0;
    for (uint32_t i = 0; i < b->n; i++) {
        if (r->nokey[i])
            continue;
        int is_late = j->sh.kind == JS_INTERVAL ? r->tval[i] < j->wm_done
                                                : sop_window_is_closed(r->tval[i], j->wm_done);
        if (!is_late)
            continue;
        if (!rows && (!(rows = ARENA_NEW(r->c->scratch, uint32_t, b->n)) ||
                      !(*late = ARENA_NEW(r->c->scratch, uint8_t, b->n))))
            return sop_oom(r->c->err);
        rows[n_late++] = i;
        (*late)[i] = 1;
    }
    return sop_late_report(r->s, r->c, &j->opts, b, rows, n_late);
}

/* The other side's candidates of input row i (stream shapes): a walk of its rows with i's key. */
static int join_probe_stream(JoinImpl *j, JoinRun *r, uint32_t i)
{
    JoinSide *other = &j->side[1 - r->port];
    Err e;
    err_clear(&e);
    Buf *lo = &j->lo_buf, *hi = &j->hi_buf;
    buf_reset(lo);
    if (j->sh.kind == JS_WINDOW && sop_time_key_append(&other->tcodec, r->tval[i], lo, r->c->err))
        return WEIR_ERROR;
    if (buf_append(lo, r->kenc[i].p, r->kenc[i].n))
        return sop_oom(r->c->err);
    const uint8_t *hp = lo->p;
    size_t hn = lo->len;
    if (j->sh.kind == JS_INTERVAL) {
        /* the band of the other side's times: t1 in [t0 + lo, t0 + hi], t0 in [t1 - hi, t1 - lo] */
        int64_t t = r->tval[i], a, z;
        if (r->port == 0) {
            a = __builtin_add_overflow(t, j->sh.lo, &a) ? (j->sh.lo < 0 ? INT64_MIN : INT64_MAX) : t + j->sh.lo;
            z = __builtin_add_overflow(t, j->sh.hi, &z) ? (j->sh.hi < 0 ? INT64_MIN : INT64_MAX) : t + j->sh.hi;
        } else {
            a = __builtin_sub_overflow(t, j->sh.hi, &a) ? (j->sh.hi > 0 ? INT64_MIN : INT64_MAX) : t - j->sh.hi;
            z = __builtin_sub_overflow(t, j->sh.lo, &z) ? (j->sh.lo > 0 ? INT64_MIN : INT64_MAX) : t - j->sh.lo;
        }
        buf_reset(hi);
        if (buf_append(hi, lo->p, lo->len))
            return sop_oom(r->c->err);
        if (sop_time_key_append(&other->tcodec, a, lo, r->c->err) ||
            sop_time_key_append(&other->tcodec, z, hi, r->c->err))
            return WEIR_ERROR;
        hp = hi->p;
        hn = hi->len;
    }
    StateIter it;
    if (state_iter_range(&it, other->rows, lo->p, lo->len, hp, hn, &e))
        return sop_err_from(r->c->err, &e);
    size_t pre = join_prefix_len(j, r->kenc[i].n);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        JoinVal jv;
        memcpy(&jv, v.p, sizeof(jv));
        if (k.n < pre)
            return sql_error_set(r->c->err, "XX000", 0, "internal error: join state key too short");
        /* j->vals is overwritten by the next decode: the pair batch has taken the values by then */
        if (join_row_decode(j, r->c, other, k.p + pre, k.n - pre) ||
            join_pair_add(j, r, i, j->vals, 0, k, jv.w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* The reference rows that are candidates for input row i. */
static int join_probe_ref(JoinImpl *j, JoinRun *r, uint32_t i)
{
    const uint32_t *ids = j->ref_all;
    uint32_t n = j->n_ref;
    if (j->n_keys) {
        Slice v;
        if (!state_get(j->ref_index, state_hash(r->kenc[i].p, r->kenc[i].n), r->kenc[i].p, r->kenc[i].n, &v))
            return WEIR_OK;
        ids = (const uint32_t *)v.p;
        n = (uint32_t)(v.n / sizeof(uint32_t));
    }
    const JoinSide *other = &j->side[1 - r->port];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t id;
        memcpy(&id, &ids[k], sizeof(id));
        if (join_pair_add(j, r, i, &j->ref_vals[(size_t)id * other->n_cols], id, (Slice){0}, 1))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Store input row i in its side's state (stream shapes). */
static int join_store(JoinImpl *j, JoinRun *r, uint32_t i)
{
    JoinSide *sd = &j->side[r->port];
    int64_t w = zbatch_weight(r->in, i);
    Slice key = {0};
    if (join_key_compose(j, r, i, &key))
        return WEIR_ERROR;
    uint64_t h = state_hash(key.p, key.n);
    uint8_t *val;
    int is_new;
    Err e;
    err_clear(&e);
    if (state_upsert(sd->rows, h, key.p, key.n, sizeof(JoinVal), &val, &is_new, &e))
        return sop_err_from(r->c->err, &e);
    JoinVal jv;
    memcpy(&jv, val, sizeof(jv));
    jv.w += w;
    jv.matched = r->matched[i];
    jv.touched = r->c->now_us;
    memcpy(val, &jv, sizeof(jv));
    /* the time index: T | K | R -> length of K */
    Buf *tb = &j->lo_buf;
    size_t klen = r->kenc[i].n;
    if (j->sh.kind == JS_INTERVAL) {
        buf_reset(tb);
        if (buf_append(tb, key.p + klen, 9) || buf_append(tb, key.p, klen) ||
            buf_append(tb, key.p + klen + 9, key.n - klen - 9))
            return sop_oom(r->c->err);
    }
    if (jv.w == 0) {
        state_delete(sd->rows, h, key.p, key.n);
        if (j->sh.kind == JS_INTERVAL)
            state_delete(sd->by_time, state_hash(tb->p, tb->len), tb->p, tb->len);
        return WEIR_OK;
    }
    if (is_new && j->sh.kind == JS_INTERVAL) {
        uint32_t kl = (uint32_t)klen;
        if (state_put(sd->by_time, state_hash(tb->p, tb->len), tb->p, tb->len, (const uint8_t *)&kl, sizeof(kl), &e))
            return sop_err_from(r->c->err, &e);
    }
    return WEIR_OK;
}

/* The static side is preserved: its null-padded rows are part of the output from the start. */
static int join_ref_init(Sop *s, SopCtx *c)
{
    JoinImpl *j = s->impl;
    Slice v;
    if (!j->ref_matched || state_get(j->ref_matched, state_hash(REF_INIT_KEY, sizeof(REF_INIT_KEY)), REF_INIT_KEY,
                                     sizeof(REF_INIT_KEY), &v))
        return WEIR_OK;
    Err e;
    err_clear(&e);
    uint8_t one = 1;
    if (state_put(j->ref_matched, state_hash(REF_INIT_KEY, sizeof(REF_INIT_KEY)), REF_INIT_KEY, sizeof(REF_INIT_KEY),
                  &one, 1, &e))
        return sop_err_from(c->err, &e);
    int st = j->sh.static_side;
    SopOut o;
    sop_out_init(&o, s, c, j->n_ref);
    for (uint32_t id = 0; id < j->n_ref; id++)
        if (join_emit_padded(j, &o, st, &j->ref_vals[(size_t)id * j->side[st].n_cols], 1))
            return WEIR_ERROR;
    return sop_out_flush(&o);
}

static int join_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    JoinImpl *j = s->impl;
    if (j->sh.kind == JS_REFERENCE && port != 1u - (uint32_t)j->sh.static_side)
        return sql_error_set(c->err, "XX000", 0, "internal error: rows pushed into the static side of a join");
    if (j->sh.kind == JS_REFERENCE && join_ref_init(s, c))
        return WEIR_ERROR;
    JoinRun r = {.s = s, .c = c, .port = port, .in = in};
    uint32_t n = in->b->n;
    sop_out_init(&r.out, s, c, n);
    sop_out_init(&r.pads, s, c, 16);
    uint8_t *late;
    if (join_run_begin(j, &r) || join_late(j, &r, &late))
        return WEIR_ERROR;
    j->n_pairs = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (r.nokey[i] || (late && late[i]))
            continue;
        if (j->sh.kind == JS_REFERENCE ? join_probe_ref(j, &r, i) : join_probe_stream(j, &r, i))
            return WEIR_ERROR;
    }
    if (join_flush(j, &r) || sop_out_flush(&r.pads))
        return WEIR_ERROR;
    /* per input row: null padding or SEMI / ANTI, then (stream shapes) into the state */
    JoinSide *sd = &j->side[port];
    for (uint32_t i = 0; i < n; i++) {
        if (late && late[i])
            continue;
        int64_t w = zbatch_weight(in, i);
        if (j->type == JOIN_SEMI || j->type == JOIN_ANTI) {
            if ((r.matched[i] > 0) == (j->type == JOIN_SEMI) && join_emit_input_padded(j, &r, i, w))
                return WEIR_ERROR;
            continue;
        }
        if (sd->preserved && r.matched[i] <= 0 && (!j->outer_on_expiry || r.nokey[i]) &&
            join_emit_input_padded(j, &r, i, w))
            return WEIR_ERROR;
        if (j->sh.kind != JS_REFERENCE && !r.nokey[i] && join_store(j, &r, i))
            return WEIR_ERROR;
    }
    return sop_out_flush(&r.out);
}

/* Drop the rows of side sd that can no longer match: every key up to (prefix-inclusive) hi of the table
 * walked (interval: by_time; window: rows), null-padding the unmatched ones when that is deferred. */
static int join_expire(Sop *s, SopCtx *c, int sd_idx, const uint8_t *hi, size_t hi_n)
{
    JoinImpl *j = s->impl;
    JoinSide *sd = &j->side[sd_idx];
    StateTable *walk = j->sh.kind == JS_INTERVAL ? sd->by_time : sd->rows;
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, walk, NULL, 0, hi, hi_n, &e))
        return sop_err_from(c->err, &e);
    SopOut o;
    sop_out_init(&o, s, c, 16);
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        Slice rk = k;
        size_t pre;
        if (j->sh.kind == JS_INTERVAL) {
            /* T | K | R -> K | T | R */
            uint32_t kl;
            memcpy(&kl, v.p, sizeof(kl));
            if (k.n < 9u + kl)
                return sql_error_set(c->err, "XX000", 0, "internal error: join time index key too short");
            Buf *b = &j->kbuf;
            buf_reset(b);
            if (buf_append(b, k.p + 9, kl) || buf_append(b, k.p, 9) || buf_append(b, k.p + 9 + kl, k.n - 9 - kl))
                return sop_oom(c->err);
            rk = (Slice){b->p, b->len};
            pre = kl + 9;
        } else {
            /* E | K | R: K's length from its codec */
            size_t kl = 0;
            if (j->n_keys && rowcodec_key_len(j->key_cols, j->n_keys, k.p + 9, k.n - 9, &kl, &e))
                return sop_err_from(c->err, &e);
            pre = 9 + kl;
        }
        uint64_t h = state_hash(rk.p, rk.n);
        Slice rv;
        if (!state_get(sd->rows, h, rk.p, rk.n, &rv))
            return sql_error_set(c->err, "XX000", 0, "internal error: join time index without its row");
        JoinVal jv;
        memcpy(&jv, rv.p, sizeof(jv));
        if (sd->preserved && j->outer_on_expiry && jv.matched <= 0 && jv.w != 0) {
            if (join_row_decode(j, c, sd, rk.p + pre, rk.n - pre) || join_emit_padded(j, &o, sd_idx, j->vals, jv.w))
                return WEIR_ERROR;
        }
        if (j->sh.kind == JS_INTERVAL) {
            state_delete(sd->rows, h, rk.p, rk.n);
            state_delete(sd->by_time, state_hash(k.p, k.n), k.p, k.n); /* the entry just returned */
        } else {
            state_delete(sd->rows, h, k.p, k.n);
        }
    }
    return sop_out_flush(&o);
}

/* state_ttl: drop every row not written for state_ttl. Run every eighth of the ttl, so a row lives at
 * most 9/8 of it; a sweep walks the whole state, which is what a periodic TTL costs without a second
 * index by write time. */
static int join_sweep(JoinImpl *j, SopCtx *c)
{
    int64_t ttl = j->opts.state_ttl_us;
    if (ttl <= 0 || (j->last_sweep && c->now_us - j->last_sweep < ttl / 8))
        return WEIR_OK;
    j->last_sweep = c->now_us;
    int64_t cutoff = c->now_us - ttl;
    for (int sdi = 0; sdi < 2; sdi++) {
        JoinSide *sd = &j->side[sdi];
        StateIter it;
        state_iter_all(&it, sd->rows);
        Slice k, v;
        while (state_iter_next(&it, &k, &v)) {
            JoinVal jv;
            memcpy(&jv, v.p, sizeof(jv));
            if (jv.touched < cutoff)
                state_delete(sd->rows, state_hash(k.p, k.n), k.p, k.n);
        }
    }
    return WEIR_OK;
}

static int join_advance(Sop *s, SopCtx *c)
{
    JoinImpl *j = s->impl;
    if (j->sh.kind == JS_REFERENCE)
        return join_ref_init(s, c);
    if (j->sh.kind == JS_REGULAR)
        return join_sweep(j, c);
    int64_t wm = c->watermark;
    if (wm == SOP_WM_NONE)
        return WEIR_OK;
    Err e;
    err_clear(&e);
    for (int sdi = 0; sdi < 2; sdi++) {
        JoinSide *sd = &j->side[sdi];
        /* interval: time + expire_after < wm, i.e. time <= wm - expire_after - 1; window: end <= wm */
        int64_t lim = wm;
        if (j->sh.kind == JS_INTERVAL) {
            __int128 l = (__int128)wm - sd->expire_after - 1;
            if (l < INT64_MIN)
                continue; /* nothing is that old */
            lim = l > INT64_MAX ? INT64_MAX : (int64_t)l;
        }
        Buf *b = &j->hi_buf;
        buf_reset(b);
        if (sop_time_key_append(&sd->tcodec, lim, b, c->err) || join_expire(s, c, sdi, b->p, b->len))
            return WEIR_ERROR;
    }
    j->wm_done = wm;
    return WEIR_OK;
}

static int join_restored(Sop *s, SopCtx *c)
{
    JoinImpl *j = s->impl;
    j->wm_done = c->watermark;
    j->last_sweep = 0;
    return WEIR_OK;
}

static const SopOps join_ops[] = {
    [JS_REFERENCE] = {.name = "reference join", .push = join_push, .advance = join_advance, .restored = join_restored,
                      .destroy = join_destroy},
    [JS_INTERVAL] = {.name = "interval join", .push = join_push, .advance = join_advance, .restored = join_restored,
                     .destroy = join_destroy},
    [JS_WINDOW] = {.name = "window join", .push = join_push, .advance = join_advance, .restored = join_restored,
                   .destroy = join_destroy},
    [JS_REGULAR] = {.name = "join", .push = join_push, .advance = join_advance, .restored = join_restored,
                    .destroy = join_destroy},
};

/* ------------------------------------------------------------------------------------------------
 * Compiling
 * ---------------------------------------------------------------------------------------------- */

static int expr_streamable(const Expr *e)
{
    if (!e)
        return 1;
    if (e->kind == EXPR_SUBLINK || e->kind == EXPR_PARAM || e->kind == EXPR_OUTER)
        return 0;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!expr_streamable(e->args[i]))
            return 0;
    return 1;
}

/* Ids of the reference rows sorted by key, for building the index. */
typedef struct RefKey {
    Slice k;
    uint32_t id;
} RefKey;

static int refkey_cmp(const void *a, const void *b)
{
    const RefKey *x = a, *y = b;
    size_t n = x->k.n < y->k.n ? x->k.n : y->k.n;
    int c = memcmp(x->k.p, y->k.p, n);
    if (c)
        return c;
    if (x->k.n != y->k.n)
        return x->k.n < y->k.n ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Run the static side through the batch engine: its rows into j->ref_vals, its keys into j->ref_index. */
static int join_ref_build(SopCompiler *cc, JoinImpl *j, const Op *sub, Arena *ga)
{
    JoinSide *sd = &j->side[j->sh.static_side];
    ExecCtx *ex = cc->exec;
    Op *op = (Op *)sub;
    uint32_t cap = 0;
    RefKey *rk = NULL;
    uint32_t n_rk = 0, cap_rk = 0;
    int rc = WEIR_ERROR;
    Err e;
    err_clear(&e);
    Arena *tmp = arena_create(ga, ARENA_UNLIMITED);
    if (!tmp)
        return sop_oom(cc->err);
    if (op_open(op, ex))
        goto out;
    for (;;) {
        Batch *b;
        if (op_next(op, ex, &b))
            goto out;
        if (!b)
            break;
        if (j->n_ref + b->n > UINT32_MAX / 2) {
            sql_error_set(cc->err, "54000", 0, "the reference table of a continuous query has too many rows");
            goto out;
        }
        if (j->n_ref + b->n > cap) {
            uint32_t nc = cap ? cap : 1024;
            while (nc < j->n_ref + b->n)
                nc *= 2;
            SqlValue *nv = ARENA_NEW(ga, SqlValue, (size_t)nc * (sd->n_cols ? sd->n_cols : 1));
            if (!nv) {
                sop_oom(cc->err);
                goto out;
            }
            if (j->n_ref)
                memcpy(nv, j->ref_vals, (size_t)j->n_ref * sd->n_cols * sizeof(SqlValue));
            j->ref_vals = nv;
            cap = nc;
        }
        for (uint32_t i = 0; i < b->n; i++)
            for (uint32_t k = 0; k < sd->n_cols; k++) {
                SqlValue *v = &j->ref_vals[(size_t)(j->n_ref + i) * sd->n_cols + k];
                vec_get(&b->cols[k], i, v);
                if (sql_value_keep(ga, v)) {
                    sop_oom(cc->err);
                    goto out;
                }
            }
        if (j->n_keys) {
            Slice *enc = ARENA_NEW(tmp, Slice, b->n);
            uint8_t *nul = ARENA_NEW(tmp, uint8_t, b->n);
            if (!enc || !nul) {
                sop_oom(cc->err);
                goto out;
            }
            ExprCtx ec;
            exec_expr_ctx(ex, tmp, &ec);
            if (join_keys_encode(j, &ec, sd->keys, b, tmp, enc, nul))
                goto out;
            for (uint32_t i = 0; i < b->n; i++) {
                if (nul[i])
                    continue; /* never matches; kept as a row for null padding */
                if (n_rk == cap_rk) {
                    cap_rk = cap_rk ? cap_rk * 2 : 1024;
                    RefKey *nr = realloc(rk, cap_rk * sizeof(*rk));
                    if (!nr)
                        abort();
                    rk = nr;
                }
                rk[n_rk++] = (RefKey){enc[i], j->n_ref + i}; /* tmp lives until the index is built */
            }
        }
        j->n_ref += b->n;
    }
    if (!(j->ref_all = ARENA_NEW(ga, uint32_t, j->n_ref ? j->n_ref : 1))) {
        sop_oom(cc->err);
        goto out;
    }
    for (uint32_t i = 0; i < j->n_ref; i++)
        j->ref_all[i] = i;
    StateConfig cfg = {.table_id = 0, .is_ordered = 0};
    if (state_create(&cfg, &j->ref_index, &e)) {
        sop_err_from(cc->err, &e);
        goto out;
    }
    if (n_rk)
        qsort(rk, n_rk, sizeof(*rk), refkey_cmp);
    for (uint32_t a = 0; a < n_rk;) {
        uint32_t z = a + 1;
        while (z < n_rk && rk[z].k.n == rk[a].k.n && memcmp(rk[z].k.p, rk[a].k.p, rk[a].k.n) == 0)
            z++;
        uint32_t *ids = ARENA_NEW(tmp, uint32_t, z - a);
        if (!ids) {
            sop_oom(cc->err);
            goto out;
        }
        for (uint32_t i = a; i < z; i++)
            ids[i - a] = rk[i].id;
        if (state_put(j->ref_index, state_hash(rk[a].k.p, rk[a].k.n), rk[a].k.p, rk[a].k.n, (const uint8_t *)ids,
                      (z - a) * sizeof(uint32_t), &e)) {
            sop_err_from(cc->err, &e);
            goto out;
        }
        a = z;
    }
    rc = WEIR_OK;
out:
    op_close(op);
    free(rk);
    arena_destroy(&tmp);
    return rc;
}

static int join_side_init(SopCompiler *cc, JoinImpl *j, int sdi, const Op *sub, Expr **keys, uint32_t off, Arena *a)
{
    JoinSide *sd = &j->side[sdi];
    sd->n_cols = sub->n_cols;
    sd->off = off;
    sd->types = sub->types;
    sd->keys = keys;
    if (!(sd->row_cols = ARENA_NEW(a, RowCodecCol, sd->n_cols ? sd->n_cols : 1)) ||
        !(sd->all_idx = ARENA_NEW(a, uint32_t, sd->n_cols ? sd->n_cols : 1)))
        return sop_oom(cc->err);
    for (uint32_t k = 0; k < sd->n_cols; k++) {
        sd->row_cols[k] = (RowCodecCol){sub->types[k], 0};
        sd->all_idx[k] = k;
    }
    return WEIR_OK;
}

int sop_compile_join(SopCompiler *cc, const Op *op, Sop *left, Sop *right, Sop **out)
{
    const JoinSpec *js = op->spec;
    *out = NULL;
    for (uint32_t k = 0; k < js->n_keys; k++)
        if (!expr_streamable(js->lkeys[k]) || !expr_streamable(js->rkeys[k]))
            return sql_error_set(
                cc->err, "0A000", 0,
                "a subquery or parameter in a join condition is not supported in a continuous query");
    if (!expr_streamable(js->residual))
        return sql_error_set(
            cc->err, "0A000", 0,
            "a subquery or parameter in a join condition is not supported in a continuous query");
    JoinShape sh;
    join_shape(op, &sh);
    if (sh.kind == JS_REFERENCE && !left && !right)
        return sql_error_set(cc->err, "0A000", 0,
                             "a join of reference tables only is not supported in a continuous query");
    if (sh.kind != JS_REFERENCE && (!left || !right))
        return sql_error_set(cc->err, "XX000", 0, "internal error: a streaming join input was not compiled");
    int semi = js->type == JOIN_SEMI || js->type == JOIN_ANTI;
    if (semi && sh.kind != JS_REFERENCE)
        return sql_error_set(cc->err, "0A000", 0,
                             "EXISTS / NOT EXISTS over a stream is not supported in a continuous query (only "
                             "over a reference table)");
    if (semi && sh.static_side == 0)
        return sql_error_set(cc->err, "XX000", 0, "internal error: a semi join whose outer side is static");
    if (sh.kind == JS_REGULAR && cc->opts->state_ttl_us <= 0)
        return sql_error_set(
            cc->err, "0A000", 0,
            "a join of two streams without a time bound keeps its state forever: give the view a state_ttl "
            "(WITH (state_ttl = '1 hour')), or bound the times (b.ts BETWEEN a.ts - INTERVAL '1' MINUTE "
            "AND a.ts + INTERVAL '1' MINUTE), or join windows on window_end");
    SopGraph *g = cc->g;
    Sop *s = sop_new(g, &join_ops[sh.kind], sizeof(JoinImpl), op->types, op->n_cols);
    if (!s)
        return sop_oom(cc->err);
    JoinImpl *j = s->impl;
    Arena *a = g->arena;
    j->type = js->type;
    j->sh = sh;
    j->opts = *cc->opts;
    j->residual = js->residual;
    j->n_keys = js->n_keys;
    j->n_out = op->n_cols;
    j->wm_done = SOP_WM_NONE;
    buf_init(&j->kbuf, 0);
    buf_init(&j->lo_buf, 0);
    buf_init(&j->hi_buf, 0);
    uint32_t nl = op->child->n_cols;
    if (join_side_init(cc, j, 0, op->child, js->lkeys, 0, a) || join_side_init(cc, j, 1, op->right, js->rkeys, nl, a))
        return WEIR_ERROR;
    j->side[0].preserved = js->type == JOIN_LEFT || js->type == JOIN_FULL;
    j->side[1].preserved = js->type == JOIN_RIGHT || js->type == JOIN_FULL;
    if (!(j->key_cols = ARENA_NEW(a, RowCodecCol, js->n_keys + 1)) ||
        !(j->key_idx = ARENA_NEW(a, uint32_t, js->n_keys + 1)))
        return sop_oom(cc->err);
    for (uint32_t k = 0; k < js->n_keys; k++) {
        j->key_cols[k] = (RowCodecCol){js->lkeys[k]->type, 0};
        j->key_idx[k] = k;
    }
    uint32_t wide = nl > op->right->n_cols ? nl : op->right->n_cols;
    if (!(j->vals = ARENA_NEW(a, SqlValue, wide + 1)) || !(j->pairs = ARENA_NEW(a, JoinPair, VEC_BATCH)) ||
        !(j->sel = ARENA_NEW(a, uint32_t, VEC_BATCH)))
        return sop_oom(cc->err);
    /* the pair batch has both sides' columns even for SEMI / ANTI (the residual reads them) */
    SqlType *pt = ARENA_NEW(a, SqlType, nl + op->right->n_cols + 1);
    if (!pt)
        return sop_oom(cc->err);
    memcpy(pt, op->child->types, nl * sizeof(SqlType));
    memcpy(pt + nl, op->right->types, op->right->n_cols * sizeof(SqlType));
    if (!(j->pb = batch_create(a, pt, nl + op->right->n_cols)))
        return sop_oom(cc->err);
    if (sh.kind == JS_REFERENCE) {
        if (join_ref_build(cc, j, sh.static_side ? op->right : op->child, a))
            return WEIR_ERROR;
        if (j->side[sh.static_side].preserved && sop_state_new(s, 0, &j->ref_matched, cc->err))
            return WEIR_ERROR;
    } else {
        for (int sdi = 0; sdi < 2; sdi++) {
            JoinSide *sd = &j->side[sdi];
            sd->tcol = sh.tcol[sdi];
            if (sh.kind == JS_INTERVAL || sh.kind == JS_WINDOW)
                sd->tcodec = (RowCodecCol){sd->types[sd->tcol], 0};
            if (sop_state_new(s, 1, &sd->rows, cc->err))
                return WEIR_ERROR;
            if (sh.kind == JS_INTERVAL && sop_state_new(s, 1, &sd->by_time, cc->err))
                return WEIR_ERROR;
        }
        /* a left row meets right rows up to t0 + hi; a right row left rows up to t1 - lo */
        j->side[0].expire_after = sh.hi;
        j->side[1].expire_after = -sh.lo;
        j->outer_on_expiry = !cc->opts->emit_on_update && (sh.kind == JS_INTERVAL || sh.kind == JS_WINDOW);
    }
    /* a row padded at once is retracted when its first match comes (a stream row's padding against a
     * reference table is final: the static side never changes) */
    s->may_retract = sh.kind == JS_REFERENCE ? j->side[sh.static_side].preserved
                                             : (j->side[0].preserved || j->side[1].preserved) && !j->outer_on_expiry;
    if (left) {
        left->out = s;
        left->out_port = 0;
    }
    if (right) {
        right->out = s;
        right->out_port = 1;
    }
    *out = s;
    return WEIR_OK;
}
