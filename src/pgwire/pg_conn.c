/*
 * pg_conn.c: the PostgreSQL protocol 3.0 state machine of one connection (see pg_conn.h), following
 * PostgreSQL 15's postmaster.c (ProcessStartupPacket) and postgres.c (PostgresMain, exec_*_message)
 * message by message, including their error texts and SQLSTATEs.
 *
 * INTERFACE ROUTINES
 *   pg_conn_create / pg_conn_destroy    lifetime
 *   pg_conn_feed                        bytes in -> messages processed -> bytes out via cfg.send
 *   pg_conn_eof, pg_conn_terminate      the end
 *   pg_conn_cancel                      from another thread
 *
 * Transitions:
 *   STARTUP --SSLRequest/GSSENCRequest--> STARTUP (answered 'N'; once each; FATAL if more bytes were
 *           already buffered behind the request: they were sent before the answer, unencrypted)
 *   STARTUP --CancelRequest--> DONE (cancel_request hook, no reply)
 *   STARTUP --startup packet 3.x--> [NegotiateProtocolVersion] AuthenticationOk, session settings,
 *           ParameterStatus..., BackendKeyData, ReadyForQuery --> READY
 *   STARTUP --bad length, bad layout, protocol 2 or 4+, no user, too many clients, bad setting--> DONE
 *   READY   --Query--> rows... ReadyForQuery --> READY
 *   READY   --Parse/Bind/Describe/Execute/Close/Flush--> READY, or READY+skipping after an error
 *   READY+skipping --anything but Sync--> dropped
 *   READY(+skipping) --Sync--> ReadyForQuery --> READY
 *   any     --Terminate, unknown message type, bad length, send failure--> DONE
 *
 * Output is buffered in c->out, whole messages only, and sent when PostgreSQL would flush: at
 * ReadyForQuery, at Flush, after every ErrorResponse, and whenever a streaming result passes
 * cfg.flush_at bytes. Between those a client that pipelines Parse/Bind/Execute sees nothing, exactly
 * as with PostgreSQL.
 *
 * Statements and portals: named ones live in linked lists keyed by name ("" is the unnamed one).
 * The engine requires a portal to be destroyed before its statement, while the protocol allows closing
 * a statement whose portals are still open; so a PgStmt is reference counted (one for the name, one
 * per portal) and the SqlStmt is destroyed with the last reference. Portals end at Close, when a Bind
 * replaces the unnamed one, and at the end of the transaction (ReadyForQuery with status 'I'), since
 * PostgreSQL's protocol-level portals are not holdable.
 */
#include "pgwire/pg_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/log.h"
#include "exec/vec.h"
#include "pgwire/pg_msg.h"

#define PG_DEFAULT_MAX_MESSAGE ((size_t)64 << 20)
#define PG_DEFAULT_FLUSH_AT ((size_t)64 << 10)

typedef struct PgStmt {
    struct PgStmt *next;
    char *name;
    SqlStmt *st; /* NULL for an empty query string */
    int refs;    /* 1 while named in c->stmts, + 1 per portal */
} PgStmt;

typedef struct PgPortal {
    struct PgPortal *next;
    char *name;
    PgStmt *stmt;
    SqlPortal *portal; /* NULL for an empty query string */
    int16_t *formats;  /* one result format code per column */
    size_t n_cols;
    int is_done; /* ran to completion: tag holds the CommandComplete tag */
    int copy_started; /* COPY TO STDOUT: CopyOutResponse sent */
    char tag[64];
} PgPortal;

struct PgConn {
    PgConnConfig cfg;
    const PgEngineOps *ops;
    int state;
    int ssl_done, gss_done;
    int skipping; /* PostgreSQL's ignore_till_sync */
    int broken;   /* the peer is gone: nothing more is sent */
    Buf in;
    size_t in_off;
    Buf out;
    Arena *msg; /* scratch for one message, reset after it */
    SqlSession *sess;
    char user[PG_NAMEDATALEN];
    char database[PG_NAMEDATALEN];
    PgStmt *stmts;
    PgPortal *portals;
};

/* ---------------------------------------------------------------------------------------------- */
/* output                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void conn_flush(PgConn *c)
{
    if (c->out.len && !c->broken && c->cfg.send(c->cfg.send_arg, c->out.p, c->out.len)) {
        c->broken = 1;
        c->state = PG_CONN_DONE;
    }
    buf_reset(&c->out);
}

/* Keep the output buffer small while a result streams. */
static void conn_maybe_flush(PgConn *c)
{
    if (c->out.len >= c->cfg.flush_at)
        conn_flush(c);
}

/* Appending a small control message can only fail if the buffer is at its maximum, which flushing at
 * flush_at prevents; a failure is logged and the message dropped rather than hidden. */
static void conn_check_put(PgConn *c, int rc, const char *what)
{
    if (rc) {
        log_warn("pgwire: could not buffer %s (%s)", what, err_code_name(rc));
        c->state = PG_CONN_DONE;
    }
}

static void conn_send_error(PgConn *c, const SqlError *e)
{
    conn_check_put(c, pg_msg_put_error(&c->out, 'E', e), "ErrorResponse");
    /* send_message_to_frontend flushes every error, so a client sees it even without Sync. */
    conn_flush(c);
}

/* The NOTICE the statement just run raised, if any (before its CommandComplete, as PostgreSQL). */
static void conn_send_notice(PgConn *c)
{
    SqlError n;
    if (c->ops->session_take_notice && c->sess && c->ops->session_take_notice(c->sess, &n))
        conn_check_put(c, pg_msg_put_error(&c->out, 'N', &n), "NoticeResponse");
}

static void conn_fatal(PgConn *c, const SqlError *e)
{
    SqlError f = *e;
    snprintf(f.severity, sizeof(f.severity), "FATAL");
    conn_send_error(c, &f);
    c->state = PG_CONN_DONE;
}

static void conn_fatal_msg(PgConn *c, const char *sqlstate, const char *msg)
{
    SqlError e;
    pg_error_make(&e, "FATAL", sqlstate, "%s", msg);
    conn_fatal(c, &e);
}

/* ---------------------------------------------------------------------------------------------- */
/* statements and portals                                                                          */
/* ---------------------------------------------------------------------------------------------- */

static void stmt_unref(PgConn *c, PgStmt *s)
{
    if (--s->refs > 0)
        return;
    if (s->st)
        c->ops->stmt_destroy(&s->st);
    free(s->name);
    free(s);
}

static PgStmt *stmt_find(PgConn *c, const char *name)
{
    for (PgStmt *s = c->stmts; s; s = s->next)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}

/* Remove a statement from the name list (its portals may keep it alive). */
static void stmt_close(PgConn *c, const char *name)
{
    for (PgStmt **pp = &c->stmts; *pp; pp = &(*pp)->next) {
        if (!strcmp((*pp)->name, name)) {
            PgStmt *s = *pp;
            *pp = s->next;
            stmt_unref(c, s);
            return;
        }
    }
}

static void portal_free(PgConn *c, PgPortal *p)
{
    if (p->portal)
        c->ops->portal_destroy(&p->portal);
    stmt_unref(c, p->stmt);
    free(p->formats);
    free(p->name);
    free(p);
}

static PgPortal *portal_find(PgConn *c, const char *name)
{
    for (PgPortal *p = c->portals; p; p = p->next)
        if (!strcmp(p->name, name))
            return p;
    return NULL;
}

static void portal_close(PgConn *c, const char *name)
{
    for (PgPortal **pp = &c->portals; *pp; pp = &(*pp)->next) {
        if (!strcmp((*pp)->name, name)) {
            PgPortal *p = *pp;
            *pp = p->next;
            portal_free(c, p);
            return;
        }
    }
}

static void portal_close_all(PgConn *c)
{
    while (c->portals) {
        PgPortal *p = c->portals;
        c->portals = p->next;
        portal_free(c, p);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* result rows                                                                                     */
/* ---------------------------------------------------------------------------------------------- */

typedef struct RowSink {
    PgConn *c;
    const int16_t *formats; /* NULL: all text */
    size_t n_formats;
    uint64_t n_rows;
    SqlError err; /* set when the sink itself failed (sqlstate non-empty) */
} RowSink;

/* One DataRow per row of the batch: built whole in c->out (length words patched after each value is
 * formatted in place, which saves a copy per value), and sent whenever c->out passes flush_at. */
static int conn_rows_cb(void *arg, const Batch *b)
{
    RowSink *rs = arg;
    PgConn *c = rs->c;
    if (c->broken)
        return WEIR_EIO;
    for (uint32_t r = 0; r < b->n; r++) {
        size_t start = c->out.len;
        PgMsgWriter w;
        pg_msg_begin(&w, &c->out, 'D');
        pg_msg_put_int16(&w, (int16_t)b->n_cols);
        for (uint32_t i = 0; i < b->n_cols && !w.rc; i++) {
            const Vec *v = &b->cols[i];
            if (vec_is_null(v, r)) {
                pg_msg_put_int32(&w, -1);
                continue;
            }
            size_t len_at = c->out.len;
            pg_msg_put_int32(&w, 0);
            if (w.rc)
                break;
            int binary = rs->formats && i < rs->n_formats && rs->formats[i] == 1;
            w.rc = binary ? c->ops->format_binary(c->sess, v, r, &c->out)
                          : c->ops->format_text(c->sess, v, r, &c->out);
            if (w.rc)
                break;
            size_t vlen = c->out.len - len_at - 4;
            if (vlen > INT32_MAX) {
                w.rc = WEIR_ELIMIT;
                break;
            }
            uint8_t *lp = c->out.p + len_at;
            lp[0] = (uint8_t)(vlen >> 24);
            lp[1] = (uint8_t)(vlen >> 16);
            lp[2] = (uint8_t)(vlen >> 8);
            lp[3] = (uint8_t)vlen;
        }
        int rc = pg_msg_end(&w);
        if (rc) {
            c->out.len = start;
            if (rc == WEIR_ELIMIT) {
                pg_error_make(&rs->err, NULL, "54000", "result row too large to send");
                snprintf(rs->err.detail, sizeof(rs->err.detail), "A DataRow message would exceed %zu bytes.",
                         c->out.max);
            } else {
                pg_error_make(&rs->err, NULL, "XX000", "could not format a result value (%s)",
                              err_code_name(rc));
            }
            return rc;
        }
        rs->n_rows++;
        conn_maybe_flush(c);
        if (c->broken)
            return WEIR_EIO;
    }
    return WEIR_OK;
}

/* COPY ... TO STDOUT: each row of the batch (one text column: a line) as one CopyData message. */
static int conn_copy_rows_cb(void *arg, const Batch *b)
{
    RowSink *rs = arg;
    PgConn *c = rs->c;
    if (c->broken)
        return WEIR_EIO;
    for (uint32_t r = 0; r < b->n; r++) {
        const Slice *line = &b->cols[0].u.s[r];
        PgMsgWriter w;
        pg_msg_begin(&w, &c->out, 'd');
        pg_msg_put_bytes(&w, line->p, line->n);
        int rc = pg_msg_end(&w);
        if (rc) {
            pg_error_make(&rs->err, NULL, "54000", "COPY line too large to send");
            return rc;
        }
        conn_maybe_flush(c);
        if (c->broken)
            return WEIR_EIO;
    }
    return WEIR_OK;
}

/* COPY ... TO STDOUT's CopyOutResponse: text format, n_cols columns. */
static void conn_copy_out_begin(PgConn *c, int n_cols)
{
    PgMsgWriter w;
    pg_msg_begin(&w, &c->out, 'H');
    pg_msg_put_byte(&w, 0);
    pg_msg_put_int16(&w, (int16_t)n_cols);
    for (int i = 0; i < n_cols; i++)
        pg_msg_put_int16(&w, 0);
    conn_check_put(c, pg_msg_end(&w), "CopyOutResponse");
}

/* Run a portal for up to max_rows rows (0: all). Returns WEIR_OK with *done, or an error in *e. */
static int conn_run_portal(PgConn *c, PgPortal *p, uint64_t max_rows, int *done, SqlError *e)
{
    RowSink rs;
    memset(&rs, 0, sizeof(rs));
    rs.c = c;
    rs.formats = p->formats;
    rs.n_formats = p->n_cols;
    *done = 0;
    memset(e, 0, sizeof(*e));
    int copy_cols = c->ops->stmt_copy_out && p->stmt && p->stmt->st ? c->ops->stmt_copy_out(p->stmt->st) : -1;
    if (copy_cols >= 0 && !p->copy_started) {
        conn_copy_out_begin(c, copy_cols);
        p->copy_started = 1;
    }
    int rc = c->ops->portal_fetch(p->portal, max_rows, copy_cols >= 0 ? conn_copy_rows_cb : conn_rows_cb, &rs, done,
                                  e);
    if (rc == WEIR_OK && *done && copy_cols >= 0)
        conn_check_put(c, pg_msg_put_empty(&c->out, 'c'), "CopyDone");
    if (rc) {
        if (rs.err.sqlstate[0])
            *e = rs.err; /* our own failure is the real cause, not what the engine made of it */
        else if (!e->sqlstate[0])
            pg_error_make(e, NULL, "XX000", "query failed without an error message");
        return WEIR_ERROR;
    }
    if (*done) {
        const char *tag = c->ops->portal_command_tag(p->portal);
        if (p->n_cols && tag && !strncmp(tag, "SELECT ", 7)) {
            /* PostgreSQL's SELECT tag counts the rows this Execute sent, not the portal's total: after
             * Execute(2), Execute(2) on three rows the second one says "SELECT 1". */
            snprintf(p->tag, sizeof(p->tag), "SELECT %llu", (unsigned long long)rs.n_rows);
        } else {
            snprintf(p->tag, sizeof(p->tag), "%s", tag ? tag : "");
        }
        p->is_done = 1;
    }
    return WEIR_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* ReadyForQuery                                                                                   */
/* ---------------------------------------------------------------------------------------------- */

static void conn_param_status_cb(void *arg, const char *name, const char *value)
{
    PgConn *c = arg;
    conn_check_put(c, pg_msg_put_parameter_status(&c->out, name, value), "ParameterStatus");
}

static void conn_ready(PgConn *c)
{
    char st = c->ops->session_txn_status(c->sess);
    if (st == 'I')
        portal_close_all(c); /* the (implicit) transaction ended: its portals go with it */
    /* PostgreSQL 14+ reports changed GUC_REPORT settings once, just before ReadyForQuery. */
    c->ops->session_take_changes(c->sess, conn_param_status_cb, c);
    conn_check_put(c, pg_msg_put_ready(&c->out, st), "ReadyForQuery");
    conn_flush(c);
}

/* ---------------------------------------------------------------------------------------------- */
/* startup                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

/* PostgreSQL truncates user and database names to NAMEDATALEN - 1 bytes. */
static void copy_name(char *dst, const char *src)
{
    size_t n = strlen(src);
    if (n >= PG_NAMEDATALEN)
        n = PG_NAMEDATALEN - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int conn_set(PgConn *c, const char *name, const char *value)
{
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (c->ops->session_set(c->sess, name, value, &e)) {
        if (!e.sqlstate[0])
            pg_error_make(&e, NULL, "22023", "invalid value for parameter \"%s\": \"%s\"", name, value);
        conn_fatal(c, &e);
        return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* ParseLongOption: "name=value", with '-' in the name read as '_'. */
static int conn_set_long_option(PgConn *c, const char *opt, int dashdash)
{
    const char *eq = strchr(opt, '=');
    if (!eq) {
        SqlError e;
        pg_error_make(&e, "FATAL", "42601", dashdash ? "--%s requires a value" : "-c %s requires a value",
                      opt);
        conn_fatal(c, &e);
        return WEIR_ERROR;
    }
    size_t nl = (size_t)(eq - opt);
    char *name = arena_alloc(c->msg, nl + 1);
    for (size_t i = 0; i < nl; i++)
        name[i] = opt[i] == '-' ? '_' : opt[i];
    name[nl] = '\0';
    return conn_set(c, name, eq + 1);
}

/* The startup packet's "options": command-line switches split on whitespace, a backslash escaping
 * the next character (pg_split_opts). weir takes the two forms that set parameters, -c name=value and
 * --name=value, and refuses the other postgres switches as PostgreSQL refuses unknown ones. */
static int conn_apply_options(PgConn *c, const char *opts)
{
    size_t n = strlen(opts);
    char **argv = arena_alloc(c->msg, (n / 2 + 2) * sizeof(char *));
    char *buf = arena_alloc(c->msg, n + 1);
    size_t argc = 0, bi = 0;
    const char *p = opts;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')
            p++;
        if (!*p)
            break;
        argv[argc++] = buf + bi;
        while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v')) {
            if (*p == '\\' && p[1])
                p++;
            buf[bi++] = *p++;
        }
        buf[bi++] = '\0';
    }
    for (size_t i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            if (conn_set_long_option(c, a + 2, 1))
                return WEIR_ERROR;
        } else if (a[0] == '-' && a[1] == 'c' && a[2]) {
            if (conn_set_long_option(c, a + 2, 0))
                return WEIR_ERROR;
        } else if (a[0] == '-' && a[1] == 'c' && !a[2] && i + 1 < argc) {
            if (conn_set_long_option(c, argv[++i], 0))
                return WEIR_ERROR;
        } else {
            SqlError e;
            pg_error_make(&e, "FATAL", "42601", "invalid command-line argument for server process: %s", a);
            snprintf(e.hint, sizeof(e.hint), "Try \"postgres --help\" for more information.");
            conn_fatal(c, &e);
            return WEIR_ERROR;
        }
    }
    return WEIR_OK;
}

/* parse_bool as ProcessStartupPacket uses it for "replication": 1 true, 0 false, -1 neither. Any
 * prefix of true/false/yes/no, on/off with at least two letters, 1 and 0. */
static int startup_bool(const char *v)
{
    size_t n = strlen(v);
    if (!n)
        return -1;
    if (!strncasecmp(v, "true", n) || !strncasecmp(v, "yes", n) || (n >= 2 && !strncasecmp(v, "on", n)) ||
        !strcmp(v, "1"))
        return 1;
    if (!strncasecmp(v, "false", n) || !strncasecmp(v, "no", n) || (n >= 2 && !strncasecmp(v, "off", n)) ||
        !strcmp(v, "0"))
        return 0;
    return -1;
}

static void conn_ignore_change_cb(void *arg, const char *name, const char *value)
{
    UNUSED(arg);
    UNUSED(name);
    UNUSED(value);
}

static void conn_startup(PgConn *c, const PgFrame *f, int more_buffered)
{
    PgStartup su;
    SqlError e;
    if (pg_msg_startup_parse(f->body, f->body_len, &su, &e)) {
        conn_fatal(c, &e);
        return;
    }
    if (su.kind == PG_STARTUP_CANCEL) {
        /* No reply, ever: the requester learns nothing about which keys exist. */
        if (c->cfg.cancel_request)
            c->cfg.cancel_request(c->cfg.hook_arg, su.cancel_pid, su.cancel_key);
        c->state = PG_CONN_DONE;
        return;
    }
    if ((su.kind == PG_STARTUP_SSL && !c->ssl_done) || (su.kind == PG_STARTUP_GSSENC && !c->gss_done)) {
        int ssl = su.kind == PG_STARTUP_SSL;
        if (ssl)
            c->ssl_done = 1;
        else
            c->gss_done = 1;
        conn_check_put(c, buf_append_byte(&c->out, 'N'), "'N'");
        conn_flush(c);
        if (more_buffered) {
            /* Bytes that arrived before our answer were sent in the clear; with TLS they could have been
             * injected by a man in the middle. PostgreSQL refuses them (CVE-2021-23214), and so do we. */
            pg_error_make(&e, "FATAL", "08P01",
                          ssl ? "received unencrypted data after SSL request"
                              : "received unencrypted data after GSSAPI encryption request");
            snprintf(
                e.detail, sizeof(e.detail),
                "This could be either a client-software bug or evidence of an attempted man-in-the-middle "
                "attack.");
            conn_fatal(c, &e);
        }
        return;
    }
    uint32_t major = su.version >> 16, minor = su.version & 0xFFFF;
    if (major < 3) {
        /* The client speaks protocol 2, so it gets the error in protocol 2's form: 'E', text, NUL. */
        char msg[160];
        int n = snprintf(msg, sizeof(msg),
                         "EFATAL:  unsupported frontend protocol %u.%u: server supports 3.0 to 3.0\n", major,
                         minor);
        conn_check_put(c, buf_append(&c->out, msg, (size_t)n + 1), "protocol 2 error");
        conn_flush(c);
        c->state = PG_CONN_DONE;
        return;
    }
    if (major > 3) {
        pg_error_make(&e, "FATAL", "0A000", "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
                      major, minor);
        conn_fatal(c, &e);
        return;
    }
    const char *user = "", *database = "", *options = NULL;
    size_t n_pq = 0, pos = 0;
    const char *name, *value;
    while (pg_msg_startup_next(&su, &pos, &name, &value)) {
        if (!strcmp(name, "user"))
            user = value;
        else if (!strcmp(name, "database"))
            database = value;
        else if (!strcmp(name, "options"))
            options = value;
        else if (!strcmp(name, "replication")) {
            if (strcmp(value, "database") && startup_bool(value) < 0) {
                pg_error_make(&e, "FATAL", "22023", "invalid value for parameter \"replication\": \"%s\"",
                              value);
                snprintf(e.hint, sizeof(e.hint),
                         "Valid values are: \"false\", 0, \"true\", 1, \"database\".");
                conn_fatal(c, &e);
                return;
            }
            if (!strcmp(value, "database") || startup_bool(value) == 1) {
                conn_fatal_msg(c, "0A000", "replication connections are not supported");
                return;
            }
        } else if (!strncmp(name, "_pq_.", 5))
            n_pq++;
    }
    if (minor > 0 || n_pq) {
        /* We speak 3.0 and know no protocol options: say so and go on (PostgreSQL 15 does the same). */
        const char **pq = arena_alloc(c->msg, (n_pq + 1) * sizeof(char *));
        size_t k = 0;
        pos = 0;
        while (pg_msg_startup_next(&su, &pos, &name, &value))
            if (!strncmp(name, "_pq_.", 5))
                pq[k++] = name;
        conn_check_put(c, pg_msg_put_negotiate(&c->out, 0, pq, k), "NegotiateProtocolVersion");
    }
    if (!user[0]) {
        conn_fatal_msg(c, "28000", "no PostgreSQL user name specified in startup packet");
        return;
    }
    copy_name(c->user, user);
    copy_name(c->database, database[0] ? database : user);

    int32_t pid = 0, key = 0;
    if (c->cfg.admit && c->cfg.admit(c->cfg.hook_arg, &pid, &key)) {
        conn_fatal_msg(c, "53300", "sorry, too many clients already");
        return;
    }
    /* Any user and database are accepted (no credentials are configured): AuthenticationOk comes
     * before the settings are applied, as in PostgreSQL, so a bad setting is a FATAL after it. */
    conn_check_put(c, pg_msg_put_auth_ok(&c->out), "AuthenticationOk");
    c->sess = c->ops->session_create(c->cfg.eng, c->user, c->database);
    if (!c->sess) {
        conn_fatal_msg(c, "53200", "out of memory");
        return;
    }
    if (options && conn_apply_options(c, options))
        return;
    pos = 0;
    while (pg_msg_startup_next(&su, &pos, &name, &value)) {
        if (!strcmp(name, "user") || !strcmp(name, "database") || !strcmp(name, "options") ||
            !strcmp(name, "replication") || !strncmp(name, "_pq_.", 5))
            continue;
        if (conn_set(c, name, value))
            return;
    }
    if (c->ops->session_set_defaults)
        c->ops->session_set_defaults(c->sess);
    const char *const *names, *const *values;
    size_t n = c->ops->session_reported(c->sess, &names, &values);
    for (size_t i = 0; i < n; i++)
        conn_check_put(c, pg_msg_put_parameter_status(&c->out, names[i], values[i]), "ParameterStatus");
    /* Everything is reported above; forget the change marks the startup settings left. */
    c->ops->session_take_changes(c->sess, conn_ignore_change_cb, NULL);
    conn_check_put(c, pg_msg_put_backend_key(&c->out, pid, key), "BackendKeyData");
    if (c->state == PG_CONN_DONE)
        return;
    c->state = PG_CONN_READY;
    if (c->cfg.started)
        c->cfg.started(c->cfg.hook_arg, c);
    conn_ready(c);
}

/* ---------------------------------------------------------------------------------------------- */
/* simple query                                                                                    */
/* ---------------------------------------------------------------------------------------------- */

/* Whether st answers with rows (and so with a RowDescription, of no fields for "SELECT"); NULL (the empty
 * query) does not. */
static int conn_returns_rows(PgConn *c, const SqlStmt *st)
{
    if (!st)
        return 0;
    return c->ops->stmt_returns_rows ? c->ops->stmt_returns_rows(st) : c->ops->stmt_n_columns(st) > 0;
}

static void conn_drop_unnamed(PgConn *c)
{
    stmt_close(c, "");
    portal_close(c, "");
}

/* Run one statement of a simple query. Returns WEIR_OK, or WEIR_ERROR after sending ErrorResponse. */
static int conn_simple_one(PgConn *c, const char *query, size_t off, size_t len)
{
    SqlError e;
    memset(&e, 0, sizeof(e));
    SqlStmt *st = NULL;
    if (c->ops->prepare(c->sess, query, off, len, NULL, 0, &st, &e)) {
        conn_send_error(c, &e);
        return WEIR_ERROR;
    }
    /* The statement lives in a PgStmt/PgPortal pair like an extended-protocol one, so the row path and
     * the cleanup are shared. */
    PgStmt *ps = xcalloc(1, sizeof(*ps));
    ps->name = xstrdup("");
    ps->st = st;
    ps->refs = 1;
    PgPortal *pp = xcalloc(1, sizeof(*pp));
    pp->name = xstrdup("");
    pp->stmt = ps;
    int rc = WEIR_ERROR;
    if (c->ops->bind(st, NULL, 0, &pp->portal, &e)) {
        conn_send_error(c, &e);
        goto out;
    }
    pp->n_cols = c->ops->stmt_n_columns(st);
    if (conn_returns_rows(c, st)) {
        conn_check_put(c, pg_msg_put_row_desc(&c->out, c->ops->stmt_columns(st), pp->n_cols, NULL),
                       "RowDescription");
    }
    int done = 0;
    if (conn_run_portal(c, pp, 0, &done, &e)) {
        if (!c->broken)
            conn_send_error(c, &e);
        goto out;
    }
    conn_send_notice(c);
    conn_check_put(c, pg_msg_put_command_complete(&c->out, pp->tag), "CommandComplete");
    rc = WEIR_OK;
out:
    portal_free(c, pp); /* drops the statement's last reference too */
    return rc;
}

static void conn_query(PgConn *c, PgMsgReader *r)
{
    const char *query;
    size_t qlen;
    SqlError e;
    if (pg_msg_get_string(r, &query, &qlen) || pg_msg_get_end(r)) {
        pg_error_make(&e, NULL, "08P01", "%s", r->err);
        conn_send_error(c, &e);
        conn_ready(c);
        return;
    }
    if (pg_utf8_check((const uint8_t *)query, qlen, &e)) {
        conn_send_error(c, &e);
        conn_ready(c);
        return;
    }
    conn_drop_unnamed(c); /* exec_simple_query: the unnamed statement and portal are replaced */
    size_t *offs = NULL, *lens = NULL;
    memset(&e, 0, sizeof(e));
    int n = c->ops->split(query, &offs, &lens, &e);
    if (n < 0) {
        conn_send_error(c, &e);
    } else if (n == 0) {
        conn_check_put(c, pg_msg_put_empty(&c->out, 'I'), "EmptyQueryResponse");
    } else {
        for (int i = 0; i < n && c->state != PG_CONN_DONE; i++)
            if (conn_simple_one(c, query, offs[i], lens[i]))
                break;
    }
    free(offs);
    free(lens);
    if (c->state != PG_CONN_DONE)
        conn_ready(c);
}

/* ---------------------------------------------------------------------------------------------- */
/* extended query                                                                                  */
/* ---------------------------------------------------------------------------------------------- */

/* An error in an extended-protocol message: report it and skip everything up to Sync. */
static void conn_ext_error(PgConn *c, const SqlError *e)
{
    conn_send_error(c, e);
    c->skipping = 1;
}

static void conn_ext_error_msg(PgConn *c, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_ext_error_msg(PgConn *c, const char *sqlstate, const char *fmt, ...)
{
    SqlError e;
    pg_error_make(&e, NULL, sqlstate, "%s", "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof(e.message), fmt, ap);
    va_end(ap);
    conn_ext_error(c, &e);
}

static void conn_proto_error(PgConn *c, PgMsgReader *r)
{
    SqlError e;
    pg_error_make(&e, NULL, "08P01", "%s", r->err ? r->err : "invalid message format");
    conn_ext_error(c, &e);
}

static void conn_parse(PgConn *c, PgMsgReader *r)
{
    const char *name, *query;
    size_t name_len, qlen;
    uint16_t n_types;
    SqlError e;
    if (pg_msg_get_string(r, &name, &name_len) || pg_msg_get_string(r, &query, &qlen) ||
        pg_msg_get_uint16(r, &n_types)) {
        conn_proto_error(c, r);
        return;
    }
    uint32_t *oids = n_types ? arena_alloc(c->msg, n_types * sizeof(uint32_t)) : NULL;
    for (size_t i = 0; i < n_types; i++) {
        int32_t v;
        if (pg_msg_get_int32(r, &v)) {
            conn_proto_error(c, r);
            return;
        }
        oids[i] = (uint32_t)v;
    }
    if (pg_msg_get_end(r)) {
        conn_proto_error(c, r);
        return;
    }
    if (pg_utf8_check((const uint8_t *)query, qlen, &e) ||
        pg_utf8_check((const uint8_t *)name, name_len, &e)) {
        conn_ext_error(c, &e);
        return;
    }
    /* exec_parse_message drops the unnamed statement before parsing, whatever the outcome. */
    if (!name[0])
        stmt_close(c, "");
    size_t *offs = NULL, *lens = NULL;
    memset(&e, 0, sizeof(e));
    int n = c->ops->split(query, &offs, &lens, &e);
    SqlStmt *st = NULL;
    if (n > 1)
        pg_error_make(&e, NULL, "42601", "cannot insert multiple commands into a prepared statement");
    else if (n == 1 && c->ops->prepare(c->sess, query, offs[0], lens[0], oids, n_types, &st, &e) &&
             !e.sqlstate[0])
        pg_error_make(&e, NULL, "XX000", "could not prepare the statement");
    int failed = n < 0 || n > 1 || (n == 1 && !st);
    free(offs);
    free(lens);
    if (failed) {
        conn_ext_error(c, &e);
        return;
    }
    /* StorePreparedStatement: the duplicate check comes after the statement was analysed. */
    if (name[0] && stmt_find(c, name)) {
        if (st)
            c->ops->stmt_destroy(&st);
        conn_ext_error_msg(c, "42P05", "prepared statement \"%s\" already exists", name);
        return;
    }
    PgStmt *s = xcalloc(1, sizeof(*s));
    s->name = xstrdup(name);
    s->st = st;
    s->refs = 1;
    s->next = c->stmts;
    c->stmts = s;
    conn_check_put(c, pg_msg_put_empty(&c->out, '1'), "ParseComplete");
}

static void conn_stmt_missing(PgConn *c, const char *name)
{
    if (name[0])
        conn_ext_error_msg(c, "26000", "prepared statement \"%s\" does not exist", name);
    else
        conn_ext_error_msg(c, "26000", "unnamed prepared statement does not exist");
}

static void conn_bind(PgConn *c, PgMsgReader *r)
{
    const char *pname, *sname;
    size_t pname_len, sname_len;
    uint16_t n_pfmt, n_params, n_rfmt;
    SqlError e;
    if (pg_msg_get_string(r, &pname, &pname_len) || pg_msg_get_string(r, &sname, &sname_len) ||
        pg_msg_get_uint16(r, &n_pfmt)) {
        conn_proto_error(c, r);
        return;
    }
    int16_t *pfmt = n_pfmt ? arena_alloc(c->msg, n_pfmt * sizeof(int16_t)) : NULL;
    for (size_t i = 0; i < n_pfmt; i++)
        if (pg_msg_get_int16(r, &pfmt[i])) {
            conn_proto_error(c, r);
            return;
        }
    if (pg_msg_get_uint16(r, &n_params)) {
        conn_proto_error(c, r);
        return;
    }
    /* The order of checks is exec_bind_message's. */
    PgStmt *s = stmt_find(c, sname);
    if (!s) {
        conn_stmt_missing(c, sname);
        return;
    }
    if (n_pfmt > 1 && n_pfmt != n_params) {
        SqlError pe;
        pg_error_make(&pe, NULL, "08P01", "bind message has %u parameter formats but %u parameters", n_pfmt,
                      n_params);
        conn_ext_error(c, &pe);
        return;
    }
    size_t want = s->st ? c->ops->stmt_n_params(s->st) : 0;
    if (n_params != want) {
        SqlError pe;
        pg_error_make(&pe, NULL, "08P01",
                      "bind message supplies %u parameters, but prepared statement \"%s\" requires %zu",
                      n_params, sname, want);
        conn_ext_error(c, &pe);
        return;
    }
    if (pname[0] && portal_find(c, pname)) {
        conn_ext_error_msg(c, "42P03", "cursor \"%s\" already exists", pname);
        return;
    }
    SqlParam *params = n_params ? ARENA_NEW(c->msg, SqlParam, n_params) : NULL;
    if (n_params && !params) {
        conn_ext_error_msg(c, "53200", "out of memory");
        return;
    }
    for (size_t i = 0; i < n_params; i++) {
        int32_t len;
        int16_t fmt = n_pfmt == 0 ? 0 : n_pfmt == 1 ? pfmt[0] : pfmt[i];
        if (pg_msg_get_int32(r, &len)) {
            conn_proto_error(c, r);
            return;
        }
        params[i].len = len;
        params[i].format = fmt;
        if (len != -1 && (len < 0 || pg_msg_get_bytes(r, (size_t)len, &params[i].p))) {
            r->err = r->err ? r->err : "insufficient data left in message";
            conn_proto_error(c, r);
            return;
        }
        if (fmt != 0 && fmt != 1) {
            SqlError pe;
            pg_error_make(&pe, NULL, "22023", "unsupported format code: %d", fmt);
            conn_ext_error(c, &pe);
            return;
        }
        if (fmt == 0 && len > 0 && pg_utf8_check(params[i].p, (size_t)len, &e)) {
            conn_ext_error(c, &e);
            return;
        }
    }
    if (pg_msg_get_uint16(r, &n_rfmt)) {
        conn_proto_error(c, r);
        return;
    }
    int16_t *rfmt = n_rfmt ? arena_alloc(c->msg, n_rfmt * sizeof(int16_t)) : NULL;
    for (size_t i = 0; i < n_rfmt; i++)
        if (pg_msg_get_int16(r, &rfmt[i])) {
            conn_proto_error(c, r);
            return;
        }
    if (pg_msg_get_end(r)) {
        conn_proto_error(c, r);
        return;
    }
    size_t n_cols = s->st ? c->ops->stmt_n_columns(s->st) : 0;
    if (n_rfmt > 1 && n_rfmt != n_cols) {
        SqlError pe;
        pg_error_make(&pe, NULL, "08P01", "bind message has %u result formats but query has %zu columns",
                      n_rfmt, n_cols);
        conn_ext_error(c, &pe);
        return;
    }
    SqlPortal *portal = NULL;
    memset(&e, 0, sizeof(e));
    if (s->st && c->ops->bind(s->st, params, n_params, &portal, &e)) {
        if (!e.sqlstate[0])
            pg_error_make(&e, NULL, "XX000", "could not bind the statement");
        conn_ext_error(c, &e);
        return;
    }
    if (!pname[0])
        portal_close(c, ""); /* a Bind to the unnamed portal replaces it */
    PgPortal *p = xcalloc(1, sizeof(*p));
    p->name = xstrdup(pname);
    p->stmt = s;
    s->refs++;
    p->portal = portal;
    p->n_cols = n_cols;
    p->formats = xcalloc(n_cols ? n_cols : 1, sizeof(int16_t));
    for (size_t i = 0; i < n_cols; i++)
        p->formats[i] = n_rfmt == 0 ? 0 : n_rfmt == 1 ? rfmt[0] : rfmt[i];
    p->next = c->portals;
    c->portals = p;
    conn_check_put(c, pg_msg_put_empty(&c->out, '2'), "BindComplete");
}

static void conn_describe(PgConn *c, PgMsgReader *r)
{
    uint8_t kind;
    const char *name;
    size_t name_len;
    if (pg_msg_get_byte(r, &kind) || pg_msg_get_string(r, &name, &name_len) || pg_msg_get_end(r)) {
        conn_proto_error(c, r);
        return;
    }
    if (kind == 'S') {
        PgStmt *s = stmt_find(c, name);
        if (!s) {
            conn_stmt_missing(c, name);
            return;
        }
        size_t np = s->st ? c->ops->stmt_n_params(s->st) : 0;
        uint32_t *oids = np ? arena_alloc(c->msg, np * sizeof(uint32_t)) : NULL;
        for (size_t i = 0; i < np; i++)
            oids[i] = pg_type_oid(c->ops->stmt_param_type(s->st, i));
        conn_check_put(c, pg_msg_put_param_desc(&c->out, oids, np), "ParameterDescription");
        size_t nc = s->st ? c->ops->stmt_n_columns(s->st) : 0;
        if (conn_returns_rows(c, s->st))
            conn_check_put(c, pg_msg_put_row_desc(&c->out, c->ops->stmt_columns(s->st), nc, NULL),
                           "RowDescription");
        else
            conn_check_put(c, pg_msg_put_empty(&c->out, 'n'), "NoData");
    } else if (kind == 'P') {
        PgPortal *p = portal_find(c, name);
        if (!p) {
            conn_ext_error_msg(c, "34000", "portal \"%s\" does not exist", name);
            return;
        }
        if (conn_returns_rows(c, p->stmt->st))
            conn_check_put(
                c, pg_msg_put_row_desc(&c->out, c->ops->stmt_columns(p->stmt->st), p->n_cols, p->formats),
                "RowDescription");
        else
            conn_check_put(c, pg_msg_put_empty(&c->out, 'n'), "NoData");
    } else {
        SqlError e;
        pg_error_make(&e, NULL, "08P01", "invalid DESCRIBE message subtype %d", kind);
        conn_ext_error(c, &e);
    }
}

static void conn_execute(PgConn *c, PgMsgReader *r)
{
    const char *name;
    size_t name_len;
    int32_t max_rows;
    SqlError e;
    if (pg_msg_get_string(r, &name, &name_len) || pg_msg_get_int32(r, &max_rows) || pg_msg_get_end(r)) {
        conn_proto_error(c, r);
        return;
    }
    PgPortal *p = portal_find(c, name);
    if (!p) {
        conn_ext_error_msg(c, "34000", "portal \"%s\" does not exist", name);
        return;
    }
    if (!p->portal) {
        conn_check_put(c, pg_msg_put_empty(&c->out, 'I'), "EmptyQueryResponse");
        return;
    }
    /* printtup checks the result formats when the rows are about to be sent. */
    for (size_t i = 0; i < p->n_cols; i++) {
        if (p->formats[i] != 0 && p->formats[i] != 1) {
            pg_error_make(&e, NULL, "22023", "unsupported format code: %d", p->formats[i]);
            conn_ext_error(c, &e);
            return;
        }
    }
    if (p->is_done) {
        /* Run again after completion: a row-returning portal is an exhausted cursor (PostgreSQL answers
         * "SELECT 0", or the same tag for SHOW/EXPLAIN, whose rows sat in a tuplestore); any other
         * statement cannot run twice. */
        if (!p->n_cols) {
            conn_ext_error_msg(c, "55000", "portal \"%s\" cannot be run", name);
            return;
        }
        conn_check_put(
            c, pg_msg_put_command_complete(&c->out, !strncmp(p->tag, "SELECT ", 7) ? "SELECT 0" : p->tag),
            "CommandComplete");
        return;
    }
    int done = 0;
    if (conn_run_portal(c, p, max_rows > 0 ? (uint64_t)max_rows : 0, &done, &e)) {
        if (!c->broken)
            conn_ext_error(c, &e);
        return;
    }
    if (done) {
        conn_send_notice(c);
        conn_check_put(c, pg_msg_put_command_complete(&c->out, p->tag), "CommandComplete");
    }
    else
        conn_check_put(c, pg_msg_put_empty(&c->out, 's'), "PortalSuspended");
}

static void conn_close_msg(PgConn *c, PgMsgReader *r)
{
    uint8_t kind;
    const char *name;
    size_t name_len;
    if (pg_msg_get_byte(r, &kind) || pg_msg_get_string(r, &name, &name_len) || pg_msg_get_end(r)) {
        conn_proto_error(c, r);
        return;
    }
    /* Closing something that does not exist is not an error. */
    if (kind == 'S')
        stmt_close(c, name);
    else if (kind == 'P')
        portal_close(c, name);
    else {
        SqlError e;
        pg_error_make(&e, NULL, "08P01", "invalid CLOSE message subtype %d", kind);
        conn_ext_error(c, &e);
        return;
    }
    conn_check_put(c, pg_msg_put_empty(&c->out, '3'), "CloseComplete");
}

/* ---------------------------------------------------------------------------------------------- */
/* dispatch                                                                                        */
/* ---------------------------------------------------------------------------------------------- */

static void conn_message(PgConn *c, const PgFrame *f)
{
    PgMsgReader r;
    pg_msg_reader_init(&r, f->body, f->body_len);
    SqlError e;
    switch (f->type) {
    case 'X': /* Terminate */
        c->state = PG_CONN_DONE;
        return;
    case 'S': /* Sync: ends skipping; its own format error is not an extended-message error */
        c->skipping = 0;
        if (pg_msg_get_end(&r)) {
            pg_error_make(&e, NULL, "08P01", "%s", r.err);
            conn_send_error(c, &e);
        }
        conn_ready(c);
        return;
    case 'Q':
    case 'P':
    case 'B':
    case 'D':
    case 'E':
    case 'C':
    case 'H':
    case 'F':
    case 'd':
    case 'c':
    case 'f':
        break;
    default: {
        pg_error_make(&e, "FATAL", "08P01", "invalid frontend message type %d", f->type);
        conn_fatal(c, &e);
        return;
    }
    }
    if (c->skipping)
        return;
    switch (f->type) {
    case 'Q':
        conn_query(c, &r);
        break;
    case 'P':
        conn_parse(c, &r);
        break;
    case 'B':
        conn_bind(c, &r);
        break;
    case 'D':
        conn_describe(c, &r);
        break;
    case 'E':
        conn_execute(c, &r);
        break;
    case 'C':
        conn_close_msg(c, &r);
        break;
    case 'H':
        if (pg_msg_get_end(&r))
            conn_proto_error(c, &r);
        conn_flush(c);
        break;
    case 'F':
        /* Function calls by OID are a protocol feature weir has no functions for. Not an
         * extended-protocol message: PostgreSQL answers it with ReadyForQuery. */
        pg_error_make(&e, NULL, "0A000", "function calls by OID (FunctionCall messages) are not supported");
        conn_send_error(c, &e);
        conn_ready(c);
        break;
    default:
        /* CopyData, CopyDone, CopyFail outside COPY: ignored, as the protocol says (a COPY that failed
         * may leave a client still sending data). */
        break;
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* public                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

PgConn *pg_conn_create(const PgConnConfig *cfg)
{
    PgConn *c = xcalloc(1, sizeof(*c));
    c->cfg = *cfg;
    if (!c->cfg.max_message)
        c->cfg.max_message = PG_DEFAULT_MAX_MESSAGE;
    if (!c->cfg.flush_at)
        c->cfg.flush_at = PG_DEFAULT_FLUSH_AT;
    c->ops = cfg->ops;
    c->state = PG_CONN_STARTUP;
    buf_init(&c->in, 0);
    buf_init(&c->out, 0);
    c->msg = arena_create(NULL, ARENA_UNLIMITED);
    if (!c->msg)
        weir_panic("pgwire: out of memory");
    return c;
}

void pg_conn_destroy(PgConn **cp)
{
    if (!cp || !*cp)
        return;
    PgConn *c = *cp;
    portal_close_all(c);
    while (c->stmts) {
        PgStmt *s = c->stmts;
        c->stmts = s->next;
        stmt_unref(c, s);
    }
    if (c->sess)
        c->ops->session_destroy(&c->sess);
    arena_destroy(&c->msg);
    buf_fini(&c->in);
    buf_fini(&c->out);
    free(c);
    *cp = NULL;
}

int pg_conn_feed(PgConn *c, const uint8_t *p, size_t n)
{
    if (c->state == PG_CONN_DONE)
        return c->state;
    if (buf_append(&c->in, p, n)) {
        conn_fatal_msg(c, "54000", "input buffer limit exceeded");
        return c->state;
    }
    while (c->state != PG_CONN_DONE) {
        const uint8_t *q = c->in.p + c->in_off;
        size_t left = c->in.len - c->in_off;
        PgFrame f;
        if (c->state == PG_CONN_STARTUP) {
            int fr = pg_msg_frame_startup(q, left, &f);
            if (fr == PG_FRAME_NEED_MORE)
                break;
            if (fr == PG_FRAME_BAD_LENGTH) {
                /* PostgreSQL just logs and hangs up here; a reply costs nothing and tells the peer why. */
                conn_fatal_msg(c, "08P01", "invalid length of startup packet");
                break;
            }
            c->in_off += f.frame_len;
            conn_startup(c, &f, c->in.len > c->in_off);
        } else {
            if (left == 0)
                break;
            int fr = pg_msg_frame(q, left, pg_msg_max_len(q[0], c->cfg.max_message), &f);
            if (fr == PG_FRAME_NEED_MORE)
                break;
            if (fr == PG_FRAME_BAD_LENGTH) {
                conn_fatal_msg(c, "08P01", "invalid message length");
                break;
            }
            c->in_off += f.frame_len;
            conn_message(c, &f);
        }
        arena_reset(c->msg);
    }
    if (c->in_off == c->in.len) {
        buf_reset(&c->in);
        c->in_off = 0;
    } else if (c->in_off > 0) {
        memmove(c->in.p, c->in.p + c->in_off, c->in.len - c->in_off);
        c->in.len -= c->in_off;
        c->in.p[c->in.len] = '\0';
        c->in_off = 0;
    }
    return c->state;
}

void pg_conn_eof(PgConn *c)
{
    if (c->state != PG_CONN_DONE && c->in.len > c->in_off) {
        /* A message was cut short. PostgreSQL logs "unexpected EOF within message" and exits; the
         * peer may have only half-closed, so tell it too. */
        conn_fatal_msg(c, "08P01",
                       c->state == PG_CONN_STARTUP ? "incomplete startup packet"
                                                   : "unexpected EOF within message");
    }
    c->state = PG_CONN_DONE;
}

void pg_conn_cancel(PgConn *c)
{
    if (c->sess)
        c->ops->session_cancel(c->sess);
}

void pg_conn_terminate(PgConn *c)
{
    if (c->state == PG_CONN_DONE)
        return;
    conn_fatal_msg(c, "57P01", "terminating connection due to administrator command");
}

int pg_conn_state(const PgConn *c)
{
    return c->state;
}

const char *pg_conn_user(const PgConn *c)
{
    return c->user;
}

const char *pg_conn_database(const PgConn *c)
{
    return c->database;
}
