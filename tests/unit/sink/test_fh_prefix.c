/*
 * test_fh_prefix.c: unit tests of src/sink/fh_prefix.c (Firehose prefix templates, the java
 * DateTimeFormatter subset, object names, jq-style partition keys) and of fh_dest_parse in
 * src/sink/firehose.c (the destination configuration and its errors).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sink/firehose.h"

/* 2024-03-05 07:08:09.123 UTC */
#define T0 1709622489123LL

static void eval_eq(const char *tpl, int is_error, int add_ts, int64_t ms, const char *want)
{
    FhTemplate t;
    Err e;
    err_clear(&e);
    assert_int_equal(fh_template_parse(tpl, is_error, add_ts, &t, &e), WEIR_OK);
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(fh_template_eval(&t, ms, "processing-failed", NULL, NULL, 0, &b, &e), WEIR_OK);
    assert_string_equal((const char *)b.p, want);
    buf_fini(&b);
    fh_template_fini(&t);
}

static void test_templates(void **state)
{
    (void)state;
    eval_eq(NULL, 0, 1, T0, "2024/03/05/07/");
    eval_eq("", 0, 1, T0, "2024/03/05/07/");
    eval_eq("logs/", 0, 1, T0, "logs/2024/03/05/07/");
    eval_eq("logs/", 0, 0, T0, "logs/");
    eval_eq("y=!{timestamp:yyyy}/m=!{timestamp:MM}/", 0, 1, T0, "y=2024/m=03/");
    eval_eq("!{timestamp:yy-M-d H:m:s.SSS}|", 0, 1, T0, "24-3-5 7:8:9.123|");
    eval_eq("!{timestamp:'day='dd''}/", 0, 1, T0, "day=05'/");
    eval_eq("!{timestamp:DDD}/", 0, 1, T0, "065/");
    eval_eq("e/!{firehose:error-output-type}/", 1, 1, T0, "e/processing-failed/2024/03/05/07/");
    /* the random string stays an expression until a buffer opens */
    eval_eq("r/!{firehose:random-string}/", 0, 0, T0, "r/!{firehose:random-string}/");
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(fh_prefix_fill_random("a/!{firehose:random-string}/b/!{firehose:random-string}", "abcdefghijk", &b),
                     WEIR_OK);
    assert_string_equal((const char *)b.p, "a/abcdefghijk/b/abcdefghijk");
    buf_fini(&b);
    /* negative epoch milliseconds round down, not toward zero */
    eval_eq("!{timestamp:yyyy-MM-dd HH:mm:ss.SSS}", 0, 0, -1, "1969-12-31 23:59:59.999");
}

static void parse_fails(const char *tpl, int is_error, const char *needle)
{
    FhTemplate t;
    Err e;
    err_clear(&e);
    assert_int_equal(fh_template_parse(tpl, is_error, 1, &t, &e), WEIR_EINVAL);
    if (!strstr(e.msg, needle))
        fail_msg("'%s': message '%s' lacks '%s'", tpl, e.msg, needle);
    fh_template_fini(&t);
}

static void test_template_errors(void **state)
{
    (void)state;
    parse_fails("a/!{timestamp:yyyy", 0, "closing");
    parse_fails("a/!{nope:x}/", 0, "nope");
    parse_fails("a/!{firehose:error-output-type}/", 0, "ErrorOutputPrefix");
    parse_fails("a/!{firehose:whatever}/", 0, "whatever");
    parse_fails("a/!{timestamp:yyyyQ}/", 0, "Q");
    parse_fails("a/!{timestamp:}/", 0, "pattern");
    parse_fails("a/!{partitionKeyFromQuery:k}/", 1, "ErrorOutputPrefix");
    parse_fails("a/!{timestamp}/", 0, "namespace");
}

static void test_partition_keys(void **state)
{
    (void)state;
    FhPartKey *keys = NULL;
    size_t n = 0;
    Err e;
    err_clear(&e);
    assert_int_equal(fh_keys_parse("{ customer: .customer_id, \"region\": .geo.region, z: .a[\"b c\"] }", &keys, &n, &e),
                     WEIR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(keys[1].name, "region");
    assert_int_equal(keys[1].n_path, 2);
    assert_string_equal(keys[2].path[1], "b c");
    char *vals[3];
    const char *rec = "{\"customer_id\": 42, \"geo\": {\"region\": \"eu\"}, \"a\": {\"b c\": true}}";
    assert_int_equal(fh_extract_keys(keys, n, (const uint8_t *)rec, strlen(rec), vals, &e), WEIR_OK);
    assert_string_equal(vals[0], "42");
    assert_string_equal(vals[1], "eu");
    assert_string_equal(vals[2], "true");
    /* the prefix with the values */
    FhTemplate t;
    assert_int_equal(fh_template_parse("c=!{partitionKeyFromQuery:customer}/r=!{partitionKeyFromQuery:region}/", 0, 0, &t,
                                       &e),
                     WEIR_OK);
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(fh_template_eval(&t, T0, NULL, keys, (const char *const *)vals, n, &b, &e), WEIR_OK);
    assert_string_equal((const char *)b.p, "c=42/r=eu/");
    for (size_t i = 0; i < n; i++)
        free(vals[i]);
    /* a value that would make a bad object key is the record's error */
    const char *dots = "{\"customer_id\": \"..\", \"geo\": {\"region\": \"eu\"}, \"a\": {\"b c\": 1}}";
    assert_int_equal(fh_extract_keys(keys, n, (const uint8_t *)dots, strlen(dots), vals, &e), WEIR_OK);
    buf_reset(&b);
    assert_int_equal(fh_template_eval(&t, T0, NULL, keys, (const char *const *)vals, n, &b, &e), WEIR_OK);
    assert_string_equal((const char *)b.p, "c=../r=eu/");
    FhTemplate t2;
    assert_int_equal(fh_template_parse("!{partitionKeyFromQuery:customer}/x/", 0, 0, &t2, &e), WEIR_OK);
    buf_reset(&b);
    assert_int_equal(fh_template_eval(&t2, T0, NULL, keys, (const char *const *)vals, n, &b, &e), WEIR_EINVAL);
    fh_template_fini(&t2);
    for (size_t i = 0; i < n; i++)
        free(vals[i]);
    buf_fini(&b);
    fh_template_fini(&t);
    /* missing, null, object values; not JSON */
    const char *missing = "{\"customer_id\": 1, \"geo\": {}}";
    err_clear(&e);
    assert_int_equal(fh_extract_keys(keys, n, (const uint8_t *)missing, strlen(missing), vals, &e), WEIR_ENOTFOUND);
    assert_non_null(strstr(e.msg, "region"));
    const char *obj = "{\"customer_id\": {\"x\": 1}}";
    err_clear(&e);
    assert_int_equal(fh_extract_keys(keys, n, (const uint8_t *)obj, strlen(obj), vals, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(fh_extract_keys(keys, n, (const uint8_t *)"nope", 4, vals, &e), WEIR_EPARSE);
    fh_keys_free(keys, n);
    /* bad queries */
    static const char *const bad[] = {"", "customer: .c", "{customer: c}", "{: .c}", "{a: .x, a: .y}", "{a: .x,}x",
                                      "{a: .}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&e);
        keys = NULL;
        n = 0;
        if (fh_keys_parse(bad[i], &keys, &n, &e) != WEIR_EINVAL)
            fail_msg("query '%s' was accepted", bad[i]);
    }
}

static void test_object_name(void **state)
{
    (void)state;
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(fh_object_name("orders", 3, T0, "0a1b2c3d-0000-4000-8000-000000000000", ".gz", &b), WEIR_OK);
    assert_string_equal((const char *)b.p, "orders-3-2024-03-05-07-08-09-0a1b2c3d-0000-4000-8000-000000000000.gz");
    buf_fini(&b);
}

static void dest_ok(const char *json, FhDest *d)
{
    Err e;
    err_clear(&e);
    if (fh_dest_parse(json, strlen(json), d, &e) != WEIR_OK)
        fail_msg("%s: %s", json, e.msg);
}

static void dest_fails(const char *json, const char *needle)
{
    FhDest d;
    Err e;
    err_clear(&e);
    assert_int_equal(fh_dest_parse(json, strlen(json), &d, &e), WEIR_EINVAL);
    if (!strstr(e.msg, needle))
        fail_msg("%s: message '%s' lacks '%s'", json, e.msg, needle);
    fh_dest_fini(&d);
}

static void test_dest_parse(void **state)
{
    (void)state;
    FhDest d;
    dest_ok("{\"BucketARN\": \"arn:aws:s3:::my-bucket.1\"}", &d);
    assert_string_equal(d.bucket, "my-bucket.1");
    assert_int_equal(d.size_bytes, 5u << 20);
    assert_int_equal(d.interval_ms, 300000);
    assert_int_equal(d.codec, SINK_CODEC_NONE);
    assert_int_equal(d.format, FH_FORMAT_RAW);
    assert_int_equal(d.append_newline, 0);
    assert_true(fh_template_has(&d.prefix, FH_TPL_TIMESTAMP));
    assert_true(fh_template_has(&d.error_prefix, FH_TPL_ERROR_TYPE));
    fh_dest_fini(&d);
    dest_ok("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"BufferingHints\": {\"SizeInMBs\": 64, \"IntervalInSeconds\": 0},"
            " \"CompressionFormat\": \"HADOOP_SNAPPY\", \"ProcessingConfiguration\": {\"Enabled\": true, \"Processors\":"
            " [{\"Type\": \"AppendDelimiterToRecord\"}]},"
            " \"DataFormatConversionConfiguration\": {\"SchemaConfiguration\": {\"TableName\": \"t1\"},"
            " \"OutputFormatConfiguration\": {\"Serializer\": {\"ParquetSerDe\": {\"Compression\": \"GZIP\"}}}}}",
            &d);
    assert_int_equal(d.size_bytes, 64u << 20);
    assert_int_equal(d.interval_ms, 0);
    assert_int_equal(d.codec, SINK_CODEC_HADOOP_SNAPPY);
    assert_int_equal(d.append_newline, 1);
    assert_int_equal(d.format, FH_FORMAT_PARQUET);
    assert_string_equal(d.table, "t1");
    assert_int_equal(d.parquet_codec, SINK_CODEC_GZIP);
    fh_dest_fini(&d);
    /* conversion switched off */
    dest_ok("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"DataFormatConversionConfiguration\": {\"Enabled\": false}}", &d);
    assert_int_equal(d.format, FH_FORMAT_RAW);
    fh_dest_fini(&d);
    /* dynamic partitioning: no default timestamp */
    dest_ok("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"k=!{partitionKeyFromQuery:k}/\", \"ErrorOutputPrefix\":"
            " \"e/\", \"DynamicPartitioningConfiguration\": {\"Enabled\": true}, \"ProcessingConfiguration\": {"
            "\"Processors\": [{\"Type\": \"MetadataExtraction\", \"Parameters\": [{\"ParameterName\":"
            " \"MetadataExtractionQuery\", \"ParameterValue\": \"{k: .key}\"}]}]}}",
            &d);
    assert_false(fh_template_has(&d.prefix, FH_TPL_TIMESTAMP));
    assert_int_equal(d.n_keys, 1);
    fh_dest_fini(&d);
    dest_fails("{}", "BucketARN");
    dest_fails("[1]", "object");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::ab\"}", "BucketARN");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::Upper\"}", "BucketARN");
    dest_fails("{\"BucketARN\": \"arn:aws:kinesis:::bkt\"}", "BucketARN");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"CompressionFormat\": \"LZ4\"}", "LZ4");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"BufferingHints\": {\"SizeInMBs\": 129}}", "SizeInMBs");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"BufferingHints\": {\"IntervalInSeconds\": 901}}",
               "IntervalInSeconds");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"a/!{timestamp:yyyy}/\"}", "ErrorOutputPrefix");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"k=!{partitionKeyFromQuery:k}/\", \"ErrorOutputPrefix\":"
               " \"e/\"}",
               "dynamic partitioning");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"k=!{partitionKeyFromQuery:k}/\", \"ErrorOutputPrefix\":"
               " \"e/\", \"DynamicPartitioningConfiguration\": {\"Enabled\": true}}",
               "MetadataExtraction");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"p/\", \"DynamicPartitioningConfiguration\":"
               " {\"Enabled\": true}}",
               "partitionKeyFromQuery");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"ProcessingConfiguration\": {\"Processors\": [{\"Type\":"
               " \"Lambda\"}]}}",
               "Lambda");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"DataFormatConversionConfiguration\": {\"Enabled\": true}}",
               "TableName");
    dest_fails("{\"BucketARN\": \"arn:aws:s3:::bkt\", \"DataFormatConversionConfiguration\": {\"SchemaConfiguration\":"
               " {\"TableName\": \"t\"}, \"OutputFormatConfiguration\": {\"Serializer\": {\"OrcSerDe\": {}}}}}",
               "Orc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),      cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_partition_keys), cmocka_unit_test(test_object_name),
        cmocka_unit_test(test_dest_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
