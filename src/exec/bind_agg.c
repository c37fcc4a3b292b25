/*
 * bind_agg.c: aggregate calls in a SELECT list or HAVING, and rewriting expressions over the
 * aggregation's input into expressions over its output.
 *
 * A call is resolved the way PostgreSQL 15 resolves it (parse_func.c ParseFuncOrColumn and
 * func_select_candidate), against the aggregate signatures below: exact matches first, then candidates
 * reachable through implicit casts, ranked by exact matches, then by preferred types, then by the
 * category of unknown literals, then by "unknowns take the one known type". So sum(int4) is bigint,
 * avg(int) and stddev(int) are numeric, max(varchar) is text, stddev('1') is float8, sum('1') is "not
 * unique" (42725), and the error texts are PostgreSQL's: 42883 "function f(types) does not exist", 42809
 * "WITHIN GROUP is required for ordered-set aggregate f" / "f is not an ordered-set aggregate, so it
 * cannot have WITHIN GROUP" / "DISTINCT specified, but f is not an aggregate function", 42803 "aggregate
 * function calls cannot be nested" / "aggregate functions are not allowed in FILTER", 42P10 "in an
 * aggregate with DISTINCT, ORDER BY expressions must appear in argument list".
 *
 * What a call records (AggCall, exec/op.h): the aggregated arguments, coerced to the signature's types
 * (json_agg and the *_object_agg values are wrapped in to_json/to_jsonb here, so the operator only joins
 * JSON texts); ORDER BY inside the call, or the WITHIN GROUP ordering of an ordered-set aggregate, as sort
 * keys; DISTINCT; FILTER; and an ordered-set aggregate's direct argument (the fraction), which may use
 * only grouped columns: bind_agg_rewrite checks that once the GROUP BY keys are known.
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "sql/func.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * The aggregates and their signatures
 * ---------------------------------------------------------------------------------------------- */

enum {
    AK_COUNT, AK_SUM, AK_AVG, AK_MIN, AK_MAX, AK_BOOL_AND, AK_BOOL_OR, AK_BIT_AND, AK_BIT_OR, AK_BIT_XOR,
    AK_STRING_AGG, AK_ARRAY_AGG, AK_JSON_AGG, AK_JSONB_AGG, AK_JSON_OBJECT_AGG, AK_JSONB_OBJECT_AGG,
    AK_VAR_SAMP, AK_VAR_POP, AK_STDDEV_SAMP, AK_STDDEV_POP, AK_PCT_CONT, AK_PCT_DISC, AK_MODE,
};

static const struct {
    const char *name;
    int kind;
} agg_names[] = {
    {"count", AK_COUNT},
    {"sum", AK_SUM},
    {"avg", AK_AVG},
    {"min", AK_MIN},
    {"max", AK_MAX},
    {"bool_and", AK_BOOL_AND},
    {"every", AK_BOOL_AND},
    {"bool_or", AK_BOOL_OR},
    {"bit_and", AK_BIT_AND},
    {"bit_or", AK_BIT_OR},
    {"bit_xor", AK_BIT_XOR},
    {"string_agg", AK_STRING_AGG},
    {"array_agg", AK_ARRAY_AGG},
    {"json_agg", AK_JSON_AGG},
    {"jsonb_agg", AK_JSONB_AGG},
    {"json_object_agg", AK_JSON_OBJECT_AGG},
    {"jsonb_object_agg", AK_JSONB_OBJECT_AGG},
    {"variance", AK_VAR_SAMP},
    {"var_samp", AK_VAR_SAMP},
    {"var_pop", AK_VAR_POP},
    {"stddev", AK_STDDEV_SAMP},
    {"stddev_samp", AK_STDDEV_SAMP},
    {"stddev_pop", AK_STDDEV_POP},
    {"percentile_cont", AK_PCT_CONT},
    {"percentile_disc", AK_PCT_DISC},
    {"mode", AK_MODE},
};

static int agg_kind_of(const char *name)
{
    for (size_t i = 0; i < sizeof(agg_names) / sizeof(agg_names[0]); i++)
        if (strcasecmp(agg_names[i].name, name) == 0)
            return agg_names[i].kind;
    return -1;
}

static int agg_is_ordered_set(int kind)
{
    return kind == AK_PCT_CONT || kind == AK_PCT_DISC || kind == AK_MODE;
}

/* Pseudo-types of the signature table (SQL_FN_ANY / SQL_FN_ANYELEMENT from sql/func.h), plus: */
#define SIG_ANYARRAY SQL_FN_ANYARRAY /* result: an array of the ANYELEMENT type */
#define SIG_SAME SQL_FN_RET_ARG0    /* result: the resolved type of the first argument */
#define SIG_F8A SQL_ARRAY_OF(SQL_FLOAT8)
#define SIG_IVA SQL_ARRAY_OF(SQL_INTERVAL)

/* One aggregate signature, as pg_proc lists it (ordered-set: the direct arguments, then the WITHIN
 * GROUP ones). fn is the AggFn computing it. */
typedef struct AggSig {
    int kind;
    uint8_t n_args;
    SqlTypeId args[2];
    SqlTypeId ret;
    AggFn fn;
} AggSig;

static const AggSig agg_sigs[] = {
    {AK_COUNT, 1, {SQL_FN_ANY}, SQL_INT8, AGG_COUNT},
    {AK_SUM, 1, {SQL_INT2}, SQL_INT8, AGG_SUM_INT},
    {AK_SUM, 1, {SQL_INT4}, SQL_INT8, AGG_SUM_INT},
    {AK_SUM, 1, {SQL_INT8}, SQL_NUMERIC, AGG_SUM_BIGINT},
    {AK_SUM, 1, {SQL_NUMERIC}, SQL_NUMERIC, AGG_SUM_NUMERIC},
    {AK_SUM, 1, {SQL_FLOAT4}, SQL_FLOAT4, AGG_SUM_FLOAT},
    {AK_SUM, 1, {SQL_FLOAT8}, SQL_FLOAT8, AGG_SUM_FLOAT},
    {AK_SUM, 1, {SQL_INTERVAL}, SQL_INTERVAL, AGG_SUM_INTERVAL},
    {AK_AVG, 1, {SQL_INT2}, SQL_NUMERIC, AGG_AVG_INT},
    {AK_AVG, 1, {SQL_INT4}, SQL_NUMERIC, AGG_AVG_INT},
    {AK_AVG, 1, {SQL_INT8}, SQL_NUMERIC, AGG_AVG_INT},
    {AK_AVG, 1, {SQL_NUMERIC}, SQL_NUMERIC, AGG_AVG_NUMERIC},
    {AK_AVG, 1, {SQL_FLOAT4}, SQL_FLOAT8, AGG_AVG_FLOAT},
    {AK_AVG, 1, {SQL_FLOAT8}, SQL_FLOAT8, AGG_AVG_FLOAT},
    {AK_AVG, 1, {SQL_INTERVAL}, SQL_INTERVAL, AGG_AVG_INTERVAL},
#define MINMAX(k, f)                                                                                          \
    {k, 1, {SQL_INT2}, SIG_SAME, f}, {k, 1, {SQL_INT4}, SIG_SAME, f}, {k, 1, {SQL_INT8}, SIG_SAME, f},         \
        {k, 1, {SQL_FLOAT4}, SIG_SAME, f}, {k, 1, {SQL_FLOAT8}, SIG_SAME, f},                                  \
        {k, 1, {SQL_NUMERIC}, SIG_SAME, f}, {k, 1, {SQL_TEXT}, SIG_SAME, f}, {k, 1, {SQL_BPCHAR}, SIG_SAME, f}, \
        {k, 1, {SQL_DATE}, SIG_SAME, f}, {k, 1, {SQL_TIME}, SIG_SAME, f}, {k, 1, {SQL_TIMESTAMP}, SIG_SAME, f}, \
        {k, 1, {SQL_TIMESTAMPTZ}, SIG_SAME, f}, {k, 1, {SQL_INTERVAL}, SIG_SAME, f},                           \
        {k, 1, {SQL_OID}, SIG_SAME, f}
    MINMAX(AK_MIN, AGG_MIN),
    MINMAX(AK_MAX, AGG_MAX),
#undef MINMAX
    {AK_BOOL_AND, 1, {SQL_BOOL}, SQL_BOOL, AGG_BOOL_AND},
    {AK_BOOL_OR, 1, {SQL_BOOL}, SQL_BOOL, AGG_BOOL_OR},
#define BITS(k, f) {k, 1, {SQL_INT2}, SIG_SAME, f}, {k, 1, {SQL_INT4}, SIG_SAME, f}, {k, 1, {SQL_INT8}, SIG_SAME, f}
    BITS(AK_BIT_AND, AGG_BIT_AND),
    BITS(AK_BIT_OR, AGG_BIT_OR),
    BITS(AK_BIT_XOR, AGG_BIT_XOR),
#undef BITS
    {AK_STRING_AGG, 2, {SQL_TEXT, SQL_TEXT}, SQL_TEXT, AGG_STRING_AGG},
    {AK_STRING_AGG, 2, {SQL_BYTEA, SQL_BYTEA}, SQL_BYTEA, AGG_STRING_AGG},
    {AK_ARRAY_AGG, 1, {SQL_FN_ANYELEMENT}, SIG_ANYARRAY, AGG_ARRAY_AGG},
    {AK_JSON_AGG, 1, {SQL_FN_ANYELEMENT}, SQL_JSON, AGG_JSON_AGG},
    {AK_JSONB_AGG, 1, {SQL_FN_ANYELEMENT}, SQL_JSONB, AGG_JSONB_AGG},
    {AK_JSON_OBJECT_AGG, 2, {SQL_FN_ANY, SQL_FN_ANY}, SQL_JSON, AGG_JSON_OBJECT_AGG},
    {AK_JSONB_OBJECT_AGG, 2, {SQL_FN_ANY, SQL_FN_ANY}, SQL_JSONB, AGG_JSONB_OBJECT_AGG},
#define VARS(k, f)                                                                                             \
    {k, 1, {SQL_INT2}, SQL_NUMERIC, f}, {k, 1, {SQL_INT4}, SQL_NUMERIC, f}, {k, 1, {SQL_INT8}, SQL_NUMERIC, f}, \
        {k, 1, {SQL_NUMERIC}, SQL_NUMERIC, f}, {k, 1, {SQL_FLOAT4}, SQL_FLOAT8, f},                            \
        {k, 1, {SQL_FLOAT8}, SQL_FLOAT8, f}
    VARS(AK_VAR_SAMP, AGG_VAR_SAMP),
    VARS(AK_VAR_POP, AGG_VAR_POP),
    VARS(AK_STDDEV_SAMP, AGG_STDDEV_SAMP),
    VARS(AK_STDDEV_POP, AGG_STDDEV_POP),
#undef VARS
    {AK_PCT_CONT, 2, {SQL_FLOAT8, SQL_FLOAT8}, SQL_FLOAT8, AGG_PERCENTILE_CONT},
    {AK_PCT_CONT, 2, {SQL_FLOAT8, SQL_INTERVAL}, SQL_INTERVAL, AGG_PERCENTILE_CONT},
    {AK_PCT_CONT, 2, {SIG_F8A, SQL_FLOAT8}, SIG_F8A, AGG_PERCENTILE_CONT},
    {AK_PCT_CONT, 2, {SIG_F8A, SQL_INTERVAL}, SIG_IVA, AGG_PERCENTILE_CONT},
    {AK_PCT_DISC, 2, {SQL_FLOAT8, SQL_FN_ANYELEMENT}, SQL_FN_ANYELEMENT, AGG_PERCENTILE_DISC},
    {AK_PCT_DISC, 2, {SIG_F8A, SQL_FN_ANYELEMENT}, SIG_ANYARRAY, AGG_PERCENTILE_DISC},
    {AK_MODE, 1, {SQL_FN_ANYELEMENT}, SQL_FN_ANYELEMENT, AGG_MODE},
};

/* ------------------------------------------------------------------------------------------------
 * Candidate selection (PostgreSQL's func_select_candidate over agg_sigs)
 * ---------------------------------------------------------------------------------------------- */

/* pg_type.typcategory of a type, and whether it is its category's preferred type. */
static char agg_category(SqlTypeId t)
{
    if (SQL_IS_ARRAY(t))
        return 'A';
    if (t == SQL_FN_ANY || t == SQL_FN_ANYELEMENT)
        return 'P';
    return t < SQL_N_TYPES ? sql_type_info(t)->category : 'X';
}

static int agg_preferred(SqlTypeId t)
{
    return t == SQL_FLOAT8 || t == SQL_TEXT || t == SQL_TIMESTAMPTZ || t == SQL_BOOL || t == SQL_INTERVAL ||
           t == SQL_OID;
}

static int agg_numeric_rank(SqlTypeId t)
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

static int agg_is_string(SqlTypeId t)
{
    return t == SQL_TEXT || t == SQL_VARCHAR || t == SQL_BPCHAR || t == SQL_NAME || t == SQL_CHAR;
}

/* Whether a value of type from can be passed where to is declared without an explicit cast. The set is
 * the implicit casts bind_coerce performs (bind_expr.c), restricted to the types the signatures use. */
static int agg_can_coerce(SqlTypeId from, SqlTypeId to)
{
    if (from == to || to == SQL_FN_ANY || from == SQL_UNKNOWN)
        return 1;
    if (to == SQL_FN_ANYELEMENT)
        return !SQL_IS_ARRAY(from);
    int rf = agg_numeric_rank(from), rt = agg_numeric_rank(to);
    if (rf >= 0 && rt >= 0)
        return rt > rf;
    if (agg_is_string(from) && to == SQL_TEXT)
        return 1;
    if (from == SQL_TEXT && to == SQL_BPCHAR)
        return 1;
    if (from == SQL_DATE && (to == SQL_TIMESTAMP || to == SQL_TIMESTAMPTZ))
        return 1;
    if (from == SQL_TIMESTAMP && to == SQL_TIMESTAMPTZ)
        return 1;
    if ((from == SQL_INT2 || from == SQL_INT4 || from == SQL_INT8 || from == SQL_REGCLASS || from == SQL_REGTYPE ||
         from == SQL_REGPROC) &&
        to == SQL_OID)
        return 1;
    return 0;
}

/* The signature of kind called with argument types ts[0..n), or NULL with *ambiguous set when several
 * fit equally well (42725) and clear when none fits (42883). */
static const AggSig *agg_select(int kind, const SqlTypeId *ts, uint32_t n, int *ambiguous)
{
    const AggSig *cand[64];
    uint32_t nc = 0;
    *ambiguous = 0;
    for (size_t i = 0; i < sizeof(agg_sigs) / sizeof(agg_sigs[0]); i++) {
        const AggSig *s = &agg_sigs[i];
        if (s->kind != kind || s->n_args != n)
            continue;
        int ok = 1;
        for (uint32_t a = 0; a < n && ok; a++)
            ok = agg_can_coerce(ts[a], s->args[a]);
        if (ok && nc < 64)
            cand[nc++] = s;
    }
    if (nc <= 1)
        return nc ? cand[0] : NULL;
    /* most exact matches, then most arguments converted to their own category's preferred type */
    for (int pass = 0; pass < 2 && nc > 1; pass++) {
        int best = -1;
        int score[64];
        for (uint32_t c = 0; c < nc; c++) {
            score[c] = 0;
            for (uint32_t a = 0; a < n; a++) {
                SqlTypeId want = cand[c]->args[a];
                if (ts[a] == SQL_UNKNOWN)
                    continue;
                score[c] += want == ts[a] ||
                            (pass == 1 && agg_preferred(want) && agg_category(want) == agg_category(ts[a]));
            }
            if (score[c] > best)
                best = score[c];
        }
        uint32_t k = 0;
        for (uint32_t c = 0; c < nc; c++)
            if (score[c] == best)
                cand[k++] = cand[c];
        nc = k;
    }
    if (nc == 1)
        return cand[0];
    /* unknown literals: the string category wins when offered, else one category for all; within it,
     * the preferred type when some candidate has it */
    int resolved = 0, any_unknown = 0;
    char slot_cat[2] = {0, 0};
    int slot_pref[2] = {0, 0};
    for (uint32_t a = 0; a < n; a++) {
        if (ts[a] != SQL_UNKNOWN)
            continue;
        any_unknown = 1;
        int conflict = 0;
        for (uint32_t c = 0; c < nc; c++) {
            char cat = agg_category(cand[c]->args[a]);
            int pref = agg_preferred(cand[c]->args[a]);
            if (!slot_cat[a])
                slot_cat[a] = cat, slot_pref[a] = pref;
            else if (cat == slot_cat[a])
                slot_pref[a] |= pref;
            else if (cat == 'S')
                slot_cat[a] = cat, slot_pref[a] = pref;
            else
                conflict = 1;
        }
        if (conflict && slot_cat[a] != 'S') {
            resolved = -1;
            break;
        }
        resolved = 1;
    }
    if (resolved == 1) {
        uint32_t k = 0;
        for (uint32_t c = 0; c < nc; c++) {
            int keep = 1;
            for (uint32_t a = 0; a < n && keep; a++) {
                if (ts[a] != SQL_UNKNOWN)
                    continue;
                SqlTypeId want = cand[c]->args[a];
                keep = agg_category(want) == slot_cat[a] && (!slot_pref[a] || agg_preferred(want));
            }
            if (keep)
                cand[k++] = cand[c];
        }
        if (k)
            nc = k;
        if (nc == 1)
            return cand[0];
    }
    /* last: when every known argument has one type, the unknown ones are taken to be of it too */
    if (any_unknown) {
        SqlTypeId known = SQL_UNKNOWN;
        int one = 1;
        for (uint32_t a = 0; a < n; a++) {
            if (ts[a] == SQL_UNKNOWN)
                continue;
            if (known == SQL_UNKNOWN)
                known = ts[a];
            else if (known != ts[a])
                one = 0;
        }
        if (one && known != SQL_UNKNOWN) {
            const AggSig *only = NULL;
            uint32_t hits = 0;
            for (uint32_t c = 0; c < nc; c++) {
                int ok = 1;
                for (uint32_t a = 0; a < n && ok; a++)
                    ok = agg_can_coerce(known, cand[c]->args[a]);
                if (ok)
                    only = cand[c], hits++;
            }
            if (hits == 1)
                return only;
        }
    }
    *ambiguous = 1;
    return NULL;
}

/* "name(integer, text)" as PostgreSQL's func_signature_string prints it (no typmods). */
static void agg_signature(const char *name, Expr **args, uint32_t n, char *out, size_t cap)
{
    size_t len = (size_t)snprintf(out, cap, "%s(", name);
    for (uint32_t i = 0; i < n && len < cap; i++) {
        char t[64];
        sql_type_format(SQL_TYPE(args[i]->type.id), t, sizeof(t));
        len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "", t);
    }
    if (len < cap)
        snprintf(out + len, cap - len, ")");
}

static int agg_no_such_function(BindCtx *ctx, const char *name, Expr **args, uint32_t n, int location)
{
    char sig[320];
    agg_signature(name, args, n, sig, sizeof(sig));
    BIND_ERR(ctx, "42883", location, "function %s does not exist", sig);
    snprintf(ctx->err->hint, sizeof(ctx->err->hint),
             "No function matches the given name and argument types. You might need to add explicit type casts.");
    return WEIR_ERROR;
}

/* Resolve kind over args (types only, nothing coerced): the signature, or NULL with 42883 / 42725. */
static const AggSig *agg_resolve(BindCtx *ctx, int kind, const char *name, Expr **args, uint32_t n, int location)
{
    SqlTypeId ts[2] = {SQL_UNKNOWN, SQL_UNKNOWN};
    for (uint32_t i = 0; i < n && i < 2; i++)
        ts[i] = args[i]->type.id;
    int ambiguous = 0;
    const AggSig *s = n <= 2 ? agg_select(kind, ts, n, &ambiguous) : NULL;
    if (s)
        return s;
    if (!ambiguous) {
        agg_no_such_function(ctx, name, args, n, location);
        return NULL;
    }
    char sig[320];
    agg_signature(name, args, n, sig, sizeof(sig));
    BIND_ERR(ctx, "42725", location, "function %s is not unique", sig);
    snprintf(ctx->err->hint, sizeof(ctx->err->hint),
             "Could not choose a best candidate function. You might need to add explicit type casts.");
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Binding a call
 * ---------------------------------------------------------------------------------------------- */

/* Bind a list of parse nodes as the arguments of an aggregate (aggregates inside are errors). */
static int agg_bind_list(BindCtx *ctx, PgQuery__Node **ns, size_t n, Expr **out)
{
    AggBind *ab = ctx->agg;
    int saved = ab ? ab->nested : 0;
    if (ab)
        ab->nested = 1;
    for (size_t i = 0; i < n; i++) {
        out[i] = bind_expr(ctx, ns[i]);
        if (!out[i]) {
            if (ab)
                ab->nested = saved;
            return WEIR_ERROR;
        }
    }
    if (ab)
        ab->nested = saved;
    return WEIR_OK;
}

/* Whether values of type t can be sorted (ORDER BY / WITHIN GROUP) or compared for DISTINCT: json has
 * neither operator in PostgreSQL (42883); arrays and jsonb have them there, but weir keeps them as text,
 * whose byte order is not theirs (0A000). */
static int agg_check_sortable(BindCtx *ctx, SqlType t, int for_distinct, int location)
{
    char tn[64];
    if (t.id == SQL_JSON) {
        if (for_distinct)
            return BIND_ERR(ctx, "42883", location, "could not identify an equality operator for type json");
        BIND_ERR(ctx, "42883", location, "could not identify an ordering operator for type json");
        snprintf(ctx->err->hint, sizeof(ctx->err->hint), "Use an explicit ordering operator or modify the query.");
        return WEIR_ERROR;
    }
    if (!for_distinct && (SQL_IS_ARRAY(t.id) || t.id == SQL_JSONB))
        return BIND_ERR(ctx, "0A000", location, "ordering values of type %s inside an aggregate is not supported",
                        bind_type_str(t, tn, sizeof(tn)));
    if (t.id == SQL_RECORD || t.id == SQL_VOID)
        return BIND_ERR(ctx, "42883", location, "could not identify an ordering operator for type %s",
                        bind_type_str(t, tn, sizeof(tn)));
    return WEIR_OK;
}

/* The error of a non-aggregate function called with aggregate syntax: PostgreSQL looks the function up
 * first (42883 when no function fits the arguments), then names the clause that needs an aggregate. */
static Expr *agg_not_aggregate(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    static const char *const hypothetical[] = {"rank", "dense_rank", "percent_rank", "cume_dist"};
    for (size_t i = 0; i < sizeof(hypothetical) / sizeof(hypothetical[0]); i++)
        if (strcasecmp(name, hypothetical[i]) == 0 && fc->agg_within_group) {
            BIND_ERR(ctx, "0A000", fc->location, "hypothetical-set aggregate %s is not supported", name);
            return NULL;
        }
    uint32_t n = (uint32_t)fc->n_args + (fc->agg_within_group ? (uint32_t)fc->n_agg_order : 0);
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    if (!args) {
        bind_oom(ctx);
        return NULL;
    }
    if (agg_bind_list(ctx, fc->args, fc->n_args, args))
        return NULL;
    for (uint32_t i = 0; fc->agg_within_group && i < fc->n_agg_order; i++) {
        PgQuery__Node *o = fc->agg_order[i];
        if (o->node_case != PG_QUERY__NODE__NODE_SORT_BY || !(args[fc->n_args + i] = bind_expr(ctx, o->sort_by->node)))
            return NULL;
    }
    char lname[128];
    bind_lower_copy(name, lname, sizeof(lname));
    const SqlFnDef *const *defs;
    if (sql_fn_lookup(lname, &defs) == 0) {
        agg_no_such_function(ctx, lname, args, n, fc->location);
        return NULL;
    }
    if (!bind_call(ctx, lname, 0, args, n, fc->location))
        return NULL; /* 42883 with PostgreSQL's text */
    if (fc->agg_star)
        BIND_ERR(ctx, "42809", fc->location, "%s(*) specified, but %s is not an aggregate function", lname, lname);
    else if (fc->agg_distinct)
        BIND_ERR(ctx, "42809", fc->location, "DISTINCT specified, but %s is not an aggregate function", lname);
    else if (fc->agg_within_group)
        BIND_ERR(ctx, "42809", fc->location, "WITHIN GROUP specified, but %s is not an aggregate function", lname);
    else if (fc->n_agg_order)
        BIND_ERR(ctx, "42809", fc->location, "ORDER BY specified, but %s is not an aggregate function", lname);
    else
        BIND_ERR(ctx, "42809", fc->location, "FILTER specified, but %s is not an aggregate function", lname);
    return NULL;
}

static int agg_push(BindCtx *ctx, const AggCall *call)
{
    AggBind *ab = ctx->agg;
    if (ab->n == ab->cap) {
        uint32_t nc = ab->cap ? ab->cap * 2 : 8;
        AggCall *na = ARENA_NEW(ctx->arena, AggCall, nc);
        if (!na)
            return bind_oom(ctx);
        if (ab->n)
            memcpy(na, ab->calls, ab->n * sizeof(*na));
        ab->calls = na;
        ab->cap = nc;
    }
    ab->calls[ab->n] = *call;
    return WEIR_OK;
}

/* Wrap *ep in to_json(x) / to_jsonb(x). */
static int agg_wrap_json(BindCtx *ctx, Expr **ep, int jsonb)
{
    Expr **a = ARENA_NEW(ctx->arena, Expr *, 1);
    if (!a)
        return bind_oom(ctx);
    a[0] = *ep;
    Expr *w = bind_call(ctx, jsonb ? "to_jsonb" : "to_json", 0, a, 1, (*ep)->location);
    if (!w)
        return WEIR_ERROR;
    *ep = w;
    return WEIR_OK;
}

Expr *bind_agg_call(BindCtx *ctx, PgQuery__FuncCall *fc, const char *name)
{
    AggBind *ab = ctx->agg;
    if (ab->nested) {
        if (ab->nested == 2)
            BIND_ERR(ctx, "42803", fc->location, "aggregate functions are not allowed in FILTER");
        else
            BIND_ERR(ctx, "42803", fc->location, "aggregate function calls cannot be nested");
        return NULL;
    }
    int kind = agg_kind_of(name);
    if (kind < 0)
        return agg_not_aggregate(ctx, fc, name);
    char lname[64];
    bind_lower_copy(name, lname, sizeof(lname));
    AggCall call;
    memset(&call, 0, sizeof(call));
    if (fc->agg_star) {
        if (kind != AK_COUNT) {
            agg_no_such_function(ctx, lname, NULL, 0, fc->location);
            return NULL;
        }
        if (fc->agg_within_group) {
            BIND_ERR(ctx, "42809", fc->location, "count is not an ordered-set aggregate, so it cannot have WITHIN GROUP");
            return NULL;
        }
        call.fn = AGG_COUNT_STAR;
        call.type = SQL_TYPE(SQL_INT8);
    } else if (kind == AK_COUNT && fc->n_args == 1 && fc->args[0]->node_case == PG_QUERY__NODE__NODE_ROW_EXPR &&
               !fc->agg_within_group) {
        /* count((a, b)): a row value is never NULL, so every row counts; with DISTINCT, each distinct
         * (a, b) once, NULL fields comparing equal as in PostgreSQL's record comparison */
        PgQuery__RowExpr *re = fc->args[0]->row_expr;
        call.fn = AGG_COUNT_STAR;
        call.type = SQL_TYPE(SQL_INT8);
        if (fc->agg_distinct) {
            Expr **fields = ARENA_NEW(ctx->arena, Expr *, re->n_args + 1);
            if (!fields) {
                bind_oom(ctx);
                return NULL;
            }
            if (agg_bind_list(ctx, re->args, re->n_args, fields))
                return NULL;
            for (size_t i = 0; i < re->n_args; i++) {
                if (fields[i]->type.id == SQL_UNKNOWN &&
                    bind_coerce(ctx, &fields[i], SQL_TYPE(SQL_TEXT), 0, fields[i]->location))
                    return NULL;
                if (agg_check_sortable(ctx, fields[i]->type, 1, fields[i]->location))
                    return NULL;
            }
            call.args = fields;
            call.n_args = (uint32_t)re->n_args;
            call.arg = re->n_args ? fields[0] : NULL;
            call.distinct = 1;
        }
    } else {
        /* the arguments as PostgreSQL looks the aggregate up: direct ones, then (WITHIN GROUP) ordered ones */
        uint32_t n_direct = (uint32_t)fc->n_args, n_ord = (uint32_t)fc->n_agg_order;
        uint32_t n_all = n_direct + (fc->agg_within_group ? n_ord : 0);
        Expr **args = ARENA_NEW(ctx->arena, Expr *, n_all + 1);
        Expr **order = ARENA_NEW(ctx->arena, Expr *, n_ord + 1);
        uint8_t *desc = arena_try_calloc(ctx->arena, n_ord + 1);
        uint8_t *nfirst = arena_try_calloc(ctx->arena, n_ord + 1);
        if (!args || !order || !desc || !nfirst) {
            bind_oom(ctx);
            return NULL;
        }
        if (agg_bind_list(ctx, fc->args, n_direct, args))
            return NULL;
        for (uint32_t k = 0; k < n_ord; k++) {
            PgQuery__Node *o = fc->agg_order[k];
            if (o->node_case != PG_QUERY__NODE__NODE_SORT_BY) {
                BIND_ERR(ctx, "42601", fc->location, "syntax error in aggregate ORDER BY");
                return NULL;
            }
            PgQuery__SortBy *sb = o->sort_by;
            if (sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_USING) {
                BIND_ERR(ctx, "0A000", sb->location, "ORDER BY ... USING is not supported");
                return NULL;
            }
            if (agg_bind_list(ctx, &sb->node, 1, &order[k]))
                return NULL;
            desc[k] = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
            nfirst[k] = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                        (sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST && desc[k]);
            if (fc->agg_within_group)
                args[n_direct + k] = order[k];
        }
        const AggSig *sig = agg_resolve(ctx, kind, lname, args, n_all, fc->location);
        if (!sig)
            return NULL;
        if (fc->agg_within_group && !agg_is_ordered_set(kind)) {
            BIND_ERR(ctx, "42809", fc->location, "%s is not an ordered-set aggregate, so it cannot have WITHIN GROUP",
                     lname);
            return NULL;
        }
        if (!fc->agg_within_group && agg_is_ordered_set(kind)) {
            BIND_ERR(ctx, "42809", fc->location, "WITHIN GROUP is required for ordered-set aggregate %s", lname);
            return NULL;
        }
        /* polymorphic arguments need a known type */
        SqlTypeId elem = SQL_UNKNOWN;
        for (uint32_t i = 0; i < n_all; i++) {
            if (sig->args[i] != SQL_FN_ANYELEMENT)
                continue;
            if (args[i]->type.id == SQL_UNKNOWN) {
                if (kind == AK_ARRAY_AGG) {
                    /* PostgreSQL has array_agg(anynonarray) and array_agg(anyarray): neither wins */
                    char sig2[320];
                    agg_signature(lname, args, n_all, sig2, sizeof(sig2));
                    BIND_ERR(ctx, "42725", fc->location, "function %s is not unique", sig2);
                    snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                             "Could not choose a best candidate function. You might need to add explicit type casts.");
                    return NULL;
                }
                BIND_ERR(ctx, "42804", -1, "could not determine polymorphic type because input has type unknown");
                return NULL;
            }
            elem = args[i]->type.id;
        }
        /* keep the arguments as written: a DISTINCT aggregate's ORDER BY items are compared with them
         * before the implicit casts (PostgreSQL's strip_implicit_coercions in findTargetlistEntrySQL99) */
        Expr **written = ARENA_NEW(ctx->arena, Expr *, n_all + 1);
        if (!written) {
            bind_oom(ctx);
            return NULL;
        }
        memcpy(written, args, n_all * sizeof(*args));
        for (uint32_t i = 0; i < n_all; i++) {
            SqlTypeId want = sig->args[i];
            if (want == SQL_FN_ANYELEMENT)
                continue;
            if (want == SQL_FN_ANY) {
                if (args[i]->type.id == SQL_UNKNOWN &&
                    bind_coerce(ctx, &args[i], SQL_TYPE(SQL_TEXT), 0, args[i]->location))
                    return NULL;
                continue;
            }
            if (bind_coerce(ctx, &args[i], SQL_TYPE(want), 0, args[i]->location))
                return NULL;
        }
        if (fc->agg_within_group)
            for (uint32_t k = 0; k < n_ord; k++)
                order[k] = args[n_direct + k];
        SqlTypeId ret = sig->ret;
        if (ret == SIG_SAME)
            ret = args[fc->agg_within_group ? n_direct : 0]->type.id;
        else if (ret == SQL_FN_ANYELEMENT)
            ret = elem;
        else if (ret == SIG_ANYARRAY) {
            if (SQL_IS_ARRAY(elem)) {
                BIND_ERR(ctx, "0A000", fc->location, "%s over array values is not supported", lname);
                return NULL;
            }
            ret = SQL_ARRAY_OF(elem);
        }
        if ((kind == AK_MIN || kind == AK_MAX) && SQL_IS_ARRAY(args[0]->type.id)) {
            BIND_ERR(ctx, "0A000", fc->location, "%s over array values is not supported", lname);
            return NULL;
        }
        call.fn = sig->fn;
        call.type = SQL_TYPE(ret);
        if (agg_is_ordered_set(kind)) {
            /* the direct argument (the fraction; mode has none) and the one ordered value */
            call.direct = n_direct ? args[0] : NULL;
            call.args = args + n_direct;
            call.n_args = 1;
        } else {
            call.args = args;
            call.n_args = n_all;
        }
        call.order = order;
        call.order_desc = desc;
        call.order_nulls_first = nfirst;
        call.n_order = n_ord;
        call.distinct = fc->agg_distinct ? 1 : 0;
        for (uint32_t k = 0; k < n_ord; k++) {
            if (order[k]->type.id == SQL_UNKNOWN &&
                bind_coerce(ctx, &order[k], SQL_TYPE(SQL_TEXT), 0, order[k]->location))
                return NULL;
            if (agg_check_sortable(ctx, order[k]->type, 0, order[k]->location))
                return NULL;
        }
        if (call.distinct) {
            for (uint32_t i = 0; i < call.n_args; i++)
                if (agg_check_sortable(ctx, call.args[i]->type, 1, written[i]->location))
                    return NULL;
            /* ORDER BY items must be arguments (as written, before implicit casts) */
            for (uint32_t k = 0; k < n_ord; k++) {
                int found = 0;
                for (uint32_t i = 0; i < call.n_args && !found; i++) {
                    if (bind_expr_equal(order[k], written[i])) {
                        order[k] = call.args[i]; /* sort by the argument as the aggregate sees it */
                        found = 1;
                    }
                }
                if (!found) {
                    BIND_ERR(ctx, "42P10", order[k]->location,
                             "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list");
                    return NULL;
                }
            }
        }
        /* JSON aggregates join values already converted by to_json / to_jsonb */
        if (kind == AK_JSON_AGG || kind == AK_JSONB_AGG) {
            if (agg_wrap_json(ctx, &call.args[0], kind == AK_JSONB_AGG))
                return NULL;
        } else if (kind == AK_JSON_OBJECT_AGG || kind == AK_JSONB_OBJECT_AGG) {
            if (agg_wrap_json(ctx, &call.args[0], kind == AK_JSONB_OBJECT_AGG) ||
                agg_wrap_json(ctx, &call.args[1], kind == AK_JSONB_OBJECT_AGG))
                return NULL;
        }
        call.arg = call.args[0];
    }
    if (fc->agg_filter) {
        int saved = ab->nested;
        ab->nested = 2;
        Expr *f = bind_expr(ctx, fc->agg_filter);
        ab->nested = saved;
        if (!f)
            return NULL;
        if (f->type.id != SQL_BOOL && f->type.id != SQL_UNKNOWN) {
            char tn[64];
            BIND_ERR(ctx, "42804", f->location, "argument of FILTER must be type boolean, not type %s",
                     bind_type_str(f->type, tn, sizeof(tn)));
            return NULL;
        }
        if (bind_coerce(ctx, &f, SQL_TYPE(SQL_BOOL), 0, f->location))
            return NULL;
        call.filter = f;
    }
    if (agg_push(ctx, &call))
        return NULL;
    Expr *e = bind_expr_new(ctx, EXPR_AGGREF, call.type, fc->location, call.direct ? 1 : 0);
    if (!e) {
        bind_oom(ctx);
        return NULL;
    }
    /* the direct argument rides along so bind_agg_rewrite can check it uses only grouped columns */
    if (call.direct)
        e->args[0] = call.direct;
    e->u.col = ab->n++;
    return e;
}

/* ------------------------------------------------------------------------------------------------
 * After GROUP BY: expressions over the aggregation's output
 * ---------------------------------------------------------------------------------------------- */

int bind_value_equal(const SqlValue *a, const SqlValue *b)
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
int bind_expr_equal(const Expr *a, const Expr *b)
{
    if (a->kind != b->kind || a->type.id != b->type.id || a->n_args != b->n_args)
        return 0;
    switch (a->kind) {
    case EXPR_CONST: if (!bind_value_equal(&a->u.cval, &b->u.cval)) return 0; break;
    case EXPR_PARAM: if (a->u.param != b->u.param) return 0; break;
    case EXPR_COL:
    case EXPR_AGGREF:
    case EXPR_WINREF: /* window call number u.col: two calls over the same arguments still differ */
        if (a->u.col != b->u.col)
            return 0;
        break;
    case EXPR_OUTER:
        if (a->u.outer.level != b->u.outer.level || a->u.outer.col != b->u.outer.col)
            return 0;
        break;
    case EXPR_FUNC: if (a->u.fn.def != b->u.fn.def) return 0; break;
    case EXPR_IN: if (a->u.cmp.negated != b->u.cmp.negated) return 0; break;
    case EXPR_IS_TRUE: if (a->u.test.want != b->u.test.want || a->u.test.negated != b->u.test.negated) return 0; break;
    case EXPR_CASE: if (a->u.has_else != b->u.has_else) return 0; break;
    case EXPR_ANY_ARRAY:
        if (a->u.cmp.negated != b->u.cmp.negated || !bind_expr_equal(a->u.cmp.pair, b->u.cmp.pair))
            return 0;
        break;
    case EXPR_SUBLINK:
        /* plans are not compared: the same subquery is the same text, bound again (GROUP BY 1) */
        if (a->u.sub.kind != b->u.sub.kind || a->location != b->location)
            return 0;
        break;
    default: break;
    }
    for (uint32_t i = 0; i < a->n_args; i++)
        if (!bind_expr_equal(a->args[i], b->args[i]))
            return 0;
    return 1;
}

static int agg_ungrouped_column(BindCtx *ctx, const Expr *e, const char *detail)
{
    const ScopeCol *sc = ctx->scope && e->u.col < ctx->scope->n ? &ctx->scope->cols[e->u.col] : NULL;
    BIND_ERR(ctx, "42803", e->location,
             "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function",
             sc ? sc->rel : "?", sc ? sc->name : "?");
    if (detail)
        snprintf(ctx->err->detail, sizeof(ctx->err->detail), "%s", detail);
    return WEIR_ERROR;
}

/* An ordered-set aggregate's direct argument may use only grouped columns (it is evaluated once per
 * group). Checks without rewriting: the operator evaluates it over the input rows. */
static int agg_check_direct(BindCtx *ctx, const Expr *e, Expr **keys, uint32_t n_keys)
{
    for (uint32_t k = 0; k < n_keys; k++)
        if (bind_expr_equal(e, keys[k]))
            return WEIR_OK;
    if (e->kind == EXPR_COL)
        return agg_ungrouped_column(ctx, e, "Direct arguments of an ordered-set aggregate must use only grouped columns.");
    for (uint32_t i = 0; i < e->n_args; i++)
        if (agg_check_direct(ctx, e->args[i], keys, n_keys))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* Rewrite an expression bound over the aggregation's input into one over its output (keys, then
 * aggregates). A column of the input that is not inside a key or an aggregate is an error. */
int bind_agg_rewrite(BindCtx *ctx, Expr **ep, Expr **keys, uint32_t n_keys)
{
    Expr *e = *ep;
    for (uint32_t k = 0; k < n_keys; k++) {
        if (bind_expr_equal(e, keys[k])) {
            Expr *c = bind_expr_new(ctx, EXPR_COL, keys[k]->type, e->location, 0);
            if (!c)
                return bind_oom(ctx);
            c->u.col = k;
            *ep = c;
            return WEIR_OK;
        }
    }
    if (e->kind == EXPR_AGGREF) {
        if (e->n_args && agg_check_direct(ctx, e->args[0], keys, n_keys))
            return WEIR_ERROR;
        e->kind = EXPR_COL;
        e->n_args = 0;
        e->u.col += n_keys;
        return WEIR_OK;
    }
    if (e->kind == EXPR_COL)
        return agg_ungrouped_column(ctx, e, NULL);
    for (uint32_t i = 0; i < e->n_args; i++)
        if (bind_agg_rewrite(ctx, &e->args[i], keys, n_keys))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Finding aggregate calls in a parse tree
 * ---------------------------------------------------------------------------------------------- */

/* A call with aggregate syntax (count(*), DISTINCT, ORDER BY, FILTER, WITHIN GROUP) is treated as an
 * aggregate even when the name is not one: bind_agg_call then reports PostgreSQL's error for it. */
static int agg_syntax(const PgQuery__FuncCall *fc)
{
    return fc->agg_star || fc->agg_distinct || fc->n_agg_order || fc->agg_filter || fc->agg_within_group;
}

int bind_is_agg(const PgQuery__FuncCall *fc, const char *name)
{
    return agg_syntax(fc) || agg_kind_of(name) >= 0;
}

/* Whether a parse tree calls an aggregate (outside of subqueries). */
int bind_nodes_have_agg(PgQuery__Node **ns, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bind_node_has_agg(ns[i]))
            return 1;
    return 0;
}

/* A window definition (OVER (...) or WINDOW w AS (...)): its PARTITION BY, ORDER BY and frame offsets
 * belong to the query level, so an aggregate there makes the query an aggregating one, as in PostgreSQL
 * (SELECT rank() OVER (ORDER BY sum(x)) FROM t is one row). */
static int agg_window_def_has_agg(const PgQuery__WindowDef *w)
{
    return w && (bind_nodes_have_agg(w->partition_clause, w->n_partition_clause) ||
                 bind_nodes_have_agg(w->order_clause, w->n_order_clause) || bind_node_has_agg(w->start_offset) ||
                 bind_node_has_agg(w->end_offset));
}

int bind_node_has_agg(PgQuery__Node *n)
{
    if (!n)
        return 0;
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_FUNC_CALL: {
        PgQuery__FuncCall *fc = n->func_call;
        const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
        if (!fc->over && (agg_syntax(fc) || (name && agg_kind_of(name) >= 0)))
            return 1;
        return bind_nodes_have_agg(fc->args, fc->n_args) || bind_node_has_agg(fc->agg_filter) ||
               agg_window_def_has_agg(fc->over);
    }
    case PG_QUERY__NODE__NODE_WINDOW_DEF: return agg_window_def_has_agg(n->window_def);
    case PG_QUERY__NODE__NODE_SORT_BY: return bind_node_has_agg(n->sort_by->node);
    case PG_QUERY__NODE__NODE_RES_TARGET: return bind_node_has_agg(n->res_target->val);
    case PG_QUERY__NODE__NODE_A_EXPR: return bind_node_has_agg(n->a_expr->lexpr) || bind_node_has_agg(n->a_expr->rexpr);
    case PG_QUERY__NODE__NODE_BOOL_EXPR: return bind_nodes_have_agg(n->bool_expr->args, n->bool_expr->n_args);
    case PG_QUERY__NODE__NODE_TYPE_CAST: return bind_node_has_agg(n->type_cast->arg);
    case PG_QUERY__NODE__NODE_NULL_TEST: return bind_node_has_agg(n->null_test->arg);
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: return bind_node_has_agg(n->boolean_test->arg);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR: return bind_nodes_have_agg(n->coalesce_expr->args, n->coalesce_expr->n_args);
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR: return bind_nodes_have_agg(n->min_max_expr->args, n->min_max_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_EXPR:
        return bind_node_has_agg(n->case_expr->arg) || bind_node_has_agg(n->case_expr->defresult) ||
               bind_nodes_have_agg(n->case_expr->args, n->case_expr->n_args);
    case PG_QUERY__NODE__NODE_CASE_WHEN: return bind_node_has_agg(n->case_when->expr) || bind_node_has_agg(n->case_when->result);
    case PG_QUERY__NODE__NODE_LIST: return bind_nodes_have_agg(n->list->items, n->list->n_items);
    case PG_QUERY__NODE__NODE_A_INDIRECTION: return bind_node_has_agg(n->a_indirection->arg);
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE: return bind_node_has_agg(n->collate_clause->arg);
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: return bind_nodes_have_agg(n->a_array_expr->elements, n->a_array_expr->n_elements);
    case PG_QUERY__NODE__NODE_ROW_EXPR: return bind_nodes_have_agg(n->row_expr->args, n->row_expr->n_args);
    case PG_QUERY__NODE__NODE_SUB_LINK: return bind_node_has_agg(n->sub_link->testexpr); /* not the subquery */
    default: return 0;
    }
}
