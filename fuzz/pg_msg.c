/*
 * pg_msg.c: libFuzzer target for the PostgreSQL protocol layer (src/pgwire/pg_msg.c and the connection
 * state machine of pg_conn.c), driven from a buffer with no socket: the input is what a client sends,
 * from the startup packet on, and the fake engine of tests/unit/pgwire/fake_engine.h answers queries
 * (its statement words -- rows, cols, echo, set, begin, failexec ... -- are in pg_msg.dict).
 *
 * Invariants checked, beyond ASan/UBSan/LeakSanitizer:
 *   - every send is whole backend messages of known types with sane lengths (the only exceptions: the
 *     one-byte 'N' answer to SSLRequest/GSSENCRequest, and the protocol-2 error text);
 *   - feeding the input whole and in pseudo-random pieces gives the same bytes back (except after an
 *     SSL/GSS request with more bytes behind it, which is refused only when those bytes arrive together);
 *   - nothing more is sent once the connection is DONE.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_ROWS 3000L
#define FAKE_MAX_LEN 2048L
#define FAKE_SLEEP_MS 0
#include "../tests/unit/pgwire/fake_engine.h"
#include "pgwire/pg_conn.h"
#include "pgwire/pg_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "pg_msg fuzz invariant failed: %s\n", what);
        abort();
    }
}

typedef struct Sink {
    Buf out;
    int done; /* the connection said DONE: no more sends allowed */
} Sink;

static void check_messages(const uint8_t *p, size_t n)
{
    if (n == 1 && p[0] == 'N')
        return; /* SSLRequest / GSSENCRequest answer */
    if (n > 7 && !memcmp(p, "EFATAL:", 7))
        return; /* protocol 2 error */
    static const char known[] = "R S K Z C E N T D t 1 2 3 n s I v";
    size_t off = 0;
    while (off < n) {
        fz_check(n - off >= 5, "a send ends inside a message header");
        fz_check(p[off] && strchr(known, p[off]) != NULL, "unknown backend message type");
        uint32_t len =
            (uint32_t)p[off + 1] << 24 | (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 3] << 8 | p[off + 4];
        fz_check(len >= 4 && n - off - 1 >= len, "a send ends inside a message");
        off += 1 + len;
    }
}

static int sink_send(void *arg, const uint8_t *p, size_t n)
{
    Sink *s = arg;
    fz_check(!s->done, "send after DONE");
    check_messages(p, n);
    fz_check(buf_append(&s->out, p, n) == 0, "sink append");
    return 0;
}

static int fz_admit(void *arg, int32_t *pid, int32_t *key)
{
    UNUSED(arg);
    *pid = 1;
    *key = 2;
    return 0;
}

static void run(const uint8_t *data, size_t size, int split, Sink *sink)
{
    PgConnConfig cfg = {.ops = &fake_ops,
                        .send = sink_send,
                        .send_arg = sink,
                        .admit = fz_admit,
                        .max_message = 1 << 16, /* small limits make the length checks reachable */
                        .flush_at = 256};
    PgConn *c = pg_conn_create(&cfg);
    uint32_t seed = 2166136261u;
    size_t off = 0;
    int st = PG_CONN_STARTUP;
    while (off < size && st != PG_CONN_DONE) {
        size_t n = size - off;
        if (split) {
            seed = seed * 1664525u + 1013904223u;
            size_t k = 1 + (seed >> 24) % 17;
            n = k < n ? k : n;
        }
        st = pg_conn_feed(c, data + off, n);
        off += n;
    }
    if (st != PG_CONN_DONE)
        pg_conn_eof(c);
    fz_check(pg_conn_state(c) == PG_CONN_DONE, "not DONE after EOF");
    sink->done = 1;
    pg_conn_terminate(c); /* a no-op now */
    pg_conn_destroy(&c);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Sink a = {0}, b = {0};
    buf_init(&a.out, 0);
    buf_init(&b.out, 0);
    run(data, size, 0, &a);
    if (size <= 8192) {
        run(data, size, 1, &b);
        /* Bytes behind an SSL or GSS request are refused only if they came in the same read. */
        int encryption_request =
            size > 8 && (be32(data + 4) == PG_SSL_REQUEST_CODE || be32(data + 4) == PG_GSSENC_REQUEST_CODE);
        if (!encryption_request)
            fz_check(a.out.len == b.out.len && (a.out.len == 0 || !memcmp(a.out.p, b.out.p, a.out.len)),
                     "whole and split input answered differently");
    }
    buf_fini(&a.out);
    buf_fini(&b.out);
    return 0;
}
