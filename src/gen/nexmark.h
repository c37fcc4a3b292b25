/*
 * nexmark.h: the Nexmark event generator (persons, auctions, bids), following
 * ../shared/specs/nexmark/generator-spec.md, reproducibly: every event is a pure function of its
 * event number, the configuration and the seed, so the same run gives byte-identical records and any
 * single event can be regenerated on its own (nexmark_gen_event) without generating those before it.
 *
 * What this module does not do: pacing, streams, files or HTTP. src/cli/cmd_gen.c drives the
 * generator and writes the records (src/gen/kinesis_writer.c into a weir server, or NDJSON files).
 *
 * Numbering. Event number n = first_event_id + k for the k-th event of a run. Its event id is
 * adjust(n) (the identity unless out_of_order_group > 1, which shuffles ids inside each group), the
 * id picks the kind (id % total proportion) and seeds the random numbers; the event time is
 * timestamp(adjust(n)). A run with --first-event-id X therefore continues exactly where a run of X
 * events stopped. (Beam and nexmark-rs number from 0 like this; Flink's job starts at id 2 because
 * it sets firstEventId = firstEventNumber = 1.)
 *
 * Random numbers. Each event draws from its own java.util.SplittableRandom-compatible stream (the
 * SplitMix64 algorithm; nexmark_rng_*) seeded with event_id XOR mix64(seed); with seed 0 that is
 * exactly `new SplittableRandom(eventId)`, so Java can reproduce it. The draws follow the reference
 * (Flink) generator's order, field by field; the spec's places of disagreement are pinned as:
 *   - state codes uppercase (Flink/Beam), as q3's literals expect;
 *   - bidder ids offset by FIRST_PERSON_ID once (Beam, nexmark-rs, Feldera), so bidders are persons;
 *     bidder_offset_twice = 1 reproduces Flink's double offset;
 *   - channels as Flink (HOT_CHANNELS_RATIO 2), but the urls, which Flink draws from an unseeded
 *     Random, come from streams seeded by (seed, channel);
 *   - `extra` is a substring of a 1 MiB pool of random lowercase letters (itself drawn from the seed).
 *
 * Strings in a NexmarkEvent are borrowed from the generator (or static tables): valid until the next
 * nexmark_gen_event call on the same generator. One generator per thread.
 */
#ifndef WEIR_GEN_NEXMARK_H
#define WEIR_GEN_NEXMARK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define NEXMARK_FIRST_PERSON_ID 1000
#define NEXMARK_FIRST_AUCTION_ID 1000
#define NEXMARK_FIRST_CATEGORY_ID 10
#define NEXMARK_NUM_CATEGORIES 5
#define NEXMARK_HOT_BATCH 100           /* HOT_*_RATIO: the hot id is the first of each batch of 100 */
#define NEXMARK_ID_LEAD 10              /* ids up to 10 ahead of the last one may be referenced */
#define NEXMARK_N_CHANNELS 10000        /* non-hot channels channel-0 .. channel-9999 */
#define NEXMARK_N_HOT_CHANNELS 4        /* Google, Facebook, Baidu, Apple */
#define NEXMARK_POOL_LEN ((size_t)1 << 20)  /* the random-letter pool `extra` is cut from */
#define NEXMARK_DEFAULT_BASE_TIME_MS INT64_C(1735689600000) /* 2025-01-01 00:00:00 UTC */

/* ------------------------------------------------------------------------------------------------
 * Configuration: the parameters of generator-spec.md section 5.
 * ---------------------------------------------------------------------------------------------- */

typedef struct NexmarkConfig {
    int64_t first_event_id;    /* event number of the first event (0: the start of the sequence) */
    int64_t base_time_ms;      /* event time of event number 0, ms since the epoch (UTC) */
    double event_rate;         /* first/next event rate, events/s: spacing of event time */
    int n_generators;          /* numEventGenerators: scales the inter-event delay */
    int person_proportion;     /* 1 */
    int auction_proportion;    /* 3 */
    int bid_proportion;        /* 46 */
    int num_active_people;     /* 1000 */
    int num_in_flight_auctions; /* 100 */
    int hot_auction_ratio;     /* 2: P(hot auction) = 1 - 1/2 */
    int hot_sellers_ratio;     /* 4 */
    int hot_bidders_ratio;     /* 4 */
    int hot_channels_ratio;    /* 2 (Flink); Feldera uses 100 */
    int avg_person_bytes;      /* 200 */
    int avg_auction_bytes;     /* 500 */
    int avg_bid_bytes;         /* 100 */
    int out_of_order_group;    /* outOfOrderGroupSize, 1 = in order */
    int bidder_offset_twice;   /* 1: Flink's quirk, bidder += 2000 */
    uint64_t seed;             /* 0: SplittableRandom(eventId) per event */
} NexmarkConfig;

/* The defaults of the table in generator-spec.md section 5 (event rate 10,000/s, base time
 * NEXMARK_DEFAULT_BASE_TIME_MS, seed 0, first event 0). */
void nexmark_config_default(NexmarkConfig *c);

/* Check ranges (proportions >= 1, ratios >= 1, rate > 0, ...). WEIR_EINVAL with a message naming the
 * parameter. */
int nexmark_config_check(const NexmarkConfig *c, Err *e) WEIR_WARN_UNUSED;

/* ------------------------------------------------------------------------------------------------
 * Random numbers: java.util.SplittableRandom's algorithm (JDK 17), so values can be checked in Java.
 * ---------------------------------------------------------------------------------------------- */

typedef struct NexmarkRng {
    uint64_t seed;
} NexmarkRng;

uint64_t nexmark_mix64(uint64_t z);                 /* SplittableRandom.mix64 (0 -> 0) */
void nexmark_rng_init(NexmarkRng *r, uint64_t seed); /* new SplittableRandom(seed) */
uint64_t nexmark_rng_next_long(NexmarkRng *r);       /* nextLong() */
int32_t nexmark_rng_next_int(NexmarkRng *r);         /* nextInt() */
int32_t nexmark_rng_int(NexmarkRng *r, int32_t bound); /* nextInt(bound), bound >= 1: [0, bound) */
int64_t nexmark_rng_long(NexmarkRng *r, int64_t bound); /* [0, bound): nextInt when it fits, else nextLong(bound) */
double nexmark_rng_double(NexmarkRng *r);            /* nextDouble(): [0, 1) */

/* ------------------------------------------------------------------------------------------------
 * The pure functions of generator-spec.md sections 1-2.
 * ---------------------------------------------------------------------------------------------- */

typedef enum NexmarkKind { NEXMARK_PERSON = 0, NEXMARK_AUCTION = 1, NEXMARK_BID = 2 } NexmarkKind;
#define NEXMARK_N_KINDS 3

int64_t nexmark_event_id(const NexmarkConfig *c, int64_t event_number);   /* adjust(n) */
NexmarkKind nexmark_kind(const NexmarkConfig *c, int64_t event_id);
int64_t nexmark_last_person0(const NexmarkConfig *c, int64_t event_id);   /* lastPerson0(e) */
int64_t nexmark_last_auction0(const NexmarkConfig *c, int64_t event_id);  /* lastAuction0(e); -1 before the first */
/* timestamp(n) = base_time + floor(n * interEventDelayUs / 1000), in ms. n is an (adjusted) event number. */
int64_t nexmark_timestamp(const NexmarkConfig *c, int64_t event_number);
/* Kind of the name: "person", "auction", "bid". */
const char *nexmark_kind_name(NexmarkKind k);

/* ------------------------------------------------------------------------------------------------
 * Events
 * ---------------------------------------------------------------------------------------------- */

typedef struct NexmarkPerson {
    int64_t id;
    Slice name, email_address, credit_card, city, state, extra;
} NexmarkPerson;

typedef struct NexmarkAuction {
    int64_t id;
    Slice item_name, description;
    int64_t initial_bid, reserve;
    int64_t expires; /* ms since the epoch */
    int64_t seller, category;
    Slice extra;
} NexmarkAuction;

typedef struct NexmarkBid {
    int64_t auction, bidder, price;
    Slice channel, url, extra;
} NexmarkBid;

typedef struct NexmarkEvent {
    NexmarkKind kind;
    int64_t event_number; /* n */
    int64_t event_id;     /* adjust(n) */
    int64_t date_time;    /* event time, ms since the epoch */
    NexmarkPerson person; /* the member for kind is set; the others are left as they were */
    NexmarkAuction auction;
    NexmarkBid bid;
} NexmarkEvent;

typedef struct NexmarkGen NexmarkGen;

/* A generator for config c (copied): builds the letter pool and the channel url table (about 1.5 MiB,
 * a few ms). WEIR_EINVAL if the config does not check. *out is the caller's: nexmark_gen_destroy. */
int nexmark_gen_create(const NexmarkConfig *c, NexmarkGen **out, Err *e) WEIR_WARN_UNUSED;
void nexmark_gen_destroy(NexmarkGen **g);
const NexmarkConfig *nexmark_gen_config(const NexmarkGen *g);

/* Event number n into *ev. Strings are borrowed: valid until the next call on g. */
void nexmark_gen_event(NexmarkGen *g, int64_t event_number, NexmarkEvent *ev);

/* Append the event as one JSON object (no newline), field names and order of schema.sql:
 *   person  {"id","name","email_address","credit_card","city","state","date_time","extra"}
 *   auction {"id","item_name","description","initial_bid","reserve","date_time","expires","seller",
 *            "category","extra"}
 *   bid     {"auction","bidder","price","channel","url","date_time","extra"}
 * Times are "YYYY-MM-DD HH:MM:SS.mmm" in UTC (TIMESTAMP(3) text). WEIR_ELIMIT if out is full. */
int nexmark_event_json(const NexmarkEvent *ev, Buf *out) WEIR_WARN_UNUSED;

/* The record's partition key (person and auction: id; bid: auction, so one auction's bids share a
 * shard) as decimal text into buf (24 bytes). Returns its length. */
size_t nexmark_event_partition_key(const NexmarkEvent *ev, char buf[24]);

/* "YYYY-MM-DD HH:MM:SS.mmm" (23 characters + NUL) for ms since the epoch, UTC. */
void nexmark_format_time(int64_t ms, char out[24]);

#endif
