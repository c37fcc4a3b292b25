/*
 * nexmark_bench.c: micro-benchmark of the Nexmark generator core (src/gen/nexmark.c), one thread:
 *   gen          nexmark_gen_event only (the draws and field formulas)
 *   gen+json     plus the JSON record (what `weir gen --out` writes)
 *   gen+json+b64 plus base64, the form a PutRecords body carries (what `weir gen` sends to a server)
 * Each run is the best of BENCH_REPEAT passes over the same events (thread CPU time, so the figure is
 * per core); every pass folds the records into a checksum, printed so that a faster generator that
 * generates something else is caught (SQLite speedtest1's verification hash). The checksum depends
 * only on the events and the seed: the same on every machine.
 *
 * Usage: nexmark_bench [events (default 2000000)]. Prints a line per run and
 * "RESULT name=<run>_events_per_s value=<n>" for scripts (bench/gen_nexmark.sh).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base64.h"
#include "base/buf.h"
#include "base/crc32c.h"
#include "gen/nexmark.h"

#define BENCH_REPEAT 3

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

enum { RUN_GEN = 0, RUN_JSON = 1, RUN_B64 = 2 };

/* One pass over events [0, n): returns the checksum; *bytes gets the bytes produced. */
static uint32_t bench_pass(NexmarkGen *g, int64_t n, int run, Buf *rec, char *b64, uint64_t *bytes)
{
    NexmarkEvent ev;
    uint32_t crc = 0;
    uint64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        nexmark_gen_event(g, i, &ev);
        if (run == RUN_GEN) {
            int64_t v = ev.kind == NEXMARK_PERSON ? ev.person.id : ev.kind == NEXMARK_AUCTION ? ev.auction.reserve
                                                                                               : ev.bid.price;
            crc = crc32c_extend(crc, &v, sizeof(v));
            continue;
        }
        buf_reset(rec);
        if (nexmark_event_json(&ev, rec) != WEIR_OK) {
            fprintf(stderr, "nexmark_bench: record too large\n");
            exit(1);
        }
        if (run == RUN_B64) {
            size_t k = base64_encode(rec->p, rec->len, b64);
            crc = crc32c_extend(crc, b64, k);
            total += k;
        } else {
            crc = crc32c_extend(crc, rec->p, rec->len);
            total += rec->len;
        }
    }
    *bytes = total;
    return crc;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 2000000;
    if (n <= 0) {
        fprintf(stderr, "usage: nexmark_bench [events]\n");
        return 2;
    }
    NexmarkConfig c;
    nexmark_config_default(&c);
    NexmarkGen *g = NULL;
    Err e;
    err_clear(&e);
    if (nexmark_gen_create(&c, &g, &e) != WEIR_OK) {
        fprintf(stderr, "nexmark_bench: %s\n", e.msg);
        return 1;
    }
    Buf rec;
    buf_init(&rec, (size_t)1 << 20);
    char *b64 = xmalloc(base64_encoded_len((size_t)1 << 20) + 1);
    static const char *const names[] = {"gen", "gen+json", "gen+json+b64"};
    static const char *const keys[] = {"gen", "gen_json", "gen_json_b64"};
    printf("nexmark_bench: %" PRId64 " events (seed 0, default parameters), best of %d, CPU time of one thread\n", n,
           BENCH_REPEAT);
    for (int run = RUN_GEN; run <= RUN_B64; run++) {
        double best = 1e30;
        uint32_t sum = 0;
        uint64_t bytes = 0;
        for (int r = 0; r < BENCH_REPEAT; r++) {
            double t0 = cpu_s();
            uint32_t s = bench_pass(g, n, run, &rec, b64, &bytes);
            double dt = cpu_s() - t0;
            if (r > 0 && s != sum) {
                fprintf(stderr, "nexmark_bench: %s: the checksum changed between passes\n", names[run]);
                return 1;
            }
            sum = s;
            if (dt < best)
                best = dt;
        }
        double eps = (double)n / best;
        printf("  %-14s %12.0f events/s  %8.1f ns/event  %8.1f MB/s  checksum %08" PRIx32 "\n", names[run], eps,
               best * 1e9 / (double)n, (double)bytes / 1e6 / best, sum);
        printf("RESULT name=%s_events_per_s value=%.0f\n", keys[run], eps);
    }
    free(b64);
    buf_fini(&rec);
    nexmark_gen_destroy(&g);
    return 0;
}
