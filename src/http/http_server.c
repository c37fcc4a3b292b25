/*
 * http_server.c: the server object, protocol detection on each new connection, and the exchange API of
 * http.h (lifetime, orphaning, dispatch of answers to http1.c or http2.c). No parsing or framing here.
 *
 * INTERFACE ROUTINES
 *   http_server_start/port/stop          listener and connection list
 *   http_exchange_*                      the handler's side of a request (http.h)
 *   http_exchange_create/detach/orphan/release, http_conn_idle_update, http_date_now,
 *   http_status_reason, http_error_body  shared helpers for http1.c and http2.c (http_int.h)
 *
 * Protocol detection: a connection starts UNKNOWN. Bytes are compared with the 24-byte HTTP/2 client
 * preface as they arrive (a preface split across reads is kept in hc->pre). The first mismatching byte
 * makes it HTTP/1.1 (the saved bytes and the rest go to the HTTP/1.1 parser); 24 matching bytes make it
 * HTTP/2 (everything goes to nghttp2, which checks the preface itself).
 *
 * Exchange lifetime (see http_int.h): refs = handler + connection. Answering hands the response to the
 * connection and drops both. When the peer goes away first the connection's reference is dropped and
 * x->conn becomes NULL (orphaned); the on_close callback runs; a later answer is discarded and frees x.
 *
 * Server lifetime: http_server_stop closes the listener and every connection at once; the HttpServer is
 * freed when the last connection's close callback has run (they read its config until then).
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/http_int.h"

static const uint8_t http_h2_preface[24] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/* ======================================================================== request data */

const Slice *http_request_header(const HttpRequest *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (slice_case_eq_cstr(r->headers[i].name, name))
            return &r->headers[i].value;
    return NULL;
}

void http_req_data_init(HttpReqData *d, size_t max_head, size_t max_body)
{
    memset(d, 0, sizeof(*d));
    buf_init(&d->head, max_head);
    buf_init(&d->body, max_body);
}

void http_req_data_fini(HttpReqData *d)
{
    buf_fini(&d->head);
    buf_fini(&d->body);
    free(d->hdrs);
    d->hdrs = NULL;
    d->cap_hdrs = 0;
    d->req.n_headers = 0;
}

void http_req_data_add_header(HttpReqData *d, Slice name, Slice value)
{
    if (d->req.n_headers == d->cap_hdrs) {
        d->cap_hdrs = d->cap_hdrs ? d->cap_hdrs * 2 : 16;
        d->hdrs = xrealloc(d->hdrs, d->cap_hdrs * sizeof(*d->hdrs));
    }
    d->hdrs[d->req.n_headers++] = (HttpHeader){name, value};
}

void http_req_data_finish(HttpReqData *d)
{
    d->req.headers = d->hdrs;
    d->req.body = d->body.p ? d->body.p : (const uint8_t *)"";
    d->req.body_len = d->body.len;
}

/* ======================================================================== small helpers */

/* clang-format off */
const char *http_status_reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return status < 200 ? "Informational" : status < 300 ? "OK" : status < 400 ? "Redirect"
                                                    : status < 500 ? "Client Error" : "Server Error";
    }
}
/* clang-format on */

int http_status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

void http_date_now(char out[30])
{
    /* IMF-fixdate, built by hand: strftime's %a/%b follow the locale. Cached per second and thread. */
    static _Thread_local int64_t cached_sec = -1;
    static _Thread_local char cached[30];
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t sec = clock_now_ms() / 1000;
    if (sec != cached_sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        gmtime_r(&t, &tm);
        char tmp[96];
        snprintf(tmp, sizeof(tmp), "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday,
                 months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        memcpy(cached, tmp, sizeof(cached) - 1);
        cached[sizeof(cached) - 1] = '\0';
        cached_sec = sec;
    }
    memcpy(out, cached, sizeof(cached));
}

void http_error_body(HttpServer *srv, int status, const char *msg, const char **ctype, Buf *out)
{
    *ctype = NULL;
    if (srv->cfg.on_error)
        srv->cfg.on_error(srv->cfg.on_error_arg, status, msg, ctype, out);
    else if (buf_append_cstr(out, msg) || buf_append_byte(out, '\n'))
        weir_panic("http: error body");
    if (!*ctype)
        *ctype = "text/plain; charset=utf-8";
}

void http_conn_idle_update(HttpConn *hc)
{
    net_conn_idle_arm(hc->net, hc->n_xs ? 0 : hc->srv->cfg.idle_timeout_ms);
}

/* ======================================================================== exchanges */

HttpExchange *http_exchange_create(HttpConn *hc, HttpReqData *d)
{
    HttpExchange *x = xcalloc(1, sizeof(*x));
    x->d = *d;
    memset(d, 0, sizeof(*d));
    x->refs = 2;
    x->conn = hc;
    x->next = hc->xs;
    if (hc->xs)
        hc->xs->prev = x;
    hc->xs = x;
    hc->n_xs++;
    return x;
}

void http_exchange_release(HttpExchange *x)
{
    if (NEVER(x->refs <= 0))
        return;
    if (--x->refs > 0)
        return;
    buf_fini(&x->local_body);
    http_req_data_fini(&x->d);
    free(x);
}

void http_exchange_detach(HttpExchange *x)
{
    HttpConn *hc = x->conn;
    if (!hc)
        return;
    if (x->prev)
        x->prev->next = x->next;
    else
        hc->xs = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->next = x->prev = NULL;
    hc->n_xs--;
    x->conn = NULL;
    http_exchange_release(x);
}

void http_exchange_orphan(HttpExchange *x)
{
    /* The handler still holds its reference, so x survives the detach. */
    void (*fn)(void *) = x->on_close;
    void *arg = x->on_close_arg;
    x->on_close = NULL;
    http_exchange_detach(x);
    if (fn)
        fn(arg); /* may answer (and so free) x: do not touch x after this */
}

const HttpRequest *http_exchange_request(const HttpExchange *x)
{
    return &x->d.req;
}

int http_exchange_is_orphaned(const HttpExchange *x)
{
    if (x->local)
        return 0;
    return !x->conn || net_conn_is_closing(x->conn->net);
}

/* Copy n bytes to the end of b (already reserved) and return the slice of them. */
static Slice local_put(Buf *b, const uint8_t *base, const void *p, size_t n)
{
    Slice sl = {base + b->len, n};
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return sl;
}

HttpExchange *http_exchange_local_create(const char *method, const char *target, const HttpHeader *headers,
                                         size_t n_headers, const void *body, size_t body_len)
{
    HttpExchange *x = xcalloc(1, sizeof(*x));
    x->refs = 2; /* handler + creator */
    x->local = 1;
    buf_init(&x->local_body, 0);
    HttpReqData *d = &x->d;
    http_req_data_init(d, 0, 0);
    size_t ml = strlen(method), tl = strlen(target), need = ml + tl;
    for (size_t i = 0; i < n_headers; i++)
        need += headers[i].name.n + headers[i].value.n;
    /* Reserve everything first: the slices point into head, which must not move afterwards. */
    if (buf_reserve(&d->head, need + 1) || buf_reserve(&d->body, body_len + 1))
        abort(); /* unlimited buffers: only allocation failure, which xmalloc already aborts on */
    const uint8_t *base = d->head.p;
    d->req.method = local_put(&d->head, base, method, ml);
    d->req.target = local_put(&d->head, base, target, tl);
    for (size_t i = 0; i < n_headers; i++) {
        Slice name = local_put(&d->head, base, headers[i].name.p, headers[i].name.n);
        Slice value = local_put(&d->head, base, headers[i].value.p, headers[i].value.n);
        http_req_data_add_header(d, name, value);
    }
    if (body_len)
        memcpy(d->body.p, body, body_len);
    d->body.len = body_len;
    d->body.p[body_len] = 0;
    d->req.version = 11;
    http_req_data_finish(d);
    return x;
}

int http_exchange_local_status(const HttpExchange *x)
{
    return x->local_status;
}

const Buf *http_exchange_local_body(const HttpExchange *x)
{
    return &x->local_body;
}

void http_exchange_local_free(HttpExchange **xp)
{
    HttpExchange *x = *xp;
    if (!x)
        return;
    *xp = NULL;
    assert(x->local);
    http_exchange_release(x);
}

static void http_body_discard(Buf *body)
{
    if (body) {
        size_t max = body->max;
        buf_fini(body);
        buf_init(body, max);
    }
}

void http_exchange_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers,
                           Buf *body)
{
    if (x->local) {
        UNUSED(headers);
        UNUSED(n_headers);
        assert(x->state == HTTP_X_PENDING && x->local_status == 0);
        x->local_status = status;
        if (body && body->len && buf_append(&x->local_body, body->p, body->len))
            x->local_status = 500;
        http_body_discard(body);
        http_exchange_release(x);
        return;
    }
    if (!x->conn) {
        http_body_discard(body);
        http_exchange_release(x);
        return;
    }
    assert(x->state == HTTP_X_PENDING);
    if (x->conn->proto == HTTP_PROTO_H2)
        http2_respond(x, status, headers, n_headers, body);
    else
        http1_respond(x, status, headers, n_headers, body);
}

void http_exchange_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers)
{
    assert(x->state == HTTP_X_PENDING);
    if (x->local) {
        x->state = HTTP_X_STREAMING;
        x->local_status = status;
        return;
    }
    if (!x->conn) {
        x->state = HTTP_X_STREAMING;
        return;
    }
    if (x->conn->proto == HTTP_PROTO_H2)
        http2_stream_begin(x, status, headers, n_headers);
    else
        http1_stream_begin(x, status, headers, n_headers);
}

int http_exchange_stream_write(HttpExchange *x, const void *p, size_t n)
{
    assert(x->state == HTTP_X_STREAMING);
    if (x->local)
        return buf_append(&x->local_body, p, n) ? WEIR_ELIMIT : WEIR_OK;
    if (http_exchange_is_orphaned(x))
        return WEIR_EPROTO;
    if (x->conn->proto == HTTP_PROTO_H2)
        return http2_stream_write(x, p, n);
    return http1_stream_write(x, p, n);
}

void http_exchange_stream_end(HttpExchange *x)
{
    if (!x->conn) {
        http_exchange_release(x);
        return;
    }
    assert(x->state == HTTP_X_STREAMING);
    if (x->conn->proto == HTTP_PROTO_H2)
        http2_stream_end(x);
    else
        http1_stream_end(x);
}

void http_exchange_stream_abort(HttpExchange *x)
{
    if (!x->conn) {
        http_exchange_release(x); /* orphaned or local: nothing to break */
        return;
    }
    assert(x->state == HTTP_X_STREAMING);
    if (x->conn->proto == HTTP_PROTO_H2)
        http2_stream_abort(x);
    else
        http1_stream_abort(x);
}

void http_exchange_on_close(HttpExchange *x, void (*fn)(void *arg), void *arg)
{
    x->on_close = fn;
    x->on_close_arg = arg;
}

size_t http_exchange_pending_bytes(const HttpExchange *x)
{
    if (!x->conn)
        return 0;
    size_t n = net_conn_pending_bytes(x->conn->net);
    if (x->conn->proto == HTTP_PROTO_H2)
        n += http2_stream_pending(x);
    return n;
}

/* ======================================================================== connections */

static void http_server_free(HttpServer *srv)
{
    free(srv->host);
    free(srv);
}

static void http_conn_on_read(NetConn *c, const uint8_t *p, size_t n)
{
    HttpConn *hc = net_conn_user(c);
    if (hc->proto == HTTP_PROTO_H1) {
        http1_conn_on_read(hc, p, n);
        return;
    }
    if (hc->proto == HTTP_PROTO_H2) {
        http2_conn_on_read(hc, p, n);
        return;
    }
    size_t take = n < sizeof(http_h2_preface) - hc->pre_len ? n : sizeof(http_h2_preface) - hc->pre_len;
    if (memcmp(p, http_h2_preface + hc->pre_len, take) != 0) {
        if (hc->pre_len == 0) {
            http1_conn_start(hc, p, n);
        } else {
            http1_conn_start(hc, hc->pre, hc->pre_len);
            http1_conn_on_read(hc, p, n);
        }
        return;
    }
    if (hc->pre_len + take < sizeof(http_h2_preface)) {
        memcpy(hc->pre + hc->pre_len, p, take);
        hc->pre_len += take;
        return;
    }
    if (hc->pre_len == 0) {
        http2_conn_start(hc, p, n);
    } else {
        memcpy(hc->pre + hc->pre_len, p, take);
        http2_conn_start(hc, hc->pre, sizeof(http_h2_preface));
        if (n > take && hc->proto == HTTP_PROTO_H2 && !net_conn_is_closing(hc->net))
            http2_conn_on_read(hc, p + take, n - take);
    }
}

static void http_conn_on_eof(NetConn *c)
{
    HttpConn *hc = net_conn_user(c);
    if (hc->proto == HTTP_PROTO_H1)
        http1_conn_on_eof(hc);
    else if (hc->proto == HTTP_PROTO_H2)
        net_conn_close(c); /* HTTP/2 peers do not half-close: the peer is gone */
    else
        net_conn_close_graceful(c);
}

static void http_conn_on_close(NetConn *c)
{
    HttpConn *hc = net_conn_user(c);
    HttpServer *srv = hc->srv;
    if (hc->proto == HTTP_PROTO_H2)
        http2_conn_fini(hc);
    while (hc->xs)
        http_exchange_orphan(hc->xs);
    hc->h1_cur = NULL;
    http1_conn_fini(hc);
    buf_fini(&hc->scratch);
    if (hc->prev)
        hc->prev->next = hc->next;
    else
        srv->conns = hc->next;
    if (hc->next)
        hc->next->prev = hc->prev;
    srv->n_conns--;
    free(hc);
    if (srv->is_stopping && srv->n_conns == 0)
        http_server_free(srv);
}

static void http_conn_on_idle(NetConn *c)
{
    HttpConn *hc = net_conn_user(c);
    if (hc->proto == HTTP_PROTO_H2) {
        http2_conn_shutdown(hc); /* GOAWAY first, so the client does not reuse the connection */
        net_conn_close_graceful(c);
        return;
    }
    net_conn_close(c);
}

static const NetConnOps http_conn_ops = {
    .on_read = http_conn_on_read,
    .on_eof = http_conn_on_eof,
    .on_close = http_conn_on_close,
    .on_idle = http_conn_on_idle,
};

static void http_server_accept(void *arg, NetConn *c)
{
    HttpServer *srv = arg;
    HttpConn *hc = xcalloc(1, sizeof(*hc));
    hc->srv = srv;
    hc->net = c;
    buf_init(&hc->scratch, 0);
    hc->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = hc;
    srv->conns = hc;
    srv->n_conns++;
    net_conn_set_ops(c, &http_conn_ops, hc);
    http_conn_idle_update(hc);
}

/* ======================================================================== server */

int http_server_start(uv_loop_t *loop, const HttpServerConfig *cfg, HttpServer **out, Err *e)
{
    *out = NULL;
    if (!cfg->handler)
        return err_set(e, WEIR_EINVAL, "http: no handler");
    HttpServer *srv = xcalloc(1, sizeof(*srv));
    srv->loop = loop;
    srv->cfg = *cfg;
    srv->host = xstrdup(cfg->host ? cfg->host : "127.0.0.1");
    srv->cfg.host = srv->host;
    if (!srv->cfg.max_header_bytes)
        srv->cfg.max_header_bytes = HTTP_DEFAULT_MAX_HEADER;
    if (!srv->cfg.max_body_bytes)
        srv->cfg.max_body_bytes = HTTP_DEFAULT_MAX_BODY;
    if (srv->cfg.idle_timeout_ms <= 0)
        srv->cfg.idle_timeout_ms = HTTP_DEFAULT_IDLE_MS;
    int rc = net_listener_start(loop, srv->host, cfg->port, http_server_accept, srv, &srv->lis, e);
    if (rc) {
        http_server_free(srv);
        return rc;
    }
    *out = srv;
    return WEIR_OK;
}

int http_server_port(const HttpServer *s)
{
    return s ? net_listener_port(s->lis) : 0;
}

void http_server_stop(HttpServer **ps)
{
    if (!ps || !*ps)
        return;
    HttpServer *srv = *ps;
    *ps = NULL;
    srv->is_stopping = 1;
    net_listener_stop(&srv->lis);
    for (HttpConn *hc = srv->conns; hc; hc = hc->next) {
        if (hc->proto == HTTP_PROTO_H2)
            http2_conn_shutdown(hc);
        net_conn_close(hc->net);
    }
    if (srv->n_conns == 0)
        http_server_free(srv);
}
