/*
 * u128.c: see u128.h. MD5 comes from OpenSSL's libcrypto (EVP interface, not the deprecated MD5()).
 * MD5 runs for every record put, so the algorithm is fetched once (EVP_md5() in EVP_Digest looks it up,
 * under a lock, on every call) and each thread keeps one digest context.
 */
#include "base/u128.h"

#include <openssl/evp.h>
#include <pthread.h>

#include "base/err.h"

int u128_parse_dec(const char *s, size_t n, u128 *out)
{
    if (n == 0 || n > 64)
        return -1;
    u128 v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return -1;
        if (v > (U128_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

size_t u128_format_dec(u128 v, char *out)
{
    char tmp[U128_DEC_MAX + 1];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

static EVP_MD *md5_alg;
static pthread_key_t md5_key;
static pthread_once_t md5_once = PTHREAD_ONCE_INIT;

static void md5_ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void md5_init(void)
{
    md5_alg = EVP_MD_fetch(NULL, "MD5", NULL);
    if (!md5_alg || pthread_key_create(&md5_key, md5_ctx_free) != 0)
        weir_panic("MD5 is not available from libcrypto");
}

u128 u128_md5_hash_key(const void *p, size_t n)
{
    pthread_once(&md5_once, md5_init);
    EVP_MD_CTX *ctx = pthread_getspecific(md5_key);
    if (!ctx) {
        ctx = EVP_MD_CTX_new();
        if (!ctx || pthread_setspecific(md5_key, ctx) != 0)
            weir_panic("EVP_MD_CTX_new failed");
    }
    unsigned char md[16];
    unsigned int md_len = 0;
    if (!EVP_DigestInit_ex2(ctx, md5_alg, NULL) || !EVP_DigestUpdate(ctx, p, n) ||
        !EVP_DigestFinal_ex(ctx, md, &md_len) || md_len != 16)
        weir_panic("MD5 digest failed");
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | md[i];
    return v;
}
