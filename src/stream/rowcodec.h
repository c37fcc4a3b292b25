/*
 * rowcodec.h: an order-preserving ("memcomparable") byte encoding of a tuple of SQL values, the key
 * format of every streaming operator's state (stream/state.h) and of checkpointed rows.
 *
 * Contract: for two tuples A and B of the same column list,
 *   memcmp order of enc(A), enc(B) (shorter-is-smaller on a common prefix) == PostgreSQL's
 *   ORDER BY c1 [DESC] [NULLS FIRST|LAST], c2 ... order of A and B, with the engine's value order
 *   (sql_value_cmp in exec/vec.h, which op_sort and op_agg use: strings bytewise as collation "C",
 *   floats with NaN above +Infinity and -0 = 0, numeric by value with NaN above +Infinity, intervals
 *   by their span with 30-day months and 24-hour days);
 *   enc(A) == enc(B) in ROWCODEC_KEY mode  <=>  A IS NOT DISTINCT FROM B column by column (the
 *   equality of GROUP BY and DISTINCT: NULL = NULL, 0.0 = -0.0, NaN = NaN, numeric 1.0 = 1.00,
 *   interval '1 mon' = '30 days').
 *
 * Two modes, one format:
 *   ROWCODEC_KEY    the grouping key. Values that are equal but print differently (1.0 and 1.00, 0.0
 *                   and -0.0, '1 mon' and '30 days') encode to the same bytes, so decoding gives a
 *                   canonical representative: numeric at its smallest scale (1.00 -> 1), +0.0, an
 *                   interval split into as many whole 30-day months as fit, then days, then usec.
 *   ROWCODEC_EXACT  the KEY bytes followed by a suffix with what KEY drops: the display scale of every
 *                   finite numeric, the sign of every zero float, the months and days of every interval.
 *                   Decoding gives back exactly the values encoded. The suffix only breaks ties between
 *                   equal keys, so EXACT encodings still sort in ORDER BY order, and the KEY encoding of a
 *                   tuple is a prefix of its EXACT encoding (rowcodec_key_len finds it). An operator
 *                   keys its state by KEY bytes and, where it must print the group's values as
 *                   PostgreSQL does (the first value seen of each group), keeps the EXACT bytes in the
 *                   state's value.
 *   A decoder tells the modes apart by whether bytes follow the last column: none means KEY.
 *
 * Supported types: every type in sql/types.h with a physical form (bool, int2/4/8, oid and reg*,
 * float4/8, numeric, text, varchar, bpchar, name, "char", bytea, json, jsonb as their text, date, time,
 * timestamp, timestamptz, interval, arrays in weir's representation (their text form, so ordered as
 * the engine orders them: bytewise), unknown (as text)). weir has no uuid type. VOID and RECORD are
 * refused (WEIR_EINVAL).
 *
 * Byte layout of one column: a tag byte (0x01 NULL with NULLS FIRST, 0x02 value, 0x03 NULL with NULLS
 * LAST; never inverted), then the value bytes, all inverted (~) for ROWCODEC_DESC:
 *   bool      1 byte 0/1
 *   int2/int4 2/4 bytes big-endian, sign bit flipped
 *   other ints, date, time, timestamp(tz)   8 bytes big-endian, sign bit flipped
 *   float     8 bytes: IEEE bits, negative: all bits inverted, else sign bit set; -0 -> +0 and every
 *             NaN -> the one quiet NaN first (so NaN sorts after +Infinity)
 *   numeric   class byte (1 -Inf, 2 negative, 3 zero, 4 positive, 5 +Inf, 6 NaN); for nonzero finite
 *             values an exponent byte (E + 64, value = 0.d1d2... x 10^E, d1 != 0), the significant
 *             digits without trailing zeros two per byte (pair + 1, the last pair padded with a 0
 *             digit), and a 0x00 terminator; negative values have those bytes inverted
 *   strings   the bytes with 0x00 written as 0x00 0xFF, then 0x00 0x01 (so "a" < "a\0" < "ab")
 *   interval  16 bytes big-endian of the 128-bit span in microseconds, sign bit flipped
 * Suffix (EXACT only), in column order, for non-NULL values only: float zero 1 byte (1: -0.0), finite
 * numeric 1 byte (its scale), interval 8 bytes (months, days as int32 big-endian; usec follows from
 * the span). docs/internals/stream-state.md has the reasoning.
 *
 * Decoding is strict: a decoder accepts exactly the bytes the encoder produces (no non-canonical
 * forms), so decode followed by encode gives back the input, and anything else is WEIR_ECORRUPT.
 *
 * Threads: every function is reentrant; nothing here has global state.
 */
#ifndef WEIR_STREAM_ROWCODEC_H
#define WEIR_STREAM_ROWCODEC_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "exec/vec.h"
#include "sql/types.h"

/* Column flags. PostgreSQL's plain DESC is ROWCODEC_DESC | ROWCODEC_NULLS_FIRST. */
enum {
    ROWCODEC_DESC = 1,        /* descending: the value bytes are inverted */
    ROWCODEC_NULLS_FIRST = 2, /* NULL sorts before every value (default: after, as PostgreSQL's ASC) */
};

typedef enum RowCodecMode {
    ROWCODEC_KEY = 0,   /* grouping key: equal bytes <=> IS NOT DISTINCT FROM */
    ROWCODEC_EXACT = 1, /* KEY bytes + suffix: decodes to the exact values */
} RowCodecMode;

/* One column of a tuple: its type (typmod is not used) and ROWCODEC_* flags. */
typedef struct RowCodecCol {
    SqlType type;
    uint32_t flags;
} RowCodecCol;

/* Longest encoding of one non-string value (a numeric in EXACT mode: tag, class, exponent, 19 digit
 * pairs, terminator, scale; an interval: tag, 16, 8). */
#define ROWCODEC_FIXED_MAX 25

/* Append the encoding of vals[0..n_cols) (vals[i] read as cols[i].type; its own type may differ but
 * must have the same physical form) to out. Returns WEIR_OK, WEIR_EINVAL (unsupported type, physical
 * form mismatch, int2/int4 value out of its range) or WEIR_ELIMIT (out's maximum), with e filled. */
int rowcodec_encode(const RowCodecCol *cols, uint32_t n_cols, const SqlValue *vals, RowCodecMode mode,
                    Buf *out, Err *e) WEIR_WARN_UNUSED;

/* Encode the columns col_idx[0..n_cols) of rows 0..b->n of batch b (cols[i] describes column
 * col_idx[i]) into out[0..b->n): one arena_try_alloc from a for all the bytes of the batch (nothing per
 * row); out[r] is borrowed from a, valid until it is reset. Returns WEIR_OK, WEIR_EINVAL (as above, or
 * a column index out of range) or WEIR_ENOMEM (over a's budget), with e filled. */
int rowcodec_encode_batch(const RowCodecCol *cols, const uint32_t *col_idx, uint32_t n_cols, const Batch *b,
                          RowCodecMode mode, Arena *a, Slice *out, Err *e) WEIR_WARN_UNUSED;

/* Decode p[0..n) (a KEY or EXACT encoding of cols) into out[0..n_cols): out[i].type = cols[i].type;
 * string bytes are copied into a (one allocation per non-empty string), so the values outlive p.
 * Returns WEIR_OK, WEIR_ECORRUPT (anything the encoder would not have written, including trailing
 * bytes) or WEIR_ENOMEM (a over budget), with e filled. */
int rowcodec_decode(const RowCodecCol *cols, uint32_t n_cols, const uint8_t *p, size_t n, Arena *a,
                    SqlValue *out, Err *e) WEIR_WARN_UNUSED;

/* Length of the KEY part of the encoding p[0..n) of cols (n for a KEY encoding), in *out. The bytes
 * are checked only as far as needed to walk them. WEIR_OK or WEIR_ECORRUPT. */
int rowcodec_key_len(const RowCodecCol *cols, uint32_t n_cols, const uint8_t *p, size_t n, size_t *out,
                     Err *e) WEIR_WARN_UNUSED;

/* 64-bit hash of n bytes (an encoding): the hash state tables index by. Not cryptographic; unseeded,
 * so it is the same in every run (and on every little-endian machine). */
uint64_t rowcodec_hash(const uint8_t *p, size_t n);

#endif
