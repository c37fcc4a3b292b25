/*
 * pg_server.h: the PostgreSQL protocol listener: accepts connections and runs each on its own thread
 * with blocking sockets (PostgreSQL runs a process per connection; a query blocks its session's thread
 * and nothing else). The protocol itself is pg_conn.c; this file owns sockets, threads, the session
 * limit and the table that routes CancelRequests to the session they name.
 *
 * Limits: at most max_connections sessions; a client past that gets FATAL 53300 "sorry, too many
 * clients already" after its startup packet (so it is told why, and CancelRequests still get through).
 * Connections still in startup are bounded too (max_connections + PG_SERVER_STARTUP_RESERVE threads in
 * all); past that a new connection is closed at once. A client has startup_timeout_ms to send its
 * startup packet (PostgreSQL's authentication_timeout).
 *
 * Stopping: the listener closes, every session's running query is cancelled, each connection gets
 * FATAL 57P01 "terminating connection due to administrator command" and is closed, and pg_server_stop
 * returns when every connection thread has finished.
 */
#ifndef WEIR_PGWIRE_PG_SERVER_H
#define WEIR_PGWIRE_PG_SERVER_H

#include <stddef.h>

#include "base/err.h"
#include "pgwire/pg_conn.h"

#define PG_SERVER_STARTUP_RESERVE 16

typedef struct PgServer PgServer;

typedef struct PgServerConfig {
    const char *host;       /* "127.0.0.1", "::1", "[::1]", "localhost" */
    int port;               /* 0: the system picks one (see pg_server_port) */
    const PgEngineOps *ops; /* borrowed; pg_engine_sql for the real engine */
    SqlEngine *eng;         /* borrowed; outlives the server */
    int max_connections;    /* sessions at once (0: 100) */
    size_t max_message;     /* largest Query/Parse/Bind (0: 64 MiB) */
    int startup_timeout_ms; /* to receive the startup packet (0: 60000) */
} PgServerConfig;

/* Bind, listen and start accepting on a thread of its own. Caller owns *out; free with pg_server_stop.
 * Fails with a message in e (address in use, bad host). */
int pg_server_start(const PgServerConfig *cfg, PgServer **out, Err *e) WEIR_WARN_UNUSED;

/* The port actually listened on. */
int pg_server_port(const PgServer *s);

/* Sessions (connections past startup) right now. */
int pg_server_n_sessions(PgServer *s);

/* Stop as described above and free the server; *s becomes NULL. NULL is a no-op. */
void pg_server_stop(PgServer **s);

#endif
