/*
 * catalog.c: the store's metadata in SQLite (DATA_DIR/catalog.db): streams, shards, tags.
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT has reached the disk when it returns
 * (NORMAL would only guarantee that for checkpoints). Every store operation that changes metadata
 * (create, delete, reshard, retention change, tags, trim) is one transaction, begun IMMEDIATE so a
 * second writer cannot interleave. The catalog never holds record data or the sequence counter:
 * the counter is recovered from the segment files and the shards' start/end/trim seqs.
 *
 * Schema (version 1, PRAGMA user_version):
 *   streams(uid INTEGER PRIMARY KEY AUTOINCREMENT, name UNIQUE, region, account, status, mode,
 *           retention_hours, created_ms)
 *   shards(uid, idx, parent, adjacent_parent, hash_lo BLOB(16 BE), hash_hi BLOB(16 BE), start_seq,
 *          end_seq, is_closed, created_ms, closed_ms, trim_seq, PRIMARY KEY(uid, idx))
 *   tags(uid, key, value, PRIMARY KEY(uid, key))
 * Seqs are stored as SQLite's signed 64-bit integers (bit pattern of the u64).
 *
 * Not here: locking (the caller holds Store.cat_mu), validation (store.c).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"

#define CATALOG_MAX_STMTS 24

struct Catalog {
    sqlite3 *db;
    struct {
        const char *sql; /* identity: the string literal's address */
        sqlite3_stmt *st;
    } stmts[CATALOG_MAX_STMTS];
    int n_stmts;
};

static const char catalog_schema[] =
    "CREATE TABLE IF NOT EXISTS streams(uid INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " region TEXT NOT NULL, account TEXT NOT NULL, status INTEGER NOT NULL, mode INTEGER NOT NULL,"
    " retention_hours INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS shards(uid INTEGER NOT NULL, idx INTEGER NOT NULL, parent INTEGER NOT NULL,"
    " adjacent_parent INTEGER NOT NULL, hash_lo BLOB NOT NULL, hash_hi BLOB NOT NULL,"
    " start_seq INTEGER NOT NULL, end_seq INTEGER NOT NULL, is_closed INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, closed_ms INTEGER NOT NULL, trim_seq INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(uid, idx)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tags(uid INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(uid, key)) WITHOUT ROWID;"
    "PRAGMA user_version = 1;";

static int catalog_fail(Catalog *c, Err *e, const char *what)
{
    return err_set(e, WEIR_EIO, "catalog %s: %s", what, sqlite3_errmsg(c->db));
}

/* A cached prepared statement for sql (a string literal), reset and with bindings cleared. */
static sqlite3_stmt *catalog_stmt(Catalog *c, const char *sql, Err *e)
{
    for (int i = 0; i < c->n_stmts; i++)
        if (c->stmts[i].sql == sql) {
            sqlite3_reset(c->stmts[i].st);
            sqlite3_clear_bindings(c->stmts[i].st);
            return c->stmts[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        catalog_fail(c, e, "prepare");
        return NULL;
    }
    if (c->n_stmts < CATALOG_MAX_STMTS) {
        c->stmts[c->n_stmts].sql = sql;
        c->stmts[c->n_stmts].st = st;
        c->n_stmts++;
    } else {
        weir_panic("catalog statement cache full"); /* a fixed set of statements: a coding error */
    }
    return st;
}

/* Step a statement that returns no rows. */
static int catalog_step_done(Catalog *c, sqlite3_stmt *st, Err *e, const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return catalog_fail(c, e, what);
    return WEIR_OK;
}

static int catalog_exec(Catalog *c, const char *sql, Err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "catalog: %s: %s", sql, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return WEIR_EIO;
    }
    return WEIR_OK;
}

int catalog_open(const char *path, Catalog **out, Err *e)
{
    Catalog *c = xcalloc(1, sizeof(*c));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "open catalog %s: %s", path, c->db ? sqlite3_errmsg(c->db) : "out of memory");
        catalog_close(&c);
        return WEIR_EIO;
    }
    sqlite3_busy_timeout(c->db, 5000);
    if (catalog_exec(c, "PRAGMA journal_mode=WAL", e) || catalog_exec(c, "PRAGMA synchronous=FULL", e) ||
        catalog_exec(c, catalog_schema, e)) {
        catalog_close(&c);
        return WEIR_EIO;
    }
    *out = c;
    return WEIR_OK;
}

void catalog_close(Catalog **cp)
{
    Catalog *c = *cp;
    if (!c)
        return;
    for (int i = 0; i < c->n_stmts; i++)
        sqlite3_finalize(c->stmts[i].st);
    sqlite3_close(c->db);
    free(c);
    *cp = NULL;
}

int catalog_begin(Catalog *c, Err *e)
{
    return catalog_exec(c, "BEGIN IMMEDIATE", e);
}

int catalog_commit(Catalog *c, Err *e)
{
    int rc = catalog_exec(c, "COMMIT", e);
    if (rc)
        catalog_rollback(c);
    return rc;
}

void catalog_rollback(Catalog *c)
{
    if (!sqlite3_get_autocommit(c->db))
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static void catalog_u128_put(uint8_t out[16], u128 v)
{
    for (int i = 15; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static u128 catalog_u128_get(const uint8_t *p)
{
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | p[i];
    return v;
}

int catalog_stream_insert(Catalog *c, const StreamInfo *info, uint64_t *uid, Err *e)
{
    static const char sel[] = "SELECT 1 FROM streams WHERE name = ?1";
    sqlite3_stmt *st = catalog_stmt(c, sel, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r == SQLITE_ROW)
        return err_set(e, WEIR_EEXIST, "stream %s already exists", info->name);
    if (r != SQLITE_DONE)
        return catalog_fail(c, e, "select stream");

    static const char ins[] = "INSERT INTO streams(name, region, account, status, mode, retention_hours,"
                              " created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    st = catalog_stmt(c, ins, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, info->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, info->account, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, info->status);
    sqlite3_bind_int(st, 5, info->mode);
    sqlite3_bind_int(st, 6, info->retention_hours);
    sqlite3_bind_int64(st, 7, info->created_ms);
    int rc = catalog_step_done(c, st, e, "insert stream");
    if (rc)
        return rc;
    *uid = (uint64_t)sqlite3_last_insert_rowid(c->db);
    return WEIR_OK;
}

int catalog_stream_delete(Catalog *c, uint64_t uid, Err *e)
{
    static const char d1[] = "DELETE FROM streams WHERE uid = ?1";
    static const char d2[] = "DELETE FROM shards WHERE uid = ?1";
    static const char d3[] = "DELETE FROM tags WHERE uid = ?1";
    const char *sqls[] = {d1, d2, d3};
    for (int i = 0; i < 3; i++) {
        sqlite3_stmt *st = catalog_stmt(c, sqls[i], e);
        if (!st)
            return WEIR_EIO;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
        int rc = catalog_step_done(c, st, e, "delete stream");
        if (rc)
            return rc;
    }
    return WEIR_OK;
}

int catalog_stream_set_retention(Catalog *c, uint64_t uid, int hours, Err *e)
{
    static const char sql[] = "UPDATE streams SET retention_hours = ?2 WHERE uid = ?1";
    sqlite3_stmt *st = catalog_stmt(c, sql, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
    sqlite3_bind_int(st, 2, hours);
    return catalog_step_done(c, st, e, "set retention");
}

int catalog_shard_put(Catalog *c, uint64_t uid, const ShardInfo *sh, Err *e)
{
    static const char sql[] =
        "INSERT INTO shards(uid, idx, parent, adjacent_parent, hash_lo, hash_hi, start_seq, end_seq, "
        "is_closed,"
        " created_ms, closed_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT(uid, idx) DO UPDATE SET end_seq = excluded.end_seq, is_closed = excluded.is_closed,"
        " closed_ms = excluded.closed_ms";
    sqlite3_stmt *st = catalog_stmt(c, sql, e);
    if (!st)
        return WEIR_EIO;
    uint8_t lo[16], hi[16];
    catalog_u128_put(lo, sh->hash_lo);
    catalog_u128_put(hi, sh->hash_hi);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
    sqlite3_bind_int64(st, 2, sh->index);
    sqlite3_bind_int64(st, 3, sh->parent);
    sqlite3_bind_int64(st, 4, sh->adjacent_parent);
    sqlite3_bind_blob(st, 5, lo, 16, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 6, hi, 16, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)sh->start_seq);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)sh->end_seq);
    sqlite3_bind_int(st, 9, sh->is_closed);
    sqlite3_bind_int64(st, 10, sh->created_ms);
    sqlite3_bind_int64(st, 11, sh->closed_ms);
    return catalog_step_done(c, st, e, "put shard");
}

int catalog_shard_set_trim(Catalog *c, uint64_t uid, uint32_t index, uint64_t trim_seq, Err *e)
{
    static const char sql[] = "UPDATE shards SET trim_seq = ?3 WHERE uid = ?1 AND idx = ?2";
    sqlite3_stmt *st = catalog_stmt(c, sql, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
    sqlite3_bind_int64(st, 2, index);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)trim_seq);
    return catalog_step_done(c, st, e, "set trim");
}

int catalog_tag_put(Catalog *c, uint64_t uid, const char *key, const char *value, Err *e)
{
    static const char sql[] = "INSERT INTO tags(uid, key, value) VALUES(?1, ?2, ?3)"
                              " ON CONFLICT(uid, key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *st = catalog_stmt(c, sql, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    return catalog_step_done(c, st, e, "put tag");
}

int catalog_tag_delete(Catalog *c, uint64_t uid, const char *key, Err *e)
{
    static const char sql[] = "DELETE FROM tags WHERE uid = ?1 AND key = ?2";
    sqlite3_stmt *st = catalog_stmt(c, sql, e);
    if (!st)
        return WEIR_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)uid);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    return catalog_step_done(c, st, e, "delete tag");
}

static void catalog_copy_text(char *dst, size_t cap, const unsigned char *src)
{
    size_t n = src ? strlen((const char *)src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int catalog_load(Catalog *c, const CatalogLoader *l, Err *e)
{
    static const char q1[] = "SELECT uid, name, region, account, status, mode, retention_hours, created_ms"
                             " FROM streams ORDER BY uid";
    static const char q2[] = "SELECT uid, idx, parent, adjacent_parent, hash_lo, hash_hi, start_seq, end_seq,"
                             " is_closed, created_ms, closed_ms, trim_seq FROM shards ORDER BY uid, idx";
    static const char q3[] = "SELECT uid, key, value FROM tags ORDER BY uid, key";
    int rc = WEIR_OK, r = SQLITE_DONE;

    sqlite3_stmt *st = catalog_stmt(c, q1, e);
    if (!st)
        return WEIR_EIO;
    while (rc == WEIR_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        StreamInfo info;
        memset(&info, 0, sizeof(info));
        info.uid = (uint64_t)sqlite3_column_int64(st, 0);
        catalog_copy_text(info.name, sizeof(info.name), sqlite3_column_text(st, 1));
        catalog_copy_text(info.region, sizeof(info.region), sqlite3_column_text(st, 2));
        catalog_copy_text(info.account, sizeof(info.account), sqlite3_column_text(st, 3));
        info.status = sqlite3_column_int(st, 4);
        info.mode = sqlite3_column_int(st, 5);
        info.retention_hours = sqlite3_column_int(st, 6);
        info.created_ms = sqlite3_column_int64(st, 7);
        rc = l->stream(l->arg, &info, e);
    }
    if (rc == WEIR_OK && r != SQLITE_DONE)
        rc = catalog_fail(c, e, "load streams");
    sqlite3_reset(st);
    if (rc)
        return rc;

    st = catalog_stmt(c, q2, e);
    if (!st)
        return WEIR_EIO;
    while (rc == WEIR_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        ShardInfo sh;
        memset(&sh, 0, sizeof(sh));
        uint64_t uid = (uint64_t)sqlite3_column_int64(st, 0);
        sh.index = (uint32_t)sqlite3_column_int64(st, 1);
        sh.parent = sqlite3_column_int64(st, 2);
        sh.adjacent_parent = sqlite3_column_int64(st, 3);
        if (sqlite3_column_bytes(st, 4) != 16 || sqlite3_column_bytes(st, 5) != 16) {
            rc = err_set(e, WEIR_ECORRUPT, "catalog: shard %u of stream %llu has a bad hash range", sh.index,
                         (unsigned long long)uid);
            break;
        }
        sh.hash_lo = catalog_u128_get(sqlite3_column_blob(st, 4));
        sh.hash_hi = catalog_u128_get(sqlite3_column_blob(st, 5));
        sh.start_seq = (uint64_t)sqlite3_column_int64(st, 6);
        sh.end_seq = (uint64_t)sqlite3_column_int64(st, 7);
        sh.is_closed = sqlite3_column_int(st, 8);
        sh.created_ms = sqlite3_column_int64(st, 9);
        sh.closed_ms = sqlite3_column_int64(st, 10);
        uint64_t trim = (uint64_t)sqlite3_column_int64(st, 11);
        rc = l->shard(l->arg, uid, &sh, trim, e);
    }
    if (rc == WEIR_OK && r != SQLITE_DONE)
        rc = catalog_fail(c, e, "load shards");
    sqlite3_reset(st);
    if (rc)
        return rc;

    st = catalog_stmt(c, q3, e);
    if (!st)
        return WEIR_EIO;
    while (rc == WEIR_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 1);
        const char *v = (const char *)sqlite3_column_text(st, 2);
        rc = l->tag(l->arg, (uint64_t)sqlite3_column_int64(st, 0), k ? k : "", v ? v : "", e);
    }
    if (rc == WEIR_OK && r != SQLITE_DONE)
        rc = catalog_fail(c, e, "load tags");
    sqlite3_reset(st);
    return rc;
}
