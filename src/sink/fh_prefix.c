/*
 * fh_prefix.c: where a delivered object goes: Firehose's prefix templates (!{timestamp:...},
 * !{firehose:random-string}, !{firehose:error-output-type}, !{partitionKeyFromQuery:...}), the java
 * DateTimeFormatter subset they use, the object name Firehose gives an object, and the jq-style
 * partition keys of MetadataExtraction ("{customer: .customer_id, region: .geo.region}").
 *
 * What is deterministic and what is not. Everything here is a function of the record (its arrival time
 * and bytes) except the random string, which is why fh_template_eval leaves that expression in place:
 * the delivery runtime keys its buffers by the evaluated prefix with the expression still in it, so a
 * record replayed after a crash lands in the same buffer key, and the random string is drawn only when
 * a buffer opens (fh_prefix_fill_random) and recorded with the object's intent (see fh_deliver.c).
 *
 * Times are UTC, from the record's approximate arrival time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "sink/firehose.h"

#define FH_RANDOM_EXPR "!{firehose:random-string}"

/* ------------------------------------------------------------------------------------------------
 * Templates
 * ---------------------------------------------------------------------------------------------- */

static void tpl_push(FhTemplate *t, FhTplKind k, const char *arg, size_t n)
{
    t->parts = xrealloc(t->parts, (t->n_parts + 1) * sizeof(*t->parts));
    t->parts[t->n_parts].kind = k;
    t->parts[t->n_parts].arg = arg ? xstrndup(arg, n) : NULL;
    t->n_parts++;
}

void fh_template_fini(FhTemplate *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_parts; i++)
        free(t->parts[i].arg);
    free(t->parts);
    t->parts = NULL;
    t->n_parts = 0;
}

int fh_template_has(const FhTemplate *t, FhTplKind k)
{
    for (size_t i = 0; i < t->n_parts; i++)
        if (t->parts[i].kind == k)
            return 1;
    return 0;
}

/* Check a timestamp pattern once at parse time, so a bad one fails CreateDeliveryStream, not delivery. */
static int tpl_check_pattern(const char *pat, Err *e)
{
    Buf b;
    buf_init(&b, 4096);
    int rc = fh_java_time_format(pat, 0, &b, e);
    buf_fini(&b);
    return rc;
}

int fh_template_parse(const char *text, int is_error, int add_default_ts, FhTemplate *out, Err *e)
{
    memset(out, 0, sizeof(*out));
    const char *p = text ? text : "";
    const char *lit = p;
    while (*p) {
        if (p[0] != '!' || p[1] != '{') {
            p++;
            continue;
        }
        if (p > lit)
            tpl_push(out, FH_TPL_TEXT, lit, (size_t)(p - lit));
        const char *close = strchr(p + 2, '}');
        if (!close)
            return err_set(e, WEIR_EINVAL, "The expression '%s' in the prefix has no closing '}'.", p);
        const char *in = p + 2;
        size_t n = (size_t)(close - in);
        const char *colon = memchr(in, ':', n);
        if (!colon)
            return err_set(e, WEIR_EINVAL, "The expression '!{%.*s}' in the prefix has no namespace.", (int)n, in);
        size_t ns = (size_t)(colon - in);
        const char *arg = colon + 1;
        size_t an = n - ns - 1;
        if (ns == 9 && !memcmp(in, "timestamp", 9)) {
            if (an == 0)
                return err_set(e, WEIR_EINVAL, "The timestamp expression in the prefix has no pattern.");
            tpl_push(out, FH_TPL_TIMESTAMP, arg, an);
            if (tpl_check_pattern(out->parts[out->n_parts - 1].arg, e))
                return e->code;
        } else if (ns == 8 && !memcmp(in, "firehose", 8)) {
            if (an == 13 && !memcmp(arg, "random-string", 13)) {
                tpl_push(out, FH_TPL_RANDOM, NULL, 0);
            } else if (an == 17 && !memcmp(arg, "error-output-type", 17)) {
                if (!is_error)
                    return err_set(e, WEIR_EINVAL,
                                   "The expression !{firehose:error-output-type} is only allowed in ErrorOutputPrefix.");
                tpl_push(out, FH_TPL_ERROR_TYPE, NULL, 0);
            } else {
                return err_set(e, WEIR_EINVAL, "Unknown firehose expression '!{%.*s}' in the prefix.", (int)n, in);
            }
        } else if (ns == 21 && !memcmp(in, "partitionKeyFromQuery", 21)) {
            if (an == 0)
                return err_set(e, WEIR_EINVAL, "The partitionKeyFromQuery expression in the prefix has no key.");
            if (is_error)
                return err_set(e, WEIR_EINVAL, "partitionKeyFromQuery is not allowed in ErrorOutputPrefix.");
            tpl_push(out, FH_TPL_PART_KEY, arg, an);
        } else {
            return err_set(e, WEIR_EINVAL, "Unknown expression namespace '%.*s' in the prefix.", (int)ns, in);
        }
        p = close + 1;
        lit = p;
    }
    if (p > lit)
        tpl_push(out, FH_TPL_TEXT, lit, (size_t)(p - lit));
    if (add_default_ts && !fh_template_has(out, FH_TPL_TIMESTAMP)) {
        static const char def[] = "yyyy/MM/dd/HH/";
        tpl_push(out, FH_TPL_TIMESTAMP, def, sizeof(def) - 1);
    }
    return WEIR_OK;
}

/* An object key's segments must not be "." or ".." and the key must not start with '/' (objstore.h);
 * a partition value that makes one is the record's failure, not the delivery's. */
static int prefix_key_ok(const char *s, size_t n)
{
    if (n && s[0] == '/')
        return 0;
    size_t seg = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '/') {
            size_t len = i - seg;
            if ((len == 1 && s[seg] == '.') || (len == 2 && s[seg] == '.' && s[seg + 1] == '.'))
                return 0;
            seg = i + 1;
        }
    }
    return 1;
}

int fh_template_eval(const FhTemplate *t, int64_t arrival_ms, const char *error_type, const FhPartKey *keys,
                     const char *const *values, size_t n, Buf *out, Err *e)
{
    size_t start = out->len;
    for (size_t i = 0; i < t->n_parts; i++) {
        const FhTplPart *tp = &t->parts[i];
        int rc = WEIR_OK;
        switch (tp->kind) {
        case FH_TPL_TEXT: rc = buf_append_cstr(out, tp->arg); break;
        case FH_TPL_TIMESTAMP:
            if (fh_java_time_format(tp->arg, arrival_ms, out, e))
                return e->code;
            break;
        case FH_TPL_RANDOM: rc = buf_append_cstr(out, FH_RANDOM_EXPR); break;
        case FH_TPL_ERROR_TYPE: rc = buf_append_cstr(out, error_type ? error_type : "processing-failed"); break;
        case FH_TPL_PART_KEY: {
            const char *v = NULL;
            for (size_t k = 0; k < n; k++)
                if (!strcmp(keys[k].name, tp->arg))
                    v = values[k];
            if (!v)
                return err_set(e, WEIR_EINVAL, "The partition key '%s' has no value for this record.", tp->arg);
            rc = buf_append_cstr(out, v);
            break;
        }
        }
        if (rc)
            return err_set(e, WEIR_ELIMIT, "The evaluated prefix is too long.");
    }
    size_t len = out->len - start;
    /* the random string is 11 characters where its 25-character expression stands */
    size_t eval_len = len;
    for (const char *q = (const char *)out->p + start; (q = strstr(q, FH_RANDOM_EXPR)) != NULL;
         q += sizeof(FH_RANDOM_EXPR) - 1)
        eval_len -= sizeof(FH_RANDOM_EXPR) - 1 - 11;
    if (eval_len > FH_PREFIX_EVAL_MAX)
        return err_set(e, WEIR_EINVAL, "The evaluated prefix is %zu characters, over the limit of %d.", eval_len,
                       FH_PREFIX_EVAL_MAX);
    if (!prefix_key_ok((const char *)out->p + start, len))
        return err_set(e, WEIR_EINVAL, "The evaluated prefix '%.*s' is not a valid object key.", (int)len,
                       (const char *)out->p + start);
    return WEIR_OK;
}

int fh_prefix_fill_random(const char *prefix, const char *random, Buf *out)
{
    const char *p = prefix;
    const char *q;
    while ((q = strstr(p, FH_RANDOM_EXPR)) != NULL) {
        if (buf_append(out, p, (size_t)(q - p)) || buf_append_cstr(out, random))
            return WEIR_ELIMIT;
        p = q + sizeof(FH_RANDOM_EXPR) - 1;
    }
    return buf_append_cstr(out, p);
}

/* ------------------------------------------------------------------------------------------------
 * Time
 * ---------------------------------------------------------------------------------------------- */

static int put_num(Buf *out, long v, int width)
{
    return buf_printf(out, "%0*ld", width, v);
}

int fh_java_time_format(const char *pattern, int64_t arrival_ms, Buf *out, Err *e)
{
    time_t secs = (time_t)(arrival_ms >= 0 ? arrival_ms / 1000 : (arrival_ms - 999) / 1000);
    long ms = (long)(arrival_ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    const char *p = pattern;
    while (*p) {
        char c = *p;
        if (c == '\'') {
            /* 'text' is literal; '' is one quote */
            if (p[1] == '\'') {
                if (buf_append_byte(out, '\''))
                    return err_set(e, WEIR_ELIMIT, "prefix too long");
                p += 2;
                continue;
            }
            const char *end = strchr(p + 1, '\'');
            if (!end)
                return err_set(e, WEIR_EINVAL, "The timestamp pattern '%s' has an unclosed quote.", pattern);
            if (buf_append(out, p + 1, (size_t)(end - p - 1)))
                return err_set(e, WEIR_ELIMIT, "prefix too long");
            p = end + 1;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            if (buf_append_byte(out, (uint8_t)c))
                return err_set(e, WEIR_ELIMIT, "prefix too long");
            p++;
            continue;
        }
        int run = 1;
        while (p[run] == c)
            run++;
        int rc;
        switch (c) {
        case 'y':
        case 'u':
            rc = run == 2 ? put_num(out, (tm.tm_year + 1900) % 100, 2) : put_num(out, tm.tm_year + 1900, run);
            break;
        case 'M': rc = put_num(out, tm.tm_mon + 1, run > 2 ? 2 : run); break;
        case 'd': rc = put_num(out, tm.tm_mday, run > 2 ? 2 : run); break;
        case 'H': rc = put_num(out, tm.tm_hour, run > 2 ? 2 : run); break;
        case 'm': rc = put_num(out, tm.tm_min, run > 2 ? 2 : run); break;
        case 's': rc = put_num(out, tm.tm_sec, run > 2 ? 2 : run); break;
        case 'D': rc = put_num(out, tm.tm_yday + 1, run > 3 ? 3 : run); break;
        case 'S': {
            /* fraction of a second: the first `run` digits of the milliseconds (then zeros) */
            char digits[4];
            snprintf(digits, sizeof(digits), "%03ld", ms);
            rc = WEIR_OK;
            for (int i = 0; i < run && !rc; i++)
                rc = buf_append_byte(out, (uint8_t)(i < 3 ? digits[i] : '0'));
            break;
        }
        default:
            return err_set(e, WEIR_EINVAL,
                           "The timestamp pattern '%s' uses '%c', which weir does not support (y M d H m s S D and "
                           "'quoted text').",
                           pattern, c);
        }
        if (rc)
            return err_set(e, WEIR_ELIMIT, "prefix too long");
        p += run;
    }
    return WEIR_OK;
}

int fh_object_name(const char *stream, int64_t version, int64_t arrival_ms, const char *uuid, const char *ext,
                   Buf *out)
{
    time_t secs = (time_t)(arrival_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    return buf_printf(out, "%s-%" PRId64 "-%04d-%02d-%02d-%02d-%02d-%02d-%s%s", stream, version, tm.tm_year + 1900,
                      tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, uuid, ext ? ext : "");
}

/* ------------------------------------------------------------------------------------------------
 * Partition keys (MetadataExtraction)
 * ---------------------------------------------------------------------------------------------- */

void fh_keys_free(FhPartKey *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(keys[i].name);
        for (size_t j = 0; j < keys[i].n_path; j++)
            free(keys[i].path[j]);
        free(keys[i].path);
    }
    free(keys);
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* A quoted "name" at p: its text (no escapes beyond \" and \\) into a fresh string; *end past it. */
static char *parse_quoted(const char *p, const char **end)
{
    Buf b;
    buf_init(&b, 4096);
    p++;
    while (*p && *p != '"') {
        if (*p == '\\' && p[1])
            p++;
        if (buf_append_byte(&b, (uint8_t)*p)) {
            buf_fini(&b);
            return NULL;
        }
        p++;
    }
    if (*p != '"') {
        buf_fini(&b);
        return NULL;
    }
    *end = p + 1;
    size_t n;
    char *s = (char *)buf_steal(&b, &n);
    return s ? s : xstrdup("");
}

int fh_keys_parse(const char *query, FhPartKey **keys_out, size_t *n_out, Err *e)
{
    FhPartKey *keys = NULL;
    size_t n = 0;
    const char *p = skip_ws(query);
    if (*p != '{')
        goto bad;
    p = skip_ws(p + 1);
    while (*p && *p != '}') {
        keys = xrealloc(keys, (n + 1) * sizeof(*keys));
        FhPartKey *k = &keys[n++];
        memset(k, 0, sizeof(*k));
        if (*p == '"') {
            k->name = parse_quoted(p, &p);
            if (!k->name)
                goto bad;
        } else {
            const char *s = p;
            while (is_ident(*p))
                p++;
            if (p == s)
                goto bad;
            k->name = xstrndup(s, (size_t)(p - s));
        }
        p = skip_ws(p);
        if (*p != ':')
            goto bad;
        p = skip_ws(p + 1);
        if (*p != '.')
            goto bad;
        /* .a.b["c d"].e */
        while (*p == '.' || *p == '[') {
            char *seg = NULL;
            if (*p == '.' && p[1] == '"') {
                seg = parse_quoted(p + 1, &p);
            } else if (*p == '.' && p[1] == '[' && p[2] == '"') {
                seg = parse_quoted(p + 2, &p);
                if (seg && *p != ']') {
                    free(seg);
                    seg = NULL;
                }
                p++;
            } else if (*p == '[' && p[1] == '"') {
                seg = parse_quoted(p + 1, &p);
                if (seg && *p != ']') {
                    free(seg);
                    seg = NULL;
                }
                p++;
            } else if (*p == '.') {
                const char *s = ++p;
                while (is_ident(*p))
                    p++;
                if (p > s)
                    seg = xstrndup(s, (size_t)(p - s));
            }
            if (!seg)
                goto bad;
            k->path = xrealloc(k->path, (k->n_path + 1) * sizeof(*k->path));
            k->path[k->n_path++] = seg;
        }
        if (k->n_path == 0)
            goto bad;
        p = skip_ws(p);
        if (*p == ',')
            p = skip_ws(p + 1);
        else if (*p != '}')
            goto bad;
    }
    if (*p != '}' || *skip_ws(p + 1) || n == 0)
        goto bad;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (!strcmp(keys[i].name, keys[j].name)) {
                err_set(e, WEIR_EINVAL, "The MetadataExtractionQuery names the key '%s' twice.", keys[i].name);
                fh_keys_free(keys, n);
                return WEIR_EINVAL;
            }
    *keys_out = keys;
    *n_out = n;
    return WEIR_OK;
bad:
    fh_keys_free(keys, n);
    return err_set(e, WEIR_EINVAL,
                   "The MetadataExtractionQuery '%s' is not a JQ object of paths weir supports, like "
                   "{customer_id: .customer_id, region: .geo.region}.",
                   query);
}

int fh_extract_keys(const FhPartKey *keys, size_t n_keys, const uint8_t *data, size_t len, char **values, Err *e)
{
    for (size_t i = 0; i < n_keys; i++)
        values[i] = NULL;
    json_error_t je;
    json_t *root = json_loadb((const char *)data, len, JSON_DECODE_ANY, &je);
    if (!root)
        return err_set(e, WEIR_EPARSE, "The record is not valid JSON: %s.", je.text);
    for (size_t i = 0; i < n_keys; i++) {
        json_t *v = root;
        for (size_t j = 0; v && j < keys[i].n_path; j++)
            v = json_is_object(v) ? json_object_get(v, keys[i].path[j]) : NULL;
        char *s = NULL;
        if (v && json_is_string(v))
            s = xstrndup(json_string_value(v), json_string_length(v));
        else if (v && (json_is_number(v) || json_is_boolean(v)))
            s = json_dumps(v, JSON_ENCODE_ANY);
        if (!s) {
            json_decref(root);
            for (size_t k = 0; k < i; k++) {
                free(values[k]);
                values[k] = NULL;
            }
            return err_set(e, WEIR_ENOTFOUND, "The partition key '%s' is missing or not a scalar in the record.",
                           keys[i].name);
        }
        values[i] = s;
    }
    json_decref(root);
    return WEIR_OK;
}
