/*
 * func.h: the catalog of scalar functions and operators, and the vectorized kernels behind them.
 *
 * The binder (sql/bind.c) resolves a call by name and argument types against this table the way
 * PostgreSQL's func_select_candidate does: exact match first, then candidates reachable through
 * implicit casts (int2 -> int4 -> int8 -> numeric -> float4 -> float8; unknown literals -> any type;
 * varchar/bpchar/name -> text; date -> timestamp -> timestamptz; json <-> jsonb only explicitly),
 * preferring the candidate with the most exact matches and then the preferred type of the category
 * (float8 for numbers, text for strings, timestamptz for date/time). It then inserts casts on the
 * arguments so a kernel always receives exactly its declared argument types.
 *
 * Operators are functions whose name is the operator ("+", "=", "<>", "||", "~~" for LIKE, "~~*" for
 * ILIKE, "~" and "~*" for regular expressions, "->", "->>", "#>", "#>>" for JSON). Unary minus is "-"
 * with one argument. AND/OR/NOT, IS [NOT] NULL, IS [NOT] DISTINCT FROM, CASE, COALESCE, NULLIF, IN,
 * BETWEEN and casts are not here: the expression evaluator handles them itself.
 *
 * Kernel contract:
 *   - out was vec_init'ed with the resolved return type; args are full vectors of ctx->n rows
 *     (constants are broadcast), each exactly of its declared type.
 *   - strict functions (almost all): before the call, out->nulls is the OR of the arguments' NULL
 *     bitmaps; the kernel must skip rows where vec_is_null(out, row) (their inputs are unspecified, and
 *     e.g. a division must not report division by zero for them). A kernel may set more rows NULL
 *     (vec_set_null) where PostgreSQL returns NULL for non-NULL input.
 *   - non-strict functions (concat, concat_ws, coalesce-like helpers) see NULL inputs and set out's
 *     NULLs themselves.
 *   - strings the kernel produces go into ctx->arena; Slices into the arguments may be returned as is
 *     (substring, btrim) because arguments live at least as long as the output batch.
 *   - errors: return WEIR_ERROR after sql_error_set(ctx->err, sqlstate, 0, message) with PostgreSQL's
 *     SQLSTATE and message text (22012 "division by zero", 22003 "integer out of range", ...).
 */
#ifndef WEIR_SQL_FUNC_H
#define WEIR_SQL_FUNC_H

#include <stdint.h>

#include "base/arena.h"
#include "exec/vec.h"
#include "sql/typeio.h"

typedef struct SqlFnCtx {
    uint32_t n;               /* rows in this call */
    Arena *arena;             /* output strings; the batch arena */
    const SqlFormatOpts *fmt; /* session settings: time zone, DateStyle, extra_float_digits */
    int64_t stmt_time_usec;   /* now(), current_timestamp: statement start, microseconds since 2000 */
    SqlError *err;
    void *state;              /* per call site, for kernels that cache (compiled regexes): see SqlFnDef.init */
    /* Session facts for current_user, session_user, current_database() and version(); NULL gives
     * "weir", "weir" and "15.0" (additions for the catalog helpers in fn_sys.c). */
    const char *session_user;
    const char *database;
    const char *server_version; /* as SqlEngineConfig.server_version: "15.0 (weir 0.1.0)" */
} SqlFnCtx;

typedef int (*SqlScalarKernel)(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out);

/* Pseudo-types allowed in SqlFnDef.args / ret (above every real SqlTypeId and below SQL_ARRAY_BIT). */
#define SQL_FN_ANY ((SqlTypeId)0xF0)          /* any type, each argument independent */
#define SQL_FN_ANYELEMENT ((SqlTypeId)0xF1)   /* any type, the same for every ANYELEMENT argument */
#define SQL_FN_ANYARRAY ((SqlTypeId)0xF2)     /* an array of the ANYELEMENT type */
#define SQL_FN_RET_ARG0 ((SqlTypeId)0xF3)     /* ret: the resolved type of the first argument */

enum { SQL_FN_IMMUTABLE = 0, SQL_FN_STABLE = 1, SQL_FN_VOLATILE = 2 };

typedef struct SqlFnDef {
    const char *name;      /* lower case; "pg_catalog." prefix is stripped by the binder */
    uint8_t n_args;        /* fixed arguments (for variadic: the minimum) */
    uint8_t is_variadic;   /* the last declared argument repeats */
    uint8_t is_strict;     /* NULL in any argument -> NULL out, handled as described above */
    uint8_t volatility;    /* SQL_FN_* (now() is STABLE, random() VOLATILE) */
    SqlTypeId args[8];     /* (8: make_interval and make_timestamptz take 7) */
    SqlTypeId ret;
    SqlScalarKernel fn;
    uint32_t oid;          /* pg_proc oid in PostgreSQL 15 when the function exists there, else 0 */
    /* Optional per call site state, built once when an argument is constant (regex patterns, to_char
     * formats, time zone names): consts[i] is non-NULL for constant arguments. Returns WEIR_OK or
     * WEIR_ERROR with err. The state lives in the plan arena. */
    int (*init)(Arena *plan_arena, const SqlValue *const *consts, uint32_t n_args, void **state, SqlError *err);
} SqlFnDef;

/* Every definition with this name (and, when n_args >= 0, this many arguments or variadic), for the
 * binder. Returns the number found (0: no such function) and points *defs at a contiguous run. */
size_t sql_fn_lookup(const char *name, const SqlFnDef *const **defs);

/* All definitions (for pg_proc). */
size_t sql_fn_all(const SqlFnDef *const **defs);

#endif
