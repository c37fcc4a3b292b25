/*
 * test_base.c: unit tests of src/base: crc32c (known vectors, hw vs table agreement, the three-stream
 * path), base64 (RFC 4648 vectors, strictness), u128 (decimal round trip, overflow, MD5 hash keys), Buf
 * limits, err_set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/utf8.h"
#include "base/buf.h"
#include "base/crc32c.h"
#include "base/err.h"
#include "base/u128.h"

static void test_crc32c_vectors(void **state)
{
    UNUSED(state);
    assert_int_equal(crc32c("123456789", 9), 0xE3069283u);
    assert_int_equal(crc32c("", 0), 0);
    uint8_t zeros[32] = {0};
    assert_int_equal(crc32c(zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
    /* Extending in pieces equals one pass, across the 8-byte stride. */
    char buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (char)(i * 7 + 3);
    uint32_t whole = crc32c(buf, 100);
    for (size_t cut = 0; cut <= 100; cut += 13)
        assert_int_equal(crc32c_extend(crc32c(buf, cut), buf + cut, 100 - cut), whole);
    /* Long buffers take the three-stream path (blocks of 3 x 8192 and 3 x 256 bytes joined by shift
     * tables); pieces of 100 bytes never do: both must agree at and around every block boundary. */
    enum { BIG = 3 * 8192 * 2 + 3 * 256 * 3 + 77 };
    uint8_t *big = malloc(BIG);
    assert_non_null(big);
    for (size_t i = 0; i < BIG; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    const size_t lens[] = {767, 768, 769, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, 3 * 8192 + 768 + 5, BIG};
    for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
        for (size_t start = 0; start < 3; start++) {
            size_t n = lens[l] - start;
            uint32_t pieces = 0;
            for (size_t off = 0; off < n; off += 100)
                pieces = crc32c_extend(pieces, big + start + off, n - off < 100 ? n - off : 100);
            assert_int_equal(crc32c(big + start, n), pieces);
        }
    }
    free(big);
}

static void b64_roundtrip(const char *plain, const char *enc)
{
    char out[64];
    size_t n = base64_encode((const uint8_t *)plain, strlen(plain), out);
    assert_int_equal(n, strlen(enc));
    assert_memory_equal(out, enc, n);
    uint8_t dec[64];
    size_t dn = 0;
    assert_int_equal(base64_decode(enc, strlen(enc), dec, &dn), 0);
    assert_int_equal(dn, strlen(plain));
    assert_memory_equal(dec, plain, dn);
}

static void test_base64(void **state)
{
    UNUSED(state);
    b64_roundtrip("", "");
    b64_roundtrip("f", "Zg==");
    b64_roundtrip("fo", "Zm8=");
    b64_roundtrip("foo", "Zm9v");
    b64_roundtrip("foob", "Zm9vYg==");
    b64_roundtrip("fooba", "Zm9vYmE=");
    b64_roundtrip("foobar", "Zm9vYmFy");
    uint8_t dec[64];
    size_t dn;
    assert_int_equal(base64_decode("Zm9v!", 5, dec, &dn), -1);
    assert_int_equal(base64_decode("Z", 1, dec, &dn), -1);
    assert_int_equal(base64_decode("Zm9vY*==", 8, dec, &dn), -1);
    assert_int_equal(base64_decode("Zg=a", 4, dec, &dn), -1);
    assert_int_equal(base64_decode("Zm8", 3, dec, &dn), -1); /* padding is required */
}

static void test_utf8(void **state)
{
    UNUSED(state);
    assert_true(utf8_valid((const uint8_t *)"plain", 5));
    assert_true(utf8_valid((const uint8_t *)"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9)); /* e-acute, euro, emoji */
    assert_false(utf8_valid((const uint8_t *)"\xc0\xaf", 2));         /* overlong '/' */
    assert_false(utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
    assert_false(utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    char s[] = "a\xdc'\xc3\xa9\xff";
    utf8_sanitize(s);
    assert_string_equal(s, "a?'\xc3\xa9?");
}

/* The word-at-a-time scans agree with the bytewise definitions on every prefix of random strings
 * built from the interesting bytes. */
static void test_ascii_scans(void **state)
{
    UNUSED(state);
    static const unsigned char pool[] = {'a', 'Z', ' ', '~', 0x7F, 0x80, 0xC3, 0xFF, 0x00, 0x1F, '"', '\\', '!'};
    uint32_t r = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        char s[40];
        size_t n = (size_t)(iter % 40);
        for (size_t i = 0; i < n; i++) {
            r = r * 1103515245u + 12345u;
            /* mostly plain bytes so long plain prefixes occur */
            s[i] = (char)((r >> 16) % 8 ? 'a' + (r >> 20) % 26 : pool[(r >> 20) % sizeof(pool)]);
        }
        size_t want_j = 0, want_p = 0;
        while (want_j < n && ascii_json_plain((unsigned char)s[want_j]))
            want_j++;
        while (want_p < n && ascii_printable_plain((unsigned char)s[want_p]))
            want_p++;
        assert_int_equal(ascii_json_plain_len(s, n), want_j);
        assert_int_equal(ascii_printable_plain_len(s, n), want_p);
    }
}

static void test_u128(void **state)
{
    UNUSED(state);
    const char *max = "340282366920938463463374607431768211455";
    u128 v;
    assert_int_equal(u128_parse_dec(max, strlen(max), &v), 0);
    assert_true(v == U128_MAX);
    char out[U128_DEC_MAX + 1];
    assert_int_equal(u128_format_dec(v, out), strlen(max));
    assert_string_equal(out, max);
    assert_int_equal(u128_parse_dec("340282366920938463463374607431768211456", 39, &v), -1);
    assert_int_equal(u128_parse_dec("12a", 3, &v), -1);
    assert_int_equal(u128_parse_dec("", 0, &v), -1);
    assert_int_equal(u128_parse_dec("0", 1, &v), 0);
    assert_true(v == 0);
    u128_format_dec(0, out);
    assert_string_equal(out, "0");
    /* md5("a") = 0cc175b9c0f1b6a831c399e269772661 */
    u128 h = u128_md5_hash_key("a", 1);
    u128_format_dec(h, out);
    assert_string_equal(out, "16955237001963240173058271559858726497");
}

static void test_buf_limit(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 10);
    assert_int_equal(buf_append(&b, "0123456789", 10), WEIR_OK);
    assert_int_equal(buf_append(&b, "x", 1), WEIR_ELIMIT);
    assert_int_equal(b.len, 10);
    assert_string_equal((char *)b.p, "0123456789");
    buf_reset(&b);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "ab"), WEIR_OK);
    assert_string_equal((char *)b.p, "42-ab");
    buf_fini(&b);
}

static void test_err_first_wins(void **state)
{
    UNUSED(state);
    Err e;
    err_clear(&e);
    assert_int_equal(err_set(&e, WEIR_EPARSE, "first %d", 1), WEIR_EPARSE);
    assert_int_equal(err_set(&e, WEIR_EIO, "second"), WEIR_EIO);
    assert_int_equal(e.code, WEIR_EPARSE);
    assert_string_equal(e.msg, "first 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vectors), cmocka_unit_test(test_base64), cmocka_unit_test(test_u128), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_ascii_scans),
        cmocka_unit_test(test_buf_limit),      cmocka_unit_test(test_err_first_wins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
