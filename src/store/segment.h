/*
 * segment.h: the on-disk format of weir's shard logs: segment files of CRC-checked record batches,
 * and the sparse index file written beside a sealed segment. Pure format code: encoding, decoding,
 * verification and scanning. It knows nothing of shards, locks, visibility or the catalog (those are
 * shard.c and store.c); docs/internals/store.md draws the byte layouts.
 *
 * A segment file is
 *     segment header (SEGMENT_HDR_LEN bytes) then batches, back to back, to the end of the file.
 * A batch is
 *     batch header (SEGMENT_BATCH_HDR_LEN bytes) then payload_len bytes of records, each record
 *     varint(seq - first_seq) varint(key_len) varint(data_len) key data.
 * The batch CRC32C covers the header bytes after the crc field and the whole payload, so a batch is
 * either entirely good or rejected: a reader never hands out a byte the CRC did not vouch for.
 * Integers are little-endian; varints are unsigned LEB128 (at most 10 bytes).
 *
 * Invariants a valid segment satisfies (segment_scan checks them all):
 *   1. header magic, version, length and header CRC are right (and match the expected uid/shard/base);
 *   2. every batch has the batch magic, n_records >= 1, first_seq <= last_seq, a payload that ends
 *      inside the file, a matching CRC, and records that decode exactly to the end of the payload
 *      with strictly increasing seqs from first_seq to last_seq;
 *   3. each batch's first_seq is greater than the previous batch's last_seq.
 * The first place any of these fails is the end of the valid data (a torn tail on recovery).
 */
#ifndef WEIR_STORE_SEGMENT_H
#define WEIR_STORE_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define SEGMENT_MAGIC "WEIRSEG1" /* 8 bytes at offset 0 of a segment file */
#define SEGMENT_VERSION 1
#define SEGMENT_HDR_LEN 48                 /* segment file header */
#define SEGMENT_BATCH_MAGIC 0x54414257u    /* "WBAT" as little-endian bytes */
#define SEGMENT_BATCH_HDR_LEN 40           /* batch header */
#define SEGMENT_BATCH_MAX (256u << 20)     /* largest payload accepted, bytes */
#define SEGMENT_RECORD_MAX (1u << 20)      /* key + data of one record (= STORE_MAX_RECORD) */
#define SEGMENT_INDEX_INTERVAL (64u << 10) /* a sparse index entry at least every this many bytes */
#define SEGMENT_INDEX_MAGIC "WEIRIDX1"
#define SEGMENT_INDEX_HDR_LEN 88
#define SEGMENT_INDEX_ENTRY_LEN 24
#define SEGMENT_VARINT_MAX 10

/* Identity written in a segment header (and an index header). */
typedef struct SegmentHeader {
    uint64_t uid;      /* stream uid */
    uint32_t shard;    /* shard index */
    uint64_t base_seq; /* lower bound of the seqs in the file; the file is named %020llu.seg of it */
} SegmentHeader;

/* A decoded batch header. */
typedef struct SegmentBatch {
    uint32_t payload_len; /* bytes of records after the header */
    uint32_t crc;
    uint32_t n_records;
    uint64_t first_seq;
    uint64_t last_seq;
    int64_t arrival_ms;
} SegmentBatch;

/* One sparse index entry: the batch starting at byte `off` has first seq `seq`; `arrival_ms` is the
 * newest arrival time of any batch up to and including it (so entries are sorted on both keys). */
typedef struct SegmentIndexEntry {
    uint64_t seq;
    int64_t arrival_ms;
    uint64_t off;
} SegmentIndexEntry;

/* What a segment holds, from a scan or from its index file. */
typedef struct SegmentMeta {
    uint64_t size; /* bytes of valid data: header plus whole good batches */
    uint64_t n_records;
    uint64_t n_batches;
    uint64_t first_seq; /* first/last record seq; valid when n_records > 0 */
    uint64_t last_seq;
    int64_t min_arrival_ms, max_arrival_ms; /* valid when n_records > 0 */
    SegmentIndexEntry *idx;                 /* n_idx entries, owned (free with segment_meta_fini) */
    uint32_t n_idx, cap_idx;
} SegmentMeta;

/* One decoded record: slices borrow the batch bytes. */
typedef struct SegmentRecord {
    uint64_t seq;
    Slice key;
    Slice data;
} SegmentRecord;

/* Walks the records of a verified batch payload. */
typedef struct SegmentRecordIter {
    const uint8_t *p, *end;
    uint64_t first_seq;
    uint32_t left;
} SegmentRecordIter;

/* --- little-endian and varint helpers ------------------------------------------------------------ */

static inline void segment_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void segment_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t segment_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t segment_get_u64(const uint8_t *p)
{
    return (uint64_t)segment_get_u32(p) | (uint64_t)segment_get_u32(p + 4) << 32;
}
static inline size_t segment_varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}
static inline uint8_t *segment_varint_put(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

/* --- segment header -------------------------------------------------------------------------- */

/* Write the SEGMENT_HDR_LEN-byte header of h into out. */
void segment_header_encode(uint8_t *out, const SegmentHeader *h);

/* Decode and check a header from n bytes at p. Returns WEIR_OK, or WEIR_ECORRUPT (short, bad magic,
 * version, length or CRC) with *why set to a static description. */
int segment_header_decode(const uint8_t *p, size_t n, SegmentHeader *h, const char **why) WEIR_WARN_UNUSED;

/* --- batches --------------------------------------------------------------------------------- */

/* Bytes one record takes in a payload. */
static inline size_t segment_record_len(uint64_t seq_delta, size_t key_len, size_t data_len)
{
    return segment_varint_len(seq_delta) + segment_varint_len(key_len) + segment_varint_len(data_len) +
           key_len + data_len;
}

/* Encode one record at out (segment_record_len bytes); returns the byte after it. */
uint8_t *segment_record_encode(uint8_t *out, uint64_t seq_delta, Slice key, Slice data);

/* Fill in the header of a batch whose payload (b->payload_len bytes) is already at
 * batch + SEGMENT_BATCH_HDR_LEN, computing the CRC. b->crc is set. */
void segment_batch_seal(uint8_t *batch, SegmentBatch *b);

/* Decode a batch header from SEGMENT_BATCH_HDR_LEN bytes at p and check what can be checked without
 * the payload (magic, n_records >= 1, first <= last, payload length plausible). Returns WEIR_OK or
 * WEIR_ECORRUPT with *why set. */
int segment_batch_decode(const uint8_t *p, SegmentBatch *b, const char **why) WEIR_WARN_UNUSED;

/* Verify a whole batch (header already decoded into b, bytes at p, SEGMENT_BATCH_HDR_LEN +
 * b->payload_len long): CRC, record encoding, seq order. Returns WEIR_OK or WEIR_ECORRUPT + *why. */
int segment_batch_verify(const uint8_t *p, const SegmentBatch *b, const char **why) WEIR_WARN_UNUSED;

/* Only the CRC part of segment_batch_verify: nonzero when the batch's bytes are the ones written. A
 * reader that walks the records itself (shard.c's cursor checks the record encoding in the same walk
 * that hands the records out) uses it instead of walking them twice. */
int segment_batch_crc_ok(const uint8_t *p, const SegmentBatch *b);

/* Iterate the records of a verified batch at p. */
void segment_record_iter_init(SegmentRecordIter *it, const uint8_t *batch, const SegmentBatch *b);

/* The general varint reader (any length up to 10 bytes); segment_varint_get inlines the short ones. */
int segment_varint_get__slow(const uint8_t **pp, const uint8_t *end, uint64_t *v);

/* Read an unsigned LEB128 varint from [*pp, end). Returns 0 and advances, or -1 if truncated or
 * longer than 64 bits. Inline because it runs three times per record on every read: nearly all
 * varints of a payload (key and data lengths, seq deltas within a batch) are one or two bytes. */
static inline int segment_varint_get(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    if (p < end && p[0] < 0x80) {
        *v = p[0];
        *pp = p + 1;
        return 0;
    }
    if (end - p >= 2 && p[1] < 0x80) {
        *v = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7;
        *pp = p + 2;
        return 0;
    }
    return segment_varint_get__slow(pp, end, v);
}

/* Returns 1 with *r filled, 0 at the end, -1 on a malformed record (only for unverified input).
 * Inline: readers call it once per record. */
static inline int segment_record_next(SegmentRecordIter *it, SegmentRecord *r)
{
    if (it->left == 0)
        return 0;
    uint64_t delta, klen, dlen;
    if (segment_varint_get(&it->p, it->end, &delta) || segment_varint_get(&it->p, it->end, &klen) ||
        segment_varint_get(&it->p, it->end, &dlen))
        return -1;
    if (klen > SEGMENT_RECORD_MAX || dlen > SEGMENT_RECORD_MAX || klen + dlen > SEGMENT_RECORD_MAX ||
        klen + dlen > (uint64_t)(it->end - it->p) || delta > UINT64_MAX - it->first_seq)
        return -1;
    r->seq = it->first_seq + delta;
    r->key = (Slice){it->p, (size_t)klen};
    r->data = (Slice){it->p + klen, (size_t)dlen};
    it->p += klen + dlen;
    it->left--;
    return 1;
}

/* --- buffered reading ----------------------------------------------------------------------- */

/* A window over a file, refilled with pread. p/cap is a caller-provided buffer that
 * segment_reader_get may replace with a bigger one (the caller frees the final p). */
typedef struct SegmentReader {
    int fd;
    uint64_t limit; /* never read at or past this file offset */
    uint8_t *p;
    size_t cap;
    uint64_t off; /* file offset of p[0] */
    size_t len;   /* valid bytes at p */
} SegmentReader;

/* Bytes [off, off+n) of the file, where off + n <= r->limit. Returns a pointer into the window, or
 * NULL with *eof = 1 (the file is shorter than limit) or *eof = 0 and errno set (read error). */
const uint8_t *segment_reader_get(SegmentReader *r, uint64_t off, size_t n, int *eof);

/* --- scanning (recovery) ------------------------------------------------------------------- */

void segment_meta_init(SegmentMeta *m);
void segment_meta_fini(SegmentMeta *m);
/* Add an index entry for a batch at off (callers decide when: see segment_index_due). */
void segment_meta_index_push(SegmentMeta *m, uint64_t seq, int64_t arrival_ms, uint64_t off);
/* Nonzero if a batch starting at off should get an index entry (first batch, or far enough). */
static inline int segment_index_due(const SegmentMeta *m, uint64_t off)
{
    return m->n_idx == 0 || off - m->idx[m->n_idx - 1].off >= SEGMENT_INDEX_INTERVAL;
}
/* Account a good batch of b at off into m (counts, seqs, arrivals, index). */
void segment_meta_add_batch(SegmentMeta *m, const SegmentBatch *b, uint64_t off);

/* Scan the segment file open on fd (file_size bytes) from its start, verifying the header (and, if
 * expect is non-NULL, that it names the same uid/shard/base) and every batch with its CRC, stopping at
 * the first failure. On WEIR_OK, *m (initialised by the caller) describes the valid prefix: m->size
 * is where good data ends (0 if the header itself is bad), and *why (if not NULL) says why the scan
 * stopped before file_size, or is NULL when the whole file is good. WEIR_EIO if a read fails. */
int segment_scan(int fd, uint64_t file_size, const SegmentHeader *expect, SegmentMeta *m, const char **why,
                 Err *e) WEIR_WARN_UNUSED;

/* --- index files ----------------------------------------------------------------------------- */

/* Write the index of a sealed segment (h's identity, m's meta and entries) to path, via path.tmp and
 * rename. Not fsynced: a lost or torn index is detected on load and rebuilt by scanning. WEIR_EIO. */
int segment_index_write(const char *path, const SegmentHeader *h, const SegmentMeta *m,
                        Err *e) WEIR_WARN_UNUSED;

/* Load the index at path into *m (initialised by the caller) if it is intact, names h's identity and
 * describes exactly seg_size bytes. WEIR_OK, WEIR_ENOTFOUND (no file), WEIR_ECORRUPT (anything
 * else wrong: the caller then scans the segment instead). */
int segment_index_load(const char *path, const SegmentHeader *h, uint64_t seg_size, SegmentMeta *m,
                       Err *e) WEIR_WARN_UNUSED;

#endif
