/*
 * op_join.c: OP_JOIN, the left input (op->child) joined with the right input (op->right): INNER, LEFT,
 * RIGHT, FULL, SEMI and ANTI, as a vectorized hash join on the equi-keys, or as a nested loop when the
 * plan has no keys (cross join, or a join on a residual predicate only). The plan contract is JoinSpec
 * in op.h; docs/internals/sql-joins.md explains the design.
 *
 * Phases (JoinRun.phase), one transition per arrow, the function behind it in brackets:
 *
 *   START --[join_start: first left batch; drain right into chunks; build the index]--> PROBE
 *   PROBE --[join_probe_begin per left batch; join_gen + join_step per output batch]--> PROBE
 *   PROBE --(left exhausted, RIGHT/FULL)--> UNMATCHED --[join_emit_unmatched]--> DONE
 *   PROBE --(left exhausted, other types)--> DONE
 *   START --(empty left for INNER/LEFT/SEMI/ANTI, or empty right for INNER/RIGHT/SEMI)--> DONE
 *
 * Build side. Every right batch is evaluated for the right keys and the rows it keeps are appended to
 * "chunks" of VEC_BATCH rows, filled completely before the next one starts, so a build row has one
 * global id (chunk * VEC_BATCH + row) and id >> 11 finds its chunk. Chunk vectors and their strings are
 * copies in the state arena (a child of the query arena): right batches die at the next op_next, and a
 * build side over the query's memory budget fails with 53200. Rows whose key is NULL never match, so
 * INNER/LEFT/SEMI/ANTI drop them at once; RIGHT/FULL keep them, to emit them unmatched at the end. The
 * right columns are stored only when the output or the residual needs them (not for a SEMI/ANTI join on
 * keys alone); key expressions that are not plain column references are stored as extra columns.
 *
 * Index. Keys are flattened into one array per key (fast comparisons in the probe loop) and hashed
 * (bhash). The table is a bucket array of heads chaining *distinct* keys (next_key), each with its
 * duplicates chained behind it (next_dup): a probe row walks only distinct keys of its bucket, so a
 * build side with a million copies of one key costs nothing to probe rows with other keys.
 *
 * Probe. For a left batch: evaluate the left keys once, hash the key vectors column by column, and look
 * every row up once (lfirst: the first build row of its key, 0 for none or a NULL key). Output is then
 * produced in slices: join_gen takes up to VEC_BATCH candidate pairs, resuming inside a row's duplicate
 * chain (pos_row, pos_cand), so a left row with many matches spills over several output batches. The
 * residual is evaluated once per slice over a gathered (left columns, right columns) batch. A left row
 * is "finished" in the slice that took its last candidate; LEFT/FULL/ANTI decide then whether it was
 * unmatched (lmatched: some candidate passed the residual). Each output row of a slice is charged to a
 * distinct slot of the slice (a passing pair, a row with no candidate, or a failed candidate of a row
 * finished here), so an output batch never exceeds VEC_BATCH rows.
 *
 * Without a residual and with every left row matching exactly one build row in order (the common
 * reference-table join), the left columns of the output are the left batch's vectors, not copies.
 *
 * Key equality is SQL's =: NULL never matches; numeric compares by value (1.0 = 1.00); float8 NaN = NaN
 * and -0 = 0 (PostgreSQL's float8eq); char(n) ignores trailing blanks (bpchareq); intervals compare by
 * their total (30-day months). Hashes agree with equality in every one of these cases.
 */
#include <math.h>
#include <string.h>

#include "exec/op.h"
#include "sql/datetime.h"
#include "sql/numeric.h"

/* How one key compares and hashes. */
typedef enum JoinKeyKind {
    JK_INT,
    JK_BOOL,
    JK_FLOAT,
    JK_NUMERIC,
    JK_INTERVAL,
    JK_STR,
    JK_BPCHAR
} JoinKeyKind;

#define JOIN_NONE UINT32_MAX                 /* output slot without a right (or left) row: NULLs */
#define JOIN_MAX_BUILD ((uint32_t)INT32_MAX) /* ids are stored + 1 in uint32 chains */
#define JOIN_SHIFT 11                        /* log2(VEC_BATCH) */

_Static_assert(VEC_BATCH == 1 << JOIN_SHIFT, "chunk ids assume VEC_BATCH == 2048");

typedef enum JoinPhase { JOIN_PH_START, JOIN_PH_PROBE, JOIN_PH_UNMATCHED, JOIN_PH_DONE } JoinPhase;

typedef struct JoinChunk {
    uint32_t n;
    Vec *cols; /* n_store vectors */
} JoinChunk;

typedef struct JoinRun {
    Arena *state; /* build side (chunks, strings, index, flags) and fixed probe arrays; the JoinRun itself */
    Arena *probe; /* per left batch: key vectors; reset when the next left batch arrives */
    JoinPhase phase;
    uint32_t nl, nr; /* columns of the left and right inputs */
    uint32_t n_keys;
    uint8_t emit_left;   /* LEFT/FULL: unmatched left rows with NULL right columns */
    uint8_t track_build; /* RIGHT/FULL: remember matched build rows, emit the others at the end */
    uint8_t need_rcols;  /* the right columns are stored (output or residual needs them) */
    uint32_t n_store;    /* chunk columns: the right columns (if stored), then extra key columns */
    uint32_t *key_src;   /* per key: its chunk column */
    uint8_t *key_kind;   /* per key: JoinKeyKind */
    size_t *key_w;       /* per key: element bytes */
    SqlType *store_types;
    /* build side */
    JoinChunk *chunks;
    uint32_t n_chunks, cap_chunks;
    uint32_t n_build;
    uint8_t **bkey; /* per key: n_build elements, flattened from the chunks */
    uint64_t *bhash;
    uint32_t *head; /* buckets: build id + 1 of the bucket's first distinct key, 0 empty */
    uint32_t mask;
    uint32_t *next_key; /* next distinct key of the bucket (id + 1), on a key's first row */
    uint32_t *next_dup; /* next row with the same key (id + 1) */
    uint8_t *bmatched;  /* RIGHT/FULL */
    uint8_t *col_nulls; /* per chunk column: some chunk has a NULL in it */
    uint32_t pos_build; /* UNMATCHED: next build id to look at */
    /* probe side */
    Batch *lb; /* the current left batch (valid until op_next on the child) */
    Vec *lkey;
    uint64_t *lhash;
    uint32_t *lfirst;  /* per left row: first candidate (build id + 1), 0 none */
    uint8_t *lmatched; /* per left row: some candidate passed */
    uint8_t *lskip;    /* per left row: a key is NULL */
    uint32_t pos_row;  /* next left row to take candidates from */
    uint32_t pos_cand; /* its next candidate (id + 1); 0: the row has not started */
    /* one slice of candidates, and the output lists (VEC_BATCH each) */
    uint32_t *cl, *cr;  /* candidate pairs */
    uint32_t *zl;       /* left rows without any candidate */
    uint32_t *fin;      /* left rows whose last candidate is in this slice */
    uint32_t *psel;     /* candidates that passed the residual */
    uint32_t *ol, *orr; /* output rows: left row (or JOIN_NONE), right id (or JOIN_NONE) */
} JoinRun;

static int join_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* ------------------------------------------------------------------------------------------------
 * Hashing and comparing keys
 * ---------------------------------------------------------------------------------------------- */

/* Murmur3's finaliser: every input bit reaches the low bits the bucket mask keeps. */
static inline uint64_t join_fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

static inline uint64_t join_rd64(const uint8_t *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

static inline uint64_t join_rd32(const uint8_t *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

/* Fold a 128-bit product: every bit of a and b reaches every bit of the result. */
static inline uint64_t join_mum(uint64_t a, uint64_t b)
{
    unsigned __int128 m = (unsigned __int128)a * b;
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

/* Keys are mostly short (codes, ids, names): up to 16 bytes are read as two overlapping loads with
 * constant sizes, no loop and no memcpy call (the wyhash construction). */
static uint64_t join_hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t seed = 0xa0761d6478bd642full ^ (uint64_t)n * 0xe7037ed1a0b428dbull;
    uint64_t a = 0, b = 0;
    if (n <= 16) {
        if (n >= 8) {
            a = join_rd64(p);
            b = join_rd64(p + n - 8);
        } else if (n >= 4) {
            a = join_rd32(p);
            b = join_rd32(p + n - 4);
        } else if (n) {
            a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
        }
    } else {
        size_t i = 0;
        for (; i + 16 < n; i += 16)
            seed = join_mum(join_rd64(p + i) ^ 0x8ebc6af09c88c6e3ull, join_rd64(p + i + 8) ^ seed);
        a = join_rd64(p + n - 16);
        b = join_rd64(p + n - 8);
    }
    return join_mum(a ^ 0x589965cc75374cc3ull, b ^ seed);
}

/* Byte equality of two slices of one length n, short ones without a memcmp call. */
static inline int join_bytes_eq(const uint8_t *x, const uint8_t *y, size_t n)
{
    if (n >= 8 && n <= 16)
        return join_rd64(x) == join_rd64(y) && join_rd64(x + n - 8) == join_rd64(y + n - 8);
    if (n >= 4 && n < 8)
        return join_rd32(x) == join_rd32(y) && join_rd32(x + n - 4) == join_rd32(y + n - 4);
    return n == 0 || memcmp(x, y, n) == 0;
}

/* char(n) compares without its trailing blanks. */
static inline size_t join_bpchar_len(const Slice *s)
{
    size_t n = s->n;
    while (n && s->p[n - 1] == ' ')
        n--;
    return n;
}

static JoinKeyKind join_key_kind(SqlTypeId l, SqlTypeId r)
{
    switch (sql_type_phys(r)) {
    case SQL_PHYS_BOOL: return JK_BOOL;
    case SQL_PHYS_INT: return JK_INT;
    case SQL_PHYS_FLOAT: return JK_FLOAT;
    case SQL_PHYS_NUMERIC: return JK_NUMERIC;
    case SQL_PHYS_INTERVAL: return JK_INTERVAL;
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: break;
    }
    return l == SQL_BPCHAR && r == SQL_BPCHAR ? JK_BPCHAR : JK_STR;
}

/* Mix key column `data` (n rows of kind k, NULL bitmap nulls or NULL) into h[0..n). first: h is
 * uninitialised. The hash of a row with a NULL key is meaningless (callers never look such rows up);
 * strings are not read for them, since a NULL row's slice is unspecified. */
static void join_hash_col(JoinKeyKind k, const void *data, const uint64_t *nulls, uint32_t n, uint64_t *h,
                          int first)
{
    uint64_t seed = 0x2545f4914f6cdd1dull;
    switch (k) {
    case JK_INT: {
        const int64_t *d = data;
        if (first)
            for (uint32_t i = 0; i < n; i++)
                h[i] = join_fmix(seed ^ (uint64_t)d[i]);
        else
            for (uint32_t i = 0; i < n; i++)
                h[i] = join_fmix(h[i] * 31 ^ (uint64_t)d[i]);
        return;
    }
    case JK_BOOL: {
        const uint8_t *d = data;
        for (uint32_t i = 0; i < n; i++)
            h[i] = join_fmix((first ? seed : h[i] * 31) ^ (d[i] ? 1u : 2u));
        return;
    }
    case JK_FLOAT: {
        const double *d = data;
        for (uint32_t i = 0; i < n; i++) {
            double x = d[i];
            uint64_t bits;
            if (isnan(x))
                bits = 0x7ff8000000000000ull; /* every NaN is one value for = */
            else {
                if (x == 0)
                    x = 0; /* -0 = 0 */
                memcpy(&bits, &x, 8);
            }
            h[i] = join_fmix((first ? seed : h[i] * 31) ^ bits);
        }
        return;
    }
    case JK_NUMERIC: {
        const SqlNumeric *d = data;
        for (uint32_t i = 0; i < n; i++)
            h[i] = join_fmix((first ? seed : h[i] * 31) ^ sql_numeric_hash(&d[i]));
        return;
    }
    case JK_INTERVAL: {
        const SqlInterval *d = data;
        for (uint32_t i = 0; i < n; i++)
            h[i] = join_fmix((first ? seed : h[i] * 31) ^ sql_interval_hash(&d[i]));
        return;
    }
    case JK_STR:
    case JK_BPCHAR: {
        const Slice *d = data;
        for (uint32_t i = 0; i < n; i++) {
            if (nulls && (nulls[i >> 6] >> (i & 63) & 1)) {
                h[i] = seed;
                continue;
            }
            uint64_t x = join_hash_bytes(d[i].p, k == JK_BPCHAR ? join_bpchar_len(&d[i]) : d[i].n);
            h[i] = first ? x : join_fmix(h[i] * 31 ^ x); /* x is mixed already */
        }
        return;
    }
    }
}

/* a[ia] = b[ib] for two non-NULL keys of kind k. */
static inline int join_key_eq(JoinKeyKind k, const void *a, uint32_t ia, const void *b, uint32_t ib)
{
    switch (k) {
    case JK_INT: return ((const int64_t *)a)[ia] == ((const int64_t *)b)[ib];
    case JK_BOOL: return ((const uint8_t *)a)[ia] == ((const uint8_t *)b)[ib];
    case JK_FLOAT: {
        double x = ((const double *)a)[ia], y = ((const double *)b)[ib];
        return x == y || (isnan(x) && isnan(y));
    }
    case JK_NUMERIC: return sql_numeric_cmp(&((const SqlNumeric *)a)[ia], &((const SqlNumeric *)b)[ib]) == 0;
    case JK_INTERVAL:
        return sql_interval_cmp(&((const SqlInterval *)a)[ia], &((const SqlInterval *)b)[ib]) == 0;
    case JK_STR: {
        const Slice *x = &((const Slice *)a)[ia], *y = &((const Slice *)b)[ib];
        return x->n == y->n && join_bytes_eq(x->p, y->p, x->n);
    }
    case JK_BPCHAR: {
        const Slice *x = &((const Slice *)a)[ia], *y = &((const Slice *)b)[ib];
        size_t nx = join_bpchar_len(x), ny = join_bpchar_len(y);
        return nx == ny && join_bytes_eq(x->p, y->p, nx);
    }
    }
    return 0;
}

/* Left row i's keys (r->lkey) equal build row id's keys. */
static inline int join_row_eq(const JoinRun *r, uint32_t i, uint32_t id)
{
    for (uint32_t k = 0; k < r->n_keys; k++)
        if (!join_key_eq((JoinKeyKind)r->key_kind[k], r->lkey[k].u.data, i, r->bkey[k], id))
            return 0;
    return 1;
}

/* Build rows a and b have equal keys. */
static inline int join_build_eq(const JoinRun *r, uint32_t a, uint32_t b)
{
    for (uint32_t k = 0; k < r->n_keys; k++)
        if (!join_key_eq((JoinKeyKind)r->key_kind[k], r->bkey[k], a, r->bkey[k], b))
            return 0;
    return 1;
}

/* ------------------------------------------------------------------------------------------------
 * Build side: chunks
 * ---------------------------------------------------------------------------------------------- */

/* Append rows sel[0..n) of src to dst at rows at.., copying strings into a. */
static int join_vec_append(Vec *dst, uint32_t at, const Vec *src, const uint32_t *sel, uint32_t n, Arena *a)
{
    size_t w = vec_elem_size(dst->type.id);
    const uint8_t *s = src->u.data;
    uint8_t *d = (uint8_t *)dst->u.data + (size_t)at * w;
    for (uint32_t i = 0; i < n; i++)
        memcpy(d + (size_t)i * w, s + (size_t)sel[i] * w, w);
    if (src->nulls)
        for (uint32_t i = 0; i < n; i++)
            if (vec_is_null(src, sel[i]) && vec_set_null(dst, at + i, a))
                return WEIR_ENOMEM;
    SqlPhys ph = sql_type_phys(dst->type.id);
    if (ph != SQL_PHYS_STR && ph != SQL_PHYS_NONE)
        return WEIR_OK;
    /* one allocation for the strings of this append, not one per row */
    Slice *ds = (Slice *)d;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (vec_is_null(dst, at + i))
            ds[i] = (Slice){0};
        total += ds[i].n;
    }
    if (!total)
        return WEIR_OK;
    uint8_t *buf = arena_try_alloc(a, total);
    if (!buf)
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (!ds[i].n)
            continue;
        memcpy(buf, ds[i].p, ds[i].n);
        ds[i].p = buf;
        buf += ds[i].n;
    }
    return WEIR_OK;
}

/* Append rows sel[0..n_sel) of the vectors src[0..n_store) to the chunks, filling the last chunk first. */
static int join_chunks_append(JoinRun *r, ExecCtx *ctx, const Vec *const *src, const uint32_t *sel,
                              uint32_t n_sel)
{
    if (n_sel > JOIN_MAX_BUILD - r->n_build)
        return sql_error_set(ctx->err, "54000", 0, "join build side has more than %u rows", JOIN_MAX_BUILD);
    while (n_sel) {
        if (!r->n_chunks || r->chunks[r->n_chunks - 1].n == VEC_BATCH) {
            if (r->n_chunks == r->cap_chunks) {
                uint32_t nc = r->cap_chunks ? r->cap_chunks * 2 : 16;
                JoinChunk *c = ARENA_NEW(r->state, JoinChunk, nc);
                if (!c)
                    return join_oom(ctx);
                if (r->n_chunks)
                    memcpy(c, r->chunks, r->n_chunks * sizeof(*c));
                r->chunks = c;
                r->cap_chunks = nc;
            }
            JoinChunk *c = &r->chunks[r->n_chunks];
            c->n = 0;
            c->cols = NULL;
            if (r->n_store) {
                if (!(c->cols = ARENA_NEW(r->state, Vec, r->n_store)))
                    return join_oom(ctx);
                for (uint32_t k = 0; k < r->n_store; k++)
                    if (vec_init(&c->cols[k], r->store_types[k], r->state))
                        return join_oom(ctx);
            }
            r->n_chunks++;
        }
        JoinChunk *c = &r->chunks[r->n_chunks - 1];
        uint32_t take = VEC_BATCH - c->n;
        if (take > n_sel)
            take = n_sel;
        for (uint32_t k = 0; k < r->n_store; k++)
            if (join_vec_append(&c->cols[k], c->n, src[k], sel, take, r->state))
                return join_oom(ctx);
        c->n += take;
        r->n_build += take;
        sel += take;
        n_sel -= take;
    }
    return WEIR_OK;
}

/* Drain the right input into the chunks. */
static int join_drain_right(Op *op, JoinRun *r, ExecCtx *ctx)
{
    const JoinSpec *sp = op->spec;
    for (;;) {
        Batch *rb;
        if (op_next(op->right, ctx, &rb))
            return WEIR_ERROR;
        if (!rb)
            return WEIR_OK;
        ExprCtx ec;
        exec_expr_ctx(ctx, op->batch_arena, &ec);
        Vec *kv = ARENA_NEW(op->batch_arena, Vec, r->n_keys + 1);
        const Vec **src = ARENA_NEW(op->batch_arena, const Vec *, r->n_store + 1);
        uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, VEC_BATCH);
        if (!kv || !src || !sel)
            return join_oom(ctx);
        for (uint32_t k = 0; k < r->n_keys; k++)
            if (expr_eval(&ec, sp->rkeys[k], rb, rb->n, &kv[k]))
                return WEIR_ERROR;
        uint32_t n_sel = 0;
        for (uint32_t i = 0; i < rb->n; i++) {
            int keep = 1;
            if (!r->track_build) /* a NULL key never matches: only RIGHT/FULL need such rows */
                for (uint32_t k = 0; k < r->n_keys && keep; k++)
                    keep = !vec_is_null(&kv[k], i);
            sel[n_sel] = i;
            n_sel += (uint32_t)keep;
        }
        if (r->need_rcols)
            for (uint32_t c = 0; c < r->nr; c++)
                src[c] = &rb->cols[c];
        for (uint32_t k = 0; k < r->n_keys; k++)
            if (r->key_src[k] >= (r->need_rcols ? r->nr : 0))
                src[r->key_src[k]] = &kv[k];
        if (join_chunks_append(r, ctx, src, sel, n_sel))
            return WEIR_ERROR;
        arena_reset(op->batch_arena);
    }
}

/* Flatten and hash the build keys and build the bucket chains. */
static int join_index_build(JoinRun *r, ExecCtx *ctx)
{
    uint32_t n = r->n_build;
    if (r->track_build && !(r->bmatched = ARENA_NEW(r->state, uint8_t, n ? n : 1)))
        return join_oom(ctx);
    if (!(r->col_nulls = ARENA_NEW(r->state, uint8_t, r->n_store + 1)))
        return join_oom(ctx);
    for (uint32_t c = 0; c < r->n_chunks; c++)
        for (uint32_t k = 0; k < r->n_store; k++)
            r->col_nulls[k] |= r->chunks[c].cols[k].nulls != NULL;
    if (!r->n_keys)
        return WEIR_OK;
    if (!(r->bkey = ARENA_NEW(r->state, uint8_t *, r->n_keys)) ||
        !(r->bhash = ARENA_NEW(r->state, uint64_t, n ? n : 1)))
        return join_oom(ctx);
    for (uint32_t k = 0; k < r->n_keys; k++) {
        size_t w = r->key_w[k];
        if (!(r->bkey[k] = arena_try_calloc_array(r->state, n ? n : 1, w)))
            return join_oom(ctx);
        for (uint32_t c = 0; c < r->n_chunks; c++) {
            const JoinChunk *ch = &r->chunks[c];
            memcpy(r->bkey[k] + ((size_t)c << JOIN_SHIFT) * w, ch->cols[r->key_src[k]].u.data,
                   (size_t)ch->n * w);
            join_hash_col((JoinKeyKind)r->key_kind[k], ch->cols[r->key_src[k]].u.data,
                          ch->cols[r->key_src[k]].nulls, ch->n, r->bhash + ((size_t)c << JOIN_SHIFT), k == 0);
        }
    }
    uint32_t ns = 16; /* at most half full with distinct keys */
    while (ns < 2 * (uint64_t)n && ns < (uint32_t)1 << 31)
        ns *= 2;
    r->mask = ns - 1;
    if (!(r->head = ARENA_NEW(r->state, uint32_t, ns)) ||
        !(r->next_key = ARENA_NEW(r->state, uint32_t, n ? n : 1)) ||
        !(r->next_dup = ARENA_NEW(r->state, uint32_t, n ? n : 1)))
        return join_oom(ctx);
    for (uint32_t c = 0; c < r->n_chunks; c++) {
        if (exec_check_cancel(ctx))
            return WEIR_ERROR;
        const JoinChunk *ch = &r->chunks[c];
        for (uint32_t i = 0; i < ch->n; i++) {
            int has_null = 0;
            for (uint32_t k = 0; k < r->n_keys; k++)
                has_null |= vec_is_null(&ch->cols[r->key_src[k]], i);
            if (has_null)
                continue; /* kept for RIGHT/FULL's unmatched rows, never found by a probe */
            uint32_t id = (c << JOIN_SHIFT) | i;
            uint64_t h = r->bhash[id];
            uint32_t *slot = &r->head[h & r->mask];
            uint32_t e = *slot;
            while (e && !(r->bhash[e - 1] == h && join_build_eq(r, e - 1, id)))
                e = r->next_key[e - 1];
            if (e) {
                /* another row of a known key: behind the key's first row (order within a key is free) */
                r->next_dup[id] = r->next_dup[e - 1];
                r->next_dup[e - 1] = id + 1;
            } else {
                r->next_key[id] = *slot;
                *slot = id + 1;
            }
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Probe side
 * ---------------------------------------------------------------------------------------------- */

/* Start on a new left batch: evaluate and hash its keys, find each row's first candidate. */
static int join_probe_begin(Op *op, JoinRun *r, ExecCtx *ctx, Batch *lb)
{
    const JoinSpec *sp = op->spec;
    uint32_t n = lb->n;
    r->lb = lb;
    r->pos_row = 0;
    r->pos_cand = 0;
    memset(r->lmatched, 0, n);
    if (!r->n_keys) {
        uint32_t first = r->n_build ? 1 : 0; /* nested loop: every build row, in id order */
        for (uint32_t i = 0; i < n; i++)
            r->lfirst[i] = first;
        return WEIR_OK;
    }
    arena_reset(r->probe);
    ExprCtx ec;
    exec_expr_ctx(ctx, r->probe, &ec);
    int any_null = 0;
    for (uint32_t k = 0; k < r->n_keys; k++) {
        if (expr_eval(&ec, sp->lkeys[k], lb, n, &r->lkey[k]))
            return WEIR_ERROR;
        join_hash_col((JoinKeyKind)r->key_kind[k], r->lkey[k].u.data, r->lkey[k].nulls, n, r->lhash, k == 0);
        any_null |= r->lkey[k].nulls != NULL;
    }
    if (any_null) {
        /* a NULL key matches nothing, and its slot must not even be compared (unspecified contents) */
        memset(r->lskip, 0, n);
        for (uint32_t k = 0; k < r->n_keys; k++)
            for (uint32_t i = 0; r->lkey[k].nulls && i < n; i++)
                r->lskip[i] |= (uint8_t)vec_is_null(&r->lkey[k], i);
    }
    if (r->n_keys == 1 && r->key_kind[0] == JK_INT) {
        /* the common bigint key: a tight loop without the per-key dispatch */
        const int64_t *lk = r->lkey[0].u.i, *bk = (const int64_t *)r->bkey[0];
        for (uint32_t i = 0; i < n; i++) {
            if (any_null && r->lskip[i]) {
                r->lfirst[i] = 0;
                continue;
            }
            uint64_t h = r->lhash[i];
            uint32_t e = r->head[h & r->mask];
            while (e && !(r->bhash[e - 1] == h && bk[e - 1] == lk[i]))
                e = r->next_key[e - 1];
            r->lfirst[i] = e;
        }
    } else if (r->n_keys == 1 && r->key_kind[0] == JK_STR) {
        /* the common text key (codes, names) */
        const Slice *lk = r->lkey[0].u.s, *bk = (const Slice *)r->bkey[0];
        for (uint32_t i = 0; i < n; i++) {
            if (any_null && r->lskip[i]) {
                r->lfirst[i] = 0;
                continue;
            }
            uint64_t h = r->lhash[i];
            uint32_t e = r->head[h & r->mask];
            while (e && !(r->bhash[e - 1] == h && bk[e - 1].n == lk[i].n &&
                          join_bytes_eq(bk[e - 1].p, lk[i].p, lk[i].n)))
                e = r->next_key[e - 1];
            r->lfirst[i] = e;
        }
    } else {
        for (uint32_t i = 0; i < n; i++) {
            if (any_null && r->lskip[i]) {
                r->lfirst[i] = 0;
                continue;
            }
            uint64_t h = r->lhash[i];
            uint32_t e = r->head[h & r->mask];
            while (e && !(r->bhash[e - 1] == h && join_row_eq(r, i, e - 1)))
                e = r->next_key[e - 1];
            r->lfirst[i] = e;
        }
    }
    return WEIR_OK;
}

typedef struct JoinSlice {
    uint32_t n_cand, n_zero, n_fin;
} JoinSlice;

/* Take up to VEC_BATCH slots from the current left batch: candidate pairs (cl, cr), rows without any
 * candidate (zl, only where the join type emits them) and, with a residual, rows finished in this slice
 * (fin). Positions live in locals while looping: the stores into cl/cr/fin could alias r's fields and
 * would otherwise force a reload of each per candidate. */
static void join_gen(const Op *op, JoinRun *r, JoinSlice *s)
{
    const JoinSpec *sp = op->spec;
    int semi_anti = sp->type == JOIN_SEMI || sp->type == JOIN_ANTI;
    int keep_zero = r->emit_left || sp->type == JOIN_ANTI;
    int one_enough = semi_anti && !sp->residual; /* any candidate decides the row */
    int want_fin = sp->residual != NULL;
    int keyed = r->n_keys != 0;
    uint32_t ln = r->lb->n, n_build = r->n_build, slots = 0, n_cand = 0, n_zero = 0, n_fin = 0;
    uint32_t pos_row = r->pos_row, pos_cand = r->pos_cand;
    uint32_t *cl = r->cl, *cr = r->cr, *zl = r->zl, *fin = r->fin;
    const uint32_t *lfirst = r->lfirst, *next_dup = r->next_dup;
    const uint8_t *lmatched = r->lmatched;
    while (pos_row < ln && slots < VEC_BATCH) {
        uint32_t i = pos_row;
        if (!pos_cand) {
            pos_cand = lfirst[i];
            if (!pos_cand) {
                if (keep_zero) {
                    zl[n_zero++] = i;
                    slots++;
                }
                pos_row++;
                continue;
            }
        }
        if (semi_anti && lmatched[i]) {
            pos_cand = 0; /* decided in an earlier slice: the rest of its candidates cannot matter */
            pos_row++;
            continue;
        }
        while (pos_cand && slots < VEC_BATCH) {
            uint32_t id = pos_cand - 1;
            cl[n_cand] = i;
            cr[n_cand++] = id;
            slots++;
            if (one_enough)
                pos_cand = 0;
            else if (keyed)
                pos_cand = next_dup[id];
            else
                pos_cand = id + 1 < n_build ? id + 2 : 0;
        }
        if (!pos_cand) {
            if (want_fin)
                fin[n_fin++] = i;
            pos_row++;
        }
    }
    r->pos_row = pos_row;
    r->pos_cand = pos_cand;
    s->n_cand = n_cand;
    s->n_zero = n_zero;
    s->n_fin = n_fin;
}

/* dst[i] = the chunk element of build id ids[i], for element type T (the slot of JOIN_NONE stays zero).
 * A build side of one chunk (up to VEC_BATCH rows: reference tables) indexes that chunk directly. */
#define JOIN_GATHER_TYPED(T)                                                                                 \
    do {                                                                                                     \
        T *dd = dst->u.data;                                                                                 \
        if (r->n_chunks == 1 && !has_none) {                                                                 \
            const T *base = ch[0].cols[c].u.data;                                                            \
            for (uint32_t i = 0; i < n; i++)                                                                 \
                dd[i] = base[ids[i]];                                                                        \
            break;                                                                                           \
        }                                                                                                    \
        for (uint32_t i = 0; i < n; i++) {                                                                   \
            uint32_t id = ids[i];                                                                            \
            if (id != JOIN_NONE)                                                                             \
                dd[i] = ((const T *)ch[id >> JOIN_SHIFT].cols[c].u.data)[id & (VEC_BATCH - 1)];              \
        }                                                                                                    \
    } while (0)

/* Gather column c of the chunks at build ids ids[0..n) (JOIN_NONE: NULL) into dst. */
static int join_gather_build(const JoinRun *r, uint32_t c, const uint32_t *ids, uint32_t n, int has_none,
                             Arena *a, Vec *dst)
{
    if (vec_init(dst, r->store_types[c], a))
        return WEIR_ENOMEM;
    const JoinChunk *ch = r->chunks;
    /* one loop per element size, so each copy is a move instead of a memcpy call */
    switch (sql_type_phys(dst->type.id)) {
    case SQL_PHYS_BOOL: JOIN_GATHER_TYPED(uint8_t); break;
    case SQL_PHYS_INT: JOIN_GATHER_TYPED(int64_t); break;
    case SQL_PHYS_FLOAT: JOIN_GATHER_TYPED(double); break;
    case SQL_PHYS_NUMERIC: JOIN_GATHER_TYPED(SqlNumeric); break;
    case SQL_PHYS_INTERVAL: JOIN_GATHER_TYPED(SqlInterval); break;
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: JOIN_GATHER_TYPED(Slice); break;
    }
    if (!has_none && !r->col_nulls[c])
        return WEIR_OK;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = ids[i];
        int is_null = id == JOIN_NONE || vec_is_null(&ch[id >> JOIN_SHIFT].cols[c], id & (VEC_BATCH - 1));
        if (is_null && vec_set_null(dst, i, a))
            return WEIR_ENOMEM;
    }
    return WEIR_OK;
}

#define JOIN_GATHER_ROWS(T)                                                                                  \
    do {                                                                                                     \
        T *dd = dst->u.data;                                                                                 \
        const T *ss = src->u.data;                                                                           \
        for (uint32_t i = 0; i < n; i++)                                                                     \
            dd[i] = ss[rows[i]];                                                                             \
    } while (0)

/* Rows rows[0..n) of the left column src into dst. vec_gather's job, with one typed loop per element
 * size and NULL bits copied word-wise: a reference-table join gathers every column of a wide scan, and
 * a memcpy call plus a bitmap call per element cost several times the probe itself. */
static int join_gather_left(const Vec *src, const uint32_t *rows, uint32_t n, Arena *a, Vec *dst)
{
    if (vec_init(dst, src->type, a))
        return WEIR_ENOMEM;
    switch (sql_type_phys(src->type.id)) {
    case SQL_PHYS_BOOL: JOIN_GATHER_ROWS(uint8_t); break;
    case SQL_PHYS_INT: JOIN_GATHER_ROWS(int64_t); break;
    case SQL_PHYS_FLOAT: JOIN_GATHER_ROWS(double); break;
    case SQL_PHYS_NUMERIC: JOIN_GATHER_ROWS(SqlNumeric); break;
    case SQL_PHYS_INTERVAL: JOIN_GATHER_ROWS(SqlInterval); break;
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: JOIN_GATHER_ROWS(Slice); break;
    }
    if (!src->nulls)
        return WEIR_OK;
    if (!(dst->nulls = ARENA_NEW(a, uint64_t, VEC_BATCH / 64)))
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        dst->nulls[i >> 6] |= (src->nulls[rows[i] >> 6] >> (rows[i] & 63) & 1) << (i & 63);
    return WEIR_OK;
}

/* The batch of rows (lrows[i], rids[i]) with the left columns and, when with_right, the right columns
 * (rids[i] JOIN_NONE: NULLs, has_none says whether there are any). lb NULL: every left column is NULL.
 * types: the output column types (NULL: the inputs' own). */
static Batch *join_make_batch(const JoinRun *r, const Batch *lb, const uint32_t *lrows, const uint32_t *rids,
                              int has_none, uint32_t n, int with_right, const SqlType *types, Arena *a)
{
    uint32_t nc = r->nl + (with_right ? r->nr : 0);
    Batch *b = arena_try_calloc(a, sizeof(*b));
    if (!b || !(b->cols = ARENA_NEW(a, Vec, nc ? nc : 1)))
        return NULL;
    b->n = n;
    b->n_cols = nc;
    int identity = lb && n == lb->n;
    for (uint32_t i = 0; identity && i < n; i++)
        identity = lrows[i] == i;
    for (uint32_t c = 0; c < r->nl; c++) {
        if (!lb) {
            SqlType t = types ? types[c] : SQL_TYPE(SQL_UNKNOWN);
            if (vec_init(&b->cols[c], t, a) || vec_fill_null(&b->cols[c], a))
                return NULL;
        } else if (identity) {
            b->cols[c] = lb->cols[c]; /* every left row once, in order: share the vector */
        } else if (join_gather_left(&lb->cols[c], lrows, n, a, &b->cols[c])) {
            return NULL;
        }
    }
    for (uint32_t c = 0; with_right && c < r->nr; c++)
        if (join_gather_build(r, c, rids, n, has_none, a, &b->cols[r->nl + c]))
            return NULL;
    if (types)
        for (uint32_t c = 0; c < nc; c++)
            b->cols[c].type = types[c];
    return b;
}

/* Turn one slice into output rows: *lrows (left rows) and *rids (build ids or JOIN_NONE, *has_none set
 * when there is one; not set for SEMI/ANTI), *n_out of them. */
static int join_step(Op *op, JoinRun *r, ExecCtx *ctx, const JoinSlice *s, const uint32_t **lrows,
                     const uint32_t **rids, int *has_none, uint32_t *n_out)
{
    const JoinSpec *sp = op->spec;
    *has_none = 0;
    if (!sp->residual) {
        /* every candidate passes, so every row with one is matched: the candidate lists are the output
         * (no copy), plus the rows without any for LEFT/FULL */
        if (r->track_build)
            for (uint32_t j = 0; j < s->n_cand; j++)
                r->bmatched[r->cr[j]] = 1;
        switch (sp->type) {
        case JOIN_SEMI: /* one candidate per row (join_gen) */
            *lrows = r->cl;
            *n_out = s->n_cand;
            return WEIR_OK;
        case JOIN_ANTI:
            *lrows = r->zl;
            *n_out = s->n_zero;
            return WEIR_OK;
        default: {
            uint32_t n = s->n_cand;
            if (r->emit_left && s->n_zero) {
                *has_none = 1;
                for (uint32_t j = 0; j < s->n_zero; j++) {
                    r->cl[n] = r->zl[j];
                    r->cr[n++] = JOIN_NONE;
                }
            }
            *lrows = r->cl;
            *rids = r->cr;
            *n_out = n;
            return WEIR_OK;
        }
        }
    }
    uint32_t n_pass = s->n_cand;
    const uint32_t *pass = NULL; /* NULL: every candidate passed */
    if (s->n_cand) {
        Batch *cb = join_make_batch(r, r->lb, r->cl, r->cr, 0, s->n_cand, 1, NULL, op->batch_arena);
        if (!cb)
            return join_oom(ctx);
        ExprCtx ec;
        exec_expr_ctx(ctx, op->batch_arena, &ec);
        if (expr_filter(&ec, sp->residual, cb, r->psel, &n_pass))
            return WEIR_ERROR;
        pass = r->psel;
    }
    uint32_t n = 0;
    for (uint32_t j = 0; j < n_pass; j++) {
        uint32_t c = pass ? pass[j] : j;
        uint32_t l = r->cl[c], id = r->cr[c];
        if (sp->type == JOIN_SEMI) {
            if (!r->lmatched[l])
                r->ol[n++] = l;
        } else if (sp->type != JOIN_ANTI) {
            r->ol[n] = l;
            r->orr[n++] = id;
        }
        r->lmatched[l] = 1;
        if (r->track_build)
            r->bmatched[id] = 1;
    }
    if (r->emit_left || sp->type == JOIN_ANTI) {
        uint32_t n_matched = n;
        for (uint32_t j = 0; j < s->n_zero; j++) {
            r->ol[n] = r->zl[j];
            r->orr[n++] = JOIN_NONE;
        }
        for (uint32_t j = 0; j < s->n_fin; j++) {
            if (r->lmatched[r->fin[j]])
                continue;
            r->ol[n] = r->fin[j];
            r->orr[n++] = JOIN_NONE;
        }
        *has_none = n > n_matched;
    }
    *lrows = r->ol;
    *rids = r->orr;
    *n_out = n;
    return WEIR_OK;
}

/* RIGHT/FULL at the end: the build rows no left row matched, with NULL left columns. */
static int join_emit_unmatched(Op *op, JoinRun *r, ExecCtx *ctx, Batch **out)
{
    uint32_t n = 0;
    while (r->pos_build < r->n_build && n < VEC_BATCH) {
        r->orr[n] = r->pos_build;
        n += !r->bmatched[r->pos_build];
        r->pos_build++;
    }
    if (!n) {
        r->phase = JOIN_PH_DONE;
        return WEIR_OK;
    }
    if (!(*out = join_make_batch(r, NULL, NULL, r->orr, 0, n, 1, op->types, op->batch_arena)))
        return join_oom(ctx);
    return WEIR_OK;
}

/* First call: the first left batch, then the build side. */
static int join_start(Op *op, JoinRun *r, ExecCtx *ctx)
{
    const JoinSpec *sp = op->spec;
    Batch *lb;
    if (op_next(op->child, ctx, &lb))
        return WEIR_ERROR;
    if (!lb && !r->track_build) {
        r->phase = JOIN_PH_DONE; /* nothing to probe with and no build rows to emit: skip the right input */
        return WEIR_OK;
    }
    if (join_drain_right(op, r, ctx) || join_index_build(r, ctx))
        return WEIR_ERROR;
    if (!r->n_build && (sp->type == JOIN_INNER || sp->type == JOIN_RIGHT || sp->type == JOIN_SEMI)) {
        r->phase = JOIN_PH_DONE;
        return WEIR_OK;
    }
    if (!lb) {
        r->phase = JOIN_PH_UNMATCHED;
        return WEIR_OK;
    }
    r->phase = JOIN_PH_PROBE;
    return join_probe_begin(op, r, ctx, lb);
}

/* ------------------------------------------------------------------------------------------------
 * Operator entry points
 * ---------------------------------------------------------------------------------------------- */

int op_join_open(Op *op, ExecCtx *ctx)
{
    const JoinSpec *sp = op->spec;
    if (!sp || !op->child || !op->right)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: join without its inputs");
    uint32_t nl = op->child->n_cols, nr = op->right->n_cols;
    int semi_anti = sp->type == JOIN_SEMI || sp->type == JOIN_ANTI;
    if (op->n_cols != nl + (semi_anti ? 0 : nr))
        return sql_error_set(ctx->err, "XX000", 0,
                             "internal error: join output has %u columns, inputs %u and %u", op->n_cols, nl,
                             nr);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        SqlTypeId in = c < nl ? op->child->types[c].id : op->right->types[c - nl].id;
        if (sql_type_phys(op->types[c].id) != sql_type_phys(in))
            return sql_error_set(ctx->err, "XX000", 0, "internal error: join output column %u changes type",
                                 c);
    }
    for (uint32_t k = 0; k < sp->n_keys; k++)
        if (sql_type_phys(sp->lkeys[k]->type.id) != sql_type_phys(sp->rkeys[k]->type.id))
            return sql_error_set(ctx->err, "XX000", 0, "internal error: join key %u has two types", k);

    Arena *state = arena_create(ctx->arena, ARENA_UNLIMITED);
    JoinRun *r = arena_try_calloc(state, sizeof(*r));
    if (!r) {
        arena_destroy(&state);
        return join_oom(ctx);
    }
    r->state = state;
    r->probe = arena_create(ctx->arena, ARENA_UNLIMITED);
    op->state = r;
    r->phase = JOIN_PH_START;
    r->nl = nl;
    r->nr = nr;
    r->n_keys = sp->n_keys;
    r->emit_left = sp->type == JOIN_LEFT || sp->type == JOIN_FULL;
    r->track_build = sp->type == JOIN_RIGHT || sp->type == JOIN_FULL;
    r->need_rcols = !semi_anti || sp->residual;
    uint32_t k_n = sp->n_keys ? sp->n_keys : 1;
    if (!(r->key_src = ARENA_NEW(state, uint32_t, k_n)) || !(r->key_kind = ARENA_NEW(state, uint8_t, k_n)) ||
        !(r->key_w = ARENA_NEW(state, size_t, k_n)) || !(r->lkey = ARENA_NEW(state, Vec, k_n)) ||
        !(r->store_types = ARENA_NEW(state, SqlType, nr + k_n)))
        return join_oom(ctx);
    /* chunk columns: the right columns when needed, then each key that is not one of them */
    uint32_t ns = 0;
    if (r->need_rcols)
        for (; ns < nr; ns++)
            r->store_types[ns] = op->right->types[ns];
    for (uint32_t k = 0; k < sp->n_keys; k++) {
        const Expr *e = sp->rkeys[k];
        r->key_kind[k] = (uint8_t)join_key_kind(sp->lkeys[k]->type.id, e->type.id);
        r->key_w[k] = vec_elem_size(e->type.id);
        if (r->need_rcols && e->kind == EXPR_COL && e->u.col < nr &&
            sql_type_phys(op->right->types[e->u.col].id) == sql_type_phys(e->type.id)) {
            r->key_src[k] = e->u.col;
        } else {
            r->key_src[k] = ns;
            r->store_types[ns++] = e->type;
        }
    }
    r->n_store = ns;
    if (!(r->lhash = ARENA_NEW(state, uint64_t, VEC_BATCH)) ||
        !(r->lfirst = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->lmatched = ARENA_NEW(state, uint8_t, VEC_BATCH)) ||
        !(r->lskip = ARENA_NEW(state, uint8_t, VEC_BATCH)) ||
        !(r->cl = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->cr = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->zl = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->fin = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->psel = ARENA_NEW(state, uint32_t, VEC_BATCH)) ||
        !(r->ol = ARENA_NEW(state, uint32_t, VEC_BATCH)) || !(r->orr = ARENA_NEW(state, uint32_t, VEC_BATCH)))
        return join_oom(ctx);
    return WEIR_OK;
}

int op_join_next(Op *op, ExecCtx *ctx, Batch **out)
{
    JoinRun *r = op->state;
    const JoinSpec *sp = op->spec;
    *out = NULL;
    if (r->phase == JOIN_PH_START && join_start(op, r, ctx))
        return WEIR_ERROR;
    for (;;) {
        switch (r->phase) {
        case JOIN_PH_START:
        case JOIN_PH_DONE: return WEIR_OK;
        case JOIN_PH_UNMATCHED: return join_emit_unmatched(op, r, ctx, out);
        case JOIN_PH_PROBE: break;
        }
        if (r->pos_row >= r->lb->n) {
            Batch *lb;
            if (op_next(op->child, ctx, &lb))
                return WEIR_ERROR;
            if (!lb) {
                r->lb = NULL;
                r->phase = r->track_build ? JOIN_PH_UNMATCHED : JOIN_PH_DONE;
                continue;
            }
            if (join_probe_begin(op, r, ctx, lb))
                return WEIR_ERROR;
        }
        JoinSlice s;
        uint32_t n = 0;
        const uint32_t *lrows = NULL, *rids = NULL;
        int has_none = 0;
        join_gen(op, r, &s);
        if (join_step(op, r, ctx, &s, &lrows, &rids, &has_none, &n))
            return WEIR_ERROR;
        if (n) {
            int semi_anti = sp->type == JOIN_SEMI || sp->type == JOIN_ANTI;
            if (!(*out = join_make_batch(r, r->lb, lrows, rids, has_none, n, !semi_anti, op->types,
                                         op->batch_arena)))
                return join_oom(ctx);
            return WEIR_OK;
        }
        /* nothing in this slice (no matches, or the residual rejected them all): go on, without
         * keeping the slice's scratch */
        arena_reset(op->batch_arena);
        if (exec_check_cancel(ctx))
            return WEIR_ERROR;
    }
}

void op_join_close(Op *op)
{
    JoinRun *r = op->state;
    if (!r)
        return;
    arena_destroy(&r->probe);
    Arena *state = r->state; /* r lives in it */
    arena_destroy(&state);
    op->state = NULL;
}
