/*
 * op_agg.c: OP_AGG, hash aggregation.
 *
 * The first op_next drains the child: for each batch it evaluates the group keys and aggregate
 * arguments as vectors, hashes the keys of every row, finds or creates the row's group in an open-
 * addressing table, and folds the row into the group's aggregate states. Then it emits the groups,
 * VEC_BATCH per call. Group keys and MIN/MAX values that are strings are copied into the operator's
 * state arena (the input batches do not outlive their op_next), which is a child of the query arena,
 * so a GROUP BY with too many groups ends with 53200, not a crash.
 *
 * Grouping equality is PostgreSQL's: NULLs form one group; for floats NaN equals NaN and -0 equals 0;
 * intervals compare by their total (30-day months, 24-hour days).
 */
#include <math.h>
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

typedef struct AggState {
    int64_t count;
    SqlNumericAgg num;
    double f;
    SqlValue v; /* MIN/MAX: the current extreme */
    uint8_t has;
    uint8_t b;
} AggState;

typedef struct AggGroup {
    uint64_t hash;
    SqlValue *keys;
    AggState *st;
} AggGroup;

typedef struct AggRun {
    Arena *state;       /* groups, keys, extremes */
    AggGroup **groups;
    uint32_t n_groups, cap_groups;
    uint32_t *slots;    /* open addressing: group index + 1, 0 empty */
    uint32_t n_slots;   /* power of two */
    uint32_t emitted;
    int drained;
} AggRun;

static int agg_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* ------------------------------------------------------------------------------------------------
 * Hashing and comparing values
 * ---------------------------------------------------------------------------------------------- */

static uint64_t agg_mix(uint64_t h, uint64_t x)
{
    h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

static uint64_t agg_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ull;
        h ^= h >> 29;
    }
    for (; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t agg_hash_value(const Vec *v, uint32_t row)
{
    if (vec_is_null(v, row))
        return 0x51ed27;
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_BOOL: return v->u.b[row] ? 3 : 5;
    case SQL_PHYS_INT: return agg_mix(0, (uint64_t)v->u.i[row]);
    case SQL_PHYS_FLOAT: {
        double d = v->u.f[row];
        if (d == 0)
            d = 0; /* -0 groups with 0 */
        if (isnan(d))
            return 0x7ff8;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return agg_mix(0, bits);
    }
    case SQL_PHYS_NUMERIC: return sql_numeric_hash(&v->u.num[row]);
    case SQL_PHYS_INTERVAL: return sql_interval_hash(&v->u.iv[row]);
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: return agg_hash_bytes(v->u.s[row].p, v->u.s[row].n);
    }
    return 0;
}

static int agg_key_equal(const SqlValue *k, const Vec *v, uint32_t row)
{
    int vn = vec_is_null(v, row);
    if (k->is_null || vn)
        return k->is_null && vn;
    SqlValue x;
    vec_get(v, row, &x);
    return sql_value_cmp(k, &x) == 0;
}

/* ------------------------------------------------------------------------------------------------
 * Groups
 * ---------------------------------------------------------------------------------------------- */

static int agg_grow(AggRun *r, ExecCtx *ctx)
{
    uint32_t ns = r->n_slots ? r->n_slots * 2 : 1024;
    uint32_t *slots = arena_try_calloc(r->state, (size_t)ns * sizeof(uint32_t));
    if (!slots)
        return agg_oom(ctx);
    for (uint32_t g = 0; g < r->n_groups; g++) {
        uint32_t i = (uint32_t)r->groups[g]->hash & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = g + 1;
    }
    r->slots = slots;
    r->n_slots = ns;
    return WEIR_OK;
}

static AggGroup *agg_new_group(Op *op, AggRun *r, ExecCtx *ctx, uint64_t h, Vec *keys, uint32_t row)
{
    AggSpec *sp = op->spec;
    if (r->n_groups == r->cap_groups) {
        uint32_t nc = r->cap_groups ? r->cap_groups * 2 : 256;
        AggGroup **ng = ARENA_NEW(r->state, AggGroup *, nc);
        if (!ng)
            return NULL;
        if (r->n_groups)
            memcpy(ng, r->groups, r->n_groups * sizeof(*ng));
        r->groups = ng;
        r->cap_groups = nc;
    }
    AggGroup *g = arena_try_calloc(r->state, sizeof(*g));
    if (!g || (sp->n_keys && !(g->keys = ARENA_NEW(r->state, SqlValue, sp->n_keys))) ||
        (sp->n_aggs && !(g->st = ARENA_NEW(r->state, AggState, sp->n_aggs))))
        return NULL;
    g->hash = h;
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        vec_get(&keys[k], row, &g->keys[k]);
        if (sql_value_keep(r->state, &g->keys[k]))
            return NULL;
    }
    r->groups[r->n_groups++] = g;
    UNUSED(ctx);
    return g;
}

/* Fold one row into one aggregate state. */
static int agg_update(AggRun *r, ExecCtx *ctx, const AggCall *c, AggState *s, const Vec *arg, uint32_t row)
{
    if (c->fn == AGG_COUNT_STAR) {
        s->count++;
        return WEIR_OK;
    }
    if (vec_is_null(arg, row))
        return WEIR_OK;
    switch (c->fn) {
    case AGG_COUNT: s->count++; break;
    case AGG_SUM_INT: {
        int64_t x = arg->u.i[row];
        if ((x > 0 && s->count > INT64_MAX - x) || (x < 0 && s->count < INT64_MIN - x))
            return sql_error_set(ctx->err, "22003", 0, "bigint out of range");
        s->count += x;
        s->has = 1;
        break;
    }
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT: sql_numeric_agg_add_int(&s->num, arg->u.i[row]); break;
    case AGG_SUM_NUMERIC:
    case AGG_AVG_NUMERIC:
        if (sql_numeric_agg_add(&s->num, &arg->u.num[row], ctx->err))
            return WEIR_ERROR;
        break;
    case AGG_SUM_FLOAT:
    case AGG_AVG_FLOAT:
        s->f += arg->u.f[row];
        s->count++;
        break;
    case AGG_MIN:
    case AGG_MAX: {
        SqlValue x;
        vec_get(arg, row, &x);
        if (!s->has || (c->fn == AGG_MIN ? sql_value_cmp(&x, &s->v) < 0 : sql_value_cmp(&x, &s->v) > 0)) {
            if (sql_value_keep(r->state, &x))
                return agg_oom(ctx);
            s->v = x;
        }
        break;
    }
    case AGG_BOOL_AND: s->b = s->has ? (uint8_t)(s->b && arg->u.b[row]) : arg->u.b[row]; break;
    case AGG_BOOL_OR: s->b = s->has ? (uint8_t)(s->b || arg->u.b[row]) : arg->u.b[row]; break;
    case AGG_COUNT_STAR: break;
    }
    s->has = 1;
    return WEIR_OK;
}

static int agg_consume(Op *op, AggRun *r, ExecCtx *ctx, const Batch *in)
{
    AggSpec *sp = op->spec;
    ExprCtx ec;
    exec_expr_ctx(ctx, op->batch_arena, &ec);
    Vec *keys = ARENA_NEW(op->batch_arena, Vec, sp->n_keys + 1);
    Vec *args = ARENA_NEW(op->batch_arena, Vec, sp->n_aggs + 1);
    Vec *filt = ARENA_NEW(op->batch_arena, Vec, sp->n_aggs + 1);
    uint64_t *hashes = ARENA_NEW(op->batch_arena, uint64_t, VEC_BATCH);
    if (!keys || !args || !filt || !hashes)
        return agg_oom(ctx);
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (expr_eval(&ec, sp->keys[k], in, in->n, &keys[k]))
            return WEIR_ERROR;
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
        if (sp->aggs[a].arg && expr_eval(&ec, sp->aggs[a].arg, in, in->n, &args[a]))
            return WEIR_ERROR;
        if (sp->aggs[a].filter && expr_eval(&ec, sp->aggs[a].filter, in, in->n, &filt[a]))
            return WEIR_ERROR;
    }
    for (uint32_t i = 0; i < in->n; i++) {
        uint64_t h = 0x2545f4914f6cdd1dull;
        for (uint32_t k = 0; k < sp->n_keys; k++)
            h = agg_mix(h, agg_hash_value(&keys[k], i));
        hashes[i] = h;
    }
    for (uint32_t i = 0; i < in->n; i++) {
        if ((r->n_groups + 1) * 2 > r->n_slots && agg_grow(r, ctx))
            return WEIR_ERROR;
        uint32_t mask = r->n_slots - 1, slot = (uint32_t)hashes[i] & mask;
        AggGroup *g = NULL;
        for (;;) {
            uint32_t gi = r->slots[slot];
            if (!gi)
                break;
            AggGroup *cand = r->groups[gi - 1];
            if (cand->hash == hashes[i]) {
                int eq = 1;
                for (uint32_t k = 0; k < sp->n_keys && eq; k++)
                    eq = agg_key_equal(&cand->keys[k], &keys[k], i);
                if (eq) {
                    g = cand;
                    break;
                }
            }
            slot = (slot + 1) & mask;
        }
        if (!g) {
            if (!(g = agg_new_group(op, r, ctx, hashes[i], keys, i)))
                return agg_oom(ctx);
            r->slots[slot] = r->n_groups;
        }
        for (uint32_t a = 0; a < sp->n_aggs; a++) {
            const AggCall *c = &sp->aggs[a];
            if (c->filter && (vec_is_null(&filt[a], i) || !filt[a].u.b[i]))
                continue;
            if (agg_update(r, ctx, c, &g->st[a], &args[a], i))
                return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}

/* The final value of one aggregate into row `row` of v. */
static int agg_final(ExecCtx *ctx, Arena *a, const AggCall *c, const AggState *s, Vec *v, uint32_t row)
{
    SqlValue out;
    memset(&out, 0, sizeof(out));
    out.type = c->type;
    switch (c->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: out.u.i = s->count; break;
    case AGG_SUM_INT:
        out.is_null = !s->has;
        out.u.i = s->count;
        break;
    case AGG_SUM_BIGINT:
    case AGG_SUM_NUMERIC:
        out.is_null = s->num.n == 0;
        if (!out.is_null && sql_numeric_agg_sum(&s->num, &out.u.num, ctx->err))
            return WEIR_ERROR;
        break;
    case AGG_AVG_INT:
    case AGG_AVG_NUMERIC:
        out.is_null = s->num.n == 0;
        if (!out.is_null && sql_numeric_agg_avg(&s->num, &out.u.num, ctx->err))
            return WEIR_ERROR;
        break;
    case AGG_SUM_FLOAT:
        out.is_null = s->count == 0;
        out.u.f = c->type.id == SQL_FLOAT4 ? (double)(float)s->f : s->f;
        break;
    case AGG_AVG_FLOAT:
        out.is_null = s->count == 0;
        out.u.f = s->count ? s->f / (double)s->count : 0;
        break;
    case AGG_MIN:
    case AGG_MAX:
        out = s->v;
        out.type = c->type;
        out.is_null = !s->has;
        break;
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        out.is_null = !s->has;
        out.u.b = s->b;
        break;
    }
    return vec_put(v, row, &out, a) ? agg_oom(ctx) : WEIR_OK;
}

int op_agg_open(Op *op, ExecCtx *ctx)
{
    AggRun *r = arena_try_calloc(ctx->arena, sizeof(*r));
    if (!r || !(r->state = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return agg_oom(ctx);
    op->state = r;
    return WEIR_OK;
}

void op_agg_close(Op *op)
{
    AggRun *r = op->state;
    if (r)
        arena_destroy(&r->state);
    op->state = NULL;
}

int op_agg_next(Op *op, ExecCtx *ctx, Batch **out)
{
    AggSpec *sp = op->spec;
    AggRun *r = op->state;
    if (!r->drained) {
        for (;;) {
            Batch *in;
            if (op_next(op->child, ctx, &in))
                return WEIR_ERROR;
            if (!in)
                break;
            if (agg_consume(op, r, ctx, in))
                return WEIR_ERROR;
            arena_reset(op->batch_arena);
        }
        r->drained = 1;
        /* no keys: one row even over no input */
        if (sp->n_keys == 0 && r->n_groups == 0) {
            if (agg_grow(r, ctx) || !agg_new_group(op, r, ctx, 0, NULL, 0))
                return agg_oom(ctx);
        }
    }
    if (r->emitted >= r->n_groups) {
        *out = NULL;
        if (r->state)
            arena_destroy(&r->state);
        return WEIR_OK;
    }
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return agg_oom(ctx);
    uint32_t n = r->n_groups - r->emitted;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    for (uint32_t i = 0; i < n; i++) {
        AggGroup *g = r->groups[r->emitted + i];
        for (uint32_t k = 0; k < sp->n_keys; k++) {
            SqlValue kv = g->keys[k];
            kv.type = op->types[k];
            if (vec_put(&b->cols[k], i, &kv, op->batch_arena))
                return agg_oom(ctx);
        }
        for (uint32_t a = 0; a < sp->n_aggs; a++)
            if (agg_final(ctx, op->batch_arena, &sp->aggs[a], &g->st[a], &b->cols[sp->n_keys + a], i))
                return WEIR_ERROR;
    }
    /* the batch's strings point into the state arena: keep it until the last batch was consumed */
    b->n = n;
    r->emitted += n;
    *out = b;
    return WEIR_OK;
}
