/*
 * cq.c: the continuous-query runtime (cq.h). Sections:
 *   options      the WITH (...) of CREATE MATERIALIZED VIEW
 *   catalog      DATA/views.db: one row per view (definition, last checkpoint, whether it was delivered)
 *   output       rows to JSON records, delivery with durability
 *   checkpoint   the manifest (positions, watermark, counters, undelivered rows), writing and recovery
 *   current rows the rows table SELECT ... FROM view reads (an operator above the root), its snapshots
 *   late rows    their records for late_stream: names from the plan, why, where
 *   the thread   the tick loop
 *   views        create, resume, drop; the manager and the engine hooks
 *
 * Exactly once, in short: at checkpoint k the view writes its state tables' deltas and a manifest holding
 * the source positions, the watermark, the counters, each output shard's position before delivery, and
 * every row produced since checkpoint k-1 (as the records to append). The manifest is fsynced, then
 * views.db records k as the view's checkpoint with delivered = 0 (the commit point), then the records are
 * appended to the output stream and made durable, then delivered = 1. A view that starts with delivered =
 * 0 counts, per output shard, the records after the manifest's position; those are the first of that
 * shard's records in the manifest (appends keep their order within a shard), so it appends the rest.
 * The output stream belongs to the view: nothing else may write to it. Late records (late_stream) travel
 * the same way, as a second list in the manifest with its own stream position.
 *
 * Two threads per view. The view's thread reads, computes and formats the records (straight into the
 * pending buffer, once); at a checkpoint it writes the state tables' deltas, builds the manifest's
 * header and hands both, with the pending records, to the view's delivery thread, which writes the
 * manifest, commits, delivers and marks the delivery, in that order, while the view's thread computes
 * the next checkpoint's records. One checkpoint is in flight at a time (the next waits for it), so they
 * commit in order and each one's stream positions are taken after the previous delivery. A checkpoint
 * comes every checkpoint_interval, or sooner once CqConfig.ckpt_bytes of records are pending.
 *
 * What SELECT ... FROM view shows (rows_kind): a view that emits updates, or has keep, keeps its current
 * rows in a state table checkpointed with the operators'; readers get an immutable copy made after each
 * checkpoint (CqRows), through SqlViewHooks.rows. An append-only view without keep is read from its
 * output stream.
 */
#include "stream/cq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "base/u128.h"
#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/op.h"
#include "sql/jsonb.h"
#include "sql/tabledef.h"
#include "sql/typeio.h"
#include "store/segment.h"
#include "stream/sop.h"
#include "stream/source.h"

#define CQ_DEFAULT_CKPT_US 1000000
#define CQ_POLL_ROWS 8192 /* rows read from one source per tick, at most */
/* default CqConfig.ckpt_bytes: pending records that bring a checkpoint forward (a 32 MiB buffer holds
 * them and one more tick's) */
#define CQ_CKPT_BYTES ((size_t)24 << 20)

/* ------------------------------------------------------------------------------------------------
 * Options
 * ---------------------------------------------------------------------------------------------- */

typedef struct CqOptions {
    SourceStart start;
    int emit_on_update;
    int emit_given;          /* emit = ... was written (else: on_update exactly when the query retracts) */
    char output_stream[129]; /* "" : the view's own, "_weir_view_<name>" */
    char delivery_stream[65];  /* "" : none; else the output goes into that delivery stream's stream */
    uint32_t output_shards;
    char partition_key[64];  /* output column, "" none */
    int64_t state_ttl_us;
    int64_t ckpt_us;
    char late_stream[129]; /* "" : late rows are counted only */
    int64_t keep_us;       /* with has_keep: how far behind the watermark a window's rows stay in the view */
    int has_keep;
} CqOptions;

static int opt_interval(const SqlOption *o, int64_t *us, SqlError *err)
{
    SqlValue v;
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlFormatOpts fmt;
    sql_format_opts_default(&fmt);
    SqlError scratch; /* the option's own error below, not the interval parser's */
    memset(&scratch, 0, sizeof(scratch));
    int rc = sql_value_from_text(SQL_TYPE(SQL_INTERVAL), o->value, strlen(o->value), &fmt, a, &v, &scratch);
    arena_destroy(&a);
    if (rc)
        return sql_error_set(err, "22023", o->position, "invalid value for option \"%s\": \"%s\" is not an interval",
                             o->key, o->value);
    if (v.u.iv.months)
        return sql_error_set(err, "22023", o->position,
                             "invalid value for option \"%s\": months and years have no fixed length", o->key);
    *us = v.u.iv.usec + (int64_t)v.u.iv.days * 86400 * INT64_C(1000000);
    if (*us < 0)
        return sql_error_set(err, "22023", o->position, "invalid value for option \"%s\": it must not be negative",
                             o->key);
    return WEIR_OK;
}

static int opt_name(const SqlOption *o, char *out, size_t cap, SqlError *err)
{
    size_t n = strlen(o->value);
    if (n == 0 || n >= cap)
        return sql_error_set(err, "22023", o->position, "invalid value for option \"%s\": \"%s\"", o->key, o->value);
    memcpy(out, o->value, n + 1);
    return WEIR_OK;
}

static int cq_options_parse(const SqlOption *opts, uint32_t n, CqOptions *o, SqlError *err)
{
    memset(o, 0, sizeof(*o));
    o->start.kind = SOURCE_START_LATEST;
    o->ckpt_us = CQ_DEFAULT_CKPT_US;
    o->output_shards = 1;
    for (uint32_t i = 0; i < n; i++) {
        const SqlOption *p = &opts[i];
        const char *k = p->key, *v = p->value;
        if (strcmp(k, "start") == 0) {
            SqlFormatOpts fmt;
            sql_format_opts_default(&fmt);
            if (source_start_parse(v, &fmt, &o->start, err)) {
                err->position = p->position;
                return WEIR_ERROR;
            }
        } else if (strcmp(k, "emit") == 0) {
            o->emit_given = 1;
            if (strcasecmp(v, "on_update") == 0)
                o->emit_on_update = 1;
            else if (strcasecmp(v, "on_window_close") == 0)
                o->emit_on_update = 0;
            else
                return sql_error_set(err, "22023", p->position,
                                     "invalid value for option \"emit\": \"%s\" (on_window_close or on_update)", v);
        } else if (strcmp(k, "output_stream") == 0) {
            if (opt_name(p, o->output_stream, sizeof(o->output_stream), err))
                return WEIR_ERROR;
        } else if (strcmp(k, "delivery_stream") == 0) {
            if (opt_name(p, o->delivery_stream, sizeof(o->delivery_stream), err))
                return WEIR_ERROR;
        } else if (strcmp(k, "output_shards") == 0) {
            char *end;
            long s = strtol(v, &end, 10);
            if (*end || s < 1 || s > 1000)
                return sql_error_set(err, "22023", p->position, "invalid value for option \"output_shards\": \"%s\"", v);
            o->output_shards = (uint32_t)s;
        } else if (strcmp(k, "partition_key") == 0) {
            if (opt_name(p, o->partition_key, sizeof(o->partition_key), err))
                return WEIR_ERROR;
        } else if (strcmp(k, "late_stream") == 0) {
            if (opt_name(p, o->late_stream, sizeof(o->late_stream), err))
                return WEIR_ERROR;
        } else if (strcmp(k, "keep") == 0) {
            if (opt_interval(p, &o->keep_us, err))
                return WEIR_ERROR;
            o->has_keep = 1;
        } else if (strcmp(k, "state_ttl") == 0) {
            if (opt_interval(p, &o->state_ttl_us, err))
                return WEIR_ERROR;
        } else if (strcmp(k, "checkpoint_interval") == 0) {
            if (opt_interval(p, &o->ckpt_us, err))
                return WEIR_ERROR;
            if (o->ckpt_us < 10000)
                return sql_error_set(err, "22023", p->position, "checkpoint_interval must be at least 10 milliseconds");
        } else {
            return sql_error_set(
                err, "22023", p->position,
                "unrecognized materialized view option \"%s\" (start, emit, output_stream, delivery_stream, "
                "output_shards, partition_key, state_ttl, checkpoint_interval, late_stream, keep)",
                k);
        }
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The view
 * ---------------------------------------------------------------------------------------------- */

#define PG_EPOCH_US INT64_C(946684800000000) /* 2000-01-01 in Unix microseconds */

typedef struct CqView CqView;

struct CqManager {
    CqConfig cfg;
    char *data_dir;
    sqlite3 *db;
    pthread_mutex_t mu;    /* the view list and the catalog */
    CqView *views;
    SqlViewHooks hooks;
};

/* Pending output: records to append, back to back in a Buf: u32 key length, key, u32 data length, data. */
typedef struct CqOut {
    Buf buf;
    uint32_t n;
} CqOut;

/* One checkpoint on its way to disk and to the output streams: built by the view's thread, which then
 * goes on computing, and carried out by the view's delivery thread (ckpt_job_run). One job is in flight
 * at a time; its buffers come back empty, keeping their capacity, and are swapped with the view's
 * pending output at the next checkpoint. */
typedef struct CqJob {
    uint64_t k;
    Buf head;             /* the manifest up to the records (out_base, late_base patched in at delivery) */
    CqOut out, late;      /* the records to deliver */
    StateCkptResult *res; /* per state table: the files that become obsolete once k commits */
    uint32_t n_res;
    struct CqRows *snap; /* the rows readers see once k is delivered; NULL: unchanged */
} CqJob;

/* A view's current rows as readers see them (SELECT ... FROM view): an immutable copy of the rows table,
 * made by the view's thread after each checkpoint that changed it and swapped in under the view's mutex;
 * a reader takes a reference and decodes it on its own thread, so it never touches the live table and
 * always sees the rows of one checkpoint, the same ones the output stream holds. */
typedef struct CqRows {
    atomic_int refs;
    uint32_t n_cols;
    RowCodecCol *cols; /* the view's columns (malloc'd copy: the snapshot may outlive the view) */
    Buf buf;           /* per distinct row: u32 length, its EXACT encoding, u64 multiplicity */
} CqRows;

/* How the rows reaching one operator are named in late-row records: the output columns of the plan node
 * that feeds it (used[i] 0: a column the scan did not decode, left out). */
typedef struct LateShape {
    const Op *op;       /* the plan node whose output the rows are */
    int hint;           /* LATE_AT_*: which kind of operator takes them */
    const char **names; /* unique within the record */
    uint8_t *used;
} LateShape;

enum { LATE_AT_SCAN, LATE_AT_WINDOW, LATE_AT_AGG, LATE_AT_JOIN, LATE_AT_RANK };

/* What SELECT ... FROM view reads (CqView.rows_kind). */
enum {
    ROWS_STREAM = 0, /* an append-only view without keep: a JSON table over its output stream */
    ROWS_CURRENT,    /* a view that emits updates: its current rows, key = EXACT(row) */
    ROWS_KEEP,       /* keep = '...': key = KEY(window_end) | EXACT(row), windows expire by watermark */
};

struct CqView {
    CqManager *m;
    char name[64];
    char *query;
    char *opts_text;        /* the options as persisted: key=value lines */
    CqOptions o;
    char out_stream[STORE_NAME_MAX + 1];
    char dir[512];
    /* the plan, through the engine */
    SqlSession *sess;
    SqlStmt *st;
    SqlPortal *portal;
    Op *plan;
    ExecCtx *ctx;
    SqlError err;           /* the thread's */
    uint32_t n_cols;
    const char **col_names; /* in ctx's arena */
    Buf col_keys;           /* `,"name":` of every column as JSON, back to back (escaped once, not per row) */
    uint32_t *col_key_off;  /* n_cols + 1 offsets into col_keys */
    Buf pkey;               /* scratch: the partition_key column's text */
    int with_op;            /* records carry "op": the view emits updates */
    int partition_col;      /* output column of partition_key, -1 */
    /* the graph and its inputs */
    SopGraph *g;
    Source **src;
    uint32_t n_src;
    Arena *tick;
    int64_t wm;
    /* current rows (rows_kind != ROWS_STREAM): the table, kept by the graph's last operator */
    int rows_kind;
    int wend_col;          /* ROWS_KEEP: the view's window_end column */
    RowCodecCol *row_cols; /* the view's columns, for EXACT(row) */
    uint32_t *row_idx;
    StateTable *rows_t; /* owned by the graph (registered with sop_state_add) */
    int rows_changed;   /* since the last snapshot */
    CqRows *snap;       /* under mu */
    /* late rows: counted; with late_stream also written there, exactly once, like the output */
    SopCompileOpts co; /* the compile options (operators keep a pointer to them) */
    char late_stream[STORE_NAME_MAX + 1];
    CqOut late_out;
    uint64_t late_seq; /* late records produced (their partition keys) */
    LateShape *shapes;
    uint32_t n_shapes;
    /* output */
    CqOut out;
    uint64_t rows_out, late, seq_out;
    uint64_t ckpt_no; /* the last checkpoint built (the view's thread) */
    int64_t last_ckpt_us;
    /* the delivery thread: checkpoints written and delivered while the view's thread computes on */
    pthread_t dthread;
    int dstarted;
    pthread_mutex_t dmu; /* job_state, dquit, derr */
    pthread_cond_t dcv;
    int job_state; /* JOB_IDLE, JOB_READY (handed over), JOB_FAILED (derr says why) */
    int dquit;
    SqlError derr;
    CqJob job;
    atomic_uint_least64_t ckpt_done; /* the last checkpoint delivered (SHOW's count) */
    /* thread */
    pthread_t thread;
    int started;
    atomic_int stop;
    pthread_mutex_t mu;     /* status and the published statistics */
    char status[640];
    SqlViewInfo pub;        /* statistics as of the last tick (numbers, positions), for SHOW */
    int64_t last_pub_us;
    CqView *next;
};

static CqView *view_find(CqManager *m, const char *name, CqView ***link);
static void rows_unref(struct CqRows *r);

static int64_t now_unix_us(void)
{
    return clock_now_us();
}

static int cq_oom(SqlError *err)
{
    return sql_error_set(err, "53200", 0, "out of memory in a continuous query");
}

/* ------------------------------------------------------------------------------------------------
 * Output: rows to records
 * ---------------------------------------------------------------------------------------------- */

static int out_push(CqOut *o, const char *key, size_t klen, const uint8_t *data, size_t dlen)
{
    uint8_t len[4];
    segment_put_u32(len, (uint32_t)klen);
    if (buf_append(&o->buf, len, 4) || buf_append(&o->buf, key, klen))
        return WEIR_ENOMEM;
    segment_put_u32(len, (uint32_t)dlen);
    if (buf_append(&o->buf, len, 4) || buf_append(&o->buf, data, dlen))
        return WEIR_ENOMEM;
    o->n++;
    return WEIR_OK;
}

/* The i-th record of a pending buffer, walking from *at. */
static int out_next(const uint8_t *p, size_t n, size_t *at, Slice *key, Slice *data)
{
    if (*at + 4 > n)
        return 0;
    uint32_t kl = segment_get_u32(p + *at);
    if (*at + 4 + kl + 4 > n)
        return 0;
    *key = (Slice){p + *at + 4, kl};
    uint32_t dl = segment_get_u32(p + *at + 4 + kl);
    if (*at + 8 + kl + dl > n)
        return 0;
    *data = (Slice){p + *at + 8 + kl, dl};
    *at += 8 + (size_t)kl + dl;
    return 1;
}

/* Append `"name":value` for every column k < n_cols of row i of b with used[k] set (used NULL: every
 * column), separated by commas, after a comma when *any is set (set once something is written). WEIR_OK,
 * WEIR_ENOMEM, or WEIR_ERROR with err. */
static int json_fields_append(Buf *rec, const char *const *names, const uint8_t *used, uint32_t n_cols,
                              const Batch *b, uint32_t i, const SqlFormatOpts *fmt, Arena *a, int *any,
                              SqlError *err)
{
    for (uint32_t k = 0; k < n_cols && k < b->n_cols; k++) {
        if (used && !used[k])
            continue;
        if ((*any && buf_append_byte(rec, ',')) ||
            sql_json_append_string(rec, (const uint8_t *)names[k], strlen(names[k])) ||
            buf_append_byte(rec, ':'))
            return WEIR_ENOMEM;
        *any = 1;
        int rc = sql_json_append_value(&b->cols[k], i, fmt, a, rec, err);
        if (rc)
            return rc;
    }
    return WEIR_OK;
}

/* `,"name":` for every output column, escaped once at open (view_sink copies them into every record). */
static int col_keys_build(CqView *v)
{
    buf_init(&v->col_keys, (size_t)1 << 30);
    if (!(v->col_key_off = calloc(v->n_cols + 1, sizeof(uint32_t))))
        return WEIR_ENOMEM;
    for (uint32_t k = 0; k < v->n_cols; k++) {
        v->col_key_off[k] = (uint32_t)v->col_keys.len;
        if (buf_append_byte(&v->col_keys, ',') ||
            sql_json_append_string(&v->col_keys, (const uint8_t *)v->col_names[k], strlen(v->col_names[k])) ||
            buf_append_byte(&v->col_keys, ':'))
            return WEIR_ENOMEM;
    }
    v->col_key_off[v->n_cols] = (uint32_t)v->col_keys.len;
    return WEIR_OK;
}

/* One record of the view's output for row i of b, appended to the pending output in out_push's layout
 * (u32 key length, key, u32 data length, data), written in place: the JSON object is formatted straight
 * into the pending buffer and its length patched in after, so a record is built once and never copied
 * before its delivery. op: the "op" value, or NULL. */
static int view_record_push(CqView *v, SopCtx *c, const Batch *b, uint32_t i, const char *op,
                            const SqlFormatOpts *fmt)
{
    Buf *o = &v->out.buf;
    size_t start = o->len;
    /* partition key: the named column's text, else the row's number (spreads rows over shards) */
    SqlValue kv = {.type = SQL_TYPE(SQL_INT8)};
    kv.u.i = (int64_t)v->seq_out;
    if (v->partition_col >= 0 && !vec_is_null(&b->cols[v->partition_col], i))
        vec_get(&b->cols[v->partition_col], i, &kv);
    buf_reset(&v->pkey);
    const uint8_t *key = (const uint8_t *)"null";
    size_t klen = 4;
    if (sql_value_to_text(&kv, fmt, &v->pkey) == WEIR_OK && v->pkey.len) {
        key = v->pkey.p;
        klen = v->pkey.len < 256 ? v->pkey.len : 256;
    }
    uint8_t len[4];
    segment_put_u32(len, (uint32_t)klen);
    int rc =
        buf_append(o, len, 4) || buf_append(o, key, klen) || buf_append(o, len, 4) ? WEIR_ENOMEM : WEIR_OK;
    size_t data = o->len;
    if (!rc && buf_append_byte(o, '{'))
        rc = WEIR_ENOMEM;
    if (!rc && op && (buf_append(o, "\"op\":\"", 6) || buf_append(o, op, 2) || buf_append_byte(o, '"')))
        rc = WEIR_ENOMEM;
    for (uint32_t k = 0; k < v->n_cols && k < b->n_cols && !rc; k++) {
        const uint8_t *name = v->col_keys.p + v->col_key_off[k];
        size_t nl = v->col_key_off[k + 1] - v->col_key_off[k];
        if (k == 0 && !op) {
            name++; /* every key comes after a comma but the first, unless "op" came first */
            nl--;
        }
        if (buf_append(o, name, nl))
            rc = WEIR_ENOMEM;
        else
            rc = sql_json_append_value(&b->cols[k], i, fmt, c->scratch, o, c->err);
    }
    if (!rc && buf_append_byte(o, '}'))
        rc = WEIR_ENOMEM;
    if (rc) {
        o->len = start; /* no half record */
        if (o->p)
            o->p[start] = '\0';
        return rc;
    }
    segment_put_u32(o->p + data - 4, (uint32_t)(o->len - data));
    v->out.n++;
    v->seq_out++;
    v->rows_out++;
    return WEIR_OK;
}

/* The graph's sink: each row of the delta becomes |weight| JSON records. */
static int view_sink(void *arg, SopCtx *c, const ZBatch *z)
{
    CqView *v = arg;
    const Batch *b = z->b;
    SqlFormatOpts fmt;
    sql_format_opts_default(&fmt);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < b->n && rc == WEIR_OK; i++) {
        int64_t w = zbatch_weight(z, i);
        if (w == 0)
            continue;
        if (w < 0 && !v->with_op) {
            rc = sql_error_set(c->err, "0A000", 0,
                               "the query retracted a result row but its view emits on window close: "
                               "use WITH (emit = 'on_update')");
            break;
        }
        const char *op = NULL;
        if (v->with_op) {
            /* Flink's row kinds: a retraction directly followed by an insertion is an update */
            int next_pos = i + 1 < b->n && zbatch_weight(z, i + 1) > 0;
            int prev_neg = i > 0 && zbatch_weight(z, i - 1) < 0;
            op = w < 0 ? (next_pos ? "-U" : "-D") : (prev_neg ? "+U" : "+I");
        }
        for (int64_t k = 0; k < (w < 0 ? -w : w) && rc == WEIR_OK; k++)
            rc = view_record_push(v, c, b, i, op, &fmt);
    }
    if (rc == WEIR_ENOMEM)
        return cq_oom(c->err);
    return rc ? WEIR_ERROR : WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Delivery
 * ---------------------------------------------------------------------------------------------- */

/* Waiting for the store's durability callback, which runs on the server's event-loop thread. The wait
 * gives up when the view is stopping (a server shutting down joins view threads from that very thread):
 * then the record says abandoned and the callback frees it. */
typedef struct SyncWait {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, rc, abandoned;
} SyncWait;

static void sync_wait_free(SyncWait *w)
{
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

static void sync_done(void *arg, int rc)
{
    SyncWait *w = arg;
    pthread_mutex_lock(&w->mu);
    if (w->abandoned) {
        pthread_mutex_unlock(&w->mu);
        sync_wait_free(w);
        return;
    }
    w->done = 1;
    w->rc = rc;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

/* Wait on cv (mu held) for at most 50 ms: the waits below also watch the view's stop flag. */
static void cond_wait_50ms(pthread_cond_t *cv, pthread_mutex_t *mu)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 50 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(cv, mu, &ts);
}

/* WEIR_OK once durable, WEIR_EIO when the store failed, WEIR_EAGAIN when the view is stopping first. */
static int sync_wait(CqView *v, uint64_t token)
{
    SyncWait *w = calloc(1, sizeof(*w));
    if (!w)
        return WEIR_ENOMEM;
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    store_sync_wait(v->m->cfg.store, token, sync_done, w);
    pthread_mutex_lock(&w->mu);
    while (!w->done && !atomic_load(&v->stop)) {
        if (!v->started) {
            /* a pending delivery finished at server start (view_recover) runs before the event loop that
             * calls store_dispatch (cmd_server.c): run the store's ready callbacks here, or this waits
             * forever (they are only sync_done's of views then: no protocol is up yet) */
            pthread_mutex_unlock(&w->mu);
            store_dispatch(v->m->cfg.store);
            pthread_mutex_lock(&w->mu);
            if (w->done)
                break;
        }
        cond_wait_50ms(&w->cv, &w->mu);
    }
    if (!w->done) {
        w->abandoned = 1;
        pthread_mutex_unlock(&w->mu);
        return WEIR_EAGAIN;
    }
    int rc = w->rc ? WEIR_EIO : WEIR_OK;
    pthread_mutex_unlock(&w->mu);
    sync_wait_free(w);
    return rc;
}

/* Append the records of p[0..n) (pending-buffer layout) to stream (the view's output or late stream),
 * but for skip[shard] of each shard's first records, which are already there, in chunks, and wait
 * until they are durable. */
static int deliver(CqView *v, const char *stream, const uint8_t *p, size_t n, const StreamInfo *si,
                   uint64_t *skip, SqlError *err)
{
    enum { CHUNK = 500 };
    StoreAppendEntry ent[CHUNK];
    StoreAppendResult res[CHUNK];
    size_t at = 0, k = 0;
    uint64_t token = 0;
    int any = 0;
    Err e;
    err_clear(&e);
    for (;;) {
        Slice key, data;
        int more = out_next(p, n, &at, &key, &data);
        if (more) {
            u128 h = u128_md5_hash_key(key.p, key.n);
            int keep = 1;
            if (skip && si) {
                for (uint32_t s = 0; s < si->n_shards; s++) {
                    const ShardInfo *sh = &si->shards[s];
                    if (!sh->is_closed && h >= sh->hash_lo && h <= sh->hash_hi) {
                        if (skip[s]) {
                            skip[s]--;
                            keep = 0;
                        }
                        break;
                    }
                }
            }
            if (keep)
                ent[k++] = (StoreAppendEntry){key, data, h};
        }
        if (k == CHUNK || (!more && k)) {
            int64_t arrival;
            uint64_t t;
            if (store_append(v->m->cfg.store, stream, ent, k, res, &arrival, &t, &e))
                return sql_error_set(err, "58030", 0, "could not write to stream \"%s\": %s", stream, e.msg);
            token = t;
            any = 1;
            k = 0;
        }
        if (!more)
            break;
    }
    if (!any)
        return WEIR_OK;
    int wrc = sync_wait(v, token);
    if (wrc == WEIR_EAGAIN)
        return sql_error_set(err, "57P01", 0, "view \"%s\" is stopping", v->name);
    if (wrc)
        return sql_error_set(err, "58030", 0, "stream \"%s\": the records could not be made durable", stream);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Catalog (views.db)
 * ---------------------------------------------------------------------------------------------- */

static int db_exec(CqManager *m, const char *sql, Err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(m->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        err_set(e, WEIR_EIO, "views.db: %s", msg ? msg : "error");
        sqlite3_free(msg);
        return WEIR_EIO;
    }
    return WEIR_OK;
}

/* Run one statement with text parameters (NULL-terminated list); int64 parameters as decimal text. */
static int db_run(CqManager *m, const char *sql, const char *const *params, SqlError *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(m->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sql_error_set(err, "58030", 0, "views.db: %s", sqlite3_errmsg(m->db));
    for (int i = 0; params && params[i]; i++)
        sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return sql_error_set(err, "58030", 0, "views.db: %s", sqlite3_errmsg(m->db));
    return WEIR_OK;
}

static int db_set_ckpt(CqView *v, uint64_t k, int delivered, SqlError *err)
{
    char ks[32], ds[8];
    snprintf(ks, sizeof(ks), "%" PRIu64, k);
    snprintf(ds, sizeof(ds), "%d", delivered);
    const char *params[] = {ks, ds, v->name, NULL};
    /* not under the manager's mutex: DROP holds it while it joins this view's thread, and views.db is
     * opened SQLITE_OPEN_FULLMUTEX, so SQLite serializes the statement itself */
    return db_run(v->m, "UPDATE views SET ckpt_no = ?1, delivered = ?2 WHERE name = ?3", params, err);
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoints
 * ---------------------------------------------------------------------------------------------- */

#define MANIFEST_MAGIC "WEIRCQM2"

static int put_u32(Buf *b, uint32_t x)
{
    uint8_t t[4];
    segment_put_u32(t, x);
    return buf_append(b, t, 4);
}

static int put_u64(Buf *b, uint64_t x)
{
    uint8_t t[8];
    segment_put_u64(t, x);
    return buf_append(b, t, 8);
}

static int put_bytes(Buf *b, const void *p, size_t n)
{
    return put_u32(b, (uint32_t)n) || buf_append(b, p, n);
}

typedef struct Reader {
    const uint8_t *p;
    size_t n, at;
    int bad;
} Reader;

static uint32_t get_u32(Reader *r)
{
    if (r->bad || r->at + 4 > r->n) {
        r->bad = 1;
        return 0;
    }
    uint32_t x = segment_get_u32(r->p + r->at);
    r->at += 4;
    return x;
}

static uint64_t get_u64(Reader *r)
{
    if (r->bad || r->at + 8 > r->n) {
        r->bad = 1;
        return 0;
    }
    uint64_t x = segment_get_u64(r->p + r->at);
    r->at += 8;
    return x;
}

static Slice get_bytes(Reader *r)
{
    uint32_t n = get_u32(r);
    if (r->bad || r->at + n > r->n) {
        r->bad = 1;
        return (Slice){NULL, 0};
    }
    Slice s = {r->p + r->at, n};
    r->at += n;
    return s;
}

static void manifest_path(const CqView *v, uint64_t k, char *out, size_t cap)
{
    snprintf(out, cap, "%s/manifest-%020" PRIu64, v->dir, k);
}

/* Write the pieces p[0..n_p) one after the other as path, durably: to a temporary name, fsynced, renamed,
 * directory fsynced. Pieces, so that a manifest's records are written from where they were built. */
static int file_write_durable(const char *dir, const char *path, const Slice *p, size_t n_p, SqlError *err)
{
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return sql_error_set(err, "58030", 0, "checkpoint %s: %s", tmp, strerror(errno));
    for (size_t i = 0; i < n_p; i++) {
        size_t off = 0;
        while (off < p[i].n) {
            ssize_t w = write(fd, p[i].p + off, p[i].n - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                int saved = errno;
                close(fd);
                return sql_error_set(err, "58030", 0, "checkpoint %s: %s", tmp, strerror(saved));
            }
            off += (size_t)w;
        }
    }
    if (fsync(fd)) {
        int saved = errno;
        close(fd);
        return sql_error_set(err, "58030", 0, "checkpoint %s: fsync: %s", tmp, strerror(saved));
    }
    close(fd);
    if (rename(tmp, path))
        return sql_error_set(err, "58030", 0, "checkpoint %s: rename: %s", path, strerror(errno));
    Err e;
    err_clear(&e);
    if (state_dir_fsync(dir, &e))
        return sql_error_set(err, "58030", 0, "%s", e.msg);
    return WEIR_OK;
}

/* Where stream ends now (its next sequence number): the base a delivery's records come after. 0 for no
 * stream (""). */
static int stream_next_seq(CqView *v, const char *stream, uint64_t *out, SqlError *err)
{
    *out = 0;
    if (!stream[0])
        return WEIR_OK;
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(v->m->cfg.store, stream, &si, &e))
        return sql_error_set(err, "58030", 0, "stream \"%s\": %s", stream, e.msg);
    *out = si->next_seq;
    store_stream_info_free(&si);
    return WEIR_OK;
}

/* Late rows so far: those without an event time (and, after a restart, the total checkpointed) plus the
 * operators' counts since the start. */
static uint64_t view_late_total(const CqView *v)
{
    uint64_t n = v->late;
    for (uint32_t k = 0; k < v->g->n_ops; k++)
        n += v->g->ops[k]->st.late;
    return n;
}

static int rows_snapshot(CqView *v, CqRows **out, SqlError *err);
static void rows_swap(CqView *v, CqRows *r);

enum { JOB_IDLE, JOB_READY, JOB_FAILED };

/* Where the manifest's header keeps the output and late streams' positions before the delivery (after
 * the magic and six u64s), patched in by the delivery thread, which alone knows them. */
#define MANIFEST_BASES_AT 56

static void job_res_free(CqJob *j)
{
    for (uint32_t i = 0; i < j->n_res; i++)
        state_ckpt_result_fini(&j->res[i]);
    free(j->res);
    j->res = NULL;
    j->n_res = 0;
}

/* Carry out checkpoint job j (the delivery thread; nothing here touches what the view's thread uses):
 * the manifest (header, the records as they were built, CRC32C) written durably, then the commit point
 * (views.db: k, delivered = 0), the files the commit made obsolete deleted, the records appended to the
 * output and late streams and made durable, delivered = 1, and the rows of k shown to readers. */
static int ckpt_job_run(CqView *v, CqJob *j, SqlError *err)
{
    /* where the output and late streams end before this delivery: the previous job was delivered */
    uint64_t out_base, late_base;
    if (stream_next_seq(v, v->out_stream, &out_base, err) ||
        stream_next_seq(v, v->late_stream, &late_base, err))
        return WEIR_ERROR;
    segment_put_u64(j->head.p + MANIFEST_BASES_AT, out_base);
    segment_put_u64(j->head.p + MANIFEST_BASES_AT + 8, late_base);
    uint8_t out_hdr[8], late_hdr[8], crc_b[4];
    segment_put_u32(out_hdr, j->out.n);
    segment_put_u32(out_hdr + 4, (uint32_t)j->out.buf.len);
    segment_put_u32(late_hdr, j->late.n);
    segment_put_u32(late_hdr + 4, (uint32_t)j->late.buf.len);
    Slice parts[5] = {{j->head.p, j->head.len},
                      {out_hdr, 8},
                      {j->out.buf.p, j->out.buf.len},
                      {late_hdr, 8},
                      {j->late.buf.p, j->late.buf.len}};
    uint32_t crc = 0;
    for (int i = 0; i < 5; i++)
        crc = crc32c_extend(crc, parts[i].p, parts[i].n);
    segment_put_u32(crc_b, crc);
    Slice all[6] = {parts[0], parts[1], parts[2], parts[3], parts[4], {crc_b, 4}};
    char path[600];
    manifest_path(v, j->k, path, sizeof(path));
    if (file_write_durable(v->dir, path, all, 6, err))
        return WEIR_ERROR;
    /* the commit point */
    if (db_set_ckpt(v, j->k, 0, err))
        return WEIR_ERROR;
    for (uint32_t i = 0; i < j->n_res; i++)
        for (size_t f = 0; f < j->res[i].n_obsolete; f++)
            unlink(j->res[i].obsolete[f]);
    job_res_free(j);
    if (j->k > 1) {
        char old[600];
        manifest_path(v, j->k - 1, old, sizeof(old));
        unlink(old);
    }
    if (deliver(v, v->out_stream, j->out.buf.p, j->out.buf.len, NULL, NULL, err) ||
        deliver(v, v->late_stream, j->late.buf.p, j->late.buf.len, NULL, NULL, err) ||
        db_set_ckpt(v, j->k, 1, err))
        return WEIR_ERROR;
    /* readers now see the rows of this checkpoint, which the output stream holds too */
    if (j->snap) {
        rows_swap(v, j->snap);
        j->snap = NULL;
    }
    atomic_store(&v->ckpt_done, j->k);
    return WEIR_OK;
}

/* The delivery thread: runs each job the view's thread hands over, in order, until told to quit. A
 * failed job stops it (the view fails with its error: what was not delivered is recomputed, or
 * redelivered, after a restart). */
static void *delivery_thread(void *arg)
{
    CqView *v = arg;
    pthread_mutex_lock(&v->dmu);
    for (;;) {
        while (v->job_state != JOB_READY && !v->dquit)
            pthread_cond_wait(&v->dcv, &v->dmu);
        if (v->job_state != JOB_READY)
            break;
        pthread_mutex_unlock(&v->dmu);
        SqlError e;
        memset(&e, 0, sizeof(e));
        int rc = ckpt_job_run(v, &v->job, &e);
        buf_reset(&v->job.out.buf);
        v->job.out.n = 0;
        buf_reset(&v->job.late.buf);
        v->job.late.n = 0;
        pthread_mutex_lock(&v->dmu);
        if (rc) {
            v->derr = e;
            v->job_state = JOB_FAILED;
            pthread_cond_broadcast(&v->dcv);
            break;
        }
        v->job_state = JOB_IDLE;
        pthread_cond_broadcast(&v->dcv);
    }
    pthread_mutex_unlock(&v->dmu);
    return NULL;
}

/* Wait until the delivery thread is done with its job (the view's thread). WEIR_ERROR with err when it
 * failed, or when the view is stopping first. */
static int delivery_wait_idle(CqView *v, SqlError *err)
{
    pthread_mutex_lock(&v->dmu);
    while (v->job_state == JOB_READY && !atomic_load(&v->stop))
        cond_wait_50ms(&v->dcv, &v->dmu);
    int state = v->job_state;
    if (state == JOB_FAILED)
        *err = v->derr;
    pthread_mutex_unlock(&v->dmu);
    if (state == JOB_FAILED)
        return WEIR_ERROR;
    if (state == JOB_READY)
        return sql_error_set(err, "57P01", 0, "view \"%s\" is stopping", v->name);
    return WEIR_OK;
}

/* Whether the delivery thread failed (its error into err), without waiting. */
static int delivery_failed(CqView *v, SqlError *err)
{
    pthread_mutex_lock(&v->dmu);
    int failed = v->job_state == JOB_FAILED;
    if (failed)
        *err = v->derr;
    pthread_mutex_unlock(&v->dmu);
    return failed;
}

static int delivery_start(CqView *v, SqlError *err)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&v->dcv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&v->dmu, NULL);
    buf_init(&v->job.head, (size_t)1 << 30);
    buf_init(&v->job.out.buf, (size_t)1 << 40);
    buf_init(&v->job.late.buf, (size_t)1 << 40);
    if (pthread_create(&v->dthread, NULL, delivery_thread, v)) {
        pthread_cond_destroy(&v->dcv);
        pthread_mutex_destroy(&v->dmu);
        return sql_error_set(err, "58030", 0, "could not start the delivery thread of view \"%s\"", v->name);
    }
    v->dstarted = 1;
    return WEIR_OK;
}

/* Stop the delivery thread after its current job (which gives up waiting for durability once the view
 * is stopping) and free what the last job held. */
static void delivery_stop(CqView *v)
{
    if (v->dstarted) {
        pthread_mutex_lock(&v->dmu);
        v->dquit = 1;
        pthread_cond_broadcast(&v->dcv);
        pthread_mutex_unlock(&v->dmu);
        pthread_join(v->dthread, NULL);
        pthread_cond_destroy(&v->dcv);
        pthread_mutex_destroy(&v->dmu);
        v->dstarted = 0;
    }
    job_res_free(&v->job);
    rows_unref(v->job.snap);
    v->job.snap = NULL;
    buf_fini(&v->job.head);
    buf_fini(&v->job.out.buf);
    buf_fini(&v->job.late.buf);
}

/* Checkpoint k+1 (the view's thread): every state table's delta written, the manifest's header built
 * (watermark, counters, state chains, source positions), and the records produced since checkpoint k
 * handed to the delivery thread together with it, which writes the manifest, commits and delivers
 * while this thread computes on. A checkpoint waits for the previous one's delivery first, so at most
 * one is in flight and they commit in order. */
static int view_checkpoint(CqView *v, SqlError *err)
{
    if (delivery_wait_idle(v, err))
        return WEIR_ERROR;
    CqJob *j = &v->job;
    uint64_t k = v->ckpt_no + 1;
    Err e;
    err_clear(&e);
    Buf *man = &j->head;
    buf_reset(man);
    /* the stream positions before the delivery (0, 0 here) are patched in at MANIFEST_BASES_AT */
    int rc = buf_append(man, MANIFEST_MAGIC, 8) || put_u64(man, k) || put_u64(man, (uint64_t)v->wm) ||
             put_u64(man, v->rows_out) || put_u64(man, view_late_total(v)) || put_u64(man, v->seq_out) ||
             put_u64(man, v->late_seq) || put_u64(man, 0) || put_u64(man, 0);
    /* state tables: write each one's delta, record its chain */
    uint32_t n_tables = 0;
    for (uint32_t i = 0; i < v->g->n_ops; i++)
        n_tables += v->g->ops[i]->n_state;
    rc = rc || put_u32(man, n_tables);
    j->res = calloc(n_tables ? n_tables : 1, sizeof(*j->res));
    if (!j->res)
        return cq_oom(err);
    for (uint32_t i = 0; i < v->g->n_ops && !rc; i++) {
        Sop *s = v->g->ops[i];
        for (uint32_t t = 0; t < s->n_state && !rc; t++) {
            if (state_checkpoint_write(s->state[t], v->dir, k, STATE_CKPT_AUTO, &j->res[j->n_res], &e)) {
                rc = sql_error_set(err, "58030", 0, "checkpoint of view \"%s\": %s", v->name, e.msg);
                break;
            }
            j->n_res++;
            size_t nc;
            const char *const *chain = state_checkpoint_chain(s->state[t], &nc);
            rc = put_u32(man, (uint32_t)nc);
            for (size_t c = 0; c < nc && !rc; c++)
                rc = put_bytes(man, chain[c], strlen(chain[c]));
        }
    }
    /* source positions */
    rc = rc || put_u32(man, v->n_src);
    for (uint32_t i = 0; i < v->n_src && !rc; i++) {
        uint8_t *pb;
        size_t pn;
        if (source_positions_encode(v->src[i], v->tick, &pb, &pn))
            rc = cq_oom(err);
        else
            rc = put_bytes(man, pb, pn);
    }
    if (!rc && (v->out.buf.len > UINT32_MAX || v->late_out.buf.len > UINT32_MAX))
        rc = sql_error_set(err, "54000", 0, "view \"%s\": over 4 GiB of results in one checkpoint", v->name);
    if (!rc && v->rows_changed && rows_snapshot(v, &j->snap, err))
        rc = WEIR_ERROR;
    if (rc) {
        if (!err->sqlstate[0])
            cq_oom(err);
        job_res_free(j);
        return WEIR_ERROR;
    }
    v->rows_changed = 0;
    /* the records: the view's pending output goes with the job, the job's emptied buffers come back */
    CqOut t = j->out;
    j->out = v->out;
    v->out = t;
    t = j->late;
    j->late = v->late_out;
    v->late_out = t;
    j->k = k;
    v->ckpt_no = k;
    pthread_mutex_lock(&v->dmu);
    v->job_state = JOB_READY;
    pthread_cond_broadcast(&v->dcv);
    pthread_mutex_unlock(&v->dmu);
    return WEIR_OK;
}

static int count_record(void *arg, const StoreRecordView *r)
{
    (void)arg;
    (void)r;
    return 0; /* store_read counts them */
}

/* Finish a delivery a crash interrupted: of the records p[0..n) meant for stream after position base,
 * append those it does not hold yet. Per shard, the records at or after base are the first of that
 * shard's records in p (appends keep their order within a shard; nothing else writes to the stream). */
static int redeliver(CqView *v, const char *stream, uint64_t base, Slice recs, SqlError *err)
{
    if (!stream[0] || !recs.n)
        return WEIR_OK;
    Store *store = v->m->cfg.store;
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(store, stream, &si, &e))
        return sql_error_set(err, "58030", 0, "stream \"%s\": %s", stream, e.msg);
    int rc = WEIR_OK;
    uint64_t *skip = calloc(si->n_shards ? si->n_shards : 1, sizeof(uint64_t));
    for (uint32_t s = 0; s < si->n_shards && !rc; s++) {
        uint64_t p = base > si->shards[s].start_seq ? base : si->shards[s].start_seq;
        for (;;) {
            StoreReadResult rr;
            if (store_read(store, stream, si->shards[s].index, p, 10000, (size_t)64 << 20, count_record, NULL,
                           &rr, &e)) {
                rc = sql_error_set(err, "58030", 0, "stream \"%s\": %s", stream, e.msg);
                break;
            }
            skip[s] += rr.n_records;
            if (!rr.n_records || rr.next_pos == p)
                break;
            p = rr.next_pos;
        }
    }
    if (!rc)
        rc = deliver(v, stream, recs.p, recs.n, si, skip, err);
    free(skip);
    store_stream_info_free(&si);
    return rc;
}

/* Resume from checkpoint k: state tables, counters, source positions (into pos[i], bytes in a), and the
 * delivery the crash interrupted (delivered = 0). */
static int view_recover(CqView *v, uint64_t k, int delivered, Arena *a, Slice **pos, SqlError *err)
{
    char path[600];
    manifest_path(v, k, path, sizeof(path));
    FILE *f = fopen(path, "rb");
    if (!f)
        return sql_error_set(err, "58030", 0, "view \"%s\": checkpoint %s: %s", v->name, path, strerror(errno));
    Buf b;
    buf_init(&b, (size_t)1 << 40);
    char chunk[65536];
    size_t got;
    int rc = WEIR_OK;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0 && !rc)
        rc = buf_append(&b, chunk, got);
    fclose(f);
    if (rc) {
        buf_fini(&b);
        return cq_oom(err);
    }
    Reader r = {b.p, b.len, 0, 0};
    if (b.len < 12 || memcmp(b.p, MANIFEST_MAGIC, 8) ||
        crc32c(b.p, b.len - 4) != segment_get_u32(b.p + b.len - 4)) {
        buf_fini(&b);
        return sql_error_set(err, "XX001", 0, "view \"%s\": checkpoint %s is damaged", v->name, path);
    }
    r.n = b.len - 4;
    r.at = 8;
    if (get_u64(&r) != k)
        r.bad = 1;
    v->wm = (int64_t)get_u64(&r);
    v->rows_out = get_u64(&r);
    v->late = get_u64(&r);
    v->seq_out = get_u64(&r);
    v->late_seq = get_u64(&r);
    uint64_t out_base = get_u64(&r), late_base = get_u64(&r);
    uint32_t n_tables = get_u32(&r);
    uint32_t t_i = 0;
    for (uint32_t i = 0; i < v->g->n_ops && !r.bad && !rc; i++) {
        Sop *s = v->g->ops[i];
        for (uint32_t j = 0; j < s->n_state && !r.bad && !rc; j++, t_i++) {
            uint32_t nc = get_u32(&r);
            if (r.bad || nc > 100000)
                break;
            char **paths = calloc(nc ? nc : 1, sizeof(char *));
            for (uint32_t c = 0; c < nc && !r.bad; c++) {
                Slice p = get_bytes(&r);
                paths[c] = strndup((const char *)p.p, p.n);
            }
            Err e;
            err_clear(&e);
            if (!r.bad && state_restore(s->state[j], (const char *const *)paths, nc, &e))
                rc = sql_error_set(err, "XX001", 0, "view \"%s\": %s", v->name, e.msg);
            for (uint32_t c = 0; c < nc; c++)
                free(paths[c]);
            free(paths);
        }
    }
    if (t_i != n_tables)
        r.bad = 1;
    uint32_t n_src = get_u32(&r);
    if (n_src != v->g->n_sources)
        r.bad = 1;
    Slice *ps = ARENA_NEW(a, Slice, n_src ? n_src : 1);
    for (uint32_t i = 0; i < n_src && !r.bad && ps; i++) {
        Slice p = get_bytes(&r);
        uint8_t *copy = arena_try_alloc(a, p.n ? p.n : 1);
        if (copy && p.n)
            memcpy(copy, p.p, p.n);
        ps[i] = (Slice){copy, p.n};
    }
    (void)get_u32(&r);
    Slice out = get_bytes(&r);
    (void)get_u32(&r);
    Slice late = get_bytes(&r);
    if (late.n && !v->late_stream[0])
        r.bad = 1; /* late rows to deliver, and no late_stream: not this view's checkpoint */
    if (r.bad && !rc)
        rc = sql_error_set(err, "XX001", 0, "view \"%s\": checkpoint %s does not match the view's plan", v->name, path);
    if (!rc && !ps)
        rc = cq_oom(err);
    if (!rc && !delivered) {
        /* what of this checkpoint's records did the output and late streams get before the crash? */
        if (redeliver(v, v->out_stream, out_base, out, err) ||
            redeliver(v, v->late_stream, late_base, late, err))
            rc = WEIR_ERROR;
        if (!rc)
            rc = db_set_ckpt(v, k, 1, err);
    }
    buf_fini(&b);
    v->ckpt_no = k;
    *pos = ps;
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Current rows: the table SELECT ... FROM view reads (rows_kind != ROWS_STREAM)
 * ---------------------------------------------------------------------------------------------- */

/* The rows table's operator: the graph's last one. Each delta row adds its weight to the row's
 * multiplicity (a row whose multiplicity reaches 0 is deleted), then the delta goes on to the view's
 * sink unchanged. Being an operator, its table is checkpointed and restored with the others', so after a
 * crash the rows are those of the last checkpoint, recomputed onward like everything else. */
typedef struct RowsImpl {
    CqView *v;
    Buf key;
    RowCodecCol wcodec; /* ROWS_KEEP: window_end's codec */
} RowsImpl;

static int rows_push(Sop *s, SopCtx *c, uint32_t port, const ZBatch *in)
{
    (void)port;
    RowsImpl *r = s->impl;
    CqView *v = r->v;
    const Batch *b = in->b;
    Slice *rx = ARENA_NEW(c->scratch, Slice, b->n ? b->n : 1);
    if (!rx)
        return cq_oom(c->err);
    Err e;
    err_clear(&e);
    if (rowcodec_encode_batch(v->row_cols, v->row_idx, v->n_cols, b, ROWCODEC_EXACT, c->scratch, rx, &e))
        return sop_err_from(c->err, &e);
    for (uint32_t i = 0; i < b->n; i++) {
        int64_t w = zbatch_weight(in, i);
        if (w == 0)
            continue;
        buf_reset(&r->key);
        if (v->rows_kind == ROWS_KEEP) {
            const Vec *we = &b->cols[v->wend_col];
            SqlValue wv = {.type = r->wcodec.type, .is_null = vec_is_null(we, i)};
            if (!wv.is_null)
                wv.u.i = we->u.i[i];
            if (rowcodec_encode(&r->wcodec, 1, &wv, ROWCODEC_KEY, &r->key, &e))
                return sop_err_from(c->err, &e);
        }
        if (r->key.len + rx[i].n > STATE_KEY_MAX)
            return sql_error_set(
                c->err, "54000", 0,
                "a row of materialized view \"%s\" is longer than %u bytes: too long to keep as "
                "one of its current rows",
                v->name, STATE_KEY_MAX);
        if (buf_append(&r->key, rx[i].p, rx[i].n))
            return cq_oom(c->err);
        uint64_t h = state_hash(r->key.p, r->key.len);
        uint8_t *val;
        int is_new;
        if (state_upsert(v->rows_t, h, r->key.p, r->key.len, 8, &val, &is_new, &e))
            return sop_err_from(c->err, &e);
        int64_t m = (int64_t)segment_get_u64(val) + w;
        if (m == 0)
            state_delete(v->rows_t, h, r->key.p, r->key.len);
        else
            segment_put_u64(val, (uint64_t)m);
        v->rows_changed = 1;
    }
    return sop_emit(s, c, in);
}

/* keep: the rows of windows that ended more than keep before the watermark leave the view. */
static int rows_advance(Sop *s, SopCtx *c)
{
    RowsImpl *r = s->impl;
    CqView *v = r->v;
    if (v->rows_kind != ROWS_KEEP || c->watermark == SOP_WM_NONE ||
        c->watermark <= INT64_MIN + v->o.keep_us + 1)
        return WEIR_OK;
    /* every key up to the encoding of (watermark - keep - 1): window_end < watermark - keep */
    buf_reset(&r->key);
    if (sop_time_key_append(&r->wcodec, c->watermark - v->o.keep_us - 1, &r->key, c->err))
        return WEIR_ERROR;
    StateIter it;
    Err e;
    err_clear(&e);
    if (state_iter_range(&it, v->rows_t, NULL, 0, r->key.p, r->key.len, &e))
        return sop_err_from(c->err, &e);
    Slice k, val;
    while (state_iter_next(&it, &k, &val)) {
        state_delete(v->rows_t, state_hash(k.p, k.n), k.p, k.n);
        v->rows_changed = 1;
    }
    return WEIR_OK;
}

static void rows_destroy(Sop *s)
{
    RowsImpl *r = s->impl;
    buf_fini(&r->key);
}

static const SopOps rows_ops = {
    .name = "view rows", .push = rows_push, .advance = rows_advance, .destroy = rows_destroy};

/* Put the rows operator above the graph's root (after compile: its table's id, from its position in the
 * graph, is then the same at every compile of the view). */
static int rows_attach(CqView *v, SqlError *err)
{
    SopGraph *g = v->g;
    Sop *root = g->root;
    if (!(v->row_cols = calloc(v->n_cols ? v->n_cols : 1, sizeof(RowCodecCol))) ||
        !(v->row_idx = calloc(v->n_cols ? v->n_cols : 1, sizeof(uint32_t))))
        return cq_oom(err);
    for (uint32_t i = 0; i < v->n_cols; i++) {
        v->row_cols[i] = (RowCodecCol){root->types[i], 0};
        v->row_idx[i] = i;
    }
    Sop *s = sop_new(g, &rows_ops, sizeof(RowsImpl), root->types, root->n_cols);
    if (!s)
        return cq_oom(err);
    RowsImpl *r = s->impl;
    r->v = v;
    buf_init(&r->key, STATE_KEY_MAX);
    if (v->rows_kind == ROWS_KEEP)
        r->wcodec = (RowCodecCol){root->types[v->wend_col], 0};
    if (sop_state_new(s, v->rows_kind == ROWS_KEEP, &v->rows_t, err))
        return WEIR_ERROR;
    root->out = s;
    root->out_port = 0;
    g->root = s;
    return WEIR_OK;
}

static void rows_unref(CqRows *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    buf_fini(&r->buf);
    free(r->cols);
    free(r);
}

/* A new snapshot of the rows table for readers (on the view's thread, at a checkpoint): *out NULL when
 * the view keeps no rows table. Shown by rows_swap. */
static int rows_snapshot(CqView *v, CqRows **out, SqlError *err)
{
    *out = NULL;
    if (!v->rows_t)
        return WEIR_OK;
    CqRows *r = calloc(1, sizeof(*r));
    if (!r || !(r->cols = calloc(v->n_cols ? v->n_cols : 1, sizeof(RowCodecCol)))) {
        free(r);
        return cq_oom(err);
    }
    atomic_init(&r->refs, 1);
    r->n_cols = v->n_cols;
    memcpy(r->cols, v->row_cols, v->n_cols * sizeof(RowCodecCol));
    buf_init(&r->buf, (size_t)1 << 40);
    StateIter it;
    state_iter_all(&it, v->rows_t);
    Slice k, val;
    int rc = WEIR_OK;
    while (rc == WEIR_OK && state_iter_next(&it, &k, &val)) {
        /* ROWS_KEEP: the key starts with window_end's KEY encoding, a tag byte and, unless NULL, 8 bytes */
        size_t skip = v->rows_kind == ROWS_KEEP ? (k.n && k.p[0] == 0x02 ? 9 : 1) : 0;
        if (skip > k.n || val.n != 8)
            rc = sql_error_set(err, "XX000", 0, "view \"%s\": a malformed entry in its rows table", v->name);
        else
            rc = put_u32(&r->buf, (uint32_t)(k.n - skip)) || buf_append(&r->buf, k.p + skip, k.n - skip) ||
                         buf_append(&r->buf, val.p, 8)
                     ? cq_oom(err)
                     : WEIR_OK;
    }
    if (rc) {
        rows_unref(r);
        return WEIR_ERROR;
    }
    *out = r;
    return WEIR_OK;
}

/* Show snapshot r (consumed) to readers: swapped in under the view's mutex (any thread). */
static void rows_swap(CqView *v, CqRows *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&v->mu);
    CqRows *old = v->snap;
    v->snap = r;
    pthread_mutex_unlock(&v->mu);
    rows_unref(old);
}

/* SqlViewHooks.rows: the last snapshot, decoded into batches in a (on the reader's thread). */
static int hook_rows(void *arg, const char *name, const SqlType *types, uint32_t n_cols, Arena *a,
                     Batch ***out, uint32_t *n_out, SqlError *err)
{
    CqManager *m = arg;
    *out = NULL;
    *n_out = 0;
    pthread_mutex_lock(&m->mu);
    CqView *v = view_find(m, name, NULL);
    CqRows *r = NULL;
    char status[sizeof(v->status)] = "";
    if (v) {
        pthread_mutex_lock(&v->mu);
        if ((r = v->snap))
            atomic_fetch_add(&r->refs, 1);
        snprintf(status, sizeof(status), "%s", v->status);
        pthread_mutex_unlock(&v->mu);
    }
    pthread_mutex_unlock(&m->mu);
    if (!r)
        return sql_error_set(err, "55000", 0, "materialized view \"%s\" is not running%s%s", name,
                             status[0] ? ": " : "", status);
    int rc = WEIR_OK;
    if (r->n_cols != n_cols)
        rc = sql_error_set(err, "55000", 0, "materialized view \"%s\" has %u columns, its table %u", name,
                           r->n_cols, n_cols);
    for (uint32_t k = 0; k < n_cols && !rc; k++)
        if (r->cols[k].type.id != types[k].id)
            rc = sql_error_set(err, "55000", 0, "column %u of materialized view \"%s\" changed type", k + 1,
                               name);
    SqlValue *vals = rc ? NULL : ARENA_NEW(a, SqlValue, n_cols ? n_cols : 1);
    if (!rc && !vals)
        rc = sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
    Reader rd = {r->buf.p, r->buf.len, 0, 0};
    uint32_t n = 0, cap = 0;
    Batch **bs = NULL, *cur = NULL;
    while (!rc && rd.at < rd.n) {
        Slice row = get_bytes(&rd);
        uint64_t mult = get_u64(&rd);
        Err e;
        err_clear(&e);
        if (rd.bad) {
            rc = sql_error_set(err, "XX000", 0, "materialized view \"%s\": damaged snapshot", name);
            break;
        }
        if (rowcodec_decode(r->cols, n_cols, row.p, row.n, a, vals, &e)) {
            rc = e.code == WEIR_ENOMEM
                     ? sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget")
                     : sql_error_set(err, "XX000", 0, "materialized view \"%s\": %s", name, e.msg);
            break;
        }
        for (uint64_t c = 0; c < mult && (int64_t)mult > 0 && !rc; c++) {
            if (!cur || cur->n == VEC_BATCH) {
                if (n == cap) {
                    uint32_t nc = cap ? cap * 2 : 8;
                    Batch **nb = ARENA_NEW(a, Batch *, nc);
                    if (nb && n)
                        memcpy(nb, bs, n * sizeof(*bs));
                    bs = nb;
                    cap = nc;
                }
                if (!bs || !(cur = batch_create(a, types, n_cols))) {
                    rc = sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
                    break;
                }
                bs[n++] = cur;
            }
            for (uint32_t k = 0; k < n_cols && !rc; k++)
                if (vec_put(&cur->cols[k], cur->n, &vals[k], a))
                    rc = sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
            cur->n++;
        }
    }
    rows_unref(r);
    if (rc)
        return WEIR_ERROR;
    *out = bs;
    *n_out = n;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Late rows: names, records
 * ---------------------------------------------------------------------------------------------- */

/* Names of op's output columns (n = op->n_cols), into names / used (allocated by the caller): a scan's
 * are its table's (used: what the source decodes, the needed columns and the event time); filters, sorts
 * and UNION ALL keep their input's, projections of a column take its name, window assignment adds
 * window_start and window_end, a join is its two sides; the binder's Op.col_names win where it set them. */
static int plan_col_names(const Op *op, Arena *a, const char **names, uint8_t *used)
{
    uint32_t n = op->n_cols;
    for (uint32_t i = 0; i < n; i++) {
        char t[24];
        snprintf(t, sizeof(t), "col%u", i + 1);
        if (!(names[i] = arena_try_strndup(a, t, strlen(t))))
            return WEIR_ENOMEM;
        used[i] = 1;
    }
    const Op *c = op->child;
    const char **cn = c ? ARENA_NEW(a, const char *, c->n_cols ? c->n_cols : 1) : NULL;
    uint8_t *cu = c ? arena_try_calloc(a, c->n_cols ? c->n_cols : 1) : NULL;
    if (c && (!cn || !cu || plan_col_names(c, a, cn, cu)))
        return WEIR_ENOMEM;
    switch (op->kind) {
    case OP_SCAN: {
        const ScanSpec *sp = op->spec;
        const TableDef *td = sp->table->def;
        uint32_t tcol =
            td->event_time_col >= 0 ? (uint32_t)td->event_time_col : td->n_cols + TABLE_HID_ARRIVAL_TIME;
        for (uint32_t i = 0; i < n && i < td->n_cols + TABLE_HID_N; i++) {
            names[i] =
                i < td->n_cols ? td->cols[i].name : tabledef_hidden_name((TableHidden)(i - td->n_cols));
            used[i] = (sp->needed && sp->needed[i]) || i == tcol;
        }
        break;
    }
    case OP_FILTER:
    case OP_SORT:
    case OP_LIMIT:
    case OP_UNIQUE:
    case OP_APPEND:
    case OP_WINASSIGN:
        for (uint32_t i = 0; i < n && i < c->n_cols; i++) {
            names[i] = cn[i];
            used[i] = cu[i];
        }
        if (op->kind == OP_WINASSIGN && n >= 2) {
            names[n - 2] = "window_start";
            names[n - 1] = "window_end";
        }
        break;
    case OP_PROJECT:
        for (uint32_t i = 0; i < n; i++) {
            const Expr *x = op->exprs[i];
            if (x->kind == EXPR_COL && x->u.col < c->n_cols) {
                names[i] = cn[x->u.col];
                used[i] = cu[x->u.col];
            } else {
                names[i] = "?column?";
            }
        }
        break;
    case OP_JOIN: {
        const Op *rt = op->right;
        const char **rn = ARENA_NEW(a, const char *, rt->n_cols ? rt->n_cols : 1);
        uint8_t *ru = arena_try_calloc(a, rt->n_cols ? rt->n_cols : 1);
        if (!rn || !ru || plan_col_names(rt, a, rn, ru))
            return WEIR_ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
            if (i < c->n_cols) {
                names[i] = cn[i];
                used[i] = cu[i];
            } else if (i - c->n_cols < rt->n_cols) {
                names[i] = rn[i - c->n_cols];
                used[i] = ru[i - c->n_cols];
            }
        }
        break;
    }
    default:
        break;
    }
    for (uint32_t i = 0; op->col_names && i < n; i++)
        if (op->col_names[i])
            names[i] = op->col_names[i];
    return WEIR_OK;
}

static int late_shape_add(CqView *v, const Op *op, int hint, uint32_t *cap)
{
    Arena *a = v->ctx->arena;
    if (v->n_shapes == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 8;
        LateShape *ns = ARENA_NEW(a, LateShape, nc);
        if (!ns)
            return WEIR_ENOMEM;
        if (v->n_shapes)
            memcpy(ns, v->shapes, v->n_shapes * sizeof(*ns));
        v->shapes = ns;
        *cap = nc;
    }
    LateShape *ls = &v->shapes[v->n_shapes];
    uint32_t n = op->n_cols;
    ls->op = op;
    ls->hint = hint;
    ls->names = ARENA_NEW(a, const char *, n ? n : 1);
    ls->used = arena_try_calloc(a, n ? n : 1);
    if (!ls->names || !ls->used || plan_col_names(op, a, ls->names, ls->used))
        return WEIR_ENOMEM;
    /* a record's keys are unique: a second "id" (a join of two tables that both have one) is "id_2" */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t dup = 1;
        for (uint32_t j = 0; j < i; j++)
            dup += ls->used[j] && strcmp(ls->names[j], ls->names[i]) == 0;
        if (dup > 1 && ls->used[i]) {
            char t[256];
            snprintf(t, sizeof(t), "%.200s_%u", ls->names[i], dup);
            if (!(ls->names[i] = arena_try_strndup(a, t, strlen(t))))
                return WEIR_ENOMEM;
        }
    }
    v->n_shapes++;
    return WEIR_OK;
}

/* Every plan node whose rows an operator may report late: the inputs of window assignment, aggregates,
 * joins and rankings, and the scans (rows without an event time). */
static int late_shapes_collect(CqView *v, const Op *op, uint32_t *cap)
{
    if (!op || !sop_plan_is_streaming(op))
        return WEIR_OK;
    int rc = WEIR_OK;
    switch (op->kind) {
    case OP_SCAN:
        rc = late_shape_add(v, op, LATE_AT_SCAN, cap);
        break;
    case OP_WINASSIGN:
        rc = late_shape_add(v, op->child, LATE_AT_WINDOW, cap);
        break;
    case OP_AGG:
        rc = late_shape_add(v, op->child, LATE_AT_AGG, cap);
        break;
    case OP_WINDOW:
        rc = late_shape_add(v, op->child, LATE_AT_RANK, cap);
        break;
    case OP_UNIQUE:
        rc = late_shape_add(v, op->child && op->child->kind == OP_SORT ? op->child->child : op->child,
                            LATE_AT_RANK, cap);
        break;
    case OP_JOIN:
        if (sop_plan_is_streaming(op->child))
            rc = late_shape_add(v, op->child, LATE_AT_JOIN, cap);
        if (!rc && sop_plan_is_streaming(op->right))
            rc = late_shape_add(v, op->right, LATE_AT_JOIN, cap);
        break;
    default:
        break;
    }
    return rc || late_shapes_collect(v, op->child, cap) || late_shapes_collect(v, op->right, cap)
               ? WEIR_ENOMEM
               : WEIR_OK;
}

/* The shape of rows b reported by operator `where`: the plan node of the operator's kind whose output
 * has b's column types (the operators report their input batch as it came). NULL: none fits (the
 * columns are then named col1, col2, ...). */
static const LateShape *late_shape_find(const CqView *v, const char *where, const Batch *b)
{
    int hint = strstr(where, "join")                                            ? LATE_AT_JOIN
               : strstr(where, "aggregate")                                     ? LATE_AT_AGG
               : strstr(where, "top-n") || strstr(where, "deduplication")       ? LATE_AT_RANK
               : strstr(where, "window assignment") || strstr(where, "session") ? LATE_AT_WINDOW
                                                                                : LATE_AT_SCAN;
    const LateShape *any = NULL;
    for (uint32_t i = 0; i < v->n_shapes; i++) {
        const LateShape *ls = &v->shapes[i];
        if (ls->op->n_cols != b->n_cols)
            continue;
        uint32_t k = 0;
        while (k < b->n_cols && ls->op->types[k].id == b->cols[k].type.id)
            k++;
        if (k < b->n_cols)
            continue;
        if (ls->hint == hint)
            return ls;
        if (!any)
            any = ls;
    }
    return any;
}

/* Rows rows[0..n) of b, late at `where` (an operator's name, or "source" for rows without an event
 * time), as records for the late stream: the row's columns by name, then why, where, and the
 * watermark at the time. Counted by the caller. */
static int late_write(CqView *v, SopCtx *c, const char *where, const char *reason, const LateShape *ls,
                      const Batch *b, const uint32_t *rows, uint32_t n)
{
    if (!v->late_stream[0] || !n)
        return WEIR_OK;
    SqlFormatOpts fmt;
    sql_format_opts_default(&fmt);
    const char **gen = NULL;
    if (!ls) {
        if (!(gen = ARENA_NEW(c->scratch, const char *, b->n_cols ? b->n_cols : 1)))
            return cq_oom(c->err);
        for (uint32_t k = 0; k < b->n_cols; k++) {
            char t[24];
            snprintf(t, sizeof(t), "col%u", k + 1);
            if (!(gen[k] = arena_try_strndup(c->scratch, t, strlen(t))))
                return cq_oom(c->err);
        }
    }
    /* the watermark as a one-row timestamptz column, for to_json's form */
    Vec wm;
    SqlValue wv = {
        .type = SQL_TYPE(SQL_TIMESTAMPTZ), .is_null = c->watermark == SOP_WM_NONE, .u.i = c->watermark};
    if (vec_init(&wm, wv.type, c->scratch) || vec_put(&wm, 0, &wv, c->scratch))
        return cq_oom(c->err);
    Buf rec;
    buf_init(&rec, (size_t)2 << 20);
    int rc = WEIR_OK;
    for (uint32_t j = 0; j < n && rc == WEIR_OK; j++) {
        int any = 0;
        buf_reset(&rec);
        rc = buf_append_byte(&rec, '{') ? WEIR_ENOMEM : WEIR_OK;
        if (rc == WEIR_OK)
            rc = json_fields_append(&rec, ls ? ls->names : gen, ls ? ls->used : NULL, b->n_cols, b, rows[j],
                                    &fmt, c->scratch, &any, c->err);
        if (rc == WEIR_OK &&
            ((any && buf_append_byte(&rec, ',')) || buf_append_cstr(&rec, "\"_late_reason\":") ||
             sql_json_append_string(&rec, (const uint8_t *)reason, strlen(reason)) ||
             buf_append_cstr(&rec, ",\"_late_operator\":") ||
             sql_json_append_string(&rec, (const uint8_t *)where, strlen(where)) ||
             buf_append_cstr(&rec, ",\"_watermark\":")))
            rc = WEIR_ENOMEM;
        if (rc == WEIR_OK)
            rc = sql_json_append_value(&wm, 0, &fmt, c->scratch, &rec, c->err);
        if (rc == WEIR_OK && buf_append_byte(&rec, '}'))
            rc = WEIR_ENOMEM;
        if (rc == WEIR_OK) {
            char key[32];
            int kl = snprintf(key, sizeof(key), "%" PRIu64, v->late_seq);
            if (out_push(&v->late_out, key, (size_t)kl, rec.p, rec.len))
                rc = WEIR_ENOMEM;
            v->late_seq++;
        }
    }
    buf_fini(&rec);
    if (rc == WEIR_ENOMEM)
        return cq_oom(c->err);
    return rc ? WEIR_ERROR : WEIR_OK;
}

/* SopCompileOpts.late: rows an operator found behind the watermark (it counted them). */
static int view_late(void *arg, SopCtx *c, const Sop *where, const Batch *b, const uint32_t *rows, uint32_t n)
{
    CqView *v = arg;
    return late_write(v, c, where->ops->name, "behind the watermark", late_shape_find(v, where->ops->name, b),
                      b, rows, n);
}

/* ------------------------------------------------------------------------------------------------
 * The thread
 * ---------------------------------------------------------------------------------------------- */

typedef struct PollArg {
    CqView *v;
    uint32_t src;
    SopCtx *c;
} PollArg;

static int poll_batch(void *arg, const Batch *b, const int64_t *event_time, const uint8_t *time_null)
{
    PollArg *pa = arg;
    CqView *v = pa->v;
    (void)event_time;
    ZBatch z = {b, NULL};
    Batch *kept = NULL;
    if (time_null) {
        /* rows without a usable event time are late: counted, not computed (and copied to late_stream) */
        uint32_t *sel = ARENA_NEW(pa->c->scratch, uint32_t, b->n);
        uint32_t *late = ARENA_NEW(pa->c->scratch, uint32_t, b->n);
        if (!sel || !late)
            return cq_oom(pa->c->err);
        uint32_t n = 0, n_late = 0;
        for (uint32_t i = 0; i < b->n; i++) {
            if (time_null[i])
                late[n_late++] = i;
            else
                sel[n++] = i;
        }
        v->late += n_late;
        if (n_late && v->late_stream[0]) {
            const LateShape *ls = NULL;
            for (uint32_t k = 0; k < v->n_shapes && !ls; k++)
                if (v->shapes[k].hint == LATE_AT_SCAN && v->shapes[k].op->spec == v->g->source_scan[pa->src])
                    ls = &v->shapes[k];
            if (late_write(v, pa->c, "source", "no event time", ls, b, late, n_late))
                return WEIR_ERROR;
        }
        if (n < b->n) {
            if (!(kept = batch_gather(b, sel, n, pa->c->scratch)))
                return cq_oom(pa->c->err);
            z.b = kept;
        }
    }
    return sop_push(v->g->leaf_op[pa->src], pa->c, v->g->leaf_port[pa->src], &z);
}

static void view_set_status(CqView *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void view_set_status(CqView *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&v->mu);
    vsnprintf(v->status, sizeof(v->status), fmt, ap);
    pthread_mutex_unlock(&v->mu);
    va_end(ap);
}

/* Publish the view's statistics for SHOW MATERIALIZED VIEWS (on the view's thread: sources and state
 * tables are not thread-safe). */
static void view_publish(CqView *v)
{
    SqlViewInfo p;
    memset(&p, 0, sizeof(p));
    p.watermark_us = v->wm;
    p.rows_out = v->rows_out;
    p.late_rows = view_late_total(v);
    p.checkpoints = atomic_load(&v->ckpt_done);
    for (uint32_t k = 0; k < v->g->n_ops; k++) {
        const Sop *s = v->g->ops[k];
        for (uint32_t j = 0; j < s->n_state; j++) {
            StateStats ss;
            state_stats(s->state[j], &ss);
            p.state_entries += ss.n_entries;
            p.state_bytes += ss.mem_bytes;
        }
    }
    Buf pos;
    buf_init(&pos, (size_t)1 << 20);
    for (uint32_t k = 0; k < v->n_src; k++) {
        SourceCounts sc;
        source_counts(v->src[k], &sc);
        p.rows_in += sc.records;
        SourceShardStats *st = NULL;
        uint32_t n = 0;
        if (source_shard_stats(v->src[k], v->tick, &st, &n))
            continue;
        const char *table = v->g->source_scan[k]->table->def->name;
        for (uint32_t i = 0; i < n; i++) {
            char line[256];
            snprintf(line, sizeof(line), "%s%s/%s %s, %" PRIu64 " records, lag %" PRId64 " ms", pos.len ? ", " : "",
                     table, st[i].id,
                     st[i].p.state == SOURCE_SHARD_DONE      ? "done"
                     : st[i].p.state == SOURCE_SHARD_PENDING ? "waiting for its parents"
                     : st[i].is_idle                         ? "idle"
                                                             : "reading",
                     st[i].p.n_records, st[i].millis_behind);
            if (buf_append_cstr(&pos, line))
                break;
        }
    }
    p.positions = strndup(pos.p ? (const char *)pos.p : "", pos.len);
    buf_fini(&pos);
    pthread_mutex_lock(&v->mu);
    free(v->pub.positions);
    v->pub = p;
    pthread_mutex_unlock(&v->mu);
}

static void *view_thread(void *arg)
{
    CqView *v = arg;
    int tick_ms = v->m->cfg.tick_ms > 0 ? v->m->cfg.tick_ms : 20;
    size_t ckpt_bytes = v->m->cfg.ckpt_bytes ? v->m->cfg.ckpt_bytes : CQ_CKPT_BYTES;
    int dirty = 0;
    memset(&v->err, 0, sizeof(v->err));
    if (delivery_start(v, &v->err)) {
        log_warn("materialized view \"%s\" stopped: %s", v->name, v->err.message);
        view_set_status(v, "failed: %s", v->err.message);
        return NULL;
    }
    while (!atomic_load(&v->stop)) {
        memset(&v->err, 0, sizeof(v->err));
        int64_t now = now_unix_us();
        SopCtx c = {.exec = v->ctx, .scratch = v->tick, .watermark = v->wm, .now_us = now - PG_EPOCH_US,
                    .err = &v->err};
        v->ctx->err = &v->err;
        uint64_t total = 0;
        int rc = WEIR_OK;
        for (uint32_t i = 0; i < v->n_src && !rc; i++) {
            PollArg pa = {v, i, &c};
            uint64_t n_read = 0;
            rc = source_poll(v->src[i], now, CQ_POLL_ROWS, v->tick, poll_batch, &pa, &n_read, &v->err);
            total += n_read;
        }
        int64_t wm = SOP_WM_NONE;
        for (uint32_t i = 0; i < v->n_src && !rc; i++) {
            int64_t w = source_watermark(v->src[i], now);
            wm = i == 0 || w < wm ? w : wm;
        }
        if (!rc && wm != SOP_WM_NONE && wm > v->wm)
            v->wm = wm;
        c.watermark = v->wm;
        if (!rc)
            rc = sop_graph_advance(v->g, &c);
        if (total || v->out.n || v->late_out.n || v->rows_changed)
            dirty = 1;
        if (!rc && delivery_failed(v, &v->err))
            rc = WEIR_ERROR;
        /* every checkpoint_interval, and sooner when the pending records reach ckpt_bytes: that
         * bounds the memory they take and lets their delivery run beside the computing of the next */
        if (!rc && dirty &&
            (now - v->last_ckpt_us >= v->o.ckpt_us || v->out.buf.len + v->late_out.buf.len >= ckpt_bytes)) {
            rc = view_checkpoint(v, &v->err);
            v->last_ckpt_us = now;
            dirty = 0;
        }
        if (!rc && now - v->last_pub_us >= 100000) {
            view_publish(v);
            v->last_pub_us = now;
        }
        arena_reset(v->tick);
        if (rc) {
            delivery_stop(v);
            log_warn("materialized view \"%s\" stopped: %s", v->name, v->err.message);
            view_set_status(v, "failed: %s", v->err.message);
            return NULL;
        }
        if (total < CQ_POLL_ROWS / 2) {
            struct timespec ts = {0, (long)tick_ms * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    delivery_stop(v);
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Views: create, resume, drop
 * ---------------------------------------------------------------------------------------------- */

static void view_free(CqView *v)
{
    if (!v)
        return;
    if (v->started) {
        atomic_store(&v->stop, 1);
        pthread_join(v->thread, NULL);
    }
    for (uint32_t i = 0; i < v->n_src; i++)
        source_destroy(&v->src[i]);
    free(v->src);
    sop_graph_destroy(&v->g);
    if (v->tick)
        arena_destroy(&v->tick);
    sql_portal_destroy(&v->portal);
    sql_stmt_destroy(&v->st);
    sql_session_destroy(&v->sess);
    buf_fini(&v->out.buf);
    buf_fini(&v->late_out.buf);
    buf_fini(&v->col_keys);
    free(v->col_key_off);
    buf_fini(&v->pkey);
    rows_unref(v->snap);
    free(v->row_cols);
    free(v->row_idx);
    free(v->pub.positions);
    free(v->query);
    free(v->opts_text);
    free(v->col_names);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

static int graph_may_retract(const SopGraph *g)
{
    for (uint32_t i = 0; i < g->n_ops; i++)
        if (g->ops[i]->may_retract)
            return 1;
    return 0;
}

/* The options as persisted ("key\tvalue\n" lines) back into SqlOptions (strings in a). */
static int opts_from_text(const char *text, Arena *a, SqlOption **out, uint32_t *n)
{
    uint32_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == '\n';
    SqlOption *o = ARENA_NEW(a, SqlOption, cap);
    if (!o)
        return WEIR_ENOMEM;
    uint32_t k = 0;
    const char *p = text;
    while (*p) {
        const char *tab = strchr(p, '\t'), *nl = strchr(p, '\n');
        if (!tab || !nl || tab > nl)
            break;
        o[k].key = arena_try_strndup(a, p, (size_t)(tab - p));
        o[k].value = arena_try_strndup(a, tab + 1, (size_t)(nl - tab - 1));
        o[k].position = 0;
        if (!o[k].key || !o[k].value)
            return WEIR_ENOMEM;
        k++;
        p = nl + 1;
    }
    *out = o;
    *n = k;
    return WEIR_OK;
}

static int mkdirs(const char *path)
{
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

/* Create stream name (shards shards) unless it exists. */
static int stream_ensure(CqManager *m, const char *name, uint32_t shards, SqlError *err)
{
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(m->cfg.store, name, &si, &e) == 0) {
        store_stream_info_free(&si);
        return WEIR_OK;
    }
    err_clear(&e);
    if (store_stream_create(m->cfg.store, name, shards, STREAM_MODE_PROVISIONED, "us-east-1", "000000000000",
                            &e) &&
        e.code != WEIR_EEXIST)
        return sql_error_set(err, "58030", 0, "could not create stream \"%s\": %s", name, e.msg);
    return WEIR_OK;
}

/* The view a scan of plan shows the current rows of (a continuous query cannot read those), or NULL. */
static const char *plan_reads_view_rows(const Op *op)
{
    if (!op)
        return NULL;
    if (op->kind == OP_SCAN) {
        const TableDef *td = ((const ScanSpec *)op->spec)->table->def;
        return td->view_rows ? td->view : NULL;
    }
    const char *r = plan_reads_view_rows(op->child);
    return r ? r : plan_reads_view_rows(op->right);
}

/* Make view v runnable: plan, compile, output stream, recovery (ckpt_no > 0), sources. def->opts parsed
 * into v->o. is_new: CREATE (the output stream is created; the start option applies). */
static int view_open(CqView *v, const SqlViewDef *def, uint64_t ckpt_no, int delivered, int is_new, SqlError *err)
{
    CqManager *m = v->m;
    if (cq_options_parse(def->opts, def->n_opts, &v->o, err))
        return WEIR_ERROR;
    snprintf(v->name, sizeof(v->name), "%s", def->name);
    if (!(v->query = strdup(def->query)))
        return cq_oom(err);
    if (!(v->sess = sql_session_create(m->cfg.eng, "weir", "weir")))
        return cq_oom(err);
    if (sql_prepare(v->sess, v->query, 0, strlen(v->query), NULL, 0, &v->st, err) ||
        sql_bind(v->st, NULL, 0, &v->portal, err) || sql_portal_plan(v->portal, &v->plan, &v->ctx, err))
        return WEIR_ERROR;
    v->n_cols = (uint32_t)sql_stmt_n_columns(v->st);
    const SqlColumn *cols = sql_stmt_columns(v->st);
    if (!(v->col_names = calloc(v->n_cols ? v->n_cols : 1, sizeof(char *))))
        return cq_oom(err);
    for (uint32_t i = 0; i < v->n_cols; i++) {
        /* copied: def's names are gone once CREATE (or the resume) returns */
        const char *cn = i < def->n_col_names ? def->col_names[i] : cols[i].name;
        if (!(v->col_names[i] = arena_try_strndup(v->ctx->arena, cn, strlen(cn))))
            return cq_oom(err);
    }
    if (col_keys_build(v))
        return cq_oom(err);
    v->partition_col = -1;
    if (v->o.partition_key[0]) {
        for (uint32_t i = 0; i < v->n_cols; i++)
            if (strcmp(v->col_names[i], v->o.partition_key) == 0)
                v->partition_col = (int)i;
        if (v->partition_col < 0)
            return sql_error_set(err, "42703", 0, "partition_key \"%s\" is not a column of the view", v->o.partition_key);
    }
    const char *reads = plan_reads_view_rows(v->plan);
    if (reads)
        return sql_error_set(err, "0A000", 0,
                             "a continuous query cannot read the current rows of materialized view \"%s\" "
                             "(a table over its output stream reads its changes)",
                             reads);
    /* the options live as long as the graph: operators keep a pointer to them */
    v->co = (SopCompileOpts){.emit_on_update = v->o.emit_on_update, .state_ttl_us = v->o.state_ttl_us};
    if (v->o.late_stream[0]) {
        snprintf(v->late_stream, sizeof(v->late_stream), "%s", v->o.late_stream);
        v->co.late = view_late;
        v->co.late_arg = v;
    }
    if (sop_compile(v->plan, &v->co, v->ctx, &v->g, err))
        return WEIR_ERROR;
    v->g->sink = view_sink;
    v->g->sink_arg = v;
    int retracts = graph_may_retract(v->g);
    if (!v->o.emit_given)
        v->o.emit_on_update = retracts;
    v->with_op = v->o.emit_on_update;
    /* what SELECT ... FROM view shows: the current rows of a view that updates them, the windows within
     * keep of the watermark, else (append-only) its output stream */
    v->wend_col = -1;
    if (v->o.has_keep) {
        for (uint32_t i = 0; i < v->n_cols && v->wend_col < 0; i++)
            if (sop_plan_col_kind(v->plan, i) == SOP_COL_WEND)
                v->wend_col = (int)i;
        if (v->wend_col < 0)
            return sql_error_set(err, "22023", 0,
                                 "option \"keep\" needs a windowed view: its rows must include window_end");
    }
    v->rows_kind = v->o.has_keep ? ROWS_KEEP : v->with_op ? ROWS_CURRENT : ROWS_STREAM;
    if (v->rows_kind != ROWS_STREAM && rows_attach(v, err))
        return WEIR_ERROR;
    uint32_t shapes_cap = 0;
    if (v->late_stream[0] && late_shapes_collect(v, v->plan, &shapes_cap))
        return cq_oom(err);
    if (!(v->tick = arena_create(v->ctx->arena, ARENA_UNLIMITED)))
        return cq_oom(err);
    buf_init(&v->out.buf, (size_t)1 << 40);
    buf_init(&v->late_out.buf, (size_t)1 << 40);
    /* the output and late streams */
    if (v->o.delivery_stream[0]) {
        /* the delivery stream's own stream: the view's rows reach it exactly once, and it delivers them so */
        if (v->o.output_stream[0])
            return sql_error_set(err, "22023", 0, "options output_stream and delivery_stream exclude each other");
        if (!m->cfg.delivery_stream ||
            m->cfg.delivery_stream(m->cfg.delivery_arg, v->o.delivery_stream, v->out_stream, sizeof(v->out_stream)))
            return sql_error_set(err, "42704", 0, "delivery stream \"%s\" does not exist", v->o.delivery_stream);
    } else if (v->o.output_stream[0])
        snprintf(v->out_stream, sizeof(v->out_stream), "%s", v->o.output_stream);
    else
        snprintf(v->out_stream, sizeof(v->out_stream), "_weir_view_%s", v->name);
    if (v->late_stream[0]) {
        if (strcmp(v->late_stream, v->out_stream) == 0)
            return sql_error_set(err, "22023", 0, "late_stream \"%s\" is the view's output stream",
                                 v->late_stream);
        for (uint32_t i = 0; i < v->g->n_sources; i++)
            if (strcmp(v->g->source_scan[i]->table->def->stream, v->late_stream) == 0)
                return sql_error_set(err, "22023", 0, "late_stream \"%s\" is a stream the view reads",
                                     v->late_stream);
    }
    if (stream_ensure(m, v->out_stream, v->o.output_shards, err) ||
        (v->late_stream[0] && stream_ensure(m, v->late_stream, 1, err)))
        return WEIR_ERROR;
    /* state directory */
    snprintf(v->dir, sizeof(v->dir), "%s/views/%s", m->data_dir, v->name);
    if (mkdirs(v->dir))
        return sql_error_set(err, "58030", 0, "could not create %s: %s", v->dir, strerror(errno));
    /* resume */
    Slice *pos = NULL;
    Arena *pa = arena_create(NULL, ARENA_UNLIMITED);
    if (ckpt_no && view_recover(v, ckpt_no, delivered, pa, &pos, err)) {
        arena_destroy(&pa);
        return WEIR_ERROR;
    }
    SopCtx c = {.exec = v->ctx, .scratch = v->tick, .watermark = v->wm, .now_us = now_unix_us() - PG_EPOCH_US,
                .err = err};
    for (uint32_t i = 0; ckpt_no && i < v->g->n_ops; i++) {
        Sop *s = v->g->ops[i];
        if (s->ops->restored && s->ops->restored(s, &c)) {
            arena_destroy(&pa);
            return WEIR_ERROR;
        }
    }
    v->n_src = v->g->n_sources;
    if (!(v->src = calloc(v->n_src ? v->n_src : 1, sizeof(Source *)))) {
        arena_destroy(&pa);
        return cq_oom(err);
    }
    for (uint32_t i = 0; i < v->n_src; i++) {
        if (source_create(v->g->source_scan[i], v->ctx, &v->o.start, pos ? pos[i].p : NULL, pos ? pos[i].n : 0,
                          &v->src[i], err)) {
            arena_destroy(&pa);
            return WEIR_ERROR;
        }
    }
    arena_destroy(&pa);
    (void)is_new;
    v->last_ckpt_us = now_unix_us();
    atomic_store(&v->ckpt_done, v->ckpt_no);
    /* readers see the restored rows (none for a new view) until the next checkpoint */
    CqRows *r;
    if (rows_snapshot(v, &r, err))
        return WEIR_ERROR;
    rows_swap(v, r);
    v->rows_changed = 0;
    return WEIR_OK;
}

/* The view's table, for SELECT: the view's columns, showing its current rows (TableDef.view_rows, from
 * the rows table's snapshot) or, for an append-only view without keep, the JSON records of its output
 * stream. At a resume (replace) a stored definition that differs is replaced: what the table shows may
 * have changed with the server's version. */
static int view_register_table(CqView *v, int replace, SqlError *err)
{
    const SqlColumn *cols = sql_stmt_columns(v->st);
    TableColumnSpec *tc = calloc(v->n_cols ? v->n_cols : 1, sizeof(*tc));
    if (!tc)
        return cq_oom(err);
    for (uint32_t i = 0; i < v->n_cols; i++)
        tc[i] = (TableColumnSpec){.name = v->col_names[i], .type = cols[i].type};
    TableOption to[2] = {{"stream", v->out_stream, 0}, {"format", "json", 0}};
    TableDef *td = NULL;
    int rc = tabledef_build(v->name, tc, v->n_cols, to, 2, &td, err);
    free(tc);
    if (rc)
        return WEIR_ERROR;
    if (!(td->view = arena_try_strndup(td->arena, v->name, strlen(v->name)))) {
        tabledef_destroy(&td);
        return cq_oom(err);
    }
    td->view_rows = v->rows_kind != ROWS_STREAM;
    SqlCatalog *cat = v->m->cfg.eng->catalog;
    CatalogTable *old = replace ? sql_catalog_get(cat, v->name) : NULL;
    if (old) {
        char *a = tabledef_to_json(old->def), *b = tabledef_to_json(td);
        int same = strcmp(a, b) == 0;
        free(a);
        free(b);
        sql_catalog_unref(cat, old);
        if (same) {
            tabledef_destroy(&td);
            return WEIR_OK;
        }
        if (sql_catalog_drop(cat, v->name, 1, err)) {
            tabledef_destroy(&td);
            return WEIR_ERROR;
        }
    }
    int created = 0;
    return sql_catalog_add(cat, td, 0, &created, err) ? WEIR_ERROR : WEIR_OK;
}

static CqView *view_find(CqManager *m, const char *name, CqView ***link)
{
    for (CqView **pv = &m->views; *pv; pv = &(*pv)->next) {
        if (strcmp((*pv)->name, name) == 0) {
            if (link)
                *link = pv;
            return *pv;
        }
    }
    return NULL;
}

static CqView *view_alloc(CqManager *m)
{
    CqView *v = calloc(1, sizeof(*v));
    if (!v)
        return NULL;
    v->m = m;
    buf_init(&v->pkey, 4096); /* a longer text is no key: "null" */
    v->wm = SOP_WM_NONE;
    v->pub.watermark_us = SOP_WM_NONE;
    pthread_mutex_init(&v->mu, NULL);
    snprintf(v->status, sizeof(v->status), "running");
    return v;
}

static int view_start(CqView *v, SqlError *err)
{
    v->started = 1; /* before the thread reads it (sync_wait) */
    if (pthread_create(&v->thread, NULL, view_thread, v)) {
        v->started = 0;
        return sql_error_set(err, "58030", 0, "could not start the thread of view \"%s\"", v->name);
    }
    return WEIR_OK;
}

static int hook_create(void *arg, SqlSession *s, const SqlViewDef *def, SqlError *err)
{
    (void)s;
    CqManager *m = arg;
    pthread_mutex_lock(&m->mu);
    if (view_find(m, def->name, NULL)) {
        pthread_mutex_unlock(&m->mu);
        if (def->if_not_exists)
            return WEIR_OK;
        return sql_error_set(err, "42P07", 0, "materialized view \"%s\" already exists", def->name);
    }
    CatalogTable *t = sql_catalog_get(m->cfg.eng->catalog, def->name);
    if (t) {
        sql_catalog_unref(m->cfg.eng->catalog, t);
        pthread_mutex_unlock(&m->mu);
        return sql_error_set(err, "42P07", 0, "relation \"%s\" already exists", def->name);
    }
    if (!m->data_dir) {
        pthread_mutex_unlock(&m->mu);
        return sql_error_set(err, "0A000", 0, "materialized views need a data directory");
    }
    CqView *v = view_alloc(m);
    if (!v) {
        pthread_mutex_unlock(&m->mu);
        return cq_oom(err);
    }
    /* options as persisted */
    Buf ot;
    buf_init(&ot, (size_t)1 << 20);
    for (uint32_t i = 0; i < def->n_opts; i++)
        if (buf_append_cstr(&ot, def->opts[i].key) || buf_append_byte(&ot, '\t') ||
            buf_append_cstr(&ot, def->opts[i].value) || buf_append_byte(&ot, '\n'))
            break;
    v->opts_text = strndup(ot.p ? (const char *)ot.p : "", ot.len);
    buf_fini(&ot);
    Buf cn;
    buf_init(&cn, (size_t)1 << 20);
    for (uint32_t i = 0; i < def->n_col_names; i++)
        if (buf_append_cstr(&cn, def->col_names[i]) || buf_append_byte(&cn, '\n'))
            break;
    char *cols_text = strndup(cn.p ? (const char *)cn.p : "", cn.len);
    buf_fini(&cn);
    int rc = view_open(v, def, 0, 1, 1, err);
    if (!rc)
        rc = view_register_table(v, 0, err);
    if (!rc) {
        const char *params[] = {v->name, v->query, v->opts_text ? v->opts_text : "", cols_text ? cols_text : "", NULL};
        rc = db_run(m, "INSERT INTO views (name, query, options, col_names, ckpt_no, delivered) VALUES (?1, ?2, ?3, ?4, 0, 1)",
                    params, err);
        if (rc) {
            SqlError ignore;
            memset(&ignore, 0, sizeof(ignore));
            if (sql_catalog_drop(m->cfg.eng->catalog, v->name, 1, &ignore))
                log_warn("materialized view \"%s\": could not drop its table: %s", v->name, ignore.message);
        }
    }
    free(cols_text);
    if (!rc)
        rc = view_start(v, err);
    if (rc) {
        view_free(v);
        pthread_mutex_unlock(&m->mu);
        return WEIR_ERROR;
    }
    v->next = m->views;
    m->views = v;
    pthread_mutex_unlock(&m->mu);
    return WEIR_OK;
}

static void rm_dir_files(const char *dir)
{
    char cmd_path[1100];
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(cmd_path, sizeof(cmd_path), "%s/%s", dir, de->d_name);
        unlink(cmd_path);
    }
    closedir(d);
    rmdir(dir);
}

static int hook_drop(void *arg, SqlSession *s, const char *name, int *found, SqlError *err)
{
    (void)s;
    CqManager *m = arg;
    pthread_mutex_lock(&m->mu);
    CqView **link = NULL;
    CqView *v = view_find(m, name, &link);
    *found = v != NULL;
    if (!v) {
        pthread_mutex_unlock(&m->mu);
        return WEIR_OK;
    }
    *link = v->next;
    const char *params[] = {name, NULL};
    int rc = db_run(m, "DELETE FROM views WHERE name = ?1", params, err);
    SqlError ignore;
    memset(&ignore, 0, sizeof(ignore));
    if (sql_catalog_drop(m->cfg.eng->catalog, name, 1, &ignore))
        log_warn("materialized view \"%s\": could not drop its table: %s", name, ignore.message);
    char out[STORE_NAME_MAX + 1], dir[512];
    int internal = !v->o.output_stream[0] && !v->o.delivery_stream[0];
    snprintf(out, sizeof(out), "%s", v->out_stream);
    snprintf(dir, sizeof(dir), "%s", v->dir);
    view_free(v);
    if (internal) {
        Err e;
        err_clear(&e);
        if (store_stream_delete(m->cfg.store, out, &e))
            log_warn("materialized view \"%s\": could not delete stream %s: %s", name, out, e.msg);
    }
    rm_dir_files(dir);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * The manager
 * ---------------------------------------------------------------------------------------------- */

static int manager_resume(CqManager *m, Err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(m->db, "SELECT name, query, options, col_names, ckpt_no, delivered FROM views ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return err_set(e, WEIR_EIO, "views.db: %s", sqlite3_errmsg(m->db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        const char *query = (const char *)sqlite3_column_text(st, 1);
        const char *opts = (const char *)sqlite3_column_text(st, 2);
        const char *cols = (const char *)sqlite3_column_text(st, 3);
        uint64_t k = (uint64_t)sqlite3_column_int64(st, 4);
        int delivered = sqlite3_column_int(st, 5);
        CqView *v = view_alloc(m);
        if (!v)
            break;
        Arena *a = arena_create(NULL, ARENA_UNLIMITED);
        SqlViewDef def = {.name = name, .query = query};
        SqlOption *o = NULL;
        uint32_t n_o = 0;
        SqlError err;
        memset(&err, 0, sizeof(err));
        int rc = opts_from_text(opts ? opts : "", a, &o, &n_o);
        def.opts = o;
        def.n_opts = n_o;
        const char **cn = NULL;
        uint32_t n_cn = 0;
        if (cols && cols[0]) {
            for (const char *p = cols; *p; p++)
                n_cn += *p == '\n';
            cn = ARENA_NEW(a, const char *, n_cn ? n_cn : 1);
            const char *p = cols;
            for (uint32_t i = 0; i < n_cn && cn; i++) {
                const char *nl = strchr(p, '\n');
                cn[i] = arena_try_strndup(a, p, (size_t)(nl - p));
                p = nl + 1;
            }
        }
        def.col_names = cn;
        def.n_col_names = n_cn;
        if (!rc)
            rc = view_open(v, &def, k, delivered, 0, &err);
        if (!rc)
            rc = view_register_table(v, 1, &err);
        v->opts_text = strdup(opts ? opts : "");
        if (!rc)
            rc = view_start(v, &err);
        arena_destroy(&a);
        if (rc) {
            /* keep it listed, failed, so that SHOW says why and DROP can remove it */
            log_warn("materialized view \"%s\" could not resume: %s", name, err.message);
            char why[600];
            snprintf(why, sizeof(why), "failed: %s", err.message);
            CqView *f = view_alloc(m);
            view_free(v);
            if (!f)
                continue;
            snprintf(f->name, sizeof(f->name), "%s", name);
            f->query = strdup(query);
            snprintf(f->status, sizeof(f->status), "%s", why);
            v = f;
        }
        v->next = m->views;
        m->views = v;
    }
    sqlite3_finalize(st);
    return WEIR_OK;
}

static size_t hook_list(void *arg, SqlViewInfo **out)
{
    return cq_manager_list(arg, out);
}

static void hook_list_free(void *arg, SqlViewInfo *v, size_t n)
{
    (void)arg;
    cq_info_free(v, n);
}

int cq_manager_create(const CqConfig *cfg, CqManager **out, Err *e)
{
    *out = NULL;
    CqManager *m = calloc(1, sizeof(*m));
    if (!m)
        return err_set(e, WEIR_ENOMEM, "out of memory");
    m->cfg = *cfg;
    pthread_mutex_init(&m->mu, NULL);
    char path[600];
    if (cfg->data_dir) {
        m->data_dir = strdup(cfg->data_dir);
        snprintf(path, sizeof(path), "%s/views.db", cfg->data_dir);
    } else {
        snprintf(path, sizeof(path), ":memory:");
    }
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        err_set(e, WEIR_EIO, "%s: %s", path, m->db ? sqlite3_errmsg(m->db) : "cannot open");
        cq_manager_destroy(&m);
        return WEIR_EIO;
    }
    if (db_exec(m, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE IF NOT EXISTS views (name TEXT PRIMARY KEY, query TEXT NOT NULL, options TEXT NOT NULL,"
                   " col_names TEXT NOT NULL, ckpt_no INTEGER NOT NULL, delivered INTEGER NOT NULL)",
                e) ||
        manager_resume(m, e)) {
        cq_manager_destroy(&m);
        return WEIR_EIO;
    }
    m->hooks.create = hook_create;
    m->hooks.drop = hook_drop;
    m->hooks.list = hook_list;
    m->hooks.list_free = hook_list_free;
    m->hooks.rows = hook_rows;
    sql_engine_set_view_hooks(cfg->eng, &m->hooks, m);
    *out = m;
    return WEIR_OK;
}

void cq_manager_destroy(CqManager **mp)
{
    CqManager *m = mp ? *mp : NULL;
    if (!m)
        return;
    *mp = NULL;
    if (m->cfg.eng)
        sql_engine_set_view_hooks(m->cfg.eng, NULL, NULL);
    while (m->views) {
        CqView *v = m->views;
        m->views = v->next;
        view_free(v);
    }
    if (m->db)
        sqlite3_close(m->db);
    free(m->data_dir);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

size_t cq_manager_list(CqManager *m, CqViewInfo **out)
{
    pthread_mutex_lock(&m->mu);
    size_t n = 0;
    for (CqView *v = m->views; v; v = v->next)
        n++;
    CqViewInfo *info = calloc(n ? n : 1, sizeof(*info));
    size_t i = 0;
    for (CqView *v = m->views; v && info; v = v->next, i++) {
        CqViewInfo *x = &info[i];
        pthread_mutex_lock(&v->mu);
        x->name = strdup(v->name);
        x->status = strdup(v->status);
        x->query = strdup(v->query ? v->query : "");
        x->output_stream = strdup(v->out_stream);
        x->watermark_us = v->pub.watermark_us;
        x->rows_in = v->pub.rows_in;
        x->rows_out = v->pub.rows_out;
        x->late_rows = v->pub.late_rows;
        x->state_entries = v->pub.state_entries;
        x->state_bytes = v->pub.state_bytes;
        x->checkpoints = v->pub.checkpoints;
        x->positions = strdup(v->pub.positions ? v->pub.positions : "");
        pthread_mutex_unlock(&v->mu);
    }
    pthread_mutex_unlock(&m->mu);
    *out = info;
    return info ? n : 0;
}

void cq_info_free(CqViewInfo *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].name);
        free(v[i].status);
        free(v[i].query);
        free(v[i].output_stream);
        free(v[i].positions);
    }
    free(v);
}
