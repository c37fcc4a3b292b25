/*
 * api_kinesis.h: the Kinesis Data Streams API (JSON 1.1, target prefix Kinesis_20131202) over the
 * store. One handler per operation; each validates its request in AWS's terms, calls the store, and
 * writes the response shape botocore's service model describes.
 */
#ifndef WEIR_HTTP_API_KINESIS_H
#define WEIR_HTTP_API_KINESIS_H

#include <stdint.h>

#include "http/http.h"
#include "store/store.h"

typedef struct KinesisApi KinesisApi;

typedef struct KinesisApiConfig {
    Store *store;               /* borrowed; outlives the api */
    const char *account;        /* 12-digit account id for ARNs */
    const char *default_region; /* when a request carries no credential scope */
    int64_t iterator_ttl_ms;    /* shard iterator lifetime (AWS: 300000) */
    uint32_t shard_limit;       /* open shards per server (LimitExceededException past it) */
    int no_fast_path;           /* always use the general JSON decoder (fuzzing compares the two) */
} KinesisApiConfig;

/* Caller owns the result; free with kinesis_api_destroy. */
KinesisApi *kinesis_api_create(const KinesisApiConfig *cfg);
void kinesis_api_destroy(KinesisApi **api);

/* Handle one request whose X-Amz-Target starts with "Kinesis_20131202."; op is the part after the
 * dot. region comes from the credential scope. Answers x (now, or after the fsync for puts). */
void kinesis_api_handle(KinesisApi *api, HttpExchange *x, const char *op, size_t op_len, const char *region);

#endif
