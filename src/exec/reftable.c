/*
 * reftable.c: static reference tables (see reftable.h): read a table's file into the query arena, split
 * it into records, decode every data column once, and serve the batches.
 *
 * Why decode everything at open instead of batch by batch like a stream scan: a reference table is the
 * small side of a join and is usually read whole (a hash join builds on all of it), and decoding it in
 * one go lets the file bytes, the record slices and the batches share one lifetime, the query's. It also
 * makes the rows a snapshot of the file at open. Why all columns rather than the needed ones: the file is
 * already in memory, the decode is a small part of the cost, and a row's presence under skip / fail /
 * dead_letter depends on every column anyway (decode.h).
 *
 * The hidden stream columns (_shard_id, _sequence_number, _partition_key, _arrival_time) have no meaning
 * for a file: every batch shares one all-NULL vector per column type, allocated once per open.
 *
 * A materialized view's current rows (TableDef.view_rows, ref_view_open) come the same way: decoded once
 * at open (by the runtime, from its snapshot), served as batches, every hidden column NULL.
 */
#include "exec/reftable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/catalog.h"
#include "exec/decode.h"
#include "exec/exec_int.h"

typedef struct RefState {
    Batch **batches;
    uint32_t n_batches;
    uint32_t cur;
} RefState;

static int ref_oom(ExecCtx *ctx)
{
    return sql_error_set(ctx->err, "53200", 0, "out of memory: the query is over its memory budget");
}

/* The SQLSTATE PostgreSQL's errcode_for_file_access() gives an errno. */
static const char *ref_errno_state(int e)
{
    switch (e) {
    case ENOENT:
        return "58P01"; /* undefined_file */
    case EACCES:
    case EPERM:
    case EROFS:
        return "42501"; /* insufficient_privilege */
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
        return "42809"; /* wrong_object_type */
    case EMFILE:
    case ENFILE:
        return "53000"; /* insufficient_resources */
    default:
        return "58030"; /* io_error */
    }
}

static int ref_errno(ExecCtx *ctx, const char *what, const char *path, int e)
{
    char buf[128];
    const char *msg = strerror_r(e, buf, sizeof(buf)); /* GNU strerror_r (_GNU_SOURCE): thread-safe */
    return sql_error_set(ctx->err, ref_errno_state(e), 0, "could not %s file \"%s\"%s: %s", what, path,
                         strcmp(what, "open") == 0 ? " for reading" : "", msg);
}

/* Read the whole regular file at path into the arena (NUL-terminated). */
static int ref_read_file(ExecCtx *ctx, const char *path, uint8_t **out, size_t *len)
{
    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return ref_errno(ctx, "open", path, errno);
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return ref_errno(ctx, "stat", path, e);
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        /* PostgreSQL's COPY FROM says this for a directory; other kinds (FIFOs, devices) could block or never
         * end, so they are refused the same way. */
        return sql_error_set(ctx->err, "42809", 0,
                             S_ISDIR(sb.st_mode) ? "\"%s\" is a directory" : "\"%s\" is not a regular file",
                             path);
    }
    size_t size = (size_t)sb.st_size;
    uint8_t *p = size < SIZE_MAX ? arena_try_alloc(ctx->arena, size + 1) : NULL;
    if (!p) {
        close(fd);
        return sql_error_set(ctx->err, "53200", 0,
                             "out of memory: file \"%s\" (%lld bytes) is over the query's memory budget",
                             path, (long long)sb.st_size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, p + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            return ref_errno(ctx, "read", path, e);
        }
        if (r == 0)
            break; /* the file shrank since fstat: take what is there */
        got += (size_t)r;
    }
    close(fd);
    p[got] = '\0';
    *out = p;
    *len = got;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * JSON array files
 * ---------------------------------------------------------------------------------------------- */

static int ref_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One pass over the array: counts the elements, and with recs != NULL also stores them. Returns the count,
 * or -1 with *bad set to the byte offset of the problem. Strings are skipped as wholes (a bracket or comma
 * inside one is text), nesting is only counted: what an element holds is the decoder's business. */
static int64_t ref_json_scan(const uint8_t *p, size_t n, Slice *recs, uint32_t *lines, size_t *bad)
{
    size_t i = 0;
    uint32_t line = 1;
    while (i < n && ref_ws(p[i]))
        line += p[i++] == '\n';
    if (i >= n || p[i] != '[') {
        *bad = i;
        return -1;
    }
    i++;
    int64_t k = 0;
    int need_elem = 0; /* after a comma: an element must follow */
    for (;;) {
        while (i < n && ref_ws(p[i]))
            line += p[i++] == '\n';
        if (i >= n) {
            *bad = i;
            return -1; /* no closing bracket */
        }
        if (p[i] == ']') {
            if (need_elem) {
                *bad = i;
                return -1; /* trailing comma */
            }
            i++;
            break;
        }
        if (k > 0 && !need_elem) {
            *bad = i;
            return -1; /* two elements without a comma */
        }
        size_t start = i;
        uint32_t start_line = line;
        size_t depth = 0;
        while (i < n) {
            uint8_t c = p[i];
            if (c == '"') {
                for (i++; i < n && p[i] != '"'; i++) {
                    if (p[i] == '\\')
                        i++;
                    else if (p[i] == '\n')
                        line++;
                }
                if (i >= n) {
                    *bad = start;
                    return -1; /* unterminated string */
                }
                i++;
                continue;
            }
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                if (depth == 0)
                    break; /* the array's own closing bracket */
                depth--;
            } else if (c == ',' && depth == 0) {
                break;
            } else if (c == '\n') {
                line++;
            }
            i++;
        }
        if (i >= n) {
            *bad = start;
            return -1;
        }
        size_t end = i;
        while (end > start && ref_ws(p[end - 1]))
            end--;
        if (end == start || p[i] == '}') {
            *bad = i;
            return -1; /* an empty element (",,") or a stray '}' */
        }
        if (recs) {
            recs[k] = (Slice){p + start, end - start};
            if (lines)
                lines[k] = start_line;
        }
        k++;
        need_elem = p[i] == ',';
        if (need_elem)
            i++;
    }
    while (i < n && ref_ws(p[i]))
        i++;
    if (i < n) {
        *bad = i;
        return -1; /* text after the array */
    }
    return k;
}

int reftable_json_array_split(const uint8_t *p, size_t n, Arena *a, Slice **recs, uint32_t **lines,
                              size_t *n_recs, SqlError *err)
{
    *recs = NULL;
    *n_recs = 0;
    if (lines)
        *lines = NULL;
    size_t bad = 0;
    int64_t k = ref_json_scan(p, n, NULL, NULL, &bad);
    if (k < 0) {
        uint32_t line = 1;
        for (size_t i = 0; i < bad && i < n; i++)
            line += p[i] == '\n';
        return sql_error_set(err, "22P02", 0, "invalid JSON array file: malformed at line %u (byte %zu)",
                             line, bad);
    }
    Slice *r = ARENA_NEW(a, Slice, k ? (size_t)k : 1);
    uint32_t *l = lines ? ARENA_NEW(a, uint32_t, k ? (size_t)k : 1) : NULL;
    if (!r || (lines && !l)) {
        sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
        return WEIR_ENOMEM;
    }
    (void)ref_json_scan(p, n, r, l, &bad);
    *recs = r;
    if (lines)
        *lines = l;
    *n_recs = (size_t)k;
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The scan
 * ---------------------------------------------------------------------------------------------- */

/* Is the first non-blank byte a '['? (A JSON lines file starts with '{'.) */
static int ref_is_json_array(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && ref_ws(p[i]))
        i++;
    return i < n && p[i] == '[';
}

/* Line numbers of records that are slices into p, in order: counted incrementally from the file start. */
static int ref_line_numbers(const uint8_t *p, const Slice *recs, size_t n, Arena *a, uint32_t **out)
{
    uint32_t *l = ARENA_NEW(a, uint32_t, n ? n : 1);
    if (!l)
        return WEIR_ENOMEM;
    const uint8_t *at = p;
    uint32_t line = 1;
    for (size_t i = 0; i < n; i++) {
        for (; at < recs[i].p; at++)
            line += *at == '\n';
        l[i] = line;
    }
    *out = l;
    return WEIR_OK;
}

/* The shared all-NULL vector of a type (data zeroed, every bit of the bitmap set). */
static int ref_null_vec(Arena *a, SqlType t, Vec *v)
{
    if (vec_init(v, t, a) || vec_fill_null(v, a))
        return WEIR_ENOMEM;
    return WEIR_OK;
}

/* A materialized view's current rows (TableDef.view_rows): the runtime's snapshot through
 * SqlViewHooks.rows, its batches of the data columns completed with all-NULL hidden columns. */
static int ref_view_open(Op *op, ExecCtx *ctx)
{
    const ScanSpec *sp = op->spec;
    const TableDef *td = sp->table->def;
    const SqlViewHooks *h = ctx->eng ? ctx->eng->view_hooks : NULL;
    if (!h || !h->rows)
        return sql_error_set(ctx->err, "55000", 0,
                             "materialized view \"%s\" can only be read from the server that runs it",
                             td->name);
    if (NEVER(op->n_cols != td->n_cols + TABLE_HID_N))
        return sql_error_set(ctx->err, "XX000", 0, "scan of \"%s\" has %u columns, the table %u", td->name,
                             op->n_cols, td->n_cols + TABLE_HID_N);
    RefState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    Batch **rows = NULL;
    uint32_t n = 0;
    if (!st)
        return ref_oom(ctx);
    if (h->rows(ctx->eng->view_arg, td->view, op->types, td->n_cols, ctx->arena, &rows, &n, ctx->err))
        return WEIR_ERROR;
    Vec nulls[TABLE_HID_N];
    for (uint32_t k = 0; k < TABLE_HID_N; k++)
        if (ref_null_vec(ctx->arena, op->types[td->n_cols + k], &nulls[k]))
            return ref_oom(ctx);
    if (!(st->batches = ARENA_NEW(ctx->arena, Batch *, n ? n : 1)))
        return ref_oom(ctx);
    for (uint32_t i = 0; i < n; i++) {
        if (!rows[i]->n)
            continue;
        Batch *b = arena_try_calloc(ctx->arena, sizeof(*b));
        Vec *cols = ARENA_NEW(ctx->arena, Vec, op->n_cols);
        if (!b || !cols)
            return ref_oom(ctx);
        b->n = rows[i]->n;
        b->n_cols = op->n_cols;
        b->cols = cols;
        for (uint32_t c = 0; c < td->n_cols; c++)
            cols[c] = rows[i]->cols[c];
        for (uint32_t k = 0; k < TABLE_HID_N; k++)
            cols[td->n_cols + k] = nulls[k];
        st->batches[st->n_batches++] = b;
    }
    op->state = st;
    return WEIR_OK;
}

int reftable_open(Op *op, ExecCtx *ctx)
{
    ScanSpec *sp = op->spec;
    const TableDef *td = sp->table->def;
    op->state = NULL;
    if (td->view_rows)
        return ref_view_open(op, ctx);
    if (NEVER(!td->file))
        return sql_error_set(ctx->err, "XX000", 0, "table \"%s\" is not a file table", td->name);
    if (td->file[0] != '/')
        return sql_error_set(
            ctx->err, "22023", 0,
            "file \"%s\" of table \"%s\" is a relative path: reference files need an absolute path", td->file,
            td->name);
    if (NEVER(op->n_cols != td->n_cols + TABLE_HID_N))
        return sql_error_set(ctx->err, "XX000", 0, "scan of \"%s\" has %u columns, the table %u", td->name,
                             op->n_cols, td->n_cols + TABLE_HID_N);
    RefState *st = arena_try_calloc(ctx->arena, sizeof(*st));
    if (!st)
        return ref_oom(ctx);

    uint8_t *p = NULL;
    size_t n = 0;
    if (ref_read_file(ctx, td->file, &p, &n))
        return WEIR_ERROR;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        p += 3; /* a UTF-8 byte order mark (spreadsheet exports write one) */
        n -= 3;
    }

    /* records */
    Slice *recs = NULL, header = {NULL, 0};
    size_t n_recs = 0;
    uint32_t *lines = NULL;
    int want_lines = td->on_error == TABLE_ON_ERROR_FAIL;
    if (td->format == TABLE_FMT_JSON && ref_is_json_array(p, n)) {
        SqlError se;
        memset(&se, 0, sizeof(se));
        int rc = reftable_json_array_split(p, n, ctx->arena, &recs, want_lines ? &lines : NULL, &n_recs, &se);
        if (rc == WEIR_ERROR)
            return sql_error_set(ctx->err, se.sqlstate, 0, "file \"%s\" of table \"%s\": %s", td->file,
                                 td->name, se.message);
        if (rc)
            return ref_oom(ctx);
    } else {
        if (decode_file_split(td, p, n, ctx->arena, &recs, &n_recs, &header, ctx->err))
            return WEIR_ERROR;
        if (want_lines && ref_line_numbers(p, recs, n_recs, ctx->arena, &lines))
            return ref_oom(ctx);
    }

    /* the decoder: every data column, then the three payload columns */
    int32_t *sel = ARENA_NEW(ctx->arena, int32_t, td->n_cols + 3);
    if (!sel)
        return ref_oom(ctx);
    uint32_t n_sel = 0;
    for (uint32_t c = 0; c < td->n_cols; c++)
        sel[n_sel++] = (int32_t)c;
    static const TableHidden payload_cols[3] = {TABLE_HID_MESSAGE, TABLE_HID_MESSAGE_VALID,
                                                TABLE_HID_MESSAGE_LENGTH};
    for (int h = 0; h < 3; h++)
        sel[n_sel++] = DECODE_HIDDEN(payload_cols[h]);
    Decoder *dec = NULL;
    if (decoder_create(td, sel, n_sel, header.p ? &header : NULL, &dec, ctx->err))
        return WEIR_ERROR;

    /* the NULL stream columns, one vector each for every batch */
    Vec nulls[4];
    static const TableHidden stream_cols[4] = {TABLE_HID_SHARD_ID, TABLE_HID_SEQUENCE_NUMBER,
                                               TABLE_HID_PARTITION_KEY, TABLE_HID_ARRIVAL_TIME};
    for (int h = 0; h < 4; h++)
        if (ref_null_vec(ctx->arena, op->types[td->n_cols + stream_cols[h]], &nulls[h])) {
            decoder_destroy(&dec);
            return ref_oom(ctx);
        }

    size_t max_batches = n_recs / VEC_BATCH + 1;
    st->batches = ARENA_NEW(ctx->arena, Batch *, max_batches);
    DecodeRecord *drec = ARENA_NEW(ctx->arena, DecodeRecord, VEC_BATCH);
    char *seqbuf = want_lines ? arena_try_alloc(ctx->arena, (size_t)VEC_BATCH * 48) : NULL;
    if (!st->batches || !drec || (want_lines && !seqbuf)) {
        decoder_destroy(&dec);
        return ref_oom(ctx);
    }
    /* "<file>:<line>" names a record in fail-policy errors; the file name is cut to keep it short */
    const char *base = strrchr(td->file, '/');
    base = base ? base + 1 : td->file;
    int rc = WEIR_OK;
    for (size_t at = 0; at < n_recs && rc == WEIR_OK; at += VEC_BATCH) {
        if ((rc = exec_check_cancel(ctx)))
            break;
        uint32_t m = n_recs - at < VEC_BATCH ? (uint32_t)(n_recs - at) : VEC_BATCH;
        for (uint32_t i = 0; i < m; i++) {
            memset(&drec[i], 0, sizeof(drec[i]));
            drec[i].data = recs[at + i];
            drec[i].arrival_usec = INT64_MIN;
            if (want_lines) {
                char *s = seqbuf + (size_t)i * 48;
                int len = snprintf(s, 48, "%.30s:%u", base, lines[at + i]);
                drec[i].seq = (Slice){(const uint8_t *)s, (size_t)(len < 48 ? len : 47)};
            }
        }
        DecodeOut d;
        memset(&d, 0, sizeof(d));
        rc = decoder_run(dec, drec, m, ctx->arena, &d, ctx->err);
        if (rc) {
            rc = WEIR_ERROR; /* ENOMEM comes with its 53200 in err */
            break;
        }
        if (d.batch->n == 0)
            continue; /* every record skipped by the policy */
        Batch *b = arena_try_calloc(ctx->arena, sizeof(*b));
        Vec *cols = ARENA_NEW(ctx->arena, Vec, op->n_cols);
        if (!b || !cols) {
            rc = ref_oom(ctx);
            break;
        }
        b->n = d.batch->n;
        b->n_cols = op->n_cols;
        b->cols = cols;
        for (uint32_t c = 0; c < td->n_cols; c++)
            cols[c] = d.batch->cols[c];
        for (int h = 0; h < 3; h++)
            cols[td->n_cols + payload_cols[h]] = d.batch->cols[td->n_cols + (uint32_t)h];
        for (int h = 0; h < 4; h++)
            cols[td->n_cols + stream_cols[h]] = nulls[h];
        for (uint32_t c = 0; c < op->n_cols; c++)
            cols[c].type = op->types[c];
        st->batches[st->n_batches++] = b;
    }
    sp->st_records += n_recs; /* for EXPLAIN ANALYZE, as a stream scan counts them */
    sp->st_bad += decoder_stats(dec)->skipped + decoder_stats(dec)->dead_lettered;
    decoder_destroy(&dec);
    if (rc)
        return WEIR_ERROR;
    op->state = st;
    return WEIR_OK;
}

int reftable_next(Op *op, ExecCtx *ctx, Batch **out)
{
    RefState *st = op->state;
    const ScanSpec *sp = op->spec;
    *out = NULL;
    while (st && st->cur < st->n_batches) {
        if (exec_check_cancel(ctx))
            return WEIR_ERROR;
        Batch *b = st->batches[st->cur++];
        if (sp->filter) {
            /* the WHERE clause the binder handed to the scan (ScanSpec.filter); scratch in the batch arena,
             * which op_next resets before each call */
            uint32_t *sel = ARENA_NEW(op->batch_arena, uint32_t, VEC_BATCH);
            if (!sel)
                return ref_oom(ctx);
            ExprCtx ec;
            exec_expr_ctx(ctx, op->batch_arena, &ec);
            uint32_t n_sel = 0;
            if (expr_filter(&ec, sp->filter, b, sel, &n_sel))
                return WEIR_ERROR;
            if (n_sel == 0)
                continue;
            if (n_sel < b->n && !(b = batch_gather(b, sel, n_sel, op->batch_arena)))
                return ref_oom(ctx);
        }
        *out = b;
        return WEIR_OK;
    }
    return WEIR_OK;
}

void reftable_close(Op *op)
{
    op->state = NULL; /* everything it pointed to lives in the query arena */
}
