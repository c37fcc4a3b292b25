/*
 * objstore.c: the object store's public entry points (argument checks, then the store's operation)
 * and the local store: a warehouse directory where bucket "b" is DIR/b/ and key "x/y.json" is the
 * file DIR/b/x/y.json. The S3 store is s3.c; both sit behind ObjStoreOps (objstore_int.h).
 *
 * INTERFACE ROUTINES
 *   objstore_open_local, objstore_close      the store
 *   objstore_put/head/get/delete/list        check bucket and key, then ops->X
 *   objstore_local_dir                       DIR/bucket for Iceberg's atomic commits
 *
 * Local put, whole or absent (the invariant the delivery's exactly-once protocol stands on):
 *   1. create the missing directories of the key's path (mkdir, EEXIST is fine: puts race);
 *   2. write the bytes to ".<name>.tmp-<12 hex>" beside the target (O_EXCL, random suffix: two puts
 *      of one key never share a temporary file), fsync it;
 *   3. rename it over the target (atomic on POSIX: readers see the old object or the new one);
 *   4. fsync the target's directory, and the parent of every directory step 1 created, so the name
 *      survives a crash too.
 * A crash before 3 leaves a temporary file that list skips (and a later put does not reuse); after 4
 * the object is durable. Any failure unlinks the temporary file.
 *
 * Keys map to paths one to one because objstore_key_check refuses empty, "." and ".." segments and
 * names shaped like temporary files. What a filesystem cannot hold and S3 can: key "a" beside key
 * "a/b" (a file and a directory of one name); such a put fails with WEIR_EIO naming the conflict.
 * Directories emptied by deletes stay (removing them could race with a put creating a file in them);
 * list never shows directories.
 */
#include "sink/objstore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/fsio.h"
#include "base/utf8.h"
#include "sink/objstore_int.h"

/* ---- checks shared by both stores ------------------------------------------------------------ */

int objstore_bucket_check(const char *bucket, Err *e)
{
    size_t n = bucket ? strlen(bucket) : 0;
    if (n == 0 || n > OBJSTORE_BUCKET_MAX)
        return err_set(e, WEIR_EINVAL, "bucket name must be 1 to %d bytes", OBJSTORE_BUCKET_MAX);
    if (!strcmp(bucket, ".") || !strcmp(bucket, ".."))
        return err_set(e, WEIR_EINVAL, "bucket name '%s' is not allowed", bucket);
    for (size_t i = 0; i < n; i++) {
        char c = bucket[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
              c == '_'))
            return err_set(e, WEIR_EINVAL, "bucket name '%.64s' has a character other than A-Z a-z 0-9 . - _",
                           bucket);
    }
    return WEIR_OK;
}

static int is_hex_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

enum { TMP_SUFFIX_HEX = 12, TMP_NAME_KEEP = 200 };

/* Whether a file name is one of put's temporary files: ".<name>.tmp-" and 12 lowercase hex digits. */
static int is_tmp_name(const char *name, size_t n)
{
    static const char tag[] = ".tmp-";
    size_t tail = sizeof(tag) - 1 + TMP_SUFFIX_HEX;
    if (n < 1 + tail || name[0] != '.')
        return 0;
    if (memcmp(name + n - tail, tag, sizeof(tag) - 1) != 0)
        return 0;
    for (size_t i = n - TMP_SUFFIX_HEX; i < n; i++)
        if (!is_hex_lower(name[i]))
            return 0;
    return 1;
}

int objstore_key_check(const char *bucket, const char *key, Err *e)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > OBJSTORE_KEY_MAX)
        return err_set(e, WEIR_EINVAL, "object key in bucket %s must be 1 to %d bytes (got %zu)", bucket,
                       OBJSTORE_KEY_MAX, n);
    if (!utf8_valid((const uint8_t *)key, n))
        return err_set(e, WEIR_EINVAL, "object key in bucket %s is not valid UTF-8", bucket);
    if (key[0] == '/')
        return err_set(e, WEIR_EINVAL, "object key %s/%.200s starts with '/'", bucket, key);
    const char *seg = key;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        if (len == 0)
            return err_set(e, WEIR_EINVAL, "object key %s/%.200s has an empty segment", bucket, key);
        if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
            return err_set(e, WEIR_EINVAL, "object key %s/%.200s has a '.' or '..' segment", bucket, key);
        if (!end) {
            if (is_tmp_name(seg, len))
                return err_set(e, WEIR_EINVAL, "object key %s/%.200s is named like a temporary file", bucket, key);
            break;
        }
        seg = end + 1;
    }
    return WEIR_OK;
}

/* ---- public entry points --------------------------------------------------------------------- */

static int args_check(ObjStore *s, const char *bucket, const char *key, Err *e)
{
    if (!s)
        return err_set(e, WEIR_EINVAL, "object store is not open");
    int rc = objstore_bucket_check(bucket, e);
    if (rc == WEIR_OK && key)
        rc = objstore_key_check(bucket, key, e);
    return rc;
}

int objstore_put(ObjStore *s, const char *bucket, const char *key, const Slice *parts, size_t n_parts, Err *e)
{
    int rc = args_check(s, bucket, key ? key : "", e);
    if (rc != WEIR_OK)
        return rc;
    if (n_parts && !parts)
        return err_set(e, WEIR_EINVAL, "objstore_put %s/%s: parts is NULL", bucket, key);
    return s->ops->put(s, bucket, key, parts, n_parts, e);
}

int objstore_head(ObjStore *s, const char *bucket, const char *key, uint64_t *size, Err *e)
{
    uint64_t ignored;
    int rc = args_check(s, bucket, key ? key : "", e);
    return rc != WEIR_OK ? rc : s->ops->head(s, bucket, key, size ? size : &ignored, e);
}

int objstore_get(ObjStore *s, const char *bucket, const char *key, Buf *out, Err *e)
{
    int rc = args_check(s, bucket, key ? key : "", e);
    return rc != WEIR_OK ? rc : s->ops->get(s, bucket, key, out, e);
}

int objstore_delete(ObjStore *s, const char *bucket, const char *key, Err *e)
{
    int rc = args_check(s, bucket, key ? key : "", e);
    return rc != WEIR_OK ? rc : s->ops->del(s, bucket, key, e);
}

typedef struct KeyRef {
    const char *p;
    size_t n;
} KeyRef;

static int keyref_cmp(const void *a, const void *b)
{
    return strcmp(((const KeyRef *)a)->p, ((const KeyRef *)b)->p);
}

/* Sort the keys appended to out since offset start (the stores give them in any order). */
static int keys_sort(Buf *out, size_t start, size_t n_keys, Err *e)
{
    if (n_keys < 2)
        return WEIR_OK;
    KeyRef *refs = xmalloc(n_keys * sizeof(*refs));
    Buf sorted;
    size_t len = out->len - start, i = 0;
    for (size_t off = start; off < out->len && i < n_keys; i++) {
        refs[i].p = (const char *)out->p + off;
        refs[i].n = strlen(refs[i].p) + 1;
        off += refs[i].n;
    }
    qsort(refs, i, sizeof(*refs), keyref_cmp);
    buf_init(&sorted, len + 1);
    int rc = buf_reserve(&sorted, len);
    for (size_t k = 0; k < i && rc == WEIR_OK; k++)
        rc = buf_append(&sorted, refs[k].p, refs[k].n);
    if (rc == WEIR_OK)
        memcpy(out->p + start, sorted.p, len);
    buf_fini(&sorted);
    free(refs);
    return rc == WEIR_OK ? WEIR_OK : err_set(e, rc, "objstore_list: out of memory sorting %zu keys", n_keys);
}

int objstore_list(ObjStore *s, const char *bucket, const char *prefix, Buf *keys, size_t *n_keys, Err *e)
{
    int rc = args_check(s, bucket, NULL, e);
    if (rc != WEIR_OK)
        return rc;
    size_t start = keys->len, n = 0;
    rc = s->ops->list(s, bucket, prefix ? prefix : "", keys, &n, e);
    if (rc == WEIR_OK)
        rc = keys_sort(keys, start, n, e);
    if (rc != WEIR_OK) {
        keys->len = start;
        if (keys->p)
            keys->p[start] = '\0';
        return rc;
    }
    *n_keys = n;
    return WEIR_OK;
}

void objstore_close(ObjStore **s)
{
    if (!s || !*s)
        return;
    (*s)->ops->close(*s);
    *s = NULL;
}

/* ---- the local store ------------------------------------------------------------------------- */

typedef struct LocalStore {
    ObjStore base;
    char *dir; /* the warehouse directory, no trailing '/' */
} LocalStore;

static const ObjStoreOps LOCAL_OPS;

const char *objstore_local_dir(const ObjStore *s, const char *bucket, char *out, size_t cap)
{
    if (!s || s->ops != &LOCAL_OPS || !out || objstore_bucket_check(bucket, NULL) != WEIR_OK)
        return NULL;
    const LocalStore *ls = (const LocalStore *)s;
    int n = snprintf(out, cap, "%s/%s", ls->dir, bucket);
    return (n < 0 || (size_t)n >= cap) ? NULL : out;
}

/* The error code for an errno from writing: a full disk is a limit, the rest is I/O. */
static int errno_code(int err) { return (err == ENOSPC || err == EDQUOT) ? WEIR_ELIMIT : WEIR_EIO; }

static int errno_set(Err *e, int err, const char *what, const char *bucket, const char *key, const char *path)
{
    if (err == ENOSPC || err == EDQUOT)
        return err_set(e, WEIR_ELIMIT, "disk full: %s %s/%s (%s): %s", what, bucket, key, path, strerror(err));
    return err_set(e, WEIR_EIO, "%s %s/%s (%s): %s", what, bucket, key, path, strerror(err));
}

static int path_build(Buf *b, const LocalStore *ls, const char *bucket, const char *key, Err *e)
{
    buf_init(b, 8192);
    if (buf_printf(b, "%s/%s%s%s", ls->dir, bucket, key ? "/" : "", key ? key : "") != WEIR_OK)
        return err_set(e, WEIR_EINVAL, "path of %s/%.200s is too long", bucket, key ? key : "");
    return WEIR_OK;
}

/* mkdir -p of path's directories below ls->dir, then fsync the parent of each one created. The
 * directory fsyncs come after all mkdirs: one per created level. */
static int dirs_make(const LocalStore *ls, char *path, const char *bucket, const char *key, Err *e)
{
    size_t root_len = strlen(ls->dir);
    char *created[OBJSTORE_KEY_MAX / 2 + 2];
    size_t n_created = 0;
    int rc = WEIR_OK;
    char *last = strrchr(path, '/');
    for (char *c = path + root_len + 1; c && c <= last && rc == WEIR_OK; c = strchr(c + 1, '/')) {
        if (*c != '/')
            continue;
        *c = '\0';
        if (mkdir(path, 0755) == 0) {
            if (n_created < sizeof(created) / sizeof(created[0]))
                created[n_created++] = c;
        } else if (errno != EEXIST) {
            rc = errno_set(e, errno, "creating the directory for", bucket, key, path);
        }
        *c = '/';
    }
    /* fsync each created directory's parent, deepest first: cut the path at the created level's '/'
     * and at the one before it. */
    for (size_t i = n_created; i-- > 0 && rc == WEIR_OK;) {
        *created[i] = '\0';
        char *slash = strrchr(path, '/');
        *slash = '\0';
        if (fsio_dir_fsync(path) != 0)
            rc = errno_set(e, errno, "syncing the directory of", bucket, key, path);
        *slash = '/';
        *created[i] = '/';
    }
    return rc;
}

static int local_put(ObjStore *s, const char *bucket, const char *key, const Slice *parts, size_t n_parts, Err *e)
{
    LocalStore *ls = (LocalStore *)s;
    Buf path, tmp;
    int rc = path_build(&path, ls, bucket, key, e);
    buf_init(&tmp, 8192);
    if (rc == WEIR_OK)
        rc = dirs_make(ls, (char *)path.p, bucket, key, e);
    if (rc != WEIR_OK)
        goto out;

    /* The temporary name: ".<at most 200 bytes of the name>.tmp-<12 hex>", beside the target so the
     * rename stays in one directory (and one filesystem). */
    char *slash = strrchr((char *)path.p, '/');
    const char *name = slash + 1;
    size_t name_len = strlen(name);
    uint8_t rnd[TMP_SUFFIX_HEX / 2];
    if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
        rc = err_set(e, WEIR_EIO, "put %s/%s: getrandom: %s", bucket, key, strerror(errno));
        goto out;
    }
    if (buf_append(&tmp, path.p, (size_t)(name - (const char *)path.p)) != WEIR_OK ||
        buf_printf(&tmp, ".%.*s.tmp-", (int)(name_len > TMP_NAME_KEEP ? TMP_NAME_KEEP : name_len), name) != WEIR_OK) {
        rc = err_set(e, WEIR_EINVAL, "put %s/%.200s: path too long", bucket, key);
        goto out;
    }
    for (size_t i = 0; i < sizeof(rnd); i++)
        if (buf_printf(&tmp, "%02x", rnd[i]) != WEIR_OK) {
            rc = err_set(e, WEIR_EINVAL, "put %s/%.200s: path too long", bucket, key);
            goto out;
        }

    int fd = open((char *)tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = errno_set(e, errno, "creating a temporary file for", bucket, key, (char *)tmp.p);
        goto out;
    }
    for (size_t i = 0; i < n_parts && rc == WEIR_OK; i++)
        if (fsio_write_all(fd, parts[i].p, parts[i].n) != 0)
            rc = errno_set(e, errno, "writing", bucket, key, (char *)tmp.p);
    if (rc == WEIR_OK && fsync(fd) != 0)
        rc = errno_set(e, errno, "syncing", bucket, key, (char *)tmp.p);
    if (close(fd) != 0 && rc == WEIR_OK)
        rc = errno_set(e, errno, "closing", bucket, key, (char *)tmp.p);
    if (rc == WEIR_OK && rename((char *)tmp.p, (char *)path.p) != 0) {
        int err = errno;
        if (err == EISDIR || err == ENOTDIR || err == ENOTEMPTY || err == EEXIST)
            rc = err_set(e, WEIR_EIO,
                         "put %s/%s: a directory of that name holds other keys (%s): a local store cannot hold "
                         "key 'a' beside key 'a/b'",
                         bucket, key, strerror(err));
        else
            rc = errno_set(e, err, "renaming into place", bucket, key, (char *)path.p);
    }
    if (rc != WEIR_OK) {
        unlink((char *)tmp.p);
        goto out;
    }
    *slash = '\0';
    if (fsio_dir_fsync((char *)path.p) != 0)
        rc = errno_set(e, errno, "syncing the directory of", bucket, key, (char *)path.p);
    *slash = '/';
out:
    buf_fini(&tmp);
    buf_fini(&path);
    return rc;
}

static int local_head(ObjStore *s, const char *bucket, const char *key, uint64_t *size, Err *e)
{
    LocalStore *ls = (LocalStore *)s;
    Buf path;
    struct stat st;
    int rc = path_build(&path, ls, bucket, key, e);
    if (rc == WEIR_OK) {
        if (stat((char *)path.p, &st) != 0) {
            rc = (errno == ENOENT || errno == ENOTDIR)
                     ? err_set(e, WEIR_ENOTFOUND, "no object %s/%s", bucket, key)
                     : err_set(e, WEIR_EIO, "stat %s/%s (%s): %s", bucket, key, (char *)path.p, strerror(errno));
        } else if (!S_ISREG(st.st_mode)) {
            rc = err_set(e, WEIR_ENOTFOUND, "no object %s/%s (a directory of that name holds other keys)", bucket,
                         key);
        } else {
            *size = (uint64_t)st.st_size;
        }
    }
    buf_fini(&path);
    return rc;
}

static int local_get(ObjStore *s, const char *bucket, const char *key, Buf *out, Err *e)
{
    LocalStore *ls = (LocalStore *)s;
    Buf path;
    size_t start = out->len;
    int rc = path_build(&path, ls, bucket, key, e);
    int fd = -1;
    struct stat st;
    if (rc != WEIR_OK)
        goto out;
    fd = open((char *)path.p, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = (errno == ENOENT || errno == ENOTDIR)
                 ? err_set(e, WEIR_ENOTFOUND, "no object %s/%s", bucket, key)
                 : err_set(e, WEIR_EIO, "open %s/%s (%s): %s", bucket, key, (char *)path.p, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = err_set(e, WEIR_ENOTFOUND, "no object %s/%s (not a regular file)", bucket, key);
        goto out;
    }
    if (buf_reserve(out, (size_t)st.st_size) != WEIR_OK) {
        rc = err_set(e, WEIR_ELIMIT, "object %s/%s (%lld bytes) is larger than the buffer allows", bucket, key,
                     (long long)st.st_size);
        goto out;
    }
    for (;;) {
        uint8_t chunk[65536];
        ssize_t r = read(fd, chunk, sizeof(chunk));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = err_set(e, WEIR_EIO, "read %s/%s (%s): %s", bucket, key, (char *)path.p, strerror(errno));
            break;
        }
        if (r == 0)
            break;
        if (buf_append(out, chunk, (size_t)r) != WEIR_OK) {
            rc = err_set(e, WEIR_ELIMIT, "object %s/%s is larger than the buffer allows", bucket, key);
            break;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != WEIR_OK) {
        out->len = start;
        if (out->p)
            out->p[start] = '\0';
    }
    buf_fini(&path);
    return rc;
}

static int local_delete(ObjStore *s, const char *bucket, const char *key, Err *e)
{
    LocalStore *ls = (LocalStore *)s;
    Buf path;
    int rc = path_build(&path, ls, bucket, key, e);
    if (rc == WEIR_OK) {
        if (unlink((char *)path.p) != 0) {
            if (errno == EISDIR || errno == EPERM) /* Linux says EISDIR; POSIX allows EPERM */
                rc = WEIR_OK;                      /* a directory is not an object: nothing to delete */
            else if (errno != ENOENT && errno != ENOTDIR)
                rc = err_set(e, WEIR_EIO, "delete %s/%s (%s): %s", bucket, key, (char *)path.p, strerror(errno));
        } else {
            char *slash = strrchr((char *)path.p, '/');
            *slash = '\0';
            if (fsio_dir_fsync((char *)path.p) != 0)
                rc = err_set(e, WEIR_EIO, "delete %s/%s: syncing %s: %s", bucket, key, (char *)path.p,
                             strerror(errno));
        }
    }
    buf_fini(&path);
    return rc;
}

/* Depth-first walk of dir (path holds it; rel the key prefix it stands for), appending regular files
 * whose key starts with prefix. Temporary files and everything that is neither a regular file nor a
 * directory (symlinks included: a link cycle must not loop) are skipped. */
static int list_walk(Buf *path, Buf *rel, const char *prefix, Buf *keys, size_t *n_keys, const char *bucket, Err *e)
{
    DIR *d = opendir((char *)path->p);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR)
            return WEIR_OK;
        return err_set(e, WEIR_EIO, "list %s: opendir %s: %s", bucket, (char *)path->p, strerror(errno));
    }
    size_t prefix_len = strlen(prefix);
    int rc = WEIR_OK;
    struct dirent *de;
    while (rc == WEIR_OK && (errno = 0, de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        size_t name_len = strlen(name);
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        size_t path_len = path->len, rel_len = rel->len;
        if (buf_printf(path, "/%s", name) != WEIR_OK ||
            buf_printf(rel, "%s%s", rel_len ? "/" : "", name) != WEIR_OK) {
            rc = err_set(e, WEIR_ELIMIT, "list %s: path too long under %s", bucket, (char *)path->p);
            break;
        }
        /* Only descend where the prefix can still match: rel must agree with prefix on their common
         * length. */
        size_t common = rel->len < prefix_len ? rel->len : prefix_len;
        if (memcmp(rel->p, prefix, common) == 0) {
            struct stat st;
            if (lstat((char *)path->p, &st) != 0) {
                if (errno != ENOENT) /* deleted while we walk: fine */
                    rc = err_set(e, WEIR_EIO, "list %s: stat %s: %s", bucket, (char *)path->p, strerror(errno));
            } else if (S_ISDIR(st.st_mode)) {
                rc = list_walk(path, rel, prefix, keys, n_keys, bucket, e);
            } else if (S_ISREG(st.st_mode) && rel->len >= prefix_len && !is_tmp_name(name, name_len)) {
                if (buf_append(keys, rel->p, rel->len + 1) != WEIR_OK)
                    rc = err_set(e, WEIR_ELIMIT, "list %s: too many keys for the buffer", bucket);
                else
                    (*n_keys)++;
            }
        }
        path->len = path_len;
        path->p[path_len] = '\0';
        rel->len = rel_len;
        rel->p[rel_len] = '\0';
    }
    if (rc == WEIR_OK && errno != 0)
        rc = err_set(e, WEIR_EIO, "list %s: readdir %s: %s", bucket, (char *)path->p, strerror(errno));
    closedir(d);
    return rc;
}

static int local_list(ObjStore *s, const char *bucket, const char *prefix, Buf *keys, size_t *n_keys, Err *e)
{
    LocalStore *ls = (LocalStore *)s;
    Buf path, rel;
    int rc = path_build(&path, ls, bucket, NULL, e);
    buf_init(&rel, 8192);
    /* Start below the bucket where the prefix names whole directories ("2024/05/" starts in 2024/05),
     * when those segments are plain names; the filter on the full prefix is what decides either way. */
    const char *cut = strrchr(prefix, '/');
    if (rc == WEIR_OK && cut && cut > prefix) {
        char dirpart[OBJSTORE_KEY_MAX + 1];
        size_t n = (size_t)(cut - prefix);
        if (n <= OBJSTORE_KEY_MAX) {
            memcpy(dirpart, prefix, n);
            dirpart[n] = '\0';
            if (objstore_key_check(bucket, dirpart, NULL) == WEIR_OK) {
                if (buf_printf(&path, "/%s", dirpart) != WEIR_OK || buf_append_cstr(&rel, dirpart) != WEIR_OK)
                    rc = err_set(e, WEIR_ELIMIT, "list %s: prefix too long", bucket);
            }
        }
    }
    if (rc == WEIR_OK) {
        struct stat st;
        /* The walk starts in a directory: if the prefix's directory is a file, that file may be a key
         * that the prefix matches ("a/b" with prefix "a/b"): walking from the parent covers it. */
        if (rel.len && lstat((char *)path.p, &st) == 0 && !S_ISDIR(st.st_mode)) {
            buf_reset(&rel);
            buf_fini(&path);
            rc = path_build(&path, ls, bucket, NULL, e);
        }
    }
    if (rc == WEIR_OK)
        rc = list_walk(&path, &rel, prefix, keys, n_keys, bucket, e);
    buf_fini(&rel);
    buf_fini(&path);
    return rc;
}

static void local_close(ObjStore *s)
{
    LocalStore *ls = (LocalStore *)s;
    free(ls->dir);
    free(ls);
}

static const ObjStoreOps LOCAL_OPS = {
    .put = local_put,
    .head = local_head,
    .get = local_get,
    .del = local_delete,
    .list = local_list,
    .close = local_close,
};

int objstore_open_local(const char *dir, ObjStore **out, Err *e)
{
    *out = NULL;
    if (!dir || !*dir)
        return err_set(e, WEIR_EINVAL, "warehouse directory is empty");
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    char *copy = xstrndup(dir, n);
    /* mkdir -p: each level, EEXIST fine. */
    for (char *c = copy + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char saved = *c;
            *c = '\0';
            if (mkdir(copy, 0755) != 0 && errno != EEXIST) {
                int rc = err_set(e, errno_code(errno), "warehouse directory %s: %s", copy, strerror(errno));
                free(copy);
                return rc;
            }
            *c = saved;
            if (!saved)
                break;
        }
    }
    struct stat st;
    if (stat(copy, &st) != 0 || !S_ISDIR(st.st_mode)) {
        int rc = err_set(e, WEIR_EIO, "warehouse directory %s is not a directory", copy);
        free(copy);
        return rc;
    }
    LocalStore *ls = xcalloc(1, sizeof(*ls));
    ls->base.ops = &LOCAL_OPS;
    ls->dir = copy;
    *out = &ls->base;
    return WEIR_OK;
}
