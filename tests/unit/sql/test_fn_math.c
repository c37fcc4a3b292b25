/*
 * test_fn_math.c: unit tests of src/sql/fn_math.c: float8 and numeric math functions, their result
 * scales and errors, against PostgreSQL 15 (each check names its query).
 */
#include "fn_test.h"

static void test_float_rounding(void **state)
{
    (void)state;
    /* select round(2.5::float8), round(-0.5::float8), round(3.5::float8), trunc(-2.7::float8),
     * ceil(-0.5::float8), floor(-0.5::float8), sign(-3::float8), sign(0::float8) => 2|-0|4|-2|-0|-1|-1|0 */
    EXPECT_F8(2.0, "round", F8(2.5));
    EXPECT_F8(-0.0, "round", F8(-0.5));
    EXPECT_F8(4.0, "round", F8(3.5));
    EXPECT_F8(-2.0, "trunc", F8(-2.7));
    EXPECT_F8(-0.0, "ceil", F8(-0.5));
    EXPECT_F8(-0.0, "ceiling", F8(-0.5));
    EXPECT_F8(-1.0, "floor", F8(-0.5));
    EXPECT_F8(-1.0, "sign", F8(-3));
    EXPECT_F8(0.0, "sign", F8(0));
    /* select round('NaN'::float8) => NaN */
    EXPECT_F8(NAN, "round", F8(NAN));
}

static void test_float_functions(void **state)
{
    (void)state;
    /* select cbrt(27::float8), pi(), degrees(pi()), radians(180), atan2(1, 1), cot(1), power(2::float8, 0.5),
     * power(-8::float8, 3) => 3.0000000000000004|3.141592653589793|180|3.141592653589793|0.7853981633974483|
     * 0.6420926159343306|1.4142135623730951|-512 */
    EXPECT_F8(3.0000000000000004, "cbrt", F8(27));
    EXPECT_F8(3.141592653589793, "pi");
    EXPECT_F8(180.0, "degrees", F8(3.141592653589793));
    EXPECT_F8(3.141592653589793, "radians", F8(180));
    EXPECT_F8(0.7853981633974483, "atan2", F8(1), F8(1));
    EXPECT_F8(0.6420926159343306, "cot", F8(1));
    EXPECT_F8(1.4142135623730951, "power", F8(2), F8(0.5));
    EXPECT_F8(-512.0, "power", F8(-8), F8(3));
    EXPECT_F8(1.4142135623730951, "sqrt", F8(2));
    EXPECT_F8(1.4142135623730951, "|/", F8(2));
    EXPECT_F8(2.0, "log", F8(100));
    EXPECT_F8(1.0, "ln", F8(2.718281828459045));
    /* select exp('Infinity'::float8), ln('Infinity'::float8), sqrt('NaN'::float8) => Infinity|Infinity|NaN */
    EXPECT_F8(INFINITY, "exp", F8(INFINITY));
    EXPECT_F8(INFINITY, "ln", F8(INFINITY));
    EXPECT_F8(NAN, "sqrt", F8(NAN));
    /* select sind(30), cosd(60), tand(45), cotd(45), asind(0.5), acosd(0.5), atand(1), sind(-30), cosd(180),
     * tand(135), sind(390), atan2d(1,1) => 0.5|0.5|1|1|30|60|45|-0.5|-1|-1|0.5|45 */
    EXPECT_F8(0.5, "sind", F8(30));
    EXPECT_F8(0.5, "cosd", F8(60));
    EXPECT_F8(1.0, "tand", F8(45));
    EXPECT_F8(1.0, "cotd", F8(45));
    EXPECT_F8(30.0, "asind", F8(0.5));
    EXPECT_F8(60.0, "acosd", F8(0.5));
    EXPECT_F8(45.0, "atand", F8(1));
    EXPECT_F8(-0.5, "sind", F8(-30));
    EXPECT_F8(-1.0, "cosd", F8(180));
    EXPECT_F8(-1.0, "tand", F8(135));
    EXPECT_F8(0.5, "sind", F8(390));
    EXPECT_F8(45.0, "atan2d", F8(1), F8(1));
    double r = CALL("random")->v.u.f;
    assert_true(r >= 0.0 && r < 1.0);
}

static void test_float_errors(void **state)
{
    (void)state;
    /* select sqrt(-1::float8), ln(0::float8), ln(-1::float8), log10(0::float8), exp(1000::float8),
     * exp(-1000::float8), power(0::float8, -1), power(-8::float8, 1.0/3), power(10::float8, 400),
     * asin(2::float8): one error each */
    EXPECT_ERR("2201F", "cannot take square root of a negative number", "sqrt", F8(-1));
    EXPECT_ERR("2201E", "cannot take logarithm of zero", "ln", F8(0));
    EXPECT_ERR("2201E", "cannot take logarithm of a negative number", "ln", F8(-1));
    EXPECT_ERR("2201E", "cannot take logarithm of zero", "log10", F8(0));
    EXPECT_ERR("22003", "value out of range: overflow", "exp", F8(1000));
    EXPECT_ERR("22003", "value out of range: underflow", "exp", F8(-1000));
    EXPECT_ERR("2201F", "zero raised to a negative power is undefined", "power", F8(0), F8(-1));
    EXPECT_ERR("2201F", "a negative number raised to a non-integer power yields a complex result", "power",
               F8(-8), F8(1.0 / 3));
    EXPECT_ERR("22003", "value out of range: overflow", "power", F8(10), F8(400));
    EXPECT_ERR("22003", "input is out of range", "asin", F8(2));
}

static void test_int_functions(void **state)
{
    (void)state;
    /* select gcd(12, 18), lcm(4, 6), gcd(0,0), lcm(0, 5), gcd(-12, 18), gcd(12::int8, -18) => 6|12|0|0|6|6 */
    EXPECT_INT(6, "gcd", I4(12), I4(18));
    EXPECT_INT(12, "lcm", I4(4), I4(6));
    EXPECT_INT(0, "gcd", I4(0), I4(0));
    EXPECT_INT(0, "lcm", I4(0), I4(5));
    EXPECT_INT(6, "gcd", I4(-12), I4(18));
    EXPECT_INT(6, "gcd", I8(12), I8(-18));
    /* select gcd(-2147483648, 0), lcm(2147483647, 2147483646) => ERROR integer out of range */
    EXPECT_ERR("22003", "integer out of range", "gcd", I4(INT32_MIN), I4(0));
    EXPECT_ERR("22003", "integer out of range", "lcm", I4(INT32_MAX), I4(INT32_MAX - 1));
}

static void test_numeric_functions(void **state)
{
    (void)state;
    /* select round(2.5::numeric), round(-2.5::numeric), round(1234.5678, 2), round(1234.5678, -2),
     * trunc(1234.5678, 1), ceil(1.2::numeric), floor(-1.2::numeric), sign(-3.5::numeric), abs(-3.50::numeric)
     * => 3|-3|1234.57|1200|1234.5|2|-2|-1|3.50 */
    EXPECT_NUM("3", "round", N("2.5"));
    EXPECT_NUM("-3", "round", N("-2.5"));
    EXPECT_NUM("1234.57", "round", N("1234.5678"), I4(2));
    EXPECT_NUM("1200", "round", N("1234.5678"), I4(-2));
    EXPECT_NUM("1234.5", "trunc", N("1234.5678"), I4(1));
    EXPECT_NUM("2", "ceil", N("1.2"));
    EXPECT_NUM("-2", "floor", N("-1.2"));
    EXPECT_NUM("-1", "sign", N("-3.5"));
    EXPECT_NUM("3.50", "abs", N("-3.50"));
    /* select mod(7.5, 2), div(7.5, 2) => 1.5|3 */
    EXPECT_NUM("1.5", "mod", N("7.5"), N("2"));
    EXPECT_NUM("3", "div", N("7.5"), N("2"));
    /* select gcd(0::numeric, 0::numeric), gcd(12.5, 7.5), lcm(1.5, 2.5), gcd(-12::numeric, 18::numeric)
     * => 0|2.5|7.5|6 */
    EXPECT_NUM("0", "gcd", N("0"), N("0"));
    EXPECT_NUM("2.5", "gcd", N("12.5"), N("7.5"));
    EXPECT_NUM("7.5", "lcm", N("1.5"), N("2.5"));
    EXPECT_NUM("6", "gcd", N("-12"), N("18"));
}

static void test_numeric_transcendental(void **state)
{
    (void)state;
    /* select sqrt(2::numeric), exp(1::numeric), ln(2::numeric), log(100::numeric), log(2::numeric,
     * 8::numeric), power(2::numeric, 10::numeric), power(2::numeric, 0.5), log10(1000::numeric)
     * => 1.414213562373095|2.7182818284590452|0.6931471805599453|2.0000000000000000|3.0000000000000000|
     *    1024.0000000000000000|1.4142135623730950|3.0000000000000000 */
    EXPECT_NUM("1.414213562373095", "sqrt", N("2"));
    EXPECT_NUM("2.7182818284590452", "exp", N("1"));
    EXPECT_NUM("0.6931471805599453", "ln", N("2"));
    EXPECT_NUM("2.0000000000000000", "log", N("100"));
    EXPECT_NUM("3.0000000000000000", "log", N("2"), N("8"));
    EXPECT_NUM("1024.0000000000000000", "power", N("2"), N("10"));
    EXPECT_NUM("1.4142135623730950", "power", N("2"), N("0.5"));
    EXPECT_NUM("3.0000000000000000", "log10", N("1000"));
    /* select sqrt(0.000002::numeric), sqrt(100::numeric), exp(10::numeric), ln(1.05::numeric),
     * power(1.5::numeric, 3::numeric), power(10::numeric, -2::numeric)
     * => 0.0014142135623730950|10.000000000000000|22026.465794806717|0.048790164169432003|3.3750000000000000|
     *    0.0100000000000000 */
    EXPECT_NUM("0.0014142135623730950", "sqrt", N("0.000002"));
    EXPECT_NUM("10.000000000000000", "sqrt", N("100"));
    EXPECT_NUM("22026.465794806717", "exp", N("10"));
    EXPECT_NUM("0.048790164169432003", "ln", N("1.05"));
    EXPECT_NUM("3.3750000000000000", "power", N("1.5"), N("3"));
    EXPECT_NUM("0.0100000000000000", "power", N("10"), N("-2"));
    /* select sqrt(0::numeric), sqrt(1.00::numeric), sqrt(12345678901234567890::numeric), exp(0::numeric),
     * exp(-1::numeric), ln(10::numeric), ln(0.5::numeric), log(10::numeric, 1000::numeric),
     * log(0.001::numeric)
     * => 0.000000000000000|1.000000000000000|3513641828.8201443|1.0000000000000000|0.3678794411714423|
     *    2.3025850929940457|-0.6931471805599453|3.0000000000000000|-3.0000000000000000 */
    EXPECT_NUM("0.000000000000000", "sqrt", N("0"));
    EXPECT_NUM("1.000000000000000", "sqrt", N("1.00"));
    EXPECT_NUM("3513641828.8201443", "sqrt", N("12345678901234567890"));
    EXPECT_NUM("1.0000000000000000", "exp", N("0"));
    EXPECT_NUM("0.3678794411714423", "exp", N("-1"));
    EXPECT_NUM("2.3025850929940457", "ln", N("10"));
    EXPECT_NUM("-0.6931471805599453", "ln", N("0.5"));
    EXPECT_NUM("3.0000000000000000", "log", N("10"), N("1000"));
    EXPECT_NUM("-3.0000000000000000", "log", N("0.001"));
    /* select power(2::numeric, -1::numeric), power(-2::numeric, 3::numeric), power(0::numeric, 0::numeric),
     * power(4::numeric, 0.5::numeric), power(1.000::numeric, 2::numeric), 2::numeric ^ 3::numeric,
     * power(10::numeric, 20::numeric) => 0.5000000000000000|-8.0000000000000000|1.0000000000000000|
     * 2.0000000000000000|1.0000000000000000|8.0000000000000000|100000000000000000000.0000000000000000 */
    EXPECT_NUM("0.5000000000000000", "power", N("2"), N("-1"));
    EXPECT_NUM("-8.0000000000000000", "power", N("-2"), N("3"));
    EXPECT_NUM("1.0000000000000000", "power", N("0"), N("0"));
    EXPECT_NUM("2.0000000000000000", "power", N("4"), N("0.5"));
    EXPECT_NUM("1.0000000000000000", "power", N("1.000"), N("2"));
    EXPECT_NUM("8.0000000000000000", "^", N("2"), N("3"));
    EXPECT_NUM("100000000000000000000.0000000000000000", "power", N("10"), N("20"));
    /* errors */
    EXPECT_ERR("2201F", "cannot take square root of a negative number", "sqrt", N("-1"));
    EXPECT_ERR("2201E", "cannot take logarithm of zero", "ln", N("0"));
    EXPECT_ERR("2201E", "cannot take logarithm of a negative number", "log", N("-5"));
    EXPECT_ERR("2201F", "zero raised to a negative power is undefined", "power", N("0"), N("-1"));
    EXPECT_ERR("2201F", "a negative number raised to a non-integer power yields a complex result", "power",
               N("-2"), N("0.5"));
    EXPECT_NUM("NaN", "sqrt", N("NaN"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_float_rounding, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_float_functions, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_float_errors, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_int_functions, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_numeric_functions, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_numeric_transcendental, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
