/*
 * depth.c: bounded nesting (depth.h): PostgreSQL's check_stack_depth for weir's recursive functions, and
 * the parse of a statement's text with the recursion of the libraries below bounded beforehand.
 *
 * Parsing a statement runs three recursions weir cannot interrupt:
 *   1. libpg_query turning its tree into protobuf (pg_query_nodes_to_protobuf, then protobuf-c's packing):
 *      about 170 bytes of stack per tree level, measured;
 *   2. protobuf-c unpacking it for weir: about 950 bytes per level (a 16-member scan slab per frame);
 *   3. nothing else: bison's own parser stack is on the heap and stops near 10,000 levels of nested
 *      syntax with "memory exhausted" (42601), as in PostgreSQL.
 * A left-deep chain (1+1+1+..., a UNION of many SELECTs) is not bounded by bison, so (1) can overflow
 * on a long enough statement. Before parsing, sql_depth_estimate bounds the tree's depth from the tokens
 * (pg_query_scan, a flat lexer pass); after parsing, sql_depth_packed measures it exactly, walking the
 * packed bytes with the message descriptors and an explicit stack. Each is compared with what is left of
 * this thread's stack, at the costs above plus a margin, before the library is called.
 *
 * The token bound. Each token that may make a level of the tree (an operator, a keyword) counts two
 * levels (a Node and the message it holds), within its segment: the stretch between separators (',', ';',
 * AND/OR, WHEN/THEN/ELSE, clause keywords such as FROM or WHERE) at one bracket level. Separated items
 * are siblings, so a segment's operators bound the depth of everything under it, whichever side of each
 * operator it is on. AND and OR are separators because the grammar flattens them into one list
 * (makeAndExpr). What the grammar chains across separators -- UNION/INTERSECT/EXCEPT and JOIN, whose
 * operands hold commas -- counts for the whole bracket level instead. A bracket adds what its node can
 * hold: a subquery (followed by SELECT, VALUES, WITH, TABLE) the most; a call, IN list or row constructor
 * (after a name or keyword, or holding a comma) less; parentheses that only group nothing at all, so
 * ((((1)))) stays cheap, as it is. tests/unit/exec/test_depth.c checks the bound against the exact
 * depth over many shapes.
 */
#include "exec/depth.h"

#include <pg_query.h>
#include <protobuf-c/protobuf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/stack.h"

#if defined(__SANITIZE_ADDRESS__)
#define DEPTH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEPTH_ASAN 1
#endif
#endif
#ifdef DEPTH_ASAN
#define DEPTH_FRAME_FACTOR 3 /* AddressSanitizer's redzones make weir's frames about three times larger */
#else
#define DEPTH_FRAME_FACTOR 1
#endif

/* What a check leaves free below it: for the calls between two checks (a function kernel, formatting
 * an error, the sanitizer's own reports), none of which recurses on the statement's shape */
#define DEPTH_RESERVE ((size_t)128 * 1024 * DEPTH_FRAME_FACTOR)
/* Stack per tree level of the two library recursions (measured about 170 and 950 bytes), with margin */
#define DEPTH_PACK_BYTES 320
#define DEPTH_UNPACK_BYTES 1200

static int depth_fail(SqlError *err)
{
    if (err->sqlstate[0])
        return WEIR_ERROR; /* first error wins, its HINT too */
    sql_error_set(err, "54001", 0, "stack depth limit exceeded");
    snprintf(err->hint, sizeof(err->hint),
             "Increase the configuration parameter \"max_stack_depth\" (currently %dkB), after ensuring the "
             "platform's stack depth limit is adequate.",
             SQL_MAX_STACK_DEPTH_KB);
    return WEIR_ERROR;
}

int sql_stack_check(SqlError *err)
{
    if (stack_used() > (size_t)SQL_MAX_STACK_DEPTH_KB * 1024 * DEPTH_FRAME_FACTOR || stack_left() < DEPTH_RESERVE)
        return depth_fail(err);
    return WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------
 * The bound from tokens
 * ---------------------------------------------------------------------------------------------- */

enum {
    DEPTH_BASE = 16,    /* ParseResult, RawStmt, the statement, its target, ... above any expression */
    DEPTH_LEAF = 6,     /* under the last operator: a constant, a column reference, a type name */
    DEPTH_OP = 2,       /* a Node and the message it holds */
    DEPTH_SUBQUERY = 8, /* SubLink or RangeSubselect, SelectStmt, the target it reads through */
    DEPTH_LIST = 4,     /* a call's arguments, an IN list, a row: a List and its items */
    DEPTH_CASE = 6,     /* CaseExpr, its CaseWhen, the result */
};

typedef struct DepthFrame {
    uint8_t is_case;   /* CASE ... END, else a bracket ( or [ */
    uint8_t has_list;  /* a name or keyword before the bracket, or a comma inside: a call, list or row */
    uint8_t has_bool;  /* AND or OR at this level: one flattened BoolExpr */
    size_t weight;     /* the bracket's own levels when known at its opening (a subquery), else 0 */
    size_t chain;      /* UNION/INTERSECT/EXCEPT/JOIN: chained across separators */
    size_t ops;        /* operator tokens of the current segment */
    size_t child;      /* deepest bracket closed in the current segment */
    size_t best;       /* deepest segment closed so far */
} DepthFrame;

static void depth_seg_close(DepthFrame *f)
{
    size_t v = DEPTH_OP * f->ops + (f->child > DEPTH_LEAF ? f->child : DEPTH_LEAF);
    if (v > f->best)
        f->best = v;
    f->ops = 0;
    f->child = 0;
}

static size_t depth_frame_value(DepthFrame *f)
{
    depth_seg_close(f);
    size_t w = f->is_case ? DEPTH_CASE : f->weight ? f->weight : f->has_list ? DEPTH_LIST : 0;
    return w + DEPTH_OP * f->chain + (f->has_bool ? DEPTH_OP : 0) + f->best;
}

static int depth_is_separator(PgQuery__Token t)
{
    switch (t) {
    case PG_QUERY__TOKEN__ASCII_44: /* , */
    case PG_QUERY__TOKEN__ASCII_59: /* ; */
    case PG_QUERY__TOKEN__WHEN:
    case PG_QUERY__TOKEN__THEN:
    case PG_QUERY__TOKEN__ELSE:
    case PG_QUERY__TOKEN__SELECT:
    case PG_QUERY__TOKEN__FROM:
    case PG_QUERY__TOKEN__WHERE:
    case PG_QUERY__TOKEN__GROUP_P:
    case PG_QUERY__TOKEN__BY:
    case PG_QUERY__TOKEN__HAVING:
    case PG_QUERY__TOKEN__ORDER:
    case PG_QUERY__TOKEN__LIMIT:
    case PG_QUERY__TOKEN__OFFSET:
    case PG_QUERY__TOKEN__WINDOW:
    case PG_QUERY__TOKEN__USING:
    case PG_QUERY__TOKEN__VALUES:
    case PG_QUERY__TOKEN__DISTINCT:
    case PG_QUERY__TOKEN__ALL:
    case PG_QUERY__TOKEN__ASC:
    case PG_QUERY__TOKEN__DESC:
    case PG_QUERY__TOKEN__NULLS_P:
    case PG_QUERY__TOKEN__FIRST_P:
    case PG_QUERY__TOKEN__LAST_P:
    case PG_QUERY__TOKEN__WITH:
    case PG_QUERY__TOKEN__AS: return 1;
    default: return 0;
    }
}

/* Tokens that never make a level of their own: names, constants, parameters, comments, '.'. */
static int depth_is_leaf(const PgQuery__ScanToken *t)
{
    switch (t->token) {
    case PG_QUERY__TOKEN__IDENT:
    case PG_QUERY__TOKEN__UIDENT:
    case PG_QUERY__TOKEN__FCONST:
    case PG_QUERY__TOKEN__SCONST:
    case PG_QUERY__TOKEN__USCONST:
    case PG_QUERY__TOKEN__BCONST:
    case PG_QUERY__TOKEN__XCONST:
    case PG_QUERY__TOKEN__ICONST:
    case PG_QUERY__TOKEN__PARAM:
    case PG_QUERY__TOKEN__SQL_COMMENT:
    case PG_QUERY__TOKEN__C_COMMENT:
    case PG_QUERY__TOKEN__ASCII_46: return 1;
    default: return 0;
    }
}

/* A name or keyword right before '(' makes it a call, an IN/ANY/EXISTS operand or a ROW(...). */
static int depth_is_word(const PgQuery__ScanToken *t)
{
    return t->token == PG_QUERY__TOKEN__IDENT || t->token == PG_QUERY__TOKEN__UIDENT ||
           t->keyword_kind != PG_QUERY__KEYWORD_KIND__NO_KEYWORD;
}

static size_t depth_tokens(PgQuery__ScanToken **toks, size_t n)
{
    size_t cap = 64, top = 0;
    DepthFrame *st = calloc(cap, sizeof(*st));
    if (!st)
        weir_panic("out of memory");
    for (size_t i = 0; i < n; i++) {
        const PgQuery__ScanToken *t = toks[i];
        DepthFrame *f = &st[top];
        switch (t->token) {
        case PG_QUERY__TOKEN__ASCII_40: /* ( */
        case PG_QUERY__TOKEN__ASCII_91: /* [ */
        case PG_QUERY__TOKEN__CASE: {
            if (top + 1 == cap) {
                cap *= 2;
                DepthFrame *grown = realloc(st, cap * sizeof(*st));
                if (!grown)
                    weir_panic("out of memory");
                st = grown;
            }
            DepthFrame *nf = &st[++top];
            memset(nf, 0, sizeof(*nf));
            nf->is_case = t->token == PG_QUERY__TOKEN__CASE;
            nf->has_list = t->token == PG_QUERY__TOKEN__ASCII_91 || (i > 0 && depth_is_word(toks[i - 1]));
            if (!nf->is_case && i + 1 < n &&
                (toks[i + 1]->token == PG_QUERY__TOKEN__SELECT || toks[i + 1]->token == PG_QUERY__TOKEN__VALUES ||
                 toks[i + 1]->token == PG_QUERY__TOKEN__WITH || toks[i + 1]->token == PG_QUERY__TOKEN__TABLE))
                nf->weight = DEPTH_SUBQUERY;
            break;
        }
        case PG_QUERY__TOKEN__ASCII_41: /* ) */
        case PG_QUERY__TOKEN__ASCII_93: /* ] */
        case PG_QUERY__TOKEN__END_P: {
            /* close up to the matching opener; an unmatched closer (a syntax error) closes nothing */
            int is_end = t->token == PG_QUERY__TOKEN__END_P;
            size_t k = top;
            while (k > 0 && st[k].is_case != is_end)
                k--;
            if (k == 0) {
                if (is_end)
                    f->ops++; /* END of something else (END a transaction) */
                break;
            }
            while (top >= k) { /* (k >= 1: top stops at k - 1) */
                size_t v = depth_frame_value(&st[top]);
                top--;
                if (v > st[top].child)
                    st[top].child = v;
            }
            break;
        }
        case PG_QUERY__TOKEN__AND:
        case PG_QUERY__TOKEN__OR:
            depth_seg_close(f);
            f->has_bool = 1;
            break;
        case PG_QUERY__TOKEN__UNION:
        case PG_QUERY__TOKEN__INTERSECT:
        case PG_QUERY__TOKEN__EXCEPT:
        case PG_QUERY__TOKEN__JOIN:
            f->chain++;
            break;
        default:
            if (depth_is_separator(t->token)) {
                depth_seg_close(f);
                if (t->token == PG_QUERY__TOKEN__ASCII_44)
                    f->has_list = 1;
            } else if (!depth_is_leaf(t)) {
                f->ops++;
            }
            break;
        }
    }
    while (top > 0) {
        size_t v = depth_frame_value(&st[top]);
        top--;
        if (v > st[top].child)
            st[top].child = v;
    }
    size_t d = DEPTH_BASE + depth_frame_value(&st[0]);
    free(st);
    return d;
}

size_t sql_depth_estimate(const char *text)
{
    PgQueryScanResult sr = pg_query_scan(text);
    size_t d = 0;
    if (!sr.error) {
        PgQuery__ScanResult *r = pg_query__scan_result__unpack(NULL, sr.pbuf.len, (const uint8_t *)sr.pbuf.data);
        if (r) {
            d = depth_tokens(r->tokens, r->n_tokens);
            pg_query__scan_result__free_unpacked(r, NULL);
        }
    }
    /* (a text the lexer refuses is refused by the parser too, before any recursion: 0) */
    pg_query_free_scan_result(sr);
    return d;
}

/* ------------------------------------------------------------------------------------------------
 * The exact depth of a packed tree
 * ---------------------------------------------------------------------------------------------- */

typedef struct PackedFrame {
    const ProtobufCMessageDescriptor *desc;
    size_t end;
} PackedFrame;

/* A varint at p[*i..n) into *v; 0 when truncated or longer than 10 bytes. */
static int depth_varint(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned shift = 0; shift < 70 && *i < n; shift += 7) {
        uint8_t b = p[(*i)++];
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            return 1;
        }
    }
    return 0;
}

/* Depth in messages (the root is 1) of a packed PgQuery.ParseResult, or SIZE_MAX when malformed: the
 * nesting protobuf-c's recursive unpack would go through. */
size_t sql_depth_packed(const uint8_t *p, size_t n)
{
    size_t cap = 64, top = 0, max = 1, i = 0;
    PackedFrame *st = malloc(cap * sizeof(*st));
    if (!st)
        weir_panic("out of memory");
    st[0] = (PackedFrame){&pg_query__parse_result__descriptor, n};
    for (;;) {
        if (i == st[top].end) {
            if (top == 0)
                break;
            top--;
            continue;
        }
        uint64_t tag, len;
        if (!depth_varint(p, st[top].end, &i, &tag))
            goto bad;
        switch (tag & 7) {
        case 0:
            if (!depth_varint(p, st[top].end, &i, &len))
                goto bad;
            break;
        case 1:
        case 5: {
            size_t w = (tag & 7) == 1 ? 8 : 4;
            if (st[top].end - i < w)
                goto bad;
            i += w;
            break;
        }
        case 2: {
            if (!depth_varint(p, st[top].end, &i, &len) || len > st[top].end - i)
                goto bad;
            const ProtobufCFieldDescriptor *fd =
                tag >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(st[top].desc, (unsigned)(tag >> 3)) : NULL;
            if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE) {
                i += (size_t)len;
                break;
            }
            if (top + 1 == cap) {
                cap *= 2;
                PackedFrame *grown = realloc(st, cap * sizeof(*st));
                if (!grown)
                    weir_panic("out of memory");
                st = grown;
            }
            st[++top] = (PackedFrame){fd->descriptor, i + (size_t)len};
            if (top + 1 > max)
                max = top + 1;
            break;
        }
        default:
            goto bad; /* groups: not in libpg_query's messages */
        }
    }
    free(st);
    return max;
bad:
    free(st);
    return SIZE_MAX;
}

/* ------------------------------------------------------------------------------------------------
 * Parsing
 * ---------------------------------------------------------------------------------------------- */

/* Whether this thread has room for levels of a library recursion at bytes each, plus the reserve. */
static int depth_room(size_t levels, size_t bytes)
{
    size_t left = stack_left();
    return left > DEPTH_RESERVE && levels <= (left - DEPTH_RESERVE) / bytes;
}

static int depth_syntax_error(const PgQueryError *pe, int *cursor, SqlError *err)
{
    *cursor = pe->cursorpos > 0 ? pe->cursorpos : 0;
    return sql_error_set(err, "42601", 0, "%s", pe->message);
}

int sql_parse_text(const char *text, PgQuery__ParseResult **out, int *cursor, SqlError *err)
{
    *out = NULL;
    *cursor = 0;
    /* No byte adds more than DEPTH_SUBQUERY levels ("(SELECT " eight for eight bytes, '+' two for one), so
     * a short text needs no token pass (most statements: the pass costs as much as the parse) */
    size_t len = strlen(text);
    size_t bound = len < SIZE_MAX / DEPTH_SUBQUERY - DEPTH_BASE - DEPTH_LEAF
                       ? DEPTH_BASE + DEPTH_LEAF + DEPTH_SUBQUERY * len : SIZE_MAX;
    if (!depth_room(bound, DEPTH_PACK_BYTES) && !depth_room(sql_depth_estimate(text), DEPTH_PACK_BYTES)) {
        /* Too deep to let libpg_query print the tree, maybe. Its parser alone does not recurse: if it
         * refuses the text (bison's "memory exhausted" past 10,000 levels), that is PostgreSQL's answer. */
        PgQuerySplitResult sr = pg_query_split_with_parser(text);
        int rc = sr.error ? depth_syntax_error(sr.error, cursor, err) : depth_fail(err);
        pg_query_free_split_result(sr);
        return rc;
    }
    PgQueryProtobufParseResult pr = pg_query_parse_protobuf(text);
    if (pr.error) {
        int rc = depth_syntax_error(pr.error, cursor, err);
        pg_query_free_protobuf_parse_result(pr);
        return rc;
    }
    const uint8_t *p = (const uint8_t *)pr.parse_tree.data;
    size_t d = sql_depth_packed(p, pr.parse_tree.len);
    if (d == SIZE_MAX) {
        pg_query_free_protobuf_parse_result(pr);
        return sql_error_set(err, "XX000", 0, "internal error: could not read the parse tree");
    }
    if (!depth_room(d, DEPTH_UNPACK_BYTES)) {
        pg_query_free_protobuf_parse_result(pr);
        return depth_fail(err);
    }
    *out = pg_query__parse_result__unpack(NULL, pr.parse_tree.len, p);
    pg_query_free_protobuf_parse_result(pr);
    if (!*out)
        return sql_error_set(err, "XX000", 0, "internal error: could not read the parse tree");
    return WEIR_OK;
}
