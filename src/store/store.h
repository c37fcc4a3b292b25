/*
 * store.h: weir's durable stream store, the public interface.
 *
 * What it is: streams made of shards; each shard an append-only log of records kept in segment files
 * on disk (record bytes are read back from the files, never kept in the heap), with a sparse index
 * by sequence number and by arrival time; stream/shard/tag metadata kept transactionally in a SQLite
 * catalog. The store knows nothing of HTTP, JSON or SQL: protocol edges translate to these calls.
 *
 * Sequence numbers. Every stream has one 64-bit counter; each appended record takes the next value,
 * whatever its shard, so values are unique in the stream, increase within a shard over time, and
 * order records across a stream's lineage (children's values are above their parents'). A shard's
 * StartingSequenceNumber is the counter value at its creation; when a shard closes it takes one more
 * value as its EndingSequenceNumber, which is above every record it holds. The text form AWS clients
 * see is 56 decimal digits, "49" + stream uid (12) + counter (20) + shard index (22), so string and
 * numeric order agree and a number from another stream or shard is recognised (store_seq_parse).
 *
 * Threads. Every function is thread-safe. Appends run on the caller's thread (they write() into the
 * segment file under the shard's lock). Durability under STORE_FSYNC_BATCH is group commit: a sync
 * thread fsyncs every file written since its last round, then marks the covered appends durable.
 * Records become visible to readers only once durable (under NONE: at once; under ALWAYS: the append
 * itself fsyncs before returning), so no reader ever sees a record a crash could take back.
 *
 * Callbacks cross threads through one hook: StoreConfig.notify is called (from the sync thread) when
 * sync waiters are ready or new records became visible; the owner of the event loop then calls
 * store_dispatch() on its own thread, which runs the ready StoreSyncFn callbacks there.
 *
 * INTERFACE ROUTINES
 *   store_open, store_close              open/recover a data directory (locked), close it
 *   store_stream_create/_delete/_list    streams
 *   store_stream_describe, store_stream_info_free   snapshot of a stream's metadata
 *   store_stream_set_retention, store_stream_tags_add/_remove
 *   store_shard_split, store_shard_merge, store_stream_update_shard_count   resharding
 *   store_append, store_sync_wait, store_dispatch   writing and group commit
 *   store_shard_seek, store_read, store_shard_wait  reading
 *   store_cursor_open/_next/_pos/_close, store_pin_release   bulk zero-copy reading (scans)
 *   store_retention_run                  delete expired segments
 *   store_seq_format, store_seq_parse    sequence number text
 */
#ifndef WEIR_STORE_STORE_H
#define WEIR_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/u128.h"

typedef struct Store Store;

enum { STORE_FSYNC_BATCH = 0, STORE_FSYNC_ALWAYS = 1, STORE_FSYNC_NONE = 2 };

enum { STREAM_CREATING = 0, STREAM_ACTIVE = 1, STREAM_UPDATING = 2, STREAM_DELETING = 3 };
enum { STREAM_MODE_PROVISIONED = 0, STREAM_MODE_ON_DEMAND = 1 };

#define STORE_NAME_MAX 128        /* stream name length limit */
#define STORE_MAX_RECORD (1u << 20) /* data + partition key, bytes */
#define STORE_RETENTION_MIN_H 24
#define STORE_RETENTION_MAX_H 8760
#define STORE_SEQ_STR_LEN 56

typedef struct StoreConfig {
    const char *dir;            /* data directory; created if missing */
    int fsync_mode;             /* STORE_FSYNC_* */
    uint64_t segment_max_bytes; /* roll to a new segment file past this size; 0 = default 64 MiB */
    /* Called from a store thread when store_dispatch() has work (sync waiters ready, new records
     * visible). Must be thread-safe and must not call back into the store (e.g. uv_async_send). */
    void (*notify)(void *arg);
    void *notify_arg;
} StoreConfig;

typedef struct ShardInfo {
    uint32_t index;          /* shard id is "shardId-%012u" */
    int64_t parent;          /* parent shard index, -1 for none */
    int64_t adjacent_parent; /* adjacent parent shard index (merge), -1 for none */
    u128 hash_lo, hash_hi;   /* inclusive hash key range */
    uint64_t start_seq;      /* counter value at creation */
    uint64_t end_seq;        /* counter value taken at close; valid only when is_closed */
    int is_closed;
    int64_t created_ms;
    int64_t closed_ms;       /* 0 while open */
} ShardInfo;

typedef struct StreamTag {
    char *key;
    char *value; /* may be "" */
} StreamTag;

/* A snapshot of one stream's metadata; the caller owns it (free with store_stream_info_free). */
typedef struct StreamInfo {
    char name[STORE_NAME_MAX + 1];
    uint64_t uid;           /* unique per data directory, never reused */
    char region[32];        /* from the credential scope of the CreateStream call */
    char account[13];       /* 12-digit account id */
    int status;             /* STREAM_* */
    int mode;               /* STREAM_MODE_* */
    int retention_hours;
    int64_t created_ms;
    uint32_t n_shards;      /* every shard, open and closed, ordered by index */
    ShardInfo *shards;
    uint32_t n_open;        /* open shards among them */
    uint32_t n_tags;        /* ordered by key */
    StreamTag *tags;
    uint64_t next_seq;      /* the counter value the next append would take */
} StreamInfo;

/* Open (creating if needed) the data directory in cfg->dir: takes an exclusive lock on it (a second
 * process gets WEIR_EBUSY with a message naming the directory and the lock holder's pid), loads the
 * catalog, recovers every shard (truncating a torn or corrupt tail, never serving a corrupt record)
 * and starts the sync thread. On success *out is the caller's; close with store_close. */
int store_open(const StoreConfig *cfg, Store **out, Err *e) WEIR_WARN_UNUSED;

/* Flush and fsync everything, stop threads, release the lock, free. *s becomes NULL; NULL is a no-op.
 * Pending sync waiters are run (as durable) before it returns. */
void store_close(Store **s);

/* --- streams ------------------------------------------------------------------------------------ */

/* Create a stream with n_shards uniform shards (shard i covers [i*size, (i+1)*size-1] with
 * size = floor(2^128/n), the last ending at 2^128-1). Fails WEIR_EEXIST if the name is taken,
 * WEIR_EINVAL on a bad name or count. The stream is ACTIVE on return. */
int store_stream_create(Store *s, const char *name, uint32_t n_shards, int mode, const char *region,
                        const char *account, Err *e) WEIR_WARN_UNUSED;

/* Delete a stream and (asynchronously) its files. WEIR_ENOTFOUND if it does not exist. Readers in
 * flight finish safely. */
int store_stream_delete(Store *s, const char *name, Err *e) WEIR_WARN_UNUSED;

/* All stream names in ascending byte order. Caller frees each name and the array with free(). */
int store_stream_list(Store *s, char ***names, size_t *n, Err *e) WEIR_WARN_UNUSED;

/* Snapshot of a stream's metadata. WEIR_ENOTFOUND if absent. Caller owns *out. */
int store_stream_describe(Store *s, const char *name, StreamInfo **out, Err *e) WEIR_WARN_UNUSED;
void store_stream_info_free(StreamInfo **info);

/* Set the retention period (hours, STORE_RETENTION_MIN_H..MAX_H; the API layer checks increase vs
 * decrease). WEIR_ENOTFOUND, WEIR_EINVAL. */
int store_stream_set_retention(Store *s, const char *name, int hours, Err *e) WEIR_WARN_UNUSED;

/* Add or overwrite tags; remove tags by key (absent keys ignored). WEIR_ENOTFOUND. */
int store_stream_tags_add(Store *s, const char *name, const StreamTag *tags, size_t n, Err *e) WEIR_WARN_UNUSED;
int store_stream_tags_remove(Store *s, const char *name, char *const *keys, size_t n, Err *e) WEIR_WARN_UNUSED;

/* --- resharding (each is one catalog transaction) ------------------------------------------------ */

/* Split open shard `index` at new_start (which must satisfy hash_lo < new_start <= hash_hi): the
 * parent closes, children [hash_lo, new_start-1] and [new_start, hash_hi] get the next two indices
 * with parent = index. WEIR_ENOTFOUND (stream/shard), WEIR_EINVAL (closed shard, bad hash key). */
int store_shard_split(Store *s, const char *name, uint32_t index, u128 new_start, Err *e) WEIR_WARN_UNUSED;

/* Merge open shards `index` and `adjacent` whose ranges touch: both close; one child covering both
 * ranges gets the next index, parent = index, adjacent_parent = adjacent. WEIR_ENOTFOUND, WEIR_EINVAL
 * (closed, not adjacent). */
int store_shard_merge(Store *s, const char *name, uint32_t index, uint32_t adjacent, Err *e) WEIR_WARN_UNUSED;

/* UNIFORM_SCALING to `target` open shards, done as AWS does it: a sequence of splits (at every target
 * boundary inside an open shard) then merges (the pieces inside each target range, left to right),
 * so every new shard has at most two parents and readers can follow lineage. Temporary shards are
 * created and closed on the way. WEIR_ENOTFOUND, WEIR_EINVAL. */
int store_stream_update_shard_count(Store *s, const char *name, uint32_t target, Err *e) WEIR_WARN_UNUSED;

/* --- writing ------------------------------------------------------------------------------------- */

typedef struct StoreAppendEntry {
    Slice key;  /* partition key, 1..256 bytes (checked by the API layer) */
    Slice data; /* 0..1 MiB - key length */
    u128 hash;  /* routing hash key: MD5 of the key or an explicit hash key */
} StoreAppendEntry;

typedef struct StoreAppendResult {
    uint32_t shard_index; /* the open shard whose range holds the hash */
    uint64_t seq;         /* counter value taken */
} StoreAppendResult;

/* Append n entries to stream `name`, all with the same arrival time (*arrival_ms_out). Each entry
 * goes to the open shard whose range holds its hash; within a shard, entries keep their order. Either
 * every entry is written or none is (on failure nothing was appended). *sync_token identifies the
 * durability point to pass to store_sync_wait. WEIR_ENOTFOUND, WEIR_EIO (disk full, ...). */
int store_append(Store *s, const char *name, const StoreAppendEntry *entries, size_t n,
                 StoreAppendResult *results, /* n slots, filled on success */
                 int64_t *arrival_ms_out, uint64_t *sync_token, Err *e) WEIR_WARN_UNUSED;

/* Called on the store_dispatch() thread once the appends behind a token are durable (rc WEIR_OK), or
 * failed to become durable (rc WEIR_EIO: the acknowledgement must then be an error). */
typedef void (*StoreSyncFn)(void *arg, int rc);

/* Run fn(arg, rc) from store_dispatch() once the token is durable; if it already is, fn still runs
 * from the next store_dispatch() (never re-entrantly from this call). */
void store_sync_wait(Store *s, uint64_t token, StoreSyncFn fn, void *arg);

/* Run the callbacks that are ready. Call it on the event-loop thread after StoreConfig.notify. */
void store_dispatch(Store *s);

/* --- reading ------------------------------------------------------------------------------------- */

enum { STORE_AT_SEQUENCE = 0, STORE_AFTER_SEQUENCE = 1, STORE_AT_TIMESTAMP = 2, STORE_TRIM_HORIZON = 3,
       STORE_LATEST = 4 };

/* Resolve a starting position in shard `index` to a read position: the smallest counter value from
 * which store_read will return records. AT/AFTER_SEQUENCE use seq (which must lie within the shard's
 * lifetime: start_seq <= seq, and seq < end_seq when closed, else WEIR_EINVAL); AT_TIMESTAMP uses
 * ts_ms (first record with arrival >= ts_ms, or the tip); TRIM_HORIZON is the oldest retained record;
 * LATEST is just past the newest visible record. WEIR_ENOTFOUND (stream/shard), WEIR_EINVAL. */
int store_shard_seek(Store *s, const char *name, uint32_t index, int type, uint64_t seq, int64_t ts_ms,
                     uint64_t *pos, Err *e) WEIR_WARN_UNUSED;

typedef struct StoreRecordView {
    uint64_t seq;
    int64_t arrival_ms;
    Slice key;  /* borrowed: valid only during the callback */
    Slice data; /* borrowed: valid only during the callback */
} StoreRecordView;

/* Return nonzero to stop reading after this record (it counts as read). */
typedef int (*StoreReadFn)(void *arg, const StoreRecordView *r);

typedef struct StoreReadResult {
    size_t n_records;
    size_t n_bytes;            /* sum of key + data lengths returned */
    uint64_t next_pos;         /* position to continue from */
    int is_end;                /* shard closed and every record up to its end was read */
    int64_t millis_behind;     /* 0 when caught up; else now - arrival of the last returned record */
    int64_t tip_arrival_ms;    /* arrival time of the newest visible record in the shard, 0 if none */
} StoreReadResult;

/* Read visible records of shard `index` with counter >= pos, in order, calling fn for each, stopping
 * after max_records records, or before a record that would take the total past max_bytes (at least
 * one record is always returned if any is available), or when fn returns nonzero. A position older
 * than retention is moved up to the oldest retained record. Reading never blocks on writers.
 * WEIR_ENOTFOUND (stream deleted, shard unknown), WEIR_ECORRUPT/WEIR_EIO (never returns bad bytes). */
int store_read(Store *s, const char *name, uint32_t index, uint64_t pos, size_t max_records,
               size_t max_bytes, StoreReadFn fn, void *arg, StoreReadResult *res, Err *e) WEIR_WARN_UNUSED;

/* Bulk reading for scans (SQL's table scans read whole shards): a cursor over one shard that hands
 * out records in arrays, without a callback per record and without copying them. The record bytes
 * are the segment files' own, mapped read-only (mmap) in windows of a few MiB and CRC-checked (with
 * the record encoding) before they are handed out, exactly as store_read checks them. A window stays
 * mapped while the cursor reads from it or a caller still holds a pin on it (StorePin), so a caller
 * can keep the records of several reads alive at once (a scan keeps each batch's records until the
 * batch is consumed) and release them in any order, from any thread. */
typedef struct StoreCursor StoreCursor;
typedef struct StorePin StorePin;

/* A cursor over the records of shard `index` with counter in [pos, end) that were visible when it
 * was opened (pos older than retention moves up to the oldest retained record, as in store_read).
 * Caller owns *out: close with store_cursor_close. WEIR_ENOTFOUND (stream, shard). */
int store_cursor_open(Store *s, const char *name, uint32_t index, uint64_t pos, uint64_t end, StoreCursor **out,
                      Err *e) WEIR_WARN_UNUSED;

/* The next records, in order, into views[0..*n_out): at most max_records (>= 1), and stopping before
 * a record that would take the sum of key and data lengths past max_bytes (at least one record is
 * returned if any is left). The views' key and data are borrowed: valid until store_pin_release(*pin),
 * which the caller must call once (*pin is NULL when *n_out is 0). A call may return fewer records than
 * asked without being at the end (at a window or segment boundary); *n_out == 0 means the cursor is
 * exhausted. WEIR_ECORRUPT / WEIR_EIO: nothing bad is ever returned; records read before a bad batch
 * are returned first and the error comes with the next call (and every call after it). */
int store_cursor_next(StoreCursor *c, size_t max_records, size_t max_bytes, StoreRecordView *views,
                      size_t *n_out, StorePin **pin, Err *e) WEIR_WARN_UNUSED;

/* The position after the last record returned (the pos it was opened at before the first one). */
uint64_t store_cursor_pos(const StoreCursor *c);

/* Close a cursor (pins handed out stay valid until released). *c becomes NULL; NULL is a no-op. */
void store_cursor_close(StoreCursor **c);

/* Release a pin: the records of that read may no longer be used. Thread-safe; NULL is a no-op. */
void store_pin_release(StorePin *pin);

/* Block the calling (worker) thread until shard `index` has a visible record with counter >= pos, the
 * shard is closed and exhausted, or timeout_ms passes. Returns WEIR_OK (records or end), WEIR_EAGAIN
 * (timeout), WEIR_ENOTFOUND. For event-loop readers, StoreConfig.notify signals new records instead. */
int store_shard_wait(Store *s, const char *name, uint32_t index, uint64_t pos, int timeout_ms, Err *e) WEIR_WARN_UNUSED;

/* --- maintenance ------------------------------------------------------------------------------- */

/* Delete whole segments whose newest record is older than the stream's retention (now from
 * clock_now_ms). Returns the number of segments deleted (>= 0) or a negative code. */
int store_retention_run(Store *s, Err *e);

/* --- sequence number text ---------------------------------------------------------------------- */

/* Write the 56-digit text of (stream uid, counter, shard index) into out (STORE_SEQ_STR_LEN+1 bytes). */
void store_seq_format(uint64_t uid, uint64_t seq, uint32_t shard_index, char *out);

/* The same text, cheaply for runs of nearby numbers (the per-record put and read paths): f keeps the
 * last text and rewrites only what changed, adding a small counter difference digit by digit.
 * Zero-initialise f before the first call; the result lives in f->text. */
typedef struct StoreSeqFmt {
    int valid;
    uint64_t uid, seq;
    uint32_t shard_index;
    char text[STORE_SEQ_STR_LEN + 1];
} StoreSeqFmt;
const char *store_seq_fmt(StoreSeqFmt *f, uint64_t uid, uint64_t seq, uint32_t shard_index);

/* "shardId-" + the index as 12 digits into out (STORE_SHARD_ID_LEN + 1 bytes), NUL-terminated. Written by
 * hand: it runs for every record of a PutRecords answer. */
#define STORE_SHARD_ID_LEN 20
void store_shard_id_format(uint32_t index, char *out);

/* Parse the text form. Returns 0 and fills the parts, or -1 if it is not a weir sequence number. */
int store_seq_parse(const char *s, size_t n, uint64_t *uid, uint64_t *seq, uint32_t *shard_index);

#endif
