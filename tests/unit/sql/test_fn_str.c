/*
 * test_fn_str.c: unit tests of src/sql/fn_str.c, the string functions, against PostgreSQL 15's results
 * and errors (a UTF-8 database with collation "C" and LC_CTYPE C.UTF-8; each check names the query it was
 * taken from).
 */
#include "fn_test.h"

#include <time.h>

static void test_lengths(void **state)
{
    (void)state;
    /* select length('héllo'), octet_length('héllo') => 5|6 */
    EXPECT_INT(5, "length", T("héllo"));
    EXPECT_INT(6, "octet_length", T("héllo"));
    EXPECT_INT(5, "char_length", T("héllo"));
    EXPECT_INT(5, "character_length", T("héllo"));
    EXPECT_INT(0, "length", T(""));
    /* a long mixed string exercises the word-at-a-time count */
    EXPECT_INT(21, "length", T("abcdefgh€ijklmnopqrst"));
    /* select length('ab  '::char(5)), octet_length('ab'::char(5)), char_length('ab '::char(4)) => 2|5|2 */
    EXPECT_INT(2, "length", TY(SQL_BPCHAR, "ab   "));
    EXPECT_INT(5, "octet_length", TY(SQL_BPCHAR, "ab   "));
    EXPECT_INT(2, "char_length", TY(SQL_BPCHAR, "ab  "));
    /* select bit_length('é'), bit_length('\x0102'::bytea) => 16|16 */
    EXPECT_INT(16, "bit_length", T("é"));
    EXPECT_INT(16, "bit_length", TY(SQL_BYTEA, "\x01\x02"));
    /* select length('\x0102'::bytea) => 2 */
    EXPECT_INT(2, "length", TY(SQL_BYTEA, "\x01\x02"));
}

static void test_case(void **state)
{
    (void)state;
    /* C.UTF-8's simple case mapping of every letter, whatever the process locale is:
     * select lower('ÉA'), upper('éa'), upper('/café') => éa|ÉA|/CAFÉ */
    EXPECT_TEXT("éa", "lower", T("ÉA"));
    EXPECT_TEXT("ÉA", "upper", T("éa"));
    EXPECT_TEXT("/CAFÉ", "upper", T("/café"));
    EXPECT_TEXT("already lower", "lower", T("already lower"));
    EXPECT_TEXT("MIXED 123", "upper", T("MiXeD 123"));
    /* select upper('Wałęsa straße ǆ ı ſ ß'), lower('WAŁĘSA ÀÉÎÕÜ Ǆ ǅ İ K Ω')
     * => WAŁĘSA STRAßE Ǆ I S ß|wałęsa àéîõü ǆ ǆ i k ω  (one character to one: ß stays, dotless i and long
     * s upper-case to ASCII, the Kelvin sign lower-cases to ASCII k) */
    EXPECT_TEXT("WAŁĘSA STRAßE Ǆ I S ß", "upper", T("Wałęsa straße ǆ ı ſ ß"));
    EXPECT_TEXT("wałęsa àéîõü ǆ ǆ i k ω", "lower", T("WAŁĘSA ÀÉÎÕÜ Ǆ ǅ İ K Ω"));
    /* byte lengths change: select upper('ɐɑɒ'), octet_length(upper('ɐɑɒ')), lower('ȺȾ Ɐ'),
     * octet_length(lower('ȺȾ')) => ⱯⱭⱰ|9|ⱥⱦ ɐ|6 (2-byte letters whose other case takes 3 bytes) */
    EXPECT_TEXT("ⱯⱭⱰ", "upper", T("ɐɑɒ"));
    EXPECT_TEXT("ⱥⱦ ɐ", "lower", T("ȺȾ Ɐ"));
    /* select upper('𐐨𐐩 ΐ ﬀ'), lower('𐐀 ΣΑΣ') => 𐐀𐐁 ΐ ﬀ|𐐨 σασ (no final sigma rule, no expansions) */
    EXPECT_TEXT("𐐀𐐁 ΐ ﬀ", "upper", T("𐐨𐐩 ΐ ﬀ"));
    EXPECT_TEXT("𐐨 σασ", "lower", T("𐐀 ΣΑΣ"));
    /* select initcap('hi THERE o''neil 3rd-party') => Hi There O'Neil 3rd-Party */
    EXPECT_TEXT("Hi There O'Neil 3rd-Party", "initcap", T("hi THERE o'neil 3rd-party"));
    /* non-ASCII letters are word characters: select initcap('hello wORLD éa'), initcap('ada wałęsa'),
     * initcap('ǆemal ÉCOLE élan vital-über straße'), initcap('ΣΑΣ σας'), initcap('1st ǳ ǲ')
     * => Hello World Éa|Ada Wałęsa|Ǆemal École Élan Vital-Über Straße|Σασ Σας|1st Ǳ Ǳ */
    EXPECT_TEXT("Hello World Éa", "initcap", T("hello wORLD éa"));
    EXPECT_TEXT("Ada Wałęsa", "initcap", T("ada wałęsa"));
    EXPECT_TEXT("Ǆemal École Élan Vital-Über Straße", "initcap", T("ǆemal ÉCOLE élan vital-über straße"));
    EXPECT_TEXT("Σασ Σας", "initcap", T("ΣΑΣ σας"));
    EXPECT_TEXT("1st Ǳ Ǳ", "initcap", T("1st ǳ ǲ"));
    EXPECT_TEXT("", "upper", T(""));
    EXPECT_NULL("lower", NUL(SQL_TEXT));
}

static void test_substr(void **state)
{
    (void)state;
    /* select substr('hello', 0, 3), substr('hello', -2), substr('hello', 2), substr('héllo', 2, 2),
     * substr('hello', 10) => he|hello|ello|él| */
    EXPECT_TEXT("he", "substr", T("hello"), I4(0), I4(3));
    EXPECT_TEXT("hello", "substr", T("hello"), I4(-2));
    EXPECT_TEXT("ello", "substr", T("hello"), I4(2));
    EXPECT_TEXT("él", "substr", T("héllo"), I4(2), I4(2));
    EXPECT_TEXT("", "substr", T("hello"), I4(10));
    EXPECT_TEXT("ell", "substring", T("hello"), I4(2), I4(3));
    EXPECT_TEXT("", "substring", T("hello"), I4(-5), I4(3));
    /* select substr('hello', 2, -1) => ERROR 22011 */
    EXPECT_ERR("22011", "negative substring length not allowed", "substr", T("hello"), I4(2), I4(-1));
    /* bytea: select substring('\x010203'::bytea, 2, 5) => \x0203 */
    EXPECT_TEXT("\x02\x03", "substring", TY(SQL_BYTEA, "\x01\x02\x03"), I4(2), I4(5));
    /* select left('héllo', -2), right('héllo', -2), right('hello', 2), left('hello', 0) => hél|llo|lo| */
    EXPECT_TEXT("hél", "left", T("héllo"), I4(-2));
    EXPECT_TEXT("llo", "right", T("héllo"), I4(-2));
    EXPECT_TEXT("lo", "right", T("hello"), I4(2));
    EXPECT_TEXT("", "left", T("hello"), I4(0));
    EXPECT_TEXT("hello", "left", T("hello"), I4(99));
    EXPECT_TEXT("", "right", T("hello"), I4(-99));
}

static void test_search(void **state)
{
    (void)state;
    /* select strpos('héllo', 'l'), strpos('abc', ''), position('c' in 'abc') => 3|1|3 */
    EXPECT_INT(3, "strpos", T("héllo"), T("l"));
    EXPECT_INT(1, "strpos", T("abc"), T(""));
    EXPECT_INT(3, "position", T("abc"), T("c"));
    EXPECT_INT(0, "strpos", T("abc"), T("x"));
    /* select starts_with('hello', 'he'), 'hello' ^@ 'hel' => t|t */
    EXPECT_BOOL(1, "starts_with", T("hello"), T("he"));
    EXPECT_BOOL(1, "^@", T("hello"), T("hel"));
    EXPECT_BOOL(0, "starts_with", T("he"), T("hello"));
    /* select replace('aaa', '', 'x'), replace('abcabc', 'b', 'XX') => aaa|aXXcaXXc */
    EXPECT_TEXT("aaa", "replace", T("aaa"), T(""), T("x"));
    EXPECT_TEXT("aXXcaXXc", "replace", T("abcabc"), T("b"), T("XX"));
    EXPECT_TEXT("ac", "replace", T("abc"), T("b"), T(""));
    EXPECT_TEXT("abc", "replace", T("abc"), T("z"), T("y"));
}

static void test_split_part(void **state)
{
    (void)state;
    /* select split_part('a,b,c', ',', -1), split_part('a,b,c', ',', 5), split_part('abc', '', 1),
     * split_part('abc', '', 2) => c||abc| */
    EXPECT_TEXT("b", "split_part", T("a,b,c"), T(","), I4(2));
    EXPECT_TEXT("c", "split_part", T("a,b,c"), T(","), I4(-1));
    EXPECT_TEXT("a", "split_part", T("a,b,c"), T(","), I4(-3));
    EXPECT_TEXT("", "split_part", T("a,b,c"), T(","), I4(-4));
    EXPECT_TEXT("", "split_part", T("a,b,c"), T(","), I4(5));
    EXPECT_TEXT("abc", "split_part", T("abc"), T(""), I4(1));
    EXPECT_TEXT("", "split_part", T("abc"), T(""), I4(2));
    EXPECT_TEXT("b", "split_part", T("a<>b<>c"), T("<>"), I4(2));
    /* select split_part('a,b,c', ',', 0) => ERROR 22023 */
    EXPECT_ERR("22023", "field position must not be zero", "split_part", T("a,b,c"), T(","), I4(0));
}

static void test_trim_pad(void **state)
{
    (void)state;
    /* select btrim('  ab  '), btrim('xxabyx', 'xy'), ltrim('xxab', 'x'), rtrim('abxx', 'x'),
     * btrim('ab', '') => ab|ab|ab|ab|ab */
    EXPECT_TEXT("ab", "btrim", T("  ab  "));
    EXPECT_TEXT("ab", "btrim", T("xxabyx"), T("xy"));
    EXPECT_TEXT("ab", "ltrim", T("xxab"), T("x"));
    EXPECT_TEXT("ab", "rtrim", T("abxx"), T("x"));
    EXPECT_TEXT("ab  ", "ltrim", T("  ab  "));
    EXPECT_TEXT("  ab", "rtrim", T("  ab  "));
    EXPECT_TEXT("ab", "btrim", T("ab"), T(""));
    EXPECT_TEXT("x", "btrim", T("éxé"), T("é"));
    /* select lpad('abc', 5, ''), lpad('abcdef', 3), lpad('ab', 7, 'xy'), rpad('ab', 7, 'xy'), lpad('ab', -1)
     * => abc|abc|xyxyxab|abxyxyx| */
    EXPECT_TEXT("abc", "lpad", T("abc"), I4(5), T(""));
    EXPECT_TEXT("abc", "lpad", T("abcdef"), I4(3));
    EXPECT_TEXT("xyxyxab", "lpad", T("ab"), I4(7), T("xy"));
    EXPECT_TEXT("abxyxyx", "rpad", T("ab"), I4(7), T("xy"));
    EXPECT_TEXT("", "lpad", T("ab"), I4(-1));
    EXPECT_TEXT("   ab", "lpad", T("ab"), I4(5));
    EXPECT_TEXT("éé€", "lpad", T("€"), I4(3), T("é"));
    /* select lpad('a', 2147483647, 'x') => ERROR 54000 */
    EXPECT_ERR("54000", "requested length too large", "lpad", T("a"), I4(2147483647), T("x"));
}

static void test_repeat_reverse_translate(void **state)
{
    (void)state;
    /* select repeat('ab', 3), repeat('x', -1) => ababab| */
    EXPECT_TEXT("ababab", "repeat", T("ab"), I4(3));
    EXPECT_TEXT("", "repeat", T("x"), I4(-1));
    /* select repeat('abc', 2147483647) => ERROR 54000 requested length too large */
    EXPECT_ERR("54000", "requested length too large", "repeat", T("abc"), I4(2147483647));
    /* select reverse('héllo') => olléh */
    EXPECT_TEXT("olléh", "reverse", T("héllo"));
    /* select translate('12345', '143', 'ax'), translate('abc', 'ab', ''), translate('héllo', 'é', 'e')
     * => a2x5|c|hello */
    EXPECT_TEXT("a2x5", "translate", T("12345"), T("143"), T("ax"));
    EXPECT_TEXT("c", "translate", T("abc"), T("ab"), T(""));
    EXPECT_TEXT("hello", "translate", T("héllo"), T("é"), T("e"));
    /* select overlay('Txxxxas' placing 'hom' from 2 for 4), overlay('abc' placing 'X' from 2)
     * => Thomas|aXc */
    EXPECT_TEXT("Thomas", "overlay", T("Txxxxas"), T("hom"), I4(2), I4(4));
    EXPECT_TEXT("aXc", "overlay", T("abc"), T("X"), I4(2));
}

static void test_concat(void **state)
{
    (void)state;
    /* select 'abc' || 1, 1 || 'abc', 'a' || null => abc1|1abc| */
    EXPECT_TEXT("abc1", "||", T("abc"), I4(1));
    EXPECT_TEXT("1abc", "||", I4(1), T("abc"));
    EXPECT_TEXT("ab", "||", T("a"), T("b"));
    EXPECT_NULL("||", T("a"), NUL(SQL_TEXT));
    /* select 'x' || true => xtrue (a cast to text, unlike concat's output function) */
    EXPECT_TEXT("xtrue", "||", T("x"), B(1));
    /* select concat('a', null, 1, true) => a1t ; concat_ws(',', 'a', null, 'b') => a,b */
    EXPECT_TEXT("a1t", "concat", T("a"), NUL(SQL_TEXT), I4(1), B(1));
    EXPECT_TEXT("a,b", "concat_ws", T(","), T("a"), NUL(SQL_TEXT), T("b"));
    EXPECT_TEXT("", "concat", NUL(SQL_TEXT), NUL(SQL_INT4));
    /* select concat_ws(null, 'a') is null => t */
    EXPECT_NULL("concat_ws", NUL(SQL_TEXT), T("a"));
    EXPECT_TEXT("-5|9223372036854775807", "concat_ws", T("|"), I2(-5), I8(INT64_MAX));
}

static void test_codes(void **state)
{
    (void)state;
    /* select md5('abc') => 900150983cd24fb0d6963f7d28e17f72 */
    EXPECT_TEXT("900150983cd24fb0d6963f7d28e17f72", "md5", T("abc"));
    /* select md5('') => d41d8cd98f00b204e9800998ecf8427e */
    EXPECT_TEXT("d41d8cd98f00b204e9800998ecf8427e", "md5", T(""));
    /* select to_hex(-1), to_hex(-1::int8), to_hex(255) => ffffffff|ffffffffffffffff|ff */
    EXPECT_TEXT("ffffffff", "to_hex", I4(-1));
    EXPECT_TEXT("ffffffffffffffff", "to_hex", I8(-1));
    EXPECT_TEXT("ff", "to_hex", I4(255));
    EXPECT_TEXT("0", "to_hex", I4(0));
    /* select chr(233), ascii('é'), ascii('') => é|233|0 */
    EXPECT_TEXT("é", "chr", I4(233));
    EXPECT_TEXT("A", "chr", I4(65));
    EXPECT_TEXT("😀", "chr", I4(0x1F600));
    EXPECT_INT(233, "ascii", T("é"));
    EXPECT_INT(0, "ascii", T(""));
    /* select chr(0) / chr(-1) / chr(1114112) / chr(55296) */
    EXPECT_ERR("54000", "null character not permitted", "chr", I4(0));
    EXPECT_ERR("22023", "character number must be positive", "chr", I4(-1));
    EXPECT_ERR("54000", "requested character too large for encoding: 1114112", "chr", I4(1114112));
    EXPECT_ERR("54000", "requested character not valid for encoding: 55296", "chr", I4(55296));
}

/* bytea of n bytes (may hold NUL bytes) */
static SqlValue BY(const char *s, size_t n)
{
    SqlValue v = TN(s, n);
    v.type = SQL_TYPE(SQL_BYTEA);
    return v;
}

/* decode(text, format) must give exactly the n bytes want */
#define EXPECT_BYTES(want_, len_, ...)                                                                       \
    do {                                                                                                     \
        FntResult *r_ = CALL("decode", __VA_ARGS__);                                                         \
        assert_false(r_->v.is_null);                                                                         \
        assert_int_equal(r_->v.u.s.n, (len_));                                                               \
        assert_memory_equal(r_->v.u.s.p, (want_), (len_));                                                   \
    } while (0)

static void test_encode_decode(void **state)
{
    (void)state;
    /* select encode('\x00ff10'::bytea, 'hex'), encode('\x00ff10'::bytea, 'base64'),
     * encode('\x00ff5c41'::bytea, 'escape'), encode('', 'HEX') => 00ff10|AP8Q|\000\377\\A| */
    EXPECT_TEXT("00ff10", "encode", BY("\x00\xff\x10", 3), T("hex"));
    EXPECT_TEXT("AP8Q", "encode", BY("\x00\xff\x10", 3), T("base64"));
    EXPECT_TEXT("\\000\\377\\\\A", "encode", BY("\x00\xff\\A", 4), T("escape"));
    EXPECT_TEXT("", "encode", TY(SQL_BYTEA, ""), T("HEX"));
    /* padding: select encode('f', 'base64'), encode('fo', 'base64') => Zg==|Zm8= */
    EXPECT_TEXT("Zg==", "encode", TY(SQL_BYTEA, "f"), T("base64"));
    EXPECT_TEXT("Zm8=", "encode", TY(SQL_BYTEA, "fo"), T("base64"));
    /* a newline after every 76 characters, even at the very end: select encode(repeat('x', 57)::bytea,
     * 'base64') = repeat('eHh4', 19) || chr(10), encode(repeat('x', 58)::bytea, 'base64') => t|...\neA== */
    static char x57[58], x58[59], want57[78], want58[82];
    memset(x57, 'x', 57);
    memset(x58, 'x', 58);
    for (int k = 0; k < 19; k++)
        memcpy(want57 + 4 * k, "eHh4", 4);
    want57[76] = '\n';
    memcpy(want58, want57, 77);
    memcpy(want58 + 77, "eA==", 4);
    EXPECT_TEXT(want57, "encode", TY(SQL_BYTEA, x57), T("base64"));
    EXPECT_TEXT(want58, "encode", TY(SQL_BYTEA, x58), T("base64"));
    EXPECT_ERR("22023", "unrecognized encoding: \"foo\"", "encode", TY(SQL_BYTEA, "a"), T("foo"));
    /* select decode('00FF 10', 'hex'), decode(' AP 8Q ', 'BASE64'), decode(E'eHh4\neHh4', 'base64'),
     * decode('a\\b\001', 'escape') => \x00ff10|\x00ff10|\x787878787878|\x615c6201 */
    EXPECT_BYTES("\x00\xff\x10", 3, T("00FF 10"), T("hex"));
    EXPECT_BYTES("\x00\xff\x10", 3, T(" AP 8Q "), T("BASE64"));
    EXPECT_BYTES("xxxxxx", 6, T("eHh4\neHh4"), T("base64"));
    EXPECT_BYTES("a\\b\x01", 4, T("a\\\\b\\001"), T("escape"));
    /* padding is sticky once seen: select decode('AA==AA==', 'base64'), decode('AAA=AAAA', 'base64')
     * => \x0000|\x00000000 */
    EXPECT_BYTES("\0\0", 2, T("AA==AA=="), T("base64"));
    EXPECT_BYTES("\0\0\0\0", 4, T("AAA=AAAA"), T("base64"));
    /* every byte value survives a round trip through each format */
    static char all[256];
    for (int k = 0; k < 256; k++)
        all[k] = (char)k;
    const char *formats[] = {"hex", "base64", "escape"};
    for (int f = 0; f < 3; f++) {
        static char enc[1024];
        FntResult *e = CALL("encode", BY(all, 256), T(formats[f]));
        assert_true(e->v.u.s.n < sizeof(enc));
        memcpy(enc, e->text, e->v.u.s.n + 1);
        EXPECT_BYTES(all, 256, T(enc), T(formats[f]));
    }
    /* errors: select decode('0', 'hex'), decode('0g', 'hex'), decode('0 0', 'hex'), decode('ééé', 'hex'),
     * decode('AP8', 'base64'), decode('A=P8', 'base64'), decode('AP8Q=', 'base64'),
     * decode('AP!Q', 'base64'), decode('é', 'base64'), decode('a\9', 'escape'), decode('a\', 'escape') */
    EXPECT_ERR("22023", "invalid hexadecimal data: odd number of digits", "decode", T("0"), T("hex"));
    EXPECT_ERR("22023", "invalid hexadecimal digit: \"g\"", "decode", T("0g"), T("hex"));
    EXPECT_ERR("22023", "invalid hexadecimal digit: \" \"", "decode", T("0 0"), T("hex"));
    EXPECT_ERR("22023", "invalid hexadecimal digit: \"é\"", "decode", T("ééé"), T("hex"));
    EXPECT_ERR("22023", "invalid base64 end sequence", "decode", T("AP8"), T("base64"));
    EXPECT_ERR("22023", "unexpected \"=\" while decoding base64 sequence", "decode", T("A=P8"), T("base64"));
    EXPECT_ERR("22023", "unexpected \"=\" while decoding base64 sequence", "decode", T("AP8Q="), T("base64"));
    EXPECT_ERR("22023", "invalid symbol \"!\" found while decoding base64 sequence", "decode", T("AP!Q"),
               T("base64"));
    EXPECT_ERR("22023", "invalid symbol \"é\" found while decoding base64 sequence", "decode", T("é"), T("base64"));
    EXPECT_ERR("22P02", "invalid input syntax for type bytea", "decode", T("a\\9"), T("escape"));
    EXPECT_ERR("22P02", "invalid input syntax for type bytea", "decode", T("a\\"), T("escape"));
    EXPECT_ERR("22023", "unrecognized encoding: \"utf8\"", "decode", T("a"), T("utf8"));
}

static void test_quote(void **state)
{
    (void)state;
    /* select quote_ident('abc'), quote_ident('Abc'), quote_ident('select'), quote_ident('a"b'),
     * quote_ident('_x1$'), quote_ident('1a') => abc|"Abc"|"select"|"a""b"|"_x1$"|"1a" */
    EXPECT_TEXT("abc", "quote_ident", T("abc"));
    EXPECT_TEXT("\"Abc\"", "quote_ident", T("Abc"));
    EXPECT_TEXT("\"select\"", "quote_ident", T("select"));
    EXPECT_TEXT("\"a\"\"b\"", "quote_ident", T("a\"b"));
    EXPECT_TEXT("\"_x1$\"", "quote_ident", T("_x1$"));
    EXPECT_TEXT("\"1a\"", "quote_ident", T("1a"));
    EXPECT_TEXT("xmltext", "quote_ident", T("xmltext")); /* not a keyword in 15 */
    /* select quote_literal('it''s'), quote_literal(E'a\\b'), quote_nullable(null) => 'it''s'|E'a\\b'|NULL */
    EXPECT_TEXT("'it''s'", "quote_literal", T("it's"));
    EXPECT_TEXT("E'a\\\\b'", "quote_literal", T("a\\b"));
    EXPECT_TEXT("NULL", "quote_nullable", NUL(SQL_TEXT));
    EXPECT_TEXT("'x'", "quote_nullable", T("x"));
    /* select quote_literal(12.5), quote_literal(true), quote_nullable(null::int), quote_nullable(42)
     * => '12.5'|'true'|NULL|'42' */
    EXPECT_TEXT("'12.5'", "quote_literal", N("12.5"));
    EXPECT_TEXT("'true'", "quote_literal", B(1));
    EXPECT_TEXT("NULL", "quote_nullable", NUL(SQL_INT4));
    EXPECT_TEXT("'42'", "quote_nullable", I4(42));
}

static void test_format(void **state)
{
    (void)state;
    /* select format('%s|%I|%L|%%|%2$s|%-5s|%5s|', 'a b', 'Foo', 'it''s', 'x')
     * => a b|"Foo"|'it''s'|%|Foo|it's |    x| */
    EXPECT_TEXT("a b|\"Foo\"|'it''s'|%|Foo|it's |    x|", "format", T("%s|%I|%L|%%|%2$s|%-5s|%5s|"), T("a b"),
                T("Foo"), T("it's"), T("x"));
    /* select format('%L', null), format('%I', 'select'), format('%s', null), format('%3$s %1$s', 1, 2, 3)
     * => NULL|"select"||3 1 */
    EXPECT_TEXT("NULL", "format", T("%L"), NUL(SQL_TEXT));
    EXPECT_TEXT("\"select\"", "format", T("%I"), T("select"));
    EXPECT_TEXT("", "format", T("%s"), NUL(SQL_TEXT));
    EXPECT_TEXT("3 1", "format", T("%3$s %1$s"), I4(1), I4(2), I4(3));
    /* select format('%*s|%-*s|', 5, 'a', 4, 'b'), format('%1$s %s', 'a', 'b'), format('%2$s %s', 'a', 'b',
     * 'c')
     * =>     a|b   ||a b|b c */
    EXPECT_TEXT("    a|b   |", "format", T("%*s|%-*s|"), I4(5), T("a"), I4(4), T("b"));
    EXPECT_TEXT("a b", "format", T("%1$s %s"), T("a"), T("b"));
    EXPECT_TEXT("b c", "format", T("%2$s %s"), T("a"), T("b"), T("c"));
    /* select format('%*s', null, 'a'), format('%*s', -3, 'a')||'|', format('%5I', 'a'), format('%-5L',
     * 'a')||'|'
     * => a|a  ||    a|'a'  | */
    EXPECT_TEXT("a", "format", T("%*s"), NUL(SQL_INT4), T("a"));
    EXPECT_TEXT("a  ", "format", T("%*s"), I4(-3), T("a"));
    EXPECT_TEXT("    a", "format", T("%5I"), T("a"));
    EXPECT_TEXT("'a'  ", "format", T("%-5L"), T("a"));
    EXPECT_TEXT("plain", "format", T("plain"));
    EXPECT_NULL("format", NUL(SQL_TEXT), T("a"));
    /* errors */
    EXPECT_ERR("22023", "too few arguments for format()", "format", T("%s %s"), T("a"));
    EXPECT_ERR("22023", "unrecognized format() type specifier \"z\"", "format", T("%z"), T("a"));
    EXPECT_ERR("22023", "unterminated format() type specifier", "format", T("%"), I4(1));
    EXPECT_ERR("22023", "unterminated format() type specifier", "format", T("%-"), I4(1));
    EXPECT_ERR("22023", "format specifies argument 0, but arguments are numbered from 1", "format", T("%0$s"),
               I4(1));
    EXPECT_ERR("22004", "null values cannot be formatted as an SQL identifier", "format", T("%I"),
               NUL(SQL_TEXT));
}

static void test_string_to_array(void **state)
{
    (void)state;
    /* select string_to_array('a,b,,c', ','), string_to_array('a,b,NULL', ',', 'NULL'),
     * string_to_array('', ','), string_to_array('abc', null), string_to_array('abc', '')
     * => {a,b,"",c}|{a,b,NULL}|{}|{a,b,c}|{abc} */
    EXPECT_TEXT("{a,b,\"\",c}", "string_to_array", T("a,b,,c"), T(","));
    EXPECT_TEXT("{a,b,NULL}", "string_to_array", T("a,b,NULL"), T(","), T("NULL"));
    EXPECT_TEXT("{}", "string_to_array", T(""), T(","));
    EXPECT_TEXT("{a,b,c}", "string_to_array", T("abc"), NUL(SQL_TEXT));
    EXPECT_TEXT("{abc}", "string_to_array", T("abc"), T(""));
    /* select string_to_array('a b,c"d,', ',') => {"a b","c\"d",""} */
    EXPECT_TEXT("{\"a b\",\"c\\\"d\",\"\"}", "string_to_array", T("a b,c\"d,"), T(","));
    EXPECT_NULL("string_to_array", NUL(SQL_TEXT), T(","));
}

/* repeat, lpad and rpad build their results by doubling a copied prefix (fill_repeat): every length,
 * around each power of two, must equal the repetitions written one by one; and the calls that produce
 * nothing or too much must finish at once. */
static void test_long_results(void **state)
{
    UNUSED(state);
    static const char *const fills[] = {"x", "ab", "\xc3\xa9\xe2\x82\xacz"}; /* "x", "ab", "é€z" */
    char want[4096];
    for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
        size_t fl = strlen(fills[f]), fchars = f == 2 ? 3 : fl;
        for (int64_t n = 0; (size_t)n * fl + 2 < sizeof(want); n += n < 40 ? 1 : 29) {
            size_t len = 0;
            for (int64_t k = 0; k < n; k++, len += fl)
                memcpy(want + len, fills[f], fl);
            want[len] = 0;
            EXPECT_TEXT(want, "repeat", T(fills[f]), I4(n));
            /* lpad('ab', 2 + n * chars, fill) is the n repetitions, then 'ab'; rpad the other way round */
            int32_t chars = (int32_t)(2 + (size_t)n * fchars);
            char padded[4096 + 2];
            memcpy(padded, want, len);
            memcpy(padded + len, "ab", 3);
            EXPECT_TEXT(padded, "lpad", T("ab"), I4(chars), T(fills[f]));
            memcpy(padded, "ab", 2);
            memcpy(padded + 2, want, len + 1);
            EXPECT_TEXT(padded, "rpad", T("ab"), I4(chars), T(fills[f]));
        }
    }
    /* select lpad('ab', 6, 'é€z'), rpad('ab', 7, 'é€z') => é€zéab|abé€zé€ (a fill cut inside) */
    EXPECT_TEXT("\xc3\xa9\xe2\x82\xacz\xc3\xa9" "ab", "lpad", T("ab"), I4(6), T(fills[2]));
    EXPECT_TEXT("ab\xc3\xa9\xe2\x82\xacz\xc3\xa9\xe2\x82\xac", "rpad", T("ab"), I4(7), T(fills[2]));
    /* select length(repeat('', 2147483647)) => 0: nothing to copy, where it used to make two billion
     * empty copies (tens of seconds no cancel request could interrupt) */
    clock_t t0 = clock();
    EXPECT_TEXT("", "repeat", T(""), I4(2147483647));
    assert_true(clock() - t0 < 2 * CLOCKS_PER_SEC);
    /* select lpad('', 2000000000, ''), rpad('ab', 2000000000, '') => |ab */
    EXPECT_TEXT("", "lpad", T(""), I4(2000000000), T(""));
    EXPECT_TEXT("ab", "rpad", T("ab"), I4(2000000000), T(""));
    /* select repeat('ab', 600000000) => ERROR 54000 requested length too large */
    EXPECT_ERR("54000", "requested length too large", "repeat", T("ab"), I4(600000000));
    /* select format('%2000000000s', 'x') => ERROR 54000 out of memory, DETAIL Cannot enlarge string buffer
     * containing 0 bytes by 1999999999 more bytes. (left-aligned: the value is in the buffer first) */
    static FntResult r;
    fnt_call("format", 2, FNT_ARGS(T("%2000000000s"), T("x")), &r);
    assert_int_equal(r.rc, WEIR_ERROR);
    assert_string_equal(r.err.sqlstate, "54000");
    assert_string_equal(r.err.message, "out of memory");
    assert_string_equal(r.err.detail, "Cannot enlarge string buffer containing 0 bytes by 1999999999 more bytes.");
    fnt_call("format", 2, FNT_ARGS(T("ab%-2000000000s"), T("x")), &r);
    assert_int_equal(r.rc, WEIR_ERROR);
    assert_string_equal(r.err.detail, "Cannot enlarge string buffer containing 3 bytes by 1999999999 more bytes.");
    /* select format('%3000s|', 'x') = repeat(' ', 2999) || 'x|' => t */
    memset(want, ' ', 2999);
    memcpy(want + 2999, "x|", 3);
    EXPECT_TEXT(want, "format", T("%3000s|"), T("x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lengths, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_case, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_substr, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_search, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_split_part, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_trim_pad, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_repeat_reverse_translate, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_concat, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_codes, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_encode_decode, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_quote, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_format, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_string_to_array, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_long_results, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
