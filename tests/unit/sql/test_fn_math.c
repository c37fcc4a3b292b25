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
    /* select asinh(1), acosh(1), atanh(0.5), atanh(1), atanh(-1), acosh('NaN'), acosh('Infinity')
     * => 0.881373587019543|0|0.5493061443340548|Infinity|-Infinity|NaN|Infinity */
    EXPECT_F8(0.881373587019543, "asinh", F8(1));
    EXPECT_F8(0.0, "acosh", F8(1));
    EXPECT_F8(0.5493061443340548, "atanh", F8(0.5));
    EXPECT_F8(INFINITY, "atanh", F8(1));
    EXPECT_F8(-INFINITY, "atanh", F8(-1));
    EXPECT_F8(NAN, "acosh", F8(NAN));
    EXPECT_F8(INFINITY, "acosh", F8(INFINITY));
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
    /* select acosh(0.5), atanh(1.5) => ERROR 22003 input is out of range */
    EXPECT_ERR("22003", "input is out of range", "acosh", F8(0.5));
    EXPECT_ERR("22003", "input is out of range", "atanh", F8(1.5));
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
    /* select factorial(0), factorial(1), factorial(15), factorial(33)
     * => 1|1|1307674368000|8683317618811886495518194401280000000 */
    EXPECT_NUM("1", "factorial", I8(0));
    EXPECT_NUM("1", "factorial", I8(1));
    EXPECT_NUM("1307674368000", "factorial", I8(15));
    EXPECT_NUM("8683317618811886495518194401280000000", "factorial", I8(33));
    /* select factorial(-1) => ERROR 22003; factorial(34) has 39 digits, past weir's 38 */
    EXPECT_ERR("22003", "factorial of a negative number is undefined", "factorial", I8(-1));
    EXPECT_ERR("22003", "value overflows numeric format", "factorial", I8(34));
    EXPECT_ERR("22003", "value overflows numeric format", "factorial", I8(INT64_MAX));
    /* select scale(1.2300), scale(0), min_scale(1.2300), min_scale(0.000), min_scale(100),
     * trim_scale(1.2300), trim_scale(0.000), trim_scale(100.00), trim_scale(-1.500) => 4|0|2|0|0|1.23|0|100|-1.5 */
    EXPECT_INT(4, "scale", N("1.2300"));
    EXPECT_INT(0, "scale", N("0"));
    EXPECT_INT(2, "min_scale", N("1.2300"));
    EXPECT_INT(0, "min_scale", N("0.000"));
    EXPECT_INT(0, "min_scale", N("100"));
    EXPECT_NUM("1.23", "trim_scale", N("1.2300"));
    EXPECT_NUM("0", "trim_scale", N("0.000"));
    EXPECT_NUM("100", "trim_scale", N("100.00"));
    EXPECT_NUM("-1.5", "trim_scale", N("-1.500"));
    /* select scale('NaN'::numeric), min_scale('Infinity'::numeric), trim_scale('NaN'), trim_scale('-Infinity')
     * => NULL|NULL|NaN|-Infinity */
    EXPECT_NULL("scale", N("NaN"));
    EXPECT_NULL("min_scale", N("Infinity"));
    EXPECT_NUM("NaN", "trim_scale", N("NaN"));
    EXPECT_NUM("-Infinity", "trim_scale", N("-Infinity"));
}

static void test_width_bucket(void **state)
{
    (void)state;
    /* select width_bucket(42, 0, 100, 10), width_bucket(5.35, 0.024, 10.06, 5), width_bucket(-1, 5, 0, 3),
     * width_bucket(0, 5, 0, 3), width_bucket(5, 5, 0, 3), width_bucket(2.5, 5, 0, 3) => 5|3|4|4|1|2
     * (the numeric form, and the same with ::float8) */
    EXPECT_INT(5, "width_bucket", N("42"), N("0"), N("100"), I4(10));
    EXPECT_INT(3, "width_bucket", N("5.35"), N("0.024"), N("10.06"), I4(5));
    EXPECT_INT(4, "width_bucket", N("-1"), N("5"), N("0"), I4(3));
    EXPECT_INT(4, "width_bucket", N("0"), N("5"), N("0"), I4(3));
    EXPECT_INT(1, "width_bucket", N("5"), N("5"), N("0"), I4(3));
    EXPECT_INT(2, "width_bucket", N("2.5"), N("5"), N("0"), I4(3));
    EXPECT_INT(5, "width_bucket", F8(42), F8(0), F8(100), I4(10));
    EXPECT_INT(3, "width_bucket", F8(5.35), F8(0.024), F8(10.06), I4(5));
    EXPECT_INT(4, "width_bucket", F8(-1), F8(5), F8(0), I4(3));
    EXPECT_INT(4, "width_bucket", F8(0), F8(5), F8(0), I4(3));
    EXPECT_INT(1, "width_bucket", F8(5), F8(5), F8(0), I4(3));
    EXPECT_INT(2, "width_bucket", F8(2.5), F8(5), F8(0), I4(3));
    /* below and above the range: select width_bucket(-5, 0, 10, 4), width_bucket(10, 0, 10, 4) => 0|5 */
    EXPECT_INT(0, "width_bucket", N("-5"), N("0"), N("10"), I4(4));
    EXPECT_INT(5, "width_bucket", N("10"), N("0"), N("10"), I4(4));
    EXPECT_INT(0, "width_bucket", F8(-5), F8(0), F8(10), I4(4));
    EXPECT_INT(5, "width_bucket", F8(10), F8(0), F8(10), I4(4));
    /* infinite operands are allowed: select width_bucket('-Infinity'::numeric, 0, 5, 3),
     * width_bucket('Infinity'::numeric, 0, 5, 3), width_bucket('Infinity'::float8, 0, 5, 3),
     * width_bucket('-Infinity'::float8, 5, 0, 3) => 0|4|4|4 */
    EXPECT_INT(0, "width_bucket", N("-Infinity"), N("0"), N("5"), I4(3));
    EXPECT_INT(4, "width_bucket", N("Infinity"), N("0"), N("5"), I4(3));
    EXPECT_INT(4, "width_bucket", F8(INFINITY), F8(0), F8(5), I4(3));
    EXPECT_INT(4, "width_bucket", F8(-INFINITY), F8(5), F8(0), I4(3));
    /* numeric is exact where the quotient is just below a bucket boundary:
     * select width_bucket(0.6666666666666666666666::numeric, 0, 1, 3),
     * width_bucket(0.99999999999999999999999999::numeric, 0, 1, 1),
     * width_bucket(9.99999999::numeric, 0, 10, 2147483647),
     * width_bucket(12345678901234567890.123::numeric, -99999999999999999999999999.5,
     *              99999999999999999999999999999.5, 2147483647) => 2|1|2147483645|2145339 */
    EXPECT_INT(2, "width_bucket", N("0.6666666666666666666666"), N("0"), N("1"), I4(3));
    EXPECT_INT(1, "width_bucket", N("0.99999999999999999999999999"), N("0"), N("1"), I4(1));
    EXPECT_INT(2147483645, "width_bucket", N("9.99999999"), N("0"), N("10"), I4(INT32_MAX));
    EXPECT_INT(2145339, "width_bucket", N("12345678901234567890.123"), N("-99999999999999999999999999.5"),
               N("99999999999999999999999999999.5"), I4(INT32_MAX));
    /* float8 follows PostgreSQL 15's float.c, count * (x - lo) / (hi - lo) + 1 truncated:
     * select width_bucket(9.99999999::float8, 0, 10, 2147483647), width_bucket(5e-324::float8, 0, 1e-323, 10)
     * => 2147483645|6; a range wider than DBL_MAX gives inf / inf, which PostgreSQL 15's cast turns into
     * INT32_MIN: select width_bucket(0::float8, -1.7e308, 1.7e308, 10) => -2147483648 */
    EXPECT_INT(2147483645, "width_bucket", F8(9.99999999), F8(0), F8(10), I4(INT32_MAX));
    EXPECT_INT(6, "width_bucket", F8(5e-324), F8(0), F8(1e-323), I4(10));
    EXPECT_INT(INT32_MIN, "width_bucket", F8(0), F8(-1.7e308), F8(1.7e308), I4(10));
    /* errors: select width_bucket(10, 0, 10, 2147483647), width_bucket(1, 0, 10, 0),
     * width_bucket('NaN'::numeric, 0, 10, 3), width_bucket(1::numeric, 0, 'Infinity', 3),
     * width_bucket(1, 3, 3, 3) (each also ::float8) */
    EXPECT_ERR("22003", "integer out of range", "width_bucket", N("10"), N("0"), N("10"), I4(INT32_MAX));
    EXPECT_ERR("22003", "integer out of range", "width_bucket", F8(10), F8(0), F8(10), I4(INT32_MAX));
    EXPECT_ERR("2201G", "count must be greater than zero", "width_bucket", N("1"), N("0"), N("10"), I4(0));
    EXPECT_ERR("2201G", "count must be greater than zero", "width_bucket", F8(1), F8(0), F8(10), I4(-1));
    EXPECT_ERR("2201G", "operand, lower bound, and upper bound cannot be NaN", "width_bucket", N("NaN"), N("0"),
               N("10"), I4(3));
    EXPECT_ERR("2201G", "operand, lower bound, and upper bound cannot be NaN", "width_bucket", F8(1), F8(NAN),
               F8(10), I4(3));
    EXPECT_ERR("2201G", "lower and upper bounds must be finite", "width_bucket", N("1"), N("0"), N("Infinity"),
               I4(3));
    EXPECT_ERR("2201G", "lower and upper bounds must be finite", "width_bucket", F8(1), F8(-INFINITY), F8(0),
               I4(3));
    EXPECT_ERR("2201G", "lower bound cannot equal upper bound", "width_bucket", N("1"), N("3"), N("3.0"), I4(3));
    EXPECT_ERR("2201G", "lower bound cannot equal upper bound", "width_bucket", F8(1), F8(3), F8(3), I4(3));
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
        cmocka_unit_test_setup_teardown(test_width_bucket, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_numeric_transcendental, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
