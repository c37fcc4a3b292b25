/*
 * http1.c: HTTP/1.1: the incremental request parser, the per-connection request loop and the response
 * writer. HTTP/2 lives in http2.c, the exchange and server plumbing in http_server.c, sockets in src/net/.
 *
 * INTERFACE ROUTINES
 *   http1_parser_init/fini/feed/next/buffered   the parser (no libuv; the fuzz target drives it)
 *   http1_conn_start/on_read/on_eof/fini        connection side, called by http_server.c
 *   http1_respond, http1_stream_begin/write/end/abort   the answer side, called through http.h's exchange API
 *
 * The parser (strict, bounded, RFC 9112):
 *   - The header section (request line + fields + final CRLF CRLF) is found with memmem over the
 *     buffered bytes, resuming where the last search stopped; it must fit in max_header bytes (else 431).
 *     Once complete it is copied once into the request's own buffer and tokenised there with a 256-entry
 *     class table, so every Slice the handler sees stays valid while more input arrives.
 *   - Lines end in CRLF; a bare LF or CR, obs-fold, whitespace before the colon, a bad name character or
 *     a control character in a value is 400. Empty lines before the request line are skipped.
 *   - Framing: Transfer-Encoding must be exactly "chunked" (else 501) and excludes Content-Length (400);
 *     HTTP/1.0 with Transfer-Encoding is 400; Content-Length is 1*DIGIT (at most 18 digits, else 400),
 *     repeated only with the same value (else 400), and over max_body is 413 as soon as the header
 *     section is complete, before any body byte is read. Chunk sizes are 1-16 hex digits with optional
 *     extensions; a chunk that would take the body over max_body is 413; trailers are checked like header
 *     fields, count against max_header, and are dropped.
 *   - Body bytes are copied exactly once: from the caller's read buffer into the body buffer (reserved
 *     up front from Content-Length), bypassing the parser's own input buffer whenever that is empty.
 *   - Events come out in input order and the parser never runs ahead of them, so splitting the same
 *     bytes differently yields the same events (the fuzz target checks this).
 *
 * Parser states (h1_run):
 *
 *   HEAD --CL>0--> BODY --------------------------------------------+--> (HTTP1_EV_REQUEST) --> HEAD
 *     |  --no body-------------------------------------------------/
 *     +--chunked--> CHUNK_SIZE --n>0--> CHUNK_DATA --> CHUNK_CRLF --+
 *                       |  ^------------------------------------------/
 *                       +--0--> TRAILER --empty line--> (HTTP1_EV_REQUEST)
 *   any --framing error--> ERROR (sticky)
 *
 * The connection loop (h1_process): one request at a time is with the handler (hc->h1_cur). While it is,
 * no further event is taken from the parser, so responses go out in request order; input keeps being
 * buffered until H1_PAUSE_BYTES sit unparsed, then reading pauses. When the answer is queued the loop
 * resumes. A framing error is answered through on_error with "Connection: close", then the connection
 * closes gracefully (after the write).
 */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "http/http_int.h"

enum { H1S_HEAD = 0, H1S_BODY, H1S_CHUNK_SIZE, H1S_CHUNK_DATA, H1S_CHUNK_CRLF, H1S_TRAILER, H1S_ERROR };

#define H1_CHUNK_LINE_MAX 4096
#define H1_BUFFER_SLACK ((size_t)4 << 20)
#define H1_PAUSE_BYTES ((size_t)64 * 1024)
/* Bodies up to this size are copied into the staging buffer with the head (one iovec); larger ones
 * are written by reference. */
#define H1_BODY_COPY_MAX 4096

/* Character classes: bit 1 tchar (header names, methods), bit 2 VCHAR (request target), bit 4
 * field-value octet (HTAB, SP, VCHAR, obs-text). A table is much faster than a chain of tests. */
enum { H1C_TCHAR = 1, H1C_VCHAR = 2, H1C_VALUE = 4 };
static const uint8_t h1_class[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 7, 6, 7, 7, 7, 7, 7, 6, 6, 7, 7, 6, 7, 7, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 6, 6, 6,
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 6, 6, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 6, 7, 6, 7, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

/* ======================================================================== parser */

void http1_parser_init(Http1Parser *p, size_t max_header, size_t max_body)
{
    memset(p, 0, sizeof(*p));
    p->max_header = max_header ? max_header : HTTP_DEFAULT_MAX_HEADER;
    p->max_body = max_body ? max_body : HTTP_DEFAULT_MAX_BODY;
    buf_init(&p->in, 0);
    http_req_data_init(&p->cur, 0, p->max_body);
}

void http1_parser_fini(Http1Parser *p)
{
    buf_fini(&p->in);
    http_req_data_fini(&p->cur);
}

size_t http1_parser_buffered(const Http1Parser *p)
{
    return p->in.len - p->in_off;
}

static void h1_fail(Http1Parser *p, int status, const char *msg)
{
    p->state = H1S_ERROR;
    p->event = HTTP1_EV_ERROR;
    p->err_status = status;
    p->err_msg = msg;
}

static void h1_complete(Http1Parser *p)
{
    http_req_data_finish(&p->cur);
    p->state = H1S_HEAD;
    p->event = HTTP1_EV_REQUEST;
}

static int h1_ci_eq(const uint8_t *a, size_t n, const char *lower)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = a[i];
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c + 32);
        if (c != (uint8_t)lower[i])
            return 0;
    }
    return lower[n] == '\0';
}

/* Connection: comma-separated tokens; note close and keep-alive. */
static void h1_connection_tokens(Slice v, int *is_close, int *is_ka)
{
    size_t i = 0;
    while (i < v.n) {
        while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ','))
            i++;
        size_t s = i;
        while (i < v.n && v.p[i] != ',')
            i++;
        size_t e = i;
        while (e > s && (v.p[e - 1] == ' ' || v.p[e - 1] == '\t'))
            e--;
        if (h1_ci_eq(v.p + s, e - s, "close"))
            *is_close = 1;
        else if (h1_ci_eq(v.p + s, e - s, "keep-alive"))
            *is_ka = 1;
    }
}

/* Parse the complete header section q[0..hlen) (ends in CRLF CRLF). Sets the next state or an error. */
static void h1_parse_head(Http1Parser *P, const uint8_t *q, size_t hlen)
{
    HttpReqData *d = &P->cur;
    if (buf_append(&d->head, q, hlen)) {
        h1_fail(P, 431, "request header section too large");
        return;
    }
    const uint8_t *h = d->head.p, *end = h + hlen;
    /* Request line: method SP request-target SP HTTP-version CRLF */
    const uint8_t *nl = memchr(h, '\n', hlen);
    if (!nl || nl == h || nl[-1] != '\r') {
        h1_fail(P, 400, "malformed request line");
        return;
    }
    const uint8_t *le = nl - 1, *c = h;
    while (c < le && (h1_class[*c] & H1C_TCHAR))
        c++;
    if (c == h || c >= le || *c != ' ') {
        h1_fail(P, 400, "malformed request line");
        return;
    }
    Slice method = {h, (size_t)(c - h)};
    const uint8_t *t0 = ++c;
    while (c < le && (h1_class[*c] & H1C_VCHAR))
        c++;
    if (c == t0 || c >= le || *c != ' ') {
        h1_fail(P, 400, "malformed request line");
        return;
    }
    Slice target = {t0, (size_t)(c - t0)};
    c++;
    int version;
    if (le - c == 8 && memcmp(c, "HTTP/1.1", 8) == 0)
        version = 11;
    else if (le - c == 8 && memcmp(c, "HTTP/1.0", 8) == 0)
        version = 10;
    else if (le - c == 8 && memcmp(c, "HTTP/", 5) == 0 && c[5] >= '0' && c[5] <= '9' && c[6] == '.' &&
             c[7] >= '0' && c[7] <= '9') {
        h1_fail(P, 505, "HTTP version not supported");
        return;
    } else {
        h1_fail(P, 400, "malformed request line");
        return;
    }
    /* Header fields. */
    uint64_t cl = 0;
    int has_cl = 0, has_te = 0, is_close = 0, is_ka = 0, expect = 0;
    const uint8_t *p = nl + 1;
    for (;;) {
        const uint8_t *lnl = memchr(p, '\n', (size_t)(end - p));
        if (!lnl) {
            h1_fail(P, 400, "malformed header section");
            return;
        }
        if (lnl == p + 1 && p[0] == '\r') {
            p = lnl + 1;
            break;
        }
        if (lnl == p || lnl[-1] != '\r') {
            h1_fail(P, 400, "header line not terminated by CRLF");
            return;
        }
        const uint8_t *lend = lnl - 1;
        if (*p == ' ' || *p == '\t') {
            h1_fail(P, 400, "obsolete header line folding");
            return;
        }
        const uint8_t *n0 = p;
        while (p < lend && (h1_class[*p] & H1C_TCHAR))
            p++;
        if (p == n0 || p >= lend || *p != ':') {
            h1_fail(P, 400, "invalid header name");
            return;
        }
        Slice name = {n0, (size_t)(p - n0)};
        p++;
        while (p < lend && (*p == ' ' || *p == '\t'))
            p++;
        const uint8_t *v0 = p, *ve = lend;
        while (ve > v0 && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        for (const uint8_t *v = v0; v < ve; v++)
            if (!(h1_class[*v] & H1C_VALUE)) {
                h1_fail(P, 400, "invalid character in header value");
                return;
            }
        Slice value = {v0, (size_t)(ve - v0)};
        http_req_data_add_header(d, name, value);
        switch (name.n) {
        case 14:
            if (h1_ci_eq(name.p, 14, "content-length")) {
                uint64_t v = 0;
                if (value.n == 0 || value.n > 18) {
                    h1_fail(P, 400, "invalid Content-Length");
                    return;
                }
                for (size_t i = 0; i < value.n; i++) {
                    if (value.p[i] < '0' || value.p[i] > '9') {
                        h1_fail(P, 400, "invalid Content-Length");
                        return;
                    }
                    v = v * 10 + (uint64_t)(value.p[i] - '0');
                }
                if (has_cl && v != cl) {
                    h1_fail(P, 400, "conflicting Content-Length headers");
                    return;
                }
                has_cl = 1;
                cl = v;
            }
            break;
        case 17:
            if (h1_ci_eq(name.p, 17, "transfer-encoding")) {
                if (has_te) {
                    h1_fail(P, 400, "repeated Transfer-Encoding header");
                    return;
                }
                has_te = 1;
                if (!h1_ci_eq(value.p, value.n, "chunked")) {
                    h1_fail(P, 501, "unsupported Transfer-Encoding");
                    return;
                }
            }
            break;
        case 10:
            if (h1_ci_eq(name.p, 10, "connection"))
                h1_connection_tokens(value, &is_close, &is_ka);
            break;
        case 6:
            if (h1_ci_eq(name.p, 6, "expect") && h1_ci_eq(value.p, value.n, "100-continue"))
                expect = 1;
            break;
        default:
            break;
        }
        p = lnl + 1;
    }
    if (NEVER(p != end)) {
        h1_fail(P, 400, "malformed header section");
        return;
    }
    if (has_te && has_cl) {
        h1_fail(P, 400, "both Content-Length and Transfer-Encoding");
        return;
    }
    if (has_te && version == 10) {
        h1_fail(P, 400, "Transfer-Encoding in an HTTP/1.0 request");
        return;
    }
    d->req.method = method;
    d->req.target = target;
    d->req.version = version;
    d->keep_alive = version == 11 ? !is_close : (is_ka && !is_close);
    d->is_head = slice_eq_cstr(method, "HEAD");
    P->is_chunked = has_te;
    if (has_te) {
        P->state = H1S_CHUNK_SIZE;
    } else if (cl > 0) {
        if (cl > P->max_body) {
            h1_fail(P, 413, "request body too large");
            return;
        }
        if (buf_reserve(&d->body, (size_t)cl)) {
            h1_fail(P, 413, "request body too large");
            return;
        }
        P->rem = cl;
        P->state = H1S_BODY;
    } else {
        h1_complete(P);
        return;
    }
    if (expect && version == 11) {
        d->expect_continue = 1;
        P->event = HTTP1_EV_CONTINUE;
    }
}

static int h1_hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (uint8_t)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* One chunk-size line q[0..len) without its LF (so it ends in CR). Returns 0 or fails the parser. */
static int h1_chunk_line(Http1Parser *P, const uint8_t *q, size_t len, uint64_t *size)
{
    if (len == 0 || q[len - 1] != '\r') {
        h1_fail(P, 400, "chunk size line not terminated by CRLF");
        return -1;
    }
    len--;
    size_t i = 0;
    uint64_t v = 0;
    int h;
    while (i < len && (h = h1_hexval(q[i])) >= 0) {
        if (i == 16) {
            h1_fail(P, 400, "invalid chunk size");
            return -1;
        }
        v = (v << 4) | (uint64_t)h;
        i++;
    }
    if (i == 0) {
        h1_fail(P, 400, "invalid chunk size");
        return -1;
    }
    while (i < len && (q[i] == ' ' || q[i] == '\t'))
        i++;
    if (i < len) {
        if (q[i] != ';') {
            h1_fail(P, 400, "invalid chunk size");
            return -1;
        }
        for (; i < len; i++)
            if (!(h1_class[q[i]] & H1C_VALUE)) {
                h1_fail(P, 400, "invalid chunk extension");
                return -1;
            }
    }
    *size = v;
    return 0;
}

/* A trailer field line q[0..len) without CRLF. */
static int h1_field_line_ok(const uint8_t *q, size_t len)
{
    size_t i = 0;
    while (i < len && (h1_class[q[i]] & H1C_TCHAR))
        i++;
    if (i == 0 || i >= len || q[i] != ':')
        return 0;
    for (i++; i < len; i++)
        if (!(h1_class[q[i]] & H1C_VALUE))
            return 0;
    return 1;
}

/* Run the state machine over p[0..n) until it needs more input or an event is pending. Returns the
 * number of bytes consumed; unconsumed bytes must be offered again (plus more) on the next run. */
static size_t h1_run(Http1Parser *P, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (P->event == HTTP1_EV_NONE) {
        const uint8_t *q = p + off;
        size_t avail = n - off;
        switch (P->state) {
        case H1S_HEAD: {
            if (P->head_scanned == 0) {
                while (avail >= 2 && q[0] == '\r' && q[1] == '\n') {
                    q += 2;
                    off += 2;
                    avail -= 2;
                }
                if (avail == 0 || (avail == 1 && q[0] == '\r'))
                    return off;
            }
            size_t lim = avail < P->max_header ? avail : P->max_header;
            size_t from = P->head_scanned > 3 ? P->head_scanned - 3 : 0;
            const uint8_t *e = lim > from ? memmem(q + from, lim - from, "\r\n\r\n", 4) : NULL;
            if (!e) {
                if (avail >= P->max_header) {
                    h1_fail(P, 431, "request header section too large");
                    return n;
                }
                P->head_scanned = avail;
                return off;
            }
            size_t hlen = (size_t)(e - q) + 4;
            P->head_scanned = 0;
            off += hlen;
            h1_parse_head(P, q, hlen);
            break;
        }
        case H1S_BODY:
        case H1S_CHUNK_DATA: {
            if (avail == 0)
                return off;
            size_t take = avail < P->rem ? avail : (size_t)P->rem;
            if (buf_append(&P->cur.body, q, take)) {
                h1_fail(P, 413, "request body too large");
                return n;
            }
            off += take;
            P->rem -= take;
            if (P->rem == 0) {
                if (P->state == H1S_BODY)
                    h1_complete(P);
                else
                    P->state = H1S_CHUNK_CRLF;
            }
            break;
        }
        case H1S_CHUNK_SIZE: {
            size_t lim = avail < H1_CHUNK_LINE_MAX ? avail : H1_CHUNK_LINE_MAX;
            const uint8_t *nl = memchr(q, '\n', lim);
            if (!nl) {
                if (avail >= H1_CHUNK_LINE_MAX) {
                    h1_fail(P, 400, "chunk size line too long");
                    return n;
                }
                return off;
            }
            uint64_t size;
            if (h1_chunk_line(P, q, (size_t)(nl - q), &size))
                return n;
            off += (size_t)(nl - q) + 1;
            if (size == 0) {
                P->trailer_len = 0;
                P->state = H1S_TRAILER;
            } else if (size > P->max_body - P->cur.body.len) {
                h1_fail(P, 413, "request body too large");
                return n;
            } else {
                if (buf_reserve(&P->cur.body, (size_t)size)) {
                    h1_fail(P, 413, "request body too large");
                    return n;
                }
                P->rem = size;
                P->state = H1S_CHUNK_DATA;
            }
            break;
        }
        case H1S_CHUNK_CRLF:
            if (avail < 2) {
                if (avail == 1 && q[0] != '\r') {
                    h1_fail(P, 400, "chunk data not followed by CRLF");
                    return n;
                }
                return off;
            }
            if (q[0] != '\r' || q[1] != '\n') {
                h1_fail(P, 400, "chunk data not followed by CRLF");
                return n;
            }
            off += 2;
            P->state = H1S_CHUNK_SIZE;
            break;
        case H1S_TRAILER: {
            size_t budget = P->max_header > P->trailer_len ? P->max_header - P->trailer_len : 0;
            size_t lim = avail < budget ? avail : budget;
            const uint8_t *nl = memchr(q, '\n', lim);
            if (!nl) {
                if (avail >= budget) {
                    h1_fail(P, 431, "trailer section too large");
                    return n;
                }
                return off;
            }
            size_t len = (size_t)(nl - q) + 1;
            if (len < 2 || q[len - 2] != '\r') {
                h1_fail(P, 400, "trailer line not terminated by CRLF");
                return n;
            }
            off += len;
            if (len == 2) {
                h1_complete(P);
                break;
            }
            if (!h1_field_line_ok(q, len - 2)) {
                h1_fail(P, 400, "invalid trailer field");
                return n;
            }
            P->trailer_len += len;
            break;
        }
        default: /* H1S_ERROR */
            return n;
        }
    }
    return off;
}

int http1_parser_feed(Http1Parser *p, const void *data, size_t n)
{
    const uint8_t *d = data;
    if (p->state == H1S_ERROR || n == 0)
        return WEIR_OK;
    if (p->event == HTTP1_EV_NONE && p->in_off == p->in.len) {
        /* Nothing buffered: parse straight from the caller's bytes (body bytes are copied only once). */
        buf_reset(&p->in);
        p->in_off = 0;
        size_t used = h1_run(p, d, n);
        if (p->state == H1S_ERROR)
            return WEIR_OK;
        d += used;
        n -= used;
        if (n == 0)
            return WEIR_OK;
    }
    size_t have = p->in.len - p->in_off;
    if (have + n > p->max_header + H1_BUFFER_SLACK)
        return WEIR_ELIMIT;
    if (p->in_off > 0 && (p->in_off >= have || p->in_off >= H1_PAUSE_BYTES)) {
        memmove(p->in.p, p->in.p + p->in_off, have);
        p->in.len = have;
        p->in_off = 0;
    }
    if (buf_append(&p->in, d, n))
        return WEIR_ELIMIT;
    return WEIR_OK;
}

Http1Event http1_parser_next(Http1Parser *p, HttpReqData *out)
{
    if (p->event == HTTP1_EV_NONE && p->state != H1S_ERROR && p->in_off < p->in.len) {
        size_t used = h1_run(p, p->in.p + p->in_off, p->in.len - p->in_off);
        p->in_off += used;
        if (p->in_off >= p->in.len) {
            buf_reset(&p->in);
            p->in_off = 0;
        }
    }
    switch (p->event) {
    case HTTP1_EV_REQUEST:
        *out = p->cur;
        http_req_data_init(&p->cur, 0, p->max_body);
        p->event = HTTP1_EV_NONE;
        return HTTP1_EV_REQUEST;
    case HTTP1_EV_CONTINUE:
        p->event = HTTP1_EV_NONE;
        return HTTP1_EV_CONTINUE;
    case HTTP1_EV_ERROR:
        return HTTP1_EV_ERROR;
    default:
        return HTTP1_EV_NONE;
    }
}

/* ======================================================================== response writing */

static int h1_u64_to_dec(uint64_t v, char out[21])
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static void h1_append(Buf *b, const void *p, size_t n)
{
    if (buf_append(b, p, n))
        weir_panic("http1: response head over its limit");
}

#define H1_LIT(b, s) h1_append((b), (s), sizeof(s) - 1)

/* Handler headers the server controls itself. */
static int h1_header_is_hop(Slice name)
{
    switch (name.n) {
    case 10:
        return h1_ci_eq(name.p, 10, "connection") || h1_ci_eq(name.p, 10, "keep-alive");
    case 14:
        return h1_ci_eq(name.p, 14, "content-length");
    case 17:
        return h1_ci_eq(name.p, 17, "transfer-encoding");
    default:
        return 0;
    }
}

/* Build the response head into b. content_length < 0: chunked (is_chunked) or close-delimited. */
static void h1_head_build(Buf *b, int status, const HttpHeader *headers, size_t n_headers, const char *ctype,
                          int64_t content_length, int is_chunked, int keep_alive, int version)
{
    char num[21];
    buf_reset(b);
    H1_LIT(b, "HTTP/1.1 ");
    if (status < 100 || status > 999)
        status = 500;
    h1_append(b, num, (size_t)h1_u64_to_dec((uint64_t)status, num));
    h1_append(b, " ", 1);
    h1_append(b, http_status_reason(status), strlen(http_status_reason(status)));
    H1_LIT(b, "\r\n");
    for (size_t i = 0; i < n_headers; i++) {
        if (h1_header_is_hop(headers[i].name))
            continue;
        h1_append(b, headers[i].name.p, headers[i].name.n);
        H1_LIT(b, ": ");
        h1_append(b, headers[i].value.p, headers[i].value.n);
        H1_LIT(b, "\r\n");
    }
    if (ctype) {
        H1_LIT(b, "Content-Type: ");
        h1_append(b, ctype, strlen(ctype));
        H1_LIT(b, "\r\n");
    }
    if (content_length >= 0) {
        H1_LIT(b, "Content-Length: ");
        h1_append(b, num, (size_t)h1_u64_to_dec((uint64_t)content_length, num));
        H1_LIT(b, "\r\n");
    } else if (is_chunked) {
        H1_LIT(b, "Transfer-Encoding: chunked\r\n");
    }
    char date[30];
    http_date_now(date);
    H1_LIT(b, "Date: ");
    h1_append(b, date, strlen(date));
    H1_LIT(b, "\r\n");
    if (!keep_alive)
        H1_LIT(b, "Connection: close\r\n");
    else if (version == 10)
        H1_LIT(b, "Connection: keep-alive\r\n");
    H1_LIT(b, "\r\n");
}

static void h1_process(HttpConn *hc);

static void h1_send_error(HttpConn *hc, int status, const char *msg)
{
    Buf body;
    const char *ctype = NULL;
    buf_init(&body, 0);
    http_error_body(hc->srv, status, msg, &ctype, &body);
    h1_head_build(&hc->scratch, status, NULL, 0, ctype, (int64_t)body.len, 0, 0, 11);
    net_conn_write_copy(hc->net, hc->scratch.p, hc->scratch.len);
    net_conn_write_copy(hc->net, body.p, body.len);
    buf_fini(&body);
    hc->h1_is_dead = 1;
    net_conn_close_graceful(hc->net);
}

/* The answer is queued: drop the exchange and move on to the next request (or close). */
static void h1_exchange_finish(HttpExchange *x)
{
    HttpConn *hc = x->conn;
    int keep_alive = x->keep_alive;
    hc->h1_cur = NULL;
    http_exchange_detach(x);
    http_exchange_release(x);
    if (!keep_alive) {
        hc->h1_is_dead = 1;
        net_conn_close_graceful(hc->net);
        return;
    }
    if (!hc->h1_in_process)
        h1_process(hc);
}

static void h1_body_free(void *p)
{
    free(p);
}

void http1_respond(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers, Buf *body)
{
    HttpConn *hc = x->conn;
    int has_body = http_status_has_body(status);
    size_t blen = body && has_body ? body->len : 0;
    h1_head_build(&hc->scratch, status, headers, n_headers, NULL, has_body ? (int64_t)blen : -1, 0,
                  x->keep_alive, x->d.req.version);
    net_conn_write_copy(hc->net, hc->scratch.p, hc->scratch.len);
    if (blen && !x->d.is_head) {
        if (blen <= H1_BODY_COPY_MAX) {
            net_conn_write_copy(hc->net, body->p, blen);
        } else {
            /* Large body (GetRecords pages): hand the bytes to the write queue, no copy. */
            uint8_t *p = buf_steal(body, NULL);
            net_conn_write_ref(hc->net, p, blen, h1_body_free, p);
        }
    }
    if (body) {
        buf_fini(body);
        buf_init(body, body->max);
    }
    net_conn_flush(hc->net);
    h1_exchange_finish(x);
}

void http1_stream_begin(HttpExchange *x, int status, const HttpHeader *headers, size_t n_headers)
{
    HttpConn *hc = x->conn;
    int has_body = http_status_has_body(status);
    x->is_chunked = has_body && x->d.req.version == 11;
    if (has_body && x->d.req.version == 10)
        x->keep_alive = 0; /* HTTP/1.0 has no chunked coding: the body ends at close */
    h1_head_build(&hc->scratch, status, headers, n_headers, NULL, -1, x->is_chunked, x->keep_alive,
                  x->d.req.version);
    if (!has_body)
        x->d.is_head = 1; /* no body bytes may follow */
    net_conn_write_copy(hc->net, hc->scratch.p, hc->scratch.len);
    net_conn_flush(hc->net);
    x->state = HTTP_X_STREAMING;
}

int http1_stream_write(HttpExchange *x, const void *p, size_t n)
{
    HttpConn *hc = x->conn;
    if (n == 0 || x->d.is_head)
        return WEIR_OK;
    if (x->is_chunked) {
        static const char hex[] = "0123456789abcdef";
        char line[20];
        int len = 0;
        char tmp[16];
        size_t v = n;
        do {
            tmp[len++] = hex[v & 15];
            v >>= 4;
        } while (v);
        for (int i = 0; i < len; i++)
            line[i] = tmp[len - 1 - i];
        line[len++] = '\r';
        line[len++] = '\n';
        net_conn_write_copy(hc->net, line, (size_t)len);
        net_conn_write_copy(hc->net, p, n);
        net_conn_write_copy(hc->net, "\r\n", 2);
    } else {
        net_conn_write_copy(hc->net, p, n);
    }
    net_conn_flush(hc->net);
    return WEIR_OK;
}

void http1_stream_end(HttpExchange *x)
{
    HttpConn *hc = x->conn;
    if (x->is_chunked && !x->d.is_head)
        net_conn_write_copy(hc->net, "0\r\n\r\n", 5);
    net_conn_flush(hc->net);
    h1_exchange_finish(x);
}

void http1_stream_abort(HttpExchange *x)
{
    /* No terminating chunk, and no further request on this connection: after the bytes already queued
     * the peer reads EOF in the middle of the chunked body, which every client reports as an error. */
    x->keep_alive = 0;
    net_conn_flush(x->conn->net);
    h1_exchange_finish(x);
}

/* ======================================================================== connection loop */

static void h1_process(HttpConn *hc)
{
    HttpServer *srv = hc->srv;
    if (hc->h1_in_process)
        return;
    hc->h1_in_process = 1;
    while (!hc->h1_is_dead && !hc->h1_cur && !net_conn_is_closing(hc->net)) {
        HttpReqData d;
        Http1Event ev = http1_parser_next(&hc->h1, &d);
        if (ev == HTTP1_EV_NONE)
            break;
        if (ev == HTTP1_EV_CONTINUE) {
            net_conn_write_copy(hc->net, "HTTP/1.1 100 Continue\r\n\r\n", 25);
            continue;
        }
        if (ev == HTTP1_EV_ERROR) {
            log_debug("http1: %d %s", hc->h1.err_status, hc->h1.err_msg);
            h1_send_error(hc, hc->h1.err_status, hc->h1.err_msg);
            break;
        }
        HttpExchange *x = http_exchange_create(hc, &d);
        x->keep_alive = x->d.keep_alive;
        hc->h1_cur = x;
        http_conn_idle_update(hc);
        srv->cfg.handler(srv->cfg.handler_arg, x); /* may answer at once: h1_cur is NULL again */
    }
    hc->h1_in_process = 0;
    if (net_conn_is_closing(hc->net))
        return;
    net_conn_flush(hc->net);
    if (net_conn_is_closing(hc->net))
        return;
    if (hc->h1_eof && !hc->h1_cur) {
        hc->h1_is_dead = 1;
        net_conn_close_graceful(hc->net);
        return;
    }
    if (hc->h1_cur && http1_parser_buffered(&hc->h1) >= H1_PAUSE_BYTES)
        net_conn_read_pause(hc->net);
    else
        net_conn_read_resume(hc->net);
    http_conn_idle_update(hc);
}

void http1_conn_start(HttpConn *hc, const uint8_t *p, size_t n)
{
    hc->proto = HTTP_PROTO_H1;
    http1_parser_init(&hc->h1, hc->srv->cfg.max_header_bytes, hc->srv->cfg.max_body_bytes);
    http1_conn_on_read(hc, p, n);
}

void http1_conn_on_read(HttpConn *hc, const uint8_t *p, size_t n)
{
    if (hc->h1_is_dead)
        return;
    if (http1_parser_feed(&hc->h1, p, n)) {
        /* Only reachable if pausing failed to bound the buffer. */
        hc->h1_is_dead = 1;
        net_conn_close(hc->net);
        return;
    }
    h1_process(hc);
}

void http1_conn_on_eof(HttpConn *hc)
{
    hc->h1_eof = 1;
    if (hc->h1_cur) {
        /* A request is with the handler and the peer sent FIN. Reading cannot tell a half-close from a
         * client that went away, and waiting could hold the exchange forever, so treat it as gone (as Go's
         * net/http cancels the request): close now, which orphans the exchange. Answers already queued
         * are dropped with it; a half-closing client gets answers only to requests answered at once. */
        net_conn_close(hc->net);
        return;
    }
    h1_process(hc); /* answers whatever is complete, then closes gracefully */
}

void http1_conn_fini(HttpConn *hc)
{
    if (hc->proto == HTTP_PROTO_H1)
        http1_parser_fini(&hc->h1);
}
