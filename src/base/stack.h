/*
 * stack.h: how much of the calling thread's stack is in use and how much is left, for code whose
 * recursion follows its input (the SQL binder and evaluator over a parse tree) so it can stop with an
 * error before the stack runs out, as PostgreSQL's check_stack_depth does.
 *
 * The thread's stack bounds are read once per thread (pthread_getattr_np) and kept in thread-local
 * storage; each call after that is a subtraction. Positions are frame addresses
 * (__builtin_frame_address), which stay on the real stack under AddressSanitizer's fake stacks.
 * Where the bounds cannot be read, the thread is taken to have STACK_FALLBACK_BYTES from the point of
 * its first call.
 */
#ifndef WEIR_BASE_STACK_H
#define WEIR_BASE_STACK_H

#include <stddef.h>

#define STACK_FALLBACK_BYTES ((size_t)1 << 20)

/* Bytes of this thread's stack between its top and the caller's frame. */
size_t stack_used(void);

/* Bytes of this thread's stack below the caller's frame (0 when already past its end). */
size_t stack_left(void);

#endif
