/*
 * test_http1.c: unit tests of the HTTP/1.1 request parser in src/http/http1.c, driven directly through
 * the http_int.h parser API (no sockets). Each case is fed whole, byte by byte and in random splits, and
 * must produce the same event transcript every time; the transcripts are also checked against the
 * expected requests and error statuses (framing rules, limits, chunked bodies, pipelining, 100-continue).
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

#include "base/buf.h"
#include "base/err.h"
#include "http/http_int.h"

/* ------------------------------------------------------------------ transcript helpers */

static void tr_append(Buf *t, const void *p, size_t n)
{
    assert_int_equal(buf_append(t, p, n), 0);
}

static void tr_cstr(Buf *t, const char *s)
{
    tr_append(t, s, strlen(s));
}

static void tr_num(Buf *t, long long v)
{
    char b[32];
    int n = snprintf(b, sizeof(b), "%lld", v);
    tr_append(t, b, (size_t)n);
}

/* Take every event the parser has now; returns 1 once an error was recorded. */
static int drain_events(Http1Parser *p, Buf *t)
{
    for (;;) {
        HttpReqData d;
        Http1Event ev = http1_parser_next(p, &d);
        if (ev == HTTP1_EV_NONE)
            return 0;
        if (ev == HTTP1_EV_CONTINUE) {
            tr_cstr(t, "CONTINUE\n");
            continue;
        }
        if (ev == HTTP1_EV_ERROR) {
            tr_cstr(t, "ERROR ");
            tr_num(t, p->err_status);
            tr_cstr(t, "\n");
            return 1;
        }
        const HttpRequest *r = &d.req;
        tr_cstr(t, "REQ ");
        tr_append(t, r->method.p, r->method.n);
        tr_cstr(t, " ");
        tr_append(t, r->target.p, r->target.n);
        tr_cstr(t, " v");
        tr_num(t, r->version);
        tr_cstr(t, d.keep_alive ? " ka" : " close");
        for (size_t i = 0; i < r->n_headers; i++) {
            tr_cstr(t, " [");
            tr_append(t, r->headers[i].name.p, r->headers[i].name.n);
            tr_cstr(t, "=");
            tr_append(t, r->headers[i].value.p, r->headers[i].value.n);
            tr_cstr(t, "]");
        }
        tr_cstr(t, " body=");
        tr_num(t, (long long)r->body_len);
        tr_cstr(t, ":");
        tr_append(t, r->body, r->body_len);
        assert_int_equal(r->body[r->body_len], '\0'); /* NUL-terminated for the handler */
        tr_cstr(t, "\n");
        http_req_data_fini(&d);
    }
}

/* Feed in[0..n) in pieces whose sizes come from split(): 0 = whole, 1 = bytes, else seeded random. */
static void run_split(const char *in, size_t n, int mode, unsigned seed, size_t max_header, size_t max_body,
                      Buf *t)
{
    Http1Parser p;
    http1_parser_init(&p, max_header, max_body);
    buf_init(t, 0);
    size_t off = 0;
    int dead = 0;
    while (off < n && !dead) {
        size_t k;
        if (mode == 0)
            k = n - off;
        else if (mode == 1)
            k = 1;
        else {
            seed = seed * 1103515245u + 12345u;
            k = 1 + (seed >> 16) % 23;
        }
        if (k > n - off)
            k = n - off;
        assert_int_equal(http1_parser_feed(&p, in + off, k), 0);
        off += k;
        dead = drain_events(&p, t);
    }
    if (!dead)
        drain_events(&p, t);
    http1_parser_fini(&p);
}

/* Parse in every split pattern; all transcripts must equal expect. */
static void check_limits(const char *in, size_t n, const char *expect, size_t max_header, size_t max_body)
{
    Buf whole;
    run_split(in, n, 0, 0, max_header, max_body, &whole);
    const char *got = whole.p ? (const char *)whole.p : "";
    if (strcmp(got, expect) != 0) {
        print_error("input:\n%.*s\nexpected:\n%s\ngot:\n%s\n", (int)n, in, expect, got);
        fail();
    }
    for (int mode = 1; mode < 8; mode++) {
        Buf t;
        run_split(in, n, mode, (unsigned)mode * 7919u, max_header, max_body, &t);
        const char *g2 = t.p ? (const char *)t.p : "";
        if (strcmp(g2, got) != 0) {
            print_error("split mode %d differs:\n%s\nvs whole:\n%s\n", mode, g2, got);
            fail();
        }
        buf_fini(&t);
    }
    buf_fini(&whole);
}

static void check(const char *in, const char *expect)
{
    check_limits(in, strlen(in), expect, 0, 0);
}

/* ------------------------------------------------------------------ tests */

static void test_simple_get(void **state)
{
    UNUSED(state);
    check("GET /health HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\n",
          "REQ GET /health v11 ka [Host=x] [User-Agent=t] body=0:\n");
    /* OWS around values is trimmed; empty values are fine. */
    check("GET / HTTP/1.1\r\nA:  v  \r\nB:\r\nC:\tz\t\r\n\r\n",
          "REQ GET / v11 ka [A=v] [B=] [C=z] body=0:\n");
    /* Empty lines before a request line are skipped. */
    check("\r\n\r\nGET / HTTP/1.1\r\n\r\n", "REQ GET / v11 ka body=0:\n");
}

static void test_content_length_body(void **state)
{
    UNUSED(state);
    check("POST /p?q=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
          "REQ POST /p?q=1 v11 ka [Content-Length=5] body=5:hello\n");
    /* Same Content-Length twice is allowed. */
    check("POST / HTTP/1.1\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab",
          "REQ POST / v11 ka [Content-Length=2] [content-length=2] body=2:ab\n");
    check("POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "REQ POST / v11 ka [Content-Length=0] body=0:\n");
    /* Incomplete body: no event yet. */
    check("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", "");
}

static void test_keepalive_rules(void **state)
{
    UNUSED(state);
    check("GET / HTTP/1.1\r\nConnection: close\r\n\r\n", "REQ GET / v11 close [Connection=close] body=0:\n");
    check("GET / HTTP/1.0\r\n\r\n", "REQ GET / v10 close body=0:\n");
    check("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
          "REQ GET / v10 ka [Connection=Keep-Alive] body=0:\n");
    check("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n",
          "REQ GET / v11 close [Connection=foo, close] body=0:\n");
}

static void test_chunked(void **state)
{
    UNUSED(state);
    check("POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
          "5\r\nhello\r\n6;ext=1\r\n world\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
          "REQ POST /c v11 ka [Transfer-Encoding=chunked] body=21:hello world0123456789\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n",
          "REQ POST / v11 ka [Transfer-Encoding=Chunked] body=0:\n");
    /* Bad chunk sizes and framing. */
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", "ERROR 400\n");
    /* Chunks over the body limit: 413 at the chunk size line. */
    check_limits("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n",
                 strlen("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"),
                 "ERROR 413\n", 0, 10);
    /* Unsupported codings. */
    check("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "ERROR 501\n");
    check("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
          "ERROR 400\n");
    check("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "ERROR 400\n");
}

static void test_pipelined(void **state)
{
    UNUSED(state);
    check("GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\n\r\n"
          "POST /4 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
          "REQ GET /1 v11 ka body=0:\n"
          "REQ POST /2 v11 ka [Content-Length=3] body=3:abc\n"
          "REQ GET /3 v11 ka body=0:\n"
          "REQ POST /4 v11 ka [Transfer-Encoding=chunked] body=1:z\n");
    /* A framing error after good requests: the good ones come out first. */
    check("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\nBad Header: x\r\n\r\n",
          "REQ GET /1 v11 ka body=0:\nERROR 400\n");
}

static void test_expect_continue(void **state)
{
    UNUSED(state);
    check("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
          "CONTINUE\nREQ POST / v11 ka [Expect=100-continue] [Content-Length=2] body=2:ok\n");
    /* No body, or HTTP/1.0: no 100 Continue. */
    check("GET / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
          "REQ GET / v11 ka [Expect=100-continue] body=0:\n");
    check("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
          "REQ POST / v10 close [Expect=100-continue] [Content-Length=1] body=1:x\n");
    /* Too large: 413 instead of 100 Continue. */
    const char *big = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n";
    check_limits(big, strlen(big), "ERROR 413\n", 0, 50);
}

static void test_malformed(void **state)
{
    UNUSED(state);
    check("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "ERROR 400\n"); /* obs-fold */
    check("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "ERROR 400\n");           /* space before colon */
    check("GET / HTTP/1.1\r\nH(st: a\r\n\r\n", "ERROR 400\n");            /* bad name char */
    check("GET / HTTP/1.1\r\n: a\r\n\r\n", "ERROR 400\n");                /* empty name */
    check("GET / HTTP/1.1\r\nNoColon\r\n\r\n", "ERROR 400\n");
    check("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", "ERROR 400\n");    /* bare CR */
    check("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", "ERROR 400\n"); /* bare LF */
    check("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: \r\n\r\n", "ERROR 400\n");
    check("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", "ERROR 400\n");
    check("GET /  HTTP/1.1\r\n\r\n", "ERROR 400\n"); /* double space */
    check("GET HTTP/1.1\r\n\r\n", "ERROR 400\n");
    check("GET / HTTP/1.1 \r\n\r\n", "ERROR 400\n");
    check("GET / http/1.1\r\n\r\n", "ERROR 400\n");
    check("GET /\x01 HTTP/1.1\r\n\r\n", "ERROR 400\n");
    check("GET / HTTP/2.0\r\n\r\n", "ERROR 505\n");
    const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"; /* TLS hello-ish */
    check_limits(tls, sizeof(tls) - 1, "ERROR 400\n", 0, 0);
    const char nul_method[] = "G\0T / HTTP/1.1\r\n\r\n";
    check_limits(nul_method, sizeof(nul_method) - 1, "ERROR 400\n", 0, 0);
    const char nul_val[] = "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n";
    check_limits(nul_val, sizeof(nul_val) - 1, "ERROR 400\n", 0, 0);
}

static void test_limits(void **state)
{
    UNUSED(state);
    /* Header section over max_header: 431, as soon as max_header bytes are in without a terminator. */
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append_cstr(&b, "GET / HTTP/1.1\r\n"), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(buf_append_cstr(&b, "X-Filler: 0123456789012345678901234567890123456789\r\n"), 0);
    check_limits((const char *)b.p, b.len, "ERROR 431\n", 1024, 0);
    assert_int_equal(buf_append_cstr(&b, "\r\n"), 0);
    check_limits((const char *)b.p, b.len, "ERROR 431\n", 1024, 0);
    buf_fini(&b);
    /* Exactly at the limit is fine. */
    const char *req = "GET / HTTP/1.1\r\nA: b\r\n\r\n";
    check_limits(req, strlen(req), "REQ GET / v11 ka [A=b] body=0:\n", strlen(req), 0);
    check_limits(req, strlen(req), "ERROR 431\n", strlen(req) - 1, 0);
    /* Body over max_body: 413 from the Content-Length alone. */
    const char *post = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
    check_limits(post, strlen(post), "ERROR 413\n", 0, 10);
    const char *post2 = "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789";
    check_limits(post2, strlen(post2), "REQ POST / v11 ka [Content-Length=10] body=10:0123456789\n", 0, 10);
}

static void test_buffer_bound(void **state)
{
    UNUSED(state);
    /* While a request waits to be taken, further input is buffered, but not without bound. */
    Http1Parser p;
    http1_parser_init(&p, 1024, 0);
    const char *r = "GET / HTTP/1.1\r\n\r\n";
    assert_int_equal(http1_parser_feed(&p, r, strlen(r)), 0);
    static char junk[64 * 1024];
    memset(junk, 'a', sizeof(junk));
    int rc = 0;
    for (int i = 0; i < 200 && rc == 0; i++)
        rc = http1_parser_feed(&p, junk, sizeof(junk));
    assert_int_equal(rc, WEIR_ELIMIT);
    assert_true(http1_parser_buffered(&p) <= 1024 + ((size_t)4 << 20));
    HttpReqData d;
    assert_int_equal(http1_parser_next(&p, &d), HTTP1_EV_REQUEST);
    http_req_data_fini(&d);
    assert_int_equal(http1_parser_next(&p, &d), HTTP1_EV_ERROR);
    assert_int_equal(p.err_status, 431);
    http1_parser_fini(&p);
}

static void test_random_requests_split(void **state)
{
    UNUSED(state);
    /* Generated pipelines of valid requests: every split gives the same transcript, and each request's
     * body matches what was sent. */
    unsigned seed = 12345;
    for (int round = 0; round < 60; round++) {
        Buf in, expect;
        buf_init(&in, 0);
        buf_init(&expect, 0);
        int nreq = 1 + round % 4;
        for (int k = 0; k < nreq; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t blen = (seed >> 8) % 300;
            char body[300];
            for (size_t i = 0; i < blen; i++)
                body[i] = (char)('a' + (i * 7 + (size_t)k) % 26);
            int chunked = (seed >> 20) & 1;
            char head[256];
            int hn;
            if (chunked)
                hn = snprintf(head, sizeof(head), "PUT /r%d HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
                              k);
            else
                hn =
                    snprintf(head, sizeof(head), "PUT /r%d HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", k, blen);
            assert_int_equal(buf_append(&in, head, (size_t)hn), 0);
            if (chunked) {
                size_t off = 0;
                while (off < blen) {
                    size_t c = 1 + (off * 13 + blen) % 50;
                    if (c > blen - off)
                        c = blen - off;
                    assert_int_equal(buf_printf(&in, "%zx\r\n", c), 0);
                    assert_int_equal(buf_append(&in, body + off, c), 0);
                    assert_int_equal(buf_append_cstr(&in, "\r\n"), 0);
                    off += c;
                }
                assert_int_equal(buf_append_cstr(&in, "0\r\n\r\n"), 0);
                assert_int_equal(
                    buf_printf(&expect, "REQ PUT /r%d v11 ka [Transfer-Encoding=chunked] body=%zu:", k, blen),
                    0);
            } else {
                assert_int_equal(buf_append(&in, body, blen), 0);
                assert_int_equal(
                    buf_printf(&expect, "REQ PUT /r%d v11 ka [Content-Length=%zu] body=%zu:", k, blen, blen),
                    0);
            }
            assert_int_equal(buf_append(&expect, body, blen), 0);
            assert_int_equal(buf_append_cstr(&expect, "\n"), 0);
        }
        check_limits((const char *)in.p, in.len, (const char *)expect.p, 0, 0);
        buf_fini(&in);
        buf_fini(&expect);
    }
}

static void test_garbage_split_consistency(void **state)
{
    UNUSED(state);
    /* Random mutations of a valid request: whatever the outcome, it does not depend on the split. */
    const char *base =
        "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n"
        "GET /y HTTP/1.1\r\nContent-Length: 2\r\n\r\nzz";
    size_t n = strlen(base);
    unsigned seed = 99;
    for (int round = 0; round < 300; round++) {
        char m[256];
        memcpy(m, base, n);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % n;
            static const char alphabet[] = "\r\n :;0aZ\t\x7f\x80-";
            m[pos] = alphabet[(seed >> 20) % (sizeof(alphabet) - 1)];
        }
        Buf whole;
        run_split(m, n, 0, 0, 0, 0, &whole);
        for (int mode = 1; mode < 5; mode++) {
            Buf t;
            run_split(m, n, mode, seed + (unsigned)mode, 0, 0, &t);
            assert_int_equal(t.len, whole.len);
            if (t.len)
                assert_memory_equal(t.p, whole.p, t.len);
            buf_fini(&t);
        }
        buf_fini(&whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_content_length_body),
        cmocka_unit_test(test_keepalive_rules),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_buffer_bound),
        cmocka_unit_test(test_random_requests_split),
        cmocka_unit_test(test_garbage_split_consistency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
