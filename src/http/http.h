/*
 * http.h: weir's HTTP server, the interface the API handlers see.
 *
 * One cleartext port serves HTTP/1.1 and HTTP/2: a connection whose first bytes are the HTTP/2
 * connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", prior knowledge, as the AWS SDK for
 * JavaScript v3 sends on http:// endpoints) is handed to nghttp2; any other is parsed as HTTP/1.1
 * (keep-alive, pipelining answered in order, Content-Length and chunked bodies, Expect: 100-continue).
 * Framing errors (malformed request line or headers, oversized headers or body, bad chunking) are
 * answered by the server itself through HttpServerConfig.on_error, then the connection is closed.
 *
 * The handler is called on the event-loop thread once a request is complete (headers and whole body).
 * It answers now or later with exactly one of: http_exchange_respond(), or
 * http_exchange_stream_begin() ... http_exchange_stream_write()* ... http_exchange_stream_end().
 * An exchange whose connection went away stays valid until it is answered (the answer is then
 * discarded), so a handler waiting for an fsync never touches freed memory.
 *
 * Files: src/net/ holds the libuv listener and connection lifecycle; src/http/http1.c the HTTP/1.1
 * parser and writer; src/http/http2.c the nghttp2 glue; src/http/http_server.c the shared exchange code.
 */
#ifndef WEIR_HTTP_HTTP_H
#define WEIR_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct HttpHeader {
    Slice name;  /* as received (HTTP/2: lowercase) */
    Slice value;
} HttpHeader;

typedef struct HttpRequest {
    Slice method;         /* "POST" */
    Slice target;         /* request target, path plus query: "/", "/metrics?x=1" */
    const HttpHeader *headers;
    size_t n_headers;     /* HTTP/2 pseudo-headers are not included */
    const uint8_t *body;  /* whole body (chunked bodies already decoded); NUL-terminated */
    size_t body_len;
    int version;          /* 11 for HTTP/1.1 (also 10 for HTTP/1.0), 20 for HTTP/2 */
} HttpRequest;

/* First header with this name (case-insensitive), or NULL. Borrowed: valid until the exchange ends. */
const Slice *http_request_header(const HttpRequest *r, const char *name);

typedef struct HttpExchange HttpExchange;
typedef struct HttpServer HttpServer;

/* Called for each complete request on the loop thread. */
typedef void (*HttpHandlerFn)(void *arg, HttpExchange *x);

/* Formats the body of a response the server sends on its own (framing errors, 413): set *content_type
 * (a static string) and append the body to out. status is the HTTP status, msg a short reason. */
typedef void (*HttpErrorFn)(void *arg, int status, const char *msg, const char **content_type, Buf *out);

typedef struct HttpServerConfig {
    const char *host;         /* "127.0.0.1" */
    int port;                 /* 0 picks a free port; see http_server_port */
    size_t max_header_bytes;  /* request line + headers; 0 = 64 KiB */
    size_t max_body_bytes;    /* 0 = 16 MiB; larger bodies get 413 via on_error */
    int idle_timeout_ms;      /* close a connection idle (or stuck mid-request) this long; 0 = 120 s */
    HttpHandlerFn handler;
    void *handler_arg;
    HttpErrorFn on_error;     /* may be NULL: plain-text bodies */
    void *on_error_arg;
} HttpServerConfig;

/* Bind and listen on loop. WEIR_EIO with a message (e.g. address in use). *out is the caller's;
 * stop with http_server_stop. */
int http_server_start(uv_loop_t *loop, const HttpServerConfig *cfg, HttpServer **out, Err *e) WEIR_WARN_UNUSED;

/* The port actually bound. */
int http_server_port(const HttpServer *s);

/* Stop listening and close every connection (pending exchanges become orphaned, still to be
 * answered by their holders). The libuv handles close asynchronously: the caller keeps running the
 * loop until it drains. *s becomes NULL. */
void http_server_stop(HttpServer **s);

/* The request. Borrowed: valid until the exchange is answered. */
const HttpRequest *http_exchange_request(const HttpExchange *x);

/* Nonzero once the peer is gone: the answer will be discarded. */
int http_exchange_is_orphaned(const HttpExchange *x);

/* Answer with a complete response and end the exchange (x is invalid afterwards, except for a local
 * exchange, which its creator frees). headers are copied;
 * Content-Length (and for HTTP/1.1, Connection) are added by the server. body is consumed (emptied,
 * its bytes owned by the server); NULL means no body. */
void http_exchange_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers, Buf *body);

/* Streaming answer (SubscribeToShard's event stream, long responses): begin sends the status and
 * headers (HTTP/1.1: chunked), write queues bytes (copied), end finishes and ends the exchange.
 * write returns WEIR_EPROTO once the peer is gone (the caller then calls end) and WEIR_ELIMIT past the
 * connection's output limit. The on_close callback,
 * if set, runs once when the peer goes away before end. */
void http_exchange_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers);
int http_exchange_stream_write(HttpExchange *x, const void *p, size_t n) WEIR_WARN_UNUSED;
void http_exchange_stream_end(HttpExchange *x);
/* End a streaming answer as failed, so the client sees an incomplete response instead of a whole one:
 * HTTP/1.1 closes the connection (gracefully: the bytes written still arrive) without the last chunk,
 * HTTP/2 resets the stream (RST_STREAM INTERNAL_ERROR). (An HTTP/1.0 body is close-delimited: there
 * the client cannot tell.) Ends the exchange as stream_end does. */
void http_exchange_stream_abort(HttpExchange *x);
void http_exchange_on_close(HttpExchange *x, void (*fn)(void *arg), void *arg);

/* Bytes queued but not yet written to the socket for this exchange's connection (backpressure for
 * streaming writers). */
size_t http_exchange_pending_bytes(const HttpExchange *x);

/* In-process exchanges, for fuzz targets and tests that drive a handler without a socket: the request
 * is built from the arguments (copied), and the answer (respond, or a streamed answer's bytes) is kept
 * for the creator to read. The creator frees it with http_exchange_local_free, answered or not. */
HttpExchange *http_exchange_local_create(const char *method, const char *target, const HttpHeader *headers,
                                         size_t n_headers, const void *body, size_t body_len);
/* The answer's status (0 while unanswered) and body. */
int http_exchange_local_status(const HttpExchange *x);
const Buf *http_exchange_local_body(const HttpExchange *x);
void http_exchange_local_free(HttpExchange **x);

#endif
