/*
 * jsonb.c: see jsonb.h. A JSON lexer and recursive-descent parser that follow PostgreSQL's jsonapi.c
 * closely enough to reject the same inputs with the same DETAIL texts, then (jsonb only) a tree built in
 * the arena, sorted and de-duplicated, and printed in two passes (measure, then write) so the output is
 * one arena allocation of exactly the right size.
 *
 * Lexing rules worth knowing (they decide error texts): a bad word is reported whole ('Token "tru" is
 * invalid.'), numbers follow JSON's grammar strictly ("01" and "1." are invalid tokens), control
 * characters inside strings must be escaped, and for jsonb only (as in PostgreSQL, where de-escaping
 * happens only when the value is kept) \u escapes must pair surrogates correctly and must not be \u0000.
 */
#include "sql/jsonb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "exec/engine.h"

enum { TK_END, TK_LBRACE, TK_RBRACE, TK_LBRACKET, TK_RBRACKET, TK_COLON, TK_COMMA, TK_STRING, TK_NUMBER,
       TK_TRUE, TK_FALSE, TK_NULL };

typedef struct JTok {
    int type;
    const uint8_t *start; /* lexeme, for error texts */
    size_t len;
    Slice str;            /* TK_STRING in build mode: de-escaped bytes */
} JTok;

typedef struct JNode {
    uint8_t kind;   /* 'o' object, 'a' array, 's' string, 'n' number, 't', 'f', 'z' (null) */
    uint32_t n;     /* members (objects: key/value pairs) or elements */
    Slice s;        /* string bytes (de-escaped) or normalised number text */
    struct JNode *kids; /* arrays: n nodes; objects: 2n nodes, key then value */
} JNode;

typedef struct J {
    const uint8_t *p, *end;
    int build;
    Arena *a;
    SqlError *err;
    int depth;
    const uint8_t *line_start; /* for the CONTEXT line: where the current line begins, and its number */
    int line;
} J;

/* Bytes of the UTF-8 character at s (1 for a stray byte), not past the end of the input. */
static size_t jmblen(const J *j, const uint8_t *s)
{
    size_t l = (*s & 0x80) == 0 ? 1 : (*s & 0xE0) == 0xC0 ? 2 : (*s & 0xF0) == 0xE0 ? 3 : (*s & 0xF8) == 0xF0 ? 4 : 1;
    return l < (size_t)(j->end - s) ? l : (size_t)(j->end - s);
}

/*
 * PostgreSQL's CONTEXT for a JSON input error (report_json_context): the current line up to the end of
 * the offending token (term), cut to its last 49 bytes or so on a character boundary with "..." in front
 * (not when that would hide 3 bytes or fewer), and "..." after unless the token ends the input or the
 * line. Call before setting the error: only a fresh error gets it.
 */
static void jcontext(J *j, const uint8_t *term)
{
    if (!j->err || j->err->sqlstate[0])
        return;
    const uint8_t *ls = j->line_start, *cs = ls;
    while (term - cs >= 50)
        cs += jmblen(j, cs);
    if (cs - ls <= 3)
        cs = ls;
    int more = term < j->end && *term != '\n' && *term != '\r';
    snprintf(j->err->context, sizeof(j->err->context), "JSON data, line %d: %s%.*s%s", j->line, cs > ls ? "..." : "",
             (int)(term - cs), (const char *)cs, more ? "..." : "");
}

/* 22P02 with DETAIL pre + token + post (the token may be absent), and CONTEXT up to term, where
 * PostgreSQL's lexer leaves its token end for this error. */
static int jerr(J *j, const uint8_t *term, const char *pre, const uint8_t *tok, size_t len, const char *post)
{
    jcontext(j, term);
    if (j->err && !j->err->sqlstate[0])
        snprintf(j->err->detail, sizeof(j->err->detail), "%s%.*s%s", pre, (int)(len > 200 ? 200 : len),
                 tok ? (const char *)tok : "", post);
    return sql_error_set(j->err, "22P02", 0, "invalid input syntax for type json");
}

static int jnomem(J *j)
{
    return sql_error_set(j->err, "53200", 0, "out of memory");
}

static int alnum(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

static int hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t utf8_put(uint8_t *o, unsigned cp)
{
    return utf8_encode(cp, o);
}

/* A string starting at j->p (the opening quote). */
static int lex_string(J *j, JTok *t)
{
    const uint8_t *s = j->p, *end = j->end;
    uint8_t *o = NULL;
    size_t on = 0;
    int has_escape = 0, hi = -1;
    for (const uint8_t *q = s + 1; q < end && *q != '"'; q++)
        if (*q == '\\') {
            has_escape = 1;
            break;
        }
    if (j->build && has_escape) {
        o = arena_try_alloc(j->a, (size_t)(end - s) + 1);
        if (!o)
            return jnomem(j);
    }
    const uint8_t *content = s + 1;
    for (;;) {
        s++;
        if (s >= end)
            return jerr(j, s, "Token \"", j->p, (size_t)(s - j->p), "\" is invalid.");
        if (*s == '"')
            break;
        if (*s < 32) {
            char d[80];
            snprintf(d, sizeof(d), "Character with value 0x%02x must be escaped.", *s);
            return jerr(j, s, d, NULL, 0, ""); /* the context stops before the unprintable byte */
        }
        if (*s == '\\') {
            s++;
            if (s >= end)
                return jerr(j, s, "Token \"", j->p, (size_t)(s - j->p), "\" is invalid.");
            if (*s == 'u') {
                unsigned ch = 0;
                for (int i = 1; i <= 4; i++) {
                    s++;
                    if (s >= end)
                        return jerr(j, s, "Token \"", j->p, (size_t)(s - j->p), "\" is invalid.");
                    int h = hexv(*s);
                    if (h < 0)
                        return jerr(j, s + jmblen(j, s), "\"\\u\" must be followed by four hexadecimal digits.", NULL,
                                    0, "");
                    ch = ch * 16 + (unsigned)h;
                }
                if (j->build) {
                    if (ch >= 0xD800 && ch <= 0xDBFF) {
                        if (hi != -1)
                            return jerr(j, s + 1, "Unicode high surrogate must not follow a high surrogate.", NULL, 0,
                                        "");
                        hi = (int)ch;
                        continue;
                    } else if (ch >= 0xDC00 && ch <= 0xDFFF) {
                        if (hi == -1)
                            return jerr(j, s + 1, "Unicode low surrogate must follow a high surrogate.", NULL, 0, "");
                        ch = 0x10000 + (((unsigned)hi - 0xD800) << 10) + (ch - 0xDC00);
                        hi = -1;
                    }
                    if (hi != -1)
                        return jerr(j, s + 1, "Unicode low surrogate must follow a high surrogate.", NULL, 0, "");
                    if (ch == 0) {
                        jcontext(j, s + 1);
                        if (j->err && !j->err->sqlstate[0])
                            snprintf(j->err->detail, sizeof(j->err->detail), "\\u0000 cannot be converted to text.");
                        return sql_error_set(j->err, "22P05", 0, "unsupported Unicode escape sequence");
                    }
                    on += utf8_put(o + on, ch);
                }
            } else {
                uint8_t c;
                switch (*s) {
                case '"':
                case '\\':
                case '/':
                    c = *s;
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'f':
                    c = '\f';
                    break;
                case 'n':
                    c = '\n';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 't':
                    c = '\t';
                    break;
                default: {
                    size_t l = 1;
                    while (s + l < end && (s[l] & 0xC0) == 0x80)
                        l++;
                    return jerr(j, s + l, "Escape sequence \"", s - 1, l + 1, "\" is invalid.");
                }
                }
                if (j->build) {
                    if (hi != -1)
                        return jerr(j, s + 1, "Unicode low surrogate must follow a high surrogate.", NULL, 0, "");
                    o[on++] = c;
                }
            }
        } else if (j->build && has_escape) {
            if (hi != -1)
                return jerr(j, s + jmblen(j, s), "Unicode low surrogate must follow a high surrogate.", NULL, 0, "");
            o[on++] = *s;
        }
    }
    if (j->build && hi != -1) /* at the closing quote */
        return jerr(j, s + 1, "Unicode low surrogate must follow a high surrogate.", NULL, 0, "");
    t->type = TK_STRING;
    t->start = j->p;
    t->len = (size_t)(s + 1 - j->p);
    if (j->build)
        t->str = has_escape ? (Slice){o, on} : (Slice){content, (size_t)(s - content)};
    j->p = s + 1;
    return WEIR_OK;
}

static int lex_number(J *j, JTok *t)
{
    const uint8_t *s = j->p, *end = j->end;
    int bad = 0;
    if (*s == '-')
        s++;
    if (s < end && *s == '0')
        s++;
    else if (s < end && *s >= '1' && *s <= '9')
        while (s < end && *s >= '0' && *s <= '9')
            s++;
    else
        bad = 1;
    if (s < end && *s == '.') {
        s++;
        if (s == end || *s < '0' || *s > '9')
            bad = 1;
        else
            while (s < end && *s >= '0' && *s <= '9')
                s++;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        if (s < end && (*s == '+' || *s == '-'))
            s++;
        if (s == end || *s < '0' || *s > '9')
            bad = 1;
        else
            while (s < end && *s >= '0' && *s <= '9')
                s++;
    }
    const uint8_t *q = s;
    while (q < end && alnum(*q)) {
        q++;
        bad = 1;
    }
    if (bad)
        return jerr(j, q, "Token \"", j->p, (size_t)(q - j->p), "\" is invalid.");
    t->type = TK_NUMBER;
    t->start = j->p;
    t->len = (size_t)(s - j->p);
    j->p = s;
    return WEIR_OK;
}

static int lex(J *j, JTok *t)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        if (*j->p++ == '\n') {
            j->line++;
            j->line_start = j->p;
        }
    t->start = j->p;
    t->len = 0;
    if (j->p >= j->end) {
        t->type = TK_END;
        return WEIR_OK;
    }
    uint8_t c = *j->p;
    int single = -1;
    switch (c) {
    case '{':
        single = TK_LBRACE;
        break;
    case '}':
        single = TK_RBRACE;
        break;
    case '[':
        single = TK_LBRACKET;
        break;
    case ']':
        single = TK_RBRACKET;
        break;
    case ':':
        single = TK_COLON;
        break;
    case ',':
        single = TK_COMMA;
        break;
    case '"':
        return lex_string(j, t);
    case '-':
        return lex_number(j, t);
    default:
        if (c >= '0' && c <= '9')
            return lex_number(j, t);
        break;
    }
    if (single >= 0) {
        t->type = single;
        t->len = 1;
        j->p++;
        return WEIR_OK;
    }
    const uint8_t *q = j->p;
    while (q < j->end && alnum(*q))
        q++;
    if (q == j->p)
        return jerr(j, j->p + 1, "Token \"", j->p, 1, "\" is invalid.");
    size_t l = (size_t)(q - j->p);
    if (l == 4 && memcmp(j->p, "true", 4) == 0)
        t->type = TK_TRUE;
    else if (l == 5 && memcmp(j->p, "false", 5) == 0)
        t->type = TK_FALSE;
    else if (l == 4 && memcmp(j->p, "null", 4) == 0)
        t->type = TK_NULL;
    else
        return jerr(j, q, "Token \"", j->p, l, "\" is invalid.");
    t->len = l;
    j->p = q;
    return WEIR_OK;
}

static int expected(J *j, const char *what, const JTok *t)
{
    if (t->type == TK_END)
        return jerr(j, j->end, "The input string ended unexpectedly.", NULL, 0, "");
    char pre[96];
    snprintf(pre, sizeof(pre), "Expected %s, but found \"", what);
    return jerr(j, t->start + t->len, pre, t->start, t->len, "\".");
}

/* numeric_in + numeric_out on the JSON number text, as strings (no digit limit). */
static int normalize_number(J *j, const JTok *t, Slice *out)
{
    const uint8_t *s = t->start, *e = t->start + t->len;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    const uint8_t *ip = s;
    while (s < e && *s >= '0' && *s <= '9')
        s++;
    size_t ilen = (size_t)(s - ip);
    const uint8_t *fp = s;
    size_t flen = 0;
    if (s < e && *s == '.') {
        fp = ++s;
        while (s < e && *s >= '0' && *s <= '9')
            s++;
        flen = (size_t)(s - fp);
    }
    long exp = 0;
    if (s < e && (*s == 'e' || *s == 'E')) {
        s++;
        int eneg = 0;
        if (*s == '+' || *s == '-')
            eneg = *s++ == '-';
        while (s < e) {
            if (exp < 100000000)
                exp = exp * 10 + (*s - '0');
            s++;
        }
        if (eneg)
            exp = -exp;
    }
    long dscale = (long)flen - exp;
    if (dscale < 0)
        dscale = 0;
    /* digits D = int digits + fraction digits; the point sits after (ilen + exp) of them */
    size_t dlen = ilen + flen;
    long lead = 0; /* leading zeros of D */
    while ((size_t)lead < dlen && (lead < (long)ilen ? ip[lead] : fp[lead - (long)ilen]) == '0')
        lead++;
    long pointpos = (long)ilen + exp - lead;
    long sig = (long)dlen - lead;
    if (sig > 0 && (pointpos > 131072 || dscale > 16383))
        return sql_error_set(j->err, "22003", 0, "value overflows numeric format");
    if (sig == 0 && dscale > 16383)
        return sql_error_set(j->err, "22003", 0, "value overflows numeric format");
    size_t cap = 2 + (size_t)(pointpos > 0 ? pointpos : 1) + 1 + (size_t)dscale;
    uint8_t *o = arena_try_alloc(j->a, cap);
    if (!o)
        return jnomem(j);
    size_t n = 0;
#define DIG(k) ((k) < 0 || (k) >= sig ? '0' : ((lead + (k)) < (long)ilen ? ip[lead + (k)] : fp[lead + (k) - (long)ilen]))
    if (sig > 0 && neg)
        o[n++] = '-';
    if (sig == 0 || pointpos <= 0) {
        o[n++] = '0';
    } else {
        for (long k = 0; k < pointpos; k++)
            o[n++] = (uint8_t)DIG(k);
    }
    if (dscale > 0) {
        o[n++] = '.';
        for (long k = 0; k < dscale; k++)
            o[n++] = sig == 0 ? '0' : (uint8_t)DIG(pointpos + k);
    }
#undef DIG
    *out = (Slice){o, n};
    return WEIR_OK;
}

static int parse_value(J *j, JTok *t, JNode *node);

/* Members collected in a chunked list while parsing, then laid out as an array. */
typedef struct JList {
    JNode *items;
    uint32_t n, cap;
} JList;

static int list_push(J *j, JList *l, JNode **slot)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        JNode *items = ARENA_NEW(j->a, JNode, cap);
        if (!items)
            return jnomem(j);
        if (l->n)
            memcpy(items, l->items, sizeof(JNode) * l->n);
        l->items = items;
        l->cap = cap;
    }
    *slot = &l->items[l->n++];
    memset(*slot, 0, sizeof(JNode));
    return WEIR_OK;
}

static int key_cmp(const JNode *a, const JNode *b)
{
    if (a->s.n != b->s.n)
        return a->s.n < b->s.n ? -1 : 1;
    return memcmp(a->s.p, b->s.p, a->s.n);
}

/* Sort key/value pairs by key (length, then bytes), keeping input order among equal keys, then keep
 * only the last of each run of equal keys. Insertion sort on pair indexes for small objects, merge
 * sort otherwise. */
static void sort_pairs(JNode *kv, uint32_t n, JNode *tmp)
{
    if (n < 2)
        return;
    if (n <= 12) {
        for (uint32_t i = 1; i < n; i++) {
            JNode k = kv[2 * i], v = kv[2 * i + 1];
            uint32_t x = i;
            while (x > 0 && key_cmp(&kv[2 * (x - 1)], &k) > 0) {
                kv[2 * x] = kv[2 * (x - 1)];
                kv[2 * x + 1] = kv[2 * (x - 1) + 1];
                x--;
            }
            kv[2 * x] = k;
            kv[2 * x + 1] = v;
        }
        return;
    }
    uint32_t h = n / 2;
    sort_pairs(kv, h, tmp);
    sort_pairs(kv + 2 * h, n - h, tmp);
    uint32_t a = 0, b = h, o = 0;
    while (a < h && b < n) {
        if (key_cmp(&kv[2 * b], &kv[2 * a]) < 0) {
            tmp[2 * o] = kv[2 * b];
            tmp[2 * o + 1] = kv[2 * b + 1];
            b++;
        } else {
            tmp[2 * o] = kv[2 * a];
            tmp[2 * o + 1] = kv[2 * a + 1];
            a++;
        }
        o++;
    }
    while (a < h) {
        tmp[2 * o] = kv[2 * a];
        tmp[2 * o + 1] = kv[2 * a + 1];
        a++, o++;
    }
    while (b < n) {
        tmp[2 * o] = kv[2 * b];
        tmp[2 * o + 1] = kv[2 * b + 1];
        b++, o++;
    }
    memcpy(kv, tmp, sizeof(JNode) * 2 * n);
}

static int parse_object(J *j, JNode *node)
{
    JTok t;
    JList l = {0};
    if (lex(j, &t))
        return WEIR_ERROR;
    if (t.type == TK_RBRACE)
        goto done;
    if (t.type != TK_STRING)
        return expected(j, "string or \"}\"", &t);
    for (;;) {
        JNode *k = NULL, *v = NULL;
        if (j->build) {
            if (list_push(j, &l, &k))
                return WEIR_ERROR;
            k->kind = 's';
            k->s = t.str;
        }
        if (lex(j, &t))
            return WEIR_ERROR;
        if (t.type != TK_COLON)
            return expected(j, "\":\"", &t);
        if (lex(j, &t))
            return WEIR_ERROR;
        JNode tmpnode;
        if (j->build) {
            if (list_push(j, &l, &v))
                return WEIR_ERROR;
        }
        if (parse_value(j, &t, j->build ? v : &tmpnode))
            return WEIR_ERROR;
        if (lex(j, &t))
            return WEIR_ERROR;
        if (t.type == TK_RBRACE)
            break;
        if (t.type != TK_COMMA)
            return expected(j, "\",\" or \"}\"", &t);
        if (lex(j, &t))
            return WEIR_ERROR;
        if (t.type != TK_STRING)
            return expected(j, "string", &t);
    }
done:
    if (j->build) {
        node->kind = 'o';
        uint32_t pairs = l.n / 2;
        if (pairs > 1) {
            JNode *tmp = ARENA_NEW(j->a, JNode, l.n);
            if (!tmp)
                return jnomem(j);
            sort_pairs(l.items, pairs, tmp);
            /* drop all but the last of equal keys (stable sort keeps input order within a run) */
            uint32_t o = 0;
            for (uint32_t i = 0; i < pairs; i++) {
                if (i + 1 < pairs && key_cmp(&l.items[2 * i], &l.items[2 * (i + 1)]) == 0)
                    continue;
                l.items[2 * o] = l.items[2 * i];
                l.items[2 * o + 1] = l.items[2 * i + 1];
                o++;
            }
            pairs = o;
        }
        node->n = pairs;
        node->kids = l.items;
    }
    return WEIR_OK;
}

static int parse_array(J *j, JNode *node)
{
    JTok t;
    JList l = {0};
    if (lex(j, &t))
        return WEIR_ERROR;
    if (t.type != TK_RBRACKET) {
        for (;;) {
            JNode *v = NULL, tmpnode;
            if (j->build && list_push(j, &l, &v))
                return WEIR_ERROR;
            if (parse_value(j, &t, j->build ? v : &tmpnode))
                return WEIR_ERROR;
            if (lex(j, &t))
                return WEIR_ERROR;
            if (t.type == TK_RBRACKET)
                break;
            if (t.type != TK_COMMA)
                return expected(j, "\",\" or \"]\"", &t);
            if (lex(j, &t))
                return WEIR_ERROR;
        }
    }
    if (j->build) {
        node->kind = 'a';
        node->n = l.n;
        node->kids = l.items;
    }
    return WEIR_OK;
}

static int parse_value(J *j, JTok *t, JNode *node)
{
    switch (t->type) {
    case TK_STRING:
        node->kind = 's';
        node->s = t->str;
        return WEIR_OK;
    case TK_NUMBER:
        node->kind = 'n';
        return j->build ? normalize_number(j, t, &node->s) : WEIR_OK;
    case TK_TRUE:
        node->kind = 't';
        return WEIR_OK;
    case TK_FALSE:
        node->kind = 'f';
        return WEIR_OK;
    case TK_NULL:
        node->kind = 'z';
        return WEIR_OK;
    case TK_LBRACE:
    case TK_LBRACKET: {
        if (++j->depth > SQL_JSON_MAX_DEPTH)
            return sql_error_set(j->err, "54001", 0, "stack depth limit exceeded");
        int rc = t->type == TK_LBRACE ? parse_object(j, node) : parse_array(j, node);
        j->depth--;
        return rc;
    }
    default:
        return expected(j, "JSON value", t);
    }
}

static int parse_top(J *j, JNode *root)
{
    JTok t;
    if (lex(j, &t) || parse_value(j, &t, root) || lex(j, &t))
        return WEIR_ERROR;
    if (t.type != TK_END)
        return expected(j, "end of input", &t);
    return WEIR_OK;
}

int sql_json_validate(const uint8_t *p, size_t n, SqlError *err)
{
    J j = {p, p + n, 0, NULL, err, 0, p, 1};
    JNode root;
    return parse_top(&j, &root);
}

/* ----------------------------------------------------------------------------------------------- */
/* jsonb output                                                                                      */
/* ----------------------------------------------------------------------------------------------- */

/* escape_json: length of the quoted string, and the writer */
static size_t str_len(Slice s)
{
    size_t n = 2;
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
            n += 2;
        else if (c < 0x20)
            n += 6;
        else
            n += 1;
    }
    return n;
}

static uint8_t *str_put(uint8_t *o, Slice s)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    for (size_t i = 0; i < s.n; i++) {
        uint8_t c = s.p[i];
        switch (c) {
        case '"':
            *o++ = '\\', *o++ = '"';
            break;
        case '\\':
            *o++ = '\\', *o++ = '\\';
            break;
        case '\b':
            *o++ = '\\', *o++ = 'b';
            break;
        case '\f':
            *o++ = '\\', *o++ = 'f';
            break;
        case '\n':
            *o++ = '\\', *o++ = 'n';
            break;
        case '\r':
            *o++ = '\\', *o++ = 'r';
            break;
        case '\t':
            *o++ = '\\', *o++ = 't';
            break;
        default:
            if (c < 0x20) {
                memcpy(o, "\\u00", 4);
                o += 4;
                *o++ = (uint8_t)hex[c >> 4];
                *o++ = (uint8_t)hex[c & 15];
            } else {
                *o++ = c;
            }
        }
    }
    *o++ = '"';
    return o;
}

static size_t node_len(const JNode *nd)
{
    switch (nd->kind) {
    case 's':
        return str_len(nd->s);
    case 'n':
        return nd->s.n;
    case 't':
    case 'z':
        return 4;
    case 'f':
        return 5;
    case 'a': {
        size_t n = 2;
        for (uint32_t i = 0; i < nd->n; i++)
            n += node_len(&nd->kids[i]) + (i ? 2 : 0);
        return n;
    }
    default: {
        size_t n = 2;
        for (uint32_t i = 0; i < nd->n; i++)
            n += str_len(nd->kids[2 * i].s) + 2 + node_len(&nd->kids[2 * i + 1]) + (i ? 2 : 0);
        return n;
    }
    }
}

static uint8_t *node_put(uint8_t *o, const JNode *nd)
{
    switch (nd->kind) {
    case 's':
        return str_put(o, nd->s);
    case 'n':
        memcpy(o, nd->s.p, nd->s.n);
        return o + nd->s.n;
    case 't':
        memcpy(o, "true", 4);
        return o + 4;
    case 'z':
        memcpy(o, "null", 4);
        return o + 4;
    case 'f':
        memcpy(o, "false", 5);
        return o + 5;
    case 'a':
        *o++ = '[';
        for (uint32_t i = 0; i < nd->n; i++) {
            if (i)
                *o++ = ',', *o++ = ' ';
            o = node_put(o, &nd->kids[i]);
        }
        *o++ = ']';
        return o;
    default:
        *o++ = '{';
        for (uint32_t i = 0; i < nd->n; i++) {
            if (i)
                *o++ = ',', *o++ = ' ';
            o = str_put(o, nd->kids[2 * i].s);
            *o++ = ':', *o++ = ' ';
            o = node_put(o, &nd->kids[2 * i + 1]);
        }
        *o++ = '}';
        return o;
    }
}

int sql_jsonb_normalize(const uint8_t *p, size_t n, Arena *a, Slice *out, SqlError *err)
{
    J j = {p, p + n, 1, a, err, 0, p, 1};
    JNode root;
    memset(&root, 0, sizeof(root));
    if (parse_top(&j, &root))
        return WEIR_ERROR;
    size_t len = node_len(&root);
    uint8_t *o = arena_try_alloc(a, len + 1);
    if (!o)
        return jnomem(&j);
    uint8_t *e = node_put(o, &root);
    *e = '\0';
    *out = (Slice){o, (size_t)(e - o)};
    return WEIR_OK;
}
