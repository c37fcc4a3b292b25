/*
 * fake_engine.h: a small, deterministic stand-in for the SQL engine (a PgEngineOps), so the protocol
 * layer can be tested and fuzzed on its own: every answer it gives is predictable from the query text.
 * Included by tests/unit/pgwire/test_pg_conn.c, test_pg_server.c and fuzz/pg_msg.c (static functions
 * only). It implements the engine.h contract the way the protocol layer relies on it: statements
 * outlive their portals, fetch honours max_rows and reports done, errors carry SQLSTATE and position.
 *
 * Statements (case-insensitive, one per ';'-separated piece; sql_split's job is the ';' splitting):
 *   rows N          one int4 column "n" with rows 1..N, delivered in batches of FAKE_BATCH rows
 *   cols            one row over int4/text/numeric(10,2)/varchar(20) columns, the text one NULL, the
 *                   int4 one a table column (table oid 16384, attnum 1)
 *   echo            one text column per $n in the text ($1, $2 ...), echoing the bound values (text
 *                   params as is, binary ones as hex); parameter types from Parse, else text
 *   big N L         N rows of one text column, each L bytes of 'x'
 *   set NAME VALUE  SET through the fake session (tag SET)
 *   begin | commit | rollback   transaction status 'T' / 'I'; an error inside a block makes it 'E'
 *   fail            error 42601 at prepare, position at the statement's first character
 *   failbind        error 22P02 at bind
 *   failexec N      N rows, then error 22012 at fetch
 *   sleep           runs until cancelled (57014), or 20 s (FAKE_SLEEP_MS)
 *   nothing         no columns, tag "DO"
 * A query text containing "SPLITERR" fails in split with 42601 at that position.
 * Settings: application_name, client_encoding, DateStyle, TimeZone, server_version (read-only) are
 * reported; extra_float_digits and search_path are not; anything else is 42704.
 */
#ifndef WEIR_TESTS_FAKE_ENGINE_H
#define WEIR_TESTS_FAKE_ENGINE_H

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/arena.h"
#include "exec/vec.h"
#include "pgwire/pg_conn.h"

#define FAKE_BATCH 3
#define FAKE_N_SETTINGS 7
/* The fuzz target lowers these so that no input can ask for gigabytes or for minutes. */
#ifndef FAKE_MAX_ROWS
#define FAKE_MAX_ROWS 100000000L
#endif
#ifndef FAKE_MAX_LEN
#define FAKE_MAX_LEN (1L << 20)
#endif
#ifndef FAKE_SLEEP_MS
#define FAKE_SLEEP_MS 20000
#endif

struct SqlSession {
    char names[FAKE_N_SETTINGS][32];
    char values[FAKE_N_SETTINGS][128];
    int changed[FAKE_N_SETTINGS];
    int reported[FAKE_N_SETTINGS];
    const char *rn[FAKE_N_SETTINGS];
    const char *rv[FAKE_N_SETTINGS];
    char txn;
    atomic_int cancel;
    int n_defaults_calls;
};

enum {
    FK_ROWS,
    FK_COLS,
    FK_ECHO,
    FK_BIG,
    FK_SET,
    FK_BEGIN,
    FK_COMMIT,
    FK_FAILBIND,
    FK_FAILEXEC,
    FK_SLEEP,
    FK_NOTHING
};

struct SqlStmt {
    SqlSession *sess;
    int kind;
    long n, len;
    char set_name[32], set_value[128];
    size_t n_params;
    SqlType param_types[16];
    SqlColumn cols[8];
    size_t n_cols;
    char col_names[16][8];
};

struct SqlPortal {
    SqlStmt *st;
    long next; /* rows delivered so far */
    int done;
    char tag[64];
    char params[16][64]; /* echo values, as text */
    int param_null[16];
    Arena *arena;
};

static SqlSession *fake_session_create(SqlEngine *eng, const char *user, const char *database)
{
    (void)eng;
    (void)user;
    (void)database;
    SqlSession *s = calloc(1, sizeof(*s));
    static const char *const n[FAKE_N_SETTINGS] = {
        "application_name", "client_encoding",    "DateStyle",  "server_version",
        "TimeZone",         "extra_float_digits", "search_path"};
    static const char *const v[FAKE_N_SETTINGS] = {"",    "UTF8", "ISO, MDY", "15.0 (fake)",
                                                   "UTC", "1",    "public"};
    for (int i = 0; i < FAKE_N_SETTINGS; i++) {
        snprintf(s->names[i], sizeof(s->names[i]), "%s", n[i]);
        snprintf(s->values[i], sizeof(s->values[i]), "%s", v[i]);
        s->reported[i] = i < 5;
    }
    s->txn = 'I';
    return s;
}

static void fake_session_destroy(SqlSession **s)
{
    free(*s);
    *s = NULL;
}

static int fake_err(SqlError *e, const char *state, int pos, const char *msg)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", state);
    snprintf(e->severity, sizeof(e->severity), "ERROR");
    snprintf(e->message, sizeof(e->message), "%s", msg);
    e->position = pos;
    return WEIR_ERROR;
}

static int fake_session_set(SqlSession *s, const char *name, const char *value, SqlError *err)
{
    for (int i = 0; i < FAKE_N_SETTINGS; i++) {
        if (strcasecmp(s->names[i], name))
            continue;
        if (!strcmp(s->names[i], "server_version"))
            return fake_err(err, "55P02", 0, "parameter \"server_version\" cannot be changed");
        if (!strcmp(s->names[i], "DateStyle") && value && !strcasecmp(value, "bogus")) {
            fake_err(err, "22023", 0, "invalid value for parameter \"DateStyle\": \"bogus\"");
            snprintf(err->detail, sizeof(err->detail), "Unrecognized key word: \"bogus\".");
            return WEIR_ERROR;
        }
        if (value && strcmp(s->values[i], value)) {
            snprintf(s->values[i], sizeof(s->values[i]), "%s", value);
            s->changed[i] = 1;
        }
        return WEIR_OK;
    }
    char msg[128];
    snprintf(msg, sizeof(msg), "unrecognized configuration parameter \"%s\"", name);
    return fake_err(err, "42704", 0, msg);
}

static void fake_session_set_defaults(SqlSession *s)
{
    s->n_defaults_calls++;
}

static size_t fake_session_reported(SqlSession *s, const char *const **names, const char *const **values)
{
    size_t n = 0;
    for (int i = 0; i < FAKE_N_SETTINGS; i++) {
        if (!s->reported[i])
            continue;
        s->rn[n] = s->names[i];
        s->rv[n] = s->values[i];
        n++;
    }
    *names = s->rn;
    *values = s->rv;
    return n;
}

static void fake_session_take_changes(SqlSession *s, void (*fn)(void *, const char *, const char *),
                                      void *arg)
{
    for (int i = 0; i < FAKE_N_SETTINGS; i++) {
        if (s->changed[i] && s->reported[i])
            fn(arg, s->names[i], s->values[i]);
        s->changed[i] = 0;
    }
}

static char fake_session_txn_status(const SqlSession *s)
{
    return s->txn;
}

static void fake_session_cancel(SqlSession *s)
{
    atomic_store(&s->cancel, 1);
}

static int fake_split(const char *query, size_t **offsets, size_t **lengths, SqlError *err)
{
    const char *bad = strstr(query, "SPLITERR");
    if (bad)
        return fake_err(err, "42601", (int)(bad - query) + 1, "syntax error at or near \"SPLITERR\""), -1;
    size_t cap = 4, n = 0, len = strlen(query);
    *offsets = malloc(cap * sizeof(size_t));
    *lengths = malloc(cap * sizeof(size_t));
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && query[i] != ';')
            continue;
        size_t a = start, b = i;
        while (a < b && isspace((unsigned char)query[a]))
            a++;
        while (b > a && isspace((unsigned char)query[b - 1]))
            b--;
        if (b > a) {
            if (n == cap) {
                cap *= 2;
                *offsets = realloc(*offsets, cap * sizeof(size_t));
                *lengths = realloc(*lengths, cap * sizeof(size_t));
            }
            (*offsets)[n] = a;
            (*lengths)[n] = b - a;
            n++;
        }
        start = i + 1;
    }
    return (int)n;
}

static int fake_word(const char **p, char *out, size_t n)
{
    while (isspace((unsigned char)**p))
        (*p)++;
    size_t i = 0;
    while (**p && !isspace((unsigned char)**p)) {
        if (i + 1 < n)
            out[i++] = **p;
        (*p)++;
    }
    out[i] = '\0';
    return i > 0;
}

static void fake_col(SqlStmt *st, const char *name, SqlTypeId t, int32_t typmod)
{
    size_t i = st->n_cols++;
    snprintf(st->col_names[i], sizeof(st->col_names[i]), "%s", name);
    st->cols[i].name = st->col_names[i];
    st->cols[i].type = (SqlType){t, typmod};
}

static int fake_prepare(SqlSession *s, const char *query, size_t offset, size_t len,
                        const uint32_t *param_oids, size_t n_param_oids, SqlStmt **out, SqlError *err)
{
    *out = NULL;
    char text[256];
    if (len >= sizeof(text))
        len = sizeof(text) - 1;
    memcpy(text, query + offset, len);
    text[len] = '\0';
    const char *p = text;
    char w[64], a1[32], a2[128];
    fake_word(&p, w, sizeof(w));
    int is_txn_end = !strcasecmp(w, "commit") || !strcasecmp(w, "rollback");
    if (s->txn == 'E' && !is_txn_end)
        return fake_err(err, "25P02", 0,
                        "current transaction is aborted, commands ignored until end of transaction block");
    SqlStmt *st = calloc(1, sizeof(*st));
    st->sess = s;
    if (!strcasecmp(w, "rows") && fake_word(&p, a1, sizeof(a1))) {
        st->kind = FK_ROWS;
        st->n = atol(a1);
        st->n = st->n < 0 ? 0 : st->n > FAKE_MAX_ROWS ? FAKE_MAX_ROWS : st->n;
        fake_col(st, "n", SQL_INT4, -1);
    } else if (!strcasecmp(w, "cols")) {
        st->kind = FK_COLS;
        fake_col(st, "a", SQL_INT4, -1);
        st->cols[0].table_oid = 16384;
        st->cols[0].attnum = 1;
        fake_col(st, "b", SQL_TEXT, -1);
        fake_col(st, "c", SQL_NUMERIC, ((10 << 16) | 2) + 4);
        fake_col(st, "d", SQL_VARCHAR, 20 + 4);
    } else if (!strcasecmp(w, "echo")) {
        st->kind = FK_ECHO;
        for (const char *q = text; (q = strchr(q, '$')) != NULL; q++)
            st->n_params++;
        if (st->n_params > 16)
            st->n_params = 16;
        for (size_t i = 0; i < st->n_params; i++) {
            SqlTypeId t = SQL_TEXT;
            if (i < n_param_oids && param_oids[i] && sql_type_from_oid(param_oids[i], &t)) {
                free(st);
                return fake_err(err, "42704", 0, "type does not exist");
            }
            st->param_types[i] = SQL_TYPE(t);
            char nm[8] = {'p', (char)('1' + i % 9), 0};
            fake_col(st, nm, SQL_TEXT, -1);
        }
    } else if (!strcasecmp(w, "big") && fake_word(&p, a1, sizeof(a1)) && fake_word(&p, a2, sizeof(a2))) {
        st->kind = FK_BIG;
        st->n = atol(a1);
        st->len = atol(a2);
        st->n = st->n < 0 ? 0 : st->n > FAKE_MAX_ROWS ? FAKE_MAX_ROWS : st->n;
        st->len = st->len < 0 ? 0 : st->len > FAKE_MAX_LEN ? FAKE_MAX_LEN : st->len;
        fake_col(st, "x", SQL_TEXT, -1);
    } else if (!strcasecmp(w, "set") && fake_word(&p, a1, sizeof(a1)) && fake_word(&p, a2, sizeof(a2))) {
        st->kind = FK_SET;
        snprintf(st->set_name, sizeof(st->set_name), "%s", a1);
        snprintf(st->set_value, sizeof(st->set_value), "%s", a2);
    } else if (!strcasecmp(w, "begin")) {
        st->kind = FK_BEGIN;
    } else if (is_txn_end) {
        st->kind = FK_COMMIT;
        snprintf(st->set_name, sizeof(st->set_name), "%s", !strcasecmp(w, "commit") ? "COMMIT" : "ROLLBACK");
    } else if (!strcasecmp(w, "failbind")) {
        st->kind = FK_FAILBIND;
    } else if (!strcasecmp(w, "failexec") && fake_word(&p, a1, sizeof(a1))) {
        st->kind = FK_FAILEXEC;
        st->n = atol(a1);
        st->n = st->n < 0 ? 0 : st->n > FAKE_MAX_ROWS ? FAKE_MAX_ROWS : st->n;
        fake_col(st, "n", SQL_INT4, -1);
    } else if (!strcasecmp(w, "sleep")) {
        st->kind = FK_SLEEP;
    } else if (!strcasecmp(w, "nothing")) {
        st->kind = FK_NOTHING;
    } else {
        free(st);
        char msg[128];
        snprintf(msg, sizeof(msg), "syntax error at or near \"%s\"", w);
        if (s->txn == 'T')
            s->txn = 'E';
        return fake_err(err, "42601", (int)offset + 1, msg);
    }
    *out = st;
    return WEIR_OK;
}

static void fake_stmt_destroy(SqlStmt **st)
{
    free(*st);
    *st = NULL;
}

static size_t fake_stmt_n_params(const SqlStmt *st)
{
    return st->n_params;
}

static SqlType fake_stmt_param_type(const SqlStmt *st, size_t i)
{
    return st->param_types[i];
}

static size_t fake_stmt_n_columns(const SqlStmt *st)
{
    return st->n_cols;
}

static const SqlColumn *fake_stmt_columns(const SqlStmt *st)
{
    return st->cols;
}

static int fake_bind(SqlStmt *st, const SqlParam *params, size_t n_params, SqlPortal **out, SqlError *err)
{
    *out = NULL;
    if (st->kind == FK_FAILBIND)
        return fake_err(err, "22P02", 0, "invalid input syntax for type integer: \"x\"");
    SqlPortal *p = calloc(1, sizeof(*p));
    p->st = st;
    for (size_t i = 0; i < n_params && i < 16; i++) {
        if (params[i].len < 0) {
            p->param_null[i] = 1;
            continue;
        }
        size_t n = (size_t)params[i].len, o = 0;
        for (size_t j = 0; j < n && o + 3 < sizeof(p->params[i]); j++) {
            if (params[i].format == 1)
                o += (size_t)snprintf(p->params[i] + o, sizeof(p->params[i]) - o, "%02x", params[i].p[j]);
            else
                p->params[i][o++] = (char)params[i].p[j];
        }
        p->params[i][o] = '\0';
    }
    p->arena = arena_create(NULL, ARENA_UNLIMITED);
    *out = p;
    return WEIR_OK;
}

static void fake_portal_destroy(SqlPortal **p)
{
    if (!*p)
        return;
    arena_destroy(&(*p)->arena);
    free(*p);
    *p = NULL;
}

/* A batch of up to n rows of the statement's columns, built by hand (no vec.c needed). */
static Batch *fake_batch(SqlPortal *p, uint32_t n)
{
    SqlStmt *st = p->st;
    Batch *b = arena_alloc(p->arena, sizeof(Batch));
    b->n = n;
    b->n_cols = (uint32_t)st->n_cols;
    b->cols = arena_alloc(p->arena, sizeof(Vec) * (st->n_cols ? st->n_cols : 1));
    for (size_t c = 0; c < st->n_cols; c++) {
        Vec *v = &b->cols[c];
        v->type = st->cols[c].type;
        v->nulls = NULL;
        v->u.data = arena_alloc(p->arena, 16 * (n ? n : 1));
        memset(v->u.data, 0, 16 * (n ? n : 1));
    }
    return b;
}

static void fake_set_null(SqlPortal *p, Vec *v, uint32_t row)
{
    if (!v->nulls) {
        v->nulls = arena_alloc(p->arena, VEC_BATCH / 8);
        memset(v->nulls, 0, VEC_BATCH / 8);
    }
    v->nulls[row >> 6] |= (uint64_t)1 << (row & 63);
}

static Slice fake_str(SqlPortal *p, const char *s, size_t n)
{
    char *c = arena_alloc(p->arena, n + 1);
    memcpy(c, s, n);
    c[n] = '\0';
    return (Slice){(const uint8_t *)c, n};
}

static int fake_portal_fetch(SqlPortal *p, uint64_t max_rows, SqlBatchFn fn, void *arg, int *done,
                             SqlError *err)
{
    SqlStmt *st = p->st;
    SqlSession *s = st->sess;
    *done = 0;
    atomic_store(&s->cancel, 0);
    switch (st->kind) {
    case FK_SET:
        if (fake_session_set(s, st->set_name, st->set_value, err))
            return WEIR_ERROR;
        snprintf(p->tag, sizeof(p->tag), "SET");
        *done = 1;
        return WEIR_OK;
    case FK_BEGIN:
        s->txn = 'T';
        snprintf(p->tag, sizeof(p->tag), "BEGIN");
        *done = 1;
        return WEIR_OK;
    case FK_COMMIT:
        snprintf(p->tag, sizeof(p->tag), "%s", s->txn == 'E' ? "ROLLBACK" : st->set_name);
        s->txn = 'I';
        *done = 1;
        return WEIR_OK;
    case FK_NOTHING:
        snprintf(p->tag, sizeof(p->tag), "DO");
        *done = 1;
        return WEIR_OK;
    case FK_SLEEP:
        for (int i = 0; i < FAKE_SLEEP_MS; i++) {
            if (atomic_load(&s->cancel)) {
                if (s->txn == 'T')
                    s->txn = 'E';
                return fake_err(err, "57014", 0, "canceling statement due to user request");
            }
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        snprintf(p->tag, sizeof(p->tag), "SELECT 0");
        *done = 1;
        return WEIR_OK;
    case FK_COLS:
    case FK_ECHO: {
        if (p->next == 0) {
            arena_reset(p->arena);
            Batch *b = fake_batch(p, 1);
            if (st->kind == FK_COLS) {
                b->cols[0].u.i[0] = 42;
                fake_set_null(p, &b->cols[1], 0);
                b->cols[2].u.s[0] = SLICE_LIT("3.14"); /* the fake formats numerics from text */
                b->cols[3].u.s[0] = SLICE_LIT("abc");
            } else {
                for (size_t i = 0; i < st->n_cols; i++) {
                    if (p->param_null[i])
                        fake_set_null(p, &b->cols[i], 0);
                    else
                        b->cols[i].u.s[0] = fake_str(p, p->params[i], strlen(p->params[i]));
                }
            }
            p->next = 1;
            int rc = fn(arg, b);
            if (rc)
                return fake_err(err, "08006", 0, "could not send data to client"), rc;
        }
        snprintf(p->tag, sizeof(p->tag), "SELECT 1");
        *done = 1;
        return WEIR_OK;
    }
    case FK_ROWS:
    case FK_BIG:
    case FK_FAILEXEC: {
        uint64_t sent = 0;
        for (;;) {
            /* As PostgreSQL: reaching max_rows suspends even if no row is left; the next fetch then
             * completes with a tag counting the rows of that fetch. */
            if (max_rows && sent == max_rows)
                return WEIR_OK;
            if (p->next >= st->n)
                break;
            uint64_t room = (uint64_t)(st->n - p->next);
            uint64_t k = room < FAKE_BATCH ? room : FAKE_BATCH;
            if (max_rows && k > max_rows - sent)
                k = max_rows - sent;
            arena_reset(p->arena);
            Batch *b = fake_batch(p, (uint32_t)k);
            for (uint64_t r = 0; r < k; r++) {
                if (st->kind == FK_BIG) {
                    char *x = arena_alloc(p->arena, (size_t)st->len + 1);
                    memset(x, 'x', (size_t)st->len);
                    b->cols[0].u.s[r] = (Slice){(const uint8_t *)x, (size_t)st->len};
                } else {
                    b->cols[0].u.i[r] = p->next + (long)r + 1;
                }
            }
            p->next += (long)k;
            sent += k;
            int rc = fn(arg, b);
            if (rc)
                return fake_err(err, "08006", 0, "could not send data to client"), rc;
            if (atomic_load(&s->cancel))
                return fake_err(err, "57014", 0, "canceling statement due to user request");
        }
        if (st->kind == FK_FAILEXEC) {
            if (s->txn == 'T')
                s->txn = 'E';
            return fake_err(err, "22012", 0, "division by zero");
        }
        snprintf(p->tag, sizeof(p->tag), "SELECT %llu", (unsigned long long)sent);
        *done = 1;
        return WEIR_OK;
    }
    default:
        return fake_err(err, "XX000", 0, "bad statement kind");
    }
}

static const char *fake_portal_command_tag(const SqlPortal *p)
{
    return p->tag;
}

static int fake_format_text(const SqlSession *s, const Vec *v, uint32_t row, Buf *out)
{
    (void)s;
    switch (v->type.id) {
    case SQL_INT4:
    case SQL_INT8:
        return buf_printf(out, "%lld", (long long)v->u.i[row]);
    default:
        return buf_append(out, v->u.s[row].p, v->u.s[row].n);
    }
}

static int fake_format_binary(const SqlSession *s, const Vec *v, uint32_t row, Buf *out)
{
    (void)s;
    if (v->type.id == SQL_INT4) {
        uint32_t x = (uint32_t)v->u.i[row];
        uint8_t b[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
        return buf_append(out, b, 4);
    }
    return buf_append(out, v->u.s[row].p, v->u.s[row].n);
}

static const PgEngineOps fake_ops = {
    .session_create = fake_session_create,
    .session_destroy = fake_session_destroy,
    .session_set = fake_session_set,
    .session_set_defaults = fake_session_set_defaults,
    .session_reported = fake_session_reported,
    .session_take_changes = fake_session_take_changes,
    .session_txn_status = fake_session_txn_status,
    .session_cancel = fake_session_cancel,
    .split = fake_split,
    .prepare = fake_prepare,
    .stmt_destroy = fake_stmt_destroy,
    .stmt_n_params = fake_stmt_n_params,
    .stmt_param_type = fake_stmt_param_type,
    .stmt_n_columns = fake_stmt_n_columns,
    .stmt_columns = fake_stmt_columns,
    .bind = fake_bind,
    .portal_destroy = fake_portal_destroy,
    .portal_fetch = fake_portal_fetch,
    .portal_command_tag = fake_portal_command_tag,
    .format_text = fake_format_text,
    .format_binary = fake_format_binary,
};

#endif
