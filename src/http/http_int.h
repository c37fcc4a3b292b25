/*
 * http_int.h: private to the HTTP server (http_server.c, http1.c, http2.c), plus the HTTP/1.1 parser API
 * the fuzz target and unit tests drive directly. Not for the API handlers: they see http.h only.
 *
 * Objects and who owns them:
 *   HttpServer   the caller's (http_server_start/stop); freed once stopped and its last connection closed.
 *   HttpConn     one per TCP connection, owned by the server's list; freed from NetConnOps.on_close.
 *   HttpExchange one per request; two references: the handler's (dropped by respond / stream_end) and the
 *                connection's (dropped when the answer was handed to the connection, or when the
 *                connection or HTTP/2 stream goes away: the exchange is then "orphaned", conn == NULL).
 *                Freed when both are gone.
 *   HttpReqData  the request's bytes: the header block (which the Slices in req point into), the header
 *                array and the body. Built by the parser (HTTP/1.1) or by the nghttp2 callbacks (HTTP/2),
 *                then moved into the exchange.
 *   Http1Parser  embedded in an HTTP/1.1 HttpConn; independent of libuv.
 */
#ifndef WEIR_HTTP_HTTP_INT_H
#define WEIR_HTTP_HTTP_INT_H

#include "http/http.h"
#include "net/net.h"

#define HTTP_DEFAULT_MAX_HEADER ((size_t)64 * 1024)
#define HTTP_DEFAULT_MAX_BODY ((size_t)16 * 1024 * 1024)
#define HTTP_DEFAULT_IDLE_MS 120000

/* ======================================================================== request storage */

typedef struct HttpReqData {
    HttpRequest req;  /* the handler's view; slices into head and body */
    Buf head;         /* request line and header bytes (HTTP/2: names and values) */
    HttpHeader *hdrs; /* owned array behind req.headers */
    size_t cap_hdrs;
    Buf body;       /* body bytes, NUL-terminated */
    int keep_alive; /* HTTP/1.x: the connection may carry another request after this one */
    int expect_continue;
    int is_head; /* method is HEAD: the response carries no body */
} HttpReqData;

void http_req_data_init(HttpReqData *d, size_t max_head, size_t max_body);
void http_req_data_fini(HttpReqData *d);
/* Append one header to d->hdrs (the slices must point into storage that no longer moves). */
void http_req_data_add_header(HttpReqData *d, Slice name, Slice value);
/* Point req.body at the body bytes ("" when there are none) and req.headers at the array. */
void http_req_data_finish(HttpReqData *d);

/* ======================================================================== HTTP/1.1 parser */

typedef enum Http1Event {
    HTTP1_EV_NONE = 0,     /* need more input */
    HTTP1_EV_CONTINUE = 1, /* headers of a request with Expect: 100-continue are in; body still to come */
    HTTP1_EV_REQUEST = 2,  /* a complete request was moved into *out */
    HTTP1_EV_ERROR = 3,    /* framing error: status/msg set; the parser is dead (sticky) */
} Http1Event;

typedef struct Http1Parser {
    size_t max_header; /* request line + headers (and the trailer section) */
    size_t max_body;
    int state;           /* H1S_* in http1.c */
    int event;           /* pending Http1Event not yet returned by http1_parser_next */
    Buf in;              /* unconsumed input (incomplete head, chunk line, or pipelined requests) */
    size_t in_off;       /* consumed prefix of in */
    size_t head_scanned; /* bytes of the current head already searched for CRLFCRLF */
    uint64_t rem;        /* body or chunk bytes still to read */
    size_t trailer_len;
    int is_chunked;
    HttpReqData cur;     /* request under construction */
    int err_status;      /* after HTTP1_EV_ERROR */
    const char *err_msg; /* static string */
} Http1Parser;

/* max_header/max_body 0 mean the defaults. */
void http1_parser_init(Http1Parser *p, size_t max_header, size_t max_body);
void http1_parser_fini(Http1Parser *p);

/* Give the parser n input bytes (copied as needed; body bytes go straight to the request's body buffer
 * when possible). Returns WEIR_OK, or WEIR_ELIMIT when more than max_header + 4 MiB would sit buffered
 * unparsed (the caller must stop reading long before that; see http1_parser_buffered). */
int http1_parser_feed(Http1Parser *p, const void *data, size_t n) WEIR_WARN_UNUSED;

/* Advance and return the next event. For HTTP1_EV_REQUEST the request is moved into *out (caller owns:
 * http_req_data_fini). For HTTP1_EV_ERROR read p->err_status / p->err_msg; every later call returns
 * HTTP1_EV_ERROR again. Parsing never runs ahead of the events: after HTTP1_EV_REQUEST the next request
 * is only parsed by the next call. */
Http1Event http1_parser_next(Http1Parser *p, HttpReqData *out);

/* Input bytes buffered but not yet parsed. */
size_t http1_parser_buffered(const Http1Parser *p);

/* ======================================================================== connections, exchanges */

enum { HTTP_PROTO_UNKNOWN = 0, HTTP_PROTO_H1 = 1, HTTP_PROTO_H2 = 2 };
enum { HTTP_X_PENDING = 0, HTTP_X_STREAMING = 1 };

typedef struct H2Session H2Session;
typedef struct H2Stream H2Stream;
typedef struct HttpConn HttpConn;

struct HttpServer {
    uv_loop_t *loop;
    HttpServerConfig cfg; /* defaults resolved; cfg.host points at host */
    char *host;
    NetListener *lis;
    HttpConn *conns; /* list of open connections */
    size_t n_conns;
    int is_stopping; /* freed when the last connection is gone */
};

struct HttpConn {
    HttpServer *srv;
    NetConn *net;
    HttpConn *next, *prev; /* srv->conns */
    int proto;             /* HTTP_PROTO_* */
    uint8_t pre[24];       /* first bytes while deciding the protocol */
    size_t pre_len;
    HttpExchange *xs; /* exchanges attached to this connection (held by handlers) */
    size_t n_xs;
    /* HTTP/1.1 */
    Http1Parser h1;
    HttpExchange *h1_cur; /* the request with the handler; further requests wait */
    int h1_in_process;    /* h1 processing on the stack: respond must not recurse */
    int h1_eof;           /* peer sent FIN */
    int h1_is_dead;       /* error answered or close decided: no more requests */
    Buf scratch;          /* response head, reused */
    /* HTTP/2 */
    H2Session *h2;
};

struct HttpExchange {
    int refs;                  /* handler + connection */
    int state;                 /* HTTP_X_* */
    HttpConn *conn;            /* NULL once orphaned */
    HttpExchange *next, *prev; /* conn->xs */
    HttpReqData d;
    void (*on_close)(void *);
    void *on_close_arg;
    int is_chunked; /* HTTP/1.1 streaming answer uses chunked coding */
    int keep_alive;
    H2Stream *h2s; /* HTTP/2 stream, NULL for HTTP/1 or once it closed */
    int local;        /* made by http_exchange_local_create: the answer is kept, not sent */
    int local_status; /* 0 until answered */
    Buf local_body;
};

/* http_server.c */
HttpExchange *http_exchange_create(HttpConn *hc, HttpReqData *d); /* moves *d in; attached; refs = 2 */
void http_exchange_detach(HttpExchange *x);  /* connection drops its reference (answer handed over) */
void http_exchange_orphan(HttpExchange *x);  /* peer gone: detach, then run on_close */
void http_exchange_release(HttpExchange *x); /* handler drops its reference */
void http_conn_idle_update(HttpConn *hc);    /* idle timer armed iff no exchange is with a handler */
const char *http_status_reason(int status);
/* "Sun, 06 Nov 1994 08:49:37 GMT" into out[30] (NUL-terminated), cached per second. */
void http_date_now(char out[30]);
/* The body of a server-generated error: calls cfg.on_error or writes "msg\n" as text/plain. */
void http_error_body(HttpServer *srv, int status, const char *msg, const char **ctype, Buf *out);
/* Whether a response with this status to this request carries a body. */
int http_status_has_body(int status);

/* http1.c: connection side */
void http1_conn_start(HttpConn *hc, const uint8_t *p, size_t n);
void http1_conn_on_read(HttpConn *hc, const uint8_t *p, size_t n);
void http1_conn_on_eof(HttpConn *hc);
void http1_conn_fini(HttpConn *hc);
void http1_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers, Buf *body);
void http1_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers);
int http1_stream_write(HttpExchange *x, const void *p, size_t n);
void http1_stream_end(HttpExchange *x);
void http1_stream_abort(HttpExchange *x);

/* http2.c */
void http2_conn_start(HttpConn *hc, const uint8_t *p, size_t n);
void http2_conn_on_read(HttpConn *hc, const uint8_t *p, size_t n);
void http2_conn_fini(HttpConn *hc); /* orphans attached exchanges, frees the session */
void http2_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers, Buf *body);
void http2_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers);
int http2_stream_write(HttpExchange *x, const void *p, size_t n);
void http2_stream_end(HttpExchange *x);
void http2_stream_abort(HttpExchange *x);
size_t http2_stream_pending(const HttpExchange *x);
/* Queue and send GOAWAY(NO_ERROR) (HTTP/2 only; no-op once closing). The caller closes the connection. */
void http2_conn_shutdown(HttpConn *hc);

#endif
