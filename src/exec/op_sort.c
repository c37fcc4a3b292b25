/*
 * op_sort.c: OP_SORT, ORDER BY.
 *
 * The first op_next drains the child. Two ways, chosen by the bound (op_sort_set_bound, which a LIMIT
 * directly above the sort -- possibly through projections -- passes down at open, as PostgreSQL's
 * ExecSetTupleBound does):
 *
 *   full sort   (no bound, or a bound above SORT_TOP_MAX) every batch, and every string it holds, is
 *               copied into the operator's state arena, a child of the query arena, so a sort bigger
 *               than the query's memory budget fails with 53200. It then sorts (batch, row) references
 *               with the ORDER BY keys and emits the rows in order, VEC_BATCH at a time.
 *   top-N       (ORDER BY ... LIMIT n [OFFSET m], bound n + m) only the best `bound` rows seen so far
 *               are kept, in a max-heap whose root is the row that would come last: an input row is
 *               compared with the root (keys only, nothing copied) and replaces it only when it sorts
 *               before it. So ORDER BY count DESC LIMIT 10 over a million groups costs a million
 *               comparisons with the root and a few heap updates instead of sorting and copying a
 *               million rows. At the end the kept rows are sorted and emitted.
 *
 * Order: each key a column of the child's output, ascending or descending, NULLs first or last
 * (PostgreSQL's default: NULLS LAST for ASC, NULLS FIRST for DESC), values by sql_value_cmp (strings
 * bytewise, the "C" collation). Rows equal on every key keep their input order in both ways: the full
 * sort breaks ties by (batch, row) reference, the heap by an input sequence number, so (keys, input
 * order) is a total order and top-N returns exactly the first rows the full sort would.
 *
 * Memory of top-N: the heap's slots hold the rows' values (SqlValue per column), their strings are
 * copies in a strings arena; a row pushed out of the heap leaves its strings behind, so when the dead
 * bytes outgrow the live ones the live strings are copied into a fresh arena (sort_top_compact) and the
 * old one is dropped: memory stays proportional to the bound, not to the input.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/op.h"

/* Bounds above this sort everything: a heap of that many rows is no cheaper than sorting them. */
#define SORT_TOP_MAX 65536u

/* The top-N heap (see the file comment). Slot s holds one row: vals[s * n_cols ...], seq[s]. */
typedef struct SortTop {
    uint32_t bound; /* rows to keep */
    uint32_t n;     /* rows kept, <= bound */
    uint32_t cap;   /* slots allocated (doubling up to bound) */
    SqlValue *vals;
    uint64_t *seq;   /* input order of each slot's row: the last tie-breaker */
    uint32_t *heap;  /* slot numbers, a max-heap: heap[0] is the kept row that sorts last */
    SqlValue *probe; /* one input row's values (keys only, until it is kept) */
    Arena *strs;     /* string bytes of the kept rows (child of SortRun.state) */
    size_t str_total, str_live; /* bytes copied into strs, and bytes still referenced */
    uint64_t n_in;   /* input rows seen */
} SortTop;

typedef struct SortRun {
    Arena *state;
    uint64_t bound;   /* 0: none; set by op_sort_set_bound after open */
    SortTop *top;     /* top-N mode, made at the first op_next when bound <= SORT_TOP_MAX */
    Batch **batches;
    uint32_t n_batches, cap_batches;
    uint64_t *refs; /* batch << 32 | row */
    uint64_t n_refs;
    uint64_t emitted;
    int drained;
} SortRun;

static int sort_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* A deep copy of b in a. */
static Batch *sort_copy_batch(Arena *a, const Batch *b)
{
    Batch *c = arena_try_calloc(a, sizeof(*c));
    uint32_t *all = ARENA_NEW(a, uint32_t, b->n ? b->n : 1);
    if (!c || !all || !(c->cols = ARENA_NEW(a, Vec, b->n_cols ? b->n_cols : 1)))
        return NULL;
    c->n = b->n;
    c->n_cols = b->n_cols;
    for (uint32_t i = 0; i < b->n; i++)
        all[i] = i;
    for (uint32_t k = 0; k < b->n_cols; k++) {
        if (vec_gather(&b->cols[k], all, b->n, a, &c->cols[k]))
            return NULL;
        SqlPhys ph = sql_type_phys(b->cols[k].type.id);
        if (ph != SQL_PHYS_STR && ph != SQL_PHYS_NONE)
            continue;
        size_t total = 0;
        for (uint32_t i = 0; i < b->n; i++)
            total += c->cols[k].u.s[i].n;
        uint8_t *buf = arena_try_alloc(a, total ? total : 1);
        if (!buf)
            return NULL;
        for (uint32_t i = 0; i < b->n; i++) {
            Slice *s = &c->cols[k].u.s[i];
            if (s->n)
                memcpy(buf, s->p, s->n);
            s->p = buf;
            buf += s->n;
        }
    }
    return c;
}

/* Key k of two values, with the spec's direction and NULL placement (both ways of sorting). */
static int sort_val_cmp(const SortSpec *sp, uint32_t k, const SqlValue *x, const SqlValue *y)
{
    int r;
    if (x->is_null || y->is_null) {
        if (x->is_null && y->is_null)
            return 0;
        r = x->is_null ? 1 : -1; /* NULL is larger than everything ... */
        if (sp->nulls_first[k] != sp->desc[k])
            r = -r; /* ... unless NULLS FIRST asks otherwise (desc flips again below) */
    } else if (sql_type_phys(x->type.id) == SQL_PHYS_INT && sql_type_phys(y->type.id) == SQL_PHYS_INT) {
        r = (x->u.i > y->u.i) - (x->u.i < y->u.i); /* the common case without sql_value_cmp's switch */
    } else {
        r = sql_value_cmp(x, y);
    }
    return sp->desc[k] ? -r : r;
}

typedef struct SortCmpCtx {
    const SortSpec *sp;
    Batch **batches;
} SortCmpCtx;

static int sort_cmp(const void *pa, const void *pb, void *arg)
{
    const SortCmpCtx *c = arg;
    uint64_t ra = *(const uint64_t *)pa, rb = *(const uint64_t *)pb;
    const Batch *ba = c->batches[ra >> 32], *bb = c->batches[rb >> 32];
    uint32_t ia = (uint32_t)ra, ib = (uint32_t)rb;
    for (uint32_t k = 0; k < c->sp->n_keys; k++) {
        SqlValue x, y;
        vec_get(&ba->cols[c->sp->cols[k]], ia, &x);
        vec_get(&bb->cols[c->sp->cols[k]], ib, &y);
        int r = sort_val_cmp(c->sp, k, &x, &y);
        if (r)
            return r;
    }
    return ra < rb ? -1 : ra > rb; /* stable: input order for ties */
}

/* ------------------------------------------------------------------------------------------------
 * Top-N
 * ---------------------------------------------------------------------------------------------- */

/* Order of two rows (values indexed by column; only key columns are read), then input order. */
static int sort_row_cmp(const SortSpec *sp, const SqlValue *a, uint64_t sa, const SqlValue *b, uint64_t sb)
{
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        int r = sort_val_cmp(sp, k, &a[sp->cols[k]], &b[sp->cols[k]]);
        if (r)
            return r;
    }
    return sa < sb ? -1 : sa > sb;
}

typedef struct SortTopCtx {
    const SortSpec *sp;
    const SortTop *t;
    uint32_t n_cols;
} SortTopCtx;

static int sort_slot_cmp(const SortTopCtx *c, uint32_t x, uint32_t y)
{
    const SortTop *t = c->t;
    return sort_row_cmp(c->sp, &t->vals[(size_t)x * c->n_cols], t->seq[x], &t->vals[(size_t)y * c->n_cols],
                        t->seq[y]);
}

static int sort_slot_qcmp(const void *pa, const void *pb, void *arg)
{
    return sort_slot_cmp(arg, *(const uint32_t *)pa, *(const uint32_t *)pb);
}

static void sort_heap_up(const SortTopCtx *c, uint32_t *h, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (sort_slot_cmp(c, h[p], h[i]) >= 0)
            break;
        uint32_t x = h[p];
        h[p] = h[i];
        h[i] = x;
        i = p;
    }
}

static void sort_heap_down(const SortTopCtx *c, uint32_t *h, uint32_t n, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && sort_slot_cmp(c, h[l], h[m]) > 0)
            m = l;
        if (r < n && sort_slot_cmp(c, h[r], h[m]) > 0)
            m = r;
        if (m == i)
            return;
        uint32_t x = h[m];
        h[m] = h[i];
        h[i] = x;
        i = m;
    }
}

static size_t sort_str_len(const SqlValue *v)
{
    if (v->is_null)
        return 0;
    SqlPhys ph = sql_type_phys(v->type.id);
    return ph == SQL_PHYS_STR || ph == SQL_PHYS_NONE ? (v->u.s.n ? v->u.s.n : 1) : 0;
}

/* Copy every kept row's strings into a fresh arena and drop the old one (dead rows' bytes with it). */
static int sort_top_compact(SortRun *r, uint32_t n_cols)
{
    SortTop *t = r->top;
    Arena *fresh = arena_create(r->state, ARENA_UNLIMITED);
    if (!fresh)
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < t->n; i++)
        for (uint32_t c = 0; c < n_cols; c++)
            if (sql_value_keep(fresh, &t->vals[(size_t)t->heap[i] * n_cols + c])) {
                arena_destroy(&fresh);
                return WEIR_ENOMEM;
            }
    arena_destroy(&t->strs);
    t->strs = fresh;
    t->str_total = t->str_live;
    return WEIR_OK;
}

/* Room for one more slot (doubling up to the bound). */
static int sort_top_grow(SortRun *r, uint32_t n_cols)
{
    SortTop *t = r->top;
    if (t->n < t->cap)
        return WEIR_OK;
    uint32_t nc = t->cap ? t->cap * 2 : 64;
    if (nc > t->bound)
        nc = t->bound;
    SqlValue *vals = ARENA_NEW(r->state, SqlValue, (size_t)nc * n_cols);
    uint64_t *seq = ARENA_NEW(r->state, uint64_t, nc);
    uint32_t *heap = ARENA_NEW(r->state, uint32_t, nc);
    if (!vals || !seq || !heap)
        return WEIR_ENOMEM;
    if (t->n) {
        memcpy(vals, t->vals, (size_t)t->n * n_cols * sizeof(*vals));
        memcpy(seq, t->seq, t->n * sizeof(*seq));
        memcpy(heap, t->heap, t->n * sizeof(*heap));
    }
    t->vals = vals;
    t->seq = seq;
    t->heap = heap;
    t->cap = nc;
    return WEIR_OK;
}

/* Store row i of b into slot s (strings copied into the strings arena). */
static int sort_top_put(SortTop *t, const Batch *b, uint32_t i, uint32_t s, uint64_t seq)
{
    SqlValue *dst = &t->vals[(size_t)s * b->n_cols];
    for (uint32_t c = 0; c < b->n_cols; c++) {
        t->str_live -= sort_str_len(&dst[c]);
        vec_get(&b->cols[c], i, &dst[c]);
        size_t n = sort_str_len(&dst[c]);
        if (n && sql_value_keep(t->strs, &dst[c]))
            return WEIR_ENOMEM;
        t->str_live += n;
        t->str_total += n;
    }
    t->seq[s] = seq;
    return WEIR_OK;
}

/* Offer every row of b to the heap. */
static int sort_top_consume(SortRun *r, const SortSpec *sp, const Batch *b)
{
    SortTop *t = r->top;
    SortTopCtx cc = {sp, t, b->n_cols};
    for (uint32_t i = 0; i < b->n; i++) {
        uint64_t seq = t->n_in++;
        if (t->n < t->bound) {
            if (sort_top_grow(r, b->n_cols))
                return WEIR_ENOMEM;
            uint32_t s = t->n;
            memset(&t->vals[(size_t)s * b->n_cols], 0, b->n_cols * sizeof(SqlValue));
            if (sort_top_put(t, b, i, s, seq))
                return WEIR_ENOMEM;
            t->heap[t->n++] = s;
            sort_heap_up(&cc, t->heap, t->n - 1);
            continue;
        }
        /* full: the row enters only if it sorts before the root (never on a tie: it came later) */
        for (uint32_t k = 0; k < sp->n_keys; k++)
            vec_get(&b->cols[sp->cols[k]], i, &t->probe[sp->cols[k]]);
        uint32_t root = t->heap[0];
        if (sort_row_cmp(sp, t->probe, seq, &t->vals[(size_t)root * b->n_cols], t->seq[root]) >= 0)
            continue;
        if (sort_top_put(t, b, i, root, seq))
            return WEIR_ENOMEM;
        sort_heap_down(&cc, t->heap, t->n, 0);
    }
    /* dead strings (rows pushed out) past twice the live ones and a MiB: start a fresh arena */
    if (t->str_total > 2 * t->str_live + ((size_t)1 << 20) && sort_top_compact(r, b->n_cols))
        return WEIR_ENOMEM;
    return WEIR_OK;
}

/* Value of column c of the i-th row in sorted order, for sort_emit: from the kept batches (full sort) or
 * the heap's slots (top-N). */
static void sort_row_value(const SortRun *r, uint32_t n_cols, uint64_t i, uint32_t c, SqlValue *out)
{
    if (r->top) {
        *out = r->top->vals[(size_t)r->top->heap[i] * n_cols + c];
        return;
    }
    uint64_t ref = r->refs[i];
    vec_get(&r->batches[ref >> 32]->cols[c], (uint32_t)ref, out);
}

/* The next VEC_BATCH of the n sorted rows (r->emitted of them already emitted). */
static int sort_emit(Op *op, SortRun *r, ExecCtx *ctx, uint64_t n_rows, Batch **out)
{
    *out = NULL;
    if (r->emitted >= n_rows)
        return WEIR_OK;
    uint64_t n = n_rows - r->emitted;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return sort_oom(ctx);
    b->n = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) {
        for (uint32_t c = 0; c < op->n_cols; c++) {
            SqlValue v;
            sort_row_value(r, op->n_cols, r->emitted + i, c, &v);
            v.type = op->types[c];
            if (vec_put(&b->cols[c], (uint32_t)i, &v, op->batch_arena))
                return sort_oom(ctx);
        }
    }
    r->emitted += n;
    *out = b;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The operator
 * ---------------------------------------------------------------------------------------------- */

int op_sort_open(Op *op, ExecCtx *ctx)
{
    SortRun *r = arena_try_calloc(ctx->arena, sizeof(*r));
    if (!r || !(r->state = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return sort_oom(ctx);
    op->state = r;
    return WEIR_OK;
}

void op_sort_set_bound(Op *op, uint64_t bound)
{
    SortRun *r = op->state;
    if (op->kind == OP_SORT && r && !r->drained)
        r->bound = bound;
}

void op_sort_close(Op *op)
{
    SortRun *r = op->state;
    if (r) {
        if (r->top)
            arena_destroy(&r->top->strs); /* a child of state: destroyed first */
        arena_destroy(&r->state);
    }
    op->state = NULL;
}

/* Top-N mode for this run (the bound is small enough): the heap, empty. */
static int sort_top_init(Op *op, SortRun *r, ExecCtx *ctx)
{
    SortTop *t = arena_try_calloc(r->state, sizeof(*t));
    if (!t || !(t->probe = ARENA_NEW(r->state, SqlValue, op->n_cols ? op->n_cols : 1)) ||
        !(t->strs = arena_create(r->state, ARENA_UNLIMITED)))
        return sort_oom(ctx);
    t->bound = (uint32_t)r->bound;
    r->top = t;
    return WEIR_OK;
}

int op_sort_next(Op *op, ExecCtx *ctx, Batch **out)
{
    SortRun *r = op->state;
    SortSpec *sp = op->spec;
    if (!r->drained) {
        if (r->bound && r->bound <= SORT_TOP_MAX && sort_top_init(op, r, ctx))
            return WEIR_ERROR;
        for (;;) {
            Batch *in;
            if (op_next(op->child, ctx, &in))
                return WEIR_ERROR;
            if (!in)
                break;
            if (r->top) {
                if (sort_top_consume(r, sp, in))
                    return sort_oom(ctx);
                continue;
            }
            if (r->n_batches == r->cap_batches) {
                uint32_t nc = r->cap_batches ? r->cap_batches * 2 : 64;
                Batch **nb = ARENA_NEW(r->state, Batch *, nc);
                if (!nb)
                    return sort_oom(ctx);
                if (r->n_batches)
                    memcpy(nb, r->batches, r->n_batches * sizeof(*nb));
                r->batches = nb;
                r->cap_batches = nc;
            }
            Batch *c = sort_copy_batch(r->state, in);
            if (!c)
                return sort_oom(ctx);
            r->batches[r->n_batches++] = c;
            r->n_refs += c->n;
        }
        r->drained = 1;
        if (r->top) {
            SortTopCtx tc = {sp, r->top, op->n_cols};
            if (r->top->n > 1) /* no rows: no heap was ever allocated */
                qsort_r(r->top->heap, r->top->n, sizeof(uint32_t), sort_slot_qcmp, &tc);
            return sort_emit(op, r, ctx, r->top->n, out);
        }
        r->refs = ARENA_NEW(r->state, uint64_t, r->n_refs ? r->n_refs : 1);
        if (!r->refs)
            return sort_oom(ctx);
        uint64_t k = 0;
        for (uint32_t b = 0; b < r->n_batches; b++)
            for (uint32_t i = 0; i < r->batches[b]->n; i++)
                r->refs[k++] = (uint64_t)b << 32 | i;
        SortCmpCtx cc = {sp, r->batches};
        qsort_r(r->refs, r->n_refs, sizeof(uint64_t), sort_cmp, &cc);
    }
    return sort_emit(op, r, ctx, r->top ? r->top->n : r->n_refs, out);
}
