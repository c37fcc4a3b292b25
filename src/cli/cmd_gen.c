/*
 * cmd_gen.c: `weir gen nexmark`: writes the Nexmark person, auction and bid streams (src/gen/nexmark.c)
 * as JSON records into a running weir server's Kinesis API (src/gen/kinesis_writer.c), or with --out
 * DIR into NDJSON files, one per stream, for batch engines (DuckDB, PostgreSQL) to read the same events.
 *
 * The loop: event k of the run is event number first_event_id + k; with --rate R it is due R events
 * per second after the start (ahead of schedule the partial batches are sent, so records do not wait
 * for a full batch, and the loop sleeps in the writer's poll); without --rate it runs as fast as the
 * generator and the server allow. SIGINT/SIGTERM stop it: what was generated is sent and acknowledged
 * and the summary printed, exit status 0; the summary says which --first-event-id continues the run.
 *
 * The summary goes to stdout (events per kind, generation rate, event-time range); progress once a
 * second to stderr unless --quiet; errors to stderr with exit status 1 (2 for usage errors).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/clock.h"
#include "cli/cli.h"
#include "gen/kinesis_writer.h"
#include "gen/nexmark.h"

#define GEN_NAME_MAX 129

static volatile sig_atomic_t gen_stop;

static void gen_on_signal(int sig)
{
    UNUSED(sig);
    gen_stop = 1;
}

static void gen_usage(FILE *f)
{
    fputs("usage: weir gen nexmark [options]\n"
          "\n"
          "Writes the Nexmark person, auction and bid streams (JSON records) into a weir server, or with\n"
          "--out into NDJSON files. The same options give the same records (docs/nexmark.md).\n"
          "\n"
          "  --events N            events to generate (K/M/G suffixes; 0 = until interrupted) [0]\n"
          "  --rate R              events per second, paced (0 = as fast as possible) [0]\n"
          "  --event-rate E        event-time rate: events per second of event time [R, or 10000]\n"
          "  --base-time T         event time of event 0: now, epoch ms, or 'YYYY-MM-DD[ HH:MM:SS[.mmm]]'\n"
          "                        UTC [2025-01-01 00:00:00]\n"
          "  --seed S              random seed (0 = SplittableRandom(eventId) per event) [0]\n"
          "  --first-event-id X    start at event X (continues a run of X events) [0]\n"
          "  --endpoint URL        Kinesis endpoint [http://127.0.0.1:4567]\n"
          "  --region R            region in the request signature [us-east-1]\n"
          "  --streams A,B,C|P     stream names for person,auction,bid, or a prefix P (Pperson, ...)\n"
          "                        [person,auction,bid]\n"
          "  --shards K            shards of streams created because they are missing [4]\n"
          "  --no-create           fail instead of creating missing streams\n"
          "  --batch N             records per PutRecords, 1..500 [500]\n"
          "  --inflight K          PutRecords in flight per shard, 1..64 (above 1 a shard's batches may be\n"
          "                        stored out of order) [1]\n"
          "  --out DIR             write DIR/<stream>.ndjson instead of a server\n"
          "  --quiet               no progress lines\n"
          "generator parameters (generator-spec.md section 5):\n"
          "  --generators G  --proportions P/A/B [1/3/46]  --active-people N [1000]\n"
          "  --in-flight-auctions N [100]  --hot-auction-ratio N [2]  --hot-seller-ratio N [4]\n"
          "  --hot-bidder-ratio N [4]  --hot-channel-ratio N [2]  --avg-sizes P/A/B [200/500/100]\n"
          "  --out-of-order G [1]  --flink-bidder-offset (bidder ids + 2000, as Flink's generator)\n",
          f);
}

/* ------------------------------------------------------------------------------------------------
 * Option values
 * ---------------------------------------------------------------------------------------------- */

/* A non-negative integer with an optional K, M or G (x1000) suffix. */
static int gen_parse_count(const char *s, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || errno || v < 0)
        return -1;
    int64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1000000, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1000000000, end++;
    if (*end || v > max / mul)
        return -1;
    *out = v * mul;
    return 0;
}

static int gen_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    if (gen_parse_count(s, max, &v) || v < min)
        return -1;
    *out = (int)v;
    return 0;
}

static int gen_parse_rate(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int64_t mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1000, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1000000, end++;
    if (end == s || *end || errno || !(v >= 0) || v * (double)mul > 1e12)
        return -1;
    *out = v * (double)mul;
    return 0;
}

/* "a/b/c" (or with ':' or ','): three integers in [min, max]. */
static int gen_parse_triple(const char *s, int min, int max, int out[3])
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", s);
    char *p = buf;
    for (int i = 0; i < 3; i++) {
        char *q = p + strcspn(p, "/:,");
        if ((*q == '\0') != (i == 2))
            return -1;
        *q = '\0';
        if (gen_parse_int(p, min, max, &out[i]))
            return -1;
        p = q + 1;
    }
    return 0;
}

/* now | epoch milliseconds | YYYY-MM-DD[( |T)HH:MM[:SS[.fff]]][Z], UTC. */
static int gen_parse_time(const char *s, int64_t *out)
{
    if (!strcmp(s, "now")) {
        *out = clock_now_ms();
        return 0;
    }
    if (strspn(s, "0123456789") == strlen(s) && *s)
        return gen_parse_count(s, INT64_MAX, out);
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, ms = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
        return -1;
    const char *p = s + n;
    if (*p == ' ' || *p == 'T') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2)
            return -1;
        p += 1 + k;
        if (*p == ':') {
            if (sscanf(p + 1, "%2d%n", &sec, &k) != 1)
                return -1;
            p += 1 + k;
            if (*p == '.') {
                int digits = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                    if (digits < 3)
                        ms = ms * 10 + (*p - '0');
                for (; digits < 3; digits++)
                    ms *= 10;
            }
        }
    }
    if (*p == 'Z')
        p++;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return -1;
    *out = (int64_t)t * 1000 + ms;
    return 0;
}

/* --streams: three comma-separated names, or a prefix for person, auction, bid. */
static int gen_parse_streams(const char *s, char names[NEXMARK_N_KINDS][GEN_NAME_MAX])
{
    if (strchr(s, ',')) {
        const char *p = s;
        for (int i = 0; i < NEXMARK_N_KINDS; i++) {
            size_t n = strcspn(p, ",");
            if (n == 0 || n >= GEN_NAME_MAX || ((p[n] == '\0') != (i == NEXMARK_N_KINDS - 1)))
                return -1;
            memcpy(names[i], p, n);
            names[i][n] = '\0';
            p += n + 1;
        }
        return 0;
    }
    for (int i = 0; i < NEXMARK_N_KINDS; i++) {
        int n = snprintf(names[i], GEN_NAME_MAX, "%s%s", s, nexmark_kind_name((NexmarkKind)i));
        if (n < 0 || n >= GEN_NAME_MAX)
            return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Outputs: a Kinesis writer, or one NDJSON file per stream
 * ---------------------------------------------------------------------------------------------- */

typedef struct GenOut {
    KinesisWriter *kw;
    FILE *f[NEXMARK_N_KINDS];
    char path[NEXMARK_N_KINDS][PATH_MAX];
} GenOut;

static int gen_out_files(GenOut *o, const char *dir, char names[NEXMARK_N_KINDS][GEN_NAME_MAX], Err *e)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return err_set(e, WEIR_EIO, "mkdir %s: %s", dir, strerror(errno));
    for (int i = 0; i < NEXMARK_N_KINDS; i++) {
        int n = snprintf(o->path[i], sizeof(o->path[i]), "%s/%s.ndjson", dir, names[i]);
        if (n < 0 || (size_t)n >= sizeof(o->path[i]))
            return err_set(e, WEIR_EINVAL, "path too long: %s", dir);
        o->f[i] = fopen(o->path[i], "w");
        if (!o->f[i])
            return err_set(e, WEIR_EIO, "open %s: %s", o->path[i], strerror(errno));
        setvbuf(o->f[i], NULL, _IOFBF, (size_t)1 << 20);
    }
    return WEIR_OK;
}

static int gen_out_add(GenOut *o, NexmarkKind k, const char *pk, size_t pk_len, const Buf *rec, Err *e)
{
    if (o->kw)
        return kinesis_writer_add(o->kw, (int)k, pk, pk_len, rec->p, rec->len, e);
    if (fwrite(rec->p, 1, rec->len, o->f[k]) != rec->len || fputc('\n', o->f[k]) == EOF)
        return err_set(e, WEIR_EIO, "write %s: %s", o->path[k], strerror(errno));
    return WEIR_OK;
}

/* Ahead of schedule: make what was generated visible now. */
static int gen_out_idle(GenOut *o, Err *e)
{
    if (o->kw)
        return kinesis_writer_send_ready(o->kw, e);
    for (int i = 0; i < NEXMARK_N_KINDS; i++)
        if (fflush(o->f[i]) != 0)
            return err_set(e, WEIR_EIO, "write %s: %s", o->path[i], strerror(errno));
    return WEIR_OK;
}

/* Wait up to ms milliseconds (serving the writer's connections meanwhile). */
static int gen_out_wait(GenOut *o, int ms, Err *e)
{
    if (o->kw)
        return kinesis_writer_wait(o->kw, ms, e);
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    return WEIR_OK;
}

static int gen_out_finish(GenOut *o, Err *e)
{
    if (o->kw)
        return kinesis_writer_flush(o->kw, e);
    int rc = WEIR_OK;
    for (int i = 0; i < NEXMARK_N_KINDS; i++) {
        if (!o->f[i])
            continue;
        if (fclose(o->f[i]) != 0 && !rc)
            rc = err_set(e, WEIR_EIO, "write %s: %s", o->path[i], strerror(errno));
        o->f[i] = NULL;
    }
    return rc;
}

static void gen_out_close(GenOut *o)
{
    kinesis_writer_destroy(&o->kw);
    for (int i = 0; i < NEXMARK_N_KINDS; i++)
        if (o->f[i])
            fclose(o->f[i]);
}

/* ------------------------------------------------------------------------------------------------
 * The command
 * ---------------------------------------------------------------------------------------------- */

typedef struct GenOpts {
    NexmarkConfig nx;
    int64_t n_events;
    double rate;
    double event_rate; /* 0: from --rate, or the default */
    const char *endpoint;
    const char *region;
    const char *out_dir;
    char streams[NEXMARK_N_KINDS][GEN_NAME_MAX];
    int shards;
    int create;
    int batch;
    int inflight;
    int quiet;
} GenOpts;

enum {
    OPT_EVENTS = 256, OPT_RATE, OPT_EVENT_RATE, OPT_BASE_TIME, OPT_SEED, OPT_FIRST, OPT_ENDPOINT, OPT_REGION,
    OPT_STREAMS, OPT_SHARDS, OPT_NO_CREATE, OPT_BATCH, OPT_OUT, OPT_QUIET, OPT_GENERATORS, OPT_PROPORTIONS,
    OPT_ACTIVE, OPT_IN_FLIGHT_AUCTIONS, OPT_HOT_AUCTION, OPT_HOT_SELLER, OPT_HOT_BIDDER, OPT_HOT_CHANNEL, OPT_SIZES,
    OPT_OOO, OPT_FLINK_BIDDER, OPT_INFLIGHT, OPT_HELP
};

/* Returns 0, or 2 after printing a usage error. */
static int gen_parse_opts(int argc, char **argv, GenOpts *o)
{
    static const struct option lo[] = {
        {"events", required_argument, NULL, OPT_EVENTS},
        {"rate", required_argument, NULL, OPT_RATE},
        {"event-rate", required_argument, NULL, OPT_EVENT_RATE},
        {"base-time", required_argument, NULL, OPT_BASE_TIME},
        {"seed", required_argument, NULL, OPT_SEED},
        {"first-event-id", required_argument, NULL, OPT_FIRST},
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"region", required_argument, NULL, OPT_REGION},
        {"streams", required_argument, NULL, OPT_STREAMS},
        {"shards", required_argument, NULL, OPT_SHARDS},
        {"no-create", no_argument, NULL, OPT_NO_CREATE},
        {"batch", required_argument, NULL, OPT_BATCH},
        {"out", required_argument, NULL, OPT_OUT},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"generators", required_argument, NULL, OPT_GENERATORS},
        {"proportions", required_argument, NULL, OPT_PROPORTIONS},
        {"active-people", required_argument, NULL, OPT_ACTIVE},
        {"in-flight-auctions", required_argument, NULL, OPT_IN_FLIGHT_AUCTIONS},
        {"hot-auction-ratio", required_argument, NULL, OPT_HOT_AUCTION},
        {"hot-seller-ratio", required_argument, NULL, OPT_HOT_SELLER},
        {"hot-bidder-ratio", required_argument, NULL, OPT_HOT_BIDDER},
        {"hot-channel-ratio", required_argument, NULL, OPT_HOT_CHANNEL},
        {"avg-sizes", required_argument, NULL, OPT_SIZES},
        {"out-of-order", required_argument, NULL, OPT_OOO},
        {"flink-bidder-offset", no_argument, NULL, OPT_FLINK_BIDDER},
        {"inflight", required_argument, NULL, OPT_INFLIGHT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    NexmarkConfig *c = &o->nx;
    int ch, bad = 0, t[3];
    int64_t v;
    optind = 1;
    while (!bad && (ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        const char *a = optarg;
        switch (ch) {
        case OPT_EVENTS: bad = gen_parse_count(a, INT64_C(1) << 52, &o->n_events); break;
        case OPT_RATE: bad = gen_parse_rate(a, &o->rate); break;
        case OPT_EVENT_RATE: bad = gen_parse_rate(a, &o->event_rate) || o->event_rate <= 0; break;
        case OPT_BASE_TIME: bad = gen_parse_time(a, &c->base_time_ms); break;
        case OPT_SEED:
            bad = gen_parse_count(a, INT64_MAX, &v);
            c->seed = (uint64_t)v;
            break;
        case OPT_FIRST: bad = gen_parse_count(a, INT64_C(1) << 52, &c->first_event_id); break;
        case OPT_ENDPOINT: o->endpoint = a; break;
        case OPT_REGION: o->region = a; break;
        case OPT_STREAMS: bad = gen_parse_streams(a, o->streams); break;
        case OPT_SHARDS: bad = gen_parse_int(a, 1, 10000, &o->shards); break;
        case OPT_NO_CREATE: o->create = 0; break;
        case OPT_BATCH: bad = gen_parse_int(a, 1, KINESIS_WRITER_MAX_RECORDS, &o->batch); break;
        case OPT_OUT: o->out_dir = a; break;
        case OPT_QUIET: o->quiet = 1; break;
        case OPT_GENERATORS: bad = gen_parse_int(a, 1, 1 << 20, &c->n_generators); break;
        case OPT_PROPORTIONS:
            bad = gen_parse_triple(a, 1, 1 << 20, t);
            c->person_proportion = t[0], c->auction_proportion = t[1], c->bid_proportion = t[2];
            break;
        case OPT_ACTIVE: bad = gen_parse_int(a, 1, 1 << 30, &c->num_active_people); break;
        case OPT_IN_FLIGHT_AUCTIONS: bad = gen_parse_int(a, 1, 1 << 30, &c->num_in_flight_auctions); break;
        case OPT_HOT_AUCTION: bad = gen_parse_int(a, 1, 1 << 30, &c->hot_auction_ratio); break;
        case OPT_HOT_SELLER: bad = gen_parse_int(a, 1, 1 << 30, &c->hot_sellers_ratio); break;
        case OPT_HOT_BIDDER: bad = gen_parse_int(a, 1, 1 << 30, &c->hot_bidders_ratio); break;
        case OPT_HOT_CHANNEL: bad = gen_parse_int(a, 1, 1 << 30, &c->hot_channels_ratio); break;
        case OPT_SIZES:
            bad = gen_parse_triple(a, 0, 1 << 18, t);
            c->avg_person_bytes = t[0], c->avg_auction_bytes = t[1], c->avg_bid_bytes = t[2];
            break;
        case OPT_OOO: bad = gen_parse_int(a, 1, 1 << 30, &c->out_of_order_group); break;
        case OPT_FLINK_BIDDER: c->bidder_offset_twice = 1; break;
        case OPT_INFLIGHT: bad = gen_parse_int(a, 1, KINESIS_WRITER_MAX_INFLIGHT, &o->inflight); break;
        case OPT_HELP:
        case 'h': gen_usage(stdout); return 1;
        default: gen_usage(stderr); return 2;
        }
        if (bad) {
            fprintf(stderr, "weir gen: bad value '%s' for --%s\n", a ? a : "", lo[ch - OPT_EVENTS].name);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "weir gen: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    c->event_rate = o->event_rate > 0 ? o->event_rate : o->rate > 0 ? o->rate : 10000.0;
    return 0;
}

static void gen_progress(const GenOpts *o, int64_t done, double secs)
{
    if (o->n_events)
        fprintf(stderr, "weir gen: %" PRId64 " of %" PRId64 " events (%.0f%%), %.0f events/s\n", done, o->n_events,
                100.0 * (double)done / (double)o->n_events, secs > 0 ? (double)done / secs : 0.0);
    else
        fprintf(stderr, "weir gen: %" PRId64 " events, %.0f events/s\n", done, secs > 0 ? (double)done / secs : 0.0);
}

/* The generation loop. *done: events handed to the output. */
static int gen_run(const GenOpts *o, NexmarkGen *g, GenOut *out, int64_t counts[NEXMARK_N_KINDS],
                   uint64_t *bytes, int64_t *done, Err *e)
{
    const NexmarkConfig *c = nexmark_gen_config(g);
    Buf rec;
    buf_init(&rec, (size_t)4 << 20);
    NexmarkEvent ev;
    char pk[24];
    uint64_t t0 = clock_mono_ns(), t_report = t0 + 1000000000u;
    double ns_per_event = o->rate > 0 ? 1e9 / o->rate : 0;
    int rc = WEIR_OK;
    int64_t k = 0;
    for (; !rc && !gen_stop && (o->n_events == 0 || k < o->n_events); k++) {
        if (ns_per_event > 0) {
            uint64_t due = t0 + (uint64_t)((double)k * ns_per_event);
            uint64_t now = clock_mono_ns();
            if (now < due && !(rc = gen_out_idle(out, e))) {
                while (!rc && !gen_stop && (now = clock_mono_ns()) < due) {
                    uint64_t left_ms = (due - now + 999999) / 1000000u;
                    rc = gen_out_wait(out, left_ms > 100 ? 100 : (int)left_ms, e);
                }
            }
            if (rc || gen_stop)
                break;
        } else if (out->kw && (k & 63) == 0) {
            rc = kinesis_writer_wait(out->kw, 0, e); /* move the requests in flight along */
            if (rc)
                break;
        }
        nexmark_gen_event(g, c->first_event_id + k, &ev);
        buf_reset(&rec);
        if ((rc = nexmark_event_json(&ev, &rec))) {
            err_set(e, rc, "event %" PRId64 ": record too large", ev.event_number);
            break;
        }
        size_t pk_len = nexmark_event_partition_key(&ev, pk);
        if ((rc = gen_out_add(out, ev.kind, pk, pk_len, &rec, e)))
            break;
        counts[ev.kind]++;
        *bytes += rec.len;
        if (!o->quiet && (k & 1023) == 0) {
            uint64_t now = clock_mono_ns();
            if (now >= t_report) {
                gen_progress(o, k + 1, (double)(now - t0) / 1e9);
                t_report = now + 1000000000u;
            }
        }
    }
    *done = k;
    buf_fini(&rec);
    if (!rc)
        rc = gen_out_finish(out, e);
    return rc;
}

int cmd_gen(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        gen_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "nexmark") != 0) {
        fprintf(stderr, "weir gen: unknown generator '%s' (there is: nexmark)\n", argv[1]);
        return 2;
    }
    GenOpts o;
    memset(&o, 0, sizeof(o));
    nexmark_config_default(&o.nx);
    o.endpoint = "http://127.0.0.1:4567";
    o.shards = 4;
    o.create = 1;
    o.batch = KINESIS_WRITER_MAX_RECORDS;
    o.inflight = 1;
    gen_parse_streams("", o.streams);
    int prc = gen_parse_opts(argc - 1, argv + 1, &o);
    if (prc)
        return prc == 1 ? 0 : prc;

    Err e;
    err_clear(&e);
    NexmarkGen *g = NULL;
    if (nexmark_gen_create(&o.nx, &g, &e)) {
        fprintf(stderr, "weir gen: %s\n", e.msg);
        return 2;
    }
    GenOut out;
    memset(&out, 0, sizeof(out));
    int rc;
    if (o.out_dir) {
        rc = gen_out_files(&out, o.out_dir, o.streams, &e);
    } else {
        KinesisWriterConfig kc = {
            .endpoint = o.endpoint, .region = o.region, .shards = o.shards, .create = o.create,
            .max_records = o.batch, .inflight = o.inflight,
        };
        const char *names[NEXMARK_N_KINDS] = {o.streams[0], o.streams[1], o.streams[2]};
        rc = kinesis_writer_create(&kc, names, NEXMARK_N_KINDS, &out.kw, &e);
    }
    if (rc) {
        fprintf(stderr, "weir gen: %s\n", e.msg);
        gen_out_close(&out);
        nexmark_gen_destroy(&g);
        return 1;
    }
    if (!o.quiet && o.n_events == 0)
        fprintf(stderr, "weir gen: no --events: generating until interrupted (Ctrl-C)\n");

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = gen_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int64_t counts[NEXMARK_N_KINDS] = {0, 0, 0}, done = 0;
    uint64_t bytes = 0, t0 = clock_mono_ns();
    rc = gen_run(&o, g, &out, counts, &bytes, &done, &e);
    double secs = (double)(clock_mono_ns() - t0) / 1e9;
    if (rc) {
        fprintf(stderr, "weir gen: %s\n", e.msg);
    } else {
        const NexmarkConfig *c = nexmark_gen_config(g);
        printf("nexmark: %" PRId64 " events (%" PRId64 " person, %" PRId64 " auction, %" PRId64
               " bid) in %.3f s: %.0f events/s, %.1f MB/s of JSON (%.1f MB)\n",
               done, counts[0], counts[1], counts[2], secs, secs > 0 ? (double)done / secs : 0.0,
               secs > 0 ? (double)bytes / 1e6 / secs : 0.0, (double)bytes / 1e6);
        if (done > 0) {
            char t_first[24], t_last[24];
            nexmark_format_time(nexmark_timestamp(c, nexmark_event_id(c, c->first_event_id)), t_first);
            nexmark_format_time(nexmark_timestamp(c, nexmark_event_id(c, c->first_event_id + done - 1)), t_last);
            printf("event time %s .. %s UTC (%.0f events/s of event time); next --first-event-id %" PRId64 "\n",
                   t_first, t_last, c->event_rate, c->first_event_id + done);
        }
        if (out.kw) {
            KinesisWriterStats st;
            kinesis_writer_stats(out.kw, &st);
            printf("streams %s, %s, %s at %s: %" PRId64 " records acknowledged in %" PRId64
                   " PutRecords (%" PRId64 " records sent again), %" PRId64 " shards written in parallel\n",
                   o.streams[0], o.streams[1], o.streams[2], o.endpoint, st.n_acked, st.n_requests, st.n_retried,
                   st.n_lanes);
        } else {
            printf("files %s, %s, %s\n", out.path[0], out.path[1], out.path[2]);
        }
    }
    gen_out_close(&out);
    nexmark_gen_destroy(&g);
    return rc ? 1 : 0;
}
