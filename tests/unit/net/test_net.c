/*
 * test_net.c: unit tests of src/net/ (listener, connection lifecycle): bind errors, staged write
 * ordering (copies and references), references released exactly once (written, or dropped by close),
 * large writes and pending bytes, graceful close delivering everything then FIN, read pause/resume,
 * idle timeout. Single-threaded: the test pumps the loop (uv_run NOWAIT) while driving raw client sockets.
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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "net/net.h"

typedef struct T {
    uv_loop_t loop;
    NetListener *lis;
    NetConn *conn; /* last accepted */
    int n_accepted;
    int n_closed;
    int n_freed; /* reference releases */
    size_t n_read;
    char last[256];
    int idle_ms;
} T;

static T *g;

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void ref_free(void *arg)
{
    g->n_freed++;
    free(arg);
}

static void static_ref_free(void *arg)
{
    UNUSED(arg);
    g->n_freed++;
}

static void on_read(NetConn *c, const uint8_t *p, size_t n)
{
    g->n_read += n;
    size_t k = n < sizeof(g->last) - 1 ? n : sizeof(g->last) - 1;
    memcpy(g->last, p, k);
    g->last[k] = 0;
    if (n >= 3 && memcmp(p, "ABC", 3) == 0) {
        net_conn_write_copy(c, "a", 1);
        net_conn_write_ref(c, "b", 1, static_ref_free, NULL);
        net_conn_write_copy(c, "c", 1);
        net_conn_flush(c);
    } else if (n >= 3 && memcmp(p, "BIG", 3) == 0) {
        size_t len = 4u << 20;
        uint8_t *b = malloc(len);
        for (size_t i = 0; i < len; i++)
            b[i] = (uint8_t)i;
        net_conn_write_copy(c, "HDR", 3);
        net_conn_write_ref(c, b, len, ref_free, b);
        net_conn_flush(c);
    } else if (n >= 4 && memcmp(p, "QUIT", 4) == 0) {
        size_t len = 1u << 20;
        uint8_t *b = malloc(len);
        memset(b, 'q', len);
        net_conn_write_ref(c, b, len, ref_free, b);
        net_conn_close_graceful(c);
    } else if (n >= 4 && memcmp(p, "DROP", 4) == 0) {
        uint8_t *b = malloc(10);
        net_conn_write_ref(c, b, 10, ref_free, b); /* staged, never flushed */
        net_conn_close(c);
    } else {
        net_conn_write_copy(c, p, n);
        net_conn_flush(c);
    }
}

static void on_close(NetConn *c)
{
    UNUSED(c);
    g->n_closed++;
    if (g->conn == c)
        g->conn = NULL;
}

static const NetConnOps ops = {.on_read = on_read, .on_eof = NULL, .on_close = on_close};

static void on_accept(void *arg, NetConn *c)
{
    T *t = arg;
    t->n_accepted++;
    t->conn = c;
    net_conn_set_ops(c, &ops, t);
    if (t->idle_ms)
        net_conn_idle_arm(c, t->idle_ms);
}

static int setup(void **state)
{
    T *t = calloc(1, sizeof(*t));
    g = t;
    uv_loop_init(&t->loop);
    Err e;
    err_clear(&e);
    if (net_listener_start(&t->loop, "127.0.0.1", 0, on_accept, t, &t->lis, &e))
        return -1;
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    T *t = *state;
    if (t->conn)
        net_conn_close(t->conn);
    net_listener_stop(&t->lis);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&t->loop);
    free(t);
    g = NULL;
    return rc ? -1 : 0;
}

static void pump(T *t, int ms)
{
    uint64_t end = now_ms() + (uint64_t)ms;
    while (now_ms() < end) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        usleep(1000);
    }
}

#define PUMP_UNTIL(t, cond, ms)                                                                              \
    do {                                                                                                     \
        uint64_t end_ = now_ms() + (ms);                                                                     \
        while (!(cond) && now_ms() < end_) {                                                                 \
            uv_run(&(t)->loop, UV_RUN_NOWAIT);                                                               \
            usleep(500);                                                                                     \
        }                                                                                                    \
    } while (0)

static int client_open(T *t)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)net_listener_port(t->lis))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = connect(fd, (struct sockaddr *)&a, sizeof(a));
    assert_true(rc == 0 || errno == EINPROGRESS);
    PUMP_UNTIL(t, t->conn != NULL, 2000);
    assert_non_null(t->conn);
    return fd;
}

/* Read what is available, pumping the loop, until want bytes or EOF; returns bytes read, *eof set. */
static size_t client_read(T *t, int fd, uint8_t *out, size_t want, int *eof, int ms)
{
    size_t got = 0;
    *eof = 0;
    uint64_t end = now_ms() + (uint64_t)ms;
    while (got < want && now_ms() < end) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        ssize_t r = recv(fd, out + got, want - got, 0);
        if (r == 0) {
            *eof = 1;
            break;
        }
        if (r > 0)
            got += (size_t)r;
        else
            usleep(200);
    }
    return got;
}

static void test_listener_errors(void **state)
{
    T *t = *state;
    NetListener *l2 = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(
        net_listener_start(&t->loop, "127.0.0.1", net_listener_port(t->lis), on_accept, t, &l2, &e),
        WEIR_EIO);
    assert_null(l2);
    assert_non_null(strstr(e.msg, "address already in use"));
    err_clear(&e);
    assert_int_equal(net_listener_start(&t->loop, "not-an-address", 0, on_accept, t, &l2, &e), WEIR_EIO);
    err_clear(&e);
    assert_int_equal(net_listener_start(&t->loop, "127.0.0.1", 70000, on_accept, t, &l2, &e), WEIR_EIO);
    assert_true(net_listener_port(t->lis) > 0);
}

static void test_write_order(void **state)
{
    T *t = *state;
    int fd = client_open(t);
    assert_int_equal(send(fd, "ABC", 3, 0), 3);
    uint8_t buf[16];
    int eof;
    assert_int_equal(client_read(t, fd, buf, 3, &eof, 2000), 3);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(t->n_freed, 1);
    assert_int_equal(send(fd, "hello", 5, 0), 5);
    assert_int_equal(client_read(t, fd, buf, 5, &eof, 2000), 5);
    assert_memory_equal(buf, "hello", 5);
    close(fd);
    PUMP_UNTIL(t, t->n_closed == 1, 2000);
    assert_int_equal(t->n_closed, 1);
}

static void test_big_write(void **state)
{
    T *t = *state;
    int fd = client_open(t);
    assert_int_equal(send(fd, "BIG", 3, 0), 3);
    PUMP_UNTIL(t, t->n_read >= 3, 2000);
    /* The client has not read yet: most of 4 MB must still be pending, and the reference held. */
    assert_true(net_conn_pending_bytes(t->conn) > 0);
    assert_int_equal(t->n_freed, 0);
    size_t len = 3 + (4u << 20);
    uint8_t *buf = malloc(len);
    int eof;
    assert_int_equal(client_read(t, fd, buf, len, &eof, 5000), len);
    assert_memory_equal(buf, "HDR", 3);
    for (size_t i = 0; i < (4u << 20); i += 4099)
        assert_int_equal(buf[3 + i], (uint8_t)i);
    free(buf);
    PUMP_UNTIL(t, t->n_freed == 1, 2000);
    assert_int_equal(t->n_freed, 1);
    assert_int_equal(net_conn_pending_bytes(t->conn), 0);
    close(fd);
    PUMP_UNTIL(t, t->n_closed == 1, 2000);
}

static void test_graceful_close(void **state)
{
    T *t = *state;
    int fd = client_open(t);
    assert_int_equal(send(fd, "QUIT", 4, 0), 4);
    size_t len = 1u << 20;
    uint8_t *buf = malloc(len + 1);
    int eof = 0;
    assert_int_equal(client_read(t, fd, buf, len, &eof, 5000), len);
    assert_int_equal(buf[len - 1], 'q');
    /* Then FIN, and our EOF ends the linger. */
    assert_int_equal(client_read(t, fd, buf, 1, &eof, 3000), 0);
    assert_true(eof);
    free(buf);
    close(fd);
    PUMP_UNTIL(t, t->n_closed == 1, 3000);
    assert_int_equal(t->n_closed, 1);
    assert_int_equal(t->n_freed, 1);
}

static void test_close_drops_refs(void **state)
{
    T *t = *state;
    int fd = client_open(t);
    assert_int_equal(send(fd, "DROP", 4, 0), 4);
    PUMP_UNTIL(t, t->n_closed == 1, 2000);
    assert_int_equal(t->n_closed, 1);
    assert_int_equal(t->n_freed, 1);
    close(fd);
}

static void test_pause_resume(void **state)
{
    T *t = *state;
    int fd = client_open(t);
    net_conn_read_pause(t->conn);
    assert_int_equal(send(fd, "xyz", 3, 0), 3);
    pump(t, 100);
    assert_int_equal(t->n_read, 0);
    net_conn_read_resume(t->conn);
    PUMP_UNTIL(t, t->n_read == 3, 2000);
    assert_string_equal(t->last, "xyz");
    close(fd);
    PUMP_UNTIL(t, t->n_closed == 1, 2000);
}

static void test_idle_timeout(void **state)
{
    T *t = *state;
    t->idle_ms = 100;
    int fd = client_open(t);
    uint64_t t0 = now_ms();
    /* Activity keeps it open. */
    for (int i = 0; i < 4; i++) {
        pump(t, 50);
        assert_int_equal(send(fd, "ping", 4, 0), 4);
    }
    assert_int_equal(t->n_closed, 0);
    PUMP_UNTIL(t, t->n_closed == 1, 2000);
    assert_int_equal(t->n_closed, 1);
    assert_true(now_ms() - t0 >= 250);
    uint8_t buf[64];
    int eof;
    client_read(t, fd, buf, sizeof(buf), &eof, 1000);
    assert_true(eof);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_listener_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graceful_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_drops_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
