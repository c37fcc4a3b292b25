/*
 * source.c: the continuous-query source (source.h): a table's stream read forever, shard by shard in
 * lineage order, decoded by op_scan's code, with per-shard event-time watermarks and checkpointable
 * positions. Contracts are in source.h; this file explains how.
 *
 * The shard table. Source.shards holds every shard of the stream the source knows, ascending by index,
 * in a malloc'd array (it only grows: shards are never removed from a stream's listing). source_poll
 * first refreshes it from store_stream_describe (one in-memory snapshot per poll, not per batch): new
 * shards are added PENDING at their start, the closed flag of each is updated, and every PENDING shard
 * whose parents are all DONE (or unknown to the stream) becomes READING with the largest watermark of its
 * parents (src_activate). A shard becomes DONE only after a describe showed it closed, and describe shows
 * a parent closed together with its children (the store creates them in one transaction), so the
 * children are always known when their parent finishes, and are activated in the same call: there is no
 * moment in which neither the parent nor its children hold the query's watermark back.
 *
 * Reading a shard (src_read): a READING shard keeps a store cursor while the cursor has records. A
 * cursor sees what was visible when it was opened, so once it runs dry it is closed, and the next poll
 * opens a new one only if the shard's visible tip (store_shard_seek LATEST, a lookup under the shard's
 * lock) moved past the position. A dry cursor on a closed shard asks store_read whether the shard is
 * over (is_end: closed, everything written is visible, and read): only then is it DONE. Each read of up
 * to VEC_BATCH records goes through scan_reader_build (op_scan's decode, policy and filter), its pin tied
 * to the poll's arena. The position, the counters and the shard's watermark move only after the
 * callback accepted the batch; on any error the cursor is closed so the next poll reads that batch again
 * from the position.
 *
 * Positions (source_positions_write / _decode), little-endian:
 *
 *     0   magic "WSRCPOS1"
 *     8   u64 stream uid
 *     16  i64 query watermark (INT64_MIN: none)
 *     24  u32 shard count n
 *     28  u32 reserved, 0
 *     32  n entries of 40 bytes, ascending by index:
 *           u32 index, u8 state (0 pending, 1 reading, 2 done), u8 + u16 reserved (0),
 *           u64 position, i64 watermark, i64 last arrival ms, u64 records read
 *     32 + 40 n   u32 CRC32C of every byte before it
 *
 * The decoder accepts exactly what the writer writes (decode then write gives the input back; the fuzz
 * target fuzz/stream_positions.c checks it), so a damaged checkpoint is an error, never a wrong position.
 */
#include "stream/source.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/crc32c.h"
#include "exec/catalog.h"
#include "exec/scan_reader.h"
#include "sql/tabledef.h"
#include "store/segment.h"

#define SOURCE_READ_BYTES ((size_t)2 << 20) /* payload bytes per read (op_scan's SCAN_READ_BYTES) */
#define SOURCE_UNSET INT64_MIN              /* SrcShard.active_us before any clock reading */

#define POS_MAGIC "WSRCPOS1"
#define POS_HDR_LEN 32
#define POS_ENTRY_LEN 40

typedef struct SrcShard {
    SourceShardPos p;
    int64_t parent, adjacent_parent; /* -1: none */
    int is_closed;                   /* as of the last describe */
    int is_idle;                     /* as of the last source_watermark */
    int64_t active_us;               /* now_us when it last gave a record or started; SOURCE_UNSET */
    StoreCursor *cursor;             /* open while it has records to hand out */
} SrcShard;

struct Source {
    const ScanSpec *sp;
    const TableDef *td;
    Store *store;
    uint64_t uid;
    ScanReader *reader;
    int32_t time_col;
    int64_t delay_us, idle_us;
    SrcShard *shards; /* ascending by index */
    uint32_t n_shards, cap_shards;
    uint32_t next;    /* where the next poll's round starts (fairness across polls) */
    int64_t wm;       /* the query's watermark: never goes back */
    SourceCounts counts;
};

static int src_oom(SqlError *err)
{
    return sql_error_set(err, "53200", 0, "out of memory: the continuous query is over its memory budget");
}

static int src_store_err(const Source *src, const Err *e, SqlError *err)
{
    return sql_error_set(err, "58030", 0, "reading stream \"%s\" of table \"%s\": %s", src->td->stream,
                         src->td->name, e->msg);
}

/* ------------------------------------------------------------------------------------------------
 * Start
 * ---------------------------------------------------------------------------------------------- */

int source_start_parse(const char *text, const SqlFormatOpts *fmt, SourceStart *out, SqlError *err)
{
    const char *p = text ? text : "";
    size_t n = strlen(p);
    while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++, n--;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    memset(out, 0, sizeof(*out));
    if (n == 6 && strncasecmp(p, "latest", 6) == 0) {
        out->kind = SOURCE_START_LATEST;
        return WEIR_OK;
    }
    if (n == 8 && strncasecmp(p, "earliest", 8) == 0) {
        out->kind = SOURCE_START_EARLIEST;
        return WEIR_OK;
    }
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlFormatOpts def;
    if (!fmt) {
        sql_format_opts_default(&def);
        fmt = &def;
    }
    SqlError e;
    memset(&e, 0, sizeof(e));
    SqlValue v;
    int rc = sql_value_from_text((SqlType){SQL_TIMESTAMPTZ, -1}, p, n, fmt, a, &v, &e);
    arena_destroy(&a);
    if (rc)
        return sql_error_set(err, "22023", 0,
                             "invalid value for option \"start\": %s (expected 'latest', 'earliest' or a timestamp)",
                             e.message);
    if (v.is_null || v.u.i == SQL_DT_NOEND || v.u.i == SQL_DT_NOBEGIN)
        return sql_error_set(err, "22023", 0, "invalid value for option \"start\": \"%.*s\" is not a finite timestamp",
                             (int)n, p);
    out->kind = SOURCE_START_AT;
    out->at_us = v.u.i;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The shard table
 * ---------------------------------------------------------------------------------------------- */

static SrcShard *src_find(Source *src, int64_t index)
{
    if (index < 0 || index > UINT32_MAX)
        return NULL;
    uint32_t lo = 0, hi = src->n_shards;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (src->shards[mid].p.index < (uint32_t)index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < src->n_shards && src->shards[lo].p.index == (uint32_t)index ? &src->shards[lo] : NULL;
}

/* A new PENDING shard at pos, kept in index order (index must not be there yet). */
static SrcShard *src_add(Source *src, uint32_t index, uint64_t pos)
{
    if (src->n_shards == src->cap_shards) {
        src->cap_shards = src->cap_shards ? src->cap_shards * 2 : 8;
        src->shards = xrealloc(src->shards, src->cap_shards * sizeof(*src->shards));
    }
    uint32_t at = src->n_shards;
    while (at > 0 && src->shards[at - 1].p.index > index)
        at--;
    memmove(&src->shards[at + 1], &src->shards[at], (src->n_shards - at) * sizeof(*src->shards));
    src->n_shards++;
    SrcShard *sh = &src->shards[at];
    memset(sh, 0, sizeof(*sh));
    sh->p = (SourceShardPos){.index = index, .state = SOURCE_SHARD_PENDING, .pos = pos, .watermark = SOP_WM_NONE};
    sh->parent = sh->adjacent_parent = -1;
    sh->active_us = SOURCE_UNSET;
    return sh;
}

/* Whether parent index p no longer keeps a child waiting: DONE, or not a shard of the stream at all. */
static int src_parent_done(Source *src, int64_t p, int64_t *wm)
{
    if (p < 0)
        return 1;
    const SrcShard *ps = src_find(src, p);
    if (!ps)
        return 1;
    if (ps->p.watermark > *wm)
        *wm = ps->p.watermark;
    return ps->p.state == SOURCE_SHARD_DONE;
}

/* Every PENDING shard whose parents are done starts READING with the largest of their watermarks. One
 * pass in index order suffices: a child's index is above its parents', and activation makes no shard
 * DONE. */
static void src_activate(Source *src, int64_t now_us)
{
    for (uint32_t i = 0; i < src->n_shards; i++) {
        SrcShard *sh = &src->shards[i];
        if (sh->p.state != SOURCE_SHARD_PENDING)
            continue;
        int64_t wm = sh->p.watermark;
        int a = src_parent_done(src, sh->parent, &wm), b = src_parent_done(src, sh->adjacent_parent, &wm);
        if (!a || !b)
            continue;
        sh->p.state = SOURCE_SHARD_READING;
        sh->p.watermark = wm;
        sh->active_us = now_us;
    }
}

/* Bring the shard table up to the stream's listing: new shards (PENDING at their start: they were
 * created after the source, so everything in them is new), closed flags, lineage; then activate. */
static int src_refresh(Source *src, int64_t now_us, SqlError *err)
{
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(src->store, src->td->stream, &si, &e))
        return sql_error_set(err, "58030", 0, "stream \"%s\" of table \"%s\" no longer exists", src->td->stream,
                             src->td->name);
    if (si->uid != src->uid) {
        store_stream_info_free(&si);
        return sql_error_set(err, "55000", 0, "stream \"%s\" of table \"%s\" was deleted and created again",
                             src->td->stream, src->td->name);
    }
    for (uint32_t i = 0; i < si->n_shards; i++) {
        const ShardInfo *in = &si->shards[i];
        SrcShard *sh = src_find(src, in->index);
        if (!sh)
            sh = src_add(src, in->index, in->start_seq);
        sh->parent = in->parent;
        sh->adjacent_parent = in->adjacent_parent;
        sh->is_closed = in->is_closed;
    }
    store_stream_info_free(&si);
    src_activate(src, now_us);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Create / destroy
 * ---------------------------------------------------------------------------------------------- */

/* Each shard's first position for a fresh start (every shard that exists now, PENDING until
 * src_refresh activates those without unfinished parents). */
static int src_start_fresh(Source *src, const SourceStart *start, const StreamInfo *si, SqlError *err)
{
    SourceStartKind kind = start ? start->kind : SOURCE_START_LATEST;
    int type = kind == SOURCE_START_EARLIEST ? STORE_TRIM_HORIZON
               : kind == SOURCE_START_AT     ? STORE_AT_TIMESTAMP
                                             : STORE_LATEST;
    int64_t ts_ms = 0;
    if (kind == SOURCE_START_AT) {
        /* arrivals are whole milliseconds m (m * 1000 us): m >= at_us / 1000 rounded up */
        __int128 unix_us = (__int128)start->at_us + (__int128)SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
        __int128 ms = unix_us / 1000 + (unix_us % 1000 > 0);
        ts_ms = ms > INT64_MAX ? INT64_MAX : ms < INT64_MIN ? INT64_MIN : (int64_t)ms;
    }
    for (uint32_t i = 0; i < si->n_shards; i++) {
        uint64_t pos;
        Err e;
        err_clear(&e);
        if (store_shard_seek(src->store, src->td->stream, si->shards[i].index, type, 0, ts_ms, &pos, &e))
            return src_store_err(src, &e, err);
        src_add(src, si->shards[i].index, pos);
    }
    return WEIR_OK;
}

/* The shards and the watermark saved in positions (which must be this stream's). */
static int src_start_resume(Source *src, const uint8_t *p, size_t n, const StreamInfo *si, SqlError *err)
{
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SourcePositions pos;
    int rc = source_positions_decode(p, n, a, &pos, err);
    if (rc == WEIR_OK && pos.stream_uid != si->uid)
        rc = sql_error_set(err, "55000", 0,
                           "the saved positions of table \"%s\" belong to an earlier stream \"%s\", since deleted",
                           src->td->name, src->td->stream);
    for (uint32_t i = 0; rc == WEIR_OK && i < pos.n_shards; i++) {
        const SourceShardPos *sp = &pos.shards[i];
        int known = 0;
        for (uint32_t k = 0; k < si->n_shards && !known; k++)
            known = si->shards[k].index == sp->index;
        if (!known) {
            rc = sql_error_set(err, "55000", 0, "the saved positions of table \"%s\" name shard %u, which stream \"%s\" does not have",
                               src->td->name, sp->index, src->td->stream);
            break;
        }
        SrcShard *sh = src_add(src, sp->index, sp->pos);
        sh->p = *sp;
    }
    if (rc == WEIR_OK)
        src->wm = pos.watermark;
    arena_destroy(&a);
    return rc;
}

int source_create(const ScanSpec *sp, ExecCtx *exec, const SourceStart *start, const uint8_t *positions,
                  size_t n_positions, Source **out, SqlError *err)
{
    const TableDef *td = sp->table->def;
    *out = NULL;
    if (td->file || !td->stream)
        return sql_error_set(err, "0A000", 0, "table \"%s\" reads a file: a continuous query needs a stream",
                             td->name);
    int32_t time_col = td->event_time_col >= 0 ? td->event_time_col : (int32_t)(td->n_cols + TABLE_HID_ARRIVAL_TIME);
    if (td->event_time_col >= (int32_t)td->n_cols)
        return sql_error_set(err, "XX000", 0, "internal error: event_time column %d of table \"%s\" out of range",
                             (int)td->event_time_col, td->name);
    if (td->event_time_col >= 0) {
        SqlTypeId t = td->cols[time_col].type.id;
        if (t != SQL_TIMESTAMPTZ && t != SQL_TIMESTAMP)
            return sql_error_set(err, "42804", 0, "event_time column \"%s\" of table \"%s\" must be a timestamp",
                                 td->cols[time_col].name, td->name);
    }
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(sp->store, td->stream, &si, &e))
        return sql_error_set(err, "55000", 0, "stream \"%s\" of table \"%s\" does not exist", td->stream, td->name);
    Source *src = xcalloc(1, sizeof(*src));
    src->sp = sp;
    src->td = td;
    src->store = sp->store;
    src->uid = si->uid;
    src->time_col = time_col;
    src->delay_us = td->watermark_delay_us > 0 ? td->watermark_delay_us : 0;
    src->idle_us = td->idle_timeout_us > 0 ? td->idle_timeout_us : 0;
    src->wm = SOP_WM_NONE;
    int rc = scan_reader_create(sp, time_col, exec, &src->reader, err);
    if (rc == WEIR_OK)
        rc = positions ? src_start_resume(src, positions, n_positions, si, err)
                       : src_start_fresh(src, start, si, err);
    store_stream_info_free(&si);
    if (rc == WEIR_OK)
        rc = src_refresh(src, SOURCE_UNSET, err);
    if (rc) {
        source_destroy(&src);
        return WEIR_ERROR;
    }
    *out = src;
    return WEIR_OK;
}

void source_destroy(Source **srcp)
{
    Source *src = srcp ? *srcp : NULL;
    if (!src)
        return;
    for (uint32_t i = 0; i < src->n_shards; i++)
        store_cursor_close(&src->shards[i].cursor);
    scan_reader_destroy(&src->reader);
    free(src->shards);
    free(src);
    *srcp = NULL;
}

int32_t source_time_col(const Source *src)
{
    return src->time_col;
}

void source_counts(const Source *src, SourceCounts *out)
{
    *out = src->counts;
    uint64_t records;
    scan_reader_counts(src->reader, &records, &out->bad, &out->dead);
}

/* ------------------------------------------------------------------------------------------------
 * Reading
 * ---------------------------------------------------------------------------------------------- */

static void src_pin_release(void *pin)
{
    store_pin_release(pin);
}

static int src_stop_read(void *arg, const StoreRecordView *r)
{
    UNUSED(arg), UNUSED(r);
    return 1;
}

/* A dry READING shard that a describe showed closed: DONE when the store says it is read to its end
 * (then its children start, with its watermark). */
static int src_check_end(Source *src, SrcShard *sh, int64_t now_us, SqlError *err)
{
    if (!sh->is_closed)
        return WEIR_OK;
    StoreReadResult res;
    Err e;
    err_clear(&e);
    if (store_read(src->store, src->td->stream, sh->p.index, sh->p.pos, 1, 1, src_stop_read, NULL, &res, &e))
        return src_store_err(src, &e, err);
    if (res.n_records == 0 && res.is_end) {
        store_cursor_close(&sh->cursor);
        sh->p.state = SOURCE_SHARD_DONE;
        if (res.next_pos > sh->p.pos)
            sh->p.pos = res.next_pos;
        src_activate(src, now_us);
    }
    return WEIR_OK;
}

/* t - delay, not below the smallest watermark that is not SOP_WM_NONE. */
static int64_t src_wm_of(int64_t t, int64_t delay)
{
    return t < INT64_MIN + 1 + delay ? INT64_MIN + 1 : t - delay;
}

/* The largest usable event time in column v of b's rows, SOP_WM_NONE when none. */
static int64_t src_batch_max(const Vec *v, uint32_t n)
{
    int64_t m = SOP_WM_NONE;
    const int64_t *t = v->u.i;
    for (uint32_t i = 0; i < n; i++)
        if (t[i] > m && t[i] != SQL_DT_NOEND && !vec_is_null(v, i))
            m = t[i];
    return m; /* -infinity is SOP_WM_NONE itself */
}

/* One read of up to limit records of READING shard sh, handed to fn. *got: records consumed (0: the
 * shard had nothing now). */
static int src_read(Source *src, SrcShard *sh, int64_t now_us, uint32_t limit, Arena *arena, SourceBatchFn fn,
                    void *arg, uint32_t *got, SqlError *err)
{
    *got = 0;
    Err e;
    err_clear(&e);
    if (!sh->cursor) {
        uint64_t tip;
        if (store_shard_seek(src->store, src->td->stream, sh->p.index, STORE_LATEST, 0, 0, &tip, &e))
            return src_store_err(src, &e, err);
        if (tip <= sh->p.pos)
            return src_check_end(src, sh, now_us, err);
        if (store_cursor_open(src->store, src->td->stream, sh->p.index, sh->p.pos, UINT64_MAX, &sh->cursor, &e))
            return src_store_err(src, &e, err);
    }
    StoreRecordView *views = scan_reader_views(src->reader);
    size_t n = 0;
    StorePin *pin = NULL;
    if (store_cursor_next(sh->cursor, limit, SOURCE_READ_BYTES, views, &n, &pin, &e)) {
        store_cursor_close(&sh->cursor);
        return src_store_err(src, &e, err);
    }
    if (n == 0) {
        store_cursor_close(&sh->cursor); /* dry: the next poll opens one that sees what arrived since */
        return src_check_end(src, sh, now_us, err);
    }
    /* the views stay mapped until the poll's arena is reset */
    if (arena_on_reset(arena, src_pin_release, pin)) {
        store_pin_release(pin);
        store_cursor_close(&sh->cursor);
        return src_oom(err);
    }
    Batch *all = NULL, *b = NULL;
    if (scan_reader_build(src->reader, sh->p.index, (uint32_t)n, arena, &all, &b, err)) {
        store_cursor_close(&sh->cursor); /* read again from the position next time */
        return WEIR_ERROR;
    }
    int64_t max_t = all ? src_batch_max(&all->cols[src->time_col], all->n) : SOP_WM_NONE;
    uint64_t n_time_null = 0;
    if (b) {
        const Vec *v = &b->cols[src->time_col];
        const int64_t *t = v->u.i;
        uint8_t *tn = NULL;
        for (uint32_t i = 0; i < b->n; i++) {
            if (t[i] != SQL_DT_NOEND && t[i] != SQL_DT_NOBEGIN && !vec_is_null(v, i))
                continue;
            if (!tn && !(tn = arena_try_calloc(arena, b->n))) {
                store_cursor_close(&sh->cursor);
                return src_oom(err);
            }
            tn[i] = 1;
            n_time_null++;
        }
        int rc = fn(arg, b, t, tn);
        if (rc) {
            store_cursor_close(&sh->cursor);
            return rc;
        }
    }
    /* consumed: move the position, the counters and the shard's watermark */
    sh->p.pos = store_cursor_pos(sh->cursor);
    sh->p.n_records += n;
    sh->p.last_arrival_ms = views[n - 1].arrival_ms;
    sh->active_us = now_us;
    if (max_t != SOP_WM_NONE && src_wm_of(max_t, src->delay_us) > sh->p.watermark)
        sh->p.watermark = src_wm_of(max_t, src->delay_us);
    src->counts.records += n;
    src->counts.rows += b ? b->n : 0;
    src->counts.time_null += n_time_null;
    *got = (uint32_t)n;
    return WEIR_OK;
}

int source_poll(Source *src, int64_t now_us, uint32_t max_rows, Arena *arena, SourceBatchFn fn, void *arg,
                uint64_t *n_read, SqlError *err)
{
    *n_read = 0;
    if (src_refresh(src, now_us, err))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < src->n_shards; i++)
        if (src->shards[i].active_us == SOURCE_UNSET)
            src->shards[i].active_us = now_us;
    uint32_t budget = max_rows;
    int progress = 1;
    /* rounds of one read per READING shard, until the budget is spent or no shard has anything */
    while (budget && progress && src->n_shards) {
        progress = 0;
        uint32_t n = src->n_shards, first = src->next % n;
        for (uint32_t k = 0; k < n && budget; k++) {
            SrcShard *sh = &src->shards[(first + k) % n];
            if (sh->p.state != SOURCE_SHARD_READING)
                continue;
            uint32_t got = 0;
            int rc = src_read(src, sh, now_us, budget < VEC_BATCH ? budget : VEC_BATCH, arena, fn, arg, &got, err);
            if (rc)
                return rc;
            budget -= got;
            *n_read += got;
            progress |= got > 0;
        }
        src->next = first + 1;
    }
    return WEIR_OK;
}

int64_t source_watermark(Source *src, int64_t now_us)
{
    int64_t lo = INT64_MAX, hi = SOP_WM_NONE;
    int any = 0;
    for (uint32_t i = 0; i < src->n_shards; i++) {
        SrcShard *sh = &src->shards[i];
        if (sh->p.state == SOURCE_SHARD_PENDING)
            continue;
        if (sh->p.watermark > hi)
            hi = sh->p.watermark;
        if (sh->p.state != SOURCE_SHARD_READING)
            continue;
        if (sh->active_us == SOURCE_UNSET)
            sh->active_us = now_us;
        sh->is_idle = src->idle_us > 0 && now_us - sh->active_us >= src->idle_us;
        if (sh->is_idle)
            continue;
        any = 1;
        if (sh->p.watermark < lo)
            lo = sh->p.watermark;
    }
    int64_t w = any ? lo : hi;
    if (w > src->wm)
        src->wm = w;
    return src->wm;
}

/* ------------------------------------------------------------------------------------------------
 * Positions
 * ---------------------------------------------------------------------------------------------- */

int source_positions_write(const SourcePositions *pos, Arena *a, uint8_t **out, size_t *n)
{
    size_t len = POS_HDR_LEN + (size_t)pos->n_shards * POS_ENTRY_LEN + 4;
    uint8_t *p = arena_try_calloc(a, len);
    if (!p)
        return WEIR_ENOMEM;
    memcpy(p, POS_MAGIC, 8);
    segment_put_u64(p + 8, pos->stream_uid);
    segment_put_u64(p + 16, (uint64_t)pos->watermark);
    segment_put_u32(p + 24, pos->n_shards);
    for (uint32_t i = 0; i < pos->n_shards; i++) {
        const SourceShardPos *s = &pos->shards[i];
        uint8_t *q = p + POS_HDR_LEN + (size_t)i * POS_ENTRY_LEN;
        segment_put_u32(q, s->index);
        q[4] = s->state;
        segment_put_u64(q + 8, s->pos);
        segment_put_u64(q + 16, (uint64_t)s->watermark);
        segment_put_u64(q + 24, (uint64_t)s->last_arrival_ms);
        segment_put_u64(q + 32, s->n_records);
    }
    segment_put_u32(p + len - 4, crc32c(p, len - 4));
    *out = p;
    *n = len;
    return WEIR_OK;
}

int source_positions_encode(const Source *src, Arena *a, uint8_t **out, size_t *n)
{
    SourceShardPos *sh = ARENA_NEW(a, SourceShardPos, src->n_shards ? src->n_shards : 1);
    if (!sh)
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < src->n_shards; i++)
        sh[i] = src->shards[i].p;
    SourcePositions pos = {.stream_uid = src->uid, .watermark = src->wm, .n_shards = src->n_shards, .shards = sh};
    return source_positions_write(&pos, a, out, n);
}

static int pos_corrupt(SqlError *err, const char *what)
{
    return sql_error_set(err, "XX001", 0, "continuous query source positions are corrupt: %s", what);
}

int source_positions_decode(const uint8_t *p, size_t n, Arena *a, SourcePositions *out, SqlError *err)
{
    memset(out, 0, sizeof(*out));
    if (n < POS_HDR_LEN + 4 || memcmp(p, POS_MAGIC, 8) != 0)
        return pos_corrupt(err, "not a positions record of this version");
    uint32_t count = segment_get_u32(p + 24);
    if (segment_get_u32(p + 28) != 0)
        return pos_corrupt(err, "reserved header bytes are set");
    if ((n - POS_HDR_LEN - 4) % POS_ENTRY_LEN != 0 || (n - POS_HDR_LEN - 4) / POS_ENTRY_LEN != count)
        return pos_corrupt(err, "length does not match the shard count");
    if (segment_get_u32(p + n - 4) != crc32c(p, n - 4))
        return pos_corrupt(err, "checksum mismatch");
    SourceShardPos *sh = ARENA_NEW(a, SourceShardPos, count ? count : 1);
    if (!sh)
        return src_oom(err);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *q = p + POS_HDR_LEN + (size_t)i * POS_ENTRY_LEN;
        SourceShardPos *s = &sh[i];
        s->index = segment_get_u32(q);
        s->state = q[4];
        if (s->state > SOURCE_SHARD_DONE)
            return pos_corrupt(err, "unknown shard state");
        if (q[5] || q[6] || q[7])
            return pos_corrupt(err, "reserved shard bytes are set");
        if (i && s->index <= sh[i - 1].index)
            return pos_corrupt(err, "shards out of order");
        s->pos = segment_get_u64(q + 8);
        s->watermark = (int64_t)segment_get_u64(q + 16);
        s->last_arrival_ms = (int64_t)segment_get_u64(q + 24);
        s->n_records = segment_get_u64(q + 32);
    }
    out->stream_uid = segment_get_u64(p + 8);
    out->watermark = (int64_t)segment_get_u64(p + 16);
    out->n_shards = count;
    out->shards = sh;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Statistics
 * ---------------------------------------------------------------------------------------------- */

typedef struct SrcFirst {
    int64_t arrival_ms;
} SrcFirst;

static int src_first_arrival(void *arg, const StoreRecordView *r)
{
    ((SrcFirst *)arg)->arrival_ms = r->arrival_ms;
    return 1;
}

int source_shard_stats(Source *src, Arena *a, SourceShardStats **out, uint32_t *n)
{
    SourceShardStats *st = ARENA_NEW(a, SourceShardStats, src->n_shards ? src->n_shards : 1);
    if (!st)
        return WEIR_ENOMEM;
    for (uint32_t i = 0; i < src->n_shards; i++) {
        const SrcShard *sh = &src->shards[i];
        SourceShardStats *s = &st[i];
        s->p = sh->p;
        store_shard_id_format(sh->p.index, s->id);
        s->is_idle = sh->p.state == SOURCE_SHARD_READING && sh->is_idle;
        if (sh->p.state != SOURCE_SHARD_READING)
            continue;
        /* the oldest unread record and the tip: one record's read (a failed read leaves the lag at 0) */
        SrcFirst first = {0};
        StoreReadResult res;
        Err e;
        err_clear(&e);
        if (store_read(src->store, src->td->stream, sh->p.index, sh->p.pos, 1, 1, src_first_arrival, &first, &res,
                       &e) == WEIR_OK) {
            s->tip_arrival_ms = res.tip_arrival_ms;
            if (res.n_records && res.tip_arrival_ms > first.arrival_ms)
                s->millis_behind = res.tip_arrival_ms - first.arrival_ms;
        }
    }
    *out = st;
    *n = src->n_shards;
    return WEIR_OK;
}
