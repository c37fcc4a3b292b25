/*
 * fuzz/avro_read.c: libFuzzer target for the Avro container reader (src/sink/avro.c), which reads
 * Iceberg manifests and manifest lists back. The input is a whole container file. Invariants:
 *   1. the reader returns WEIR_OK, WEIR_ECORRUPT or WEIR_ENOMEM (the arena's budget), with a message on
 *      failure; never a crash, a leak or an unbounded loop;
 *   2. a file that reads is re-encoded value by value with the writer (avro_put_*, AvroWriter) under the
 *      same schema; the copy reads back to the same number of records, and encoding the copy's records
 *      gives the same bytes again (decode and encode are inverse on everything the reader accepts).
 * Seeds: fuzz/corpus/avro_read/ (files written by tests/unit/sink/test_avro.c and Iceberg manifests).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink/avro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/avro_read: check failed: %s (line %d)", #x, __LINE__);                          \
    } while (0)

static int put_value(Buf *b, const AvroSchema *s, const AvroValue *v)
{
    int rc = WEIR_OK;
    if (s->kind == AVRO_UNION) {
        CHECK(v->branch >= 0 && (uint32_t)v->branch < s->n);
        rc = avro_put_long(b, v->branch);
        return rc ? rc : put_value(b, s->sub[v->branch], v);
    }
    CHECK(v->kind == s->kind);
    switch (s->kind) {
    case AVRO_NULL:
        return WEIR_OK;
    case AVRO_BOOLEAN:
        return avro_put_bool(b, v->u.b);
    case AVRO_INT:
    case AVRO_LONG:
    case AVRO_ENUM:
        return avro_put_long(b, v->u.i);
    case AVRO_FLOAT:
        return avro_put_float(b, (float)v->u.f);
    case AVRO_DOUBLE:
        return avro_put_double(b, v->u.f);
    case AVRO_BYTES:
    case AVRO_STRING:
        return avro_put_bytes(b, v->u.s.p, v->u.s.n);
    case AVRO_FIXED:
        CHECK(v->u.s.n == s->n);
        return buf_append(b, v->u.s.p, v->u.s.n);
    case AVRO_RECORD:
        CHECK(v->n == s->n);
        for (uint32_t i = 0; rc == WEIR_OK && i < s->n; i++)
            rc = put_value(b, s->sub[i], v->items[i]);
        return rc;
    case AVRO_ARRAY:
    case AVRO_MAP:
        if (v->n)
            rc = avro_put_long(b, v->n);
        for (uint32_t i = 0; rc == WEIR_OK && i < v->n; i++) {
            if (s->kind == AVRO_MAP)
                rc = avro_put_bytes(b, v->keys[i].p, v->keys[i].n);
            if (rc == WEIR_OK)
                rc = put_value(b, s->sub[0], v->items[i]);
        }
        return rc ? rc : avro_put_long(b, 0);
    case AVRO_UNION:
        break;
    }
    return WEIR_ERROR;
}

/* All records of f, encoded back to back. */
static void encode_all(const AvroFile *f, Buf *out)
{
    for (size_t i = 0; i < f->n_records; i++)
        CHECK(put_value(out, f->schema, f->records[i]) == WEIR_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Arena *a = arena_create(NULL, (size_t)64 << 20);
    AvroFile f;
    Err e = {0};
    int rc = avro_file_read(data, size, a, &f, &e);
    CHECK(rc == WEIR_OK || rc == WEIR_ECORRUPT || rc == WEIR_ENOMEM);
    if (rc != WEIR_OK) {
        CHECK(e.msg[0] != '\0');
        arena_destroy(&a);
        return 0;
    }
    Buf first, second;
    buf_init(&first, BUF_MAX_DEFAULT);
    buf_init(&second, BUF_MAX_DEFAULT);
    encode_all(&f, &first);

    AvroWriter w;
    const char *schema = avro_file_meta(&f, "avro.schema");
    CHECK(schema != NULL);
    CHECK(avro_writer_init(&w, schema, f.codec, NULL, 0, 0, &e) == WEIR_OK);
    for (size_t i = 0; i < f.n_records; i++) {
        CHECK(put_value(avro_writer_record(&w), f.schema, f.records[i]) == WEIR_OK);
        CHECK(avro_writer_end_record(&w, &e) == WEIR_OK);
    }
    CHECK(avro_writer_finish(&w, &e) == WEIR_OK);
    AvroFile g;
    Arena *b = arena_create(NULL, (size_t)256 << 20);
    rc = avro_file_read(w.file.p, w.file.len, b, &g, &e);
    CHECK(rc == WEIR_OK || rc == WEIR_ENOMEM); /* the copy may hold more AvroValues than the budget */
    if (rc == WEIR_OK) {
        CHECK(g.n_records == f.n_records);
        encode_all(&g, &second);
        CHECK(first.len == second.len && (first.len == 0 || memcmp(first.p, second.p, first.len) == 0));
    }
    avro_writer_fini(&w);
    buf_fini(&first);
    buf_fini(&second);
    arena_destroy(&b);
    arena_destroy(&a);
    return 0;
}
