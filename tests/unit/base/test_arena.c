/*
 * test_arena.c: unit tests of src/base/arena.c: alignment, large allocations, budgets charged to
 * parents, reset keeping a block, reset callbacks in reverse order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"

static void test_alloc_and_align(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    for (int i = 1; i < 500; i++) {
        char *p = arena_try_alloc(a, (size_t)i * 7);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % 16, 0);
        memset(p, 0xab, (size_t)i * 7);
    }
    char *big = arena_try_alloc(a, 1 << 20); /* larger than a block */
    assert_non_null(big);
    memset(big, 1, 1 << 20);
    char *s = arena_try_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    arena_destroy(&a);
    assert_null(a);
    arena_destroy(&a); /* no-op */
}

static void test_budget(void **state)
{
    UNUSED(state);
    Arena *q = arena_create(NULL, 300 * 1024);
    Arena *b = arena_create(q, ARENA_UNLIMITED);
    /* the child has no budget of its own but is bounded by its parent's */
    size_t got = 0;
    while (arena_try_alloc(b, 10000))
        got += 10000;
    assert_true(got > 100 * 1024 && got <= 300 * 1024);
    assert_true(arena_used(q) <= arena_budget(q));
    arena_reset(b); /* gives memory back to the parent */
    assert_true(arena_used(q) <= 70 * 1024);
    assert_non_null(arena_try_alloc(b, 10000));
    assert_null(arena_try_alloc(q, 1u << 30));
    assert_null(ARENA_NEW(q, uint64_t, SIZE_MAX / 4)); /* overflow of n * size */
    arena_destroy(&b);
    assert_int_equal(arena_used(q), 0);
    arena_destroy(&q);
}

/* arena_adopt: a standalone arena joins a parent, its blocks charged there from then on; refused,
 * changing nothing, when the parent has no room for what it already holds. */
static void test_adopt(void **state)
{
    UNUSED(state);
    Arena *q = arena_create(NULL, 300 * 1024);
    Arena *w = arena_create(NULL, 200 * 1024);
    while (arena_try_alloc(w, 10000))
        ;
    size_t held = arena_used(w);
    assert_true(held > 64 * 1024 && held <= 200 * 1024);
    Arena *small = arena_create(NULL, 1024);
    assert_int_equal(arena_adopt(w, small, ARENA_UNLIMITED), WEIR_ENOMEM);
    assert_int_equal(arena_used(small), 0);
    assert_int_equal(arena_budget(w), 200 * 1024);
    arena_destroy(&small);
    assert_int_equal(arena_adopt(w, q, ARENA_UNLIMITED), WEIR_OK);
    assert_int_equal(arena_used(q), held);
    assert_int_equal(arena_adopt(w, q, ARENA_UNLIMITED), WEIR_ENOMEM); /* it has a parent now */
    /* no budget of its own now: bounded by the parent's */
    size_t got = held;
    while (arena_try_alloc(w, 10000))
        got += 10000;
    assert_true(got > held + 30 * 1024 && arena_used(q) <= 300 * 1024);
    arena_destroy(&w);
    assert_int_equal(arena_used(q), 0);
    arena_destroy(&q);
}

static int order[4];
static int n_order;
static void record(void *arg)
{
    order[n_order++] = (int)(intptr_t)arg;
}

static void test_callbacks(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    n_order = 0;
    assert_int_equal(arena_on_reset(a, record, (void *)1), WEIR_OK);
    assert_int_equal(arena_on_reset(a, record, (void *)2), WEIR_OK);
    arena_reset(a);
    assert_int_equal(n_order, 2);
    assert_int_equal(order[0], 2);
    assert_int_equal(order[1], 1);
    assert_int_equal(arena_on_reset(a, record, (void *)3), WEIR_OK);
    arena_destroy(&a);
    assert_int_equal(n_order, 3);
    assert_int_equal(order[2], 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_and_align),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_callbacks),
        cmocka_unit_test(test_adopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
