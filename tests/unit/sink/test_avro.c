/*
 * test_avro.c: unit tests of src/sink/avro.c.
 *
 *   - the binary encodings against bytes from the Avro specification (zigzag varints, strings, doubles);
 *   - schemas: every kind, named references, namespaces, and Iceberg's field-id / element-id / key-id /
 *     value-id attributes;
 *   - containers written and read back with both codecs, across many blocks, every value equal;
 *   - the reader refusing damage: every truncation, a changed sync marker, bytes left in a block, a union
 *     branch or enum index out of range, a varint too long, a bad codec, a bad schema, an arena budget.
 * With WEIR_AVRO_CORPUS=DIR set, the files written here are also saved there (fuzz/corpus/avro_read seeds).
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/avro.h"

static void save_seed(const char *name, const Buf *b)
{
    const char *dir = getenv("WEIR_AVRO_CORPUS");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
    fclose(f);
}

static void expect_bytes(int64_t v, const char *hex)
{
    Buf b;
    buf_init(&b, 64);
    assert_int_equal(avro_put_long(&b, v), WEIR_OK);
    char got[64] = "";
    for (size_t i = 0; i < b.len; i++)
        snprintf(got + 2 * i, sizeof(got) - 2 * i, "%02x", b.p[i]);
    assert_string_equal(got, hex);
    buf_fini(&b);
}

static void test_encodings(void **state)
{
    (void)state;
    /* The Avro specification's zigzag table, and the edges. */
    expect_bytes(0, "00");
    expect_bytes(-1, "01");
    expect_bytes(1, "02");
    expect_bytes(-2, "03");
    expect_bytes(2, "04");
    expect_bytes(-64, "7f");
    expect_bytes(64, "8001");
    expect_bytes(INT64_MAX, "feffffffffffffffff01");
    expect_bytes(INT64_MIN, "ffffffffffffffffff01");

    Buf b;
    buf_init(&b, 64);
    assert_int_equal(avro_put_string(&b, "foo"), WEIR_OK); /* spec: 06 66 6f 6f */
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.p, "\x06" "foo", 4);
    buf_reset(&b);
    assert_int_equal(avro_put_double(&b, 1.0), WEIR_OK);
    assert_memory_equal(b.p, "\x00\x00\x00\x00\x00\x00\xf0\x3f", 8);
    buf_reset(&b);
    assert_int_equal(avro_put_float(&b, 1.0f), WEIR_OK);
    assert_memory_equal(b.p, "\x00\x00\x80\x3f", 4);
    buf_reset(&b);
    assert_int_equal(avro_put_bool(&b, 7), WEIR_OK);
    assert_int_equal(b.p[0], 1);
    buf_fini(&b);
}

static const char ALL_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"all\",\"namespace\":\"weir.test\",\"fields\":["
    "{\"name\":\"i\",\"type\":\"int\",\"field-id\":1},"
    "{\"name\":\"l\",\"type\":\"long\",\"field-id\":2},"
    "{\"name\":\"s\",\"type\":\"string\",\"field-id\":3},"
    "{\"name\":\"by\",\"type\":\"bytes\"},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":{\"type\":\"double\"}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"long\"],\"default\":null},"
    "{\"name\":\"arr\",\"type\":{\"type\":\"array\",\"items\":\"long\",\"element-id\":7}},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"int\",\"key-id\":8,\"value-id\":9}},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"color\",\"symbols\":[\"red\",\"green\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"f4\",\"size\":4}},"
    "{\"name\":\"e2\",\"type\":\"color\"},"
    "{\"name\":\"sub\",\"type\":{\"type\":\"record\",\"name\":\"inner\",\"fields\":["
    "{\"name\":\"x\",\"type\":\"weir.test.f4\"},{\"name\":\"empty\",\"type\":{\"type\":\"record\",\"name\":\"r0\","
    "\"fields\":[]}}]}}]}";

static void put_all(Buf *b, int64_t k)
{
    char s[32];
    snprintf(s, sizeof(s), "row-%lld", (long long)k);
    assert_int_equal(avro_put_long(b, (int32_t)(k * 7919 - 100000)), WEIR_OK);
    assert_int_equal(avro_put_long(b, k * 1000000007LL - (k % 2 ? INT64_MAX / 3 : 0)), WEIR_OK);
    assert_int_equal(avro_put_string(b, s), WEIR_OK);
    assert_int_equal(avro_put_bytes(b, "\x00\xff\x01", (size_t)(k % 4)), WEIR_OK);
    assert_int_equal(avro_put_bool(b, k % 3 == 0), WEIR_OK);
    assert_int_equal(avro_put_float(b, (float)k / 4), WEIR_OK);
    assert_int_equal(avro_put_double(b, (double)k / 3), WEIR_OK);
    if (k % 5 == 0) {
        assert_int_equal(avro_put_long(b, 0), WEIR_OK);
    } else {
        assert_int_equal(avro_put_long(b, 1), WEIR_OK);
        assert_int_equal(avro_put_long(b, -k), WEIR_OK);
    }
    /* arr: k % 4 items, in two blocks when there are 3 (the second with a negative count + size) */
    int64_t n = k % 4;
    if (n == 3) {
        assert_int_equal(avro_put_long(b, 1), WEIR_OK);
        assert_int_equal(avro_put_long(b, 0), WEIR_OK);
        Buf tmp;
        buf_init(&tmp, 64);
        assert_int_equal(avro_put_long(&tmp, 1), WEIR_OK);
        assert_int_equal(avro_put_long(&tmp, 2), WEIR_OK);
        assert_int_equal(avro_put_long(b, -2), WEIR_OK);
        assert_int_equal(avro_put_long(b, (int64_t)tmp.len), WEIR_OK);
        assert_int_equal(buf_append(b, tmp.p, tmp.len), WEIR_OK);
        buf_fini(&tmp);
    } else if (n) {
        assert_int_equal(avro_put_long(b, n), WEIR_OK);
        for (int64_t i = 0; i < n; i++)
            assert_int_equal(avro_put_long(b, i), WEIR_OK);
    }
    assert_int_equal(avro_put_long(b, 0), WEIR_OK);
    /* m: {"a": k, "b": -k} */
    assert_int_equal(avro_put_long(b, 2), WEIR_OK);
    assert_int_equal(avro_put_string(b, "a"), WEIR_OK);
    assert_int_equal(avro_put_long(b, k), WEIR_OK);
    assert_int_equal(avro_put_string(b, "b"), WEIR_OK);
    assert_int_equal(avro_put_long(b, -k), WEIR_OK);
    assert_int_equal(avro_put_long(b, 0), WEIR_OK);
    assert_int_equal(avro_put_long(b, k % 2), WEIR_OK); /* e */
    assert_int_equal(buf_append(b, "wxyz", 4), WEIR_OK);  /* fx */
    assert_int_equal(avro_put_long(b, 1 - k % 2), WEIR_OK); /* e2 */
    assert_int_equal(buf_append(b, "abcd", 4), WEIR_OK);  /* sub.x; sub.empty is nothing */
}

static void check_all(const AvroValue *r, int64_t k)
{
    char s[32];
    snprintf(s, sizeof(s), "row-%lld", (long long)k);
    assert_int_equal(r->kind, AVRO_RECORD);
    assert_int_equal(r->n, 14);
    assert_int_equal(avro_value_field_long(r, "i", 0), (int32_t)(k * 7919 - 100000));
    assert_int_equal(avro_value_field_long(r, "l", 0), k * 1000000007LL - (k % 2 ? INT64_MAX / 3 : 0));
    Slice sv = avro_value_field_str(r, "s");
    assert_int_equal(sv.n, strlen(s));
    assert_memory_equal(sv.p, s, sv.n);
    Slice by = avro_value_field_str(r, "by");
    assert_int_equal(by.n, (size_t)(k % 4));
    if (by.n)
        assert_memory_equal(by.p, "\x00\xff\x01", by.n);
    assert_int_equal(avro_value_field(r, "b")->u.b, k % 3 == 0);
    assert_true(avro_value_field(r, "f")->u.f == (double)((float)k / 4));
    assert_true(avro_value_field(r, "d")->u.f == (double)k / 3);
    const AvroValue *u = avro_value_field(r, "u");
    if (k % 5 == 0) {
        assert_int_equal(u->kind, AVRO_NULL);
        assert_int_equal(u->branch, 0);
        assert_int_equal(avro_value_field_long(r, "u", 42), 42);
    } else {
        assert_int_equal(u->kind, AVRO_LONG);
        assert_int_equal(u->branch, 1);
        assert_int_equal(u->u.i, -k);
    }
    const AvroValue *arr = avro_value_field(r, "arr");
    assert_int_equal(arr->kind, AVRO_ARRAY);
    assert_int_equal(arr->n, (uint32_t)(k % 4));
    for (uint32_t i = 0; i < arr->n; i++)
        assert_int_equal(arr->items[i]->u.i, (int64_t)i);
    const AvroValue *m = avro_value_field(r, "m");
    assert_int_equal(m->kind, AVRO_MAP);
    assert_int_equal(m->n, 2);
    assert_memory_equal(m->keys[1].p, "b", 1);
    assert_int_equal(m->items[0]->u.i, k);
    assert_int_equal(m->items[1]->u.i, -k);
    assert_int_equal(avro_value_field(r, "e")->u.i, k % 2);
    assert_int_equal(avro_value_field(r, "e2")->u.i, 1 - k % 2);
    assert_memory_equal(avro_value_field(r, "fx")->u.s.p, "wxyz", 4);
    const AvroValue *sub = avro_value_field(r, "sub");
    assert_memory_equal(avro_value_field(sub, "x")->u.s.p, "abcd", 4);
    assert_int_equal(avro_value_field(sub, "empty")->n, 0);
    assert_null(avro_value_field(r, "nope"));
    assert_null(avro_value_field(u, "x")); /* not a record */
}

static void write_all(AvroCodec codec, size_t block_bytes, int n, Buf *out)
{
    AvroMeta meta[] = {{"schema-id", "0"}, {"format-version", "2"}};
    AvroWriter w;
    Err e = {0};
    assert_int_equal(avro_writer_init(&w, ALL_SCHEMA, codec, meta, 2, 0, &e), WEIR_OK);
    w.block_bytes = block_bytes;
    for (int k = 0; k < n; k++) {
        put_all(avro_writer_record(&w), k);
        assert_int_equal(avro_writer_end_record(&w, &e), WEIR_OK);
    }
    assert_int_equal(avro_writer_finish(&w, &e), WEIR_OK);
    buf_init(out, BUF_MAX_DEFAULT);
    assert_int_equal(buf_append(out, w.file.p, w.file.len), WEIR_OK);
    avro_writer_fini(&w);
}

static void test_roundtrip(void **state)
{
    (void)state;
    const AvroCodec codecs[] = {AVRO_CODEC_NULL, AVRO_CODEC_DEFLATE};
    for (int c = 0; c < 2; c++) {
        Buf f;
        write_all(codecs[c], 2000, 1000, &f);
        Arena *a = arena_create(NULL, ARENA_UNLIMITED);
        AvroFile af;
        Err e = {0};
        int rc = avro_file_read(f.p, f.len, a, &af, &e);
        if (rc)
            fail_msg("read: %s", e.msg);
        assert_int_equal(af.codec, codecs[c]);
        assert_int_equal(af.n_records, 1000);
        assert_true(af.n_blocks > 10); /* 2000-byte blocks: many of them */
        assert_string_equal(avro_file_meta(&af, "avro.codec"), c ? "deflate" : "null");
        assert_string_equal(avro_file_meta(&af, "format-version"), "2");
        assert_string_equal(avro_file_meta(&af, "avro.schema"), ALL_SCHEMA);
        assert_null(avro_file_meta(&af, "missing"));
        for (int k = 0; k < 1000; k++)
            check_all(af.records[k], k);
        /* schema attributes */
        const AvroSchema *s = af.schema;
        assert_string_equal(s->name, "weir.test.all");
        assert_int_equal(s->field_ids[0], 1);
        assert_int_equal(s->field_ids[2], 3);
        assert_int_equal(s->field_ids[3], -1);
        assert_int_equal(s->sub[8]->element_id, 7);
        assert_int_equal(s->sub[9]->key_id, 8);
        assert_int_equal(s->sub[9]->value_id, 9);
        assert_ptr_equal(s->sub[10], s->sub[12]); /* "color" named twice is one schema */
        arena_destroy(&a);
        buf_fini(&f);
    }
    /* A container without records is a header only, and reads back empty. */
    Buf f;
    write_all(AVRO_CODEC_DEFLATE, 100, 0, &f);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    AvroFile af;
    Err e = {0};
    assert_int_equal(avro_file_read(f.p, f.len, a, &af, &e), WEIR_OK);
    assert_int_equal(af.n_records, 0);
    assert_int_equal(af.n_blocks, 0);
    arena_destroy(&a);
    buf_fini(&f);
}

static int read_rc(const uint8_t *p, size_t n, size_t budget)
{
    Arena *a = arena_create(NULL, budget);
    AvroFile af;
    Err e = {0};
    int rc = avro_file_read(p, n, a, &af, &e);
    if (rc != WEIR_OK)
        assert_true(e.msg[0] != '\0');
    arena_destroy(&a);
    return rc;
}

static void test_damage(void **state)
{
    (void)state;
    for (int c = 0; c < 2; c++) {
        Buf f;
        write_all(c ? AVRO_CODEC_DEFLATE : AVRO_CODEC_NULL, 300, 40, &f);
        save_seed(c ? "all_deflate.avro" : "all_null.avro", &f);
        assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_OK);
        /* Every truncation fails (the header, a block or its sync marker is cut) except one that ends
         * exactly after a block: the container format cannot tell that from a shorter file. */
        Arena *a = arena_create(NULL, ARENA_UNLIMITED);
        AvroFile whole;
        Err e = {0};
        assert_int_equal(avro_file_read(f.p, f.len, a, &whole, &e), WEIR_OK);
        size_t n_ok = 0;
        for (size_t n = 0; n < f.len; n++) {
            int rc = read_rc(f.p, n, ARENA_UNLIMITED);
            n_ok += rc == WEIR_OK;
            if (rc != WEIR_ECORRUPT && rc != WEIR_OK)
                fail_msg("truncated at %zu of %zu: rc %d", n, f.len, rc);
        }
        assert_int_equal(n_ok, whole.n_blocks); /* the header alone, and after each block but the last */
        arena_destroy(&a);
        /* A changed byte in the last sync marker. */
        f.p[f.len - 3] ^= 0x40;
        assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_ECORRUPT);
        f.p[f.len - 3] ^= 0x40;
        /* Every single-byte flip either reads or fails cleanly (ASan watches the rest). */
        for (size_t i = 0; i < f.len; i++) {
            f.p[i] ^= 0x21;
            int rc = read_rc(f.p, f.len, (size_t)4 << 20);
            assert_true(rc == WEIR_OK || rc == WEIR_ECORRUPT || rc == WEIR_ENOMEM);
            f.p[i] ^= 0x21;
        }
        /* A small budget. */
        assert_int_equal(read_rc(f.p, f.len, 4096), WEIR_ENOMEM);
        /* Bytes after the last block. */
        assert_int_equal(buf_append(&f, "\x02", 1), WEIR_OK);
        assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_ECORRUPT);
        buf_fini(&f);
    }
}

/* A hand-made container: schema, codec and one block holding body (count records). */
static void make_file(Buf *f, const char *schema, const char *codec, int64_t count, const void *body, size_t n)
{
    static const uint8_t sync[16] = "0123456789abcdef";
    buf_init(f, 1 << 20);
    assert_int_equal(buf_append(f, "Obj\x01", 4), WEIR_OK);
    assert_int_equal(avro_put_long(f, 2), WEIR_OK);
    assert_int_equal(avro_put_string(f, "avro.schema"), WEIR_OK);
    assert_int_equal(avro_put_string(f, schema), WEIR_OK);
    assert_int_equal(avro_put_string(f, "avro.codec"), WEIR_OK);
    assert_int_equal(avro_put_string(f, codec), WEIR_OK);
    assert_int_equal(avro_put_long(f, 0), WEIR_OK);
    assert_int_equal(buf_append(f, sync, 16), WEIR_OK);
    assert_int_equal(avro_put_long(f, count), WEIR_OK);
    assert_int_equal(avro_put_long(f, (int64_t)n), WEIR_OK);
    assert_int_equal(buf_append(f, body, n), WEIR_OK);
    assert_int_equal(buf_append(f, sync, 16), WEIR_OK);
}

static void expect_bad(const char *schema, const char *codec, int64_t count, const void *body, size_t n)
{
    Buf f;
    make_file(&f, schema, codec, count, body, n);
    assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_ECORRUPT);
    buf_fini(&f);
}

static void test_hostile(void **state)
{
    (void)state;
    Buf f;
    make_file(&f, "[\"null\",\"long\"]", "null", 2, "\x02\x04\x00", 3);
    assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_OK);
    buf_fini(&f);
    expect_bad("[\"null\",\"long\"]", "null", 1, "\x04", 1);                 /* branch 2 of 2 */
    expect_bad("[\"null\",\"long\"]", "null", 1, "\x01", 1);                 /* branch -1 */
    expect_bad("{\"type\":\"enum\",\"name\":\"e\",\"symbols\":[\"a\"]}", "null", 1, "\x02", 1);
    expect_bad("\"long\"", "null", 1, "\x02\x02", 2);                        /* a byte left over */
    expect_bad("\"long\"", "null", 1, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11); /* 11-byte varint */
    expect_bad("\"int\"", "null", 1, "\x80\x80\x80\x80\x20", 5);             /* past int32 */
    expect_bad("\"string\"", "null", 1, "\x7e", 1);                          /* length past the end */
    expect_bad("\"boolean\"", "null", 1, "\x02", 1);
    expect_bad("\"long\"", "snappy", 1, "\x02", 1);                          /* codec */
    expect_bad("\"long\"", "deflate", 1, "\x02", 1);                         /* not deflate data */
    expect_bad("{\"type\":\"array\",\"items\":\"null\"}", "null", 1, "\xfe\xff\xff\xff\x0f\x00", 6); /* 2^31 nulls */
    expect_bad("\"nosuchtype\"", "null", 1, "\x02", 1);
    expect_bad("{\"type\":\"record\",\"name\":\"r\"}", "null", 1, "", 0);
    expect_bad("not json", "null", 1, "", 0);
    expect_bad("[]", "null", 1, "", 0);
    expect_bad("[[\"long\"]]", "null", 1, "", 0);                            /* union in a union */
    /* A recursive record (a linked list): nesting is bounded, not a stack overflow. */
    static const char list[] = "{\"type\":\"record\",\"name\":\"node\",\"fields\":[{\"name\":\"next\","
                               "\"type\":[\"null\",\"node\"]}]}";
    uint8_t deep[400];
    memset(deep, 0x02, sizeof(deep));
    deep[sizeof(deep) - 1] = 0;
    expect_bad(list, "null", 1, deep, sizeof(deep));
    make_file(&f, list, "null", 1, "\x02\x02\x00", 3);
    assert_int_equal(read_rc(f.p, f.len, ARENA_UNLIMITED), WEIR_OK);
    buf_fini(&f);
    /* Not a container at all. */
    assert_int_equal(read_rc((const uint8_t *)"Obj\x02", 4, ARENA_UNLIMITED), WEIR_ECORRUPT);
    assert_int_equal(read_rc((const uint8_t *)"", 0, ARENA_UNLIMITED), WEIR_ECORRUPT);
}

static void test_writer_limit(void **state)
{
    (void)state;
    AvroWriter w;
    Err e = {0};
    assert_int_equal(avro_writer_init(&w, "\"string\"", AVRO_CODEC_NULL, NULL, 0, 200, &e), WEIR_OK);
    w.block_bytes = 10;
    int rc = WEIR_OK;
    for (int i = 0; i < 100 && rc == WEIR_OK; i++) {
        rc = avro_put_string(avro_writer_record(&w), "0123456789");
        if (rc == WEIR_OK)
            rc = avro_writer_end_record(&w, &e);
    }
    assert_int_equal(rc, WEIR_ELIMIT);
    assert_true(e.msg[0] != '\0');
    Err e2 = {0};
    assert_int_equal(avro_writer_finish(&w, &e2), WEIR_EINVAL); /* sticky */
    avro_writer_fini(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_writer_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
