/*
 * api_kinesis.c: the Kinesis Data Streams operations.
 *
 * Every handler follows the same three steps, in the order AWS applies them:
 *   1. read every field through the aws_get_* getters (type mismatches become SerializationException
 *      at once; constraint violations are collected and reported together as ValidationException);
 *   2. semantic checks against the stream (InvalidArgumentException, ResourceNotFoundException, ...);
 *   3. the store call and the response.
 * Store error codes map to AWS error types in one place, k_store_error().
 *
 * Shard iterators and ListShards/ListStreams tokens are opaque to clients: a small binary record
 * (version, stream uid, shard, position, issue time, stream name) with a CRC32C, in base64. The CRC
 * catches a garbled or hand-made iterator (InvalidArgumentException); the issue time gives
 * ExpiredIteratorException after the configured lifetime; the stream uid stops an iterator of a
 * deleted stream from reading a new stream of the same name.
 *
 * Writes (PutRecord, PutRecords) answer only once the store reports the records durable (group
 * commit): the response is built at once, parked with store_sync_wait, and sent from the dispatch.
 *
 * INTERFACE ROUTINES: kinesis_api_create, kinesis_api_destroy, kinesis_api_handle.
 */
#include "http/api_kinesis.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/crc32c.h"
#include "base/log.h"
#include "http/aws_json.h"

#define K_MAX_REQUEST_PAYLOAD (10u << 20) /* PutRecords: data + keys per request */
#define K_GET_RECORDS_MAX_BYTES (10u << 20)
#define K_TOKEN_TTL_MS 300000
#define K_MAX_TAGS 50

struct KinesisApi {
    Store *store;
    char account[13];
    char default_region[32];
    int64_t iterator_ttl_ms;
    uint32_t shard_limit;
    int no_fast_path;
};

typedef struct KReq {
    KinesisApi *api;
    HttpExchange *x;
    AwsReq r;
    const char *region;
} KReq;

KinesisApi *kinesis_api_create(const KinesisApiConfig *cfg)
{
    KinesisApi *api = xcalloc(1, sizeof(*api));
    api->store = cfg->store;
    snprintf(api->account, sizeof(api->account), "%s", cfg->account ? cfg->account : "000000000000");
    snprintf(api->default_region, sizeof(api->default_region), "%s",
             cfg->default_region ? cfg->default_region : "us-east-1");
    api->iterator_ttl_ms = cfg->iterator_ttl_ms > 0 ? cfg->iterator_ttl_ms : 300000;
    api->shard_limit = cfg->shard_limit ? cfg->shard_limit : 10000;
    api->no_fast_path = cfg->no_fast_path;
    return api;
}

void kinesis_api_destroy(KinesisApi **api)
{
    if (!api || !*api)
        return;
    free(*api);
    *api = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Helpers: errors, names, ARNs, shard ids
 * ---------------------------------------------------------------------------------------------- */

/* Send the pending Serialization/Validation error, if any. Returns 1 if it answered. */
static int k_check(KReq *q) { return aws_req_check(&q->r, q->x); }

static void k_invalid_arg(KReq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void k_invalid_arg(KReq *q, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    aws_respond_error(q->x, 400, "InvalidArgumentException", "%s", msg);
}

static void k_stream_not_found(KReq *q, const char *name)
{
    aws_respond_error(q->x, 400, "ResourceNotFoundException", "Stream %s under account %s not found.", name,
                      q->api->account);
}

/* Map a store failure to the AWS error a client expects. */
static void k_store_error(KReq *q, const Err *e, const char *name)
{
    switch (e->code) {
    case WEIR_ENOTFOUND:
        if (name && strstr(e->msg, "shard") == NULL && strstr(e->msg, "Shard") == NULL)
            k_stream_not_found(q, name);
        else
            aws_respond_error(q->x, 400, "ResourceNotFoundException", "%s", e->msg);
        return;
    case WEIR_EEXIST:
    case WEIR_EBUSY:
        aws_respond_error(q->x, 400, "ResourceInUseException", "%s", e->msg);
        return;
    case WEIR_EINVAL:
    case WEIR_EPARSE:
        aws_respond_error(q->x, 400, "InvalidArgumentException", "%s", e->msg);
        return;
    case WEIR_ELIMIT:
        aws_respond_error(q->x, 400, "LimitExceededException", "%s", e->msg);
        return;
    default:
        log_error("kinesis: store failure %s: %s", err_code_name(e->code), e->msg);
        aws_respond_error(q->x, 500, "InternalFailure", "Internal service failure: %s", e->msg);
        return;
    }
}

static void k_arn(const KinesisApi *api, const StreamInfo *si, char *out, size_t n)
{
    snprintf(out, n, "arn:aws:kinesis:%s:%s:stream/%s", si->region[0] ? si->region : api->default_region,
             si->account[0] ? si->account : api->account, si->name);
}

/* Parse "shardId-000000000001" (any number of digits) into an index. */
static int k_parse_shard_id(const char *s, size_t n, uint32_t *out)
{
    static const char pre[] = "shardId-";
    size_t pn = sizeof(pre) - 1;
    if (n <= pn || n > pn + 20 || memcmp(s, pre, pn) != 0)
        return -1;
    uint64_t v = 0;
    for (size_t i = pn; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    *out = (uint32_t)v;
    return 0;
}


/* Read StreamName and/or StreamARN into name. Returns 1 present, 0 absent (nothing recorded), -1 on
 * a type error. Constraint violations are recorded in q->r. */
static int k_get_stream(KReq *q, char name[STORE_NAME_MAX + 1], int *has_arn, char arn_name[STORE_NAME_MAX + 1])
{
    const char *s = NULL, *arn = NULL;
    size_t n = 0, an = 0;
    name[0] = '\0';
    arn_name[0] = '\0';
    *has_arn = 0;
    int got = aws_get_str(&q->r, q->r.root, "StreamName", 0, 1, STORE_NAME_MAX, &s, &n);
    if (got < 0)
        return -1;
    if (got > 0) {
        if (!aws_is_name_chars(s, n))
            aws_req_invalid(&q->r, "StreamName", s, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        snprintf(name, STORE_NAME_MAX + 1, "%.*s", (int)(n > STORE_NAME_MAX ? STORE_NAME_MAX : n), s);
    }
    int got_arn = aws_get_str(&q->r, q->r.root, "StreamARN", 0, 1, 2048, &arn, &an);
    if (got_arn < 0)
        return -1;
    if (got_arn > 0) {
        /* arn:aws[-partition]:kinesis:<region>:<12 digits>:stream/<name> */
        const char *p = strstr(arn, ":kinesis:");
        const char *st = strstr(arn, ":stream/");
        int ok = strncmp(arn, "arn:aws", 7) == 0 && p && st && st > p;
        if (ok) {
            const char *acct_end = st;
            const char *acct = acct_end;
            while (acct > p && acct[-1] != ':')
                acct--;
            ok = acct_end - acct == 12;
            for (const char *c = acct; ok && c < acct_end; c++)
                ok = *c >= '0' && *c <= '9';
        }
        if (!ok || !st[8]) {
            aws_req_invalid(&q->r, "StreamARN", arn,
                            "Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{12}:stream/\\S+");
        } else {
            *has_arn = 1;
            snprintf(arn_name, STORE_NAME_MAX + 1, "%.*s", STORE_NAME_MAX, st + 8);
        }
    }
    if (got > 0 || *has_arn)
        return 1;
    return 0;
}

/* After k_check: combine StreamName and StreamARN into the stream name. Answers and returns -1 when
 * neither is given or they disagree. */
static int k_resolve_stream(KReq *q, int present, char name[STORE_NAME_MAX + 1], int has_arn,
                            const char arn_name[STORE_NAME_MAX + 1])
{
    if (!present) {
        k_invalid_arg(q, "Either StreamName or StreamARN should be provided.");
        return -1;
    }
    if (has_arn) {
        if (name[0] && strcmp(name, arn_name) != 0) {
            k_invalid_arg(q, "StreamName %s and StreamARN (stream %s) refer to different streams.", name, arn_name);
            return -1;
        }
        snprintf(name, STORE_NAME_MAX + 1, "%s", arn_name);
    }
    return 0;
}

/* Common prologue for operations addressed to one stream with no other fields needing the stream
 * before validation. */
#define K_STREAM_FIELDS()                                                                                     \
    char name[STORE_NAME_MAX + 1], arn_name[STORE_NAME_MAX + 1];                                              \
    int has_arn = 0;                                                                                          \
    int present = k_get_stream(q, name, &has_arn, arn_name)

#define K_STREAM_RESOLVE()                                                                                    \
    do {                                                                                                      \
        if (k_check(q))                                                                                       \
            return;                                                                                           \
        if (present < 0 || k_resolve_stream(q, present, name, has_arn, arn_name))                             \
            return;                                                                                           \
    } while (0)

static void k_respond_empty(KReq *q)
{
    Buf b;
    buf_init(&b, 0);
    if (buf_append(&b, "{}", 2))
        weir_panic("buf");
    aws_respond_json(q->x, &b);
    buf_fini(&b);
}

static void k_respond_out(KReq *q, Buf *b, JsonOut *o)
{
    if (o->rc) {
        aws_respond_error(q->x, 500, "InternalFailure", "Response too large");
    } else {
        aws_respond_json(q->x, b);
    }
    buf_fini(b);
}

static const char *k_status_name(int st)
{
    switch (st) {
    case STREAM_CREATING: return "CREATING";
    case STREAM_UPDATING: return "UPDATING";
    case STREAM_DELETING: return "DELETING";
    default: return "ACTIVE";
    }
}

static void k_write_hash(JsonOut *o, u128 lo, u128 hi)
{
    char a[U128_DEC_MAX + 1], b[U128_DEC_MAX + 1];
    u128_format_dec(lo, a);
    u128_format_dec(hi, b);
    jo_key(o, "HashKeyRange");
    jo_obj_begin(o);
    jo_kv_str(o, "StartingHashKey", a);
    jo_kv_str(o, "EndingHashKey", b);
    jo_obj_end(o);
}

static void k_write_shard(JsonOut *o, const StreamInfo *si, const ShardInfo *sh)
{
    char id[32], seq[STORE_SEQ_STR_LEN + 1];
    jo_obj_begin(o);
    store_shard_id_format(sh->index, id);
    jo_kv_str(o, "ShardId", id);
    if (sh->parent >= 0) {
        store_shard_id_format((uint32_t)sh->parent, id);
        jo_kv_str(o, "ParentShardId", id);
    }
    if (sh->adjacent_parent >= 0) {
        store_shard_id_format((uint32_t)sh->adjacent_parent, id);
        jo_kv_str(o, "AdjacentParentShardId", id);
    }
    k_write_hash(o, sh->hash_lo, sh->hash_hi);
    jo_key(o, "SequenceNumberRange");
    jo_obj_begin(o);
    store_seq_format(si->uid, sh->start_seq, sh->index, seq);
    jo_kv_str(o, "StartingSequenceNumber", seq);
    if (sh->is_closed) {
        store_seq_format(si->uid, sh->end_seq, sh->index, seq);
        jo_kv_str(o, "EndingSequenceNumber", seq);
    }
    jo_obj_end(o);
    jo_obj_end(o);
}

static void k_write_mode(JsonOut *o, const StreamInfo *si)
{
    jo_key(o, "StreamModeDetails");
    jo_obj_begin(o);
    jo_kv_str(o, "StreamMode", si->mode == STREAM_MODE_ON_DEMAND ? "ON_DEMAND" : "PROVISIONED");
    jo_obj_end(o);
}

static void k_write_monitoring(JsonOut *o)
{
    jo_key(o, "EnhancedMonitoring");
    jo_arr_begin(o);
    jo_obj_begin(o);
    jo_key(o, "ShardLevelMetrics");
    jo_arr_begin(o);
    jo_arr_end(o);
    jo_obj_end(o);
    jo_arr_end(o);
}

static const ShardInfo *k_find_shard(const StreamInfo *si, uint32_t index)
{
    /* Shards are ordered by index; indices are dense from 0. */
    if (index < si->n_shards && si->shards[index].index == index)
        return &si->shards[index];
    for (uint32_t i = 0; i < si->n_shards; i++)
        if (si->shards[i].index == index)
            return &si->shards[i];
    return NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Opaque tokens (shard iterators, ListShards / ListStreams tokens)
 * ---------------------------------------------------------------------------------------------- */

enum { K_TOK_ITER = 1, K_TOK_SHARDS = 2, K_TOK_STREAMS = 3 };

typedef struct KToken {
    uint8_t kind;
    uint64_t uid;
    uint32_t shard;   /* iterator: shard; ListShards: last index returned */
    uint64_t pos;     /* iterator: read position; ListShards: filter type + 1 (0 none) */
    int64_t issued_ms;
    int64_t aux;      /* ListShards: filter timestamp / shard id */
    char name[STORE_NAME_MAX + 1];
} KToken;

static void k_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t k_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

#define K_TOKEN_SALT 0x77656972u /* "weir": keeps a CRC of all zeros from validating */

/* Encode t as base64 text into out (at least 300 bytes). */
static void k_token_encode(const KToken *t, char *out)
{
    uint8_t raw[2 + 8 + 4 + 8 + 8 + 8 + 1 + STORE_NAME_MAX + 4];
    size_t n = 0;
    size_t name_len = strlen(t->name);
    raw[n++] = 1; /* version */
    raw[n++] = t->kind;
    k_put64(raw + n, t->uid);
    n += 8;
    raw[n++] = (uint8_t)(t->shard >> 24);
    raw[n++] = (uint8_t)(t->shard >> 16);
    raw[n++] = (uint8_t)(t->shard >> 8);
    raw[n++] = (uint8_t)t->shard;
    k_put64(raw + n, t->pos);
    n += 8;
    k_put64(raw + n, (uint64_t)t->issued_ms);
    n += 8;
    k_put64(raw + n, (uint64_t)t->aux);
    n += 8;
    raw[n++] = (uint8_t)name_len;
    memcpy(raw + n, t->name, name_len);
    n += name_len;
    uint32_t crc = crc32c_extend(K_TOKEN_SALT, raw, n);
    raw[n++] = (uint8_t)(crc >> 24);
    raw[n++] = (uint8_t)(crc >> 16);
    raw[n++] = (uint8_t)(crc >> 8);
    raw[n++] = (uint8_t)crc;
    size_t w = base64_encode(raw, n, out);
    out[w] = '\0';
}

static int k_token_decode(const char *s, size_t sn, uint8_t kind, KToken *t)
{
    uint8_t raw[512];
    size_t n = 0;
    if (sn == 0 || base64_decoded_max(sn) > sizeof(raw) || base64_decode(s, sn, raw, &n) != 0)
        return -1;
    if (n < 2 + 8 + 4 + 8 + 8 + 8 + 1 + 4 || raw[0] != 1 || raw[1] != kind)
        return -1;
    uint32_t crc = (uint32_t)raw[n - 4] << 24 | (uint32_t)raw[n - 3] << 16 | (uint32_t)raw[n - 2] << 8 | raw[n - 1];
    if (crc32c_extend(K_TOKEN_SALT, raw, n - 4) != crc)
        return -1;
    size_t p = 2;
    t->kind = kind;
    t->uid = k_get64(raw + p);
    p += 8;
    t->shard = (uint32_t)raw[p] << 24 | (uint32_t)raw[p + 1] << 16 | (uint32_t)raw[p + 2] << 8 | raw[p + 3];
    p += 4;
    t->pos = k_get64(raw + p);
    p += 8;
    t->issued_ms = (int64_t)k_get64(raw + p);
    p += 8;
    t->aux = (int64_t)k_get64(raw + p);
    p += 8;
    size_t name_len = raw[p++];
    if (name_len > STORE_NAME_MAX || p + name_len + 4 != n)
        return -1;
    memcpy(t->name, raw + p, name_len);
    t->name[name_len] = '\0';
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Streams
 * ---------------------------------------------------------------------------------------------- */

static const char *const k_modes[] = {"PROVISIONED", "ON_DEMAND"};

static void k_create_stream(KReq *q)
{
    K_STREAM_FIELDS();
    int64_t shard_count = 0;
    int has_count = aws_get_int(&q->r, q->r.root, "ShardCount", 0, 1, INT32_MAX, &shard_count);
    json_t *mode_obj = NULL;
    int mode = STREAM_MODE_PROVISIONED;
    if (aws_get_obj(&q->r, q->r.root, "StreamModeDetails", 0, &mode_obj) > 0)
        aws_get_enum(&q->r, mode_obj, "StreamMode", 1, k_modes, 2, &mode);
    json_t *tags = NULL;
    int has_tags = 0;
    if (json_object_get(q->r.root, "Tags") && !json_is_null(json_object_get(q->r.root, "Tags"))) {
        tags = json_object_get(q->r.root, "Tags");
        if (!json_is_object(tags)) {
            aws_get_obj(&q->r, q->r.root, "Tags", 0, &tags); /* records the type error */
        } else {
            has_tags = 1;
            if (json_object_size(tags) > K_MAX_TAGS)
                aws_req_invalid(&q->r, "Tags", NULL, "Member must have length less than or equal to %d", K_MAX_TAGS);
        }
    }
    if (present == 0 && !q->r.serr)
        aws_req_invalid(&q->r, "StreamName", NULL, "Member must not be null");
    if (k_check(q))
        return;
    if (has_arn) {
        k_invalid_arg(q, "CreateStream takes a StreamName, not a StreamARN.");
        return;
    }
    if (mode == STREAM_MODE_PROVISIONED && has_count <= 0) {
        k_invalid_arg(q, "ShardCount is required for a stream in PROVISIONED mode.");
        return;
    }
    if (mode == STREAM_MODE_ON_DEMAND && has_count > 0) {
        k_invalid_arg(q, "ShardCount cannot be specified for a stream in ON_DEMAND mode.");
        return;
    }
    uint32_t n = mode == STREAM_MODE_ON_DEMAND ? 4 : (uint32_t)shard_count;
    if (n > q->api->shard_limit) {
        aws_respond_error(q->x, 400, "LimitExceededException",
                          "This request would exceed the shard limit for the account %s in %s. Current shard "
                          "limit for account %s in %s is %u.",
                          q->api->account, q->region, q->api->account, q->region, q->api->shard_limit);
        return;
    }
    /* Tag validation before anything is created. */
    if (has_tags) {
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v)
        {
            if (!json_is_string(v)) {
                aws_respond_error(q->x, 400, "SerializationException", "Tag values must be strings");
                return;
            }
            if (strlen(k) < 1 || strlen(k) > 128 || json_string_length(v) > 256) {
                k_invalid_arg(q, "Tag keys must be 1-128 characters and values 0-256 characters.");
                return;
            }
        }
    }
    Err e;
    err_clear(&e);
    if (store_stream_create(q->api->store, name, n, mode, q->region, q->api->account, &e)) {
        if (e.code == WEIR_EEXIST)
            aws_respond_error(q->x, 400, "ResourceInUseException", "Stream %s under account %s already exists.",
                              name, q->api->account);
        else
            k_store_error(q, &e, name);
        return;
    }
    if (has_tags && json_object_size(tags) > 0) {
        size_t nt = json_object_size(tags), i = 0;
        StreamTag *st = xcalloc(nt, sizeof(*st));
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v)
        {
            st[i].key = (char *)k;
            st[i].value = (char *)json_string_value(v);
            i++;
        }
        int rc = store_stream_tags_add(q->api->store, name, st, nt, &e);
        free(st);
        if (rc) {
            k_store_error(q, &e, name);
            return;
        }
    }
    k_respond_empty(q);
}

static void k_delete_stream(KReq *q)
{
    K_STREAM_FIELDS();
    int enforce = 0;
    aws_get_bool(&q->r, q->r.root, "EnforceConsumerDeletion", &enforce);
    K_STREAM_RESOLVE();
    Err e;
    err_clear(&e);
    if (store_stream_delete(q->api->store, name, &e)) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

/* Describe a stream or answer ResourceNotFoundException. */
static StreamInfo *k_describe(KReq *q, const char *name)
{
    StreamInfo *si = NULL;
    Err e;
    err_clear(&e);
    if (store_stream_describe(q->api->store, name, &si, &e)) {
        k_store_error(q, &e, name);
        return NULL;
    }
    return si;
}

static int k_get_shard_id(KReq *q, json_t *obj, const char *member, int required, const char **s, size_t *n)
{
    int got = aws_get_str(&q->r, obj, member, required, 1, 128, s, n);
    if (got > 0 && !aws_is_name_chars(*s, *n))
        aws_req_invalid(&q->r, member, *s, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    return got;
}

static void k_describe_stream(KReq *q)
{
    K_STREAM_FIELDS();
    int64_t limit = 100;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 10000, &limit);
    const char *start = NULL;
    size_t start_n = 0;
    int has_start = k_get_shard_id(q, q->r.root, "ExclusiveStartShardId", 0, &start, &start_n);
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    int64_t after = -1;
    if (has_start > 0) {
        uint32_t idx;
        /* AWS accepts an id that is not in the stream: it just lists the shards after it. */
        if (k_parse_shard_id(start, start_n, &idx) == 0)
            after = idx;
    }
    char arn[512];
    k_arn(q->api, si, arn, sizeof(arn));
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_key(&o, "StreamDescription");
    jo_obj_begin(&o);
    jo_kv_str(&o, "StreamName", si->name);
    jo_kv_str(&o, "StreamARN", arn);
    jo_kv_str(&o, "StreamStatus", k_status_name(si->status));
    k_write_mode(&o, si);
    jo_key(&o, "Shards");
    jo_arr_begin(&o);
    int64_t written = 0;
    int more = 0;
    for (uint32_t i = 0; i < si->n_shards; i++) {
        if ((int64_t)si->shards[i].index <= after)
            continue;
        if (written == limit) {
            more = 1;
            break;
        }
        k_write_shard(&o, si, &si->shards[i]);
        written++;
    }
    jo_arr_end(&o);
    jo_key(&o, "HasMoreShards");
    jo_bool(&o, more);
    jo_kv_int(&o, "RetentionPeriodHours", si->retention_hours);
    jo_key(&o, "StreamCreationTimestamp");
    jo_epoch_ms(&o, si->created_ms);
    k_write_monitoring(&o);
    jo_kv_str(&o, "EncryptionType", "NONE");
    jo_obj_end(&o);
    jo_obj_end(&o);
    store_stream_info_free(&si);
    k_respond_out(q, &b, &o);
}

static void k_describe_stream_summary(KReq *q)
{
    K_STREAM_FIELDS();
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    char arn[512];
    k_arn(q->api, si, arn, sizeof(arn));
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_key(&o, "StreamDescriptionSummary");
    jo_obj_begin(&o);
    jo_kv_str(&o, "StreamName", si->name);
    jo_kv_str(&o, "StreamARN", arn);
    jo_kv_str(&o, "StreamStatus", k_status_name(si->status));
    k_write_mode(&o, si);
    jo_kv_int(&o, "RetentionPeriodHours", si->retention_hours);
    jo_key(&o, "StreamCreationTimestamp");
    jo_epoch_ms(&o, si->created_ms);
    k_write_monitoring(&o);
    jo_kv_str(&o, "EncryptionType", "NONE");
    jo_kv_int(&o, "OpenShardCount", si->n_open);
    jo_kv_int(&o, "ConsumerCount", 0);
    jo_obj_end(&o);
    jo_obj_end(&o);
    store_stream_info_free(&si);
    k_respond_out(q, &b, &o);
}

static void k_list_streams(KReq *q)
{
    int64_t limit = 100;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 10000, &limit);
    const char *start = NULL, *token = NULL;
    size_t start_n = 0, token_n = 0;
    int has_start = aws_get_str(&q->r, q->r.root, "ExclusiveStartStreamName", 0, 1, STORE_NAME_MAX, &start, &start_n);
    int has_token = aws_get_str(&q->r, q->r.root, "NextToken", 0, 1, 1048576, &token, &token_n);
    if (k_check(q))
        return;
    char after[STORE_NAME_MAX + 2] = "";
    if (has_token > 0) {
        KToken t;
        if (k_token_decode(token, token_n, K_TOK_STREAMS, &t)) {
            k_invalid_arg(q, "Invalid NextToken.");
            return;
        }
        if (clock_now_ms() - t.issued_ms > K_TOKEN_TTL_MS) {
            aws_respond_error(q->x, 400, "ExpiredNextTokenException", "The NextToken has expired.");
            return;
        }
        snprintf(after, sizeof(after), "%s", t.name);
    } else if (has_start > 0) {
        snprintf(after, sizeof(after), "%.*s", (int)start_n, start);
    }
    char **names = NULL;
    size_t n = 0;
    Err e;
    err_clear(&e);
    if (store_stream_list(q->api->store, &names, &n, &e)) {
        k_store_error(q, &e, NULL);
        return;
    }
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    /* Pick the page first: names after `after`, up to limit. */
    size_t first = 0;
    while (first < n && after[0] && strcmp(names[first], after) <= 0)
        first++;
    size_t last = first;
    while (last < n && (int64_t)(last - first) < limit)
        last++;
    int more = last < n;
    jo_key(&o, "StreamNames");
    jo_arr_begin(&o);
    for (size_t i = first; i < last; i++)
        jo_cstr(&o, names[i]);
    jo_arr_end(&o);
    jo_key(&o, "HasMoreStreams");
    jo_bool(&o, more);
    jo_key(&o, "StreamSummaries");
    jo_arr_begin(&o);
    for (size_t i = first; i < last; i++) {
        StreamInfo *si = NULL;
        Err e2;
        err_clear(&e2);
        if (store_stream_describe(q->api->store, names[i], &si, &e2))
            continue; /* deleted meanwhile */
        char arn[512];
        k_arn(q->api, si, arn, sizeof(arn));
        jo_obj_begin(&o);
        jo_kv_str(&o, "StreamName", si->name);
        jo_kv_str(&o, "StreamARN", arn);
        jo_kv_str(&o, "StreamStatus", k_status_name(si->status));
        k_write_mode(&o, si);
        jo_key(&o, "StreamCreationTimestamp");
        jo_epoch_ms(&o, si->created_ms);
        jo_obj_end(&o);
        store_stream_info_free(&si);
    }
    jo_arr_end(&o);
    if (more && last > first) {
        KToken t = {.kind = K_TOK_STREAMS, .issued_ms = clock_now_ms()};
        snprintf(t.name, sizeof(t.name), "%s", names[last - 1]);
        char tok[320];
        k_token_encode(&t, tok);
        jo_kv_str(&o, "NextToken", tok);
    }
    jo_obj_end(&o);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    k_respond_out(q, &b, &o);
}

/* ------------------------------------------------------------------------------------------------
 * ListShards
 * ---------------------------------------------------------------------------------------------- */

enum { K_SF_AFTER_SHARD_ID, K_SF_AT_TRIM_HORIZON, K_SF_FROM_TRIM_HORIZON, K_SF_AT_LATEST, K_SF_AT_TIMESTAMP,
       K_SF_FROM_TIMESTAMP };
static const char *const k_filter_types[] = {"AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON",
                                             "AT_LATEST",      "AT_TIMESTAMP",    "FROM_TIMESTAMP"};

/* Does shard sh pass the filter? `aux` is the filter's shard index or timestamp. */
static int k_shard_filter(const StreamInfo *si, const ShardInfo *sh, int type, int64_t aux)
{
    int64_t now = clock_now_ms();
    int64_t horizon = now - (int64_t)si->retention_hours * 3600000;
    if (horizon < si->created_ms)
        horizon = si->created_ms;
    switch (type) {
    case K_SF_AFTER_SHARD_ID:
        return (int64_t)sh->index > aux;
    case K_SF_AT_LATEST:
        return !sh->is_closed;
    case K_SF_AT_TRIM_HORIZON: /* open at the trim horizon */
        return sh->created_ms <= horizon && (!sh->is_closed || sh->closed_ms > horizon);
    case K_SF_FROM_TRIM_HORIZON: /* open at the trim horizon or since */
        return !sh->is_closed || sh->closed_ms > horizon;
    case K_SF_AT_TIMESTAMP: {
        int64_t t = aux < si->created_ms ? si->created_ms : aux;
        return sh->created_ms <= t && (!sh->is_closed || sh->closed_ms > t);
    }
    case K_SF_FROM_TIMESTAMP:
        return !sh->is_closed || sh->closed_ms > aux;
    default:
        return 1;
    }
}

static void k_list_shards(KReq *q)
{
    K_STREAM_FIELDS();
    const char *token = NULL, *start = NULL;
    size_t token_n = 0, start_n = 0;
    int has_token = aws_get_str(&q->r, q->r.root, "NextToken", 0, 1, 1048576, &token, &token_n);
    int has_start = k_get_shard_id(q, q->r.root, "ExclusiveStartShardId", 0, &start, &start_n);
    int64_t max_results = 1000;
    aws_get_int(&q->r, q->r.root, "MaxResults", 0, 1, 10000, &max_results);
    int64_t created_ts = 0;
    int has_created = aws_get_timestamp(&q->r, q->r.root, "StreamCreationTimestamp", 0, &created_ts);
    json_t *filter = NULL;
    int ftype = -1;
    const char *fshard = NULL;
    size_t fshard_n = 0;
    int64_t fts = 0;
    int has_fshard = 0, has_fts = 0;
    if (aws_get_obj(&q->r, q->r.root, "ShardFilter", 0, &filter) > 0) {
        aws_get_enum(&q->r, filter, "Type", 1, k_filter_types, 6, &ftype);
        has_fshard = k_get_shard_id(q, filter, "ShardId", 0, &fshard, &fshard_n);
        has_fts = aws_get_timestamp(&q->r, filter, "Timestamp", 0, &fts);
    }
    if (k_check(q))
        return;
    if (present < 0)
        return;
    KToken t = {0};
    if (has_token > 0) {
        if (present > 0 && name[0]) {
            k_invalid_arg(q, "NextToken and StreamName cannot be provided together.");
            return;
        }
        if (k_token_decode(token, token_n, K_TOK_SHARDS, &t)) {
            k_invalid_arg(q, "Invalid NextToken.");
            return;
        }
        if (clock_now_ms() - t.issued_ms > K_TOKEN_TTL_MS) {
            aws_respond_error(q->x, 400, "ExpiredNextTokenException", "The NextToken has expired.");
            return;
        }
        snprintf(name, sizeof(name), "%s", t.name);
        ftype = t.pos ? (int)t.pos - 1 : -1;
    } else {
        if (k_resolve_stream(q, present, name, has_arn, arn_name))
            return;
        if (ftype == K_SF_AFTER_SHARD_ID && has_fshard <= 0) {
            k_invalid_arg(q, "ShardFilter of type AFTER_SHARD_ID requires a ShardId.");
            return;
        }
        if ((ftype == K_SF_AT_TIMESTAMP || ftype == K_SF_FROM_TIMESTAMP) && has_fts <= 0) {
            k_invalid_arg(q, "ShardFilter of type %s requires a Timestamp.", k_filter_types[ftype]);
            return;
        }
    }
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    if (has_token > 0 && t.uid != si->uid) {
        store_stream_info_free(&si);
        k_invalid_arg(q, "Invalid NextToken: the stream it was issued for no longer exists.");
        return;
    }
    if (has_created > 0 && has_token <= 0 && created_ts / 1000 != si->created_ms / 1000) {
        store_stream_info_free(&si);
        aws_respond_error(q->x, 400, "ResourceNotFoundException",
                          "Stream %s with the given creation timestamp under account %s not found.", name,
                          q->api->account);
        return;
    }
    int64_t after = -1, aux = 0;
    if (has_token > 0) {
        after = t.shard == UINT32_MAX ? -1 : (int64_t)t.shard;
        aux = t.aux;
    } else {
        uint32_t idx;
        if (has_start > 0 && k_parse_shard_id(start, start_n, &idx) == 0)
            after = idx;
        if (ftype == K_SF_AFTER_SHARD_ID) {
            if (k_parse_shard_id(fshard, fshard_n, &idx) == 0)
                aux = idx;
            else
                aux = -1;
        } else if (ftype == K_SF_AT_TIMESTAMP || ftype == K_SF_FROM_TIMESTAMP) {
            aux = fts;
        }
    }
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_key(&o, "Shards");
    jo_arr_begin(&o);
    int64_t written = 0;
    int64_t last_idx = -1;
    int more = 0;
    for (uint32_t i = 0; i < si->n_shards; i++) {
        const ShardInfo *sh = &si->shards[i];
        if ((int64_t)sh->index <= after)
            continue;
        if (ftype >= 0 && !k_shard_filter(si, sh, ftype, aux))
            continue;
        if (written == max_results) {
            more = 1;
            break;
        }
        k_write_shard(&o, si, sh);
        last_idx = sh->index;
        written++;
    }
    jo_arr_end(&o);
    if (more) {
        KToken nt = {.kind = K_TOK_SHARDS,
                     .uid = si->uid,
                     .shard = (uint32_t)last_idx,
                     .pos = (uint64_t)(ftype + 1),
                     .issued_ms = clock_now_ms(),
                     .aux = aux};
        snprintf(nt.name, sizeof(nt.name), "%s", si->name);
        char tok[320];
        k_token_encode(&nt, tok);
        jo_kv_str(&o, "NextToken", tok);
    }
    jo_obj_end(&o);
    store_stream_info_free(&si);
    k_respond_out(q, &b, &o);
}

/* ------------------------------------------------------------------------------------------------
 * PutRecord / PutRecords
 * ---------------------------------------------------------------------------------------------- */

typedef struct KPut {
    HttpExchange *x;
    Buf body;
} KPut;

static void k_put_done(void *arg, int rc)
{
    KPut *p = arg;
    if (rc == WEIR_OK) {
        aws_respond_json(p->x, &p->body);
    } else {
        aws_respond_error(p->x, 500, "InternalFailure",
                          "The records could not be made durable (%s); they were not acknowledged.",
                          err_code_name(rc));
    }
    buf_fini(&p->body);
    free(p);
}

/* One decoded entry before it reaches the store. */
typedef struct KEntry {
    const char *key;
    size_t key_len;
    const char *data_b64;
    size_t data_b64_len;
    const char *ehk; /* explicit hash key text or NULL */
    size_t ehk_len;
} KEntry;

/* Read one record entry's fields from obj (PutRecord's root or a PutRecords entry). */
static void k_get_entry(KReq *q, json_t *obj, KEntry *en)
{
    memset(en, 0, sizeof(*en));
    aws_get_str(&q->r, obj, "PartitionKey", 1, 1, 256, &en->key, &en->key_len);
    json_t *d = json_object_get(obj, "Data");
    if (d && !json_is_null(d)) {
        if (!json_is_string(d)) {
            const char *dummy;
            aws_get_str(&q->r, obj, "Data", 0, -1, -1, &dummy, NULL); /* records the type error */
        } else {
            en->data_b64 = json_string_value(d);
            en->data_b64_len = json_string_length(d);
        }
    } else {
        aws_req_invalid(&q->r, "Data", NULL, "Member must not be null");
    }
    if (aws_get_str(&q->r, obj, "ExplicitHashKey", 0, -1, -1, &en->ehk, &en->ehk_len) > 0) {
        /* Pattern 0|([1-9]\d{0,38}) */
        int ok = en->ehk_len >= 1 && en->ehk_len <= 39 && !(en->ehk_len > 1 && en->ehk[0] == '0');
        for (size_t i = 0; ok && i < en->ehk_len; i++)
            ok = en->ehk[i] >= '0' && en->ehk[i] <= '9';
        if (!ok)
            aws_req_invalid(&q->r, "ExplicitHashKey", en->ehk,
                            "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
    }
}

/* Decode entries into the store's form. data_block receives every decoded Data (caller frees).
 * Returns 0, or answers the request and returns -1. */
static int k_decode_entries(KReq *q, const KEntry *en, size_t n, StoreAppendEntry *out, uint8_t **data_block)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += base64_decoded_max(en[i].data_b64_len);
    uint8_t *block = xmalloc(total ? total : 1);
    size_t used = 0, payload = 0;
    for (size_t i = 0; i < n; i++) {
        size_t dn = 0;
        if (base64_decode(en[i].data_b64, en[i].data_b64_len, block + used, &dn) != 0) {
            free(block);
            if (en[i].data_b64_len % 4 != 0)
                aws_respond_error(q->x, 400, "SerializationException",
                                  "Base64 encoded length is expected a multiple of 4 bytes but found: %zu",
                                  en[i].data_b64_len);
            else
                aws_respond_error(q->x, 400, "SerializationException",
                                  "Base64 encoded data is invalid (record %zu).", i);
            return -1;
        }
        if (dn > STORE_MAX_RECORD) {
            free(block);
            aws_respond_error(q->x, 400, "ValidationException",
                              "1 validation error detected: Value at '%sdata' failed to satisfy constraint: "
                              "Member must have length less than or equal to 1048576",
                              n > 1 || q->r.prefix ? "records.member." : "");
            return -1;
        }
        if (dn + en[i].key_len > STORE_MAX_RECORD) {
            free(block);
            k_invalid_arg(q, "Record %zu is %zu bytes (data plus partition key), over the 1 MiB limit.", i,
                          dn + en[i].key_len);
            return -1;
        }
        payload += dn + en[i].key_len;
        out[i].data = (Slice){block + used, dn};
        out[i].key = (Slice){(const uint8_t *)en[i].key, en[i].key_len};
        if (en[i].ehk) {
            u128 h;
            if (u128_parse_dec(en[i].ehk, en[i].ehk_len, &h) != 0) {
                free(block);
                k_invalid_arg(q,
                              "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                              "Specified value was %.*s",
                              (int)en[i].ehk_len, en[i].ehk);
                return -1;
            }
            out[i].hash = h;
        } else {
            out[i].hash = u128_md5_hash_key(en[i].key, en[i].key_len);
        }
        used += dn;
    }
    if (payload > K_MAX_REQUEST_PAYLOAD) {
        free(block);
        k_invalid_arg(q, "Records size exceeds 10 MiB limit (%zu bytes).", payload);
        return -1;
    }
    *data_block = block;
    return 0;
}

/* Decode, append and park the response of n validated entries to stream `name`. Answers x. */
static void k_put_execute(KReq *q, const char *name, const KEntry *en, size_t n, int single)
{
    StoreAppendEntry *entries = xcalloc(n ? n : 1, sizeof(*entries));
    StoreAppendResult *results = xcalloc(n ? n : 1, sizeof(*results));
    uint8_t *block = NULL;
    if (k_decode_entries(q, en, n, entries, &block)) {
        free(entries);
        free(results);
        return;
    }
    /* Look the stream up for its uid (sequence number text) before appending. */
    StreamInfo *si = k_describe(q, name);
    if (!si) {
        free(block);
        free(entries);
        free(results);
        return;
    }
    uint64_t uid = si->uid;
    store_stream_info_free(&si);
    int64_t arrival = 0;
    uint64_t token = 0;
    Err e;
    err_clear(&e);
    int rc = store_append(q->api->store, name, entries, n, results, &arrival, &token, &e);
    free(block);
    free(entries);
    if (rc) {
        free(results);
        k_store_error(q, &e, name);
        return;
    }
    KPut *p = xcalloc(1, sizeof(*p));
    p->x = q->x;
    buf_init(&p->body, 0);
    JsonOut o;
    jo_init(&o, &p->body);
    char id[32], seq[STORE_SEQ_STR_LEN + 1];
    jo_obj_begin(&o);
    if (single) {
        store_shard_id_format(results[0].shard_index, id);
        store_seq_format(uid, results[0].seq, results[0].shard_index, seq);
        jo_kv_str(&o, "ShardId", id);
        jo_kv_str(&o, "SequenceNumber", seq);
        jo_kv_str(&o, "EncryptionType", "NONE");
    } else {
        jo_kv_int(&o, "FailedRecordCount", 0);
        jo_key(&o, "Records");
        jo_arr_begin(&o);
        StoreSeqFmt sf = {0};
        uint32_t id_of = UINT32_MAX;
        for (size_t i = 0; i < n; i++) {
            if (results[i].shard_index != id_of) {
                id_of = results[i].shard_index;
                store_shard_id_format(id_of, id);
            }
            jo_obj_begin(&o);
            jo_key(&o, "SequenceNumber");
            jo_str(&o, store_seq_fmt(&sf, uid, results[i].seq, results[i].shard_index), STORE_SEQ_STR_LEN);
            jo_kv_str(&o, "ShardId", id);
            jo_obj_end(&o);
        }
        jo_arr_end(&o);
        jo_kv_str(&o, "EncryptionType", "NONE");
    }
    jo_obj_end(&o);
    free(results);
    store_sync_wait(q->api->store, token, k_put_done, p);
}


static void k_put_records_common(KReq *q, int single)
{
    K_STREAM_FIELDS();
    size_t n = 0;
    KEntry one;
    KEntry *en = NULL;
    json_t *records = NULL;
    if (single) {
        k_get_entry(q, q->r.root, &one);
        const char *sfo;
        size_t sfo_n;
        if (aws_get_str(&q->r, q->r.root, "SequenceNumberForOrdering", 0, -1, -1, &sfo, &sfo_n) > 0) {
            /* Pattern 0|([1-9]\d{0,128}). Ordering itself needs nothing more: the stream's counter
             * already makes every later put's number larger. */
            int ok = sfo_n >= 1 && sfo_n <= 129 && !(sfo_n > 1 && sfo[0] == '0');
            for (size_t i = 0; ok && i < sfo_n; i++)
                ok = sfo[i] >= '0' && sfo[i] <= '9';
            if (!ok)
                aws_req_invalid(&q->r, "SequenceNumberForOrdering", sfo,
                                "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
        }
        en = &one;
        n = 1;
    } else if (aws_get_array(&q->r, q->r.root, "Records", 1, 1, 500, &records) > 0) {
        n = json_array_size(records);
        if (n > 500)
            n = 0; /* already a validation error */
        en = n ? xcalloc(n, sizeof(*en)) : NULL;
        char prefix[48];
        for (size_t i = 0; i < n; i++) {
            json_t *rec = json_array_get(records, i);
            if (!json_is_object(rec)) {
                if (!q->r.serr) {
                    q->r.serr = 1;
                    snprintf(q->r.serr_msg, sizeof(q->r.serr_msg), "Records[%zu] must be an object", i);
                }
                break;
            }
            snprintf(prefix, sizeof(prefix), "records.%zu.member.", i + 1);
            q->r.prefix = prefix;
            k_get_entry(q, rec, &en[i]);
            q->r.prefix = NULL;
            if (q->r.serr)
                break;
        }
    }
    if (k_check(q) || present < 0 || k_resolve_stream(q, present, name, has_arn, arn_name)) {
        if (!single)
            free(en);
        return;
    }
    k_put_execute(q, name, en, n, single);
    if (!single)
        free(en);
}


/* ------------------------------------------------------------------------------------------------
 * PutRecords fast path
 *
 * PutRecords is the write hot path (a benchmark of 1,000 requests/s of 500 records). Building a
 * jansson tree costs a malloc per string and dominates the request. This scanner reads the shape
 * every SDK sends -- {"Records":[{"Data":"..","PartitionKey":"..","ExplicitHashKey":".."},..],
 * "StreamName":".."} -- in one pass with no allocation but the entry array, and only accepts a
 * request that is well-formed and valid in every respect. Anything else (escapes, unknown members,
 * nulls, StreamARN, a constraint violated) returns 0 and the request takes the jansson path, which
 * owns every error message. So the fast path can never answer differently from the slow one.
 * ---------------------------------------------------------------------------------------------- */

typedef struct KScan {
    const char *p, *end;
} KScan;

static void ks_ws(KScan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static int ks_char(KScan *s, char c)
{
    ks_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return 1;
    }
    return 0;
}

/* A string of printable ASCII without escapes (anything else -- control characters, escapes, UTF-8
 * that would need validating -- takes the general path). */
static int ks_str(KScan *s, const char **out, size_t *n)
{
    if (!ks_char(s, '"'))
        return 0;
    const char *start = s->p;
    const char *q = memchr(start, '"', (size_t)(s->end - start));
    if (!q)
        return 0;
    if (ascii_printable_plain_len(start, (size_t)(q - start)) != (size_t)(q - start))
        return 0;
    *out = start;
    *n = (size_t)(q - start);
    s->p = q + 1;
    return 1;
}

static int ks_key_is(const char *k, size_t kn, const char *want)
{
    size_t wn = strlen(want);
    return kn == wn && memcmp(k, want, wn) == 0;
}

static int ks_digits_ok(const char *d, size_t n, size_t max_digits)
{
    if (n < 1 || n > max_digits || (n > 1 && d[0] == '0'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (d[i] < '0' || d[i] > '9')
            return 0;
    return 1;
}

/* Returns 1 and fills name/en/n for a fully valid request; 0 to use the general path. */
static int k_fast_scan_put_records(const uint8_t *body, size_t len, char name[STORE_NAME_MAX + 1], KEntry *en,
                                   size_t *n_out)
{
    KScan s = {(const char *)body, (const char *)body + len};
    size_t n = 0;
    int has_name = 0, has_records = 0;
    if (!ks_char(&s, '{'))
        return 0;
    if (ks_char(&s, '}'))
        return 0;
    do {
        const char *k, *v;
        size_t kn, vn;
        if (!ks_str(&s, &k, &kn) || !ks_char(&s, ':'))
            return 0;
        if (ks_key_is(k, kn, "StreamName")) {
            if (!ks_str(&s, &v, &vn) || vn < 1 || vn > STORE_NAME_MAX || !aws_is_name_chars(v, vn))
                return 0;
            memcpy(name, v, vn);
            name[vn] = '\0';
            has_name = 1;
        } else if (ks_key_is(k, kn, "Records")) {
            if (has_records || !ks_char(&s, '[') || ks_char(&s, ']'))
                return 0;
            has_records = 1;
            do {
                if (n == 500 || !ks_char(&s, '{'))
                    return 0;
                KEntry *e = &en[n];
                memset(e, 0, sizeof(*e));
                int has_data = 0, has_key = 0;
                do {
                    const char *ek, *ev;
                    size_t ekn, evn;
                    if (!ks_str(&s, &ek, &ekn) || !ks_char(&s, ':') || !ks_str(&s, &ev, &evn))
                        return 0;
                    if (ks_key_is(ek, ekn, "Data")) {
                        e->data_b64 = ev;
                        e->data_b64_len = evn;
                        has_data = 1;
                    } else if (ks_key_is(ek, ekn, "PartitionKey")) {
                        if (evn < 1 || evn > 256) /* ASCII: one character per byte */
                            return 0;
                        e->key = ev;
                        e->key_len = evn;
                        has_key = 1;
                    } else if (ks_key_is(ek, ekn, "ExplicitHashKey")) {
                        if (!ks_digits_ok(ev, evn, 39))
                            return 0;
                        e->ehk = ev;
                        e->ehk_len = evn;
                    } else {
                        return 0;
                    }
                } while (ks_char(&s, ','));
                if (!ks_char(&s, '}') || !has_data || !has_key)
                    return 0;
                n++;
            } while (ks_char(&s, ','));
            if (!ks_char(&s, ']'))
                return 0;
        } else {
            return 0;
        }
    } while (ks_char(&s, ','));
    if (!ks_char(&s, '}'))
        return 0;
    ks_ws(&s);
    if (s.p != s.end || !has_name || !has_records)
        return 0;
    *n_out = n;
    return 1;
}

/* Try the fast path; returns 1 if it answered the request. */
static int k_put_records_fast(KinesisApi *api, HttpExchange *x, const char *region)
{
    const HttpRequest *req = http_exchange_request(x);
    char name[STORE_NAME_MAX + 1];
    KEntry *en = xmalloc(500 * sizeof(*en));
    size_t n = 0;
    if (!k_fast_scan_put_records(req->body, req->body_len, name, en, &n)) {
        free(en);
        return 0;
    }
    KReq q = {.api = api, .x = x, .region = region && region[0] ? region : api->default_region};
    k_put_execute(&q, name, en, n, 0);
    free(en);
    return 1;
}

static void k_put_record(KReq *q) { k_put_records_common(q, 1); }
static void k_put_records(KReq *q) { k_put_records_common(q, 0); }

/* ------------------------------------------------------------------------------------------------
 * GetShardIterator / GetRecords
 * ---------------------------------------------------------------------------------------------- */

static const char *const k_iter_types[] = {"AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP",
                                           "TRIM_HORIZON", "LATEST"};

static void k_get_shard_iterator(KReq *q)
{
    K_STREAM_FIELDS();
    const char *shard = NULL, *seq = NULL;
    size_t shard_n = 0, seq_n = 0;
    k_get_shard_id(q, q->r.root, "ShardId", 1, &shard, &shard_n);
    int type = -1;
    aws_get_enum(&q->r, q->r.root, "ShardIteratorType", 1, k_iter_types, 5, &type);
    int has_seq = aws_get_str(&q->r, q->r.root, "StartingSequenceNumber", 0, -1, -1, &seq, &seq_n);
    if (has_seq > 0) {
        int ok = seq_n >= 1 && seq_n <= 129 && !(seq_n > 1 && seq[0] == '0');
        for (size_t i = 0; ok && i < seq_n; i++)
            ok = seq[i] >= '0' && seq[i] <= '9';
        if (!ok)
            aws_req_invalid(&q->r, "StartingSequenceNumber", seq,
                            "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,128})");
    }
    int64_t ts = 0;
    int has_ts = aws_get_timestamp(&q->r, q->r.root, "Timestamp", 0, &ts);
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    uint32_t idx = 0;
    const ShardInfo *sh = k_parse_shard_id(shard, shard_n, &idx) == 0 ? k_find_shard(si, idx) : NULL;
    if (!sh) {
        aws_respond_error(q->x, 400, "ResourceNotFoundException", "Shard %.*s in stream %s under account %s does not exist",
                          (int)shard_n, shard, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    uint64_t seq_counter = 0;
    if (type == STORE_AT_SEQUENCE || type == STORE_AFTER_SEQUENCE) {
        if (has_seq <= 0) {
            k_invalid_arg(q, "StartingSequenceNumber must be specified for ShardIteratorType %s.", k_iter_types[type]);
            store_stream_info_free(&si);
            return;
        }
        uint64_t uid;
        uint32_t seq_shard;
        if (store_seq_parse(seq, seq_n, &uid, &seq_counter, &seq_shard) != 0 || uid != si->uid) {
            k_invalid_arg(q,
                          "StartingSequenceNumber %.*s used in GetShardIterator on shard %.*s in stream %s under "
                          "account %s is invalid.",
                          (int)seq_n, seq, (int)shard_n, shard, name, q->api->account);
            store_stream_info_free(&si);
            return;
        }
        if (seq_shard != idx) {
            char id[32];
            store_shard_id_format(seq_shard, id);
            k_invalid_arg(q,
                          "Invalid StartingSequenceNumber. It encodes %s, while it was used in a call to a shard "
                          "with %.*s",
                          id, (int)shard_n, shard);
            store_stream_info_free(&si);
            return;
        }
    } else if (has_seq > 0) {
        k_invalid_arg(q,
                      "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber "
                      "or (2) TRIM_HORIZON, LATEST or AT_TIMESTAMP and no StartingSequenceNumber. Request specified %s "
                      "and also a StartingSequenceNumber.",
                      k_iter_types[type]);
        store_stream_info_free(&si);
        return;
    } else if (type == STORE_AT_TIMESTAMP && has_ts <= 0) {
        k_invalid_arg(q, "Timestamp must be specified for ShardIteratorType AT_TIMESTAMP.");
        store_stream_info_free(&si);
        return;
    }
    uint64_t pos = 0;
    Err e;
    err_clear(&e);
    if (store_shard_seek(q->api->store, name, idx, type, seq_counter, ts, &pos, &e)) {
        store_stream_info_free(&si);
        k_store_error(q, &e, name);
        return;
    }
    KToken t = {.kind = K_TOK_ITER, .uid = si->uid, .shard = idx, .pos = pos, .issued_ms = clock_now_ms()};
    snprintf(t.name, sizeof(t.name), "%s", name);
    store_stream_info_free(&si);
    char tok[320];
    k_token_encode(&t, tok);
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_kv_str(&o, "ShardIterator", tok);
    jo_obj_end(&o);
    k_respond_out(q, &b, &o);
}

typedef struct KReadCtx {
    JsonOut *o;
    uint64_t uid;
    uint32_t shard;
    StoreSeqFmt sf;
} KReadCtx;

static int k_read_record(void *arg, const StoreRecordView *r)
{
    KReadCtx *c = arg;
    JsonOut *o = c->o;
    jo_obj_begin(o);
    jo_key(o, "SequenceNumber");
    jo_str(o, store_seq_fmt(&c->sf, c->uid, r->seq, c->shard), STORE_SEQ_STR_LEN);
    jo_key(o, "ApproximateArrivalTimestamp");
    jo_epoch_ms(o, r->arrival_ms);
    jo_key(o, "Data");
    jo_base64(o, r->data.p, r->data.n);
    jo_key(o, "PartitionKey");
    jo_str(o, (const char *)r->key.p, r->key.n);
    jo_obj_end(o);
    return o->rc != 0;
}

static void k_get_records(KReq *q)
{
    const char *it = NULL;
    size_t it_n = 0;
    aws_get_str(&q->r, q->r.root, "ShardIterator", 1, 1, 512, &it, &it_n);
    int64_t limit = 10000;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 10000, &limit);
    const char *arn = NULL;
    size_t arn_n = 0;
    aws_get_str(&q->r, q->r.root, "StreamARN", 0, 1, 2048, &arn, &arn_n);
    if (k_check(q))
        return;
    KToken t;
    if (k_token_decode(it, it_n, K_TOK_ITER, &t)) {
        k_invalid_arg(q, "Invalid ShardIterator.");
        return;
    }
    int64_t now = clock_now_ms();
    if (now - t.issued_ms > q->api->iterator_ttl_ms) {
        aws_respond_error(q->x, 400, "ExpiredIteratorException",
                          "Iterator expired. The iterator was created at time %" PRId64
                          " while right now it is %" PRId64 " which is further in the future than the tolerated "
                          "delay of %" PRId64 " milliseconds.",
                          t.issued_ms, now, q->api->iterator_ttl_ms);
        return;
    }
    StreamInfo *si = k_describe(q, t.name);
    if (!si)
        return;
    if (si->uid != t.uid) {
        store_stream_info_free(&si);
        k_stream_not_found(q, t.name);
        return;
    }
    const ShardInfo *sh = k_find_shard(si, t.shard);
    if (!sh) {
        store_stream_info_free(&si);
        k_invalid_arg(q, "Invalid ShardIterator.");
        return;
    }
    Buf b;
    buf_init(&b, 64u << 20);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_key(&o, "Records");
    jo_arr_begin(&o);
    KReadCtx ctx = {.o = &o, .uid = t.uid, .shard = t.shard};
    StoreReadResult res;
    memset(&res, 0, sizeof(res));
    Err e;
    err_clear(&e);
    if (store_read(q->api->store, t.name, t.shard, t.pos, (size_t)limit, K_GET_RECORDS_MAX_BYTES, k_read_record,
                   &ctx, &res, &e)) {
        buf_fini(&b);
        store_stream_info_free(&si);
        k_store_error(q, &e, t.name);
        return;
    }
    jo_arr_end(&o);
    if (!res.is_end) {
        KToken nt = t;
        nt.pos = res.next_pos;
        nt.issued_ms = now;
        char tok[320];
        k_token_encode(&nt, tok);
        jo_kv_str(&o, "NextShardIterator", tok);
    }
    jo_kv_int(&o, "MillisBehindLatest", res.millis_behind > 0 ? res.millis_behind : 0);
    if (res.is_end) {
        char id[32];
        jo_key(&o, "ChildShards");
        jo_arr_begin(&o);
        for (uint32_t i = 0; i < si->n_shards; i++) {
            const ShardInfo *c = &si->shards[i];
            if (c->parent != (int64_t)t.shard && c->adjacent_parent != (int64_t)t.shard)
                continue;
            jo_obj_begin(&o);
            store_shard_id_format(c->index, id);
            jo_kv_str(&o, "ShardId", id);
            jo_key(&o, "ParentShards");
            jo_arr_begin(&o);
            if (c->parent >= 0) {
                store_shard_id_format((uint32_t)c->parent, id);
                jo_cstr(&o, id);
            }
            if (c->adjacent_parent >= 0) {
                store_shard_id_format((uint32_t)c->adjacent_parent, id);
                jo_cstr(&o, id);
            }
            jo_arr_end(&o);
            k_write_hash(&o, c->hash_lo, c->hash_hi);
            jo_obj_end(&o);
        }
        jo_arr_end(&o);
    }
    jo_obj_end(&o);
    store_stream_info_free(&si);
    k_respond_out(q, &b, &o);
}

/* ------------------------------------------------------------------------------------------------
 * Resharding
 * ---------------------------------------------------------------------------------------------- */

static void k_split_shard(KReq *q)
{
    K_STREAM_FIELDS();
    const char *shard = NULL, *key = NULL;
    size_t shard_n = 0, key_n = 0;
    k_get_shard_id(q, q->r.root, "ShardToSplit", 1, &shard, &shard_n);
    if (aws_get_str(&q->r, q->r.root, "NewStartingHashKey", 1, -1, -1, &key, &key_n) > 0) {
        int ok = key_n >= 1 && key_n <= 39 && !(key_n > 1 && key[0] == '0');
        for (size_t i = 0; ok && i < key_n; i++)
            ok = key[i] >= '0' && key[i] <= '9';
        if (!ok)
            aws_req_invalid(&q->r, "NewStartingHashKey", key,
                            "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})");
    }
    K_STREAM_RESOLVE();
    u128 h;
    if (u128_parse_dec(key, key_n, &h) != 0) {
        k_invalid_arg(q, "NewStartingHashKey %.*s is not in the range [0, 2^128-1].", (int)key_n, key);
        return;
    }
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    uint32_t idx = 0;
    const ShardInfo *sh = k_parse_shard_id(shard, shard_n, &idx) == 0 ? k_find_shard(si, idx) : NULL;
    if (!sh) {
        aws_respond_error(q->x, 400, "ResourceNotFoundException", "Could not find shard %.*s in stream %s under account %s.",
                          (int)shard_n, shard, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    if (sh->is_closed) {
        k_invalid_arg(q,
                      "Shard %.*s in stream %s under account %s has already been merged or split, and thus is not "
                      "eligible for merging or splitting.",
                      (int)shard_n, shard, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    if (!(h > sh->hash_lo && h <= sh->hash_hi)) {
        char lo[U128_DEC_MAX + 1], hi[U128_DEC_MAX + 1];
        u128_format_dec(sh->hash_lo, lo);
        u128_format_dec(sh->hash_hi, hi);
        k_invalid_arg(q,
                      "NewStartingHashKey %.*s used in SplitShard() on shard %.*s in stream %s under account %s is "
                      "not both greater than one plus the shard's StartingHashKey %s and less than the shard's "
                      "EndingHashKey %s.",
                      (int)key_n, key, (int)shard_n, shard, name, q->api->account, lo, hi);
        store_stream_info_free(&si);
        return;
    }
    if (si->n_open + 1 > q->api->shard_limit) {
        store_stream_info_free(&si);
        aws_respond_error(q->x, 400, "LimitExceededException", "Splitting would exceed the shard limit of %u.",
                          q->api->shard_limit);
        return;
    }
    store_stream_info_free(&si);
    Err e;
    err_clear(&e);
    if (store_shard_split(q->api->store, name, idx, h, &e)) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

static void k_merge_shards(KReq *q)
{
    K_STREAM_FIELDS();
    const char *a = NULL, *b = NULL;
    size_t a_n = 0, b_n = 0;
    k_get_shard_id(q, q->r.root, "ShardToMerge", 1, &a, &a_n);
    k_get_shard_id(q, q->r.root, "AdjacentShardToMerge", 1, &b, &b_n);
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    uint32_t ia = 0, ib = 0;
    const ShardInfo *sa = k_parse_shard_id(a, a_n, &ia) == 0 ? k_find_shard(si, ia) : NULL;
    const ShardInfo *sb = k_parse_shard_id(b, b_n, &ib) == 0 ? k_find_shard(si, ib) : NULL;
    if (!sa || !sb) {
        aws_respond_error(q->x, 400, "ResourceNotFoundException", "Could not find shard %.*s in stream %s under account %s.",
                          !sa ? (int)a_n : (int)b_n, !sa ? a : b, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    if (sa->is_closed || sb->is_closed) {
        const char *which = sa->is_closed ? a : b;
        size_t wn = sa->is_closed ? a_n : b_n;
        k_invalid_arg(q,
                      "Shard %.*s in stream %s under account %s has already been merged or split, and thus is not "
                      "eligible for merging or splitting.",
                      (int)wn, which, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    if (!(sa->hash_hi + 1 == sb->hash_lo || sb->hash_hi + 1 == sa->hash_lo)) {
        k_invalid_arg(q,
                      "Shards %.*s and %.*s in stream %s under account %s are not an adjacent pair of shards "
                      "eligible for merging",
                      (int)a_n, a, (int)b_n, b, name, q->api->account);
        store_stream_info_free(&si);
        return;
    }
    store_stream_info_free(&si);
    Err e;
    err_clear(&e);
    if (store_shard_merge(q->api->store, name, ia, ib, &e)) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

static const char *const k_scaling[] = {"UNIFORM_SCALING"};

static void k_update_shard_count(KReq *q)
{
    K_STREAM_FIELDS();
    int64_t target = 0;
    aws_get_int(&q->r, q->r.root, "TargetShardCount", 1, 1, INT32_MAX, &target);
    int scaling = -1;
    aws_get_enum(&q->r, q->r.root, "ScalingType", 1, k_scaling, 1, &scaling);
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    uint32_t cur = si->n_open;
    char arn[512];
    k_arn(q->api, si, arn, sizeof(arn));
    store_stream_info_free(&si);
    if ((uint64_t)target > (uint64_t)cur * 2 || (uint64_t)target * 2 < cur) {
        k_invalid_arg(q,
                      "UpdateShardCount cannot scale stream %s from %u to %" PRId64
                      " shards: the target must be between half and double the current open shard count.",
                      name, cur, target);
        return;
    }
    if ((uint64_t)target > q->api->shard_limit) {
        aws_respond_error(q->x, 400, "LimitExceededException", "Target shard count %" PRId64 " exceeds the shard limit of %u.",
                          target, q->api->shard_limit);
        return;
    }
    Err e;
    err_clear(&e);
    if (store_stream_update_shard_count(q->api->store, name, (uint32_t)target, &e)) {
        k_store_error(q, &e, name);
        return;
    }
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_kv_str(&o, "StreamName", name);
    jo_kv_int(&o, "CurrentShardCount", cur);
    jo_kv_int(&o, "TargetShardCount", target);
    jo_kv_str(&o, "StreamARN", arn);
    jo_obj_end(&o);
    k_respond_out(q, &b, &o);
}

/* ------------------------------------------------------------------------------------------------
 * Retention, tags, limits
 * ---------------------------------------------------------------------------------------------- */

static void k_retention(KReq *q, int increase)
{
    K_STREAM_FIELDS();
    int64_t hours = 0;
    aws_get_int(&q->r, q->r.root, "RetentionPeriodHours", 1, INT32_MIN, INT32_MAX, &hours);
    K_STREAM_RESOLVE();
    if (hours < STORE_RETENTION_MIN_H) {
        k_invalid_arg(q, "Minimum allowed retention period is %d hours. Requested retention period (%" PRId64
                         " hours) is too short.",
                      STORE_RETENTION_MIN_H, hours);
        return;
    }
    if (hours > STORE_RETENTION_MAX_H) {
        k_invalid_arg(q, "Maximum allowed retention period is %d hours. Requested retention period (%" PRId64
                         " hours) is too long.",
                      STORE_RETENTION_MAX_H, hours);
        return;
    }
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    int cur = si->retention_hours;
    store_stream_info_free(&si);
    if (increase && hours < cur) {
        k_invalid_arg(q,
                      "Requested retention period (%" PRId64 " hours) for stream %s can not be shorter than existing "
                      "retention period (%d hours). Use DecreaseRetentionPeriod API.",
                      hours, name, cur);
        return;
    }
    if (!increase && hours > cur) {
        k_invalid_arg(q,
                      "Requested retention period (%" PRId64 " hours) for stream %s can not be longer than existing "
                      "retention period (%d hours). Use IncreaseRetentionPeriod API.",
                      hours, name, cur);
        return;
    }
    Err e;
    err_clear(&e);
    if (store_stream_set_retention(q->api->store, name, (int)hours, &e)) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

static void k_increase_retention(KReq *q) { k_retention(q, 1); }
static void k_decrease_retention(KReq *q) { k_retention(q, 0); }

static void k_add_tags(KReq *q)
{
    K_STREAM_FIELDS();
    json_t *tags = NULL;
    if (aws_get_obj(&q->r, q->r.root, "Tags", 1, &tags) > 0) {
        size_t nt = json_object_size(tags);
        if (nt < 1)
            aws_req_invalid(&q->r, "Tags", "{}", "Member must have length greater than or equal to 1");
        if (nt > 200)
            aws_req_invalid(&q->r, "Tags", NULL, "Member must have length less than or equal to 200");
        const char *k;
        json_t *v;
        json_object_foreach(tags, k, v)
        {
            if (!json_is_string(v) && !json_is_null(v)) {
                const char *dummy;
                aws_get_str(&q->r, tags, k, 0, -1, -1, &dummy, NULL);
                break;
            }
            size_t kl = strlen(k);
            if (kl < 1 || kl > 128)
                aws_req_invalid(&q->r, "Tags", k, "Map keys must have length between 1 and 128");
            if (json_is_string(v) && json_string_length(v) > 256)
                aws_req_invalid(&q->r, "Tags", json_string_value(v), "Map value must have length less than or equal to 256");
        }
    }
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    /* Count the tags the stream would have afterwards. */
    size_t after = si->n_tags;
    const char *k;
    json_t *v;
    json_object_foreach(tags, k, v)
    {
        int existing = 0;
        for (uint32_t i = 0; i < si->n_tags; i++)
            if (strcmp(si->tags[i].key, k) == 0)
                existing = 1;
        after += !existing;
    }
    store_stream_info_free(&si);
    if (after > K_MAX_TAGS) {
        k_invalid_arg(q,
                      "Failed to add tags to stream %s under account %s because a given stream cannot have more "
                      "than %d tags.",
                      name, q->api->account, K_MAX_TAGS);
        return;
    }
    size_t nt = json_object_size(tags), i = 0;
    StreamTag *st = xcalloc(nt ? nt : 1, sizeof(*st));
    json_object_foreach(tags, k, v)
    {
        st[i].key = (char *)k;
        st[i].value = json_is_string(v) ? (char *)json_string_value(v) : (char *)"";
        i++;
    }
    Err e;
    err_clear(&e);
    int rc = store_stream_tags_add(q->api->store, name, st, nt, &e);
    free(st);
    if (rc) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

static void k_remove_tags(KReq *q)
{
    K_STREAM_FIELDS();
    json_t *keys = NULL;
    size_t nk = 0;
    if (aws_get_array(&q->r, q->r.root, "TagKeys", 1, 1, 50, &keys) > 0) {
        nk = json_array_size(keys);
        for (size_t i = 0; i < nk; i++) {
            json_t *kv = json_array_get(keys, i);
            if (!json_is_string(kv)) {
                q->r.serr = 1;
                snprintf(q->r.serr_msg, sizeof(q->r.serr_msg), "TagKeys must be strings");
                break;
            }
            size_t kl = json_string_length(kv);
            if (kl < 1 || kl > 128)
                aws_req_invalid(&q->r, "TagKeys", json_string_value(kv),
                                "Member must have length between 1 and 128");
        }
    }
    K_STREAM_RESOLVE();
    char **k = xcalloc(nk ? nk : 1, sizeof(*k));
    for (size_t i = 0; i < nk; i++)
        k[i] = (char *)json_string_value(json_array_get(keys, i));
    Err e;
    err_clear(&e);
    int rc = store_stream_tags_remove(q->api->store, name, k, nk, &e);
    free(k);
    if (rc) {
        k_store_error(q, &e, name);
        return;
    }
    k_respond_empty(q);
}

static void k_list_tags(KReq *q)
{
    K_STREAM_FIELDS();
    const char *start = NULL;
    size_t start_n = 0;
    int has_start = aws_get_str(&q->r, q->r.root, "ExclusiveStartTagKey", 0, 1, 128, &start, &start_n);
    int64_t limit = 50;
    aws_get_int(&q->r, q->r.root, "Limit", 0, 1, 50, &limit);
    K_STREAM_RESOLVE();
    StreamInfo *si = k_describe(q, name);
    if (!si)
        return;
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_key(&o, "Tags");
    jo_arr_begin(&o);
    int64_t written = 0;
    int more = 0;
    for (uint32_t i = 0; i < si->n_tags; i++) {
        if (has_start > 0 && strcmp(si->tags[i].key, start) <= 0)
            continue;
        if (written == limit) {
            more = 1;
            break;
        }
        jo_obj_begin(&o);
        jo_kv_str(&o, "Key", si->tags[i].key);
        jo_kv_str(&o, "Value", si->tags[i].value ? si->tags[i].value : "");
        jo_obj_end(&o);
        written++;
    }
    jo_arr_end(&o);
    jo_key(&o, "HasMoreTags");
    jo_bool(&o, more);
    jo_obj_end(&o);
    store_stream_info_free(&si);
    k_respond_out(q, &b, &o);
}

static void k_describe_limits(KReq *q)
{
    if (k_check(q))
        return;
    char **names = NULL;
    size_t n = 0;
    Err e;
    err_clear(&e);
    if (store_stream_list(q->api->store, &names, &n, &e)) {
        k_store_error(q, &e, NULL);
        return;
    }
    uint64_t open = 0, on_demand = 0;
    for (size_t i = 0; i < n; i++) {
        StreamInfo *si = NULL;
        Err e2;
        err_clear(&e2);
        if (store_stream_describe(q->api->store, names[i], &si, &e2) == 0) {
            open += si->n_open;
            on_demand += si->mode == STREAM_MODE_ON_DEMAND;
            store_stream_info_free(&si);
        }
        free(names[i]);
    }
    free(names);
    Buf b;
    buf_init(&b, 0);
    JsonOut o;
    jo_init(&o, &b);
    jo_obj_begin(&o);
    jo_kv_int(&o, "ShardLimit", q->api->shard_limit);
    jo_kv_int(&o, "OpenShardCount", (int64_t)open);
    jo_kv_int(&o, "OnDemandStreamCount", (int64_t)on_demand);
    jo_kv_int(&o, "OnDemandStreamCountLimit", 50);
    jo_obj_end(&o);
    k_respond_out(q, &b, &o);
}

/* ------------------------------------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------------------------------- */

typedef struct KOp {
    const char *name;
    void (*fn)(KReq *q);
} KOp;

static const KOp k_ops[] = {
    {"AddTagsToStream", k_add_tags},
    {"CreateStream", k_create_stream},
    {"DecreaseStreamRetentionPeriod", k_decrease_retention},
    {"DeleteStream", k_delete_stream},
    {"DescribeLimits", k_describe_limits},
    {"DescribeStream", k_describe_stream},
    {"DescribeStreamSummary", k_describe_stream_summary},
    {"GetRecords", k_get_records},
    {"GetShardIterator", k_get_shard_iterator},
    {"IncreaseStreamRetentionPeriod", k_increase_retention},
    {"ListShards", k_list_shards},
    {"ListStreams", k_list_streams},
    {"ListTagsForStream", k_list_tags},
    {"MergeShards", k_merge_shards},
    {"PutRecord", k_put_record},
    {"PutRecords", k_put_records},
    {"RemoveTagsFromStream", k_remove_tags},
    {"SplitShard", k_split_shard},
    {"UpdateShardCount", k_update_shard_count},
};

void kinesis_api_handle(KinesisApi *api, HttpExchange *x, const char *op, size_t op_len, const char *region)
{
    const KOp *found = NULL;
    for (size_t i = 0; i < sizeof(k_ops) / sizeof(k_ops[0]); i++)
        if (strlen(k_ops[i].name) == op_len && memcmp(k_ops[i].name, op, op_len) == 0)
            found = &k_ops[i];
    if (!found) {
        aws_respond_error(x, 400, "UnknownOperationException", "Operation %.*s is not supported by weir.",
                          (int)(op_len > 64 ? 64 : op_len), op);
        return;
    }
    if (found->fn == k_put_records && !api->no_fast_path && k_put_records_fast(api, x, region))
        return;
    const HttpRequest *req = http_exchange_request(x);
    KReq q = {.api = api, .x = x, .region = region && region[0] ? region : api->default_region};
    if (aws_req_parse(&q.r, req->body, req->body_len)) {
        aws_respond_error(x, 400, "SerializationException", "%s", q.r.serr_msg);
        aws_req_fini(&q.r);
        return;
    }
    found->fn(&q);
    aws_req_fini(&q.r);
}
