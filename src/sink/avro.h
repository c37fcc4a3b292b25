/*
 * avro.h: the Avro object container format, written directly (issue 5: Iceberg manifests and manifest
 * lists) and read back (to check the files in tests, to carry a manifest list into the next snapshot,
 * and under the fuzzer). Debian's libavro writes only avro.schema and avro.codec and drops the field ids
 * Iceberg puts in schemas, so weir writes the bytes itself (docs/internals/iceberg.md).
 *
 * A container file (Avro 1.11 specification, "Object Container Files"):
 *   "Obj" 0x01 | metadata: map<string, bytes> (avro.schema, avro.codec, and the caller's keys) |
 *   16-byte sync marker | blocks: long count, long byte size, the records (deflated when the codec is
 *   "deflate": raw RFC 1951, no zlib header), the sync marker again.
 * Binary encoding: int and long are zigzag varints; float/double little-endian IEEE; boolean one byte;
 * bytes and string a long length then the bytes; a union the branch index (long) then the value; a record
 * its fields in order; arrays and maps blocks of (count, items), ended by a zero count (a negative count
 * is followed by the block's byte size).
 *
 * Writing: the encoders (avro_put_*) append to a Buf; the writer holds the current block and the file.
 * The caller encodes each record's fields in schema order: the writer does not check records against
 * the schema (the reader does, in tests). Reading: avro_file_read parses the schema (JSON, jansson) and
 * decodes every record into a generic AvroValue tree in an arena. Reading is meant for files of bounded
 * size (manifests); every count and length is checked against the input and the arena's budget.
 */
#ifndef WEIR_SINK_AVRO_H
#define WEIR_SINK_AVRO_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

typedef enum AvroCodec {
    AVRO_CODEC_NULL = 0, /* "null" */
    AVRO_CODEC_DEFLATE,  /* "deflate" */
} AvroCodec;

/* --- encoders: append one value's binary encoding to b (WEIR_OK or WEIR_ELIMIT from b) ------------ */

int avro_put_long(Buf *b, int64_t v) WEIR_WARN_UNUSED; /* also int, enum index, union branch */
int avro_put_bool(Buf *b, int v) WEIR_WARN_UNUSED;
int avro_put_float(Buf *b, float v) WEIR_WARN_UNUSED;
int avro_put_double(Buf *b, double v) WEIR_WARN_UNUSED;
int avro_put_bytes(Buf *b, const void *p, size_t n) WEIR_WARN_UNUSED; /* also string */
int avro_put_string(Buf *b, const char *s) WEIR_WARN_UNUSED;          /* NUL-terminated */
/* Arrays and maps: avro_put_long(b, count) before each block of count items (map items are a string
 * key then the value), then avro_put_long(b, 0) at the end; an empty array is just the 0. */

/* --- the container writer ---------------------------------------------------------------------------- */

typedef struct AvroMeta {
    const char *key;
    const char *value; /* NUL-terminated */
} AvroMeta;

typedef struct AvroWriter {
    Buf file;          /* the container so far */
    Buf block;         /* records of the open block, not yet in file */
    Buf scratch;       /* deflate output */
    uint64_t n_block;  /* records in block */
    uint64_t n_records; /* records written in all */
    uint8_t sync[16];
    AvroCodec codec;
    size_t block_bytes; /* a block is closed once it holds about this many bytes */
    int is_failed;      /* sticky: a failed writer refuses everything but fini */
} AvroWriter;

/* Start a container: header with schema_json (an Avro schema, JSON text, not checked), the codec and the
 * n_meta extra keys; the sync marker is random. max: the file's size limit (BUF_MAX_DEFAULT if 0).
 * Free with avro_writer_fini, also after a failure. */
int avro_writer_init(AvroWriter *w, const char *schema_json, AvroCodec codec, const AvroMeta *meta, size_t n_meta,
                     size_t max, Err *e) WEIR_WARN_UNUSED;
/* The buffer to encode the next record into (its fields in schema order, with avro_put_*), then
 * avro_writer_end_record. Borrowed. */
Buf *avro_writer_record(AvroWriter *w);
int avro_writer_end_record(AvroWriter *w, Err *e) WEIR_WARN_UNUSED;
/* Close the last block. The file's bytes are then w->file.p[0..w->file.len) (still owned by w). */
int avro_writer_finish(AvroWriter *w, Err *e) WEIR_WARN_UNUSED;
void avro_writer_fini(AvroWriter *w);

/* --- the reader ---------------------------------------------------------------------------------------- */

typedef enum AvroKind {
    AVRO_NULL = 0,
    AVRO_BOOLEAN,
    AVRO_INT,
    AVRO_LONG,
    AVRO_FLOAT,
    AVRO_DOUBLE,
    AVRO_BYTES,
    AVRO_STRING,
    AVRO_RECORD,
    AVRO_ENUM,
    AVRO_ARRAY,
    AVRO_MAP,
    AVRO_UNION,
    AVRO_FIXED,
} AvroKind;

typedef struct AvroSchema AvroSchema;
struct AvroSchema {
    AvroKind kind;
    const char *name;        /* records, enums, fixed: the (full) name */
    const char *logical;     /* "logicalType", or NULL */
    int32_t element_id;      /* arrays: "element-id" (-1: none) */
    int32_t key_id, value_id; /* maps and Iceberg's map-as-array: "key-id"/"value-id" (-1: none) */
    uint32_t n;              /* fields / branches / symbols; fixed: size */
    const AvroSchema **sub;  /* fields' / branches' schemas; arrays: sub[0] items; maps: sub[0] values */
    const char **names;      /* record field names / enum symbols */
    const int32_t *field_ids; /* record fields' "field-id" (-1: none) */
};

typedef struct AvroValue AvroValue;
struct AvroValue {
    const AvroSchema *schema; /* for a union: the branch taken */
    AvroKind kind;            /* never AVRO_UNION: unions decode to their branch */
    int32_t branch;           /* the union branch index, -1 when not in a union */
    union {
        int b;
        int64_t i; /* int, long, enum index */
        double f;  /* float, double */
        Slice s;   /* bytes, string, fixed: borrowed from the decoded block (lives in the arena) */
    } u;
    uint32_t n;              /* record fields, array items, map entries */
    const AvroValue **items; /* record fields in order / array items / map values */
    const Slice *keys;       /* map keys */
};

typedef struct AvroFile {
    const AvroMeta *meta; /* every metadata entry, values NUL-terminated (copies in the arena) */
    size_t n_meta;
    const AvroSchema *schema;
    AvroCodec codec;
    uint8_t sync[16];
    const AvroValue **records;
    size_t n_records;
    size_t n_blocks;
} AvroFile;

/* Decode the whole container p[0..n) into out, every allocation in a (its budget bounds the work).
 * Returns WEIR_OK, WEIR_ECORRUPT (not a container, a bad schema, a record that does not fit it, a sync
 * marker that differs, trailing bytes), or WEIR_ENOMEM (a's budget). */
int avro_file_read(const uint8_t *p, size_t n, Arena *a, AvroFile *out, Err *e) WEIR_WARN_UNUSED;
/* The value of metadata key, or NULL. */
const char *avro_file_meta(const AvroFile *f, const char *key);
/* The field called name of a record value, or NULL (also for a non-record). A field holding a union's
 * null branch is a value of kind AVRO_NULL, not NULL. */
const AvroValue *avro_value_field(const AvroValue *rec, const char *name);
/* A record value's field as an integer (int/long) or string, with a fallback when it is absent or null. */
int64_t avro_value_field_long(const AvroValue *rec, const char *name, int64_t dflt);
Slice avro_value_field_str(const AvroValue *rec, const char *name);

/* Parse a schema alone (JSON text). For tests and the reader. */
int avro_schema_parse(const char *json, size_t n, Arena *a, const AvroSchema **out, Err *e) WEIR_WARN_UNUSED;

#endif
