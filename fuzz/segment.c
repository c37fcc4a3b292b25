/*
 * fuzz/segment.c: libFuzzer target for the segment file format (src/store/segment.c), the bytes
 * recovery reads after a crash. The input is a whole segment file, placed in a memfd and scanned the
 * way store_open scans a shard's tail. Invariants checked on every input:
 *   1. the scan never fails on a readable file and never reports more valid bytes than exist;
 *   2. every batch inside the valid prefix decodes, passes its CRC and record checks, and the
 *      records add up to what the scan counted (nothing corrupt is ever accepted);
 *   3. scanning twice gives the same result, and scanning the file cut at the valid end gives the
 *      same result with no complaint (recovery's truncation is a fixed point);
 *   4. the sparse index points at batch starts inside the valid prefix, in seq order;
 *   5. the scan cursor (store_cursor_*, which walks mapped segment bytes with checks of its own) reads
 *      exactly what store_read reads: the valid prefix is installed as the segment of a one-shard
 *      stream in a real store, which is reopened (recovery scans it) and read both ways, whole and in
 *      small pieces; then one byte inside the visible data is flipped and both readers must again
 *      agree, record for record, and on the WEIR_ECORRUPT that ends them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/segment.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/segment: check failed: %s (line %d)", #x, __LINE__);                            \
    } while (0)

static int fuzz_fd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("segment", MFD_CLOEXEC);
    CHECK(fd >= 0);
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        CHECK(w > 0);
        off += (size_t)w;
    }
    return fd;
}

static void fuzz_same(const SegmentMeta *a, const SegmentMeta *b)
{
    CHECK(a->size == b->size && a->n_records == b->n_records && a->n_batches == b->n_batches);
    if (a->n_records) {
        CHECK(a->first_seq == b->first_seq && a->last_seq == b->last_seq);
        CHECK(a->min_arrival_ms == b->min_arrival_ms && a->max_arrival_ms == b->max_arrival_ms);
    }
    CHECK(a->n_idx == b->n_idx);
    CHECK(a->n_idx == 0 || memcmp(a->idx, b->idx, a->n_idx * sizeof(*a->idx)) == 0);
}

/* --- invariant 5: cursor and store_read over the same segment ---------------------------------- */

typedef struct FzRec {
    uint64_t seq;
    int64_t arrival_ms;
    uint32_t key_len, data_len;
    uint64_t sum; /* of the key and data bytes, position-weighted */
} FzRec;

typedef struct FzRecs {
    FzRec *v;
    size_t n, cap;
} FzRecs;

static void fz_add(FzRecs *rs, const StoreRecordView *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 64;
        rs->v = xrealloc(rs->v, rs->cap * sizeof(*rs->v));
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < r->key.n; i++)
        sum = sum * 31 + r->key.p[i];
    for (size_t i = 0; i < r->data.n; i++)
        sum = sum * 131 + r->data.p[i];
    rs->v[rs->n++] = (FzRec){r->seq, r->arrival_ms, (uint32_t)r->key.n, (uint32_t)r->data.n, sum};
}

static int fz_collect(void *arg, const StoreRecordView *r)
{
    fz_add(arg, r);
    return 0;
}

/* Every record from TRIM_HORIZON through store_read; returns the rc that ended it. */
static int fz_read_store(Store *st, FzRecs *out)
{
    uint64_t pos = 0;
    Err e;
    err_clear(&e);
    CHECK(store_shard_seek(st, "f", 0, STORE_TRIM_HORIZON, 0, 0, &pos, &e) == WEIR_OK);
    for (int guard = 0; guard < 1000000; guard++) {
        StoreReadResult res;
        err_clear(&e);
        int rc = store_read(st, "f", 0, pos, 7, 0, fz_collect, out, &res, &e);
        if (rc != WEIR_OK || res.n_records == 0)
            return rc;
        CHECK(res.next_pos > pos);
        pos = res.next_pos;
    }
    return WEIR_OK;
}

/* Every record through a cursor, max_records per call (pins released at once). */
static int fz_read_cursor(Store *st, size_t max_records, FzRecs *out)
{
    StoreCursor *c = NULL;
    Err e;
    err_clear(&e);
    CHECK(store_cursor_open(st, "f", 0, 0, UINT64_MAX, &c, &e) == WEIR_OK);
    StoreRecordView v[16];
    int rc = WEIR_OK;
    for (;;) {
        size_t n = 0;
        StorePin *pin = NULL;
        err_clear(&e);
        rc = store_cursor_next(c, max_records, 0, v, &n, &pin, &e);
        CHECK(n <= max_records && (n > 0) == (pin != NULL));
        for (size_t i = 0; i < n; i++)
            fz_add(out, &v[i]);
        store_pin_release(pin);
        if (rc != WEIR_OK || n == 0)
            break;
        CHECK(store_cursor_pos(c) == v[n - 1].seq + 1);
    }
    store_cursor_close(&c);
    return rc;
}

static void fz_same_reads(Store *st)
{
    FzRecs a = {0}, b = {0}, c = {0};
    int ra = fz_read_store(st, &a), rb = fz_read_cursor(st, 16, &b), rc = fz_read_cursor(st, 3, &c);
    CHECK(ra == rb && rb == rc);
    CHECK(a.n == b.n && b.n == c.n);
    CHECK(a.n == 0 || (memcmp(a.v, b.v, a.n * sizeof(*a.v)) == 0 && memcmp(b.v, c.v, b.n * sizeof(*b.v)) == 0));
    free(a.v);
    free(b.v);
    free(c.v);
}

static char fz_dir[64];

static void fz_rm(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz/segment: could not remove %s\n", dir);
}

static void fz_cleanup(void)
{
    if (fz_dir[0])
        fz_rm(fz_dir);
}

/* The path of the only .seg file of shard 0 of the stream with uid, into out. 0 when there is none. */
static int fz_seg_path(uint64_t uid, char *out, size_t cap)
{
    char sd[160];
    snprintf(sd, sizeof(sd), "%s/s/streams/%llu/0", fz_dir, (unsigned long long)uid);
    DIR *d = opendir(sd);
    int found = 0;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 4 && strcmp(de->d_name + l - 4, ".seg") == 0 && !found) {
            snprintf(out, cap, "%s/%s", sd, de->d_name);
            found = 1;
        }
    }
    if (d)
        closedir(d);
    return found;
}

/* Invariant 5 for the valid prefix data[0..valid) (header and at least one batch). */
static void fz_cursor_check(const uint8_t *data, size_t valid, uint8_t flip_seed)
{
    if (!fz_dir[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(fz_dir, sizeof(fz_dir), "%s/weir-fuzzseg-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
        CHECK(mkdtemp(fz_dir) != NULL);
        atexit(fz_cleanup);
    }
    char sdir[96], seg[256];
    snprintf(sdir, sizeof(sdir), "%s/s", fz_dir);
    fz_rm(sdir);
    StoreConfig sc = {.dir = sdir, .fsync_mode = STORE_FSYNC_NONE};
    Store *st = NULL;
    Err e;
    err_clear(&e);
    CHECK(store_open(&sc, &st, &e) == WEIR_OK);
    CHECK(store_stream_create(st, "f", 1, STREAM_MODE_PROVISIONED, "us-east-1", "123456789012", &e) == WEIR_OK);
    StreamInfo *si = NULL;
    CHECK(store_stream_describe(st, "f", &si, &e) == WEIR_OK);
    uint64_t uid = si->uid;
    store_stream_info_free(&si);
    /* one record, so the shard has its segment file; then replace that file's batches with ours */
    StoreAppendEntry en = {.key = {(const uint8_t *)"k", 1}, .data = {(const uint8_t *)"d", 1}};
    en.hash = u128_md5_hash_key("k", 1);
    StoreAppendResult res;
    int64_t at;
    uint64_t tok;
    CHECK(store_append(st, "f", &en, 1, &res, &at, &tok, &e) == WEIR_OK);
    store_close(&st);
    if (!fz_seg_path(uid, seg, sizeof(seg)))
        return;
    uint8_t hdr[SEGMENT_HDR_LEN];
    int fd = open(seg, O_RDWR);
    CHECK(fd >= 0);
    CHECK(pread(fd, hdr, SEGMENT_HDR_LEN, 0) == SEGMENT_HDR_LEN); /* the store's identity for this file */
    CHECK(ftruncate(fd, SEGMENT_HDR_LEN) == 0);
    CHECK(pwrite(fd, data + SEGMENT_HDR_LEN, valid - SEGMENT_HDR_LEN, SEGMENT_HDR_LEN) ==
          (ssize_t)(valid - SEGMENT_HDR_LEN));
    close(fd);
    err_clear(&e);
    if (store_open(&sc, &st, &e) != WEIR_OK)
        return; /* recovery refused (seqs outside the shard's lifetime): nothing to compare */
    fz_same_reads(st);
    /* a byte of the visible data flipped under both readers */
    uint64_t off = SEGMENT_HDR_LEN + (uint64_t)flip_seed * 2654435761u % (valid - SEGMENT_HDR_LEN);
    fd = open(seg, O_RDWR);
    CHECK(fd >= 0);
    uint8_t b;
    if (pread(fd, &b, 1, (off_t)off) == 1) {
        b ^= 0x5a;
        CHECK(pwrite(fd, &b, 1, (off_t)off) == 1);
    }
    close(fd);
    fz_same_reads(st);
    store_close(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_fd(data, size);
    SegmentMeta m1, m2;
    segment_meta_init(&m1);
    segment_meta_init(&m2);
    const char *why1 = NULL, *why2 = NULL;
    CHECK(segment_scan(fd, size, NULL, &m1, &why1, NULL) == WEIR_OK);
    CHECK(segment_scan(fd, size, NULL, &m2, &why2, NULL) == WEIR_OK);
    CHECK(m1.size <= size);
    CHECK((why1 == NULL) == (why2 == NULL));
    fuzz_same(&m1, &m2);
    close(fd);

    if (m1.size >= SEGMENT_HDR_LEN) {
        /* Walk the valid prefix independently of the scanner. */
        SegmentHeader h;
        const char *why = NULL;
        CHECK(segment_header_decode(data, size, &h, &why) == WEIR_OK);
        uint64_t off = SEGMENT_HDR_LEN, n_rec = 0, n_batches = 0, prev_last = 0;
        uint32_t next_idx = 0;
        while (off < m1.size) {
            CHECK(m1.size - off >= SEGMENT_BATCH_HDR_LEN);
            SegmentBatch b;
            CHECK(segment_batch_decode(data + off, &b, &why) == WEIR_OK);
            CHECK(off + SEGMENT_BATCH_HDR_LEN + b.payload_len <= m1.size);
            CHECK(segment_batch_verify(data + off, &b, &why) == WEIR_OK);
            CHECK(n_batches == 0 || b.first_seq > prev_last);
            if (next_idx < m1.n_idx && m1.idx[next_idx].off == off) {
                CHECK(m1.idx[next_idx].seq == b.first_seq);
                next_idx++;
            }
            SegmentRecordIter it;
            SegmentRecord r;
            segment_record_iter_init(&it, data + off, &b);
            uint32_t k = 0;
            int rc;
            while ((rc = segment_record_next(&it, &r)) == 1) {
                CHECK(r.seq >= b.first_seq && r.seq <= b.last_seq);
                CHECK(r.key.p >= data + off && r.data.p + r.data.n <= data + m1.size);
                k++;
            }
            CHECK(rc == 0 && k == b.n_records);
            n_rec += b.n_records;
            n_batches++;
            prev_last = b.last_seq;
            off += SEGMENT_BATCH_HDR_LEN + b.payload_len;
        }
        CHECK(off == m1.size);
        CHECK(n_rec == m1.n_records && n_batches == m1.n_batches);
        CHECK(next_idx == m1.n_idx); /* every index entry is a batch start */

        /* The truncated file is clean and scans the same. */
        int fd2 = fuzz_fd(data, (size_t)m1.size);
        SegmentMeta m3;
        segment_meta_init(&m3);
        const char *why3 = "unset";
        CHECK(segment_scan(fd2, m1.size, &h, &m3, &why3, NULL) == WEIR_OK);
        CHECK(why3 == NULL);
        fuzz_same(&m1, &m3);
        segment_meta_fini(&m3);
        close(fd2);

        if (m1.n_records && m1.size <= ((uint64_t)1 << 20))
            fz_cursor_check(data, (size_t)m1.size, data[size - 1]);
    } else {
        CHECK(m1.size == 0 && m1.n_records == 0 && why1 != NULL);
    }
    segment_meta_fini(&m1);
    segment_meta_fini(&m2);
    return 0;
}
