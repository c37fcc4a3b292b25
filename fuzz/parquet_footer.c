/*
 * fuzz/parquet_footer.c: libFuzzer target for the Thrift compact reader (src/sink/thrift.c) over Parquet
 * footers, and for the Parquet writer (src/sink/parquet.c) fed values made from the input. The first
 * input byte picks the mode:
 *
 *   0 mod 3   the rest is a Parquet file: its footer is parsed (magic, length, FileMetaData), then every
 *             column chunk's page headers are parsed where the metadata says they are, with every
 *             offset bounds-checked first (as a reader must before trusting a hostile file);
 *   1 mod 3   the rest is one Thrift struct (the reader alone, any field types and nesting);
 *   2 mod 3   the rest is cut into rows of (int8, text, float8, bool) values that a writer (codec and
 *             page/row-group sizes from the second byte) writes; the file it makes must then parse in
 *             mode 0 with num_rows equal to the rows written.
 *
 * Invariants on every input: nothing crashes or leaks; a successful parse consumes at most the bytes
 * given; a failed one says WEIR_EPARSE (or WEIR_ENOMEM at the arena's budget).
 * Seeds: fuzz/corpus/parquet_footer, files the writer made (tests/unit/sink/test_parquet.c PQ_DUMP).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sink/parquet.h"
#include "sink/thrift.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/parquet_footer: check failed: %s (line %d)", #x, __LINE__);                     \
    } while (0)

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parse a file's footer and page headers; returns num_rows, or -1 when the file is not readable. */
static int64_t read_file(const uint8_t *f, size_t n)
{
    if (n < 12 || memcmp(f, "PAR1", 4) != 0 || memcmp(f + n - 4, "PAR1", 4) != 0)
        return -1;
    uint32_t flen = le32(f + n - 8);
    if (flen > n - 12)
        return -1;
    Arena *a = arena_create(NULL, (size_t)64 << 20);
    ThriftValue fmd;
    size_t used = 0;
    Err e;
    err_clear(&e);
    int64_t rows = -1;
    if (thrift_read_struct(f + n - 8 - flen, flen, a, &fmd, &used, &e) != WEIR_OK) {
        CHECK(e.code == WEIR_EPARSE || e.code == WEIR_ENOMEM);
        arena_destroy(&a);
        return -1;
    }
    CHECK(used <= flen);
    rows = thrift_get_int(&fmd, 3, -1);
    const ThriftValue *rgs = thrift_get(&fmd, 4);
    for (uint32_t g = 0; rgs && rgs->type == THRIFT_LIST && g < rgs->u.list.n; g++) {
        const ThriftValue *cols = thrift_get(&rgs->u.list.v[g], 1);
        for (uint32_t c = 0; cols && cols->type == THRIFT_LIST && c < cols->u.list.n; c++) {
            const ThriftValue *md = thrift_get(&cols->u.list.v[c], 3);
            int64_t off = thrift_get_int(md, 11, thrift_get_int(md, 9, -1));
            int64_t len = thrift_get_int(md, 7, -1);
            if (off < 4 || len < 0 || (uint64_t)off > n - 8 - flen ||
                (uint64_t)len > n - 8 - flen - (uint64_t)off)
                continue; /* a reader refuses such a chunk */
            const uint8_t *p = f + off, *end = p + len;
            for (int pages = 0; p < end && pages < 1000; pages++) {
                ThriftValue ph;
                err_clear(&e);
                if (thrift_read_struct(p, (size_t)(end - p), a, &ph, &used, &e) != WEIR_OK)
                    break;
                CHECK(used <= (size_t)(end - p));
                int64_t comp = thrift_get_int(&ph, 3, -1);
                if (comp < 0 || (uint64_t)comp > (size_t)(end - p) - used)
                    break;
                p += used + (size_t)comp;
            }
        }
    }
    arena_destroy(&a);
    return rows;
}

static void write_file(const uint8_t *d, size_t n)
{
    if (n < 1)
        return;
    static const ParquetCodec codecs[] = {PARQUET_CODEC_NONE, PARQUET_CODEC_SNAPPY, PARQUET_CODEC_GZIP,
                                          PARQUET_CODEC_ZSTD};
    ParquetOptions o;
    parquet_options_init(&o);
    o.codec = codecs[d[0] & 3];
    o.page_bytes = (d[0] & 4) ? 64 : 0;
    o.row_group_rows = (d[0] & 8) ? 3 : 0;
    o.dictionary_bytes = (d[0] & 16) ? 32 : 0;
    o.no_dictionary = (d[0] & 32) != 0;
    d++, n--;
    ParquetColumn cols[4] = {{"i", SQL_TYPE(SQL_INT8), 1, 0},
                             {"s", SQL_TYPE(SQL_TEXT), 1, 0},
                             {"f", SQL_TYPE(SQL_FLOAT8), 1, 0},
                             {"b", SQL_TYPE(SQL_BOOL), 0, 0}};
    Buf out;
    buf_init(&out, 0);
    ParquetWriter *w = NULL;
    Err e;
    err_clear(&e);
    CHECK(parquet_writer_create(cols, 4, &o, &out, &w, &e) == WEIR_OK);
    uint64_t rows = 0;
    /* a row: a flags byte (NULLs), 8 bytes of int and float, a length byte and that many text bytes */
    while (n >= 10) {
        SqlValue v[4];
        memset(v, 0, sizeof(v));
        uint8_t flags = d[0];
        int64_t x;
        memcpy(&x, d + 1, 8);
        size_t slen = d[9] % 64;
        d += 10, n -= 10;
        if (slen > n)
            slen = n;
        v[0].type = cols[0].type, v[0].is_null = flags & 1, v[0].u.i = x;
        v[1].type = cols[1].type, v[1].is_null = (flags & 2) != 0, v[1].u.s = (Slice){d, slen};
        v[2].type = cols[2].type, v[2].is_null = (flags & 4) != 0;
        memcpy(&v[2].u.f, &x, 8);
        v[3].type = cols[3].type, v[3].u.b = (flags & 8) != 0;
        d += slen, n -= slen;
        CHECK(parquet_writer_write_row(w, v, &e) == WEIR_OK);
        rows++;
    }
    ParquetResult res;
    CHECK(parquet_writer_finish(w, &res, &e) == WEIR_OK);
    CHECK(res.record_count == rows && res.file_size == out.len);
    CHECK(read_file(out.p, out.len) == (int64_t)rows);
    parquet_writer_destroy(&w);
    buf_fini(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0:
        (void)read_file(p, n);
        break;
    case 1: {
        Arena *a = arena_create(NULL, (size_t)64 << 20);
        ThriftValue v;
        size_t used = 0;
        Err e;
        err_clear(&e);
        if (thrift_read_struct(p, n, a, &v, &used, &e) == WEIR_OK)
            CHECK(used <= n);
        else
            CHECK(e.code == WEIR_EPARSE || e.code == WEIR_ENOMEM);
        arena_destroy(&a);
        break;
    }
    default:
        write_file(p, n);
        break;
    }
    return 0;
}
