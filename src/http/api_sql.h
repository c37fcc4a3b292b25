/*
 * api_sql.h: POST /sql on the HTTP port: SQL over HTTP, for scripts and tools that speak neither the
 * PostgreSQL protocol nor AWS (docs/sql-http.md is the user's description).
 *
 * Request: the body is the SQL text (Content-Type text/plain, application/sql, or none; curl -d's
 * application/x-www-form-urlencoded is read as SQL text too, not URL-decoded), or a JSON object
 * (application/json) {"sql": "...", "params": [...], "format": "json" | "csv"}. Several statements run in
 * order in one session (user "http", database "weir"); the answer is the last statement's result. Params
 * ($1, $2, ...) need a single statement; each is sent in text form: strings as they are, numbers and
 * booleans as their JSON text, null as NULL, objects and arrays as JSON text.
 *
 * Answer: JSON {"columns":[{"name":..,"type":..}],"rows":[[...],...],"command":"SELECT 3"}, with values
 * as PostgreSQL's to_json writes them (integers, floats and numerics as JSON numbers, NaN and infinities
 * as strings; booleans; NULL as null; json and jsonb embedded; everything else as a string in PostgreSQL's
 * text form), or CSV (header line, RFC 4180 quoting, CRLF, NULL as an empty field, an empty string as "")
 * when asked with ?format=csv, "format": "csv" or Accept: text/csv (in that order of precedence).
 * Errors: {"error": {"sqlstate", "message", "position", "detail", "hint"}} with HTTP 400, 500 for
 * internal and system errors (classes XX and 58), 503 when the engine is not running or shutting down or
 * out of resources (53000, 53100, 57014, 57P01-57P03), 429 when too many queries run at once (53300).
 *
 * Threads: the handler runs on the loop thread and only parses the request; each query runs on its own
 * thread (the engine's calls block), which formats the rows and hands them to the loop in pieces of about
 * 64 KiB through a uv_async_t, so the loop (the Kinesis API) never waits on SQL. The first piece decides
 * the answer's form: a result that ends (or fails) before 64 KiB of output is sent whole, with its status
 * and a Content-Length; a longer one is streamed (HTTP/1.1 chunked, HTTP/2 DATA frames) with status 200,
 * and the worker waits while more than 1 MiB is queued toward a slow client, so a large result never sits
 * in memory. If such a streamed query fails, the JSON answer gets an "error" member after the rows sent so
 * far and the stream is then broken off (no final chunk; HTTP/2 RST_STREAM), so no client takes a partial
 * answer for a whole one. A client that goes away cancels its query (SQLSTATE 57014 inside the engine).
 */
#ifndef WEIR_HTTP_API_SQL_H
#define WEIR_HTTP_API_SQL_H

#include <uv.h>

#include "base/err.h"
#include "exec/engine.h"
#include "http/http.h"

typedef struct SqlApi SqlApi;

typedef struct SqlApiConfig {
    uv_loop_t *loop;
    SqlEngine *eng;  /* borrowed; NULL: POST /sql answers 503 */
    int max_queries; /* queries running at once (0: 16); more are refused with 429 */
} SqlApiConfig;

/* Caller owns *out; stop with sql_api_stop. Returns WEIR_OK (it only fails when libuv does: WEIR_EIO). */
int sql_api_create(const SqlApiConfig *cfg, SqlApi **out, Err *e) WEIR_WARN_UNUSED;

/* Answer one request on /sql (any method: others than POST get 405). On the loop thread. api NULL: 503. */
void sql_api_handle(SqlApi *api, HttpExchange *x);

/* Cancel every running query, wait for their threads, end their exchanges, and close the libuv handles
 * (freed once the loop has run their close callbacks: keep running the loop). Call after
 * http_server_stop and before the engine is destroyed. *api becomes NULL; NULL is a no-op. */
void sql_api_stop(SqlApi **api);

#endif
