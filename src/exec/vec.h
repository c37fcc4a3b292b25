/*
 * vec.h: column vectors and batches, the unit of data every operator passes (DESIGN.md "Execution").
 *
 * A Vec is one column of up to VEC_BATCH rows: a typed array (which member of the union is used follows
 * from sql_type_phys(type.id), see sql/types.h) plus a NULL bitmap. A Batch is n rows over n_cols Vecs.
 * Memory: a batch and its vectors live in an arena (normally the batch arena, reset when the consumer
 * is done with the batch); string Slices point into record bytes, the arena, or the plan's constants,
 * and are valid as long as the batch is. Nothing here is allocated with malloc per row.
 *
 * NULLs: bit (row % 64) of nulls[row / 64] is 1 when the row is NULL. nulls == NULL means "no NULLs"
 * (the common case, checked once per vector). The data slot of a NULL row is unspecified, but it is
 * always initialised memory (zero), so kernels may compute on it and mask afterwards.
 */
#ifndef WEIR_EXEC_VEC_H
#define WEIR_EXEC_VEC_H

#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sql/types.h"

#define VEC_BATCH 2048

typedef struct Vec {
    SqlType type;
    uint64_t *nulls; /* VEC_BATCH / 64 words, or NULL when no row is NULL */
    union {
        uint8_t *b;
        int64_t *i;
        double *f;
        SqlNumeric *num;
        Slice *s;
        SqlInterval *iv;
        void *data;
    } u;
} Vec;

typedef struct Batch {
    uint32_t n;      /* rows, 0..VEC_BATCH */
    uint32_t n_cols;
    Vec *cols;
} Batch;

static inline int vec_is_null(const Vec *v, uint32_t row)
{
    return v->nulls && (v->nulls[row >> 6] >> (row & 63) & 1);
}

/* Mark a row NULL, allocating the bitmap (zeroed) from a on first use. Returns WEIR_OK or WEIR_ENOMEM. */
int vec_set_null(Vec *v, uint32_t row, Arena *a) WEIR_WARN_UNUSED;

/* Bytes of one row of a column of type id (the union member sql_type_phys selects). */
size_t vec_elem_size(SqlTypeId id);

/* Mark rows 0..VEC_BATCH of v NULL (allocating the bitmap from a). WEIR_OK or WEIR_ENOMEM. */
int vec_fill_null(Vec *v, Arena *a) WEIR_WARN_UNUSED;

/* Initialise v as an empty column of type t with room for VEC_BATCH rows, data zeroed, from a.
 * Returns WEIR_OK or WEIR_ENOMEM (over the arena's budget). */
int vec_init(Vec *v, SqlType t, Arena *a) WEIR_WARN_UNUSED;

/* A batch with n_cols columns of the given types, 0 rows, from a. NULL over budget. */
Batch *batch_create(Arena *a, const SqlType *types, uint32_t n_cols);

/* Read row `row` of v into *out (strings borrowed from v's storage). */
void vec_get(const Vec *v, uint32_t row, SqlValue *out);

/* Write *val into row `row` of v (strings are NOT copied: the caller keeps them alive as long as the
 * batch, or copies them into the batch arena first). val's type must have v's physical class.
 * Returns WEIR_OK or WEIR_ENOMEM (NULL bitmap allocation). */
int vec_put(Vec *v, uint32_t row, const SqlValue *val, Arena *a) WEIR_WARN_UNUSED;

/* Three-way comparison of two non-NULL values of the same type: numbers by value, strings by bytes
 * (collation "C"), NaN above every other float (PostgreSQL's order), intervals by their total
 * (30-day months). */
int sql_value_cmp(const SqlValue *a, const SqlValue *b);

/* Copy v's string bytes (if it has any) into a, so the value outlives its batch. WEIR_ENOMEM over
 * budget. */
int sql_value_keep(Arena *a, SqlValue *v) WEIR_WARN_UNUSED;

#endif
