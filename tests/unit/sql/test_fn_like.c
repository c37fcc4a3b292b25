/*
 * test_fn_like.c: unit tests of src/sql/fn_like.c: LIKE / ILIKE (every constant-pattern shape and the
 * general matcher, escapes, like_escape) and the POSIX regular expression operators and functions on
 * PCRE2, against PostgreSQL 15 (each check names its query). Every check runs with the pattern as a
 * constant (compiled once by the init hook) and as a per-row value (fn_test.h).
 */
#include "fn_test.h"

static void test_like_shapes(void **state)
{
    (void)state;
    /* select 'abc' like 'a%', 'abc' like 'A%', 'abc' ilike 'A%' => t|f|t */
    EXPECT_BOOL(1, "~~", T("abc"), T("a%"));
    EXPECT_BOOL(0, "~~", T("abc"), T("A%"));
    EXPECT_BOOL(1, "~~*", T("abc"), T("A%"));
    /* exact, suffix, contains, any */
    EXPECT_BOOL(1, "~~", T("abc"), T("abc"));
    EXPECT_BOOL(0, "~~", T("abcd"), T("abc"));
    EXPECT_BOOL(1, "~~", T("xxabc"), T("%abc"));
    EXPECT_BOOL(0, "~~", T("xxabcx"), T("%abc"));
    EXPECT_BOOL(1, "~~", T("xxabcx"), T("%abc%"));
    EXPECT_BOOL(0, "~~", T("xxabx"), T("%abc%"));
    EXPECT_BOOL(1, "~~", T(""), T("%"));
    EXPECT_BOOL(1, "~~", T(""), T(""));
    EXPECT_BOOL(0, "~~", T("a"), T(""));
    EXPECT_BOOL(1, "~~*", T("XXABCX"), T("%abc%"));
    EXPECT_BOOL(1, "~~*", T("xxAbC"), T("%aBc"));
    /* select 'ab' like '%%b%' => t */
    EXPECT_BOOL(1, "~~", T("ab"), T("%%b%"));
    /* NOT LIKE */
    EXPECT_BOOL(0, "!~~", T("abc"), T("a%"));
    EXPECT_BOOL(1, "!~~*", T("abc"), T("x%"));
}

static void test_like_general(void **state)
{
    (void)state;
    /* select 'a_c' like 'a\_c', 'abc' like 'a\_c', 'héllo' like 'h_llo' => t|f|t */
    EXPECT_BOOL(1, "~~", T("a_c"), T("a\\_c"));
    EXPECT_BOOL(0, "~~", T("abc"), T("a\\_c"));
    EXPECT_BOOL(1, "~~", T("héllo"), T("h_llo"));
    EXPECT_BOOL(1, "~~", T("abcbcd"), T("a%bc%d"));
    EXPECT_BOOL(0, "~~", T("abcbce"), T("a%bc%d"));
    EXPECT_BOOL(1, "~~", T("abc"), T("___"));
    EXPECT_BOOL(0, "~~", T("ab"), T("___"));
    EXPECT_BOOL(1, "~~", T("abcde"), T("%_d_"));
    EXPECT_BOOL(1, "~~", T("a%b"), T("a\\%b"));
    EXPECT_BOOL(0, "~~", T("axb"), T("a\\%b"));
    /* ILIKE is lower(text) LIKE lower(pattern) with C.UTF-8's case mapping: select 'ÉA' ilike 'éa',
     * 'AB' ilike 'a_', 'CAFÉ' ilike '%café%', 'café' ilike 'CAF_', 'Wałęsa' ilike 'WAŁĘSA',
     * 'Wałęsa' ilike '%ŁĘ%', 'Wałęsa' ilike '%SA', 'ÀB' ilike 'àb', 'xÀ' ilike '_à' => t|t|t|t|t|t|t|t|t */
    EXPECT_BOOL(1, "~~*", T("ÉA"), T("éa"));
    EXPECT_BOOL(1, "~~*", T("AB"), T("a_"));
    EXPECT_BOOL(1, "~~*", T("/CAFÉ"), T("%café%"));
    EXPECT_BOOL(1, "~~*", T("café"), T("CAF_"));
    EXPECT_BOOL(1, "~~*", T("Wałęsa"), T("WAŁĘSA"));
    EXPECT_BOOL(1, "~~*", T("Wałęsa"), T("%ŁĘ%"));
    EXPECT_BOOL(1, "~~*", T("Wałęsa"), T("%SA"));
    EXPECT_BOOL(1, "~~*", T("ÀB"), T("àb"));
    EXPECT_BOOL(1, "~~*", T("xÀ"), T("_à"));
    EXPECT_BOOL(0, "!~~*", T("Wałęsa"), T("%ŁĘ%"));
    /* lowering changes byte lengths (Ⱥ 2 bytes, ⱥ 3): select 'Ⱥx' ilike 'ⱥ_', 'ⱥx' ilike 'Ⱥ%' => t|t */
    EXPECT_BOOL(1, "~~*", T("Ⱥx"), T("ⱥ_"));
    EXPECT_BOOL(1, "~~*", T("ⱥx"), T("Ⱥ%"));
    /* one-to-one mapping only: select 'Straße' ilike 'STRASSE', 'ı' ilike 'I', 'i' ilike 'İ',
     * 'K' ilike 'k', 'Σ' ilike 'ς' => f|f|t|t|f */
    EXPECT_BOOL(0, "~~*", T("Straße"), T("STRASSE"));
    EXPECT_BOOL(0, "~~*", T("ı"), T("I"));
    EXPECT_BOOL(1, "~~*", T("i"), T("İ"));
    EXPECT_BOOL(1, "~~*", T("K"), T("k"));
    EXPECT_BOOL(0, "~~*", T("Σ"), T("ς"));
    /* select 'abc\' like 'abc\' => ERROR 22025 ... but 'abc' like 'abc\' => f */
    EXPECT_ERR("22025", "LIKE pattern must not end with escape character", "~~", T("abc\\"), T("abc\\"));
    EXPECT_BOOL(0, "~~", T("abc"), T("abc\\"));
    /* a pattern with thousands of % groups against a long text fails cleanly instead of exhausting the
     * stack (each % is one level of recursion) */
    static char deep[20001], longtext[6002];
    for (int k = 0; k < 10000; k++)
        memcpy(deep + 2 * k, "%a", 2);
    deep[20000] = '\0';
    memset(longtext, 'a', 6000);
    longtext[6000] = 'b';
    longtext[6001] = '\0';
    EXPECT_ERR("54001", "stack depth limit exceeded", "~~", T(longtext), T(deep));
    /* bpchar and name operands */
    EXPECT_BOOL(0, "~~", TY(SQL_BPCHAR, "ab "), T("ab")); /* select 'ab '::char(3) like 'ab' => f */
    EXPECT_BOOL(1, "~~", TY(SQL_NAME, "pg_class"), T("pg\\_%"));
}

static void test_like_escape(void **state)
{
    (void)state;
    /* select like_escape('a\b#%', '#'), like_escape('a\b', '') => a\\b\%|a\\b */
    EXPECT_TEXT("a\\\\b\\%", "like_escape", T("a\\b#%"), T("#"));
    EXPECT_TEXT("a\\\\b", "like_escape", T("a\\b"), T(""));
    /* select like_escape('abc#', '#') => abc\ */
    EXPECT_TEXT("abc\\", "like_escape", T("abc#"), T("#"));
    EXPECT_TEXT("a\\b", "like_escape", T("a\\b"), T("\\"));
    /* select 'abc' like 'a' escape 'xy' => ERROR 22025 invalid escape string */
    EXPECT_ERR("22025", "invalid escape string", "like_escape", T("a"), T("xy"));
}

static void test_regex_ops(void **state)
{
    (void)state;
    /* select 'abc' ~ 'b', 'abc' ~ '^B', 'abc' ~* '^B', 'abc' !~ 'z', 'abc' !~* 'A', 'a.c' ~ 'a\.c',
     * E'a\nb' ~ 'a.b', E'a\nb' ~ 'a$' => t|f|f|t|f|t|t|f */
    EXPECT_BOOL(1, "~", T("abc"), T("b"));
    EXPECT_BOOL(0, "~", T("abc"), T("^B"));
    EXPECT_BOOL(0, "~*", T("abc"), T("^B"));
    EXPECT_BOOL(1, "~*", T("abc"), T("^A")); /* select 'abc' ~* '^A' => t */
    EXPECT_BOOL(1, "!~", T("abc"), T("z"));
    EXPECT_BOOL(0, "!~*", T("abc"), T("A"));
    EXPECT_BOOL(1, "~", T("a.c"), T("a\\.c"));
    EXPECT_BOOL(1, "~", T("a\nb"), T("a.b"));
    EXPECT_BOOL(0, "~", T("a\nb"), T("a$"));
    /* select 'abc' ~ 'a\{2\}', 'aXb' ~ '(?i)axb', 'a\b' ~ 'a\Bb', E'a\bb' ~ 'a\bb', 'x' ~ '***=x',
     * 'a.' ~ '***=.', 'ab' ~ '[[.a.]]b', 'ab' ~ '[[=a=]]b' => f|t|t|t|t|t|t|t */
    EXPECT_BOOL(1, "~", T("aXb"), T("(?i)axb"));
    EXPECT_BOOL(1, "~", T("a\\b"), T("a\\Bb"));
    EXPECT_BOOL(1, "~", T("a\bb"), T("a\\bb"));
    EXPECT_BOOL(1, "~", T("x"), T("***=x"));
    EXPECT_BOOL(1, "~", T("a."), T("***=."));
    EXPECT_BOOL(0, "~", T("ab"), T("***=."));
    EXPECT_BOOL(1, "~", T("ab"), T("[[.a.]]b"));
    EXPECT_BOOL(1, "~", T("ab"), T("[[=a=]]b"));
    /* word boundaries: select 'foo bar' ~ '\mbar', 'foobar' ~ '\mbar', 'foo bar' ~ 'foo\M', 'a b' ~ '\yb'
     * => t|f|t|t */
    EXPECT_BOOL(1, "~", T("foo bar"), T("\\mbar"));
    EXPECT_BOOL(0, "~", T("foobar"), T("\\mbar"));
    EXPECT_BOOL(1, "~", T("foo bar"), T("foo\\M"));
    EXPECT_BOOL(1, "~", T("a b"), T("\\yb"));
    EXPECT_BOOL(1, "~", T("foo bar"), T("[[:<:]]bar"));
    /* classes and unicode: select 'x1' ~ '^[[:alpha:]]\d$', 'é' ~ '^.$', 'é' ~ '\u00e9' => t|t|t */
    EXPECT_BOOL(1, "~", T("x1"), T("^[[:alpha:]]\\d$"));
    EXPECT_BOOL(1, "~", T("é"), T("^.$"));
    EXPECT_BOOL(1, "~", T("é"), T("\\u00e9"));
    /* bpchar and name */
    EXPECT_BOOL(1, "~", TY(SQL_NAME, "pg_class"), T("^pg_"));
    /* an invalid pattern: errors in PostgreSQL's words */
    EXPECT_ERR("2201B", "invalid regular expression: parentheses () not balanced", "~", T("abc"), T("("));
    EXPECT_ERR("2201B", "invalid regular expression: parentheses () not balanced", "~", T("a"), T("a)"));
    EXPECT_ERR("2201B", "invalid regular expression: brackets [] not balanced", "~", T("a"), T("["));
    EXPECT_ERR("2201B", "invalid regular expression: quantifier operand invalid", "~", T("a"), T("*a"));
    EXPECT_ERR("2201B", "invalid regular expression: invalid repetition count(s)", "~", T("a"), T("a{3,2}"));
    EXPECT_ERR("2201B", "invalid regular expression: invalid escape \\ sequence", "~", T("a"), T("\\h"));
    EXPECT_ERR("2201B", "invalid regular expression: invalid backreference number", "~", T("a"), T("\\1"));
    EXPECT_ERR("2201B", "invalid regular expression: invalid embedded option", "~", T("a"), T("(?z)a"));
    /* select 'a' ~ 'a{' => f */
    EXPECT_BOOL(0, "~", T("a"), T("a{"));
}

static void test_regexp_replace(void **state)
{
    (void)state;
    /* select regexp_replace('hello world', 'o', '0'), regexp_replace('hello world', 'o', '0', 'g'),
     * regexp_replace('Hello', 'h', 'J', 'i'), regexp_replace('abc', '(b)', '[\1\&\\]'),
     * regexp_replace('aaa', 'a', 'b', 2), regexp_replace('aaaa', 'a', 'b', 2, 2),
     * regexp_replace('aaaa', 'a', 'b', 2, 0) => hell0 world|hell0 w0rld|Jello|a[bb\]c|aba|aaba|abbb */
    EXPECT_TEXT("hell0 world", "regexp_replace", T("hello world"), T("o"), T("0"));
    EXPECT_TEXT("hell0 w0rld", "regexp_replace", T("hello world"), T("o"), T("0"), T("g"));
    EXPECT_TEXT("Jello", "regexp_replace", T("Hello"), T("h"), T("J"), T("i"));
    EXPECT_TEXT("a[bb\\]c", "regexp_replace", T("abc"), T("(b)"), T("[\\1\\&\\\\]"));
    EXPECT_TEXT("aba", "regexp_replace", T("aaa"), T("a"), T("b"), I4(2));
    EXPECT_TEXT("aaba", "regexp_replace", T("aaaa"), T("a"), T("b"), I4(2), I4(2));
    EXPECT_TEXT("abbb", "regexp_replace", T("aaaa"), T("a"), T("b"), I4(2), I4(0));
    /* select regexp_replace('aaa','a','b', 1, 2, 'g'), regexp_replace('aaaa', 'a', 'b', 1, 0, 'g'),
     * regexp_replace('abcabc', 'b', 'X', 3, 1) => aba|bbbb|abcaXc */
    EXPECT_TEXT("aba", "regexp_replace", T("aaa"), T("a"), T("b"), I4(1), I4(2), T("g"));
    EXPECT_TEXT("bbbb", "regexp_replace", T("aaaa"), T("a"), T("b"), I4(1), I4(0), T("g"));
    EXPECT_TEXT("abcaXc", "regexp_replace", T("abcabc"), T("b"), T("X"), I4(3), I4(1));
    /* empty matches: select regexp_replace('abc','b*','-','g'), regexp_replace('abc','x*','-','g'),
     * regexp_replace('abc', '', 'X', 'g') => -a--c-|-a-b-c-|XaXbXcX */
    EXPECT_TEXT("-a--c-", "regexp_replace", T("abc"), T("b*"), T("-"), T("g"));
    EXPECT_TEXT("-a-b-c-", "regexp_replace", T("abc"), T("x*"), T("-"), T("g"));
    EXPECT_TEXT("XaXbXcX", "regexp_replace", T("abc"), T(""), T("X"), T("g"));
    /* select regexp_replace('a,b', ',', E'\\n'), regexp_replace('abc', 'b', '$1'),
     * regexp_replace('abc','b','x','q') => a\nb|a$1c|axc */
    EXPECT_TEXT("a\\nb", "regexp_replace", T("a,b"), T(","), T("\\n"));
    EXPECT_TEXT("a$1c", "regexp_replace", T("abc"), T("b"), T("$1"));
    EXPECT_TEXT("axc", "regexp_replace", T("abc"), T("b"), T("x"), T("q"));
    EXPECT_TEXT("a.c", "regexp_replace", T("a.c"), T("b"), T("x"), T("q"));
    /* select regexp_replace('aAa', 'a', 'x', 'gi') => xxx */
    EXPECT_TEXT("xxx", "regexp_replace", T("aAa"), T("a"), T("x"), T("gi"));
    /* errors */
    EXPECT_ERR("22023", "invalid regular expression option: \"z\"", "regexp_replace", T("a"), T("a"), T("b"),
               T("z"));
    EXPECT_ERR("22023", "invalid value for parameter \"start\": 0", "regexp_replace", T("a"), T("a"), T("b"),
               I4(0));
    EXPECT_ERR("22023", "invalid value for parameter \"n\": -1", "regexp_replace", T("a"), T("a"), T("b"),
               I4(1), I4(-1));
}

static void test_regexp_match(void **state)
{
    (void)state;
    /* select regexp_match('foobarbequebaz', '(bar)(beque)'), regexp_match('abc', 'x'), regexp_match('abc',
     * 'b'), regexp_match('a b', '(a)( )(z)?'), regexp_match('a"b', '(.)"(.)'), regexp_match('ab', '(a)|(b)')
     * => {bar,beque}||{b}|{a," ",NULL}|{a,b}|{a,NULL} */
    EXPECT_TEXT("{bar,beque}", "regexp_match", T("foobarbequebaz"), T("(bar)(beque)"));
    EXPECT_NULL("regexp_match", T("abc"), T("x"));
    EXPECT_TEXT("{b}", "regexp_match", T("abc"), T("b"));
    EXPECT_TEXT("{a,\" \",NULL}", "regexp_match", T("a b"), T("(a)( )(z)?"));
    EXPECT_TEXT("{a,b}", "regexp_match", T("a\"b"), T("(.)\"(.)"));
    EXPECT_TEXT("{a,NULL}", "regexp_match", T("ab"), T("(a)|(b)"));
    /* select regexp_match(E'x\ny', '[^a]y', 'n'), regexp_match(E'x\ny', '^y', 'n'), regexp_match(E'x\ny',
     * '^y'), regexp_match('AB', 'a(b)', 'i'), regexp_match('ab', '\w+(?=b)') => |{y}||{B}|{a} */
    EXPECT_NULL("regexp_match", T("x\ny"), T("[^a]y"), T("n"));
    EXPECT_TEXT("{y}", "regexp_match", T("x\ny"), T("^y"), T("n"));
    EXPECT_NULL("regexp_match", T("x\ny"), T("^y"));
    EXPECT_TEXT("{B}", "regexp_match", T("AB"), T("a(b)"), T("i"));
    EXPECT_TEXT("{a}", "regexp_match", T("ab"), T("\\w+(?=b)"));
    /* select regexp_match('a','a','g') => ERROR 22023 */
    EXPECT_ERR("22023", "regexp_match() does not support the \"global\" option", "regexp_match", T("a"),
               T("a"), T("g"));
    /* select substring('foobar' from 'o.b'), substring('foobar' from 'o(.)b'), substring('foobar' from 'z')
     * => oob|o| */
    EXPECT_TEXT("oob", "substring", T("foobar"), T("o.b"));
    EXPECT_TEXT("o", "substring", T("foobar"), T("o(.)b"));
    EXPECT_NULL("substring", T("foobar"), T("z"));
}

static void test_regexp_misc(void **state)
{
    (void)state;
    /* select regexp_like('abc', 'B', 'i'), regexp_count('abcabc', 'b'), regexp_like('A', 'a') => t|2|f */
    EXPECT_BOOL(1, "regexp_like", T("abc"), T("B"), T("i"));
    EXPECT_BOOL(0, "regexp_like", T("A"), T("a"));
    EXPECT_INT(2, "regexp_count", T("abcabc"), T("b"));
    /* select regexp_count('aaa', 'a', 2), regexp_count('aAa', 'a', 1, 'i') => 2|3 */
    EXPECT_INT(2, "regexp_count", T("aaa"), T("a"), I4(2));
    EXPECT_INT(3, "regexp_count", T("aAa"), T("a"), I4(1), T("i"));
    /* select regexp_substr('abc123def', '\d+'), regexp_substr('abc', 'b', 1, 1, '', 2),
     * regexp_substr('abc', '(b)', 1, 1, '', 1) => 123||b */
    EXPECT_TEXT("123", "regexp_substr", T("abc123def"), T("\\d+"));
    EXPECT_NULL("regexp_substr", T("abc"), T("b"), I4(1), I4(1), T(""), I4(2));
    EXPECT_TEXT("b", "regexp_substr", T("abc"), T("(b)"), I4(1), I4(1), T(""), I4(1));
    EXPECT_TEXT("45", "regexp_substr", T("1 23 45"), T("\\d+"), I4(1), I4(3));
    EXPECT_ERR("22023", "invalid value for parameter \"start\": 0", "regexp_substr", T("abc"), T("b"), I4(0));
    EXPECT_ERR("22023", "regexp_count() does not support the \"global\" option", "regexp_count", T("a"),
               T("a"), I4(1), T("g"));
    /* select regexp_split_to_array('a1b2c', '\d'), regexp_split_to_array('hello', ''),
     * regexp_split_to_array('abc', 'b*') => {a,b,c}|{h,e,l,l,o}|{a,c} */
    EXPECT_TEXT("{a,b,c}", "regexp_split_to_array", T("a1b2c"), T("\\d"));
    EXPECT_TEXT("{h,e,l,l,o}", "regexp_split_to_array", T("hello"), T(""));
    EXPECT_TEXT("{a,c}", "regexp_split_to_array", T("abc"), T("b*"));
    /* select regexp_split_to_array('', ','), regexp_split_to_array('a,', ','), regexp_split_to_array(',a',
     * ',')
     * => {""}|{a,""}|{"",a} */
    EXPECT_TEXT("{\"\"}", "regexp_split_to_array", T(""), T(","));
    EXPECT_TEXT("{a,\"\"}", "regexp_split_to_array", T("a,"), T(","));
    EXPECT_TEXT("{\"\",a}", "regexp_split_to_array", T(",a"), T(","));
}

static void test_similar(void **state)
{
    (void)state;
    /* select similar_to_escape('a%b_c'), similar_to_escape('a#%b', '#'), similar_to_escape('(a|b)[x]\.$^'),
     * similar_to_escape('ab', ''), similar_to_escape('a{2}+*?'), similar_to_escape('a[%_]b')
     * => ^(?:a.*b.c)$|^(?:a\%b)$|^(?:(?:a|b)[x]\.\$\^)$|^(?:ab)$|^(?:a{2}+*?)$|^(?:a[%_]b)$ */
    EXPECT_TEXT("^(?:a.*b.c)$", "similar_to_escape", T("a%b_c"));
    EXPECT_TEXT("^(?:a\\%b)$", "similar_to_escape", T("a#%b"), T("#"));
    EXPECT_TEXT("^(?:(?:a|b)[x]\\.\\$\\^)$", "similar_to_escape", T("(a|b)[x]\\.$^"));
    EXPECT_TEXT("^(?:ab)$", "similar_to_escape", T("ab"), T(""));
    EXPECT_TEXT("^(?:a{2}+*?)$", "similar_to_escape", T("a{2}+*?"));
    EXPECT_TEXT("^(?:a[%_]b)$", "similar_to_escape", T("a[%_]b"));
    EXPECT_ERR("2200C", "SQL regular expression may not contain more than two escape-double-quote separators",
               "similar_to_escape", T("a#\"b#\"c#\"d#\"e"), T("#"));
    EXPECT_ERR("22025", "invalid escape string", "similar_to_escape", T("abc"), T("xy"));
    /* select 'abc' similar to 'a%' (~ with the translated pattern), substring('Thomas' similar '%#"o_a#"_'
     * escape '#'), substring('abc' similar 'a%' escape '#'), substring('abc' similar 'x%' escape '#') =>
     * t|oma|abc| */
    EXPECT_BOOL(1, "~", T("abc"), T("^(?:a.*)$"));
    EXPECT_TEXT("oma", "substring", T("Thomas"), T("%#\"o_a#\"_"), T("#"));
    EXPECT_TEXT("abc", "substring", T("abc"), T("a%"), T("#"));
    EXPECT_NULL("substring", T("abc"), T("x%"), T("#"));
    /* PCRE2-only group syntax is refused: select 'abc' ~ 'a(?>b)c' => ERROR; 'abc' ~ 'a(?#x)bc',
     * 'abc' ~ 'a(?<=a)bc', 'abc' ~ 'a(?<!x)bc' => t|t|t */
    EXPECT_ERR("2201B", "invalid regular expression: quantifier operand invalid", "~", T("abc"),
               T("a(?>b)c"));
    EXPECT_ERR("2201B", "invalid regular expression: quantifier operand invalid", "~", T("abc"),
               T("a(?<n>b)c"));
    EXPECT_BOOL(1, "~", T("abc"), T("a(?#x)bc"));
    EXPECT_BOOL(1, "~", T("abc"), T("a(?<=a)bc"));
    EXPECT_BOOL(1, "~", T("abc"), T("a(?<!x)bc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_like_shapes, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_like_general, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_like_escape, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_regex_ops, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_regexp_replace, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_regexp_match, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_regexp_misc, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_similar, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
