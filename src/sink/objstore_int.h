/*
 * objstore_int.h: what objstore.c (the public entry points and the local store) and s3.c (the S3
 * store) share. Not for callers outside src/sink/objstore.c and s3.c: they use objstore.h.
 *
 * An ObjStore is a table of operations plus the store's own state behind it (the C "subclass by
 * first member" idiom: LocalStore and S3Store both begin with an ObjStore). objstore.c validates
 * bucket names and keys once for both stores before it calls an operation, so the operations may
 * assume them valid.
 */
#ifndef WEIR_SINK_OBJSTORE_INT_H
#define WEIR_SINK_OBJSTORE_INT_H

#include "sink/objstore.h"

typedef struct ObjStoreOps {
    int (*put)(ObjStore *s, const char *bucket, const char *key, const Slice *parts, size_t n_parts, Err *e);
    int (*head)(ObjStore *s, const char *bucket, const char *key, uint64_t *size, Err *e);
    int (*get)(ObjStore *s, const char *bucket, const char *key, Buf *out, Err *e);
    int (*del)(ObjStore *s, const char *bucket, const char *key, Err *e);
    /* Keys under prefix appended to keys (NUL-terminated each), in any order: objstore_list sorts. */
    int (*list)(ObjStore *s, const char *bucket, const char *prefix, Buf *keys, size_t *n_keys, Err *e);
    void (*close)(ObjStore *s);
} ObjStoreOps;

struct ObjStore {
    const ObjStoreOps *ops;
};

enum { OBJSTORE_KEY_MAX = 1024, OBJSTORE_BUCKET_MAX = 255 };

/* WEIR_OK if bucket is a name both stores accept (1..255 bytes of A-Z a-z 0-9 . _ -, not "." or
 * ".."), else WEIR_EINVAL with a message. */
int objstore_bucket_check(const char *bucket, Err *e) WEIR_WARN_UNUSED;
/* WEIR_OK if key follows objstore.h's rules (and has no empty segment and is not named like one of
 * the local store's temporary files), else WEIR_EINVAL with a message naming bucket and key. */
int objstore_key_check(const char *bucket, const char *key, Err *e) WEIR_WARN_UNUSED;

/* The S3 store's entry point is objstore_open_s3 (objstore.h), defined in s3.c. */

#endif
