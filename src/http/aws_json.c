/*
 * aws_json.c: request field getters with AWS validation messages, the JSON response writer, and the
 * AWS error shape. See aws_json.h.
 */
#include "http/aws_json.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/ascii.h"
#include "base/base64.h"
#include "base/utf8.h"

/* ------------------------------------------------------------------------------------------------
 * Requests
 * ---------------------------------------------------------------------------------------------- */

int aws_req_parse(AwsReq *r, const uint8_t *body, size_t len)
{
    memset(r, 0, sizeof(*r));
    size_t i = 0;
    while (i < len && isspace(body[i]))
        i++;
    if (i == len) {
        r->root = json_object();
        return 0;
    }
    json_error_t jerr;
    r->root = json_loadb((const char *)body, len, 0, &jerr);
    if (!r->root) {
        r->serr = 1;
        snprintf(r->serr_msg, sizeof(r->serr_msg), "Invalid JSON at position %d: %s", jerr.position, jerr.text);
        return -1;
    }
    if (!json_is_object(r->root)) {
        r->serr = 1;
        snprintf(r->serr_msg, sizeof(r->serr_msg), "Request body must be a JSON object");
        return -1;
    }
    return 0;
}

void aws_req_fini(AwsReq *r)
{
    json_decref(r->root);
    r->root = NULL;
}

void aws_member_path(const char *member, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s", member);
    if (out[0])
        out[0] = (char)tolower((unsigned char)out[0]);
}

void aws_req_invalid(AwsReq *r, const char *field, const char *value, const char *constraint_fmt, ...)
{
    r->n_invalid++;
    if (r->n_invalid > AWS_MAX_VALIDATION)
        return;
    char constraint[256];
    va_list ap;
    va_start(ap, constraint_fmt);
    vsnprintf(constraint, sizeof(constraint), constraint_fmt, ap);
    va_end(ap);
    char member_path[64], path[160];
    aws_member_path(field, member_path, sizeof(member_path));
    snprintf(path, sizeof(path), "%s%s", r->prefix ? r->prefix : "", member_path);
    size_t used = strlen(r->invalid);
    char shown[80];
    if (value) {
        /* AWS echoes the value; keep long ones short. */
        size_t vn = strlen(value);
        snprintf(shown, sizeof(shown), "'%.*s%s'", (int)(vn > 64 ? 64 : vn), value, vn > 64 ? "..." : "");
    } else {
        snprintf(shown, sizeof(shown), "null");
    }
    snprintf(r->invalid + used, sizeof(r->invalid) - used, "%sValue %s at '%s' failed to satisfy constraint: %s",
             used ? "; " : "", shown, path, constraint);
}

static int aws_serr(AwsReq *r, const char *member, const char *expected, json_t *v)
{
    if (!r->serr) {
        r->serr = 1;
        const char *got = json_is_string(v)    ? "STRING_VALUE"
                          : json_is_integer(v) ? "NUMBER_VALUE"
                          : json_is_real(v)    ? "NUMBER_VALUE"
                          : json_is_boolean(v) ? "BOOLEAN_VALUE"
                          : json_is_array(v)   ? "START_ARRAY"
                          : json_is_object(v)  ? "START_OBJECT"
                                               : "VALUE";
        snprintf(r->serr_msg, sizeof(r->serr_msg), "%s cannot be converted to %s (member %s)", got, expected,
                 member);
    }
    return -1;
}

static json_t *aws_member(AwsReq *r, json_t *obj, const char *member, int required)
{
    json_t *v = obj ? json_object_get(obj, member) : NULL;
    if (v && json_is_null(v))
        v = NULL;
    if (!v && required)
        aws_req_invalid(r, member, NULL, "Member must not be null");
    return v;
}

int aws_get_str(AwsReq *r, json_t *obj, const char *member, int required, long min_len, long max_len,
                const char **out, size_t *out_len)
{
    json_t *v = aws_member(r, obj, member, required);
    if (!v)
        return 0;
    if (!json_is_string(v))
        return aws_serr(r, member, "String", v);
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    /* AWS counts characters, not bytes. */
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    if (min_len >= 0 && chars < (size_t)min_len)
        aws_req_invalid(r, member, s, "Member must have length greater than or equal to %ld", min_len);
    if (max_len >= 0 && chars > (size_t)max_len)
        aws_req_invalid(r, member, s, "Member must have length less than or equal to %ld", max_len);
    *out = s;
    if (out_len)
        *out_len = n;
    return 1;
}

int aws_get_int(AwsReq *r, json_t *obj, const char *member, int required, int64_t min, int64_t max,
                int64_t *out)
{
    json_t *v = aws_member(r, obj, member, required);
    if (!v)
        return 0;
    int64_t iv;
    if (json_is_integer(v)) {
        iv = (int64_t)json_integer_value(v);
    } else if (json_is_real(v) && floor(json_real_value(v)) == json_real_value(v) &&
               fabs(json_real_value(v)) < 9e18) {
        iv = (int64_t)json_real_value(v);
    } else {
        return aws_serr(r, member, "Integer", v);
    }
    char shown[32];
    snprintf(shown, sizeof(shown), "%" PRId64, iv);
    if (iv < min)
        aws_req_invalid(r, member, shown, "Member must have value greater than or equal to %" PRId64, min);
    else if (iv > max)
        aws_req_invalid(r, member, shown, "Member must have value less than or equal to %" PRId64, max);
    *out = iv;
    return 1;
}

int aws_get_bool(AwsReq *r, json_t *obj, const char *member, int *out)
{
    json_t *v = aws_member(r, obj, member, 0);
    if (!v)
        return 0;
    if (!json_is_boolean(v))
        return aws_serr(r, member, "Boolean", v);
    *out = json_is_true(v);
    return 1;
}

int aws_get_timestamp(AwsReq *r, json_t *obj, const char *member, int required, int64_t *out_ms)
{
    json_t *v = aws_member(r, obj, member, required);
    if (!v)
        return 0;
    double sec;
    if (json_is_number(v)) {
        sec = json_number_value(v);
    } else if (json_is_string(v)) {
        /* Some SDKs send epoch seconds as a string; accept a plain number only. */
        char *end = NULL;
        sec = strtod(json_string_value(v), &end);
        if (!end || *end || end == json_string_value(v))
            return aws_serr(r, member, "Timestamp", v);
    } else {
        return aws_serr(r, member, "Timestamp", v);
    }
    if (!isfinite(sec) || sec < 0 || sec > 1e13)
        return aws_serr(r, member, "Timestamp", v);
    *out_ms = (int64_t)llround(sec * 1000.0);
    return 1;
}

int aws_get_enum(AwsReq *r, json_t *obj, const char *member, int required, const char *const *values,
                 size_t n_values, int *out)
{
    const char *s;
    size_t n;
    int got = aws_get_str(r, obj, member, required, -1, -1, &s, &n);
    if (got <= 0)
        return got;
    for (size_t i = 0; i < n_values; i++)
        if (strlen(values[i]) == n && memcmp(values[i], s, n) == 0) {
            *out = (int)i;
            return 1;
        }
    char set[512];
    size_t used = 0;
    set[0] = '\0';
    for (size_t i = 0; i < n_values && used < sizeof(set); i++)
        used += (size_t)snprintf(set + used, sizeof(set) - used, "%s%s", i ? ", " : "", values[i]);
    aws_req_invalid(r, member, s, "Member must satisfy enum value set: [%s]", set);
    return 0;
}

int aws_get_obj(AwsReq *r, json_t *obj, const char *member, int required, json_t **out)
{
    json_t *v = aws_member(r, obj, member, required);
    if (!v)
        return 0;
    if (!json_is_object(v))
        return aws_serr(r, member, "Structure", v);
    *out = v;
    return 1;
}

int aws_req_check(AwsReq *r, HttpExchange *x)
{
    if (r->serr) {
        aws_respond_error(x, 400, "SerializationException", "%s", r->serr_msg);
        return 1;
    }
    if (r->n_invalid) {
        int n = r->n_invalid;
        aws_respond_error(x, 400, "ValidationException", "%d validation error%s detected: %s", n, n == 1 ? "" : "s",
                          r->invalid);
        return 1;
    }
    return 0;
}

int aws_get_array(AwsReq *r, json_t *obj, const char *member, int required, long min_n, long max_n,
                  json_t **out)
{
    json_t *v = aws_member(r, obj, member, required);
    if (!v)
        return 0;
    if (!json_is_array(v))
        return aws_serr(r, member, "List", v);
    size_t n = json_array_size(v);
    if (min_n >= 0 && n < (size_t)min_n)
        aws_req_invalid(r, member, "[]", "Member must have length greater than or equal to %ld", min_n);
    if (max_n >= 0 && n > (size_t)max_n)
        aws_req_invalid(r, member, "[...]", "Member must have length less than or equal to %ld", max_n);
    *out = v;
    return 1;
}

int aws_is_name_chars(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------------------------------
 * JSON writer
 * ---------------------------------------------------------------------------------------------- */

int json_escape_append(Buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    int rc = buf_reserve(b, n + 2);
    if (rc)
        return rc;
    b->p[b->len++] = '"';
    size_t start = 0;
    for (size_t i = ascii_json_plain_len(s, n); i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        if ((rc = buf_append(b, s + start, i - start)))
            return rc;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t en = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            en = 6;
        }
        if ((rc = buf_append(b, esc, en)))
            return rc;
        start = i + 1;
    }
    if ((rc = buf_append(b, s + start, n - start)))
        return rc;
    return buf_append_byte(b, '"');
}

void jo_init(JsonOut *o, Buf *b)
{
    o->b = b;
    o->rc = 0;
    o->depth = 0;
    o->first = 1;
}

/* Separator before a value or key at the current depth. */
static void jo_sep(JsonOut *o)
{
    uint64_t bit = (uint64_t)1 << (o->depth & 63);
    if (o->first & bit)
        o->first &= ~bit;
    else if (!o->rc)
        o->rc = buf_append_byte(o->b, ',');
}

static void jo_raw(JsonOut *o, const char *s, size_t n)
{
    if (!o->rc)
        o->rc = buf_append(o->b, s, n);
}

static void jo_open(JsonOut *o, char c)
{
    jo_sep(o);
    jo_raw(o, &c, 1);
    o->depth++;
    o->first |= (uint64_t)1 << (o->depth & 63);
}

static void jo_close(JsonOut *o, char c)
{
    o->depth--;
    jo_raw(o, &c, 1);
}

void jo_obj_begin(JsonOut *o) { jo_open(o, '{'); }
void jo_obj_end(JsonOut *o) { jo_close(o, '}'); }
void jo_arr_begin(JsonOut *o) { jo_open(o, '['); }
void jo_arr_end(JsonOut *o) { jo_close(o, ']'); }

void jo_key(JsonOut *o, const char *key)
{
    jo_sep(o);
    if (!o->rc)
        o->rc = json_escape_append(o->b, key, strlen(key));
    jo_raw(o, ":", 1);
    /* The value that follows must not get a comma. */
    o->first |= (uint64_t)1 << (o->depth & 63);
}

void jo_str(JsonOut *o, const char *s, size_t n)
{
    jo_sep(o);
    if (!o->rc)
        o->rc = json_escape_append(o->b, s, n);
}

void jo_cstr(JsonOut *o, const char *s) { jo_str(o, s, strlen(s)); }

/* Decimal digits of v into the end of tmp (24 bytes); returns the first digit's index. Used instead of
 * snprintf on the per-record paths of GetRecords, where it is measurably faster. */
static size_t jo_digits(uint64_t v, char tmp[24])
{
    size_t i = 24;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return i;
}

void jo_int(JsonOut *o, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    size_t i = jo_digits(u, tmp);
    if (v < 0)
        tmp[--i] = '-';
    jo_sep(o);
    jo_raw(o, tmp + i, 24 - i);
}

void jo_bool(JsonOut *o, int v)
{
    jo_sep(o);
    jo_raw(o, v ? "true" : "false", v ? 4 : 5);
}

void jo_epoch_ms(JsonOut *o, int64_t ms)
{
    char tmp[24 + 4];
    if (ms < 0)
        ms = 0;
    size_t i = jo_digits((uint64_t)(ms / 1000), tmp);
    int frac = (int)(ms % 1000);
    tmp[24] = '.';
    tmp[25] = (char)('0' + frac / 100);
    tmp[26] = (char)('0' + frac / 10 % 10);
    tmp[27] = (char)('0' + frac % 10);
    jo_sep(o);
    jo_raw(o, tmp + i, 28 - i);
}

void jo_base64(JsonOut *o, const uint8_t *p, size_t n)
{
    jo_sep(o);
    if (o->rc)
        return;
    size_t need = base64_encoded_len(n) + 2;
    if ((o->rc = buf_reserve(o->b, need)))
        return;
    char *d = (char *)o->b->p + o->b->len;
    d[0] = '"';
    size_t w = base64_encode(p, n, d + 1);
    d[1 + w] = '"';
    o->b->len += w + 2;
    o->b->p[o->b->len] = '\0';
}

void jo_kv_str(JsonOut *o, const char *key, const char *s)
{
    jo_key(o, key);
    jo_cstr(o, s);
}

void jo_kv_int(JsonOut *o, const char *key, int64_t v)
{
    jo_key(o, key);
    jo_int(o, v);
}

/* ------------------------------------------------------------------------------------------------
 * Responses
 * ---------------------------------------------------------------------------------------------- */

void aws_request_id(char out[37])
{
    uint8_t r[16];
    if (RAND_bytes(r, sizeof(r)) != 1)
        memset(r, 0x5a, sizeof(r));
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
             r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

static void aws_respond(HttpExchange *x, int status, Buf *body)
{
    char rid[37];
    aws_request_id(rid);
    HttpHeader h[3] = {
        {SLICE_LIT("Content-Type"), SLICE_LIT("application/x-amz-json-1.1")},
        {SLICE_LIT("x-amzn-RequestId"), {(const uint8_t *)rid, 36}},
        {SLICE_LIT("x-amz-id-2"), {(const uint8_t *)rid, 36}},
    };
    http_exchange_respond(x, status, h, 3, body);
}

void aws_respond_json(HttpExchange *x, Buf *body)
{
    aws_respond(x, 200, body);
}

static void aws_error_body(Buf *b, const char *type, const char *msg)
{
    JsonOut o;
    jo_init(&o, b);
    jo_obj_begin(&o);
    jo_kv_str(&o, "__type", type);
    jo_kv_str(&o, "message", msg);
    jo_obj_end(&o);
}

void aws_respond_error(HttpExchange *x, int status, const char *type, const char *fmt, ...)
{
    char msg[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    utf8_sanitize(msg); /* messages quote request bytes, and vsnprintf may cut a sequence */
    Buf b;
    buf_init(&b, 0);
    aws_error_body(&b, type, msg);
    aws_respond(x, status, &b);
    buf_fini(&b);
}

void aws_http_error_body(void *arg, int status, const char *msg, const char **content_type, Buf *out)
{
    UNUSED(arg);
    *content_type = "application/x-amz-json-1.1";
    const char *type = status == 413 ? "ValidationException" : "SerializationException";
    if (status >= 500)
        type = "InternalFailure";
    aws_error_body(out, type, msg);
}
