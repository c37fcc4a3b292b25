/*
 * fn_sys.c: the catalog and session functions PostgreSQL clients call while they connect and describe
 * tables (psql's \d, JDBC's DatabaseMetaData, psycopg2, BI tools): version(), current_database(),
 * current_schema(), current_schemas(), current_user / session_user, pg_get_userbyid, the
 * pg_*_is_visible tests, format_type, pg_typeof, shobj_description, pg_encoding_to_char, getdatabaseencoding /
 * pg_client_encoding, and has_*_privilege. (The functions that need the session's catalog, such as
 * to_regclass and obj_description, are in fn_catalog.c.)
 *
 * weir has one schema ("public", with pg_catalog in front of it on the search path), no comments on
 * shared objects, and no privilege system beyond authentication: every visibility and privilege test
 * says yes, shared descriptions are NULL. The session's user and database come from SqlFnCtx (func.h).
 */
#include <stdio.h>
#include <string.h>

#include "sql/fn_catalog.h"
#include "sql/fn_int.h"

static Slice cstr_or(const char *s, const char *dflt)
{
    return slice_from_cstr(s ? s : dflt);
}

static void fill_slice(SqlFnCtx *ctx, Vec *out, Slice s)
{
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.s[i] = s;
}

/* version(): PostgreSQL's shape, so clients that parse "PostgreSQL <major>.<minor>" keep working. */
SQL_FN_KERNEL(fn_version)
{
    UNUSED(args);
    UNUSED(n_args);
    char buf[160];
    int n = snprintf(buf, sizeof(buf), "PostgreSQL %s on x86_64-pc-linux-gnu, compiled by gcc, 64-bit",
                     ctx->server_version ? ctx->server_version : "15.0");
    Slice s;
    FnStr w;
    fn_str_init(&w, ctx);
    if (fn_str_copy(&w, buf, (size_t)(n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1), &s))
        return WEIR_ERROR;
    fill_slice(ctx, out, s);
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_current_database)
{
    UNUSED(args);
    UNUSED(n_args);
    fill_slice(ctx, out, cstr_or(ctx->database, "weir"));
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_current_user)
{
    UNUSED(args);
    UNUSED(n_args);
    fill_slice(ctx, out, cstr_or(ctx->session_user, "weir"));
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_current_schema)
{
    UNUSED(args);
    UNUSED(n_args);
    fill_slice(ctx, out, SLICE_LIT("public"));
    return WEIR_OK;
}

/* current_schemas(include_implicit): the search path, with pg_catalog when asked. */
SQL_FN_KERNEL(fn_current_schemas)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.s[i] = args[0].u.b[i] ? SLICE_LIT("{pg_catalog,public}") : SLICE_LIT("{public}");
    return WEIR_OK;
}

/* pg_get_userbyid: oid 10 (the bootstrap superuser) is the session's user, 6171 pg_database_owner; others
 * are unknown. */
SQL_FN_KERNEL(fn_pg_get_userbyid)
{
    UNUSED(n_args);
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t oid = args[0].u.i[i];
        if (oid == 10) {
            out->u.s[i] = cstr_or(ctx->session_user, "weir");
            continue;
        }
        if (oid == 6171) { /* PostgreSQL 15's predefined owner of schema public (exec/syscat.c) */
            out->u.s[i] = SLICE_LIT("pg_database_owner");
            continue;
        }
        char buf[40];
        int n = snprintf(buf, sizeof(buf), "unknown (OID=%u)", (unsigned)oid);
        if (fn_str_copy(&w, buf, (size_t)n, &out->u.s[i]))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* Always true: pg_table_is_visible, pg_type_is_visible, pg_function_is_visible, has_*_privilege. */
SQL_FN_KERNEL(fn_true)
{
    UNUSED(args);
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.b[i] = 1;
    return WEIR_OK;
}

/* Descriptions: weir keeps no comments, so NULL for every row. */
SQL_FN_KERNEL(fn_null_text)
{
    UNUSED(args);
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++)
        if (fn_set_null(ctx, out, i))
            return WEIR_ERROR;
    return WEIR_OK;
}

/* pg_typeof(any): the argument's type as regtype, for NULLs too (not strict); typmods are not part of it
 * (varchar(3) is "character varying"). */
SQL_FN_KERNEL(fn_pg_typeof)
{
    UNUSED(n_args);
    int64_t oid = sql_type_oid(args[0].type.id);
    for (uint32_t i = 0; i < ctx->n; i++)
        out->u.i[i] = oid;
    return WEIR_OK;
}

/* format_type(type_oid, typmod): not strict -- a NULL typmod means none; an unknown oid is "???". */
SQL_FN_KERNEL(fn_format_type)
{
    UNUSED(n_args);
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (vec_is_null(&args[0], i)) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        char buf[128];
        /* weir's types, their arrays and the pseudo-types of function signatures (fn_catalog.h) */
        sql_format_type_oid((uint32_t)args[0].u.i[i], vec_is_null(&args[1], i) ? -1 : (int32_t)args[1].u.i[i],
                            buf, sizeof(buf));
        if (fn_str_copy(&w, buf, strlen(buf), &out->u.s[i]))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* pg_encoding_to_char: PostgreSQL's encoding numbers (pg_enc); "" for numbers it has none for. */
static const char *const encodings[] = {
    "SQL_ASCII",     "EUC_JP",  "EUC_CN",  "EUC_KR",  "EUC_TW",     "EUC_JIS_2004", "UTF8",
    "MULE_INTERNAL", "LATIN1",  "LATIN2",  "LATIN3",  "LATIN4",     "LATIN5",       "LATIN6",
    "LATIN7",        "LATIN8",  "LATIN9",  "LATIN10", "WIN1256",    "WIN1258",      "WIN866",
    "WIN874",        "KOI8R",   "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6",   "ISO_8859_7",
    "ISO_8859_8",    "WIN1250", "WIN1253", "WIN1254", "WIN1255",    "WIN1257",      "KOI8U",
    "SJIS",          "BIG5",    "GBK",     "UHC",     "GB18030",    "JOHAB",        "SHIFT_JIS_2004",
};

SQL_FN_KERNEL(fn_pg_encoding_to_char)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        int64_t e = args[0].u.i[i];
        out->u.s[i] = e >= 0 && e < (int64_t)(sizeof(encodings) / sizeof(encodings[0]))
                          ? slice_from_cstr(encodings[e])
                          : SLICE_LIT("");
    }
    return WEIR_OK;
}

/* getdatabaseencoding(), pg_client_encoding(): weir speaks UTF-8 only. */
SQL_FN_KERNEL(fn_utf8_name)
{
    UNUSED(args);
    UNUSED(n_args);
    fill_slice(ctx, out, SLICE_LIT("UTF8"));
    return WEIR_OK;
}
