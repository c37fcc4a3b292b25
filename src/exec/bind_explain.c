/*
 * bind_explain.c: binding EXPLAIN [ANALYZE] [VERBOSE] and EXPLAIN (option [, ...]) statement.
 *
 * The options are read as PostgreSQL 15's ExplainQuery reads them (same names, same Boolean spellings,
 * same errors and SQLSTATEs), then the explained statement is bound like any other (bind_statement),
 * and the result is a query of one text column "QUERY PLAN" whose root is an OP_EXPLAIN holding the
 * statement's plan (explain.h says why the plan is not the operator's child). Only queries have plans:
 * anything else the grammar lets EXPLAIN take (INSERT, CREATE TABLE AS, EXECUTE, ...) fails here with
 * 0A000 if binding it did not already refuse it.
 *
 * Planning Time is the time this file spends binding the statement: weir's binder is also its planner.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/clock.h"
#include "exec/bind_int.h"
#include "exec/explain.h"

/* PostgreSQL's defGetString: the text of an option's argument (NULL: none given). */
static const char *explain_arg_text(const PgQuery__DefElem *d, char *buf, size_t cap)
{
    const PgQuery__Node *a = d->arg;
    if (!a)
        return NULL;
    switch (a->node_case) {
    case PG_QUERY__NODE__NODE_STRING: return a->string->sval ? a->string->sval : "";
    case PG_QUERY__NODE__NODE_INTEGER: snprintf(buf, cap, "%d", a->integer->ival); return buf;
    case PG_QUERY__NODE__NODE_FLOAT: return a->float_->fval ? a->float_->fval : "";
    case PG_QUERY__NODE__NODE_BOOLEAN: return a->boolean->boolval ? "true" : "false";
    default: return "";
    }
}

/* PostgreSQL's defGetBoolean: no argument is true; 0/1; true/false/on/off in any case. */
static int explain_arg_bool(BindCtx *ctx, const PgQuery__DefElem *d, uint8_t *out)
{
    const PgQuery__Node *a = d->arg;
    if (!a) {
        *out = 1;
        return WEIR_OK;
    }
    if (a->node_case == PG_QUERY__NODE__NODE_INTEGER) {
        if (a->integer->ival == 0 || a->integer->ival == 1) {
            *out = (uint8_t)a->integer->ival;
            return WEIR_OK;
        }
    } else {
        char buf[32];
        const char *s = explain_arg_text(d, buf, sizeof(buf));
        if (strcasecmp(s, "true") == 0 || strcasecmp(s, "on") == 0) {
            *out = 1;
            return WEIR_OK;
        }
        if (strcasecmp(s, "false") == 0 || strcasecmp(s, "off") == 0) {
            *out = 0;
            return WEIR_OK;
        }
    }
    return sql_error_set(ctx->err, "42601", 0, "%s requires a Boolean value", d->defname);
}

/* The option list into sp, with PostgreSQL 15's defaults and checks. */
static int explain_options(BindCtx *ctx, PgQuery__ExplainStmt *e, ExplainSpec *sp)
{
    uint8_t timing = 0, summary = 0, wal = 0, ignored = 0;
    int timing_set = 0, summary_set = 0;
    sp->costs = 1;
    for (size_t i = 0; i < e->n_options; i++) {
        if (e->options[i]->node_case != PG_QUERY__NODE__NODE_DEF_ELEM)
            return sql_error_set(ctx->err, "42601", 0, "syntax error in EXPLAIN options");
        PgQuery__DefElem *d = e->options[i]->def_elem;
        const char *name = d->defname ? d->defname : "";
        int rc;
        if (strcmp(name, "analyze") == 0)
            rc = explain_arg_bool(ctx, d, &sp->analyze);
        else if (strcmp(name, "verbose") == 0)
            rc = explain_arg_bool(ctx, d, &sp->verbose);
        else if (strcmp(name, "costs") == 0)
            rc = explain_arg_bool(ctx, d, &sp->costs);
        else if (strcmp(name, "buffers") == 0 || strcmp(name, "settings") == 0)
            rc = explain_arg_bool(ctx, d, &ignored); /* nothing of the kind to report in weir */
        else if (strcmp(name, "wal") == 0)
            rc = explain_arg_bool(ctx, d, &wal);
        else if (strcmp(name, "timing") == 0)
            rc = explain_arg_bool(ctx, d, &timing), timing_set = 1;
        else if (strcmp(name, "summary") == 0)
            rc = explain_arg_bool(ctx, d, &summary), summary_set = 1;
        else if (strcmp(name, "format") == 0) {
            char buf[32];
            const char *f = explain_arg_text(d, buf, sizeof(buf));
            if (!f)
                return sql_error_set(ctx->err, "42601", 0, "%s requires a parameter", name);
            if (strcmp(f, "xml") == 0 || strcmp(f, "json") == 0 || strcmp(f, "yaml") == 0)
                return BIND_ERR(ctx, "0A000", d->location,
                                "EXPLAIN (FORMAT %s) is not supported: weir prints plans as text", f);
            if (strcmp(f, "text") != 0)
                return BIND_ERR(ctx, "22023", d->location,
                                "unrecognized value for EXPLAIN option \"%s\": \"%s\"", name, f);
            rc = WEIR_OK;
        } else {
            return BIND_ERR(ctx, "42601", d->location, "unrecognized EXPLAIN option \"%s\"", name);
        }
        if (rc)
            return rc;
    }
    if (wal && !sp->analyze)
        return sql_error_set(ctx->err, "22023", 0, "EXPLAIN option WAL requires ANALYZE");
    sp->timing = timing_set ? timing : sp->analyze;
    if (sp->timing && !sp->analyze)
        return sql_error_set(ctx->err, "22023", 0, "EXPLAIN option TIMING requires ANALYZE");
    sp->summary = summary_set ? summary : sp->analyze;
    return WEIR_OK;
}

int bind_explain(BindCtx *ctx, PgQuery__ExplainStmt *e, BoundStmt *out)
{
    ExplainSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    if (!sp)
        return bind_oom(ctx);
    if (!e->query)
        return sql_error_set(ctx->err, "42601", 0, "EXPLAIN without a statement");
    /* the statement first, as PostgreSQL, which analyses it before it reads the options */
    uint64_t t0 = clock_mono_ns();
    BoundStmt inner;
    if (bind_statement(ctx, e->query, &inner))
        return WEIR_ERROR;
    if (inner.kind != BOUND_QUERY || !inner.root)
        return sql_error_set(ctx->err, "0A000", 0, "EXPLAIN is supported for queries only");
    sp->plan_nsec = clock_mono_ns() - t0;
    if (explain_options(ctx, e, sp))
        return WEIR_ERROR;
    sp->plan = inner.root;
    Op *op = bind_op_new(ctx, OP_EXPLAIN, 1, NULL);
    SqlColumn *cols = ARENA_NEW(ctx->arena, SqlColumn, 1);
    if (!op || !cols)
        return op ? bind_oom(ctx) : WEIR_ERROR;
    op->types[0] = SQL_TYPE(SQL_TEXT);
    op->spec = sp;
    cols[0].name = "QUERY PLAN";
    cols[0].type = SQL_TYPE(SQL_TEXT);
    memset(out, 0, sizeof(*out));
    out->kind = BOUND_QUERY;
    out->tag = "EXPLAIN";
    out->root = op;
    out->n_cols = 1;
    out->cols = cols;
    return WEIR_OK;
}
