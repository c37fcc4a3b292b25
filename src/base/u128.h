/*
 * u128.h: unsigned 128-bit integers for Kinesis hash keys (MD5 of a partition key, read as a
 * big-endian number) and their decimal text form ("340282366920938463463374607431768211455").
 */
#ifndef WEIR_BASE_U128_H
#define WEIR_BASE_U128_H

#include <stddef.h>
#include <stdint.h>

typedef unsigned __int128 u128;

#define U128_MAX (~(u128)0)
#define U128_DEC_MAX 40 /* digits in 2^128 - 1 */

/* Parse a decimal string of n bytes (1..39 digits, or 40 up to 2^128-1). Leading zeros allowed.
 * Returns 0, or -1 on a non-digit, empty input or overflow. */
int u128_parse_dec(const char *s, size_t n, u128 *out);

/* Write v in decimal into out (at least U128_DEC_MAX + 1 bytes), NUL-terminated. Returns length. */
size_t u128_format_dec(u128 v, char *out);

/* MD5 of n bytes read as a big-endian 128-bit integer: the Kinesis hash key of a partition key. */
u128 u128_md5_hash_key(const void *p, size_t n);

#endif
