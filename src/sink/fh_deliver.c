/*
 * fh_deliver.c: the delivery runtime: one thread per delivery stream that reads the stream's source (a
 * weir stream, shard by shard, straight from the store), puts each record into the buffer of its
 * evaluated prefix, and writes a buffer out as one object when it reaches SizeInMBs or has been open for
 * IntervalInSeconds, whichever comes first, exactly once.
 *
 * Records -> buffers. A record's buffer key is its prefix template evaluated with its arrival time and
 * partition keys, the random-string expression left in (fh_prefix.c): a pure function of the record.
 * A record whose partition keys cannot be extracted goes to the error prefix's buffer (error-output-type
 * "processing-failed") as Firehose's error-record JSON line. With Parquet conversion, records are
 * decoded when their buffer is flushed, a batch at a time (exec/decode.h with the table's definition,
 * dead_letter policy so that every bad record is handed back with its reason): good rows become the
 * Parquet object, bad records become an error object ("format-conversion-failed") written together with
 * it, under the same intent.
 *
 * Exactly once. Per source shard, a read position (next counter to read); per open buffer and shard the
 * first and last sequence number in it. Flushing a buffer:
 *   1. the object key is chosen (prefix with the random string drawn when the buffer opened, the name
 *      with the buffer's uuid) and an intent row is written to firehose.db: keys, buffer key, and per
 *      shard the highest sequence in the object;
 *   2. objstore_put (whole or absent);
 *   3. one transaction: delete the intent; raise the high water of (buffer key, shard) to those
 *      sequences; set each shard's committed position to the smallest first sequence over the buffers
 *      still open, or its read position when none holds its records; drop high waters below the
 *      committed positions (a replay starts at or after them, so they can never skip anything).
 * Recovery when the thread starts: an intent whose objects all exist is finished as in 3 (high waters
 * only); otherwise the objects that exist are deleted and the intent dropped. Reading resumes at the
 * committed positions, and a record whose (buffer key, shard) high water is >= its sequence is skipped:
 * it is in an object already. That is right because a buffer key has one open buffer at a time and a
 * shard's records enter it in order, so a key's objects hold each shard's records in increasing runs.
 *
 * Shards (as the KCL reads them): a child is read once its parents are read to their end; shards that
 * appear later start at their beginning. The first start reads a DirectPut backing stream from its trim
 * horizon and a KinesisStreamAsSource stream from the delivery stream's creation time
 * (DeliveryStartTimestamp), and records those positions at once.
 *
 * Failures: a put that fails (the store refuses, a full disk) keeps the buffer and its intent; reading
 * pauses and the same object is put again after a backoff (1 s doubling to 30 s), so nothing is lost and
 * nothing is written twice.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "base/base64.h"
#include "base/clock.h"
#include "base/log.h"
#include "exec/decode.h"
#include "sink/fh_int.h"
#include "sink/iceberg.h"
#include "sink/parquet.h"
#include "sql/tabledef.h"

#define FH_READ_RECORDS 1000
#define FH_READ_BYTES (4u << 20)
#define FH_REFRESH_NS (1000ull * 1000 * 1000)
#define FH_BACKOFF_MAX_MS 30000
#define FH_EPOCH2000_MS 946684800000LL
/* Open buffers at once (Firehose's active partitions limit is 500) and their bytes together: past either,
 * the oldest buffer goes out early, so a partition key with many values cannot exhaust memory. */
#define FH_MAX_OPEN_BUFFERS 500
#define FH_MAX_BUFFERED_BYTES ((size_t)512 << 20)

/* ------------------------------------------------------------------------------------------------
 * A map keyed by (string, shard)
 * ---------------------------------------------------------------------------------------------- */

typedef struct MapEnt {
    struct MapEnt *next;
    uint64_t h;
    uint32_t shard;
    union {
        uint64_t seq;
        void *ptr;
    } v;
    char key[];
} MapEnt;

typedef struct Map {
    MapEnt **slots;
    size_t cap, n;
} Map;

static uint64_t map_hash(const char *k, uint32_t shard)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (h ^ shard) * 1099511628211ull;
}

static MapEnt *map_get(const Map *m, const char *k, uint32_t shard)
{
    if (!m->cap)
        return NULL;
    uint64_t h = map_hash(k, shard);
    for (MapEnt *e = m->slots[h & (m->cap - 1)]; e; e = e->next)
        if (e->h == h && e->shard == shard && !strcmp(e->key, k))
            return e;
    return NULL;
}

static MapEnt *map_put(Map *m, const char *k, uint32_t shard)
{
    MapEnt *e = map_get(m, k, shard);
    if (e)
        return e;
    if (m->n + 1 > m->cap / 2) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        MapEnt **slots = xcalloc(cap, sizeof(*slots));
        for (size_t i = 0; i < m->cap; i++)
            for (MapEnt *x = m->slots[i], *nx; x; x = nx) {
                nx = x->next;
                x->next = slots[x->h & (cap - 1)];
                slots[x->h & (cap - 1)] = x;
            }
        free(m->slots);
        m->slots = slots;
        m->cap = cap;
    }
    size_t kl = strlen(k);
    e = xcalloc(1, sizeof(*e) + kl + 1);
    memcpy(e->key, k, kl + 1);
    e->h = map_hash(k, shard);
    e->shard = shard;
    e->next = m->slots[e->h & (m->cap - 1)];
    m->slots[e->h & (m->cap - 1)] = e;
    m->n++;
    return e;
}

static void map_del(Map *m, const char *k, uint32_t shard)
{
    if (!m->cap)
        return;
    uint64_t h = map_hash(k, shard);
    for (MapEnt **pp = &m->slots[h & (m->cap - 1)]; *pp; pp = &(*pp)->next) {
        MapEnt *e = *pp;
        if (e->h == h && e->shard == shard && !strcmp(e->key, k)) {
            *pp = e->next;
            free(e);
            m->n--;
            return;
        }
    }
}

static void map_fini(Map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        for (MapEnt *x = m->slots[i], *nx; x; x = nx) {
            nx = x->next;
            free(x);
        }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------------------------------------
 * State
 * ---------------------------------------------------------------------------------------------- */

enum { SH_PENDING = 0, SH_READING = 1, SH_DONE = 2 };

typedef struct FhShard {
    uint32_t index;
    int64_t parent, adjacent;
    int state;
    uint64_t pos;  /* next counter to read */
    int seen;      /* still in the stream's shard list at the last refresh */
} FhShard;

typedef struct FhRec {
    size_t off;
    uint32_t len;
    uint32_t shard;
    uint64_t seq;
    int64_t arrival_ms;
} FhRec;

typedef struct FhBufShard {
    uint32_t index;
    uint64_t first_seq, max_seq;
} FhBufShard;

typedef struct FhBuffer {
    char *bkey;
    int is_error;
    Buf data;
    FhRec *recs;
    size_t n_recs, cap_recs;
    int64_t oldest_ms;
    uint64_t opened_ns;
    char random[12];
    char uuid[37];
    FhBufShard *shards;
    size_t n_shards;
} FhBuffer;

struct FhRun {
    FhManager *m;
    char name[FH_NAME_MAX + 1];
    char source[STORE_NAME_MAX + 1];
    FhType type;
    int64_t version, created_ms;
    FhDest dest;
    char *dest_json;
    pthread_t th;
    int started;
    atomic_int stop;
    atomic_int drain; /* deliver every open buffer before the thread ends (a configuration change) */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic uint64_t n_records, n_objects;
    /* the thread's own */
    sqlite3 *db;
    uint64_t source_uid;
    FhShard *shards;
    size_t n_shards;
    FhBuffer **bufs;
    size_t n_bufs;
    Map buf_index; /* bkey -> FhBuffer* (shard 0) */
    size_t buffered_bytes; /* the open buffers' data together */
    Map hw;        /* (bkey, shard) -> highest delivered seq */
    uint64_t last_refresh_ns;
    uint64_t backoff_until_ns;
    int64_t backoff_ms;
    int need_refresh;
    int active;
    IcebergTable *ice; /* an Iceberg destination's table */
    TableDef *td;  /* Parquet conversion */
    Decoder *dec;
    Arena *arena;
    Buf scratch;
    char **vals;   /* partition key values of the record being placed */
    /* Most prefixes depend on the arrival second only: the key of the last second is reused (evaluating a
     * template formats dates, per record). */
    int key_by_second;
    int64_t last_sec;
    Buf last_key;
    /* The last record's buffer key and shard, with its high water entry and open buffer: consecutive
     * records nearly always share them, and looking both up hashed and compared the key twice per record.
     * Valid while lk_gen == maps_gen; maps_gen moves whenever hw or buf_index changes. */
    uint64_t maps_gen, lk_gen;
    Buf lk_key;
    uint32_t lk_shard;
    MapEnt *lk_hw;
    FhBuffer *lk_buf;
    /* The memory of the last delivered buffer, for the next one: a buffer is up to SizeInMBs, and
     * allocating it afresh each time cost page faults on every page. Dropped when the thread idles. */
    Buf spare_data;
    FhRec *spare_recs;
    size_t spare_cap_recs;
};

const char *fh_run_name(const FhRun *r) { return r->name; }

void fh_run_counts(const FhRun *r, uint64_t *records, uint64_t *objects)
{
    *records = atomic_load(&((FhRun *)r)->n_records);
    *objects = atomic_load(&((FhRun *)r)->n_objects);
}

static void run_random(char *out, size_t n)
{
    static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    uint8_t r[64];
    if (RAND_bytes(r, (int)n) != 1)
        weir_panic("RAND_bytes");
    for (size_t i = 0; i < n; i++)
        out[i] = alnum[r[i] % (sizeof(alnum) - 1)];
    out[n] = '\0';
}

static void run_uuid(char out[37])
{
    uint8_t r[16];
    if (RAND_bytes(r, sizeof(r)) != 1)
        weir_panic("RAND_bytes");
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
             r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static void buffer_free(FhBuffer *b)
{
    if (!b)
        return;
    free(b->bkey);
    buf_fini(&b->data);
    free(b->recs);
    free(b->shards);
    free(b);
}

static FhShard *run_shard(FhRun *r, uint32_t index)
{
    for (size_t i = 0; i < r->n_shards; i++)
        if (r->shards[i].index == index)
            return &r->shards[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * firehose.db
 * ---------------------------------------------------------------------------------------------- */

static sqlite3_stmt *run_prep(FhRun *r, const char *sql, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "firehose.db: %s", sqlite3_errmsg(r->db));
        return NULL;
    }
    sqlite3_bind_text(st, 1, r->name, -1, SQLITE_STATIC);
    return st;
}

static int run_done(FhRun *r, sqlite3_stmt *st, Err *e)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? WEIR_OK : err_set(e, WEIR_EIO, "firehose.db: %s", sqlite3_errmsg(r->db));
}

static void run_rollback(FhRun *r) { fh_db_rollback(r->db); }

/* Raise the high waters named by "index:seq,index:seq" for bkey (inside the caller's transaction). */
static int run_raise_hw(FhRun *r, const char *bkey, const char *shards, Err *e)
{
    const char *p = shards;
    while (*p) {
        char *end = NULL;
        unsigned long long idx = strtoull(p, &end, 10);
        if (*end != ':')
            return err_set(e, WEIR_ECORRUPT, "firehose.db: bad intent shards '%s'", shards);
        unsigned long long seq = strtoull(end + 1, &end, 10);
        sqlite3_stmt *st = run_prep(r,
                                    "INSERT INTO fh_highwater(name, bkey, shard, seq) VALUES(?1, ?2, ?3, ?4)"
                                    " ON CONFLICT(name, bkey, shard) DO UPDATE SET seq = max(seq, excluded.seq)",
                                    e);
        if (!st)
            return e->code;
        sqlite3_bind_text(st, 2, bkey, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)idx);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
        if (run_done(r, st, e))
            return e->code;
        MapEnt *me = map_put(&r->hw, bkey, (uint32_t)idx);
        r->maps_gen++;
        if (me->v.seq < seq)
            me->v.seq = seq;
        p = *end == ',' ? end + 1 : end;
    }
    return WEIR_OK;
}

/* Finish or drop the intents a crash left (see the top of the file). */
static int run_recover(FhRun *r, Err *e)
{
    sqlite3_stmt *st = run_prep(r, "SELECT okey, bucket, bkey, shards FROM fh_intents WHERE name = ?1", e);
    if (!st)
        return e->code;
    typedef struct Intent {
        char *okey, *bucket, *bkey, *shards;
    } Intent;
    Intent *in = NULL;
    size_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        in = xrealloc(in, (n + 1) * sizeof(*in));
        in[n].okey = xstrdup((const char *)sqlite3_column_text(st, 0));
        in[n].bucket = xstrdup((const char *)sqlite3_column_text(st, 1));
        in[n].bkey = xstrdup((const char *)sqlite3_column_text(st, 2));
        in[n].shards = xstrdup((const char *)sqlite3_column_text(st, 3));
        n++;
    }
    sqlite3_finalize(st);
    int rc = WEIR_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        /* okey: the object keys joined by '\n' */
        int all = 1;
        char *keys = xstrdup(in[i].okey);
        for (char *k = keys, *nl; k && *k; k = nl) {
            nl = strchr(k, '\n');
            if (nl)
                *nl++ = '\0';
            uint64_t size = 0;
            Err he;
            err_clear(&he);
            int hr = objstore_head(r->m->os, in[i].bucket, k, &size, &he);
            if (hr == WEIR_ENOTFOUND)
                all = 0;
            else if (hr) {
                rc = err_set(e, hr, "%s", he.msg);
                break;
            }
        }
        free(keys);
        if (rc)
            break;
        if (!all) {
            keys = xstrdup(in[i].okey);
            for (char *k = keys, *nl; k && *k && !rc; k = nl) {
                nl = strchr(k, '\n');
                if (nl)
                    *nl++ = '\0';
                rc = objstore_delete(r->m->os, in[i].bucket, k, e);
            }
            free(keys);
        }
        if (rc || (rc = fh_db_exec(r->db, "BEGIN IMMEDIATE", e)))
            break;
        if (all)
            rc = run_raise_hw(r, in[i].bkey, in[i].shards, e);
        if (!rc) {
            st = run_prep(r, "DELETE FROM fh_intents WHERE name = ?1 AND okey = ?2", e);
            if (!st)
                rc = e->code;
            else {
                sqlite3_bind_text(st, 2, in[i].okey, -1, SQLITE_TRANSIENT);
                rc = run_done(r, st, e);
            }
        }
        if (!rc)
            rc = fh_db_exec(r->db, "COMMIT", e);
        if (rc)
            run_rollback(r);
        else {
            for (char *nl = in[i].okey; (nl = strchr(nl, '\n')) != NULL;)
                *nl = ' ';
            log_info("firehose %s: recovery %s the object(s) %s", r->name, all ? "finished" : "dropped", in[i].okey);
        }
    }
    for (size_t i = 0; i < n; i++) {
        free(in[i].okey);
        free(in[i].bucket);
        free(in[i].bkey);
        free(in[i].shards);
    }
    free(in);
    return rc;
}

static int run_load_hw(FhRun *r, Err *e)
{
    sqlite3_stmt *st = run_prep(r, "SELECT bkey, shard, seq FROM fh_highwater WHERE name = ?1", e);
    if (!st)
        return e->code;
    while (sqlite3_step(st) == SQLITE_ROW) {
        MapEnt *me = map_put(&r->hw, (const char *)sqlite3_column_text(st, 0), (uint32_t)sqlite3_column_int64(st, 1));
        me->v.seq = (uint64_t)sqlite3_column_int64(st, 2);
        r->maps_gen++;
    }
    sqlite3_finalize(st);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Shards
 * ---------------------------------------------------------------------------------------------- */

/* Bring the shard list up to date with the source stream; on the first call, load the committed
 * positions (or choose and record the first ones). */
static int run_refresh(FhRun *r, Err *e)
{
    StreamInfo *si = NULL;
    Err de;
    err_clear(&de);
    int rc = store_stream_describe(r->m->store, r->source, &si, &de);
    if (rc == WEIR_ENOTFOUND && r->type == FH_TYPE_DIRECT_PUT) {
        /* the backing stream was deleted behind our back (a Kinesis DeleteStream): make it again */
        log_warn("firehose %s: the backing stream %s is missing; creating it", r->name, r->source);
        if (store_stream_create(r->m->store, r->source, 1, STREAM_MODE_PROVISIONED, r->m->region, r->m->account, e))
            return e->code;
        rc = store_stream_describe(r->m->store, r->source, &si, e);
    }
    if (rc)
        return rc == WEIR_ENOTFOUND ? err_set(e, rc, "the source stream %s does not exist", r->source)
                                    : err_set(e, rc, "%s", de.msg);
    int first = r->source_uid == 0;
    if (first || r->source_uid != si->uid) {
        /* (re)load the committed positions; positions of another stream of that name are dropped */
        free(r->shards);
        r->shards = NULL;
        r->n_shards = 0;
        sqlite3_stmt *st = run_prep(r, "SELECT shard, source_uid, pos FROM fh_positions WHERE name = ?1", e);
        if (!st) {
            store_stream_info_free(&si);
            return e->code;
        }
        int stale = 0, any = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            any = 1;
            if ((uint64_t)sqlite3_column_int64(st, 1) != si->uid) {
                stale = 1;
                continue;
            }
            r->shards = xrealloc(r->shards, (r->n_shards + 1) * sizeof(*r->shards));
            FhShard *s = &r->shards[r->n_shards++];
            memset(s, 0, sizeof(*s));
            s->index = (uint32_t)sqlite3_column_int64(st, 0);
            s->pos = (uint64_t)sqlite3_column_int64(st, 2);
            s->parent = s->adjacent = -1;
        }
        sqlite3_finalize(st);
        if (stale) {
            log_warn("firehose %s: the source stream %s was created again; delivering it from its beginning", r->name,
                     r->source);
            free(r->shards);
            r->shards = NULL;
            r->n_shards = 0;
        }
        int fresh = !any || stale;
        r->source_uid = si->uid;
        if (fresh) {
            /* first start: where to begin, recorded at once so a restart begins there too */
            if ((rc = fh_db_exec(r->db, "BEGIN IMMEDIATE", e)))
                goto out;
            static const char *const wipe[] = {"DELETE FROM fh_positions WHERE name = ?1",
                                               "DELETE FROM fh_highwater WHERE name = ?1"};
            for (size_t i = 0; i < 2 && !rc; i++) {
                st = run_prep(r, wipe[i], e);
                rc = st ? run_done(r, st, e) : e->code;
            }
            map_fini(&r->hw);
            r->maps_gen++;
            for (uint32_t i = 0; i < si->n_shards && !rc; i++) {
                uint64_t pos = si->shards[i].start_seq;
                if (r->type == FH_TYPE_KINESIS_SOURCE)
                    rc = store_shard_seek(r->m->store, r->source, si->shards[i].index, STORE_AT_TIMESTAMP, 0,
                                          r->created_ms, &pos, e);
                else
                    rc = store_shard_seek(r->m->store, r->source, si->shards[i].index, STORE_TRIM_HORIZON, 0, 0, &pos,
                                          e);
                if (rc)
                    break;
                st = run_prep(r, "INSERT OR REPLACE INTO fh_positions(name, shard, source_uid, pos) VALUES(?1, ?2, ?3, ?4)",
                              e);
                if (!st) {
                    rc = e->code;
                    break;
                }
                sqlite3_bind_int64(st, 2, si->shards[i].index);
                sqlite3_bind_int64(st, 3, (sqlite3_int64)si->uid);
                sqlite3_bind_int64(st, 4, (sqlite3_int64)pos);
                if ((rc = run_done(r, st, e)))
                    break;
                r->shards = xrealloc(r->shards, (r->n_shards + 1) * sizeof(*r->shards));
                FhShard *s = &r->shards[r->n_shards++];
                memset(s, 0, sizeof(*s));
                s->index = si->shards[i].index;
                s->pos = pos;
            }
            if (!rc)
                rc = fh_db_exec(r->db, "COMMIT", e);
            if (rc) {
                run_rollback(r);
                r->source_uid = 0;
                goto out;
            }
        }
    }
    for (size_t i = 0; i < r->n_shards; i++)
        r->shards[i].seen = 0;
    for (uint32_t i = 0; i < si->n_shards; i++) {
        const ShardInfo *in = &si->shards[i];
        FhShard *s = run_shard(r, in->index);
        if (!s) {
            /* a shard born since (a split or merge): from its beginning */
            r->shards = xrealloc(r->shards, (r->n_shards + 1) * sizeof(*r->shards));
            s = &r->shards[r->n_shards++];
            memset(s, 0, sizeof(*s));
            s->index = in->index;
            s->pos = in->start_seq;
            s->state = SH_PENDING;
        }
        s->parent = in->parent;
        s->adjacent = in->adjacent_parent;
        s->seen = 1;
    }
    /* a shard the stream no longer lists (expired) counts as done */
    for (size_t i = 0; i < r->n_shards; i++)
        if (!r->shards[i].seen)
            r->shards[i].state = SH_DONE;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < r->n_shards; i++) {
            FhShard *s = &r->shards[i];
            if (s->state != SH_PENDING)
                continue;
            FhShard *p = s->parent >= 0 ? run_shard(r, (uint32_t)s->parent) : NULL;
            FhShard *a = s->adjacent >= 0 ? run_shard(r, (uint32_t)s->adjacent) : NULL;
            if ((!p || p->state == SH_DONE) && (!a || a->state == SH_DONE)) {
                s->state = SH_READING;
                changed = 1;
            }
        }
    }
    rc = WEIR_OK;
out:
    store_stream_info_free(&si);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Buffers
 * ---------------------------------------------------------------------------------------------- */

static FhBuffer *run_buffer(FhRun *r, const char *bkey, int is_error)
{
    MapEnt *me = map_get(&r->buf_index, bkey, 0);
    if (me)
        return me->v.ptr;
    FhBuffer *b = xcalloc(1, sizeof(*b));
    b->bkey = xstrdup(bkey);
    b->is_error = is_error;
    b->data = r->spare_data; /* empty (p NULL) when there is no spare */
    b->recs = r->spare_recs;
    b->cap_recs = r->spare_cap_recs;
    buf_init(&r->spare_data, 0);
    r->spare_recs = NULL;
    r->spare_cap_recs = 0;
    r->maps_gen++;
    b->opened_ns = clock_mono_ns();
    /* drawn once, when the buffer opens: a replay never depends on them (the intent records the key) */
    run_random(b->random, 11);
    run_uuid(b->uuid);
    r->bufs = xrealloc(r->bufs, (r->n_bufs + 1) * sizeof(*r->bufs));
    r->bufs[r->n_bufs++] = b;
    map_put(&r->buf_index, bkey, 0)->v.ptr = b;
    return b;
}

static void buffer_add(FhBuffer *b, const StoreRecordView *v, uint32_t shard, const uint8_t *p, size_t n, int newline)
{
    if (b->n_recs == b->cap_recs) {
        b->cap_recs = b->cap_recs ? b->cap_recs * 2 : 256;
        b->recs = xrealloc(b->recs, b->cap_recs * sizeof(*b->recs));
    }
    FhRec *rec = &b->recs[b->n_recs++];
    rec->off = b->data.len;
    rec->len = (uint32_t)n;
    rec->shard = shard;
    rec->seq = v->seq;
    rec->arrival_ms = v->arrival_ms;
    if (buf_append(&b->data, p, n) || (newline && buf_append_byte(&b->data, '\n')))
        weir_panic("firehose buffer");
    if (b->n_recs == 1 || v->arrival_ms < b->oldest_ms)
        b->oldest_ms = v->arrival_ms;
    FhBufShard *bs = NULL;
    for (size_t i = 0; i < b->n_shards; i++)
        if (b->shards[i].index == shard)
            bs = &b->shards[i];
    if (!bs) {
        b->shards = xrealloc(b->shards, (b->n_shards + 1) * sizeof(*b->shards));
        bs = &b->shards[b->n_shards++];
        bs->index = shard;
        bs->first_seq = v->seq;
    }
    bs->max_seq = v->seq;
}

/* Firehose's error-record JSON line for a record that failed processing or conversion. */
static void error_line(FhRun *r, Buf *out, uint32_t shard, uint64_t seq, int64_t arrival_ms, const uint8_t *p,
                       size_t n, const char *code, const char *msg)
{
    char seqtxt[STORE_SEQ_STR_LEN + 1];
    store_seq_format(r->source_uid, seq, shard, seqtxt);
    char *b64 = xmalloc(base64_encoded_len(n) + 1);
    size_t bn = base64_encode(p, n, b64);
    b64[bn] = '\0';
    json_t *o = json_object();
    json_object_set_new(o, "attemptsMade", json_integer(1));
    json_object_set_new(o, "arrivalTimestamp", json_integer(arrival_ms));
    json_object_set_new(o, "lastErrorCode", json_string(code));
    json_object_set_new(o, "lastErrorMessage", json_string(msg));
    json_object_set_new(o, "rawData", json_string(b64));
    json_object_set_new(o, "sequenceNumber", json_string(seqtxt));
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    free(b64);
    if (!s || buf_append_cstr(out, s) || buf_append_byte(out, '\n'))
        weir_panic("firehose error record");
    free(s);
}

/* The object keys and bytes of one flush: data is the object's bytes, in body or borrowed from the buffer. */
typedef struct FhObj {
    Buf key;
    Buf body;
    Slice data;
} FhObj;

/* The object's bytes for raw (compressed into out, or raw itself when uncompressed: the buffer's bytes are
 * never moved, a failed put is retried from them). */
static int flush_compress(FhRun *r, const char *name, const Buf *raw, Buf *out, Slice *data, Err *e)
{
    Slice part = {raw->p, raw->len};
    if (r->dest.codec == SINK_CODEC_NONE) {
        *data = part;
        return WEIR_OK;
    }
    int rc = sink_compress(r->dest.codec, 0, &part, 1, name, out, e);
    *data = (Slice){out->p, out->len};
    return rc;
}

/* An object key: the prefix (random string filled in) and Firehose's name. */
static int object_key(FhRun *r, const char *prefix, const char *random, int64_t oldest_ms, const char *uuid,
                      const char *ext, Buf *out)
{
    if (fh_prefix_fill_random(prefix, random, out) ||
        fh_object_name(r->name, r->version, oldest_ms, uuid, ext, out))
        return WEIR_ELIMIT;
    return WEIR_OK;
}

/* Parquet: decode b's records with the table's definition, a batch at a time, into pq; records that do
 * not convert become error lines in errs (their oldest arrival in *err_oldest). */
static int flush_parquet(FhRun *r, FhBuffer *b, Buf *pq, Buf *errs, int64_t *err_oldest, uint64_t *rows,
                         ParquetWriter **keep, ParquetResult *res, Err *e)
{
    ParquetOptions po;
    parquet_options_init(&po);
    po.codec = r->dest.parquet_codec == SINK_CODEC_GZIP     ? PARQUET_CODEC_GZIP
               : r->dest.parquet_codec == SINK_CODEC_ZSTD   ? PARQUET_CODEC_ZSTD
               : r->dest.parquet_codec == SINK_CODEC_SNAPPY ? PARQUET_CODEC_SNAPPY
                                                            : PARQUET_CODEC_NONE;
    /* one row group per object: the buffer is the row group (SizeInMBs bounds it) */
    po.row_group_bytes = (size_t)r->dest.size_bytes * 2 + (1u << 20);
    uint32_t nc = r->td->n_cols;
    ParquetColumn *cols = xcalloc(nc ? nc : 1, sizeof(*cols));
    for (uint32_t i = 0; i < nc; i++) {
        cols[i].name = r->td->cols[i].name;
        cols[i].type = r->td->cols[i].type;
        cols[i].is_nullable = 1;
    }
    ParquetWriter *w = NULL;
    int rc = parquet_writer_create(cols, nc, &po, pq, &w, e);
    free(cols);
    if (rc)
        return rc;
    /* Only the table's data columns are decoded and the policy is dead_letter, so the decoder never reads
     * a record's sequence number or shard id (they feed hidden columns and the fail policy's message):
     * they are left out, formatting them per record took a tenth of the delivery's CPU. */
    DecodeRecord *dr = xcalloc(VEC_BATCH, sizeof(*dr));
    *err_oldest = INT64_MAX;
    for (size_t at = 0; at < b->n_recs && !rc; at += VEC_BATCH) {
        uint32_t n = (uint32_t)(b->n_recs - at < VEC_BATCH ? b->n_recs - at : VEC_BATCH);
        for (uint32_t i = 0; i < n; i++) {
            const FhRec *rec = &b->recs[at + i];
            dr[i].data = (Slice){b->data.p + rec->off, rec->len};
            dr[i].arrival_usec = (rec->arrival_ms - FH_EPOCH2000_MS) * 1000;
        }
        arena_reset(r->arena);
        DecodeOut out;
        SqlError se;
        memset(&se, 0, sizeof(se));
        if (decoder_run(r->dec, dr, n, r->arena, &out, &se)) {
            rc = err_set(e, WEIR_EIO, "decoding for Parquet: %s", se.message);
            break;
        }
        for (uint32_t k = 0; k < out.n_dead; k++) {
            const FhRec *rec = &b->recs[at + out.dead[k].record];
            error_line(r, errs, rec->shard, rec->seq, rec->arrival_ms, b->data.p + rec->off, rec->len,
                       "DataFormatConversion.MalformedData", out.dead[k].reason ? out.dead[k].reason : "bad record");
            if (rec->arrival_ms < *err_oldest)
                *err_oldest = rec->arrival_ms;
        }
        if (out.batch->n)
            rc = parquet_writer_write_batch(w, out.batch, e);
        *rows += out.batch->n;
    }
    free(dr);
    ParquetResult own;
    if (!rc && *rows > 0)
        rc = parquet_writer_finish(w, res ? res : &own, e);
    if (keep && !rc && *rows > 0)
        *keep = w; /* its results' bounds live as long as it does */
    else
        parquet_writer_destroy(&w);
    if (*rows == 0)
        buf_reset(pq);
    return rc;
}

/* Where shard s's committed position stands once buffer bi is delivered: the smallest first sequence of
 * its records in the other open buffers, or its read position when none holds any. */
static uint64_t run_committed(const FhRun *r, size_t bi, const FhShard *s)
{
    uint64_t committed = s->pos;
    for (size_t j = 0; j < r->n_bufs; j++) {
        if (j == bi)
            continue;
        for (size_t k = 0; k < r->bufs[j]->n_shards; k++)
            if (r->bufs[j]->shards[k].index == s->index && r->bufs[j]->shards[k].first_seq < committed)
                committed = r->bufs[j]->shards[k].first_seq;
    }
    return committed;
}

/* Step 3: one transaction: the intent (keys; NULL: none) deleted, the high waters of buffer bi's key
 * raised to shards ("index:seq,..."), the committed positions moved, the high waters below them dropped.
 * On success buffer bi is removed (r->bufs[bi] is another buffer after it). */
static int run_commit(FhRun *r, size_t bi, const char *keys, const char *shards, size_t n_obj, Err *e)
{
    FhBuffer *b = r->bufs[bi];
    sqlite3_stmt *st;
    int rc = fh_db_exec(r->db, "BEGIN IMMEDIATE", e);
    if (!rc && keys) {
        st = run_prep(r, "DELETE FROM fh_intents WHERE name = ?1 AND okey = ?2", e);
        rc = st ? (sqlite3_bind_text(st, 2, keys, -1, SQLITE_TRANSIENT), run_done(r, st, e)) : e->code;
    }
    if (!rc)
        rc = run_raise_hw(r, b->bkey, shards, e);
    for (size_t i = 0; i < r->n_shards && !rc; i++) {
        FhShard *s = &r->shards[i];
        uint64_t committed = run_committed(r, bi, s);
        st = run_prep(r, "INSERT OR REPLACE INTO fh_positions(name, shard, source_uid, pos) VALUES(?1, ?2, ?3, ?4)", e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_int64(st, 2, s->index);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)r->source_uid);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)committed);
        if ((rc = run_done(r, st, e)))
            break;
        /* high waters below the committed position can never skip a replayed record */
        st = run_prep(r, "DELETE FROM fh_highwater WHERE name = ?1 AND shard = ?2 AND seq < ?3", e);
        if (!st) {
            rc = e->code;
            break;
        }
        sqlite3_bind_int64(st, 2, s->index);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)committed);
        rc = run_done(r, st, e);
    }
    if (!rc)
        rc = fh_db_exec(r->db, "COMMIT", e);
    if (rc) {
        run_rollback(r);
        return rc;
    }
    atomic_fetch_add(&r->n_records, b->n_recs);
    atomic_fetch_add(&r->n_objects, n_obj);
    log_debug("firehose %s: delivered %zu records in %s", r->name, b->n_recs, keys ? keys : "-");
    map_del(&r->buf_index, b->bkey, 0);
    r->maps_gen++;
    r->buffered_bytes -= b->data.len;
    if (!r->spare_data.p && b->data.cap <= (size_t)r->dest.size_bytes * 2) {
        /* keep its memory for the next buffer (a huge error buffer is not worth keeping) */
        buf_reset(&b->data);
        r->spare_data = b->data;
        r->spare_recs = b->recs;
        r->spare_cap_recs = b->cap_recs;
        buf_init(&b->data, 0);
        b->recs = NULL;
    }
    buffer_free(b);
    r->bufs[bi] = r->bufs[--r->n_bufs];
    return WEIR_OK;
}

/* "<source uid>;<index>:<pos>,..." : the committed positions once buffer bi is delivered, for an Iceberg
 * snapshot's "weir.positions". */
static int run_positions_text(const FhRun *r, size_t bi, Buf *out)
{
    if (buf_printf(out, "%" PRIu64 ";", r->source_uid))
        return WEIR_ELIMIT;
    for (size_t i = 0; i < r->n_shards; i++)
        if (buf_printf(out, "%s%u:%" PRIu64, i ? "," : "", r->shards[i].index, run_committed(r, bi, &r->shards[i])))
            return WEIR_ELIMIT;
    return WEIR_OK;
}

/* An Iceberg destination's flush: the buffer's rows as one Parquet data file in the table's data/
 * directory, its conversion failures as an error object, then one Iceberg commit whose snapshot carries
 * the positions it covers ("weir.positions"), then firehose.db's positions (which only ever trail the
 * snapshot's: a crash between the two is repaired from the snapshot on start). A crash before the
 * commit leaves an orphan data file, deleted on start. The error object's key is a function of where
 * the buffer starts (shard positions), so a replay after a crash overwrites it instead of adding one. */
static int run_flush_iceberg(FhRun *r, size_t bi, Err *e)
{
    FhBuffer *b = r->bufs[bi];
    Buf pq, errs, key, props, shards;
    buf_init(&pq, 0);
    buf_init(&errs, 0);
    buf_init(&key, 0);
    buf_init(&props, 0);
    buf_init(&shards, 0);
    int64_t err_oldest = 0;
    uint64_t rows = 0;
    ParquetWriter *w = NULL;
    ParquetResult res;
    memset(&res, 0, sizeof(res));
    int rc = flush_parquet(r, b, &pq, &errs, &err_oldest, &rows, &w, &res, e);
    IcebergDataFile df;
    IcebergColumnStats *stats = NULL;
    char path[256];
    memset(&df, 0, sizeof(df));
    if (!rc && rows) {
        iceberg_table_new_data_path(r->ice, path, sizeof(path));
        if (buf_printf(&key, "%s/%s", r->dest.ice_path, path))
            rc = err_set(e, WEIR_ELIMIT, "key too long");
        Slice part = {pq.p, pq.len};
        if (!rc)
            rc = objstore_put(r->m->os, r->dest.bucket, (const char *)key.p, &part, 1, e);
        stats = xcalloc(res.n_cols ? res.n_cols : 1, sizeof(*stats));
        for (uint32_t i = 0; i < res.n_cols; i++) {
            stats[i].value_count = (int64_t)res.cols[i].value_count;
            stats[i].null_count = (int64_t)res.cols[i].null_count;
            stats[i].column_size = (int64_t)res.cols[i].compressed_size;
            if (res.cols[i].has_lower)
                stats[i].lower = res.cols[i].lower;
            if (res.cols[i].has_upper)
                stats[i].upper = res.cols[i].upper;
        }
        df.path = path;
        df.size = pq.len;
        df.record_count = (int64_t)rows;
        df.cols = stats;
        df.n_cols = res.n_cols;
    }
    if (!rc && errs.len) {
        /* the key: a uuid-shaped digest of the buffer's start positions */
        uint64_t h1 = 1469598103934665603ull, h2 = 1099511628211ull;
        for (size_t i = 0; i < b->n_shards; i++) {
            h1 = (h1 ^ b->shards[i].index ^ (b->shards[i].first_seq << 8)) * 1099511628211ull;
            h2 = (h2 ^ b->shards[i].first_seq ^ ((uint64_t)b->shards[i].index << 40)) * 1469598103934665603ull;
        }
        char uuid[37];
        snprintf(uuid, sizeof(uuid), "%08x-%04x-%04x-%04x-%012" PRIx64, (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
                 (unsigned)h1 & 0xffff, (unsigned)(h2 >> 48), (uint64_t)(h2 & 0xffffffffffffull));
        Buf ep, body;
        buf_init(&ep, 0);
        buf_init(&body, 0);
        int64_t first_ms = b->recs[0].arrival_ms;
        rc = fh_template_eval(&r->dest.error_prefix, first_ms, "format-conversion-failed", NULL, NULL, 0, &ep, e);
        Buf ekey;
        buf_init(&ekey, 0);
        if (!rc && (buf_append(&ekey, ep.p, ep.len) ||
                    fh_object_name(r->name, r->version, first_ms, uuid, sink_codec_extension(r->dest.codec), &ekey)))
            rc = err_set(e, WEIR_ELIMIT, "key too long");
        Slice part;
        if (!rc)
            rc = flush_compress(r, (const char *)ekey.p, &errs, &body, &part, e);
        if (!rc)
            rc = objstore_put(r->m->os, r->dest.bucket, (const char *)ekey.p, &part, 1, e);
        buf_fini(&ekey);
        buf_fini(&ep);
        buf_fini(&body);
    }
    if (!rc && run_positions_text(r, bi, &props))
        rc = err_set(e, WEIR_ELIMIT, "positions too long");
    if (!rc) {
        IcebergProp prop = {"weir.positions", (const char *)props.p};
        rc = iceberg_table_append(r->ice, rows ? &df : NULL, rows ? 1 : 0, &prop, 1, NULL, e);
    }
    for (size_t i = 0; i < b->n_shards && !rc; i++)
        if (buf_printf(&shards, "%s%u:%" PRIu64, i ? "," : "", b->shards[i].index, b->shards[i].max_seq))
            rc = err_set(e, WEIR_ELIMIT, "too many shards");
    if (!rc)
        rc = run_commit(r, bi, NULL, (const char *)shards.p, rows ? 1 : 0, e);
    free(stats);
    parquet_writer_destroy(&w);
    buf_fini(&pq);
    buf_fini(&errs);
    buf_fini(&key);
    buf_fini(&props);
    buf_fini(&shards);
    return rc;
}

/* Open (or create) an Iceberg destination's table; take the positions of its current snapshot where
 * they are ahead of firehose.db's; delete data files no snapshot lists (a crash before their commit). */
static int run_iceberg_open(FhRun *r, Err *e)
{
    char dir[4096];
    if (!objstore_local_dir(r->m->os, r->dest.bucket, dir, sizeof(dir)))
        return err_set(e, WEIR_EINVAL, "Iceberg tables need the local warehouse");
    size_t n = strlen(dir);
    snprintf(dir + n, sizeof(dir) - n, "/%s", r->dest.ice_path);
    if (!r->ice && iceberg_table_open_tabledef(dir, r->td, NULL, &r->ice, e))
        return e->code;
    const char *pos = iceberg_table_summary_get(r->ice, "weir.positions");
    if (pos) {
        char *end = NULL;
        unsigned long long uid = strtoull(pos, &end, 10);
        if (*end == ';' && uid == r->source_uid) {
            const char *p = end + 1;
            while (*p) {
                unsigned long long idx = strtoull(p, &end, 10);
                if (*end != ':')
                    return err_set(e, WEIR_ECORRUPT, "bad weir.positions '%s' in the table's snapshot", pos);
                unsigned long long at = strtoull(end + 1, &end, 10);
                FhShard *s = run_shard(r, (uint32_t)idx);
                if (s && at > s->pos)
                    s->pos = at;
                p = *end == ',' ? end + 1 : end;
            }
        }
    }
    /* orphans */
    Buf live, keys;
    buf_init(&live, 0);
    buf_init(&keys, 0);
    size_t n_live = 0, n_keys = 0;
    char under[512];
    snprintf(under, sizeof(under), "%s/data/", r->dest.ice_path);
    int rc = iceberg_table_data_files(r->ice, &live, &n_live, e);
    if (!rc) {
        rc = objstore_list(r->m->os, r->dest.bucket, under, &keys, &n_keys, e);
        if (rc == WEIR_ENOTFOUND)
            rc = WEIR_OK, n_keys = 0;
    }
    const char *k = (const char *)keys.p;
    for (size_t i = 0; i < n_keys && !rc; i++, k += strlen(k) + 1) {
        const char *rel = k + strlen(r->dest.ice_path) + 1;
        int found = 0;
        const char *l = (const char *)live.p;
        for (size_t j = 0; j < n_live && !found; j++, l += strlen(l) + 1)
            found = !strcmp(l, rel);
        if (!found) {
            log_info("firehose %s: deleting %s, a data file no snapshot lists", r->name, k);
            rc = objstore_delete(r->m->os, r->dest.bucket, k, e);
        }
    }
    buf_fini(&live);
    buf_fini(&keys);
    return rc;
}

/* Write buffer i out (steps 1-3 at the top of the file). WEIR_OK: delivered and removed; otherwise the
 * buffer stays (the caller backs off). */
static int run_flush(FhRun *r, size_t bi, Err *e)
{
    FhBuffer *b = r->bufs[bi];
    FhObj obj[2];
    size_t n_obj = 0;
    for (size_t i = 0; i < 2; i++) {
        buf_init(&obj[i].key, 0);
        buf_init(&obj[i].body, 0);
    }
    int rc = WEIR_OK;
    Buf name;
    buf_init(&name, 0);
    if (r->dest.format == FH_FORMAT_PARQUET && !b->is_error) {
        Buf pq, errs;
        buf_init(&pq, 0);
        buf_init(&errs, 0);
        int64_t err_oldest = 0;
        uint64_t rows = 0;
        rc = flush_parquet(r, b, &pq, &errs, &err_oldest, &rows, NULL, NULL, e);
        if (!rc && rows) {
            rc = object_key(r, b->bkey + 1, b->random, b->oldest_ms, b->uuid, ".parquet", &obj[n_obj].key);
            Buf t = obj[n_obj].body;
            obj[n_obj].body = pq;
            pq = t;
            obj[n_obj].data = (Slice){obj[n_obj].body.p, obj[n_obj].body.len};
            n_obj++;
        }
        if (!rc && errs.len) {
            /* the conversion failures of this buffer, under the error prefix at their oldest arrival */
            Buf ep;
            buf_init(&ep, 0);
            rc = fh_template_eval(&r->dest.error_prefix, err_oldest, "format-conversion-failed", NULL, NULL, 0, &ep, e);
            char uuid2[37];
            /* derived from the buffer's uuid so the pair is recognisable; still unique */
            memcpy(uuid2, b->uuid, sizeof(uuid2));
            uuid2[35] = uuid2[35] == 'f' ? '0' : (char)(uuid2[35] == '9' ? 'a' : uuid2[35] + 1);
            if (!rc)
                rc = object_key(r, (const char *)ep.p, b->random, err_oldest, uuid2,
                                sink_codec_extension(r->dest.codec), &name);
            buf_fini(&ep);
            if (!rc)
                rc = flush_compress(r, (const char *)name.p, &errs, &obj[n_obj].body, &obj[n_obj].data, e);
            if (!rc && obj[n_obj].data.p == errs.p) {
                /* uncompressed: the object keeps errs' bytes (errs is freed below) */
                Buf t = obj[n_obj].body;
                obj[n_obj].body = errs;
                errs = t;
            }
            if (!rc) {
                Buf t = obj[n_obj].key;
                obj[n_obj].key = name;
                name = t;
                n_obj++;
            }
        }
        buf_fini(&pq);
        buf_fini(&errs);
    } else {
        rc = object_key(r, b->bkey + 1, b->random, b->oldest_ms, b->uuid, sink_codec_extension(r->dest.codec),
                        &obj[0].key);
        if (!rc)
            rc = flush_compress(r, (const char *)obj[0].key.p, &b->data, &obj[0].body, &obj[0].data, e);
        n_obj = 1;
    }
    buf_fini(&name);
    /* the intent: keys joined by '\n', per shard the highest sequence */
    Buf keys, shards;
    buf_init(&keys, 0);
    buf_init(&shards, 0);
    for (size_t i = 0; i < n_obj && !rc; i++)
        if ((i && buf_append_byte(&keys, '\n')) || buf_append(&keys, obj[i].key.p, obj[i].key.len))
            rc = err_set(e, WEIR_ELIMIT, "intent too long");
    for (size_t i = 0; i < b->n_shards && !rc; i++)
        if (buf_printf(&shards, "%s%u:%" PRIu64, i ? "," : "", b->shards[i].index, b->shards[i].max_seq))
            rc = err_set(e, WEIR_ELIMIT, "intent too long");
    sqlite3_stmt *st = NULL;
    if (!rc && n_obj) {
        st = run_prep(r, "INSERT OR REPLACE INTO fh_intents(name, okey, bucket, bkey, shards, n) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                      e);
        if (!st)
            rc = e->code;
        else {
            sqlite3_bind_text(st, 2, (const char *)keys.p, (int)keys.len, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, r->dest.bucket, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 4, b->bkey, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 5, (const char *)shards.p, (int)shards.len, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 6, (sqlite3_int64)b->n_recs);
            rc = run_done(r, st, e);
        }
    }
    for (size_t i = 0; i < n_obj && !rc; i++) {
        rc = objstore_put(r->m->os, r->dest.bucket, (const char *)obj[i].key.p, &obj[i].data, 1, e);
    }
    if (!rc)
        rc = run_commit(r, bi, n_obj ? (const char *)keys.p : NULL, (const char *)shards.p, n_obj, e);
    buf_fini(&keys);
    buf_fini(&shards);
    for (size_t i = 0; i < 2; i++) {
        buf_fini(&obj[i].key);
        buf_fini(&obj[i].body);
    }
    return rc;
}

static int run_flush_logged(FhRun *r, size_t bi)
{
    Err e;
    err_clear(&e);
    int rc = r->dest.is_iceberg ? run_flush_iceberg(r, bi, &e) : run_flush(r, bi, &e);
    if (rc) {
        r->backoff_ms = r->backoff_ms ? r->backoff_ms * 2 : 1000;
        if (r->backoff_ms > FH_BACKOFF_MAX_MS)
            r->backoff_ms = FH_BACKOFF_MAX_MS;
        r->backoff_until_ns = clock_mono_ns() + (uint64_t)r->backoff_ms * 1000000ull;
        log_warn("firehose %s: delivery failed (%s), retrying in %" PRId64 " ms: %s", r->name, err_code_name(rc),
                 r->backoff_ms, e.msg);
    } else {
        r->backoff_ms = 0;
    }
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------------------------- */

typedef struct ReadCtx {
    FhRun *r;
    FhShard *s;
    int stop; /* a flush failed: stop reading until the backoff ends */
} ReadCtx;

static int run_on_record(void *arg, const StoreRecordView *v)
{
    ReadCtx *c = arg;
    FhRun *r = c->r;
    const FhDest *d = &r->dest;
    Err e;
    err_clear(&e);
    /* the buffer key: 'D' (data) or 'E' (error records) + the evaluated prefix, so that an error prefix
     * that evaluates like a data prefix still gets buffers of its own */
    Buf *key = &r->scratch;
    buf_reset(key);
    if (buf_append_byte(key, 'D'))
        weir_panic("firehose key");
    const char *err_code = NULL;
    const char *err_type = "processing-failed";
    int rc = WEIR_OK;
    if (d->dynamic_partitioning && d->n_keys) {
        rc = fh_extract_keys(d->keys, d->n_keys, v->data.p, v->data.n, r->vals, &e);
        if (rc)
            err_code = rc == WEIR_EPARSE ? "DynamicPartitioning.MetadataExtractionFailed"
                                         : "DynamicPartitioning.PartitionKeyMissing";
    }
    if (!rc && r->key_by_second && v->arrival_ms / 1000 == r->last_sec) {
        /* the same second as the record before: the same key (no partition keys, no millisecond pattern) */
        buf_reset(key);
        if (buf_append(key, r->last_key.p, r->last_key.len))
            weir_panic("firehose key");
    } else if (!rc) {
        rc = fh_template_eval(&d->prefix, v->arrival_ms, NULL, d->keys, (const char *const *)r->vals,
                              d->dynamic_partitioning ? d->n_keys : 0, key, &e);
        if (rc)
            err_code = "DynamicPartitioning.InvalidPrefix";
        else if (r->key_by_second) {
            r->last_sec = v->arrival_ms / 1000;
            buf_reset(&r->last_key);
            if (buf_append(&r->last_key, key->p, key->len))
                weir_panic("firehose key");
        }
    }
    for (size_t i = 0; i < d->n_keys; i++) {
        free(r->vals[i]);
        r->vals[i] = NULL;
    }
    int is_error = rc != WEIR_OK;
    if (is_error) {
        buf_reset(key);
        if (buf_append_byte(key, 'E'))
            weir_panic("firehose key");
        Err e2;
        err_clear(&e2);
        if (fh_template_eval(&d->error_prefix, v->arrival_ms, err_type, NULL, NULL, 0, key, &e2))
            weir_panic("firehose: the error prefix does not evaluate");
    }
    const char *bkey = (const char *)key->p;
    if (r->lk_gen != r->maps_gen || r->lk_shard != c->s->index || r->lk_key.len != key->len ||
        memcmp(r->lk_key.p, key->p, key->len) != 0) {
        MapEnt *be = map_get(&r->buf_index, bkey, 0);
        r->lk_hw = map_get(&r->hw, bkey, c->s->index);
        r->lk_buf = be ? be->v.ptr : NULL;
        r->lk_shard = c->s->index;
        r->lk_gen = r->maps_gen;
        buf_reset(&r->lk_key);
        if (buf_append(&r->lk_key, key->p, key->len))
            weir_panic("firehose key");
    }
    MapEnt *hw = r->lk_hw;
    FhBuffer *b = NULL;
    if (!hw || hw->v.seq < v->seq) {
        FhBuffer *have = r->lk_buf;
        if ((r->n_bufs >= FH_MAX_OPEN_BUFFERS && !have) || r->buffered_bytes >= FH_MAX_BUFFERED_BYTES) {
            /* room first; on failure the record stays unread (its shard's position is not moved) */
            size_t oldest = 0;
            for (size_t i = 1; i < r->n_bufs; i++)
                if (r->bufs[i]->opened_ns < r->bufs[oldest]->opened_ns)
                    oldest = i;
            if (run_flush_logged(r, oldest)) {
                c->stop = 1;
                return 1;
            }
            bkey = (const char *)key->p;
            have = NULL; /* it may be the buffer just delivered */
        }
        b = have ? have : run_buffer(r, bkey, is_error);
        size_t before = b->data.len;
        if (is_error) {
            Buf line;
            buf_init(&line, 0);
            error_line(r, &line, c->s->index, v->seq, v->arrival_ms, v->data.p, v->data.n, err_code, e.msg);
            buffer_add(b, v, c->s->index, line.p, line.len, 0);
            buf_fini(&line);
        } else {
            buffer_add(b, v, c->s->index, v->data.p, v->data.n, d->append_newline);
        }
        r->buffered_bytes += b->data.len - before;
    }
    c->s->pos = v->seq + 1;
    /* a full buffer goes out at once (its record is in it, so the shard's position is right) */
    if (b && b->data.len >= d->size_bytes) {
        size_t i = 0;
        while (r->bufs[i] != b)
            i++;
        if (run_flush_logged(r, i)) {
            c->stop = 1;
            return 1;
        }
    }
    return atomic_load(&r->stop) ? 1 : 0;
}

static void *run_thread(void *arg)
{
    FhRun *r = arg;
    Err e;
    err_clear(&e);
    int ready = 0;
    while (!atomic_load(&r->stop)) {
        uint64_t now = clock_mono_ns();
        size_t n_read = 0;
        if (!ready) {
            err_clear(&e);
            if (run_recover(r, &e) || run_load_hw(r, &e) || run_refresh(r, &e) ||
                (r->dest.is_iceberg && run_iceberg_open(r, &e))) {
                log_warn("firehose %s: cannot start delivering yet: %s", r->name, e.msg);
                goto wait;
            }
            ready = 1;
            r->last_refresh_ns = now;
            if (!r->active) {
                sqlite3_stmt *st = run_prep(r, "UPDATE fh_streams SET status = 1 WHERE name = ?1 AND status = 0", &e);
                if (st && run_done(r, st, &e) == WEIR_OK)
                    r->active = 1;
            }
        }
        if (r->need_refresh || now - r->last_refresh_ns >= FH_REFRESH_NS) {
            err_clear(&e);
            if (run_refresh(r, &e))
                log_warn("firehose %s: %s", r->name, e.msg);
            r->last_refresh_ns = now;
            r->need_refresh = 0;
        }
        if (now < r->backoff_until_ns)
            goto wait;
        /* buffers due (or left full by a failed flush) */
        for (size_t i = 0; i < r->n_bufs;) {
            FhBuffer *b = r->bufs[i];
            if (b->data.len >= r->dest.size_bytes || now - b->opened_ns >= (uint64_t)r->dest.interval_ms * 1000000ull) {
                if (run_flush_logged(r, i))
                    goto wait;
                continue; /* bufs[i] is another buffer now */
            }
            i++;
        }
        for (size_t i = 0; i < r->n_shards && !atomic_load(&r->stop); i++) {
            FhShard *s = &r->shards[i];
            if (s->state != SH_READING)
                continue;
            ReadCtx c = {.r = r, .s = s};
            StoreReadResult res;
            err_clear(&e);
            int rc = store_read(r->m->store, r->source, s->index, s->pos, FH_READ_RECORDS, FH_READ_BYTES, run_on_record,
                                &c, &res, &e);
            if (rc) {
                log_warn("firehose %s: reading %s shard %u: %s", r->name, r->source, s->index, e.msg);
                r->need_refresh = 1;
                r->source_uid = rc == WEIR_ENOTFOUND ? 0 : r->source_uid;
                break;
            }
            n_read += res.n_records;
            if (!c.stop && res.next_pos > s->pos)
                s->pos = res.next_pos;
            if (c.stop)
                break;
            if (res.is_end && res.n_records == 0) {
                s->state = SH_DONE;
                r->need_refresh = 1;
            }
        }
        if (n_read)
            continue;
    wait:
        if (r->spare_data.p) {
            /* nothing to read: the spare buffer is not needed soon */
            buf_fini(&r->spare_data);
            free(r->spare_recs);
            r->spare_recs = NULL;
            r->spare_cap_recs = 0;
        }
        pthread_mutex_lock(&r->mu);
        if (!atomic_load(&r->stop)) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (int64_t)r->m->tick_ms * 1000000;
            ts.tv_sec += ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        }
        pthread_mutex_unlock(&r->mu);
        if (!ready) {
            /* not started: wait a little longer than a tick between attempts */
            struct timespec d = {0, 200 * 1000000};
            nanosleep(&d, NULL);
        }
    }
    /* Before a new configuration takes over, what is buffered goes out under the old one: records replayed
     * under other prefixes would not meet the high waters of the keys they were delivered under. */
    while (atomic_load(&r->drain) && ready && r->n_bufs > 0)
        if (run_flush_logged(r, r->n_bufs - 1)) {
            log_warn("firehose %s: %zu buffers not delivered before the configuration change; they are delivered "
                     "again under the new one",
                     r->name, r->n_bufs);
            break;
        }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Start / stop
 * ---------------------------------------------------------------------------------------------- */

static void run_free(FhRun *r)
{
    for (size_t i = 0; i < r->n_bufs; i++)
        buffer_free(r->bufs[i]);
    free(r->bufs);
    map_fini(&r->buf_index);
    map_fini(&r->hw);
    free(r->shards);
    if (r->db)
        sqlite3_close(r->db);
    iceberg_table_close(&r->ice);
    decoder_destroy(&r->dec);
    tabledef_destroy(&r->td);
    arena_destroy(&r->arena);
    buf_fini(&r->scratch);
    buf_fini(&r->last_key);
    buf_fini(&r->lk_key);
    buf_fini(&r->spare_data);
    free(r->spare_recs);
    free(r->vals);
    fh_dest_fini(&r->dest);
    free(r->dest_json);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r);
}

/* Parquet conversion: the table's definition (a private copy) and a decoder of all its columns that
 * hands bad records back (dead_letter) instead of nulling or skipping them. */
static int run_open_table(FhRun *r, Err *e)
{
    char *js = r->m->table_json ? r->m->table_json(r->m->table_arg, r->dest.table) : NULL;
    if (!js)
        return err_set(e, WEIR_EINVAL, "the table %s of the Parquet conversion does not exist", r->dest.table);
    SqlError se;
    memset(&se, 0, sizeof(se));
    int rc = tabledef_from_json(js, strlen(js), &r->td, &se);
    free(js);
    if (rc)
        return err_set(e, WEIR_EINVAL, "the table %s: %s", r->dest.table, se.message);
    r->td->on_error = TABLE_ON_ERROR_DEAD_LETTER;
    int32_t *cols = xcalloc(r->td->n_cols ? r->td->n_cols : 1, sizeof(*cols));
    for (uint32_t i = 0; i < r->td->n_cols; i++)
        cols[i] = (int32_t)i;
    rc = decoder_create(r->td, cols, r->td->n_cols, NULL, &r->dec, &se);
    free(cols);
    if (rc)
        return err_set(e, WEIR_EINVAL, "the table %s: %s", r->dest.table, se.message);
    r->arena = arena_create(NULL, (size_t)1 << 30);
    return WEIR_OK;
}

int fh_run_start(FhManager *m, const FhRunSpec *spec, FhRun **out, Err *e)
{
    FhRun *r = xcalloc(1, sizeof(*r));
    r->m = m;
    snprintf(r->name, sizeof(r->name), "%s", spec->name);
    snprintf(r->source, sizeof(r->source), "%s", spec->source);
    r->type = spec->type;
    r->version = spec->version;
    r->created_ms = spec->created_ms;
    r->dest_json = xstrdup(spec->dest_json);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    buf_init(&r->scratch, 0);
    buf_init(&r->last_key, 0);
    buf_init(&r->lk_key, 0);
    buf_init(&r->spare_data, 0);
    r->maps_gen = 1; /* lk_gen 0: nothing cached */
    r->last_sec = INT64_MIN;
    int rc = fh_dest_parse(r->dest_json, strlen(r->dest_json), &r->dest, e);
    if (!rc && r->dest.format == FH_FORMAT_PARQUET)
        rc = run_open_table(r, e);
    if (!rc)
        rc = fh_db_open(m->db_path, &r->db, e);
    if (rc) {
        run_free(r);
        return rc;
    }
    r->vals = xcalloc(r->dest.n_keys ? r->dest.n_keys : 1, sizeof(*r->vals));
    r->key_by_second = !r->dest.dynamic_partitioning;
    for (size_t i = 0; i < r->dest.prefix.n_parts; i++)
        if (r->dest.prefix.parts[i].kind == FH_TPL_TIMESTAMP && strchr(r->dest.prefix.parts[i].arg, 'S'))
            r->key_by_second = 0;
    if (pthread_create(&r->th, NULL, run_thread, r)) {
        run_free(r);
        return err_set(e, WEIR_ERROR, "cannot start the delivery thread of %s", spec->name);
    }
    r->started = 1;
    *out = r;
    return WEIR_OK;
}

void fh_run_stop(FhRun **rp, int drain)
{
    if (!rp || !*rp)
        return;
    FhRun *r = *rp;
    atomic_store(&r->drain, drain);
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->stop, 1);
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        pthread_join(r->th, NULL);
    run_free(r);
    *rp = NULL;
}
