/*
 * s3.h: the parts of the S3 client (s3.c) that tests and fuzz/s3_list.c reach directly: the two XML
 * answers the client reads. Callers use objstore.h; nothing else here is for them.
 *
 * The XML scanner is purpose-built for S3's answers (ListBucketResult, Error): elements, attributes
 * skipped, the five predefined entities and numeric character references, comments, processing
 * instructions, CDATA. It never builds a tree: it reports each leaf element's text with its parent's
 * name, so "Key inside Contents" is told apart from other Keys. Nesting deeper than 32 levels, an
 * unknown entity, a mismatched end tag or text over 64 KiB is an error (WEIR_EPARSE).
 */
#ifndef WEIR_SINK_S3_H
#define WEIR_SINK_S3_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* One ListObjectsV2 page (ListBucketResult): each Contents/Key appended to keys NUL-terminated
 * (*n_keys incremented per key), *is_truncated from IsTruncated ("true" -> 1), the
 * NextContinuationToken's text into next_token (reset first; empty when absent). Returns WEIR_OK,
 * WEIR_EPARSE for malformed XML, a key containing NUL or a root element other than
 * ListBucketResult, or WEIR_ELIMIT when keys is full. On failure keys is left as it was. */
int s3_list_parse(const uint8_t *xml, size_t n, Buf *keys, size_t *n_keys, int *is_truncated, Buf *next_token,
                  Err *e) WEIR_WARN_UNUSED;

/* An S3 error answer (<Error><Code>..</Code><Message>..</Message></Error>): Code and Message,
 * NUL-terminated and truncated to fit, into code and msg. Returns 1 if the body held an Error
 * element with a Code, else 0 (code and msg then ""). */
int s3_error_parse(const uint8_t *xml, size_t n, char *code, size_t code_cap, char *msg, size_t msg_cap);

#endif
