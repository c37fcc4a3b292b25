/*
 * engine_fixture.h: the engine set-up the exec unit tests share (header-only, static inline, like
 * op_test.h): a store in a temp directory with streams and JSON records, an engine and a session over it
 * (or over no store), and running one statement through prepare, bind and fetch with its rows collected
 * as text ("a|b\n" per row, NULL as nothing, as psql -At prints them) or its error as
 * "ERROR <sqlstate> <position>: <message>".
 *
 * Every helper fails the current test (cmocka assert) when the engine or the store refuses, so set-up
 * code needs no error paths. The caller owns what it opens and closes it with the matching helper:
 * ef_store_open / ef_store_close (which also removes the directory), ef_session_open /
 * ef_session_close; ef_run_group_tests runs a cmocka group over an in-memory session it opens and closes.
 * Plans built by hand are op_test.h's business, not this file's.
 */
#ifndef WEIR_TESTS_ENGINE_FIXTURE_H
#define WEIR_TESTS_ENGINE_FIXTURE_H

/* cmocka.h needs these four before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/u128.h"
#include "exec/engine.h"

/* --- running statements ----------------------------------------------------------------------- */

enum {
    EF_NO_POSITION = 1,    /* errors as "ERROR <sqlstate>: <message>" */
    EF_MASK_FRACTIONS = 2, /* in rows (not errors), every decimal fraction "12.345" as "#" (timings) */
    EF_PARAMS_MAX = 16,
};

typedef struct EfOut {
    Buf text; /* rows as "a|b\n" */
    const SqlSession *s;
} EfOut;

/* SqlBatchFn: appends b's rows to the EfOut's text in the session's output formats. */
static inline int ef_collect(void *arg, const Batch *b)
{
    EfOut *o = arg;
    for (uint32_t r = 0; r < b->n; r++) {
        for (uint32_t c = 0; c < b->n_cols; c++) {
            if (c && buf_append(&o->text, "|", 1))
                return 1;
            if (!vec_is_null(&b->cols[c], r) && sql_format_text(o->s, &b->cols[c], r, &o->text))
                return 1;
        }
        if (buf_append(&o->text, "\n", 1))
            return 1;
    }
    return 0;
}

/* Copies text into res (cap bytes, NUL-terminated) with each run "<digits>.<digits>" replaced by "#". */
static inline void ef_mask_fractions(const char *t, size_t len, char *res, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < cap; i++) {
        if (t[i] >= '0' && t[i] <= '9') {
            size_t j = i;
            while (j < len && t[j] >= '0' && t[j] <= '9')
                j++;
            if (j + 1 < len && t[j] == '.' && t[j + 1] >= '0' && t[j + 1] <= '9') {
                for (j++; j < len && t[j] >= '0' && t[j] <= '9'; j++)
                    ;
                res[n++] = '#';
                i = j - 1;
                continue;
            }
        }
        res[n++] = t[i];
    }
    res[n] = 0;
}

/* Run one statement q in session s with n_params text-format parameters ($1, $2 ...); flags EF_*.
 * Returns its rows as text or its error (see the top of the file), in a static buffer the next call
 * reuses. */
static inline char *ef_query(SqlSession *s, const char *q, const char *const *params, size_t n_params,
                             int flags)
{
    static char res[65536];
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    EfOut o = {.s = s};
    buf_init(&o.text, 0);
    SqlParam ps[EF_PARAMS_MAX];
    assert_true(n_params <= EF_PARAMS_MAX);
    for (size_t i = 0; i < n_params; i++)
        ps[i] = (SqlParam){(const uint8_t *)params[i], (int32_t)strlen(params[i]), 0};
    int done = 0;
    if (sql_prepare(s, q, 0, strlen(q), NULL, 0, &st, &err) ||
        sql_bind(st, n_params ? ps : NULL, n_params, &p, &err) ||
        sql_portal_fetch(p, 0, ef_collect, &o, &done, &err)) {
        if (flags & EF_NO_POSITION)
            snprintf(res, sizeof(res), "ERROR %s: %s", err.sqlstate, err.message);
        else
            snprintf(res, sizeof(res), "ERROR %s %d: %s", err.sqlstate, err.position, err.message);
    } else if (flags & EF_MASK_FRACTIONS) {
        ef_mask_fractions(o.text.p ? (const char *)o.text.p : "", o.text.len, res, sizeof(res));
    } else {
        snprintf(res, sizeof(res), "%.*s", (int)o.text.len, o.text.p ? (const char *)o.text.p : "");
    }
    buf_fini(&o.text);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
    return res;
}

/* ef_query without parameters, errors with their position. */
static inline char *ef_run(SqlSession *s, const char *q)
{
    return ef_query(s, q, NULL, 0, 0);
}

/* --- engines and sessions --------------------------------------------------------------------- */

/* An engine made from cfg (NULL: no store, no data directory, defaults) in *eng, and a session of user
 * in database. Caller closes both with ef_session_close. */
static inline SqlSession *ef_session_open_as(const SqlEngineConfig *cfg, SqlEngine **eng, const char *user,
                                             const char *database)
{
    SqlEngineConfig none = {0};
    Err e;
    err_clear(&e);
    int rc = sql_engine_create(cfg ? cfg : &none, eng, &e);
    if (rc)
        print_error("sql_engine_create: %s\n", e.msg);
    assert_int_equal(rc, 0);
    SqlSession *s = sql_session_create(*eng, user, database);
    assert_non_null(s);
    return s;
}

/* ef_session_open_as for user "u" in database "d". */
static inline SqlSession *ef_session_open(const SqlEngineConfig *cfg, SqlEngine **eng)
{
    return ef_session_open_as(cfg, eng, "u", "d");
}

/* Destroys the session, then its engine; both pointers become NULL. */
static inline void ef_session_close(SqlSession **s, SqlEngine **eng)
{
    sql_session_destroy(s);
    sql_engine_destroy(eng);
}

/* --- a group of tests over one in-memory session ---------------------------------------------- */

/* Where ef_group_setup puts the engine and session of the group ef_run_group_tests is running. */
static SqlEngine **ef_group_eng __attribute__((unused));
static SqlSession **ef_group_sess __attribute__((unused));

/* cmocka group setup: ef_session_open(NULL, ...) into the variables given to ef_run_group_tests. */
static inline int ef_group_setup(void **state)
{
    UNUSED(state);
    *ef_group_sess = ef_session_open(NULL, ef_group_eng);
    return 0;
}

/* cmocka group teardown: ef_session_close of what ef_group_setup opened. */
static inline int ef_group_teardown(void **state)
{
    UNUSED(state);
    ef_session_close(ef_group_sess, ef_group_eng);
    return 0;
}

/* Runs the cmocka test array tests (an array, as cmocka_run_group_tests wants) as one group over an
 * engine without a store and a session of user "u" in database "d", opened into *eng_var and *sess_var
 * before the first test and closed after the last. Evaluates to cmocka's result. */
#define ef_run_group_tests(tests, eng_var, sess_var)                                                         \
    (ef_group_eng = (eng_var), ef_group_sess = (sess_var),                                                   \
     cmocka_run_group_tests(tests, ef_group_setup, ef_group_teardown))

/* --- a store in a temp directory -------------------------------------------------------------- */

/* A new directory /tmp/weir-<name>-XXXXXX, its path in dir (cap bytes), and a store opened in it
 * without fsync. Close with ef_store_close. */
static inline Store *ef_store_open(char *dir, size_t cap, const char *name)
{
    snprintf(dir, cap, "/tmp/weir-%s-XXXXXX", name);
    assert_non_null(mkdtemp(dir));
    StoreConfig sc = {.dir = dir, .fsync_mode = STORE_FSYNC_NONE};
    Store *st = NULL;
    Err e;
    err_clear(&e);
    int rc = store_open(&sc, &st, &e);
    if (rc)
        print_error("store_open: %s\n", e.msg);
    assert_int_equal(rc, 0);
    return st;
}

/* Closes the store (*st becomes NULL) and removes its directory dir. */
static inline void ef_store_close(Store **st, const char *dir)
{
    store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* A provisioned stream of n_shards shards. */
static inline void ef_stream_create(Store *st, const char *stream, uint32_t n_shards)
{
    Err e;
    err_clear(&e);
    int rc =
        store_stream_create(st, stream, n_shards, STREAM_MODE_PROVISIONED, "us-east-1", "000000000000", &e);
    if (rc)
        print_error("store_stream_create: %s\n", e.msg);
    assert_int_equal(rc, 0);
}

/* Record i's payload: written into buf (cap bytes) or any string that outlives the call. */
typedef const char *(*EfPayloadFn)(int i, char *buf, size_t cap);

enum { EF_APPEND_BATCH = 500, EF_PAYLOAD_MAX = 512 };

/* Appends records from..to-1 to stream, EF_APPEND_BATCH per store_append (so the same records land in
 * the same batches, shards and order every run): record i's payload from payload, its partition key
 * key, or "k<i>" when key is NULL. */
static inline void ef_append(Store *st, const char *stream, int from, int to, const char *key,
                             EfPayloadFn payload)
{
    StoreAppendEntry *ents = calloc(EF_APPEND_BATCH, sizeof(*ents));
    StoreAppendResult *res = calloc(EF_APPEND_BATCH, sizeof(*res));
    char(*keys)[16] = calloc(EF_APPEND_BATCH, 16);
    char(*data)[EF_PAYLOAD_MAX] = calloc(EF_APPEND_BATCH, EF_PAYLOAD_MAX);
    assert_true(ents && res && keys && data);
    for (int base = from; base < to; base += EF_APPEND_BATCH) {
        int n = to - base < EF_APPEND_BATCH ? to - base : EF_APPEND_BATCH;
        for (int k = 0; k < n; k++) {
            const char *kp = key;
            if (!kp) {
                snprintf(keys[k], sizeof(keys[k]), "k%d", base + k);
                kp = keys[k];
            }
            const char *p = payload(base + k, data[k], sizeof(data[k]));
            ents[k].key = (Slice){(const uint8_t *)kp, strlen(kp)};
            ents[k].data = (Slice){(const uint8_t *)p, strlen(p)};
            ents[k].hash = u128_md5_hash_key(kp, strlen(kp));
        }
        int64_t at;
        uint64_t tok;
        Err e;
        err_clear(&e);
        int rc = store_append(st, stream, ents, (size_t)n, res, &at, &tok, &e);
        if (rc)
            print_error("store_append: %s\n", e.msg);
        assert_int_equal(rc, 0);
    }
    free(ents);
    free(res);
    free(keys);
    free(data);
}

#endif
