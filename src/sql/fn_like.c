/*
 * fn_like.c: pattern matching: LIKE / ILIKE / NOT LIKE (~~ ~~* !~~ !~~*) with like_escape for the
 * ESCAPE clause, and POSIX regular expressions (~ ~* !~ !~*, regexp_replace, regexp_match,
 * regexp_like, regexp_count, regexp_substr, regexp_split_to_array, substring(s FROM pattern)).
 *
 * LIKE: PostgreSQL's own algorithm (like_match.c MatchText: '%' searches for a text position where the
 * rest matches, '_' takes one UTF-8 character, '\' makes the next character literal, a pattern ending
 * in '\' fails with 22025 when matching reaches it). A constant pattern is analysed once per call site
 * (fn_like_init) into one of the shapes queries mostly use -- exact, 'abc%', '%abc', '%abc%', '%' --
 * which run as memcmp/memmem, and falls back to MatchText otherwise. ILIKE is PostgreSQL's for a UTF-8
 * database: lower(text) LIKE lower(pattern), lower being C.UTF-8's case mapping (fn_utf8_case_map), so
 * 'CAFÉ' matches 'café'. Lowering can change a string's byte length, so text with non-ASCII bytes is
 * lowered into scratch before matching; ASCII text is folded on the fly by the fast shapes.
 *
 * Regular expressions: Debian's PCRE2 (JIT-compiled when available), after translating PostgreSQL's
 * ARE syntax where the two differ (re_translate): \m \M \y \Y word boundaries, [[:<:]] [[:>:]], \Z,
 * \b as backspace, \B as backslash, \v, \uXXXX, \UXXXXXXXX, \xHHH, [[.c.]] and [[=c=]], the ***= and
 * ***: prefixes and leading embedded options (?inmpswxtqce). PostgreSQL's defaults become PCRE2 options:
 * '.' matches a newline (DOTALL), '$' matches only at the very end (DOLLAR_ENDONLY); the 'n' flag gives
 * newline-sensitive matching (MULTILINE, no DOTALL, and [^...] excludes newline as in PostgreSQL).
 * Known differences: PCRE2 picks the first alternative that matches where PostgreSQL's ARE engine
 * prefers the longest ('abcd' ~ 'a|ab' matches 'a', not 'ab'); case-insensitive matching (~*, the 'i'
 * flag) uses PCRE2's Unicode case folding, which agrees with PostgreSQL's towupper/towlower in C.UTF-8
 * on letters with one upper and one lower form but also joins the rare extra forms (the Kelvin sign
 * matches 'k', final sigma matches capital sigma) that PostgreSQL keeps apart.
 *
 * A constant pattern (and constant flags) is compiled once per call site in the init hook; its compile
 * error is kept and raised by the kernel when it first sees a row (so an empty input does not fail, as
 * in PostgreSQL). Non-constant patterns are compiled per distinct value within a call (the previous
 * pattern is cached). Compiled code is shared read-only by worker threads; match data (the only
 * mutable matching state) is allocated per kernel call.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql/fn_int.h"

static inline uint8_t fold(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* ------------------------------------------------------------------------------------------------
 * LIKE
 * ---------------------------------------------------------------------------------------------- */

enum { LIKE_FALSE = 0, LIKE_TRUE = 1, LIKE_ABORT = -1, LIKE_ERROR = -2, LIKE_TOO_DEEP = -4 };

/* Each '%' of a pattern is one level of recursion; worker threads have modest stacks, so a pattern with
 * more '%' groups than this fails (54001) instead of overflowing, as PostgreSQL's check_stack_depth. */
#define LIKE_MAX_DEPTH 4096

/* MatchText of PostgreSQL (like_match.c), for UTF-8 text already case-folded when ILIKE. */
static int like_match(const uint8_t *t, size_t tn, const uint8_t *p, size_t pn, int depth)
{
    if (depth > LIKE_MAX_DEPTH)
        return LIKE_TOO_DEEP;
    if (pn == 1 && *p == '%')
        return LIKE_TRUE;
    while (tn > 0 && pn > 0) {
        if (*p == '\\') {
            p++, pn--;
            if (pn == 0)
                return LIKE_ERROR;
            if (*p != *t)
                return LIKE_FALSE;
        } else if (*p == '%') {
            /* collapse a run of % and _: N underscores and any % match at least N characters */
            p++, pn--;
            while (pn > 0) {
                if (*p == '%') {
                    p++, pn--;
                } else if (*p == '_') {
                    if (tn == 0)
                        return LIKE_ABORT;
                    size_t l = fn_utf8_len(*t);
                    l = l < tn ? l : tn;
                    t += l, tn -= l;
                    p++, pn--;
                } else {
                    break;
                }
            }
            if (pn == 0)
                return LIKE_TRUE;
            uint8_t first;
            if (*p == '\\') {
                if (pn < 2)
                    return LIKE_ERROR;
                first = p[1];
            } else {
                first = *p;
            }
            while (tn > 0) {
                if (*t == first) {
                    int m = like_match(t, tn, p, pn, depth + 1);
                    if (m != LIKE_FALSE)
                        return m;
                }
                size_t l = fn_utf8_len(*t);
                l = l < tn ? l : tn;
                t += l, tn -= l;
            }
            return LIKE_ABORT;
        } else if (*p == '_') {
            size_t l = fn_utf8_len(*t);
            l = l < tn ? l : tn;
            t += l, tn -= l;
            p++, pn--;
            continue;
        } else if (*p != *t) {
            return LIKE_FALSE;
        }
        /* bytes match: advancing byte-wise is safe, we are inside a literal run (see MatchText) */
        t++, tn--;
        p++, pn--;
    }
    if (tn > 0)
        return LIKE_FALSE;
    while (pn > 0 && *p == '%')
        p++, pn--;
    return pn == 0 ? LIKE_TRUE : LIKE_ABORT;
}

/* Shapes of a constant pattern without '_' or '\' (see the file comment). */
enum { SHAPE_GENERAL, SHAPE_EXACT, SHAPE_PREFIX, SHAPE_SUFFIX, SHAPE_CONTAINS, SHAPE_ANY };

typedef struct LikePlan {
    int shape;
    int ci;             /* ILIKE: pattern folded, text folded before matching */
    const uint8_t *pat; /* the (folded) pattern */
    size_t pat_n;
    const uint8_t *lit; /* for the fast shapes: the literal between the % signs */
    size_t lit_n;
} LikePlan;

static void like_plan_build(LikePlan *lp, const uint8_t *pat, size_t n, int ci)
{
    lp->ci = ci;
    lp->pat = pat;
    lp->pat_n = n;
    lp->shape = SHAPE_GENERAL;
    for (size_t k = 0; k < n; k++)
        if (pat[k] == '_' || pat[k] == '\\')
            return;
    size_t a = 0, b = n;
    while (a < b && pat[a] == '%')
        a++;
    while (b > a && pat[b - 1] == '%')
        b--;
    if (memchr(pat + a, '%', b - a))
        return; /* a % in the middle: general */
    lp->lit = pat + a;
    lp->lit_n = b - a;
    int lead = a > 0, trail = b < n;
    if (a == n)
        lp->shape = n ? SHAPE_ANY : SHAPE_EXACT;
    else if (!lead && !trail)
        lp->shape = SHAPE_EXACT;
    else if (!lead)
        lp->shape = SHAPE_PREFIX;
    else if (!trail)
        lp->shape = SHAPE_SUFFIX;
    else
        lp->shape = SHAPE_CONTAINS;
}

/* Byte equality, ASCII-folding s when ci (the literal is folded already). */
static inline int lit_eq(const uint8_t *s, const uint8_t *lit, size_t n, int ci)
{
    if (!ci)
        return n == 0 || memcmp(s, lit, n) == 0;
    for (size_t k = 0; k < n; k++)
        if (fold(s[k]) != lit[k])
            return 0;
    return 1;
}

/* lower(t) into scratch (grown as needed) for ILIKE; sets *out_n. NULL when out of memory. */
static const uint8_t *fold_into(Buf *scratch, const uint8_t *t, size_t n, size_t *out_n)
{
    buf_reset(scratch);
    if (buf_reserve(scratch, FN_CASE_MAP_CAP(n) + 1))
        return NULL;
    *out_n = scratch->len = fn_utf8_case_map(t, n, scratch->p, FN_CASE_LOWER);
    return scratch->p;
}

static int is_ascii(const uint8_t *p, size_t n)
{
    size_t i = 0;
    uint64_t acc = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        acc |= w;
    }
    for (; i < n; i++)
        acc |= p[i];
    return (acc & 0x8080808080808080ull) == 0;
}

/* One row: LIKE_TRUE / LIKE_FALSE, or LIKE_ERROR (pattern ends with the escape), LIKE_TOO_DEEP, -3 out of
 * memory. */
static int like_row(const LikePlan *lp, Slice t, Buf *scratch)
{
    int ci = lp->ci;
    if (ci && (lp->shape == SHAPE_CONTAINS || lp->shape == SHAPE_GENERAL || !is_ascii(t.p, t.n))) {
        size_t n;
        const uint8_t *s = fold_into(scratch, t.p, t.n, &n);
        if (!s)
            return -3;
        t = (Slice){s, n};
        ci = 0;
    }
    switch (lp->shape) {
    case SHAPE_ANY:
        return LIKE_TRUE;
    case SHAPE_EXACT:
        return t.n == lp->lit_n && lit_eq(t.p, lp->lit, t.n, ci);
    case SHAPE_PREFIX:
        return t.n >= lp->lit_n && lit_eq(t.p, lp->lit, lp->lit_n, ci);
    case SHAPE_SUFFIX:
        return t.n >= lp->lit_n && lit_eq(t.p + t.n - lp->lit_n, lp->lit, lp->lit_n, ci);
    case SHAPE_CONTAINS:
        return t.n >= lp->lit_n && memmem(t.p, t.n, lp->lit, lp->lit_n) != NULL;
    default: {
        int m = like_match(t.p, t.n, lp->pat, lp->pat_n, 0);
        return m == LIKE_ERROR || m == LIKE_TOO_DEEP ? m : m == LIKE_TRUE;
    }
    }
}

static int like_init_common(Arena *plan_arena, const SqlValue *const *consts, uint32_t n_args, void **state,
                            int ci)
{
    *state = NULL;
    if (!consts || n_args < 2 || !consts[1] || consts[1]->is_null)
        return WEIR_OK;
    Slice pat = consts[1]->u.s;
    LikePlan *lp = ARENA_NEW(plan_arena, LikePlan, 1);
    uint8_t *copy = arena_try_alloc(plan_arena, FN_CASE_MAP_CAP(pat.n) + 1);
    if (!lp || !copy)
        return WEIR_OK; /* no plan: the kernel works per row */
    size_t n = pat.n;
    if (ci)
        n = fn_utf8_case_map(pat.p, pat.n, copy, FN_CASE_LOWER);
    else if (n)
        memcpy(copy, pat.p, n);
    like_plan_build(lp, copy, n, ci);
    *state = lp;
    return WEIR_OK;
}

SQL_FN_INIT(fn_like_init)
{
    UNUSED(err);
    return like_init_common(plan_arena, consts, n_args, state, 0);
}

SQL_FN_INIT(fn_ilike_init)
{
    UNUSED(err);
    return like_init_common(plan_arena, consts, n_args, state, 1);
}

static int like_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int ci, int negate)
{
    const Slice *t = args[0].u.s, *pat = args[1].u.s;
    const LikePlan *constant = ctx->state;
    uint8_t *r = out->u.b;
    Buf scratch, pscratch;
    buf_init(&scratch, 0);
    buf_init(&pscratch, 0);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        LikePlan row_plan;
        const LikePlan *lp = constant;
        if (!lp) {
            const uint8_t *pp = pat[i].p;
            size_t pn = pat[i].n;
            if (ci && !(pp = fold_into(&pscratch, pat[i].p, pat[i].n, &pn))) {
                rc = fn_error_oom(ctx);
                break;
            }
            like_plan_build(&row_plan, pp, pn, ci);
            lp = &row_plan;
        }
        int m = like_row(lp, t[i], &scratch);
        if (m < 0) {
            if (m == LIKE_ERROR)
                rc = sql_error_set(ctx->err, "22025", 0, "LIKE pattern must not end with escape character");
            else if (m == LIKE_TOO_DEEP)
                rc = sql_error_set(ctx->err, "54001", 0, "stack depth limit exceeded");
            else
                rc = fn_error_oom(ctx);
            break;
        }
        r[i] = (uint8_t)(m ^ negate);
    }
    buf_fini(&scratch);
    buf_fini(&pscratch);
    return rc;
}

SQL_FN_KERNEL(fn_like)
{
    UNUSED(n_args);
    return like_kernel(ctx, args, out, 0, 0);
}
SQL_FN_KERNEL(fn_notlike)
{
    UNUSED(n_args);
    return like_kernel(ctx, args, out, 0, 1);
}
SQL_FN_KERNEL(fn_ilike)
{
    UNUSED(n_args);
    return like_kernel(ctx, args, out, 1, 0);
}
SQL_FN_KERNEL(fn_notilike)
{
    UNUSED(n_args);
    return like_kernel(ctx, args, out, 1, 1);
}

/* like_escape(pattern, escape): rewrite a pattern written with another escape character (the ESCAPE
 * clause) into the backslash form LIKE takes. An empty escape means none: backslashes become literal. */
SQL_FN_KERNEL(fn_like_escape)
{
    UNUSED(n_args);
    const Slice *pat = args[0].u.s, *esc = args[1].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        Slice e = esc[i];
        if (e.n && fn_utf8_len(e.p[0]) != e.n) {
            int fresh = ctx->err && !ctx->err->sqlstate[0];
            sql_error_set(ctx->err, "22025", 0, "invalid escape string");
            if (fresh)
                snprintf(ctx->err->hint, sizeof(ctx->err->hint),
                         "Escape string must be empty or one character.");
            return WEIR_ERROR;
        }
        if (e.n == 1 && e.p[0] == '\\') {
            r[i] = pat[i];
            continue;
        }
        uint8_t *d = fn_str_reserve(&w, pat[i].n * 2);
        if (!d)
            return WEIR_ERROR;
        size_t o = 0;
        int after_escape = 0;
        for (size_t k = 0; k < pat[i].n;) {
            size_t l = fn_utf8_len(pat[i].p[k]);
            if (l > pat[i].n - k)
                l = pat[i].n - k;
            const uint8_t *c = pat[i].p + k;
            if (after_escape) {
                /* the escaped character, literal: a backslash must stay literal as "\\" */
                d[o++] = '\\';
                memcpy(d + o, c, l);
                o += l;
                after_escape = 0;
            } else if (e.n && l == e.n && memcmp(c, e.p, l) == 0) {
                after_escape = 1;
            } else if (*c == '\\') {
                d[o++] = '\\';
                d[o++] = '\\';
            } else {
                memcpy(d + o, c, l);
                o += l;
            }
            k += l;
        }
        if (after_escape)
            d[o++] = '\\'; /* a trailing escape stays one, and LIKE reports it */
        r[i] = fn_str_take(&w, o);
    }
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * Regular expressions: translation and compilation
 * ---------------------------------------------------------------------------------------------- */

typedef struct FnRegex {
    pcre2_code *code;  /* NULL when compilation failed (then failed is set) */
    uint32_t n_groups; /* capturing groups */
    uint8_t global;    /* the 'g' flag */
    uint8_t failed;
    char sqlstate[6];
    char msg[200];
    char hint[64];
} FnRegex;

typedef struct ReFlags {
    uint32_t opts;   /* PCRE2 compile options */
    int nl_brackets; /* newline-sensitive [^...]: exclude \n */
    int literal;     /* 'q' or ***= */
    int global;
} ReFlags;

static void re_fail(FnRegex *re, const char *sqlstate, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void re_fail(FnRegex *re, const char *sqlstate, const char *hint, const char *fmt, ...)
{
    re->failed = 1;
    snprintf(re->sqlstate, sizeof(re->sqlstate), "%s", sqlstate);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(re->msg, sizeof(re->msg), fmt, ap);
    va_end(ap);
    snprintf(re->hint, sizeof(re->hint), "%s", hint ? hint : "");
}

/* Apply one option letter (a flags argument or an embedded (?...) option). Returns 0, or -1 when the
 * letter is not an option. */
static int re_flag(ReFlags *f, uint8_t c, int embedded)
{
    switch (c) {
    case 'g':
        if (embedded)
            return -1;
        f->global = 1;
        return 0;
    case 'i':
        f->opts |= PCRE2_CASELESS;
        return 0;
    case 'c':
        f->opts &= ~(uint32_t)PCRE2_CASELESS;
        return 0;
    case 'n':
    case 'm': /* newline-sensitive */
        f->opts = (f->opts & ~(uint32_t)PCRE2_DOTALL) | PCRE2_MULTILINE;
        f->nl_brackets = 1;
        return 0;
    case 's': /* the default: not newline-sensitive */
        f->opts = (f->opts | PCRE2_DOTALL) & ~(uint32_t)PCRE2_MULTILINE;
        f->nl_brackets = 0;
        return 0;
    case 'p': /* partial: . and [^ exclude newline, ^ $ still anchor the whole string */
        f->opts &= ~(uint32_t)(PCRE2_DOTALL | PCRE2_MULTILINE);
        f->nl_brackets = 1;
        return 0;
    case 'w': /* inverse partial: ^ $ anchor lines, . and [^ take newline */
        f->opts |= PCRE2_DOTALL | PCRE2_MULTILINE;
        f->nl_brackets = 0;
        return 0;
    case 'x':
        f->opts |= PCRE2_EXTENDED;
        return 0;
    case 't':
        f->opts &= ~(uint32_t)PCRE2_EXTENDED;
        return 0;
    case 'q':
        f->literal = 1;
        return 0;
    case 'e':
        return 0; /* ERE: a subset of the ARE syntax */
    default:
        return -1;
    }
}

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static const char *const bad_escape = "invalid escape \\ sequence";

/* Translate an escape at p[*i] == '\\' (outside or inside a bracket expression). Returns 0, or -1 with
 * *why set. */
static int re_escape(const uint8_t *p, size_t n, size_t *i, int in_bracket, Buf *o, const char **why)
{
    size_t k = *i + 1;
    if (k >= n) {
        *why = bad_escape;
        return -1;
    }
    uint8_t c = p[k];
    int rc = 0;
    const char *rep = NULL;
    switch (c) {
    case 'm':
        rep = "\\b(?=\\w)";
        break;
    case 'M':
        rep = "\\b(?<=\\w)";
        break;
    case 'y':
        rep = "\\b";
        break;
    case 'Y':
        rep = "\\B";
        break;
    case 'Z':
        rep = "\\z";
        break;
    case 'A':
        rep = "\\A";
        break;
    case 'b':
        rep = "\\x08";
        break; /* backspace in ARE */
    case 'B':
        rep = "\\\\";
        break; /* a synonym for backslash */
    case 'v':
        rep = "\\x0B";
        break; /* vertical tab, not PCRE2's vertical-space class */
    case 'e':
        rep = "\\x1B";
        break;
    case 'a':
        rep = "\\x07";
        break;
    case 'f':
        rep = "\\f";
        break;
    case 'n':
        rep = "\\n";
        break;
    case 'r':
        rep = "\\r";
        break;
    case 't':
        rep = "\\t";
        break;
    case 'd':
    case 's':
    case 'w':
    case 'D':
    case 'S':
    case 'W': {
        char two[3] = {'\\', (char)c, 0};
        rc = buf_append_cstr(o, two);
        *i = k + 1;
        return rc ? (*why = "out of memory", -1) : 0;
    }
    case 'c':
        if (k + 1 >= n) {
            *why = bad_escape;
            return -1;
        }
        rc = buf_printf(o, "\\x{%x}", (unsigned)(p[k + 1] & 0x1F));
        *i = k + 2;
        return rc ? (*why = "out of memory", -1) : 0;
    case 'u':
    case 'U':
    case 'x': {
        size_t want = c == 'u' ? 4 : c == 'U' ? 8 : 0, d = k + 1;
        while (d < n && is_hex(p[d]) && (want == 0 || d - k - 1 < want))
            d++;
        if ((want && d - k - 1 != want) || d == k + 1) {
            *why = bad_escape;
            return -1;
        }
        rc = buf_printf(o, "\\x{%.*s}", (int)(d - k - 1), (const char *)p + k + 1);
        *i = d;
        return rc ? (*why = "out of memory", -1) : 0;
    }
    case '0': {
        /* \0, \0y, \0yz octal */
        size_t d = k + 1;
        unsigned v = 0;
        while (d < n && d < k + 3 && p[d] >= '0' && p[d] <= '7')
            v = v * 8 + (unsigned)(p[d++] - '0');
        rc = buf_printf(o, "\\x{%x}", v);
        *i = d;
        return rc ? (*why = "out of memory", -1) : 0;
    }
    default:
        if (c >= '1' && c <= '9') {
            if (in_bracket) {
                *why = bad_escape;
                return -1;
            }
            /* a back reference: \1 .. \99 when that many groups exist is left to PCRE2 */
            size_t d = k;
            while (d < n && d < k + 2 && p[d] >= '0' && p[d] <= '9')
                d++;
            rc = buf_append_byte(o, '\\') || buf_append(o, p + k, d - k);
            *i = d;
            return rc ? (*why = "out of memory", -1) : 0;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            *why = bad_escape;
            return -1;
        }
        /* an escaped non-alphanumeric character is itself; keep the escape for PCRE2 */
        rc = buf_append_byte(o, '\\') ||
             buf_append(o, p + k, fn_utf8_len(c) <= n - k ? fn_utf8_len(c) : n - k);
        *i = k + (fn_utf8_len(c) <= n - k ? fn_utf8_len(c) : n - k);
        return rc ? (*why = "out of memory", -1) : 0;
    }
    if (in_bracket && (c == 'm' || c == 'M' || c == 'y' || c == 'Y' || c == 'Z' || c == 'A')) {
        *why = bad_escape;
        return -1;
    }
    rc = buf_append_cstr(o, rep);
    *i = k + 1;
    return rc ? (*why = "out of memory", -1) : 0;
}

/* A bracket expression starting at p[*i] == '['. */
static int re_bracket(const uint8_t *p, size_t n, size_t *i, const ReFlags *f, Buf *o, const char **why)
{
    static const char *const unbalanced = "brackets [] not balanced";
    size_t k = *i + 1;
    int rc = buf_append_byte(o, '[');
    if (k < n && p[k] == '^') {
        rc |= buf_append_byte(o, '^');
        if (f->nl_brackets)
            rc |= buf_append_cstr(o, "\\n");
        k++;
    }
    if (k < n && p[k] == ']') {
        rc |= buf_append_cstr(o, "\\]");
        k++;
    }
    while (k < n && p[k] != ']' && !rc) {
        if (p[k] == '[' && k + 1 < n && (p[k + 1] == ':' || p[k + 1] == '.' || p[k + 1] == '=')) {
            uint8_t kind = p[k + 1];
            size_t e = k + 2;
            while (e + 1 < n && !(p[e] == kind && p[e + 1] == ']'))
                e++;
            if (e + 1 >= n) {
                *why = unbalanced;
                return -1;
            }
            if (kind == ':') {
                rc |= buf_append(o, p + k, e + 2 - k);
            } else {
                /* a collating element or equivalence class: only single characters exist in C */
                size_t len = e - (k + 2);
                if (len == 0 || fn_utf8_len(p[k + 2]) != len) {
                    *why = "invalid collating element";
                    return -1;
                }
                uint8_t c = p[k + 2];
                if (c == '\\' || c == ']' || c == '[' || c == '^' || c == '-')
                    rc |= buf_append_byte(o, '\\'); /* special inside a PCRE2 class: escape it */
                rc |= buf_append(o, p + k + 2, len);
            }
            k = e + 2;
        } else if (p[k] == '\\') {
            if (re_escape(p, n, &k, 1, o, why))
                return -1;
        } else if (p[k] == '[') {
            rc |= buf_append_cstr(o, "\\[");
            k++;
        } else {
            rc |= buf_append_byte(o, p[k]);
            k++;
        }
    }
    if (k >= n) {
        *why = unbalanced;
        return -1;
    }
    rc |= buf_append_byte(o, ']');
    *i = k + 1;
    if (rc) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

/* Translate an ARE into PCRE2 syntax (see the file comment). f may gain options from a ***= prefix or
 * leading embedded options. Returns 0, or -1 with *why (PostgreSQL's wording of the problem). */
static int re_translate(const uint8_t *p, size_t n, ReFlags *f, Buf *o, const char **why)
{
    size_t i = 0;
    if (n >= 4 && memcmp(p, "***=", 4) == 0) {
        f->literal = 1;
        i = 4;
    } else if (n >= 4 && memcmp(p, "***:", 4) == 0) {
        i = 4;
    }
    if (!f->literal && i + 1 < n && p[i] == '(' && p[i + 1] == '?' && i + 2 < n && p[i + 2] >= 'a' &&
        p[i + 2] <= 'z') {
        size_t k = i + 2;
        while (k < n && p[k] != ')') {
            if (re_flag(f, p[k], 1)) {
                *why = "invalid embedded option";
                return -1;
            }
            k++;
        }
        if (k >= n) {
            *why = "invalid embedded option";
            return -1;
        }
        i = k + 1;
    }
    if (f->literal)
        return buf_append(o, p + i, n - i) ? (*why = "out of memory", -1) : 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c == '\\') {
            if (re_escape(p, n, &i, 0, o, why))
                return -1;
        } else if (c == '[') {
            if (i + 6 < n + 1 && n - i >= 7 &&
                (memcmp(p + i, "[[:<:]]", 7) == 0 || memcmp(p + i, "[[:>:]]", 7) == 0)) {
                if (buf_append_cstr(o, p[i + 3] == '<' ? "\\b(?=\\w)" : "\\b(?<=\\w)")) {
                    *why = "out of memory";
                    return -1;
                }
                i += 7;
            } else if (re_bracket(p, n, &i, f, o, why)) {
                return -1;
            }
        } else if (c == '(' && i + 1 < n && p[i + 1] == '?' &&
                   !(i + 2 < n && (p[i + 2] == ':' || p[i + 2] == '=' || p[i + 2] == '!' || p[i + 2] == '#' ||
                                   (p[i + 2] == '<' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '!'))))) {
            /* PCRE2's own group syntax (named groups, atomic groups, ...) is not ARE */
            *why = "quantifier operand invalid";
            return -1;
        } else {
            if (buf_append_byte(o, c)) {
                *why = "out of memory";
                return -1;
            }
            i++;
        }
    }
    return 0;
}

/* PostgreSQL's wording for the PCRE2 errors a mistyped pattern commonly gives. */
static const char *re_pcre_error_text(int code)
{
    switch (code) {
    case PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS:
    case PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS:
        return "parentheses () not balanced";
    case PCRE2_ERROR_MISSING_SQUARE_BRACKET:
        return "brackets [] not balanced";
    case PCRE2_ERROR_QUANTIFIER_INVALID:
        return "quantifier operand invalid";
    case PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER:
    case PCRE2_ERROR_QUANTIFIER_TOO_BIG:
        return "invalid repetition count(s)";
    case PCRE2_ERROR_END_BACKSLASH:
    case PCRE2_ERROR_UNKNOWN_ESCAPE:
        return bad_escape;
    case PCRE2_ERROR_BAD_SUBPATTERN_REFERENCE:
        return "invalid backreference number";
    default:
        return NULL;
    }
}

/* Parse a flags argument. allow_global: whether 'g' is meaningful for the function. */
static int re_flags_parse(Slice flags, ReFlags *f, FnRegex *re, const char *fn_name)
{
    for (size_t k = 0; k < flags.n; k++) {
        if (re_flag(f, flags.p[k], 0)) {
            size_t l = fn_utf8_len(flags.p[k]);
            re_fail(re, "22023", NULL, "invalid regular expression option: \"%.*s\"",
                    (int)(l <= flags.n - k ? l : 1), (const char *)flags.p + k);
            return -1;
        }
    }
    if (f->global && fn_name) {
        re_fail(re, "22023",
                strcmp(fn_name, "regexp_match") == 0 ? "Use the regexp_matches function instead." : NULL,
                "%s() does not support the \"global\" option", fn_name);
        return -1;
    }
    return 0;
}

/* Compile pattern with flags into re (which records any failure instead of raising it).
 * no_global_fn: the function's name when 'g' is not allowed. */
static void re_compile(FnRegex *re, Slice pattern, Slice flags, int caseless, const char *no_global_fn)
{
    memset(re, 0, sizeof(*re));
    ReFlags f = {.opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOTALL | PCRE2_DOLLAR_ENDONLY |
                         (caseless ? PCRE2_CASELESS : 0)};
    if (re_flags_parse(flags, &f, re, no_global_fn))
        return;
    re->global = (uint8_t)f.global;
    Buf o;
    buf_init(&o, (size_t)64 << 20);
    const char *why = NULL;
    if (re_translate(pattern.p, pattern.n, &f, &o, &why)) {
        re_fail(re, "2201B", NULL, "invalid regular expression: %s", why);
        buf_fini(&o);
        return;
    }
    uint32_t opts = f.opts;
    if (f.literal)
        opts = (opts & (PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS)) | PCRE2_LITERAL;
    int ecode;
    PCRE2_SIZE eoff;
    re->code = pcre2_compile(o.p ? o.p : (const uint8_t *)"", o.len, opts, &ecode, &eoff, NULL);
    buf_fini(&o);
    if (!re->code) {
        const char *txt = re_pcre_error_text(ecode);
        if (txt) {
            re_fail(re, "2201B", NULL, "invalid regular expression: %s", txt);
        } else {
            uint8_t m[160];
            pcre2_get_error_message(ecode, m, sizeof(m));
            re_fail(re, "2201B", NULL, "invalid regular expression: %s", (const char *)m);
        }
        return;
    }
    /* JIT is a large speed-up on long scans; when it is unavailable the interpreter still works */
    (void)pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
    uint32_t cap = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &cap);
    re->n_groups = cap;
}

static void re_free_code(void *arg)
{
    pcre2_code_free(arg);
}

/* The init hooks: pattern at pat_idx, flags at flags_idx (-1 none). */
static int re_init_common(Arena *plan_arena, const SqlValue *const *consts, uint32_t n_args, void **state,
                          uint32_t pat_idx, int flags_idx, int caseless, const char *no_global_fn)
{
    *state = NULL;
    if (!consts || pat_idx >= n_args || !consts[pat_idx] || consts[pat_idx]->is_null)
        return WEIR_OK;
    Slice flags = {NULL, 0};
    if (flags_idx >= 0) {
        if ((uint32_t)flags_idx >= n_args || !consts[flags_idx] || consts[flags_idx]->is_null)
            return WEIR_OK;
        flags = consts[flags_idx]->u.s;
    }
    FnRegex *re = ARENA_NEW(plan_arena, FnRegex, 1);
    if (!re)
        return WEIR_OK;
    re_compile(re, consts[pat_idx]->u.s, flags, caseless, no_global_fn);
    if (re->code && arena_on_reset(plan_arena, re_free_code, re->code)) {
        pcre2_code_free(re->code);
        return WEIR_OK;
    }
    *state = re;
    return WEIR_OK;
}

SQL_FN_INIT(fn_re_init)
{
    UNUSED(err);
    return re_init_common(plan_arena, consts, n_args, state, 1, -1, 0, NULL);
}
SQL_FN_INIT(fn_re_init_ci)
{
    UNUSED(err);
    return re_init_common(plan_arena, consts, n_args, state, 1, -1, 1, NULL);
}
/* Init hooks by where the flags argument is and which function rejects 'g'. */
#define RE_INIT(name, FLAGS_IDX, FN_NAME)                                                                    \
    SQL_FN_INIT(name)                                                                                        \
    {                                                                                                        \
        UNUSED(err);                                                                                         \
        return re_init_common(plan_arena, consts, n_args, state, 1, n_args > (FLAGS_IDX) ? (FLAGS_IDX) : -1, \
                              0, FN_NAME);                                                                   \
    }
RE_INIT(fn_regexp_replace_init_flags3, 3, NULL)
RE_INIT(fn_regexp_replace_init_flags5, 5, NULL)
RE_INIT(fn_regexp_match_init, 2, "regexp_match")
RE_INIT(fn_regexp_like_init, 2, "regexp_like")
RE_INIT(fn_regexp_count_init, 3, "regexp_count")
RE_INIT(fn_regexp_substr_init, 4, "regexp_substr")
RE_INIT(fn_regexp_split_init, 2, "regexp_split_to_array")

/* ------------------------------------------------------------------------------------------------
 * Regular expressions: per-call matching state
 * ---------------------------------------------------------------------------------------------- */

/* What a kernel holds while it runs: the regex of the row (the call site's constant one, or one
 * compiled for a non-constant pattern and kept while the pattern repeats) and match data. */
typedef struct ReRun {
    SqlFnCtx *ctx;
    const FnRegex *constant;
    FnRegex own;      /* compiled for non-constant patterns */
    uint8_t *own_key; /* pattern '\0' flags of own, malloc'd */
    size_t own_key_n;
    int has_own;
    pcre2_match_data *md;
    uint32_t md_pairs;
    int caseless;
    const char *no_global_fn;
} ReRun;

static void rerun_init(ReRun *rr, SqlFnCtx *ctx, int caseless, const char *no_global_fn)
{
    memset(rr, 0, sizeof(*rr));
    rr->ctx = ctx;
    rr->constant = ctx->state;
    rr->caseless = caseless;
    rr->no_global_fn = no_global_fn;
}

static void rerun_fini(ReRun *rr)
{
    if (rr->has_own && rr->own.code)
        pcre2_code_free(rr->own.code);
    free(rr->own_key);
    if (rr->md)
        pcre2_match_data_free(rr->md);
}

static int re_raise(SqlFnCtx *ctx, const FnRegex *re)
{
    int fresh = ctx->err && !ctx->err->sqlstate[0];
    sql_error_set(ctx->err, re->sqlstate, 0, "%s", re->msg);
    if (fresh && re->hint[0])
        snprintf(ctx->err->hint, sizeof(ctx->err->hint), "%s", re->hint);
    return WEIR_ERROR;
}

/* The regex for this row, with match data large enough for it; NULL with the error raised. */
static const FnRegex *rerun_get(ReRun *rr, Slice pattern, Slice flags)
{
    const FnRegex *re = rr->constant;
    if (!re) {
        size_t kn = pattern.n + 1 + flags.n;
        if (!rr->has_own || kn != rr->own_key_n || memcmp(rr->own_key, pattern.p, pattern.n) != 0 ||
            (flags.n && memcmp(rr->own_key + pattern.n + 1, flags.p, flags.n) != 0) ||
            rr->own_key[pattern.n] != 0) {
            if (rr->has_own && rr->own.code)
                pcre2_code_free(rr->own.code);
            rr->has_own = 1;
            re_compile(&rr->own, pattern, flags, rr->caseless, rr->no_global_fn);
            free(rr->own_key);
            rr->own_key = xmalloc(kn + 1);
            if (pattern.n)
                memcpy(rr->own_key, pattern.p, pattern.n);
            rr->own_key[pattern.n] = 0;
            if (flags.n)
                memcpy(rr->own_key + pattern.n + 1, flags.p, flags.n);
            rr->own_key_n = kn;
        }
        re = &rr->own;
    }
    if (re->failed) {
        re_raise(rr->ctx, re);
        return NULL;
    }
    if (!rr->md || rr->md_pairs < re->n_groups + 1) {
        if (rr->md)
            pcre2_match_data_free(rr->md);
        rr->md_pairs = re->n_groups + 1;
        rr->md = pcre2_match_data_create(rr->md_pairs, NULL);
        if (!rr->md)
            weir_panic("pcre2_match_data_create failed");
    }
    return re;
}

/* Match from byte offset start. Returns 1 (ovector filled), 0 (no match), or -1 with the error set. */
static int re_exec(ReRun *rr, const FnRegex *re, Slice s, size_t start, PCRE2_SIZE **ov)
{
    int rc = pcre2_match(re->code, s.p ? s.p : (const uint8_t *)"", s.n, start, 0, rr->md, NULL);
    if (rc >= 0) {
        *ov = pcre2_get_ovector_pointer(rr->md);
        return 1;
    }
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    uint8_t m[160];
    pcre2_get_error_message(rc, m, sizeof(m));
    sql_error_set(rr->ctx->err, "2201B", 0, "regular expression failed: %s", (const char *)m);
    return -1;
}

/* Where the search continues after a match [so, eo): at eo, or one character further after an empty
 * match (PostgreSQL's rule, so 'abc' with 'x*' matches before every character). */
static size_t re_next_start(Slice s, size_t so, size_t eo)
{
    if (so != eo)
        return eo;
    return eo < s.n ? eo + (fn_utf8_len(s.p[eo]) <= s.n - eo ? fn_utf8_len(s.p[eo]) : 1) : eo + 1;
}

static Slice arg_or_empty(const Vec *args, uint32_t n_args, uint32_t k, uint32_t row)
{
    return k < n_args ? args[k].u.s[row] : (Slice){NULL, 0};
}

/* ------------------------------------------------------------------------------------------------
 * Regular expressions: kernels
 * ---------------------------------------------------------------------------------------------- */

static int re_match_kernel(SqlFnCtx *ctx, const Vec *args, Vec *out, int caseless, int negate)
{
    ReRun rr;
    rerun_init(&rr, ctx, caseless, NULL);
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    uint8_t *r = out->u.b;
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const FnRegex *re = rerun_get(&rr, pat[i], (Slice){NULL, 0});
        PCRE2_SIZE *ov;
        int m = re ? re_exec(&rr, re, s[i], 0, &ov) : -1;
        if (m < 0) {
            rc = WEIR_ERROR;
            break;
        }
        r[i] = (uint8_t)(m ^ negate);
    }
    rerun_fini(&rr);
    return rc;
}

SQL_FN_KERNEL(fn_re_match)
{
    UNUSED(n_args);
    return re_match_kernel(ctx, args, out, 0, 0);
}
SQL_FN_KERNEL(fn_re_nomatch)
{
    UNUSED(n_args);
    return re_match_kernel(ctx, args, out, 0, 1);
}
SQL_FN_KERNEL(fn_re_imatch)
{
    UNUSED(n_args);
    return re_match_kernel(ctx, args, out, 1, 0);
}
SQL_FN_KERNEL(fn_re_noimatch)
{
    UNUSED(n_args);
    return re_match_kernel(ctx, args, out, 1, 1);
}

/* regexp_like(s, pattern [, flags]) */
SQL_FN_KERNEL(fn_regexp_like)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, "regexp_like");
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    uint8_t *r = out->u.b;
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n; i++) {
        if (fn_skip(out, i))
            continue;
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, 2, i));
        PCRE2_SIZE *ov;
        int m = re ? re_exec(&rr, re, s[i], 0, &ov) : -1;
        if (m < 0) {
            rc = WEIR_ERROR;
            break;
        }
        r[i] = (uint8_t)m;
    }
    rerun_fini(&rr);
    return rc;
}

/* Append the replacement for one match: \1..\9 are groups, \& the whole match, \\ a backslash; any
 * other backslash is copied as is. */
static int append_replacement(Buf *b, Slice rep, Slice s, const PCRE2_SIZE *ov, uint32_t n_groups)
{
    int rc = WEIR_OK;
    size_t run = 0;
    for (size_t k = 0; k < rep.n && !rc; k++) {
        if (rep.p[k] != '\\' || k + 1 >= rep.n)
            continue;
        uint8_t c = rep.p[k + 1];
        int g = -1;
        if (c >= '1' && c <= '9')
            g = c - '0';
        else if (c == '&')
            g = 0;
        else if (c != '\\')
            continue;
        rc = buf_append(b, rep.p + run, k - run);
        if (!rc && g < 0)
            rc = buf_append_byte(b, '\\');
        else if (!rc && (uint32_t)g <= n_groups && ov[2 * g] != PCRE2_UNSET)
            rc = buf_append(b, s.p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        k++;
        run = k + 1;
    }
    if (!rc)
        rc = buf_append(b, rep.p + run, rep.n - run);
    return rc;
}

/* regexp_replace(s, pattern, replacement [, flags]) and (s, pattern, replacement, start [, N [, flags]]).
 * The kernel tells the forms apart by the type of the fourth argument. */
SQL_FN_KERNEL(fn_regexp_replace)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, NULL);
    const Slice *s = args[0].u.s, *pat = args[1].u.s, *rep = args[2].u.s;
    int flags_form = n_args == 4 && args[3].type.id == SQL_TEXT;
    const int64_t *startv = !flags_form && n_args > 3 ? args[3].u.i : NULL;
    const int64_t *nthv = n_args > 4 ? args[4].u.i : NULL;
    uint32_t flags_idx = flags_form ? 3 : 5;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, (size_t)0x3FFFFFFB);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t start = startv ? startv[i] : 1, nth = nthv ? nthv[i] : -1;
        if (start <= 0) {
            rc = sql_error_set(ctx->err, "22023", 0, "invalid value for parameter \"%s\": %lld", "start",
                               (long long)start);
            break;
        }
        if (nthv && nth < 0) {
            rc = sql_error_set(ctx->err, "22023", 0, "invalid value for parameter \"%s\": %lld", "n",
                               (long long)nth);
            break;
        }
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, flags_idx, i));
        if (!re) {
            rc = WEIR_ERROR;
            break;
        }
        /* without N: the first match, or all with 'g'; with N: the N-th, or all when N is 0 */
        int all = nthv ? nth == 0 : re->global;
        int64_t want = nthv ? nth : 1;
        size_t pos = fn_utf8_offset(s[i].p, s[i].n, (size_t)(start - 1));
        size_t copied = 0;
        int64_t count = 0;
        int changed = 0;
        buf_reset(&b);
        while (pos <= s[i].n) {
            PCRE2_SIZE *ov;
            int m = re_exec(&rr, re, s[i], pos, &ov);
            if (m < 0) {
                rc = WEIR_ERROR;
                break;
            }
            if (!m)
                break;
            count++;
            size_t so = ov[0], eo = ov[1];
            if (all || count == want) {
                int brc = buf_append(&b, s[i].p + copied, so - copied);
                if (!brc)
                    brc = append_replacement(&b, rep[i], s[i], ov, re->n_groups);
                if (brc) {
                    rc = sql_error_set(ctx->err, "54000", 0, "requested length too large");
                    break;
                }
                copied = eo;
                changed = 1;
                if (!all)
                    break;
            }
            pos = re_next_start(s[i], so, eo);
        }
        if (rc)
            break;
        if (!changed) {
            r[i] = s[i];
            continue;
        }
        if (buf_append(&b, s[i].p + copied, s[i].n - copied)) {
            rc = sql_error_set(ctx->err, "54000", 0, "requested length too large");
            break;
        }
        rc = fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    rerun_fini(&rr);
    return rc;
}

/* regexp_match(s, pattern [, flags]) -> text[]: the groups of the first match (the whole match when the
 * pattern has none), NULL for a group that did not take part; NULL when nothing matches. */
SQL_FN_KERNEL(fn_regexp_match)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, "regexp_match");
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, 0);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, 2, i));
        PCRE2_SIZE *ov;
        int m = re ? re_exec(&rr, re, s[i], 0, &ov) : -1;
        if (m < 0) {
            rc = WEIR_ERROR;
            break;
        }
        if (!m) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        buf_reset(&b);
        int brc = buf_append_byte(&b, '{');
        uint32_t first = re->n_groups ? 1 : 0, last = re->n_groups;
        for (uint32_t g = first; g <= last && !brc; g++) {
            if (g > first)
                brc = buf_append_byte(&b, ',');
            if (brc)
                break;
            if (ov[2 * g] == PCRE2_UNSET)
                brc = buf_append_cstr(&b, "NULL");
            else
                brc = fn_array_elem_append(&b, s[i].p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
        }
        if (!brc)
            brc = buf_append_byte(&b, '}');
        rc = brc ? fn_error_oom(ctx) : fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    rerun_fini(&rr);
    return rc;
}

/* substring(s FROM pattern): the part matching the first group when the pattern has groups, else the
 * whole match; NULL when nothing matches (or the first group did not take part). */
SQL_FN_KERNEL(fn_regexp_substr_from)
{
    UNUSED(n_args);
    ReRun rr;
    rerun_init(&rr, ctx, 0, NULL);
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    Slice *r = out->u.s;
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        const FnRegex *re = rerun_get(&rr, pat[i], (Slice){NULL, 0});
        PCRE2_SIZE *ov;
        int m = re ? re_exec(&rr, re, s[i], 0, &ov) : -1;
        if (m < 0) {
            rc = WEIR_ERROR;
            break;
        }
        uint32_t g = re && re->n_groups ? 1 : 0;
        if (!m || ov[2 * g] == PCRE2_UNSET) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        r[i] = (Slice){s[i].p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]};
    }
    rerun_fini(&rr);
    return rc;
}

/* regexp_count(s, pattern [, start [, flags]]): non-overlapping matches from character start. */
SQL_FN_KERNEL(fn_regexp_count)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, "regexp_count");
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    const int64_t *startv = n_args > 2 ? args[2].u.i : NULL;
    int64_t *r = out->u.i;
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t start = startv ? startv[i] : 1;
        if (start <= 0) {
            rc = sql_error_set(ctx->err, "22023", 0, "invalid value for parameter \"%s\": %lld", "start",
                               (long long)start);
            break;
        }
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, 3, i));
        if (!re) {
            rc = WEIR_ERROR;
            break;
        }
        size_t pos = fn_utf8_offset(s[i].p, s[i].n, (size_t)(start - 1));
        int64_t count = 0;
        while (pos <= s[i].n) {
            PCRE2_SIZE *ov;
            int m = re_exec(&rr, re, s[i], pos, &ov);
            if (m < 0) {
                rc = WEIR_ERROR;
                break;
            }
            if (!m)
                break;
            count++;
            pos = re_next_start(s[i], ov[0], ov[1]);
        }
        r[i] = count;
    }
    rerun_fini(&rr);
    return rc;
}

/* regexp_substr(s, pattern [, start [, N [, flags [, subexpr]]]]): the N-th match (or its group
 * subexpr) from character start; NULL when there is none. */
SQL_FN_KERNEL(fn_regexp_substr)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, "regexp_substr");
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    const int64_t *startv = n_args > 2 ? args[2].u.i : NULL;
    const int64_t *nthv = n_args > 3 ? args[3].u.i : NULL;
    const int64_t *subv = n_args > 5 ? args[5].u.i : NULL;
    Slice *r = out->u.s;
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        int64_t start = startv ? startv[i] : 1, nth = nthv ? nthv[i] : 1, sub = subv ? subv[i] : 0;
        const char *bad = start <= 0 ? "start" : nth <= 0 ? "n" : sub < 0 ? "subexpr" : NULL;
        if (bad) {
            int64_t v = start <= 0 ? start : nth <= 0 ? nth : sub;
            rc = sql_error_set(ctx->err, "22023", 0, "invalid value for parameter \"%s\": %lld", bad,
                               (long long)v);
            break;
        }
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, 4, i));
        if (!re) {
            rc = WEIR_ERROR;
            break;
        }
        size_t pos = fn_utf8_offset(s[i].p, s[i].n, (size_t)(start - 1));
        int64_t count = 0;
        int found = 0;
        PCRE2_SIZE *ov = NULL;
        while (pos <= s[i].n) {
            int m = re_exec(&rr, re, s[i], pos, &ov);
            if (m < 0) {
                rc = WEIR_ERROR;
                break;
            }
            if (!m)
                break;
            if (++count == nth) {
                found = 1;
                break;
            }
            pos = re_next_start(s[i], ov[0], ov[1]);
        }
        if (rc)
            break;
        if (!found || (uint64_t)sub > re->n_groups || ov[2 * sub] == PCRE2_UNSET) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        r[i] = (Slice){s[i].p + ov[2 * sub], ov[2 * sub + 1] - ov[2 * sub]};
    }
    rerun_fini(&rr);
    return rc;
}

/* regexp_split_to_array(s, pattern [, flags]) -> text[]: the pieces between matches, ignoring empty
 * matches at the start or end of s or right after the previous match (PostgreSQL's rule). */
SQL_FN_KERNEL(fn_regexp_split_to_array)
{
    ReRun rr;
    rerun_init(&rr, ctx, 0, "regexp_split_to_array");
    const Slice *s = args[0].u.s, *pat = args[1].u.s;
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, (size_t)0x3FFFFFFB);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        const FnRegex *re = rerun_get(&rr, pat[i], arg_or_empty(args, n_args, 2, i));
        if (!re) {
            rc = WEIR_ERROR;
            break;
        }
        buf_reset(&b);
        int brc = buf_append_byte(&b, '{');
        size_t pos = 0, piece = 0, prev_end = 0;
        int n_pieces = 0;
        while (pos <= s[i].n && !brc) {
            PCRE2_SIZE *ov;
            int m = re_exec(&rr, re, s[i], pos, &ov);
            if (m < 0) {
                rc = WEIR_ERROR;
                break;
            }
            if (!m)
                break;
            size_t so = ov[0], eo = ov[1];
            if (so < s[i].n && eo > prev_end) {
                if (n_pieces++)
                    brc = buf_append_byte(&b, ',');
                if (!brc)
                    brc = fn_array_elem_append(&b, s[i].p + piece, so - piece);
                piece = eo;
            }
            prev_end = eo;
            pos = re_next_start(s[i], so, eo);
        }
        if (rc)
            break;
        if (!brc && n_pieces++)
            brc = buf_append_byte(&b, ',');
        if (!brc)
            brc = fn_array_elem_append(&b, s[i].p + piece, s[i].n - piece);
        if (!brc)
            brc = buf_append_byte(&b, '}');
        rc = brc ? sql_error_set(ctx->err, "54000", 0, "requested length too large")
                 : fn_str_copy(&w, b.p, b.len, &r[i]);
    }
    buf_fini(&b);
    rerun_fini(&rr);
    return rc;
}

/* ------------------------------------------------------------------------------------------------
 * SQL regular expressions: SIMILAR TO and substring(... SIMILAR ... ESCAPE ...)
 * ---------------------------------------------------------------------------------------------- */

/* Translate a SIMILAR TO pattern into a POSIX one, as PostgreSQL's similar_escape_internal: anchored
 * ^(?:...)$, % is .*, _ is ., ( opens a non-capturing group, ARE metacharacters . \ ^ $ are escaped,
 * bracket expressions pass through, and escape-double-quote marks the part substring() returns.
 * esc: the escape character (has_esc 0: none). Returns WEIR_OK or WEIR_ERROR with err. */
static int similar_translate(SqlFnCtx *ctx, Slice pat, Slice esc, int has_esc, Buf *o)
{
    if (has_esc && esc.n && fn_utf8_len(esc.p[0]) != esc.n) {
        int fresh = ctx->err && !ctx->err->sqlstate[0];
        sql_error_set(ctx->err, "22025", 0, "invalid escape string");
        if (fresh)
            snprintf(ctx->err->hint, sizeof(ctx->err->hint), "Escape string must be empty or one character.");
        return WEIR_ERROR;
    }
    int rc = buf_append_cstr(o, "^(?:");
    int afterescape = 0, incharclass = 0, nquotes = 0;
    for (size_t k = 0; k < pat.n && !rc;) {
        size_t l = fn_utf8_len(pat.p[k]);
        if (l > pat.n - k)
            l = pat.n - k;
        const uint8_t *c = pat.p + k;
        int is_esc = has_esc && esc.n && l == esc.n && memcmp(c, esc.p, l) == 0;
        if (afterescape) {
            if (*c == '"' && !incharclass) {
                if (nquotes == 0)
                    rc = buf_append_cstr(o, "){1,1}?(");
                else if (nquotes == 1)
                    rc = buf_append_cstr(o, "){1,1}(?:");
                else
                    return sql_error_set(
                        ctx->err, "2200C", 0,
                        "SQL regular expression may not contain more than two escape-double-quote "
                        "separators");
                nquotes++;
            } else {
                rc = buf_append_byte(o, '\\') || buf_append(o, c, l);
            }
            afterescape = 0;
        } else if (is_esc) {
            afterescape = 1;
        } else if (incharclass) {
            if (*c == '\\')
                rc = buf_append_byte(o, '\\');
            rc = rc || buf_append(o, c, l);
            if (*c == ']')
                incharclass = 0;
        } else if (*c == '[') {
            rc = buf_append_byte(o, '[');
            incharclass = 1;
        } else if (*c == '%') {
            rc = buf_append_cstr(o, ".*");
        } else if (*c == '_') {
            rc = buf_append_byte(o, '.');
        } else if (*c == '(') {
            rc = buf_append_cstr(o, "(?:");
        } else if (*c == '\\' || *c == '.' || *c == '^' || *c == '$') {
            rc = buf_append_byte(o, '\\') || buf_append_byte(o, *c);
        } else {
            rc = buf_append(o, c, l);
        }
        k += l;
    }
    rc = rc || buf_append_cstr(o, ")$");
    return rc ? sql_error_set(ctx->err, "54000", 0, "out of memory: string too long") : WEIR_OK;
}

/* similar_to_escape(pattern [, escape]): the default escape is a backslash. */
SQL_FN_KERNEL(fn_similar_to_escape)
{
    Slice *r = out->u.s;
    FnStr w;
    fn_str_init(&w, ctx);
    Buf b;
    buf_init(&b, 0);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        buf_reset(&b);
        Slice esc = n_args > 1 ? args[1].u.s[i] : SLICE_LIT("\\");
        rc = similar_translate(ctx, args[0].u.s[i], esc, 1, &b);
        if (rc == WEIR_OK)
            rc = fn_str_copy(&w, b.p ? b.p : (const uint8_t *)"", b.len, &r[i]);
    }
    buf_fini(&b);
    return rc;
}

/* substring(s SIMILAR pattern ESCAPE esc): the part between the escape-double-quote markers (or the
 * whole match); NULL when the pattern does not match all of s. */
SQL_FN_KERNEL(fn_similar_substring)
{
    UNUSED(n_args);
    ReRun rr;
    rerun_init(&rr, ctx, 0, NULL);
    Buf b;
    buf_init(&b, 0);
    int rc = WEIR_OK;
    for (uint32_t i = 0; i < ctx->n && rc == WEIR_OK; i++) {
        if (fn_skip(out, i))
            continue;
        buf_reset(&b);
        rc = similar_translate(ctx, args[1].u.s[i], args[2].u.s[i], 1, &b);
        if (rc)
            break;
        const FnRegex *re = rerun_get(&rr, (Slice){b.p, b.len}, (Slice){NULL, 0});
        PCRE2_SIZE *ov;
        int m = re ? re_exec(&rr, re, args[0].u.s[i], 0, &ov) : -1;
        if (m < 0) {
            rc = WEIR_ERROR;
            break;
        }
        uint32_t g = re->n_groups ? 1 : 0;
        if (!m || ov[2 * g] == PCRE2_UNSET) {
            rc = fn_set_null(ctx, out, i);
            continue;
        }
        out->u.s[i] = (Slice){args[0].u.s[i].p + ov[2 * g], ov[2 * g + 1] - ov[2 * g]};
    }
    buf_fini(&b);
    rerun_fini(&rr);
    return rc;
}
