/*
 * fn_json.c: json and jsonb operators and functions: -> ->> #> #>> (text keys, integer indexes that may
 * count from the end, text[] paths), json(b)_typeof, json(b)_array_length, json(b)_extract_path(_text),
 * to_json(b), json(b)_build_object / _array, jsonb_pretty, the jsonb operators ? ?| ?& @> <@ || - and
 * the jsonb comparison operators, with PostgreSQL 15's results and errors.
 *
 * Representation (sql/types.h): both types hold JSON text. A json value is the text as written (already
 * validated); a jsonb value is PostgreSQL's canonical text (sql/jsonb.h: sorted unique keys, minimal
 * escapes, '{"a": 1, "b": [1, 2]}' spacing). So the extraction operators work on the text directly with
 * a small scanner (js_*): they find the member or element and return a Slice into the argument -- no
 * copy, no tree -- and only ->> of a string value decodes its escapes into the batch arena. For json,
 * a repeated key yields its last value, as PostgreSQL's json_object_field does; for jsonb, a top-level
 * scalar behaves as a one-element array ('1'::jsonb -> 0 is 1), as in PostgreSQL.
 *
 * The jsonb operators that need structure (comparison, containment, ?, ||, -, jsonb_pretty) parse
 * their operands into a small tree (JNode) in the batch arena. Comparison follows PostgreSQL's
 * compareJsonbContainers: containers first by size (pairs or elements), then member by member in storage
 * order; different kinds order null < string < number < boolean < array < object; strings bytewise
 * (collation "C"), numbers by value (so 1.0 = 1).
 *
 * Building JSON (to_json, json_build_*): values become JSON the way PostgreSQL's datum_to_json does:
 * numbers as they print (NaN and infinities quoted), booleans true/false, timestamps in ISO 8601 with a
 * 'T' ("2024-01-02T03:04:05+00:00"), text escaped, json/jsonb embedded as is, arrays (text form) as JSON
 * arrays. The jsonb variants build json text and canonicalise it with sql_jsonb_normalize.
 *
 * Input that is not valid JSON cannot reach these kernels through typeio, but values built elsewhere
 * might: the scanner is bounds-checked throughout and reports 22P02 "invalid input syntax for type json".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/datetime.h"
#include "sql/fn_int.h"
#include "sql/jsonb.h"
#include "sql/numeric.h"

#define FN_MAX_STRING ((size_t)0x3FFFFFFF - 4)

static int json_syntax_error(SqlFnCtx *ctx)
{
    return sql_error_set(ctx->err, "22P02", 0, "invalid input syntax for type json");
}

/* ------------------------------------------------------------------------------------------------
 * Scanner over JSON text
 * ---------------------------------------------------------------------------------------------- */

static inline const uint8_t *js_ws(const uint8_t *p, const uint8_t *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* p at '"': the position after the closing quote, or NULL. */
static const uint8_t *js_skip_string(const uint8_t *p, const uint8_t *end)
{
    p++;
    while (p < end) {
        const uint8_t *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return NULL;
        /* the quote ends the string unless an odd number of backslashes precede it */
        size_t bs = 0;
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (!(bs & 1))
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

/* p at the first byte of a value: the position after it, or NULL when malformed. Containers are
 * skipped by counting brackets outside strings. */
static const uint8_t *js_skip_value(const uint8_t *p, const uint8_t *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return js_skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            uint8_t c = *p;
            if (c == '"') {
                p = js_skip_string(p, end);
                if (!p)
                    return NULL;
                continue;
            }
            if (c == '{' || c == '[')
                depth++;
            else if (c == '}' || c == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const uint8_t *s = p;
    while (p < end && ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || *p == '-' || *p == '+' ||
                       *p == '.' || *p == 'E'))
        p++;
    return p > s ? p : NULL;
}

/* The value p[0..n) with surrounding white space removed. */
static Slice js_trim(Slice v)
{
    const uint8_t *p = js_ws(v.p, v.p + v.n), *end = v.p + v.n;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    return (Slice){p, (size_t)(end - p)};
}

enum { JT_NULL, JT_STRING, JT_NUMBER, JT_BOOL, JT_ARRAY, JT_OBJECT, JT_BAD };

static int js_kind(Slice v)
{
    if (v.n == 0)
        return JT_BAD;
    switch (v.p[0]) {
    case '{':
        return JT_OBJECT;
    case '[':
        return JT_ARRAY;
    case '"':
        return JT_STRING;
    case 't':
    case 'f':
        return JT_BOOL;
    case 'n':
        return JT_NULL;
    default:
        return JT_NUMBER;
    }
}

static const char *const js_kind_name[] = {"null", "string", "number", "boolean", "array", "object"};

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int js_u4(const uint8_t *p, const uint8_t *end, uint32_t *out)
{
    if (end - p < 4)
        return -1;
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(p[k]);
        if (h < 0)
            return -1;
        v = v << 4 | (uint32_t)h;
    }
    *out = v;
    return 0;
}

/* Decode the string token raw (with its quotes) into UTF-8 at out (at least raw.n bytes: decoding
 * never grows). Returns the length, -1 when malformed, -2 for \u0000 (which text cannot hold). */
static ptrdiff_t js_decode(Slice raw, uint8_t *out)
{
    const uint8_t *p = raw.p + 1, *end = raw.p + raw.n - 1;
    uint8_t *o = out;
    while (p < end) {
        const uint8_t *bs = memchr(p, '\\', (size_t)(end - p));
        const uint8_t *stop = bs ? bs : end;
        memcpy(o, p, (size_t)(stop - p));
        o += stop - p;
        p = stop;
        if (!bs)
            break;
        if (p + 1 >= end)
            return -1;
        uint8_t c = p[1];
        p += 2;
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '/':
            *o++ = '/';
            break;
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            uint32_t cp;
            if (js_u4(p, end, &cp))
                return -1;
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                uint32_t lo;
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || js_u4(p + 2, end, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF)
                    return -1;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return -1;
            }
            if (cp == 0)
                return -2;
            o += fn_utf8_encode(cp, o);
            break;
        }
        default:
            return -1;
        }
    }
    return o - out;
}

/* Decode raw and compare it with key. */
static int js_key_eq_slow(Slice raw, Slice key)
{
    size_t inner = raw.n - 2;
    uint8_t stackbuf[256];
    uint8_t *buf = inner <= sizeof(stackbuf) ? stackbuf : xmalloc(inner);
    ptrdiff_t n = js_decode(raw, buf);
    int eq = n >= 0 && (size_t)n == key.n && (n == 0 || memcmp(buf, key.p, key.n) == 0);
    if (buf != stackbuf)
        free(buf);
    return eq;
}

/* Whether the string token raw (quotes included) decodes to exactly key. Decoding only shrinks a string,
 * so a token shorter than the key cannot match, and one without backslashes matches only byte for byte
 * (the common case, decided without looking for escapes when the lengths differ). */
static int js_key_eq(Slice raw, Slice key)
{
    size_t inner = raw.n - 2;
    if (inner < key.n)
        return 0;
    if (inner == key.n && (inner == 0 || memcmp(raw.p + 1, key.p, inner) == 0))
        return !memchr(raw.p + 1, '\\', inner) || inner == 0 ? 1 : js_key_eq_slow(raw, key);
    if (!memchr(raw.p + 1, '\\', inner))
        return 0;
    return js_key_eq_slow(raw, key);
}

/* Member key of object v (trimmed), or the last/first one when keys repeat. Returns 1 and *out, 0
 * when absent, -1 when malformed. */
static int js_object_get(Slice v, Slice key, int last, Slice *out)
{
    const uint8_t *p = v.p + 1, *end = v.p + v.n;
    int found = 0;
    p = js_ws(p, end);
    if (p < end && *p == '}')
        return 0;
    while (p < end) {
        if (*p != '"')
            return -1;
        const uint8_t *ke = js_skip_string(p, end);
        if (!ke)
            return -1;
        Slice k = {p, (size_t)(ke - p)};
        p = js_ws(ke, end);
        if (p >= end || *p != ':')
            return -1;
        p = js_ws(p + 1, end);
        const uint8_t *ve = js_skip_value(p, end);
        if (!ve)
            return -1;
        if (js_key_eq(k, key)) {
            *out = (Slice){p, (size_t)(ve - p)};
            found = 1;
            if (!last)
                return 1;
        }
        p = js_ws(ve, end);
        if (p < end && *p == ',') {
            p = js_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return found;
        return -1;
    }
    return -1;
}

/* Element count of array v, or -1 when malformed. */
static int64_t js_array_len(Slice v)
{
    const uint8_t *p = js_ws(v.p + 1, v.p + v.n), *end = v.p + v.n;
    if (p < end && *p == ']')
        return 0;
    int64_t n = 0;
    while (p < end) {
        const uint8_t *ve = js_skip_value(p, end);
        if (!ve)
            return -1;
        n++;
        p = js_ws(ve, end);
        if (p < end && *p == ',') {
            p = js_ws(p + 1, end);
            continue;
        }
        return p < end && *p == ']' ? n : -1;
    }
    return -1;
}

/* Element idx of array v (negative: from the end). 1 found, 0 absent, -1 malformed. */
static int js_array_get(Slice v, int64_t idx, Slice *out)
{
    if (idx < 0) {
        int64_t n = js_array_len(v);
        if (n < 0)
            return -1;
        idx += n;
        if (idx < 0)
            return 0;
    }
    const uint8_t *p = js_ws(v.p + 1, v.p + v.n), *end = v.p + v.n;
    if (p < end && *p == ']')
        return 0;
    for (int64_t k = 0; p < end; k++) {
        const uint8_t *ve = js_skip_value(p, end);
        if (!ve)
            return -1;
        if (k == idx) {
            *out = (Slice){p, (size_t)(ve - p)};
            return 1;
        }
        p = js_ws(ve, end);
        if (p < end && *p == ',') {
            p = js_ws(p + 1, end);
            continue;
        }
        return p < end && *p == ']' ? 0 : -1;
    }
    return -1;
}

/* Parse a path element as an array index the way PostgreSQL does (an optional sign and digits). */
static int path_index(Slice s, int64_t *out)
{
    size_t k = 0;
    int neg = 0;
    if (k < s.n && (s.p[k] == '-' || s.p[k] == '+'))
        neg = s.p[k++] == '-';
    if (k == s.n || s.n - k > 18)
        return -1;
    int64_t v = 0;
    for (; k < s.n; k++) {
        if (s.p[k] < '0' || s.p[k] > '9')
            return -1;
        v = v * 10 + (s.p[k] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * Extraction: -> ->> #> #>> json(b)_extract_path(_text)
 * ---------------------------------------------------------------------------------------------- */

/* Set out row i from the extracted value v: as json/jsonb (as_text 0) or as text (as_text 1: strings
 * decoded, JSON null becomes SQL NULL, other values their JSON text). */
static int emit(SqlFnCtx *ctx, Vec *out, uint32_t i, Slice v, int as_text, FnStr *w)
{
    if (!as_text) {
        out->u.s[i] = v;
        return WEIR_OK;
    }
    int kind = js_kind(v);
    if (kind == JT_NULL)
        return fn_set_null(ctx, out, i);
    if (kind != JT_STRING) {
        out->u.s[i] = v;
        return WEIR_OK;
    }
    if (!memchr(v.p, '\\', v.n)) {
        out->u.s[i] = (Slice){v.p + 1, v.n - 2};
        return WEIR_OK;
    }
    uint8_t *d = fn_str_reserve(w, v.n);
    if (!d)
        return WEIR_ERROR;
    ptrdiff_t n = js_decode(v, d);
    if (n == -2) {
        int fresh = ctx->err && !ctx->err->sqlstate[0];
        sql_error_set(ctx->err, "22P05", 0, "unsupported Unicode escape sequence");
        if (fresh)
            snprintf(ctx->err->detail, sizeof(ctx->err->detail), "\\u0000 cannot be converted to text.");
        return WEIR_ERROR;
    }
    if (n < 0)
        return json_syntax_error(ctx);
    out->u.s[i] = fn_str_take(w, (size_t)n);
    return WEIR_OK;
}

/* One step: member key (is_index 0) or element idx of v. 1 found, 0 absent, -1 malformed. jsonb
 * treats a top-level scalar as a one-element array for indexes (top says v is the whole value). */
static int step(Slice v, int is_jsonb, int top, int is_index, Slice key, int64_t idx, Slice *out)
{
    int kind = js_kind(v);
    if (is_index) {
        if (kind == JT_ARRAY)
            return js_array_get(v, idx, out);
        if (is_jsonb && top && kind != JT_OBJECT && kind != JT_BAD) {
            if (idx == 0 || idx == -1) {
                *out = v;
                return 1;
            }
            return 0;
        }
        return kind == JT_BAD ? -1 : 0;
    }
    if (kind == JT_OBJECT)
        return js_object_get(v, key, !is_jsonb, out);
    return kind == JT_BAD ? -1 : 0;
}

/* -> / ->> with a text key (args[1] TEXT) or an integer index (INT4). */
static int field_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int is_jsonb, int as_text)
{
    int is_index = args[1].type.id != SQL_TEXT;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice v = js_trim(args[0].u.s[i]), r;
        Slice key = is_index ? (Slice){NULL, 0} : args[1].u.s[i];
        int64_t idx = is_index ? args[1].u.i[i] : 0;
        int f = step(v, is_jsonb, 1, is_index, key, idx, &r);
        if (f < 0)
            return json_syntax_error(ctx);
        if (f == 0) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        if (emit(ctx, out, i, r, as_text, &w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_json_field)
{
    UNUSED(n_args);
    return field_kernel(ctx, args, out, 0, 0);
}
SQL_FN_KERNEL(fn_json_field_text)
{
    UNUSED(n_args);
    return field_kernel(ctx, args, out, 0, 1);
}
SQL_FN_KERNEL(fn_jsonb_field)
{
    UNUSED(n_args);
    return field_kernel(ctx, args, out, 1, 0);
}
SQL_FN_KERNEL(fn_jsonb_field_text)
{
    UNUSED(n_args);
    return field_kernel(ctx, args, out, 1, 1);
}

/* Follow path (n elements) from v. 1 found (*r), 0 absent, -1 malformed. A path element addresses an
 * object member by name or an array element by its index (non-integers give no result there). */
static int follow(Slice v, const Slice *path, size_t n, int is_jsonb, Slice *r)
{
    Slice cur = v;
    for (size_t k = 0; k < n; k++) {
        if (!path[k].p)
            return 0; /* a NULL path element matches nothing */
        int kind = js_kind(cur);
        int64_t idx = 0;
        int is_index = kind == JT_ARRAY || (is_jsonb && k == 0 && kind != JT_OBJECT);
        if (is_index && path_index(path[k], &idx))
            return 0;
        Slice next;
        int f = step(cur, is_jsonb, k == 0, is_index, path[k], idx, &next);
        if (f <= 0)
            return f;
        cur = js_trim(next);
    }
    *r = cur;
    return 1;
}

/* #> / #>> with a text[] path (text form). */
static int path_op_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int is_jsonb, int as_text)
{
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice *path;
        int np = fn_array_parse_text(ctx, args[1].u.s[i], &path);
        if (np < 0)
            return WEIR_ERROR;
        Slice r;
        int f = follow(js_trim(args[0].u.s[i]), path, (size_t)np, is_jsonb, &r);
        if (f < 0)
            return json_syntax_error(ctx);
        if (f == 0) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        if (emit(ctx, out, i, r, as_text, &w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_json_path)
{
    UNUSED(n_args);
    return path_op_kernel(ctx, args, out, 0, 0);
}
SQL_FN_KERNEL(fn_json_path_text)
{
    UNUSED(n_args);
    return path_op_kernel(ctx, args, out, 0, 1);
}
SQL_FN_KERNEL(fn_jsonb_path)
{
    UNUSED(n_args);
    return path_op_kernel(ctx, args, out, 1, 0);
}
SQL_FN_KERNEL(fn_jsonb_path_text)
{
    UNUSED(n_args);
    return path_op_kernel(ctx, args, out, 1, 1);
}

/* json(b)_extract_path(_text)(v, VARIADIC path): the path elements are the arguments after the first. */
static int extract_path_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int is_jsonb,
                               int as_text)
{
    FnStr w;
    fn_str_init(&w, ctx);
    Slice *path = ARENA_NEW(ctx->arena, Slice, n_args);
    if (!path)
        return fn_error_oom(ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        for (uint32_t k = 1; k < n_args; k++)
            path[k - 1] = args[k].u.s[i];
        Slice r;
        int f = follow(js_trim(args[0].u.s[i]), path, n_args - 1, is_jsonb, &r);
        if (f < 0)
            return json_syntax_error(ctx);
        if (f == 0) {
            if (fn_set_null(ctx, out, i))
                return WEIR_ERROR;
            continue;
        }
        if (emit(ctx, out, i, r, as_text, &w))
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_json_extract_path)
{
    return extract_path_kernel(ctx, args, n_args, out, 0, 0);
}
SQL_FN_KERNEL(fn_json_extract_path_text)
{
    return extract_path_kernel(ctx, args, n_args, out, 0, 1);
}
SQL_FN_KERNEL(fn_jsonb_extract_path)
{
    return extract_path_kernel(ctx, args, n_args, out, 1, 0);
}
SQL_FN_KERNEL(fn_jsonb_extract_path_text)
{
    return extract_path_kernel(ctx, args, n_args, out, 1, 1);
}

/* ------------------------------------------------------------------------------------------------
 * typeof, array_length
 * ---------------------------------------------------------------------------------------------- */

SQL_FN_KERNEL(fn_json_typeof)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        int k = js_kind(js_trim(args[0].u.s[i]));
        if (k == JT_BAD)
            return json_syntax_error(ctx);
        out->u.s[i] = slice_from_cstr(js_kind_name[k]);
    }
    return WEIR_OK;
}

static int array_length_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice v = js_trim(args[0].u.s[i]);
        int k = js_kind(v);
        if (k == JT_OBJECT)
            return sql_error_set(ctx->err, "22023", 0, "cannot get array length of a non-array");
        if (k != JT_ARRAY)
            return k == JT_BAD ? json_syntax_error(ctx)
                               : sql_error_set(ctx->err, "22023", 0, "cannot get array length of a scalar");
        int64_t n = js_array_len(v);
        if (n < 0)
            return json_syntax_error(ctx);
        out->u.i[i] = n;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_json_array_length)
{
    UNUSED(n_args);
    return array_length_kernel(ctx, args, out);
}

/* ------------------------------------------------------------------------------------------------
 * Building JSON text from SQL values
 * ---------------------------------------------------------------------------------------------- */

/* Nonzero when a byte of the 8 in w must be escaped in a JSON string: below 0x20, '"' or '\\' (the
 * "has a byte less than n / equal to c" word tricks; exact for "any", bytes >= 0x80 never match). */
static inline uint64_t json_word_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"'), s = w ^ (ones * '\\');
    return (((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((s - ones) & ~s)) & high;
}

/* Append s as a JSON string: quotes, and escapes for '"', '\\' and control characters (as PostgreSQL's
 * escape_json: \b \f \n \r \t, others \u00XX). Text that needs no escape (nearly all) is found eight
 * bytes at a time and copied at once. */
int sql_json_append_string(Buf *b, const uint8_t *p, size_t n)
{
    size_t plain = 0;
    while (plain + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + plain, 8);
        if (json_word_special(w))
            break;
        plain += 8;
    }
    while (plain < n && p[plain] >= 0x20 && p[plain] != '"' && p[plain] != '\\')
        plain++;
    if (plain == n) {
        if (n > SIZE_MAX - 2 || buf_reserve(b, n + 2))
            return WEIR_ELIMIT;
        uint8_t *o = b->p + b->len;
        o[0] = '"';
        if (n)
            memcpy(o + 1, p, n);
        o[n + 1] = '"';
        b->len += n + 2;
        b->p[b->len] = '\0';
        return WEIR_OK;
    }
    int rc = buf_append_byte(b, '"');
    size_t run = 0;
    for (size_t k = plain; k < n && !rc; k++) {
        uint8_t c = p[k];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rc = buf_append(b, p + run, k - run);
        run = k + 1;
        if (rc)
            break;
        switch (c) {
        case '"':
            rc = buf_append_cstr(b, "\\\"");
            break;
        case '\\':
            rc = buf_append_cstr(b, "\\\\");
            break;
        case '\b':
            rc = buf_append_cstr(b, "\\b");
            break;
        case '\f':
            rc = buf_append_cstr(b, "\\f");
            break;
        case '\n':
            rc = buf_append_cstr(b, "\\n");
            break;
        case '\r':
            rc = buf_append_cstr(b, "\\r");
            break;
        case '\t':
            rc = buf_append_cstr(b, "\\t");
            break;
        default:
            rc = buf_printf(b, "\\u%04x", c);
            break;
        }
    }
    if (!rc)
        rc = buf_append(b, p + run, n - run);
    if (!rc)
        rc = buf_append_byte(b, '"');
    return rc;
}

/* "00".."99": two digits at a time (SQLite's and jq's number writers do the same). */
static const char json_d2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* x >= 0 in decimal, zero-padded to at least w digits (printf's "%0*d"), at o; returns the end. */
static char *json_put_int(char *o, int x, int w)
{
    if (x < 100 && w == 2) {
        memcpy(o, json_d2 + 2 * x, 2);
        return o + 2;
    }
    if (x >= 1000 && x < 10000 && w <= 4) {
        memcpy(o, json_d2 + 2 * (x / 100), 2);
        memcpy(o + 2, json_d2 + 2 * (x % 100), 2);
        return o + 4;
    }
    /* years before 1000 or after 9999, and offsets of many hours: rare enough for printf */
    return o + snprintf(o, 16, "%0*d", w, x);
}

/* A timestamp in the ISO 8601 form JSON uses (EncodeDateTime with XSD dates): "2024-01-02T03:04:05.5",
 * with "+00:00" for timestamptz. Dates: "2024-01-02". Infinite values: "infinity" / "-infinity".
 * Written digit by digit into a stack buffer, not with printf: continuous queries write every timestamp
 * of every result row this way, and printf's format parsing was most of their output cost. */
static int json_append_datetime(SqlFnCtx *ctx, SqlTypeId t, int64_t v, Buf *b)
{
    if (v == SQL_DT_NOEND || v == SQL_DT_NOBEGIN)
        return buf_append_cstr(b, v == SQL_DT_NOEND ? "\"infinity\"" : "\"-infinity\"");
    char s[80]; /* '"', a year of up to 10 digits, "-MM-DDTHH:MM:SS.ffffff+HH:MM:SS BC", '"' */
    char *o = s;
    *o++ = '"';
    SqlTm tm;
    if (t == SQL_DATE) {
        int y, m, d;
        sql_j2date((int)(v + SQL_POSTGRES_EPOCH_JDATE), &y, &m, &d);
        tm = (SqlTm){.year = y, .mon = m, .mday = d};
    } else if (sql_timestamp2tm(v, t == SQL_TIMESTAMPTZ ? ctx->fmt->tz : NULL, &tm)) {
        return sql_error_set(ctx->err, "22008", 0, "timestamp out of range"), WEIR_ERROR;
    }
    o = json_put_int(o, tm.year > 0 ? tm.year : 1 - tm.year, 4);
    *o++ = '-';
    o = json_put_int(o, tm.mon, 2);
    *o++ = '-';
    o = json_put_int(o, tm.mday, 2);
    if (t != SQL_DATE) {
        *o++ = 'T';
        o = json_put_int(o, tm.hour, 2);
        *o++ = ':';
        o = json_put_int(o, tm.min, 2);
        *o++ = ':';
        o = json_put_int(o, tm.sec, 2);
        if (tm.usec) {
            /* the fraction without its trailing zeros */
            int u = (int)tm.usec;
            *o++ = '.';
            json_put_int(o, u / 10000, 2);
            json_put_int(o + 2, u / 100 % 100, 2);
            json_put_int(o + 4, u % 100, 2);
            int fl = 6;
            while (fl > 0 && o[fl - 1] == '0')
                fl--;
            o += fl;
        }
        if (t == SQL_TIMESTAMPTZ) {
            int32_t off = tm.gmtoff;
            *o++ = off < 0 ? '-' : '+';
            if (off < 0)
                off = -off;
            o = json_put_int(o, off / 3600, 2);
            *o++ = ':';
            o = json_put_int(o, off / 60 % 60, 2);
            if (off % 60) {
                *o++ = ':';
                o = json_put_int(o, off % 60, 2);
            }
        }
    }
    if (tm.year <= 0) {
        memcpy(o, " BC", 3);
        o += 3;
    }
    *o++ = '"';
    return buf_append(b, s, (size_t)(o - s));
}

static int is_numeric_type(SqlTypeId t)
{
    return t == SQL_INT2 || t == SQL_INT4 || t == SQL_INT8 || t == SQL_FLOAT4 || t == SQL_FLOAT8 ||
           t == SQL_NUMERIC || t == SQL_OID;
}

/* A text[]-form array as a JSON array of elements of type elem. */
static int json_append_array(SqlFnCtx *ctx, SqlTypeId elem, Slice arr, Buf *b)
{
    Slice *el;
    int n = fn_array_parse_text(ctx, arr, &el);
    if (n < 0)
        return WEIR_ERROR;
    int rc = buf_append_byte(b, '[');
    for (int k = 0; k < n && !rc; k++) {
        if (k)
            rc = buf_append_byte(b, ',');
        if (rc)
            break;
        if (!el[k].p)
            rc = buf_append_cstr(b, "null");
        else if (is_numeric_type(elem) && el[k].n &&
                 !((el[k].p[0] | 0x20) == 'n' || (el[k].p[0] | 0x20) == 'i' ||
                   ((el[k].p[0] == '-') && el[k].n > 1 && (el[k].p[1] | 0x20) == 'i')))
            rc = buf_append(b, el[k].p, el[k].n);
        else if (elem == SQL_BOOL)
            rc = buf_append_cstr(b, el[k].n && el[k].p[0] == 't' ? "true" : "false");
        else if (elem == SQL_JSON || elem == SQL_JSONB)
            rc = buf_append(b, el[k].p, el[k].n);
        else
            rc = sql_json_append_string(b, el[k].p, el[k].n);
    }
    if (!rc)
        rc = buf_append_byte(b, ']');
    return rc;
}

/* Row `row` of v as JSON (datum_to_json). key: the value is an object key (always a JSON string;
 * json, jsonb and arrays are refused). */
static int json_append_value(SqlFnCtx *ctx, const Vec *v, uint32_t row, int key, Buf *b)
{
    SqlTypeId t = v->type.id;
    if (vec_is_null(v, row))
        return buf_append_cstr(b, "null");
    if (key && (t == SQL_JSON || t == SQL_JSONB || SQL_IS_ARRAY(t) || t == SQL_RECORD))
        return sql_error_set(ctx->err, "22023", 0, "key value must be scalar, not array, composite, or json");
    int rc;
    Buf tmp;
    switch (t) {
    case SQL_BOOL:
        rc = buf_append_cstr(b, key ? (v->u.b[row] ? "\"true\"" : "\"false\"")
                                    : (v->u.b[row] ? "true" : "false"));
        break;
    case SQL_JSON:
    case SQL_JSONB: {
        Slice s = js_trim(v->u.s[row]);
        rc = buf_append(b, s.p, s.n);
        break;
    }
    case SQL_DATE:
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        rc = json_append_datetime(ctx, t, v->u.i[row], b);
        if (rc == WEIR_ERROR)
            return WEIR_ERROR;
        break;
    case SQL_TEXT:
    case SQL_VARCHAR:
    case SQL_NAME:
    case SQL_CHAR:
    case SQL_UNKNOWN:
    case SQL_BPCHAR:
        /* the text as fn_value_text gives it, escaped straight from the value */
        rc = sql_json_append_string(b, v->u.s[row].p, v->u.s[row].n);
        break;
    case SQL_INT2:
    case SQL_INT4:
    case SQL_INT8:
    case SQL_OID: {
        /* as fn_value_text prints them (every one as the int64 it holds), straight into b: a value's Buf
         * cost a malloc per value */
        SqlValue iv = {.type = SQL_TYPE(SQL_INT8)};
        iv.u.i = v->u.i[row];
        rc = (key && buf_append_byte(b, '"')) || sql_value_to_text(&iv, ctx->fmt, b) ||
             (key && buf_append_byte(b, '"'));
        break;
    }
    case SQL_NUMERIC: {
        /* as it prints, from a stack buffer */
        char num[SQL_NUMERIC_TEXT_MAX + 2], *o = num + 1;
        size_t n = sql_numeric_format(&v->u.num[row], o);
        int finite = o[0] == '-' ? n > 1 && o[1] >= '0' && o[1] <= '9' : o[0] >= '0' && o[0] <= '9';
        if (finite && !key) {
            rc = buf_append(b, o, n); /* numbers bare; NaN and infinities, which JSON cannot hold, quoted */
        } else {
            num[0] = '"';
            o[n] = '"';
            rc = buf_append(b, num, n + 2); /* a key, or NaN / Infinity: no character needs escaping */
        }
        break;
    }
    default:
        if (SQL_IS_ARRAY(t)) {
            rc = json_append_array(ctx, SQL_ELEM_OF(t), v->u.s[row], b);
            if (rc == WEIR_ERROR)
                return WEIR_ERROR;
            break;
        }
        buf_init(&tmp, FN_MAX_STRING);
        rc = fn_value_text(ctx, v, row, &tmp);
        if (rc) {
            buf_fini(&tmp);
            return WEIR_ERROR;
        }
        if (is_numeric_type(t) && !key) {
            /* numbers as they print, except the non-finite ones, which JSON cannot hold */
            int finite = tmp.len && (tmp.p[0] == '-' ? tmp.len > 1 && tmp.p[1] >= '0' && tmp.p[1] <= '9'
                                                     : tmp.p[0] >= '0' && tmp.p[0] <= '9');
            rc = finite ? buf_append(b, tmp.p, tmp.len) : sql_json_append_string(b, tmp.p, tmp.len);
        } else {
            rc = sql_json_append_string(b, tmp.p, tmp.len);
        }
        buf_fini(&tmp);
        break;
    }
    if (rc)
        return ctx->err->sqlstate[0] ? WEIR_ERROR
                                     : sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
    return WEIR_OK;
}

int sql_json_append_value(const Vec *v, uint32_t row, const SqlFormatOpts *fmt, Arena *a, Buf *b, SqlError *err)
{
    SqlFnCtx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.n = 1;
    ctx.arena = a;
    ctx.fmt = fmt;
    ctx.err = err;
    return json_append_value(&ctx, v, row, 0, b);
}

/* Copy b into row i of out: json as is, jsonb canonicalised. */
static int json_result(SqlFnCtx *ctx, Vec *out, uint32_t i, const Buf *b, int is_jsonb, FnStr *w)
{
    if (is_jsonb)
        return sql_jsonb_normalize(b->p, b->len, ctx->arena, &out->u.s[i], ctx->err);
    return fn_str_copy(w, b->p, b->len, &out->u.s[i]);
}

static int to_json_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int is_jsonb)
{
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        buf_reset(&b);
        rc = json_append_value(ctx, &args[0], i, 0, &b);
        if (rc == WEIR_OK)
            rc = json_result(ctx, out, i, &b, is_jsonb, &w);
    }
    buf_fini(&b);
    return rc;
}

SQL_FN_KERNEL(fn_to_json)
{
    UNUSED(n_args);
    return to_json_kernel(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_to_jsonb)
{
    UNUSED(n_args);
    return to_json_kernel(ctx, args, out, 1);
}

static int build_error(SqlFnCtx *ctx, const char *msg, const char *hint)
{
    int fresh = ctx->err && !ctx->err->sqlstate[0];
    sql_error_set(ctx->err, "22023", 0, "%s", msg);
    if (fresh && hint)
        snprintf(ctx->err->hint, sizeof(ctx->err->hint), "%s", hint);
    return WEIR_ERROR;
}

/* json(b)_build_object(VARIADIC "any"): alternating keys (not NULL) and values. */
static int build_object_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int is_jsonb)
{
    if (n_args % 2)
        return build_error(
            ctx, "argument list must have even number of elements",
            is_jsonb ? "The arguments of jsonb_build_object() must consist of alternating keys and values."
                     : "The arguments of json_build_object() must consist of alternating keys and values.");
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        buf_reset(&b);
        int brc = buf_append_byte(&b, '{');
        for (uint32_t k = 0; k < n_args && !brc && rc == WEIR_OK; k += 2) {
            if (vec_is_null(&args[k], i)) {
                int fresh = ctx->err && !ctx->err->sqlstate[0];
                rc = sql_error_set(ctx->err, "22004", 0, "argument %u cannot be null", k + 1);
                if (fresh)
                    snprintf(ctx->err->hint, sizeof(ctx->err->hint), "Object keys should be text.");
                break;
            }
            if (k)
                brc = buf_append_cstr(&b, ", ");
            if (!brc)
                rc = json_append_value(ctx, &args[k], i, 1, &b);
            if (!brc && rc == WEIR_OK)
                brc = buf_append_cstr(&b, " : ");
            if (!brc && rc == WEIR_OK)
                rc = json_append_value(ctx, &args[k + 1], i, 0, &b);
        }
        if (rc)
            break;
        if (!brc)
            brc = buf_append_byte(&b, '}');
        if (brc) {
            rc = sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
            break;
        }
        rc = json_result(ctx, out, i, &b, is_jsonb, &w);
    }
    buf_fini(&b);
    return rc;
}

static int build_array_kernel(SqlFnCtx *ctx, const Vec *args, uint32_t n_args, Vec *out, int is_jsonb)
{
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        buf_reset(&b);
        int brc = buf_append_byte(&b, '[');
        for (uint32_t k = 0; k < n_args && !brc && rc == WEIR_OK; k++) {
            if (k)
                brc = buf_append_cstr(&b, ", ");
            if (!brc)
                rc = json_append_value(ctx, &args[k], i, 0, &b);
        }
        if (rc)
            break;
        if (!brc)
            brc = buf_append_byte(&b, ']');
        if (brc) {
            rc = sql_error_set(ctx->err, "54000", 0, "out of memory: string too long");
            break;
        }
        rc = json_result(ctx, out, i, &b, is_jsonb, &w);
    }
    buf_fini(&b);
    return rc;
}

SQL_FN_KERNEL(fn_json_build_object)
{
    return build_object_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_jsonb_build_object)
{
    return build_object_kernel(ctx, args, n_args, out, 1);
}
SQL_FN_KERNEL(fn_json_build_array)
{
    return build_array_kernel(ctx, args, n_args, out, 0);
}
SQL_FN_KERNEL(fn_jsonb_build_array)
{
    return build_array_kernel(ctx, args, n_args, out, 1);
}

/* ------------------------------------------------------------------------------------------------
 * jsonb trees: comparison, containment, existence, concatenation, deletion, pretty printing
 * ---------------------------------------------------------------------------------------------- */

typedef struct JNode JNode;
struct JNode {
    uint8_t kind; /* JT_* */
    uint8_t b;    /* JT_BOOL */
    uint8_t raw;  /* the top-level scalar of a jsonb, seen as a one-element array */
    uint32_t n;   /* elements, or pairs */
    Slice s;      /* JT_STRING: decoded; JT_NUMBER: its text; containers: their JSON text */
    JNode *kids;  /* arrays: n elements; objects: 2n nodes, key then value */
};

typedef struct JParse {
    SqlFnCtx *ctx;
    int depth;
} JParse;

static int jparse_value(JParse *jp, const uint8_t **pp, const uint8_t *end, JNode *node);

static int jparse_container(JParse *jp, const uint8_t **pp, const uint8_t *end, JNode *node, int object)
{
    const uint8_t *start = *pp, *p = js_ws(*pp + 1, end);
    uint8_t close = object ? '}' : ']';
    if (++jp->depth > SQL_JSON_MAX_DEPTH)
        return sql_error_set(jp->ctx->err, "54001", 0, "stack depth limit exceeded");
    /* count the members first so the children are one array */
    uint32_t n = 0;
    if (p < end && *p == close) {
        p++;
    } else {
        const uint8_t *q = p;
        for (;;) {
            if (object) {
                const uint8_t *ke = q < end && *q == '"' ? js_skip_string(q, end) : NULL;
                if (!ke)
                    return json_syntax_error(jp->ctx);
                q = js_ws(ke, end);
                if (q >= end || *q != ':')
                    return json_syntax_error(jp->ctx);
                q = js_ws(q + 1, end);
            }
            const uint8_t *ve = js_skip_value(q, end);
            if (!ve)
                return json_syntax_error(jp->ctx);
            n++;
            q = js_ws(ve, end);
            if (q < end && *q == ',') {
                q = js_ws(q + 1, end);
                continue;
            }
            if (q < end && *q == close)
                break;
            return json_syntax_error(jp->ctx);
        }
    }
    node->kind = object ? JT_OBJECT : JT_ARRAY;
    node->n = n;
    node->kids = n ? ARENA_NEW(jp->ctx->arena, JNode, object ? 2 * (size_t)n : n) : NULL;
    if (n && !node->kids)
        return fn_error_oom(jp->ctx);
    for (uint32_t k = 0; k < n; k++) {
        if (object) {
            JNode *key = &node->kids[2 * k];
            if (jparse_value(jp, &p, end, key))
                return WEIR_ERROR;
            p = js_ws(p, end);
            p = js_ws(p + 1, end); /* ':' */
            if (jparse_value(jp, &p, end, &node->kids[2 * k + 1]))
                return WEIR_ERROR;
        } else if (jparse_value(jp, &p, end, &node->kids[k])) {
            return WEIR_ERROR;
        }
        p = js_ws(p, end);
        p = js_ws(p + 1, end); /* ',' or the closing bracket */
    }
    if (n == 0)
        p = js_ws(start + 1, end) + 1;
    node->s = (Slice){start, (size_t)(p - start)};
    *pp = p;
    jp->depth--;
    return WEIR_OK;
}

static int jparse_value(JParse *jp, const uint8_t **pp, const uint8_t *end, JNode *node)
{
    const uint8_t *p = js_ws(*pp, end);
    memset(node, 0, sizeof(*node));
    if (p >= end)
        return json_syntax_error(jp->ctx);
    if (*p == '{' || *p == '[') {
        *pp = p;
        return jparse_container(jp, pp, end, node, *p == '{');
    }
    const uint8_t *e = js_skip_value(p, end);
    if (!e)
        return json_syntax_error(jp->ctx);
    Slice raw = {p, (size_t)(e - p)};
    node->kind = (uint8_t)js_kind(raw);
    if (node->kind == JT_STRING) {
        if (memchr(raw.p, '\\', raw.n)) {
            uint8_t *d = arena_try_alloc(jp->ctx->arena, raw.n);
            if (!d)
                return fn_error_oom(jp->ctx);
            ptrdiff_t n = js_decode(raw, d);
            if (n < 0)
                return json_syntax_error(jp->ctx);
            node->s = (Slice){d, (size_t)n};
        } else {
            node->s = (Slice){raw.p + 1, raw.n - 2};
        }
    } else {
        node->s = raw;
        node->b = raw.p[0] == 't';
    }
    *pp = e;
    return WEIR_OK;
}

/* Parse a whole jsonb value; a scalar becomes a raw one-element array, as jsonb stores it. */
static int jparse(SqlFnCtx *ctx, Slice v, JNode *root)
{
    JParse jp = {ctx, 0};
    const uint8_t *p = v.p;
    JNode tmp;
    if (jparse_value(&jp, &p, v.p + v.n, &tmp))
        return WEIR_ERROR;
    if (tmp.kind == JT_ARRAY || tmp.kind == JT_OBJECT) {
        *root = tmp;
        return WEIR_OK;
    }
    JNode *one = ARENA_NEW(ctx->arena, JNode, 1);
    if (!one)
        return fn_error_oom(ctx);
    *one = tmp;
    memset(root, 0, sizeof(*root));
    root->kind = JT_ARRAY;
    root->raw = 1;
    root->n = 1;
    root->kids = one;
    root->s = js_trim(v);
    return WEIR_OK;
}

static int num_cmp_text(Slice a, Slice b)
{
    SqlNumeric x, y;
    if (sql_numeric_parse((const char *)a.p, a.n, &x, NULL) == WEIR_OK &&
        sql_numeric_parse((const char *)b.p, b.n, &y, NULL) == WEIR_OK)
        return sql_numeric_cmp(&x, &y);
    /* beyond numeric's 38 digits: doubles decide (equal texts are equal) */
    if (a.n == b.n && memcmp(a.p, b.p, a.n) == 0)
        return 0;
    char ba[64], bb[64];
    snprintf(ba, sizeof(ba), "%.*s", (int)(a.n < 63 ? a.n : 63), (const char *)a.p);
    snprintf(bb, sizeof(bb), "%.*s", (int)(b.n < 63 ? b.n : 63), (const char *)b.p);
    double da = strtod(ba, NULL), db = strtod(bb, NULL);
    return (da > db) - (da < db);
}

static int str_cmp(Slice a, Slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c ? (c > 0 ? 1 : -1) : (a.n > b.n) - (a.n < b.n);
}

/* Scalars of one kind (compareJsonbScalarValue). */
static int scalar_cmp(const JNode *a, const JNode *b)
{
    switch (a->kind) {
    case JT_NULL:
        return 0;
    case JT_STRING:
        return str_cmp(a->s, b->s);
    case JT_NUMBER:
        return num_cmp_text(a->s, b->s);
    case JT_BOOL:
        return (a->b > b->b) - (a->b < b->b);
    default:
        return 0;
    }
}

/* PostgreSQL's jsonb order (see the file comment). */
static int jnode_cmp(const JNode *a, const JNode *b)
{
    if (a->kind != b->kind)
        return a->kind > b->kind ? 1
                                 : -1; /* JT_* follow jbvNull < String < Numeric < Bool < Array < Object */
    if (a->kind == JT_ARRAY) {
        int res = 0;
        if (a->raw != b->raw)
            res = a->raw ? -1 : 1;
        if (a->n != b->n)
            res = a->n > b->n ? 1 : -1;
        if (res)
            return res;
        for (uint32_t k = 0; k < a->n; k++) {
            int c = jnode_cmp(&a->kids[k], &b->kids[k]);
            if (c)
                return c;
        }
        return 0;
    }
    if (a->kind == JT_OBJECT) {
        if (a->n != b->n)
            return a->n > b->n ? 1 : -1;
        for (uint32_t k = 0; k < 2 * a->n; k++) {
            int c = jnode_cmp(&a->kids[k], &b->kids[k]);
            if (c)
                return c;
        }
        return 0;
    }
    return scalar_cmp(a, b);
}

/* Kernels over parsed jsonb pairs: body(ctx, a, b, i) sets out row i; returns WEIR_OK or error. */
#define JSONB_PAIR_KERNEL(name, ...)                                                                         \
    SQL_FN_KERNEL(name)                                                                                      \
    {                                                                                                        \
        UNUSED(n_args);                                                                                      \
        for (uint32_t i = 0; i < ctx->n; i++) {                                                              \
            if (fn_skip(out, i))                                                                             \
                continue;                                                                                    \
            JNode a, b;                                                                                      \
            if (jparse(ctx, args[0].u.s[i], &a) || jparse(ctx, args[1].u.s[i], &b))                          \
                return WEIR_ERROR;                                                                           \
            __VA_ARGS__                                                                                      \
        }                                                                                                    \
        return WEIR_OK;                                                                                      \
    }

JSONB_PAIR_KERNEL(fn_cmp_jsonb_eq, { out->u.b[i] = jnode_cmp(&a, &b) == 0; })
JSONB_PAIR_KERNEL(fn_cmp_jsonb_ne, { out->u.b[i] = jnode_cmp(&a, &b) != 0; })
JSONB_PAIR_KERNEL(fn_cmp_jsonb_lt, { out->u.b[i] = jnode_cmp(&a, &b) < 0; })
JSONB_PAIR_KERNEL(fn_cmp_jsonb_le, { out->u.b[i] = jnode_cmp(&a, &b) <= 0; })
JSONB_PAIR_KERNEL(fn_cmp_jsonb_gt, { out->u.b[i] = jnode_cmp(&a, &b) > 0; })
JSONB_PAIR_KERNEL(fn_cmp_jsonb_ge, { out->u.b[i] = jnode_cmp(&a, &b) >= 0; })

static const JNode *object_find(const JNode *obj, Slice key)
{
    for (uint32_t k = 0; k < obj->n; k++)
        if (str_cmp(obj->kids[2 * k].s, key) == 0)
            return &obj->kids[2 * k + 1];
    return NULL;
}

/* JsonbDeepContains: does a contain b (same container kind)? */
static int jnode_contains(const JNode *a, const JNode *b)
{
    if (a->kind == JT_OBJECT) {
        for (uint32_t k = 0; k < b->n; k++) {
            const JNode *bv = &b->kids[2 * k + 1];
            const JNode *av = object_find(a, b->kids[2 * k].s);
            if (!av)
                return 0;
            if (bv->kind == JT_ARRAY || bv->kind == JT_OBJECT) {
                if (av->kind != bv->kind || !jnode_contains(av, bv))
                    return 0;
            } else if (av->kind != bv->kind || scalar_cmp(av, bv) != 0) {
                return 0;
            }
        }
        return 1;
    }
    /* arrays: a raw scalar cannot contain a real array */
    if (a->raw && !b->raw)
        return 0;
    for (uint32_t k = 0; k < b->n; k++) {
        const JNode *bv = &b->kids[k];
        int found = 0;
        for (uint32_t j = 0; j < a->n && !found; j++) {
            const JNode *av = &a->kids[j];
            if (av->kind != bv->kind)
                continue;
            if (bv->kind == JT_ARRAY || bv->kind == JT_OBJECT)
                found = jnode_contains(av, bv);
            else
                found = scalar_cmp(av, bv) == 0;
        }
        if (!found)
            return 0;
    }
    return 1;
}

static int jsonb_contains(const JNode *a, const JNode *b)
{
    if ((a->kind == JT_OBJECT) != (b->kind == JT_OBJECT))
        return 0;
    return jnode_contains(a, b);
}

JSONB_PAIR_KERNEL(fn_jsonb_contains, { out->u.b[i] = (uint8_t)jsonb_contains(&a, &b); })
JSONB_PAIR_KERNEL(fn_jsonb_contained, { out->u.b[i] = (uint8_t)jsonb_contains(&b, &a); })

/* key exists as an object member, or as a string element of an array (top level only). */
static int jsonb_exists(const JNode *root, Slice key)
{
    if (root->kind == JT_OBJECT)
        return object_find(root, key) != NULL;
    for (uint32_t k = 0; k < root->n; k++)
        if (root->kids[k].kind == JT_STRING && str_cmp(root->kids[k].s, key) == 0)
            return 1;
    return 0;
}

SQL_FN_KERNEL(fn_jsonb_exists)
{
    UNUSED(n_args);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        JNode a;
        if (jparse(ctx, args[0].u.s[i], &a))
            return WEIR_ERROR;
        out->u.b[i] = (uint8_t)jsonb_exists(&a, args[1].u.s[i]);
    }
    return WEIR_OK;
}

/* ?| (any) and ?& (all) with a text[] of keys; NULL keys are ignored. */
static int exists_keys_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int all)
{
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        JNode a;
        Slice *keys;
        if (jparse(ctx, args[0].u.s[i], &a))
            return WEIR_ERROR;
        int n = fn_array_parse_text(ctx, args[1].u.s[i], &keys);
        if (n < 0)
            return WEIR_ERROR;
        int res = all;
        for (int k = 0; k < n; k++) {
            if (!keys[k].p)
                continue;
            int e = jsonb_exists(&a, keys[k]);
            if (all && !e) {
                res = 0;
                break;
            }
            if (!all && e) {
                res = 1;
                break;
            }
        }
        out->u.b[i] = (uint8_t)res;
    }
    return WEIR_OK;
}

SQL_FN_KERNEL(fn_jsonb_exists_any)
{
    UNUSED(n_args);
    return exists_keys_kernel(ctx, args, out, 0);
}
SQL_FN_KERNEL(fn_jsonb_exists_all)
{
    UNUSED(n_args);
    return exists_keys_kernel(ctx, args, out, 1);
}

/* Write node as JSON text (any spacing: the result is canonicalised afterwards). */
static int jnode_write(const JNode *n, Buf *b)
{
    switch (n->kind) {
    case JT_STRING:
        return sql_json_append_string(b, n->s.p, n->s.n);
    case JT_ARRAY:
        if (n->raw)
            return jnode_write(&n->kids[0], b);
        /* fall through */
    default:
        return buf_append(b, n->s.p, n->s.n);
    }
}

/* jsonb || jsonb: objects merge (the right side wins), otherwise both sides become arrays that are
 * concatenated (a scalar or object counts as a one-element array). */
JSONB_PAIR_KERNEL(fn_jsonb_concat, {
    Buf buf;
    buf_init(&buf, FN_MAX_STRING);
    int brc = 0;
    if (a.kind == JT_OBJECT && b.kind == JT_OBJECT) {
        brc = buf_append_byte(&buf, '{');
        int first = 1;
        for (uint32_t k = 0; k < a.n && !brc; k++) {
            if (object_find(&b, a.kids[2 * k].s))
                continue; /* replaced by the right side */
            brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(&a.kids[2 * k], &buf) ||
                  buf_append_byte(&buf, ':') || jnode_write(&a.kids[2 * k + 1], &buf);
            first = 0;
        }
        for (uint32_t k = 0; k < b.n && !brc; k++) {
            brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(&b.kids[2 * k], &buf) ||
                  buf_append_byte(&buf, ':') || jnode_write(&b.kids[2 * k + 1], &buf);
            first = 0;
        }
        brc = brc || buf_append_byte(&buf, '}');
    } else {
        brc = buf_append_byte(&buf, '[');
        int first = 1;
        const JNode *sides[2] = {&a, &b};
        for (int s = 0; s < 2 && !brc; s++) {
            const JNode *side = sides[s];
            if (side->kind == JT_OBJECT) {
                brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(side, &buf);
                first = 0;
                continue;
            }
            for (uint32_t k = 0; k < side->n && !brc; k++) {
                brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(&side->kids[k], &buf);
                first = 0;
            }
        }
        brc = brc || buf_append_byte(&buf, ']');
    }
    int rc = brc ? sql_error_set(ctx->err, "54000", 0, "out of memory: string too long")
                 : sql_jsonb_normalize(buf.p, buf.len, ctx->arena, &out->u.s[i], ctx->err);
    buf_fini(&buf);
    if (rc)
        return WEIR_ERROR;
})

/* jsonb - text: drop the member (objects) or the string elements equal to it (arrays). jsonb - int:
 * drop the element at that index (from the end when negative). */
SQL_FN_KERNEL(fn_jsonb_delete)
{
    UNUSED(n_args);
    int by_index = args[1].type.id != SQL_TEXT;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        JNode a;
        if (jparse(ctx, args[0].u.s[i], &a))
            return WEIR_ERROR;
        if (a.raw)
            return sql_error_set(ctx->err, "22023", 0, "cannot delete from scalar");
        if (by_index && a.kind == JT_OBJECT)
            return sql_error_set(ctx->err, "22023", 0, "cannot delete from object using integer index");
        Buf buf;
        buf_init(&buf, FN_MAX_STRING);
        int brc = buf_append_byte(&buf, a.kind == JT_OBJECT ? '{' : '['), first = 1;
        int64_t idx = by_index ? args[1].u.i[i] : 0;
        if (by_index && idx < 0)
            idx += a.n;
        for (uint32_t k = 0; k < a.n && !brc; k++) {
            if (a.kind == JT_OBJECT) {
                if (str_cmp(a.kids[2 * k].s, args[1].u.s[i]) == 0)
                    continue;
                brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(&a.kids[2 * k], &buf) ||
                      buf_append_byte(&buf, ':') || jnode_write(&a.kids[2 * k + 1], &buf);
            } else {
                if (by_index ? (int64_t)k == idx
                             : (a.kids[k].kind == JT_STRING && str_cmp(a.kids[k].s, args[1].u.s[i]) == 0))
                    continue;
                brc = (!first && buf_append_byte(&buf, ',')) || jnode_write(&a.kids[k], &buf);
            }
            first = 0;
        }
        brc = brc || buf_append_byte(&buf, a.kind == JT_OBJECT ? '}' : ']');
        int rc = brc ? sql_error_set(ctx->err, "54000", 0, "out of memory: string too long")
                     : sql_jsonb_normalize(buf.p, buf.len, ctx->arena, &out->u.s[i], ctx->err);
        buf_fini(&buf);
        if (rc)
            return WEIR_ERROR;
    }
    return WEIR_OK;
}

/* jsonb_pretty: four-space indentation, one member or element per line; an empty container prints its
 * brackets on two lines, as PostgreSQL's JsonbToCStringIndent does. */
static int pretty_write(const JNode *n, int level, Buf *b)
{
    int rc = 0;
    if (n->kind == JT_ARRAY && n->raw)
        return pretty_write(&n->kids[0], level, b);
    if (n->kind != JT_ARRAY && n->kind != JT_OBJECT)
        return jnode_write(n, b);
    int obj = n->kind == JT_OBJECT;
    rc = buf_append_byte(b, obj ? '{' : '[');
    for (uint32_t k = 0; k < n->n && !rc; k++) {
        rc = (k && buf_append_byte(b, ',')) || buf_append_byte(b, '\n');
        for (int l = 0; l <= level && !rc; l++)
            rc = buf_append_cstr(b, "    ");
        if (!rc && obj)
            rc = jnode_write(&n->kids[2 * k], b) || buf_append_cstr(b, ": ");
        if (!rc)
            rc = pretty_write(obj ? &n->kids[2 * k + 1] : &n->kids[k], level + 1, b);
    }
    rc = rc || buf_append_byte(b, '\n');
    for (int l = 0; l < level && !rc; l++)
        rc = buf_append_cstr(b, "    ");
    return rc || buf_append_byte(b, obj ? '}' : ']');
}

SQL_FN_KERNEL(fn_jsonb_pretty)
{
    UNUSED(n_args);
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, FN_MAX_STRING);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        JNode a;
        if (jparse(ctx, args[0].u.s[i], &a)) {
            rc = WEIR_ERROR;
            break;
        }
        buf_reset(&b);
        rc = pretty_write(&a, 0, &b) ? sql_error_set(ctx->err, "54000", 0, "out of memory: string too long")
                                     : fn_str_copy(&w, b.p, b.len, &out->u.s[i]);
    }
    buf_fini(&b);
    return rc;
}
