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
#include "exec/decode.h"
#include "exec/op.h"

typedef struct ScanShard {
    uint32_t index;
    uint64_t pos, end;
    char id[STORE_SHARD_ID_LEN + 1];
} ScanShard;

typedef struct ScanState {
    ScanShard *shards;
    uint32_t n_shards;
    uint32_t cur;
    uint64_t uid;
    StoreSeqFmt seqfmt;
    Decoder *dec;       /* for the needed columns, in order; NULL when none is needed (count(*)) */
    int32_t *sel;       /* decoder column selection */
    uint32_t *sel_out;  /* output column of each selected column */
    uint32_t n_sel;
    int need_seq_text;  /* _sequence_number is selected, or the policy names records in errors */
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
        store_shard_id_format(sh->index, sh->id);
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
    st->sel = ARENA_NEW(ctx->arena, int32_t, op->n_cols);
    st->sel_out = ARENA_NEW(ctx->arena, uint32_t, op->n_cols);
    if (!st->sel || !st->sel_out)
        return scan_oom(ctx);
    for (uint32_t c = 0; c < op->n_cols; c++) {
        if (!sp->needed[c])
            continue;
        st->sel[st->n_sel] = c < td->n_cols ? (int32_t)c : DECODE_HIDDEN(c - td->n_cols);
        st->sel_out[st->n_sel++] = c;
    }
    st->need_seq_text = sp->needed[td->n_cols + TABLE_HID_SEQUENCE_NUMBER] || td->on_error == TABLE_ON_ERROR_FAIL ||
                        td->on_error == TABLE_ON_ERROR_DEAD_LETTER;
    /* Under skip / fail / dead_letter, which rows exist depends on every field, so the decoder runs
     * even when the query reads no column (count(*)); under null it is needed only for columns. */
    int need_dec = st->n_sel || td->on_error != TABLE_ON_ERROR_NULL;
    if (need_dec && decoder_create(td, st->sel, st->n_sel, NULL, &st->dec, ctx->err))
        return WEIR_ERROR;
    return WEIR_OK;
}

void op_scan_close(Op *op)
{
    ScanState *st = op->state;
    if (st)
        decoder_destroy(&st->dec);
    op->state = NULL; /* the rest of the run state lives in the query arena */
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
        /* columns nobody reads stay NULL */
        for (uint32_t c = 0; c < op->n_cols; c++) {
            if (sp->needed[c])
                continue;
            if (vec_fill_null(&b->cols[c], op->batch_arena))
                return scan_oom(ctx);
        }
        if (!st->dec) {
            b->n = f->n; /* no column needed: only the row count matters */
            *out = b;
            return WEIR_OK;
        }
        DecodeRecord *recs = ARENA_NEW(op->batch_arena, DecodeRecord, f->n);
        if (!recs)
            return scan_oom(ctx);
        Slice shard_id = {(const uint8_t *)sh->id, strlen(sh->id)};
        for (uint32_t i = 0; i < f->n; i++) {
            recs[i].data = f->data[i];
            recs[i].partition_key = f->key[i];
            recs[i].shard_id = shard_id;
            recs[i].arrival_usec = f->arrival_ms[i] * 1000 - SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC;
            if (st->need_seq_text) {
                char *t = arena_try_alloc(op->batch_arena, STORE_SEQ_STR_LEN);
                if (!t)
                    return scan_oom(ctx);
                memcpy(t, store_seq_fmt(&st->seqfmt, st->uid, f->seq[i], sh->index), STORE_SEQ_STR_LEN);
                recs[i].seq = (Slice){(const uint8_t *)t, STORE_SEQ_STR_LEN};
            }
        }
        DecodeOut d;
        memset(&d, 0, sizeof(d));
        int rc = decoder_run(st->dec, recs, f->n, op->batch_arena, &d, ctx->err);
        if (rc)
            return rc == WEIR_ENOMEM ? WEIR_ERROR : rc;
        if (d.batch->n == 0)
            continue; /* every record skipped by the table's policy */
        b->n = d.batch->n;
        for (uint32_t j = 0; j < st->n_sel; j++) {
            b->cols[st->sel_out[j]] = d.batch->cols[j];
            b->cols[st->sel_out[j]].type = op->types[st->sel_out[j]];
        }
        *out = b;
        return WEIR_OK;
    }
    *out = NULL;
    return WEIR_OK;
}

void op_scan_explain(const Op *op, char *out, size_t cap)
{
    const ScanSpec *sp = op->spec;
    snprintf(out, cap, "Scan on %s", sp->table->def->name);
}
