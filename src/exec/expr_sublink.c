/*
 * expr_sublink.c: subqueries in expressions (EXPR_SUBLINK): EXISTS, x op ANY/ALL (including IN and NOT
 * IN), scalar subqueries, and their row forms: (a, b) op ANY/ALL (q), (a, b) [NOT] IN (q) and the row
 * comparison (a, b) op (q).
 *
 * An uncorrelated subquery runs once per execution: its result (whether a row exists, the scalar, or
 * the rows) is cached in the Expr keyed by ExecCtx.run_id, in the run's arena, so a later run of the
 * same plan never sees a stale cache. A correlated subquery runs once per row of the batch, with that
 * row pushed as the OuterRow its EXPR_OUTER references read, inside an arena made for that row and freed
 * after it (run state of its operators included), so memory stays flat however many rows.
 *
 * The tested values are the Expr's args (one, or a row constructor's k items); the comparison
 * (u.sub.cmp_expr, built by bind_row_compare) is an expression over a pseudo-row of 2k columns, the
 * tested values then one subquery row, so a row's = (AND of the pairs), <> (OR) and lexicographic <
 * come from the binder and this file only combines their answers. It follows SQL's three-valued
 * logic: ANY is TRUE if a comparison is TRUE, else NULL if one is NULL, else FALSE (so FALSE over no
 * rows, whatever x); ALL is the mirror; a row comparison with a subquery is the comparison with its one
 * row, NULL when there is none. Subquery rows holding a NULL are kept apart from the others. x op
 * ANY/ALL (array) combines its comparisons the same way (expr_any_all_values, for expr.c).
 *
 * x = ANY (uncorrelated), and (a, b) = ANY when every pair is = of one type, sorts the subquery's rows
 * once and binary-searches per tested row; only a miss meets the rows with a NULL (which may make it
 * NULL), and only tested values with a NULL go through the comparison against every row.
 *
 * A correlated subquery that reads only columns of the immediately enclosing row (the binder lists them
 * in u.sub.memo_cols) is memoized per run: its result is kept under the values of those columns, so
 * `WHERE bytes = (SELECT max(bytes) FROM t d WHERE d.country = c.country)` runs the subquery once per
 * country, not once per row.
 */
#include "exec/op.h"

#include <stdlib.h>
#include <string.h>

/* A row of a subquery's result, for sorting and binary search (width values from v). */
typedef struct SubRow {
    const SqlValue *v;
    uint32_t width;
} SubRow;

typedef struct SubCache {
    int exists;
    uint32_t width;         /* values per row: the number of tested values (1 unless a row constructor) */
    uint32_t n, cap;        /* rows in vals */
    SqlValue *vals;         /* EXPR/ARRAY: column 0's values in order, NULLs included; ANY/ALL/ROWCOMPARE:
                             * the rows without a NULL, width values each */
    uint32_t n_null, cap_null;
    SqlValue *nulls;        /* ANY/ALL/ROWCOMPARE: the rows with a NULL (of one column, one is enough) */
    SubRow *sorted;         /* ANY with = over plain columns: vals' rows in order, for binary search */
} SubCache;

static int sub_oom(ExprCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Room for one more row of width values at the end of *arr (growing it in keep); the slot, or NULL. */
static SqlValue *rows_push(Arena *keep, SqlValue **arr, uint32_t *n, uint32_t *cap, uint32_t width)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        SqlValue *nv = arena_try_calloc_array(keep, (size_t)nc * width, sizeof(SqlValue));
        if (!nv)
            return NULL;
        if (*n)
            memcpy(nv, *arr, (size_t)*n * width * sizeof(SqlValue));
        *arr = nv;
        *cap = nc;
    }
    return *arr + (size_t)(*n)++ * width;
}

/* Run the subquery with x, collecting into c (values kept in keep). */
static int sub_run(ExprCtx *ctx, const Expr *e, ExecCtx *x, Arena *keep, SubCache *c)
{
    Op *plan = e->u.sub.plan;
    int kind = e->u.sub.kind;
    int tested = kind == SUBLINK_ANY || kind == SUBLINK_ALL || kind == SUBLINK_ROWCOMPARE;
    uint32_t width = tested ? e->n_args : 1;
    memset(c, 0, sizeof(*c));
    c->width = width;
    int rc = op_open(plan, x);
    while (rc == WEIR_OK) {
        Batch *b;
        if ((rc = op_next(plan, x, &b)) != WEIR_OK || !b)
            break;
        if (kind == SUBLINK_EXISTS) {
            c->exists = 1;
            break;
        }
        if ((kind == SUBLINK_EXPR || kind == SUBLINK_ROWCOMPARE) && c->n + c->n_null + b->n > 1) {
            rc = sql_error_set(ctx->err, "21000", 0, "more than one row returned by a subquery used as an expression");
            break;
        }
        for (uint32_t r = 0; r < b->n && rc == WEIR_OK; r++) {
            int has_null = 0;
            for (uint32_t i = 0; i < width && tested; i++)
                has_null |= vec_is_null(&b->cols[i], r);
            if (has_null && width == 1 && c->n_null)
                continue; /* x op NULL is NULL whatever x: one NULL row says all */
            SqlValue *slot = has_null ? rows_push(keep, &c->nulls, &c->n_null, &c->cap_null, width)
                                      : rows_push(keep, &c->vals, &c->n, &c->cap, width);
            if (!slot) {
                rc = sub_oom(ctx);
                break;
            }
            for (uint32_t i = 0; i < width; i++) {
                vec_get(&b->cols[i], r, &slot[i]);
                if (sql_value_keep(keep, &slot[i])) {
                    rc = sub_oom(ctx);
                    break;
                }
            }
        }
    }
    op_close(plan);
    return rc;
}

/* Whether f is = over columns a and b of one type (a plain equality the sorted search can answer). */
static int pair_is_plain_eq(const Expr *f, uint32_t a, uint32_t b)
{
    return f->kind == EXPR_FUNC && f->n_args == 2 && f->u.fn.def && strcmp(f->u.fn.def->name, "=") == 0 &&
           f->args[0]->kind == EXPR_COL && f->args[1]->kind == EXPR_COL && f->args[0]->u.col == a &&
           f->args[1]->u.col == b && f->args[0]->type.id == f->args[1]->type.id;
}

/* Whether the comparison over (tested values, subquery row) of width columns each is plain equality of
 * every pair: = for one column, the AND of the pairs' = for a row (bind_row_compare's shape). */
static int cmp_is_plain_eq(const Expr *cmp, uint32_t width)
{
    if (width == 1)
        return pair_is_plain_eq(cmp, 0, 1);
    if (cmp->kind != EXPR_AND || cmp->n_args != width)
        return 0;
    for (uint32_t i = 0; i < width; i++)
        if (!pair_is_plain_eq(cmp->args[i], i, width + i))
            return 0;
    return 1;
}

static int subrow_cmp(const void *a, const void *b)
{
    const SubRow *x = a, *y = b;
    for (uint32_t i = 0; i < x->width; i++) {
        int c = sql_value_cmp(&x->v[i], &y->v[i]);
        if (c)
            return c;
    }
    return 0;
}

/* Sort c's rows for the = ANY fast path (uncorrelated results, reused by every batch). */
static int sub_sort(ExprCtx *ctx, Arena *keep, SubCache *c)
{
    SubRow *rows = arena_try_calloc_array(keep, c->n, sizeof(SubRow));
    if (!rows)
        return sub_oom(ctx);
    for (uint32_t i = 0; i < c->n; i++)
        rows[i] = (SubRow){c->vals + (size_t)i * c->width, c->width};
    qsort(rows, c->n, sizeof(SubRow), subrow_cmp);
    c->sorted = rows;
    return WEIR_OK;
}

static int set_bool(ExprCtx *ctx, Vec *out, uint32_t row, int v /* 1, 0, -1 = NULL */)
{
    if (v < 0)
        return vec_set_null(out, row, ctx->arena) ? sub_oom(ctx) : WEIR_OK;
    out->u.b[row] = (uint8_t)v;
    return WEIR_OK;
}

/* Bits of the per-row state the comparisons leave. */
enum { SAW_TRUE = 1, SAW_FALSE = 2, SAW_NULL = 4 };

/* Evaluate the comparison of the tested values xs[0..width) (n rows) with each of rows[0..n_rows)
 * (width values each), OR-ing what each comparison gave into state[0..n). The broadcast subquery
 * values and the comparison's vectors go into a scratch arena reset per row, so memory stays flat
 * however many rows the subquery has. */
static int cmp_rows(ExprCtx *ctx, const Expr *cmp, uint32_t width, const Vec *xs, uint32_t n, const SqlValue *rows,
                    uint32_t n_rows, uint8_t *state)
{
    if (!n_rows || !n)
        return WEIR_OK;
    Vec *cols = ARENA_NEW(ctx->arena, Vec, 2 * width);
    Arena *scratch = cols ? arena_create(ctx->arena, ARENA_UNLIMITED) : NULL;
    if (!scratch)
        return sub_oom(ctx);
    ExprCtx sc = *ctx;
    sc.arena = scratch;
    Batch two = {.n = n, .n_cols = 2 * width, .cols = cols};
    memcpy(cols, xs, width * sizeof(Vec));
    int rc = WEIR_OK;
    for (uint32_t k = 0; k < n_rows && rc == WEIR_OK; k++) {
        arena_reset(scratch);
        for (uint32_t i = 0; i < width && rc == WEIR_OK; i++)
            if (vec_broadcast(&rows[(size_t)k * width + i], n, scratch, &cols[width + i]))
                rc = sub_oom(ctx);
        Vec res;
        if (rc || (rc = expr_eval(&sc, cmp, &two, n, &res)))
            break;
        for (uint32_t r = 0; r < n; r++)
            state[r] |= vec_is_null(&res, r) ? SAW_NULL : res.u.b[r] ? SAW_TRUE : SAW_FALSE;
    }
    arena_destroy(&scratch);
    return rc;
}

/* cmp_rows over the tested rows sel[0..n_sel) only. */
static int cmp_rows_sel(ExprCtx *ctx, const Expr *cmp, uint32_t width, const Vec *xs, const uint32_t *sel,
                        uint32_t n_sel, const SqlValue *rows, uint32_t n_rows, uint8_t *state)
{
    if (!n_sel || !n_rows)
        return WEIR_OK;
    Vec *g = ARENA_NEW(ctx->arena, Vec, width);
    uint8_t *st = arena_try_calloc(ctx->arena, n_sel);
    if (!g || !st)
        return sub_oom(ctx);
    for (uint32_t i = 0; i < width; i++)
        if (vec_gather(&xs[i], sel, n_sel, ctx->arena, &g[i]))
            return sub_oom(ctx);
    if (cmp_rows(ctx, cmp, width, g, n_sel, rows, n_rows, st))
        return WEIR_ERROR;
    for (uint32_t j = 0; j < n_sel; j++)
        state[sel[j]] |= st[j];
    return WEIR_OK;
}

/* What the comparisons of one tested row left (state) answer: ANY is TRUE if one was TRUE, else NULL if
 * one was NULL, else FALSE (FALSE over no rows); ALL the mirror (TRUE over no rows). 1, 0 or -1 (NULL). */
static int any_all_answer(uint8_t state, int is_all)
{
    if (is_all)
        return state & SAW_FALSE ? 0 : state & SAW_NULL ? -1 : 1;
    return state & SAW_TRUE ? 1 : state & SAW_NULL ? -1 : 0;
}

/* ANY/ALL/ROWCOMPARE over n rows of the tested values xs[0..c->width), writing out rows dst[0..n). */
static int any_all(ExprCtx *ctx, const Expr *e, const SubCache *c, const Vec *xs, uint32_t n, const uint32_t *dst,
                   Vec *out)
{
    uint32_t width = c->width;
    const Expr *cmp = e->u.sub.cmp_expr;
    uint8_t *state = arena_try_calloc(ctx->arena, n ? n : 1);
    if (!state)
        return sub_oom(ctx);
    if (c->sorted) {
        /* x = ANY over sorted rows: a binary search finds TRUE; a miss is FALSE unless a row with a NULL
         * makes the comparison NULL, and tested values with a NULL compare against every row */
        uint32_t *miss = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1), n_miss = 0;
        uint32_t *partial = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1), n_partial = 0;
        SqlValue *key = ARENA_NEW(ctx->arena, SqlValue, width);
        if (!miss || !partial || !key)
            return sub_oom(ctx);
        for (uint32_t r = 0; r < n; r++) {
            int has_null = 0;
            for (uint32_t i = 0; i < width; i++)
                has_null |= vec_is_null(&xs[i], r);
            if (has_null) {
                if (width == 1) /* NULL = v is NULL for every v: NULL, as there are rows (n > 8) */
                    state[r] = SAW_NULL;
                else
                    partial[n_partial++] = r;
                continue;
            }
            for (uint32_t i = 0; i < width; i++) {
                vec_get(&xs[i], r, &key[i]);
                key[i].type = c->sorted[0].v[i].type;
            }
            SubRow kr = {key, width};
            if (bsearch(&kr, c->sorted, c->n, sizeof(SubRow), subrow_cmp))
                state[r] = SAW_TRUE;
            else
                miss[n_miss++] = r;
        }
        if (cmp_rows_sel(ctx, cmp, width, xs, partial, n_partial, c->vals, c->n, state) ||
            cmp_rows_sel(ctx, cmp, width, xs, partial, n_partial, c->nulls, c->n_null, state) ||
            cmp_rows_sel(ctx, cmp, width, xs, miss, n_miss, c->nulls, c->n_null, state))
            return WEIR_ERROR;
    } else if (cmp_rows(ctx, cmp, width, xs, n, c->vals, c->n, state) ||
               cmp_rows(ctx, cmp, width, xs, n, c->nulls, c->n_null, state)) {
        return WEIR_ERROR;
    }
    int kind = e->u.sub.kind;
    for (uint32_t r = 0; r < n; r++) {
        /* a row comparison with no row: the row compared with NULLs */
        int res = kind == SUBLINK_ROWCOMPARE && c->n + c->n_null == 0 ? -1 : any_all_answer(state[r], kind == SUBLINK_ALL);
        if (set_bool(ctx, out, dst[r], res))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

int expr_any_all_values(ExprCtx *ctx, const Expr *cmp, const Vec *x, const SqlValue *vals, uint32_t n_vals,
                        int is_all, int *res)
{
    uint8_t state = 0;
    if (cmp_rows(ctx, cmp, 1, x, 1, vals, n_vals, &state))
        return WEIR_ERROR;
    *res = any_all_answer(state, is_all);
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

/* Write the result for rows dst[0..n) from a run's cache (xs: the tested values of those rows). */
static int sub_result(ExprCtx *ctx, const Expr *e, const SubCache *c, const Vec *xs, uint32_t n, const uint32_t *dst,
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
        return any_all(ctx, e, c, xs, n, dst, out);
    }
}

int expr_sublink_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    ExecCtx *exec = ctx->exec;
    if (!exec)
        return sql_error_set(ctx->err, "0A000", 0, "subqueries are not allowed here");
    if (vec_init(out, e->type, ctx->arena))
        return sub_oom(ctx);
    /* the tested values (ANY/ALL/ROWCOMPARE: one, or a row constructor's items) */
    uint32_t n_x = e->n_args;
    Vec *xs = ARENA_NEW(ctx->arena, Vec, n_x ? n_x : 1), *xr = ARENA_NEW(ctx->arena, Vec, n_x ? n_x : 1);
    if (!xs || !xr)
        return sub_oom(ctx);
    for (uint32_t i = 0; i < n_x; i++)
        if (expr_eval(ctx, e->args[i], in, n, &xs[i]))
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
            if (e->u.sub.kind == SUBLINK_ANY && c->n > 8 && cmp_is_plain_eq(e->u.sub.cmp_expr, c->width) &&
                sub_sort(ctx, run, c))
                return WEIR_ERROR;
            me->u.sub.cache = c;
            me->u.sub.cached_run = exec->run_id;
        }
        return sub_result(ctx, e, me->u.sub.cache, xs, n, ident, out);
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
                for (uint32_t i = 0; i < n_x; i++)
                    if (vec_gather(&xs[i], &r, 1, ctx->arena, &xr[i]))
                        return sub_oom(ctx);
                if (sub_result(ctx, e, &hit->c, xr, 1, &r, out))
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
        for (uint32_t i = 0; i < n_x && rc == WEIR_OK; i++)
            if (vec_gather(&xs[i], &r, 1, ctx->arena, &xr[i]))
                rc = sub_oom(ctx);
        if (rc == WEIR_OK)
            rc = sub_result(ctx, e, &c, xr, 1, &r, out);
        arena_destroy(&a);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}
