/*
 * segment.c: encode, decode, verify and scan weir's segment files and their index files (the byte
 * layouts are in segment.h and docs/internals/store.md). Pure format code over byte buffers and file
 * descriptors: no locks, no global state, so the fuzzer (fuzz/segment.c) drives it directly.
 *
 * segment_scan is recovery's workhorse: it reads a file sequentially through one buffer (grown only
 * for a batch larger than the buffer), verifies every batch's CRC and record encoding, and stops at
 * the first bad byte. It never trusts a length before checking it against the file size, so a
 * corrupt length cannot make it allocate or read beyond the file.
 */
#include "store/segment.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "base/fsio.h"

#define SEGMENT_SCAN_BUF (1u << 20)

/* ------------------------------------------------------------------------------------------------
 * Segment header: magic[8] version u32 hdr_len u32 uid u64 shard u32 reserved u32 base_seq u64
 *                 reserved u32, crc32c u32 (of bytes 0..43)
 * ------------------------------------------------------------------------------------------------ */

void segment_header_encode(uint8_t *out, const SegmentHeader *h)
{
    memset(out, 0, SEGMENT_HDR_LEN);
    memcpy(out, SEGMENT_MAGIC, 8);
    segment_put_u32(out + 8, SEGMENT_VERSION);
    segment_put_u32(out + 12, SEGMENT_HDR_LEN);
    segment_put_u64(out + 16, h->uid);
    segment_put_u32(out + 24, h->shard);
    segment_put_u64(out + 32, h->base_seq);
    segment_put_u32(out + 44, crc32c(out, 44));
}

int segment_header_decode(const uint8_t *p, size_t n, SegmentHeader *h, const char **why)
{
    if (n < SEGMENT_HDR_LEN) {
        *why = "file shorter than the segment header";
        return WEIR_ECORRUPT;
    }
    if (memcmp(p, SEGMENT_MAGIC, 8) != 0) {
        *why = "bad segment magic";
        return WEIR_ECORRUPT;
    }
    if (segment_get_u32(p + 44) != crc32c(p, 44)) {
        *why = "segment header CRC mismatch";
        return WEIR_ECORRUPT;
    }
    if (segment_get_u32(p + 8) != SEGMENT_VERSION || segment_get_u32(p + 12) != SEGMENT_HDR_LEN) {
        *why = "unsupported segment version";
        return WEIR_ECORRUPT;
    }
    h->uid = segment_get_u64(p + 16);
    h->shard = segment_get_u32(p + 24);
    h->base_seq = segment_get_u64(p + 32);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Batches: magic u32 payload_len u32 crc u32 n_records u32 first_seq u64 last_seq u64 arrival i64,
 * then records. The CRC covers bytes 12..39 of the header and the payload.
 * ------------------------------------------------------------------------------------------------ */

uint8_t *segment_record_encode(uint8_t *out, uint64_t seq_delta, Slice key, Slice data)
{
    out = segment_varint_put(out, seq_delta);
    out = segment_varint_put(out, key.n);
    out = segment_varint_put(out, data.n);
    if (key.n)
        memcpy(out, key.p, key.n);
    out += key.n;
    if (data.n)
        memcpy(out, data.p, data.n);
    return out + data.n;
}

void segment_batch_seal(uint8_t *batch, SegmentBatch *b)
{
    segment_put_u32(batch, SEGMENT_BATCH_MAGIC);
    segment_put_u32(batch + 4, b->payload_len);
    segment_put_u32(batch + 12, b->n_records);
    segment_put_u64(batch + 16, b->first_seq);
    segment_put_u64(batch + 24, b->last_seq);
    segment_put_u64(batch + 32, (uint64_t)b->arrival_ms);
    b->crc = crc32c(batch + 12, SEGMENT_BATCH_HDR_LEN - 12 + (size_t)b->payload_len);
    segment_put_u32(batch + 8, b->crc);
}

int segment_batch_decode(const uint8_t *p, SegmentBatch *b, const char **why)
{
    if (segment_get_u32(p) != SEGMENT_BATCH_MAGIC) {
        *why = "bad batch magic";
        return WEIR_ECORRUPT;
    }
    b->payload_len = segment_get_u32(p + 4);
    b->crc = segment_get_u32(p + 8);
    b->n_records = segment_get_u32(p + 12);
    b->first_seq = segment_get_u64(p + 16);
    b->last_seq = segment_get_u64(p + 24);
    b->arrival_ms = (int64_t)segment_get_u64(p + 32);
    if (b->payload_len > SEGMENT_BATCH_MAX) {
        *why = "batch length too large";
        return WEIR_ECORRUPT;
    }
    /* Each record is at least three one-byte varints. */
    if (b->n_records == 0 || (uint64_t)b->n_records * 3 > b->payload_len) {
        *why = "bad batch record count";
        return WEIR_ECORRUPT;
    }
    if (b->first_seq > b->last_seq || b->last_seq - b->first_seq < (uint64_t)b->n_records - 1) {
        *why = "bad batch sequence range";
        return WEIR_ECORRUPT;
    }
    return WEIR_OK;
}

int segment_varint_get__slow(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (p >= end)
            return -1;
        uint8_t c = *p++;
        if (shift == 63 && c > 1)
            return -1;
        x |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *pp = p;
            *v = x;
            return 0;
        }
    }
    return -1;
}

void segment_record_iter_init(SegmentRecordIter *it, const uint8_t *batch, const SegmentBatch *b)
{
    it->p = batch + SEGMENT_BATCH_HDR_LEN;
    it->end = it->p + b->payload_len;
    it->first_seq = b->first_seq;
    it->left = b->n_records;
}

int segment_batch_crc_ok(const uint8_t *p, const SegmentBatch *b)
{
    return crc32c(p + 12, SEGMENT_BATCH_HDR_LEN - 12 + (size_t)b->payload_len) == b->crc;
}

int segment_batch_verify(const uint8_t *p, const SegmentBatch *b, const char **why)
{
    if (!segment_batch_crc_ok(p, b)) {
        *why = "batch CRC mismatch";
        return WEIR_ECORRUPT;
    }
    SegmentRecordIter it;
    segment_record_iter_init(&it, p, b);
    SegmentRecord r;
    uint64_t prev = 0;
    uint32_t i = 0;
    int rc;
    while ((rc = segment_record_next(&it, &r)) == 1) {
        if ((i == 0 && r.seq != b->first_seq) || (i > 0 && r.seq <= prev) || r.seq > b->last_seq) {
            *why = "batch record sequence out of order";
            return WEIR_ECORRUPT;
        }
        prev = r.seq;
        i++;
    }
    if (rc < 0) {
        *why = "bad record encoding";
        return WEIR_ECORRUPT;
    }
    if (it.p != it.end || prev != b->last_seq) {
        *why = "batch records do not fill the payload";
        return WEIR_ECORRUPT;
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Meta and scanning
 * ------------------------------------------------------------------------------------------------ */

void segment_meta_init(SegmentMeta *m)
{
    memset(m, 0, sizeof(*m));
}

void segment_meta_fini(SegmentMeta *m)
{
    free(m->idx);
    segment_meta_init(m);
}

void segment_meta_index_push(SegmentMeta *m, uint64_t seq, int64_t arrival_ms, uint64_t off)
{
    if (m->n_idx == m->cap_idx) {
        m->cap_idx = m->cap_idx ? m->cap_idx * 2 : 16;
        m->idx = xrealloc(m->idx, (size_t)m->cap_idx * sizeof(*m->idx));
    }
    m->idx[m->n_idx++] = (SegmentIndexEntry){seq, arrival_ms, off};
}

void segment_meta_add_batch(SegmentMeta *m, const SegmentBatch *b, uint64_t off)
{
    if (m->n_records == 0) {
        m->first_seq = b->first_seq;
        m->min_arrival_ms = m->max_arrival_ms = b->arrival_ms;
    }
    if (b->arrival_ms < m->min_arrival_ms)
        m->min_arrival_ms = b->arrival_ms;
    if (b->arrival_ms > m->max_arrival_ms)
        m->max_arrival_ms = b->arrival_ms;
    if (segment_index_due(m, off))
        segment_meta_index_push(m, b->first_seq, m->max_arrival_ms, off);
    m->last_seq = b->last_seq;
    m->n_records += b->n_records;
    m->n_batches++;
    m->size = off + SEGMENT_BATCH_HDR_LEN + b->payload_len;
}

const uint8_t *segment_reader_get(SegmentReader *r, uint64_t off, size_t n, int *eof)
{
    *eof = 0;
    if (off >= r->off && off + n <= r->off + r->len)
        return r->p + (off - r->off);
    if (n > r->cap) {
        free(r->p);
        r->cap = n;
        r->p = xmalloc(r->cap);
        r->len = 0;
    }
    /* Keep whatever part of the window is still wanted, then refill behind it. */
    if (off >= r->off && off < r->off + r->len) {
        size_t keep = (size_t)(r->off + r->len - off);
        memmove(r->p, r->p + (off - r->off), keep);
        r->len = keep;
    } else {
        r->len = 0;
    }
    r->off = off;
    uint64_t rest = r->limit - off;
    size_t want = rest < r->cap ? (size_t)rest : r->cap;
    while (r->len < n) {
        ssize_t got = pread(r->fd, r->p + r->len, want - r->len, (off_t)(off + r->len));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return NULL;
        }
        if (got == 0) {
            *eof = 1;
            return NULL;
        }
        r->len += (size_t)got;
    }
    return r->p;
}

int segment_scan(int fd, uint64_t file_size, const SegmentHeader *expect, SegmentMeta *m, const char **why,
                 Err *e)
{
    const char *stop = NULL;
    SegmentReader sb = {.fd = fd, .limit = file_size};
    sb.cap = file_size < SEGMENT_SCAN_BUF ? (size_t)(file_size < 64 ? 64 : file_size) : SEGMENT_SCAN_BUF;
    sb.p = xmalloc(sb.cap);
    int rc = WEIR_OK, eof;
    m->size = 0;

    SegmentHeader h;
    const uint8_t *p = NULL;
    if (file_size < SEGMENT_HDR_LEN) {
        stop = "file shorter than the segment header";
        goto done;
    }
    p = segment_reader_get(&sb, 0, SEGMENT_HDR_LEN, &eof);
    if (!p) {
        if (eof) {
            stop = "file shorter than the segment header";
            goto done;
        }
        rc = err_set(e, WEIR_EIO, "read segment header: %s", strerror(errno));
        goto done;
    }
    if (segment_header_decode(p, SEGMENT_HDR_LEN, &h, &stop) != WEIR_OK)
        goto done;
    if (expect && (h.uid != expect->uid || h.shard != expect->shard || h.base_seq != expect->base_seq)) {
        stop = "segment header names another stream, shard or base";
        goto done;
    }
    m->size = SEGMENT_HDR_LEN;

    uint64_t off = SEGMENT_HDR_LEN;
    int have_prev = 0;
    uint64_t prev_last = 0;
    while (off < file_size) {
        if (file_size - off < SEGMENT_BATCH_HDR_LEN) {
            stop = "truncated batch header";
            break;
        }
        p = segment_reader_get(&sb, off, SEGMENT_BATCH_HDR_LEN, &eof);
        if (!p)
            goto read_failed;
        SegmentBatch b;
        if (segment_batch_decode(p, &b, &stop) != WEIR_OK)
            break;
        if ((uint64_t)b.payload_len > file_size - off - SEGMENT_BATCH_HDR_LEN) {
            stop = "batch length past end of file";
            break;
        }
        if (have_prev && b.first_seq <= prev_last) {
            stop = "batch sequence not above the previous batch";
            break;
        }
        p = segment_reader_get(&sb, off, SEGMENT_BATCH_HDR_LEN + (size_t)b.payload_len, &eof);
        if (!p)
            goto read_failed;
        if (segment_batch_verify(p, &b, &stop) != WEIR_OK)
            break;
        segment_meta_add_batch(m, &b, off);
        have_prev = 1;
        prev_last = b.last_seq;
        off += SEGMENT_BATCH_HDR_LEN + (uint64_t)b.payload_len;
    }
    goto done;

read_failed:
    if (eof)
        stop = "file ended early";
    else
        rc = err_set(e, WEIR_EIO, "read segment: %s", strerror(errno));
done:
    free(sb.p);
    if (why)
        *why = stop;
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Index files: magic[8] version u32 n_entries u32 uid u64 shard u32 reserved u32 base_seq u64
 *   seg_size u64 n_records u64 first_seq u64 last_seq u64 min_arrival i64 max_arrival i64  (88 bytes)
 *   then n_entries x (seq u64, arrival i64, off u64), then crc32c u32 of everything before it.
 * ------------------------------------------------------------------------------------------------ */

int segment_index_write(const char *path, const SegmentHeader *h, const SegmentMeta *m, Err *e)
{
    size_t len = SEGMENT_INDEX_HDR_LEN + (size_t)m->n_idx * SEGMENT_INDEX_ENTRY_LEN + 4;
    uint8_t *buf = xcalloc(1, len);
    memcpy(buf, SEGMENT_INDEX_MAGIC, 8);
    segment_put_u32(buf + 8, 1);
    segment_put_u32(buf + 12, m->n_idx);
    segment_put_u64(buf + 16, h->uid);
    segment_put_u32(buf + 24, h->shard);
    segment_put_u64(buf + 32, h->base_seq);
    segment_put_u64(buf + 40, m->size);
    segment_put_u64(buf + 48, m->n_records);
    segment_put_u64(buf + 56, m->first_seq);
    segment_put_u64(buf + 64, m->last_seq);
    segment_put_u64(buf + 72, (uint64_t)m->min_arrival_ms);
    segment_put_u64(buf + 80, (uint64_t)m->max_arrival_ms);
    uint8_t *q = buf + SEGMENT_INDEX_HDR_LEN;
    for (uint32_t i = 0; i < m->n_idx; i++, q += SEGMENT_INDEX_ENTRY_LEN) {
        segment_put_u64(q, m->idx[i].seq);
        segment_put_u64(q + 8, (uint64_t)m->idx[i].arrival_ms);
        segment_put_u64(q + 16, m->idx[i].off);
    }
    segment_put_u32(q, crc32c(buf, len - 4));

    char tmp[4096];
    int rc = WEIR_OK;
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        free(buf);
        return err_set(e, WEIR_EIO, "index path too long: %s", path);
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = err_set(e, WEIR_EIO, "create %s: %s", tmp, strerror(errno));
    } else {
        if (fsio_write_all(fd, buf, len) != 0)
            rc = err_set(e, WEIR_EIO, "write %s: %s", tmp, strerror(errno));
        if (close(fd) != 0 && rc == WEIR_OK)
            rc = err_set(e, WEIR_EIO, "close %s: %s", tmp, strerror(errno));
        if (rc == WEIR_OK && rename(tmp, path) != 0)
            rc = err_set(e, WEIR_EIO, "rename %s: %s", tmp, strerror(errno));
        if (rc != WEIR_OK)
            unlink(tmp);
    }
    free(buf);
    return rc;
}

int segment_index_load(const char *path, const SegmentHeader *h, uint64_t seg_size, SegmentMeta *m, Err *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return WEIR_ENOTFOUND;
        return err_set(e, WEIR_ECORRUPT, "open %s: %s", path, strerror(errno));
    }
    off_t end = lseek(fd, 0, SEEK_END);
    int rc = WEIR_ECORRUPT;
    uint8_t *buf = NULL;
    const char *why = "index too short";
    if (end < (off_t)(SEGMENT_INDEX_HDR_LEN + 4) || end > (off_t)(64u << 20))
        goto out;
    size_t len = (size_t)end;
    buf = xmalloc(len);
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            why = "index read failed";
            goto out;
        }
        got += (size_t)r;
    }
    why = "index header or CRC mismatch";
    if (memcmp(buf, SEGMENT_INDEX_MAGIC, 8) != 0 || segment_get_u32(buf + 8) != 1 ||
        segment_get_u32(buf + len - 4) != crc32c(buf, len - 4))
        goto out;
    uint32_t n = segment_get_u32(buf + 12);
    if ((uint64_t)n * SEGMENT_INDEX_ENTRY_LEN != len - SEGMENT_INDEX_HDR_LEN - 4)
        goto out;
    why = "index names another segment";
    if (segment_get_u64(buf + 16) != h->uid || segment_get_u32(buf + 24) != h->shard ||
        segment_get_u64(buf + 32) != h->base_seq)
        goto out;
    why = "index describes a different file size";
    if (segment_get_u64(buf + 40) != seg_size)
        goto out;
    m->size = seg_size;
    m->n_records = segment_get_u64(buf + 48);
    m->first_seq = segment_get_u64(buf + 56);
    m->last_seq = segment_get_u64(buf + 64);
    m->min_arrival_ms = (int64_t)segment_get_u64(buf + 72);
    m->max_arrival_ms = (int64_t)segment_get_u64(buf + 80);
    why = "index entries out of order";
    const uint8_t *q = buf + SEGMENT_INDEX_HDR_LEN;
    for (uint32_t i = 0; i < n; i++, q += SEGMENT_INDEX_ENTRY_LEN) {
        SegmentIndexEntry en = {segment_get_u64(q), (int64_t)segment_get_u64(q + 8), segment_get_u64(q + 16)};
        if (en.off < SEGMENT_HDR_LEN || en.off >= seg_size ||
            (m->n_idx && (en.off <= m->idx[m->n_idx - 1].off || en.seq <= m->idx[m->n_idx - 1].seq))) {
            segment_meta_fini(m);
            goto out;
        }
        segment_meta_index_push(m, en.seq, en.arrival_ms, en.off);
    }
    if ((m->n_records == 0) != (n == 0) || (m->n_records && m->first_seq > m->last_seq)) {
        segment_meta_fini(m);
        goto out;
    }
    rc = WEIR_OK;
out:
    if (rc != WEIR_OK)
        err_set(e, rc, "index %s: %s", path, why);
    free(buf);
    close(fd);
    return rc;
}
