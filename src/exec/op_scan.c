/*
 * op_scan.c: OP_SCAN, the rows of a table over a stream.
 *
 * Snapshot: at open, for every shard of the stream (open and closed), the scan takes the position of
 * the oldest retained record and the position just past the newest visible one (store_shard_seek
 * TRIM_HORIZON / LATEST). It reads exactly that range, so a query sees every record acknowledged before
 * it started and none after, however long it runs.
 *
 * Each op_next reads up to VEC_BATCH records of the current shard (store_read copies nothing: the
 * callback copies each key and payload into the batch arena, since the store's views are valid only
 * during the callback), fills the hidden columns that are needed, and hands the payloads to the
 * table's decoder for the data columns that are needed.
 */
#include <stdio.h>
#include <string.h>

#include "exec/catalog.h"
#include "exec/op.h"

typedef struct ScanShard {
    uint32_t index;
    uint64_t pos, end;
    char id[32];
} ScanShard;

typedef struct ScanState {
    ScanShard *shards;
    uint32_t n_shards;
    uint32_t cur;
    uint64_t uid;
    StoreSeqFmt seqfmt;
} ScanState;

/* One batch of raw records, filled by the store_read callback. */
typedef struct ScanFill {
    Arena *a;
    uint64_t end;
    uint32_t n;
    uint64_t seq[VEC_BATCH];
    int64_t arrival_ms[VEC_BATCH];
    Slice key[VEC_BATCH];
    Slice data[VEC_BATCH];
    int oom;
    int reached_end;
} ScanFill;

static int scan_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

static int scan_record(void *arg, const StoreRecordView *r)
{
    ScanFill *f = arg;
    if (r->seq >= f->end) {
        f->reached_end = 1;
        return 1;
    }
    uint8_t *k = arena_try_alloc(f->a, r->key.n + r->data.n + 1);
    if (!k) {
        f->oom = 1;
        return 1;
    }
    memcpy(k, r->key.p, r->key.n);
    memcpy(k + r->key.n, r->data.p, r->data.n);
    uint32_t i = f->n++;
    f->seq[i] = r->seq;
    f->arrival_ms[i] = r->arrival_ms;
    f->key[i] = (Slice){k, r->key.n};
    f->data[i] = (Slice){k + r->key.n, r->data.n};
    return f->n == VEC_BATCH;
}

int op_scan_open(Op *op, ExecCtx *ctx)
{
    ScanSpec *sp = op->spec;
    const TableDef *td = sp->table->def;
    ScanState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    if (!st)
        return scan_oom(ctx);
    op->state = st;
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(sp->store, td->stream, &si, &e))
        return sql_error_set(ctx->err, "55000", 0, "stream \"%s\" of table \"%s\" does not exist", td->stream, td->name);
    st->uid = si->uid;
    st->shards = ARENA_NEW(ctx->arena, ScanShard, si->n_shards ? si->n_shards : 1);
    if (!st->shards) {
        store_stream_info_free(&si);
        return scan_oom(ctx);
    }
    for (uint32_t i = 0; i < si->n_shards; i++) {
        ScanShard *sh = &st->shards[st->n_shards];
        sh->index = si->shards[i].index;
        snprintf(sh->id, sizeof(sh->id), "shardId-%012u", sh->index);
        err_clear(&e);
        if (store_shard_seek(sp->store, td->stream, sh->index, STORE_TRIM_HORIZON, 0, 0, &sh->pos, &e) ||
            store_shard_seek(sp->store, td->stream, sh->index, STORE_LATEST, 0, 0, &sh->end, &e)) {
            store_stream_info_free(&si);
            return sql_error_set(ctx->err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
        }
        if (sh->end > sh->pos)
            st->n_shards++;
    }
    store_stream_info_free(&si);
    return WEIR_OK;
}

void op_scan_close(Op *op)
{
    op->state = NULL; /* run state lives in the query arena */
}

/* Fill the needed hidden columns of b from the raw records. */
static int scan_fill_hidden(Op *op, ExecCtx *ctx, ScanState *st, const ScanShard *sh, const ScanFill *f, Batch *b)
{
    ScanSpec *sp = op->spec;
    uint32_t base = sp->table->def->n_cols;
    Arena *a = op->batch_arena;
    for (uint32_t h = 0; h < TABLE_HID_N; h++) {
        if (!sp->needed[base + h])
            continue;
        Vec *v = &b->cols[base + h];
        for (uint32_t i = 0; i < f->n; i++) {
            switch ((TableHidden)h) {
            case TABLE_HID_SHARD_ID:
                v->u.s[i] = (Slice){(const uint8_t *)sh->id, strlen(sh->id)};
                break;
            case TABLE_HID_SEQUENCE_NUMBER: {
                char *t = arena_try_alloc(a, STORE_SEQ_STR_LEN);
                if (!t)
                    return scan_oom(ctx);
                memcpy(t, store_seq_fmt(&st->seqfmt, st->uid, f->seq[i], sh->index), STORE_SEQ_STR_LEN);
                v->u.s[i] = (Slice){(const uint8_t *)t, STORE_SEQ_STR_LEN};
                break;
            }
            case TABLE_HID_PARTITION_KEY:
                v->u.s[i] = f->key[i];
                break;
            case TABLE_HID_ARRIVAL_TIME:
                v->u.i[i] = f->arrival_ms[i] * 1000 - SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
                break;
            case TABLE_HID_MESSAGE:
                v->u.s[i] = f->data[i];
                break;
            case TABLE_HID_MESSAGE_VALID:
                v->u.b[i] = 1; /* cleared by the decoder for records with a bad field */
                break;
            case TABLE_HID_MESSAGE_LENGTH:
                v->u.i[i] = (int64_t)f->data[i].n;
                break;
            case TABLE_HID_N:
                break;
            }
        }
    }
    return WEIR_OK;
}

int op_scan_next(Op *op, ExecCtx *ctx, Batch **out)
{
    ScanSpec *sp = op->spec;
    ScanState *st = op->state;
    const TableDef *td = sp->table->def;
    ScanFill *f = arena_try_alloc(op->batch_arena, sizeof(*f));
    if (!f)
        return scan_oom(ctx);
    while (st->cur < st->n_shards) {
        ScanShard *sh = &st->shards[st->cur];
        if (sh->pos >= sh->end) {
            st->cur++;
            continue;
        }
        memset(f, 0, offsetof(ScanFill, seq));
        f->a = op->batch_arena;
        f->end = sh->end;
        StoreReadResult res;
        Err e;
        err_clear(&e);
        if (store_read(sp->store, td->stream, sh->index, sh->pos, VEC_BATCH, SIZE_MAX, scan_record, f, &res, &e))
            return sql_error_set(ctx->err, "58030", 0, "reading stream \"%s\": %s", td->stream, e.msg);
        if (f->oom)
            return scan_oom(ctx);
        sh->pos = f->reached_end || res.n_records == 0 ? sh->end : res.next_pos;
        if (f->n == 0)
            continue;
        Batch *b = batch_create(op->batch_arena, op->types, op->n_cols);
        if (!b)
            return scan_oom(ctx);
        b->n = f->n;
        /* columns nobody reads are NULL; needed data columns come from the decoder */
        for (uint32_t c = 0; c < op->n_cols; c++) {
            if (sp->needed[c] && c >= td->n_cols)
                continue;
            if (sp->needed[c])
                return sql_error_set(ctx->err, "0A000", 0, "decoding the columns of table \"%s\" is not available yet",
                                     td->name);
            b->cols[c].nulls = arena_try_alloc(op->batch_arena, VEC_BATCH / 8);
            if (!b->cols[c].nulls)
                return scan_oom(ctx);
            memset(b->cols[c].nulls, 0xff, VEC_BATCH / 8);
        }
        if (scan_fill_hidden(op, ctx, st, sh, f, b))
            return WEIR_ERROR;
        *out = b;
        return WEIR_OK;
    }
    *out = NULL;
    return WEIR_OK;
}
