/*
 * api.h: the HTTP front door. Routes each request on the HTTP port to the service it names:
 *   POST / with X-Amz-Target "Kinesis_20131202.<Op>"  -> api_kinesis.c
 *   POST / with X-Amz-Target "Firehose_20150804.<Op>" -> api_firehose.c
 *   /sql (POST; any query string)                       -> api_sql.c (SQL over HTTP, no credentials)
 *   GET /health                                         -> "ok"
 *   GET /                                               -> a short text page naming the server
 * and answers everything else with the error shape its client expects. Also extracts the region
 * from the SigV4 credential scope (signatures are not verified yet: any SigV4-shaped credentials
 * are accepted), and refuses requests with no credentials (MissingAuthenticationTokenException).
 */
#ifndef WEIR_HTTP_API_H
#define WEIR_HTTP_API_H

#include "http/api_firehose.h"
#include "http/api_kinesis.h"
#include "http/api_sql.h"
#include "http/http.h"

typedef struct Api {
    KinesisApi *kinesis;
    SqlApi *sql; /* NULL: /sql answers 503 */
    FirehoseApi *firehose; /* NULL: the Firehose operations answer ServiceUnavailableException */
} Api;

/* HttpHandlerFn: arg is an Api*. */
void api_handle(void *arg, HttpExchange *x);

/* The region in an Authorization header's credential scope ("Credential=AKID/20240101/us-east-1/
 * kinesis/aws4_request"), copied into out (n bytes). Returns 0, or -1 if there is none. */
int api_sigv4_region(const Slice *authorization, char *out, size_t n);

#endif
