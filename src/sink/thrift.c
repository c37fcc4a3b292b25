/*
 * thrift.c: Thrift compact protocol writer and generic reader (see thrift.h).
 *
 * Encoding facts used here: integers are zigzag varints (i16, i32, i64 alike; i8 is one raw byte);
 * doubles are 8 bytes little-endian; binary is a varint length then the bytes; a field header is one
 * byte (delta << 4 | type) when the id follows the previous one by 1..15, else the type byte followed by
 * the zigzag i16 id; bools live in the field header's type (1 true, 2 false) and, as list elements, in
 * one byte each; a list header is (n << 4 | elem type) for n < 15, else (0xF0 | elem type) and a varint n;
 * maps are a varint n then (key type << 4 | value type) when n > 0.
 */
#include "sink/thrift.h"

#include <string.h>

void thrift_writer_init(ThriftWriter *w, Buf *out)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
}

int thrift_writer_error(const ThriftWriter *w)
{
    return w->err;
}

static void tw_bytes(ThriftWriter *w, const void *p, size_t n)
{
    if (!w->err && buf_append(w->out, p, n))
        w->err = WEIR_ELIMIT;
}

int thrift_varint_append(Buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    return buf_append(b, tmp, n);
}

static void tw_varint(ThriftWriter *w, uint64_t v)
{
    if (!w->err && thrift_varint_append(w->out, v))
        w->err = WEIR_ELIMIT;
}

static uint64_t zigzag64(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

void thrift_struct_begin(ThriftWriter *w)
{
    if (w->depth >= THRIFT_MAX_DEPTH) {
        w->err = w->err ? w->err : WEIR_ELIMIT;
        return;
    }
    w->last_id[w->depth++] = 0;
}

void thrift_struct_end(ThriftWriter *w)
{
    uint8_t stop = THRIFT_STOP;
    tw_bytes(w, &stop, 1);
    if (w->depth > 0)
        w->depth--;
}

void thrift_field_begin(ThriftWriter *w, int16_t id, uint8_t type)
{
    int16_t *last = w->depth > 0 ? &w->last_id[w->depth - 1] : NULL;
    int delta = last ? id - *last : 0;
    if (last && delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)(delta << 4 | type);
        tw_bytes(w, &b, 1);
    } else {
        tw_bytes(w, &type, 1);
        tw_varint(w, zigzag64(id));
    }
    if (last)
        *last = id;
}

void thrift_field_bool(ThriftWriter *w, int16_t id, int v)
{
    thrift_field_begin(w, id, v ? THRIFT_TRUE : THRIFT_FALSE);
}

void thrift_field_i32(ThriftWriter *w, int16_t id, int32_t v)
{
    thrift_field_begin(w, id, THRIFT_I32);
    tw_varint(w, zigzag64(v));
}

void thrift_field_i64(ThriftWriter *w, int16_t id, int64_t v)
{
    thrift_field_begin(w, id, THRIFT_I64);
    tw_varint(w, zigzag64(v));
}

void thrift_field_double(ThriftWriter *w, int16_t id, double v)
{
    thrift_field_begin(w, id, THRIFT_DOUBLE);
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t le[8];
    for (int i = 0; i < 8; i++)
        le[i] = (uint8_t)(bits >> (8 * i));
    tw_bytes(w, le, 8);
}

void thrift_field_binary(ThriftWriter *w, int16_t id, const void *p, size_t n)
{
    thrift_field_begin(w, id, THRIFT_BINARY);
    thrift_write_binary(w, p, n);
}

void thrift_field_string(ThriftWriter *w, int16_t id, const char *s)
{
    thrift_field_binary(w, id, s, strlen(s));
}

void thrift_list_begin(ThriftWriter *w, uint8_t elem_type, uint32_t n)
{
    if (n < 15) {
        uint8_t b = (uint8_t)(n << 4 | elem_type);
        tw_bytes(w, &b, 1);
    } else {
        uint8_t b = (uint8_t)(0xF0 | elem_type);
        tw_bytes(w, &b, 1);
        tw_varint(w, n);
    }
}

void thrift_write_i32(ThriftWriter *w, int32_t v)
{
    tw_varint(w, zigzag64(v));
}
void thrift_write_i64(ThriftWriter *w, int64_t v)
{
    tw_varint(w, zigzag64(v));
}

void thrift_write_binary(ThriftWriter *w, const void *p, size_t n)
{
    tw_varint(w, n);
    tw_bytes(w, p, n);
}

/* ---------------------------------------------------------------- reader */

typedef struct TReader {
    const uint8_t *p;
    size_t n, off;
    Arena *a;
    Err *e;
} TReader;

static int tr_varint(TReader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->off >= r->n)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated varint at %zu", r->off);
        uint8_t b = r->p[r->off++];
        if (shift == 63 && b > 1)
            return err_set(r->e, WEIR_EPARSE, "thrift: varint overflow at %zu", r->off);
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return WEIR_OK;
        }
    }
    return err_set(r->e, WEIR_EPARSE, "thrift: varint too long at %zu", r->off);
}

static int tr_zigzag(TReader *r, int64_t *out)
{
    uint64_t u;
    int rc = tr_varint(r, &u);
    if (rc)
        return rc;
    *out = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return WEIR_OK;
}

static int tr_value(TReader *r, uint8_t type, int depth, ThriftValue *v);

static int tr_struct(TReader *r, int depth, ThriftValue *v)
{
    if (depth >= THRIFT_MAX_DEPTH)
        return err_set(r->e, WEIR_EPARSE, "thrift: nesting deeper than %d", THRIFT_MAX_DEPTH);
    v->type = THRIFT_STRUCT;
    v->u.st.fields = NULL;
    v->u.st.n = 0;
    uint32_t cap = 0;
    int16_t last = 0;
    for (;;) {
        if (r->off >= r->n)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated struct");
        uint8_t h = r->p[r->off++];
        if (h == THRIFT_STOP)
            return WEIR_OK;
        uint8_t type = h & 0x0F;
        int64_t id;
        if (h >> 4) {
            id = last + (h >> 4);
        } else {
            int rc = tr_zigzag(r, &id);
            if (rc)
                return rc;
        }
        if (id < INT16_MIN || id > INT16_MAX)
            return err_set(r->e, WEIR_EPARSE, "thrift: field id %lld out of range", (long long)id);
        last = (int16_t)id;
        if (v->u.st.n == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;
            ThriftField *nf = ARENA_NEW(r->a, ThriftField, ncap);
            if (!nf)
                return err_set(r->e, WEIR_ENOMEM, "thrift: over the memory budget");
            if (cap)
                memcpy(nf, v->u.st.fields, cap * sizeof(ThriftField));
            v->u.st.fields = nf;
            cap = ncap;
        }
        ThriftField *f = &v->u.st.fields[v->u.st.n++];
        f->id = (int16_t)id;
        if (type == THRIFT_TRUE || type == THRIFT_FALSE) {
            f->v.type = THRIFT_TRUE;
            f->v.u.b = type == THRIFT_TRUE;
            continue;
        }
        int rc = tr_value(r, type, depth + 1, &f->v);
        if (rc)
            return rc;
    }
}

static int tr_list(TReader *r, uint8_t type, int depth, ThriftValue *v)
{
    if (depth >= THRIFT_MAX_DEPTH)
        return err_set(r->e, WEIR_EPARSE, "thrift: nesting deeper than %d", THRIFT_MAX_DEPTH);
    uint64_t n;
    uint8_t elem, key = 0;
    if (type == THRIFT_MAP) {
        int rc = tr_varint(r, &n);
        if (rc)
            return rc;
        if (n > 0) {
            if (r->off >= r->n)
                return err_set(r->e, WEIR_EPARSE, "thrift: truncated map header");
            key = r->p[r->off] >> 4;
            elem = r->p[r->off++] & 0x0F;
        } else {
            elem = 0;
        }
    } else {
        if (r->off >= r->n)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated list header");
        uint8_t h = r->p[r->off++];
        elem = h & 0x0F;
        n = h >> 4;
        if (n == 15) {
            int rc = tr_varint(r, &n);
            if (rc)
                return rc;
        }
    }
    /* every element takes at least one byte: a count past the bytes left is corrupt, not a reason to
     * allocate */
    if (n > r->n - r->off)
        return err_set(r->e, WEIR_EPARSE, "thrift: %llu elements in %zu bytes", (unsigned long long)n,
                       r->n - r->off);
    v->type = type;
    v->u.list.elem = elem;
    v->u.list.n = (uint32_t)n;
    v->u.list.keys = NULL;
    v->u.list.v = n ? ARENA_NEW(r->a, ThriftValue, n) : NULL;
    if (n && !v->u.list.v)
        return err_set(r->e, WEIR_ENOMEM, "thrift: over the memory budget");
    if (type == THRIFT_MAP && n) {
        v->u.list.keys = ARENA_NEW(r->a, ThriftValue, n);
        if (!v->u.list.keys)
            return err_set(r->e, WEIR_ENOMEM, "thrift: over the memory budget");
    }
    for (uint64_t i = 0; i < n; i++) {
        int rc = WEIR_OK;
        if (type == THRIFT_MAP)
            rc = tr_value(r, key, depth + 1, &v->u.list.keys[i]);
        if (rc == WEIR_OK)
            rc = tr_value(r, elem, depth + 1, &v->u.list.v[i]);
        if (rc)
            return rc;
    }
    return WEIR_OK;
}

static int tr_value(TReader *r, uint8_t type, int depth, ThriftValue *v)
{
    memset(v, 0, sizeof(*v));
    switch (type) {
    case THRIFT_TRUE:
    case THRIFT_FALSE: /* a bool element of a list or map: one byte */
        if (r->off >= r->n)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated bool");
        v->type = THRIFT_TRUE;
        v->u.b = r->p[r->off++] == THRIFT_TRUE;
        return WEIR_OK;
    case THRIFT_I8:
        if (r->off >= r->n)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated i8");
        v->type = THRIFT_I8;
        v->u.i = (int8_t)r->p[r->off++];
        return WEIR_OK;
    case THRIFT_I16:
    case THRIFT_I32:
    case THRIFT_I64:
        v->type = type;
        return tr_zigzag(r, &v->u.i);
    case THRIFT_DOUBLE: {
        if (r->n - r->off < 8)
            return err_set(r->e, WEIR_EPARSE, "thrift: truncated double");
        uint64_t bits = 0;
        for (int i = 0; i < 8; i++)
            bits |= (uint64_t)r->p[r->off + i] << (8 * i);
        r->off += 8;
        v->type = THRIFT_DOUBLE;
        memcpy(&v->u.d, &bits, 8);
        return WEIR_OK;
    }
    case THRIFT_BINARY: {
        uint64_t n;
        int rc = tr_varint(r, &n);
        if (rc)
            return rc;
        if (n > r->n - r->off)
            return err_set(r->e, WEIR_EPARSE, "thrift: binary of %llu bytes past the end",
                           (unsigned long long)n);
        v->type = THRIFT_BINARY;
        v->u.bin = (Slice){r->p + r->off, (size_t)n};
        r->off += (size_t)n;
        return WEIR_OK;
    }
    case THRIFT_LIST:
    case THRIFT_SET:
    case THRIFT_MAP:
        return tr_list(r, type, depth, v);
    case THRIFT_STRUCT:
        return tr_struct(r, depth, v);
    }
    return err_set(r->e, WEIR_EPARSE, "thrift: unknown type %u at %zu", type, r->off);
}

int thrift_read_struct(const uint8_t *p, size_t n, Arena *a, ThriftValue *out, size_t *used, Err *e)
{
    TReader r = {p, n, 0, a, e};
    memset(out, 0, sizeof(*out));
    int rc = tr_struct(&r, 0, out);
    if (rc == WEIR_OK && used)
        *used = r.off;
    return rc;
}

const ThriftValue *thrift_get(const ThriftValue *st, int16_t id)
{
    if (!st || st->type != THRIFT_STRUCT)
        return NULL;
    for (uint32_t i = 0; i < st->u.st.n; i++)
        if (st->u.st.fields[i].id == id)
            return &st->u.st.fields[i].v;
    return NULL;
}

int64_t thrift_get_int(const ThriftValue *st, int16_t id, int64_t dflt)
{
    const ThriftValue *v = thrift_get(st, id);
    if (!v || v->type < THRIFT_I8 || v->type > THRIFT_I64)
        return dflt;
    return v->u.i;
}
