/*
 * op_scan.c: OP_SCAN, the rows of a table over a stream: snapshot, pushed-down positions, checkpoints,
 * parallel readers/decoders, the table's policy for records that do not decode.
 *
 * Snapshot. At open, for every shard of the stream (open and closed), the scan takes the position of
 * the oldest retained record and the position just past the newest visible one (store_shard_seek
 * TRIM_HORIZON / LATEST). It reads at most that range, so a query sees every record acknowledged before
 * it started and none after, however long it runs.
 *
 * Narrowing the range (all at open, never widening it):
 *   - pushdown (ScanSpec.bounds / shard_sets, from bind_scan.c): _arrival_time bounds become per-shard
 *     positions through the store's timestamp seek (AT_TIMESTAMP: the first record that arrived at or
 *     after a time; arrival times never go backwards in a stream, so the records before a time are a
 *     prefix of every shard); _sequence_number bounds become counter positions (the counter is
 *     stream-wide, so one position serves every shard); _shard_id conditions drop whole shards. The
 *     predicate itself is still evaluated above (FILTER) or here (ScanSpec.filter), so these bounds are
 *     allowed to be loose: they only have to keep every row the predicate keeps.
 *   - checkpoints (ExecCtx.checkpoint): each shard starts at the position saved under (checkpoint,
 *     table, shard); the snapshot end of every shard is recorded in ExecCtx.ckpt and saved by engine.c
 *     (scan_ckpt_commit) only when the whole query has completed. Shards with nothing saved (new child
 *     shards after a reshard, a new checkpoint name) start at their beginning.
 *
 * Producing a batch (scan_produce): read up to VEC_BATCH records of one shard through the shard's
 * store cursor (store_cursor_next: views into the mapped segment files, nothing copied; the pin that
 * keeps them mapped is released when the batch's arena is reset, by an arena_on_reset callback), fill
 * the hidden columns that are needed, decode the data columns that are needed, write records the
 * table's policy rejects to the dead-letter stream, then apply ScanSpec.filter. Records of one shard
 * always come out in shard order.
 *
 * A table over a file (TableDef.file) is not a stream: open/next/close hand such a scan to reftable.c;
 * so do they the table of a materialized view that shows its current rows (TableDef.view_rows).
 *
 * The continuous-query source (stream/source.c) reads the store itself, forever, and builds its batches
 * through a ScanReader (scan_reader.h, at the end of this file): scan_decode and scan_filter below, the
 * same steps scan_produce runs, without the snapshot and the workers.
 *
 * Two ways to run it:
 *   inline     on the consumer's thread, one shard after another, into op->batch_arena (small scans,
 *              one core, or when the worker window does not fit the query's memory budget).
 *   parallel   W worker threads (SqlEngineConfig.n_workers, default the number of cores, at most one
 *              per shard with records) each take a whole shard at a time and produce its batches in
 *              order into slots; the consumer (op_scan_next) takes ready slots in FIFO order. There
 *              are W + 1 slots: while the consumer holds the batch it returned last, each worker can
 *              fill one, so the scan never reads or decodes more than W batches ahead of the consumer
 *              (LIMIT without ORDER BY stops reading after about a batch per worker).
 *
 * Slot life cycle (parallel; every transition under ScanState.mu):
 *
 *     FREE --worker takes it (scan_worker_main)--> FILLING --batch--> READY --op_scan_next--> HELD
 *       ^                                             |  \--error--> READY (is_error)            |
 *       |                                             \--shard exhausted / stop---> FREE         |
 *       \-------------------------- next op_scan_next, or close ---------------------------------/
 *
 * A sink (op_scan_set_sink, from the aggregation right above the scan: partial aggregation, op_agg.c)
 * lets the workers hand each batch they produce to the sink on their own thread instead of queueing
 * it: the slot goes straight back to the free list (FILLING --sink consumed it--> FREE), so the two
 * cores decode and aggregate without the consumer in the middle. Batches queued before the sink was
 * set still reach the consumer; a sink that answers SCAN_SINK_FULL (its memory is used up) is not
 * offered that worker's later batches, which then queue as usual; a sink error is queued like any
 * worker error. op_scan_next still returns NULL only once every worker has exited. While a sink is set
 * the consumer does not wait idle for it either: when no batch is ready and a shard is left, it takes
 * the shard itself (ScanState.helper, sink worker number W) and feeds the sink from its own thread, so
 * the aggregation has W + 1 threads, as it had before when the consumer aggregated what W produced;
 * a batch its sink refuses (SCAN_SINK_FULL) is simply returned from op_scan_next.
 *
 * An error in a worker (a decode failure under on_error = 'fail', a filter error, the store) is queued
 * as an error slot behind the batches already produced, and stops the other workers; the consumer
 * reports it when it reaches it, so rows before it are delivered as they would be inline. Cancellation
 * (57014) is seen by the workers between records batches and by the consumer while it waits.
 * op_scan_close stops and joins the workers before anything they use is freed.
 *
 * Memory. Arenas are not thread-safe, so each slot has a standalone arena with a fixed budget
 * (SCAN_SLOT_BUDGET); before the workers start, the consumer reserves W + 1 such budgets from the
 * query arena (one allocation in a child arena, never touched: it only makes the query's budget count
 * the window). If the reservation does not fit, the scan runs inline. A batch that outgrows its slot is
 * read again with half the records (scan_shrink); only a single record that does not fit a slot fails
 * the query with 53200, as the query arena over its own budget does.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "exec/catalog.h"
#include "exec/decode.h"
#include "exec/exec_int.h"
#include "exec/op.h"
#include "exec/reftable.h"
#include "exec/scan_reader.h"

#define SCAN_READ_BYTES ((size_t)2 << 20)   /* payload bytes per read (at least one record is always read) */
#define SCAN_SLOT_BUDGET ((size_t)32 << 20) /* a parallel slot: a read, copies, columns, filter */
#define SCAN_MAX_WORKERS 16
#define SCAN_WAIT_MS 20         /* the consumer re-checks the cancel flag this often */
#define SCAN_DEAD_WAIT_MS 10000 /* how long dead letters may take to become durable */

/* A scan runs on workers only when some shard has more than this many positions to read: below it,
 * thread start-up costs more than it saves. Tests lower it to exercise the parallel path on small
 * streams. */
static uint64_t scan_parallel_min = 2 * VEC_BATCH;

typedef struct ScanShard {
    uint32_t index;
    uint64_t pos, end; /* what is left to read: [pos, end) */
    uint64_t snap_end; /* LATEST at open: where a checkpoint continues */
    StoreCursor *cursor; /* open while the shard is being read (by one thread at a time) */
    char id[STORE_SHARD_ID_LEN + 1];
} ScanShard;

/* One reader/decoder: the consumer's own in inline mode, or a worker thread. Its fields are touched by
 * its thread only (the counters are read after the thread was joined). */
typedef struct ScanWorker {
    struct ScanState *st;
    Decoder *dec;
    StoreSeqFmt seqfmt;
    ScanShard *cur;   /* the shard it is reading (parallel mode) */
    uint32_t limit;   /* records per read: VEC_BATCH, halved when a batch outgrew a slot */
    int can_shrink;   /* writes into a slot (whose budget is its own, so a smaller batch may fit) */
    int dead_written; /* the batch being built already wrote dead letters (no retry then) */
    pthread_t thread;
    int is_started;
    uint32_t index;   /* in ScanState.workers (parallel mode) */
    int sink_off;     /* the sink answered SCAN_SINK_FULL: queue this worker's batches instead */
    uint64_t n_sunk;  /* rows handed to the sink */
    uint64_t n_records, n_bad, n_dead;
    /* one read's records, before decoding (views into the store's mapped segments) */
    uint32_t n;
    StoreRecordView views[VEC_BATCH];
    DecodeRecord recs[VEC_BATCH];
} ScanWorker;

typedef struct ScanSlot {
    Arena *arena; /* standalone, budget SCAN_SLOT_BUDGET */
    Batch *batch;
    int is_error;
    SqlError err;
    struct ScanSlot *next; /* free list / ready queue */
} ScanSlot;

typedef struct ScanState {
    Arena *run;        /* child of the query arena holding this open's state; destroyed at close */
    SqlFormatOpts fmt; /* the session's settings as of open (SET may run while a portal is suspended) */
    Op *op;
    const ScanSpec *sp;
    const TableDef *td;
    ExprCtx ectx; /* template for the filter: session settings, parameters, now() */
    atomic_int *cancel;
    ScanShard *shards; /* shards with something to read, in index order */
    uint32_t n_shards;
    uint32_t n_shards_total;
    uint64_t uid;
    int32_t *sel;      /* decoder column selection */
    uint32_t *sel_out; /* output column of each selected column */
    uint32_t n_sel;
    int need_dec;        /* run the decoder (columns selected, or a policy that drops rows) */
    int need_seq_text;   /* _sequence_number is selected, or the policy names records in errors */
    int need_key;        /* _partition_key selected, or dead letters keep it */
    void *null_data;     /* VEC_BATCH zeroed values of the widest column type: unused columns' data */
    uint64_t *null_bits; /* VEC_BATCH bits, all set: unused columns' NULL bitmap */
    /* inline mode */
    ScanWorker *inl;
    uint32_t cur;
    /* parallel mode */
    int is_parallel;
    ScanWorker *workers;
    uint32_t n_workers;
    ScanSlot *slots;
    uint32_t n_slots;
    Arena *reserve; /* child of run charged with the slots' budgets */
    int is_sync_init;
    pthread_mutex_t mu;
    pthread_cond_t cv_free;  /* a slot became free, or stop */
    pthread_cond_t cv_ready; /* a slot became ready, or a worker exited */
    ScanSlot *free_list;
    ScanSlot *ready_head, *ready_tail;
    ScanSlot *held;      /* the slot whose batch the consumer has now */
    uint32_t next_shard; /* the next shard a worker takes */
    uint32_t n_running;  /* workers not yet exited */
    const ScanSink *sink; /* set by op_scan_set_sink; read by workers under mu */
    ScanWorker *helper;   /* the consumer's own reader while a sink is set (parallel mode) */
    Arena *help_arena;    /* the helper's batches: a standalone budget like a slot's, so that a batch
                           * too big for it is read again smaller (scan_shrink), as in the workers */
    atomic_int stop;     /* close or an error: workers stop at the next batch */
} ScanState;

/* A stop requested by another thread (close, another worker's error): not an error of its own. */
#define SCAN_STOPPED 1

static int scan_oom(SqlError *err)
{
    return sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* ------------------------------------------------------------------------------------------------
 * Producing one batch (any thread)
 * ---------------------------------------------------------------------------------------------- */

static void scan_pin_release(void *pin)
{
    store_pin_release(pin);
}

/* Copy the records the policy rejected to the dead-letter stream (payload and partition key as they
 * were), and wait until they are durable and visible, so the next query reading that stream sees them. */
static int scan_dead_letter(ScanState *st, ScanWorker *w, const DecodeOut *d, Arena *a, SqlError *err)
{
    const TableDef *td = st->td;
    StoreAppendEntry *ents = ARENA_NEW(a, StoreAppendEntry, d->n_dead);
    StoreAppendResult *res = ARENA_NEW(a, StoreAppendResult, d->n_dead);
    if (!ents || !res)
        return scan_oom(err);
    for (uint32_t i = 0; i < d->n_dead; i++) {
        const DecodeRecord *r = &w->recs[d->dead[i].record];
        ents[i].key = r->partition_key;
        ents[i].data = r->data;
        ents[i].hash = u128_md5_hash_key(r->partition_key.p, r->partition_key.n);
    }
    int64_t at;
    uint64_t tok;
    Err e;
    err_clear(&e);
    if (store_append(st->sp->store, td->dead_letter_stream, ents, d->n_dead, res, &at, &tok, &e))
        return sql_error_set(err, "58030", 0,
                             "could not write to dead-letter stream \"%s\" of table \"%s\": %s",
                             td->dead_letter_stream, td->name, e.msg);
    /* within a shard records become visible in order: waiting for the last one of each shard suffices */
    for (uint32_t i = 0; i < d->n_dead; i++) {
        int last = 1;
        for (uint32_t j = i + 1; j < d->n_dead && last; j++)
            last = res[j].shard_index != res[i].shard_index;
        if (!last)
            continue;
        err_clear(&e);
        int rc = store_shard_wait(st->sp->store, td->dead_letter_stream, res[i].shard_index, res[i].seq,
                                  SCAN_DEAD_WAIT_MS, &e);
        if (rc)
            return sql_error_set(err, "58030", 0, "dead letters of table \"%s\" did not become durable: %s",
                                 td->name, rc == WEIR_EAGAIN ? "timed out" : e.msg);
    }
    w->n_dead += d->n_dead;
    w->dead_written = 1;
    return WEIR_OK;
}

/* The rows of the records in w (w->n > 0) that the table's policy keeps, as a batch in a: hidden
 * columns, decoded columns, dead letters written. *out NULL: no row is left. */
static int scan_decode(ScanState *st, ScanWorker *w, const ScanShard *sh, Arena *a, Batch **out, SqlError *err)
{
    Op *op = st->op;
    *out = NULL;
    Batch *b = arena_try_alloc(a, sizeof(*b));
    if (!b || !(b->cols = ARENA_NEW(a, Vec, op->n_cols ? op->n_cols : 1)))
        return scan_oom(err);
    b->n_cols = op->n_cols;
    /* Columns nobody reads are NULL, all sharing one read-only zeroed vector with an all-NULL bitmap:
     * building and clearing a column per unused column and batch cost more than decoding two fields.
     * (Nothing writes into an input batch's vectors; operators build new ones.) */
    for (uint32_t c = 0; c < op->n_cols; c++)
        b->cols[c] = (Vec){.type = op->types[c], .nulls = st->null_bits, .u.data = st->null_data};
    if (!w->dec) {
        b->n = w->n; /* no column needed: only the row count matters */
    } else {
        Slice shard_id = {(const uint8_t *)sh->id, strlen(sh->id)};
        for (uint32_t i = 0; i < w->n; i++) {
            DecodeRecord *r = &w->recs[i];
            const StoreRecordView *v = &w->views[i];
            r->data = v->data;
            r->partition_key = st->need_key ? v->key : (Slice){NULL, 0};
            r->shard_id = shard_id;
            r->arrival_usec = v->arrival_ms * 1000 - SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
            r->seq = (Slice){NULL, 0};
            if (st->need_seq_text) {
                char *t = arena_try_alloc(a, STORE_SEQ_STR_LEN);
                if (!t)
                    return scan_oom(err);
                memcpy(t, store_seq_fmt(&w->seqfmt, st->uid, v->seq, sh->index), STORE_SEQ_STR_LEN);
                r->seq = (Slice){(const uint8_t *)t, STORE_SEQ_STR_LEN};
            }
        }
        DecodeOut d;
        memset(&d, 0, sizeof(d));
        int rc = decoder_run(w->dec, w->recs, w->n, a, &d, err);
        if (rc)
            return WEIR_ERROR; /* err filled: 22P02 under on_error = 'fail', 53200 over budget */
        w->n_bad += d.n_skipped + d.n_dead;
        if (d.n_dead && scan_dead_letter(st, w, &d, a, err))
            return WEIR_ERROR;
        if (d.batch->n == 0)
            return WEIR_OK; /* every record left out by the table's policy */
        b->n = d.batch->n;
        for (uint32_t j = 0; j < st->n_sel; j++) {
            b->cols[st->sel_out[j]] = d.batch->cols[j];
            b->cols[st->sel_out[j]].type = op->types[st->sel_out[j]];
        }
    }
    *out = b;
    return WEIR_OK;
}

/* The rows of b (in a) where ScanSpec.filter is TRUE: b itself without a filter or when every row
 * passes, else a gathered copy in a. *out NULL: no row passed. */
static int scan_filter(ScanState *st, Batch *b, Arena *a, Batch **out, SqlError *err)
{
    const ScanSpec *sp = st->sp;
    Op *op = st->op;
    *out = NULL;
    if (sp->filter) {
        uint32_t *sel = ARENA_NEW(a, uint32_t, VEC_BATCH);
        if (!sel)
            return scan_oom(err);
        ExprCtx ec = st->ectx;
        ec.arena = a;
        ec.err = err;
        uint32_t n_sel = 0;
        if (expr_filter(&ec, sp->filter, b, sel, &n_sel))
            return WEIR_ERROR;
        if (n_sel == 0)
            return WEIR_OK;
        if (n_sel < b->n) {
            /* gather the columns that have data; the shared NULL ones stay shared */
            Batch *g = arena_try_alloc(a, sizeof(*g));
            if (!g || !(g->cols = ARENA_NEW(a, Vec, op->n_cols ? op->n_cols : 1)))
                return scan_oom(err);
            g->n = n_sel;
            g->n_cols = op->n_cols;
            for (uint32_t c = 0; c < op->n_cols; c++) {
                if (b->cols[c].u.data == st->null_data)
                    g->cols[c] = b->cols[c];
                else if (vec_gather(&b->cols[c], sel, n_sel, a, &g->cols[c]))
                    return scan_oom(err);
            }
            b = g;
        }
    }
    *out = b;
    return WEIR_OK;
}

/* scan_decode, then scan_filter: the batch op_scan hands out. *out NULL: no row is left. */
static int scan_build(ScanState *st, ScanWorker *w, const ScanShard *sh, Arena *a, Batch **out, SqlError *err)
{
    Batch *b = NULL;
    *out = NULL;
    if (scan_decode(st, w, sh, a, &b, err))
        return WEIR_ERROR;
    return b ? scan_filter(st, b, a, out, err) : WEIR_OK;
}

/* A batch that did not fit its slot (53200) is read again with half as many records, so rows that
 * need a lot of memory (long payloads, a filter building big strings) get smaller batches instead of
 * failing the query; only a single record that does not fit fails it. Not after dead letters were
 * written for the batch (they would be written twice). Returns 1 when the read should be retried. */
static int scan_shrink(ScanWorker *w, ScanShard *sh, uint64_t start, Arena *a, SqlError *err)
{
    if (!w->can_shrink || w->limit <= 1 || w->dead_written || strcmp(err->sqlstate, "53200") != 0)
        return 0;
    w->limit /= 2;
    w->n_records -= w->n;
    sh->pos = start;
    store_cursor_close(&sh->cursor); /* reopened at start */
    memset(err, 0, sizeof(*err));
    arena_reset(a);
    return 1;
}

/* The next batch of shard sh with at least one row, in arena a (which it resets between reads that
 * leave no row). *out NULL: the shard is exhausted. Returns WEIR_OK, WEIR_ERROR with err, or
 * SCAN_STOPPED. */
static int scan_produce(ScanState *st, ScanWorker *w, ScanShard *sh, Arena *a, Batch **out, SqlError *err)
{
    const TableDef *td = st->td;
    *out = NULL;
    while (sh->pos < sh->end) {
        uint64_t start = sh->pos;
        w->dead_written = 0;
        if (atomic_load(&st->stop))
            return SCAN_STOPPED;
        if (st->cancel && atomic_load(st->cancel))
            return sql_error_set(err, "57014", 0, "canceling statement due to user request");
        w->n = 0;
        Err e;
        err_clear(&e);
        if (!sh->cursor && store_cursor_open(st->sp->store, td->stream, sh->index, sh->pos, sh->end, &sh->cursor, &e))
            return sql_error_set(err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
        size_t n = 0;
        StorePin *pin = NULL;
        if (store_cursor_next(sh->cursor, w->limit, SCAN_READ_BYTES, w->views, &n, &pin, &e))
            return sql_error_set(err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
        if (n == 0) {
            sh->pos = sh->end;
            store_cursor_close(&sh->cursor);
            continue;
        }
        /* the views stay mapped until this batch's arena is reset */
        if (arena_on_reset(a, scan_pin_release, pin)) {
            store_pin_release(pin);
            scan_oom(err);
            if (scan_shrink(w, sh, start, a, err))
                continue;
            return WEIR_ERROR;
        }
        sh->pos = store_cursor_pos(sh->cursor);
        w->n = (uint32_t)n;
        w->n_records += w->n;
        if (scan_build(st, w, sh, a, out, err)) {
            if (scan_shrink(w, sh, start, a, err))
                continue;
            return WEIR_ERROR;
        }
        if (*out)
            return WEIR_OK;
        arena_reset(a);
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Parallel mode
 * ---------------------------------------------------------------------------------------------- */

static void scan_ready_push(ScanState *st, ScanSlot *s)
{
    s->next = NULL;
    if (st->ready_tail)
        st->ready_tail->next = s;
    else
        st->ready_head = s;
    st->ready_tail = s;
}

static void *scan_worker_main(void *arg)
{
    ScanWorker *w = arg;
    ScanState *st = w->st;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!atomic_load(&st->stop) && !st->free_list)
            pthread_cond_wait(&st->cv_free, &st->mu);
        if (atomic_load(&st->stop))
            break;
        if (!w->cur) {
            if (st->next_shard == st->n_shards)
                break;
            w->cur = &st->shards[st->next_shard++];
        }
        ScanSlot *slot = st->free_list;
        st->free_list = slot->next;
        pthread_mutex_unlock(&st->mu);

        arena_reset(slot->arena);
        slot->batch = NULL;
        slot->is_error = 0;
        memset(&slot->err, 0, sizeof(slot->err));
        int rc = scan_produce(st, w, w->cur, slot->arena, &slot->batch, &slot->err);

        pthread_mutex_lock(&st->mu);
        const ScanSink *sink = st->sink;
        if (rc == WEIR_OK && slot->batch && sink && !w->sink_off) {
            /* the sink consumes the batch on this thread; the slot is free again right after */
            pthread_mutex_unlock(&st->mu);
            uint32_t rows = slot->batch->n;
            int sr = sink->consume(sink->arg, w->index, slot->batch, slot->arena, &slot->err);
            pthread_mutex_lock(&st->mu);
            if (sr == WEIR_OK) {
                w->n_sunk += rows;
                slot->next = st->free_list;
                st->free_list = slot;
                continue;
            }
            if (sr == SCAN_SINK_FULL) {
                w->sink_off = 1; /* nothing of this batch was consumed: queue it, and the rest */
                memset(&slot->err, 0, sizeof(slot->err));
            } else {
                rc = WEIR_ERROR;
            }
        }
        if (rc == SCAN_STOPPED || (rc == WEIR_OK && !slot->batch)) {
            slot->next = st->free_list;
            st->free_list = slot;
            if (rc == SCAN_STOPPED)
                break;
            w->cur = NULL; /* shard exhausted */
            continue;
        }
        if (rc) {
            slot->is_error = 1;
            atomic_store(&st->stop, 1);
            pthread_cond_broadcast(&st->cv_free);
        }
        scan_ready_push(st, slot);
        pthread_cond_signal(&st->cv_ready);
        if (rc)
            break;
    }
    st->n_running--;
    pthread_cond_broadcast(&st->cv_ready);
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

static void scan_stop_workers(ScanState *st)
{
    if (!st->is_sync_init)
        return;
    pthread_mutex_lock(&st->mu);
    atomic_store(&st->stop, 1);
    pthread_cond_broadcast(&st->cv_free);
    pthread_mutex_unlock(&st->mu);
    for (uint32_t i = 0; i < st->n_workers; i++) {
        if (st->workers[i].is_started)
            pthread_join(st->workers[i].thread, NULL);
        st->workers[i].is_started = 0;
    }
}

/* Set up reader w (zeroed): a worker (index: its sink worker number), the consumer's helper, or the
 * inline reader; can_shrink for those that write into a budget of their own. WEIR_ERROR from
 * decoder_create, with ctx->err. */
static int scan_worker_init(ScanState *st, ScanWorker *w, uint32_t index, int can_shrink, ExecCtx *ctx)
{
    w->st = st;
    w->index = index;
    w->limit = VEC_BATCH;
    w->can_shrink = can_shrink;
    return st->need_dec && decoder_create(st->td, st->sel, st->n_sel, NULL, &w->dec, ctx->err) ? WEIR_ERROR
                                                                                                 : WEIR_OK;
}

/* Add reader w's counts to n (records, bad, dead) and op's rows, and free its decoder. NULL: nothing. */
static void scan_worker_fini(Op *op, ScanWorker *w, uint64_t n[3])
{
    if (!w)
        return;
    n[0] += w->n_records, n[1] += w->n_bad, n[2] += w->n_dead;
    op->st_rows += w->n_sunk; /* rows the sink consumed never passed op_next: count them here */
    decoder_destroy(&w->dec);
}

/* Start the workers; on any failure before the first thread runs, leave the scan inline (returns 0).
 * Returns 1 when running in parallel. */
static int scan_start_parallel(ScanState *st, ExecCtx *ctx, uint32_t n_workers)
{
    uint32_t n_slots = n_workers + 1;
    /* charge the slots' budgets to the query (see the memory note at the top) */
    st->reserve = arena_create(st->run, ARENA_UNLIMITED);
    if (!arena_try_alloc(st->reserve, n_slots * SCAN_SLOT_BUDGET)) {
        arena_destroy(&st->reserve);
        return 0;
    }
    st->workers = ARENA_NEW(st->run, ScanWorker, n_workers);
    st->slots = ARENA_NEW(st->run, ScanSlot, n_slots);
    if (!st->workers || !st->slots) {
        arena_destroy(&st->reserve);
        return 0;
    }
    st->n_workers = n_workers;
    for (uint32_t i = 0; i < n_workers; i++)
        if (scan_worker_init(st, &st->workers[i], i, 1, ctx))
            return -1;
    /* the consumer's reader for when a sink is set (without it, no sink: op_scan_parallel_workers) */
    if ((st->helper = arena_try_calloc(st->run, sizeof(*st->helper)))) {
        st->help_arena = arena_create(NULL, SCAN_SLOT_BUDGET);
        if (scan_worker_init(st, st->helper, n_workers, 1, ctx))
            return -1;
    }
    for (uint32_t i = 0; i < n_slots; i++) {
        st->slots[i].arena = arena_create(NULL, SCAN_SLOT_BUDGET);
        st->slots[i].next = st->free_list;
        st->free_list = &st->slots[i];
    }
    st->n_slots = n_slots;
    pthread_mutex_init(&st->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&st->cv_free, NULL);
    pthread_cond_init(&st->cv_ready, &ca);
    pthread_condattr_destroy(&ca);
    st->is_sync_init = 1;
    st->is_parallel = 1;
    /* workers take no asynchronous signals (faults still reach them, so sanitizers can report) */
    sigset_t async, old;
    sigemptyset(&async);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGCHLD, SIGALRM};
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(&async, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &async, &old);
    pthread_mutex_lock(&st->mu);
    for (uint32_t i = 0; i < n_workers; i++) {
        if (pthread_create(&st->workers[i].thread, NULL, scan_worker_main, &st->workers[i]) != 0)
            break;
        st->workers[i].is_started = 1;
        st->n_running++;
    }
    int started = st->n_running > 0;
    pthread_mutex_unlock(&st->mu);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) {
        st->is_parallel = 0; /* no thread: read inline */
        return 0;
    }
    return 1;
}

/* The consumer's turn at its own shard while it would wait (a sink is set): produce one batch into the
 * operator's batch arena and hand it to the sink. *out set: a batch the sink refused, to return as
 * usual. Returns WEIR_OK (also when the shard ran out or the scan was stopped), or WEIR_ERROR. */
static int scan_help(ScanState *st, ExecCtx *ctx, Batch **out)
{
    ScanWorker *w = st->helper;
    Arena *a = st->help_arena;
    Batch *b = NULL;
    if (!a)
        return scan_oom(ctx->err);
    arena_reset(a); /* the previous batch was consumed by the sink (its pin goes) */
    int rc = scan_produce(st, w, w->cur, a, &b, ctx->err);
    if (rc == SCAN_STOPPED)
        return WEIR_OK; /* another worker's error, queued: the consumer finds it */
    if (rc)
        return WEIR_ERROR;
    if (!b) {
        w->cur = NULL; /* shard exhausted */
        return WEIR_OK;
    }
    uint32_t rows = b->n;
    int sr = st->sink->consume(st->sink->arg, w->index, b, a, ctx->err);
    if (sr == WEIR_OK) {
        w->n_sunk += rows;
        return WEIR_OK;
    }
    if (sr != SCAN_SINK_FULL)
        return WEIR_ERROR;
    w->sink_off = 1;
    memset(ctx->err, 0, sizeof(*ctx->err));
    *out = b;
    return WEIR_OK;
}

static int scan_next_parallel(ScanState *st, ExecCtx *ctx, Batch **out)
{
    pthread_mutex_lock(&st->mu);
    if (st->held) {
        st->held->next = st->free_list;
        st->free_list = st->held;
        st->held = NULL;
        pthread_cond_signal(&st->cv_free);
    }
    ScanSlot *slot = NULL;
    while (!(slot = st->ready_head)) {
        ScanWorker *h = st->helper;
        if (st->sink && h && !h->sink_off && !atomic_load(&st->stop) && (h->cur || st->next_shard < st->n_shards)) {
            if (!h->cur)
                h->cur = &st->shards[st->next_shard++];
            pthread_mutex_unlock(&st->mu);
            if (scan_help(st, ctx, out))
                return WEIR_ERROR;
            if (*out)
                return WEIR_OK;
            pthread_mutex_lock(&st->mu);
            continue;
        }
        if (st->n_running == 0) {
            pthread_mutex_unlock(&st->mu);
            *out = NULL;
            return WEIR_OK;
        }
        struct timespec dl;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_nsec += SCAN_WAIT_MS * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&st->cv_ready, &st->mu, &dl);
        if (exec_check_cancel(ctx)) {
            pthread_mutex_unlock(&st->mu);
            return WEIR_ERROR; /* close stops the workers */
        }
    }
    st->ready_head = slot->next;
    if (!st->ready_head)
        st->ready_tail = NULL;
    st->held = slot;
    pthread_mutex_unlock(&st->mu);
    if (slot->is_error) {
        if (!ctx->err->sqlstate[0])
            *ctx->err = slot->err;
        return WEIR_ERROR;
    }
    *out = slot->batch;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Open: the snapshot, pushdown, checkpoints
 * ---------------------------------------------------------------------------------------------- */

/* Floor and ceiling of a / 1000 for possibly negative a. */
static __int128 scan_floor_ms(__int128 usec)
{
    __int128 q = usec / 1000;
    return usec % 1000 < 0 ? q - 1 : q;
}

static __int128 scan_ceil_ms(__int128 usec)
{
    __int128 q = usec / 1000;
    return usec % 1000 > 0 ? q + 1 : q;
}

static int64_t scan_clamp64(__int128 v)
{
    return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

/* Positions every shard is narrowed to. */
typedef struct ScanRange {
    int is_empty;            /* some conjunct can never be TRUE: read nothing */
    int64_t ts_lo, ts_hi;    /* arrival ms, inclusive; INT64_MIN / INT64_MAX: unbounded */
    uint64_t seq_lo, seq_hi; /* counter, [seq_lo, seq_hi) */
} ScanRange;

static int scan_eval(ExecCtx *ctx, Arena *a, const Expr *e, SqlValue *out)
{
    ExprCtx ec;
    exec_expr_ctx(ctx, a, &ec);
    Vec v;
    if (expr_eval(&ec, e, NULL, 1, &v))
        return WEIR_ERROR;
    vec_get(&v, 0, out);
    return WEIR_OK;
}

/* Fold the bounds into r (values evaluated now: parameters, now(), ...). */
static int scan_bounds_eval(ScanState *st, ExecCtx *ctx, Arena *a, ScanRange *r)
{
    const ScanSpec *sp = st->sp;
    for (uint32_t i = 0; i < sp->n_bounds; i++) {
        const ScanBound *b = &sp->bounds[i];
        SqlValue v;
        if (scan_eval(ctx, a, b->value, &v))
            return WEIR_ERROR;
        if (v.is_null) {
            r->is_empty = 1; /* column op NULL is never TRUE */
            continue;
        }
        int ge = b->op == SCAN_GE || b->op == SCAN_EQ, gt = b->op == SCAN_GT;
        int le = b->op == SCAN_LE || b->op == SCAN_EQ, lt = b->op == SCAN_LT;
        if (b->col == TABLE_HID_ARRIVAL_TIME) {
            /* the record's arrival is a whole millisecond m, compared as m * 1000 microseconds */
            if (v.u.i == SQL_DT_NOEND || v.u.i == SQL_DT_NOBEGIN) {
                int pinf = v.u.i == SQL_DT_NOEND;
                if ((pinf && (gt || ge)) || (!pinf && (lt || le)))
                    r->is_empty = 1;
                continue; /* < infinity, > -infinity: every record */
            }
            __int128 usec = (__int128)v.u.i + (__int128)SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
            int64_t lo = INT64_MIN, hi = INT64_MAX;
            if (gt)
                lo = scan_clamp64(scan_floor_ms(usec) + 1);
            if (ge)
                lo = scan_clamp64(scan_ceil_ms(usec));
            if (lt)
                hi = scan_clamp64(scan_ceil_ms(usec) - 1);
            if (le)
                hi = scan_clamp64(scan_floor_ms(usec));
            if (lo > r->ts_lo)
                r->ts_lo = lo;
            if (hi < r->ts_hi)
                r->ts_hi = hi;
        } else {
            /* text order of sequence numbers of one stream is (counter, shard) order; a number of
             * another stream, or text that is none, is not used (the filter still decides) */
            uint64_t uid, ctr;
            uint32_t shard;
            if (store_seq_parse((const char *)v.u.s.p, v.u.s.n, &uid, &ctr, &shard) != 0 || uid != st->uid)
                continue;
            if ((gt || ge) && ctr > r->seq_lo)
                r->seq_lo = ctr; /* > keeps the counter itself: a record there may have a higher shard */
            if ((lt || le) && ctr < UINT64_MAX && ctr + 1 < r->seq_hi)
                r->seq_hi = ctr + 1;
        }
    }
    if (r->ts_lo > r->ts_hi || r->seq_lo >= r->seq_hi)
        r->is_empty = 1;
    return WEIR_OK;
}

/* Whether the shard called id passes every _shard_id condition (values evaluated into a). */
static int scan_shard_sets_eval(const ScanSpec *sp, ExecCtx *ctx, Arena *a, SqlValue **vals)
{
    for (uint32_t i = 0; i < sp->n_shard_sets; i++) {
        const ScanShardSet *ss = &sp->shard_sets[i];
        if (!(vals[i] = ARENA_NEW(a, SqlValue, ss->n_values ? ss->n_values : 1)))
            return scan_oom(ctx->err);
        for (uint32_t j = 0; j < ss->n_values; j++)
            if (scan_eval(ctx, a, ss->values[j], &vals[i][j]))
                return WEIR_ERROR;
    }
    return WEIR_OK;
}

static int scan_shard_passes(const ScanSpec *sp, SqlValue *const *vals, const char *id)
{
    size_t n = strlen(id);
    for (uint32_t i = 0; i < sp->n_shard_sets; i++) {
        const ScanShardSet *ss = &sp->shard_sets[i];
        int found = 0, has_null = 0;
        for (uint32_t j = 0; j < ss->n_values; j++) {
            const SqlValue *v = &vals[i][j];
            if (v->is_null)
                has_null = 1;
            else if (v->u.s.n == n && memcmp(v->u.s.p, id, n) == 0)
                found = 1;
        }
        /* IN: some value equals the id. NOT IN: none does, and none is NULL (else it is never TRUE) */
        if (ss->is_in ? !found : (found || has_null))
            return 0;
    }
    return 1;
}

/* ---- checkpoints ---- */

typedef struct ScanCkptEntry {
    const char *table;
    uint64_t uid;
    uint32_t shard;
    uint64_t pos;
    struct ScanCkptEntry *next;
} ScanCkptEntry;

struct ScanCkpt {
    Arena *a;
    ScanCkptEntry *head;
    size_t n;
};

ScanCkpt *scan_ckpt_create(Arena *a)
{
    ScanCkpt *ck = arena_try_calloc(a, sizeof(*ck));
    if (ck)
        ck->a = a;
    return ck;
}

/* Remember that the checkpoint continues (table, shard) at pos. A table read twice in one query keeps
 * the lower position, so nothing either read missed is skipped next time. */
static int scan_ckpt_note(ScanCkpt *ck, const char *table, uint64_t uid, uint32_t shard, uint64_t pos)
{
    for (ScanCkptEntry *e = ck->head; e; e = e->next) {
        if (e->shard == shard && e->uid == uid && strcmp(e->table, table) == 0) {
            if (pos < e->pos)
                e->pos = pos;
            return WEIR_OK;
        }
    }
    ScanCkptEntry *e = arena_try_calloc(ck->a, sizeof(*e));
    if (!e)
        return WEIR_ENOMEM;
    *e = (ScanCkptEntry){table, uid, shard, pos, ck->head};
    ck->head = e;
    ck->n++;
    return WEIR_OK;
}

int scan_ckpt_commit(ExecCtx *ctx)
{
    ScanCkpt *ck = ctx->ckpt;
    if (!ck || !ctx->checkpoint || !ck->n || !ctx->eng)
        return WEIR_OK;
    SqlCkptPos *pos = ARENA_NEW(ck->a, SqlCkptPos, ck->n);
    if (!pos)
        return scan_oom(ctx->err);
    size_t i = 0;
    for (ScanCkptEntry *e = ck->head; e; e = e->next)
        pos[i++] = (SqlCkptPos){e->table, e->uid, e->shard, e->pos};
    if (sql_catalog_checkpoint_save(ctx->eng->catalog, ctx->checkpoint, pos, i, ctx->err))
        return WEIR_ERROR;
    ck->head = NULL; /* a portal commits once */
    ck->n = 0;
    return WEIR_OK;
}

/* ---- open ---- */

static unsigned scan_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* The parts of st every way of reading shares (st zeroed, in run): what it reads, and the filter's
 * evaluation context with the session's settings as of now. */
static void scan_state_init(ScanState *st, Arena *run, Op *op, ExecCtx *ctx)
{
    st->run = run;
    st->op = op;
    st->sp = op->spec;
    st->td = st->sp->table->def;
    st->cancel = ctx->cancel;
    exec_expr_ctx(ctx, NULL, &st->ectx);
    if (ctx->fmt) {
        st->fmt = *ctx->fmt;
        st->ectx.fmt = &st->fmt;
    }
    st->ectx.exec = NULL; /* the filter has no subqueries (bind_scan.c): nothing may reach the ExecCtx */
    st->ectx.outer = NULL;
    atomic_init(&st->stop, 0);
}

/* Under on_error = 'dead_letter', the dead-letter stream must exist and differ from the one read. */
static int scan_dead_letter_check(const ScanState *st, SqlError *err)
{
    const TableDef *td = st->td;
    if (td->on_error != TABLE_ON_ERROR_DEAD_LETTER)
        return WEIR_OK;
    StreamInfo *dl = NULL;
    Err e;
    err_clear(&e);
    if (!td->dead_letter_stream || store_stream_describe(st->sp->store, td->dead_letter_stream, &dl, &e))
        return sql_error_set(err, "55000", 0, "dead-letter stream \"%s\" of table \"%s\" does not exist",
                             td->dead_letter_stream ? td->dead_letter_stream : "", td->name);
    store_stream_info_free(&dl);
    if (strcmp(td->dead_letter_stream, td->stream) == 0)
        return sql_error_set(err, "22023", 0, "dead-letter stream of table \"%s\" must not be the stream it reads",
                             td->name);
    return WEIR_OK;
}

/* What to decode: the columns ScanSpec.needed selects, plus output column also (-1: none), and the
 * shared all-NULL vector unused columns point at. WEIR_ERROR with err (53200) over budget. */
static int scan_columns_init(ScanState *st, int32_t also, SqlError *err)
{
    const ScanSpec *sp = st->sp;
    const TableDef *td = st->td;
    Op *op = st->op;
    Arena *run = st->run;
    if (!(st->sel = ARENA_NEW(run, int32_t, op->n_cols ? op->n_cols : 1)) ||
        !(st->sel_out = ARENA_NEW(run, uint32_t, op->n_cols ? op->n_cols : 1)))
        return scan_oom(err);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        if (!sp->needed[c] && (int64_t)c != also)
            continue;
        st->sel[st->n_sel] = c < td->n_cols ? (int32_t)c : DECODE_HIDDEN(c - td->n_cols);
        st->sel_out[st->n_sel++] = c;
    }
    st->need_seq_text = sp->needed[td->n_cols + TABLE_HID_SEQUENCE_NUMBER] ||
                        td->on_error == TABLE_ON_ERROR_FAIL || td->on_error == TABLE_ON_ERROR_DEAD_LETTER;
    st->need_key =
        sp->needed[td->n_cols + TABLE_HID_PARTITION_KEY] || td->on_error == TABLE_ON_ERROR_DEAD_LETTER;
    size_t widest_elem = sizeof(Slice);
    for (uint32_t c = 0; c < op->n_cols; c++)
        if (vec_elem_size(op->types[c].id) > widest_elem)
            widest_elem = vec_elem_size(op->types[c].id);
    if (!(st->null_data = arena_try_calloc_array(run, VEC_BATCH, widest_elem)) ||
        !(st->null_bits = ARENA_NEW(run, uint64_t, VEC_BATCH / 64)))
        return scan_oom(err);
    memset(st->null_bits, 0xff, VEC_BATCH / 64 * sizeof(uint64_t));
    /* Under skip / fail / dead_letter, which rows exist depends on every field, so the decoder runs
     * even when the query reads no column (count(*)); under null it is needed only for columns. */
    st->need_dec = st->n_sel || td->on_error != TABLE_ON_ERROR_NULL;
    return WEIR_OK;
}

int op_scan_open(Op *op, ExecCtx *ctx)
{
    ScanSpec *sp = op->spec;
    const TableDef *td = sp->table->def;
    if (td->file || td->view_rows)
        return reftable_open(op, ctx); /* a static reference table, a view's current rows: reftable.c */
    Arena *run = arena_create(ctx->arena, ARENA_UNLIMITED);
    ScanState *st = arena_try_calloc(run, sizeof(*st));
    if (!st) {
        arena_destroy(&run);
        return scan_oom(ctx->err);
    }
    op->state = st;
    scan_state_init(st, run, op, ctx);
    Arena *tmp = op->batch_arena; /* evaluation scratch; op_next resets it */
    if (scan_dead_letter_check(st, ctx->err))
        return WEIR_ERROR;

    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(sp->store, td->stream, &si, &e))
        return sql_error_set(ctx->err, "55000", 0, "stream \"%s\" of table \"%s\" does not exist", td->stream,
                             td->name);
    st->uid = si->uid;
    st->n_shards_total = si->n_shards;
    int rc = WEIR_OK;
    ScanRange range = {0, INT64_MIN, INT64_MAX, 0, UINT64_MAX};
    SqlValue **set_vals = NULL;
    SqlCkptPos *saved = NULL;
    int n_saved = 0;
    if (!(st->shards = ARENA_NEW(run, ScanShard, si->n_shards ? si->n_shards : 1)) ||
        (sp->n_shard_sets && !(set_vals = ARENA_NEW(tmp, SqlValue *, sp->n_shard_sets)))) {
        rc = scan_oom(ctx->err);
        goto done;
    }
    if (scan_bounds_eval(st, ctx, tmp, &range) || scan_shard_sets_eval(sp, ctx, tmp, set_vals)) {
        rc = WEIR_ERROR;
        goto done;
    }
    if (ctx->checkpoint && ctx->eng) {
        if (!(saved = ARENA_NEW(tmp, SqlCkptPos, si->n_shards ? si->n_shards : 1))) {
            rc = scan_oom(ctx->err);
            goto done;
        }
        n_saved = sql_catalog_checkpoint_load(ctx->eng->catalog, ctx->checkpoint, td->name, st->uid, saved,
                                              si->n_shards, ctx->err);
        if (n_saved < 0) {
            rc = WEIR_ERROR;
            goto done;
        }
    }
    uint64_t widest = 0;
    for (uint32_t i = 0; i < si->n_shards; i++) {
        ScanShard *sh = &st->shards[st->n_shards];
        sh->index = si->shards[i].index;
        store_shard_id_format(sh->index, sh->id);
        err_clear(&e);
        if (store_shard_seek(sp->store, td->stream, sh->index, STORE_TRIM_HORIZON, 0, 0, &sh->pos, &e) ||
            store_shard_seek(sp->store, td->stream, sh->index, STORE_LATEST, 0, 0, &sh->end, &e)) {
            rc = sql_error_set(ctx->err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
            goto done;
        }
        for (int k = 0; k < n_saved; k++)
            if (saved[k].shard == sh->index && saved[k].pos > sh->pos)
                sh->pos = saved[k].pos;
        /* the checkpoint continues after this snapshot (never before where it already was) */
        sh->snap_end = sh->end > sh->pos ? sh->end : sh->pos;
        if (ctx->checkpoint && ctx->ckpt &&
            scan_ckpt_note(ctx->ckpt, td->name, st->uid, sh->index, sh->snap_end)) {
            rc = scan_oom(ctx->err);
            goto done;
        }
        if (range.is_empty || !scan_shard_passes(sp, set_vals, sh->id))
            continue;
        if (range.seq_lo > sh->pos)
            sh->pos = range.seq_lo;
        if (range.seq_hi < sh->end)
            sh->end = range.seq_hi;
        if (sh->pos >= sh->end)
            continue;
        /* arrival bounds: positions by the store's timestamp seek */
        uint64_t p;
        if (range.ts_lo != INT64_MIN) {
            if (store_shard_seek(sp->store, td->stream, sh->index, STORE_AT_TIMESTAMP, 0, range.ts_lo, &p,
                                 &e)) {
                rc = sql_error_set(ctx->err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
                goto done;
            }
            if (p > sh->pos)
                sh->pos = p;
        }
        if (range.ts_hi != INT64_MAX && sh->pos < sh->end) {
            if (store_shard_seek(sp->store, td->stream, sh->index, STORE_AT_TIMESTAMP, 0, range.ts_hi + 1, &p,
                                 &e)) {
                rc = sql_error_set(ctx->err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
                goto done;
            }
            if (p < sh->end)
                sh->end = p;
        }
        if (sh->end > sh->pos) {
            if (sh->end - sh->pos > widest)
                widest = sh->end - sh->pos;
            st->n_shards++;
        }
    }

    if (scan_columns_init(st, -1, ctx->err)) {
        rc = WEIR_ERROR;
        goto done;
    }

    /* parallel when there is enough to read and more than one core to read it with */
    unsigned n_workers =
        ctx->eng && ctx->eng->cfg.n_workers > 0 ? (unsigned)ctx->eng->cfg.n_workers : scan_cores();
    if (n_workers > st->n_shards)
        n_workers = st->n_shards;
    if (n_workers > SCAN_MAX_WORKERS)
        n_workers = SCAN_MAX_WORKERS;
    int par = 0;
    if (n_workers >= 1 && widest > scan_parallel_min &&
        (ctx->eng && ctx->eng->cfg.n_workers > 0 ? ctx->eng->cfg.n_workers > 1 : scan_cores() > 1)) {
        par = scan_start_parallel(st, ctx, n_workers);
        if (par < 0) {
            rc = WEIR_ERROR;
            goto done;
        }
    }
    if (!par) {
        if (!(st->inl = arena_try_calloc(run, sizeof(*st->inl)))) {
            rc = scan_oom(ctx->err);
            goto done;
        }
        if (scan_worker_init(st, st->inl, 0, 0, ctx))
            rc = WEIR_ERROR;
    }
done:
    store_stream_info_free(&si);
    return rc;
}

void op_scan_close(Op *op)
{
    ScanSpec *sp = op->spec;
    if (sp->table->def->file || sp->table->def->view_rows) {
        reftable_close(op);
        return;
    }
    ScanState *st = op->state;
    if (!st)
        return;
    scan_stop_workers(st);
    uint64_t n[3] = {0, 0, 0}; /* records, bad, dead */
    for (uint32_t i = 0; i < st->n_workers; i++)
        scan_worker_fini(op, &st->workers[i], n);
    scan_worker_fini(op, st->inl, n);
    scan_worker_fini(op, st->helper, n);
    uint64_t n_records = n[0], n_bad = n[1], n_dead = n[2];
    for (uint32_t i = 0; i < st->n_slots; i++)
        arena_destroy(&st->slots[i].arena);
    arena_destroy(&st->help_arena);
    for (uint32_t i = 0; i < st->n_shards; i++)
        store_cursor_close(&st->shards[i].cursor); /* a scan stopped early (LIMIT, error) */
    if (st->is_sync_init) {
        pthread_cond_destroy(&st->cv_free);
        pthread_cond_destroy(&st->cv_ready);
        pthread_mutex_destroy(&st->mu);
    }
    arena_destroy(&st->reserve);
    sp->st_records += n_records;
    sp->st_bad += n_bad;
    sp->st_dead += n_dead;
    sp->st_shards_read = st->n_shards;
    sp->st_shards_total = st->n_shards_total;
    sp->st_workers = st->n_workers;
    if (n_dead)
        log_info("table %s: %llu records that did not decode copied to dead-letter stream %s", st->td->name,
                 (unsigned long long)n_dead, st->td->dead_letter_stream);
    op->state = NULL;
    Arena *run = st->run; /* st lives in it */
    arena_destroy(&run);
}

int op_scan_next(Op *op, ExecCtx *ctx, Batch **out)
{
    if (((const ScanSpec *)op->spec)->table->def->file || ((const ScanSpec *)op->spec)->table->def->view_rows)
        return reftable_next(op, ctx, out);
    ScanState *st = op->state;
    *out = NULL;
    if (st->is_parallel)
        return scan_next_parallel(st, ctx, out);
    while (st->cur < st->n_shards) {
        ScanShard *sh = &st->shards[st->cur];
        int rc = scan_produce(st, st->inl, sh, op->batch_arena, out, ctx->err);
        if (rc)
            return WEIR_ERROR;
        if (*out)
            return WEIR_OK;
        st->cur++;
    }
    return WEIR_OK;
}

uint32_t op_scan_parallel_workers(const Op *op)
{
    if (op->kind != OP_SCAN || ((const ScanSpec *)op->spec)->table->def->file ||
        ((const ScanSpec *)op->spec)->table->def->view_rows)
        return 0;
    const ScanState *st = op->state;
    return st && st->is_parallel && st->helper ? st->n_workers + 1 : 0; /* the workers and the consumer */
}

void op_scan_set_sink(Op *op, const ScanSink *sink)
{
    ScanState *st = op->state;
    if (!op_scan_parallel_workers(op))
        return;
    pthread_mutex_lock(&st->mu);
    st->sink = sink;
    pthread_mutex_unlock(&st->mu);
}

/* ------------------------------------------------------------------------------------------------
 * Readers for callers that read the store themselves (scan_reader.h)
 * ---------------------------------------------------------------------------------------------- */

struct ScanReader {
    Op op;        /* stands in for the plan's OP_SCAN: the spec and the output types */
    ScanState st; /* run is the reader's arena, which holds everything here */
    ScanWorker *w;
    ScanShard sh; /* the shard of the last build (its id text) */
};

int scan_reader_create(const ScanSpec *sp, int32_t also, ExecCtx *ctx, ScanReader **out, SqlError *err)
{
    const TableDef *td = sp->table->def;
    *out = NULL;
    if (td->file)
        return sql_error_set(err, "0A000", 0, "table \"%s\" reads a file, not a stream", td->name);
    uint32_t n = td->n_cols + TABLE_HID_N;
    Arena *run = arena_create(ctx->arena, ARENA_UNLIMITED);
    ScanReader *r = arena_try_calloc(run, sizeof(*r));
    SqlType *types = ARENA_NEW(run, SqlType, n);
    if (!r || !types || !(r->w = arena_try_calloc(run, sizeof(*r->w)))) {
        arena_destroy(&run);
        return scan_oom(err);
    }
    for (uint32_t c = 0; c < n; c++)
        types[c] = c < td->n_cols ? td->cols[c].type : tabledef_hidden_type((TableHidden)(c - td->n_cols));
    r->op = (Op){.kind = OP_SCAN, .n_cols = n, .types = types, .spec = (void *)sp};
    r->sh.index = UINT32_MAX;
    scan_state_init(&r->st, run, &r->op, ctx);
    ExecCtx c = *ctx;
    c.err = err;
    if (scan_dead_letter_check(&r->st, err) || scan_columns_init(&r->st, also, err) ||
        scan_worker_init(&r->st, r->w, 0, 0, &c)) {
        decoder_destroy(&r->w->dec);
        arena_destroy(&run);
        return WEIR_ERROR;
    }
    *out = r;
    return WEIR_OK;
}

StoreRecordView *scan_reader_views(ScanReader *r)
{
    return r->w->views;
}

int scan_reader_build(ScanReader *r, uint32_t shard_index, uint32_t n, Arena *a, Batch **all, Batch **out,
                      SqlError *err)
{
    *all = *out = NULL;
    if (r->sh.index != shard_index) {
        r->sh.index = shard_index;
        store_shard_id_format(shard_index, r->sh.id);
    }
    r->w->n = n;
    r->w->n_records += n;
    if (scan_decode(&r->st, r->w, &r->sh, a, all, err))
        return WEIR_ERROR;
    return *all ? scan_filter(&r->st, *all, a, out, err) : WEIR_OK;
}

void scan_reader_counts(const ScanReader *r, uint64_t *records, uint64_t *bad, uint64_t *dead)
{
    *records = r->w->n_records;
    *bad = r->w->n_bad;
    *dead = r->w->n_dead;
}

void scan_reader_destroy(ScanReader **rp)
{
    ScanReader *r = rp ? *rp : NULL;
    if (!r)
        return;
    decoder_destroy(&r->w->dec);
    Arena *run = r->st.run; /* r lives in it */
    arena_destroy(&run);
    *rp = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * EXPLAIN
 * ---------------------------------------------------------------------------------------------- */

void op_scan_explain(const Op *op, char *out, size_t cap)
{
    const ScanSpec *sp = op->spec;
    const TableDef *td = sp->table->def;
    if (!cap)
        return;
    size_t n = 0;
#define SCAN_PUT(...)                                                                                        \
    do {                                                                                                     \
        if (n < cap) {                                                                                       \
            int w_ = snprintf(out + n, cap - n, __VA_ARGS__);                                                \
            n += w_ > 0 ? (size_t)w_ : 0;                                                                    \
        }                                                                                                    \
    } while (0)
    /* "on clicks c" when FROM gave the table another name, as PostgreSQL prints "Seq Scan on t x" */
    const char *alias = op->rel_alias && strcmp(op->rel_alias, td->name) != 0 ? op->rel_alias : NULL;
    SCAN_PUT("%s Scan on %s%s%s",
             td->file        ? "File"
             : td->view_rows ? "View"
                             : "Stream",
             td->name, alias ? " " : "", alias ? alias : "");
    if (td->file)
        SCAN_PUT(" (file %s", td->file);
    else if (td->view_rows)
        SCAN_PUT(" (current rows of materialized view %s", td->view);
    else
        SCAN_PUT(" (stream %s", td->stream ? td->stream : "?");
    if (td->file || td->view_rows) {
        /* read whole; pushed-down positions do not apply */
    } else if (op->st_loops) {
        /* after a run (EXPLAIN ANALYZE): what it actually read */
        SCAN_PUT(", %u of %u shards, %llu records read", sp->st_shards_read, sp->st_shards_total,
                 (unsigned long long)sp->st_records);
        if (sp->st_bad)
            SCAN_PUT(", %llu bad records left out", (unsigned long long)sp->st_bad);
        if (sp->st_dead)
            SCAN_PUT(" (%llu dead-lettered)", (unsigned long long)sp->st_dead);
        if (sp->st_workers)
            SCAN_PUT(", %u workers", sp->st_workers);
    } else {
        /* before a run: the shards constant _shard_id conditions leave */
        StreamInfo *si = NULL;
        Err e;
        err_clear(&e);
        if (td->stream && store_stream_describe(sp->store, td->stream, &si, &e) == 0) {
            int all_const = 1;
            for (uint32_t i = 0; i < sp->n_shard_sets; i++)
                for (uint32_t j = 0; j < sp->shard_sets[i].n_values; j++)
                    all_const &= sp->shard_sets[i].values[j]->kind == EXPR_CONST;
            if (!sp->n_shard_sets) {
                SCAN_PUT(", %u shards", si->n_shards);
            } else if (!all_const) {
                SCAN_PUT(", %u shards, pruned at open", si->n_shards);
            } else {
                /* the values are constants: evaluate them without an ExecCtx */
                SqlValue *vals[16];
                SqlValue buf[64];
                uint32_t used = 0, n_sets = sp->n_shard_sets < 16 ? sp->n_shard_sets : 16;
                int fits = sp->n_shard_sets <= 16;
                for (uint32_t i = 0; i < n_sets && fits; i++) {
                    if (used + sp->shard_sets[i].n_values > 64) {
                        fits = 0;
                        break;
                    }
                    vals[i] = &buf[used];
                    for (uint32_t j = 0; j < sp->shard_sets[i].n_values; j++)
                        buf[used++] = sp->shard_sets[i].values[j]->u.cval;
                }
                if (!fits) {
                    SCAN_PUT(", %u shards, pruned at open", si->n_shards);
                } else {
                    uint32_t k = 0;
                    for (uint32_t i = 0; i < si->n_shards; i++) {
                        char id[STORE_SHARD_ID_LEN + 1];
                        store_shard_id_format(si->shards[i].index, id);
                        k += (uint32_t)scan_shard_passes(sp, vals, id);
                    }
                    SCAN_PUT(", %u of %u shards", k, si->n_shards);
                }
            }
            store_stream_info_free(&si);
        }
    }
    if (sp->pushdown_text && !td->file && !td->view_rows)
        SCAN_PUT(", %s", sp->pushdown_text);
    if (sp->filter_text)
        SCAN_PUT(", filter: %s", sp->filter_text);
    SCAN_PUT(")");
#undef SCAN_PUT
    if (n >= cap && cap > 4)
        memcpy(out + cap - 4, "...", 4);
}
