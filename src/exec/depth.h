/*
 * depth.h: keeping deeply nested SQL from exhausting the stack. A statement's nesting (SELECT +++...1,
 * f(f(f(...))), subqueries in subqueries) drives recursion in libpg_query's tree output, in protobuf-c's
 * unpacking of that tree, in the binder and in the evaluator; past what the thread's stack holds, each of
 * them would crash the server. PostgreSQL answers such statements with
 *     ERROR 54001 stack depth limit exceeded
 *     HINT  Increase the configuration parameter "max_stack_depth" (currently 2048kB), after ensuring
 *           the platform's stack depth limit is adequate.
 * and so does weir, from two places:
 *   - sql_parse_text, before the libraries' recursion (which cannot be interrupted): a bound on the parse
 *     tree's depth from the statement's tokens before parsing, then the tree's exact depth before unpacking,
 *     each compared with the stack left on this thread;
 *   - sql_stack_check, PostgreSQL's check_stack_depth, called on entry to weir's own recursive functions
 *     that follow the statement's shape (bind_expr, bind_select, expression evaluation).
 * Design notes: docs/internals/sql-engine.md, "Nesting depth".
 */
#ifndef WEIR_EXEC_DEPTH_H
#define WEIR_EXEC_DEPTH_H

#include <pg_query/pg_query.pb-c.h>

#include "exec/engine.h"

/* PostgreSQL's default max_stack_depth, which the HINT names: the stack weir's own recursion may use on
 * one thread, in bytes of a release build (an AddressSanitizer build, whose frames are about three times
 * larger, may use three times as much, so both builds reach about the same nesting). */
#define SQL_MAX_STACK_DEPTH_KB 2048

/* WEIR_OK, or WEIR_ERROR with 54001 in err when this thread has used more than max_stack_depth of its
 * stack or has too little left for what a call below may need. */
int sql_stack_check(SqlError *err) WEIR_WARN_UNUSED;

/* Parse text (one or more statements, NUL-terminated) with libpg_query into *out, a tree the caller
 * frees with pg_query__parse_result__free_unpacked. On failure err holds 42601 (a syntax error, as
 * PostgreSQL words it; *cursor is then its 1-based byte offset in text, or 0), 54001 (nested deeper than
 * this thread's stack allows) or XX000; err->position is left to the caller. */
int sql_parse_text(const char *text, PgQuery__ParseResult **out, int *cursor, SqlError *err) WEIR_WARN_UNUSED;

/* An upper bound on the depth (in protobuf messages) of text's parse tree, from its tokens alone, and the
 * exact depth of a packed tree. Exposed for the tests, which check the first is never below the second. */
size_t sql_depth_estimate(const char *text);
size_t sql_depth_packed(const uint8_t *p, size_t n);

#endif
