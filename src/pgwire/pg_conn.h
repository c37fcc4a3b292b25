/*
 * pg_conn.h: one PostgreSQL protocol connection as a state machine over bytes, with no socket in it.
 *
 * The server (pg_server.c) reads from a socket and hands the bytes to pg_conn_feed; the connection
 * answers through the send callback. Tests and the fuzz target drive the same code from buffers.
 * The SQL engine is reached only through a PgEngineOps table: pg_engine_sql (pg_engine.c) is the real
 * engine of exec/engine.h, tests plug in a small fake one.
 *
 * States (see pg_conn.c for the transitions):
 *   STARTUP  waiting for the startup packet; SSLRequest and GSSENCRequest are answered 'N' (once
 *            each) and the client sends another packet; a CancelRequest is passed to the cancel hook
 *            and the connection ends without a reply.
 *   READY    a session exists; regular messages (simple and extended query protocol).
 *   DONE     Terminate, a FATAL error, or a broken peer: the owner closes the socket and destroys
 *            the connection. No more input is read.
 * Inside READY, "skipping" (PostgreSQL's ignore_till_sync) is set by an error in an extended-protocol
 * message: every message but Sync is then read and dropped.
 *
 * Threads: a PgConn is used by one thread at a time, except pg_conn_cancel (any thread, between the
 * started hook and pg_conn_destroy, as long as the caller keeps the connection alive meanwhile).
 */
#ifndef WEIR_PGWIRE_PG_CONN_H
#define WEIR_PGWIRE_PG_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "exec/engine.h"

/* The engine as the protocol layer uses it: the same signatures as exec/engine.h. */
typedef struct PgEngineOps {
    SqlSession *(*session_create)(SqlEngine *eng, const char *user, const char *database);
    void (*session_destroy)(SqlSession **s);
    int (*session_set)(SqlSession *s, const char *name, const char *value, SqlError *err);
    /* Optional (may be NULL): make the current values the ones RESET returns to. */
    void (*session_set_defaults)(SqlSession *s);
    size_t (*session_reported)(SqlSession *s, const char *const **names, const char *const **values);
    void (*session_take_changes)(SqlSession *s, void (*fn)(void *arg, const char *name, const char *value),
                                 void *arg);
    char (*session_txn_status)(const SqlSession *s);
    void (*session_cancel)(SqlSession *s);
    int (*split)(const char *query, size_t **offsets, size_t **lengths, SqlError *err);
    int (*prepare)(SqlSession *s, const char *query, size_t offset, size_t len, const uint32_t *param_oids,
                   size_t n_param_oids, SqlStmt **out, SqlError *err);
    void (*stmt_destroy)(SqlStmt **st);
    size_t (*stmt_n_params)(const SqlStmt *st);
    SqlType (*stmt_param_type)(const SqlStmt *st, size_t i);
    size_t (*stmt_n_columns)(const SqlStmt *st);
    const SqlColumn *(*stmt_columns)(const SqlStmt *st);
    int (*bind)(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err);
    void (*portal_destroy)(SqlPortal **p);
    int (*portal_fetch)(SqlPortal *p, uint64_t max_rows, SqlBatchFn fn, void *arg, int *done, SqlError *err);
    const char *(*portal_command_tag)(const SqlPortal *p);
    int (*format_text)(const SqlSession *s, const Vec *v, uint32_t row, Buf *out);
    int (*format_binary)(const SqlSession *s, const Vec *v, uint32_t row, Buf *out);
    /* Optional (may be NULL): a NOTICE the last statement raised, sent before its CommandComplete. */
    int (*session_take_notice)(SqlSession *s, SqlError *out);
    /* Optional (may be NULL: then a statement returns rows when it has columns): whether it returns rows,
     * so a query with no columns gets a RowDescription of no fields rather than NoData. */
    int (*stmt_returns_rows)(const SqlStmt *st);
    /* Optional (may be NULL: no COPY TO STDOUT): for COPY ... TO STDOUT its column count, else -1. Such a
     * portal's rows are the lines to send, one CopyData each (engine.h sql_stmt_copy_out). */
    int (*stmt_copy_out)(const SqlStmt *st);
} PgEngineOps;

/* The real engine (exec/engine.h). */
extern const PgEngineOps pg_engine_sql;

typedef struct PgConn PgConn;

/* Write all n bytes to the peer. Returns 0, or -1 when the peer is gone (the connection then ends). */
typedef int (*PgSendFn)(void *arg, const uint8_t *p, size_t n);

typedef struct PgConnConfig {
    const PgEngineOps *ops; /* borrowed; outlives the connection */
    SqlEngine *eng;         /* passed to ops->session_create */
    PgSendFn send;
    void *send_arg;
    /* Hooks into the server (each may be NULL; hook_arg is passed to all three):
     * admit: a valid startup packet arrived; return 0 and assign the BackendKeyData pid and secret key,
     *   or -1 to refuse with FATAL 53300 "sorry, too many clients already".
     * started: the session exists; from now until pg_conn_destroy the server may call pg_conn_cancel.
     * cancel_request: a CancelRequest packet arrived with this pid and key. */
    int (*admit)(void *arg, int32_t *pid, int32_t *key);
    void (*started)(void *arg, PgConn *c);
    void (*cancel_request)(void *arg, int32_t pid, int32_t key);
    void *hook_arg;
    size_t max_message; /* largest Query/Parse/Bind/CopyData body accepted (0: 64 MiB) */
    size_t flush_at;    /* buffered output that is sent while a result streams (0: 64 KiB) */
} PgConnConfig;

enum { PG_CONN_STARTUP = 0, PG_CONN_READY = 1, PG_CONN_DONE = 2 };

/* A connection in STARTUP state. Caller owns; free with pg_conn_destroy. */
PgConn *pg_conn_create(const PgConnConfig *cfg);

/* Destroy portals, statements and the session; *c becomes NULL. NULL is a no-op. */
void pg_conn_destroy(PgConn **c);

/* Take n more input bytes and process every complete message in them (running queries to completion
 * on this thread). Returns the state afterwards: PG_CONN_DONE means close the connection. */
int pg_conn_feed(PgConn *c, const uint8_t *p, size_t n);

/* The peer closed its side. If a message was cut short, a FATAL 08P01 is sent (best effort: the peer
 * may have half-closed and still read). The state becomes DONE. */
void pg_conn_eof(PgConn *c);

/* Ask the running query to stop (sql_session_cancel). Any thread; see the threads note above. */
void pg_conn_cancel(PgConn *c);

/* Send FATAL 57P01 "terminating connection due to administrator command" and end (server shutdown,
 * between messages). The state becomes DONE. */
void pg_conn_terminate(PgConn *c);

int pg_conn_state(const PgConn *c);

/* The startup packet's user and database ("" before READY). Borrowed. */
const char *pg_conn_user(const PgConn *c);
const char *pg_conn_database(const PgConn *c);

#endif
