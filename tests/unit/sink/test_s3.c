/*
 * test_s3.c: unit tests of src/sink/s3.c. Two parts:
 *   - the XML answers (s3_list_parse, s3_error_parse): keys only from Contents, entities, character
 *     references, CDATA, comments, continuation tokens, and malformed documents refused;
 *   - the client against a scripted HTTP server on 127.0.0.1 (a thread in this process, one request
 *     per connection): what a put sends (path-style URL, body from parts, Content-MD5,
 *     x-amz-content-sha256, a signature the server recomputes with sigv4.c from what it received),
 *     retries on 500/503/429 and dropped connections, no retry on 403, the error message after the
 *     last retry (status, Code, Message, attempts), 404 as WEIR_ENOTFOUND, listing across pages.
 * The signer itself is checked against AWS's published examples in test_sigv4.c, and the client
 * against an independent S3 implementation (s3rver) in tests/e2e/test_s3.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sink/objstore.h"
#include "sink/s3.h"
#include "sink/sigv4.h"

/* ==== XML ======================================================================================= */

static const char LIST_PAGE[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- a comment <Key>not-a-key</Key> -->"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>bucket</Name><Prefix>p/</Prefix><KeyCount>4</KeyCount><MaxKeys>1000</MaxKeys>"
    "<IsTruncated>true</IsTruncated>"
    "<Contents><Key>p/a&amp;b&lt;c&gt;&quot;&apos;</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>"
    "<ETag>&quot;abc&quot;</ETag><Size>3</Size><Owner><ID>id</ID><DisplayName>Key</DisplayName></Owner>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>p/caf&#233;&#x20AC;</Key><Size>1</Size></Contents>"
    "<Contents><Key><![CDATA[p/<raw>&amp;]]></Key></Contents>"
    "<Contents>\n  <Key>p/ spaced </Key>\n</Contents>"
    "<CommonPrefixes><Prefix>p/dir/</Prefix></CommonPrefixes>"
    "<NextContinuationToken>tok/en+=</NextContinuationToken>"
    "</ListBucketResult>";

static void test_list_parse(void **state)
{
    UNUSED(state);
    Buf keys, tok;
    Err e;
    size_t n = 0;
    int trunc = 0;
    err_clear(&e);
    buf_init(&keys, 1 << 16);
    buf_init(&tok, 1024);
    assert_int_equal(s3_list_parse((const uint8_t *)LIST_PAGE, strlen(LIST_PAGE), &keys, &n, &trunc, &tok, &e),
                     WEIR_OK);
    assert_int_equal(n, 4);
    assert_int_equal(trunc, 1);
    assert_string_equal((char *)tok.p, "tok/en+=");
    const char want[] = "p/a&b<c>\"'\0p/caf\xc3\xa9\xe2\x82\xac\0p/<raw>&amp;\0p/ spaced \0";
    assert_int_equal(keys.len, sizeof(want) - 1);
    assert_memory_equal(keys.p, want, keys.len);

    /* a last page, empty, self-closing elements */
    const char last[] = "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key/></Contents>"
                        "<KeyCount>0</KeyCount></ListBucketResult>";
    buf_reset(&keys);
    n = 0;
    assert_int_equal(s3_list_parse((const uint8_t *)last, strlen(last), &keys, &n, &trunc, &tok, &e), WEIR_OK);
    assert_int_equal(trunc, 0);
    assert_int_equal(tok.len, 0);
    assert_int_equal(n, 1); /* an empty key is reported as it is */
    buf_fini(&keys);
    buf_fini(&tok);
}

static void test_list_parse_rejects(void **state)
{
    UNUSED(state);
    const char *bad[] = {
        "",
        "not xml",
        "<ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&bogus;</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#0;</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#xD800;</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&#x110000;</Key></Contents></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a&amp</Key></Contents></ListBucketResult>",
        "<ListBucketResult><!-- open </ListBucketResult>",
        "<ListBucketResult></ListBucketResult><ListBucketResult></ListBucketResult>",
        "<Error><Code>NoSuchBucket</Code></Error>",
        "<ListBucketResult><Contents><Key>a</Key></Contents></ListBucketResult junk>",
        "<ListBucketResult><Contents><Key attr='>'",
        "<>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Buf keys, tok;
        Err e;
        size_t n = 0;
        int trunc = 0;
        err_clear(&e);
        buf_init(&keys, 1024);
        buf_init(&tok, 1024);
        assert_int_equal(buf_append(&keys, "kept", 5), WEIR_OK);
        int rc = s3_list_parse((const uint8_t *)bad[i], strlen(bad[i]), &keys, &n, &trunc, &tok, &e);
        if (rc != WEIR_EPARSE)
            fail_msg("input %zu (%s): rc %d", i, bad[i], rc);
        assert_int_equal(keys.len, 5); /* untouched */
        assert_int_equal(n, 0);
        buf_fini(&keys);
        buf_fini(&tok);
    }
    /* 33 levels of nesting */
    Buf deep, keys, tok;
    buf_init(&deep, 1 << 16);
    buf_init(&keys, 1024);
    buf_init(&tok, 1024);
    for (int i = 0; i < 33; i++)
        assert_int_equal(buf_append_cstr(&deep, "<a>"), WEIR_OK);
    Err e;
    size_t n = 0;
    int trunc;
    err_clear(&e);
    assert_int_equal(s3_list_parse(deep.p, deep.len, &keys, &n, &trunc, &tok, &e), WEIR_EPARSE);
    assert_non_null(strstr(e.msg, "deeper"));
    buf_fini(&deep);
    buf_fini(&keys);
    buf_fini(&tok);
}

static void test_error_parse(void **state)
{
    UNUSED(state);
    const char doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
                       "<Message>Please reduce your request rate.\n</Message><Resource>/b/k</Resource>"
                       "<RequestId>1</RequestId></Error>";
    char code[32], msg[64];
    assert_int_equal(s3_error_parse((const uint8_t *)doc, strlen(doc), code, sizeof(code), msg, sizeof(msg)), 1);
    assert_string_equal(code, "SlowDown");
    assert_string_equal(msg, "Please reduce your request rate. "); /* control characters blanked */
    char tiny[5];
    assert_int_equal(s3_error_parse((const uint8_t *)doc, strlen(doc), tiny, sizeof(tiny), msg, 8), 1);
    assert_string_equal(tiny, "Slow");
    assert_string_equal(msg, "Please ");
    assert_int_equal(s3_error_parse((const uint8_t *)"<html>oops</html>", 17, code, sizeof(code), msg, sizeof(msg)),
                     0);
    assert_string_equal(code, "");
    assert_int_equal(s3_error_parse((const uint8_t *)"", 0, code, sizeof(code), msg, sizeof(msg)), 0);
}

/* ==== a scripted S3 server ======================================================================= */

enum { MAX_REQS = 64, MAX_SCRIPT = 32 };

typedef struct Req {
    char method[8];
    char target[1024];
    char host[128], amz_date[32], sha[80], md5[64], auth[512], token[128];
    uint8_t *body;
    size_t body_len;
    int sig_ok; /* the Authorization header matches a signature recomputed from this request */
} Req;

typedef struct Reply {
    int status;        /* 0: close the connection without answering */
    const char *body;  /* NULL: "" */
    const char *extra; /* extra header lines, each ending in \r\n */
} Reply;

typedef struct Fake {
    int lfd, port;
    pthread_t th;
    pthread_mutex_t mu;
    Req reqs[MAX_REQS];
    int n_reqs;
    Reply script[MAX_SCRIPT]; /* consumed in order; then dflt */
    int n_script, next;
    Reply dflt;
    int stop;
    const char *secret;
} Fake;

static const char *hdr_find(const char *head, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    const char *p = head;
    out[0] = '\0';
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (!strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t n = end ? (size_t)(end - v) : strlen(v);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return out;
        }
    }
    return NULL;
}

/* Undo %XX (the server's view of the path the client encoded). */
static void pct_decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (s[i] == '%' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

/* Recompute the signature of a received request the way a server verifies one. */
static int sig_check(Fake *f, Req *r)
{
    char path[1024], qbuf[1024];
    const char *q = strchr(r->target, '?');
    pct_decode(r->target, q ? (size_t)(q - r->target) : strlen(r->target), path, sizeof(path));
    SigV4Pair query[8];
    char names[8][256], values[8][512];
    size_t nq = 0;
    if (q) {
        snprintf(qbuf, sizeof(qbuf), "%s", q + 1);
        for (char *tok = qbuf; tok && *tok && nq < 8;) {
            char *amp = strchr(tok, '&');
            if (amp)
                *amp = '\0';
            char *eq = strchr(tok, '=');
            pct_decode(tok, eq ? (size_t)(eq - tok) : strlen(tok), names[nq], sizeof(names[nq]));
            pct_decode(eq ? eq + 1 : "", eq ? strlen(eq + 1) : 0, values[nq], sizeof(values[nq]));
            query[nq] = (SigV4Pair){names[nq], values[nq]};
            nq++;
            tok = amp ? amp + 1 : NULL;
        }
    }
    SigV4Pair h[4] = {{"host", r->host}, {"x-amz-content-sha256", r->sha}, {"x-amz-date", r->amz_date}};
    size_t nh = 3;
    if (r->token[0])
        h[nh++] = (SigV4Pair){"x-amz-security-token", r->token};
    SigV4Request sr = {.method = r->method,
                       .path = path,
                       .query = query,
                       .n_query = nq,
                       .headers = h,
                       .n_headers = nh,
                       .payload_sha256 = r->sha,
                       .amz_date = r->amz_date,
                       .region = "eu-west-3",
                       .service = "s3",
                       .access_key = "AKIDTEST",
                       .secret_key = f->secret};
    Buf want;
    Err e;
    err_clear(&e);
    buf_init(&want, 4096);
    int ok = sigv4_authorization(&sr, &want, &e) == WEIR_OK && !strcmp((char *)want.p, r->auth);
    buf_fini(&want);
    /* and the body is what x-amz-content-sha256 says */
    char sha[65];
    Slice b = {r->body, r->body_len};
    sigv4_sha256_hex(&b, 1, sha);
    return ok && !strcmp(sha, r->sha);
}

static void serve_one(Fake *f, int fd)
{
    char head[16384];
    size_t n = 0;
    char *end = NULL;
    while (n < sizeof(head) - 1) {
        ssize_t r = read(fd, head + n, sizeof(head) - 1 - n);
        if (r <= 0)
            return;
        n += (size_t)r;
        head[n] = '\0';
        if ((end = strstr(head, "\r\n\r\n")) != NULL)
            break;
    }
    if (!end)
        return;
    Req r;
    memset(&r, 0, sizeof(r));
    sscanf(head, "%7s %1023s", r.method, r.target);
    char cl[32];
    hdr_find(head, "Host", r.host, sizeof(r.host));
    hdr_find(head, "x-amz-date", r.amz_date, sizeof(r.amz_date));
    hdr_find(head, "x-amz-content-sha256", r.sha, sizeof(r.sha));
    hdr_find(head, "Content-MD5", r.md5, sizeof(r.md5));
    hdr_find(head, "Authorization", r.auth, sizeof(r.auth));
    hdr_find(head, "x-amz-security-token", r.token, sizeof(r.token));
    size_t body_len = hdr_find(head, "Content-Length", cl, sizeof(cl)) ? (size_t)strtoull(cl, NULL, 10) : 0;
    size_t have = n - (size_t)(end + 4 - head);
    r.body = malloc(body_len + 1);
    memcpy(r.body, end + 4, have < body_len ? have : body_len);
    while (have < body_len) {
        ssize_t got = read(fd, r.body + have, body_len - have);
        if (got <= 0)
            break;
        have += (size_t)got;
    }
    r.body_len = have;
    r.sig_ok = sig_check(f, &r);
    pthread_mutex_lock(&f->mu);
    Reply rep = f->next < f->n_script ? f->script[f->next++] : f->dflt;
    if (f->n_reqs < MAX_REQS)
        f->reqs[f->n_reqs++] = r;
    else
        free(r.body);
    pthread_mutex_unlock(&f->mu);
    if (rep.status == 0)
        return; /* dropped */
    char out[8192];
    const char *body = rep.body ? rep.body : "";
    int len = snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n%s",
                       rep.status, strcmp(r.method, "HEAD") ? strlen(body) : (size_t)42, rep.extra ? rep.extra : "",
                       strcmp(r.method, "HEAD") ? body : "");
    if (write(fd, out, (size_t)len) < 0)
        return;
}

static void *fake_main(void *arg)
{
    Fake *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            return NULL;
        pthread_mutex_lock(&f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop) {
            close(fd);
            return NULL;
        }
        serve_one(f, fd);
        shutdown(fd, SHUT_RDWR);
        close(fd);
    }
}

static Fake *fake_start(void)
{
    Fake *f = calloc(1, sizeof(*f));
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(f->lfd, 16), 0);
    assert_int_equal(getsockname(f->lfd, (struct sockaddr *)&a, &al), 0);
    f->port = ntohs(a.sin_port);
    f->dflt = (Reply){200, NULL, NULL};
    f->secret = "SECRET/KEY+test";
    pthread_mutex_init(&f->mu, NULL);
    assert_int_equal(pthread_create(&f->th, NULL, fake_main, f), 0);
    return f;
}

static void fake_stop(Fake *f)
{
    pthread_mutex_lock(&f->mu);
    f->stop = 1;
    pthread_mutex_unlock(&f->mu);
    int fd = socket(AF_INET, SOCK_STREAM, 0); /* wake accept() */
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        fail_msg("cannot wake the fake server");
    close(fd);
    pthread_join(f->th, NULL);
    close(f->lfd);
    for (int i = 0; i < f->n_reqs; i++)
        free(f->reqs[i].body);
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static void fake_script(Fake *f, const Reply *r, int n)
{
    pthread_mutex_lock(&f->mu);
    for (int i = 0; i < f->n_reqs; i++)
        free(f->reqs[i].body);
    f->n_reqs = 0;
    if (n)
        memcpy(f->script, r, (size_t)n * sizeof(*r));
    f->n_script = n;
    f->next = 0;
    pthread_mutex_unlock(&f->mu);
}

static ObjStore *open_store(Fake *f, int retries, const char *token)
{
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d/", f->port);
    ObjStoreS3Config cfg = {.endpoint = ep,
                            .region = "eu-west-3",
                            .access_key = "AKIDTEST",
                            .secret_key = f->secret,
                            .session_token = token,
                            .max_retries = retries,
                            .retry_base_ms = 1};
    ObjStore *s = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(objstore_open_s3(&cfg, &s, &e), WEIR_OK);
    return s;
}

/* ==== the client ================================================================================ */

static void test_put_request(void **state)
{
    UNUSED(state);
    Fake *f = fake_start();
    ObjStore *s = open_store(f, 0, NULL);
    Err e;
    err_clear(&e);
    Slice parts[] = {SLICE_LIT("Welcome to "), SLICE_LIT(""), SLICE_LIT("Amazon S3.")};
    assert_int_equal(objstore_put(s, "my-bucket", "dir/a b+c$.json", parts, 3, &e), WEIR_OK);
    assert_int_equal(f->n_reqs, 1);
    Req *r = &f->reqs[0];
    assert_string_equal(r->method, "PUT");
    assert_string_equal(r->target, "/my-bucket/dir/a%20b%2Bc%24.json");
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%d", f->port);
    assert_string_equal(r->host, host);
    assert_int_equal(r->body_len, 21);
    assert_memory_equal(r->body, "Welcome to Amazon S3.", 21);
    assert_string_equal(r->sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    assert_string_equal(r->md5, "1EfQ6PKJ8WoS/2AnznfCWA=="); /* base64(MD5("Welcome to Amazon S3.")) */
    assert_non_null(strstr(r->auth, "Credential=AKIDTEST/"));
    assert_non_null(strstr(r->auth, "/eu-west-3/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
    assert_true(r->sig_ok);
    /* a 100 KiB body in 3 parts arrives whole */
    enum { BIG = 100 * 1024 };
    uint8_t *big = malloc(BIG);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 131 + 7);
    Slice bp[] = {{big, 1000}, {big + 1000, BIG - 2000}, {big + BIG - 1000, 1000}};
    fake_script(f, NULL, 0);
    assert_int_equal(objstore_put(s, "my-bucket", "big", bp, 3, &e), WEIR_OK);
    assert_int_equal(f->reqs[0].body_len, BIG);
    assert_memory_equal(f->reqs[0].body, big, BIG);
    assert_true(f->reqs[0].sig_ok);
    free(big);
    objstore_close(&s);
    /* with a session token, it is sent and signed */
    s = open_store(f, 0, "SESSION-TOKEN");
    fake_script(f, NULL, 0);
    assert_int_equal(objstore_put(s, "b", "k", parts, 1, &e), WEIR_OK);
    assert_string_equal(f->reqs[0].token, "SESSION-TOKEN");
    assert_non_null(strstr(f->reqs[0].auth, "SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
    assert_true(f->reqs[0].sig_ok);
    objstore_close(&s);
    fake_stop(f);
}

static void test_put_retries(void **state)
{
    UNUSED(state);
    Fake *f = fake_start();
    ObjStore *s = open_store(f, 3, NULL);
    Err e;
    Slice part = SLICE_LIT("payload");
    /* 500, 503 SlowDown, a dropped connection, then 200: succeeds on the 4th attempt */
    Reply script[] = {{500, "<Error><Code>InternalError</Code><Message>boom</Message></Error>", NULL},
                      {503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                       NULL},
                      {0, NULL, NULL},
                      {200, NULL, NULL}};
    fake_script(f, script, 4);
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_OK);
    assert_int_equal(f->n_reqs, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(f->reqs[i].body_len, 7); /* the body is sent whole every time */
        assert_true(f->reqs[i].sig_ok);
    }
    /* 429 is retried too */
    Reply r429[] = {{429, NULL, NULL}};
    fake_script(f, r429, 1);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_OK);
    assert_int_equal(f->n_reqs, 2);
    /* more failures than retries: the last status, Code and Message, and the attempts */
    Reply many[] = {{500, NULL, NULL}, {500, NULL, NULL}, {0, NULL, NULL},
                    {503, "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
                     NULL},
                    {200, NULL, NULL}};
    fake_script(f, many, 5);
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_EIO);
    assert_int_equal(f->n_reqs, 4);
    assert_non_null(strstr(e.msg, "PUT b/k"));
    assert_non_null(strstr(e.msg, "HTTP 503 SlowDown: Please reduce your request rate."));
    assert_non_null(strstr(e.msg, "4 attempts"));
    /* the last failure a dropped connection: the transport error is named */
    Reply drops[] = {{500, NULL, NULL}, {500, NULL, NULL}, {500, NULL, NULL}, {0, NULL, NULL}};
    fake_script(f, drops, 4);
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_EIO);
    assert_int_equal(f->n_reqs, 4);
    assert_non_null(strstr(e.msg, "4 attempts"));
    assert_null(strstr(e.msg, "HTTP 500"));
    /* 403 is not retried */
    Reply denied[] = {{403, "<Error><Code>SignatureDoesNotMatch</Code><Message>no</Message></Error>", NULL}};
    fake_script(f, denied, 1);
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_EIO);
    assert_int_equal(f->n_reqs, 1);
    assert_non_null(strstr(e.msg, "HTTP 403 SignatureDoesNotMatch: no"));
    objstore_close(&s);
    /* max_retries < 0: one attempt */
    s = open_store(f, -1, NULL);
    fake_script(f, many, 5);
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_EIO);
    assert_int_equal(f->n_reqs, 1);
    assert_non_null(strstr(e.msg, "(1 attempts)"));
    objstore_close(&s);
    fake_stop(f);
}

static void test_head_get_delete(void **state)
{
    UNUSED(state);
    Fake *f = fake_start();
    ObjStore *s = open_store(f, 2, NULL);
    Err e;
    uint64_t size = 0;
    err_clear(&e);
    Reply head[] = {{404, NULL, NULL}, {200, NULL, NULL}, {500, NULL, NULL}, {200, NULL, NULL}};
    fake_script(f, head, 4);
    assert_int_equal(objstore_head(s, "b", "missing", &size, &e), WEIR_ENOTFOUND);
    assert_non_null(strstr(e.msg, "b/missing"));
    err_clear(&e);
    assert_int_equal(objstore_head(s, "b", "k", &size, &e), WEIR_OK);
    assert_int_equal(size, 42); /* the fake answers HEAD with Content-Length: 42 */
    assert_int_equal(objstore_head(s, "b", "k", &size, &e), WEIR_OK); /* after one 500 */
    assert_int_equal(f->n_reqs, 4);
    assert_string_equal(f->reqs[0].method, "HEAD");
    assert_true(f->reqs[0].sig_ok);

    Reply get[] = {{503, "<Error><Code>SlowDown</Code></Error>", NULL},
                   {200, "the object's bytes", NULL},
                   {404, "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
                    NULL},
                   {200, "0123456789", NULL}};
    fake_script(f, get, 4);
    Buf b;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_append_cstr(&b, ">"), WEIR_OK);
    assert_int_equal(objstore_get(s, "b", "k", &b, &e), WEIR_OK);
    assert_string_equal((char *)b.p, ">the object's bytes"); /* the 503's error body is not in it */
    assert_int_equal(objstore_get(s, "b", "gone", &b, &e), WEIR_ENOTFOUND);
    assert_non_null(strstr(e.msg, "NoSuchKey"));
    assert_string_equal((char *)b.p, ">the object's bytes");
    Buf small;
    buf_init(&small, 4);
    err_clear(&e);
    assert_int_equal(objstore_get(s, "b", "k", &small, &e), WEIR_ELIMIT);
    assert_int_equal(small.len, 0);
    assert_int_equal(f->n_reqs, 4); /* ELIMIT is not retried */
    buf_fini(&small);
    buf_fini(&b);

    Reply del[] = {{204, NULL, NULL}, {404, NULL, NULL}, {500, NULL, NULL}, {204, NULL, NULL},
                   {403, "<Error><Code>AccessDenied</Code></Error>", NULL}};
    fake_script(f, del, 5);
    err_clear(&e);
    assert_int_equal(objstore_delete(s, "b", "k", &e), WEIR_OK);
    assert_int_equal(objstore_delete(s, "b", "k", &e), WEIR_OK);
    assert_int_equal(objstore_delete(s, "b", "k", &e), WEIR_OK);
    assert_string_equal(f->reqs[0].method, "DELETE");
    assert_true(f->reqs[0].sig_ok);
    assert_int_equal(objstore_delete(s, "b", "k", &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "AccessDenied"));
    objstore_close(&s);
    fake_stop(f);
}

static void test_list_pages(void **state)
{
    UNUSED(state);
    Fake *f = fake_start();
    ObjStore *s = open_store(f, 2, NULL);
    Reply pages[] = {
        {200,
         "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>p/b</Key></Contents>"
         "<Contents><Key>p/c</Key></Contents><NextContinuationToken>1/x+y=</NextContinuationToken></ListBucketResult>",
         NULL},
        {500, NULL, NULL},
        {200,
         "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/a</Key></Contents></ListBucketResult>",
         NULL},
    };
    fake_script(f, pages, 3);
    Buf keys;
    Err e;
    size_t n = 0;
    err_clear(&e);
    buf_init(&keys, 1 << 16);
    assert_int_equal(objstore_list(s, "bk", "p/", &keys, &n, &e), WEIR_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(keys.p, "p/a\0p/b\0p/c\0", 12); /* sorted across pages */
    assert_int_equal(f->n_reqs, 3);
    assert_string_equal(f->reqs[0].target, "/bk?list-type=2&prefix=p%2F");
    assert_string_equal(f->reqs[2].target, "/bk?list-type=2&prefix=p%2F&continuation-token=1%2Fx%2By%3D");
    assert_true(f->reqs[0].sig_ok);
    assert_true(f->reqs[2].sig_ok);

    /* a truncated page without a token, a missing bucket, garbage */
    Reply bad[] = {
        {200, "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>x</Key></Contents></ListBucketResult>",
         NULL},
        {404, "<Error><Code>NoSuchBucket</Code></Error>", NULL},
        {200, "<html>proxy says hi</html>", NULL},
    };
    fake_script(f, bad, 3);
    buf_reset(&keys);
    err_clear(&e);
    assert_int_equal(objstore_list(s, "bk", "", &keys, &n, &e), WEIR_EPROTO);
    assert_int_equal(keys.len, 0);
    err_clear(&e);
    assert_int_equal(objstore_list(s, "bk", "", &keys, &n, &e), WEIR_ENOTFOUND);
    assert_non_null(strstr(e.msg, "NoSuchBucket"));
    err_clear(&e);
    assert_int_equal(objstore_list(s, "bk", "", &keys, &n, &e), WEIR_EPARSE);
    buf_fini(&keys);
    objstore_close(&s);
    fake_stop(f);
}

static void test_open_and_unreachable(void **state)
{
    UNUSED(state);
    ObjStore *s = NULL;
    Err e;
    const char *bad[] = {"127.0.0.1:9", "ftp://h", "http://", "http://h/path", "http://u@h"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ObjStoreS3Config cfg = {.endpoint = bad[i], .access_key = "a", .secret_key = "s"};
        err_clear(&e);
        assert_int_equal(objstore_open_s3(&cfg, &s, &e), WEIR_EINVAL);
        assert_null(s);
    }
    ObjStoreS3Config nokey = {.endpoint = "http://h", .access_key = "a"};
    err_clear(&e);
    assert_int_equal(objstore_open_s3(&nokey, &s, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "secret"));
    /* nothing listens: connection refused, retried, then a clear error */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", ntohs(a.sin_port));
    ObjStoreS3Config cfg = {.endpoint = ep, .access_key = "a", .secret_key = "s", .max_retries = 2, .retry_base_ms = 1};
    err_clear(&e);
    assert_int_equal(objstore_open_s3(&cfg, &s, &e), WEIR_OK);
    Slice part = SLICE_LIT("x");
    assert_int_equal(objstore_put(s, "b", "k", &part, 1, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, ep));
    assert_non_null(strstr(e.msg, "3 attempts"));
    char dir[64];
    assert_null(objstore_local_dir(s, "b", dir, sizeof(dir)));
    /* keys are checked before any request */
    err_clear(&e);
    assert_int_equal(objstore_put(s, "b", "../k", &part, 1, &e), WEIR_EINVAL);
    objstore_close(&s);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_parse),
        cmocka_unit_test(test_list_parse_rejects),
        cmocka_unit_test(test_error_parse),
        cmocka_unit_test(test_put_request),
        cmocka_unit_test(test_put_retries),
        cmocka_unit_test(test_head_get_delete),
        cmocka_unit_test(test_list_pages),
        cmocka_unit_test(test_open_and_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
