/*
 * compress.h: the codecs of delivered objects and of Parquet pages (issue 5): gzip (zlib, a whole
 * gzip member), zip (one "file" entry deflated, as Firehose's ZIP), snappy raw (libsnappy; Parquet's
 * SNAPPY and Firehose's Snappy), hadoop-snappy (Hadoop's block framing around snappy: u32 BE
 * uncompressed length, then u32 BE compressed length + block, for each block), zstd (libzstd frame).
 * Each call compresses one whole input; there is no streaming state to carry between calls.
 */
#ifndef WEIR_SINK_COMPRESS_H
#define WEIR_SINK_COMPRESS_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

typedef enum SinkCodec {
    SINK_CODEC_NONE = 0,
    SINK_CODEC_GZIP,
    SINK_CODEC_ZIP,
    SINK_CODEC_SNAPPY,
    SINK_CODEC_HADOOP_SNAPPY,
    SINK_CODEC_ZSTD,
} SinkCodec;

/* Firehose's CompressionFormat names ("UNCOMPRESSED", "GZIP", "ZIP", "Snappy", "HADOOP_SNAPPY", and
 * weir's "ZSTD"), case-sensitive as in the API. Returns 0, or -1 for an unknown name. */
int sink_codec_from_name(const char *name, SinkCodec *out);
const char *sink_codec_name(SinkCodec c);
/* The object key's extension for the codec: "" / ".gz" / ".zip" / ".snappy" / ".snappy" / ".zst". */
const char *sink_codec_extension(SinkCodec c);

/* Compress the n_parts pieces (one logical input) and append the result to out. zip_entry: the name of
 * the entry inside a ZIP (ignored by other codecs). level: 0 = the codec's default. */
int sink_compress(SinkCodec c, int level, const Slice *parts, size_t n_parts, const char *zip_entry, Buf *out,
                  Err *e) WEIR_WARN_UNUSED;
/* The inverse, for tests and for reading back (not ZIP). Appends to out; fails (WEIR_EPARSE) on corrupt
 * input or when the output would pass max_out bytes. */
int sink_decompress(SinkCodec c, const uint8_t *p, size_t n, size_t max_out, Buf *out, Err *e) WEIR_WARN_UNUSED;

#endif
