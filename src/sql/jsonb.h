/*
 * jsonb.h: JSON text checking for the json type and normalisation for jsonb, as PostgreSQL 15's
 * json_in / jsonb_in accept and print them (used by typeio.c; usable by JSON functions).
 *
 * json keeps the text exactly as written once it is valid. jsonb is printed the way PostgreSQL prints a
 * stored jsonb: object keys sorted by length, then bytewise; a duplicated key keeps its last value;
 * strings de-escaped and re-escaped minimally (\" \\ \b \f \n \r \t and \u00XX for other controls);
 * numbers as numeric_out prints them ("1e2" -> 100, "1.50" stays 1.50, "-0" -> 0), without numeric's
 * 38-digit limit; spacing '{"a": 1, "b": [1, 2]}'.
 *
 * Errors carry PostgreSQL's texts: 22P02 "invalid input syntax for type json" with its DETAIL ('Token
 * "x" is invalid.', 'The input string ended unexpectedly.', ...) and CONTEXT ('JSON data, line 1: {"a":');
 * 22P05 for \u0000 in jsonb; 54001 when nesting passes SQL_JSON_MAX_DEPTH.
 */
#ifndef WEIR_SQL_JSONB_H
#define WEIR_SQL_JSONB_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sql/typeio.h"

typedef struct SqlError SqlError; /* exec/engine.h */

#define SQL_JSON_MAX_DEPTH 1000

/* Check that p[0..n) is one JSON value (surrounding whitespace allowed). Returns WEIR_OK or WEIR_ERROR
 * with err. Allocates nothing. */
int sql_json_validate(const uint8_t *p, size_t n, SqlError *err) WEIR_WARN_UNUSED;

/* Parse p[0..n) and write jsonb's canonical text into the arena; *out points at it. Returns WEIR_OK or
 * WEIR_ERROR with err (53200 when the arena's budget runs out). */
int sql_jsonb_normalize(const uint8_t *p, size_t n, Arena *a, Slice *out, SqlError *err) WEIR_WARN_UNUSED;

/* p[0..n) as a JSON string (quoted, escaped as PostgreSQL's escape_json), appended to b. WEIR_ENOMEM
 * (b's limit). */
int sql_json_append_string(Buf *b, const uint8_t *p, size_t n) WEIR_WARN_UNUSED;

/* Row `row` of v as a JSON value, as to_json / row_to_json write it (numbers bare, timestamps in ISO 8601
 * with a T, json as is, the rest as strings), appended to b. Used for records written as JSON (the
 * continuous queries' output streams). a: scratch. */
struct Vec;
int sql_json_append_value(const struct Vec *v, uint32_t row, const SqlFormatOpts *fmt, Arena *a, Buf *b,
                          SqlError *err) WEIR_WARN_UNUSED;

#endif
