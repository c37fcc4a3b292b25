/*
 * state.h: keyed state tables for streaming operators (a group's accumulators, a window's rows, a
 * join side's buffered rows), with change tracking and checkpoint files.
 *
 * A StateTable maps key bytes to value bytes. Keys are normally rowcodec encodings (stream/rowcodec.h),
 * so memcmp order is SQL order; the table itself only sees bytes. Design notes, with the reasons for
 * each choice: docs/internals/stream-state.md.
 *
 *   lookups     an open-addressing hash table (linear probing, backward-shift deletion) of
 *               {hash, entry} slots, indexed by h = state_hash(key), which callers usually have already
 *               (rowcodec_hash over a batch's keys) and pass in.
 *   storage     entries (header, value, key in one piece) live in slab chunks of size classes, with a
 *               free list per class: a put allocates nothing per entry (a new chunk now and then,
 *               up to 2 MiB, on huge pages where the kernel allows); only entries above 256 KiB get a
 *               malloc of their own.
 *   order       a table created with is_ordered also keeps its keys in a skiplist in memcmp order, so an
 *               operator can take every entry whose key starts with (or sorts up to) a prefix, in key
 *               order: windows keyed by (window_end, group) close in window_end order, session windows
 *               keyed by (group, start) find a group's sessions in order. Unordered tables skip the
 *               skiplist (a running GROUP BY never needs it).
 *   changes     every entry put since the last checkpoint is on a dirty list, and every deleted key
 *               that the last checkpoint had is kept as a tombstone, so a checkpoint can write a delta.
 *   files       state_checkpoint_write writes a full snapshot or a delta (deletes, then puts) to
 *               <dir>/state-<table id>-<checkpoint>.full|.delta: header (magic, version, table id,
 *               checkpoint numbers, CRC32C), length-prefixed records in blocks of about 64 KiB each with
 *               a CRC32C, and an end block with the counts; written to a temporary name, fsynced,
 *               renamed, directory fsynced. state_restore reads a full snapshot and then its deltas in
 *               order, verifying everything, and refuses a torn or corrupt file with WEIR_ECORRUPT.
 *
 * Checkpoint protocol (the caller, ckpt.c, owns the catalog): at checkpoint k, call
 * state_checkpoint_write(t, dir, k, STATE_CKPT_AUTO, &res); record state_checkpoint_chain(t) (the last
 * full snapshot and the deltas after it) in the catalog with k; once that commits, delete
 * res.obsolete (the files of the previous chain, non-empty only when a full snapshot was written). If
 * the catalog commit fails, the next call must pass STATE_CKPT_FULL: the table believes its delta is
 * durable. AUTO writes a full snapshot when the deltas since the last one add up to more bytes than the
 * table holds, so a restore reads at most about twice the table.
 *
 * Memory: the table mallocs its chunks and index (xmalloc: aborts if malloc itself fails); going over
 * the budget given at create fails a put with WEIR_ELIMIT instead. Borrowed pointers into the table
 * (values from state_get, state_upsert and iteration, keys from iteration) stay valid until that entry
 * is deleted or put again with a different value length, or the table is cleared or destroyed.
 *
 * Threads: a table belongs to one thread at a time (an operator's); nothing here locks.
 */
#ifndef WEIR_STREAM_STATE_H
#define WEIR_STREAM_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "stream/rowcodec.h"

#define STATE_KEY_MAX (64u * 1024)        /* longest key, bytes */
#define STATE_VAL_MAX (64u * 1024 * 1024) /* longest value, bytes */
#define STATE_MAX_LEVEL 20                /* skiplist levels: enough for 4^20 entries */

typedef struct StateTable StateTable;
typedef struct StateEntry StateEntry;

typedef struct StateConfig {
    uint64_t table_id; /* written into checkpoint files and checked on restore */
    int is_ordered;    /* keep keys in memcmp order (state_iter_range) */
    size_t mem_budget; /* bytes the table may hold (chunks, index); 0: unlimited */
} StateConfig;

/* A new empty table. Caller owns; free with state_destroy. WEIR_EINVAL on a bad config. */
int state_create(const StateConfig *cfg, StateTable **out, Err *e) WEIR_WARN_UNUSED;
/* Free everything; *t becomes NULL. NULL and *t == NULL are no-ops. */
void state_destroy(StateTable **t);
/* Remove every entry and forget the checkpoint history (the next checkpoint is a full snapshot). */
void state_clear(StateTable *t);

/* The hash every call below takes as h: rowcodec_hash of the key bytes. */
static inline uint64_t state_hash(const uint8_t *key, size_t key_len)
{
    return rowcodec_hash(key, key_len);
}

/* --- entries -------------------------------------------------------------------------------------- */

/* Look key up. Returns 1 and sets *val (borrowed, see the top) when present, 0 when not. */
int state_get(const StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, Slice *val);

/* Insert or replace key's value with val[0..val_len). Returns WEIR_OK, WEIR_EINVAL (key or value too
 * long) or WEIR_ELIMIT (over the table's budget; the table is unchanged), with e filled. */
int state_put(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, const uint8_t *val,
              size_t val_len, Err *e) WEIR_WARN_UNUSED;

/* Find-or-create for in-place updates (an aggregate's accumulator): makes key's value val_len bytes
 * long and points *val at it, writable, 8-byte aligned. A new entry's value is zeroed (*is_new = 1);
 * an existing one keeps its bytes (up to val_len; growth is zeroed). The entry counts as changed for the
 * next checkpoint, so write through *val before that checkpoint. Errors as state_put. */
int state_upsert(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, size_t val_len, uint8_t **val,
                 int *is_new, Err *e) WEIR_WARN_UNUSED;

/* Remove key. Returns 1 when it was present, 0 when not. */
int state_delete(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len);

/* --- iteration ------------------------------------------------------------------------------------ */

/* An iterator (caller-owned, no cleanup). During a walk the caller may delete the entry just returned,
 * and update it with state_put/state_upsert; other deletions are not allowed until the walk ends.
 * Entries inserted during a walk may or may not be returned. In a walk of an unordered table, an
 * update that changes the length of the current entry's value may move it, and it may be returned
 * again: keep lengths fixed there (state_upsert with the same length). */
typedef struct StateIter {
    StateTable *t;
    int is_ordered;
    StateEntry *next;  /* ordered: the entry to return next */
    const uint8_t *hi; /* ordered: the upper bound (see state_iter_range), or NULL */
    size_t hi_len;
    void *chunk; /* unordered: the chunk walked, and the next slot in it */
    uint32_t slot;
    int in_large; /* unordered: walking the large entries */
} StateIter;

/* Every entry: in key order for an ordered table, in storage order otherwise. */
void state_iter_all(StateIter *it, StateTable *t);

/* Entries of an ordered table in key order from the first key >= lo (lo NULL: the smallest) up to the
 * last key k with memcmp(k, hi, min(len k, hi_len)) <= 0, that is every key below hi and every key that
 * starts with hi (hi NULL: no bound). lo = hi = P gives the keys that start with P; lo = NULL, hi =
 * encoding of a watermark gives every window whose end (the key's first column) is <= it. The bounds
 * are borrowed for the walk. WEIR_EINVAL on an unordered table. */
int state_iter_range(StateIter *it, StateTable *t, const uint8_t *lo, size_t lo_len, const uint8_t *hi,
                     size_t hi_len, Err *e) WEIR_WARN_UNUSED;

/* The next entry: returns 1 and fills *key and *val (borrowed), or 0 at the end. */
int state_iter_next(StateIter *it, Slice *key, Slice *val);

/* --- accounting ----------------------------------------------------------------------------------- */

typedef struct StateStats {
    uint64_t n_entries;
    uint64_t key_bytes, val_bytes; /* of the live entries */
    uint64_t mem_bytes;            /* everything held: chunks, large entries, index, change tracking */
    uint64_t n_changed;            /* entries put since the last checkpoint */
    uint64_t n_tombstones;         /* deleted since the last checkpoint, present in it */
    uint64_t last_ckpt;            /* number of the last checkpoint written or restored (0: none) */
    uint64_t last_full_ckpt;
    uint64_t delta_bytes; /* bytes of delta files since the last full snapshot */
} StateStats;

void state_stats(const StateTable *t, StateStats *out);

/* --- checkpoints ---------------------------------------------------------------------------------- */

typedef enum StateCkptKind {
    STATE_CKPT_AUTO = 0, /* full when state_checkpoint_want_full, else delta */
    STATE_CKPT_FULL = 1,
    STATE_CKPT_DELTA = 2,
} StateCkptKind;

typedef struct StateCkptResult {
    StateCkptKind kind; /* what was written: FULL or DELTA */
    char *path;         /* the file written */
    uint64_t bytes;     /* its size */
    uint64_t n_records;
    char **obsolete; /* after a FULL: the previous chain's files, to delete once the catalog points at
                      * this checkpoint; NULL otherwise */
    size_t n_obsolete;
} StateCkptResult;

/* Free what a result holds (not the files). */
void state_ckpt_result_fini(StateCkptResult *r);

/* Whether the policy wants a full snapshot now: no checkpoint yet, or the deltas since the last full
 * snapshot are bigger than the table. */
int state_checkpoint_want_full(const StateTable *t);

/* Write checkpoint ckpt_no (greater than every earlier one) of t into dir, fsynced, and on success mark
 * the table clean. Caller owns *out (state_ckpt_result_fini). Returns WEIR_OK, WEIR_EINVAL (ckpt_no not
 * increasing; DELTA without an earlier checkpoint) or WEIR_EIO (the file system refused; the table
 * keeps its changes, so the next attempt writes them too), with e filled. */
int state_checkpoint_write(StateTable *t, const char *dir, uint64_t ckpt_no, StateCkptKind kind,
                           StateCkptResult *out, Err *e) WEIR_WARN_UNUSED;

/* The files a restore needs now, in order: the last full snapshot and the deltas after it. Borrowed,
 * valid until the next checkpoint, restore or clear. *n = 0 before the first checkpoint. */
const char *const *state_checkpoint_chain(const StateTable *t, size_t *n);

/* Restore an empty table (same table id) from paths[0] (a full snapshot) and paths[1..] (its deltas,
 * in checkpoint order). The table ends clean, with that chain as its history. Returns WEIR_OK,
 * WEIR_ECORRUPT (torn file, bad CRC, wrong table, broken chain, any malformed record; the message names
 * the file and offset), WEIR_ENOTFOUND (a file is missing), WEIR_EIO, WEIR_EINVAL (table not empty) or
 * WEIR_ELIMIT (over budget). On failure
 * the table is cleared. */
int state_restore(StateTable *t, const char *const *paths, size_t n_paths, Err *e) WEIR_WARN_UNUSED;

/* Apply one checkpoint file held in memory (p[0..n)): a full snapshot onto an empty table, or a delta
 * onto the checkpoint it follows. name is recorded in the chain. Errors and failure as state_restore. */
int state_restore_buf(StateTable *t, const uint8_t *p, size_t n, const char *name, Err *e) WEIR_WARN_UNUSED;

/* fsync a directory (after creating or renaming files in it): WEIR_OK or WEIR_EIO with e. */
int state_dir_fsync(const char *dir, Err *e) WEIR_WARN_UNUSED;

#endif
