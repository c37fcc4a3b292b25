/*
 * net.h: libuv TCP glue: a listener and the lifecycle of one accepted connection.
 *
 * This layer knows bytes, not protocols. It owns the socket, the read path (one shared read buffer
 * per thread, so 1000 idle connections cost no read memory), the write queue, the idle timer and the
 * close sequence. The protocol above it (src/http/) plugs in through NetConnOps and never touches a
 * uv handle.
 *
 * Writes are staged, then flushed: net_conn_write_copy() copies small bytes (headers, frame headers)
 * into a staging buffer, net_conn_write_ref() stages a pointer to bytes someone else owns (a response
 * body) plus the function that releases them, and net_conn_flush() hands everything staged to one
 * uv_write() (writev), in staging order. Nothing is written before the flush.
 *
 * Close: net_conn_close() is immediate (queued writes are dropped). net_conn_close_graceful() stops
 * delivering input, lets every queued write finish, sends FIN, then drains and discards the peer's
 * input for a short linger (so the peer reads our last response instead of a RST) and closes. Either
 * way NetConnOps.on_close runs once, later, from the loop (after libuv released the handles); the
 * protocol frees its state there. Until then the NetConn stays valid and net_conn_is_closing() is 1.
 *
 * State machine of a connection (function behind each transition):
 *
 *     OPEN --net_conn_close_graceful--> DRAINING --writes done: uv_shutdown--> LINGER
 *      |                                   |                                     | EOF, linger timer
 *      | net_conn_close, read/write error, | net_conn_close, error               v
 *      | idle timer                        +-------------------------------> CLOSING --uv_close cb-->
 *      +------------------------------------------------------------------> (on_close; freed)
 *
 * Idle timer: net_conn_idle_arm(c, ms) with ms > 0 closes the connection (or calls NetConnOps.on_idle)
 * once ms pass without input or write progress; ms == 0 disarms it (the protocol disarms it while a
 * request is with a handler).
 */
#ifndef WEIR_NET_NET_H
#define WEIR_NET_NET_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "base/err.h"

typedef struct NetConn NetConn;
typedef struct NetListener NetListener;

/* Protocol callbacks, all on the loop thread. */
typedef struct NetConnOps {
    /* Input bytes, borrowed: valid only during the call (the read buffer is shared). */
    void (*on_read)(NetConn *c, const uint8_t *p, size_t n);
    /* The peer sent FIN. NULL: close gracefully. */
    void (*on_eof)(NetConn *c);
    /* Last call: the connection is gone. Free the protocol state; c is freed after this returns. */
    void (*on_close)(NetConn *c);
    /* The idle timer fired on an open connection. NULL: close now. Otherwise the protocol must close
     * (e.g. after a last goodbye frame, with net_conn_close_graceful). */
    void (*on_idle)(NetConn *c);
} NetConnOps;

/* Called for each accepted connection; must call net_conn_set_ops (or net_conn_close). */
typedef void (*NetAcceptFn)(void *arg, NetConn *c);

/* Bind host:port (port 0: ephemeral) with SO_REUSEADDR and listen on loop. Returns WEIR_OK, or
 * WEIR_EIO with a message (bad address, address in use). *out is the caller's: net_listener_stop. */
int net_listener_start(uv_loop_t *loop, const char *host, int port, /* where to listen */
                       NetAcceptFn fn, void *arg,                   /* called per accepted connection */
                       NetListener **out, Err *e) WEIR_WARN_UNUSED;

/* The bound port (useful with port 0). */
int net_listener_port(const NetListener *l);

/* Close the listening socket (accepted connections are not touched). Memory is released from the
 * loop; *l becomes NULL. NULL or *l == NULL is a no-op. */
void net_listener_stop(NetListener **l);

void net_conn_set_ops(NetConn *c, const NetConnOps *ops, void *user);
void *net_conn_user(const NetConn *c);
uv_loop_t *net_conn_loop(const NetConn *c);

/* Flow control of input: pause stops reading from the socket (the kernel buffers, then TCP pushes
 * back on the peer), resume starts again. Idempotent. */
void net_conn_read_pause(NetConn *c);
void net_conn_read_resume(NetConn *c);

/* See the header comment. */
void net_conn_idle_arm(NetConn *c, int ms);

/* Stage n bytes by copying them. No-op once closing. */
void net_conn_write_copy(NetConn *c, const void *p, size_t n);

/* Stage n bytes by reference: p must stay valid until free_fn(arg) runs, which happens exactly once,
 * when the bytes were written or dropped (free_fn may be NULL). Consumes the reference even when
 * closing (then free_fn runs at once). */
void net_conn_write_ref(NetConn *c, const void *p, size_t n, void (*free_fn)(void *), void *arg);

/* Write everything staged, in order, with one uv_write. A write error closes the connection. */
void net_conn_flush(NetConn *c);

/* Bytes staged or handed to libuv but not yet accepted by the kernel. */
size_t net_conn_pending_bytes(const NetConn *c);

void net_conn_close(NetConn *c);
void net_conn_close_graceful(NetConn *c);
int net_conn_is_closing(const NetConn *c);

#endif
