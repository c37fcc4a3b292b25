/*
 * test_stack.c: unit tests of src/base/stack.c: the stack used and left, on the main thread and on
 * threads whose stack size the test chooses, as recursion goes deeper.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "base/err.h"
#include "base/stack.h"

/* Recurse depth levels, each with a 1 KB frame, recording used and left at the bottom. */
typedef struct Probe {
    size_t used, left;
} Probe;

__attribute__((noinline)) static void probe_recurse(int depth, Probe *out)
{
    volatile char pad[1024];
    pad[0] = (char)depth;
    if (depth == 0) {
        out->used = stack_used();
        out->left = stack_left();
    } else {
        probe_recurse(depth - 1, out);
    }
    pad[1] = pad[0]; /* keeps the frame (and pad) alive across the call */
}

static void test_main_thread(void **state)
{
    UNUSED(state);
    Probe shallow, deep;
    probe_recurse(0, &shallow);
    probe_recurse(100, &deep);
    /* a hundred 1 KB frames more: at least 100 KB more used and less left, and the two always add up to
     * the same stack (within the frame of stack_used itself) */
    assert_true(deep.used >= shallow.used + 100 * 1024);
    assert_true(shallow.left >= deep.left + 100 * 1024);
    size_t a = shallow.used + shallow.left, b = deep.used + deep.left;
    assert_true(a > b ? a - b < 4096 : b - a < 4096);
    assert_true(shallow.used > 0 && shallow.left > 64 * 1024);
}

typedef struct ThreadArg {
    int depth;
    Probe p;
} ThreadArg;

static void *thread_main(void *arg)
{
    ThreadArg *t = arg;
    probe_recurse(t->depth, &t->p);
    return NULL;
}

/* On a thread with a stack of the given size: used + left is that size (less what glibc keeps at the
 * top for thread-local storage and the guard), and left shrinks as the recursion deepens. */
static void run_thread(size_t size, int depth, Probe *out)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstacksize(&attr, size), 0);
    ThreadArg t = {.depth = depth};
    pthread_t th;
    assert_int_equal(pthread_create(&th, &attr, thread_main, &t), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&attr);
    *out = t.p;
}

static void test_threads(void **state)
{
    UNUSED(state);
    static const size_t sizes[] = {(size_t)256 << 10, (size_t)1 << 20, (size_t)8 << 20};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        Probe top, deep;
        run_thread(sizes[i], 0, &top);
        run_thread(sizes[i], 100, &deep);
        size_t total = top.used + top.left;
        assert_true(total <= sizes[i] && total > sizes[i] - 64 * 1024);
        assert_true(top.used < 64 * 1024);
        assert_true(deep.left + 100 * 1024 <= top.left);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_thread),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
