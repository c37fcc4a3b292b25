/*
 * test_fn_json.c: unit tests of src/sql/fn_json.c: extraction operators on json and jsonb text, typeof
 * and array length, building JSON from SQL values, and the jsonb operators (comparison, containment,
 * existence, concatenation, deletion, pretty printing), against PostgreSQL 15 (each check names its
 * query). jsonb arguments are given in PostgreSQL's canonical text, as typeio stores them.
 */
#include "fn_test.h"
#include "sql/datetime.h"

#define J(s) TY(SQL_JSON, s)
#define JB(s) TY(SQL_JSONB, s)
#define TA(s) TY(SQL_ARRAY_OF(SQL_TEXT), s)

static void test_json_extract(void **state)
{
    (void)state;
    /* select '{"a":1,"a":2}'::json -> 'a', '{"a": [1, 2] }'::json -> 'a', '[1,2,3]'::json -> -1,
     * '[1,2,3]'::json -> 5, '{"a":{"b":"x"}}'::json #> '{a,b}', '{"a":[1,{"c":3}]}'::json #>> '{a,1,c}',
     * '{"a":[1,2]}'::json #> '{a,-1}' => 2|[1, 2]|3||"x"|3|2 */
    EXPECT_TEXT("2", "->", J("{\"a\":1,\"a\":2}"), T("a"));
    EXPECT_TEXT("[1, 2]", "->", J("{\"a\": [1, 2] }"), T("a"));
    EXPECT_TEXT("3", "->", J("[1,2,3]"), I4(-1));
    EXPECT_NULL("->", J("[1,2,3]"), I4(5));
    EXPECT_TEXT("\"x\"", "#>", J("{\"a\":{\"b\":\"x\"}}"), TA("{a,b}"));
    EXPECT_TEXT("3", "#>>", J("{\"a\":[1,{\"c\":3}]}"), TA("{a,1,c}"));
    EXPECT_TEXT("2", "#>", J("{\"a\":[1,2]}"), TA("{a,-1}"));
    /* select '{"a": 1.50, "b": "x\"y", "c": null, "d": true}'::json ->> 'a', ... ->> 'b',
     * ('{"c": null}'::json ->> 'c') is null, '{"c": null}'::json -> 'c', '"\u00e9"'::json ->> 0,
     * '["\u00e9"]'::json ->> 0 => 1.50|x"y|t|null||é */
    EXPECT_TEXT("1.50", "->>", J("{\"a\": 1.50, \"b\": \"x\\\"y\", \"c\": null, \"d\": true}"), T("a"));
    EXPECT_TEXT("x\"y", "->>", J("{\"a\": 1.50, \"b\": \"x\\\"y\", \"c\": null}"), T("b"));
    EXPECT_NULL("->>", J("{\"c\": null}"), T("c"));
    EXPECT_TEXT("null", "->", J("{\"c\": null}"), T("c"));
    EXPECT_NULL("->>", J("\"\\u00e9\""), I4(0));
    EXPECT_TEXT("é", "->>", J("[\"\\u00e9\"]"), I4(0));
    /* select '["\ud83d\ude00"]'::json ->> 0, '{"k\"q": 5}'::json -> 'k"q', '{"a" : 1 }'::json -> 'a' => 😀|5|1
     */
    EXPECT_TEXT("😀", "->>", J("[\"\\ud83d\\ude00\"]"), I4(0));
    EXPECT_TEXT("5", "->", J("{\"k\\\"q\": 5}"), T("k\"q"));
    EXPECT_TEXT("1", "->", J("{\"a\" : 1 }"), T("a"));
    /* select '{"a":1}'::json #> '{}', '[[1,2]]'::json #>> '{0,1}', '{"a":1}'::json #> '{a,b}' => {"a":1}|2|
     */
    EXPECT_TEXT("{\"a\":1}", "#>", J("{\"a\":1}"), TA("{}"));
    EXPECT_TEXT("2", "#>>", J("[[1,2]]"), TA("{0,1}"));
    EXPECT_NULL("#>", J("{\"a\":1}"), TA("{a,b}"));
    /* select '{"a":"\u0000"}'::json ->> 'a' => ERROR 22P05 */
    EXPECT_ERR("22P05", "unsupported Unicode escape sequence", "->>", J("{\"a\":\"\\u0000\"}"), T("a"));
    /* select json_extract_path('{"a":{"b":[1,2]}}', 'a', 'b'), json_extract_path_text('{"a":{"b":"x"}}', 'a',
     * 'b'), json_extract_path_text('[1,2]', '1') => [1,2]|x|2 */
    EXPECT_TEXT("[1,2]", "json_extract_path", J("{\"a\":{\"b\":[1,2]}}"), T("a"), T("b"));
    EXPECT_TEXT("x", "json_extract_path_text", J("{\"a\":{\"b\":\"x\"}}"), T("a"), T("b"));
    EXPECT_TEXT("2", "json_extract_path_text", J("[1,2]"), T("1"));
    EXPECT_NULL("json_extract_path", J("{\"a\":1}"), T("b"));
}

static void test_jsonb_extract(void **state)
{
    (void)state;
    /* select '1'::jsonb -> 0, '"x"'::jsonb ->> 0, '[1,2]'::jsonb -> -2, '{"a":[1, {"b": 2}]}'::jsonb ->> 'a',
     * '{"a":"x\ny"}'::jsonb ->> 'a', '{"a":"x\ny"}'::jsonb -> 'a' => 1|x|1|[1, {"b": 2}]|x<newline>y|"x\ny"
     */
    EXPECT_TEXT("1", "->", JB("1"), I4(0));
    EXPECT_TEXT("x", "->>", JB("\"x\""), I4(0));
    EXPECT_TEXT("1", "->", JB("[1, 2]"), I4(-2));
    EXPECT_TEXT("[1, {\"b\": 2}]", "->>", JB("{\"a\": [1, {\"b\": 2}]}"), T("a"));
    EXPECT_TEXT("x\ny", "->>", JB("{\"a\": \"x\\ny\"}"), T("a"));
    EXPECT_TEXT("\"x\\ny\"", "->", JB("{\"a\": \"x\\ny\"}"), T("a"));
    /* select '{"a":1}'::jsonb #> '{}', '{"a":[1,2]}'::jsonb #>> '{a,x}' => {"a": 1}| */
    EXPECT_TEXT("{\"a\": 1}", "#>", JB("{\"a\": 1}"), TA("{}"));
    EXPECT_NULL("#>>", JB("{\"a\": [1, 2]}"), TA("{a,x}"));
    /* select jsonb_extract_path('{"a":{"b":[1,2]}}', 'a', 'b', '1'), jsonb_extract_path_text('{"a":[1,"x"]}',
     * 'a', '1')
     * => 2|x */
    EXPECT_TEXT("2", "jsonb_extract_path", JB("{\"a\": {\"b\": [1, 2]}}"), T("a"), T("b"), T("1"));
    EXPECT_TEXT("x", "jsonb_extract_path_text", JB("{\"a\": [1, \"x\"]}"), T("a"), T("1"));
    /* text[] paths in their text form: quoting, NULL elements, blanks:
     * select '{"a b":{"c\"d":[1,2]}}'::jsonb #> '{"a b", "c\"d", 1}', '{"a":1}'::jsonb #> '{NULL}',
     * '{"NULL":1}'::jsonb #> '{"NULL"}', '{"a":1}'::jsonb #> ' { a } ' => 2||1|1 */
    EXPECT_TEXT("2", "#>", JB("{\"a b\": {\"c\\\"d\": [1, 2]}}"), TA("{\"a b\", \"c\\\"d\", 1}"));
    EXPECT_NULL("#>", JB("{\"a\": 1}"), TA("{NULL}"));
    EXPECT_TEXT("1", "#>", JB("{\"NULL\": 1}"), TA("{\"NULL\"}"));
    EXPECT_TEXT("1", "#>", JB("{\"a\": 1}"), TA(" { a } "));
    /* select '{"a":1}'::jsonb #> '{a' => ERROR 22P02 malformed array literal: "{a" */
    EXPECT_ERR("22P02", "malformed array literal: \"{a\"", "#>", JB("{\"a\": 1}"), TA("{a"));
}

static void test_typeof_length(void **state)
{
    (void)state;
    /* select json_typeof('{}'), json_typeof('1'), jsonb_typeof('"x"'), json_typeof('null'),
     * json_typeof('[1]'), json_typeof('true'), json_array_length('[1,2,[3]]'), jsonb_array_length('[]')
     * => object|number|string|null|array|boolean|3|0 */
    EXPECT_TEXT("object", "json_typeof", J("{}"));
    EXPECT_TEXT("number", "json_typeof", J(" 1 "));
    EXPECT_TEXT("string", "jsonb_typeof", JB("\"x\""));
    EXPECT_TEXT("null", "json_typeof", J("null"));
    EXPECT_TEXT("array", "json_typeof", J("[1]"));
    EXPECT_TEXT("boolean", "json_typeof", J("true"));
    EXPECT_INT(3, "json_array_length", J("[1,2,[3]]"));
    EXPECT_INT(0, "jsonb_array_length", JB("[]"));
    /* select json_array_length('{}') / json_array_length('1') => ERROR 22023 */
    EXPECT_ERR("22023", "cannot get array length of a non-array", "json_array_length", J("{}"));
    EXPECT_ERR("22023", "cannot get array length of a scalar", "json_array_length", J("1"));
    EXPECT_ERR("22P02", "invalid input syntax for type json", "json_array_length", J("[1,"));
}

static void test_build(void **state)
{
    (void)state;
    /* select to_json('a"b'::text), to_json(1.50), to_json('NaN'::float8), to_json(true), to_json(3::int2),
     * to_json(E'\t\u0001'::text), to_json(''::text) => "a\"b"|1.50|"NaN"|true|3|"\t\u0001"|"" */
    EXPECT_TEXT("\"a\\\"b\"", "to_json", T("a\"b"));
    EXPECT_TEXT("1.50", "to_json", N("1.50"));
    EXPECT_TEXT("\"NaN\"", "to_json", F8(NAN));
    EXPECT_TEXT("true", "to_json", B(1));
    EXPECT_TEXT("3", "to_json", I2(3));
    EXPECT_TEXT("\"\\t\\u0001\"", "to_json", T("\t\x01"));
    EXPECT_TEXT("\"\"", "to_json", T(""));
    /* select to_json('{a,"b c"}'::text[]), to_json('{"a": 1}'::jsonb) => ["a","b c"]|{"a": 1} */
    EXPECT_TEXT("[\"a\",\"b c\"]", "to_json", TA("{a,\"b c\"}"));
    EXPECT_TEXT("[1,2]", "to_json", TY(SQL_ARRAY_OF(SQL_INT4), "{1,2}"));
    EXPECT_TEXT("{\"a\": 1}", "to_json", JB("{\"a\": 1}"));
    /* select to_json('2024-01-02 03:04:05.5'::timestamp), to_json('2024-01-02'::date) =>
     * "2024-01-02T03:04:05.5"|"2024-01-02" (8767 days and 3:04:05.5 after 2000-01-01) */
    int64_t ts = INT64_C(8767) * 86400000000 + ((3 * 60 + 4) * 60 + 5) * INT64_C(1000000) + 500000;
    EXPECT_TEXT("\"2024-01-02T03:04:05.5\"", "to_json", IV_(SQL_TIMESTAMP, ts));
    EXPECT_TEXT("\"2024-01-02T03:04:05.5+00:00\"", "to_json", IV_(SQL_TIMESTAMPTZ, ts));
    EXPECT_TEXT("\"2024-01-02\"", "to_json", IV_(SQL_DATE, 8767));
    /* the digit-by-digit writer at its edges. select to_json('2024-01-02 03:04:05.0001'::timestamp),
     * to_json('0044-03-15 12:00:00 BC'::timestamp), to_json('0001-01-01 BC'::date),
     * to_json('294276-12-31 23:59:59.999999'::timestamp), to_json('infinity'::timestamp),
     * to_json('-infinity'::date), to_json(-9223372036854775808::int8), to_json(-7::int4),
     * to_json(0::int8), to_json('-0.5'::numeric), to_json('-Infinity'::numeric) =>
     * "2024-01-02T03:04:05.0001"|"0044-03-15T12:00:00 BC"|"0001-01-01 BC"|"294276-12-31T23:59:59.999999"|
     * "infinity"|"-infinity"|-9223372036854775808|-7|0|-0.5|"-Infinity" */
    EXPECT_TEXT("\"2024-01-02T03:04:05.0001\"", "to_json", IV_(SQL_TIMESTAMP, ts - 499900));
    const int64_t day = INT64_C(86400000000);
    int64_t bc44 = ((int64_t)sql_date2j(-43, 3, 15) - SQL_POSTGRES_EPOCH_JDATE) * day + day / 2;
    EXPECT_TEXT("\"0044-03-15T12:00:00 BC\"", "to_json", IV_(SQL_TIMESTAMP, bc44));
    EXPECT_TEXT("\"0001-01-01 BC\"", "to_json",
                IV_(SQL_DATE, sql_date2j(0, 1, 1) - SQL_POSTGRES_EPOCH_JDATE));
    EXPECT_TEXT("\"294276-12-31T23:59:59.999999\"", "to_json",
                IV_(SQL_TIMESTAMP, INT64_C(9223371331199999999)));
    EXPECT_TEXT("\"infinity\"", "to_json", IV_(SQL_TIMESTAMP, INT64_MAX));
    EXPECT_TEXT("\"-infinity\"", "to_json", IV_(SQL_DATE, INT64_MIN));
    EXPECT_TEXT("-9223372036854775808", "to_json", I8(INT64_MIN));
    EXPECT_TEXT("-7", "to_json", I4(-7));
    EXPECT_TEXT("0", "to_json", I8(0));
    EXPECT_TEXT("-0.5", "to_json", N("-0.5"));
    EXPECT_TEXT("\"-Infinity\"", "to_json", N("-Infinity"));
    /* SET TimeZone = 'America/New_York'; select to_json('2024-01-02 03:04:05'::timestamptz) =>
     * "2024-01-02T03:04:05-05:00"; SET TimeZone = 'Europe/Amsterdam'; select
     * to_json('1900-01-01 00:00:00'::timestamptz) => "1900-01-01T00:00:00+00:19:32" (local mean time) */
    fnt_fmt.tz = sql_tz_get("America/New_York");
    assert_non_null(fnt_fmt.tz);
    EXPECT_TEXT("\"2024-01-02T03:04:05-05:00\"", "to_json",
                IV_(SQL_TIMESTAMPTZ, ts - 500000 + INT64_C(5) * 3600000000));
    fnt_fmt.tz = sql_tz_get("Europe/Amsterdam");
    assert_non_null(fnt_fmt.tz);
    EXPECT_TEXT("\"1900-01-01T00:00:00+00:19:32\"", "to_json",
                IV_(SQL_TIMESTAMPTZ, ((int64_t)sql_date2j(1900, 1, 1) - SQL_POSTGRES_EPOCH_JDATE) * day -
                                         INT64_C(1172) * 1000000));
    fnt_fmt.tz = sql_tz_utc();
    /* select json_build_object(-5, 1, 1.50, 2, 'a"b', 3) => {"-5" : 1, "1.50" : 2, "a\"b" : 3} */
    EXPECT_TEXT("{\"-5\" : 1, \"1.50\" : 2, \"a\\\"b\" : 3}", "json_build_object", I8(-5), I4(1), N("1.50"),
                I4(2), T("a\"b"), I4(3));
    /* select to_json(E'0123456789abcdef\\0123456789abcdef"x'::text) (escapes after whole eight-byte words) */
    EXPECT_TEXT("\"0123456789abcdef\\\\0123456789abcdef\\\"x\"", "to_json",
                T("0123456789abcdef\\0123456789abcdef\"x"));
    /* select to_jsonb('x'::text), to_jsonb(1.50), to_jsonb('{"b":1,"a":2}'::json) => "x"|1.50|{"a": 2, "b":
     * 1} */
    EXPECT_TEXT("\"x\"", "to_jsonb", T("x"));
    EXPECT_TEXT("1.50", "to_jsonb", N("1.50"));
    EXPECT_TEXT("{\"a\": 2, \"b\": 1}", "to_jsonb", J("{\"b\":1,\"a\":2}"));
    /* select json_build_object('a', 1, 'b', 'x', 'c', null, 'd', '{"e":1}'::json) =>
     * {"a" : 1, "b" : "x", "c" : null, "d" : {"e":1}} */
    EXPECT_TEXT("{\"a\" : 1, \"b\" : \"x\", \"c\" : null, \"d\" : {\"e\":1}}", "json_build_object", T("a"),
                I4(1), T("b"), T("x"), T("c"), NUL(SQL_TEXT), T("d"), J("{\"e\":1}"));
    /* select json_build_array(1, 'a', null, true), jsonb_build_object('b', 1, 'a', 2, 'b', 3),
     * jsonb_build_array(1, '{"x": 1}'::json) => [1, "a", null, true]|{"a": 2, "b": 3}|[1, {"x": 1}] */
    EXPECT_TEXT("[1, \"a\", null, true]", "json_build_array", I4(1), T("a"), NUL(SQL_TEXT), B(1));
    EXPECT_TEXT("{\"a\": 2, \"b\": 3}", "jsonb_build_object", T("b"), I4(1), T("a"), I4(2), T("b"), I4(3));
    EXPECT_TEXT("[1, {\"x\": 1}]", "jsonb_build_array", I4(1), J("{\"x\": 1}"));
    /* select json_build_object(1, 2), json_build_object(true, 'x'), jsonb_build_object('a', 'NaN'::float8)
     * => {"1" : 2}|{"true" : "x"}|{"a": "NaN"} */
    EXPECT_TEXT("{\"1\" : 2}", "json_build_object", I4(1), I4(2));
    EXPECT_TEXT("{\"true\" : \"x\"}", "json_build_object", B(1), T("x"));
    EXPECT_TEXT("{\"a\": \"NaN\"}", "jsonb_build_object", T("a"), F8(NAN));
    EXPECT_TEXT("{}", "json_build_object");
    EXPECT_TEXT("[]", "jsonb_build_array");
    /* select json_build_object('a') / json_build_object(null, 1) => errors */
    EXPECT_ERR("22023", "argument list must have even number of elements", "json_build_object", T("a"));
    EXPECT_ERR("22004", "argument 1 cannot be null", "json_build_object", NUL(SQL_TEXT), I4(1));
}

static void test_jsonb_ops(void **state)
{
    (void)state;
    /* select '{"a":1.0}'::jsonb = '{"a":1}'::jsonb, '{"a":1.0}'::jsonb @> '{"a":1}', '[1,2,[3]]'::jsonb @>
     * '[[3]]',
     * '[1,2]'::jsonb @> '1', '{"a":{"b":1,"c":2}}'::jsonb @> '{"a":{"b":1}}', '[1,2]'::jsonb @> '[1,1]',
     * '{"a":[1,2]}'::jsonb @> '{"a":1}' => t|t|t|t|t|t|f */
    EXPECT_BOOL(1, "=", JB("{\"a\": 1.0}"), JB("{\"a\": 1}"));
    EXPECT_BOOL(1, "@>", JB("{\"a\": 1.0}"), JB("{\"a\": 1}"));
    EXPECT_BOOL(1, "@>", JB("[1, 2, [3]]"), JB("[[3]]"));
    EXPECT_BOOL(1, "@>", JB("[1, 2]"), JB("1"));
    EXPECT_BOOL(1, "@>", JB("{\"a\": {\"b\": 1, \"c\": 2}}"), JB("{\"a\": {\"b\": 1}}"));
    EXPECT_BOOL(1, "@>", JB("[1, 2]"), JB("[1, 1]"));
    EXPECT_BOOL(0, "@>", JB("{\"a\": [1, 2]}"), JB("{\"a\": 1}"));
    EXPECT_BOOL(1, "<@", JB("{\"a\": 1}"), JB("{\"a\": 1, \"b\": 2}"));
    /* select '{"b":1,"a":2}'::jsonb ? 'a', '["a","b"]'::jsonb ? 'a', '"a"'::jsonb ? 'a', '{"a":1}'::jsonb ?|
     * '{b,a}',
     * '{"a":1}'::jsonb ?& '{b,a}', '[1]'::jsonb ? '1' => t|t|t|t|f|f */
    EXPECT_BOOL(1, "?", JB("{\"a\": 2, \"b\": 1}"), T("a"));
    EXPECT_BOOL(1, "?", JB("[\"a\", \"b\"]"), T("a"));
    EXPECT_BOOL(1, "?", JB("\"a\""), T("a"));
    EXPECT_BOOL(1, "?|", JB("{\"a\": 1}"), TA("{b,a}"));
    EXPECT_BOOL(0, "?&", JB("{\"a\": 1}"), TA("{b,a}"));
    EXPECT_BOOL(0, "?", JB("[1]"), T("1"));
    /* ordering: select '[1,2]'::jsonb < '[1,2,3]'::jsonb, '{"a":1}'::jsonb > '[1,2,3]'::jsonb,
     * 'true'::jsonb > '1'::jsonb, '1'::jsonb > '"a"'::jsonb, '"a"'::jsonb > 'null'::jsonb, '[3]'::jsonb >
     * '[1,2]'::jsonb,
     * '{"b":1}'::jsonb > '{"a":2}'::jsonb, '{"aa":1}'::jsonb > '{"b":1}'::jsonb, '[]'::jsonb > '1'::jsonb
     * => t|t|t|t|t|f|t|f|f */
    EXPECT_BOOL(1, "<", JB("[1, 2]"), JB("[1, 2, 3]"));
    EXPECT_BOOL(1, ">", JB("{\"a\": 1}"), JB("[1, 2, 3]"));
    EXPECT_BOOL(1, ">", JB("true"), JB("1"));
    EXPECT_BOOL(1, ">", JB("1"), JB("\"a\""));
    EXPECT_BOOL(1, ">", JB("\"a\""), JB("null"));
    EXPECT_BOOL(0, ">", JB("[3]"), JB("[1, 2]"));
    EXPECT_BOOL(1, ">", JB("{\"b\": 1}"), JB("{\"a\": 2}"));
    EXPECT_BOOL(0, ">", JB("{\"aa\": 1}"), JB("{\"b\": 1}"));
    EXPECT_BOOL(0, ">", JB("[]"), JB("1"));
    /* select '{"a":1}'::jsonb || '{"b":2}'::jsonb, '[1]'::jsonb || '[2]'::jsonb, '[1]'::jsonb || '2'::jsonb,
     * '{"a":1}'::jsonb - 'a' => {"a": 1, "b": 2}|[1, 2]|[1, 2]|{} */
    EXPECT_TEXT("{\"a\": 1, \"b\": 2}", "||", JB("{\"a\": 1}"), JB("{\"b\": 2}"));
    EXPECT_TEXT("[1, 2]", "||", JB("[1]"), JB("[2]"));
    EXPECT_TEXT("[1, 2]", "||", JB("[1]"), JB("2"));
    EXPECT_TEXT("{\"a\": 3}", "||", JB("{\"a\": 1}"), JB("{\"a\": 3}"));
    EXPECT_TEXT("{}", "-", JB("{\"a\": 1}"), T("a"));
    EXPECT_TEXT("[\"b\"]", "-", JB("[\"a\", \"b\"]"), T("a"));
    EXPECT_TEXT("[1, 3]", "-", JB("[1, 2, 3]"), I4(-2));
}

static void test_jsonb_pretty(void **state)
{
    (void)state;
    /* select jsonb_pretty('{"a": 1, "b": [1, 2, {"c": {}}], "d": []}') */
    EXPECT_TEXT("{\n    \"a\": 1,\n    \"b\": [\n        1,\n        2,\n        {\n            \"c\": {\n   "
                "         }\n"
                "        }\n    ],\n    \"d\": [\n    ]\n}",
                "jsonb_pretty", JB("{\"a\": 1, \"b\": [1, 2, {\"c\": {}}], \"d\": []}"));
    /* select jsonb_pretty('[]'), jsonb_pretty('1'), jsonb_pretty('"x"') => [\n]|1|"x" */
    EXPECT_TEXT("[\n]", "jsonb_pretty", JB("[]"));
    EXPECT_TEXT("1", "jsonb_pretty", JB("1"));
    EXPECT_TEXT("\"x\"", "jsonb_pretty", JB("\"x\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_json_extract, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_jsonb_extract, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_typeof_length, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_build, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_jsonb_ops, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_jsonb_pretty, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
