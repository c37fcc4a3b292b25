/*
 * fuzz/s3_list.c: libFuzzer target for the S3 client's XML scanner (src/sink/s3.c): a ListObjectsV2
 * page (s3_list_parse) and an error answer (s3_error_parse), the bytes an S3-compatible store (or
 * anything that answers on its port) sends back.
 *
 * Invariants checked on every input:
 *   1. nothing crashes or leaks, whatever the bytes;
 *   2. a parse that succeeds appends exactly *n_keys NUL-terminated keys after what the buffer held,
 *      and a failed one leaves the buffer as it was, with a message;
 *   3. the error parser's Code and Message are NUL-terminated within their buffers, with no control
 *      characters (they go into logs).
 */
#include <stdint.h>
#include <string.h>

#include "sink/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                             \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            weir_panic("fuzz/s3_list: check failed: %s (line %d)", #x, __LINE__);                            \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Buf keys, tok;
    Err e;
    size_t n_keys = 0;
    int truncated = -1;
    err_clear(&e);
    buf_init(&keys, 1 << 20);
    buf_init(&tok, 1 << 16);
    CHECK(buf_append(&keys, "pre", 4) == WEIR_OK);
    int rc = s3_list_parse(data, size, &keys, &n_keys, &truncated, &tok, &e);
    if (rc == WEIR_OK) {
        size_t off = 4, n = 0;
        while (off < keys.len) {
            const uint8_t *nul = memchr(keys.p + off, 0, keys.len - off);
            CHECK(nul != NULL);
            off = (size_t)(nul - keys.p) + 1;
            n++;
        }
        CHECK(n == n_keys);
        CHECK(truncated == 0 || truncated == 1);
    } else {
        CHECK(keys.len == 4 && n_keys == 0 && e.msg[0] != '\0');
    }
    buf_fini(&keys);
    buf_fini(&tok);

    char code[16], msg[32];
    int has = s3_error_parse(data, size, code, sizeof(code), msg, sizeof(msg));
    CHECK(strlen(code) < sizeof(code) && strlen(msg) < sizeof(msg));
    CHECK(has || (code[0] == '\0' && msg[0] == '\0'));
    for (const char *c = msg; *c; c++)
        CHECK((uint8_t)*c >= 0x20);
    return 0;
}
