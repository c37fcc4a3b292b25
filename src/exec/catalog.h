/*
 * catalog.h: the SQL catalog: table definitions (sql/tabledef.h) by name, kept in SQLite
 * (DATA_DIR/sql.db, table `tables`) so they survive restarts, and in memory for lookups.
 *
 * A looked-up table is reference counted: a statement holds its CatalogTable until it is done, so DROP
 * TABLE during a running query frees nothing the query still reads. Each table has a pg_class oid
 * (16384 and up, like user tables in PostgreSQL), stable across restarts.
 *
 * Checkpoints (weir.checkpoint, op_scan.c): under a checkpoint name, for each table and shard, the
 * position the next query under that name starts reading from; kept in table `checkpoints` of the same
 * database (in memory when data_dir is NULL), so they survive restarts.
 *
 * Thread-safe (one mutex; lookups are short).
 */
#ifndef WEIR_EXEC_CATALOG_H
#define WEIR_EXEC_CATALOG_H

#include <stdint.h>

#include "base/err.h"
#include "exec/engine.h"
#include "sql/tabledef.h"

typedef struct SqlCatalog SqlCatalog;

typedef struct CatalogTable {
    TableDef *def; /* read-only */
    uint32_t oid;
    int refs;      /* guarded by the catalog's mutex */
} CatalogTable;

/* Open (creating) DATA_DIR/sql.db, or an in-memory catalog when data_dir is NULL, and load every table.
 * Caller owns; free with sql_catalog_close. */
int sql_catalog_open(const char *data_dir, SqlCatalog **out, Err *e) WEIR_WARN_UNUSED;
void sql_catalog_close(SqlCatalog **c);

/* The table called name, with a reference the caller drops with sql_catalog_unref; NULL if none. */
CatalogTable *sql_catalog_get(SqlCatalog *c, const char *name);
void sql_catalog_unref(SqlCatalog *c, CatalogTable *t);

/* Add a table (takes ownership of def on success). 42P07 if the name is taken (unless if_not_exists:
 * then WEIR_OK with *created = 0 and def is freed). */
int sql_catalog_add(SqlCatalog *c, TableDef *def, int if_not_exists, int *created, SqlError *err) WEIR_WARN_UNUSED;

/* Drop a table. 42P01 if there is none (unless if_exists). */
int sql_catalog_drop(SqlCatalog *c, const char *name, int if_exists, SqlError *err) WEIR_WARN_UNUSED;

/* A snapshot of every table, each with a reference (for pg_class, information_schema). The caller
 * drops each with sql_catalog_unref and frees the array with free(). */
size_t sql_catalog_list(SqlCatalog *c, CatalogTable ***out);

/* --- checkpoints ----------------------------------------------------------------------------------- */

/* One saved position: under checkpoint `name`, table `table` (over the stream whose uid is stream_uid)
 * continues shard `shard` at counter value pos (the first record not yet seen). */
typedef struct SqlCkptPos {
    const char *table;
    uint64_t stream_uid;
    uint32_t shard;
    uint64_t pos;
} SqlCkptPos;

/* The positions saved under (name, table) for the stream stream_uid: up to cap entries into out (table
 * is set to the argument; entries saved for another stream of the same name, i.e. one deleted and
 * created again, are left out). Returns the number found (>= 0), or WEIR_ERROR with err (58030). */
int sql_catalog_checkpoint_load(SqlCatalog *c, const char *name, const char *table, uint64_t stream_uid,
                                SqlCkptPos *out, size_t cap, SqlError *err) WEIR_WARN_UNUSED;

/* Save n positions under name in one transaction (all or nothing), replacing what was there for the
 * same (table, shard). WEIR_OK, or WEIR_ERROR with err (58030) when the write failed. */
int sql_catalog_checkpoint_save(SqlCatalog *c, const char *name, const SqlCkptPos *pos, size_t n,
                                SqlError *err) WEIR_WARN_UNUSED;

#endif
