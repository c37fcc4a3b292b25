/*
 * syscat.h: the system catalogs clients read: enough of pg_catalog and information_schema for psql's
 * \dt and \d, JDBC's DatabaseMetaData and psycopg2. Each table is a fixed list of columns whose rows are
 * made when a query opens it (OP_SYSTAB), from the engine's catalog of tables, the type system and the
 * function library, so they always describe what the server really has.
 */
#ifndef WEIR_EXEC_SYSCAT_H
#define WEIR_EXEC_SYSCAT_H

#include <stdint.h>

#include "sql/types.h"

struct SqlEngine;

typedef struct SysTableDef {
    const char *schema;        /* "pg_catalog" or "information_schema" */
    const char *name;
    uint32_t oid;              /* the relation's oid, as pg_class lists it */
    uint32_t n_cols;
    const char *const *col_names;
    const SqlType *col_types;
} SysTableDef;

/* The system table schema.name, or NULL. schema NULL searches pg_catalog only (it is implicitly first on
 * every search_path, as in PostgreSQL). */
const SysTableDef *syscat_find(const char *schema, const char *name);

/* OP_SYSTAB's plan data. */
typedef struct SysTabSpec {
    const SysTableDef *def;
    struct SqlEngine *eng;
} SysTabSpec;

#endif
