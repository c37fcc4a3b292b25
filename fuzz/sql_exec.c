/*
 * sql_exec.c: libFuzzer target for the SQL engine end to end: every input is a query string run the way
 * the simple query protocol runs it (sql_split, then per statement sql_prepare, sql_bind and
 * sql_portal_fetch to completion, every row formatted as text and binary), over two stream tables in a
 * real store, with a small query memory budget so the 53200 paths run too.
 *
 * It checks that nothing crashes, trips a sanitizer or leaks (LeakSanitizer), and that every error comes
 * back cleanly: a five-character SQLSTATE and a message. Parameters ($1...) are bound as NULLs. Every
 * statement that prepared and bound as a query is also run under EXPLAIN (VERBOSE) -- which must
 * succeed -- or, for one input in three, EXPLAIN (ANALYZE, VERBOSE), so the plan printer sees every
 * plan shape.
 * An input whose size is odd is fetched five rows at a time (the extended protocol's row-limited
 * Execute), an even one in one go.
 *
 * Fixture: streams "clicks" (2 shards) and "users" (1 shard) holding a few JSON records, with tables
 * of the same names (columns of tests/diff: the differential test's schema, so its queries are seeds).
 * Statements may change the catalog (CREATE/DROP TABLE) or the store (a table's shards = N creates a
 * stream, a dead_letter policy appends to one), so after each input anything that differs from the
 * fixture is put back: other tables and streams are dropped, a changed fixture stream is recreated with
 * its records and the two tables are created again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/u128.h"
#include "exec/catalog.h"
#include "exec/engine.h"
#include "exec/exec_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer inputs only slow the parser down without reaching anything new. */
#define SX_MAX_INPUT 4096

static const char *const sx_clicks[] = {
    "{\"event_id\": 1, \"user_id\": 7, \"session\": \"s1\", \"url\": \"/home\", \"referrer\": null, "
    "\"country\": "
    "\"DE\", \"device\": \"mobile\", \"status\": 200, \"bytes\": 5120, \"duration_ms\": 12.5, \"price\": "
    "9.99, "
    "\"ts\": \"2024-03-31T00:59:59Z\", \"is_bot\": false, \"props\": {\"a\": {\"b\": 1}, \"tags\": [\"x\", "
    "\"y\"]}}",
    "{\"event_id\": 2, \"user_id\": 7, \"session\": \"s1\", \"url\": \"/caf\u00e9\", \"country\": \"US\", "
    "\"device\": \"desktop\", \"status\": 404, \"bytes\": -1, \"duration_ms\": -0.25, \"price\": 0, "
    "\"ts\": \"2024-03-31T03:00:00+02:00\", \"is_bot\": true}",
    "{\"event_id\": 3, \"user_id\": null, \"session\": \"s2\", \"url\": null, \"country\": \"JP\", "
    "\"device\": "
    "\"tablet\", \"status\": 500, \"bytes\": 9007199254740993, \"duration_ms\": 1e300, \"price\": 123456.78, "
    "\"ts\": \"2019-10-27T01:00:00-05:00\"}",
    "{\"event_id\": 4, \"user_id\": 8, \"session\": \"s3\", \"url\": \"/\u65e5\u672c\u8a9e\", \"status\": "
    "\"oops\", \"ts\": \"not a time\", \"props\": [1, 2]}",
    "not json at all",
    "{\"event_id\": 5, \"user_id\": 9, \"session\": \"s3\", \"url\": \"/search?q=weir\", \"country\": "
    "\"DE\", "
    "\"device\": \"mobile\", \"status\": 301, \"bytes\": 0, \"duration_ms\": 3, \"price\": -1.5, \"ts\": "
    "\"2025-01-01T00:00:00Z\", \"is_bot\": null, \"props\": {}}",
};
static const char *const sx_users[] = {
    "{\"user_id\": 7, \"name\": \"Zo\u00eb O'Brien\", \"country\": \"DE\", \"plan\": \"pro\", \"signup\": "
    "\"2020-02-29\", \"credit\": 10.50}",
    "{\"user_id\": 8, \"name\": \"\u7fd4\u592a\", \"country\": \"JP\", \"plan\": \"free\", \"signup\": "
    "\"2023-12-31\", \"credit\": 0}",
    "{\"user_id\": 10, \"name\": null, \"plan\": \"team\"}",
};

static const struct {
    const char *name;
    uint32_t shards;
    const char *const *records;
    size_t n_records;
    const char *create;
} sx_fixture[] = {
    {"clicks", 2, sx_clicks, sizeof(sx_clicks) / sizeof(sx_clicks[0]),
     "CREATE TABLE clicks (event_id bigint, user_id bigint, session text, url text, referrer text, country "
     "text, "
     "device text, status integer, bytes bigint, duration_ms double precision, price numeric, ts "
     "timestamptz, "
     "is_bot boolean, props jsonb) WITH (stream = 'clicks', format = 'json')"},
    {"users", 1, sx_users, sizeof(sx_users) / sizeof(sx_users[0]),
     "CREATE TABLE users (user_id bigint, name text, country text, plan text, signup date, credit numeric) "
     "WITH (stream = 'users', format = 'json')"},
};
#define SX_N_FIXTURE (sizeof(sx_fixture) / sizeof(sx_fixture[0]))

/* SQL_EXEC_VERBOSE=1 prints every statement and its outcome (to see what the seeds reach). */
static int sx_verbose;
static Store *sx_store;
static SqlEngine *sx_eng;
static char sx_dir[64];
static uint32_t sx_oids[SX_N_FIXTURE];        /* catalog oids of the fixture tables */
static uint64_t sx_latest[SX_N_FIXTURE][4];   /* each fixture shard's LATEST position */

static void sx_check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "sql_exec fuzz: %s\n", what);
    abort();
}

static void sx_cleanup(void)
{
    sql_engine_destroy(&sx_eng);
    store_close(&sx_store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sx_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "sql_exec: could not remove %s\n", sx_dir);
}

/* Run one statement of the fixture's own (must succeed). */
static void sx_exec_ok(SqlSession *s, const char *q)
{
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    int done = 0;
    int rc = sql_prepare(s, q, 0, strlen(q), NULL, 0, &st, &err);
    if (!rc)
        rc = sql_bind(st, NULL, 0, &p, &err);
    if (!rc)
        rc = sql_portal_fetch(p, 0, NULL, NULL, &done, &err);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
    if (rc)
        fprintf(stderr, "sql_exec fixture: %s: %s %s\n", q, err.sqlstate, err.message);
    sx_check(rc == 0, "fixture statement failed");
}

/* (Re)create fixture stream i with its records. */
static void sx_stream_make(size_t i)
{
    Err e;
    err_clear(&e);
    StreamInfo *si = NULL;
    if (store_stream_describe(sx_store, sx_fixture[i].name, &si, &e) == 0) {
        store_stream_info_free(&si);
        err_clear(&e);
        sx_check(store_stream_delete(sx_store, sx_fixture[i].name, &e) == 0, "delete fixture stream");
    }
    err_clear(&e);
    sx_check(store_stream_create(sx_store, sx_fixture[i].name, sx_fixture[i].shards, STREAM_MODE_PROVISIONED,
                                 "us-east-1", "000000000000", &e) == 0,
             "create fixture stream");
    StoreAppendEntry ents[8];
    StoreAppendResult res[8];
    char keys[8][16];
    size_t n = sx_fixture[i].n_records;
    for (size_t k = 0; k < n; k++) {
        snprintf(keys[k], sizeof(keys[k]), "pk%zu", k);
        ents[k].key = (Slice){(const uint8_t *)keys[k], strlen(keys[k])};
        ents[k].data = (Slice){(const uint8_t *)sx_fixture[i].records[k], strlen(sx_fixture[i].records[k])};
        ents[k].hash = u128_md5_hash_key(keys[k], strlen(keys[k]));
    }
    int64_t at;
    uint64_t tok;
    sx_check(store_append(sx_store, sx_fixture[i].name, ents, n, res, &at, &tok, &e) == 0, "append fixture");
    for (uint32_t sh = 0; sh < sx_fixture[i].shards; sh++)
        sx_check(store_shard_seek(sx_store, sx_fixture[i].name, sh, STORE_LATEST, 0, 0, &sx_latest[i][sh],
                                  &e) == 0,
                 "seek fixture");
}

/* Whether fixture stream i is as sx_stream_make left it. */
static int sx_stream_intact(size_t i)
{
    Err e;
    err_clear(&e);
    StreamInfo *si = NULL;
    if (store_stream_describe(sx_store, sx_fixture[i].name, &si, &e))
        return 0;
    int ok = si->n_shards == sx_fixture[i].shards;
    store_stream_info_free(&si);
    for (uint32_t sh = 0; ok && sh < sx_fixture[i].shards; sh++) {
        uint64_t pos;
        ok = store_shard_seek(sx_store, sx_fixture[i].name, sh, STORE_LATEST, 0, 0, &pos, &e) == 0 &&
             pos == sx_latest[i][sh];
    }
    return ok;
}

/* Put the store and the catalog back to the fixture. */
static void sx_reset(void)
{
    Err e;
    err_clear(&e);
    char **names = NULL;
    size_t n = 0;
    sx_check(store_stream_list(sx_store, &names, &n, &e) == 0, "list streams");
    for (size_t i = 0; i < n; i++) {
        int keep = 0;
        for (size_t k = 0; k < SX_N_FIXTURE; k++)
            keep |= strcmp(names[i], sx_fixture[k].name) == 0;
        err_clear(&e);
        if (!keep)
            sx_check(store_stream_delete(sx_store, names[i], &e) == 0, "delete stream");
        free(names[i]);
    }
    free(names);
    for (size_t k = 0; k < SX_N_FIXTURE; k++)
        if (!sx_stream_intact(k))
            sx_stream_make(k);

    CatalogTable **tabs = NULL;
    size_t nt = sql_catalog_list(sx_eng->catalog, &tabs);
    int intact = nt == SX_N_FIXTURE;
    for (size_t i = 0; i < nt; i++) {
        int found = 0;
        for (size_t k = 0; k < SX_N_FIXTURE; k++)
            found |= tabs[i]->oid == sx_oids[k] && strcmp(tabs[i]->def->name, sx_fixture[k].name) == 0;
        intact &= found;
    }
    if (!intact) {
        for (size_t i = 0; i < nt; i++) {
            SqlError err;
            memset(&err, 0, sizeof(err));
            sx_check(sql_catalog_drop(sx_eng->catalog, tabs[i]->def->name, 1, &err) == 0, "drop table");
        }
    }
    for (size_t i = 0; i < nt; i++)
        sql_catalog_unref(sx_eng->catalog, tabs[i]);
    free(tabs);
    if (intact)
        return;
    SqlSession *s = sql_session_create(sx_eng, "fuzz", "weir");
    for (size_t k = 0; k < SX_N_FIXTURE; k++) {
        sx_exec_ok(s, sx_fixture[k].create);
        CatalogTable *t = sql_catalog_get(sx_eng->catalog, sx_fixture[k].name);
        sx_check(t != NULL, "fixture table missing");
        sx_oids[k] = t->oid;
        sql_catalog_unref(sx_eng->catalog, t);
    }
    sql_session_destroy(&s);
}

static void sx_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(sx_dir, sizeof(sx_dir), "%s/weir-fuzz-sql-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    sx_check(mkdtemp(sx_dir) != NULL, "mkdtemp");
    StoreConfig sc = {.dir = sx_dir, .fsync_mode = STORE_FSYNC_NONE, .segment_max_bytes = 1u << 20};
    Err e;
    err_clear(&e);
    sx_check(store_open(&sc, &sx_store, &e) == 0, "store_open");
    for (size_t k = 0; k < SX_N_FIXTURE; k++)
        sx_stream_make(k);
    SqlEngineConfig cfg = {
        .store = sx_store, .data_dir = sx_dir, .query_mem_budget = 8u << 20, .n_workers = 1};
    sx_check(sql_engine_create(&cfg, &sx_eng, &e) == 0, "sql_engine_create");
    atexit(sx_cleanup);
    sx_verbose = getenv("SQL_EXEC_VERBOSE") != NULL;
    sx_reset();
}

typedef struct SxOut {
    const SqlSession *s;
    Buf text;
    uint64_t rows;
} SxOut;

/* Every value of every row through both output functions (the text one is what psql shows). */
static int sx_rows(void *arg, const Batch *b)
{
    SxOut *o = arg;
    for (uint32_t r = 0; r < b->n; r++)
        for (uint32_t c = 0; c < b->n_cols; c++) {
            if (vec_is_null(&b->cols[c], r))
                continue;
            buf_reset(&o->text);
            if (sql_format_text(o->s, &b->cols[c], r, &o->text) != WEIR_OK)
                return 1; /* over the buffer's maximum: the fetch fails with 08006, cleanly */
            buf_reset(&o->text);
            if (sql_format_binary(o->s, &b->cols[c], r, &o->text) != WEIR_OK)
                return 1;
        }
    o->rows += b->n;
    return 0;
}

static void sx_check_error(const SqlError *err)
{
    if (sx_verbose)
        fprintf(stderr, "  -> ERROR %s: %s\n", err->sqlstate, err->message);
    sx_check(strlen(err->sqlstate) == 5, "error without a five-character SQLSTATE");
    sx_check(err->message[0] != 0, "error without a message");
}

static int sx_word_is(const char *p, size_t n, const char *w)
{
    size_t k = strlen(w);
    while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '('))
        p++, n--;
    return n >= k && strncasecmp(p, w, k) == 0;
}

/* EXPLAIN of a query that prepared and bound: binding it again inside EXPLAIN must succeed (the statement is the
 * same), and printing its plan can only run out of memory or nesting depth; under ANALYZE (with_analyze) the run may fail
 * as the query itself may. Every plan shape the fuzzer finds goes through the plan printer this way. */
static void sx_explain(SqlSession *s, const char *stmt, size_t len, int with_analyze, SxOut *o)
{
    if (sx_word_is(stmt, len, "EXPLAIN") || sx_word_is(stmt, len, "SHOW"))
        return;
    static const char plain[] = "EXPLAIN (VERBOSE) ", analyze[] = "EXPLAIN (ANALYZE, VERBOSE) ";
    const char *head = with_analyze ? analyze : plain;
    size_t hl = strlen(head);
    char *q = malloc(hl + len + 1);
    sx_check(q != NULL, "malloc");
    memcpy(q, head, hl);
    memcpy(q + hl, stmt, len);
    q[hl + len] = 0;
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    int rc = sql_prepare(s, q, 0, hl + len, NULL, 0, &st, &err);
    if (rc) {
        sx_check_error(&err);
        /* a syntax error (EXPLAIN takes fewer statement kinds than queries), an aborted block, memory */
        if (strcmp(err.sqlstate, "42601") && strcmp(err.sqlstate, "25P02") && strcmp(err.sqlstate, "53200") &&
            strcmp(err.sqlstate, "54001")) {
            fprintf(stderr, "EXPLAIN of a query that prepared failed: %s: %s %s\n", q, err.sqlstate, err.message);
            sx_check(0, "EXPLAIN failed to prepare");
        }
        free(q);
        return;
    }
    sx_check(sql_stmt_n_columns(st) == 1 && strcmp(sql_stmt_columns(st)[0].name, "QUERY PLAN") == 0,
             "EXPLAIN answers one column \"QUERY PLAN\"");
    size_t np = sql_stmt_n_params(st);
    SqlParam *params = calloc(np ? np : 1, sizeof(SqlParam));
    sx_check(params != NULL, "calloc");
    for (size_t k = 0; k < np; k++)
        params[k].len = -1;
    int done = 0;
    uint64_t before = o->rows;
    if (sql_bind(st, params, np, &p, &err) == 0)
        rc = sql_portal_fetch(p, 0, sx_rows, o, &done, &err);
    else
        rc = WEIR_ERROR;
    if (rc) {
        sx_check_error(&err);
        /* (54001: an expression nested deeper than the plan printer goes) */
        if (!with_analyze && strcmp(err.sqlstate, "53200") && strcmp(err.sqlstate, "25P02") &&
            strcmp(err.sqlstate, "54001")) {
            fprintf(stderr, "EXPLAIN failed: %s: %s %s\n", q, err.sqlstate, err.message);
            sx_check(0, "plain EXPLAIN failed other than for memory");
        }
    } else {
        sx_check(done && o->rows > before, "EXPLAIN printed no plan");
    }
    free(params);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
    free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sx_eng)
        sx_init();
    if (size > SX_MAX_INPUT)
        return 0;
    char *q = malloc(size + 1);
    sx_check(q != NULL, "malloc");
    memcpy(q, data, size);
    q[size] = 0;
    SqlSession *s = sql_session_create(sx_eng, "fuzz", "weir");
    SxOut o = {.s = s};
    buf_init(&o.text, 1u << 20);
    SqlError err;
    memset(&err, 0, sizeof(err));
    size_t *offs = NULL, *lens = NULL;
    int n = sql_split(q, &offs, &lens, &err);
    if (n < 0)
        sx_check_error(&err);
    for (int i = 0; i < n; i++) {
        memset(&err, 0, sizeof(err));
        SqlStmt *st = NULL;
        SqlPortal *p = NULL;
        if (sx_verbose)
            fprintf(stderr, "%.*s\n", (int)lens[i], q + offs[i]);
        if (sql_prepare(s, q, offs[i], lens[i], NULL, 0, &st, &err)) {
            sx_check_error(&err);
            continue;
        }
        size_t np = sql_stmt_n_params(st);
        SqlParam *params = calloc(np ? np : 1, sizeof(SqlParam));
        sx_check(params != NULL, "calloc");
        for (size_t k = 0; k < np; k++)
            params[k].len = -1;
        int bound = 0;
        if (sql_bind(st, params, np, &p, &err)) {
            sx_check_error(&err);
            /* the portal binds the statement again from what prepare started with, so only memory can
             * make it fail now (it once re-bound from the inferred parameter types: $1 || + $1) */
            if (strcmp(err.sqlstate, "53200") != 0) {
                fprintf(stderr, "bind failed after prepare: %.*s: %s %s\n", (int)lens[i], q + offs[i], err.sqlstate,
                        err.message);
                sx_check(0, "a statement that prepared failed to bind");
            }
        } else {
            bound = 1;
            int done = 0, rc = 0;
            for (int fetches = 0; !done && !rc && fetches < 100000; fetches++)
                rc = sql_portal_fetch(p, size % 2 ? 5 : 0, sx_rows, &o, &done, &err);
            if (rc)
                sx_check_error(&err);
            else if (done)
                sx_check(sql_portal_command_tag(p) != NULL, "no command tag");
            if (sx_verbose && !rc)
                fprintf(stderr, "  -> %s (%llu rows delivered so far)\n", sql_portal_command_tag(p),
                        (unsigned long long)o.rows);
        }
        int is_query = bound && sql_stmt_n_columns(st) > 0;
        free(params);
        sql_portal_destroy(&p);
        sql_stmt_destroy(&st);
        if (is_query)
            sx_explain(s, q + offs[i], lens[i], size % 3 == 0, &o);
    }
    free(offs);
    free(lens);
    buf_fini(&o.text);
    sql_session_destroy(&s);
    free(q);
    sx_reset();
    return 0;
}
