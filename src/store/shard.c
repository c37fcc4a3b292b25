/*
 * shard.c: one shard's log: its list of segment files, appends into the active segment, the sparse
 * index, the written/visible ends, reads, seeks, waits, retention and recovery. Format details are
 * segment.c's; streams, routing, the catalog and the sync thread's scheduling are store.c's.
 *
 * State (all under Shard.mu unless noted):
 *   segs[]      segment files in seq order; the last one may be `active` (appends go there)
 *   written     end of the data of completed appends (a batch boundary)
 *   visible     end of the data readers may see; <= written; under FSYNC_BATCH it only moves when
 *               the sync thread has fsynced everything up to it (shard_sync_finish), otherwise it
 *               moves with written (shard_write_publish)
 *   unsynced[]  segments written or sealed since the sync thread last took them
 *
 * Life of an append (caller holds Stream.wmu, the only writer):
 *   shard_batch_write   roll if the active segment is full (new file + header), pwrite the batch;
 *                       on a failed write cut the file back, so nothing is half-appended
 *   shard_write_publish under mu: account the batch (meta, index entry), move `written`
 *   (sync thread)       shard_sync_take -> fsync -> shard_sync_finish moves `visible` and writes the
 *                       index file of segments that were sealed when it took them
 *
 * Readers snapshot (segments from the one holding pos up to visible.seg, with refs, and the byte limit
 * in the last one) under mu, then read with their own fd and no lock: the bytes they read below the
 * visible end never change, and a segment deleted meanwhile stays readable through an open fd (or is
 * skipped if it was unlinked before they opened it).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/fsio.h"
#include "base/log.h"
#include "store/store_int.h"

#define SHARD_READ_CHUNK (256u << 10)
#define SHARD_SNAP_INLINE 16

/* ------------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------------ */

static char *shard_path_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *shard_path_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        weir_panic("path format failed");
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

/* The index path of a segment: ".seg" replaced by ".idx". */
static void shard_seg_index_path(const ShardSeg *seg, char *out, size_t cap)
{
    size_t n = strlen(seg->path);
    if (n + 1 > cap || n < 4)
        weir_panic("segment path too long: %s", seg->path);
    memcpy(out, seg->path, n - 4);
    memcpy(out + n - 4, ".idx", 5);
}

static int shard_pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(fd, p, n, (off_t)off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (w == 0) {
            errno = ENOSPC;
            return -1;
        }
        p += w;
        n -= (size_t)w;
        off += (uint64_t)w;
    }
    return 0;
}

static ShardSeg *shard_seg_new(Shard *sh, uint64_t base)
{
    ShardSeg *seg = xcalloc(1, sizeof(*seg));
    atomic_init(&seg->refs, 1);
    atomic_init(&seg->is_deleted, 0);
    seg->base_seq = base;
    seg->path = shard_path_fmt("%s/%020" PRIu64 ".seg", sh->dir, base);
    seg->fd = -1;
    segment_meta_init(&seg->meta);
    return seg;
}

static void shard_seg_ref(ShardSeg *seg)
{
    atomic_fetch_add(&seg->refs, 1);
}

void shard_seg_unref(ShardSeg *seg)
{
    if (!seg)
        return;
    int old = atomic_fetch_sub(&seg->refs, 1);
    if (old > 1)
        return;
    if (NEVER(old < 1))
        weir_panic("segment refcount below zero");
    if (seg->fd >= 0)
        close(seg->fd);
    segment_meta_fini(&seg->meta);
    free(seg->path);
    free(seg);
}

/* Records in seq order across segments: the largest seq a segment can hold below the next one's.
 * For an empty segment, base_seq - 1 (its base is above everything before it). Non-decreasing. */
static uint64_t shard_seg_eff_last(const ShardSeg *g)
{
    if (g->meta.n_records)
        return g->meta.last_seq;
    return g->base_seq ? g->base_seq - 1 : 0;
}

/* Position of seg in sh->segs (by base_seq), or -1. Caller holds mu. */
static int64_t shard_seg_pos(const Shard *sh, const ShardSeg *seg)
{
    uint32_t lo = 0, hi = sh->n_segs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (sh->segs[mid]->base_seq < seg->base_seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sh->n_segs && sh->segs[lo] == seg ? (int64_t)lo : -1;
}

/* First segment index in [0, n) whose effective last seq is >= pos (n if none). Caller holds mu. */
static uint32_t shard_seg_find(const Shard *sh, uint32_t n, uint64_t pos)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (shard_seg_eff_last(sh->segs[mid]) < pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* File offset to start looking for seq pos in seg: the last index entry with seq <= pos. */
static uint64_t shard_seg_index_seek_seq(const ShardSeg *seg, uint64_t pos)
{
    const SegmentMeta *m = &seg->meta;
    uint32_t lo = 0, hi = m->n_idx;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->idx[mid].seq <= pos)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? m->idx[lo - 1].off : SEGMENT_HDR_LEN;
}

/* File offset to start looking for the first batch with arrival >= ts: the last index entry whose
 * (running max) arrival is below ts; everything before it is older than ts. */
static uint64_t shard_seg_index_seek_time(const ShardSeg *seg, int64_t ts)
{
    const SegmentMeta *m = &seg->meta;
    uint32_t lo = 0, hi = m->n_idx;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (m->idx[mid].arrival_ms < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? m->idx[lo - 1].off : SEGMENT_HDR_LEN;
}

static int shard_end_same(const ShardEnd *a, const ShardEnd *b)
{
    return a->seg == b->seg && a->off == b->off;
}

/* Is a strictly after b? */
static int shard_end_ahead(const ShardEnd *a, const ShardEnd *b)
{
    if (!a->seg)
        return 0;
    if (!b->seg)
        return 1;
    if (a->seg->base_seq != b->seg->base_seq)
        return a->seg->base_seq > b->seg->base_seq;
    return a->off > b->off;
}

static void shard_unsynced_add_locked(Shard *sh, ShardSeg *seg)
{
    if (seg->in_unsynced)
        return;
    if (sh->n_unsynced == sh->cap_unsynced) {
        sh->cap_unsynced = sh->cap_unsynced ? sh->cap_unsynced * 2 : 4;
        sh->unsynced = xrealloc(sh->unsynced, sh->cap_unsynced * sizeof(*sh->unsynced));
    }
    shard_seg_ref(seg);
    sh->unsynced[sh->n_unsynced++] = seg;
    seg->in_unsynced = 1;
}

static void shard_segs_push_locked(Shard *sh, ShardSeg *seg)
{
    if (sh->n_segs == sh->cap_segs) {
        sh->cap_segs = sh->cap_segs ? sh->cap_segs * 2 : 8;
        sh->segs = xrealloc(sh->segs, sh->cap_segs * sizeof(*sh->segs));
    }
    sh->segs[sh->n_segs++] = seg;
}

/* ------------------------------------------------------------------------------------------------
 * Lifecycle
 * ------------------------------------------------------------------------------------------------ */

Shard *shard_create(Store *s, uint64_t uid, const ShardInfo *info, uint64_t trim_seq)
{
    Shard *sh = xcalloc(1, sizeof(*sh));
    atomic_init(&sh->refs, 1);
    sh->s = s;
    sh->uid = uid;
    sh->info = *info;
    sh->dir = shard_path_fmt("%s/streams/%" PRIu64 "/%u", s->dir, uid, info->index);
    sh->trim_seq = trim_seq > info->start_seq ? trim_seq : info->start_seq;
    pthread_mutex_init(&sh->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sh->cv, &ca);
    pthread_condattr_destroy(&ca);
    return sh;
}

void shard_ref(Shard *sh)
{
    atomic_fetch_add(&sh->refs, 1);
}

void shard_unref(Shard *sh)
{
    if (!sh)
        return;
    int old = atomic_fetch_sub(&sh->refs, 1);
    if (old > 1)
        return;
    if (NEVER(old < 1))
        weir_panic("shard refcount below zero");
    for (uint32_t i = 0; i < sh->n_segs; i++)
        shard_seg_unref(sh->segs[i]);
    for (uint32_t i = 0; i < sh->n_unsynced; i++)
        shard_seg_unref(sh->unsynced[i]);
    free(sh->segs);
    free(sh->unsynced);
    free(sh->dir);
    pthread_mutex_destroy(&sh->mu);
    pthread_cond_destroy(&sh->cv);
    free(sh);
}

void shard_mark_deleted(Shard *sh)
{
    pthread_mutex_lock(&sh->mu);
    sh->is_deleted = 1;
    for (uint32_t i = 0; i < sh->n_segs; i++)
        atomic_store(&sh->segs[i]->is_deleted, 1);
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
}

void shard_close_log(Shard *sh, uint64_t end_seq, int64_t closed_ms)
{
    int sealed = 0;
    pthread_mutex_lock(&sh->mu);
    sh->info.is_closed = 1;
    sh->info.end_seq = end_seq;
    sh->info.closed_ms = closed_ms;
    if (sh->active) {
        sh->active->is_sealed = 1;
        sh->active->needs_index = 1;
        shard_unsynced_add_locked(sh, sh->active);
        sh->active = NULL;
        sealed = 1;
    }
    pthread_cond_broadcast(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
    if (sealed)
        store_dirty_add(sh->s, sh);
}

void shard_written_end(Shard *sh, int *has_rec, uint64_t *last_seq, int64_t *last_arrival_ms)
{
    pthread_mutex_lock(&sh->mu);
    *has_rec = sh->written.has_rec;
    *last_seq = sh->written.last_seq;
    *last_arrival_ms = sh->written.last_arrival_ms;
    pthread_mutex_unlock(&sh->mu);
}

/* ------------------------------------------------------------------------------------------------
 * Recovery
 * ------------------------------------------------------------------------------------------------ */

static int shard_u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Parse "<20 digits><suffix>" into *v. */
static int shard_name_parse(const char *name, const char *suffix, uint64_t *v)
{
    size_t n = strlen(name), sn = strlen(suffix);
    if (n != 20 + sn || strcmp(name + 20, suffix) != 0)
        return -1;
    uint64_t x = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        uint64_t d = (uint64_t)(name[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static void shard_seg_unlink(ShardSeg *seg)
{
    char ip[4096];
    shard_seg_index_path(seg, ip, sizeof(ip));
    if (unlink(seg->path) != 0 && errno != ENOENT)
        log_warn("store: remove %s: %s", seg->path, strerror(errno));
    if (unlink(ip) != 0 && errno != ENOENT)
        log_warn("store: remove %s: %s", ip, strerror(errno));
}

/* Remove stray files: index files without a segment, temp files. */
static void shard_dir_tidy(Shard *sh, const uint64_t *bases, size_t n_bases)
{
    DIR *d = opendir(sh->dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t v;
        int stray = 0;
        if (shard_name_parse(de->d_name, ".idx", &v) == 0)
            stray = !n_bases || !bsearch(&v, bases, n_bases, sizeof(*bases), shard_u64_cmp);
        else if (strstr(de->d_name, ".tmp"))
            stray = 1;
        if (stray) {
            char p[4096];
            if ((size_t)snprintf(p, sizeof(p), "%s/%s", sh->dir, de->d_name) < sizeof(p)) {
                log_info("store: removing stray file %s", p);
                unlink(p);
            }
        }
    }
    closedir(d);
}

int shard_recover(Shard *sh, Err *e)
{
    DIR *d = opendir(sh->dir);
    if (!d) {
        if (errno == ENOENT)
            return WEIR_OK;
        return err_set(e, WEIR_EIO, "open %s: %s", sh->dir, strerror(errno));
    }
    uint64_t *bases = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t v;
        if (shard_name_parse(de->d_name, ".seg", &v) != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            bases = xrealloc(bases, cap * sizeof(*bases));
        }
        bases[n++] = v;
    }
    closedir(d);
    if (n > 1)
        qsort(bases, n, sizeof(*bases), shard_u64_cmp);

    int rc = WEIR_OK;
    size_t i;
    for (i = 0; i < n; i++) {
        ShardSeg *seg = shard_seg_new(sh, bases[i]);
        SegmentHeader h = {sh->uid, sh->info.index, bases[i]};
        int fd = open(seg->path, O_RDWR | O_CLOEXEC);
        struct stat stt;
        if (fd < 0 || fstat(fd, &stt) != 0) {
            rc = err_set(e, WEIR_EIO, "open %s: %s", seg->path, strerror(errno));
            if (fd >= 0)
                close(fd);
            shard_seg_unref(seg);
            break;
        }
        uint64_t size = (uint64_t)stt.st_size;
        char ip[4096];
        shard_seg_index_path(seg, ip, sizeof(ip));
        Err ie;
        err_clear(&ie);
        int lrc = segment_index_load(ip, &h, size, &seg->meta, &ie);
        if (lrc == WEIR_OK) {
            /* Sealed and intact: trust the index (reads still verify every batch's CRC). */
            close(fd);
            seg->is_sealed = 1;
            shard_segs_push_locked(sh, seg);
            continue;
        }
        if (lrc == WEIR_ECORRUPT)
            log_warn("store: %s; rescanning the segment", ie.msg);
        const char *why = NULL;
        rc = segment_scan(fd, size, &h, &seg->meta, &why, e);
        if (rc != WEIR_OK) {
            close(fd);
            shard_seg_unref(seg);
            break;
        }
        int last = (i + 1 == n);
        if (why) {
            if (seg->meta.size == 0) {
                log_warn("store: %s: %s; removing the file", seg->path, why);
                close(fd);
                shard_seg_unlink(seg);
                shard_seg_unref(seg);
                i++;
                break; /* drop the later segments too (below) */
            }
            log_warn("store: %s: %s at offset %" PRIu64 "; truncating %" PRIu64 " bytes", seg->path, why,
                     seg->meta.size, size - seg->meta.size);
            if (ftruncate(fd, (off_t)seg->meta.size) != 0) {
                rc = err_set(e, WEIR_EIO, "truncate %s: %s", seg->path, strerror(errno));
                close(fd);
                shard_seg_unref(seg);
                break;
            }
            last = 1;
        }
        /* What we serve must be durable even if it was only in the page cache of a crashed process. */
        if (fsync(fd) != 0) {
            rc = err_set(e, WEIR_EIO, "fsync %s: %s", seg->path, strerror(errno));
            close(fd);
            shard_seg_unref(seg);
            break;
        }
        shard_segs_push_locked(sh, seg);
        close(fd); /* the writer fd is opened by the first append (idle shards hold none) */
        if (last && !sh->info.is_closed) {
            sh->active = seg;
        } else {
            seg->is_sealed = 1;
            Err we;
            err_clear(&we);
            if (segment_index_write(ip, &h, &seg->meta, &we) != WEIR_OK)
                log_warn("store: %s", we.msg);
        }
        if (why) {
            i++;
            break;
        }
    }
    /* Segments after a torn one were never acknowledged (a prefix of the log is what survived). */
    for (; rc == WEIR_OK && i < n; i++) {
        ShardSeg *seg = shard_seg_new(sh, bases[i]);
        log_warn("store: %s follows a torn segment; removing it", seg->path);
        shard_seg_unlink(seg);
        shard_seg_unref(seg);
    }
    if (rc == WEIR_OK)
        shard_dir_tidy(sh, bases, n);
    free(bases);
    if (rc != WEIR_OK)
        return rc;

    /* Ends: everything recovered is durable, so visible == written. */
    ShardEnd end = {0};
    if (sh->n_segs) {
        end.seg = sh->segs[sh->n_segs - 1];
        end.off = end.seg->meta.size;
        for (uint32_t k = sh->n_segs; k-- > 0;)
            if (sh->segs[k]->meta.n_records) {
                end.has_rec = 1;
                end.last_seq = sh->segs[k]->meta.last_seq;
                end.last_arrival_ms = sh->segs[k]->meta.max_arrival_ms;
                break;
            }
    }
    sh->written = sh->visible = end;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Appending
 * ------------------------------------------------------------------------------------------------ */

/* Create the segment file for seqs from base (directories as needed) with its header. */
static int shard_seg_create(Shard *sh, uint64_t base, ShardSeg **out, Err *e)
{
    int new_dirs = 0;
    char sd[4096];
    size_t dl = strlen(sh->dir);
    const char *slash = strrchr(sh->dir, '/');
    if (dl >= sizeof(sd) || !slash)
        return err_set(e, WEIR_EIO, "bad shard directory %s", sh->dir);
    memcpy(sd, sh->dir, (size_t)(slash - sh->dir));
    sd[slash - sh->dir] = '\0';
    if (mkdir(sd, 0755) == 0)
        new_dirs = 1;
    else if (errno != EEXIST)
        return err_set(e, WEIR_EIO, "mkdir %s: %s", sd, strerror(errno));
    if (mkdir(sh->dir, 0755) == 0)
        new_dirs = 1;
    else if (errno != EEXIST)
        return err_set(e, WEIR_EIO, "mkdir %s: %s", sh->dir, strerror(errno));

    ShardSeg *seg = shard_seg_new(sh, base);
    seg->fd = open(seg->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (seg->fd < 0) {
        int rc = err_set(e, WEIR_EIO, "create %s: %s", seg->path, strerror(errno));
        shard_seg_unref(seg);
        return rc;
    }
    uint8_t hdr[SEGMENT_HDR_LEN];
    SegmentHeader h = {sh->uid, sh->info.index, base};
    segment_header_encode(hdr, &h);
    if (shard_pwrite_all(seg->fd, hdr, sizeof(hdr), 0) != 0) {
        int rc = err_set(e, WEIR_EIO, "write %s: %s", seg->path, strerror(errno));
        unlink(seg->path);
        shard_seg_unref(seg);
        return rc;
    }
    seg->meta.size = SEGMENT_HDR_LEN;
    seg->needs_dir_sync = 1;
    seg->new_dirs = (unsigned)new_dirs;
    *out = seg;
    return WEIR_OK;
}

int shard_batch_write(Shard *sh, ShardWrite *w, Err *e)
{
    Store *s = sh->s;
    ShardSeg *seg = sh->active; /* only wmu holders change it, and we hold wmu */
    w->rolled = 0;
    if (!seg || (seg->meta.size > SEGMENT_HDR_LEN && seg->meta.size + w->len > s->segment_max_bytes)) {
        ShardSeg *ns;
        int rc = shard_seg_create(sh, w->b.first_seq, &ns, e);
        if (rc)
            return rc;
        pthread_mutex_lock(&sh->mu);
        if (seg) {
            seg->is_sealed = 1;
            seg->needs_index = 1;
            shard_unsynced_add_locked(sh, seg);
        }
        shard_segs_push_locked(sh, ns);
        shard_unsynced_add_locked(sh, ns);
        sh->active = ns;
        pthread_mutex_unlock(&sh->mu);
        store_dirty_add(s, sh);
        seg = ns;
        w->rolled = 1;
    }
    if (seg->fd < 0) {
        /* First append since recovery. The sync thread reads seg->fd only after this append has
         * published under Shard.mu, so the store below is ordered before its use. */
        seg->fd = open(seg->path, O_RDWR | O_CLOEXEC);
        if (seg->fd < 0)
            return err_set(e, WEIR_EIO, "open %s: %s", seg->path, strerror(errno));
    }
    w->seg = seg;
    w->off = seg->meta.size;
    if (shard_pwrite_all(seg->fd, w->batch, w->len, w->off) != 0) {
        int err = errno;
        if (ftruncate(seg->fd, (off_t)w->off) != 0) {
            log_error("store: cannot cut %s back to %" PRIu64 " bytes after a failed write: %s; appends stop",
                      seg->path, w->off, strerror(errno));
            atomic_store(&s->io_error, 1);
        }
        return err_set(e, WEIR_EIO, "write %s: %s", seg->path, strerror(err));
    }
    return WEIR_OK;
}

int shard_write_undo(ShardWrite *w)
{
    if (ftruncate(w->seg->fd, (off_t)w->off) != 0) {
        log_error("store: cannot cut %s back to %" PRIu64 " bytes: %s", w->seg->path, w->off,
                  strerror(errno));
        return -1;
    }
    return 0;
}

/* fsync the directories a new segment's name lives in (and those created with it). */
static int shard_dirs_fsync(Shard *sh, int new_dirs, Err *e)
{
    if (fsio_dir_fsync(sh->dir) != 0)
        return err_set(e, WEIR_EIO, "fsync %s: %s", sh->dir, strerror(errno));
    if (!new_dirs)
        return WEIR_OK;
    char p[4096];
    size_t n = strlen(sh->dir);
    if (n >= sizeof(p))
        return err_set(e, WEIR_EIO, "path too long: %s", sh->dir);
    memcpy(p, sh->dir, n + 1);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(p, '/');
        if (!slash)
            break;
        *slash = '\0';
        if (fsio_dir_fsync(p) != 0)
            return err_set(e, WEIR_EIO, "fsync %s: %s", p, strerror(errno));
    }
    return WEIR_OK;
}

int shard_write_fsync(ShardWrite *w, Err *e)
{
    ShardSeg *seg = w->seg;
    Shard *sh = w->sh;
    if (fsync(seg->fd) != 0)
        return err_set(e, WEIR_EIO, "fsync %s: %s", seg->path, strerror(errno));
    pthread_mutex_lock(&sh->mu);
    int dir = seg->needs_dir_sync, new_dirs = seg->new_dirs;
    pthread_mutex_unlock(&sh->mu);
    if (dir) {
        int rc = shard_dirs_fsync(sh, new_dirs, e);
        if (rc)
            return rc;
        pthread_mutex_lock(&sh->mu);
        seg->needs_dir_sync = 0;
        pthread_mutex_unlock(&sh->mu);
    }
    return WEIR_OK;
}

void shard_write_publish(ShardWrite *w, int make_visible)
{
    Shard *sh = w->sh;
    ShardSeg *seg = w->seg;
    pthread_mutex_lock(&sh->mu);
    segment_meta_add_batch(&seg->meta, &w->b, w->off);
    sh->written.seg = seg;
    sh->written.off = seg->meta.size;
    sh->written.has_rec = 1;
    sh->written.last_seq = w->b.last_seq;
    sh->written.last_arrival_ms = w->b.arrival_ms;
    shard_unsynced_add_locked(sh, seg);
    if (make_visible) {
        sh->visible = sh->written;
        pthread_cond_broadcast(&sh->cv);
    }
    pthread_mutex_unlock(&sh->mu);
}

/* ------------------------------------------------------------------------------------------------
 * Group commit (called from the sync thread and store_close)
 * ------------------------------------------------------------------------------------------------ */

void shard_sync_take(Shard *sh, ShardSyncSnap *snap)
{
    memset(snap, 0, sizeof(*snap));
    snap->sh = sh;
    pthread_mutex_lock(&sh->mu);
    snap->end = sh->written;
    if (snap->end.seg)
        shard_seg_ref(snap->end.seg);
    snap->segs = sh->unsynced;
    snap->n_segs = sh->n_unsynced;
    sh->unsynced = NULL;
    sh->n_unsynced = sh->cap_unsynced = 0;
    if (snap->n_segs)
        snap->was_sealed = xmalloc(snap->n_segs);
    for (uint32_t i = 0; i < snap->n_segs; i++) {
        snap->segs[i]->in_unsynced = 0;
        snap->was_sealed[i] = (uint8_t)snap->segs[i]->is_sealed;
    }
    pthread_mutex_unlock(&sh->mu);
}

int shard_sync_fsync(ShardSyncSnap *snap, int do_fsync, Err *e)
{
    Shard *sh = snap->sh;
    if (!do_fsync)
        return 0;
    for (uint32_t i = 0; i < snap->n_segs; i++) {
        ShardSeg *seg = snap->segs[i];
        /* The fd is closed only by this thread (after the index is written), so it is still open. */
        if (atomic_exchange(&sh->s->test_fail_fsync, 0)) {
            err_set(e, WEIR_EIO, "fsync %s: %s (injected)", seg->path, strerror(EIO));
            return -1;
        }
        if (seg->fd >= 0 && fsync(seg->fd) != 0) {
            err_set(e, WEIR_EIO, "fsync %s: %s", seg->path, strerror(errno));
            return -1;
        }
        pthread_mutex_lock(&sh->mu);
        int dir = seg->needs_dir_sync, new_dirs = seg->new_dirs;
        pthread_mutex_unlock(&sh->mu);
        if (dir) {
            if (shard_dirs_fsync(sh, new_dirs, e) != WEIR_OK)
                return -1;
            pthread_mutex_lock(&sh->mu);
            seg->needs_dir_sync = 0;
            pthread_mutex_unlock(&sh->mu);
        }
    }
    return 0;
}

void shard_sync_finish(ShardSyncSnap *snap, int ok, int advance_visible)
{
    Shard *sh = snap->sh;
    if (ok) {
        pthread_mutex_lock(&sh->mu);
        if (advance_visible && !sh->is_deleted && snap->end.seg && !atomic_load(&snap->end.seg->is_deleted) &&
            shard_end_ahead(&snap->end, &sh->visible)) {
            sh->visible = snap->end;
            pthread_cond_broadcast(&sh->cv);
        }
        pthread_mutex_unlock(&sh->mu);
        /* Segments that were sealed when taken are complete and now durable: write their index
         * files. Their meta no longer changes, so it is read without the lock. */
        for (uint32_t i = 0; i < snap->n_segs; i++) {
            ShardSeg *seg = snap->segs[i];
            if (!snap->was_sealed[i])
                continue;
            pthread_mutex_lock(&sh->mu);
            int todo = seg->needs_index && !atomic_load(&seg->is_deleted);
            pthread_mutex_unlock(&sh->mu);
            if (!todo)
                continue;
            char ip[4096];
            shard_seg_index_path(seg, ip, sizeof(ip));
            SegmentHeader h = {sh->uid, sh->info.index, seg->base_seq};
            Err e;
            err_clear(&e);
            if (segment_index_write(ip, &h, &seg->meta, &e) != WEIR_OK)
                log_warn("store: %s (the segment will be rescanned at the next open)", e.msg);
            pthread_mutex_lock(&sh->mu);
            seg->needs_index = 0;
            pthread_mutex_unlock(&sh->mu);
            if (seg->fd >= 0) {
                close(seg->fd);
                seg->fd = -1;
            }
        }
    }
    for (uint32_t i = 0; i < snap->n_segs; i++)
        shard_seg_unref(snap->segs[i]);
    shard_seg_unref(snap->end.seg);
    free(snap->segs);
    free(snap->was_sealed);
    memset(snap, 0, sizeof(*snap));
}

/* ------------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------------ */

static int shard_corrupt(Err *e, const Shard *sh, const ShardSeg *seg, uint64_t off, const char *why)
{
    log_error("store: shard %u of stream %" PRIu64 ": %s at offset %" PRIu64 " of %s", sh->info.index,
              sh->uid, why, off, seg->path);
    return err_set(e, WEIR_ECORRUPT, "shard %u: %s at offset %" PRIu64 " of %s", sh->info.index, why, off,
                   seg->path);
}

/* The snapshot a read takes (shard_read per call, a cursor at open; caller holds mu): *pos raised to the
 * oldest retained record, then, if it is below end, the segments holding [*pos, the visible end) with a
 * ref on each (the reader unrefs them), the visible byte limit of each, and in *start_off where to
 * start looking for *pos in the first. Returns the number of segments (0: nothing visible at *pos;
 * *segs, *lim and *start_off are then untouched). */
static uint32_t shard_snap_take(Shard *sh, uint64_t *pos, uint64_t end,
                                uint32_t n_inline,   /* entries *segs and *lim already point at */
                                ShardSeg ***segs,    /* replaced by malloc'd arrays when n_inline is short */
                                uint64_t **lim,
                                uint64_t *start_off) /* file offset in (*segs)[0] */
{
    if (*pos < sh->trim_seq)
        *pos = sh->trim_seq;
    if (*pos < sh->info.start_seq)
        *pos = sh->info.start_seq;
    const ShardEnd *vis = &sh->visible;
    if (*pos >= end || !vis->seg || !vis->has_rec || vis->last_seq < *pos)
        return 0;
    int64_t vi = shard_seg_pos(sh, vis->seg);
    if (NEVER(vi < 0))
        return 0;
    uint32_t k = shard_seg_find(sh, (uint32_t)vi + 1, *pos);
    if (k > (uint32_t)vi)
        return 0;
    uint32_t n = (uint32_t)vi - k + 1;
    if (n > n_inline) {
        *segs = xmalloc(n * sizeof(**segs));
        *lim = xmalloc(n * sizeof(**lim));
    }
    for (uint32_t i = 0; i < n; i++) {
        ShardSeg *g = sh->segs[k + i];
        shard_seg_ref(g);
        (*segs)[i] = g;
        (*lim)[i] = g == vis->seg ? vis->off : g->meta.size;
    }
    *start_off = shard_seg_index_seek_seq((*segs)[0], *pos);
    return n;
}

int shard_read(Shard *sh, uint64_t pos, size_t max_records, size_t max_bytes, StoreReadFn fn, void *arg,
               StoreReadResult *res, Err *e)
{
    memset(res, 0, sizeof(*res));
    if (max_records == 0)
        max_records = SIZE_MAX;
    if (max_bytes == 0)
        max_bytes = SIZE_MAX;

    ShardSeg *snap_inline[SHARD_SNAP_INLINE] = {0};
    uint64_t lim_inline[SHARD_SNAP_INLINE];
    ShardSeg **snap = snap_inline;
    uint64_t *lim = lim_inline;
    uint32_t n_snap = 0;
    uint64_t start_off = SEGMENT_HDR_LEN;

    pthread_mutex_lock(&sh->mu);
    if (sh->is_deleted) {
        pthread_mutex_unlock(&sh->mu);
        return err_set(e, WEIR_ENOTFOUND, "shard %u was deleted", sh->info.index);
    }
    int closed = sh->info.is_closed;
    uint64_t end_seq = sh->info.end_seq;
    ShardEnd vis = sh->visible;
    int all_visible = shard_end_same(&sh->visible, &sh->written);
    n_snap = shard_snap_take(sh, &pos, UINT64_MAX, SHARD_SNAP_INLINE, &snap, &lim, &start_off);
    pthread_mutex_unlock(&sh->mu);

    int rc = WEIR_OK, stop = 0, corrupt = 0;
    uint64_t last_ret = 0;
    int64_t last_ret_arrival = 0;
    StoreReadBuf rb = {0};
    if (n_snap)
        store_rbuf_get(sh->s, &rb, SHARD_READ_CHUNK);
    for (uint32_t i = 0; i < n_snap && !stop && rc == WEIR_OK; i++) {
        ShardSeg *seg = snap[i];
        uint64_t off = i == 0 ? start_off : SEGMENT_HDR_LEN, limit = lim[i];
        if (off >= limit)
            continue;
        int fd = open(seg->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT && atomic_load(&seg->is_deleted))
                continue; /* deleted by retention before we got to it: its records are gone */
            rc = err_set(e, WEIR_EIO, "open %s: %s", seg->path, strerror(errno));
            break;
        }
        SegmentReader r = {.fd = fd, .limit = limit, .p = rb.p, .cap = rb.cap};
        while (off < limit && !stop) {
            const char *why = NULL;
            int eof;
            if (limit - off < SEGMENT_BATCH_HDR_LEN) {
                why = "visible data ends inside a batch header";
                goto bad;
            }
            const uint8_t *p = segment_reader_get(&r, off, SEGMENT_BATCH_HDR_LEN, &eof);
            if (!p)
                goto read_failed;
            SegmentBatch b;
            if (segment_batch_decode(p, &b, &why) != WEIR_OK)
                goto bad;
            uint64_t total = SEGMENT_BATCH_HDR_LEN + (uint64_t)b.payload_len;
            if (total > limit - off) {
                why = "batch length past the visible end";
                goto bad;
            }
            if (b.last_seq < pos) {
                off += total;
                continue;
            }
            p = segment_reader_get(&r, off, (size_t)total, &eof);
            if (!p)
                goto read_failed;
            if (segment_batch_verify(p, &b, &why) != WEIR_OK)
                goto bad;
            SegmentRecordIter it;
            SegmentRecord rec;
            segment_record_iter_init(&it, p, &b);
            while (segment_record_next(&it, &rec) == 1) {
                if (rec.seq < pos)
                    continue;
                size_t nb = rec.key.n + rec.data.n;
                if (res->n_records > 0 && (res->n_bytes >= max_bytes || nb > max_bytes - res->n_bytes)) {
                    stop = 1;
                    break;
                }
                StoreRecordView v = {rec.seq, b.arrival_ms, rec.key, rec.data};
                res->n_records++;
                res->n_bytes += nb;
                last_ret = rec.seq;
                last_ret_arrival = b.arrival_ms;
                if (fn(arg, &v) || res->n_records >= max_records) {
                    stop = 1;
                    break;
                }
            }
            off += total;
            continue;
        read_failed:
            if (eof) {
                why = "segment file shorter than its visible data";
                goto bad;
            }
            rc = err_set(e, WEIR_EIO, "read %s: %s", seg->path, strerror(errno));
            break;
        bad:
            corrupt = 1;
            if (res->n_records == 0)
                rc = shard_corrupt(e, sh, seg, off, why);
            else
                shard_corrupt(NULL, sh, seg, off, why);
            stop = 1;
        }
        rb.p = r.p;
        rb.cap = r.cap;
        close(fd);
    }
    if (n_snap)
        store_rbuf_put(sh->s, &rb);
    for (uint32_t i = 0; i < n_snap; i++)
        shard_seg_unref(snap[i]);
    if (snap != snap_inline) {
        free(snap);
        free(lim);
    }
    if (rc != WEIR_OK && res->n_records == 0)
        return rc;

    uint64_t next = res->n_records ? last_ret + 1 : pos;
    /* Read to the visible end without stopping: everything visible below it has been seen. */
    if (!stop && !corrupt && rc == WEIR_OK && vis.has_rec && next <= vis.last_seq)
        next = vis.last_seq + 1;
    int exhausted = !vis.has_rec || next > vis.last_seq;
    res->is_end = closed && all_visible && exhausted && !corrupt;
    if (res->is_end && next < end_seq)
        next = end_seq;
    res->next_pos = next;
    res->tip_arrival_ms = vis.has_rec ? vis.last_arrival_ms : 0;
    if (exhausted) {
        res->millis_behind = 0;
    } else {
        int64_t behind = clock_now_ms() - (res->n_records ? last_ret_arrival : vis.last_arrival_ms);
        res->millis_behind = behind > 0 ? behind : 0;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Cursors: bulk zero-copy reads for scans (store_cursor_*)
 *
 * A cursor snapshots, at open, the segments holding [pos, visible end) with refs and the byte limit
 * of each (shard_snap_take, the snapshot shard_read takes per call), then walks them batch by batch
 * without the lock. Instead of pread-ing into a buffer and copying each record out through a callback, it maps
 * a window of the segment file (SHARD_MAP_WINDOW bytes, or one whole batch if that is bigger) and
 * hands out views into the mapping: the CPU reads the page cache directly, once. A window is a
 * refcounted StorePin: the cursor holds one ref while it reads from it, and every store_cursor_next
 * that returns records from it gives the caller another, so the mapping goes away when the last
 * batch using it is released. One call returns records of one window only.
 *
 * Checks are store_read's: every batch's header, length, CRC and record encoding (walked once, as the
 * views are filled) before any of its records is handed out. Bytes below the visible end never
 * change and segment files are never truncated below it while the process runs, so a mapped window
 * cannot shrink under a reader (a file deleted by retention stays mapped until unmapped). A batch is
 * returned whole when it fits the caller's limits; when it does not (the first batch is bigger than
 * max_records, or pos starts inside it) the rest of it is returned by the next call without checking
 * its CRC again.
 * ------------------------------------------------------------------------------------------------ */

#define SHARD_MAP_WINDOW ((size_t)8 << 20)

struct StorePin {
    atomic_int refs;
    void *base;
    size_t len;
    uint64_t off; /* file offset of base */
};

struct StoreCursor {
    Shard *sh;
    ShardSeg **segs; /* snapshot (refs held) */
    uint64_t *lim;   /* visible byte limit of each */
    uint32_t n_segs;
    uint32_t cur;    /* segment being read */
    int fd;          /* of segs[cur], or -1 */
    uint64_t off;    /* next batch in segs[cur] */
    uint64_t pos;    /* next counter wanted */
    uint64_t end;    /* exclusive */
    StorePin *map;   /* window of segs[cur] (the cursor's ref), or NULL */
    int has_verified; /* the batch at off was checked (a partial read stopped inside it) */
    int is_done;
    int err_rc; /* sticky error, with err */
    Err err;
};

void store_pin_release(StorePin *pin)
{
    if (!pin)
        return;
    int old = atomic_fetch_sub(&pin->refs, 1);
    if (old > 1)
        return;
    if (NEVER(old < 1))
        weir_panic("store pin refcount below zero");
    munmap(pin->base, pin->len);
    free(pin);
}

int shard_cursor_open(Shard *sh, uint64_t pos, uint64_t end, StoreCursor **out, Err *e)
{
    *out = NULL;
    StoreCursor *c = xcalloc(1, sizeof(*c));
    c->fd = -1;
    c->off = SEGMENT_HDR_LEN;
    c->end = end;
    pthread_mutex_lock(&sh->mu);
    if (sh->is_deleted) {
        pthread_mutex_unlock(&sh->mu);
        free(c);
        return err_set(e, WEIR_ENOTFOUND, "shard %u was deleted", sh->info.index);
    }
    c->n_segs = shard_snap_take(sh, &pos, end, 0, &c->segs, &c->lim, &c->off);
    c->pos = pos;
    pthread_mutex_unlock(&sh->mu);
    shard_ref(sh);
    c->sh = sh;
    c->is_done = c->n_segs == 0;
    *out = c;
    return WEIR_OK;
}

static void shard_cursor_drop_map(StoreCursor *c)
{
    store_pin_release(c->map);
    c->map = NULL;
}

/* Leave the current segment for the next one. */
static void shard_cursor_next_seg(StoreCursor *c)
{
    shard_cursor_drop_map(c);
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->cur++;
    c->off = SEGMENT_HDR_LEN;
    c->has_verified = 0;
    if (c->cur >= c->n_segs)
        c->is_done = 1;
}

/* Map a window of segs[cur] starting at the page holding off and covering at least [off, off + need).
 * Returns WEIR_OK, 1 when the segment was deleted before it could be opened (skip it), or WEIR_EIO. */
static int shard_cursor_map(StoreCursor *c, uint64_t need, Err *e)
{
    static size_t page;
    if (!page) {
        long ps = sysconf(_SC_PAGESIZE);
        page = ps > 0 ? (size_t)ps : 4096;
    }
    ShardSeg *seg = c->segs[c->cur];
    uint64_t lim = c->lim[c->cur];
    if (c->fd < 0) {
        c->fd = open(seg->path, O_RDONLY | O_CLOEXEC);
        if (c->fd < 0) {
            if (errno == ENOENT && atomic_load(&seg->is_deleted))
                return 1; /* deleted by retention before we got to it: its records are gone */
            return err_set(e, WEIR_EIO, "open %s: %s", seg->path, strerror(errno));
        }
    }
    shard_cursor_drop_map(c);
    uint64_t start = c->off - c->off % page;
    uint64_t want = c->off - start + (need > SHARD_MAP_WINDOW ? need : SHARD_MAP_WINDOW);
    if (want > lim - start)
        want = lim - start; /* never map whole pages past the visible end: they may not exist yet */
    /* MAP_POPULATE: one call maps the whole window (the pages are in the page cache after the append
     * or are read ahead now) instead of a fault per few pages as the scan touches them. */
    void *p = mmap(NULL, (size_t)want, PROT_READ, MAP_SHARED | MAP_POPULATE, c->fd, (off_t)start);
    if (p == MAP_FAILED)
        return err_set(e, WEIR_EIO, "mmap %s: %s", seg->path, strerror(errno));
    StorePin *m = xmalloc(sizeof(*m));
    atomic_init(&m->refs, 1);
    m->base = p;
    m->len = (size_t)want;
    m->off = start;
    c->map = m;
    return WEIR_OK;
}

/* Is [off, off + n) inside the current window? */
static int shard_cursor_mapped(const StoreCursor *c, uint64_t off, uint64_t n)
{
    return c->map && off >= c->map->off && off + n <= c->map->off + c->map->len;
}

/* Make the error in err sticky (every later call returns it). */
static int shard_cursor_fail(StoreCursor *c, const Err *err)
{
    c->err_rc = err->code ? err->code : WEIR_EIO;
    c->err = *err;
    c->is_done = 1;
    return c->err_rc;
}

int store_cursor_next(StoreCursor *c, size_t max_records, size_t max_bytes, StoreRecordView *v, size_t *n_out,
                      StorePin **pin, Err *e)
{
    *n_out = 0;
    *pin = NULL;
    if (c->err_rc) {
        *e = c->err;
        return c->err_rc;
    }
    if (max_records == 0)
        max_records = 1;
    if (max_bytes == 0)
        max_bytes = SIZE_MAX;
    Shard *sh = c->sh;
    size_t n = 0, bytes = 0;
    Err err;
    err_clear(&err);
    while (!c->is_done) {
        ShardSeg *seg = c->segs[c->cur];
        uint64_t lim = c->lim[c->cur];
        const char *why = NULL;
        if (c->off >= lim) {
            if (n)
                break; /* one window per call */
            shard_cursor_next_seg(c);
            continue;
        }
        if (lim - c->off < SEGMENT_BATCH_HDR_LEN) {
            why = "visible data ends inside a batch header";
            goto bad;
        }
        if (!shard_cursor_mapped(c, c->off, SEGMENT_BATCH_HDR_LEN)) {
            if (n)
                break;
            int rc = shard_cursor_map(c, SEGMENT_BATCH_HDR_LEN, &err);
            if (rc == 1) {
                shard_cursor_next_seg(c);
                continue;
            }
            if (rc)
                goto failed;
        }
        const uint8_t *p = (const uint8_t *)c->map->base + (c->off - c->map->off);
        SegmentBatch b;
        if (segment_batch_decode(p, &b, &why) != WEIR_OK)
            goto bad;
        uint64_t total = SEGMENT_BATCH_HDR_LEN + (uint64_t)b.payload_len;
        if (total > lim - c->off) {
            why = "batch length past the visible end";
            goto bad;
        }
        if (b.last_seq < c->pos) {
            c->off += total;
            c->has_verified = 0;
            continue;
        }
        if (b.first_seq >= c->end) {
            c->is_done = 1;
            break;
        }
        /* a batch that does not fit what is left of this call is left whole for the next one */
        if (n && (n + b.n_records > max_records || bytes + b.payload_len > max_bytes))
            break;
        if (!shard_cursor_mapped(c, c->off, total)) {
            if (n)
                break;
            int rc = shard_cursor_map(c, total, &err);
            if (rc == 1) {
                shard_cursor_next_seg(c);
                continue;
            }
            if (rc)
                goto failed;
            p = (const uint8_t *)c->map->base + (c->off - c->map->off);
        }
        if (!c->has_verified && !segment_batch_crc_ok(p, &b)) {
            why = "batch CRC mismatch";
            goto bad;
        }
        /* One walk checks the record encoding (as segment_batch_verify does) and fills the views; the
         * views of this batch count only if the whole batch checks out. */
        SegmentRecordIter it;
        SegmentRecord r;
        segment_record_iter_init(&it, p, &b);
        size_t n0 = n, bytes0 = bytes;
        uint64_t prev = 0;
        uint32_t i = 0;
        int rc, partial = 0, past_end = 0;
        while ((rc = segment_record_next(&it, &r)) == 1) {
            if ((i == 0 && r.seq != b.first_seq) || (i > 0 && r.seq <= prev) || r.seq > b.last_seq) {
                rc = -2;
                break;
            }
            prev = r.seq;
            i++;
            if (r.seq < c->pos || partial || past_end)
                continue;
            if (r.seq >= c->end) {
                past_end = 1;
                continue;
            }
            size_t nb = r.key.n + r.data.n;
            if (n == max_records || (n && (bytes >= max_bytes || nb > max_bytes - bytes))) {
                partial = 1;
                continue;
            }
            v[n++] = (StoreRecordView){r.seq, b.arrival_ms, r.key, r.data};
            bytes += nb;
        }
        if (rc == -2 || rc < 0 || it.p != it.end || prev != b.last_seq) {
            n = n0;
            bytes = bytes0;
            why = rc == -2 ? "batch record sequence out of order"
                  : rc < 0 ? "bad record encoding"
                           : "batch records do not fill the payload";
            goto bad;
        }
        if (n > n0)
            c->pos = v[n - 1].seq + 1;
        if (past_end) {
            c->is_done = 1;
            break;
        }
        if (partial) {
            c->has_verified = 1; /* the rest of this batch comes with the next call */
            break;
        }
        c->off += total;
        c->has_verified = 0;
        continue;
    bad:
        shard_corrupt(&err, sh, seg, c->off, why);
    failed:
        /* records read before the bad batch are handed out first; the error comes with the next call */
        shard_cursor_fail(c, &err);
        if (!n) {
            *e = err;
            return c->err_rc;
        }
        break;
    }
    if (n) {
        atomic_fetch_add(&c->map->refs, 1);
        *pin = c->map;
    }
    *n_out = n;
    return WEIR_OK;
}

uint64_t store_cursor_pos(const StoreCursor *c)
{
    return c->pos;
}

void store_cursor_close(StoreCursor **cp)
{
    if (!cp || !*cp)
        return;
    StoreCursor *c = *cp;
    shard_cursor_drop_map(c);
    if (c->fd >= 0)
        close(c->fd);
    for (uint32_t i = 0; i < c->n_segs; i++)
        shard_seg_unref(c->segs[i]);
    free(c->segs);
    free(c->lim);
    shard_unref(c->sh);
    free(c);
    *cp = NULL;
}

/* AT_TIMESTAMP: the seq of the first visible batch with arrival >= ts, or the tip. */
static int shard_seek_time(Shard *sh, int64_t ts, uint64_t *pos, Err *e)
{
    pthread_mutex_lock(&sh->mu);
    ShardEnd vis = sh->visible;
    uint64_t tip = vis.has_rec ? vis.last_seq + 1 : sh->trim_seq;
    if (tip < sh->info.start_seq)
        tip = sh->info.start_seq;
    ShardSeg *seg = NULL;
    uint64_t off = SEGMENT_HDR_LEN, limit = 0;
    int64_t vi = vis.seg ? shard_seg_pos(sh, vis.seg) : -1;
    for (int64_t i = 0; i <= vi; i++) {
        ShardSeg *g = sh->segs[i];
        if (g->meta.n_records && g->meta.max_arrival_ms >= ts) {
            seg = g;
            shard_seg_ref(seg);
            off = shard_seg_index_seek_time(g, ts);
            limit = g == vis.seg ? vis.off : g->meta.size;
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    *pos = tip;
    if (!seg)
        return WEIR_OK;

    int rc = WEIR_OK;
    int fd = open(seg->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (!(errno == ENOENT && atomic_load(&seg->is_deleted)))
            rc = err_set(e, WEIR_EIO, "open %s: %s", seg->path, strerror(errno));
        shard_seg_unref(seg);
        return rc; /* a deleted segment: its records are gone; the tip is a valid answer */
    }
    StoreReadBuf rb = {0};
    store_rbuf_get(sh->s, &rb, 64u << 10);
    SegmentReader r = {.fd = fd, .limit = limit, .p = rb.p, .cap = rb.cap};
    while (off + SEGMENT_BATCH_HDR_LEN <= limit) {
        int eof;
        const char *why = NULL;
        const uint8_t *p = segment_reader_get(&r, off, SEGMENT_BATCH_HDR_LEN, &eof);
        if (!p) {
            rc = eof ? shard_corrupt(e, sh, seg, off, "segment file shorter than its visible data")
                     : err_set(e, WEIR_EIO, "read %s: %s", seg->path, strerror(errno));
            break;
        }
        SegmentBatch b;
        if (segment_batch_decode(p, &b, &why) != WEIR_OK) {
            rc = shard_corrupt(e, sh, seg, off, why);
            break;
        }
        if (b.arrival_ms >= ts) {
            *pos = b.first_seq;
            break;
        }
        off += SEGMENT_BATCH_HDR_LEN + (uint64_t)b.payload_len;
    }
    rb.p = r.p;
    rb.cap = r.cap;
    store_rbuf_put(sh->s, &rb);
    close(fd);
    shard_seg_unref(seg);
    return rc;
}

int shard_seek(Shard *sh, int type, uint64_t seq, int64_t ts_ms, uint64_t *pos, Err *e)
{
    pthread_mutex_lock(&sh->mu);
    if (sh->is_deleted) {
        pthread_mutex_unlock(&sh->mu);
        return err_set(e, WEIR_ENOTFOUND, "shard %u was deleted", sh->info.index);
    }
    uint64_t start = sh->info.start_seq;
    int rc = WEIR_OK;
    switch (type) {
    case STORE_AT_SEQUENCE:
    case STORE_AFTER_SEQUENCE:
        if (seq < start || (sh->info.is_closed && seq >= sh->info.end_seq))
            rc = err_set(e, WEIR_EINVAL, "sequence number %" PRIu64 " is outside the range of shard %u", seq,
                         sh->info.index);
        else
            *pos = type == STORE_AT_SEQUENCE ? seq : seq + 1;
        break;
    case STORE_TRIM_HORIZON:
        *pos = sh->trim_seq > start ? sh->trim_seq : start;
        break;
    case STORE_LATEST: {
        uint64_t p = sh->visible.has_rec ? sh->visible.last_seq + 1 : sh->trim_seq;
        *pos = p > start ? p : start;
        break;
    }
    case STORE_AT_TIMESTAMP:
        pthread_mutex_unlock(&sh->mu);
        return shard_seek_time(sh, ts_ms, pos, e);
    default:
        rc = err_set(e, WEIR_EINVAL, "unknown iterator type %d", type);
    }
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

int shard_wait(Shard *sh, uint64_t pos, int timeout_ms, Err *e)
{
    struct timespec dl;
    clock_gettime(CLOCK_MONOTONIC, &dl);
    if (timeout_ms < 0)
        timeout_ms = 0;
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int rc = WEIR_OK;
    pthread_mutex_lock(&sh->mu);
    for (;;) {
        if (sh->is_deleted) {
            rc = err_set(e, WEIR_ENOTFOUND, "shard %u was deleted", sh->info.index);
            break;
        }
        if (sh->visible.has_rec && sh->visible.last_seq >= pos)
            break;
        if (sh->info.is_closed && shard_end_same(&sh->visible, &sh->written))
            break;
        if (pthread_cond_timedwait(&sh->cv, &sh->mu, &dl) == ETIMEDOUT) {
            if (sh->visible.has_rec && sh->visible.last_seq >= pos)
                break;
            rc = WEIR_EAGAIN;
            break;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Retention
 * ------------------------------------------------------------------------------------------------ */

int shard_retention(Shard *sh, int64_t cutoff_ms, int *trim_changed)
{
    *trim_changed = 0;
    pthread_mutex_lock(&sh->mu);
    if (sh->is_deleted) {
        pthread_mutex_unlock(&sh->mu);
        return 0;
    }
    int64_t vi = sh->visible.seg ? shard_seg_pos(sh, sh->visible.seg) : -1;
    uint32_t n_del = 0;
    while (n_del < sh->n_segs) {
        ShardSeg *g = sh->segs[n_del];
        int is_last = n_del + 1 == sh->n_segs;
        /* The newest segment of an open shard stays (the active one, or the one the next roll follows):
         * it carries the shard's highest seq across restarts. */
        if (is_last && !sh->info.is_closed)
            break;
        if (g == sh->active || !g->is_sealed || g->needs_index)
            break;
        if ((int64_t)n_del > vi)
            break;
        if ((int64_t)n_del == vi &&
            !(is_last && sh->visible.off == g->meta.size && shard_end_same(&sh->visible, &sh->written)))
            break;
        if (g->meta.n_records && g->meta.max_arrival_ms >= cutoff_ms)
            break;
        n_del++;
    }
    ShardSeg **del = NULL;
    if (n_del) {
        del = xmalloc(n_del * sizeof(*del));
        memcpy(del, sh->segs, n_del * sizeof(*del));
        memmove(sh->segs, sh->segs + n_del, (sh->n_segs - n_del) * sizeof(*sh->segs));
        sh->n_segs -= n_del;
        for (uint32_t i = 0; i < n_del; i++) {
            ShardSeg *g = del[i];
            atomic_store(&g->is_deleted, 1);
            if (g->meta.n_records && g->meta.last_seq + 1 > sh->trim_seq) {
                sh->trim_seq = g->meta.last_seq + 1;
                *trim_changed = 1;
            }
            if (sh->visible.seg == g)
                sh->visible.seg = NULL, sh->visible.off = 0;
            if (sh->written.seg == g)
                sh->written.seg = NULL, sh->written.off = 0;
        }
    }
    pthread_mutex_unlock(&sh->mu);
    for (uint32_t i = 0; i < n_del; i++) {
        log_info("store: retention removed %s", del[i]->path);
        shard_seg_unlink(del[i]);
        shard_seg_unref(del[i]);
    }
    free(del);
    return (int)n_del;
}
