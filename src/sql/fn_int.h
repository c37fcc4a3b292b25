/*
 * fn_int.h: private to the function catalog (sql/func.c) and its kernel files (sql/fn_*.c): the kernel
 * prototypes the catalog table points at, and the small helpers every kernel file shares (errors,
 * NULL marks, a string writer that packs result strings into the batch arena, UTF-8 stepping).
 *
 * Nothing outside src/sql/func.c and src/sql/fn_*.c (and their unit tests) includes this file: other
 * layers reach kernels only through sql_fn_lookup().
 *
 * Files:
 *   fn_common.c  the helpers declared here
 *   fn_cmp.c     comparison operators for every type
 *   fn_arith.c   + - * / % and unary operators, bitwise operators on integers and floats
 *   fn_math.c    mathematical functions, and numeric operators through numeric.c
 *   fn_str.c     string functions
 *   fn_like.c    LIKE/ILIKE, SIMILAR TO, POSIX regular expressions (PCRE2)
 *   fn_time.c    date/time functions and operators
 *   fn_tochar.c  to_char, to_timestamp(text, format), to_date
 *   fn_json.c    json/jsonb operators and functions
 *   fn_sys.c     catalog helpers clients call (version(), current_user, format_type, ...)
 * The kernels each file exports are listed in fn_kernels.h.
 */
#ifndef WEIR_SQL_FN_INT_H
#define WEIR_SQL_FN_INT_H

#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "exec/engine.h"
#include "exec/vec.h"
#include "sql/func.h"

/* The signature every kernel has (see func.h for the contract). */
#define SQL_FN_KERNEL(name) int name(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out)

/* The signature of SqlFnDef.init hooks. */
#define SQL_FN_INIT(name)                                                                                    \
    int name(Arena *plan_arena, const SqlValue *const *consts, uint32_t n_args, void **state, SqlError *err)

/* 53200: a result did not fit the query's memory budget. Returns WEIR_ERROR. */
int fn_error_oom(SqlFnCtx *ctx);

/* Mark row NULL in out (beyond the strict-NULL rows the caller already marked). WEIR_OK or error. */
static inline int fn_set_null(SqlFnCtx *ctx, Vec *out, uint32_t row)
{
    return vec_set_null(out, row, ctx->arena) ? fn_error_oom(ctx) : WEIR_OK;
}

/* Nonzero when out is NULL at row: the kernel must not look at that row's inputs. */
static inline int fn_skip(const Vec *out, uint32_t row)
{
    return vec_is_null(out, row);
}

/* Writer for result strings: hands out byte ranges from chunks of the batch arena, so a batch of short
 * results costs a few arena allocations instead of one (16-byte aligned) allocation per row. */
typedef struct FnStr {
    SqlFnCtx *ctx;
    uint8_t *p;  /* next free byte of the current chunk */
    size_t left; /* bytes left in it */
} FnStr;

static inline void fn_str_init(FnStr *w, SqlFnCtx *ctx)
{
    w->ctx = ctx;
    w->p = NULL;
    w->left = 0;
}

/* Room for n bytes at the returned pointer (NULL with the OOM error set). Nothing is taken until
 * fn_str_take. */
uint8_t *fn_str_reserve__slow(FnStr *w, size_t n);
static inline uint8_t *fn_str_reserve(FnStr *w, size_t n)
{
    return n <= w->left && w->p ? w->p : fn_str_reserve__slow(w, n);
}

/* Take the first n bytes of the last reserve (n <= reserved) and return them as a Slice. */
static inline Slice fn_str_take(FnStr *w, size_t n)
{
    Slice s = {w->p, n};
    w->p += n;
    w->left -= n;
    return s;
}

/* Copy p[0..n) into the arena. Returns 0 and sets *out, or WEIR_ERROR (OOM). */
static inline int fn_str_copy(FnStr *w, const void *p, size_t n, Slice *out)
{
    uint8_t *d = fn_str_reserve(w, n);
    if (!d)
        return WEIR_ERROR;
    if (n)
        memcpy(d, p, n);
    *out = fn_str_take(w, n);
    return WEIR_OK;
}

/* Characters in UTF-8 text (bytes that do not continue a sequence). */
size_t fn_utf8_count(const uint8_t *p, size_t n);

/* Byte length of the UTF-8 character starting with byte c (1 for stray continuation bytes). */
static inline size_t fn_utf8_len(uint8_t c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Byte offset of character k (0-based) in p[0..n); n when the text is shorter. */
size_t fn_utf8_offset(const uint8_t *p, size_t n, size_t k);

/* Decode one UTF-8 character at p (n > 0 bytes left); sets *len. Invalid bytes decode as themselves. */
uint32_t fn_utf8_decode(const uint8_t *p, size_t n, size_t *len);

/* Encode code point c; returns bytes written to out (1..4). */
size_t fn_utf8_encode(uint32_t c, uint8_t *out);

enum { FN_CASE_LOWER = 0, FN_CASE_UPPER = 1, FN_CASE_INITCAP = 2 };

/* Map valid UTF-8 p[0..n) to lower case, upper case or initcap (mode: FN_CASE_*) into d, which has room
 * for FN_CASE_MAP_CAP(n) bytes; returns the bytes written. The mapping is C.UTF-8's, Unicode's simple
 * case mapping (towupper/towlower, and iswalnum for initcap's words, as PostgreSQL in a C.UTF-8
 * cluster; see fn_common.c), whatever the process locale is. Thread-safe. The length can change either way (dotless
 * i, 2 bytes, upper-cases to 'I'; U+023A, 2 bytes, lower-cases to U+2C65, 3 bytes), but ASCII maps to
 * ASCII and a longer character at most doubles, hence the bound. */
#define FN_CASE_MAP_CAP(n) ((n) * 2)
size_t fn_utf8_case_map(const uint8_t *p, size_t n, uint8_t *d, int mode);

/* The text form of a value of any type (typeio's output function, with fast paths for text and
 * integers) appended to b. WEIR_OK or WEIR_ERROR with ctx->err. */
int fn_value_text(SqlFnCtx *ctx, const Vec *v, uint32_t row, Buf *b);

/* Quote a PostgreSQL array element the way array_out does, appending to b. */
int fn_array_elem_append(Buf *b, const uint8_t *p, size_t n);

/* Parse a text[] value's text form ('{a,b,"c d"}') into elements; NULL elements have p == NULL.
 * Element bytes are copied into a (unescaped). Returns the count, or -1 with err set (22P02). */
int fn_array_parse_text(SqlFnCtx *ctx, Slice arr, Slice **elems);

/* The kernels and init hooks of every fn_*.c file, for the catalog table in func.c. */
#include "sql/fn_kernels.h"

#endif
