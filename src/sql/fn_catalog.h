/*
 * fn_catalog.h: facts about the function library that the system catalogs (exec/syscat.c) and the
 * catalog functions (fn_catalog.c) share: which pg_proc oid a function has, the pg_type oids of its
 * argument and result types (pseudo-types included), and the names of PostgreSQL's type input/output
 * functions that pg_type.typinput and friends point at (weir has no such callable functions, but
 * regproc must print and read their names: JDBC asks typinput = 'array_in'::regproc).
 */
#ifndef WEIR_SQL_FN_CATALOG_H
#define WEIR_SQL_FN_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "sql/func.h"

/* pg_type oids of the pseudo-types the library's signatures use. */
#define SQL_PSEUDO_ANY_OID 2276
#define SQL_PSEUDO_ANYELEMENT_OID 2283
#define SQL_PSEUDO_ANYARRAY_OID 2277

/* The name format_type prints for a pseudo-type oid ("any", "anyelement", "anyarray"), or NULL. */
const char *sql_pseudo_type_name(uint32_t oid);

/* Whether d is a function pg_proc lists: it has a PostgreSQL oid and a function name (operators, whose
 * names are symbols, are listed by the functions behind them, which weir does not name). */
int sql_fn_is_proc(const SqlFnDef *d);

/* pg_proc facts of d: the pg_type oid of declared argument i (i < d->n_args; the variadic one as
 * PostgreSQL declares it: "any" stays "any", a concrete type becomes its array), of the result, and
 * provariadic (0 when not variadic). */
uint32_t sql_fn_arg_oid(const SqlFnDef *d, uint32_t i);
uint32_t sql_fn_ret_oid(const SqlFnDef *d);
uint32_t sql_fn_variadic_oid(const SqlFnDef *d);

/* The first pg_proc-listed definition with this oid, or NULL. */
const SqlFnDef *sql_fn_by_oid(uint32_t oid);

/* The name of the function with pg_proc oid `oid`: a library function or a type I/O function; NULL if
 * none. */
const char *sql_proc_name(uint32_t oid);

/* The oid of the function called name (library functions and type I/O functions): 1 with *oid when
 * exactly one function has that name, 0 when none, 2 when several (regproc then fails as PostgreSQL:
 * "more than one function named"). */
int sql_proc_find(const char *name, uint32_t *oid);

/* The argument list of d as pg_get_function_arguments prints it ("text, integer", "VARIADIC \"any\"",
 * "years integer DEFAULT 0, ..." for a function with parameter names), as
 * pg_get_function_identity_arguments prints it (names, no defaults), and its result type as
 * pg_get_function_result does, NUL-terminated in out[0..cap). */
void sql_fn_format_args(const SqlFnDef *d, char *out, size_t cap);
void sql_fn_format_identity_args(const SqlFnDef *d, char *out, size_t cap);
void sql_fn_format_result(const SqlFnDef *d, char *out, size_t cap);

/* PostgreSQL's parameter names and defaults (pg_proc.proargnames, proargdefaults) of the library's
 * functions that have them: calls in named notation (exec/bind_expr.c: make_interval(days => 3)) and
 * pg_get_function_arguments read them. One entry per overload of a name that has names. */
#define SQL_FN_PARAMS_MAX 7
typedef struct SqlFnParams {
    const char *fn;                          /* function name */
    uint8_t n;                               /* parameters: the n_args of the SqlFnDef it describes */
    uint8_t is_variadic;                     /* the last one is VARIADIC (named notation is not offered) */
    const char *names[SQL_FN_PARAMS_MAX];
    const char *defaults[SQL_FN_PARAMS_MAX]; /* the default as PostgreSQL prints it ("0", "0.0"); NULL: none */
} SqlFnParams;

/* The entries for name, contiguous from *first; returns how many (0: the function has no names). */
size_t sql_fn_params_lookup(const char *name, const SqlFnParams **first);

/* format_type(oid, typmod) for a type oid: weir's types, their arrays and the pseudo-types; "???" for
 * others, as PostgreSQL prints an unknown oid. */
void sql_format_type_oid(uint32_t oid, int32_t typmod, char *out, size_t cap);

#endif
