/*
 * types.c: see types.h. The table below is PostgreSQL 15's pg_type for the types weir has (oid,
 * typarray, typlen, typcategory), so RowDescription and pg_catalog answer what clients expect.
 */
#include "sql/types.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* clang-format off */
static const SqlTypeInfo sql_types[SQL_N_TYPES] = {
    [SQL_UNKNOWN]     = {SQL_UNKNOWN, "unknown", "unknown", 705, 0, -2, 'X', SQL_PHYS_STR},
    [SQL_BOOL]        = {SQL_BOOL, "boolean", "bool", 16, 1000, 1, 'B', SQL_PHYS_BOOL},
    [SQL_INT2]        = {SQL_INT2, "smallint", "int2", 21, 1005, 2, 'N', SQL_PHYS_INT},
    [SQL_INT4]        = {SQL_INT4, "integer", "int4", 23, 1007, 4, 'N', SQL_PHYS_INT},
    [SQL_INT8]        = {SQL_INT8, "bigint", "int8", 20, 1016, 8, 'N', SQL_PHYS_INT},
    [SQL_FLOAT4]      = {SQL_FLOAT4, "real", "float4", 700, 1021, 4, 'N', SQL_PHYS_FLOAT},
    [SQL_FLOAT8]      = {SQL_FLOAT8, "double precision", "float8", 701, 1022, 8, 'N', SQL_PHYS_FLOAT},
    [SQL_NUMERIC]     = {SQL_NUMERIC, "numeric", "numeric", 1700, 1231, -1, 'N', SQL_PHYS_NUMERIC},
    [SQL_TEXT]        = {SQL_TEXT, "text", "text", 25, 1009, -1, 'S', SQL_PHYS_STR},
    [SQL_VARCHAR]     = {SQL_VARCHAR, "character varying", "varchar", 1043, 1015, -1, 'S', SQL_PHYS_STR},
    [SQL_BPCHAR]      = {SQL_BPCHAR, "character", "bpchar", 1042, 1014, -1, 'S', SQL_PHYS_STR},
    [SQL_NAME]        = {SQL_NAME, "name", "name", 19, 1003, 64, 'S', SQL_PHYS_STR},
    [SQL_CHAR]        = {SQL_CHAR, "\"char\"", "char", 18, 1002, 1, 'Z', SQL_PHYS_STR},
    [SQL_BYTEA]       = {SQL_BYTEA, "bytea", "bytea", 17, 1001, -1, 'U', SQL_PHYS_STR},
    [SQL_DATE]        = {SQL_DATE, "date", "date", 1082, 1182, 4, 'D', SQL_PHYS_INT},
    [SQL_TIME]        = {SQL_TIME, "time without time zone", "time", 1083, 1183, 8, 'D', SQL_PHYS_INT},
    [SQL_TIMESTAMP]   = {SQL_TIMESTAMP, "timestamp without time zone", "timestamp", 1114, 1115, 8, 'D', SQL_PHYS_INT},
    [SQL_TIMESTAMPTZ] = {SQL_TIMESTAMPTZ, "timestamp with time zone", "timestamptz", 1184, 1185, 8, 'D', SQL_PHYS_INT},
    [SQL_INTERVAL]    = {SQL_INTERVAL, "interval", "interval", 1186, 1187, 16, 'T', SQL_PHYS_INTERVAL},
    [SQL_JSON]        = {SQL_JSON, "json", "json", 114, 199, -1, 'U', SQL_PHYS_STR},
    [SQL_JSONB]       = {SQL_JSONB, "jsonb", "jsonb", 3802, 3807, -1, 'U', SQL_PHYS_STR},
    [SQL_OID]         = {SQL_OID, "oid", "oid", 26, 1028, 4, 'N', SQL_PHYS_INT},
    [SQL_REGCLASS]    = {SQL_REGCLASS, "regclass", "regclass", 2205, 2210, 4, 'N', SQL_PHYS_INT},
    [SQL_REGTYPE]     = {SQL_REGTYPE, "regtype", "regtype", 2206, 2211, 4, 'N', SQL_PHYS_INT},
    [SQL_REGPROC]     = {SQL_REGPROC, "regproc", "regproc", 24, 1008, 4, 'N', SQL_PHYS_INT},
    [SQL_VOID]        = {SQL_VOID, "void", "void", 2278, 0, 4, 'P', SQL_PHYS_NONE},
    [SQL_RECORD]      = {SQL_RECORD, "record", "record", 2249, 2287, -1, 'P', SQL_PHYS_NONE},
    [SQL_REGNAMESPACE] = {SQL_REGNAMESPACE, "regnamespace", "regnamespace", 4089, 4090, 4, 'N', SQL_PHYS_INT},
    [SQL_REGROLE]     = {SQL_REGROLE, "regrole", "regrole", 4096, 4097, 4, 'N', SQL_PHYS_INT},
    [SQL_INT2VECTOR]  = {SQL_INT2VECTOR, "int2vector", "int2vector", 22, 1006, -1, 'A', SQL_PHYS_STR},
    [SQL_OIDVECTOR]   = {SQL_OIDVECTOR, "oidvector", "oidvector", 30, 1013, -1, 'A', SQL_PHYS_STR},
};
/* clang-format on */

const SqlTypeInfo *sql_type_info(SqlTypeId id)
{
    id = SQL_ELEM_OF(id);
    if ((unsigned)id >= SQL_N_TYPES)
        id = SQL_UNKNOWN;
    return &sql_types[id];
}

int sql_type_from_oid(uint32_t oid, SqlTypeId *out)
{
    for (int i = 0; i < SQL_N_TYPES; i++) {
        if (sql_types[i].oid == oid) {
            *out = (SqlTypeId)i;
            return 0;
        }
        if (sql_types[i].array_oid && sql_types[i].array_oid == oid) {
            *out = SQL_ARRAY_OF(i);
            return 0;
        }
    }
    return -1;
}

uint32_t sql_type_oid(SqlTypeId id)
{
    const SqlTypeInfo *ti = sql_type_info(id);
    return SQL_IS_ARRAY(id) ? ti->array_oid : ti->oid;
}

SqlPhys sql_type_phys(SqlTypeId id)
{
    if (SQL_IS_ARRAY(id))
        return SQL_PHYS_STR;
    return sql_type_info(id)->phys;
}

static const struct {
    const char *alias;
    SqlTypeId id;
} sql_type_aliases[] = {
    {"bool", SQL_BOOL},
    {"boolean", SQL_BOOL},
    {"int2", SQL_INT2},
    {"smallint", SQL_INT2},
    {"int", SQL_INT4},
    {"int4", SQL_INT4},
    {"integer", SQL_INT4},
    {"int8", SQL_INT8},
    {"bigint", SQL_INT8},
    {"float4", SQL_FLOAT4},
    {"real", SQL_FLOAT4},
    {"float8", SQL_FLOAT8},
    {"float", SQL_FLOAT8},
    {"double precision", SQL_FLOAT8},
    {"numeric", SQL_NUMERIC},
    {"decimal", SQL_NUMERIC},
    {"text", SQL_TEXT},
    {"varchar", SQL_VARCHAR},
    {"character varying", SQL_VARCHAR},
    {"bpchar", SQL_BPCHAR},
    {"char", SQL_BPCHAR},
    {"character", SQL_BPCHAR},
    {"\"char\"", SQL_CHAR},
    {"name", SQL_NAME},
    {"bytea", SQL_BYTEA},
    {"date", SQL_DATE},
    {"time", SQL_TIME},
    {"time without time zone", SQL_TIME},
    {"timestamp", SQL_TIMESTAMP},
    {"timestamp without time zone", SQL_TIMESTAMP},
    {"timestamptz", SQL_TIMESTAMPTZ},
    {"timestamp with time zone", SQL_TIMESTAMPTZ},
    {"interval", SQL_INTERVAL},
    {"json", SQL_JSON},
    {"jsonb", SQL_JSONB},
    {"oid", SQL_OID},
    {"regclass", SQL_REGCLASS},
    {"regtype", SQL_REGTYPE},
    {"regproc", SQL_REGPROC},
    {"regnamespace", SQL_REGNAMESPACE},
    {"regrole", SQL_REGROLE},
    {"int2vector", SQL_INT2VECTOR},
    {"oidvector", SQL_OIDVECTOR},
    {"void", SQL_VOID},
    {"record", SQL_RECORD},
    {"unknown", SQL_UNKNOWN},
};

int sql_type_from_name(const char *name, SqlTypeId *out)
{
    size_t n = strlen(name);
    int array = n > 2 && name[n - 2] == '[' && name[n - 1] == ']';
    if (array)
        n -= 2;
    if (n > 11 && strncasecmp(name, "pg_catalog.", 11) == 0) {
        name += 11;
        n -= 11;
    }
    for (size_t i = 0; i < sizeof(sql_type_aliases) / sizeof(sql_type_aliases[0]); i++) {
        if (strlen(sql_type_aliases[i].alias) == n && strncasecmp(sql_type_aliases[i].alias, name, n) == 0) {
            *out = array ? SQL_ARRAY_OF(sql_type_aliases[i].id) : sql_type_aliases[i].id;
            return 0;
        }
    }
    return -1;
}

void sql_type_format(SqlType t, char *out, size_t n)
{
    SqlTypeId e = SQL_ELEM_OF(t.id);
    const char *base = sql_type_info(e)->name;
    const char *suffix = SQL_IS_ARRAY(t.id) ? "[]" : "";
    int32_t m = t.typmod;
    switch (e) {
    case SQL_VARCHAR:
    case SQL_BPCHAR:
        if (m >= 4) {
            snprintf(out, n, "%s(%d)%s", base, m - 4, suffix);
            return;
        }
        break;
    case SQL_NUMERIC:
        if (m >= 4) {
            snprintf(out, n, "numeric(%d,%d)%s", ((m - 4) >> 16) & 0xffff, (m - 4) & 0xffff, suffix);
            return;
        }
        break;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
    case SQL_TIME:
        if (m >= 0) {
            const char *tz = e == SQL_TIMESTAMPTZ ? "with" : "without";
            snprintf(out, n, "%s(%d) %s time zone%s", e == SQL_TIME ? "time" : "timestamp", m, tz, suffix);
            return;
        }
        break;
    default:
        break;
    }
    snprintf(out, n, "%s%s", base, suffix);
}
