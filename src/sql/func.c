/*
 * func.c: the catalog of scalar functions and operators (see sql/func.h): one table of SqlFnDef with
 * PostgreSQL 15's signatures, strictness, volatility and pg_proc oids (for an operator, the oid of the
 * function behind it, pg_operator.oprcode), and the lookup the binder uses.
 *
 * The table is grouped by area, in the order of the kernel files (fn_cmp.c, fn_arith.c, fn_math.c,
 * fn_str.c, fn_like.c, fn_time.c, fn_json.c, fn_sys.c). sql_fn_lookup needs the definitions of one name
 * to be contiguous, so on first use an index of pointers sorted by name (stable: a name's definitions
 * keep their table order) is built once, under pthread_once; lookups are then a binary search.
 *
 * Every row was checked against a PostgreSQL 15 catalog (name, argument types, result type, strictness,
 * volatility, oid); functions PostgreSQL does not have carry oid 0.
 */
#include "sql/func.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sql/fn_int.h"

/* Type shorthands for the table. */
#define I2 SQL_INT2
#define I4 SQL_INT4
#define I8 SQL_INT8
#define F4 SQL_FLOAT4
#define F8 SQL_FLOAT8
#define NUM SQL_NUMERIC
#define TXT SQL_TEXT
#define BPC SQL_BPCHAR
#define NAM SQL_NAME
#define CHR SQL_CHAR
#define BYT SQL_BYTEA
#define BOO SQL_BOOL
#define DAT SQL_DATE
#define TIM SQL_TIME
#define TS SQL_TIMESTAMP
#define TSTZ SQL_TIMESTAMPTZ
#define IV SQL_INTERVAL
#define JSN SQL_JSON
#define JSB SQL_JSONB
#define OID SQL_OID
#define ANY SQL_FN_ANY
#define TXTA SQL_ARRAY_OF(SQL_TEXT)

#define IMM SQL_FN_IMMUTABLE
#define STA SQL_FN_STABLE
#define VOL SQL_FN_VOLATILE

/* DEF(name, n_args, variadic, strict, volatility, ret, kernel, init, oid, arg types...) */
#define DEF(nm, na, var, st, vo, r, k, in, o, ...)                                                           \
    {                                                                                                        \
        .name = nm, .n_args = na, .is_variadic = var, .is_strict = st, .volatility = vo, .args = {__VA_ARGS__}, \
        .ret = r, .fn = k, .oid = o, .init = in                                                              \
    }
#define NARGS(...) NARGS_(__VA_ARGS__, 6, 5, 4, 3, 2, 1, 0)
#define NARGS_(a, b, c, d, e, f, n, ...) n

/* Immutable strict functions, the common case; S/V: stable/volatile; N: not strict; I: with an init
 * hook; VA: variadic (the last argument repeats). F0 takes no arguments. */
#define F(nm, r, k, o, ...) DEF(nm, NARGS(__VA_ARGS__), 0, 1, IMM, r, k, NULL, o, __VA_ARGS__)
#define FS(nm, r, k, o, ...) DEF(nm, NARGS(__VA_ARGS__), 0, 1, STA, r, k, NULL, o, __VA_ARGS__)
#define FN(nm, r, k, o, ...) DEF(nm, NARGS(__VA_ARGS__), 0, 0, IMM, r, k, NULL, o, __VA_ARGS__)
#define FNS(nm, r, k, o, ...) DEF(nm, NARGS(__VA_ARGS__), 0, 0, STA, r, k, NULL, o, __VA_ARGS__)
#define FI(nm, r, k, in, o, ...) DEF(nm, NARGS(__VA_ARGS__), 0, 1, IMM, r, k, in, o, __VA_ARGS__)
#define FVA(nm, st, vo, r, k, o, ...) DEF(nm, NARGS(__VA_ARGS__), 1, st, vo, r, k, NULL, o, __VA_ARGS__)
#define F0(nm, vo, r, k, o) DEF(nm, 0, 0, 1, vo, r, k, NULL, o, SQL_UNKNOWN)
#define OP1(nm, t, r, k, o) F(nm, r, k, o, t)
#define OP2(nm, l, rt, r, k, o) F(nm, r, k, o, l, rt)
#define OP2I(nm, l, rt, r, k, in, o) FI(nm, r, k, in, o, l, rt)

/* clang-format off */
static const SqlFnDef fn_table[] = {
    /* ---- comparisons (fn_cmp.c): every pair PostgreSQL 15 defines for these types ---- */
    OP2("=", I2, I2, BOO, fn_cmp_int_eq, 63),
    OP2("<>", I2, I2, BOO, fn_cmp_int_ne, 145),
    OP2("<", I2, I2, BOO, fn_cmp_int_lt, 64),
    OP2("<=", I2, I2, BOO, fn_cmp_int_le, 148),
    OP2(">", I2, I2, BOO, fn_cmp_int_gt, 146),
    OP2(">=", I2, I2, BOO, fn_cmp_int_ge, 151),
    OP2("=", I2, I4, BOO, fn_cmp_int_eq, 158),
    OP2("<>", I2, I4, BOO, fn_cmp_int_ne, 164),
    OP2("<", I2, I4, BOO, fn_cmp_int_lt, 160),
    OP2("<=", I2, I4, BOO, fn_cmp_int_le, 166),
    OP2(">", I2, I4, BOO, fn_cmp_int_gt, 162),
    OP2(">=", I2, I4, BOO, fn_cmp_int_ge, 168),
    OP2("=", I2, I8, BOO, fn_cmp_int_eq, 1850),
    OP2("<>", I2, I8, BOO, fn_cmp_int_ne, 1851),
    OP2("<", I2, I8, BOO, fn_cmp_int_lt, 1852),
    OP2("<=", I2, I8, BOO, fn_cmp_int_le, 1854),
    OP2(">", I2, I8, BOO, fn_cmp_int_gt, 1853),
    OP2(">=", I2, I8, BOO, fn_cmp_int_ge, 1855),
    OP2("=", I4, I2, BOO, fn_cmp_int_eq, 159),
    OP2("<>", I4, I2, BOO, fn_cmp_int_ne, 165),
    OP2("<", I4, I2, BOO, fn_cmp_int_lt, 161),
    OP2("<=", I4, I2, BOO, fn_cmp_int_le, 167),
    OP2(">", I4, I2, BOO, fn_cmp_int_gt, 163),
    OP2(">=", I4, I2, BOO, fn_cmp_int_ge, 169),
    OP2("=", I4, I4, BOO, fn_cmp_int_eq, 65),
    OP2("<>", I4, I4, BOO, fn_cmp_int_ne, 144),
    OP2("<", I4, I4, BOO, fn_cmp_int_lt, 66),
    OP2("<=", I4, I4, BOO, fn_cmp_int_le, 149),
    OP2(">", I4, I4, BOO, fn_cmp_int_gt, 147),
    OP2(">=", I4, I4, BOO, fn_cmp_int_ge, 150),
    OP2("=", I4, I8, BOO, fn_cmp_int_eq, 852),
    OP2("<>", I4, I8, BOO, fn_cmp_int_ne, 853),
    OP2("<", I4, I8, BOO, fn_cmp_int_lt, 854),
    OP2("<=", I4, I8, BOO, fn_cmp_int_le, 856),
    OP2(">", I4, I8, BOO, fn_cmp_int_gt, 855),
    OP2(">=", I4, I8, BOO, fn_cmp_int_ge, 857),
    OP2("=", I8, I2, BOO, fn_cmp_int_eq, 1856),
    OP2("<>", I8, I2, BOO, fn_cmp_int_ne, 1857),
    OP2("<", I8, I2, BOO, fn_cmp_int_lt, 1858),
    OP2("<=", I8, I2, BOO, fn_cmp_int_le, 1860),
    OP2(">", I8, I2, BOO, fn_cmp_int_gt, 1859),
    OP2(">=", I8, I2, BOO, fn_cmp_int_ge, 1861),
    OP2("=", I8, I4, BOO, fn_cmp_int_eq, 474),
    OP2("<>", I8, I4, BOO, fn_cmp_int_ne, 475),
    OP2("<", I8, I4, BOO, fn_cmp_int_lt, 476),
    OP2("<=", I8, I4, BOO, fn_cmp_int_le, 478),
    OP2(">", I8, I4, BOO, fn_cmp_int_gt, 477),
    OP2(">=", I8, I4, BOO, fn_cmp_int_ge, 479),
    OP2("=", I8, I8, BOO, fn_cmp_int_eq, 467),
    OP2("<>", I8, I8, BOO, fn_cmp_int_ne, 468),
    OP2("<", I8, I8, BOO, fn_cmp_int_lt, 469),
    OP2("<=", I8, I8, BOO, fn_cmp_int_le, 471),
    OP2(">", I8, I8, BOO, fn_cmp_int_gt, 470),
    OP2(">=", I8, I8, BOO, fn_cmp_int_ge, 472),
    OP2("=", OID, OID, BOO, fn_cmp_int_eq, 184),
    OP2("<>", OID, OID, BOO, fn_cmp_int_ne, 185),
    OP2("<", OID, OID, BOO, fn_cmp_int_lt, 716),
    OP2("<=", OID, OID, BOO, fn_cmp_int_le, 717),
    OP2(">", OID, OID, BOO, fn_cmp_int_gt, 1638),
    OP2(">=", OID, OID, BOO, fn_cmp_int_ge, 1639),
    OP2("=", F4, F4, BOO, fn_cmp_float_eq, 287),
    OP2("<>", F4, F4, BOO, fn_cmp_float_ne, 288),
    OP2("<", F4, F4, BOO, fn_cmp_float_lt, 289),
    OP2("<=", F4, F4, BOO, fn_cmp_float_le, 290),
    OP2(">", F4, F4, BOO, fn_cmp_float_gt, 291),
    OP2(">=", F4, F4, BOO, fn_cmp_float_ge, 292),
    OP2("=", F4, F8, BOO, fn_cmp_float_eq, 299),
    OP2("<>", F4, F8, BOO, fn_cmp_float_ne, 300),
    OP2("<", F4, F8, BOO, fn_cmp_float_lt, 301),
    OP2("<=", F4, F8, BOO, fn_cmp_float_le, 302),
    OP2(">", F4, F8, BOO, fn_cmp_float_gt, 303),
    OP2(">=", F4, F8, BOO, fn_cmp_float_ge, 304),
    OP2("=", F8, F4, BOO, fn_cmp_float_eq, 305),
    OP2("<>", F8, F4, BOO, fn_cmp_float_ne, 306),
    OP2("<", F8, F4, BOO, fn_cmp_float_lt, 307),
    OP2("<=", F8, F4, BOO, fn_cmp_float_le, 308),
    OP2(">", F8, F4, BOO, fn_cmp_float_gt, 309),
    OP2(">=", F8, F4, BOO, fn_cmp_float_ge, 310),
    OP2("=", F8, F8, BOO, fn_cmp_float_eq, 293),
    OP2("<>", F8, F8, BOO, fn_cmp_float_ne, 294),
    OP2("<", F8, F8, BOO, fn_cmp_float_lt, 295),
    OP2("<=", F8, F8, BOO, fn_cmp_float_le, 296),
    OP2(">", F8, F8, BOO, fn_cmp_float_gt, 297),
    OP2(">=", F8, F8, BOO, fn_cmp_float_ge, 298),
    OP2("=", NUM, NUM, BOO, fn_cmp_numeric_eq, 1718),
    OP2("<>", NUM, NUM, BOO, fn_cmp_numeric_ne, 1719),
    OP2("<", NUM, NUM, BOO, fn_cmp_numeric_lt, 1722),
    OP2("<=", NUM, NUM, BOO, fn_cmp_numeric_le, 1723),
    OP2(">", NUM, NUM, BOO, fn_cmp_numeric_gt, 1720),
    OP2(">=", NUM, NUM, BOO, fn_cmp_numeric_ge, 1721),
    OP2("=", BOO, BOO, BOO, fn_cmp_bool_eq, 60),
    OP2("<>", BOO, BOO, BOO, fn_cmp_bool_ne, 84),
    OP2("<", BOO, BOO, BOO, fn_cmp_bool_lt, 56),
    OP2("<=", BOO, BOO, BOO, fn_cmp_bool_le, 1691),
    OP2(">", BOO, BOO, BOO, fn_cmp_bool_gt, 57),
    OP2(">=", BOO, BOO, BOO, fn_cmp_bool_ge, 1692),
    OP2("=", TXT, TXT, BOO, fn_cmp_text_eq, 67),
    OP2("<>", TXT, TXT, BOO, fn_cmp_text_ne, 157),
    OP2("<", TXT, TXT, BOO, fn_cmp_text_lt, 740),
    OP2("<=", TXT, TXT, BOO, fn_cmp_text_le, 741),
    OP2(">", TXT, TXT, BOO, fn_cmp_text_gt, 742),
    OP2(">=", TXT, TXT, BOO, fn_cmp_text_ge, 743),
    OP2("=", TXT, NAM, BOO, fn_cmp_text_eq, 247),
    OP2("<>", TXT, NAM, BOO, fn_cmp_text_ne, 252),
    OP2("<", TXT, NAM, BOO, fn_cmp_text_lt, 248),
    OP2("<=", TXT, NAM, BOO, fn_cmp_text_le, 249),
    OP2(">", TXT, NAM, BOO, fn_cmp_text_gt, 251),
    OP2(">=", TXT, NAM, BOO, fn_cmp_text_ge, 250),
    OP2("=", NAM, TXT, BOO, fn_cmp_text_eq, 240),
    OP2("<>", NAM, TXT, BOO, fn_cmp_text_ne, 245),
    OP2("<", NAM, TXT, BOO, fn_cmp_text_lt, 241),
    OP2("<=", NAM, TXT, BOO, fn_cmp_text_le, 242),
    OP2(">", NAM, TXT, BOO, fn_cmp_text_gt, 244),
    OP2(">=", NAM, TXT, BOO, fn_cmp_text_ge, 243),
    OP2("=", NAM, NAM, BOO, fn_cmp_text_eq, 62),
    OP2("<>", NAM, NAM, BOO, fn_cmp_text_ne, 659),
    OP2("<", NAM, NAM, BOO, fn_cmp_text_lt, 655),
    OP2("<=", NAM, NAM, BOO, fn_cmp_text_le, 656),
    OP2(">", NAM, NAM, BOO, fn_cmp_text_gt, 657),
    OP2(">=", NAM, NAM, BOO, fn_cmp_text_ge, 658),
    OP2("=", BPC, BPC, BOO, fn_cmp_bpchar_eq, 1048),
    OP2("<>", BPC, BPC, BOO, fn_cmp_bpchar_ne, 1053),
    OP2("<", BPC, BPC, BOO, fn_cmp_bpchar_lt, 1049),
    OP2("<=", BPC, BPC, BOO, fn_cmp_bpchar_le, 1050),
    OP2(">", BPC, BPC, BOO, fn_cmp_bpchar_gt, 1051),
    OP2(">=", BPC, BPC, BOO, fn_cmp_bpchar_ge, 1052),
    OP2("=", BYT, BYT, BOO, fn_cmp_text_eq, 1948),
    OP2("<>", BYT, BYT, BOO, fn_cmp_text_ne, 1953),
    OP2("<", BYT, BYT, BOO, fn_cmp_text_lt, 1949),
    OP2("<=", BYT, BYT, BOO, fn_cmp_text_le, 1950),
    OP2(">", BYT, BYT, BOO, fn_cmp_text_gt, 1951),
    OP2(">=", BYT, BYT, BOO, fn_cmp_text_ge, 1952),
    OP2("=", CHR, CHR, BOO, fn_cmp_text_eq, 61),
    OP2("<>", CHR, CHR, BOO, fn_cmp_text_ne, 70),
    OP2("<", CHR, CHR, BOO, fn_cmp_text_lt, 1246),
    OP2("<=", CHR, CHR, BOO, fn_cmp_text_le, 72),
    OP2(">", CHR, CHR, BOO, fn_cmp_text_gt, 73),
    OP2(">=", CHR, CHR, BOO, fn_cmp_text_ge, 74),
    OP2("=", DAT, DAT, BOO, fn_cmp_int_eq, 1086),
    OP2("<>", DAT, DAT, BOO, fn_cmp_int_ne, 1091),
    OP2("<", DAT, DAT, BOO, fn_cmp_int_lt, 1087),
    OP2("<=", DAT, DAT, BOO, fn_cmp_int_le, 1088),
    OP2(">", DAT, DAT, BOO, fn_cmp_int_gt, 1089),
    OP2(">=", DAT, DAT, BOO, fn_cmp_int_ge, 1090),
    OP2("=", DAT, TS, BOO, fn_cmp_date_ts_eq, 2340),
    OP2("<>", DAT, TS, BOO, fn_cmp_date_ts_ne, 2343),
    OP2("<", DAT, TS, BOO, fn_cmp_date_ts_lt, 2338),
    OP2("<=", DAT, TS, BOO, fn_cmp_date_ts_le, 2339),
    OP2(">", DAT, TS, BOO, fn_cmp_date_ts_gt, 2341),
    OP2(">=", DAT, TS, BOO, fn_cmp_date_ts_ge, 2342),
    OP2("=", TIM, TIM, BOO, fn_cmp_int_eq, 1145),
    OP2("<>", TIM, TIM, BOO, fn_cmp_int_ne, 1106),
    OP2("<", TIM, TIM, BOO, fn_cmp_int_lt, 1102),
    OP2("<=", TIM, TIM, BOO, fn_cmp_int_le, 1103),
    OP2(">", TIM, TIM, BOO, fn_cmp_int_gt, 1104),
    OP2(">=", TIM, TIM, BOO, fn_cmp_int_ge, 1105),
    OP2("=", TS, DAT, BOO, fn_cmp_ts_date_eq, 2366),
    OP2("<>", TS, DAT, BOO, fn_cmp_ts_date_ne, 2369),
    OP2("<", TS, DAT, BOO, fn_cmp_ts_date_lt, 2364),
    OP2("<=", TS, DAT, BOO, fn_cmp_ts_date_le, 2365),
    OP2(">", TS, DAT, BOO, fn_cmp_ts_date_gt, 2367),
    OP2(">=", TS, DAT, BOO, fn_cmp_ts_date_ge, 2368),
    OP2("=", TS, TS, BOO, fn_cmp_int_eq, 2052),
    OP2("<>", TS, TS, BOO, fn_cmp_int_ne, 2053),
    OP2("<", TS, TS, BOO, fn_cmp_int_lt, 2054),
    OP2("<=", TS, TS, BOO, fn_cmp_int_le, 2055),
    OP2(">", TS, TS, BOO, fn_cmp_int_gt, 2057),
    OP2(">=", TS, TS, BOO, fn_cmp_int_ge, 2056),
    OP2("=", TSTZ, TSTZ, BOO, fn_cmp_int_eq, 1152),
    OP2("<>", TSTZ, TSTZ, BOO, fn_cmp_int_ne, 1153),
    OP2("<", TSTZ, TSTZ, BOO, fn_cmp_int_lt, 1154),
    OP2("<=", TSTZ, TSTZ, BOO, fn_cmp_int_le, 1155),
    OP2(">", TSTZ, TSTZ, BOO, fn_cmp_int_gt, 1157),
    OP2(">=", TSTZ, TSTZ, BOO, fn_cmp_int_ge, 1156),
    OP2("=", IV, IV, BOO, fn_cmp_interval_eq, 1162),
    OP2("<>", IV, IV, BOO, fn_cmp_interval_ne, 1163),
    OP2("<", IV, IV, BOO, fn_cmp_interval_lt, 1164),
    OP2("<=", IV, IV, BOO, fn_cmp_interval_le, 1165),
    OP2(">", IV, IV, BOO, fn_cmp_interval_gt, 1167),
    OP2(">=", IV, IV, BOO, fn_cmp_interval_ge, 1166),

    /* ---- arithmetic (fn_arith.c, numeric through fn_math.c) ---- */
    OP1("+", I8, I8, fn_int_up, 1910),
    OP1("+", I2, I2, fn_int_up, 1911),
    OP1("+", I4, I4, fn_int_up, 1912),
    OP1("+", F4, F4, fn_float_up, 1913),
    OP1("+", F8, F8, fn_float_up, 1914),
    OP1("+", NUM, NUM, fn_numeric_up, 1915),
    OP2("+", I8, I8, I8, fn_int8_pl, 463),
    OP2("+", I8, I2, I8, fn_int8_pl, 837),
    OP2("+", I8, I4, I8, fn_int8_pl, 1274),
    OP2("+", F8, F4, F8, fn_float8_pl, 285),
    OP2("+", F8, F8, F8, fn_float8_pl, 218),
    OP2("+", I4, I8, I8, fn_int8_pl, 1278),
    OP2("+", I4, I2, I4, fn_int4_pl, 179),
    OP2("+", I4, I4, I4, fn_int4_pl, 177),
    OP2("+", NUM, NUM, NUM, fn_numeric_pl, 1724),
    OP2("+", F4, F4, F4, fn_float4_pl, 204),
    OP2("+", F4, F8, F8, fn_float8_pl, 281),
    OP2("+", I2, I8, I8, fn_int8_pl, 841),
    OP2("+", I2, I2, I2, fn_int2_pl, 176),
    OP2("+", I2, I4, I4, fn_int4_pl, 178),
    OP1("-", I8, I8, fn_int8_um, 462),
    OP1("-", I2, I2, fn_int2_um, 213),
    OP1("-", I4, I4, fn_int4_um, 212),
    OP1("-", F4, F4, fn_float_um, 206),
    OP1("-", F8, F8, fn_float_um, 220),
    OP1("-", NUM, NUM, fn_numeric_um, 1771),
    OP2("-", I8, I8, I8, fn_int8_mi, 464),
    OP2("-", I8, I2, I8, fn_int8_mi, 838),
    OP2("-", I8, I4, I8, fn_int8_mi, 1275),
    OP2("-", F8, F4, F8, fn_float8_mi, 286),
    OP2("-", F8, F8, F8, fn_float8_mi, 219),
    OP2("-", I4, I8, I8, fn_int8_mi, 1279),
    OP2("-", I4, I2, I4, fn_int4_mi, 183),
    OP2("-", I4, I4, I4, fn_int4_mi, 181),
    OP2("-", NUM, NUM, NUM, fn_numeric_mi, 1725),
    OP2("-", F4, F4, F4, fn_float4_mi, 205),
    OP2("-", F4, F8, F8, fn_float8_mi, 282),
    OP2("-", I2, I8, I8, fn_int8_mi, 942),
    OP2("-", I2, I2, I2, fn_int2_mi, 180),
    OP2("-", I2, I4, I4, fn_int4_mi, 182),
    OP2("*", I8, I8, I8, fn_int8_mul, 465),
    OP2("*", I8, I2, I8, fn_int8_mul, 839),
    OP2("*", I8, I4, I8, fn_int8_mul, 1276),
    OP2("*", F8, F4, F8, fn_float8_mul, 283),
    OP2("*", F8, F8, F8, fn_float8_mul, 216),
    OP2("*", I4, I8, I8, fn_int8_mul, 1280),
    OP2("*", I4, I2, I4, fn_int4_mul, 171),
    OP2("*", I4, I4, I4, fn_int4_mul, 141),
    OP2("*", NUM, NUM, NUM, fn_numeric_mul, 1726),
    OP2("*", F4, F4, F4, fn_float4_mul, 202),
    OP2("*", F4, F8, F8, fn_float8_mul, 279),
    OP2("*", I2, I8, I8, fn_int8_mul, 943),
    OP2("*", I2, I2, I2, fn_int2_mul, 152),
    OP2("*", I2, I4, I4, fn_int4_mul, 170),
    OP2("/", I8, I8, I8, fn_int8_div, 466),
    OP2("/", I8, I2, I8, fn_int8_div, 840),
    OP2("/", I8, I4, I8, fn_int8_div, 1277),
    OP2("/", F8, F4, F8, fn_float8_div, 284),
    OP2("/", F8, F8, F8, fn_float8_div, 217),
    OP2("/", I4, I8, I8, fn_int8_div, 1281),
    OP2("/", I4, I2, I4, fn_int4_div, 173),
    OP2("/", I4, I4, I4, fn_int4_div, 154),
    OP2("/", NUM, NUM, NUM, fn_numeric_div, 1727),
    OP2("/", F4, F4, F4, fn_float4_div, 203),
    OP2("/", F4, F8, F8, fn_float8_div, 280),
    OP2("/", I2, I8, I8, fn_int8_div, 948),
    OP2("/", I2, I2, I2, fn_int2_div, 153),
    OP2("/", I2, I4, I4, fn_int4_div, 172),
    OP2("%", I8, I8, I8, fn_int8_mod, 945),
    OP2("%", I4, I4, I4, fn_int4_mod, 156),
    OP2("%", NUM, NUM, NUM, fn_numeric_mod, 1729),
    OP2("%", I2, I2, I2, fn_int2_mod, 155),
    OP1("@", I8, I8, fn_int8_abs, 1230),
    OP1("@", I2, I2, fn_int2_abs, 1253),
    OP1("@", I4, I4, fn_int4_abs, 1251),
    OP1("@", F4, F4, fn_float_abs, 207),
    OP1("@", F8, F8, fn_float_abs, 221),
    OP1("@", NUM, NUM, fn_numeric_abs, 1704),
    OP1("~", I8, I8, fn_int_not, 1907),
    OP1("~", I2, I2, fn_int_not, 1895),
    OP1("~", I4, I4, fn_int_not, 1901),
    OP2("&", I8, I8, I8, fn_int_and, 1904),
    OP2("&", I4, I4, I4, fn_int_and, 1898),
    OP2("&", I2, I2, I2, fn_int_and, 1892),
    OP2("#", I8, I8, I8, fn_int_xor, 1906),
    OP2("#", I4, I4, I4, fn_int_xor, 1900),
    OP2("#", I2, I2, I2, fn_int_xor, 1894),
    OP2("<<", I8, I4, I8, fn_int8_shl, 1908),
    OP2("<<", I4, I4, I4, fn_int4_shl, 1902),
    OP2("<<", I2, I4, I2, fn_int2_shl, 1896),
    OP2(">>", I8, I4, I8, fn_int8_shr, 1909),
    OP2(">>", I4, I4, I4, fn_int4_shr, 1903),
    OP2(">>", I2, I4, I2, fn_int2_shr, 1897),
    OP2("|", I2, I2, I2, fn_int_or, 1893),
    OP2("|", I4, I4, I4, fn_int_or, 1899),
    OP2("|", I8, I8, I8, fn_int_or, 1905),

    /* ---- math (fn_math.c) ---- */
    F("abs", I2, fn_int2_abs, 1398, I2),
    F("abs", I4, fn_int4_abs, 1397, I4),
    F("abs", I8, fn_int8_abs, 1396, I8),
    F("abs", F4, fn_float_abs, 1394, F4),
    F("abs", F8, fn_float_abs, 1395, F8),
    F("abs", NUM, fn_numeric_abs, 1705, NUM),
    F("sign", F8, fn_float_sign, 2310, F8),
    F("sign", NUM, fn_numeric_sign, 1706, NUM),
    F("ceil", F8, fn_float_ceil, 2308, F8),
    F("ceil", NUM, fn_numeric_ceil, 1711, NUM),
    F("ceiling", F8, fn_float_ceil, 2320, F8),
    F("ceiling", NUM, fn_numeric_ceil, 2167, NUM),
    F("floor", F8, fn_float_floor, 2309, F8),
    F("floor", NUM, fn_numeric_floor, 1712, NUM),
    F("round", F8, fn_float_round, 1342, F8),
    F("round", NUM, fn_numeric_round, 1708, NUM),
    F("round", NUM, fn_numeric_round, 1707, NUM, I4),
    F("trunc", F8, fn_float_trunc, 1343, F8),
    F("trunc", NUM, fn_numeric_trunc, 1710, NUM),
    F("trunc", NUM, fn_numeric_trunc, 1709, NUM, I4),
    F("sqrt", F8, fn_float_sqrt, 1344, F8),
    F("sqrt", NUM, fn_numeric_sqrt, 1730, NUM),
    F("dsqrt", F8, fn_float_sqrt, 230, F8),
    OP1("|/", F8, F8, fn_float_sqrt, 230),
    F("cbrt", F8, fn_float_cbrt, 1345, F8),
    F("dcbrt", F8, fn_float_cbrt, 231, F8),
    OP1("||/", F8, F8, fn_float_cbrt, 231),
    F("power", F8, fn_float_power, 1368, F8, F8),
    F("power", NUM, fn_numeric_power, 2169, NUM, NUM),
    F("pow", F8, fn_float_power, 1346, F8, F8),
    F("pow", NUM, fn_numeric_power, 1738, NUM, NUM),
    F("dpow", F8, fn_float_power, 232, F8, F8),
    OP2("^", F8, F8, F8, fn_float_power, 232),
    OP2("^", NUM, NUM, NUM, fn_numeric_power, 1739),
    F("exp", F8, fn_float_exp, 1347, F8),
    F("exp", NUM, fn_numeric_exp, 1732, NUM),
    F("ln", F8, fn_float_ln, 1341, F8),
    F("ln", NUM, fn_numeric_ln, 1734, NUM),
    F("log", F8, fn_float_log10, 1340, F8),
    F("log", NUM, fn_numeric_log10, 1741, NUM),
    F("log", NUM, fn_numeric_log, 1736, NUM, NUM),
    F("log10", F8, fn_float_log10, 1194, F8),
    F("log10", NUM, fn_numeric_log10, 1481, NUM),
    F("mod", I2, fn_int2_mod, 940, I2, I2),
    F("mod", I4, fn_int4_mod, 941, I4, I4),
    F("mod", I8, fn_int8_mod, 947, I8, I8),
    F("mod", NUM, fn_numeric_mod, 1728, NUM, NUM),
    F("div", NUM, fn_numeric_div_trunc, 1973, NUM, NUM),
    F("gcd", I4, fn_int4_gcd, 5044, I4, I4),
    F("gcd", I8, fn_int8_gcd, 5045, I8, I8),
    F("gcd", NUM, fn_numeric_gcd, 5048, NUM, NUM),
    F("lcm", I4, fn_int4_lcm, 5046, I4, I4),
    F("lcm", I8, fn_int8_lcm, 5047, I8, I8),
    F("lcm", NUM, fn_numeric_lcm, 5049, NUM, NUM),
    F0("pi", IMM, F8, fn_pi, 1610),
    F0("random", VOL, F8, fn_random, 1598),
    F("degrees", F8, fn_float_degrees, 1608, F8),
    F("radians", F8, fn_float_radians, 1609, F8),
    F("sin", F8, fn_float_sin, 1604, F8),
    F("cos", F8, fn_float_cos, 1605, F8),
    F("tan", F8, fn_float_tan, 1606, F8),
    F("cot", F8, fn_float_cot, 1607, F8),
    F("asin", F8, fn_float_asin, 1600, F8),
    F("acos", F8, fn_float_acos, 1601, F8),
    F("atan", F8, fn_float_atan, 1602, F8),
    F("atan2", F8, fn_float_atan2, 1603, F8, F8),
    F("sind", F8, fn_float_sind, 2735, F8),
    F("cosd", F8, fn_float_cosd, 2736, F8),
    F("tand", F8, fn_float_tand, 2737, F8),
    F("cotd", F8, fn_float_cotd, 2738, F8),
    F("asind", F8, fn_float_asind, 2731, F8),
    F("acosd", F8, fn_float_acosd, 2732, F8),
    F("atand", F8, fn_float_atand, 2733, F8),
    F("atan2d", F8, fn_float_atan2d, 2734, F8, F8),
    F("sinh", F8, fn_float_sinh, 2462, F8),
    F("cosh", F8, fn_float_cosh, 2463, F8),
    F("tanh", F8, fn_float_tanh, 2464, F8),

    /* ---- strings (fn_str.c) ---- */
    F("length", I4, fn_textlen, 1317, TXT),
    F("length", I4, fn_bpcharlen, 1318, BPC),
    F("length", I4, fn_octetlen, 2010, BYT),
    F("char_length", I4, fn_textlen, 1381, TXT),
    F("char_length", I4, fn_bpcharlen, 1372, BPC),
    F("character_length", I4, fn_textlen, 1369, TXT),
    F("character_length", I4, fn_bpcharlen, 1367, BPC),
    F("octet_length", I4, fn_octetlen, 1374, TXT),
    F("octet_length", I4, fn_octetlen, 1375, BPC),
    F("octet_length", I4, fn_octetlen, 720, BYT),
    F("lower", TXT, fn_lower, 870, TXT),
    F("upper", TXT, fn_upper, 871, TXT),
    F("initcap", TXT, fn_initcap, 872, TXT),
    F("substr", TXT, fn_substr2, 883, TXT, I4),
    F("substr", TXT, fn_substr3, 877, TXT, I4, I4),
    F("substr", BYT, fn_bytea_substr2, 2086, BYT, I4),
    F("substr", BYT, fn_bytea_substr3, 2085, BYT, I4, I4),
    F("substring", TXT, fn_substr2, 937, TXT, I4),
    F("substring", TXT, fn_substr3, 936, TXT, I4, I4),
    F("substring", BYT, fn_bytea_substr2, 2013, BYT, I4),
    F("substring", BYT, fn_bytea_substr3, 2012, BYT, I4, I4),
    FI("substring", TXT, fn_regexp_substr_from, fn_re_init, 2073, TXT, TXT),
    F("strpos", I4, fn_strpos, 868, TXT, TXT),
    F("position", I4, fn_strpos, 849, TXT, TXT),
    F("starts_with", BOO, fn_starts_with, 3696, TXT, TXT),
    OP2("^@", TXT, TXT, BOO, fn_starts_with, 3696),
    F("replace", TXT, fn_replace, 2087, TXT, TXT, TXT),
    F("split_part", TXT, fn_split_part, 2088, TXT, TXT, I4),
    F("btrim", TXT, fn_btrim1, 885, TXT),
    F("btrim", TXT, fn_btrim2, 884, TXT, TXT),
    F("ltrim", TXT, fn_ltrim1, 881, TXT),
    F("ltrim", TXT, fn_ltrim2, 875, TXT, TXT),
    F("rtrim", TXT, fn_rtrim1, 882, TXT),
    F("rtrim", TXT, fn_rtrim2, 876, TXT, TXT),
    F("lpad", TXT, fn_lpad2, 879, TXT, I4),
    F("lpad", TXT, fn_lpad3, 873, TXT, I4, TXT),
    F("rpad", TXT, fn_rpad2, 880, TXT, I4),
    F("rpad", TXT, fn_rpad3, 874, TXT, I4, TXT),
    F("left", TXT, fn_left, 3060, TXT, I4),
    F("right", TXT, fn_right, 3061, TXT, I4),
    F("reverse", TXT, fn_reverse, 3062, TXT),
    F("repeat", TXT, fn_repeat, 1622, TXT, I4),
    F("translate", TXT, fn_translate, 878, TXT, TXT, TXT),
    F("overlay", TXT, fn_overlay3, 1405, TXT, TXT, I4),
    F("overlay", TXT, fn_overlay4, 1404, TXT, TXT, I4, I4),
    OP2("||", TXT, TXT, TXT, fn_textcat, 1258),
    FS("||", TXT, fn_anytextcat, 2004, ANY, TXT),
    FS("||", TXT, fn_textanycat, 2003, TXT, ANY),
    F("textcat", TXT, fn_textcat, 1258, TXT, TXT),
    FVA("concat", 0, STA, TXT, fn_concat, 3058, ANY),
    FVA("concat_ws", 0, STA, TXT, fn_concat_ws, 3059, TXT, ANY),
    FNS("format", TXT, fn_format, 3540, TXT),
    FVA("format", 0, STA, TXT, fn_format, 3539, TXT, ANY),
    F("md5", TXT, fn_md5, 2311, TXT),
    F("md5", TXT, fn_md5, 2321, BYT),
    F("to_hex", TXT, fn_to_hex32, 2089, I4),
    F("to_hex", TXT, fn_to_hex64, 2090, I8),
    F("chr", TXT, fn_chr, 1621, I4),
    F("ascii", I4, fn_ascii, 1620, TXT),
    F("quote_ident", TXT, fn_quote_ident, 1282, TXT),
    F("quote_literal", TXT, fn_quote_literal, 1283, TXT),
    FN("quote_nullable", TXT, fn_quote_nullable, 1289, TXT),
    FN("string_to_array", TXTA, fn_string_to_array, 394, TXT, TXT),
    FN("string_to_array", TXTA, fn_string_to_array, 376, TXT, TXT, TXT),

    /* ---- LIKE and regular expressions (fn_like.c) ---- */
    OP2I("~~", TXT, TXT, BOO, fn_like, fn_like_init, 850),
    OP2I("!~~", TXT, TXT, BOO, fn_notlike, fn_like_init, 851),
    OP2I("~~*", TXT, TXT, BOO, fn_ilike, fn_ilike_init, 1633),
    OP2I("!~~*", TXT, TXT, BOO, fn_notilike, fn_ilike_init, 1634),
    OP2I("~~", BPC, TXT, BOO, fn_like, fn_like_init, 1631),
    OP2I("!~~", BPC, TXT, BOO, fn_notlike, fn_like_init, 1632),
    OP2I("~~*", BPC, TXT, BOO, fn_ilike, fn_ilike_init, 1660),
    OP2I("!~~*", BPC, TXT, BOO, fn_notilike, fn_ilike_init, 1661),
    OP2I("~~", NAM, TXT, BOO, fn_like, fn_like_init, 858),
    OP2I("!~~", NAM, TXT, BOO, fn_notlike, fn_like_init, 859),
    OP2I("~~*", NAM, TXT, BOO, fn_ilike, fn_ilike_init, 1635),
    OP2I("!~~*", NAM, TXT, BOO, fn_notilike, fn_ilike_init, 1636),
    F("like_escape", TXT, fn_like_escape, 1637, TXT, TXT),
    OP2I("~", TXT, TXT, BOO, fn_re_match, fn_re_init, 1254),
    OP2I("!~", TXT, TXT, BOO, fn_re_nomatch, fn_re_init, 1256),
    OP2I("~*", TXT, TXT, BOO, fn_re_imatch, fn_re_init_ci, 1238),
    OP2I("!~*", TXT, TXT, BOO, fn_re_noimatch, fn_re_init_ci, 1239),
    OP2I("~", BPC, TXT, BOO, fn_re_match, fn_re_init, 1658),
    OP2I("!~", BPC, TXT, BOO, fn_re_nomatch, fn_re_init, 1659),
    OP2I("~*", BPC, TXT, BOO, fn_re_imatch, fn_re_init_ci, 1656),
    OP2I("!~*", BPC, TXT, BOO, fn_re_noimatch, fn_re_init_ci, 1657),
    OP2I("~", NAM, TXT, BOO, fn_re_match, fn_re_init, 79),
    OP2I("!~", NAM, TXT, BOO, fn_re_nomatch, fn_re_init, 1252),
    OP2I("~*", NAM, TXT, BOO, fn_re_imatch, fn_re_init_ci, 1240),
    OP2I("!~*", NAM, TXT, BOO, fn_re_noimatch, fn_re_init_ci, 1241),
    FI("regexp_replace", TXT, fn_regexp_replace, fn_re_init, 2284, TXT, TXT, TXT),
    FI("regexp_replace", TXT, fn_regexp_replace, fn_regexp_replace_init_flags3, 2285, TXT, TXT, TXT, TXT),
    FI("regexp_replace", TXT, fn_regexp_replace, fn_re_init, 6253, TXT, TXT, TXT, I4),
    FI("regexp_replace", TXT, fn_regexp_replace, fn_re_init, 6252, TXT, TXT, TXT, I4, I4),
    FI("regexp_replace", TXT, fn_regexp_replace, fn_regexp_replace_init_flags5, 6251, TXT, TXT, TXT, I4, I4, TXT),
    FI("regexp_match", TXTA, fn_regexp_match, fn_regexp_match_init, 3396, TXT, TXT),
    FI("regexp_match", TXTA, fn_regexp_match, fn_regexp_match_init, 3397, TXT, TXT, TXT),
    FI("regexp_like", BOO, fn_regexp_like, fn_regexp_like_init, 6263, TXT, TXT),
    FI("regexp_like", BOO, fn_regexp_like, fn_regexp_like_init, 6264, TXT, TXT, TXT),
    FI("regexp_count", I4, fn_regexp_count, fn_regexp_count_init, 6254, TXT, TXT),
    FI("regexp_count", I4, fn_regexp_count, fn_regexp_count_init, 6255, TXT, TXT, I4),
    FI("regexp_count", I4, fn_regexp_count, fn_regexp_count_init, 6256, TXT, TXT, I4, TXT),
    FI("regexp_substr", TXT, fn_regexp_substr, fn_regexp_substr_init, 6265, TXT, TXT),
    FI("regexp_substr", TXT, fn_regexp_substr, fn_regexp_substr_init, 6266, TXT, TXT, I4),
    FI("regexp_substr", TXT, fn_regexp_substr, fn_regexp_substr_init, 6267, TXT, TXT, I4, I4),
    FI("regexp_substr", TXT, fn_regexp_substr, fn_regexp_substr_init, 6268, TXT, TXT, I4, I4, TXT),
    FI("regexp_substr", TXT, fn_regexp_substr, fn_regexp_substr_init, 6269, TXT, TXT, I4, I4, TXT, I4),
    FI("regexp_split_to_array", TXTA, fn_regexp_split_to_array, fn_regexp_split_init, 2767, TXT, TXT),
    FI("regexp_split_to_array", TXTA, fn_regexp_split_to_array, fn_regexp_split_init, 2768, TXT, TXT, TXT),
};
/* clang-format on */

#define FN_TABLE_N (sizeof(fn_table) / sizeof(fn_table[0]))

static const SqlFnDef *fn_index[FN_TABLE_N];
static pthread_once_t fn_index_once = PTHREAD_ONCE_INIT;

static int fn_index_cmp(const void *a, const void *b)
{
    const SqlFnDef *x = *(const SqlFnDef *const *)a, *y = *(const SqlFnDef *const *)b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return (x > y) - (x < y); /* table order within a name: the sort is stable */
}

static void fn_index_build(void)
{
    for (size_t i = 0; i < FN_TABLE_N; i++)
        fn_index[i] = &fn_table[i];
    qsort(fn_index, FN_TABLE_N, sizeof(fn_index[0]), fn_index_cmp);
}

size_t sql_fn_lookup(const char *name, const SqlFnDef *const **defs)
{
    pthread_once(&fn_index_once, fn_index_build);
    /* first index whose name is >= name */
    size_t lo = 0, hi = FN_TABLE_N;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(fn_index[mid]->name, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < FN_TABLE_N && strcmp(fn_index[end]->name, name) == 0)
        end++;
    *defs = &fn_index[lo];
    return end - lo;
}

size_t sql_fn_all(const SqlFnDef *const **defs)
{
    pthread_once(&fn_index_once, fn_index_build);
    *defs = fn_index;
    return FN_TABLE_N;
}
