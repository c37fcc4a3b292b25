/*
 * td_spec.h: test helper shared by test_tabledef.c and test_decode.c: build a TableDef from a compact
 * text form, "name type, name varchar(n)" for the columns and "key=value;key=value" for the WITH
 * options, the way the binder would hand them over (positions 10, 20, ... for columns and 100, 200, ...
 * for options, so tests can check which one an error points at). Include after cmocka.h.
 */
#ifndef WEIR_TESTS_TD_SPEC_H
#define WEIR_TESTS_TD_SPEC_H

#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "sql/tabledef.h"

/* Columns "name type, name type(n)" and options "key=value;key=value" (values may contain '=', not
 * ';'). */
typedef struct Spec {
    TableColumnSpec cols[32];
    size_t n_cols;
    TableOption opts[32];
    size_t n_opts;
    char buf[4096];
} Spec;

static inline SqlType tt_type(const char *name)
{
    char base[64];
    int arg = -1;
    const char *paren = strchr(name, '(');
    size_t n = paren ? (size_t)(paren - name) : strlen(name);
    memcpy(base, name, n);
    base[n] = '\0';
    if (paren)
        arg = atoi(paren + 1);
    SqlTypeId id;
    assert_int_equal(sql_type_from_name(base, &id), 0);
    SqlType t = SQL_TYPE(id);
    if (arg >= 0)
        t.typmod = (id == SQL_VARCHAR || id == SQL_BPCHAR) ? arg + 4 : arg;
    return t;
}

static inline void spec_parse(Spec *s, const char *cols, const char *opts)
{
    memset(s, 0, sizeof(*s));
    size_t used = 0;
    char *b = s->buf;
    if (cols && *cols) {
        used = strlen(cols) + 1;
        assert_true(used < sizeof(s->buf) / 2);
        memcpy(b, cols, used);
        for (char *tok = b; tok && *tok;) {
            char *next = strchr(tok, ',');
            if (next)
                *next++ = '\0';
            while (*tok == ' ')
                tok++;
            char *sp = strchr(tok, ' ');
            assert_non_null(sp);
            *sp = '\0';
            s->cols[s->n_cols].name = tok;
            s->cols[s->n_cols].type = tt_type(sp + 1);
            s->cols[s->n_cols].position = (int)(s->n_cols + 1) * 10;
            s->n_cols++;
            tok = next;
        }
    }
    if (opts && *opts) {
        char *o = b + used;
        assert_true(strlen(opts) + 1 < sizeof(s->buf) / 2);
        memcpy(o, opts, strlen(opts) + 1);
        for (char *tok = o; tok && *tok;) {
            char *next = strchr(tok, ';');
            if (next)
                *next++ = '\0';
            char *eq = strchr(tok, '=');
            assert_non_null(eq);
            *eq = '\0';
            s->opts[s->n_opts].key = tok;
            s->opts[s->n_opts].value = eq + 1;
            s->opts[s->n_opts].position = (int)(s->n_opts + 1) * 100;
            s->n_opts++;
            tok = next;
        }
    }
}

static inline TableDef *mk(const char *cols, const char *opts)
{
    Spec s;
    spec_parse(&s, cols, opts);
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    int rc = tabledef_build("t", s.cols, s.n_cols, s.opts, s.n_opts, &td, &e);
    if (rc != WEIR_OK)
        fail_msg("tabledef_build(%s | %s): %s %s", cols, opts, e.sqlstate, e.message);
    return td;
}

#endif
