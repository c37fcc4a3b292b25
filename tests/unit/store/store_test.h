/*
 * store_test.h: helpers shared by the store unit tests (header-only, static): temp data directories,
 * opening a store, appending numbered records whose bytes say which record they are, reading a whole
 * shard back, waiting for group commit through notify + store_dispatch, and file utilities for the
 * corruption tests. Each test makes its own directory and removes it at the end.
 */
#ifndef WEIR_TESTS_STORE_TEST_H
#define WEIR_TESTS_STORE_TEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/u128.h"
#include "store/store.h"
#include "store/store_int.h"

/* --- directories ------------------------------------------------------------------------------ */

/* The current test's directory, so t_teardown can remove it when an assertion ended the test early. */
static char t_dir_current[64] __attribute__((unused));

static inline char *t_dir_make(void)
{
    char tmpl[] = "/tmp/weir-store-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    snprintf(t_dir_current, sizeof(t_dir_current), "%s", d);
    return xstrdup(d);
}

static inline void t_dir_remove(char **d)
{
    if (*d)
        store_rmtree(*d);
    free(*d);
    *d = NULL;
    t_dir_current[0] = '\0';
}

/* cmocka teardown: remove a directory a failed test left behind. */
static inline int t_teardown(void **state)
{
    UNUSED(state);
    if (t_dir_current[0])
        store_rmtree(t_dir_current);
    t_dir_current[0] = '\0';
    return 0;
}

/* --- notify / dispatch ------------------------------------------------------------------------ */

typedef struct TNotify {
    atomic_int count;
} TNotify;

static inline void t_notify(void *arg)
{
    TNotify *n = arg;
    atomic_fetch_add(&n->count, 1);
}

static TNotify t_notify_default __attribute__((unused));

static inline Store *t_open_cfg(const char *dir, int mode, uint64_t seg_max, TNotify *n)
{
    StoreConfig cfg = {.dir = dir, .fsync_mode = mode, .segment_max_bytes = seg_max};
    cfg.notify = t_notify;
    cfg.notify_arg = n ? n : &t_notify_default;
    Store *s = NULL;
    Err e;
    err_clear(&e);
    int rc = store_open(&cfg, &s, &e);
    if (rc != WEIR_OK)
        fprintf(stderr, "store_open: %s\n", e.msg);
    assert_int_equal(rc, WEIR_OK);
    assert_non_null(s);
    return s;
}

static inline Store *t_open(const char *dir, int mode, uint64_t seg_max)
{
    return t_open_cfg(dir, mode, seg_max, NULL);
}

static inline void t_create(Store *s, const char *name, uint32_t n_shards)
{
    Err e;
    err_clear(&e);
    int rc = store_stream_create(s, name, n_shards, STREAM_MODE_PROVISIONED, "us-east-1", "123456789012", &e);
    if (rc)
        fprintf(stderr, "create: %s\n", e.msg);
    assert_int_equal(rc, WEIR_OK);
}

typedef struct TSync {
    atomic_int done;
    atomic_int rc;
} TSync;

static inline void t_sync_cb(void *arg, int rc)
{
    TSync *t = arg;
    atomic_store(&t->rc, rc);
    atomic_store(&t->done, 1);
}

static inline void t_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait (dispatching) until token is durable; returns the callback's rc. */
static inline int t_sync(Store *s, uint64_t token)
{
    TSync t;
    atomic_init(&t.done, 0);
    atomic_init(&t.rc, 0);
    store_sync_wait(s, token, t_sync_cb, &t);
    for (int i = 0; i < 20000 && !atomic_load(&t.done); i++) {
        store_dispatch(s);
        if (!atomic_load(&t.done))
            t_sleep_ms(1);
    }
    assert_true(atomic_load(&t.done));
    return atomic_load(&t.rc);
}

/* --- records ---------------------------------------------------------------------------------- */

/* Record number i: key "k<i>", data "d<i 10 digits>" then bytes derived from i up to data_len. */
static inline size_t t_fill(char *key, size_t key_cap, uint8_t *data, size_t data_len, uint64_t i)
{
    size_t kn = (size_t)snprintf(key, key_cap, "k%" PRIu64, i);
    char head[16];
    snprintf(head, sizeof(head), "d%010" PRIu64, i);
    for (size_t j = 0; j < data_len; j++)
        data[j] = j < 11 ? (uint8_t)head[j] : (uint8_t)(i * 31 + j);
    return kn;
}

/* Check a record's bytes belong to record number i; returns i or UINT64_MAX. */
static inline uint64_t t_record_id(const StoreRecordView *r)
{
    if (r->data.n < 11 || r->data.p[0] != 'd')
        return UINT64_MAX;
    uint64_t i = 0;
    for (int j = 1; j < 11; j++) {
        if (r->data.p[j] < '0' || r->data.p[j] > '9')
            return UINT64_MAX;
        i = i * 10 + (uint64_t)(r->data.p[j] - '0');
    }
    for (size_t j = 11; j < r->data.n; j++)
        if (r->data.p[j] != (uint8_t)(i * 31 + j))
            return UINT64_MAX;
    char key[32];
    int kn = snprintf(key, sizeof(key), "k%" PRIu64, i);
    if ((size_t)kn != r->key.n || memcmp(key, r->key.p, r->key.n) != 0)
        return UINT64_MAX;
    return i;
}

/* Append records first..first+n-1 (data_len bytes each, hash = MD5 of the key unless hash_fixed). */
static inline uint64_t t_append_ex(Store *s, const char *name, uint64_t first, size_t n, size_t data_len,
                                   const u128 *hash_fixed, StoreAppendResult *res_out, int expect_rc)
{
    StoreAppendEntry *en = xcalloc(n, sizeof(*en));
    char(*keys)[32] = xcalloc(n, 32);
    uint8_t *data = xcalloc(n, data_len ? data_len : 1);
    for (size_t i = 0; i < n; i++) {
        size_t kn = t_fill(keys[i], 32, data + i * data_len, data_len, first + i);
        en[i].key = (Slice){(const uint8_t *)keys[i], kn};
        en[i].data = (Slice){data + i * data_len, data_len};
        en[i].hash = hash_fixed ? *hash_fixed : u128_md5_hash_key(keys[i], kn);
    }
    StoreAppendResult *res = res_out ? res_out : xcalloc(n, sizeof(*res));
    int64_t arrival = 0;
    uint64_t token = 0;
    Err e;
    err_clear(&e);
    int rc = store_append(s, name, en, n, res, &arrival, &token, &e);
    if (rc != expect_rc)
        fprintf(stderr, "append: rc %d: %s\n", rc, e.msg);
    assert_int_equal(rc, expect_rc);
    if (!res_out)
        free(res);
    free(en);
    free(keys);
    free(data);
    return token;
}

static inline uint64_t t_append(Store *s, const char *name, uint64_t first, size_t n, size_t data_len)
{
    return t_append_ex(s, name, first, n, data_len, NULL, NULL, WEIR_OK);
}

typedef struct TRec {
    uint64_t seq;
    uint64_t id;
    int64_t arrival;
} TRec;

typedef struct TRecs {
    TRec *v;
    size_t n, cap;
    size_t stop_after; /* make the callback return 1 after this many (0 = never) */
} TRecs;

static inline int t_collect(void *arg, const StoreRecordView *r)
{
    TRecs *t = arg;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
    }
    uint64_t id = t_record_id(r);
    assert_true(id != UINT64_MAX);
    t->v[t->n++] = (TRec){r->seq, id, r->arrival_ms};
    return t->stop_after && t->n % t->stop_after == 0;
}

static inline void t_recs_free(TRecs *t)
{
    free(t->v);
    memset(t, 0, sizeof(*t));
}

/* Read shard `index` from pos until no more records; returns the last result. Asserts seqs increase. */
static inline StoreReadResult t_read_all(Store *s, const char *name, uint32_t index, uint64_t pos, TRecs *out)
{
    StoreReadResult res;
    memset(&res, 0, sizeof(res));
    for (int guard = 0; guard < 1000000; guard++) {
        Err e;
        err_clear(&e);
        int rc = store_read(s, name, index, pos, 1000, 0, t_collect, out, &res, &e);
        if (rc)
            fprintf(stderr, "read: %s\n", e.msg);
        assert_int_equal(rc, WEIR_OK);
        assert_true(res.next_pos >= pos);
        pos = res.next_pos;
        if (res.n_records == 0 || res.is_end)
            break;
    }
    for (size_t i = 1; i < out->n; i++)
        assert_true(out->v[i].seq > out->v[i - 1].seq);
    return res;
}

static inline uint64_t t_seek(Store *s, const char *name, uint32_t index, int type, uint64_t seq, int64_t ts)
{
    uint64_t pos = 0;
    Err e;
    err_clear(&e);
    int rc = store_shard_seek(s, name, index, type, seq, ts, &pos, &e);
    if (rc)
        fprintf(stderr, "seek: %s\n", e.msg);
    assert_int_equal(rc, WEIR_OK);
    return pos;
}

static inline StreamInfo *t_describe(Store *s, const char *name)
{
    StreamInfo *info = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_describe(s, name, &info, &e), WEIR_OK);
    return info;
}

/* --- files ------------------------------------------------------------------------------------ */

static inline int t_str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted full paths of the files in dir ending with suffix. Caller frees each and the array. */
static inline size_t t_list(const char *dir, const char *suffix, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    char **v = NULL;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        size_t ln = strlen(de->d_name), sn = strlen(suffix);
        if (ln < sn || strcmp(de->d_name + ln - sn, suffix) != 0)
            continue;
        v = xrealloc(v, (n + 1) * sizeof(*v));
        size_t pl = strlen(dir) + ln + 2;
        v[n] = xmalloc(pl);
        snprintf(v[n], pl, "%s/%s", dir, de->d_name);
        n++;
    }
    if (d)
        closedir(d);
    qsort(v, n, sizeof(*v), t_str_cmp);
    *out = v;
    return n;
}

static inline void t_list_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* DATA_DIR/streams/<uid>/<index> */
static inline char *t_shard_dir(const char *dir, uint64_t uid, uint32_t index)
{
    char *p = xmalloc(4096);
    snprintf(p, 4096, "%s/streams/%" PRIu64 "/%u", dir, uid, index);
    return p;
}

static inline uint64_t t_file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (uint64_t)st.st_size;
}

static inline void t_flip_byte(const char *path, uint64_t off)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t c;
    assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
    c ^= 0x5a;
    assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
    close(fd);
}

#endif
