/*
 * base64.c: table-driven base64. The decoder processes 4 characters per step through a 256-entry
 * lookup table (invalid characters map to 0xff), so the hot loop has no branches per character
 * beyond the validity check.
 */
#include "base/base64.h"

static const char b64_alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const uint8_t b64_rev[256] = {
#define X 0xff
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  62, X,  X,  X,  63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, X,  X,  X,  X,  X,  X,  X,  0,  1,  2,  3,  4,  5,  6,
    7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, X,  X,  X,  X,  X,
    X,  26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
    X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,  X,
#undef X
};

size_t base64_encode(const uint8_t *src, size_t n, char *dst)
{
    char *d = dst;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 | src[i + 2];
        d[0] = b64_alpha[v >> 18];
        d[1] = b64_alpha[(v >> 12) & 63];
        d[2] = b64_alpha[(v >> 6) & 63];
        d[3] = b64_alpha[v & 63];
        d += 4;
    }
    if (i < n) {
        uint32_t v = (uint32_t)src[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)src[i + 1] << 8;
        d[0] = b64_alpha[v >> 18];
        d[1] = b64_alpha[(v >> 12) & 63];
        d[2] = i + 1 < n ? b64_alpha[(v >> 6) & 63] : '=';
        d[3] = '=';
        d += 4;
    }
    return (size_t)(d - dst);
}

int base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_len)
{
    const uint8_t *s = (const uint8_t *)src;
    size_t pad = 0;
    if (n % 4 != 0)
        return -1; /* padding is required, as AWS's decoder requires it */
    if (n >= 4) {
        if (s[n - 1] == '=')
            pad++;
        if (s[n - 2] == '=')
            pad++;
    }
    size_t body = n - pad; /* characters carrying data */
    uint8_t *d = dst;
    size_t i = 0;
    for (; i + 4 <= body; i += 4) {
        uint32_t a = b64_rev[s[i]], b = b64_rev[s[i + 1]], c = b64_rev[s[i + 2]], e = b64_rev[s[i + 3]];
        if ((a | b | c | e) & 0x80)
            return -1;
        uint32_t v = a << 18 | b << 12 | c << 6 | e;
        d[0] = (uint8_t)(v >> 16);
        d[1] = (uint8_t)(v >> 8);
        d[2] = (uint8_t)v;
        d += 3;
    }
    size_t rest = body - i;
    if (rest == 1)
        return -1;
    if (rest >= 2) {
        uint32_t a = b64_rev[s[i]], b = b64_rev[s[i + 1]];
        uint32_t c = rest == 3 ? b64_rev[s[i + 2]] : 0;
        if ((a | b | c) & 0x80)
            return -1;
        uint32_t v = a << 18 | b << 12 | c << 6;
        *d++ = (uint8_t)(v >> 16);
        if (rest == 3)
            *d++ = (uint8_t)(v >> 8);
    }
    *out_len = (size_t)(d - dst);
    return 0;
}
