/*
 * fuzz/segment.c: libFuzzer target for the segment file format (src/store/segment.c), the bytes
 * recovery reads after a crash. The input is a whole segment file, placed in a memfd and scanned the
 * way store_open scans a shard's tail. Invariants checked on every input:
 *   1. the scan never fails on a readable file and never reports more valid bytes than exist;
 *   2. every batch inside the valid prefix decodes, passes its CRC and record checks, and the
 *      records add up to what the scan counted (nothing corrupt is ever accepted);
 *   3. scanning twice gives the same result, and scanning the file cut at the valid end gives the
 *      same result with no complaint (recovery's truncation is a fixed point);
 *   4. the sparse index points at batch starts inside the valid prefix, in seq order.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "store/segment.h"

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
    } else {
        CHECK(m1.size == 0 && m1.n_records == 0 && why1 != NULL);
    }
    segment_meta_fini(&m1);
    segment_meta_fini(&m2);
    return 0;
}
