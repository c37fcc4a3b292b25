/*
 * expr.c: vectorized evaluation of bound expressions (see expr.h).
 *
 * Each node produces a whole vector for the batch. Conditional forms (CASE, COALESCE) evaluate their
 * branches on gathered sub-batches holding only the rows that take the branch, then scatter the results
 * back, so a branch never runs (or fails) on rows it does not apply to.
 */
#include "exec/expr.h"

#include "exec/depth.h"

#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------------------
 * Vector helpers
 * ---------------------------------------------------------------------------------------------- */

int vec_gather(const Vec *src, const uint32_t *sel, uint32_t n_sel, Arena *a, Vec *dst)
{
    if (vec_init(dst, src->type, a))
        return WEIR_ENOMEM;
    size_t w = vec_elem_size(src->type.id);
    const uint8_t *s = src->u.data;
    uint8_t *d = dst->u.data;
    for (uint32_t i = 0; i < n_sel; i++)
        memcpy(d + (size_t)i * w, s + (size_t)sel[i] * w, w);
    if (src->nulls)
        for (uint32_t i = 0; i < n_sel; i++)
            if (vec_is_null(src, sel[i]) && vec_set_null(dst, i, a))
                return WEIR_ENOMEM;
    return WEIR_OK;
}

/* Write rows 0..n_sel of src into rows sel[i] of dst (same physical class). */
static int vec_scatter(const Vec *src, const uint32_t *sel, uint32_t n_sel, Arena *a, Vec *dst)
{
    size_t w = vec_elem_size(dst->type.id);
    const uint8_t *s = src->u.data;
    uint8_t *d = dst->u.data;
    for (uint32_t i = 0; i < n_sel; i++) {
        memcpy(d + (size_t)sel[i] * w, s + (size_t)i * w, w);
        if (vec_is_null(src, i)) {
            if (vec_set_null(dst, sel[i], a))
                return WEIR_ENOMEM;
        } else if (dst->nulls) {
            dst->nulls[sel[i] >> 6] &= ~((uint64_t)1 << (sel[i] & 63));
        }
    }
    return WEIR_OK;
}

int vec_broadcast(const SqlValue *v, uint32_t n, Arena *a, Vec *out)
{
    if (vec_init(out, v->type, a))
        return WEIR_ENOMEM;
    if (v->is_null)
        return vec_fill_null(out, a);
    for (uint32_t i = 0; i < n; i++)
        if (vec_put(out, i, v, a))
            return WEIR_ENOMEM;
    return WEIR_OK;
}

Batch *batch_gather(const Batch *in, const uint32_t *sel, uint32_t n_sel, Arena *a)
{
    Batch *b = arena_try_calloc(a, sizeof(*b));
    if (!b)
        return NULL;
    b->n = n_sel;
    b->n_cols = in ? in->n_cols : 0;
    if (!in)
        return b;
    b->cols = ARENA_NEW(a, Vec, in->n_cols ? in->n_cols : 1);
    if (!b->cols)
        return NULL;
    for (uint32_t c = 0; c < in->n_cols; c++)
        if (vec_gather(&in->cols[c], sel, n_sel, a, &b->cols[c]))
            return NULL;
    return b;
}

static int expr_oom(ExprCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* ------------------------------------------------------------------------------------------------
 * Function calls
 * ---------------------------------------------------------------------------------------------- */

static int expr_call(ExprCtx *ctx, const SqlFnDef *def, void *state, const Vec *args, uint32_t n_args, uint32_t n,
                     SqlType ret, Vec *out)
{
    if (vec_init(out, ret, ctx->arena))
        return expr_oom(ctx);
    if (def->is_strict) {
        for (uint32_t i = 0; i < n_args; i++) {
            if (!args[i].nulls)
                continue;
            if (!out->nulls) {
                out->nulls = arena_try_calloc(ctx->arena, VEC_BATCH / 8);
                if (!out->nulls)
                    return expr_oom(ctx);
            }
            for (uint32_t w = 0; w < (n + 63) / 64; w++)
                out->nulls[w] |= args[i].nulls[w];
        }
    }
    SqlFnCtx fc = {.n = n,
                   .arena = ctx->arena,
                   .fmt = ctx->fmt,
                   .stmt_time_usec = ctx->stmt_time_usec,
                   .err = ctx->err,
                   .state = state,
                   .session_user = ctx->session_user,
                   .database = ctx->database,
                   .server_version = ctx->server_version};
    return def->fn(&fc, args, n_args, out);
}

static int expr_eval_args(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec **out)
{
    *out = ARENA_NEW(ctx->arena, Vec, e->n_args ? e->n_args : 1);
    if (!*out)
        return expr_oom(ctx);
    for (uint32_t i = 0; i < e->n_args; i++)
        if (expr_eval(ctx, e->args[i], in, n, &(*out)[i]))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Boolean logic
 * ---------------------------------------------------------------------------------------------- */

static int bool_result(ExprCtx *ctx, Vec *out)
{
    if (vec_init(out, SQL_TYPE(SQL_BOOL), ctx->arena))
        return expr_oom(ctx);
    return WEIR_OK;
}

/* AND (is_and) / OR over args with SQL's three-valued logic. */
static int expr_andor(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out, int is_and)
{
    if (bool_result(ctx, out))
        return WEIR_ERROR;
    /* state per row: 0 = decided-by-identity so far (true for AND, false for OR), 1 = NULL seen */
    uint8_t *unknown = arena_try_calloc(ctx->arena, n ? n : 1);
    if (!unknown)
        return expr_oom(ctx);
    for (uint32_t i = 0; i < n; i++)
        out->u.b[i] = (uint8_t)is_and;
    for (uint32_t k = 0; k < e->n_args; k++) {
        Vec v;
        if (expr_eval(ctx, e->args[k], in, n, &v))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < n; i++) {
            if (vec_is_null(&v, i)) {
                unknown[i] = 1;
                continue;
            }
            if (is_and && !v.u.b[i])
                out->u.b[i] = 0;
            if (!is_and && v.u.b[i])
                out->u.b[i] = 1;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        if (unknown[i] && out->u.b[i] == (uint8_t)is_and && vec_set_null(out, i, ctx->arena))
            return expr_oom(ctx);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Conditionals
 * ---------------------------------------------------------------------------------------------- */

static int expr_case(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    if (vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    uint32_t *rem = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *take = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *keep = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *sub = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    if (!rem || !take || !keep || !sub)
        return expr_oom(ctx);
    uint32_t n_rem = n;
    for (uint32_t i = 0; i < n; i++)
        rem[i] = i;
    uint32_t n_pairs = (e->n_args - (e->u.has_else ? 1 : 0)) / 2;
    for (uint32_t p = 0; p < n_pairs && n_rem > 0; p++) {
        const Batch *bin = in;
        if (n_rem != n) {
            bin = batch_gather(in, rem, n_rem, ctx->arena);
            if (!bin)
                return expr_oom(ctx);
        }
        Vec cond;
        if (expr_eval(ctx, e->args[2 * p], bin, n_rem, &cond))
            return WEIR_ERROR;
        uint32_t n_take = 0, n_keep = 0, n_sub = 0;
        for (uint32_t i = 0; i < n_rem; i++) {
            if (!vec_is_null(&cond, i) && cond.u.b[i]) {
                take[n_take++] = rem[i];
                sub[n_sub++] = i;
            } else {
                keep[n_keep++] = rem[i];
            }
        }
        if (n_take) {
            const Batch *tin = bin;
            if (n_take != n_rem) {
                tin = batch_gather(bin, sub, n_sub, ctx->arena);
                if (!tin)
                    return expr_oom(ctx);
            }
            Vec val;
            if (expr_eval(ctx, e->args[2 * p + 1], tin, n_take, &val))
                return WEIR_ERROR;
            if (vec_scatter(&val, take, n_take, ctx->arena, out))
                return expr_oom(ctx);
        }
        memcpy(rem, keep, n_keep * sizeof(*rem));
        n_rem = n_keep;
    }
    if (n_rem > 0) {
        if (e->u.has_else) {
            const Batch *bin = in;
            if (n_rem != n) {
                bin = batch_gather(in, rem, n_rem, ctx->arena);
                if (!bin)
                    return expr_oom(ctx);
            }
            Vec val;
            if (expr_eval(ctx, e->args[e->n_args - 1], bin, n_rem, &val))
                return WEIR_ERROR;
            if (vec_scatter(&val, rem, n_rem, ctx->arena, out))
                return expr_oom(ctx);
        } else {
            for (uint32_t i = 0; i < n_rem; i++)
                if (vec_set_null(out, rem[i], ctx->arena))
                    return expr_oom(ctx);
        }
    }
    return WEIR_OK;
}

static int expr_coalesce(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    if (vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    uint32_t *rem = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *still = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *got = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    uint32_t *got_sub = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    if (!rem || !still || !got || !got_sub)
        return expr_oom(ctx);
    uint32_t n_rem = n;
    for (uint32_t i = 0; i < n; i++)
        rem[i] = i;
    for (uint32_t k = 0; k < e->n_args && n_rem > 0; k++) {
        const Batch *bin = in;
        if (n_rem != n) {
            bin = batch_gather(in, rem, n_rem, ctx->arena);
            if (!bin)
                return expr_oom(ctx);
        }
        Vec v;
        if (expr_eval(ctx, e->args[k], bin, n_rem, &v))
            return WEIR_ERROR;
        uint32_t n_still = 0, n_got = 0;
        for (uint32_t i = 0; i < n_rem; i++) {
            if (vec_is_null(&v, i)) {
                still[n_still++] = rem[i];
            } else {
                got_sub[n_got] = i;
                got[n_got++] = rem[i];
            }
        }
        if (n_got) {
            Vec g;
            if (vec_gather(&v, got_sub, n_got, ctx->arena, &g) || vec_scatter(&g, got, n_got, ctx->arena, out))
                return expr_oom(ctx);
        }
        memcpy(rem, still, n_still * sizeof(*rem));
        n_rem = n_still;
    }
    for (uint32_t i = 0; i < n_rem; i++)
        if (vec_set_null(out, rem[i], ctx->arena))
            return expr_oom(ctx);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Comparisons with NULL rules of their own
 * ---------------------------------------------------------------------------------------------- */

/* eq = args[0] <op> args[1] via the comparison function, with strict NULLs. */
static int expr_cmp_pair(ExprCtx *ctx, const Expr *e, const Vec *a, const Vec *b, uint32_t n, Vec *eq)
{
    Vec pair[2] = {*a, *b};
    return expr_call(ctx, e->u.cmp.def, e->u.cmp.state, pair, 2, n, SQL_TYPE(SQL_BOOL), eq);
}

static int expr_distinct(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out, int want_distinct)
{
    Vec *args;
    if (expr_eval_args(ctx, e, in, n, &args))
        return WEIR_ERROR;
    Vec eq;
    if (expr_cmp_pair(ctx, e, &args[0], &args[1], n, &eq) || bool_result(ctx, out))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < n; i++) {
        int an = vec_is_null(&args[0], i), bn = vec_is_null(&args[1], i);
        int same = (an && bn) || (!an && !bn && eq.u.b[i]);
        out->u.b[i] = (uint8_t)(want_distinct ? !same : same);
    }
    return WEIR_OK;
}

static int expr_nullif(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec *args;
    if (expr_eval_args(ctx, e, in, n, &args))
        return WEIR_ERROR;
    Vec eq;
    if (expr_cmp_pair(ctx, e, &args[0], &args[1], n, &eq))
        return WEIR_ERROR;
    uint32_t *all = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    if (!all)
        return expr_oom(ctx);
    for (uint32_t i = 0; i < n; i++)
        all[i] = i;
    if (vec_gather(&args[0], all, n, ctx->arena, out))
        return expr_oom(ctx);
    out->type = e->type;
    for (uint32_t i = 0; i < n; i++)
        if (!vec_is_null(&eq, i) && eq.u.b[i] && vec_set_null(out, i, ctx->arena))
            return expr_oom(ctx);
    return WEIR_OK;
}

static int expr_in(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec lhs;
    if (expr_eval(ctx, e->args[0], in, n, &lhs) || bool_result(ctx, out))
        return WEIR_ERROR;
    uint8_t *unknown = arena_try_calloc(ctx->arena, n ? n : 1);
    if (!unknown)
        return expr_oom(ctx);
    for (uint32_t k = 1; k < e->n_args; k++) {
        Vec item, eq;
        if (expr_eval(ctx, e->args[k], in, n, &item) || expr_cmp_pair(ctx, e, &lhs, &item, n, &eq))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < n; i++) {
            if (vec_is_null(&eq, i))
                unknown[i] = 1;
            else if (eq.u.b[i])
                out->u.b[i] = 1;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!out->u.b[i] && unknown[i]) {
            if (vec_set_null(out, i, ctx->arena))
                return expr_oom(ctx);
        } else if (e->u.cmp.negated) {
            out->u.b[i] = !out->u.b[i];
        }
    }
    return WEIR_OK;
}

/* GREATEST / LEAST: NULLs are ignored; the result is NULL only when every argument is. */
static int expr_extreme(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    uint32_t *all = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
    if (!all)
        return expr_oom(ctx);
    for (uint32_t i = 0; i < n; i++)
        all[i] = i;
    Vec cur;
    if (expr_eval(ctx, e->args[0], in, n, &cur))
        return WEIR_ERROR;
    if (vec_gather(&cur, all, n, ctx->arena, out))
        return expr_oom(ctx);
    out->type = e->type;
    for (uint32_t k = 1; k < e->n_args; k++) {
        Vec v, better;
        if (expr_eval(ctx, e->args[k], in, n, &v) || expr_cmp_pair(ctx, e, &v, out, n, &better))
            return WEIR_ERROR;
        uint32_t n_take = 0;
        uint32_t *take = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
        uint32_t *src = ARENA_NEW(ctx->arena, uint32_t, n ? n : 1);
        if (!take || !src)
            return expr_oom(ctx);
        for (uint32_t i = 0; i < n; i++) {
            if (vec_is_null(&v, i))
                continue;
            if (vec_is_null(out, i) || (!vec_is_null(&better, i) && better.u.b[i])) {
                src[n_take] = i;
                take[n_take++] = i;
            }
        }
        Vec g;
        if (n_take && (vec_gather(&v, src, n_take, ctx->arena, &g) || vec_scatter(&g, take, n_take, ctx->arena, out)))
            return expr_oom(ctx);
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Casts
 * ---------------------------------------------------------------------------------------------- */

static int expr_cast(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec src;
    if (expr_eval(ctx, e->args[0], in, n, &src))
        return WEIR_ERROR;
    SqlTypeId from = src.type.id, to = e->type.id;
    /* Same representation and no typmod to apply: a relabel, no work per row. */
    if (from == to && e->type.typmod < 0) {
        *out = src;
        out->type = e->type;
        return WEIR_OK;
    }
    if (vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    for (uint32_t i = 0; i < n; i++) {
        if (vec_is_null(&src, i)) {
            if (vec_set_null(out, i, ctx->arena))
                return expr_oom(ctx);
            continue;
        }
        SqlValue v, r;
        vec_get(&src, i, &v);
        if (sql_value_cast(&v, e->type, ctx->fmt, ctx->arena, &r, ctx->err))
            return WEIR_ERROR;
        if (vec_put(out, i, &r, ctx->arena))
            return expr_oom(ctx);
    }
    return WEIR_OK;
}

/* ARRAY[...]: each row's elements in PostgreSQL's array text form (weir's array representation):
 * an element is double-quoted when it is empty, is "NULL" (any case), or holds a brace, comma, quote,
 * backslash or white space, with quotes and backslashes escaped; a NULL element is NULL. */
static int array_elem_needs_quotes(const uint8_t *p, size_t n)
{
    if (n == 0 || (n == 4 && (p[0] | 32) == 'n' && (p[1] | 32) == 'u' && (p[2] | 32) == 'l' && (p[3] | 32) == 'l'))
        return 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '{' || p[i] == '}' || p[i] == ',' || p[i] == '"' || p[i] == '\\' || p[i] == ' ' ||
            p[i] == '\t' || p[i] == '\n' || p[i] == '\r' || p[i] == '\v' || p[i] == '\f')
            return 1;
    return 0;
}

int expr_array_text(const SqlValue *vals, uint32_t n, const SqlFormatOpts *fmt, Arena *a, Slice *out)
{
    Buf b, t;
    buf_init(&b, 1u << 30);
    buf_init(&t, 1u << 30);
    int rc = buf_append_byte(&b, '{');
    for (uint32_t i = 0; i < n && rc == WEIR_OK; i++) {
        if (i)
            rc = buf_append_byte(&b, ',');
        if (vals[i].is_null) {
            rc = rc ? rc : buf_append_cstr(&b, "NULL");
            continue;
        }
        t.len = 0;
        if (rc || (rc = sql_value_to_text(&vals[i], fmt, &t)) != WEIR_OK)
            break;
        int q = array_elem_needs_quotes(t.p, t.len);
        if (q)
            rc = buf_append_byte(&b, '"');
        for (size_t k = 0; k < t.len && rc == WEIR_OK; k++) {
            if (q && (t.p[k] == '"' || t.p[k] == '\\'))
                rc = buf_append_byte(&b, '\\');
            if (rc == WEIR_OK)
                rc = buf_append_byte(&b, t.p[k]);
        }
        if (q && rc == WEIR_OK)
            rc = buf_append_byte(&b, '"');
    }
    if (rc == WEIR_OK)
        rc = buf_append_byte(&b, '}');
    if (rc == WEIR_OK) {
        char *s = arena_try_strndup(a, (const char *)b.p, b.len);
        if (!s)
            rc = WEIR_ENOMEM;
        else
            *out = (Slice){(const uint8_t *)s, b.len};
    }
    buf_fini(&b);
    buf_fini(&t);
    return rc ? WEIR_ENOMEM : WEIR_OK;
}

static int expr_array(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec *elems = ARENA_NEW(ctx->arena, Vec, e->n_args ? e->n_args : 1);
    SqlValue *row = ARENA_NEW(ctx->arena, SqlValue, e->n_args ? e->n_args : 1);
    if (!elems || !row || vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    for (uint32_t i = 0; i < e->n_args; i++)
        if (expr_eval(ctx, e->args[i], in, n, &elems[i]))
            return WEIR_ERROR;
    for (uint32_t r = 0; r < n; r++) {
        for (uint32_t i = 0; i < e->n_args; i++)
            vec_get(&elems[i], r, &row[i]);
        if (expr_array_text(row, e->n_args, ctx->fmt, ctx->arena, &out->u.s[r]))
            return expr_oom(ctx);
    }
    return WEIR_OK;
}

int64_t expr_elems_parse(ExprCtx *ctx, Slice s, SqlTypeId container, SqlValue **vals, int64_t *lower)
{
    SqlTypeId vt = expr_vector_elem(container);
    if (!vt) {
        *lower = 1;
        return expr_array_parse(ctx, s, SQL_TYPE(SQL_ELEM_OF(container)), vals);
    }
    /* a vector: integers separated by spaces (validated on the way in), subscripts from 0 */
    *lower = 0;
    size_t cap = s.n / 2 + 1, n = 0;
    if (!(*vals = ARENA_NEW(ctx->arena, SqlValue, cap)))
        return expr_oom(ctx), -1;
    for (size_t i = 0; i < s.n;) {
        size_t j = i;
        while (j < s.n && s.p[j] != ' ')
            j++;
        if (j > i && n < cap) {
            SqlValue *v = &(*vals)[n++];
            memset(v, 0, sizeof(*v));
            v->type = SQL_TYPE(vt);
            int neg = s.p[i] == '-';
            for (size_t k = i + (size_t)neg; k < j; k++)
                v->u.i = v->u.i * 10 + (s.p[k] - '0');
            if (neg)
                v->u.i = -v->u.i;
        }
        i = j + 1;
    }
    return (int64_t)n;
}

/* The elements of a one-dimensional array text "{a,\"b c\",NULL}" as values of type t (NULL elements
 * NULL), into vals (grown in a). Returns the count, or -1 with ctx->err. */
int64_t expr_array_parse(ExprCtx *ctx, Slice s, SqlType t, SqlValue **vals)
{
    const char *p = (const char *)s.p, *end = p + s.n;
    size_t cap = 8, n = 0;
    *vals = ARENA_NEW(ctx->arena, SqlValue, cap);
    char *buf = ARENA_NEW(ctx->arena, char, s.n + 1);
    if (!*vals || !buf)
        return expr_oom(ctx), -1;
    while (p < end && *p != '{')
        p++; /* a "[1:2]=" dimension prefix */
    if (p == end)
        return sql_error_set(ctx->err, "22P02", 0, "malformed array literal"), -1;
    p++;
    while (p < end && *p == ' ')
        p++;
    if (p < end && *p == '}')
        return 0;
    for (;;) {
        size_t len = 0;
        int quoted = 0;
        while (p < end && *p == ' ')
            p++;
        if (p < end && *p == '"') {
            quoted = 1;
            for (p++; p < end && *p != '"'; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                buf[len++] = *p;
            }
            if (p == end)
                return sql_error_set(ctx->err, "22P02", 0, "malformed array literal"), -1;
            p++;
        } else {
            for (; p < end && *p != ',' && *p != '}'; p++) {
                if (*p == '\\' && p + 1 < end)
                    p++;
                buf[len++] = *p;
            }
            while (len && buf[len - 1] == ' ')
                len--;
        }
        if (n == cap) {
            SqlValue *nv = ARENA_NEW(ctx->arena, SqlValue, cap * 2);
            if (!nv)
                return expr_oom(ctx), -1;
            memcpy(nv, *vals, n * sizeof(SqlValue));
            *vals = nv;
            cap *= 2;
        }
        SqlValue *v = &(*vals)[n++];
        if (!quoted && len == 4 && strncasecmp(buf, "NULL", 4) == 0) {
            memset(v, 0, sizeof(*v));
            v->type = t;
            v->is_null = 1;
        } else if (sql_value_from_text(t, buf, len, ctx->fmt, ctx->arena, v, ctx->err)) {
            return -1;
        }
        if (p < end && *p == ',') {
            p++;
            continue;
        }
        if (p < end && *p == '}')
            return (int64_t)n;
        return sql_error_set(ctx->err, "22P02", 0, "malformed array literal"), -1;
    }
}

/* array[i]: PostgreSQL's arrays are 1-based (weir's have the default lower bound), the catalog vectors
 * (int2vector, oidvector) 0-based; out of range is NULL */
static int expr_subscript(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec arr, idx;
    if (vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    if (expr_eval(ctx, e->args[0], in, n, &arr) || expr_eval(ctx, e->args[1], in, n, &idx))
        return WEIR_ERROR;
    for (uint32_t r = 0; r < n; r++) {
        SqlValue *vals;
        int64_t m = 0, i = 0, lower = 1;
        if (!vec_is_null(&arr, r) && !vec_is_null(&idx, r)) {
            if ((m = expr_elems_parse(ctx, arr.u.s[r], e->args[0]->type.id, &vals, &lower)) < 0)
                return WEIR_ERROR;
            i = idx.u.i[r] - lower + 1; /* vectors count from 0 */
        }
        if (i < 1 || i > m || vals[i - 1].is_null) {
            if (vec_set_null(out, r, ctx->arena))
                return expr_oom(ctx);
        } else if (vec_put(out, r, &vals[i - 1], ctx->arena)) {
            return expr_oom(ctx);
        }
    }
    return WEIR_OK;
}

/* x op ANY/ALL (array), three-valued as for subqueries: ANY is TRUE if a comparison is, else NULL if one
 * is NULL, else FALSE (FALSE for an empty array); ALL the mirror; a NULL array gives NULL. */
static int expr_any_array(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec x, arr;
    if (vec_init(out, e->type, ctx->arena))
        return expr_oom(ctx);
    if (expr_eval(ctx, e->args[0], in, n, &x) || expr_eval(ctx, e->args[1], in, n, &arr))
        return WEIR_ERROR;
    SqlType et = SQL_TYPE(SQL_ELEM_OF(e->args[1]->type.id));
    for (uint32_t r = 0; r < n; r++) {
        if (vec_is_null(&arr, r)) {
            if (vec_set_null(out, r, ctx->arena))
                return expr_oom(ctx);
            continue;
        }
        SqlValue *vals;
        int64_t m = expr_array_parse(ctx, arr.u.s[r], et, &vals);
        if (m < 0)
            return WEIR_ERROR;
        /* the row's x against each element, combined as for a subquery's values (expr_sublink.c) */
        Vec xr;
        int v;
        if (vec_gather(&x, &r, 1, ctx->arena, &xr))
            return expr_oom(ctx);
        if (expr_any_all_values(ctx, e->u.cmp.pair, &xr, vals, (uint32_t)m, e->u.cmp.negated, &v))
            return WEIR_ERROR;
        if (v < 0) {
            if (vec_set_null(out, r, ctx->arena))
                return expr_oom(ctx);
        } else {
            out->u.b[r] = (uint8_t)v;
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------------------------------- */

int expr_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    /* expressions nest as deep as the statement did: 54001 before the stack runs out */
    if (sql_stack_check(ctx->err))
        return WEIR_ERROR;
    switch (e->kind) {
    case EXPR_CONST:
        if (vec_broadcast(&e->u.cval, n, ctx->arena, out))
            return expr_oom(ctx);
        out->type = e->type;
        return WEIR_OK;
    case EXPR_PARAM:
        if (e->u.param >= ctx->n_params)
            return sql_error_set(ctx->err, "08P01", 0, "there is no parameter $%u", e->u.param + 1);
        if (vec_broadcast(&ctx->params[e->u.param], n, ctx->arena, out))
            return expr_oom(ctx);
        out->type = e->type;
        return WEIR_OK;
    case EXPR_COL:
        if (!in || e->u.col >= in->n_cols)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: column %u out of range", e->u.col);
        *out = in->cols[e->u.col];
        return WEIR_OK;
    case EXPR_FUNC: {
        Vec *args;
        if (expr_eval_args(ctx, e, in, n, &args))
            return WEIR_ERROR;
        return expr_call(ctx, e->u.fn.def, e->u.fn.state, args, e->n_args, n, e->type, out);
    }
    case EXPR_AND:
        return expr_andor(ctx, e, in, n, out, 1);
    case EXPR_OR:
        return expr_andor(ctx, e, in, n, out, 0);
    case EXPR_NOT: {
        Vec v;
        if (expr_eval(ctx, e->args[0], in, n, &v) || bool_result(ctx, out))
            return WEIR_ERROR;
        out->nulls = v.nulls;
        for (uint32_t i = 0; i < n; i++)
            out->u.b[i] = !v.u.b[i];
        return WEIR_OK;
    }
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        Vec v;
        if (expr_eval(ctx, e->args[0], in, n, &v) || bool_result(ctx, out))
            return WEIR_ERROR;
        int want_null = e->kind == EXPR_IS_NULL;
        for (uint32_t i = 0; i < n; i++)
            out->u.b[i] = (uint8_t)(vec_is_null(&v, i) == want_null);
        return WEIR_OK;
    }
    case EXPR_IS_TRUE: {
        Vec v;
        if (expr_eval(ctx, e->args[0], in, n, &v) || bool_result(ctx, out))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < n; i++) {
            int is = !vec_is_null(&v, i) && v.u.b[i] == e->u.test.want;
            out->u.b[i] = (uint8_t)(e->u.test.negated ? !is : is);
        }
        return WEIR_OK;
    }
    case EXPR_DISTINCT:
        return expr_distinct(ctx, e, in, n, out, 1);
    case EXPR_NOT_DISTINCT:
        return expr_distinct(ctx, e, in, n, out, 0);
    case EXPR_CASE:
        return expr_case(ctx, e, in, n, out);
    case EXPR_COALESCE:
        return expr_coalesce(ctx, e, in, n, out);
    case EXPR_NULLIF:
        return expr_nullif(ctx, e, in, n, out);
    case EXPR_CAST:
        return expr_cast(ctx, e, in, n, out);
    case EXPR_IN:
        return expr_in(ctx, e, in, n, out);
    case EXPR_GREATEST:
    case EXPR_LEAST:
        return expr_extreme(ctx, e, in, n, out);
    case EXPR_OUTER: {
        const OuterRow *o = ctx->outer;
        for (uint32_t l = 1; o && l < e->u.outer.level; l++)
            o = o->up;
        if (!o || e->u.outer.col >= o->batch->n_cols)
            return sql_error_set(ctx->err, "XX000", 0, "internal error: outer reference out of range");
        SqlValue v;
        vec_get(&o->batch->cols[e->u.outer.col], o->row, &v);
        v.type = e->type;
        if (vec_broadcast(&v, n, ctx->arena, out))
            return expr_oom(ctx);
        out->type = e->type;
        return WEIR_OK;
    }
    case EXPR_SUBLINK:
        return expr_sublink_eval(ctx, e, in, n, out);
    case EXPR_ARRAY:
        return expr_array(ctx, e, in, n, out);
    case EXPR_ANY_ARRAY:
        return expr_any_array(ctx, e, in, n, out);
    case EXPR_SUBSCRIPT:
        return expr_subscript(ctx, e, in, n, out);
    case EXPR_ROW:
        return expr_row_eval(ctx, e, in, n, out);
    case EXPR_FIELD:
        return expr_field_eval(ctx, e, in, n, out);
    case EXPR_AGGREF:
    case EXPR_WINREF:
        break;
    }
    return sql_error_set(ctx->err, "XX000", 0, "internal error: unknown expression kind %d", (int)e->kind);
}

int expr_filter(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t *sel, uint32_t *n_sel)
{
    Vec v;
    if (expr_eval(ctx, e, in, in->n, &v))
        return WEIR_ERROR;
    uint32_t k = 0;
    if (!v.nulls) {
        for (uint32_t i = 0; i < in->n; i++) {
            sel[k] = i;
            k += v.u.b[i] != 0;
        }
    } else {
        for (uint32_t i = 0; i < in->n; i++) {
            sel[k] = i;
            k += v.u.b[i] != 0 && !vec_is_null(&v, i);
        }
    }
    *n_sel = k;
    return WEIR_OK;
}
