/*
 * fh_int.h: what firehose.c (the catalog and the manager) and fh_deliver.c (the delivery runtime) share.
 * Not for other modules: they use firehose.h.
 *
 * firehose.db (SQLite, WAL, synchronous=FULL), schema version 1:
 *   fh_streams(name PK, type, source, source_arn, source_role, dest, version, status, created_ms,
 *              updated_ms, region)                    one row per delivery stream
 *   fh_tags(name, key, value)                         its tags
 *   fh_positions(name, shard, source_uid, pos)        committed read position per source shard: every
 *                                                     record of the shard before pos is in a delivered
 *                                                     object (or is skipped on replay by a high water)
 *   fh_highwater(name, bkey, shard, seq)              per buffer key and shard, the highest sequence
 *                                                     delivered in an object of that key
 *   fh_intents(name, okey, bucket, bkey, shards, n)   an object being written: shards is
 *                                                     "index:maxseq,..." of the records in it
 * The manager's connection serves the API's calls; each delivery thread opens its own connection (one
 * SQLite connection must not carry two threads' transactions at once).
 */
#ifndef WEIR_SINK_FH_INT_H
#define WEIR_SINK_FH_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>

#include "sink/firehose.h"

typedef struct FhRun FhRun;

struct FhManager {
    Store *store;
    ObjStore *os;
    char *db_path;
    sqlite3 *db;
    pthread_mutex_t mu; /* the catalog connection and runs[] */
    char region[32];
    char account[13];
    int tick_ms;
    FhTableJsonFn table_json;
    void *table_arg;
    FhRun **runs;
    size_t n_runs;
};

/* What a delivery thread needs to know about its stream (copied by fh_run_start). */
typedef struct FhRunSpec {
    const char *name;
    const char *source;   /* the weir stream it reads */
    FhType type;
    int64_t version;
    int64_t created_ms;
    const char *dest_json;
} FhRunSpec;

/* Start the delivery thread of one stream. WEIR_EINVAL if dest_json does not parse. */
int fh_run_start(FhManager *m, const FhRunSpec *spec, FhRun **out, Err *e) WEIR_WARN_UNUSED;
/* Stop and join it; *r becomes NULL. drain: first deliver what it buffered (a configuration change);
 * otherwise that is delivered again after the next start. */
void fh_run_stop(FhRun **r, int drain);
const char *fh_run_name(const FhRun *r);
void fh_run_counts(const FhRun *r, uint64_t *records, uint64_t *objects);

/* Open firehose.db at path with the schema (each connection: WAL, synchronous=FULL, busy timeout). */
int fh_db_open(const char *path, sqlite3 **out, Err *e) WEIR_WARN_UNUSED;
int fh_db_exec(sqlite3 *db, const char *sql, Err *e) WEIR_WARN_UNUSED;
/* ROLLBACK if a transaction is open (after a failure: nothing to report). */
void fh_db_rollback(sqlite3 *db);

#endif
