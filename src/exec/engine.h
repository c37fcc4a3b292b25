/*
 * engine.h: the SQL engine as the front ends see it (pgwire/, the HTTP POST /sql handler, tests).
 *
 * Objects and their lifetimes:
 *   SqlEngine    one per server, over the store; owns the table catalog. Thread-safe.
 *   SqlSession   one per client connection: settings (GUCs), transaction state, named checkpoints in
 *                use. Used by one thread at a time; sql_session_cancel may be called from any thread.
 *   SqlStmt      a parsed, analysed statement (one SQL statement), with its parameter types and result
 *                columns. Owned by the caller; free with sql_stmt_destroy. Outlives nothing: it holds no
 *                reference into the session other than a pointer, so destroy it before the session.
 *   SqlPortal    a statement bound to parameter values, ready to run or partly run (row-limited
 *                fetches, as the extended protocol's Execute with a row count). Free with
 *                sql_portal_destroy; it may be destroyed before it has run to completion.
 *
 * Flow for the simple query protocol: sql_split the text into statements; for each: sql_prepare,
 * sql_bind with no parameters, sql_portal_fetch(max_rows = 0) until done, then report
 * sql_portal_command_tag. The extended protocol maps Parse -> sql_prepare, Bind -> sql_bind,
 * Describe -> sql_stmt_* / sql_portal_columns, Execute -> sql_portal_fetch.
 *
 * Errors: every fallible call fills a SqlError with a SQLSTATE (five characters, PostgreSQL's codes:
 * 42601 syntax error, 42P01 undefined table, 42703 undefined column, 42883 undefined function, 22P02
 * invalid text representation, 22012 division by zero, 0A000 feature not supported, 53200 out of memory,
 * 57014 query canceled, 25P02 in failed transaction, ...), a message, and where it applies the 1-based
 * character position in the original query text (SqlError.position), as PostgreSQL's ErrorResponse 'P'.
 *
 * Threads: a query may use worker threads internally (parallel shard scans); all calls return on the
 * caller's thread. Calls block until they have their answer (a front end runs each session on its own
 * thread or hands it to a worker).
 */
#ifndef WEIR_EXEC_ENGINE_H
#define WEIR_EXEC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "exec/vec.h"
#include "sql/types.h"
#include "store/store.h"

typedef struct SqlEngine SqlEngine;
typedef struct SqlSession SqlSession;
typedef struct SqlStmt SqlStmt;
typedef struct SqlPortal SqlPortal;

typedef struct SqlError {
    char sqlstate[6];
    char severity[8];  /* "ERROR" (or "FATAL") */
    char message[512];
    char detail[512];  /* "" when none */
    char hint[256];    /* "" when none */
    char context[512]; /* where it happened, PostgreSQL's CONTEXT ("JSON data, line 1: ..."); "" when none */
    int position;      /* 1-based character offset in the query text given to sql_prepare; 0 none */
} SqlError;

/* Fill e (first error wins, like err_set) and return WEIR_ERROR. */
int sql_error_set(SqlError *e, const char *sqlstate, int position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

typedef struct SqlEngineConfig {
    Store *store;               /* borrowed; outlives the engine */
    const char *data_dir;       /* the store's data directory: the SQL catalog (sql.db) lives there;
                                 * NULL keeps table definitions in memory only (tests) */
    const char *table_desc_dir; /* Presto/Trino table description files to load, or NULL */
    size_t query_mem_budget;    /* bytes per query (0: 1 GiB); over it: SQLSTATE 53200 */
    int n_workers;              /* scan threads (0: number of cores) */
    const char *server_version; /* reported as server_version, e.g. "15.0 (weir 0.1.0)" */
} SqlEngineConfig;

/* Open the engine (its catalog lives in the store's data directory). Caller owns; free with
 * sql_engine_destroy. Fails with a message in e (bad table description files, catalog I/O). */
int sql_engine_create(const SqlEngineConfig *cfg, SqlEngine **out, Err *e) WEIR_WARN_UNUSED;
void sql_engine_destroy(SqlEngine **eng);

/* --- sessions --------------------------------------------------------------------------------- */

/* user and database as the client sent them in the startup packet (borrowed during the call). */
SqlSession *sql_session_create(SqlEngine *eng, const char *user, const char *database);
void sql_session_destroy(SqlSession **s);

/* A setting by name (case-insensitive): SET/RESET/SHOW and the startup packet's options go through
 * these. Unknown names are accepted for the settings clients commonly send and refused otherwise
 * (SQLSTATE 42704). The returned string is borrowed, valid until the setting changes. */
int sql_session_set(SqlSession *s, const char *name, const char *value, SqlError *err) WEIR_WARN_UNUSED;
const char *sql_session_get(SqlSession *s, const char *name);
/* (value NULL in sql_session_set is RESET: back to the session default.) Make the current values the
 * session defaults RESET returns to; the front end calls it once, after the startup packet's settings. */
void sql_session_set_defaults(SqlSession *s);

/* The settings PostgreSQL 15 reports in ParameterStatus (application_name, client_encoding, DateStyle,
 * default_transaction_read_only, in_hot_standby, integer_datetimes, IntervalStyle, is_superuser,
 * server_encoding, server_version, session_authorization, standard_conforming_strings, TimeZone: the
 * entries marked reported in session.c's table, in its order); names[i] and values[i] are borrowed.
 * Returns the count. */
size_t sql_session_reported(SqlSession *s, const char *const **names, const char *const **values);

/* Settings among the reported ones changed since the last call (for ParameterStatus after SET).
 * Calls fn(arg, name, value) for each and clears the change marks. */
void sql_session_take_changes(SqlSession *s, void (*fn)(void *arg, const char *name, const char *value), void *arg);

/* A NOTICE the last statement raised ("relation ... already exists, skipping"), taken once: returns 1
 * and fills *out (severity "NOTICE"), or 0 when there is none. */
int sql_session_take_notice(SqlSession *s, SqlError *out);

/* Transaction status for ReadyForQuery: 'I' idle, 'T' in a transaction block, 'E' failed block. */
char sql_session_txn_status(const SqlSession *s);

/* Ask the running query of this session (if any) to stop; it fails with SQLSTATE 57014. Safe from any
 * thread, including a signal-free cancel-request connection's thread. */
void sql_session_cancel(SqlSession *s);

/* --- statements --------------------------------------------------------------------------------- */

/* Split a simple-query text into statements: (offset, length) pairs into query, skipping empty ones.
 * Returns the count (0 for an empty query string), or -1 with err set on a syntax error. The caller
 * frees *offsets and *lengths with free(). */
int sql_split(const char *query, size_t **offsets, size_t **lengths, SqlError *err);

/* Parse and analyse one statement: query[offset .. offset+len) of the full text (positions in errors
 * count from the start of query). param_oids[i] are the types the client declared for $i+1 (0 = let the
 * engine infer). Caller owns *out; free with sql_stmt_destroy. */
int sql_prepare(SqlSession *s, const char *query, size_t offset, size_t len, const uint32_t *param_oids,
                size_t n_param_oids, SqlStmt **out, SqlError *err) WEIR_WARN_UNUSED;
void sql_stmt_destroy(SqlStmt **st);

/* Parameters: count and (inferred or declared) types. */
size_t sql_stmt_n_params(const SqlStmt *st);
SqlType sql_stmt_param_type(const SqlStmt *st, size_t i);

/* Result columns of a row-returning statement (0 for SET, CREATE, ...). */
typedef struct SqlColumn {
    const char *name;   /* as PostgreSQL names it ("count", "?column?", the alias) */
    SqlType type;
    uint32_t table_oid; /* source table's pg_class oid when the column is a plain table column, else 0 */
    int16_t attnum;     /* its column number in that table, else 0 */
} SqlColumn;
size_t sql_stmt_n_columns(const SqlStmt *st);
const SqlColumn *sql_stmt_columns(const SqlStmt *st);
/* Whether the statement returns rows (a query, FETCH): 1 even when it has no columns ("SELECT", "SELECT
 * FROM t"), whose rows are empty, as PostgreSQL's; the protocol then sends a RowDescription of no fields
 * where a statement without rows gets NoData. */
int sql_stmt_returns_rows(const SqlStmt *st);

/* --- portals ------------------------------------------------------------------------------------ */

/* One parameter value as the client sent it. len -1 is NULL. format 0 text, 1 binary. */
typedef struct SqlParam {
    const uint8_t *p;
    int32_t len;
    int16_t format;
} SqlParam;

/* Bind values to a statement. Bad values fail here (22P02 and friends). The portal keeps its own copy
 * of the values. Caller owns *out; free with sql_portal_destroy (before the statement). */
int sql_bind(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err) WEIR_WARN_UNUSED;
void sql_portal_destroy(SqlPortal **p);

/* Receives result rows a batch at a time. Return nonzero to stop (the fetch then fails with the code
 * returned, e.g. when the client connection broke). */
typedef int (*SqlBatchFn)(void *arg, const Batch *b);

/* Run the portal until max_rows more rows were delivered (0: no limit) or it finishes. *done is 1 when
 * the statement completed (then sql_portal_command_tag is final), 0 when suspended at max_rows. Rows
 * come through fn in batches (never more than max_rows in total per call). */
int sql_portal_fetch(SqlPortal *p, uint64_t max_rows, SqlBatchFn fn, void *arg, int *done, SqlError *err) WEIR_WARN_UNUSED;

/* The CommandComplete tag once done: "SELECT 42", "CREATE TABLE", "SET", "EXPLAIN", ... Borrowed. */
const char *sql_portal_command_tag(const SqlPortal *p);

/* --- continuous queries -------------------------------------------------------------------------
 * CREATE / DROP MATERIALIZED VIEW are parsed and checked by the engine and carried out by the
 * continuous-query runtime (stream/cq.c), which registers itself here; without it they fail with 0A000. */

/* One `key = 'value'` of a WITH (...) list, as written (keys lower case; a namespace joined with '.'). */
typedef struct SqlOption {
    const char *key;
    const char *value;
    int position;      /* 1-based, in the statement's text */
} SqlOption;

typedef struct SqlViewDef {
    const char *name;
    const char *query;        /* the SELECT after AS, as written */
    const char **col_names;   /* CREATE MATERIALIZED VIEW v (a, b): n_col_names names, else NULL */
    uint32_t n_col_names;
    const SqlOption *opts;
    uint32_t n_opts;
    int if_not_exists;
} SqlViewDef;

/* One view as SHOW MATERIALIZED VIEWS lists it (strings malloc'd; the runtime frees them in list_free). */
typedef struct SqlViewInfo {
    char *name;
    char *status;            /* "running", "failed: <message>" */
    char *query;
    char *output_stream;     /* where its rows go (the view's own stream when no output_stream was named) */
    int64_t watermark_us;    /* microseconds since 2000-01-01 UTC; INT64_MIN before the first */
    uint64_t rows_in, rows_out, late_rows;
    uint64_t state_entries, state_bytes;
    uint64_t checkpoints;
    char *positions;         /* per source shard: "bids/shardId-000000000000 lag 12 ms" joined with ", " */
} SqlViewInfo;

typedef struct SqlViewHooks {
    int (*create)(void *arg, SqlSession *s, const SqlViewDef *def, SqlError *err);
    /* Drop the view called name; *found 0 when there is none (the engine then reports it). */
    int (*drop)(void *arg, SqlSession *s, const char *name, int *found, SqlError *err);
    /* Every view, by name: *out (n of them) freed with list_free. */
    size_t (*list)(void *arg, SqlViewInfo **out);
    void (*list_free)(void *arg, SqlViewInfo *v, size_t n);
    /* The current rows of view name, for a scan of its table (TableDef.view_rows): one consistent snapshot
     * (as of the view's last checkpoint) as *n batches of n_cols columns of the given types, everything
     * allocated in a (the scan's query arena). Fails with 55000 when the view is not running or its
     * columns are not these, 53200 over a's budget. NULL: such tables cannot be read (55000). */
    int (*rows)(void *arg, const char *name, const SqlType *types, uint32_t n_cols, Arena *a, Batch ***out,
                uint32_t *n, SqlError *err);
} SqlViewHooks;

/* Register the runtime (hooks and arg borrowed; they outlive the engine's use of them). */
void sql_engine_set_view_hooks(SqlEngine *eng, const SqlViewHooks *hooks, void *arg);

/* The plan of a bound portal, for the continuous-query runtime: the root operator and the execution
 * context its expressions evaluate in (both live as long as the portal; the context's arena is the
 * portal's query arena). The portal must not be fetched from. */
struct Op;
struct ExecCtx;
int sql_portal_plan(SqlPortal *p, struct Op **root, struct ExecCtx **ctx, SqlError *err) WEIR_WARN_UNUSED;

/* --- COPY ... TO 'file' | STDOUT -----------------------------------------------------------------
 * COPY (query) TO 'path' and COPY table [(columns)] TO 'path' are parsed and checked by the engine (the
 * options, an absolute path: 42602 otherwise, as PostgreSQL's server-side COPY) and carried out by the
 * delivery layer (sink/copy.c: the file formats), which registers itself here; without it they fail with
 * 0A000. The answer is the tag "COPY n". TO STDOUT (psql's \copy) is the same with the lines handed to
 * the front end (sql_stmt_copy_out). */
typedef enum SqlCopyFormat { SQL_COPY_TEXT = 0, SQL_COPY_CSV, SQL_COPY_JSON, SQL_COPY_PARQUET } SqlCopyFormat;

struct SqlFormatOpts;
typedef struct SqlCopyTo {
    const char *path;          /* absolute */
    const char *query;         /* the SELECT to run (COPY table TO: SELECT columns FROM table) */
    SqlCopyFormat format;
    const char *compression;   /* "none", "snappy", "gzip", "zstd"; NULL: the format's default */
    int header;                /* CSV/text: a first line of column names */
    char delimiter;            /* CSV ',', text '\t' */
    char quote, escape;        /* CSV: '"' and the quote */
    int force_quote_all;       /* CSV FORCE_QUOTE * */
    const char *null_str;      /* CSV "", text "\N" */
    uint64_t row_group_rows;   /* Parquet ROW_GROUP_SIZE (rows); 0: the writer's default */
    uint64_t row_group_bytes;  /* Parquet ROW_GROUP_SIZE_BYTES; 0: the writer's default */
    const struct SqlFormatOpts *fmt; /* the session's output settings (set by the engine when it runs) */
    uint32_t n_cols;           /* columns of the copied rows (set by the binder) */
    /* COPY ... TO STDOUT (path NULL; text, csv and json): the lines go to out_fn instead of a file, as
     * batches of one text column, one line per row (the header line first, each with its newline), for
     * the protocol's CopyData messages. Set by the engine when it runs. */
    SqlBatchFn out_fn;
    void *out_arg;
} SqlCopyTo;

/* Run c in session s (prepare and fetch its query there), write the file (or the lines), set *rows. */
typedef int (*SqlCopyToFn)(void *arg, SqlSession *s, const SqlCopyTo *c, uint64_t *rows, SqlError *err);
void sql_engine_set_copy_to(SqlEngine *eng, SqlCopyToFn fn, void *arg);

/* For COPY ... TO STDOUT: the number of columns of the copied rows (CopyOutResponse's count); -1 when st
 * is anything else. Its portal's fetch delivers the lines as rows of one text column, tag "COPY n". */
int sql_stmt_copy_out(const SqlStmt *st);

/* --- value output ------------------------------------------------------------------------------- */

/* Append row `row` of v in PostgreSQL's text output form, following the session's DateStyle, TimeZone,
 * IntervalStyle and extra_float_digits. Returns WEIR_OK or WEIR_ELIMIT (out's maximum). */
int sql_format_text(const SqlSession *s, const Vec *v, uint32_t row, Buf *out) WEIR_WARN_UNUSED;

/* Append row `row` of v in PostgreSQL's binary send form for its type. */
int sql_format_binary(const SqlSession *s, const Vec *v, uint32_t row, Buf *out) WEIR_WARN_UNUSED;

#endif
