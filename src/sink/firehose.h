/*
 * firehose.h: delivery streams (issue 5), the Kinesis Data Firehose model over weir's store: the catalog
 * of delivery streams (DATA/firehose.db), their configuration, and the delivery runtime that reads each
 * one's source stream and writes objects through an ObjStore, exactly once.
 *
 * What it is not: the HTTP edge (src/http/api_firehose.c validates requests in AWS's words and calls
 * these functions), the object store (objstore.h), the codecs (compress.h), the Parquet writer.
 *
 * Sources. Every delivery stream reads a weir stream: a KinesisStreamAsSource one the stream its ARN
 * names; a DirectPut one its hidden backing stream "_weir_firehose_<name>" (created with it, deleted with
 * it), which PutRecord / PutRecordBatch append to (fh_stream_put: durable before the answer, like the
 * Kinesis puts). One code path then delivers both (src/sink/fh_deliver.c).
 *
 * Configuration. The ExtendedS3DestinationConfiguration JSON is stored as the API gave it (so
 * DescribeDeliveryStream echoes it back) and parsed into an FhDest (fh_dest_parse), which is what the
 * runtime uses. A parse failure is the API's InvalidArgumentException.
 *
 * Exactly once (docs/internals/delivery.md): firehose.db keeps per stream the committed read position
 * of each source shard, per (buffer key, shard) the highest sequence delivered, and an intent row for
 * each object being written; a delivered object and those rows move together, and recovery on start
 * finishes or drops each intent.
 *
 * Threads: every fh_ call is thread-safe (one mutex around the catalog); each delivery stream runs on a
 * thread of its own.
 *
 * INTERFACE ROUTINES
 *   fh_manager_create, fh_manager_destroy       open firehose.db, resume every delivery stream; stop all
 *   fh_stream_create / _delete / _list / _get   the catalog (fh_info_free frees a _get result)
 *   fh_stream_update_dest                       UpdateDestination (version checked)
 *   fh_stream_tags_add / _remove                tags
 *   fh_stream_put                               DirectPut records into the backing stream
 *   fh_stream_source                            the weir stream a delivery stream reads (views write there)
 *   fh_dest_parse, fh_dest_fini                 destination JSON -> FhDest
 *   fh_backing_stream                           "_weir_firehose_<name>"
 *   fh_prefix_*                                 prefix templates (fh_prefix.c; unit-tested)
 */
#ifndef WEIR_SINK_FIREHOSE_H
#define WEIR_SINK_FIREHOSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "sink/compress.h"
#include "sink/objstore.h"
#include "store/store.h"

#define FH_NAME_MAX 64               /* DeliveryStreamName */
#define FH_BACKING_PREFIX "_weir_firehose_"
#define FH_MAX_TAGS 50
#define FH_PREFIX_EVAL_MAX 512       /* an evaluated prefix, as Firehose limits it */
#define FH_DESTINATION_ID "destinationId-000000000001"

typedef struct FhManager FhManager;

typedef enum FhType { FH_TYPE_DIRECT_PUT = 0, FH_TYPE_KINESIS_SOURCE = 1 } FhType;
typedef enum FhStatus { FH_STATUS_CREATING = 0, FH_STATUS_ACTIVE = 1, FH_STATUS_DELETING = 2 } FhStatus;
typedef enum FhFormat { FH_FORMAT_RAW = 0, FH_FORMAT_PARQUET = 1 } FhFormat;

/* --- destination configuration ----------------------------------------------------------------- */

/* One partition key of MetadataExtraction's query "{name: .a.b, ...}": a jq-style path. */
typedef struct FhPartKey {
    char *name;
    char **path;   /* the member names, outermost first */
    size_t n_path;
} FhPartKey;

/* A compiled prefix template: literal text and expressions, in order. */
typedef enum FhTplKind {
    FH_TPL_TEXT = 0,
    FH_TPL_TIMESTAMP,   /* arg: the java DateTimeFormatter pattern */
    FH_TPL_RANDOM,      /* !{firehose:random-string}: drawn when a buffer opens */
    FH_TPL_ERROR_TYPE,  /* !{firehose:error-output-type} */
    FH_TPL_PART_KEY,    /* !{partitionKeyFromQuery:name}; arg: the name */
} FhTplKind;

typedef struct FhTplPart {
    FhTplKind kind;
    char *arg;
} FhTplPart;

typedef struct FhTemplate {
    FhTplPart *parts;
    size_t n_parts;
} FhTemplate;

typedef struct FhDest {
    char bucket[64];          /* from BucketARN arn:aws:s3:::<bucket> */
    FhTemplate prefix;        /* Prefix, with the default timestamp appended where Firehose appends it */
    FhTemplate error_prefix;  /* ErrorOutputPrefix (default "!{firehose:error-output-type}/" + timestamp) */
    uint64_t size_bytes;      /* BufferingHints.SizeInMBs (default 5) in bytes */
    int64_t interval_ms;      /* BufferingHints.IntervalInSeconds (default 300) in ms */
    SinkCodec codec;          /* CompressionFormat (default UNCOMPRESSED) */
    int append_newline;       /* ProcessingConfiguration: an AppendDelimiterToRecord processor */
    int dynamic_partitioning; /* DynamicPartitioningConfiguration.Enabled */
    FhPartKey *keys;          /* MetadataExtraction's partition keys */
    size_t n_keys;
    FhFormat format;          /* DataFormatConversionConfiguration (Enabled, ParquetSerDe) */
    char table[STORE_NAME_MAX + 1]; /* SchemaConfiguration.TableName: a weir table */
    SinkCodec parquet_codec;  /* ParquetSerDe.Compression (default SNAPPY) */
    /* IcebergDestinationConfiguration: Parquet data files committed to an Iceberg table in the bucket's
     * directory (a local warehouse only: commits need link()), at <bucket>/<database>/<table>; the table's
     * schema is the weir table of that name (DestinationTableName). */
    int is_iceberg;
    char ice_path[2 * STORE_NAME_MAX + 2]; /* "<DestinationDatabaseName>/<DestinationTableName>" */
} FhDest;

/* Parse an ExtendedS3DestinationConfiguration (or S3DestinationConfiguration, or an
 * IcebergDestinationConfiguration: told apart by its DestinationTableConfigurationList) JSON object into *out.
 * Fails WEIR_EINVAL with a message in Firehose's words (bad BucketARN, a prefix expression it does not
 * know, partitionKeyFromQuery without dynamic partitioning, ...). Free with fh_dest_fini either way. */
int fh_dest_parse(const char *json, size_t len, FhDest *out, Err *e) WEIR_WARN_UNUSED;
void fh_dest_fini(FhDest *d);

/* --- prefixes (fh_prefix.c) -------------------------------------------------------------------- */

/* Compile a prefix text. is_error: error-output-type is allowed. add_default_ts: append
 * "!{timestamp:yyyy/MM/dd/HH/}" when the text has no timestamp expression. WEIR_EINVAL on a bad
 * expression. Free with fh_template_fini. */
int fh_template_parse(const char *text, int is_error, int add_default_ts, FhTemplate *out, Err *e) WEIR_WARN_UNUSED;
void fh_template_fini(FhTemplate *t);
/* Whether the template uses expression kind k. */
int fh_template_has(const FhTemplate *t, FhTplKind k);

/* Evaluate t for a record: arrival_ms (UTC) for timestamps; error_type for error-output-type;
 * keys/values the record's partition key values (n of them, matched by name); random (NULL: the
 * expression is left as the literal "!{firehose:random-string}", which is how a buffer key keeps it
 * open until fh_prefix_fill_random). Appends to out; WEIR_EINVAL for a partition key without a value
 * or an evaluated prefix over FH_PREFIX_EVAL_MAX. */
int fh_template_eval(const FhTemplate *t, int64_t arrival_ms, const char *error_type, const FhPartKey *keys,
                     const char *const *values, size_t n, Buf *out, Err *e) WEIR_WARN_UNUSED;
/* Replace each "!{firehose:random-string}" left in prefix by random (11 characters). Appends to out. */
int fh_prefix_fill_random(const char *prefix, const char *random, Buf *out) WEIR_WARN_UNUSED;

/* Format arrival_ms (UTC) with a java DateTimeFormatter pattern (yyyy yy MM M dd d HH H mm m ss s SSS,
 * 'quoted text', other non-letters as is). WEIR_EINVAL for a letter it does not know. */
int fh_java_time_format(const char *pattern, int64_t arrival_ms, Buf *out, Err *e) WEIR_WARN_UNUSED;

/* The object key's tail as Firehose names it: <stream>-<version>-<yyyy>-<MM>-<dd>-<HH>-<mm>-<ss>-<uuid><ext>. */
int fh_object_name(const char *stream, int64_t version, int64_t arrival_ms, const char *uuid, const char *ext,
                   Buf *out) WEIR_WARN_UNUSED;

/* Extract partition key values from one JSON record: values[i] for keys[i], malloc'd (free each with
 * free()); strings as is, numbers and booleans as their JSON text. WEIR_EPARSE (not JSON), WEIR_ENOTFOUND
 * (a key missing, null, or an object/array) with a message naming it. */
int fh_extract_keys(const FhPartKey *keys, size_t n_keys, const uint8_t *data, size_t len, char **values,
                    Err *e) WEIR_WARN_UNUSED;
/* Parse MetadataExtractionQuery "{a: .x, b: .y.z}" into keys. WEIR_EINVAL. */
int fh_keys_parse(const char *query, FhPartKey **keys, size_t *n_keys, Err *e) WEIR_WARN_UNUSED;
void fh_keys_free(FhPartKey *keys, size_t n_keys);

/* --- the manager -------------------------------------------------------------------------------- */

/* Converting records to Parquet needs a weir table's definition: the server passes a lookup into the
 * SQL catalog (the sink layer does not own it). Returns the table's definition as tabledef_to_json
 * writes it (malloc'd; the caller frees it), or NULL when there is no such table. */
typedef char *(*FhTableJsonFn)(void *arg, const char *name);

typedef struct FhConfig {
    Store *store;           /* borrowed; outlives the manager */
    ObjStore *objstore;     /* borrowed: the warehouse or an S3 endpoint */
    const char *data_dir;   /* firehose.db lives here; NULL: in memory (tests) */
    const char *region;     /* for ARNs (default us-east-1) */
    const char *account;    /* 12 digits (default 000000000000) */
    int tick_ms;            /* longest wait for new records (0: 50) */
    FhTableJsonFn table_json; /* NULL: no table is known (Parquet conversion refused) */
    void *table_arg;
} FhConfig;

/* Open firehose.db, finish or drop the intents left by a crash and start every delivery stream. Caller
 * owns *out; free with fh_manager_destroy. */
int fh_manager_create(const FhConfig *cfg, FhManager **out, Err *e) WEIR_WARN_UNUSED;
/* Stop every delivery stream (threads joined; buffered records are delivered again after a restart). */
void fh_manager_destroy(FhManager **m);

typedef struct FhTag {
    char *key;
    char *value;
} FhTag;

/* One delivery stream as DescribeDeliveryStream shows it. Caller owns; free with fh_info_free. */
typedef struct FhInfo {
    char name[FH_NAME_MAX + 1];
    char arn[256];
    FhType type;
    FhStatus status;
    int64_t version;
    int64_t created_ms, updated_ms;
    char source_arn[256];    /* KinesisStreamAsSource: the stream's ARN */
    char source_role[256];
    char *dest_json;         /* the destination configuration as stored */
    FhTag *tags;             /* ordered by key */
    size_t n_tags;
    uint64_t n_delivered;    /* records delivered since the server started (for tests and logs) */
    uint64_t n_objects;
} FhInfo;
void fh_info_free(FhInfo **info);

typedef struct FhCreate {
    const char *name;
    FhType type;
    const char *source_stream; /* KinesisStreamAsSource: the weir stream's name */
    const char *source_arn, *source_role;
    const char *dest_json;     /* ExtendedS3DestinationConfiguration */
    const FhTag *tags;
    size_t n_tags;
    const char *region;        /* the request's region, for the ARN */
} FhCreate;

/* Create a delivery stream (and, for DirectPut, its backing stream) and start it. WEIR_EEXIST (the
 * name is taken), WEIR_EINVAL (the destination does not parse; the source stream does not exist),
 * WEIR_ELIMIT. */
int fh_stream_create(FhManager *m, const FhCreate *c, Err *e) WEIR_WARN_UNUSED;
/* Stop and delete a delivery stream, its positions and (DirectPut) its backing stream. WEIR_ENOTFOUND. */
int fh_stream_delete(FhManager *m, const char *name, Err *e) WEIR_WARN_UNUSED;
/* Names in ascending order (type_filter < 0: all types). Caller frees each and the array. */
int fh_stream_list(FhManager *m, int type_filter, char ***names, size_t *n, Err *e) WEIR_WARN_UNUSED;
/* WEIR_ENOTFOUND. */
int fh_stream_get(FhManager *m, const char *name, FhInfo **out, Err *e) WEIR_WARN_UNUSED;
/* Replace the destination JSON when the version is cur_version (else WEIR_EBUSY: the API's
 * ConcurrentModificationException); what is buffered is delivered under the old configuration first,
 * the version goes up by one and the delivery restarts with the new one. WEIR_ENOTFOUND, WEIR_EINVAL. */
int fh_stream_update_dest(FhManager *m, const char *name, int64_t cur_version, const char *dest_json,
                          Err *e) WEIR_WARN_UNUSED;
int fh_stream_tags_add(FhManager *m, const char *name, const FhTag *tags, size_t n, Err *e) WEIR_WARN_UNUSED;
int fh_stream_tags_remove(FhManager *m, const char *name, char *const *keys, size_t n, Err *e) WEIR_WARN_UNUSED;

/* Append n records to a DirectPut stream's backing stream (the arguments as store_append takes them;
 * the caller waits on *sync_token before answering). *uid: the backing stream's uid (record ids).
 * WEIR_ENOTFOUND, WEIR_EINVAL (a KinesisStreamAsSource stream), the store's errors. */
int fh_stream_put(FhManager *m, const char *name, const Slice *data, size_t n, StoreAppendResult *results,
                  uint64_t *uid, uint64_t *sync_token, Err *e) WEIR_WARN_UNUSED;

/* The weir stream delivery stream `name` reads (DirectPut: its backing stream; KinesisStreamAsSource: the
 * named stream), into out (cap bytes): where a continuous query WITH (delivery_stream = 'name') writes.
 * WEIR_ENOTFOUND. */
int fh_stream_source(FhManager *m, const char *name, char *out, size_t cap, Err *e) WEIR_WARN_UNUSED;

/* The backing stream's name of a DirectPut delivery stream, into out (cap bytes). */
void fh_backing_stream(const char *name, char *out, size_t cap);

#endif
