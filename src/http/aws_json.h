/*
 * aws_json.h: the AWS JSON 1.1 protocol edge shared by the Kinesis and (later) Firehose handlers.
 *
 *  - AwsReq: one decoded request (jansson tree of the body) plus a list of validation failures that
 *    the field getters accumulate in AWS's own words ("1 validation error detected: Value 'x' at
 *    'streamName' failed to satisfy constraint: Member must ..."), so a handler reads every field
 *    first and then reports all constraint violations at once, as AWS does.
 *  - Type mismatches (a number where a string belongs, a bad base64 blob) are SerializationException,
 *    reported at once: AWS rejects those before it validates constraints.
 *  - JsonOut: a small streaming JSON writer into a Buf (no tree, no per-value malloc), used for every
 *    response, including GetRecords' large ones.
 *  - aws_respond_error: the error shape every AWS SDK parses: HTTP 400 (500 for InternalFailure) and
 *    {"__type":"Name","message":"..."}.
 *
 * Field names in messages are the member name with a lowercase first letter, as AWS prints them.
 */
#ifndef WEIR_HTTP_AWS_JSON_H
#define WEIR_HTTP_AWS_JSON_H

#include <jansson.h>
#include <stdint.h>

#include "base/buf.h"
#include "http/http.h"

#define AWS_MAX_VALIDATION 8

typedef struct AwsReq {
    json_t *root;          /* the request object; owned */
    int n_invalid;         /* constraint violations seen */
    char invalid[1024];    /* their messages joined by "; " */
    int serr;              /* nonzero once a SerializationException is pending */
    const char *prefix;    /* prepended to member paths in messages ("records.3.member."); NULL = none */
    char serr_msg[256];
} AwsReq;

/* Parse body into r (an empty body is {}). Returns 0, or -1 with r->serr set (malformed JSON, not an
 * object). Free with aws_req_fini either way. */
int aws_req_parse(AwsReq *r, const uint8_t *body, size_t len);
void aws_req_fini(AwsReq *r);

/* Constraint violation in AWS's words. value may be NULL (printed as null). */
void aws_req_invalid(AwsReq *r, const char *field, const char *value, const char *constraint_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Answer x with the pending SerializationException or ValidationException (all violations in one
 * message), if any. Returns 1 if it answered, 0 when the request is clean. */
int aws_req_check(AwsReq *r, HttpExchange *x);

/* Field getters on object obj (r->root or a nested object). Each returns 1 when the field is present
 * (and of the right JSON type), 0 when absent or null, -1 on a type mismatch (serr set). Required
 * fields that are absent record "Member must not be null". Length and value bounds record
 * violations; a negative bound means "no bound". The string getter returns a borrowed pointer valid
 * while r lives. */
int aws_get_str(AwsReq *r, json_t *obj, const char *member, int required, long min_len, long max_len,
                const char **out, size_t *out_len);
int aws_get_int(AwsReq *r, json_t *obj, const char *member, int required, int64_t min, int64_t max,
                int64_t *out);
int aws_get_bool(AwsReq *r, json_t *obj, const char *member, int *out);
/* Epoch seconds (number, fraction allowed) -> milliseconds. */
int aws_get_timestamp(AwsReq *r, json_t *obj, const char *member, int required, int64_t *out_ms);
/* One of a fixed set of strings; *out is the index into values. */
int aws_get_enum(AwsReq *r, json_t *obj, const char *member, int required, const char *const *values,
                 size_t n_values, int *out);
/* A nested object / array (borrowed). */
int aws_get_obj(AwsReq *r, json_t *obj, const char *member, int required, json_t **out);
int aws_get_array(AwsReq *r, json_t *obj, const char *member, int required, long min_n, long max_n,
                  json_t **out);

/* True if the string matches [a-zA-Z0-9_.-]+ (stream names, shard ids, consumer names). */
int aws_is_name_chars(const char *s, size_t n);

/* Lower-case-first name of a member for messages ("StreamName" -> "streamName"); out has 64 bytes. */
void aws_member_path(const char *member, char *out, size_t out_len);

/* --- responses --------------------------------------------------------------------------------- */

typedef struct JsonOut {
    Buf *b;
    int rc;            /* sticky: first append error */
    int depth;
    uint64_t first;    /* bit d set while nothing has been written at depth d */
} JsonOut;

void jo_init(JsonOut *o, Buf *b);
void jo_obj_begin(JsonOut *o);
void jo_obj_end(JsonOut *o);
void jo_arr_begin(JsonOut *o);
void jo_arr_end(JsonOut *o);
void jo_key(JsonOut *o, const char *key);           /* inside an object, before its value */
void jo_str(JsonOut *o, const char *s, size_t n);  /* escaped string value */
void jo_cstr(JsonOut *o, const char *s);
void jo_int(JsonOut *o, int64_t v);
void jo_bool(JsonOut *o, int v);
void jo_epoch_ms(JsonOut *o, int64_t ms);          /* epoch seconds with a millisecond fraction */
void jo_base64(JsonOut *o, const uint8_t *p, size_t n);
/* Shorthands: key + value. */
void jo_kv_str(JsonOut *o, const char *key, const char *s);
void jo_kv_int(JsonOut *o, const char *key, int64_t v);

/* Append s (n bytes) to b as a JSON string literal with quotes and escapes. */
int json_escape_append(Buf *b, const char *s, size_t n) WEIR_WARN_UNUSED;

/* Send {"__type":type,"message":msg} with the given HTTP status (400 for client errors). */
void aws_respond_error(HttpExchange *x, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Send 200 with body (consumed) as application/x-amz-json-1.1. */
void aws_respond_json(HttpExchange *x, Buf *body);

/* HttpErrorFn for framing errors: AWS-shaped JSON bodies. */
void aws_http_error_body(void *arg, int status, const char *msg, const char **content_type, Buf *out);

/* A fresh request id (UUID v4 text, 36 chars + NUL) for x-amzn-RequestId. */
void aws_request_id(char out[37]);

#endif
