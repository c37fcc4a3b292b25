/*
 * test_fn_catalog.c: unit tests of src/sql/fn_catalog.c: the array functions, array equality,
 * pg_size_pretty, the function-library facts pg_proc is made of (pg_get_function_arguments/_result,
 * regproc names) and format_type of pseudo-types, against PostgreSQL 15 (the query is in a comment next
 * to each check). The functions that need a session's catalog (to_regclass, obj_description) are tested
 * over a real session in tests/unit/exec/test_syscat.c.
 */
#include "fn_test.h"

#include "sql/fn_catalog.h"

static SqlValue ARR(SqlTypeId elem, const char *text)
{
    return TY(SQL_ARRAY_OF(elem), text);
}

static void test_arrays(void **state)
{
    (void)state;
    /* select array_to_string('{a,NULL,"b c"}'::text[], ','), array_to_string('{a,NULL,"b c"}'::text[], ',',
     * '*')
     * => a,b c|a,*,b c */
    EXPECT_TEXT("a,b c", "array_to_string", ARR(SQL_TEXT, "{a,NULL,\"b c\"}"), T(","));
    EXPECT_TEXT("a,*,b c", "array_to_string", ARR(SQL_TEXT, "{a,NULL,\"b c\"}"), T(","), T("*"));
    EXPECT_TEXT("x\\y", "array_to_string", ARR(SQL_TEXT, "{\"x\\\\y\"}"), T(","));
    EXPECT_TEXT("", "array_to_string", ARR(SQL_TEXT, "{}"), T(","));
    /* the three-argument form is not strict: a NULL array is still NULL */
    FntResult *r = CALL("array_to_string", NUL(SQL_ARRAY_OF(SQL_TEXT)), T(","), T("*"));
    assert_true(r->v.is_null);
    /* array_upper('{1,2,3}'::int[],1), array_upper('{}'::int[],1), array_lower('{1,2}'::int[],1),
     * array_length('{1,2}'::int[],2), cardinality('{}'::int[]) => 3||1||0 */
    EXPECT_INT(3, "array_upper", ARR(SQL_INT4, "{1,2,3}"), I4(1));
    assert_true(CALL("array_upper", ARR(SQL_INT4, "{}"), I4(1))->v.is_null);
    EXPECT_INT(1, "array_lower", ARR(SQL_INT4, "{1,2}"), I4(1));
    assert_true(CALL("array_length", ARR(SQL_INT4, "{1,2}"), I4(2))->v.is_null);
    EXPECT_INT(2, "array_length", ARR(SQL_INT4, "{1,2}"), I4(1));
    EXPECT_INT(0, "cardinality", ARR(SQL_INT4, "{}"));
    EXPECT_INT(3, "cardinality", ARR(SQL_NAME, "{pg_catalog,public,\"a,b\"}"));
    /* not an array: PostgreSQL refuses at parse time, weir when the kernel runs */
    FntResult bad;
    fnt_call("cardinality", 1, FNT_ARGS(I4(1)), &bad);
    assert_int_equal(bad.rc, WEIR_ERROR);
    assert_string_equal(bad.err.sqlstate, "42883");
    assert_string_equal(bad.err.message, "function cardinality(integer) does not exist");
    fnt_call("cardinality", 1, FNT_ARGS(ARR(SQL_INT4, "{{1},{2}}")), &bad);
    assert_string_equal(bad.err.sqlstate, "0A000");
}

static void test_array_equality(void **state)
{
    (void)state;
    /* select '{0}'::oid[] = '{0}', '{1,2}'::oid[] = '{1}', '{007}'::oid[] = '{7}' => t|f|t */
    EXPECT_BOOL(1, "=", ARR(SQL_OID, "{0}"), ARR(SQL_OID, "{0}"));
    EXPECT_BOOL(0, "=", ARR(SQL_OID, "{1,2}"), ARR(SQL_OID, "{1}"));
    EXPECT_BOOL(1, "=", ARR(SQL_OID, "{007}"), ARR(SQL_OID, "{7}"));
    EXPECT_BOOL(1, "<>", ARR(SQL_OID, "{1,2}"), ARR(SQL_OID, "{2,1}"));
    EXPECT_BOOL(1, "=", ARR(SQL_TEXT, "{\"a b\",NULL}"), ARR(SQL_TEXT, "{ \"a b\" , NULL }"));
    EXPECT_BOOL(0, "=", ARR(SQL_TEXT, "{NULL}"), ARR(SQL_TEXT, "{\"NULL\"}"));
}

static void test_size_pretty(void **state)
{
    (void)state;
    /* select pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint),
     * pg_size_pretty(10485760::bigint), pg_size_pretty(-10240::bigint), pg_size_pretty(20971519::bigint),
     * pg_size_pretty(1125899906842624::bigint), pg_size_pretty(9223372036854775807::bigint),
     * pg_size_pretty(-9223372036854775807::bigint)
     * => 0 bytes|10239 bytes|10 kB|10 MB|-10 kB|20 MB|1024 TB|8192 PB|-8192 PB */
    EXPECT_TEXT("0 bytes", "pg_size_pretty", I8(0));
    EXPECT_TEXT("10239 bytes", "pg_size_pretty", I8(10239));
    EXPECT_TEXT("10 kB", "pg_size_pretty", I8(10240));
    EXPECT_TEXT("10 MB", "pg_size_pretty", I8(10485760));
    EXPECT_TEXT("-10 kB", "pg_size_pretty", I8(-10240));
    EXPECT_TEXT("20 MB", "pg_size_pretty", I8(20971519));
    EXPECT_TEXT("1024 TB", "pg_size_pretty", I8(1125899906842624LL));
    EXPECT_TEXT("8192 PB", "pg_size_pretty", I8(INT64_MAX));
    EXPECT_TEXT("-8192 PB", "pg_size_pretty", I8(-INT64_MAX));
}

static void test_library_facts(void **state)
{
    (void)state;
    /* select oid, pg_get_function_arguments(oid), pg_get_function_result(oid) from pg_proc
     *   where oid in (870, 1081, 3058)
     * => 870|text|text, 1081|oid, integer|text, 3058|VARIADIC "any"|text */
    EXPECT_TEXT("text", "pg_get_function_arguments", IV_(SQL_OID, 870));
    EXPECT_TEXT("text", "pg_get_function_result", IV_(SQL_OID, 870));
    EXPECT_TEXT("oid, integer", "pg_get_function_arguments", IV_(SQL_OID, 1081));
    EXPECT_TEXT("VARIADIC \"any\"", "pg_get_function_arguments", IV_(SQL_OID, 3058));
    assert_true(CALL("pg_get_function_result", IV_(SQL_OID, 999999))->v.is_null);
    /* parameter names and defaults: select pg_get_function_arguments(3464),
     * pg_get_function_identity_arguments(3464), pg_get_function_arguments(3846),
     * pg_get_function_arguments(3217) => years integer DEFAULT 0, ..., secs double precision DEFAULT 0.0|
     * years integer, ..., secs double precision|year integer, month integer, day integer|
     * from_json jsonb, VARIADIC path_elems text[] */
    EXPECT_TEXT("years integer DEFAULT 0, months integer DEFAULT 0, weeks integer DEFAULT 0, days integer DEFAULT 0, "
                "hours integer DEFAULT 0, mins integer DEFAULT 0, secs double precision DEFAULT 0.0",
                "pg_get_function_arguments", IV_(SQL_OID, 3464));
    EXPECT_TEXT("years integer, months integer, weeks integer, days integer, hours integer, mins integer, "
                "secs double precision",
                "pg_get_function_identity_arguments", IV_(SQL_OID, 3464));
    EXPECT_TEXT("year integer, month integer, day integer", "pg_get_function_arguments", IV_(SQL_OID, 3846));
    EXPECT_TEXT("from_json jsonb, VARIADIC path_elems text[]", "pg_get_function_arguments", IV_(SQL_OID, 3217));
    /* the table the binder's named notation reads: make_timestamptz has two named overloads */
    const SqlFnParams *params;
    assert_int_equal(sql_fn_params_lookup("make_timestamptz", &params), 2);
    assert_int_equal(params[0].n, 6);
    assert_string_equal(params[1].names[6], "timezone");
    assert_null(params[1].defaults[6]);
    assert_int_equal(sql_fn_params_lookup("make_interval", &params), 1);
    assert_string_equal(params[0].defaults[6], "0.0");
    assert_int_equal(sql_fn_params_lookup("upper", &params), 0);
    const SqlFnDef *lower = sql_fn_by_oid(870);
    assert_non_null(lower);
    assert_string_equal(lower->name, "lower");
    assert_int_equal(sql_fn_ret_oid(lower), 25);
    assert_int_equal(sql_fn_arg_oid(lower, 0), 25);
    assert_int_equal(sql_fn_variadic_oid(lower), 0);
    /* operators are not pg_proc rows of their own (their names are symbols) */
    const SqlFnDef *const *defs;
    assert_true(sql_fn_lookup("=", &defs) > 0);
    assert_false(sql_fn_is_proc(defs[0]));
    /* regproc names: library functions and the type I/O functions pg_type points at */
    assert_string_equal(sql_proc_name(870), "lower");
    assert_string_equal(sql_proc_name(750), "array_in");
    assert_string_equal(sql_proc_name(42), "int4in");
    assert_null(sql_proc_name(999999));
    uint32_t oid = 0;
    assert_int_equal(sql_proc_find("array_in", &oid), 1);
    assert_int_equal(oid, 750);
    assert_int_equal(sql_proc_find("lower", &oid), 1);
    assert_int_equal(oid, 870);
    /* select 'abs'::regproc => ERROR: more than one function named "abs" */
    assert_int_equal(sql_proc_find("abs", &oid), 2);
    assert_int_equal(sql_proc_find("no_such_function", &oid), 0);
    /* select format_type(2283, null), format_type(2276, null), format_type(1007, null),
     * format_type(4089, null) => anyelement|"any"|integer[]|regnamespace */
    char buf[64];
    sql_format_type_oid(2283, -1, buf, sizeof(buf));
    assert_string_equal(buf, "anyelement");
    sql_format_type_oid(2276, -1, buf, sizeof(buf));
    assert_string_equal(buf, "\"any\"");
    EXPECT_TEXT("integer[]", "format_type", IV_(SQL_OID, 1007), NUL(SQL_INT4));
    EXPECT_TEXT("regnamespace", "format_type", IV_(SQL_OID, 4089), NUL(SQL_INT4));
    EXPECT_TEXT("anyelement", "format_type", IV_(SQL_OID, 2283), NUL(SQL_INT4));
}

static void test_without_catalog(void **state)
{
    (void)state;
    /* with no session catalog (fnt_fmt has no resolver): names are unknown, descriptions absent */
    assert_true(CALL("to_regclass", T("pg_class"))->v.is_null);
    assert_true(CALL("obj_description", IV_(SQL_OID, 16384), TY(SQL_NAME, "pg_class"))->v.is_null);
    assert_true(CALL("col_description", IV_(SQL_OID, 16384), I4(1))->v.is_null);
    /* the facts that need no catalog */
    EXPECT_BOOL(0, "pg_relation_is_publishable", IV_(SQL_REGCLASS, 16384));
    EXPECT_BOOL(0, "pg_is_other_temp_schema", IV_(SQL_OID, 2200));
    EXPECT_INT(0, "pg_my_temp_schema");
    assert_true(CALL("pg_get_indexdef", IV_(SQL_OID, 16384))->v.is_null);
    assert_true(CALL("pg_get_expr", NUL(SQL_TEXT), IV_(SQL_OID, 16384))->v.is_null);
    assert_true(CALL("pg_table_size", IV_(SQL_REGCLASS, 16384))->v.is_null);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrays),          cmocka_unit_test(test_array_equality),
        cmocka_unit_test(test_size_pretty),     cmocka_unit_test(test_library_facts),
        cmocka_unit_test(test_without_catalog),
    };
    /* fnt_setup leaves SqlFormatOpts.reg NULL: no session catalog */
    return cmocka_run_group_tests(tests, fnt_setup, fnt_teardown);
}
