/*
 * err.h: return codes and the error struct every fallible weir function reports through.
 *
 * Convention (STYLE.md section 4): a fallible function returns int (WEIR_OK or a negative WEIR_E*
 * code) and, on failure, writes a human-readable message into the caller's Err. The first error
 * wins: err_set() on an Err that already holds an error keeps the original message, so the deepest,
 * most specific cause survives to the edge. Only the protocol edges (http/, pgwire/) translate an Err
 * into an AWS __type or a PostgreSQL SQLSTATE.
 */
#ifndef WEIR_BASE_ERR_H
#define WEIR_BASE_ERR_H

#include <stddef.h>
#include <stdint.h>

enum {
    WEIR_OK = 0,
    WEIR_ERROR = -1,     /* generic failure */
    WEIR_ENOMEM = -2,    /* over a memory budget (malloc failure itself aborts) */
    WEIR_EPARSE = -3,    /* malformed input */
    WEIR_ENOTFOUND = -4, /* named object does not exist */
    WEIR_EAGAIN = -5,    /* try again later */
    WEIR_ELIMIT = -6,    /* a documented limit was exceeded */
    WEIR_EIO = -7,       /* the operating system refused a read/write/fsync */
    WEIR_ECORRUPT = -8,  /* on-disk data failed a check */
    WEIR_EPROTO = -9,    /* protocol violation by the peer */
    WEIR_EEXIST = -10,   /* object already exists */
    WEIR_EINVAL = -11,   /* argument well-formed but not acceptable in this state */
    WEIR_EBUSY = -12,    /* resource in use (e.g. data directory locked) */
    WEIR_EEXPIRED = -13, /* a token or iterator expired */
};

typedef struct Err {
    int code;          /* WEIR_OK while no error is recorded */
    char sqlstate[6];  /* optional SQLSTATE for the SQL edge; "" when unset */
    int pos;           /* optional 1-based position in a query text; 0 when unset */
    char msg[256];
} Err;

#define WEIR_WARN_UNUSED __attribute__((warn_unused_result))
#define UNUSED(x) ((void)(x))

/* Reset e to "no error". */
void err_clear(Err *e);

/* Record an error in e (if e is non-NULL and holds none yet). Returns code, so callers can write
 * `return err_set(e, WEIR_EPARSE, "bad %s", what);`. */
int err_set(Err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Short symbolic name of a code ("EPARSE"), for logs. Never NULL. */
const char *err_code_name(int code);

/* Defensive checks in the SQLite manner: true in release builds when the condition holds, assert in
 * debug builds when it does not. */
#ifdef WEIR_DEBUG
#include <assert.h>
#define ALWAYS(x) (assert(x), 1)
#define NEVER(x) (assert(!(x)), 0)
#else
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#endif

/* Abort with a message: for malloc failure and broken invariants only. */
_Noreturn void weir_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* malloc/calloc/realloc/strdup that abort on failure (h2o h2o_mem_alloc, jq jv_mem_alloc). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
