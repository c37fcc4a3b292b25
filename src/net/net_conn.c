/*
 * net_conn.c: one accepted TCP connection: reads, the staged write queue, idle timer, close sequence.
 * See net.h for the interface and the state diagram; this file does no protocol work.
 *
 * Invariants:
 *   1. Input is read into one buffer per thread (net_rbuf) and handed to on_read as a borrowed slice;
 *      the protocol copies what it keeps. libuv calls alloc_cb and read_cb back to back for one stream,
 *      so the buffer is never shared by two reads in flight.
 *   2. Output is staged in c->segs (copies live in c->stage, references carry a release function in
 *      c->refs) until net_conn_flush. A flush first tries uv_try_write, the common case of a response
 *      that fits in the socket buffer: then no allocation happens at all and the staging buffer is reused.
 *      What the kernel did not take goes to one uv_write (a NetWrite owns the copy bytes and the
 *      references until its callback).
 *   3. Every reference handed to net_conn_write_ref is released exactly once: after its bytes were
 *      written, or when they are dropped (close, write error).
 *   4. on_close runs exactly once, from the close callback of the second of the two handles (socket and
 *      timer); libuv runs every pending write callback (UV_ECANCELED) before that.
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "net/net_int.h"

enum { NET_OPEN = 0, NET_DRAINING = 1, NET_LINGER = 2, NET_CLOSING = 3 };

/* How long a gracefully closing connection keeps draining the peer's input after FIN, and the write
 * timeout used while draining when no idle timeout is armed. */
#define NET_LINGER_MS 2000
#define NET_DRAIN_MS 30000
#define NET_RBUF_SIZE (64 * 1024)

typedef struct NetSeg {
    const uint8_t *p; /* referenced bytes, or NULL: bytes at off in c->stage */
    size_t off;
    size_t len;
} NetSeg;

typedef struct NetRef {
    void (*fn)(void *);
    void *arg;
} NetRef;

typedef struct NetWrite {
    uv_write_t req;
    NetConn *c;
    uint8_t *copy; /* owned staging bytes the bufs may point into */
    NetRef *refs;  /* owned array of references released on completion */
    size_t n_refs;
    unsigned n_bufs;
    uv_buf_t bufs[]; /* flexible */
} NetWrite;

struct NetConn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shut;
    const NetConnOps *ops;
    void *user;
    int state;
    int is_paused;  /* protocol asked to stop reading */
    int is_reading; /* uv_read_start is in effect */
    int has_eof;
    int idle_ms;
    int n_handles; /* open uv handles; freed at 0 */
    unsigned n_writes;
    Buf stage;
    NetSeg *segs;
    size_t n_segs, cap_segs;
    NetRef *refs;
    size_t n_refs, cap_refs;
    size_t staged_len;
    uv_buf_t *iov;
    size_t cap_iov;
};

static _Thread_local uint8_t net_rbuf[NET_RBUF_SIZE];

static void net_conn_read_update(NetConn *c);
static void net_conn_shutdown_begin(NetConn *c);

/* ---------------------------------------------------------------- references and staging */

static void net_refs_release(NetRef *refs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (refs[i].fn)
            refs[i].fn(refs[i].arg);
}

static void net_conn_stage_drop(NetConn *c)
{
    size_t n = c->n_refs;
    c->n_refs = 0;
    c->n_segs = 0;
    c->staged_len = 0;
    buf_reset(&c->stage);
    net_refs_release(c->refs, n);
}

void net_conn_write_copy(NetConn *c, const void *p, size_t n)
{
    if (c->state == NET_CLOSING || n == 0)
        return;
    size_t off = c->stage.len;
    if (buf_append(&c->stage, p, n))
        weir_panic("net: staging buffer over its limit");
    c->staged_len += n;
    if (c->n_segs && c->segs[c->n_segs - 1].p == NULL &&
        c->segs[c->n_segs - 1].off + c->segs[c->n_segs - 1].len == off) {
        c->segs[c->n_segs - 1].len += n;
        return;
    }
    if (c->n_segs == c->cap_segs) {
        c->cap_segs = c->cap_segs ? c->cap_segs * 2 : 16;
        c->segs = xrealloc(c->segs, c->cap_segs * sizeof(*c->segs));
    }
    c->segs[c->n_segs++] = (NetSeg){NULL, off, n};
}

void net_conn_write_ref(NetConn *c, const void *p, size_t n, void (*free_fn)(void *), void *arg)
{
    if (c->state == NET_CLOSING) {
        if (free_fn)
            free_fn(arg);
        return;
    }
    if (n) {
        if (c->n_segs == c->cap_segs) {
            c->cap_segs = c->cap_segs ? c->cap_segs * 2 : 16;
            c->segs = xrealloc(c->segs, c->cap_segs * sizeof(*c->segs));
        }
        c->segs[c->n_segs++] = (NetSeg){p, 0, n};
        c->staged_len += n;
    }
    if (free_fn) {
        if (c->n_refs == c->cap_refs) {
            c->cap_refs = c->cap_refs ? c->cap_refs * 2 : 8;
            c->refs = xrealloc(c->refs, c->cap_refs * sizeof(*c->refs));
        }
        c->refs[c->n_refs++] = (NetRef){free_fn, arg};
    }
}

/* ---------------------------------------------------------------- writing */

static void net_write_cb(uv_write_t *req, int status)
{
    NetWrite *w = req->data;
    NetConn *c = w->c;
    c->n_writes--;
    free(w->copy);
    net_refs_release(w->refs, w->n_refs);
    free(w->refs);
    free(w);
    if (status < 0) {
        if (status != UV_ECANCELED)
            log_debug("net: write: %s", uv_strerror(status));
        net_conn_close(c);
        return;
    }
    if (c->idle_ms > 0 && c->state == NET_OPEN)
        uv_timer_again(&c->timer);
    if (c->state == NET_DRAINING && c->n_writes == 0 && c->n_segs == 0)
        net_conn_shutdown_begin(c);
}

void net_conn_flush(NetConn *c)
{
    if (c->state == NET_CLOSING || (c->n_segs == 0 && c->n_refs == 0))
        return;
    if (c->cap_iov < c->n_segs) {
        c->cap_iov = c->n_segs;
        c->iov = xrealloc(c->iov, c->cap_iov * sizeof(*c->iov));
    }
    for (size_t i = 0; i < c->n_segs; i++) {
        const NetSeg *s = &c->segs[i];
        c->iov[i] = uv_buf_init((char *)(s->p ? s->p : c->stage.p + s->off), (unsigned)s->len);
    }
    size_t n = c->n_segs, first = 0;
    /* Fast path: nothing queued in libuv, so the kernel may take it all right now. */
    if (c->n_writes == 0 && n > 0) {
        int r = uv_try_write((uv_stream_t *)&c->tcp, c->iov, (unsigned)(n > 1024 ? 1024 : n));
        if (r < 0 && r != UV_EAGAIN) {
            log_debug("net: write: %s", uv_strerror(r));
            net_conn_close(c);
            return;
        }
        size_t done = r > 0 ? (size_t)r : 0;
        while (first < n && done >= c->iov[first].len) {
            done -= c->iov[first].len;
            first++;
        }
        if (first < n) {
            c->iov[first].base += done;
            c->iov[first].len -= done;
        }
    }
    if (first == n) {
        net_conn_stage_drop(c); /* all written: release references, keep the staging buffer */
        if (c->idle_ms > 0 && c->state == NET_OPEN)
            uv_timer_again(&c->timer);
        if (c->state == NET_DRAINING && c->n_writes == 0)
            net_conn_shutdown_begin(c);
        return;
    }
    unsigned nb = (unsigned)(n - first);
    NetWrite *w = xmalloc(sizeof(*w) + nb * sizeof(uv_buf_t));
    w->c = c;
    w->n_bufs = nb;
    memcpy(w->bufs, c->iov + first, nb * sizeof(uv_buf_t));
    w->copy = buf_steal(&c->stage, NULL);
    buf_init(&c->stage, 0);
    w->refs = c->refs;
    w->n_refs = c->n_refs;
    c->refs = NULL;
    c->n_refs = c->cap_refs = 0;
    c->n_segs = 0;
    c->staged_len = 0;
    w->req.data = w;
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, w->bufs, nb, net_write_cb);
    if (rc) {
        log_debug("net: write: %s", uv_strerror(rc));
        free(w->copy);
        net_refs_release(w->refs, w->n_refs);
        free(w->refs);
        free(w);
        net_conn_close(c);
        return;
    }
    c->n_writes++;
}

size_t net_conn_pending_bytes(const NetConn *c)
{
    return c->staged_len + uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
}

/* ---------------------------------------------------------------- close */

static void net_conn_handle_closed_cb(uv_handle_t *h)
{
    NetConn *c = h->data;
    if (--c->n_handles > 0)
        return;
    if (c->ops && c->ops->on_close)
        c->ops->on_close(c);
    net_conn_stage_drop(c);
    buf_fini(&c->stage);
    free(c->segs);
    free(c->refs);
    free(c->iov);
    free(c);
}

void net_conn_close(NetConn *c)
{
    if (c->state == NET_CLOSING)
        return;
    c->state = NET_CLOSING;
    net_conn_stage_drop(c);
    if (c->is_reading)
        uv_read_stop((uv_stream_t *)&c->tcp);
    c->is_reading = 0;
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->tcp, net_conn_handle_closed_cb);
    uv_close((uv_handle_t *)&c->timer, net_conn_handle_closed_cb);
}

int net_conn_is_closing(const NetConn *c)
{
    return c->state != NET_OPEN;
}

static void net_conn_timer_cb(uv_timer_t *t)
{
    NetConn *c = t->data;
    if (c->state == NET_OPEN) {
        log_debug("net: idle timeout");
        if (c->ops && c->ops->on_idle) {
            c->ops->on_idle(c);
            if (c->state == NET_OPEN) /* the protocol did not close: do it */
                net_conn_close(c);
            return;
        }
    }
    net_conn_close(c);
}

static void net_conn_shutdown_cb(uv_shutdown_t *req, int status)
{
    NetConn *c = req->data;
    if (c->state == NET_CLOSING)
        return;
    if (status < 0 || c->has_eof)
        net_conn_close(c);
}

/* All output is written: send FIN and linger, discarding input until the peer's EOF. */
static void net_conn_shutdown_begin(NetConn *c)
{
    if (c->state != NET_DRAINING)
        return;
    c->state = NET_LINGER;
    if (c->has_eof) {
        net_conn_close(c);
        return;
    }
    c->shut.data = c;
    if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, net_conn_shutdown_cb)) {
        net_conn_close(c);
        return;
    }
    int ms = c->idle_ms > 0 && c->idle_ms < NET_LINGER_MS ? c->idle_ms : NET_LINGER_MS;
    uv_timer_start(&c->timer, net_conn_timer_cb, (uint64_t)ms, 0);
}

void net_conn_close_graceful(NetConn *c)
{
    if (c->state != NET_OPEN)
        return;
    c->state = NET_DRAINING;
    /* Keep reading (and discarding) while draining: a client that writes its whole request body before
     * reading would otherwise block forever and never see our error response. */
    net_conn_read_update(c);
    int ms = c->idle_ms > 0 ? c->idle_ms : NET_DRAIN_MS;
    uv_timer_start(&c->timer, net_conn_timer_cb, (uint64_t)ms, 0);
    net_conn_flush(c);
    if (c->state == NET_DRAINING && c->n_writes == 0 && c->n_segs == 0)
        net_conn_shutdown_begin(c);
}

/* ---------------------------------------------------------------- reading */

static void net_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    UNUSED(h);
    UNUSED(suggested);
    *buf = uv_buf_init((char *)net_rbuf, sizeof(net_rbuf));
}

static void net_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    UNUSED(buf);
    NetConn *c = s->data;
    if (nread == 0 || c->state == NET_CLOSING)
        return;
    if (nread < 0) {
        if (nread != UV_EOF) {
            log_debug("net: read: %s", uv_strerror((int)nread));
            net_conn_close(c);
            return;
        }
        c->has_eof = 1;
        c->is_reading = 0; /* libuv stops polling for input after EOF */
        if (c->state == NET_LINGER)
            net_conn_close(c);
        else if (c->state == NET_OPEN) {
            if (c->ops && c->ops->on_eof)
                c->ops->on_eof(c);
            else
                net_conn_close_graceful(c);
        }
        return;
    }
    if (c->state != NET_OPEN)
        return; /* draining or lingering: discard */
    if (c->idle_ms > 0)
        uv_timer_again(&c->timer);
    if (c->ops && c->ops->on_read)
        c->ops->on_read(c, net_rbuf, (size_t)nread);
}

static void net_conn_read_update(NetConn *c)
{
    if (c->state == NET_CLOSING || c->has_eof)
        return;
    int want = c->state != NET_OPEN || !c->is_paused;
    if (want && !c->is_reading) {
        if (uv_read_start((uv_stream_t *)&c->tcp, net_alloc_cb, net_read_cb) == 0)
            c->is_reading = 1;
    } else if (!want && c->is_reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->is_reading = 0;
    }
}

void net_conn_read_pause(NetConn *c)
{
    c->is_paused = 1;
    net_conn_read_update(c);
}

void net_conn_read_resume(NetConn *c)
{
    c->is_paused = 0;
    net_conn_read_update(c);
}

void net_conn_idle_arm(NetConn *c, int ms)
{
    if (c->state != NET_OPEN)
        return;
    if (ms <= 0) {
        if (c->idle_ms > 0)
            uv_timer_stop(&c->timer);
        c->idle_ms = 0;
        return;
    }
    if (c->idle_ms == ms && uv_is_active((uv_handle_t *)&c->timer))
        return;
    c->idle_ms = ms;
    uv_timer_start(&c->timer, net_conn_timer_cb, (uint64_t)ms, (uint64_t)ms);
}

/* ---------------------------------------------------------------- accept */

void net_conn_set_ops(NetConn *c, const NetConnOps *ops, void *user)
{
    c->ops = ops;
    c->user = user;
}

void *net_conn_user(const NetConn *c)
{
    return c->user;
}

uv_loop_t *net_conn_loop(const NetConn *c)
{
    return c->tcp.loop;
}

void net_conn_accept(uv_stream_t *server, NetAcceptFn fn, void *arg)
{
    NetConn *c = xcalloc(1, sizeof(*c));
    buf_init(&c->stage, 0);
    uv_tcp_init(server->loop, &c->tcp);
    uv_timer_init(server->loop, &c->timer);
    c->tcp.data = c;
    c->timer.data = c;
    c->n_handles = 2;
    int rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    if (rc) {
        log_warn("net: accept: %s", uv_strerror(rc));
        net_conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    fn(arg, c);
    net_conn_read_update(c);
}
