/*
 * fuzz/stream_positions.c: libFuzzer target for the continuous-query source's checkpoint positions
 * (source_positions_decode, src/stream/source.c): the bytes a restarted query reads back to know where
 * every shard continues. The first input byte picks the mode:
 *
 *   even   the rest is decoded as it is (mostly stopped by the CRC32C, as a damaged file would be);
 *   odd    the rest gets a correct CRC32C over all but its last 4 bytes first, so the fuzzer reaches the
 *          structural checks (magic, lengths, shard order, states, reserved bytes) behind the checksum.
 *
 * Invariants checked on every input:
 *   1. nothing crashes or leaks, whatever the bytes;
 *   2. a decode that succeeds writes back exactly the input (the decoder accepts only what the writer
 *      writes), and the shards it returns are in ascending index order with known states;
 *   3. a decode that fails says why with SQLSTATE XX001.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/crc32c.h"
#include "store/segment.h"
#include "stream/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/stream_positions: check failed: %s (line %d)", #x, __LINE__);                   \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *p = malloc(n ? n : 1);
    CHECK(p);
    if (n)
        memcpy(p, data + 1, n);
    if ((data[0] & 1) && n >= 4)
        segment_put_u32(p + n - 4, crc32c(p, n - 4));
    Arena *a = arena_create(NULL, (size_t)64 << 20);
    SourcePositions pos;
    SqlError err;
    memset(&err, 0, sizeof(err));
    if (source_positions_decode(p, n, a, &pos, &err) == WEIR_OK) {
        for (uint32_t i = 0; i < pos.n_shards; i++) {
            CHECK(pos.shards[i].state <= SOURCE_SHARD_DONE);
            CHECK(i == 0 || pos.shards[i].index > pos.shards[i - 1].index);
        }
        uint8_t *w;
        size_t wn;
        CHECK(source_positions_write(&pos, a, &w, &wn) == WEIR_OK);
        CHECK(wn == n && memcmp(w, p, n) == 0);
    } else {
        CHECK(strcmp(err.sqlstate, "XX001") == 0 || strcmp(err.sqlstate, "53200") == 0);
    }
    arena_destroy(&a);
    free(p);
    return 0;
}
