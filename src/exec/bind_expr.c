/*
 * bind_expr.c: binding expressions (see bind.h): positions and errors; type coercion (PostgreSQL's
 * implicit-cast graph, literal typing); function and operator resolution (func_select_candidate in
 * spirit); the expression forms.
 *
 * Literal typing follows PostgreSQL: an integer literal is int4 (int8 when it does not fit, numeric past
 * that), a literal with a decimal point or exponent is numeric, a quoted string is "unknown" until the
 * context gives it a type (then it is parsed at bind time, so a bad literal is reported at its own
 * position), and an unknown still untyped in a SELECT list becomes text.
 *
 * A numeric literal that weir's 38-digit numeric cannot hold (1e300, 1e-50, 45 digits) is valid SQL
 * whose value PostgreSQL keeps exactly; what it can still become here is a float. So bind_const keeps
 * such a literal's text, as a numeric-typed cast of a text constant (a "deferred numeric literal": the
 * only way a cast of a constant survives binding, since casts of constants are folded), and bind_coerce
 * parses that text straight into float4/float8 when the context asks for one (1e300::float8, x > 1e308
 * with x float8), which gives PostgreSQL's value: its numeric -> float conversion also reads the
 * decimal text. Coerced to anything else it fails at bind time with 22003 "value overflows numeric
 * format"; left numeric (SELECT 1e300) it fails with that error when evaluated.
 */
#include "exec/bind_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "exec/depth.h"
#include "sql/fn_catalog.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * Positions and errors
 * ---------------------------------------------------------------------------------------------- */

/* 1-based character position in the full query of a byte location inside this statement. */
int bind_pos(const BindCtx *ctx, int location)
{
    if (location < 0)
        return 0;
    size_t end = ctx->offset + (size_t)location;
    int chars = 0;
    for (size_t i = 0; i < end && ctx->query[i]; i++)
        chars += ((unsigned char)ctx->query[i] & 0xC0) != 0x80;
    return chars + 1;
}

int bind_oom(BindCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory while planning the query");
}

Expr *bind_expr_new(BindCtx *ctx, ExprKind kind, SqlType type, int location, uint32_t n_args)
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

const char *bind_type_str(SqlType t, char *buf, size_t n)
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
    /* PostgreSQL's implicit casts among oids (pg_cast context 'i'): integers to oid and the reg* types,
     * oid to every reg* type and back (binary coercible); a reg* value or an oid is an integer only by
     * assignment or explicitly (1259::oid + 1 is 42883) */
    int from_reg = from == SQL_REGCLASS || from == SQL_REGTYPE || from == SQL_REGPROC || from == SQL_REGNAMESPACE ||
                   from == SQL_REGROLE;
    int to_reg = to == SQL_REGCLASS || to == SQL_REGTYPE || to == SQL_REGPROC || to == SQL_REGNAMESPACE ||
                 to == SQL_REGROLE;
    if ((from == SQL_INT2 || from == SQL_INT4 || from == SQL_INT8) && (to == SQL_OID || to_reg))
        return 3;
    if ((from == SQL_OID && to_reg) || (from_reg && to == SQL_OID))
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

/* A numeric literal too long for weir's numeric, kept as text (see the file comment and bind_const). */
static int is_deferred_numeric_literal(const Expr *e)
{
    return e->kind == EXPR_CAST && e->type.id == SQL_NUMERIC && e->n_args == 1 && e->args[0]->kind == EXPR_CONST &&
           e->args[0]->type.id == SQL_TEXT;
}

/* Make e of type t. explicit_ allows every cast sql_value_cast knows (CAST, ::); otherwise only the
 * implicit ones. Unknown literals are parsed now; untyped parameters take the type. */
int bind_coerce(BindCtx *ctx, Expr **ep, SqlType t, int explicit_, int location)
{
    Expr *e = *ep;
    if (e->type.id == t.id && (t.typmod < 0 || e->type.typmod == t.typmod))
        return WEIR_OK;
    if (e->kind == EXPR_PARAM && e->type.id == SQL_UNKNOWN) {
        /* This reference was bound while $n's type was open; another one may have decided it since
         * ($1 || + $1): a different type now is PostgreSQL's 42P08, not a silent change of the type
         * already reported (variable_coerce_param_hook) */
        SqlType had = ctx->param_types[e->u.param];
        if (had.id != SQL_UNKNOWN && had.id != t.id) {
            char a[64], b[64];
            if (!ctx->err->sqlstate[0])
                snprintf(ctx->err->detail, sizeof(ctx->err->detail), "%s versus %s",
                         bind_type_str(had, a, sizeof(a)), bind_type_str(t, b, sizeof(b)));
            return BIND_ERR(ctx, "42P08", e->location, "inconsistent types deduced for parameter $%u",
                            e->u.param + 1);
        }
        if (had.id == SQL_UNKNOWN) {
            e->type = t;
            ctx->param_types[e->u.param] = t;
            return WEIR_OK;
        }
        e->type = had; /* the type decided before; another typmod is a cast from it, below */
        if (t.typmod < 0 || had.typmod == t.typmod)
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
                        bind_type_str(e->type, a, sizeof(a)), bind_type_str(t, b, sizeof(b)));
    }
    if (is_deferred_numeric_literal(e)) {
        /* the literal's text read as the float type; as numeric again (any other target) it fails with
         * the 22003 it was deferred for */
        const Expr *lit = e->args[0];
        SqlType as = t.id == SQL_FLOAT4 || t.id == SQL_FLOAT8 ? t : SQL_TYPE(SQL_NUMERIC);
        SqlValue v;
        memset(&v, 0, sizeof(v));
        const Slice s = lit->u.cval.u.s;
        if (sql_value_from_text(as, (const char *)s.p, s.n, &ctx->sess->fmt, ctx->arena, &v, ctx->err)) {
            if (ctx->err->position == 0)
                ctx->err->position = bind_pos(ctx, lit->location);
            return WEIR_ERROR;
        }
        Expr *c = bind_expr_new(ctx, EXPR_CONST, as, lit->location, 0);
        if (!c)
            return bind_oom(ctx);
        v.type = as;
        c->u.cval = v;
        *ep = c;
        return WEIR_OK;
    }
    Expr *c = bind_expr_new(ctx, EXPR_CAST, t, location >= 0 ? location : e->location, 1);
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
int bind_common_type(BindCtx *ctx, Expr **es, uint32_t n, const char *context, SqlType *out)
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
        /* select_common_type: move to the later type only when the current one is not its category's
         * preferred type and converts to it implicitly but not back (oid and regclass, varchar and
         * text convert both ways: the first stays) */
        if (!is_preferred(t.id) && implicit_cost(t.id, c) > 0 && implicit_cost(c, t.id) < 0)
            t = SQL_TYPE(c);
        else if (implicit_cost(c, t.id) < 0) {
            char a[64], b[64];
            return BIND_ERR(ctx, "42804", es[i]->location, "%s types %s and %s cannot be matched", context,
                            bind_type_str(t, a, sizeof(a)), bind_type_str(es[i]->type, b, sizeof(b)));
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
            /* an unknown literal fits any type; a string-category target is preferred, then a category's
             * preferred type (PostgreSQL keeps only the candidates taking it: + $1 and abs($1) are float8) */
            cost += is_string_type(want) ? 1 : is_preferred(want) ? 2 : 3;
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
                        if (bind_coerce(ctx, &args[side], k->type, 0, u->location))
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
                          bind_type_str(args[0]->type, a, sizeof(a)), name, bind_type_str(args[1]->type, b, sizeof(b)));
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
            if (args[i]->type.id == SQL_UNKNOWN && bind_coerce(ctx, &args[i], SQL_TYPE(SQL_TEXT), 0, args[i]->location))
                return WEIR_ERROR;
            continue;
        }
        if (want == SQL_FN_ANYELEMENT)
            want = best_elem;
        if (bind_coerce(ctx, &args[i], SQL_TYPE(want), 0, args[i]->location))
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
Expr *bind_call(BindCtx *ctx, const char *name, int is_op, Expr **args, uint32_t n, int location)
{
    const SqlFnDef *def;
    SqlType type;
    if (bind_resolve_fn(ctx, name, is_op, args, n, location, &def, &type))
        return NULL;
    Expr *e = bind_expr_new(ctx, EXPR_FUNC, type, location, n);
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
int bind_cmp_def(BindCtx *ctx, const char *op, Expr **a, Expr **b, int location, const SqlFnDef **def,
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

Expr *bind_eq_node(BindCtx *ctx, ExprKind k, Expr *l, Expr *r, int location)
{
    const SqlFnDef *def;
    void *state;
    if (bind_cmp_def(ctx, "=", &l, &r, location, &def, &state))
        return NULL;
    Expr *e = bind_expr_new(ctx, k, k == EXPR_NULLIF ? l->type : SQL_TYPE(SQL_BOOL), location, 2);
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

/* ------------------------------------------------------------------------------------------------
 * Expressions
 * ---------------------------------------------------------------------------------------------- */

const char *bind_node_str(const PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

/* ASCII lower-case copy of s into out (cap bytes). */
void bind_lower_copy(const char *s, char *out, size_t cap)
{
    snprintf(out, cap, "%s", s);
    for (char *p = out; *p; p++)
        *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
}

/* The last name of a qualified name list, skipping "pg_catalog." */
const char *bind_qualified_last(PgQuery__Node **names, size_t n)
{
    return n ? bind_node_str(names[n - 1]) : NULL;
}

/* A numeric literal past weir's 38 digits: numeric(text), resolved by bind_coerce (file comment). */
static Expr *bind_deferred_numeric_literal(BindCtx *ctx, const char *s, int location)
{
    Expr *lit = bind_expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_TEXT), location, 0);
    Expr *e = bind_expr_new(ctx, EXPR_CAST, SQL_TYPE(SQL_NUMERIC), location, 1);
    char *copy = arena_try_strndup(ctx->arena, s, strlen(s));
    if (!lit || !e || !copy) {
        bind_oom(ctx);
        return NULL;
    }
    lit->u.cval.type = lit->type;
    lit->u.cval.u.s = (Slice){(const uint8_t *)copy, strlen(copy)};
    e->args[0] = lit;
    return e;
}

static Expr *bind_const(BindCtx *ctx, PgQuery__AConst *c)
{
    Expr *e = bind_expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_UNKNOWN), c->location, 0);
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
        SqlError perr;
        memset(&perr, 0, sizeof(perr));
        if (sql_value_from_text(t, s, strlen(s), &ctx->sess->fmt, ctx->arena, v, &perr)) {
            if (strcmp(perr.sqlstate, "22003") == 0)
                return bind_deferred_numeric_literal(ctx, s, c->location);
            *ctx->err = perr;
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
    Expr *e = bind_expr_new(ctx, EXPR_PARAM, ctx->param_types[idx], p->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    e->u.param = idx;
    return e;
}

/* A TypeName node to a SqlType (with typmods). */
int bind_type_name(BindCtx *ctx, PgQuery__TypeName *tn, SqlType *out)
{
    char name[128] = "";
    size_t len = 0;
    for (size_t i = 0; i < tn->n_names; i++) {
        const char *s = bind_node_str(tn->names[i]);
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
 * Named notation: f(a, b => x, c := y)
 *
 * PostgreSQL matches named arguments to the function's parameter names (pg_proc.proargnames) and fills
 * parameters left out from their defaults (proargdefaults). The function library keeps both for the
 * functions PostgreSQL names (sql/fn_catalog.h: sql_fn_params_lookup); a call in named or mixed
 * notation is rewritten into positional form (defaults as constants of the parameter's type) and then
 * resolved as usual. Overloads of one name are tried in the library's order and the first whose names
 * fit is taken. A call that fits none is 42883 "function f(a => type) does not exist" in PostgreSQL's
 * words.
 * ---------------------------------------------------------------------------------------------- */

/* The location of a parse node for error positions (fallback when it has none we know). */
static int bind_node_location(const PgQuery__Node *n, int fallback)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_A_CONST: return n->a_const->location;
    case PG_QUERY__NODE__NODE_COLUMN_REF: return n->column_ref->location;
    case PG_QUERY__NODE__NODE_FUNC_CALL: return n->func_call->location;
    case PG_QUERY__NODE__NODE_A_EXPR: return n->a_expr->location;
    case PG_QUERY__NODE__NODE_TYPE_CAST: return n->type_cast->location;
    case PG_QUERY__NODE__NODE_NAMED_ARG_EXPR: return n->named_arg_expr->location;
    default: return fallback;
    }
}

/* Put the call's arguments into e's parameter slots: positional ones first, named ones by name, the
 * rest from defaults. 1 when they fit, 0 when not (a name e lacks, a parameter given twice, a required
 * one missing), -1 on error. */
static int fn_params_fit(BindCtx *ctx, const SqlFnParams *e, const char *fn, PgQuery__FuncCall *fc, Expr **args,
                         uint32_t n, uint32_t n_pos, Expr **slots)
{
    if (n_pos > e->n)
        return 0;
    for (uint32_t k = 0; k < e->n; k++)
        slots[k] = k < n_pos ? args[k] : NULL;
    for (uint32_t i = n_pos; i < n; i++) {
        const char *nm = fc->args[i]->named_arg_expr->name;
        uint32_t k = 0;
        while (k < e->n && strcmp(e->names[k], nm) != 0)
            k++;
        if (k == e->n || slots[k])
            return 0;
        slots[k] = args[i];
    }
    const SqlFnDef *const *defs = NULL;
    size_t n_defs = sql_fn_lookup(fn, &defs);
    const SqlFnDef *def = NULL;
    for (size_t d = 0; d < n_defs && !def; d++)
        if (defs[d]->n_args == e->n && !defs[d]->is_variadic)
            def = defs[d];
    for (uint32_t k = 0; k < e->n; k++) {
        if (slots[k])
            continue;
        if (!e->defaults[k] || !def)
            return 0;
        Expr *c = bind_expr_new(ctx, EXPR_CONST, SQL_TYPE(def->args[k]), fc->location, 0);
        if (!c)
            return bind_oom(ctx);
        if (sql_value_from_text(c->type, e->defaults[k], strlen(e->defaults[k]), &ctx->sess->fmt, ctx->arena,
                                &c->u.cval, ctx->err))
            return -1;
        c->u.cval.type = c->type;
        slots[k] = c;
    }
    return 1;
}

/* 42883 in PostgreSQL's words for a call in named notation: "function f(integer, days => numeric) does
 * not exist" (replacing the positional signature when resolution already failed). */
static Expr *named_call_not_found(BindCtx *ctx, PgQuery__FuncCall *fc, const char *fn, Expr **args, uint32_t n,
                                  uint32_t n_pos)
{
    char sig[384];
    size_t len = (size_t)snprintf(sig, sizeof(sig), "%s(", fn);
    for (uint32_t i = 0; i < n && len < sizeof(sig); i++) {
        char t[64];
        sql_type_format(args[i]->type, t, sizeof(t));
        len += (size_t)snprintf(sig + len, sizeof(sig) - len, "%s%s%s%s", i ? ", " : "",
                                i >= n_pos ? fc->args[i]->named_arg_expr->name : "", i >= n_pos ? " => " : "", t);
    }
    if (len < sizeof(sig))
        snprintf(sig + len, sizeof(sig) - len, ")");
    memset(ctx->err, 0, sizeof(*ctx->err));
    sql_error_set(ctx->err, "42883", bind_pos(ctx, fc->location), "function %s does not exist", sig);
    snprintf(ctx->err->hint, sizeof(ctx->err->hint),
             "No function matches the given name and argument types. You might need to add explicit type casts.");
    return NULL;
}

/* A call with n_pos positional arguments followed by named ones (already bound, in args). */
static Expr *bind_named_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *fn, Expr **args, uint32_t n,
                             uint32_t n_pos)
{
    for (uint32_t i = n_pos; i < n; i++)
        for (uint32_t j = n_pos; j < i; j++)
            if (strcmp(fc->args[i]->named_arg_expr->name, fc->args[j]->named_arg_expr->name) == 0) {
                BIND_ERR(ctx, "42601", fc->args[i]->named_arg_expr->location, "argument name \"%s\" used more than once",
                         fc->args[i]->named_arg_expr->name);
                return NULL;
            }
    Expr *slots[SQL_FN_PARAMS_MAX];
    const SqlFnParams *params;
    size_t n_params = sql_fn_params_lookup(fn, &params);
    for (size_t e = 0; e < n_params; e++) {
        const SqlFnParams *pn = &params[e];
        if (pn->is_variadic)
            continue; /* VARIADIC in named notation: not offered */
        int fit = fn_params_fit(ctx, pn, fn, fc, args, n, n_pos, slots);
        if (fit < 0)
            return NULL;
        if (!fit)
            continue;
        Expr **pos = ARENA_NEW(ctx->arena, Expr *, pn->n);
        if (!pos) {
            bind_oom(ctx);
            return NULL;
        }
        memcpy(pos, slots, pn->n * sizeof(*pos));
        Expr *call = bind_call(ctx, fn, 0, pos, pn->n, fc->location);
        if (!call && strcmp(ctx->err->sqlstate, "42883") == 0)
            return named_call_not_found(ctx, fc, fn, args, n, n_pos);
        return call;
    }
    return named_call_not_found(ctx, fc, fn, args, n, n_pos);
}

static Expr *bind_func_call(BindCtx *ctx, PgQuery__FuncCall *fc)
{
    const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
    if (!name) {
        BIND_ERR(ctx, "42601", fc->location, "syntax error in function name");
        return NULL;
    }
    if (fc->over)
        return bind_window_call(ctx, fc, name);
    if (bind_is_agg(fc, name)) {
        if (!ctx->agg) {
            if (ctx->clause)
                BIND_ERR(ctx, "42803", fc->location, "aggregate functions are not allowed in %s", ctx->clause);
            else
                BIND_ERR(ctx, "42803", fc->location, "aggregate functions are not allowed here");
            return NULL;
        }
        return bind_agg_call(ctx, fc, name);
    }
    if (fc->agg_distinct || fc->n_agg_order || fc->agg_filter || fc->agg_within_group) {
        BIND_ERR(ctx, "42809", fc->location, "%s is not an aggregate function", name);
        return NULL;
    }
    /* a set-returning function: the SELECT list's, planned before it (bind_srf.c), or refused */
    Expr *srf = NULL;
    if (bind_srf_ref(ctx, fc, &srf) || bind_srf_refuse(ctx, fc))
        return srf;
    uint32_t n = (uint32_t)fc->n_args;
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    if (!args) {
        bind_oom(ctx);
        return NULL;
    }
    uint32_t n_named = 0;
    for (uint32_t i = 0; i < n; i++) {
        PgQuery__Node *a = fc->args[i];
        if (a->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
            n_named++;
            a = a->named_arg_expr->arg;
        } else if (n_named) {
            BIND_ERR(ctx, "42601", bind_node_location(a, fc->location), "positional argument cannot follow named argument");
            return NULL;
        }
        if (!(args[i] = bind_expr(ctx, a)))
            return NULL;
    }
    char lname[128];
    bind_lower_copy(name, lname, sizeof(lname));
    if (n_named)
        return bind_named_call(ctx, fc, lname, args, n, n - n_named);
    return bind_call(ctx, lname, 0, args, n, fc->location);
}

/* Replace the call *ep by its value when it is an immutable function of constants, as PostgreSQL's
 * planner does (eval_const_expressions): used for SIMILAR TO, so the regex operator sees a constant
 * pattern, compiled once per call site, and EXPLAIN shows the regular expression as PostgreSQL's does.
 * An error the call raises is raised now, at the call's position. */
static int bind_fold_const_call(BindCtx *ctx, Expr **ep)
{
    Expr *e = *ep;
    if (e->kind != EXPR_FUNC || e->u.fn.def->volatility != SQL_FN_IMMUTABLE)
        return WEIR_OK;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (e->args[i]->kind != EXPR_CONST)
            return WEIR_OK;
    /* evaluation takes whole batch vectors: a scratch arena keeps them out of the plan */
    Arena *scratch = arena_create(ctx->arena, ARENA_UNLIMITED);
    if (!scratch)
        return bind_oom(ctx);
    ExprCtx ec = {.arena = scratch,
                  .fmt = &ctx->sess->fmt,
                  .stmt_time_usec = ctx->stmt_time_usec,
                  .err = ctx->err,
                  .query = ctx->query};
    Vec v;
    SqlValue val;
    int rc = expr_eval(&ec, e, NULL, 1, &v);
    if (rc == WEIR_OK) {
        vec_get(&v, 0, &val);
        val.type = e->type;
        if (sql_value_keep(ctx->arena, &val))
            rc = bind_oom(ctx);
    } else if (ctx->err->position == 0) {
        ctx->err->position = bind_pos(ctx, e->location);
    }
    arena_destroy(&scratch);
    if (rc)
        return WEIR_ERROR;
    e->kind = EXPR_CONST;
    e->n_args = 0;
    e->u.cval = val;
    return WEIR_OK;
}

static Expr *bind_aexpr(BindCtx *ctx, PgQuery__AExpr *a)
{
    const char *op = bind_qualified_last(a->name, a->n_name);
    if (bind_row_involved(a))
        return bind_row_aexpr(ctx, a); /* (a, b) < (c, d) and friends: bind_row.c */
    switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {
        /* The grammar gives x SIMILAR TO p [ESCAPE e] as x ~ similar_to_escape(p[, e]) (NOT SIMILAR TO:
         * !~), as PostgreSQL's parser does; the translation to a regular expression is folded when the
         * pattern is constant. */
        if (!op || !a->lexpr || !a->rexpr) {
            BIND_ERR(ctx, "42601", a->location, "syntax error at SIMILAR TO");
            return NULL;
        }
        Expr **args = ARENA_NEW(ctx->arena, Expr *, 2);
        if (!args) {
            bind_oom(ctx);
            return NULL;
        }
        if (!(args[0] = bind_expr(ctx, a->lexpr)) || !(args[1] = bind_expr(ctx, a->rexpr)))
            return NULL;
        if (bind_fold_const_call(ctx, &args[1]))
            return NULL;
        return bind_call(ctx, op, 1, args, 2, a->location);
    }
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
        ExprKind k = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT       ? EXPR_DISTINCT
                     : a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT ? EXPR_NOT_DISTINCT
                                                                                : EXPR_NULLIF;
        return bind_eq_node(ctx, k, l, r, a->location);
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
        Expr *e = bind_expr_new(ctx, EXPR_IN, SQL_TYPE(SQL_BOOL), a->location, n + 1);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = l;
        for (uint32_t i = 0; i < n; i++)
            if (!(e->args[i + 1] = bind_expr(ctx, list->items[i])))
                return NULL;
        SqlType t;
        if (bind_common_type(ctx, e->args, n + 1, "IN", &t))
            return NULL;
        for (uint32_t i = 0; i <= n; i++)
            if (bind_coerce(ctx, &e->args[i], t, 0, e->args[i]->location))
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
        Expr *e = bind_expr_new(ctx, neg ? EXPR_OR : EXPR_AND, SQL_TYPE(SQL_BOOL), a->location, 2);
        if (!e) {
            bind_oom(ctx);
            return NULL;
        }
        e->args[0] = c1;
        e->args[1] = c2;
        return e;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
        /* x op ANY (array) / x op ALL (array): the comparison is bound over a two-column row (x, an
         * element), as for subqueries */
        if (!op) {
            BIND_ERR(ctx, "42601", a->location, "syntax error at operator");
            return NULL;
        }
        Expr *x = bind_expr(ctx, a->lexpr);
        Expr *arr = x ? bind_expr(ctx, a->rexpr) : NULL;
        if (!arr)
            return NULL;
        SqlTypeId elem;
        if (arr->type.id == SQL_UNKNOWN) {
            /* '{1,2}' literal: an array of x's type */
            if (x->type.id == SQL_UNKNOWN && bind_coerce(ctx, &x, SQL_TYPE(SQL_TEXT), 0, x->location))
                return NULL;
            if (SQL_IS_ARRAY(x->type.id) || x->type.id >= SQL_N_TYPES || !sql_type_info(x->type.id)->array_oid ||
                bind_coerce(ctx, &arr, SQL_TYPE(SQL_ARRAY_OF(x->type.id)), 0, arr->location))
                return NULL;
        }
        if (!SQL_IS_ARRAY(arr->type.id)) {
            BIND_ERR(ctx, "42809", a->location, "op ANY/ALL (array) requires array on right side");
            return NULL;
        }
        elem = SQL_ELEM_OF(arr->type.id);
        if (x->type.id == SQL_UNKNOWN && bind_coerce(ctx, &x, SQL_TYPE(elem), 0, x->location))
            return NULL;
        Expr **args = ARENA_NEW(ctx->arena, Expr *, 2);
        Expr *c0 = bind_expr_new(ctx, EXPR_COL, x->type, x->location, 0);
        Expr *c1 = bind_expr_new(ctx, EXPR_COL, SQL_TYPE(elem), arr->location, 0);
        Expr *e = bind_expr_new(ctx, EXPR_ANY_ARRAY, SQL_TYPE(SQL_BOOL), a->location, 2);
        if (!args || !c0 || !c1 || !e) {
            bind_oom(ctx);
            return NULL;
        }
        c1->u.col = 1;
        args[0] = c0, args[1] = c1;
        Expr *cmp = bind_call(ctx, op, 1, args, 2, a->location);
        if (!cmp)
            return NULL;
        if (cmp->type.id != SQL_BOOL) {
            BIND_ERR(ctx, "42804", a->location, "op ANY/ALL (array) requires operator to yield boolean");
            return NULL;
        }
        e->args[0] = x;
        e->args[1] = arr;
        e->u.cmp.pair = cmp;
        e->u.cmp.negated = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL; /* ALL */
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
    Expr *e = bind_expr_new(ctx, k, SQL_TYPE(SQL_BOOL), b->location, (uint32_t)b->n_args);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (!(e->args[i] = bind_expr(ctx, b->args[i])))
            return NULL;
        if (e->args[i]->type.id != SQL_BOOL) {
            if (is_unknown_literal(e->args[i])) {
                if (bind_coerce(ctx, &e->args[i], SQL_TYPE(SQL_BOOL), 0, e->args[i]->location))
                    return NULL;
            } else {
                char t[64];
                BIND_ERR(ctx, "42804", e->args[i]->location, "argument of %s must be type boolean, not type %s",
                         k == EXPR_AND ? "AND" : k == EXPR_OR ? "OR" : "NOT", bind_type_str(e->args[i]->type, t, sizeof(t)));
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
    Expr *e = bind_expr_new(ctx, EXPR_CASE, SQL_TYPE(SQL_UNKNOWN), c->location, 2 * n_when + (c->defresult ? 1 : 0));
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
        } else if (cond->type.id != SQL_BOOL && bind_coerce(ctx, &cond, SQL_TYPE(SQL_BOOL), 0, cond->location)) {
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
    /* PostgreSQL resolves the ELSE result first (transformCaseExpr), which decides between types that
     * convert to each other: CASE ... THEN oid ELSE regclass END is regclass */
    if (c->defresult && n_res > 1) {
        Expr *d = results[n_res - 1];
        memmove(results + 1, results, (n_res - 1) * sizeof(*results));
        results[0] = d;
    }
    SqlType t;
    if (bind_common_type(ctx, results, n_res, "CASE", &t))
        return NULL;
    for (uint32_t i = 0; i < n_when; i++)
        if (bind_coerce(ctx, &e->args[2 * i + 1], t, 0, e->args[2 * i + 1]->location))
            return NULL;
    if (c->defresult && bind_coerce(ctx, &e->args[e->n_args - 1], t, 0, e->args[e->n_args - 1]->location))
        return NULL;
    e->type = t;
    return e;
}

static Expr *bind_list_expr(BindCtx *ctx, ExprKind k, PgQuery__Node **items, size_t n_items, int location,
                            const char *context)
{
    Expr *e = bind_expr_new(ctx, k, SQL_TYPE(SQL_UNKNOWN), location, (uint32_t)n_items);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < e->n_args; i++)
        if (!(e->args[i] = bind_expr(ctx, items[i])))
            return NULL;
    SqlType t;
    if (bind_common_type(ctx, e->args, e->n_args, context, &t))
        return NULL;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (bind_coerce(ctx, &e->args[i], t, 0, e->args[i]->location))
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
        col = bind_node_str(cr->fields[0]);
    } else if (cr->n_fields == 2) {
        rel = bind_node_str(cr->fields[0]);
        col = bind_node_str(cr->fields[1]);
    } else if (cr->n_fields == 3) { /* schema.rel.col: the schema is ignored (one schema, public) */
        rel = bind_node_str(cr->fields[1]);
        col = bind_node_str(cr->fields[2]);
    }
    if (!col) {
        BIND_ERR(ctx, "42601", cr->location, "\"*\" is not allowed here");
        return NULL;
    }
    /* innermost query first, then the enclosing ones (a subquery's outer references) */
    const ScopeCol *found = NULL;
    uint32_t level = 0;
    int rel_seen = 0;
    for (Scope *sc = ctx->scope; sc && !found; sc = sc->parent, level++) {
        for (uint32_t i = 0; i < sc->n; i++) {
            const ScopeCol *c = &sc->cols[i];
            if (rel && strcmp(c->rel, rel) != 0)
                continue;
            rel_seen = 1;
            if (strcmp(c->name, col) != 0 || (!rel && c->is_merged))
                continue;
            if (found) {
                BIND_ERR(ctx, "42702", cr->location, "column reference \"%s\" is ambiguous", col);
                return NULL;
            }
            found = c;
        }
        if (found)
            break;
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
    if (found->needed)
        *found->needed = 1;
    Expr *e = bind_expr_new(ctx, level ? EXPR_OUTER : EXPR_COL, found->type, cr->location, 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    if (level) {
        e->u.outer.level = level;
        e->u.outer.col = found->index;
        Scope *sc = ctx->scope;
        for (uint32_t l = 0; l < level; l++, sc = sc->parent) {
            sc->has_outer_refs = 1;
            sc->deep_marks++;
        }
        /* sc is now the scope the column belongs to: note the reference (subquery memoization keys) */
        if (sc->n_inner_refs == sc->cap_inner_refs) {
            uint32_t nc = sc->cap_inner_refs ? sc->cap_inner_refs * 2 : 8;
            uint32_t *nr = ARENA_NEW(ctx->arena, uint32_t, nc);
            if (!nr) {
                bind_oom(ctx);
                return NULL;
            }
            if (sc->n_inner_refs)
                memcpy(nr, sc->inner_refs, sc->n_inner_refs * sizeof(uint32_t));
            sc->inner_refs = nr;
            sc->cap_inner_refs = nc;
        }
        sc->inner_refs[sc->n_inner_refs++] = found->index;
    } else {
        e->u.col = found->index;
    }
    return e;
}

/* ARRAY[a, b, ...]: the elements brought to one type (select_common_type, as PostgreSQL); weir's arrays
 * are one-dimensional. An empty ARRAY[] needs a cast to give it a type, as in PostgreSQL. */
static Expr *bind_array(BindCtx *ctx, PgQuery__AArrayExpr *a)
{
    uint32_t n = (uint32_t)a->n_elements;
    if (n == 0) {
        BIND_ERR(ctx, "42P18", a->location, "cannot determine type of empty array");
        return NULL;
    }
    Expr *e = bind_expr_new(ctx, EXPR_ARRAY, SQL_TYPE(SQL_UNKNOWN), a->location, n);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (a->elements[i]->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
            BIND_ERR(ctx, "0A000", a->location, "multidimensional arrays are not supported");
            return NULL;
        }
        if (!(e->args[i] = bind_expr(ctx, a->elements[i])))
            return NULL;
    }
    SqlType t;
    if (bind_common_type(ctx, e->args, n, "ARRAY", &t))
        return NULL;
    if (t.id == SQL_UNKNOWN)
        t = SQL_TYPE(SQL_TEXT);
    if (SQL_IS_ARRAY(t.id) || t.id >= SQL_N_TYPES || !sql_type_info(t.id)->array_oid) {
        char tn[64];
        BIND_ERR(ctx, "0A000", a->location, "arrays of %s are not supported", bind_type_str(t, tn, sizeof(tn)));
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++)
        if (bind_coerce(ctx, &e->args[i], t, 0, e->args[i]->location))
            return NULL;
    e->type = SQL_TYPE(SQL_ARRAY_OF(t.id));
    return e;
}

/* arg IS [NOT] NULL (k), an unknown literal taken as text. */
static Expr *bind_null_test_of(BindCtx *ctx, PgQuery__Node *arg, ExprKind k, int location)
{
    Expr *x = bind_expr(ctx, arg);
    if (!x)
        return NULL;
    Expr *e = bind_expr_new(ctx, k, SQL_TYPE(SQL_BOOL), location, 1);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    if (x->type.id == SQL_UNKNOWN && bind_coerce(ctx, &x, SQL_TYPE(SQL_TEXT), 0, x->location))
        return NULL;
    e->args[0] = x;
    return e;
}

/* x IS [NOT] NULL. Of a row constructor, PostgreSQL's NullTest of a row: IS NULL when every item is NULL,
 * IS NOT NULL when none is (so a row with some NULLs is neither); ROW() is both. */
static Expr *bind_null_test(BindCtx *ctx, PgQuery__NullTest *t)
{
    ExprKind k = t->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? EXPR_IS_NULL : EXPR_IS_NOT_NULL;
    if (!t->arg || t->arg->node_case != PG_QUERY__NODE__NODE_ROW_EXPR)
        return bind_null_test_of(ctx, t->arg, k, t->location);
    PgQuery__RowExpr *row = t->arg->row_expr;
    if (row->n_args == 1)
        return bind_null_test_of(ctx, row->args[0], k, t->location);
    Expr *all = bind_expr_new(ctx, row->n_args ? EXPR_AND : EXPR_CONST, SQL_TYPE(SQL_BOOL), t->location,
                              (uint32_t)row->n_args);
    if (!all) {
        bind_oom(ctx);
        return NULL;
    }
    if (!row->n_args) {
        all->u.cval.type = SQL_TYPE(SQL_BOOL);
        all->u.cval.u.b = 1;
    }
    for (size_t i = 0; i < row->n_args; i++)
        if (!(all->args[i] = bind_null_test_of(ctx, row->args[i], k, t->location)))
            return NULL;
    return all;
}

/* expr[i] (array subscripts; slices and field selection are not supported) */
static Expr *bind_indirection(BindCtx *ctx, PgQuery__AIndirection *ind)
{
    Expr *e = bind_expr(ctx, ind->arg);
    for (size_t k = 0; e && k < ind->n_indirection; k++) {
        PgQuery__Node *x = ind->indirection[k];
        if (x->node_case == PG_QUERY__NODE__NODE_STRING) {
            /* (rec).field: a field of a row value (bind_row.c) */
            e = bind_row_field(ctx, e, x->string->sval, e->location);
            continue;
        }
        if (x->node_case != PG_QUERY__NODE__NODE_A_INDICES || x->a_indices->is_slice || !x->a_indices->uidx) {
            BIND_ERR(ctx, "0A000", e->location, x->node_case == PG_QUERY__NODE__NODE_A_INDICES
                                                    ? "array slices are not supported"
                                                    : "field selection from composite values is not supported");
            return NULL;
        }
        SqlTypeId vt = expr_vector_elem(e->type.id); /* int2vector, oidvector: 0-based */
        if (!SQL_IS_ARRAY(e->type.id) && !vt) {
            char tn[64];
            BIND_ERR(ctx, "42804", e->location, "cannot subscript type %s because it does not support subscripting",
                     bind_type_str(e->type, tn, sizeof(tn)));
            return NULL;
        }
        Expr *i = bind_expr(ctx, x->a_indices->uidx);
        if (!i || bind_coerce(ctx, &i, SQL_TYPE(SQL_INT8), 0, i->location))
            return NULL;
        Expr *s = bind_expr_new(ctx, EXPR_SUBSCRIPT, SQL_TYPE(vt ? vt : SQL_ELEM_OF(e->type.id)), e->location, 2);
        if (!s) {
            bind_oom(ctx);
            return NULL;
        }
        s->args[0] = e;
        s->args[1] = i;
        e = s;
    }
    return e;
}

/* 0A000 for an expression weir does not bind, saying which: as SQL spells it for the common ones, else
 * after its parse node ("xml serialize"); at the node's location when it has one (PostgreSQL's expression
 * nodes carry "location": found through the protobuf-c descriptors, so there is no list to keep). */
static void bind_expr_unsupported(BindCtx *ctx, const PgQuery__Node *n)
{
    static const struct {
        PgQuery__Node__NodeCase c;
        const char *what;
    } names[] = {
        {PG_QUERY__NODE__NODE_GROUPING_SET, "GROUPING SETS, ROLLUP and CUBE are"},
        {PG_QUERY__NODE__NODE_GROUPING_FUNC, "GROUPING() is"},
        {PG_QUERY__NODE__NODE_XML_EXPR, "XML functions are"},
        {PG_QUERY__NODE__NODE_XML_SERIALIZE, "XMLSERIALIZE is"},
        {PG_QUERY__NODE__NODE_SET_TO_DEFAULT, "DEFAULT is"},
        {PG_QUERY__NODE__NODE_CURRENT_OF_EXPR, "WHERE CURRENT OF is"},
    };
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&pg_query__node__descriptor, (unsigned)n->node_case);
    int loc = -1;
    if (f && f->type == PROTOBUF_C_TYPE_MESSAGE) {
        const ProtobufCMessage *m = *(const ProtobufCMessage *const *)(const void *)((const char *)n + f->offset);
        const ProtobufCFieldDescriptor *lf =
            m ? protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "location") : NULL;
        if (lf && lf->type == PROTOBUF_C_TYPE_INT32)
            loc = *(const int32_t *)(const void *)((const char *)m + lf->offset);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].c == n->node_case) {
            BIND_ERR(ctx, "0A000", loc, "%s not supported", names[i].what);
            return;
        }
    char what[64] = "this kind of expression";
    if (f) {
        snprintf(what, sizeof(what), "%s", f->name);
        for (char *p = what; *p; p++)
            if (*p == '_')
                *p = ' ';
    }
    BIND_ERR(ctx, "0A000", loc, "%s is not supported", what);
}

Expr *bind_expr(BindCtx *ctx, PgQuery__Node *n)
{
    /* expressions nest as deep as the statement: 54001 before the stack runs out, as PostgreSQL */
    if (sql_stack_check(ctx->err))
        return NULL;
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
        if (bind_coerce(ctx, &arg, t, 1, n->type_cast->location))
            return NULL;
        return arg;
    }
    case PG_QUERY__NODE__NODE_A_EXPR:
        return bind_aexpr(ctx, n->a_expr);
    case PG_QUERY__NODE__NODE_SUB_LINK:
        return bind_sublink(ctx, n->sub_link);
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR:
        return bind_array(ctx, n->a_array_expr);
    case PG_QUERY__NODE__NODE_A_INDIRECTION:
        return bind_indirection(ctx, n->a_indirection);
    case PG_QUERY__NODE__NODE_BOOL_EXPR:
        return bind_bool_expr(ctx, n->bool_expr);
    case PG_QUERY__NODE__NODE_NULL_TEST:
        return bind_null_test(ctx, n->null_test);
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        PgQuery__BooleanTest *bt = n->boolean_test;
        Expr *arg = bind_expr(ctx, bt->arg);
        if (!arg || bind_coerce(ctx, &arg, SQL_TYPE(SQL_BOOL), 0, bt->location))
            return NULL;
        Expr *e = bind_expr_new(ctx, EXPR_IS_TRUE, SQL_TYPE(SQL_BOOL), bt->location, 1);
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
    case PG_QUERY__NODE__NODE_ROW_EXPR:
        return bind_row_constructor(ctx, n->row_expr); /* a record value (bind_row.c) */
    default:
        bind_expr_unsupported(ctx, n);
        return NULL;
    }
}

/* PostgreSQL's FigureColname: the name of an unnamed target-list column. Each node gives a name and its
 * strength (FigureColnameInternal): 2 a real name, 1 a weak one (the type of a cast, "case"), which a cast
 * or CASE around it may replace, 0 none ("?column?"). One walk down the tree: asking for the inner name and
 * its strength separately at every cast doubles the work per level (1::int::int::... never ends). */
static int figure_colname(PgQuery__Node *n, const char **name)
{
    if (!n)
        return 0;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF: {
        const char *s = bind_qualified_last(n->column_ref->fields, n->column_ref->n_fields);
        return s ? (*name = s, 2) : 0;
    }
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        const char *s = bind_qualified_last(n->func_call->funcname, n->func_call->n_funcname);
        return s ? (*name = s, 2) : 0;
    }
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        /* the argument's name when it has a strong one, else the type's */
        int strength = figure_colname(n->type_cast->arg, name);
        if (strength == 2)
            return 2;
        PgQuery__TypeName *tn = n->type_cast->type_name;
        const char *s = tn ? bind_qualified_last(tn->names, tn->n_names) : NULL;
        return s ? (*name = s, 1) : 0;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: {
        /* named after its ELSE result when that has a strong name */
        if (figure_colname(n->case_expr->defresult, name) == 2)
            return 2;
        *name = "case";
        return 1;
    }
    case PG_QUERY__NODE__NODE_SUB_LINK: {
        /* a scalar subquery is named after its one column; EXISTS and ARRAY after themselves */
        PgQuery__SubLink *sl = n->sub_link;
        if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK)
            return *name = "exists", 2;
        if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK)
            return *name = "array", 2;
        if (sl->sub_link_type != PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK || !sl->subselect ||
            sl->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return 0;
        PgQuery__SelectStmt *q = sl->subselect->select_stmt;
        while (q->larg && q->op != PG_QUERY__SET_OPERATION__SETOP_NONE &&
               q->op != PG_QUERY__SET_OPERATION__SET_OPERATION_UNDEFINED)
            q = q->larg;
        if (!q->n_target_list || q->target_list[0]->node_case != PG_QUERY__NODE__NODE_RES_TARGET)
            return 0;
        PgQuery__ResTarget *rt = q->target_list[0]->res_target;
        if (rt->name && rt->name[0])
            return *name = rt->name, 2;
        return figure_colname(rt->val, name) ? 2 : 0;
    }
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return *name = "coalesce", 2;
    case PG_QUERY__NODE__NODE_ROW_EXPR: return *name = "row", 2;
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
        /* the last field selected ((r).x is "x"), else the name of what is subscripted */
        const char *field = NULL;
        for (size_t i = 0; i < n->a_indirection->n_indirection; i++)
            if (n->a_indirection->indirection[i]->node_case == PG_QUERY__NODE__NODE_STRING)
                field = n->a_indirection->indirection[i]->string->sval;
        if (field)
            return *name = field, 2;
        return figure_colname(n->a_indirection->arg, name);
    }
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        return *name = n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "greatest" : "least", 2;
    case PG_QUERY__NODE__NODE_A_EXPR:
        return n->a_expr->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF ? (*name = "nullif", 2) : 0;
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION:
        switch (n->sqlvalue_function->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: return *name = "current_date", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: return *name = "current_timestamp", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: return *name = "localtimestamp", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER: return *name = "current_user", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER: return *name = "session_user", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER: return *name = "user", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG: return *name = "current_catalog", 2;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: return *name = "current_schema", 2;
        default: return 0;
        }
    default:
        return 0;
    }
}

const char *bind_figure_colname(PgQuery__Node *n)
{
    const char *name = "?column?";
    return figure_colname(n, &name) ? name : "?column?";
}

