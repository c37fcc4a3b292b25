/*
 * pg_server.c: listener, connection threads, session limit and cancel routing. See pg_server.h.
 *
 * Threads and locking: one accept thread; one thread per connection (detached). Everything shared
 * lives in PgServer under s->lock: the list of connections (for cancel routing and shutdown), the
 * session and thread counts, and the pid counter. A connection is in the list from accept until its
 * thread is about to destroy it; pg_conn_cancel is only ever called under the lock on a connection
 * that has passed its started hook, so the PgConn and its session are alive while it runs.
 *
 * Why blocking sockets and threads rather than the libuv loop: a query runs for as long as it runs,
 * on the caller's thread (exec/engine.h), so each session needs a thread anyway; with a thread per
 * connection the protocol code stays a plain read-process-write loop, like PostgreSQL's backends.
 */
#include "pgwire/pg_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define PG_READ_CHUNK 65536

typedef struct PgClient {
    struct PgClient *next, *prev;
    struct PgServer *srv;
    int fd;
    PgConn *conn;
    int is_admitted; /* counts as a session */
    int is_started;  /* pg_conn_cancel may be called */
    int32_t pid, key;
} PgClient;

struct PgServer {
    PgServerConfig cfg;
    int listen_fd;
    int port;
    int wake[2]; /* pipe: wakes the accept thread to stop */
    pthread_t accept_thread;
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when n_threads drops */
    PgClient *clients;
    int n_threads;
    int n_sessions;
    int32_t next_pid;
    int stopping;
};

/* ---------------------------------------------------------------------------------------------- */
/* hooks called by the connection (on its thread)                                                  */
/* ---------------------------------------------------------------------------------------------- */

static int client_send(void *arg, const uint8_t *p, size_t n)
{
    PgClient *cl = arg;
    while (n) {
        ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int32_t random_key(void)
{
    uint32_t k = 0;
    if (getrandom(&k, sizeof(k), 0) != (ssize_t)sizeof(k)) {
        /* getrandom does not fail for 4 bytes once the pool is initialised; fall back to the clock. */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        k = (uint32_t)ts.tv_nsec * 2654435761u ^ (uint32_t)ts.tv_sec;
    }
    return (int32_t)k;
}

static int client_admit(void *arg, int32_t *pid, int32_t *key)
{
    PgClient *cl = arg;
    PgServer *s = cl->srv;
    pthread_mutex_lock(&s->lock);
    if (s->n_sessions >= s->cfg.max_connections || s->stopping) {
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    s->n_sessions++;
    cl->is_admitted = 1;
    cl->pid = s->next_pid++;
    if (s->next_pid <= 0)
        s->next_pid = 1000;
    cl->key = random_key();
    *pid = cl->pid;
    *key = cl->key;
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static void client_started(void *arg, PgConn *c)
{
    PgClient *cl = arg;
    UNUSED(c);
    pthread_mutex_lock(&cl->srv->lock);
    cl->is_started = 1;
    pthread_mutex_unlock(&cl->srv->lock);
}

static void client_cancel_request(void *arg, int32_t pid, int32_t key)
{
    PgClient *cl = arg;
    PgServer *s = cl->srv;
    int found = 0;
    pthread_mutex_lock(&s->lock);
    for (PgClient *o = s->clients; o; o = o->next) {
        if (o->is_started && o->pid == pid) {
            /* processCancelRequest: the pid must match and the key too, or nothing happens. */
            if (o->key == key) {
                pg_conn_cancel(o->conn);
                found = 1;
            }
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (!found)
        log_debug("pgwire: cancel request for pid %d did not match a session", (int)pid);
}

/* ---------------------------------------------------------------------------------------------- */
/* connection threads                                                                              */
/* ---------------------------------------------------------------------------------------------- */

static void set_recv_timeout(int fd, int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

static void *client_main(void *arg)
{
    PgClient *cl = arg;
    PgServer *s = cl->srv;
    PgConnConfig cc = {
        .ops = s->cfg.ops,
        .eng = s->cfg.eng,
        .send = client_send,
        .send_arg = cl,
        .admit = client_admit,
        .started = client_started,
        .cancel_request = client_cancel_request,
        .hook_arg = cl,
        .max_message = s->cfg.max_message,
    };
    cl->conn = pg_conn_create(&cc);
    uint8_t *buf = xmalloc(PG_READ_CHUNK);
    set_recv_timeout(cl->fd, s->cfg.startup_timeout_ms);
    int timed = 1;
    for (;;) {
        ssize_t n = recv(cl->fd, buf, PG_READ_CHUNK, 0);
        if (n > 0) {
            int st = pg_conn_feed(cl->conn, buf, (size_t)n);
            if (st == PG_CONN_DONE)
                break;
            if (st == PG_CONN_READY && timed) {
                set_recv_timeout(cl->fd, 0); /* no timeout once the session runs: idle clients are fine */
                timed = 0;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        pthread_mutex_lock(&s->lock);
        int stopping = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (stopping)
            pg_conn_terminate(cl->conn);
        else if (n == 0)
            pg_conn_eof(cl->conn);
        else if (errno == EAGAIN || errno == EWOULDBLOCK)
            log_debug("pgwire: no startup packet within %d ms; closing", s->cfg.startup_timeout_ms);
        break;
    }
    free(buf);
    pthread_mutex_lock(&s->lock);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        s->clients = cl->next;
    if (cl->next)
        cl->next->prev = cl->prev;
    if (cl->is_admitted)
        s->n_sessions--;
    pthread_mutex_unlock(&s->lock);
    /* Out of the list: no cancel can reach the connection any more. */
    pg_conn_destroy(&cl->conn);
    close(cl->fd);
    free(cl);
    pthread_mutex_lock(&s->lock);
    s->n_threads--;
    pthread_cond_broadcast(&s->idle);
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void *accept_main(void *arg)
{
    PgServer *s = arg;
    struct pollfd pfd[2] = {{.fd = s->listen_fd, .events = POLLIN}, {.fd = s->wake[0], .events = POLLIN}};
    for (;;) {
        int r = poll(pfd, 2, -1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            log_error("pgwire: poll: %s", strerror(errno));
            break;
        }
        if (pfd[1].revents)
            break;
        if (!(pfd[0].revents & POLLIN))
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED)
                continue;
            log_warn("pgwire: accept: %s", strerror(errno));
            if (errno == EMFILE || errno == ENFILE) {
                struct timespec ts = {0, 100 * 1000 * 1000}; /* let connections finish and free fds */
                nanosleep(&ts, NULL);
            }
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        pthread_mutex_lock(&s->lock);
        if (s->n_threads >= s->cfg.max_connections + PG_SERVER_STARTUP_RESERVE) {
            pthread_mutex_unlock(&s->lock);
            log_warn("pgwire: %d connections are open; closing a new one at once", s->n_threads);
            close(fd);
            continue;
        }
        PgClient *cl = xcalloc(1, sizeof(*cl));
        cl->srv = s;
        cl->fd = fd;
        cl->next = s->clients;
        if (s->clients)
            s->clients->prev = cl;
        s->clients = cl;
        s->n_threads++;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_t t;
        int rc = pthread_create(&t, &attr, client_main, cl);
        pthread_attr_destroy(&attr);
        if (rc) {
            s->clients = cl->next;
            if (cl->next)
                cl->next->prev = NULL;
            s->n_threads--;
            pthread_mutex_unlock(&s->lock);
            log_warn("pgwire: cannot start a connection thread: %s", strerror(rc));
            close(fd);
            free(cl);
            continue;
        }
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------------- */
/* public                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

int pg_server_start(const PgServerConfig *cfg, PgServer **out, Err *e)
{
    *out = NULL;
    char host[256];
    const char *h = cfg->host ? cfg->host : "127.0.0.1";
    size_t hl = strlen(h);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { /* "[::1]" */
        h++;
        hl -= 2;
    }
    if (hl >= sizeof(host))
        return err_set(e, WEIR_EINVAL, "host name too long");
    memcpy(host, h, hl);
    host[hl] = '\0';
    char port[16];
    snprintf(port, sizeof(port), "%d", cfg->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai)
        return err_set(e, WEIR_EINVAL, "cannot resolve %s: %s", host, gai_strerror(gai));
    int fd = -1, last_errno = 0;
    for (struct addrinfo *a = ai; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 128) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0)
        return err_set(e, WEIR_EIO, "%s", strerror(last_errno));
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    int bound_port = cfg->port;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        bound_port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                              : ntohs(((struct sockaddr_in *)&ss)->sin_port);

    PgServer *s = xcalloc(1, sizeof(*s));
    s->cfg = *cfg;
    if (s->cfg.max_connections <= 0)
        s->cfg.max_connections = 100;
    if (s->cfg.startup_timeout_ms <= 0)
        s->cfg.startup_timeout_ms = 60000;
    s->listen_fd = fd;
    s->port = bound_port;
    s->next_pid = 1000 + (int32_t)((uint32_t)random_key() % 30000u);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->idle, NULL);
    if (pipe2(s->wake, O_CLOEXEC)) {
        int en = errno;
        close(fd);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->idle);
        free(s);
        return err_set(e, WEIR_EIO, "pipe: %s", strerror(en));
    }
    int rc = pthread_create(&s->accept_thread, NULL, accept_main, s);
    if (rc) {
        close(fd);
        close(s->wake[0]);
        close(s->wake[1]);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->idle);
        free(s);
        return err_set(e, WEIR_EIO, "cannot start the accept thread: %s", strerror(rc));
    }
    *out = s;
    return WEIR_OK;
}

int pg_server_port(const PgServer *s)
{
    return s->port;
}

int pg_server_n_sessions(PgServer *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->n_sessions;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static int wait_idle(PgServer *s, int ms)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ms / 1000;
    dl.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    while (s->n_threads > 0)
        if (pthread_cond_timedwait(&s->idle, &s->lock, &dl) == ETIMEDOUT)
            return -1;
    return 0;
}

void pg_server_stop(PgServer **sp)
{
    if (!sp || !*sp)
        return;
    PgServer *s = *sp;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_mutex_unlock(&s->lock);
    ssize_t w;
    do
        w = write(s->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(s->accept_thread, NULL);
    close(s->listen_fd);
    pthread_mutex_lock(&s->lock);
    /* Half-close for reading: a thread blocked in recv wakes up (sees EOF and stopping), one in a query
     * is cancelled, and both can still send their goodbye (FATAL 57P01). */
    for (PgClient *cl = s->clients; cl; cl = cl->next) {
        shutdown(cl->fd, SHUT_RD);
        if (cl->is_started)
            pg_conn_cancel(cl->conn);
    }
    if (wait_idle(s, 5000)) {
        /* Someone is stuck sending to a client that does not read: cut the connections entirely. */
        log_warn("pgwire: %d connections still open after 5 s; closing them", s->n_threads);
        for (PgClient *cl = s->clients; cl; cl = cl->next) {
            shutdown(cl->fd, SHUT_RDWR);
            if (cl->is_started)
                pg_conn_cancel(cl->conn);
        }
        while (s->n_threads > 0)
            pthread_cond_wait(&s->idle, &s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    close(s->wake[0]);
    close(s->wake[1]);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->idle);
    free(s);
    *sp = NULL;
}
