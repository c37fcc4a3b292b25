/*
 * vec.c: see vec.h.
 */
#include "exec/vec.h"

#include <math.h>
#include <string.h>

#include "sql/datetime.h"
#include "sql/numeric.h"

size_t vec_elem_size(SqlTypeId id)
{
    switch (sql_type_phys(id)) {
    case SQL_PHYS_BOOL: return sizeof(uint8_t);
    case SQL_PHYS_INT: return sizeof(int64_t);
    case SQL_PHYS_FLOAT: return sizeof(double);
    case SQL_PHYS_NUMERIC: return sizeof(SqlNumeric);
    case SQL_PHYS_STR: return sizeof(Slice);
    case SQL_PHYS_INTERVAL: return sizeof(SqlInterval);
    case SQL_PHYS_NONE: return sizeof(Slice);
    }
    return sizeof(Slice);
}

int vec_init(Vec *v, SqlType t, Arena *a)
{
    v->type = t;
    v->nulls = NULL;
    v->u.data = arena_try_calloc_array(a, VEC_BATCH, vec_elem_size(t.id));
    return v->u.data ? WEIR_OK : WEIR_ENOMEM;
}

int vec_fill_null(Vec *v, Arena *a)
{
    if (!v->nulls && !(v->nulls = arena_try_alloc(a, VEC_BATCH / 8)))
        return WEIR_ENOMEM;
    memset(v->nulls, 0xff, VEC_BATCH / 8);
    return WEIR_OK;
}

int vec_set_null(Vec *v, uint32_t row, Arena *a)
{
    if (!v->nulls) {
        v->nulls = arena_try_calloc_array(a, VEC_BATCH / 64, sizeof(uint64_t));
        if (!v->nulls)
            return WEIR_ENOMEM;
    }
    v->nulls[row >> 6] |= (uint64_t)1 << (row & 63);
    return WEIR_OK;
}

Batch *batch_create(Arena *a, const SqlType *types, uint32_t n_cols)
{
    Batch *b = arena_try_calloc(a, sizeof(*b));
    if (!b)
        return NULL;
    b->n_cols = n_cols;
    b->cols = ARENA_NEW(a, Vec, n_cols ? n_cols : 1);
    if (!b->cols)
        return NULL;
    for (uint32_t i = 0; i < n_cols; i++)
        if (vec_init(&b->cols[i], types[i], a))
            return NULL;
    return b;
}

void vec_get(const Vec *v, uint32_t row, SqlValue *out)
{
    memset(out, 0, sizeof(*out));
    out->type = v->type;
    if (vec_is_null(v, row)) {
        out->is_null = 1;
        return;
    }
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_BOOL: out->u.b = v->u.b[row]; break;
    case SQL_PHYS_INT: out->u.i = v->u.i[row]; break;
    case SQL_PHYS_FLOAT: out->u.f = v->u.f[row]; break;
    case SQL_PHYS_NUMERIC: out->u.num = v->u.num[row]; break;
    case SQL_PHYS_STR: out->u.s = v->u.s[row]; break;
    case SQL_PHYS_INTERVAL: out->u.iv = v->u.iv[row]; break;
    case SQL_PHYS_NONE: out->u.s = v->u.s[row]; break;
    }
}

int vec_put(Vec *v, uint32_t row, const SqlValue *val, Arena *a)
{
    if (val->is_null)
        return vec_set_null(v, row, a);
    if (v->nulls)
        v->nulls[row >> 6] &= ~((uint64_t)1 << (row & 63));
    switch (sql_type_phys(v->type.id)) {
    case SQL_PHYS_BOOL: v->u.b[row] = val->u.b; break;
    case SQL_PHYS_INT: v->u.i[row] = val->u.i; break;
    case SQL_PHYS_FLOAT: v->u.f[row] = val->u.f; break;
    case SQL_PHYS_NUMERIC: v->u.num[row] = val->u.num; break;
    case SQL_PHYS_STR: v->u.s[row] = val->u.s; break;
    case SQL_PHYS_INTERVAL: v->u.iv[row] = val->u.iv; break;
    case SQL_PHYS_NONE: v->u.s[row] = val->u.s; break;
    }
    return WEIR_OK;
}

/* Three-way comparison of two non-NULL values of one type (C collation for strings; NaN sorts above
 * every other float, as in PostgreSQL). */
int sql_value_cmp(const SqlValue *a, const SqlValue *b)
{
    switch (sql_type_phys(a->type.id)) {
    case SQL_PHYS_BOOL: return (int)a->u.b - (int)b->u.b;
    case SQL_PHYS_INT: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    case SQL_PHYS_FLOAT: {
        double x = a->u.f, y = b->u.f;
        if (isnan(x) || isnan(y))
            return isnan(x) ? (isnan(y) ? 0 : 1) : -1;
        return x < y ? -1 : x > y;
    }
    case SQL_PHYS_NUMERIC: return sql_numeric_cmp(&a->u.num, &b->u.num);
    case SQL_PHYS_INTERVAL: return sql_interval_cmp(&a->u.iv, &b->u.iv);
    case SQL_PHYS_STR:
    case SQL_PHYS_NONE: {
        size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
        int c = n ? memcmp(a->u.s.p, b->u.s.p, n) : 0;
        if (c)
            return c < 0 ? -1 : 1;
        return a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n;
    }
    }
    return 0;
}

/* Copy a value's string bytes into a (so it outlives the input batch). */
int sql_value_keep(Arena *a, SqlValue *v)
{
    if (v->is_null)
        return WEIR_OK;
    SqlPhys ph = sql_type_phys(v->type.id);
    if (ph != SQL_PHYS_STR && ph != SQL_PHYS_NONE)
        return WEIR_OK;
    uint8_t *p = arena_try_alloc(a, v->u.s.n ? v->u.s.n : 1);
    if (!p)
        return WEIR_ENOMEM;
    if (v->u.s.n)
        memcpy(p, v->u.s.p, v->u.s.n);
    v->u.s.p = p;
    return WEIR_OK;
}

