/*
 * op_sort.c: OP_SORT, ORDER BY.
 *
 * The first op_next drains the child, copying every batch (and every string it holds) into the
 * operator's state arena, a child of the query arena, so a sort bigger than the query's memory budget
 * fails with 53200. It then sorts (batch, row) references with the ORDER BY keys -- each key a column of
 * the child's output, ascending or descending, NULLs first or last (PostgreSQL's default: NULLS LAST
 * for ASC, NULLS FIRST for DESC) -- and emits the rows in order, VEC_BATCH at a time.
 */
#include <stdlib.h>
#include <string.h>

#include "exec/op.h"

typedef struct SortRun {
    Arena *state;
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
        const Vec *va = &ba->cols[c->sp->cols[k]], *vb = &bb->cols[c->sp->cols[k]];
        int na = vec_is_null(va, ia), nb = vec_is_null(vb, ib);
        int r;
        if (na || nb) {
            if (na && nb)
                continue;
            r = na ? 1 : -1; /* NULL is larger than everything ... */
            if (c->sp->nulls_first[k] != c->sp->desc[k])
                r = -r; /* ... unless NULLS FIRST asks otherwise (desc flips again below) */
        } else {
            SqlValue x, y;
            vec_get(va, ia, &x);
            vec_get(vb, ib, &y);
            r = sql_value_cmp(&x, &y);
        }
        if (r)
            return c->sp->desc[k] ? -r : r;
    }
    return ra < rb ? -1 : ra > rb; /* stable: input order for ties */
}

int op_sort_open(Op *op, ExecCtx *ctx)
{
    SortRun *r = arena_try_calloc(ctx->arena, sizeof(*r));
    if (!r || !(r->state = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return sort_oom(ctx);
    op->state = r;
    return WEIR_OK;
}

void op_sort_close(Op *op)
{
    SortRun *r = op->state;
    if (r)
        arena_destroy(&r->state);
    op->state = NULL;
}

int op_sort_next(Op *op, ExecCtx *ctx, Batch **out)
{
    SortRun *r = op->state;
    SortSpec *sp = op->spec;
    if (!r->drained) {
        for (;;) {
            Batch *in;
            if (op_next(op->child, ctx, &in))
                return WEIR_ERROR;
            if (!in)
                break;
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
    if (r->emitted >= r->n_refs) {
        *out = NULL;
        return WEIR_OK;
    }
    uint64_t n = r->n_refs - r->emitted;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return sort_oom(ctx);
    b->n = (uint32_t)n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t ref = r->refs[r->emitted + i];
        const Batch *src = r->batches[ref >> 32];
        for (uint32_t c = 0; c < op->n_cols; c++) {
            SqlValue v;
            vec_get(&src->cols[c], (uint32_t)ref, &v);
            v.type = op->types[c];
            if (vec_put(&b->cols[c], (uint32_t)i, &v, op->batch_arena))
                return sort_oom(ctx);
        }
    }
    r->emitted += n;
    *out = b;
    return WEIR_OK;
}
