/*
 * crc32c.c: CRC-32C. The hardware path processes 8 bytes per instruction; the table path is the
 * classic slicing-by-8, built once on first use (thread-safe through pthread_once).
 *
 * Why three streams on the hardware path: the crc32 instruction has a latency of about 3 cycles but
 * a throughput of one per cycle, so one dependent chain runs at a third of the speed the unit allows.
 * Long buffers (a segment batch is up to 64 kB; scans check every batch they read) are cut into three
 * consecutive blocks whose CRCs are computed in one interleaved loop and then joined: appending B to
 * a message whose register is r gives M^|B| r ^ crc(0, B), where M^n (the register after n zero bytes)
 * is linear, so it is four table lookups (crc_shift) with tables built once for the two block sizes.
 */
#include "base/crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82f63b78u

static uint32_t crc_table[8][256];
#define CRC_LONG 8192u /* bytes per stream of the 3-way loop, and a smaller size for the rest */
#define CRC_SHORT 256u
static uint32_t crc_long[4][256], crc_short[4][256]; /* register x -> M^CRC_LONG x, byte by byte */
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_has_hw;

static void crc_init(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
        crc_table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++)
        for (int k = 1; k < 8; k++)
            crc_table[k][n] = (crc_table[k - 1][n] >> 8) ^ crc_table[0][crc_table[k - 1][n] & 0xff];
    /* M^n on the 32 basis vectors (n zero bytes through the table), then every byte value of every
     * position by linearity */
    static const uint32_t lens[2] = {CRC_LONG, CRC_SHORT};
    for (int t = 0; t < 2; t++) {
        uint32_t basis[32];
        for (int b = 0; b < 32; b++) {
            uint32_t c = 1u << b;
            for (uint32_t k = 0; k < lens[t]; k++)
                c = (c >> 8) ^ crc_table[0][c & 0xff];
            basis[b] = c;
        }
        uint32_t(*tab)[256] = t == 0 ? crc_long : crc_short;
        for (int pos = 0; pos < 4; pos++)
            for (uint32_t v = 0; v < 256; v++) {
                uint32_t x = 0;
                for (int b = 0; b < 8; b++)
                    if (v >> b & 1)
                        x ^= basis[pos * 8 + b];
                tab[pos][v] = x;
            }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc_has_hw = __builtin_cpu_supports("sse4.2");
#endif
}

/* The register c followed by the table's number of zero bytes. */
static inline uint32_t crc_shift(const uint32_t (*tab)[256], uint32_t c)
{
    return tab[0][c & 0xff] ^ tab[1][(c >> 8) & 0xff] ^ tab[2][(c >> 16) & 0xff] ^ tab[3][c >> 24];
}

static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        w ^= crc;
        crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^ crc_table[5][(w >> 16) & 0xff] ^
              crc_table[4][(w >> 24) & 0xff] ^ crc_table[3][(w >> 32) & 0xff] ^
              crc_table[2][(w >> 40) & 0xff] ^ crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--)
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
    return crc;
}

#if defined(__x86_64__)
/* Three consecutive blocks of len bytes from p (len a multiple of 8), joined into crc. */
__attribute__((target("sse4.2"))) static uint32_t crc_hw3(uint32_t crc, const uint8_t *p, size_t len,
                                                          const uint32_t (*shift)[256])
{
    uint64_t c0 = crc, c1 = 0, c2 = 0;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t w0, w1, w2;
        memcpy(&w0, p + i, 8);
        memcpy(&w1, p + len + i, 8);
        memcpy(&w2, p + 2 * len + i, 8);
        c0 = __builtin_ia32_crc32di(c0, w0);
        c1 = __builtin_ia32_crc32di(c1, w1);
        c2 = __builtin_ia32_crc32di(c2, w2);
    }
    uint32_t r = crc_shift(shift, (uint32_t)c0) ^ (uint32_t)c1;
    return crc_shift(shift, r) ^ (uint32_t)c2;
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t n)
{
    for (; n >= 3 * CRC_LONG; p += 3 * CRC_LONG, n -= 3 * CRC_LONG)
        crc = crc_hw3(crc, p, CRC_LONG, crc_long);
    for (; n >= 3 * CRC_SHORT; p += 3 * CRC_SHORT, n -= 3 * CRC_SHORT)
        crc = crc_hw3(crc, p, CRC_SHORT, crc_short);
    uint64_t c = crc;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

uint32_t crc32c_extend(uint32_t crc, const void *p, size_t n)
{
    pthread_once(&crc_once, crc_init);
    crc = ~crc;
#if defined(__x86_64__)
    if (crc_has_hw)
        return ~crc_hw(crc, p, n);
#endif
    return ~crc_sw(crc, p, n);
}
