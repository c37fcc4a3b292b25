/*
 * pg_msg.h: PostgreSQL frontend/backend protocol 3.0 messages -- framing, bounds-checked reading of
 * frontend messages, the startup packet, and writers for every backend message weir sends.
 *
 * What this is not: the connection state machine (pg_conn.c) or sockets (pg_server.c). Nothing here
 * allocates except the output Buf.
 *
 * Reading (PostgreSQL's pqformat.c pq_getmsg*): a PgMsgReader walks one message body. Every get_*
 * checks that the bytes are there; the first failure is sticky (later gets fail too) and keeps
 * PostgreSQL's own message for it ("insufficient data left in message", "invalid string in message",
 * "invalid message format" from pg_msg_get_end), which the caller sends as ErrorResponse 08P01.
 *
 * Writing: a PgMsgWriter appends one whole message to a Buf: pg_msg_begin writes the type byte and a
 * length placeholder, the put_* calls append, pg_msg_end patches the length. Errors (the Buf's maximum)
 * are sticky in the writer and returned by pg_msg_end, so a message is checked once, at its end. On
 * failure the partly written message is cut off again (the Buf holds only whole messages), which is
 * what lets the caller send the Buf as is (PostgreSQL pqcomm.c: a message is sent whole or not at all).
 */
#ifndef WEIR_PGWIRE_PG_MSG_H
#define WEIR_PGWIRE_PG_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "exec/engine.h"

/* Protocol constants (PostgreSQL pqcomm.h). */
#define PG_PROTOCOL_3_0 196608u          /* 3 << 16 | 0 */
#define PG_CANCEL_REQUEST_CODE 80877102u /* 1234 << 16 | 5678 */
#define PG_SSL_REQUEST_CODE 80877103u    /* 1234 << 16 | 5679 */
#define PG_GSSENC_REQUEST_CODE 80877104u /* 1234 << 16 | 5680 */
#define PG_MAX_STARTUP_PACKET 10000u     /* MAX_STARTUP_PACKET_LENGTH */
#define PG_SMALL_MESSAGE_LIMIT 10000u    /* PQ_SMALL_MESSAGE_LIMIT: Sync, Flush, Describe, ... */
#define PG_NAMEDATALEN 64                /* identifiers (user, database) are cut to 63 bytes */

/* --- reading ------------------------------------------------------------------------------------ */

typedef struct PgMsgReader {
    const uint8_t *p;
    size_t n;
    size_t off;
    const char *err; /* NULL until the first failure; then PostgreSQL's message for it (static) */
} PgMsgReader;

static inline void pg_msg_reader_init(PgMsgReader *r, const uint8_t *p, size_t n)
{
    r->p = p;
    r->n = n;
    r->off = 0;
    r->err = NULL;
}

/* Each returns WEIR_OK, or WEIR_EPROTO with r->err set (and leaves *out zeroed). Integers are network
 * byte order on the wire. */
int pg_msg_get_byte(PgMsgReader *r, uint8_t *out) WEIR_WARN_UNUSED;
int pg_msg_get_int16(PgMsgReader *r, int16_t *out) WEIR_WARN_UNUSED;
int pg_msg_get_uint16(PgMsgReader *r, uint16_t *out) WEIR_WARN_UNUSED;
int pg_msg_get_int32(PgMsgReader *r, int32_t *out) WEIR_WARN_UNUSED;
/* A NUL-terminated string: *out points into the message (borrowed, NUL-terminated), *len excludes the
 * NUL. Fails with "invalid string in message" when no NUL is left in the body. */
int pg_msg_get_string(PgMsgReader *r, const char **out, size_t *len) WEIR_WARN_UNUSED;
/* n raw bytes, borrowed from the message. */
int pg_msg_get_bytes(PgMsgReader *r, size_t n, const uint8_t **out) WEIR_WARN_UNUSED;
/* The whole body must have been read: "invalid message format" otherwise (pq_getmsgend). */
int pg_msg_get_end(PgMsgReader *r) WEIR_WARN_UNUSED;

/* --- framing ------------------------------------------------------------------------------------ */

typedef struct PgFrame {
    uint8_t type;        /* 0 for the startup packet, which has no type byte */
    const uint8_t *body; /* borrowed from the input */
    size_t body_len;
    size_t frame_len; /* bytes the whole message takes in the input (header included) */
} PgFrame;

enum { PG_FRAME_NEED_MORE = 0, PG_FRAME_OK = 1, PG_FRAME_BAD_LENGTH = -1 };

/* One regular message (type byte, int32 length counting itself, body) from the front of p[0..n).
 * max_len bounds the length word (PostgreSQL checks it before reading the body, so a peer cannot make
 * it buffer more). Returns PG_FRAME_OK with *f filled, PG_FRAME_NEED_MORE, or PG_FRAME_BAD_LENGTH
 * (length below 4 or above max_len). */
int pg_msg_frame(const uint8_t *p, size_t n, size_t max_len, PgFrame *f);

/* The max_len PostgreSQL 15 allows for a message type (SocketBackend: PQ_SMALL_MESSAGE_LIMIT for
 * Sync, Flush, Terminate, Close, Describe, Execute; large_limit for Query, Parse, Bind, CopyData,
 * FunctionCall and unknown types -- an unknown type is refused after it is read whole). */
size_t pg_msg_max_len(uint8_t type, size_t large_limit);

/* The startup packet (int32 length counting itself, then the body): PG_FRAME_OK, NEED_MORE, or
 * BAD_LENGTH when the length is below 8 or above PG_MAX_STARTUP_PACKET. */
int pg_msg_frame_startup(const uint8_t *p, size_t n, PgFrame *f);

/* --- the startup packet ------------------------------------------------------------------------- */

enum { PG_STARTUP_NORMAL = 0, PG_STARTUP_SSL, PG_STARTUP_GSSENC, PG_STARTUP_CANCEL };

typedef struct PgStartup {
    int kind;           /* PG_STARTUP_* */
    uint32_t version;   /* the int32 after the length: protocol version or request code */
    int32_t cancel_pid; /* PG_STARTUP_CANCEL */
    int32_t cancel_key;
    const uint8_t *params; /* PG_STARTUP_NORMAL: name\0value\0 ... \0, borrowed from the packet */
    size_t params_len;
} PgStartup;

/* Classify and check a startup packet body (after the length word). Fills *err (SQLSTATE, message
 * as PostgreSQL words it) and returns WEIR_EPROTO for: a cancel request of the wrong length, a
 * protocol 3.x packet whose parameter list is not name/value pairs ending in one NUL ("invalid
 * startup packet layout: expected terminator as last byte"). The protocol version itself is not
 * judged here (the caller decides between 3.x, NegotiateProtocolVersion and refusal). */
int pg_msg_startup_parse(const uint8_t *body, size_t n, PgStartup *out, SqlError *err) WEIR_WARN_UNUSED;

/* Iterate the parameters of a PG_STARTUP_NORMAL packet: start with *pos = 0; returns 1 with *name and
 * *value (borrowed, NUL-terminated) or 0 at the end. */
int pg_msg_startup_next(const PgStartup *s, size_t *pos, const char **name, const char **value);

/* --- writing ------------------------------------------------------------------------------------ */

typedef struct PgMsgWriter {
    Buf *b;
    size_t start; /* offset of the type byte */
    int rc;       /* WEIR_OK or the first failure */
} PgMsgWriter;

/* Start a message of the given type in b. */
void pg_msg_begin(PgMsgWriter *w, Buf *b, uint8_t type);
void pg_msg_put_byte(PgMsgWriter *w, uint8_t v);
void pg_msg_put_int16(PgMsgWriter *w, int16_t v);
void pg_msg_put_int32(PgMsgWriter *w, int32_t v);
void pg_msg_put_bytes(PgMsgWriter *w, const void *p, size_t n);
/* A string and its NUL terminator. */
void pg_msg_put_cstr(PgMsgWriter *w, const char *s);
/* Patch the length word; returns WEIR_OK, or the first error (WEIR_ELIMIT) after removing the partial
 * message from the Buf. */
int pg_msg_end(PgMsgWriter *w) WEIR_WARN_UNUSED;

/* Whole messages. Each returns WEIR_OK or WEIR_ELIMIT (the Buf's maximum; nothing appended then). */

/* A message with an empty body: ParseComplete '1', BindComplete '2', CloseComplete '3', NoData 'n',
 * PortalSuspended 's', EmptyQueryResponse 'I', Flush/Sync for clients ('H', 'S'). */
int pg_msg_put_empty(Buf *b, uint8_t type) WEIR_WARN_UNUSED;
int pg_msg_put_auth_ok(Buf *b) WEIR_WARN_UNUSED;
int pg_msg_put_parameter_status(Buf *b, const char *name, const char *value) WEIR_WARN_UNUSED;
int pg_msg_put_backend_key(Buf *b, int32_t pid, int32_t key) WEIR_WARN_UNUSED;
int pg_msg_put_ready(Buf *b, char txn_status) WEIR_WARN_UNUSED;
int pg_msg_put_command_complete(Buf *b, const char *tag) WEIR_WARN_UNUSED;
/* NegotiateProtocolVersion 'v': the newest minor version weir speaks and the unrecognised "_pq_."
 * options (names[0..n)). */
int pg_msg_put_negotiate(Buf *b, int32_t minor, const char *const *names, size_t n) WEIR_WARN_UNUSED;

/* ErrorResponse ('E') or NoticeResponse ('N') from e: fields S and V (severity, "ERROR" when e has
 * none), C (SQLSTATE, "XX000" when none), M, and D, H, P when set. */
int pg_msg_put_error(Buf *b, uint8_t type, const SqlError *e) WEIR_WARN_UNUSED;

/* ParameterDescription 't': one type OID per parameter. */
int pg_msg_put_param_desc(Buf *b, const uint32_t *oids, size_t n) WEIR_WARN_UNUSED;

/* RowDescription 'T' for n columns: name, table OID, attnum, type OID, typlen, typmod, format code.
 * formats is NULL for all-text (Describe of a statement), or one code per column. */
int pg_msg_put_row_desc(Buf *b, const SqlColumn *cols, size_t n, const int16_t *formats) WEIR_WARN_UNUSED;

/* The OID and typlen PostgreSQL reports for a type (arrays: their array OID and -1). */
uint32_t pg_type_oid(SqlType t);
int16_t pg_type_len(SqlType t);

/* --- errors built by the protocol layer --------------------------------------------------------- */

/* Fill e with severity (NULL: "ERROR"), SQLSTATE and message; position 0, no detail or hint. */
void pg_error_make(SqlError *e, const char *severity, const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* If p[0..n) is not valid UTF-8, fill e with PostgreSQL's 22021 'invalid byte sequence for encoding
 * "UTF8": 0x..' (naming the bytes of the first bad sequence, as report_invalid_encoding does) and
 * return WEIR_ERROR; else WEIR_OK. */
int pg_utf8_check(const uint8_t *p, size_t n, SqlError *e) WEIR_WARN_UNUSED;

#endif
