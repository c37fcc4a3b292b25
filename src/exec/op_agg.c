/*
 * op_agg.c: OP_AGG, hash aggregation, and the aggregate functions' arithmetic (PostgreSQL 15's results,
 * result types chosen by bind_agg.c).
 *
 * The first op_next drains the child. Per input batch:
 *   1. the group keys, aggregate arguments, FILTERs (and ordered-set fractions) are evaluated as vectors;
 *   2. every row's key hash is computed column by column (one type switch per column, not per row);
 *   3. each row probes the open-addressing table once: a slot holds the top 32 bits of the hash next to
 *      the group number, so a probe touches a group's memory only when the hash matches; the slot of a
 *      row a few rows ahead is prefetched. A new group gets a row (hash, keys, aggregate states) from
 *      chunks of the state arena -- nothing is allocated per input row;
 *   4. each aggregate then folds the batch in one loop over the rows' group-row pointers, with a loop per
 *      common function (count, sum and avg over integers and floats, min/max over integers, ...) and a
 *      generic per-value step for the rest.
 * Aggregates with DISTINCT, ORDER BY inside the call, or WITHIN GROUP ("buffered") keep their input rows
 * per group instead (DISTINCT ones deduplicated by a hash set as they come); after the drain each one's
 * rows are sorted by (group, ORDER BY keys) and folded through the same per-value step, or handed to the
 * ordered-set final function (percentile_cont, percentile_disc, mode). Then the groups are emitted,
 * VEC_BATCH per call.
 *
 * Memory: groups, keys, states, kept rows and the hash table live in the operator's state arena, a child
 * of the query arena: a GROUP BY with too many groups, or a DISTINCT over too many values, ends with
 * SQLSTATE 53200 instead of exhausting the server. The one malloc'd buffer is a scratch for one value's
 * text (array_agg elements), freed at close.
 *
 * Semantics are PostgreSQL's: grouping and DISTINCT treat NULLs as equal, floats NaN = NaN and -0 = 0,
 * intervals by their total; strict aggregates skip NULL inputs and return NULL over no rows (count: 0);
 * sum(int4) overflow is "bigint out of range"; sum(float4) adds in single precision; float
 * variance uses the Youngs-Cramer update PostgreSQL uses, so results agree to the last bit for the same
 * input order; numeric variance and stddev are exact (256-bit sums) and rounded at PostgreSQL's result
 * scale (select_div_scale, then sqrt at that scale); percentile_cont interpolates between the two
 * nearest rows, percentile_disc takes the first row whose position reaches the fraction, mode the most
 * frequent value (the first in sort order on ties).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/jsonb.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * 256-bit integers: exact sums of squares for numeric variance (PostgreSQL's are arbitrary precision)
 * ---------------------------------------------------------------------------------------------- */

typedef struct U256 {
    uint64_t w[4]; /* little-endian; two's complement where a value is signed */
} U256;

static U256 u256_from_i128(__int128 v)
{
    U256 r;
    unsigned __int128 u = (unsigned __int128)v;
    r.w[0] = (uint64_t)u;
    r.w[1] = (uint64_t)(u >> 64);
    r.w[2] = r.w[3] = v < 0 ? UINT64_MAX : 0;
    return r;
}

static U256 u256_from_u64(uint64_t v)
{
    U256 r = {{v, 0, 0, 0}};
    return r;
}

static int u256_is_zero(const U256 *a)
{
    return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static int u256_is_neg(const U256 *a)
{
    return (int)(a->w[3] >> 63);
}

static U256 u256_add(U256 a, U256 b)
{
    U256 r;
    unsigned __int128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (unsigned __int128)a.w[i] + b.w[i];
        r.w[i] = (uint64_t)c;
        c >>= 64;
    }
    return r;
}

static U256 u256_neg(U256 a)
{
    for (int i = 0; i < 4; i++)
        a.w[i] = ~a.w[i];
    return u256_add(a, u256_from_u64(1));
}

static U256 u256_sub(U256 a, U256 b)
{
    return u256_add(a, u256_neg(b));
}

static int u256_cmp(const U256 *a, const U256 *b)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* Unsigned a * b; *ovf set when the product does not fit 256 bits. */
static U256 u256_mul(const U256 *a, const U256 *b, int *ovf)
{
    uint64_t t[8] = {0};
    for (int i = 0; i < 4; i++) {
        unsigned __int128 c = 0;
        if (!a->w[i])
            continue;
        for (int j = 0; j < 4; j++) {
            c += (unsigned __int128)a->w[i] * b->w[j] + t[i + j];
            t[i + j] = (uint64_t)c;
            c >>= 64;
        }
        t[i + 4] += (uint64_t)c;
    }
    if (t[4] | t[5] | t[6] | t[7])
        *ovf = 1;
    U256 r = {{t[0], t[1], t[2], t[3]}};
    return r;
}

static U256 u256_pow10(int k, int *ovf)
{
    U256 r = u256_from_u64(1);
    while (k > 0) {
        int s = k > 19 ? 19 : k;
        uint64_t p = 1;
        for (int i = 0; i < s; i++)
            p *= 10;
        U256 m = u256_from_u64(p);
        r = u256_mul(&r, &m, ovf);
        k -= s;
    }
    return r;
}

static U256 u256_mul_pow10(U256 a, int k, int *ovf)
{
    U256 p = u256_pow10(k, ovf);
    return u256_mul(&a, &p, ovf);
}

static U256 u256_shl1(U256 a)
{
    for (int i = 3; i > 0; i--)
        a.w[i] = a.w[i] << 1 | a.w[i - 1] >> 63;
    a.w[0] <<= 1;
    return a;
}

static U256 u256_shr(U256 a, int n)
{
    while (n >= 64) {
        a.w[0] = a.w[1], a.w[1] = a.w[2], a.w[2] = a.w[3], a.w[3] = 0;
        n -= 64;
    }
    if (n)
        for (int i = 0; i < 4; i++)
            a.w[i] = a.w[i] >> n | (i < 3 ? a.w[i + 1] << (64 - n) : 0);
    return a;
}

static int u256_bits(const U256 *a)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i])
            return i * 64 + 64 - __builtin_clzll(a->w[i]);
    return 0;
}

/* Unsigned a / b (b != 0), remainder in *rem. Bit by bit: runs once per group at the end. */
static U256 u256_divmod(U256 a, const U256 *b, U256 *rem)
{
    U256 q = {{0}}, r = {{0}};
    for (int i = u256_bits(&a) - 1; i >= 0; i--) {
        r = u256_shl1(r);
        r.w[0] |= a.w[i / 64] >> (i % 64) & 1;
        if (u256_cmp(&r, b) >= 0) {
            r = u256_sub(r, *b);
            q.w[i / 64] |= (uint64_t)1 << (i % 64);
        }
    }
    *rem = r;
    return q;
}

/* Decimal digits of a (0 for 0). */
static int u256_digits(U256 a)
{
    int d = 0;
    U256 ten19 = u256_from_u64(10000000000000000000ull), rem;
    while (u256_bits(&a) > 64) {
        a = u256_divmod(a, &ten19, &rem);
        d += 19;
    }
    for (uint64_t v = a.w[0]; v; v /= 10)
        d++;
    return d;
}

/* floor(sqrt(a)), with a - result^2 in *rem. */
static U256 u256_isqrt(U256 a, U256 *rem)
{
    U256 res = {{0}};
    int top = u256_bits(&a);
    if (top == 0) {
        *rem = a;
        return res;
    }
    int shift = (top - 1) & ~1;
    U256 bit = {{0}};
    bit.w[shift / 64] = (uint64_t)1 << (shift % 64);
    while (!u256_is_zero(&bit)) {
        U256 t = u256_add(res, bit);
        if (u256_cmp(&a, &t) >= 0) {
            a = u256_sub(a, t);
            res = u256_add(u256_shr(res, 1), bit);
        } else {
            res = u256_shr(res, 1);
        }
        bit = u256_shr(bit, 2);
    }
    *rem = a;
    return res;
}

/* ------------------------------------------------------------------------------------------------
 * Aggregate states (one per aggregate per group, at fixed offsets in the group's row; zero is "empty")
 * ---------------------------------------------------------------------------------------------- */

typedef struct StCount { int64_t n; } StCount;
typedef struct StSumInt { int64_t sum; uint8_t has; } StSumInt;
typedef struct StNum { SqlNumericAgg a; } StNum;                   /* sum(int8), avg(int), sum/avg(numeric) */
typedef struct StFloat { double sx, sxx; int64_t n; } StFloat;     /* sum/avg/variance over floats */
typedef struct StExt { SqlValue v; uint8_t *buf; size_t cap; uint8_t has; } StExt; /* min/max; buf: string copy */
typedef struct StBool { uint8_t has, b; } StBool;
typedef struct StBits { int64_t v; uint8_t has; } StBits;
typedef struct StIv { SqlInterval sum; int64_t n; } StIv;
typedef struct StVar {                                              /* variance over integers / numeric */
    U256 s1, s2;   /* sum of x (signed) at `scale`, sum of x^2 at 2 * scale */
    int64_t n;     /* every non-NULL input, NaN and infinities included (PostgreSQL's N) */
    int16_t scale;
    uint8_t special; /* saw NaN or an infinity: the result is NaN */
} StVar;
typedef struct StStr { uint8_t *p; uint32_t n, cap; uint8_t has; } StStr; /* string_agg, array_agg, json */
typedef struct StOset { SqlValue direct, result; uint8_t has_direct; } StOset; /* ordered-set aggregates */

/* Row kept by a buffered aggregate: its group, arrival order, then the values. */
typedef struct AggTuple {
    uint32_t group;
    uint32_t seq;
    uint64_t hash; /* DISTINCT: of group and arguments */
    SqlValue v[];
} AggTuple;

enum { KEY_INT, KEY_STR, KEY_OTHER };
enum { VIN_NONE, VIN_INT, VIN_NUMERIC, VIN_FLOAT };

/* One aggregate at run time. */
typedef struct AggRt {
    const AggCall *c;
    Expr **args;          /* c->args, or &c->arg for calls built without the list */
    uint32_t n_args;
    uint32_t off;         /* state offset in a group row */
    uint8_t buffered;     /* DISTINCT / ORDER BY / ordered-set */
    uint8_t vin;          /* variance input class */
    uint8_t direct_const; /* ordered-set fraction without columns: evaluated once at the first batch */
    uint8_t direct_done;
    SqlValue direct_value;
    /* buffered: tuple columns are args[0..n_args) then the ORDER BY keys not already among them */
    uint32_t width;
    uint32_t *ord_col;    /* n_order: tuple column of each ORDER BY key */
    AggTuple **tuples;
    uint32_t n_tuples, cap_tuples;
    uint64_t *dset;       /* DISTINCT: (hash >> 32) << 32 | (tuple index + 1), open addressing */
    uint32_t n_dslots;
    AggTuple *scratch;    /* DISTINCT: the row being kept, before the set decides */
    uint8_t fold_now;     /* DISTINCT without ORDER BY, exact whatever the order (count, integer sums,
                           * min, max, ...): folded as values arrive, not sorted at the end */
} AggRt;

typedef struct AggRun {
    Arena *state;         /* groups, keys, states, kept rows, hash tables */
    AggRt *rt;
    uint32_t n_keys, n_aggs;
    uint8_t *key_kind;
    uint32_t *key_off;    /* a key's place in the group row: int64 for KEY_INT, else a SqlValue */
    uint32_t row_size;    /* bytes of a group row: hash, group number, key NULL flags, keys, states */
    uint8_t *chunks[32];  /* group rows: chunk c holds GROUP_CHUNK_ROWS << c of them (agg_row) */
    uint32_t n_chunks;
    uint32_t n_groups;
    uint64_t *ht;         /* (hash >> 32) << 32 | (group + 1); 0 empty */
    uint32_t n_slots;     /* power of two */
    uint32_t emitted;
    int drained;
    Buf scratch;          /* one value's text */
    uint64_t *hashes;     /* per batch */
    uint8_t **rowp;
    uint32_t *sel;
    uint32_t *ident;      /* 0..VEC_BATCH-1 */
    uint64_t touch;       /* agg_touch_*: sink of the loads that warm the cache */
    struct AggPar *par;   /* partial aggregation on the scan's workers, while it runs */
} AggRun;

/* Group rows come in chunks that double in size (256 rows, 512, 1024, ...), found by arithmetic: a
 * hash table hit costs no pointer chase through a row array (the probe is memory-bound: one cache miss
 * fewer per row), a GROUP BY with few groups stays small, and a big one needs few allocations. */
#define GROUP_CHUNK_SHIFT 8
#define GROUP_CHUNK_ROWS (1u << GROUP_CHUNK_SHIFT)

static inline uint8_t *agg_row(const AggRun *r, uint32_t g)
{
    uint32_t c = 31 - (uint32_t)__builtin_clz((g >> GROUP_CHUNK_SHIFT) + 1);
    uint32_t first = (GROUP_CHUNK_ROWS << c) - GROUP_CHUNK_ROWS;
    return r->chunks[c] + (size_t)(g - first) * r->row_size;
}


/* Row header: hash (8 bytes), group number (4), then one NULL flag byte per key (for KEY_INT keys,
 * kept as a bare int64 so that a row of an integer key and a count is 32 bytes: a cache line holds two). */
#define ROW_KEY_NULL(row, k) ((row)[12 + (k)])
#define ST(row, rt, T) ((T *)((row) + (rt)->off))

static int agg_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

static int agg_overflow(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "22003", 0, "value out of range: overflow");
}

/* Size and alignment of an aggregate's state. */
static void agg_state_layout(const AggRt *rt, size_t *size, size_t *align)
{
#define LAYOUT(T) (*size = sizeof(T), *align = _Alignof(T))
    switch (rt->c->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: LAYOUT(StCount); return;
    case AGG_SUM_INT: LAYOUT(StSumInt); return;
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT:
    case AGG_SUM_NUMERIC:
    case AGG_AVG_NUMERIC: LAYOUT(StNum); return;
    case AGG_SUM_FLOAT:
    case AGG_AVG_FLOAT: LAYOUT(StFloat); return;
    case AGG_MIN:
    case AGG_MAX: LAYOUT(StExt); return;
    case AGG_BOOL_AND:
    case AGG_BOOL_OR: LAYOUT(StBool); return;
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR: LAYOUT(StBits); return;
    case AGG_SUM_INTERVAL:
    case AGG_AVG_INTERVAL: LAYOUT(StIv); return;
    case AGG_VAR_SAMP:
    case AGG_VAR_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV_POP:
        if (rt->vin == VIN_FLOAT)
            LAYOUT(StFloat);
        else
            LAYOUT(StVar);
        return;
    case AGG_STRING_AGG:
    case AGG_ARRAY_AGG:
    case AGG_JSON_AGG:
    case AGG_JSONB_AGG:
    case AGG_JSON_OBJECT_AGG:
    case AGG_JSONB_OBJECT_AGG: LAYOUT(StStr); return;
    case AGG_PERCENTILE_CONT:
    case AGG_PERCENTILE_DISC:
    case AGG_MODE: LAYOUT(StOset); return;
    }
    LAYOUT(StOset);
#undef LAYOUT
}

/* ------------------------------------------------------------------------------------------------
 * Hashing and comparing keys
 * ---------------------------------------------------------------------------------------------- */

static inline uint64_t agg_fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static inline uint64_t agg_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ (n * 0xbf58476d1ce4e5b9ull);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x94d049bb133111ebull;
        h ^= h >> 29;
    }
    if (n) {
        /* the 1..7 tail bytes without a variable-length copy (short keys: country codes, statuses) */
        uint64_t w;
        if (n >= 4) {
            uint32_t a, b;
            memcpy(&a, p, 4);
            memcpy(&b, p + n - 4, 4);
            w = (uint64_t)a << 32 | b;
        } else {
            w = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
        }
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    return h;
}

#define HASH_NULL 0x51ed270b27af3e1bull

/* Hash of one non-NULL value, equal for values that compare equal (GROUP BY / DISTINCT equality). */
static uint64_t agg_hash_value(const SqlValue *v)
{
    if (v->is_null)
        return HASH_NULL;
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_BOOL: return v->u.b ? 0x3c6ef372fe94f82bull : 0xa54ff53a5f1d36f1ull;
    case SQL_PHYS_INT: return (uint64_t)v->u.i;
    case SQL_PHYS_FLOAT: {
        double d = v->u.f;
        if (d == 0)
            d = 0; /* -0 groups with 0 */
        if (isnan(d))
            return 0x7ff8000000000000ull;
        uint64_t bits;
        memcpy(&bits, &d, 8);
        return bits;
    }
    case SQL_PHYS_NUMERIC: return sql_numeric_hash(&v->u.num);
    case SQL_PHYS_INTERVAL: return sql_interval_hash(&v->u.iv);
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: return agg_hash_bytes(v->u.s.p, v->u.s.n);
    }
    return 0;
}

#define HASH_STEP(h, x) (((h) ^ (x)) * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull)

/* h[i] = mix(h[i], hash of row i of v), for rows 0..n: one type dispatch per column. A NULL row hashes
 * as HASH_NULL whatever its data slot holds (NULLs made by an expression may carry any value there). */
static void agg_hash_column(const Vec *v, uint32_t n, uint64_t *h)
{
    SqlPhys ph = sql_type_phys(v->type.id);
    const uint64_t *nulls = v->nulls;
    if (ph == SQL_PHYS_INT) {
        if (!nulls)
            for (uint32_t i = 0; i < n; i++)
                h[i] = HASH_STEP(h[i], (uint64_t)v->u.i[i]);
        else
            for (uint32_t i = 0; i < n; i++)
                h[i] = HASH_STEP(h[i], vec_is_null(v, i) ? HASH_NULL : (uint64_t)v->u.i[i]);
    } else if (ph == SQL_PHYS_STR || ph == SQL_PHYS_NONE) {
        for (uint32_t i = 0; i < n; i++)
            h[i] = HASH_STEP(h[i], nulls && vec_is_null(v, i) ? HASH_NULL : agg_hash_bytes(v->u.s[i].p, v->u.s[i].n));
    } else {
        for (uint32_t i = 0; i < n; i++) {
            SqlValue x;
            vec_get(v, i, &x); /* sets is_null: agg_hash_value gives HASH_NULL */
            h[i] = HASH_STEP(h[i], agg_hash_value(&x));
        }
    }
}

static int agg_key_equal(const AggRun *r, const uint8_t *row, const Vec *keys, uint32_t i)
{
    for (uint32_t c = 0; c < r->n_keys; c++) {
        const Vec *v = &keys[c];
        int vn = vec_is_null(v, i);
        if (r->key_kind[c] == KEY_INT) {
            int kn = ROW_KEY_NULL(row, c);
            if (kn || vn) {
                if (!(kn && vn))
                    return 0;
                continue;
            }
            int64_t kv;
            memcpy(&kv, row + r->key_off[c], 8);
            if (kv != v->u.i[i])
                return 0;
            continue;
        }
        const SqlValue *k = (const SqlValue *)(row + r->key_off[c]);
        if (k->is_null || vn) {
            if (!(k->is_null && vn))
                return 0;
            continue;
        }
        if (r->key_kind[c] == KEY_STR) {
            if (k->u.s.n != v->u.s[i].n || (v->u.s[i].n && memcmp(k->u.s.p, v->u.s[i].p, v->u.s[i].n)))
                return 0;
        } else {
            SqlValue x;
            vec_get(v, i, &x);
            if (sql_value_cmp(k, &x) != 0)
                return 0;
        }
    }
    return 1;
}

/* Key c of a group row as a value (strings borrowed from the state arena). */
static void agg_row_key(const AggRun *r, const uint8_t *row, uint32_t c, SqlType t, SqlValue *out)
{
    if (r->key_kind[c] == KEY_INT) {
        memset(out, 0, sizeof(*out));
        out->is_null = ROW_KEY_NULL(row, c);
        memcpy(&out->u.i, row + r->key_off[c], 8);
    } else {
        *out = *(const SqlValue *)(row + r->key_off[c]);
    }
    out->type = t;
}

/* ------------------------------------------------------------------------------------------------
 * Groups
 * ---------------------------------------------------------------------------------------------- */

static int agg_grow_table(AggRun *r, ExecCtx *ctx)
{
    uint32_t ns = r->n_slots ? r->n_slots * 2 : 1024;
    if (ns == 0)
        return agg_oom(ctx);
    uint64_t *ht = arena_try_alloc(r->state, (size_t)ns * sizeof(uint64_t));
    if (!ht)
        return agg_oom(ctx);
    memset(ht, 0, (size_t)ns * sizeof(uint64_t));
    for (uint32_t g = 0; g < r->n_groups; g++) {
        uint64_t h;
        memcpy(&h, agg_row(r, g), 8);
        uint32_t i = (uint32_t)h & (ns - 1);
        while (ht[i])
            i = (i + 1) & (ns - 1);
        ht[i] = (h >> 32) << 32 | (uint64_t)(g + 1);
    }
    r->ht = ht;
    r->n_slots = ns;
    return WEIR_OK;
}

/* A new group row for hash h and the keys of row i (keys NULL: the one group without keys). The
 * row's string keys are copied into the state arena. NULL over the budget. */
static uint8_t *agg_new_group(AggRun *r, uint64_t h, const Vec *keys, uint32_t i)
{
    if (r->n_groups == UINT32_MAX - 1)
        return NULL;
    if (r->n_chunks < 32 && r->n_groups == (GROUP_CHUNK_ROWS << r->n_chunks) - GROUP_CHUNK_ROWS) {
        /* without keys there is one group: no room for 255 more */
        size_t rows = r->n_keys ? (size_t)GROUP_CHUNK_ROWS << r->n_chunks : 1;
        size_t sz = (size_t)r->row_size * rows + 64;
        /* 64-byte aligned, so a row of 16, 32 or 64 bytes never straddles two cache lines */
        uint8_t *mem = arena_try_alloc(r->state, sz);
        if (!mem)
            return NULL;
        memset(mem, 0, sz);
        r->chunks[r->n_chunks++] = mem + ((64 - ((uintptr_t)mem & 63)) & 63);
    }
    uint32_t gnum = r->n_groups;
    uint8_t *row = agg_row(r, gnum);
    memcpy(row, &h, 8);
    memcpy(row + 8, &gnum, 4);
    for (uint32_t c = 0; keys && c < r->n_keys; c++) {
        SqlValue kv;
        vec_get(&keys[c], i, &kv);
        if (r->key_kind[c] == KEY_INT) {
            ROW_KEY_NULL(row, c) = kv.is_null;
            memcpy(row + r->key_off[c], &kv.u.i, 8);
        } else {
            if (sql_value_keep(r->state, &kv))
                return NULL;
            memcpy(row + r->key_off[c], &kv, sizeof(kv));
        }
    }
    r->n_groups++;
    return row;
}

/* ------------------------------------------------------------------------------------------------
 * Folding one value (the generic step; buffered aggregates and the less common functions)
 * ---------------------------------------------------------------------------------------------- */

/* Append n bytes to a state string, growing it in the state arena (doubling: amortised copies). */
static int agg_str_append(AggRun *r, StStr *s, const void *p, size_t n)
{
    if ((size_t)s->n + n > UINT32_MAX / 2)
        return WEIR_ENOMEM;
    if (s->n + n > s->cap) {
        size_t nc = s->cap ? s->cap : 64;
        while (nc < s->n + n)
            nc *= 2;
        uint8_t *np = arena_try_alloc(r->state, nc);
        if (!np)
            return WEIR_ENOMEM;
        if (s->n)
            memcpy(np, s->p, s->n);
        s->p = np;
        s->cap = (uint32_t)nc;
    }
    if (n)
        memcpy(s->p + s->n, p, n);
    s->n += (uint32_t)n;
    return WEIR_OK;
}

/* Append v as an element of an array's text form (array_out's quoting: empty strings, "NULL", and
 * text with braces, commas, quotes, backslashes or blanks are double-quoted, " and \ escaped). */
static int agg_array_elem(AggRun *r, ExecCtx *ctx, StStr *s, const SqlValue *v)
{
    if (v->is_null)
        return agg_str_append(r, s, "NULL", 4) ? agg_oom(ctx) : WEIR_OK;
    buf_reset(&r->scratch);
    if (sql_value_to_text(v, ctx->fmt, &r->scratch))
        return agg_oom(ctx);
    const uint8_t *p = r->scratch.p ? r->scratch.p : (const uint8_t *)"";
    size_t n = r->scratch.len;
    int quote = n == 0 || (n == 4 && (p[0] | 32) == 'n' && (p[1] | 32) == 'u' && (p[2] | 32) == 'l' && (p[3] | 32) == 'l');
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == '{' || p[i] == '}' || p[i] == ',' || p[i] == '"' || p[i] == '\\' || p[i] == ' ' ||
                p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\v' || p[i] == '\f';
    if (!quote)
        return agg_str_append(r, s, p, n) ? agg_oom(ctx) : WEIR_OK;
    if (agg_str_append(r, s, "\"", 1))
        return agg_oom(ctx);
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '"' && p[i] != '\\')
            continue;
        if (agg_str_append(r, s, p + from, i - from) || agg_str_append(r, s, "\\", 1))
            return agg_oom(ctx);
        from = i;
    }
    if (agg_str_append(r, s, p + from, n - from) || agg_str_append(r, s, "\"", 1))
        return agg_oom(ctx);
    return WEIR_OK;
}

/* x as a 256-bit integer at scale `scale` (>= x's scale). */
static U256 agg_num_scaled(const SqlNumeric *x, int scale, int *ovf)
{
    U256 v = u256_from_i128(x->v);
    if (scale == x->scale)
        return v;
    int neg = u256_is_neg(&v);
    if (neg)
        v = u256_neg(v);
    v = u256_mul_pow10(v, scale - x->scale, ovf);
    return neg ? u256_neg(v) : v;
}

/* Variance accumulator: add x (an integer when scale 0) at its scale. */
static int agg_var_add(StVar *s, __int128 x, int scale, ExecCtx *ctx)
{
    int ovf = 0;
    if (scale > s->scale) {
        /* rescale the sums to the larger display scale */
        int d = scale - s->scale;
        int neg = u256_is_neg(&s->s1);
        U256 a = neg ? u256_neg(s->s1) : s->s1;
        a = u256_mul_pow10(a, d, &ovf);
        s->s1 = neg ? u256_neg(a) : a;
        s->s2 = u256_mul_pow10(s->s2, 2 * d, &ovf);
        s->scale = (int16_t)scale;
    }
    SqlNumeric xn = sql_numeric_make(x, scale);
    U256 v = agg_num_scaled(&xn, s->scale, &ovf);
    U256 m = u256_is_neg(&v) ? u256_neg(v) : v;
    U256 sq = u256_mul(&m, &m, &ovf);
    s->s1 = u256_add(s->s1, v);
    s->s2 = u256_add(s->s2, sq);
    /* keep clear of the top bits so the final N * s2 and s1^2 checks see overflow, not wraparound */
    if (ovf || u256_bits(&s->s2) > 250 || s->s2.w[3] >> 60)
        return sql_error_set(ctx->err, "22003", 0, "value overflows numeric format");
    s->n++;
    return WEIR_OK;
}

/* Youngs-Cramer update, as PostgreSQL's float8_accum (with its overflow rule). */
static int agg_float_accum(StFloat *s, double x, ExecCtx *ctx)
{
    double n = (double)s->n + 1.0, sx = s->sx + x, sxx = s->sxx;
    if (s->n > 0) {
        double t = x * n - sx;
        sxx += t * t / (n * (double)s->n);
        if (isinf(sx) || isinf(sxx)) {
            if (!isinf(s->sx) && !isinf(x))
                return agg_overflow(ctx);
            sxx = NAN;
        }
    } else if (isnan(x) || isinf(x)) {
        sxx = NAN;
    }
    s->n++;
    s->sx = sx;
    s->sxx = sxx;
    return WEIR_OK;
}

/* PostgreSQL's *_larger / *_smaller keep the newer value on ties (1.00 after 1.0 wins). */
static int agg_ext_step(AggRun *r, ExecCtx *ctx, int is_max, StExt *s, const SqlValue *x)
{
    if (s->has) {
        int c = sql_value_cmp(x, &s->v);
        if (is_max ? c < 0 : c > 0)
            return WEIR_OK;
    }
    SqlPhys ph = sql_type_phys(x->type.id);
    if (ph == SQL_PHYS_STR || ph == SQL_PHYS_NONE) {
        if (s->has && x->u.s.n == s->v.u.s.n && (x->u.s.n == 0 || memcmp(x->u.s.p, s->v.u.s.p, x->u.s.n) == 0))
            return WEIR_OK;
        /* reuse the kept copy when the new value fits: an ascending input does not allocate per row */
        uint8_t *dst = s->buf;
        if (!dst || x->u.s.n > s->cap) {
            size_t nc = x->u.s.n < 16 ? 16 : x->u.s.n * 2;
            if (!(dst = arena_try_alloc(r->state, nc)))
                return agg_oom(ctx);
            s->buf = dst;
            s->cap = nc;
        }
        if (x->u.s.n)
            memmove(dst, x->u.s.p, x->u.s.n);
        s->v = *x;
        s->v.u.s.p = dst;
    } else {
        s->v = *x;
    }
    s->has = 1;
    return WEIR_OK;
}

/* JSON text of a to_json / to_jsonb result as an object key: strings as they are, other scalars quoted
 * (PostgreSQL turns a number or boolean key into its text). */
static int agg_json_key(AggRun *r, ExecCtx *ctx, const AggRt *rt, StStr *s, const SqlValue *k)
{
    if (k->is_null)
        return sql_error_set(ctx->err, "22023", 0, "field name must not be null");
    SqlTypeId kt = rt->args[0]->n_args ? rt->args[0]->args[0]->type.id : SQL_TEXT;
    if (kt == SQL_JSON || kt == SQL_JSONB || SQL_IS_ARRAY(kt) || kt == SQL_RECORD)
        return sql_error_set(ctx->err, "22023", 0, "key value must be scalar, not array, composite, or json");
    int quoted = k->u.s.n && k->u.s.p[0] == '"';
    if ((!quoted && agg_str_append(r, s, "\"", 1)) || agg_str_append(r, s, k->u.s.p, k->u.s.n) ||
        (!quoted && agg_str_append(r, s, "\"", 1)))
        return agg_oom(ctx);
    return WEIR_OK;
}

/* Fold one input (the aggregate's argument values v[0..n_args)) into state st. */
static int agg_step(AggRun *r, ExecCtx *ctx, const AggRt *rt, uint8_t *st, const SqlValue *v)
{
    const AggCall *c = rt->c;
    switch (c->fn) {
    case AGG_COUNT_STAR: ((StCount *)st)->n++; return WEIR_OK;
    case AGG_COUNT:
        if (!v[0].is_null)
            ((StCount *)st)->n++;
        return WEIR_OK;
    case AGG_ARRAY_AGG: {
        StStr *s = (StStr *)st;
        if (agg_str_append(r, s, s->has ? "," : "{", 1))
            return agg_oom(ctx);
        s->has = 1;
        return agg_array_elem(r, ctx, s, &v[0]);
    }
    case AGG_JSON_AGG:
    case AGG_JSONB_AGG: {
        StStr *s = (StStr *)st;
        /* json_agg puts a line break before each structured (array) element after the first */
        SqlTypeId et = rt->args[0]->n_args ? rt->args[0]->args[0]->type.id : SQL_JSON;
        const char *sep = s->has ? (c->fn == AGG_JSON_AGG && SQL_IS_ARRAY(et) && !v[0].is_null ? ", \n " : ", ") : "[";
        if (agg_str_append(r, s, sep, strlen(sep)) ||
            (v[0].is_null ? agg_str_append(r, s, "null", 4) : agg_str_append(r, s, v[0].u.s.p, v[0].u.s.n)))
            return agg_oom(ctx);
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_JSON_OBJECT_AGG:
    case AGG_JSONB_OBJECT_AGG: {
        StStr *s = (StStr *)st;
        int jb = c->fn == AGG_JSONB_OBJECT_AGG;
        const char *sep = s->has ? ", " : (jb ? "{" : "{ ");
        if (agg_str_append(r, s, sep, strlen(sep)))
            return agg_oom(ctx);
        if (agg_json_key(r, ctx, rt, s, &v[0]))
            return WEIR_ERROR;
        const char *colon = jb ? ": " : " : ";
        if (agg_str_append(r, s, colon, strlen(colon)) ||
            (v[1].is_null ? agg_str_append(r, s, "null", 4) : agg_str_append(r, s, v[1].u.s.p, v[1].u.s.n)))
            return agg_oom(ctx);
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_STRING_AGG: {
        if (v[0].is_null)
            return WEIR_OK;
        StStr *s = (StStr *)st;
        /* the delimiter of each row goes before its value; the first row's is not used */
        if ((s->has && !v[1].is_null && agg_str_append(r, s, v[1].u.s.p, v[1].u.s.n)) ||
            agg_str_append(r, s, v[0].u.s.p, v[0].u.s.n))
            return agg_oom(ctx);
        s->has = 1;
        return WEIR_OK;
    }
    default: break;
    }
    if (v[0].is_null)
        return WEIR_OK; /* the rest are strict */
    switch (c->fn) {
    case AGG_SUM_INT: {
        StSumInt *s = (StSumInt *)st;
        if (__builtin_add_overflow(s->sum, v[0].u.i, &s->sum))
            return sql_error_set(ctx->err, "22003", 0, "bigint out of range");
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT: sql_numeric_agg_add_int(&((StNum *)st)->a, v[0].u.i); return WEIR_OK;
    case AGG_SUM_NUMERIC:
    case AGG_AVG_NUMERIC: return sql_numeric_agg_add(&((StNum *)st)->a, &v[0].u.num, ctx->err);
    case AGG_SUM_FLOAT: {
        StFloat *s = (StFloat *)st;
        double x = v[0].u.f, sum;
        if (c->type.id == SQL_FLOAT4)
            sum = (double)((float)s->sx + (float)x); /* float4pl: single-precision steps */
        else
            sum = s->sx + x;
        if (isinf(sum) && !isinf(s->sx) && !isinf(x))
            return agg_overflow(ctx);
        s->sx = sum;
        s->n++;
        return WEIR_OK;
    }
    case AGG_AVG_FLOAT:
    case AGG_VAR_SAMP:
    case AGG_VAR_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV_POP:
        if (rt->vin == VIN_FLOAT || c->fn == AGG_AVG_FLOAT)
            return agg_float_accum((StFloat *)st, v[0].u.f, ctx);
        if (rt->vin == VIN_INT)
            return agg_var_add((StVar *)st, v[0].u.i, 0, ctx);
        if (v[0].u.num.kind != SQL_NUM_FINITE) {
            ((StVar *)st)->special = 1;
            ((StVar *)st)->n++;
            return WEIR_OK;
        }
        return agg_var_add((StVar *)st, v[0].u.num.v, v[0].u.num.scale, ctx);
    case AGG_MIN:
    case AGG_MAX: return agg_ext_step(r, ctx, c->fn == AGG_MAX, (StExt *)st, &v[0]);
    case AGG_BOOL_AND: {
        StBool *s = (StBool *)st;
        s->b = s->has ? (uint8_t)(s->b && v[0].u.b) : v[0].u.b;
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_BOOL_OR: {
        StBool *s = (StBool *)st;
        s->b = s->has ? (uint8_t)(s->b || v[0].u.b) : v[0].u.b;
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR: {
        StBits *s = (StBits *)st;
        int64_t x = v[0].u.i;
        if (!s->has)
            s->v = x;
        else
            s->v = c->fn == AGG_BIT_AND ? (s->v & x) : c->fn == AGG_BIT_OR ? (s->v | x) : (s->v ^ x);
        s->has = 1;
        return WEIR_OK;
    }
    case AGG_SUM_INTERVAL:
    case AGG_AVG_INTERVAL: {
        StIv *s = (StIv *)st;
        if (s->n == 0)
            s->sum = v[0].u.iv;
        else if (sql_interval_add(&s->sum, &v[0].u.iv, &s->sum, ctx->err))
            return WEIR_ERROR;
        s->n++;
        return WEIR_OK;
    }
    default: return WEIR_OK; /* ordered-set aggregates are computed from their sorted rows */
    }
}

/* ------------------------------------------------------------------------------------------------
 * Numeric variance (PostgreSQL's numeric_stddev_internal, exactly)
 * ---------------------------------------------------------------------------------------------- */

/* PostgreSQL's NBASE (10000) weight and first digit of x / 10^scale, x > 0. */
static void agg_nbase_weight(const U256 *x, int scale, int *weight, int *first)
{
    int e = u256_digits(*x) - 1 - scale; /* decimal exponent of the leading digit */
    int w = e >= 0 ? e / 4 : -((-e + 3) / 4);
    int k = scale + 4 * w; /* first = floor(x / 10^k) */
    U256 q = *x, rem;
    int ovf = 0;
    if (k > 0) {
        U256 p = u256_pow10(k, &ovf);
        q = u256_divmod(*x, &p, &rem);
    } else if (k < 0) {
        q = u256_mul_pow10(*x, -k, &ovf);
    }
    *weight = w;
    *first = (int)q.w[0];
}

/* var_samp/var_pop/stddev_samp/stddev_pop over integers or numeric: (N * s2 - s1^2) / (N * (N - 1))
 * at select_div_scale's scale, rounded half away from zero; stddev is its square root at that scale. */
static int agg_var_numeric(ExecCtx *ctx, AggFn fn, const StVar *s, SqlValue *out)
{
    int sample = fn == AGG_VAR_SAMP || fn == AGG_STDDEV_SAMP;
    if (s->n == 0 || (sample && s->n <= 1)) {
        out->is_null = 1;
        return WEIR_OK;
    }
    if (s->special) {
        out->u.num = sql_numeric_special(SQL_NUM_NAN);
        return WEIR_OK;
    }
    int ovf = 0;
    U256 n = u256_from_u64((uint64_t)s->n);
    U256 a1 = u256_is_neg(&s->s1) ? u256_neg(s->s1) : s->s1;
    U256 sq1 = u256_mul(&a1, &a1, &ovf);
    U256 ns2 = u256_mul(&n, &s->s2, &ovf);
    if (ovf || u256_is_neg(&sq1) || u256_is_neg(&ns2))
        return sql_error_set(ctx->err, "22003", 0, "value overflows numeric format");
    if (u256_cmp(&ns2, &sq1) <= 0) {
        out->u.num = sql_numeric_make(0, 0); /* PostgreSQL returns a plain 0 here */
        return WEIR_OK;
    }
    U256 num = u256_sub(ns2, sq1); /* at scale 2 * s->scale */
    unsigned __int128 dn = (unsigned __int128)(uint64_t)s->n * (uint64_t)(sample ? s->n - 1 : s->n);
    U256 den = {{(uint64_t)dn, (uint64_t)(dn >> 64), 0, 0}};
    int nscale = 2 * s->scale;
    int w1, f1, w2, f2;
    agg_nbase_weight(&num, nscale, &w1, &f1);
    agg_nbase_weight(&den, 0, &w2, &f2);
    int qweight = w1 - w2 - (f1 <= f2);
    int rscale = 16 - qweight * 4;
    if (rscale < nscale)
        rscale = nscale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > SQL_NUMERIC_MAX_DIGITS)
        return sql_error_set(ctx->err, "22003", 0, "value overflows numeric format");
    U256 t = u256_mul_pow10(num, rscale - nscale, &ovf), rem;
    U256 q = u256_divmod(t, &den, &rem);
    U256 rem2 = u256_shl1(rem);
    if (u256_cmp(&rem2, &den) >= 0)
        q = u256_add(q, u256_from_u64(1));
    if (fn == AGG_STDDEV_SAMP || fn == AGG_STDDEV_POP) {
        U256 x = u256_mul_pow10(q, rscale, &ovf), r2;
        q = u256_isqrt(x, &r2);
        if (u256_cmp(&r2, &q) > 0) /* round: x > q^2 + q means sqrt(x) > q + 1/2 */
            q = u256_add(q, u256_from_u64(1));
    }
    U256 lim = u256_pow10(SQL_NUMERIC_MAX_DIGITS, &ovf);
    if (ovf || u256_cmp(&q, &lim) >= 0)
        return sql_error_set(ctx->err, "22003", 0, "value overflows numeric format");
    __int128 v = (__int128)((unsigned __int128)q.w[1] << 64 | q.w[0]);
    out->u.num = sql_numeric_make(v, rscale);
    return WEIR_OK;
}

static int agg_var_float(AggFn fn, const StFloat *s, SqlValue *out)
{
    int sample = fn == AGG_VAR_SAMP || fn == AGG_STDDEV_SAMP;
    if (s->n == 0 || (sample && s->n <= 1)) {
        out->is_null = 1;
        return WEIR_OK;
    }
    double v = s->sxx / (sample ? (double)s->n - 1.0 : (double)s->n);
    out->u.f = fn == AGG_STDDEV_SAMP || fn == AGG_STDDEV_POP ? sqrt(v) : v;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Buffered aggregates: DISTINCT, ORDER BY inside the call, WITHIN GROUP
 * ---------------------------------------------------------------------------------------------- */

static int agg_is_oset(AggFn fn)
{
    return fn == AGG_PERCENTILE_CONT || fn == AGG_PERCENTILE_DISC || fn == AGG_MODE;
}

/* Aggregates whose step ignores a row with a NULL first argument: such rows need not be kept. */
static int agg_skips_null(AggFn fn)
{
    return fn != AGG_COUNT_STAR && fn != AGG_ARRAY_AGG && fn != AGG_JSON_AGG && fn != AGG_JSONB_AGG && fn != AGG_JSON_OBJECT_AGG &&
           fn != AGG_JSONB_OBJECT_AGG;
}

/* Whether an aggregate's result is the same in any input order (so DISTINCT needs no sort): counts,
 * exact sums, extremes, booleans and bits; not floats (rounding follows the order), text, arrays or
 * JSON. */
static int agg_order_free(AggFn fn, int vin)
{
    switch (fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT:
    case AGG_SUM_INT:
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT:
    case AGG_SUM_NUMERIC:
    case AGG_AVG_NUMERIC:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR: return 1;
    case AGG_VAR_SAMP:
    case AGG_VAR_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV_POP: return vin != VIN_FLOAT;
    default: return 0;
    }
}

static int agg_tuple_args_equal(const AggRt *rt, const AggTuple *a, const AggTuple *b)
{
    for (uint32_t i = 0; i < rt->n_args; i++) {
        const SqlValue *x = &a->v[i], *y = &b->v[i];
        if (x->is_null || y->is_null) {
            if (!(x->is_null && y->is_null))
                return 0;
            continue;
        }
        if (sql_value_cmp(x, y) != 0)
            return 0;
    }
    return 1;
}

static int agg_dset_grow(AggRt *rt, AggRun *r, ExecCtx *ctx)
{
    uint32_t ns = rt->n_dslots ? rt->n_dslots * 2 : 256;
    uint64_t *d = ns ? ARENA_NEW(r->state, uint64_t, ns) : NULL;
    if (!d)
        return agg_oom(ctx);
    for (uint32_t t = 0; t < rt->n_tuples; t++) {
        uint64_t h = rt->tuples[t]->hash;
        uint32_t i = (uint32_t)h & (ns - 1);
        while (d[i])
            i = (i + 1) & (ns - 1);
        d[i] = (h >> 32) << 32 | (uint64_t)(t + 1);
    }
    rt->dset = d;
    rt->n_dslots = ns;
    return WEIR_OK;
}

/* Keep row i (values of cols[0..width)) for group g. DISTINCT drops a row equal to a kept one. */
static int agg_keep_row(AggRun *r, ExecCtx *ctx, AggRt *rt, uint8_t *row, Vec *const *cols, uint32_t i)
{
    /* DISTINCT builds the row in the scratch tuple first, so a duplicate costs no memory */
    size_t sz = sizeof(AggTuple) + rt->width * sizeof(SqlValue);
    AggTuple *t = rt->c->distinct ? rt->scratch : arena_try_alloc(r->state, sz);
    if (!t)
        return agg_oom(ctx);
    uint32_t g;
    memcpy(&g, row + 8, 4);
    t->group = g;
    t->seq = rt->n_tuples;
    for (uint32_t c = 0; c < rt->width; c++)
        vec_get(cols[c], i, &t->v[c]);
    if (rt->c->distinct) {
        uint64_t h = agg_fmix(g + 0x9e3779b97f4a7c15ull);
        for (uint32_t c = 0; c < rt->n_args; c++)
            h = agg_fmix(h ^ agg_hash_value(&t->v[c]));
        t->hash = h;
        if ((rt->n_tuples + 1) * 2 > rt->n_dslots && agg_dset_grow(rt, r, ctx))
            return WEIR_ERROR;
        uint32_t mask = rt->n_dslots - 1, s = (uint32_t)h & mask;
        for (uint64_t e; (e = rt->dset[s]) != 0; s = (s + 1) & mask) {
            if (e >> 32 != h >> 32)
                continue;
            const AggTuple *o = rt->tuples[(uint32_t)e - 1];
            if (o->hash == h && o->group == g && agg_tuple_args_equal(rt, o, t))
                return WEIR_OK; /* a duplicate */
        }
        rt->dset[s] = (h >> 32) << 32 | (uint64_t)(rt->n_tuples + 1);
        AggTuple *kept = arena_try_alloc(r->state, sz);
        if (!kept)
            return agg_oom(ctx);
        memcpy(kept, t, sz);
        t = kept;
    }
    for (uint32_t c = 0; c < rt->width; c++)
        if (sql_value_keep(r->state, &t->v[c]))
            return agg_oom(ctx);
    /* order-insensitive DISTINCT aggregates fold each new value at once: no sort at the end */
    if (rt->fold_now && agg_step(r, ctx, rt, row + rt->off, t->v))
        return WEIR_ERROR;
    if (rt->n_tuples == rt->cap_tuples) {
        uint32_t nc = rt->cap_tuples ? rt->cap_tuples * 2 : 256;
        AggTuple **nt = nc > rt->cap_tuples ? ARENA_NEW(r->state, AggTuple *, nc) : NULL;
        if (!nt)
            return agg_oom(ctx);
        if (rt->n_tuples)
            memcpy(nt, rt->tuples, rt->n_tuples * sizeof(*nt));
        rt->tuples = nt;
        rt->cap_tuples = nc;
    }
    rt->tuples[rt->n_tuples++] = t;
    return WEIR_OK;
}

/* NULLs ordered as SQL's ORDER BY: last ascending, first descending, unless said otherwise. */
static int agg_cmp_key(const SqlValue *a, const SqlValue *b, int desc, int nulls_first)
{
    if (a->is_null || b->is_null) {
        if (a->is_null && b->is_null)
            return 0;
        return a->is_null ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1);
    }
    int c = sql_value_cmp(a, b);
    return desc ? -c : c;
}

static int agg_tuple_cmp(const void *pa, const void *pb, void *arg)
{
    const AggRt *rt = arg;
    const AggTuple *a = *(AggTuple *const *)pa, *b = *(AggTuple *const *)pb;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    const AggCall *c = rt->c;
    for (uint32_t k = 0; k < c->n_order; k++) {
        uint32_t col = rt->ord_col[k];
        int r = agg_cmp_key(&a->v[col], &b->v[col], c->order_desc[k], c->order_nulls_first[k]);
        if (r)
            return r;
    }
    if (c->distinct) /* DISTINCT without ORDER BY sorts by the arguments, as PostgreSQL's sort does */
        for (uint32_t i = 0; i < rt->n_args; i++) {
            int r = agg_cmp_key(&a->v[i], &b->v[i], 0, 0);
            if (r)
                return r;
        }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The fraction(s) of an ordered-set aggregate: one float8, or the elements of a float8[] text form. */
static int agg_fractions(ExecCtx *ctx, Arena *a, const SqlValue *d, double **out, uint8_t **nulls, uint32_t *n)
{
    if (!SQL_IS_ARRAY(d->type.id)) {
        *out = ARENA_NEW(a, double, 1);
        *nulls = arena_try_calloc(a, 1);
        if (!*out || !*nulls)
            return agg_oom(ctx);
        (*out)[0] = d->u.f;
        *n = 1;
        return WEIR_OK;
    }
    const char *p = (const char *)d->u.s.p, *e = p + d->u.s.n;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n'))
        p++;
    if (p == e || *p != '{')
        return sql_error_set(ctx->err, "22P02", 0, "malformed array literal: \"%.*s\"", (int)d->u.s.n, (const char *)d->u.s.p);
    p++;
    uint32_t cap = 1;
    for (const char *q = p; q < e; q++)
        cap += *q == ',';
    *out = ARENA_NEW(a, double, cap);
    *nulls = arena_try_calloc(a, cap);
    if (!*out || !*nulls)
        return agg_oom(ctx);
    *n = 0;
    while (p < e) {
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n'))
            p++;
        if (p < e && *p == '}' && *n == 0)
            return WEIR_OK; /* '{}' */
        if (p < e && *p == '{')
            return sql_error_set(ctx->err, "0A000", 0, "multidimensional percentile arrays are not supported");
        const char *s = p;
        while (p < e && *p != ',' && *p != '}')
            p++;
        const char *t = p;
        while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '"'))
            t--;
        if (s < t && *s == '"')
            s++;
        SqlValue v;
        if (t - s == 4 && strncasecmp(s, "null", 4) == 0) {
            (*nulls)[*n] = 1;
        } else if (sql_value_from_text(SQL_TYPE(SQL_FLOAT8), s, (size_t)(t - s), ctx->fmt, a, &v, ctx->err)) {
            return WEIR_ERROR;
        } else {
            (*out)[*n] = v.u.f;
        }
        (*n)++;
        if (p < e && *p == '}')
            return WEIR_OK;
        p++;
    }
    return sql_error_set(ctx->err, "22P02", 0, "malformed array literal: \"%.*s\"", (int)d->u.s.n, (const char *)d->u.s.p);
}

static int agg_check_fraction(ExecCtx *ctx, double p)
{
    if (p < 0 || p > 1 || isnan(p))
        return sql_error_set(ctx->err, "22003", 0, "percentile value %g is not between 0 and 1", p);
    return WEIR_OK;
}

/* One percentile over the sorted non-NULL values vals[0..n), n > 0. */
static int agg_percentile_one(ExecCtx *ctx, AggFn fn, const SqlValue *const *vals, uint32_t n, double p,
                              SqlValue *out)
{
    if (fn == AGG_PERCENTILE_DISC) {
        int64_t rownum = (int64_t)ceil(p * (double)n);
        *out = *vals[rownum > 1 ? rownum - 1 : 0];
        return WEIR_OK;
    }
    double pos = p * (double)(n - 1);
    uint32_t lo = (uint32_t)floor(pos), hi = (uint32_t)ceil(pos);
    *out = *vals[lo];
    if (lo == hi)
        return WEIR_OK;
    double prop = pos - lo;
    const SqlValue *a = vals[lo], *b = vals[hi];
    if (a->type.id == SQL_INTERVAL) {
        SqlInterval d, m;
        if (sql_interval_sub(&b->u.iv, &a->u.iv, &d, ctx->err) || sql_interval_mul(&d, prop, &m, ctx->err) ||
            sql_interval_add(&a->u.iv, &m, &out->u.iv, ctx->err))
            return WEIR_ERROR;
    } else {
        out->u.f = a->u.f + (b->u.f - a->u.f) * prop;
    }
    return WEIR_OK;
}

/* The result of an ordered-set aggregate over one group's sorted rows ts[0..n). */
static int agg_oset_final(AggRun *r, ExecCtx *ctx, AggRt *rt, StOset *s, AggTuple **ts, uint32_t n)
{
    const AggCall *c = rt->c;
    s->result.is_null = 1;
    s->result.type = c->type;
    /* NULL values take no part */
    const SqlValue **vals = ARENA_NEW(r->state, const SqlValue *, n ? n : 1);
    if (!vals)
        return agg_oom(ctx);
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++)
        if (!ts[i]->v[0].is_null)
            vals[m++] = &ts[i]->v[0];
    if (c->fn == AGG_MODE) {
        uint32_t best = 0, best_n = 0;
        for (uint32_t i = 0; i < m;) {
            uint32_t j = i + 1;
            while (j < m && sql_value_cmp(vals[j], vals[i]) == 0)
                j++;
            if (j - i > best_n)
                best = i, best_n = j - i;
            i = j;
        }
        if (m)
            s->result = *vals[best];
        s->result.type = c->type;
        return WEIR_OK;
    }
    const SqlValue *d = rt->direct_const ? &rt->direct_value : &s->direct;
    if (!rt->direct_const && !s->has_direct)
        d = NULL;
    int multi = SQL_IS_ARRAY(c->type.id);
    if (multi && m == 0)
        return WEIR_OK; /* the array forms check rows first */
    if (!d || d->is_null)
        return WEIR_OK;
    double *ps = NULL;
    uint8_t *pn = NULL;
    uint32_t np = 0;
    if (agg_fractions(ctx, r->state, d, &ps, &pn, &np))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < np; i++)
        if (!pn[i] && agg_check_fraction(ctx, ps[i]))
            return WEIR_ERROR;
    if (m == 0)
        return WEIR_OK;
    if (!multi) {
        if (agg_percentile_one(ctx, c->fn, vals, m, ps[0], &s->result))
            return WEIR_ERROR;
        s->result.type = c->type;
        s->result.is_null = 0;
        return WEIR_OK;
    }
    StStr txt = {0};
    if (agg_str_append(r, &txt, "{", 1))
        return agg_oom(ctx);
    for (uint32_t i = 0; i < np; i++) {
        SqlValue e;
        memset(&e, 0, sizeof(e));
        e.is_null = 1;
        if (!pn[i] && agg_percentile_one(ctx, c->fn, vals, m, ps[i], &e))
            return WEIR_ERROR;
        e.type = SQL_TYPE(SQL_ELEM_OF(c->type.id));
        if ((i && agg_str_append(r, &txt, ",", 1)) || agg_array_elem(r, ctx, &txt, &e))
            return agg_oom(ctx);
    }
    if (agg_str_append(r, &txt, "}", 1))
        return agg_oom(ctx);
    memset(&s->result, 0, sizeof(s->result));
    s->result.type = c->type;
    s->result.u.s = (Slice){txt.p, txt.n};
    return WEIR_OK;
}

/* After the drain: sort each buffered aggregate's rows and fold them group by group. */
static int agg_finish_buffered(AggRun *r, ExecCtx *ctx)
{
    for (uint32_t a = 0; a < r->n_aggs; a++) {
        AggRt *rt = &r->rt[a];
        if (!rt->buffered || rt->fold_now)
            continue;
        if (rt->n_tuples > 1)
            qsort_r(rt->tuples, rt->n_tuples, sizeof(*rt->tuples), agg_tuple_cmp, rt);
        int oset = agg_is_oset(rt->c->fn);
        uint32_t t = 0;
        for (uint32_t g = 0; g < r->n_groups; g++) {
            uint32_t from = t;
            while (t < rt->n_tuples && rt->tuples[t]->group == g)
                t++;
            uint8_t *st = agg_row(r, g) + rt->off;
            if (oset) {
                if (agg_oset_final(r, ctx, rt, (StOset *)st, rt->tuples + from, t - from))
                    return WEIR_ERROR;
                continue;
            }
            for (uint32_t i = from; i < t; i++) {
                if (rt->c->distinct && i > from && agg_tuple_args_equal(rt, rt->tuples[i - 1], rt->tuples[i]))
                    continue;
                if (agg_step(r, ctx, rt, st, rt->tuples[i]->v))
                    return WEIR_ERROR;
            }
        }
        if (exec_check_cancel(ctx))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Consuming a batch
 * ---------------------------------------------------------------------------------------------- */

static int agg_expr_has_col(const Expr *e)
{
    if (e->kind == EXPR_COL || e->kind == EXPR_SUBLINK)
        return 1;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (agg_expr_has_col(e->args[i]))
            return 1;
    return 0;
}

/* Touch the slots of rows from..to, and (agg_touch_rows) the group rows their slots name. Plain loads,
 * not __builtin_prefetch: on the benchmark machine (a VM on AMD EPYC) prefetch instructions made no
 * measurable difference, while independent loads overlap their misses in the out-of-order window. The
 * sum only keeps the loads from being optimised away. */
static void agg_touch_slots(AggRun *r, const uint64_t *h, uint32_t from, uint32_t to)
{
    uint32_t mask = r->n_slots - 1;
    uint64_t acc = 0;
    for (uint32_t i = from; i < to; i++)
        acc += r->ht[h[i] & mask];
    r->touch += acc;
}

static void agg_touch_rows(AggRun *r, const uint64_t *h, uint32_t from, uint32_t to)
{
    uint32_t mask = r->n_slots - 1;
    uint64_t acc = 0;
    for (uint32_t i = from; i < to; i++) {
        uint64_t e = r->ht[h[i] & mask];
        if (e)
            acc += agg_row(r, (uint32_t)e - 1)[12];
    }
    r->touch += acc;
}

/* The group row of every row of the batch into r->rowp (one probe per row). */
static int agg_find_groups(AggRun *r, ExecCtx *ctx, const Vec *keys, uint32_t n, Vec *direct)
{
    uint64_t *h = r->hashes;
    for (uint32_t i = 0; i < n; i++)
        h[i] = 0x2545f4914f6cdd1dull;
    for (uint32_t k = 0; k < r->n_keys; k++)
        agg_hash_column(&keys[k], n, h);
    for (uint32_t i = 0; i < n; i++)
        h[i] = agg_fmix(h[i]);
    /* A table beyond the caches makes the probe memory-bound (a slot and a group row missing the cache
     * per input row). The probes run in windows of 256 rows, pipelined: while window w is probed, the
     * group rows named by window w+1's slots and the slots of window w+2 are touched. Those loads do not
     * depend on each other, so their misses overlap instead of being waited for one by one (measured on
     * the top-10 benchmark: the aggregation's own time 1.2 s -> 0.7 s for 10 M rows, 1 M groups). */
    int pf = r->n_groups > 4096;
    enum { PW = 256 };
    if (pf) {
        agg_touch_slots(r, h, 0, PW < n ? PW : n);
        agg_touch_slots(r, h, PW, 2 * PW < n ? 2 * PW : n);
        agg_touch_rows(r, h, 0, PW < n ? PW : n);
    }
    for (uint32_t i = 0; i < n; i++) {
        if (pf && i % PW == 0) {
            agg_touch_slots(r, h, i + 2 * PW, i + 3 * PW < n ? i + 3 * PW : n);
            agg_touch_rows(r, h, i + PW, i + 2 * PW < n ? i + 2 * PW : n);
        }
        if ((r->n_groups + 1) * 2 > r->n_slots && agg_grow_table(r, ctx))
            return WEIR_ERROR;
        uint32_t mask = r->n_slots - 1;
        uint64_t tag = h[i] >> 32;
        uint32_t s = (uint32_t)h[i] & mask;
        uint8_t *row = NULL;
        for (;;) {
            uint64_t e = r->ht[s];
            if (!e)
                break;
            if (e >> 32 == tag) {
                uint8_t *cand = agg_row(r, (uint32_t)e - 1);
                if (agg_key_equal(r, cand, keys, i)) {
                    row = cand;
                    break;
                }
            }
            s = (s + 1) & mask;
        }
        if (!row) {
            if (!(row = agg_new_group(r, h[i], keys, i)))
                return agg_oom(ctx);
            r->ht[s] = tag << 32 | r->n_groups;
            /* ordered-set fractions that depend on grouped columns: any row of the group gives them */
            for (uint32_t a = 0; a < r->n_aggs; a++) {
                AggRt *rt = &r->rt[a];
                if (!rt->c->direct || rt->direct_const)
                    continue;
                StOset *os = ST(row, rt, StOset);
                vec_get(&direct[a], i, &os->direct);
                if (sql_value_keep(r->state, &os->direct))
                    return agg_oom(ctx);
                os->has_direct = 1;
            }
        }
        r->rowp[i] = row;
    }
    return WEIR_OK;
}

/* Fold the batch's rows sel[0..m) into aggregate rt (vectorized loops for the common functions). */
static int agg_fold(AggRun *r, ExecCtx *ctx, AggRt *rt, Vec *args, const uint32_t *sel, uint32_t m)
{
    const AggCall *c = rt->c;
    uint8_t **rowp = r->rowp;
    uint32_t off = rt->off;
    const Vec *x = rt->n_args ? &args[0] : NULL;
    int nulls = x && x->nulls;
    switch (c->fn) {
    case AGG_COUNT_STAR:
        if (r->n_keys == 0) {
            ((StCount *)(rowp[0] + off))->n += m;
            return WEIR_OK;
        }
        for (uint32_t k = 0; k < m; k++)
            ((StCount *)(rowp[sel[k]] + off))->n++;
        return WEIR_OK;
    case AGG_COUNT:
        if (r->n_keys == 0 && !nulls) {
            ((StCount *)(rowp[0] + off))->n += m;
            return WEIR_OK;
        }
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            ((StCount *)(rowp[i] + off))->n += !vec_is_null(x, i);
        }
        return WEIR_OK;
    case AGG_SUM_INT:
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            if (nulls && vec_is_null(x, i))
                continue;
            StSumInt *s = (StSumInt *)(rowp[i] + off);
            if (__builtin_add_overflow(s->sum, x->u.i[i], &s->sum))
                return sql_error_set(ctx->err, "22003", 0, "bigint out of range");
            s->has = 1;
        }
        return WEIR_OK;
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT:
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            if (nulls && vec_is_null(x, i))
                continue;
            sql_numeric_agg_add_int(&((StNum *)(rowp[i] + off))->a, x->u.i[i]);
        }
        return WEIR_OK;
    case AGG_SUM_FLOAT:
        if (c->type.id == SQL_FLOAT4)
            break;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            if (nulls && vec_is_null(x, i))
                continue;
            StFloat *s = (StFloat *)(rowp[i] + off);
            double sum = s->sx + x->u.f[i];
            if (isinf(sum) && !isinf(s->sx) && !isinf(x->u.f[i]))
                return agg_overflow(ctx);
            s->sx = sum;
            s->n++;
        }
        return WEIR_OK;
    case AGG_MIN:
    case AGG_MAX:
        if (sql_type_phys(x->type.id) != SQL_PHYS_INT)
            break;
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            if (nulls && vec_is_null(x, i))
                continue;
            StExt *s = (StExt *)(rowp[i] + off);
            int64_t v = x->u.i[i];
            if (!s->has || (c->fn == AGG_MAX ? v > s->v.u.i : v < s->v.u.i)) {
                s->v.u.i = v;
                s->v.type = x->type;
                s->has = 1;
            }
        }
        return WEIR_OK;
    default: break;
    }
    /* the generic step (its functions take at most two arguments; more are DISTINCT row fields) */
    SqlValue v[2];
    memset(v, 0, sizeof(v));
    for (uint32_t k = 0; k < m; k++) {
        uint32_t i = sel[k];
        for (uint32_t j = 0; j < rt->n_args && j < 2; j++)
            vec_get(&args[j], i, &v[j]);
        if (agg_step(r, ctx, rt, rowp[i] + off, v))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Whether one more batch of n rows with these keys surely fits r's state arena: the group chunks and
 * hash tables it could add, and copies of its string keys (with slack for block rounding). Only for
 * partial aggregation, whose aggregates allocate nothing else (agg_par_eligible). */
static int agg_has_room(const AggRun *r, const Vec *keys, uint32_t n)
{
    if (r->n_keys == 0)
        return 1; /* the one group, a few bytes, made at the first batch */
    size_t need = (size_t)1 << 20;
    uint64_t cap = ((uint64_t)GROUP_CHUNK_ROWS << r->n_chunks) - GROUP_CHUNK_ROWS;
    for (uint32_t c = r->n_chunks; r->n_groups + (uint64_t)n > cap && c < 32; c++) {
        need += (size_t)r->row_size * ((size_t)GROUP_CHUNK_ROWS << c) + 64;
        cap += (uint64_t)GROUP_CHUNK_ROWS << c;
    }
    for (uint64_t ns = r->n_slots; (r->n_groups + (uint64_t)n + 1) * 2 > ns; ns *= 2)
        need += (size_t)ns * 2 * sizeof(uint64_t);
    for (uint32_t k = 0; k < r->n_keys; k++) {
        if (r->key_kind[k] == KEY_INT)
            continue;
        SqlPhys ph = sql_type_phys(keys[k].type.id);
        if (ph == SQL_PHYS_STR || ph == SQL_PHYS_NONE)
            for (uint32_t i = 0; i < n; i++)
                need += keys[k].u.s[i].n + 16;
    }
    need += need / 8;
    size_t budget = arena_budget(r->state), used = arena_used(r->state);
    return used < budget && budget - used > need;
}

/* Fold the rows of `in` into r. ec: the expression context (its arena is the batch's scratch, its
 * error the same as ctx's). check_room (partial aggregation): return SCAN_SINK_FULL, having changed
 * nothing, when the batch might not fit r's memory. */
static int agg_consume(const AggSpec *sp, AggRun *r, ExecCtx *ctx, ExprCtx *ecp, const Batch *in, int check_room)
{
    ExprCtx ec = *ecp;
    Arena *scratch = ec.arena;
    uint32_t n = in->n;
    Vec *keys = ARENA_NEW(scratch, Vec, sp->n_keys + 1);
    Vec *direct = ARENA_NEW(scratch, Vec, sp->n_aggs + 1);
    if (!keys || !direct)
        return agg_oom(ctx);
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (expr_eval(&ec, sp->keys[k], in, n, &keys[k]))
            return WEIR_ERROR;
    if (check_room && !agg_has_room(r, keys, n))
        return SCAN_SINK_FULL;
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
        AggRt *rt = &r->rt[a];
        if (!rt->c->direct)
            continue;
        if (rt->direct_const) {
            if (!rt->direct_done) {
                Vec dv;
                if (expr_eval(&ec, rt->c->direct, NULL, 1, &dv))
                    return WEIR_ERROR;
                vec_get(&dv, 0, &rt->direct_value);
                if (sql_value_keep(r->state, &rt->direct_value))
                    return agg_oom(ctx);
                rt->direct_done = 1;
            }
        } else if (expr_eval(&ec, rt->c->direct, in, n, &direct[a])) {
            return WEIR_ERROR;
        }
    }
    if (sp->n_keys == 0) {
        if (r->n_groups == 0 && !agg_new_group(r, 0, NULL, 0))
            return agg_oom(ctx);
        for (uint32_t a = 0; a < sp->n_aggs && r->n_groups == 1; a++) {
            AggRt *rt = &r->rt[a];
            StOset *os = ST(agg_row(r, 0), rt, StOset);
            if (rt->c->direct && !rt->direct_const && !os->has_direct) {
                vec_get(&direct[a], 0, &os->direct);
                if (sql_value_keep(r->state, &os->direct))
                    return agg_oom(ctx);
                os->has_direct = 1;
            }
        }
        for (uint32_t i = 0; i < n; i++)
            r->rowp[i] = agg_row(r, 0);
    } else if (agg_find_groups(r, ctx, keys, n, direct)) {
        return WEIR_ERROR;
    }
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
        AggRt *rt = &r->rt[a];
        const AggCall *c = rt->c;
        const uint32_t *sel = r->ident;
        uint32_t m = n;
        if (c->filter) {
            Vec f;
            if (expr_eval(&ec, c->filter, in, n, &f))
                return WEIR_ERROR;
            m = 0;
            for (uint32_t i = 0; i < n; i++)
                if (!vec_is_null(&f, i) && f.u.b[i])
                    r->sel[m++] = i;
            sel = r->sel;
        }
        if (m == 0)
            continue;
        Vec *args = ARENA_NEW(scratch, Vec, rt->width + 1);
        Vec **cols = ARENA_NEW(scratch, Vec *, rt->width + 1);
        if (!args || !cols)
            return agg_oom(ctx);
        for (uint32_t j = 0; j < rt->n_args; j++)
            if (expr_eval(&ec, rt->args[j], in, n, &args[j]))
                return WEIR_ERROR;
        if (!rt->buffered) {
            if (agg_fold(r, ctx, rt, args, sel, m))
                return WEIR_ERROR;
            continue;
        }
        /* buffered: the tuple's columns are the arguments, then ORDER BY keys that are not arguments */
        uint32_t w = 0;
        for (uint32_t j = 0; j < rt->n_args; j++)
            cols[w++] = &args[j];
        for (uint32_t k = 0; k < c->n_order && w < rt->width; k++) {
            if (rt->ord_col[k] < rt->n_args)
                continue;
            if (expr_eval(&ec, c->order[k], in, n, &args[w]))
                return WEIR_ERROR;
            cols[w] = &args[w];
            w++;
        }
        int skip_null = agg_skips_null(c->fn);
        for (uint32_t k = 0; k < m; k++) {
            uint32_t i = sel[k];
            if (skip_null && rt->n_args && vec_is_null(&args[0], i))
                continue;
            if (agg_keep_row(r, ctx, rt, r->rowp[i], cols, i))
                return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}


/* ------------------------------------------------------------------------------------------------
 * Partial aggregation on the scan's worker threads
 *
 * When the input is a stream scan reading with W worker threads, each worker folds the batches it
 * decodes into a partial AggRun of its own (agg_par_consume, called by the scan on the worker's
 * thread through a ScanSink), so decoding and aggregation both run on every core and the batches never
 * wait in the scan's queue for the one consumer thread. After the scan is drained, the partial groups
 * are merged into the operator's own run, VEC_BATCH at a time through the ordinary probe
 * (agg_par_merge), and the states combined (agg_state_merge). Only aggregates whose partial states
 * combine exactly take part (agg_par_eligible): count, integer and numeric sum and avg (exact
 * arithmetic), min/max over integers and floats, bool_and/or, bit_and/or/xor; no DISTINCT, ORDER BY,
 * FILTER or ordered-set calls, no float sums (their rounding would depend on how rows were split), and
 * every key, argument and FILTER must be safe on a worker thread (no subqueries or outer references).
 *
 * Memory: arenas are single-threaded, so each partial has a standalone arena with a fixed budget,
 * reserved from the query arena before the workers are told (as the scan reserves its slots). A
 * worker checks before each batch that the batch surely fits (agg_has_room); when it may not, the
 * sink answers SCAN_SINK_FULL and the scan queues that worker's batches for the consumer from then on,
 * so a big GROUP BY degrades to the serial path instead of failing. Which rows a group saw and the
 * result never depend on the split; the order groups are emitted in does (as it already depends on
 * how the workers' batches interleave), and only ORDER BY fixes an order.
 * ---------------------------------------------------------------------------------------------- */

#define AGG_PAR_BUDGET_MAX ((size_t)256 << 20) /* largest partial arena */

static int agg_run_init(const AggSpec *sp, AggRun *r, ExecCtx *ctx);

typedef struct AggPar {
    const AggSpec *sp;
    ExecCtx ctx;      /* the query's, with err replaced per call */
    SqlFormatOpts fmt;
    ExprCtx ec;       /* template: no ExecCtx (nothing here may run subqueries), arena set per call */
    AggRun *runs;     /* one per worker */
    uint32_t n_runs;
    Arena *reserve;   /* child of the query arena charged with the partial arenas' budgets */
    Arena *home;      /* the arena this lives in: the operator's state arena when it started */
    ScanSink sink;
} AggPar;

static int agg_expr_par_safe(const Expr *e)
{
    if (!e)
        return 1;
    if (e->kind == EXPR_OUTER || e->kind == EXPR_SUBLINK || e->kind == EXPR_AGGREF || e->kind == EXPR_WINREF)
        return 0;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!agg_expr_par_safe(e->args[i]))
            return 0;
    return 1;
}

static int agg_par_eligible(const AggSpec *sp, const AggRun *r)
{
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (!agg_expr_par_safe(sp->keys[k]))
            return 0;
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
        const AggRt *rt = &r->rt[a];
        const AggCall *c = rt->c;
        if (rt->buffered || c->direct || c->filter || rt->n_args > 1)
            return 0;
        if (rt->n_args && !agg_expr_par_safe(rt->args[0]))
            return 0;
        /* exact in any order, so exact however the rows were split; agg_state_merge has no variances */
        if (!agg_order_free(c->fn, rt->vin) || c->fn == AGG_VAR_SAMP || c->fn == AGG_VAR_POP ||
            c->fn == AGG_STDDEV_SAMP || c->fn == AGG_STDDEV_POP)
            return 0;
        if (c->fn == AGG_MIN || c->fn == AGG_MAX) {
            /* values kept inline; a string min/max would allocate per batch */
            SqlPhys ph = sql_type_phys(rt->args[0]->type.id);
            if (ph != SQL_PHYS_INT && ph != SQL_PHYS_FLOAT)
                return 0;
        }
    }
    return 1;
}

/* ScanSink.consume: fold one batch into worker w's partial run (on the worker's thread). */
static int agg_par_consume(void *arg, uint32_t w, const Batch *b, Arena *scratch, SqlError *err)
{
    AggPar *p = arg;
    ExecCtx ctx = p->ctx;
    ctx.err = err;
    ExprCtx ec = p->ec;
    ec.arena = scratch;
    ec.err = err;
    return agg_consume(p->sp, &p->runs[w], &ctx, &ec, b, 1);
}

/* Start partial aggregation when the child is a scan with workers and every aggregate qualifies.
 * Not starting is never an error: the consumer then aggregates every batch, as always. */
static int agg_par_start(Op *op, AggRun *r, ExecCtx *ctx)
{
    const AggSpec *sp = op->spec;
    uint32_t n_w = op->child ? op_scan_parallel_workers(op->child) : 0;
    if (!n_w || !agg_par_eligible(sp, r))
        return WEIR_OK;
    /* each partial may take an equal share of what is left of the query's budget, up to a cap */
    size_t budget = arena_budget(ctx->arena), used = arena_used(ctx->arena);
    size_t left = budget > used ? budget - used : 0;
    size_t per = left / (2 * ((size_t)n_w + 1));
    if (per > AGG_PAR_BUDGET_MAX)
        per = AGG_PAR_BUDGET_MAX;
    if (per < ((size_t)4 << 20))
        return WEIR_OK;
    AggPar *p = arena_try_calloc(r->state, sizeof(*p));
    if (!p || !(p->runs = ARENA_NEW(r->state, AggRun, n_w)))
        return WEIR_OK;
    p->reserve = arena_create(ctx->arena, ARENA_UNLIMITED);
    if (!arena_try_alloc(p->reserve, per * n_w)) {
        arena_destroy(&p->reserve);
        return WEIR_OK;
    }
    r->par = p;
    p->home = r->state;
    p->sp = sp;
    p->ctx = *ctx;
    if (ctx->fmt) {
        p->fmt = *ctx->fmt;
        p->ctx.fmt = &p->fmt;
    }
    exec_expr_ctx(&p->ctx, NULL, &p->ec);
    p->ec.exec = NULL;
    p->ec.outer = NULL;
    for (uint32_t i = 0; i < n_w; i++) {
        AggRun *pr = &p->runs[i];
        p->n_runs = i + 1; /* agg_par_free frees what was made */
        if (!(pr->state = arena_create(NULL, per)) || agg_run_init(sp, pr, ctx))
            return agg_oom(ctx);
    }
    p->sink.consume = agg_par_consume;
    p->sink.arg = p;
    op_scan_set_sink(op->child, &p->sink);
    return WEIR_OK;
}

/* Free the partial runs. Only once the scan's workers have exited (after the drain, or at close,
 * which closes the scan first). */
static void agg_par_free(AggRun *r)
{
    AggPar *p = r->par;
    if (!p)
        return;
    Arena *home = NULL; /* when r took over a partial (agg_par_adopt), r's old arena, which holds p */
    for (uint32_t i = 0; i < p->n_runs; i++) {
        buf_fini(&p->runs[i].scratch);
        if (p->runs[i].state == p->home)
            home = p->home;
        else
            arena_destroy(&p->runs[i].state);
    }
    arena_destroy(&p->reserve);
    r->par = NULL;
    arena_destroy(&home);
}

/* Combine partial state src of aggregate rt into dst (agg_par_eligible's functions): counts and numeric
 * sums add up; for the others the partial's value folds in as one more input row (agg_step), so the
 * overflow checks and extremes are the serial path's own. */
static int agg_state_merge(AggRun *r, ExecCtx *ctx, const AggRt *rt, uint8_t *dst, const uint8_t *src)
{
    SqlValue v;
    int has;
    memset(&v, 0, sizeof(v));
    switch (rt->c->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: ((StCount *)dst)->n += ((const StCount *)src)->n; return WEIR_OK;
    case AGG_SUM_BIGINT:
    case AGG_AVG_INT:
    case AGG_SUM_NUMERIC:
    case AGG_AVG_NUMERIC: return sql_numeric_agg_merge(&((StNum *)dst)->a, &((const StNum *)src)->a, ctx->err);
    case AGG_SUM_INT:
        has = ((const StSumInt *)src)->has;
        v.u.i = ((const StSumInt *)src)->sum;
        break;
    case AGG_MIN:
    case AGG_MAX:
        has = ((const StExt *)src)->has;
        if (has)
            v = ((const StExt *)src)->v;
        break;
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        has = ((const StBool *)src)->has;
        v.u.b = ((const StBool *)src)->b;
        break;
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR:
        has = ((const StBits *)src)->has;
        v.u.i = ((const StBits *)src)->v;
        break;
    default: return sql_error_set(ctx->err, "XX000", 0, "internal error: aggregate %d has no partial merge", (int)rt->c->fn);
    }
    return has ? agg_step(r, ctx, rt, dst, &v) : WEIR_OK;
}

/* Let r take over the biggest partial run's groups when it has more than r's own, so that they need
 * not be merged one by one (with 1 M groups, half of the merge's time). r's own groups take that
 * partial's place, merged with the rest. The partial's standalone arena joins the query arena, with
 * no budget of its own, as r's was (the partials' reservation is given back first). */
static void agg_par_adopt(AggRun *r, ExecCtx *ctx)
{
    AggPar *p = r->par;
    uint32_t best = 0;
    for (uint32_t w = 1; w < p->n_runs; w++)
        if (p->runs[w].n_groups > p->runs[best].n_groups)
            best = w;
    if (!p->n_runs || p->runs[best].n_groups <= r->n_groups)
        return;
    arena_destroy(&p->reserve);
    if (arena_adopt(p->runs[best].state, ctx->arena, ARENA_UNLIMITED))
        return; /* no room to count it: merge as always */
    AggRun mine = *r;
    *r = p->runs[best];
    r->par = p;
    p->runs[best] = mine;
    p->runs[best].par = NULL;
}

/* Merge every partial run's groups into r (consumer thread, after the scan has been drained). */
static int agg_par_merge(Op *op, AggRun *r, ExecCtx *ctx)
{
    const AggSpec *sp = op->spec;
    agg_par_adopt(r, ctx);
    AggPar *p = r->par;
    Arena *a = op->batch_arena;
    for (uint32_t w = 0; w < p->n_runs; w++) {
        AggRun *pr = &p->runs[w];
        for (uint32_t g0 = 0; g0 < pr->n_groups; g0 += VEC_BATCH) {
            uint32_t n = pr->n_groups - g0 < VEC_BATCH ? pr->n_groups - g0 : VEC_BATCH;
            if (sp->n_keys == 0) {
                if (r->n_groups == 0 && !agg_new_group(r, 0, NULL, 0))
                    return agg_oom(ctx);
                for (uint32_t i = 0; i < n; i++)
                    r->rowp[i] = agg_row(r, 0);
            } else {
                /* the partial groups' keys as vectors, looked up (or added) as input rows would be */
                Vec *keys = ARENA_NEW(a, Vec, sp->n_keys);
                if (!keys)
                    return agg_oom(ctx);
                for (uint32_t k = 0; k < sp->n_keys; k++) {
                    if (vec_init(&keys[k], sp->keys[k]->type, a))
                        return agg_oom(ctx);
                    for (uint32_t i = 0; i < n; i++) {
                        SqlValue kv;
                        agg_row_key(pr, agg_row(pr, g0 + i), k, sp->keys[k]->type, &kv);
                        if (vec_put(&keys[k], i, &kv, a))
                            return agg_oom(ctx);
                    }
                }
                if (agg_find_groups(r, ctx, keys, n, NULL))
                    return WEIR_ERROR;
            }
            for (uint32_t i = 0; i < n; i++) {
                const uint8_t *src = agg_row(pr, g0 + i);
                for (uint32_t j = 0; j < r->n_aggs; j++)
                    if (agg_state_merge(r, ctx, &r->rt[j], r->rowp[i] + r->rt[j].off, src + r->rt[j].off))
                        return WEIR_ERROR;
            }
            arena_reset(a);
        }
    }
    agg_par_free(r);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Final values and the operator
 * ---------------------------------------------------------------------------------------------- */

/* The value of aggregate rt from state st into *out (strings in a or in the state arena). */
static int agg_final_value(ExecCtx *ctx, Arena *a, const AggRt *rt, const uint8_t *st, SqlValue *out_)
{
    const AggCall *c = rt->c;
    SqlValue out;
    memset(&out, 0, sizeof(out));
    out.type = c->type;
    switch (c->fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: out.u.i = ((const StCount *)st)->n; break;
    case AGG_SUM_INT:
        out.is_null = !((const StSumInt *)st)->has;
        out.u.i = ((const StSumInt *)st)->sum;
        break;
    case AGG_SUM_BIGINT:
    case AGG_SUM_NUMERIC: {
        const SqlNumericAgg *s = &((const StNum *)st)->a;
        out.is_null = s->n == 0;
        if (!out.is_null && sql_numeric_agg_sum(s, &out.u.num, ctx->err))
            return WEIR_ERROR;
        break;
    }
    case AGG_AVG_INT:
    case AGG_AVG_NUMERIC: {
        const SqlNumericAgg *s = &((const StNum *)st)->a;
        out.is_null = s->n == 0;
        if (!out.is_null && sql_numeric_agg_avg(s, &out.u.num, ctx->err))
            return WEIR_ERROR;
        break;
    }
    case AGG_SUM_FLOAT: {
        const StFloat *s = (const StFloat *)st;
        out.is_null = s->n == 0;
        out.u.f = s->sx;
        break;
    }
    case AGG_AVG_FLOAT: {
        const StFloat *s = (const StFloat *)st;
        out.is_null = s->n == 0;
        out.u.f = s->n ? s->sx / (double)s->n : 0;
        break;
    }
    case AGG_MIN:
    case AGG_MAX: {
        const StExt *s = (const StExt *)st;
        out = s->v;
        out.type = c->type;
        out.is_null = !s->has;
        break;
    }
    case AGG_BOOL_AND:
    case AGG_BOOL_OR:
        out.is_null = !((const StBool *)st)->has;
        out.u.b = ((const StBool *)st)->b;
        break;
    case AGG_BIT_AND:
    case AGG_BIT_OR:
    case AGG_BIT_XOR:
        out.is_null = !((const StBits *)st)->has;
        out.u.i = ((const StBits *)st)->v;
        break;
    case AGG_SUM_INTERVAL:
    case AGG_AVG_INTERVAL: {
        const StIv *s = (const StIv *)st;
        out.is_null = s->n == 0;
        if (out.is_null)
            break;
        out.u.iv = s->sum;
        if (c->fn == AGG_AVG_INTERVAL && sql_interval_div(&s->sum, (double)s->n, &out.u.iv, ctx->err))
            return WEIR_ERROR;
        break;
    }
    case AGG_VAR_SAMP:
    case AGG_VAR_POP:
    case AGG_STDDEV_SAMP:
    case AGG_STDDEV_POP:
        if (rt->vin == VIN_FLOAT)
            agg_var_float(c->fn, (const StFloat *)st, &out);
        else if (agg_var_numeric(ctx, c->fn, (const StVar *)st, &out))
            return WEIR_ERROR;
        break;
    case AGG_STRING_AGG:
    case AGG_ARRAY_AGG:
    case AGG_JSON_AGG:
    case AGG_JSONB_AGG:
    case AGG_JSON_OBJECT_AGG:
    case AGG_JSONB_OBJECT_AGG: {
        const StStr *s = (const StStr *)st;
        out.is_null = !s->has;
        if (out.is_null)
            break;
        const char *close = c->fn == AGG_ARRAY_AGG ? "}" : c->fn == AGG_JSON_AGG || c->fn == AGG_JSONB_AGG ? "]"
                            : c->fn == AGG_JSON_OBJECT_AGG ? " }" : c->fn == AGG_JSONB_OBJECT_AGG ? "}" : "";
        size_t cl = strlen(close);
        if (cl == 0) { /* string_agg: the state's bytes as they are (the state outlives the batch) */
            out.u.s = (Slice){s->p ? s->p : (const uint8_t *)"", s->n};
            break;
        }
        uint8_t *p = arena_try_alloc(a, s->n + cl + 1);
        if (!p)
            return agg_oom(ctx);
        if (s->n)
            memcpy(p, s->p, s->n);
        memcpy(p + s->n, close, cl);
        out.u.s = (Slice){p, s->n + cl};
        /* jsonb_object_agg: sorted keys, the last of duplicated keys wins */
        if (c->fn == AGG_JSONB_OBJECT_AGG && sql_jsonb_normalize(p, s->n + cl, a, &out.u.s, ctx->err))
            return WEIR_ERROR;
        break;
    }
    case AGG_PERCENTILE_CONT:
    case AGG_PERCENTILE_DISC:
    case AGG_MODE:
        out = ((const StOset *)st)->result;
        out.type = c->type;
        break;
    }
    *out_ = out;
    return WEIR_OK;
}

static int agg_final(ExecCtx *ctx, Arena *a, const AggRt *rt, const uint8_t *st, Vec *v, uint32_t row)
{
    SqlValue out;
    if (agg_final_value(ctx, a, rt, st, &out))
        return WEIR_ERROR;
    return vec_put(v, row, &out, a) ? agg_oom(ctx) : WEIR_OK;
}

/* An aggregate's call, its arguments and their input class (OP_AGG's runs and AggAcc alike). */
static void agg_rt_bind(AggRt *rt, const AggCall *c)
{
    rt->c = c;
    rt->args = c->n_args ? c->args : (c->arg ? (Expr **)&c->arg : NULL);
    rt->n_args = c->n_args ? c->n_args : (c->arg ? 1 : 0);
    if (rt->n_args) {
        SqlTypeId t = rt->args[0]->type.id;
        rt->vin = t == SQL_FLOAT4 || t == SQL_FLOAT8 ? VIN_FLOAT : t == SQL_NUMERIC ? VIN_NUMERIC : VIN_INT;
    }
}

/* Set up r (zeroed, r->state set) for spec sp: aggregates, the group row layout, the hash table. */
static int agg_run_init(const AggSpec *sp, AggRun *r, ExecCtx *ctx)
{
    buf_init(&r->scratch, BUF_MAX_DEFAULT);
    r->n_keys = sp->n_keys;
    r->n_aggs = sp->n_aggs;
    r->key_kind = arena_try_calloc(r->state, sp->n_keys + 1);
    r->key_off = ARENA_NEW(r->state, uint32_t, sp->n_keys + 1);
    r->rt = ARENA_NEW(r->state, AggRt, sp->n_aggs + 1);
    r->hashes = ARENA_NEW(r->state, uint64_t, VEC_BATCH);
    r->rowp = ARENA_NEW(r->state, uint8_t *, VEC_BATCH);
    r->sel = ARENA_NEW(r->state, uint32_t, VEC_BATCH);
    r->ident = ARENA_NEW(r->state, uint32_t, VEC_BATCH);
    if (!r->key_kind || !r->key_off || !r->rt || !r->hashes || !r->rowp || !r->sel || !r->ident)
        return agg_oom(ctx);
    for (uint32_t i = 0; i < VEC_BATCH; i++)
        r->ident[i] = i;
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        SqlTypeId t = sp->keys[k]->type.id;
        SqlPhys ph = sql_type_phys(t);
        /* bpchar compares by its own rules elsewhere; plain strings and integers compare directly */
        r->key_kind[k] = ph == SQL_PHYS_INT ? KEY_INT : (ph == SQL_PHYS_STR && t != SQL_BPCHAR) ? KEY_STR : KEY_OTHER;
    }
    /* row layout: hash (8), group number (4), key NULL flags, integer keys, other keys, then each
     * state at its alignment */
    size_t off = (12 + (size_t)sp->n_keys + 7) & ~(size_t)7;
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (r->key_kind[k] == KEY_INT) {
            r->key_off[k] = (uint32_t)off;
            off += 8;
        }
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (r->key_kind[k] != KEY_INT) {
            off = (off + _Alignof(SqlValue) - 1) & ~(_Alignof(SqlValue) - 1);
            r->key_off[k] = (uint32_t)off;
            off += sizeof(SqlValue);
        }
    for (uint32_t a = 0; a < sp->n_aggs; a++) {
        AggRt *rt = &r->rt[a];
        const AggCall *c = &sp->aggs[a];
        agg_rt_bind(rt, c);
        rt->width = rt->n_args;
        rt->buffered = c->distinct || c->n_order || agg_is_oset(c->fn);
        rt->direct_const = c->direct && !agg_expr_has_col(c->direct);
        if (rt->buffered) {
            rt->ord_col = ARENA_NEW(r->state, uint32_t, c->n_order + 1);
            if (!rt->ord_col)
                return agg_oom(ctx);
            rt->fold_now = c->distinct && !c->n_order && agg_order_free(c->fn, rt->vin);
            for (uint32_t k = 0; k < c->n_order; k++) {
                rt->ord_col[k] = UINT32_MAX;
                for (uint32_t j = 0; j < rt->n_args; j++)
                    if (c->order[k] == rt->args[j])
                        rt->ord_col[k] = j;
                if (rt->ord_col[k] == UINT32_MAX)
                    rt->ord_col[k] = rt->width++;
            }
        }
        if (c->distinct &&
            !(rt->scratch = arena_try_calloc(r->state, sizeof(AggTuple) + rt->width * sizeof(SqlValue))))
            return agg_oom(ctx);
        size_t sz, al;
        agg_state_layout(rt, &sz, &al);
        off = (off + al - 1) & ~(al - 1);
        rt->off = (uint32_t)off;
        off += sz;
    }
    /* rows stay 16-aligned; small rows take a power of two so none straddles a cache line */
    off = (off + 15) & ~(size_t)15;
    if (off == 48)
        off = 64;
    if (off > UINT32_MAX / 256)
        return agg_oom(ctx);
    r->row_size = (uint32_t)off;
    if (sp->n_keys && agg_grow_table(r, ctx))
        return WEIR_ERROR;
    return WEIR_OK;
}

int op_agg_open(Op *op, ExecCtx *ctx)
{
    AggRun *r = arena_try_calloc(ctx->arena, sizeof(*r));
    if (!r || !(r->state = arena_create(ctx->arena, ARENA_UNLIMITED)))
        return agg_oom(ctx);
    op->state = r;
    return agg_run_init(op->spec, r, ctx);
}

void op_agg_close(Op *op)
{
    AggRun *r = op->state;
    if (r) {
        agg_par_free(r); /* op_close closed the scan (and joined its workers) first */
        buf_fini(&r->scratch);
        arena_destroy(&r->state);
    }
    op->state = NULL;
}

int op_agg_next(Op *op, ExecCtx *ctx, Batch **out)
{
    AggSpec *sp = op->spec;
    AggRun *r = op->state;
    if (!r->drained) {
        if (agg_par_start(op, r, ctx))
            return WEIR_ERROR;
        for (;;) {
            Batch *in;
            if (op_next(op->child, ctx, &in))
                return WEIR_ERROR;
            if (!in)
                break;
            ExprCtx ec;
            exec_expr_ctx(ctx, op->batch_arena, &ec);
            if (agg_consume(sp, r, ctx, &ec, in, 0))
                return WEIR_ERROR;
            arena_reset(op->batch_arena);
        }
        if (r->par && agg_par_merge(op, r, ctx))
            return WEIR_ERROR;
        r->drained = 1;
        /* no keys: one row even over no input */
        if (sp->n_keys == 0 && r->n_groups == 0 && !agg_new_group(r, 0, NULL, 0))
            return agg_oom(ctx);
        for (uint32_t a = 0; a < r->n_aggs; a++) {
            AggRt *rt = &r->rt[a];
            if (rt->c->direct && rt->direct_const && !rt->direct_done) {
                ExprCtx ec;
                exec_expr_ctx(ctx, op->batch_arena, &ec);
                Vec dv;
                if (expr_eval(&ec, rt->c->direct, NULL, 1, &dv))
                    return WEIR_ERROR;
                vec_get(&dv, 0, &rt->direct_value);
                if (sql_value_keep(r->state, &rt->direct_value))
                    return agg_oom(ctx);
                rt->direct_done = 1;
            }
        }
        if (agg_finish_buffered(r, ctx))
            return WEIR_ERROR;
        arena_reset(op->batch_arena);
    }
    if (r->emitted >= r->n_groups) {
        *out = NULL;
        if (r->state) {
            buf_fini(&r->scratch);
            arena_destroy(&r->state);
        }
        return WEIR_OK;
    }
    Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
    if (!b)
        return agg_oom(ctx);
    uint32_t n = r->n_groups - r->emitted;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *row = agg_row(r, r->emitted + i);
        for (uint32_t k = 0; k < sp->n_keys; k++) {
            SqlValue kv;
            agg_row_key(r, row, k, op->types[k], &kv);
            if (vec_put(&b->cols[k], i, &kv, op->batch_arena))
                return agg_oom(ctx);
        }
        for (uint32_t a = 0; a < sp->n_aggs; a++)
            if (agg_final(ctx, op->batch_arena, &r->rt[a], row + r->rt[a].off, &b->cols[sp->n_keys + a], i))
                return WEIR_ERROR;
    }
    /* the batch's strings point into the state arena: keep it until the last batch was consumed */
    b->n = n;
    r->emitted += n;
    *out = b;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * One aggregate outside OP_AGG (window functions: op_window.c)
 * ---------------------------------------------------------------------------------------------- */

struct AggAcc {
    AggRun run; /* only state (the caller's arena) and scratch are used */
    AggRt rt;
    uint8_t *st;
    size_t st_size;
};

int agg_acc_create(const AggCall *c, Arena *a, AggAcc **out, SqlError *err)
{
    *out = NULL;
    if (c->distinct || c->n_order || agg_is_oset(c->fn))
        return sql_error_set(err, "0A000", 0, "DISTINCT, ORDER BY and ordered-set aggregates are not supported here");
    AggAcc *acc = arena_try_calloc(a, sizeof(*acc));
    if (!acc)
        return sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
    acc->run.state = a;
    agg_rt_bind(&acc->rt, c);
    size_t al;
    agg_state_layout(&acc->rt, &acc->st_size, &al);
    if (!(acc->st = arena_try_calloc(a, acc->st_size)))
        return sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
    buf_init(&acc->run.scratch, BUF_MAX_DEFAULT);
    *out = acc;
    return WEIR_OK;
}

/* The aggregates whose state is a growing text (StStr). */
static int agg_is_text(AggFn fn)
{
    return fn == AGG_STRING_AGG || fn == AGG_ARRAY_AGG || fn == AGG_JSON_AGG || fn == AGG_JSONB_AGG ||
           fn == AGG_JSON_OBJECT_AGG || fn == AGG_JSONB_OBJECT_AGG;
}

void agg_acc_reset(AggAcc *acc)
{
    /* string buffers are kept for the next rows: a sliding frame rebuilt per row reuses them */
    AggFn fn = acc->rt.c->fn;
    if (fn == AGG_MIN || fn == AGG_MAX) {
        StExt *s = (StExt *)acc->st;
        uint8_t *buf = s->buf;
        size_t cap = s->cap;
        memset(s, 0, sizeof(*s));
        s->buf = buf;
        s->cap = cap;
    } else if (agg_is_text(fn)) {
        StStr *s = (StStr *)acc->st;
        s->n = 0;
        s->has = 0;
    } else {
        memset(acc->st, 0, acc->st_size);
    }
}

int agg_acc_add(AggAcc *acc, ExecCtx *ctx, const SqlValue *args)
{
    return agg_acc_add_to(acc, ctx, acc->st, args);
}

int agg_acc_final(AggAcc *acc, ExecCtx *ctx, Arena *a, SqlValue *out)
{
    return agg_acc_final_of(acc, ctx, a, acc->st, out);
}

void agg_acc_state_layout(const AggAcc *acc, size_t *size, size_t *align, int *is_flat)
{
    agg_state_layout(&acc->rt, size, align);
    /* the states that hold pointers: a copied string (min/max of text), a growing text (string_agg,
     * array_agg, JSON), an ordered-set result */
    AggFn fn = acc->rt.c->fn;
    SqlPhys ph = acc->rt.n_args ? sql_type_phys(acc->rt.args[0]->type.id) : SQL_PHYS_NONE;
    int str_ext = (fn == AGG_MIN || fn == AGG_MAX) && (ph == SQL_PHYS_STR || ph == SQL_PHYS_NONE);
    *is_flat = !str_ext && !agg_is_text(fn) && !agg_is_oset(fn);
}

int agg_acc_add_to(AggAcc *acc, ExecCtx *ctx, uint8_t *st, const SqlValue *args)
{
    static const SqlValue none = {.is_null = 1};
    return agg_step(&acc->run, ctx, &acc->rt, st, acc->rt.n_args ? args : &none);
}

int agg_acc_final_of(AggAcc *acc, ExecCtx *ctx, Arena *a, const uint8_t *st, SqlValue *out)
{
    if (agg_final_value(ctx, a, &acc->rt, st, out))
        return WEIR_ERROR;
    /* the running state changes with the next rows: give the caller its own copy of strings */
    return sql_value_keep(a, out) ? agg_oom(ctx) : WEIR_OK;
}

int agg_oset_result(const AggCall *c, ExecCtx *ctx, Arena *a, const SqlValue *direct, const SqlValue *vals,
                    uint32_t n, SqlValue *out)
{
    /* agg_oset_final reads tuples of one value each and allocates from the run's state arena */
    AggRun r;
    memset(&r, 0, sizeof(r));
    r.state = a;
    AggRt rt;
    memset(&rt, 0, sizeof(rt));
    agg_rt_bind(&rt, c);
    if (direct) {
        rt.direct_const = 1;
        rt.direct_value = *direct;
    }
    size_t tsz = (sizeof(AggTuple) + sizeof(SqlValue) + 15) & ~(size_t)15;
    AggTuple **ts = ARENA_NEW(a, AggTuple *, n + 1);
    uint8_t *mem = n ? arena_try_alloc(a, tsz * n) : NULL;
    if (!ts || (n && !mem))
        return agg_oom(ctx);
    for (uint32_t i = 0; i < n; i++) {
        ts[i] = (AggTuple *)(mem + tsz * i);
        ts[i]->group = 0;
        ts[i]->seq = i;
        ts[i]->v[0] = vals[i];
    }
    StOset s;
    memset(&s, 0, sizeof(s));
    buf_init(&r.scratch, BUF_MAX_DEFAULT);
    int rc = agg_oset_final(&r, ctx, &rt, &s, ts, n);
    buf_fini(&r.scratch);
    if (rc)
        return WEIR_ERROR;
    *out = s.result;
    out->type = c->type;
    return sql_value_keep(a, out) ? agg_oom(ctx) : WEIR_OK;
}

void agg_acc_destroy(AggAcc **acc)
{
    if (!acc || !*acc)
        return;
    buf_fini(&(*acc)->run.scratch);
    *acc = NULL;
}
