/*
 * u128.c: see u128.h. MD5 comes from OpenSSL's libcrypto (EVP interface, not the deprecated MD5()).
 */
#include "base/u128.h"

#include <openssl/evp.h>

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

u128 u128_md5_hash_key(const void *p, size_t n)
{
    unsigned char md[16];
    unsigned int md_len = 0;
    if (!EVP_Digest(p, n, md, &md_len, EVP_md5(), NULL) || md_len != 16)
        weir_panic("EVP_Digest(md5) failed");
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = v << 8 | md[i];
    return v;
}
