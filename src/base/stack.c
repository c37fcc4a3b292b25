/*
 * stack.c: the calling thread's stack use (stack.h). Stacks grow down on every platform weir builds
 * for (x86-64, arm64): the top is the highest address, use grows toward the lowest.
 */
#include "base/stack.h"

#include <pthread.h>
#include <stdint.h>

static _Thread_local uintptr_t stack_lo, stack_hi; /* [lo, hi): this thread's stack; 0: not read yet */

__attribute__((noinline)) static uintptr_t stack_here(void)
{
    return (uintptr_t)__builtin_frame_address(0);
}

static void stack_bounds_read(void)
{
    uintptr_t here = stack_here();
    pthread_attr_t attr;
    void *addr = NULL;
    size_t size = 0;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) != 0)
            size = 0;
        pthread_attr_destroy(&attr);
    }
    uintptr_t lo = (uintptr_t)addr;
    if (size && here > lo && here - lo < size) {
        stack_lo = lo;
        stack_hi = lo + size;
    } else {
        /* bounds unknown or not matching where we are: assume a modest stack from here down */
        stack_hi = here;
        stack_lo = here > STACK_FALLBACK_BYTES ? here - STACK_FALLBACK_BYTES : 0;
    }
}

size_t stack_used(void)
{
    if (!stack_hi)
        stack_bounds_read();
    uintptr_t here = stack_here();
    return here < stack_hi ? stack_hi - here : 0;
}

size_t stack_left(void)
{
    if (!stack_hi)
        stack_bounds_read();
    uintptr_t here = stack_here();
    return here > stack_lo ? here - stack_lo : 0;
}
