/*
 * api_firehose.c: the Firehose operations (docs/firehose.md shows each with an example).
 *
 * Same three steps as api_kinesis.c: read every field through the aws_get_* getters (type mismatches are
 * SerializationException at once, constraint violations are collected into one ValidationException),
 * then semantic checks (InvalidArgumentException, ResourceNotFoundException, ...), then the manager call.
 * Manager error codes map to Firehose's error types in one place, f_error().
 *
 * The destination configuration is kept as the client sent it (JSON) and echoed back by
 * DescribeDeliveryStream with the defaults AWS fills in (BufferingHints, CompressionFormat,
 * EncryptionConfiguration), both as ExtendedS3DestinationDescription and S3DestinationDescription, as
 * AWS shows an extended S3 destination.
 *
 * PutRecord / PutRecordBatch append to the delivery stream's backing stream and answer once the store
 * has made the records durable (group commit), as the Kinesis puts do; RecordId is the record's
 * sequence number in that stream.
 *
 * INTERFACE ROUTINES: firehose_api_create, firehose_api_destroy, firehose_api_handle.
 */
#include "http/api_firehose.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/log.h"
#include "http/aws_json.h"

#define F_MAX_RECORD 1024000u          /* Record.Data, bytes */
#define F_MAX_BATCH_BYTES (4u << 20)   /* PutRecordBatch, all records */
#define F_MAX_BATCH_RECORDS 500

struct FirehoseApi {
    FhManager *fh;
    Store *store;
    char account[13];
    char default_region[32];
};

typedef struct FReq {
    FirehoseApi *api;
    HttpExchange *x;
    AwsReq r;
    const char *region;
} FReq;

FirehoseApi *firehose_api_create(const FirehoseApiConfig *cfg)
{
    FirehoseApi *api = xcalloc(1, sizeof(*api));
    api->fh = cfg->fh;
    api->store = cfg->store;
    snprintf(api->account, sizeof(api->account), "%s", cfg->account ? cfg->account : "000000000000");
    snprintf(api->default_region, sizeof(api->default_region), "%s",
             cfg->default_region ? cfg->default_region : "us-east-1");
    return api;
}

void firehose_api_destroy(FirehoseApi **api)
{
    if (!api || !*api)
        return;
    free(*api);
    *api = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------------------------- */

static int f_check(FReq *q) { return aws_req_check(&q->r, q->x); }

static void f_not_found(FReq *q, const char *name)
{
    aws_respond_error(q->x, 400, "ResourceNotFoundException", "Firehose stream %s under account %s not found.", name,
                      q->api->account);
}

static void f_error(FReq *q, const Err *e, const char *name)
{
    switch (e->code) {
    case WEIR_ENOTFOUND: f_not_found(q, name); return;
    case WEIR_EEXIST: aws_respond_error(q->x, 400, "ResourceInUseException", "%s", e->msg); return;
    case WEIR_EBUSY: aws_respond_error(q->x, 400, "ConcurrentModificationException", "%s", e->msg); return;
    case WEIR_EINVAL:
    case WEIR_EPARSE: aws_respond_error(q->x, 400, "InvalidArgumentException", "%s", e->msg); return;
    case WEIR_ELIMIT: aws_respond_error(q->x, 400, "LimitExceededException", "%s", e->msg); return;
    default:
        log_error("firehose: %s: %s", err_code_name(e->code), e->msg);
        aws_respond_error(q->x, 500, "ServiceUnavailableException", "The service is unavailable: %s", e->msg);
        return;
    }
}

/* DeliveryStreamName: required, 1-64 of [a-zA-Z0-9_.-]. Returns the name or NULL (the violation is
 * recorded). */
static const char *f_name(FReq *q, const char *member)
{
    const char *s = NULL;
    size_t n = 0;
    if (aws_get_str(&q->r, q->r.root, member, 1, 1, FH_NAME_MAX, &s, &n) <= 0)
        return NULL;
    if (!aws_is_name_chars(s, n))
        aws_req_invalid(&q->r, member, s, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    return s;
}

static void f_respond(FReq *q, json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    Buf b;
    buf_init(&b, 0);
    if (!s || buf_append_cstr(&b, s)) {
        free(s);
        buf_fini(&b);
        aws_respond_error(q->x, 500, "ServiceUnavailableException", "Response too large");
        return;
    }
    free(s);
    aws_respond_json(q->x, &b);
    buf_fini(&b);
}

static void f_respond_empty(FReq *q) { f_respond(q, json_object()); }

/* The end of an operation without a result: the manager's error, or {}. */
static void f_finish(FReq *q, int rc, const Err *e, const char *name)
{
    if (rc)
        f_error(q, e, name);
    else
        f_respond_empty(q);
}

/* Tags: a list of {Key, Value}; keys 1-128, values 0-256, no "aws:" keys. Returns 0 or -1 (type error).
 * The strings are borrowed from the request. */
static int f_get_tags(FReq *q, json_t *arr, FhTag **out, size_t *n_out)
{
    size_t n = json_array_size(arr);
    FhTag *tags = xcalloc(n ? n : 1, sizeof(*tags));
    char prefix[64];
    const char *saved = q->r.prefix;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(arr, i);
        snprintf(prefix, sizeof(prefix), "tags.%zu.member.", i + 1);
        q->r.prefix = prefix;
        if (!json_is_object(t)) {
            aws_req_invalid(&q->r, "Key", NULL, "Member must not be null");
            continue;
        }
        const char *k = NULL, *v = NULL;
        size_t kn = 0, vn = 0;
        if (aws_get_str(&q->r, t, "Key", 1, 1, 128, &k, &kn) < 0 || aws_get_str(&q->r, t, "Value", 0, 0, 256, &v, &vn) < 0) {
            q->r.prefix = saved;
            free(tags);
            return -1;
        }
        if (k && kn >= 4 && !strncmp(k, "aws:", 4))
            aws_req_invalid(&q->r, "Key", k, "Member must satisfy regular expression pattern: ^(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%%]*$");
        tags[i].key = (char *)k;
        tags[i].value = (char *)(v ? v : "");
    }
    q->r.prefix = saved;
    *out = tags;
    *n_out = n;
    return 0;
}

/* arn:aws:kinesis:<region>:<12 digits>:stream/<name> -> name (0), or -1. */
static int f_kinesis_arn(const char *arn, char *name, size_t cap)
{
    if (strncmp(arn, "arn:aws", 7) != 0)
        return -1;
    const char *p = strstr(arn, ":kinesis:");
    const char *st = strstr(arn, ":stream/");
    if (!p || !st || st < p)
        return -1;
    const char *acct = st;
    while (acct > p && acct[-1] != ':')
        acct--;
    if (st - acct != 12)
        return -1;
    const char *n = st + 8;
    size_t len = strlen(n);
    if (len == 0 || len >= cap || len > STORE_NAME_MAX || !aws_is_name_chars(n, len))
        return -1;
    memcpy(name, n, len + 1);
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * CreateDeliveryStream
 * ---------------------------------------------------------------------------------------------- */

static const char *const f_types[] = {"DirectPut", "KinesisStreamAsSource"};

/* Destination members weir does not deliver to: named so the error says which one was given. */
static const char *const f_other_dests[] = {
    "RedshiftDestinationConfiguration",   "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration", "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
    "SnowflakeDestinationConfiguration"};

static void f_create(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    int type = 0;
    aws_get_enum(&q->r, q->r.root, "DeliveryStreamType", 0, f_types, 2, &type);
    json_t *ksrc = NULL, *ext = NULL, *s3 = NULL, *ice = NULL, *tags_arr = NULL;
    aws_get_obj(&q->r, q->r.root, "KinesisStreamSourceConfiguration", 0, &ksrc);
    aws_get_obj(&q->r, q->r.root, "ExtendedS3DestinationConfiguration", 0, &ext);
    aws_get_obj(&q->r, q->r.root, "S3DestinationConfiguration", 0, &s3);
    aws_get_obj(&q->r, q->r.root, "IcebergDestinationConfiguration", 0, &ice);
    aws_get_array(&q->r, q->r.root, "Tags", 0, 1, FH_MAX_TAGS, &tags_arr);
    const char *karn = NULL, *krole = NULL;
    if (ksrc) {
        aws_get_str(&q->r, ksrc, "KinesisStreamARN", 1, 1, 512, &karn, NULL);
        aws_get_str(&q->r, ksrc, "RoleARN", 0, 1, 512, &krole, NULL);
    }
    FhTag *tags = NULL;
    size_t n_tags = 0;
    if (tags_arr && f_get_tags(q, tags_arr, &tags, &n_tags)) {
        f_check(q);
        return;
    }
    if (f_check(q)) {
        free(tags);
        return;
    }
    for (size_t i = 0; i < sizeof(f_other_dests) / sizeof(f_other_dests[0]); i++) {
        json_t *o = json_object_get(q->r.root, f_other_dests[i]);
        if (o && !json_is_null(o)) {
            aws_respond_error(q->x, 400, "InvalidArgumentException",
                              "weir delivers to ExtendedS3DestinationConfiguration (a warehouse directory or an "
                              "S3-compatible store); %s is not supported.",
                              f_other_dests[i]);
            free(tags);
            return;
        }
    }
    json_t *dest = ext ? ext : s3 ? s3 : ice;
    if (!dest || (!!ext + !!s3 + !!ice) != 1) {
        aws_respond_error(q->x, 400, "InvalidArgumentException",
                          "Exactly one destination configuration must be specified (ExtendedS3DestinationConfiguration "
                          "or IcebergDestinationConfiguration).");
        free(tags);
        return;
    }
    char src[STORE_NAME_MAX + 1] = "";
    if (type == FH_TYPE_KINESIS_SOURCE) {
        if (!karn) {
            aws_respond_error(q->x, 400, "InvalidArgumentException",
                              "KinesisStreamSourceConfiguration is required for the KinesisStreamAsSource type.");
            free(tags);
            return;
        }
        if (f_kinesis_arn(karn, src, sizeof(src))) {
            aws_respond_error(q->x, 400, "InvalidArgumentException", "KinesisStreamARN %s is not a Kinesis stream ARN.",
                              karn);
            free(tags);
            return;
        }
    } else if (ksrc) {
        aws_respond_error(q->x, 400, "InvalidArgumentException",
                          "KinesisStreamSourceConfiguration is only allowed with the KinesisStreamAsSource type.");
        free(tags);
        return;
    }
    char *dest_json = json_dumps(dest, JSON_COMPACT | JSON_PRESERVE_ORDER);
    FhCreate c = {.name = name,
                  .type = (FhType)type,
                  .source_stream = src,
                  .source_arn = karn,
                  .source_role = krole,
                  .dest_json = dest_json,
                  .tags = tags,
                  .n_tags = n_tags,
                  .region = q->region};
    Err e;
    err_clear(&e);
    int rc = fh_stream_create(q->api->fh, &c, &e);
    free(dest_json);
    free(tags);
    if (rc) {
        f_error(q, &e, name);
        return;
    }
    json_t *o = json_object();
    char arn[256];
    snprintf(arn, sizeof(arn), "arn:aws:firehose:%s:%s:deliverystream/%s", q->region, q->api->account, name);
    json_object_set_new(o, "DeliveryStreamARN", json_string(arn));
    f_respond(q, o);
}

/* ------------------------------------------------------------------------------------------------
 * DescribeDeliveryStream
 * ---------------------------------------------------------------------------------------------- */

static json_t *f_epoch(int64_t ms) { return json_real((double)ms / 1000.0); }

/* The stored destination with the defaults AWS shows filled in (a new reference). */
static json_t *f_dest_description(FReq *q, const char *dest_json, int extended)
{
    json_error_t je;
    json_t *d = json_loads(dest_json, 0, &je);
    if (!d)
        d = json_object();
    json_t *out = json_object();
    char role[128];
    snprintf(role, sizeof(role), "arn:aws:iam::%s:role/firehose_delivery_role", q->api->account);
    json_t *v = json_object_get(d, "RoleARN");
    json_object_set_new(out, "RoleARN", v ? json_incref(v) : json_string(role));
    json_object_set(out, "BucketARN", json_object_get(d, "BucketARN"));
    if ((v = json_object_get(d, "Prefix")))
        json_object_set(out, "Prefix", v);
    if ((v = json_object_get(d, "ErrorOutputPrefix")))
        json_object_set(out, "ErrorOutputPrefix", v);
    json_t *bh = json_object();
    json_t *gbh = json_object_get(d, "BufferingHints");
    json_t *sz = json_object_get(gbh, "SizeInMBs"), *iv = json_object_get(gbh, "IntervalInSeconds");
    json_object_set_new(bh, "SizeInMBs", sz ? json_incref(sz) : json_integer(5));
    json_object_set_new(bh, "IntervalInSeconds", iv ? json_incref(iv) : json_integer(300));
    json_object_set_new(out, "BufferingHints", bh);
    v = json_object_get(d, "CompressionFormat");
    json_object_set_new(out, "CompressionFormat", v ? json_incref(v) : json_string("UNCOMPRESSED"));
    v = json_object_get(d, "EncryptionConfiguration");
    json_object_set_new(out, "EncryptionConfiguration",
                        v ? json_incref(v) : json_pack("{s:s}", "NoEncryptionConfig", "NoEncryption"));
    if ((v = json_object_get(d, "CloudWatchLoggingOptions")))
        json_object_set(out, "CloudWatchLoggingOptions", v);
    if (extended) {
        static const char *const more[] = {"ProcessingConfiguration", "DataFormatConversionConfiguration",
                                           "DynamicPartitioningConfiguration"};
        for (size_t i = 0; i < 3; i++)
            if ((v = json_object_get(d, more[i])))
                json_object_set(out, more[i], v);
        v = json_object_get(d, "S3BackupMode");
        json_object_set_new(out, "S3BackupMode", v ? json_incref(v) : json_string("Disabled"));
    }
    json_decref(d);
    return out;
}

/* An Iceberg destination as stored, with the default BufferingHints filled in and its S3Configuration
 * shown as S3DestinationDescription (a new reference). */
static json_t *f_iceberg_description(FReq *q, const char *dest_json)
{
    json_error_t je;
    json_t *d = json_loads(dest_json, 0, &je);
    if (!d)
        d = json_object();
    json_t *bh = json_object_get(d, "BufferingHints");
    if (!json_is_object(bh)) {
        bh = json_object();
        json_object_set_new(d, "BufferingHints", bh);
    }
    if (!json_object_get(bh, "SizeInMBs"))
        json_object_set_new(bh, "SizeInMBs", json_integer(5));
    if (!json_object_get(bh, "IntervalInSeconds"))
        json_object_set_new(bh, "IntervalInSeconds", json_integer(300));
    json_t *s3 = json_object_get(d, "S3Configuration");
    if (s3) {
        char *sj = json_dumps(s3, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_object_set_new(d, "S3DestinationDescription", f_dest_description(q, sj ? sj : "{}", 0));
        free(sj);
        json_object_del(d, "S3Configuration");
    }
    return d;
}

static void f_describe(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    int64_t limit = 0;
    const char *start = NULL;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 10000, &limit);
    aws_get_str(&q->r, q->r.root, "ExclusiveStartDestinationId", 0, 1, 100, &start, NULL);
    if (f_check(q))
        return;
    FhInfo *in = NULL;
    Err e;
    err_clear(&e);
    if (fh_stream_get(q->api->fh, name, &in, &e)) {
        f_error(q, &e, name);
        return;
    }
    static const char *const st[] = {"CREATING", "ACTIVE", "DELETING"};
    json_t *d = json_object();
    json_object_set_new(d, "DeliveryStreamName", json_string(in->name));
    json_object_set_new(d, "DeliveryStreamARN", json_string(in->arn));
    json_object_set_new(d, "DeliveryStreamStatus", json_string(st[in->status]));
    json_object_set_new(d, "DeliveryStreamEncryptionConfiguration", json_pack("{s:s}", "Status", "DISABLED"));
    json_object_set_new(d, "DeliveryStreamType", json_string(f_types[in->type]));
    char ver[32];
    snprintf(ver, sizeof(ver), "%" PRId64, in->version);
    json_object_set_new(d, "VersionId", json_string(ver));
    json_object_set_new(d, "CreateTimestamp", f_epoch(in->created_ms));
    if (in->updated_ms != in->created_ms)
        json_object_set_new(d, "LastUpdateTimestamp", f_epoch(in->updated_ms));
    if (in->type == FH_TYPE_KINESIS_SOURCE) {
        json_t *k = json_object();
        json_object_set_new(k, "KinesisStreamARN", json_string(in->source_arn));
        if (in->source_role[0])
            json_object_set_new(k, "RoleARN", json_string(in->source_role));
        json_object_set_new(k, "DeliveryStartTimestamp", f_epoch(in->created_ms));
        json_object_set_new(d, "Source", json_pack("{s:o}", "KinesisStreamSourceDescription", k));
    }
    json_t *dests = json_array();
    if (!start || strcmp(start, FH_DESTINATION_ID) < 0) {
        json_t *dd = json_object();
        json_object_set_new(dd, "DestinationId", json_string(FH_DESTINATION_ID));
        if (strstr(in->dest_json, "\"DestinationTableConfigurationList\"")) {
            json_object_set_new(dd, "IcebergDestinationDescription", f_iceberg_description(q, in->dest_json));
        } else {
            json_object_set_new(dd, "S3DestinationDescription", f_dest_description(q, in->dest_json, 0));
            json_object_set_new(dd, "ExtendedS3DestinationDescription", f_dest_description(q, in->dest_json, 1));
        }
        json_array_append_new(dests, dd);
    }
    json_object_set_new(d, "Destinations", dests);
    json_object_set_new(d, "HasMoreDestinations", json_false());
    fh_info_free(&in);
    f_respond(q, json_pack("{s:o}", "DeliveryStreamDescription", d));
}

/* ------------------------------------------------------------------------------------------------
 * ListDeliveryStreams, DeleteDeliveryStream, UpdateDestination
 * ---------------------------------------------------------------------------------------------- */

static void f_list(FReq *q)
{
    int64_t limit = 10;
    int type = -1;
    const char *start = NULL;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 10000, &limit);
    aws_get_enum(&q->r, q->r.root, "DeliveryStreamType", 0, f_types, 2, &type);
    aws_get_str(&q->r, q->r.root, "ExclusiveStartDeliveryStreamName", 0, 1, FH_NAME_MAX, &start, NULL);
    if (f_check(q))
        return;
    char **names = NULL;
    size_t n = 0;
    Err e;
    err_clear(&e);
    if (fh_stream_list(q->api->fh, type, &names, &n, &e)) {
        f_error(q, &e, "");
        return;
    }
    json_t *arr = json_array();
    size_t shown = 0;
    int more = 0;
    for (size_t i = 0; i < n; i++) {
        if (start && strcmp(names[i], start) <= 0)
            continue;
        if ((int64_t)shown == limit) {
            more = 1;
            break;
        }
        json_array_append_new(arr, json_string(names[i]));
        shown++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    f_respond(q, json_pack("{s:o,s:b}", "DeliveryStreamNames", arr, "HasMoreDeliveryStreams", more));
}

static void f_delete(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    int force = 0;
    aws_get_bool(&q->r, q->r.root, "AllowForceDelete", &force);
    if (f_check(q))
        return;
    Err e;
    err_clear(&e);
    f_finish(q, fh_stream_delete(q->api->fh, name, &e), &e, name);
}

static void f_update(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    const char *ver = NULL, *dest_id = NULL;
    size_t vn = 0;
    json_t *ext = NULL, *s3 = NULL, *ice = NULL;
    aws_get_str(&q->r, q->r.root, "CurrentDeliveryStreamVersionId", 1, 1, 50, &ver, &vn);
    aws_get_obj(&q->r, q->r.root, "IcebergDestinationUpdate", 0, &ice);
    aws_get_str(&q->r, q->r.root, "DestinationId", 1, 1, 100, &dest_id, NULL);
    aws_get_obj(&q->r, q->r.root, "ExtendedS3DestinationUpdate", 0, &ext);
    aws_get_obj(&q->r, q->r.root, "S3DestinationUpdate", 0, &s3);
    if (ver && strspn(ver, "0123456789") != vn)
        aws_req_invalid(&q->r, "CurrentDeliveryStreamVersionId", ver, "Member must satisfy regular expression pattern: [0-9]+");
    if (f_check(q))
        return;
    if (strcmp(dest_id, FH_DESTINATION_ID) != 0) {
        aws_respond_error(q->x, 400, "InvalidArgumentException", "Destination %s not found for Firehose stream %s.",
                          dest_id, name);
        return;
    }
    json_t *upd = ext ? ext : s3 ? s3 : ice;
    if (!upd) {
        aws_respond_error(q->x, 400, "InvalidArgumentException",
                          "UpdateDestination needs an ExtendedS3DestinationUpdate or an IcebergDestinationUpdate.");
        return;
    }
    FhInfo *in = NULL;
    Err e;
    err_clear(&e);
    if (fh_stream_get(q->api->fh, name, &in, &e)) {
        f_error(q, &e, name);
        return;
    }
    json_error_t je;
    json_t *d = json_loads(in->dest_json, 0, &je);
    int was_iceberg = strstr(in->dest_json, "\"DestinationTableConfigurationList\"") != NULL;
    fh_info_free(&in);
    if (!d)
        d = json_object();
    if (was_iceberg != (upd == ice)) {
        json_decref(d);
        aws_respond_error(q->x, 400, "InvalidArgumentException",
                          "The update's destination type is not the Firehose stream's (%s).",
                          was_iceberg ? "Iceberg" : "ExtendedS3");
        return;
    }
    /* Only the members given change; nested objects (BufferingHints, ...) merge member by member. */
    json_object_update_recursive(d, upd);
    char *dj = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(d);
    int rc = fh_stream_update_dest(q->api->fh, name, strtoll(ver, NULL, 10), dj, &e);
    free(dj);
    f_finish(q, rc, &e, name);
}

/* ------------------------------------------------------------------------------------------------
 * PutRecord / PutRecordBatch
 * ---------------------------------------------------------------------------------------------- */

typedef struct FPut {
    HttpExchange *x;
    Buf body;
} FPut;

static void f_put_done(void *arg, int rc)
{
    FPut *p = arg;
    if (rc == WEIR_OK)
        aws_respond_json(p->x, &p->body);
    else
        aws_respond_error(p->x, 500, "ServiceUnavailableException",
                          "The records could not be made durable (%s); they were not acknowledged.", err_code_name(rc));
    buf_fini(&p->body);
    free(p);
}

/* Decode the Data of each record object into data[] (one block, *block, caller frees). Returns 0, or
 * answers and returns -1. */
static int f_decode(FReq *q, json_t **recs, size_t n, int single, Slice *data, uint8_t **block)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += base64_decoded_max(json_string_length(json_object_get(recs[i], "Data")));
    uint8_t *b = xmalloc(total ? total : 1);
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *d = json_object_get(recs[i], "Data");
        size_t dn = 0;
        if (base64_decode(json_string_value(d), json_string_length(d), b + used, &dn) != 0) {
            free(b);
            aws_respond_error(q->x, 400, "SerializationException", "Base64 encoded data is invalid (record %zu).", i);
            return -1;
        }
        if (dn > F_MAX_RECORD) {
            free(b);
            aws_respond_error(q->x, 400, "ValidationException",
                              "1 validation error detected: Value at '%sdata' failed to satisfy constraint: Member must "
                              "have length less than or equal to %u",
                              single ? "record." : "records.member.", F_MAX_RECORD);
            return -1;
        }
        data[i] = (Slice){b + used, dn};
        used += dn;
    }
    if (used > F_MAX_BATCH_BYTES) {
        free(b);
        aws_respond_error(q->x, 400, "InvalidArgumentException",
                          "The records are %zu bytes together, over PutRecordBatch's limit of 4 MiB.", used);
        return -1;
    }
    *block = b;
    return 0;
}

static void f_put_common(FReq *q, int single)
{
    const char *name = f_name(q, "DeliveryStreamName");
    json_t *rec = NULL, *arr = NULL;
    if (single)
        aws_get_obj(&q->r, q->r.root, "Record", 1, &rec);
    else
        aws_get_array(&q->r, q->r.root, "Records", 1, 1, F_MAX_BATCH_RECORDS, &arr);
    size_t n = single ? (rec ? 1 : 0) : json_array_size(arr);
    json_t **recs = xcalloc(n ? n : 1, sizeof(*recs));
    char prefix[64];
    for (size_t i = 0; i < n; i++) {
        recs[i] = single ? rec : json_array_get(arr, i);
        if (!single) {
            snprintf(prefix, sizeof(prefix), "records.%zu.member.", i + 1);
            q->r.prefix = prefix;
        } else {
            q->r.prefix = "record.";
        }
        if (!json_is_object(recs[i])) {
            aws_req_invalid(&q->r, "Data", NULL, "Member must not be null");
            continue;
        }
        const char *dummy = NULL;
        aws_get_str(&q->r, recs[i], "Data", 1, -1, -1, &dummy, NULL);
    }
    q->r.prefix = NULL;
    if (f_check(q) || n == 0) {
        if (!q->r.serr && !q->r.n_invalid)
            aws_respond_error(q->x, 400, "ValidationException", "1 validation error detected: Records is empty");
        free(recs);
        return;
    }
    Slice *data = xcalloc(n, sizeof(*data));
    uint8_t *block = NULL;
    if (f_decode(q, recs, n, single, data, &block)) {
        free(recs);
        free(data);
        return;
    }
    free(recs);
    StoreAppendResult *res = xcalloc(n, sizeof(*res));
    uint64_t uid = 0, token = 0;
    Err e;
    err_clear(&e);
    int rc = fh_stream_put(q->api->fh, name, data, n, res, &uid, &token, &e);
    free(block);
    free(data);
    if (rc) {
        free(res);
        f_error(q, &e, name);
        return;
    }
    FPut *p = xcalloc(1, sizeof(*p));
    p->x = q->x;
    buf_init(&p->body, 0);
    JsonOut o;
    jo_init(&o, &p->body);
    jo_obj_begin(&o);
    StoreSeqFmt sf = {0};
    if (single) {
        jo_kv_str(&o, "RecordId", store_seq_fmt(&sf, uid, res[0].seq, res[0].shard_index));
    } else {
        jo_kv_int(&o, "FailedPutCount", 0);
        jo_key(&o, "RequestResponses");
        jo_arr_begin(&o);
        for (size_t i = 0; i < n; i++) {
            jo_obj_begin(&o);
            jo_kv_str(&o, "RecordId", store_seq_fmt(&sf, uid, res[i].seq, res[i].shard_index));
            jo_obj_end(&o);
        }
        jo_arr_end(&o);
    }
    jo_key(&o, "Encrypted");
    jo_bool(&o, 0);
    jo_obj_end(&o);
    free(res);
    store_sync_wait(q->api->store, token, f_put_done, p);
}

static void f_put_record(FReq *q) { f_put_common(q, 1); }
static void f_put_record_batch(FReq *q) { f_put_common(q, 0); }

/* ------------------------------------------------------------------------------------------------
 * Tags
 * ---------------------------------------------------------------------------------------------- */

static void f_tag(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    json_t *arr = NULL;
    aws_get_array(&q->r, q->r.root, "Tags", 1, 1, FH_MAX_TAGS, &arr);
    FhTag *tags = NULL;
    size_t n = 0;
    if (arr && f_get_tags(q, arr, &tags, &n)) {
        f_check(q);
        return;
    }
    if (f_check(q)) {
        free(tags);
        return;
    }
    Err e;
    err_clear(&e);
    int rc = fh_stream_tags_add(q->api->fh, name, tags, n, &e);
    free(tags);
    f_finish(q, rc, &e, name);
}

static void f_untag(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    json_t *arr = NULL;
    aws_get_array(&q->r, q->r.root, "TagKeys", 1, 1, FH_MAX_TAGS, &arr);
    size_t n = json_array_size(arr);
    char **keys = xcalloc(n ? n : 1, sizeof(*keys));
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_array_get(arr, i);
        if (!json_is_string(k) || json_string_length(k) < 1 || json_string_length(k) > 128)
            aws_req_invalid(&q->r, "TagKeys", json_is_string(k) ? json_string_value(k) : NULL,
                            "Member must have length between 1 and 128");
        else
            keys[i] = (char *)json_string_value(k);
    }
    if (f_check(q)) {
        free(keys);
        return;
    }
    Err e;
    err_clear(&e);
    int rc = fh_stream_tags_remove(q->api->fh, name, keys, n, &e);
    free(keys);
    f_finish(q, rc, &e, name);
}

static void f_list_tags(FReq *q)
{
    const char *name = f_name(q, "DeliveryStreamName");
    const char *start = NULL;
    int64_t limit = 50;
    aws_get_str(&q->r, q->r.root, "ExclusiveStartTagKey", 0, 1, 128, &start, NULL);
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 50, &limit);
    if (f_check(q))
        return;
    FhInfo *in = NULL;
    Err e;
    err_clear(&e);
    if (fh_stream_get(q->api->fh, name, &in, &e)) {
        f_error(q, &e, name);
        return;
    }
    json_t *arr = json_array();
    int more = 0;
    int64_t shown = 0;
    for (size_t i = 0; i < in->n_tags; i++) {
        if (start && strcmp(in->tags[i].key, start) <= 0)
            continue;
        if (shown == limit) {
            more = 1;
            break;
        }
        json_array_append_new(arr, json_pack("{s:s,s:s}", "Key", in->tags[i].key, "Value", in->tags[i].value));
        shown++;
    }
    fh_info_free(&in);
    f_respond(q, json_pack("{s:o,s:b}", "Tags", arr, "HasMoreTags", more));
}

/* ------------------------------------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------------------------------- */

typedef struct FOp {
    const char *name;
    void (*fn)(FReq *q);
} FOp;

static const FOp f_ops[] = {
    {"CreateDeliveryStream", f_create},
    {"DeleteDeliveryStream", f_delete},
    {"DescribeDeliveryStream", f_describe},
    {"ListDeliveryStreams", f_list},
    {"ListTagsForDeliveryStream", f_list_tags},
    {"PutRecord", f_put_record},
    {"PutRecordBatch", f_put_record_batch},
    {"TagDeliveryStream", f_tag},
    {"UntagDeliveryStream", f_untag},
    {"UpdateDestination", f_update},
};

void firehose_api_handle(FirehoseApi *api, HttpExchange *x, const char *op, size_t op_len, const char *region)
{
    const FOp *found = NULL;
    for (size_t i = 0; i < sizeof(f_ops) / sizeof(f_ops[0]); i++)
        if (strlen(f_ops[i].name) == op_len && memcmp(f_ops[i].name, op, op_len) == 0)
            found = &f_ops[i];
    if (!found) {
        aws_respond_error(x, 400, "UnknownOperationException", "Operation %.*s is not supported by weir.",
                          (int)(op_len > 64 ? 64 : op_len), op);
        return;
    }
    if (!api) {
        aws_respond_error(x, 503, "ServiceUnavailableException", "Delivery streams are not enabled on this server.");
        return;
    }
    const HttpRequest *req = http_exchange_request(x);
    FReq q = {.api = api, .x = x, .region = region && region[0] ? region : api->default_region};
    if (aws_req_parse(&q.r, req->body, req->body_len)) {
        aws_respond_error(x, 400, "SerializationException", "%s", q.r.serr_msg);
        aws_req_fini(&q.r);
        return;
    }
    found->fn(&q);
    aws_req_fini(&q.r);
}
