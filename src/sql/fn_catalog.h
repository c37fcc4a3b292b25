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

/* The argument list of d as pg_get_function_arguments prints it ("text, integer", "VARIADIC \"any\"")
 * and its result type as pg_get_function_result does, NUL-terminated in out[0..cap). */
void sql_fn_format_args(const SqlFnDef *d, char *out, size_t cap);
void sql_fn_format_result(const SqlFnDef *d, char *out, size_t cap);

/* format_type(oid, typmod) for a type oid: weir's types, their arrays and the pseudo-types; "???" for
 * others, as PostgreSQL prints an unknown oid. */
void sql_format_type_oid(uint32_t oid, int32_t typmod, char *out, size_t cap);

#endif
