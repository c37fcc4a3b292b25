/*
 * bind_srf.c: set-returning functions: which calls weir runs as OP_FUNCSCAN and how their arguments
 * are typed (bind_srf_spec, shared by FROM items in bind_select.c), and such a call in a SELECT list.
 *
 * The functions: generate_series (PostgreSQL's int4, int8, numeric and timestamp[tz] overloads),
 * unnest(anyarray) and information_schema._pg_expandarray(anyarray), which returns rows (x, n): JDBC's
 * getPrimaryKeys / getIndexInfo / getBestRowIdentifier call it in a SELECT list, pick fields out of its
 * row ((information_schema._pg_expandarray(i.indkey)).n) and carry the whole row through a subquery
 * (... AS keys ... WHERE a.attnum = (i.keys).x).
 *
 * In a SELECT list (PostgreSQL 10's semantics, ProjectSet): each input row yields one output row per
 * value of the function, none when it returns nothing. bind_srf_begin plans the call as an OP_FUNCSCAN
 * over the FROM/WHERE plan before the list is bound, with the call's arguments bound over the same
 * input, and records it in ctx->srf; binding the list then meets the call again (bind_func_call asks
 * bind_srf_ref) and gets its columns: the value, or for _pg_expandarray a row of (x, n) that field
 * selection folds back to a column. Several calls are one function when their parse trees are equal
 * (locations aside): JDBC writes the same _pg_expandarray call twice. Different functions side by side
 * would run in lockstep in PostgreSQL; weir refuses them (0A000), and a set-returning function in a
 * query with aggregates, GROUP BY or window functions (PostgreSQL evaluates it after those).
 */
#include "exec/bind_int.h"

#include <stdio.h>
#include <string.h>

typedef struct SrfBind {
    PgQuery__FuncCall *call; /* the first call (the others are equal to it) */
    FuncScanKind kind;
    uint32_t first_col;      /* its first column in the OP_FUNCSCAN's output */
    uint32_t n_out;
    SqlType types[2];
} SrfBind;

/* ------------------------------------------------------------------------------------------------
 * Which functions, and their plan data
 * ---------------------------------------------------------------------------------------------- */

/* Whether fc calls a set-returning function weir has (*kind_series tells generate_series apart, whose
 * FuncScanKind depends on its argument types). */
static int srf_is_call(const PgQuery__FuncCall *fc, int *is_series, FuncScanKind *kind)
{
    if (fc->over || fc->agg_star || fc->agg_distinct || fc->n_agg_order || fc->agg_filter || fc->agg_within_group)
        return 0;
    const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
    const char *schema = fc->n_funcname == 2 ? bind_node_str(fc->funcname[0]) : NULL;
    char lname[64];
    bind_lower_copy(name ? name : "", lname, sizeof(lname));
    *is_series = 0;
    if (fc->n_funcname > 2 || (schema && strcmp(schema, "pg_catalog") != 0 && strcmp(schema, "information_schema") != 0))
        return 0;
    if (strcmp(lname, "generate_series") == 0 && (!schema || strcmp(schema, "pg_catalog") == 0)) {
        *is_series = 1;
        *kind = FUNCSCAN_SERIES_INT;
        return 1;
    }
    if (strcmp(lname, "unnest") == 0 && (!schema || strcmp(schema, "pg_catalog") == 0)) {
        *kind = FUNCSCAN_UNNEST;
        return 1;
    }
    /* _pg_expandarray lives in information_schema, which is not on the search path */
    if (strcmp(lname, "_pg_expandarray") == 0 && schema && strcmp(schema, "information_schema") == 0) {
        *kind = FUNCSCAN_EXPAND_ARRAY;
        return 1;
    }
    return 0;
}

int bind_srf_spec(BindCtx *ctx, PgQuery__FuncCall *fc, Expr **args, FuncScanSpec **out, SqlType *types,
                  uint32_t *n_out)
{
    int series;
    FuncScanKind kind;
    const char *name = bind_qualified_last(fc->funcname, fc->n_funcname);
    char lname[64];
    bind_lower_copy(name ? name : "", lname, sizeof(lname));
    if (!srf_is_call(fc, &series, &kind))
        return BIND_ERR(ctx, "0A000", fc->location, "function %s in FROM is not supported (generate_series, unnest "
                        "and information_schema._pg_expandarray are)", lname);
    uint32_t n = (uint32_t)fc->n_args;
    if ((series && (n < 2 || n > 3)) || (!series && n != 1))
        return BIND_ERR(ctx, "42883", fc->location, "function %s with %u arguments does not exist", lname, n);
    FuncScanSpec *sp = arena_try_calloc(ctx->arena, sizeof(*sp));
    if (!sp)
        return bind_oom(ctx);
    *n_out = 1;
    if (!series) {
        /* anyarray: an array, or a catalog vector (JDBC: _pg_expandarray(i.indkey)) */
        SqlTypeId vt = expr_vector_elem(args[0]->type.id);
        char tn[64];
        if (!SQL_IS_ARRAY(args[0]->type.id) && !vt)
            return BIND_ERR(ctx, "42883", fc->location, "function %s(%s) does not exist", lname,
                            bind_type_str(args[0]->type, tn, sizeof(tn)));
        types[0] = SQL_TYPE(vt ? vt : SQL_ELEM_OF(args[0]->type.id));
        if (kind == FUNCSCAN_EXPAND_ARRAY)
            types[1] = SQL_TYPE(SQL_INT4), *n_out = 2;
    } else {
        /* PostgreSQL's overloads: int4, int8, numeric, timestamp, timestamptz (with an interval step) */
        SqlType t;
        if (bind_common_type(ctx, args, 2, "generate_series", &t))
            return WEIR_ERROR;
        if (t.id == SQL_UNKNOWN || t.id == SQL_INT2)
            t = SQL_TYPE(SQL_INT4);
        if (t.id == SQL_DATE)
            t = SQL_TYPE(SQL_TIMESTAMPTZ);
        if (t.id == SQL_FLOAT4 || t.id == SQL_FLOAT8)
            t = SQL_TYPE(SQL_NUMERIC);
        if (t.id == SQL_TIMESTAMP || t.id == SQL_TIMESTAMPTZ) {
            if (n != 3)
                return BIND_ERR(ctx, "42883", fc->location, "function generate_series(%s, %s) does not exist",
                                bind_type_str(t, lname, sizeof(lname)), "timestamp");
            if (bind_coerce(ctx, &args[2], SQL_TYPE(SQL_INTERVAL), 0, args[2]->location))
                return WEIR_ERROR;
            kind = FUNCSCAN_SERIES_TS;
        } else if (t.id == SQL_INT4 || t.id == SQL_INT8) {
            kind = FUNCSCAN_SERIES_INT;
        } else if (t.id == SQL_NUMERIC) {
            kind = FUNCSCAN_SERIES_NUMERIC;
        } else {
            return BIND_ERR(ctx, "42883", fc->location, "function generate_series(%s) does not exist",
                            bind_type_str(t, lname, sizeof(lname)));
        }
        for (uint32_t i = 0; i < n; i++)
            if ((i < 2 || kind != FUNCSCAN_SERIES_TS) && bind_coerce(ctx, &args[i], t, 0, args[i]->location))
                return WEIR_ERROR;
        types[0] = t;
    }
    sp->kind = kind;
    sp->args = args;
    sp->n_args = n;
    *out = sp;
    return WEIR_OK;
}

/* The names of the function's output columns in FROM (and of its row's fields): the function's name,
 * or x and n for _pg_expandarray. */
const char *bind_srf_column_name(const FuncScanSpec *sp, uint32_t i, const char *fn_name)
{
    if (sp->kind == FUNCSCAN_EXPAND_ARRAY)
        return i ? "n" : "x";
    return fn_name;
}

/* ------------------------------------------------------------------------------------------------
 * Parse-tree equality and search
 * ---------------------------------------------------------------------------------------------- */

static int pb_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* Bytes of one element of a scalar field. */
static size_t pb_scalar_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    default: return 4;
    }
}

static int pb_value_equal(const ProtobufCFieldDescriptor *f, const void *x, const void *y)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(const char *const *)x, *t = *(const char *const *)y;
        return s == t || (s && t && strcmp(s, t) == 0);
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *s = x, *t = y;
        return s->len == t->len && (!s->len || memcmp(s->data, t->data, s->len) == 0);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *s = *(const ProtobufCMessage *const *)x, *t = *(const ProtobufCMessage *const *)y;
        return s == t || (s && t && pb_msg_equal(s, t));
    }
    default: return memcmp(x, y, pb_scalar_size(f->type)) == 0;
    }
}

/* Field-by-field equality of two parse trees, locations aside (the same expression written twice). */
static int pb_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
    const ProtobufCMessageDescriptor *d = a->descriptor;
    if (d != b->descriptor)
        return 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *pa = (const char *)a, *pb = (const char *)b;
        if (strcmp(f->name, "location") == 0)
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            uint32_t ca = *(const uint32_t *)(const void *)(pa + f->quantifier_offset);
            uint32_t cb = *(const uint32_t *)(const void *)(pb + f->quantifier_offset);
            if (ca != cb)
                return 0;
            if (ca != f->id)
                continue;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t na = *(const size_t *)(const void *)(pa + f->quantifier_offset);
            size_t nb = *(const size_t *)(const void *)(pb + f->quantifier_offset);
            if (na != nb)
                return 0;
            const char *ea = *(const char *const *)(const void *)(pa + f->offset);
            const char *eb = *(const char *const *)(const void *)(pb + f->offset);
            size_t sz = f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE ? sizeof(void *)
                        : f->type == PROTOBUF_C_TYPE_BYTES                                     ? sizeof(ProtobufCBinaryData)
                                                                                               : pb_scalar_size(f->type);
            for (size_t k = 0; k < na; k++)
                if (!pb_value_equal(f, ea + k * sz, eb + k * sz))
                    return 0;
            continue;
        }
        if (!pb_value_equal(f, pa + f->offset, pb + f->offset))
            return 0;
    }
    return 1;
}

typedef struct SrfFound {
    PgQuery__FuncCall *calls[16];
    uint32_t n;
    int windowed; /* a call with OVER */
} SrfFound;

/* The set-returning calls in a parse tree, not inside subqueries. */
static void srf_find(const ProtobufCMessage *m, SrfFound *f)
{
    if (!m || m->descriptor == &pg_query__select_stmt__descriptor)
        return;
    if (m->descriptor == &pg_query__func_call__descriptor) {
        PgQuery__FuncCall *fc = (PgQuery__FuncCall *)(uintptr_t)m;
        int series;
        FuncScanKind kind;
        f->windowed |= fc->over != NULL;
        if (srf_is_call(fc, &series, &kind)) {
            if (f->n < sizeof(f->calls) / sizeof(f->calls[0]))
                f->calls[f->n] = fc;
            f->n++;
            return; /* its arguments are its own */
        }
    }
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const char *p = (const char *)m;
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const uint32_t *)(const void *)(p + fd->quantifier_offset) != fd->id)
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(const void *)(p + fd->quantifier_offset);
            const ProtobufCMessage *const *e = *(const ProtobufCMessage *const *const *)(const void *)(p + fd->offset);
            for (size_t k = 0; k < n; k++)
                srf_find(e[k], f);
        } else {
            srf_find(*(const ProtobufCMessage *const *)(const void *)(p + fd->offset), f);
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * A set-returning function in a SELECT list
 * ---------------------------------------------------------------------------------------------- */

int bind_srf_begin(BindCtx *ctx, PgQuery__SelectStmt *s, Op **root)
{
    SrfFound f;
    memset(&f, 0, sizeof(f));
    for (size_t i = 0; i < s->n_target_list; i++)
        srf_find(&s->target_list[i]->base, &f);
    if (!f.n)
        return WEIR_OK;
    PgQuery__FuncCall *fc = f.calls[0];
    if (s->n_group_clause || s->having_clause || f.windowed || s->n_window_clause ||
        bind_nodes_have_agg(s->target_list, s->n_target_list) || bind_nodes_have_agg(s->sort_clause, s->n_sort_clause))
        return BIND_ERR(ctx, "0A000", fc->location, "set-returning functions in the SELECT list of a query with "
                        "aggregates, GROUP BY or window functions are not supported");
    for (uint32_t i = 1; i < f.n; i++)
        if (i >= sizeof(f.calls) / sizeof(f.calls[0]) || !pb_msg_equal(&fc->base, &f.calls[i]->base))
            return BIND_ERR(ctx, "0A000", i < sizeof(f.calls) / sizeof(f.calls[0]) ? f.calls[i]->location : fc->location,
                            "more than one set-returning function in a SELECT list is not supported");
    if (!*root)
        return sql_error_set(ctx->err, "XX000", 0, "internal error: no input for a set-returning function");
    /* the arguments are expressions over the same input as the list */
    uint32_t n = (uint32_t)fc->n_args;
    Expr **args = ARENA_NEW(ctx->arena, Expr *, n ? n : 1);
    SrfBind *sb = arena_try_calloc(ctx->arena, sizeof(*sb));
    if (!args || !sb)
        return bind_oom(ctx);
    for (uint32_t i = 0; i < n; i++)
        if (!(args[i] = bind_expr(ctx, fc->args[i])))
            return WEIR_ERROR;
    FuncScanSpec *sp;
    if (bind_srf_spec(ctx, fc, args, &sp, sb->types, &sb->n_out))
        return WEIR_ERROR;
    Op *child = *root;
    Op *op = bind_op_new(ctx, OP_FUNCSCAN, child->n_cols + sb->n_out, child);
    if (!op)
        return WEIR_ERROR;
    memcpy(op->types, child->types, child->n_cols * sizeof(SqlType));
    memcpy(op->types + child->n_cols, sb->types, sb->n_out * sizeof(SqlType));
    op->spec = sp;
    sb->call = fc;
    sb->kind = sp->kind;
    sb->first_col = child->n_cols;
    ctx->srf = sb;
    *root = op;
    return WEIR_OK;
}

int bind_srf_ref(BindCtx *ctx, PgQuery__FuncCall *fc, Expr **out)
{
    SrfBind *sb = ctx->srf;
    *out = NULL;
    if (!sb || (fc != sb->call && !pb_msg_equal(&fc->base, &sb->call->base)))
        return 0;
    Expr *cols[2];
    for (uint32_t i = 0; i < sb->n_out; i++) {
        if (!(cols[i] = bind_expr_new(ctx, EXPR_COL, sb->types[i], fc->location, 0))) {
            bind_oom(ctx);
            return 1;
        }
        cols[i]->u.col = sb->first_col + i;
    }
    if (sb->kind != FUNCSCAN_EXPAND_ARRAY) {
        *out = cols[0];
        return 1;
    }
    static const char *const names[2] = {"x", "n"};
    *out = bind_row_value(ctx, cols, names, 2, fc->location);
    return 1;
}

int bind_srf_refuse(BindCtx *ctx, PgQuery__FuncCall *fc)
{
    int series;
    FuncScanKind kind;
    if (!srf_is_call(fc, &series, &kind))
        return WEIR_OK;
    return BIND_ERR(ctx, "0A000", fc->location, "set-returning functions are not allowed in %s",
                    ctx->clause ? ctx->clause : "this context");
}
