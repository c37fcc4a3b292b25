/*
 * bind.c: the binder's entry point (bind.h) and the utility statements: SET, SHOW, transactions,
 * CREATE TABLE, DROP TABLE, DISCARD, DEALLOCATE. Queries are bind_select.c's, expressions bind_expr.c's.
 */
#include "exec/bind_int.h"

#include <pg_query.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/catalog.h"
#include "sql/numeric.h"

/* ------------------------------------------------------------------------------------------------
 * Utility statements
 * ---------------------------------------------------------------------------------------------- */

/* The text of a SET argument: a constant's text, numbers as written, identifiers as given. */
static int set_arg_text(BindCtx *ctx, PgQuery__Node *n, char *out, size_t cap)
{
    if (n->node_case == PG_QUERY__NODE__NODE_A_CONST) {
        PgQuery__AConst *c = n->a_const;
        switch (c->val_case) {
        case PG_QUERY__A__CONST__VAL_IVAL: snprintf(out, cap, "%d", c->ival ? c->ival->ival : 0); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_FVAL: snprintf(out, cap, "%s", c->fval->fval); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_SVAL: snprintf(out, cap, "%s", c->sval->sval); return WEIR_OK;
        case PG_QUERY__A__CONST__VAL_BOOLVAL: snprintf(out, cap, "%s", c->boolval->boolval ? "on" : "off"); return WEIR_OK;
        default: break;
        }
    }
    if (n->node_case == PG_QUERY__NODE__NODE_TYPE_CAST && n->type_cast->arg)
        return set_arg_text(ctx, n->type_cast->arg, out, cap); /* SET TIME ZONE INTERVAL '...' */
    return sql_error_set(ctx->err, "42601", 0, "unsupported value in SET");
}

static int bind_set(BindCtx *ctx, PgQuery__VariableSetStmt *v, BoundStmt *out)
{
    out->kind = BOUND_SET;
    out->tag = v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET || v->kind == PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL
                   ? "RESET"
                   : "SET";
    switch (v->kind) {
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_VALUE: {
        char value[1024] = "";
        size_t len = 0;
        for (size_t i = 0; i < v->n_args; i++) {
            char part[512];
            if (set_arg_text(ctx, v->args[i], part, sizeof(part)))
                return WEIR_ERROR;
            len += (size_t)snprintf(value + len, sizeof(value) - len, "%s%s", i ? ", " : "", part);
        }
        out->set_name = arena_try_strndup(ctx->arena, v->name, strlen(v->name));
        out->set_value = arena_try_strndup(ctx->arena, value, strlen(value));
        return out->set_name && out->set_value ? WEIR_OK : bind_oom(ctx);
    }
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_DEFAULT:
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET:
        out->set_name = arena_try_strndup(ctx->arena, v->name, strlen(v->name));
        out->set_value = NULL;
        return out->set_name ? WEIR_OK : bind_oom(ctx);
    case PG_QUERY__VARIABLE_SET_KIND__VAR_RESET_ALL:
        out->set_name = NULL;
        return WEIR_OK;
    case PG_QUERY__VARIABLE_SET_KIND__VAR_SET_MULTI:
        /* SET TRANSACTION ... / SET SESSION CHARACTERISTICS: accepted, nothing to do (reads are snapshots) */
        out->kind = BOUND_NOOP;
        return WEIR_OK;
    default:
        return sql_error_set(ctx->err, "0A000", 0, "this form of SET is not supported");
    }
}

static int bind_show(BindCtx *ctx, PgQuery__VariableShowStmt *v, BoundStmt *out)
{
    const char *name = v->name;
    const char *value = sql_session_get(ctx->sess, name);
    if (!value) {
        if (strcasecmp(name, "all") == 0)
            return sql_error_set(ctx->err, "0A000", 0, "SHOW ALL is not supported yet");
        return sql_error_set(ctx->err, "42704", 0, "unrecognized configuration parameter \"%s\"", name);
    }
    out->kind = BOUND_QUERY;
    out->tag = "SHOW";
    Op *op = bind_op_new(ctx, OP_VALUES, 1, NULL);
    Expr *e = bind_expr_new(ctx, EXPR_CONST, SQL_TYPE(SQL_TEXT), -1, 0);
    char *copy = arena_try_strndup(ctx->arena, value, strlen(value));
    out->cols = ARENA_NEW(ctx->arena, SqlColumn, 1);
    if (!op || !e || !copy || !out->cols || !(op->exprs = ARENA_NEW(ctx->arena, Expr *, 1)))
        return bind_oom(ctx);
    e->u.cval.type = SQL_TYPE(SQL_TEXT);
    e->u.cval.u.s = (Slice){(const uint8_t *)copy, strlen(copy)};
    op->exprs[0] = e;
    op->n_rows = 1;
    op->types[0] = SQL_TYPE(SQL_TEXT);
    /* PostgreSQL names the column after the setting's own spelling ("SHOW timezone" answers a column
     * "TimeZone"); the session keeps that spelling in the slot, custom names lower-cased. */
    const char *cname = name;
    for (size_t i = 0; i < ctx->sess->n_settings; i++)
        if (!strcasecmp(ctx->sess->settings[i].name, name))
            cname = ctx->sess->settings[i].name;
    out->cols[0].name = arena_try_strndup(ctx->arena, cname, strlen(cname));
    out->cols[0].type = SQL_TYPE(SQL_TEXT);
    out->root = op;
    out->n_cols = 1;
    return WEIR_OK;
}

static void tabledef_destroy_cb(void *arg)
{
    TableDef *td = arg;
    tabledef_destroy(&td);
}

/* The text of a WITH option's value. */
static int defelem_text(BindCtx *ctx, PgQuery__DefElem *d, char *out, size_t cap)
{
    PgQuery__Node *a = d->arg;
    if (!a) {
        snprintf(out, cap, "true"); /* WITH (header) */
        return WEIR_OK;
    }
    switch (a->node_case) {
    case PG_QUERY__NODE__NODE_STRING: snprintf(out, cap, "%s", a->string->sval); return WEIR_OK;
    case PG_QUERY__NODE__NODE_INTEGER: snprintf(out, cap, "%d", a->integer->ival); return WEIR_OK;
    case PG_QUERY__NODE__NODE_FLOAT: snprintf(out, cap, "%s", a->float_->fval); return WEIR_OK;
    case PG_QUERY__NODE__NODE_BOOLEAN: snprintf(out, cap, "%s", a->boolean->boolval ? "true" : "false"); return WEIR_OK;
    case PG_QUERY__NODE__NODE_TYPE_NAME: {
        const char *n = bind_qualified_last(a->type_name->names, a->type_name->n_names);
        snprintf(out, cap, "%s", n ? n : "");
        return WEIR_OK;
    }
    case PG_QUERY__NODE__NODE_A_CONST:
        return set_arg_text(ctx, a, out, cap);
    default:
        return BIND_ERR(ctx, "22023", d->location, "invalid value for option \"%s\"", d->defname);
    }
}

/* One WITH (key = value) option: key with its namespace ("user_id.path"), value as text (bind_int.h). */
int bind_option(BindCtx *ctx, PgQuery__Node *n, SqlOption *o)
{
    PgQuery__DefElem *d = n->def_elem;
    char key[256], value[4096];
    if (d->defnamespace && d->defnamespace[0])
        snprintf(key, sizeof(key), "%s.%s", d->defnamespace, d->defname);
    else
        snprintf(key, sizeof(key), "%s", d->defname);
    if (defelem_text(ctx, d, value, sizeof(value)))
        return WEIR_ERROR;
    o->key = arena_try_strndup(ctx->arena, key, strlen(key));
    o->value = arena_try_strndup(ctx->arena, value, strlen(value));
    o->position = bind_pos(ctx, d->location);
    return o->key && o->value ? WEIR_OK : bind_oom(ctx);
}

static int bind_create_table(BindCtx *ctx, PgQuery__CreateStmt *c, BoundStmt *out)
{
    out->kind = BOUND_CREATE_TABLE;
    out->tag = "CREATE TABLE";
    out->if_not_exists = c->if_not_exists;
    if (c->n_inh_relations || c->partspec || c->of_typename || c->n_constraints)
        return sql_error_set(ctx->err, "0A000", 0, "inheritance, partitions and table constraints are not supported");
    size_t n_cols = c->n_table_elts;
    TableColumnSpec *cols = ARENA_NEW(ctx->arena, TableColumnSpec, n_cols ? n_cols : 1);
    TableOption *opts = ARENA_NEW(ctx->arena, TableOption, c->n_options ? c->n_options : 1);
    if (!cols || !opts)
        return bind_oom(ctx);
    for (size_t i = 0; i < n_cols; i++) {
        PgQuery__Node *el = c->table_elts[i];
        if (el->node_case != PG_QUERY__NODE__NODE_COLUMN_DEF)
            return sql_error_set(ctx->err, "0A000", 0, "table constraints are not supported");
        PgQuery__ColumnDef *cd = el->column_def;
        if (bind_type_name(ctx, cd->type_name, &cols[i].type))
            return WEIR_ERROR;
        cols[i].name = cd->colname;
        cols[i].position = bind_pos(ctx, cd->location);
    }
    for (size_t i = 0; i < c->n_options; i++) {
        SqlOption o;
        if (bind_option(ctx, c->options[i], &o))
            return WEIR_ERROR;
        opts[i].key = o.key;
        opts[i].value = o.value;
        opts[i].position = o.position;
    }
    TableDef *td = NULL;
    if (tabledef_build(c->relation->relname, cols, n_cols, opts, c->n_options, &td, ctx->err))
        return WEIR_ERROR;
    if (arena_on_reset(ctx->arena, tabledef_destroy_cb, td)) {
        tabledef_destroy(&td);
        return bind_oom(ctx);
    }
    out->create_def = td;
    return WEIR_OK;
}

static int bind_drop(BindCtx *ctx, PgQuery__DropStmt *d, BoundStmt *out)
{
    int view = d->remove_type == PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW;
    if (d->remove_type != PG_QUERY__OBJECT_TYPE__OBJECT_TABLE && !view)
        return sql_error_set(ctx->err, "0A000", 0, "only DROP TABLE and DROP MATERIALIZED VIEW are supported");
    out->kind = view ? BOUND_DROP_VIEW : BOUND_DROP_TABLE;
    out->tag = view ? "DROP MATERIALIZED VIEW" : "DROP TABLE";
    out->if_exists = d->missing_ok;
    out->drop_names = ARENA_NEW(ctx->arena, const char *, d->n_objects ? d->n_objects : 1);
    if (!out->drop_names)
        return bind_oom(ctx);
    for (size_t i = 0; i < d->n_objects; i++) {
        PgQuery__Node *o = d->objects[i];
        const char *name = o->node_case == PG_QUERY__NODE__NODE_LIST
                               ? bind_qualified_last(o->list->items, o->list->n_items)
                               : bind_node_str(o);
        if (!name)
            return sql_error_set(ctx->err, "42601", 0, "syntax error in %s", out->tag);
        out->drop_names[out->n_drop++] = name; /* lives as long as the parse tree (the statement) */
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Cursors: DECLARE, FETCH / MOVE, CLOSE
 * ---------------------------------------------------------------------------------------------- */

/* The text of the statement after its first keyword `token` outside parentheses (up to the statement's
 * end): the query of DECLARE ... CURSOR ... FOR, of CREATE MATERIALIZED VIEW ... AS; with token
 * PG_QUERY__TOKEN__NUL, the text inside the statement's first parentheses (COPY (query) TO, bind_copy.c).
 * Found with the SQL scanner so quotes and comments cannot fool it. NULL when it cannot be found. */
char *bind_stmt_text_after(BindCtx *ctx, PgQuery__Token token)
{
    const char *stmt = ctx->query + ctx->offset;
    PgQueryScanResult r = pg_query_scan(stmt);
    char *out = NULL;
    int in_parens = token == PG_QUERY__TOKEN__NUL;
    if (!r.error) {
        PgQuery__ScanResult *sr = pg_query__scan_result__unpack(NULL, r.pbuf.len, (const uint8_t *)r.pbuf.data);
        if (sr) {
            int depth = 0;
            int32_t start = -1, end = (int32_t)strlen(stmt);
            for (size_t i = 0; i < sr->n_tokens; i++) {
                PgQuery__ScanToken *t = sr->tokens[i];
                if (t->token == PG_QUERY__TOKEN__ASCII_40) {
                    if (depth++ == 0 && in_parens && start < 0)
                        start = t->end;
                } else if (t->token == PG_QUERY__TOKEN__ASCII_41) {
                    if (--depth == 0 && in_parens && start >= 0) {
                        end = t->start;
                        break;
                    }
                } else if (start < 0 && depth == 0 && !in_parens && t->token == token && i + 1 < sr->n_tokens) {
                    start = sr->tokens[i + 1]->start;
                } else if (start >= 0 && depth == 0 && t->token == PG_QUERY__TOKEN__ASCII_59) {
                    end = t->start;
                    break;
                }
            }
            if (start >= 0 && end > start)
                out = arena_try_strndup(ctx->arena, stmt + start, (size_t)(end - start));
            pg_query__scan_result__free_unpacked(sr, NULL);
        }
    }
    pg_query_free_scan_result(r);
    return out;
}

static int bind_declare(BindCtx *ctx, PgQuery__DeclareCursorStmt *d, BoundStmt *out)
{
    enum { CURSOR_OPT_BINARY = 0x1, CURSOR_OPT_SCROLL = 0x2, CURSOR_OPT_HOLD = 0x20 };
    if (d->options & CURSOR_OPT_BINARY)
        return sql_error_set(ctx->err, "0A000", 0, "DECLARE BINARY CURSOR is not supported");
    if (d->options & CURSOR_OPT_SCROLL)
        return sql_error_set(ctx->err, "0A000", 0, "DECLARE SCROLL CURSOR is not supported (cursors only move forward)");
    if (!d->query || d->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return sql_error_set(ctx->err, "0A000", 0, "DECLARE CURSOR supports only SELECT queries");
    /* bind the query now, so its errors are DECLARE's, as in PostgreSQL */
    BoundStmt q;
    memset(&q, 0, sizeof(q));
    if (bind_select(ctx, d->query->select_stmt, &q))
        return WEIR_ERROR;
    if (ctx->n_params)
        return sql_error_set(ctx->err, "0A000", 0, "parameters in DECLARE CURSOR are not supported");
    const char *text = bind_stmt_text_after(ctx, PG_QUERY__TOKEN__FOR);
    if (!text)
        return sql_error_set(ctx->err, "42601", 0, "could not find the query of DECLARE CURSOR");
    out->kind = BOUND_DECLARE;
    out->tag = "DECLARE CURSOR";
    out->cursor_name = d->portalname;
    out->cursor_query = text;
    out->cursor_hold = (d->options & CURSOR_OPT_HOLD) != 0;
    return WEIR_OK;
}

/* CREATE MATERIALIZED VIEW name [(columns)] [WITH (options)] AS SELECT ...: the query is bound here once,
 * so that its errors come with their positions as for any query; the runtime plans it again. */
static int bind_create_view(BindCtx *ctx, PgQuery__CreateTableAsStmt *c, BoundStmt *out)
{
    PgQuery__IntoClause *into = c->into;
    if (c->objtype != PG_QUERY__OBJECT_TYPE__OBJECT_MATVIEW)
        return sql_error_set(ctx->err, "0A000", 0,
                             "CREATE TABLE AS is not supported: tables map streams (CREATE TABLE ... WITH (stream = ...)); "
                             "a query that keeps running is CREATE MATERIALIZED VIEW");
    if (!into || !into->rel || !c->query || c->query->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return sql_error_set(ctx->err, "0A000", 0, "CREATE MATERIALIZED VIEW needs AS SELECT ...");
    if (into->skip_data)
        return sql_error_set(ctx->err, "0A000", 0, "WITH NO DATA is not supported: a materialized view runs from its creation");
    BoundStmt q;
    memset(&q, 0, sizeof(q));
    if (bind_select(ctx, c->query->select_stmt, &q))
        return WEIR_ERROR;
    if (ctx->n_params)
        return sql_error_set(ctx->err, "0A000", 0, "parameters in CREATE MATERIALIZED VIEW are not supported");
    const char *text = bind_stmt_text_after(ctx, PG_QUERY__TOKEN__AS);
    if (!text)
        return sql_error_set(ctx->err, "42601", 0, "could not find the query of CREATE MATERIALIZED VIEW");
    SqlViewDef *v = &out->view;
    v->name = into->rel->relname;
    v->query = text;
    v->if_not_exists = c->if_not_exists;
    if (into->n_col_names) {
        if (into->n_col_names > q.n_cols)
            return sql_error_set(ctx->err, "42601", 0, "too many column names were specified");
        if (!(v->col_names = ARENA_NEW(ctx->arena, const char *, into->n_col_names)))
            return bind_oom(ctx);
        for (size_t i = 0; i < into->n_col_names; i++)
            if (!(v->col_names[i] = bind_node_str(into->col_names[i])))
                return sql_error_set(ctx->err, "42601", 0, "syntax error in the column names of the view");
        v->n_col_names = (uint32_t)into->n_col_names;
    }
    SqlOption *opts = ARENA_NEW(ctx->arena, SqlOption, into->n_options ? into->n_options : 1);
    if (!opts)
        return bind_oom(ctx);
    for (size_t i = 0; i < into->n_options; i++)
        if (bind_option(ctx, into->options[i], &opts[i]))
            return WEIR_ERROR;
    v->opts = opts;
    v->n_opts = (uint32_t)into->n_options;
    out->kind = BOUND_CREATE_VIEW;
    out->tag = "CREATE MATERIALIZED VIEW";
    return WEIR_OK;
}

static const SqlCursor *cursor_find(SqlSession *s, const char *name)
{
    for (const SqlCursor *c = s->cursors; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int bind_fetch(BindCtx *ctx, PgQuery__FetchStmt *f, BoundStmt *out)
{
    const char *name = f->portalname && f->portalname[0] ? f->portalname : "";
    const SqlCursor *c = cursor_find(ctx->sess, name);
    if (!c)
        return sql_error_set(ctx->err, "34000", 0, "cursor \"%s\" does not exist", name);
    if (f->direction != PG_QUERY__FETCH_DIRECTION__FETCH_FORWARD || f->how_many < 0)
        return sql_error_set(ctx->err, "0A000", 0, "cursors only move forward (FETCH [FORWARD] n | ALL)");
    out->kind = BOUND_FETCH;
    out->tag = f->ismove ? "MOVE" : "FETCH";
    out->cursor_name = name;
    /* FETCH_ALL is LONG_MAX; FETCH 0 re-reads the current row in PostgreSQL, which a forward-only cursor
     * cannot: it returns nothing here */
    out->fetch_count = f->how_many >= INT64_MAX / 2 ? 0 : (uint64_t)f->how_many;
    out->fetch_move = f->ismove;
    if (f->how_many == 0)
        out->fetch_count = UINT64_MAX; /* marker: no rows */
    if (!f->ismove) {
        out->n_cols = (uint32_t)sql_stmt_n_columns(c->st);
        const SqlColumn *cols = sql_stmt_columns(c->st);
        if (out->n_cols && !(out->cols = ARENA_NEW(ctx->arena, SqlColumn, out->n_cols)))
            return sql_error_set(ctx->err, "53200", 0, "out of memory while planning the query");
        for (uint32_t i = 0; i < out->n_cols; i++) {
            out->cols[i] = cols[i];
            out->cols[i].name = arena_try_strndup(ctx->arena, cols[i].name, strlen(cols[i].name));
        }
    }
    return WEIR_OK;
}

int bind_statement(BindCtx *ctx, PgQuery__Node *stmt, BoundStmt *out)
{
    memset(out, 0, sizeof(*out));
    int rc;
    switch (stmt->node_case) {
    case PG_QUERY__NODE__NODE_SELECT_STMT:
        rc = bind_select(ctx, stmt->select_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_VARIABLE_SET_STMT:
        rc = bind_set(ctx, stmt->variable_set_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_VARIABLE_SHOW_STMT:
        rc = bind_show(ctx, stmt->variable_show_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_TRANSACTION_STMT: {
        PgQuery__TransactionStmt *t = stmt->transaction_stmt;
        rc = WEIR_OK;
        switch (t->kind) {
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_BEGIN:
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_START:
            out->kind = BOUND_BEGIN, out->tag = "BEGIN";
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_COMMIT:
            out->kind = BOUND_COMMIT, out->tag = "COMMIT";
            break;
        case PG_QUERY__TRANSACTION_STMT_KIND__TRANS_STMT_ROLLBACK:
            out->kind = BOUND_ROLLBACK, out->tag = "ROLLBACK";
            break;
        default:
            rc = sql_error_set(ctx->err, "0A000", 0, "savepoints and two-phase commit are not supported");
        }
        break;
    }
    case PG_QUERY__NODE__NODE_CREATE_STMT:
        rc = bind_create_table(ctx, stmt->create_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_DROP_STMT:
        rc = bind_drop(ctx, stmt->drop_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_CREATE_TABLE_AS_STMT:
        rc = bind_create_view(ctx, stmt->create_table_as_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_DISCARD_STMT:
        out->kind = BOUND_NOOP, out->tag = "DISCARD ALL", rc = WEIR_OK;
        break;
    case PG_QUERY__NODE__NODE_DEALLOCATE_STMT:
        out->kind = BOUND_NOOP, out->tag = "DEALLOCATE", rc = WEIR_OK;
        break;
    case PG_QUERY__NODE__NODE_EXPLAIN_STMT:
        rc = bind_explain(ctx, stmt->explain_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_COPY_STMT:
        rc = bind_copy(ctx, stmt->copy_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_DECLARE_CURSOR_STMT:
        rc = bind_declare(ctx, stmt->declare_cursor_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_FETCH_STMT:
        rc = bind_fetch(ctx, stmt->fetch_stmt, out);
        break;
    case PG_QUERY__NODE__NODE_CLOSE_PORTAL_STMT:
        out->kind = BOUND_CLOSE;
        out->tag = stmt->close_portal_stmt->portalname ? "CLOSE CURSOR" : "CLOSE CURSOR ALL";
        out->cursor_name = stmt->close_portal_stmt->portalname;
        rc = WEIR_OK;
        break;
    case PG_QUERY__NODE__NODE_INSERT_STMT:
    case PG_QUERY__NODE__NODE_UPDATE_STMT:
    case PG_QUERY__NODE__NODE_DELETE_STMT:
    case PG_QUERY__NODE__NODE_MERGE_STMT:
        rc = sql_error_set(ctx->err, "0A000", 0,
                           "%s is not supported: tables over streams are read-only in SQL (write records with the "
                           "Kinesis API, PutRecord or PutRecords)",
                           stmt->node_case == PG_QUERY__NODE__NODE_INSERT_STMT   ? "INSERT"
                           : stmt->node_case == PG_QUERY__NODE__NODE_UPDATE_STMT ? "UPDATE"
                           : stmt->node_case == PG_QUERY__NODE__NODE_DELETE_STMT ? "DELETE"
                                                                                 : "MERGE");
        break;
    default: {
        /* name the statement as its command tag would */
        const char *what = "this statement";
        switch (stmt->node_case) {
        case PG_QUERY__NODE__NODE_INDEX_STMT: what = "CREATE INDEX"; break;
        case PG_QUERY__NODE__NODE_VIEW_STMT: what = "CREATE VIEW"; break;
        case PG_QUERY__NODE__NODE_ALTER_TABLE_STMT: what = "ALTER TABLE"; break;
        case PG_QUERY__NODE__NODE_TRUNCATE_STMT: what = "TRUNCATE"; break;
        case PG_QUERY__NODE__NODE_CREATE_SCHEMA_STMT: what = "CREATE SCHEMA"; break;
        case PG_QUERY__NODE__NODE_CREATEDB_STMT: what = "CREATE DATABASE"; break;
        case PG_QUERY__NODE__NODE_CREATE_ROLE_STMT: what = "CREATE ROLE"; break;
        case PG_QUERY__NODE__NODE_GRANT_STMT: what = "GRANT"; break;
        case PG_QUERY__NODE__NODE_CREATE_FUNCTION_STMT: what = "CREATE FUNCTION"; break;
        case PG_QUERY__NODE__NODE_DO_STMT: what = "DO"; break;
        case PG_QUERY__NODE__NODE_PREPARE_STMT: what = "PREPARE (use the protocol's Parse message)"; break;
        case PG_QUERY__NODE__NODE_EXECUTE_STMT: what = "EXECUTE"; break;
        case PG_QUERY__NODE__NODE_LISTEN_STMT: what = "LISTEN"; break;
        case PG_QUERY__NODE__NODE_VACUUM_STMT: what = "VACUUM"; break;
        case PG_QUERY__NODE__NODE_LOCK_STMT: what = "LOCK"; break;
        default: break;
        }
        rc = sql_error_set(ctx->err, "0A000", 0, "%s is not supported", what);
        break;
    }
    }
    if (rc)
        return rc;
    /* parameters the query never typed are text, as PostgreSQL resolves unknown parameters */
    for (uint32_t i = 0; i < ctx->n_params; i++)
        if (ctx->param_types[i].id == SQL_UNKNOWN)
            ctx->param_types[i] = SQL_TYPE(SQL_TEXT);
    out->param_types = ctx->param_types;
    out->n_params = ctx->n_params;
    return WEIR_OK;
}

