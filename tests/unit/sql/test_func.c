/*
 * test_func.c: unit tests of src/sql/func.c, the function catalog: lookup by name returns exactly that
 * name's definitions as one run, the index covers the whole table in name order, every definition is
 * well formed (a kernel, a return type, at most 8 arguments, variadic ones with an element type), no two
 * definitions share a signature, and the operators the binder needs for every type exist.
 */
#include "fn_test.h"

static void test_lookup(void **state)
{
    (void)state;
    const SqlFnDef *const *defs;
    size_t n = sql_fn_lookup("length", &defs);
    assert_int_equal(n, 3); /* text, character, bytea */
    for (size_t i = 0; i < n; i++)
        assert_string_equal(defs[i]->name, "length");
    assert_int_equal(sql_fn_lookup("no_such_function", &defs), 0);
    assert_int_equal(sql_fn_lookup("", &defs), 0);
    /* the first and last names of the index are found too */
    const SqlFnDef *const *all;
    size_t total = sql_fn_all(&all);
    assert_true(total > 600);
    assert_true(sql_fn_lookup(all[0]->name, &defs) >= 1);
    assert_ptr_equal(defs[0], all[0]);
    assert_true(sql_fn_lookup(all[total - 1]->name, &defs) >= 1);
    /* a name's run keeps the table order: round(float8) before round(numeric) before round(numeric, int) */
    n = sql_fn_lookup("round", &defs);
    assert_int_equal(n, 3);
    assert_int_equal(defs[0]->args[0], SQL_FLOAT8);
    assert_int_equal(defs[2]->n_args, 2);
}

static void test_well_formed(void **state)
{
    (void)state;
    const SqlFnDef *const *all;
    size_t total = sql_fn_all(&all);
    for (size_t i = 0; i < total; i++) {
        const SqlFnDef *d = all[i];
        assert_non_null(d->fn);
        assert_true(d->name[0] != '\0');
        assert_true(d->n_args <= 8);
        assert_true(d->volatility <= SQL_FN_VOLATILE);
        if (d->is_variadic)
            assert_true(d->n_args >= 1);
        if (i > 0)
            assert_true(strcmp(all[i - 1]->name, d->name) <= 0);
        for (const char *c = d->name; *c; c++)
            assert_false(*c >= 'A' && *c <= 'Z'); /* lower case, as the binder looks names up */
        /* no other definition has the same name and argument list */
        for (size_t j = i + 1; j < total && strcmp(all[j]->name, d->name) == 0; j++) {
            const SqlFnDef *e = all[j];
            if (e->n_args != d->n_args || e->is_variadic != d->is_variadic)
                continue;
            int same = 1;
            for (int k = 0; k < d->n_args; k++)
                same &= e->args[k] == d->args[k];
            if (same)
                fail_msg("%s is defined twice with the same %d arguments", d->name, d->n_args);
        }
    }
}

static void test_operators_cover_types(void **state)
{
    (void)state;
    /* every comparable type has all six comparison operators with itself */
    static const SqlTypeId types[] = {SQL_INT2,     SQL_INT4,  SQL_INT8,   SQL_FLOAT4,    SQL_FLOAT8,
                                      SQL_NUMERIC,  SQL_TEXT,  SQL_BPCHAR, SQL_NAME,      SQL_BYTEA,
                                      SQL_BOOL,     SQL_DATE,  SQL_TIME,   SQL_TIMESTAMP, SQL_TIMESTAMPTZ,
                                      SQL_INTERVAL, SQL_JSONB, SQL_OID,    SQL_CHAR};
    static const char *const ops[] = {"=", "<>", "<", "<=", ">", ">="};
    for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
        for (size_t o = 0; o < 6; o++) {
            const SqlFnDef *const *defs;
            size_t n = sql_fn_lookup(ops[o], &defs);
            int found = 0;
            for (size_t i = 0; i < n && !found; i++)
                found = defs[i]->n_args == 2 && defs[i]->args[0] == types[t] &&
                        defs[i]->args[1] == types[t] && defs[i]->ret == SQL_BOOL;
            if (!found)
                fail_msg("no %s for %s", ops[o], sql_type_info(types[t])->name);
        }
    /* and the arithmetic operators for the numeric types */
    static const SqlTypeId nums[] = {SQL_INT2, SQL_INT4, SQL_INT8, SQL_FLOAT4, SQL_FLOAT8, SQL_NUMERIC};
    static const char *const arith[] = {"+", "-", "*", "/"};
    for (size_t t = 0; t < 6; t++)
        for (size_t o = 0; o < 4; o++) {
            const SqlFnDef *const *defs;
            size_t n = sql_fn_lookup(arith[o], &defs);
            int found = 0;
            for (size_t i = 0; i < n && !found; i++)
                found = defs[i]->n_args == 2 && defs[i]->args[0] == nums[t] && defs[i]->args[1] == nums[t] &&
                        defs[i]->ret == nums[t];
            if (!found)
                fail_msg("no %s for %s", arith[o], sql_type_info(nums[t])->name);
        }
}

static void test_oids(void **state)
{
    (void)state;
    /* spot checks against PostgreSQL 15's pg_proc: int4pl 177, textlike 850, now 1299, lower 870 */
    const SqlFnDef *const *defs;
    size_t n = sql_fn_lookup("now", &defs);
    assert_int_equal(n, 1);
    assert_int_equal(defs[0]->oid, 1299);
    assert_int_equal(defs[0]->volatility, SQL_FN_STABLE);
    n = sql_fn_lookup("random", &defs);
    assert_int_equal(defs[0]->oid, 1598);
    assert_int_equal(defs[0]->volatility, SQL_FN_VOLATILE);
    n = sql_fn_lookup("~~", &defs);
    int seen = 0;
    for (size_t i = 0; i < n; i++)
        if (defs[i]->args[0] == SQL_TEXT) {
            assert_int_equal(defs[i]->oid, 850);
            assert_non_null(defs[i]->init);
            seen = 1;
        }
    assert_true(seen);
    n = sql_fn_lookup("concat", &defs);
    assert_int_equal(n, 1);
    assert_false(defs[0]->is_strict);
    assert_true(defs[0]->is_variadic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_well_formed),
        cmocka_unit_test(test_operators_cover_types),
        cmocka_unit_test(test_oids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
