/*
 * utf8.h: UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF), for
 * text that goes back to clients inside JSON, where invalid UTF-8 would make the whole answer
 * unparsable.
 */
#ifndef WEIR_BASE_UTF8_H
#define WEIR_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence starting at p (1..4), or 0 if the bytes there are not one. */
size_t utf8_seq_len(const uint8_t *p, size_t n);

/* Nonzero if all n bytes are valid UTF-8. */
int utf8_valid(const uint8_t *p, size_t n);

/* Write code point cp (at most U+10FFFF, not a surrogate) as UTF-8 into o (room for 4 bytes); returns
 * the bytes written (1..4). */
size_t utf8_encode(uint32_t cp, uint8_t *o);

/* Replace, in place, every byte of s (NUL-terminated) that is not part of a valid sequence with '?'. */
void utf8_sanitize(char *s);

#endif
