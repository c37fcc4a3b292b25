/*
 * net_listener.c: the listening TCP socket. See net.h.
 *
 * Binds host:port (IPv4 dotted or IPv6 literal; port 0 asks the kernel for a free port) and accepts
 * connections, handing each to net_conn.c. libuv sets SO_REUSEADDR itself on Unix TCP binds, so a
 * restarted server can rebind while old connections sit in TIME_WAIT. The backlog is SOMAXCONN-sized
 * so a burst of a thousand connects does not see refusals.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "net/net_int.h"

struct NetListener {
    uv_tcp_t tcp;
    NetAcceptFn fn;
    void *arg;
    int port;
};

#define NET_LISTEN_BACKLOG 4096

static void net_listener_accept_cb(uv_stream_t *server, int status)
{
    NetListener *l = server->data;
    if (status < 0) {
        log_warn("net: accept: %s", uv_strerror(status));
        return;
    }
    net_conn_accept(server, l->fn, l->arg);
}

static void net_listener_free_cb(uv_handle_t *h)
{
    free(h->data);
}

int net_listener_start(uv_loop_t *loop, const char *host, int port, NetAcceptFn fn, void *arg,
                       NetListener **out, Err *e)
{
    *out = NULL;
    if (port < 0 || port > 65535)
        return err_set(e, WEIR_EIO, "bad port %d", port);
    struct sockaddr_storage ss;
    int rc = strchr(host, ':') ? uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss)
                               : uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
    if (rc)
        return err_set(e, WEIR_EIO, "bad listen address '%s': %s", host, uv_strerror(rc));
    NetListener *l = xcalloc(1, sizeof(*l));
    l->fn = fn;
    l->arg = arg;
    uv_tcp_init(loop, &l->tcp);
    l->tcp.data = l;
    rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
    if (!rc)
        rc = uv_listen((uv_stream_t *)&l->tcp, NET_LISTEN_BACKLOG, net_listener_accept_cb);
    if (rc) {
        err_set(e, WEIR_EIO, "%s:%d: %s", host, port, uv_strerror(rc));
        uv_close((uv_handle_t *)&l->tcp, net_listener_free_cb);
        return WEIR_EIO;
    }
    struct sockaddr_storage bound;
    int blen = sizeof(bound);
    l->port = port;
    if (uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &blen) == 0) {
        if (bound.ss_family == AF_INET)
            l->port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
        else if (bound.ss_family == AF_INET6)
            l->port = ntohs(((struct sockaddr_in6 *)&bound)->sin6_port);
    }
    *out = l;
    return WEIR_OK;
}

int net_listener_port(const NetListener *l)
{
    return l ? l->port : 0;
}

void net_listener_stop(NetListener **pl)
{
    if (!pl || !*pl)
        return;
    NetListener *l = *pl;
    *pl = NULL;
    uv_close((uv_handle_t *)&l->tcp, net_listener_free_cb);
}
