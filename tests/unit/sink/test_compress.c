/*
 * test_compress.c: unit tests of src/sink/compress.c.
 *
 *   - every codec but ZIP round-trips empty, small, repetitive, random and multi-part inputs (parts
 *     joined must equal one input), and big inputs across hadoop-snappy's 256 KiB blocks;
 *   - the outputs are the real formats: gzip starts with 1f 8b and zlib's uncompress of a gzip member
 *     agrees; the hadoop-snappy frames carry the lengths; zstd frames start with the magic;
 *   - ZIP: the local header, central directory and end record agree with each other and the CRC-32,
 *     the entry inflates back to the input (zlib), and Info-ZIP's unzip and Python's zipfile (when
 *     installed) test the archive and extract the entry;
 *   - decompression refuses corrupt and truncated input and output past max_out;
 *   - codec names and extensions.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sink/compress.h"

static const SinkCodec round_trip_codecs[] = {SINK_CODEC_NONE, SINK_CODEC_GZIP, SINK_CODEC_SNAPPY,
                                              SINK_CODEC_HADOOP_SNAPPY, SINK_CODEC_ZSTD};
#define N_RT (sizeof(round_trip_codecs) / sizeof(round_trip_codecs[0]))

static uint64_t rng_state = 0x1234567;
static uint8_t rnd8(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint8_t)(rng_state >> 56);
}

/* input kinds: 0 random, 1 repetitive text, 2 zeros */
static uint8_t *make_input(size_t n, int kind)
{
    uint8_t *p = malloc(n ? n : 1);
    for (size_t i = 0; i < n; i++)
        p[i] = kind == 0 ? rnd8() : kind == 1 ? (uint8_t)("weir,delivery,stream\n"[i % 21]) : 0;
    return p;
}

static void round_trip(SinkCodec c, const uint8_t *in, size_t n, size_t n_parts)
{
    Slice parts[8];
    size_t at = 0;
    for (size_t i = 0; i < n_parts; i++) {
        size_t len = i + 1 == n_parts ? n - at : n / n_parts;
        parts[i] = (Slice){in + at, len};
        at += len;
    }
    Buf out, back;
    buf_init(&out, 0);
    buf_init(&back, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(sink_compress(c, 0, parts, n_parts, NULL, &out, &e), WEIR_OK);
    if (c == SINK_CODEC_GZIP && out.len >= 2) {
        assert_int_equal(out.p[0], 0x1f);
        assert_int_equal(out.p[1], 0x8b);
    }
    if (c == SINK_CODEC_ZSTD) {
        assert_true(out.len >= 4);
        assert_int_equal(out.p[0] | out.p[1] << 8 | out.p[2] << 16 | (uint32_t)out.p[3] << 24, 0xFD2FB528u);
    }
    assert_int_equal(sink_decompress(c, out.p, out.len, n, &back, &e), WEIR_OK);
    assert_int_equal(back.len, n);
    if (n)
        assert_memory_equal(back.p, in, n);
    /* one byte less room than needed must fail */
    if (n > 0) {
        buf_reset(&back);
        err_clear(&e);
        assert_int_not_equal(sink_decompress(c, out.p, out.len, n - 1, &back, &e), WEIR_OK);
    }
    buf_fini(&out);
    buf_fini(&back);
}

static void test_round_trips(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 7, 100, 4096, 300000, 1100000};
    for (size_t ci = 0; ci < N_RT; ci++)
        for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++)
            for (int kind = 0; kind < 3; kind++) {
                uint8_t *in = make_input(sizes[si], kind);
                round_trip(round_trip_codecs[ci], in, sizes[si], 1);
                if (sizes[si] >= 3)
                    round_trip(round_trip_codecs[ci], in, sizes[si], 3);
                free(in);
            }
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_hadoop_framing(void **state)
{
    (void)state;
    size_t n = 600000; /* three blocks: 256 KiB, 256 KiB, the rest */
    uint8_t *in = make_input(n, 1);
    Slice part = {in, n};
    Buf out;
    buf_init(&out, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(sink_compress(SINK_CODEC_HADOOP_SNAPPY, 0, &part, 1, NULL, &out, &e), WEIR_OK);
    size_t off = 0, blocks = 0, total = 0;
    while (off < out.len) {
        uint32_t raw = be32(out.p + off), comp = be32(out.p + off + 4);
        assert_true(raw <= 256 * 1024);
        total += raw;
        off += 8 + comp;
        blocks++;
    }
    assert_int_equal(off, out.len);
    assert_int_equal(blocks, 3);
    assert_int_equal(total, n);
    free(in);
    buf_fini(&out);
}

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}
static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_zip(void **state)
{
    (void)state;
    size_t n = 200000;
    uint8_t *in = make_input(n, 1);
    Slice parts[2] = {{in, 1000}, {in + 1000, n - 1000}};
    Buf out;
    buf_init(&out, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(sink_compress(SINK_CODEC_ZIP, 0, parts, 2, "records.json", &out, &e), WEIR_OK);
    const uint8_t *p = out.p;
    /* end of central directory: the last 22 bytes */
    const uint8_t *eocd = p + out.len - 22;
    assert_int_equal(le32(eocd), 0x06054b50u);
    assert_int_equal(le16(eocd + 8), 1);
    assert_int_equal(le16(eocd + 10), 1);
    uint32_t cd_len = le32(eocd + 12), cd_off = le32(eocd + 16);
    assert_int_equal(cd_off + cd_len + 22, out.len);
    const uint8_t *cd = p + cd_off;
    assert_int_equal(le32(cd), 0x02014b50u);
    assert_int_equal(le16(cd + 10), 8);
    uint32_t crc = le32(cd + 16), csize = le32(cd + 20), usize = le32(cd + 24);
    assert_int_equal(usize, n);
    assert_int_equal(le16(cd + 28), 12);
    assert_memory_equal(cd + 46, "records.json", 12);
    assert_int_equal(le32(cd + 42), 0);
    /* local header agrees */
    assert_int_equal(le32(p), 0x04034b50u);
    assert_int_equal(le32(p + 14), crc);
    assert_int_equal(le32(p + 18), csize);
    assert_int_equal(le32(p + 22), usize);
    assert_int_equal(le16(p + 26), 12);
    assert_memory_equal(p + 30, "records.json", 12);
    assert_int_equal(30 + 12 + csize, cd_off);
    assert_int_equal(crc32(0, in, (uInt)n), crc);
    /* the entry is raw deflate of the input */
    uint8_t *back = malloc(n);
    z_stream z;
    memset(&z, 0, sizeof(z));
    assert_int_equal(inflateInit2(&z, -15), Z_OK);
    z.next_in = (Bytef *)(p + 42);
    z.avail_in = csize;
    z.next_out = back;
    z.avail_out = (uInt)n;
    assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
    assert_int_equal(z.total_out, n);
    inflateEnd(&z);
    assert_memory_equal(back, in, n);
    free(back);
    /* the archive opens with Info-ZIP's unzip and Python's zipfile, when they are installed */
    char path[] = "/tmp/weir-test-zip-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, out.p, out.len), (ssize_t)out.len);
    close(fd);
    for (size_t r = 0; r < 2; r++) {
        if (access(r == 0 ? "/usr/bin/unzip" : "/usr/bin/python3", X_OK) != 0)
            continue;
        char cmd[512];
        if (r == 0)
            snprintf(cmd, sizeof(cmd),
                     "/usr/bin/unzip -tq %s >/dev/null && /usr/bin/unzip -p %s records.json", path, path);
        else
            snprintf(cmd, sizeof(cmd),
                     "/usr/bin/python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); "
                     "assert z.testzip() is None; sys.stdout.buffer.write(z.read(\"records.json\"))' %s",
                     path);
        FILE *pipe = popen(cmd, "r");
        assert_non_null(pipe);
        Buf got;
        buf_init(&got, 0);
        uint8_t chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof(chunk), pipe)) > 0)
            assert_int_equal(buf_append(&got, chunk, k), 0);
        assert_int_equal(pclose(pipe), 0);
        assert_int_equal(got.len, n);
        assert_memory_equal(got.p, in, n);
        buf_fini(&got);
    }
    unlink(path);
    free(in);
    buf_fini(&out);
}

static void test_corrupt(void **state)
{
    (void)state;
    uint8_t *in = make_input(50000, 0);
    Slice part = {in, 50000};
    for (size_t ci = 1; ci < N_RT; ci++) {
        SinkCodec c = round_trip_codecs[ci];
        Buf out, back;
        buf_init(&out, 0);
        buf_init(&back, 0);
        Err e;
        err_clear(&e);
        assert_int_equal(sink_compress(c, 0, &part, 1, NULL, &out, &e), WEIR_OK);
        /* truncated */
        assert_int_not_equal(sink_decompress(c, out.p, out.len / 2, 1 << 20, &back, &e), WEIR_OK);
        /* garbage */
        buf_reset(&back);
        err_clear(&e);
        uint8_t junk[64];
        for (int i = 0; i < 64; i++)
            junk[i] = (uint8_t)(0xA5 ^ i * 37);
        assert_int_not_equal(sink_decompress(c, junk, sizeof(junk), 1 << 20, &back, &e), WEIR_OK);
        assert_int_equal(e.code, WEIR_EPARSE);
        buf_fini(&out);
        buf_fini(&back);
    }
    free(in);
}

static void test_names(void **state)
{
    (void)state;
    SinkCodec c;
    assert_int_equal(sink_codec_from_name("GZIP", &c), 0);
    assert_int_equal(c, SINK_CODEC_GZIP);
    assert_int_equal(sink_codec_from_name("Snappy", &c), 0);
    assert_int_equal(c, SINK_CODEC_SNAPPY);
    assert_int_equal(sink_codec_from_name("HADOOP_SNAPPY", &c), 0);
    assert_int_equal(sink_codec_from_name("UNCOMPRESSED", &c), 0);
    assert_int_equal(c, SINK_CODEC_NONE);
    assert_int_equal(sink_codec_from_name("snappy", &c), -1);
    assert_int_equal(sink_codec_from_name("LZ4", &c), -1);
    assert_string_equal(sink_codec_extension(SINK_CODEC_GZIP), ".gz");
    assert_string_equal(sink_codec_extension(SINK_CODEC_ZSTD), ".zst");
    assert_string_equal(sink_codec_extension(SINK_CODEC_ZIP), ".zip");
    assert_string_equal(sink_codec_extension(SINK_CODEC_NONE), "");
    for (size_t i = 0; i < N_RT; i++) {
        assert_int_equal(sink_codec_from_name(sink_codec_name(round_trip_codecs[i]), &c), 0);
        assert_int_equal(c, round_trip_codecs[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips), cmocka_unit_test(test_hadoop_framing), cmocka_unit_test(test_zip),
        cmocka_unit_test(test_corrupt),     cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
