/*
 * decode.c: record payloads -> column vectors (see decode.h for the contract).
 *
 * Sections:
 *   building a decoder    which columns to convert (selected, or all for the strict policies), their
 *                         conversion class, the JSON path trie, CSV header mapping, the PCRE2 code
 *   value conversion      text -> int / float / bool / text on the fast path; everything else through
 *                         sql_value_from_text (sql/typeio.h); times through sql_time_parse
 *   json                  the single-pass scanner
 *   csv, regex, raw       field splitting
 *   decoder_run           per record: decompress, split/scan, convert, apply the policy, hidden columns
 *   files                 decode_file_split
 *
 * The JSON scanner. Paths of the needed columns form a trie (JNode; node 0 is the document root). The
 * scanner walks the record once, validating it as RFC 8259 JSON (structure, string escapes, number
 * grammar; not the UTF-8 of strings it does not extract), with an explicit frame stack instead of
 * recursion so no input can overflow the C stack. Each container frame remembers the trie node it is
 * in (JNODE_NONE once off every path), so a key is compared only against the children of the current
 * node -- usually a handful of memcmp's per key at the top level and nothing at all below untracked
 * values. When a value sits on a trie node that is some column's target, its span is recorded in a
 * capture slot (JCap) stamped with the record's generation number, so slots never need clearing and a
 * later duplicate key simply overwrites an earlier one (the last wins, as in PostgreSQL). Conversion
 * happens after the scan, from the spans: a record that turns out malformed late (an unterminated
 * string at the end) never produces half-converted values. Strings are skipped eight bytes at a time
 * (dec_plain_end: the first quote, backslash or control byte of a word found with one ctz). Timestamps
 * without a format try the fixed ISO 8601 scanner before the general parser (timestamptz), or before
 * sql_value_from_text when the text has no zone (timestamp). This is the "purpose-built
 * scanner on a hot path" DESIGN.md allows; bench/decode_bench.c measures it (about 8.5 million
 * 115-byte records per second per core for two integer columns, 3.5-4.5 million for five including a
 * text and a timestamp, on the 2-core development machine).
 *
 * Why two field-checking modes: under on_error = null only the selected columns are converted (decode
 * only what a query uses), but under skip / fail / dead_letter a row's presence must not depend on
 * which columns a query selects, so every data column is converted (into per-decoder scratch vectors
 * when not selected).
 */
#include "exec/decode.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/ascii.h"
#include "base/utf8.h"
#include "sql/typeio.h"
#include "sql/datetime.h"
#include "sql/tz.h"

#define JNODE_NONE UINT32_MAX
#define DEC_JSON_DEPTH 4096          /* deeper documents are malformed (jansson stops at 2048) */
#define DEC_GZIP_MAX ((size_t)64 << 20) /* largest decompressed payload */
#define DEC_REGEX_MATCH_LIMIT 1000000u  /* PCRE2 backtracking budget per record */
#define DEC_WHY 256

/* Conversion classes. */
enum {
    DK_BOOL,
    DK_INT,
    DK_FLOAT4,
    DK_FLOAT8,
    DK_TEXT,  /* text, varchar[(n)]: UTF-8 checked, varchar(n) truncated */
    DK_BYTES, /* raw format bytea: the bytes as they are */
    DK_JSON,  /* json: the value's JSON text */
    DK_JSONB, /* jsonb: normalised through typeio */
    DK_TIME,  /* timestamptz, or date/time/timestamp with a time format: sql_time_parse */
    DK_TS,    /* timestamp without a time format: plain ISO 8601 read directly, the rest as DK_SLOW */
    DK_SLOW,  /* everything else: sql_value_from_text */
};

/* JSON value kinds in a capture. */
enum { JK_STR = 1, JK_NUM, JK_TRUE, JK_FALSE, JK_NULL, JK_OBJ, JK_ARR };

typedef struct JNode {
    const char *key;
    uint32_t key_len;
    int32_t index;  /* array index this segment also names, or -1 */
    uint8_t ci;     /* match the key ignoring ASCII case (columns found by their name) */
    int32_t slot;   /* capture slot of the path ending here, or -1 */
    uint32_t child; /* first child, JNODE_NONE if none */
    uint32_t next;  /* next sibling */
    /* Slots of this node's subtree are [slot_lo, slot_hi) (assigned depth-first), so a duplicate key
     * can drop every capture made under its earlier occurrence. */
    uint32_t slot_lo, slot_hi;
    uint32_t seen; /* Decoder.gen of the last record in which a value sat on this node */
} JNode;

typedef struct JCap {
    uint32_t gen;    /* == Decoder.gen when captured in this record */
    uint8_t kind;    /* JK_* */
    uint8_t flag;    /* JK_STR: has escapes; JK_NUM: is an integer (no fraction or exponent) */
    uint8_t ival_ok; /* JK_NUM integer of at most 18 digits, its value in ival (the flat scanner) */
    uint32_t off;    /* JK_STR: first byte after the opening quote; others: first byte of the value */
    uint32_t len;    /* JK_STR: bytes between the quotes */
    int64_t ival;
} JCap;

/* The flat scanner's memory of one key position of the last record: the bytes `"key":` exactly as
 * they appeared there (a key without escapes) and the key's capture slot. Records of one stream are
 * nearly always written by the same code, so the k-th key is nearly always the same: one word
 * compare then replaces finding the key's end, the colon and the table lookup. */
#define DEC_SHAPE_KEYS 32
#define DEC_SHAPE_BYTES 40
typedef struct JShape {
    uint8_t len; /* bytes of `"key":`; 0: nothing remembered */
    int32_t slot;
    uint8_t bytes[DEC_SHAPE_BYTES];
} JShape;

typedef struct JFrame {
    uint32_t node;
    uint32_t start;
    uint32_t idx;
    uint8_t is_arr;
} JFrame;

typedef struct CsvField {
    uint32_t off, len;
    uint8_t quoted, dq; /* dq: contains doubled quotes to undo */
} CsvField;

typedef struct DCol {
    const TableColumn *tc;
    uint32_t ti;   /* index in td->cols */
    int32_t out;   /* output column, or -1 when only checked (then `scratch` is written) */
    Vec *scratch;
    uint8_t kind;  /* DK_* */
    int64_t lo, hi; /* DK_INT range */
    int32_t src;   /* json: capture slot; csv: field index; regex: group number */
} DCol;

typedef struct DHid {
    int32_t out;
    TableHidden h;
} DHid;

struct Decoder {
    const TableDef *td;
    Arena *arena; /* the decoder's own allocations */
    SqlType *out_types;
    uint32_t n_out;
    DCol *dc;
    uint32_t n_dc;
    DHid *hid;
    uint32_t n_hid;
    SqlFormatOpts fmt; /* tz = the table's zone */
    const SqlTz *tz;
    /* json */
    JNode *nodes;
    uint32_t n_nodes, cap_nodes;
    JCap *caps;
    uint32_t n_caps;
    uint32_t gen;
    JFrame *stack;
    /* json, flat fast path (dec_json_flat): every needed path is one top-level key */
    int is_flat;
    uint16_t ftab[1024];  /* dec_flat_bucket(key) -> first candidate node, 0 = none */
    uint16_t *fnext;      /* next candidate node in the same bucket, 0 = none (by node index) */
    uint8_t *skip_stack;  /* dec_json_skip: 1 for an array level */
    JShape shape[DEC_SHAPE_KEYS];
    /* csv */
    CsvField *fields;
    uint32_t n_fields_cap;
    /* regex */
    pcre2_code *re;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    /* gzip */
    Buf zbuf;
    z_stream zs;
    int zs_ready;
    DecodeStats stats;
};

/* ============================================================================= building a decoder */

static void dec_flat_build(Decoder *d);

static int dec_kind(const TableDef *td, const TableColumn *tc)
{
    SqlTypeId t = tc->type.id;
    if (td->format == TABLE_FMT_RAW && tc->raw_width != TABLE_RAW_NONE)
        return t == SQL_BOOL ? DK_BOOL : (t == SQL_FLOAT4 || t == SQL_FLOAT8) ? DK_FLOAT8 : DK_INT;
    switch (t) {
    case SQL_BOOL: return DK_BOOL;
    case SQL_INT2: case SQL_INT4: case SQL_INT8: return DK_INT;
    case SQL_FLOAT4: return DK_FLOAT4;
    case SQL_FLOAT8: return DK_FLOAT8;
    case SQL_TEXT: case SQL_VARCHAR: return DK_TEXT;
    case SQL_BYTEA: return td->format == TABLE_FMT_RAW ? DK_BYTES : DK_SLOW;
    case SQL_JSON: return DK_JSON;
    case SQL_JSONB: return DK_JSONB;
    case SQL_TIMESTAMPTZ: return DK_TIME;
    case SQL_TIMESTAMP: return tc->time_format ? DK_TIME : DK_TS;
    case SQL_DATE: case SQL_TIME:
        return tc->time_format ? DK_TIME : DK_SLOW;
    default: return DK_SLOW;
    }
}

static uint32_t dec_node_new(Decoder *d, const char *key, int ci)
{
    if (d->n_nodes == d->cap_nodes) {
        uint32_t cap = d->cap_nodes ? d->cap_nodes * 2 : 16;
        JNode *nn = arena_alloc(d->arena, sizeof(JNode) * cap);
        if (d->n_nodes)
            memcpy(nn, d->nodes, sizeof(JNode) * d->n_nodes);
        d->nodes = nn;
        d->cap_nodes = cap;
    }
    JNode *n = &d->nodes[d->n_nodes];
    memset(n, 0, sizeof(*n));
    n->key = key;
    n->key_len = key ? (uint32_t)strlen(key) : 0;
    n->ci = (uint8_t)ci;
    n->slot = -1;
    n->child = n->next = JNODE_NONE;
    n->index = -1;
    /* A segment of decimal digits (no leading zero) also indexes arrays. */
    if (key && n->key_len > 0 && n->key_len <= 9 && (key[0] != '0' || n->key_len == 1)) {
        int32_t v = 0;
        uint32_t i = 0;
        while (i < n->key_len && isdigit((unsigned char)key[i]))
            v = v * 10 + (key[i++] - '0');
        if (i == n->key_len)
            n->index = v;
    }
    return d->n_nodes++;
}

/* The trie node of a path, creating nodes as needed, marked as a capture target (slots are numbered
 * afterwards by dec_assign_slots). */
static uint32_t dec_path_node(Decoder *d, const char *const *segs, uint32_t n_segs, int ci)
{
    uint32_t cur = 0;
    for (uint32_t k = 0; k < n_segs; k++) {
        uint32_t c = d->nodes[cur].child, found = JNODE_NONE;
        for (; c != JNODE_NONE; c = d->nodes[c].next)
            if (d->nodes[c].ci == ci && strcmp(d->nodes[c].key, segs[k]) == 0) {
                found = c;
                break;
            }
        if (found == JNODE_NONE) {
            found = dec_node_new(d, segs[k], ci);
            d->nodes[found].next = d->nodes[cur].child;
            d->nodes[cur].child = found;
        }
        cur = found;
    }
    d->nodes[cur].slot = 0; /* a target; numbered later */
    return cur;
}

/* Number the targets depth-first so every subtree's slots are one contiguous range. Recursion depth
 * is bounded by the longest path (256 segments). */
static void dec_assign_slots(Decoder *d, uint32_t node)
{
    JNode *nd = &d->nodes[node];
    nd->slot_lo = d->n_caps;
    if (nd->slot >= 0)
        nd->slot = (int32_t)d->n_caps++;
    for (uint32_t c = nd->child; c != JNODE_NONE; c = d->nodes[c].next)
        dec_assign_slots(d, c);
    d->nodes[node].slot_hi = d->n_caps;
}

/* Split one CSV line into fields (shared by records and a file's header). Returns the field count, or
 * -1 for a malformed line (unterminated quote, text after a closing quote). Fields past cap are counted
 * but not stored. */
static int64_t dec_csv_split(char delim, char quote, const uint8_t *p, size_t n, CsvField *f, uint32_t cap)
{
    size_t i = 0;
    uint32_t k = 0;
    for (;;) {
        CsvField fld = {0, 0, 0, 0};
        if (quote && i < n && p[i] == (uint8_t)quote) {
            i++;
            fld.off = (uint32_t)i;
            fld.quoted = 1;
            for (;;) {
                const uint8_t *q = memchr(p + i, quote, n - i);
                if (!q)
                    return -1;
                size_t j = (size_t)(q - p);
                if (j + 1 < n && p[j + 1] == (uint8_t)quote) {
                    fld.dq = 1;
                    i = j + 2;
                    continue;
                }
                fld.len = (uint32_t)(j - fld.off);
                i = j + 1;
                break;
            }
            if (k < cap)
                f[k] = fld;
            k++;
            if (i == n)
                return k;
            if (p[i] != (uint8_t)delim)
                return -1;
            i++;
            continue;
        }
        const uint8_t *q = i < n ? memchr(p + i, delim, n - i) : NULL;
        size_t end = q ? (size_t)(q - p) : n;
        fld.off = (uint32_t)i;
        fld.len = (uint32_t)(end - i);
        if (k < cap)
            f[k] = fld;
        k++;
        if (!q)
            return k;
        i = end + 1;
    }
}

static Slice dec_strip_eol(Slice s)
{
    if (s.n && s.p[s.n - 1] == '\n') {
        s.n--;
        if (s.n && s.p[s.n - 1] == '\r')
            s.n--;
    }
    return s;
}

/* CSV columns without an index: by header name (files with a header) or by declaration order. */
static int dec_csv_resolve(Decoder *d, const Slice *header, SqlError *err)
{
    const TableDef *td = d->td;
    uint32_t max = 0;
    CsvField *hf = NULL;
    int64_t nh = 0;
    if (header && td->csv_header) {
        Slice h = dec_strip_eol(*header);
        nh = dec_csv_split(td->csv_delimiter, td->csv_quote, h.p, h.n, NULL, 0);
        if (nh < 0)
            return sql_error_set(err, "22P04", 0, "malformed CSV header in file \"%s\"", td->file ? td->file : "");
        hf = arena_alloc(d->arena, sizeof(CsvField) * (size_t)(nh ? nh : 1));
        dec_csv_split(td->csv_delimiter, td->csv_quote, h.p, h.n, hf, (uint32_t)nh);
        for (uint32_t c = 0; c < d->n_dc; c++) {
            DCol *dc = &d->dc[c];
            if (dc->tc->index >= 0)
                continue;
            dc->src = -1;
            for (int64_t k = 0; k < nh; k++) {
                const char *name = dc->tc->name;
                if (hf[k].len == strlen(name) && strncasecmp((const char *)h.p + hf[k].off, name, hf[k].len) == 0) {
                    dc->src = (int32_t)k;
                    break;
                }
            }
            if (dc->src < 0)
                return sql_error_set(err, "42703", 0, "column \"%s\" is not in the header of file \"%s\"",
                                     dc->tc->name, td->file ? td->file : "");
        }
    }
    for (uint32_t c = 0; c < d->n_dc; c++) {
        DCol *dc = &d->dc[c];
        if (dc->tc->index >= 0)
            dc->src = dc->tc->index;
        else if (!hf)
            dc->src = (int32_t)dc->ti;
        if ((uint32_t)dc->src + 1 > max)
            max = (uint32_t)dc->src + 1;
    }
    d->n_fields_cap = max;
    d->fields = arena_alloc(d->arena, sizeof(CsvField) * (max ? max : 1));
    return WEIR_OK;
}

static int dec_regex_build(Decoder *d, SqlError *err)
{
    int ecode;
    PCRE2_SIZE eoff;
    d->re = pcre2_compile((PCRE2_SPTR)d->td->pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ecode, &eoff, NULL);
    if (!d->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ecode, msg, sizeof(msg));
        return sql_error_set(err, "2201B", 0, "invalid regular expression: %s at offset %zu", (char *)msg,
                             (size_t)eoff);
    }
    /* JIT when the platform has it; pcre2_match falls back to the interpreter otherwise. */
    (void)pcre2_jit_compile(d->re, PCRE2_JIT_COMPLETE);
    d->md = pcre2_match_data_create_from_pattern(d->re, NULL);
    d->mctx = pcre2_match_context_create(NULL);
    if (!d->md || !d->mctx)
        weir_panic("decode: out of memory");
    pcre2_set_match_limit(d->mctx, DEC_REGEX_MATCH_LIMIT);
    pcre2_set_depth_limit(d->mctx, DEC_REGEX_MATCH_LIMIT / 10);
    for (uint32_t c = 0; c < d->n_dc; c++) {
        DCol *dc = &d->dc[c];
        if (dc->tc->group_name) {
            int g = pcre2_substring_number_from_name(d->re, (PCRE2_SPTR)dc->tc->group_name);
            if (g <= 0)
                return sql_error_set(err, "22023", 0, "the pattern has no group named \"%s\"", dc->tc->group_name);
            dc->src = g;
        } else {
            dc->src = dc->tc->group;
        }
    }
    return WEIR_OK;
}

static void dec_add_col(Decoder *d, uint32_t ti, int32_t out)
{
    DCol *dc = &d->dc[d->n_dc++];
    memset(dc, 0, sizeof(*dc));
    dc->tc = &d->td->cols[ti];
    dc->ti = ti;
    dc->out = out;
    dc->kind = (uint8_t)dec_kind(d->td, dc->tc);
    dc->src = -1;
    switch (dc->tc->type.id) {
    case SQL_INT2: dc->lo = INT16_MIN; dc->hi = INT16_MAX; break;
    case SQL_INT4: dc->lo = INT32_MIN; dc->hi = INT32_MAX; break;
    default: dc->lo = INT64_MIN; dc->hi = INT64_MAX; break;
    }
    if (out < 0) {
        /* A checked-only column writes row 0 of its own vector; its NULL bitmap is allocated now so
         * that writing it never allocates from a batch arena that will be reset under it. */
        dc->scratch = arena_alloc(d->arena, sizeof(Vec));
        if (vec_init(dc->scratch, dc->tc->type, d->arena) || vec_set_null(dc->scratch, 0, d->arena))
            weir_panic("decode: out of memory");
    }
}

int decoder_create(const TableDef *td, const int32_t *cols, uint32_t n_cols, const Slice *header, Decoder **out,
                   SqlError *err)
{
    *out = NULL;
    Decoder *d = xcalloc(1, sizeof(*d));
    d->td = td;
    d->arena = arena_create(NULL, ARENA_UNLIMITED);
    d->n_out = n_cols;
    d->out_types = arena_alloc(d->arena, sizeof(SqlType) * (n_cols ? n_cols : 1));
    d->dc = arena_alloc(d->arena, sizeof(DCol) * (n_cols + td->n_cols + 1));
    d->hid = arena_alloc(d->arena, sizeof(DHid) * (n_cols ? n_cols : 1));
    buf_init(&d->zbuf, DEC_GZIP_MAX);
    d->tz = sql_tz_get(td->time_zone ? td->time_zone : "UTC");
    if (!d->tz)
        d->tz = sql_tz_utc();
    sql_format_opts_default(&d->fmt);
    d->fmt.tz = d->tz;
    int rc = WEIR_OK, check_all = td->on_error != TABLE_ON_ERROR_NULL;
    uint8_t *selected = arena_alloc(d->arena, td->n_cols + 1);
    memset(selected, 0, td->n_cols + 1);
    for (uint32_t i = 0; i < n_cols && rc == WEIR_OK; i++) {
        int32_t c = cols[i];
        if (DECODE_IS_HIDDEN(c)) {
            TableHidden h = DECODE_HIDDEN_OF(c);
            if ((unsigned)h >= TABLE_HID_N) {
                rc = sql_error_set(err, "XX000", 0, "decoder: hidden column %d out of range", (int)c);
                break;
            }
            d->out_types[i] = tabledef_hidden_type(h);
            d->hid[d->n_hid].out = (int32_t)i;
            d->hid[d->n_hid++].h = h;
            if (h == TABLE_HID_MESSAGE_VALID)
                check_all = 1;
        } else if ((uint32_t)c >= td->n_cols) {
            rc = sql_error_set(err, "XX000", 0, "decoder: column %d out of range", (int)c);
        } else {
            d->out_types[i] = td->cols[c].type;
            dec_add_col(d, (uint32_t)c, (int32_t)i);
            selected[c] = 1;
        }
    }
    if (rc == WEIR_OK && check_all)
        for (uint32_t c = 0; c < td->n_cols; c++)
            if (!selected[c])
                dec_add_col(d, c, -1);
    if (rc == WEIR_OK && d->n_dc) {
        switch (td->format) {
        case TABLE_FMT_JSON: {
            dec_node_new(d, NULL, 0); /* root */
            /* A column found by its name matches keys in any case, unless another path starts with a
             * key equal to it ignoring case: then both match exactly, so one key never feeds two
             * different trie nodes. */
            for (uint32_t c = 0; c < d->n_dc; c++) {
                const TableColumn *tc = d->dc[c].tc;
                int ci = !tc->has_mapping;
                for (uint32_t o = 0; ci && o < td->n_cols; o++) {
                    const TableColumn *oc = &td->cols[o];
                    if (oc != tc && oc->n_path > 0 && strcasecmp(oc->path[0], tc->path[0]) == 0)
                        ci = 0;
                }
                d->dc[c].src = (int32_t)dec_path_node(d, tc->path, tc->n_path, ci);
            }
            dec_assign_slots(d, 0);
            for (uint32_t c = 0; c < d->n_dc; c++)
                d->dc[c].src = d->nodes[d->dc[c].src].slot;
            d->caps = arena_alloc(d->arena, sizeof(JCap) * (d->n_caps ? d->n_caps : 1));
            memset(d->caps, 0, sizeof(JCap) * (d->n_caps ? d->n_caps : 1));
            d->stack = arena_alloc(d->arena, sizeof(JFrame) * DEC_JSON_DEPTH);
            dec_flat_build(d);
            break;
        }
        case TABLE_FMT_CSV: rc = dec_csv_resolve(d, header, err); break;
        case TABLE_FMT_REGEX: rc = dec_regex_build(d, err); break;
        case TABLE_FMT_RAW: break;
        }
    }
    if (rc) {
        decoder_destroy(&d);
        return WEIR_ERROR;
    }
    *out = d;
    return WEIR_OK;
}

void decoder_destroy(Decoder **dp)
{
    if (!dp || !*dp)
        return;
    Decoder *d = *dp;
    pcre2_match_data_free(d->md);
    pcre2_match_context_free(d->mctx);
    pcre2_code_free(d->re);
    if (d->zs_ready)
        inflateEnd(&d->zs);
    buf_fini(&d->zbuf);
    arena_destroy(&d->arena);
    free(d);
    *dp = NULL;
}

const DecodeStats *decoder_stats(const Decoder *d)
{
    return &d->stats;
}

/* ================================================================================ value conversion */

enum { DEC_OK = 0, DEC_BAD = 1, DEC_NOMEM = -1 };

/* A value for an error message: at most 60 bytes, invalid UTF-8 and control bytes as '?'. */
static void dec_quote(char *dst, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = 0, i = 0;
    while (i < n && o + 5 < cap && i < 60) {
        size_t l = utf8_seq_len(p + i, n - i);
        if (l == 0 || (l == 1 && p[i] < 0x20)) {
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + l + 4 >= cap)
            break;
        memcpy(dst + o, p + i, l);
        o += l;
        i += l;
    }
    if (i < n && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
}

static const char *dec_type_name(const DCol *c)
{
    return sql_type_info(c->tc->type.id)->name;
}

static int dec_bad(char *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int dec_bad(char *why, const char *fmt, ...)
{
    if (why && !why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, DEC_WHY, fmt, ap);
        va_end(ap);
    }
    return DEC_BAD;
}

static int dec_set_null(Vec *v, uint32_t row, Arena *a)
{
    return vec_set_null(v, row, a) ? DEC_NOMEM : DEC_OK;
}

static int dec_isspace(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* pg_strtoint64 (PostgreSQL 15): whitespace, sign, decimal digits, whitespace. 0 ok, 1 syntax, 2 range. */
static int dec_int_parse(const uint8_t *p, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
    size_t i = 0;
    while (i < n && dec_isspace(p[i]))
        i++;
    int neg = 0;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    if (i >= n || (unsigned)(p[i] - '0') > 9)
        return 1;
    uint64_t v = 0;
    int ovf = 0;
    /* up to 18 digits cannot overflow: no check on the common path */
    for (size_t lim = i + 18 < n ? i + 18 : n; i < lim && (unsigned)(p[i] - '0') <= 9; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    for (; i < n && (unsigned)(p[i] - '0') <= 9; i++) {
        unsigned dg = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - dg) / 10)
            ovf = 1;
        else
            v = v * 10 + dg;
    }
    while (i < n && dec_isspace(p[i]))
        i++;
    if (i != n)
        return 1;
    if (ovf)
        return 2;
    int64_t x;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return 2;
        x = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return 2;
        x = (int64_t)v;
    }
    if (x < lo || x > hi)
        return 2;
    *out = x;
    return 0;
}

static const double dec_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* float8in: 0 ok, 1 syntax, 2 out of range. The common short decimal is converted exactly without
 * strtod (Clinger's fast path: a mantissa below 2^53 times or over an exact power of ten is one
 * correctly rounded IEEE operation); anything else goes to strtod, which is what float8in uses. */
static int dec_float_parse(const uint8_t *p, size_t n, double *out)
{
    size_t i = 0;
    while (i < n && dec_isspace(p[i]))
        i++;
    size_t b = i;
    int neg = 0;
    if (i < n && (p[i] == '-' || p[i] == '+'))
        neg = p[i++] == '-';
    uint64_t m = 0;
    int nd = 0, frac = 0, ok = 1, digits = 0;
    while (i < n && (unsigned)(p[i] - '0') <= 9) {
        if (nd < 19)
            m = m * 10 + (uint64_t)(p[i] - '0');
        else
            ok = 0;
        nd += m != 0;
        digits++;
        i++;
    }
    if (i < n && p[i] == '.') {
        i++;
        while (i < n && (unsigned)(p[i] - '0') <= 9) {
            if (nd < 19)
                m = m * 10 + (uint64_t)(p[i] - '0');
            else
                ok = 0;
            nd += m != 0;
            frac++;
            digits++;
            i++;
        }
    }
    int has_digits = digits > 0;
    int e = 0;
    if (ok && has_digits && i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        int eneg = 0;
        if (j < n && (p[j] == '-' || p[j] == '+'))
            eneg = p[j++] == '-';
        if (j < n && (unsigned)(p[j] - '0') <= 9) {
            while (j < n && (unsigned)(p[j] - '0') <= 9) {
                if (e < 10000)
                    e = e * 10 + (p[j] - '0');
                j++;
            }
            if (eneg)
                e = -e;
            i = j;
        } else {
            ok = 0;
        }
    }
    size_t t = i;
    while (t < n && dec_isspace(p[t]))
        t++;
    if (ok && has_digits && t == n && m < (1ull << 53)) {
        int e10 = e - frac;
        if (e10 >= -22 && e10 <= 22) {
            double v = (double)m;
            v = e10 < 0 ? v / dec_pow10[-e10] : v * dec_pow10[e10];
            *out = neg ? -v : v;
            return 0;
        }
    }
    /* strtod wants a NUL-terminated string */
    char buf[128];
    size_t len = n - b;
    char *s = len < sizeof(buf) ? buf : malloc(len + 1);
    if (!s)
        weir_panic("decode: out of memory");
    memcpy(s, p + b, len);
    s[len] = '\0';
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    int rc = 0;
    if (end == s) {
        rc = 1;
    } else {
        while (*end && dec_isspace((uint8_t)*end))
            end++;
        if (*end || (size_t)(end - s) != len)
            rc = 1;
        else if (errno == ERANGE && (v == 0.0 || isinf(v)))
            rc = 2;
    }
    if (s != buf)
        free(s);
    if (rc == 0)
        *out = v;
    return rc;
}

/* Valid UTF-8 (an ASCII word-at-a-time check first: most text is ASCII). */
static int dec_utf8_ok(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & ASCII_HIGHS)
            return utf8_valid(p + i, n - i);
    }
    for (; i < n; i++)
        if (p[i] & 0x80)
            return utf8_valid(p + i, n - i);
    return 1;
}

/* varchar(n): cut after n characters (an explicit cast's rule, and Trino's for VARCHAR(x)). */
static size_t dec_varchar_cut(SqlType t, const uint8_t *p, size_t n)
{
    if (t.id != SQL_VARCHAR || t.typmod < 4)
        return n;
    size_t max = (size_t)(t.typmod - 4), chars = 0, i = 0;
    if (n <= max)
        return n;
    while (i < n && chars < max) {
        i++;
        while (i < n && (p[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    return i;
}

static int64_t dec_round_ts(int64_t t, int32_t typmod)
{
    static const int64_t scale[6] = {1000000, 100000, 10000, 1000, 100, 10};
    if (typmod < 0 || typmod >= 6 || t == INT64_MIN || t == INT64_MAX)
        return t;
    int64_t s = scale[typmod], off = s / 2;
    if (t >= 0)
        return ((t + off) / s) * s;
    return -((((-t) + off) / s) * s);
}

static int dec_put_slow(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *p, size_t n, Arena *a,
                        char *why)
{
    SqlValue val;
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_value_from_text(c->tc->type, (const char *)p, n, &d->fmt, a, &val, &e) != WEIR_OK) {
        if (strcmp(e.sqlstate, "53200") == 0)
            return DEC_NOMEM;
        return dec_bad(why, "%s", e.message[0] ? e.message : "invalid value");
    }
    return vec_put(v, row, &val, a) ? DEC_NOMEM : DEC_OK;
}

/* The one shape of ISO 8601 that records nearly always carry, read with fixed offsets:
 * YYYY-MM-DD('T'|'t'|' ')HH:MM:SS, then .f (1 to 6 digits), then Z, +hh, +hh:mm or +hhmm (or nothing,
 * when the zone is UTC itself). Returns 0 with the instant in *out, or -1 for anything else, which
 * then goes to sql_time_parse: this is a subset of what it accepts, with the same result (the
 * fields are range-checked the same way and combined as sql_tm2timestamp combines them; a leap
 * second, 24:00, more fraction digits, spaces, year 0000 are all left to it). */
static int dec_iso_fast(const uint8_t *p, size_t n, const SqlTz *tz, int64_t *out)
{
#define DEC_D(k) ((unsigned)(p[k] - '0'))
    if (n < 19 || DEC_D(0) > 9 || DEC_D(1) > 9 || DEC_D(2) > 9 || DEC_D(3) > 9 || p[4] != '-' || DEC_D(5) > 9 ||
        DEC_D(6) > 9 || p[7] != '-' || DEC_D(8) > 9 || DEC_D(9) > 9 || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        DEC_D(11) > 9 || DEC_D(12) > 9 || p[13] != ':' || DEC_D(14) > 9 || DEC_D(15) > 9 || p[16] != ':' ||
        DEC_D(17) > 9 || DEC_D(18) > 9)
        return -1;
    int year = (int)(DEC_D(0) * 1000 + DEC_D(1) * 100 + DEC_D(2) * 10 + DEC_D(3));
    int mon = (int)(DEC_D(5) * 10 + DEC_D(6)), mday = (int)(DEC_D(8) * 10 + DEC_D(9));
    int hour = (int)(DEC_D(11) * 10 + DEC_D(12)), min = (int)(DEC_D(14) * 10 + DEC_D(15));
    int sec = (int)(DEC_D(17) * 10 + DEC_D(18));
    if (year < 1 || mon < 1 || mon > 12 || mday < 1 || mday > sql_days_in_month(year, mon) || hour > 23 ||
        min > 59 || sec > 59)
        return -1;
    size_t i = 19;
    int64_t usec = 0;
    if (i < n && p[i] == '.') {
        size_t f = ++i;
        while (i < n && DEC_D(i) <= 9 && i - f < 7)
            usec = usec * 10 + DEC_D(i++);
        size_t nf = i - f;
        if (nf == 0 || nf > 6)
            return -1;
        static const int64_t scale[7] = {1, 100000, 10000, 1000, 100, 10, 1};
        usec *= scale[nf];
    }
    int64_t east = 0;
    if (i == n) {
        if (tz != sql_tz_utc())
            return -1; /* zone-less: the zone's rules decide */
    } else if ((p[i] == 'Z' || p[i] == 'z') && i + 1 == n) {
        east = 0;
    } else if ((p[i] == '+' || p[i] == '-') && n - i >= 3 && DEC_D(i + 1) <= 9 && DEC_D(i + 2) <= 9) {
        int neg = p[i] == '-';
        int h = (int)(DEC_D(i + 1) * 10 + DEC_D(i + 2)), m = 0;
        size_t j = i + 3;
        if (j < n && p[j] == ':')
            j++;
        if (j != n) {
            if (n - j != 2 || DEC_D(j) > 9 || DEC_D(j + 1) > 9)
                return -1;
            m = (int)(DEC_D(j) * 10 + DEC_D(j + 1));
        }
        if (h > 15 || m > 59)
            return -1;
        east = (int64_t)(h * 3600 + m * 60) * (neg ? -1 : 1);
    } else {
        return -1;
    }
#undef DEC_D
    int64_t date = (int64_t)sql_date2j(year, mon, mday) - SQL_POSTGRES_EPOCH_JDATE;
    *out = date * SQL_USEC_PER_DAY + (((int64_t)hour * 60 + min) * 60 + sec - east) * SQL_USEC_PER_SEC + usec;
    return 0;
}

/* ISO 8601 text without its zone designator (Z, +hh, +hh:mm, +hhmm after the time of day), for the
 * zone-less types: they keep the date and time as written, offset or not, as PostgreSQL's date_in and
 * timestamp_in and Trino's ISO 8601 decoder read them. Returns the length to parse. */
static size_t dec_iso_without_zone(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    i += 8; /* the time of day starts after the date: at least YYYYMMDD */
    while (i < n && p[i] != 'T' && p[i] != 't' && p[i] != ' ')
        i++;
    for (; i < n; i++)
        if (p[i] == 'Z' || p[i] == 'z' || p[i] == '+' || p[i] == '-')
            return i;
    return n;
}

/* A date/time column with sql_time_parse. Zone-less text is read in the table's zone for timestamptz
 * and as UTC wall-clock time for the zone-less types. */
static int dec_put_time(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *p, size_t n, char *why)
{
    SqlTypeId t = c->tc->type.id;
    const SqlTz *tz = t == SQL_TIMESTAMPTZ ? d->tz : sql_tz_utc();
    int64_t us;
    int r;
    size_t n_all = n; /* for the error text */
    if (t != SQL_TIMESTAMPTZ && c->tc->time_format && c->tc->time_fmt.kind == SQL_TIMEFMT_ISO8601)
        n = dec_iso_without_zone(p, n);
    if ((!c->tc->time_format || c->tc->time_fmt.kind == SQL_TIMEFMT_ISO8601) && dec_iso_fast(p, n, tz, &us) == 0) {
        r = 0;
    } else if (c->tc->time_format) {
        r = sql_time_parse(&c->tc->time_fmt, (const char *)p, n, tz, &us);
    } else {
        /* No format: whatever timestamptz_in accepts. Records nearly always carry ISO 8601, which the
         * fixed-format scanner reads several times faster than the general parser, with the same
         * result for every text it accepts; only the rest goes the general way. */
        static const SqlTimeFormat iso = {SQL_TIMEFMT_ISO8601, NULL}, any = {SQL_TIMEFMT_AUTO, NULL};
        r = sql_time_parse(&iso, (const char *)p, n, tz, &us);
        if (r != 0)
            r = sql_time_parse(&any, (const char *)p, n, tz, &us);
    }
    if (r != 0) {
        char q[80];
        dec_quote(q, sizeof(q), p, n_all);
        return dec_bad(why, "invalid input syntax for type %s: \"%s\"%s%s", dec_type_name(c), q,
                       c->tc->time_format ? " in format " : "", c->tc->time_format ? c->tc->time_format : "");
    }
    switch (t) {
    case SQL_DATE:
        if (us != INT64_MIN && us != INT64_MAX)
            us = us >= 0 ? us / SQL_USEC_PER_DAY : -((-us + SQL_USEC_PER_DAY - 1) / SQL_USEC_PER_DAY);
        break;
    case SQL_TIME: us = ((us % SQL_USEC_PER_DAY) + SQL_USEC_PER_DAY) % SQL_USEC_PER_DAY; break;
    default: us = dec_round_ts(us, c->tc->type.typmod); break;
    }
    v->u.i[row] = us;
    return DEC_OK;
}

/* A timestamp column without a time format: what timestamp_in accepts (sql_value_from_text). Records
 * nearly always carry the zone-less ISO 8601 form "YYYY-MM-DD HH:MM:SS[.f]" (or with a 'T'), which is
 * read here with fixed offsets (dec_iso_fast, UTC: no zone to apply), then rounded to the column's
 * precision as sql_timestamp_apply_typmod rounds; the same value timestamp_in gives, without its
 * field-by-field tokenizer (11% of Nexmark q5's thread). Anything else, including a zone designator
 * (which timestamp_in ignores) and whitespace, goes the general way. */
static int dec_put_ts(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *p, size_t n, Arena *a,
                      char *why)
{
    int64_t us;
    int plain = n >= 19 && n <= 26 && (p[10] == ' ' || p[10] == 'T') && (n == 19 || p[19] == '.');
    for (size_t i = 20; i < n && plain; i++)
        plain = p[i] >= '0' && p[i] <= '9'; /* a fraction, no zone designator */
    if (plain && dec_iso_fast(p, n, sql_tz_utc(), &us) == 0) {
        v->u.i[row] = dec_round_ts(us, c->tc->type.typmod);
        return DEC_OK;
    }
    return dec_put_slow(d, c, v, row, p, n, a, why);
}

/* Text p[0..n) into column c. The bytes are borrowed (a record or the batch arena). */
static int dec_put_text(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *p, size_t n, Arena *a,
                        char *why)
{
    char q[80];
    int r;
    switch (c->kind) {
    case DK_INT: {
        int64_t x;
        if ((r = dec_int_parse(p, n, c->lo, c->hi, &x)) != 0) {
            dec_quote(q, sizeof(q), p, n);
            if (r == 2)
                return dec_bad(why, "value \"%s\" is out of range for type %s", q, dec_type_name(c));
            return dec_bad(why, "invalid input syntax for type %s: \"%s\"", dec_type_name(c), q);
        }
        v->u.i[row] = x;
        return DEC_OK;
    }
    case DK_FLOAT4:
    case DK_FLOAT8: {
        double x;
        r = dec_float_parse(p, n, &x);
        if (r == 0 && c->kind == DK_FLOAT4) {
            float f = (float)x;
            if ((isinf(f) && !isinf(x)) || (f == 0.0f && x != 0.0))
                r = 2;
            x = (double)f;
        }
        if (r) {
            dec_quote(q, sizeof(q), p, n);
            if (r == 2)
                return dec_bad(why, "\"%s\" is out of range for type %s", q, dec_type_name(c));
            return dec_bad(why, "invalid input syntax for type %s: \"%s\"", dec_type_name(c), q);
        }
        v->u.f[row] = x;
        return DEC_OK;
    }
    case DK_BOOL: {
        int b = tabledef_bool_parse((const char *)p, n);
        if (b < 0) {
            dec_quote(q, sizeof(q), p, n);
            return dec_bad(why, "invalid input syntax for type boolean: \"%s\"", q);
        }
        v->u.b[row] = (uint8_t)b;
        return DEC_OK;
    }
    case DK_TEXT:
        if (!dec_utf8_ok(p, n))
            return dec_bad(why, "invalid byte sequence for encoding \"UTF8\"");
        v->u.s[row] = (Slice){p, dec_varchar_cut(c->tc->type, p, n)};
        return DEC_OK;
    case DK_BYTES: v->u.s[row] = (Slice){p, n}; return DEC_OK;
    case DK_TIME: return dec_put_time(d, c, v, row, p, n, why);
    case DK_TS: return dec_put_ts(d, c, v, row, p, n, a, why);
    default: return dec_put_slow(d, c, v, row, p, n, a, why);
    }
}

/* ============================================================================================ json */

static const uint8_t dec_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static inline size_t dec_skip_ws(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && dec_ws[p[i]])
        i++;
    return i;
}

static inline int dec_hex(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The bytes that end a run of plain string bytes: '"', '\\' and control characters. For a word w the
 * result has the high bit set in (at least) the first such byte; in bytes after the first it may be
 * wrong (a borrow travels upward only), which is fine since only the lowest set bit is used -- unlike
 * ascii_json_plain_len, which must recheck the word bytewise because it answers "is any byte special". */
static inline uint64_t dec_special(uint64_t w)
{
    uint64_t q = w ^ (0x22 * ASCII_ONES), b = w ^ (0x5C * ASCII_ONES);
    return ((q - ASCII_ONES) & ~q & ASCII_HIGHS) | ((b - ASCII_ONES) & ~b & ASCII_HIGHS) |
           ((w - 0x20 * ASCII_ONES) & ~w & ASCII_HIGHS);
}

/* Index of the first '"', '\\' or control byte at or after i, or n. */
static inline size_t dec_plain_end(const uint8_t *p, size_t i, size_t n)
{
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t m = dec_special(w);
        if (m)
            return i + ((size_t)__builtin_ctzll(m) >> 3);
        i += 8;
    }
    while (i < n && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\')
        i++;
    return i;
}

/* Scan a string starting at the opening quote p[i]. Returns the index after the closing quote, or 0
 * when malformed (0 can never be a valid end). *esc is set when it contains escapes. */
static inline size_t dec_json_string(const uint8_t *p, size_t i, size_t n, uint8_t *esc)
{
    i++;
    for (;;) {
        i = dec_plain_end(p, i, n);
        if (i >= n)
            return 0;
        uint8_t c = p[i];
        if (c == '"')
            return i + 1;
        if (c != '\\')
            return 0; /* a control character */
        *esc = 1;
        if (i + 1 >= n)
            return 0;
        c = p[i + 1];
        if (c == 'u') {
            if (i + 5 >= n || dec_hex(p[i + 2]) < 0 || dec_hex(p[i + 3]) < 0 || dec_hex(p[i + 4]) < 0 ||
                dec_hex(p[i + 5]) < 0)
                return 0;
            i += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't') {
            i += 2;
        } else {
            return 0;
        }
    }
}

/* The fraction and exponent, if any, of a JSON number whose integer part ends before p[i]. Returns the
 * index after them (*is_int cleared when there is either), or 0 if they are malformed. */
static inline size_t dec_json_number_tail(const uint8_t *p, size_t i, size_t n, uint8_t *is_int)
{
    if (i < n && p[i] == '.') {
        i++;
        if (i >= n || (unsigned)(p[i] - '0') > 9)
            return 0;
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
        *is_int = 0;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        if (i >= n || (unsigned)(p[i] - '0') > 9)
            return 0;
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
        *is_int = 0;
    }
    return i;
}

/* Scan a number at p[i] by the JSON grammar. Returns the index after it, or 0. */
static inline size_t dec_json_number(const uint8_t *p, size_t i, size_t n, uint8_t *is_int)
{
    if (p[i] == '-')
        i++;
    if (i >= n)
        return 0;
    if (p[i] == '0') {
        i++;
    } else if (p[i] >= '1' && p[i] <= '9') {
        while (i < n && (unsigned)(p[i] - '0') <= 9)
            i++;
    } else {
        return 0;
    }
    *is_int = 1;
    return dec_json_number_tail(p, i, n, is_int);
}

/* Unescape a JSON string body into UTF-8. out has room for n bytes (escapes only shrink). Returns the
 * length, or -1 for \u0000 or a lone surrogate (neither can be PostgreSQL text). */
static int64_t dec_json_unescape(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (p[i] != '\\') {
            out[o++] = p[i++];
            continue;
        }
        uint8_t c = p[i + 1];
        i += 2;
        switch (c) {
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'u': break;
        default: out[o++] = c; continue;
        }
        uint32_t u = (uint32_t)(dec_hex(p[i]) << 12 | dec_hex(p[i + 1]) << 8 | dec_hex(p[i + 2]) << 4 | dec_hex(p[i + 3]));
        i += 4;
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 6 > n || p[i] != '\\' || p[i + 1] != 'u')
                return -1;
            int h0 = dec_hex(p[i + 2]), h1 = dec_hex(p[i + 3]), h2 = dec_hex(p[i + 4]), h3 = dec_hex(p[i + 5]);
            if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0)
                return -1;
            uint32_t lo = (uint32_t)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
            if (lo < 0xDC00 || lo > 0xDFFF)
                return -1;
            u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
        } else if ((u >= 0xDC00 && u <= 0xDFFF) || u == 0) {
            return -1;
        }
        if (u < 0x80) {
            out[o++] = (uint8_t)u;
        } else if (u < 0x800) {
            out[o++] = (uint8_t)(0xC0 | u >> 6);
            out[o++] = (uint8_t)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            out[o++] = (uint8_t)(0xE0 | u >> 12);
            out[o++] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (u & 0x3F));
        } else {
            out[o++] = (uint8_t)(0xF0 | u >> 18);
            out[o++] = (uint8_t)(0x80 | ((u >> 12) & 0x3F));
            out[o++] = (uint8_t)(0x80 | ((u >> 6) & 0x3F));
            out[o++] = (uint8_t)(0x80 | (u & 0x3F));
        }
    }
    return (int64_t)o;
}

/* ASCII lower case, without the locale (keys are compared byte for byte otherwise). */
static inline uint8_t dec_lower(uint8_t c)
{
    return (uint8_t)(c - 'A') < 26 ? (uint8_t)(c | 0x20) : c;
}

static inline int dec_key_eq(const JNode *nd, const uint8_t *k, size_t n)
{
    if (nd->key_len != n)
        return 0;
    if (memcmp(nd->key, k, n) == 0)
        return 1; /* also the common case of a column found by its name */
    if (!nd->ci)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (dec_lower((uint8_t)nd->key[i]) != dec_lower(k[i]))
            return 0;
    return 1;
}

/* The child of node named by the key k[0..n) (escaped when esc), or JNODE_NONE. */
static uint32_t dec_child_key(const Decoder *d, uint32_t node, const uint8_t *k, size_t n, int esc)
{
    if (node == JNODE_NONE)
        return JNODE_NONE;
    uint32_t c = d->nodes[node].child;
    if (c == JNODE_NONE)
        return JNODE_NONE;
    uint8_t buf[256];
    if (esc) {
        /* Keys with escapes are rare: unescape into a small buffer (longer ones cannot be matched,
         * path segments are short). */
        if (n > sizeof(buf))
            return JNODE_NONE;
        int64_t l = dec_json_unescape(k, n, buf);
        if (l < 0)
            return JNODE_NONE;
        k = buf;
        n = (size_t)l;
    }
    for (; c != JNODE_NONE; c = d->nodes[c].next)
        if (dec_key_eq(&d->nodes[c], k, n))
            return c;
    return JNODE_NONE;
}

static uint32_t dec_child_index(const Decoder *d, uint32_t node, uint32_t idx)
{
    if (node == JNODE_NONE)
        return JNODE_NONE;
    for (uint32_t c = d->nodes[node].child; c != JNODE_NONE; c = d->nodes[c].next)
        if (d->nodes[c].index == (int32_t)idx)
            return c;
    return JNODE_NONE;
}

/* A value is about to be read at node. If a value already sat there in this record (a duplicate key,
 * or a duplicate of an ancestor's key), everything captured under the earlier one is dropped: the last
 * occurrence wins for the whole subtree, as a JSON object with duplicate keys means to PostgreSQL. */
static inline void dec_visit(Decoder *d, uint32_t node)
{
    if (node == JNODE_NONE)
        return;
    JNode *nd = &d->nodes[node];
    if (nd->seen == d->gen)
        for (uint32_t s = nd->slot_lo; s < nd->slot_hi; s++)
            d->caps[s].gen = 0;
    nd->seen = d->gen;
}

/* Capture slot's value in this record (both scanners: dec_json_scan through dec_capture, dec_json_flat
 * directly). */
static inline void dec_capture_slot(Decoder *d, int32_t slot, uint8_t kind, uint8_t flag, size_t off, size_t len)
{
    JCap *c = &d->caps[slot];
    c->gen = d->gen;
    c->kind = kind;
    c->flag = flag;
    c->ival_ok = 0;
    c->off = (uint32_t)off;
    c->len = (uint32_t)len;
}

static inline void dec_capture(Decoder *d, uint32_t node, uint8_t kind, uint8_t flag, size_t off, size_t len)
{
    if (node != JNODE_NONE && d->nodes[node].slot >= 0)
        dec_capture_slot(d, d->nodes[node].slot, kind, flag, off, len);
}

/* Walk one JSON document, capturing the needed paths. Returns 0, or -1 when it is not a JSON object or
 * array (with *at the byte offset of the problem). */
static int dec_json_scan(Decoder *d, const uint8_t *p, size_t n, size_t *at)
{
    JFrame *st = d->stack;
    int depth = 0;
    uint32_t node = 0;
    size_t i = dec_skip_ws(p, 0, n);
    if (n > UINT32_MAX || i >= n || (p[i] != '{' && p[i] != '['))
        goto bad;
value:
    i = dec_skip_ws(p, i, n);
    if (i >= n)
        goto bad;
    {
        uint8_t c = p[i];
        if (c == '{' || c == '[') {
            if (depth == DEC_JSON_DEPTH)
                goto bad;
            JFrame *f = &st[depth++];
            f->node = node;
            f->start = (uint32_t)i;
            f->idx = 0;
            f->is_arr = c == '[';
            i = dec_skip_ws(p, i + 1, n);
            if (i >= n)
                goto bad;
            if (p[i] == (f->is_arr ? ']' : '}')) {
                i++;
                goto close;
            }
            if (f->is_arr) {
                node = dec_child_index(d, f->node, 0);
                dec_visit(d, node);
                goto value;
            }
            goto key;
        }
        size_t start = i;
        uint8_t flag = 0, kind;
        if (c == '"') {
            i = dec_json_string(p, i, n, &flag);
            if (!i) {
                i = start;
                goto bad;
            }
            dec_capture(d, node, JK_STR, flag, start + 1, i - start - 2);
            goto after;
        } else if (c == '-' || (unsigned)(c - '0') <= 9) {
            i = dec_json_number(p, i, n, &flag);
            if (!i) {
                i = start;
                goto bad;
            }
            kind = JK_NUM;
        } else if (c == 't' && n - i >= 4 && memcmp(p + i, "true", 4) == 0) {
            i += 4;
            kind = JK_TRUE;
        } else if (c == 'f' && n - i >= 5 && memcmp(p + i, "false", 5) == 0) {
            i += 5;
            kind = JK_FALSE;
        } else if (c == 'n' && n - i >= 4 && memcmp(p + i, "null", 4) == 0) {
            i += 4;
            kind = JK_NULL;
        } else {
            goto bad;
        }
        dec_capture(d, node, kind, flag, start, i - start);
        goto after;
    }
close : {
    JFrame *f = &st[--depth];
    dec_capture(d, f->node, f->is_arr ? JK_ARR : JK_OBJ, 0, f->start, i - f->start);
}
after:
    if (depth == 0) {
        i = dec_skip_ws(p, i, n);
        if (i != n)
            goto bad;
        return 0;
    }
    i = dec_skip_ws(p, i, n);
    if (i >= n)
        goto bad;
    {
        JFrame *f = &st[depth - 1];
        uint8_t c = p[i++];
        if (f->is_arr) {
            if (c == ',') {
                f->idx++;
                node = dec_child_index(d, f->node, f->idx);
                dec_visit(d, node);
                goto value;
            }
            if (c == ']')
                goto close;
            i--;
            goto bad;
        }
        if (c == ',')
            goto key;
        if (c == '}')
            goto close;
        i--;
        goto bad;
    }
key:
    i = dec_skip_ws(p, i, n);
    if (i >= n || p[i] != '"')
        goto bad;
    {
        uint8_t kesc = 0;
        size_t ks = i;
        i = dec_json_string(p, i, n, &kesc);
        if (!i) {
            i = ks;
            goto bad;
        }
        size_t koff = ks + 1, klen = i - ks - 2;
        i = dec_skip_ws(p, i, n);
        if (i >= n || p[i] != ':')
            goto bad;
        i++;
        node = dec_child_key(d, st[depth - 1].node, p + koff, klen, kesc);
        dec_visit(d, node);
        goto value;
    }
bad:
    *at = i;
    return -1;
}

/* ---- the flat fast path ----
 *
 * Nearly every table over a stream reads top-level keys of one JSON object per record. For such a
 * decoder (every needed path is a single key: Decoder.is_flat) dec_json_flat does the work of
 * dec_json_scan in one tight forward pass with no frame stack and no trie walk: a key is looked up by
 * its length and first letter in a small table (dec_flat_bucket: usually one candidate, compared
 * with word loads instead of memcmp), values nobody needs are skipped without being looked at twice
 * (nested objects and arrays by dec_json_skip, which checks them as strictly), and integers are
 * accumulated while their digits are checked, so an integer column needs no second parse.
 *
 * It is an accelerator, never a second opinion: it either finishes with exactly the captures
 * dec_json_scan would have made, or gives up (-1) and the record goes through dec_json_scan, which
 * is authoritative for everything unusual -- a root that is not an object, escapes inside a key, a
 * malformed record (whose error names the byte offset dec_json_scan finds), nesting near the depth
 * limit. Duplicate keys need nothing special: with single-key paths every target is a leaf, so a
 * later value simply overwrites the capture, which is what dec_visit does for a leaf. */

static inline uint32_t dec_flat_bucket(const uint8_t *k, size_t n)
{
    return (uint32_t)((n & 31) << 5) | (n ? dec_lower(k[0]) & 31u : 0u);
}

static inline uint64_t dec_load64(const void *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t dec_load32(const void *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint16_t dec_load16(const void *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* a[0..n) == b[0..n) for the short strings keys are, with overlapping word loads and no call */
static inline int dec_bytes_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8)
            if (dec_load64(a + i) != dec_load64(b + i))
                return 0;
        return dec_load64(a + n - 8) == dec_load64(b + n - 8);
    }
    if (n >= 4)
        return dec_load32(a) == dec_load32(b) && dec_load32(a + n - 4) == dec_load32(b + n - 4);
    if (n >= 2)
        return dec_load16(a) == dec_load16(b) && dec_load16(a + n - 2) == dec_load16(b + n - 2);
    return n == 0 || a[0] == b[0];
}

/* Build the bucket table over the root's children (in child-list order within a bucket, so the first
 * match is the one dec_child_key would find). Leaves is_flat 0 when the fast path does not apply. */
static void dec_flat_build(Decoder *d)
{
    d->is_flat = 0;
    if (d->n_nodes > UINT16_MAX)
        return;
    for (uint32_t c = 0; c < d->n_dc; c++)
        if (d->dc[c].tc->n_path != 1)
            return;
    memset(d->ftab, 0, sizeof(d->ftab));
    d->fnext = arena_alloc(d->arena, sizeof(uint16_t) * d->n_nodes);
    memset(d->fnext, 0, sizeof(uint16_t) * d->n_nodes);
    /* prepend in reverse child order, so each bucket lists its nodes in child order */
    uint32_t n_kids = 0;
    for (uint32_t c = d->nodes[0].child; c != JNODE_NONE; c = d->nodes[c].next)
        n_kids++;
    uint32_t *kids = arena_alloc(d->arena, sizeof(uint32_t) * (n_kids ? n_kids : 1));
    n_kids = 0;
    for (uint32_t c = d->nodes[0].child; c != JNODE_NONE; c = d->nodes[c].next)
        kids[n_kids++] = c;
    for (uint32_t k = n_kids; k-- > 0;) {
        JNode *nd = &d->nodes[kids[k]];
        if (nd->slot < 0 || nd->child != JNODE_NONE)
            return; /* cannot happen with single-key paths; be safe */
        uint32_t h = dec_flat_bucket((const uint8_t *)nd->key, nd->key_len);
        d->fnext[kids[k]] = d->ftab[h];
        d->ftab[h] = (uint16_t)kids[k];
    }
    d->skip_stack = arena_alloc(d->arena, DEC_JSON_DEPTH);
    d->is_flat = 1;
}

/* The number of leading decimal digits in the 8 bytes of w (little-endian: p[0] is the low byte) and,
 * when that is below 8, their value in *v. A byte is a digit when its high nibble is 3 and its low
 * nibble plus 6 stays below 16 (neither test carries into the next byte); the value comes from the
 * digits moved to the top of the word, with '0's below them, by the usual three multiply steps. */
static inline size_t dec_digits8(uint64_t w, uint64_t *v)
{
    uint64_t nondigit = ((w & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
                        (((w & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull);
    if (!nondigit)
        return 8;
    size_t nd = (size_t)__builtin_ctzll(nondigit) >> 3;
    if (nd == 0)
        return 0;
    uint64_t x = (w << (8 * (8 - nd))) | (0x3030303030303030ull >> (8 * nd));
    x -= 0x3030303030303030ull;
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFull;
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFull;
    x = (x * 10000 + (x >> 32)) & 0x00000000FFFFFFFFull;
    *v = x;
    return nd;
}

/* The capture slot of top-level key k[0..n) (no escapes), or -1. */
static inline int32_t dec_flat_slot(const Decoder *d, const uint8_t *k, size_t n)
{
    for (uint32_t c = d->ftab[dec_flat_bucket(k, n)]; c; c = d->fnext[c]) {
        const JNode *nd = &d->nodes[c];
        if (nd->key_len != n)
            continue;
        if (dec_bytes_eq((const uint8_t *)nd->key, k, n) || (nd->ci && dec_key_eq(nd, k, n)))
            return nd->slot;
    }
    return -1;
}

/* Skip the object or array that starts at p[i], checking it as dec_json_scan would. Returns the index
 * after it, or 0: malformed, or nested deeper than depth0 + the levels dec_json_scan allows (either
 * way the caller falls back to dec_json_scan, which decides). depth0: frames already open. */
static size_t dec_json_skip(Decoder *d, const uint8_t *p, size_t i, size_t n, int depth0)
{
    uint8_t *arr = d->skip_stack;
    int depth = 0;
    uint8_t c, flag;
open:
    if (depth0 + depth >= DEC_JSON_DEPTH - 1)
        return 0;
    arr[depth++] = p[i] == '[';
    i = dec_skip_ws(p, i + 1, n);
    if (i >= n)
        return 0;
    if (p[i] == (arr[depth - 1] ? ']' : '}')) {
        i++;
        goto close;
    }
    if (!arr[depth - 1])
        goto key;
value:
    i = dec_skip_ws(p, i, n);
    if (i >= n)
        return 0;
    c = p[i];
    if (c == '{' || c == '[')
        goto open;
    if (c == '"') {
        if (!(i = dec_json_string(p, i, n, &flag)))
            return 0;
    } else if (c == '-' || (unsigned)(c - '0') <= 9) {
        if (!(i = dec_json_number(p, i, n, &flag)))
            return 0;
    } else if (c == 't' && n - i >= 4 && memcmp(p + i, "true", 4) == 0) {
        i += 4;
    } else if (c == 'f' && n - i >= 5 && memcmp(p + i, "false", 5) == 0) {
        i += 5;
    } else if (c == 'n' && n - i >= 4 && memcmp(p + i, "null", 4) == 0) {
        i += 4;
    } else {
        return 0;
    }
after:
    i = dec_skip_ws(p, i, n);
    if (i >= n)
        return 0;
    c = p[i++];
    if (arr[depth - 1]) {
        if (c == ',')
            goto value;
        if (c == ']')
            goto close;
        return 0;
    }
    if (c == ',')
        goto key;
    if (c == '}')
        goto close;
    return 0;
key:
    i = dec_skip_ws(p, i, n);
    if (i >= n || p[i] != '"' || !(i = dec_json_string(p, i, n, &flag)))
        return 0;
    i = dec_skip_ws(p, i, n);
    if (i >= n || p[i] != ':')
        return 0;
    i++;
    goto value;
close:
    if (--depth == 0)
        return i;
    goto after;
}

/* dec_json_scan for a flat decoder. Returns 0 with the captures made, or -1: use dec_json_scan. */
static int dec_json_flat(Decoder *d, const uint8_t *p, size_t n)
{
    if (n > UINT32_MAX)
        return -1;
    size_t i = dec_skip_ws(p, 0, n);
    if (i >= n || p[i] != '{')
        return -1;
    i = dec_skip_ws(p, i + 1, n);
    if (i >= n)
        return -1;
    if (p[i] == '}') {
        i++;
        goto done;
    }
    for (uint32_t k = 0;; k++) {
        /* the key: a plain string (escapes: the general scanner) */
        if (p[i] != '"')
            return -1;
        int32_t slot;
        JShape *sk = k < DEC_SHAPE_KEYS ? &d->shape[k] : NULL;
        if (sk && sk->len && n - i >= sk->len && dec_bytes_eq(p + i, sk->bytes, sk->len)) {
            /* the same `"key":` as at this position last time: the same key, so the same slot */
            slot = sk->slot;
            i += sk->len;
        } else {
            size_t ks = i + 1, ke = dec_plain_end(p, ks, n);
            if (ke >= n || p[ke] != '"')
                return -1;
            slot = dec_flat_slot(d, p + ks, ke - ks);
            if (sk && ke + 1 < n && p[ke + 1] == ':' && ke + 2 - i <= DEC_SHAPE_BYTES) {
                sk->len = (uint8_t)(ke + 2 - i);
                sk->slot = slot;
                memcpy(sk->bytes, p + i, sk->len);
            }
            i = ke + 1;
            if (i < n && p[i] != ':')
                i = dec_skip_ws(p, i, n);
            if (i >= n || p[i] != ':')
                return -1;
            i++;
        }
        if (i < n && dec_ws[p[i]])
            i = dec_skip_ws(p, i, n);
        if (i >= n)
            return -1;
        uint8_t c = p[i];
        if (c == '"') {
            size_t s = i + 1, e = dec_plain_end(p, s, n);
            uint8_t esc = 0;
            if (e < n && p[e] == '\\') {
                size_t end = dec_json_string(p, i, n, &esc);
                if (!end)
                    return -1;
                e = end - 1;
            } else if (e >= n || p[e] != '"') {
                return -1;
            }
            if (slot >= 0)
                dec_capture_slot(d, slot, JK_STR, esc, s, e - s);
            i = e + 1;
        } else if (c == '-' || (unsigned)(c - '0') <= 9) {
            /* the JSON number grammar (dec_json_number), accumulating an integer on the way */
            size_t s = i;
            int neg = c == '-';
            i += (size_t)neg;
            if (i >= n)
                return -1;
            uint64_t v = 0;
            size_t digits0 = i, nd;
            if (n - i >= 8 && (nd = dec_digits8(dec_load64(p + i), &v)) < 8) {
                /* up to 7 digits in one word, without a branch per digit */
                if (nd == 0 || (p[i] == '0' && nd > 1))
                    return -1; /* no digit, or a leading zero: dec_json_scan reports it */
                i += nd;
            } else {
                v = 0;
                if (p[i] == '0') {
                    i++;
                } else if ((unsigned)(p[i] - '1') <= 8) {
                    while (i < n && (unsigned)(p[i] - '0') <= 9)
                        v = v * 10 + (unsigned)(p[i++] - '0');
                } else {
                    return -1;
                }
                nd = i - digits0;
            }
            uint8_t is_int = 1;
            if (!(i = dec_json_number_tail(p, i, n, &is_int)))
                return -1;
            if (slot >= 0) {
                dec_capture_slot(d, slot, JK_NUM, is_int, s, i - s);
                if (is_int && nd <= 18) { /* 18 digits cannot overflow */
                    d->caps[slot].ival_ok = 1;
                    d->caps[slot].ival = neg ? -(int64_t)v : (int64_t)v;
                }
            }
        } else if (c == '{' || c == '[') {
            size_t e = dec_json_skip(d, p, i, n, 1);
            if (!e)
                return -1;
            if (slot >= 0)
                dec_capture_slot(d, slot, c == '{' ? JK_OBJ : JK_ARR, 0, i, e - i);
            i = e;
        } else {
            uint8_t kind;
            size_t len;
            if (c == 't' && n - i >= 4 && memcmp(p + i, "true", 4) == 0)
                kind = JK_TRUE, len = 4;
            else if (c == 'f' && n - i >= 5 && memcmp(p + i, "false", 5) == 0)
                kind = JK_FALSE, len = 5;
            else if (c == 'n' && n - i >= 4 && memcmp(p + i, "null", 4) == 0)
                kind = JK_NULL, len = 4;
            else
                return -1;
            if (slot >= 0)
                dec_capture_slot(d, slot, kind, 0, i, len);
            i += len;
        }
        if (i < n && dec_ws[p[i]])
            i = dec_skip_ws(p, i, n);
        if (i >= n)
            return -1;
        if (p[i] == ',') {
            i = dec_skip_ws(p, i + 1, n);
            if (i >= n)
                return -1;
            continue;
        }
        if (p[i] != '}')
            return -1;
        i++;
        break;
    }
done:
    i = dec_skip_ws(p, i, n);
    return i == n ? 0 : -1;
}

/* One JSON column from its capture. */
static int dec_json_col(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *rec, const JCap *cap,
                        Arena *a, char *why)
{
    const uint8_t *p = rec + cap->off;
    size_t n = cap->len;
    switch (cap->kind) {
    case JK_NULL: return dec_set_null(v, row, a);
    case JK_STR:
        if (c->kind == DK_JSON) {
            if (!dec_utf8_ok(p - 1, n + 2))
                return dec_bad(why, "invalid byte sequence for encoding \"UTF8\"");
            v->u.s[row] = (Slice){p - 1, n + 2};
            return DEC_OK;
        }
        if (c->kind == DK_JSONB)
            return dec_put_slow(d, c, v, row, p - 1, n + 2, a, why);
        if (cap->flag) {
            uint8_t *u = arena_try_alloc(a, n ? n : 1);
            if (!u)
                return DEC_NOMEM;
            int64_t l = dec_json_unescape(p, n, u);
            if (l < 0)
                return dec_bad(why, "unsupported Unicode escape sequence (\\u0000 or a lone surrogate)");
            p = u;
            n = (size_t)l;
        }
        return dec_put_text(d, c, v, row, p, n, a, why);
    case JK_NUM:
        if (c->kind == DK_INT && cap->ival_ok && cap->ival >= c->lo && cap->ival <= c->hi) {
            v->u.i[row] = cap->ival; /* parsed by the flat scanner; out of range: the message below */
            return DEC_OK;
        }
        if (c->kind == DK_INT && !cap->flag) {
            /* a JSON number with a fraction or exponent into an integer column rounds, as numeric ->
             * integer casts do; integers take the exact path below */
            double x;
            if (dec_float_parse(p, n, &x) || !(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
                return dec_bad(why, "%s out of range", dec_type_name(c));
            x = round(x);
            if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0) || (int64_t)x < c->lo ||
                (int64_t)x > c->hi) {
                char q[80];
                dec_quote(q, sizeof(q), p, n);
                return dec_bad(why, "value \"%s\" is out of range for type %s", q, dec_type_name(c));
            }
            v->u.i[row] = (int64_t)x;
            return DEC_OK;
        }
        if (c->kind == DK_JSON) {
            v->u.s[row] = (Slice){p, n};
            return DEC_OK;
        }
        return dec_put_text(d, c, v, row, p, n, a, why);
    case JK_TRUE:
    case JK_FALSE:
        if (c->kind == DK_BOOL) {
            v->u.b[row] = cap->kind == JK_TRUE;
            return DEC_OK;
        }
        if (c->kind == DK_JSON || c->kind == DK_TEXT) {
            v->u.s[row] = (Slice){p, n};
            return DEC_OK;
        }
        return dec_put_text(d, c, v, row, p, n, a, why);
    case JK_OBJ:
    case JK_ARR:
        if (c->kind == DK_JSON || c->kind == DK_TEXT) {
            if (!dec_utf8_ok(p, n))
                return dec_bad(why, "invalid byte sequence for encoding \"UTF8\"");
            v->u.s[row] = (Slice){p, c->kind == DK_TEXT ? dec_varchar_cut(c->tc->type, p, n) : n};
            return DEC_OK;
        }
        if (c->kind == DK_JSONB)
            return dec_put_slow(d, c, v, row, p, n, a, why);
        return dec_bad(why, "cannot convert a JSON %s to type %s", cap->kind == JK_OBJ ? "object" : "array",
                       dec_type_name(c));
    }
    return dec_set_null(v, row, a);
}

/* ========================================================================== csv, regex, raw fields */

/* A CSV field into column c: unquoted empty or equal to the null string is NULL; "" inside quotes
 * become one quote (copied into a). */
static int dec_csv_col(Decoder *d, const DCol *c, Vec *v, uint32_t row, const uint8_t *rec, const CsvField *f,
                       Arena *a, char *why)
{
    const uint8_t *p = rec + f->off;
    size_t n = f->len;
    if (!f->quoted) {
        if (n == 0)
            return dec_set_null(v, row, a);
        const char *nv = d->td->null_value;
        if (nv && strlen(nv) == n && memcmp(nv, p, n) == 0)
            return dec_set_null(v, row, a);
    } else if (f->dq) {
        uint8_t *u = arena_try_alloc(a, n ? n : 1);
        if (!u)
            return DEC_NOMEM;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            u[o++] = p[i];
            if (p[i] == (uint8_t)d->td->csv_quote)
                i++;
        }
        p = u;
        n = o;
    }
    return dec_put_text(d, c, v, row, p, n, a, why);
}

static int dec_raw_col(Decoder *d, const DCol *c, Vec *v, uint32_t row, Slice payload, Arena *a, char *why)
{
    const TableColumn *tc = c->tc;
    size_t start = (size_t)tc->raw_start;
    size_t end = tc->raw_end < 0 ? payload.n : (size_t)tc->raw_end;
    if (tc->raw_width == TABLE_RAW_NONE) {
        if (start > payload.n)
            return dec_set_null(v, row, a);
        if (end > payload.n)
            end = payload.n;
        return dec_put_text(d, c, v, row, payload.p + start, end - start, a, why);
    }
    static const uint8_t widths[] = {[TABLE_RAW_BYTE] = 1, [TABLE_RAW_SHORT] = 2, [TABLE_RAW_INT] = 4,
                                     [TABLE_RAW_LONG] = 8, [TABLE_RAW_FLOAT] = 4, [TABLE_RAW_DOUBLE] = 8};
    size_t w = widths[tc->raw_width];
    if (start + w > payload.n)
        return dec_bad(why, "the payload has %zu bytes, too short for bytes %zu..%zu", payload.n, start, start + w);
    uint64_t u = 0;
    for (size_t k = 0; k < w; k++)
        u = u << 8 | payload.p[start + k];
    if (tc->raw_width == TABLE_RAW_FLOAT || tc->raw_width == TABLE_RAW_DOUBLE) {
        double x;
        if (w == 4) {
            uint32_t u32 = (uint32_t)u;
            float f;
            memcpy(&f, &u32, 4);
            x = f;
        } else {
            memcpy(&x, &u, 8);
        }
        if (c->tc->type.id == SQL_FLOAT4)
            x = (double)(float)x;
        v->u.f[row] = x;
        return DEC_OK;
    }
    /* sign-extend */
    int64_t x = w == 8 ? (int64_t)u : (int64_t)(u << (64 - 8 * w)) >> (64 - 8 * w);
    if (c->kind == DK_BOOL) {
        v->u.b[row] = x != 0;
        return DEC_OK;
    }
    v->u.i[row] = x;
    return DEC_OK;
}

/* Inflate a gzip payload (one or more members) into the batch arena. */
static int dec_gunzip(Decoder *d, Slice in, Arena *a, Slice *out, char *why)
{
    if (!d->zs_ready) {
        memset(&d->zs, 0, sizeof(d->zs));
        if (inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK)
            weir_panic("decode: inflateInit2 failed");
        d->zs_ready = 1;
    } else {
        inflateReset(&d->zs);
    }
    buf_reset(&d->zbuf);
    d->zs.next_in = (Bytef *)in.p;
    d->zs.avail_in = (uInt)in.n;
    for (;;) {
        size_t want = d->zbuf.len < 4096 ? 4096 : d->zbuf.len;
        if (want > DEC_GZIP_MAX - d->zbuf.len)
            want = DEC_GZIP_MAX - d->zbuf.len;
        if (want == 0 || buf_reserve(&d->zbuf, want))
            return dec_bad(why, "decompressed payload is larger than %zu bytes", DEC_GZIP_MAX);
        d->zs.next_out = d->zbuf.p + d->zbuf.len;
        d->zs.avail_out = (uInt)want;
        int r = inflate(&d->zs, Z_NO_FLUSH);
        d->zbuf.len += want - d->zs.avail_out;
        if (r == Z_STREAM_END) {
            if (d->zs.avail_in == 0)
                break;
            inflateReset(&d->zs); /* concatenated members */
            continue;
        }
        if (r != Z_OK && r != Z_BUF_ERROR)
            return dec_bad(why, "the payload is not valid gzip data");
        if (d->zs.avail_in == 0 && d->zs.avail_out != 0)
            return dec_bad(why, "the gzip payload is truncated");
    }
    uint8_t *o = arena_try_alloc(a, d->zbuf.len ? d->zbuf.len : 1);
    if (!o)
        return DEC_NOMEM;
    memcpy(o, d->zbuf.p, d->zbuf.len);
    *out = (Slice){o, d->zbuf.len};
    return DEC_OK;
}

/* _message as text: the payload, or a copy with each invalid UTF-8 byte replaced by U+FFFD. */
static int dec_message_text(Slice s, Arena *a, Slice *out)
{
    if (dec_utf8_ok(s.p, s.n)) {
        *out = s;
        return DEC_OK;
    }
    uint8_t *o = arena_try_alloc(a, s.n * 3 + 1);
    if (!o)
        return DEC_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < s.n;) {
        size_t l = utf8_seq_len(s.p + i, s.n - i);
        if (l == 0 || (l == 1 && s.p[i] == 0)) {
            memcpy(o + k, "\xEF\xBF\xBD", 3);
            k += 3;
            i++;
        } else {
            memcpy(o + k, s.p + i, l);
            k += l;
            i += l;
        }
    }
    *out = (Slice){o, k};
    return DEC_OK;
}

/* ===================================================================================== decoder_run */

static Vec *dec_vec(const DCol *c, Batch *b)
{
    return c->out >= 0 ? &b->cols[c->out] : c->scratch;
}

/* Fill one row's data columns from a parsed record. malformed: the whole record failed (reason in
 * why); every column is then NULL and bad. Returns the number of bad fields, or DEC_NOMEM (< 0). */
static int dec_row(Decoder *d, const uint8_t *rec, Slice payload, int malformed, int64_t n_fields, Batch *b,
                   uint32_t row, Arena *a, char *why)
{
    int n_bad = 0;
    for (uint32_t k = 0; k < d->n_dc; k++) {
        const DCol *c = &d->dc[k];
        Vec *v = dec_vec(c, b);
        uint32_t r = c->out >= 0 ? row : 0;
        if (v->nulls)
            v->nulls[r >> 6] &= ~((uint64_t)1 << (r & 63));
        int rc;
        if (malformed) {
            rc = dec_set_null(v, r, a);
            if (rc == DEC_OK)
                rc = DEC_BAD;
        } else {
            char cwhy[DEC_WHY];
            cwhy[0] = '\0';
            switch (d->td->format) {
            case TABLE_FMT_JSON: {
                const JCap *cap = &d->caps[c->src];
                rc = cap->gen == d->gen ? dec_json_col(d, c, v, r, rec, cap, a, cwhy) : dec_set_null(v, r, a);
                break;
            }
            case TABLE_FMT_CSV:
                rc = c->src < n_fields ? dec_csv_col(d, c, v, r, rec, &d->fields[c->src], a, cwhy)
                                       : dec_set_null(v, r, a);
                break;
            case TABLE_FMT_REGEX: {
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(d->md);
                if (c->src >= n_fields || ov[2 * c->src] == PCRE2_UNSET) {
                    rc = dec_set_null(v, r, a);
                } else {
                    const uint8_t *p = rec + ov[2 * c->src];
                    size_t len = ov[2 * c->src + 1] - ov[2 * c->src];
                    const char *nv = d->td->null_value;
                    if (nv && strlen(nv) == len && memcmp(nv, p, len) == 0)
                        rc = dec_set_null(v, r, a);
                    else
                        rc = dec_put_text(d, c, v, r, p, len, a, cwhy);
                }
                break;
            }
            case TABLE_FMT_RAW:
            default: rc = dec_raw_col(d, c, v, r, payload, a, cwhy); break;
            }
            if (rc == DEC_BAD) {
                if (dec_set_null(v, r, a) != DEC_OK)
                    return DEC_NOMEM;
                if (!why[0])
                    snprintf(why, DEC_WHY, "column \"%.60s\": %.180s", c->tc->name, cwhy);
            }
        }
        if (rc == DEC_NOMEM)
            return DEC_NOMEM;
        if (rc == DEC_BAD)
            n_bad++;
    }
    return n_bad;
}

/* A new record generation: captures and visits stamped with older ones stop counting. */
static void dec_gen_next(Decoder *d)
{
    d->gen++;
    if (d->gen == 0) { /* wrapped: old stamps could look current */
        memset(d->caps, 0, sizeof(JCap) * d->n_caps);
        for (uint32_t k = 0; k < d->n_nodes; k++)
            d->nodes[k].seen = 0;
        d->gen = 1;
    }
}

static int dec_nomem(SqlError *err)
{
    sql_error_set(err, "53200", 0, "out of memory: the query's memory budget is exhausted while decoding records");
    return WEIR_ENOMEM;
}

int decoder_run(Decoder *d, const DecodeRecord *recs, uint32_t n, Arena *a, DecodeOut *out, SqlError *err)
{
    const TableDef *td = d->td;
    memset(out, 0, sizeof(*out));
    if (n > VEC_BATCH)
        return sql_error_set(err, "XX000", 0, "decoder_run: %u records, more than a batch", n);
    out->batch = batch_create(a, d->out_types, d->n_out);
    out->record = ARENA_NEW(a, uint32_t, n ? n : 1);
    out->valid = ARENA_NEW(a, uint8_t, n ? n : 1);
    out->n_bad = ARENA_NEW(a, uint16_t, n ? n : 1);
    if (td->on_error == TABLE_ON_ERROR_DEAD_LETTER)
        out->dead = ARENA_NEW(a, DecodeReject, n ? n : 1);
    if (!out->batch || !out->record || !out->valid || !out->n_bad ||
        (td->on_error == TABLE_ON_ERROR_DEAD_LETTER && !out->dead))
        return dec_nomem(err);
    Batch *b = out->batch;
    uint32_t row = 0;
    for (uint32_t r = 0; r < n; r++) {
        const DecodeRecord *rec = &recs[r];
        Slice payload = rec->data;
        if (!payload.p) /* no arithmetic on NULL below */
            payload = (Slice){(const uint8_t *)"", 0};
        char why[DEC_WHY];
        why[0] = '\0';
        int malformed = 0;
        int64_t n_fields = 0;
        d->stats.records++;
        if (td->compression != TABLE_COMP_NONE && (d->n_dc || d->n_hid)) {
            int gz = td->compression == TABLE_COMP_GZIP ||
                     (payload.n >= 2 && payload.p[0] == 0x1f && payload.p[1] == 0x8b);
            if (gz) {
                int zr = dec_gunzip(d, rec->data, a, &payload, why);
                if (zr == DEC_NOMEM)
                    return dec_nomem(err);
                if (zr == DEC_BAD)
                    malformed = 1;
            }
        }
        const uint8_t *base = payload.p;
        if (d->n_dc && !malformed) {
            switch (td->format) {
            case TABLE_FMT_JSON: {
                size_t at = 0;
                dec_gen_next(d);
                if (d->is_flat && dec_json_flat(d, payload.p, payload.n) == 0)
                    break;
                if (d->is_flat)
                    dec_gen_next(d); /* forget what the fast path captured before it gave up */
                if (dec_json_scan(d, payload.p, payload.n, &at) != 0) {
                    malformed = 1;
                    snprintf(why, sizeof(why), "invalid JSON at byte %zu", at);
                }
                break;
            }
            case TABLE_FMT_CSV: {
                Slice s = dec_strip_eol(payload);
                n_fields = dec_csv_split(td->csv_delimiter, td->csv_quote, s.p, s.n, d->fields, d->n_fields_cap);
                if (n_fields < 0) {
                    malformed = 1;
                    snprintf(why, sizeof(why), "malformed CSV line (unterminated quote or text after a quote)");
                }
                break;
            }
            case TABLE_FMT_REGEX: {
                Slice s = dec_strip_eol(payload);
                int mr = pcre2_match(d->re, s.p ? s.p : (const uint8_t *)"", s.n, 0, 0, d->md, d->mctx);
                if (mr < 0) {
                    malformed = 1;
                    if (mr == PCRE2_ERROR_NOMATCH) {
                        snprintf(why, sizeof(why), "the line does not match the pattern");
                    } else {
                        PCRE2_UCHAR msg[160];
                        pcre2_get_error_message(mr, msg, sizeof(msg));
                        snprintf(why, sizeof(why), "pattern match failed: %s", (char *)msg);
                    }
                } else {
                    n_fields = mr == 0 ? (int64_t)pcre2_get_ovector_count(d->md) : mr;
                }
                if (!s.p)
                    base = (const uint8_t *)"";
                break;
            }
            case TABLE_FMT_RAW: break;
            }
        }
        int n_bad = dec_row(d, base, payload, malformed, n_fields, b, row, a, why);
        if (n_bad < 0)
            return dec_nomem(err);
        if (malformed && n_bad == 0)
            n_bad = 1;
        if (n_bad > 0) {
            d->stats.bad_records++;
            d->stats.bad_fields += (uint64_t)n_bad;
            switch (td->on_error) {
            case TABLE_ON_ERROR_FAIL:
                if (rec->seq.p)
                    return sql_error_set(err, "22P02", 0, "could not decode record %.*s of table \"%s\": %s",
                                         (int)(rec->seq.n > 64 ? 64 : rec->seq.n), (const char *)rec->seq.p, td->name,
                                         why);
                return sql_error_set(err, "22P02", 0, "could not decode record %u of the batch of table \"%s\": %s",
                                     r, td->name, why);
            case TABLE_ON_ERROR_SKIP:
                out->n_skipped++;
                d->stats.skipped++;
                continue;
            case TABLE_ON_ERROR_DEAD_LETTER: {
                char *reason = arena_try_strndup(a, why, strlen(why));
                if (!reason)
                    return dec_nomem(err);
                out->dead[out->n_dead].record = r;
                out->dead[out->n_dead++].reason = reason;
                d->stats.dead_lettered++;
                continue;
            }
            case TABLE_ON_ERROR_NULL: break;
            }
        }
        /* hidden columns */
        for (uint32_t k = 0; k < d->n_hid; k++) {
            Vec *v = &b->cols[d->hid[k].out];
            if (v->nulls)
                v->nulls[row >> 6] &= ~((uint64_t)1 << (row & 63));
            Slice s = {NULL, 0};
            switch (d->hid[k].h) {
            case TABLE_HID_SHARD_ID: s = rec->shard_id; goto str;
            case TABLE_HID_SEQUENCE_NUMBER: s = rec->seq; goto str;
            case TABLE_HID_PARTITION_KEY: s = rec->partition_key; goto str;
            case TABLE_HID_ARRIVAL_TIME:
                if (rec->arrival_usec == INT64_MIN) {
                    if (vec_set_null(v, row, a))
                        return dec_nomem(err);
                } else {
                    v->u.i[row] = rec->arrival_usec;
                }
                continue;
            case TABLE_HID_MESSAGE:
                if (dec_message_text(payload.p ? payload : (Slice){(const uint8_t *)"", 0}, a, &v->u.s[row]))
                    return dec_nomem(err);
                continue;
            case TABLE_HID_MESSAGE_VALID: v->u.b[row] = n_bad == 0; continue;
            case TABLE_HID_MESSAGE_LENGTH: v->u.i[row] = (int64_t)rec->data.n; continue;
            case TABLE_HID_N: continue;
            }
        str:
            if (!s.p) {
                if (vec_set_null(v, row, a))
                    return dec_nomem(err);
            } else {
                v->u.s[row] = s;
            }
        }
        out->record[row] = r;
        out->valid[row] = n_bad == 0;
        out->n_bad[row] = (uint16_t)(n_bad > UINT16_MAX ? UINT16_MAX : n_bad);
        row++;
    }
    b->n = row;
    d->stats.rows += row;
    return WEIR_OK;
}

/* =========================================================================================== files */

int decode_file_split(const TableDef *td, const uint8_t *p, size_t n, Arena *a, Slice **recs, size_t *n_recs,
                      Slice *header, SqlError *err)
{
    *recs = NULL;
    *n_recs = 0;
    if (header)
        *header = (Slice){NULL, 0};
    int csvq = td->format == TABLE_FMT_CSV && td->csv_quote;
    /* two passes: count, then fill (no growing arrays in an arena) */
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0, i = 0;
        int want_header = td->format == TABLE_FMT_CSV && td->csv_header;
        while (i < n) {
            size_t s = i;
            int inq = 0;
            while (i < n) {
                if (csvq && p[i] == (uint8_t)td->csv_quote)
                    inq = !inq;
                else if (p[i] == '\n' && !inq)
                    break;
                i++;
            }
            size_t e = i;
            if (i < n)
                i++; /* the newline */
            if (e > s && p[e - 1] == '\r')
                e--;
            int blank = 1;
            for (size_t j = s; j < e && blank; j++)
                blank = p[j] == ' ' || p[j] == '\t';
            if (blank)
                continue;
            if (want_header) {
                want_header = 0;
                if (header)
                    *header = (Slice){p + s, e - s};
                continue;
            }
            if (pass == 1)
                (*recs)[k] = (Slice){p + s, e - s};
            k++;
        }
        if (pass == 0) {
            *recs = ARENA_NEW(a, Slice, k ? k : 1);
            if (!*recs)
                return dec_nomem(err);
        }
        *n_recs = k;
    }
    return WEIR_OK;
}
