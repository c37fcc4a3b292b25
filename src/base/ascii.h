/*
 * ascii.h: word-at-a-time scans for the byte classes the JSON paths care about. Each returns the length
 * of the longest prefix of p[0..n) made only of "plain" bytes, eight bytes per step (the classic
 * has-zero-byte trick: a byte b of word w is zero iff the 0x80 bit of (w - 0x01..) & ~w is set for it).
 */
#ifndef WEIR_BASE_ASCII_H
#define WEIR_BASE_ASCII_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ASCII_ONES 0x0101010101010101ull
#define ASCII_HIGHS 0x8080808080808080ull

/* Nonzero iff some byte of w is zero. */
static inline uint64_t ascii_has_zero(uint64_t w)
{
    return (w - ASCII_ONES) & ~w & ASCII_HIGHS;
}

/* Nonzero iff some byte of w is below 0x20 (for bytes < 0x80). */
static inline uint64_t ascii_has_ctrl(uint64_t w)
{
    return (w - 0x2020202020202020ull) & ~w & ASCII_HIGHS;
}

/* Bytes a JSON string may carry unescaped: not '"', not '\\', not below 0x20 (UTF-8 bytes are plain). */
static inline int ascii_json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

static inline size_t ascii_json_plain_len(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        /* bytes >= 0x80 can false-trigger the ctrl test, so the word is rechecked bytewise then */
        if (ascii_has_ctrl(w) | ascii_has_zero(w ^ (0x22 * ASCII_ONES)) | ascii_has_zero(w ^ (0x5C * ASCII_ONES)))
            break;
    }
    while (i < n && ascii_json_plain((unsigned char)p[i]))
        i++;
    return i;
}

/* Printable ASCII other than '"' and '\\': 0x20..0x7E. */
static inline int ascii_printable_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

static inline size_t ascii_printable_plain_len(const char *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if ((w & ASCII_HIGHS) | ascii_has_ctrl(w) | ascii_has_zero(w ^ (0x7F * ASCII_ONES)) |
            ascii_has_zero(w ^ (0x22 * ASCII_ONES)) | ascii_has_zero(w ^ (0x5C * ASCII_ONES)))
            break;
    }
    while (i < n && ascii_printable_plain((unsigned char)p[i]))
        i++;
    return i;
}

#endif
