/*
 * arena.c: see arena.h. Blocks are malloc'd, at least ARENA_BLOCK bytes (a larger request gets a block
 * of its own size), chained newest first. Allocation bumps a pointer in the newest block. Accounting
 * is by block bytes, charged to the arena and each ancestor, so a budget bounds real memory.
 */
#include "base/arena.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define ARENA_BLOCK ((size_t)64 * 1024)
#define ARENA_ALIGN 16

typedef struct ArenaBlock {
    struct ArenaBlock *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(16) unsigned char data[];
} ArenaBlock;

typedef struct ArenaCallback {
    struct ArenaCallback *next;
    void (*fn)(void *arg);
    void *arg;
} ArenaCallback;

struct Arena {
    Arena *parent;
    size_t budget;
    size_t used; /* bytes of blocks held, including those of children */
    ArenaBlock *blocks;
    ArenaCallback *callbacks;
};

Arena *arena_create(Arena *parent, size_t budget)
{
    Arena *a = calloc(1, sizeof(*a));
    if (!a)
        weir_panic("out of memory");
    a->parent = parent;
    a->budget = budget;
    return a;
}

/* Charge (or with negative sign, release) n bytes to a and every ancestor; fails without charging
 * anything if some budget would be exceeded. */
static int arena_charge(Arena *a, size_t n)
{
    for (Arena *p = a; p; p = p->parent)
        if (p->budget != ARENA_UNLIMITED && (p->used > p->budget || n > p->budget - p->used))
            return -1;
    for (Arena *p = a; p; p = p->parent)
        p->used += n;
    return 0;
}

static void arena_release(Arena *a, size_t n)
{
    for (Arena *p = a; p; p = p->parent)
        p->used -= n;
}

static void arena_run_callbacks(Arena *a)
{
    while (a->callbacks) {
        ArenaCallback *c = a->callbacks;
        a->callbacks = c->next;
        c->fn(c->arg); /* the node lives in the arena's blocks, freed below by the caller */
    }
}

void arena_reset(Arena *a)
{
    arena_run_callbacks(a);
    /* keep the oldest block of standard size for reuse */
    ArenaBlock *keep = NULL;
    ArenaBlock *b = a->blocks;
    while (b) {
        ArenaBlock *next = b->next;
        if (!next && b->size == ARENA_BLOCK) {
            keep = b;
        } else {
            arena_release(a, sizeof(ArenaBlock) + b->size);
            free(b);
        }
        b = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
    }
    a->blocks = keep;
}

void arena_destroy(Arena **ap)
{
    if (!ap || !*ap)
        return;
    Arena *a = *ap;
    *ap = NULL;
    arena_run_callbacks(a);
    ArenaBlock *b = a->blocks;
    while (b) {
        ArenaBlock *next = b->next;
        arena_release(a, sizeof(ArenaBlock) + b->size);
        free(b);
        b = next;
    }
    free(a);
}

int arena_adopt(Arena *a, Arena *parent, size_t budget)
{
    if (a->parent || (parent && arena_charge(parent, a->used)))
        return WEIR_ENOMEM;
    a->parent = parent;
    a->budget = budget;
    return WEIR_OK;
}

void *arena_try_alloc(Arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL;
    ArenaBlock *b = a->blocks;
    if (b && b->size - b->used >= need) {
        void *p = b->data + b->used;
        b->used += need;
        return p;
    }
    size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;
    if (size > SIZE_MAX - sizeof(ArenaBlock) || arena_charge(a, sizeof(ArenaBlock) + size))
        return NULL;
    ArenaBlock *nb = malloc(sizeof(ArenaBlock) + size);
    if (!nb)
        weir_panic("out of memory");
    nb->size = size;
    nb->used = need;
    if (b && size > ARENA_BLOCK) {
        /* an oversized block goes behind the current one, so the current one keeps filling */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->blocks = nb;
    }
    return nb->data;
}

void *arena_alloc(Arena *a, size_t n)
{
    void *p = arena_try_alloc(a, n);
    if (!p)
        weir_panic("arena over its budget (%zu bytes requested, %zu of %zu used)", n, a->used, a->budget);
    return p;
}

void *arena_try_calloc(Arena *a, size_t n)
{
    void *p = arena_try_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

void *arena_try_calloc_array(Arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return arena_try_calloc(a, n * size);
}

char *arena_try_strndup(Arena *a, const char *s, size_t n)
{
    char *p = arena_try_alloc(a, n + 1);
    if (p) {
        if (n)
            memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

size_t arena_used(const Arena *a)
{
    return a->used;
}

size_t arena_budget(const Arena *a)
{
    return a->budget;
}

int arena_on_reset(Arena *a, void (*fn)(void *arg), void *arg)
{
    ArenaCallback *c = arena_try_alloc(a, sizeof(*c));
    if (!c)
        return WEIR_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->next = a->callbacks;
    a->callbacks = c;
    return WEIR_OK;
}
