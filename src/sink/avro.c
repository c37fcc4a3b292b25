/*
 * avro.c: Avro object container files, written and read without libavro (see avro.h for the format and
 * docs/internals/iceberg.md for why).
 *
 * Writer: records are encoded straight into the open block (w->block); when the block passes
 * block_bytes it is closed: count, byte size, the (deflated) bytes and the sync marker are appended to
 * w->file. Nothing is written anywhere else; the caller stores w->file (objstore, a file).
 *
 * Reader: a recursive decoder driven by the parsed schema. Every length and count is checked against
 * the bytes left, nesting is bounded (AVRO_MAX_DEPTH) and every allocation comes from the caller's
 * arena, so a hostile file (the fuzzer's) ends in WEIR_ECORRUPT or WEIR_ENOMEM, never in a crash or an
 * unbounded loop.
 */
#include "sink/avro.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <zlib.h>

#define AVRO_MAX_DEPTH 64
#define AVRO_BLOCK_BYTES_DEFAULT (64 * 1024)
#define AVRO_MAX_BLOCK_INFLATED ((size_t)256 << 20)
#define AVRO_MAX_ITEMS ((int64_t)1 << 24) /* items of one array or map block, records of one block */

/* ===================================================================================== encoders === */

int avro_put_long(Buf *b, int64_t v)
{
    uint8_t tmp[10];
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); /* zigzag */
    size_t n = 0;
    while (z >= 0x80) {
        tmp[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    tmp[n++] = (uint8_t)z;
    return buf_append(b, tmp, n);
}

int avro_put_bool(Buf *b, int v) { return buf_append_byte(b, v ? 1 : 0); }

int avro_put_float(Buf *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    uint8_t tmp[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    return buf_append(b, tmp, 4);
}

int avro_put_double(Buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t tmp[8];
    for (int i = 0; i < 8; i++)
        tmp[i] = (uint8_t)(u >> (8 * i));
    return buf_append(b, tmp, 8);
}

int avro_put_bytes(Buf *b, const void *p, size_t n)
{
    int rc = avro_put_long(b, (int64_t)n);
    if (rc == WEIR_OK && n)
        rc = buf_append(b, p, n);
    return rc;
}

int avro_put_string(Buf *b, const char *s) { return avro_put_bytes(b, s, strlen(s)); }

/* ======================================================================================= writer === */

static int avro_fail(AvroWriter *w, Err *e, int rc, const char *what)
{
    w->is_failed = 1;
    return err_set(e, rc, "avro: %s: %s", what, rc == WEIR_ELIMIT ? "file too large" : err_code_name(rc));
}

int avro_writer_init(AvroWriter *w, const char *schema_json, AvroCodec codec, const AvroMeta *meta, size_t n_meta,
                     size_t max, Err *e)
{
    memset(w, 0, sizeof(*w));
    buf_init(&w->file, max ? max : BUF_MAX_DEFAULT);
    buf_init(&w->block, max ? max : BUF_MAX_DEFAULT);
    buf_init(&w->scratch, max ? max : BUF_MAX_DEFAULT);
    w->codec = codec;
    w->block_bytes = AVRO_BLOCK_BYTES_DEFAULT;
    if (getrandom(w->sync, sizeof(w->sync), 0) != (ssize_t)sizeof(w->sync)) {
        /* The sync marker only has to be unlikely to appear in the data; the clock is good enough when the
         * entropy pool is not ready. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)w;
        for (int i = 0; i < 16; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            w->sync[i] = (uint8_t)x;
        }
    }
    int rc = buf_append(&w->file, "Obj\x01", 4);
    if (rc == WEIR_OK)
        rc = avro_put_long(&w->file, (int64_t)(n_meta + 2));
    if (rc == WEIR_OK)
        rc = avro_put_string(&w->file, "avro.schema");
    if (rc == WEIR_OK)
        rc = avro_put_string(&w->file, schema_json);
    if (rc == WEIR_OK)
        rc = avro_put_string(&w->file, "avro.codec");
    if (rc == WEIR_OK)
        rc = avro_put_string(&w->file, codec == AVRO_CODEC_DEFLATE ? "deflate" : "null");
    for (size_t i = 0; rc == WEIR_OK && i < n_meta; i++) {
        rc = avro_put_string(&w->file, meta[i].key);
        if (rc == WEIR_OK)
            rc = avro_put_string(&w->file, meta[i].value);
    }
    if (rc == WEIR_OK)
        rc = avro_put_long(&w->file, 0);
    if (rc == WEIR_OK)
        rc = buf_append(&w->file, w->sync, sizeof(w->sync));
    if (rc != WEIR_OK)
        return avro_fail(w, e, rc, "header");
    return WEIR_OK;
}

Buf *avro_writer_record(AvroWriter *w) { return &w->block; }

static int deflate_raw(const uint8_t *p, size_t n, Buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    /* windowBits -15: a raw deflate stream, as the Avro specification's "deflate" codec requires. */
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return WEIR_ERROR;
    uLong bound = deflateBound(&zs, (uLong)n);
    buf_reset(out);
    int rc = buf_reserve(out, bound);
    if (rc == WEIR_OK) {
        zs.next_in = (Bytef *)(uintptr_t)p;
        zs.avail_in = (uInt)n;
        zs.next_out = out->p;
        zs.avail_out = (uInt)bound;
        if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
            rc = WEIR_ERROR;
        else
            out->len = zs.total_out;
    }
    deflateEnd(&zs);
    return rc;
}

static int avro_block_flush(AvroWriter *w, Err *e)
{
    if (w->n_block == 0)
        return WEIR_OK;
    const uint8_t *data = w->block.p;
    size_t len = w->block.len;
    int rc = WEIR_OK;
    if (w->codec == AVRO_CODEC_DEFLATE) {
        if (len > UINT32_MAX)
            return avro_fail(w, e, WEIR_ELIMIT, "block");
        rc = deflate_raw(w->block.p, w->block.len, &w->scratch);
        if (rc != WEIR_OK)
            return avro_fail(w, e, rc, "deflate");
        data = w->scratch.p;
        len = w->scratch.len;
    }
    rc = avro_put_long(&w->file, (int64_t)w->n_block);
    if (rc == WEIR_OK)
        rc = avro_put_long(&w->file, (int64_t)len);
    if (rc == WEIR_OK && len)
        rc = buf_append(&w->file, data, len);
    if (rc == WEIR_OK)
        rc = buf_append(&w->file, w->sync, sizeof(w->sync));
    if (rc != WEIR_OK)
        return avro_fail(w, e, rc, "block");
    buf_reset(&w->block);
    w->n_block = 0;
    return WEIR_OK;
}

int avro_writer_end_record(AvroWriter *w, Err *e)
{
    if (w->is_failed)
        return err_set(e, WEIR_EINVAL, "avro: writer failed earlier");
    w->n_block++;
    w->n_records++;
    if (w->block.len >= w->block_bytes)
        return avro_block_flush(w, e);
    return WEIR_OK;
}

int avro_writer_finish(AvroWriter *w, Err *e)
{
    if (w->is_failed)
        return err_set(e, WEIR_EINVAL, "avro: writer failed earlier");
    return avro_block_flush(w, e);
}

void avro_writer_fini(AvroWriter *w)
{
    buf_fini(&w->file);
    buf_fini(&w->block);
    buf_fini(&w->scratch);
    w->n_block = 0;
}

/* =============================================================================== schema parser === */

typedef struct NamedType {
    const char *name;
    const AvroSchema *schema;
    struct NamedType *next;
} NamedType;

typedef struct SchemaParser {
    Arena *a;
    Err *e;
    NamedType *names;
    const char *ns; /* the enclosing namespace (named types inherit it), or NULL */
} SchemaParser;

static const char *const PRIM_NAMES[] = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"};

static int prim_kind(const char *s)
{
    for (size_t i = 0; i < sizeof(PRIM_NAMES) / sizeof(PRIM_NAMES[0]); i++)
        if (strcmp(s, PRIM_NAMES[i]) == 0)
            return (int)i; /* AVRO_NULL .. AVRO_STRING are 0..7 in this order */
    return -1;
}

static AvroSchema *schema_new(SchemaParser *sp, AvroKind k)
{
    AvroSchema *s = ARENA_NEW(sp->a, AvroSchema, 1);
    if (!s) {
        err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
        return NULL;
    }
    s->kind = k;
    s->element_id = s->key_id = s->value_id = -1;
    return s;
}

static const char *sp_strdup(SchemaParser *sp, const char *s)
{
    char *c = arena_try_strndup(sp->a, s, strlen(s));
    if (!c)
        err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
    return c;
}

static int32_t json_id(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN && json_integer_value(v) <= INT32_MAX)
        return (int32_t)json_integer_value(v);
    return -1;
}

static const AvroSchema *schema_parse_node(SchemaParser *sp, json_t *j, int depth);

static int schema_register(SchemaParser *sp, const char *name, const AvroSchema *s)
{
    NamedType *nt = ARENA_NEW(sp->a, NamedType, 1);
    if (!nt)
        return err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
    nt->name = name;
    nt->schema = s;
    nt->next = sp->names;
    sp->names = nt;
    return WEIR_OK;
}

/* A reference: the full name as written, or the name inside the enclosing namespace. */
static const AvroSchema *schema_lookup(SchemaParser *sp, const char *name)
{
    size_t nsl = sp->ns ? strlen(sp->ns) : 0;
    for (NamedType *nt = sp->names; nt; nt = nt->next) {
        if (strcmp(nt->name, name) == 0)
            return nt->schema;
        if (nsl && strncmp(nt->name, sp->ns, nsl) == 0 && nt->name[nsl] == '.' && strcmp(nt->name + nsl + 1, name) == 0)
            return nt->schema;
    }
    return NULL;
}

static const char *schema_full_name(SchemaParser *sp, json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    if (!name || !*name) {
        err_set(sp->e, WEIR_ECORRUPT, "avro: a named type without a name");
        return NULL;
    }
    const char *ns = json_string_value(json_object_get(o, "namespace"));
    if (!ns)
        ns = sp->ns;
    if (!ns || !*ns || strchr(name, '.'))
        return sp_strdup(sp, name);
    size_t n = strlen(ns) + 1 + strlen(name);
    char *full = arena_try_alloc(sp->a, n + 1);
    if (!full) {
        err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
        return NULL;
    }
    snprintf(full, n + 1, "%s.%s", ns, name);
    return full;
}

static const AvroSchema *schema_parse_object(SchemaParser *sp, json_t *o, int depth)
{
    json_t *t = json_object_get(o, "type");
    if (json_is_object(t) || json_is_array(t))
        return schema_parse_node(sp, t, depth + 1); /* {"type": {...}} wraps a schema */
    const char *ty = json_string_value(t);
    if (!ty) {
        err_set(sp->e, WEIR_ECORRUPT, "avro: schema object without a type");
        return NULL;
    }
    const char *logical = json_string_value(json_object_get(o, "logicalType"));
    int pk = prim_kind(ty);
    AvroSchema *s = NULL;
    if (pk >= 0) {
        if (!(s = schema_new(sp, (AvroKind)pk)))
            return NULL;
    } else if (!strcmp(ty, "record") || !strcmp(ty, "error")) {
        json_t *fields = json_object_get(o, "fields");
        if (!json_is_array(fields)) {
            err_set(sp->e, WEIR_ECORRUPT, "avro: record without fields");
            return NULL;
        }
        if (!(s = schema_new(sp, AVRO_RECORD)) || !(s->name = schema_full_name(sp, o)))
            return NULL;
        size_t n = json_array_size(fields);
        const AvroSchema **sub = ARENA_NEW(sp->a, const AvroSchema *, n ? n : 1);
        const char **names = ARENA_NEW(sp->a, const char *, n ? n : 1);
        int32_t *ids = ARENA_NEW(sp->a, int32_t, n ? n : 1);
        if (!sub || !names || !ids) {
            err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
            return NULL;
        }
        /* Registered before its fields so a field may refer to the record itself (recursive types). */
        if (schema_register(sp, s->name, s) != WEIR_OK)
            return NULL;
        /* Types named inside the record default to the record's namespace. */
        const char *outer_ns = sp->ns;
        const char *dot = strrchr(s->name, '.');
        sp->ns = dot ? arena_try_strndup(sp->a, s->name, (size_t)(dot - s->name)) : NULL;
        for (size_t i = 0; i < n; i++) {
            json_t *f = json_array_get(fields, i);
            const char *fname = json_string_value(json_object_get(f, "name"));
            if (!json_is_object(f) || !fname) {
                err_set(sp->e, WEIR_ECORRUPT, "avro: record %s has a field without a name", s->name);
                return NULL;
            }
            if (!(names[i] = sp_strdup(sp, fname)))
                return NULL;
            ids[i] = json_id(f, "field-id");
            json_t *ft = json_object_get(f, "type");
            if (!ft) {
                err_set(sp->e, WEIR_ECORRUPT, "avro: field %s without a type", fname);
                return NULL;
            }
            if (!(sub[i] = schema_parse_node(sp, ft, depth + 1)))
                return NULL;
        }
        sp->ns = outer_ns;
        s->n = (uint32_t)n;
        s->sub = sub;
        s->names = names;
        s->field_ids = ids;
    } else if (!strcmp(ty, "enum")) {
        json_t *syms = json_object_get(o, "symbols");
        if (!json_is_array(syms) || json_array_size(syms) == 0) {
            err_set(sp->e, WEIR_ECORRUPT, "avro: enum without symbols");
            return NULL;
        }
        if (!(s = schema_new(sp, AVRO_ENUM)) || !(s->name = schema_full_name(sp, o)))
            return NULL;
        size_t n = json_array_size(syms);
        const char **names = ARENA_NEW(sp->a, const char *, n);
        if (!names) {
            err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            const char *sym = json_string_value(json_array_get(syms, i));
            if (!sym) {
                err_set(sp->e, WEIR_ECORRUPT, "avro: enum %s has a symbol that is not a string", s->name);
                return NULL;
            }
            if (!(names[i] = sp_strdup(sp, sym)))
                return NULL;
        }
        s->n = (uint32_t)n;
        s->names = names;
        if (schema_register(sp, s->name, s) != WEIR_OK)
            return NULL;
    } else if (!strcmp(ty, "array") || !strcmp(ty, "map")) {
        int is_array = ty[0] == 'a';
        json_t *inner = json_object_get(o, is_array ? "items" : "values");
        if (!inner) {
            err_set(sp->e, WEIR_ECORRUPT, "avro: %s without %s", ty, is_array ? "items" : "values");
            return NULL;
        }
        if (!(s = schema_new(sp, is_array ? AVRO_ARRAY : AVRO_MAP)))
            return NULL;
        const AvroSchema **sub = ARENA_NEW(sp->a, const AvroSchema *, 1);
        if (!sub) {
            err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
            return NULL;
        }
        if (!(sub[0] = schema_parse_node(sp, inner, depth + 1)))
            return NULL;
        s->n = 1;
        s->sub = sub;
        s->element_id = json_id(o, "element-id");
        s->key_id = json_id(o, "key-id");
        s->value_id = json_id(o, "value-id");
    } else if (!strcmp(ty, "fixed")) {
        json_t *size = json_object_get(o, "size");
        if (!json_is_integer(size) || json_integer_value(size) < 0 || json_integer_value(size) > (1 << 20)) {
            err_set(sp->e, WEIR_ECORRUPT, "avro: fixed without a valid size");
            return NULL;
        }
        if (!(s = schema_new(sp, AVRO_FIXED)) || !(s->name = schema_full_name(sp, o)))
            return NULL;
        s->n = (uint32_t)json_integer_value(size);
        if (schema_register(sp, s->name, s) != WEIR_OK)
            return NULL;
    } else {
        const AvroSchema *ref = schema_lookup(sp, ty);
        if (!ref)
            err_set(sp->e, WEIR_ECORRUPT, "avro: unknown type \"%s\"", ty);
        return ref;
    }
    if (logical && !(s->logical = sp_strdup(sp, logical)))
        return NULL;
    return s;
}

static const AvroSchema *schema_parse_node(SchemaParser *sp, json_t *j, int depth)
{
    if (depth > AVRO_MAX_DEPTH) {
        err_set(sp->e, WEIR_ECORRUPT, "avro: schema nested deeper than %d", AVRO_MAX_DEPTH);
        return NULL;
    }
    if (json_is_string(j)) {
        const char *ty = json_string_value(j);
        int pk = prim_kind(ty);
        if (pk >= 0)
            return schema_new(sp, (AvroKind)pk);
        const AvroSchema *ref = schema_lookup(sp, ty);
        if (!ref)
            err_set(sp->e, WEIR_ECORRUPT, "avro: unknown type \"%s\"", ty);
        return ref;
    }
    if (json_is_array(j)) {
        size_t n = json_array_size(j);
        if (n == 0) {
            err_set(sp->e, WEIR_ECORRUPT, "avro: empty union");
            return NULL;
        }
        AvroSchema *s = schema_new(sp, AVRO_UNION);
        const AvroSchema **sub = s ? ARENA_NEW(sp->a, const AvroSchema *, n) : NULL;
        if (!sub) {
            err_set(sp->e, WEIR_ENOMEM, "avro: schema over the memory budget");
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            if (!(sub[i] = schema_parse_node(sp, json_array_get(j, i), depth + 1)))
                return NULL;
            if (sub[i]->kind == AVRO_UNION) {
                err_set(sp->e, WEIR_ECORRUPT, "avro: a union directly inside a union");
                return NULL;
            }
        }
        s->n = (uint32_t)n;
        s->sub = sub;
        return s;
    }
    if (json_is_object(j))
        return schema_parse_object(sp, j, depth);
    err_set(sp->e, WEIR_ECORRUPT, "avro: a schema must be a string, an array or an object");
    return NULL;
}

int avro_schema_parse(const char *json, size_t n, Arena *a, const AvroSchema **out, Err *e)
{
    json_error_t je;
    json_t *root = json_loadb(json, n, JSON_DECODE_ANY, &je);
    if (!root)
        return err_set(e, WEIR_ECORRUPT, "avro: schema is not JSON: %s", je.text);
    SchemaParser sp = {a, e, NULL, NULL};
    *out = schema_parse_node(&sp, root, 0);
    json_decref(root);
    if (!*out)
        return e && e->code ? e->code : WEIR_ECORRUPT;
    return WEIR_OK;
}

/* ====================================================================================== decoder === */

typedef struct Dec {
    const uint8_t *p;
    size_t n, off;
    Arena *a;
    Err *e;
} Dec;

static int dec_corrupt(Dec *d, const char *what)
{
    return err_set(d->e, WEIR_ECORRUPT, "avro: %s at byte %zu", what, d->off);
}

static int dec_nomem(Dec *d) { return err_set(d->e, WEIR_ENOMEM, "avro: file over the memory budget"); }

static int dec_long(Dec *d, int64_t *out)
{
    uint64_t z = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (d->off >= d->n)
            return dec_corrupt(d, "truncated varint");
        uint8_t c = d->p[d->off++];
        if (shift == 63 && (c & 0x7e))
            return dec_corrupt(d, "varint overflows 64 bits");
        z |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *out = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
            return WEIR_OK;
        }
    }
    return dec_corrupt(d, "varint longer than 10 bytes");
}

static int dec_bytes(Dec *d, Slice *out)
{
    int64_t len;
    int rc = dec_long(d, &len);
    if (rc != WEIR_OK)
        return rc;
    if (len < 0 || (uint64_t)len > d->n - d->off)
        return dec_corrupt(d, "length past the end");
    out->p = d->p + d->off;
    out->n = (size_t)len;
    d->off += (size_t)len;
    return WEIR_OK;
}

/* The item count of the next array/map block (0 at the end). */
static int dec_block_count(Dec *d, int64_t *count)
{
    int rc = dec_long(d, count);
    if (rc != WEIR_OK)
        return rc;
    if (*count < 0) {
        if (*count == INT64_MIN)
            return dec_corrupt(d, "bad block count");
        *count = -*count;
        int64_t size;
        if ((rc = dec_long(d, &size)) != WEIR_OK)
            return rc;
        if (size < 0 || (uint64_t)size > d->n - d->off)
            return dec_corrupt(d, "block size past the end");
    }
    if (*count > AVRO_MAX_ITEMS)
        return dec_corrupt(d, "block count too large");
    return WEIR_OK;
}

static int dec_value(Dec *d, const AvroSchema *s, int depth, const AvroValue **out);

/* Arrays and maps: blocks of items, gathered into one arena array (grown by doubling). */
static int dec_collection(Dec *d, const AvroSchema *s, int depth, AvroValue *v)
{
    int is_map = s->kind == AVRO_MAP;
    const AvroValue **items = NULL;
    Slice *keys = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        int64_t count;
        int rc = dec_block_count(d, &count);
        if (rc != WEIR_OK)
            return rc;
        if (count == 0)
            break;
        if (n + (size_t)count > (size_t)AVRO_MAX_ITEMS)
            return dec_corrupt(d, "too many items");
        if (n + (size_t)count > cap) {
            size_t ncap = cap ? cap * 2 : 8;
            while (ncap < n + (size_t)count)
                ncap *= 2;
            const AvroValue **ni = ARENA_NEW(d->a, const AvroValue *, ncap);
            Slice *nk = is_map ? ARENA_NEW(d->a, Slice, ncap) : NULL;
            if (!ni || (is_map && !nk))
                return dec_nomem(d);
            if (n) {
                memcpy(ni, items, n * sizeof(*ni));
                if (is_map)
                    memcpy(nk, keys, n * sizeof(*nk));
            }
            items = ni;
            keys = nk;
            cap = ncap;
        }
        for (int64_t i = 0; i < count; i++) {
            if (is_map && (rc = dec_bytes(d, &keys[n])) != WEIR_OK)
                return rc;
            if ((rc = dec_value(d, s->sub[0], depth + 1, &items[n])) != WEIR_OK)
                return rc;
            n++;
        }
    }
    v->n = (uint32_t)n;
    v->items = items;
    v->keys = keys;
    return WEIR_OK;
}

static int dec_value(Dec *d, const AvroSchema *s, int depth, const AvroValue **out)
{
    if (depth > AVRO_MAX_DEPTH)
        return dec_corrupt(d, "values nested too deep");
    AvroValue *v = ARENA_NEW(d->a, AvroValue, 1);
    if (!v)
        return dec_nomem(d);
    v->branch = -1;
    int rc = WEIR_OK;
    if (s->kind == AVRO_UNION) {
        int64_t br;
        if ((rc = dec_long(d, &br)) != WEIR_OK)
            return rc;
        if (br < 0 || br >= (int64_t)s->n)
            return dec_corrupt(d, "union branch out of range");
        const AvroValue *inner;
        if ((rc = dec_value(d, s->sub[br], depth + 1, &inner)) != WEIR_OK)
            return rc;
        *v = *inner;
        v->branch = (int32_t)br;
        *out = v;
        return WEIR_OK;
    }
    v->schema = s;
    v->kind = s->kind;
    switch (s->kind) {
    case AVRO_NULL:
        break;
    case AVRO_BOOLEAN:
        if (d->off >= d->n)
            return dec_corrupt(d, "truncated boolean");
        if (d->p[d->off] > 1)
            return dec_corrupt(d, "boolean not 0 or 1");
        v->u.b = d->p[d->off++];
        break;
    case AVRO_INT:
    case AVRO_LONG:
        if ((rc = dec_long(d, &v->u.i)) != WEIR_OK)
            return rc;
        if (s->kind == AVRO_INT && (v->u.i < INT32_MIN || v->u.i > INT32_MAX))
            return dec_corrupt(d, "int out of range");
        break;
    case AVRO_FLOAT: {
        if (d->n - d->off < 4)
            return dec_corrupt(d, "truncated float");
        uint32_t u = 0;
        for (int i = 0; i < 4; i++)
            u |= (uint32_t)d->p[d->off + i] << (8 * i);
        float f;
        memcpy(&f, &u, 4);
        v->u.f = f;
        d->off += 4;
        break;
    }
    case AVRO_DOUBLE: {
        if (d->n - d->off < 8)
            return dec_corrupt(d, "truncated double");
        uint64_t u = 0;
        for (int i = 0; i < 8; i++)
            u |= (uint64_t)d->p[d->off + i] << (8 * i);
        memcpy(&v->u.f, &u, 8);
        d->off += 8;
        break;
    }
    case AVRO_BYTES:
    case AVRO_STRING:
        if ((rc = dec_bytes(d, &v->u.s)) != WEIR_OK)
            return rc;
        break;
    case AVRO_FIXED:
        if (d->n - d->off < s->n)
            return dec_corrupt(d, "truncated fixed");
        v->u.s = (Slice){d->p + d->off, s->n};
        d->off += s->n;
        break;
    case AVRO_ENUM:
        if ((rc = dec_long(d, &v->u.i)) != WEIR_OK)
            return rc;
        if (v->u.i < 0 || v->u.i >= (int64_t)s->n)
            return dec_corrupt(d, "enum index out of range");
        break;
    case AVRO_RECORD: {
        const AvroValue **items = ARENA_NEW(d->a, const AvroValue *, s->n ? s->n : 1);
        if (!items)
            return dec_nomem(d);
        for (uint32_t i = 0; i < s->n; i++)
            if ((rc = dec_value(d, s->sub[i], depth + 1, &items[i])) != WEIR_OK)
                return rc;
        v->n = s->n;
        v->items = items;
        break;
    }
    case AVRO_ARRAY:
    case AVRO_MAP:
        if ((rc = dec_collection(d, s, depth, v)) != WEIR_OK)
            return rc;
        break;
    case AVRO_UNION:
        break; /* handled above */
    }
    *out = v;
    return WEIR_OK;
}

static int inflate_raw(Dec *d, const uint8_t *p, size_t n, Slice *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, -15) != Z_OK)
        return err_set(d->e, WEIR_ENOMEM, "avro: inflateInit failed");
    Buf b;
    buf_init(&b, AVRO_MAX_BLOCK_INFLATED);
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    int rc = WEIR_OK, zr = Z_OK;
    while (zr != Z_STREAM_END) {
        if ((rc = buf_reserve(&b, n * 2 + 4096)) != WEIR_OK) {
            rc = err_set(d->e, WEIR_ECORRUPT, "avro: a block inflates past %zu bytes", AVRO_MAX_BLOCK_INFLATED);
            break;
        }
        zs.next_out = b.p + b.len;
        zs.avail_out = (uInt)(b.cap - b.len - 1);
        zr = inflate(&zs, Z_NO_FLUSH);
        b.len = (size_t)((uint8_t *)zs.next_out - b.p);
        if (zr == Z_STREAM_END)
            break;
        if (zr != Z_OK || (zs.avail_in == 0 && zs.avail_out != 0)) {
            rc = dec_corrupt(d, "bad deflate data");
            break;
        }
    }
    if (rc == WEIR_OK && zs.avail_in != 0)
        rc = dec_corrupt(d, "bytes after the deflate stream");
    inflateEnd(&zs);
    if (rc == WEIR_OK) {
        uint8_t *copy = arena_try_alloc(d->a, b.len ? b.len : 1);
        if (!copy)
            rc = dec_nomem(d);
        else {
            if (b.len)
                memcpy(copy, b.p, b.len);
            *out = (Slice){copy, b.len};
        }
    }
    buf_fini(&b);
    return rc;
}

/* The header's metadata is an Avro map<bytes>: decoded by the same code as any map value. */
static const AvroSchema META_BYTES = {.kind = AVRO_BYTES, .element_id = -1, .key_id = -1, .value_id = -1};
static const AvroSchema *META_SUB[1] = {&META_BYTES};
static const AvroSchema META_MAP = {
    .kind = AVRO_MAP, .element_id = -1, .key_id = -1, .value_id = -1, .n = 1, .sub = META_SUB};

static int avro_header_read(Dec *d, AvroFile *out, Arena *a, Err *e)
{
    if (d->n < 4 || memcmp(d->p, "Obj\x01", 4) != 0)
        return err_set(e, WEIR_ECORRUPT, "avro: not an object container file (no Obj\\x01 magic)");
    d->off = 4;
    const AvroValue *m;
    int rc = dec_value(d, &META_MAP, 0, &m);
    if (rc != WEIR_OK)
        return rc;
    AvroMeta *meta = ARENA_NEW(a, AvroMeta, m->n ? m->n : 1);
    if (!meta)
        return dec_nomem(d);
    for (uint32_t i = 0; i < m->n; i++) {
        meta[i].key = arena_try_strndup(a, (const char *)m->keys[i].p, m->keys[i].n);
        meta[i].value = arena_try_strndup(a, (const char *)m->items[i]->u.s.p, m->items[i]->u.s.n);
        if (!meta[i].key || !meta[i].value)
            return dec_nomem(d);
    }
    size_t n_meta = m->n;
    if (d->n - d->off < 16)
        return dec_corrupt(d, "truncated sync marker");
    memcpy(out->sync, d->p + d->off, 16);
    d->off += 16;
    out->meta = meta;
    out->n_meta = n_meta;
    const char *codec = avro_file_meta(out, "avro.codec");
    if (!codec || !strcmp(codec, "null"))
        out->codec = AVRO_CODEC_NULL;
    else if (!strcmp(codec, "deflate"))
        out->codec = AVRO_CODEC_DEFLATE;
    else
        return err_set(e, WEIR_ECORRUPT, "avro: codec \"%.40s\" is not supported", codec);
    const char *schema = avro_file_meta(out, "avro.schema");
    if (!schema)
        return err_set(e, WEIR_ECORRUPT, "avro: no avro.schema in the header");
    return avro_schema_parse(schema, strlen(schema), a, &out->schema, e);
}

int avro_file_read(const uint8_t *p, size_t n, Arena *a, AvroFile *out, Err *e)
{
    memset(out, 0, sizeof(*out));
    Dec d = {p, n, 0, a, e};
    int rc = avro_header_read(&d, out, a, e);
    if (rc != WEIR_OK)
        return rc;
    const AvroValue **recs = NULL;
    size_t n_recs = 0, cap = 0;
    while (d.off < d.n) {
        int64_t count, size;
        if ((rc = dec_long(&d, &count)) != WEIR_OK || (rc = dec_long(&d, &size)) != WEIR_OK)
            return rc;
        if (count < 0 || count > AVRO_MAX_ITEMS)
            return dec_corrupt(&d, "bad block record count");
        if (size < 0 || (uint64_t)size > d.n - d.off || d.n - d.off - (size_t)size < 16)
            return dec_corrupt(&d, "block size past the end");
        Slice data = {d.p + d.off, (size_t)size};
        size_t block_at = d.off;
        d.off += (size_t)size;
        if (memcmp(d.p + d.off, out->sync, 16) != 0)
            return dec_corrupt(&d, "sync marker differs from the header's");
        d.off += 16;
        if (out->codec == AVRO_CODEC_DEFLATE) {
            Dec z = {NULL, 0, block_at, a, e};
            if ((rc = inflate_raw(&z, data.p, data.n, &data)) != WEIR_OK)
                return rc;
        }
        if (n_recs + (size_t)count > cap) {
            size_t ncap = cap ? cap * 2 : 16;
            while (ncap < n_recs + (size_t)count)
                ncap *= 2;
            const AvroValue **nr = ARENA_NEW(a, const AvroValue *, ncap);
            if (!nr)
                return dec_nomem(&d);
            if (n_recs)
                memcpy(nr, recs, n_recs * sizeof(*nr));
            recs = nr;
            cap = ncap;
        }
        Dec bd = {data.p, data.n, 0, a, e};
        for (int64_t i = 0; i < count; i++)
            if ((rc = dec_value(&bd, out->schema, 0, &recs[n_recs++])) != WEIR_OK)
                return rc;
        if (bd.off != bd.n)
            return err_set(e, WEIR_ECORRUPT, "avro: block at byte %zu has %zu bytes after its %lld records",
                           block_at, bd.n - bd.off, (long long)count);
        out->n_blocks++;
    }
    out->records = recs;
    out->n_records = n_recs;
    return WEIR_OK;
}

const char *avro_file_meta(const AvroFile *f, const char *key)
{
    for (size_t i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta[i].key, key) == 0)
            return f->meta[i].value;
    return NULL;
}

const AvroValue *avro_value_field(const AvroValue *rec, const char *name)
{
    if (!rec || rec->kind != AVRO_RECORD)
        return NULL;
    for (uint32_t i = 0; i < rec->n; i++)
        if (strcmp(rec->schema->names[i], name) == 0)
            return rec->items[i];
    return NULL;
}

int64_t avro_value_field_long(const AvroValue *rec, const char *name, int64_t dflt)
{
    const AvroValue *v = avro_value_field(rec, name);
    if (v && (v->kind == AVRO_INT || v->kind == AVRO_LONG))
        return v->u.i;
    return dflt;
}

Slice avro_value_field_str(const AvroValue *rec, const char *name)
{
    const AvroValue *v = avro_value_field(rec, name);
    if (v && (v->kind == AVRO_STRING || v->kind == AVRO_BYTES))
        return v->u.s;
    return (Slice){NULL, 0};
}
