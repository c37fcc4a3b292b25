/*
 * fn_catalog.c: the catalog functions clients call while describing tables, beyond fn_sys.c's session
 * helpers, and the function-library facts pg_proc is made of (fn_catalog.h):
 *
 *   to_regclass, to_regtype, to_regproc, to_regnamespace, to_regrole   names through the session's
 *       catalog resolver (SqlFormatOpts.reg, exec/syscat.c); NULL where nothing has the name
 *   obj_description, col_description   comments the catalog keeps (Trino description files)
 *   pg_get_expr       weir stores no expression trees (pg_node_tree columns are NULL), so this only
 *                     ever sees NULL: it is strict, and returns its argument
 *   pg_get_indexdef, pg_get_constraintdef, pg_get_statisticsobjdef_columns   weir has no indexes,
 *                     constraints or statistics objects: NULL, as PostgreSQL for an oid that has none
 *   pg_get_function_arguments / _identity_arguments / _result   from the library's signatures
 *   pg_relation_is_publishable (false: there is no logical replication), pg_my_temp_schema (0: no
 *                     temporary schemas), pg_is_other_temp_schema (false)
 *   array_to_string, array_upper, array_lower, array_length, cardinality   over one-dimensional arrays
 *                     in their text form (weir's array representation, sql/types.h)
 *   pg_size_pretty    PostgreSQL's rounding rules
 *   current_setting   the session's settings, through the same resolver
 *
 * Array functions are declared with a SQL_FN_ANY argument (the binder has no anyarray resolution) and
 * refuse a non-array argument at run time with the 42883 PostgreSQL gives at parse time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/fn_catalog.h"
#include "sql/fn_int.h"

/* ---------------------------------------------------------------------------------------------- */
/* library facts (fn_catalog.h)                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/* PostgreSQL 15's type input/output/receive/send/typmod/subscript/analyze functions of the types weir
 * has (pg_type.typinput and friends point at them), sorted by oid. */
static const struct {
    uint32_t oid;
    const char *name;
} io_procs[] = {
    /* clang-format off */
    {31, "byteaout"}, {33, "charout"}, {34, "namein"}, {35, "nameout"}, {38, "int2in"}, {39, "int2out"},
    {40, "int2vectorin"}, {41, "int2vectorout"}, {42, "int4in"}, {43, "int4out"}, {44, "regprocin"},
    {45, "regprocout"}, {46, "textin"}, {47, "textout"}, {54, "oidvectorin"}, {55, "oidvectorout"},
    {109, "unknownin"}, {110, "unknownout"}, {200, "float4in"}, {201, "float4out"}, {214, "float8in"},
    {215, "float8out"}, {321, "json_in"}, {322, "json_out"}, {323, "json_recv"}, {324, "json_send"},
    {460, "int8in"}, {461, "int8out"}, {750, "array_in"}, {751, "array_out"}, {1044, "bpcharin"},
    {1045, "bpcharout"}, {1046, "varcharin"}, {1047, "varcharout"}, {1084, "date_in"}, {1085, "date_out"},
    {1143, "time_in"}, {1144, "time_out"}, {1150, "timestamptz_in"}, {1151, "timestamptz_out"},
    {1160, "interval_in"}, {1161, "interval_out"}, {1242, "boolin"}, {1243, "boolout"}, {1244, "byteain"},
    {1245, "charin"}, {1312, "timestamp_in"}, {1313, "timestamp_out"}, {1701, "numeric_in"},
    {1702, "numeric_out"}, {1798, "oidin"}, {1799, "oidout"}, {2218, "regclassin"}, {2219, "regclassout"},
    {2220, "regtypein"}, {2221, "regtypeout"}, {2290, "record_in"}, {2291, "record_out"},
    {2294, "any_in"}, {2295, "any_out"}, {2296, "anyarray_in"}, {2297, "anyarray_out"}, {2298, "void_in"},
    {2299, "void_out"}, {2312, "anyelement_in"}, {2313, "anyelement_out"}, {2400, "array_recv"},
    {2401, "array_send"}, {2402, "record_recv"}, {2403, "record_send"}, {2404, "int2recv"},
    {2405, "int2send"}, {2406, "int4recv"}, {2407, "int4send"}, {2408, "int8recv"}, {2409, "int8send"},
    {2410, "int2vectorrecv"}, {2411, "int2vectorsend"}, {2412, "bytearecv"}, {2413, "byteasend"},
    {2414, "textrecv"}, {2415, "textsend"}, {2416, "unknownrecv"}, {2417, "unknownsend"},
    {2418, "oidrecv"}, {2419, "oidsend"}, {2420, "oidvectorrecv"}, {2421, "oidvectorsend"},
    {2422, "namerecv"}, {2423, "namesend"}, {2424, "float4recv"}, {2425, "float4send"},
    {2426, "float8recv"}, {2427, "float8send"}, {2430, "bpcharrecv"}, {2431, "bpcharsend"},
    {2432, "varcharrecv"}, {2433, "varcharsend"}, {2434, "charrecv"}, {2435, "charsend"},
    {2436, "boolrecv"}, {2437, "boolsend"}, {2444, "regprocrecv"}, {2445, "regprocsend"},
    {2452, "regclassrecv"}, {2453, "regclasssend"}, {2454, "regtyperecv"}, {2455, "regtypesend"},
    {2460, "numeric_recv"}, {2461, "numeric_send"}, {2468, "date_recv"}, {2469, "date_send"},
    {2470, "time_recv"}, {2471, "time_send"}, {2474, "timestamp_recv"}, {2475, "timestamp_send"},
    {2476, "timestamptz_recv"}, {2477, "timestamptz_send"}, {2478, "interval_recv"},
    {2479, "interval_send"}, {2502, "anyarray_recv"}, {2503, "anyarray_send"}, {2903, "intervaltypmodin"},
    {2904, "intervaltypmodout"}, {2905, "timestamptypmodin"}, {2906, "timestamptypmodout"},
    {2907, "timestamptztypmodin"}, {2908, "timestamptztypmodout"}, {2909, "timetypmodin"},
    {2910, "timetypmodout"}, {2913, "bpchartypmodin"}, {2914, "bpchartypmodout"}, {2915, "varchartypmodin"},
    {2916, "varchartypmodout"}, {2917, "numerictypmodin"}, {2918, "numerictypmodout"}, {3120, "void_recv"},
    {3121, "void_send"}, {3803, "jsonb_send"}, {3804, "jsonb_out"}, {3805, "jsonb_recv"},
    {3806, "jsonb_in"}, {3816, "array_typanalyze"}, {4084, "regnamespacein"}, {4085, "regnamespaceout"},
    {4087, "regnamespacerecv"}, {4088, "regnamespacesend"}, {4092, "regroleout"}, {4094, "regrolerecv"},
    {4095, "regrolesend"}, {4098, "regrolein"}, {6098, "jsonb_subscript_handler"},
    {6179, "array_subscript_handler"}, {6180, "raw_array_subscript_handler"},
    /* clang-format on */
};
#define N_IO_PROCS (sizeof(io_procs) / sizeof(io_procs[0]))

const char *sql_pseudo_type_name(uint32_t oid)
{
    switch (oid) {
    case SQL_PSEUDO_ANY_OID:
        return "\"any\"";
    case SQL_PSEUDO_ANYELEMENT_OID:
        return "anyelement";
    case SQL_PSEUDO_ANYARRAY_OID:
        return "anyarray";
    default:
        return NULL;
    }
}

int sql_fn_is_proc(const SqlFnDef *d)
{
    char c = d->name[0];
    return d->oid != 0 && ((c >= 'a' && c <= 'z') || c == '_');
}

/* pg_type oid of a declared type of the library (element or array, or a pseudo-type). */
static uint32_t decl_oid(SqlTypeId t, SqlTypeId arg0)
{
    /* (if, not switch: the pseudo-types are not members of SqlTypeId) */
    if (t == SQL_FN_ANY)
        return SQL_PSEUDO_ANY_OID;
    if (t == SQL_FN_ANYELEMENT)
        return SQL_PSEUDO_ANYELEMENT_OID;
    if (t == SQL_FN_ANYARRAY)
        return SQL_PSEUDO_ANYARRAY_OID;
    if (t == SQL_FN_RET_ARG0)
        return arg0 == SQL_FN_ANY || arg0 == SQL_FN_ANYELEMENT ? SQL_PSEUDO_ANYELEMENT_OID
                                                               : decl_oid(arg0, arg0);
    return sql_type_oid(t);
}

uint32_t sql_fn_arg_oid(const SqlFnDef *d, uint32_t i)
{
    SqlTypeId t = d->args[i];
    if (d->is_variadic && i + 1 == d->n_args && t < SQL_N_TYPES && !SQL_IS_ARRAY(t))
        return sql_type_oid(SQL_ARRAY_OF(t)); /* VARIADIC text[]: declared as the array */
    return decl_oid(t, d->args[0]);
}

uint32_t sql_fn_ret_oid(const SqlFnDef *d)
{
    return decl_oid(d->ret, d->n_args ? d->args[0] : SQL_UNKNOWN);
}

uint32_t sql_fn_variadic_oid(const SqlFnDef *d)
{
    if (!d->is_variadic || d->n_args == 0)
        return 0;
    return decl_oid(d->args[d->n_args - 1], d->args[0]);
}

const SqlFnDef *sql_fn_by_oid(uint32_t oid)
{
    const SqlFnDef *const *defs;
    size_t n = sql_fn_all(&defs);
    for (size_t i = 0; i < n; i++)
        if (defs[i]->oid == oid && sql_fn_is_proc(defs[i]))
            return defs[i];
    return NULL;
}

const char *sql_proc_name(uint32_t oid)
{
    const SqlFnDef *d = sql_fn_by_oid(oid);
    if (d)
        return d->name;
    size_t lo = 0, hi = N_IO_PROCS;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (io_procs[mid].oid == oid)
            return io_procs[mid].name;
        if (io_procs[mid].oid < oid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int sql_proc_find(const char *name, uint32_t *oid)
{
    int found = 0;
    const SqlFnDef *const *defs;
    size_t n = sql_fn_lookup(name, &defs);
    for (size_t i = 0; i < n; i++) {
        if (!sql_fn_is_proc(defs[i]) || (found && *oid == defs[i]->oid))
            continue;
        if (found)
            return 2;
        *oid = defs[i]->oid;
        found = 1;
    }
    for (size_t i = 0; i < N_IO_PROCS; i++) {
        if (strcmp(io_procs[i].name, name) != 0)
            continue;
        if (found)
            return 2;
        *oid = io_procs[i].oid;
        found = 1;
    }
    return found;
}

void sql_format_type_oid(uint32_t oid, int32_t typmod, char *out, size_t cap)
{
    const char *pseudo = sql_pseudo_type_name(oid);
    SqlTypeId id;
    if (pseudo)
        snprintf(out, cap, "%s", pseudo);
    else if (sql_type_from_oid(oid, &id) == 0)
        sql_type_format((SqlType){id, typmod}, out, cap);
    else
        snprintf(out, cap, "???");
}

/* PostgreSQL 15's names and defaults (pg_get_function_arguments), grouped by name; for overloads that
 * differ in arity, the one with fewer parameters first (named notation takes the first that fits). */
static const SqlFnParams fn_params[] = {
    {"json_array_element", 2, 0, {"from_json", "element_index"}, {NULL}},
    {"json_array_element_text", 2, 0, {"from_json", "element_index"}, {NULL}},
    {"json_extract_path", 2, 1, {"from_json", "path_elems"}, {NULL}},
    {"json_extract_path_text", 2, 1, {"from_json", "path_elems"}, {NULL}},
    {"json_object_field", 2, 0, {"from_json", "field_name"}, {NULL}},
    {"json_object_field_text", 2, 0, {"from_json", "field_name"}, {NULL}},
    {"jsonb_array_element", 2, 0, {"from_json", "element_index"}, {NULL}},
    {"jsonb_array_element_text", 2, 0, {"from_json", "element_index"}, {NULL}},
    {"jsonb_extract_path", 2, 1, {"from_json", "path_elems"}, {NULL}},
    {"jsonb_extract_path_text", 2, 1, {"from_json", "path_elems"}, {NULL}},
    {"jsonb_object_field", 2, 0, {"from_json", "field_name"}, {NULL}},
    {"jsonb_object_field_text", 2, 0, {"from_json", "field_name"}, {NULL}},
    {"make_date", 3, 0, {"year", "month", "day"}, {NULL}},
    {"make_interval", 7, 0, {"years", "months", "weeks", "days", "hours", "mins", "secs"},
     {"0", "0", "0", "0", "0", "0", "0.0"}},
    {"make_time", 3, 0, {"hour", "min", "sec"}, {NULL}},
    {"make_timestamp", 6, 0, {"year", "month", "mday", "hour", "min", "sec"}, {NULL}},
    {"make_timestamptz", 6, 0, {"year", "month", "mday", "hour", "min", "sec"}, {NULL}},
    {"make_timestamptz", 7, 0, {"year", "month", "mday", "hour", "min", "sec", "timezone"}, {NULL}},
};
#define N_FN_PARAMS (sizeof(fn_params) / sizeof(fn_params[0]))

size_t sql_fn_params_lookup(const char *name, const SqlFnParams **first)
{
    size_t i = 0, n = 0;
    while (i < N_FN_PARAMS && strcmp(fn_params[i].fn, name) != 0)
        i++;
    while (i + n < N_FN_PARAMS && strcmp(fn_params[i + n].fn, name) == 0)
        n++;
    *first = n ? &fn_params[i] : NULL;
    return n;
}

/* The names of d's parameters, or NULL. */
static const SqlFnParams *fn_params_of(const SqlFnDef *d)
{
    const SqlFnParams *p;
    size_t n = sql_fn_params_lookup(d->name, &p);
    for (size_t i = 0; i < n; i++)
        if (p[i].n == d->n_args)
            return &p[i];
    return NULL;
}

static void format_args(const SqlFnDef *d, int with_defaults, char *out, size_t cap)
{
    const SqlFnParams *names = fn_params_of(d);
    size_t len = 0;
    out[0] = '\0';
    for (uint32_t i = 0; i < d->n_args && len < cap; i++) {
        char t[80];
        sql_format_type_oid(sql_fn_arg_oid(d, i), -1, t, sizeof(t));
        int variadic = d->is_variadic && i + 1 == d->n_args;
        const char *dflt = names && with_defaults ? names->defaults[i] : NULL;
        int w = snprintf(out + len, cap - len, "%s%s%s%s%s%s%s", i ? ", " : "", variadic ? "VARIADIC " : "",
                         names ? names->names[i] : "", names ? " " : "", t, dflt ? " DEFAULT " : "",
                         dflt ? dflt : "");
        len += w > 0 ? (size_t)w : 0;
    }
}

void sql_fn_format_args(const SqlFnDef *d, char *out, size_t cap)
{
    format_args(d, 1, out, cap);
}

void sql_fn_format_identity_args(const SqlFnDef *d, char *out, size_t cap)
{
    format_args(d, 0, out, cap);
}

void sql_fn_format_result(const SqlFnDef *d, char *out, size_t cap)
{
    sql_format_type_oid(sql_fn_ret_oid(d), -1, out, cap);
}

/* ---------------------------------------------------------------------------------------------- */
/* kernels                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static int put_cstr(FnStr *w, Vec *out, uint32_t row, const char *s)
{
    return fn_str_copy(w, s, strlen(s), &out->u.s[row]);
}

/* to_regclass(text) and friends: the name through the session's resolver; not found is NULL. The
 * output vector's type says which reg type (the table declares one definition per type). */
SQL_FN_KERNEL(fn_to_reg)
{
    UNUSED(n_args);
    const SqlRegNames *reg = ctx->fmt ? ctx->fmt->reg : NULL;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice s = args[0].u.s[i];
        uint32_t oid = 0;
        size_t digits = 0;
        while (digits < s.n && s.p[digits] >= '0' && s.p[digits] <= '9')
            digits++;
        SqlError ignore;
        memset(&ignore, 0, sizeof(ignore));
        /* PostgreSQL's to_reg* take names only: a number is not looked up as an oid */
        if (digits == s.n || !reg ||
            reg->lookup(ctx->fmt->reg_arg, out->type.id, (const char *)s.p, s.n, &oid, &ignore) != WEIR_OK) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        out->u.i[i] = oid;
    }
    return WEIR_OK;
}

/* obj_description(oid [, catalog name]) and col_description(table oid, column number). */
static int describe(SqlFnCtx *ctx, Vec *out, uint32_t row, uint32_t objoid, uint32_t classoid, int32_t subid,
                    FnStr *w)
{
    const SqlRegNames *reg = ctx->fmt ? ctx->fmt->reg : NULL;
    char buf[1024];
    int len = reg && reg->describe
                  ? reg->describe(ctx->fmt->reg_arg, objoid, classoid, subid, buf, sizeof(buf))
                  : -1;
    if (len < 0)
        return fn_set_null(ctx, out, row);
    return fn_str_copy(w, buf, (size_t)len, &out->u.s[row]);
}

/* pg_class oids of the catalogs obj_description's second argument names (weir keeps comments on
 * relations only, so the others never have one). */
static uint32_t catalog_oid(Slice name)
{
    if (slice_eq_cstr(name, "pg_class"))
        return 1259;
    if (slice_eq_cstr(name, "pg_namespace"))
        return 2615;
    if (slice_eq_cstr(name, "pg_type"))
        return 1247;
    if (slice_eq_cstr(name, "pg_proc"))
        return 1255;
    return 0;
}

SQL_FN_KERNEL(fn_obj_description)
{
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        uint32_t classoid = n_args > 1 ? catalog_oid(args[1].u.s[i]) : 0;
        if (describe(ctx, out, i, (uint32_t)args[0].u.i[i], classoid, 0, &w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_col_description)
{
    UNUSED(n_args);
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        if (describe(ctx, out, i, (uint32_t)args[0].u.i[i], 1259, (int32_t)args[1].u.i[i], &w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* pg_get_expr(pg_node_tree, oid [, pretty]): weir's node-tree columns are always NULL, and the function is
 * strict, so a non-NULL argument can only be text a query made up: returned as is. */
SQL_FN_KERNEL(fn_pg_get_expr)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (!fn_skip(out, i))
            out->u.s[i] = args[0].u.s[i];
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_false)
{
    UNUSED(args);
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.b[i] = 0;
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_zero_oid)
{
    UNUSED(args);
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.i[i] = 0;
    return WEIR_OK;
}

enum { FN_ARGS, FN_IDENTITY_ARGS, FN_RESULT };

static int fn_describe_proc(SqlFnCtx *ctx, const Vec *args, Vec *out, int what)
{
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const SqlFnDef *d = sql_fn_by_oid((uint32_t)args[0].u.i[i]);
        if (!d) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        char buf[512];
        if (what == FN_RESULT)
            sql_fn_format_result(d, buf, sizeof(buf));
        else if (what == FN_IDENTITY_ARGS)
            sql_fn_format_identity_args(d, buf, sizeof(buf));
        else
            sql_fn_format_args(d, buf, sizeof(buf));
        if (put_cstr(&w, out, i, buf))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_pg_get_function_arguments)
{
    UNUSED(n_args);
    return fn_describe_proc(ctx, args, out, FN_ARGS);
}

SQL_FN_KERNEL(fn_pg_get_function_identity_arguments)
{
    UNUSED(n_args);
    return fn_describe_proc(ctx, args, out, FN_IDENTITY_ARGS);
}

SQL_FN_KERNEL(fn_pg_get_function_result)
{
    UNUSED(n_args);
    return fn_describe_proc(ctx, args, out, FN_RESULT);
}

/* ---- arrays in their text form ---------------------------------------------------------------- */

/* One element of a one-dimensional array literal: *p at its first byte. Returns 1 with the element
 * (de-quoted into buf when quoted, else a slice of the input) or 0 at the closing brace, -1 when the text
 * is not a one-dimensional array. */
static int array_elem(const uint8_t **pp, const uint8_t *end, Buf *buf, Slice *elem, int *is_null)
{
    const uint8_t *p = *pp;
    while (p < end && (*p == ' ' || *p == ','))
        p++;
    if (p >= end)
        return -1;
    if (*p == '}') {
        *pp = p + 1;
        return 0;
    }
    if (*p == '{')
        return -1; /* multidimensional */
    *is_null = 0;
    if (*p == '"') {
        buf->len = 0;
        for (p++; p < end && *p != '"'; p++) {
            if (*p == '\\' && p + 1 < end)
                p++;
            if (buf_append(buf, p, 1))
                return -1;
        }
        if (p >= end)
            return -1;
        *elem = (Slice){buf->p, buf->len};
        *pp = p + 1;
        return 1;
    }
    const uint8_t *s = p;
    while (p < end && *p != ',' && *p != '}')
        p++;
    const uint8_t *e = p;
    while (e > s && e[-1] == ' ')
        e--;
    *elem = (Slice){s, (size_t)(e - s)};
    *is_null = elem->n == 4 && strncmp((const char *)s, "NULL", 4) == 0;
    *pp = p;
    return 1;
}

/* The argument must be an array (declared "any": see the top of the file). */
static int need_array(SqlFnCtx *ctx, const char *fname, const Vec *args, uint32_t n_args)
{
    if (SQL_IS_ARRAY(args[0].type.id))
        return WEIR_OK;
    char sig[256], t[64];
    size_t len = (size_t)snprintf(sig, sizeof(sig), "%s(", fname);
    for (uint32_t i = 0; i < n_args && len < sizeof(sig); i++) {
        sql_type_format(args[i].type, t, sizeof(t));
        len += (size_t)snprintf(sig + len, sizeof(sig) - len, "%s%s", i ? ", " : "", t);
    }
    return sql_error_set(ctx->err, "42883", 0, "function %s) does not exist", sig);
}

/* Start reading row i's array; returns the position after '{' or NULL with the error set. */
static const uint8_t *array_open(SqlFnCtx *ctx, Slice a, const uint8_t **end)
{
    const uint8_t *p = a.p, *e = a.p + a.n;
    while (p < e && *p == ' ')
        p++;
    if (p >= e || *p != '{') {
        sql_error_set(ctx->err, "22P02", 0, "malformed array literal: \"%.*s\"", (int)a.n, (const char *)a.p);
        return NULL;
    }
    *end = e;
    return p + 1;
}

/* Elements of a one-dimensional array (-1 with the error set). */
static int64_t array_count(SqlFnCtx *ctx, Slice a)
{
    const uint8_t *end, *p = array_open(ctx, a, &end);
    if (!p)
        return -1;
    Buf b;
    buf_init(&b, 0);
    Slice el;
    int is_null, r;
    int64_t n = 0;
    while ((r = array_elem(&p, end, &b, &el, &is_null)) == 1)
        n++;
    buf_fini(&b);
    if (r < 0)
        return sql_error_set(ctx->err, "0A000", 0, "only one-dimensional arrays are supported"), -1;
    return n;
}

SQL_FN_KERNEL(fn_array_to_string)
{
    if (need_array(ctx, "array_to_string", args, n_args))
        return WEIR_ERROR;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf acc, tmp;
    buf_init(&acc, 0);
    buf_init(&tmp, 0);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        /* the three-argument form is not strict (a NULL null-string means "skip NULLs"), so NULL array
         * and delimiter are checked here */
        if (fn_skip(out, i) || vec_is_null(&args[0], i) || vec_is_null(&args[1], i)) {
            if (!fn_skip(out, i) && fn_set_null(ctx, out, i))
                rc = WEIR_ERROR;
            continue;
        }
        const uint8_t *end, *p = array_open(ctx, args[0].u.s[i], &end);
        if (!p) {
            rc = WEIR_ERROR;
            break;
        }
        Slice delim = args[1].u.s[i];
        int has_null_str = n_args > 2 && !vec_is_null(&args[2], i);
        acc.len = 0;
        Slice el;
        int is_null, r, first = 1;
        while ((r = array_elem(&p, end, &tmp, &el, &is_null)) == 1) {
            if (is_null && !has_null_str)
                continue;
            if (is_null)
                el = args[2].u.s[i];
            if ((!first && buf_append(&acc, delim.p, delim.n)) || buf_append(&acc, el.p, el.n)) {
                rc = fn_error_oom(ctx);
                break;
            }
            first = 0;
        }
        if (rc == WEIR_OK && r < 0)
            rc = sql_error_set(ctx->err, "0A000", 0, "only one-dimensional arrays are supported");
        if (rc == WEIR_OK)
            rc = fn_str_copy(&w, acc.p, acc.len, &out->u.s[i]);
    }
    buf_fini(&acc);
    buf_fini(&tmp);
    return rc;
}

enum { ARR_UPPER, ARR_LOWER, ARR_LENGTH, ARR_CARDINALITY };

static int array_dims(SqlFnCtx *ctx, const char *fname, const Vec *args, uint32_t n_args, Vec *out, int what)
{
    if (need_array(ctx, fname, args, n_args))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t n = array_count(ctx, args[0].u.s[i]);
        if (n < 0)
            return WEIR_ERROR;
        if (what == ARR_CARDINALITY) {
            out->u.i[i] = n;
            continue;
        }
        /* dimension 1 exists only when the array has elements; an empty array has no dimensions */
        if (args[1].u.i[i] != 1 || n == 0) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        out->u.i[i] = what == ARR_LOWER ? 1 : n;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_array_upper)
{
    return array_dims(ctx, "array_upper", args, n_args, out, ARR_UPPER);
}

SQL_FN_KERNEL(fn_array_lower)
{
    return array_dims(ctx, "array_lower", args, n_args, out, ARR_LOWER);
}

SQL_FN_KERNEL(fn_array_length)
{
    return array_dims(ctx, "array_length", args, n_args, out, ARR_LENGTH);
}

SQL_FN_KERNEL(fn_cardinality)
{
    return array_dims(ctx, "cardinality", args, n_args, out, ARR_CARDINALITY);
}

/* pg_size_pretty(bigint): PostgreSQL 15's rule: a unit is used while the value (rounded half away from
 * zero at each halving) stays under 10240 of it; bytes, kB, MB, GB, TB, then PB. */
SQL_FN_KERNEL(fn_pg_size_pretty)
{
    UNUSED(n_args);
    static const char *const units[] = {"bytes", "kB", "MB", "GB", "TB", "PB"};
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t size = args[0].u.i[i];
        size_t u = 0;
        /* bytes: shown while |size| < 10 * 1024; then each unit halves with rounding, as size_pretty */
        int64_t limit = 10 * 1024, limit2 = limit * 2 - 1;
        if ((size < 0 ? -size : size) >= limit) {
            size /= 512; /* half-units of the next unit */
            u = 1;
            while (u < 5 && (size < 0 ? -size : size) >= limit2) {
                size /= 1024;
                u++;
            }
            size = size < 0 ? -((-size + 1) / 2) : (size + 1) / 2;
        }
        char buf[64];
        snprintf(buf, sizeof(buf), "%lld %s", (long long)size, units[u]);
        if (put_cstr(&w, out, i, buf))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* array = array, array <> array (array_eq, array_ne) over the text form: equal when they have the same
 * number of elements and each pair is equal (both NULL, or the same text; integers and oids by value, so
 * '{007}' = '{7}' as in PostgreSQL). Catalog queries compare with literals: pol.polroles = '{0}'. */
static int array_equal(SqlFnCtx *ctx, Slice a, Slice b, SqlTypeId elem, int *eq)
{
    const uint8_t *ea, *eb, *pa = array_open(ctx, a, &ea), *pb = array_open(ctx, b, &eb);
    if (!pa || !pb)
        return WEIR_ERROR;
    Buf ba, bb;
    buf_init(&ba, 0);
    buf_init(&bb, 0);
    int is_int = sql_type_phys(elem) == SQL_PHYS_INT && elem != SQL_DATE && elem != SQL_TIME &&
                 elem != SQL_TIMESTAMP && elem != SQL_TIMESTAMPTZ;
    int rc = WEIR_OK;
    *eq = 1;
    for (;;) {
        Slice xa, xb;
        int na, nb;
        int ra = array_elem(&pa, ea, &ba, &xa, &na), rb = array_elem(&pb, eb, &bb, &xb, &nb);
        if (ra < 0 || rb < 0) {
            rc = sql_error_set(ctx->err, "0A000", 0, "only one-dimensional arrays are supported");
            break;
        }
        if (ra != rb) {
            *eq = 0;
            break;
        }
        if (ra == 0)
            break;
        if (na || nb) {
            *eq = na && nb;
        } else if (is_int) {
            char sa[32], sb[32];
            snprintf(sa, sizeof(sa), "%.*s", (int)(xa.n < 31 ? xa.n : 31), (const char *)xa.p);
            snprintf(sb, sizeof(sb), "%.*s", (int)(xb.n < 31 ? xb.n : 31), (const char *)xb.p);
            *eq = strtoll(sa, NULL, 10) == strtoll(sb, NULL, 10);
        } else {
            *eq = xa.n == xb.n && (xa.n == 0 || memcmp(xa.p, xb.p, xa.n) == 0);
        }
        if (!*eq)
            break;
    }
    buf_fini(&ba);
    buf_fini(&bb);
    return rc;
}

static int array_cmp_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int want_eq)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int eq;
        if (array_equal(ctx, args[0].u.s[i], args[1].u.s[i], SQL_ELEM_OF(args[0].type.id), &eq))
            return WEIR_ERROR;
        out->u.b[i] = (uint8_t)(eq == want_eq);
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_array_eq)
{
    UNUSED(n_args);
    return array_cmp_kernel(ctx, args, out, 1);
}

SQL_FN_KERNEL(fn_array_ne)
{
    UNUSED(n_args);
    return array_cmp_kernel(ctx, args, out, 0);
}

/* pg_table_size and friends: weir does not measure the storage behind a table (a stream's segments are
 * shared by every table over it), so the size is unknown: NULL, which psql's \dt+ shows as blank. */
SQL_FN_KERNEL(fn_null_int8)
{
    UNUSED(args);
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (fn_set_null(ctx, out, i))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* current_setting(name [, missing_ok]): the session's value (through SqlFormatOpts.reg); an unknown name
 * is PostgreSQL's 42704, or NULL with missing_ok. */
SQL_FN_KERNEL(fn_current_setting)
{
    const SqlRegNames *reg = ctx->fmt ? ctx->fmt->reg : NULL;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice nm = args[0].u.s[i];
        char name[128];
        const char *v = NULL;
        if (nm.n < sizeof(name) && reg && reg->setting) {
            memcpy(name, nm.p, nm.n);
            name[nm.n] = '\0';
            v = reg->setting(ctx->fmt->reg_arg, name);
        }
        if (!v) {
            if (n_args > 1 && args[1].u.b[i]) {
                if (fn_set_null(ctx, out, i))
                    return WEIR_ERROR;
                continue;
            }
            return sql_error_set(ctx->err, "42704", 0, "unrecognized configuration parameter \"%.*s\"",
                                 (int)nm.n, (const char *)nm.p);
        }
        if (put_cstr(&w, out, i, v))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}
