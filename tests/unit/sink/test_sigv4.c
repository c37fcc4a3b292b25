/*
 * test_sigv4.c: unit tests of src/sink/sigv4.c against the worked examples of the S3 API reference
 * ("Signature Calculations for the Authorization Header: Transferring Payload in a Single Chunk",
 * credentials AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, 20130524T000000Z,
 * us-east-1, examplebucket.s3.amazonaws.com): GET Object with a Range header (canonical request,
 * string to sign and signature as documented), PUT Object with a '$' in the key and extra signed
 * headers, GET Bucket Lifecycle (a valueless query parameter) and GET Bucket with max-keys and prefix
 * (query sorting). Then the pieces: URI encoding, header value canonicalization, x-amz-date, limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "sink/sigv4.h"

#define AKID "AKIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define HOST "examplebucket.s3.amazonaws.com"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define DATE "20130524T000000Z"

static SigV4Request example(const char *method, const char *path, const SigV4Pair *h, size_t nh,
                            const SigV4Pair *q, size_t nq, const char *sha)
{
    return (SigV4Request){.method = method,
                          .path = path,
                          .query = q,
                          .n_query = nq,
                          .headers = h,
                          .n_headers = nh,
                          .payload_sha256 = sha,
                          .amz_date = DATE,
                          .region = "us-east-1",
                          .service = "s3",
                          .access_key = AKID,
                          .secret_key = SECRET};
}

static void expect_signature(const SigV4Request *r, const char *signed_headers, const char *sig)
{
    Buf out;
    Err e;
    char want[512];
    err_clear(&e);
    buf_init(&out, 4096);
    assert_int_equal(sigv4_authorization(r, &out, &e), WEIR_OK);
    snprintf(want, sizeof(want),
             "AWS4-HMAC-SHA256 Credential=" AKID "/20130524/us-east-1/s3/aws4_request, SignedHeaders=%s, Signature=%s",
             signed_headers, sig);
    assert_string_equal((char *)out.p, want);
    buf_fini(&out);
}

static void test_get_object_example(void **state)
{
    UNUSED(state);
    /* Headers in a different order and case than the canonical form: the signer sorts and lowercases. */
    SigV4Pair h[] = {{"X-Amz-Date", DATE}, {"Range", "bytes=0-9"}, {"Host", HOST}, {"x-amz-content-sha256", EMPTY_SHA}};
    SigV4Request r = example("GET", "/test.txt", h, 4, NULL, 0, EMPTY_SHA);
    Buf canon, sts;
    Err e;
    err_clear(&e);
    buf_init(&canon, 4096);
    buf_init(&sts, 4096);
    assert_int_equal(sigv4_canonical_request(&r, &canon, &e), WEIR_OK);
    assert_string_equal((char *)canon.p, "GET\n/test.txt\n\n"
                                         "host:examplebucket.s3.amazonaws.com\n"
                                         "range:bytes=0-9\n"
                                         "x-amz-content-sha256:" EMPTY_SHA "\n"
                                         "x-amz-date:20130524T000000Z\n\n"
                                         "host;range;x-amz-content-sha256;x-amz-date\n" EMPTY_SHA);
    assert_int_equal(sigv4_string_to_sign(&r, &sts, &e), WEIR_OK);
    assert_string_equal((char *)sts.p, "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
                                       "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    expect_signature(&r, "host;range;x-amz-content-sha256;x-amz-date",
                     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    buf_fini(&canon);
    buf_fini(&sts);
}

static void test_put_object_example(void **state)
{
    UNUSED(state);
    const char *body = "Welcome to Amazon S3.";
    char sha[65];
    Slice parts[] = {{(const uint8_t *)body, 8}, {(const uint8_t *)body + 8, strlen(body) - 8}};
    sigv4_sha256_hex(parts, 2, sha);
    assert_string_equal(sha, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    SigV4Pair h[] = {{"Host", HOST},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", DATE},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", sha}};
    /* The key "test$file.text": the signer encodes '$' as %24. */
    SigV4Request r = example("PUT", "/test$file.text", h, 5, NULL, 0, sha);
    Buf canon;
    Err e;
    err_clear(&e);
    buf_init(&canon, 4096);
    assert_int_equal(sigv4_canonical_request(&r, &canon, &e), WEIR_OK);
    assert_non_null(strstr((char *)canon.p, "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"));
    buf_fini(&canon);
    expect_signature(&r, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

static void test_get_lifecycle_example(void **state)
{
    UNUSED(state);
    SigV4Pair h[] = {{"Host", HOST}, {"x-amz-date", DATE}, {"x-amz-content-sha256", EMPTY_SHA}};
    SigV4Pair q[] = {{"lifecycle", NULL}};
    SigV4Request r = example("GET", "/", h, 3, q, 1, EMPTY_SHA);
    expect_signature(&r, "host;x-amz-content-sha256;x-amz-date",
                     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

static void test_list_objects_example(void **state)
{
    UNUSED(state);
    SigV4Pair h[] = {{"Host", HOST}, {"x-amz-date", DATE}, {"x-amz-content-sha256", EMPTY_SHA}};
    SigV4Pair q[] = {{"prefix", "J"}, {"max-keys", "2"}}; /* unsorted on purpose */
    SigV4Request r = example("GET", "/", h, 3, q, 2, EMPTY_SHA);
    Buf canon;
    Err e;
    err_clear(&e);
    buf_init(&canon, 4096);
    assert_int_equal(sigv4_canonical_request(&r, &canon, &e), WEIR_OK);
    assert_memory_equal(canon.p, "GET\n/\nmax-keys=2&prefix=J\n", 26);
    buf_fini(&canon);
    expect_signature(&r, "host;x-amz-content-sha256;x-amz-date",
                     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    /* A different signature for a different query: the query is signed. */
    SigV4Pair q2[] = {{"prefix", "K"}, {"max-keys", "2"}};
    SigV4Request r2 = example("GET", "/", h, 3, q2, 2, EMPTY_SHA);
    Buf a;
    buf_init(&a, 4096);
    assert_int_equal(sigv4_authorization(&r2, &a, &e), WEIR_OK);
    assert_null(strstr((char *)a.p, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
    buf_fini(&a);
}

static void test_uri_encode(void **state)
{
    UNUSED(state);
    Buf b;
    buf_init(&b, 1024);
    const char *s = "a b/c~d_e-f.g+h=i&j%k\xc3\xbc";
    assert_int_equal(sigv4_uri_encode(&b, s, strlen(s), 1), WEIR_OK);
    assert_string_equal((char *)b.p, "a%20b/c~d_e-f.g%2Bh%3Di%26j%25k%C3%BC");
    buf_reset(&b);
    assert_int_equal(sigv4_uri_encode(&b, "x/y", 3, 0), WEIR_OK);
    assert_string_equal((char *)b.p, "x%2Fy");
    buf_fini(&b);
    /* Query parameters are encoded (including '/') and sorted by encoded name. */
    SigV4Pair h[] = {{"host", "h"}};
    SigV4Pair q[] = {{"prefix", "a/b c"}, {"list-type", "2"}, {"continuation-token", "x+y=="}};
    SigV4Request r = example("GET", "/bucket", h, 1, q, 3, EMPTY_SHA);
    Buf canon;
    Err e;
    err_clear(&e);
    buf_init(&canon, 4096);
    assert_int_equal(sigv4_canonical_request(&r, &canon, &e), WEIR_OK);
    assert_non_null(
        strstr((char *)canon.p, "\n/bucket\ncontinuation-token=x%2By%3D%3D&list-type=2&prefix=a%2Fb%20c\n"));
    buf_fini(&canon);
}

static void test_header_values_canonical(void **state)
{
    UNUSED(state);
    SigV4Pair h[] = {{"Host", "  h  "}, {"X-Amz-Meta-A", "\t one   two \t three  "}};
    SigV4Request r = example("GET", "/", h, 2, NULL, 0, EMPTY_SHA);
    Buf canon;
    Err e;
    err_clear(&e);
    buf_init(&canon, 4096);
    assert_int_equal(sigv4_canonical_request(&r, &canon, &e), WEIR_OK);
    assert_non_null(strstr((char *)canon.p, "\nhost:h\nx-amz-meta-a:one two three\n\nhost;x-amz-meta-a\n"));
    buf_fini(&canon);
}

static void test_amz_date_and_hash(void **state)
{
    UNUSED(state);
    char d[17];
    sigv4_amz_date(1369353600000LL, d);
    assert_string_equal(d, DATE);
    sigv4_amz_date(1700000000999LL, d);
    assert_string_equal(d, "20231114T221320Z");
    char sha[65];
    sigv4_sha256_hex(NULL, 0, sha);
    assert_string_equal(sha, EMPTY_SHA);
    char md5[25];
    Slice parts[] = {SLICE_LIT("Welcome to "), SLICE_LIT("Amazon S3.")};
    sigv4_content_md5(parts, 2, md5);
    assert_string_equal(md5, "1EfQ6PKJ8WoS/2AnznfCWA==");
    sigv4_content_md5(NULL, 0, md5);
    assert_string_equal(md5, "1B2M2Y8AsgTpgAmY7PhCfg=="); /* MD5 of nothing */
}

static void test_limits(void **state)
{
    UNUSED(state);
    SigV4Pair h[SIGV4_MAX_HEADERS + 1];
    for (size_t i = 0; i < SIGV4_MAX_HEADERS + 1; i++)
        h[i] = (SigV4Pair){"x-h", "v"};
    SigV4Request r = example("GET", "/", h, SIGV4_MAX_HEADERS + 1, NULL, 0, EMPTY_SHA);
    Buf out;
    Err e;
    err_clear(&e);
    buf_init(&out, 4096);
    assert_int_equal(sigv4_authorization(&r, &out, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "more than"));
    err_clear(&e);
    r = example("GET", "/", h, 1, NULL, 0, EMPTY_SHA);
    r.amz_date = "2013-05-24";
    assert_int_equal(sigv4_authorization(&r, &out, &e), WEIR_EINVAL);
    err_clear(&e);
    r = example("GET", "/", h, 1, NULL, 0, EMPTY_SHA);
    r.secret_key = NULL;
    assert_int_equal(sigv4_authorization(&r, &out, &e), WEIR_EINVAL);
    assert_int_equal(out.len, 0);
    buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_object_example),
        cmocka_unit_test(test_put_object_example),
        cmocka_unit_test(test_get_lifecycle_example),
        cmocka_unit_test(test_list_objects_example),
        cmocka_unit_test(test_uri_encode),
        cmocka_unit_test(test_header_values_canonical),
        cmocka_unit_test(test_amz_date_and_hash),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
