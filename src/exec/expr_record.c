/*
 * expr_record.c: anonymous row values (type record): EXPR_ROW builds one from its fields, EXPR_FIELD
 * takes a field out of one.
 *
 * A record value is its PostgreSQL text form, record_out's: "(f1,f2,...)", a NULL field as nothing, a
 * field quoted with double quotes when it is empty or holds a quote, backslash, parenthesis, comma or
 * white space (quotes and backslashes inside doubled). That is what a client is sent for a record
 * column (type 2249, as PostgreSQL sends an anonymous row), and it keeps records in the Slice storage
 * every operator already moves, sorts and hashes.
 *
 * Field selection reads the text back the way record_in does and converts the field's text with its
 * type's input function. The binder folds (ROW(a, b)).f1 and (f(x)).n of a function whose row it
 * builds itself to the field's expression, so parsing happens only for records that went through a
 * subquery's output (FROM (SELECT f(x) AS r ...) s WHERE (s.r).x = ...): catalog queries of clients,
 * small and rare. Field names and types live in the binder (bind_row.c); here a field is its position
 * and its type.
 */
#include <ctype.h>
#include <string.h>

#include "exec/expr.h"

static int rec_oom(ExprCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* Append one field's text t[0..n) as record_out quotes it. */
static int rec_append_field(Buf *b, const uint8_t *t, size_t n)
{
    int q = n == 0;
    for (size_t k = 0; k < n && !q; k++)
        q = t[k] == '"' || t[k] == '\\' || t[k] == '(' || t[k] == ')' || t[k] == ',' || isspace(t[k]);
    int rc = q ? buf_append_byte(b, '"') : WEIR_OK;
    for (size_t k = 0; k < n && rc == WEIR_OK; k++) {
        if (q && (t[k] == '"' || t[k] == '\\'))
            rc = buf_append_byte(b, t[k]);
        if (rc == WEIR_OK)
            rc = buf_append_byte(b, t[k]);
    }
    return rc == WEIR_OK && q ? buf_append_byte(b, '"') : rc;
}

int expr_row_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec *f = ARENA_NEW(ctx->arena, Vec, e->n_args ? e->n_args : 1);
    if (!f || vec_init(out, e->type, ctx->arena))
        return rec_oom(ctx);
    for (uint32_t i = 0; i < e->n_args; i++)
        if (expr_eval(ctx, e->args[i], in, n, &f[i]))
            return WEIR_ERROR;
    Buf b, t;
    buf_init(&b, 1u << 30);
    buf_init(&t, 1u << 30);
    int rc = WEIR_OK;
    for (uint32_t r = 0; r < n && rc == WEIR_OK; r++) {
        b.len = 0;
        rc = buf_append_byte(&b, '(');
        for (uint32_t i = 0; i < e->n_args && rc == WEIR_OK; i++) {
            if (i)
                rc = buf_append_byte(&b, ',');
            if (rc || vec_is_null(&f[i], r))
                continue;
            SqlValue v;
            vec_get(&f[i], r, &v);
            t.len = 0;
            if ((rc = sql_value_to_text(&v, ctx->fmt, &t)) == WEIR_OK)
                rc = rec_append_field(&b, t.p, t.len);
        }
        if (rc == WEIR_OK)
            rc = buf_append_byte(&b, ')');
        char *s = rc == WEIR_OK ? arena_try_strndup(ctx->arena, (const char *)b.p, b.len) : NULL;
        if (!s)
            rc = WEIR_ENOMEM;
        else
            out->u.s[r] = (Slice){(const uint8_t *)s, b.len};
    }
    buf_fini(&b);
    buf_fini(&t);
    return rc ? rec_oom(ctx) : WEIR_OK;
}

/* Field `want` of record text s, as record_in reads it, into t (*is_null for an empty field). 22P02 for
 * text that is not a record of at least want + 1 fields. */
static int rec_field(ExprCtx *ctx, Slice s, uint32_t want, Buf *t, int *is_null)
{
    const uint8_t *p = s.p, *end = s.p + s.n;
    while (p < end && isspace(*p))
        p++;
    if (p == end || *p++ != '(')
        goto bad;
    for (uint32_t i = 0;; i++) {
        t->len = 0;
        *is_null = p < end && (*p == ',' || *p == ')');
        int inquote = 0;
        while (p < end && (inquote || (*p != ',' && *p != ')'))) {
            uint8_t ch = *p++;
            int rc = WEIR_OK;
            if (ch == '\\') {
                if (p == end)
                    goto bad;
                rc = buf_append_byte(t, *p++);
            } else if (ch == '"') {
                if (!inquote)
                    inquote = 1;
                else if (p < end && *p == '"')
                    rc = buf_append_byte(t, *p++);
                else
                    inquote = 0;
            } else {
                rc = buf_append_byte(t, ch);
            }
            if (rc)
                return rec_oom(ctx);
        }
        if (p == end)
            goto bad;
        if (i == want)
            return WEIR_OK;
        if (*p++ == ')')
            goto bad;
    }
bad:
    return sql_error_set(ctx->err, "22P02", 0, "malformed record literal: \"%.*s\"", (int)(s.n > 200 ? 200 : s.n),
                         (const char *)s.p);
}

int expr_field_eval(ExprCtx *ctx, const Expr *e, const Batch *in, uint32_t n, Vec *out)
{
    Vec rec;
    if (vec_init(out, e->type, ctx->arena))
        return rec_oom(ctx);
    if (expr_eval(ctx, e->args[0], in, n, &rec))
        return WEIR_ERROR;
    uint32_t want = (uint32_t)e->args[1]->u.cval.u.i;
    Buf t;
    buf_init(&t, 1u << 30);
    int rc = WEIR_OK;
    for (uint32_t r = 0; r < n && rc == WEIR_OK; r++) {
        int is_null = 1;
        if (!vec_is_null(&rec, r) && (rc = rec_field(ctx, rec.u.s[r], want, &t, &is_null)) != WEIR_OK)
            break;
        if (is_null) {
            if (vec_set_null(out, r, ctx->arena))
                rc = rec_oom(ctx);
            continue;
        }
        SqlValue v;
        if ((rc = sql_value_from_text(e->type, (const char *)t.p, t.len, ctx->fmt, ctx->arena, &v, ctx->err)) ==
            WEIR_OK) {
            v.type = e->type;
            if (vec_put(out, r, &v, ctx->arena))
                rc = rec_oom(ctx);
        }
    }
    buf_fini(&t);
    return rc;
}
