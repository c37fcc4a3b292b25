/*
 * api_sql.c: POST /sql (see api_sql.h for what a client sees).
 *
 * One SqlJob per request. The loop thread parses the request, creates the job's session and starts its
 * worker thread; the worker runs the statements and turns the last one's rows into output pieces
 * (SqlMsg: respond whole, begin a stream, data, end, abort), which it queues on the job and announces with
 * the SqlApi's one uv_async_t. The loop's async callback (api_pump) writes the queued pieces to the
 * exchange in order. Who may touch what:
 *   loop thread   the exchange, the job list, the timer, creating and freeing jobs and sessions
 *   worker        the session (the engine's calls), its own output buffers
 *   both          the message queue and the flags below it, under SqlApi.mu
 * The worker's last act on a job is to queue its final message and set done in one critical section;
 * then it only calls uv_async_send on the SqlApi (which outlives every worker: sql_api_stop joins them).
 * The loop frees a job after it has written that final message and joined the thread.
 *
 * Backpressure: before queueing more data the worker waits (condition variable) while the bytes queued on
 * the job plus the bytes the connection has not yet written (measured on the loop, since only the loop may
 * look at the connection) exceed SQLAPI_HIGH_WATER. Nothing tells the loop when a socket drains, so while a
 * worker may be waiting the loop re-measures on a short timer.
 *
 * Cancellation: the exchange's on_close callback (client gone, server stopping) marks the job gone and
 * cancels the session's query. The engine clears a session's cancel flag when a statement starts, so a
 * cancel that lands between two statements could be lost: the worker checks gone before each statement
 * and in its row callback, and the timer repeats the cancel for gone jobs until their worker is done.
 */
#include "http/api_sql.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/utf8.h"
#include "http/aws_json.h"

#define SQLAPI_CHUNK ((size_t)64 * 1024)        /* output handed to the loop in pieces of this size */
#define SQLAPI_HIGH_WATER ((size_t)1024 * 1024) /* the worker waits while this much is not yet sent */
#define SQLAPI_OUT_MAX ((size_t)256 << 20)      /* one piece: bounds the text of one huge row */
#define SQLAPI_POLL_MS 5
#define SQLAPI_DEFAULT_MAX 16

enum { MSG_RESPOND, MSG_BEGIN, MSG_DATA, MSG_END, MSG_ABORT };

typedef struct SqlMsg {
    struct SqlMsg *next;
    int kind;
    int status;        /* RESPOND, BEGIN */
    const char *ctype; /* RESPOND, BEGIN: a static string */
    uint8_t *p;        /* RESPOND, DATA: malloc'd bytes */
    size_t n;
} SqlMsg;

typedef struct SqlJob SqlJob;

struct SqlApi {
    uv_loop_t *loop;
    SqlEngine *eng;
    int max_queries;
    pthread_mutex_t mu;
    uv_async_t async;
    uv_timer_t timer;
    int timer_on;
    int n_handles; /* open libuv handles; the SqlApi is freed when the last one closed */
    SqlJob *jobs;  /* loop thread: every job not yet freed */
    int n_jobs;
    SqlJob *ready; /* under mu: jobs with queued messages or done */
};

struct SqlJob {
    SqlApi *api;
    SqlJob *next, *prev; /* api->jobs */
    HttpExchange *x;     /* loop thread; NULL once ended */
    pthread_t thread;
    SqlSession *sess; /* created and destroyed by the loop; used by the worker and cancelled by the loop */
    /* the request (owned, read-only once the worker runs) */
    char *sql;
    SqlParam *params;
    char **param_text;
    size_t n_params;
    int has_params;
    int csv;
    /* under api->mu */
    SqlMsg *q_head, *q_tail;
    size_t q_bytes;
    size_t unsent; /* the connection's pending bytes, as the loop last measured them */
    int gone;      /* the client went away or the server stops: the worker stops */
    int done;      /* the worker queued its last message: it touches the job no more */
    int queued;    /* on api->ready */
    SqlJob *ready_next;
    pthread_cond_t room;
    /* loop thread only */
    int streaming; /* a BEGIN was written: measure backpressure */
    int polling;   /* the timer re-measures unsent for this job */
    /* worker only */
    Buf out;     /* output not yet queued */
    Buf scratch; /* one value's text */
    int begun;   /* a BEGIN was queued */
    uint64_t rows;
    SqlError cb_err; /* an error of the row callback itself (formatting) */
};

static const char JSON_CTYPE[] = "application/json";
static const char CSV_CTYPE[] = "text/csv; charset=utf-8; header=present";

/* ------------------------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------------------------- */

/* The HTTP status for a SQLSTATE (api_sql.h): the server's fault 500, its state 503, too many 429, else
 * the request's fault 400. */
static int sqlapi_status(const char *st)
{
    if (!strncmp(st, "XX", 2) || !strncmp(st, "58", 2))
        return 500;
    if (!strcmp(st, "53300"))
        return 429;
    if (!strcmp(st, "53000") || !strcmp(st, "53100") || !strcmp(st, "57014") || !strncmp(st, "57P0", 4))
        return 503;
    return 400;
}

/* The error object {"sqlstate":..,"message":..,"position":..,"detail":..,"hint":..} for e. */
static void sqlapi_error_obj(JsonOut *o, const SqlError *e)
{
    jo_obj_begin(o);
    jo_kv_str(o, "sqlstate", e->sqlstate[0] ? e->sqlstate : "XX000");
    jo_kv_str(o, "message", e->message[0] ? e->message : "query failed without an error message");
    if (e->position > 0)
        jo_kv_int(o, "position", e->position);
    if (e->detail[0])
        jo_kv_str(o, "detail", e->detail);
    if (e->hint[0])
        jo_kv_str(o, "hint", e->hint);
    jo_obj_end(o);
}

/* {"error":{...}} and a newline for e, appended to b. */
static int sqlapi_error_json(Buf *b, const SqlError *e)
{
    JsonOut o;
    jo_init(&o, b);
    jo_obj_begin(&o);
    jo_key(&o, "error");
    sqlapi_error_obj(&o, e);
    jo_obj_end(&o);
    if (o.rc)
        return o.rc;
    return buf_append_byte(b, '\n');
}

/* Answer at once with an error (loop thread, before any job). extra: one more header or NULL. */
static void sqlapi_respond_error(HttpExchange *x, int status, const HttpHeader *extra, const char *sqlstate,
                                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void sqlapi_respond_error(HttpExchange *x, int status, const HttpHeader *extra, const char *sqlstate,
                                 const char *fmt, ...)
{
    SqlError e;
    memset(&e, 0, sizeof(e));
    snprintf(e.sqlstate, sizeof(e.sqlstate), "%s", sqlstate);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
    Buf b;
    buf_init(&b, 0);
    if (sqlapi_error_json(&b, &e))
        weir_panic("sql api: error body");
    HttpHeader h[2] = {{SLICE_LIT("Content-Type"), SLICE_LIT("application/json")}};
    size_t nh = 1;
    if (extra)
        h[nh++] = *extra;
    http_exchange_respond(x, status, h, nh, &b);
    buf_fini(&b);
}

/* ------------------------------------------------------------------------------------------------
 * Jobs (loop thread)
 * ---------------------------------------------------------------------------------------------- */

/* Free a job that is on no list and has no running thread. */
static void job_destroy(SqlJob *j)
{
    for (SqlMsg *m = j->q_head, *n; m; m = n) {
        n = m->next;
        free(m->p);
        free(m);
    }
    sql_session_destroy(&j->sess);
    for (size_t i = 0; i < j->n_params; i++)
        free(j->param_text[i]);
    free(j->param_text);
    free(j->params);
    free(j->sql);
    buf_fini(&j->out);
    buf_fini(&j->scratch);
    pthread_cond_destroy(&j->room);
    free(j);
}

/* Take a finished job off the list and free it. */
static void job_free(SqlJob *j)
{
    SqlApi *api = j->api;
    if (j->prev)
        j->prev->next = j->next;
    else
        api->jobs = j->next;
    if (j->next)
        j->next->prev = j->prev;
    api->n_jobs--;
    job_destroy(j);
}

static void api_timer_cb(uv_timer_t *t);

static void api_timer_ensure(SqlApi *api)
{
    if (!api->timer_on) {
        api->timer_on = 1;
        uv_timer_start(&api->timer, api_timer_cb, SQLAPI_POLL_MS, SQLAPI_POLL_MS);
    }
}

/* Tell the worker how much the connection still holds. */
static void job_measure(SqlJob *j)
{
    size_t unsent = j->x ? http_exchange_pending_bytes(j->x) : 0;
    SqlApi *api = j->api;
    pthread_mutex_lock(&api->mu);
    j->unsent = unsent;
    pthread_cond_broadcast(&j->room);
    pthread_mutex_unlock(&api->mu);
    j->polling = unsent > 0 && j->x;
    if (j->polling)
        api_timer_ensure(api);
}

/* Write what the worker queued; free the job once its worker is done. */
static void job_pump(SqlJob *j)
{
    SqlApi *api = j->api;
    pthread_mutex_lock(&api->mu);
    SqlMsg *m = j->q_head;
    j->q_head = j->q_tail = NULL;
    j->q_bytes = 0;
    int done = j->done;
    pthread_mutex_unlock(&api->mu);
    while (m) {
        SqlMsg *next = m->next;
        HttpHeader h[1] = {{SLICE_LIT("Content-Type"), slice_from_cstr(m->ctype ? m->ctype : JSON_CTYPE)}};
        if (j->x) {
            switch (m->kind) {
            case MSG_RESPOND: {
                Buf b;
                buf_init(&b, 0);
                b.p = m->p, b.len = m->n,
                b.cap = m->n + 1; /* hand the bytes (NUL-terminated) over without a copy */
                m->p = NULL;
                HttpExchange *x = j->x;
                j->x = NULL;
                http_exchange_respond(x, m->status, h, 1, &b);
                buf_fini(&b);
                break;
            }
            case MSG_BEGIN:
                http_exchange_stream_begin(j->x, m->status, h, 1);
                j->streaming = 1;
                break;
            case MSG_DATA:
                /* WEIR_EPROTO: the peer is gone (on_close has marked the job); the data is dropped */
                if (http_exchange_stream_write(j->x, m->p, m->n) == WEIR_ELIMIT)
                    log_warn("sql api: response output over the connection's limit; bytes dropped");
                break;
            case MSG_END: {
                HttpExchange *x = j->x;
                j->x = NULL;
                http_exchange_stream_end(x);
                break;
            }
            case MSG_ABORT: {
                HttpExchange *x = j->x;
                j->x = NULL;
                http_exchange_stream_abort(x);
                break;
            }
            }
        }
        free(m->p);
        free(m);
        m = next;
    }
    if (done) {
        pthread_join(j->thread, NULL);
        if (NEVER(j->x)) {
            /* a worker always ends with RESPOND, END or ABORT */
            HttpExchange *x = j->x;
            j->x = NULL;
            if (j->streaming)
                http_exchange_stream_abort(x);
            else
                sqlapi_respond_error(x, 500, NULL, "XX000", "the query ended without an answer");
        }
        job_free(j);
        return;
    }
    if (j->streaming)
        job_measure(j);
}

static void api_async_cb(uv_async_t *h)
{
    SqlApi *api = h->data;
    pthread_mutex_lock(&api->mu);
    SqlJob *j = api->ready;
    api->ready = NULL;
    for (SqlJob *k = j; k; k = k->ready_next)
        k->queued = 0;
    pthread_mutex_unlock(&api->mu);
    while (j) {
        SqlJob *next = j->ready_next;
        j->ready_next = NULL;
        job_pump(j); /* may free j */
        j = next;
    }
}

static void api_timer_cb(uv_timer_t *t)
{
    SqlApi *api = t->data;
    int need = 0;
    for (SqlJob *j = api->jobs; j; j = j->next) {
        pthread_mutex_lock(&api->mu);
        int gone = j->gone, done = j->done;
        pthread_mutex_unlock(&api->mu);
        if (gone && !done) {
            sql_session_cancel(j->sess); /* again: see the header comment */
            need = 1;
        }
        if (j->polling) {
            job_measure(j);
            need |= j->polling;
        }
    }
    if (!need) {
        uv_timer_stop(&api->timer);
        api->timer_on = 0;
    }
}

/* The exchange's on_close: the client is gone (or the server stops). */
static void job_on_close(void *arg)
{
    SqlJob *j = arg;
    SqlApi *api = j->api;
    pthread_mutex_lock(&api->mu);
    j->gone = 1;
    pthread_cond_broadcast(&j->room);
    pthread_mutex_unlock(&api->mu);
    sql_session_cancel(j->sess);
    api_timer_ensure(api);
}

/* ------------------------------------------------------------------------------------------------
 * The worker
 * ---------------------------------------------------------------------------------------------- */

static int job_is_gone(SqlJob *j)
{
    pthread_mutex_lock(&j->api->mu);
    int g = j->gone;
    pthread_mutex_unlock(&j->api->mu);
    return g;
}

/* Queue a message; with last, also mark the worker done (one critical section: see the header). */
static void job_post(SqlJob *j, int kind, int status, const char *ctype, Buf *body, int last)
{
    SqlMsg *m = xcalloc(1, sizeof(*m));
    m->kind = kind;
    m->status = status;
    m->ctype = ctype;
    if (body && body->len) {
        m->p = buf_steal(body, &m->n);
    }
    SqlApi *api = j->api;
    pthread_mutex_lock(&api->mu);
    if (j->q_tail)
        j->q_tail->next = m;
    else
        j->q_head = m;
    j->q_tail = m;
    j->q_bytes += m->n;
    if (last)
        j->done = 1;
    if (!j->queued) {
        j->queued = 1;
        j->ready_next = api->ready;
        api->ready = j;
    }
    pthread_mutex_unlock(&api->mu);
    uv_async_send(&api->async);
}

/* Hand the output so far to the loop (starting the stream if needed), then wait for room. Returns nonzero
 * when the job is gone. */
static int job_flush(SqlJob *j)
{
    if (!j->begun) {
        job_post(j, MSG_BEGIN, 200, j->csv ? CSV_CTYPE : JSON_CTYPE, NULL, 0);
        j->begun = 1;
    }
    if (j->out.len)
        job_post(j, MSG_DATA, 0, NULL, &j->out, 0);
    SqlApi *api = j->api;
    pthread_mutex_lock(&api->mu);
    while (!j->gone && j->q_bytes + j->unsent > SQLAPI_HIGH_WATER)
        pthread_cond_wait(&j->room, &api->mu);
    int gone = j->gone;
    pthread_mutex_unlock(&api->mu);
    return gone;
}

/* Is the text of a float or numeric one JSON cannot hold as a number? */
static int sqlapi_not_a_number(const uint8_t *p, size_t n)
{
    return n == 0 || p[n - 1] == 'N' || p[n - 1] == 'y'; /* NaN, Infinity, -Infinity */
}

/* One value (row r of v, not NULL) as JSON. */
static int job_json_value(SqlJob *j, const Vec *v, uint32_t r)
{
    Buf *o = &j->out;
    SqlTypeId id = v->type.id;
    if (SQL_IS_ARRAY(id))
        goto text;
    switch (id) {
    case SQL_BOOL:
        return buf_append_cstr(o, v->u.b[r] ? "true" : "false");
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
    case SQL_OID:
        return buf_printf(o, "%lld", (long long)v->u.i[r]);
    case SQL_FLOAT4:
    case SQL_FLOAT8:
    case SQL_NUMERIC: {
        size_t at = o->len;
        int rc = sql_format_text(j->sess, v, r, o);
        if (rc || !sqlapi_not_a_number(o->p + at, o->len - at))
            return rc;
        buf_reset(&j->scratch);
        if ((rc = buf_append(&j->scratch, o->p + at, o->len - at)))
            return rc;
        o->len = at;
        return json_escape_append(o, (const char *)j->scratch.p, j->scratch.len);
    }
    case SQL_JSON:
    case SQL_JSONB:
        return sql_format_text(j->sess, v, r, o); /* already JSON text */
    default:
        break;
    }
text:
    buf_reset(&j->scratch);
    int rc = sql_format_text(j->sess, v, r, &j->scratch);
    if (rc)
        return rc;
    return json_escape_append(o, j->scratch.p ? (const char *)j->scratch.p : "", j->scratch.len);
}

/* A CSV field: quoted when it holds the delimiter, a quote, CR or LF, or is empty (an empty string must
 * differ from NULL, which is written as nothing). */
static int csv_field(Buf *o, const uint8_t *p, size_t n)
{
    int quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n';
    if (!quote)
        return buf_append(o, p, n);
    int rc = buf_append_byte(o, '"');
    size_t start = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (p[i] != '"')
            continue;
        rc = buf_append(o, p + start, i + 1 - start); /* up to and including the quote ... */
        if (!rc)
            rc = buf_append_byte(o, '"'); /* ... which is doubled */
        start = i + 1;
    }
    if (!rc)
        rc = buf_append(o, p + start, n - start);
    return rc ? rc : buf_append_byte(o, '"');
}

/* SqlBatchFn for the last statement. */
static int job_rows_cb(void *arg, const Batch *b)
{
    SqlJob *j = arg;
    for (uint32_t r = 0; r < b->n; r++) {
        int rc = 0;
        if (j->csv) {
            for (uint32_t c = 0; c < b->n_cols && !rc; c++) {
                if (c)
                    rc = buf_append_byte(&j->out, ',');
                if (rc || vec_is_null(&b->cols[c], r))
                    continue;
                buf_reset(&j->scratch);
                rc = sql_format_text(j->sess, &b->cols[c], r, &j->scratch);
                if (!rc)
                    rc = csv_field(&j->out, j->scratch.p, j->scratch.len);
            }
            if (!rc)
                rc = buf_append(&j->out, "\r\n", 2);
        } else {
            rc = buf_append_cstr(&j->out, j->rows ? ",\n[" : "\n[");
            for (uint32_t c = 0; c < b->n_cols && !rc; c++) {
                if (c)
                    rc = buf_append_byte(&j->out, ',');
                if (!rc)
                    rc = vec_is_null(&b->cols[c], r) ? buf_append_cstr(&j->out, "null")
                                                     : job_json_value(j, &b->cols[c], r);
            }
            if (!rc)
                rc = buf_append_byte(&j->out, ']');
        }
        if (rc) {
            sql_error_set(&j->cb_err, "54000", 0, "result row %llu is too large to send",
                          (unsigned long long)j->rows + 1);
            return rc;
        }
        j->rows++;
        if (j->out.len >= SQLAPI_CHUNK && job_flush(j))
            return WEIR_EPROTO;
    }
    return job_is_gone(j) ? WEIR_EPROTO : WEIR_OK;
}

/* SqlBatchFn for statements before the last: their rows are not sent. */
static int job_discard_cb(void *arg, const Batch *b)
{
    UNUSED(b);
    return job_is_gone(arg) ? WEIR_EPROTO : WEIR_OK;
}

/* The head of the answer, once the last statement's columns are known. */
static int job_head(SqlJob *j, const SqlColumn *cols, size_t n)
{
    int rc = 0;
    if (j->csv) {
        for (size_t c = 0; c < n && !rc; c++) {
            if (c)
                rc = buf_append_byte(&j->out, ',');
            if (!rc)
                rc = csv_field(&j->out, (const uint8_t *)cols[c].name, strlen(cols[c].name));
        }
        if (!rc && n)
            rc = buf_append(&j->out, "\r\n", 2);
        return rc;
    }
    rc = buf_append_cstr(&j->out, "{\"columns\":[");
    for (size_t c = 0; c < n && !rc; c++) {
        char tname[128];
        sql_type_format(cols[c].type, tname, sizeof(tname));
        rc = buf_append_cstr(&j->out, c ? ",{\"name\":" : "{\"name\":");
        if (!rc)
            rc = json_escape_append(&j->out, cols[c].name, strlen(cols[c].name));
        if (!rc)
            rc = buf_append_cstr(&j->out, ",\"type\":");
        if (!rc)
            rc = json_escape_append(&j->out, tname, strlen(tname));
        if (!rc)
            rc = buf_append_byte(&j->out, '}');
    }
    if (!rc)
        rc = buf_append_cstr(&j->out, "],\"rows\":[");
    return rc;
}

/* Run every statement; the last one's rows go to j->out. Returns WEIR_OK with tag set, or WEIR_ERROR with
 * err set (or with err empty when the client went away). */
static int job_run_statements(SqlJob *j, char *tag, size_t tag_n, SqlError *err)
{
    size_t *offs = NULL, *lens = NULL;
    int n = sql_split(j->sql, &offs, &lens, err);
    int rc = WEIR_OK;
    if (n < 0) {
        rc = WEIR_ERROR;
    } else if (n == 0) {
        rc = sql_error_set(err, "42601", 0, "the request holds no SQL statement");
    } else if (j->has_params && n > 1) {
        rc = sql_error_set(err, "42601", 0, "cannot insert multiple commands into a prepared statement");
    }
    for (int i = 0; i < n && rc == WEIR_OK; i++) {
        int last = i == n - 1;
        if (job_is_gone(j)) {
            rc = WEIR_ERROR;
            break;
        }
        SqlStmt *st = NULL;
        SqlPortal *p = NULL;
        int done = 0;
        rc = sql_prepare(j->sess, j->sql, offs[i], lens[i], NULL, 0, &st, err);
        if (!rc && sql_stmt_copy_out(st) >= 0) /* CopyOut is the PostgreSQL protocol's; a file works here */
            rc = sql_error_set(err, "0A000", 0,
                               "COPY TO STDOUT needs the PostgreSQL protocol (psql's \\copy); over HTTP, COPY to a file "
                               "or run the query");
        if (!rc)
            rc = sql_bind(st, j->params, last ? j->n_params : 0, &p, err);
        if (!rc && last && job_head(j, sql_stmt_columns(st), sql_stmt_n_columns(st)))
            rc = sql_error_set(err, "53200", 0, "out of memory");
        if (!rc) {
            rc = sql_portal_fetch(p, 0, last ? job_rows_cb : job_discard_cb, j, &done, err);
            if (rc && j->cb_err.sqlstate[0])
                *err =
                    j->cb_err; /* the callback's own failure is the cause, not what the engine made of it */
            else if (rc && job_is_gone(j))
                memset(err, 0, sizeof(*err));
            if (!rc && last)
                snprintf(tag, tag_n, "%s", sql_portal_command_tag(p));
        }
        sql_portal_destroy(&p);
        sql_stmt_destroy(&st);
    }
    free(offs);
    free(lens);
    return rc;
}

static void *job_main(void *arg)
{
    SqlJob *j = arg;
    char tag[64] = "";
    SqlError err;
    memset(&err, 0, sizeof(err));
    int rc = job_run_statements(j, tag, sizeof(tag), &err);
    if (rc == WEIR_OK) {
        int brc = 0;
        if (!j->csv) {
            brc = buf_append_cstr(&j->out, j->rows ? "\n],\"command\":" : "],\"command\":");
            if (!brc)
                brc = json_escape_append(&j->out, tag, strlen(tag));
            if (!brc)
                brc = buf_append_cstr(&j->out, "}\n");
        }
        if (brc) {
            rc = sql_error_set(&err, "53200", 0, "out of memory");
        } else if (!j->begun) {
            job_post(j, MSG_RESPOND, 200, j->csv ? CSV_CTYPE : JSON_CTYPE, &j->out, 1);
        } else {
            if (j->out.len)
                job_post(j, MSG_DATA, 0, NULL, &j->out, 0);
            job_post(j, MSG_END, 0, NULL, NULL, 1);
        }
    }
    if (rc != WEIR_OK) {
        if (!err.sqlstate[0])
            sql_error_set(&err, "57014", 0, "canceling statement due to user request"); /* the client left */
        if (!j->begun) {
            buf_reset(&j->out);
            if (sqlapi_error_json(&j->out, &err))
                weir_panic("sql api: error body");
            job_post(j, MSG_RESPOND, sqlapi_status(err.sqlstate), JSON_CTYPE, &j->out, 1);
        } else {
            /* rows were sent with status 200 already: say what happened after them, then break the stream
             * off so no client mistakes the rows for a whole answer */
            if (!j->csv) {
                buf_reset(&j->out);
                if (!buf_append_cstr(&j->out, j->rows ? "\n],\"error\":" : "],\"error\":")) {
                    JsonOut o;
                    jo_init(&o, &j->out);
                    sqlapi_error_obj(&o, &err);
                    if (!o.rc && !buf_append_cstr(&j->out, "}\n"))
                        job_post(j, MSG_DATA, 0, NULL, &j->out, 0);
                }
            }
            job_post(j, MSG_ABORT, 0, NULL, NULL, 1);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Requests (loop thread)
 * ---------------------------------------------------------------------------------------------- */

/* The media type of a header value ("application/json; charset=utf-8" -> "application/json"), lower
 * case, into out. */
static void media_type(Slice v, char *out, size_t cap)
{
    size_t i = 0, k = 0;
    while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t'))
        i++;
    for (; i < v.n && v.p[i] != ';' && v.p[i] != ' ' && v.p[i] != '\t' && k + 1 < cap; i++)
        out[k++] = (char)(v.p[i] >= 'A' && v.p[i] <= 'Z' ? v.p[i] + 32 : v.p[i]);
    out[k] = '\0';
}

/* Accept: CSV when text/csv is listed and application/json is not listed before it. */
static int accept_wants_csv(const Slice *accept)
{
    if (!accept)
        return 0;
    size_t i = 0;
    while (i < accept->n) {
        size_t e = i;
        while (e < accept->n && accept->p[e] != ',')
            e++;
        char mt[64];
        media_type((Slice){accept->p + i, e - i}, mt, sizeof(mt));
        if (!strcmp(mt, "text/csv"))
            return 1;
        if (!strcmp(mt, "application/json"))
            return 0;
        i = e + 1;
    }
    return 0;
}

/* "json" or "csv" (any case) -> 0 / 1; -1 otherwise. */
static int format_code(const char *p, size_t n)
{
    if (n == 4 && !strncasecmp(p, "json", 4))
        return 0;
    if (n == 3 && !strncasecmp(p, "csv", 3))
        return 1;
    return -1;
}

/* ?format=... in the request target: 0 json, 1 csv, -1 not given, -2 bad value. */
static int query_format(Slice target)
{
    const uint8_t *q = memchr(target.p, '?', target.n);
    if (!q)
        return -1;
    size_t i = (size_t)(q - target.p) + 1;
    int fmt = -1;
    while (i < target.n) {
        size_t e = i;
        while (e < target.n && target.p[e] != '&')
            e++;
        if (e - i >= 7 && !memcmp(target.p + i, "format=", 7)) {
            fmt = format_code((const char *)target.p + i + 7, e - i - 7);
            if (fmt < 0)
                return -2;
        }
        i = e + 1;
    }
    return fmt;
}

/* PostgreSQL's message for text that is not UTF-8 (or holds a NUL, which its text cannot): 22021 with the
 * bytes of the offending sequence, as many as its first byte announces (report_invalid_encoding). Returns
 * 0 when p is fine. */
static int utf8_problem(const uint8_t *p, size_t n, char *msg, size_t cap)
{
    for (size_t i = 0; i < n;) {
        size_t l = p[i] && p[i] < 0x80 ? 1 : p[i] ? utf8_seq_len(p + i, n - i) : 0;
        if (l) {
            i += l;
            continue;
        }
        uint8_t c = p[i];
        size_t want = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
        size_t have = n - i < want ? n - i : want;
        size_t k = (size_t)snprintf(msg, cap, "%s for encoding \"UTF8\":",
                                    have < want ? "incomplete multibyte character" : "invalid byte sequence");
        for (size_t b = 0; b < have && k < cap; b++)
            k += (size_t)snprintf(msg + k, cap - k, " 0x%02x", p[i + b]);
        return 1;
    }
    return 0;
}

/* A JSON parameter's text form; NULL for JSON null. Caller frees. */
static char *param_text(json_t *v)
{
    char tmp[64];
    switch (json_typeof(v)) {
    case JSON_NULL:
        return NULL;
    case JSON_TRUE:
        return xstrdup("true");
    case JSON_FALSE:
        return xstrdup("false");
    case JSON_STRING: {
        size_t n = json_string_length(v);
        char *s = xmalloc(n + 1);
        memcpy(s, json_string_value(v), n);
        s[n] = '\0';
        return s;
    }
    case JSON_INTEGER:
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return xstrdup(tmp);
    case JSON_REAL: {
        /* the shortest text that reads back as the same double: 0.1 stays "0.1", not 0.10000000000000001 */
        double d = json_real_value(v);
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
            if (strtod(tmp, NULL) == d)
                break;
        }
        return xstrdup(tmp);
    }
    default: {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        char *c = xstrdup(s ? s : "null");
        free(s);
        return c;
    }
    }
}

/* Fill j from a JSON body. Returns 0, or -1 after answering x with the problem. */
static int parse_json_body(SqlJob *j, HttpExchange *x, const HttpRequest *req, int *fmt)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)req->body, req->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        sqlapi_respond_error(x, 400, NULL, "08P01",
                             "the request body is not valid JSON: %s (line %d, column %d)", je.text, je.line,
                             je.column);
        return -1;
    }
    int rc = -1;
    const char *key;
    json_t *v;
    if (!json_is_object(root)) {
        sqlapi_respond_error(
            x, 400, NULL, "08P01",
            "the JSON request body must be an object: {\"sql\": \"...\", \"params\": [...]}");
        goto out;
    }
    json_object_foreach(root, key, v)
    {
        if (strcmp(key, "sql") && strcmp(key, "params") && strcmp(key, "format")) {
            sqlapi_respond_error(
                x, 400, NULL, "08P01",
                "unknown key \"%.64s\" in the request body (expected \"sql\", \"params\", \"format\")", key);
            goto out;
        }
    }
    json_t *sql = json_object_get(root, "sql");
    if (!json_is_string(sql)) {
        sqlapi_respond_error(x, 400, NULL, "08P01", "the JSON request body needs \"sql\": a string");
        goto out;
    }
    j->sql = xstrdup(json_string_value(sql)); /* jansson refuses \u0000 and checks UTF-8 */
    json_t *f = json_object_get(root, "format");
    if (f && !json_is_null(f)) {
        int c = json_is_string(f) ? format_code(json_string_value(f), json_string_length(f)) : -1;
        if (c < 0) {
            sqlapi_respond_error(x, 400, NULL, "08P01", "\"format\" must be \"json\" or \"csv\"");
            goto out;
        }
        if (*fmt < 0)
            *fmt = c; /* ?format= in the URL wins */
    }
    json_t *ps = json_object_get(root, "params");
    if (ps && !json_is_null(ps)) {
        if (!json_is_array(ps)) {
            sqlapi_respond_error(x, 400, NULL, "08P01", "\"params\" must be an array");
            goto out;
        }
        size_t n = json_array_size(ps);
        if (n > 65535) {
            sqlapi_respond_error(x, 400, NULL, "54000", "too many parameters: %zu (at most 65535)", n);
            goto out;
        }
        j->has_params = 1;
        j->n_params = n;
        j->params = xcalloc(n ? n : 1, sizeof(SqlParam));
        j->param_text = xcalloc(n ? n : 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            char *t = param_text(json_array_get(ps, i));
            j->param_text[i] = t;
            j->params[i].format = 0;
            if (!t) {
                j->params[i].len = -1;
                continue;
            }
            size_t l = strlen(t);
            if (l > INT32_MAX) {
                sqlapi_respond_error(x, 400, NULL, "54000", "parameter $%zu is too long", i + 1);
                goto out;
            }
            j->params[i].p = (const uint8_t *)t;
            j->params[i].len = (int32_t)l;
        }
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

void sql_api_handle(SqlApi *api, HttpExchange *x)
{
    const HttpRequest *req = http_exchange_request(x);
    if (!slice_eq_cstr(req->method, "POST")) {
        HttpHeader allow = {SLICE_LIT("Allow"), SLICE_LIT("POST")};
        sqlapi_respond_error(x, 405, &allow, "08P01",
                             "/sql takes POST, with the SQL text (or a JSON object) as the request body");
        return;
    }
    if (!api || !api->eng) {
        sqlapi_respond_error(x, 503, NULL, "57P03", "the SQL engine is not running on this server");
        return;
    }
    int fmt = query_format(req->target);
    if (fmt == -2) {
        sqlapi_respond_error(x, 400, NULL, "08P01", "format must be json or csv");
        return;
    }
    char ctype[64] = "";
    const Slice *ct = http_request_header(req, "content-type");
    if (ct)
        media_type(*ct, ctype, sizeof(ctype));
    SqlJob *j = xcalloc(1, sizeof(*j));
    j->api = api;
    buf_init(&j->out, SQLAPI_OUT_MAX);
    buf_init(&j->scratch, SQLAPI_OUT_MAX);
    pthread_cond_init(&j->room, NULL);
    if (!strcmp(ctype, "application/json")) {
        if (parse_json_body(j, x, req, &fmt))
            goto fail;
    } else if (!ct || !strcmp(ctype, "text/plain") || !strcmp(ctype, "application/sql") ||
               !strcmp(ctype, "application/x-www-form-urlencoded")) {
        char msg[128];
        if (utf8_problem(req->body, req->body_len, msg, sizeof(msg))) {
            sqlapi_respond_error(x, 400, NULL, "22021", "%s", msg);
            goto fail;
        }
        j->sql = xmalloc(req->body_len + 1);
        memcpy(j->sql, req->body, req->body_len);
        j->sql[req->body_len] = '\0';
    } else {
        sqlapi_respond_error(
            x, 415, NULL, "08P01",
            "unsupported Content-Type \"%s\": send the SQL as text/plain or application/sql, or "
            "{\"sql\": ...} as application/json",
            ctype);
        goto fail;
    }
    j->csv = fmt >= 0 ? fmt : accept_wants_csv(http_request_header(req, "accept"));
    if (api->n_jobs >= api->max_queries) {
        HttpHeader retry = {SLICE_LIT("Retry-After"), SLICE_LIT("1")};
        sqlapi_respond_error(x, 429, &retry, "53300", "too many SQL queries running on the HTTP port (%d)",
                             api->max_queries);
        goto fail;
    }
    j->sess = sql_session_create(api->eng, "http", "weir");
    sql_session_set_defaults(j->sess);
    j->x = x;
    http_exchange_on_close(x, job_on_close, j);
    int prc = pthread_create(&j->thread, NULL, job_main, j);
    if (prc) {
        http_exchange_on_close(x, NULL, NULL);
        j->x = NULL;
        sqlapi_respond_error(x, 503, NULL, "53000", "could not start a thread for the query: %s",
                             strerror(prc));
        goto fail;
    }
    j->next = api->jobs;
    if (api->jobs)
        api->jobs->prev = j;
    api->jobs = j;
    api->n_jobs++;
    return;
fail:
    job_destroy(j); /* it never ran: not on the list, no thread */
}

/* ------------------------------------------------------------------------------------------------
 * Lifetime
 * ---------------------------------------------------------------------------------------------- */

int sql_api_create(const SqlApiConfig *cfg, SqlApi **out, Err *e)
{
    *out = NULL;
    SqlApi *api = xcalloc(1, sizeof(*api));
    api->loop = cfg->loop;
    api->eng = cfg->eng;
    api->max_queries = cfg->max_queries > 0 ? cfg->max_queries : SQLAPI_DEFAULT_MAX;
    pthread_mutex_init(&api->mu, NULL);
    int rc = uv_async_init(cfg->loop, &api->async, api_async_cb);
    if (rc) {
        pthread_mutex_destroy(&api->mu);
        free(api);
        return err_set(e, WEIR_EIO, "sql api: %s", uv_strerror(rc));
    }
    api->async.data = api;
    uv_timer_init(cfg->loop, &api->timer);
    api->timer.data = api;
    api->n_handles = 2;
    *out = api;
    return WEIR_OK;
}

static void api_handle_closed(uv_handle_t *h)
{
    SqlApi *api = h->data;
    if (--api->n_handles == 0) {
        pthread_mutex_destroy(&api->mu);
        free(api);
    }
}

void sql_api_stop(SqlApi **pa)
{
    if (!pa || !*pa)
        return;
    SqlApi *api = *pa;
    *pa = NULL;
    /* Every job's worker: stop it, wait until it queued its last message, then write that (to an orphaned
     * exchange, normally: the HTTP server is stopped first) and free the job. The cancel is repeated while
     * waiting because a statement that starts after it would clear it (see the header comment). */
    while (api->jobs) {
        SqlJob *j = api->jobs;
        for (;;) {
            pthread_mutex_lock(&api->mu);
            j->gone = 1;
            pthread_cond_broadcast(&j->room);
            int done = j->done;
            pthread_mutex_unlock(&api->mu);
            if (done)
                break;
            sql_session_cancel(j->sess);
            uv_sleep(1);
        }
        pthread_mutex_lock(&api->mu);
        /* it may still be on the ready list: take it off, job_pump runs now */
        for (SqlJob **pp = &api->ready; *pp; pp = &(*pp)->ready_next)
            if (*pp == j) {
                *pp = j->ready_next;
                break;
            }
        j->queued = 0;
        pthread_mutex_unlock(&api->mu);
        job_pump(j); /* done: frees j */
    }
    uv_timer_stop(&api->timer);
    uv_close((uv_handle_t *)&api->timer, api_handle_closed);
    uv_close((uv_handle_t *)&api->async, api_handle_closed);
}
