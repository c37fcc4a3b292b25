/*
 * api.c: request routing on the HTTP port. See api.h.
 */
#include "http/api.h"

#include <string.h>

#include "http/aws_json.h"

int api_sigv4_region(const Slice *auth, char *out, size_t n)
{
    static const char cred[] = "Credential=";
    if (!auth || auth->n < 16 || memcmp(auth->p, "AWS4-HMAC-SHA256", 16) != 0)
        return -1;
    const char *s = (const char *)auth->p;
    const char *end = s + auth->n;
    const char *c = memmem(s, auth->n, cred, sizeof(cred) - 1);
    if (!c)
        return -1;
    c += sizeof(cred) - 1;
    /* AKID/date/region/service/aws4_request */
    const char *parts[5];
    int np = 0;
    parts[np++] = c;
    for (const char *p = c; p < end && *p != ',' && *p != ' ' && np < 5; p++)
        if (*p == '/')
            parts[np++] = p + 1;
    if (np < 5)
        return -1;
    size_t rl = (size_t)(parts[3] - parts[2] - 1);
    if (rl == 0 || rl >= n)
        return -1;
    for (size_t i = 0; i < rl; i++) {
        char ch = parts[2][i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
            return -1;
    }
    memcpy(out, parts[2], rl);
    out[rl] = '\0';
    return 0;
}

static void api_respond_text(HttpExchange *x, int status, const char *text)
{
    Buf b;
    buf_init(&b, 0);
    if (buf_append_cstr(&b, text))
        weir_panic("buf");
    HttpHeader h[1] = {{SLICE_LIT("Content-Type"), SLICE_LIT("text/plain; charset=utf-8")}};
    http_exchange_respond(x, status, h, 1, &b);
    buf_fini(&b);
}

void api_handle(void *arg, HttpExchange *x)
{
    Api *api = arg;
    const HttpRequest *req = http_exchange_request(x);
    /* /sql is routed by its path (AWS SDKs always post to "/"); the query string may say ?format=csv */
    const uint8_t *q = memchr(req->target.p, '?', req->target.n);
    if (slice_eq_cstr((Slice){req->target.p, q ? (size_t)(q - req->target.p) : req->target.n}, "/sql")) {
        sql_api_handle(api->sql, x);
        return;
    }
    const Slice *target = http_request_header(req, "x-amz-target");
    if (!target) {
        if (slice_eq_cstr(req->method, "GET") && slice_eq_cstr(req->target, "/health")) {
            api_respond_text(x, 200, "ok\n");
            return;
        }
        if (slice_eq_cstr(req->method, "GET") && slice_eq_cstr(req->target, "/")) {
            api_respond_text(x, 200,
                             "weir: a streaming-SQL server. This port speaks the Kinesis Data Streams API "
                             "(point boto3, the AWS CLI or an AWS SDK at it with --endpoint-url).\n");
            return;
        }
        if (slice_eq_cstr(req->method, "POST")) {
            aws_respond_error(x, 400, "UnknownOperationException", "Missing X-Amz-Target header.");
            return;
        }
        api_respond_text(x, 404, "not found\n");
        return;
    }
    if (!slice_eq_cstr(req->method, "POST")) {
        aws_respond_error(x, 400, "UnknownOperationException", "AWS JSON operations must be sent with POST.");
        return;
    }
    char region[32] = "";
    const Slice *auth = http_request_header(req, "authorization");
    if (!auth) {
        aws_respond_error(x, 400, "MissingAuthenticationTokenException", "Missing Authentication Token");
        return;
    }
    if (api_sigv4_region(auth, region, sizeof(region)) != 0) {
        aws_respond_error(x, 400, "IncompleteSignatureException",
                          "Authorization header requires a SigV4 'Credential' parameter with a credential scope.");
        return;
    }
    static const char kpre[] = "Kinesis_20131202.";
    size_t kn = sizeof(kpre) - 1;
    if (target->n > kn && memcmp(target->p, kpre, kn) == 0) {
        kinesis_api_handle(api->kinesis, x, (const char *)target->p + kn, target->n - kn, region);
        return;
    }
    static const char fpre[] = "Firehose_20150804.";
    size_t fn = sizeof(fpre) - 1;
    if (target->n > fn && memcmp(target->p, fpre, fn) == 0) {
        firehose_api_handle(api->firehose, x, (const char *)target->p + fn, target->n - fn, region);
        return;
    }
    aws_respond_error(x, 400, "UnknownOperationException", "Unknown target %.*s.",
                      (int)(target->n > 100 ? 100 : target->n), (const char *)target->p);
}
