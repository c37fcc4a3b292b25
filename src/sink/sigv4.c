/*
 * sigv4.c: AWS Signature Version 4 (see sigv4.h for the contract).
 *
 * Everything is built into Bufs (the canonical request, the string to sign) because a request has a
 * handful of headers and parameters: sorting is an insertion sort over at most 16 indices, and the
 * OpenSSL calls are one-shot (EVP_Digest, HMAC), so the signer keeps no state and is thread safe.
 */
#include "sink/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
static const char HEX_LOWER[] = "0123456789abcdef";
static const char HEX_UPPER[] = "0123456789ABCDEF";

static void hex_encode(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX_LOWER[p[i] >> 4];
        out[2 * i + 1] = HEX_LOWER[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The digest of the parts one after the other into md (md_len bytes: 32 for SHA-256, 16 for MD5). */
static void parts_digest(const EVP_MD *alg, const Slice *parts, size_t n_parts, uint8_t *md, unsigned int md_len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int got = 0;
    if (!ctx)
        weir_panic("EVP_MD_CTX_new failed");
    int ok = EVP_DigestInit_ex(ctx, alg, NULL);
    for (size_t i = 0; ok && i < n_parts; i++)
        if (parts[i].n)
            ok = EVP_DigestUpdate(ctx, parts[i].p, parts[i].n);
    if (!ok || !EVP_DigestFinal_ex(ctx, md, &got) || got != md_len)
        weir_panic("digest failed");
    EVP_MD_CTX_free(ctx);
}

void sigv4_sha256_hex(const Slice *parts, size_t n_parts, char out[65])
{
    uint8_t md[32];
    parts_digest(EVP_sha256(), parts, n_parts, md, 32);
    hex_encode(md, 32, out);
}

void sigv4_content_md5(const Slice *parts, size_t n_parts, char out[25])
{
    uint8_t md[16];
    parts_digest(EVP_md5(), parts, n_parts, md, 16);
    out[base64_encode(md, 16, out)] = '\0';
}

static void hmac_sha256(const uint8_t *key, size_t key_len, const void *msg, size_t msg_len, uint8_t out[32])
{
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &n) || n != 32)
        weir_panic("HMAC-SHA256 failed");
}

static int is_unreserved(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

int sigv4_uri_encode(Buf *out, const char *s, size_t n, int keep_slash)
{
    int rc = buf_reserve(out, n);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (is_unreserved(c) || (keep_slash && c == '/')) {
            rc = buf_append_byte(out, c);
        } else {
            char esc[3] = {'%', HEX_UPPER[c >> 4], HEX_UPPER[c & 15]};
            rc = buf_append(out, esc, 3);
        }
    }
    return rc;
}

void sigv4_amz_date(int64_t unix_ms, char out[17])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        out[0] = '\0';
}

/* ---- canonical request ---------------------------------------------------------------------- */

/* Header names lowercased into one Buf, with their offsets, so they can be sorted and printed. */
typedef struct HeaderSet {
    Buf names;                      /* lowercased names back to back, each NUL-terminated */
    size_t off[SIGV4_MAX_HEADERS];  /* offset of each name in names */
    size_t order[SIGV4_MAX_HEADERS]; /* indices of r->headers sorted by lowercased name */
    size_t n;
} HeaderSet;

static int headers_prepare(const SigV4Request *r, HeaderSet *h, Err *e)
{
    h->n = r->n_headers;
    buf_init(&h->names, 1 << 16);
    for (size_t i = 0; i < r->n_headers; i++) {
        h->off[i] = h->names.len;
        for (const char *c = r->headers[i].name; *c; c++) {
            char l = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
            if (buf_append_byte(&h->names, (uint8_t)l) != WEIR_OK)
                return err_set(e, WEIR_ELIMIT, "sigv4: header names too long");
        }
        if (buf_append_byte(&h->names, 0) != WEIR_OK)
            return err_set(e, WEIR_ELIMIT, "sigv4: header names too long");
    }
    for (size_t i = 0; i < h->n; i++) {
        size_t j = i;
        while (j > 0 && strcmp((char *)h->names.p + h->off[h->order[j - 1]], (char *)h->names.p + h->off[i]) > 0) {
            h->order[j] = h->order[j - 1];
            j--;
        }
        h->order[j] = i;
    }
    return WEIR_OK;
}

/* A header value as SigV4 canonicalizes it: leading and trailing blanks trimmed, runs of blanks
 * inside collapsed to one space. */
static int header_value_append(Buf *out, const char *v)
{
    int rc = WEIR_OK;
    while (*v == ' ' || *v == '\t')
        v++;
    int pending_space = 0;
    for (; *v && rc == WEIR_OK; v++) {
        if (*v == ' ' || *v == '\t') {
            pending_space = 1;
            continue;
        }
        if (pending_space)
            rc = buf_append_byte(out, ' ');
        pending_space = 0;
        if (rc == WEIR_OK)
            rc = buf_append_byte(out, (uint8_t)*v);
    }
    return rc;
}

static int signed_headers_append(Buf *out, const HeaderSet *h)
{
    int rc = WEIR_OK;
    for (size_t i = 0; i < h->n && rc == WEIR_OK; i++) {
        if (i)
            rc = buf_append_byte(out, ';');
        if (rc == WEIR_OK)
            rc = buf_append_cstr(out, (const char *)h->names.p + h->off[h->order[i]]);
    }
    return rc;
}

/* The query string: each name and value encoded, pairs sorted by encoded name then value. */
static int query_append(Buf *out, const SigV4Request *r)
{
    Buf enc;
    size_t name_off[SIGV4_MAX_QUERY], val_off[SIGV4_MAX_QUERY], order[SIGV4_MAX_QUERY];
    int rc = WEIR_OK;
    buf_init(&enc, out->max);
    for (size_t i = 0; i < r->n_query && rc == WEIR_OK; i++) {
        const char *v = r->query[i].value ? r->query[i].value : "";
        name_off[i] = enc.len;
        rc = sigv4_uri_encode(&enc, r->query[i].name, strlen(r->query[i].name), 0);
        if (rc == WEIR_OK)
            rc = buf_append_byte(&enc, 0);
        val_off[i] = enc.len;
        if (rc == WEIR_OK)
            rc = sigv4_uri_encode(&enc, v, strlen(v), 0);
        if (rc == WEIR_OK)
            rc = buf_append_byte(&enc, 0);
    }
    for (size_t i = 0; i < r->n_query && rc == WEIR_OK; i++) {
        size_t j = i;
        while (j > 0) {
            const char *a = (char *)enc.p + name_off[order[j - 1]], *b = (char *)enc.p + name_off[i];
            int c = strcmp(a, b);
            if (c == 0)
                c = strcmp((char *)enc.p + val_off[order[j - 1]], (char *)enc.p + val_off[i]);
            if (c <= 0)
                break;
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    for (size_t i = 0; i < r->n_query && rc == WEIR_OK; i++) {
        if (i)
            rc = buf_append_byte(out, '&');
        if (rc == WEIR_OK)
            rc = buf_printf(out, "%s=%s", (char *)enc.p + name_off[order[i]], (char *)enc.p + val_off[order[i]]);
    }
    buf_fini(&enc);
    return rc;
}

static int request_check(const SigV4Request *r, Err *e)
{
    if (!r->method || !r->path || !r->payload_sha256 || !r->amz_date || !r->region || !r->service ||
        !r->access_key || !r->secret_key)
        return err_set(e, WEIR_EINVAL, "sigv4: request lacks a method, path, payload hash, date, scope or key");
    if (r->n_headers > SIGV4_MAX_HEADERS || r->n_query > SIGV4_MAX_QUERY)
        return err_set(e, WEIR_EINVAL, "sigv4: more than %d headers or %d query parameters", SIGV4_MAX_HEADERS,
                       SIGV4_MAX_QUERY);
    if (strlen(r->amz_date) != 16)
        return err_set(e, WEIR_EINVAL, "sigv4: date '%s' is not yyyymmddThhmmssZ", r->amz_date);
    for (size_t i = 0; i < r->n_headers; i++)
        if (!r->headers[i].name || !r->headers[i].value)
            return err_set(e, WEIR_EINVAL, "sigv4: header %zu lacks a name or value", i);
    for (size_t i = 0; i < r->n_query; i++)
        if (!r->query[i].name)
            return err_set(e, WEIR_EINVAL, "sigv4: query parameter %zu lacks a name", i);
    return WEIR_OK;
}

/* The canonical request, with the header set kept for the signed-header list. */
static int canonical_build(const SigV4Request *r, Buf *out, HeaderSet *h, Err *e)
{
    int rc = request_check(r, e);
    if (rc != WEIR_OK)
        return rc;
    rc = headers_prepare(r, h, e);
    if (rc != WEIR_OK)
        return rc;
    rc = buf_printf(out, "%s\n", r->method);
    if (rc == WEIR_OK)
        rc = sigv4_uri_encode(out, r->path, strlen(r->path), 1);
    if (rc == WEIR_OK)
        rc = buf_append_byte(out, '\n');
    if (rc == WEIR_OK)
        rc = query_append(out, r);
    if (rc == WEIR_OK)
        rc = buf_append_byte(out, '\n');
    for (size_t i = 0; i < h->n && rc == WEIR_OK; i++) {
        size_t k = h->order[i];
        rc = buf_printf(out, "%s:", (const char *)h->names.p + h->off[k]);
        if (rc == WEIR_OK)
            rc = header_value_append(out, r->headers[k].value);
        if (rc == WEIR_OK)
            rc = buf_append_byte(out, '\n');
    }
    if (rc == WEIR_OK)
        rc = buf_append_byte(out, '\n');
    if (rc == WEIR_OK)
        rc = signed_headers_append(out, h);
    if (rc == WEIR_OK)
        rc = buf_printf(out, "\n%s", r->payload_sha256);
    if (rc != WEIR_OK)
        return err_set(e, rc, "sigv4: canonical request too long");
    return WEIR_OK;
}

int sigv4_canonical_request(const SigV4Request *r, Buf *out, Err *e)
{
    HeaderSet h;
    memset(&h, 0, sizeof(h));
    int rc = canonical_build(r, out, &h, e);
    buf_fini(&h.names);
    return rc;
}

/* The string to sign into out, and the header set for the Authorization header. */
static int string_to_sign_build(const SigV4Request *r, Buf *out, HeaderSet *h, Err *e)
{
    Buf canon;
    buf_init(&canon, BUF_MAX_DEFAULT);
    int rc = canonical_build(r, &canon, h, e);
    if (rc == WEIR_OK) {
        char hash[65];
        Slice s = {canon.p, canon.len};
        sigv4_sha256_hex(&s, 1, hash);
        rc = buf_printf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", r->amz_date, r->amz_date, r->region,
                        r->service, hash);
        if (rc != WEIR_OK)
            rc = err_set(e, rc, "sigv4: string to sign too long");
    }
    buf_fini(&canon);
    return rc;
}

int sigv4_string_to_sign(const SigV4Request *r, Buf *out, Err *e)
{
    HeaderSet h;
    memset(&h, 0, sizeof(h));
    int rc = string_to_sign_build(r, out, &h, e);
    buf_fini(&h.names);
    return rc;
}

int sigv4_authorization(const SigV4Request *r, Buf *out, Err *e)
{
    HeaderSet h;
    Buf sts, key;
    memset(&h, 0, sizeof(h));
    buf_init(&sts, BUF_MAX_DEFAULT);
    buf_init(&key, 4096);
    int rc = string_to_sign_build(r, &sts, &h, e);
    if (rc == WEIR_OK && buf_printf(&key, "AWS4%s", r->secret_key) != WEIR_OK)
        rc = err_set(e, WEIR_ELIMIT, "sigv4: secret key too long");
    if (rc == WEIR_OK) {
        /* Separate buffers per step: HMAC's key and output must not alias. */
        uint8_t k_date[32], k_region[32], k_service[32], k[32], sig[32];
        char sig_hex[65];
        hmac_sha256(key.p, key.len, r->amz_date, 8, k_date);
        hmac_sha256(k_date, 32, r->region, strlen(r->region), k_region);
        hmac_sha256(k_region, 32, r->service, strlen(r->service), k_service);
        hmac_sha256(k_service, 32, "aws4_request", 12, k);
        hmac_sha256(k, 32, sts.p, sts.len, sig);
        hex_encode(sig, 32, sig_hex);
        rc = buf_printf(out, "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, SignedHeaders=", r->access_key,
                        r->amz_date, r->region, r->service);
        if (rc == WEIR_OK)
            rc = signed_headers_append(out, &h);
        if (rc == WEIR_OK)
            rc = buf_printf(out, ", Signature=%s", sig_hex);
        if (rc != WEIR_OK)
            rc = err_set(e, rc, "sigv4: Authorization header too long");
        OPENSSL_cleanse(k_date, 32);
        OPENSSL_cleanse(k_region, 32);
        OPENSSL_cleanse(k_service, 32);
        OPENSSL_cleanse(k, 32);
    }
    if (key.p)
        OPENSSL_cleanse(key.p, key.len);
    buf_fini(&key);
    buf_fini(&sts);
    buf_fini(&h.names);
    return rc;
}
