/*
 * http2.c: HTTP/2 (cleartext, prior knowledge) through an nghttp2 server session: request collection,
 * dispatch to the handler, responses (fixed and streamed). HTTP/1.1 is in http1.c; detection of the
 * preface and the exchange API in http_server.c; sockets in src/net/.
 *
 * INTERFACE ROUTINES
 *   http2_conn_start/on_read/fini/shutdown    connection side
 *   http2_respond, http2_stream_begin/write/end/abort/pending   answer side
 *
 * Settings we send: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 16 MiB and a 16 MiB connection
 * window (one WINDOW_UPDATE at start), so a 10 MB PutRecords body uploads without waiting on window
 * updates; nghttp2 then returns window as data is received (automatic WINDOW_UPDATE).
 *
 * A request (H2Stream) collects headers into st->d.head (names and values back to back; offsets in
 * st->offs since the buffer may move while it grows) and DATA into st->d.body, bounded by
 * max_header_bytes (431) and max_body_bytes (413; a Content-Length over the limit is answered as soon as
 * the headers are in). Those early answers come from the server via on_error, followed by RST_STREAM
 * NO_ERROR if the client is still sending (RFC 9113 section 8.1). On END_STREAM the stream is queued;
 * handlers run after nghttp2_session_mem_recv returns, never inside an nghttp2 callback.
 *
 * Output: nghttp2_session_send with a send callback that stages frames into the connection
 * (net_conn_write_copy) and a send_data callback for fixed bodies (DATA_FLAG_NO_COPY): the 9-byte frame
 * header is copied and the payload staged by reference into a refcounted H2Blob, so a 1.4 MB GetRecords
 * body is never copied. Streamed bodies are copied into st->out and served by a deferred data provider
 * (NGHTTP2_ERR_DEFERRED until more bytes or the end arrive, then nghttp2_session_resume_data). Sends
 * requested while nghttp2 or the dispatcher is on the stack are deferred (s->depth) and done once, so
 * many answers in one read batch go out in one writev.
 *
 * Stream close (peer RST, or done): the H2Stream is freed; an exchange still with the handler is
 * orphaned (on_close runs). Connection-level protocol errors: nghttp2 queues GOAWAY itself; a fatal
 * return from mem_recv terminates the session (GOAWAY PROTOCOL_ERROR); once nghttp2 wants neither to
 * read nor write the connection closes gracefully.
 */
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/http_int.h"

#define H2_MAX_STREAMS 100
#define H2_WINDOW ((int32_t)16 * 1024 * 1024)

enum { H2_RESP_NONE = 0, H2_RESP_FIXED = 1, H2_RESP_STREAM = 2 };

typedef struct H2Blob {
    int refs;
    uint8_t *p;
    size_t len;
} H2Blob;

typedef struct H2HdrOff {
    size_t name_off, name_len, value_off, value_len;
} H2HdrOff;

struct H2Stream {
    int32_t id;
    H2Session *s;
    H2Stream *next, *prev; /* s->streams */
    H2Stream *ready_next;  /* s->ready queue */
    int is_queued;
    HttpReqData d;
    H2HdrOff *offs;
    size_t n_offs, cap_offs;
    size_t method_off, method_len, path_off, path_len, auth_off, auth_len;
    int has_method, has_path, has_auth, has_host;
    size_t hdr_bytes;
    int early_status; /* answered by the server (413/431): further input ignored */
    int is_head_too_big;
    HttpExchange *x; /* exchange with the handler */
    int resp;        /* H2_RESP_* */
    int no_body;     /* streaming answer without body (HEAD, 204, 304) */
    H2Blob *blob;
    size_t blob_read, blob_sent;
    Buf out; /* streamed bytes not yet taken by nghttp2 */
    size_t out_off;
    int out_ended;
};

struct H2Session {
    HttpConn *hc;
    nghttp2_session *ng;
    H2Stream *streams;
    H2Stream *ready_head, *ready_tail;
    int depth; /* nghttp2 or the dispatcher is on the stack: sends are deferred */
    int want_send;
};

/* ======================================================================== blobs and streams */

static void h2_blob_unref(void *arg)
{
    H2Blob *b = arg;
    if (--b->refs > 0)
        return;
    free(b->p);
    free(b);
}

static H2Stream *h2_stream_get(H2Session *s, int32_t id)
{
    return nghttp2_session_get_stream_user_data(s->ng, id);
}

static H2Stream *h2_stream_create(H2Session *s, int32_t id)
{
    HttpServer *srv = s->hc->srv;
    H2Stream *st = xcalloc(1, sizeof(*st));
    st->id = id;
    st->s = s;
    http_req_data_init(&st->d, 0, srv->cfg.max_body_bytes);
    buf_init(&st->out, 0);
    st->next = s->streams;
    if (s->streams)
        s->streams->prev = st;
    s->streams = st;
    nghttp2_session_set_stream_user_data(s->ng, id, st);
    return st;
}

static void h2_stream_free(H2Stream *st)
{
    H2Session *s = st->s;
    if (st->prev)
        st->prev->next = st->next;
    else
        s->streams = st->next;
    if (st->next)
        st->next->prev = st->prev;
    if (st->is_queued) {
        H2Stream **pp = &s->ready_head, *last = NULL;
        while (*pp && *pp != st) {
            last = *pp;
            pp = &(*pp)->ready_next;
        }
        if (*pp)
            *pp = st->ready_next;
        if (s->ready_tail == st)
            s->ready_tail = last;
    }
    HttpExchange *x = st->x;
    st->x = NULL;
    if (x) {
        x->h2s = NULL;
        http_exchange_orphan(x); /* runs on_close; x may be gone afterwards */
    }
    http_req_data_fini(&st->d);
    free(st->offs);
    if (st->blob)
        h2_blob_unref(st->blob);
    buf_fini(&st->out);
    free(st);
}

/* ======================================================================== sending */

static void h2_send(H2Session *s)
{
    HttpConn *hc = s->hc;
    if (s->depth > 0) {
        s->want_send = 1;
        return;
    }
    if (net_conn_is_closing(hc->net))
        return;
    s->depth++;
    do {
        s->want_send = 0;
        int rv = nghttp2_session_send(s->ng);
        if (rv) {
            log_debug("http2: send: %s", nghttp2_strerror(rv));
            s->depth--;
            net_conn_close(hc->net);
            return;
        }
    } while (s->want_send);
    s->depth--;
    net_conn_flush(hc->net);
    if (!net_conn_is_closing(hc->net) && !nghttp2_session_want_read(s->ng) &&
        !nghttp2_session_want_write(s->ng))
        net_conn_close_graceful(hc->net);
}

static ssize_t h2_send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags, void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2Session *s = ud;
    net_conn_write_copy(s->hc->net, data, len);
    return (ssize_t)len;
}

static int h2_send_data_cb(nghttp2_session *ng, nghttp2_frame *frame, const uint8_t *framehd, size_t length,
                           nghttp2_data_source *source, void *ud)
{
    UNUSED(ng);
    H2Session *s = ud;
    H2Stream *st = source->ptr;
    NetConn *c = s->hc->net;
    net_conn_write_copy(c, framehd, 9);
    if (frame->data.padlen > 0) {
        uint8_t pl = (uint8_t)(frame->data.padlen - 1);
        net_conn_write_copy(c, &pl, 1);
    }
    if (length) {
        H2Blob *b = st->blob;
        b->refs++;
        net_conn_write_ref(c, b->p + st->blob_sent, length, h2_blob_unref, b);
        st->blob_sent += length;
    }
    if (frame->data.padlen > 1) {
        static const uint8_t zeros[256];
        net_conn_write_copy(c, zeros, frame->data.padlen - 1);
    }
    return 0;
}

static ssize_t h2_fixed_read_cb(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                                nghttp2_data_source *source, void *ud)
{
    UNUSED(ng);
    UNUSED(id);
    UNUSED(buf);
    UNUSED(ud);
    H2Stream *st = source->ptr;
    size_t rem = st->blob->len - st->blob_read;
    size_t n = rem < length ? rem : length;
    st->blob_read += n;
    *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
    if (st->blob_read == st->blob->len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

static ssize_t h2_stream_read_cb(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length,
                                 uint32_t *flags, nghttp2_data_source *source, void *ud)
{
    UNUSED(ng);
    UNUSED(id);
    UNUSED(ud);
    H2Stream *st = source->ptr;
    size_t avail = st->out.len - st->out_off;
    if (avail == 0) {
        if (st->out_ended) {
            *flags |= NGHTTP2_DATA_FLAG_EOF;
            return 0;
        }
        return NGHTTP2_ERR_DEFERRED;
    }
    size_t n = avail < length ? avail : length;
    memcpy(buf, st->out.p + st->out_off, n);
    st->out_off += n;
    if (st->out_off == st->out.len) {
        buf_reset(&st->out);
        st->out_off = 0;
        if (st->out_ended)
            *flags |= NGHTTP2_DATA_FLAG_EOF;
    }
    return (ssize_t)n;
}

/* ======================================================================== response headers */

static int h2_header_skip(const HttpHeader *h)
{
    static const char *const hop[] = {
        "connection",       "keep-alive", "transfer-encoding", "content-length", "upgrade",
        "proxy-connection", "te"};
    for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
        if (slice_case_eq_cstr(h->name, hop[i]))
            return 1;
    return h->name.n == 0 || h->name.p[0] == ':';
}

/* Build the nghttp2 header list: :status, the handler's headers with lowercased names (HTTP/2 requires
 * it), content-length when known (content_length >= 0), date. nghttp2_submit_* copies names and values,
 * so the scratch buffer only has to live until then. Returns the number of entries in nva. */
static size_t h2_nva_build(HttpConn *hc, nghttp2_nv *nva, int status, const HttpHeader *headers,
                           size_t n_headers, const char *ctype, int64_t content_length, char *status_s,
                           char *len_s, char *date)
{
    Buf *sc = &hc->scratch;
    buf_reset(sc);
    size_t total = 0;
    for (size_t i = 0; i < n_headers; i++)
        total += headers[i].name.n;
    if (buf_reserve(sc, total + 1))
        weir_panic("http2: header names");
    if (status < 100 || status > 999)
        status = 500;
    snprintf(status_s, 4, "%03d", status);
    size_t n = 0;
    nva[n++] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)status_s, 7, 3, NGHTTP2_NV_FLAG_NONE};
    for (size_t i = 0; i < n_headers; i++) {
        if (h2_header_skip(&headers[i]))
            continue;
        uint8_t *lname = sc->p + sc->len;
        for (size_t k = 0; k < headers[i].name.n; k++) {
            uint8_t ch = headers[i].name.p[k];
            lname[k] = ch >= 'A' && ch <= 'Z' ? (uint8_t)(ch + 32) : ch;
        }
        sc->len += headers[i].name.n;
        nva[n++] = (nghttp2_nv){lname, (uint8_t *)headers[i].value.p, headers[i].name.n, headers[i].value.n,
                                NGHTTP2_NV_FLAG_NONE};
    }
    if (ctype)
        nva[n++] = (nghttp2_nv){(uint8_t *)"content-type", (uint8_t *)ctype, 12, strlen(ctype),
                                NGHTTP2_NV_FLAG_NONE};
    if (content_length >= 0) {
        int l = snprintf(len_s, 21, "%lld", (long long)content_length);
        nva[n++] =
            (nghttp2_nv){(uint8_t *)"content-length", (uint8_t *)len_s, 14, (size_t)l, NGHTTP2_NV_FLAG_NONE};
    }
    http_date_now(date);
    nva[n++] = (nghttp2_nv){(uint8_t *)"date", (uint8_t *)date, 4, strlen(date), NGHTTP2_NV_FLAG_NONE};
    return n;
}

/* Submit a complete response on st; body (may be NULL) is consumed. */
static int h2_submit_fixed(H2Stream *st, int status, const HttpHeader *headers, size_t n_headers,
                           const char *ctype, Buf *body)
{
    H2Session *s = st->s;
    int has_body = http_status_has_body(status);
    size_t blen = body && has_body ? body->len : 0;
    nghttp2_nv stack_nv[16];
    nghttp2_nv *nva = n_headers + 4 <= 16 ? stack_nv : xmalloc((n_headers + 4) * sizeof(*nva));
    char status_s[4], len_s[21], date[30];
    size_t nvlen = h2_nva_build(s->hc, nva, status, headers, n_headers, ctype, has_body ? (int64_t)blen : -1,
                                status_s, len_s, date);
    nghttp2_data_provider prd, *pp = NULL;
    if (blen && !st->d.is_head) {
        H2Blob *b = xmalloc(sizeof(*b));
        b->refs = 1;
        b->len = blen;
        b->p = buf_steal(body, NULL);
        if (st->blob)
            h2_blob_unref(st->blob);
        st->blob = b;
        st->blob_read = st->blob_sent = 0;
        prd.source.ptr = st;
        prd.read_callback = h2_fixed_read_cb;
        pp = &prd;
    }
    if (body) {
        size_t max = body->max;
        buf_fini(body);
        buf_init(body, max);
    }
    st->resp = H2_RESP_FIXED;
    int rv = nghttp2_submit_response(s->ng, st->id, nva, nvlen, pp);
    if (nva != stack_nv)
        free(nva);
    if (rv) {
        log_debug("http2: submit_response: %s", nghttp2_strerror(rv));
        nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
    }
    return rv;
}

/* The server answers on its own (413, 431) while the request may still be arriving. */
static void h2_early_answer(H2Stream *st, int status, const char *msg)
{
    if (st->early_status)
        return;
    st->early_status = status;
    buf_fini(&st->d.body);
    buf_init(&st->d.body, 1);
    Buf body;
    const char *ctype = NULL;
    buf_init(&body, 0);
    http_error_body(st->s->hc->srv, status, msg, &ctype, &body);
    (void)h2_submit_fixed(st, status, NULL, 0, ctype, &body);
    buf_fini(&body);
}

/* ======================================================================== receiving */

static int h2_on_begin_headers_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    UNUSED(ng);
    H2Session *s = ud;
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST)
        h2_stream_create(s, frame->hd.stream_id);
    return 0;
}

static int h2_on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                           size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2Session *s = ud;
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
        return 0; /* trailers: dropped, as in HTTP/1.1 */
    H2Stream *st = h2_stream_get(s, frame->hd.stream_id);
    if (!st || st->is_head_too_big)
        return 0;
    st->hdr_bytes += namelen + valuelen + 32; /* RFC 9113 header list size accounting */
    if (st->hdr_bytes > s->hc->srv->cfg.max_header_bytes) {
        st->is_head_too_big = 1;
        return 0;
    }
    size_t off = st->d.head.len;
    if (buf_append(&st->d.head, name, namelen) || buf_append(&st->d.head, value, valuelen)) {
        st->is_head_too_big = 1;
        return 0;
    }
    if (namelen && name[0] == ':') {
        if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
            st->method_off = off + namelen;
            st->method_len = valuelen;
            st->has_method = 1;
        } else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
            st->path_off = off + namelen;
            st->path_len = valuelen;
            st->has_path = 1;
        } else if (namelen == 10 && memcmp(name, ":authority", 10) == 0) {
            st->auth_off = off + namelen;
            st->auth_len = valuelen;
            st->has_auth = 1;
        }
        return 0;
    }
    if (namelen == 4 && memcmp(name, "host", 4) == 0)
        st->has_host = 1;
    if (st->n_offs == st->cap_offs) {
        st->cap_offs = st->cap_offs ? st->cap_offs * 2 : 16;
        st->offs = xrealloc(st->offs, st->cap_offs * sizeof(*st->offs));
    }
    st->offs[st->n_offs++] = (H2HdrOff){off, namelen, off + namelen, valuelen};
    return 0;
}

/* Headers complete: check limits, size the body buffer from content-length. */
static void h2_headers_done(H2Stream *st)
{
    HttpServer *srv = st->s->hc->srv;
    st->d.is_head =
        st->has_method && st->method_len == 4 && memcmp(st->d.head.p + st->method_off, "HEAD", 4) == 0;
    if (st->is_head_too_big) {
        h2_early_answer(st, 431, "request header section too large");
        return;
    }
    for (size_t i = 0; i < st->n_offs; i++) {
        const H2HdrOff *o = &st->offs[i];
        if (o->name_len != 14 || memcmp(st->d.head.p + o->name_off, "content-length", 14) != 0)
            continue;
        uint64_t v = 0;
        const uint8_t *p = st->d.head.p + o->value_off;
        for (size_t k = 0; k < o->value_len && k < 19; k++)
            v = v * 10 + (uint64_t)(p[k] - '0'); /* nghttp2 has already checked the digits */
        if (o->value_len > 18 || v > srv->cfg.max_body_bytes) {
            h2_early_answer(st, 413, "request body too large");
            return;
        }
        if (buf_reserve(&st->d.body, (size_t)v))
            h2_early_answer(st, 413, "request body too large");
        return;
    }
}

static void h2_stream_ready(H2Session *s, H2Stream *st)
{
    if (st->early_status || st->is_queued)
        return;
    st->is_queued = 1;
    st->ready_next = NULL;
    if (s->ready_tail)
        s->ready_tail->ready_next = st;
    else
        s->ready_head = st;
    s->ready_tail = st;
}

static int h2_on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    UNUSED(ng);
    H2Session *s = ud;
    H2Stream *st;
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
        st = h2_stream_get(s, frame->hd.stream_id);
        if (!st)
            return 0;
        if (frame->headers.cat == NGHTTP2_HCAT_REQUEST)
            h2_headers_done(st);
        if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
            h2_stream_ready(s, st);
        break;
    case NGHTTP2_DATA:
        st = h2_stream_get(s, frame->hd.stream_id);
        if (st && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
            h2_stream_ready(s, st);
        break;
    default:
        break;
    }
    return 0;
}

static int h2_on_data_chunk_recv_cb(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
                                    size_t len, void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2Session *s = ud;
    H2Stream *st = h2_stream_get(s, id);
    if (!st || st->early_status)
        return 0;
    if (buf_append(&st->d.body, data, len))
        h2_early_answer(st, 413, "request body too large");
    return 0;
}

static int h2_on_frame_send_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    H2Session *s = ud;
    if ((frame->hd.type != NGHTTP2_DATA && frame->hd.type != NGHTTP2_HEADERS) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    H2Stream *st = h2_stream_get(s, frame->hd.stream_id);
    /* An early 413 went out while the client may still be uploading: ask it to stop, without error. */
    if (st && st->early_status == 413 && !nghttp2_session_get_stream_remote_close(ng, st->id))
        nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    return 0;
}

static int h2_on_stream_close_cb(nghttp2_session *ng, int32_t id, uint32_t error_code, void *ud)
{
    UNUSED(ng);
    UNUSED(error_code);
    H2Session *s = ud;
    H2Stream *st = h2_stream_get(s, id);
    if (st) {
        nghttp2_session_set_stream_user_data(s->ng, id, NULL);
        h2_stream_free(st);
    }
    return 0;
}

/* Run the handler for every complete request, in the order they completed. */
static void h2_dispatch(H2Session *s)
{
    HttpConn *hc = s->hc;
    HttpServer *srv = hc->srv;
    s->depth++;
    while (s->ready_head && !net_conn_is_closing(hc->net)) {
        H2Stream *st = s->ready_head;
        s->ready_head = st->ready_next;
        if (!s->ready_head)
            s->ready_tail = NULL;
        st->is_queued = 0;
        HttpReqData *d = &st->d;
        const uint8_t *hp = d->head.p ? d->head.p : (const uint8_t *)"";
        for (size_t i = 0; i < st->n_offs; i++)
            http_req_data_add_header(d, (Slice){hp + st->offs[i].name_off, st->offs[i].name_len},
                                     (Slice){hp + st->offs[i].value_off, st->offs[i].value_len});
        if (!st->has_host && st->has_auth)
            http_req_data_add_header(d, SLICE_LIT("host"), (Slice){hp + st->auth_off, st->auth_len});
        d->req.method = st->has_method ? (Slice){hp + st->method_off, st->method_len} : SLICE_LIT("GET");
        d->req.target = st->has_path ? (Slice){hp + st->path_off, st->path_len} : SLICE_LIT("/");
        d->req.version = 20;
        d->is_head = slice_eq_cstr(d->req.method, "HEAD");
        d->keep_alive = 1;
        http_req_data_finish(d);
        HttpExchange *x = http_exchange_create(hc, d);
        http_req_data_init(&st->d, 0, 1);
        st->x = x;
        x->h2s = st;
        http_conn_idle_update(hc);
        srv->cfg.handler(srv->cfg.handler_arg, x);
    }
    s->depth--;
}

/* ======================================================================== connection side */

void http2_conn_start(HttpConn *hc, const uint8_t *p, size_t n)
{
    hc->proto = HTTP_PROTO_H2;
    H2Session *s = xcalloc(1, sizeof(*s));
    s->hc = hc;
    hc->h2 = s;
    nghttp2_session_callbacks *cbs;
    if (nghttp2_session_callbacks_new(&cbs))
        weir_panic("nghttp2: out of memory");
    nghttp2_session_callbacks_set_send_callback(cbs, h2_send_cb);
    nghttp2_session_callbacks_set_send_data_callback(cbs, h2_send_data_cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, h2_on_begin_headers_cb);
    nghttp2_session_callbacks_set_on_header_callback(cbs, h2_on_header_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2_on_frame_recv_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2_on_data_chunk_recv_cb);
    nghttp2_session_callbacks_set_on_frame_send_callback(cbs, h2_on_frame_send_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, h2_on_stream_close_cb);
    int rv = nghttp2_session_server_new(&s->ng, cbs, s);
    nghttp2_session_callbacks_del(cbs);
    if (rv)
        weir_panic("nghttp2_session_server_new: %s", nghttp2_strerror(rv));
    nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, H2_MAX_STREAMS},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)H2_WINDOW},
    };
    rv = nghttp2_submit_settings(s->ng, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0]));
    if (!rv)
        rv = nghttp2_session_set_local_window_size(s->ng, NGHTTP2_FLAG_NONE, 0, H2_WINDOW);
    if (rv)
        log_warn("http2: settings: %s", nghttp2_strerror(rv));
    http2_conn_on_read(hc, p, n);
}

void http2_conn_on_read(HttpConn *hc, const uint8_t *p, size_t n)
{
    H2Session *s = hc->h2;
    if (net_conn_is_closing(hc->net))
        return;
    s->depth++;
    ssize_t rv = nghttp2_session_mem_recv(s->ng, p, n);
    s->depth--;
    if (rv < 0) {
        log_debug("http2: recv: %s", nghttp2_strerror((int)rv));
        nghttp2_session_terminate_session(s->ng, NGHTTP2_PROTOCOL_ERROR);
        h2_send(s);
        net_conn_close_graceful(hc->net);
        return;
    }
    h2_dispatch(s);
    h2_send(s);
    if (!net_conn_is_closing(hc->net))
        http_conn_idle_update(hc);
}

void http2_conn_shutdown(HttpConn *hc)
{
    H2Session *s = hc->h2;
    if (!s || net_conn_is_closing(hc->net))
        return;
    nghttp2_session_terminate_session(s->ng, NGHTTP2_NO_ERROR);
    h2_send(s);
}

void http2_conn_fini(HttpConn *hc)
{
    H2Session *s = hc->h2;
    if (!s)
        return;
    s->depth++; /* nothing may be sent any more */
    while (s->streams) {
        H2Stream *st = s->streams;
        nghttp2_session_set_stream_user_data(s->ng, st->id, NULL);
        h2_stream_free(st);
    }
    nghttp2_session_del(s->ng);
    free(s);
    hc->h2 = NULL;
}

/* ======================================================================== answer side */

void http2_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers, Buf *body)
{
    H2Stream *st = x->h2s;
    HttpConn *hc = x->conn;
    if (!st) { /* stream gone but the connection not yet told: discard */
        if (body) {
            size_t max = body->max;
            buf_fini(body);
            buf_init(body, max);
        }
        http_exchange_detach(x);
        http_exchange_release(x);
        return;
    }
    H2Session *s = st->s;
    st->d.is_head = x->d.is_head;
    (void)h2_submit_fixed(st, status, headers, n_headers, NULL, body);
    st->x = NULL;
    x->h2s = NULL;
    http_exchange_detach(x);
    http_exchange_release(x);
    http_conn_idle_update(hc);
    h2_send(s);
}

void http2_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers)
{
    H2Stream *st = x->h2s;
    x->state = HTTP_X_STREAMING;
    if (!st)
        return;
    H2Session *s = st->s;
    int has_body = http_status_has_body(status) && !x->d.is_head;
    nghttp2_nv stack_nv[16];
    nghttp2_nv *nva = n_headers + 4 <= 16 ? stack_nv : xmalloc((n_headers + 4) * sizeof(*nva));
    char status_s[4], len_s[21], date[30];
    size_t nvlen = h2_nva_build(s->hc, nva, status, headers, n_headers, NULL, -1, status_s, len_s, date);
    nghttp2_data_provider prd = {.source.ptr = st, .read_callback = h2_stream_read_cb};
    st->resp = H2_RESP_STREAM;
    st->no_body = !has_body;
    int rv = nghttp2_submit_response(s->ng, st->id, nva, nvlen, has_body ? &prd : NULL);
    if (nva != stack_nv)
        free(nva);
    if (rv) {
        log_debug("http2: submit_response: %s", nghttp2_strerror(rv));
        nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
    }
    h2_send(s);
}

int http2_stream_write(HttpExchange *x, const void *p, size_t n)
{
    H2Stream *st = x->h2s;
    if (!st)
        return WEIR_EPROTO;
    if (n == 0 || st->no_body)
        return WEIR_OK;
    if (st->out_off > 0 && st->out_off == st->out.len) {
        buf_reset(&st->out);
        st->out_off = 0;
    }
    if (buf_append(&st->out, p, n))
        return WEIR_ELIMIT;
    nghttp2_session_resume_data(st->s->ng, st->id);
    h2_send(st->s);
    return WEIR_OK;
}

void http2_stream_end(HttpExchange *x)
{
    H2Stream *st = x->h2s;
    HttpConn *hc = x->conn;
    if (st) {
        H2Session *s = st->s;
        st->out_ended = 1;
        st->x = NULL;
        x->h2s = NULL;
        if (!st->no_body)
            nghttp2_session_resume_data(s->ng, st->id);
        http_exchange_detach(x);
        http_exchange_release(x);
        http_conn_idle_update(hc);
        h2_send(s);
        return;
    }
    http_exchange_detach(x);
    http_exchange_release(x);
}

void http2_stream_abort(HttpExchange *x)
{
    H2Stream *st = x->h2s;
    HttpConn *hc = x->conn;
    if (st) {
        H2Session *s = st->s;
        st->x = NULL;
        x->h2s = NULL;
        /* The stream's queued DATA may or may not go out first; either way the client sees a reset, not
         * END_STREAM. The H2Stream is freed by the stream close callback. */
        int rv = nghttp2_submit_rst_stream(s->ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
        if (rv)
            log_debug("http2: submit_rst_stream: %s", nghttp2_strerror(rv));
        http_exchange_detach(x);
        http_exchange_release(x);
        http_conn_idle_update(hc);
        h2_send(s);
        return;
    }
    http_exchange_detach(x);
    http_exchange_release(x);
}

size_t http2_stream_pending(const HttpExchange *x)
{
    const H2Stream *st = x->h2s;
    return st ? st->out.len - st->out_off : 0;
}
