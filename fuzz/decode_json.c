/*
 * decode_json.c: libFuzzer target for the record decoders (src/exec/decode.c): the JSON scanner and
 * the CSV splitter, through decoder_run as a scan calls it.
 *
 * Each input is decoded three ways: as one JSON record, as one CSV record, and split on '\n' into up to
 * 64 records decoded as one JSON batch. The target checks:
 *   - no crash, leak or sanitizer report;
 *   - under on_error = null every record gives one row, in order (record[row] == row);
 *     valid[row] == (n_bad[row] == 0) and _message_valid equals valid[row];
 *   - every string Slice lies inside its record or is readable memory of its own (every byte is read
 *     so ASan checks it) and text columns hold valid UTF-8;
 *   - differential against jansson for a table of text/json columns only (where no field can fail to
 *     convert once the document is valid): if jansson accepts the document, the decoder must accept
 *     it too, and the columns must hold what jansson finds at the same paths (strings byte for byte,
 *     objects/arrays equal as JSON, null/missing as NULL). The converse cannot be asserted: jansson
 *     rejects valid JSON weir accepts (integers beyond 64 bits, invalid UTF-8 in strings no column
 *     reads, nesting past 2048). Inputs with a NUL byte are left out: jansson accepts "1\0" as a number.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "exec/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static TableDef *fz_json, *fz_text, *fz_csv;
static Decoder *fz_djson, *fz_dtext, *fz_dcsv;
static uint32_t fz_n_json, fz_n_text, fz_n_csv;

static void fz_check(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "decode_json fuzz invariant failed: %s\n", what);
    abort();
}

static TableDef *fz_table(const TableColumnSpec *cols, size_t n_cols, const TableOption *opts, size_t n_opts)
{
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    if (tabledef_build("f", cols, n_cols, opts, n_opts, &td, &e) != WEIR_OK) {
        fprintf(stderr, "decode_json: tabledef_build: %s\n", e.message);
        abort();
    }
    return td;
}

static Decoder *fz_decoder(const TableDef *td, uint32_t *n_out)
{
    int32_t cols[40];
    uint32_t n = 0;
    for (uint32_t i = 0; i < td->n_cols; i++)
        cols[n++] = (int32_t)i;
    cols[n++] = DECODE_HIDDEN(TABLE_HID_MESSAGE_VALID);
    cols[n++] = DECODE_HIDDEN(TABLE_HID_MESSAGE);
    SqlError e;
    memset(&e, 0, sizeof(e));
    Decoder *d = NULL;
    fz_check(decoder_create(td, cols, n, NULL, &d, &e) == WEIR_OK, "decoder_create");
    *n_out = n;
    return d;
}

static void fz_cleanup(void)
{
    decoder_destroy(&fz_djson);
    decoder_destroy(&fz_dtext);
    decoder_destroy(&fz_dcsv);
    tabledef_destroy(&fz_json);
    tabledef_destroy(&fz_text);
    tabledef_destroy(&fz_csv);
}

static void fz_init(void)
{
    static const TableColumnSpec jc[] = {
        {"a", {SQL_TEXT, -1}, 0},         {"b", {SQL_INT8, -1}, 0},   {"c", {SQL_FLOAT8, -1}, 0},
        {"d", {SQL_JSON, -1}, 0},         {"e", {SQL_TEXT, -1}, 0},   {"f", {SQL_BOOL, -1}, 0},
        {"g", {SQL_INT2, -1}, 0},         {"h", {SQL_TIMESTAMPTZ, -1}, 0}, {"i", {SQL_NUMERIC, -1}, 0},
        {"j", {SQL_VARCHAR, 3 + 4}, 0},   {"k", {SQL_FLOAT4, -1}, 0}, {"l", {SQL_JSONB, -1}, 0},
        {"m", {SQL_DATE, -1}, 0},
    };
    static const TableOption jo[] = {{"e.path", "x/0", 0}, {"g.path", "$.n.m", 0}, {"l.path", "o", 0},
                                     {"m.path", "t/1", 0}};
    fz_json = fz_table(jc, sizeof(jc) / sizeof(jc[0]), jo, sizeof(jo) / sizeof(jo[0]));
    static const TableColumnSpec tc[] = {
        {"a", {SQL_TEXT, -1}, 0}, {"x0", {SQL_TEXT, -1}, 0}, {"o", {SQL_JSON, -1}, 0},
        {"k", {SQL_TEXT, -1}, 0}, {"whole", {SQL_JSON, -1}, 0},
    };
    static const TableOption to[] = {{"a.path", "a", 0},   {"x0.path", "x/0", 0}, {"o.path", "o", 0},
                                     {"k.path", "o/k", 0}, {"whole.path", "$", 0}};
    fz_text = fz_table(tc, sizeof(tc) / sizeof(tc[0]), to, sizeof(to) / sizeof(to[0]));
    static const TableColumnSpec cc[] = {
        {"s", {SQL_TEXT, -1}, 0}, {"n", {SQL_INT4, -1}, 0}, {"d", {SQL_FLOAT8, -1}, 0},
        {"q", {SQL_TEXT, -1}, 0}, {"z", {SQL_BOOL, -1}, 0},
    };
    static const TableOption co[] = {{"format", "csv", 0}, {"q.index", "7", 0}};
    fz_csv = fz_table(cc, sizeof(cc) / sizeof(cc[0]), co, 2);
    fz_djson = fz_decoder(fz_json, &fz_n_json);
    fz_dtext = fz_decoder(fz_text, &fz_n_text);
    fz_dcsv = fz_decoder(fz_csv, &fz_n_csv);
    atexit(fz_cleanup);
}

static volatile uint8_t fz_sink;

/* The invariants every decode result must satisfy. */
static void fz_check_out(const TableDef *td, const DecodeOut *out, const DecodeRecord *recs, uint32_t n,
                         uint32_t n_out)
{
    fz_check(out->batch->n == n, "one row per record under on_error = null");
    fz_check(out->batch->n_cols == n_out, "column count");
    const Vec *vv = &out->batch->cols[td->n_cols];
    const Vec *vm = &out->batch->cols[td->n_cols + 1];
    for (uint32_t row = 0; row < n; row++) {
        fz_check(out->record[row] == row, "rows in record order");
        fz_check(out->valid[row] == (out->n_bad[row] == 0), "valid iff no bad field");
        fz_check(!vec_is_null(vv, row) && vv->u.b[row] == out->valid[row], "_message_valid == valid");
        fz_check(!vec_is_null(vm, row) && utf8_valid(vm->u.s[row].p, vm->u.s[row].n), "_message is UTF-8");
        Slice rec = recs[row].data;
        for (uint32_t c = 0; c < td->n_cols; c++) {
            const Vec *v = &out->batch->cols[c];
            if (vec_is_null(v, row) || sql_type_phys(v->type.id) != SQL_PHYS_STR)
                continue;
            Slice s = v->u.s[row];
            int inside = s.p >= rec.p && s.p + s.n <= rec.p + rec.n;
            int overlaps = !inside && s.n && rec.n && s.p < rec.p + rec.n && s.p + s.n > rec.p;
            fz_check(!overlaps, "string straddles the record's bounds");
            uint8_t x = 0;
            for (size_t k = 0; k < s.n; k++)
                x ^= s.p[k]; /* ASan: every byte must be readable */
            fz_sink = x;
            if (v->type.id == SQL_TEXT || v->type.id == SQL_VARCHAR || v->type.id == SQL_JSON)
                fz_check(utf8_valid(s.p, s.n), "text is valid UTF-8");
            if (v->type.id == SQL_VARCHAR && v->type.typmod >= 4) {
                size_t chars = 0;
                for (size_t k = 0; k < s.n; k++)
                    chars += (s.p[k] & 0xC0) != 0x80;
                fz_check(chars <= (size_t)(v->type.typmod - 4), "varchar(n) holds at most n characters");
            }
        }
    }
}

static DecodeOut fz_run(Decoder *d, const DecodeRecord *recs, uint32_t n, Arena *a)
{
    DecodeOut out;
    SqlError e;
    memset(&e, 0, sizeof(e));
    fz_check(decoder_run(d, recs, n, a, &out, &e) == WEIR_OK, "decoder_run fails only under on_error = fail");
    return out;
}

static int fz_slice_is(const Vec *v, uint32_t row, const char *p, size_t n)
{
    return !vec_is_null(v, row) && v->u.s[row].n == n && memcmp(v->u.s[row].p, p, n) == 0;
}

/* Compare a decoded text/json column with what jansson found at the same place. */
static void fz_compare(const Vec *v, json_t *j, int as_json)
{
    if (!j || json_is_null(j)) {
        fz_check(vec_is_null(v, 0), "NULL where jansson has null or nothing");
        return;
    }
    fz_check(!vec_is_null(v, 0), "value where jansson has one");
    if (json_is_string(j) && !as_json) {
        fz_check(fz_slice_is(v, 0, json_string_value(j), json_string_length(j)), "string equals jansson's");
        return;
    }
    if (json_is_true(j) && !as_json) {
        fz_check(fz_slice_is(v, 0, "true", 4), "true");
        return;
    }
    if (json_is_false(j) && !as_json) {
        fz_check(fz_slice_is(v, 0, "false", 5), "false");
        return;
    }
    if (json_is_number(j) && !as_json)
        return; /* weir keeps the number's text; jansson keeps only its value */
    json_error_t je;
    json_t *mine = json_loadb((const char *)v->u.s[0].p, v->u.s[0].n, JSON_DECODE_ANY, &je);
    fz_check(mine != NULL, "JSON text reparses");
    /* numbers can differ in form (1.0 vs 1e0) but not in value: json_equal compares values */
    fz_check(json_equal(mine, j), "JSON text equals jansson's value");
    json_decref(mine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!fz_djson)
        fz_init();
    if (size > 65536)
        return 0;
    Arena *a = arena_create(NULL, (size_t)256 << 20);
    DecodeRecord one;
    memset(&one, 0, sizeof(one));
    one.data = (Slice){data, size};
    one.arrival_usec = INT64_MIN;

    DecodeOut o = fz_run(fz_djson, &one, 1, a);
    fz_check_out(fz_json, &o, &one, 1, fz_n_json);
    o = fz_run(fz_dcsv, &one, 1, a);
    fz_check_out(fz_csv, &o, &one, 1, fz_n_csv);

    /* differential: jansson as the oracle for documents it accepts */
    o = fz_run(fz_dtext, &one, 1, a);
    fz_check_out(fz_text, &o, &one, 1, fz_n_text);
    json_error_t je;
    /* jansson quietly accepts a NUL byte right after a number ("1\0,"), which is not JSON: leave inputs
     * with NUL bytes out of the comparison */
    json_t *doc = memchr(data, 0, size) ? NULL : json_loadb((const char *)data, size, 0, &je);
    if (doc) {
        fz_check(o.valid[0] == 1, "a document jansson accepts is valid");
        json_t *x = json_object_get(doc, "x");
        json_t *obj = json_object_get(doc, "o");
        fz_compare(&o.batch->cols[0], json_object_get(doc, "a"), 0);
        fz_compare(&o.batch->cols[1], json_is_array(x) ? json_array_get(x, 0) : json_object_get(x, "0"), 0);
        fz_compare(&o.batch->cols[2], obj, 1);
        fz_compare(&o.batch->cols[3], json_object_get(obj, "k"), 0);
        fz_compare(&o.batch->cols[4], doc, 1);
        json_decref(doc);
    }

    /* a batch: one record per line */
    DecodeRecord recs[64];
    uint32_t n = 0;
    size_t s = 0;
    while (s <= size && n < 64) {
        const uint8_t *nl = s < size ? memchr(data + s, '\n', size - s) : NULL;
        size_t e = nl ? (size_t)(nl - data) : size;
        memset(&recs[n], 0, sizeof(recs[n]));
        recs[n].data = (Slice){data + s, e - s};
        recs[n].arrival_usec = INT64_MIN;
        n++;
        if (!nl)
            break;
        s = e + 1;
    }
    o = fz_run(fz_djson, recs, n, a);
    fz_check_out(fz_json, &o, recs, n, fz_n_json);
    arena_destroy(&a);
    return 0;
}
