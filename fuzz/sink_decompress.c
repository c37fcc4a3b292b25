/*
 * fuzz/sink_decompress.c: libFuzzer target for the decompressors of src/sink/compress.c (objects and
 * Parquet pages read back: gzip members, raw snappy, Hadoop's snappy block framing, zstd frames). The
 * first input byte picks the codec; the rest is the compressed input, decompressed with a 1 MiB limit.
 *
 * Invariants on every input:
 *   1. nothing crashes, leaks or allocates past the limit by more than one step, whatever the bytes;
 *   2. a failure is WEIR_EPARSE (corrupt, truncated, or over the limit);
 *   3. what decompresses compresses again (the same codec) and decompresses back to the same bytes.
 */
#include <stdint.h>
#include <string.h>

#include "sink/compress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/sink_decompress: check failed: %s (line %d)", #x, __LINE__);                    \
    } while (0)

#define MAX_OUT ((size_t)1 << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const SinkCodec codecs[] = {SINK_CODEC_NONE, SINK_CODEC_GZIP, SINK_CODEC_SNAPPY,
                                       SINK_CODEC_HADOOP_SNAPPY, SINK_CODEC_ZSTD};
    if (size < 1)
        return 0;
    SinkCodec c = codecs[data[0] % 5];
    Buf out;
    buf_init(&out, 0);
    Err e;
    err_clear(&e);
    if (sink_decompress(c, data + 1, size - 1, MAX_OUT, &out, &e) != WEIR_OK) {
        CHECK(e.code == WEIR_EPARSE);
        CHECK(out.len <= MAX_OUT + (1u << 17));
        buf_fini(&out);
        return 0;
    }
    CHECK(out.len <= MAX_OUT);
    Buf again, back;
    buf_init(&again, 0);
    buf_init(&back, 0);
    Slice part = {out.p ? out.p : (const uint8_t *)"", out.len};
    CHECK(sink_compress(c, 0, &part, 1, NULL, &again, &e) == WEIR_OK);
    CHECK(sink_decompress(c, again.p ? again.p : (const uint8_t *)"", again.len, MAX_OUT, &back, &e) ==
          WEIR_OK);
    CHECK(back.len == out.len && (out.len == 0 || memcmp(back.p, out.p, out.len) == 0));
    buf_fini(&out);
    buf_fini(&again);
    buf_fini(&back);
    return 0;
}
