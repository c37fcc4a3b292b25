/*
 * decode_bench.c: micro-benchmark of the record decoders (src/exec/decode.c) on generated clickstream
 * records, the shape of issue 3's benchmark: about 120 bytes of JSON each,
 *   {"user_id":123456,"url":"/products/item-48213?ref=search","ts":"2024-05-01T12:34:56.789Z",
 *    "status":200,"bytes":51234}
 * generated from a fixed seed, so every run decodes the same bytes and prints the same checksum of the
 * decoded values (SQLite speedtest1's "verification hash": a faster decoder that decodes something
 * else is caught).
 *
 * Times are the thread's CPU time (per core, unaffected by other processes), best of BENCH_REPEAT.
 * Runs (each the best of BENCH_REPEAT passes over all records, in batches of VEC_BATCH through one
 * Decoder and a batch arena reset per batch, as a scan worker does):
 *   json-5col   all five columns (bigint, text, timestamptz, integer, bigint)
 *   json-2col   user_id and status only: decode only what the query uses
 *   json-ts     the timestamp only (sql_time_parse cost)
 *   csv-5col    the same records as CSV lines
 * Prints a line per run and "RESULT name=<run>_records_per_s value=<n>" for scripts.
 *
 * Usage: decode_bench [records (default 1000000) [run name, to run only that one (for perf)]].
 * Single-threaded: figures are per core.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/decode.h"

#define BENCH_REPEAT 3

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng_next(void)
{
    /* xorshift64*: fixed seed, same sequence on every machine */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* CPU time of this thread: the figure is per core and does not count time the scheduler gave to
 * other processes on a busy machine (wall time is printed too). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* url = head, then the number when has_num, then tail */
static const struct {
    const char *head, *tail;
    int has_num;
} paths[] = {{"/en-us/", "", 0},
             {"/en-us/products/garden/item-", "", 1},
             {"/en-us/cart/view", "", 0},
             {"/en-us/checkout/payment?step=", "", 1},
             {"/en-us/search?q=item", "&page=2", 1},
             {"/en-us/products/kitchen/item-", "?ref=search", 1},
             {"/en-us/account/orders/", "/details", 1},
             {"/en-us/help/faq/shipping", "", 0}};
static const int statuses[] = {200, 200, 200, 200, 200, 200, 304, 301, 404, 500};

typedef struct Corpus {
    char *buf;
    DecodeRecord *recs;
    size_t n;
    size_t bytes;
} Corpus;

static void gen(Corpus *c, size_t n, int csv)
{
    c->buf = malloc(n * 160);
    c->recs = calloc(n, sizeof(DecodeRecord));
    if (!c->buf || !c->recs) {
        fprintf(stderr, "decode_bench: out of memory\n");
        exit(1);
    }
    c->n = n;
    size_t off = 0;
    rng_state = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next();
        char url[64];
        unsigned k = (unsigned)(r % 8), num = (unsigned)(r >> 8) % 100000;
        if (paths[k].has_num)
            snprintf(url, sizeof(url), "%s%u%s", paths[k].head, num, paths[k].tail);
        else
            snprintf(url, sizeof(url), "%s%s", paths[k].head, paths[k].tail);
        unsigned user = 1000000 + (unsigned)(rng_next() % 9000000);
        uint64_t t = 1714521600ull + i / 100; /* 2024-05-01T00:00:00Z, 100 records a second */
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        int status = statuses[rng_next() % 10];
        unsigned bytes = (unsigned)(rng_next() % 200000);
        unsigned ms = (unsigned)(rng_next() % 1000);
        char *p = c->buf + off;
        int len;
        if (csv)
            len = snprintf(p, 160, "%u,%s,%04d-%02d-%02dT%02d:%02d:%02d.%03uZ,%d,%u", user, url, tm.tm_year + 1900,
                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms, status, bytes);
        else
            len = snprintf(p, 160,
                           "{\"user_id\":%u,\"url\":\"%s\",\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\","
                           "\"status\":%d,\"bytes\":%u}",
                           user, url, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                           tm.tm_sec, ms, status, bytes);
        c->recs[i].data = (Slice){(const uint8_t *)p, (size_t)len};
        c->recs[i].arrival_usec = INT64_MIN;
        off += (size_t)len;
    }
    c->bytes = off;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h;
}

/* One pass; returns the checksum of every decoded value (NULLs count as a marker) and adds the CPU time
 * spent inside decoder_run (not in the checksum) to *t. */
static uint64_t pass(Decoder *d, const Corpus *c, Arena *a, uint64_t *bad, double *t)
{
    uint64_t h = 0;
    SqlError e;
    memset(&e, 0, sizeof(e));
    for (size_t i = 0; i < c->n; i += VEC_BATCH) {
        uint32_t n = (uint32_t)(c->n - i < VEC_BATCH ? c->n - i : VEC_BATCH);
        DecodeOut out;
        double t0 = cpu_s();
        int rc = decoder_run(d, c->recs + i, n, a, &out, &e);
        *t += cpu_s() - t0;
        if (rc != WEIR_OK) {
            fprintf(stderr, "decode_bench: %s\n", e.message);
            exit(1);
        }
        for (uint32_t col = 0; col < out.batch->n_cols; col++) {
            const Vec *v = &out.batch->cols[col];
            SqlPhys ph = sql_type_phys(v->type.id);
            for (uint32_t r = 0; r < out.batch->n; r++) {
                if (vec_is_null(v, r)) {
                    h = mix(h, 0xDEAD);
                    continue;
                }
                if (ph == SQL_PHYS_STR) {
                    uint64_t sh = 1469598103934665603ull;
                    for (size_t k = 0; k < v->u.s[r].n; k++)
                        sh = (sh ^ v->u.s[r].p[k]) * 1099511628211ull;
                    h = mix(h, sh);
                } else {
                    h = mix(h, (uint64_t)v->u.i[r]);
                }
            }
        }
        for (uint32_t r = 0; r < out.batch->n; r++)
            *bad += !out.valid[r];
        arena_reset(a);
    }
    return h;
}

static const char *only;

static void run(const char *name, const TableDef *td, const int32_t *cols, uint32_t n_cols, const Corpus *c)
{
    if (only && strcmp(only, name) != 0)
        return;
    SqlError e;
    memset(&e, 0, sizeof(e));
    Decoder *d = NULL;
    if (decoder_create(td, cols, n_cols, NULL, &d, &e) != WEIR_OK) {
        fprintf(stderr, "decode_bench: %s\n", e.message);
        exit(1);
    }
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    double best = 1e30, best_wall = 1e30;
    uint64_t sum = 0, bad = 0;
    for (int k = 0; k < BENCH_REPEAT; k++) {
        bad = 0;
        double t = 0, w0 = wall_s();
        uint64_t h = pass(d, c, a, &bad, &t);
        double w = wall_s() - w0;
        if (w < best_wall)
            best_wall = w;
        if (k > 0 && h != sum) {
            fprintf(stderr, "decode_bench: checksum changed between passes\n");
            exit(1);
        }
        sum = h;
        if (t < best)
            best = t;
    }
    double rps = (double)c->n / best;
    printf("%-10s %zu records (%.1f bytes avg) in %.3f s CPU (pass with checksum: %.3f s wall): %.2f M records/s, %.0f MB/s, "
           "bad %" PRIu64 ", checksum %016" PRIx64 "\n",
           name, c->n, (double)c->bytes / (double)c->n, best, best_wall, rps / 1e6, (double)c->bytes / best / 1e6,
           bad, sum);
    printf("RESULT name=decode_%s_records_per_s value=%.0f\n", name, rps);
    arena_destroy(&a);
    decoder_destroy(&d);
}

static TableDef *table(int csv)
{
    static const TableColumnSpec cols[] = {
        {"user_id", {SQL_INT8, -1}, 0}, {"url", {SQL_TEXT, -1}, 0},  {"ts", {SQL_TIMESTAMPTZ, -1}, 0},
        {"status", {SQL_INT4, -1}, 0},  {"bytes", {SQL_INT8, -1}, 0},
    };
    TableOption opt = {"format", "csv", 0};
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    if (tabledef_build("clicks", cols, 5, &opt, csv ? 1 : 0, &td, &e) != WEIR_OK) {
        fprintf(stderr, "decode_bench: %s\n", e.message);
        exit(1);
    }
    return td;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (n == 0)
        n = 1;
    only = argc > 2 ? argv[2] : NULL;
    Corpus json, csv;
    gen(&json, n, 0);
    gen(&csv, n, 1);
    TableDef *tj = table(0), *tc = table(1);
    static const int32_t all[] = {0, 1, 2, 3, 4}, two[] = {0, 3}, ts[] = {2};
    run("json-5col", tj, all, 5, &json);
    run("json-2col", tj, two, 2, &json);
    run("json-ts", tj, ts, 1, &json);
    run("csv-5col", tc, all, 5, &csv);
    tabledef_destroy(&tj);
    tabledef_destroy(&tc);
    free(json.buf);
    free(json.recs);
    free(csv.buf);
    free(csv.recs);
    return 0;
}
