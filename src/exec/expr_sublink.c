/*
 * expr_sublink.c: subqueries in expressions (EXPR_SUBLINK): EXISTS, x op ANY/ALL (including IN and NOT
 * IN), and scalar subqueries.
 *
 * An uncorrelated subquery runs once per execution: its result (whether a row exists, the scalar, or
 * the column's values) is cached in the Expr keyed by ExecCtx.run_id, in the run's arena, so a later
 * run of the same plan never sees a stale cache. A correlated subquery runs once per row of the batch,
 * with that row pushed as the OuterRow its EXPR_OUTER references read, inside an arena made for that row
 * and freed after it (run state of its operators included), so memory stays flat however many rows.
 *
 * ANY/ALL follow SQL's three-valued logic: ANY is TRUE if a comparison is TRUE, else NULL if one is NULL
 * (a NULL in the subquery counts), else FALSE (so FALSE over no rows, whatever x); ALL is the mirror.
 * x = ANY (uncorrelated) with both sides of one type sorts the values once and binary-searches per row.
 *
 * A correlated subquery that reads only columns of the immediately enclosing row (the binder lists them
 * in u.sub.memo_cols) is memoized per run: its result is kept under the values of those columns, so
 * `WHERE bytes = (SELECT max(bytes) FROM t d WHERE d.country = c.country)` runs the subquery once per
 * country, not once per row.
 */
#include "exec/op.h"

#include <stdlib.h>
#include <string.h>

typedef struct SubCache {
    int exists;
    uint32_t n, cap;
    SqlValue *vals; /* ANY/ALL: the non-NULL values of column 0; EXPR: vals[0] when n == 1 */
    int has_null;   /* ANY/ALL: column 0 held a NULL */
    int sorted;     /* vals sorted (the = fast path) */
} SubCache;

static int sub_oom(ExprCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Run the subquery with x, collecting into c (values kept in keep). */
static int sub_run(ExprCtx *ctx, const Expr *e, ExecCtx *x, Arena *keep, SubCache *c)
{
    Op *plan = e->u.sub.plan;
    int kind = e->u.sub.kind;
    memset(c, 0, sizeof(*c));
    int rc = op_open(plan, x);
    while (rc == WEIR_OK) {
        Batch *b;
        if ((rc = op_next(plan, x, &b)) != WEIR_OK || !b)
            break;
        if (kind == SUBLINK_EXISTS) {
            c->exists = 1;
            break;
        }
        if (kind == SUBLINK_EXPR && c->n + b->n > 1) {
            rc = sql_error_set(ctx->err, "21000", 0, "more than one row returned by a subquery used as an expression");
            break;
        }
        for (uint32_t r = 0; r < b->n && rc == WEIR_OK; r++) {
            SqlValue v;
            vec_get(&b->cols[0], r, &v);
            if (v.is_null && kind != SUBLINK_EXPR && kind != SUBLINK_ARRAY) {
                c->has_null = 1;
                continue;
            }
            if (c->n == c->cap) {
                uint32_t nc = c->cap ? c->cap * 2 : 16;
                SqlValue *nv = ARENA_NEW(keep, SqlValue, nc);
                if (!nv) {
                    rc = sub_oom(ctx);
                    break;
                }
                if (c->n)
                    memcpy(nv, c->vals, c->n * sizeof(SqlValue));
                c->vals = nv;
                c->cap = nc;
            }
            if (sql_value_keep(keep, &v)) {
                rc = sub_oom(ctx);
                break;
            }
            c->vals[c->n++] = v;
        }
    }
    op_close(plan);
    return rc;
}

/* Whether the comparison is = over two plain columns of one type (the sorted fast path applies). */
static int cmp_is_plain_eq(const Expr *cmp)
{
    return cmp->kind == EXPR_FUNC && cmp->n_args == 2 && cmp->u.fn.def && strcmp(cmp->u.fn.def->name, "=") == 0 &&
           cmp->args[0]->kind == EXPR_COL && cmp->args[1]->kind == EXPR_COL &&
           cmp->args[0]->type.id == cmp->args[1]->type.id;
}

static int value_cmp_qsort(const void *a, const void *b)
{
    return sql_value_cmp(a, b);
}

static int set_bool(ExprCtx *ctx, Vec *out, uint32_t row, int v /* 1, 0, -1 = NULL */)
{
    if (v < 0)
        return vec_set_null(out, row, ctx->arena) ? sub_oom(ctx) : WEIR_OK;
    out->u.b[row] = (uint8_t)v;
    return WEIR_OK;
}

/* ANY/ALL over rows rows[0..n) of x (the tested values), writing out rows dst[0..n). */
static int any_all(ExprCtx *ctx, const Expr *e, const SubCache *c, const Vec *x, uint32_t n, const uint32_t *dst,
                   Vec *out)
{
    int is_any = e->u.sub.kind == SUBLINK_ANY;
    const Expr *cmp = e->args[1];
    if (is_any && c->sorted) {
        for (uint32_t r = 0; r < n; r++) {
            int res;
            if (vec_is_null(x, r)) {
                res = c->n == 0 && !c->has_null ? 0 : -1;
            } else {
                SqlValue v;
                vec_get(x, r, &v);
                v.type = c->n ? c->vals[0].type : v.type;
                res = c->n && bsearch(&v, c->vals, c->n, sizeof(SqlValue), value_cmp_qsort) ? 1 : c->has_null ? -1 : 0;
            }
            if (set_bool(ctx, out, dst[r], res))
                return WEIR_ERROR;
        }
        return WEIR_OK;
    }
    /* general: evaluate the comparison against each value over the whole vector, then combine */
    uint8_t *state = arena_try_calloc(ctx->arena, n ? n : 1); /* bit 1: saw TRUE, bit 2: saw FALSE, bit 4: saw NULL */
    Vec cols[2];
    Batch two = {.n = n, .n_cols = 2, .cols = cols};
    if (!state)
        return sub_oom(ctx);
    cols[0] = *x;
    for (uint32_t k = 0; k < c->n; k++) {
        Vec res;
        if (vec_broadcast(&c->vals[k], n, ctx->arena, &cols[1]))
            return sub_oom(ctx);
        if (expr_eval(ctx, cmp, &two, n, &res))
            return WEIR_ERROR;
        for (uint32_t r = 0; r < n; r++)
            state[r] |= vec_is_null(&res, r) ? 4 : res.u.b[r] ? 1 : 2;
    }
    for (uint32_t r = 0; r < n; r++) {
        uint8_t s = (uint8_t)(state[r] | (c->has_null ? 4 : 0));
        int res = is_any ? (s & 1 ? 1 : s & 4 ? -1 : 0) : (s & 2 ? 0 : s & 4 ? -1 : 1);
        if (set_bool(ctx, out, dst[r], res))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Memo of a correlated subquery's results, keyed by the encoded values of its memo columns. */
typedef struct MemoEntry {
    struct MemoEntry *next;
    uint64_t hash;
    size_t klen;
    uint8_t *key;
    SubCache c;
} MemoEntry;

typedef struct Memo {
    MemoEntry **buckets;
    uint32_t n_buckets, n;
} Memo;

#define MEMO_MAX_ENTRIES 65536 /* past this, new keys run without being remembered */

/* Encode the memo columns of row r (type-tagged, NULL distinct from every value) into buf. */
static size_t memo_key(const Expr *e, const Batch *in, uint32_t r, uint8_t *buf, size_t cap)
{
    size_t o = 0;
    for (uint32_t k = 0; k < e->u.sub.n_memo; k++) {
        SqlValue v;
        vec_get(&in->cols[e->u.sub.memo_cols[k]], r, &v);
        const void *p = NULL;
        size_t len = 0;
        if (!v.is_null) {
            switch (sql_type_phys(v.type.id)) {
            case SQL_PHYS_BOOL: p = &v.u.b, len = 1; break;
            case SQL_PHYS_INT: p = &v.u.i, len = sizeof(v.u.i); break;
            case SQL_PHYS_FLOAT: p = &v.u.f, len = sizeof(v.u.f); break;
            case SQL_PHYS_NUMERIC: p = &v.u.num, len = sizeof(v.u.num); break;
            case SQL_PHYS_INTERVAL: p = &v.u.iv, len = sizeof(v.u.iv); break;
            case SQL_PHYS_STR: p = v.u.s.p, len = v.u.s.n; break;
            default: break;
            }
        }
        uint8_t hdr[1 + sizeof(size_t)];
        hdr[0] = v.is_null;
        memcpy(hdr + 1, &len, sizeof(len));
        if (o + sizeof(hdr) + len <= cap) {
            memcpy(buf + o, hdr, sizeof(hdr));
            if (len)
                memcpy(buf + o + sizeof(hdr), p, len);
        }
        o += sizeof(hdr) + len;
    }
    return o;
}

static uint64_t memo_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

/* Write the result for rows dst[0..n) from a run's cache (x: the tested values of those rows). */
static int sub_result(ExprCtx *ctx, const Expr *e, const SubCache *c, const Vec *x, uint32_t n, const uint32_t *dst,
                      Vec *out)
{
    switch (e->u.sub.kind) {
    case SUBLINK_EXISTS:
        for (uint32_t r = 0; r < n; r++)
            out->u.b[dst[r]] = (uint8_t)c->exists;
        return WEIR_OK;
    case SUBLINK_EXPR:
        for (uint32_t r = 0; r < n; r++) {
            SqlValue v;
            if (c->n == 0) {
                if (vec_set_null(out, dst[r], ctx->arena))
                    return sub_oom(ctx);
                continue;
            }
            v = c->vals[0];
            if (sql_value_keep(ctx->arena, &v) || vec_put(out, dst[r], &v, ctx->arena))
                return sub_oom(ctx);
        }
        return WEIR_OK;
    case SUBLINK_ARRAY: {
        Slice arr;
        if (expr_array_text(c->vals, c->n, ctx->fmt, ctx->arena, &arr))
            return sub_oom(ctx);
        for (uint32_t r = 0; r < n; r++)
            out->u.s[dst[r]] = arr;
        return WEIR_OK;
    }
    default:
        return any_all(ctx, e, c, x, n, dst, out);
    }
}

int expr_sublink_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    ExecCtx *exec = ctx->exec;
    if (!exec)
        return sql_error_set(ctx->err, "0A000", 0, "subqueries are not allowed here");
    if (vec_init(out, e->type, ctx->arena))
        return sub_oom(ctx);
    Vec x;
    memset(&x, 0, sizeof(x));
    int tested = e->u.sub.kind == SUBLINK_ANY || e->u.sub.kind == SUBLINK_ALL;
    if (tested && expr_eval(ctx, e->args[0], in, n, &x))
        return WEIR_ERROR;
    uint32_t *ident = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    if (!ident)
        return sub_oom(ctx);
    for (uint32_t r = 0; r < n; r++)
        ident[r] = r;
    if (!e->u.sub.correlated) {
        Expr *me = (Expr *)e; /* the cache is run state kept in the plan node, one per portal's plan */
        Arena *run = exec->run_arena ? exec->run_arena : exec->arena;
        if (me->u.sub.cached_run != exec->run_id || !me->u.sub.cache) {
            SubCache *c = arena_try_calloc(run, sizeof(*c));
            if (!c)
                return sub_oom(ctx);
            if (sub_run(ctx, e, exec, run, c))
                return WEIR_ERROR;
            if (tested && c->n > 8 && cmp_is_plain_eq(e->args[1])) {
                qsort(c->vals, c->n, sizeof(SqlValue), value_cmp_qsort);
                c->sorted = 1;
            }
            me->u.sub.cache = c;
            me->u.sub.cached_run = exec->run_id;
        }
        return sub_result(ctx, e, me->u.sub.cache, &x, n, ident, out);
    }
    /* correlated: once per row, that row pushed as the outer row (or once per distinct memo key) */
    Expr *me = (Expr *)e;
    Arena *run = exec->run_arena ? exec->run_arena : exec->arena;
    Memo *memo = NULL;
    if (e->u.sub.memo_cols && in) {
        if (me->u.sub.cached_run != exec->run_id || !me->u.sub.cache) {
            Memo *m = arena_try_calloc(run, sizeof(*m));
            if (!m || !(m->buckets = arena_try_calloc(run, sizeof(MemoEntry *) * 1024)))
                return sub_oom(ctx);
            m->n_buckets = 1024;
            me->u.sub.cache = m;
            me->u.sub.cached_run = exec->run_id;
        }
        memo = me->u.sub.cache;
    }
    for (uint32_t r = 0; r < n; r++) {
        if (exec_check_cancel(exec))
            return WEIR_ERROR;
        MemoEntry *hit = NULL;
        uint8_t kbuf[256];
        uint8_t *key = kbuf;
        size_t klen = 0;
        uint64_t h = 0;
        if (memo) {
            klen = memo_key(e, in, r, kbuf, sizeof(kbuf));
            if (klen > sizeof(kbuf)) {
                if (!(key = ARENA_NEW(ctx->arena, uint8_t, klen)))
                    return sub_oom(ctx);
                memo_key(e, in, r, key, klen);
            }
            h = memo_hash(key, klen);
            for (hit = memo->buckets[h & (memo->n_buckets - 1)]; hit; hit = hit->next)
                if (hit->hash == h && hit->klen == klen && memcmp(hit->key, key, klen) == 0)
                    break;
            if (hit) {
                Vec xr;
                memset(&xr, 0, sizeof(xr));
                if (tested && vec_gather(&x, &r, 1, ctx->arena, &xr))
                    return sub_oom(ctx);
                if (sub_result(ctx, e, &hit->c, &xr, 1, &r, out))
                    return WEIR_ERROR;
                continue;
            }
        }
        Arena *a = arena_create(exec->arena, ARENA_UNLIMITED);
        if (!a)
            return sub_oom(ctx);
        Batch none = {.n = n, .n_cols = 0, .cols = NULL}; /* a query without FROM still has rows */
        OuterRow row = {.batch = in ? in : &none, .row = r, .up = ctx->outer};
        ExecCtx sub = *exec;
        sub.arena = a;
        sub.outer = &row;
        SubCache c;
        int remember = memo && memo->n < MEMO_MAX_ENTRIES;
        int rc = sub_run(ctx, e, &sub, remember ? run : a, &c);
        if (rc == WEIR_OK && remember) {
            MemoEntry *ent = arena_try_calloc(run, sizeof(*ent));
            uint8_t *kc = ent ? ARENA_NEW(run, uint8_t, klen ? klen : 1) : NULL;
            if (!kc) {
                rc = sub_oom(ctx);
            } else {
                memcpy(kc, key, klen);
                *ent = (MemoEntry){.next = memo->buckets[h & (memo->n_buckets - 1)], .hash = h, .klen = klen,
                                   .key = kc, .c = c};
                memo->buckets[h & (memo->n_buckets - 1)] = ent;
                memo->n++;
            }
        }
        if (rc == WEIR_OK) {
            Vec xr;
            memset(&xr, 0, sizeof(xr));
            if (tested && vec_gather(&x, &r, 1, ctx->arena, &xr))
                rc = sub_oom(ctx);
            else
                rc = sub_result(ctx, e, &c, &xr, 1, &r, out);
        }
        arena_destroy(&a);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}
