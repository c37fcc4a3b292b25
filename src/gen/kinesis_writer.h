/*
 * kinesis_writer.h: writes records into the streams of a Kinesis Data Streams endpoint (a weir server;
 * the request shapes are AWS's) with PutRecords over HTTP/1.1 keep-alive connections. Used by
 * `weir gen`; a client, not part of the server.
 *
 * Order and parallelism: each open shard of a stream has its own connection (a "lane"; at most 64
 * per stream, more shards share them) with at most one PutRecords in flight. A record joins the lane of
 * the shard the server will store it in (the MD5 hash key of its partition key against the hash-key
 * ranges ListShards reports), and a lane sends a batch only after every entry of its previous one is
 * stored: entries that failed (FailedRecordCount > 0: throttling, an internal error) are sent again, in
 * their order, before any later batch. So within a shard batches never overtake each other (only the
 * failed entries of one batch land after that batch's other entries, as with any PutRecords client;
 * weir itself does not fail single entries), while the shards are written in parallel, which is what
 * lets the server's group commit cover many batches with one fsync. While a batch is in flight the
 * next one fills, so encoding overlaps the server's work. cfg.inflight > 1 allows that many batches of
 * one shard in flight at once (each on its own connection): faster against a server whose fsync is
 * slow, but then two batches of a shard may be stored in either order.
 *
 * Delivery is at least once: a connection that breaks after the request was sent is reconnected and
 * the batch sent again (the server may have stored it). Requests carry an AWS SigV4-shaped
 * Authorization header with a placeholder signature; weir reads its region and does not check the
 * signature (real AWS endpoints would refuse it).
 *
 * Not thread-safe: one thread drives a writer.
 */
#ifndef WEIR_GEN_KINESIS_WRITER_H
#define WEIR_GEN_KINESIS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define KINESIS_WRITER_MAX_STREAMS 8
#define KINESIS_WRITER_MAX_RECORDS 500 /* PutRecords limit */
#define KINESIS_WRITER_MAX_INFLIGHT 64

typedef struct KinesisWriterConfig {
    const char *endpoint; /* "http://host[:port]" (port 80 when absent) */
    const char *region;   /* put in the Authorization header's credential scope; NULL: us-east-1 */
    int shards;           /* ShardCount for streams created here */
    int create;           /* 1: CreateStream for missing streams; 0: a missing stream is an error */
    int max_records;      /* entries per PutRecords, 1..500 */
    size_t max_bytes;     /* request body per PutRecords; 0: 4 MiB */
    int timeout_ms;       /* per request; 0: 60 s */
    int max_attempts;     /* sends of one batch before giving up; 0: 10 */
    int inflight;         /* PutRecords in flight per shard, 1..64; 0: 1 (strict order, see above) */
} KinesisWriterConfig;

typedef struct KinesisWriterStats {
    int64_t n_acked;       /* records the server acknowledged */
    int64_t n_requests;    /* PutRecords sent, retries included */
    int64_t n_retried;     /* records sent again */
    int64_t n_reconnects;  /* connections re-opened after an error */
    int64_t n_lanes;       /* shards written in parallel (one lane per shard, up to 64 per stream) */
} KinesisWriterStats;

typedef struct KinesisWriter KinesisWriter;

/* Connect, make sure each of the n_streams streams exists and is ACTIVE (creating it with
 * cfg->shards shards when cfg->create), and list its open shards for routing. Stream i of later calls is streams[i] (copied). WEIR_EIO when
 * the endpoint cannot be reached, WEIR_ENOTFOUND for a missing stream with create off, WEIR_EPROTO for
 * an unexpected answer; the message says which. *out is the caller's: kinesis_writer_destroy. */
int kinesis_writer_create(const KinesisWriterConfig *cfg, const char *const *streams, int n_streams,
                          KinesisWriter **out, Err *e) WEIR_WARN_UNUSED;
void kinesis_writer_destroy(KinesisWriter **w);

/* Queue one record (data copied, base64-encoded) for stream i with partition key pk (1-256 bytes).
 * When its shard's batch is full it is sent, after waiting for that shard's previous batch. Errors
 * are sticky: after a failure every call returns it. */
int kinesis_writer_add(KinesisWriter *w, int stream, const char *pk, size_t pk_len, const void *data,
                       size_t len, Err *e) WEIR_WARN_UNUSED;

/* Send every non-empty batch whose lane has nothing in flight (a paced producer calls this when it
 * is ahead of schedule, so records do not wait for a full batch). Does not block. */
int kinesis_writer_send_ready(KinesisWriter *w, Err *e) WEIR_WARN_UNUSED;

/* Do I/O for up to timeout_ms (0: only what is ready now; with nothing in flight it just waits),
 * returning early once a request completes or a retry is due. */
int kinesis_writer_wait(KinesisWriter *w, int timeout_ms, Err *e) WEIR_WARN_UNUSED;

/* Send everything queued and wait until all of it is acknowledged. */
int kinesis_writer_flush(KinesisWriter *w, Err *e) WEIR_WARN_UNUSED;

void kinesis_writer_stats(const KinesisWriter *w, KinesisWriterStats *out);

#endif
