/*
 * parquet.c: the Parquet writer (see parquet.h; the format in apache/parquet-format's parquet.thrift,
 * Encodings.md and LogicalTypes.md; design notes in docs/internals/parquet-writer.md).
 *
 * File layout written:  "PAR1" | row group 0: column 0 chunk, column 1 chunk, ... | row group 1 ... |
 *                        FileMetaData (Thrift compact) | u32 LE footer length | "PAR1"
 * A column chunk:        [dictionary page] data page, data page, ...
 * A data page (v1):      PageHeader | body, where body = [u32 LE length + RLE/bit-packed definition
 *                        levels, OPTIONAL columns only] + values (PLAIN, or bit width byte + RLE/bit-packed
 *                        dictionary indices); only the body is compressed.
 *
 * State per column while a row group is open:
 *   page   the values of the page being filled: PLAIN bytes (vals) or dictionary indices (idx), and the
 *          definition levels (defs, one byte per row, 0 = NULL); cut when its bytes pass page_bytes.
 *   chunk  the finished pages of this row group (header + compressed body) in `pages`, the dictionary
 *          (PLAIN entries in dict_plain, found through an open-addressing hash), and chunk statistics.
 *   file   statistics over every row group, for ParquetResult (Iceberg's bounds and counts).
 * A row group ends when its encoded bytes pass row_group_bytes or its rows reach row_group_rows: each
 * column's chunk is appended to out (dictionary page first) and the RowGroup's Thrift struct is kept
 * serialised in rg_meta, so the footer is just FileMetaData with those bytes spliced in as its list.
 *
 * Dictionary: BYTE_ARRAY, INT32 and INT64 columns start each chunk dictionary-encoded. After a probe of
 * the first values (dict_probe) the dictionary must pay or the rest of the chunk is PLAIN (mostly
 * distinct values: ids, timestamps); when the dictionary passes dictionary_bytes, likewise (parquet-mr's
 * fallback). Either way the current page is cut first, and the dictionary page still precedes the
 * chunk's first data page.
 * Statistics are min_value/max_value (and the legacy min/max for the types whose legacy order is the
 * signed one: BOOLEAN, INT32, INT64, FLOAT, DOUBLE), never NaN; string bounds longer than
 * PQ_STATS_MAX bytes are left out of a chunk's Statistics rather than truncated.
 */
#include "sink/parquet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "base/version.h"
#include "exec/engine.h"
#include "sink/compress.h"
#include "sink/thrift.h"
#include "sql/numeric.h"
#include "sql/typeio.h"

#define PQ_DEFAULT_PAGE ((size_t)1 << 20)
#define PQ_DEFAULT_DICT ((size_t)1 << 20)
#define PQ_DEFAULT_ROW_GROUP ((size_t)128 << 20)
#define PQ_DICT_PROBE 16384      /* values after which a chunk's dictionary is judged (dict_probe) */
#define PQ_DICT_PROBE_FIXED 4096 /* the same for INT32/INT64, whose dictionary pays off less often */
#define PQ_STATS_MAX 4096        /* longest string min/max kept in a chunk's Statistics */
#define PQ_BOUND_CHARS 16        /* Iceberg's default metrics mode: truncate(16) */
#define PQ_WEIR_CREATED_BY "weir version " WEIR_VERSION

/* Parquet enums (parquet.thrift) */
enum {
    PQ_BOOLEAN = 0,
    PQ_INT32 = 1,
    PQ_INT64 = 2,
    PQ_FLOAT = 4,
    PQ_DOUBLE = 5,
    PQ_BYTE_ARRAY = 6,
    PQ_FLBA = 7
};
enum { PQ_REQUIRED = 0, PQ_OPTIONAL = 1 };
enum { PQ_ENC_PLAIN = 0, PQ_ENC_RLE = 3, PQ_ENC_RLE_DICTIONARY = 8 };
enum { PQ_PAGE_DATA = 0, PQ_PAGE_DICTIONARY = 2 };
enum {
    PQ_CT_UTF8 = 0,
    PQ_CT_DECIMAL = 5,
    PQ_CT_DATE = 6,
    PQ_CT_TIME_MICROS = 8,
    PQ_CT_TIMESTAMP_MICROS = 10,
    PQ_CT_INT_16 = 16,
    PQ_CT_JSON = 19,
};

/* Days and microseconds between 1970-01-01 and PostgreSQL's epoch 2000-01-01. */
#define PQ_EPOCH_DAYS 10957
#define PQ_EPOCH_USEC (SQL_PG_EPOCH_UNIX * SQL_USEC_PER_SEC)

typedef struct PqStats {
    int has; /* a non-NULL, non-NaN value was seen */
    int64_t imin, imax;
    double dmin, dmax;
    __int128 nmin, nmax;
    Buf smin, smax; /* BYTE_ARRAY bounds (full values) */
} PqStats;

typedef struct PqCol {
    char *name;
    SqlType type;
    int nullable;
    int32_t field_id;
    ParquetForm form;
    int prec, scale;
    int phys;     /* PQ_BOOLEAN .. PQ_FLBA */
    int type_len; /* FLBA bytes */
    int is_text;  /* value goes through sql_value_to_text (interval) */
    /* page being filled */
    Buf vals;
    uint32_t *idx;
    size_t n_idx, cap_idx;
    uint8_t *defs;
    size_t n_defs, cap_defs;
    uint32_t page_values, page_nulls;
    /* chunk (current row group) */
    Buf pages;
    uint64_t chunk_unc, chunk_comp;
    uint64_t chunk_values, chunk_nulls;
    int used_plain, used_dict, dict_on;
    PqStats cst;
    Buf dict_plain;
    uint32_t *dict_off; /* offset of entry i in dict_plain (of its length prefix for BYTE_ARRAY) */
    uint32_t n_dict, cap_dict_off;
    uint32_t *slots; /* hash slots: entry index + 1, 0 = empty */
    uint32_t n_slots;
    int dict_probed;      /* the dictionary's worth was judged in this chunk (dict_probe) */
    uint64_t probe_plain; /* bytes the dictionary-encoded values would take PLAIN, until then */
    /* file */
    PqStats fst;
    uint64_t f_values, f_nulls, f_nans, f_comp, f_unc;
    Buf lower, upper;
} PqCol;

struct ParquetWriter {
    PqCol *cols;
    uint32_t n_cols;
    ParquetOptions opt;
    ParquetKeyValue *kv;
    char *created_by;
    SinkCodec codec;
    Buf *out;
    uint64_t offset; /* bytes appended to out so far (out may be drained by the caller) */
    uint64_t rows, rg_rows;
    uint32_t n_rg;
    Buf rg_meta;                 /* serialised RowGroup structs */
    Buf scratch, scratch2, text; /* page bodies, compressed pages, values printed as text */
    SqlFormatOpts fmt;
    ParquetColumnResult *res;
    int err;
    int finished;
};

/* ---------------------------------------------------------------- names and type mapping */

int parquet_codec_from_name(const char *name, ParquetCodec *out)
{
    if (!strcasecmp(name, "none") || !strcasecmp(name, "uncompressed"))
        *out = PARQUET_CODEC_NONE;
    else if (!strcasecmp(name, "snappy"))
        *out = PARQUET_CODEC_SNAPPY;
    else if (!strcasecmp(name, "gzip"))
        *out = PARQUET_CODEC_GZIP;
    else if (!strcasecmp(name, "zstd"))
        *out = PARQUET_CODEC_ZSTD;
    else
        return -1;
    return 0;
}

const char *parquet_codec_name(ParquetCodec c)
{
    switch (c) {
    case PARQUET_CODEC_NONE:
        return "none";
    case PARQUET_CODEC_SNAPPY:
        return "snappy";
    case PARQUET_CODEC_GZIP:
        return "gzip";
    case PARQUET_CODEC_ZSTD:
        return "zstd";
    }
    return "?";
}

void parquet_options_init(ParquetOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->dictionary_bytes = PQ_DEFAULT_DICT;
    o->page_bytes = PQ_DEFAULT_PAGE;
    o->row_group_bytes = PQ_DEFAULT_ROW_GROUP;
}

int parquet_type_form(SqlType t, ParquetForm *form, int *precision, int *scale, Err *e)
{
    int p = 0, s = 0;
    ParquetForm f;
    if (SQL_IS_ARRAY(t.id)) {
        f = PARQUET_FORM_STRING;
    } else {
        switch (t.id) {
        case SQL_BOOL:
            f = PARQUET_FORM_BOOL;
            break;
        case SQL_INT2:
        case SQL_INT4:
            f = PARQUET_FORM_INT32;
            break;
        case SQL_INT8:
        case SQL_OID:
        case SQL_REGCLASS:
        case SQL_REGTYPE:
        case SQL_REGPROC:
        case SQL_REGNAMESPACE:
        case SQL_REGROLE:
            f = PARQUET_FORM_INT64;
            break;
        case SQL_FLOAT4:
            f = PARQUET_FORM_FLOAT;
            break;
        case SQL_FLOAT8:
            f = PARQUET_FORM_DOUBLE;
            break;
        case SQL_NUMERIC:
            f = PARQUET_FORM_DOUBLE;
            if (t.typmod >= 4) {
                p = ((t.typmod - 4) >> 16) & 0xffff;
                s = (((t.typmod - 4) & 0x7ff) ^ 1024) - 1024;
                /* Parquet's DECIMAL needs 0 <= scale <= precision <= 38 here (16 bytes); PostgreSQL 15's
                 * negative scales and scales above the precision fall back to DOUBLE */
                if (p >= 1 && p <= SQL_NUMERIC_MAX_DIGITS && s >= 0 && s <= p)
                    f = PARQUET_FORM_DECIMAL;
                else
                    p = s = 0;
            }
            break;
        case SQL_UNKNOWN:
        case SQL_TEXT:
        case SQL_VARCHAR:
        case SQL_BPCHAR:
        case SQL_NAME:
        case SQL_CHAR:
        case SQL_INTERVAL:
        case SQL_INT2VECTOR:
        case SQL_OIDVECTOR:
            f = PARQUET_FORM_STRING;
            break;
        case SQL_JSON:
        case SQL_JSONB:
            f = PARQUET_FORM_JSON;
            break;
        case SQL_BYTEA:
            f = PARQUET_FORM_BINARY;
            break;
        case SQL_DATE:
            f = PARQUET_FORM_DATE;
            break;
        case SQL_TIME:
            f = PARQUET_FORM_TIME;
            break;
        case SQL_TIMESTAMP:
            f = PARQUET_FORM_TIMESTAMP;
            break;
        case SQL_TIMESTAMPTZ:
            f = PARQUET_FORM_TIMESTAMPTZ;
            break;
        default: {
            char name[64];
            sql_type_format(t, name, sizeof(name));
            return err_set(e, WEIR_EINVAL, "type %s cannot be written to Parquet", name);
        }
        }
    }
    *form = f;
    if (precision)
        *precision = p;
    if (scale)
        *scale = s;
    return 0;
}

static int form_phys(ParquetForm f)
{
    switch (f) {
    case PARQUET_FORM_BOOL:
        return PQ_BOOLEAN;
    case PARQUET_FORM_INT32:
    case PARQUET_FORM_DATE:
        return PQ_INT32;
    case PARQUET_FORM_INT64:
    case PARQUET_FORM_TIME:
    case PARQUET_FORM_TIMESTAMP:
    case PARQUET_FORM_TIMESTAMPTZ:
        return PQ_INT64;
    case PARQUET_FORM_FLOAT:
        return PQ_FLOAT;
    case PARQUET_FORM_DOUBLE:
        return PQ_DOUBLE;
    case PARQUET_FORM_DECIMAL:
        return PQ_FLBA;
    case PARQUET_FORM_STRING:
    case PARQUET_FORM_JSON:
    case PARQUET_FORM_BINARY:
        return PQ_BYTE_ARRAY;
    }
    return PQ_BYTE_ARRAY;
}

/* Bytes of a FIXED_LEN_BYTE_ARRAY DECIMAL of precision p: the fewest n with 10^p - 1 < 2^(8n - 1). */
static int decimal_bytes(int p)
{
    unsigned __int128 max = 1;
    for (int i = 0; i < p; i++)
        max *= 10;
    max -= 1;
    for (int n = 1; n < 16; n++)
        if (max < ((unsigned __int128)1 << (8 * n - 1)))
            return n;
    return 16;
}

/* ---------------------------------------------------------------- small helpers */

/* Columns that start a chunk dictionary-encoded: BYTE_ARRAY, INT32 and INT64 (dates, timestamps). */
static int dict_capable(const PqCol *c)
{
    return c->phys == PQ_BYTE_ARRAY || c->phys == PQ_INT32 || c->phys == PQ_INT64;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static int pq_fail(ParquetWriter *w, Err *e, int code, const char *msg, const char *detail)
{
    if (!w->err)
        w->err = code;
    return err_set(e, code, "parquet: %s%s%s", msg, detail ? ": " : "", detail ? detail : "");
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xff51afd7ed558ccdull);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t k;
        memcpy(&k, p + i, 8);
        h = (h ^ (k * 0xc4ceb9fe1a85ec53ull)) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 29;
    }
    uint64_t k = 0;
    for (size_t j = 0; i + j < n; j++)
        k |= (uint64_t)p[i + j] << (8 * j);
    h = (h ^ (k * 0xc4ceb9fe1a85ec53ull)) * 0x9E3779B97F4A7C15ull;
    h ^= h >> 32;
    return h;
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

/* ---------------------------------------------------------------- RLE / bit-packed hybrid */

/* Bit-pack n values (n a multiple of 8, the last group zero-padded by the caller) of width bits, LSB
 * first, as Encodings.md's bit-packed runs. */
static int bitpack(Buf *b, const uint32_t *v, size_t n, int width)
{
    size_t bytes = n * (size_t)width / 8;
    if (buf_reserve(b, bytes))
        return WEIR_ELIMIT;
    uint8_t *p = b->p + b->len;
    memset(p, 0, bytes);
    uint64_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        acc |= (uint64_t)v[i] << bits;
        bits += width;
        while (bits >= 8) {
            p[o++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    b->len += bytes;
    b->p[b->len] = '\0';
    return WEIR_OK;
}

/* The RLE/bit-packed hybrid of v[0..n) at width bits (1..32). Runs of 8 or more equal values that start
 * at a group boundary become RLE runs; everything else is bit-packed in groups of 8. */
static int hybrid_encode(Buf *b, const uint32_t *v, size_t n, int width)
{
    size_t lit = 0, i = 0;
    int vbytes = (width + 7) / 8;
    while (i < n) {
        size_t r = 1;
        while (i + r < n && v[i + r] == v[i])
            r++;
        if (r >= 8) {
            if (i > lit) { /* (i - lit) is a multiple of 8 here */
                if (thrift_varint_append(b, ((i - lit) / 8) << 1 | 1) || bitpack(b, v + lit, i - lit, width))
                    return WEIR_ELIMIT;
            }
            uint8_t val[4];
            put_le32(val, v[i]);
            if (thrift_varint_append(b, (uint64_t)r << 1) || buf_append(b, val, (size_t)vbytes))
                return WEIR_ELIMIT;
            i += r;
            lit = i;
        } else {
            i = i + 8 <= n ? i + 8 : n;
        }
    }
    if (n > lit) {
        size_t cnt = n - lit, groups = (cnt + 7) / 8;
        uint32_t pad[8] = {0};
        if (thrift_varint_append(b, groups << 1 | 1) || bitpack(b, v + lit, (groups - 1) * 8, width))
            return WEIR_ELIMIT;
        memcpy(pad, v + lit + (groups - 1) * 8, (cnt - (groups - 1) * 8) * sizeof(uint32_t));
        if (bitpack(b, pad, 8, width))
            return WEIR_ELIMIT;
    }
    return WEIR_OK;
}

static int bit_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w ? w : 1;
}

/* ---------------------------------------------------------------- statistics */

static void stats_init(PqStats *s)
{
    memset(s, 0, sizeof(*s));
    buf_init(&s->smin, 0);
    buf_init(&s->smax, 0);
}

static void stats_fini(PqStats *s)
{
    buf_fini(&s->smin);
    buf_fini(&s->smax);
}

static void stats_reset(PqStats *s)
{
    s->has = 0;
    buf_reset(&s->smin);
    buf_reset(&s->smax);
}

static int stats_bytes(PqStats *s, const uint8_t *p, size_t n)
{
    if (!s->has) {
        s->has = 1;
        buf_reset(&s->smin);
        buf_reset(&s->smax);
        return buf_append(&s->smin, p, n) || buf_append(&s->smax, p, n) ? WEIR_ELIMIT : WEIR_OK;
    }
    if (bytes_cmp(p, n, s->smin.p, s->smin.len) < 0) {
        buf_reset(&s->smin);
        if (buf_append(&s->smin, p, n))
            return WEIR_ELIMIT;
    }
    if (bytes_cmp(p, n, s->smax.p, s->smax.len) > 0) {
        buf_reset(&s->smax);
        if (buf_append(&s->smax, p, n))
            return WEIR_ELIMIT;
    }
    return WEIR_OK;
}

static inline void stats_int(PqStats *s, int64_t v)
{
    if (!s->has) {
        s->has = 1;
        s->imin = s->imax = v;
    } else if (v < s->imin) {
        s->imin = v;
    } else if (v > s->imax) {
        s->imax = v;
    }
}

static inline void stats_double(PqStats *s, double v)
{
    if (!s->has) {
        s->has = 1;
        s->dmin = s->dmax = v;
    } else {
        if (v < s->dmin || (v == 0 && s->dmin == 0 && signbit(v)))
            s->dmin = v;
        if (v > s->dmax || (v == 0 && s->dmax == 0 && !signbit(v)))
            s->dmax = v;
    }
}

static inline void stats_num(PqStats *s, __int128 v)
{
    if (!s->has) {
        s->has = 1;
        s->nmin = s->nmax = v;
    } else if (v < s->nmin) {
        s->nmin = v;
    } else if (v > s->nmax) {
        s->nmax = v;
    }
}

/* Fold chunk statistics into the file's. */
static int stats_merge(PqStats *f, const PqStats *c, int phys)
{
    if (!c->has)
        return WEIR_OK;
    switch (phys) {
    case PQ_BOOLEAN:
    case PQ_INT32:
    case PQ_INT64:
        stats_int(f, c->imin);
        stats_int(f, c->imax);
        return WEIR_OK;
    case PQ_FLOAT:
    case PQ_DOUBLE:
        stats_double(f, c->dmin);
        stats_double(f, c->dmax);
        return WEIR_OK;
    case PQ_FLBA:
        stats_num(f, c->nmin);
        stats_num(f, c->nmax);
        return WEIR_OK;
    default:
        if (stats_bytes(f, c->smin.p, c->smin.len) || stats_bytes(f, c->smax.p, c->smax.len))
            return WEIR_ELIMIT;
        return WEIR_OK;
    }
}

/* Big-endian two's complement of v in n bytes. */
static void decimal_be(__int128 v, int n, uint8_t *out)
{
    unsigned __int128 u = (unsigned __int128)v;
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (uint8_t)u;
        u >>= 8;
    }
}

/* The PLAIN bytes of a min or max (Parquet's Statistics encoding) into out[]; returns the length, or
 * 0 when there is none to write (strings over PQ_STATS_MAX). */
static size_t stats_plain(const PqCol *c, const PqStats *s, int want_max, uint8_t *out, const uint8_t **ptr)
{
    *ptr = out;
    switch (c->phys) {
    case PQ_BOOLEAN:
        out[0] = (uint8_t)(want_max ? s->imax : s->imin);
        return 1;
    case PQ_INT32:
        put_le32(out, (uint32_t)(int32_t)(want_max ? s->imax : s->imin));
        return 4;
    case PQ_INT64:
        put_le64(out, (uint64_t)(want_max ? s->imax : s->imin));
        return 8;
    case PQ_FLOAT: {
        float f = (float)(want_max ? s->dmax : s->dmin);
        if (f == 0) /* Parquet: a zero min is written -0.0, a zero max +0.0 */
            f = want_max ? 0.0f : -0.0f;
        uint32_t u;
        memcpy(&u, &f, 4);
        put_le32(out, u);
        return 4;
    }
    case PQ_DOUBLE: {
        double d = want_max ? s->dmax : s->dmin;
        if (d == 0)
            d = want_max ? 0.0 : -0.0;
        uint64_t u;
        memcpy(&u, &d, 8);
        put_le64(out, u);
        return 8;
    }
    case PQ_FLBA:
        decimal_be(want_max ? s->nmax : s->nmin, c->type_len, out);
        return (size_t)c->type_len;
    default: {
        const Buf *b = want_max ? &s->smax : &s->smin;
        if (b->len > PQ_STATS_MAX)
            return 0;
        *ptr = b->p ? b->p : (const uint8_t *)"";
        return b->len;
    }
    }
}

/* ---------------------------------------------------------------- create / destroy */

static void col_fini(PqCol *c)
{
    free(c->name);
    buf_fini(&c->vals);
    free(c->idx);
    free(c->defs);
    buf_fini(&c->pages);
    buf_fini(&c->dict_plain);
    free(c->dict_off);
    free(c->slots);
    stats_fini(&c->cst);
    stats_fini(&c->fst);
    buf_fini(&c->lower);
    buf_fini(&c->upper);
}

void parquet_writer_destroy(ParquetWriter **wp)
{
    ParquetWriter *w = wp ? *wp : NULL;
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_cols; i++)
        col_fini(&w->cols[i]);
    free(w->cols);
    for (size_t i = 0; i < w->opt.n_kv; i++) {
        free((char *)w->kv[i].key);
        free((char *)w->kv[i].value);
    }
    free(w->kv);
    free(w->created_by);
    buf_fini(&w->rg_meta);
    buf_fini(&w->scratch);
    buf_fini(&w->scratch2);
    buf_fini(&w->text);
    free(w->res);
    free(w);
    *wp = NULL;
}

int parquet_writer_create(const ParquetColumn *cols, uint32_t n_cols, const ParquetOptions *opt, Buf *out,
                          ParquetWriter **wp, Err *e)
{
    *wp = NULL;
    if (n_cols == 0)
        return err_set(e, WEIR_EINVAL, "parquet: a file needs at least one column");
    ParquetWriter *w = xcalloc(1, sizeof(*w));
    if (opt)
        w->opt = *opt;
    else
        parquet_options_init(&w->opt);
    if (!w->opt.page_bytes)
        w->opt.page_bytes = PQ_DEFAULT_PAGE;
    if (!w->opt.dictionary_bytes)
        w->opt.dictionary_bytes = PQ_DEFAULT_DICT;
    if (!w->opt.row_group_bytes)
        w->opt.row_group_bytes = PQ_DEFAULT_ROW_GROUP;
    switch (w->opt.codec) {
    case PARQUET_CODEC_NONE:
        w->codec = SINK_CODEC_NONE;
        break;
    case PARQUET_CODEC_SNAPPY:
        w->codec = SINK_CODEC_SNAPPY;
        break;
    case PARQUET_CODEC_GZIP:
        w->codec = SINK_CODEC_GZIP;
        break;
    case PARQUET_CODEC_ZSTD:
        w->codec = SINK_CODEC_ZSTD;
        break;
    default: {
        int codec = (int)w->opt.codec;
        free(w);
        return err_set(e, WEIR_EINVAL, "parquet: unknown codec %d", codec);
    }
    }
    w->kv = w->opt.n_kv ? xcalloc(w->opt.n_kv, sizeof(ParquetKeyValue)) : NULL;
    for (size_t i = 0; i < w->opt.n_kv; i++) {
        w->kv[i].key = xstrdup(w->opt.kv[i].key ? w->opt.kv[i].key : "");
        w->kv[i].value = w->opt.kv[i].value ? xstrdup(w->opt.kv[i].value) : NULL;
    }
    w->opt.kv = w->kv;
    w->created_by = xstrdup(w->opt.created_by ? w->opt.created_by : PQ_WEIR_CREATED_BY);
    w->opt.created_by = w->created_by;
    w->out = out;
    buf_init(&w->rg_meta, 0);
    buf_init(&w->scratch, 0);
    buf_init(&w->scratch2, 0);
    buf_init(&w->text, 0);
    sql_format_opts_default(&w->fmt);
    w->cols = xcalloc(n_cols, sizeof(PqCol));
    w->n_cols = n_cols;
    for (uint32_t i = 0; i < n_cols; i++) {
        PqCol *c = &w->cols[i];
        buf_init(&c->vals, 0);
        buf_init(&c->pages, 0);
        buf_init(&c->dict_plain, 0);
        buf_init(&c->lower, 0);
        buf_init(&c->upper, 0);
        stats_init(&c->cst);
        stats_init(&c->fst);
        c->name = xstrdup(cols[i].name ? cols[i].name : "");
        c->type = cols[i].type;
        c->nullable = cols[i].is_nullable != 0;
        c->field_id = cols[i].field_id > 0 ? cols[i].field_id : (int32_t)i + 1;
        if (parquet_type_form(c->type, &c->form, &c->prec, &c->scale, e)) {
            parquet_writer_destroy(&w);
            return WEIR_EINVAL;
        }
        c->phys = form_phys(c->form);
        c->type_len = c->phys == PQ_FLBA ? decimal_bytes(c->prec) : 0;
        c->is_text = c->type.id == SQL_INTERVAL;
        c->dict_on = dict_capable(c) && !w->opt.no_dictionary;
    }
    /* "PAR1" opens the file */
    if (buf_append(out, "PAR1", 4)) {
        parquet_writer_destroy(&w);
        return err_set(e, WEIR_ELIMIT, "parquet: output over its limit");
    }
    w->offset = 4;
    *wp = w;
    return WEIR_OK;
}

/* ---------------------------------------------------------------- pages */

/* Compress body, write header + compressed body into c->pages. */
static int page_emit(ParquetWriter *w, PqCol *c, int page_type, const uint8_t *body, size_t body_len,
                     uint32_t n_values, int encoding, Err *e)
{
    Buf *comp = &w->scratch2;
    buf_reset(comp);
    const uint8_t *cp = body;
    size_t clen = body_len;
    if (w->codec != SINK_CODEC_NONE) {
        Slice part = {body, body_len};
        if (sink_compress(w->codec, w->opt.codec_level, &part, 1, NULL, comp, e))
            return pq_fail(w, e, WEIR_ERROR, "page compression failed", NULL);
        cp = comp->p;
        clen = comp->len;
    }
    if (body_len > INT32_MAX || clen > INT32_MAX)
        return pq_fail(w, e, WEIR_ELIMIT, "page over 2 GiB", NULL);
    size_t h0 = c->pages.len;
    ThriftWriter tw;
    thrift_writer_init(&tw, &c->pages);
    thrift_struct_begin(&tw);
    thrift_field_i32(&tw, 1, page_type);
    thrift_field_i32(&tw, 2, (int32_t)body_len);
    thrift_field_i32(&tw, 3, (int32_t)clen);
    if (page_type == PQ_PAGE_DATA) {
        thrift_field_begin(&tw, 5, THRIFT_STRUCT); /* DataPageHeader */
        thrift_struct_begin(&tw);
        thrift_field_i32(&tw, 1, (int32_t)n_values);
        thrift_field_i32(&tw, 2, encoding);
        thrift_field_i32(&tw, 3, PQ_ENC_RLE);
        thrift_field_i32(&tw, 4, PQ_ENC_RLE);
        thrift_struct_end(&tw);
    } else {
        thrift_field_begin(&tw, 7, THRIFT_STRUCT); /* DictionaryPageHeader */
        thrift_struct_begin(&tw);
        thrift_field_i32(&tw, 1, (int32_t)n_values);
        thrift_field_i32(&tw, 2, PQ_ENC_PLAIN);
        thrift_struct_end(&tw);
    }
    thrift_struct_end(&tw);
    if (thrift_writer_error(&tw) || buf_append(&c->pages, cp, clen))
        return pq_fail(w, e, WEIR_ELIMIT, "output over its limit", NULL);
    size_t hlen = c->pages.len - clen - h0;
    c->chunk_unc += hlen + body_len;
    c->chunk_comp += hlen + clen;
    return WEIR_OK;
}

/* Cut the page being filled (no-op when it is empty). */
static int page_cut(ParquetWriter *w, PqCol *c, Err *e)
{
    if (c->page_values == 0)
        return WEIR_OK;
    Buf *body = &w->scratch;
    buf_reset(body);
    int rc = WEIR_OK;
    if (c->nullable) {
        uint8_t len4[4] = {0};
        rc = buf_append(body, len4, 4);
        /* definition levels through the hybrid encoder, which takes u32 values */
        uint32_t tmp[256];
        Buf lv;
        buf_init(&lv, 0);
        uint32_t *all = c->n_defs > 256 ? xmalloc(c->n_defs * sizeof(uint32_t)) : tmp;
        for (size_t i = 0; i < c->n_defs; i++)
            all[i] = c->defs[i];
        if (!rc)
            rc = hybrid_encode(&lv, all, c->n_defs, 1);
        if (all != tmp)
            free(all);
        if (!rc) {
            put_le32(body->p, (uint32_t)lv.len);
            rc = buf_append(body, lv.p, lv.len);
        }
        buf_fini(&lv);
    }
    int encoding = PQ_ENC_PLAIN;
    if (!rc && c->n_idx) {
        encoding = PQ_ENC_RLE_DICTIONARY;
        int width = bit_width(c->n_dict ? c->n_dict - 1 : 0);
        rc = buf_append_byte(body, (uint8_t)width);
        if (!rc)
            rc = hybrid_encode(body, c->idx, c->n_idx, width);
        c->used_dict = 1;
    } else if (!rc && c->phys == PQ_BOOLEAN) {
        size_t n = c->vals.len, bytes = (n + 7) / 8;
        rc = buf_reserve(body, bytes);
        if (!rc) {
            uint8_t *p = body->p + body->len;
            memset(p, 0, bytes);
            for (size_t i = 0; i < n; i++)
                p[i / 8] |= (uint8_t)(c->vals.p[i] << (i % 8));
            body->len += bytes;
        }
        c->used_plain = 1;
    } else if (!rc) {
        rc = buf_append(body, c->vals.p, c->vals.len);
        c->used_plain = 1;
    }
    if (rc)
        return pq_fail(w, e, WEIR_ELIMIT, "page over its limit", NULL);
    rc = page_emit(w, c, PQ_PAGE_DATA, body->p, body->len, c->page_values, encoding, e);
    if (rc)
        return rc;
    c->chunk_values += c->page_values;
    c->chunk_nulls += c->page_nulls;
    c->page_values = c->page_nulls = 0;
    c->n_idx = c->n_defs = 0;
    buf_reset(&c->vals);
    return WEIR_OK;
}

static size_t page_bytes(const PqCol *c)
{
    return c->vals.len + c->n_idx * 4 + c->n_defs / 8;
}

/* ---------------------------------------------------------------- dictionary */

static void dict_clear(PqCol *c)
{
    buf_reset(&c->dict_plain);
    c->n_dict = 0;
    if (c->slots)
        memset(c->slots, 0, c->n_slots * sizeof(uint32_t));
}

/* Bytes of one dictionary entry of a fixed-width column (INT32 4, INT64 8), 0 for BYTE_ARRAY, whose
 * entries carry PLAIN's 4-byte length prefix. */
static size_t dict_width(const PqCol *c)
{
    return c->phys == PQ_INT32 ? 4 : c->phys == PQ_INT64 ? 8 : 0;
}

static Slice dict_entry(const PqCol *c, uint32_t i)
{
    const uint8_t *ent = c->dict_plain.p + c->dict_off[i];
    size_t wd = dict_width(c);
    if (wd)
        return (Slice){ent, wd};
    uint32_t len = (uint32_t)ent[0] | (uint32_t)ent[1] << 8 | (uint32_t)ent[2] << 16 | (uint32_t)ent[3] << 24;
    return (Slice){ent + 4, len};
}

static void dict_rehash(PqCol *c, uint32_t n_slots)
{
    free(c->slots);
    c->slots = xcalloc(n_slots, sizeof(uint32_t));
    c->n_slots = n_slots;
    for (uint32_t i = 0; i < c->n_dict; i++) {
        Slice ent = dict_entry(c, i);
        uint32_t s = (uint32_t)hash_bytes(ent.p, ent.n) & (n_slots - 1);
        while (c->slots[s])
            s = (s + 1) & (n_slots - 1);
        c->slots[s] = i + 1;
    }
}

/* The dictionary index of p[0..n), adding it when new (*is_new). Returns 0, or -1 when the dictionary
 * would pass its limit (the caller falls back to PLAIN). */
static int dict_lookup(ParquetWriter *w, PqCol *c, const uint8_t *p, size_t n, uint32_t *out, int *is_new)
{
    if (!c->slots)
        dict_rehash(c, 1024);
    uint32_t s = (uint32_t)hash_bytes(p, n) & (c->n_slots - 1);
    while (c->slots[s]) {
        uint32_t i = c->slots[s] - 1;
        Slice ent = dict_entry(c, i);
        if (ent.n == n && memcmp(ent.p, p, n) == 0) {
            *out = i;
            *is_new = 0;
            return 0;
        }
        s = (s + 1) & (c->n_slots - 1);
    }
    size_t prefix = dict_width(c) ? 0 : 4;
    if (c->dict_plain.len + prefix + n > w->opt.dictionary_bytes || n > UINT32_MAX)
        return -1;
    if (c->n_dict == c->cap_dict_off) {
        c->cap_dict_off = c->cap_dict_off ? c->cap_dict_off * 2 : 256;
        c->dict_off = xrealloc(c->dict_off, c->cap_dict_off * sizeof(uint32_t));
    }
    uint8_t len4[4];
    put_le32(len4, (uint32_t)n);
    c->dict_off[c->n_dict] = (uint32_t)c->dict_plain.len;
    if (buf_append(&c->dict_plain, len4, prefix) || buf_append(&c->dict_plain, p, n))
        return -1;
    c->slots[s] = c->n_dict + 1;
    *out = c->n_dict++;
    *is_new = 1;
    if ((uint64_t)c->n_dict * 2 > c->n_slots)
        dict_rehash(c, c->n_slots * 2);
    return 0;
}

/* After PQ_DICT_PROBE (strings) or PQ_DICT_PROBE_FIXED (integers) dictionary-encoded values of a chunk:
 * keep the dictionary only when it pays, else
 * the rest of the chunk is PLAIN (parquet-mr judges its first page the same way). Strings: the dictionary
 * plus bit-packed indices must save a tenth of the values' PLAIN bytes. Integers (and dates, timestamps)
 * must repeat much more, at most one distinct value in four and half the bytes saved: their PLAIN bytes
 * compress well when values are near each other (event times, counters), which indices do not. */
static int dict_probe(ParquetWriter *w, PqCol *c, Err *e)
{
    c->dict_probed = 1;
    uint64_t dict_cost = c->dict_plain.len + (uint64_t)c->n_idx * (uint64_t)bit_width(c->n_dict - 1) / 8;
    int keep = c->phys == PQ_BYTE_ARRAY
                   ? dict_cost * 10 <= c->probe_plain * 9
                   : dict_cost * 2 <= c->probe_plain && (uint64_t)c->n_dict * 4 <= c->n_idx;
    if (keep)
        return WEIR_OK;
    int rc = page_cut(w, c, e);
    c->dict_on = 0;
    return rc;
}

/* ---------------------------------------------------------------- values */

static int grow_defs(PqCol *c)
{
    if (c->n_defs == c->cap_defs) {
        c->cap_defs = c->cap_defs ? c->cap_defs * 2 : 4096;
        c->defs = xrealloc(c->defs, c->cap_defs);
    }
    return WEIR_OK;
}

static int add_null(ParquetWriter *w, PqCol *c, Err *e)
{
    if (!c->nullable)
        return pq_fail(w, e, WEIR_EINVAL, "NULL in a column declared not null", c->name);
    grow_defs(c);
    c->defs[c->n_defs++] = 0;
    c->page_values++;
    c->page_nulls++;
    return WEIR_OK;
}

/* Add one encoded value: p[0..n) are a BYTE_ARRAY's bytes, or an INT32/INT64's PLAIN bytes (whose
 * statistics the caller keeps). Through the dictionary while it is on, else PLAIN. */
static int add_encoded(ParquetWriter *w, PqCol *c, const uint8_t *p, size_t n, Err *e)
{
    int is_str = c->phys == PQ_BYTE_ARRAY;
    if (n > INT32_MAX)
        return pq_fail(w, e, WEIR_ELIMIT, "value over 2 GiB in column", c->name);
    if (c->dict_on) {
        uint32_t ix;
        int is_new;
        if (dict_lookup(w, c, p, n, &ix, &is_new) == 0) {
            if (c->n_idx == c->cap_idx) {
                c->cap_idx = c->cap_idx ? c->cap_idx * 2 : 4096;
                c->idx = xrealloc(c->idx, c->cap_idx * sizeof(uint32_t));
            }
            c->idx[c->n_idx++] = ix;
            if (is_str && is_new && stats_bytes(&c->cst, p, n))
                return pq_fail(w, e, WEIR_ELIMIT, "statistics over their limit", NULL);
            if (!c->dict_probed) {
                c->probe_plain += n + (is_str ? 4 : 0);
                if (c->n_idx >= (is_str ? PQ_DICT_PROBE : PQ_DICT_PROBE_FIXED))
                    return dict_probe(w, c, e);
            }
            return WEIR_OK;
        }
        /* the dictionary is full: this chunk goes on PLAIN from a fresh page. add_value already counted
         * this value in the page: take it out while the page is cut, put it in the next one */
        if (c->nullable)
            c->n_defs--;
        c->page_values--;
        int rc = page_cut(w, c, e);
        if (rc)
            return rc;
        c->dict_on = 0;
        if (c->nullable)
            c->defs[c->n_defs++] = 1;
        c->page_values++;
    }
    uint8_t len4[4];
    put_le32(len4, (uint32_t)n);
    if ((is_str && buf_append(&c->vals, len4, 4)) || buf_append(&c->vals, p, n) ||
        (is_str && stats_bytes(&c->cst, p, n)))
        return pq_fail(w, e, WEIR_ELIMIT, "page over its limit", NULL);
    return WEIR_OK;
}

/* Add one non-NULL value (v's type of the column's physical class). */
static int add_value(ParquetWriter *w, PqCol *c, const SqlValue *v, Err *e)
{
    if (c->nullable) {
        grow_defs(c);
        c->defs[c->n_defs++] = 1;
    }
    c->page_values++;
    uint8_t tmp[16];
    switch (c->form) {
    case PARQUET_FORM_BOOL:
        tmp[0] = v->u.b ? 1 : 0;
        stats_int(&c->cst, tmp[0]);
        if (buf_append(&c->vals, tmp, 1))
            return pq_fail(w, e, WEIR_ELIMIT, "page over its limit", NULL);
        return WEIR_OK;
    case PARQUET_FORM_INT32:
    case PARQUET_FORM_DATE: {
        int64_t x = v->u.i;
        if (c->form == PARQUET_FORM_DATE) {
            /* infinities as DuckDB keeps them: +-INT32_MAX days */
            x = x == SQL_DT_NOEND ? INT32_MAX : x == SQL_DT_NOBEGIN ? -INT32_MAX : x + PQ_EPOCH_DAYS;
        }
        if (x < INT32_MIN || x > INT32_MAX)
            return pq_fail(w, e, WEIR_EINVAL, "value out of range for INT32 in column", c->name);
        stats_int(&c->cst, x);
        put_le32(tmp, (uint32_t)(int32_t)x);
        return add_encoded(w, c, tmp, 4, e);
    }
    case PARQUET_FORM_INT64:
    case PARQUET_FORM_TIME:
    case PARQUET_FORM_TIMESTAMP:
    case PARQUET_FORM_TIMESTAMPTZ: {
        int64_t x = v->u.i;
        if (c->form == PARQUET_FORM_TIMESTAMP || c->form == PARQUET_FORM_TIMESTAMPTZ) {
            if (x == SQL_DT_NOEND)
                x = INT64_MAX;
            else if (x == SQL_DT_NOBEGIN)
                x = -INT64_MAX;
            else if (__builtin_add_overflow(x, PQ_EPOCH_USEC, &x))
                return pq_fail(w, e, WEIR_EINVAL, "timestamp out of range in column", c->name);
        }
        stats_int(&c->cst, x);
        put_le64(tmp, (uint64_t)x);
        return add_encoded(w, c, tmp, 8, e);
    }
    case PARQUET_FORM_FLOAT:
    case PARQUET_FORM_DOUBLE: {
        double d = c->type.id == SQL_NUMERIC ? sql_numeric_to_double(&v->u.num) : v->u.f;
        if (isnan(d))
            c->f_nans++;
        else
            stats_double(&c->cst, c->form == PARQUET_FORM_FLOAT ? (double)(float)d : d);
        if (c->form == PARQUET_FORM_FLOAT) {
            float f = (float)d;
            uint32_t u;
            memcpy(&u, &f, 4);
            put_le32(tmp, u);
        } else {
            uint64_t u;
            memcpy(&u, &d, 8);
            put_le64(tmp, u);
        }
        if (buf_append(&c->vals, tmp, c->form == PARQUET_FORM_FLOAT ? 4 : 8))
            return pq_fail(w, e, WEIR_ELIMIT, "page over its limit", NULL);
        return WEIR_OK;
    }
    case PARQUET_FORM_DECIMAL: {
        if (v->u.num.kind != SQL_NUM_FINITE)
            return pq_fail(w, e, WEIR_EINVAL, "NaN or infinity cannot be stored as DECIMAL in column",
                           c->name);
        SqlNumeric r;
        SqlError se;
        memset(&se, 0, sizeof(se));
        if (sql_numeric_apply_typmod(&v->u.num, c->type.typmod, &r, &se))
            return pq_fail(w, e, WEIR_EINVAL, se.message, c->name);
        __int128 x = r.v;
        for (int s = r.scale; s < c->scale; s++)
            x *= 10;
        stats_num(&c->cst, x);
        decimal_be(x, c->type_len, tmp);
        if (buf_append(&c->vals, tmp, (size_t)c->type_len))
            return pq_fail(w, e, WEIR_ELIMIT, "page over its limit", NULL);
        return WEIR_OK;
    }
    case PARQUET_FORM_STRING:
    case PARQUET_FORM_JSON:
    case PARQUET_FORM_BINARY:
        if (c->is_text) {
            Buf *t = &w->text;
            buf_reset(t);
            if (sql_value_to_text(v, &w->fmt, t))
                return pq_fail(w, e, WEIR_ELIMIT, "value over its limit", NULL);
            return add_encoded(w, c, t->p, t->len, e);
        }
        return add_encoded(w, c, v->u.s.p ? v->u.s.p : (const uint8_t *)"", v->u.s.n, e);
    }
    return pq_fail(w, e, WEIR_ERROR, "unknown column form", c->name);
}

/* ---------------------------------------------------------------- row groups */

static int write_out(ParquetWriter *w, const void *p, size_t n, Err *e)
{
    if (buf_append(w->out, p, n))
        return pq_fail(w, e, WEIR_ELIMIT, "output over its limit", NULL);
    w->offset += n;
    return WEIR_OK;
}

static void write_statistics(ThriftWriter *tw, const PqCol *c, const PqStats *s, uint64_t nulls)
{
    uint8_t minb[16], maxb[16];
    const uint8_t *minp = NULL, *maxp = NULL;
    size_t minn = 0, maxn = 0;
    int have = s->has;
    if (have) {
        minn = stats_plain(c, s, 0, minb, &minp);
        maxn = stats_plain(c, s, 1, maxb, &maxp);
        if (c->phys == PQ_BYTE_ARRAY && ((minn == 0 && s->smin.len) || (maxn == 0 && s->smax.len)))
            have = 0; /* a bound too long to keep */
    }
    int legacy = have && c->phys != PQ_BYTE_ARRAY && c->phys != PQ_FLBA;
    if (legacy) {
        thrift_field_binary(tw, 1, maxp, maxn);
        thrift_field_binary(tw, 2, minp, minn);
    }
    thrift_field_i64(tw, 3, (int64_t)nulls);
    if (have) {
        thrift_field_binary(tw, 5, maxp, maxn);
        thrift_field_binary(tw, 6, minp, minn);
    }
}

static int rowgroup_flush(ParquetWriter *w, Err *e)
{
    if (w->err)
        return err_set(e, w->err, "parquet: the writer failed earlier");
    if (w->rg_rows == 0)
        return WEIR_OK;
    uint64_t rg_start = w->offset, rg_unc = 0, rg_comp = 0;
    ThriftWriter tw;
    thrift_writer_init(&tw, &w->rg_meta);
    thrift_struct_begin(&tw); /* RowGroup */
    thrift_field_begin(&tw, 1, THRIFT_LIST);
    thrift_list_begin(&tw, THRIFT_STRUCT, w->n_cols);
    for (uint32_t i = 0; i < w->n_cols; i++) {
        PqCol *c = &w->cols[i];
        int rc = page_cut(w, c, e);
        if (rc)
            return rc;
        uint64_t chunk_start = w->offset;
        int64_t dict_off = -1;
        if (c->used_dict) {
            /* the dictionary page goes first; its bytes count in the chunk's sizes */
            Buf pages_saved = c->pages;
            buf_init(&c->pages, 0);
            rc = page_emit(w, c, PQ_PAGE_DICTIONARY, c->dict_plain.p ? c->dict_plain.p : (const uint8_t *)"",
                           c->dict_plain.len, c->n_dict, PQ_ENC_PLAIN, e);
            if (rc == WEIR_OK)
                rc = write_out(w, c->pages.p, c->pages.len, e);
            buf_fini(&c->pages);
            c->pages = pages_saved;
            if (rc)
                return rc;
            dict_off = (int64_t)chunk_start;
        }
        uint64_t data_off = w->offset;
        rc = write_out(w, c->pages.p ? c->pages.p : (const uint8_t *)"", c->pages.len, e);
        if (rc)
            return rc;
        thrift_struct_begin(&tw); /* ColumnChunk */
        thrift_field_i64(&tw, 2, (int64_t)chunk_start);
        thrift_field_begin(&tw, 3, THRIFT_STRUCT); /* ColumnMetaData */
        thrift_struct_begin(&tw);
        thrift_field_i32(&tw, 1, c->phys);
        int encs[3], n_enc = 0;
        if (c->used_plain || c->used_dict)
            encs[n_enc++] = PQ_ENC_PLAIN; /* PLAIN pages, or the dictionary page */
        if (c->nullable)
            encs[n_enc++] = PQ_ENC_RLE;
        if (c->used_dict)
            encs[n_enc++] = PQ_ENC_RLE_DICTIONARY;
        thrift_field_begin(&tw, 2, THRIFT_LIST);
        thrift_list_begin(&tw, THRIFT_I32, (uint32_t)n_enc);
        for (int k = 0; k < n_enc; k++)
            thrift_write_i32(&tw, encs[k]);
        thrift_field_begin(&tw, 3, THRIFT_LIST);
        thrift_list_begin(&tw, THRIFT_BINARY, 1);
        thrift_write_binary(&tw, c->name, strlen(c->name));
        thrift_field_i32(&tw, 4, (int32_t)w->opt.codec);
        thrift_field_i64(&tw, 5, (int64_t)c->chunk_values);
        thrift_field_i64(&tw, 6, (int64_t)c->chunk_unc);
        thrift_field_i64(&tw, 7, (int64_t)c->chunk_comp);
        thrift_field_i64(&tw, 9, (int64_t)data_off);
        if (dict_off >= 0)
            thrift_field_i64(&tw, 11, dict_off);
        thrift_field_begin(&tw, 12, THRIFT_STRUCT);
        thrift_struct_begin(&tw);
        write_statistics(&tw, c, &c->cst, c->chunk_nulls);
        thrift_struct_end(&tw);
        thrift_struct_end(&tw); /* ColumnMetaData */
        thrift_struct_end(&tw); /* ColumnChunk */
        rg_unc += c->chunk_unc;
        rg_comp += c->chunk_comp;
        /* fold into the file's results and start the next chunk */
        c->f_values += c->chunk_values;
        c->f_nulls += c->chunk_nulls;
        c->f_comp += c->chunk_comp;
        c->f_unc += c->chunk_unc;
        if (stats_merge(&c->fst, &c->cst, c->phys))
            return pq_fail(w, e, WEIR_ELIMIT, "statistics over their limit", NULL);
        stats_reset(&c->cst);
        buf_reset(&c->pages);
        c->chunk_unc = c->chunk_comp = c->chunk_values = c->chunk_nulls = 0;
        c->used_plain = c->used_dict = 0;
        dict_clear(c);
        c->dict_on = dict_capable(c) && !w->opt.no_dictionary;
        c->dict_probed = 0;
        c->probe_plain = 0;
    }
    thrift_field_i64(&tw, 2, (int64_t)rg_unc);
    thrift_field_i64(&tw, 3, (int64_t)w->rg_rows);
    thrift_field_i64(&tw, 5, (int64_t)rg_start);
    thrift_field_i64(&tw, 6, (int64_t)rg_comp);
    thrift_field_begin(&tw, 7, THRIFT_I16);
    /* i16 ordinal: a zigzag varint like the other integers */
    thrift_write_i32(&tw, (int32_t)(w->n_rg > INT16_MAX ? INT16_MAX : w->n_rg));
    thrift_struct_end(&tw);
    if (thrift_writer_error(&tw))
        return pq_fail(w, e, WEIR_ELIMIT, "metadata over its limit", NULL);
    w->n_rg++;
    w->rg_rows = 0;
    return WEIR_OK;
}

static uint64_t rowgroup_bytes(const ParquetWriter *w)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->n_cols; i++) {
        const PqCol *c = &w->cols[i];
        n += c->pages.len + page_bytes(c) + c->dict_plain.len;
    }
    return n;
}

/* After a row: cut full pages, and the row group when it is full. */
static int after_rows(ParquetWriter *w, Err *e)
{
    for (uint32_t i = 0; i < w->n_cols; i++) {
        PqCol *c = &w->cols[i];
        if (page_bytes(c) >= w->opt.page_bytes) {
            int rc = page_cut(w, c, e);
            if (rc)
                return rc;
        }
    }
    if ((w->opt.row_group_rows && w->rg_rows >= w->opt.row_group_rows) ||
        rowgroup_bytes(w) >= w->opt.row_group_bytes)
        return rowgroup_flush(w, e);
    return WEIR_OK;
}

int parquet_writer_write_row(ParquetWriter *w, const SqlValue *vals, Err *e)
{
    if (w->err || w->finished)
        return err_set(e, w->err ? w->err : WEIR_EINVAL, "parquet: the writer failed earlier or is finished");
    for (uint32_t i = 0; i < w->n_cols; i++) {
        PqCol *c = &w->cols[i];
        int rc = vals[i].is_null ? add_null(w, c, e) : add_value(w, c, &vals[i], e);
        if (rc)
            return rc;
    }
    w->rows++;
    w->rg_rows++;
    /* checking sizes per row costs a loop over the columns: do it every 64 rows */
    if ((w->rg_rows & 63) == 0 || (w->opt.row_group_rows && w->rg_rows >= w->opt.row_group_rows))
        return after_rows(w, e);
    return WEIR_OK;
}

/* Physical class for the batch check: UNKNOWN (NONE) columns hold strings like text. */
static SqlPhys phys_class(SqlTypeId id)
{
    SqlPhys p = sql_type_phys(id);
    return p == SQL_PHYS_NONE ? SQL_PHYS_STR : p;
}

int parquet_writer_write_batch(ParquetWriter *w, const Batch *b, Err *e)
{
    if (w->err || w->finished)
        return err_set(e, w->err ? w->err : WEIR_EINVAL, "parquet: the writer failed earlier or is finished");
    if (b->n_cols != w->n_cols)
        return pq_fail(w, e, WEIR_EINVAL, "batch column count differs from the schema", NULL);
    for (uint32_t i = 0; i < w->n_cols; i++)
        if (phys_class(b->cols[i].type.id) != phys_class(w->cols[i].type.id))
            return pq_fail(w, e, WEIR_EINVAL, "batch column type differs from the schema", w->cols[i].name);
    uint32_t start = 0;
    while (start < b->n) {
        uint32_t end = b->n;
        if (w->opt.row_group_rows && end - start > w->opt.row_group_rows - w->rg_rows)
            end = start + (uint32_t)(w->opt.row_group_rows - w->rg_rows);
        /* pages are cut inside the loop so one batch of long strings cannot make a huge page */
        for (uint32_t i = 0; i < w->n_cols; i++) {
            PqCol *c = &w->cols[i];
            const Vec *v = &b->cols[i];
            for (uint32_t r = start; r < end; r++) {
                int rc;
                if (vec_is_null(v, r)) {
                    rc = add_null(w, c, e);
                } else {
                    SqlValue sv;
                    vec_get(v, r, &sv);
                    sv.type = c->type;
                    rc = add_value(w, c, &sv, e);
                }
                if (rc)
                    return rc;
                if ((r & 255) == 255 && page_bytes(c) >= w->opt.page_bytes && (rc = page_cut(w, c, e)))
                    return rc;
            }
        }
        w->rows += end - start;
        w->rg_rows += end - start;
        int rc = after_rows(w, e);
        if (rc)
            return rc;
        start = end;
    }
    return WEIR_OK;
}

int parquet_writer_flush(ParquetWriter *w, Err *e)
{
    if (w->err || w->finished)
        return err_set(e, w->err ? w->err : WEIR_EINVAL, "parquet: the writer failed earlier or is finished");
    return rowgroup_flush(w, e);
}

uint64_t parquet_writer_rows(const ParquetWriter *w)
{
    return w->rows;
}

uint64_t parquet_writer_size_estimate(const ParquetWriter *w)
{
    return w->offset + rowgroup_bytes(w);
}

/* ---------------------------------------------------------------- footer */

static void write_schema_element(ThriftWriter *tw, const PqCol *c)
{
    thrift_struct_begin(tw);
    thrift_field_i32(tw, 1, c->phys);
    if (c->phys == PQ_FLBA)
        thrift_field_i32(tw, 2, c->type_len);
    thrift_field_i32(tw, 3, c->nullable ? PQ_OPTIONAL : PQ_REQUIRED);
    thrift_field_string(tw, 4, c->name);
    int ct = -1;
    switch (c->form) {
    case PARQUET_FORM_INT32:
        ct = c->type.id == SQL_INT2 ? PQ_CT_INT_16 : -1;
        break;
    case PARQUET_FORM_STRING:
        ct = PQ_CT_UTF8;
        break;
    case PARQUET_FORM_JSON:
        ct = PQ_CT_JSON;
        break;
    case PARQUET_FORM_DECIMAL:
        ct = PQ_CT_DECIMAL;
        break;
    case PARQUET_FORM_DATE:
        ct = PQ_CT_DATE;
        break;
    case PARQUET_FORM_TIME:
        ct = PQ_CT_TIME_MICROS;
        break;
    /* LogicalTypes.md: local timestamps carry the legacy annotation too, for older readers */
    case PARQUET_FORM_TIMESTAMP:
    case PARQUET_FORM_TIMESTAMPTZ:
        ct = PQ_CT_TIMESTAMP_MICROS;
        break;
    default:
        break;
    }
    if (ct >= 0)
        thrift_field_i32(tw, 6, ct);
    if (c->form == PARQUET_FORM_DECIMAL) {
        thrift_field_i32(tw, 7, c->scale);
        thrift_field_i32(tw, 8, c->prec);
    }
    thrift_field_i32(tw, 9, c->field_id);
    /* LogicalType (a union: one field set) */
    int lt = 0;
    switch (c->form) {
    case PARQUET_FORM_STRING:
        lt = 1;
        break;
    case PARQUET_FORM_DECIMAL:
        lt = 5;
        break;
    case PARQUET_FORM_DATE:
        lt = 6;
        break;
    case PARQUET_FORM_TIME:
        lt = 7;
        break;
    case PARQUET_FORM_TIMESTAMP:
    case PARQUET_FORM_TIMESTAMPTZ:
        lt = 8;
        break;
    case PARQUET_FORM_INT32:
        lt = c->type.id == SQL_INT2 ? 10 : 0;
        break;
    case PARQUET_FORM_JSON:
        lt = 12;
        break;
    default:
        break;
    }
    if (lt) {
        thrift_field_begin(tw, 10, THRIFT_STRUCT);
        thrift_struct_begin(tw);
        thrift_field_begin(tw, (int16_t)lt, THRIFT_STRUCT);
        thrift_struct_begin(tw);
        if (lt == 5) {
            thrift_field_i32(tw, 1, c->scale);
            thrift_field_i32(tw, 2, c->prec);
        } else if (lt == 7 || lt == 8) {
            thrift_field_bool(tw, 1, c->form == PARQUET_FORM_TIMESTAMPTZ);
            thrift_field_begin(tw, 2, THRIFT_STRUCT); /* TimeUnit union: MICROS (2) */
            thrift_struct_begin(tw);
            thrift_field_begin(tw, 2, THRIFT_STRUCT);
            thrift_struct_begin(tw);
            thrift_struct_end(tw);
            thrift_struct_end(tw);
        } else if (lt == 10) {
            thrift_field_begin(tw, 1, THRIFT_I8);
            uint8_t bw = 16;
            if (!tw->err && buf_append(tw->out, &bw, 1))
                tw->err = WEIR_ELIMIT;
            thrift_field_bool(tw, 2, 1);
        }
        thrift_struct_end(tw);
        thrift_struct_end(tw);
    }
    thrift_struct_end(tw);
}

/* Iceberg's truncate(16) of UTF-8 text: the first 16 code points; for the upper bound the last kept code
 * point is incremented (dropping trailing ones that cannot be), or there is no upper bound. */
static size_t utf8_prefix(const uint8_t *p, size_t n, int chars)
{
    size_t i = 0;
    for (int k = 0; k < chars && i < n; k++) {
        i++;
        while (i < n && (p[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

static int bound_string_upper(const uint8_t *p, size_t n, Buf *out)
{
    size_t cut = utf8_prefix(p, n, PQ_BOUND_CHARS);
    if (cut == n)
        return buf_append(out, p, n) ? -1 : 1;
    while (cut > 0) {
        size_t st = cut - 1;
        while (st > 0 && (p[st] & 0xC0) == 0x80)
            st--;
        uint32_t cp;
        uint8_t b0 = p[st];
        size_t len = cut - st;
        if (len == 1)
            cp = b0;
        else if (len == 2)
            cp = (uint32_t)(b0 & 0x1F) << 6 | (p[st + 1] & 0x3F);
        else if (len == 3)
            cp = (uint32_t)(b0 & 0x0F) << 12 | (uint32_t)(p[st + 1] & 0x3F) << 6 | (p[st + 2] & 0x3F);
        else
            cp = (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(p[st + 1] & 0x3F) << 12 |
                 (uint32_t)(p[st + 2] & 0x3F) << 6 | (p[st + 3] & 0x3F);
        cp++;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            cp = 0xE000;
        if (cp <= 0x10FFFF) {
            uint8_t enc[4];
            size_t k = utf8_encode(cp, enc);
            return buf_append(out, p, st) || buf_append(out, enc, k) ? -1 : 1;
        }
        cut = st;
    }
    return 0;
}

static int bound_binary_upper(const uint8_t *p, size_t n, Buf *out)
{
    if (n <= PQ_BOUND_CHARS)
        return buf_append(out, p, n) ? -1 : 1;
    uint8_t tmp[PQ_BOUND_CHARS];
    memcpy(tmp, p, PQ_BOUND_CHARS);
    for (int i = PQ_BOUND_CHARS - 1; i >= 0; i--) {
        if (tmp[i] != 0xFF) {
            tmp[i]++;
            return buf_append(out, tmp, (size_t)i + 1) ? -1 : 1;
        }
    }
    return 0;
}

/* Iceberg single-value serialisation of the file-level bounds into c->lower / c->upper. */
static int iceberg_bounds(PqCol *c, ParquetColumnResult *r)
{
    r->has_lower = r->has_upper = 0;
    const PqStats *s = &c->fst;
    if (!s->has || c->form == PARQUET_FORM_JSON || c->is_text || SQL_IS_ARRAY(c->type.id) ||
        c->type.id == SQL_INT2VECTOR || c->type.id == SQL_OIDVECTOR)
        return WEIR_OK;
    uint8_t tmp[16];
    for (int hi = 0; hi < 2; hi++) {
        Buf *b = hi ? &c->upper : &c->lower;
        buf_reset(b);
        int ok = 1;
        switch (c->form) {
        case PARQUET_FORM_BOOL:
            tmp[0] = (uint8_t)(hi ? s->imax : s->imin);
            ok = !buf_append(b, tmp, 1);
            break;
        case PARQUET_FORM_INT32:
        case PARQUET_FORM_DATE:
            put_le32(tmp, (uint32_t)(int32_t)(hi ? s->imax : s->imin));
            ok = !buf_append(b, tmp, 4);
            break;
        case PARQUET_FORM_INT64:
        case PARQUET_FORM_TIME:
        case PARQUET_FORM_TIMESTAMP:
        case PARQUET_FORM_TIMESTAMPTZ:
            put_le64(tmp, (uint64_t)(hi ? s->imax : s->imin));
            ok = !buf_append(b, tmp, 8);
            break;
        case PARQUET_FORM_FLOAT: {
            float f = (float)(hi ? s->dmax : s->dmin);
            uint32_t u;
            memcpy(&u, &f, 4);
            put_le32(tmp, u);
            ok = !buf_append(b, tmp, 4);
            break;
        }
        case PARQUET_FORM_DOUBLE: {
            double d = hi ? s->dmax : s->dmin;
            uint64_t u;
            memcpy(&u, &d, 8);
            put_le64(tmp, u);
            ok = !buf_append(b, tmp, 8);
            break;
        }
        case PARQUET_FORM_DECIMAL: {
            decimal_be(hi ? s->nmax : s->nmin, 16, tmp);
            int st = 0; /* drop sign-extension bytes: the minimum bytes for the value */
            while (st < 15 &&
                   ((tmp[st] == 0x00 && !(tmp[st + 1] & 0x80)) || (tmp[st] == 0xFF && (tmp[st + 1] & 0x80))))
                st++;
            ok = !buf_append(b, tmp + st, (size_t)(16 - st));
            break;
        }
        case PARQUET_FORM_STRING:
        case PARQUET_FORM_BINARY: {
            const Buf *v = hi ? &s->smax : &s->smin;
            const uint8_t *vp = v->p ? v->p : (const uint8_t *)"";
            int got;
            if (!hi) {
                size_t cut = c->form == PARQUET_FORM_STRING
                                 ? utf8_prefix(vp, v->len, PQ_BOUND_CHARS)
                                 : (v->len < PQ_BOUND_CHARS ? v->len : PQ_BOUND_CHARS);
                got = buf_append(b, vp, cut) ? -1 : 1;
            } else {
                got = c->form == PARQUET_FORM_STRING ? bound_string_upper(vp, v->len, b)
                                                     : bound_binary_upper(vp, v->len, b);
            }
            if (got < 0)
                return WEIR_ELIMIT;
            if (got == 0)
                continue; /* no upper bound */
            break;
        }
        case PARQUET_FORM_JSON:
            continue;
        }
        if (!ok)
            return WEIR_ELIMIT;
        if (hi) {
            r->has_upper = 1;
            r->upper = (Slice){b->p, b->len};
        } else {
            r->has_lower = 1;
            r->lower = (Slice){b->p, b->len};
        }
    }
    return WEIR_OK;
}

int parquet_writer_finish(ParquetWriter *w, ParquetResult *res, Err *e)
{
    if (w->err || w->finished)
        return err_set(e, w->err ? w->err : WEIR_EINVAL, "parquet: the writer failed earlier or is finished");
    int rc = rowgroup_flush(w, e);
    if (rc)
        return rc;
    Buf *meta = &w->scratch;
    buf_reset(meta);
    ThriftWriter tw;
    thrift_writer_init(&tw, meta);
    thrift_struct_begin(&tw); /* FileMetaData */
    thrift_field_i32(&tw, 1, 1);
    thrift_field_begin(&tw, 2, THRIFT_LIST);
    thrift_list_begin(&tw, THRIFT_STRUCT, w->n_cols + 1);
    thrift_struct_begin(&tw); /* the root: a group of every column */
    thrift_field_i32(&tw, 3, PQ_REQUIRED);
    thrift_field_string(&tw, 4, "schema");
    thrift_field_i32(&tw, 5, (int32_t)w->n_cols);
    thrift_struct_end(&tw);
    for (uint32_t i = 0; i < w->n_cols; i++)
        write_schema_element(&tw, &w->cols[i]);
    thrift_field_i64(&tw, 3, (int64_t)w->rows);
    thrift_field_begin(&tw, 4, THRIFT_LIST);
    thrift_list_begin(&tw, THRIFT_STRUCT, w->n_rg);
    if (!tw.err && buf_append(meta, w->rg_meta.p ? w->rg_meta.p : (const uint8_t *)"", w->rg_meta.len))
        tw.err = WEIR_ELIMIT;
    if (w->opt.n_kv) {
        thrift_field_begin(&tw, 5, THRIFT_LIST);
        thrift_list_begin(&tw, THRIFT_STRUCT, (uint32_t)w->opt.n_kv);
        for (size_t i = 0; i < w->opt.n_kv; i++) {
            thrift_struct_begin(&tw);
            thrift_field_string(&tw, 1, w->kv[i].key);
            if (w->kv[i].value)
                thrift_field_string(&tw, 2, w->kv[i].value);
            thrift_struct_end(&tw);
        }
    }
    thrift_field_string(&tw, 6, w->created_by);
    thrift_field_begin(&tw, 7, THRIFT_LIST); /* column_orders: TypeDefinedOrder for each column */
    thrift_list_begin(&tw, THRIFT_STRUCT, w->n_cols);
    for (uint32_t i = 0; i < w->n_cols; i++) {
        thrift_struct_begin(&tw);
        thrift_field_begin(&tw, 1, THRIFT_STRUCT);
        thrift_struct_begin(&tw);
        thrift_struct_end(&tw);
        thrift_struct_end(&tw);
    }
    thrift_struct_end(&tw);
    if (thrift_writer_error(&tw) || meta->len > UINT32_MAX)
        return pq_fail(w, e, WEIR_ELIMIT, "footer over its limit", NULL);
    uint8_t tail[8];
    put_le32(tail, (uint32_t)meta->len);
    memcpy(tail + 4, "PAR1", 4);
    if ((rc = write_out(w, meta->p, meta->len, e)) || (rc = write_out(w, tail, 8, e)))
        return rc;
    w->finished = 1;
    w->res = xcalloc(w->n_cols, sizeof(ParquetColumnResult));
    for (uint32_t i = 0; i < w->n_cols; i++) {
        PqCol *c = &w->cols[i];
        ParquetColumnResult *r = &w->res[i];
        r->value_count = c->f_values;
        r->null_count = c->f_nulls;
        r->nan_count = c->f_nans;
        r->compressed_size = c->f_comp;
        r->uncompressed_size = c->f_unc;
        if (iceberg_bounds(c, r))
            return pq_fail(w, e, WEIR_ELIMIT, "bounds over their limit", NULL);
    }
    if (res) {
        memset(res, 0, sizeof(*res));
        res->record_count = w->rows;
        res->file_size = w->offset;
        res->n_row_groups = w->n_rg;
        res->n_cols = w->n_cols;
        res->cols = w->res;
    }
    return WEIR_OK;
}
