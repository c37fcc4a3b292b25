/*
 * test_pg_conn.c: unit tests of the protocol state machine (src/pgwire/pg_conn.c) over the fake engine
 * of fake_engine.h, without sockets. Each exchange is written as the client's messages and the
 * expected transcript of the server's answer (see pg_test_util.h), mirroring what PostgreSQL 15 sends
 * for the same messages (checked against a real PostgreSQL 15 while writing them). Unless a case
 * depends on how input is split, it is fed whole, one byte at a time and in random pieces, and must
 * give the same answer each way.
 */
/* cmocka.h needs these first */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/fake_engine.h"
#include "pgwire/pg_conn.h"
#include "pgwire/pg_msg.h"
#include "pgwire/pg_test_util.h"

/* ------------------------------------------------------------------ harness */

typedef struct Harness {
    Buf sent;
    int n_sends;
    int fail_after;     /* sends that succeed before the peer "disconnects"; -1 never */
    int whole_messages; /* assert every send holds whole messages (after the SSL 'N' bytes) */
    int raw_prefix;     /* bytes at the start of sent that are not messages (SSL/GSS answers) */
    int admit_rc;
    int n_admit, n_started, n_cancel;
    int32_t cancel_pid, cancel_key;
    size_t flush_at, max_message;
    PgConn *c;
} Harness;

static int h_send(void *arg, const uint8_t *p, size_t n)
{
    Harness *h = arg;
    if (h->fail_after >= 0 && h->n_sends >= h->fail_after)
        return -1;
    h->n_sends++;
    if (h->whole_messages && h->sent.len >= (size_t)h->raw_prefix) {
        Buf t;
        buf_init(&t, 0);
        tr_decode(&t, p, n);
        assert_null(strstr(t.p ? (char *)t.p : "", "!truncated"));
        buf_fini(&t);
    }
    assert_int_equal(buf_append(&h->sent, p, n), 0);
    return 0;
}

static int h_admit(void *arg, int32_t *pid, int32_t *key)
{
    Harness *h = arg;
    h->n_admit++;
    *pid = 4242;
    *key = 0x12345678;
    return h->admit_rc;
}

static void h_started(void *arg, PgConn *c)
{
    Harness *h = arg;
    assert_ptr_equal(c, h->c);
    h->n_started++;
}

static void h_cancel(void *arg, int32_t pid, int32_t key)
{
    Harness *h = arg;
    h->n_cancel++;
    h->cancel_pid = pid;
    h->cancel_key = key;
}

static void h_init(Harness *h)
{
    memset(h, 0, sizeof(*h));
    buf_init(&h->sent, 0);
    h->fail_after = -1;
    h->whole_messages = 1;
}

static PgConn *h_conn(Harness *h)
{
    PgConnConfig cfg = {.ops = &fake_ops,
                        .send = h_send,
                        .send_arg = h,
                        .admit = h_admit,
                        .started = h_started,
                        .cancel_request = h_cancel,
                        .hook_arg = h,
                        .max_message = h->max_message,
                        .flush_at = h->flush_at};
    h->c = pg_conn_create(&cfg);
    return h->c;
}

static void h_fini(Harness *h)
{
    pg_conn_destroy(&h->c);
    assert_null(h->c);
    buf_fini(&h->sent);
}

enum { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

static int h_feed(Harness *h, const Buf *in, int mode, unsigned seed)
{
    int st = pg_conn_state(h->c);
    size_t off = 0;
    while (off < in->len && st != PG_CONN_DONE) {
        size_t n = in->len - off;
        if (mode == FEED_BYTES)
            n = 1;
        else if (mode == FEED_RANDOM) {
            seed = seed * 1103515245u + 12345u;
            size_t k = 1 + (seed >> 16) % 23;
            n = k < n ? k : n;
        }
        st = pg_conn_feed(h->c, in->p + off, n);
        off += n;
    }
    return st;
}

/* The transcript of everything sent so far (after raw_prefix bytes); caller frees. */
static char *h_transcript(Harness *h)
{
    Buf t;
    buf_init(&t, 0);
    assert_int_equal(buf_append(&t, "", 0), 0);
    tr_decode(&t, h->sent.p + h->raw_prefix, h->sent.len - (size_t)h->raw_prefix);
    size_t n;
    return (char *)buf_steal(&t, &n);
}

static void assert_transcript(Harness *h, const char *want)
{
    char *got = h_transcript(h);
    if (strcmp(got, want)) {
        fprintf(stderr, "--- want\n%s--- got\n%s---\n", want, got);
        fail();
    }
    free(got);
}

/* Start a session (standard startup), then forget what the startup sent. */
static void h_session(Harness *h)
{
    h_conn(h);
    Buf in;
    buf_init(&in, 0);
    fe_startup(&in, "alice");
    assert_int_equal(pg_conn_feed(h->c, in.p, in.len), PG_CONN_READY);
    buf_fini(&in);
    buf_reset(&h->sent);
    h->n_sends = 0;
}

/* Run `in` after a standard startup in all three feeding modes; each must send `want` and end in
 * state `want_state`. */
static void check_script(const Buf *in, const char *want, int want_state)
{
    for (int mode = FEED_WHOLE; mode <= FEED_RANDOM; mode++) {
        for (unsigned seed = 1; seed <= (mode == FEED_RANDOM ? 5u : 1u); seed++) {
            Harness h;
            h_init(&h);
            h_session(&h);
            int st = h_feed(&h, in, mode, seed);
            if (st != want_state)
                fprintf(stderr, "mode %d seed %u: state %d, want %d\n", mode, seed, st, want_state);
            assert_int_equal(st, want_state);
            assert_transcript(&h, want);
            h_fini(&h);
        }
    }
}

/* Same for input that starts with the startup packet itself. */
static void check_startup(const Buf *in, const char *want, int want_state)
{
    for (int mode = FEED_WHOLE; mode <= FEED_RANDOM; mode++) {
        Harness h;
        h_init(&h);
        h_conn(&h);
        assert_int_equal(h_feed(&h, in, mode, 7), want_state);
        assert_transcript(&h, want);
        h_fini(&h);
    }
}

#define STARTUP_OK                                                                                           \
    "R 0\nS application_name=\nS client_encoding=UTF8\nS DateStyle=ISO, MDY\nS server_version=15.0 (fake)\n" \
    "S TimeZone=UTC\nK\nZ I\n"

/* ------------------------------------------------------------------ startup */

static void test_startup_ok(void **state)
{
    UNUSED(state);
    Harness h;
    h_init(&h);
    h_conn(&h);
    assert_int_equal(pg_conn_state(h.c), PG_CONN_STARTUP);
    Buf in;
    buf_init(&in, 0);
    const char *kv[] = {"user", "alice", "database", "shop", "application_name", "psql", NULL};
    fe_startup_v(&in, 196608, kv);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_transcript(&h, "R 0\nS application_name=psql\nS client_encoding=UTF8\nS DateStyle=ISO, MDY\n"
                          "S server_version=15.0 (fake)\nS TimeZone=UTC\nK\nZ I\n");
    assert_string_equal(pg_conn_user(h.c), "alice");
    assert_string_equal(pg_conn_database(h.c), "shop");
    assert_int_equal(h.n_admit, 1);
    assert_int_equal(h.n_started, 1);
    /* BackendKeyData carries the pid and key the admit hook gave */
    const uint8_t *k = memchr(h.sent.p, 'K', h.sent.len);
    while (k && be_u32(k + 1) != 12)
        k = memchr(k + 1, 'K', h.sent.len - (size_t)(k + 1 - h.sent.p));
    assert_non_null(k);
    assert_int_equal(be_u32(k + 5), 4242);
    assert_int_equal(be_u32(k + 9), 0x12345678);
    /* what the startup packet set is not reported a second time */
    buf_reset(&in);
    buf_reset(&h.sent);
    fe_query(&in, "nothing");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_transcript(&h, "C DO\nZ I\n");
    buf_fini(&in);
    h_fini(&h);
}

static void test_startup_all_modes(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_startup(&in, "bob");
    fe_query(&in, "rows 1");
    check_startup(&in, STARTUP_OK "T n:0:0:23:4:-1:0\nD 1\nC SELECT 1\nZ I\n", PG_CONN_READY);
    /* database defaults to the user name; names are cut to 63 bytes */
    char longname[100];
    memset(longname, 'u', 99);
    longname[99] = '\0';
    buf_reset(&in);
    const char *kv[] = {"user", longname, NULL};
    fe_startup_v(&in, 196608, kv);
    Harness h;
    h_init(&h);
    h_conn(&h);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_int_equal(strlen(pg_conn_user(h.c)), 63);
    assert_string_equal(pg_conn_database(h.c), pg_conn_user(h.c));
    h_fini(&h);
    buf_fini(&in);
}

static void test_startup_ssl_gss(void **state)
{
    UNUSED(state);
    /* SSLRequest answered 'N', then the real startup packet (sent after reading the answer) */
    Harness h;
    h_init(&h);
    h.whole_messages = 0; /* the raw 'N' answers are not messages */
    h_conn(&h);
    Buf in;
    buf_init(&in, 0);
    fe_code(&in, PG_GSSENC_REQUEST_CODE);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_STARTUP);
    buf_reset(&in);
    fe_code(&in, PG_SSL_REQUEST_CODE);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_STARTUP);
    assert_int_equal(h.sent.len, 2);
    assert_memory_equal(h.sent.p, "NN", 2);
    buf_reset(&in);
    fe_startup(&in, "alice");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    h.raw_prefix = 2;
    assert_transcript(&h, STARTUP_OK);
    h_fini(&h);

    /* a second SSLRequest is just an unknown protocol version */
    h_init(&h);
    h.whole_messages = 0; /* the raw 'N' answers are not messages */
    h_conn(&h);
    buf_reset(&in);
    fe_code(&in, PG_SSL_REQUEST_CODE);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_STARTUP);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    h.raw_prefix = 1;
    assert_transcript(&h,
                      "E FATAL 0A000 unsupported frontend protocol 1234.5679: server supports 3.0 to 3.0\n");
    h_fini(&h);

    /* bytes already buffered behind the SSLRequest were sent in the clear: refused (CVE-2021-23214) */
    h_init(&h);
    h.whole_messages = 0; /* the raw 'N' answers are not messages */
    h_conn(&h);
    buf_reset(&in);
    fe_code(&in, PG_SSL_REQUEST_CODE);
    fe_startup(&in, "alice");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    assert_int_equal(h.sent.p[0], 'N');
    h.raw_prefix = 1;
    assert_transcript(&h,
                      "E FATAL 08P01 received unencrypted data after SSL request D:This could be either a "
                      "client-software bug or evidence of an attempted man-in-the-middle attack.\n");
    h_fini(&h);
    h_init(&h);
    h.whole_messages = 0; /* the raw 'N' answers are not messages */
    h_conn(&h);
    buf_reset(&in);
    fe_code(&in, PG_GSSENC_REQUEST_CODE);
    fe_raw(&in, "x", 1);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    h.raw_prefix = 1;
    assert_transcript(
        &h, "E FATAL 08P01 received unencrypted data after GSSAPI encryption request D:This could be "
            "either a client-software bug or evidence of an attempted man-in-the-middle attack.\n");
    h_fini(&h);
    buf_fini(&in);
}

static void test_startup_bad_packets(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    /* length below 8, above 10000 */
    fe_i32(&in, 4);
    fe_i32(&in, 0);
    check_startup(&in, "E FATAL 08P01 invalid length of startup packet\n", PG_CONN_DONE);
    buf_reset(&in);
    fe_i32(&in, 10001);
    fe_i32(&in, 196608);
    check_startup(&in, "E FATAL 08P01 invalid length of startup packet\n", PG_CONN_DONE);
    /* no terminator; a name without a value */
    buf_reset(&in);
    fe_i32(&in, 4 + 4 + 11);
    fe_i32(&in, 196608);
    fe_raw(&in, "user\0alice\0", 11);
    check_startup(&in, "E FATAL 08P01 invalid startup packet layout: expected terminator as last byte\n",
                  PG_CONN_DONE);
    buf_reset(&in);
    fe_i32(&in, 4 + 4 + 14);
    fe_i32(&in, 196608);
    fe_raw(&in, "user\0alice\0x\0\0", 14);
    check_startup(&in, "E FATAL 08P01 invalid startup packet layout: expected terminator as last byte\n",
                  PG_CONN_DONE);
    /* protocol 4.0: FATAL in protocol 3 form */
    buf_reset(&in);
    const char *kv[] = {"user", "alice", NULL};
    fe_startup_v(&in, 4u << 16, kv);
    check_startup(&in, "E FATAL 0A000 unsupported frontend protocol 4.0: server supports 3.0 to 3.0\n",
                  PG_CONN_DONE);
    /* protocol 2.0: the error in protocol 2's form (no length word) */
    Harness h;
    h_init(&h);
    h.whole_messages = 0;
    h_conn(&h);
    buf_reset(&in);
    fe_startup_v(&in, 2u << 16, kv);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    const char v2[] = "EFATAL:  unsupported frontend protocol 2.0: server supports 3.0 to 3.0\n";
    assert_int_equal(h.sent.len, sizeof(v2));
    assert_memory_equal(h.sent.p, v2, sizeof(v2));
    h_fini(&h);
    /* no user */
    buf_reset(&in);
    const char *kv2[] = {"database", "db", NULL};
    fe_startup_v(&in, 196608, kv2);
    check_startup(&in, "E FATAL 28000 no PostgreSQL user name specified in startup packet\n", PG_CONN_DONE);
    buf_reset(&in);
    const char *kv3[] = {"user", "", NULL};
    fe_startup_v(&in, 196608, kv3);
    check_startup(&in, "E FATAL 28000 no PostgreSQL user name specified in startup packet\n", PG_CONN_DONE);
    buf_fini(&in);
}

static void test_startup_negotiate(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    const char *kv[] = {"user", "alice", "_pq_.compression", "on", "_pq_.x", "1", NULL};
    fe_startup_v(&in, (3u << 16) | 2, kv);
    check_startup(&in, "v 0 _pq_.compression,_pq_.x\n" STARTUP_OK, PG_CONN_READY);
    buf_reset(&in);
    const char *kv2[] = {"user", "alice", NULL};
    fe_startup_v(&in, (3u << 16) | 1, kv2);
    check_startup(&in, "v 0\n" STARTUP_OK, PG_CONN_READY);
    buf_fini(&in);
}

static void test_startup_too_many(void **state)
{
    UNUSED(state);
    Harness h;
    h_init(&h);
    h.admit_rc = -1;
    h_conn(&h);
    Buf in;
    buf_init(&in, 0);
    fe_startup(&in, "alice");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    assert_transcript(&h, "E FATAL 53300 sorry, too many clients already\n");
    assert_int_equal(h.n_started, 0);
    buf_fini(&in);
    h_fini(&h);
}

static void test_startup_settings(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    const char *kv[] = {"user", "alice", "nosuch", "1", NULL};
    fe_startup_v(&in, 196608, kv);
    check_startup(&in, "R 0\nE FATAL 42704 unrecognized configuration parameter \"nosuch\"\n", PG_CONN_DONE);
    buf_reset(&in);
    const char *kv2[] = {"user", "alice", "DateStyle", "bogus", NULL};
    fe_startup_v(&in, 196608, kv2);
    check_startup(
        &in,
        "R 0\nE FATAL 22023 invalid value for parameter \"DateStyle\": \"bogus\" D:Unrecognized key word: "
        "\"bogus\".\n",
        PG_CONN_DONE);
    buf_reset(&in);
    const char *kv3[] = {"user", "alice", "server_version", "1", NULL};
    fe_startup_v(&in, 196608, kv3);
    check_startup(&in, "R 0\nE FATAL 55P02 parameter \"server_version\" cannot be changed\n", PG_CONN_DONE);
    /* options: -c name=value and --name=value, '-' read as '_', backslash escapes */
    buf_reset(&in);
    const char *kv4[] = {"user",     "alice",
                         "options",  "-c DateStyle=SQL  --application-name=my\\ app -csearch_path=x",
                         "TimeZone", "Europe/Paris",
                         NULL};
    fe_startup_v(&in, 196608, kv4);
    check_startup(&in,
                  "R 0\nS application_name=my app\nS client_encoding=UTF8\nS DateStyle=SQL\n"
                  "S server_version=15.0 (fake)\nS TimeZone=Europe/Paris\nK\nZ I\n",
                  PG_CONN_READY);
    buf_reset(&in);
    const char *kv5[] = {"user", "alice", "options", "-X", NULL};
    fe_startup_v(&in, 196608, kv5);
    check_startup(
        &in,
        "R 0\nE FATAL 42601 invalid command-line argument for server process: -X H:Try \"postgres --help\" "
        "for more information.\n",
        PG_CONN_DONE);
    buf_reset(&in);
    const char *kv6[] = {"user", "alice", "options", "-c datestyle", NULL};
    fe_startup_v(&in, 196608, kv6);
    check_startup(&in, "R 0\nE FATAL 42601 -c datestyle requires a value\n", PG_CONN_DONE);
    /* replication connections */
    buf_reset(&in);
    const char *kv7[] = {"user", "alice", "replication", "database", NULL};
    fe_startup_v(&in, 196608, kv7);
    check_startup(&in, "E FATAL 0A000 replication connections are not supported\n", PG_CONN_DONE);
    buf_reset(&in);
    const char *kv8[] = {"user", "alice", "replication", "maybe", NULL};
    fe_startup_v(&in, 196608, kv8);
    check_startup(
        &in,
        "E FATAL 22023 invalid value for parameter \"replication\": \"maybe\" H:Valid values are: \"false\", "
        "0, \"true\", 1, \"database\".\n",
        PG_CONN_DONE);
    buf_reset(&in);
    const char *kv9[] = {"user", "alice", "replication", "of", NULL};
    fe_startup_v(&in, 196608, kv9);
    check_startup(&in, STARTUP_OK, PG_CONN_READY);
    buf_fini(&in);
}

static void test_startup_cancel(void **state)
{
    UNUSED(state);
    Harness h;
    h_init(&h);
    h_conn(&h);
    Buf in;
    buf_init(&in, 0);
    fe_i32(&in, 16);
    fe_i32(&in, (int32_t)PG_CANCEL_REQUEST_CODE);
    fe_i32(&in, 777);
    fe_i32(&in, -5);
    assert_int_equal(h_feed(&h, &in, FEED_BYTES, 0), PG_CONN_DONE);
    assert_int_equal(h.n_cancel, 1);
    assert_int_equal(h.cancel_pid, 777);
    assert_int_equal(h.cancel_key, -5);
    assert_int_equal(h.sent.len, 0); /* never an answer */
    h_fini(&h);
    buf_reset(&in);
    fe_i32(&in, 12);
    fe_i32(&in, (int32_t)PG_CANCEL_REQUEST_CODE);
    fe_i32(&in, 777);
    check_startup(&in, "E FATAL 08P01 invalid length of startup packet\n", PG_CONN_DONE);
    buf_fini(&in);
}

static void test_startup_eof(void **state)
{
    UNUSED(state);
    Harness h;
    h_init(&h);
    h_conn(&h);
    pg_conn_eof(h.c);
    assert_int_equal(pg_conn_state(h.c), PG_CONN_DONE);
    assert_int_equal(h.sent.len, 0);
    h_fini(&h);
    h_init(&h);
    h_conn(&h);
    Buf in;
    buf_init(&in, 0);
    fe_startup(&in, "alice");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len - 3), PG_CONN_STARTUP);
    pg_conn_eof(h.c);
    assert_transcript(&h, "E FATAL 08P01 incomplete startup packet\n");
    h_fini(&h);
    buf_fini(&in);
}

/* ------------------------------------------------------------------ simple query */

static void test_simple_query(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_query(&in, "rows 5");
    check_script(&in, "T n:0:0:23:4:-1:0\nD 1\nD 2\nD 3\nD 4\nD 5\nC SELECT 5\nZ I\n", PG_CONN_READY);
    buf_reset(&in);
    fe_query(&in, "rows 1; cols ;nothing;");
    check_script(&in,
                 "T n:0:0:23:4:-1:0\nD 1\nC SELECT 1\n"
                 "T a:16384:1:23:4:-1:0,b:0:0:25:-1:-1:0,c:0:0:1700:-1:655366:0,d:0:0:1043:-1:24:0\n"
                 "D 42|NULL|3.14|abc\nC SELECT 1\nC DO\nZ I\n",
                 PG_CONN_READY);
    /* an error ends the query string; positions count from the start of the whole text */
    buf_reset(&in);
    fe_query(&in, "rows 1; oops; rows 2");
    check_script(
        &in, "T n:0:0:23:4:-1:0\nD 1\nC SELECT 1\nE ERROR 42601 syntax error at or near \"oops\" P:9\nZ I\n",
        PG_CONN_READY);
    buf_reset(&in);
    fe_query(&in, "rows 1 SPLITERR");
    check_script(&in, "E ERROR 42601 syntax error at or near \"SPLITERR\" P:8\nZ I\n", PG_CONN_READY);
    buf_reset(&in);
    fe_query(&in, "failexec 4");
    check_script(&in, "T n:0:0:23:4:-1:0\nD 1\nD 2\nD 3\nD 4\nE ERROR 22012 division by zero\nZ I\n",
                 PG_CONN_READY);
    /* empty query strings */
    buf_reset(&in);
    fe_query(&in, "");
    fe_query(&in, " ; ;");
    check_script(&in, "I\nZ I\nI\nZ I\n", PG_CONN_READY);
    buf_fini(&in);
}

static void test_simple_settings_and_txn(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    /* changed reported settings come once each, just before ReadyForQuery; unchanged ones not at all */
    fe_query(&in, "set application_name x; set application_name y; set DateStyle SQL; set search_path a");
    fe_query(&in, "set application_name y");
    check_script(&in, "C SET\nC SET\nC SET\nC SET\nS application_name=y\nS DateStyle=SQL\nZ I\nC SET\nZ I\n",
                 PG_CONN_READY);
    buf_reset(&in);
    fe_query(&in, "set nosuch 1");
    check_script(&in, "E ERROR 42704 unrecognized configuration parameter \"nosuch\"\nZ I\n", PG_CONN_READY);
    /* transaction status in ReadyForQuery */
    buf_reset(&in);
    fe_query(&in, "begin");
    fe_query(&in, "oops");
    fe_query(&in, "rows 1");
    fe_query(&in, "commit");
    fe_query(&in, "rows 1");
    check_script(
        &in,
        "C BEGIN\nZ T\nE ERROR 42601 syntax error at or near \"oops\" P:1\nZ E\n"
        "E ERROR 25P02 current transaction is aborted, commands ignored until end of transaction block\nZ E\n"
        "C ROLLBACK\nZ I\nT n:0:0:23:4:-1:0\nD 1\nC SELECT 1\nZ I\n",
        PG_CONN_READY);
    buf_fini(&in);
}

static void test_simple_bad_input(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_query(&in, "rows 1 \xff");
    fe_query(&in, "rows \xe2\x82");
    fe_query(&in, "rows \xc3\x28");
    check_script(&in,
                 "E ERROR 22021 invalid byte sequence for encoding \"UTF8\": 0xff\nZ I\n"
                 "E ERROR 22021 invalid byte sequence for encoding \"UTF8\": 0xe2 0x82\nZ I\n"
                 "E ERROR 22021 invalid byte sequence for encoding \"UTF8\": 0xc3 0x28\nZ I\n",
                 PG_CONN_READY);
    /* a Query without its NUL, with bytes after it */
    buf_reset(&in);
    size_t at = fe_begin(&in, 'Q');
    fe_raw(&in, "rows 1", 6);
    fe_end(&in, at);
    at = fe_begin(&in, 'Q');
    fe_raw(&in, "rows 1\0x", 8);
    fe_end(&in, at);
    check_script(&in,
                 "E ERROR 08P01 invalid string in message\nZ I\nE ERROR 08P01 invalid message format\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

/* ------------------------------------------------------------------ extended query */

static void test_ext_basic(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_parse(&in, "", "rows 5", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in, "1\n2\nD 1\nD 2\nD 3\nD 4\nD 5\nC SELECT 5\nZ I\n", PG_CONN_READY);

    /* nothing is sent before Sync or Flush, as PostgreSQL does */
    Harness h;
    h_init(&h);
    h_session(&h);
    buf_reset(&in);
    fe_parse(&in, "", "rows 1", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_int_equal(h.sent.len, 0);
    buf_reset(&in);
    fe_empty(&in, 'H');
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_transcript(&h, "1\n2\nD 1\nC SELECT 1\n");
    buf_reset(&in);
    fe_empty(&in, 'S');
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_transcript(&h, "1\n2\nD 1\nC SELECT 1\nZ I\n");
    h_fini(&h);
    buf_fini(&in);
}

static void test_ext_row_limit(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_parse(&in, "s1", "rows 5", 0, NULL);
    fe_bind0(&in, "p1", "s1");
    for (int i = 0; i < 4; i++)
        fe_execute(&in, "p1", 2);
    fe_empty(&in, 'S');
    /* the named portal is gone after Sync ended the implicit transaction */
    fe_execute(&in, "p1", 0);
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\n2\nD 1\nD 2\ns\nD 3\nD 4\ns\nD 5\nC SELECT 1\nC SELECT 0\nZ I\n"
                 "E ERROR 34000 portal \"p1\" does not exist\nZ I\n",
                 PG_CONN_READY);
    /* max_rows exactly the rows left: suspended, then completed with 0 rows; negative is no limit */
    buf_reset(&in);
    fe_parse(&in, "", "rows 2", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 2);
    fe_execute(&in, "", 2);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", -5);
    fe_empty(&in, 'S');
    check_script(&in, "1\n2\nD 1\nD 2\ns\nC SELECT 0\n2\nD 1\nD 2\nC SELECT 2\nZ I\n", PG_CONN_READY);
    /* inside a transaction block, portals survive Sync */
    buf_reset(&in);
    fe_parse(&in, "s1", "rows 3", 0, NULL);
    fe_query(&in, "begin");
    fe_bind0(&in, "p2", "s1");
    fe_execute(&in, "p2", 1);
    fe_empty(&in, 'S');
    fe_execute(&in, "p2", 1);
    fe_empty(&in, 'S');
    fe_query(&in, "commit");
    fe_execute(&in, "p2", 1);
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\nC BEGIN\nZ T\n2\nD 1\ns\nZ T\nD 2\ns\nZ T\nC COMMIT\nZ I\n"
                 "E ERROR 34000 portal \"p2\" does not exist\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_errors(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_parse(&in, "s1", "rows 1", 0, NULL);
    fe_empty(&in, 'S');
    fe_parse(&in, "s1", "rows 1", 0, NULL);
    fe_empty(&in, 'S');
    fe_bind0(&in, "", "nosuch");
    fe_empty(&in, 'S');
    fe_bind0(&in, "", "");
    fe_empty(&in, 'S');
    fe_describe(&in, 'S', "nosuch");
    fe_empty(&in, 'S');
    fe_describe(&in, 'S', "");
    fe_empty(&in, 'S');
    fe_describe(&in, 'P', "nosuch");
    fe_empty(&in, 'S');
    fe_describe(&in, 'X', "");
    fe_empty(&in, 'S');
    fe_execute(&in, "nosuch", 0);
    fe_empty(&in, 'S');
    fe_parse(&in, "", "rows 1; rows 2", 0, NULL);
    fe_empty(&in, 'S');
    fe_close(&in, 'Z', "x");
    fe_empty(&in, 'S');
    fe_parse(&in, "", "oops", 0, NULL);
    fe_empty(&in, 'S');
    fe_parse(&in, "", "failbind", 0, NULL);
    fe_bind0(&in, "", "");
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\nZ I\n"
                 "E ERROR 42P05 prepared statement \"s1\" already exists\nZ I\n"
                 "E ERROR 26000 prepared statement \"nosuch\" does not exist\nZ I\n"
                 "E ERROR 26000 unnamed prepared statement does not exist\nZ I\n"
                 "E ERROR 26000 prepared statement \"nosuch\" does not exist\nZ I\n"
                 "E ERROR 26000 unnamed prepared statement does not exist\nZ I\n"
                 "E ERROR 34000 portal \"nosuch\" does not exist\nZ I\n"
                 "E ERROR 08P01 invalid DESCRIBE message subtype 88\nZ I\n"
                 "E ERROR 34000 portal \"nosuch\" does not exist\nZ I\n"
                 "E ERROR 42601 cannot insert multiple commands into a prepared statement\nZ I\n"
                 "E ERROR 08P01 invalid CLOSE message subtype 90\nZ I\n"
                 "E ERROR 42601 syntax error at or near \"oops\" P:1\nZ I\n"
                 "1\nE ERROR 22P02 invalid input syntax for type integer: \"x\"\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_skip_until_sync(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    /* after an error every message up to Sync is dropped, a Query and Flush included */
    fe_parse(&in, "", "oops", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_query(&in, "rows 1");
    fe_empty(&in, 'H');
    fe_parse(&in, "s9", "rows 1", 0, NULL);
    fe_empty(&in, 'S');
    fe_describe(&in, 'S', "s9"); /* s9 was never parsed */
    fe_empty(&in, 'S');
    fe_parse(&in, "", "rows 1", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in,
                 "E ERROR 42601 syntax error at or near \"oops\" P:1\nZ I\n"
                 "E ERROR 26000 prepared statement \"s9\" does not exist\nZ I\n"
                 "1\n2\nD 1\nC SELECT 1\nZ I\n",
                 PG_CONN_READY);
    /* an error inside a transaction block: ReadyForQuery says E */
    buf_reset(&in);
    fe_query(&in, "begin");
    fe_parse(&in, "", "failexec 1", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    fe_parse(&in, "", "rows 1", 0, NULL);
    fe_empty(&in, 'S');
    fe_query(&in, "rollback");
    check_script(
        &in,
        "C BEGIN\nZ T\n1\n2\nD 1\nE ERROR 22012 division by zero\nZ E\n"
        "E ERROR 25P02 current transaction is aborted, commands ignored until end of transaction block\nZ E\n"
        "C ROLLBACK\nZ I\n",
        PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_empty_query(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_parse(&in, "", "", 0, NULL);
    fe_bind0(&in, "", "");
    fe_describe(&in, 'S', "");
    fe_describe(&in, 'P', "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in, "1\n2\nt \nn\nn\nI\nZ I\n", PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_bind_params(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    uint32_t oids[2] = {23, 0};
    fe_parse(&in, "e", "echo $1 $2", 2, oids);
    fe_describe(&in, 'S', "e");
    const char *vals[2] = {"hello", NULL};
    int16_t one = 1;
    fe_bind(&in, "", "e", 0, NULL, 2, vals, NULL, 1, &one);
    fe_describe(&in, 'P', "");
    fe_execute(&in, "", 0);
    /* binary parameters are not text: no encoding check */
    const char *bin[2] = {"\xff\x01", "ok"};
    int lens[2] = {2, -1};
    int16_t pf[2] = {1, 0};
    fe_bind(&in, "", "e", 2, pf, 2, bin, lens, 0, NULL);
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\nt 23,25\nT p1:0:0:25:-1:-1:0,p2:0:0:25:-1:-1:0\n2\n"
                 "T p1:0:0:25:-1:-1:1,p2:0:0:25:-1:-1:1\nD hello|NULL\nC SELECT 1\n"
                 "2\nD ff01|ok\nC SELECT 1\nZ I\n",
                 PG_CONN_READY);

    /* each of exec_bind_message's checks */
    const char *one_val[1] = {"x"};
    const char *three[3] = {"a", "b", "c"};
    int16_t f3[3] = {0, 0, 0}, f5 = 5, f7 = 7;
    buf_reset(&in);
    fe_parse(&in, "e", "echo $1 $2", 0, NULL);
    fe_empty(&in, 'S');
    fe_bind(&in, "", "e", 0, NULL, 1, one_val, NULL, 0, NULL);
    fe_empty(&in, 'S');
    fe_bind(&in, "", "e", 3, f3, 2, three, NULL, 0, NULL);
    fe_empty(&in, 'S');
    fe_bind(&in, "", "e", 1, &f5, 2, three, NULL, 0, NULL);
    fe_empty(&in, 'S');
    fe_bind(&in, "", "e", 0, NULL, 2, three, NULL, 3, f3);
    fe_empty(&in, 'S');
    fe_bind(&in, "", "e", 0, NULL, 2, three, NULL, 1, &f7); /* checked when rows are sent */
    fe_describe(&in, 'P', "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    const char *bad_utf8[2] = {"ok", "\xc3"};
    fe_bind(&in, "", "e", 0, NULL, 2, bad_utf8, NULL, 0, NULL);
    fe_empty(&in, 'S');
    fe_bind0(&in, "p", "e"); /* 0 of 2 */
    fe_empty(&in, 'S');
    check_script(
        &in,
        "1\nZ I\n"
        "E ERROR 08P01 bind message supplies 1 parameters, but prepared statement \"e\" requires 2\nZ I\n"
        "E ERROR 08P01 bind message has 3 parameter formats but 2 parameters\nZ I\n"
        "E ERROR 22023 unsupported format code: 5\nZ I\n"
        "E ERROR 08P01 bind message has 3 result formats but query has 2 columns\nZ I\n"
        "2\nT p1:0:0:25:-1:-1:7,p2:0:0:25:-1:-1:7\nE ERROR 22023 unsupported format code: 7\nZ I\n"
        "E ERROR 22021 invalid byte sequence for encoding \"UTF8\": 0xc3\nZ I\n"
        "E ERROR 08P01 bind message supplies 0 parameters, but prepared statement \"e\" requires 2\nZ I\n",
        PG_CONN_READY);

    /* malformed Bind bodies: negative length, values running past the end, a missing count */
    buf_reset(&in);
    fe_parse(&in, "e", "echo $1", 0, NULL);
    size_t at = fe_begin(&in, 'B');
    fe_str(&in, "");
    fe_str(&in, "e");
    fe_i16(&in, 0);
    fe_i16(&in, 1);
    fe_i32(&in, -2);
    fe_i16(&in, 0);
    fe_end(&in, at);
    fe_empty(&in, 'S');
    at = fe_begin(&in, 'B');
    fe_str(&in, "");
    fe_str(&in, "e");
    fe_i16(&in, 0);
    fe_i16(&in, 1);
    fe_i32(&in, 100);
    fe_raw(&in, "abc", 3);
    fe_end(&in, at);
    fe_empty(&in, 'S');
    at = fe_begin(&in, 'B');
    fe_str(&in, "");
    fe_str(&in, "e");
    fe_i16(&in, 0);
    fe_i16(&in, 1);
    fe_i32(&in, 1);
    fe_raw(&in, "a", 1);
    fe_end(&in, at); /* no result format count */
    fe_empty(&in, 'S');
    at = fe_begin(&in, 'B');
    fe_str(&in, "");
    fe_end(&in, at); /* statement name missing */
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\nE ERROR 08P01 insufficient data left in message\nZ I\n"
                 "E ERROR 08P01 insufficient data left in message\nZ I\n"
                 "E ERROR 08P01 insufficient data left in message\nZ I\n"
                 "E ERROR 08P01 invalid string in message\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_describe_binary(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_parse(&in, "s", "cols", 0, NULL);
    fe_describe(&in, 'S', "s");
    int16_t fm[4] = {1, 0, 0, 1};
    fe_bind(&in, "p", "s", 0, NULL, 0, NULL, NULL, 4, fm);
    fe_describe(&in, 'P', "p");
    fe_execute(&in, "p", 0);
    fe_parse(&in, "n", "nothing", 0, NULL);
    fe_describe(&in, 'S', "n");
    fe_bind0(&in, "", "n");
    fe_describe(&in, 'P', "");
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\nt \nT a:16384:1:23:4:-1:0,b:0:0:25:-1:-1:0,c:0:0:1700:-1:655366:0,d:0:0:1043:-1:24:0\n"
                 "2\nT a:16384:1:23:4:-1:1,b:0:0:25:-1:-1:0,c:0:0:1700:-1:655366:0,d:0:0:1043:-1:24:1\n"
                 "D \\x0000002a|NULL|3.14|abc\nC SELECT 1\n"
                 "1\nt \nn\n2\nn\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

static void test_ext_close_and_reuse(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    /* closing a statement keeps its portals working; closing what does not exist is fine */
    fe_query(&in, "begin");
    fe_parse(&in, "s", "rows 2", 0, NULL);
    fe_bind0(&in, "p", "s");
    fe_close(&in, 'S', "s");
    fe_execute(&in, "p", 0);
    fe_close(&in, 'P', "p");
    fe_close(&in, 'P', "p");
    fe_close(&in, 'S', "never");
    fe_execute(&in, "p", 0);
    fe_empty(&in, 'S');
    fe_bind0(&in, "q", "s");
    fe_empty(&in, 'S');
    fe_query(&in, "rollback");
    check_script(&in,
                 "C BEGIN\nZ T\n1\n2\n3\nD 1\nD 2\nC SELECT 2\n3\n3\n3\n"
                 "E ERROR 34000 portal \"p\" does not exist\nZ T\n"
                 "E ERROR 26000 prepared statement \"s\" does not exist\nZ T\nC ROLLBACK\nZ I\n",
                 PG_CONN_READY);
    /* re-Parse of the unnamed statement while its portal is open: the portal keeps the old one */
    buf_reset(&in);
    fe_parse(&in, "", "rows 1", 0, NULL);
    fe_bind0(&in, "", "");
    fe_parse(&in, "", "rows 2", 0, NULL);
    fe_execute(&in, "", 0);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in, "1\n2\n1\nD 1\nC SELECT 1\n2\nD 1\nD 2\nC SELECT 2\nZ I\n", PG_CONN_READY);
    /* a named portal cannot be bound twice; a statement runs again after completing only if it
     * returns rows (then as an exhausted cursor) */
    buf_reset(&in);
    fe_parse(&in, "", "rows 1", 0, NULL);
    fe_bind0(&in, "x", "");
    fe_bind0(&in, "x", "");
    fe_empty(&in, 'S');
    fe_parse(&in, "", "set application_name y", 0, NULL);
    fe_bind0(&in, "", "");
    fe_execute(&in, "", 0);
    fe_execute(&in, "", 0);
    fe_empty(&in, 'S');
    check_script(&in,
                 "1\n2\nE ERROR 42P03 cursor \"x\" already exists\nZ I\n"
                 "1\n2\nC SET\nE ERROR 55000 portal \"\" cannot be run\nS application_name=y\nZ I\n",
                 PG_CONN_READY);
    buf_fini(&in);
}

/* ------------------------------------------------------------------ framing and odd messages */

static void test_framing_errors(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    fe_raw(&in, "Z\0\0\0\x04", 5);
    check_script(&in, "E FATAL 08P01 invalid frontend message type 90\n", PG_CONN_DONE);
    /* unknown types are fatal even while skipping to Sync */
    buf_reset(&in);
    fe_parse(&in, "", "oops", 0, NULL);
    fe_raw(&in, "\x01\0\0\0\x04", 5);
    check_script(
        &in,
        "E ERROR 42601 syntax error at or near \"oops\" P:1\nE FATAL 08P01 invalid frontend message type 1\n",
        PG_CONN_DONE);
    buf_reset(&in);
    fe_raw(&in, "Q\0\0\0\x02", 5);
    check_script(&in, "E FATAL 08P01 invalid message length\n", PG_CONN_DONE);
    buf_reset(&in);
    fe_raw(&in, "Q\xff\xff\xff\xff", 5);
    check_script(&in, "E FATAL 08P01 invalid message length\n", PG_CONN_DONE);
    /* Sync, Flush, Describe, Execute, Close, Terminate are small: 10000 bytes at most */
    buf_reset(&in);
    fe_raw(&in, "S\0\0\x27\x12", 5);
    check_script(&in, "E FATAL 08P01 invalid message length\n", PG_CONN_DONE);
    /* the large limit is configurable */
    Harness h;
    h_init(&h);
    h.max_message = 100;
    h_session(&h);
    buf_reset(&in);
    char q[200];
    memset(q, 'a', sizeof(q) - 1);
    q[sizeof(q) - 1] = '\0';
    fe_query(&in, q);
    assert_int_equal(pg_conn_feed(h.c, in.p, 5), PG_CONN_DONE);
    assert_transcript(&h, "E FATAL 08P01 invalid message length\n");
    h_fini(&h);
    buf_fini(&in);
}

static void test_odd_messages(void **state)
{
    UNUSED(state);
    Buf in;
    buf_init(&in, 0);
    /* Sync with a body: an error, then ReadyForQuery once */
    size_t at = fe_begin(&in, 'S');
    fe_raw(&in, "x", 1);
    fe_end(&in, at);
    /* FunctionCall: refused, answered with ReadyForQuery */
    at = fe_begin(&in, 'F');
    fe_i32(&in, 1234);
    fe_end(&in, at);
    /* CopyData, CopyDone, CopyFail outside COPY: ignored */
    at = fe_begin(&in, 'd');
    fe_raw(&in, "data", 4);
    fe_end(&in, at);
    fe_empty(&in, 'c');
    at = fe_begin(&in, 'f');
    fe_str(&in, "oops");
    fe_end(&in, at);
    fe_query(&in, "rows 1");
    /* Terminate: nothing more is read or sent */
    fe_empty(&in, 'X');
    fe_query(&in, "rows 1");
    check_script(&in,
                 "E ERROR 08P01 invalid message format\nZ I\n"
                 "E ERROR 0A000 function calls by OID (FunctionCall messages) are not supported\nZ I\n"
                 "T n:0:0:23:4:-1:0\nD 1\nC SELECT 1\nZ I\n",
                 PG_CONN_DONE);
    buf_fini(&in);
}

static void test_eof_and_terminate(void **state)
{
    UNUSED(state);
    Harness h;
    h_init(&h);
    h_session(&h);
    Buf in;
    buf_init(&in, 0);
    fe_query(&in, "rows 1");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len - 2), PG_CONN_READY);
    pg_conn_eof(h.c);
    assert_int_equal(pg_conn_state(h.c), PG_CONN_DONE);
    assert_transcript(&h, "E FATAL 08P01 unexpected EOF within message\n");
    h_fini(&h);
    h_init(&h);
    h_session(&h);
    pg_conn_eof(h.c); /* between messages: just done */
    assert_int_equal(h.sent.len, 0);
    h_fini(&h);
    h_init(&h);
    h_session(&h);
    pg_conn_terminate(h.c);
    assert_int_equal(pg_conn_state(h.c), PG_CONN_DONE);
    assert_transcript(&h, "E FATAL 57P01 terminating connection due to administrator command\n");
    h_fini(&h);
    buf_fini(&in);
}

/* ------------------------------------------------------------------ output buffering */

static void test_flush_and_broken_peer(void **state)
{
    UNUSED(state);
    /* a long result goes out in pieces of whole messages once flush_at is passed */
    Harness h;
    h_init(&h);
    h.flush_at = 1000;
    h_session(&h);
    Buf in;
    buf_init(&in, 0);
    fe_query(&in, "big 50 100");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_READY);
    assert_true(h.n_sends >= 5);
    char *t = h_transcript(&h);
    assert_non_null(strstr(t, "C SELECT 50\nZ I\n"));
    free(t);
    h_fini(&h);

    /* the peer goes away mid-result: the query stops, the connection ends, nothing leaks (ASan) */
    h_init(&h);
    h.flush_at = 1000;
    h_session(&h);
    h.fail_after = 2;
    buf_reset(&in);
    fe_query(&in, "big 100000 100");
    fe_query(&in, "rows 1");
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    assert_int_equal(h.n_sends, 2);
    h_fini(&h);

    /* the same in the extended protocol, with open statements and portals left behind */
    h_init(&h);
    h.flush_at = 1000;
    h_session(&h);
    h.fail_after = 1;
    buf_reset(&in);
    fe_parse(&in, "s", "big 1000 100", 0, NULL);
    fe_bind0(&in, "p", "s");
    fe_execute(&in, "p", 0);
    fe_empty(&in, 'S');
    assert_int_equal(pg_conn_feed(h.c, in.p, in.len), PG_CONN_DONE);
    h_fini(&h);
    buf_fini(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_startup_ok),
        cmocka_unit_test(test_startup_all_modes),
        cmocka_unit_test(test_startup_ssl_gss),
        cmocka_unit_test(test_startup_bad_packets),
        cmocka_unit_test(test_startup_negotiate),
        cmocka_unit_test(test_startup_too_many),
        cmocka_unit_test(test_startup_settings),
        cmocka_unit_test(test_startup_cancel),
        cmocka_unit_test(test_startup_eof),
        cmocka_unit_test(test_simple_query),
        cmocka_unit_test(test_simple_settings_and_txn),
        cmocka_unit_test(test_simple_bad_input),
        cmocka_unit_test(test_ext_basic),
        cmocka_unit_test(test_ext_row_limit),
        cmocka_unit_test(test_ext_errors),
        cmocka_unit_test(test_ext_skip_until_sync),
        cmocka_unit_test(test_ext_empty_query),
        cmocka_unit_test(test_ext_bind_params),
        cmocka_unit_test(test_ext_describe_binary),
        cmocka_unit_test(test_ext_close_and_reuse),
        cmocka_unit_test(test_framing_errors),
        cmocka_unit_test(test_odd_messages),
        cmocka_unit_test(test_eof_and_terminate),
        cmocka_unit_test(test_flush_and_broken_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
