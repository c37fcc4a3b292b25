/*
 * catalog.c: see catalog.h. The SQLite schema:
 *   CREATE TABLE tables (name TEXT PRIMARY KEY, oid INTEGER NOT NULL UNIQUE, def TEXT NOT NULL)
 *   CREATE TABLE checkpoints (name TEXT, tbl TEXT, shard INTEGER, stream_uid INTEGER, pos INTEGER,
 *                             updated_ms INTEGER, PRIMARY KEY (name, tbl, shard))
 * where def is tabledef_to_json. Table writes are single statements (SQLite makes each atomic and
 * durable); the in-memory list is updated only after the write succeeded. A checkpoint save is one
 * transaction over all the shards a query read, so a crash never leaves half a query's positions.
 * Without a data directory, checkpoints go to a private in-memory SQLite database (ckpt_db), opened on
 * first use, so the code path is the same.
 */
#include "exec/catalog.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CATALOG_FIRST_OID 16384

#define CATALOG_CKPT_SCHEMA                                                                                       \
    "CREATE TABLE IF NOT EXISTS checkpoints (name TEXT NOT NULL, tbl TEXT NOT NULL, shard INTEGER NOT NULL,"     \
    " stream_uid INTEGER NOT NULL, pos INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"                         \
    " PRIMARY KEY (name, tbl, shard))"

struct SqlCatalog {
    pthread_mutex_t mu;
    sqlite3 *db; /* NULL: in memory only */
    sqlite3 *ckpt_db; /* checkpoints: db, or an in-memory database when db is NULL (opened on first use) */
    CatalogTable **tables;
    size_t n, cap;
    uint32_t next_oid;
};

static void catalog_table_free(CatalogTable *t)
{
    tabledef_destroy(&t->def);
    free(t);
}

static void catalog_push(SqlCatalog *c, CatalogTable *t)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->tables = realloc(c->tables, c->cap * sizeof(*c->tables));
        if (!c->tables)
            weir_panic("out of memory");
    }
    c->tables[c->n++] = t;
    if (t->oid >= c->next_oid)
        c->next_oid = t->oid + 1;
}

static int catalog_load(SqlCatalog *c, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, "SELECT name, oid, def FROM tables ORDER BY oid", -1, &st, NULL) != SQLITE_OK)
        return err_set(e, WEIR_EIO, "sql catalog: %s", sqlite3_errmsg(c->db));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *def = (const char *)sqlite3_column_text(st, 2);
        int len = sqlite3_column_bytes(st, 2);
        SqlError se;
        memset(&se, 0, sizeof(se));
        TableDef *td = NULL;
        if (!def || tabledef_from_json(def, (size_t)len, &td, &se)) {
            sqlite3_finalize(st);
            return err_set(e, WEIR_ECORRUPT, "sql catalog: table %s: %s", sqlite3_column_text(st, 0), se.message);
        }
        CatalogTable *t = calloc(1, sizeof(*t));
        if (!t)
            weir_panic("out of memory");
        t->def = td;
        t->oid = (uint32_t)sqlite3_column_int64(st, 1);
        t->refs = 1;
        catalog_push(c, t);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(e, WEIR_EIO, "sql catalog: %s", sqlite3_errmsg(c->db));
    return WEIR_OK;
}

int sql_catalog_open(const char *data_dir, SqlCatalog **out, Err *e)
{
    SqlCatalog *c = calloc(1, sizeof(*c));
    if (!c)
        weir_panic("out of memory");
    pthread_mutex_init(&c->mu, NULL);
    c->next_oid = CATALOG_FIRST_OID;
    if (data_dir) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/sql.db", data_dir);
        if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
            SQLITE_OK) {
            err_set(e, WEIR_EIO, "cannot open %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
            sql_catalog_close(&c);
            return WEIR_EIO;
        }
        char *msg = NULL;
        if (sqlite3_exec(c->db,
                         "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                         "CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, oid INTEGER NOT NULL UNIQUE,"
                         " def TEXT NOT NULL);" CATALOG_CKPT_SCHEMA,
                         NULL, NULL, &msg) != SQLITE_OK) {
            err_set(e, WEIR_EIO, "sql catalog %s: %s", path, msg ? msg : "?");
            sqlite3_free(msg);
            sql_catalog_close(&c);
            return WEIR_EIO;
        }
        if (catalog_load(c, e)) {
            sql_catalog_close(&c);
            return e->code;
        }
        c->ckpt_db = c->db;
    }
    *out = c;
    return WEIR_OK;
}

void sql_catalog_close(SqlCatalog **cp)
{
    if (!cp || !*cp)
        return;
    SqlCatalog *c = *cp;
    *cp = NULL;
    for (size_t i = 0; i < c->n; i++)
        if (--c->tables[i]->refs == 0)
            catalog_table_free(c->tables[i]);
    free(c->tables);
    if (c->ckpt_db && c->ckpt_db != c->db)
        sqlite3_close(c->ckpt_db);
    if (c->db)
        sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static ssize_t catalog_find_locked(SqlCatalog *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->tables[i]->def->name, name) == 0)
            return (ssize_t)i;
    return -1;
}

CatalogTable *sql_catalog_get(SqlCatalog *c, const char *name)
{
    pthread_mutex_lock(&c->mu);
    ssize_t i = catalog_find_locked(c, name);
    CatalogTable *t = NULL;
    if (i >= 0) {
        t = c->tables[i];
        t->refs++;
    }
    pthread_mutex_unlock(&c->mu);
    return t;
}

void sql_catalog_unref(SqlCatalog *c, CatalogTable *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&c->mu);
    int last = --t->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        catalog_table_free(t);
}

int sql_catalog_add(SqlCatalog *c, TableDef *def, int if_not_exists, int *created, SqlError *err)
{
    *created = 0;
    pthread_mutex_lock(&c->mu);
    if (catalog_find_locked(c, def->name) >= 0) {
        pthread_mutex_unlock(&c->mu);
        if (if_not_exists) {
            tabledef_destroy(&def);
            return WEIR_OK;
        }
        int rc = sql_error_set(err, "42P07", 0, "relation \"%s\" already exists", def->name);
        tabledef_destroy(&def);
        return rc;
    }
    uint32_t oid = c->next_oid;
    if (c->db) {
        char *json = tabledef_to_json(def);
        sqlite3_stmt *st = NULL;
        int ok = json && sqlite3_prepare_v2(c->db, "INSERT INTO tables (name, oid, def) VALUES (?, ?, ?)", -1, &st,
                                            NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(st, 1, def->name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, oid);
            sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        if (!ok)
            sql_error_set(err, "58030", 0, "could not write the catalog: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        free(json);
        if (!ok) {
            pthread_mutex_unlock(&c->mu);
            tabledef_destroy(&def);
            return WEIR_ERROR;
        }
    }
    CatalogTable *t = calloc(1, sizeof(*t));
    if (!t)
        weir_panic("out of memory");
    t->def = def;
    t->oid = oid;
    t->refs = 1;
    catalog_push(c, t);
    pthread_mutex_unlock(&c->mu);
    *created = 1;
    return WEIR_OK;
}

int sql_catalog_drop(SqlCatalog *c, const char *name, int if_exists, SqlError *err)
{
    pthread_mutex_lock(&c->mu);
    ssize_t i = catalog_find_locked(c, name);
    if (i < 0) {
        pthread_mutex_unlock(&c->mu);
        if (if_exists)
            return WEIR_OK;
        return sql_error_set(err, "42P01", 0, "table \"%s\" does not exist", name);
    }
    if (c->db) {
        sqlite3_stmt *st = NULL;
        int ok = sqlite3_prepare_v2(c->db, "DELETE FROM tables WHERE name = ?", -1, &st, NULL) == SQLITE_OK;
        if (ok) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        if (!ok)
            sql_error_set(err, "58030", 0, "could not write the catalog: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        if (!ok) {
            pthread_mutex_unlock(&c->mu);
            return WEIR_ERROR;
        }
    }
    CatalogTable *t = c->tables[i];
    memmove(&c->tables[i], &c->tables[i + 1], (c->n - (size_t)i - 1) * sizeof(*c->tables));
    c->n--;
    int last = --t->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last)
        catalog_table_free(t);
    return WEIR_OK;
}

size_t sql_catalog_list(SqlCatalog *c, CatalogTable ***out)
{
    pthread_mutex_lock(&c->mu);
    size_t n = c->n;
    CatalogTable **arr = calloc(n ? n : 1, sizeof(*arr));
    if (!arr)
        weir_panic("out of memory");
    for (size_t i = 0; i < n; i++) {
        arr[i] = c->tables[i];
        arr[i]->refs++;
    }
    pthread_mutex_unlock(&c->mu);
    *out = arr;
    return n;
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoints
 * ---------------------------------------------------------------------------------------------- */

/* The checkpoint database, opening the in-memory one on first use. Called with c->mu held. */
static sqlite3 *catalog_ckpt_db_locked(SqlCatalog *c, SqlError *err)
{
    if (c->ckpt_db)
        return c->ckpt_db;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, CATALOG_CKPT_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        sql_error_set(err, "58030", 0, "could not open the checkpoint store: %s", db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    c->ckpt_db = db;
    return db;
}

int sql_catalog_checkpoint_load(SqlCatalog *c, const char *name, const char *table, uint64_t stream_uid,
                                SqlCkptPos *out, size_t cap, SqlError *err)
{
    pthread_mutex_lock(&c->mu);
    sqlite3 *db = catalog_ckpt_db_locked(c, err);
    if (!db) {
        pthread_mutex_unlock(&c->mu);
        return WEIR_ERROR;
    }
    sqlite3_stmt *st = NULL;
    int n = 0, rc;
    if (sqlite3_prepare_v2(db, "SELECT shard, pos FROM checkpoints WHERE name = ? AND tbl = ? AND stream_uid = ?"
                               " ORDER BY shard", -1, &st, NULL) != SQLITE_OK) {
        rc = SQLITE_ERROR;
    } else {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, table, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)stream_uid);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            if ((size_t)n == cap)
                continue; /* more rows than the caller has shards for: cannot happen unless shards vanished */
            out[n].table = table;
            out[n].stream_uid = stream_uid;
            out[n].shard = (uint32_t)sqlite3_column_int64(st, 0);
            out[n].pos = (uint64_t)sqlite3_column_int64(st, 1);
            n++;
        }
    }
    if (rc != SQLITE_DONE)
        n = sql_error_set(err, "58030", 0, "could not read checkpoint \"%s\": %s", name, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&c->mu);
    return n;
}

int sql_catalog_checkpoint_save(SqlCatalog *c, const char *name, const SqlCkptPos *pos, size_t n, SqlError *err)
{
    if (n == 0)
        return WEIR_OK;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    pthread_mutex_lock(&c->mu);
    sqlite3 *db = catalog_ckpt_db_locked(c, err);
    if (!db) {
        pthread_mutex_unlock(&c->mu);
        return WEIR_ERROR;
    }
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
    int in_txn = ok;
    ok = ok && sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO checkpoints (name, tbl, shard, stream_uid, pos, updated_ms)"
                                      " VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, pos[i].table, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, pos[i].shard);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)pos[i].stream_uid);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)pos[i].pos);
        sqlite3_bind_int64(st, 6, now_ms);
        ok = sqlite3_step(st) == SQLITE_DONE;
    }
    sqlite3_finalize(st);
    ok = ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) {
        sql_error_set(err, "58030", 0, "could not save checkpoint \"%s\": %s", name, sqlite3_errmsg(db));
        if (in_txn)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&c->mu);
    return ok ? WEIR_OK : WEIR_ERROR;
}
