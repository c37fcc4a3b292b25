/*
 * test_state.c: unit tests of src/stream/state.c.
 *
 *   - entries: put/get/delete/upsert, values that grow and shrink across size classes and past the slab
 *     limit, in-place upserts, accounting, the memory budget;
 *   - a seeded random workload against a plain model (sorted array), on ordered and unordered tables:
 *     every get, the full walk, ordered walks and prefix/range walks, deletes during a walk;
 *   - checkpoints: full and delta files, the AUTO policy, the chain and the obsolete list, restore of a
 *     chain equal to the model, tombstones (delete, re-put, delete in one interval), and refusal of every
 *     truncation, every sampled bit flip, a wrong table, a broken chain, a missing file, a failed write
 *     that keeps the changes for the next one.
 */
/* cmocka.h needs these four before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream/state.h"
#include "stream_test.h"

static StateTable *mk(uint64_t id, int ordered, size_t budget)
{
    StateConfig cfg = {.table_id = id, .is_ordered = ordered, .mem_budget = budget};
    StateTable *t = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(state_create(&cfg, &t, &e), WEIR_OK);
    return t;
}

static void put(StateTable *t, const void *k, size_t kn, const void *v, size_t vn)
{
    Err e;
    err_clear(&e);
    int rc = state_put(t, state_hash(k, kn), k, kn, v, vn, &e);
    if (rc)
        fail_msg("put: %s", e.msg);
}

static int get(StateTable *t, const void *k, size_t kn, Slice *v)
{
    return state_get(t, state_hash(k, kn), k, kn, v);
}

static int del(StateTable *t, const void *k, size_t kn)
{
    return state_delete(t, state_hash(k, kn), k, kn);
}

/* ------------------------------------------------------------------------------------------------
 * the model: a sorted array of (key, value)
 * ---------------------------------------------------------------------------------------------- */

typedef struct MEnt {
    uint8_t k[40];
    size_t kn;
    uint8_t *v;
    size_t vn;
} MEnt;

typedef struct Model {
    MEnt *e;
    size_t n, cap;
} Model;

/* Index of the first entry >= k. */
static size_t m_lower(const Model *m, const uint8_t *k, size_t kn)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (bytes_cmp(m->e[mid].k, m->e[mid].kn, k, kn) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static MEnt *m_find(Model *m, const uint8_t *k, size_t kn)
{
    size_t i = m_lower(m, k, kn);
    return i < m->n && bytes_cmp(m->e[i].k, m->e[i].kn, k, kn) == 0 ? &m->e[i] : NULL;
}

static void m_put(Model *m, const uint8_t *k, size_t kn, const uint8_t *v, size_t vn)
{
    MEnt *f = m_find(m, k, kn);
    if (!f) {
        size_t i = m_lower(m, k, kn);
        if (m->n == m->cap) {
            m->cap = m->cap ? m->cap * 2 : 64;
            m->e = realloc(m->e, m->cap * sizeof(*m->e));
        }
        memmove(&m->e[i + 1], &m->e[i], (m->n - i) * sizeof(*m->e));
        m->n++;
        f = &m->e[i];
        memcpy(f->k, k, kn);
        f->kn = kn;
        f->v = NULL;
    }
    free(f->v);
    f->v = malloc(vn ? vn : 1);
    memcpy(f->v, v, vn);
    f->vn = vn;
}

static void m_del(Model *m, const uint8_t *k, size_t kn)
{
    MEnt *f = m_find(m, k, kn);
    if (!f)
        return;
    free(f->v);
    size_t i = (size_t)(f - m->e);
    memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof(*m->e));
    m->n--;
}

static void m_free(Model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->e[i].v);
    free(m->e);
    memset(m, 0, sizeof(*m));
}

/* Put into the table and the model. */
static void put2(StateTable *t, Model *m, const char *k, const char *v)
{
    put(t, k, strlen(k), v, strlen(v));
    m_put(m, (const uint8_t *)k, strlen(k), (const uint8_t *)v, strlen(v));
}

/* Delete from the table and the model. */
static void del2(StateTable *t, Model *m, const char *k)
{
    del(t, k, strlen(k));
    m_del(m, (const uint8_t *)k, strlen(k));
}

/* The table holds exactly the model: every get, the counts, and a full walk (in order if ordered). */
static void check_same(StateTable *t, Model *m, int ordered)
{
    StateStats st;
    state_stats(t, &st);
    assert_int_equal(st.n_entries, m->n);
    uint64_t kb = 0, vb = 0;
    for (size_t i = 0; i < m->n; i++) {
        Slice v;
        assert_int_equal(get(t, m->e[i].k, m->e[i].kn, &v), 1);
        assert_int_equal(v.n, m->e[i].vn);
        if (v.n)
            assert_memory_equal(v.p, m->e[i].v, v.n);
        kb += m->e[i].kn;
        vb += m->e[i].vn;
    }
    assert_int_equal(st.key_bytes, kb);
    assert_int_equal(st.val_bytes, vb);
    StateIter it;
    Slice k, v;
    state_iter_all(&it, t);
    size_t n = 0;
    uint8_t *seen = calloc(m->n + 1, 1);
    while (state_iter_next(&it, &k, &v)) {
        MEnt *f = m_find(m, k.p, k.n);
        assert_non_null(f);
        size_t i = (size_t)(f - m->e);
        assert_false(seen[i]);
        seen[i] = 1;
        if (ordered)
            assert_int_equal(i, n);
        assert_int_equal(v.n, f->vn);
        n++;
    }
    assert_int_equal(n, m->n);
    free(seen);
}

/* ------------------------------------------------------------------------------------------------
 * entries
 * ---------------------------------------------------------------------------------------------- */

static void test_basic(void **state)
{
    UNUSED(state);
    StateTable *t = mk(1, 0, 0);
    Slice v;
    assert_int_equal(get(t, "a", 1, &v), 0);
    put(t, "a", 1, "one", 3);
    put(t, "", 0, "empty key", 9);
    put(t, "b", 1, "", 0);
    assert_int_equal(get(t, "a", 1, &v), 1);
    assert_int_equal(v.n, 3);
    assert_memory_equal(v.p, "one", 3);
    assert_int_equal(get(t, "", 0, &v), 1);
    assert_int_equal(v.n, 9);
    assert_int_equal(get(t, "b", 1, &v), 1);
    assert_int_equal(v.n, 0);
    /* grow through classes and past the slab limit, then shrink back, keeping the key intact */
    size_t sizes[] = {5, 8, 9, 100, 300, 5000, 300000, 1 << 20, 300000, 17, 0, 250};
    uint8_t *big = malloc(1 << 20);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        memset(big, (int)('a' + i), sizes[i]);
        put(t, "a", 1, big, sizes[i]);
        assert_int_equal(get(t, "a", 1, &v), 1);
        assert_int_equal(v.n, sizes[i]);
        if (sizes[i])
            assert_memory_equal(v.p, big, sizes[i]);
        assert_int_equal(get(t, "b", 1, &v), 1);
        StateStats st;
        state_stats(t, &st);
        assert_int_equal(st.n_entries, 3);
        assert_int_equal(st.val_bytes, sizes[i] + 9);
        assert_int_equal(st.key_bytes, 2);
    }
    free(big);
    assert_int_equal(del(t, "a", 1), 1);
    assert_int_equal(del(t, "a", 1), 0);
    assert_int_equal(get(t, "a", 1, &v), 0);
    /* limits */
    Err e;
    err_clear(&e);
    uint8_t *k = calloc(STATE_KEY_MAX + 1, 1);
    assert_int_equal(state_put(t, state_hash(k, STATE_KEY_MAX + 1), k, STATE_KEY_MAX + 1, NULL, 0, &e),
                     WEIR_EINVAL);
    free(k);
    state_clear(t);
    StateStats st;
    state_stats(t, &st);
    assert_int_equal(st.n_entries, 0);
    assert_int_equal(st.mem_bytes, 0);
    assert_int_equal(get(t, "", 0, &v), 0);
    put(t, "x", 1, "y", 1);
    assert_int_equal(get(t, "x", 1, &v), 1);
    state_destroy(&t);
    assert_null(t);
    state_destroy(&t);
}

static void test_upsert(void **state)
{
    UNUSED(state);
    for (int ordered = 0; ordered < 2; ordered++) {
        StateTable *t = mk(2, ordered, 0);
        Err e;
        err_clear(&e);
        uint8_t *p;
        int is_new;
        /* a running sum per key, updated in place */
        for (int i = 0; i < 20000; i++) {
            char key[16];
            int kn = snprintf(key, sizeof(key), "g%d", i % 1000);
            assert_int_equal(state_upsert(t, state_hash((uint8_t *)key, (size_t)kn), (uint8_t *)key,
                                          (size_t)kn, 16, &p, &is_new, &e),
                             WEIR_OK);
            assert_int_equal((uintptr_t)p % 8, 0);
            assert_int_equal(is_new, i < 1000);
            int64_t s;
            memcpy(&s, p, 8);
            if (is_new)
                assert_int_equal(s, 0);
            s += i;
            memcpy(p, &s, 8);
        }
        for (int g = 0; g < 1000; g++) {
            char key[16];
            int kn = snprintf(key, sizeof(key), "g%d", g);
            Slice v;
            assert_int_equal(get(t, key, (size_t)kn, &v), 1);
            int64_t s;
            memcpy(&s, v.p, 8);
            int64_t want = 0;
            for (int i = g; i < 20000; i += 1000)
                want += i;
            assert_int_equal(s, want);
        }
        /* growth keeps the old bytes and zeroes the rest */
        assert_int_equal(
            state_upsert(t, state_hash((uint8_t *)"g7", 2), (uint8_t *)"g7", 2, 4000, &p, &is_new, &e),
            WEIR_OK);
        assert_int_equal(is_new, 0);
        int64_t s;
        memcpy(&s, p, 8);
        assert_true(s > 0);
        for (int i = 16; i < 4000; i++)
            assert_int_equal(p[i], 0);
        state_destroy(&t);
    }
}

static void test_budget(void **state)
{
    UNUSED(state);
    StateTable *t = mk(3, 1, 256 * 1024);
    Err e;
    int i, rc = WEIR_OK;
    uint8_t val[100] = {1};
    for (i = 0; i < 100000; i++) {
        uint8_t key[8];
        memcpy(key, &i, 4);
        err_clear(&e);
        rc = state_put(t, state_hash(key, 4), key, 4, val, sizeof(val), &e);
        if (rc)
            break;
    }
    assert_int_equal(rc, WEIR_ELIMIT);
    assert_non_null(strstr(e.msg, "budget"));
    StateStats st;
    state_stats(t, &st);
    assert_int_equal(st.n_entries, (uint64_t)i); /* the failed put left nothing behind */
    assert_true(st.mem_bytes <= 256 * 1024);
    Slice v;
    uint8_t key[8];
    memcpy(key, &i, 4);
    assert_int_equal(get(t, key, 4, &v), 0);
    /* a large entry over the budget fails too; the rest still works after deletes */
    uint8_t *big = calloc(1, 400000);
    err_clear(&e);
    assert_int_equal(state_put(t, state_hash((uint8_t *)"big", 3), (uint8_t *)"big", 3, big, 400000, &e),
                     WEIR_ELIMIT);
    free(big);
    int zero = 0;
    memcpy(key, &zero, 4);
    assert_int_equal(del(t, key, 4), 1);
    put(t, key, 4, val, sizeof(val));
    state_destroy(&t);
}

/* ------------------------------------------------------------------------------------------------
 * random workload against the model
 * ---------------------------------------------------------------------------------------------- */

static size_t rnd_key(uint8_t *k, int space)
{
    /* short keys with shared prefixes (like rowcodec keys: window end, then group) */
    uint32_t x = (uint32_t)(rnd() % (uint64_t)space);
    size_t n = 0;
    k[n++] = (uint8_t)(x % 7);
    k[n++] = (uint8_t)(x / 7 % 5);
    for (uint32_t y = x / 35; y; y /= 200)
        k[n++] = (uint8_t)(y % 200);
    return n;
}

static void check_ranges(StateTable *t, Model *m)
{
    Err e;
    err_clear(&e);
    for (int r = 0; r < 30; r++) {
        uint8_t lo[40], hi[40];
        size_t lon = rnd_key(lo, 3000), hin = rnd_key(hi, 3000);
        if (r % 3 == 0)
            lon = 1 + rnd() % 2;
        if (r % 3 == 1)
            hin = 1 + rnd() % 2;
        int use_lo = r % 5 != 0, use_hi = r % 7 != 0;
        StateIter it;
        assert_int_equal(state_iter_range(&it, t, use_lo ? lo : NULL, lon, use_hi ? hi : NULL, hin, &e),
                         WEIR_OK);
        size_t i = use_lo ? m_lower(m, lo, lon) : 0;
        Slice k, v;
        while (state_iter_next(&it, &k, &v)) {
            assert_true(i < m->n);
            assert_int_equal(k.n, m->e[i].kn);
            assert_memory_equal(k.p, m->e[i].k, k.n);
            i++;
        }
        /* the next model key (if any) is past the upper bound */
        if (use_hi && i < m->n) {
            size_t mm = m->e[i].kn < hin ? m->e[i].kn : hin;
            assert_true(memcmp(m->e[i].k, hi, mm) > 0);
        } else {
            assert_int_equal(i, m->n);
        }
    }
    /* prefix walk: lo = hi = P gives exactly the keys starting with P */
    uint8_t p[1] = {3};
    StateIter it;
    assert_int_equal(state_iter_range(&it, t, p, 1, p, 1, &e), WEIR_OK);
    size_t want = 0, got = 0;
    for (size_t i = 0; i < m->n; i++)
        want += m->e[i].kn >= 1 && m->e[i].k[0] == 3;
    Slice k, v;
    while (state_iter_next(&it, &k, &v)) {
        assert_int_equal(k.p[0], 3);
        got++;
    }
    assert_int_equal(got, want);
}

static void test_random_vs_model(void **state)
{
    UNUSED(state);
    for (int ordered = 0; ordered < 2; ordered++) {
        StateTable *t = mk(4, ordered, 0);
        Model m = {0};
        uint8_t val[600];
        for (int step = 0; step < 60000; step++) {
            uint8_t k[40];
            size_t kn = rnd_key(k, 3000);
            uint64_t op = rnd() % 10;
            if (op < 6) {
                size_t vn = rnd() % 4 == 0 ? rnd() % 600 : rnd() % 24;
                for (size_t i = 0; i < vn; i++)
                    val[i] = (uint8_t)rnd();
                put(t, k, kn, val, vn);
                m_put(&m, k, kn, val, vn);
            } else if (op < 9) {
                int had = m_find(&m, k, kn) != NULL;
                assert_int_equal(del(t, k, kn), had);
                m_del(&m, k, kn);
            } else {
                Slice v;
                MEnt *f = m_find(&m, k, kn);
                assert_int_equal(get(t, k, kn, &v), f != NULL);
                if (f) {
                    assert_int_equal(v.n, f->vn);
                    if (v.n)
                        assert_memory_equal(v.p, f->v, v.n);
                }
            }
            if (step % 10000 == 9999) {
                check_same(t, &m, ordered);
                if (ordered)
                    check_ranges(t, &m);
            }
        }
        Err e;
        err_clear(&e);
        StateIter it;
        if (!ordered)
            assert_int_equal(state_iter_range(&it, t, NULL, 0, NULL, 0, &e), WEIR_EINVAL);
        /* delete every other entry during a walk: each entry is seen once */
        Slice k, v;
        state_iter_all(&it, t);
        size_t n = 0, n0 = m.n;
        while (state_iter_next(&it, &k, &v)) {
            if (n++ % 2 == 0) {
                uint8_t kk[40];
                size_t kn = k.n;
                memcpy(kk, k.p, kn);
                assert_int_equal(del(t, kk, kn), 1);
                m_del(&m, kk, kn);
            }
        }
        assert_int_equal(n, n0);
        check_same(t, &m, ordered);
        /* windows closing in order: take everything up to a prefix, deleting as we go */
        if (ordered) {
            uint8_t hi[1] = {4};
            assert_int_equal(state_iter_range(&it, t, NULL, 0, hi, 1, &e), WEIR_OK);
            while (state_iter_next(&it, &k, &v)) {
                assert_true(k.p[0] <= 4);
                uint8_t kk[40];
                size_t kn = k.n;
                memcpy(kk, k.p, kn);
                assert_int_equal(del(t, kk, kn), 1);
                m_del(&m, kk, kn);
            }
            for (size_t i = 0; i < m.n; i++)
                assert_true(m.e[i].k[0] > 4);
            check_same(t, &m, ordered);
        }
        state_destroy(&t);
        m_free(&m);
    }
}

/* ------------------------------------------------------------------------------------------------
 * checkpoints
 * ---------------------------------------------------------------------------------------------- */

static char tmpdir[64];

static int setup_dir(void **state)
{
    UNUSED(state);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/weir-state-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    UNUSED(state);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd);
}

static void ckpt(StateTable *t, uint64_t no, StateCkptKind kind, StateCkptResult *r)
{
    Err e;
    err_clear(&e);
    int rc = state_checkpoint_write(t, tmpdir, no, kind, r, &e);
    if (rc)
        fail_msg("checkpoint %llu: %s", (unsigned long long)no, e.msg);
}

/* Restore the table's current chain into a new table and compare it with the model. */
static void check_restore(StateTable *t, Model *m, int ordered)
{
    size_t n;
    const char *const *chain = state_checkpoint_chain(t, &n);
    assert_true(n >= 1);
    StateTable *r = mk(7, ordered, 0);
    Err e;
    err_clear(&e);
    int rc = state_restore(r, chain, n, &e);
    if (rc)
        fail_msg("restore: %s", e.msg);
    check_same(r, m, ordered);
    StateStats a, b;
    state_stats(t, &a);
    state_stats(r, &b);
    assert_int_equal(b.last_ckpt, a.last_ckpt);
    assert_int_equal(b.last_full_ckpt, a.last_full_ckpt);
    assert_int_equal(b.n_changed, 0);
    state_destroy(&r);
}

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)sz + 1);
    assert_int_equal(fread(p, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return p;
}

static void test_checkpoint_chain(void **state)
{
    UNUSED(state);
    for (int ordered = 0; ordered < 2; ordered++) {
        StateTable *t = mk(7, ordered, 0);
        Model m = {0};
        StateCkptResult r;
        uint8_t val[300];
        /* a table of 3000 entries, then intervals of changes with AUTO checkpoints */
        for (int i = 0; i < 3000; i++) {
            uint8_t k[40];
            size_t kn = rnd_key(k, 4000);
            size_t vn = rnd() % 120;
            memset(val, i & 0xff, vn);
            put(t, k, kn, val, vn);
            m_put(&m, k, kn, val, vn);
        }
        assert_true(state_checkpoint_want_full(t));
        ckpt(t, 1, STATE_CKPT_AUTO, &r);
        assert_int_equal(r.kind, STATE_CKPT_FULL);
        assert_int_equal(r.n_obsolete, 0);
        assert_int_equal(r.n_records, m.n);
        assert_non_null(strstr(r.path, ".full"));
        state_ckpt_result_fini(&r);
        check_restore(t, &m, ordered);
        int n_full = 1, n_delta = 0;
        for (uint64_t no = 2; no < 40; no++) {
            StateStats st;
            for (int i = 0; i < 400; i++) {
                uint8_t k[40];
                size_t kn = rnd_key(k, 4000); /* mostly keys the table has: deltas grow, the table does not */
                if (rnd() % 3 == 0) {
                    assert_int_equal(del(t, k, kn), m_find(&m, k, kn) != NULL);
                    m_del(&m, k, kn);
                } else {
                    size_t vn = rnd() % 300;
                    memset(val, (int)no, vn);
                    put(t, k, kn, val, vn);
                    m_put(&m, k, kn, val, vn);
                }
            }
            state_stats(t, &st);
            assert_true(st.n_changed > 0);
            int want_full = state_checkpoint_want_full(t);
            size_t n_chain_before;
            state_checkpoint_chain(t, &n_chain_before);
            ckpt(t, no * 10, STATE_CKPT_AUTO, &r);
            assert_int_equal(r.kind, want_full ? STATE_CKPT_FULL : STATE_CKPT_DELTA);
            if (r.kind == STATE_CKPT_FULL) {
                n_full++;
                /* the previous chain is now obsolete, and only that */
                assert_int_equal(r.n_obsolete, n_chain_before);
                for (size_t i = 0; i < r.n_obsolete; i++)
                    assert_int_equal(access(r.obsolete[i], F_OK), 0);
            } else {
                n_delta++;
                assert_int_equal(r.n_obsolete, 0);
            }
            state_stats(t, &st);
            assert_int_equal(st.n_changed, 0);
            assert_int_equal(st.n_tombstones, 0);
            assert_int_equal(st.last_ckpt, no * 10);
            /* the policy bound: the deltas never outgrow the table by more than one delta */
            assert_true(st.delta_bytes <= st.key_bytes + st.val_bytes + st.n_entries * 4 + r.bytes);
            state_ckpt_result_fini(&r);
            if (no % 5 == 0)
                check_restore(t, &m, ordered);
        }
        if (n_full < 2 || n_delta < 5)
            fail_msg("%d full, %d delta checkpoints", n_full, n_delta);
        check_restore(t, &m, ordered);
        /* numbers must increase; a delta needs a full snapshot before it */
        Err e;
        err_clear(&e);
        assert_int_equal(state_checkpoint_write(t, tmpdir, 5, STATE_CKPT_DELTA, &r, &e), WEIR_EINVAL);
        StateTable *fresh = mk(7, ordered, 0);
        err_clear(&e);
        assert_int_equal(state_checkpoint_write(fresh, tmpdir, 1000, STATE_CKPT_DELTA, &r, &e), WEIR_EINVAL);
        state_destroy(&fresh);
        state_destroy(&t);
        m_free(&m);
        assert_int_equal(teardown_dir(NULL), 0);
        assert_int_equal(setup_dir(NULL), 0);
    }
}

/* Delete, re-put and delete keys within one interval; deletes of keys made after the last checkpoint
 * need no tombstone, deletes of keys in it need exactly one. */
static void test_tombstones(void **state)
{
    UNUSED(state);
    StateTable *t = mk(7, 1, 0);
    Model m = {0};
    StateCkptResult r;
    put2(t, &m, "a", "1");
    put2(t, &m, "b", "2");
    put2(t, &m, "c", "3");
    ckpt(t, 1, STATE_CKPT_FULL, &r);
    state_ckpt_result_fini(&r);
    /* a: deleted, put, deleted. b: deleted, put. d: put, deleted. c: untouched. */
    del2(t, &m, "a");
    put2(t, &m, "a", "x");
    del2(t, &m, "a");
    del2(t, &m, "b");
    put2(t, &m, "b", "y");
    put2(t, &m, "d", "z");
    del2(t, &m, "d");
    StateStats st;
    state_stats(t, &st);
    assert_int_equal(st.n_tombstones, 2); /* a and b */
    assert_int_equal(st.n_changed, 1);    /* b */
    ckpt(t, 2, STATE_CKPT_DELTA, &r);
    assert_int_equal(r.n_records, 3);
    state_ckpt_result_fini(&r);
    check_restore(t, &m, 1);
    /* an empty delta is a valid checkpoint */
    ckpt(t, 3, STATE_CKPT_DELTA, &r);
    assert_int_equal(r.n_records, 0);
    state_ckpt_result_fini(&r);
    check_restore(t, &m, 1);
    state_destroy(&t);
    m_free(&m);
}

static void expect_refused(const uint8_t *p, size_t n, int want, const char *what)
{
    StateTable *r = mk(7, 1, 0);
    Err e;
    err_clear(&e);
    int rc = state_restore_buf(r, p, n, "f", &e);
    if (rc != want)
        fail_msg("%s: rc %d (%s), want %d", what, rc, e.msg, want);
    StateStats st;
    state_stats(r, &st);
    assert_int_equal(st.n_entries, 0); /* cleared on failure */
    state_destroy(&r);
}

static void test_corruption(void **state)
{
    UNUSED(state);
    StateTable *t = mk(7, 1, 0);
    uint8_t val[200];
    for (int i = 0; i < 1200; i++) {
        uint8_t k[40];
        size_t kn = rnd_key(k, 1000000);
        memset(val, i, sizeof(val));
        put(t, k, kn, val, sizeof(val));
    }
    StateCkptResult r;
    ckpt(t, 1, STATE_CKPT_FULL, &r);
    size_t n;
    uint8_t *p = slurp(r.path, &n);
    assert_int_equal(n, r.bytes);
    assert_true(n > 3 * 65536); /* several blocks */
    /* the intact image restores */
    StateTable *ok = mk(7, 1, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(state_restore_buf(ok, p, n, "f", &e), WEIR_OK);
    state_destroy(&ok);
    /* every truncation is torn */
    for (size_t cut = 0; cut < n; cut += (cut < 200 || n - cut < 200) ? 1 : 997)
        expect_refused(p, cut, WEIR_ECORRUPT, "truncation");
    /* a byte appended */
    uint8_t *q = malloc(n + 1);
    memcpy(q, p, n);
    q[n] = 0;
    expect_refused(q, n + 1, WEIR_ECORRUPT, "trailing byte");
    /* bit flips: every header byte, then a sample across the blocks */
    for (size_t off = 0; off < n; off += off < 80 ? 1 : 331) {
        memcpy(q, p, n);
        q[off] ^= (uint8_t)(1u << (off % 8));
        expect_refused(q, n, WEIR_ECORRUPT, "bit flip");
    }
    /* the last byte (end block CRC) */
    memcpy(q, p, n);
    q[n - 1] ^= 0x80;
    expect_refused(q, n, WEIR_ECORRUPT, "end CRC");
    free(q);
    /* another table's file */
    StateTable *other = mk(8, 1, 0);
    err_clear(&e);
    assert_int_equal(state_restore_buf(other, p, n, "f", &e), WEIR_ECORRUPT);
    assert_non_null(strstr(e.msg, "belongs to table"));
    state_destroy(&other);
    free(p);
    state_ckpt_result_fini(&r);

    /* broken chains: a delta alone, a delta skipping one, a full onto a non-empty table, a missing file */
    put(t, "k1", 2, "v", 1);
    StateCkptResult d1, d2;
    ckpt(t, 2, STATE_CKPT_DELTA, &d1);
    put(t, "k2", 2, "v", 1);
    ckpt(t, 3, STATE_CKPT_DELTA, &d2);
    size_t nc;
    const char *const *chain = state_checkpoint_chain(t, &nc);
    assert_int_equal(nc, 3);
    const char *skip[2] = {chain[0], chain[2]};
    StateTable *x = mk(7, 1, 0);
    err_clear(&e);
    assert_int_equal(state_restore(x, skip, 2, &e), WEIR_ECORRUPT);
    assert_non_null(strstr(e.msg, "broken chain"));
    const char *alone[1] = {chain[1]};
    err_clear(&e);
    assert_int_equal(state_restore(x, alone, 1, &e), WEIR_ECORRUPT);
    const char *twice[2] = {chain[0], chain[0]};
    err_clear(&e);
    assert_int_equal(state_restore(x, twice, 2, &e), WEIR_EINVAL);
    StateStats st;
    state_stats(x, &st);
    assert_int_equal(st.n_entries, 0);
    char missing[128];
    snprintf(missing, sizeof(missing), "%s/nope", tmpdir);
    const char *miss[1] = {missing};
    err_clear(&e);
    assert_int_equal(state_restore(x, miss, 1, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(state_restore(x, chain, nc, &e), WEIR_OK);
    err_clear(&e);
    assert_int_equal(state_restore(x, chain, nc, &e), WEIR_EINVAL); /* not empty */
    state_destroy(&x);
    state_ckpt_result_fini(&d1);
    state_ckpt_result_fini(&d2);
    state_destroy(&t);
}

/* A checkpoint into a directory that does not exist fails with EIO and keeps the changes: the next
 * checkpoint writes them. */
static void test_write_failure(void **state)
{
    UNUSED(state);
    StateTable *t = mk(7, 0, 0);
    Model m = {0};
    StateCkptResult r;
    put2(t, &m, "a", "1");
    ckpt(t, 1, STATE_CKPT_FULL, &r);
    state_ckpt_result_fini(&r);
    put2(t, &m, "b", "2");
    del2(t, &m, "a");
    Err e;
    err_clear(&e);
    char bad[128];
    snprintf(bad, sizeof(bad), "%s/missing-dir", tmpdir);
    assert_int_equal(state_checkpoint_write(t, bad, 2, STATE_CKPT_DELTA, &r, &e), WEIR_EIO);
    assert_null(r.path);
    StateStats st;
    state_stats(t, &st);
    assert_int_equal(st.n_changed, 1);
    assert_int_equal(st.n_tombstones, 1);
    assert_int_equal(st.last_ckpt, 1);
    ckpt(t, 2, STATE_CKPT_DELTA, &r);
    assert_int_equal(r.n_records, 2);
    state_ckpt_result_fini(&r);
    check_restore(t, &m, 0);
    /* no stray temporary files */
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ls %s | grep -c tmp", tmpdir);
    FILE *f = popen(cmd, "r");
    char out[16] = {0};
    assert_non_null(fgets(out, sizeof(out), f));
    pclose(f);
    assert_int_equal(atoi(out), 0);
    state_destroy(&t);
    m_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_upsert),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_random_vs_model),
        cmocka_unit_test_setup_teardown(test_checkpoint_chain, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_tombstones, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_corruption, setup_dir, teardown_dir),
        cmocka_unit_test_setup_teardown(test_write_failure, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
