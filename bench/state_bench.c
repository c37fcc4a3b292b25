/*
 * state_bench.c: micro-benchmark of the streaming state table (src/stream/state.c): puts and gets of
 * small keys, the shape of a running GROUP BY's state, plus one full checkpoint of the result.
 *
 * Keys are redis-benchmark's ("key:" and a 12-digit number, 16 bytes), values 8 bytes, so
 * bench/state_run.sh can set the figures beside redis-server's under `redis-benchmark -t set,get -d 8`.
 * Runs, single-threaded (figures are per core), each timed on the thread's CPU clock:
 *   put        N distinct keys, in a scrambled order, into an unordered table (state_put)
 *   get        N lookups of those keys in another scrambled order (state_get), every one a hit
 *   upsert     N in-place updates (state_upsert of an 8-byte counter), as an aggregate does
 *   get-miss   N/10 lookups of absent keys
 *   ordered    N/10 puts and gets into an ordered table (skiplist kept too)
 *   checkpoint a full snapshot of the N-entry table into a temp dir (write + fsync), then a restore
 * The checksum covers the values read, so a faster table that reads something else is caught.
 * Prints a line per run and "RESULT name=<metric> value=<n>" lines for scripts.
 *
 * Usage: state_bench [keys (default 10000000)]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "stream/state.h"

/* CPU time of this thread: per-core figures that other processes on a busy machine do not inflate. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

/* Key i as redis-benchmark writes key:__rand_int__ ("key:%012d"); returns 16. */
static size_t key_of(uint64_t i, uint8_t *k)
{
    memcpy(k, "key:", 4);
    for (int d = 15; d >= 4; d--, i /= 10)
        k[d] = (uint8_t)('0' + i % 10);
    return 16;
}

/* A permutation of 0..n-1: i * a + b mod n with a coprime to n. */
typedef struct Perm {
    uint64_t n, a, b;
} Perm;

static uint64_t gcd(uint64_t x, uint64_t y)
{
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}

static Perm perm_make(uint64_t n, uint64_t seed)
{
    Perm p = {n, (n / 2 + seed * 7919) | 1, seed * 104729 % (n ? n : 1)};
    while (gcd(p.a, n) != 1)
        p.a += 2;
    return p;
}

static uint64_t perm_at(const Perm *p, uint64_t i)
{
    return (uint64_t)(((unsigned __int128)i * p->a + p->b) % p->n);
}

static void report(const char *name, uint64_t ops, double cpu, double wall)
{
    double rate = cpu > 0 ? (double)ops / cpu : 0;
    printf("%-12s %10" PRIu64 " ops  %7.3f s cpu  %7.3f s wall  %12.0f ops/s\n", name, ops, cpu, wall, rate);
    printf("RESULT name=%s_per_s value=%.0f\n", name, rate);
}

static void die(const char *what, const Err *e)
{
    fprintf(stderr, "state_bench: %s: %s\n", what, e->msg);
    exit(1);
}

/* Put keys p(0) .. p(n-1), each with its number as the value, and report the rate as name. */
static void fill(const char *name, StateTable *t, const Perm *p)
{
    Err e;
    err_clear(&e);
    uint8_t k[16];
    double c0 = cpu_s(), w0 = wall_s();
    for (uint64_t i = 0; i < p->n; i++) {
        uint64_t x = perm_at(p, i);
        size_t kn = key_of(x, k);
        if (state_put(t, state_hash(k, kn), k, kn, (const uint8_t *)&x, 8, &e))
            die("put", &e);
    }
    report(name, p->n, cpu_s() - c0, wall_s() - w0);
}

int main(int argc, char **argv)
{
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 10000000;
    if (n < 10) {
        fprintf(stderr, "usage: state_bench [keys >= 10]\n");
        return 2;
    }
    Err e;
    err_clear(&e);
    StateConfig cfg = {.table_id = 1};
    StateTable *t = NULL;
    if (state_create(&cfg, &t, &e))
        die("create", &e);
    uint8_t k[16];
    uint64_t sum = 0;

    Perm pp = perm_make(n, 1), pg = perm_make(n, 2);
    fill("put", t, &pp);

    double c0 = cpu_s(), w0 = wall_s();
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = perm_at(&pg, i);
        size_t kn = key_of(x, k);
        Slice v;
        if (!state_get(t, state_hash(k, kn), k, kn, &v) || v.n != 8) {
            fprintf(stderr, "state_bench: key %" PRIu64 " missing\n", x);
            return 1;
        }
        uint64_t y;
        memcpy(&y, v.p, 8);
        sum += y;
    }
    report("get", n, cpu_s() - c0, wall_s() - w0);
    if (sum != n * (n - 1) / 2) {
        fprintf(stderr, "state_bench: checksum %" PRIu64 ", want %" PRIu64 "\n", sum, n * (n - 1) / 2);
        return 1;
    }

    c0 = cpu_s();
    w0 = wall_s();
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = perm_at(&pp, i);
        size_t kn = key_of(x, k);
        uint8_t *v;
        int is_new;
        if (state_upsert(t, state_hash(k, kn), k, kn, 8, &v, &is_new, &e))
            die("upsert", &e);
        uint64_t y;
        memcpy(&y, v, 8);
        y += 1;
        memcpy(v, &y, 8);
    }
    report("upsert", n, cpu_s() - c0, wall_s() - w0);

    c0 = cpu_s();
    w0 = wall_s();
    uint64_t misses = 0;
    for (uint64_t i = 0; i < n / 10; i++) {
        size_t kn = key_of(n + i, k);
        Slice v;
        misses += !state_get(t, state_hash(k, kn), k, kn, &v);
    }
    report("get_miss", n / 10, cpu_s() - c0, wall_s() - w0);
    if (misses != n / 10)
        return 1;

    StateStats st;
    state_stats(t, &st);
    printf("table: %" PRIu64 " entries, %.1f MB held (%.1f bytes per entry; keys+values %.1f MB)\n",
           st.n_entries, (double)st.mem_bytes / 1e6, (double)st.mem_bytes / (double)st.n_entries,
           (double)(st.key_bytes + st.val_bytes) / 1e6);
    printf("RESULT name=bytes_per_entry value=%.1f\n", (double)st.mem_bytes / (double)st.n_entries);

    /* a full checkpoint of the table, and a restore of it */
    char dir[] = "/tmp/weir-state-bench-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    StateCkptResult r;
    c0 = cpu_s();
    w0 = wall_s();
    if (state_checkpoint_write(t, dir, 1, STATE_CKPT_FULL, &r, &e))
        die("checkpoint", &e);
    double cw = wall_s() - w0, cc = cpu_s() - c0;
    printf("checkpoint   %10" PRIu64 " records  %7.3f s cpu  %7.3f s wall  %.0f MB/s (fsync included)\n",
           r.n_records, cc, cw, (double)r.bytes / 1e6 / cw);
    printf("RESULT name=checkpoint_mb_per_s value=%.0f\n", (double)r.bytes / 1e6 / cw);
    StateTable *t2 = NULL;
    if (state_create(&cfg, &t2, &e))
        die("create", &e);
    const char *paths[1] = {r.path};
    c0 = cpu_s();
    w0 = wall_s();
    if (state_restore(t2, paths, 1, &e))
        die("restore", &e);
    report("restore", r.n_records, cpu_s() - c0, wall_s() - w0);
    unlink(r.path);
    rmdir(dir);
    state_ckpt_result_fini(&r);
    state_destroy(&t2);
    state_destroy(&t);

    /* ordered table: the skiplist's cost on top */
    uint64_t no = n / 10;
    cfg.is_ordered = 1;
    if (state_create(&cfg, &t, &e))
        die("create", &e);
    Perm po = perm_make(no, 3);
    fill("ordered_put", t, &po);
    StateIter it;
    Slice kk, vv;
    uint64_t walked = 0;
    c0 = cpu_s();
    w0 = wall_s();
    state_iter_all(&it, t);
    while (state_iter_next(&it, &kk, &vv))
        walked++;
    report("ordered_walk", walked, cpu_s() - c0, wall_s() - w0);
    state_destroy(&t);
    if (walked != no)
        return 1;
    printf("checksum %" PRIu64 "\n", sum);
    return 0;
}
