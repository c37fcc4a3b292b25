/*
 * kinesis_req.c: libFuzzer target for the Kinesis JSON request decoder: the router (src/http/api.c),
 * the AWS JSON getters (src/http/aws_json.c), every operation's validation in src/http/api_kinesis.c
 * and the PutRecords fast-path scanner, over a real store in a temporary directory.
 *
 * Input: the first byte picks the operation (X-Amz-Target), the rest is the request body. Each input
 * is answered through an in-process exchange (http_exchange_local_create), and the target checks:
 *   - every answer is 200 or 400 (a 5xx would be a bug: no input should make an operation fail
 *     internally), with a body that is a JSON object; a 400 names an error in "__type";
 *   - PutRecords answers the same through the fast-path scanner as through the general decoder:
 *     same status, same error type and message, and for a success the same FailedRecordCount and
 *     number of results;
 *   - nothing leaks (LeakSanitizer) and nothing crashes (ASan/UBSan).
 * Between inputs the fixture streams "s" (2 shards) and "t" (1 shard) are restored and any other
 * stream is deleted, so mutating operations cannot starve later inputs of a stream to work on.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/api.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kz_ops[] = {
    "PutRecords", "PutRecord", "GetShardIterator", "GetRecords", "CreateStream", "DeleteStream",
    "DescribeStream", "DescribeStreamSummary", "ListStreams", "ListShards", "SplitShard", "MergeShards",
    "UpdateShardCount", "IncreaseStreamRetentionPeriod", "DecreaseStreamRetentionPeriod", "AddTagsToStream",
    "RemoveTagsFromStream", "ListTagsForStream", "DescribeLimits", "SubscribeToShard", "NoSuchOperation",
};
#define KZ_N_OPS (sizeof(kz_ops) / sizeof(kz_ops[0]))

static Store *kz_store;
static KinesisApi *kz_fast, *kz_slow;
static char kz_dir[64];

static void kz_check(int ok, const char *what, const HttpExchange *x)
{
    if (ok)
        return;
    fprintf(stderr, "kinesis_req fuzz invariant failed: %s\n", what);
    if (x) {
        const Buf *b = http_exchange_local_body(x);
        fprintf(stderr, "status %d body %.*s\n", http_exchange_local_status(x), (int)(b->len > 2000 ? 2000 : b->len),
                (const char *)b->p);
    }
    abort();
}

static void kz_notify(void *arg)
{
    (void)arg;
}

static void kz_cleanup(void)
{
    kinesis_api_destroy(&kz_fast);
    kinesis_api_destroy(&kz_slow);
    store_close(&kz_store);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", kz_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "kinesis_req: could not remove %s\n", kz_dir);
}

static void kz_init(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(kz_dir, sizeof(kz_dir), "%s/weir-fuzz-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
    kz_check(mkdtemp(kz_dir) != NULL, "mkdtemp", NULL);
    StoreConfig sc = {.dir = kz_dir, .fsync_mode = STORE_FSYNC_NONE, .segment_max_bytes = 1u << 20,
                      .notify = kz_notify};
    Err e;
    err_clear(&e);
    kz_check(store_open(&sc, &kz_store, &e) == 0, "store_open", NULL);
    KinesisApiConfig kc = {.store = kz_store, .account = "123456789012", .default_region = "us-east-1",
                           .iterator_ttl_ms = 300000, .shard_limit = 24};
    kz_fast = kinesis_api_create(&kc);
    kc.no_fast_path = 1;
    kz_slow = kinesis_api_create(&kc);
    atexit(kz_cleanup);
}

/* Put the fixture back: "s" with 2 open shards, "t" with 1, nothing else. */
static void kz_reset(void)
{
    Err e;
    char **names = NULL;
    size_t n = 0;
    err_clear(&e);
    if (store_stream_list(kz_store, &names, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++) {
            int keep = 0;
            StreamInfo *si = NULL;
            if ((strcmp(names[i], "s") == 0 || strcmp(names[i], "t") == 0) &&
                store_stream_describe(kz_store, names[i], &si, &e) == 0) {
                uint32_t open = 0, total = si->n_shards;
                for (uint32_t k = 0; k < si->n_shards; k++)
                    open += !si->shards[k].is_closed;
                keep = open == (names[i][0] == 's' ? 2u : 1u) && total < 12;
                store_stream_info_free(&si);
            }
            if (!keep) {
                err_clear(&e);
                kz_check(store_stream_delete(kz_store, names[i], &e) == 0, "reset: delete", NULL);
            }
            free(names[i]);
        }
        free(names);
    }
    static const struct {
        const char *name;
        uint32_t shards;
    } fixture[] = {{"s", 2}, {"t", 1}};
    for (size_t i = 0; i < 2; i++) {
        StreamInfo *si = NULL;
        err_clear(&e);
        if (store_stream_describe(kz_store, fixture[i].name, &si, &e) == 0) {
            store_stream_info_free(&si);
            continue;
        }
        err_clear(&e);
        kz_check(store_stream_create(kz_store, fixture[i].name, fixture[i].shards, STREAM_MODE_PROVISIONED,
                                     "us-east-1", "123456789012", &e) == 0,
                 "reset: create", NULL);
    }
}

/* Answer one request through api; the caller frees the exchange. */
static HttpExchange *kz_call(KinesisApi *kapi, const char *op, const uint8_t *body, size_t n)
{
    char target[96];
    snprintf(target, sizeof(target), "Kinesis_20131202.%s", op);
    static const char auth[] = "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/eu-west-1/kinesis/aws4_request, "
                               "SignedHeaders=host;x-amz-target, Signature=00";
    HttpHeader h[3] = {
        {{(const uint8_t *)"content-type", 12}, {(const uint8_t *)"application/x-amz-json-1.1", 26}},
        {{(const uint8_t *)"x-amz-target", 12}, {(const uint8_t *)target, strlen(target)}},
        {{(const uint8_t *)"authorization", 13}, {(const uint8_t *)auth, sizeof(auth) - 1}},
    };
    HttpExchange *x = http_exchange_local_create("POST", "/", h, 3, body, n);
    Api api = {.kinesis = kapi};
    api_handle(&api, x);
    /* Puts answer from store_dispatch once their records are durable (at once under FSYNC_NONE). */
    for (int i = 0; i < 1000 && http_exchange_local_status(x) == 0; i++) {
        store_dispatch(kz_store);
        if (http_exchange_local_status(x) == 0)
            usleep(100);
    }
    kz_check(http_exchange_local_status(x) != 0, "request never answered", x);
    return x;
}

/* Checks the answer's shape; returns its parsed body (caller decrefs). */
static json_t *kz_answer(const HttpExchange *x)
{
    int st = http_exchange_local_status(x);
    kz_check(st == 200 || st == 400, "status is 200 or 400", x);
    const Buf *b = http_exchange_local_body(x);
    json_error_t je;
    json_t *j = json_loadb((const char *)b->p, b->len, 0, &je);
    kz_check(j && json_is_object(j), "answer is a JSON object", x);
    if (st == 400)
        kz_check(json_is_string(json_object_get(j, "__type")), "400 carries __type", x);
    return j;
}

static const char *kz_str(json_t *j, const char *key)
{
    json_t *v = json_object_get(j, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!kz_store)
        kz_init();
    if (size < 1)
        return 0;
    const char *op = kz_ops[data[0] % KZ_N_OPS];
    kz_reset();
    HttpExchange *x = kz_call(kz_fast, op, data + 1, size - 1);
    json_t *a = kz_answer(x);
    if (strcmp(op, "PutRecords") == 0) {
        HttpExchange *y = kz_call(kz_slow, op, data + 1, size - 1);
        json_t *b = kz_answer(y);
        kz_check(http_exchange_local_status(x) == http_exchange_local_status(y), "fast and slow status agree", y);
        if (http_exchange_local_status(x) == 400) {
            kz_check(strcmp(kz_str(a, "__type"), kz_str(b, "__type")) == 0, "fast and slow error type agree", y);
            kz_check(strcmp(kz_str(a, "message"), kz_str(b, "message")) == 0, "fast and slow message agree", y);
        } else {
            json_t *fa = json_object_get(a, "FailedRecordCount"), *fb = json_object_get(b, "FailedRecordCount");
            kz_check(json_integer_value(fa) == json_integer_value(fb), "fast and slow FailedRecordCount agree", y);
            kz_check(json_array_size(json_object_get(a, "Records")) == json_array_size(json_object_get(b, "Records")),
                     "fast and slow result counts agree", y);
        }
        json_decref(b);
        http_exchange_local_free(&y);
    }
    json_decref(a);
    http_exchange_local_free(&x);
    return 0;
}
