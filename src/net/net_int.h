/*
 * net_int.h: private to src/net/: how the listener hands an accepted socket to the connection code.
 */
#ifndef WEIR_NET_NET_INT_H
#define WEIR_NET_NET_INT_H

#include "net/net.h"

/* Accept one pending connection on server and run fn(arg, c) for it. Failures are logged and the
 * socket dropped; the listener keeps going. */
void net_conn_accept(uv_stream_t *server, NetAcceptFn fn, void *arg);

#endif
