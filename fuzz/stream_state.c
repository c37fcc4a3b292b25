/*
 * fuzz/stream_state.c: libFuzzer target for the bytes streaming state reads back: checkpoint files
 * (src/stream/state.c, what a restart reads after a crash) and rowcodec encodings (src/stream/rowcodec.c,
 * every state key). The first input byte picks the reader:
 *
 *   even   checkpoint: bit 1 clear: the rest is one file, applied to an empty table (table id 7, ordered
 *          when bit 2 is set); bit 1 set: a u32 (little-endian) length L, then a file of L bytes and a
 *          second file (a delta) applied after it.
 *   odd    rowcodec: a column count byte (1..8), a (type, flags) byte pair per column, then the encoding.
 *
 * Invariants checked on every input:
 *   1. nothing crashes or leaks, whatever the bytes;
 *   2. a checkpoint that applies leaves a table whose walk, gets and statistics agree with each other;
 *      one that does not leaves the table empty, with WEIR_ECORRUPT (or WEIR_EINVAL for a full
 *      snapshot onto a table that has one);
 *   3. an encoding that decodes re-encodes to exactly the input (EXACT mode, or KEY mode when it had no
 *      suffix), and rowcodec_key_len agrees: decoding accepts only what the encoder writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/rowcodec.h"
#include "stream/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/stream_state: check failed: %s (line %d)", #x, __LINE__);                       \
    } while (0)

static void check_table(StateTable *t)
{
    StateStats st;
    state_stats(t, &st);
    StateIter it;
    Slice k, v;
    uint64_t n = 0, kb = 0, vb = 0;
    state_iter_all(&it, t);
    while (state_iter_next(&it, &k, &v)) {
        Slice g;
        CHECK(state_get(t, state_hash(k.p, k.n), k.p, k.n, &g) == 1);
        CHECK(g.p == v.p && g.n == v.n);
        n++;
        kb += k.n;
        vb += v.n;
    }
    CHECK(n == st.n_entries && kb == st.key_bytes && vb == st.val_bytes);
    CHECK(st.n_changed == 0 && st.n_tombstones == 0);
}

static void fuzz_checkpoint(uint8_t mode, const uint8_t *p, size_t n)
{
    StateConfig cfg = {.table_id = 7, .is_ordered = (mode & 4) != 0};
    StateTable *t = NULL;
    Err e;
    err_clear(&e);
    CHECK(state_create(&cfg, &t, &e) == WEIR_OK);
    const uint8_t *first = p, *second = NULL;
    size_t n1 = n, n2 = 0;
    if (mode & 2) {
        if (n < 4) {
            state_destroy(&t);
            return;
        }
        uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (l > n - 4)
            l = (uint32_t)(n - 4);
        first = p + 4;
        n1 = l;
        second = p + 4 + l;
        n2 = n - 4 - l;
    }
    const uint8_t *files[2] = {first, second};
    size_t lens[2] = {n1, n2};
    for (int i = 0; i < (second ? 2 : 1); i++) {
        err_clear(&e);
        int rc = state_restore_buf(t, files[i], lens[i], i ? "second" : "first", &e);
        StateStats st;
        state_stats(t, &st);
        if (rc) {
            CHECK(rc == WEIR_ECORRUPT || rc == WEIR_EINVAL);
            CHECK(st.n_entries == 0 && st.last_ckpt == 0);
            break;
        }
        size_t nc;
        state_checkpoint_chain(t, &nc);
        CHECK(nc == (size_t)i + 1);
        check_table(t);
    }
    state_destroy(&t);
}

static const SqlTypeId FUZZ_TYPES[] = {
    SQL_BOOL, SQL_INT2,  SQL_INT4, SQL_INT8,        SQL_FLOAT4,   SQL_FLOAT8, SQL_NUMERIC,
    SQL_TEXT, SQL_BYTEA, SQL_DATE, SQL_TIMESTAMPTZ, SQL_INTERVAL, SQL_JSONB,  SQL_ARRAY_OF(SQL_INT4)};
#define N_FUZZ_TYPES (sizeof(FUZZ_TYPES) / sizeof(FUZZ_TYPES[0]))

static void fuzz_rowcodec(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    uint32_t n_cols = 1 + p[0] % 8;
    if (n < 1 + 2 * (size_t)n_cols)
        return;
    RowCodecCol cols[8];
    for (uint32_t i = 0; i < n_cols; i++) {
        cols[i].type = SQL_TYPE(FUZZ_TYPES[p[1 + 2 * i] % N_FUZZ_TYPES]);
        cols[i].flags = p[2 + 2 * i] & (ROWCODEC_DESC | ROWCODEC_NULLS_FIRST);
    }
    const uint8_t *enc = p + 1 + 2 * n_cols;
    size_t len = n - 1 - 2 * n_cols;
    Arena *a = arena_create(NULL, 1 << 24);
    SqlValue vals[8];
    Err e;
    err_clear(&e);
    int rc = rowcodec_decode(cols, n_cols, enc, len, a, vals, &e);
    size_t kl = 0;
    Err e2;
    err_clear(&e2);
    int krc = rowcodec_key_len(cols, n_cols, enc, len, &kl, &e2);
    if (rc == WEIR_OK) {
        CHECK(krc == WEIR_OK && kl <= len);
        Buf b;
        buf_init(&b, 1 << 24);
        CHECK(rowcodec_encode(cols, n_cols, vals, kl == len ? ROWCODEC_KEY : ROWCODEC_EXACT, &b, &e) ==
              WEIR_OK);
        CHECK(b.len == len && (len == 0 || memcmp(b.p, enc, len) == 0));
        buf_fini(&b);
    } else {
        CHECK(rc == WEIR_ECORRUPT || rc == WEIR_ENOMEM);
    }
    arena_destroy(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_rowcodec(data + 1, size - 1);
    else
        fuzz_checkpoint(data[0], data + 1, size - 1);
    return 0;
}
