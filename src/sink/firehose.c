/*
 * firehose.c: the delivery-stream catalog (DATA/firehose.db, schema in fh_int.h), the destination
 * configuration parser, and the manager that starts and stops one delivery thread per stream
 * (fh_deliver.c). See firehose.h for the model.
 *
 * Ordering against crashes:
 *   create  DirectPut: delete any leftover backing stream of the name, create it, then insert the
 *           catalog row (a crash before the insert leaves an orphan stream the next create removes);
 *           the thread then marks the stream ACTIVE once it has its start positions.
 *   delete  stop the thread, delete every row of the stream in one transaction, then delete the
 *           backing stream (a crash in between leaves an orphan the next create of the name removes).
 *   update  stop the thread after it delivered its buffers under the old configuration (records
 *           replayed under a new prefix would not meet the high waters of the keys they were delivered
 *           under), replace the destination and bump the version, start the thread.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/log.h"
#include "sink/fh_int.h"

/* ------------------------------------------------------------------------------------------------
 * SQLite
 * ---------------------------------------------------------------------------------------------- */

static const char FH_SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS fh_streams(name TEXT PRIMARY KEY, type INTEGER NOT NULL, source TEXT NOT NULL,"
    " source_arn TEXT NOT NULL, source_role TEXT NOT NULL, dest TEXT NOT NULL, version INTEGER NOT NULL,"
    " status INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL, region TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS fh_tags(name TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY(name, key));"
    "CREATE TABLE IF NOT EXISTS fh_positions(name TEXT NOT NULL, shard INTEGER NOT NULL, source_uid INTEGER NOT NULL,"
    " pos INTEGER NOT NULL, PRIMARY KEY(name, shard));"
    "CREATE TABLE IF NOT EXISTS fh_highwater(name TEXT NOT NULL, bkey TEXT NOT NULL, shard INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, PRIMARY KEY(name, bkey, shard));"
    "CREATE TABLE IF NOT EXISTS fh_intents(name TEXT NOT NULL, okey TEXT NOT NULL, bucket TEXT NOT NULL,"
    " bkey TEXT NOT NULL, shards TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY(name, okey));"
    "PRAGMA user_version = 1;";

int fh_db_exec(sqlite3 *db, const char *sql, Err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "firehose.db: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return WEIR_EIO;
    }
    return WEIR_OK;
}

int fh_db_open(const char *path, sqlite3 **out, Err *e)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        err_set(e, WEIR_EIO, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return WEIR_EIO;
    }
    sqlite3_busy_timeout(db, 30000);
    if (fh_db_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", e) || fh_db_exec(db, FH_SCHEMA, e)) {
        sqlite3_close(db);
        return e->code;
    }
    *out = db;
    return WEIR_OK;
}

void fh_db_rollback(sqlite3 *db)
{
    if (sqlite3_get_autocommit(db) == 0)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static sqlite3_stmt *db_prep(sqlite3 *db, const char *sql, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "firehose.db: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

static int db_step_done(sqlite3 *db, sqlite3_stmt *st, Err *e)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return err_set(e, WEIR_EIO, "firehose.db: %s", sqlite3_errmsg(db));
    return WEIR_OK;
}

/* Run sql (one "?" for the stream's name) for the row of delivery stream name: WEIR_OK with *out on it
 * (the caller finalizes), WEIR_ENOTFOUND when there is none. */
static int db_stream_row(sqlite3 *db, const char *sql, const char *name, sqlite3_stmt **out, Err *e)
{
    sqlite3_stmt *st = db_prep(db, sql, e);
    if (!st)
        return e->code;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return err_set(e, WEIR_ENOTFOUND, "delivery stream %s not found", name);
    }
    *out = st;
    return WEIR_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* ------------------------------------------------------------------------------------------------
 * Destination configuration
 * ---------------------------------------------------------------------------------------------- */

void fh_dest_fini(FhDest *d)
{
    if (!d)
        return;
    fh_template_fini(&d->prefix);
    fh_template_fini(&d->error_prefix);
    fh_keys_free(d->keys, d->n_keys);
    d->keys = NULL;
    d->n_keys = 0;
}

/* "arn:aws:s3:::bucket" (any partition) -> bucket. S3's bucket naming: 3-63 of [a-z0-9.-], starting and
 * ending with a letter or digit. */
static int dest_bucket(const char *arn, char *out, size_t cap)
{
    if (strncmp(arn, "arn:aws", 7) != 0)
        return -1;
    const char *p = strstr(arn, ":s3:::");
    if (!p || strchr(arn + 7, ':') != p)
        return -1;
    const char *b = p + 6;
    size_t n = strlen(b);
    if (n < 3 || n > 63 || n >= cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return -1;
    }
    if (b[0] == '.' || b[0] == '-' || b[n - 1] == '.' || b[n - 1] == '-')
        return -1;
    memcpy(out, b, n + 1);
    return 0;
}

/* A member that must be a string when present: *out NULL when absent. */
static int dest_str(json_t *o, const char *k, const char **out, Err *e)
{
    json_t *v = json_object_get(o, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return WEIR_OK;
    if (!json_is_string(v))
        return err_set(e, WEIR_EINVAL, "%s must be a string.", k);
    *out = json_string_value(v);
    return WEIR_OK;
}

/* Enabled flags: absent means enabled when the block is given (as the console and the CLI write it). */
static int dest_enabled(json_t *o)
{
    json_t *v = json_object_get(o, "Enabled");
    return !v || json_is_null(v) || json_is_true(v);
}

static int dest_processing(json_t *pc, FhDest *d, Err *e)
{
    if (!json_is_object(pc))
        return err_set(e, WEIR_EINVAL, "ProcessingConfiguration must be an object.");
    if (!dest_enabled(pc))
        return WEIR_OK;
    json_t *procs = json_object_get(pc, "Processors");
    if (procs && !json_is_array(procs))
        return err_set(e, WEIR_EINVAL, "ProcessingConfiguration.Processors must be a list.");
    size_t i;
    json_t *p;
    json_array_foreach(procs, i, p) {
        const char *type = NULL;
        if (!json_is_object(p) || dest_str(p, "Type", &type, e) || !type)
            return err_set(e, WEIR_EINVAL, "Each processor needs a Type.");
        json_t *params = json_object_get(p, "Parameters");
        const char *query = NULL, *delim = NULL;
        size_t j;
        json_t *pa;
        json_array_foreach(params, j, pa) {
            const char *pn = NULL, *pv = NULL;
            if (dest_str(pa, "ParameterName", &pn, e) || dest_str(pa, "ParameterValue", &pv, e) || !pn || !pv)
                return err_set(e, WEIR_EINVAL, "Each processor parameter needs ParameterName and ParameterValue.");
            if (!strcmp(pn, "MetadataExtractionQuery"))
                query = pv;
            else if (!strcmp(pn, "Delimiter"))
                delim = pv;
        }
        if (!strcmp(type, "AppendDelimiterToRecord")) {
            /* Firehose's default delimiter is a newline; a Delimiter parameter is base64 of the bytes. */
            if (delim && strcmp(delim, "XG4=") != 0 && strcmp(delim, "\\n") != 0)
                return err_set(e, WEIR_EINVAL, "weir supports only the newline delimiter for AppendDelimiterToRecord.");
            d->append_newline = 1;
        } else if (!strcmp(type, "MetadataExtraction")) {
            if (!query)
                return err_set(e, WEIR_EINVAL, "The MetadataExtraction processor needs a MetadataExtractionQuery.");
            fh_keys_free(d->keys, d->n_keys);
            d->keys = NULL;
            d->n_keys = 0;
            if (fh_keys_parse(query, &d->keys, &d->n_keys, e))
                return e->code;
        } else {
            return err_set(e, WEIR_EINVAL, "Processor type %s is not supported by weir (AppendDelimiterToRecord and "
                           "MetadataExtraction are).", type);
        }
    }
    return WEIR_OK;
}

static int dest_conversion(json_t *dc, FhDest *d, Err *e)
{
    if (!json_is_object(dc))
        return err_set(e, WEIR_EINVAL, "DataFormatConversionConfiguration must be an object.");
    if (!dest_enabled(dc))
        return WEIR_OK;
    json_t *sc = json_object_get(dc, "SchemaConfiguration");
    const char *table = NULL;
    if (json_is_object(sc) && dest_str(sc, "TableName", &table, e))
        return e->code;
    if (!table || !table[0])
        return err_set(e, WEIR_EINVAL, "DataFormatConversionConfiguration needs SchemaConfiguration.TableName (a weir "
                       "table).");
    if (strlen(table) > STORE_NAME_MAX)
        return err_set(e, WEIR_EINVAL, "SchemaConfiguration.TableName is too long.");
    snprintf(d->table, sizeof(d->table), "%s", table);
    json_t *ser = json_object_get(json_object_get(dc, "OutputFormatConfiguration"), "Serializer");
    if (json_object_get(ser, "OrcSerDe"))
        return err_set(e, WEIR_EINVAL, "weir writes Parquet; the OrcSerDe serializer is not supported.");
    d->format = FH_FORMAT_PARQUET;
    d->parquet_codec = SINK_CODEC_SNAPPY;
    json_t *pq = json_object_get(ser, "ParquetSerDe");
    const char *comp = NULL;
    if (json_is_object(pq) && dest_str(pq, "Compression", &comp, e))
        return e->code;
    if (comp) {
        if (!strcmp(comp, "UNCOMPRESSED"))
            d->parquet_codec = SINK_CODEC_NONE;
        else if (!strcmp(comp, "GZIP"))
            d->parquet_codec = SINK_CODEC_GZIP;
        else if (!strcmp(comp, "SNAPPY"))
            d->parquet_codec = SINK_CODEC_SNAPPY;
        else if (!strcmp(comp, "ZSTD"))
            d->parquet_codec = SINK_CODEC_ZSTD;
        else
            return err_set(e, WEIR_EINVAL, "ParquetSerDe.Compression %s is not one of UNCOMPRESSED, GZIP, SNAPPY, ZSTD.",
                           comp);
    }
    return WEIR_OK;
}

/* A database or table name used as a directory name: [A-Za-z0-9_.-], not "." or "..". */
static int dest_dir_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > STORE_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
              c == '-'))
            return 0;
    }
    return 1;
}

/* IcebergDestinationConfiguration: one table (DestinationTableConfigurationList), the bucket and the
 * error prefix from S3Configuration; records are converted with the weir table of the table's name. */
static int dest_iceberg(json_t *o, FhDest *d, Err *e)
{
    json_t *list = json_object_get(o, "DestinationTableConfigurationList");
    if (!json_is_array(list) || json_array_size(list) != 1)
        return err_set(e, WEIR_EINVAL, "DestinationTableConfigurationList must name exactly one table.");
    json_t *t = json_array_get(list, 0);
    const char *table = NULL, *db = NULL, *arn = NULL, *eprefix = NULL;
    if (dest_str(t, "DestinationTableName", &table, e) || dest_str(t, "DestinationDatabaseName", &db, e))
        return e->code;
    if (!table || !dest_dir_name(table))
        return err_set(e, WEIR_EINVAL, "DestinationTableName must be a weir table name ([A-Za-z0-9_.-]).");
    if (!db)
        db = "default";
    if (!dest_dir_name(db))
        return err_set(e, WEIR_EINVAL, "DestinationDatabaseName must be a name of [A-Za-z0-9_.-].");
    if (json_object_get(t, "UniqueKeys") || json_object_get(t, "PartitionSpec"))
        return err_set(e, WEIR_EINVAL, "weir's Iceberg tables are append-only and unpartitioned: UniqueKeys and "
                       "PartitionSpec are not supported.");
    json_t *s3 = json_object_get(o, "S3Configuration");
    if (!json_is_object(s3) || dest_str(s3, "BucketARN", &arn, e) || !arn)
        return err_set(e, WEIR_EINVAL, "S3Configuration.BucketARN is required: the bucket of the warehouse the table "
                       "lives in.");
    if (dest_bucket(arn, d->bucket, sizeof(d->bucket)))
        return err_set(e, WEIR_EINVAL, "BucketARN %s is not a valid S3 bucket ARN (arn:aws:s3:::bucket-name).", arn);
    if (dest_str(s3, "ErrorOutputPrefix", &eprefix, e))
        return e->code;
    d->is_iceberg = 1;
    d->format = FH_FORMAT_PARQUET;
    d->parquet_codec = SINK_CODEC_ZSTD;
    snprintf(d->table, sizeof(d->table), "%s", table);
    snprintf(d->ice_path, sizeof(d->ice_path), "%s/%s", db, table);
    if (fh_template_parse("", 0, 0, &d->prefix, e) ||
        fh_template_parse(eprefix && eprefix[0] ? eprefix : "!{firehose:error-output-type}/", 1, 1, &d->error_prefix,
                          e))
        return e->code;
    return WEIR_OK;
}

int fh_dest_parse(const char *json, size_t len, FhDest *d, Err *e)
{
    memset(d, 0, sizeof(*d));
    d->size_bytes = 5u << 20;
    d->interval_ms = 300000;
    json_error_t je;
    json_t *o = json_loadb(json, len, 0, &je);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return err_set(e, WEIR_EINVAL, "The destination configuration is not a JSON object.");
    }
    int rc = WEIR_OK;
    const char *arn = NULL, *prefix = NULL, *eprefix = NULL, *comp = NULL;
    json_t *bh = json_object_get(o, "BufferingHints");
    if (json_object_get(o, "DestinationTableConfigurationList")) {
        rc = dest_iceberg(o, d, e);
        goto hints;
    }
    if ((rc = dest_str(o, "BucketARN", &arn, e)) || (rc = dest_str(o, "Prefix", &prefix, e)) ||
        (rc = dest_str(o, "ErrorOutputPrefix", &eprefix, e)) || (rc = dest_str(o, "CompressionFormat", &comp, e)))
        goto out;
    if (!arn) {
        rc = err_set(e, WEIR_EINVAL, "BucketARN is required.");
        goto out;
    }
    if (dest_bucket(arn, d->bucket, sizeof(d->bucket))) {
        rc = err_set(e, WEIR_EINVAL, "BucketARN %s is not a valid S3 bucket ARN (arn:aws:s3:::bucket-name).", arn);
        goto out;
    }
    if (comp && sink_codec_from_name(comp, &d->codec)) {
        rc = err_set(e, WEIR_EINVAL, "CompressionFormat %s is not one of UNCOMPRESSED, GZIP, ZIP, Snappy, HADOOP_SNAPPY, "
                     "ZSTD.", comp);
        goto out;
    }
hints:
    if (!rc && bh && json_is_object(bh)) {
        json_t *sz = json_object_get(bh, "SizeInMBs"), *iv = json_object_get(bh, "IntervalInSeconds");
        if (sz && !json_is_null(sz)) {
            if (!json_is_integer(sz) || json_integer_value(sz) < 1 || json_integer_value(sz) > 128) {
                rc = err_set(e, WEIR_EINVAL, "BufferingHints.SizeInMBs must be 1 to 128.");
                goto out;
            }
            d->size_bytes = (uint64_t)json_integer_value(sz) << 20;
        }
        if (iv && !json_is_null(iv)) {
            if (!json_is_integer(iv) || json_integer_value(iv) < 0 || json_integer_value(iv) > 900) {
                rc = err_set(e, WEIR_EINVAL, "BufferingHints.IntervalInSeconds must be 0 to 900.");
                goto out;
            }
            d->interval_ms = json_integer_value(iv) * 1000;
        }
    }
    if (rc || d->is_iceberg)
        goto out;
    json_t *pc = json_object_get(o, "ProcessingConfiguration");
    if (pc && !json_is_null(pc) && (rc = dest_processing(pc, d, e)))
        goto out;
    json_t *dp = json_object_get(o, "DynamicPartitioningConfiguration");
    if (dp && json_is_object(dp))
        d->dynamic_partitioning = dest_enabled(dp);
    json_t *dc = json_object_get(o, "DataFormatConversionConfiguration");
    if (dc && !json_is_null(dc) && (rc = dest_conversion(dc, d, e)))
        goto out;
    /* Firehose appends the default timestamp to a prefix without one, except with dynamic partitioning,
     * where the prefix is the partitioning. */
    if ((rc = fh_template_parse(prefix, 0, !d->dynamic_partitioning, &d->prefix, e)))
        goto out;
    int has_expr = prefix && strstr(prefix, "!{") != NULL;
    if (has_expr && (!eprefix || !eprefix[0])) {
        rc = err_set(e, WEIR_EINVAL, "ErrorOutputPrefix cannot be null or empty when Prefix contains expressions.");
        goto out;
    }
    if ((rc = fh_template_parse(eprefix && eprefix[0] ? eprefix : "!{firehose:error-output-type}/", 1, 1,
                                &d->error_prefix, e)))
        goto out;
    if (fh_template_has(&d->prefix, FH_TPL_PART_KEY) && !d->dynamic_partitioning) {
        rc = err_set(e, WEIR_EINVAL, "The prefix uses partitionKeyFromQuery, but dynamic partitioning is not enabled.");
        goto out;
    }
    if (d->dynamic_partitioning) {
        if (!fh_template_has(&d->prefix, FH_TPL_PART_KEY)) {
            rc = err_set(e, WEIR_EINVAL, "When dynamic partitioning is enabled, the Prefix must use at least one "
                         "!{partitionKeyFromQuery:key} expression.");
            goto out;
        }
        for (size_t i = 0; i < d->prefix.n_parts; i++) {
            if (d->prefix.parts[i].kind != FH_TPL_PART_KEY)
                continue;
            int found = 0;
            for (size_t k = 0; k < d->n_keys; k++)
                found |= !strcmp(d->keys[k].name, d->prefix.parts[i].arg);
            if (!found) {
                rc = err_set(e, WEIR_EINVAL, "The prefix uses partitionKeyFromQuery:%s, but no MetadataExtraction "
                             "query defines that key.", d->prefix.parts[i].arg);
                goto out;
            }
        }
    }
out:
    json_decref(o);
    return rc;
}

void fh_backing_stream(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", FH_BACKING_PREFIX, name);
}

/* ------------------------------------------------------------------------------------------------
 * Manager
 * ---------------------------------------------------------------------------------------------- */

/* A conversion's table must exist when the stream is created or updated. */
static int mgr_check_table(FhManager *m, const char *table, Err *e)
{
    char *js = m->table_json ? m->table_json(m->table_arg, table) : NULL;
    if (!js)
        return err_set(e, WEIR_EINVAL, "SchemaConfiguration names the table %s, which does not exist in weir.", table);
    free(js);
    return WEIR_OK;
}

static FhRun *mgr_find_run(FhManager *m, const char *name, size_t *idx)
{
    for (size_t i = 0; i < m->n_runs; i++)
        if (!strcmp(fh_run_name(m->runs[i]), name)) {
            if (idx)
                *idx = i;
            return m->runs[i];
        }
    return NULL;
}

static void mgr_stop_run(FhManager *m, const char *name, int drain)
{
    size_t i;
    FhRun *r = mgr_find_run(m, name, &i);
    if (!r)
        return;
    fh_run_stop(&r, drain);
    m->runs[i] = m->runs[--m->n_runs];
}

/* Start the thread of the stream in the catalog row (caller holds mu). */
static int mgr_start_from_db(FhManager *m, const char *name, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (db_stream_row(m->db, "SELECT type, source, version, created_ms, dest FROM fh_streams WHERE name = ?", name, &st,
                      e))
        return e->code;
    FhRunSpec spec = {.name = name,
                      .type = (FhType)sqlite3_column_int(st, 0),
                      .source = col_text(st, 1),
                      .version = sqlite3_column_int64(st, 2),
                      .created_ms = sqlite3_column_int64(st, 3),
                      .dest_json = col_text(st, 4)};
    FhRun *r = NULL;
    int rc = fh_run_start(m, &spec, &r, e);
    sqlite3_finalize(st);
    if (rc)
        return rc;
    m->runs = xrealloc(m->runs, (m->n_runs + 1) * sizeof(*m->runs));
    m->runs[m->n_runs++] = r;
    return WEIR_OK;
}

int fh_manager_create(const FhConfig *cfg, FhManager **out, Err *e)
{
    if (!cfg->data_dir)
        return err_set(e, WEIR_EINVAL, "delivery streams need a data directory");
    FhManager *m = xcalloc(1, sizeof(*m));
    m->store = cfg->store;
    m->os = cfg->objstore;
    m->tick_ms = cfg->tick_ms > 0 ? cfg->tick_ms : 50;
    m->table_json = cfg->table_json;
    m->table_arg = cfg->table_arg;
    snprintf(m->region, sizeof(m->region), "%s", cfg->region ? cfg->region : "us-east-1");
    snprintf(m->account, sizeof(m->account), "%s", cfg->account ? cfg->account : "000000000000");
    pthread_mutex_init(&m->mu, NULL);
    size_t n = strlen(cfg->data_dir) + 32;
    m->db_path = xmalloc(n);
    snprintf(m->db_path, n, "%s/firehose.db", cfg->data_dir);
    if (fh_db_open(m->db_path, &m->db, e)) {
        fh_manager_destroy(&m);
        return e->code;
    }
    /* resume every delivery stream */
    sqlite3_stmt *st = db_prep(m->db, "SELECT name FROM fh_streams ORDER BY name", e);
    if (!st) {
        fh_manager_destroy(&m);
        return e->code;
    }
    char **names = NULL;
    size_t nn = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        names = xrealloc(names, (nn + 1) * sizeof(*names));
        names[nn++] = xstrdup(col_text(st, 0));
    }
    sqlite3_finalize(st);
    int rc = WEIR_OK;
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < nn; i++) {
        Err e2;
        err_clear(&e2);
        /* one stream that cannot start (its configuration no longer parses) does not stop the others */
        if (!rc && mgr_start_from_db(m, names[i], &e2))
            log_error("firehose: delivery stream %s does not start: %s", names[i], e2.msg);
        free(names[i]);
    }
    pthread_mutex_unlock(&m->mu);
    free(names);
    *out = m;
    return WEIR_OK;
}

void fh_manager_destroy(FhManager **mp)
{
    if (!mp || !*mp)
        return;
    FhManager *m = *mp;
    pthread_mutex_lock(&m->mu);
    while (m->n_runs)
        fh_run_stop(&m->runs[--m->n_runs], 0);
    pthread_mutex_unlock(&m->mu);
    free(m->runs);
    if (m->db)
        sqlite3_close(m->db);
    pthread_mutex_destroy(&m->mu);
    free(m->db_path);
    free(m);
    *mp = NULL;
}

static int mgr_exists(FhManager *m, const char *name, int *type, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (db_stream_row(m->db, "SELECT type FROM fh_streams WHERE name = ?", name, &st, e))
        return e->code;
    if (type)
        *type = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return WEIR_OK;
}

static int mgr_tags_put(FhManager *m, const char *name, const FhTag *tags, size_t n, Err *e)
{
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = db_prep(m->db, "INSERT OR REPLACE INTO fh_tags(name, key, value) VALUES(?, ?, ?)", e);
        if (!st)
            return e->code;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, tags[i].key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, tags[i].value ? tags[i].value : "", -1, SQLITE_TRANSIENT);
        if (db_step_done(m->db, st, e))
            return e->code;
    }
    return WEIR_OK;
}

static int mgr_count_tags(FhManager *m, const char *name, const FhTag *extra, size_t n_extra, size_t *out, Err *e)
{
    sqlite3_stmt *st = db_prep(m->db, "SELECT key FROM fh_tags WHERE name = ?", e);
    if (!st)
        return e->code;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    size_t n = 0;
    int *seen = xcalloc(n_extra ? n_extra : 1, sizeof(int));
    while (sqlite3_step(st) == SQLITE_ROW) {
        n++;
        for (size_t i = 0; i < n_extra; i++)
            if (!strcmp(col_text(st, 0), extra[i].key))
                seen[i] = 1;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; i < n_extra; i++) {
        int dup = seen[i];
        for (size_t j = 0; j < i && !dup; j++)
            dup = !strcmp(extra[j].key, extra[i].key);
        n += !dup;
    }
    free(seen);
    *out = n;
    return WEIR_OK;
}

int fh_stream_create(FhManager *m, const FhCreate *c, Err *e)
{
    FhDest d;
    int rc = fh_dest_parse(c->dest_json, strlen(c->dest_json), &d, e);
    if (!rc && d.format == FH_FORMAT_PARQUET)
        rc = mgr_check_table(m, d.table, e);
    char dir[4096];
    if (!rc && d.is_iceberg && !objstore_local_dir(m->os, d.bucket, dir, sizeof(dir)))
        rc = err_set(e, WEIR_EINVAL, "Iceberg tables are written into the local warehouse (--warehouse), not an S3 "
                     "endpoint.");
    fh_dest_fini(&d);
    if (rc)
        return rc;
    if (c->n_tags > FH_MAX_TAGS)
        return err_set(e, WEIR_ELIMIT, "A delivery stream can have at most %d tags.", FH_MAX_TAGS);
    char source[STORE_NAME_MAX + 1];
    if (c->type == FH_TYPE_DIRECT_PUT) {
        fh_backing_stream(c->name, source, sizeof(source));
    } else {
        snprintf(source, sizeof(source), "%s", c->source_stream);
        StreamInfo *si = NULL;
        Err e2;
        err_clear(&e2);
        if (store_stream_describe(m->store, source, &si, &e2))
            return err_set(e, WEIR_EINVAL, "The Kinesis stream %s does not exist.", c->source_arn);
        store_stream_info_free(&si);
    }
    pthread_mutex_lock(&m->mu);
    Err e3;
    err_clear(&e3);
    if (mgr_exists(m, c->name, NULL, &e3) == WEIR_OK) {
        pthread_mutex_unlock(&m->mu);
        return err_set(e, WEIR_EEXIST, "Firehose stream %s under account %s already exists.", c->name, m->account);
    }
    if (c->type == FH_TYPE_DIRECT_PUT) {
        Err e4;
        err_clear(&e4);
        if (store_stream_delete(m->store, source, &e4) == WEIR_OK)
            log_info("firehose: removed a leftover backing stream %s", source);
        if (store_stream_create(m->store, source, 1, STREAM_MODE_PROVISIONED, c->region, m->account, e)) {
            pthread_mutex_unlock(&m->mu);
            return e->code;
        }
    }
    int64_t now = clock_now_ms();
    if (fh_db_exec(m->db, "BEGIN IMMEDIATE", e))
        goto fail;
    sqlite3_stmt *st = db_prep(m->db,
                               "INSERT INTO fh_streams(name, type, source, source_arn, source_role, dest, version, status,"
                               " created_ms, updated_ms, region) VALUES(?, ?, ?, ?, ?, ?, 1, 0, ?, ?, ?)",
                               e);
    if (!st)
        goto rollback;
    sqlite3_bind_text(st, 1, c->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, (int)c->type);
    sqlite3_bind_text(st, 3, source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, c->source_arn ? c->source_arn : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, c->source_role ? c->source_role : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, c->dest_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, now);
    sqlite3_bind_int64(st, 8, now);
    sqlite3_bind_text(st, 9, c->region ? c->region : m->region, -1, SQLITE_TRANSIENT);
    if (db_step_done(m->db, st, e) || mgr_tags_put(m, c->name, c->tags, c->n_tags, e))
        goto rollback;
    /* leftovers of an earlier stream of this name (a crash during its delete) */
    static const char *const clean[] = {"DELETE FROM fh_positions WHERE name = ?", "DELETE FROM fh_highwater WHERE name = ?",
                                        "DELETE FROM fh_intents WHERE name = ?"};
    for (size_t i = 0; i < 3; i++) {
        st = db_prep(m->db, clean[i], e);
        if (!st)
            goto rollback;
        sqlite3_bind_text(st, 1, c->name, -1, SQLITE_TRANSIENT);
        if (db_step_done(m->db, st, e))
            goto rollback;
    }
    if (fh_db_exec(m->db, "COMMIT", e))
        goto rollback;
    rc = mgr_start_from_db(m, c->name, e);
    pthread_mutex_unlock(&m->mu);
    return rc;
rollback:
    fh_db_rollback(m->db);
fail:
    if (c->type == FH_TYPE_DIRECT_PUT) {
        Err ignore;
        err_clear(&ignore);
        if (store_stream_delete(m->store, source, &ignore))
            log_warn("firehose: removing the backing stream %s: %s", source, ignore.msg);
    }
    pthread_mutex_unlock(&m->mu);
    return e->code ? e->code : WEIR_EIO;
}

int fh_stream_delete(FhManager *m, const char *name, Err *e)
{
    pthread_mutex_lock(&m->mu);
    int type = 0;
    if (mgr_exists(m, name, &type, e)) {
        pthread_mutex_unlock(&m->mu);
        return e->code;
    }
    mgr_stop_run(m, name, 0);
    static const char *const del[] = {"DELETE FROM fh_streams WHERE name = ?", "DELETE FROM fh_tags WHERE name = ?",
                                      "DELETE FROM fh_positions WHERE name = ?", "DELETE FROM fh_highwater WHERE name = ?",
                                      "DELETE FROM fh_intents WHERE name = ?"};
    int rc = fh_db_exec(m->db, "BEGIN IMMEDIATE", e);
    for (size_t i = 0; !rc && i < sizeof(del) / sizeof(del[0]); i++) {
        sqlite3_stmt *st = db_prep(m->db, del[i], e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        rc = db_step_done(m->db, st, e);
    }
    if (!rc)
        rc = fh_db_exec(m->db, "COMMIT", e);
    if (rc) {
        Err ignore;
        err_clear(&ignore);
        fh_db_rollback(m->db);
        (void)mgr_start_from_db(m, name, &ignore);
        pthread_mutex_unlock(&m->mu);
        return rc;
    }
    if (type == FH_TYPE_DIRECT_PUT) {
        char source[STORE_NAME_MAX + 1];
        fh_backing_stream(name, source, sizeof(source));
        Err ignore;
        err_clear(&ignore);
        if (store_stream_delete(m->store, source, &ignore))
            log_warn("firehose: deleting the backing stream %s: %s", source, ignore.msg);
    }
    pthread_mutex_unlock(&m->mu);
    return WEIR_OK;
}

int fh_stream_list(FhManager *m, int type_filter, char ***names, size_t *n, Err *e)
{
    pthread_mutex_lock(&m->mu);
    sqlite3_stmt *st = db_prep(m->db, "SELECT name, type FROM fh_streams ORDER BY name", e);
    if (!st) {
        pthread_mutex_unlock(&m->mu);
        return e->code;
    }
    *names = NULL;
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (type_filter >= 0 && sqlite3_column_int(st, 1) != type_filter)
            continue;
        *names = xrealloc(*names, (*n + 1) * sizeof(**names));
        (*names)[(*n)++] = xstrdup(col_text(st, 0));
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&m->mu);
    return WEIR_OK;
}

void fh_info_free(FhInfo **ip)
{
    if (!ip || !*ip)
        return;
    FhInfo *i = *ip;
    free(i->dest_json);
    for (size_t k = 0; k < i->n_tags; k++) {
        free(i->tags[k].key);
        free(i->tags[k].value);
    }
    free(i->tags);
    free(i);
    *ip = NULL;
}

int fh_stream_get(FhManager *m, const char *name, FhInfo **out, Err *e)
{
    pthread_mutex_lock(&m->mu);
    sqlite3_stmt *st = NULL;
    if (db_stream_row(m->db,
                      "SELECT type, source_arn, source_role, dest, version, status, created_ms, updated_ms, region"
                      " FROM fh_streams WHERE name = ?",
                      name, &st, e)) {
        pthread_mutex_unlock(&m->mu);
        return e->code;
    }
    FhInfo *i = xcalloc(1, sizeof(*i));
    snprintf(i->name, sizeof(i->name), "%s", name);
    i->type = (FhType)sqlite3_column_int(st, 0);
    snprintf(i->source_arn, sizeof(i->source_arn), "%s", col_text(st, 1));
    snprintf(i->source_role, sizeof(i->source_role), "%s", col_text(st, 2));
    i->dest_json = xstrdup(col_text(st, 3));
    i->version = sqlite3_column_int64(st, 4);
    i->status = (FhStatus)sqlite3_column_int(st, 5);
    i->created_ms = sqlite3_column_int64(st, 6);
    i->updated_ms = sqlite3_column_int64(st, 7);
    snprintf(i->arn, sizeof(i->arn), "arn:aws:firehose:%s:%s:deliverystream/%s", col_text(st, 8), m->account, name);
    sqlite3_finalize(st);
    st = db_prep(m->db, "SELECT key, value FROM fh_tags WHERE name = ? ORDER BY key", e);
    if (st) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(st) == SQLITE_ROW) {
            i->tags = xrealloc(i->tags, (i->n_tags + 1) * sizeof(*i->tags));
            i->tags[i->n_tags].key = xstrdup(col_text(st, 0));
            i->tags[i->n_tags].value = xstrdup(col_text(st, 1));
            i->n_tags++;
        }
        sqlite3_finalize(st);
    }
    FhRun *r = mgr_find_run(m, name, NULL);
    if (r)
        fh_run_counts(r, &i->n_delivered, &i->n_objects);
    pthread_mutex_unlock(&m->mu);
    *out = i;
    return WEIR_OK;
}

int fh_stream_update_dest(FhManager *m, const char *name, int64_t cur_version, const char *dest_json, Err *e)
{
    FhDest d;
    int rc = fh_dest_parse(dest_json, strlen(dest_json), &d, e);
    if (!rc && d.format == FH_FORMAT_PARQUET)
        rc = mgr_check_table(m, d.table, e);
    fh_dest_fini(&d);
    if (rc)
        return rc;
    pthread_mutex_lock(&m->mu);
    sqlite3_stmt *st = NULL;
    if (db_stream_row(m->db, "SELECT version FROM fh_streams WHERE name = ?", name, &st, e)) {
        pthread_mutex_unlock(&m->mu);
        return e->code;
    }
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (v != cur_version) {
        pthread_mutex_unlock(&m->mu);
        return err_set(e, WEIR_EBUSY,
                       "Firehose stream %s has version %" PRId64 ", not the CurrentDeliveryStreamVersionId %" PRId64 ".",
                       name, v, cur_version);
    }
    mgr_stop_run(m, name, 1);
    st = db_prep(m->db, "UPDATE fh_streams SET dest = ?, version = version + 1, updated_ms = ? WHERE name = ?", e);
    if (st) {
        sqlite3_bind_text(st, 1, dest_json, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, clock_now_ms());
        sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
        rc = db_step_done(m->db, st, e);
    } else {
        rc = e->code;
    }
    Err e2;
    err_clear(&e2);
    if (mgr_start_from_db(m, name, &e2))
        log_error("firehose: delivery stream %s does not restart: %s", name, e2.msg);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int fh_stream_tags_add(FhManager *m, const char *name, const FhTag *tags, size_t n, Err *e)
{
    pthread_mutex_lock(&m->mu);
    size_t total = 0;
    int rc = mgr_exists(m, name, NULL, e);
    if (!rc)
        rc = mgr_count_tags(m, name, tags, n, &total, e);
    if (!rc && total > FH_MAX_TAGS)
        rc = err_set(e, WEIR_ELIMIT, "A delivery stream can have at most %d tags; this would make %zu.", FH_MAX_TAGS,
                     total);
    if (!rc && !(rc = fh_db_exec(m->db, "BEGIN IMMEDIATE", e))) {
        rc = mgr_tags_put(m, name, tags, n, e);
        if (rc)
            fh_db_rollback(m->db);
        else
            rc = fh_db_exec(m->db, "COMMIT", e);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int fh_stream_tags_remove(FhManager *m, const char *name, char *const *keys, size_t n, Err *e)
{
    pthread_mutex_lock(&m->mu);
    int rc = mgr_exists(m, name, NULL, e);
    for (size_t i = 0; !rc && i < n; i++) {
        sqlite3_stmt *st = db_prep(m->db, "DELETE FROM fh_tags WHERE name = ? AND key = ?", e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, keys[i], -1, SQLITE_TRANSIENT);
        rc = db_step_done(m->db, st, e);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int fh_stream_source(FhManager *m, const char *name, char *out, size_t cap, Err *e)
{
    pthread_mutex_lock(&m->mu);
    sqlite3_stmt *st = NULL;
    int rc = db_stream_row(m->db, "SELECT source FROM fh_streams WHERE name = ?", name, &st, e);
    if (!rc) {
        snprintf(out, cap, "%s", col_text(st, 0));
        sqlite3_finalize(st);
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}

int fh_stream_put(FhManager *m, const char *name, const Slice *data, size_t n, StoreAppendResult *results,
                  uint64_t *uid, uint64_t *sync_token, Err *e)
{
    int type = 0;
    pthread_mutex_lock(&m->mu);
    int rc = mgr_exists(m, name, &type, e);
    pthread_mutex_unlock(&m->mu);
    if (rc)
        return rc;
    if (type != FH_TYPE_DIRECT_PUT)
        return err_set(e, WEIR_EINVAL, "This operation is not permitted on KinesisStreamAsSource delivery stream type.");
    char source[STORE_NAME_MAX + 1];
    fh_backing_stream(name, source, sizeof(source));
    StreamInfo *si = NULL;
    if (store_stream_describe(m->store, source, &si, e))
        return e->code;
    *uid = si->uid;
    store_stream_info_free(&si);
    /* One partition key: the backing stream has one shard, and one key keeps the records in put order. */
    StoreAppendEntry *en = xcalloc(n ? n : 1, sizeof(*en));
    static const char key[] = "firehose";
    u128 h = u128_md5_hash_key(key, sizeof(key) - 1);
    for (size_t i = 0; i < n; i++) {
        en[i].key = (Slice){(const uint8_t *)key, sizeof(key) - 1};
        en[i].data = data[i];
        en[i].hash = h;
    }
    int64_t arrival = 0;
    rc = store_append(m->store, source, en, n, results, &arrival, sync_token, e);
    free(en);
    return rc;
}
