/*
 * sigv4.h: AWS Signature Version 4 for the requests weir sends (the S3 client in s3.c).
 *
 * The signer is the documented four steps: a canonical request (method, URI-encoded path, sorted
 * URI-encoded query, lowercased sorted headers, signed-header list, payload hash), the string to sign
 * (algorithm, date, credential scope, hash of the canonical request), the signing key (HMAC-SHA256
 * chain "AWS4"+secret -> date -> region -> service -> "aws4_request") and the Authorization header.
 * It knows nothing about HTTP: the caller lists the headers it will send and signs exactly those,
 * so the header set the server sees and the set that was signed cannot drift apart.
 *
 * Not here: verifying incoming signatures (the HTTP server reads only the region today, see
 * http/api.h) and presigned URLs. Both would reuse sigv4_canonical_request.
 *
 * Paths are encoded S3 style: once (no double encoding as other services do), '/' kept. Unit tests
 * check the signer against the examples in the S3 API reference ("Signature Calculations for the
 * Authorization Header: Transferring Payload in a Single Chunk").
 */
#ifndef WEIR_SINK_SIGV4_H
#define WEIR_SINK_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* A header or query parameter, borrowed. */
typedef struct SigV4Pair {
    const char *name;
    const char *value;
} SigV4Pair;

/* One request to sign. All strings borrowed for the duration of the call. */
typedef struct SigV4Request {
    const char *method;         /* "GET", "PUT", "HEAD", "DELETE" */
    const char *path;           /* raw (not encoded) absolute path: "/bucket/a b/c"; encoded here */
    const SigV4Pair *query;     /* raw names and values, any order (encoded and sorted here) */
    size_t n_query;
    const SigV4Pair *headers;   /* every header to sign, host included: names in any case, distinct */
    size_t n_headers;
    const char *payload_sha256; /* lowercase hex SHA-256 of the body (x-amz-content-sha256's value) */
    const char *amz_date;       /* ISO 8601 basic, UTC: "20130524T000000Z" (x-amz-date's value) */
    const char *region;         /* "us-east-1" */
    const char *service;        /* "s3" */
    const char *access_key;
    const char *secret_key;
} SigV4Request;

enum { SIGV4_MAX_HEADERS = 16, SIGV4_MAX_QUERY = 16 };

/* The canonical request (step 1), appended to out. Fails with WEIR_EINVAL on more than
 * SIGV4_MAX_HEADERS headers or SIGV4_MAX_QUERY parameters or a missing field; WEIR_ELIMIT if out
 * is full. */
int sigv4_canonical_request(const SigV4Request *r, Buf *out, Err *e) WEIR_WARN_UNUSED;

/* The string to sign (step 2), appended to out. Fails as sigv4_canonical_request. */
int sigv4_string_to_sign(const SigV4Request *r, Buf *out, Err *e) WEIR_WARN_UNUSED;

/* The Authorization header's value, appended to out:
 * "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;...,
 * Signature=<64 hex>". Fails as sigv4_canonical_request. */
int sigv4_authorization(const SigV4Request *r, Buf *out, Err *e) WEIR_WARN_UNUSED;

/* Lowercase hex SHA-256 of the parts one after the other, NUL-terminated into out. */
void sigv4_sha256_hex(const Slice *parts, size_t n_parts, char out[65]);

/* base64 of the MD5 of the parts (Content-MD5's value), NUL-terminated into out. */
void sigv4_content_md5(const Slice *parts, size_t n_parts, char out[25]);

/* Append s[0..n) URI-encoded as SigV4 wants it: A-Z a-z 0-9 - . _ ~ kept, every other byte %XX
 * (uppercase hex), '/' kept when keep_slash. Returns WEIR_OK or WEIR_ELIMIT. */
int sigv4_uri_encode(Buf *out, const char *s, size_t n, int keep_slash) WEIR_WARN_UNUSED;

/* unix_ms as x-amz-date wants it ("20130524T000000Z"), NUL-terminated into out. */
void sigv4_amz_date(int64_t unix_ms, char out[17]);

#endif
