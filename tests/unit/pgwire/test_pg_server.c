/*
 * test_pg_server.c: unit tests of src/pgwire/pg_server.c over real loopback sockets, with the fake
 * engine of fake_engine.h: a session end to end, SSLRequest, the session limit (FATAL 53300 and
 * recovery), CancelRequest routed by (pid, secret key) from another connection, a client that vanishes
 * mid-result, the startup timeout, and shutdown with sessions idle and busy.
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
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pgwire/fake_engine.h"
#include "pgwire/pg_msg.h"
#include "pgwire/pg_server.h"
#include "pgwire/pg_test_util.h"

/* ------------------------------------------------------------------ client side */

static int cl_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

static void cl_send(int fd, const Buf *b)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = send(fd, b->p + off, b->len - off, MSG_NOSIGNAL);
        assert_true(w > 0);
        off += (size_t)w;
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read into `in` until it holds `count` whole messages of type `until` (until 0: read to EOF), or
 * timeout_ms passed. Returns 1 when done (or EOF when until is 0), 0 on timeout, -1 on EOF first. */
static int cl_read_n(int fd, Buf *in, char until, int count, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (;;) {
        int seen = 0;
        for (size_t off = 0; until && in->len - off >= 5;) {
            uint32_t len = be_u32(in->p + off + 1);
            if (in->len - off - 1 < len)
                break;
            if ((char)in->p[off] == until && ++seen == count)
                return 1;
            off += 1 + len;
        }
        long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        uint8_t buf[4096];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return until ? -1 : 1;
        assert_int_equal(buf_append(in, buf, (size_t)n), 0);
    }
}

static int cl_read(int fd, Buf *in, char until, int timeout_ms)
{
    return cl_read_n(fd, in, until, 1, timeout_ms);
}

static char *transcript(const Buf *in, size_t skip)
{
    Buf t;
    buf_init(&t, 0);
    assert_int_equal(buf_append(&t, "", 0), 0);
    tr_decode(&t, in->p + skip, in->len - skip);
    size_t n;
    return (char *)buf_steal(&t, &n);
}

static void assert_tr(const Buf *in, size_t skip, const char *want)
{
    char *got = transcript(in, skip);
    if (strcmp(got, want)) {
        fprintf(stderr, "--- want\n%s--- got\n%s---\n", want, got);
        fail();
    }
    free(got);
}

#define STARTUP_OK                                                                                           \
    "R 0\nS application_name=\nS client_encoding=UTF8\nS DateStyle=ISO, MDY\nS server_version=15.0 (fake)\n" \
    "S TimeZone=UTC\nK\nZ I\n"

/* Connect and start a session; returns the fd and fills pid/key from BackendKeyData. */
static int cl_session(int port, int32_t *pid, int32_t *key)
{
    int fd = cl_connect(port);
    Buf b;
    buf_init(&b, 0);
    fe_startup(&b, "alice");
    cl_send(fd, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(fd, &b, 'Z', 5000), 1);
    assert_tr(&b, 0, STARTUP_OK);
    for (size_t off = 0; off < b.len; off += 1 + be_u32(b.p + off + 1)) {
        if (b.p[off] == 'K') {
            if (pid)
                *pid = (int32_t)be_u32(b.p + off + 5);
            if (key)
                *key = (int32_t)be_u32(b.p + off + 9);
        }
    }
    buf_fini(&b);
    return fd;
}

static PgServer *start(int max_conn, int startup_ms)
{
    PgServerConfig cfg = {.host = "127.0.0.1",
                          .port = 0,
                          .ops = &fake_ops,
                          .max_connections = max_conn,
                          .startup_timeout_ms = startup_ms};
    PgServer *s = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(pg_server_start(&cfg, &s, &e), WEIR_OK);
    assert_true(pg_server_port(s) > 0);
    return s;
}

static void wait_sessions(PgServer *s, int n)
{
    long deadline = now_ms() + 5000;
    while (pg_server_n_sessions(s) != n && now_ms() < deadline) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(pg_server_n_sessions(s), n);
}

/* ------------------------------------------------------------------ tests */

static void test_session(void **state)
{
    UNUSED(state);
    PgServer *s = start(0, 0);
    int fd = cl_connect(pg_server_port(s));
    Buf b;
    buf_init(&b, 0);
    fe_code(&b, PG_SSL_REQUEST_CODE);
    cl_send(fd, &b);
    buf_reset(&b);
    uint8_t c = 0;
    assert_int_equal(recv(fd, &c, 1, 0), 1);
    assert_int_equal(c, 'N');
    fe_startup(&b, "alice");
    fe_query(&b, "rows 2");
    fe_parse(&b, "", "rows 3", 0, NULL);
    fe_bind0(&b, "", "");
    fe_execute(&b, "", 2);
    fe_empty(&b, 'S');
    cl_send(fd, &b);
    buf_reset(&b);
    assert_int_equal(cl_read_n(fd, &b, 'Z', 3, 5000), 1); /* startup, query, extended */
    assert_tr(&b, 0, STARTUP_OK "T n:0:0:23:4:-1:0\nD 1\nD 2\nC SELECT 2\nZ I\n1\n2\nD 1\nD 2\ns\nZ I\n");
    assert_int_equal(pg_server_n_sessions(s), 1);
    buf_reset(&b);
    fe_empty(&b, 'X');
    cl_send(fd, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(fd, &b, 0, 5000), 1); /* the server closes after Terminate */
    assert_int_equal(b.len, 0);
    close(fd);
    wait_sessions(s, 0);
    buf_fini(&b);
    pg_server_stop(&s);
    assert_null(s);
}

static void test_too_many_clients(void **state)
{
    UNUSED(state);
    PgServer *s = start(2, 0);
    int port = pg_server_port(s);
    int a = cl_session(port, NULL, NULL);
    int b2 = cl_session(port, NULL, NULL);
    assert_int_equal(pg_server_n_sessions(s), 2);
    int c = cl_connect(port);
    Buf b;
    buf_init(&b, 0);
    fe_startup(&b, "carol");
    cl_send(c, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(c, &b, 0, 5000), 1);
    assert_tr(&b, 0, "E FATAL 53300 sorry, too many clients already\n");
    close(c);
    /* a slot frees up when a session ends */
    close(a);
    wait_sessions(s, 1);
    int d = cl_session(port, NULL, NULL);
    assert_int_equal(pg_server_n_sessions(s), 2);
    close(d);
    close(b2);
    wait_sessions(s, 0);
    buf_fini(&b);
    pg_server_stop(&s);
}

static void send_cancel(int port, int32_t pid, int32_t key)
{
    int fd = cl_connect(port);
    Buf b;
    buf_init(&b, 0);
    fe_i32(&b, 16);
    fe_i32(&b, (int32_t)PG_CANCEL_REQUEST_CODE);
    fe_i32(&b, pid);
    fe_i32(&b, key);
    cl_send(fd, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(fd, &b, 0, 5000), 1); /* closed without a word */
    assert_int_equal(b.len, 0);
    buf_fini(&b);
    close(fd);
}

static void test_cancel(void **state)
{
    UNUSED(state);
    PgServer *s = start(2, 0);
    int port = pg_server_port(s);
    int32_t pid = 0, key = 0, pid2 = 0, key2 = 0;
    int a = cl_session(port, &pid, &key);
    int other = cl_session(port, &pid2, &key2);
    assert_int_not_equal(pid, pid2);
    Buf b;
    buf_init(&b, 0);
    fe_query(&b, "sleep");
    cl_send(a, &b);
    buf_reset(&b);
    /* a wrong key, and the other session's key, do nothing; cancel requests work past the session limit */
    send_cancel(port, pid, key + 1);
    send_cancel(port, pid2, key);
    assert_int_equal(cl_read(a, &b, 'Z', 300), 0);
    assert_int_equal(b.len, 0);
    send_cancel(port, pid, key);
    assert_int_equal(cl_read(a, &b, 'Z', 5000), 1);
    assert_tr(&b, 0, "E ERROR 57014 canceling statement due to user request\nZ I\n");
    /* the session goes on */
    buf_reset(&b);
    fe_query(&b, "rows 1");
    cl_send(a, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(a, &b, 'Z', 5000), 1);
    assert_tr(&b, 0, "T n:0:0:23:4:-1:0\nD 1\nC SELECT 1\nZ I\n");
    close(a);
    close(other);
    wait_sessions(s, 0);
    buf_fini(&b);
    pg_server_stop(&s);
}

static void test_client_vanishes(void **state)
{
    UNUSED(state);
    PgServer *s = start(0, 0);
    int port = pg_server_port(s);
    for (int i = 0; i < 3; i++) {
        int fd = cl_session(port, NULL, NULL);
        Buf b;
        buf_init(&b, 0);
        fe_query(&b, i == 2 ? "sleep" : "big 200000 1000"); /* 200 MB the client never reads */
        cl_send(fd, &b);
        buf_fini(&b);
        if (i == 2) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        struct linger lg = {1, 0}; /* reset, not a polite close */
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(fd);
        if (i < 2)
            wait_sessions(s, 0);
    }
    /* the sleeping one only notices at shutdown, which cancels it */
    pg_server_stop(&s);
}

static void test_startup_timeout(void **state)
{
    UNUSED(state);
    PgServer *s = start(0, 200);
    int fd = cl_connect(pg_server_port(s));
    Buf b;
    buf_init(&b, 0);
    long t0 = now_ms();
    assert_int_equal(cl_read(fd, &b, 0, 5000), 1);
    assert_true(now_ms() - t0 < 3000);
    assert_int_equal(b.len, 0);
    close(fd);
    /* a session that is started is not subject to it */
    fd = cl_session(pg_server_port(s), NULL, NULL);
    assert_int_equal(cl_read(fd, &b, 0, 600), 0);
    fe_query(&b, "rows 1");
    cl_send(fd, &b);
    buf_reset(&b);
    assert_int_equal(cl_read(fd, &b, 'Z', 5000), 1);
    close(fd);
    buf_fini(&b);
    pg_server_stop(&s);
}

static void test_stop_with_sessions(void **state)
{
    UNUSED(state);
    PgServer *s = start(0, 0);
    int port = pg_server_port(s);
    int idle = cl_session(port, NULL, NULL);
    int busy = cl_session(port, NULL, NULL);
    Buf b;
    buf_init(&b, 0);
    fe_query(&b, "sleep");
    cl_send(busy, &b);
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    long t0 = now_ms();
    pg_server_stop(&s);
    assert_true(now_ms() - t0 < 4000);
    buf_reset(&b);
    assert_int_equal(cl_read(idle, &b, 0, 5000), 1);
    assert_tr(&b, 0, "E FATAL 57P01 terminating connection due to administrator command\n");
    buf_reset(&b);
    assert_int_equal(cl_read(busy, &b, 0, 5000), 1);
    assert_tr(&b, 0,
              "E ERROR 57014 canceling statement due to user request\nZ I\n"
              "E FATAL 57P01 terminating connection due to administrator command\n");
    /* the port is closed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_not_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    close(fd);
    close(idle);
    close(busy);
    buf_fini(&b);
}

static void test_bad_address(void **state)
{
    UNUSED(state);
    PgServer *s = start(0, 0);
    PgServerConfig cfg = {.host = "127.0.0.1", .port = pg_server_port(s), .ops = &fake_ops};
    PgServer *s2 = NULL;
    Err e;
    err_clear(&e);
    assert_int_not_equal(pg_server_start(&cfg, &s2, &e), WEIR_OK); /* in use */
    assert_null(s2);
    assert_non_null(strstr(e.msg, "in use"));
    cfg.host = "no.such.host.invalid";
    err_clear(&e);
    assert_int_not_equal(pg_server_start(&cfg, &s2, &e), WEIR_OK);
    pg_server_stop(&s);
    pg_server_stop(&s); /* NULL: no-op */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session),         cmocka_unit_test(test_too_many_clients),
        cmocka_unit_test(test_cancel),          cmocka_unit_test(test_client_vanishes),
        cmocka_unit_test(test_startup_timeout), cmocka_unit_test(test_stop_with_sessions),
        cmocka_unit_test(test_bad_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
