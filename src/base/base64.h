/*
 * base64.h: standard base64 (RFC 4648 section 4, with padding), as AWS JSON carries blobs.
 */
#ifndef WEIR_BASE_BASE64_H
#define WEIR_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Bytes needed to encode n bytes (no NUL). */
static inline size_t base64_encoded_len(size_t n) { return (n + 2) / 3 * 4; }
/* Upper bound of bytes decoded from n characters. */
static inline size_t base64_decoded_max(size_t n) { return n / 4 * 3 + 3; }

/* Encode n bytes at src into dst (which has base64_encoded_len(n) bytes). Returns bytes written. */
size_t base64_encode(const uint8_t *src, size_t n, char *dst);

/* Decode n characters at src into dst (base64_decoded_max(n) bytes). Strict: rejects characters
 * outside the alphabet, misplaced padding and a length that is not a multiple of 4 (AWS answers
 * "Base64 encoded length is expected a multiple of 4 bytes"); nonzero trailing bits are ignored.
 * Returns 0 and sets *out_len, or -1 on invalid input. */
int base64_decode(const char *src, size_t n, uint8_t *dst, size_t *out_len);

#endif
