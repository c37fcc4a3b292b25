/*
 * op_explain.c: OP_EXPLAIN, the plan of a query as text rows (explain.h has the format and how it
 * differs from PostgreSQL's), and the expression deparser behind its "Filter:" and key lines.
 *
 * At open the operator renders the whole plan into one buffer and splits it into lines kept in the
 * query arena; op_explain_next hands them out a batch at a time. Under ANALYZE it first runs the plan
 * to completion with ExecCtx.analyze set (op.c then times every op_next), throwing the rows away, and
 * prints the statistics the operators gathered (op.h: st_rows, st_loops, st_nsec).
 *
 * Display nodes. weir's OP_PROJECT and OP_FILTER are separate operators where PostgreSQL evaluates the
 * target list and the quals inside the node below. A display node is therefore a chain
 *     [PROJECT | FILTER]* base
 * printed as one line for `base`, with the statistics of the chain's top (times are inclusive, so the
 * top's time covers the whole chain), the filters as "Filter:" lines ("One-Time Filter:" over a
 * Result) with "Rows Removed by Filter" under ANALYZE (rows into the filter minus rows out), and under
 * VERBOSE the top's columns as "Output:".
 *
 * Names. Plans hold column indexes, not names, so the printer names every operator's output columns
 * (ex_names, memoised per operator): a scan's come from its table definition (qualified "rel.col" when
 * the plan reads more than one relation, as PostgreSQL does), a projection's and an aggregation's are
 * their expressions deparsed over their child's names, pass-through operators (filter, sort, limit,
 * append, set operations) keep their child's, and Op.col_names, when the binder set it, wins.
 *
 * Subqueries in expressions (EXPR_SUBLINK) are numbered in the order the printer meets them and printed
 * under the display node whose expressions contain them: uncorrelated ones (run once per execution) as
 * "InitPlan N" before the node's children, correlated ones (run per outer row) as "SubPlan N" after
 * them, as PostgreSQL orders them. A column of the enclosing query inside a subplan (EXPR_OUTER) is
 * named from the input of the operator that evaluates the subquery.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "exec/catalog.h"
#include "exec/explain.h"
#include "exec/syscat.h"
#include "exec/window.h"
#include "sql/tabledef.h"

/* The plan text's maximum: far above any plan a statement can describe, low enough that a runaway
 * deparse (a huge IN list) fails cleanly. */
#define EX_OUT_MAX ((size_t)16 << 20)

/* ------------------------------------------------------------------------------------------------
 * Printer state
 * ---------------------------------------------------------------------------------------------- */

/* An operator's output columns as EXPLAIN names them. */
typedef struct ExNames {
    uint32_t n;
    const char **name;
    uint8_t *simple; /* a plain column (Sort Key prints it bare, an expression in parentheses) */
} ExNames;

/* What column references of an expression name: the input row of the operator evaluating it, and for a
 * subplan the enclosing query's row (EXPR_OUTER level 1), and so on outwards. */
typedef struct ExScope {
    const ExNames *cols;
    const struct ExScope *outer;
} ExScope;

typedef struct ExMemo {
    const Op *op;
    ExNames names;
} ExMemo;

typedef struct ExSub {
    const Expr *e;
    uint32_t id;
} ExSub;

/* A subquery met in a display node's expressions, with the scope its outer references resolve in. */
typedef struct ExSubRef {
    const Expr *e;
    const ExScope *outer;
} ExSubRef;

typedef struct Ex {
    const ExplainSpec *es; /* NULL: deparsing an expression alone (explain_expr_text) */
    ExecCtx *ctx;
    Arena *a;
    int qualify; /* more than one relation: scan columns print as rel.col */
    const ExScope *cur_outer; /* the enclosing query's scope of the (sub)plan being printed */
    uint32_t depth;           /* ex_expr nesting */
    ExMemo *memo;
    uint32_t n_memo, cap_memo;
    ExSub *subs;
    uint32_t n_subs, cap_subs;
} Ex;

static const ExNames ex_none = {0, NULL, NULL};

static int ex_oom(Ex *ex)
{
    return sql_error_set(ex->ctx->err, "53200", 0, "out of memory: the query plan is too large to explain");
}

#define EX_TRY(x)                                                                                            \
    do {                                                                                                     \
        if (x)                                                                                               \
            return ex_oom(ex); /* first error wins: a more precise one already set stays */                  \
    } while (0)

/* Make room for one more element of an arena array (doubling; the old copy stays in the arena). */
static int ex_grow(Ex *ex, void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    if (n < *cap)
        return WEIR_OK;
    uint32_t ncap = *cap ? *cap * 2 : 16;
    void *na = arena_try_calloc_array(ex->a, ncap, elem);
    if (!na)
        return WEIR_ERROR;
    if (n)
        memcpy(na, *arr, (size_t)n * elem);
    *arr = na;
    *cap = ncap;
    return WEIR_OK;
}

static char *ex_strdup(Ex *ex, const char *s, size_t n)
{
    return arena_try_strndup(ex->a, s, n);
}

static int ex_spaces(Buf *b, int n)
{
    for (int i = 0; i < n; i++)
        if (buf_append_byte(b, ' '))
            return WEIR_ELIMIT;
    return WEIR_OK;
}

/* An identifier as PostgreSQL's quote_identifier prints it (keywords aside): bare when it is lower-case
 * letters, digits and underscores not starting with a digit, else in double quotes. */
static int ex_ident(Buf *b, const char *s)
{
    int safe = (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_';
    for (const char *p = s; *p && safe; p++)
        safe = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$';
    if (safe)
        return buf_append_cstr(b, s);
    if (buf_append_byte(b, '"'))
        return WEIR_ELIMIT;
    for (const char *p = s; *p; p++)
        if ((*p == '"' && buf_append_byte(b, '"')) || buf_append_byte(b, (uint8_t)*p))
            return WEIR_ELIMIT;
    return buf_append_byte(b, '"');
}

/* A string literal: 'it''s', with E'' when it holds backslashes (as PostgreSQL's simple_quote_literal
 * under standard_conforming_strings would need no E; EXPLAIN output is meant to be read back). */
static int ex_literal(Buf *b, const uint8_t *p, size_t n)
{
    if (memchr(p, '\\', n) && buf_append_byte(b, 'E'))
        return WEIR_ELIMIT;
    if (buf_append_byte(b, '\''))
        return WEIR_ELIMIT;
    for (size_t i = 0; i < n; i++) {
        if ((p[i] == '\'' || p[i] == '\\') && buf_append_byte(b, p[i]))
            return WEIR_ELIMIT;
        if (buf_append_byte(b, p[i]))
            return WEIR_ELIMIT;
    }
    return buf_append_byte(b, '\'');
}

/* ------------------------------------------------------------------------------------------------
 * Expressions
 * ---------------------------------------------------------------------------------------------- */

static int ex_names(Ex *ex, const Op *op, const ExNames **out);
static const char *ex_agg_name(AggFn fn);
static int ex_agg_call(Ex *ex, const AggCall *c, const ExScope *sc, Buf *t);

/* The number of a subquery (assigned when first met). */
static int ex_sub_id(Ex *ex, const Expr *e, uint32_t *id)
{
    for (uint32_t i = 0; i < ex->n_subs; i++)
        if (ex->subs[i].e == e) {
            *id = ex->subs[i].id;
            return WEIR_OK;
        }
    if (ex_grow(ex, (void **)&ex->subs, ex->n_subs, &ex->cap_subs, sizeof(ExSub)))
        return WEIR_ERROR;
    ex->subs[ex->n_subs].e = e;
    *id = ex->subs[ex->n_subs].id = ex->n_subs + 1;
    ex->n_subs++;
    return WEIR_OK;
}

static const char *ex_sub_label(const Expr *e)
{
    return e->u.sub.correlated ? "SubPlan" : "InitPlan";
}

/* Operators are functions named by symbols ("=", "~~", "->>"), functions by words. */
static int ex_is_operator(const char *name)
{
    char c = name[0];
    return !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_');
}

/* A constant as PostgreSQL's get_const_expr prints it: non-negative integers and decimal fractions
 * bare (they read back as integer and numeric), booleans as true/false, NULL as NULL::type, anything
 * else as a quoted literal with its type. */
static int ex_const(Ex *ex, const SqlValue *v, SqlType t, Buf *b)
{
    char tn[96];
    sql_type_format(t, tn, sizeof(tn));
    if (v->is_null)
        return buf_printf(b, "NULL::%s", tn);
    if (t.id == SQL_BOOL)
        return buf_append_cstr(b, v->u.b ? "true" : "false");
    Buf txt;
    buf_init(&txt, EX_OUT_MAX);
    int rc;
    if (sql_type_phys(v->type.id) == SQL_PHYS_NONE || t.id == SQL_UNKNOWN) {
        /* an untyped literal keeps its text */
        rc = ex_literal(b, v->u.s.p ? v->u.s.p : (const uint8_t *)"", v->u.s.n);
        buf_fini(&txt);
        return rc;
    }
    if (sql_value_to_text(v, ex->ctx->fmt, &txt)) {
        buf_fini(&txt);
        return WEIR_ERROR;
    }
    const char *s = txt.p ? (const char *)txt.p : "";
    int bare = 0;
    if ((t.id == SQL_INT4 || t.id == SQL_NUMERIC) && s[0] >= '0' && s[0] <= '9') {
        size_t digits = strspn(s, "0123456789"), dot = s[digits] == '.';
        size_t frac = dot ? strspn(s + digits + 1, "0123456789") : 0;
        bare = t.id == SQL_INT4 ? s[digits] == 0 : dot && frac && s[digits + 1 + frac] == 0;
    }
    if (bare)
        rc = buf_append(b, s, txt.len);
    else
        rc = ex_literal(b, (const uint8_t *)s, txt.len) || buf_printf(b, "::%s", tn) ? WEIR_ELIMIT : WEIR_OK;
    buf_fini(&txt);
    return rc;
}

static int ex_expr(Ex *ex, const Expr *e, const ExScope *sc, Buf *b);

static int ex_args(Ex *ex, const Expr *e, uint32_t from, const ExScope *sc, Buf *b)
{
    for (uint32_t i = from; i < e->n_args; i++) {
        if (i > from && buf_append_cstr(b, ", "))
            return WEIR_ELIMIT;
        if (ex_expr(ex, e->args[i], sc, b))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static int ex_colname(const ExNames *nm, uint32_t col, Buf *b)
{
    if (nm && col < nm->n && nm->name[col])
        return buf_append_cstr(b, nm->name[col]);
    return buf_printf(b, "col%u", col + 1);
}

/* "(a op b)" for the binary forms AND/OR/IS DISTINCT FROM..., joining every argument with op. */
static int ex_infix(Ex *ex, const Expr *e, const char *op, const ExScope *sc, Buf *b)
{
    if (buf_append_byte(b, '('))
        return WEIR_ELIMIT;
    for (uint32_t i = 0; i < e->n_args; i++) {
        if (i && buf_append_cstr(b, op))
            return WEIR_ELIMIT;
        if (ex_expr(ex, e->args[i], sc, b))
            return WEIR_ERROR;
    }
    return buf_append_byte(b, ')');
}

/* "(arg suffix)": IS NULL, IS TRUE, ... */
static int ex_postfix(Ex *ex, const Expr *e, const char *suffix, const ExScope *sc, Buf *b)
{
    if (buf_append_byte(b, '(') || (e->n_args && ex_expr(ex, e->args[0], sc, b)))
        return WEIR_ERROR;
    return buf_append_cstr(b, suffix) || buf_append_byte(b, ')');
}

static int ex_expr_kind(Ex *ex, const Expr *e, const ExScope *sc, Buf *b);

/* The deparser recurses once per nesting level: bound it, so an absurdly nested expression (the parser
 * accepts thousands of levels of "- - - 1") fails as PostgreSQL's check_stack_depth does instead of
 * overflowing a session thread's stack. Far above anything written by hand or by a tool. */
#define EX_MAX_DEPTH 1000

static int ex_expr(Ex *ex, const Expr *e, const ExScope *sc, Buf *b)
{
    if (!e)
        return buf_append_cstr(b, "NULL");
    if (ex->depth >= EX_MAX_DEPTH)
        return sql_error_set(ex->ctx->err, "54001", 0, "stack depth limit exceeded");
    ex->depth++;
    int rc = ex_expr_kind(ex, e, sc, b);
    ex->depth--;
    return rc;
}

static int ex_expr_kind(Ex *ex, const Expr *e, const ExScope *sc, Buf *b)
{
    char tn[96];
    switch (e->kind) {
    case EXPR_CONST: return ex_const(ex, &e->u.cval, e->type, b);
    case EXPR_PARAM: return buf_printf(b, "$%u", e->u.param + 1);
    case EXPR_COL: return ex_colname(sc ? sc->cols : NULL, e->u.col, b);
    case EXPR_OUTER: {
        const ExScope *s = sc;
        for (uint32_t l = 0; l < e->u.outer.level && s; l++)
            s = s->outer;
        return ex_colname(s ? s->cols : NULL, e->u.outer.col, b);
    }
    case EXPR_FUNC: {
        const SqlFnDef *def = e->u.fn.def;
        const char *name = def && def->name ? def->name : "?";
        if (ex_is_operator(name) && (e->n_args == 1 || e->n_args == 2)) {
            if (buf_append_byte(b, '('))
                return WEIR_ELIMIT;
            if (e->n_args == 2 && (ex_expr(ex, e->args[0], sc, b) || buf_append_byte(b, ' ')))
                return WEIR_ERROR;
            if (buf_printf(b, "%s ", name) || ex_expr(ex, e->args[e->n_args - 1], sc, b))
                return WEIR_ERROR;
            return buf_append_byte(b, ')');
        }
        if (buf_printf(b, "%s(", name) || ex_args(ex, e, 0, sc, b))
            return WEIR_ERROR;
        return buf_append_byte(b, ')');
    }
    case EXPR_AND: return ex_infix(ex, e, " AND ", sc, b);
    case EXPR_OR: return ex_infix(ex, e, " OR ", sc, b);
    case EXPR_NOT:
        if (buf_append_cstr(b, "(NOT ") || (e->n_args && ex_expr(ex, e->args[0], sc, b)))
            return WEIR_ERROR;
        return buf_append_byte(b, ')');
    case EXPR_IS_NULL: return ex_postfix(ex, e, " IS NULL", sc, b);
    case EXPR_IS_NOT_NULL: return ex_postfix(ex, e, " IS NOT NULL", sc, b);
    case EXPR_IS_TRUE: {
        const char *t = e->u.test.want ? (e->u.test.negated ? " IS NOT TRUE" : " IS TRUE")
                                       : (e->u.test.negated ? " IS NOT FALSE" : " IS FALSE");
        return ex_postfix(ex, e, t, sc, b);
    }
    case EXPR_ROW:
        if (buf_append_cstr(b, "ROW(") || ex_args(ex, e, 0, sc, b))
            return WEIR_ERROR;
        return buf_append_byte(b, ')');
    case EXPR_FIELD: /* (record).field number, as PostgreSQL prints a FieldSelect of an anonymous row */
        if (buf_append_byte(b, '(') || (e->n_args && ex_expr(ex, e->args[0], sc, b)))
            return WEIR_ERROR;
        return buf_printf(b, ").f%lld", e->n_args > 1 ? (long long)e->args[1]->u.cval.u.i + 1 : 0LL);
    case EXPR_DISTINCT: return ex_infix(ex, e, " IS DISTINCT FROM ", sc, b);
    case EXPR_NOT_DISTINCT: return ex_infix(ex, e, " IS NOT DISTINCT FROM ", sc, b);
    case EXPR_CASE: {
        if (buf_append_cstr(b, "CASE"))
            return WEIR_ELIMIT;
        uint32_t pairs = (e->n_args - (e->u.has_else && e->n_args ? 1 : 0)) / 2;
        for (uint32_t i = 0; i < pairs; i++)
            if (buf_append_cstr(b, " WHEN ") || ex_expr(ex, e->args[2 * i], sc, b) ||
                buf_append_cstr(b, " THEN ") || ex_expr(ex, e->args[2 * i + 1], sc, b))
                return WEIR_ERROR;
        if (e->u.has_else && e->n_args &&
            (buf_append_cstr(b, " ELSE ") || ex_expr(ex, e->args[e->n_args - 1], sc, b)))
            return WEIR_ERROR;
        return buf_append_cstr(b, " END");
    }
    case EXPR_COALESCE:
    case EXPR_NULLIF:
    case EXPR_GREATEST:
    case EXPR_LEAST: {
        const char *fn = e->kind == EXPR_COALESCE ? "COALESCE"
                         : e->kind == EXPR_NULLIF ? "NULLIF"
                         : e->kind == EXPR_GREATEST ? "GREATEST"
                                                    : "LEAST";
        if (buf_printf(b, "%s(", fn) || ex_args(ex, e, 0, sc, b))
            return WEIR_ERROR;
        return buf_append_byte(b, ')');
    }
    case EXPR_CAST:
        /* PostgreSQL's non-pretty deparse: the argument always in parentheses */
        sql_type_format(e->type, tn, sizeof(tn));
        if (buf_append_byte(b, '(') || (e->n_args && ex_expr(ex, e->args[0], sc, b)))
            return WEIR_ERROR;
        return buf_printf(b, ")::%s", tn);
    case EXPR_IN:
        if (buf_append_byte(b, '(') || (e->n_args && ex_expr(ex, e->args[0], sc, b)) ||
            buf_append_cstr(b, e->u.cmp.negated ? " NOT IN (" : " IN (") || ex_args(ex, e, 1, sc, b))
            return WEIR_ERROR;
        return buf_append_cstr(b, "))");
    case EXPR_AGGREF: return buf_printf(b, "aggregate%u", e->u.col + 1);
    case EXPR_WINREF: return buf_printf(b, "window%u", e->u.col + 1);
    case EXPR_SUBLINK: {
        uint32_t id;
        if (ex_sub_id(ex, e, &id))
            return WEIR_ERROR;
        const char *label = ex_sub_label(e);
        switch ((SublinkKind)e->u.sub.kind) {
        case SUBLINK_EXISTS: return buf_printf(b, "EXISTS(%s %u)", label, id);
        case SUBLINK_ARRAY: return buf_printf(b, "ARRAY(%s %u)", label, id);
        case SUBLINK_ANY:
        case SUBLINK_ALL:
        case SUBLINK_ROWCOMPARE: {
            /* the tested value, or the row constructor's items: (ROW(a, b) = ANY (SubPlan 1)) */
            const char *op = e->u.sub.cmp && e->u.sub.cmp->name ? e->u.sub.cmp->name : "=";
            int is_row = e->n_args > 1;
            if (buf_append_cstr(b, is_row ? "(ROW(" : "(") || ex_args(ex, e, 0, sc, b) ||
                (is_row && buf_append_byte(b, ')')))
                return WEIR_ERROR;
            if (e->u.sub.kind == SUBLINK_ROWCOMPARE)
                return buf_printf(b, " %s (%s %u))", op, label, id);
            return buf_printf(b, " %s %s (%s %u))", op, e->u.sub.kind == SUBLINK_ANY ? "ANY" : "ALL", label,
                              id);
        }
        case SUBLINK_EXPR: break;
        }
        return buf_printf(b, "(%s %u)", label, id);
    }
    default: return buf_printf(b, "?expr%d", (int)e->kind);
    }
}

/* An expression as text in the arena. */
static const char *ex_expr_str(Ex *ex, const Expr *e, const ExScope *sc)
{
    Buf t;
    buf_init(&t, EX_OUT_MAX);
    const char *s = NULL;
    if (ex_expr(ex, e, sc, &t) == WEIR_OK)
        s = ex_strdup(ex, t.p ? (const char *)t.p : "", t.len);
    buf_fini(&t);
    return s;
}

/* ------------------------------------------------------------------------------------------------
 * Names of operators' output columns
 * ---------------------------------------------------------------------------------------------- */

static const char *ex_agg_name(AggFn fn)
{
    switch (fn) {
    case AGG_COUNT_STAR:
    case AGG_COUNT: return "count";
    case AGG_SUM_INT:
    case AGG_SUM_BIGINT:
    case AGG_SUM_NUMERIC:
    case AGG_SUM_FLOAT: return "sum";
    case AGG_AVG_INT:
    case AGG_AVG_NUMERIC:
    case AGG_AVG_FLOAT: return "avg";
    case AGG_MIN: return "min";
    case AGG_MAX: return "max";
    case AGG_BOOL_AND: return "bool_and";
    case AGG_BOOL_OR: return "bool_or";
    case AGG_SUM_INTERVAL: return "sum";
    case AGG_AVG_INTERVAL: return "avg";
    case AGG_BIT_AND: return "bit_and";
    case AGG_BIT_OR: return "bit_or";
    case AGG_BIT_XOR: return "bit_xor";
    case AGG_STRING_AGG: return "string_agg";
    case AGG_ARRAY_AGG: return "array_agg";
    case AGG_JSON_AGG: return "json_agg";
    case AGG_JSONB_AGG: return "jsonb_agg";
    case AGG_JSON_OBJECT_AGG: return "json_object_agg";
    case AGG_JSONB_OBJECT_AGG: return "jsonb_object_agg";
    case AGG_VAR_SAMP: return "var_samp"; /* (variance is its other name) */
    case AGG_VAR_POP: return "var_pop";
    case AGG_STDDEV_SAMP: return "stddev_samp";
    case AGG_STDDEV_POP: return "stddev_pop";
    case AGG_PERCENTILE_CONT: return "percentile_cont";
    case AGG_PERCENTILE_DISC: return "percentile_disc";
    case AGG_MODE: return "mode";
    default: return "aggregate"; /* (a function added to AggFn and not named here yet) */
    }
}

static int ex_names_alloc(Ex *ex, ExNames *nm, uint32_t n)
{
    nm->n = n;
    nm->name = ARENA_NEW(ex->a, const char *, n ? n : 1);
    nm->simple = arena_try_calloc(ex->a, n ? n : 1);
    return nm->name && nm->simple ? WEIR_OK : WEIR_ERROR;
}

/* "rel.col" (qualified when the plan reads several relations) or "col", quoted as identifiers. */
static const char *ex_column_name(Ex *ex, const char *rel, const char *col)
{
    Buf t;
    buf_init(&t, 4096);
    const char *s = NULL;
    if ((!ex->qualify || !rel || (ex_ident(&t, rel) == WEIR_OK && buf_append_byte(&t, '.') == WEIR_OK)) &&
        ex_ident(&t, col ? col : "?") == WEIR_OK)
        s = ex_strdup(ex, (const char *)t.p, t.len);
    buf_fini(&t);
    return s;
}

static const char *ex_funcscan_name(const Op *op)
{
    const FuncScanSpec *sp = op->spec;
    return !sp ? "generate_series"
           : sp->kind == FUNCSCAN_UNNEST        ? "unnest"
           : sp->kind == FUNCSCAN_EXPAND_ARRAY  ? "_pg_expandarray"
                                                : "generate_series";
}

static const char *ex_winassign_name(const Op *op)
{
    const WinAssignSpec *ws = op->spec;
    return !ws || ws->kind == WINASSIGN_TUMBLE ? "tumble" : ws->kind == WINASSIGN_HOP ? "hop" : "session";
}

/* A window length as the title prints it: "10 s", "1 h 30 min", "250 ms", "-1 d" (days of 24 hours). */
static int ex_duration(Buf *b, int64_t us)
{
    static const struct {
        int64_t us;
        const char *unit;
    } units[] = {{INT64_C(86400000000), "d"}, {INT64_C(3600000000), "h"}, {60000000, "min"},
                 {1000000, "s"},              {1000, "ms"},               {1, "us"}};
    if (us == 0)
        return buf_append_cstr(b, "0 s");
    uint64_t left = us < 0 ? 0 - (uint64_t)us : (uint64_t)us;
    int first = 1;
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        uint64_t q = left / (uint64_t)units[i].us;
        if (!q)
            continue;
        left -= q * (uint64_t)units[i].us;
        if (buf_printf(b, "%s%s%llu %s", first ? "" : " ", first && us < 0 ? "-" : "", (unsigned long long)q,
                       units[i].unit))
            return WEIR_ELIMIT;
        first = 0;
    }
    return WEIR_OK;
}

static const char *ex_scan_rel(const Op *op)
{
    if (op->rel_alias)
        return op->rel_alias;
    if (op->kind == OP_SCAN && op->spec)
        return ((const ScanSpec *)op->spec)->table->def->name;
    if (op->kind == OP_SYSTAB && op->spec)
        return ((const SysTabSpec *)op->spec)->def->name;
    if (op->kind == OP_FUNCSCAN)
        return ex_funcscan_name(op);
    return NULL;
}

/* Names of the columns of the expressions es[0..n) over scope sc, into nm from index at. */
static int ex_names_exprs(Ex *ex, Expr *const *es, uint32_t n, const ExScope *sc, ExNames *nm, uint32_t at)
{
    for (uint32_t i = 0; i < n && at + i < nm->n; i++) {
        const Expr *e = es[i];
        if (e && e->kind == EXPR_COL && sc->cols && e->u.col < sc->cols->n) {
            nm->name[at + i] = sc->cols->name[e->u.col];
            nm->simple[at + i] = sc->cols->simple[e->u.col];
        } else if (!(nm->name[at + i] = ex_expr_str(ex, e, sc))) {
            return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}

/* "<lead>k1 DESC, k2": the ORDER BY of an aggregate call, lead " ORDER BY " or "ORDER BY ". */
static int ex_agg_order(Ex *ex, const AggCall *c, const char *lead, const ExScope *sc, Buf *t)
{
    for (uint32_t k = 0; k < c->n_order; k++) {
        int desc = c->order_desc && c->order_desc[k], nf = c->order_nulls_first && c->order_nulls_first[k];
        if (buf_append_cstr(t, k ? ", " : lead) || ex_expr(ex, c->order[k], sc, t) ||
            (desc && buf_append_cstr(t, " DESC")) || (nf && !desc && buf_append_cstr(t, " NULLS FIRST")) ||
            (!nf && desc && buf_append_cstr(t, " NULLS LAST")))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* An aggregate call as PostgreSQL deparses it: "count(*)", "count(DISTINCT url)", "string_agg(url,
 * ','::text ORDER BY url)", "percentile_cont('0.5'::double precision) WITHIN GROUP (ORDER BY bytes)",
 * with its FILTER. */
static int ex_agg_call(Ex *ex, const AggCall *c, const ExScope *sc, Buf *t)
{
    int ordered_set = c->fn == AGG_PERCENTILE_CONT || c->fn == AGG_PERCENTILE_DISC || c->fn == AGG_MODE;
    if (buf_printf(t, "%s(", ex_agg_name(c->fn)) || (c->distinct && buf_append_cstr(t, "DISTINCT ")))
        return WEIR_ERROR;
    if (ordered_set) {
        if ((c->direct && ex_expr(ex, c->direct, sc, t)) || buf_append_cstr(t, ") WITHIN GROUP (") ||
            ex_agg_order(ex, c, "ORDER BY ", sc, t) || buf_append_byte(t, ')'))
            return WEIR_ERROR;
    } else {
        if (c->n_args && c->args) {
            for (uint32_t k = 0; k < c->n_args; k++)
                if ((k && buf_append_cstr(t, ", ")) || ex_expr(ex, c->args[k], sc, t))
                    return WEIR_ERROR;
        } else if (c->arg ? ex_expr(ex, c->arg, sc, t) : buf_append_byte(t, '*')) {
            return WEIR_ERROR;
        }
        if (ex_agg_order(ex, c, " ORDER BY ", sc, t) || buf_append_byte(t, ')'))
            return WEIR_ERROR;
    }
    if (c->filter &&
        (buf_append_cstr(t, " FILTER (WHERE ") || ex_expr(ex, c->filter, sc, t) || buf_append_byte(t, ')')))
        return WEIR_ERROR;
    return WEIR_OK;
}

/* "w<N>" names the N-th WinSort of a window operator (its PARTITION BY and ORDER BY), as PostgreSQL 17
 * names windows in EXPLAIN. */
static int ex_window_call(Ex *ex, const WindowSpec *ws, const WinCall *c, const ExScope *sc, Buf *t)
{
    int is_agg = c->fn == WIN_AGG;
    const char *name = c->name ? c->name : is_agg ? ex_agg_name(c->agg.fn) : "window";
    if (buf_printf(t, "%s(", name))
        return WEIR_ELIMIT;
    if (is_agg && c->n_args == 0 && buf_append_byte(t, '*'))
        return WEIR_ELIMIT;
    for (uint32_t k = 0; k < c->n_args && k < 3; k++)
        if ((k && buf_append_cstr(t, ", ")) ||
            (c->args[k] < ws->n_extra && ex_expr(ex, ws->extra[c->args[k]], sc, t)))
            return WEIR_ERROR;
    if (buf_append_byte(t, ')'))
        return WEIR_ELIMIT;
    if (c->filter >= 0 && (uint32_t)c->filter < ws->n_extra &&
        (buf_append_cstr(t, " FILTER (WHERE ") || ex_expr(ex, ws->extra[c->filter], sc, t) ||
         buf_append_byte(t, ')')))
        return WEIR_ERROR;
    return buf_printf(t, " OVER w%u", c->sort + 1);
}

/* OP_WINDOW: the child's columns, then one per call. */
static int ex_names_window(Ex *ex, const Op *op, const ExNames *cn, const ExScope *sc, ExNames *nm)
{
    const WindowSpec *ws = op->spec;
    if (ex_names_alloc(ex, nm, op->n_cols))
        return WEIR_ERROR;
    uint32_t i = 0;
    for (; i < cn->n && i < op->n_cols; i++)
        nm->name[i] = cn->name[i], nm->simple[i] = cn->simple[i];
    for (uint32_t k = 0; k < ws->n_calls && i < op->n_cols; k++, i++) {
        Buf t;
        buf_init(&t, EX_OUT_MAX);
        const char *str =
            ex_window_call(ex, ws, &ws->calls[k], sc, &t) ? NULL : ex_strdup(ex, (const char *)t.p, t.len);
        buf_fini(&t);
        if (!(nm->name[i] = str))
            return WEIR_ERROR;
    }
    for (; i < op->n_cols; i++)
        nm->name[i] = "?column?";
    return WEIR_OK;
}

static int ex_names_build(Ex *ex, const Op *op, ExNames *nm)
{
    const ExNames *cn = &ex_none, *rn = &ex_none;
    if (op->child && ex_names(ex, op->child, &cn))
        return WEIR_ERROR;
    if (op->right && ex_names(ex, op->right, &rn))
        return WEIR_ERROR;
    ExScope sc = {cn, ex->cur_outer};
    if (op->col_names) {
        int rel = op->kind == OP_SCAN || op->kind == OP_SYSTAB || op->kind == OP_FUNCSCAN;
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < op->n_cols; i++) {
            const char *c = op->col_names[i] ? op->col_names[i] : "?column?";
            if (!(nm->name[i] = rel ? ex_column_name(ex, ex_scan_rel(op), c) : c))
                return WEIR_ERROR;
            nm->simple[i] = 1;
        }
        return WEIR_OK;
    }
    switch (op->kind) {
    case OP_FILTER:
    case OP_LIMIT:
    case OP_SORT:
    case OP_UNIQUE:
    case OP_APPEND:
    case OP_SETOP:
        *nm = *cn; /* the child's rows, unchanged */
        return WEIR_OK;
    case OP_SCAN: {
        const TableDef *td = ((const ScanSpec *)op->spec)->table->def;
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < op->n_cols; i++) {
            const char *c = i < td->n_cols ? td->cols[i].name
                            : i - td->n_cols < TABLE_HID_N
                                ? tabledef_hidden_name((TableHidden)(i - td->n_cols))
                                : "?";
            if (!(nm->name[i] = ex_column_name(ex, ex_scan_rel(op), c)))
                return WEIR_ERROR;
            nm->simple[i] = 1;
        }
        return WEIR_OK;
    }
    case OP_SYSTAB: {
        const SysTableDef *def = ((const SysTabSpec *)op->spec)->def;
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < op->n_cols; i++) {
            if (!(nm->name[i] =
                      ex_column_name(ex, ex_scan_rel(op), i < def->n_cols ? def->col_names[i] : "?")))
                return WEIR_ERROR;
            nm->simple[i] = 1;
        }
        return WEIR_OK;
    }
    case OP_PROJECT:
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        return ex_names_exprs(ex, op->exprs, op->n_cols, &sc, nm, 0);
    case OP_FUNCSCAN:
        /* named after the function unless the binder named them (col_names); in a SELECT list
         * (ProjectSet), after the child's columns */
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        for (uint32_t i = 0; op->child && i < cn->n && i < op->n_cols; i++)
            nm->name[i] = cn->name[i], nm->simple[i] = cn->simple[i];
        for (uint32_t i = op->child ? cn->n : 0; i < op->n_cols; i++) {
            if (!(nm->name[i] = ex_column_name(ex, ex_scan_rel(op), ex_funcscan_name(op))))
                return WEIR_ERROR;
            nm->simple[i] = 1;
        }
        return WEIR_OK;
    case OP_AGG: {
        const AggSpec *sp = op->spec;
        if (ex_names_alloc(ex, nm, op->n_cols) || ex_names_exprs(ex, sp->keys, sp->n_keys, &sc, nm, 0))
            return WEIR_ERROR;
        for (uint32_t a = 0; a < sp->n_aggs && sp->n_keys + a < nm->n; a++) {
            Buf t;
            buf_init(&t, EX_OUT_MAX);
            int rc = ex_agg_call(ex, &sp->aggs[a], &sc, &t);
            const char *s = rc ? NULL : ex_strdup(ex, (const char *)t.p, t.len);
            buf_fini(&t);
            if (!s)
                return WEIR_ERROR;
            nm->name[sp->n_keys + a] = s;
        }
        return WEIR_OK;
    }
    case OP_JOIN: {
        const JoinSpec *sp = op->spec;
        int left_only = sp && (sp->type == JOIN_SEMI || sp->type == JOIN_ANTI);
        if (ex_names_alloc(ex, nm, left_only ? cn->n : cn->n + rn->n))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < cn->n; i++)
            nm->name[i] = cn->name[i], nm->simple[i] = cn->simple[i];
        for (uint32_t i = 0; !left_only && i < rn->n; i++)
            nm->name[cn->n + i] = rn->name[i], nm->simple[cn->n + i] = rn->simple[i];
        return WEIR_OK;
    }
    case OP_WINASSIGN: {
        /* the table's columns, then the window bounds, all named after the FROM item ("w.url",
         * "w.window_start") as the query names them; a child without bare names keeps its own */
        const char *rel = op->rel_alias ? op->rel_alias : ex_winassign_name(op);
        const char *const *bare = op->child ? op->child->col_names : NULL;
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < op->n_cols; i++) {
            const char *col = i + 2 == op->n_cols ? "window_start" : i + 1 == op->n_cols ? "window_end"
                              : bare && bare[i] ? bare[i] : NULL;
            if (!col && i < cn->n)
                nm->name[i] = cn->name[i];
            else if (!(nm->name[i] = ex_column_name(ex, rel, col ? col : "?column?")))
                return WEIR_ERROR;
            nm->simple[i] = col || i >= cn->n ? 1 : cn->simple[i];
        }
        return WEIR_OK;
    }
    case OP_WINDOW:
        if (op->spec)
            return ex_names_window(ex, op, cn, &sc, nm);
        /* fall through */
    case OP_VALUES:
    case OP_RESULT:
    case OP_EXPLAIN:
    default: {
        /* VALUES as PostgreSQL names it; a window operator's extra columns are named by its binder
         * (col_names) or by number */
        if (ex_names_alloc(ex, nm, op->n_cols))
            return WEIR_ERROR;
        uint32_t from = 0;
        if (op->kind == OP_WINDOW)
            for (; from < cn->n && from < op->n_cols; from++)
                nm->name[from] = cn->name[from], nm->simple[from] = cn->simple[from];
        for (uint32_t i = from; i < op->n_cols; i++) {
            char buf[48];
            if (op->kind == OP_VALUES)
                snprintf(buf, sizeof(buf), "column%u", i + 1);
            else if (op->kind == OP_EXPLAIN)
                snprintf(buf, sizeof(buf), "QUERY PLAN");
            else
                snprintf(buf, sizeof(buf), "window%u", i - from + 1);
            if (!(nm->name[i] = op->kind == OP_VALUES ? ex_column_name(ex, "*VALUES*", buf)
                                                      : ex_strdup(ex, buf, strlen(buf))))
                return WEIR_ERROR;
            nm->simple[i] = 1;
        }
        return WEIR_OK;
    }
    }
}

static int ex_names(Ex *ex, const Op *op, const ExNames **out)
{
    for (uint32_t i = 0; i < ex->n_memo; i++)
        if (ex->memo[i].op == op) {
            *out = &ex->memo[i].names;
            return WEIR_OK;
        }
    ExNames nm = {0, NULL, NULL};
    if (ex_names_build(ex, op, &nm))
        return WEIR_ERROR;
    /* (building may have memoised other operators: append only now). Growing moves the array, but
     * the old copy stays in the arena unchanged, so names handed out earlier stay valid. */
    if (ex_grow(ex, (void **)&ex->memo, ex->n_memo, &ex->cap_memo, sizeof(ExMemo)))
        return WEIR_ERROR;
    ex->memo[ex->n_memo].op = op;
    ex->memo[ex->n_memo].names = nm;
    *out = &ex->memo[ex->n_memo++].names;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Walking an operator's expressions
 * ---------------------------------------------------------------------------------------------- */

/* Which row an operator's expression is evaluated over. */
enum { EX_IN_NONE, EX_IN_CHILD, EX_IN_RIGHT, EX_IN_BOTH };

typedef int (*ExExprFn)(Ex *ex, const Op *op, const Expr *e, int input, void *arg);

/* Call fn for every expression op evaluates. */
static int ex_op_exprs(Ex *ex, const Op *op, ExExprFn fn, void *arg)
{
    switch (op->kind) {
    case OP_PROJECT:
        for (uint32_t i = 0; op->exprs && i < op->n_cols; i++)
            if (fn(ex, op, op->exprs[i], EX_IN_CHILD, arg))
                return WEIR_ERROR;
        return WEIR_OK;
    case OP_VALUES:
        for (size_t i = 0; op->exprs && i < (size_t)op->n_rows * op->n_cols; i++)
            if (fn(ex, op, op->exprs[i], EX_IN_NONE, arg))
                return WEIR_ERROR;
        return WEIR_OK;
    case OP_FILTER: return op->pred ? fn(ex, op, op->pred, EX_IN_CHILD, arg) : WEIR_OK;
    case OP_LIMIT:
        if (op->limit && fn(ex, op, op->limit, EX_IN_NONE, arg))
            return WEIR_ERROR;
        return op->offset ? fn(ex, op, op->offset, EX_IN_NONE, arg) : WEIR_OK;
    case OP_AGG: {
        const AggSpec *sp = op->spec;
        for (uint32_t i = 0; sp && i < sp->n_keys; i++)
            if (fn(ex, op, sp->keys[i], EX_IN_CHILD, arg))
                return WEIR_ERROR;
        for (uint32_t i = 0; sp && i < sp->n_aggs; i++) {
            const AggCall *c = &sp->aggs[i];
            if ((c->arg && fn(ex, op, c->arg, EX_IN_CHILD, arg)) ||
                (c->filter && fn(ex, op, c->filter, EX_IN_CHILD, arg)) ||
                (c->direct && fn(ex, op, c->direct, EX_IN_CHILD, arg)))
                return WEIR_ERROR;
            for (uint32_t k = 0; c->args && k < c->n_args; k++)
                if (c->args[k] != c->arg && fn(ex, op, c->args[k], EX_IN_CHILD, arg))
                    return WEIR_ERROR;
            for (uint32_t k = 0; c->order && k < c->n_order; k++)
                if (fn(ex, op, c->order[k], EX_IN_CHILD, arg))
                    return WEIR_ERROR;
        }
        return WEIR_OK;
    }
    case OP_JOIN: {
        const JoinSpec *sp = op->spec;
        for (uint32_t i = 0; sp && i < sp->n_keys; i++)
            if (fn(ex, op, sp->lkeys[i], EX_IN_CHILD, arg) || fn(ex, op, sp->rkeys[i], EX_IN_RIGHT, arg))
                return WEIR_ERROR;
        return sp && sp->residual ? fn(ex, op, sp->residual, EX_IN_BOTH, arg) : WEIR_OK;
    }
    case OP_FUNCSCAN: {
        const FuncScanSpec *sp = op->spec;
        for (uint32_t i = 0; sp && i < sp->n_args; i++)
            if (fn(ex, op, sp->args[i], op->child ? EX_IN_CHILD : EX_IN_NONE, arg))
                return WEIR_ERROR;
        return WEIR_OK;
    }
    case OP_WINDOW: {
        const WindowSpec *ws = op->spec;
        for (uint32_t i = 0; ws && i < ws->n_extra; i++)
            if (fn(ex, op, ws->extra[i], EX_IN_CHILD, arg))
                return WEIR_ERROR;
        for (uint32_t i = 0; ws && i < ws->n_calls; i++)
            if ((ws->calls[i].frame.start_off && fn(ex, op, ws->calls[i].frame.start_off, EX_IN_NONE, arg)) ||
                (ws->calls[i].frame.end_off && fn(ex, op, ws->calls[i].frame.end_off, EX_IN_NONE, arg)))
                return WEIR_ERROR;
        return WEIR_OK;
    }
    default: return WEIR_OK;
    }
}

/* The scope of an expression of op over input (see ex_op_exprs). */
static int ex_scope(Ex *ex, const Op *op, int input, const ExScope *outer, const ExScope **out)
{
    ExScope *sc = arena_try_calloc(ex->a, sizeof(*sc));
    if (!sc)
        return WEIR_ERROR;
    sc->outer = outer;
    sc->cols = &ex_none;
    if (input == EX_IN_CHILD && op->child && ex_names(ex, op->child, &sc->cols))
        return WEIR_ERROR;
    if (input == EX_IN_RIGHT && op->right && ex_names(ex, op->right, &sc->cols))
        return WEIR_ERROR;
    if (input == EX_IN_BOTH) {
        /* a join's residual: the left columns, then the right ones (its output before SEMI/ANTI trim) */
        const ExNames *l = &ex_none, *r = &ex_none;
        if ((op->child && ex_names(ex, op->child, &l)) || (op->right && ex_names(ex, op->right, &r)))
            return WEIR_ERROR;
        ExNames *both = arena_try_calloc(ex->a, sizeof(*both));
        if (!both || ex_names_alloc(ex, both, l->n + r->n))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < l->n; i++)
            both->name[i] = l->name[i], both->simple[i] = l->simple[i];
        for (uint32_t i = 0; i < r->n; i++)
            both->name[l->n + i] = r->name[i], both->simple[l->n + i] = r->simple[i];
        sc->cols = both;
    }
    *out = sc;
    return WEIR_OK;
}

/* Subqueries of a display node, gathered with the scope of the operator that evaluates them. */
typedef struct ExSubList {
    ExSubRef *refs;
    uint32_t n, cap;
    const ExScope *outer; /* the scope the display node itself is in */
} ExSubList;

static int ex_collect_expr(Ex *ex, const Op *op, const Expr *e, int input, ExSubList *l, const ExScope **sc)
{
    if (!e)
        return WEIR_OK;
    if (e->kind == EXPR_SUBLINK) {
        if (!*sc && ex_scope(ex, op, input, l->outer, sc))
            return WEIR_ERROR;
        for (uint32_t i = 0; i < l->n; i++)
            if (l->refs[i].e == e)
                goto args;
        if (ex_grow(ex, (void **)&l->refs, l->n, &l->cap, sizeof(ExSubRef)))
            return WEIR_ERROR;
        l->refs[l->n].e = e;
        l->refs[l->n].outer = *sc;
        l->n++;
    }
args:
    for (uint32_t i = 0; i < e->n_args; i++)
        if (ex_collect_expr(ex, op, e->args[i], input, l, sc))
            return WEIR_ERROR;
    return WEIR_OK;
}

static int ex_collect_fn(Ex *ex, const Op *op, const Expr *e, int input, void *arg)
{
    const ExScope *sc = NULL; /* made when the first subquery needs it */
    return ex_collect_expr(ex, op, e, input, arg, &sc);
}

/* Count the relations a plan reads (scans and catalog tables, subqueries' included). */
static int ex_count_rels(Ex *ex, const Op *op, uint32_t *n);

static int ex_count_expr(Ex *ex, const Expr *e, uint32_t *n)
{
    if (!e)
        return WEIR_OK;
    if (e->kind == EXPR_SUBLINK && e->u.sub.plan && ex_count_rels(ex, e->u.sub.plan, n))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < e->n_args; i++)
        if (ex_count_expr(ex, e->args[i], n))
            return WEIR_ERROR;
    return WEIR_OK;
}

static int ex_count_fn(Ex *ex, const Op *op, const Expr *e, int input, void *arg)
{
    (void)op, (void)input;
    return ex_count_expr(ex, e, arg);
}

static int ex_count_rels(Ex *ex, const Op *op, uint32_t *n)
{
    if (!op)
        return WEIR_OK;
    *n += op->kind == OP_SCAN || op->kind == OP_SYSTAB || (op->kind == OP_FUNCSCAN && !op->child);
    if (ex_op_exprs(ex, op, ex_count_fn, n))
        return WEIR_ERROR;
    return ex_count_rels(ex, op->child, n) || ex_count_rels(ex, op->right, n) ? WEIR_ERROR : WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Plan nodes
 * ---------------------------------------------------------------------------------------------- */

/* A property line: "<indent>Label: text\n". */
static int ex_prop(Buf *b, int indent, const char *label, const char *text)
{
    if (ex_spaces(b, 2 * indent))
        return WEIR_ELIMIT;
    return buf_printf(b, "%s: %s\n", label, text);
}

static int ex_prop_expr(Ex *ex, Buf *b, int indent, const char *label, const Expr *e, const ExScope *sc)
{
    const char *s = ex_expr_str(ex, e, sc);
    return s ? ex_prop(b, indent, label, s) : WEIR_ERROR;
}

/* " (actual time=T rows=R loops=L)" of the chain's top (per loop, as PostgreSQL). */
static int ex_actual(Ex *ex, const Op *top, Buf *b)
{
    if (!ex->es->analyze)
        return WEIR_OK;
    if (top->st_loops == 0)
        return buf_append_cstr(b, " (never executed)");
    double loops = (double)top->st_loops, rows = (double)top->st_rows / loops;
    if (ex->es->timing)
        return buf_printf(b, " (actual time=%.3f rows=%.0f loops=%.0f)", (double)top->st_nsec / 1e6 / loops,
                          rows, loops);
    return buf_printf(b, " (actual rows=%.0f loops=%.0f)", rows, loops);
}

static const char *ex_join_title(const JoinSpec *sp)
{
    static const char *const hash[] = {"Hash Join", "Hash Left Join", "Hash Right Join", "Hash Full Join",
                                       "Hash Semi Join", "Hash Anti Join"};
    static const char *const loop[] = {
        "Nested Loop",           "Nested Loop Left Join", "Nested Loop Right Join",
        "Nested Loop Full Join", "Nested Loop Semi Join", "Nested Loop Anti Join"};
    if (!sp || (unsigned)sp->type > JOIN_ANTI)
        return "Join";
    return sp->n_keys ? hash[sp->type] : loop[sp->type];
}

/* The node's title: what PostgreSQL would call the node. */
static int ex_title(Ex *ex, const Op *base, Buf *b, char *scan_rest, size_t scan_rest_cap)
{
    scan_rest[0] = 0;
    switch (base->kind) {
    case OP_RESULT:
    case OP_PROJECT:
    case OP_FILTER: return buf_append_cstr(b, "Result");
    case OP_VALUES: return buf_append_cstr(b, "Values Scan on \"*VALUES*\"");
    case OP_SCAN: {
        /* op_scan_explain's first line is the title, further lines are properties */
        char line[2048];
        op_scan_explain(base, line, sizeof(line));
        char *nl = strchr(line, '\n');
        if (nl) {
            *nl = 0;
            snprintf(scan_rest, scan_rest_cap, "%s", nl + 1);
        }
        /* (it names the alias itself: "Stream Scan on clicks c") */
        return buf_append_cstr(b, line);
    }
    case OP_SYSTAB: {
        const SysTableDef *def = ((const SysTabSpec *)base->spec)->def;
        if (buf_append_cstr(b, "Catalog Scan on ") ||
            (ex->es->verbose && (ex_ident(b, def->schema) || buf_append_byte(b, '.'))) ||
            ex_ident(b, def->name))
            return WEIR_ELIMIT;
        if (base->rel_alias && strcmp(base->rel_alias, def->name) != 0)
            return buf_append_byte(b, ' ') || ex_ident(b, base->rel_alias);
        return WEIR_OK;
    }
    case OP_AGG: {
        const AggSpec *sp = base->spec;
        return buf_append_cstr(b, sp && sp->n_keys ? "HashAggregate" : "Aggregate");
    }
    case OP_SORT: return buf_append_cstr(b, "Sort");
    case OP_UNIQUE: return buf_append_cstr(b, "Unique");
    case OP_FUNCSCAN: {
        if (base->child)
            return buf_append_cstr(b, "ProjectSet"); /* a set-returning function in a SELECT list */
        /* "Function Scan on generate_series g", as PostgreSQL */
        const char *fn = ex_funcscan_name(base);
        if (buf_printf(b, "Function Scan on %s", fn))
            return WEIR_ELIMIT;
        if (base->rel_alias && strcmp(base->rel_alias, fn) != 0)
            return buf_append_byte(b, ' ') || ex_ident(b, base->rel_alias);
        return WEIR_OK;
    }
    case OP_LIMIT: return buf_append_cstr(b, "Limit");
    case OP_JOIN: return buf_append_cstr(b, ex_join_title(base->spec));
    case OP_APPEND: return buf_append_cstr(b, "Append");
    case OP_SETOP: {
        const SetOpSpec *sp = base->spec;
        return buf_printf(b, "HashSetOp %s%s", sp && sp->type == SETOP_EXCEPT ? "Except" : "Intersect",
                          sp && sp->all ? " All" : "");
    }
    case OP_WINDOW: return buf_append_cstr(b, "WindowAgg");
    case OP_WINASSIGN: {
        /* "Window Assign (hop, slide 2 s, size 10 s, offset 1 s)" */
        const WinAssignSpec *ws = base->spec;
        if (buf_printf(b, "Window Assign (%s, ", ex_winassign_name(base)))
            return WEIR_ELIMIT;
        int rc = ws->kind == WINASSIGN_SESSION ? buf_append_cstr(b, "gap ") || ex_duration(b, ws->gap_us)
                 : ws->kind == WINASSIGN_HOP
                     ? buf_append_cstr(b, "slide ") || ex_duration(b, ws->slide_us) || buf_append_cstr(b, ", size ") ||
                           ex_duration(b, ws->size_us)
                     : buf_append_cstr(b, "size ") || ex_duration(b, ws->size_us);
        if (!rc && ws->kind != WINASSIGN_SESSION && ws->offset_us)
            rc = buf_append_cstr(b, ", offset ") || ex_duration(b, ws->offset_us);
        return rc || buf_append_byte(b, ')') ? WEIR_ELIMIT : WEIR_OK;
    }
    case OP_EXPLAIN: return buf_append_cstr(b, "Explain");
    default: return buf_printf(b, "Operator %d", (int)base->kind);
    }
}

/* The properties that belong to the base operator itself. */
static int ex_base_props(Ex *ex, const Op *base, int indent, const ExScope *outer, Buf *b)
{
    if (base->kind == OP_AGG) {
        const AggSpec *sp = base->spec;
        const ExNames *nm;
        if (!sp || !sp->n_keys)
            return WEIR_OK;
        if (ex_names(ex, base, &nm))
            return WEIR_ERROR;
        Buf t;
        buf_init(&t, EX_OUT_MAX);
        int rc = WEIR_OK;
        for (uint32_t k = 0; k < sp->n_keys && !rc; k++)
            rc = (k && buf_append_cstr(&t, ", ")) || ex_colname(nm, k, &t);
        if (!rc)
            rc = ex_prop(b, indent, "Group Key", t.p ? (const char *)t.p : "");
        buf_fini(&t);
        return rc;
    }
    if (base->kind == OP_SORT) {
        const SortSpec *sp = base->spec;
        const ExNames *nm = &ex_none;
        if (!sp || !sp->n_keys)
            return WEIR_OK;
        if (base->child && ex_names(ex, base->child, &nm))
            return WEIR_ERROR;
        Buf t;
        buf_init(&t, EX_OUT_MAX);
        int rc = WEIR_OK;
        for (uint32_t k = 0; k < sp->n_keys && !rc; k++) {
            uint32_t c = sp->cols[k];
            int simple = c < nm->n && nm->simple[c];
            rc = (k && buf_append_cstr(&t, ", ")) || (!simple && buf_append_byte(&t, '(')) ||
                 ex_colname(nm, c, &t) || (!simple && buf_append_byte(&t, ')')) ||
                 (sp->desc[k] && buf_append_cstr(&t, " DESC")) ||
                 (sp->nulls_first[k] && !sp->desc[k] && buf_append_cstr(&t, " NULLS FIRST")) ||
                 (!sp->nulls_first[k] && sp->desc[k] && buf_append_cstr(&t, " NULLS LAST"));
        }
        if (!rc)
            rc = ex_prop(b, indent, "Sort Key", t.p ? (const char *)t.p : "");
        buf_fini(&t);
        return rc;
    }
    if (base->kind == OP_WINDOW && base->spec) {
        /* "Window: w1 AS (PARTITION BY a ORDER BY b DESC)" per sort, as PostgreSQL 17 prints windows */
        const WindowSpec *ws = base->spec;
        const ExScope *sc;
        if (ex_scope(ex, base, EX_IN_CHILD, outer, &sc))
            return WEIR_ERROR;
        for (uint32_t w = 0; w < ws->n_sorts; w++) {
            const WinSort *so = &ws->sorts[w];
            Buf t;
            buf_init(&t, EX_OUT_MAX);
            int rc = buf_printf(&t, "w%u AS (", w + 1);
            for (uint32_t k = 0; k < so->n_part && !rc; k++)
                rc = buf_append_cstr(&t, k ? ", " : "PARTITION BY ") ||
                     (so->part[k] < ws->n_extra && ex_expr(ex, ws->extra[so->part[k]], sc, &t));
            for (uint32_t k = 0; k < so->n_order && !rc; k++) {
                const WinOrder *o = &so->order[k];
                rc = buf_append_cstr(&t, k ? ", " : so->n_part ? " ORDER BY " : "ORDER BY ") ||
                     (o->col < ws->n_extra && ex_expr(ex, ws->extra[o->col], sc, &t)) ||
                     (o->desc && buf_append_cstr(&t, " DESC")) ||
                     (o->nulls_first && !o->desc && buf_append_cstr(&t, " NULLS FIRST")) ||
                     (!o->nulls_first && o->desc && buf_append_cstr(&t, " NULLS LAST"));
            }
            if (!rc)
                rc = buf_append_byte(&t, ')');
            if (!rc)
                rc = ex_prop(b, indent, "Window", (const char *)t.p);
            buf_fini(&t);
            if (rc)
                return rc;
        }
        return WEIR_OK;
    }
    if (base->kind == OP_WINASSIGN && base->spec) {
        /* "Time Column: date_time", and a session's "Partition Key: user_id, url" */
        const WinAssignSpec *ws = base->spec;
        const ExNames *nm = &ex_none;
        if (base->child && ex_names(ex, base->child, &nm))
            return WEIR_ERROR;
        Buf t;
        buf_init(&t, EX_OUT_MAX);
        int rc = ex_colname(nm, ws->time_col, &t) || buf_append_byte(&t, 0) ||
                 ex_prop(b, indent, "Time Column", (const char *)t.p);
        buf_reset(&t);
        for (uint32_t k = 0; k < ws->n_part && !rc; k++)
            rc = (k && buf_append_cstr(&t, ", ")) || ex_colname(nm, ws->part_cols[k], &t);
        if (!rc && ws->n_part)
            rc = buf_append_byte(&t, 0) || ex_prop(b, indent, "Partition Key", (const char *)t.p);
        buf_fini(&t);
        return rc;
    }
    if (base->kind == OP_JOIN && base->spec) {
        const JoinSpec *sp = base->spec;
        if (sp->n_keys) {
            const ExScope *ls, *rs;
            if (ex_scope(ex, base, EX_IN_CHILD, outer, &ls) || ex_scope(ex, base, EX_IN_RIGHT, outer, &rs))
                return WEIR_ERROR;
            Buf t;
            buf_init(&t, EX_OUT_MAX);
            int rc = sp->n_keys > 1 ? buf_append_byte(&t, '(') : WEIR_OK;
            for (uint32_t k = 0; k < sp->n_keys && !rc; k++)
                rc = (k && buf_append_cstr(&t, " AND ")) || buf_append_byte(&t, '(') ||
                     ex_expr(ex, sp->lkeys[k], ls, &t) || buf_append_cstr(&t, " = ") ||
                     ex_expr(ex, sp->rkeys[k], rs, &t) || buf_append_byte(&t, ')');
            if (!rc && sp->n_keys > 1)
                rc = buf_append_byte(&t, ')');
            if (!rc)
                rc = ex_prop(b, indent, "Hash Cond", t.p ? (const char *)t.p : "");
            buf_fini(&t);
            if (rc)
                return rc;
        }
        if (sp->residual) {
            const ExScope *bs;
            if (ex_scope(ex, base, EX_IN_BOTH, outer, &bs) ||
                ex_prop_expr(ex, b, indent, "Join Filter", sp->residual, bs))
                return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}

static int ex_node(Ex *ex, const Op *op, const ExScope *outer, int indent, const char *plan_name, Buf *b);

/* The node's InitPlans (correlated 0) or SubPlans (1), in the order of their numbers. */
static int ex_subplans(Ex *ex, const ExSubList *l, int correlated, int indent, Buf *b)
{
    uint32_t last = 0;
    for (;;) {
        const ExSubRef *next = NULL;
        uint32_t next_id = 0;
        for (uint32_t i = 0; i < l->n; i++) {
            const Expr *e = l->refs[i].e;
            uint32_t id;
            if (!e->u.sub.correlated != !correlated || !e->u.sub.plan)
                continue;
            if (ex_sub_id(ex, e, &id))
                return ex_oom(ex);
            if (id > last && (!next || id < next_id))
                next = &l->refs[i], next_id = id;
        }
        if (!next)
            return WEIR_OK;
        char name[48];
        snprintf(name, sizeof(name), "%s %u", ex_sub_label(next->e), next_id);
        if (ex_node(ex, next->e->u.sub.plan, next->outer, indent, name, b))
            return WEIR_ERROR;
        last = next_id;
    }
}

static int ex_node_inner(Ex *ex, const Op *op, const ExScope *outer, int indent, const char *plan_name,
                         Buf *b);

/* One display node and everything under it. indent is PostgreSQL's es->indent on entry. */
static int ex_node(Ex *ex, const Op *op, const ExScope *outer, int indent, const char *plan_name, Buf *b)
{
    const ExScope *saved_outer = ex->cur_outer;
    ex->cur_outer = outer;
    int rc = ex_node_inner(ex, op, outer, indent, plan_name, b);
    ex->cur_outer = saved_outer;
    return rc;
}

static int ex_node_inner(Ex *ex, const Op *op, const ExScope *outer, int indent, const char *plan_name,
                         Buf *b)
{
    const Op *top = op, *base = op;
    while ((base->kind == OP_PROJECT || base->kind == OP_FILTER) && base->child)
        base = base->child;
    if (plan_name) {
        EX_TRY(ex_spaces(b, 2 * indent) || buf_printf(b, "%s\n", plan_name));
        indent++;
    }
    if (indent) {
        EX_TRY(ex_spaces(b, 2 * indent) || buf_append_cstr(b, "->  "));
        indent += 2;
    }
    char scan_rest[2048];
    EX_TRY(ex_title(ex, base, b, scan_rest, sizeof(scan_rest)) || ex_actual(ex, top, b) ||
           buf_append_byte(b, '\n'));
    indent++;

    if (ex->es->verbose) {
        const ExNames *nm;
        if (ex_names(ex, top, &nm))
            return WEIR_ERROR;
        /* (a window assignment passes its scan's columns through, then adds its own two) */
        const Op *nop = top->kind == OP_WINASSIGN && top->child && top->child->kind == OP_SCAN ? top->child : top;
        const uint8_t *needed = nop->kind == OP_SCAN ? ((const ScanSpec *)nop->spec)->needed : NULL;
        Buf t;
        buf_init(&t, EX_OUT_MAX);
        int rc = WEIR_OK, any = 0;
        for (uint32_t c = 0; c < nm->n && !rc; c++) {
            if (needed && c < nop->n_cols && !needed[c])
                continue; /* a scan outputs (decodes) only the columns the query uses */
            rc = (any && buf_append_cstr(&t, ", ")) || buf_append_cstr(&t, nm->name[c]);
            any = 1;
        }
        if (!rc && any)
            rc = ex_prop(b, indent, "Output", (const char *)t.p);
        buf_fini(&t);
        EX_TRY(rc);
    }
    for (char *line = scan_rest; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        if (n)
            EX_TRY(ex_spaces(b, 2 * indent) || buf_append(b, line, n) || buf_append_byte(b, '\n'));
        line += n + (nl ? 1 : 0);
    }
    if (ex_base_props(ex, base, indent, outer, b))
        return ex_oom(ex);
    /* filters of the chain, innermost first (the order they apply in) */
    const Op *filters[16];
    int n_filters = 0;
    for (const Op *o = top; o != base; o = o->child)
        if (o->kind == OP_FILTER && n_filters < 16)
            filters[n_filters++] = o;
    while (n_filters > 0) {
        const Op *f = filters[--n_filters];
        const ExScope *sc;
        if (ex_scope(ex, f, EX_IN_CHILD, outer, &sc) ||
            ex_prop_expr(ex, b, indent, base->kind == OP_RESULT ? "One-Time Filter" : "Filter", f->pred, sc))
            return ex_oom(ex);
        if (ex->es->analyze && f->st_loops && f->child->st_rows > f->st_rows) {
            char n[32];
            snprintf(n, sizeof(n), "%.0f", (double)(f->child->st_rows - f->st_rows) / (double)f->st_loops);
            EX_TRY(ex_prop(b, indent, "Rows Removed by Filter", n));
        }
    }
    /* subqueries in the chain's expressions */
    ExSubList subs = {NULL, 0, 0, outer};
    for (const Op *o = top;; o = o->child) {
        if (ex_op_exprs(ex, o, ex_collect_fn, &subs))
            return ex_oom(ex);
        if (o == base)
            break;
    }
    if (ex_subplans(ex, &subs, 0, indent, b))
        return WEIR_ERROR;
    if (base->child && ex_node(ex, base->child, outer, indent, NULL, b))
        return WEIR_ERROR;
    if (base->right && ex_node(ex, base->right, outer, indent, NULL, b))
        return WEIR_ERROR;
    return ex_subplans(ex, &subs, 1, indent, b);
}

/* ------------------------------------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------------------------------- */

int explain_render(const ExplainSpec *es, const Op *plan, uint64_t exec_nsec, ExecCtx *ctx, Buf *out)
{
    Ex ex0;
    memset(&ex0, 0, sizeof(ex0));
    Ex *ex = &ex0;
    ex->es = es;
    ex->ctx = ctx;
    ex->a = ctx->arena;
    uint32_t n_rels = 0;
    if (ex_count_rels(ex, plan, &n_rels))
        return ex_oom(ex);
    ex->qualify = n_rels > 1;
    if (ex_node(ex, plan, NULL, 0, NULL, out))
        return WEIR_ERROR;
    if (es->summary)
        EX_TRY(buf_printf(out, "Planning Time: %.3f ms\n", (double)es->plan_nsec / 1e6));
    if (es->summary && es->analyze)
        EX_TRY(buf_printf(out, "Execution Time: %.3f ms\n", (double)exec_nsec / 1e6));
    return WEIR_OK;
}

int explain_expr_text(const Expr *e, const char *const *col_names, uint32_t n_cols, ExecCtx *ctx, Buf *out)
{
    Ex ex0;
    memset(&ex0, 0, sizeof(ex0));
    Ex *ex = &ex0;
    ex->ctx = ctx;
    ex->a = ctx->arena;
    ExNames nm = {0, NULL, NULL};
    if (ex_names_alloc(ex, &nm, n_cols))
        return ex_oom(ex);
    for (uint32_t i = 0; i < n_cols; i++)
        nm.name[i] = col_names[i], nm.simple[i] = 1;
    ExScope sc = {&nm, NULL};
    if (ex_expr(ex, e, &sc, out))
        return ex_oom(ex);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The operator
 * ---------------------------------------------------------------------------------------------- */

typedef struct ExplainState {
    Slice *lines;
    uint32_t n_lines;
} ExplainState;

/* ANALYZE: run the plan to completion, discarding its rows; *nsec is the Execution Time. */
static int explain_run(Op *plan, ExecCtx *ctx, int timing, uint64_t *nsec)
{
    int saved = ctx->analyze;
    ctx->analyze = timing;
    uint64_t t0 = clock_mono_ns();
    int rc = op_open(plan, ctx);
    while (rc == WEIR_OK) {
        Batch *b;
        rc = op_next(plan, ctx, &b);
        if (!b)
            break;
    }
    op_close(plan);
    *nsec = clock_mono_ns() - t0;
    ctx->analyze = saved;
    return rc;
}

int op_explain_open(Op *op, ExecCtx *ctx)
{
    const ExplainSpec *es = op->spec;
    ExplainState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    if (!st)
        return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
    op->state = st;
    uint64_t exec_nsec = 0;
    if (es->analyze && explain_run(es->plan, ctx, es->timing, &exec_nsec))
        return WEIR_ERROR;
    Buf text;
    buf_init(&text, EX_OUT_MAX);
    int rc = explain_render(es, es->plan, exec_nsec, ctx, &text);
    if (rc == WEIR_OK) {
        /* one row per line, the text kept in the query arena for the whole run */
        uint32_t n = 0;
        for (size_t i = 0; i < text.len; i++)
            n += text.p[i] == '\n';
        char *copy = text.len ? arena_try_strndup(ctx->arena, (const char *)text.p, text.len) : NULL;
        st->lines = ARENA_NEW(ctx->arena, Slice, n ? n : 1);
        if ((text.len && !copy) || !st->lines) {
            rc = sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
        } else {
            size_t start = 0;
            for (size_t i = 0; i < text.len; i++)
                if (copy[i] == '\n') {
                    st->lines[st->n_lines++] = (Slice){(const uint8_t *)copy + start, i - start};
                    start = i + 1;
                }
        }
    }
    buf_fini(&text);
    return rc;
}

int op_explain_next(Op *op, ExecCtx *ctx, Batch **out)
{
    const ExplainState *st = op->state;
    *out = NULL;
    if (!st || op->pos >= st->n_lines)
        return WEIR_OK;
    uint32_t n = st->n_lines - op->pos;
    if (n > VEC_BATCH)
        n = VEC_BATCH;
    Batch *b = batch_create(op->batch_arena, op->types, 1);
    if (!b)
        return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
    for (uint32_t i = 0; i < n; i++)
        b->cols[0].u.s[i] = st->lines[op->pos + i];
    b->n = n;
    op->pos += n;
    *out = b;
    return WEIR_OK;
}

void op_explain_close(Op *op)
{
    const ExplainSpec *es = op->spec;
    if (es && es->plan)
        op_close(es->plan); /* after an error inside ANALYZE's run; a no-op when it is closed */
    op->state = NULL;
}
