/*
 * fn_test.h: helpers for the function kernel tests (tests/unit/sql/test_fn_*.c): build argument
 * vectors from SqlValues, resolve a function by name and exact argument types through sql_fn_lookup,
 * and run its kernel the way the expression evaluator does (strict NULL bitmap, init hook with the
 * constant arguments).
 *
 * Every call runs the kernel over three rows: rows 0 and 2 hold the arguments; row 1 holds NULL in
 * every argument of a strict function (its data slots are zero), which checks that kernels skip NULL
 * rows (no division-by-zero error from them) and keep the row NULL. For non-strict functions row 1 is
 * a copy of row 0. Each call runs twice, once with the constant-argument init hook and once without
 * (the per-row path), and both runs must agree.
 *
 * Expected values come from PostgreSQL 15 (the query is named in a comment next to each check).
 */
#ifndef WEIR_TESTS_FN_TEST_H
#define WEIR_TESTS_FN_TEST_H

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

#include "base/arena.h"
#include "exec/engine.h"
#include "exec/vec.h"
#include "sql/func.h"
#include "sql/numeric.h"
#include "sql/typeio.h"
#include "sql/tz.h"

/* --- values ----------------------------------------------------------------------------------- */

static inline SqlValue fnt_val(SqlTypeId t)
{
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    return v;
}
static inline SqlValue T(const char *s)
{
    SqlValue v = fnt_val(SQL_TEXT);
    v.u.s = slice_from_cstr(s);
    return v;
}
static inline SqlValue TY(SqlTypeId t, const char *s) /* a string-like value of type t */
{
    SqlValue v = fnt_val(t);
    v.u.s = slice_from_cstr(s);
    return v;
}
static inline SqlValue TN(const char *s, size_t n) /* text with explicit length (embedded bytes) */
{
    SqlValue v = fnt_val(SQL_TEXT);
    v.u.s = (Slice){(const uint8_t *)s, n};
    return v;
}
static inline SqlValue IV_(SqlTypeId t, int64_t i)
{
    SqlValue v = fnt_val(t);
    v.u.i = i;
    return v;
}
#define I2(x) IV_(SQL_INT2, (x))
#define I4(x) IV_(SQL_INT4, (x))
#define I8(x) IV_(SQL_INT8, (x))
static inline SqlValue F8(double d)
{
    SqlValue v = fnt_val(SQL_FLOAT8);
    v.u.f = d;
    return v;
}
static inline SqlValue F4(float d)
{
    SqlValue v = fnt_val(SQL_FLOAT4);
    v.u.f = d;
    return v;
}
static inline SqlValue B(int b)
{
    SqlValue v = fnt_val(SQL_BOOL);
    v.u.b = (uint8_t)b;
    return v;
}
static inline SqlValue NUL(SqlTypeId t)
{
    SqlValue v = fnt_val(t);
    v.is_null = 1;
    return v;
}
static inline SqlValue N(const char *s) /* numeric from its text form */
{
    SqlValue v = fnt_val(SQL_NUMERIC);
    SqlError e;
    memset(&e, 0, sizeof(e));
    if (sql_numeric_parse(s, strlen(s), &v.u.num, &e))
        fail_msg("bad numeric literal %s: %s", s, e.message);
    return v;
}
static inline SqlValue IVL(int32_t months, int32_t days, int64_t usec)
{
    SqlValue v = fnt_val(SQL_INTERVAL);
    v.u.iv.months = months;
    v.u.iv.days = days;
    v.u.iv.usec = usec;
    return v;
}

/* --- running a kernel --------------------------------------------------------------------------- */

#define FNT_ROWS 3

typedef struct FntResult {
    int rc;
    SqlError err;
    SqlValue v; /* row 0 (strings copied into text[]) */
    char text[4096];
} FntResult;

static Arena *fnt_arena;
static SqlFormatOpts fnt_fmt;
static int64_t fnt_stmt_time = 0;

/* The definition matching name and the exact argument types (SQL_FN_ANY matches any type). */
static inline const SqlFnDef *fnt_find(const char *name, uint32_t n_args, const SqlValue *args)
{
    const SqlFnDef *const *defs;
    size_t n = sql_fn_lookup(name, &defs);
    for (size_t d = 0; d < n; d++) {
        const SqlFnDef *def = defs[d];
        if (def->is_variadic ? n_args < def->n_args : n_args != def->n_args)
            continue;
        int ok = 1;
        for (uint32_t k = 0; k < n_args && ok; k++) {
            SqlTypeId want = def->args[k < def->n_args ? k : (uint32_t)def->n_args - 1];
            ok = want == SQL_FN_ANY || want == args[k].type.id;
        }
        if (ok)
            return def;
    }
    return NULL;
}

static inline SqlType fnt_ret_type(const SqlFnDef *def, const SqlValue *args)
{
    if (def->ret == SQL_FN_RET_ARG0)
        return args[0].type;
    return SQL_TYPE(def->ret);
}

/* One run over FNT_ROWS rows; use_init: call the init hook with every argument constant. */
static inline void fnt_run_once(const SqlFnDef *def, uint32_t n_args, const SqlValue *args, int use_init,
                                FntResult *r)
{
    memset(r, 0, sizeof(*r));
    arena_reset(fnt_arena);
    Vec *argv = ARENA_NEW(fnt_arena, Vec, n_args ? n_args : 1);
    for (uint32_t k = 0; k < n_args; k++) {
        assert_int_equal(vec_init(&argv[k], args[k].type, fnt_arena), WEIR_OK);
        for (uint32_t row = 0; row < FNT_ROWS; row++) {
            if (row == 1 && def->is_strict)
                assert_int_equal(vec_set_null(&argv[k], 1, fnt_arena), WEIR_OK);
            else
                assert_int_equal(vec_put(&argv[k], row, &args[k], fnt_arena), WEIR_OK);
        }
    }
    Vec out;
    assert_int_equal(vec_init(&out, fnt_ret_type(def, args), fnt_arena), WEIR_OK);
    if (def->is_strict)
        for (uint32_t k = 0; k < n_args; k++)
            if (argv[k].nulls) {
                if (!out.nulls)
                    out.nulls = arena_try_calloc(fnt_arena, VEC_BATCH / 8);
                for (uint32_t w = 0; w < VEC_BATCH / 64; w++)
                    out.nulls[w] |= argv[k].nulls[w];
            }
    void *state = NULL;
    if (use_init && def->init) {
        const SqlValue *consts[8];
        for (uint32_t k = 0; k < n_args && k < 8; k++)
            consts[k] = &args[k];
        assert_int_equal(def->init(fnt_arena, consts, n_args, &state, &r->err), WEIR_OK);
    }
    SqlFnCtx ctx = {.n = FNT_ROWS,
                    .arena = fnt_arena,
                    .fmt = &fnt_fmt,
                    .stmt_time_usec = fnt_stmt_time,
                    .err = &r->err,
                    .state = state};
    r->rc = def->fn(&ctx, argv, n_args, &out);
    if (r->rc != WEIR_OK) {
        if (!r->err.sqlstate[0])
            fail_msg("%s returned %d without an error", def->name, r->rc);
        return;
    }
    assert_int_equal(r->err.sqlstate[0], 0);
    if (def->is_strict && n_args > 0)
        assert_true(vec_is_null(&out, 1));
    SqlValue v0, v2;
    vec_get(&out, 0, &v0);
    vec_get(&out, 2, &v2);
    r->v = v0;
    /* rows 0 and 2 had the same input: they must agree (random() excepted) */
    assert_int_equal(v0.is_null, v2.is_null);
    if (!v0.is_null && sql_type_phys(v0.type.id) == SQL_PHYS_STR) {
        assert_true(v0.u.s.n < sizeof(r->text));
        if (v0.u.s.n)
            memcpy(r->text, v0.u.s.p, v0.u.s.n);
        r->text[v0.u.s.n] = '\0';
        assert_int_equal(v0.u.s.n, v2.u.s.n);
        assert_true(v0.u.s.n == 0 || memcmp(v0.u.s.p, v2.u.s.p, v0.u.s.n) == 0);
        r->v.u.s = (Slice){(const uint8_t *)r->text, v0.u.s.n};
    }
}

/* Run name(args) with and without the init hook; both must give the same outcome. */
static inline void fnt_call(const char *name, uint32_t n_args, const SqlValue *args, FntResult *r)
{
    const SqlFnDef *def = fnt_find(name, n_args, args);
    if (!def)
        fail_msg("no function %s with these %u argument types", name, n_args);
    static FntResult other;
    fnt_run_once(def, n_args, args, 0, &other);
    fnt_run_once(def, n_args, args, 1, r);
    if (other.rc != r->rc)
        fail_msg("%s: with constants rc %d (%s), per row rc %d (%s)", name, r->rc, r->err.message, other.rc,
                 other.err.message);
    if (r->rc == WEIR_OK && sql_type_phys(r->v.type.id) == SQL_PHYS_STR && !r->v.is_null &&
        strcmp(other.text, r->text) != 0)
        fail_msg("%s: with constants \"%s\", per row \"%s\"", name, r->text, other.text);
}

#define FNT_ARGS(...) ((const SqlValue[]){__VA_ARGS__})
#define FNT_N(...) ((uint32_t)(sizeof((const SqlValue[]){__VA_ARGS__}) / sizeof(SqlValue)))

/* Result checks. Each evaluates name(args...) on rows as described at the top. */
static inline FntResult *fnt_ok(const char *name, uint32_t n, const SqlValue *args)
{
    static FntResult r;
    fnt_call(name, n, args, &r);
    if (r.rc != WEIR_OK)
        fail_msg("%s failed: %s %s", name, r.err.sqlstate, r.err.message);
    return &r;
}

#define CALL(name, ...) fnt_ok((name), FNT_N(__VA_ARGS__), FNT_ARGS(__VA_ARGS__))

#define EXPECT_TEXT(exp, name, ...)                                                                          \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        if (r_->v.is_null)                                                                                   \
            fail_msg("%s: NULL, expected \"%s\"", name, exp);                                                \
        if (strcmp(r_->text, (exp)) != 0)                                                                    \
            fail_msg("%s: \"%s\", expected \"%s\"", name, r_->text, exp);                                    \
    } while (0)

#define EXPECT_INT(exp, name, ...)                                                                           \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        assert_false(r_->v.is_null);                                                                         \
        if (r_->v.u.i != (int64_t)(exp))                                                                     \
            fail_msg("%s: %lld, expected %lld", name, (long long)r_->v.u.i, (long long)(exp));               \
    } while (0)

#define EXPECT_BOOL(exp, name, ...)                                                                          \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        assert_false(r_->v.is_null);                                                                         \
        if (r_->v.u.b != (exp))                                                                              \
            fail_msg("%s: %d, expected %d", name, r_->v.u.b, (int)(exp));                                    \
    } while (0)

/* Doubles compare exactly (PostgreSQL prints the shortest exact form, so equality is the test). */
#define EXPECT_F8(exp, name, ...)                                                                            \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        assert_false(r_->v.is_null);                                                                         \
        double e_ = (exp), g_ = r_->v.u.f;                                                                   \
        if (!(g_ == e_ || (isnan(g_) && isnan(e_))) || (!isnan(e_) && signbit(g_) != signbit(e_)))           \
            fail_msg("%s: %.17g, expected %.17g", name, g_, e_);                                             \
    } while (0)

/* numeric results compare through numeric_out's text. */
#define EXPECT_NUM(exp, name, ...)                                                                           \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        assert_false(r_->v.is_null);                                                                         \
        char b_[SQL_NUMERIC_TEXT_MAX];                                                                       \
        sql_numeric_format(&r_->v.u.num, b_);                                                                \
        if (strcmp(b_, (exp)) != 0)                                                                          \
            fail_msg("%s: %s, expected %s", name, b_, exp);                                                  \
    } while (0)

#define EXPECT_NULL(name, ...)                                                                               \
    do {                                                                                                     \
        FntResult *r_ = CALL(name, __VA_ARGS__);                                                             \
        if (!r_->v.is_null)                                                                                  \
            fail_msg("%s: not NULL, expected NULL", name);                                                   \
    } while (0)

#define EXPECT_ERR(state, msg, name, ...)                                                                    \
    do {                                                                                                     \
        static FntResult r_;                                                                                 \
        fnt_call((name), FNT_N(__VA_ARGS__), FNT_ARGS(__VA_ARGS__), &r_);                                    \
        if (r_.rc == WEIR_OK)                                                                                \
            fail_msg("%s succeeded, expected %s %s", name, state, msg);                                      \
        if (strcmp(r_.err.sqlstate, (state)) != 0 || strcmp(r_.err.message, (msg)) != 0)                     \
            fail_msg("%s: %s \"%s\", expected %s \"%s\"", name, r_.err.sqlstate, r_.err.message, state,      \
                     msg);                                                                                   \
    } while (0)

static inline int fnt_setup(void **state)
{
    (void)state;
    fnt_arena = arena_create(NULL, ARENA_UNLIMITED);
    fnt_fmt.date_style = SQL_DATESTYLE_ISO;
    fnt_fmt.date_order = SQL_DATEORDER_MDY;
    fnt_fmt.interval_style = SQL_INTERVALSTYLE_POSTGRES;
    fnt_fmt.extra_float_digits = 1;
    fnt_fmt.tz = sql_tz_utc();
    return 0;
}

static inline int fnt_teardown(void **state)
{
    (void)state;
    arena_destroy(&fnt_arena);
    return 0;
}

#endif
