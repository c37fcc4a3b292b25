/*
 * objstore.h: where delivered objects go (issue 5). One interface, two stores:
 *   local  the warehouse directory (weir server --warehouse DIR): bucket "name" is DIR/name/, an object
 *          key is a relative path under it. A put writes a temporary file beside the target, fsyncs it,
 *          renames it into place and fsyncs the directory, so an object is either absent or whole.
 *   s3     an S3-compatible endpoint over HTTP(S) with SigV4 (libcurl, OpenSSL HMAC): PutObject,
 *          HeadObject, GetObject, ListObjectsV2, DeleteObject, path-style URLs
 *          (http://endpoint/bucket/key), retries with backoff on 5xx, 429 and transport errors.
 * Callers (the delivery runtime, Iceberg commits, COPY TO) never know which one they hold.
 *
 * Keys: UTF-8, no leading '/', no "." or ".." segment, at most 1024 bytes; objstore_put refuses others
 * (WEIR_EINVAL). Errors are Err with a message naming the bucket and key; WEIR_ENOTFOUND for a missing
 * object, WEIR_EIO for the filesystem or the store refusing (after the retries), WEIR_ELIMIT for a full
 * disk (ENOSPC, EDQUOT). A store is safe to use from several threads at once.
 */
#ifndef WEIR_SINK_OBJSTORE_H
#define WEIR_SINK_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct ObjStore ObjStore;

/* How to reach an S3-compatible store. Strings are copied by objstore_open_s3. */
typedef struct ObjStoreS3Config {
    const char *endpoint;   /* "http://127.0.0.1:4569" (scheme, host, port; no path) */
    const char *region;     /* "us-east-1" when NULL */
    const char *access_key; /* credentials for SigV4 */
    const char *secret_key;
    const char *session_token; /* NULL: none */
    int max_retries;           /* retries after the first attempt; 0: the default (5); < 0: none */
    int retry_base_ms;         /* first backoff, doubled per retry and jittered; 0: the default (100) */
} ObjStoreS3Config;

/* A local store rooted at dir (created if missing). Caller owns *out; free with objstore_close. */
int objstore_open_local(const char *dir, ObjStore **out, Err *e) WEIR_WARN_UNUSED;
/* An S3 store. No request is made here. */
int objstore_open_s3(const ObjStoreS3Config *cfg, ObjStore **out, Err *e) WEIR_WARN_UNUSED;
void objstore_close(ObjStore **s);

/* Write an object whole: the n_parts pieces one after the other (so callers need not join buffers),
 * durable when this returns WEIR_OK (local: fsynced; s3: the store answered 200). Replaces an existing
 * object of that key. bucket is the bucket's name ("my-bucket", from arn:aws:s3:::my-bucket). */
int objstore_put(ObjStore *s, const char *bucket, const char *key, const Slice *parts, size_t n_parts,
                 Err *e) WEIR_WARN_UNUSED;
/* Whether key exists (WEIR_OK and *size set) or not (WEIR_ENOTFOUND). */
int objstore_head(ObjStore *s, const char *bucket, const char *key, uint64_t *size, Err *e) WEIR_WARN_UNUSED;
/* The object's bytes appended to out. */
int objstore_get(ObjStore *s, const char *bucket, const char *key, Buf *out, Err *e) WEIR_WARN_UNUSED;
/* Delete key; deleting a missing key is not an error. */
int objstore_delete(ObjStore *s, const char *bucket, const char *key, Err *e) WEIR_WARN_UNUSED;
/* Every key under prefix, sorted, each NUL-terminated, appended to keys back to back (*n_keys counts
 * them). Local: walks the directory tree (temporary files are not listed). */
int objstore_list(ObjStore *s, const char *bucket, const char *prefix, Buf *keys, size_t *n_keys,
                  Err *e) WEIR_WARN_UNUSED;
/* For a local store, the directory a bucket lives in (DIR/bucket), NUL-terminated into out; NULL for s3.
 * Iceberg commits use it for their atomic rename. */
const char *objstore_local_dir(const ObjStore *s, const char *bucket, char *out, size_t cap);

#endif
