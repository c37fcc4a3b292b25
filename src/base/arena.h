/*
 * arena.h: region allocation with a byte budget (STYLE.md section 5).
 *
 * An Arena hands out memory from large blocks and frees it all at once (arena_reset, arena_destroy);
 * single objects are never freed. Every arena has a budget: an allocation that would take the arena
 * (and, through parents, any ancestor) past its budget fails with NULL from arena_try_alloc, so a query
 * over its memory budget ends with an error instead of taking the server down. arena_alloc is the
 * infallible form for callers that checked the budget some other way: it aborts on failure.
 *
 * Children: arena_create(parent, budget) charges the child's blocks to the parent's budget too, so a
 * per-batch arena under a per-query arena is bounded by both. A child must be destroyed before its
 * parent. Arenas are not thread-safe: one thread per arena (a parallel scan gives each worker its own
 * child, created by the coordinating thread before the workers start -- creation touches the parent).
 * Reset callbacks (arena_on_reset) run, newest first, on reset and destroy: use them to close files or
 * drop references whose lifetime is the arena's.
 */
#ifndef WEIR_BASE_ARENA_H
#define WEIR_BASE_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct Arena Arena;

#define ARENA_UNLIMITED ((size_t)-1)

/* A new arena whose blocks count against budget bytes (ARENA_UNLIMITED for none) and against the
 * parent's budget when parent is not NULL. Caller owns; free with arena_destroy. */
Arena *arena_create(Arena *parent, size_t budget);

/* Free every block and run the reset callbacks; *a becomes NULL. NULL and *a == NULL are no-ops. */
void arena_destroy(Arena **a);

/* Run the reset callbacks, then forget every allocation, keeping one block for reuse. */
void arena_reset(Arena *a);

/* n bytes aligned to 16, or NULL when the budget would be exceeded. Borrowed: valid until reset or
 * destroy. */
void *arena_try_alloc(Arena *a, size_t n);

/* As arena_try_alloc, but aborts (weir_panic) over budget. For sizes already bounded by a check. */
void *arena_alloc(Arena *a, size_t n);

/* Zeroed arena_try_alloc. */
void *arena_try_calloc(Arena *a, size_t n);

/* Copy n bytes (plus a NUL terminator) into the arena; NULL over budget. */
char *arena_try_strndup(Arena *a, const char *s, size_t n);

/* Bytes of blocks held now, and the budget. */
size_t arena_used(const Arena *a);
size_t arena_budget(const Arena *a);

/* Make a, a standalone arena (created with no parent), a child of parent with a new budget: its blocks
 * are charged to parent from now on. WEIR_ENOMEM, changing nothing, when parent's budget has no room
 * for what a holds already, or when a has a parent. */
int arena_adopt(Arena *a, Arena *parent, size_t budget) WEIR_WARN_UNUSED;

/* Run fn(arg) when the arena is next reset or destroyed. Returns WEIR_OK or WEIR_ENOMEM. */
int arena_on_reset(Arena *a, void (*fn)(void *arg), void *arg) WEIR_WARN_UNUSED;

/* Typed helpers: ARENA_NEW(a, T, n) is n zeroed T's, or NULL over budget (n * sizeof(T) checked). */
#define ARENA_NEW(a, T, n) ((T *)arena_try_calloc_array((a), (n), sizeof(T)))
void *arena_try_calloc_array(Arena *a, size_t n, size_t size);

#endif
