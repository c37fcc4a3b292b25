/*
 * copy.c: writing the file of COPY ... TO 'path', or the lines of COPY ... TO STDOUT (see copy.h).
 *
 * The statement's query is prepared and run in the caller's session (so its settings apply: DateStyle,
 * TimeZone, bytea_output in the text formats), its batches formatted into a pending buffer that goes to
 * a temporary file "<path>.weir-tmp-<pid>-<n>" whenever it passes COPY_FLUSH bytes; at the end the file
 * is fsynced and renamed over path, and the directory fsynced. Any failure removes the temporary file,
 * leaving path as it was.
 *
 * Formats:
 *   text     PostgreSQL's default: values in text output form, tab-separated, NULL as \N, backslash
 *            escapes for backslash, the delimiter, \b \f \n \r \t \v (CopyAttributeOutText).
 *   csv      PostgreSQL's CSV: a value is quoted when it holds the delimiter, the quote, CR or LF, or
 *            equals the NULL string (so an empty string is "" and NULL is empty); quote and escape
 *            characters inside are preceded by the escape (CopyAttributeOutCSV); FORCE_QUOTE * quotes
 *            every non-NULL value.
 *   json     one object per line, as row_to_json writes a row (keys in column order, json values as
 *            is, numbers bare, timestamps ISO 8601 with a T).
 *   parquet  sink/parquet.c, snappy unless COMPRESSION says otherwise, 122880-row row groups (DuckDB's
 *            default) unless ROW_GROUP_SIZE / ROW_GROUP_SIZE_BYTES say otherwise; duplicate column names
 *            get DuckDB's suffixes (a, a_1).
 * The text formats may be compressed whole (gzip, zstd): each flushed piece is one gzip member or zstd
 * frame; readers (gzip -d, zstd -d, Python, DuckDB) read concatenated members as one stream.
 * TO STDOUT (c->path NULL): no file; after each batch the formatted lines go to c->out_fn, one per row of
 * a one-column text batch, which pgwire sends as CopyData messages.
 */
#include "sink/copy.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/compress.h"
#include "sink/parquet.h"
#include "sql/jsonb.h"
#include "sql/typeio.h"

#define COPY_FLUSH ((size_t)8 << 20)
#define COPY_DEFAULT_ROW_GROUP 122880

typedef struct CopyRun {
    const SqlCopyTo *c;
    SqlSession *s;
    SqlError *err;
    const SqlColumn *cols;
    uint32_t n_cols;
    char tmp[PATH_MAX + 64];
    int fd;
    Buf out;         /* pending file bytes (text formats: before compression) */
    Buf comp;        /* a compressed piece */
    Buf val;         /* one value's text */
    SinkCodec codec; /* text formats */
    ParquetWriter *pw;
    Arena *scratch;
    uint64_t rows;
    /* TO STDOUT: where each line of out ends, and the arena of the batches that carry them */
    size_t *ends;
    size_t n_ends, cap_ends;
    Arena *lines;
} CopyRun;

static atomic_uint copy_tmp_seq;

void sink_copy_register(SqlEngine *eng)
{
    sql_engine_set_copy_to(eng, sink_copy_to, NULL);
}

/* PostgreSQL's answers to a file that cannot be written: 58P01 missing directory, 42501 permission,
 * 53100 disk full, 58030 the rest. */
static int copy_io_error(CopyRun *r, const char *what, int errnum)
{
    const char *state = errnum == ENOENT                       ? "58P01"
                        : errnum == EACCES || errnum == EPERM  ? "42501"
                        : errnum == ENOSPC || errnum == EDQUOT ? "53100"
                                                               : "58030";
    if (!strcmp(what, "open"))
        return sql_error_set(r->err, state, 0, "could not open file \"%s\" for writing: %s", r->c->path,
                             strerror(errnum));
    return sql_error_set(r->err, state, 0, "could not %s file \"%s\": %s", what, r->c->path,
                         strerror(errnum));
}

static int write_all(CopyRun *r, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(r->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return copy_io_error(r, "write to", errno);
        }
        p += w;
        n -= (size_t)w;
    }
    return WEIR_OK;
}

/* A line of out ends here (TO STDOUT sends each line as one CopyData). */
static void copy_line_end(CopyRun *r)
{
    if (r->c->path)
        return;
    if (r->n_ends == r->cap_ends) {
        r->cap_ends = r->cap_ends ? r->cap_ends * 2 : 1024;
        r->ends = xrealloc(r->ends, r->cap_ends * sizeof(size_t));
    }
    r->ends[r->n_ends++] = r->out.len;
}

/* TO STDOUT: the pending lines to the consumer, as batches of one text column, one line per row. */
static int copy_emit(CopyRun *r)
{
    static const SqlType text = {SQL_TEXT, -1};
    size_t at = 0, i = 0;
    while (i < r->n_ends) {
        arena_reset(r->lines);
        Batch *b = batch_create(r->lines, &text, 1);
        if (!b)
            return sql_error_set(r->err, "53200", 0, "out of memory");
        for (b->n = 0; b->n < VEC_BATCH && i < r->n_ends; b->n++, i++) {
            b->cols[0].u.s[b->n] = (Slice){r->out.p + at, r->ends[i] - at};
            at = r->ends[i];
        }
        if (r->c->out_fn(r->c->out_arg, b))
            return sql_error_set(r->err, "08006", 0, "could not send data to client");
    }
    r->n_ends = 0;
    buf_reset(&r->out);
    return WEIR_OK;
}

/* Write the pending bytes (compressed as one piece for the text formats). */
static int copy_flush(CopyRun *r)
{
    if (!r->c->path)
        return copy_emit(r);
    if (r->out.len == 0)
        return WEIR_OK;
    int rc;
    if (r->pw || r->codec == SINK_CODEC_NONE) {
        rc = write_all(r, r->out.p, r->out.len);
    } else {
        Err e;
        err_clear(&e);
        Slice part = {r->out.p, r->out.len};
        buf_reset(&r->comp);
        if (sink_compress(r->codec, 0, &part, 1, NULL, &r->comp, &e))
            return sql_error_set(r->err, "XX000", 0, "could not compress COPY output: %s", e.msg);
        rc = write_all(r, r->comp.p, r->comp.len);
    }
    buf_reset(&r->out);
    return rc;
}

/* ---------------------------------------------------------------- text and CSV values */

static int append_text_escaped(Buf *b, const uint8_t *p, size_t n, char delim)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        const char *esc = NULL;
        switch (ch) {
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\v':
            esc = "\\v";
            break;
        default:
            break;
        }
        if (esc) { /* control characters first, as CopyAttributeOutText: a tab delimiter inside is \t */
            if (buf_append(b, esc, 2))
                return WEIR_ELIMIT;
        } else if (ch == (uint8_t)delim) {
            uint8_t two[2] = {'\\', ch};
            if (buf_append(b, two, 2))
                return WEIR_ELIMIT;
        } else if (buf_append_byte(b, ch)) {
            return WEIR_ELIMIT;
        }
    }
    return WEIR_OK;
}

static int append_csv(const SqlCopyTo *c, Buf *b, const uint8_t *p, size_t n, int force)
{
    size_t nl = strlen(c->null_str);
    int quote = force || (n == nl && memcmp(p, c->null_str, n) == 0);
    for (size_t i = 0; !quote && i < n; i++)
        quote = p[i] == (uint8_t)c->delimiter || p[i] == (uint8_t)c->quote || p[i] == '\r' || p[i] == '\n';
    if (!quote)
        return buf_append(b, p, n);
    if (buf_append_byte(b, (uint8_t)c->quote))
        return WEIR_ELIMIT;
    for (size_t i = 0; i < n; i++) {
        if ((p[i] == (uint8_t)c->quote || p[i] == (uint8_t)c->escape) &&
            buf_append_byte(b, (uint8_t)c->escape))
            return WEIR_ELIMIT;
        if (buf_append_byte(b, p[i]))
            return WEIR_ELIMIT;
    }
    return buf_append_byte(b, (uint8_t)c->quote);
}

/* One field of a CSV or text line: the delimiter before all but the first, then the value quoted (CSV)
 * or escaped (text), or, for p NULL, the NULL string as it is. */
static int copy_field(CopyRun *r, int first, const uint8_t *p, size_t n)
{
    const SqlCopyTo *c = r->c;
    if (!first && buf_append_byte(&r->out, (uint8_t)c->delimiter))
        return WEIR_ELIMIT;
    if (!p)
        return buf_append_cstr(&r->out, c->null_str);
    return c->format == SQL_COPY_CSV ? append_csv(c, &r->out, p, n, c->force_quote_all)
                                     : append_text_escaped(&r->out, p, n, c->delimiter);
}

/* The newline that ends a line. */
static int copy_line(CopyRun *r)
{
    if (buf_append_byte(&r->out, '\n'))
        return sql_error_set(r->err, "54000", 0, "COPY row too long");
    copy_line_end(r);
    return WEIR_OK;
}

static int copy_header(CopyRun *r)
{
    for (uint32_t i = 0; i < r->n_cols; i++)
        if (copy_field(r, i == 0, (const uint8_t *)r->cols[i].name, strlen(r->cols[i].name)))
            return sql_error_set(r->err, "54000", 0, "COPY row too long");
    return copy_line(r);
}

static int copy_text_rows(CopyRun *r, const Batch *b)
{
    for (uint32_t row = 0; row < b->n; row++) {
        for (uint32_t i = 0; i < b->n_cols; i++) {
            const Vec *v = &b->cols[i];
            int rc;
            if (vec_is_null(v, row)) {
                rc = copy_field(r, i == 0, NULL, 0);
            } else {
                buf_reset(&r->val);
                rc = sql_format_text(r->s, v, row, &r->val);
                if (rc == WEIR_OK)
                    rc = copy_field(r, i == 0, r->val.p, r->val.len);
            }
            if (rc)
                return sql_error_set(r->err, "54000", 0, "COPY row too long");
        }
        if (copy_line(r))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

static int copy_json_rows(CopyRun *r, const Batch *b)
{
    for (uint32_t row = 0; row < b->n; row++) {
        arena_reset(r->scratch);
        int rc = buf_append_byte(&r->out, '{');
        for (uint32_t i = 0; rc == WEIR_OK && i < b->n_cols; i++) {
            const char *name = r->cols[i].name;
            if (i)
                rc = buf_append_byte(&r->out, ',');
            if (rc == WEIR_OK)
                rc = sql_json_append_string(&r->out, (const uint8_t *)name, strlen(name));
            if (rc == WEIR_OK)
                rc = buf_append_byte(&r->out, ':');
            if (rc == WEIR_OK && vec_is_null(&b->cols[i], row))
                rc = buf_append_cstr(&r->out, "null");
            else if (rc == WEIR_OK &&
                     sql_json_append_value(&b->cols[i], row, r->c->fmt, r->scratch, &r->out, r->err))
                return WEIR_ERROR;
        }
        if (rc == WEIR_OK)
            rc = buf_append_cstr(&r->out, "}\n");
        if (rc)
            return sql_error_set(r->err, "54000", 0, "COPY row too long");
        copy_line_end(r);
    }
    return WEIR_OK;
}

/* ---------------------------------------------------------------- the run */

static int copy_batch(void *arg, const Batch *b)
{
    CopyRun *r = arg;
    int rc;
    if (r->pw) {
        Err e;
        err_clear(&e);
        rc = parquet_writer_write_batch(r->pw, b, &e);
        if (rc)
            return sql_error_set(r->err, e.code == WEIR_EINVAL ? "22023" : "XX000", 0, "COPY to Parquet: %s",
                                 e.msg);
    } else {
        rc = r->c->format == SQL_COPY_JSON ? copy_json_rows(r, b) : copy_text_rows(r, b);
        if (rc)
            return rc;
    }
    r->rows += b->n;
    if (r->out.len >= COPY_FLUSH || !r->c->path)
        return copy_flush(r);
    return WEIR_OK;
}

/* The Parquet writer over the query's columns (names made unique as DuckDB does: a, a_1, a_2). */
static int copy_parquet_open(CopyRun *r)
{
    const SqlCopyTo *c = r->c;
    ParquetColumn *pc = calloc(r->n_cols ? r->n_cols : 1, sizeof(ParquetColumn));
    char **names = calloc(r->n_cols ? r->n_cols : 1, sizeof(char *));
    if (!pc || !names)
        weir_panic("out of memory");
    for (uint32_t i = 0; i < r->n_cols; i++) {
        const char *base = r->cols[i].name;
        names[i] = xstrdup(base);
        for (int k = 1;; k++) {
            int dup = 0;
            for (uint32_t j = 0; j < i && !dup; j++)
                dup = strcmp(names[j], names[i]) == 0;
            if (!dup)
                break;
            free(names[i]);
            size_t n = strlen(base) + 16;
            names[i] = xmalloc(n);
            snprintf(names[i], n, "%s_%d", base, k);
        }
        pc[i] = (ParquetColumn){names[i], r->cols[i].type, 1, (int32_t)i + 1};
    }
    ParquetOptions o;
    parquet_options_init(&o);
    o.codec = PARQUET_CODEC_SNAPPY;
    if (c->compression && parquet_codec_from_name(c->compression, &o.codec))
        o.codec = PARQUET_CODEC_SNAPPY;
    o.row_group_rows =
        c->row_group_rows ? c->row_group_rows : (c->row_group_bytes ? 0 : COPY_DEFAULT_ROW_GROUP);
    if (c->row_group_bytes)
        o.row_group_bytes = c->row_group_bytes;
    Err e;
    err_clear(&e);
    int rc = parquet_writer_create(pc, r->n_cols, &o, &r->out, &r->pw, &e);
    for (uint32_t i = 0; i < r->n_cols; i++)
        free(names[i]);
    free(names);
    free(pc);
    if (rc)
        return sql_error_set(r->err, "0A000", 0, "COPY to Parquet: %s", e.msg);
    return WEIR_OK;
}

static int copy_open_tmp(CopyRun *r)
{
    struct stat st;
    if (stat(r->c->path, &st) == 0 && S_ISDIR(st.st_mode))
        return sql_error_set(r->err, "42809", 0, "\"%s\" is a directory", r->c->path);
    int n = snprintf(r->tmp, sizeof(r->tmp), "%s.weir-tmp-%ld-%u", r->c->path, (long)getpid(),
                     atomic_fetch_add(&copy_tmp_seq, 1));
    if (n < 0 || (size_t)n >= sizeof(r->tmp))
        return copy_io_error(r, "open", ENAMETOOLONG);
    r->fd = open(r->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (r->fd < 0) {
        r->tmp[0] = '\0';
        return copy_io_error(r, "open", errno);
    }
    return WEIR_OK;
}

/* fsync the file, rename it into place, fsync the directory. */
static int copy_commit(CopyRun *r)
{
    if (fsync(r->fd))
        return copy_io_error(r, "fsync", errno);
    if (close(r->fd)) {
        r->fd = -1;
        return copy_io_error(r, "close", errno);
    }
    r->fd = -1;
    if (rename(r->tmp, r->c->path))
        return copy_io_error(r, "rename into", errno);
    r->tmp[0] = '\0';
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", r->c->path);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        int rc = fsync(dfd);
        close(dfd);
        if (rc)
            return copy_io_error(r, "fsync the directory of", errno);
    }
    return WEIR_OK;
}

int sink_copy_to(void *arg, SqlSession *s, const SqlCopyTo *c, uint64_t *rows, SqlError *err)
{
    (void)arg;
    *rows = 0;
    CopyRun r;
    memset(&r, 0, sizeof(r));
    r.c = c;
    r.s = s;
    r.err = err;
    r.fd = -1;
    buf_init(&r.out, 0);
    buf_init(&r.comp, 0);
    buf_init(&r.val, 0);
    r.codec = SINK_CODEC_NONE;
    if (c->format != SQL_COPY_PARQUET && c->compression && strcmp(c->compression, "none") != 0)
        r.codec = !strcmp(c->compression, "gzip") ? SINK_CODEC_GZIP : SINK_CODEC_ZSTD;
    SqlStmt *st = NULL;
    SqlPortal *portal = NULL;
    int rc = sql_prepare(s, c->query, 0, strlen(c->query), NULL, 0, &st, err);
    if (rc == WEIR_OK && !sql_stmt_returns_rows(st))
        rc = sql_error_set(err, "0A000", 0, "COPY query must return rows");
    if (rc == WEIR_OK) {
        r.cols = sql_stmt_columns(st);
        r.n_cols = (uint32_t)sql_stmt_n_columns(st);
        r.scratch = arena_create(NULL, (size_t)64 << 20);
        r.lines = arena_create(NULL, (size_t)64 << 20);
        rc = c->path ? copy_open_tmp(&r) : WEIR_OK;
    }
    if (rc == WEIR_OK && c->format == SQL_COPY_PARQUET)
        rc = copy_parquet_open(&r);
    if (rc == WEIR_OK && c->header && (c->format == SQL_COPY_CSV || c->format == SQL_COPY_TEXT))
        rc = copy_header(&r);
    if (rc == WEIR_OK)
        rc = sql_bind(st, NULL, 0, &portal, err);
    if (rc == WEIR_OK) {
        int done = 0;
        rc = sql_portal_fetch(portal, 0, copy_batch, &r, &done, err);
    }
    if (rc == WEIR_OK && r.pw) {
        Err e;
        err_clear(&e);
        ParquetResult res;
        if (parquet_writer_finish(r.pw, &res, &e))
            rc = sql_error_set(err, "XX000", 0, "COPY to Parquet: %s", e.msg);
    }
    if (rc == WEIR_OK)
        rc = copy_flush(&r);
    if (rc == WEIR_OK && c->path)
        rc = copy_commit(&r);
    if (rc != WEIR_OK) {
        err->position = 0; /* positions would point into the generated query text */
        if (r.fd >= 0)
            close(r.fd);
        if (r.tmp[0])
            unlink(r.tmp);
    }
    *rows = r.rows;
    sql_portal_destroy(&portal);
    sql_stmt_destroy(&st);
    parquet_writer_destroy(&r.pw);
    arena_destroy(&r.scratch);
    arena_destroy(&r.lines);
    free(r.ends);
    buf_fini(&r.out);
    buf_fini(&r.comp);
    buf_fini(&r.val);
    return rc ? WEIR_ERROR : WEIR_OK;
}
