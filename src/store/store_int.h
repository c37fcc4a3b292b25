/*
 * store_int.h: the store's private header: the in-memory objects behind store.h (Store, Stream,
 * Shard, ShardSeg), the catalog interface (catalog.c) and the shard-log interface (shard.c) that
 * store.c drives. Nothing outside src/store/ includes it (tests do, to reach internals).
 *
 * Objects and owners
 *   Store   owns the stream table (sorted by name), the catalog, the sync thread and its queues.
 *   Stream  refcounted; the table holds one ref, every in-flight call another. Holds refs on its
 *           shards (array by shard index) and the routing table of its open shards.
 *   Shard   refcounted; the stream and the sync thread's dirty list hold refs. Owns the list of its
 *           segment files (ShardSeg) in seq order.
 *   ShardSeg refcounted; the shard's list, readers in flight and the sync thread's snapshot hold refs.
 *           A segment deleted by retention is unlinked at once; readers that still hold it keep
 *           working (they reopen by path and treat ENOENT as "deleted", or already have the fd).
 *
 * Locks, in the only order they may be taken (never the reverse):
 *   Stream.wmu  ->  Store.cat_mu  ->  Store.mu  ->  Stream.mu  ->  Shard.mu  ->  Store.sync_mu
 *   (Store.rbuf_mu is a leaf, taken alone.)
 *   Stream.wmu   the writer lock: appends, resharding, metadata changes and delete serialise on it.
 *                Writes to segment files happen under it (and under no other lock), so readers and
 *                the sync thread never wait for a write() or fsync() of an append.
 *   Store.cat_mu the SQLite connection.
 *   Store.mu     the stream table (lookups hold it only to take a ref).
 *   Stream.mu    shards array, routes, tags, retention: changed under wmu + mu, read under either.
 *   Shard.mu     the segment list, the committed ("written") and durable ("visible") ends, index
 *                entries of the active segment, closed state. Held for microseconds.
 *   Store.sync_mu generations, the dirty-shard list, sync waiters, trash, the sticky I/O error.
 */
#ifndef WEIR_STORE_STORE_INT_H
#define WEIR_STORE_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "store/segment.h"
#include "store/store.h"

typedef struct Catalog Catalog;
typedef struct Shard Shard;
typedef struct Stream Stream;

/* ------------------------------------------------------------------------------------------------
 * Catalog (catalog.c): SQLite in WAL mode with synchronous=FULL, so a committed change is durable
 * when the call returns. One connection, used under Store.cat_mu.
 * ------------------------------------------------------------------------------------------------ */

/* Open or create the catalog at path (schema created if missing). Caller owns *out. WEIR_EIO. */
int catalog_open(const char *path, Catalog **out, Err *e) WEIR_WARN_UNUSED;
void catalog_close(Catalog **c);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int catalog_begin(Catalog *c, Err *e) WEIR_WARN_UNUSED;
int catalog_commit(Catalog *c, Err *e) WEIR_WARN_UNUSED;
void catalog_rollback(Catalog *c);
/* Insert a stream row (name, region, account, status, mode, retention, created_ms from info);
 * *uid gets the AUTOINCREMENT id, never reused. WEIR_EEXIST if the name is taken. */
int catalog_stream_insert(Catalog *c, const StreamInfo *info, uint64_t *uid, Err *e) WEIR_WARN_UNUSED;
/* Delete a stream's row, shards and tags. */
int catalog_stream_delete(Catalog *c, uint64_t uid, Err *e) WEIR_WARN_UNUSED;
int catalog_stream_set_retention(Catalog *c, uint64_t uid, int hours, Err *e) WEIR_WARN_UNUSED;
/* Insert a shard row or update its closing fields (is_closed, end_seq, closed_ms). */
int catalog_shard_put(Catalog *c, uint64_t uid, const ShardInfo *sh, Err *e) WEIR_WARN_UNUSED;
/* Record the trim position of a shard (the lowest seq retention has not deleted). */
int catalog_shard_set_trim(Catalog *c, uint64_t uid, uint32_t index, uint64_t trim_seq,
                           Err *e) WEIR_WARN_UNUSED;
int catalog_tag_put(Catalog *c, uint64_t uid, const char *key, const char *value, Err *e) WEIR_WARN_UNUSED;
int catalog_tag_delete(Catalog *c, uint64_t uid, const char *key, Err *e) WEIR_WARN_UNUSED;

/* Callbacks for catalog_load: every stream (by uid), then every shard (by uid, index), then every tag
 * (by uid, key). Each returns WEIR_OK or an error that stops the load. */
typedef struct CatalogLoader {
    void *arg;
    int (*stream)(void *arg, const StreamInfo *info, Err *e); /* no shards/tags filled in */
    int (*shard)(void *arg, uint64_t uid, const ShardInfo *sh, uint64_t trim_seq, Err *e);
    int (*tag)(void *arg, uint64_t uid, const char *key, const char *value, Err *e);
} CatalogLoader;
int catalog_load(Catalog *c, const CatalogLoader *l, Err *e) WEIR_WARN_UNUSED;

/* ------------------------------------------------------------------------------------------------
 * Shard logs (shard.c)
 * ------------------------------------------------------------------------------------------------ */

/* One segment file of a shard. Fields marked (mu) are guarded by the owning Shard.mu. */
typedef struct ShardSeg {
    atomic_int refs;
    uint64_t base_seq; /* from the file name; <= every seq in it */
    char *path;        /* ".../<base %020>.seg"; the index is the same with ".idx" */
    /* Writer fd of the active segment (opened by the first append after recovery) or of a sealed
     * one not yet synced; -1 if none. Only the appender (under Stream.wmu) and the sync thread use
     * it; readers open their own. */
    int fd;
    SegmentMeta meta;            /* (mu) size = committed bytes; counts, seqs, arrivals, sparse index */
    unsigned is_sealed : 1;      /* (mu) no more appends; an index file is (to be) written */
    unsigned needs_index : 1;    /* (mu) sealed, index file not yet written */
    unsigned in_unsynced : 1;    /* (mu) listed in Shard.unsynced */
    unsigned needs_dir_sync : 1; /* (mu) new file: its directory entry is not yet fsynced */
    unsigned new_dirs : 1;       /* (mu) the shard/stream directories were created with it */
    atomic_int is_deleted;       /* unlinked by retention or stream delete */
} ShardSeg;

/* Where a shard's log ends: seg (NULL = nothing) and the byte offset within it, plus the newest
 * record's seq and arrival (has_rec = 0 when no record at all). */
typedef struct ShardEnd {
    ShardSeg *seg;
    uint64_t off;
    int has_rec;
    uint64_t last_seq;
    int64_t last_arrival_ms;
} ShardEnd;

struct Shard {
    atomic_int refs;
    Store *s;
    uint64_t uid;
    char *dir;      /* DATA_DIR/streams/<uid>/<index> */
    ShardInfo info; /* index/range/parents/start immutable; is_closed, end_seq, closed_ms (mu) */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast when visible advances, on close, on delete */
    ShardSeg **segs;   /* (mu) in seq order */
    uint32_t n_segs, cap_segs;
    ShardSeg *active;    /* (mu) the segment appends go to, NULL if none yet or last one sealed */
    ShardEnd written;    /* (mu) committed end: whole batches written by completed appends */
    ShardEnd visible;    /* (mu) durable end: what readers may see; only moves forward */
    uint64_t trim_seq;   /* (mu) lowest seq retention kept: records below it are gone */
    ShardSeg **unsynced; /* (mu) segments written (or sealed) since the sync thread last took them */
    uint32_t n_unsynced, cap_unsynced;
    int in_dirty;   /* (Store.sync_mu) listed in Store.dirty */
    int is_deleted; /* (mu) its stream was deleted */
};

/* One shard's part of an append, prepared by store.c, written by shard_batch_write. */
typedef struct ShardWrite {
    Shard *sh;
    uint8_t *batch; /* header + payload, sealed (CRC computed) */
    size_t len;
    SegmentBatch b;
    /* filled by shard_batch_write: */
    ShardSeg *seg; /* segment written to */
    uint64_t off;  /* where the batch starts */
    int rolled;    /* a new segment was created for it */
} ShardWrite;

/* A sync round's view of one shard (shard_sync_take / shard_sync_finish). */
typedef struct ShardSyncSnap {
    Shard *sh;
    ShardEnd end;    /* written end at snapshot time (segment ref held if seg != NULL) */
    ShardSeg **segs; /* unsynced segments taken (refs held) */
    uint8_t *was_sealed;
    uint32_t n_segs;
} ShardSyncSnap;

Shard *shard_create(Store *s, uint64_t uid, const ShardInfo *info, uint64_t trim_seq);
void shard_ref(Shard *sh);
void shard_unref(Shard *sh);
void shard_seg_unref(ShardSeg *seg);
/* Load and recover the shard's segment files (index files trusted when intact; other segments scanned
 * with CRC checks, a torn tail truncated, later segments dropped). WEIR_EIO. */
int shard_recover(Shard *sh, Err *e) WEIR_WARN_UNUSED;
/* Write w's batch to the shard (rolling to a new segment if needed). Nothing is published: on
 * failure the file is cut back and the shard is as before. Caller holds Stream.wmu. WEIR_EIO. */
int shard_batch_write(Shard *sh, ShardWrite *w, Err *e) WEIR_WARN_UNUSED;
/* fsync what w wrote (and the directory if a segment was created): FSYNC_ALWAYS. */
int shard_write_fsync(ShardWrite *w, Err *e) WEIR_WARN_UNUSED;
/* Undo a successful shard_batch_write of an append that failed elsewhere. Returns 0, or -1 if the
 * file could not be cut back (the store must then stop appending). */
int shard_write_undo(ShardWrite *w);
/* Commit w into the shard's written end (and visible end too if make_visible). Caller holds wmu. */
void shard_write_publish(ShardWrite *w, int make_visible);
/* Mark the shard closed at end_seq (closed_ms) and seal its active segment. Caller holds wmu. */
void shard_close_log(Shard *sh, uint64_t end_seq, int64_t closed_ms);
/* Mark deleted (waiters get ENOTFOUND) and drop the segment list; files are removed by the caller. */
void shard_mark_deleted(Shard *sh);

/* Sync thread: take the written end and unsynced segments; fsync them (0 or -1 with *e); make the
 * end visible and write index files of sealed segments; release the snapshot. */
void shard_sync_take(Shard *sh, ShardSyncSnap *snap);
int shard_sync_fsync(ShardSyncSnap *snap, int do_fsync, Err *e);
void shard_sync_finish(ShardSyncSnap *snap, int ok, int advance_visible);

int shard_seek(Shard *sh, int type, uint64_t seq, int64_t ts_ms, uint64_t *pos, Err *e) WEIR_WARN_UNUSED;
int shard_read(Shard *sh, uint64_t pos, size_t max_records, size_t max_bytes, StoreReadFn fn, void *arg,
               StoreReadResult *res, Err *e) WEIR_WARN_UNUSED;
int shard_wait(Shard *sh, uint64_t pos, int timeout_ms, Err *e) WEIR_WARN_UNUSED;
/* store_cursor_open on a shard: the cursor takes its own ref on sh. */
int shard_cursor_open(Shard *sh, uint64_t pos, uint64_t end, StoreCursor **out, Err *e) WEIR_WARN_UNUSED;
/* Delete whole segments whose newest record arrived before cutoff_ms. Returns how many; *trim_changed
 * is set if the shard's trim_seq moved (the caller records it in the catalog). */
int shard_retention(Shard *sh, int64_t cutoff_ms, int *trim_changed);
/* Newest record seq (if any) and arrival among everything written. */
void shard_written_end(Shard *sh, int *has_rec, uint64_t *last_seq, int64_t *last_arrival_ms);

/* ------------------------------------------------------------------------------------------------
 * Streams and the store (store.c)
 * ------------------------------------------------------------------------------------------------ */

/* One shard's slice of an append being encoded (store.c). */
typedef struct StreamAppendPart {
    uint32_t route; /* index into Stream.routes */
    uint32_t n;     /* records */
    size_t first_i; /* first and last entry index of the append going to this shard */
    size_t last_i;
    size_t payload; /* payload bytes */
    size_t at;      /* offset of the batch in Stream.scratch */
    size_t cursor;  /* encoding position */
} StreamAppendPart;

/* An open shard's routing entry (sorted by hash_lo, covering 0..2^128-1 without gaps). */
typedef struct StreamRoute {
    u128 lo, hi;
    Shard *sh;
} StreamRoute;

struct Stream {
    atomic_int refs;
    char name[STORE_NAME_MAX + 1];
    uint64_t uid;
    char region[32];
    char account[13];
    int mode;
    int64_t created_ms;
    pthread_mutex_t wmu; /* the writer lock */
    pthread_mutex_t mu;  /* metadata below */
    int retention_hours; /* (wmu+mu) */
    Shard **shards;      /* (wmu+mu) by index, open and closed */
    uint32_t n_shards, cap_shards;
    StreamRoute *routes; /* (wmu+mu) open shards by hash range */
    uint32_t n_routes;
    StreamTag *tags; /* (wmu+mu) sorted by key */
    uint32_t n_tags, cap_tags;
    _Atomic uint64_t next_seq; /* the counter; advanced under wmu */
    int64_t last_arrival_ms;   /* (wmu) arrival times never go backwards within a stream */
    int is_deleted;            /* (wmu) */
    /* append scratch (wmu) */
    Buf scratch;       /* the encoded batches of one append */
    uint32_t *part_of; /* entry -> part */
    size_t cap_part_of;
    int32_t *route_part; /* route -> part, -1 when unused; n_routes long */
    StreamAppendPart *parts;
    ShardWrite *writes;
    size_t cap_parts;
};

/* A sync waiter. */
typedef struct StoreWaiter {
    uint64_t token;
    StoreSyncFn fn;
    void *arg;
    int rc;
} StoreWaiter;

/* A pooled read buffer. */
typedef struct StoreReadBuf {
    uint8_t *p;
    size_t cap;
} StoreReadBuf;

struct Store {
    char *dir;
    int fsync_mode;
    uint64_t segment_max_bytes;
    void (*notify)(void *arg);
    void *notify_arg;
    int lock_fd;

    Catalog *cat;
    pthread_mutex_t cat_mu;

    pthread_mutex_t mu;
    Stream **streams; /* (mu) sorted by name */
    size_t n_streams, cap_streams;

    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    pthread_t sync_thread;
    int sync_started;
    int stopping;         /* (sync_mu) */
    uint64_t gen_written; /* (sync_mu) last token handed out */
    uint64_t gen_durable; /* (sync_mu) every token <= this is durable */
    atomic_int io_error;  /* sticky: set once an fsync/truncate failed */
    Shard **dirty;        /* (sync_mu) shards with unsynced data or sealed segments */
    size_t n_dirty, cap_dirty;
    StoreWaiter *waiting; /* (sync_mu) */
    size_t n_waiting, cap_waiting;
    StoreWaiter *ready; /* (sync_mu) */
    size_t n_ready, cap_ready;
    char **trash; /* (sync_mu) directories to remove (deleted streams) */
    size_t n_trash, cap_trash;

    pthread_mutex_t rbuf_mu;
    StoreReadBuf rbufs[8];
    int n_rbufs;

    /* Test hooks (SQLite-style fault injection; unit tests set them, nothing else does):
     * test_hold_sync (sync_mu) keeps the sync thread from starting a round; test_fail_fsync makes the
     * sync thread's next fsync fail as if the disk had returned EIO. */
    int test_hold_sync;
    atomic_int test_fail_fsync;
};

#define STORE_SHARDS_MAX 10000 /* shards in a new stream, and UpdateShardCount target */
#define STORE_SEGMENT_DEFAULT ((uint64_t)64 << 20)

/* Queue sh for the sync thread (a segment was written or sealed). Caller holds no Shard.mu. */
void store_dirty_add(Store *s, Shard *sh);
/* Call the notify hook, if any. */
void store_notify(Store *s);
/* Borrow a read buffer of at least n bytes / give it back. */
void store_rbuf_get(Store *s, StoreReadBuf *b, size_t n);
void store_rbuf_put(Store *s, StoreReadBuf *b);
/* Remove a directory tree (best effort; logs failures). */
void store_rmtree(const char *path);

#endif
