/*
 * test_fn_sys.c: unit tests of src/sql/fn_sys.c, the catalog and session helpers clients call, against
 * PostgreSQL 15 where weir has the same facts (format_type, pg_encoding_to_char, current_schemas,
 * pg_get_userbyid of an unknown oid) and against the session facts in SqlFnCtx otherwise.
 */
#include "fn_test.h"

static void test_session_facts(void **state)
{
    (void)state;
    /* without session facts: the defaults */
    EXPECT_TEXT("weir", "current_user");
    EXPECT_TEXT("weir", "current_database");
    EXPECT_TEXT("public", "current_schema");
    FntResult *r = CALL("version");
    assert_true(strncmp(r->text, "PostgreSQL 15.0 ", 16) == 0);
    /* with them: a kernel run by hand, as the evaluator fills SqlFnCtx */
    const SqlFnDef *const *defs;
    assert_int_equal(sql_fn_lookup("session_user", &defs), 1);
    Vec out;
    assert_int_equal(vec_init(&out, SQL_TYPE(SQL_NAME), fnt_arena), WEIR_OK);
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlFnCtx ctx = {.n = 2,
                    .arena = fnt_arena,
                    .fmt = &fnt_fmt,
                    .err = &err,
                    .session_user = "alice",
                    .database = "clicks",
                    .server_version = "15.0 (weir 0.1.0)"};
    assert_int_equal(defs[0]->fn(&ctx, NULL, 0, &out), WEIR_OK);
    assert_true(slice_eq_cstr(out.u.s[1], "alice"));
    assert_int_equal(sql_fn_lookup("current_database", &defs), 1);
    assert_int_equal(defs[0]->fn(&ctx, NULL, 0, &out), WEIR_OK);
    assert_true(slice_eq_cstr(out.u.s[0], "clicks"));
    assert_int_equal(sql_fn_lookup("version", &defs), 1);
    assert_int_equal(vec_init(&out, SQL_TYPE(SQL_TEXT), fnt_arena), WEIR_OK);
    assert_int_equal(defs[0]->fn(&ctx, NULL, 0, &out), WEIR_OK);
    assert_true(slice_eq_cstr(
        out.u.s[0], "PostgreSQL 15.0 (weir 0.1.0) on x86_64-pc-linux-gnu, compiled by gcc, 64-bit"));
    assert_int_equal(sql_fn_lookup("pg_get_userbyid", &defs), 1);
    Vec arg;
    assert_int_equal(vec_init(&arg, SQL_TYPE(SQL_OID), fnt_arena), WEIR_OK);
    arg.u.i[0] = 10;
    arg.u.i[1] = 12345;
    assert_int_equal(vec_init(&out, SQL_TYPE(SQL_NAME), fnt_arena), WEIR_OK);
    assert_int_equal(defs[0]->fn(&ctx, &arg, 1, &out), WEIR_OK);
    assert_true(slice_eq_cstr(out.u.s[0], "alice"));
    /* select pg_get_userbyid(12345) => unknown (OID=12345) */
    assert_true(slice_eq_cstr(out.u.s[1], "unknown (OID=12345)"));
}

static void test_catalog_helpers(void **state)
{
    (void)state;
    /* select pg_typeof(1), pg_typeof(1.5), pg_typeof(null::int), pg_typeof('a'::varchar(3)),
     * pg_typeof(array[1]) => integer|numeric|integer|character varying|integer[] (regtype oids) */
    EXPECT_INT(23, "pg_typeof", I4(1));
    EXPECT_INT(1700, "pg_typeof", N("1.5"));
    EXPECT_INT(23, "pg_typeof", NUL(SQL_INT4));
    EXPECT_INT(1043, "pg_typeof", TY(SQL_VARCHAR, "a"));
    EXPECT_INT(1007, "pg_typeof", TY(SQL_ARRAY_OF(SQL_INT4), "{1}"));
    /* select format_type(1043, 24), format_type(23, null), format_type(999999, -1), format_type(1700, 655366)
     * => character varying(20)|integer|???|numeric(10,2) */
    EXPECT_TEXT("character varying(20)", "format_type", IV_(SQL_OID, 1043), I4(24));
    EXPECT_TEXT("integer", "format_type", IV_(SQL_OID, 23), NUL(SQL_INT4));
    EXPECT_TEXT("???", "format_type", IV_(SQL_OID, 999999), I4(-1));
    EXPECT_TEXT("numeric(10,2)", "format_type", IV_(SQL_OID, 1700), I4(655366));
    EXPECT_TEXT("text[]", "format_type", IV_(SQL_OID, 1009), NUL(SQL_INT4));
    EXPECT_NULL("format_type", NUL(SQL_OID), I4(1));
    /* select pg_encoding_to_char(6), pg_encoding_to_char(0), pg_encoding_to_char(41) =>
     * UTF8|SQL_ASCII|SHIFT_JIS_2004 */
    EXPECT_TEXT("UTF8", "pg_encoding_to_char", I4(6));
    EXPECT_TEXT("SQL_ASCII", "pg_encoding_to_char", I4(0));
    EXPECT_TEXT("SHIFT_JIS_2004", "pg_encoding_to_char", I4(41));
    EXPECT_TEXT("", "pg_encoding_to_char", I4(99));
    EXPECT_TEXT("UTF8", "getdatabaseencoding");
    /* select current_schemas(true), current_schemas(false) => {pg_catalog,public}|{public} */
    EXPECT_TEXT("{pg_catalog,public}", "current_schemas", B(1));
    EXPECT_TEXT("{public}", "current_schemas", B(0));
    EXPECT_BOOL(1, "pg_table_is_visible", IV_(SQL_OID, 16384));
    EXPECT_BOOL(1, "has_table_privilege", T("clicks"), T("select"));
    EXPECT_BOOL(1, "has_schema_privilege", TY(SQL_NAME, "alice"), T("public"), T("usage"));
    EXPECT_NULL("obj_description", IV_(SQL_OID, 16384), TY(SQL_NAME, "pg_class"));
    EXPECT_NULL("col_description", IV_(SQL_OID, 16384), I4(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session_facts, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_catalog_helpers, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
