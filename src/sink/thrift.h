/*
 * thrift.h: the Thrift compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md), as much as
 * Parquet's metadata needs: a writer (page headers and the footer of files weir writes) and a generic
 * reader that parses any compact-protocol struct into a tree (unit tests and the fuzz target read
 * footers back with it; weir does not read Parquet files otherwise).
 *
 * Writer: fields are written in increasing id order inside a struct (the header carries the id delta
 * when it is 1..15, else the full zigzag i16); structs nest up to THRIFT_MAX_DEPTH. Errors (the Buf's
 * limit, too deep) are sticky in the writer: check thrift_writer_error once at the end.
 * Reader: bounds-checked everywhere, depth-limited, element counts checked against the bytes left, so a
 * hostile footer cannot make it recurse or allocate without bound (every node comes from the arena).
 */
#ifndef WEIR_SINK_THRIFT_H
#define WEIR_SINK_THRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

/* Compact protocol type codes (field headers and list element types). */
enum {
    THRIFT_STOP = 0,
    THRIFT_TRUE = 1, /* in a field header: a bool field that is true; as a list element type: BOOL */
    THRIFT_FALSE = 2,
    THRIFT_I8 = 3,
    THRIFT_I16 = 4,
    THRIFT_I32 = 5,
    THRIFT_I64 = 6,
    THRIFT_DOUBLE = 7,
    THRIFT_BINARY = 8,
    THRIFT_LIST = 9,
    THRIFT_SET = 10,
    THRIFT_MAP = 11,
    THRIFT_STRUCT = 12,
};

#define THRIFT_MAX_DEPTH 32

typedef struct ThriftWriter {
    Buf *out;
    int16_t last_id[THRIFT_MAX_DEPTH];
    int depth;
    int err; /* first WEIR_E* code, sticky */
} ThriftWriter;

void thrift_writer_init(ThriftWriter *w, Buf *out);
int thrift_writer_error(const ThriftWriter *w);

/* A struct: begin (also for the top-level one), fields, end (writes the stop byte). */
void thrift_struct_begin(ThriftWriter *w);
void thrift_struct_end(ThriftWriter *w);
/* A field header alone, for a nested struct or list field (followed by thrift_struct_begin or
 * thrift_list_begin). */
void thrift_field_begin(ThriftWriter *w, int16_t id, uint8_t type);
void thrift_field_bool(ThriftWriter *w, int16_t id, int v);
void thrift_field_i32(ThriftWriter *w, int16_t id, int32_t v);
void thrift_field_i64(ThriftWriter *w, int16_t id, int64_t v);
void thrift_field_double(ThriftWriter *w, int16_t id, double v);
void thrift_field_binary(ThriftWriter *w, int16_t id, const void *p, size_t n);
void thrift_field_string(ThriftWriter *w, int16_t id, const char *s);
/* A list header; then n elements written with the bare writers below (or structs). */
void thrift_list_begin(ThriftWriter *w, uint8_t elem_type, uint32_t n);
void thrift_write_i32(ThriftWriter *w, int32_t v);
void thrift_write_i64(ThriftWriter *w, int64_t v);
void thrift_write_binary(ThriftWriter *w, const void *p, size_t n);

/* An unsigned LEB128 varint (the compact protocol's, also the length headers of Parquet's RLE/bit-packed
 * hybrid) appended to b. WEIR_OK or WEIR_ELIMIT. */
int thrift_varint_append(Buf *b, uint64_t v) WEIR_WARN_UNUSED;

/* ---- reader: a parsed value ---- */
typedef struct ThriftField ThriftField;
typedef struct ThriftValue {
    uint8_t type; /* THRIFT_TRUE for any bool (b says which), THRIFT_I8 .. THRIFT_STRUCT */
    union {
        int b;
        int64_t i; /* I8, I16, I32, I64 */
        double d;
        Slice bin; /* borrowed from the input */
        struct {
            ThriftField *fields;
            uint32_t n;
        } st;
        struct {
            uint8_t elem; /* element type (maps: the value type; keys in keys) */
            struct ThriftValue *v;
            struct ThriftValue *keys; /* maps only */
            uint32_t n;
        } list; /* LIST, SET, MAP */
    } u;
} ThriftValue;

struct ThriftField {
    int16_t id;
    ThriftValue v;
};

/* Parse one struct from p[0..n); *used: its length. Nodes from a; binaries borrow p. */
int thrift_read_struct(const uint8_t *p, size_t n, Arena *a, ThriftValue *out, size_t *used,
                       Err *e) WEIR_WARN_UNUSED;
/* The field id of a struct value, or NULL (also when st is NULL or not a struct). */
const ThriftValue *thrift_get(const ThriftValue *st, int16_t id);
/* Convenience: the integer field id, or dflt when absent or not an integer. */
int64_t thrift_get_int(const ThriftValue *st, int16_t id, int64_t dflt);

#endif
