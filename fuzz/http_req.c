/*
 * http_req.c: libFuzzer target for the HTTP/1.1 request parser (src/http/http1.c via http_int.h).
 *
 * Feeds the input whole, byte by byte (short inputs) and in pseudo-random splits, with small limits
 * so the 431/413 paths are reachable, and checks invariants:
 *   - every split produces the same event transcript (requests, 100-continue, error status);
 *   - a request with Content-Length has exactly that many body bytes, and bodies are NUL-terminated;
 *   - error statuses are among the ones the parser documents;
 *   - nothing leaks (LeakSanitizer) and nothing crashes (ASan/UBSan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_HEADER 2048
#define FUZZ_MAX_BODY 4096

static void fz_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "http_req fuzz invariant failed: %s\n", what);
        abort();
    }
}

static void fz_append(Buf *t, const void *p, size_t n)
{
    fz_check(buf_append(t, p, n) == 0, "transcript append");
}

static uint64_t fz_content_length(const HttpRequest *r, int *has)
{
    *has = 0;
    uint64_t v = 0;
    for (size_t i = 0; i < r->n_headers; i++) {
        if (!slice_case_eq_cstr(r->headers[i].name, "content-length"))
            continue;
        *has = 1;
        v = 0;
        for (size_t k = 0; k < r->headers[i].value.n; k++)
            v = v * 10 + (uint64_t)(r->headers[i].value.p[k] - '0');
    }
    return v;
}

/* Returns 1 once the parser reported an error. */
static int fz_drain(Http1Parser *p, Buf *t)
{
    for (;;) {
        HttpReqData d;
        Http1Event ev = http1_parser_next(p, &d);
        if (ev == HTTP1_EV_NONE)
            return 0;
        if (ev == HTTP1_EV_CONTINUE) {
            fz_append(t, "C;", 2);
            continue;
        }
        if (ev == HTTP1_EV_ERROR) {
            int s = p->err_status;
            fz_check(s == 400 || s == 413 || s == 431 || s == 501 || s == 505, "error status");
            char b[16];
            int n = snprintf(b, sizeof(b), "E%d;", s);
            fz_append(t, b, (size_t)n);
            return 1;
        }
        const HttpRequest *r = &d.req;
        fz_check(r->body[r->body_len] == '\0', "body NUL-terminated");
        fz_check(r->body_len <= FUZZ_MAX_BODY, "body within max");
        int has_cl;
        uint64_t cl = fz_content_length(r, &has_cl);
        if (has_cl)
            fz_check(cl == r->body_len, "Content-Length equals body length");
        fz_check(r->version == 10 || r->version == 11, "version");
        fz_append(t, "R", 1);
        fz_append(t, r->method.p, r->method.n);
        fz_append(t, " ", 1);
        fz_append(t, r->target.p, r->target.n);
        for (size_t i = 0; i < r->n_headers; i++) {
            fz_append(t, "|", 1);
            fz_append(t, r->headers[i].name.p, r->headers[i].name.n);
            fz_append(t, ":", 1);
            fz_append(t, r->headers[i].value.p, r->headers[i].value.n);
        }
        char b[48];
        int n = snprintf(b, sizeof(b), "#%d%d%zu:", r->version, d.keep_alive, r->body_len);
        fz_append(t, b, (size_t)n);
        fz_append(t, r->body, r->body_len);
        fz_append(t, ";", 1);
        http_req_data_fini(&d);
    }
}

/* mode 0: whole; 1: byte by byte; else splits from a seeded LCG. */
static void fz_run(const uint8_t *data, size_t size, int mode, uint32_t seed, Buf *t)
{
    Http1Parser p;
    http1_parser_init(&p, FUZZ_MAX_HEADER, FUZZ_MAX_BODY);
    buf_init(t, 0);
    size_t off = 0;
    int dead = 0;
    while (off < size && !dead) {
        size_t k = size - off;
        if (mode == 1)
            k = 1;
        else if (mode > 1) {
            seed = seed * 1664525u + 1013904223u;
            k = 1 + (seed >> 8) % (mode == 2 ? 7u : 300u);
        }
        if (k > size - off)
            k = size - off;
        fz_check(http1_parser_feed(&p, data + off, k) == 0, "feed within buffer bound");
        off += k;
        dead = fz_drain(&p, t);
    }
    if (!dead)
        fz_drain(&p, t);
    http1_parser_fini(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Buf whole;
    fz_run(data, size, 0, 0, &whole);
    for (int mode = 1; mode <= 3; mode++) {
        if (mode == 1 && size > 4096)
            continue;
        Buf t;
        fz_run(data, size, mode, (uint32_t)size * 2654435761u + (uint32_t)mode, &t);
        fz_check(t.len == whole.len && (t.len == 0 || memcmp(t.p, whole.p, t.len) == 0),
                 "same transcript for every split");
        buf_fini(&t);
    }
    buf_fini(&whole);
    return 0;
}
