/*
 * bind_copy.c: COPY (query) TO 'file' | STDOUT and COPY table [(columns)] TO ... [WITH] (options), checked
 * here and carried out by the registered writer (engine.h sql_engine_set_copy_to; sink/copy.c writes the
 * files).
 *
 * What PostgreSQL's server-side COPY TO does and says, kept: an absolute path only (42602 "relative path
 * not allowed for COPY to file"), the option names and checks of ProcessCopyOptions (FORMAT, HEADER,
 * DELIMITER, NULL, QUOTE, ESCAPE, FORCE_QUOTE *, ENCODING 'UTF8'; "option \"x\" not recognized",
 * "conflicting or redundant options", one-byte delimiter and quote), and the old spellings (COPY t TO 'f'
 * CSV HEADER). DuckDB's names added for Parquet: FORMAT parquet | json, COMPRESSION (or CODEC) 'snappy' |
 * 'zstd' | 'gzip' | 'none', ROW_GROUP_SIZE (rows), ROW_GROUP_SIZE_BYTES; without FORMAT the file's
 * extension decides as in DuckDB (.parquet, .csv, .json/.jsonl/.ndjson; else PostgreSQL's text), and a
 * trailing .gz or .zst asks for that compression.
 * TO STDOUT (psql's \copy) takes the same options but Parquet and compression; its lines go to the
 * client in CopyData messages (pgwire) instead of a file.
 * Not here: COPY FROM (tables over streams are read-only) and TO PROGRAM (0A000).
 *
 * The query is bound here once so its errors carry positions in the statement, as DECLARE does; the
 * writer prepares the text again in the session when the statement runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/bind_int.h"
#include "exec/depth.h"

/* "name" with embedded quotes doubled, appended to b. */
static int append_ident(Buf *b, const char *s)
{
    if (buf_append_byte(b, '"'))
        return WEIR_ELIMIT;
    for (; *s; s++)
        if ((*s == '"' && buf_append_byte(b, '"')) || buf_append_byte(b, (uint8_t)*s))
            return WEIR_ELIMIT;
    return buf_append_byte(b, '"');
}

/* SELECT cols FROM schema.table for COPY table [(cols)] TO. */
static char *copy_table_query(BindCtx *ctx, PgQuery__CopyStmt *c)
{
    Buf b;
    buf_init(&b, 1 << 20);
    int rc = buf_append_cstr(&b, "SELECT ");
    for (size_t i = 0; rc == WEIR_OK && i < c->n_attlist; i++) {
        PgQuery__Node *n = c->attlist[i];
        if (n->node_case != PG_QUERY__NODE__NODE_STRING) {
            rc = WEIR_EINVAL;
            break;
        }
        rc = (i ? buf_append_cstr(&b, ", ") : WEIR_OK) || append_ident(&b, n->string->sval) ? WEIR_ELIMIT
                                                                                            : WEIR_OK;
    }
    if (rc == WEIR_OK && !c->n_attlist)
        rc = buf_append_cstr(&b, "*");
    if (rc == WEIR_OK)
        rc = buf_append_cstr(&b, " FROM ");
    if (rc == WEIR_OK && c->relation->schemaname && c->relation->schemaname[0])
        rc = append_ident(&b, c->relation->schemaname) || buf_append_byte(&b, '.') ? WEIR_ELIMIT : WEIR_OK;
    if (rc == WEIR_OK)
        rc = append_ident(&b, c->relation->relname);
    char *out = rc == WEIR_OK ? arena_try_strndup(ctx->arena, (const char *)b.p, b.len) : NULL;
    buf_fini(&b);
    return out;
}

static void free_tree(void *arg)
{
    pg_query__parse_result__free_unpacked(arg, NULL);
}

/* Bind the SELECT of COPY table TO (text made here), so a missing table or column fails now, as in
 * PostgreSQL, and the column count is known. Errors carry no position (it would point into this text). */
static int bind_generated(BindCtx *ctx, const char *text, BoundStmt *q)
{
    PgQuery__ParseResult *tree = NULL;
    int cursor = 0;
    if (sql_parse_text(text, &tree, &cursor, ctx->err))
        return WEIR_ERROR;
    if (arena_on_reset(ctx->arena, free_tree, tree)) {
        pg_query__parse_result__free_unpacked(tree, NULL);
        return bind_oom(ctx);
    }
    if (tree->n_stmts != 1 || tree->stmts[0]->stmt->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: COPY's table query did not parse");
    BindCtx sub = *ctx;
    sub.query = text;
    sub.offset = 0;
    int rc = bind_select(&sub, tree->stmts[0]->stmt->select_stmt, q);
    ctx->n_params = sub.n_params;
    ctx->param_types = sub.param_types;
    if (rc)
        ctx->err->position = 0;
    return rc;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

/* FORMAT and COMPRESSION from the file name, as DuckDB infers them: x.csv.gz, x.parquet, x.jsonl.zst. */
static void copy_infer(const char *path, int has_format, int has_compression, SqlCopyTo *c)
{
    size_t n = strlen(path);
    const char *comp = NULL;
    if (ends_with(path, n, ".gz"))
        comp = "gzip", n -= 3;
    else if (ends_with(path, n, ".zst"))
        comp = "zstd", n -= 4;
    if (!has_format) {
        if (ends_with(path, n, ".parquet"))
            c->format = SQL_COPY_PARQUET;
        else if (ends_with(path, n, ".csv"))
            c->format = SQL_COPY_CSV;
        else if (ends_with(path, n, ".json") || ends_with(path, n, ".jsonl") || ends_with(path, n, ".ndjson"))
            c->format = SQL_COPY_JSON;
    }
    if (!has_compression && comp && c->format != SQL_COPY_PARQUET)
        c->compression = comp;
}

static int parse_bool(const char *v, int *out)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "on") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "no"))
        *out = 0;
    else
        return -1;
    return 0;
}

/* A count with an optional KB/MB/GB (or KiB/MiB/GiB) suffix, as DuckDB's ROW_GROUP_SIZE_BYTES. */
static int parse_size(const char *v, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (end == v || *v == '-')
        return -1;
    while (*end == ' ')
        end++;
    uint64_t mul = 1;
    if (!strcasecmp(end, "kb") || !strcasecmp(end, "kib"))
        mul = 1024;
    else if (!strcasecmp(end, "mb") || !strcasecmp(end, "mib"))
        mul = 1024 * 1024;
    else if (!strcasecmp(end, "gb") || !strcasecmp(end, "gib"))
        mul = 1024 * 1024 * 1024;
    else if (*end && strcasecmp(end, "b"))
        return -1;
    if (n == 0 || n > UINT64_MAX / mul)
        return -1;
    *out = n * mul;
    return 0;
}

/* One option into c. seen: bit per option name, for "conflicting or redundant options". */
static int copy_option(BindCtx *ctx, PgQuery__Node *n, SqlCopyTo *c, unsigned *seen)
{
    static const char *const names[] = {"format",
                                        "header",
                                        "delimiter",
                                        "null",
                                        "quote",
                                        "escape",
                                        "force_quote",
                                        "encoding",
                                        "compression",
                                        "row_group_size",
                                        "row_group_size_bytes",
                                        "codec"};
    PgQuery__DefElem *d = n->def_elem;
    int loc = d->location;
    size_t k = 0;
    while (k < sizeof(names) / sizeof(names[0]) && strcmp(d->defname, names[k]) != 0)
        k++;
    if (k == sizeof(names) / sizeof(names[0]))
        return BIND_ERR(ctx, "42601", loc, "option \"%s\" not recognized", d->defname);
    if (k == 11)
        k = 8; /* CODEC is DuckDB's other name for COMPRESSION */
    if (*seen & (1u << k))
        return BIND_ERR(ctx, "42601", loc, "conflicting or redundant options");
    *seen |= 1u << k;
    if (k == 6) {
        /* FORCE_QUOTE *: every non-NULL value quoted; a column list is not supported */
        if (d->arg && d->arg->node_case == PG_QUERY__NODE__NODE_A_STAR) {
            c->force_quote_all = 1;
            return WEIR_OK;
        }
        return BIND_ERR(ctx, "0A000", loc,
                        "FORCE_QUOTE with a column list is not supported (use FORCE_QUOTE *)");
    }
    SqlOption o;
    if (bind_option(ctx, n, &o))
        return WEIR_ERROR;
    const char *v = o.value;
    switch (k) {
    case 0:
        if (!strcasecmp(v, "text"))
            c->format = SQL_COPY_TEXT;
        else if (!strcasecmp(v, "csv"))
            c->format = SQL_COPY_CSV;
        else if (!strcasecmp(v, "json") || !strcasecmp(v, "ndjson") || !strcasecmp(v, "jsonl"))
            c->format = SQL_COPY_JSON;
        else if (!strcasecmp(v, "parquet"))
            c->format = SQL_COPY_PARQUET;
        else if (!strcasecmp(v, "binary"))
            return BIND_ERR(ctx, "0A000", loc, "COPY format \"binary\" is not supported");
        else
            return BIND_ERR(ctx, "22023", loc, "COPY format \"%s\" not recognized", v);
        return WEIR_OK;
    case 1:
        if (parse_bool(v, &c->header))
            return BIND_ERR(ctx, "22023", loc, "%s requires a Boolean value", d->defname);
        return WEIR_OK;
    case 2:
    case 4:
    case 5:
        if (strlen(v) != 1)
            return BIND_ERR(ctx, "0A000", loc, "COPY %s must be a single one-byte character",
                            k == 2   ? "delimiter"
                            : k == 4 ? "quote"
                                     : "escape");
        if (k == 2 && (v[0] == '\r' || v[0] == '\n'))
            return BIND_ERR(ctx, "22023", loc, "COPY delimiter cannot be newline or carriage return");
        if (k == 2)
            c->delimiter = v[0];
        else if (k == 4)
            c->quote = v[0];
        else
            c->escape = v[0];
        return WEIR_OK;
    case 3:
        if (strchr(v, '\r') || strchr(v, '\n'))
            return BIND_ERR(ctx, "22023", loc,
                            "COPY null representation cannot use newline or carriage return");
        c->null_str = v;
        return WEIR_OK;
    case 7:
        if (strcasecmp(v, "utf8") && strcasecmp(v, "utf-8") && strcasecmp(v, "unicode"))
            return BIND_ERR(ctx, "0A000", loc, "COPY writes UTF8 only (encoding \"%s\")", v);
        return WEIR_OK;
    case 8:
        if (!strcasecmp(v, "none") || !strcasecmp(v, "uncompressed"))
            c->compression = "none";
        else if (!strcasecmp(v, "snappy"))
            c->compression = "snappy";
        else if (!strcasecmp(v, "gzip"))
            c->compression = "gzip";
        else if (!strcasecmp(v, "zstd"))
            c->compression = "zstd";
        else
            return BIND_ERR(ctx, "22023", loc, "unsupported COMPRESSION \"%s\" (none, snappy, gzip or zstd)",
                            v);
        return WEIR_OK;
    case 9:
    case 10: {
        uint64_t x;
        if (parse_size(v, &x) || (k == 9 && strspn(v, "0123456789") != strlen(v)))
            return BIND_ERR(ctx, "22023", loc, "%s requires a positive integer", d->defname);
        if (k == 9)
            c->row_group_rows = x;
        else
            c->row_group_bytes = x;
        return WEIR_OK;
    }
    }
    return WEIR_OK;
}

int bind_copy(BindCtx *ctx, PgQuery__CopyStmt *cs, BoundStmt *out)
{
    if (cs->is_from)
        return sql_error_set(
            ctx->err, "0A000", 0,
            "COPY FROM is not supported: tables over streams are read-only in SQL (write records "
            "with the Kinesis API, PutRecord or PutRecords)");
    if (cs->is_program)
        return sql_error_set(ctx->err, "0A000", 0, "COPY TO PROGRAM is not supported");
    int to_stdout = !cs->filename || !cs->filename[0];
    if (cs->where_clause)
        return sql_error_set(ctx->err, "0A000", 0, "WHERE clause not allowed with COPY TO");
    if (!to_stdout && cs->filename[0] != '/')
        return sql_error_set(ctx->err, "42602", 0, "relative path not allowed for COPY to file");
    SqlCopyTo *c = &out->copy;
    memset(c, 0, sizeof(*c));
    if (!to_stdout && !(c->path = arena_try_strndup(ctx->arena, cs->filename, strlen(cs->filename))))
        return bind_oom(ctx);
    unsigned seen = 0;
    for (size_t i = 0; i < cs->n_options; i++) {
        if (cs->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            return sql_error_set(ctx->err, "42601", 0, "malformed COPY option");
        if (copy_option(ctx, cs->options[i], c, &seen))
            return WEIR_ERROR;
    }
    if (c->path)
        copy_infer(c->path, (seen & 1u) != 0, (seen & (1u << 8)) != 0, c);
    if (to_stdout && c->format == SQL_COPY_PARQUET)
        return sql_error_set(ctx->err, "0A000", 0,
                             "COPY TO STDOUT writes text, csv or json (Parquet: COPY to a file)");
    if (to_stdout && c->compression && strcmp(c->compression, "none"))
        return sql_error_set(ctx->err, "0A000", 0, "COMPRESSION is not available with COPY TO STDOUT");
    /* the checks of PostgreSQL's ProcessCopyOptions that apply to COPY TO */
    int csv = c->format == SQL_COPY_CSV, text = c->format == SQL_COPY_TEXT;
    if ((seen & (1u << 1)) && !csv && !text)
        return sql_error_set(ctx->err, "0A000", 0, "COPY HEADER available only in CSV and text mode");
    if ((seen & (1u << 2 | 1u << 3)) && !csv && !text)
        return sql_error_set(ctx->err, "0A000", 0,
                             "COPY DELIMITER and NULL available only in CSV and text mode");
    if ((seen & 1u << 4) && !csv)
        return sql_error_set(ctx->err, "0A000", 0, "COPY quote available only in CSV mode");
    if ((seen & 1u << 5) && !csv)
        return sql_error_set(ctx->err, "0A000", 0, "COPY escape available only in CSV mode");
    if (c->force_quote_all && !csv)
        return sql_error_set(ctx->err, "0A000", 0, "COPY force quote available only in CSV mode");
    if ((seen & (1u << 9 | 1u << 10)) && c->format != SQL_COPY_PARQUET)
        return sql_error_set(ctx->err, "0A000", 0, "ROW_GROUP_SIZE available only in Parquet mode");
    if (c->compression && !strcmp(c->compression, "snappy") && c->format != SQL_COPY_PARQUET)
        return sql_error_set(ctx->err, "0A000", 0, "COMPRESSION snappy available only in Parquet mode");
    if (!c->delimiter)
        c->delimiter = csv ? ',' : '\t';
    if (!c->quote)
        c->quote = '"';
    if (!c->escape)
        c->escape = c->quote;
    if (!c->null_str)
        c->null_str = csv ? "" : "\\N";
    if (csv && c->delimiter == c->quote)
        return sql_error_set(ctx->err, "22023", 0, "COPY delimiter and quote must be different");
    if (strchr(c->null_str, c->delimiter))
        return sql_error_set(ctx->err, "22023", 0,
                             "COPY delimiter must not appear in the NULL specification");
    if (text && strchr("\\.abcdefghijklmnopqrstuvwxyz0123456789", c->delimiter))
        return sql_error_set(ctx->err, "22023", 0, "COPY delimiter cannot be \"%c\"", c->delimiter);

    BoundStmt q;
    memset(&q, 0, sizeof(q));
    if (cs->query) {
        if (cs->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
            return sql_error_set(ctx->err, "0A000", 0, "COPY (query) TO supports SELECT queries only");
        if (bind_select(ctx, cs->query->select_stmt, &q))
            return WEIR_ERROR;
        c->query = bind_stmt_text_after(ctx, PG_QUERY__TOKEN__NUL); /* inside COPY ( ... ) */
    } else if (cs->relation) {
        if (!(c->query = copy_table_query(ctx, cs)) || bind_generated(ctx, c->query, &q))
            return c->query ? WEIR_ERROR : bind_oom(ctx);
    }
    c->n_cols = q.n_cols;
    if (ctx->n_params)
        return sql_error_set(ctx->err, "0A000", 0, "parameters in COPY are not supported");
    if (!c->query)
        return sql_error_set(ctx->err, "42601", 0, "could not find the query of COPY");
    out->kind = BOUND_COPY_TO;
    out->tag = "COPY";
    return WEIR_OK;
}
