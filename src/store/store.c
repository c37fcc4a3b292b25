/*
 * store.c: the public store API (store.h): opening and recovering a data directory, streams and
 * their metadata, resharding, appends with group commit, and the thin read wrappers over shard.c.
 * The on-disk format is segment.c's, one shard's log is shard.c's, SQLite is catalog.c's; the
 * design (layout, protocol, locking, recovery) is written up in docs/internals/store.md.
 *
 * Data directory:
 *   DATA_DIR/LOCK                    flock()ed while open; holds the owner's pid
 *   DATA_DIR/catalog.db              streams, shards, tags (catalog.c)
 *   DATA_DIR/streams/<uid>/<index>/  one shard's segment files (shard.c)
 *
 * Group commit (STORE_FSYNC_BATCH). store_append writes each shard's batch, publishes the shards'
 * written ends, then under sync_mu takes token = ++gen_written and queues the shards as dirty. The
 * sync thread loops: wait for dirty shards; G = gen_written; take the dirty list; for each shard take
 * its written end and unsynced segments; fsync them (and new directory entries); then make those ends
 * visible, set gen_durable = G, move waiters with token <= G to the ready list and call notify.
 * Every append with a token <= G published before G was read, and its shards were taken after, so
 * the round covers it. A failed fsync makes the error sticky: waiters and later appends get WEIR_EIO.
 * Under ALWAYS the append fsyncs before taking its token (so every token handed out is durable) and
 * under NONE it does not fsync at all; both publish as visible at once. The sync thread runs in every
 * mode: it also writes the index files of sealed segments and removes deleted streams' directories.
 *
 * INTERFACE ROUTINES: see store.h. Sections below: helpers, open/close, streams, resharding,
 * appends and group commit, reading, retention, sequence numbers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fsio.h"
#include "base/log.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------------------------------ */

void store_notify(Store *s)
{
    if (s->notify)
        s->notify(s->notify_arg);
}

void store_rbuf_get(Store *s, StoreReadBuf *b, size_t n)
{
    b->p = NULL;
    b->cap = 0;
    pthread_mutex_lock(&s->rbuf_mu);
    if (s->n_rbufs)
        *b = s->rbufs[--s->n_rbufs];
    pthread_mutex_unlock(&s->rbuf_mu);
    if (b->cap < n) {
        free(b->p);
        b->p = xmalloc(n);
        b->cap = n;
    }
}

void store_rbuf_put(Store *s, StoreReadBuf *b)
{
    /* Keep a few buffers of ordinary size; one grown for a huge batch goes back to the allocator. */
    if (b->cap <= (4u << 20)) {
        pthread_mutex_lock(&s->rbuf_mu);
        if (s->n_rbufs < (int)(sizeof(s->rbufs) / sizeof(s->rbufs[0]))) {
            s->rbufs[s->n_rbufs++] = *b;
            b->p = NULL;
        }
        pthread_mutex_unlock(&s->rbuf_mu);
    }
    free(b->p);
    b->p = NULL;
    b->cap = 0;
}

static int store_rmtree_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    UNUSED(sb);
    UNUSED(ftw);
    int rc = (flag == FTW_DP || flag == FTW_D) ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT)
        log_warn("store: remove %s: %s", path, strerror(errno));
    return 0;
}

void store_rmtree(const char *path)
{
    if (nftw(path, store_rmtree_one, 16, FTW_DEPTH | FTW_PHYS) != 0 && errno != ENOENT)
        log_warn("store: remove %s: %s", path, strerror(errno));
}

static char *store_path(const Store *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *store_path(const Store *s, const char *fmt, ...)
{
    char tail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof(tail), fmt, ap);
    va_end(ap);
    size_t n = strlen(s->dir) + 1 + strlen(tail) + 1;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", s->dir, tail);
    return p;
}

/* mkdir -p. Returns 0 or -1 (errno). */
static int store_mkdirs(const char *path)
{
    char p[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(p)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST)
                return -1;
            p[i] = c;
        }
    }
    return 0;
}

static int store_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > STORE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* floor(2^128 / n), the width of each of n uniform hash ranges; for n == 1 it wraps to 0 (2^128 does
 * not fit), which callers never use: a single range is [0, 2^128-1] by the "last ends at max" rule. */
static u128 store_range_size(uint32_t n)
{
    u128 q = U128_MAX / n, r = U128_MAX % n;
    return r + 1 == n ? q + 1 : q;
}

/* ------------------------------------------------------------------------------------------------
 * Streams: objects and the table
 * ------------------------------------------------------------------------------------------------ */

static Stream *stream_new(const StreamInfo *info)
{
    Stream *st = xcalloc(1, sizeof(*st));
    atomic_init(&st->refs, 1);
    memcpy(st->name, info->name, sizeof(st->name));
    st->uid = info->uid;
    memcpy(st->region, info->region, sizeof(st->region));
    memcpy(st->account, info->account, sizeof(st->account));
    st->mode = info->mode;
    st->created_ms = info->created_ms;
    st->retention_hours = info->retention_hours;
    pthread_mutex_init(&st->wmu, NULL);
    pthread_mutex_init(&st->mu, NULL);
    atomic_init(&st->next_seq, 0);
    buf_init(&st->scratch, 0);
    return st;
}

static void stream_ref(Stream *st)
{
    atomic_fetch_add(&st->refs, 1);
}

static void stream_unref(Stream *st)
{
    if (!st)
        return;
    int old = atomic_fetch_sub(&st->refs, 1);
    if (old > 1)
        return;
    if (NEVER(old < 1))
        weir_panic("stream refcount below zero");
    for (uint32_t i = 0; i < st->n_shards; i++)
        shard_unref(st->shards[i]);
    free(st->shards);
    free(st->routes);
    for (uint32_t i = 0; i < st->n_tags; i++) {
        free(st->tags[i].key);
        free(st->tags[i].value);
    }
    free(st->tags);
    buf_fini(&st->scratch);
    free(st->part_of);
    free(st->route_part);
    free(st->parts);
    free(st->writes);
    pthread_mutex_destroy(&st->wmu);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

static void stream_shard_push(Stream *st, Shard *sh)
{
    if (st->n_shards == st->cap_shards) {
        st->cap_shards = st->cap_shards ? st->cap_shards * 2 : 8;
        st->shards = xrealloc(st->shards, st->cap_shards * sizeof(*st->shards));
    }
    st->shards[st->n_shards++] = sh;
}

static int stream_route_cmp(const void *a, const void *b)
{
    const StreamRoute *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Rebuild the routing table from the open shards. Caller holds wmu (or is single-threaded) + mu. */
static void stream_routes_rebuild(Stream *st)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->n_shards; i++)
        n += !st->shards[i]->info.is_closed;
    StreamRoute *r = xcalloc(n ? n : 1, sizeof(*r));
    uint32_t k = 0;
    for (uint32_t i = 0; i < st->n_shards; i++) {
        Shard *sh = st->shards[i];
        if (!sh->info.is_closed)
            r[k++] = (StreamRoute){sh->info.hash_lo, sh->info.hash_hi, sh};
    }
    qsort(r, n, sizeof(*r), stream_route_cmp);
    free(st->routes);
    st->routes = r;
    st->n_routes = n;
    free(st->route_part);
    st->route_part = xmalloc((n ? n : 1) * sizeof(*st->route_part));
    for (uint32_t i = 0; i < n; i++)
        st->route_part[i] = -1;
}

/* The route holding hash h (routes cover the whole space). */
static uint32_t stream_route_find(const Stream *st, u128 h)
{
    uint32_t lo = 0, hi = st->n_routes;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (st->routes[mid].lo <= h)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Index of name in the table (or where it would go). Caller holds s->mu. */
static size_t store_table_pos(const Store *s, const char *name, int *found)
{
    size_t lo = 0, hi = s->n_streams;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s->streams[mid]->name, name);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

/* Insert st (the table takes over the caller's ref). Caller holds s->mu; the name is not present. */
static void store_table_insert(Store *s, Stream *st)
{
    int found;
    size_t at = store_table_pos(s, st->name, &found);
    if (s->n_streams == s->cap_streams) {
        s->cap_streams = s->cap_streams ? s->cap_streams * 2 : 16;
        s->streams = xrealloc(s->streams, s->cap_streams * sizeof(*s->streams));
    }
    memmove(s->streams + at + 1, s->streams + at, (s->n_streams - at) * sizeof(*s->streams));
    s->streams[at] = st;
    s->n_streams++;
}

/* A ref on the stream called name, or NULL. */
static Stream *store_stream_get(Store *s, const char *name)
{
    if (!name)
        return NULL;
    pthread_mutex_lock(&s->mu);
    int found;
    size_t at = store_table_pos(s, name, &found);
    Stream *st = found ? s->streams[at] : NULL;
    if (st)
        stream_ref(st);
    pthread_mutex_unlock(&s->mu);
    return st;
}

static int store_notfound(Err *e, const char *name)
{
    return err_set(e, WEIR_ENOTFOUND, "stream %s not found", name ? name : "(null)");
}

/* Refs on stream `name` and its shard `index`. */
static int store_shard_get(Store *s, const char *name, uint32_t index, Stream **stp, Shard **shp, Err *e)
{
    Stream *st = store_stream_get(s, name);
    if (!st)
        return store_notfound(e, name);
    Shard *sh = NULL;
    pthread_mutex_lock(&st->mu);
    if (index < st->n_shards) {
        sh = st->shards[index];
        shard_ref(sh);
    }
    pthread_mutex_unlock(&st->mu);
    if (!sh) {
        stream_unref(st);
        return err_set(e, WEIR_ENOTFOUND, "shard shardId-%012u not found in stream %s", index, name);
    }
    *stp = st;
    *shp = sh;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Open and close
 * ------------------------------------------------------------------------------------------------ */

static void *store_sync_main(void *arg);

typedef struct StoreLoad {
    Store *s;
    Stream **by_uid; /* in load (uid) order */
    size_t n;
} StoreLoad;

static int store_load_stream(void *arg, const StreamInfo *info, Err *e)
{
    UNUSED(e);
    StoreLoad *l = arg;
    Stream *st = stream_new(info);
    l->by_uid = xrealloc(l->by_uid, (l->n + 1) * sizeof(*l->by_uid));
    l->by_uid[l->n++] = st;
    stream_ref(st);
    store_table_insert(l->s, st);
    return WEIR_OK;
}

static Stream *store_load_find(StoreLoad *l, uint64_t uid)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->by_uid[mid]->uid == uid)
            return l->by_uid[mid];
        if (l->by_uid[mid]->uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int store_load_shard(void *arg, uint64_t uid, const ShardInfo *info, uint64_t trim_seq, Err *e)
{
    StoreLoad *l = arg;
    Stream *st = store_load_find(l, uid);
    if (!st)
        return err_set(e, WEIR_ECORRUPT, "catalog: shard %u belongs to no stream (uid %" PRIu64 ")",
                       info->index, uid);
    if (info->index != st->n_shards)
        return err_set(e, WEIR_ECORRUPT, "catalog: stream %s is missing shard %u", st->name, st->n_shards);
    stream_shard_push(st, shard_create(l->s, uid, info, trim_seq));
    return WEIR_OK;
}

static int store_load_tag(void *arg, uint64_t uid, const char *key, const char *value, Err *e)
{
    UNUSED(e);
    StoreLoad *l = arg;
    Stream *st = store_load_find(l, uid);
    if (!st)
        return WEIR_OK;
    if (st->n_tags == st->cap_tags) {
        st->cap_tags = st->cap_tags ? st->cap_tags * 2 : 8;
        st->tags = xrealloc(st->tags, st->cap_tags * sizeof(*st->tags));
    }
    st->tags[st->n_tags].key = xstrdup(key);
    st->tags[st->n_tags].value = xstrdup(value);
    st->n_tags++;
    return WEIR_OK;
}

/* Recover a loaded stream's shards and derive its counter. */
static int store_stream_recover(Stream *st, Err *e)
{
    uint64_t next = 0;
    int64_t last_arrival = 0;
    for (uint32_t i = 0; i < st->n_shards; i++) {
        Shard *sh = st->shards[i];
        int rc = shard_recover(sh, e);
        if (rc)
            return rc;
        uint64_t m = sh->info.start_seq;
        if (sh->info.is_closed && sh->info.end_seq > m)
            m = sh->info.end_seq;
        if (sh->trim_seq > m)
            m = sh->trim_seq;
        if (sh->written.has_rec) {
            if (sh->written.last_seq > m)
                m = sh->written.last_seq;
            if (sh->written.last_arrival_ms > last_arrival)
                last_arrival = sh->written.last_arrival_ms;
        }
        if (m + 1 > next)
            next = m + 1;
    }
    if (st->n_shards == 0)
        return err_set(e, WEIR_ECORRUPT, "catalog: stream %s has no shards", st->name);
    atomic_store(&st->next_seq, next);
    st->last_arrival_ms = last_arrival;
    stream_routes_rebuild(st);
    if (st->n_routes == 0)
        return err_set(e, WEIR_ECORRUPT, "catalog: stream %s has no open shards", st->name);
    return WEIR_OK;
}

static int store_digits(const char *s, uint64_t *v)
{
    if (!*s || strlen(s) > 19)
        return -1;
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return 0;
}

/* Remove stream and shard directories the catalog does not know (a delete interrupted after its
 * catalog transaction, or a create interrupted before it). */
static void store_orphans_remove(Store *s, StoreLoad *l)
{
    char *root = store_path(s, "streams");
    DIR *d = opendir(root);
    if (!d) {
        free(root);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t uid;
        if (de->d_name[0] == '.' || store_digits(de->d_name, &uid) != 0)
            continue;
        char *p = store_path(s, "streams/%s", de->d_name);
        Stream *st = store_load_find(l, uid);
        if (!st) {
            log_info("store: removing %s (no stream in the catalog)", p);
            store_rmtree(p);
        } else {
            DIR *sd = opendir(p);
            struct dirent *se;
            while (sd && (se = readdir(sd)) != NULL) {
                uint64_t idx;
                if (se->d_name[0] == '.' || store_digits(se->d_name, &idx) != 0 || idx < st->n_shards)
                    continue;
                char *q = store_path(s, "streams/%s/%s", de->d_name, se->d_name);
                log_info("store: removing %s (no shard in the catalog)", q);
                store_rmtree(q);
                free(q);
            }
            if (sd)
                closedir(sd);
        }
        free(p);
    }
    closedir(d);
    free(root);
}

static int store_lock(Store *s, Err *e)
{
    char *p = store_path(s, "LOCK");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = err_set(e, WEIR_EIO, "open %s: %s", p, strerror(errno));
        free(p);
        return rc;
    }
    free(p);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buf[32] = {0};
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
        close(fd);
        if (err == EWOULDBLOCK)
            return err_set(e, WEIR_EBUSY, "data directory %s is in use by pid %ld", s->dir, pid);
        return err_set(e, WEIR_EIO, "lock %s: %s", s->dir, strerror(err));
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        log_warn("store: cannot write the pid into %s/LOCK: %s", s->dir, strerror(errno));
    s->lock_fd = fd;
    return WEIR_OK;
}

/* Free everything (the sync thread is not running). */
static void store_free(Store *s)
{
    for (size_t i = 0; i < s->n_streams; i++)
        stream_unref(s->streams[i]);
    free(s->streams);
    for (size_t i = 0; i < s->n_dirty; i++)
        shard_unref(s->dirty[i]);
    free(s->dirty);
    for (size_t i = 0; i < s->n_trash; i++)
        free(s->trash[i]);
    free(s->trash);
    free(s->waiting);
    free(s->ready);
    for (int i = 0; i < s->n_rbufs; i++)
        free(s->rbufs[i].p);
    catalog_close(&s->cat);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    pthread_mutex_destroy(&s->cat_mu);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->sync_mu);
    pthread_cond_destroy(&s->sync_cv);
    pthread_mutex_destroy(&s->rbuf_mu);
    free(s->dir);
    free(s);
}

int store_open(const StoreConfig *cfg, Store **out, Err *e)
{
    *out = NULL;
    if (!cfg || !cfg->dir || !*cfg->dir)
        return err_set(e, WEIR_EINVAL, "store: no data directory");
    if (cfg->fsync_mode < STORE_FSYNC_BATCH || cfg->fsync_mode > STORE_FSYNC_NONE)
        return err_set(e, WEIR_EINVAL, "store: bad fsync mode %d", cfg->fsync_mode);
    Store *s = xcalloc(1, sizeof(*s));
    s->dir = xstrdup(cfg->dir);
    size_t dl = strlen(s->dir);
    while (dl > 1 && s->dir[dl - 1] == '/')
        s->dir[--dl] = '\0';
    s->fsync_mode = cfg->fsync_mode;
    s->segment_max_bytes = cfg->segment_max_bytes ? cfg->segment_max_bytes : STORE_SEGMENT_DEFAULT;
    s->notify = cfg->notify;
    s->notify_arg = cfg->notify_arg;
    s->lock_fd = -1;
    atomic_init(&s->io_error, 0);
    atomic_init(&s->test_fail_fsync, 0);
    pthread_mutex_init(&s->cat_mu, NULL);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->sync_mu, NULL);
    pthread_cond_init(&s->sync_cv, NULL);
    pthread_mutex_init(&s->rbuf_mu, NULL);

    int rc;
    StoreLoad l = {s, NULL, 0};
    if (store_mkdirs(s->dir) != 0) {
        rc = err_set(e, WEIR_EIO, "create data directory %s: %s", s->dir, strerror(errno));
        goto fail;
    }
    if ((rc = store_lock(s, e)) != WEIR_OK)
        goto fail;
    /* Every active segment holds a descriptor: make room for many shards (best effort). */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char *streams = store_path(s, "streams");
    int made = mkdir(streams, 0755) == 0;
    int merr = errno;
    free(streams);
    if (!made && merr != EEXIST) {
        rc = err_set(e, WEIR_EIO, "create %s/streams: %s", s->dir, strerror(merr));
        goto fail;
    }
    if (made && fsio_dir_fsync(s->dir) != 0) {
        rc = err_set(e, WEIR_EIO, "fsync %s: %s", s->dir, strerror(errno));
        goto fail;
    }
    char *catp = store_path(s, "catalog.db");
    rc = catalog_open(catp, &s->cat, e);
    free(catp);
    if (rc)
        goto fail;

    CatalogLoader loader = {&l, store_load_stream, store_load_shard, store_load_tag};
    if ((rc = catalog_load(s->cat, &loader, e)) != WEIR_OK)
        goto fail;
    for (size_t i = 0; i < l.n; i++)
        if ((rc = store_stream_recover(l.by_uid[i], e)) != WEIR_OK)
            goto fail;
    store_orphans_remove(s, &l);

    if (pthread_create(&s->sync_thread, NULL, store_sync_main, s) != 0) {
        rc = err_set(e, WEIR_ERROR, "store: cannot start the sync thread");
        goto fail;
    }
    s->sync_started = 1;
    for (size_t i = 0; i < l.n; i++)
        stream_unref(l.by_uid[i]);
    free(l.by_uid);
    log_info("store: opened %s (%zu streams, fsync %s)", s->dir, s->n_streams,
             s->fsync_mode == STORE_FSYNC_BATCH    ? "batch"
             : s->fsync_mode == STORE_FSYNC_ALWAYS ? "always"
                                                   : "none");
    *out = s;
    return WEIR_OK;

fail:
    for (size_t i = 0; i < l.n; i++)
        stream_unref(l.by_uid[i]);
    free(l.by_uid);
    store_free(s);
    return rc;
}

/* fsync and publish everything every shard has written (used at close). */
static void store_flush_all(Store *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_streams;
    Stream **sts = xmalloc((n ? n : 1) * sizeof(*sts));
    for (size_t i = 0; i < n; i++) {
        sts[i] = s->streams[i];
        stream_ref(sts[i]);
    }
    pthread_mutex_unlock(&s->mu);
    int ok = !atomic_load(&s->io_error);
    for (size_t i = 0; i < n; i++) {
        Stream *st = sts[i];
        pthread_mutex_lock(&st->wmu);
        for (uint32_t k = 0; k < st->n_shards; k++) {
            ShardSyncSnap snap;
            shard_sync_take(st->shards[k], &snap);
            Err e;
            err_clear(&e);
            int sok = ok && shard_sync_fsync(&snap, 1, &e) == 0;
            if (ok && !sok) {
                log_error("store: %s", e.msg);
                atomic_store(&s->io_error, 1);
                ok = 0;
            }
            shard_sync_finish(&snap, sok, 1);
        }
        pthread_mutex_unlock(&st->wmu);
        stream_unref(st);
    }
    free(sts);
}

void store_close(Store **sp)
{
    Store *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->sync_started) {
        pthread_mutex_lock(&s->sync_mu);
        s->stopping = 1;
        pthread_cond_signal(&s->sync_cv);
        pthread_mutex_unlock(&s->sync_mu);
        pthread_join(s->sync_thread, NULL);
        s->sync_started = 0;
    }
    store_flush_all(s);
    /* Everything written is durable now (or the store failed): run every waiter. */
    pthread_mutex_lock(&s->sync_mu);
    int rc = atomic_load(&s->io_error) ? WEIR_EIO : WEIR_OK;
    for (size_t i = 0; i < s->n_waiting; i++) {
        StoreWaiter w = s->waiting[i];
        w.rc = rc;
        if (s->n_ready == s->cap_ready) {
            s->cap_ready = s->cap_ready ? s->cap_ready * 2 : 16;
            s->ready = xrealloc(s->ready, s->cap_ready * sizeof(*s->ready));
        }
        s->ready[s->n_ready++] = w;
    }
    s->n_waiting = 0;
    s->gen_durable = s->gen_written;
    pthread_mutex_unlock(&s->sync_mu);
    store_dispatch(s);
    log_info("store: closed %s", s->dir);
    store_free(s);
    *sp = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Streams: API
 * ------------------------------------------------------------------------------------------------ */

int store_stream_create(Store *s, const char *name, uint32_t n_shards, int mode, const char *region,
                        const char *account, Err *e)
{
    if (!store_name_valid(name))
        return err_set(e, WEIR_EINVAL, "invalid stream name (want [a-zA-Z0-9_.-]{1,%d})", STORE_NAME_MAX);
    if (n_shards < 1 || n_shards > STORE_SHARDS_MAX)
        return err_set(e, WEIR_EINVAL, "shard count %u out of range 1..%d", n_shards, STORE_SHARDS_MAX);
    if (mode != STREAM_MODE_PROVISIONED && mode != STREAM_MODE_ON_DEMAND)
        return err_set(e, WEIR_EINVAL, "bad stream mode %d", mode);
    region = region ? region : "";
    account = account ? account : "";
    StreamInfo info;
    memset(&info, 0, sizeof(info));
    if (strlen(region) >= sizeof(info.region) || strlen(account) >= sizeof(info.account))
        return err_set(e, WEIR_EINVAL, "region or account id too long");
    memcpy(info.name, name, strlen(name) + 1);
    memcpy(info.region, region, strlen(region) + 1);
    memcpy(info.account, account, strlen(account) + 1);
    info.status = STREAM_ACTIVE;
    info.mode = mode;
    info.retention_hours = STORE_RETENTION_MIN_H;
    info.created_ms = clock_now_ms();

    ShardInfo *shards = xcalloc(n_shards, sizeof(*shards));
    u128 size = store_range_size(n_shards);
    for (uint32_t i = 0; i < n_shards; i++) {
        shards[i].index = i;
        shards[i].parent = shards[i].adjacent_parent = -1;
        shards[i].hash_lo = size * i;
        shards[i].hash_hi = i + 1 == n_shards ? U128_MAX : size * (i + 1) - 1;
        shards[i].created_ms = info.created_ms;
    }

    pthread_mutex_lock(&s->cat_mu);
    int rc = catalog_begin(s->cat, e);
    if (rc == WEIR_OK)
        rc = catalog_stream_insert(s->cat, &info, &info.uid, e);
    for (uint32_t i = 0; rc == WEIR_OK && i < n_shards; i++)
        rc = catalog_shard_put(s->cat, info.uid, &shards[i], e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    if (rc == WEIR_OK) {
        Stream *st = stream_new(&info);
        for (uint32_t i = 0; i < n_shards; i++)
            stream_shard_push(st, shard_create(s, info.uid, &shards[i], 0));
        stream_routes_rebuild(st);
        pthread_mutex_lock(&s->mu);
        store_table_insert(s, st);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&s->cat_mu);
    free(shards);
    return rc;
}

int store_stream_delete(Store *s, const char *name, Err *e)
{
    Stream *st = store_stream_get(s, name);
    if (!st)
        return store_notfound(e, name);
    pthread_mutex_lock(&st->wmu);
    if (st->is_deleted) {
        pthread_mutex_unlock(&st->wmu);
        stream_unref(st);
        return store_notfound(e, name);
    }
    pthread_mutex_lock(&s->cat_mu);
    int rc = catalog_begin(s->cat, e);
    if (rc == WEIR_OK)
        rc = catalog_stream_delete(s->cat, st->uid, e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    Stream *table_ref = NULL;
    if (rc == WEIR_OK) {
        pthread_mutex_lock(&s->mu);
        int found;
        size_t at = store_table_pos(s, st->name, &found);
        if (found && s->streams[at] == st) {
            table_ref = st;
            memmove(s->streams + at, s->streams + at + 1, (s->n_streams - at - 1) * sizeof(*s->streams));
            s->n_streams--;
        }
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&s->cat_mu);
    if (rc == WEIR_OK) {
        st->is_deleted = 1;
        for (uint32_t i = 0; i < st->n_shards; i++)
            shard_mark_deleted(st->shards[i]);
        /* The files go in the background (the sync thread), after any index write it has in hand. */
        char *dir = store_path(s, "streams/%" PRIu64, st->uid);
        pthread_mutex_lock(&s->sync_mu);
        if (s->n_trash == s->cap_trash) {
            s->cap_trash = s->cap_trash ? s->cap_trash * 2 : 4;
            s->trash = xrealloc(s->trash, s->cap_trash * sizeof(*s->trash));
        }
        s->trash[s->n_trash++] = dir;
        pthread_cond_signal(&s->sync_cv);
        pthread_mutex_unlock(&s->sync_mu);
        store_notify(s); /* readers waiting on its shards should look again */
    }
    pthread_mutex_unlock(&st->wmu);
    stream_unref(table_ref);
    stream_unref(st);
    return rc;
}

int store_stream_list(Store *s, char ***names, size_t *n, Err *e)
{
    UNUSED(e);
    pthread_mutex_lock(&s->mu);
    *n = s->n_streams;
    *names = xmalloc((s->n_streams ? s->n_streams : 1) * sizeof(**names));
    for (size_t i = 0; i < s->n_streams; i++)
        (*names)[i] = xstrdup(s->streams[i]->name);
    pthread_mutex_unlock(&s->mu);
    return WEIR_OK;
}

int store_stream_describe(Store *s, const char *name, StreamInfo **out, Err *e)
{
    Stream *st = store_stream_get(s, name);
    if (!st)
        return store_notfound(e, name);
    StreamInfo *info = xcalloc(1, sizeof(*info));
    memcpy(info->name, st->name, sizeof(info->name));
    info->uid = st->uid;
    memcpy(info->region, st->region, sizeof(info->region));
    memcpy(info->account, st->account, sizeof(info->account));
    info->status = STREAM_ACTIVE;
    info->mode = st->mode;
    info->created_ms = st->created_ms;
    pthread_mutex_lock(&st->mu);
    info->retention_hours = st->retention_hours;
    info->n_shards = st->n_shards;
    info->shards = xcalloc(st->n_shards ? st->n_shards : 1, sizeof(*info->shards));
    for (uint32_t i = 0; i < st->n_shards; i++) {
        Shard *sh = st->shards[i];
        pthread_mutex_lock(&sh->mu);
        info->shards[i] = sh->info;
        pthread_mutex_unlock(&sh->mu);
        info->n_open += !info->shards[i].is_closed;
    }
    info->n_tags = st->n_tags;
    info->tags = xcalloc(st->n_tags ? st->n_tags : 1, sizeof(*info->tags));
    for (uint32_t i = 0; i < st->n_tags; i++) {
        info->tags[i].key = xstrdup(st->tags[i].key);
        info->tags[i].value = xstrdup(st->tags[i].value);
    }
    pthread_mutex_unlock(&st->mu);
    info->next_seq = atomic_load(&st->next_seq);
    stream_unref(st);
    *out = info;
    return WEIR_OK;
}

void store_stream_info_free(StreamInfo **ip)
{
    StreamInfo *info = ip ? *ip : NULL;
    if (!info)
        return;
    for (uint32_t i = 0; i < info->n_tags; i++) {
        free(info->tags[i].key);
        free(info->tags[i].value);
    }
    free(info->tags);
    free(info->shards);
    free(info);
    *ip = NULL;
}

/* Lock a stream for a metadata change: a ref, wmu held, not deleted. */
static int store_stream_wlock(Store *s, const char *name, Stream **stp, Err *e)
{
    Stream *st = store_stream_get(s, name);
    if (!st)
        return store_notfound(e, name);
    pthread_mutex_lock(&st->wmu);
    if (st->is_deleted) {
        pthread_mutex_unlock(&st->wmu);
        stream_unref(st);
        return store_notfound(e, name);
    }
    *stp = st;
    return WEIR_OK;
}

static void store_stream_wunlock(Stream *st)
{
    pthread_mutex_unlock(&st->wmu);
    stream_unref(st);
}

int store_stream_set_retention(Store *s, const char *name, int hours, Err *e)
{
    if (hours < STORE_RETENTION_MIN_H || hours > STORE_RETENTION_MAX_H)
        return err_set(e, WEIR_EINVAL, "retention %d hours out of range %d..%d", hours, STORE_RETENTION_MIN_H,
                       STORE_RETENTION_MAX_H);
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->cat_mu);
    rc = catalog_begin(s->cat, e);
    if (rc == WEIR_OK)
        rc = catalog_stream_set_retention(s->cat, st->uid, hours, e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    pthread_mutex_unlock(&s->cat_mu);
    if (rc == WEIR_OK) {
        pthread_mutex_lock(&st->mu);
        st->retention_hours = hours;
        pthread_mutex_unlock(&st->mu);
    }
    store_stream_wunlock(st);
    return rc;
}

/* Position of key among st's sorted tags. Caller holds wmu or mu. */
static uint32_t stream_tag_pos(const Stream *st, const char *key, int *found)
{
    uint32_t lo = 0, hi = st->n_tags;
    *found = 0;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(st->tags[mid].key, key);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int store_stream_tags_add(Store *s, const char *name, const StreamTag *tags, size_t n, Err *e)
{
    for (size_t i = 0; i < n; i++)
        if (!tags[i].key || !*tags[i].key)
            return err_set(e, WEIR_EINVAL, "empty tag key");
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->cat_mu);
    rc = catalog_begin(s->cat, e);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++)
        rc = catalog_tag_put(s->cat, st->uid, tags[i].key, tags[i].value ? tags[i].value : "", e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    pthread_mutex_unlock(&s->cat_mu);
    if (rc == WEIR_OK) {
        pthread_mutex_lock(&st->mu);
        for (size_t i = 0; i < n; i++) {
            int found;
            uint32_t at = stream_tag_pos(st, tags[i].key, &found);
            char *v = xstrdup(tags[i].value ? tags[i].value : "");
            if (found) {
                free(st->tags[at].value);
                st->tags[at].value = v;
                continue;
            }
            if (st->n_tags == st->cap_tags) {
                st->cap_tags = st->cap_tags ? st->cap_tags * 2 : 8;
                st->tags = xrealloc(st->tags, st->cap_tags * sizeof(*st->tags));
            }
            memmove(st->tags + at + 1, st->tags + at, (st->n_tags - at) * sizeof(*st->tags));
            st->tags[at].key = xstrdup(tags[i].key);
            st->tags[at].value = v;
            st->n_tags++;
        }
        pthread_mutex_unlock(&st->mu);
    }
    store_stream_wunlock(st);
    return rc;
}

int store_stream_tags_remove(Store *s, const char *name, char *const *keys, size_t n, Err *e)
{
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    pthread_mutex_lock(&s->cat_mu);
    rc = catalog_begin(s->cat, e);
    for (size_t i = 0; rc == WEIR_OK && i < n; i++)
        if (keys[i])
            rc = catalog_tag_delete(s->cat, st->uid, keys[i], e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    pthread_mutex_unlock(&s->cat_mu);
    if (rc == WEIR_OK) {
        pthread_mutex_lock(&st->mu);
        for (size_t i = 0; i < n; i++) {
            int found;
            if (!keys[i])
                continue;
            uint32_t at = stream_tag_pos(st, keys[i], &found);
            if (!found)
                continue;
            free(st->tags[at].key);
            free(st->tags[at].value);
            memmove(st->tags + at, st->tags + at + 1, (st->n_tags - at - 1) * sizeof(*st->tags));
            st->n_tags--;
        }
        pthread_mutex_unlock(&st->mu);
    }
    store_stream_wunlock(st);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Resharding. A plan works on copies of every shard's info (the existing ones, then the ones it
 * creates), so split, merge and UpdateShardCount share one apply step: one catalog transaction for
 * the changed and new rows, then the in-memory shards. Caller holds wmu throughout.
 * ------------------------------------------------------------------------------------------------ */

typedef struct ReshardPlan {
    ShardInfo *rows; /* by shard index */
    uint32_t n_rows, n_old, cap;
    uint64_t next_seq;
    int64_t now;
} ReshardPlan;

static void plan_init(ReshardPlan *p, Stream *st)
{
    p->n_rows = p->n_old = st->n_shards;
    p->cap = st->n_shards + 16;
    p->rows = xmalloc(p->cap * sizeof(*p->rows));
    for (uint32_t i = 0; i < st->n_shards; i++)
        p->rows[i] = st->shards[i]->info; /* closing fields change only under wmu, which we hold */
    p->next_seq = atomic_load(&st->next_seq);
    p->now = clock_now_ms();
}

static ShardInfo *plan_add(ReshardPlan *p, int64_t parent, int64_t adjacent, u128 lo, u128 hi)
{
    if (p->n_rows == p->cap) {
        p->cap *= 2;
        p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
    }
    ShardInfo *r = &p->rows[p->n_rows];
    memset(r, 0, sizeof(*r));
    r->index = p->n_rows++;
    r->parent = parent;
    r->adjacent_parent = adjacent;
    r->hash_lo = lo;
    r->hash_hi = hi;
    r->start_seq = p->next_seq;
    r->created_ms = p->now;
    return r;
}

static void plan_close(ReshardPlan *p, uint32_t idx)
{
    p->rows[idx].is_closed = 1;
    p->rows[idx].end_seq = p->next_seq++;
    p->rows[idx].closed_ms = p->now;
}

static int plan_split(ReshardPlan *p, uint32_t idx, u128 at, Err *e)
{
    if (idx >= p->n_rows)
        return err_set(e, WEIR_ENOTFOUND, "shard shardId-%012u not found", idx);
    ShardInfo par = p->rows[idx];
    if (par.is_closed)
        return err_set(e, WEIR_EINVAL, "shard shardId-%012u is closed", idx);
    if (!(par.hash_lo < at && at <= par.hash_hi))
        return err_set(e, WEIR_EINVAL, "new starting hash key is not inside shard shardId-%012u's range",
                       idx);
    plan_close(p, idx);
    plan_add(p, idx, -1, par.hash_lo, at - 1);
    plan_add(p, idx, -1, at, par.hash_hi);
    return WEIR_OK;
}

static int plan_merge(ReshardPlan *p, uint32_t a, uint32_t b, Err *e)
{
    if (a >= p->n_rows)
        return err_set(e, WEIR_ENOTFOUND, "shard shardId-%012u not found", a);
    if (b >= p->n_rows)
        return err_set(e, WEIR_ENOTFOUND, "shard shardId-%012u not found", b);
    ShardInfo x = p->rows[a], y = p->rows[b];
    if (a == b)
        return err_set(e, WEIR_EINVAL, "cannot merge shard shardId-%012u with itself", a);
    if (x.is_closed || y.is_closed)
        return err_set(e, WEIR_EINVAL, "shard shardId-%012u is closed", x.is_closed ? a : b);
    int touch = (x.hash_hi != U128_MAX && x.hash_hi + 1 == y.hash_lo) ||
                (y.hash_hi != U128_MAX && y.hash_hi + 1 == x.hash_lo);
    if (!touch)
        return err_set(e, WEIR_EINVAL, "shards shardId-%012u and shardId-%012u are not adjacent", a, b);
    plan_close(p, a);
    plan_close(p, b);
    plan_add(p, a, b, x.hash_lo < y.hash_lo ? x.hash_lo : y.hash_lo,
             x.hash_hi > y.hash_hi ? x.hash_hi : y.hash_hi);
    return WEIR_OK;
}

static int plan_row_cmp_lo(const void *a, const void *b)
{
    const ShardInfo *x = *(const ShardInfo *const *)a, *y = *(const ShardInfo *const *)b;
    return x->hash_lo < y->hash_lo ? -1 : x->hash_lo > y->hash_lo;
}

/* Indices of the plan's open shards, by hash_lo. Caller frees. */
static uint32_t *plan_open_sorted(ReshardPlan *p, uint32_t *n_out)
{
    const ShardInfo **v = xmalloc((p->n_rows ? p->n_rows : 1) * sizeof(*v));
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->n_rows; i++)
        if (!p->rows[i].is_closed)
            v[n++] = &p->rows[i];
    qsort(v, n, sizeof(*v), plan_row_cmp_lo);
    uint32_t *idx = xmalloc((n ? n : 1) * sizeof(*idx));
    for (uint32_t i = 0; i < n; i++)
        idx[i] = v[i]->index;
    free(v);
    *n_out = n;
    return idx;
}

/* UNIFORM_SCALING: split at every target boundary inside an open shard, then merge the pieces
 * inside each target range left to right. */
static int plan_scale(ReshardPlan *p, uint32_t target, Err *e)
{
    u128 size = store_range_size(target);
    uint32_t n;
    uint32_t *open = plan_open_sorted(p, &n);
    int rc = WEIR_OK;
    for (uint32_t i = 0; rc == WEIR_OK && target > 1 && i < n; i++) {
        uint32_t cur = open[i];
        u128 lo = p->rows[cur].hash_lo, hi = p->rows[cur].hash_hi;
        /* boundaries k*size (k = 1..target-1) with lo < b <= hi */
        u128 k = lo / size + 1;
        for (; rc == WEIR_OK && k < target && k * size <= hi; k++) {
            rc = plan_split(p, cur, k * size, e);
            cur = p->n_rows - 1; /* the right-hand child holds the remaining boundaries */
        }
    }
    free(open);
    if (rc)
        return rc;
    open = plan_open_sorted(p, &n);
    uint32_t i = 0;
    for (uint32_t t = 0; rc == WEIR_OK && t < target; t++) {
        u128 thi = t + 1 == target ? U128_MAX : size * (t + 1) - 1;
        if (i >= n)
            break;
        uint32_t cur = open[i++];
        while (rc == WEIR_OK && i < n && p->rows[open[i]].hash_hi <= thi) {
            rc = plan_merge(p, cur, open[i++], e);
            cur = p->n_rows - 1;
        }
    }
    free(open);
    return rc;
}

static int plan_apply(Store *s, Stream *st, ReshardPlan *p, Err *e)
{
    pthread_mutex_lock(&s->cat_mu);
    int rc = catalog_begin(s->cat, e);
    for (uint32_t i = 0; rc == WEIR_OK && i < p->n_rows; i++)
        if (i >= p->n_old || (p->rows[i].is_closed && !st->shards[i]->info.is_closed))
            rc = catalog_shard_put(s->cat, st->uid, &p->rows[i], e);
    if (rc == WEIR_OK)
        rc = catalog_commit(s->cat, e);
    else
        catalog_rollback(s->cat);
    pthread_mutex_unlock(&s->cat_mu);
    if (rc)
        return rc;
    atomic_store(&st->next_seq, p->next_seq);
    for (uint32_t i = 0; i < p->n_old; i++)
        if (p->rows[i].is_closed && !st->shards[i]->info.is_closed)
            shard_close_log(st->shards[i], p->rows[i].end_seq, p->rows[i].closed_ms);
    pthread_mutex_lock(&st->mu);
    for (uint32_t i = p->n_old; i < p->n_rows; i++)
        stream_shard_push(st, shard_create(s, st->uid, &p->rows[i], 0));
    stream_routes_rebuild(st);
    pthread_mutex_unlock(&st->mu);
    store_notify(s); /* closed shards' readers can now reach their end */
    return WEIR_OK;
}

int store_shard_split(Store *s, const char *name, uint32_t index, u128 new_start, Err *e)
{
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    ReshardPlan p;
    plan_init(&p, st);
    rc = plan_split(&p, index, new_start, e);
    if (rc == WEIR_OK)
        rc = plan_apply(s, st, &p, e);
    free(p.rows);
    store_stream_wunlock(st);
    return rc;
}

int store_shard_merge(Store *s, const char *name, uint32_t index, uint32_t adjacent, Err *e)
{
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    ReshardPlan p;
    plan_init(&p, st);
    rc = plan_merge(&p, index, adjacent, e);
    if (rc == WEIR_OK)
        rc = plan_apply(s, st, &p, e);
    free(p.rows);
    store_stream_wunlock(st);
    return rc;
}

int store_stream_update_shard_count(Store *s, const char *name, uint32_t target, Err *e)
{
    if (target < 1 || target > STORE_SHARDS_MAX)
        return err_set(e, WEIR_EINVAL, "target shard count %u out of range 1..%d", target, STORE_SHARDS_MAX);
    Stream *st;
    int rc = store_stream_wlock(s, name, &st, e);
    if (rc)
        return rc;
    ReshardPlan p;
    plan_init(&p, st);
    rc = plan_scale(&p, target, e);
    if (rc == WEIR_OK && p.n_rows > p.n_old)
        rc = plan_apply(s, st, &p, e);
    free(p.rows);
    store_stream_wunlock(st);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Appends and group commit
 * ------------------------------------------------------------------------------------------------ */

static void store_dirty_add_locked(Store *s, Shard *sh)
{
    if (sh->in_dirty)
        return;
    if (s->n_dirty == s->cap_dirty) {
        s->cap_dirty = s->cap_dirty ? s->cap_dirty * 2 : 16;
        s->dirty = xrealloc(s->dirty, s->cap_dirty * sizeof(*s->dirty));
    }
    shard_ref(sh);
    s->dirty[s->n_dirty++] = sh;
    sh->in_dirty = 1;
}

void store_dirty_add(Store *s, Shard *sh)
{
    pthread_mutex_lock(&s->sync_mu);
    store_dirty_add_locked(s, sh);
    pthread_cond_signal(&s->sync_cv);
    pthread_mutex_unlock(&s->sync_mu);
}

static void store_ready_push_locked(Store *s, StoreWaiter w)
{
    if (s->n_ready == s->cap_ready) {
        s->cap_ready = s->cap_ready ? s->cap_ready * 2 : 16;
        s->ready = xrealloc(s->ready, s->cap_ready * sizeof(*s->ready));
    }
    s->ready[s->n_ready++] = w;
}

/* Encode entries into one batch per shard in st->scratch and st->parts. Caller holds wmu. */
static int store_append_encode(Stream *st, const StoreAppendEntry *entries, size_t n, uint64_t base,
                               int64_t arrival, size_t *n_parts_out, Err *e)
{
    if (st->cap_part_of < n) {
        st->cap_part_of = n;
        st->part_of = xrealloc(st->part_of, n * sizeof(*st->part_of));
    }
    size_t n_parts = 0;
    int rc = WEIR_OK;
    for (size_t i = 0; i < n; i++) {
        const StoreAppendEntry *en = &entries[i];
        if (en->key.n + en->data.n > STORE_MAX_RECORD || (en->key.n && !en->key.p) ||
            (en->data.n && !en->data.p)) {
            rc = err_set(e, WEIR_ELIMIT, "record %zu is larger than %u bytes", i, STORE_MAX_RECORD);
            break;
        }
        uint32_t r = stream_route_find(st, en->hash);
        int32_t k = st->route_part[r];
        if (k < 0) {
            if (n_parts == st->cap_parts) {
                st->cap_parts = st->cap_parts ? st->cap_parts * 2 : 8;
                st->parts = xrealloc(st->parts, st->cap_parts * sizeof(*st->parts));
                st->writes = xrealloc(st->writes, st->cap_parts * sizeof(*st->writes));
            }
            k = (int32_t)n_parts++;
            st->route_part[r] = k;
            st->parts[k] = (StreamAppendPart){.route = r, .first_i = i};
        }
        StreamAppendPart *pt = &st->parts[k];
        pt->n++;
        pt->last_i = i;
        pt->payload += segment_record_len(i - pt->first_i, en->key.n, en->data.n);
        st->part_of[i] = (uint32_t)k;
    }
    size_t total = 0;
    for (size_t k = 0; k < n_parts; k++) {
        st->route_part[st->parts[k].route] = -1;
        if (st->parts[k].payload > SEGMENT_BATCH_MAX && rc == WEIR_OK)
            rc = err_set(e, WEIR_ELIMIT, "append too large for one batch (%zu bytes)", st->parts[k].payload);
        st->parts[k].at = total;
        st->parts[k].cursor = total + SEGMENT_BATCH_HDR_LEN;
        total += SEGMENT_BATCH_HDR_LEN + st->parts[k].payload;
    }
    if (rc)
        return rc;
    buf_reset(&st->scratch);
    if (buf_reserve(&st->scratch, total) != WEIR_OK)
        return err_set(e, WEIR_ELIMIT, "append too large (%zu bytes)", total);
    uint8_t *out = st->scratch.p;
    for (size_t i = 0; i < n; i++) {
        StreamAppendPart *pt = &st->parts[st->part_of[i]];
        uint8_t *end =
            segment_record_encode(out + pt->cursor, i - pt->first_i, entries[i].key, entries[i].data);
        pt->cursor = (size_t)(end - out);
    }
    for (size_t k = 0; k < n_parts; k++) {
        StreamAppendPart *pt = &st->parts[k];
        ShardWrite *w = &st->writes[k];
        memset(w, 0, sizeof(*w));
        w->sh = st->routes[pt->route].sh;
        w->batch = out + pt->at;
        w->len = SEGMENT_BATCH_HDR_LEN + pt->payload;
        w->b.payload_len = (uint32_t)pt->payload;
        w->b.n_records = pt->n;
        w->b.first_seq = base + pt->first_i;
        w->b.last_seq = base + pt->last_i;
        w->b.arrival_ms = arrival;
        segment_batch_seal(w->batch, &w->b);
    }
    *n_parts_out = n_parts;
    return WEIR_OK;
}

int store_append(Store *s, const char *name, const StoreAppendEntry *entries, size_t n,
                 StoreAppendResult *results, int64_t *arrival_ms_out, uint64_t *sync_token, Err *e)
{
    if (atomic_load(&s->io_error))
        return err_set(e, WEIR_EIO, "store is read-only after an I/O error");
    Stream *st = store_stream_get(s, name);
    if (!st)
        return store_notfound(e, name);
    pthread_mutex_lock(&st->wmu);
    int rc = WEIR_OK;
    if (st->is_deleted) {
        rc = store_notfound(e, name);
        goto out;
    }
    int64_t arrival = clock_now_ms();
    if (arrival < st->last_arrival_ms)
        arrival = st->last_arrival_ms; /* never backwards within a stream: AT_TIMESTAMP relies on it */
    if (n == 0) {
        if (arrival_ms_out)
            *arrival_ms_out = arrival;
        pthread_mutex_lock(&s->sync_mu);
        if (sync_token)
            *sync_token = s->gen_written;
        pthread_mutex_unlock(&s->sync_mu);
        goto out;
    }
    uint64_t base = atomic_load(&st->next_seq);
    size_t n_parts = 0;
    rc = store_append_encode(st, entries, n, base, arrival, &n_parts, e);
    if (rc)
        goto out;
    /* Seqs are taken even if the write fails below: a value is never handed out twice. */
    atomic_store(&st->next_seq, base + n);
    st->last_arrival_ms = arrival;

    size_t k;
    for (k = 0; k < n_parts; k++)
        if ((rc = shard_batch_write(st->writes[k].sh, &st->writes[k], e)) != WEIR_OK)
            break;
    if (rc == WEIR_OK && s->fsync_mode == STORE_FSYNC_ALWAYS) {
        for (size_t j = 0; j < n_parts && rc == WEIR_OK; j++)
            rc = shard_write_fsync(&st->writes[j], e);
        if (rc) {
            log_error("store: %s; appends stop", e ? e->msg : "fsync failed");
            atomic_store(&s->io_error, 1);
        }
    }
    if (rc) {
        /* All or nothing: cut back the shards already written. */
        while (k-- > 0)
            if (shard_write_undo(&st->writes[k]) != 0)
                atomic_store(&s->io_error, 1);
        goto out;
    }
    int batch = s->fsync_mode == STORE_FSYNC_BATCH;
    for (k = 0; k < n_parts; k++)
        shard_write_publish(&st->writes[k], !batch);
    pthread_mutex_lock(&s->sync_mu);
    uint64_t token = ++s->gen_written;
    if (batch) {
        for (k = 0; k < n_parts; k++)
            store_dirty_add_locked(s, st->writes[k].sh);
        pthread_cond_signal(&s->sync_cv);
    } else {
        s->gen_durable = token; /* everything with a smaller token was durable before it was handed out */
    }
    pthread_mutex_unlock(&s->sync_mu);
    for (size_t i = 0; i < n; i++) {
        results[i].shard_index = st->writes[st->part_of[i]].sh->info.index;
        results[i].seq = base + i;
    }
    if (sync_token)
        *sync_token = token;
    if (arrival_ms_out)
        *arrival_ms_out = arrival;
    if (!batch)
        store_notify(s);
    /* Do not let one huge append pin its buffer for the stream's lifetime. */
    if (st->scratch.cap > (8u << 20))
        buf_fini(&st->scratch);
out:
    pthread_mutex_unlock(&st->wmu);
    stream_unref(st);
    return rc;
}

void store_sync_wait(Store *s, uint64_t token, StoreSyncFn fn, void *arg)
{
    int now = 0;
    pthread_mutex_lock(&s->sync_mu);
    StoreWaiter w = {token, fn, arg, WEIR_OK};
    if (token <= s->gen_durable) {
        store_ready_push_locked(s, w);
        now = 1;
    } else if (atomic_load(&s->io_error)) {
        w.rc = WEIR_EIO;
        store_ready_push_locked(s, w);
        now = 1;
    } else {
        if (s->n_waiting == s->cap_waiting) {
            s->cap_waiting = s->cap_waiting ? s->cap_waiting * 2 : 16;
            s->waiting = xrealloc(s->waiting, s->cap_waiting * sizeof(*s->waiting));
        }
        s->waiting[s->n_waiting++] = w;
    }
    pthread_mutex_unlock(&s->sync_mu);
    if (now)
        store_notify(s);
}

void store_dispatch(Store *s)
{
    pthread_mutex_lock(&s->sync_mu);
    StoreWaiter *ready = s->ready;
    size_t n = s->n_ready;
    s->ready = NULL;
    s->n_ready = s->cap_ready = 0;
    pthread_mutex_unlock(&s->sync_mu);
    for (size_t i = 0; i < n; i++)
        ready[i].fn(ready[i].arg, ready[i].rc);
    free(ready);
}

/* The sync thread. See the file comment for the protocol. */
static void *store_sync_main(void *arg)
{
    Store *s = arg;
    int do_fsync = s->fsync_mode != STORE_FSYNC_NONE;
    int batch = s->fsync_mode == STORE_FSYNC_BATCH;
    ShardSyncSnap *snaps = NULL;
    size_t cap_snaps = 0;
    pthread_mutex_lock(&s->sync_mu);
    for (;;) {
        while ((!s->n_dirty && !s->n_trash && !s->stopping) || (s->test_hold_sync && !s->stopping))
            pthread_cond_wait(&s->sync_cv, &s->sync_mu);
        if (!s->n_dirty && !s->n_trash && s->stopping)
            break;
        uint64_t g = s->gen_written;
        Shard **dirty = s->dirty;
        size_t n_dirty = s->n_dirty;
        s->dirty = NULL;
        s->n_dirty = s->cap_dirty = 0;
        for (size_t i = 0; i < n_dirty; i++)
            dirty[i]->in_dirty = 0;
        char **trash = s->trash;
        size_t n_trash = s->n_trash;
        s->trash = NULL;
        s->n_trash = s->cap_trash = 0;
        pthread_mutex_unlock(&s->sync_mu);

        if (n_dirty > cap_snaps) {
            cap_snaps = n_dirty;
            snaps = xrealloc(snaps, cap_snaps * sizeof(*snaps));
        }
        for (size_t i = 0; i < n_dirty; i++)
            shard_sync_take(dirty[i], &snaps[i]);
        int ok = !atomic_load(&s->io_error);
        Err e;
        err_clear(&e);
        for (size_t i = 0; ok && i < n_dirty; i++)
            if (shard_sync_fsync(&snaps[i], do_fsync, &e) != 0)
                ok = 0;
        if (!ok && e.code)
            log_error("store: %s; the store is read-only from now on", e.msg);
        for (size_t i = 0; i < n_dirty; i++) {
            shard_sync_finish(&snaps[i], ok, batch);
            shard_unref(dirty[i]);
        }
        free(dirty);
        for (size_t i = 0; i < n_trash; i++) {
            store_rmtree(trash[i]);
            free(trash[i]);
        }
        free(trash);

        pthread_mutex_lock(&s->sync_mu);
        int moved = 0;
        if (!ok)
            atomic_store(&s->io_error, 1);
        if (batch) {
            if (ok && g > s->gen_durable)
                s->gen_durable = g;
            size_t keep = 0;
            for (size_t i = 0; i < s->n_waiting; i++) {
                StoreWaiter w = s->waiting[i];
                if (w.token <= s->gen_durable || !ok) {
                    w.rc = w.token <= s->gen_durable ? WEIR_OK : WEIR_EIO;
                    store_ready_push_locked(s, w);
                    moved = 1;
                } else {
                    s->waiting[keep++] = w;
                }
            }
            s->n_waiting = keep;
        }
        if (moved || (batch && n_dirty)) {
            pthread_mutex_unlock(&s->sync_mu);
            store_notify(s);
            pthread_mutex_lock(&s->sync_mu);
        }
    }
    pthread_mutex_unlock(&s->sync_mu);
    free(snaps);
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------------ */

int store_shard_seek(Store *s, const char *name, uint32_t index, int type, uint64_t seq, int64_t ts_ms,
                     uint64_t *pos, Err *e)
{
    Stream *st;
    Shard *sh;
    int rc = store_shard_get(s, name, index, &st, &sh, e);
    if (rc)
        return rc;
    rc = shard_seek(sh, type, seq, ts_ms, pos, e);
    shard_unref(sh);
    stream_unref(st);
    return rc;
}

int store_read(Store *s, const char *name, uint32_t index, uint64_t pos, size_t max_records, size_t max_bytes,
               StoreReadFn fn, void *arg, StoreReadResult *res, Err *e)
{
    Stream *st;
    Shard *sh;
    int rc = store_shard_get(s, name, index, &st, &sh, e);
    if (rc) {
        memset(res, 0, sizeof(*res));
        return rc;
    }
    rc = shard_read(sh, pos, max_records, max_bytes, fn, arg, res, e);
    shard_unref(sh);
    stream_unref(st);
    return rc;
}

int store_cursor_open(Store *s, const char *name, uint32_t index, uint64_t pos, uint64_t end, StoreCursor **out,
                      Err *e)
{
    Stream *st;
    Shard *sh;
    *out = NULL;
    int rc = store_shard_get(s, name, index, &st, &sh, e);
    if (rc)
        return rc;
    rc = shard_cursor_open(sh, pos, end, out, e);
    shard_unref(sh);
    stream_unref(st);
    return rc;
}

int store_shard_wait(Store *s, const char *name, uint32_t index, uint64_t pos, int timeout_ms, Err *e)
{
    Stream *st;
    Shard *sh;
    int rc = store_shard_get(s, name, index, &st, &sh, e);
    if (rc)
        return rc;
    rc = shard_wait(sh, pos, timeout_ms, e);
    shard_unref(sh);
    stream_unref(st);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Retention
 * ------------------------------------------------------------------------------------------------ */

int store_retention_run(Store *s, Err *e)
{
    int64_t now = clock_now_ms();
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_streams;
    Stream **sts = xmalloc((n ? n : 1) * sizeof(*sts));
    for (size_t i = 0; i < n; i++) {
        sts[i] = s->streams[i];
        stream_ref(sts[i]);
    }
    pthread_mutex_unlock(&s->mu);

    int total = 0, rc = WEIR_OK;
    for (size_t i = 0; i < n; i++) {
        Stream *st = sts[i];
        pthread_mutex_lock(&st->mu);
        int64_t cutoff = now - (int64_t)st->retention_hours * 3600 * 1000;
        uint32_t ns = st->n_shards;
        Shard **shs = xmalloc(ns * sizeof(*shs));
        for (uint32_t k = 0; k < ns; k++) {
            shs[k] = st->shards[k];
            shard_ref(shs[k]);
        }
        pthread_mutex_unlock(&st->mu);
        uint32_t *trimmed = xmalloc(ns * sizeof(*trimmed));
        uint32_t n_trimmed = 0;
        for (uint32_t k = 0; k < ns; k++) {
            int changed = 0;
            total += shard_retention(shs[k], cutoff, &changed);
            if (changed)
                trimmed[n_trimmed++] = k;
        }
        if (n_trimmed) {
            /* Remember the trim points: they keep TRIM_HORIZON and the counter right after a restart. */
            pthread_mutex_lock(&s->cat_mu);
            int crc = catalog_begin(s->cat, e);
            for (uint32_t k = 0; crc == WEIR_OK && k < n_trimmed; k++) {
                Shard *sh = shs[trimmed[k]];
                pthread_mutex_lock(&sh->mu);
                uint64_t trim = sh->trim_seq;
                pthread_mutex_unlock(&sh->mu);
                crc = catalog_shard_set_trim(s->cat, st->uid, sh->info.index, trim, e);
            }
            if (crc == WEIR_OK)
                crc = catalog_commit(s->cat, e);
            else
                catalog_rollback(s->cat);
            pthread_mutex_unlock(&s->cat_mu);
            if (crc && rc == WEIR_OK)
                rc = crc;
        }
        for (uint32_t k = 0; k < ns; k++)
            shard_unref(shs[k]);
        free(shs);
        free(trimmed);
        stream_unref(st);
    }
    free(sts);
    return rc ? rc : total;
}

/* ------------------------------------------------------------------------------------------------
 * Sequence numbers: "49" + uid (12 digits) + counter (20) + shard index (22) = 56 digits
 * ------------------------------------------------------------------------------------------------ */

/* v as exactly width decimal digits (zero-padded; v < 10^width) at out. */
static void store_dec_fixed(char *out, uint64_t v, int width)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                   "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                   "8081828384858687888990919293949596979899";
    int i = width;
    while (v >= 100 && i >= 2) {
        uint64_t r = v % 100;
        v /= 100;
        i -= 2;
        memcpy(out + i, pairs + 2 * r, 2);
    }
    while (i > 0) { /* the last one or two digits, then zeros */
        out[--i] = (char)('0' + v % 10);
        v /= 10;
    }
}

void store_seq_format(uint64_t uid, uint64_t seq, uint32_t shard_index, char *out)
{
    /* uids come from SQLite AUTOINCREMENT and stay far below 10^12; the modulo only guards the width. */
    /* "49%012u%020u%022u" by hand: this runs for every record of every put and read. */
    out[0] = '4';
    out[1] = '9';
    store_dec_fixed(out + 2, uid % 1000000000000ull, 12);
    store_dec_fixed(out + 14, seq, 20);
    store_dec_fixed(out + 34, shard_index, 22);
    out[STORE_SEQ_STR_LEN] = '\0';
}

void store_shard_id_format(uint32_t index, char *out)
{
    memcpy(out, "shardId-", 8);
    store_dec_fixed(out + 8, index, 12); /* uint32 has at most 10 digits */
    out[STORE_SHARD_ID_LEN] = '\0';
}

/* Add d to the decimal digits[0..width) in place; the caller knows the result fits. */
static void store_dec_add(char *digits, int width, uint64_t d)
{
    int carry = 0;
    for (int i = width - 1; i >= 0 && (d || carry); i--) {
        int v = digits[i] - '0' + (int)(d % 10) + carry;
        d /= 10;
        carry = v >= 10;
        digits[i] = (char)('0' + v - (carry ? 10 : 0));
    }
}

/* Subtract d from the decimal digits[0..width) in place; the caller knows the result is >= 0. */
static void store_dec_sub(char *digits, int width, uint64_t d)
{
    int borrow = 0;
    for (int i = width - 1; i >= 0 && (d || borrow); i--) {
        int v = digits[i] - '0' - (int)(d % 10) - borrow;
        d /= 10;
        borrow = v < 0;
        digits[i] = (char)('0' + v + (borrow ? 10 : 0));
    }
}

const char *store_seq_fmt(StoreSeqFmt *f, uint64_t uid, uint64_t seq, uint32_t shard_index)
{
    if (!f->valid || f->uid != uid) {
        store_seq_format(uid, seq, shard_index, f->text);
    } else {
        if (f->shard_index != shard_index) /* 32-bit: the field's first 12 digits stay zero */
            store_dec_fixed(f->text + 34 + 12, shard_index, 10);
        if (seq > f->seq && seq - f->seq < 100000)
            store_dec_add(f->text + 14, 20, seq - f->seq);
        else if (seq < f->seq && f->seq - seq < 100000)
            store_dec_sub(f->text + 14, 20, f->seq - seq);
        else if (seq != f->seq)
            store_dec_fixed(f->text + 14, seq, 20);
    }
    f->valid = 1;
    f->uid = uid;
    f->seq = seq;
    f->shard_index = shard_index;
    return f->text;
}

/* Parse n decimal digits at s (all checked to be digits) into *v; -1 if above max. */
static int store_seq_digits(const char *s, size_t n, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

int store_seq_parse(const char *s, size_t n, uint64_t *uid, uint64_t *seq, uint32_t *shard_index)
{
    if (!s || n != STORE_SEQ_STR_LEN || s[0] != '4' || s[1] != '9')
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return -1;
    uint64_t u, c, k;
    if (store_seq_digits(s + 2, 12, UINT64_MAX, &u) || store_seq_digits(s + 14, 20, UINT64_MAX, &c) ||
        store_seq_digits(s + 34, 22, UINT32_MAX, &k))
        return -1;
    *uid = u;
    *seq = c;
    *shard_index = (uint32_t)k;
    return 0;
}
