/*
 * syscat.h: the system catalogs clients read: enough of pg_catalog and information_schema for psql's
 * \dt and \d, JDBC's DatabaseMetaData and psycopg2. Each table is a fixed list of columns whose rows are
 * made when a query opens it (OP_SYSTAB), from the engine's catalog of tables, the type system and the
 * function library, so they always describe what the server really has.
 *
 * Also here: the catalog side of the reg* types (regclass, regtype, regproc, regnamespace, regrole),
 * whose text input and output need names only the catalog knows (sql/typeio.h SqlRegNames); a session
 * attaches it to its SqlFormatOpts with syscat_session_attach. docs/internals/syscat.md says what each
 * table holds.
 */
#ifndef WEIR_EXEC_SYSCAT_H
#define WEIR_EXEC_SYSCAT_H

#include <stdint.h>

#include "sql/typeio.h"
#include "sql/types.h"

struct SqlEngine;
struct SqlSession;

typedef struct SysTableDef {
    const char *schema; /* "pg_catalog" or "information_schema" */
    const char *name;
    uint32_t oid; /* the relation's oid, as pg_class lists it */
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
    /* The session the statement runs in, for pg_settings (its current settings) and the role and
     * database names; NULL: a fresh session's defaults and ExecCtx's user and database. Borrowed: a
     * statement never outlives its session (engine.h). */
    const struct SqlSession *sess;
} SysTabSpec;

/* The reg* name resolver over a session's catalog (arg: the SqlSession). */
extern const SqlRegNames syscat_reg_names;

/* Point s's SqlFormatOpts at syscat_reg_names, so 'clicks'::regclass, c.oid::regclass::text,
 * to_regclass() and friends see the session's tables and user. */
void syscat_session_attach(struct SqlSession *s);

#endif
