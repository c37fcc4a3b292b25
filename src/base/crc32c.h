/*
 * crc32c.h: CRC-32C (Castagnoli), the checksum on every record batch in a segment file.
 * Uses the SSE4.2 crc32 instruction when the CPU has it, a slicing-by-8 table otherwise.
 */
#ifndef WEIR_BASE_CRC32C_H
#define WEIR_BASE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Extend crc (0 to start) over n bytes at p. crc32c("123456789") == 0xE3069283. */
uint32_t crc32c_extend(uint32_t crc, const void *p, size_t n);
static inline uint32_t crc32c(const void *p, size_t n) { return crc32c_extend(0, p, n); }

#endif
