/*
 * compress.c: the codecs of delivered objects and Parquet pages (see compress.h).
 *
 *   gzip           zlib deflate with a gzip wrapper (windowBits 15 + 16): one member, fed part by part.
 *   zip            PKWARE APPNOTE's minimal archive: a local file header, the raw-deflated entry (zlib
 *                  windowBits -15), then one central directory record and the end-of-central-directory
 *                  record. Sizes and CRC-32 are known before the local header is written (the whole input
 *                  is compressed first), so no data descriptor is needed. No ZIP64: an entry or archive
 *                  past 4 GiB - 1 is refused (Firehose objects are at most 128 MiB).
 *   snappy         the raw snappy format (libsnappy's C API); the parts are joined first, since
 *                  snappy_compress takes one input.
 *   hadoop-snappy  Hadoop's BlockCompressorStream framing: for each block of at most 256 KiB of input,
 *                  u32 BE uncompressed length, then u32 BE compressed length and the snappy block.
 *   zstd           one zstd frame (libzstd streaming API, so parts need not be joined), with the content
 *                  size left out (streaming), checksum off as DuckDB and Spark write it.
 * Decompression exists for tests and for reading back; it stops at max_out (WEIR_EPARSE) so a small
 * corrupt input cannot make it allocate without bound.
 */
#include "sink/compress.h"

#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <zstd.h>

#define HADOOP_SNAPPY_BLOCK (256u * 1024u)
#define ZIP_MAX 0xFFFFFFFFull

int sink_codec_from_name(const char *name, SinkCodec *out)
{
    static const struct {
        const char *name;
        SinkCodec c;
    } names[] = {{"UNCOMPRESSED", SINK_CODEC_NONE},
                 {"GZIP", SINK_CODEC_GZIP},
                 {"ZIP", SINK_CODEC_ZIP},
                 {"Snappy", SINK_CODEC_SNAPPY},
                 {"HADOOP_SNAPPY", SINK_CODEC_HADOOP_SNAPPY},
                 {"ZSTD", SINK_CODEC_ZSTD}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].c;
            return 0;
        }
    return -1;
}

const char *sink_codec_name(SinkCodec c)
{
    switch (c) {
    case SINK_CODEC_NONE:
        return "UNCOMPRESSED";
    case SINK_CODEC_GZIP:
        return "GZIP";
    case SINK_CODEC_ZIP:
        return "ZIP";
    case SINK_CODEC_SNAPPY:
        return "Snappy";
    case SINK_CODEC_HADOOP_SNAPPY:
        return "HADOOP_SNAPPY";
    case SINK_CODEC_ZSTD:
        return "ZSTD";
    }
    return "?";
}

const char *sink_codec_extension(SinkCodec c)
{
    switch (c) {
    case SINK_CODEC_NONE:
        return "";
    case SINK_CODEC_GZIP:
        return ".gz";
    case SINK_CODEC_ZIP:
        return ".zip";
    case SINK_CODEC_SNAPPY:
    case SINK_CODEC_HADOOP_SNAPPY:
        return ".snappy";
    case SINK_CODEC_ZSTD:
        return ".zst";
    }
    return "";
}

static size_t parts_len(const Slice *parts, size_t n_parts)
{
    size_t n = 0;
    for (size_t i = 0; i < n_parts; i++)
        n += parts[i].n;
    return n;
}

static void put_u16le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u32be(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---------------------------------------------------------------- deflate (gzip and zip) */

/* Deflate the parts into out; window_bits 31 = gzip wrapper, -15 = raw (zip). */
static int deflate_parts(int window_bits, int level, const Slice *parts, size_t n_parts, Buf *out,
                         uint32_t *crc, Err *e)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, level ? level : Z_DEFAULT_COMPRESSION, Z_DEFLATED, window_bits, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return err_set(e, WEIR_ERROR, "deflateInit2 failed");
    uLong c = crc32(0L, Z_NULL, 0);
    int rc = WEIR_OK;
    for (size_t i = 0; i <= n_parts && rc == WEIR_OK; i++) {
        int flush = i == n_parts ? Z_FINISH : Z_NO_FLUSH;
        const uint8_t *p = i < n_parts ? parts[i].p : NULL;
        size_t left = i < n_parts ? parts[i].n : 0;
        if (i < n_parts && left)
            c = crc32_z(c, p, left);
        /* zlib's avail_in is a uInt: feed large parts in pieces */
        do {
            size_t chunk = left > (1u << 30) ? (1u << 30) : left;
            z.next_in = (Bytef *)(uintptr_t)p;
            z.avail_in = (uInt)chunk;
            int f = (chunk == left) ? flush : Z_NO_FLUSH;
            int zr;
            do {
                size_t room = deflateBound(&z, z.avail_in) + 64;
                if (room > (1u << 30))
                    room = 1u << 30;
                if (buf_reserve(out, room)) {
                    rc = err_set(e, WEIR_ELIMIT, "compressed output over its limit");
                    break;
                }
                z.next_out = out->p + out->len;
                z.avail_out = (uInt)room;
                zr = deflate(&z, f);
                out->len += room - z.avail_out;
                if (zr == Z_STREAM_ERROR) {
                    rc = err_set(e, WEIR_ERROR, "deflate failed");
                    break;
                }
            } while (z.avail_out == 0 || (f == Z_FINISH && zr != Z_STREAM_END));
            if (p) /* (the Z_FINISH round has no input: p is NULL there) */
                p += chunk;
            left -= chunk;
        } while (left && rc == WEIR_OK);
    }
    if (out->p)
        out->p[out->len] = '\0';
    deflateEnd(&z);
    if (crc)
        *crc = (uint32_t)c;
    return rc;
}

/* MS-DOS time and date of now (UTC), as the ZIP headers hold them. */
static void zip_dos_time(uint16_t *dtime, uint16_t *ddate)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (tm.tm_year < 80)
        tm.tm_year = 80, tm.tm_mon = 0, tm.tm_mday = 1, tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    *dtime = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *ddate = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

static int zip_parts(int level, const Slice *parts, size_t n_parts, const char *entry, Buf *out, Err *e)
{
    if (!entry || !*entry)
        entry = "data";
    size_t name_len = strlen(entry);
    size_t raw_len = parts_len(parts, n_parts);
    if (name_len > 0xFFFF || raw_len > ZIP_MAX)
        return err_set(e, WEIR_ELIMIT, "zip: entry too large (no ZIP64)");
    Buf body;
    buf_init(&body, out->max);
    uint32_t crc = 0;
    int rc = deflate_parts(-15, level, parts, n_parts, &body, &crc, e);
    if (rc) {
        buf_fini(&body);
        return rc;
    }
    if (body.len > ZIP_MAX) {
        buf_fini(&body);
        return err_set(e, WEIR_ELIMIT, "zip: archive too large (no ZIP64)");
    }
    uint16_t dtime, ddate;
    zip_dos_time(&dtime, &ddate);
    size_t start = out->len; /* offsets inside the archive are relative to its first byte */
    uint8_t lh[30];
    put_u32le(lh, 0x04034b50);
    put_u16le(lh + 4, 20);     /* version needed: 2.0 (deflate) */
    put_u16le(lh + 6, 0x0800); /* bit 11: the name is UTF-8 */
    put_u16le(lh + 8, 8);      /* deflated */
    put_u16le(lh + 10, dtime);
    put_u16le(lh + 12, ddate);
    put_u32le(lh + 14, crc);
    put_u32le(lh + 18, (uint32_t)body.len);
    put_u32le(lh + 22, (uint32_t)raw_len);
    put_u16le(lh + 26, (uint32_t)name_len);
    put_u16le(lh + 28, 0);
    uint8_t cd[46];
    put_u32le(cd, 0x02014b50);
    put_u16le(cd + 4, 3 << 8 | 20);              /* made by: UNIX, 2.0 */
    memcpy(cd + 6, lh + 4, 24);                  /* version needed .. name length, as in the local header */
    put_u16le(cd + 30, 0);                       /* extra field length */
    put_u16le(cd + 32, 0);                       /* comment length */
    put_u16le(cd + 34, 0);                       /* disk number start */
    put_u16le(cd + 36, 0);                       /* internal attributes */
    put_u32le(cd + 38, (uint32_t)0100644 << 16); /* external: a regular file, rw-r--r-- */
    put_u32le(cd + 42, 0);                       /* local header offset */
    size_t cd_off = 30 + name_len + body.len;
    size_t cd_len = 46 + name_len;
    if (cd_off + cd_len + 22 > ZIP_MAX) {
        buf_fini(&body);
        return err_set(e, WEIR_ELIMIT, "zip: archive too large (no ZIP64)");
    }
    uint8_t eocd[22];
    put_u32le(eocd, 0x06054b50);
    put_u16le(eocd + 4, 0);
    put_u16le(eocd + 6, 0);
    put_u16le(eocd + 8, 1);
    put_u16le(eocd + 10, 1);
    put_u32le(eocd + 12, (uint32_t)cd_len);
    put_u32le(eocd + 16, (uint32_t)cd_off);
    put_u16le(eocd + 20, 0);
    if (buf_append(out, lh, sizeof(lh)) || buf_append(out, entry, name_len) ||
        buf_append(out, body.p, body.len) || buf_append(out, cd, sizeof(cd)) ||
        buf_append(out, entry, name_len) || buf_append(out, eocd, sizeof(eocd))) {
        out->len = start;
        buf_fini(&body);
        return err_set(e, WEIR_ELIMIT, "zip: output over its limit");
    }
    buf_fini(&body);
    return WEIR_OK;
}

/* ---------------------------------------------------------------- snappy */

/* The parts as one contiguous input: the only part itself, or a join into *tmp. */
static int join_parts(const Slice *parts, size_t n_parts, Buf *tmp, Slice *all, Err *e)
{
    if (n_parts == 1) {
        *all = parts[0];
        return WEIR_OK;
    }
    for (size_t i = 0; i < n_parts; i++)
        if (buf_append(tmp, parts[i].p, parts[i].n))
            return err_set(e, WEIR_ELIMIT, "input over its limit");
    *all = (Slice){tmp->p, tmp->len};
    return WEIR_OK;
}

static int snappy_block(const uint8_t *p, size_t n, Buf *out, size_t *written, Err *e)
{
    size_t room = snappy_max_compressed_length(n);
    if (buf_reserve(out, room))
        return err_set(e, WEIR_ELIMIT, "compressed output over its limit");
    size_t got = room;
    if (snappy_compress((const char *)p, n, (char *)out->p + out->len, &got) != SNAPPY_OK)
        return err_set(e, WEIR_ERROR, "snappy_compress failed");
    out->len += got;
    out->p[out->len] = '\0';
    *written = got;
    return WEIR_OK;
}

static int snappy_parts(int hadoop, const Slice *parts, size_t n_parts, Buf *out, Err *e)
{
    Buf tmp;
    buf_init(&tmp, out->max);
    Slice all = {(const uint8_t *)"", 0};
    int rc = n_parts ? join_parts(parts, n_parts, &tmp, &all, e) : WEIR_OK;
    size_t got;
    if (rc == WEIR_OK && !hadoop)
        rc = snappy_block(all.p, all.n, out, &got, e);
    for (size_t off = 0; rc == WEIR_OK && hadoop && off < all.n; off += HADOOP_SNAPPY_BLOCK) {
        size_t n = all.n - off < HADOOP_SNAPPY_BLOCK ? all.n - off : HADOOP_SNAPPY_BLOCK;
        uint8_t hdr[8];
        put_u32be(hdr, (uint32_t)n);
        if (buf_append(out, hdr, 8)) {
            rc = err_set(e, WEIR_ELIMIT, "compressed output over its limit");
            break;
        }
        size_t at = out->len - 4;
        rc = snappy_block(all.p + off, n, out, &got, e);
        if (rc == WEIR_OK)
            put_u32be(out->p + at, (uint32_t)got);
    }
    buf_fini(&tmp);
    return rc;
}

/* ---------------------------------------------------------------- zstd */

static int zstd_parts(int level, const Slice *parts, size_t n_parts, Buf *out, Err *e)
{
    ZSTD_CCtx *cx = ZSTD_createCCtx();
    if (!cx)
        weir_panic("ZSTD_createCCtx: out of memory");
    int rc = WEIR_OK;
    if (level)
        ZSTD_CCtx_setParameter(cx, ZSTD_c_compressionLevel, level);
    for (size_t i = 0; i <= n_parts && rc == WEIR_OK; i++) {
        ZSTD_inBuffer in = {i < n_parts ? parts[i].p : NULL, i < n_parts ? parts[i].n : 0, 0};
        ZSTD_EndDirective mode = i == n_parts ? ZSTD_e_end : ZSTD_e_continue;
        size_t left;
        do {
            size_t room = ZSTD_CStreamOutSize();
            if (buf_reserve(out, room)) {
                rc = err_set(e, WEIR_ELIMIT, "compressed output over its limit");
                break;
            }
            ZSTD_outBuffer ob = {out->p + out->len, room, 0};
            left = ZSTD_compressStream2(cx, &ob, &in, mode);
            if (ZSTD_isError(left)) {
                rc = err_set(e, WEIR_ERROR, "zstd: %s", ZSTD_getErrorName(left));
                break;
            }
            out->len += ob.pos;
        } while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
    }
    if (out->p)
        out->p[out->len] = '\0';
    ZSTD_freeCCtx(cx);
    return rc;
}

int sink_compress(SinkCodec c, int level, const Slice *parts, size_t n_parts, const char *zip_entry, Buf *out,
                  Err *e)
{
    switch (c) {
    case SINK_CODEC_NONE:
        for (size_t i = 0; i < n_parts; i++)
            if (buf_append(out, parts[i].p, parts[i].n))
                return err_set(e, WEIR_ELIMIT, "output over its limit");
        return WEIR_OK;
    case SINK_CODEC_GZIP:
        return deflate_parts(31, level, parts, n_parts, out, NULL, e);
    case SINK_CODEC_ZIP:
        return zip_parts(level, parts, n_parts, zip_entry, out, e);
    case SINK_CODEC_SNAPPY:
        return snappy_parts(0, parts, n_parts, out, e);
    case SINK_CODEC_HADOOP_SNAPPY:
        return snappy_parts(1, parts, n_parts, out, e);
    case SINK_CODEC_ZSTD:
        return zstd_parts(level, parts, n_parts, out, e);
    }
    return err_set(e, WEIR_EINVAL, "unknown codec %d", (int)c);
}

/* ---------------------------------------------------------------- decompression */

static int inflate_all(const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e)
{
    size_t start = out->len;
    /* a file may hold several gzip members back to back (gzip -c a b): read them all */
    while (n > 0) {
        z_stream z;
        memset(&z, 0, sizeof(z));
        if (inflateInit2(&z, 31) != Z_OK)
            return err_set(e, WEIR_ERROR, "inflateInit2 failed");
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = n > (1u << 30) ? (1u << 30) : (uInt)n;
        int zr;
        do {
            /* inflate in 64 KiB steps and check the total after each: at most one step past max_out */
            size_t room = 65536;
            if (buf_reserve(out, room)) {
                inflateEnd(&z);
                return err_set(e, WEIR_ELIMIT, "output over its limit");
            }
            z.next_out = out->p + out->len;
            z.avail_out = (uInt)room;
            zr = inflate(&z, Z_NO_FLUSH);
            out->len += room - z.avail_out;
            out->p[out->len] = '\0';
            if (zr != Z_OK && zr != Z_STREAM_END) {
                inflateEnd(&z);
                return err_set(e, WEIR_EPARSE, "gzip: corrupt input (%s)", z.msg ? z.msg : "truncated");
            }
            if (out->len - start > max_out) {
                inflateEnd(&z);
                return err_set(e, WEIR_EPARSE, "gzip: output larger than %zu bytes", max_out);
            }
            if (zr == Z_OK && z.avail_in == 0 && z.avail_out > 0) {
                inflateEnd(&z);
                return err_set(e, WEIR_EPARSE, "gzip: truncated input");
            }
        } while (zr != Z_STREAM_END);
        size_t used = (size_t)(z.next_in - p);
        inflateEnd(&z);
        p += used;
        n -= used;
    }
    return WEIR_OK;
}

static int unsnappy(const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e)
{
    size_t len;
    if (snappy_uncompressed_length((const char *)p, n, &len) != SNAPPY_OK ||
        snappy_validate_compressed_buffer((const char *)p, n) != SNAPPY_OK)
        return err_set(e, WEIR_EPARSE, "snappy: corrupt input");
    if (len > max_out)
        return err_set(e, WEIR_EPARSE, "snappy: output larger than %zu bytes", max_out);
    if (buf_reserve(out, len))
        return err_set(e, WEIR_ELIMIT, "output over its limit");
    size_t got = len;
    if (snappy_uncompress((const char *)p, n, (char *)out->p + out->len, &got) != SNAPPY_OK || got != len)
        return err_set(e, WEIR_EPARSE, "snappy: corrupt input");
    out->len += got;
    out->p[out->len] = '\0';
    return WEIR_OK;
}

static int unhadoop(const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e)
{
    size_t start = out->len;
    while (n > 0) {
        if (n < 4)
            return err_set(e, WEIR_EPARSE, "hadoop-snappy: truncated block header");
        uint32_t raw = get_u32be(p);
        p += 4, n -= 4;
        size_t got_block = 0;
        while (got_block < raw) {
            if (n < 4)
                return err_set(e, WEIR_EPARSE, "hadoop-snappy: truncated chunk header");
            uint32_t clen = get_u32be(p);
            p += 4, n -= 4;
            if (clen > n)
                return err_set(e, WEIR_EPARSE, "hadoop-snappy: truncated chunk");
            size_t before = out->len;
            int rc = unsnappy(p, clen, max_out - (out->len - start), out, e);
            if (rc)
                return rc;
            got_block += out->len - before;
            p += clen, n -= clen;
        }
        if (got_block != raw)
            return err_set(e, WEIR_EPARSE, "hadoop-snappy: block length mismatch");
    }
    return WEIR_OK;
}

static int unzstd(const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e)
{
    ZSTD_DCtx *dx = ZSTD_createDCtx();
    if (!dx)
        weir_panic("ZSTD_createDCtx: out of memory");
    size_t start = out->len;
    ZSTD_inBuffer in = {p, n, 0};
    int rc = WEIR_OK;
    size_t r = 1;
    while (rc == WEIR_OK && (in.pos < in.size || r != 0)) {
        /* decode a step at a time and check the total after each: at most one step past max_out */
        size_t room = ZSTD_DStreamOutSize();
        if (buf_reserve(out, room)) {
            rc = err_set(e, WEIR_ELIMIT, "output over its limit");
            break;
        }
        ZSTD_outBuffer ob = {out->p + out->len, room, 0};
        size_t before_in = in.pos;
        r = ZSTD_decompressStream(dx, &ob, &in);
        if (ZSTD_isError(r)) {
            rc = err_set(e, WEIR_EPARSE, "zstd: %s", ZSTD_getErrorName(r));
            break;
        }
        out->len += ob.pos;
        if (out->len - start > max_out) {
            rc = err_set(e, WEIR_EPARSE, "zstd: output larger than %zu bytes", max_out);
            break;
        }
        if (ob.pos == 0 && in.pos == before_in && r != 0) {
            rc = err_set(e, WEIR_EPARSE, "zstd: truncated input");
            break;
        }
    }
    if (out->p)
        out->p[out->len] = '\0';
    ZSTD_freeDCtx(dx);
    return rc;
}

int sink_decompress(SinkCodec c, const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e)
{
    switch (c) {
    case SINK_CODEC_NONE:
        if (n > max_out)
            return err_set(e, WEIR_EPARSE, "output larger than %zu bytes", max_out);
        if (buf_append(out, p, n))
            return err_set(e, WEIR_ELIMIT, "output over its limit");
        return WEIR_OK;
    case SINK_CODEC_GZIP:
        return inflate_all(p, n, max_out, out, e);
    case SINK_CODEC_SNAPPY:
        return unsnappy(p, n, max_out, out, e);
    case SINK_CODEC_HADOOP_SNAPPY:
        return unhadoop(p, n, max_out, out, e);
    case SINK_CODEC_ZSTD:
        return unzstd(p, n, max_out, out, e);
    case SINK_CODEC_ZIP:
        return err_set(e, WEIR_EINVAL, "zip archives are not read back");
    }
    return err_set(e, WEIR_EINVAL, "unknown codec %d", (int)c);
}
