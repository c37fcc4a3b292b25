/*
 * test_segment.c: unit tests of src/store/segment.c, the on-disk format: header and batch round
 * trips, every single-byte corruption of a batch is caught, a scan of a file cut at every length stops
 * at the last whole batch, index files round trip and are rejected when stale or damaged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */
#include <sys/mman.h>

#include "store/segment.h"
#include "store_test.h"

/* Build a segment image: header then n_batches batches of recs_per records with seqs spaced by 3. */
static uint8_t *build_segment(size_t n_batches, size_t recs_per, size_t *len_out, uint64_t *batch_ends)
{
    Buf b;
    buf_init(&b, 0);
    uint8_t hdr[SEGMENT_HDR_LEN];
    SegmentHeader h = {7, 3, 100};
    segment_header_encode(hdr, &h);
    assert_int_equal(buf_append(&b, hdr, sizeof(hdr)), WEIR_OK);
    uint64_t seq = 100;
    for (size_t k = 0; k < n_batches; k++) {
        size_t at = b.len;
        uint8_t zero[SEGMENT_BATCH_HDR_LEN] = {0};
        assert_int_equal(buf_append(&b, zero, sizeof(zero)), WEIR_OK);
        uint64_t first = seq;
        for (size_t r = 0; r < recs_per; r++) {
            char key[16], data[64];
            int kn = snprintf(key, sizeof(key), "key%zu", r);
            int dn = snprintf(data, sizeof(data), "data-%zu-%zu", k, r);
            uint8_t rec[128];
            uint8_t *end = segment_record_encode(rec, seq - first, (Slice){(const uint8_t *)key, (size_t)kn},
                                                 (Slice){(const uint8_t *)data, (size_t)dn});
            assert_int_equal((size_t)(end - rec), segment_record_len(seq - first, (size_t)kn, (size_t)dn));
            assert_int_equal(buf_append(&b, rec, (size_t)(end - rec)), WEIR_OK);
            seq += 3;
        }
        SegmentBatch sb = {.payload_len = (uint32_t)(b.len - at - SEGMENT_BATCH_HDR_LEN),
                           .n_records = (uint32_t)recs_per,
                           .first_seq = first,
                           .last_seq = seq - 3,
                           .arrival_ms = 1000 + (int64_t)k};
        segment_batch_seal(b.p + at, &sb);
        if (batch_ends)
            batch_ends[k] = b.len;
    }
    *len_out = b.len;
    size_t len;
    return buf_steal(&b, &len);
}

static int mem_fd(const uint8_t *p, size_t n)
{
    int fd = memfd_create("seg", 0);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    return fd;
}

static void test_header_roundtrip(void **state)
{
    UNUSED(state);
    uint8_t hdr[SEGMENT_HDR_LEN];
    SegmentHeader h = {123456789, 42, 987654321}, g;
    segment_header_encode(hdr, &h);
    const char *why = NULL;
    assert_int_equal(segment_header_decode(hdr, sizeof(hdr), &g, &why), WEIR_OK);
    assert_true(g.uid == h.uid && g.shard == h.shard && g.base_seq == h.base_seq);
    assert_int_equal(segment_header_decode(hdr, SEGMENT_HDR_LEN - 1, &g, &why), WEIR_ECORRUPT);
    for (size_t i = 0; i < SEGMENT_HDR_LEN; i++) {
        hdr[i] ^= 1;
        assert_int_equal(segment_header_decode(hdr, sizeof(hdr), &g, &why), WEIR_ECORRUPT);
        hdr[i] ^= 1;
    }
}

static void test_batch_roundtrip(void **state)
{
    UNUSED(state);
    size_t len;
    uint8_t *img = build_segment(1, 5, &len, NULL);
    const uint8_t *p = img + SEGMENT_HDR_LEN;
    SegmentBatch b;
    const char *why = NULL;
    assert_int_equal(segment_batch_decode(p, &b, &why), WEIR_OK);
    assert_int_equal(b.n_records, 5);
    assert_int_equal(b.first_seq, 100);
    assert_int_equal(b.last_seq, 112);
    assert_int_equal(b.arrival_ms, 1000);
    assert_int_equal(segment_batch_verify(p, &b, &why), WEIR_OK);
    SegmentRecordIter it;
    SegmentRecord r;
    segment_record_iter_init(&it, p, &b);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(segment_record_next(&it, &r), 1);
        assert_int_equal(r.seq, 100 + 3 * (uint64_t)i);
        char key[16], data[64];
        snprintf(key, sizeof(key), "key%d", i);
        snprintf(data, sizeof(data), "data-0-%d", i);
        assert_true(slice_eq_cstr(r.key, key));
        assert_true(slice_eq_cstr(r.data, data));
    }
    assert_int_equal(segment_record_next(&it, &r), 0);
    free(img);
}

/* Flip each byte of a one-batch segment: the scan never accepts the batch. */
static void test_every_byte_flip_detected(void **state)
{
    UNUSED(state);
    size_t len;
    uint8_t *img = build_segment(1, 4, &len, NULL);
    for (size_t i = 0; i < len; i++) {
        img[i] ^= 0x40;
        int fd = mem_fd(img, len);
        SegmentMeta m;
        segment_meta_init(&m);
        const char *why = NULL;
        Err e;
        err_clear(&e);
        assert_int_equal(segment_scan(fd, len, NULL, &m, &why, &e), WEIR_OK);
        assert_non_null(why);
        assert_int_equal(m.n_records, 0);
        assert_true(m.size == 0 || m.size == SEGMENT_HDR_LEN);
        segment_meta_fini(&m);
        close(fd);
        img[i] ^= 0x40;
    }
    free(img);
}

/* Cut the file at every length: the scan keeps exactly the whole batches before the cut. */
static void test_scan_truncated_everywhere(void **state)
{
    UNUSED(state);
    size_t len;
    uint64_t ends[6];
    uint8_t *img = build_segment(6, 7, &len, ends);
    for (size_t cut = 0; cut <= len; cut++) {
        int fd = mem_fd(img, cut);
        SegmentMeta m;
        segment_meta_init(&m);
        const char *why = NULL;
        Err e;
        err_clear(&e);
        SegmentHeader h = {7, 3, 100};
        assert_int_equal(segment_scan(fd, cut, &h, &m, &why, &e), WEIR_OK);
        uint64_t want = cut < SEGMENT_HDR_LEN ? 0 : SEGMENT_HDR_LEN;
        size_t nb = 0;
        for (size_t k = 0; k < 6; k++)
            if (ends[k] <= cut) {
                want = ends[k];
                nb = k + 1;
            }
        assert_int_equal(m.size, want);
        assert_int_equal(m.n_records, nb * 7);
        assert_int_equal(m.n_batches, nb);
        assert_true((why == NULL) == (cut == want && cut >= SEGMENT_HDR_LEN));
        if (nb) {
            assert_int_equal(m.first_seq, 100);
            assert_int_equal(m.last_seq, 100 + (nb * 7 - 1) * 3);
            assert_int_equal(m.max_arrival_ms, 1000 + (int64_t)nb - 1);
            assert_true(m.n_idx >= 1);
            assert_int_equal(m.idx[0].off, SEGMENT_HDR_LEN);
        }
        segment_meta_fini(&m);
        close(fd);
    }
    /* A header naming another shard is rejected as a whole. */
    int fd = mem_fd(img, len);
    SegmentMeta m;
    segment_meta_init(&m);
    const char *why = NULL;
    SegmentHeader other = {7, 4, 100};
    assert_int_equal(segment_scan(fd, len, &other, &m, &why, NULL), WEIR_OK);
    assert_int_equal(m.size, 0);
    assert_non_null(why);
    segment_meta_fini(&m);
    close(fd);
    free(img);
}

static void test_index_file(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    size_t len;
    uint8_t *img = build_segment(4, 3, &len, NULL);
    int fd = mem_fd(img, len);
    SegmentMeta m;
    segment_meta_init(&m);
    SegmentHeader h = {7, 3, 100};
    assert_int_equal(segment_scan(fd, len, &h, &m, NULL, NULL), WEIR_OK);
    close(fd);
    char path[4200];
    snprintf(path, sizeof(path), "%s/x.idx", dir);
    Err e;
    err_clear(&e);
    SegmentMeta g;
    segment_meta_init(&g);
    assert_int_equal(segment_index_load(path, &h, len, &g, &e), WEIR_ENOTFOUND);
    assert_int_equal(segment_index_write(path, &h, &m, &e), WEIR_OK);
    assert_int_equal(segment_index_load(path, &h, len, &g, &e), WEIR_OK);
    assert_int_equal(g.n_records, m.n_records);
    assert_int_equal(g.first_seq, m.first_seq);
    assert_int_equal(g.last_seq, m.last_seq);
    assert_int_equal(g.max_arrival_ms, m.max_arrival_ms);
    assert_int_equal(g.n_idx, m.n_idx);
    assert_memory_equal(g.idx, m.idx, m.n_idx * sizeof(*m.idx));
    segment_meta_fini(&g);
    /* Stale (file size differs), another identity, damaged: all rejected. */
    err_clear(&e);
    assert_int_equal(segment_index_load(path, &h, len + 1, &g, &e), WEIR_ECORRUPT);
    SegmentHeader h2 = {7, 3, 101};
    err_clear(&e);
    assert_int_equal(segment_index_load(path, &h2, len, &g, &e), WEIR_ECORRUPT);
    t_flip_byte(path, 50);
    err_clear(&e);
    assert_int_equal(segment_index_load(path, &h, len, &g, &e), WEIR_ECORRUPT);
    segment_meta_fini(&g);
    segment_meta_fini(&m);
    free(img);
    t_dir_remove(&dir);
}

static void test_varint_edges(void **state)
{
    UNUSED(state);
    uint64_t vals[] = {0, 1, 127, 128, 16383, 16384, UINT32_MAX, UINT64_MAX - 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        uint8_t buf[SEGMENT_VARINT_MAX + 8];
        uint8_t *end = segment_varint_put(buf, vals[i]);
        assert_int_equal((size_t)(end - buf), segment_varint_len(vals[i]));
        /* Decode through a one-record batch with this delta. */
        uint8_t batch[SEGMENT_BATCH_HDR_LEN + 64];
        uint8_t *q =
            segment_record_encode(batch + SEGMENT_BATCH_HDR_LEN, vals[i], SLICE_LIT("k"), SLICE_LIT("v"));
        SegmentBatch b = {.payload_len = (uint32_t)(q - batch - SEGMENT_BATCH_HDR_LEN),
                          .n_records = 1,
                          .first_seq = 0,
                          .last_seq = vals[i]};
        segment_batch_seal(batch, &b);
        const char *why = NULL;
        if (vals[i] == 0) {
            assert_int_equal(segment_batch_verify(batch, &b, &why), WEIR_OK);
        } else {
            /* the first record's seq must equal first_seq */
            assert_int_equal(segment_batch_verify(batch, &b, &why), WEIR_ECORRUPT);
        }
        SegmentRecordIter it;
        SegmentRecord r;
        segment_record_iter_init(&it, batch, &b);
        assert_int_equal(segment_record_next(&it, &r), 1);
        assert_true(r.seq == vals[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_header_roundtrip, t_teardown),
        cmocka_unit_test_teardown(test_batch_roundtrip, t_teardown),
        cmocka_unit_test_teardown(test_every_byte_flip_detected, t_teardown),
        cmocka_unit_test_teardown(test_scan_truncated_everywhere, t_teardown),
        cmocka_unit_test_teardown(test_index_file, t_teardown),
        cmocka_unit_test_teardown(test_varint_edges, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
