/*
 * stream_test.h: helpers the stream unit tests share (header-only, static inline): a seeded
 * xorshift64* generator, so every run sees the same "random" workload, and the byte order of encodings
 * (memcmp, then shorter first) that rowcodec promises and the state table's ordered walks follow.
 */
#ifndef WEIR_TESTS_STREAM_TEST_H
#define WEIR_TESTS_STREAM_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint64_t st_rng = 0x2545F4914F6CDD1Dull;

static inline uint64_t rnd(void)
{
    st_rng ^= st_rng >> 12;
    st_rng ^= st_rng << 25;
    st_rng ^= st_rng >> 27;
    return st_rng * 0x2545F4914F6CDD1Dull;
}

/* -1, 0, 1 as a before, equal to, after b (bytewise; a proper prefix sorts first). */
static inline int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn;
}

#endif
