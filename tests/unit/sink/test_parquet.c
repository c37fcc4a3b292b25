/*
 * test_parquet.c: unit tests of src/sink/parquet.c, reading files back with the Thrift reader and a
 * small page decoder written here (independent of the writer's code).
 *
 *   - a file of every type (rows fed one at a time): magic, footer length, schema (types, repetition,
 *     converted and logical types, decimal precision/scale, field ids), num_rows, created_by, key/value
 *     metadata, per-chunk statistics (min_value/max_value, legacy min/max for signed types, null counts,
 *     zero and NaN rules), and the Iceberg results (counts, bounds as Iceberg serialises them,
 *     truncate(16) of strings with the incremented upper bound);
 *   - batches over many row groups with each codec: the rows decode back from the pages (definition
 *     levels, PLAIN and RLE_DICTIONARY values of strings and integers, the fallback to PLAIN past the
 *     dictionary's limit and after the probe finds mostly distinct values), chunk offsets and sizes add
 *     up, the output may be drained between calls;
 *   - refusals: unsupported types, NULL into a required column, NaN into a decimal, sticky errors.
 * tests/e2e/test_parquet.py reads the files with DuckDB and hyparquet.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/vec.h"
#include "sink/compress.h"
#include "sink/parquet.h"
#include "sink/thrift.h"
#include "sql/numeric.h"

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p)
{
    return le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Parse the footer of file f (n bytes) into *fmd. */
static void read_footer(const uint8_t *f, size_t n, Arena *a, ThriftValue *fmd)
{
    assert_true(n >= 12);
    assert_memory_equal(f, "PAR1", 4);
    assert_memory_equal(f + n - 4, "PAR1", 4);
    uint32_t flen = le32(f + n - 8);
    assert_true(flen + 12 <= n);
    size_t used = 0;
    Err e;
    err_clear(&e);
    assert_int_equal(thrift_read_struct(f + n - 8 - flen, flen, a, fmd, &used, &e), WEIR_OK);
    assert_int_equal(used, flen);
}

static const ThriftValue *list_at(const ThriftValue *l, uint32_t i)
{
    assert_non_null(l);
    assert_int_equal(l->type, THRIFT_LIST);
    assert_true(i < l->u.list.n);
    return &l->u.list.v[i];
}

static int slice_is(const ThriftValue *v, const void *p, size_t n)
{
    return v && v->type == THRIFT_BINARY && v->u.bin.n == n && memcmp(v->u.bin.p, p, n) == 0;
}

/* ------------------------------------------------------------------ a small page decoder */

typedef struct Decoded {
    uint64_t n;       /* values (NULLs included) */
    uint8_t *is_null; /* n */
    int64_t *ints;    /* INT32/INT64/BOOLEAN */
    double *dbl;      /* FLOAT/DOUBLE */
    Slice *strs;      /* BYTE_ARRAY / FLBA: point into owned */
    Buf owned;
    int saw_dict, saw_plain;
} Decoded;

static uint64_t uvarint(const uint8_t **p)
{
    uint64_t v = 0;
    int s = 0;
    while (**p & 0x80) {
        v |= (uint64_t)(**p & 0x7f) << s;
        s += 7;
        (*p)++;
    }
    v |= (uint64_t) * *p << s;
    (*p)++;
    return v;
}

/* Decode n values of the RLE/bit-packed hybrid at width into out. */
static void hybrid_decode(const uint8_t *p, const uint8_t *end, int width, uint32_t *out, size_t n)
{
    size_t got = 0;
    while (got < n) {
        assert_true(p < end);
        uint64_t h = uvarint(&p);
        if (h & 1) {
            size_t cnt = (size_t)(h >> 1) * 8;
            uint64_t acc = 0;
            int bits = 0;
            for (size_t i = 0; i < cnt; i++) {
                while (bits < width) {
                    acc |= (uint64_t)*p++ << bits;
                    bits += 8;
                }
                if (got < n)
                    out[got++] = (uint32_t)(acc & ((1ull << width) - 1));
                acc >>= width;
                bits -= width;
            }
        } else {
            size_t cnt = (size_t)(h >> 1);
            uint32_t v = 0;
            for (int i = 0; i < (width + 7) / 8; i++)
                v |= (uint32_t)*p++ << (8 * i);
            for (size_t i = 0; i < cnt && got < n; i++)
                out[got++] = v;
        }
    }
    assert_true(p <= end);
}

static size_t plain_value(int phys, int type_len, const uint8_t *p, Decoded *d, uint64_t at, uint64_t bool_i)
{
    switch (phys) {
    case 0:
        d->ints[at] = (p[bool_i / 8] >> (bool_i % 8)) & 1;
        return 0;
    case 1:
        d->ints[at] = (int32_t)le32(p);
        return 4;
    case 2:
        d->ints[at] = (int64_t)le64(p);
        return 8;
    case 4: {
        uint32_t u = le32(p);
        float f;
        memcpy(&f, &u, 4);
        d->dbl[at] = f;
        return 4;
    }
    case 5: {
        uint64_t u = le64(p);
        memcpy(&d->dbl[at], &u, 8);
        return 8;
    }
    case 6: {
        uint32_t n = le32(p);
        d->strs[at] = (Slice){p + 4, n};
        return 4 + n;
    }
    case 7:
        d->strs[at] = (Slice){p, (size_t)type_len};
        return (size_t)type_len;
    }
    fail();
    return 0;
}

/* Decode column col of every row group of file f. */
static void decode_column(const uint8_t *f, const ThriftValue *fmd, uint32_t col, Decoded *d)
{
    memset(d, 0, sizeof(*d));
    buf_init(&d->owned, 0);
    uint64_t rows = (uint64_t)thrift_get_int(fmd, 3, -1);
    d->n = rows;
    d->is_null = calloc(rows + 1, 1);
    d->ints = calloc(rows + 1, sizeof(int64_t));
    d->dbl = calloc(rows + 1, sizeof(double));
    d->strs = calloc(rows + 1, sizeof(Slice));
    const ThriftValue *schema = thrift_get(fmd, 2);
    const ThriftValue *se = list_at(schema, col + 1);
    int optional = thrift_get_int(se, 3, -1) == 1;
    int type_len = (int)thrift_get_int(se, 2, 0);
    const ThriftValue *rgs = thrift_get(fmd, 4);
    uint64_t at = 0;
    /* decompressed pages are kept in a list so dictionary slices stay valid */
    Buf *keep = calloc(4096, sizeof(Buf));
    size_t n_keep = 0;
    for (uint32_t g = 0; g < rgs->u.list.n; g++) {
        const ThriftValue *rg = &rgs->u.list.v[g];
        const ThriftValue *cc = list_at(thrift_get(rg, 1), col);
        const ThriftValue *md = thrift_get(cc, 3);
        int phys = (int)thrift_get_int(md, 1, -1);
        int codec = (int)thrift_get_int(md, 4, -1);
        SinkCodec sc = codec == 0   ? SINK_CODEC_NONE
                       : codec == 1 ? SINK_CODEC_SNAPPY
                       : codec == 2 ? SINK_CODEC_GZIP
                                    : SINK_CODEC_ZSTD;
        int64_t start = thrift_get_int(md, 11, thrift_get_int(md, 9, -1));
        int64_t total = thrift_get_int(md, 7, -1);
        uint64_t chunk_values = (uint64_t)thrift_get_int(md, 5, -1);
        uint64_t chunk_first = at;
        const uint8_t *p = f + start, *end = f + start + total;
        Slice *dict = NULL;
        uint32_t n_dict = 0;
        while (p < end) {
            Arena *a = arena_create(NULL, 1 << 20);
            ThriftValue ph;
            size_t used;
            Err e;
            err_clear(&e);
            assert_int_equal(thrift_read_struct(p, (size_t)(end - p), a, &ph, &used, &e), WEIR_OK);
            p += used;
            int ptype = (int)thrift_get_int(&ph, 1, -1);
            size_t unc = (size_t)thrift_get_int(&ph, 2, -1), comp = (size_t)thrift_get_int(&ph, 3, -1);
            assert_true(n_keep < 4096);
            Buf *body = &keep[n_keep++];
            buf_init(body, 0);
            assert_int_equal(sink_decompress(sc, p, comp, unc, body, &e), WEIR_OK);
            assert_int_equal(body->len, unc);
            p += comp;
            const uint8_t *b = body->p, *bend = body->p + body->len;
            if (ptype == 2) {
                const ThriftValue *dh = thrift_get(&ph, 7);
                n_dict = (uint32_t)thrift_get_int(dh, 1, -1);
                dict = calloc(n_dict + 1, sizeof(Slice));
                for (uint32_t i = 0; i < n_dict; i++) {
                    /* BYTE_ARRAY entries carry a length; INT32/INT64 ones are their PLAIN bytes */
                    uint32_t len = phys == 6 ? le32(b) : phys == 1 ? 4 : 8;
                    b += phys == 6 ? 4 : 0;
                    dict[i] = (Slice){b, len};
                    b += len;
                }
                assert_true(b == bend);
                arena_destroy(&a);
                continue;
            }
            assert_int_equal(ptype, 0);
            const ThriftValue *dph = thrift_get(&ph, 5);
            uint32_t nv = (uint32_t)thrift_get_int(dph, 1, -1);
            int enc = (int)thrift_get_int(dph, 2, -1);
            uint32_t *defs = calloc(nv + 8, sizeof(uint32_t));
            if (optional) {
                uint32_t dl = le32(b);
                hybrid_decode(b + 4, b + 4 + dl, 1, defs, nv);
                b += 4 + dl;
            } else {
                for (uint32_t i = 0; i < nv; i++)
                    defs[i] = 1;
            }
            uint32_t nn = 0;
            for (uint32_t i = 0; i < nv; i++)
                nn += defs[i];
            uint32_t *ix = NULL;
            if (enc == 8) {
                d->saw_dict = 1;
                int width = *b++;
                ix = calloc(nn + 8, sizeof(uint32_t));
                hybrid_decode(b, bend, width, ix, nn);
            } else {
                assert_int_equal(enc, 0);
                d->saw_plain = 1;
            }
            uint32_t k = 0;
            for (uint32_t i = 0; i < nv; i++, at++) {
                assert_true(at < rows);
                if (!defs[i]) {
                    d->is_null[at] = 1;
                    continue;
                }
                if (ix) {
                    assert_true(ix[k] < n_dict);
                    if (phys == 6)
                        d->strs[at] = dict[ix[k]];
                    else
                        plain_value(phys, type_len, dict[ix[k]].p, d, at, 0);
                } else {
                    b += plain_value(phys, type_len, b, d, at, k);
                }
                k++;
            }
            if (phys == 0 && !ix)
                b += (k + 7) / 8;
            if (!ix)
                assert_true(b == bend);
            free(ix);
            free(defs);
            arena_destroy(&a);
        }
        assert_true(p == end);
        assert_int_equal(at - chunk_first, chunk_values);
        free(dict);
    }
    assert_int_equal(at, rows);
    /* copy the strings so the pages can go */
    for (uint64_t i = 0; i < rows; i++)
        if (d->strs[i].p) {
            size_t off = d->owned.len;
            assert_int_equal(buf_append(&d->owned, d->strs[i].p, d->strs[i].n), 0);
            d->strs[i].p = (const uint8_t *)(uintptr_t)off; /* fixed up below */
        }
    for (uint64_t i = 0; i < rows; i++)
        if (d->strs[i].n || d->strs[i].p)
            d->strs[i].p = d->owned.p + (uintptr_t)d->strs[i].p;
    for (size_t i = 0; i < n_keep; i++)
        buf_fini(&keep[i]);
    free(keep);
}

static void decoded_fini(Decoded *d)
{
    free(d->is_null);
    free(d->ints);
    free(d->dbl);
    free(d->strs);
    buf_fini(&d->owned);
}

/* ------------------------------------------------------------------ every type, row by row */

#define N_ALL 14

static SqlValue sv_int(SqlTypeId t, int64_t i)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    v.u.i = i;
    return v;
}

static SqlValue sv_str(SqlTypeId t, const char *s)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    v.u.s = slice_from_cstr(s);
    return v;
}

static SqlValue sv_null(SqlTypeId t)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    v.is_null = 1;
    return v;
}

static void test_every_type(void **state)
{
    (void)state;
    const int32_t dec_tm = ((12 << 16) | 3) + 4; /* numeric(12,3) */
    ParquetColumn cols[N_ALL] = {
        {"b", SQL_TYPE(SQL_BOOL), 1, 0},       {"i2", SQL_TYPE(SQL_INT2), 1, 0},
        {"i4", SQL_TYPE(SQL_INT4), 0, 0},      {"i8", SQL_TYPE(SQL_INT8), 1, 0},
        {"f4", SQL_TYPE(SQL_FLOAT4), 1, 0},    {"f8", SQL_TYPE(SQL_FLOAT8), 1, 0},
        {"dec", {SQL_NUMERIC, dec_tm}, 1, 0},  {"num", SQL_TYPE(SQL_NUMERIC), 1, 0},
        {"t", SQL_TYPE(SQL_TEXT), 1, 40},      {"j", SQL_TYPE(SQL_JSONB), 1, 0},
        {"bin", SQL_TYPE(SQL_BYTEA), 1, 0},    {"d", SQL_TYPE(SQL_DATE), 1, 0},
        {"ts", SQL_TYPE(SQL_TIMESTAMP), 1, 0}, {"tz", SQL_TYPE(SQL_TIMESTAMPTZ), 1, 0},
    };
    ParquetKeyValue kv[] = {{"weir.query", "SELECT 1"}};
    ParquetOptions o;
    parquet_options_init(&o);
    o.kv = kv;
    o.n_kv = 1;
    Buf out;
    buf_init(&out, 0);
    ParquetWriter *w;
    Err e;
    err_clear(&e);
    assert_int_equal(parquet_writer_create(cols, N_ALL, &o, &out, &w, &e), WEIR_OK);
    /* three rows: values, other values, NULLs (but i4, required) */
    SqlValue r[3][N_ALL];
    const char *long1 = "ünïcødé text longer than sixteen code points";
    for (int k = 0; k < 3; k++) {
        r[k][0] = sv_int(SQL_BOOL, 0);
        r[k][0].u.b = (uint8_t)(k == 0);
        r[k][1] = sv_int(SQL_INT2, k == 0 ? -5 : 300);
        r[k][2] = sv_int(SQL_INT4, k == 0 ? INT32_MIN : k == 1 ? 7 : INT32_MAX);
        r[k][3] = sv_int(SQL_INT8, k == 0 ? INT64_MIN : 1);
        r[k][4] = sv_int(SQL_FLOAT4, 0);
        r[k][4].u.f = k == 0 ? 0.0 : NAN;
        r[k][5] = sv_int(SQL_FLOAT8, 0);
        r[k][5].u.f = k == 0 ? -0.0 : 2.5;
        r[k][6] = sv_int(SQL_NUMERIC, 0);
        r[k][6].type.typmod = dec_tm;
        r[k][6].u.num = sql_numeric_make(k == 0 ? -123456 : 5, k == 0 ? 3 : 1); /* -123.456, 0.5 */
        r[k][7] = sv_int(SQL_NUMERIC, 0);
        r[k][7].u.num = sql_numeric_make(15, 1); /* 1.5 */
        r[k][8] = sv_str(SQL_TEXT, k == 0 ? long1 : "abc");
        r[k][9] = sv_str(SQL_JSONB, "{\"a\": 1}");
        r[k][10] = sv_str(SQL_BYTEA, k == 0 ? "\x01\x02" : "\xff");
        r[k][11] = sv_int(SQL_DATE, k == 0 ? 0 : -10957); /* 2000-01-01, 1970-01-01 */
        r[k][12] = sv_int(SQL_TIMESTAMP, k == 0 ? 0 : 1);
        r[k][13] = sv_int(SQL_TIMESTAMPTZ, k == 0 ? -SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC : 5);
        if (k == 2)
            for (int c = 0; c < N_ALL; c++)
                if (c != 2)
                    r[k][c] = sv_null(cols[c].type.id);
    }
    for (int k = 0; k < 3; k++)
        assert_int_equal(parquet_writer_write_row(w, r[k], &e), WEIR_OK);
    assert_int_equal(parquet_writer_rows(w), 3);
    ParquetResult res;
    assert_int_equal(parquet_writer_finish(w, &res, &e), WEIR_OK);
    assert_int_equal(res.record_count, 3);
    assert_int_equal(res.file_size, out.len);
    assert_int_equal(res.n_row_groups, 1);
    assert_int_equal(res.n_cols, N_ALL);

    if (getenv("PQ_DUMP")) {
        FILE *fp = fopen(getenv("PQ_DUMP"), "wb");
        fwrite(out.p, 1, out.len, fp);
        fclose(fp);
    }

    Arena *a = arena_create(NULL, 1 << 24);
    ThriftValue fmd;
    read_footer(out.p, out.len, a, &fmd);
    assert_int_equal(thrift_get_int(&fmd, 1, 0), 1);
    assert_int_equal(thrift_get_int(&fmd, 3, 0), 3);
    assert_true(slice_is(thrift_get(&fmd, 6), "weir version 0.1.0", 18));
    const ThriftValue *kvl = thrift_get(&fmd, 5);
    assert_true(slice_is(thrift_get(list_at(kvl, 0), 1), "weir.query", 10));
    assert_true(slice_is(thrift_get(list_at(kvl, 0), 2), "SELECT 1", 8));
    assert_int_equal(thrift_get(&fmd, 7)->u.list.n, N_ALL);
    const ThriftValue *schema = thrift_get(&fmd, 2);
    assert_int_equal(schema->u.list.n, N_ALL + 1);
    assert_int_equal(thrift_get_int(list_at(schema, 0), 5, 0), N_ALL);
    /* physical type, repetition, converted type (-1: none), logical type field (0: none) */
    static const int want[N_ALL][4] = {
        {0, 1, -1, 0}, {1, 1, 16, 10}, {1, 0, -1, 0}, {2, 1, -1, 0}, {4, 1, -1, 0},
        {5, 1, -1, 0}, {7, 1, 5, 5},   {5, 1, -1, 0}, {6, 1, 0, 1},  {6, 1, 19, 12},
        {6, 1, -1, 0}, {1, 1, 6, 6},   {2, 1, 10, 8}, {2, 1, 10, 8},
    };
    for (int c = 0; c < N_ALL; c++) {
        const ThriftValue *se = list_at(schema, (uint32_t)c + 1);
        assert_true(slice_is(thrift_get(se, 4), cols[c].name, strlen(cols[c].name)));
        assert_int_equal(thrift_get_int(se, 1, -1), want[c][0]);
        assert_int_equal(thrift_get_int(se, 3, -1), want[c][1]);
        assert_int_equal(thrift_get_int(se, 6, -1), want[c][2]);
        assert_int_equal(thrift_get_int(se, 9, -1), c == 8 ? 40 : c + 1);
        const ThriftValue *lt = thrift_get(se, 10);
        if (want[c][3]) {
            assert_non_null(lt);
            assert_int_equal(lt->u.st.n, 1);
            assert_int_equal(lt->u.st.fields[0].id, want[c][3]);
        } else {
            assert_null(lt);
        }
    }
    const ThriftValue *dse = list_at(schema, 7);
    assert_int_equal(thrift_get_int(dse, 2, 0), 6); /* numeric(12,3): 6 bytes */
    assert_int_equal(thrift_get_int(dse, 7, 0), 3);
    assert_int_equal(thrift_get_int(dse, 8, 0), 12);
    /* timestamp: isAdjustedToUTC false; timestamptz: true */
    assert_int_equal(thrift_get(thrift_get(thrift_get(list_at(schema, 13), 10), 8), 1)->u.b, 0);
    assert_int_equal(thrift_get(thrift_get(thrift_get(list_at(schema, 14), 10), 8), 1)->u.b, 1);

    /* chunk statistics */
    const ThriftValue *cc = thrift_get(list_at(thrift_get(&fmd, 4), 0), 1);
    const ThriftValue *st;
#define STATS(c) thrift_get(thrift_get(list_at(cc, (c)), 3), 12)
    st = STATS(2); /* int4, required: min INT32_MIN, max INT32_MAX, legacy too */
    assert_int_equal(thrift_get_int(st, 3, -1), 0);
    assert_int_equal((int32_t)le32(thrift_get(st, 6)->u.bin.p), INT32_MIN);
    assert_int_equal((int32_t)le32(thrift_get(st, 5)->u.bin.p), INT32_MAX);
    assert_int_equal((int32_t)le32(thrift_get(st, 2)->u.bin.p), INT32_MIN);
    st = STATS(4); /* float4: 0 and NaN: min -0.0, max +0.0, no NaN */
    {
        uint32_t u = le32(thrift_get(st, 6)->u.bin.p);
        float f;
        memcpy(&f, &u, 4);
        assert_true(f == 0 && signbit(f));
        u = le32(thrift_get(st, 5)->u.bin.p);
        memcpy(&f, &u, 4);
        assert_true(f == 0 && !signbit(f));
    }
    assert_int_equal(thrift_get_int(st, 3, -1), 1);
    st = STATS(6); /* decimal: big-endian unscaled at scale 3, no legacy min/max */
    {
        static const uint8_t mn[6] = {0xff, 0xff, 0xff, 0xfe, 0x1d, 0xc0}; /* -123456 */
        static const uint8_t mx[6] = {0, 0, 0, 0, 0x01, 0xf4};             /* 500 */
        assert_true(slice_is(thrift_get(st, 6), mn, 6));
        assert_true(slice_is(thrift_get(st, 5), mx, 6));
        assert_null(thrift_get(st, 1));
    }
    st = STATS(8);
    assert_true(slice_is(thrift_get(st, 6), "abc", 3));
    assert_true(slice_is(thrift_get(st, 5), long1, strlen(long1)));
    assert_null(thrift_get(st, 2));
#undef STATS

    /* Iceberg results */
    const ParquetColumnResult *cr = res.cols;
    assert_int_equal(cr[2].value_count, 3);
    assert_int_equal(cr[2].null_count, 0);
    assert_int_equal(cr[0].null_count, 1);
    assert_int_equal(cr[4].nan_count, 1);
    assert_true(cr[3].has_lower && cr[3].lower.n == 8 && (int64_t)le64(cr[3].lower.p) == INT64_MIN);
    assert_true(cr[1].has_upper && cr[1].upper.n == 4 && le32(cr[1].upper.p) == 300);
    /* decimal bounds: minimum bytes */
    static const uint8_t dlo[3] = {0xfe, 0x1d, 0xc0}, dhi[2] = {0x01, 0xf4};
    assert_true(cr[6].lower.n == 3 && memcmp(cr[6].lower.p, dlo, 3) == 0);
    assert_true(cr[6].upper.n == 2 && memcmp(cr[6].upper.p, dhi, 2) == 0);
    /* text: lower "abc"; upper: 16 code points of long1 with the last incremented */
    assert_true(cr[8].lower.n == 3 && memcmp(cr[8].lower.p, "abc", 3) == 0);
    assert_true(cr[8].has_upper);
    assert_int_equal(cr[8].upper.n, strlen("ünïcødé text lo") + 1);
    assert_memory_equal(cr[8].upper.p, "ünïcødé text lo", cr[8].upper.n - 1);
    assert_int_equal(cr[8].upper.p[cr[8].upper.n - 1], 'o'); /* the 16th code point 'n', + 1 */
    assert_false(cr[9].has_lower);                           /* json: none */
    /* date 1970-01-01 = 0 days; timestamptz 1970-01-01 = 0 micros */
    assert_int_equal(le32(cr[11].lower.p), 0);
    assert_int_equal(le32(cr[11].upper.p), 10957);
    assert_int_equal((int64_t)le64(cr[13].lower.p), 0);
    assert_true(cr[4].has_lower == 1 && cr[5].has_lower == 1);

    /* values back */
    Decoded d;
    decode_column(out.p, &fmd, 6, &d);
    assert_int_equal(d.n, 3);
    assert_true(d.is_null[2] && !d.is_null[0]);
    assert_int_equal(d.strs[1].n, 6);
    assert_int_equal(d.strs[1].p[5], 0xf4);
    decoded_fini(&d);
    decode_column(out.p, &fmd, 0, &d);
    assert_int_equal(d.ints[0], 1);
    assert_int_equal(d.ints[1], 0);
    decoded_fini(&d);
    decode_column(out.p, &fmd, 12, &d);
    assert_int_equal(d.ints[0], SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC);
    decoded_fini(&d);
    decode_column(out.p, &fmd, 7, &d);
    assert_true(d.dbl[0] == 1.5);
    decoded_fini(&d);

    parquet_writer_destroy(&w);
    arena_destroy(&a);
    buf_fini(&out);
}

/* ------------------------------------------------------------------ batches, row groups, codecs */

static void many_rows(ParquetCodec codec, int no_dict)
{
    SqlType types[4] = {SQL_TYPE(SQL_INT8), SQL_TYPE(SQL_TEXT), SQL_TYPE(SQL_TEXT), SQL_TYPE(SQL_INT4)};
    ParquetColumn cols[4] = {{"id", types[0], 0, 1},
                             {"few", types[1], 1, 2},
                             {"uniq", types[2], 1, 3},
                             {"status", types[3], 1, 4}};
    ParquetOptions o;
    parquet_options_init(&o);
    o.codec = codec;
    o.no_dictionary = no_dict;
    o.row_group_rows = 30000;
    o.page_bytes = 64 * 1024;
    o.dictionary_bytes = 100 * 1024; /* "uniq" overflows it within each row group */
    Buf out, file;
    buf_init(&out, 0);
    buf_init(&file, 0);
    ParquetWriter *w;
    Err e;
    err_clear(&e);
    assert_int_equal(parquet_writer_create(cols, 4, &o, &out, &w, &e), WEIR_OK);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    const uint64_t total = 100000;
    char *text = malloc(total * 32);
    uint64_t row = 0;
    while (row < total) {
        arena_reset(a);
        Batch *b = batch_create(a, types, 4);
        assert_non_null(b);
        uint32_t n = (uint32_t)(total - row < 1500 ? total - row : 1500);
        for (uint32_t i = 0; i < n; i++, row++) {
            b->cols[0].u.i[i] = (int64_t)row * 3 - 7;
            if (row % 7 == 3)
                assert_int_equal(vec_set_null(&b->cols[1], i, a), 0);
            else
                b->cols[1].u.s[i] = row % 2 ? SLICE_LIT("odd") : SLICE_LIT("even");
            char *t = text + row * 32;
            int len = snprintf(t, 32, "value-%llu", (unsigned long long)row);
            b->cols[2].u.s[i] = (Slice){(const uint8_t *)t, (size_t)len};
            if (row == 5)
                assert_int_equal(vec_set_null(&b->cols[2], i, a), 0);
            b->cols[3].u.i[i] = 200 + (int64_t)(row % 5);
        }
        b->n = n;
        assert_int_equal(parquet_writer_write_batch(w, b, &e), WEIR_OK);
        /* drain the output as COPY does */
        assert_int_equal(buf_append(&file, out.p, out.len), 0);
        buf_reset(&out);
    }
    assert_true(parquet_writer_size_estimate(w) >= file.len);
    ParquetResult res;
    assert_int_equal(parquet_writer_finish(w, &res, &e), WEIR_OK);
    assert_int_equal(buf_append(&file, out.p, out.len), 0);
    assert_int_equal(res.file_size, file.len);
    assert_int_equal(res.record_count, total);
    assert_int_equal(res.n_row_groups, 4);
    assert_int_equal(res.cols[1].null_count, (total + 3) / 7);
    assert_int_equal(res.cols[2].null_count, 1);
    assert_int_equal((int64_t)le64(res.cols[0].lower.p), -7);
    assert_int_equal((int64_t)le64(res.cols[0].upper.p), (int64_t)(total - 1) * 3 - 7);

    Arena *fa = arena_create(NULL, ARENA_UNLIMITED);
    ThriftValue fmd;
    read_footer(file.p, file.len, fa, &fmd);
    const ThriftValue *rgs = thrift_get(&fmd, 4);
    assert_int_equal(rgs->u.list.n, 4);
    uint64_t sum_comp = 0;
    for (uint32_t g = 0; g < 4; g++) {
        const ThriftValue *rg = &rgs->u.list.v[g];
        assert_int_equal(thrift_get_int(rg, 3, 0), g < 3 ? 30000 : 10000);
        for (uint32_t c = 0; c < 4; c++) {
            const ThriftValue *md = thrift_get(list_at(thrift_get(rg, 1), c), 3);
            assert_int_equal(thrift_get_int(md, 4, -1), (int)codec);
            sum_comp += (uint64_t)thrift_get_int(md, 7, 0);
        }
    }
    uint64_t flen = le32(file.p + file.len - 8);
    assert_int_equal(sum_comp, file.len - 4 - 8 - flen);
    uint64_t comp_res = res.cols[0].compressed_size + res.cols[1].compressed_size +
                        res.cols[2].compressed_size + res.cols[3].compressed_size;
    assert_int_equal(comp_res, sum_comp);

    Decoded d0, d1, d2, d3;
    decode_column(file.p, &fmd, 3, &d3);
    decode_column(file.p, &fmd, 0, &d0);
    decode_column(file.p, &fmd, 1, &d1);
    decode_column(file.p, &fmd, 2, &d2);
    for (uint64_t i = 0; i < total; i++) {
        assert_int_equal(d0.ints[i], (int64_t)i * 3 - 7);
        assert_int_equal(d3.ints[i], 200 + (int64_t)(i % 5));
        if (i % 7 == 3) {
            assert_true(d1.is_null[i]);
        } else {
            assert_false(d1.is_null[i]);
            const char *want = i % 2 ? "odd" : "even";
            assert_int_equal(d1.strs[i].n, strlen(want));
            assert_memory_equal(d1.strs[i].p, want, d1.strs[i].n);
        }
        if (i == 5) {
            assert_true(d2.is_null[i]);
            continue;
        }
        char want[32];
        int len = snprintf(want, sizeof(want), "value-%llu", (unsigned long long)i);
        assert_int_equal(d2.strs[i].n, (size_t)len);
        assert_memory_equal(d2.strs[i].p, want, (size_t)len);
    }
    /* "few" stays dictionary-encoded; "uniq" falls back to PLAIN; no_dictionary: PLAIN only */
    assert_int_equal(d1.saw_dict, !no_dict);
    assert_int_equal(d1.saw_plain, no_dict);
    assert_int_equal(d2.saw_dict, !no_dict);
    assert_true(d2.saw_plain);
    /* integers: few distinct values stay in the dictionary, distinct ones go PLAIN after the probe */
    assert_int_equal(d3.saw_dict, !no_dict);
    assert_int_equal(d3.saw_plain, no_dict);
    assert_int_equal(d0.saw_dict, !no_dict);
    assert_true(d0.saw_plain);
    decoded_fini(&d3);
    decoded_fini(&d0);
    decoded_fini(&d1);
    decoded_fini(&d2);
    parquet_writer_destroy(&w);
    arena_destroy(&a);
    arena_destroy(&fa);
    free(text);
    buf_fini(&out);
    buf_fini(&file);
}

static void test_batches_and_codecs(void **state)
{
    (void)state;
    static const ParquetCodec codecs[] = {PARQUET_CODEC_NONE, PARQUET_CODEC_SNAPPY, PARQUET_CODEC_GZIP,
                                          PARQUET_CODEC_ZSTD};
    for (size_t i = 0; i < 4; i++)
        many_rows(codecs[i], 0);
    many_rows(PARQUET_CODEC_SNAPPY, 1);
}

static void test_refusals(void **state)
{
    (void)state;
    Buf out;
    buf_init(&out, 0);
    ParquetWriter *w;
    Err e;
    err_clear(&e);
    ParquetColumn bad = {"r", SQL_TYPE(SQL_RECORD), 1, 0};
    assert_int_equal(parquet_writer_create(&bad, 1, NULL, &out, &w, &e), WEIR_EINVAL);
    assert_null(w);
    err_clear(&e);
    assert_int_equal(parquet_writer_create(&bad, 0, NULL, &out, &w, &e), WEIR_EINVAL);
    /* NULL into a required column: refused, and the writer stays failed */
    ParquetColumn req = {"x", SQL_TYPE(SQL_INT8), 0, 0};
    err_clear(&e);
    assert_int_equal(parquet_writer_create(&req, 1, NULL, &out, &w, &e), WEIR_OK);
    SqlValue v = sv_null(SQL_INT8);
    assert_int_not_equal(parquet_writer_write_row(w, &v, &e), WEIR_OK);
    v = sv_int(SQL_INT8, 1);
    err_clear(&e);
    assert_int_not_equal(parquet_writer_write_row(w, &v, &e), WEIR_OK);
    ParquetResult res;
    err_clear(&e);
    assert_int_not_equal(parquet_writer_finish(w, &res, &e), WEIR_OK);
    parquet_writer_destroy(&w);
    /* NaN into numeric(5,2) */
    ParquetColumn dec = {"d", {SQL_NUMERIC, ((5 << 16) | 2) + 4}, 1, 0};
    buf_reset(&out);
    err_clear(&e);
    assert_int_equal(parquet_writer_create(&dec, 1, NULL, &out, &w, &e), WEIR_OK);
    v = sv_int(SQL_NUMERIC, 0);
    v.u.num = sql_numeric_special(SQL_NUM_NAN);
    assert_int_not_equal(parquet_writer_write_row(w, &v, &e), WEIR_OK);
    parquet_writer_destroy(&w);
    /* codec names */
    ParquetCodec c;
    assert_int_equal(parquet_codec_from_name("ZSTD", &c), 0);
    assert_int_equal(c, PARQUET_CODEC_ZSTD);
    assert_int_equal(parquet_codec_from_name("uncompressed", &c), 0);
    assert_int_equal(c, PARQUET_CODEC_NONE);
    assert_int_equal(parquet_codec_from_name("lz4", &c), -1);
    /* forms */
    ParquetForm f;
    int p, s;
    assert_int_equal(parquet_type_form((SqlType){SQL_NUMERIC, ((38 << 16) | 10) + 4}, &f, &p, &s, &e), 0);
    assert_true(f == PARQUET_FORM_DECIMAL && p == 38 && s == 10);
    assert_int_equal(parquet_type_form(SQL_TYPE(SQL_NUMERIC), &f, &p, &s, &e), 0);
    assert_int_equal(f, PARQUET_FORM_DOUBLE);
    assert_int_equal(parquet_type_form(SQL_TYPE(SQL_ARRAY_OF(SQL_INT4)), &f, &p, &s, &e), 0);
    assert_int_equal(f, PARQUET_FORM_STRING);
    buf_fini(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_batches_and_codecs),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
