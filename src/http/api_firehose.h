/*
 * api_firehose.h: the Kinesis Data Firehose API (JSON 1.1, target prefix Firehose_20150804) over the
 * delivery-stream manager (sink/firehose.h). One handler per operation; each validates its request in
 * AWS's terms, calls the manager, and writes the response shape botocore's service model describes.
 */
#ifndef WEIR_HTTP_API_FIREHOSE_H
#define WEIR_HTTP_API_FIREHOSE_H

#include "http/http.h"
#include "sink/firehose.h"
#include "store/store.h"

typedef struct FirehoseApi FirehoseApi;

typedef struct FirehoseApiConfig {
    FhManager *fh;              /* borrowed; outlives the api */
    Store *store;               /* borrowed: puts wait for their fsync through it */
    const char *account;        /* 12-digit account id for ARNs */
    const char *default_region; /* when a request carries no credential scope */
} FirehoseApiConfig;

/* Caller owns the result; free with firehose_api_destroy. */
FirehoseApi *firehose_api_create(const FirehoseApiConfig *cfg);
void firehose_api_destroy(FirehoseApi **api);

/* Handle one request whose X-Amz-Target starts with "Firehose_20150804."; op is the part after the dot.
 * Answers x (now, or after the fsync for puts). api NULL: every operation answers ServiceUnavailable. */
void firehose_api_handle(FirehoseApi *api, HttpExchange *x, const char *op, size_t op_len, const char *region);

#endif
