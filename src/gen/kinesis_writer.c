/*
 * kinesis_writer.c: PutRecords into a Kinesis endpoint over HTTP/1.1. See kinesis_writer.h for the
 * ordering and delivery guarantees.
 *
 * Lanes: every open shard of a stream gets a lane (its own connections; at most KW_MAX_LANES lanes per
 * stream, more shards share them round robin). A record goes to the lane of the shard the server will
 * put it in: the MD5 hash key of its partition key against the shards' hash-key ranges from ListShards
 * (a shard split during the run only makes the routing approximate; the server still routes by key).
 * So shards are written in parallel (group commit covers them together), yet each shard receives its
 * records in the order they were added.
 *
 * Per lane, `fill` takes new records while the lane's slots (cfg.inflight of them, each a connection
 * with one PutRecords on the wire or waiting for its retry time) hold the batches sent before; with one
 * slot, batches of a shard are stored strictly in order. Above one, a batch may start while the previous
 * one waits for the server's fsync, so one fsync covers more records, but two batches of a shard can
 * then be stored in either order. A batch is the request body itself, built as records arrive:
 *   {"Records":[{"Data":"<base64>","PartitionKey":"<key>"},...],"StreamName":"<name>"}
 * (the member order the AWS SDKs send) with the offsets of each entry kept, so that the entries a
 * response reports as failed can be cut out into a retry body without re-encoding anything.
 *
 * State of a slot:    idle --ship--> in flight --200, all stored--> idle
 *                                     |  ^
 *          some entries failed,       v  | retry time reached: send again
 *          throttled, 5xx, broken --> waiting (retry_at set; attempts counted, max_attempts fails)
 * Any other answer (an unknown stream, a malformed request) is a fatal, sticky error.
 *
 * HTTP: one request in flight per connection, Content-Length framed answers (weir never sends chunked
 * ones), non-blocking sockets driven by poll() across the lanes' connections. Requests are built
 * with weir's JSON helpers (json_escape_append) and base64; answers are scanned for
 * "FailedRecordCount" and parsed with jansson only when something failed.
 */
#include "gen/kinesis_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/u128.h"
#include "http/aws_json.h"

#define KW_HEAD_MAX ((size_t)64 << 10)    /* largest response header accepted */
#define KW_RESP_MAX ((size_t)64 << 20)    /* largest response accepted */
#define KW_PREFIX "{\"Records\":["
#define KW_ACTIVE_WAIT_MS 60000           /* a created stream must be ACTIVE within this */
#define KW_BACKOFF_MAX_MS 2000
#define KW_MAX_LANES 64              /* connections per stream */

typedef struct KwBatch {
    Buf body;
    int n;
    int cap;
    size_t *beg, *end; /* entry i is body[beg[i], end[i]) */
} KwBatch;

typedef struct KwConn {
    int fd;
    char head[1024];
    size_t head_len;
    const uint8_t *body; /* borrowed until the answer */
    size_t body_len, sent;
    Buf resp;
    size_t resp_head; /* header length once known, else 0 */
    size_t resp_body; /* Content-Length */
    int status;
    int close_after; /* Connection: close */
    int busy;
    uint64_t deadline_ns;
} KwConn;

/* One PutRecords on the wire at a time, on its own connection. */
typedef struct KwSlot {
    int stream;        /* index into w->s */
    KwBatch flight;
    int in_flight;     /* flight holds a batch, on the wire or waiting for retry_at */
    int attempts;      /* sends of the flight batch so far */
    uint64_t retry_at; /* nonzero: send flight again at this monotonic time */
    char last_error[160];
    KwConn conn;
} KwSlot;

/* The records bound for one shard (or a few, past KW_MAX_LANES): the batch being filled, and
 * cfg.inflight slots (1 keeps the shard's order strict). */
typedef struct KwLane {
    int stream;
    KwBatch fill;
    KwSlot *slots;
} KwLane;

typedef struct KwStream {
    char name[129];
    int n_shards;     /* open shards, sorted by starting hash key */
    u128 *start;      /* their starting hash keys */
    int first_lane;   /* lanes first_lane .. first_lane + n_lanes - 1 */
    int n_lanes;
} KwStream;

struct KinesisWriter {
    KinesisWriterConfig cfg;
    char region[64];
    char hostport[300];
    struct sockaddr_storage addr;
    socklen_t addr_len;
    char amz_date[20]; /* X-Amz-Date, 20250101T000000Z */
    int n_streams;
    KwStream s[KINESIS_WRITER_MAX_STREAMS];
    KwConn setup; /* DescribeStreamSummary, CreateStream, ListShards */
    int n_lanes;
    KwLane *lanes;
    int n_slots; /* n_lanes * cfg.inflight */
    KwSlot *slots;
    struct pollfd *pfd; /* n_slots of each, for kinesis_writer_wait */
    int *pidx;
    KinesisWriterStats st;
    Err sticky; /* the first fatal error; every later call returns it */
};

/* ------------------------------------------------------------------------------------------------
 * Batches
 * ---------------------------------------------------------------------------------------------- */

static void kw_batch_init(KwBatch *b, int cap)
{
    buf_init(&b->body, 0);
    b->n = 0;
    b->cap = cap;
    b->beg = xmalloc(sizeof(size_t) * (size_t)cap);
    b->end = xmalloc(sizeof(size_t) * (size_t)cap);
}

static void kw_batch_fini(KwBatch *b)
{
    buf_fini(&b->body);
    free(b->beg);
    free(b->end);
    b->beg = b->end = NULL;
}

/* Empty, with the body's prefix in place. */
static int kw_batch_reset(KwBatch *b)
{
    buf_reset(&b->body);
    b->n = 0;
    return buf_append(&b->body, KW_PREFIX, sizeof(KW_PREFIX) - 1);
}

/* Bytes an entry adds: separator, {"Data":"..","PartitionKey":".."} with a plain key. */
static size_t kw_entry_bytes(size_t len, size_t pk_len)
{
    return 1 + 9 + base64_encoded_len(len) + 18 + pk_len + 2 + 1;
}

static int kw_batch_add(KwBatch *b, const char *pk, size_t pk_len, const void *data, size_t len)
{
    Buf *o = &b->body;
    int rc = buf_reserve(o, kw_entry_bytes(len, pk_len) + 16);
    if (rc)
        return rc;
    if (b->n > 0)
        o->p[o->len++] = ',';
    b->beg[b->n] = o->len;
    memcpy(o->p + o->len, "{\"Data\":\"", 9);
    o->len += 9;
    o->len += base64_encode(data, len, (char *)o->p + o->len);
    memcpy(o->p + o->len, "\",\"PartitionKey\":", 17);
    o->len += 17;
    o->p[o->len] = '\0';
    if ((rc = json_escape_append(o, pk, pk_len)) || (rc = buf_append_byte(o, '}')))
        return rc;
    b->end[b->n] = o->len;
    b->n++;
    return WEIR_OK;
}

static int kw_batch_close(KwBatch *b, const char *stream)
{
    int rc = buf_append_cstr(&b->body, "],\"StreamName\":");
    if (!rc)
        rc = json_escape_append(&b->body, stream, strlen(stream));
    if (!rc)
        rc = buf_append_byte(&b->body, '}');
    return rc;
}

/* Keep only the entries whose index has failed[i] set, in order, and close the body again. */
static int kw_batch_keep(KwBatch *b, const unsigned char *failed, const char *stream)
{
    KwBatch nb;
    kw_batch_init(&nb, b->cap);
    int rc = kw_batch_reset(&nb);
    for (int i = 0; i < b->n && !rc; i++) {
        if (!failed[i])
            continue;
        if (nb.n > 0)
            rc = buf_append_byte(&nb.body, ',');
        nb.beg[nb.n] = nb.body.len;
        if (!rc)
            rc = buf_append(&nb.body, b->body.p + b->beg[i], b->end[i] - b->beg[i]);
        nb.end[nb.n++] = nb.body.len;
    }
    if (!rc)
        rc = kw_batch_close(&nb, stream);
    if (rc) {
        kw_batch_fini(&nb);
        return rc;
    }
    kw_batch_fini(b);
    *b = nb;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * HTTP/1.1 connections
 * ---------------------------------------------------------------------------------------------- */

static void kw_conn_close(KwConn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int kw_connect(KinesisWriter *w, KwConn *c, Err *e)
{
    int fd = socket(w->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, WEIR_EIO, "socket: %s", strerror(errno));
    if (connect(fd, (const struct sockaddr *)&w->addr, w->addr_len) != 0) {
        int er = errno;
        close(fd);
        return err_set(e, WEIR_EIO, "cannot connect to %s: %s", w->hostport, strerror(er));
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    return WEIR_OK;
}

/* Start a request; body is borrowed until the answer. */
static int kw_begin(KinesisWriter *w, KwConn *c, const char *op, const void *body, size_t n, Err *e)
{
    if (c->fd < 0) {
        int rc = kw_connect(w, c, e);
        if (rc)
            return rc;
    }
    int h = snprintf(c->head, sizeof(c->head),
                     "POST / HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Content-Type: application/x-amz-json-1.1\r\n"
                     "X-Amz-Target: Kinesis_20131202.%s\r\n"
                     "X-Amz-Date: %s\r\n"
                     "Authorization: AWS4-HMAC-SHA256 Credential=weir-gen/%.8s/%s/kinesis/aws4_request, "
                     "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature="
                     "0000000000000000000000000000000000000000000000000000000000000000\r\n"
                     "Content-Length: %zu\r\n"
                     "\r\n",
                     w->hostport, op, w->amz_date, w->amz_date, w->region, n);
    if (h < 0 || (size_t)h >= sizeof(c->head))
        return err_set(e, WEIR_ELIMIT, "request header too long");
    c->head_len = (size_t)h;
    c->body = body;
    c->body_len = n;
    c->sent = 0;
    buf_reset(&c->resp);
    c->resp_head = c->resp_body = 0;
    c->status = 0;
    c->close_after = 0;
    c->busy = 1;
    c->deadline_ns = clock_mono_ns() + (uint64_t)w->cfg.timeout_ms * 1000000u;
    return WEIR_OK;
}

static int kw_head_is(const char *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n == k && strncasecmp(p, name, k) == 0;
}

/* Status line and headers in resp[0, hlen). -1 when malformed or not Content-Length framed. */
static int kw_parse_head(KwConn *c, size_t hlen)
{
    const char *p = (const char *)c->resp.p, *end = p + hlen;
    if (hlen < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[9] < '1' || p[9] > '5')
        return -1;
    c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    int has_len = 0;
    for (const char *line = memchr(p, '\n', hlen); line && ++line < end;) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            const char *v = colon + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            size_t nn = (size_t)(colon - line);
            if (kw_head_is(line, nn, "content-length")) {
                size_t x = 0;
                while (v < eol && *v >= '0' && *v <= '9' && x < KW_RESP_MAX)
                    x = x * 10 + (size_t)(*v++ - '0');
                c->resp_body = x;
                has_len = 1;
            } else if (kw_head_is(line, nn, "transfer-encoding")) {
                return -1;
            } else if (kw_head_is(line, nn, "connection") && strncasecmp(v, "close", 5) == 0) {
                c->close_after = 1;
            }
        }
        line = eol;
    }
    if (!has_len && c->status >= 200 && c->status != 204 && c->status != 304)
        return -1;
    if (c->resp_body >= KW_RESP_MAX)
        return -1;
    c->resp_head = hlen;
    return 0;
}

/* Send what is pending and read what arrived. 1: the answer is complete; 0: not yet; -1: the
 * connection broke (or answered something unreadable). */
static int kw_io(KwConn *c)
{
    size_t total = c->head_len + c->body_len;
    while (c->sent < total) {
        struct iovec iov[2];
        int n = 0;
        if (c->sent < c->head_len) {
            iov[n].iov_base = c->head + c->sent;
            iov[n++].iov_len = c->head_len - c->sent;
            iov[n].iov_base = (void *)c->body;
            iov[n++].iov_len = c->body_len;
        } else {
            iov[n].iov_base = (void *)(c->body + (c->sent - c->head_len));
            iov[n++].iov_len = total - c->sent;
        }
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
        ssize_t wr = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (wr < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        c->sent += (size_t)wr;
    }
    for (;;) {
        if (c->resp_head && c->resp.len >= c->resp_head + c->resp_body)
            return 1;
        if (buf_reserve(&c->resp, 65536))
            return -1;
        ssize_t r = read(c->fd, c->resp.p + c->resp.len, c->resp.cap - c->resp.len - 1);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        size_t old = c->resp.len;
        c->resp.len += (size_t)r;
        c->resp.p[c->resp.len] = '\0';
        if (!c->resp_head) {
            size_t from = old >= 3 ? old - 3 : 0;
            const uint8_t *x = memmem(c->resp.p + from, c->resp.len - from, "\r\n\r\n", 4);
            if (x) {
                if (kw_parse_head(c, (size_t)(x + 4 - c->resp.p)) != 0)
                    return -1;
                if (c->status < 200) { /* 100 Continue: drop it, the real answer follows */
                    size_t rest = c->resp.len - c->resp_head;
                    memmove(c->resp.p, c->resp.p + c->resp_head, rest);
                    c->resp.len = rest;
                    c->resp_head = 0;
                }
            } else if (c->resp.len > KW_HEAD_MAX) {
                return -1;
            }
        }
    }
}

static const char *kw_body(const KwConn *c)
{
    return (const char *)c->resp.p + c->resp_head;
}

/* The answer is handled: the connection is ready for the next request. */
static void kw_done(KwConn *c)
{
    c->busy = 0;
    if (c->close_after)
        kw_conn_close(c);
}

/* A synchronous request (set-up calls). Returns the HTTP status, or a WEIR_E* code. */
static int kw_call(KinesisWriter *w, KwConn *c, const char *op, const char *body, Err *e)
{
    for (int attempt = 0;; attempt++) {
        int rc = kw_begin(w, c, op, body, strlen(body), e);
        if (rc)
            return rc;
        int r = 0;
        while (r == 0) {
            struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
            if (c->sent < c->head_len + c->body_len)
                pfd.events |= POLLOUT;
            uint64_t now = clock_mono_ns();
            if (now >= c->deadline_ns) {
                r = -2;
                break;
            }
            int n = poll(&pfd, 1, (int)((c->deadline_ns - now) / 1000000u) + 1);
            if (n < 0 && errno != EINTR)
                return err_set(e, WEIR_EIO, "poll: %s", strerror(errno));
            if (n > 0)
                r = kw_io(c);
        }
        if (r == 1) {
            kw_done(c);
            return c->status;
        }
        c->busy = 0;
        kw_conn_close(c);
        /* A kept-alive connection the server closed in the meantime: one more try on a fresh one. */
        if (r == -2 || attempt > 0)
            return err_set(e, WEIR_EIO, "%s: %s from %s", op, r == -2 ? "no answer in time" : "connection lost",
                           w->hostport);
    }
}

/* The "__type" of an AWS error answer (without a "prefix#") into out, its message into msg. */
static void kw_error_type(const char *body, size_t n, char *out, size_t cap, char *msg, size_t msg_cap)
{
    out[0] = '\0';
    msg[0] = '\0';
    json_error_t jerr;
    json_t *j = json_loadb(body, n, 0, &jerr);
    if (!j)
        return;
    const char *t = json_string_value(json_object_get(j, "__type"));
    if (t) {
        const char *h = strrchr(t, '#');
        snprintf(out, cap, "%s", h ? h + 1 : t);
    }
    const char *m = json_string_value(json_object_get(j, "message"));
    if (!m)
        m = json_string_value(json_object_get(j, "Message"));
    if (m)
        snprintf(msg, msg_cap, "%s", m);
    json_decref(j);
}

/* ------------------------------------------------------------------------------------------------
 * Set-up: endpoint, streams
 * ---------------------------------------------------------------------------------------------- */

static int kw_parse_endpoint(KinesisWriter *w, const char *ep, Err *e)
{
    if (strncmp(ep, "http://", 7) != 0)
        return err_set(e, WEIR_EINVAL, "endpoint '%s': only http://host[:port] is supported", ep);
    const char *h = ep + 7, *hend, *port = "80";
    char host[256], portbuf[8];
    if (*h == '[') {
        hend = strchr(h, ']');
        if (!hend)
            return err_set(e, WEIR_EINVAL, "endpoint '%s': unterminated [address]", ep);
        h++;
    } else {
        hend = h + strcspn(h, ":/");
    }
    size_t hn = (size_t)(hend - h);
    if (hn == 0 || hn >= sizeof(host))
        return err_set(e, WEIR_EINVAL, "endpoint '%s': bad host", ep);
    memcpy(host, h, hn);
    host[hn] = '\0';
    const char *rest = hend + (*hend == ']');
    if (*rest == ':') {
        size_t pn = strspn(rest + 1, "0123456789");
        if (pn == 0 || pn > 5 || (rest[1 + pn] != '\0' && rest[1 + pn] != '/'))
            return err_set(e, WEIR_EINVAL, "endpoint '%s': bad port", ep);
        memcpy(portbuf, rest + 1, pn);
        portbuf[pn] = '\0';
        port = portbuf;
    } else if (*rest != '\0' && *rest != '/') {
        return err_set(e, WEIR_EINVAL, "endpoint '%s': bad host", ep);
    }
    if (ep[7] == '[')
        snprintf(w->hostport, sizeof(w->hostport), "[%s]:%s", host, port);
    else
        snprintf(w->hostport, sizeof(w->hostport), "%s:%s", host, port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, port, &hints, &res);
    if (g != 0 || !res)
        return err_set(e, WEIR_EIO, "endpoint '%s': cannot resolve %s: %s", ep, host, gai_strerror(g));
    memcpy(&w->addr, res->ai_addr, res->ai_addrlen);
    w->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return WEIR_OK;
}

/* A set-up call with body {"<key>":"<value>"<more>} (more: raw JSON members, or ""). Returns the HTTP
 * status (the answer is in w->setup) or a WEIR_E* code. */
static int kw_setup_call(KinesisWriter *w, const char *op, const char *key, const char *value, const char *more,
                         Err *e)
{
    Buf b;
    buf_init(&b, 0);
    int rc = buf_printf(&b, "{\"%s\":", key);
    if (!rc)
        rc = json_escape_append(&b, value, strlen(value));
    if (!rc)
        rc = buf_printf(&b, "%s}", more);
    if (!rc)
        rc = kw_call(w, &w->setup, op, (const char *)b.p, e);
    buf_fini(&b);
    return rc;
}

/* The error answer of a set-up call: 1 when its AWS error type is `expected` (NULL: none is; e is left
 * alone), else WEIR_EPROTO with the type and message in e. */
static int kw_setup_error(KinesisWriter *w, const char *op, const char *name, int status, const char *expected,
                          Err *e)
{
    char type[96], msg[160];
    kw_error_type(kw_body(&w->setup), w->setup.resp_body, type, sizeof(type), msg, sizeof(msg));
    if (expected && !strcmp(type, expected))
        return 1;
    return err_set(e, WEIR_EPROTO, "%s %s: HTTP %d %s %s", op, name, status, type, msg);
}

/* StreamStatus from DescribeStreamSummary: 1 ACTIVE, 0 another status, WEIR_ENOTFOUND, or an error. */
static int kw_stream_status(KinesisWriter *w, KwStream *s, Err *e)
{
    int rc = kw_setup_call(w, "DescribeStreamSummary", "StreamName", s->name, "", e);
    if (rc < 0)
        return rc;
    if (rc == 200) {
        json_error_t jerr;
        json_t *j = json_loadb(kw_body(&w->setup), w->setup.resp_body, 0, &jerr);
        const char *st = json_string_value(
            json_object_get(json_object_get(j, "StreamDescriptionSummary"), "StreamStatus"));
        int active = st && !strcmp(st, "ACTIVE");
        int known = st != NULL;
        json_decref(j);
        if (!known)
            return err_set(e, WEIR_EPROTO, "DescribeStreamSummary %s: no StreamStatus in the answer", s->name);
        return active;
    }
    rc = kw_setup_error(w, "DescribeStreamSummary", s->name, rc, "ResourceNotFoundException", e);
    return rc == 1 ? WEIR_ENOTFOUND : rc;
}

static int kw_stream_ensure(KinesisWriter *w, KwStream *s, Err *e)
{
    int rc = kw_stream_status(w, s, e);
    if (rc == WEIR_ENOTFOUND) {
        if (!w->cfg.create)
            return err_set(e, WEIR_ENOTFOUND, "stream %s does not exist at %s", s->name, w->hostport);
        char more[32];
        snprintf(more, sizeof(more), ",\"ShardCount\":%d", w->cfg.shards);
        rc = kw_setup_call(w, "CreateStream", "StreamName", s->name, more, e);
        if (rc < 0)
            return rc;
        /* ResourceInUseException: created meanwhile by someone else, fine */
        if (rc != 200 && (rc = kw_setup_error(w, "CreateStream", s->name, rc, "ResourceInUseException", e)) != 1)
            return rc;
        rc = 0;
    }
    uint64_t deadline = clock_mono_ns() + (uint64_t)KW_ACTIVE_WAIT_MS * 1000000u;
    while (rc == 0) {
        if (clock_mono_ns() > deadline)
            return err_set(e, WEIR_EIO, "stream %s did not become ACTIVE within %d s", s->name,
                           KW_ACTIVE_WAIT_MS / 1000);
        struct timespec ts = {0, 20 * 1000000};
        nanosleep(&ts, NULL);
        rc = kw_stream_status(w, s, e);
    }
    return rc < 0 ? rc : WEIR_OK;
}

static int kw_cmp_u128(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

/* The open shards of s (ListShards, all pages): their starting hash keys, sorted. */
static int kw_list_shards(KinesisWriter *w, KwStream *s, Err *e)
{
    char *token = NULL;
    int rc = WEIR_OK, cap = 0;
    s->n_shards = 0;
    do {
        rc = token ? kw_setup_call(w, "ListShards", "NextToken", token, "", e)
                   : kw_setup_call(w, "ListShards", "StreamName", s->name, "", e);
        free(token);
        token = NULL;
        if (rc < 0)
            return rc;
        if (rc != 200)
            return kw_setup_error(w, "ListShards", s->name, rc, NULL, e);
        json_error_t jerr;
        json_t *j = json_loadb(kw_body(&w->setup), w->setup.resp_body, 0, &jerr);
        json_t *shards = json_object_get(j, "Shards");
        size_t i;
        json_t *sh;
        rc = json_is_array(shards) ? WEIR_OK : WEIR_EPROTO;
        json_array_foreach(shards, i, sh)
        {
            json_t *seq = json_object_get(sh, "SequenceNumberRange");
            if (json_object_get(seq, "EndingSequenceNumber"))
                continue; /* closed: nothing goes there any more */
            const char *start = json_string_value(json_object_get(json_object_get(sh, "HashKeyRange"), "StartingHashKey"));
            u128 v;
            if (!start || u128_parse_dec(start, strlen(start), &v) != 0) {
                rc = WEIR_EPROTO;
                break;
            }
            if (s->n_shards == cap) {
                cap = cap ? cap * 2 : 8;
                s->start = xrealloc(s->start, sizeof(u128) * (size_t)cap);
            }
            s->start[s->n_shards++] = v;
        }
        const char *next = json_string_value(json_object_get(j, "NextToken"));
        if (next && !rc)
            token = xstrdup(next);
        json_decref(j);
        if (rc)
            return err_set(e, rc, "ListShards %s: unexpected answer", s->name);
    } while (token);
    if (s->n_shards == 0)
        return err_set(e, WEIR_EPROTO, "stream %s has no open shard", s->name);
    qsort(s->start, (size_t)s->n_shards, sizeof(u128), kw_cmp_u128);
    return WEIR_OK;
}

int kinesis_writer_create(const KinesisWriterConfig *cfg, const char *const *streams, int n_streams,
                          KinesisWriter **out, Err *e)
{
    *out = NULL;
    if (n_streams < 1 || n_streams > KINESIS_WRITER_MAX_STREAMS)
        return err_set(e, WEIR_EINVAL, "between 1 and %d streams", KINESIS_WRITER_MAX_STREAMS);
    KinesisWriter *w = xcalloc(1, sizeof(*w));
    w->cfg = *cfg;
    if (w->cfg.max_records < 1 || w->cfg.max_records > KINESIS_WRITER_MAX_RECORDS)
        w->cfg.max_records = KINESIS_WRITER_MAX_RECORDS;
    if (w->cfg.max_bytes == 0)
        w->cfg.max_bytes = (size_t)4 << 20;
    if (w->cfg.timeout_ms <= 0)
        w->cfg.timeout_ms = 60000;
    if (w->cfg.max_attempts <= 0)
        w->cfg.max_attempts = 10;
    if (w->cfg.shards < 1)
        w->cfg.shards = 1;
    if (w->cfg.inflight < 1 || w->cfg.inflight > KINESIS_WRITER_MAX_INFLIGHT)
        w->cfg.inflight = 1;
    snprintf(w->region, sizeof(w->region), "%s", cfg->region ? cfg->region : "us-east-1");
    w->cfg.endpoint = NULL;
    w->cfg.region = NULL;
    int64_t now = clock_now_ms() / 1000;
    time_t t = (time_t)now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(w->amz_date, sizeof(w->amz_date), "%Y%m%dT%H%M%SZ", &tm);
    w->setup.fd = -1;
    buf_init(&w->setup.resp, KW_RESP_MAX + KW_HEAD_MAX);
    w->n_streams = n_streams;
    for (int i = 0; i < n_streams; i++)
        snprintf(w->s[i].name, sizeof(w->s[i].name), "%s", streams[i]);
    int rc = kw_parse_endpoint(w, cfg->endpoint, e);
    for (int i = 0; i < n_streams && !rc; i++) {
        if (!streams[i][0] || strlen(streams[i]) > 128 || !aws_is_name_chars(streams[i], strlen(streams[i])))
            rc = err_set(e, WEIR_EINVAL, "bad stream name '%s' (1-128 of a-z A-Z 0-9 _ . -)", streams[i]);
        else if (!(rc = kw_stream_ensure(w, &w->s[i], e)))
            rc = kw_list_shards(w, &w->s[i], e);
    }
    kw_conn_close(&w->setup);
    if (rc) {
        kinesis_writer_destroy(&w);
        return rc;
    }
    for (int i = 0; i < n_streams; i++) {
        KwStream *s = &w->s[i];
        s->first_lane = w->n_lanes;
        s->n_lanes = s->n_shards < KW_MAX_LANES ? s->n_shards : KW_MAX_LANES;
        w->n_lanes += s->n_lanes;
    }
    w->n_slots = w->n_lanes * w->cfg.inflight;
    w->lanes = xcalloc((size_t)w->n_lanes, sizeof(KwLane));
    w->slots = xcalloc((size_t)w->n_slots, sizeof(KwSlot));
    w->pfd = xcalloc((size_t)w->n_slots, sizeof(struct pollfd));
    w->pidx = xcalloc((size_t)w->n_slots, sizeof(int));
    for (int i = 0; i < n_streams; i++) {
        for (int k = 0; k < w->s[i].n_lanes; k++) {
            int li = w->s[i].first_lane + k;
            KwLane *ln = &w->lanes[li];
            ln->stream = i;
            ln->slots = &w->slots[li * w->cfg.inflight];
            kw_batch_init(&ln->fill, w->cfg.max_records);
            if (kw_batch_reset(&ln->fill))
                weir_panic("kinesis writer: batch prefix");
            for (int j = 0; j < w->cfg.inflight; j++) {
                KwSlot *sl = &ln->slots[j];
                sl->stream = i;
                sl->conn.fd = -1;
                buf_init(&sl->conn.resp, KW_RESP_MAX + KW_HEAD_MAX);
                kw_batch_init(&sl->flight, w->cfg.max_records);
                if (kw_batch_reset(&sl->flight))
                    weir_panic("kinesis writer: batch prefix");
            }
        }
    }
    w->st.n_lanes = w->n_lanes;
    *out = w;
    return WEIR_OK;
}

void kinesis_writer_destroy(KinesisWriter **wp)
{
    KinesisWriter *w = wp ? *wp : NULL;
    if (!w)
        return;
    for (int i = 0; i < w->n_slots; i++) {
        KwSlot *sl = &w->slots[i];
        kw_conn_close(&sl->conn);
        buf_fini(&sl->conn.resp);
        kw_batch_fini(&sl->flight);
    }
    for (int i = 0; i < w->n_lanes; i++)
        kw_batch_fini(&w->lanes[i].fill);
    for (int i = 0; i < w->n_streams; i++)
        free(w->s[i].start);
    kw_conn_close(&w->setup);
    buf_fini(&w->setup.resp);
    free(w->lanes);
    free(w->slots);
    free(w->pfd);
    free(w->pidx);
    free(w);
    *wp = NULL;
}

void kinesis_writer_stats(const KinesisWriter *w, KinesisWriterStats *out)
{
    *out = w->st;
}

/* ------------------------------------------------------------------------------------------------
 * Sending, answers, retries
 * ---------------------------------------------------------------------------------------------- */

/* Record a fatal error: it sticks to the writer, and every later call returns it. */
static int kw_fail(KinesisWriter *w, Err *e, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int kw_fail(KinesisWriter *w, Err *e, int code, const char *fmt, ...)
{
    if (!w->sticky.code) {
        char msg[sizeof(w->sticky.msg)];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        err_set(&w->sticky, code, "%s", msg);
    }
    return err_set(e, w->sticky.code, "%s", w->sticky.msg);
}

static const char *kw_slot_name(const KinesisWriter *w, const KwSlot *l)
{
    return w->s[l->stream].name;
}

/* Schedule the flight batch (whole, or what is left of it) for another send. */
static int kw_retry(KinesisWriter *w, KwSlot *l, const char *why, Err *e)
{
    snprintf(l->last_error, sizeof(l->last_error), "%s", why);
    if (l->attempts >= w->cfg.max_attempts)
        return kw_fail(w, e, WEIR_EIO, "PutRecords to %s: gave up after %d attempts; last: %s", kw_slot_name(w, l),
                       l->attempts, l->last_error);
    /* The first retry is immediate (usually a kept-alive connection the server had closed); then 50 ms
     * doubling up to 2 s, the backoff the AWS SDKs use for throttling. */
    uint64_t ms = l->attempts <= 1 ? 0 : (uint64_t)50 << (l->attempts - 2 < 6 ? l->attempts - 2 : 6);
    if (ms > KW_BACKOFF_MAX_MS)
        ms = KW_BACKOFF_MAX_MS;
    w->st.n_retried += l->flight.n;
    l->retry_at = clock_mono_ns() + ms * 1000000u;
    if (l->retry_at == 0)
        l->retry_at = 1;
    return WEIR_OK;
}

/* Integer value of "FailedRecordCount" in the answer, or -1. */
static long kw_failed_count(const char *body, size_t n)
{
    static const char key[] = "\"FailedRecordCount\"";
    const char *k = memmem(body, n, key, sizeof(key) - 1);
    if (!k)
        return -1;
    const char *p = k + sizeof(key) - 1, *end = body + n;
    while (p < end && (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return -1;
    long v = 0;
    while (p < end && *p >= '0' && *p <= '9' && v < 1000000)
        v = v * 10 + (*p++ - '0');
    return v;
}

/* Some entries failed: keep those (the answer's Records line up with the request's). */
static int kw_partial(KinesisWriter *w, KwSlot *l, const char *body, size_t n, Err *e)
{
    json_error_t jerr;
    json_t *j = json_loadb(body, n, 0, &jerr);
    json_t *recs = json_object_get(j, "Records");
    if (!json_is_array(recs) || (int)json_array_size(recs) != l->flight.n) {
        json_decref(j);
        return kw_fail(w, e, WEIR_EPROTO, "PutRecords to %s: the answer's Records do not match the request",
                       kw_slot_name(w, l));
    }
    unsigned char *failed = xcalloc((size_t)l->flight.n, 1);
    int n_failed = 0;
    char why[160] = "";
    for (int i = 0; i < l->flight.n; i++) {
        json_t *r = json_array_get(recs, (size_t)i);
        const char *code = json_string_value(json_object_get(r, "ErrorCode"));
        if (code) {
            failed[i] = 1;
            const char *m = json_string_value(json_object_get(r, "ErrorMessage"));
            if (!n_failed++)
                snprintf(why, sizeof(why), "%s: %s", code, m ? m : "");
        }
    }
    json_decref(j);
    w->st.n_acked += l->flight.n - n_failed;
    int rc = n_failed ? kw_batch_keep(&l->flight, failed, kw_slot_name(w, l)) : WEIR_OK;
    free(failed);
    if (rc)
        return kw_fail(w, e, rc, "PutRecords to %s: retry batch too large", kw_slot_name(w, l));
    if (!n_failed) { /* FailedRecordCount said otherwise; trust the entries */
        l->in_flight = 0;
        return kw_batch_reset(&l->flight);
    }
    return kw_retry(w, l, why, e);
}

static int kw_on_answer(KinesisWriter *w, KwSlot *l, Err *e)
{
    KwConn *c = &l->conn;
    const char *body = kw_body(c);
    size_t n = c->resp_body;
    int status = c->status;
    int rc = WEIR_OK;
    if (status == 200) {
        long f = kw_failed_count(body, n);
        if (f < 0) {
            rc = kw_fail(w, e, WEIR_EPROTO, "PutRecords to %s: no FailedRecordCount in the answer", kw_slot_name(w, l));
        } else if (f == 0) {
            w->st.n_acked += l->flight.n;
            l->in_flight = 0;
            l->attempts = 0;
            rc = kw_batch_reset(&l->flight);
        } else {
            rc = kw_partial(w, l, body, n, e);
        }
    } else {
        char type[96], msg[160], why[300];
        kw_error_type(body, n, type, sizeof(type), msg, sizeof(msg));
        snprintf(why, sizeof(why), "HTTP %d %s %s", status, type, msg);
        if (status >= 500 || !strcmp(type, "ProvisionedThroughputExceededException") ||
            !strcmp(type, "LimitExceededException") || !strcmp(type, "ThrottlingException"))
            rc = kw_retry(w, l, why, e);
        else
            rc = kw_fail(w, e, WEIR_EPROTO, "PutRecords to %s: %s", kw_slot_name(w, l), why);
    }
    kw_done(c);
    return rc;
}

static void kw_broken(KinesisWriter *w, KwSlot *l)
{
    l->conn.busy = 0;
    kw_conn_close(&l->conn);
    w->st.n_reconnects++;
}

static int kw_send_flight(KinesisWriter *w, KwSlot *l, Err *e)
{
    l->retry_at = 0;
    l->attempts++;
    w->st.n_requests++;
    Err ce;
    err_clear(&ce);
    if (kw_begin(w, &l->conn, "PutRecords", l->flight.body.p, l->flight.body.len, &ce) != WEIR_OK) {
        l->conn.busy = 0;
        return kw_retry(w, l, ce.msg, e);
    }
    /* Start writing now, so the request travels while the caller encodes the next batch. kw_io also
     * reads: a fast server's whole answer may already be here (and poll would not report it again). */
    int r = kw_io(&l->conn);
    if (r == 1)
        return kw_on_answer(w, l, e);
    if (r < 0) {
        kw_broken(w, l);
        return kw_retry(w, l, "connection lost", e);
    }
    return WEIR_OK;
}

static int kw_sticky(KinesisWriter *w, Err *e)
{
    return w->sticky.code ? err_set(e, w->sticky.code, "%s", w->sticky.msg) : WEIR_OK;
}

int kinesis_writer_wait(KinesisWriter *w, int timeout_ms, Err *e)
{
    int rc = kw_sticky(w, e);
    if (rc)
        return rc;
    uint64_t now = clock_mono_ns();
    uint64_t until = now + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
    int np = 0;
    for (int i = 0; i < w->n_slots; i++) {
        KwSlot *l = &w->slots[i];
        if (l->in_flight && l->retry_at && l->retry_at <= now && (rc = kw_send_flight(w, l, e)))
            return rc;
        if (l->in_flight && l->retry_at && l->retry_at < until)
            until = l->retry_at;
        if (l->conn.busy) {
            w->pfd[np].fd = l->conn.fd;
            w->pfd[np].events = POLLIN | (l->conn.sent < l->conn.head_len + l->conn.body_len ? POLLOUT : 0);
            w->pfd[np].revents = 0;
            w->pidx[np++] = i;
            if (l->conn.deadline_ns < until)
                until = l->conn.deadline_ns;
        }
    }
    int ms = until > now ? (int)((until - now + 999999) / 1000000u) : 0;
    int n = poll(w->pfd, (nfds_t)np, ms);
    if (n < 0 && errno != EINTR)
        return kw_fail(w, e, WEIR_EIO, "poll: %s", strerror(errno));
    now = clock_mono_ns();
    for (int k = 0; k < np; k++) {
        KwSlot *l = &w->slots[w->pidx[k]];
        int r = 0;
        if (n > 0 && w->pfd[k].revents)
            r = kw_io(&l->conn);
        if (r == 0 && now >= l->conn.deadline_ns)
            r = -2;
        if (r == 1) {
            rc = kw_on_answer(w, l, e);
        } else if (r < 0) {
            kw_broken(w, l);
            rc = kw_retry(w, l, r == -2 ? "no answer in time" : "connection lost", e);
        }
        if (rc)
            return rc;
    }
    return WEIR_OK;
}

/* A slot of the lane with nothing in flight, or NULL. */
static KwSlot *kw_free_slot(const KinesisWriter *w, KwLane *ln)
{
    for (int j = 0; j < w->cfg.inflight; j++)
        if (!ln->slots[j].in_flight)
            return &ln->slots[j];
    return NULL;
}

/* Send the lane's fill batch from a free slot, first waiting for one. */
static int kw_ship(KinesisWriter *w, KwLane *ln, Err *e)
{
    int rc;
    KwSlot *sl;
    const char *name = w->s[ln->stream].name;
    while (!(sl = kw_free_slot(w, ln)))
        if ((rc = kinesis_writer_wait(w, 1000, e)))
            return rc;
    if ((rc = kw_batch_close(&ln->fill, name)))
        return kw_fail(w, e, rc, "PutRecords to %s: batch too large", name);
    KwBatch t = sl->flight;
    sl->flight = ln->fill;
    ln->fill = t;
    if ((rc = kw_batch_reset(&ln->fill)))
        return kw_fail(w, e, rc, "PutRecords to %s: batch too large", name);
    sl->in_flight = 1;
    sl->attempts = 0;
    return kw_send_flight(w, sl, e);
}

/* The lane of the shard whose hash-key range holds the key's MD5: the last start <= hash. */
static KwLane *kw_route(KinesisWriter *w, const KwStream *s, const char *pk, size_t pk_len)
{
    int shard = 0;
    if (s->n_shards > 1) {
        u128 h = u128_md5_hash_key(pk, pk_len);
        int lo = 0, hi = s->n_shards - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (s->start[mid] <= h)
                lo = mid;
            else
                hi = mid - 1;
        }
        shard = lo;
    }
    return &w->lanes[s->first_lane + shard % s->n_lanes];
}

int kinesis_writer_add(KinesisWriter *w, int stream, const char *pk, size_t pk_len, const void *data,
                       size_t len, Err *e)
{
    int rc = kw_sticky(w, e);
    if (rc)
        return rc;
    if (stream < 0 || stream >= w->n_streams)
        return err_set(e, WEIR_EINVAL, "no stream %d", stream);
    if (pk_len < 1 || pk_len > 256)
        return err_set(e, WEIR_EINVAL, "partition key of %zu bytes (1-256)", pk_len);
    const KwStream *s = &w->s[stream];
    KwLane *l = kw_route(w, s, pk, pk_len);
    size_t tail = 20 + strlen(s->name);
    size_t need = kw_entry_bytes(len, pk_len);
    if (sizeof(KW_PREFIX) + need + tail > w->cfg.max_bytes)
        return err_set(e, WEIR_ELIMIT, "a record of %zu bytes does not fit a PutRecords request", len);
    if (l->fill.n >= w->cfg.max_records || l->fill.body.len + need + tail > w->cfg.max_bytes)
        if ((rc = kw_ship(w, l, e)))
            return rc;
    if ((rc = kw_batch_add(&l->fill, pk, pk_len, data, len)))
        return kw_fail(w, e, rc, "PutRecords to %s: batch too large", s->name);
    return WEIR_OK;
}

int kinesis_writer_send_ready(KinesisWriter *w, Err *e)
{
    int rc = kw_sticky(w, e);
    for (int i = 0; i < w->n_lanes && !rc; i++)
        if (w->lanes[i].fill.n > 0 && kw_free_slot(w, &w->lanes[i]))
            rc = kw_ship(w, &w->lanes[i], e);
    return rc;
}

int kinesis_writer_flush(KinesisWriter *w, Err *e)
{
    int rc = kw_sticky(w, e);
    for (int i = 0; i < w->n_lanes && !rc; i++)
        if (w->lanes[i].fill.n > 0)
            rc = kw_ship(w, &w->lanes[i], e);
    for (;;) {
        if (rc)
            return rc;
        int busy = 0;
        for (int i = 0; i < w->n_slots; i++)
            busy |= w->slots[i].in_flight;
        if (!busy)
            return WEIR_OK;
        rc = kinesis_writer_wait(w, 1000, e);
    }
}
