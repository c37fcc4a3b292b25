/*
 * test_fn_cmp.c: unit tests of src/sql/fn_cmp.c, the comparison operators of every type family, against
 * PostgreSQL 15 (each check names its query).
 */
#include "fn_test.h"

static void test_ints(void **state)
{
    (void)state;
    EXPECT_BOOL(1, "=", I4(5), I4(5));
    EXPECT_BOOL(0, "<>", I4(5), I4(5));
    EXPECT_BOOL(1, "<", I2(-3), I8(INT64_MAX)); /* int28lt */
    EXPECT_BOOL(1, ">=", I8(INT64_MIN + 1), I8(INT64_MIN));
    EXPECT_BOOL(1, "<=", I4(7), I2(7));
    EXPECT_BOOL(0, ">", I4(7), I2(7));
    /* dates, timestamps, oids share the int64 kernels */
    EXPECT_BOOL(1, "<", IV_(SQL_DATE, 8766), IV_(SQL_DATE, 8767));
    EXPECT_BOOL(1, "=", IV_(SQL_OID, 1259), IV_(SQL_OID, 1259));
    /* select true > false => t */
    EXPECT_BOOL(1, ">", B(1), B(0));
    EXPECT_BOOL(0, "=", B(1), B(0));
}

static void test_floats(void **state)
{
    (void)state;
    /* select 'NaN'::float8 = 'NaN'::float8, 'NaN'::float8 > 1e308::float8 => t|t */
    EXPECT_BOOL(1, "=", F8(NAN), F8(NAN));
    EXPECT_BOOL(1, ">", F8(NAN), F8(1e308));
    EXPECT_BOOL(1, ">", F8(NAN), F8(INFINITY));
    EXPECT_BOOL(0, "<", F8(NAN), F8(1));
    EXPECT_BOOL(1, "<>", F8(NAN), F8(1));
    EXPECT_BOOL(1, "=", F8(-0.0), F8(0.0));
    EXPECT_BOOL(1, "<", F4(1.5f), F8(1.6)); /* float48lt */
    EXPECT_BOOL(1, "<=", F8(-INFINITY), F8(-1e308));
}

static void test_numeric(void **state)
{
    (void)state;
    /* select 1.0::numeric = 1.00::numeric, 'NaN'::numeric > 'Infinity'::numeric, 1.5::numeric
     * < 1.51::numeric, -1.5::numeric < -1.49::numeric => t|t|t|t */
    EXPECT_BOOL(1, "=", N("1.0"), N("1.00"));
    EXPECT_BOOL(1, ">", N("NaN"), N("Infinity"));
    EXPECT_BOOL(1, "<", N("1.5"), N("1.51"));
    EXPECT_BOOL(1, "<", N("-1.5"), N("-1.49"));
    EXPECT_BOOL(1, "=", N("NaN"), N("NaN"));
    EXPECT_BOOL(1, "<", N("-Infinity"), N("-99999999999999999999"));
}

static void test_text(void **state)
{
    (void)state;
    /* select 'a'::text < 'b', 'B' < 'a', 'ab' < 'abc', 'é' > 'z', ''::text < 'a' => t|t|t|t|t */
    EXPECT_BOOL(1, "<", T("a"), T("b"));
    EXPECT_BOOL(1, "<", T("B"), T("a"));
    EXPECT_BOOL(1, "<", T("ab"), T("abc"));
    EXPECT_BOOL(1, ">", T("é"), T("z"));
    EXPECT_BOOL(1, "<", T(""), T("a"));
    EXPECT_BOOL(1, "=", T("same"), T("same"));
    EXPECT_BOOL(0, "=", T("same"), T("Same"));
    EXPECT_BOOL(1, ">=", TY(SQL_NAME, "pg_class"), T("pg_am")); /* namegetext */
    /* select 'ab '::char(3) = 'ab'::char(5), 'ab'::char(3) < 'ab!'::char(3) => t|t */
    EXPECT_BOOL(1, "=", TY(SQL_BPCHAR, "ab "), TY(SQL_BPCHAR, "ab   "));
    EXPECT_BOOL(1, "<", TY(SQL_BPCHAR, "ab "), TY(SQL_BPCHAR, "ab!"));
    /* bytea: select '\x01ff'::bytea > '\x01'::bytea => t */
    EXPECT_BOOL(1, ">", TY(SQL_BYTEA, "\x01\xff"), TY(SQL_BYTEA, "\x01"));
}

static void test_interval_and_dates(void **state)
{
    (void)state;
    /* select '1 month'::interval = '30 days'::interval, '1 day'::interval = '24 hours'::interval,
     * '1 year'::interval > '364 days'::interval => t|t|f */
    EXPECT_BOOL(1, "=", IVL(1, 0, 0), IVL(0, 30, 0));
    EXPECT_BOOL(1, "=", IVL(0, 1, 0), IVL(0, 0, 24 * 3600 * INT64_C(1000000)));
    EXPECT_BOOL(0, ">", IVL(12, 0, 0), IVL(0, 364, 0));
    /* select '2024-01-02'::date = '2024-01-02 00:00'::timestamp, '2024-01-02'::date < '2024-01-02
     * 00:00:01'::timestamp, 'infinity'::date > '294276-01-01'::timestamp => t|t|t  (2024-01-02 is day 8767
     * after 2000-01-01) */
    int64_t ts = INT64_C(8767) * 86400 * 1000000;
    EXPECT_BOOL(1, "=", IV_(SQL_DATE, 8767), IV_(SQL_TIMESTAMP, ts));
    EXPECT_BOOL(1, "<", IV_(SQL_DATE, 8767), IV_(SQL_TIMESTAMP, ts + 1000000));
    EXPECT_BOOL(1, ">", IV_(SQL_DATE, INT64_MAX), IV_(SQL_TIMESTAMP, INT64_C(9223339708800000000)));
    EXPECT_BOOL(1, ">", IV_(SQL_TIMESTAMP, ts + 1), IV_(SQL_DATE, 8767));
    /* a date beyond the timestamp range is above every finite timestamp, below infinity */
    EXPECT_BOOL(1, ">", IV_(SQL_DATE, 200000000), IV_(SQL_TIMESTAMP, INT64_C(9223339708800000000)));
    EXPECT_BOOL(1, "<", IV_(SQL_DATE, 200000000), IV_(SQL_TIMESTAMP, INT64_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ints, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_floats, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_numeric, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_text, fnt_setup, fnt_teardown),
        cmocka_unit_test_setup_teardown(test_interval_and_dates, fnt_setup, fnt_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
