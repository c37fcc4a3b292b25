/*
 * op_setop.c: OP_SETOP, INTERSECT [ALL] and EXCEPT [ALL] of the left input (op->child) and the right
 * input (op->right), which have the same column types (SetOpSpec in op.h). UNION is not here: the
 * binder plans it as OP_APPEND, then a DISTINCT aggregation.
 *
 * The first op_next drains the right input into a hash table of its distinct rows, each with the number
 * of times it occurs (cnt). Then the left input streams through, and each left row is decided on the
 * spot against its entry:
 *   INTERSECT      emit the row if cnt > 0 and its entry was not emitted yet (then mark it emitted)
 *   INTERSECT ALL  emit the row if cnt > 0, and take one off cnt: min(l, r) copies in all
 *   EXCEPT         emit the row if it has no entry, and enter it (emitted) so its copies are not emitted
 *   EXCEPT ALL     take one off cnt if cnt > 0, else emit: max(l - r, 0) copies in all
 * Output batches are gathered from the left batch (its strings stay valid as long as the output batch),
 * at most one per left batch, and keep the left rows' order.
 *
 * Rows compare IS NOT DISTINCT FROM on every column: NULL equals NULL; otherwise each type's =
 * (numeric 1.0 = 1.00; float NaN = NaN and -0 = 0; char(n) without trailing blanks; intervals by their
 * total). The hash agrees with that equality. Entries and the values they keep (strings included) are
 * copies in a state arena, a child of the query arena: a set operation over the query's memory budget
 * fails with 53200.
 */
#include <math.h>
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

typedef struct SetEntry {
    uint64_t hash;
    int64_t cnt;     /* copies in the right input not yet used up */
    uint8_t emitted; /* INTERSECT / EXCEPT: the row was output */
    SqlValue *vals;  /* n_cols values, strings in the state arena */
} SetEntry;

typedef struct SetRun {
    Arena *state; /* the SetRun itself, entries, kept values */
    uint32_t n_cols;
    uint8_t *bpchar; /* per column: char(n) comparison */
    SetEntry **entries;
    uint32_t n_entries, cap_entries;
    uint32_t *slots;  /* open addressing: entry index + 1, 0 empty */
    uint32_t n_slots; /* power of two, at most half full */
    uint64_t *hashes; /* VEC_BATCH: the current batch's row hashes */
    uint32_t *sel;    /* VEC_BATCH: rows to emit */
    int drained;
} SetRun;

static int setop_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* ------------------------------------------------------------------------------------------------
 * Hashing and comparing rows
 * ---------------------------------------------------------------------------------------------- */

static inline uint64_t setop_fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static uint64_t setop_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (uint64_t)n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        h = (h ^ w) * 0x100000001b3ull;
    }
    return h;
}

static inline size_t setop_trim_len(const Slice *s)
{
    size_t n = s->n;
    while (n && s->p[n - 1] == ' ')
        n--;
    return n;
}

/* The hash of one non-NULL value; equal values (by setop_value_eq) hash alike. */
static uint64_t setop_hash_value(const SqlValue *v, int bpchar)
{
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_BOOL: return v->u.b ? 1 : 2;
    case SQL_PHYS_INT: return (uint64_t)v->u.i;
    case SQL_PHYS_FLOAT: {
        double d = v->u.f;
        if (isnan(d))
            return 0x7ff8000000000000ull;
        if (d == 0)
            d = 0;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return bits;
    }
    case SQL_PHYS_NUMERIC: return sql_numeric_hash(&v->u.num);
    case SQL_PHYS_INTERVAL: return sql_interval_hash(&v->u.iv);
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: return setop_hash_bytes(v->u.s.p, bpchar ? setop_trim_len(&v->u.s) : v->u.s.n);
    }
    return 0;
}

/* IS NOT DISTINCT FROM for two values of one column. */
static int setop_value_eq(const SqlValue *a, const SqlValue *b, int bpchar)
{
    if (a->is_null || b->is_null)
        return a->is_null && b->is_null;
    if (bpchar) {
        size_t na = setop_trim_len(&a->u.s), nb = setop_trim_len(&b->u.s);
        return na == nb && (na == 0 || memcmp(a->u.s.p, b->u.s.p, na) == 0);
    }
    return sql_value_cmp(a, b) == 0; /* NaN = NaN, -0 = 0, 1.0 = 1.00, intervals by total */
}

/* Row hashes of batch b into r->hashes, column by column. */
static void setop_hash_batch(const SetRun *r, const Batch *b)
{
    for (uint32_t i = 0; i < b->n; i++)
        r->hashes[i] = 0x2545f4914f6cdd1dull;
    for (uint32_t c = 0; c < r->n_cols; c++) {
        const Vec *v = &b->cols[c];
        for (uint32_t i = 0; i < b->n; i++) {
            uint64_t x = 0x51ed27;
            if (!vec_is_null(v, i)) {
                SqlValue sv;
                vec_get(v, i, &sv);
                x = setop_hash_value(&sv, r->bpchar[c]);
            }
            r->hashes[i] = setop_fmix(r->hashes[i] * 31 ^ x);
        }
    }
}

/* The entry equal to row `row` of b (hash h), or NULL; *slot_out: where it is or would go. */
static SetEntry *setop_find(const SetRun *r, const Batch *b, uint32_t row, uint64_t h, uint32_t *slot_out)
{
    uint32_t mask = r->n_slots - 1, slot = (uint32_t)h & mask;
    for (;; slot = (slot + 1) & mask) {
        uint32_t e = r->slots[slot];
        if (!e)
            break;
        SetEntry *en = r->entries[e - 1];
        if (en->hash != h)
            continue;
        int eq = 1;
        for (uint32_t c = 0; c < r->n_cols && eq; c++) {
            SqlValue sv;
            vec_get(&b->cols[c], row, &sv);
            eq = setop_value_eq(&en->vals[c], &sv, r->bpchar[c]);
        }
        if (eq) {
            *slot_out = slot;
            return en;
        }
    }
    *slot_out = slot;
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * The table
 * ---------------------------------------------------------------------------------------------- */

static int setop_grow(SetRun *r)
{
    uint32_t ns = r->n_slots ? r->n_slots * 2 : 1024;
    if (ns < r->n_slots)
        return WEIR_ENOMEM;
    uint32_t *slots = ARENA_NEW(r->state, uint32_t, ns);
    if (!slots)
        return WEIR_ENOMEM;
    for (uint32_t g = 0; g < r->n_entries; g++) {
        uint32_t i = (uint32_t)r->entries[g]->hash & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = g + 1;
    }
    r->slots = slots;
    r->n_slots = ns;
    return WEIR_OK;
}

/* Enter row `row` of b (hash h) at free slot `slot` (from setop_find). NULL over budget. */
static SetEntry *setop_insert(SetRun *r, const Batch *b, uint32_t row, uint64_t h, uint32_t slot)
{
    if (r->n_entries == r->cap_entries) {
        uint32_t nc = r->cap_entries ? r->cap_entries * 2 : 256;
        SetEntry **ne = ARENA_NEW(r->state, SetEntry *, nc);
        if (!ne)
            return NULL;
        if (r->n_entries)
            memcpy(ne, r->entries, r->n_entries * sizeof(*ne));
        r->entries = ne;
        r->cap_entries = nc;
    }
    SetEntry *en = arena_try_calloc(r->state, sizeof(*en));
    if (!en || !(en->vals = ARENA_NEW(r->state, SqlValue, r->n_cols ? r->n_cols : 1)))
        return NULL;
    en->hash = h;
    for (uint32_t c = 0; c < r->n_cols; c++) {
        vec_get(&b->cols[c], row, &en->vals[c]);
        if (sql_value_keep(r->state, &en->vals[c]))
            return NULL;
    }
    r->entries[r->n_entries++] = en;
    r->slots[slot] = r->n_entries;
    return en;
}

/* Find row `row` of b, entering it with count 0 when absent and `add` is set. NULL: absent (add unset)
 * or over budget (add set). */
static SetEntry *setop_lookup(SetRun *r, const Batch *b, uint32_t row, int add, int *added)
{
    uint64_t h = r->hashes[row];
    uint32_t slot;
    *added = 0;
    SetEntry *en = setop_find(r, b, row, h, &slot);
    if (en || !add)
        return en;
    if ((uint64_t)(r->n_entries + 1) * 2 > r->n_slots) {
        if (setop_grow(r))
            return NULL;
        (void)setop_find(r, b, row, h, &slot); /* the free slot in the new table */
    }
    *added = 1;
    return setop_insert(r, b, row, h, slot);
}

static int setop_drain_right(Op *op, SetRun *r, ExecCtx *ctx)
{
    for (;;) {
        Batch *rb;
        if (op_next(op->right, ctx, &rb))
            return WEIR_ERROR;
        if (!rb)
            return WEIR_OK;
        setop_hash_batch(r, rb);
        for (uint32_t i = 0; i < rb->n; i++) {
            int added;
            SetEntry *en = setop_lookup(r, rb, i, 1, &added);
            if (!en)
                return setop_oom(ctx);
            en->cnt++;
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * Operator entry points
 * ---------------------------------------------------------------------------------------------- */

int op_setop_open(Op *op, ExecCtx *ctx)
{
    if (!op->spec || !op->child || !op->right)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: set operation without its inputs");
    if (op->child->n_cols != op->n_cols || op->right->n_cols != op->n_cols)
        return sql_error_set(ctx->err, "XX000", 0,
                             "internal error: set operation over %u and %u columns into %u",
                             op->child->n_cols, op->right->n_cols, op->n_cols);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        SqlPhys p = sql_type_phys(op->types[c].id);
        if (sql_type_phys(op->child->types[c].id) != p || sql_type_phys(op->right->types[c].id) != p)
            return sql_error_set(ctx->err, "XX000", 0,
                                 "internal error: set operation column %u has two types", c);
    }
    Arena *state = arena_create(ctx->arena, ARENA_UNLIMITED);
    SetRun *r = arena_try_calloc(state, sizeof(*r));
    if (!r) {
        arena_destroy(&state);
        return setop_oom(ctx);
    }
    r->state = state;
    op->state = r;
    r->n_cols = op->n_cols;
    if (!(r->bpchar = ARENA_NEW(state, uint8_t, op->n_cols ? op->n_cols : 1)) ||
        !(r->hashes = ARENA_NEW(state, uint64_t, VEC_BATCH)) ||
        !(r->sel = ARENA_NEW(state, uint32_t, VEC_BATCH)) || setop_grow(r))
        return setop_oom(ctx);
    for (uint32_t c = 0; c < op->n_cols; c++)
        r->bpchar[c] = op->child->types[c].id == SQL_BPCHAR && op->right->types[c].id == SQL_BPCHAR;
    return WEIR_OK;
}

int op_setop_next(Op *op, ExecCtx *ctx, Batch **out)
{
    const SetOpSpec *sp = op->spec;
    SetRun *r = op->state;
    *out = NULL;
    for (;;) {
        Batch *lb;
        if (op_next(op->child, ctx, &lb))
            return WEIR_ERROR;
        if (!lb)
            return WEIR_OK;
        if (!r->drained) {
            /* only now: an empty left input needs nothing from the right one */
            if (setop_drain_right(op, r, ctx))
                return WEIR_ERROR;
            r->drained = 1;
        }
        setop_hash_batch(r, lb);
        uint32_t n = 0;
        for (uint32_t i = 0; i < lb->n; i++) {
            int added, emit = 0;
            int except_distinct = sp->type == SETOP_EXCEPT && !sp->all;
            SetEntry *en = setop_lookup(r, lb, i, except_distinct, &added);
            if (except_distinct && !en)
                return setop_oom(ctx);
            if (sp->type == SETOP_INTERSECT) {
                if (en && en->cnt > 0 && (sp->all || !en->emitted)) {
                    emit = 1;
                    en->emitted = 1;
                    if (sp->all)
                        en->cnt--;
                }
            } else if (sp->all) {
                if (en && en->cnt > 0)
                    en->cnt--;
                else
                    emit = 1;
            } else if (en->cnt == 0 && !en->emitted) {
                emit = 1; /* first copy of a left row the right input lacks */
                en->emitted = 1;
            }
            r->sel[n] = i;
            n += (uint32_t)emit;
        }
        if (!n) {
            if (exec_check_cancel(ctx))
                return WEIR_ERROR;
            continue;
        }
        Batch *b = n == lb->n ? lb : batch_gather(lb, r->sel, n, op->batch_arena);
        if (!b)
            return setop_oom(ctx);
        if (b == lb) {
            /* every row kept: pass the child's batch on (retyped below, so copy the column array) */
            Batch *c = arena_try_calloc(op->batch_arena, sizeof(*c));
            if (!c || !(c->cols = ARENA_NEW(op->batch_arena, Vec, op->n_cols ? op->n_cols : 1)))
                return setop_oom(ctx);
            *c = (Batch){.n = lb->n, .n_cols = lb->n_cols, .cols = c->cols};
            memcpy(c->cols, lb->cols, (size_t)op->n_cols * sizeof(Vec));
            b = c;
        }
        for (uint32_t c = 0; c < op->n_cols; c++)
            b->cols[c].type = op->types[c];
        *out = b;
        return WEIR_OK;
    }
}

void op_setop_close(Op *op)
{
    SetRun *r = op->state;
    if (!r)
        return;
    Arena *state = r->state; /* r lives in it */
    arena_destroy(&state);
    op->state = NULL;
}
