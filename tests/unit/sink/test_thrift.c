/*
 * test_thrift.c: unit tests of src/sink/thrift.c.
 *
 *   - known encodings from the compact protocol spec: short field headers (delta << 4 | type), long
 *     headers (type byte + zigzag i16 id) when the delta is 0, negative or over 15, zigzag varints,
 *     list headers below and above 14 elements, bool fields in the header, the stop byte;
 *   - a struct with every kind of field round-trips through the reader;
 *   - every truncation of a valid struct fails cleanly, nesting past THRIFT_MAX_DEPTH is refused, a
 *     list count larger than the bytes left is refused before anything is allocated.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <string.h>

#include "sink/thrift.h"

static void test_encodings(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 0);
    ThriftWriter w;
    thrift_writer_init(&w, &b);
    thrift_struct_begin(&w);
    thrift_field_i32(&w, 1, 1);  /* 0x15 0x02 */
    thrift_field_i32(&w, 2, -1); /* 0x15 0x01: delta 1 */
    thrift_field_i64(&w, 20,
                     300); /* delta 18: 0x06 then zigzag(20)=40=0x28, then zigzag(300)=600 = 0xd8 0x04 */
    thrift_field_bool(&w, 21, 1); /* 0x11 */
    thrift_field_bool(&w, 22, 0); /* 0x12 */
    thrift_field_begin(&w, 23, THRIFT_LIST);
    thrift_list_begin(&w, THRIFT_I32, 3); /* 0x35 */
    thrift_write_i32(&w, 0);
    thrift_write_i32(&w, 1);
    thrift_write_i32(&w, -2);
    thrift_field_begin(&w, 24, THRIFT_LIST);
    thrift_list_begin(&w, THRIFT_BINARY, 20); /* 0xf8 0x14 */
    for (int i = 0; i < 20; i++)
        thrift_write_binary(&w, "a", 1);
    thrift_struct_end(&w);
    assert_int_equal(thrift_writer_error(&w), 0);
    static const uint8_t head[] = {0x15, 0x02, 0x15, 0x01, 0x06, 0x28, 0xd8, 0x04, 0x11,
                                   0x12, 0x19, 0x35, 0x00, 0x02, 0x03, 0x19, 0xf8, 0x14};
    assert_true(b.len == sizeof(head) + 40 + 1);
    assert_memory_equal(b.p, head, sizeof(head));
    assert_int_equal(b.p[b.len - 1], 0);
    buf_fini(&b);
}

static void test_round_trip(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 0);
    ThriftWriter w;
    thrift_writer_init(&w, &b);
    thrift_struct_begin(&w);
    thrift_field_i32(&w, 1, INT32_MIN);
    thrift_field_i64(&w, 2, INT64_MAX);
    thrift_field_i64(&w, 3, INT64_MIN);
    thrift_field_double(&w, 4, -2.5);
    thrift_field_string(&w, 5, "héllo");
    thrift_field_begin(&w, 7, THRIFT_STRUCT);
    thrift_struct_begin(&w);
    thrift_field_i32(&w, 1, 42);
    thrift_field_begin(&w, 100, THRIFT_STRUCT);
    thrift_struct_begin(&w);
    thrift_struct_end(&w);
    thrift_struct_end(&w);
    thrift_field_begin(&w, 8, THRIFT_LIST);
    thrift_list_begin(&w, THRIFT_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        thrift_struct_begin(&w);
        thrift_field_i64(&w, 3, i * 1000);
        thrift_struct_end(&w);
    }
    thrift_field_bool(&w, 9, 1);
    thrift_field_bool(&w, 10, 0);
    thrift_field_i32(&w, 300, 7);
    thrift_struct_end(&w);
    assert_int_equal(thrift_writer_error(&w), 0);

    Arena *a = arena_create(NULL, 1 << 20);
    ThriftValue v;
    size_t used = 0;
    Err e;
    err_clear(&e);
    assert_int_equal(thrift_read_struct(b.p, b.len, a, &v, &used, &e), WEIR_OK);
    assert_int_equal(used, b.len);
    assert_int_equal(v.u.st.n, 10);
    assert_int_equal(thrift_get_int(&v, 1, 0), INT32_MIN);
    assert_true(thrift_get_int(&v, 2, 0) == INT64_MAX);
    assert_true(thrift_get_int(&v, 3, 0) == INT64_MIN);
    assert_true(thrift_get(&v, 4)->u.d == -2.5);
    const ThriftValue *s = thrift_get(&v, 5);
    assert_int_equal(s->type, THRIFT_BINARY);
    assert_int_equal(s->u.bin.n, strlen("héllo"));
    assert_memory_equal(s->u.bin.p, "héllo", s->u.bin.n);
    const ThriftValue *st = thrift_get(&v, 7);
    assert_int_equal(thrift_get_int(st, 1, 0), 42);
    assert_int_equal(thrift_get(st, 100)->type, THRIFT_STRUCT);
    const ThriftValue *l = thrift_get(&v, 8);
    assert_int_equal(l->type, THRIFT_LIST);
    assert_int_equal(l->u.list.n, 2);
    assert_int_equal(thrift_get_int(&l->u.list.v[1], 3, 0), 1000);
    assert_int_equal(thrift_get(&v, 9)->u.b, 1);
    assert_int_equal(thrift_get(&v, 10)->u.b, 0);
    assert_int_equal(thrift_get_int(&v, 300, 0), 7);
    assert_null(thrift_get(&v, 6));
    assert_int_equal(thrift_get_int(&v, 6, -9), -9);

    /* every truncation fails, none crashes */
    for (size_t n = 0; n < b.len; n++) {
        arena_reset(a);
        err_clear(&e);
        assert_int_not_equal(thrift_read_struct(b.p, n, a, &v, &used, &e), WEIR_OK);
        assert_int_equal(e.code, WEIR_EPARSE);
    }
    arena_destroy(&a);
    buf_fini(&b);
}

static void test_hostile(void **state)
{
    (void)state;
    Arena *a = arena_create(NULL, 1 << 20);
    ThriftValue v;
    Err e;
    /* 100 nested structs: field 1 of type struct, repeated */
    uint8_t deep[201];
    for (int i = 0; i < 100; i++)
        deep[i] = 0x1c;
    memset(deep + 100, 0, 101);
    err_clear(&e);
    assert_int_not_equal(thrift_read_struct(deep, sizeof(deep), a, &v, NULL, &e), WEIR_OK);
    /* a list claiming 2^31 elements in 5 bytes */
    static const uint8_t huge[] = {0x19, 0xf5, 0x80, 0x80, 0x80, 0x80, 0x08, 0x00};
    err_clear(&e);
    assert_int_not_equal(thrift_read_struct(huge, sizeof(huge), a, &v, NULL, &e), WEIR_OK);
    /* a binary past the end, an unknown type, an overlong varint */
    static const uint8_t bin[] = {0x18, 0x7f, 'x', 0x00};
    err_clear(&e);
    assert_int_not_equal(thrift_read_struct(bin, sizeof(bin), a, &v, NULL, &e), WEIR_OK);
    static const uint8_t unk[] = {0x1d, 0x00};
    err_clear(&e);
    assert_int_not_equal(thrift_read_struct(unk, sizeof(unk), a, &v, NULL, &e), WEIR_OK);
    static const uint8_t vlong[] = {0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    err_clear(&e);
    assert_int_not_equal(thrift_read_struct(vlong, sizeof(vlong), a, &v, NULL, &e), WEIR_OK);
    /* the writer refuses to nest too deep, stickily */
    Buf b;
    buf_init(&b, 0);
    ThriftWriter w;
    thrift_writer_init(&w, &b);
    for (int i = 0; i < THRIFT_MAX_DEPTH + 1; i++)
        thrift_struct_begin(&w);
    assert_int_not_equal(thrift_writer_error(&w), 0);
    buf_fini(&b);
    /* a writer over a small Buf reports the limit */
    buf_init(&b, 8);
    thrift_writer_init(&w, &b);
    thrift_struct_begin(&w);
    thrift_field_string(&w, 1, "longer than eight bytes");
    thrift_struct_end(&w);
    assert_int_equal(thrift_writer_error(&w), WEIR_ELIMIT);
    buf_fini(&b);
    arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
