/*
 * kload.c: load generator and reader for a Kinesis Data Streams endpoint (weir, kinesalite, AWS's
 * API shape) over HTTP/1.1 keep-alive connections: one thread, one ppoll() loop, non-blocking sockets.
 *
 * Subcommands (kload MODE --endpoint http://127.0.0.1:PORT --stream S [options]):
 *   put      CreateStream (unless --no-create), wait for ACTIVE with DescribeStreamSummary, then write
 *            --records records with PutRecords of --batch entries over --conns connections, each with
 *            one request in flight. Reports records/s, payload MB/s, request latency p50/p99/max and
 *            failures (non-200 answers, FailedRecordCount > 0, broken connections).
 *   get      ListShards, GetShardIterator(TRIM_HORIZON) per shard, then GetRecords (--limit) on one
 *            connection per shard until --records records were read (or nothing new for --idle-ms).
 *            Checks that every record index 0..N-1 was read exactly once. Reports records/s.
 *   latency  creates its own stream; a paced producer (--rate PutRecords/s of --batch records over
 *            --conns connections) for --duration-ms, and one reader per shard polling GetRecords
 *            (sleeping --poll-us after an empty answer). For each record: the time from the arrival
 *            of its PutRecords acknowledgement to the arrival of the first GetRecords answer that
 *            carries it. Reports p50/p99/max, and how many records were visible before their ack.
 *   wait     retry ListStreams until the endpoint answers 200 (for scripts), at most --timeout-ms.
 * Every figure is also printed on stdout as "RESULT name=<metric> value=<number>" for scripts.
 *
 * Record payload (--size bytes, at least 21): bytes 0-5 the record index (big-endian), 6-11 the
 * PutRecords batch id, 12-19 the send time (CLOCK_MONOTONIC ns), 20 zero, then a fixed filler. 21
 * bytes are exactly 28 base64 characters, so each connection builds its request body once as a
 * template and each send patches only those 28 characters and the 18-character random partition key
 * of every entry. Readers decode the first 28 characters of each "Data" string and skip the rest.
 *
 * Why one thread: the target machine has 2 cores shared with the server under test. One poll loop
 * keeps the client under one core; its per-record work is a 28-character base64 patch on the way in
 * and a memmem hit plus a 28-character decode on the way out, far less than the server's. Responses
 * are scanned, never parsed with a JSON library: "FailedRecordCount":N, "ShardIterator":"...",
 * "NextShardIterator":"...", "ShardId":"...", "StreamStatus":"..." and each "Data":"...". That is
 * safe because the values looked into (base64, digits, hex keys, ids) cannot contain a quote.
 *
 * Not handled: chunked responses (weir and kinesalite both send Content-Length; kload stops with a
 * message), pipelining (one request in flight per connection), TLS, real SigV4 signatures (the
 * Authorization header has the right shape and a zero signature; neither server checks it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
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
#include "base/clock.h"
#include "base/err.h"

#define KL_HDR_BYTES 21 /* record header: index, batch id, send time, pad */
#define KL_HDR_B64 28   /* its base64 length */
#define KL_PK_LEN 18    /* "pk" + 16 hex digits */
#define KL_MAX_SHARDS 256
#define KL_ITER_MAX 1024               /* Kinesis iterators are at most 512 characters */
#define KL_RBUF_MAX ((size_t)1 << 30)  /* largest response accepted */
#define KL_HEAD_MAX ((size_t)64 << 10) /* largest response header accepted */
#define KL_MAX_ERR_PRINT 5             /* error bodies echoed to stderr per run */

enum { MODE_PUT = 1, MODE_GET, MODE_LAT, MODE_WAIT };
enum { ROLE_PUT = 1, ROLE_GET };

/* ------------------------------------------------------------------------------------------------
 * Options and small helpers
 * ---------------------------------------------------------------------------------------------- */

typedef struct Opts {
    int mode;
    char host[256];
    int port;
    char hostport[300]; /* Host header */
    const char *stream;
    int shards;
    long long records;
    int conns;
    int batch;
    int size;
    int limit;
    int duration_ms;
    int rate;    /* latency: PutRecords per second */
    int poll_us; /* readers: sleep after an empty GetRecords */
    int timeout_ms;
    int idle_ms;
    int no_create;
    int quiet;
    uint64_t seed; /* partition-key generator; 0: from pid and clock */
} Opts;

static Opts opt;
static struct sockaddr_in g_addr;
static char g_amz_date[32]; /* X-Amz-Date, e.g. 20240101T000000Z */
static int g_n_err_printed;

static _Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kload: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    if (opt.quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("kload: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static uint64_t now_ns(void)
{
    return clock_mono_ns();
}

static void result(const char *name, double v)
{
    if (v == (double)(long long)v)
        printf("RESULT name=%s value=%lld\n", name, (long long)v);
    else
        printf("RESULT name=%s value=%.3f\n", name, v);
}

/* xorshift64*: fast, good enough for partition keys */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array (q in 0..1). */
static uint64_t pct(const uint64_t *v, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* ------------------------------------------------------------------------------------------------
 * Response scanning: find "key" <ws> : <ws> then a string or number value.
 * ---------------------------------------------------------------------------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Given p just past a quoted key, return the start of its value, or NULL. */
static const char *after_colon(const char *p, const char *end)
{
    p = skip_ws(p, end);
    if (p >= end || *p != ':')
        return NULL;
    return skip_ws(p + 1, end);
}

/* Find the string value of qkey (the key with its quotes, e.g. "\"ShardId\"") in [p, end). Returns a
 * pointer past the value's closing quote (to continue scanning), or NULL if absent or not a string.
 * *v, *vn: the value without quotes (borrowed from the body). */
static const char *find_str(const char *p, const char *end, const char *qkey, const char **v, size_t *vn)
{
    size_t kn = strlen(qkey);
    while (p < end) {
        const char *k = memmem(p, (size_t)(end - p), qkey, kn);
        if (!k)
            return NULL;
        const char *q = after_colon(k + kn, end);
        if (q && q < end && *q == '"') {
            const char *e = memchr(q + 1, '"', (size_t)(end - q - 1));
            if (!e)
                return NULL;
            *v = q + 1;
            *vn = (size_t)(e - q - 1);
            return e + 1;
        }
        if (q && q + 4 <= end && memcmp(q, "null", 4) == 0)
            return NULL;
        p = k + kn;
    }
    return NULL;
}

/* Integer value of qkey, or -1 if absent. */
static long long find_int(const char *p, const char *end, const char *qkey)
{
    size_t kn = strlen(qkey);
    const char *k = memmem(p, (size_t)(end - p), qkey, kn);
    if (!k)
        return -1;
    const char *q = after_colon(k + kn, end);
    if (!q || q >= end || *q < '0' || *q > '9')
        return -1;
    long long x = 0;
    while (q < end && *q >= '0' && *q <= '9')
        x = x * 10 + (*q++ - '0');
    return x;
}

/* Value of a key that is usually near the end of a big body (NextShardIterator after 10,000
 * records): look in the last 4 KiB first, then the first 4 KiB, then everywhere. */
static int find_str_tail(const char *body, size_t n, const char *qkey, const char **v, size_t *vn)
{
    const char *end = body + n;
    if (n > 8192) {
        if (find_str(end - 4096, end, qkey, v, vn))
            return 1;
        if (find_str(body, body + 4096, qkey, v, vn))
            return 1;
    }
    return find_str(body, end, qkey, v, vn) != NULL;
}

/* Echo the first few error answers to stderr (with the request that caused them). */
static void report_error(const char *op, int status, const char *body, size_t n)
{
    if (g_n_err_printed++ >= KL_MAX_ERR_PRINT)
        return;
    fprintf(stderr, "kload: %s -> HTTP %d: %.*s\n", op, status, (int)(n > 400 ? 400 : n), body);
}

/* ------------------------------------------------------------------------------------------------
 * Connections: one request in flight, Content-Length framed answers.
 * ---------------------------------------------------------------------------------------------- */

typedef struct Conn {
    int fd;
    int role;
    int idx; /* producer number or shard number */
    const char *op;
    char hdr[1024];
    size_t hdr_len;
    const char *body;
    size_t body_len;
    size_t sent;
    int busy;    /* a request is in flight */
    int retried; /* already re-sent once on a fresh connection */
    uint64_t t_send;
    uint64_t wake_ns; /* idle reader: issue the next request at this time (0: none) */
    char *rb;         /* response bytes */
    size_t r_len, r_cap;
    size_t r_hdr;  /* header length once known, else 0 */
    size_t r_body; /* Content-Length */
    int r_status;
    int r_close; /* server said Connection: close */
    /* producer */
    long long first; /* first record index of the batch in flight */
    int count;
    long long batch_id;
    /* reader */
    char iter[KL_ITER_MAX];
    size_t iter_len;
    char req[KL_ITER_MAX + 128];
    int ended;       /* shard closed and exhausted */
    int n_empty_run; /* consecutive empty answers */
    long long n_read;
} Conn;

static void conn_init(Conn *c, int role, int idx)
{
    memset(c, 0, sizeof(*c));
    c->fd = -1;
    c->role = role;
    c->idx = idx;
}

static void conn_close(Conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}

static int conn_connect(Conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    if (connect(fd, (const struct sockaddr *)&g_addr, sizeof(g_addr)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    return 0;
}

/* Write what is pending. 0: done or would block; -1: the connection is broken. */
static int conn_flush(Conn *c)
{
    size_t total = c->hdr_len + c->body_len;
    while (c->sent < total) {
        struct iovec iov[2];
        int n = 0;
        if (c->sent < c->hdr_len) {
            iov[n].iov_base = c->hdr + c->sent;
            iov[n++].iov_len = c->hdr_len - c->sent;
            iov[n].iov_base = (void *)c->body;
            iov[n++].iov_len = c->body_len;
        } else {
            iov[n].iov_base = (void *)(c->body + (c->sent - c->hdr_len));
            iov[n++].iov_len = total - c->sent;
        }
        struct msghdr mh;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = iov;
        mh.msg_iovlen = (size_t)n;
        ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        c->sent += (size_t)w;
    }
    return 0;
}

/* Start a request (op is the X-Amz-Target operation; body is borrowed until the answer arrives).
 * Returns 0, or -1 if no connection could be made. */
static int conn_begin(Conn *c, const char *op, const char *body, size_t n, uint64_t now)
{
    if (c->fd < 0 && conn_connect(c) != 0)
        return -1;
    int h = snprintf(
        c->hdr, sizeof(c->hdr),
        "POST / HTTP/1.1\r\n"
        "Host: %s\r\n"
        "Content-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: Kinesis_20131202.%s\r\n"
        "X-Amz-Date: %s\r\n"
        "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/%.8s/us-east-1/kinesis/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
        "Signature=0000000000000000000000000000000000000000000000000000000000000000\r\n"
        "Content-Length: %zu\r\n"
        "\r\n",
        opt.hostport, op, g_amz_date, g_amz_date, n);
    if (h < 0 || (size_t)h >= sizeof(c->hdr))
        die("request header too long");
    c->op = op;
    c->hdr_len = (size_t)h;
    c->body = body;
    c->body_len = n;
    c->sent = 0;
    c->busy = 1;
    c->retried = 0;
    c->r_len = 0;
    c->r_hdr = 0;
    c->r_body = 0;
    c->r_status = 0;
    c->r_close = 0;
    c->t_send = now;
    if (conn_flush(c) != 0) {
        /* A keep-alive connection the server has closed: one retry on a fresh one. */
        conn_close(c);
        if (conn_connect(c) != 0)
            return -1;
        c->retried = 1;
        c->sent = 0;
        if (conn_flush(c) != 0)
            return -1;
    }
    return 0;
}

static int head_name_is(const char *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n == k && strncasecmp(p, name, k) == 0;
}

/* Parse the status line and headers in rb[0, hdr_len). Returns 0 or -1. */
static int conn_parse_head(Conn *c, size_t hdr_len)
{
    const char *p = c->rb, *end = c->rb + hdr_len;
    if (hdr_len < 12 || memcmp(p, "HTTP/1.", 7) != 0 || p[9] < '1' || p[9] > '5')
        return -1;
    c->r_status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    int has_len = 0;
    const char *line = memchr(p, '\n', (size_t)(end - p));
    while (line && ++line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (!eol)
            break;
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon) {
            size_t nn = (size_t)(colon - line);
            const char *v = skip_ws(colon + 1, eol);
            if (head_name_is(line, nn, "content-length")) {
                size_t x = 0;
                while (v < eol && *v >= '0' && *v <= '9')
                    x = x * 10 + (size_t)(*v++ - '0');
                c->r_body = x;
                has_len = 1;
            } else if (head_name_is(line, nn, "transfer-encoding")) {
                if (strncasecmp(v, "chunked", 7) == 0)
                    die("%s: the server answered with a chunked body, which kload does not read", c->op);
            } else if (head_name_is(line, nn, "connection")) {
                if (strncasecmp(v, "close", 5) == 0)
                    c->r_close = 1;
            }
        }
        line = eol;
    }
    if (!has_len) {
        if (c->r_status == 204 || c->r_status == 304 || c->r_status < 200)
            c->r_body = 0;
        else
            die("%s: the server answered HTTP %d without Content-Length", c->op, c->r_status);
    }
    if (c->r_body > KL_RBUF_MAX)
        die("%s: response of %zu bytes is too large", c->op, c->r_body);
    c->r_hdr = hdr_len;
    return 0;
}

static void conn_reserve(Conn *c, size_t need)
{
    if (need <= c->r_cap)
        return;
    size_t cap = c->r_cap ? c->r_cap : 65536;
    while (cap < need)
        cap *= 2;
    c->rb = xrealloc(c->rb, cap + 1);
    c->r_cap = cap;
}

/* Read what has arrived. 1: the answer is complete; 0: need more; -1: broken connection. */
static int conn_read(Conn *c)
{
    for (;;) {
        size_t want = 65536;
        if (c->r_hdr) {
            size_t need = c->r_hdr + c->r_body;
            if (c->r_len >= need)
                return 1;
            want = need - c->r_len;
        }
        conn_reserve(c, c->r_len + want);
        ssize_t r = read(c->fd, c->rb + c->r_len, c->r_cap - c->r_len);
        if (r == 0)
            return -1;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            return -1;
        }
        size_t old = c->r_len;
        c->r_len += (size_t)r;
        if (!c->r_hdr) {
            size_t from = old >= 3 ? old - 3 : 0;
            const char *e = memmem(c->rb + from, c->r_len - from, "\r\n\r\n", 4);
            if (e) {
                if (conn_parse_head(c, (size_t)(e + 4 - c->rb)) != 0)
                    return -1;
                /* 1xx interim answers (100 Continue) are skipped. */
                if (c->r_status < 200) {
                    size_t rest = c->r_len - c->r_hdr;
                    memmove(c->rb, c->rb + c->r_hdr, rest);
                    c->r_len = rest;
                    c->r_hdr = 0;
                    continue;
                }
            } else if (c->r_len > KL_HEAD_MAX) {
                return -1;
            }
        }
    }
}

static const char *conn_body(const Conn *c)
{
    return c->rb + c->r_hdr;
}

/* After an answer was handled: ready for the next request. */
static void conn_done(Conn *c)
{
    c->busy = 0;
    if (c->r_close)
        conn_close(c);
}

/* Synchronous request for setup calls. Returns the HTTP status, or -1 (timeout, broken connection). */
static int conn_call(Conn *c, const char *op, const char *body, int timeout_ms)
{
    errno = 0;
    uint64_t deadline = now_ns() + (uint64_t)timeout_ms * 1000000u;
    if (conn_begin(c, op, body, strlen(body), now_ns()) != 0)
        return -1;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= deadline) {
            conn_close(c);
            c->busy = 0;
            return -1;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (c->sent < c->hdr_len + c->body_len)
            pfd.events |= POLLOUT;
        int ms = (int)((deadline - t) / 1000000u) + 1;
        int n = poll(&pfd, 1, ms);
        if (n < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        if (n <= 0)
            continue;
        if ((pfd.revents & POLLOUT) && conn_flush(c) != 0) {
            conn_close(c);
            c->busy = 0;
            return -1;
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            int r = conn_read(c);
            if (r < 0) {
                conn_close(c);
                c->busy = 0;
                return -1;
            }
            if (r > 0) {
                conn_done(c);
                return c->r_status;
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * PutRecords body templates
 * ---------------------------------------------------------------------------------------------- */

typedef struct Tmpl {
    char *body;
    size_t len;
    int n;
    size_t *data_off; /* offset of each entry's Data string */
    size_t *pk_off;   /* offset of each entry's PartitionKey string */
} Tmpl;

typedef struct Out {
    char *p;
    size_t len, cap;
} Out;

static void out_put(Out *o, const void *p, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 4096;
        while (cap < o->len + n + 1)
            cap *= 2;
        o->p = xrealloc(o->p, cap);
        o->cap = cap;
    }
    memcpy(o->p + o->len, p, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void out_str(Out *o, const char *s)
{
    out_put(o, s, strlen(s));
}

/* {"Records":[{"Data":"..","PartitionKey":".."},..],"StreamName":".."}: the member order every AWS SDK
 * sends, which is also the order weir's PutRecords fast path scans. */
static void tmpl_build(Tmpl *t, const char *stream, int n, int size)
{
    uint8_t *rec = xmalloc((size_t)size);
    for (int i = 0; i < size; i++)
        rec[i] = (uint8_t)('a' + i % 26);
    memset(rec, 0, KL_HDR_BYTES);
    size_t b64n = base64_encoded_len((size_t)size);
    char *b64 = xmalloc(b64n + 1);
    base64_encode(rec, (size_t)size, b64);
    b64[b64n] = '\0';
    Out o = {0};
    t->n = n;
    t->data_off = xmalloc(sizeof(size_t) * (size_t)n);
    t->pk_off = xmalloc(sizeof(size_t) * (size_t)n);
    out_str(&o, "{\"Records\":[");
    for (int i = 0; i < n; i++) {
        out_str(&o, i ? ",{\"Data\":\"" : "{\"Data\":\"");
        t->data_off[i] = o.len;
        out_put(&o, b64, b64n);
        out_str(&o, "\",\"PartitionKey\":\"");
        t->pk_off[i] = o.len;
        out_str(&o, "pk0000000000000000\"}");
    }
    out_str(&o, "],\"StreamName\":\"");
    out_str(&o, stream);
    out_str(&o, "\"}");
    t->body = o.p;
    t->len = o.len;
    free(rec);
    free(b64);
}

static void tmpl_free(Tmpl *t)
{
    free(t->body);
    free(t->data_off);
    free(t->pk_off);
    memset(t, 0, sizeof(*t));
}

/* Stamp entries with record indices first.., the batch id and send time, and fresh random keys. */
static void tmpl_patch(Tmpl *t, long long first, long long batch_id, uint64_t t_ns, uint64_t *rng)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t h[KL_HDR_BYTES];
    memset(h, 0, sizeof(h));
    put_be(h + 6, (uint64_t)batch_id, 6);
    put_be(h + 12, t_ns, 8);
    for (int i = 0; i < t->n; i++) {
        put_be(h, (uint64_t)(first + i), 6);
        base64_encode(h, KL_HDR_BYTES, t->body + t->data_off[i]);
        uint64_t r = rng_next(rng);
        char *pk = t->body + t->pk_off[i] + 2;
        for (int k = 0; k < 16; k++) {
            pk[k] = hex[r & 15];
            r >>= 4;
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * Setup calls: CreateStream, wait for ACTIVE, ListShards, GetShardIterator
 * ---------------------------------------------------------------------------------------------- */

static void stream_create(Conn *c)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"StreamName\":\"%s\",\"ShardCount\":%d}", opt.stream, opt.shards);
    int st = conn_call(c, "CreateStream", body, 10000);
    if (st < 0)
        die("CreateStream: no answer from %s (%s)", opt.hostport, errno ? strerror(errno) : "timeout");
    if (st != 200) {
        const char *b = conn_body(c);
        if (memmem(b, c->r_body, "ResourceInUseException", 22))
            note("stream %s already exists; using it", opt.stream);
        else
            die("CreateStream -> HTTP %d: %.*s", st, (int)(c->r_body > 400 ? 400 : c->r_body), b);
    }
    char dbody[300];
    snprintf(dbody, sizeof(dbody), "{\"StreamName\":\"%s\"}", opt.stream);
    uint64_t deadline = now_ns() + 60ull * 1000000000u;
    for (;;) {
        st = conn_call(c, "DescribeStreamSummary", dbody, 10000);
        if (st == 200) {
            const char *v;
            size_t vn;
            const char *b = conn_body(c);
            if (find_str(b, b + c->r_body, "\"StreamStatus\"", &v, &vn) && vn == 6 &&
                memcmp(v, "ACTIVE", 6) == 0)
                return;
        } else if (st > 0) {
            report_error("DescribeStreamSummary", st, conn_body(c), c->r_body);
        }
        if (now_ns() > deadline)
            die("stream %s did not become ACTIVE within 60 s", opt.stream);
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
}

typedef struct ShardList {
    int n;
    char id[KL_MAX_SHARDS][64];
} ShardList;

static void shards_list(Conn *c, ShardList *sl)
{
    char body[300];
    snprintf(body, sizeof(body), "{\"StreamName\":\"%s\"}", opt.stream);
    int st = conn_call(c, "ListShards", body, 10000);
    if (st != 200)
        die("ListShards -> HTTP %d: %.*s", st, st > 0 ? (int)(c->r_body > 400 ? 400 : c->r_body) : 0,
            st > 0 ? conn_body(c) : "");
    const char *p = conn_body(c), *end = p + c->r_body, *v;
    size_t vn;
    sl->n = 0;
    while ((p = find_str(p, end, "\"ShardId\"", &v, &vn)) != NULL) {
        if (sl->n == KL_MAX_SHARDS || vn >= sizeof(sl->id[0]))
            die("ListShards: too many shards or a bad shard id");
        memcpy(sl->id[sl->n], v, vn);
        sl->id[sl->n][vn] = '\0';
        sl->n++;
    }
    if (sl->n == 0)
        die("ListShards: no shards in %.*s", (int)(c->r_body > 400 ? 400 : c->r_body), conn_body(c));
}

static void shard_iterator(Conn *c, const char *shard_id)
{
    char body[512];
    snprintf(body, sizeof(body),
             "{\"StreamName\":\"%s\",\"ShardId\":\"%s\",\"ShardIteratorType\":\"TRIM_HORIZON\"}", opt.stream,
             shard_id);
    int st = conn_call(c, "GetShardIterator", body, 10000);
    if (st != 200)
        die("GetShardIterator %s -> HTTP %d: %.*s", shard_id, st,
            st > 0 ? (int)(c->r_body > 400 ? 400 : c->r_body) : 0, st > 0 ? conn_body(c) : "");
    const char *v;
    size_t vn;
    const char *b = conn_body(c);
    if (!find_str(b, b + c->r_body, "\"ShardIterator\"", &v, &vn) || vn >= KL_ITER_MAX)
        die("GetShardIterator %s: no ShardIterator in %.*s", shard_id,
            (int)(c->r_body > 400 ? 400 : c->r_body), b);
    memcpy(c->iter, v, vn);
    c->iter[vn] = '\0';
    c->iter_len = vn;
}

/* ------------------------------------------------------------------------------------------------
 * The run: producer and reader state, the poll loop
 * ---------------------------------------------------------------------------------------------- */

typedef struct Run {
    Conn *conns;
    int n_conns;
    uint64_t deadline;
    /* producer */
    Tmpl *tmpl;       /* one per producer connection: a body stays intact while in flight */
    Tmpl tail;        /* the last, shorter batch of a put run */
    long long target; /* records to write (put) */
    long long next;   /* next record index */
    long long n_batches;
    long long n_ok, n_failed, n_http_err, n_conn_err;
    uint64_t *put_lat; /* per PutRecords request: send to answer, ns */
    size_t n_put_lat, cap_put_lat;
    uint64_t rng;
    uint64_t t_first, t_last;
    int in_flight;
    /* latency mode pacing and bookkeeping */
    uint64_t t_start, t_stop, interval_ns, next_send;
    long long max_batches;
    uint64_t *send_ns, *ack_ns; /* per batch id */
    uint64_t *seen_ns;          /* per record index: first time a reader saw it */
    long long n_late;           /* sends over an interval late: every producer connection was busy */
    /* readers */
    long long expect; /* records to read (get) */
    uint8_t *seen_bits;
    long long n_seen, n_dup, n_bad, n_recs;
    long long n_calls, n_empty, n_get_err;
    uint64_t bytes_in;
    uint64_t t_get_first, t_get_last, t_progress;
    int n_ended, n_readers;
    uint64_t t_report;
} Run;

static void run_put_lat(Run *r, uint64_t v)
{
    if (r->n_put_lat == r->cap_put_lat) {
        r->cap_put_lat = r->cap_put_lat ? r->cap_put_lat * 2 : 4096;
        r->put_lat = xrealloc(r->put_lat, r->cap_put_lat * sizeof(uint64_t));
    }
    r->put_lat[r->n_put_lat++] = v;
}

/* Send one PutRecords of count records starting at first on producer connection c. */
static void producer_send(Run *r, Conn *c, long long first, int count, uint64_t now)
{
    Tmpl *t = &r->tmpl[c->idx];
    if (count != t->n) {
        if (r->tail.n != count) {
            tmpl_free(&r->tail);
            tmpl_build(&r->tail, opt.stream, count, opt.size);
        }
        t = &r->tail;
    }
    long long bid = r->n_batches++;
    tmpl_patch(t, first, bid, now, &r->rng);
    c->first = first;
    c->count = count;
    c->batch_id = bid;
    if (r->send_ns && bid < r->max_batches)
        r->send_ns[bid] = now;
    if (!r->t_first)
        r->t_first = now;
    if (conn_begin(c, "PutRecords", t->body, t->len, now) != 0)
        die("PutRecords: cannot connect to %s: %s", opt.hostport, strerror(errno));
    r->in_flight++;
}

/* Put mode: keep every producer connection busy until target records were sent. */
static void put_fill(Run *r, Conn *c, uint64_t now)
{
    if (r->next >= r->target)
        return;
    long long left = r->target - r->next;
    int count = left < opt.batch ? (int)left : opt.batch;
    long long first = r->next;
    r->next += count;
    producer_send(r, c, first, count, now);
}

static void on_put_answer(Run *r, Conn *c, uint64_t now)
{
    const char *b = conn_body(c);
    size_t n = c->r_body;
    r->in_flight--;
    r->t_last = now;
    run_put_lat(r, now - c->t_send);
    long long failed = 0;
    if (c->r_status != 200) {
        report_error("PutRecords", c->r_status, b, n);
        r->n_http_err++;
        failed = c->count;
    } else {
        long long f = find_int(b, b + (n > 256 ? 256 : n), "\"FailedRecordCount\"");
        if (f < 0)
            f = find_int(b, b + n, "\"FailedRecordCount\"");
        if (f < 0) {
            report_error("PutRecords (no FailedRecordCount)", c->r_status, b, n);
            f = c->count;
        } else if (f > 0) {
            const char *v;
            size_t vn;
            if (g_n_err_printed++ < KL_MAX_ERR_PRINT && find_str(b, b + n, "\"ErrorCode\"", &v, &vn))
                fprintf(stderr, "kload: PutRecords: FailedRecordCount %lld, first ErrorCode %.*s\n", f,
                        (int)vn, v);
        }
        failed = f > c->count ? c->count : f;
    }
    r->n_failed += failed;
    r->n_ok += c->count - failed;
    if (r->ack_ns && c->batch_id < r->max_batches)
        r->ack_ns[c->batch_id] = failed ? UINT64_MAX : now; /* a failed batch is excluded */
    conn_done(c);
}

/* Issue the next GetRecords on reader c. */
static void reader_send(Run *r, Conn *c, uint64_t now)
{
    int n = snprintf(c->req, sizeof(c->req), "{\"ShardIterator\":\"%s\",\"Limit\":%d}", c->iter, opt.limit);
    if (n < 0 || (size_t)n >= sizeof(c->req))
        die("GetRecords request too long");
    if (conn_begin(c, "GetRecords", c->req, (size_t)n, now) != 0)
        die("GetRecords: cannot connect to %s: %s", opt.hostport, strerror(errno));
    if (!r->t_get_first)
        r->t_get_first = now;
}

/* Count and check the records in a GetRecords body; returns how many. */
static long long reader_scan(Run *r, const char *p, size_t n, uint64_t now)
{
    const char *end = p + n;
    long long cnt = 0;
    uint8_t h[KL_HDR_BYTES + 3]; /* base64_decoded_max(KL_HDR_B64) */
    while (p < end) {
        const char *k = memmem(p, (size_t)(end - p), "\"Data\"", 6);
        if (!k)
            break;
        const char *v = after_colon(k + 6, end);
        if (!v || v >= end || *v != '"') {
            p = k + 6;
            continue;
        }
        v++;
        cnt++;
        size_t hn = 0;
        if (end - v < KL_HDR_B64 || base64_decode(v, KL_HDR_B64, h, &hn) != 0 || hn != KL_HDR_BYTES) {
            r->n_bad++;
            p = v;
            continue;
        }
        uint64_t idx = get_be(h, 6);
        if (r->seen_ns) {
            if ((long long)idx < r->max_batches * opt.batch) {
                if (r->seen_ns[idx] == 0) {
                    r->seen_ns[idx] = now;
                    r->n_seen++;
                } else {
                    r->n_dup++;
                }
            } else {
                r->n_bad++;
            }
        } else if (r->seen_bits) {
            if ((long long)idx < r->expect) {
                uint8_t bit = (uint8_t)(1u << (idx & 7));
                if (r->seen_bits[idx >> 3] & bit) {
                    r->n_dup++;
                } else {
                    r->seen_bits[idx >> 3] |= bit;
                    r->n_seen++;
                }
            } else {
                r->n_bad++;
            }
        }
        /* Skip the rest of the base64 string: it holds no quote. */
        const char *q = memchr(v + KL_HDR_B64, '"', (size_t)(end - v - KL_HDR_B64));
        p = q ? q + 1 : end;
    }
    return cnt;
}

static void on_get_answer(Run *r, Conn *c, uint64_t now)
{
    const char *b = conn_body(c);
    size_t n = c->r_body;
    r->n_calls++;
    r->bytes_in += c->r_len;
    if (c->r_status != 200) {
        report_error("GetRecords", c->r_status, b, n);
        r->n_get_err++;
        if (memmem(b, n, "ExpiredIteratorException", 24) || memmem(b, n, "ResourceNotFoundException", 25) ||
            memmem(b, n, "InvalidArgumentException", 24)) {
            c->ended = 1; /* cannot go on with this iterator */
            r->n_ended++;
        } else {
            c->wake_ns = now + 50 * 1000000u; /* throttled or transient: retry the same iterator */
        }
        conn_done(c);
        return;
    }
    long long cnt = reader_scan(r, b, n, now);
    r->n_recs += cnt;
    c->n_read += cnt;
    if (cnt > 0) {
        r->t_get_last = now;
        r->t_progress = now;
    } else {
        r->n_empty++;
    }
    const char *v;
    size_t vn;
    if (find_str_tail(b, n, "\"NextShardIterator\"", &v, &vn) && vn > 0) {
        if (vn >= KL_ITER_MAX)
            die("GetRecords: NextShardIterator of %zu characters", vn);
        memcpy(c->iter, v, vn);
        c->iter[vn] = '\0';
        c->iter_len = vn;
        uint64_t sleep_ns = (uint64_t)opt.poll_us * 1000u;
        if (cnt > 0) {
            c->n_empty_run = 0;
            sleep_ns = 0;
        } else if (r->seen_bits && sleep_ns) {
            /* Draining (get): a shard that keeps answering empty is probably caught up; back off
             * (up to 20 ms) so it does not take the server's CPU from the shards still being read. */
            if (c->n_empty_run < 16)
                c->n_empty_run++;
            sleep_ns <<= c->n_empty_run - 1;
            if (sleep_ns > 20000000u)
                sleep_ns = 20000000u;
        }
        c->wake_ns = now + sleep_ns;
    } else {
        c->ended = 1;
        r->n_ended++;
    }
    conn_done(c);
}

static void on_conn_error(Run *r, Conn *c, uint64_t now)
{
    int was_retry = c->retried;
    const char *op = c->op;
    size_t got = c->r_len;
    conn_close(c);
    c->busy = 0;
    r->n_conn_err++;
    if (got == 0 && !was_retry) {
        /* Keep-alive race (the server closed an idle connection as we wrote): re-send once on a
         * fresh connection. The body is still intact: templates are per connection. */
        if (conn_begin(c, op, c->body, c->body_len, c->t_send) == 0) {
            c->retried = 1;
            return;
        }
    }
    if (g_n_err_printed++ < KL_MAX_ERR_PRINT)
        fprintf(stderr, "kload: %s: connection broken after %zu response bytes\n", op, got);
    if (c->role == ROLE_PUT) {
        r->in_flight--;
        r->n_failed += c->count;
        if (r->ack_ns && c->batch_id < r->max_batches)
            r->ack_ns[c->batch_id] = UINT64_MAX;
    } else {
        c->wake_ns = now + 10 * 1000000u;
    }
}

/* Mode policy hooks. */
static int run_done(Run *r, int mode, uint64_t now)
{
    if (now >= r->deadline)
        return 1;
    if (mode == MODE_PUT)
        return r->next >= r->target && r->in_flight == 0;
    if (mode == MODE_GET) {
        if (r->n_recs >= r->expect || r->n_ended == r->n_readers)
            return 1;
        return now > r->t_progress && now - r->t_progress > (uint64_t)opt.idle_ms * 1000000u;
    }
    /* latency: producer finished and every acknowledged record seen (or --idle-ms passed) */
    if (now < r->t_stop || r->in_flight > 0)
        return 0;
    if (r->n_seen >= r->n_ok)
        return 1;
    return now - r->t_stop > (uint64_t)opt.idle_ms * 1000000u;
}

static uint64_t run_tick(Run *r, int mode, uint64_t now)
{
    if (!opt.quiet && now >= r->t_report) {
        if (r->t_report) {
            if (mode == MODE_PUT)
                fprintf(stderr, "kload: put %lld/%lld records acknowledged\n", r->n_ok + r->n_failed,
                        r->target);
            else if (mode == MODE_GET)
                fprintf(stderr, "kload: get %lld/%lld records read\n", r->n_recs, r->expect);
            else
                fprintf(stderr, "kload: latency %lld records acknowledged, %lld seen\n", r->n_ok, r->n_seen);
        }
        r->t_report = now + 2000000000ull;
    }
    uint64_t next = r->t_report;
    if (mode == MODE_PUT) {
        for (int i = 0; i < r->n_conns; i++)
            if (!r->conns[i].busy && r->conns[i].role == ROLE_PUT)
                put_fill(r, &r->conns[i], now);
    } else if (mode == MODE_LAT) {
        while (now < r->t_stop && r->next_send <= now && r->n_batches < r->max_batches) {
            Conn *free_c = NULL;
            for (int i = 0; i < r->n_conns && !free_c; i++)
                if (r->conns[i].role == ROLE_PUT && !r->conns[i].busy)
                    free_c = &r->conns[i];
            if (!free_c)
                break; /* resumes when a connection frees up */
            if (now - r->next_send > r->interval_ns)
                r->n_late++; /* sent more than one interval behind schedule */
            long long first = r->n_batches * opt.batch;
            producer_send(r, free_c, first, opt.batch, now);
            r->next_send += r->interval_ns;
        }
        if (now < r->t_stop && r->next_send < next)
            next = r->next_send;
    }
    if (mode != MODE_PUT) {
        for (int i = 0; i < r->n_conns; i++) {
            Conn *c = &r->conns[i];
            if (c->role != ROLE_GET || c->busy || c->ended || !c->wake_ns)
                continue;
            if (c->wake_ns <= now) {
                c->wake_ns = 0;
                reader_send(r, c, now);
            } else if (c->wake_ns < next) {
                next = c->wake_ns;
            }
        }
    }
    return next;
}

static void run_loop(Run *r, int mode)
{
    struct pollfd *pfd = xcalloc((size_t)r->n_conns, sizeof(*pfd));
    int *map = xcalloc((size_t)r->n_conns, sizeof(int));
    for (;;) {
        uint64_t now = now_ns(); /* not earlier than any answer time recorded so far */
        uint64_t next = run_tick(r, mode, now);
        if (run_done(r, mode, now))
            break;
        int np = 0;
        for (int i = 0; i < r->n_conns; i++) {
            Conn *c = &r->conns[i];
            if (!c->busy || c->fd < 0)
                continue;
            pfd[np].fd = c->fd;
            pfd[np].events = POLLIN;
            if (c->sent < c->hdr_len + c->body_len)
                pfd[np].events |= POLLOUT;
            pfd[np].revents = 0;
            map[np++] = i;
        }
        if (next > r->deadline)
            next = r->deadline;
        now = now_ns();
        uint64_t wait = next > now ? next - now : 0;
        if (wait > 100000000u)
            wait = 100000000u; /* re-check the idle and overall limits */
        struct timespec ts = {(time_t)(wait / 1000000000u), (long)(wait % 1000000000u)};
        int n = ppoll(pfd, (nfds_t)np, &ts, NULL);
        if (n < 0 && errno != EINTR)
            die("ppoll: %s", strerror(errno));
        now = now_ns();
        if (n <= 0)
            continue;
        for (int j = 0; j < np; j++) {
            if (!pfd[j].revents)
                continue;
            Conn *c = &r->conns[map[j]];
            if ((pfd[j].revents & POLLOUT) && conn_flush(c) != 0) {
                on_conn_error(r, c, now);
                continue;
            }
            if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int rc = conn_read(c);
            if (rc == 0)
                continue;
            if (rc < 0) {
                on_conn_error(r, c, now);
                continue;
            }
            uint64_t t = now_ns(); /* the answer's arrival time: after its last byte was read */
            if (c->role == ROLE_PUT) {
                on_put_answer(r, c, t);
                if (mode == MODE_PUT)
                    put_fill(r, c, t);
            } else {
                on_get_answer(r, c, t);
            }
        }
    }
    free(pfd);
    free(map);
}

static void run_free(Run *r)
{
    for (int i = 0; i < r->n_conns; i++) {
        conn_close(&r->conns[i]);
        free(r->conns[i].rb);
    }
    free(r->conns);
    if (r->tmpl)
        for (int i = 0; i < opt.conns; i++)
            tmpl_free(&r->tmpl[i]);
    free(r->tmpl);
    tmpl_free(&r->tail);
    free(r->put_lat);
    free(r->send_ns);
    free(r->ack_ns);
    free(r->seen_ns);
    free(r->seen_bits);
}

static void print_put_latency(Run *r, const char *prefix)
{
    qsort(r->put_lat, r->n_put_lat, sizeof(uint64_t), cmp_u64);
    uint64_t p50 = pct(r->put_lat, r->n_put_lat, 0.50), p99 = pct(r->put_lat, r->n_put_lat, 0.99);
    uint64_t mx = r->n_put_lat ? r->put_lat[r->n_put_lat - 1] : 0;
    printf("%s PutRecords latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms (%zu requests)\n", prefix, p50 / 1e6,
           p99 / 1e6, mx / 1e6, r->n_put_lat);
    char name[64];
    snprintf(name, sizeof(name), "%s_req_p50_us", prefix);
    result(name, (double)(p50 / 1000));
    snprintf(name, sizeof(name), "%s_req_p99_us", prefix);
    result(name, (double)(p99 / 1000));
    snprintf(name, sizeof(name), "%s_req_max_us", prefix);
    result(name, (double)(mx / 1000));
}

/* ------------------------------------------------------------------------------------------------
 * Modes
 * ---------------------------------------------------------------------------------------------- */

static void run_producers(Run *r, int n)
{
    r->tmpl = xcalloc((size_t)n, sizeof(Tmpl));
    for (int i = 0; i < n; i++) {
        conn_init(&r->conns[i], ROLE_PUT, i);
        tmpl_build(&r->tmpl[i], opt.stream, opt.batch, opt.size);
    }
    r->rng = opt.seed ? opt.seed : 0x9E3779B97F4A7C15ULL ^ (uint64_t)getpid() ^ now_ns();
}

static int mode_put(void)
{
    Run r;
    memset(&r, 0, sizeof(r));
    Conn setup;
    conn_init(&setup, 0, 0);
    if (!opt.no_create)
        stream_create(&setup);
    conn_close(&setup);
    free(setup.rb);

    r.n_conns = opt.conns;
    r.conns = xcalloc((size_t)r.n_conns, sizeof(Conn));
    run_producers(&r, opt.conns);
    r.target = opt.records;
    r.deadline = now_ns() + (uint64_t)opt.timeout_ms * 1000000u;
    run_loop(&r, MODE_PUT);
    int timed_out = r.next < r.target || r.in_flight > 0;

    double secs = r.t_last > r.t_first ? (double)(r.t_last - r.t_first) / 1e9 : 0;
    double rps = secs > 0 ? (double)r.n_ok / secs : 0;
    double mbps = rps * opt.size / 1e6;
    printf("put: %lld records acknowledged, %lld failed, in %.2f s over %d connections (batch %d, %d bytes): "
           "%.0f records/s, %.1f MB/s payload\n",
           r.n_ok, r.n_failed, secs, opt.conns, opt.batch, opt.size, rps, mbps);
    if (r.n_http_err || r.n_conn_err || timed_out)
        printf("put: %lld non-200 answers, %lld broken connections%s\n", r.n_http_err, r.n_conn_err,
               timed_out ? ", TIMED OUT" : "");
    print_put_latency(&r, "put");
    result("put_records_per_s", (double)(long long)rps);
    result("put_mb_per_s", mbps);
    result("put_records_ok", (double)r.n_ok);
    result("put_records_failed", (double)r.n_failed + (double)(r.target - r.next));
    result("put_http_errors", (double)r.n_http_err);
    result("put_seconds", secs);
    int bad = r.n_failed > 0 || timed_out;
    run_free(&r);
    return bad ? 1 : 0;
}

static void run_readers(Run *r, int base, const ShardList *sl)
{
    for (int i = 0; i < sl->n; i++) {
        Conn *c = &r->conns[base + i];
        conn_init(c, ROLE_GET, i);
        shard_iterator(c, sl->id[i]);
        c->wake_ns = 1; /* issue at the first tick */
    }
    r->n_readers = sl->n;
}

static int mode_get(void)
{
    Run r;
    memset(&r, 0, sizeof(r));
    Conn setup;
    conn_init(&setup, 0, 0);
    ShardList *sl = xmalloc(sizeof(*sl));
    shards_list(&setup, sl);
    conn_close(&setup);
    free(setup.rb);

    r.n_conns = sl->n;
    r.conns = xcalloc((size_t)r.n_conns, sizeof(Conn));
    run_readers(&r, 0, sl);
    r.expect = opt.records;
    r.seen_bits = xcalloc((size_t)(opt.records / 8 + 1), 1);
    r.t_progress = now_ns();
    r.deadline = now_ns() + (uint64_t)opt.timeout_ms * 1000000u;
    run_loop(&r, MODE_GET);

    double secs = r.t_get_last > r.t_get_first ? (double)(r.t_get_last - r.t_get_first) / 1e9 : 0;
    double rps = secs > 0 ? (double)r.n_recs / secs : 0;
    long long missing = r.expect - r.n_seen;
    printf("get: %lld records read from %d shards in %.2f s: %.0f records/s, %.1f MB/s on the wire, "
           "%lld GetRecords calls (%lld empty)\n",
           r.n_recs, sl->n, secs, rps, secs > 0 ? (double)r.bytes_in / secs / 1e6 : 0, r.n_calls, r.n_empty);
    printf("get: check: %lld of %lld record indices seen, %lld missing, %lld duplicates, %lld foreign, "
           "%lld errors\n",
           r.n_seen, r.expect, missing, r.n_dup, r.n_bad, r.n_get_err);
    for (int i = 0; i < sl->n; i++)
        printf("get:   %s %lld records\n", sl->id[i], r.conns[i].n_read);
    result("get_records_per_s", (double)(long long)rps);
    result("get_mb_per_s", secs > 0 ? (double)r.n_recs * opt.size / secs / 1e6 : 0);
    result("get_records", (double)r.n_recs);
    result("get_missing", (double)missing);
    result("get_duplicates", (double)r.n_dup);
    result("get_errors", (double)r.n_get_err);
    result("get_seconds", secs);
    int bad = missing != 0 || r.n_dup != 0;
    free(sl);
    run_free(&r);
    return bad ? 1 : 0;
}

static int mode_latency(void)
{
    Run r;
    memset(&r, 0, sizeof(r));
    Conn setup;
    conn_init(&setup, 0, 0);
    if (!opt.no_create)
        stream_create(&setup);
    ShardList *sl = xmalloc(sizeof(*sl));
    shards_list(&setup, sl);
    conn_close(&setup);
    free(setup.rb);

    r.n_conns = opt.conns + sl->n;
    r.conns = xcalloc((size_t)r.n_conns, sizeof(Conn));
    run_producers(&r, opt.conns);
    run_readers(&r, opt.conns, sl);
    r.interval_ns = 1000000000ull / (uint64_t)opt.rate;
    r.max_batches = (long long)opt.rate * opt.duration_ms / 1000 + 16;
    r.send_ns = xcalloc((size_t)r.max_batches, sizeof(uint64_t));
    r.ack_ns = xcalloc((size_t)r.max_batches, sizeof(uint64_t));
    r.seen_ns = xcalloc((size_t)(r.max_batches * opt.batch), sizeof(uint64_t));
    /* Readers start polling first; the producer starts 200 ms later. */
    uint64_t t0 = now_ns();
    r.t_start = t0 + 200000000u;
    r.next_send = r.t_start;
    r.t_stop = r.t_start + (uint64_t)opt.duration_ms * 1000000u;
    r.t_progress = t0;
    r.deadline = r.t_stop + (uint64_t)opt.timeout_ms * 1000000u;
    run_loop(&r, MODE_LAT);

    /* Per record: from its batch's ack to the first answer that carried it. */
    long long n_rec = r.n_batches * opt.batch;
    uint64_t *ack_vis = xmalloc(sizeof(uint64_t) * (size_t)(n_rec + 1));
    uint64_t *send_vis = xmalloc(sizeof(uint64_t) * (size_t)(n_rec + 1));
    size_t na = 0, ns = 0;
    long long before_ack = 0, lost = 0;
    for (long long i = 0; i < n_rec; i++) {
        long long b = i / opt.batch;
        uint64_t ack = r.ack_ns[b], seen = r.seen_ns[i];
        if (ack == UINT64_MAX || ack == 0)
            continue; /* failed or unacknowledged put */
        if (!seen) {
            lost++;
            continue;
        }
        if (seen < ack) {
            before_ack++;
            ack_vis[na++] = 0;
        } else {
            ack_vis[na++] = seen - ack;
        }
        send_vis[ns++] = seen > r.send_ns[b] ? seen - r.send_ns[b] : 0;
    }
    qsort(ack_vis, na, sizeof(uint64_t), cmp_u64);
    qsort(send_vis, ns, sizeof(uint64_t), cmp_u64);
    uint64_t a50 = pct(ack_vis, na, 0.5), a99 = pct(ack_vis, na, 0.99), amax = na ? ack_vis[na - 1] : 0;
    uint64_t s50 = pct(send_vis, ns, 0.5), s99 = pct(send_vis, ns, 0.99), smax = ns ? send_vis[ns - 1] : 0;
    double secs = (double)opt.duration_ms / 1000.0;
    printf("latency: %lld PutRecords of %d records at %d/s target over %.1f s (%lld sent over an interval "
           "late, %d "
           "producer connections), %lld records acknowledged, %lld failed\n",
           r.n_batches, opt.batch, opt.rate, secs, r.n_late, opt.conns, r.n_ok, r.n_failed);
    printf("latency: readers: %d shards, %lld GetRecords calls (%lld empty), poll sleep %d us\n", sl->n,
           r.n_calls, r.n_empty, opt.poll_us);
    printf("latency: ack -> visible: p50 %.3f ms, p99 %.3f ms, max %.3f ms over %zu records "
           "(%lld visible before their ack, counted as 0; %lld never seen)\n",
           a50 / 1e6, a99 / 1e6, amax / 1e6, na, before_ack, lost);
    printf("latency: send -> visible: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n", s50 / 1e6, s99 / 1e6,
           smax / 1e6);
    print_put_latency(&r, "lat_put");
    result("lat_ack_to_visible_p50_us", (double)(a50 / 1000));
    result("lat_ack_to_visible_p99_us", (double)(a99 / 1000));
    result("lat_ack_to_visible_max_us", (double)(amax / 1000));
    result("lat_send_to_visible_p50_us", (double)(s50 / 1000));
    result("lat_send_to_visible_p99_us", (double)(s99 / 1000));
    result("lat_records", (double)na);
    result("lat_visible_before_ack", (double)before_ack);
    result("lat_lost", (double)lost);
    result("lat_failed", (double)r.n_failed);
    result("lat_delayed_sends", (double)r.n_late);
    int bad = lost > 0 || r.n_failed > 0;
    free(ack_vis);
    free(send_vis);
    free(sl);
    run_free(&r);
    return bad ? 1 : 0;
}

static int mode_wait(void)
{
    uint64_t deadline = now_ns() + (uint64_t)opt.timeout_ms * 1000000u;
    Conn c;
    conn_init(&c, 0, 0);
    for (;;) {
        int st = conn_call(&c, "ListStreams", "{}", 2000);
        if (st == 200)
            break;
        conn_close(&c);
        if (now_ns() > deadline) {
            free(c.rb);
            fprintf(stderr, "kload: %s did not answer ListStreams within %d ms (last: %d)\n", opt.hostport,
                    opt.timeout_ms, st);
            return 1;
        }
        struct timespec ts = {0, 50 * 1000000};
        nanosleep(&ts, NULL);
    }
    conn_close(&c);
    free(c.rb);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * main
 * ---------------------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: kload put|get|latency|wait --endpoint http://127.0.0.1:PORT [options]\n"
          "  --stream NAME       stream (default kload)\n"
          "  --shards N          shards for CreateStream (default 4)\n"
          "  --records N         put: records to write; get: records to read (default 1000000)\n"
          "  --conns N           producer connections (default put 8, latency 4)\n"
          "  --batch N           records per PutRecords (default put 500, latency 10)\n"
          "  --size N            record data bytes, >= 21 (default 100)\n"
          "  --limit N           GetRecords Limit (default 10000)\n"
          "  --duration-ms N     latency: how long the producer runs (default 5000)\n"
          "  --rate N            latency: PutRecords per second (default 1000)\n"
          "  --poll-us N         readers: sleep after an empty GetRecords (default 200; 0 = tight loop)\n"
          "  --idle-ms N         get/latency: give up after this long without progress (default 5000)\n"
          "  --timeout-ms N      overall bound (default 600000)\n"
          "  --no-create         do not CreateStream (put, latency)\n"
          "  --seed N            fixed seed for the random partition keys (repeatable runs)\n"
          "  --quiet             no progress lines\n",
          f);
}

static void parse_endpoint(const char *ep)
{
    const char *p = ep;
    if (strncmp(p, "http://", 7) == 0)
        p += 7;
    else if (strstr(p, "://"))
        die("--endpoint: only http:// is supported, got %s", ep);
    const char *colon = strrchr(p, ':');
    if (!colon)
        die("--endpoint must be http://HOST:PORT, got %s", ep);
    size_t hn = (size_t)(colon - p);
    if (hn == 0 || hn >= sizeof(opt.host))
        die("--endpoint: bad host in %s", ep);
    memcpy(opt.host, p, hn);
    opt.host[hn] = '\0';
    opt.port = atoi(colon + 1);
    if (opt.port <= 0 || opt.port > 65535)
        die("--endpoint: bad port in %s", ep);
    snprintf(opt.hostport, sizeof(opt.hostport), "%s:%d", opt.host, opt.port);
    memset(&g_addr, 0, sizeof(g_addr));
    g_addr.sin_family = AF_INET;
    g_addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &g_addr.sin_addr) != 1) {
        struct addrinfo hints, *ai = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(opt.host, NULL, &hints, &ai) != 0 || !ai)
            die("--endpoint: cannot resolve %s", opt.host);
        g_addr.sin_addr = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        freeaddrinfo(ai);
    }
}

static long long arg_num(const char *name, const char *v, long long lo, long long hi)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        die("--%s must be a number in [%lld, %lld], got '%s'", name, lo, hi, v);
    return x;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *m = argv[1];
    if (strcmp(m, "put") == 0)
        opt.mode = MODE_PUT;
    else if (strcmp(m, "get") == 0)
        opt.mode = MODE_GET;
    else if (strcmp(m, "latency") == 0)
        opt.mode = MODE_LAT;
    else if (strcmp(m, "wait") == 0)
        opt.mode = MODE_WAIT;
    else
        die("unknown mode '%s' (put, get, latency, wait)", m);

    opt.stream = "kload";
    opt.shards = 4;
    opt.records = 1000000;
    opt.conns = opt.mode == MODE_LAT ? 4 : 8;
    opt.batch = opt.mode == MODE_LAT ? 10 : 500;
    opt.size = 100;
    opt.limit = 10000;
    opt.duration_ms = 5000;
    opt.rate = 1000;
    opt.poll_us = 200;
    opt.idle_ms = 5000;
    opt.timeout_ms = 600000;
    const char *endpoint = NULL;

    enum {
        O_ENDPOINT = 256,
        O_STREAM,
        O_SHARDS,
        O_RECORDS,
        O_CONNS,
        O_BATCH,
        O_SIZE,
        O_LIMIT,
        O_DURATION,
        O_RATE,
        O_POLL,
        O_IDLE,
        O_TIMEOUT,
        O_NOCREATE,
        O_QUIET,
        O_HELP,
        O_SEED
    };
    static const struct option lo[] = {
        {"endpoint", required_argument, NULL, O_ENDPOINT},
        {"stream", required_argument, NULL, O_STREAM},
        {"shards", required_argument, NULL, O_SHARDS},
        {"records", required_argument, NULL, O_RECORDS},
        {"conns", required_argument, NULL, O_CONNS},
        {"batch", required_argument, NULL, O_BATCH},
        {"size", required_argument, NULL, O_SIZE},
        {"limit", required_argument, NULL, O_LIMIT},
        {"duration-ms", required_argument, NULL, O_DURATION},
        {"rate", required_argument, NULL, O_RATE},
        {"poll-us", required_argument, NULL, O_POLL},
        {"idle-ms", required_argument, NULL, O_IDLE},
        {"timeout-ms", required_argument, NULL, O_TIMEOUT},
        {"no-create", no_argument, NULL, O_NOCREATE},
        {"quiet", no_argument, NULL, O_QUIET},
        {"help", no_argument, NULL, O_HELP},
        {"seed", required_argument, NULL, O_SEED},
        {NULL, 0, NULL, 0},
    };
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (ch) {
        case O_ENDPOINT:
            endpoint = optarg;
            break;
        case O_STREAM:
            opt.stream = optarg;
            break;
        case O_SHARDS:
            opt.shards = (int)arg_num("shards", optarg, 1, KL_MAX_SHARDS);
            break;
        case O_RECORDS:
            opt.records = arg_num("records", optarg, 1, 1LL << 40);
            break;
        case O_CONNS:
            opt.conns = (int)arg_num("conns", optarg, 1, 1024);
            break;
        case O_BATCH:
            opt.batch = (int)arg_num("batch", optarg, 1, 500);
            break;
        case O_SIZE:
            opt.size = (int)arg_num("size", optarg, KL_HDR_BYTES, 1 << 20);
            break;
        case O_LIMIT:
            opt.limit = (int)arg_num("limit", optarg, 1, 10000);
            break;
        case O_DURATION:
            opt.duration_ms = (int)arg_num("duration-ms", optarg, 1, 3600000);
            break;
        case O_RATE:
            opt.rate = (int)arg_num("rate", optarg, 1, 1000000);
            break;
        case O_POLL:
            opt.poll_us = (int)arg_num("poll-us", optarg, 0, 10000000);
            break;
        case O_IDLE:
            opt.idle_ms = (int)arg_num("idle-ms", optarg, 1, 3600000);
            break;
        case O_TIMEOUT:
            opt.timeout_ms = (int)arg_num("timeout-ms", optarg, 1, 86400000);
            break;
        case O_NOCREATE:
            opt.no_create = 1;
            break;
        case O_QUIET:
            opt.quiet = 1;
            break;
        case O_SEED:
            opt.seed = (uint64_t)arg_num("seed", optarg, 1, INT64_MAX);
            break;
        case O_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc)
        die("unexpected argument '%s'", argv[optind]);
    if (!endpoint)
        die("--endpoint http://HOST:PORT is required");
    if (strlen(opt.stream) > 128 || strpbrk(opt.stream, "\"\\"))
        die("--stream: bad stream name");
    parse_endpoint(endpoint);
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    time_t wall = time(NULL);
    struct tm tm;
    gmtime_r(&wall, &tm);
    strftime(g_amz_date, sizeof(g_amz_date), "%Y%m%dT%H%M%SZ", &tm);

    switch (opt.mode) {
    case MODE_PUT:
        return mode_put();
    case MODE_GET:
        return mode_get();
    case MODE_LAT:
        return mode_latency();
    default:
        return mode_wait();
    }
}
