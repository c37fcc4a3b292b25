/*
 * engine.c: the SQL engine's front-end interface (engine.h): statements and portals over the binder
 * (bind.c) and the operators (op.c).
 *
 * A SqlStmt keeps the parse tree, the parameter types and the result columns decided at prepare time.
 * Each SqlPortal binds the tree again into its own plan arena, so portals of one statement never share
 * run state (the extended protocol may have several open at once), and runs it: the root operator is
 * opened on the first fetch and pulled batch by batch. A fetch limited to max_rows hands out a prefix of
 * a batch and keeps the rest for the next fetch (the batch stays valid until the root is pulled again).
 *
 * Memory: the statement's arena holds what prepare decided; the portal's query arena (budget
 * SqlEngineConfig.query_mem_budget) holds its plan, parameter values and all run state, so a query over
 * budget fails with 53200 and frees everything when the portal goes.
 */
#include "exec/engine.h"

#include <pg_query.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "exec/bind.h"
#include "exec/catalog.h"
#include "exec/depth.h"
#include "exec/exec_int.h"
#include "exec/expr.h"

#define ENGINE_DEFAULT_BUDGET ((size_t)1 << 30)

struct SqlStmt {
    SqlSession *sess;
    Arena *arena;
    char *text;                 /* this statement's text, NUL-terminated (libpg_query wants a C string) */
    const char *query;          /* the full query text, copied */
    size_t offset;
    PgQuery__ParseResult *tree; /* owned; freed with the statement */
    SqlType *declared;          /* the parameter types Parse declared (SQL_UNKNOWN: inferred), n_declared */
    uint32_t n_declared;
    BoundStmt bound;            /* from prepare: kind, columns, parameter types */
};

struct SqlPortal {
    SqlStmt *st;
    Arena *arena;               /* query arena */
    BoundStmt bound;            /* this portal's own plan */
    SqlValue *params;
    uint32_t n_params;
    int64_t stmt_time_usec;
    ExecCtx ctx;
    int started, done;
    Batch *pending;             /* rows of the last batch not yet delivered */
    uint32_t pending_off;
    uint64_t rows;
    char tag[64];
};

/* ------------------------------------------------------------------------------------------------
 * Engine
 * ---------------------------------------------------------------------------------------------- */

int sql_engine_create(const SqlEngineConfig *cfg, SqlEngine **out, Err *e)
{
    SqlEngine *eng = calloc(1, sizeof(*eng));
    if (!eng)
        weir_panic("out of memory");
    eng->cfg = *cfg;
    if (!eng->cfg.query_mem_budget)
        eng->cfg.query_mem_budget = ENGINE_DEFAULT_BUDGET;
    snprintf(eng->server_version, sizeof(eng->server_version), "%s",
             cfg->server_version ? cfg->server_version : "15.0 (weir)");
    eng->cfg.server_version = eng->server_version;
    eng->cfg.data_dir = NULL; /* not kept: only the catalog needs it, now */
    if (sql_catalog_open(cfg->data_dir, &eng->catalog, e)) {
        free(eng);
        return e->code ? e->code : WEIR_ERROR;
    }
    *out = eng;
    return WEIR_OK;
}

void sql_engine_destroy(SqlEngine **eng)
{
    if (!eng || !*eng)
        return;
    sql_catalog_close(&(*eng)->catalog);
    free(*eng);
    *eng = NULL;
}

/* Microseconds since 2000-01-01 UTC. */
/* ExecCtx.run_id: every execution gets its own, so per-run caches never see another run's memory */
static _Atomic uint64_t engine_run_ids;

static int64_t engine_now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((int64_t)ts.tv_sec - SQL_PG_EPOCH_UNIX) * SQL_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* 1-based character position of byte offset off in s. */
static int char_pos(const char *s, size_t off)
{
    int chars = 0;
    for (size_t i = 0; i < off && s[i]; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars + 1;
}

/* ------------------------------------------------------------------------------------------------
 * Splitting and parsing
 * ---------------------------------------------------------------------------------------------- */

static int is_show_views(const char *q, size_t len);

int sql_split(const char *query, size_t **offsets, size_t **lengths, SqlError *err)
{
    *offsets = NULL;
    *lengths = NULL;
    if (is_show_views(query, strlen(query))) {
        /* not PostgreSQL grammar: one statement, which sql_prepare recognizes */
        *offsets = calloc(1, sizeof(size_t));
        *lengths = calloc(1, sizeof(size_t));
        if (!*offsets || !*lengths)
            weir_panic("out of memory");
        (*lengths)[0] = strlen(query);
        return 1;
    }
    PgQuerySplitResult r = pg_query_split_with_parser(query);
    if (r.error) {
        sql_error_set(err, "42601", r.error->cursorpos > 0 ? char_pos(query, (size_t)r.error->cursorpos - 1) : 0,
                      "%s", r.error->message);
        pg_query_free_split_result(r);
        return -1;
    }
    size_t n = 0;
    size_t *off = calloc((size_t)r.n_stmts + 1, sizeof(size_t));
    size_t *len = calloc((size_t)r.n_stmts + 1, sizeof(size_t));
    if (!off || !len)
        weir_panic("out of memory");
    for (int i = 0; i < r.n_stmts; i++) {
        size_t o = (size_t)r.stmts[i]->stmt_location, l = (size_t)r.stmts[i]->stmt_len;
        if (l == 0)
            l = strlen(query) - o; /* the last statement without a semicolon */
        /* skip statements that are only whitespace and comments */
        int blank = 1;
        for (size_t k = o; k < o + l && blank; k++)
            blank = query[k] == ' ' || query[k] == '\n' || query[k] == '\t' || query[k] == '\r' || query[k] == ';';
        if (blank)
            continue;
        off[n] = o;
        len[n] = l;
        n++;
    }
    pg_query_free_split_result(r);
    *offsets = off;
    *lengths = len;
    return (int)n;
}

/* ------------------------------------------------------------------------------------------------
 * Statements
 * ---------------------------------------------------------------------------------------------- */

static void stmt_free_tree(void *arg)
{
    pg_query__parse_result__free_unpacked(arg, NULL);
}

static int stmt_bind(SqlStmt *st, Arena *arena, const SqlType *param_types, uint32_t n_params, BoundStmt *out,
                     SqlError *err, int64_t now)
{
    BindCtx bc = {.sess = st->sess,
                  .arena = arena,
                  .query = st->query,
                  .offset = st->offset,
                  .err = err,
                  .stmt_time_usec = now};
    if (n_params) {
        bc.param_types = ARENA_NEW(arena, SqlType, n_params);
        if (!bc.param_types)
            return sql_error_set(err, "53200", 0, "out of memory");
        memcpy(bc.param_types, param_types, n_params * sizeof(SqlType));
        bc.n_params = n_params;
    }
    if (st->tree->n_stmts != 1)
        return sql_error_set(err, "42601", 0, "cannot insert multiple commands into a prepared statement");
    return bind_statement(&bc, st->tree->stmts[0]->stmt, out);
}

static int prepare_inner(SqlSession *s, const char *query, size_t offset, size_t len, const uint32_t *param_oids,
                         size_t n_param_oids, SqlStmt **out, SqlError *err)
{
    *out = NULL;
    Arena *arena = arena_create(NULL, s->eng->cfg.query_mem_budget);
    SqlStmt *st = arena_try_calloc(arena, sizeof(*st));
    char *text = arena_try_strndup(arena, query + offset, len);
    char *full = arena_try_strndup(arena, query, strlen(query));
    if (!st || !text || !full) {
        arena_destroy(&arena);
        return sql_error_set(err, "53200", 0, "out of memory");
    }
    st->sess = s;
    st->arena = arena;
    st->text = text;
    st->query = full;
    st->offset = offset;
    /* (nesting deeper than this thread's stack allows is 54001 here, before libpg_query recurses) */
    int cursor = 0;
    if (sql_parse_text(text, &st->tree, &cursor, err)) {
        if (cursor > 0 && !err->position)
            err->position = char_pos(query, offset + (size_t)cursor - 1);
        arena_destroy(&arena);
        return WEIR_ERROR;
    }
    if (arena_on_reset(arena, stmt_free_tree, st->tree)) {
        pg_query__parse_result__free_unpacked(st->tree, NULL);
        arena_destroy(&arena);
        return sql_error_set(err, "53200", 0, "out of memory");
    }
    if (st->tree->n_stmts == 0) {
        st->bound.kind = BOUND_NOOP;
        st->bound.tag = "";
        *out = st;
        return WEIR_OK;
    }
    SqlType *declared = NULL;
    if (n_param_oids) {
        declared = ARENA_NEW(arena, SqlType, n_param_oids);
        if (!declared) {
            arena_destroy(&arena);
            return sql_error_set(err, "53200", 0, "out of memory");
        }
        for (size_t i = 0; i < n_param_oids; i++) {
            SqlTypeId id = SQL_UNKNOWN;
            if (param_oids[i] && sql_type_from_oid(param_oids[i], &id)) {
                sql_error_set(err, "42704", 0, "type with OID %u does not exist", param_oids[i]);
                arena_destroy(&arena);
                return WEIR_ERROR;
            }
            declared[i] = SQL_TYPE(id);
        }
    }
    st->declared = declared;
    st->n_declared = (uint32_t)n_param_oids;
    if (stmt_bind(st, arena, declared, (uint32_t)n_param_oids, &st->bound, err, engine_now_usec())) {
        arena_destroy(&arena);
        return WEIR_ERROR;
    }
    *out = st;
    return WEIR_OK;
}

/* In a transaction block, an error fails the block (status 'E'); in a failed block only COMMIT and
 * ROLLBACK are accepted, as in PostgreSQL. */
/* Whether query[0..len) is SHOW MATERIALIZED VIEWS (any case and spacing, an optional ';'). */
static int is_show_views(const char *q, size_t len)
{
    static const char *const words[] = {"show", "materialized", "views"};
    size_t i = 0;
    for (size_t w = 0; w < 3; w++) {
        while (i < len && isspace((unsigned char)q[i]))
            i++;
        size_t n = strlen(words[w]);
        if (i + n > len || strncasecmp(q + i, words[w], n) != 0 || (i + n < len && isalnum((unsigned char)q[i + n])))
            return 0;
        i += n;
    }
    while (i < len && (isspace((unsigned char)q[i]) || q[i] == ';'))
        i++;
    return i == len;
}

static void append_quoted(Buf *b, const char *s)
{
    int rc = buf_append_byte(b, '\'');
    for (const char *p = s ? s : ""; *p && !rc; p++)
        rc = *p == '\'' ? buf_append_cstr(b, "''") : buf_append_byte(b, (uint8_t)*p);
    if (!rc)
        rc = buf_append_byte(b, '\'');
    (void)rc; /* over the limit: the text is cut and the statement fails to parse, reported as such */
}

/* SHOW MATERIALIZED VIEWS, as the query over the runtime's list that answers it. NULL without a runtime. */
static char *show_views_query(SqlEngine *eng)
{
    const SqlViewHooks *h = eng->view_hooks;
    if (!h || !h->list)
        return NULL;
    SqlViewInfo *v = NULL;
    size_t n = h->list(eng->view_arg, &v);
    Buf b;
    buf_init(&b, (size_t)64 << 20);
    int rc = buf_append_cstr(&b, "SELECT name, status, watermark, rows_in, rows_out, late_rows, state_entries, "
                                 "state_bytes, checkpoints, output_stream, positions, query FROM (VALUES ");
    for (size_t i = 0; i < n && !rc; i++) {
        char num[256];
        if (i)
            rc = buf_append_cstr(&b, ", ");
        rc = rc || buf_append_byte(&b, '(');
        append_quoted(&b, v[i].name);
        rc = rc || buf_append_cstr(&b, "::text, ");
        append_quoted(&b, v[i].status);
        if (v[i].watermark_us == INT64_MIN)
            snprintf(num, sizeof(num), "::text, NULL::timestamptz");
        else
            snprintf(num, sizeof(num), "::text, timestamptz '2000-01-01 00:00:00+00' + %lld * interval '1 microsecond'",
                     (long long)v[i].watermark_us);
        rc = rc || buf_append_cstr(&b, num);
        snprintf(num, sizeof(num), ", %llu::bigint, %llu::bigint, %llu::bigint, %llu::bigint, %llu::bigint, %llu::bigint, ",
                 (unsigned long long)v[i].rows_in, (unsigned long long)v[i].rows_out,
                 (unsigned long long)v[i].late_rows, (unsigned long long)v[i].state_entries,
                 (unsigned long long)v[i].state_bytes, (unsigned long long)v[i].checkpoints);
        rc = rc || buf_append_cstr(&b, num);
        append_quoted(&b, v[i].output_stream);
        rc = rc || buf_append_cstr(&b, "::text, ");
        append_quoted(&b, v[i].positions);
        rc = rc || buf_append_cstr(&b, "::text, ");
        append_quoted(&b, v[i].query);
        rc = rc || buf_append_cstr(&b, "::text)");
    }
    if (!n)
        rc = rc || buf_append_cstr(&b, "(NULL::text, NULL::text, NULL::timestamptz, 0::bigint, 0::bigint, 0::bigint, "
                                       "0::bigint, 0::bigint, 0::bigint, NULL::text, NULL::text, NULL::text)");
    rc = rc || buf_append_cstr(&b, ") AS v(name, status, watermark, rows_in, rows_out, late_rows, state_entries, "
                                   "state_bytes, checkpoints, output_stream, positions, query)");
    rc = rc || buf_append_cstr(&b, n ? " ORDER BY name" : " WHERE false");
    h->list_free(eng->view_arg, v, n);
    char *text = rc ? NULL : strndup((const char *)b.p, b.len);
    buf_fini(&b);
    return text;
}

int sql_prepare(SqlSession *s, const char *query, size_t offset, size_t len, const uint32_t *param_oids,
                size_t n_param_oids, SqlStmt **out, SqlError *err)
{
    if (is_show_views(query + offset, len)) {
        char *text = show_views_query(s->eng);
        if (!text)
            return sql_error_set(err, "0A000", 0, "materialized views need the server's continuous-query runtime");
        int rc = sql_prepare(s, text, 0, strlen(text), param_oids, n_param_oids, out, err);
        free(text);
        return rc;
    }
    int rc = prepare_inner(s, query, offset, len, param_oids, n_param_oids, out, err);
    if (rc == WEIR_OK && s->txn_status == 'E' && (*out)->bound.kind != BOUND_COMMIT &&
        (*out)->bound.kind != BOUND_ROLLBACK) {
        sql_stmt_destroy(out);
        return sql_error_set(err, "25P02", 0,
                             "current transaction is aborted, commands ignored until end of transaction block");
    }
    if (rc && s->txn_status == 'T')
        s->txn_status = 'E';
    return rc;
}

void sql_stmt_destroy(SqlStmt **stp)
{
    if (!stp || !*stp)
        return;
    Arena *a = (*stp)->arena;
    *stp = NULL;
    arena_destroy(&a);
}

size_t sql_stmt_n_params(const SqlStmt *st)
{
    return st->bound.n_params;
}

SqlType sql_stmt_param_type(const SqlStmt *st, size_t i)
{
    return i < st->bound.n_params ? st->bound.param_types[i] : SQL_TYPE(SQL_UNKNOWN);
}

size_t sql_stmt_n_columns(const SqlStmt *st)
{
    return st->bound.kind == BOUND_QUERY || st->bound.kind == BOUND_FETCH ? st->bound.n_cols : 0;
}

const SqlColumn *sql_stmt_columns(const SqlStmt *st)
{
    return st->bound.cols;
}

int sql_stmt_returns_rows(const SqlStmt *st)
{
    return st->bound.kind == BOUND_QUERY || st->bound.kind == BOUND_FETCH;
}

/* ------------------------------------------------------------------------------------------------
 * Portals
 * ---------------------------------------------------------------------------------------------- */

static int bind_inner(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err);

/* A portal's plan must answer what Describe of its statement promised: the same parameter types (the values
 * were read as those) and result columns. Binding is deterministic, so only a table dropped and created
 * again between Parse and Bind changes them; PostgreSQL's answer then is 0A000. */
static int portal_check_plan(const SqlStmt *st, const BoundStmt *b, SqlError *err)
{
    int same = b->n_params == st->bound.n_params && b->n_cols == st->bound.n_cols;
    for (uint32_t i = 0; same && i < b->n_params; i++)
        same = b->param_types[i].id == st->bound.param_types[i].id;
    if (!same)
        return sql_error_set(err, "XX000", 0, "internal error: parameter types changed between Parse and Bind");
    for (uint32_t i = 0; i < b->n_cols; i++)
        if (b->cols[i].type.id != st->bound.cols[i].type.id || b->cols[i].type.typmod != st->bound.cols[i].type.typmod)
            return sql_error_set(err, "0A000", 0, "cached plan must not change result type");
    return WEIR_OK;
}

int sql_bind(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err)
{
    int rc = bind_inner(st, params, n_params, out, err);
    if (rc && st->sess->txn_status == 'T')
        st->sess->txn_status = 'E';
    return rc;
}

static int bind_inner(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err)
{
    *out = NULL;
    if (n_params != st->bound.n_params)
        return sql_error_set(err, "08P01", 0, "bind message supplies %zu parameters, but prepared statement requires %u",
                             n_params, st->bound.n_params);
    Arena *arena = arena_create(NULL, st->sess->eng->cfg.query_mem_budget);
    SqlPortal *p = arena_try_calloc(arena, sizeof(*p));
    if (!p) {
        arena_destroy(&arena);
        return sql_error_set(err, "53200", 0, "out of memory");
    }
    p->st = st;
    p->arena = arena;
    p->stmt_time_usec = engine_now_usec();
    p->n_params = (uint32_t)n_params;
    if (n_params && !(p->params = ARENA_NEW(arena, SqlValue, n_params))) {
        arena_destroy(&arena);
        return sql_error_set(err, "53200", 0, "out of memory");
    }
    for (size_t i = 0; i < n_params; i++) {
        SqlType t = st->bound.param_types[i];
        SqlValue *v = &p->params[i];
        v->type = t;
        if (params[i].len < 0) {
            v->is_null = 1;
            continue;
        }
        int rc = params[i].format == 1
                     ? sql_value_from_binary(t, params[i].p, (size_t)params[i].len, arena, v, err)
                     : sql_value_from_text(t, (const char *)params[i].p, (size_t)params[i].len, &st->sess->fmt, arena,
                                           v, err);
        if (rc) {
            arena_destroy(&arena);
            return WEIR_ERROR;
        }
        v->type = t;
    }
    if (st->bound.kind == BOUND_QUERY && st->tree->n_stmts == 1) {
        /* Bound again from what prepare started with (the declared types, not the ones it inferred), so the
         * binder decides exactly as it did then: fed the inferred types, it may resolve operators another
         * way ($1 || + $1) and fail or disagree with the ParameterDescription already sent. */
        if (stmt_bind(st, arena, st->declared, st->n_declared, &p->bound, err, p->stmt_time_usec) ||
            portal_check_plan(st, &p->bound, err)) {
            arena_destroy(&arena);
            return WEIR_ERROR;
        }
    } else {
        p->bound = st->bound;
    }
    p->ctx = (ExecCtx){.arena = arena,
                       .run_arena = arena,
                       .fmt = &st->sess->fmt,
                       .params = p->params,
                       .n_params = p->n_params,
                       .stmt_time_usec = p->stmt_time_usec,
                       .cancel = &st->sess->cancel,
                       .eng = st->sess->eng,
                       .query = st->query,
                       .session_user = st->sess->user,
                       .database = st->sess->database,
                       .server_version = st->sess->eng->server_version,
                       .run_id = atomic_fetch_add(&engine_run_ids, 1) + 1,
                       .checkpoint = st->sess->checkpoint[0] ? st->sess->checkpoint : NULL};
    if (p->ctx.checkpoint && st->bound.kind == BOUND_QUERY && !(p->ctx.ckpt = scan_ckpt_create(arena))) {
        arena_destroy(&arena);
        return sql_error_set(err, "53200", 0, "out of memory");
    }
    *out = p;
    return WEIR_OK;
}

void sql_engine_set_view_hooks(SqlEngine *eng, const SqlViewHooks *hooks, void *arg)
{
    eng->view_hooks = hooks;
    eng->view_arg = arg;
}

void sql_engine_set_copy_to(SqlEngine *eng, SqlCopyToFn fn, void *arg)
{
    eng->copy_to = fn;
    eng->copy_arg = arg;
}

int sql_portal_plan(SqlPortal *p, Op **root, ExecCtx **ctx, SqlError *err)
{
    if (p->bound.kind != BOUND_QUERY || !p->bound.root)
        return sql_error_set(err, "42601", 0, "a continuous query must be a SELECT");
    *root = p->bound.root;
    *ctx = &p->ctx;
    p->ctx.err = err;
    return WEIR_OK;
}

void sql_portal_destroy(SqlPortal **pp)
{
    if (!pp || !*pp)
        return;
    SqlPortal *p = *pp;
    *pp = NULL;
    if (p->bound.root)
        op_close(p->bound.root);
    Arena *a = p->arena;
    arena_destroy(&a);
}

const char *sql_portal_command_tag(const SqlPortal *p)
{
    return p->tag;
}

/* Utility statements run at their first fetch. */
/* Queue a NOTICE for the protocol layer (the last one of a statement wins). */
static void engine_notice(SqlSession *s, const char *sqlstate, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void engine_notice(SqlSession *s, const char *sqlstate, const char *fmt, ...)
{
    memset(&s->notice, 0, sizeof(s->notice));
    snprintf(s->notice.sqlstate, sizeof(s->notice.sqlstate), "%s", sqlstate);
    snprintf(s->notice.severity, sizeof(s->notice.severity), "NOTICE");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->notice.message, sizeof(s->notice.message), fmt, ap);
    va_end(ap);
    s->has_notice = 1;
}

int sql_session_take_notice(SqlSession *s, SqlError *out)
{
    if (!s->has_notice)
        return 0;
    *out = s->notice;
    s->has_notice = 0;
    return 1;
}

static int portal_run_utility(SqlPortal *p, SqlError *err)
{
    SqlSession *s = p->st->sess;
    const BoundStmt *b = &p->bound;
    snprintf(p->tag, sizeof(p->tag), "%s", b->tag ? b->tag : "");
    switch (b->kind) {
    case BOUND_SET:
        if (!b->set_name) {
            /* RESET ALL: every setting a client may change goes back to its default */
            static const char *const resettable[] = {"DateStyle", "IntervalStyle", "TimeZone", "extra_float_digits",
                                                     "application_name", "search_path", "client_min_messages"};
            for (size_t i = 0; i < sizeof(resettable) / sizeof(resettable[0]); i++) {
                SqlError ignore;
                memset(&ignore, 0, sizeof(ignore));
                if (sql_session_set(s, resettable[i], NULL, &ignore))
                    continue;
            }
            return WEIR_OK;
        }
        return sql_session_set(s, b->set_name, b->set_value, err);
    case BOUND_CREATE_TABLE: {
        const TableDef *td = b->create_def;
        Store *store = s->eng->cfg.store;
        StreamInfo *si = NULL;
        Err e;
        err_clear(&e);
        if (td->stream && store) {
            if (store_stream_describe(store, td->stream, &si, &e) == 0) {
                store_stream_info_free(&si);
            } else if (td->n_shards > 0) {
                err_clear(&e);
                if (store_stream_create(store, td->stream, td->n_shards, STREAM_MODE_PROVISIONED, "us-east-1",
                                        "000000000000", &e) && e.code != WEIR_EEXIST)
                    return sql_error_set(err, "58030", 0, "could not create stream \"%s\": %s", td->stream, e.msg);
            } else {
                return sql_error_set(err, "55000", 0,
                                     "stream \"%s\" does not exist (give shards = N to create it)", td->stream);
            }
        }
        TableDef *copy = NULL;
        char *json = tabledef_to_json(td);
        SqlError ignore;
        memset(&ignore, 0, sizeof(ignore));
        if (!json || tabledef_from_json(json, strlen(json), &copy, &ignore)) {
            free(json);
            return sql_error_set(err, "XX000", 0, "internal error: table definition does not round-trip: %s",
                                 ignore.message);
        }
        free(json);
        int created;
        char name[128];
        snprintf(name, sizeof(name), "%s", td->name);
        if (sql_catalog_add(s->eng->catalog, copy, b->if_not_exists, &created, err))
            return WEIR_ERROR;
        if (!created)
            engine_notice(s, "42P07", "relation \"%s\" already exists, skipping", name);
        return WEIR_OK;
    }
    case BOUND_DROP_TABLE:
        for (uint32_t i = 0; i < b->n_drop; i++) {
            CatalogTable *t = b->if_exists ? sql_catalog_get(s->eng->catalog, b->drop_names[i]) : NULL;
            if (t)
                sql_catalog_unref(s->eng->catalog, t);
            else if (b->if_exists)
                engine_notice(s, "00000", "table \"%s\" does not exist, skipping", b->drop_names[i]);
            if (sql_catalog_drop(s->eng->catalog, b->drop_names[i], b->if_exists, err))
                return WEIR_ERROR;
        }
        return WEIR_OK;
    case BOUND_CREATE_VIEW:
    case BOUND_DROP_VIEW: {
        const SqlViewHooks *h = s->eng->view_hooks;
        if (!h)
            return sql_error_set(err, "0A000", 0,
                                 "materialized views need the server's continuous-query runtime (weir server)");
        if (b->kind == BOUND_CREATE_VIEW)
            return h->create(s->eng->view_arg, s, &b->view, err);
        for (uint32_t i = 0; i < b->n_drop; i++) {
            int found = 0;
            if (h->drop(s->eng->view_arg, s, b->drop_names[i], &found, err))
                return WEIR_ERROR;
            if (!found && !b->if_exists)
                return sql_error_set(err, "42P01", 0, "materialized view \"%s\" does not exist", b->drop_names[i]);
            if (!found)
                engine_notice(s, "00000", "materialized view \"%s\" does not exist, skipping", b->drop_names[i]);
        }
        return WEIR_OK;
    }
    case BOUND_BEGIN:
        s->txn_status = 'T';
        return WEIR_OK;
    case BOUND_COMMIT:
    case BOUND_ROLLBACK:
        if (b->kind == BOUND_COMMIT && s->txn_status == 'E')
            snprintf(p->tag, sizeof(p->tag), "ROLLBACK");
        s->txn_status = 'I';
        sql_cursors_close(s, 0);
        return WEIR_OK;
    case BOUND_DECLARE: {
        for (SqlCursor *c = s->cursors; c; c = c->next)
            if (strcmp(c->name, b->cursor_name) == 0)
                return sql_error_set(err, "42P03", 0, "cursor \"%s\" already exists", b->cursor_name);
        if (!b->cursor_hold && s->txn_status == 'I')
            return sql_error_set(err, "25P01", 0, "DECLARE CURSOR can only be used in transaction blocks");
        SqlCursor *c = calloc(1, sizeof(*c));
        if (!c)
            return sql_error_set(err, "53200", 0, "out of memory");
        snprintf(c->name, sizeof(c->name), "%s", b->cursor_name);
        c->hold = b->cursor_hold;
        if (sql_prepare(s, b->cursor_query, 0, strlen(b->cursor_query), NULL, 0, &c->st, err) ||
            sql_bind(c->st, NULL, 0, &c->portal, err)) {
            sql_stmt_destroy(&c->st);
            free(c);
            return WEIR_ERROR;
        }
        c->next = s->cursors;
        s->cursors = c;
        return WEIR_OK;
    }
    case BOUND_CLOSE: {
        if (!b->cursor_name) {
            sql_cursors_close(s, 1);
            return WEIR_OK;
        }
        for (SqlCursor **pc = &s->cursors; *pc; pc = &(*pc)->next) {
            if (strcmp((*pc)->name, b->cursor_name) == 0) {
                SqlCursor *c = *pc;
                *pc = c->next;
                sql_portal_destroy(&c->portal);
                sql_stmt_destroy(&c->st);
                free(c);
                return WEIR_OK;
            }
        }
        return sql_error_set(err, "34000", 0, "cursor \"%s\" does not exist", b->cursor_name);
    }
    default:
        return WEIR_OK;
    }
}

void sql_cursors_close(SqlSession *s, int all)
{
    for (SqlCursor **pc = &s->cursors; *pc;) {
        SqlCursor *c = *pc;
        if (!all && c->hold) {
            pc = &c->next;
            continue;
        }
        *pc = c->next;
        sql_portal_destroy(&c->portal);
        sql_stmt_destroy(&c->st);
        free(c);
    }
}

/* COPY ... TO 'file' | STDOUT: carried out by the registered writer (sink/copy.c); TO STDOUT's lines go
 * to this portal's consumer. */
static int portal_run_copy(SqlPortal *p, SqlBatchFn fn, void *arg, SqlError *err)
{
    SqlSession *s = p->st->sess;
    if (!s->eng->copy_to)
        return sql_error_set(err, "0A000", 0, "COPY TO needs the server's delivery layer (weir server)");
    SqlCopyTo c = p->bound.copy;
    c.fmt = &s->fmt;
    c.out_fn = fn;
    c.out_arg = arg;
    uint64_t rows = 0;
    if (s->eng->copy_to(s->eng->copy_arg, s, &c, &rows, err))
        return WEIR_ERROR;
    p->rows = rows;
    snprintf(p->tag, sizeof(p->tag), "COPY %llu", (unsigned long long)rows);
    return WEIR_OK;
}

int sql_stmt_copy_out(const SqlStmt *st)
{
    return st->bound.kind == BOUND_COPY_TO && !st->bound.copy.path ? (int)st->bound.copy.n_cols : -1;
}

/* MOVE: rows are read and dropped. */
static int fetch_discard(void *arg, const Batch *b)
{
    (void)arg, (void)b;
    return WEIR_OK;
}

/* FETCH / MOVE: pull up to the count from the cursor's own portal, straight to this portal's consumer. */
static int portal_run_fetch(SqlPortal *p, SqlBatchFn fn, void *arg, SqlError *err)
{
    SqlSession *s = p->st->sess;
    const BoundStmt *b = &p->bound;
    SqlCursor *c = s->cursors;
    while (c && strcmp(c->name, b->cursor_name) != 0)
        c = c->next;
    if (!c)
        return sql_error_set(err, "34000", 0, "cursor \"%s\" does not exist", b->cursor_name);
    uint64_t before = c->portal->rows;
    int cdone = 0;
    if (b->fetch_count != UINT64_MAX &&
        sql_portal_fetch(c->portal, b->fetch_count, b->fetch_move ? fetch_discard : fn, arg, &cdone, err))
        return WEIR_ERROR;
    p->rows = c->portal->rows - before;
    snprintf(p->tag, sizeof(p->tag), "%s %llu", b->tag, (unsigned long long)p->rows);
    return WEIR_OK;
}

int sql_portal_fetch(SqlPortal *p, uint64_t max_rows, SqlBatchFn fn, void *arg, int *done, SqlError *err)
{
    *done = 0;
    SqlSession *s = p->st->sess;
    if (p->done) {
        *done = 1;
        return WEIR_OK;
    }
    if (s->txn_status == 'E' && p->bound.kind != BOUND_COMMIT && p->bound.kind != BOUND_ROLLBACK)
        return sql_error_set(err, "25P02", 0,
                             "current transaction is aborted, commands ignored until end of transaction block");
    if (p->bound.kind != BOUND_QUERY) {
        p->done = 1;
        *done = 1;
        int rc = p->bound.kind == BOUND_FETCH     ? portal_run_fetch(p, fn, arg, err)
                 : p->bound.kind == BOUND_COPY_TO ? portal_run_copy(p, fn, arg, err)
                                                  : portal_run_utility(p, err);
        if (rc && s->txn_status == 'T')
            s->txn_status = 'E';
        return rc;
    }
    p->ctx.err = err;
    if (!p->started) {
        atomic_store(&s->cancel, 0);
        p->started = 1;
        if (op_open(p->bound.root, &p->ctx))
            goto fail;
    }
    uint64_t left = max_rows ? max_rows : UINT64_MAX;
    while (left > 0) {
        Batch *b = p->pending;
        uint32_t off = p->pending_off;
        if (!b) {
            if (op_next(p->bound.root, &p->ctx, &b))
                goto fail;
            off = 0;
            if (!b) {
                op_close(p->bound.root);
                /* under weir.checkpoint the query has now completed: what its scans read becomes the
                 * checkpoint (a failed, cancelled or abandoned query never gets here) */
                if (scan_ckpt_commit(&p->ctx))
                    goto fail;
                p->done = 1;
                *done = 1;
                snprintf(p->tag, sizeof(p->tag), "%s %llu", p->bound.tag, (unsigned long long)p->rows);
                if (strcmp(p->bound.tag, "SHOW") == 0 || strcmp(p->bound.tag, "EXPLAIN") == 0)
                    snprintf(p->tag, sizeof(p->tag), "%s", p->bound.tag); /* no row count, as PostgreSQL */
                return WEIR_OK;
            }
        }
        uint32_t avail = b->n - off;
        uint32_t take = avail < left ? avail : (uint32_t)left;
        const Batch *view = b;
        if (off || take != b->n) {
            /* rows [off, off+take) */
            uint32_t *sel = ARENA_NEW(p->arena, uint32_t, take ? take : 1);
            if (sel)
                for (uint32_t i = 0; i < take; i++)
                    sel[i] = off + i;
            if (!sel || !(view = batch_gather(b, sel, take, p->arena))) {
                sql_error_set(err, "53200", 0, "out of memory: the query is over its memory budget");
                goto fail;
            }
        }
        int rc = fn(arg, view);
        if (rc) {
            sql_error_set(err, "08006", 0, "could not send data to client");
            goto fail;
        }
        p->rows += take;
        left -= take;
        if (off + take < b->n) {
            p->pending = b;
            p->pending_off = off + take;
        } else {
            p->pending = NULL;
            p->pending_off = 0;
        }
    }
    return WEIR_OK; /* suspended at max_rows */
fail:
    op_close(p->bound.root);
    p->done = 1;
    if (s->txn_status == 'T')
        s->txn_status = 'E';
    return WEIR_ERROR;
}
