/*
 * pg_msg.c: protocol 3.0 message framing, reading and writing. See pg_msg.h.
 *
 * Message texts for protocol errors are PostgreSQL 15's own (pqformat.c, postmaster.c), so clients and
 * people see the same words from weir as from PostgreSQL.
 */
#include "pgwire/pg_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"

/* ---------------------------------------------------------------------------------------------- */
/* reading                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static int reader_fail(PgMsgReader *r, const char *msg)
{
    if (!r->err)
        r->err = msg;
    return WEIR_EPROTO;
}

static int reader_take(PgMsgReader *r, size_t n, const uint8_t **out)
{
    *out = NULL;
    if (r->err)
        return WEIR_EPROTO;
    if (n > r->n - r->off)
        return reader_fail(r, "insufficient data left in message");
    *out = r->p + r->off;
    r->off += n;
    return WEIR_OK;
}

int pg_msg_get_byte(PgMsgReader *r, uint8_t *out)
{
    const uint8_t *p;
    *out = 0;
    if (reader_take(r, 1, &p))
        return WEIR_EPROTO;
    *out = p[0];
    return WEIR_OK;
}

int pg_msg_get_uint16(PgMsgReader *r, uint16_t *out)
{
    const uint8_t *p;
    *out = 0;
    if (reader_take(r, 2, &p))
        return WEIR_EPROTO;
    *out = (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return WEIR_OK;
}

int pg_msg_get_int16(PgMsgReader *r, int16_t *out)
{
    uint16_t u;
    int rc = pg_msg_get_uint16(r, &u);
    *out = (int16_t)u;
    return rc;
}

int pg_msg_get_int32(PgMsgReader *r, int32_t *out)
{
    const uint8_t *p;
    *out = 0;
    if (reader_take(r, 4, &p))
        return WEIR_EPROTO;
    *out = (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
    return WEIR_OK;
}

int pg_msg_get_string(PgMsgReader *r, const char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    if (r->err)
        return WEIR_EPROTO;
    const uint8_t *start = r->p + r->off;
    const uint8_t *nul = memchr(start, 0, r->n - r->off);
    if (!nul)
        return reader_fail(r, "invalid string in message");
    *out = (const char *)start;
    *len = (size_t)(nul - start);
    r->off += *len + 1;
    return WEIR_OK;
}

int pg_msg_get_bytes(PgMsgReader *r, size_t n, const uint8_t **out)
{
    return reader_take(r, n, out);
}

int pg_msg_get_end(PgMsgReader *r)
{
    if (r->err)
        return WEIR_EPROTO;
    if (r->off != r->n)
        return reader_fail(r, "invalid message format");
    return WEIR_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* framing                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int pg_msg_frame(const uint8_t *p, size_t n, size_t max_len, PgFrame *f)
{
    memset(f, 0, sizeof(*f));
    if (n < 5)
        return PG_FRAME_NEED_MORE;
    uint32_t len = get_u32(p + 1);
    /* The length counts itself. Judged before the body arrives, as pq_getmessage does, so a peer
     * cannot make us buffer a gigabyte before we notice. */
    if (len < 4 || len > max_len)
        return PG_FRAME_BAD_LENGTH;
    if (n - 1 < len)
        return PG_FRAME_NEED_MORE;
    f->type = p[0];
    f->body = p + 5;
    f->body_len = len - 4;
    f->frame_len = (size_t)len + 1;
    return PG_FRAME_OK;
}

size_t pg_msg_max_len(uint8_t type, size_t large_limit)
{
    switch (type) {
    case 'C': /* Close */
    case 'D': /* Describe */
    case 'E': /* Execute */
    case 'H': /* Flush */
    case 'S': /* Sync */
    case 'X': /* Terminate */
        return PG_SMALL_MESSAGE_LIMIT;
    default:
        return large_limit;
    }
}

int pg_msg_frame_startup(const uint8_t *p, size_t n, PgFrame *f)
{
    memset(f, 0, sizeof(*f));
    if (n < 4)
        return PG_FRAME_NEED_MORE;
    uint32_t len = get_u32(p);
    /* postmaster.c: at least the length and the version code, at most MAX_STARTUP_PACKET_LENGTH. */
    if (len < 8 || len > PG_MAX_STARTUP_PACKET)
        return PG_FRAME_BAD_LENGTH;
    if (n < len)
        return PG_FRAME_NEED_MORE;
    f->body = p + 4;
    f->body_len = len - 4;
    f->frame_len = len;
    return PG_FRAME_OK;
}

/* ---------------------------------------------------------------------------------------------- */
/* the startup packet                                                                              */
/* ---------------------------------------------------------------------------------------------- */

int pg_msg_startup_parse(const uint8_t *body, size_t n, PgStartup *out, SqlError *err)
{
    memset(out, 0, sizeof(*out));
    if (n < 4) {
        pg_error_make(err, "FATAL", "08P01", "invalid length of startup packet");
        return WEIR_EPROTO;
    }
    out->version = get_u32(body);
    switch (out->version) {
    case PG_CANCEL_REQUEST_CODE:
        if (n != 12) {
            pg_error_make(err, "FATAL", "08P01", "invalid length of startup packet");
            return WEIR_EPROTO;
        }
        out->kind = PG_STARTUP_CANCEL;
        out->cancel_pid = (int32_t)get_u32(body + 4);
        out->cancel_key = (int32_t)get_u32(body + 8);
        return WEIR_OK;
    case PG_SSL_REQUEST_CODE:
        out->kind = PG_STARTUP_SSL;
        return WEIR_OK;
    case PG_GSSENC_REQUEST_CODE:
        out->kind = PG_STARTUP_GSSENC;
        return WEIR_OK;
    default:
        break;
    }
    out->kind = PG_STARTUP_NORMAL;
    if (out->version >> 16 != 3)
        return WEIR_OK; /* the caller refuses other major versions with its own message */
    /* name\0value\0 pairs, then one \0 that must be the last byte (postmaster.c walks the pairs and
     * checks "offset != len - 1"; a string running off the end stops the walk). */
    const uint8_t *p = body + 4;
    size_t len = n - 4;
    size_t off = 0;
    while (off < len && p[off] != 0) {
        const uint8_t *nul = memchr(p + off, 0, len - off);
        if (!nul) {
            off = len;
            break;
        }
        size_t val = (size_t)(nul - p) + 1;
        if (val >= len)
            break;
        nul = memchr(p + val, 0, len - val);
        off = nul ? (size_t)(nul - p) + 1 : len;
    }
    if (len == 0 || off != len - 1 || p[off] != 0) {
        pg_error_make(err, "FATAL", "08P01",
                      "invalid startup packet layout: expected terminator as last byte");
        return WEIR_EPROTO;
    }
    out->params = p;
    out->params_len = len;
    return WEIR_OK;
}

int pg_msg_startup_next(const PgStartup *s, size_t *pos, const char **name, const char **value)
{
    if (!s->params || *pos >= s->params_len || s->params[*pos] == 0)
        return 0;
    /* pg_msg_startup_parse checked the layout, so both strings are NUL-terminated in bounds. */
    *name = (const char *)s->params + *pos;
    *pos += strlen(*name) + 1;
    *value = (const char *)s->params + *pos;
    *pos += strlen(*value) + 1;
    return 1;
}

/* ---------------------------------------------------------------------------------------------- */
/* writing                                                                                         */
/* ---------------------------------------------------------------------------------------------- */

void pg_msg_begin(PgMsgWriter *w, Buf *b, uint8_t type)
{
    static const uint8_t zero[4];
    w->b = b;
    w->start = b->len;
    w->rc = buf_append_byte(b, type);
    if (!w->rc)
        w->rc = buf_append(b, zero, 4);
}

void pg_msg_put_bytes(PgMsgWriter *w, const void *p, size_t n)
{
    if (!w->rc)
        w->rc = buf_append(w->b, p, n);
}

void pg_msg_put_byte(PgMsgWriter *w, uint8_t v)
{
    pg_msg_put_bytes(w, &v, 1);
}

void pg_msg_put_int16(PgMsgWriter *w, int16_t v)
{
    uint8_t p[2] = {(uint8_t)((uint16_t)v >> 8), (uint8_t)v};
    pg_msg_put_bytes(w, p, 2);
}

void pg_msg_put_int32(PgMsgWriter *w, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t p[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    pg_msg_put_bytes(w, p, 4);
}

void pg_msg_put_cstr(PgMsgWriter *w, const char *s)
{
    pg_msg_put_bytes(w, s, strlen(s) + 1);
}

int pg_msg_end(PgMsgWriter *w)
{
    if (w->rc) {
        if (w->b->len > w->start) {
            w->b->len = w->start;
            if (w->b->p)
                w->b->p[w->b->len] = '\0';
        }
        return w->rc;
    }
    size_t body = w->b->len - w->start - 1; /* the length counts itself but not the type byte */
    if (body > INT32_MAX) {
        w->b->len = w->start;
        return WEIR_ELIMIT;
    }
    uint8_t *p = w->b->p + w->start + 1;
    p[0] = (uint8_t)(body >> 24);
    p[1] = (uint8_t)(body >> 16);
    p[2] = (uint8_t)(body >> 8);
    p[3] = (uint8_t)body;
    return WEIR_OK;
}

int pg_msg_put_empty(Buf *b, uint8_t type)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, type);
    return pg_msg_end(&w);
}

int pg_msg_put_auth_ok(Buf *b)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'R');
    pg_msg_put_int32(&w, 0);
    return pg_msg_end(&w);
}

int pg_msg_put_parameter_status(Buf *b, const char *name, const char *value)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'S');
    pg_msg_put_cstr(&w, name);
    pg_msg_put_cstr(&w, value);
    return pg_msg_end(&w);
}

int pg_msg_put_backend_key(Buf *b, int32_t pid, int32_t key)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'K');
    pg_msg_put_int32(&w, pid);
    pg_msg_put_int32(&w, key);
    return pg_msg_end(&w);
}

int pg_msg_put_ready(Buf *b, char txn_status)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'Z');
    pg_msg_put_byte(&w, (uint8_t)txn_status);
    return pg_msg_end(&w);
}

int pg_msg_put_command_complete(Buf *b, const char *tag)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'C');
    pg_msg_put_cstr(&w, tag);
    return pg_msg_end(&w);
}

int pg_msg_put_negotiate(Buf *b, int32_t minor, const char *const *names, size_t n)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'v');
    pg_msg_put_int32(&w, (int32_t)(PG_PROTOCOL_3_0 | (uint32_t)minor));
    pg_msg_put_int32(&w, (int32_t)n);
    for (size_t i = 0; i < n; i++)
        pg_msg_put_cstr(&w, names[i]);
    return pg_msg_end(&w);
}

int pg_msg_put_error(Buf *b, uint8_t type, const SqlError *e)
{
    const char *sev = e->severity[0] ? e->severity : "ERROR";
    PgMsgWriter w;
    pg_msg_begin(&w, b, type);
    /* S is the localized severity, V the never-localized one (protocol 3.0 since PostgreSQL 9.6);
     * weir does not localize, so both say the same. */
    pg_msg_put_byte(&w, 'S');
    pg_msg_put_cstr(&w, sev);
    pg_msg_put_byte(&w, 'V');
    pg_msg_put_cstr(&w, sev);
    pg_msg_put_byte(&w, 'C');
    pg_msg_put_cstr(&w, e->sqlstate[0] ? e->sqlstate : "XX000");
    pg_msg_put_byte(&w, 'M');
    pg_msg_put_cstr(&w, e->message);
    if (e->detail[0]) {
        pg_msg_put_byte(&w, 'D');
        pg_msg_put_cstr(&w, e->detail);
    }
    if (e->hint[0]) {
        pg_msg_put_byte(&w, 'H');
        pg_msg_put_cstr(&w, e->hint);
    }
    if (e->position > 0) {
        char pos[16];
        snprintf(pos, sizeof(pos), "%d", e->position);
        pg_msg_put_byte(&w, 'P');
        pg_msg_put_cstr(&w, pos);
    }
    /* W after P, in the order PostgreSQL's send_message_to_frontend writes the fields */
    if (e->context[0]) {
        pg_msg_put_byte(&w, 'W');
        pg_msg_put_cstr(&w, e->context);
    }
    pg_msg_put_byte(&w, 0);
    return pg_msg_end(&w);
}

uint32_t pg_type_oid(SqlType t)
{
    return sql_type_oid(t.id);
}

int16_t pg_type_len(SqlType t)
{
    if (SQL_IS_ARRAY(t.id))
        return -1;
    if ((unsigned)t.id >= SQL_N_TYPES)
        return -1;
    return sql_type_info(t.id)->typlen;
}

int pg_msg_put_param_desc(Buf *b, const uint32_t *oids, size_t n)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 't');
    pg_msg_put_int16(&w, (int16_t)n);
    for (size_t i = 0; i < n; i++)
        pg_msg_put_int32(&w, (int32_t)oids[i]);
    return pg_msg_end(&w);
}

int pg_msg_put_row_desc(Buf *b, const SqlColumn *cols, size_t n, const int16_t *formats)
{
    PgMsgWriter w;
    pg_msg_begin(&w, b, 'T');
    pg_msg_put_int16(&w, (int16_t)n);
    for (size_t i = 0; i < n; i++) {
        pg_msg_put_cstr(&w, cols[i].name ? cols[i].name : "?column?");
        pg_msg_put_int32(&w, (int32_t)cols[i].table_oid);
        pg_msg_put_int16(&w, cols[i].attnum);
        pg_msg_put_int32(&w, (int32_t)pg_type_oid(cols[i].type));
        pg_msg_put_int16(&w, pg_type_len(cols[i].type));
        pg_msg_put_int32(&w, cols[i].type.typmod);
        pg_msg_put_int16(&w, formats ? formats[i] : 0);
    }
    return pg_msg_end(&w);
}

/* ---------------------------------------------------------------------------------------------- */
/* errors                                                                                          */
/* ---------------------------------------------------------------------------------------------- */

void pg_error_make(SqlError *e, const char *severity, const char *sqlstate, const char *fmt, ...)
{
    memset(e, 0, sizeof(*e));
    snprintf(e->severity, sizeof(e->severity), "%s", severity ? severity : "ERROR");
    snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", sqlstate);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof(e->message), fmt, ap);
    va_end(ap);
}

int pg_utf8_check(const uint8_t *p, size_t n, SqlError *e)
{
    size_t i = 0;
    while (i < n) {
        if (p[i] >= 0x01 && p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = p[i] ? utf8_seq_len(p + i, n - i) : 0; /* NUL is never valid text (pg_verify_mbstr) */
        if (l) {
            i += l;
            continue;
        }
        /* pg_utf_mblen: how many bytes the lead byte claims, capped by what is left. */
        uint8_t c = p[i];
        size_t want = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
        if (want > n - i)
            want = n - i;
        char bytes[8 * 5 + 1];
        size_t off = 0;
        for (size_t j = 0; j < want; j++)
            off += (size_t)snprintf(bytes + off, sizeof(bytes) - off, j ? " 0x%02x" : "0x%02x", p[i + j]);
        pg_error_make(e, NULL, "22021", "invalid byte sequence for encoding \"UTF8\": %s", bytes);
        return WEIR_ERROR;
    }
    return WEIR_OK;
}
