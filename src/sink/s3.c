/*
 * s3.c: the S3 object store (objstore.h) over HTTP(S) with libcurl, signed with SigV4 (sigv4.h).
 *
 * INTERFACE ROUTINES
 *   objstore_open_s3          checks the configuration; no request is made
 *   s3_put/head/get/delete    PutObject, HeadObject, GetObject, DeleteObject (ObjStoreOps)
 *   s3_list                   ListObjectsV2, page by page (continuation tokens)
 *   s3_list_parse, s3_error_parse   the XML answers (s3.h; fuzz/s3_list.c)
 *
 * Requests are path style (endpoint/bucket/key), so any S3-compatible store works without DNS per
 * bucket. Every request is signed with host, x-amz-content-sha256 and x-amz-date (and
 * x-amz-security-token when a session token is configured: S3 wants every x-amz-* header signed);
 * the Host header is set explicitly so the signed value is the one sent. PutObject also sends
 * Content-MD5, so the store checks the bytes it received against the bytes weir meant.
 *
 * One call = s3_call: up to 1 + max_retries attempts. An attempt is re-signed (a fresh x-amz-date:
 * S3 refuses requests more than 15 minutes old, and the backoff can be long) and retried on a
 * transport error, 5xx or 429, after 100 ms doubling per retry, jittered ("equal jitter": half the
 * delay fixed, half random, so clients that failed together do not retry together). Other answers go
 * to the caller. Exhausted retries end in WEIR_EIO naming the last status and S3's Code and Message.
 *
 * Threads: libcurl easy handles are not shareable, so a call takes one from a small pool under a
 * mutex (reusing a handle reuses its connection) and gives it back after. curl_global_init runs once
 * (pthread_once) before the first store opens. Proxies: libcurl honours http_proxy/no_proxy.
 */
#include "sink/s3.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/clock.h"
#include "sink/objstore_int.h"
#include "sink/sigv4.h"

enum {
    S3_POOL_MAX = 8,                /* idle easy handles kept */
    S3_DEFAULT_RETRIES = 5,
    S3_DEFAULT_BASE_MS = 100,
    S3_BACKOFF_CAP_MS = 20000,      /* no single wait longer than this */
    S3_ERR_BODY_MAX = 64 * 1024,    /* an error answer's body is read up to this */
    S3_LIST_BODY_MAX = 64 * 1024 * 1024,
    S3_XML_DEPTH = 32,
    S3_XML_TEXT_MAX = 64 * 1024,
};

typedef struct S3Store {
    ObjStore base;
    char *endpoint; /* "http://127.0.0.1:4569", no trailing '/' */
    char *host;     /* the Host header: authority of the endpoint, default port dropped */
    char *region;
    char *access_key;
    char *secret_key;
    char *session_token; /* NULL: none */
    int max_retries;
    int retry_base_ms;
    pthread_mutex_t mu;
    CURL *pool[S3_POOL_MAX];
    size_t n_pool;
} S3Store;

/* ==== XML ====================================================================================== */

/* Called at each leaf element's end with its parent's and its own name and its decoded text. */
typedef int (*XmlLeafFn)(void *arg, Slice parent, Slice name, Slice text, int depth, Err *e);

static int xml_utf8_append(Buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xC0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xE0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xF0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (uint8_t)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return buf_append(b, u, n);
}

/* Decode character data p[0..n) (entities and character references) onto text. */
static int xml_text_append(Buf *text, const uint8_t *p, size_t n, Err *e)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *amp = memchr(p + i, '&', n - i);
        size_t run = amp ? (size_t)(amp - (p + i)) : n - i;
        if (buf_append(text, p + i, run) != WEIR_OK)
            return err_set(e, WEIR_EPARSE, "s3: XML text longer than %d bytes", S3_XML_TEXT_MAX);
        i += run;
        if (!amp)
            break;
        const uint8_t *semi = memchr(p + i, ';', n - i < 12 ? n - i : 12);
        if (!semi)
            return err_set(e, WEIR_EPARSE, "s3: XML entity without ';'");
        Slice ent = {p + i + 1, (size_t)(semi - (p + i + 1))};
        int rc;
        if (slice_eq_cstr(ent, "lt"))
            rc = buf_append_byte(text, '<');
        else if (slice_eq_cstr(ent, "gt"))
            rc = buf_append_byte(text, '>');
        else if (slice_eq_cstr(ent, "amp"))
            rc = buf_append_byte(text, '&');
        else if (slice_eq_cstr(ent, "quot"))
            rc = buf_append_byte(text, '"');
        else if (slice_eq_cstr(ent, "apos"))
            rc = buf_append_byte(text, '\'');
        else if (ent.n >= 2 && ent.p[0] == '#') {
            uint32_t cp = 0;
            int hex = ent.p[1] == 'x';
            size_t k = hex ? 2 : 1;
            if (k >= ent.n)
                return err_set(e, WEIR_EPARSE, "s3: empty XML character reference");
            for (; k < ent.n; k++) {
                uint8_t c = ent.p[k];
                uint32_t d;
                if (c >= '0' && c <= '9')
                    d = c - '0';
                else if (hex && c >= 'a' && c <= 'f')
                    d = c - 'a' + 10;
                else if (hex && c >= 'A' && c <= 'F')
                    d = c - 'A' + 10;
                else
                    return err_set(e, WEIR_EPARSE, "s3: bad XML character reference");
                cp = cp * (hex ? 16 : 10) + d;
                if (cp > 0x10FFFF)
                    return err_set(e, WEIR_EPARSE, "s3: XML character reference beyond U+10FFFF");
            }
            if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return err_set(e, WEIR_EPARSE, "s3: XML character reference to U+%04X", (unsigned)cp);
            rc = xml_utf8_append(text, cp);
        } else {
            return err_set(e, WEIR_EPARSE, "s3: unknown XML entity '&%.*s;'", (int)ent.n, (const char *)ent.p);
        }
        if (rc != WEIR_OK)
            return err_set(e, WEIR_EPARSE, "s3: XML text longer than %d bytes", S3_XML_TEXT_MAX);
        i = (size_t)(semi - p) + 1;
    }
    return WEIR_OK;
}

static const uint8_t *find_seq(const uint8_t *p, const uint8_t *end, const char *seq)
{
    size_t m = strlen(seq);
    while (p + m <= end) {
        const uint8_t *c = memchr(p, seq[0], (size_t)(end - p));
        if (!c || c + m > end)
            return NULL;
        if (!memcmp(c, seq, m))
            return c;
        p = c + 1;
    }
    return NULL;
}

static int is_name_end(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>'; }

/* Walk the document, calling leaf at each element that had no child element. */
static int xml_scan(const uint8_t *p, size_t n, XmlLeafFn leaf, void *arg, Slice *root, Err *e)
{
    const uint8_t *end = p + n, *cur = p;
    Slice stack[S3_XML_DEPTH];
    int depth = 0, leaf_open = 0; /* leaf_open: the top element has had no child yet */
    Buf text;
    int rc = WEIR_OK;
    buf_init(&text, S3_XML_TEXT_MAX);
    root->p = NULL;
    root->n = 0;
    while (rc == WEIR_OK && cur < end) {
        const uint8_t *lt = memchr(cur, '<', (size_t)(end - cur));
        const uint8_t *stop = lt ? lt : end;
        if (depth > 0 && leaf_open)
            rc = xml_text_append(&text, cur, (size_t)(stop - cur), e);
        if (rc != WEIR_OK || !lt)
            break;
        const uint8_t *q = lt + 1;
        if (q < end && *q == '?') {
            const uint8_t *c = find_seq(q, end, "?>");
            if (!c) {
                rc = err_set(e, WEIR_EPARSE, "s3: unterminated XML declaration");
                break;
            }
            cur = c + 2;
        } else if (end - q >= 3 && !memcmp(q, "!--", 3)) {
            const uint8_t *c = find_seq(q + 3, end, "-->");
            if (!c) {
                rc = err_set(e, WEIR_EPARSE, "s3: unterminated XML comment");
                break;
            }
            cur = c + 3;
        } else if (end - q >= 8 && !memcmp(q, "![CDATA[", 8)) {
            const uint8_t *c = find_seq(q + 8, end, "]]>");
            if (!c) {
                rc = err_set(e, WEIR_EPARSE, "s3: unterminated CDATA section");
                break;
            }
            if (depth > 0 && leaf_open && buf_append(&text, q + 8, (size_t)(c - (q + 8))) != WEIR_OK)
                rc = err_set(e, WEIR_EPARSE, "s3: XML text longer than %d bytes", S3_XML_TEXT_MAX);
            cur = c + 3;
        } else if (q < end && *q == '!') {
            const uint8_t *c = memchr(q, '>', (size_t)(end - q));
            if (!c) {
                rc = err_set(e, WEIR_EPARSE, "s3: unterminated XML declaration");
                break;
            }
            cur = c + 1;
        } else if (q < end && *q == '/') {
            const uint8_t *ns = q + 1, *ne = ns;
            while (ne < end && !is_name_end(*ne))
                ne++;
            const uint8_t *gt = memchr(ne, '>', (size_t)(end - ne));
            Slice name = {ns, (size_t)(ne - ns)};
            if (!gt || depth == 0 || name.n != stack[depth - 1].n || memcmp(name.p, stack[depth - 1].p, name.n)) {
                rc = err_set(e, WEIR_EPARSE, "s3: XML end tag does not match its start tag");
                break;
            }
            for (const uint8_t *c = ne; c < gt; c++)
                if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\n') {
                    rc = err_set(e, WEIR_EPARSE, "s3: junk in an XML end tag");
                    break;
                }
            if (rc == WEIR_OK && leaf_open) {
                Slice parent = depth >= 2 ? stack[depth - 2] : (Slice){NULL, 0};
                rc = leaf(arg, parent, name, (Slice){text.p, text.len}, depth, e);
            }
            depth--;
            leaf_open = 0;
            cur = gt + 1;
        } else {
            const uint8_t *ns = q, *ne = ns;
            while (ne < end && !is_name_end(*ne))
                ne++;
            if (ne == ns) {
                rc = err_set(e, WEIR_EPARSE, "s3: XML tag without a name");
                break;
            }
            /* Skip attributes, minding quotes (a '>' may sit inside one). */
            const uint8_t *c = ne;
            uint8_t quote = 0;
            while (c < end && (quote || *c != '>')) {
                if (quote && *c == quote)
                    quote = 0;
                else if (!quote && (*c == '"' || *c == '\''))
                    quote = *c;
                c++;
            }
            if (c >= end) {
                rc = err_set(e, WEIR_EPARSE, "s3: unterminated XML start tag");
                break;
            }
            int self_closing = c[-1] == '/';
            if (depth == S3_XML_DEPTH) {
                rc = err_set(e, WEIR_EPARSE, "s3: XML nested deeper than %d", S3_XML_DEPTH);
                break;
            }
            if (depth == 0) {
                if (root->p) {
                    rc = err_set(e, WEIR_EPARSE, "s3: XML has more than one root element");
                    break;
                }
                *root = (Slice){ns, (size_t)(ne - ns)};
            }
            stack[depth++] = (Slice){ns, (size_t)(ne - ns)};
            buf_reset(&text);
            leaf_open = 1;
            if (self_closing) {
                Slice parent = depth >= 2 ? stack[depth - 2] : (Slice){NULL, 0};
                rc = leaf(arg, parent, stack[depth - 1], (Slice){(const uint8_t *)"", 0}, depth, e);
                depth--;
                leaf_open = 0;
            }
            cur = c + 1;
        }
    }
    if (rc == WEIR_OK && (depth != 0 || !root->p))
        rc = err_set(e, WEIR_EPARSE, "s3: XML document %s", root->p ? "ends inside an element" : "has no element");
    buf_fini(&text);
    return rc;
}

typedef struct ListScan {
    Buf *keys;
    size_t n_keys;
    int is_truncated;
    Buf *next_token;
} ListScan;

static int list_leaf(void *arg, Slice parent, Slice name, Slice text, int depth, Err *e)
{
    ListScan *ls = arg;
    if (depth == 3 && slice_eq_cstr(parent, "Contents") && slice_eq_cstr(name, "Key")) {
        if (memchr(text.p, '\0', text.n))
            return err_set(e, WEIR_EPARSE, "s3: a listed key contains NUL");
        if (buf_append(ls->keys, text.p, text.n) != WEIR_OK || buf_append_byte(ls->keys, 0) != WEIR_OK)
            return err_set(e, WEIR_ELIMIT, "s3: too many listed keys for the buffer");
        ls->n_keys++;
    } else if (depth == 2 && slice_eq_cstr(name, "IsTruncated")) {
        ls->is_truncated = slice_eq_cstr(text, "true");
    } else if (depth == 2 && slice_eq_cstr(name, "NextContinuationToken")) {
        buf_reset(ls->next_token);
        if (buf_append(ls->next_token, text.p, text.n) != WEIR_OK)
            return err_set(e, WEIR_ELIMIT, "s3: continuation token too long");
    }
    UNUSED(parent);
    return WEIR_OK;
}

int s3_list_parse(const uint8_t *xml, size_t n, Buf *keys, size_t *n_keys, int *is_truncated, Buf *next_token,
                  Err *e)
{
    size_t start = keys->len;
    ListScan ls = {keys, 0, 0, next_token};
    Slice root;
    buf_reset(next_token);
    int rc = xml_scan(xml, n, list_leaf, &ls, &root, e);
    if (rc == WEIR_OK && !slice_eq_cstr(root, "ListBucketResult"))
        rc = err_set(e, WEIR_EPARSE, "s3: the listing's root element is <%.*s>, not <ListBucketResult>",
                     (int)(root.n > 64 ? 64 : root.n), (const char *)root.p);
    if (rc != WEIR_OK) {
        keys->len = start;
        if (keys->p)
            keys->p[start] = '\0';
        buf_reset(next_token);
        return rc;
    }
    *n_keys += ls.n_keys;
    *is_truncated = ls.is_truncated;
    return WEIR_OK;
}

typedef struct ErrScan {
    char *code, *msg;
    size_t code_cap, msg_cap;
    int has_code;
} ErrScan;

static void copy_trunc(char *dst, size_t cap, Slice s)
{
    if (!cap)
        return;
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n)
        memcpy(dst, s.p, n);
    dst[n] = '\0';
    for (size_t i = 0; i < n; i++) /* messages end up in logs: no control characters */
        if ((uint8_t)dst[i] < 0x20)
            dst[i] = ' ';
}

static int error_leaf(void *arg, Slice parent, Slice name, Slice text, int depth, Err *e)
{
    ErrScan *es = arg;
    UNUSED(e);
    if (depth == 2 && slice_eq_cstr(parent, "Error")) {
        if (slice_eq_cstr(name, "Code")) {
            copy_trunc(es->code, es->code_cap, text);
            es->has_code = 1;
        } else if (slice_eq_cstr(name, "Message")) {
            copy_trunc(es->msg, es->msg_cap, text);
        }
    }
    return WEIR_OK;
}

int s3_error_parse(const uint8_t *xml, size_t n, char *code, size_t code_cap, char *msg, size_t msg_cap)
{
    ErrScan es = {code, msg, code_cap, msg_cap, 0};
    Slice root;
    if (code_cap)
        code[0] = '\0';
    if (msg_cap)
        msg[0] = '\0';
    if (xml_scan(xml, n, error_leaf, &es, &root, NULL) != WEIR_OK || !slice_eq_cstr(root, "Error") || !es.has_code) {
        if (code_cap)
            code[0] = '\0';
        if (msg_cap)
            msg[0] = '\0';
        return 0;
    }
    return 1;
}

/* ==== HTTP ===================================================================================== */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

static CURL *handle_take(S3Store *st)
{
    CURL *h = NULL;
    pthread_mutex_lock(&st->mu);
    if (st->n_pool)
        h = st->pool[--st->n_pool];
    pthread_mutex_unlock(&st->mu);
    if (h)
        curl_easy_reset(h); /* options cleared; the connection cache stays */
    else if (!(h = curl_easy_init()))
        weir_panic("curl_easy_init failed");
    return h;
}

static void handle_give(S3Store *st, CURL *h)
{
    pthread_mutex_lock(&st->mu);
    if (st->n_pool < S3_POOL_MAX) {
        st->pool[st->n_pool++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&st->mu);
    if (h)
        curl_easy_cleanup(h);
}

/* The request body: the caller's parts, read in order (and rewound for a retry or a curl re-send). */
typedef struct BodyReader {
    const Slice *parts;
    size_t n_parts;
    size_t part, off;
} BodyReader;

static size_t body_read(char *dst, size_t size, size_t nitems, void *arg)
{
    BodyReader *br = arg;
    size_t cap = size * nitems, n = 0;
    while (n < cap && br->part < br->n_parts) {
        const Slice *s = &br->parts[br->part];
        size_t take = s->n - br->off < cap - n ? s->n - br->off : cap - n;
        if (take)
            memcpy(dst + n, s->p + br->off, take);
        n += take;
        br->off += take;
        if (br->off == s->n) {
            br->part++;
            br->off = 0;
        }
    }
    return n;
}

static int body_seek(void *arg, curl_off_t offset, int origin)
{
    BodyReader *br = arg;
    if (origin != SEEK_SET || offset < 0)
        return CURL_SEEKFUNC_CANTSEEK;
    br->part = 0;
    br->off = 0;
    uint64_t left = (uint64_t)offset;
    while (br->part < br->n_parts && left >= br->parts[br->part].n) {
        left -= br->parts[br->part].n;
        br->part++;
    }
    if (left && br->part == br->n_parts)
        return CURL_SEEKFUNC_FAIL;
    br->off = (size_t)left;
    return CURL_SEEKFUNC_OK;
}

/* The response body goes to the caller's Buf when the status is 2xx (GetObject, a listing), else to
 * a small Buf for the error document. */
typedef struct Sink {
    CURL *h;
    Buf *ok;       /* NULL: a 2xx body is dropped */
    Buf err;       /* S3_ERR_BODY_MAX */
    int decided;   /* which Buf this response goes to is known */
    int to_ok;
    int too_big;   /* ok's limit was hit: WEIR_ELIMIT, not retried */
} Sink;

static size_t sink_write(char *p, size_t size, size_t nmemb, void *arg)
{
    Sink *s = arg;
    size_t n = size * nmemb;
    if (!s->decided) {
        long status = 0;
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
        s->to_ok = status >= 200 && status < 300;
        s->decided = 1;
    }
    if (s->to_ok) {
        if (!s->ok)
            return n;
        if (buf_append(s->ok, p, n) != WEIR_OK) {
            s->too_big = 1;
            return 0; /* CURLE_WRITE_ERROR ends the transfer */
        }
    } else if (s->err.len + n <= s->err.max) {
        if (buf_append(&s->err, p, n) != WEIR_OK)
            return n; /* truncated error bodies are fine */
    }
    return n;
}

/* One logical S3 request, retried. */
typedef struct S3Call {
    const char *method;       /* "GET", "PUT", "HEAD", "DELETE" */
    const char *bucket;
    const char *key;          /* NULL: the bucket itself (ListObjectsV2) */
    const SigV4Pair *query;
    size_t n_query;
    const Slice *body;        /* PUT only */
    size_t n_body;
    Buf *out;                 /* a 2xx answer's body (NULL: dropped) */
    /* results */
    long status;
    curl_off_t content_length; /* from the answer's Content-Length, -1 if none */
    char code[64];             /* S3 error Code of a non-2xx answer, "" if none */
    char message[160];
} S3Call;

static int url_build(const S3Store *st, const S3Call *c, Buf *url, Buf *path)
{
    int rc = buf_printf(path, "/%s", c->bucket);
    if (rc == WEIR_OK && c->key)
        rc = buf_printf(path, "/%s", c->key);
    if (rc == WEIR_OK)
        rc = buf_append_cstr(url, st->endpoint);
    if (rc == WEIR_OK)
        rc = sigv4_uri_encode(url, (const char *)path->p, path->len, 1);
    for (size_t i = 0; i < c->n_query && rc == WEIR_OK; i++) {
        const char *v = c->query[i].value ? c->query[i].value : "";
        rc = buf_append_byte(url, i ? '&' : '?');
        if (rc == WEIR_OK)
            rc = sigv4_uri_encode(url, c->query[i].name, strlen(c->query[i].name), 0);
        if (rc == WEIR_OK)
            rc = buf_append_byte(url, '=');
        if (rc == WEIR_OK)
            rc = sigv4_uri_encode(url, v, strlen(v), 0);
    }
    return rc;
}

static void backoff_sleep(const S3Store *st, int retry)
{
    uint64_t d = (uint64_t)st->retry_base_ms << (retry < 20 ? retry : 20);
    if (d > S3_BACKOFF_CAP_MS)
        d = S3_BACKOFF_CAP_MS;
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)clock_mono_ns();
    uint64_t ms = d / 2 + (d / 2 ? r % (d / 2 + 1) : 0);
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int status_retryable(long status) { return status >= 500 || status == 429; }

/* Transport errors worth another attempt: everything but our own refusals and a bad configuration. */
static int curl_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_ABORTED_BY_CALLBACK:
        return 0;
    default:
        return 1;
    }
}

/* One attempt. Returns WEIR_OK with c->status set when an answer came, else the transport error in
 * *cerr (and WEIR_EIO) or WEIR_ELIMIT (the answer outgrew c->out). */
static int s3_attempt(S3Store *st, S3Call *c, const char *url, const char *path, const char *payload_sha,
                      const char *content_md5, uint64_t body_len, CURLcode *cerr, char *curl_msg, Err *e)
{
    char amz_date[17];
    sigv4_amz_date(clock_now_ms(), amz_date);
    SigV4Pair hdrs[4] = {
        {"host", st->host}, {"x-amz-content-sha256", payload_sha}, {"x-amz-date", amz_date}, {NULL, NULL}};
    size_t n_hdrs = 3;
    if (st->session_token)
        hdrs[n_hdrs++] = (SigV4Pair){"x-amz-security-token", st->session_token};
    SigV4Request req = {
        .method = c->method,
        .path = path,
        .query = c->query,
        .n_query = c->n_query,
        .headers = hdrs,
        .n_headers = n_hdrs,
        .payload_sha256 = payload_sha,
        .amz_date = amz_date,
        .region = st->region,
        .service = "s3",
        .access_key = st->access_key,
        .secret_key = st->secret_key,
    };
    Buf auth, line;
    buf_init(&auth, 8192);
    buf_init(&line, 16384);
    int rc = sigv4_authorization(&req, &auth, e);
    struct curl_slist *list = NULL;
    for (size_t i = 0; rc == WEIR_OK && i < n_hdrs; i++) {
        buf_reset(&line);
        if (buf_printf(&line, "%s: %s", hdrs[i].name, hdrs[i].value) != WEIR_OK)
            rc = err_set(e, WEIR_ELIMIT, "s3: header too long");
        else
            list = curl_slist_append(list, (char *)line.p);
    }
    if (rc == WEIR_OK) {
        buf_reset(&line);
        if (buf_printf(&line, "Authorization: %s", (char *)auth.p) != WEIR_OK)
            rc = err_set(e, WEIR_ELIMIT, "s3: header too long");
        list = curl_slist_append(list, (char *)line.p);
        if (content_md5) {
            buf_reset(&line);
            if (buf_printf(&line, "Content-MD5: %s", content_md5) == WEIR_OK)
                list = curl_slist_append(list, (char *)line.p);
        }
        /* No "Expect: 100-continue" round trip (and no Content-Type curl would guess). */
        list = curl_slist_append(list, "Expect:");
        if (!list)
            weir_panic("curl_slist_append failed");
    }
    buf_fini(&line);
    buf_fini(&auth);
    if (rc != WEIR_OK) {
        curl_slist_free_all(list);
        return rc;
    }

    CURL *h = handle_take(st);
    Sink sink = {.h = h, .ok = c->out};
    buf_init(&sink.err, S3_ERR_BODY_MAX);
    BodyReader br = {c->body, c->n_body, 0, 0};
    size_t out_start = c->out ? c->out->len : 0;
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L); /* send the path that was signed, dots and all */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    /* A store that stops answering mid-transfer: below 1 byte/s for 60 s is a transport error. */
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (!strcmp(c->method, "PUT")) {
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, body_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &br);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, body_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &br);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body_len);
    } else if (!strcmp(c->method, "HEAD")) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcmp(c->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, c->method);
    }

    CURLcode cr = curl_easy_perform(h);
    *cerr = cr;
    c->status = 0;
    c->code[0] = c->message[0] = '\0';
    if (cr == CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &c->status);
        curl_easy_getinfo(h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &c->content_length);
        if (c->status < 200 || c->status >= 300)
            s3_error_parse(sink.err.p, sink.err.len, c->code, sizeof(c->code), c->message, sizeof(c->message));
    } else if (sink.too_big) {
        rc = err_set(e, WEIR_ELIMIT, "s3 %s %s/%s: the answer is larger than the buffer allows", c->method, c->bucket,
                     c->key ? c->key : "");
    } else {
        snprintf(curl_msg, CURL_ERROR_SIZE, "%s", errbuf[0] ? errbuf : curl_easy_strerror(cr));
        rc = WEIR_EIO;
    }
    /* A failed or non-2xx attempt leaves nothing in the caller's buffer. */
    if (c->out && (rc != WEIR_OK || c->status < 200 || c->status >= 300)) {
        c->out->len = out_start;
        if (c->out->p)
            c->out->p[out_start] = '\0';
    }
    buf_fini(&sink.err);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    handle_give(st, h);
    curl_slist_free_all(list);
    return rc;
}

/* c with retries: WEIR_OK and c->status for any answer that is not retryable (the caller decides
 * what a 404 means), WEIR_EIO after the last retry, WEIR_ELIMIT at once. */
static int s3_call(S3Store *st, S3Call *c, Err *e)
{
    Buf url, path;
    buf_init(&url, 16384);
    buf_init(&path, 8192);
    char payload_sha[65], md5[25];
    uint64_t body_len = 0;
    for (size_t i = 0; i < c->n_body; i++)
        body_len += c->body[i].n;
    sigv4_sha256_hex(c->body, c->n_body, payload_sha);
    if (!strcmp(c->method, "PUT"))
        sigv4_content_md5(c->body, c->n_body, md5);
    int rc = url_build(st, c, &url, &path);
    if (rc != WEIR_OK) {
        rc = err_set(e, WEIR_EINVAL, "s3 %s %s/%.200s: URL too long", c->method, c->bucket, c->key ? c->key : "");
        goto out;
    }
    int attempts = 1 + st->max_retries;
    char curl_msg[CURL_ERROR_SIZE];
    for (int a = 0; a < attempts; a++) {
        if (a > 0)
            backoff_sleep(st, a - 1);
        CURLcode cr = CURLE_OK;
        curl_msg[0] = '\0';
        rc = s3_attempt(st, c, (char *)url.p, (char *)path.p, payload_sha, !strcmp(c->method, "PUT") ? md5 : NULL,
                        body_len, &cr, curl_msg, e);
        if (rc == WEIR_EIO) {
            if (!curl_retryable(cr) || a + 1 == attempts) {
                rc = err_set(e, WEIR_EIO, "s3 %s %s/%s at %s: %s (%d attempt%s)", c->method, c->bucket,
                             c->key ? c->key : "", st->endpoint, curl_msg, a + 1, a ? "s" : "");
                goto out;
            }
            continue;
        }
        if (rc != WEIR_OK)
            goto out;
        if (!status_retryable(c->status))
            goto out;
        if (a + 1 == attempts) {
            rc = err_set(e, WEIR_EIO, "s3 %s %s/%s: HTTP %ld%s%s%s%s (%d attempts)", c->method, c->bucket,
                         c->key ? c->key : "", c->status, c->code[0] ? " " : "", c->code, c->message[0] ? ": " : "",
                         c->message, attempts);
            goto out;
        }
    }
out:
    buf_fini(&path);
    buf_fini(&url);
    return rc;
}

/* The error for an answer the operation did not expect. */
static int status_error(const S3Call *c, Err *e)
{
    return err_set(e, WEIR_EIO, "s3 %s %s/%s: HTTP %ld%s%s%s%s", c->method, c->bucket, c->key ? c->key : "", c->status,
                   c->code[0] ? " " : "", c->code, c->message[0] ? ": " : "", c->message);
}

/* ==== operations ================================================================================ */

static int s3_put(ObjStore *s, const char *bucket, const char *key, const Slice *parts, size_t n_parts, Err *e)
{
    S3Call c = {.method = "PUT", .bucket = bucket, .key = key, .body = parts, .n_body = n_parts};
    int rc = s3_call((S3Store *)s, &c, e);
    if (rc == WEIR_OK && c.status != 200)
        rc = status_error(&c, e);
    return rc;
}

static int s3_head(ObjStore *s, const char *bucket, const char *key, uint64_t *size, Err *e)
{
    S3Call c = {.method = "HEAD", .bucket = bucket, .key = key};
    int rc = s3_call((S3Store *)s, &c, e);
    if (rc != WEIR_OK)
        return rc;
    if (c.status == 404)
        return err_set(e, WEIR_ENOTFOUND, "no object %s/%s", bucket, key);
    if (c.status != 200)
        return status_error(&c, e);
    if (c.content_length < 0)
        return err_set(e, WEIR_EPROTO, "s3 HEAD %s/%s: the answer has no Content-Length", bucket, key);
    *size = (uint64_t)c.content_length;
    return WEIR_OK;
}

static int s3_get(ObjStore *s, const char *bucket, const char *key, Buf *out, Err *e)
{
    S3Call c = {.method = "GET", .bucket = bucket, .key = key, .out = out};
    int rc = s3_call((S3Store *)s, &c, e);
    if (rc != WEIR_OK)
        return rc;
    if (c.status == 404)
        return err_set(e, WEIR_ENOTFOUND, "no object %s/%s%s%s", bucket, key, c.code[0] ? ": " : "", c.code);
    return c.status == 200 ? WEIR_OK : status_error(&c, e);
}

static int s3_delete(ObjStore *s, const char *bucket, const char *key, Err *e)
{
    S3Call c = {.method = "DELETE", .bucket = bucket, .key = key};
    int rc = s3_call((S3Store *)s, &c, e);
    if (rc != WEIR_OK)
        return rc;
    /* S3 answers 204 whether or not the key existed; some stores say 404 for a missing one. */
    return (c.status == 204 || c.status == 200 || c.status == 404) ? WEIR_OK : status_error(&c, e);
}

static int s3_list(ObjStore *s, const char *bucket, const char *prefix, Buf *keys, size_t *n_keys, Err *e)
{
    Buf body, token, prev;
    buf_init(&body, S3_LIST_BODY_MAX);
    buf_init(&token, S3_XML_TEXT_MAX);
    buf_init(&prev, S3_XML_TEXT_MAX);
    size_t start = keys->len;
    int rc = WEIR_OK, pages = 0;
    for (;;) {
        SigV4Pair q[3] = {{"list-type", "2"}, {"prefix", prefix}, {NULL, NULL}};
        size_t nq = 2;
        if (pages > 0) {
            buf_reset(&prev);
            if (buf_append(&prev, token.p, token.len) != WEIR_OK) {
                rc = err_set(e, WEIR_ELIMIT, "s3 list %s: continuation token too long", bucket);
                break;
            }
            q[nq++] = (SigV4Pair){"continuation-token", (const char *)prev.p};
        }
        buf_reset(&body);
        S3Call c = {.method = "GET", .bucket = bucket, .query = q, .n_query = nq, .out = &body};
        rc = s3_call((S3Store *)s, &c, e);
        if (rc != WEIR_OK)
            break;
        if (c.status == 404) {
            rc = err_set(e, WEIR_ENOTFOUND, "s3 list %s: %s", bucket, c.code[0] ? c.code : "HTTP 404");
            break;
        }
        if (c.status != 200) {
            rc = status_error(&c, e);
            break;
        }
        int truncated = 0;
        rc = s3_list_parse(body.p, body.len, keys, n_keys, &truncated, &token, e);
        if (rc != WEIR_OK)
            break;
        pages++;
        if (!truncated)
            break;
        if (token.len == 0 || (token.len == prev.len && !memcmp(token.p, prev.p, token.len))) {
            rc = err_set(e, WEIR_EPROTO, "s3 list %s: a truncated page without a new continuation token", bucket);
            break;
        }
    }
    if (rc != WEIR_OK) {
        keys->len = start;
        if (keys->p)
            keys->p[start] = '\0';
        *n_keys = 0;
    }
    buf_fini(&prev);
    buf_fini(&token);
    buf_fini(&body);
    return rc;
}

static void s3_close(ObjStore *s)
{
    S3Store *st = (S3Store *)s;
    for (size_t i = 0; i < st->n_pool; i++)
        curl_easy_cleanup(st->pool[i]);
    pthread_mutex_destroy(&st->mu);
    free(st->endpoint);
    free(st->host);
    free(st->region);
    free(st->access_key);
    if (st->secret_key) {
        OPENSSL_cleanse(st->secret_key, strlen(st->secret_key));
        free(st->secret_key);
    }
    free(st->session_token);
    free(st);
}

static const ObjStoreOps S3_OPS = {
    .put = s3_put,
    .head = s3_head,
    .get = s3_get,
    .del = s3_delete,
    .list = s3_list,
    .close = s3_close,
};

int objstore_open_s3(const ObjStoreS3Config *cfg, ObjStore **out, Err *e)
{
    *out = NULL;
    if (!cfg || !cfg->endpoint)
        return err_set(e, WEIR_EINVAL, "s3: no endpoint configured");
    if (!cfg->access_key || !*cfg->access_key || !cfg->secret_key || !*cfg->secret_key)
        return err_set(e, WEIR_EINVAL, "s3: endpoint %s needs an access key and a secret key", cfg->endpoint);
    const char *ep = cfg->endpoint;
    int https = !strncmp(ep, "https://", 8);
    if (!https && strncmp(ep, "http://", 7) != 0)
        return err_set(e, WEIR_EINVAL, "s3: endpoint '%s' must start with http:// or https://", ep);
    const char *auth = ep + (https ? 8 : 7);
    size_t n = strlen(auth);
    while (n && auth[n - 1] == '/')
        n--;
    if (n == 0 || memchr(auth, '/', n) || memchr(auth, '?', n) || memchr(auth, '@', n) || memchr(auth, '#', n) ||
        memchr(auth, ' ', n))
        return err_set(e, WEIR_EINVAL, "s3: endpoint '%s' must be scheme://host[:port] with no path", ep);
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return err_set(e, WEIR_EIO, "s3: curl_global_init: %s", curl_easy_strerror(curl_init_rc));

    S3Store *st = xcalloc(1, sizeof(*st));
    st->base.ops = &S3_OPS;
    st->endpoint = xstrndup(ep, (size_t)(auth - ep) + n);
    /* Host as libcurl would send it: without the scheme's default port. */
    size_t host_n = n;
    if (!https && n > 3 && !memcmp(auth + n - 3, ":80", 3))
        host_n = n - 3;
    else if (https && n > 4 && !memcmp(auth + n - 4, ":443", 4))
        host_n = n - 4;
    st->host = xstrndup(auth, host_n);
    st->region = xstrdup(cfg->region && *cfg->region ? cfg->region : "us-east-1");
    st->access_key = xstrdup(cfg->access_key);
    st->secret_key = xstrdup(cfg->secret_key);
    st->session_token = cfg->session_token && *cfg->session_token ? xstrdup(cfg->session_token) : NULL;
    st->max_retries = cfg->max_retries == 0 ? S3_DEFAULT_RETRIES : cfg->max_retries < 0 ? 0 : cfg->max_retries;
    if (st->max_retries > 30) /* 30 doublings already reach the backoff cap many times over */
        st->max_retries = 30;
    st->retry_base_ms = cfg->retry_base_ms > 0 ? cfg->retry_base_ms : S3_DEFAULT_BASE_MS;
    pthread_mutex_init(&st->mu, NULL);
    *out = &st->base;
    return WEIR_OK;
}
