/*
 * bind.c: semantic analysis of libpg_query parse trees (see bind.h).
 *
 * Sections: positions and errors; type coercion (PostgreSQL's implicit-cast graph, literal typing);
 * function and operator resolution (func_select_candidate in spirit); expressions; SELECT; utility
 * statements.
 *
 * Literal typing follows PostgreSQL: an integer literal is int4 (int8 when it does not fit, numeric past
 * that), a literal with a decimal point or exponent is numeric, a quoted string is "unknown" until the
 * context gives it a type (then it is parsed at bind time, so a bad literal is reported at its own
 * position), and an unknown still untyped in a SELECT list becomes text.
 */
#include "exec/bind.h"

#include "exec/catalog.h"
#include "sql/numeric.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------------------
 * Positions and errors
 * ---------------------------------------------------------------------------------------------- */

/* 1-based character position in the full query of a byte location inside this statement. */
static int bind_pos(const BindCtx *ctx, int location)
{
    if (location < 0)
        return 0;
    size_t end = ctx->offset + (size_t)location;
    int chars = 0;
    for (size_t i = 0; i < end && ctx->query[i]; i++)
        chars += ((unsigned char)ctx->query[i] & 0xC0) != 0x80;
    return chars + 1;
}

#define BIND_ERR(ctx, state, loc, ...) sql_error_set((ctx)->err, (state), bind_pos((ctx), (loc)), __VA_ARGS__)

static int bind_oom(BindCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory while planning the query");
}

static Expr *expr_new(BindCtx *ctx, ExprKind kind, SqlType type, int location, uint32_t n_args)
{
    Expr *e = arena_try_calloc(ctx->arena, sizeof(*e));
    if (!e)
        return NULL;
    e->kind = kind;
    e->type = type;
    e->location = location;
    e->n_args = n_args;
    if (n_args && !(e->args = ARENA_NEW(ctx->arena, Expr *, n_args)))
        return NULL;
    return e;
}

static const char *type_name_of(SqlType t, char *buf, size_t n)
{
    sql_type_format(t, buf, n);
    return buf;
}

/* ------------------------------------------------------------------------------------------------
 * Coercion
 * ---------------------------------------------------------------------------------------------- */

static int is_string_type(SqlTypeId t)
{
    return t == SQL_TEXT || t == SQL_VARCHAR || t == SQL_BPCHAR || t == SQL_NAME || t == SQL_CHAR;
}

/* Position of a numeric type on PostgreSQL's implicit promotion ladder, or -1. */
static int numeric_rank(SqlTypeId t)
{
    switch (t) {
    case SQL_INT2: return 0;
    case SQL_INT4: return 1;
    case SQL_INT8: return 2;
    case SQL_NUMERIC: return 3;
    case SQL_FLOAT4: return 4;
    case SQL_FLOAT8: return 5;
    default: return -1;
    }
}

/* Cost of an implicit cast from -> to: 0 same type, > 0 allowed, -1 not implicit. */
static int implicit_cost(SqlTypeId from, SqlTypeId to)
{
    if (from == to)
        return 0;
    int rf = numeric_rank(from), rt = numeric_rank(to);
    if (rf >= 0 && rt >= 0)
        return rt > rf ? 1 + (rt - rf) : -1;
    if (is_string_type(from) && to == SQL_TEXT)
        return 1;
    if (from == SQL_TEXT && (to == SQL_VARCHAR || to == SQL_BPCHAR || to == SQL_NAME))
        return 2;
    if (from == SQL_DATE && (to == SQL_TIMESTAMP || to == SQL_TIMESTAMPTZ))
        return to == SQL_TIMESTAMPTZ ? 2 : 1;
    if (from == SQL_TIMESTAMP && to == SQL_TIMESTAMPTZ)
        return 1;
    if ((from == SQL_INT2 || from == SQL_INT4 || from == SQL_INT8) &&
        (to == SQL_OID || to == SQL_REGCLASS || to == SQL_REGTYPE || to == SQL_REGPROC))
        return 3;
    if ((from == SQL_OID || from == SQL_REGCLASS || from == SQL_REGTYPE || from == SQL_REGPROC) &&
        (to == SQL_OID || to == SQL_INT8))
        return 1;
    return -1;
}

/* The preferred type of a category (PostgreSQL's typispreferred). */
static int is_preferred(SqlTypeId t)
{
    return t == SQL_FLOAT8 || t == SQL_TEXT || t == SQL_TIMESTAMPTZ || t == SQL_BOOL || t == SQL_INTERVAL ||
           t == SQL_OID;
}

static int is_unknown_literal(const Expr *e)
{
    return e->type.id == SQL_UNKNOWN && (e->kind == EXPR_CONST || e->kind == EXPR_PARAM);
}

/* Make e of type t. explicit_ allows every cast sql_value_cast knows (CAST, ::); otherwise only the
 * implicit ones. Unknown literals are parsed now; untyped parameters take the type. */
static int coerce(BindCtx *ctx, Expr **ep, SqlType t, int explicit_, int location)
{
    Expr *e = *ep;
    if (e->type.id == t.id && (t.typmod < 0 || e->type.typmod == t.typmod))
        return WEIR_OK;
    if (e->kind == EXPR_PARAM && e->type.id == SQL_UNKNOWN) {
        e->type = t;
        ctx->param_types[e->u.param] = t;
        return WEIR_OK;
    }
    if (e->kind == EXPR_CONST && e->type.id == SQL_UNKNOWN) {
        SqlValue v;
        memset(&v, 0, sizeof(v));
        v.type = t;
        v.is_null = 1;
        if (!e->u.cval.is_null) {
            const Slice s = e->u.cval.u.s;
            if (sql_value_from_text(t, (const char *)s.p, s.n, &ctx->sess->fmt, ctx->arena, &v, ctx->err)) {
                if (ctx->err->position == 0)
                    ctx->err->position = bind_pos(ctx, e->location);
                return WEIR_ERROR;
            }
        }
        e->u.cval = v;
        e->type = t;
        return WEIR_OK;
    }
    if (!explicit_ && implicit_cost(e->type.id, t.id) < 0) {
        char a[64], b[64];
        return BIND_ERR(ctx, "42804", location, "cannot cast type %s to %s implicitly",
                        type_name_of(e->type, a, sizeof(a)), type_name_of(t, b, sizeof(b)));
    }
    Expr *c = expr_new(ctx, EXPR_CAST, t, location >= 0 ? location : e->location, 1);
    if (!c)
        return bind_oom(ctx);
    c->args[0] = e;
    /* Fold casts of constants now: errors point at the literal, and the value is computed once. */
    if (e->kind == EXPR_CONST) {
        SqlValue r;
        if (e->u.cval.is_null) {
            memset(&r, 0, sizeof(r));
            r.is_null = 1;
        } else if (sql_value_cast(&e->u.cval, t, &ctx->sess->fmt, ctx->arena, &r, ctx->err)) {
            if (ctx->err->position == 0)
                ctx->err->position = bind_pos(ctx, location >= 0 ? location : e->location);
            return WEIR_ERROR;
        }
        r.type = t;
        c->kind = EXPR_CONST;
        c->n_args = 0;
        c->u.cval = r;
    }
    *ep = c;
    return WEIR_OK;
}

/* PostgreSQL's select_common_type for CASE, COALESCE, VALUES, UNION: the first non-unknown type,
 * then promoted to any later type the current one casts to implicitly. All unknown: text. */
static int common_type(BindCtx *ctx, Expr **es, uint32_t n, const char *context, SqlType *out)
{
    SqlType t = SQL_TYPE(SQL_UNKNOWN);
    for (uint32_t i = 0; i < n; i++) {
        SqlTypeId c = es[i]->type.id;
        if (c == SQL_UNKNOWN)
            continue;
        if (t.id == SQL_UNKNOWN) {
            t = es[i]->type;
            continue;
        }
        if (c == t.id)
            continue;
        if (implicit_cost(t.id, c) > 0 && (implicit_cost(c, t.id) < 0 || is_preferred(c)))
            t = SQL_TYPE(c);
        else if (implicit_cost(c, t.id) < 0) {
            char a[64], b[64];
            return BIND_ERR(ctx, "42804", es[i]->location, "%s types %s and %s cannot be matched", context,
                            type_name_of(t, a, sizeof(a)), type_name_of(es[i]->type, b, sizeof(b)));
        }
    }
    if (t.id == SQL_UNKNOWN)
        t = SQL_TYPE(SQL_TEXT);
    *out = t;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Function and operator resolution
 * ---------------------------------------------------------------------------------------------- */

static SqlTypeId fn_decl_arg(const SqlFnDef *d, uint32_t i)
{
    if (i < d->n_args)
        return d->args[i];
    return d->args[d->n_args ? d->n_args - 1 : 0];
}

/* Cost of calling d with these argument types, or -1 if it cannot be called. Lower is better; the
 * weights order candidates as PostgreSQL's func_select_candidate does: most arguments matching exactly,
 * then most arguments converted to their category's preferred type, then the cheapest casts. */
static int fn_candidate_cost(const SqlFnDef *d, Expr **args, uint32_t n, SqlTypeId *anyelem)
{
    if (n < d->n_args || (n > d->n_args && !d->is_variadic))
        return -1;
    int cost = 0;
    for (uint32_t i = 0; i < n; i++) {
        SqlTypeId want = fn_decl_arg(d, i), have = args[i]->type.id;
        if (want == SQL_FN_ANY || want == SQL_FN_ANYELEMENT || have == SQL_UNKNOWN)
            continue;
        if (want != have)
            cost += 100000;                      /* one fewer exact match */
        if (want != have && !is_preferred(want))
            cost += 1000;                        /* a conversion to a non-preferred type */
    }
    *anyelem = SQL_UNKNOWN;
    for (uint32_t i = 0; i < n; i++) {
        SqlTypeId want = fn_decl_arg(d, i), have = args[i]->type.id;
        if (want == SQL_FN_ANY)
            continue;
        if (want == SQL_FN_ANYELEMENT) {
            if (have == SQL_UNKNOWN)
                continue;
            if (*anyelem == SQL_UNKNOWN)
                *anyelem = have;
            else if (*anyelem != have) {
                if (implicit_cost(have, *anyelem) >= 0)
                    cost += 2;
                else if (implicit_cost(*anyelem, have) >= 0)
                    *anyelem = have, cost += 2;
                else
                    return -1;
            }
            continue;
        }
        if (have == SQL_UNKNOWN) {
            /* an unknown literal fits any type; a string-category target is preferred */
            cost += is_string_type(want) ? 1 : 2;
            continue;
        }
        int c = implicit_cost(have, want);
        if (c < 0)
            return -1;
        cost += c;
    }
    return cost;
}

static void fn_signature(const char *name, Expr **args, uint32_t n, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "%s(", name);
    for (uint32_t i = 0; i < n && len < cap; i++) {
        char t[64];
        sql_type_format(args[i]->type, t, sizeof(t));
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", t);
    }
    if (len < cap)
        snprintf(out + len, cap - len, ")");
}

/* Resolve name(args) (an operator when is_op), coercing args in place. */
static int bind_resolve_fn(BindCtx *ctx, const char *name, int is_op, Expr **args, uint32_t n, int location,
                           const SqlFnDef **out_def, SqlType *out_type)
{
    const SqlFnDef *const *defs = NULL;
    size_t n_defs = sql_fn_lookup(name, &defs);
    /* PostgreSQL: for a binary operator with one unknown side, first try the other side's type. */
    if (is_op && n == 2) {
        for (int side = 0; side < 2; side++) {
            Expr *u = args[side], *k = args[1 - side];
            if (is_unknown_literal(u) && k->type.id != SQL_UNKNOWN) {
                for (size_t i = 0; i < n_defs; i++) {
                    const SqlFnDef *d = defs[i];
                    if (d->n_args == 2 && d->args[side] == k->type.id && d->args[1 - side] == k->type.id) {
                        if (coerce(ctx, &args[side], k->type, 0, u->location))
                            return WEIR_ERROR;
                        break;
                    }
                }
            }
        }
    }
    const SqlFnDef *best = NULL;
    int best_cost = -1;
    SqlTypeId best_elem = SQL_UNKNOWN;
    for (size_t i = 0; i < n_defs; i++) {
        SqlTypeId elem;
        int c = fn_candidate_cost(defs[i], args, n, &elem);
        if (c >= 0 && (best_cost < 0 || c < best_cost)) {
            best = defs[i];
            best_cost = c;
            best_elem = elem;
        }
    }
    if (!best) {
        char sig[256];
        if (is_op && n == 2) {
            char a[64], b[64];
            sql_error_set(ctx->err, "42883", bind_pos(ctx, location), "operator does not exist: %s %s %s",
                          type_name_of(args[0]->type, a, sizeof(a)), name, type_name_of(args[1]->type, b, sizeof(b)));
            snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                     "No operator matches the given name and argument types. You might need to add explicit type "
                     "casts.");
            return WEIR_ERROR;
        }
        fn_signature(name, args, n, sig, sizeof(sig));
        sql_error_set(ctx->err, "42883", bind_pos(ctx, location), "%s %s does not exist", is_op ? "operator" : "function",
                      sig);
        snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                 "No %s matches the given name and argument types. You might need to add explicit type casts.",
                 is_op ? "operator" : "function");
        return WEIR_ERROR;
    }
    if (best_elem == SQL_UNKNOWN)
        best_elem = SQL_TEXT;
    for (uint32_t i = 0; i < n; i++) {
        SqlTypeId want = fn_decl_arg(best, i);
        if (want == SQL_FN_ANY) {
            if (args[i]->type.id == SQL_UNKNOWN && coerce(ctx, &args[i], SQL_TYPE(SQL_TEXT), 0, args[i]->location))
                return WEIR_ERROR;
            continue;
        }
        if (want == SQL_FN_ANYELEMENT)
            want = best_elem;
        if (coerce(ctx, &args[i], SQL_TYPE(want), 0, args[i]->location))
            return WEIR_ERROR;
    }
    SqlTypeId ret = best->ret;
    if (ret == SQL_FN_ANYELEMENT)
        ret = best_elem;
    else if (ret == SQL_FN_RET_ARG0)
        ret = n ? args[0]->type.id : SQL_TEXT;
    *out_def = best;
    *out_type = SQL_TYPE(ret);
    return WEIR_OK;
}

/* Build a call expression, running the definition's init for constant arguments. */
static Expr *bind_call(BindCtx *ctx, const char *name, int is_op, Expr **args, uint32_t n, int location)
{
    const SqlFnDef *def;
    SqlType type;
    if (bind_resolve_fn(ctx, name, is_op, args, n, location, &def, &type))
        return NULL;
    Expr *e = expr_new(ctx, EXPR_FUNC, type, location, n);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    if (n)
        memcpy(e->args, args, n * sizeof(*args));
    e->u.fn.def = def;
    if (def->init) {
        const SqlValue **consts = ARENA_NEW(ctx->arena, const SqlValue *, n ? n : 1);
        if (!consts) {
            bind_oom(ctx);
            return NULL;
        }
        for (uint32_t i = 0; i < n; i++)
            consts[i] = e->args[i]->kind == EXPR_CONST ? &e->args[i]->u.cval : NULL;
        if (def->init(ctx->arena, consts, n, &e->u.fn.state, ctx->err)) {
            if (ctx->err->position == 0)
                ctx->err->position = bind_pos(ctx, location);
            return NULL;
        }
    }
    return e;
}

/* A comparison function for the pair (a, b), coercing both to a common type, for IN/NULLIF/... */
static int bind_cmp_def(BindCtx *ctx, const char *op, Expr **a, Expr **b, int location, const SqlFnDef **def,
                        void **state)
{
    Expr *pair[2] = {*a, *b};
    SqlType t;
    if (bind_resolve_fn(ctx, op, 1, pair, 2, location, def, &t))
        return WEIR_ERROR;
    *a = pair[0];
    *b = pair[1];
    *state = NULL;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Expressions
 * ---------------------------------------------------------------------------------------------- */

static Expr *bind_expr(BindCtx *ctx, PgQuery__Node *n);

static const char *node_str(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* ASCII lower-case copy of s into out (cap bytes). */
static void lower_copy(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s);
    for (char *p = out; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
}

/* The last name of a qualified name list, skipping "pg_catalog." */
static const char *qualified_last(PgQuery__Node **names, size_t n)
{
    return n ? node_str(names[n - 1]) : NULL;
}

static Expr *bind_const(BindCtx *ctx, PgQuery__AConst *c)
{
    Expr *e = expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_UNKNOWN), c->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    SqlValue *v = &e->u.cval;
    if (c->isnull) {
        v->is_null = 1;
        return e;
    }
    switch (c->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL:
        e->type = SQL_TYPE(SQL_INT4);
        v->u.i = c->ival ? c->ival->ival : 0;
        break;
    case PG_QUERY__A__CONST__VAL_FVAL: {
        /* an integer too big for int4 arrives here too: int8 if it fits, else numeric */
        const char *s = c->fval->fval;
        int is_int = 1;
        for (const char *p = s; *p; p++)
            if (!(*p >= '0' && *p <= '9') && !(p == s && *p == '-'))
                is_int = 0;
        SqlType t = SQL_TYPE(SQL_NUMERIC);
        if (is_int && strlen(s) <= 19) {
            char *end;
            errno = 0;
            long long x = strtoll(s, &end, 10);
            if (errno == 0 && *end == 0) {
                t = SQL_TYPE(SQL_INT8);
                v->u.i = x;
                e->type = t;
                break;
            }
        }
        if (sql_value_from_text(t, s, strlen(s), &ctx->sess->fmt, ctx->arena, v, ctx->err)) {
            if (ctx->err->position == 0)
                ctx->err->position = bind_pos(ctx, c->location);
            return NULL;
        }
        e->type = t;
        break;
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL:
        e->type = SQL_TYPE(SQL_BOOL);
        v->u.b = c->boolval && c->boolval->boolval;
        break;
    case PG_QUERY__A__CONST__VAL_SVAL: {
        const char *s = c->sval ? c->sval->sval : "";
        char *copy = arena_try_strndup(ctx->arena, s, strlen(s));
        if (!copy) {
            bind_oom(ctx);
            return NULL;
        }
        v->u.s = (Slice){(const uint8_t *)copy, strlen(copy)};
        break; /* stays unknown until the context types it */
    }
    default:
        BIND_ERR(ctx, "0A000", c->location, "bit-string literals are not supported");
        return NULL;
    }
    v->type = e->type;
    return e;
}

static Expr *bind_param(BindCtx *ctx, PgQuery__ParamRef *p)
{
    if (p->number < 1 || p->number > 65535) {
        BIND_ERR(ctx, "42P02", p->location, "there is no parameter $%d", p->number);
        return NULL;
    }
    uint32_t idx = (uint32_t)p->number - 1;
    if (idx >= ctx->n_params) {
        SqlType *nt = ARENA_NEW(ctx->arena, SqlType, idx + 1);
        if (!nt) {
            bind_oom(ctx);
            return NULL;
        }
        for (uint32_t i = 0; i <= idx; i++)
            nt[i] = i < ctx->n_params ? ctx->param_types[i] : SQL_TYPE(SQL_UNKNOWN);
        ctx->param_types = nt;
        ctx->n_params = idx + 1;
    }
    Expr *e = expr_new(ctx, EXPR_PARAM, ctx->param_types[idx], p->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.param = idx;
    return e;
}

/* A TypeName node to a SqlType (with typmods). */
static int bind_type_name(BindCtx *ctx, PgQuery__TypeName *tn, SqlType *out)
{
    char name[128] = "";
    size_t len = 0;
    for (size_t i = 0; i < tn->n_names; i++) {
        const char *s = node_str(tn->names[i]);
        if (!s || (i == 0 && tn->n_names > 1 && strcmp(s, "pg_catalog") == 0))
            continue;
        len += (size_t)snprintf(name + len, sizeof(name) - len, "%s%s", len ? "." : "", s);
    }
    if (tn->n_array_bounds && len + 2 < sizeof(name))
        snprintf(name + len, sizeof(name) - len, "[]");
    SqlTypeId id;
    if (sql_type_from_name(name, &id)) {
        BIND_ERR(ctx, "42704", tn->location, "type \"%s\" does not exist", name);
        return WEIR_ERROR;
    }
    int32_t mods[2] = {-1, -1};
    for (size_t i = 0; i < tn->n_typmods && i < 2; i++) {
        PgQuery__Node *m = tn->typmods[i];
        if (m->node_case == PG_QUERY__NODE__NODE_A_CONST && m->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL)
            mods[i] = m->a_const->ival ? m->a_const->ival->ival : 0;
    }
    int32_t typmod = -1;
    switch (id) {
    case SQL_VARCHAR:
    case SQL_BPCHAR:
        if (mods[0] >= 0)
            typmod = mods[0] + 4;
        else if (id == SQL_BPCHAR && strcmp(name, "bpchar") != 0)
            typmod = 1 + 4; /* char without length is char(1) */
        break;
    case SQL_NUMERIC:
        if (mods[0] >= 0)
            typmod = ((mods[0] << 16) | (mods[1] >= 0 ? mods[1] : 0)) + 4;
        break;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
    case SQL_TIME:
        if (mods[0] >= 0)
            typmod = mods[0] > 6 ? 6 : mods[0];
        break;
    default:
        break;
    }
    *out = (SqlType){id, typmod};
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Aggregates
 * ---------------------------------------------------------------------------------------------- */

typedef struct AggBind {
    AggCall *calls;
    uint32_t n, cap;
    int nested; /* inside an aggregate's argument */
} AggBind;

enum { AK_COUNT, AK_SUM, AK_AVG, AK_MIN, AK_MAX, AK_BOOL_AND, AK_BOOL_OR };

static int agg_kind_of(const char *name)
{
    static const struct {
        const char *name;
        int kind;
    } aggs[] = {{"count", AK_COUNT}, {"sum", AK_SUM},           {"avg", AK_AVG},          {"min", AK_MIN},
                {"max", AK_MAX},     {"bool_and", AK_BOOL_AND}, {"every", AK_BOOL_AND},   {"bool_or", AK_BOOL_OR}};
    for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
        if (strcasecmp(aggs[i].name, name) == 0)
            return aggs[i].kind;
    return -1;
}

static Expr *bind_agg_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    AggBind *ab = ctx->agg;
    if (ab->nested) {
        BIND_ERR(ctx, "42803", fc->location, "aggregate function calls cannot be nested");
        return NULL;
    }
    if (fc->agg_distinct || fc->n_agg_order || fc->agg_within_group) {
        BIND_ERR(ctx, "0A000", fc->location, "DISTINCT and ORDER BY inside aggregates are not supported yet");
        return NULL;
    }
    int kind = agg_kind_of(name);
    AggCall call;
    memset(&call, 0, sizeof(call));
    if (fc->agg_star) {
        if (kind != AK_COUNT) {
            BIND_ERR(ctx, "42809", fc->location, "%s(*) specified, but %s is not an aggregate function", name, name);
            return NULL;
        }
        call.fn = AGG_COUNT_STAR;
        call.type = SQL_TYPE(SQL_INT8);
    } else {
        if (fc->n_args != 1) {
            BIND_ERR(ctx, "42883", fc->location, "function %s with %zu arguments does not exist", name, fc->n_args);
            return NULL;
        }
        ab->nested = 1;
        Expr *arg = bind_expr(ctx, fc->args[0]);
        ab->nested = 0;
        if (!arg)
            return NULL;
        if (arg->type.id == SQL_UNKNOWN && coerce(ctx, &arg, SQL_TYPE(kind == AK_BOOL_AND || kind == AK_BOOL_OR ? SQL_BOOL : SQL_TEXT), 0, arg->location))
            return NULL;
        SqlTypeId t = arg->type.id;
        char tn[64];
        call.arg = arg;
        switch (kind) {
        case AK_COUNT: call.fn = AGG_COUNT, call.type = SQL_TYPE(SQL_INT8); break;
        case AK_SUM:
        case AK_AVG:
            if (t == SQL_INT2 || t == SQL_INT4)
                call.fn = kind == AK_SUM ? AGG_SUM_INT : AGG_AVG_INT, call.type = SQL_TYPE(kind == AK_SUM ? SQL_INT8 : SQL_NUMERIC);
            else if (t == SQL_INT8)
                call.fn = kind == AK_SUM ? AGG_SUM_BIGINT : AGG_AVG_INT, call.type = SQL_TYPE(SQL_NUMERIC);
            else if (t == SQL_NUMERIC)
                call.fn = kind == AK_SUM ? AGG_SUM_NUMERIC : AGG_AVG_NUMERIC, call.type = SQL_TYPE(SQL_NUMERIC);
            else if (t == SQL_FLOAT4 || t == SQL_FLOAT8)
                call.fn = kind == AK_SUM ? AGG_SUM_FLOAT : AGG_AVG_FLOAT,
                call.type = SQL_TYPE(kind == AK_SUM ? t : SQL_FLOAT8);
            else {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         type_name_of(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            break;
        case AK_MIN:
        case AK_MAX:
            call.fn = kind == AK_MIN ? AGG_MIN : AGG_MAX;
            call.type = arg->type;
            if (t == SQL_JSON || SQL_IS_ARRAY(t)) {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         type_name_of(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            break;
        default:
            if (t != SQL_BOOL) {
                BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", name,
                         type_name_of(arg->type, tn, sizeof(tn)));
                return NULL;
            }
            call.fn = kind == AK_BOOL_AND ? AGG_BOOL_AND : AGG_BOOL_OR;
            call.type = SQL_TYPE(SQL_BOOL);
            break;
        }
    }
    if (fc->agg_filter) {
        ab->nested = 1;
        Expr *f = bind_expr(ctx, fc->agg_filter);
        ab->nested = 0;
        if (!f || coerce(ctx, &f, SQL_TYPE(SQL_BOOL), 0, f->location))
            return NULL;
        call.filter = f;
    }
    if (ab->n == ab->cap) {
        uint32_t nc = ab->cap ? ab->cap * 2 : 8;
        AggCall *na = ARENA_NEW(ctx->arena, AggCall, nc);
        if (!na) {
            bind_oom(ctx);
            return NULL;
        }
        if (ab->n)
            memcpy(na, ab->calls, ab->n * sizeof(*na));
        ab->calls = na;
        ab->cap = nc;
    }
    ab->calls[ab->n] = call;
    Expr *e = expr_new(ctx, EXPR_AGGREF, call.type, fc->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.col = ab->n++;
    return e;
}

static int value_equal(const SqlValue *a, const SqlValue *b)
{
    if (a->is_null || b->is_null)
        return a->is_null && b->is_null;
    if (a->type.id != b->type.id)
        return 0;
    switch (sql_type_phys(a->type.id)) {
    case SQL_PHYS_BOOL: return a->u.b == b->u.b;
    case SQL_PHYS_INT: return a->u.i == b->u.i;
    case SQL_PHYS_FLOAT: return memcmp(&a->u.f, &b->u.f, sizeof(double)) == 0;
    case SQL_PHYS_NUMERIC: return sql_numeric_cmp(&a->u.num, &b->u.num) == 0 && a->u.num.scale == b->u.num.scale;
    case SQL_PHYS_INTERVAL: return memcmp(&a->u.iv, &b->u.iv, sizeof(SqlInterval)) == 0;
    default: return a->u.s.n == b->u.s.n && (a->u.s.n == 0 || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
    }
}

/* Structural equality of bound expressions (to match SELECT-list expressions with GROUP BY keys). */
static int expr_equal(const Expr *a, const Expr *b)
{
    if (a->kind != b->kind || a->type.id != b->type.id || a->n_args != b->n_args)
        return 0;
    switch (a->kind) {
    case EXPR_CONST: if (!value_equal(&a->u.cval, &b->u.cval)) return 0; break;
    case EXPR_PARAM: if (a->u.param != b->u.param) return 0; break;
    case EXPR_COL:
    case EXPR_AGGREF: if (a->u.col != b->u.col) return 0; break;
    case EXPR_FUNC: if (a->u.fn.def != b->u.fn.def) return 0; break;
    case EXPR_IN: if (a->u.cmp.negated != b->u.cmp.negated) return 0; break;
    case EXPR_IS_TRUE: if (a->u.test.want != b->u.test.want || a->u.test.negated != b->u.test.negated) return 0; break;
    case EXPR_CASE: if (a->u.has_else != b->u.has_else) return 0; break;
    default: break;
    }
    for (uint32_t i = 0; i < a->n_args; i++)
        if (!expr_equal(a->args[i], b->args[i]))
            return 0;
    return 1;
}

/* Rewrite an expression bound over the aggregation's input into one over its output (keys, then
 * aggregates). A column of the input that is not inside a key or an aggregate is an error. */
static int agg_rewrite(BindCtx *ctx, Expr **ep, Expr **keys, uint32_t n_keys)
{
    Expr *e = *ep;
    for (uint32_t k = 0; k < n_keys; k++) {
        if (expr_equal(e, keys[k])) {
            Expr *c = expr_new(ctx, EXPR_COL, keys[k]->type, e->location, 0);
            if (!c)
                return bind_oom(ctx);
            c->u.col = k;
            *ep = c;
            return WEIR_OK;
        }
    }
    if (e->kind == EXPR_AGGREF) {
        e->kind = EXPR_COL;
        e->u.col += n_keys;
        return WEIR_OK;
    }
    if (e->kind == EXPR_COL) {
        const ScopeCol *sc = ctx->scope && e->u.col < ctx->scope->n ? &ctx->scope->cols[e->u.col] : NULL;
        return BIND_ERR(ctx, "42803", e->location,
                        "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function",
                        sc ? sc->rel : "?", sc ? sc->name : "?");
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (agg_rewrite(ctx, &e->args[i], keys, n_keys))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* Whether a parse tree calls an aggregate (outside of subqueries). */
static int node_has_agg(PgQuery__Node *n);

static int nodes_have_agg(PgQuery__Node **ns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (node_has_agg(ns[i]))
            return 1;
    return 0;
}

static int node_has_agg(PgQuery__Node *n)
{
    if (!n)
        return 0;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        PgQuery__FuncCall *fc = n->func_call;
        const char *name = qualified_last(fc->funcname, fc->n_funcname);
        if (!fc->over && (fc->agg_star || (name && agg_kind_of(name) >= 0)))
            return 1;
        return nodes_have_agg(fc->args, fc->n_args);
    }
    case PG_QUERY__NODE__NODE_RES_TARGET: return node_has_agg(n->res_target->val);
    case PG_QUERY__NODE__NODE_A_EXPR: return node_has_agg(n->a_expr->lexpr) || node_has_agg(n->a_expr->rexpr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return nodes_have_agg(n->bool_expr->args, n->bool_expr->n_args);
    case PG_QUERY__NODE__NODE_TYPE_CAST: return node_has_agg(n->type_cast->arg);
    case PG_QUERY__NODE__NODE_NULL_TEST: return node_has_agg(n->null_test->arg);
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: return node_has_agg(n->boolean_test->arg);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return nodes_have_agg(n->coalesce_expr->args, n->coalesce_expr->n_args);
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: return nodes_have_agg(n->min_max_expr->args, n->min_max_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_EXPR:
        return node_has_agg(n->case_expr->arg) || node_has_agg(n->case_expr->defresult) ||
               nodes_have_agg(n->case_expr->args, n->case_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_WHEN: return node_has_agg(n->case_when->expr) || node_has_agg(n->case_when->result);
    case PG_QUERY__NODE__NODE_LIST: return nodes_have_agg(n->list->items, n->list->n_items);
    default: return 0;
    }
}

static Expr *bind_func_call(BindCtx *ctx, PgQuery__FuncCall *fc)
{
    const char *name = qualified_last(fc->funcname, fc->n_funcname);
    if (!name) {
        BIND_ERR(ctx, "42601", fc->location, "syntax error in function name");
        return NULL;
    }
    if (fc->over) {
        BIND_ERR(ctx, "0A000", fc->location, "window functions are not supported yet");
        return NULL;
    }
    if (agg_kind_of(name) >= 0 || fc->agg_star) {
        if (!ctx->agg) {
            BIND_ERR(ctx, "42803", fc->location, "aggregate functions are not allowed here");
            return NULL;
        }
        return bind_agg_call(ctx, fc, name);
    }
    if (fc->agg_distinct || fc->n_agg_order || fc->agg_filter || fc->agg_within_group) {
        BIND_ERR(ctx, "42809", fc->location, "%s is not an aggregate function", name);
        return NULL;
    }
    uint32_t n = (uint32_t)fc->n_args;
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    if (!args) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        if (!(args[i] = bind_expr(ctx, fc->args[i])))
            return NULL;
    char lname[128];
    lower_copy(name, lname, sizeof(lname));
    return bind_call(ctx, lname, 0, args, n, fc->location);
}

static Expr *bind_aexpr(BindCtx *ctx, PgQuery__AExpr *a)
{
    const char *op = qualified_last(a->name, a->n_name);
    switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE: {
        if (!op) {
            BIND_ERR(ctx, "42601", a->location, "syntax error at operator");
            return NULL;
        }
        Expr *args[2];
        uint32_t n = 0;
        if (a->lexpr && !(args[n++] = bind_expr(ctx, a->lexpr)))
            return NULL;
        if (a->rexpr && !(args[n++] = bind_expr(ctx, a->rexpr)))
            return NULL;
        Expr **heap = ARENA_NEW(ctx->arena, Expr *, 2);
        if (!heap) {
            bind_oom(ctx);
            return NULL;
        }
        memcpy(heap, args, n * sizeof(*args));
        return bind_call(ctx, op, 1, heap, n, a->location);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
        Expr *l = bind_expr(ctx, a->lexpr);
        Expr *r = l ? bind_expr(ctx, a->rexpr) : NULL;
        if (!r)
            return NULL;
        const SqlFnDef *def;
        void *state;
        if (bind_cmp_def(ctx, "=", &l, &r, a->location, &def, &state))
            return NULL;
        ExprKind k = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT       ? EXPR_DISTINCT
                     : a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT ? EXPR_NOT_DISTINCT
                                                                                : EXPR_NULLIF;
        Expr *e = expr_new(ctx, k, k == EXPR_NULLIF ? l->type : SQL_TYPE(SQL_BOOL), a->location, 2);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = l;
        e->args[1] = r;
        e->u.cmp.def = def;
        e->u.cmp.state = state;
        return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
        Expr *l = bind_expr(ctx, a->lexpr);
        if (!l)
            return NULL;
        if (!a->rexpr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST) {
            BIND_ERR(ctx, "0A000", a->location, "IN with a subquery is not supported here yet");
            return NULL;
        }
        PgQuery__List *list = a->rexpr->list;
        uint32_t n = (uint32_t)list->n_items;
        Expr *e = expr_new(ctx, EXPR_IN, SQL_TYPE(SQL_BOOL), a->location, n + 1);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = l;
        for (uint32_t i = 0; i < n; i++)
            if (!(e->args[i + 1] = bind_expr(ctx, list->items[i])))
                return NULL;
        SqlType t;
        if (common_type(ctx, e->args, n + 1, "IN", &t))
            return NULL;
        for (uint32_t i = 0; i <= n; i++)
            if (coerce(ctx, &e->args[i], t, 0, e->args[i]->location))
                return NULL;
        Expr *x = e->args[0], *y = e->args[1];
        if (bind_cmp_def(ctx, "=", &x, &y, a->location, &e->u.cmp.def, &e->u.cmp.state))
            return NULL;
        e->u.cmp.negated = op && strcmp(op, "<>") == 0;
        return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN: {
        /* x BETWEEN a AND b  ==  x >= a AND x <= b */
        if (!a->rexpr || a->rexpr->node_case != PG_QUERY__NODE__NODE_LIST || a->rexpr->list->n_items != 2) {
            BIND_ERR(ctx, "42601", a->location, "syntax error in BETWEEN");
            return NULL;
        }
        int neg = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN;
        Expr *x1 = bind_expr(ctx, a->lexpr);
        Expr *x2 = x1 ? bind_expr(ctx, a->lexpr) : NULL;
        Expr *lo = x2 ? bind_expr(ctx, a->rexpr->list->items[0]) : NULL;
        Expr *hi = lo ? bind_expr(ctx, a->rexpr->list->items[1]) : NULL;
        if (!hi)
            return NULL;
        Expr **p1 = ARENA_NEW(ctx->arena, Expr *, 2), **p2 = ARENA_NEW(ctx->arena, Expr *, 2);
        if (!p1 || !p2) {
            bind_oom(ctx);
            return NULL;
        }
        p1[0] = x1, p1[1] = lo, p2[0] = x2, p2[1] = hi;
        Expr *c1 = bind_call(ctx, neg ? "<" : ">=", 1, p1, 2, a->location);
        Expr *c2 = c1 ? bind_call(ctx, neg ? ">" : "<=", 1, p2, 2, a->location) : NULL;
        if (!c2)
            return NULL;
        Expr *e = expr_new(ctx, neg ? EXPR_OR : EXPR_AND, SQL_TYPE(SQL_BOOL), a->location, 2);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = c1;
        e->args[1] = c2;
        return e;
    }
    default:
        BIND_ERR(ctx, "0A000", a->location, "this kind of operator expression is not supported yet");
        return NULL;
    }
}

static Expr *bind_bool_expr(BindCtx *ctx, PgQuery__BoolExpr *b)
{
    ExprKind k = b->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR  ? EXPR_AND
                 : b->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? EXPR_OR
                                                                  : EXPR_NOT;
    Expr *e = expr_new(ctx, k, SQL_TYPE(SQL_BOOL), b->location, (uint32_t)b->n_args);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (!(e->args[i] = bind_expr(ctx, b->args[i])))
            return NULL;
        if (e->args[i]->type.id != SQL_BOOL) {
            if (is_unknown_literal(e->args[i])) {
                if (coerce(ctx, &e->args[i], SQL_TYPE(SQL_BOOL), 0, e->args[i]->location))
                    return NULL;
            } else {
                char t[64];
                BIND_ERR(ctx, "42804", e->args[i]->location, "argument of %s must be type boolean, not type %s",
                         k == EXPR_AND ? "AND" : k == EXPR_OR ? "OR" : "NOT", type_name_of(e->args[i]->type, t, sizeof(t)));
                return NULL;
            }
        }
    }
    return e;
}

static Expr *bind_case(BindCtx *ctx, PgQuery__CaseExpr *c)
{
    uint32_t n_when = (uint32_t)c->n_args;
    Expr *operand = NULL;
    if (c->arg && !(operand = bind_expr(ctx, c->arg)))
        return NULL;
    Expr *e = expr_new(ctx, EXPR_CASE, SQL_TYPE(SQL_UNKNOWN), c->location, 2 * n_when + (c->defresult ? 1 : 0));
    Expr **results = ARENA_NEW(ctx->arena, Expr *, n_when + 1);
    if (!e || !results) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.has_else = c->defresult != NULL;
    for (uint32_t i = 0; i < n_when; i++) {
        PgQuery__CaseWhen *w = c->args[i]->case_when;
        Expr *cond = bind_expr(ctx, w->expr);
        if (!cond)
            return NULL;
        if (operand) {
            /* CASE x WHEN v: x = v, with the operand bound again per arm (it is cheap and pure) */
            Expr *x = bind_expr(ctx, c->arg);
            Expr **p = ARENA_NEW(ctx->arena, Expr *, 2);
            if (!x || !p) {
                if (!ctx->err->sqlstate[0])
                    bind_oom(ctx);
                return NULL;
            }
            p[0] = x;
            p[1] = cond;
            if (!(cond = bind_call(ctx, "=", 1, p, 2, w->location)))
                return NULL;
        } else if (cond->type.id != SQL_BOOL && coerce(ctx, &cond, SQL_TYPE(SQL_BOOL), 0, cond->location)) {
            return NULL;
        }
        e->args[2 * i] = cond;
        if (!(e->args[2 * i + 1] = results[i] = bind_expr(ctx, w->result)))
            return NULL;
    }
    uint32_t n_res = n_when;
    if (c->defresult) {
        if (!(e->args[e->n_args - 1] = results[n_res++] = bind_expr(ctx, c->defresult)))
            return NULL;
    }
    SqlType t;
    if (common_type(ctx, results, n_res, "CASE", &t))
        return NULL;
    for (uint32_t i = 0; i < n_when; i++)
        if (coerce(ctx, &e->args[2 * i + 1], t, 0, e->args[2 * i + 1]->location))
            return NULL;
    if (c->defresult && coerce(ctx, &e->args[e->n_args - 1], t, 0, e->args[e->n_args - 1]->location))
        return NULL;
    e->type = t;
    return e;
}

static Expr *bind_list_expr(BindCtx *ctx, ExprKind k, PgQuery__Node **items, size_t n_items, int location,
                            const char *context)
{
    Expr *e = expr_new(ctx, k, SQL_TYPE(SQL_UNKNOWN), location, (uint32_t)n_items);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!(e->args[i] = bind_expr(ctx, items[i])))
            return NULL;
    SqlType t;
    if (common_type(ctx, e->args, e->n_args, context, &t))
        return NULL;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (coerce(ctx, &e->args[i], t, 0, e->args[i]->location))
            return NULL;
    e->type = t;
    if (k == EXPR_GREATEST || k == EXPR_LEAST) {
        Expr *x = e->args[0], *y = e->n_args > 1 ? e->args[1] : e->args[0];
        if (bind_cmp_def(ctx, k == EXPR_GREATEST ? ">" : "<", &x, &y, location, &e->u.cmp.def, &e->u.cmp.state))
            return NULL;
    }
    return e;
}

static Expr *bind_sqlvalue_function(BindCtx *ctx, PgQuery__SQLValueFunction *f)
{
    const char *name = NULL;
    switch (f->op) {
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: name = "current_date"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: name = "now"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: name = "localtimestamp"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER:
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE: name = "current_user"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: name = "session_user"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: name = "current_database"; break;
    case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: name = "current_schema"; break;
    default:
        BIND_ERR(ctx, "0A000", f->location, "this SQL value function is not supported yet");
        return NULL;
    }
    return bind_call(ctx, name, 0, NULL, 0, f->location);
}

/* A column reference: "col" or "rel.col", resolved in the scope. */
static Expr *bind_column_ref(BindCtx *ctx, PgQuery__ColumnRef *cr)
{
    const char *rel = NULL, *col = NULL;
    if (cr->n_fields == 1) {
        col = node_str(cr->fields[0]);
    } else if (cr->n_fields == 2) {
        rel = node_str(cr->fields[0]);
        col = node_str(cr->fields[1]);
    } else if (cr->n_fields == 3) { /* schema.rel.col: the schema is ignored (one schema, public) */
        rel = node_str(cr->fields[1]);
        col = node_str(cr->fields[2]);
    }
    if (!col) {
        BIND_ERR(ctx, "42601", cr->location, "\"*\" is not allowed here");
        return NULL;
    }
    const ScopeCol *found = NULL;
    int rel_seen = 0;
    for (uint32_t i = 0; ctx->scope && i < ctx->scope->n; i++) {
        const ScopeCol *c = &ctx->scope->cols[i];
        if (rel && strcmp(c->rel, rel) != 0)
            continue;
        rel_seen = 1;
        if (strcmp(c->name, col) != 0)
            continue;
        if (found) {
            BIND_ERR(ctx, "42702", cr->location, "column reference \"%s\" is ambiguous", col);
            return NULL;
        }
        found = c;
    }
    if (!found) {
        if (rel && !rel_seen)
            BIND_ERR(ctx, "42P01", cr->location, "missing FROM-clause entry for table \"%s\"", rel);
        else if (rel)
            BIND_ERR(ctx, "42703", cr->location, "column %s.%s does not exist", rel, col);
        else
            BIND_ERR(ctx, "42703", cr->location, "column \"%s\" does not exist", col);
        return NULL;
    }
    if (ctx->scope->needed)
        ctx->scope->needed[found->index] = 1;
    Expr *e = expr_new(ctx, EXPR_COL, found->type, cr->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.col = found->index;
    return e;
}

static Expr *bind_expr(BindCtx *ctx, PgQuery__Node *n)
{
    if (!n) {
        sql_error_set(ctx->err, "XX000", 0, "internal error: missing expression");
        return NULL;
    }
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST:
        return bind_const(ctx, n->a_const);
    case PG_QUERY__NODE__NODE_PARAM_REF:
        return bind_param(ctx, n->param_ref);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        Expr *arg = bind_expr(ctx, n->type_cast->arg);
        SqlType t;
        if (!arg || bind_type_name(ctx, n->type_cast->type_name, &t))
            return NULL;
        if (coerce(ctx, &arg, t, 1, n->type_cast->location))
            return NULL;
        return arg;
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
        return bind_aexpr(ctx, n->a_expr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR:
        return bind_bool_expr(ctx, n->bool_expr);
    case PG_QUERY__NODE__NODE_NULL_TEST: {
        Expr *arg = bind_expr(ctx, n->null_test->arg);
        if (!arg)
            return NULL;
        ExprKind k = n->null_test->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? EXPR_IS_NULL : EXPR_IS_NOT_NULL;
        Expr *e = expr_new(ctx, k, SQL_TYPE(SQL_BOOL), n->null_test->location, 1);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        if (arg->type.id == SQL_UNKNOWN && coerce(ctx, &arg, SQL_TYPE(SQL_TEXT), 0, arg->location))
            return NULL;
        e->args[0] = arg;
        return e;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        PgQuery__BooleanTest *bt = n->boolean_test;
        Expr *arg = bind_expr(ctx, bt->arg);
        if (!arg || coerce(ctx, &arg, SQL_TYPE(SQL_BOOL), 0, bt->location))
            return NULL;
        Expr *e = expr_new(ctx, EXPR_IS_TRUE, SQL_TYPE(SQL_BOOL), bt->location, 1);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = arg;
        switch (bt->booltesttype) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: e->u.test.want = 1; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: e->u.test.want = 1, e->u.test.negated = 1; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: e->u.test.want = 0; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: e->u.test.want = 0, e->u.test.negated = 1; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN: e->kind = EXPR_IS_NULL; break;
        default: e->kind = EXPR_IS_NOT_NULL; break;
        }
        return e;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR:
        return bind_case(ctx, n->case_expr);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
        return bind_list_expr(ctx, EXPR_COALESCE, n->coalesce_expr->args, n->coalesce_expr->n_args,
                              n->coalesce_expr->location, "COALESCE");
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        return bind_list_expr(ctx, n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? EXPR_GREATEST : EXPR_LEAST,
                              n->min_max_expr->args, n->min_max_expr->n_args, n->min_max_expr->location,
                              n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "GREATEST" : "LEAST");
    case PG_QUERY__NODE__NODE_FUNC_CALL:
        return bind_func_call(ctx, n->func_call);
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        return bind_sqlvalue_function(ctx, n->sqlvalue_function);
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
        return bind_expr(ctx, n->collate_clause->arg); /* one collation ("C" byte order) */
    case PG_QUERY__NODE__NODE_COLUMN_REF:
        return bind_column_ref(ctx, n->column_ref);
    default:
        sql_error_set(ctx->err, "0A000", 0, "expression type %d is not supported yet", (int)n->node_case);
        return NULL;
    }
}

/* PostgreSQL's FigureColname: the name of an unnamed target-list column. */
static const char *figure_colname(PgQuery__Node *n)
{
    if (!n)
        return "?column?";
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        const char *s = qualified_last(n->column_ref->fields, n->column_ref->n_fields);
        return s ? s : "?column?";
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        const char *s = qualified_last(n->func_call->funcname, n->func_call->n_funcname);
        return s ? s : "?column?";
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        const char *inner = figure_colname(n->type_cast->arg);
        if (strcmp(inner, "?column?") != 0)
            return inner;
        PgQuery__TypeName *tn = n->type_cast->type_name;
        const char *s = tn ? qualified_last(tn->names, tn->n_names) : NULL;
        return s ? s : "?column?";
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: return "case";
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return "coalesce";
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        return n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least";
    case PG_QUERY__NODE__NODE_A_EXPR:
        return n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF ? "nullif" : "?column?";
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        switch (n->sqlvalue_function->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: return "current_date";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: return "current_timestamp";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: return "localtimestamp";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER: return "current_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: return "session_user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER: return "user";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: return "current_catalog";
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: return "current_schema";
        default: return "?column?";
        }
    default:
        return "?column?";
    }
}

/* ------------------------------------------------------------------------------------------------
 * SELECT
 * ---------------------------------------------------------------------------------------------- */

static Op *op_new(BindCtx *ctx, OpKind kind, uint32_t n_cols, Op *child)
{
    Op *op = arena_try_calloc(ctx->arena, sizeof(*op));
    if (!op || (n_cols && !(op->types = ARENA_NEW(ctx->arena, SqlType, n_cols)))) {
        bind_oom(ctx);
        return NULL;
    }
    op->kind = kind;
    op->n_cols = n_cols;
    op->child = child;
    return op;
}

static Expr *bind_count_expr(BindCtx *ctx, PgQuery__Node *n, const char *what)
{
    Expr *e = bind_expr(ctx, n);
    if (!e)
        return NULL;
    if (coerce(ctx, &e, SQL_TYPE(SQL_INT8), 0, e->location)) {
        ctx->err->sqlstate[0] = 0; /* replace with PostgreSQL's wording */
        BIND_ERR(ctx, "42804", e->location, "argument of %s must be type bigint", what);
        return NULL;
    }
    return e;
}

/* Whether a target is "*" or "rel.*" (then *rel is set). */
static int is_star(PgQuery__Node *v, const char **rel)
{
    *rel = NULL;
    if (!v || v->node_case != PG_QUERY__NODE__NODE_COLUMN_REF)
        return 0;
    PgQuery__ColumnRef *cr = v->column_ref;
    if (!cr->n_fields || cr->fields[cr->n_fields - 1]->node_case != PG_QUERY__NODE__NODE_A_STAR)
        return 0;
    if (cr->n_fields >= 2)
        *rel = node_str(cr->fields[cr->n_fields - 2]);
    return 1;
}

static int bind_values(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    uint32_t n_rows = (uint32_t)s->n_values_lists;
    uint32_t n_cols = 0;
    for (uint32_t r = 0; r < n_rows; r++) {
        PgQuery__List *l = s->values_lists[r]->list;
        if (r == 0)
            n_cols = (uint32_t)l->n_items;
        else if (l->n_items != n_cols)
            return sql_error_set(ctx->err, "42601", 0, "VALUES lists must all be the same length");
    }
    Op *op = op_new(ctx, OP_VALUES, n_cols, NULL);
    if (!op || !(op->exprs = ARENA_NEW(ctx->arena, Expr *, (size_t)n_rows * n_cols + 1)))
        return op ? bind_oom(ctx) : WEIR_ERROR;
    op->n_rows = n_rows;
    for (uint32_t r = 0; r < n_rows; r++)
        for (uint32_t c = 0; c < n_cols; c++)
            if (!(op->exprs[(size_t)r * n_cols + c] = bind_expr(ctx, s->values_lists[r]->list->items[c])))
                return WEIR_ERROR;
    Expr **col = ARENA_NEW(ctx->arena, Expr *, n_rows ? n_rows : 1);
    out->cols = ARENA_NEW(ctx->arena, SqlColumn, n_cols ? n_cols : 1);
    if (!col || !out->cols)
        return bind_oom(ctx);
    for (uint32_t c = 0; c < n_cols; c++) {
        for (uint32_t r = 0; r < n_rows; r++)
            col[r] = op->exprs[(size_t)r * n_cols + c];
        SqlType t;
        if (common_type(ctx, col, n_rows, "VALUES", &t))
            return WEIR_ERROR;
        for (uint32_t r = 0; r < n_rows; r++)
            if (coerce(ctx, &op->exprs[(size_t)r * n_cols + c], t, 0, col[r]->location))
                return WEIR_ERROR;
        op->types[c] = t;
        char name[24];
        snprintf(name, sizeof(name), "column%u", c + 1);
        out->cols[c].name = arena_try_strndup(ctx->arena, name, strlen(name));
        out->cols[c].type = t;
    }
    out->root = op;
    out->n_cols = n_cols;
    return WEIR_OK;
}

typedef struct CatalogRef {
    SqlCatalog *catalog;
    CatalogTable *table;
} CatalogRef;

static void catalog_ref_release(void *arg)
{
    CatalogRef *r = arg;
    sql_catalog_unref(r->catalog, r->table);
}

/* FROM with one table over a stream: an OP_SCAN and its scope. */
static int bind_from(BindCtx *ctx, PgQuery__SelectStmt *s, Op **out)
{
    if (s->n_from_clause != 1 || s->from_clause[0]->node_case != PG_QUERY__NODE__NODE_RANGE_VAR)
        return sql_error_set(ctx->err, "0A000", 0, "joins and subqueries in FROM are not supported yet");
    PgQuery__RangeVar *rv = s->from_clause[0]->range_var;
    SqlEngine *eng = ctx->sess->eng;
    CatalogTable *t = sql_catalog_get(eng->catalog, rv->relname);
    if (!t)
        return BIND_ERR(ctx, "42P01", rv->location, "relation \"%s\" does not exist", rv->relname);
    CatalogRef *ref = arena_try_calloc(ctx->arena, sizeof(*ref));
    if (!ref || arena_on_reset(ctx->arena, catalog_ref_release, ref)) {
        sql_catalog_unref(eng->catalog, t);
        return bind_oom(ctx);
    }
    ref->catalog = eng->catalog;
    ref->table = t;
    const TableDef *td = t->def;
    uint32_t n = td->n_cols + TABLE_HID_N;
    Op *op = op_new(ctx, OP_SCAN, n, NULL);
    ScanSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    Scope *sc = arena_try_calloc(ctx->arena, sizeof(*sc));
    if (!op || !sp || !sc || !(sp->needed = arena_try_calloc(ctx->arena, n)) ||
        !(sc->cols = ARENA_NEW(ctx->arena, ScopeCol, n)))
        return op ? bind_oom(ctx) : WEIR_ERROR;
    sp->table = t;
    sp->store = eng->cfg.store;
    op->spec = sp;
    const char *rel = rv->alias && rv->alias->aliasname && rv->alias->aliasname[0] ? rv->alias->aliasname : td->name;
    for (uint32_t i = 0; i < n; i++) {
        ScopeCol *c = &sc->cols[i];
        c->rel = rel;
        c->index = i;
        c->table_oid = t->oid;
        if (i < td->n_cols) {
            c->name = td->cols[i].name;
            c->type = td->cols[i].type;
            c->is_hidden = td->cols[i].is_hidden;
            c->attnum = (int16_t)(i + 1);
        } else {
            c->name = tabledef_hidden_name((TableHidden)(i - td->n_cols));
            c->type = tabledef_hidden_type((TableHidden)(i - td->n_cols));
            c->is_hidden = 1;
        }
        op->types[i] = c->type;
    }
    sc->n = n;
    sc->needed = sp->needed;
    ctx->scope = sc;
    *out = op;
    return WEIR_OK;
}

static int bind_select(BindCtx *ctx, PgQuery__SelectStmt *s, BoundStmt *out)
{
    out->kind = BOUND_QUERY;
    out->tag = "SELECT";
    if (s->op != PG_QUERY__SET_OPERATION__SETOP_NONE && s->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED)
        return sql_error_set(ctx->err, "0A000", 0, "UNION, INTERSECT and EXCEPT are not supported yet");
    if (s->with_clause)
        return BIND_ERR(ctx, "0A000", s->with_clause->location, "WITH is not supported yet");
    if (s->n_values_lists) {
        if (bind_values(ctx, s, out))
            return WEIR_ERROR;
    } else {

        if (s->n_window_clause)
            return sql_error_set(ctx->err, "0A000", 0, "WINDOW clauses are not supported yet");
        if (s->group_distinct)
            return sql_error_set(ctx->err, "0A000", 0, "GROUP BY DISTINCT is not supported yet");
        int distinct = s->n_distinct_clause > 0;
        if (distinct && (s->n_distinct_clause > 1 || (s->distinct_clause[0] &&
                                                      s->distinct_clause[0]->node_case != PG_QUERY__NODE__NODE__NOT_SET)))
            return sql_error_set(ctx->err, "0A000", 0, "SELECT DISTINCT ON is not supported yet");
        Op *src = NULL;
        if (s->n_from_clause) {
            if (bind_from(ctx, s, &src))
                return WEIR_ERROR;
        } else if (!(src = op_new(ctx, OP_RESULT, 0, NULL))) {
            return WEIR_ERROR;
        }
        if (s->where_clause) {
            Expr *pred = bind_expr(ctx, s->where_clause);
            if (!pred || coerce(ctx, &pred, SQL_TYPE(SQL_BOOL), 0, pred->location))
                return WEIR_ERROR;
            Op *f = op_new(ctx, OP_FILTER, 0, src);
            if (!f)
                return WEIR_ERROR;
            f->pred = pred;
            src = f;
        }
        /* count the output columns: each * expands to the visible columns of its relation(s) */
        uint32_t n = 0;
        for (size_t i = 0; i < s->n_target_list; i++) {
            PgQuery__ResTarget *rt = s->target_list[i]->res_target;
            const char *star_rel;
            if (is_star(rt->val, &star_rel)) {
                if (!ctx->scope)
                    return BIND_ERR(ctx, "42601", rt->location, "SELECT * with no tables specified is not valid");
                uint32_t k = 0;
                for (uint32_t c = 0; c < ctx->scope->n; c++)
                    k += !ctx->scope->cols[c].is_hidden && (!star_rel || strcmp(ctx->scope->cols[c].rel, star_rel) == 0);
                if (star_rel && k == 0)
                    return BIND_ERR(ctx, "42P01", rt->location, "missing FROM-clause entry for table \"%s\"", star_rel);
                n += k;
            } else {
                n++;
            }
        }
        int aggregating = s->n_group_clause || s->having_clause || nodes_have_agg(s->target_list, s->n_target_list);
        AggBind ab;
        memset(&ab, 0, sizeof(ab));
        if (aggregating)
            ctx->agg = &ab;
        Op *proj = op_new(ctx, OP_PROJECT, n, src);
        uint32_t cap = n + (uint32_t)s->n_sort_clause; /* room for ORDER BY expressions not in the list */
        SqlType *ptypes = ARENA_NEW(ctx->arena, SqlType, cap ? cap : 1);
        if (!proj || !ptypes || !(proj->exprs = ARENA_NEW(ctx->arena, Expr *, cap ? cap : 1)) ||
            !(out->cols = ARENA_NEW(ctx->arena, SqlColumn, n ? n : 1)))
            return proj ? bind_oom(ctx) : WEIR_ERROR;
        proj->types = ptypes;
        uint32_t o = 0;
        for (size_t i = 0; i < s->n_target_list; i++) {
            PgQuery__ResTarget *rt = s->target_list[i]->res_target;
            const char *star_rel;
            if (is_star(rt->val, &star_rel)) {
                for (uint32_t c = 0; c < ctx->scope->n; c++) {
                    const ScopeCol *sc = &ctx->scope->cols[c];
                    if (sc->is_hidden || (star_rel && strcmp(sc->rel, star_rel) != 0))
                        continue;
                    Expr *e = expr_new(ctx, EXPR_COL, sc->type, rt->location, 0);
                    if (!e)
                        return bind_oom(ctx);
                    e->u.col = sc->index;
                    if (ctx->scope->needed)
                        ctx->scope->needed[sc->index] = 1;
                    proj->exprs[o] = e;
                    proj->types[o] = e->type;
                    out->cols[o] = (SqlColumn){.name = sc->name, .type = sc->type, .table_oid = sc->table_oid,
                                               .attnum = sc->attnum};
                    o++;
                }
                continue;
            }
            Expr *e = bind_expr(ctx, rt->val);
            if (!e)
                return WEIR_ERROR;
            if (e->type.id == SQL_UNKNOWN && coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                return WEIR_ERROR;
            proj->exprs[o] = e;
            proj->types[o] = e->type;
            const char *name = rt->name && rt->name[0] ? rt->name : figure_colname(rt->val);
            out->cols[o].name = arena_try_strndup(ctx->arena, name, strlen(name));
            out->cols[o].type = e->type;
            if (e->kind == EXPR_COL && ctx->scope && !(rt->name && rt->name[0]) && e->u.col < ctx->scope->n) {
                out->cols[o].table_oid = ctx->scope->cols[e->u.col].table_oid;
                out->cols[o].attnum = ctx->scope->cols[e->u.col].attnum;
            }
            o++;
        }
        /* ORDER BY: an ordinal or an output column name names an output column; anything else is an
         * expression over the input (or an aggregate), computed by the projection as an extra column */
        uint32_t n_sort = (uint32_t)s->n_sort_clause, n_junk = 0;
        SortSpec *ss = NULL;
        if (n_sort) {
            ss = arena_try_calloc(ctx->arena, sizeof(*ss));
            if (!ss || !(ss->cols = ARENA_NEW(ctx->arena, uint32_t, n_sort)) ||
                !(ss->desc = arena_try_calloc(ctx->arena, n_sort)) ||
                !(ss->nulls_first = arena_try_calloc(ctx->arena, n_sort)))
                return bind_oom(ctx);
            ss->n_keys = n_sort;
            for (uint32_t k = 0; k < n_sort; k++) {
                PgQuery__SortBy *sb = s->sort_clause[k]->sort_by;
                if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING)
                    return BIND_ERR(ctx, "0A000", sb->location, "ORDER BY ... USING is not supported");
                ss->desc[k] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
                ss->nulls_first[k] = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                                     (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && ss->desc[k]);
                PgQuery__Node *g = sb->node;
                int64_t col = -1;
                if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                    int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
                    if (ord < 1 || (uint32_t)ord > n)
                        return BIND_ERR(ctx, "42P10", g->a_const->location, "ORDER BY position %d is not in select list", ord);
                    col = ord - 1;
                } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
                    const char *name = node_str(g->column_ref->fields[0]);
                    for (uint32_t c = 0; name && c < n && col < 0; c++)
                        if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                            col = c;
                }
                if (col < 0) {
                    Expr *e = bind_expr(ctx, g);
                    if (!e)
                        return WEIR_ERROR;
                    if (e->type.id == SQL_UNKNOWN && coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                        return WEIR_ERROR;
                    for (uint32_t c = 0; c < n + n_junk && col < 0; c++)
                        if (expr_equal(proj->exprs[c], e))
                            col = c;
                    if (col < 0) {
                        proj->exprs[n + n_junk] = e;
                        proj->types[n + n_junk] = e->type;
                        col = n + n_junk++;
                    }
                }
                ss->cols[k] = (uint32_t)col;
            }
            proj->n_cols = n + n_junk;
        }
        if (aggregating) {
            /* GROUP BY keys over the input: an ordinal or an output column name means that column's
             * expression, as in PostgreSQL */
            uint32_t n_keys = (uint32_t)s->n_group_clause;
            Expr **keys = ARENA_NEW(ctx->arena, Expr *, n_keys ? n_keys : 1);
            if (!keys)
                return bind_oom(ctx);
            ctx->agg = NULL;
            for (uint32_t k = 0; k < n_keys; k++) {
                PgQuery__Node *g = s->group_clause[k];
                Expr *e = NULL;
                if (g->node_case == PG_QUERY__NODE__NODE_A_CONST && g->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
                    int ord = g->a_const->ival ? g->a_const->ival->ival : 0;
                    if (ord < 1 || (uint32_t)ord > n)
                        return BIND_ERR(ctx, "42P10", g->a_const->location, "GROUP BY position %d is not in select list", ord);
                    e = proj->exprs[ord - 1];
                } else if (g->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && g->column_ref->n_fields == 1) {
                    const char *name = node_str(g->column_ref->fields[0]);
                    int in_input = 0;
                    for (uint32_t c = 0; ctx->scope && name && c < ctx->scope->n; c++)
                        in_input |= strcmp(ctx->scope->cols[c].name, name) == 0;
                    for (uint32_t c = 0; !in_input && name && c < n; c++)
                        if (out->cols[c].name && strcmp(out->cols[c].name, name) == 0)
                            e = proj->exprs[c];
                }
                if (!e && !(e = bind_expr(ctx, g)))
                    return WEIR_ERROR;
                if (e->kind == EXPR_AGGREF)
                    return BIND_ERR(ctx, "42803", e->location, "aggregate functions are not allowed in GROUP BY");
                if (e->type.id == SQL_UNKNOWN && coerce(ctx, &e, SQL_TYPE(SQL_TEXT), 0, e->location))
                    return WEIR_ERROR;
                keys[k] = e;
            }
            Expr *having = NULL;
            if (s->having_clause) {
                ctx->agg = &ab;
                having = bind_expr(ctx, s->having_clause);
                ctx->agg = NULL;
                if (!having || coerce(ctx, &having, SQL_TYPE(SQL_BOOL), 0, having->location))
                    return WEIR_ERROR;
            }
            Op *agg = op_new(ctx, OP_AGG, n_keys + ab.n, proj->child);
            AggSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
            if (!agg || !sp)
                return agg ? bind_oom(ctx) : WEIR_ERROR;
            sp->keys = keys;
            sp->n_keys = n_keys;
            sp->aggs = ab.calls;
            sp->n_aggs = ab.n;
            agg->spec = sp;
            for (uint32_t k = 0; k < n_keys; k++)
                agg->types[k] = keys[k]->type;
            for (uint32_t a = 0; a < ab.n; a++)
                agg->types[n_keys + a] = ab.calls[a].type;
            for (uint32_t i = n; i < n + n_junk; i++)
                if (agg_rewrite(ctx, &proj->exprs[i], keys, n_keys))
                    return WEIR_ERROR;
            for (uint32_t i = 0; i < n; i++) {
                if (agg_rewrite(ctx, &proj->exprs[i], keys, n_keys))
                    return WEIR_ERROR;
                if (proj->exprs[i]->kind != EXPR_COL || proj->exprs[i]->u.col >= n_keys) {
                    out->cols[i].table_oid = 0;
                    out->cols[i].attnum = 0;
                }
            }
            Op *top = agg;
            if (having) {
                if (agg_rewrite(ctx, &having, keys, n_keys))
                    return WEIR_ERROR;
                Op *f = op_new(ctx, OP_FILTER, 0, agg);
                if (!f)
                    return WEIR_ERROR;
                f->pred = having;
                top = f;
            }
            proj->child = top;
            ctx->scope = NULL;
        }
        out->root = proj;
        out->n_cols = n;
        if (distinct) {
            /* DISTINCT: group by every output column (hash aggregation with no aggregates) */
            if (n_junk)
                return sql_error_set(ctx->err, "42P10", 0,
                                     "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
            Op *dist = op_new(ctx, OP_AGG, n, proj);
            AggSpec *dsp = arena_try_calloc(ctx->arena, sizeof(*dsp));
            if (!dist || !dsp || !(dsp->keys = ARENA_NEW(ctx->arena, Expr *, n ? n : 1)))
                return dist ? bind_oom(ctx) : WEIR_ERROR;
            for (uint32_t c = 0; c < n; c++) {
                Expr *e = expr_new(ctx, EXPR_COL, proj->types[c], -1, 0);
                if (!e)
                    return bind_oom(ctx);
                e->u.col = c;
                dsp->keys[c] = e;
                dist->types[c] = proj->types[c];
            }
            dsp->n_keys = n;
            dist->spec = dsp;
            out->root = dist;
        }
        if (ss) {
            Op *sort = op_new(ctx, OP_SORT, out->root->n_cols, out->root);
            if (!sort)
                return WEIR_ERROR;
            memcpy(sort->types, out->root->types, out->root->n_cols * sizeof(SqlType));
            sort->spec = ss;
            out->root = sort;
            if (n_junk) {
                /* drop the ORDER BY-only columns */
                Op *trim = op_new(ctx, OP_PROJECT, n, sort);
                if (!trim || !(trim->exprs = ARENA_NEW(ctx->arena, Expr *, n ? n : 1)))
                    return trim ? bind_oom(ctx) : WEIR_ERROR;
                for (uint32_t c = 0; c < n; c++) {
                    Expr *e = expr_new(ctx, EXPR_COL, proj->types[c], -1, 0);
                    if (!e)
                        return bind_oom(ctx);
                    e->u.col = c;
                    trim->exprs[c] = e;
                    trim->types[c] = proj->types[c];
                }
                out->root = trim;
            }
        }
    }
    if (s->n_values_lists && s->n_sort_clause)
        return sql_error_set(ctx->err, "0A000", 0, "ORDER BY on VALUES is not supported yet");
    if (s->limit_count || s->limit_offset) {
        Op *lim = op_new(ctx, OP_LIMIT, out->n_cols, out->root);
        if (!lim)
            return WEIR_ERROR;
        memcpy(lim->types, out->root->types, out->n_cols * sizeof(SqlType));
        if (s->limit_count && !(s->limit_count->node_case == PG_QUERY__NODE__NODE_A_CONST && s->limit_count->a_const->isnull) &&
            !(lim->limit = bind_count_expr(ctx, s->limit_count, "LIMIT")))
            return WEIR_ERROR;
        if (s->limit_offset && !(lim->offset = bind_count_expr(ctx, s->limit_offset, "OFFSET")))
            return WEIR_ERROR;
        out->root = lim;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Utility statements
 * ---------------------------------------------------------------------------------------------- */

/* The text of a SET argument: a constant's text, numbers as written, identifiers as given. */
static int set_arg_text(BindCtx *ctx, PgQuery__Node *n, char *out, size_t cap)
{
    if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
        PgQuery__AConst *c = n->a_const;
        switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_IVAL: snprintf(out, cap, "%d", c->ival ? c->ival->ival : 0); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_FVAL: snprintf(out, cap, "%s", c->fval->fval); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_SVAL: snprintf(out, cap, "%s", c->sval->sval); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_BOOLVAL: snprintf(out, cap, "%s", c->boolval->boolval ? "on" : "off"); return WEIR_OK;
        default: break;
        }
    }
    if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast->arg)
        return set_arg_text(ctx, n->type_cast->arg, out, cap); /* SET TIME ZONE INTERVAL '...' */
    return sql_error_set(ctx->err, "42601", 0, "unsupported value in SET");
}

static int bind_set(BindCtx *ctx, PgQuery__VariableSetStmt *v, BoundStmt *out)
{
    out->kind = BOUND_SET;
    out->tag = v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET || v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL
                   ? "RESET"
                   : "SET";
    switch (v->kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: {
        char value[1024] = "";
        size_t len = 0;
        for (size_t i = 0; i < v->n_args; i++) {
            char part[512];
            if (set_arg_text(ctx, v->args[i], part, sizeof(part)))
                return WEIR_ERROR;
            len += (size_t)snprintf(value + len, sizeof(value) - len, "%s%s", i ? ", " : "", part);
        }
        out->set_name = arena_try_strndup(ctx->arena, v->name, strlen(v->name));
        out->set_value = arena_try_strndup(ctx->arena, value, strlen(value));
        return out->set_name && out->set_value ? WEIR_OK : bind_oom(ctx);
    }
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
        out->set_name = arena_try_strndup(ctx->arena, v->name, strlen(v->name));
        out->set_value = NULL;
        return out->set_name ? WEIR_OK : bind_oom(ctx);
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
        out->set_name = NULL;
        return WEIR_OK;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
        /* SET TRANSACTION ... / SET SESSION CHARACTERISTICS: accepted, nothing to do (reads are snapshots) */
        out->kind = BOUND_NOOP;
        return WEIR_OK;
    default:
        return sql_error_set(ctx->err, "0A000", 0, "this form of SET is not supported");
    }
}

static int bind_show(BindCtx *ctx, PgQuery__VariableShowStmt *v, BoundStmt *out)
{
    const char *name = v->name;
    const char *value = sql_session_get(ctx->sess, name);
    if (!value) {
        if (strcasecmp(name, "all") == 0)
            return sql_error_set(ctx->err, "0A000", 0, "SHOW ALL is not supported yet");
        return sql_error_set(ctx->err, "42704", 0, "unrecognized configuration parameter \"%s\"", name);
    }
    out->kind = BOUND_QUERY;
    out->tag = "SHOW";
    Op *op = op_new(ctx, OP_VALUES, 1, NULL);
    Expr *e = expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_TEXT), -1, 0);
    char *copy = arena_try_strndup(ctx->arena, value, strlen(value));
    out->cols = ARENA_NEW(ctx->arena, SqlColumn, 1);
    if (!op || !e || !copy || !out->cols || !(op->exprs = ARENA_NEW(ctx->arena, Expr *, 1)))
        return bind_oom(ctx);
    e->u.cval.type = SQL_TYPE(SQL_TEXT);
    e->u.cval.u.s = (Slice){(const uint8_t *)copy, strlen(copy)};
    op->exprs[0] = e;
    op->n_rows = 1;
    op->types[0] = SQL_TYPE(SQL_TEXT);
    /* PostgreSQL names the column after the setting as written in SHOW, lower-cased */
    char lname[64];
    lower_copy(name, lname, sizeof(lname));
    out->cols[0].name = arena_try_strndup(ctx->arena, lname, strlen(lname));
    out->cols[0].type = SQL_TYPE(SQL_TEXT);
    out->root = op;
    out->n_cols = 1;
    return WEIR_OK;
}

static void tabledef_destroy_cb(void *arg)
{
    TableDef *td = arg;
    tabledef_destroy(&td);
}

/* The text of a WITH option's value. */
static int defelem_text(BindCtx *ctx, PgQuery__DefElem *d, char *out, size_t cap)
{
    PgQuery__Node *a = d->arg;
    if (!a) {
        snprintf(out, cap, "true"); /* WITH (header) */
        return WEIR_OK;
    }
    switch (a->node_case) {
    case PG_QUERY__NODE__NODE_STRING: snprintf(out, cap, "%s", a->string->sval); return WEIR_OK;
    case PG_QUERY__NODE__NODE_INTEGER: snprintf(out, cap, "%d", a->integer->ival); return WEIR_OK;
    case PG_QUERY__NODE__NODE_FLOAT: snprintf(out, cap, "%s", a->float_->fval); return WEIR_OK;
    case PG_QUERY__NODE__NODE_BOOLEAN: snprintf(out, cap, "%s", a->boolean->boolval ? "true" : "false"); return WEIR_OK;
    case PG_QUERY__NODE__NODE_TYPE_NAME: {
        const char *n = qualified_last(a->type_name->names, a->type_name->n_names);
        snprintf(out, cap, "%s", n ? n : "");
        return WEIR_OK;
    }
    case PG_QUERY__NODE__NODE_A_CONST:
        return set_arg_text(ctx, a, out, cap);
    default:
        return BIND_ERR(ctx, "22023", d->location, "invalid value for option \"%s\"", d->defname);
    }
}

static int bind_create_table(BindCtx *ctx, PgQuery__CreateStmt *c, BoundStmt *out)
{
    out->kind = BOUND_CREATE_TABLE;
    out->tag = "CREATE TABLE";
    out->if_not_exists = c->if_not_exists;
    if (c->n_inh_relations || c->partspec || c->of_typename || c->n_constraints)
        return sql_error_set(ctx->err, "0A000", 0, "inheritance, partitions and table constraints are not supported");
    size_t n_cols = c->n_table_elts;
    TableColumnSpec *cols = ARENA_NEW(ctx->arena, TableColumnSpec, n_cols ? n_cols : 1);
    TableOption *opts = ARENA_NEW(ctx->arena, TableOption, c->n_options ? c->n_options : 1);
    if (!cols || !opts)
        return bind_oom(ctx);
    for (size_t i = 0; i < n_cols; i++) {
        PgQuery__Node *el = c->table_elts[i];
        if (el->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
            return sql_error_set(ctx->err, "0A000", 0, "table constraints are not supported");
        PgQuery__ColumnDef *cd = el->column_def;
        if (bind_type_name(ctx, cd->type_name, &cols[i].type))
            return WEIR_ERROR;
        cols[i].name = cd->colname;
        cols[i].position = bind_pos(ctx, cd->location);
    }
    for (size_t i = 0; i < c->n_options; i++) {
        PgQuery__DefElem *d = c->options[i]->def_elem;
        char key[256], value[4096];
        if (d->defnamespace && d->defnamespace[0])
            snprintf(key, sizeof(key), "%s.%s", d->defnamespace, d->defname);
        else
            snprintf(key, sizeof(key), "%s", d->defname);
        if (defelem_text(ctx, d, value, sizeof(value)))
            return WEIR_ERROR;
        opts[i].key = arena_try_strndup(ctx->arena, key, strlen(key));
        opts[i].value = arena_try_strndup(ctx->arena, value, strlen(value));
        opts[i].position = bind_pos(ctx, d->location);
        if (!opts[i].key || !opts[i].value)
            return bind_oom(ctx);
    }
    TableDef *td = NULL;
    if (tabledef_build(c->relation->relname, cols, n_cols, opts, c->n_options, &td, ctx->err))
        return WEIR_ERROR;
    if (arena_on_reset(ctx->arena, tabledef_destroy_cb, td)) {
        tabledef_destroy(&td);
        return bind_oom(ctx);
    }
    out->create_def = td;
    return WEIR_OK;
}

static int bind_drop(BindCtx *ctx, PgQuery__DropStmt *d, BoundStmt *out)
{
    if (d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE)
        return sql_error_set(ctx->err, "0A000", 0, "only DROP TABLE is supported");
    out->kind = BOUND_DROP_TABLE;
    out->tag = "DROP TABLE";
    out->if_exists = d->missing_ok;
    out->drop_names = ARENA_NEW(ctx->arena, const char *, d->n_objects ? d->n_objects : 1);
    if (!out->drop_names)
        return bind_oom(ctx);
    for (size_t i = 0; i < d->n_objects; i++) {
        PgQuery__Node *o = d->objects[i];
        const char *name = o->node_case == PG_QUERY__NODE__NODE_LIST
                               ? qualified_last(o->list->items, o->list->n_items)
                               : node_str(o);
        if (!name)
            return sql_error_set(ctx->err, "42601", 0, "syntax error in DROP TABLE");
        out->drop_names[out->n_drop++] = name; /* lives as long as the parse tree (the statement) */
    }
    return WEIR_OK;
}

int bind_statement(BindCtx *ctx, PgQuery__Node *stmt, BoundStmt *out)
{
    memset(out, 0, sizeof(*out));
    int rc;
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        rc = bind_select(ctx, stmt->select_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
        rc = bind_set(ctx, stmt->variable_set_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
        rc = bind_show(ctx, stmt->variable_show_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT: {
        PgQuery__TransactionStmt *t = stmt->transaction_stmt;
        rc = WEIR_OK;
        switch (t->kind) {
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
            out->kind = BOUND_BEGIN, out->tag = "BEGIN";
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
            out->kind = BOUND_COMMIT, out->tag = "COMMIT";
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
            out->kind = BOUND_ROLLBACK, out->tag = "ROLLBACK";
            break;
        default:
            rc = sql_error_set(ctx->err, "0A000", 0, "savepoints and two-phase commit are not supported");
        }
        break;
    }
    case PG_QUERY__NODE__NODE_CREATE_STMT:
        rc = bind_create_table(ctx, stmt->create_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_DROP_STMT:
        rc = bind_drop(ctx, stmt->drop_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_DISCARD_STMT:
        out->kind = BOUND_NOOP, out->tag = "DISCARD ALL", rc = WEIR_OK;
        break;
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
        out->kind = BOUND_NOOP, out->tag = "DEALLOCATE", rc = WEIR_OK;
        break;
    default:
        rc = sql_error_set(ctx->err, "0A000", 0, "this statement is not supported yet");
        break;
    }
    if (rc)
        return rc;
    /* parameters the query never typed are text, as PostgreSQL resolves unknown parameters */
    for (uint32_t i = 0; i < ctx->n_params; i++)
        if (ctx->param_types[i].id == SQL_UNKNOWN)
            ctx->param_types[i] = SQL_TYPE(SQL_TEXT);
    out->param_types = ctx->param_types;
    out->n_params = ctx->n_params;
    return WEIR_OK;
}
