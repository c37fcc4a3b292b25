/*
 * test_fn_arith.c: unit tests of src/sql/fn_arith.c and the numeric operators: results, truncation,
 * overflow and division-by-zero errors as PostgreSQL 15 reports them (each check names its query).
 * The NULL row of every call (fn_test.h) has a zero divisor: no error may come from it.
 */
#include "fn_test.h"

static void test_int_basic(void **state)
{
    (void)state;
    EXPECT_INT(7, "+", I4(3), I4(4));
    EXPECT_INT(-1, "-", I4(3), I4(4));
    EXPECT_INT(12, "*", I2(3), I4(4)); /* int24mul */
    /* select (7)::int4 / (-2), (-7) % 3, 7 % (-3) => -3|-1|1 */
    EXPECT_INT(-3, "/", I4(7), I4(-2));
    EXPECT_INT(-1, "%", I4(-7), I4(3));
    EXPECT_INT(1, "%", I4(7), I4(-3));
    /* select 7::int2 / 2::int2 => 3 */
    EXPECT_INT(3, "/", I2(7), I2(2));
    EXPECT_INT(-5, "-", I8(5));
    EXPECT_INT(5, "@", I4(-5));
    EXPECT_INT(5, "abs", I8(-5));
    EXPECT_INT(9, "+", I8(9));
    /* select (-2147483648)::int4 % (-1) => 0 */
    EXPECT_INT(0, "%", I4(INT32_MIN), I4(-1));
    EXPECT_INT(0, "%", I8(INT64_MIN), I8(-1));
    EXPECT_INT(-1, "mod", I4(-7), I4(3));
}

static void test_int_errors(void **state)
{
    (void)state;
    /* select 2147483647 + 1 => ERROR 22003 integer out of range */
    EXPECT_ERR("22003", "integer out of range", "+", I4(INT32_MAX), I4(1));
    EXPECT_ERR("22003", "integer out of range", "*", I4(65536), I4(65536));
    EXPECT_ERR("22003", "smallint out of range", "+", I2(32767), I2(1));
    /* select (-32768)::int2 / (-1)::int2 => ERROR smallint out of range */
    EXPECT_ERR("22003", "smallint out of range", "/", I2(-32768), I2(-1));
    EXPECT_ERR("22003", "bigint out of range", "*", I8(INT64_MAX), I8(2));
    EXPECT_ERR("22003", "bigint out of range", "-", I8(INT64_MIN), I8(1));
    /* select -(-9223372036854775808)::int8 => ERROR bigint out of range; select @ (-2147483648) */
    EXPECT_ERR("22003", "bigint out of range", "-", I8(INT64_MIN));
    EXPECT_ERR("22003", "integer out of range", "@", I4(INT32_MIN));
    EXPECT_ERR("22003", "integer out of range", "/", I4(INT32_MIN), I4(-1));
    /* select 5 / 0, 5 % 0 => ERROR 22012 division by zero */
    EXPECT_ERR("22012", "division by zero", "/", I4(5), I4(0));
    EXPECT_ERR("22012", "division by zero", "%", I4(5), I4(0));
    EXPECT_ERR("22012", "division by zero", "/", I8(5), I8(0));
}

static void test_bits(void **state)
{
    (void)state;
    /* select 1 << 33, 1::int2 << 17, (-8) >> 1, 1::int8 << 65, (-1)::int2 << 15 => 2|0|-4|2|-32768 */
    EXPECT_INT(2, "<<", I4(1), I4(33));
    EXPECT_INT(0, "<<", I2(1), I4(17));
    EXPECT_INT(-4, ">>", I4(-8), I4(1));
    EXPECT_INT(2, "<<", I8(1), I4(65));
    EXPECT_INT(-32768, "<<", I2(-1), I4(15));
    EXPECT_INT(1, "&", I4(5), I4(3));
    EXPECT_INT(7, "|", I4(5), I4(3));
    EXPECT_INT(6, "#", I4(5), I4(3));
    EXPECT_INT(-6, "~", I4(5));
}

static void test_floats(void **state)
{
    (void)state;
    /* select 0.1::float8 + 0.2::float8 => 0.30000000000000004 */
    EXPECT_F8(0.30000000000000004, "+", F8(0.1), F8(0.2));
    /* select 1.5::float4 + 1e-10::float4, 0.1::float4 * 3::float4, 1::float4/3::float4 => 1.5|0.3|0.33333334:
     * float4 operators compute in single precision */
    EXPECT_F8((double)1.5f, "+", F4(1.5f), F4(1e-10f));
    EXPECT_F8((double)0.3f, "*", F4(0.1f), F4(3.0f));
    EXPECT_F8((double)0.33333334f, "/", F4(1.0f), F4(3.0f));
    EXPECT_F8(-2.5, "-", F8(2.5));
    EXPECT_F8(2.5, "@", F8(-2.5));
    /* select 'NaN'::float8 / 0 => NaN; 'inf'::float8 - 'inf'::float8 => NaN */
    EXPECT_F8(NAN, "/", F8(NAN), F8(0));
    EXPECT_F8(NAN, "-", F8(INFINITY), F8(INFINITY));
    EXPECT_F8(INFINITY, "*", F8(INFINITY), F8(2));
    /* errors: select 1e308::float8 * 10, 1e-308::float8 * 1e-100, 1::float8 / 0, 0::float8/0,
     * 1e38::float4 * 10::float4 */
    EXPECT_ERR("22003", "value out of range: overflow", "*", F8(1e308), F8(10));
    EXPECT_ERR("22003", "value out of range: underflow", "*", F8(1e-308), F8(1e-100));
    EXPECT_ERR("22012", "division by zero", "/", F8(1), F8(0));
    EXPECT_ERR("22012", "division by zero", "/", F8(0), F8(0));
    EXPECT_ERR("22003", "value out of range: overflow", "*", F4(1e38f), F4(10.0f));
    EXPECT_ERR("22003", "value out of range: overflow", "+", F8(1.7e308), F8(1.7e308));
}

static void test_numeric_ops(void **state)
{
    (void)state;
    /* select 5.0 / 3, 10::numeric % 3, -7.5 % 2, 1.10 + 2.205, 1.5 * 2.25
     * => 1.6666666666666667|1|-1.5|3.305|3.375 */
    EXPECT_NUM("1.6666666666666667", "/", N("5.0"), N("3"));
    EXPECT_NUM("1", "%", N("10"), N("3"));
    EXPECT_NUM("-1.5", "%", N("-7.5"), N("2"));
    EXPECT_NUM("3.305", "+", N("1.10"), N("2.205"));
    EXPECT_NUM("3.375", "*", N("1.5"), N("2.25"));
    EXPECT_NUM("-1.10", "-", N("1.10"));
    EXPECT_NUM("1.10", "@", N("-1.10"));
    EXPECT_ERR("22012", "division by zero", "/", N("1"), N("0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_int_basic, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_int_errors, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_bits, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_floats, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_numeric_ops, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
