/*
 * test_http_server.c: the HTTP server end to end over real loopback sockets: src/http/http_server.c,
 * http1.c, http2.c and src/net/. The server runs on a libuv loop in its own thread (ts_* helpers; the
 * handler runs there, test code touches server state only through ts_call); clients are a blocking
 * HTTP/1.1 socket client (cli_*) and an in-process nghttp2 client session (h2c_*), plus curl when present.
 *
 * Handler routes: /echo (body and request facts back), /late/<ms> (answers from a uv_timer), /hold (kept
 * by the test), /big/<n> (n-byte body), /sum (length and checksum of the body), /stream/<k> (k streamed
 * chunks), /stream-hold (streams one chunk, then kept by the test, with an on_close callback).
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/err.h"
#include "http/http.h"

#define IO_TIMEOUT_MS 10000

static void die(const char *what)
{
    fprintf(stderr, "test_http_server: %s\n", what);
    abort();
}

static void must(int rc)
{
    if (rc)
        die("buf");
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ======================================================================== server in a thread */

typedef struct TCmd {
    void (*fn)(void *);
    void *arg;
    int done;
    struct TCmd *next;
} TCmd;

typedef struct TS {
    uv_loop_t loop;
    uv_async_t async;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    TCmd *q;
    HttpServer *srv;
    int port;
    /* loop-thread state */
    HttpExchange *held[64];
    int held_is_stream[64];
    int n_held;
    int n_requests;
    int n_on_close;
} TS;

static void ts_async_cb(uv_async_t *a)
{
    TS *ts = a->data;
    for (;;) {
        pthread_mutex_lock(&ts->mu);
        TCmd *c = ts->q;
        if (c)
            ts->q = c->next;
        pthread_mutex_unlock(&ts->mu);
        if (!c)
            return;
        c->fn(c->arg);
        pthread_mutex_lock(&ts->mu);
        c->done = 1;
        pthread_cond_broadcast(&ts->cv);
        pthread_mutex_unlock(&ts->mu);
    }
}

/* Run fn(arg) on the loop thread and wait for it. */
static void ts_call(TS *ts, void (*fn)(void *), void *arg)
{
    TCmd c = {fn, arg, 0, NULL};
    pthread_mutex_lock(&ts->mu);
    TCmd **pp = &ts->q;
    while (*pp)
        pp = &(*pp)->next;
    *pp = &c;
    pthread_mutex_unlock(&ts->mu);
    uv_async_send(&ts->async);
    pthread_mutex_lock(&ts->mu);
    while (!c.done)
        pthread_cond_wait(&ts->cv, &ts->mu);
    pthread_mutex_unlock(&ts->mu);
}

static void *ts_thread(void *arg)
{
    TS *ts = arg;
    uv_run(&ts->loop, UV_RUN_DEFAULT);
    return NULL;
}

/* ---------------------------------------------------------------- handler */

typedef struct Late {
    uv_timer_t t;
    HttpExchange *x;
} Late;

static void respond_echo(HttpExchange *x)
{
    const HttpRequest *r = http_exchange_request(x);
    char ver[8], blen[24];
    snprintf(ver, sizeof(ver), "%d", r->version);
    snprintf(blen, sizeof(blen), "%zu", r->body_len);
    const Slice *xt = http_request_header(r, "x-test");
    HttpHeader h[5] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/octet-stream")},
        {SLICE_LIT("X-Method"), r->method},
        {SLICE_LIT("X-Target"), r->target},
        {SLICE_LIT("X-Version"), slice_from_cstr(ver)},
        {SLICE_LIT("X-Body-Len"), slice_from_cstr(blen)},
    };
    HttpHeader h6[6];
    memcpy(h6, h, sizeof(h));
    size_t nh = 5;
    if (xt)
        h6[nh++] = (HttpHeader){SLICE_LIT("X-Test-Echo"), *xt};
    Buf b;
    buf_init(&b, 0);
    must(buf_append(&b, r->body, r->body_len));
    http_exchange_respond(x, 200, h6, nh, &b);
    buf_fini(&b);
}

static void late_closed_cb(uv_handle_t *h)
{
    free(h->data);
}

static void late_fire_cb(uv_timer_t *t)
{
    Late *l = t->data;
    respond_echo(l->x);
    uv_close((uv_handle_t *)&l->t, late_closed_cb);
}

static void stream_on_close_cb(void *arg)
{
    TS *ts = arg;
    ts->n_on_close++;
}

static void handler(void *arg, HttpExchange *x)
{
    TS *ts = arg;
    ts->n_requests++;
    const HttpRequest *r = http_exchange_request(x);
    char path[256];
    size_t n = r->target.n < sizeof(path) - 1 ? r->target.n : sizeof(path) - 1;
    memcpy(path, r->target.p, n);
    path[n] = '\0';
    if (strncmp(path, "/late/", 6) == 0) {
        Late *l = calloc(1, sizeof(*l));
        l->x = x;
        uv_timer_init(&ts->loop, &l->t);
        l->t.data = l;
        uv_timer_start(&l->t, late_fire_cb, (uint64_t)atoi(path + 6), 0);
    } else if (strcmp(path, "/hold") == 0) {
        ts->held[ts->n_held++] = x;
    } else if (strncmp(path, "/big/", 5) == 0) {
        size_t len = (size_t)atol(path + 5);
        Buf b;
        buf_init(&b, 0);
        must(buf_reserve(&b, len));
        for (size_t i = 0; i < len; i++)
            b.p[i] = (uint8_t)('a' + i % 26);
        b.len = len;
        b.p[len] = 0;
        http_exchange_respond(x, 200, NULL, 0, &b);
        buf_fini(&b);
    } else if (strcmp(path, "/sum") == 0) {
        uint32_t sum = 0;
        for (size_t i = 0; i < r->body_len; i++)
            sum = sum * 31 + r->body[i];
        Buf b;
        buf_init(&b, 0);
        must(buf_printf(&b, "len=%zu sum=%u", r->body_len, sum));
        http_exchange_respond(x, 200, NULL, 0, &b);
        buf_fini(&b);
    } else if (strncmp(path, "/stream/", 8) == 0) {
        int k = atoi(path + 8);
        HttpHeader h[1] = {{SLICE_LIT("Content-Type"), SLICE_LIT("text/plain")}};
        http_exchange_stream_begin(x, 200, h, 1);
        for (int i = 0; i < k; i++) {
            char line[32];
            int ln = snprintf(line, sizeof(line), "chunk-%d\n", i);
            if (http_exchange_stream_write(x, line, (size_t)ln))
                die("stream write");
        }
        http_exchange_stream_end(x);
    } else if (strcmp(path, "/stream-hold") == 0) {
        http_exchange_stream_begin(x, 200, NULL, 0);
        if (http_exchange_stream_write(x, "first\n", 6))
            die("stream write");
        http_exchange_on_close(x, stream_on_close_cb, ts);
        ts->held_is_stream[ts->n_held] = 1;
        ts->held[ts->n_held++] = x;
    } else {
        respond_echo(x);
    }
}

/* ---------------------------------------------------------------- start / stop */

typedef struct TSStart {
    TS *ts;
    HttpServerConfig cfg;
    int rc;
} TSStart;

static void ts_start_fn(void *arg)
{
    TSStart *s = arg;
    Err e;
    err_clear(&e);
    s->rc = http_server_start(&s->ts->loop, &s->cfg, &s->ts->srv, &e);
    if (!s->rc)
        s->ts->port = http_server_port(s->ts->srv);
}

static TS *ts_start(size_t max_header, size_t max_body, int idle_ms)
{
    TS *ts = calloc(1, sizeof(*ts));
    uv_loop_init(&ts->loop);
    pthread_mutex_init(&ts->mu, NULL);
    pthread_cond_init(&ts->cv, NULL);
    uv_async_init(&ts->loop, &ts->async, ts_async_cb);
    ts->async.data = ts;
    pthread_create(&ts->th, NULL, ts_thread, ts);
    TSStart s = {ts,
                 {.host = "127.0.0.1",
                  .port = 0,
                  .max_header_bytes = max_header,
                  .max_body_bytes = max_body,
                  .idle_timeout_ms = idle_ms,
                  .handler = handler,
                  .handler_arg = ts},
                 0};
    ts_call(ts, ts_start_fn, &s);
    assert_int_equal(s.rc, 0);
    assert_true(ts->port > 0);
    return ts;
}

static void ts_stop_fn(void *arg)
{
    TS *ts = arg;
    http_server_stop(&ts->srv);
    /* Whatever the test still holds is orphaned now (or about to be): answering must be safe. */
    for (int i = 0; i < ts->n_held; i++) {
        HttpExchange *x = ts->held[i];
        if (!x)
            continue;
        if (ts->held_is_stream[i])
            http_exchange_stream_end(x);
        else
            http_exchange_respond(x, 200, NULL, 0, NULL);
        ts->held[i] = NULL;
    }
    uv_close((uv_handle_t *)&ts->async, NULL);
}

static void ts_stop(TS *ts)
{
    ts_call(ts, ts_stop_fn, ts);
    pthread_join(ts->th, NULL);
    assert_int_equal(uv_loop_close(&ts->loop), 0);
    pthread_mutex_destroy(&ts->mu);
    pthread_cond_destroy(&ts->cv);
    free(ts);
}

typedef struct TSQuery {
    TS *ts;
    int n_requests, n_on_close, n_held;
    int orphaned[64];
} TSQuery;

static void ts_query_fn(void *arg)
{
    TSQuery *q = arg;
    q->n_requests = q->ts->n_requests;
    q->n_on_close = q->ts->n_on_close;
    q->n_held = q->ts->n_held;
    for (int i = 0; i < q->ts->n_held && i < 64; i++)
        q->orphaned[i] = q->ts->held[i] ? http_exchange_is_orphaned(q->ts->held[i]) : -1;
}

static TSQuery ts_query(TS *ts)
{
    TSQuery q;
    memset(&q, 0, sizeof(q));
    q.ts = ts;
    ts_call(ts, ts_query_fn, &q);
    return q;
}

/* Wait (up to ms) until held exchange i is orphaned and on_close ran at least want_close times. */
static int ts_wait_orphaned(TS *ts, int i, int want_close, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        TSQuery q = ts_query(ts);
        if (q.n_held > i && q.orphaned[i] == 1 && q.n_on_close >= want_close)
            return 1;
        usleep(5000);
    }
    return 0;
}

static int ts_wait_held(TS *ts, int n, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        if (ts_query(ts).n_held >= n)
            return 1;
        usleep(2000);
    }
    return 0;
}

/* ======================================================================== HTTP/1.1 client */

typedef struct Cli {
    int fd;
    Buf in;
} Cli;

typedef struct Resp {
    int status;
    char head[16384];
    Buf body;
} Resp;

static void cli_open(Cli *c, int port)
{
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = {IO_TIMEOUT_MS / 1000, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    buf_init(&c->in, 0);
}

static void cli_close(Cli *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    buf_fini(&c->in);
}

static int cli_send(Cli *c, const void *p, size_t n)
{
    const uint8_t *q = p;
    while (n) {
        ssize_t w = send(c->fd, q, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            return -1;
        }
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

static void cli_send_str(Cli *c, const char *s)
{
    assert_int_equal(cli_send(c, s, strlen(s)), 0);
}

/* Read more input; 0 on EOF or error (timeout included). */
static int cli_fill(Cli *c)
{
    must(buf_reserve(&c->in, 65536));
    ssize_t r = recv(c->fd, c->in.p + c->in.len, 65536, 0);
    if (r <= 0)
        return 0;
    c->in.len += (size_t)r;
    c->in.p[c->in.len] = 0;
    return 1;
}

static void cli_consume(Cli *c, size_t n)
{
    memmove(c->in.p, c->in.p + n, c->in.len - n);
    c->in.len -= n;
    if (c->in.p)
        c->in.p[c->in.len] = 0;
}

/* Value of header name in a response head (case-insensitive), or NULL. */
static const char *resp_header(const Resp *r, const char *name, char *out, size_t out_n)
{
    size_t nl = strlen(name);
    const char *p = strstr(r->head, "\r\n");
    while (p && p[2] && !(p[2] == '\r')) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            const char *e = strstr(v, "\r\n");
            size_t n = (size_t)(e - v) < out_n - 1 ? (size_t)(e - v) : out_n - 1;
            memcpy(out, v, n);
            out[n] = 0;
            return out;
        }
        p = strstr(line, "\r\n");
    }
    return NULL;
}

/* Read one response (a 100 Continue counts as one). Returns 0, or -1 on EOF/timeout first. */
static int cli_read_resp_ex(Cli *c, Resp *r, int is_head)
{
    memset(r, 0, sizeof(*r));
    buf_init(&r->body, 0);
    char *e;
    while (!c->in.p || !(e = memmem(c->in.p, c->in.len, "\r\n\r\n", 4)))
        if (!cli_fill(c))
            return -1;
    size_t hl = (size_t)(e - (char *)c->in.p) + 4;
    if (hl >= sizeof(r->head))
        die("response head too long");
    memcpy(r->head, c->in.p, hl);
    r->head[hl] = 0;
    cli_consume(c, hl);
    if (sscanf(r->head, "HTTP/1.1 %d", &r->status) != 1)
        die("bad status line");
    if (r->status < 200 || r->status == 204 || r->status == 304 || is_head)
        return 0;
    char v[64];
    if (resp_header(r, "Content-Length", v, sizeof(v))) {
        size_t len = (size_t)atol(v);
        while (c->in.len < len)
            if (!cli_fill(c))
                return -1;
        must(buf_append(&r->body, c->in.p, len));
        cli_consume(c, len);
        return 0;
    }
    if (resp_header(r, "Transfer-Encoding", v, sizeof(v))) {
        for (;;) {
            char *nl;
            while (!c->in.p || !(nl = memmem(c->in.p, c->in.len, "\r\n", 2)))
                if (!cli_fill(c))
                    return -1;
            size_t sz = strtoul((char *)c->in.p, NULL, 16);
            cli_consume(c, (size_t)(nl - (char *)c->in.p) + 2);
            while (c->in.len < sz + 2)
                if (!cli_fill(c))
                    return -1;
            must(buf_append(&r->body, c->in.p, sz));
            if (memcmp(c->in.p + sz, "\r\n", 2) != 0)
                die("bad chunk");
            cli_consume(c, sz + 2);
            if (sz == 0)
                return 0;
        }
    }
    /* Close-delimited. */
    while (cli_fill(c))
        ;
    must(buf_append(&r->body, c->in.p, c->in.len));
    cli_consume(c, c->in.len);
    return 0;
}

static int cli_read_resp(Cli *c, Resp *r)
{
    return cli_read_resp_ex(c, r, 0);
}

static void resp_fini(Resp *r)
{
    buf_fini(&r->body);
}

/* 1 if the server closes the connection (EOF or reset) within ms. */
static int cli_wait_eof(Cli *c, int ms)
{
    struct pollfd pf = {c->fd, POLLIN, 0};
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        if (poll(&pf, 1, 50) <= 0)
            continue;
        char b[4096];
        ssize_t r = recv(c->fd, b, sizeof(b), MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return 1;
    }
    return 0;
}

/* ======================================================================== HTTP/2 client (nghttp2) */

typedef struct H2Res {
    int32_t id;
    int status;
    Buf hdrs;
    Buf body;
    int closed;
    uint32_t err;
    const uint8_t *up;
    size_t up_len, up_off;
} H2Res;

typedef struct H2C {
    int fd;
    nghttp2_session *ng;
    H2Res res[128];
    int n_res;
    int split_preface;
    size_t sent;
    int is_goaway;
    int is_eof;
} H2C;

static H2Res *h2c_find(H2C *c, int32_t id)
{
    for (int i = 0; i < c->n_res; i++)
        if (c->res[i].id == id)
            return &c->res[i];
    return NULL;
}

static ssize_t h2c_send_cb(nghttp2_session *ng, const uint8_t *data, size_t len, int flags, void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2C *c = ud;
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (c->split_preface && c->sent < 24)
            n = 1; /* dribble the preface to exercise detection across reads */
        ssize_t w = send(c->fd, data + off, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return NGHTTP2_ERR_CALLBACK_FAILURE;
        off += (size_t)w;
        c->sent += (size_t)w;
        if (c->split_preface && c->sent <= 24)
            usleep(1000);
    }
    return (ssize_t)len;
}

static int h2c_on_header_cb(nghttp2_session *ng, const nghttp2_frame *frame, const uint8_t *name,
                            size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2Res *r = h2c_find(ud, frame->hd.stream_id);
    if (!r)
        return 0;
    if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
        r->status = atoi((const char *)value);
        return 0;
    }
    must(buf_append(&r->hdrs, name, namelen));
    must(buf_append(&r->hdrs, ": ", 2));
    must(buf_append(&r->hdrs, value, valuelen));
    must(buf_append(&r->hdrs, "\n", 1));
    return 0;
}

static int h2c_on_data_cb(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
                          void *ud)
{
    UNUSED(ng);
    UNUSED(flags);
    H2Res *r = h2c_find(ud, id);
    if (r)
        must(buf_append(&r->body, data, len));
    return 0;
}

static int h2c_on_close_cb(nghttp2_session *ng, int32_t id, uint32_t err, void *ud)
{
    UNUSED(ng);
    H2Res *r = h2c_find(ud, id);
    if (r) {
        r->closed = 1;
        r->err = err;
    }
    return 0;
}

static int h2c_on_frame_recv_cb(nghttp2_session *ng, const nghttp2_frame *frame, void *ud)
{
    UNUSED(ng);
    H2C *c = ud;
    if (frame->hd.type == NGHTTP2_GOAWAY)
        c->is_goaway = 1;
    return 0;
}

static ssize_t h2c_read_cb(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t length, uint32_t *flags,
                           nghttp2_data_source *source, void *ud)
{
    UNUSED(ng);
    UNUSED(id);
    UNUSED(ud);
    H2Res *r = source->ptr;
    size_t n = r->up_len - r->up_off;
    if (n > length)
        n = length;
    memcpy(buf, r->up + r->up_off, n);
    r->up_off += n;
    if (r->up_off == r->up_len)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)n;
}

/* window 0: keep nghttp2's default 64 KiB windows (as a cautious client would). */
static void h2c_open_ex(H2C *c, int port, int split_preface, int window)
{
    memset(c, 0, sizeof(*c));
    Cli tmp;
    cli_open(&tmp, port);
    c->fd = tmp.fd;
    buf_fini(&tmp.in);
    c->split_preface = split_preface;
    nghttp2_session_callbacks *cbs;
    nghttp2_session_callbacks_new(&cbs);
    nghttp2_session_callbacks_set_send_callback(cbs, h2c_send_cb);
    nghttp2_session_callbacks_set_on_header_callback(cbs, h2c_on_header_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, h2c_on_data_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, h2c_on_close_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, h2c_on_frame_recv_cb);
    assert_int_equal(nghttp2_session_client_new(&c->ng, cbs, c), 0);
    nghttp2_session_callbacks_del(cbs);
    nghttp2_settings_entry iv[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                   {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)window}};
    assert_int_equal(nghttp2_submit_settings(c->ng, NGHTTP2_FLAG_NONE, iv, window ? 2 : 1), 0);
    if (window)
        assert_int_equal(nghttp2_session_set_local_window_size(c->ng, NGHTTP2_FLAG_NONE, 0, window), 0);
}

static void h2c_open(H2C *c, int port, int split_preface)
{
    h2c_open_ex(c, port, split_preface, 16 << 20);
}

static void h2c_close(H2C *c)
{
    nghttp2_session_del(c->ng);
    for (int i = 0; i < c->n_res; i++) {
        buf_fini(&c->res[i].hdrs);
        buf_fini(&c->res[i].body);
    }
    if (c->fd >= 0)
        close(c->fd);
}

/* Submit a request; returns its index in c->res. body may be NULL. */
static int h2c_request(H2C *c, const char *method, const char *path, const void *body, size_t len)
{
    H2Res *r = &c->res[c->n_res];
    memset(r, 0, sizeof(*r));
    buf_init(&r->hdrs, 0);
    buf_init(&r->body, 0);
    r->up = body;
    r->up_len = len;
    char cl[24];
    snprintf(cl, sizeof(cl), "%zu", len);
#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), NGHTTP2_NV_FLAG_NONE}
    nghttp2_nv nva[] = {NV(":method", method), NV(":scheme", "http"), NV(":authority", "localhost"),
                        NV(":path", path),     NV("x-test", "h2"),    NV("content-length", cl)};
#undef NV
    nghttp2_data_provider prd = {.source.ptr = r, .read_callback = h2c_read_cb};
    int32_t id = nghttp2_submit_request(c->ng, NULL, nva, body ? 6 : 5, body ? &prd : NULL, NULL);
    assert_true(id > 0);
    r->id = id;
    return c->n_res++;
}

static int h2c_all_closed(H2C *c)
{
    for (int i = 0; i < c->n_res; i++)
        if (!c->res[i].closed)
            return 0;
    return 1;
}

/* Pump the session until every stream closed (returns 0), or EOF/timeout (-1). */
static int h2c_run(H2C *c, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    static uint8_t buf[65536];
    while (now_ms() < end) {
        if (nghttp2_session_send(c->ng) != 0)
            return -1;
        if (h2c_all_closed(c))
            return 0;
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
        if (r <= 0) {
            c->is_eof = 1;
            return h2c_all_closed(c) ? 0 : -1;
        }
        if (nghttp2_session_mem_recv(c->ng, buf, (size_t)r) < 0)
            return -1;
    }
    return -1;
}

/* Pump until the server closes the connection (1) or ms pass (0). */
static int h2c_wait_eof(H2C *c, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    static uint8_t buf[65536];
    while (now_ms() < end) {
        (void)nghttp2_session_send(c->ng);
        struct pollfd pf = {c->fd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
        if (r <= 0)
            return 1;
        (void)nghttp2_session_mem_recv(c->ng, buf, (size_t)r);
    }
    return 0;
}

/* ======================================================================== tests: HTTP/1.1 */

static void test_get_post(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /echo?a=1 HTTP/1.1\r\nHost: x\r\nX-Test: hi\r\n\r\n");
    Resp r;
    char v[128];
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(resp_header(&r, "X-Method", v, sizeof(v)), "GET");
    assert_string_equal(resp_header(&r, "X-Target", v, sizeof(v)), "/echo?a=1");
    assert_string_equal(resp_header(&r, "X-Test-Echo", v, sizeof(v)), "hi");
    assert_string_equal(resp_header(&r, "Content-Length", v, sizeof(v)), "0");
    assert_non_null(resp_header(&r, "Date", v, sizeof(v)));
    assert_null(resp_header(&r, "Connection", v, sizeof(v)));
    resp_fini(&r);
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 11);
    assert_memory_equal(r.body.p, "hello world", 11);
    assert_string_equal(resp_header(&r, "X-Body-Len", v, sizeof(v)), "11");
    resp_fini(&r);
    /* HEAD: Content-Length of the would-be body, no body bytes; the connection stays usable. */
    cli_send_str(&c, "HEAD /big/1000 HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\n");
    assert_int_equal(cli_read_resp_ex(&c, &r, 1), 0);
    assert_string_equal(resp_header(&r, "Content-Length", v, sizeof(v)), "1000");
    resp_fini(&r);
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(c.in.len, 0);
    resp_fini(&r);
    cli_close(&c);
    ts_stop(ts);
}

static void test_keepalive(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    for (int i = 0; i < 20; i++) {
        char req[256], body[32];
        int bn = snprintf(body, sizeof(body), "body-%d", i);
        snprintf(req, sizeof(req), "POST /echo/%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", i, bn,
                 body);
        cli_send_str(&c, req);
        Resp r;
        assert_int_equal(cli_read_resp(&c, &r), 0);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body.len, (size_t)bn);
        assert_memory_equal(r.body.p, body, (size_t)bn);
        resp_fini(&r);
    }
    cli_send_str(&c, "GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
    Resp r;
    char v[64];
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "close");
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    /* HTTP/1.0 defaults to close; with keep-alive it stays open. */
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "keep-alive");
    resp_fini(&r);
    cli_send_str(&c, "GET /echo HTTP/1.0\r\n\r\n");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "close");
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    assert_int_equal(ts_query(ts).n_requests, 23);
    ts_stop(ts);
}

static void test_pipelined_order(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    /* The first request is answered late (uv_timer); the rest must wait and come out in order. */
    cli_send_str(&c, "POST /late/150 HTTP/1.1\r\nContent-Length: 3\r\n\r\none"
                     "GET /echo/2 HTTP/1.1\r\n\r\n"
                     "POST /late/10 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthree\r\n0\r\n\r\n"
                     "GET /echo/4 HTTP/1.1\r\n\r\n"
                     "GET /echo/5 HTTP/1.1\r\nConnection: close\r\n\r\n");
    const char *want[] = {"/late/150", "/echo/2", "/late/10", "/echo/4", "/echo/5"};
    for (int i = 0; i < 5; i++) {
        Resp r;
        char v[64];
        assert_int_equal(cli_read_resp(&c, &r), 0);
        assert_int_equal(r.status, 200);
        assert_string_equal(resp_header(&r, "X-Target", v, sizeof(v)), want[i]);
        if (i == 0)
            assert_memory_equal(r.body.p, "one", 3);
        if (i == 2)
            assert_memory_equal(r.body.p, "three", 5);
        resp_fini(&r);
    }
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    /* Many small pipelined requests in one write. */
    cli_open(&c, ts->port);
    Buf all;
    buf_init(&all, 0);
    for (int i = 0; i < 200; i++)
        must(buf_printf(&all, "GET /echo/%d HTTP/1.1\r\n\r\n", i));
    assert_int_equal(cli_send(&c, all.p, all.len), 0);
    buf_fini(&all);
    for (int i = 0; i < 200; i++) {
        Resp r;
        char v[64], w[32];
        assert_int_equal(cli_read_resp(&c, &r), 0);
        snprintf(w, sizeof(w), "/echo/%d", i);
        assert_string_equal(resp_header(&r, "X-Target", v, sizeof(v)), w);
        resp_fini(&r);
    }
    cli_close(&c);
    ts_stop(ts);
}

static void test_chunked_request(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n");
    usleep(20000);
    cli_send_str(&c, "5;name=v\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n");
    Resp r;
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 23);
    assert_memory_equal(r.body.p, "Wikipedia in\r\n\r\nchunks.", 23);
    resp_fini(&r);
    /* Bad chunk size: 400 and close. */
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 400);
    char v[64];
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "close");
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    ts_stop(ts);
}

static void test_expect_continue(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    Resp r;
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 100);
    resp_fini(&r);
    assert_int_equal(c.in.len, 0);
    cli_send_str(&c, "data");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body.p, "data", 4);
    resp_fini(&r);
    cli_close(&c);
    ts_stop(ts);
}

static void test_oversized_header(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(1024, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 40; i++)
        cli_send_str(&c, "X-Filler: 01234567890123456789012345678901234567890123456789\r\n");
    Resp r;
    char v[64];
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 431);
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "close");
    assert_string_equal(resp_header(&r, "Content-Type", v, sizeof(v)), "text/plain; charset=utf-8");
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 3000));
    cli_close(&c);
    ts_stop(ts);
}

static void test_oversized_body(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 1000, 0);
    Cli c;
    cli_open(&c, ts->port);
    /* Only the headers are sent: the 413 must come before any body byte. */
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nContent-Length: 5000\r\n\r\n");
    Resp r;
    char v[64];
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 413);
    assert_string_equal(resp_header(&r, "Connection", v, sizeof(v)), "close");
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 3000));
    cli_close(&c);
    /* A client that pushes the whole body anyway still gets the 413 (the server drains while closing). */
    cli_open(&c, ts->port);
    static char big[200000];
    memset(big, 'b', sizeof(big));
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nContent-Length: 200000\r\n\r\n");
    assert_int_equal(cli_send(&c, big, sizeof(big)), 0);
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 413);
    resp_fini(&r);
    cli_close(&c);
    /* Chunked over the limit. */
    cli_open(&c, ts->port);
    cli_send_str(&c, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3E8\r\n");
    assert_int_equal(cli_send(&c, big, 1000), 0);
    cli_send_str(&c, "\r\n1\r\n");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 413);
    resp_fini(&r);
    cli_close(&c);
    ts_stop(ts);
}

static void test_malformed_and_garbage(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    const char *bad[] = {
        "GET\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 12abc\r\n\r\n",
        "\x01\x02\x03\xff\xfe garbage \x7f\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Cli c;
        cli_open(&c, ts->port);
        cli_send_str(&c, bad[i]);
        Resp r;
        assert_int_equal(cli_read_resp(&c, &r), 0);
        assert_int_equal(r.status, 400);
        resp_fini(&r);
        assert_true(cli_wait_eof(&c, 3000));
        cli_close(&c);
    }
    /* Random binary junk (no CRLFCRLF) until the header limit, then a valid client is still served. */
    Cli c;
    cli_open(&c, ts->port);
    uint8_t junk[4096];
    unsigned seed = 7;
    for (size_t i = 0; i < sizeof(junk); i++) {
        seed = seed * 1103515245u + 12345u;
        junk[i] = (uint8_t)(seed >> 16);
    }
    (void)cli_send(&c, junk, sizeof(junk));
    cli_close(&c);
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /echo HTTP/1.1\r\n\r\n");
    Resp r;
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    resp_fini(&r);
    cli_close(&c);
    ts_stop(ts);
}

static void test_half_request_then_close(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    const char *halves[] = {
        "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc", "GET /echo HTTP/1.1\r\nHo",
        "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab", "PRI * HTTP/2.0\r\n"};
    for (size_t i = 0; i < sizeof(halves) / sizeof(halves[0]); i++) {
        Cli c;
        cli_open(&c, ts->port);
        cli_send_str(&c, halves[i]);
        usleep(10000);
        cli_close(&c);
        /* The server is still up and serves the next client. */
        cli_open(&c, ts->port);
        cli_send_str(&c, "GET /echo HTTP/1.1\r\n\r\n");
        Resp r;
        assert_int_equal(cli_read_resp(&c, &r), 0);
        assert_int_equal(r.status, 200);
        resp_fini(&r);
        cli_close(&c);
    }
    /* A client that half-closes after its request: answered if the handler answers at once... */
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /echo HTTP/1.1\r\n\r\nGET /echo/2 HTTP/1.1\r\n\r\n");
    shutdown(c.fd, SHUT_WR);
    Resp r;
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    resp_fini(&r);
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    resp_fini(&r);
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    /* ...but FIN while a request is with the handler counts as the peer going away. */
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /late/100 HTTP/1.1\r\n\r\n");
    usleep(20000);
    shutdown(c.fd, SHUT_WR);
    assert_true(cli_wait_eof(&c, 2000));
    cli_close(&c);
    ts_stop(ts);
}

static void test_idle_timeout(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 300);
    Cli a, b, k, h;
    cli_open(&a, ts->port); /* says nothing */
    cli_open(&b, ts->port); /* stuck mid-request */
    cli_send_str(&b, "GET /echo HTTP/1.1\r\nHost:");
    cli_open(&k, ts->port); /* idle after a keep-alive response */
    cli_send_str(&k, "GET /echo HTTP/1.1\r\n\r\n");
    Resp r;
    assert_int_equal(cli_read_resp(&k, &r), 0);
    resp_fini(&r);
    cli_open(&h, ts->port); /* request with the handler for longer than the idle timeout: not closed */
    cli_send_str(&h, "GET /late/700 HTTP/1.1\r\n\r\n");
    H2C h2; /* HTTP/2: GOAWAY, then close */
    h2c_open(&h2, ts->port, 0);
    h2c_request(&h2, "GET", "/echo", NULL, 0);
    assert_int_equal(h2c_run(&h2, IO_TIMEOUT_MS), 0);
    assert_int_equal(h2.is_goaway, 0);
    uint64_t t0 = now_ms();
    assert_true(cli_wait_eof(&a, 3000));
    assert_true(cli_wait_eof(&b, 3000));
    assert_true(cli_wait_eof(&k, 3000));
    uint64_t dt = now_ms() - t0;
    assert_true(dt >= 200 && dt < 2500);
    assert_true(h2c_wait_eof(&h2, 3000));
    assert_int_equal(h2.is_goaway, 1);
    h2c_close(&h2);
    assert_int_equal(cli_read_resp(&h, &r), 0);
    assert_int_equal(r.status, 200);
    resp_fini(&r);
    cli_close(&a);
    cli_close(&b);
    cli_close(&k);
    cli_close(&h);
    ts_stop(ts);
}

static void test_large_h1(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    /* 10 MB response. */
    cli_send_str(&c, "GET /big/10000000 HTTP/1.1\r\n\r\n");
    Resp r;
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, 10000000);
    for (size_t i = 0; i < r.body.len; i += 9973)
        assert_int_equal(r.body.p[i], 'a' + i % 26);
    resp_fini(&r);
    /* 6 MB upload. */
    size_t n = 6000000;
    uint8_t *up = malloc(n);
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        up[i] = (uint8_t)(i * 7 + 3);
        sum = sum * 31 + up[i];
    }
    char head[128], want[64];
    snprintf(head, sizeof(head), "POST /sum HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", n);
    cli_send_str(&c, head);
    assert_int_equal(cli_send(&c, up, n), 0);
    assert_int_equal(cli_read_resp(&c, &r), 0);
    snprintf(want, sizeof(want), "len=%zu sum=%u", n, sum);
    assert_int_equal(r.body.len, strlen(want));
    assert_memory_equal(r.body.p, want, strlen(want));
    resp_fini(&r);
    free(up);
    cli_close(&c);
    ts_stop(ts);
}

static void test_many_connections(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    enum { N = 1000 };
    Cli *cs = calloc(N, sizeof(Cli));
    for (int i = 0; i < N; i++)
        cli_open(&cs[i], ts->port);
    for (int i = 0; i < N; i++) {
        char req[64];
        snprintf(req, sizeof(req), "GET /echo/%d HTTP/1.1\r\n\r\n", i);
        cli_send_str(&cs[i], req);
    }
    for (int i = 0; i < N; i++) {
        Resp r;
        char v[64], w[32];
        assert_int_equal(cli_read_resp(&cs[i], &r), 0);
        snprintf(w, sizeof(w), "/echo/%d", i);
        assert_string_equal(resp_header(&r, "X-Target", v, sizeof(v)), w);
        resp_fini(&r);
    }
    for (int i = 0; i < N; i++)
        cli_close(&cs[i]);
    free(cs);
    ts_stop(ts);
}

/* ---------------------------------------------------------------- streaming and orphans, HTTP/1.1 */

static void test_stream_h1(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /stream/5 HTTP/1.1\r\n\r\nGET /echo HTTP/1.1\r\n\r\n");
    Resp r;
    char v[64];
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_string_equal(resp_header(&r, "Transfer-Encoding", v, sizeof(v)), "chunked");
    assert_null(resp_header(&r, "Content-Length", v, sizeof(v)));
    const char *want = "chunk-0\nchunk-1\nchunk-2\nchunk-3\nchunk-4\n";
    assert_int_equal(r.body.len, strlen(want));
    assert_memory_equal(r.body.p, want, strlen(want));
    resp_fini(&r);
    assert_int_equal(cli_read_resp(&c, &r), 0); /* keep-alive continues after a streamed answer */
    assert_int_equal(r.status, 200);
    resp_fini(&r);
    cli_close(&c);
    /* HTTP/1.0: no chunked coding, close-delimited. */
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /stream/2 HTTP/1.0\r\n\r\n");
    assert_int_equal(cli_read_resp(&c, &r), 0);
    assert_null(resp_header(&r, "Transfer-Encoding", v, sizeof(v)));
    assert_int_equal(r.body.len, 16);
    resp_fini(&r);
    cli_close(&c);
    ts_stop(ts);
}

typedef struct HeldOp {
    TS *ts;
    int i;
    int rc;
} HeldOp;

static void held_write_fn(void *arg)
{
    HeldOp *op = arg;
    op->rc = http_exchange_stream_write(op->ts->held[op->i], "more\n", 5);
}

static void held_end_fn(void *arg)
{
    HeldOp *op = arg;
    http_exchange_stream_end(op->ts->held[op->i]);
    op->ts->held[op->i] = NULL;
}

static void held_respond_fn(void *arg)
{
    HeldOp *op = arg;
    Buf b;
    buf_init(&b, 0);
    must(buf_append_cstr(&b, "late answer"));
    http_exchange_respond(op->ts->held[op->i], 200, NULL, 0, &b);
    buf_fini(&b);
    op->ts->held[op->i] = NULL;
}

static void test_stream_peer_gone_h1(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /stream-hold HTTP/1.1\r\n\r\n");
    assert_true(ts_wait_held(ts, 1, 3000));
    HeldOp op = {ts, 0, 0};
    ts_call(ts, held_write_fn, &op);
    assert_int_equal(op.rc, 0);
    /* Read the head and the first chunks, then go away. */
    char buf[512];
    size_t got = 0;
    while (!memmem(buf, got, "more\n", 5)) {
        ssize_t n = recv(c.fd, buf + got, sizeof(buf) - got, 0);
        assert_true(n > 0);
        got += (size_t)n;
    }
    cli_close(&c);
    assert_true(ts_wait_orphaned(ts, 0, 1, 3000));
    ts_call(ts, held_write_fn, &op);
    assert_int_equal(op.rc, WEIR_EPROTO);
    ts_call(ts, held_end_fn, &op);
    assert_int_equal(ts_query(ts).n_on_close, 1);
    ts_stop(ts);
}

static void test_orphan_h1(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    Cli c;
    cli_open(&c, ts->port);
    cli_send_str(&c, "POST /hold HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
    assert_true(ts_wait_held(ts, 1, 3000));
    cli_close(&c);
    assert_true(ts_wait_orphaned(ts, 0, 0, 3000));
    HeldOp op = {ts, 0, 0};
    ts_call(ts, held_respond_fn, &op); /* discarded and freed; ASan/LSan would flag misuse */
    /* A held exchange outliving http_server_stop: ts_stop answers it after the stop. */
    cli_open(&c, ts->port);
    cli_send_str(&c, "GET /hold HTTP/1.1\r\n\r\n");
    assert_true(ts_wait_held(ts, 2, 3000));
    ts_stop(ts);
    cli_close(&c);
}

/* ======================================================================== tests: HTTP/2 */

static void test_h2_basic(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    for (int split = 0; split < 2; split++) {
        H2C c;
        h2c_open(&c, ts->port, split);
        int a = h2c_request(&c, "POST", "/echo?x=1", "hello h2", 8);
        int b = h2c_request(&c, "GET", "/echo", NULL, 0);
        assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
        assert_int_equal(c.res[a].status, 200);
        assert_int_equal(c.res[a].body.len, 8);
        assert_memory_equal(c.res[a].body.p, "hello h2", 8);
        assert_non_null(strstr((char *)c.res[a].hdrs.p, "x-method: POST\n"));
        assert_non_null(strstr((char *)c.res[a].hdrs.p, "x-target: /echo?x=1\n"));
        assert_non_null(strstr((char *)c.res[a].hdrs.p, "x-version: 20\n"));
        assert_non_null(strstr((char *)c.res[a].hdrs.p, "x-test-echo: h2\n"));
        assert_non_null(strstr((char *)c.res[a].hdrs.p, "content-length: 8\n"));
        assert_int_equal(c.res[b].status, 200);
        assert_int_equal(c.res[b].body.len, 0);
        h2c_close(&c);
    }
    ts_stop(ts);
}

static void test_h2_concurrent(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    H2C c;
    h2c_open(&c, ts->port, 0);
    char paths[60][32], bodies[60][32];
    int idx[60];
    for (int i = 0; i < 60; i++) {
        snprintf(paths[i], sizeof(paths[i]), i % 3 == 0 ? "/late/%d" : "/echo/%d", i % 3 == 0 ? 100 - i : i);
        int bn = snprintf(bodies[i], sizeof(bodies[i]), "stream body %d", i);
        idx[i] = h2c_request(&c, "POST", paths[i], bodies[i], (size_t)bn);
    }
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    for (int i = 0; i < 60; i++) {
        H2Res *r = &c.res[idx[i]];
        assert_int_equal(r->status, 200);
        assert_int_equal(r->body.len, strlen(bodies[i]));
        assert_memory_equal(r->body.p, bodies[i], r->body.len);
        char want[64];
        snprintf(want, sizeof(want), "x-target: %s\n", paths[i]);
        assert_non_null(strstr((char *)r->hdrs.p, want));
    }
    h2c_close(&c);
    ts_stop(ts);
}

static void test_h2_large(void **state)
{
    UNUSED(state);
    static uint8_t up2[300000];
    TS *ts = ts_start(0, 0, 0);
    H2C c;
    h2c_open(&c, ts->port, 0);
    size_t n = 6000000;
    uint8_t *up = malloc(n);
    uint32_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        up[i] = (uint8_t)(i * 13 + 1);
        sum = sum * 31 + up[i];
    }
    int a = h2c_request(&c, "POST", "/sum", up, n);
    int b = h2c_request(&c, "GET", "/big/7000000", NULL, 0);
    uint64_t t0 = now_ms();
    assert_int_equal(h2c_run(&c, 20000), 0);
    uint64_t dt = now_ms() - t0;
    char want[64];
    snprintf(want, sizeof(want), "len=%zu sum=%u", n, sum);
    assert_int_equal(c.res[a].status, 200);
    assert_int_equal(c.res[a].body.len, strlen(want));
    assert_memory_equal(c.res[a].body.p, want, strlen(want));
    assert_int_equal(c.res[b].status, 200);
    assert_int_equal(c.res[b].body.len, 7000000);
    for (size_t i = 0; i < 7000000; i += 7919)
        assert_int_equal(c.res[b].body.p[i], 'a' + i % 26);
    assert_true(dt < 10000);
    free(up);
    h2c_close(&c);
    /* Default 64 KiB client windows: the server must resume on each WINDOW_UPDATE. */
    h2c_open_ex(&c, ts->port, 0, 0);
    a = h2c_request(&c, "GET", "/big/2000000", NULL, 0);
    b = h2c_request(&c, "POST", "/sum", up2, sizeof(up2));
    assert_int_equal(h2c_run(&c, 20000), 0);
    assert_int_equal(c.res[a].status, 200);
    assert_int_equal(c.res[a].body.len, 2000000);
    assert_int_equal(c.res[b].status, 200);
    assert_memory_equal(c.res[b].body.p, "len=300000 ", 11);
    h2c_close(&c);
    ts_stop(ts);
}

static void test_h2_limits(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 1000, 0);
    H2C c;
    h2c_open(&c, ts->port, 0);
    static uint8_t big[5000];
    memset(big, 'q', sizeof(big));
    int a = h2c_request(&c, "POST", "/echo", big, sizeof(big));
    int b = h2c_request(&c, "POST", "/echo", big, 1000);
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    assert_int_equal(c.res[a].status, 413);
    assert_int_equal(c.res[b].status, 200);
    assert_int_equal(c.res[b].body.len, 1000);
    /* The connection is still fine afterwards. */
    int d = h2c_request(&c, "GET", "/echo", NULL, 0);
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    assert_int_equal(c.res[d].status, 200);
    h2c_close(&c);
    /* Garbage after a valid preface: GOAWAY, then close. */
    Cli raw;
    cli_open(&raw, ts->port);
    cli_send_str(&raw, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nthis is not a settings frame at all.....");
    assert_true(cli_wait_eof(&raw, 3000));
    cli_close(&raw);
    ts_stop(ts);
}

static void test_stream_h2(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    H2C c;
    h2c_open(&c, ts->port, 0);
    int a = h2c_request(&c, "GET", "/stream/50", NULL, 0);
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    assert_int_equal(c.res[a].status, 200);
    Buf want;
    buf_init(&want, 0);
    for (int i = 0; i < 50; i++)
        must(buf_printf(&want, "chunk-%d\n", i));
    assert_int_equal(c.res[a].body.len, want.len);
    assert_memory_equal(c.res[a].body.p, want.p, want.len);
    assert_null(strstr((char *)c.res[a].hdrs.p, "content-length"));
    buf_fini(&want);
    h2c_close(&c);
    ts_stop(ts);
}

static void test_stream_peer_gone_h2(void **state)
{
    UNUSED(state);
    TS *ts = ts_start(0, 0, 0);
    /* 1: the client resets the stream; the connection lives on. */
    H2C c;
    h2c_open(&c, ts->port, 0);
    int a = h2c_request(&c, "GET", "/stream-hold", NULL, 0);
    assert_int_equal(h2c_run(&c, 300), -1); /* stream stays open */
    assert_true(ts_wait_held(ts, 1, 3000));
    HeldOp op = {ts, 0, 0};
    ts_call(ts, held_write_fn, &op);
    assert_int_equal(op.rc, 0);
    uint64_t end = now_ms() + 3000;
    while (now_ms() < end &&
           !memmem(c.res[a].body.p ? (char *)c.res[a].body.p : "", c.res[a].body.len, "more", 4))
        (void)h2c_run(&c, 50);
    assert_non_null(memmem(c.res[a].body.p, c.res[a].body.len, "first\nmore\n", 11));
    nghttp2_submit_rst_stream(c.ng, NGHTTP2_FLAG_NONE, c.res[a].id, NGHTTP2_CANCEL);
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    assert_true(ts_wait_orphaned(ts, 0, 1, 3000));
    ts_call(ts, held_write_fn, &op);
    assert_int_equal(op.rc, WEIR_EPROTO);
    ts_call(ts, held_end_fn, &op);
    int b = h2c_request(&c, "GET", "/echo", NULL, 0);
    assert_int_equal(h2c_run(&c, IO_TIMEOUT_MS), 0);
    assert_int_equal(c.res[b].status, 200);
    /* 2: the whole connection goes away under a streaming answer and a held request. */
    h2c_request(&c, "GET", "/stream-hold", NULL, 0);
    h2c_request(&c, "POST", "/hold", "x", 1);
    (void)h2c_run(&c, 200);
    assert_true(ts_wait_held(ts, 3, 3000));
    h2c_close(&c);
    assert_true(ts_wait_orphaned(ts, 1, 2, 3000));
    assert_true(ts_wait_orphaned(ts, 2, 2, 3000));
    HeldOp op1 = {ts, 1, 0}, op2 = {ts, 2, 0};
    ts_call(ts, held_write_fn, &op1);
    assert_int_equal(op1.rc, WEIR_EPROTO);
    ts_call(ts, held_end_fn, &op1);
    ts_call(ts, held_respond_fn, &op2);
    assert_int_equal(ts_query(ts).n_on_close, 2);
    ts_stop(ts);
}

/* ======================================================================== curl, when installed */

static int curl_run(const char *cmd, char *out, size_t out_n)
{
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    size_t n = fread(out, 1, out_n - 1, f);
    out[n] = 0;
    return pclose(f);
}

static void test_curl(void **state)
{
    UNUSED(state);
    char out[4096], cmd[512];
    if (curl_run("curl --version 2>/dev/null", out, sizeof(out)) != 0 || !strstr(out, "HTTP2")) {
        skip();
        return;
    }
    TS *ts = ts_start(0, 0, 0);
    snprintf(
        cmd, sizeof(cmd),
        "curl -s --http2-prior-knowledge -X POST --data-binary 'via curl h2' -D - http://127.0.0.1:%d/echo",
        ts->port);
    assert_int_equal(curl_run(cmd, out, sizeof(out)), 0);
    assert_non_null(strstr(out, "HTTP/2 200"));
    assert_non_null(strstr(out, "x-version: 20"));
    assert_non_null(strstr(out, "via curl h2"));
    /* curl sends Expect: 100-continue for bodies over 1 MB. */
    snprintf(cmd, sizeof(cmd),
             "head -c 2000000 /dev/zero | curl -s -X POST --data-binary @- -H 'Expect: 100-continue' "
             "http://127.0.0.1:%d/sum",
             ts->port);
    assert_int_equal(curl_run(cmd, out, sizeof(out)), 0);
    assert_string_equal(out, "len=2000000 sum=0");
    ts_stop(ts);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_post),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_pipelined_order),
        cmocka_unit_test(test_chunked_request),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_oversized_header),
        cmocka_unit_test(test_oversized_body),
        cmocka_unit_test(test_malformed_and_garbage),
        cmocka_unit_test(test_half_request_then_close),
        cmocka_unit_test(test_idle_timeout),
        cmocka_unit_test(test_large_h1),
        cmocka_unit_test(test_many_connections),
        cmocka_unit_test(test_stream_h1),
        cmocka_unit_test(test_stream_peer_gone_h1),
        cmocka_unit_test(test_orphan_h1),
        cmocka_unit_test(test_h2_basic),
        cmocka_unit_test(test_h2_concurrent),
        cmocka_unit_test(test_h2_large),
        cmocka_unit_test(test_h2_limits),
        cmocka_unit_test(test_stream_h2),
        cmocka_unit_test(test_stream_peer_gone_h2),
        cmocka_unit_test(test_curl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
