/*
 * pg_test_util.h: helpers for the protocol tests: builders for frontend messages (what a client
 * sends) and a decoder that turns backend bytes into a one-line-per-message transcript, so a test can
 * state a whole exchange as one expected string. Static functions only; include after cmocka.h.
 *
 * Transcript lines:
 *   R 0 | K | Z I | C tag | I | 1 | 2 | 3 | n | s      (AuthenticationOk, BackendKeyData, ... as named)
 *   S name=value                                      ParameterStatus
 *   E <severity> <sqlstate> <message>[ D:<detail>][ H:<hint>][ P:<position>]   (N for notices)
 *   T name:tableoid:attnum:typeoid:typlen:typmod:format,...                    RowDescription
 *   D v1|v2|NULL   (a value with bytes outside 0x20..0x7e is shown as \x hex)    DataRow
 *   t oid,oid                                          ParameterDescription
 *   v <newest minor> <option>,...                      NegotiateProtocolVersion
 *   ? <type> <length>                                  anything else
 *   !truncated                                         bytes that do not form a whole message
 */
#ifndef WEIR_TESTS_PG_TEST_UTIL_H
#define WEIR_TESTS_PG_TEST_UTIL_H

#include <stdio.h>
#include <string.h>

#include "base/buf.h"

/* ------------------------------------------------------------------ building frontend messages */

static inline void fe_raw(Buf *b, const void *p, size_t n)
{
    assert_int_equal(buf_append(b, p, n), 0);
}

static inline void fe_i32(Buf *b, int32_t v)
{
    uint8_t p[4] = {(uint8_t)((uint32_t)v >> 24), (uint8_t)((uint32_t)v >> 16), (uint8_t)((uint32_t)v >> 8),
                    (uint8_t)v};
    fe_raw(b, p, 4);
}

static inline void fe_i16(Buf *b, int16_t v)
{
    uint8_t p[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    fe_raw(b, p, 2);
}

static inline void fe_str(Buf *b, const char *s)
{
    fe_raw(b, s, strlen(s) + 1);
}

/* Start a typed message; fe_end patches its length. */
static inline size_t fe_begin(Buf *b, char type)
{
    size_t at = b->len;
    fe_raw(b, &type, 1);
    fe_i32(b, 0);
    return at;
}

static inline void fe_end(Buf *b, size_t at)
{
    uint32_t len = (uint32_t)(b->len - at - 1);
    b->p[at + 1] = (uint8_t)(len >> 24);
    b->p[at + 2] = (uint8_t)(len >> 16);
    b->p[at + 3] = (uint8_t)(len >> 8);
    b->p[at + 4] = (uint8_t)len;
}

/* Startup packet with a NULL-terminated list of name, value pairs. */
static inline void fe_startup_v(Buf *b, uint32_t version, const char *const *kv)
{
    size_t at = b->len;
    fe_i32(b, 0);
    fe_i32(b, (int32_t)version);
    for (size_t i = 0; kv && kv[i]; i += 2) {
        fe_str(b, kv[i]);
        fe_str(b, kv[i + 1]);
    }
    fe_raw(b, "", 1);
    uint32_t len = (uint32_t)(b->len - at);
    b->p[at] = (uint8_t)(len >> 24);
    b->p[at + 1] = (uint8_t)(len >> 16);
    b->p[at + 2] = (uint8_t)(len >> 8);
    b->p[at + 3] = (uint8_t)len;
}

static inline void fe_startup(Buf *b, const char *user)
{
    const char *kv[] = {"user", user, "database", "db", NULL};
    fe_startup_v(b, 196608, kv);
}

static inline void fe_code(Buf *b, uint32_t code) /* SSLRequest, GSSENCRequest */
{
    fe_i32(b, 8);
    fe_i32(b, (int32_t)code);
}

static inline void fe_query(Buf *b, const char *q)
{
    size_t at = fe_begin(b, 'Q');
    fe_str(b, q);
    fe_end(b, at);
}

static inline void fe_parse(Buf *b, const char *name, const char *q, int n_oids, const uint32_t *oids)
{
    size_t at = fe_begin(b, 'P');
    fe_str(b, name);
    fe_str(b, q);
    fe_i16(b, (int16_t)n_oids);
    for (int i = 0; i < n_oids; i++)
        fe_i32(b, (int32_t)oids[i]);
    fe_end(b, at);
}

/* Bind: values[i] NULL is SQL NULL; lens[i] < 0 means strlen(values[i]). */
static inline void fe_bind(Buf *b, const char *portal, const char *stmt, int n_pfmt, const int16_t *pfmt,
                           int n_params, const char *const *values, const int *lens, int n_rfmt,
                           const int16_t *rfmt)
{
    size_t at = fe_begin(b, 'B');
    fe_str(b, portal);
    fe_str(b, stmt);
    fe_i16(b, (int16_t)n_pfmt);
    for (int i = 0; i < n_pfmt; i++)
        fe_i16(b, pfmt[i]);
    fe_i16(b, (int16_t)n_params);
    for (int i = 0; i < n_params; i++) {
        if (!values[i]) {
            fe_i32(b, -1);
            continue;
        }
        int n = lens && lens[i] >= 0 ? lens[i] : (int)strlen(values[i]);
        fe_i32(b, n);
        fe_raw(b, values[i], (size_t)n);
    }
    fe_i16(b, (int16_t)n_rfmt);
    for (int i = 0; i < n_rfmt; i++)
        fe_i16(b, rfmt[i]);
    fe_end(b, at);
}

static inline void fe_bind0(Buf *b, const char *portal, const char *stmt)
{
    fe_bind(b, portal, stmt, 0, NULL, 0, NULL, NULL, 0, NULL);
}

static inline void fe_execute(Buf *b, const char *portal, int32_t max_rows)
{
    size_t at = fe_begin(b, 'E');
    fe_str(b, portal);
    fe_i32(b, max_rows);
    fe_end(b, at);
}

static inline void fe_describe(Buf *b, char kind, const char *name)
{
    size_t at = fe_begin(b, 'D');
    fe_raw(b, &kind, 1);
    fe_str(b, name);
    fe_end(b, at);
}

static inline void fe_close(Buf *b, char kind, const char *name)
{
    size_t at = fe_begin(b, 'C');
    fe_raw(b, &kind, 1);
    fe_str(b, name);
    fe_end(b, at);
}

static inline void fe_empty(Buf *b, char type) /* Sync 'S', Flush 'H', Terminate 'X' */
{
    fe_end(b, fe_begin(b, type));
}

/* ------------------------------------------------------------------ decoding backend messages */

static inline uint32_t be_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline int16_t be_i16(const uint8_t *p)
{
    return (int16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline void tr_printf(Buf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tr_printf(Buf *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    assert_int_equal(buf_vprintf(t, fmt, ap), 0);
    va_end(ap);
}

static inline void tr_value(Buf *t, const uint8_t *p, size_t n)
{
    int printable = 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            printable = 0;
    if (printable) {
        assert_int_equal(buf_append(t, p, n), 0);
        return;
    }
    tr_printf(t, "\\x");
    for (size_t i = 0; i < n; i++)
        tr_printf(t, "%02x", p[i]);
}

/* Append the transcript of p[0..n) to t; returns the number of whole messages. */
static inline int tr_decode(Buf *t, const uint8_t *p, size_t n)
{
    size_t off = 0;
    int count = 0;
    while (off < n) {
        if (n - off < 5) {
            tr_printf(t, "!truncated\n");
            break;
        }
        uint8_t type = p[off];
        uint32_t len = be_u32(p + off + 1);
        if (len < 4 || n - off - 1 < len) {
            tr_printf(t, "!truncated\n");
            break;
        }
        const uint8_t *b = p + off + 5;
        size_t bn = len - 4;
        count++;
        switch (type) {
        case 'R':
            tr_printf(t, "R %u\n", bn >= 4 ? be_u32(b) : 9999);
            break;
        case 'K':
            tr_printf(t, "K\n");
            break;
        case 'Z':
            tr_printf(t, "Z %c\n", bn ? b[0] : '?');
            break;
        case 'C':
            tr_printf(t, "C %s\n", (const char *)b);
            break;
        case 'S':
            tr_printf(t, "S %s=%s\n", (const char *)b, (const char *)b + strlen((const char *)b) + 1);
            break;
        case 'I':
        case '1':
        case '2':
        case '3':
        case 'n':
        case 's':
            tr_printf(t, "%c\n", type);
            break;
        case 'E':
        case 'N': {
            const char *sev = "", *code = "", *msg = "", *detail = NULL, *hint = NULL, *pos = NULL;
            size_t i = 0;
            while (i < bn && b[i]) {
                char f = (char)b[i];
                const char *v = (const char *)b + i + 1;
                if (f == 'V')
                    sev = v;
                else if (f == 'C')
                    code = v;
                else if (f == 'M')
                    msg = v;
                else if (f == 'D')
                    detail = v;
                else if (f == 'H')
                    hint = v;
                else if (f == 'P')
                    pos = v;
                i += strlen(v) + 2;
            }
            tr_printf(t, "%c %s %s %s", type, sev, code, msg);
            if (detail)
                tr_printf(t, " D:%s", detail);
            if (hint)
                tr_printf(t, " H:%s", hint);
            if (pos)
                tr_printf(t, " P:%s", pos);
            tr_printf(t, "\n");
            break;
        }
        case 'T': {
            int nf = be_i16(b);
            size_t i = 2;
            tr_printf(t, "T ");
            for (int f = 0; f < nf; f++) {
                const char *name = (const char *)b + i;
                i += strlen(name) + 1;
                tr_printf(t, "%s%s:%u:%d:%u:%d:%d:%d", f ? "," : "", name, be_u32(b + i), be_i16(b + i + 4),
                          be_u32(b + i + 6), be_i16(b + i + 10), (int32_t)be_u32(b + i + 12),
                          be_i16(b + i + 16));
                i += 18;
            }
            tr_printf(t, "\n");
            break;
        }
        case 'D': {
            int nf = be_i16(b);
            size_t i = 2;
            tr_printf(t, "D ");
            for (int f = 0; f < nf; f++) {
                int32_t l = (int32_t)be_u32(b + i);
                i += 4;
                if (f)
                    tr_printf(t, "|");
                if (l < 0) {
                    tr_printf(t, "NULL");
                    continue;
                }
                tr_value(t, b + i, (size_t)l);
                i += (size_t)l;
            }
            tr_printf(t, "\n");
            break;
        }
        case 't': {
            int np = be_i16(b);
            tr_printf(t, "t ");
            for (int i = 0; i < np; i++)
                tr_printf(t, "%s%u", i ? "," : "", be_u32(b + 2 + 4 * (size_t)i));
            tr_printf(t, "\n");
            break;
        }
        case 'v': {
            uint32_t n_opts = be_u32(b + 4);
            tr_printf(t, "v %u", be_u32(b) & 0xFFFF);
            size_t i = 8;
            for (uint32_t k = 0; k < n_opts; k++) {
                tr_printf(t, "%s%s", k ? "," : " ", (const char *)b + i);
                i += strlen((const char *)b + i) + 1;
            }
            tr_printf(t, "\n");
            break;
        }
        default:
            tr_printf(t, "? %c %zu\n", type, bn);
            break;
        }
        off += 1 + len;
    }
    return count;
}

#endif
