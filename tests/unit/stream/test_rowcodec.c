/*
 * test_rowcodec.c: unit tests of src/stream/rowcodec.c.
 *
 *   - round trips of edge values of every type, in KEY mode (canonical representative) and EXACT mode
 *     (the very value back: numeric scale, -0.0, interval fields);
 *   - order and equality against the engine's comparison (sql_value_cmp, what op_sort and op_agg use)
 *     on seeded random pairs of every type, under every flag combination;
 *   - order against the engine itself: random values of each type go through
 *     SELECT v FROM (VALUES ...) t(v) ORDER BY v [DESC] [NULLS FIRST|LAST], and the rows must come back
 *     in non-decreasing encoding order; GROUP BY v must make as many groups as there are distinct KEY
 *     encodings;
 *   - the batch encoder against the row encoder, rowcodec_key_len, strict decoding of bad bytes, and the
 *     hash's spread.
 */
/* cmocka.h needs these four before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/engine.h"
#include "sql/numeric.h"
#include "sql/typeio.h"
#include "stream/rowcodec.h"
#include "stream_test.h"

/* ------------------------------------------------------------------------------------------------
 * helpers
 * ---------------------------------------------------------------------------------------------- */

static uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

/* Encode one value with flags; returns the length, bytes in out (cap 4096). */
static size_t enc1(const SqlValue *v, SqlType t, uint32_t flags, RowCodecMode mode, uint8_t *out)
{
    RowCodecCol c = {t, flags};
    Buf b;
    buf_init(&b, 1 << 20);
    Err e;
    err_clear(&e);
    int rc = rowcodec_encode(&c, 1, v, mode, &b, &e);
    if (rc)
        fail_msg("encode: %s", e.msg);
    assert_true(b.len <= 4096);
    memcpy(out, b.p, b.len);
    size_t n = b.len;
    buf_fini(&b);
    return n;
}

/* The order the engine gives under flags (op_sort's rules). */
static int engine_cmp(const SqlValue *a, const SqlValue *b, uint32_t flags)
{
    if (a->is_null || b->is_null) {
        if (a->is_null && b->is_null)
            return 0;
        int nf = (flags & ROWCODEC_NULLS_FIRST) != 0;
        return a->is_null ? (nf ? -1 : 1) : (nf ? 1 : -1);
    }
    int c = sql_value_cmp(a, b);
    c = c < 0 ? -1 : c > 0;
    return (flags & ROWCODEC_DESC) ? -c : c;
}

/* Exact equality of two values (what EXACT decoding must give back). */
static int same_exact(const SqlValue *a, const SqlValue *b)
{
    if (a->is_null != b->is_null)
        return 0;
    if (a->is_null)
        return 1;
    switch (sql_type_phys(a->type.id)) {
    case SQL_PHYS_BOOL:
        return a->u.b == b->u.b;
    case SQL_PHYS_INT:
        return a->u.i == b->u.i;
    case SQL_PHYS_FLOAT:
        if (isnan(a->u.f))
            return isnan(b->u.f);
        return a->u.f == b->u.f && signbit(a->u.f) == signbit(b->u.f);
    case SQL_PHYS_NUMERIC:
        return a->u.num.kind == b->u.num.kind &&
               (a->u.num.kind || (a->u.num.v == b->u.num.v && a->u.num.scale == b->u.num.scale));
    case SQL_PHYS_INTERVAL:
        return a->u.iv.months == b->u.iv.months && a->u.iv.days == b->u.iv.days &&
               a->u.iv.usec == b->u.iv.usec;
    default:
        return a->u.s.n == b->u.s.n && (!a->u.s.n || memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0);
    }
}

static SqlValue vnull(SqlTypeId t)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    v.is_null = 1;
    return v;
}

static SqlValue vint(SqlTypeId t, int64_t i)
{
    SqlValue v = vnull(t);
    v.is_null = 0;
    v.u.i = i;
    return v;
}

static SqlValue vflt(SqlTypeId t, double d)
{
    SqlValue v = vnull(t);
    v.is_null = 0;
    v.u.f = d;
    return v;
}

static SqlValue vnum(const char *s)
{
    SqlValue v = vnull(SQL_NUMERIC);
    v.is_null = 0;
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_numeric_parse(s, strlen(s), &v.u.num, &e))
        fail_msg("numeric %s: %s", s, e.message);
    return v;
}

static SqlValue vstr(SqlTypeId t, const void *p, size_t n)
{
    SqlValue v = vnull(t);
    v.is_null = 0;
    v.u.s = (Slice){p, n};
    return v;
}

static SqlValue viv(int32_t months, int32_t days, int64_t usec)
{
    SqlValue v = vnull(SQL_INTERVAL);
    v.is_null = 0;
    v.u.iv = (SqlInterval){usec, days, months};
    return v;
}

/* ------------------------------------------------------------------------------------------------
 * random values per type (arena holds string bytes)
 * ---------------------------------------------------------------------------------------------- */

static const SqlTypeId ALL_TYPES[] = {SQL_BOOL,      SQL_INT2,        SQL_INT4,     SQL_INT8,
                                      SQL_FLOAT4,    SQL_FLOAT8,      SQL_NUMERIC,  SQL_TEXT,
                                      SQL_VARCHAR,   SQL_BYTEA,       SQL_DATE,     SQL_TIME,
                                      SQL_TIMESTAMP, SQL_TIMESTAMPTZ, SQL_INTERVAL, SQL_JSON,
                                      SQL_JSONB,     SQL_NAME,        SQL_OID,      SQL_ARRAY_OF(SQL_INT4)};
#define N_ALL_TYPES (sizeof(ALL_TYPES) / sizeof(ALL_TYPES[0]))

static double rnd_double(void)
{
    switch (rnd_below(6)) {
    case 0:
    case 5: {
        static const double sp[] = {0.0,  -0.0,   INFINITY, -INFINITY, NAN,  1.0,
                                    -1.0, 5e-324, -5e-324,  1.5,       -2.25};
        return sp[rnd_below(sizeof(sp) / sizeof(sp[0]))];
    }
    case 1:
        return (double)(int64_t)rnd_below(200) - 100;
    case 2: {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, 8);
        return d; /* any bit pattern, NaNs with payloads included */
    }
    default:
        return ((double)(int64_t)rnd() / 9.2e18) * pow(10, (double)rnd_below(40) - 20);
    }
}

static SqlNumeric rnd_numeric(void)
{
    SqlNumeric n;
    memset(&n, 0, sizeof(n));
    uint64_t k = rnd_below(12);
    if (k == 0) {
        n.kind = (int16_t)(1 + rnd_below(3));
        return n;
    }
    int digits = (int)rnd_below(39);
    if (k < 4)
        digits = (int)rnd_below(4);
    __int128 v = 0;
    for (int i = 0; i < digits; i++)
        v = v * 10 + (int)rnd_below(10);
    if (rnd_below(3) == 0) /* trailing zeros: several scales of one value */
        while (digits < 38 && rnd_below(2)) {
            v *= 10;
            digits++;
        }
    n.v = rnd_below(2) ? -v : v;
    n.scale = (int16_t)rnd_below(39);
    if (k < 4)
        n.scale = (int16_t)rnd_below(4);
    return n;
}

static Slice rnd_bytes(Arena *a, int printable)
{
    size_t len = rnd_below(5) == 0 ? 0 : rnd_below(12);
    uint8_t *p = arena_alloc(a, len + 1);
    for (size_t i = 0; i < len; i++) {
        if (printable)
            p[i] = (uint8_t)("abcAB z_0'\"\\"[rnd_below(12)]);
        else
            p[i] = (uint8_t)(rnd_below(4) == 0 ? (rnd_below(2) ? 0x00 : 0xff) : rnd_below(256));
    }
    return (Slice){p, len};
}

/* A random value of type t; printable: only what a SQL literal can carry (no NUL in text). */
static SqlValue rnd_value(SqlTypeId t, Arena *a, int printable)
{
    SqlValue v = vnull(t);
    if (rnd_below(10) == 0)
        return v;
    v.is_null = 0;
    switch (t) {
    case SQL_BOOL:
        v.u.b = (uint8_t)rnd_below(2);
        break;
    case SQL_INT2:
        v.u.i = rnd_below(10) ? (int16_t)rnd() : (rnd_below(2) ? INT16_MIN : INT16_MAX);
        break;
    case SQL_INT4:
        v.u.i = rnd_below(10) ? (int32_t)rnd() : (rnd_below(2) ? INT32_MIN : INT32_MAX);
        break;
    case SQL_INT8:
        v.u.i = rnd_below(10) ? (int64_t)rnd() >> rnd_below(64) : (rnd_below(2) ? INT64_MIN : INT64_MAX);
        break;
    case SQL_OID:
        v.u.i = (int64_t)(uint32_t)rnd();
        break;
    case SQL_FLOAT4:
        v.u.f = (float)rnd_double();
        break;
    case SQL_FLOAT8:
        v.u.f = rnd_double();
        break;
    case SQL_NUMERIC:
        v.u.num = rnd_numeric();
        break;
    case SQL_DATE:
        v.u.i =
            rnd_below(20) ? (int64_t)rnd_below(4000000) - 2000000 : (rnd_below(2) ? INT64_MIN : INT64_MAX);
        break;
    case SQL_TIME:
        v.u.i = (int64_t)rnd_below(SQL_USEC_PER_DAY + 1);
        break;
    case SQL_TIMESTAMP:
    case SQL_TIMESTAMPTZ:
        v.u.i = rnd_below(20)
                    ? ((int64_t)rnd_below(UINT64_C(200000000000000000)) - INT64_C(100000000000000000))
                    : (rnd_below(2) ? INT64_MIN : INT64_MAX);
        if (rnd_below(3) == 0 && v.u.i != INT64_MIN && v.u.i != INT64_MAX)
            v.u.i -= v.u.i % SQL_USEC_PER_SEC;
        break;
    case SQL_INTERVAL:
        if (rnd_below(3) == 0) { /* equal spans written differently */
            int64_t m = (int64_t)rnd_below(5) - 2;
            v.u.iv = (SqlInterval){(int64_t)rnd_below(3) * SQL_USEC_PER_DAY, (int32_t)(m * 30),
                                   (int32_t)(rnd_below(3))};
        } else {
            v.u.iv = (SqlInterval){(int64_t)(rnd() >> 20) * (rnd_below(2) ? 1 : -1),
                                   (int32_t)rnd_below(2000) - 1000, (int32_t)rnd_below(20000) - 10000};
        }
        break;
    case SQL_JSON:
    case SQL_JSONB: {
        char *buf = arena_alloc(a, 64);
        int n;
        switch (rnd_below(4)) {
        case 0:
            n = snprintf(buf, 64, "%d", (int)rnd_below(1000) - 500);
            break;
        case 1:
            n = snprintf(buf, 64, "\"s%d\"", (int)rnd_below(50));
            break;
        case 2:
            n = snprintf(buf, 64, "{\"a\": %d}", (int)rnd_below(20));
            break;
        default:
            n = snprintf(buf, 64, "[%d, \"x\"]", (int)rnd_below(20));
            break;
        }
        v.u.s = (Slice){(const uint8_t *)buf, (size_t)n};
        break;
    }
    default:
        if (SQL_IS_ARRAY(t)) {
            char *buf = arena_alloc(a, 64);
            int n = snprintf(buf, 64, "{%d,%d}", (int)rnd_below(30) - 10, (int)rnd_below(30));
            v.u.s = (Slice){(const uint8_t *)buf, (size_t)n};
        } else {
            /* SQL literals cannot carry NUL in text; bytea literals are hex and can carry anything */
            v.u.s = rnd_bytes(a, printable && t != SQL_BYTEA);
        }
        break;
    }
    return v;
}

/* ------------------------------------------------------------------------------------------------
 * round trips
 * ---------------------------------------------------------------------------------------------- */

static void check_roundtrip(const SqlValue *v, uint32_t flags)
{
    uint8_t kb[4096], xb[4096], rb[4096];
    size_t kn = enc1(v, v->type, flags, ROWCODEC_KEY, kb);
    size_t xn = enc1(v, v->type, flags, ROWCODEC_EXACT, xb);
    /* KEY is a prefix of EXACT */
    assert_true(kn <= xn);
    assert_memory_equal(kb, xb, kn);
    RowCodecCol c = {v->type, flags};
    size_t kl = 0;
    Err e;
    err_clear(&e);
    assert_int_equal(rowcodec_key_len(&c, 1, xb, xn, &kl, &e), WEIR_OK);
    assert_int_equal(kl, kn);

    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlValue d;
    if (rowcodec_decode(&c, 1, xb, xn, a, &d, &e))
        fail_msg("decode exact: %s", e.msg);
    assert_true(same_exact(v, &d));
    assert_int_equal(d.type.id, v->type.id);
    /* KEY: a canonical value equal to the original, which encodes to the same bytes */
    if (rowcodec_decode(&c, 1, kb, kn, a, &d, &e))
        fail_msg("decode key: %s", e.msg);
    assert_int_equal(engine_cmp(v, &d, 0), 0);
    size_t rn = enc1(&d, v->type, flags, ROWCODEC_KEY, rb);
    assert_int_equal(rn, kn);
    assert_memory_equal(rb, kb, kn);
    arena_destroy(&a);
}

static void test_roundtrip_edges(void **state)
{
    UNUSED(state);
    static const uint8_t zeros[] = {0, 0, 1, 0, 0xff, 0};
    SqlValue vals[] = {
        vnull(SQL_INT8),
        vint(SQL_BOOL, 0),
        vint(SQL_BOOL, 1),
        vint(SQL_INT2, INT16_MIN),
        vint(SQL_INT2, -1),
        vint(SQL_INT2, INT16_MAX),
        vint(SQL_INT4, INT32_MIN),
        vint(SQL_INT4, 0),
        vint(SQL_INT4, INT32_MAX),
        vint(SQL_INT8, INT64_MIN),
        vint(SQL_INT8, INT64_MAX),
        vint(SQL_DATE, INT64_MIN),
        vint(SQL_TIMESTAMPTZ, INT64_MAX),
        vint(SQL_TIME, SQL_USEC_PER_DAY),
        vflt(SQL_FLOAT8, 0.0),
        vflt(SQL_FLOAT8, -0.0),
        vflt(SQL_FLOAT8, NAN),
        vflt(SQL_FLOAT8, INFINITY),
        vflt(SQL_FLOAT8, -INFINITY),
        vflt(SQL_FLOAT8, 5e-324),
        vflt(SQL_FLOAT8, -1.7976931348623157e308),
        vflt(SQL_FLOAT4, -0.0),
        vflt(SQL_FLOAT4, 3.4028234663852886e38),
        vnum("0"),
        vnum("0.000"),
        vnum("1"),
        vnum("1.00"),
        vnum("-1.50"),
        vnum("100"),
        vnum("12345678901234567890123456789012345678"),
        vnum("-99999999999999999999999999999999999999"),
        vnum("0.00000000000000000000000000000000000001"),
        vnum("-0.10000000000000000000000000000000000000"),
        vnum("123.4560"),
        vnum("NaN"),
        vnum("Infinity"),
        vnum("-Infinity"),
        vstr(SQL_TEXT, "", 0),
        vstr(SQL_TEXT, "abc", 3),
        vstr(SQL_BYTEA, zeros, sizeof(zeros)),
        vstr(SQL_BYTEA, "\xff\xff", 2),
        vstr(SQL_JSONB, "{\"a\": 1}", 8),
        vstr(SQL_ARRAY_OF(SQL_TEXT), "{a,b}", 5),
        viv(0, 0, 0),
        viv(1, 0, 0),
        viv(0, 30, 0),
        viv(0, 0, 30 * SQL_USEC_PER_DAY),
        viv(-1, 30, 5),
        viv(INT32_MAX, INT32_MAX, INT64_MAX),
        viv(INT32_MIN, INT32_MIN, INT64_MIN),
        viv(INT32_MAX, INT32_MIN, INT64_MIN),
    };
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        for (uint32_t f = 0; f < 4; f++)
            check_roundtrip(&vals[i], f);
}

static void test_roundtrip_random(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    for (size_t t = 0; t < N_ALL_TYPES; t++)
        for (int i = 0; i < 400; i++) {
            SqlValue v = rnd_value(ALL_TYPES[t], a, 0);
            check_roundtrip(&v, (uint32_t)rnd_below(4));
        }
    arena_destroy(&a);
}

/* The canonical (KEY) decoding of values that group together. */
static void test_key_canonical(void **state)
{
    UNUSED(state);
    uint8_t a[64], b[64];
    Arena *ar = arena_create(NULL, ARENA_UNLIMITED);
    Err e;
    err_clear(&e);
    RowCodecCol cn = {SQL_TYPE(SQL_NUMERIC), 0};
    SqlValue x = vnum("1.500"), y = vnum("1.5"), d;
    size_t na = enc1(&x, x.type, 0, ROWCODEC_KEY, a), nb = enc1(&y, y.type, 0, ROWCODEC_KEY, b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal(rowcodec_decode(&cn, 1, a, na, ar, &d, &e), WEIR_OK);
    assert_true(d.u.num.v == 15 && d.u.num.scale == 1);
    na = enc1(&x, x.type, 0, ROWCODEC_EXACT, a);
    assert_int_equal(rowcodec_decode(&cn, 1, a, na, ar, &d, &e), WEIR_OK);
    assert_true(d.u.num.v == 1500 && d.u.num.scale == 3);

    /* '1 mon 1 day' groups with '31 days'; KEY decodes to whole months first */
    RowCodecCol ci = {SQL_TYPE(SQL_INTERVAL), 0};
    SqlValue i1 = viv(0, 31, 0), i2 = viv(1, 1, 0);
    na = enc1(&i1, i1.type, 0, ROWCODEC_KEY, a);
    nb = enc1(&i2, i2.type, 0, ROWCODEC_KEY, b);
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    assert_int_equal(rowcodec_decode(&ci, 1, a, na, ar, &d, &e), WEIR_OK);
    assert_true(d.u.iv.months == 1 && d.u.iv.days == 1 && d.u.iv.usec == 0);

    /* -0.0 groups with 0.0 and decodes to +0.0 from KEY, -0.0 from EXACT */
    RowCodecCol cf = {SQL_TYPE(SQL_FLOAT8), 0};
    SqlValue z1 = vflt(SQL_FLOAT8, -0.0), z2 = vflt(SQL_FLOAT8, 0.0);
    na = enc1(&z1, z1.type, 0, ROWCODEC_KEY, a);
    nb = enc1(&z2, z2.type, 0, ROWCODEC_KEY, b);
    assert_memory_equal(a, b, na);
    assert_int_equal(rowcodec_decode(&cf, 1, a, na, ar, &d, &e), WEIR_OK);
    assert_false(signbit(d.u.f));
    na = enc1(&z1, z1.type, 0, ROWCODEC_EXACT, a);
    assert_int_equal(rowcodec_decode(&cf, 1, a, na, ar, &d, &e), WEIR_OK);
    assert_true(d.u.f == 0 && signbit(d.u.f));
    arena_destroy(&ar);
}

/* ------------------------------------------------------------------------------------------------
 * order against sql_value_cmp
 * ---------------------------------------------------------------------------------------------- */

static void test_order_pairs(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    uint8_t ea[4096], eb[4096];
    for (size_t t = 0; t < N_ALL_TYPES; t++) {
        SqlTypeId ty = ALL_TYPES[t];
        SqlValue pool[64];
        for (int i = 0; i < 64; i++)
            pool[i] = rnd_value(ty, a, 0);
        for (int i = 0; i < 64; i++)
            for (int j = 0; j < 64; j++)
                for (uint32_t f = 0; f < 4; f++) {
                    int want = engine_cmp(&pool[i], &pool[j], f);
                    size_t na = enc1(&pool[i], SQL_TYPE(ty), f, ROWCODEC_KEY, ea);
                    size_t nb = enc1(&pool[j], SQL_TYPE(ty), f, ROWCODEC_KEY, eb);
                    int got = bytes_cmp(ea, na, eb, nb);
                    if (got != want)
                        fail_msg("type %d flags %u: pair %d,%d: encoding order %d, engine %d", (int)ty, f, i,
                                 j, got, want);
                    /* EXACT keeps the order of unequal values */
                    if (want) {
                        na = enc1(&pool[i], SQL_TYPE(ty), f, ROWCODEC_EXACT, ea);
                        nb = enc1(&pool[j], SQL_TYPE(ty), f, ROWCODEC_EXACT, eb);
                        assert_int_equal(bytes_cmp(ea, na, eb, nb), want);
                    }
                }
    }
    arena_destroy(&a);
}

/* Tuples: the first differing column decides, whatever follows. */
static void test_order_tuples(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    RowCodecCol cols[3] = {{SQL_TYPE(SQL_TEXT), 0},
                           {SQL_TYPE(SQL_NUMERIC), ROWCODEC_DESC | ROWCODEC_NULLS_FIRST},
                           {SQL_TYPE(SQL_INT8), ROWCODEC_NULLS_FIRST}};
    SqlValue rows[200][3];
    for (int i = 0; i < 200; i++) {
        rows[i][0] = rnd_value(SQL_TEXT, a, 0);
        if (rows[i][0].u.s.n > 2)
            rows[i][0].u.s.n = 2; /* many ties on the first column */
        rows[i][1] = rnd_value(SQL_NUMERIC, a, 0);
        rows[i][2] = rnd_value(SQL_INT8, a, 0);
    }
    Buf x, y;
    buf_init(&x, 1 << 20);
    buf_init(&y, 1 << 20);
    Err e;
    err_clear(&e);
    for (int i = 0; i < 200; i++)
        for (int j = 0; j < 200; j++) {
            int want = 0;
            for (int c = 0; c < 3 && !want; c++)
                want = engine_cmp(&rows[i][c], &rows[j][c], cols[c].flags);
            for (int m = 0; m < 2; m++) {
                buf_reset(&x);
                buf_reset(&y);
                assert_int_equal(rowcodec_encode(cols, 3, rows[i], (RowCodecMode)m, &x, &e), WEIR_OK);
                assert_int_equal(rowcodec_encode(cols, 3, rows[j], (RowCodecMode)m, &y, &e), WEIR_OK);
                int got = bytes_cmp(x.p, x.len, y.p, y.len);
                if (m == ROWCODEC_KEY || want)
                    assert_int_equal(got, want);
            }
        }
    buf_fini(&x);
    buf_fini(&y);
    arena_destroy(&a);
}

/* ------------------------------------------------------------------------------------------------
 * order against the engine's ORDER BY and GROUP BY
 * ---------------------------------------------------------------------------------------------- */

typedef struct Collect {
    RowCodecCol col;
    Buf prev;
    int have_prev;
    uint32_t n_rows;
    int bad;  /* first out-of-order row + 1 */
    Buf keys; /* every row's KEY encoding, length-prefixed (for distinct counts) */
} Collect;

static int collect_fn(void *arg, const Batch *b)
{
    Collect *c = arg;
    Buf cur;
    buf_init(&cur, 1 << 20);
    Err e;
    err_clear(&e);
    for (uint32_t r = 0; r < b->n; r++) {
        SqlValue v;
        vec_get(&b->cols[0], r, &v);
        buf_reset(&cur);
        if (rowcodec_encode(&c->col, 1, &v, ROWCODEC_KEY, &cur, &e))
            fail_msg("encode engine row: %s", e.msg);
        if (c->have_prev && bytes_cmp(c->prev.p, c->prev.len, cur.p, cur.len) > 0 && !c->bad)
            c->bad = (int)c->n_rows + 1;
        buf_reset(&c->prev);
        assert_int_equal(buf_append(&c->prev, cur.p, cur.len), 0);
        c->have_prev = 1;
        uint32_t n = (uint32_t)cur.len;
        assert_int_equal(buf_append(&c->keys, &n, 4), 0);
        assert_int_equal(buf_append(&c->keys, cur.p, cur.len), 0);
        c->n_rows++;
    }
    buf_fini(&cur);
    return 0;
}

static void run_query(SqlSession *s, const char *q, Collect *c)
{
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    int done = 0;
    if (sql_prepare(s, q, 0, strlen(q), NULL, 0, &st, &err) || sql_bind(st, NULL, 0, &p, &err) ||
        sql_portal_fetch(p, 0, collect_fn, c, &done, &err))
        fail_msg("query failed: %s %s\n%.300s", err.sqlstate, err.message, q);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
}

static int cmp_slices(const void *x, const void *y)
{
    const Slice *a = x, *b = y;
    return bytes_cmp(a->p, a->n, b->p, b->n);
}

static size_t distinct_keys(const Buf *keys)
{
    size_t n = 0, off = 0;
    while (off < keys->len) {
        uint32_t l;
        memcpy(&l, keys->p + off, 4);
        off += 4 + l;
        n++;
    }
    Slice *s = calloc(n ? n : 1, sizeof(*s));
    off = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        memcpy(&l, keys->p + off, 4);
        s[i] = (Slice){keys->p + off + 4, l};
        off += 4 + l;
    }
    qsort(s, n, sizeof(*s), cmp_slices);
    size_t d = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        d += cmp_slices(&s[i - 1], &s[i]) != 0;
    free(s);
    return d;
}

/* SQL literal of v as type name tn into q. */
static void append_literal(Buf *q, const SqlValue *v, const char *tn)
{
    if (v->is_null) {
        assert_int_equal(buf_printf(q, "(NULL::%s)", tn), 0);
        return;
    }
    SqlFormatOpts o;
    sql_format_opts_default(&o);
    o.extra_float_digits = 3; /* exact round trip of every float */
    Buf t;
    buf_init(&t, 1 << 20);
    assert_int_equal(sql_value_to_text(v, &o, &t), 0);
    assert_int_equal(buf_append_cstr(q, "('"), 0);
    for (size_t i = 0; i < t.len; i++) {
        if (t.p[i] == '\'')
            assert_int_equal(buf_append_byte(q, '\''), 0);
        assert_int_equal(buf_append_byte(q, t.p[i]), 0);
    }
    assert_int_equal(buf_printf(q, "'::%s)", tn), 0);
    buf_fini(&t);
}

static void test_engine_order_by(void **state)
{
    UNUSED(state);
    SqlEngineConfig cfg = {0};
    SqlEngine *eng = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(sql_engine_create(&cfg, &eng, &e), 0);
    SqlSession *s = sql_session_create(eng, "u", "d");
    assert_non_null(s);
    SqlError se;
    memset(&se, 0, sizeof(se));
    assert_int_equal(sql_session_set(s, "TimeZone", "UTC", &se), 0);

    static const struct {
        SqlTypeId t;
        const char *name;
    } types[] = {
        {SQL_BOOL, "boolean"},        {SQL_INT2, "smallint"},
        {SQL_INT4, "integer"},        {SQL_INT8, "bigint"},
        {SQL_FLOAT4, "real"},         {SQL_FLOAT8, "double precision"},
        {SQL_NUMERIC, "numeric"},     {SQL_TEXT, "text"},
        {SQL_VARCHAR, "varchar"},     {SQL_BYTEA, "bytea"},
        {SQL_DATE, "date"},           {SQL_TIME, "time"},
        {SQL_TIMESTAMP, "timestamp"}, {SQL_TIMESTAMPTZ, "timestamptz"},
        {SQL_INTERVAL, "interval"},   {SQL_JSON, "json"},
        {SQL_JSONB, "jsonb"},         {SQL_ARRAY_OF(SQL_INT4), "integer[]"},
    };
    static const struct {
        const char *clause;
        uint32_t flags;
    } orders[] = {
        {"", 0},
        {" DESC", ROWCODEC_DESC | ROWCODEC_NULLS_FIRST},
        {" NULLS FIRST", ROWCODEC_NULLS_FIRST},
        {" DESC NULLS LAST", ROWCODEC_DESC},
    };
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    enum { N = 150 };
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
        SqlValue vals[N];
        for (int i = 0; i < N; i++) {
            vals[i] = rnd_value(types[t].t, a, 1);
            if (i > 10 && rnd_below(5) == 0)
                vals[i] = vals[rnd_below((uint64_t)i)]; /* duplicates */
        }
        /* the date/time generators may leave PostgreSQL's range; keep what the engine accepts */
        Buf values;
        buf_init(&values, 1 << 24);
        for (int i = 0; i < N; i++) {
            if (i)
                assert_int_equal(buf_append_cstr(&values, ", "), 0);
            append_literal(&values, &vals[i], types[t].name);
        }
        for (size_t o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
            Buf q;
            buf_init(&q, 1 << 24);
            assert_int_equal(buf_printf(&q, "SELECT v FROM (VALUES %s) AS t(v) ORDER BY v%s",
                                        (const char *)values.p, orders[o].clause),
                             0);
            Collect c;
            memset(&c, 0, sizeof(c));
            c.col = (RowCodecCol){SQL_TYPE(types[t].t), orders[o].flags};
            buf_init(&c.prev, 1 << 20);
            buf_init(&c.keys, 1 << 24);
            run_query(s, (const char *)q.p, &c);
            assert_int_equal(c.n_rows, N);
            if (c.bad)
                fail_msg("%s ORDER BY v%s: row %d sorts before its predecessor in encoding order",
                         types[t].name, orders[o].clause, c.bad - 1);
            if (o == 0) {
                /* GROUP BY makes one group per distinct KEY encoding */
                size_t want = distinct_keys(&c.keys);
                Collect g;
                memset(&g, 0, sizeof(g));
                g.col = c.col;
                buf_init(&g.prev, 1 << 20);
                buf_init(&g.keys, 1 << 24);
                buf_reset(&q);
                assert_int_equal(
                    buf_printf(&q, "SELECT v FROM (VALUES %s) AS t(v) GROUP BY v", (const char *)values.p),
                    0);
                run_query(s, (const char *)q.p, &g);
                if (g.n_rows != want)
                    fail_msg("%s: GROUP BY gives %u groups, %zu distinct encodings", types[t].name, g.n_rows,
                             want);
                assert_int_equal(distinct_keys(&g.keys), want);
                buf_fini(&g.prev);
                buf_fini(&g.keys);
            }
            buf_fini(&c.prev);
            buf_fini(&c.keys);
            buf_fini(&q);
        }
        buf_fini(&values);
    }
    arena_destroy(&a);
    sql_session_destroy(&s);
    sql_engine_destroy(&eng);
}

/* ------------------------------------------------------------------------------------------------
 * batch encoder, key_len, bad input, hash
 * ---------------------------------------------------------------------------------------------- */

static void test_batch_matches_rows(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlType types[N_ALL_TYPES];
    for (size_t t = 0; t < N_ALL_TYPES; t++)
        types[t] = SQL_TYPE(ALL_TYPES[t]);
    Batch *b = batch_create(a, types, (uint32_t)N_ALL_TYPES);
    assert_non_null(b);
    b->n = 777;
    for (uint32_t r = 0; r < b->n; r++)
        for (size_t t = 0; t < N_ALL_TYPES; t++) {
            SqlValue v = rnd_value(ALL_TYPES[t], a, 0);
            if (v.is_null)
                assert_int_equal(vec_set_null(&b->cols[t], r, a), 0);
            else
                assert_int_equal(vec_put(&b->cols[t], r, &v, a), 0);
        }
    /* a column subset in a different order, with mixed flags; an int8 column without NULLs too */
    for (uint32_t r = 0; r < b->n; r++)
        b->cols[3].u.i[r] = (int64_t)rnd();
    b->cols[3].nulls = NULL;
    uint32_t idx[] = {6, 3, 7, 14, 4, 0, 9, 19, 10};
    uint32_t nc = sizeof(idx) / sizeof(idx[0]);
    RowCodecCol cols[9];
    for (uint32_t c = 0; c < nc; c++)
        cols[c] = (RowCodecCol){types[idx[c]], (uint32_t)rnd_below(4)};
    Err e;
    err_clear(&e);
    for (int m = 0; m < 2; m++) {
        Slice *out = ARENA_NEW(a, Slice, VEC_BATCH);
        assert_int_equal(rowcodec_encode_batch(cols, idx, nc, b, (RowCodecMode)m, a, out, &e), WEIR_OK);
        Buf one;
        buf_init(&one, 1 << 20);
        SqlValue row[9];
        for (uint32_t r = 0; r < b->n; r++) {
            for (uint32_t c = 0; c < nc; c++)
                vec_get(&b->cols[idx[c]], r, &row[c]);
            buf_reset(&one);
            assert_int_equal(rowcodec_encode(cols, nc, row, (RowCodecMode)m, &one, &e), WEIR_OK);
            assert_int_equal(out[r].n, one.len);
            assert_memory_equal(out[r].p, one.p, one.len);
        }
        buf_fini(&one);
    }
    /* wrong column index, type mismatch */
    uint32_t bad_idx[] = {99};
    Slice out1[VEC_BATCH];
    assert_int_equal(rowcodec_encode_batch(cols, bad_idx, 1, b, ROWCODEC_KEY, a, out1, &e), WEIR_EINVAL);
    err_clear(&e);
    RowCodecCol wrong = {SQL_TYPE(SQL_TEXT), 0};
    uint32_t i3 = 3;
    assert_int_equal(rowcodec_encode_batch(&wrong, &i3, 1, b, ROWCODEC_KEY, a, out1, &e), WEIR_EINVAL);
    /* over the arena's budget */
    Arena *tiny = arena_create(NULL, 4096);
    err_clear(&e);
    assert_int_equal(rowcodec_encode_batch(cols, idx, nc, b, ROWCODEC_KEY, tiny, out1, &e), WEIR_ENOMEM);
    arena_destroy(&tiny);
    arena_destroy(&a);
}

static void test_bad_input(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    Err e;
    SqlValue d[2];
    RowCodecCol ci = {SQL_TYPE(SQL_INT4), 0}, cs = {SQL_TYPE(SQL_TEXT), 0}, cn = {SQL_TYPE(SQL_NUMERIC), 0},
                cf = {SQL_TYPE(SQL_FLOAT8), 0}, cb = {SQL_TYPE(SQL_BOOL), 0},
                cv = {SQL_TYPE(SQL_INTERVAL), 0};
    const struct {
        RowCodecCol *c;
        const char *bytes;
        size_t n;
    } bad[] = {
        {&ci, "", 0},                         /* truncated */
        {&ci, "\x02\x80\x00", 3},             /* short int */
        {&ci, "\x04", 1},                     /* bad tag */
        {&ci, "\x01", 1},                     /* NULLS FIRST tag on a NULLS LAST column */
        {&ci, "\x02\x80\x00\x00\x01\x00", 6}, /* trailing byte */
        {&cb, "\x02\x02", 2},                 /* bool 2 */
        {&cs,
         "\x02"
         "ab",
         3}, /* unterminated */
        {&cs,
         "\x02"
         "a\x00\x05",
         4},                                                   /* bad escape */
        {&cn, "\x02\x07", 2},                                  /* numeric class */
        {&cn, "\x02\x04\x41\x02\x00", 5},                      /* leading zero digit pair 01 */
        {&cn, "\x02\x04\x41\x0b\x01\x00", 6},                  /* trailing pair 00 */
        {&cn, "\x02\x04\x70\x0b\x00", 5},                      /* exponent out of range */
        {&cn, "\x02\x04\x41\x0b\x00\x27", 6},                  /* scale 39 in the suffix */
        {&cn, "\x02\x04\x41\x0c\x00\x00", 6},                  /* scale below the digits' (1.1 at scale 0) */
        {&cf, "\x02\xff\xf8\x00\x00\x00\x00\x00\x01", 9},      /* NaN with payload */
        {&cf, "\x02\x7f\xff\xff\xff\xff\xff\xff\xff", 9},      /* -0.0 in KEY bytes */
        {&cf, "\x02\x80\x00\x00\x00\x00\x00\x00\x00\x02", 10}, /* bad sign byte in suffix */
        {&cv, "\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
         17}, /* span no interval has */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err_clear(&e);
        int rc = rowcodec_decode(bad[i].c, 1, (const uint8_t *)bad[i].bytes, bad[i].n, a, d, &e);
        if (rc != WEIR_ECORRUPT)
            fail_msg("case %zu: rc %d, want ECORRUPT", i, rc);
        assert_non_null(strstr(e.msg, "rowcodec"));
    }
    /* unsupported type, out of range int2, mismatched physical form */
    RowCodecCol crec = {SQL_TYPE(SQL_RECORD), 0}, c2 = {SQL_TYPE(SQL_INT2), 0};
    Buf b;
    buf_init(&b, 1 << 10);
    SqlValue v = vint(SQL_INT4, 40000);
    err_clear(&e);
    assert_int_equal(rowcodec_encode(&crec, 1, &v, ROWCODEC_KEY, &b, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(rowcodec_encode(&c2, 1, &v, ROWCODEC_KEY, &b, &e), WEIR_EINVAL);
    SqlValue s = vstr(SQL_TEXT, "x", 1);
    err_clear(&e);
    assert_int_equal(rowcodec_encode(&ci, 1, &s, ROWCODEC_KEY, &b, &e), WEIR_EINVAL);
    SqlValue big = vnull(SQL_NUMERIC);
    big.is_null = 0;
    big.u.num.v = (__int128)UINT64_C(10000000000000000000) * (__int128)UINT64_C(10000000000000000000);
    err_clear(&e);
    assert_int_equal(rowcodec_encode(&cn, 1, &big, ROWCODEC_KEY, &b, &e), WEIR_EINVAL);
    /* the buffer's maximum */
    Buf small;
    buf_init(&small, 4);
    SqlValue longs = vstr(SQL_TEXT, "0123456789", 10);
    err_clear(&e);
    assert_int_equal(rowcodec_encode(&cs, 1, &longs, ROWCODEC_KEY, &small, &e), WEIR_ELIMIT);
    buf_fini(&small);
    buf_fini(&b);
    /* over the arena budget while copying a string */
    Arena *tiny = arena_create(NULL, 1024);
    uint8_t enc[8192];
    uint8_t *src = malloc(4000);
    memset(src, 'x', 4000);
    SqlValue lv = vstr(SQL_TEXT, src, 4000);
    size_t n = enc1(&lv, lv.type, 0, ROWCODEC_KEY, enc);
    err_clear(&e);
    assert_int_equal(rowcodec_decode(&cs, 1, enc, n, tiny, d, &e), WEIR_ENOMEM);
    free(src);
    arena_destroy(&tiny);
    arena_destroy(&a);
}

static void test_key_len_tuple(void **state)
{
    UNUSED(state);
    RowCodecCol cols[3] = {
        {SQL_TYPE(SQL_NUMERIC), 0}, {SQL_TYPE(SQL_TEXT), ROWCODEC_DESC}, {SQL_TYPE(SQL_INTERVAL), 0}};
    SqlValue vals[3] = {vnum("2.50"), vstr(SQL_TEXT, "a\0b", 3), viv(1, 2, 3)};
    Buf k, x;
    buf_init(&k, 1 << 10);
    buf_init(&x, 1 << 10);
    Err e;
    err_clear(&e);
    assert_int_equal(rowcodec_encode(cols, 3, vals, ROWCODEC_KEY, &k, &e), WEIR_OK);
    assert_int_equal(rowcodec_encode(cols, 3, vals, ROWCODEC_EXACT, &x, &e), WEIR_OK);
    assert_int_equal(x.len, k.len + 1 + 8); /* numeric scale, interval fields */
    size_t kl;
    assert_int_equal(rowcodec_key_len(cols, 3, x.p, x.len, &kl, &e), WEIR_OK);
    assert_int_equal(kl, k.len);
    /* every proper prefix of the key part fails to walk */
    for (size_t i = 0; i < k.len; i++) {
        err_clear(&e);
        assert_int_equal(rowcodec_key_len(cols, 3, k.p, i, &kl, &e), WEIR_ECORRUPT);
    }
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlValue d[3];
    assert_int_equal(rowcodec_decode(cols, 3, x.p, x.len, a, d, &e), WEIR_OK);
    for (int i = 0; i < 3; i++)
        assert_true(same_exact(&vals[i], &d[i]));
    /* a truncated suffix is corrupt */
    err_clear(&e);
    assert_int_equal(rowcodec_decode(cols, 3, x.p, x.len - 1, a, d, &e), WEIR_ECORRUPT);
    arena_destroy(&a);
    buf_fini(&k);
    buf_fini(&x);
}

static void test_hash(void **state)
{
    UNUSED(state);
    /* equal bytes, equal hash; every length 0..64 differs from its neighbours; sequential integer keys
     * spread evenly over 1024 buckets (chi-square well under the 0.1% critical value, ~1150) */
    uint8_t buf[64] = {0};
    assert_int_equal(rowcodec_hash(buf, 10), rowcodec_hash(buf, 10));
    for (size_t n = 1; n < 64; n++)
        assert_true(rowcodec_hash(buf, n) != rowcodec_hash(buf, n - 1));
    enum { KEYS = 1 << 20, BUCKETS = 1024 };
    uint32_t *cnt = calloc(BUCKETS, sizeof(*cnt)), *hi = calloc(BUCKETS, sizeof(*hi));
    RowCodecCol c = {SQL_TYPE(SQL_INT8), 0};
    Buf b;
    buf_init(&b, 64);
    Err e;
    err_clear(&e);
    for (int64_t i = 0; i < KEYS; i++) {
        SqlValue v = vint(SQL_INT8, i);
        buf_reset(&b);
        assert_int_equal(rowcodec_encode(&c, 1, &v, ROWCODEC_KEY, &b, &e), WEIR_OK);
        uint64_t h = rowcodec_hash(b.p, b.len);
        cnt[h & (BUCKETS - 1)]++;
        hi[h >> 54]++;
    }
    double exp = (double)KEYS / BUCKETS, chi = 0, chi_hi = 0;
    for (int i = 0; i < BUCKETS; i++) {
        chi += (cnt[i] - exp) * (cnt[i] - exp) / exp;
        chi_hi += (hi[i] - exp) * (hi[i] - exp) / exp;
    }
    assert_true(chi < 1150);
    assert_true(chi_hi < 1150);
    /* one flipped bit changes about half of the output bits */
    uint8_t k1[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    int total = 0;
    for (int bit = 0; bit < 128; bit++) {
        uint8_t k2[16];
        memcpy(k2, k1, 16);
        k2[bit / 8] ^= (uint8_t)(1 << (bit % 8));
        total += __builtin_popcountll(rowcodec_hash(k1, 16) ^ rowcodec_hash(k2, 16));
    }
    assert_true(total > 128 * 24 && total < 128 * 40);
    buf_fini(&b);
    free(cnt);
    free(hi);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_edges),    cmocka_unit_test(test_roundtrip_random),
        cmocka_unit_test(test_key_canonical),      cmocka_unit_test(test_order_pairs),
        cmocka_unit_test(test_order_tuples),       cmocka_unit_test(test_engine_order_by),
        cmocka_unit_test(test_batch_matches_rows), cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_key_len_tuple),      cmocka_unit_test(test_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
