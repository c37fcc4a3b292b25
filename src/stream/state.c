/*
 * state.c: keyed state tables (see state.h for the contract, docs/internals/stream-state.md for the
 * reasons).
 *
 * INTERFACE ROUTINES
 *   state_create / state_destroy / state_clear
 *   state_get / state_put / state_upsert / state_delete      the hot path: one probe of the index
 *   state_iter_all / state_iter_range / state_iter_next       slab walk, or skiplist walk
 *   state_stats
 *   state_checkpoint_write / state_checkpoint_want_full / state_checkpoint_chain
 *   state_restore / state_restore_buf
 *
 * Memory layout of an entry (one piece, from a slab chunk of its size class or, above SLAB_MAX, its own
 * malloc behind a Large header):
 *
 *   StateEntry header (16 bytes) | next[level] (ordered tables) | value, padded to 8 | key
 *
 * The value comes first so it is 8-byte aligned for in-place accumulators (state_upsert). A free slot
 * keeps flags == 0 and holds the free-list link in its first 8 bytes, so a walk over a chunk's slots
 * tells live entries from free ones by the flags byte.
 *
 * Invariants:
 *   1. Every live entry is in the index exactly once, and (ordered tables) in the skiplist exactly once.
 *   2. A live entry is in the last checkpoint's image (E_IN_IMAGE) or on the dirty list (dirty != 0),
 *      or both; so a delta (tombstones + dirty entries) turns the image into the table.
 *   3. A key is on the tombstone list at most once per checkpoint interval: only entries with
 *      E_IN_IMAGE leave a tombstone, and a key put again after its delete starts without E_IN_IMAGE.
 *   4. mem counts every byte the table holds, and never passes the budget through a chunk, large entry
 *      or index allocation (change tracking may: it is bounded by the checkpoint interval's puts).
 *
 * Checkpoint file format (integers little-endian):
 *   header  64 bytes: "WEIRSTT1", u16 version (1), u8 kind (1 full, 2 delta), u8 0, u32 header length
 *           (64), u64 table id, u64 checkpoint, u64 base checkpoint (delta: the one it follows; full: 0),
 *           u64 entries after applying, u64 0, u32 0, u32 CRC32C of bytes 0..60
 *   blocks  u32 payload length, u32 records (>= 1), payload, u32 CRC32C of the 8 header bytes + payload;
 *           a record is u8 op (1 put, 2 delete), LEB128 key length, (put) LEB128 value length, key,
 *           (put) value; a delta has its deletes first
 *   end     a block with 0 records and a 16-byte payload: u64 records, u64 data blocks; then EOF
 */
#include "stream/state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc32c.h"
#include "base/fsio.h"
#include "store/segment.h" /* little-endian and LEB128 helpers */

#ifdef WEIR_DEBUG
#include <assert.h>
#endif

struct StateEntry {
    uint32_t key_len;
    uint32_t val_len;
    uint32_t dirty; /* 1 + position on t->dirty; 0 when unchanged since the last checkpoint */
    uint8_t cls;    /* size class, CLS_LARGE for an entry with its own malloc */
    uint8_t flags;  /* E_LIVE | E_IN_IMAGE; 0 for a free slot */
    uint8_t level;  /* skiplist tower height (0 in unordered tables) */
    uint8_t pad;
};

#define E_LIVE 1
#define E_IN_IMAGE 2
#define CLS_LARGE 0xff
#define N_SMALL_CLS 32               /* 8, 16, ... 256 */
#define N_CLS (N_SMALL_CLS + 4 * 10) /* then 4 per doubling up to 256 KiB */
#define SLAB_MAX (256u * 1024)
#define CHUNK_MIN 4096u
#define CHUNK_MAX (2048u * 1024) /* a huge page: see big_alloc */

typedef struct Chunk {
    struct Chunk *next; /* every chunk of the table, newest first */
    uint32_t slot_size;
    uint32_t n_slots;
    uint32_t n_carved; /* slots handed out at least once; the walk looks at these */
    uint32_t pad;
    uint64_t pad2;
} Chunk; /* 32 bytes, then the slots */

typedef struct Large {
    struct Large *prev, *next;
    size_t bytes;
    uint64_t pad;
} Large; /* 32 bytes, then the entry */

typedef struct SizeClass {
    uint32_t size;
    uint32_t chunk_bytes; /* size of the next chunk (doubling up to CHUNK_MAX) */
    void *free;           /* free slots, linked through their first 8 bytes */
    Chunk *cur;           /* chunk being carved */
} SizeClass;

typedef struct Slot {
    uint64_t hash;
    StateEntry *e; /* NULL: empty */
} Slot;

struct StateTable {
    StateConfig cfg;
    SizeClass cls[N_CLS];
    Chunk *chunks;
    Large *large;
    Slot *slots;
    size_t cap, n; /* index slots (power of two), live entries */
    StateEntry *head[STATE_MAX_LEVEL];
    int sl_level; /* highest level in use */
    uint64_t rng;
    uint64_t key_bytes, val_bytes;
    size_t mem;
    /* changes since the last checkpoint */
    StateEntry **dirty;
    uint32_t n_dirty, cap_dirty, n_dirty_live;
    uint8_t *tomb; /* u32 key length + key, per deleted key */
    size_t tomb_len, tomb_cap;
    uint64_t n_tomb;
    /* checkpoint history */
    uint64_t last_ckpt, last_full;
    uint64_t delta_bytes;
    char **chain;
    size_t n_chain, cap_chain;
};

static inline size_t align8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static inline StateEntry **ent_tower(StateEntry *e)
{
    return (StateEntry **)(void *)(e + 1);
}

static inline uint8_t *ent_val(const StateEntry *e)
{
    return (uint8_t *)(uintptr_t)(e + 1) + 8u * e->level;
}

static inline uint8_t *ent_key(const StateEntry *e)
{
    return ent_val(e) + align8(e->val_len);
}

static inline size_t ent_size(int level, size_t val_len, size_t key_len)
{
    return sizeof(StateEntry) + 8u * (size_t)level + align8(val_len) + key_len;
}

static inline int key_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static inline void check_hash(uint64_t h, const uint8_t *key, size_t key_len)
{
#ifdef WEIR_DEBUG
    assert(h == rowcodec_hash(key, key_len) && "state: h must be state_hash(key)");
#else
    UNUSED(h);
    UNUSED(key);
    UNUSED(key_len);
#endif
}

/* ------------------------------------------------------------------------------------------------
 * Slabs
 * ---------------------------------------------------------------------------------------------- */

static int cls_index(size_t size)
{
    if (size <= 256)
        return (int)((size + 7) / 8) - 1;
    int p = 63 - __builtin_clzll((unsigned long long)(size - 1)); /* 2^p < size <= 2^(p+1) */
    size_t step = (size_t)1 << (p - 2);
    int j = (int)((size - ((size_t)1 << p) + step - 1) / step); /* 1..4 */
    return N_SMALL_CLS + (p - 8) * 4 + j - 1;
}

/* Memory for a chunk or an index. Multiples of 2 MiB come 2 MiB-aligned and marked for transparent huge
 * pages: a big table's random probes then miss the TLB far less (THP is often "madvise" only). Freed
 * with free(). */
static void *big_alloc(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    if (bytes < huge || bytes % huge)
        return xmalloc(bytes);
    void *p = aligned_alloc(huge, bytes);
    if (!p)
        weir_panic("out of memory (aligned_alloc %zu)", bytes);
    (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: without THP it is ordinary memory */
    return p;
}

static int over_budget(const StateTable *t, size_t more)
{
    return t->cfg.mem_budget && t->mem + more > t->cfg.mem_budget;
}

/* Memory for an entry of size bytes, or NULL over the budget. Sets cls; the caller fills the rest. */
static StateEntry *ent_alloc(StateTable *t, size_t size)
{
    if (size > SLAB_MAX) {
        size_t bytes = sizeof(Large) + size;
        if (over_budget(t, bytes))
            return NULL;
        Large *l = xmalloc(bytes);
        l->prev = NULL;
        l->next = t->large;
        l->bytes = bytes;
        if (t->large)
            t->large->prev = l;
        t->large = l;
        t->mem += bytes;
        StateEntry *e = (StateEntry *)(void *)(l + 1);
        e->cls = CLS_LARGE;
        return e;
    }
    int ci = cls_index(size);
    SizeClass *c = &t->cls[ci];
    StateEntry *e;
    if (c->free) {
        e = c->free;
        memcpy(&c->free, e, sizeof(void *));
    } else {
        if (!c->cur || c->cur->n_carved == c->cur->n_slots) {
            size_t bytes = c->chunk_bytes;
            if (over_budget(t, bytes))
                return NULL;
            Chunk *k = big_alloc(bytes);
            k->slot_size = c->size;
            k->n_slots = (uint32_t)((bytes - sizeof(Chunk)) / c->size);
            k->n_carved = 0;
            k->next = t->chunks;
            t->chunks = k;
            c->cur = k;
            t->mem += bytes;
            /* chunks double (a small table stays small) up to 2 MiB (one huge page) or 8 slots */
            uint32_t cap_bytes = c->size * 8u + (uint32_t)sizeof(Chunk) > CHUNK_MAX
                                     ? c->size * 8u + (uint32_t)sizeof(Chunk)
                                     : CHUNK_MAX;
            c->chunk_bytes = c->chunk_bytes * 2 > cap_bytes ? cap_bytes : c->chunk_bytes * 2;
        }
        Chunk *k = c->cur;
        e = (StateEntry *)(void *)((uint8_t *)(k + 1) + (size_t)k->n_carved * k->slot_size);
        k->n_carved++;
    }
    e->cls = (uint8_t)ci;
    return e;
}

static void ent_free(StateTable *t, StateEntry *e)
{
    e->flags = 0;
    if (e->cls == CLS_LARGE) {
        Large *l = (Large *)(void *)e - 1;
        if (l->prev)
            l->prev->next = l->next;
        else
            t->large = l->next;
        if (l->next)
            l->next->prev = l->prev;
        t->mem -= l->bytes;
        free(l);
        return;
    }
    SizeClass *c = &t->cls[e->cls];
    memcpy(e, &c->free, sizeof(void *)); /* bytes 0..7: flags (byte 13) stays 0 */
    c->free = e;
}

/* Bytes an entry's memory can hold. */
static size_t ent_capacity(const StateTable *t, const StateEntry *e)
{
    if (e->cls == CLS_LARGE)
        return ((const Large *)(const void *)e - 1)->bytes - sizeof(Large);
    return t->cls[e->cls].size;
}

/* ------------------------------------------------------------------------------------------------
 * Index
 * ---------------------------------------------------------------------------------------------- */

static size_t idx_find(const StateTable *t, uint64_t h, const uint8_t *key, size_t key_len)
{
    if (!t->cap)
        return SIZE_MAX;
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const Slot *s = &t->slots[i];
        if (!s->e)
            return SIZE_MAX;
        if (s->hash == h && s->e->key_len == key_len && memcmp(ent_key(s->e), key, key_len) == 0)
            return i;
    }
}

static void idx_insert(Slot *slots, size_t cap, uint64_t h, StateEntry *e)
{
    size_t mask = cap - 1, i = h & mask;
    while (slots[i].e)
        i = (i + 1) & mask;
    slots[i].hash = h;
    slots[i].e = e;
}

/* Room for one more entry at load <= 3/4. WEIR_ELIMIT over the budget. */
static int idx_reserve(StateTable *t)
{
    if ((t->n + 1) * 4 <= t->cap * 3)
        return WEIR_OK;
    size_t ncap = t->cap ? t->cap * 2 : 64;
    if (over_budget(t, ncap * sizeof(Slot)))
        return WEIR_ELIMIT;
    Slot *ns = big_alloc(ncap * sizeof(Slot));
    memset(ns, 0, ncap * sizeof(Slot));
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].e)
            idx_insert(ns, ncap, t->slots[i].hash, t->slots[i].e);
    free(t->slots);
    t->mem += (ncap - t->cap) * sizeof(Slot);
    t->slots = ns;
    t->cap = ncap;
    return WEIR_OK;
}

/* Empty slot i, moving later members of its cluster back so every probe still finds them (Knuth's
 * algorithm R: no tombstones, so probe lengths do not grow with deletes). */
static void idx_remove(StateTable *t, size_t i)
{
    size_t mask = t->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!t->slots[j].e)
            break;
        size_t home = t->slots[j].hash & mask;
        int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!stays) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i].e = NULL;
    t->slots[i].hash = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Skiplist (ordered tables)
 * ---------------------------------------------------------------------------------------------- */

static int sl_random_level(StateTable *t)
{
    t->rng ^= t->rng >> 12;
    t->rng ^= t->rng << 25;
    t->rng ^= t->rng >> 27;
    uint64_t r = t->rng * 0x2545F4914F6CDD1Dull;
    int l = 1;
    while (l < STATE_MAX_LEVEL && (r & 3) == 0) { /* p = 1/4: 1.33 pointers per entry */
        l++;
        r >>= 2;
    }
    return l;
}

/* preds[l]: the link at level l that points at the first entry >= key (for l < t->sl_level). */
static void sl_preds(StateTable *t, const uint8_t *key, size_t key_len, StateEntry ***preds)
{
    StateEntry **link = t->head;
    for (int l = t->sl_level - 1; l >= 0; l--) {
        StateEntry *n;
        while ((n = link[l]) && key_cmp(ent_key(n), n->key_len, key, key_len) < 0)
            link = ent_tower(n);
        preds[l] = &link[l];
    }
}

static void sl_insert(StateTable *t, StateEntry *e)
{
    StateEntry **preds[STATE_MAX_LEVEL];
    while (t->sl_level < e->level)
        t->head[t->sl_level++] = NULL;
    sl_preds(t, ent_key(e), e->key_len, preds);
    StateEntry **tw = ent_tower(e);
    for (int l = 0; l < e->level; l++) {
        tw[l] = *preds[l];
        *preds[l] = e;
    }
}

/* Unlink old and, when repl is not NULL, link repl (same key and level) in its place. */
static void sl_replace(StateTable *t, StateEntry *old, StateEntry *repl)
{
    StateEntry **preds[STATE_MAX_LEVEL];
    sl_preds(t, ent_key(old), old->key_len, preds);
    StateEntry **tw = ent_tower(old);
    for (int l = 0; l < old->level; l++) {
        if (NEVER(*preds[l] != old))
            continue;
        *preds[l] = repl ? repl : tw[l];
    }
}

/* ------------------------------------------------------------------------------------------------
 * Change tracking
 * ---------------------------------------------------------------------------------------------- */

static void dirty_mark(StateTable *t, StateEntry *e)
{
    if (e->dirty)
        return;
    if (t->n_dirty == t->cap_dirty && t->n_dirty_live < t->n_dirty / 2) {
        /* most of the list is deleted entries: squeeze them out instead of growing */
        uint32_t j = 0;
        for (uint32_t i = 0; i < t->n_dirty; i++)
            if (t->dirty[i]) {
                t->dirty[j] = t->dirty[i];
                t->dirty[j]->dirty = j + 1;
                j++;
            }
        t->n_dirty = j;
    }
    if (t->n_dirty == t->cap_dirty) {
        uint32_t nc = t->cap_dirty ? t->cap_dirty * 2 : 256;
        t->dirty = xrealloc(t->dirty, (size_t)nc * sizeof(*t->dirty));
        t->mem += (size_t)(nc - t->cap_dirty) * sizeof(*t->dirty);
        t->cap_dirty = nc;
    }
    t->dirty[t->n_dirty++] = e;
    e->dirty = t->n_dirty;
    t->n_dirty_live++;
}

static void dirty_unmark(StateTable *t, StateEntry *e)
{
    if (!e->dirty)
        return;
    t->dirty[e->dirty - 1] = NULL;
    e->dirty = 0;
    t->n_dirty_live--;
}

static void tomb_add(StateTable *t, const uint8_t *key, uint32_t key_len)
{
    size_t need = t->tomb_len + 4 + key_len;
    if (need > t->tomb_cap) {
        size_t nc = t->tomb_cap ? t->tomb_cap * 2 : 4096;
        while (nc < need)
            nc *= 2;
        t->tomb = xrealloc(t->tomb, nc);
        t->mem += nc - t->tomb_cap;
        t->tomb_cap = nc;
    }
    memcpy(t->tomb + t->tomb_len, &key_len, 4);
    memcpy(t->tomb + t->tomb_len + 4, key, key_len);
    t->tomb_len = need;
    t->n_tomb++;
}

/* After a checkpoint: everything live is in the image, nothing is pending. */
static void changes_clear(StateTable *t)
{
    for (uint32_t i = 0; i < t->n_dirty; i++)
        if (t->dirty[i]) {
            t->dirty[i]->dirty = 0;
            t->dirty[i]->flags |= E_IN_IMAGE;
        }
    t->n_dirty = t->n_dirty_live = 0;
    t->tomb_len = 0;
    t->n_tomb = 0;
}

/* ------------------------------------------------------------------------------------------------
 * Create, destroy
 * ---------------------------------------------------------------------------------------------- */

/* Size classes: 8-byte steps up to 256 bytes (small entries waste at most 7 bytes), then four per
 * doubling up to SLAB_MAX (at most 25% waste). */
static void cls_init(StateTable *t)
{
    int n = 0;
    for (uint32_t s = 8; s <= 256; s += 8)
        t->cls[n++].size = s;
    for (uint32_t base = 256; base < SLAB_MAX; base *= 2)
        for (uint32_t j = 1; j <= 4; j++)
            t->cls[n++].size = base + j * (base / 4);
    if (n != N_CLS || t->cls[N_CLS - 1].size != SLAB_MAX)
        weir_panic("state: size classes");
    for (int i = 0; i < N_CLS; i++) {
        uint32_t b = t->cls[i].size * 2;
        t->cls[i].chunk_bytes = (uint32_t)sizeof(Chunk) + (b < CHUNK_MIN ? CHUNK_MIN : b);
        t->cls[i].free = NULL;
        t->cls[i].cur = NULL;
    }
}

int state_create(const StateConfig *cfg, StateTable **out, Err *e)
{
    *out = NULL;
    if (!cfg)
        return err_set(e, WEIR_EINVAL, "state: no config");
    StateTable *t = xcalloc(1, sizeof(*t));
    t->cfg = *cfg;
    t->rng = 0x9E3779B97F4A7C15ull ^ cfg->table_id;
    if (!t->rng)
        t->rng = 1;
    cls_init(t);
    *out = t;
    return WEIR_OK;
}

static void chain_free(char **chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(chain[i]);
    free(chain);
}

static void table_release(StateTable *t)
{
    for (Chunk *k = t->chunks, *nk; k; k = nk) {
        nk = k->next;
        free(k);
    }
    for (Large *l = t->large, *nl; l; l = nl) {
        nl = l->next;
        free(l);
    }
    free(t->slots);
    free(t->dirty);
    free(t->tomb);
}

void state_clear(StateTable *t)
{
    table_release(t);
    chain_free(t->chain, t->n_chain);
    StateConfig cfg = t->cfg;
    uint64_t rng = t->rng;
    memset(t, 0, sizeof(*t));
    t->cfg = cfg;
    t->rng = rng;
    cls_init(t);
}

void state_destroy(StateTable **tp)
{
    if (!tp || !*tp)
        return;
    StateTable *t = *tp;
    table_release(t);
    chain_free(t->chain, t->n_chain);
    free(t);
    *tp = NULL;
}

/* ------------------------------------------------------------------------------------------------
 * Entries
 * ---------------------------------------------------------------------------------------------- */

int state_get(const StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, Slice *val)
{
    check_hash(h, key, key_len);
    size_t i = idx_find(t, h, key, key_len);
    if (i == SIZE_MAX)
        return 0;
    const StateEntry *en = t->slots[i].e;
    val->p = ent_val(en);
    val->n = en->val_len;
    return 1;
}

static int budget_err(const StateTable *t, Err *e)
{
    return err_set(e, WEIR_ELIMIT, "state: table %" PRIu64 " over its memory budget of %zu bytes",
                   t->cfg.table_id, t->cfg.mem_budget);
}

/* The upsert behind state_put/state_upsert and restore. track: record the change for the next
 * checkpoint (0 while restoring, when the entry is in the image already). */
static int upsert(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, size_t val_len,
                  uint8_t **val, int *is_new, int track, Err *e)
{
    if (key_len > STATE_KEY_MAX || val_len > STATE_VAL_MAX)
        return err_set(e, WEIR_EINVAL,
                       "state: key of %zu bytes or value of %zu bytes over the limits (%u, %u)", key_len,
                       val_len, STATE_KEY_MAX, STATE_VAL_MAX);
    size_t i = idx_find(t, h, key, key_len);
    if (i != SIZE_MAX) {
        StateEntry *en = t->slots[i].e;
        *is_new = 0;
        if (en->val_len != val_len) {
            size_t need = ent_size(en->level, val_len, key_len);
            /* stay in place when it fits, unless a slab entry shrank into a smaller class */
            if (need <= ent_capacity(t, en) && (en->cls == CLS_LARGE || cls_index(need) == en->cls)) {
                /* same slot: move the key to its new offset */
                uint8_t *v = ent_val(en);
                memmove(v + align8(val_len), v + align8(en->val_len), key_len);
                if (val_len > en->val_len)
                    memset(v + en->val_len, 0, val_len - en->val_len);
            } else {
                StateEntry *ne = ent_alloc(t, need);
                if (!ne)
                    return budget_err(t, e);
                uint8_t cls = ne->cls;
                memcpy(ne, en, sizeof(*en) + 8u * en->level); /* header and tower */
                ne->cls = cls;
                uint8_t *nv = ent_val(ne);
                size_t keep = en->val_len < val_len ? en->val_len : val_len;
                memcpy(nv, ent_val(en), keep);
                memset(nv + keep, 0, val_len - keep);
                memcpy(nv + align8(val_len), key, key_len);
                if (t->cfg.is_ordered)
                    sl_replace(t, en, ne);
                if (en->dirty)
                    t->dirty[en->dirty - 1] = ne;
                t->slots[i].e = ne;
                en->dirty = 0;
                ent_free(t, en);
                en = ne;
            }
            t->val_bytes += val_len;
            t->val_bytes -= en->val_len;
            en->val_len = (uint32_t)val_len;
        }
        if (track)
            dirty_mark(t, en);
        *val = ent_val(en);
        return WEIR_OK;
    }
    if (idx_reserve(t))
        return budget_err(t, e);
    int level = t->cfg.is_ordered ? sl_random_level(t) : 0;
    StateEntry *en = ent_alloc(t, ent_size(level, val_len, key_len));
    if (!en)
        return budget_err(t, e);
    en->key_len = (uint32_t)key_len;
    en->val_len = (uint32_t)val_len;
    en->dirty = 0;
    en->flags = track ? E_LIVE : E_LIVE | E_IN_IMAGE;
    en->level = (uint8_t)level;
    en->pad = 0;
    uint8_t *v = ent_val(en);
    memset(v, 0, align8(val_len));
    memcpy(v + align8(val_len), key, key_len);
    if (level)
        sl_insert(t, en);
    idx_insert(t->slots, t->cap, h, en);
    t->n++;
    t->key_bytes += key_len;
    t->val_bytes += val_len;
    if (track)
        dirty_mark(t, en);
    *is_new = 1;
    *val = v;
    return WEIR_OK;
}

int state_upsert(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, size_t val_len, uint8_t **val,
                 int *is_new, Err *e)
{
    check_hash(h, key, key_len);
    return upsert(t, h, key, key_len, val_len, val, is_new, 1, e);
}

int state_put(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len, const uint8_t *val,
              size_t val_len, Err *e)
{
    check_hash(h, key, key_len);
    uint8_t *dst;
    int is_new;
    int rc = upsert(t, h, key, key_len, val_len, &dst, &is_new, 1, e);
    if (rc)
        return rc;
    if (val_len)
        memmove(dst, val, val_len); /* memmove: val may point into this very entry */
    return WEIR_OK;
}

static int delete_at(StateTable *t, size_t i, int track)
{
    StateEntry *en = t->slots[i].e;
    idx_remove(t, i);
    if (t->cfg.is_ordered)
        sl_replace(t, en, NULL);
    if (track && (en->flags & E_IN_IMAGE))
        tomb_add(t, ent_key(en), en->key_len);
    dirty_unmark(t, en);
    t->n--;
    t->key_bytes -= en->key_len;
    t->val_bytes -= en->val_len;
    ent_free(t, en);
    return 1;
}

int state_delete(StateTable *t, uint64_t h, const uint8_t *key, size_t key_len)
{
    check_hash(h, key, key_len);
    size_t i = idx_find(t, h, key, key_len);
    if (i == SIZE_MAX)
        return 0;
    return delete_at(t, i, 1);
}

/* ------------------------------------------------------------------------------------------------
 * Iteration
 * ---------------------------------------------------------------------------------------------- */

void state_iter_all(StateIter *it, StateTable *t)
{
    memset(it, 0, sizeof(*it));
    it->t = t;
    if (t->cfg.is_ordered) {
        it->is_ordered = 1;
        it->next = t->sl_level ? t->head[0] : NULL;
    } else {
        it->chunk = t->chunks;
    }
}

int state_iter_range(StateIter *it, StateTable *t, const uint8_t *lo, size_t lo_len, const uint8_t *hi,
                     size_t hi_len, Err *e)
{
    memset(it, 0, sizeof(*it));
    it->t = t;
    if (!t->cfg.is_ordered)
        return err_set(e, WEIR_EINVAL, "state: range walk of unordered table %" PRIu64, t->cfg.table_id);
    it->is_ordered = 1;
    it->hi = hi;
    it->hi_len = hi_len;
    if (!t->sl_level) {
        it->next = NULL;
    } else if (!lo) {
        it->next = t->head[0];
    } else {
        StateEntry **preds[STATE_MAX_LEVEL];
        sl_preds(t, lo, lo_len, preds);
        it->next = *preds[0];
    }
    return WEIR_OK;
}

int state_iter_next(StateIter *it, Slice *key, Slice *val)
{
    StateEntry *en = NULL;
    if (it->is_ordered) {
        en = it->next;
        if (!en)
            return 0;
        if (it->hi) {
            size_t m = en->key_len < it->hi_len ? en->key_len : it->hi_len;
            if (memcmp(ent_key(en), it->hi, m) > 0) {
                it->next = NULL;
                return 0;
            }
        }
        it->next = ent_tower(en)[0];
    } else {
        while (!en && !it->in_large) {
            Chunk *k = it->chunk;
            if (!k) {
                it->in_large = 1;
                it->chunk = it->t->large;
                break;
            }
            if (it->slot < k->n_carved) {
                StateEntry *c = (StateEntry *)(void *)((uint8_t *)(k + 1) + (size_t)it->slot * k->slot_size);
                it->slot++;
                if (c->flags & E_LIVE)
                    en = c;
            } else {
                it->chunk = k->next;
                it->slot = 0;
            }
        }
        if (!en) {
            Large *l = it->chunk;
            if (!l)
                return 0;
            it->chunk = l->next;
            en = (StateEntry *)(void *)(l + 1);
        }
    }
    key->p = ent_key(en);
    key->n = en->key_len;
    val->p = ent_val(en);
    val->n = en->val_len;
    return 1;
}

void state_stats(const StateTable *t, StateStats *out)
{
    memset(out, 0, sizeof(*out));
    out->n_entries = t->n;
    out->key_bytes = t->key_bytes;
    out->val_bytes = t->val_bytes;
    out->mem_bytes = t->mem;
    out->n_changed = t->n_dirty_live;
    out->n_tombstones = t->n_tomb;
    out->last_ckpt = t->last_ckpt;
    out->last_full_ckpt = t->last_full;
    out->delta_bytes = t->delta_bytes;
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoint files: writing
 * ---------------------------------------------------------------------------------------------- */

#define CKPT_MAGIC "WEIRSTT1"
#define CKPT_VERSION 1
#define CKPT_HDR_LEN 64
#define CKPT_BLOCK_TARGET (64u * 1024)
#define CKPT_BLOCK_MAX (STATE_KEY_MAX + STATE_VAL_MAX + 16u)
#define CKPT_KIND_FULL 1
#define CKPT_KIND_DELTA 2
enum { REC_PUT = 1, REC_DEL = 2 };

typedef struct CkptWriter {
    int fd;
    const char *path;
    uint8_t *blk; /* block being filled: 8 header bytes, then the payload */
    size_t blk_len, blk_cap;
    uint32_t blk_n;
    uint64_t n_records, n_blocks, bytes;
    Err *e;
} CkptWriter;

static int cw_write(CkptWriter *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n) {
        ssize_t k = write(w->fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return err_set(w->e, WEIR_EIO, "state checkpoint %s: write: %s", w->path,
                           k < 0 ? strerror(errno) : "no progress");
        b += k;
        n -= (size_t)k;
        w->bytes += (uint64_t)k;
    }
    return WEIR_OK;
}

/* Write the block being filled (records: blk_n; 0 is the end block). */
static int cw_flush(CkptWriter *w)
{
    uint32_t plen = (uint32_t)(w->blk_len - 8);
    segment_put_u32(w->blk, plen);
    segment_put_u32(w->blk + 4, w->blk_n);
    uint8_t crc[4];
    segment_put_u32(crc, crc32c(w->blk, w->blk_len));
    int rc = cw_write(w, w->blk, w->blk_len);
    if (!rc)
        rc = cw_write(w, crc, 4);
    if (w->blk_n)
        w->n_blocks++;
    w->blk_len = 8;
    w->blk_n = 0;
    return rc;
}

static void cw_reserve(CkptWriter *w, size_t n)
{
    if (w->blk_len + n <= w->blk_cap)
        return;
    size_t nc = w->blk_cap ? w->blk_cap : 8 + CKPT_BLOCK_TARGET + 64;
    while (nc < w->blk_len + n)
        nc *= 2;
    w->blk = xrealloc(w->blk, nc);
    w->blk_cap = nc;
}

static int cw_record(CkptWriter *w, int op, const uint8_t *key, uint32_t key_len, const uint8_t *val,
                     uint32_t val_len)
{
    size_t need = 1 + 5 + 5 + key_len + val_len;
    if (w->blk_n && w->blk_len - 8 + need > CKPT_BLOCK_TARGET) {
        int rc = cw_flush(w);
        if (rc)
            return rc;
    }
    cw_reserve(w, need);
    uint8_t *p = w->blk + w->blk_len;
    size_t n = 0;
    p[n++] = (uint8_t)op;
    n = (size_t)(segment_varint_put(p + n, key_len) - p);
    if (op == REC_PUT)
        n = (size_t)(segment_varint_put(p + n, val_len) - p);
    memcpy(p + n, key, key_len);
    n += key_len;
    if (op == REC_PUT && val_len) {
        memcpy(p + n, val, val_len);
        n += val_len;
    }
    w->blk_len += n;
    w->blk_n++;
    w->n_records++;
    return WEIR_OK;
}

/* The records of a checkpoint of kind into w. */
static int cw_body(CkptWriter *w, StateTable *t, int kind)
{
    int rc = WEIR_OK;
    if (kind == CKPT_KIND_FULL) {
        StateIter it;
        Slice k, v;
        state_iter_all(&it, t);
        while (!rc && state_iter_next(&it, &k, &v))
            rc = cw_record(w, REC_PUT, k.p, (uint32_t)k.n, v.p, (uint32_t)v.n);
        return rc;
    }
    for (size_t off = 0; !rc && off < t->tomb_len;) {
        uint32_t kl;
        memcpy(&kl, t->tomb + off, 4);
        rc = cw_record(w, REC_DEL, t->tomb + off + 4, kl, NULL, 0);
        off += 4 + kl;
    }
    for (uint32_t i = 0; !rc && i < t->n_dirty; i++) {
        StateEntry *en = t->dirty[i];
        if (en)
            rc = cw_record(w, REC_PUT, ent_key(en), en->key_len, ent_val(en), en->val_len);
    }
    return rc;
}

static void chain_push(StateTable *t, char *path)
{
    if (t->n_chain == t->cap_chain) {
        t->cap_chain = t->cap_chain ? t->cap_chain * 2 : 8;
        t->chain = xrealloc(t->chain, t->cap_chain * sizeof(*t->chain));
    }
    t->chain[t->n_chain++] = path;
}

int state_checkpoint_want_full(const StateTable *t)
{
    if (!t->n_chain)
        return 1;
    /* the table's size as a snapshot: its bytes plus a few bytes of framing per record */
    uint64_t size = t->key_bytes + t->val_bytes + (uint64_t)t->n * 4;
    return t->delta_bytes > size;
}

void state_ckpt_result_fini(StateCkptResult *r)
{
    if (!r)
        return;
    free(r->path);
    chain_free(r->obsolete, r->n_obsolete);
    memset(r, 0, sizeof(*r));
}

int state_dir_fsync(const char *dir, Err *e)
{
    if (fsio_dir_fsync(dir))
        return err_set(e, WEIR_EIO, "state checkpoint: fsync directory %s: %s", dir, strerror(errno));
    return WEIR_OK;
}

int state_checkpoint_write(StateTable *t, const char *dir, uint64_t ckpt_no, StateCkptKind kind,
                           StateCkptResult *out, Err *e)
{
    memset(out, 0, sizeof(*out));
    if (kind == STATE_CKPT_AUTO)
        kind = state_checkpoint_want_full(t) ? STATE_CKPT_FULL : STATE_CKPT_DELTA;
    if (kind != STATE_CKPT_FULL && kind != STATE_CKPT_DELTA)
        return err_set(e, WEIR_EINVAL, "state checkpoint: bad kind %d", (int)kind);
    if (ckpt_no == 0 || ckpt_no <= t->last_ckpt)
        return err_set(e, WEIR_EINVAL, "state checkpoint: number %" PRIu64 " after %" PRIu64, ckpt_no,
                       t->last_ckpt);
    if (kind == STATE_CKPT_DELTA && !t->n_chain)
        return err_set(e, WEIR_EINVAL, "state checkpoint: a delta needs an earlier full snapshot");
    int fk = kind == STATE_CKPT_FULL ? CKPT_KIND_FULL : CKPT_KIND_DELTA;

    size_t plen = strlen(dir) + 64;
    char *path = xmalloc(plen), *tmp = xmalloc(plen + 4);
    snprintf(path, plen, "%s/state-%016" PRIx64 "-%020" PRIu64 ".%s", dir, t->cfg.table_id, ckpt_no,
             fk == CKPT_KIND_FULL ? "full" : "delta");
    snprintf(tmp, plen + 4, "%s.tmp", path);

    CkptWriter w;
    memset(&w, 0, sizeof(w));
    w.path = tmp;
    w.e = e;
    w.fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = WEIR_OK;
    if (w.fd < 0) {
        rc = err_set(e, WEIR_EIO, "state checkpoint %s: open: %s", tmp, strerror(errno));
        goto fail;
    }
    uint8_t hdr[CKPT_HDR_LEN];
    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, CKPT_MAGIC, 8);
    hdr[8] = CKPT_VERSION;
    hdr[10] = (uint8_t)fk;
    segment_put_u32(hdr + 12, CKPT_HDR_LEN);
    segment_put_u64(hdr + 16, t->cfg.table_id);
    segment_put_u64(hdr + 24, ckpt_no);
    segment_put_u64(hdr + 32, fk == CKPT_KIND_DELTA ? t->last_ckpt : 0);
    segment_put_u64(hdr + 40, t->n);
    segment_put_u32(hdr + 60, crc32c(hdr, 60));
    if ((rc = cw_write(&w, hdr, sizeof(hdr))))
        goto fail;
    cw_reserve(&w, 8);
    w.blk_len = 8;
    if ((rc = cw_body(&w, t, fk)))
        goto fail;
    if (w.blk_n && (rc = cw_flush(&w)))
        goto fail;
    cw_reserve(&w, 16);
    segment_put_u64(w.blk + 8, w.n_records);
    segment_put_u64(w.blk + 16, w.n_blocks);
    w.blk_len = 24;
    if ((rc = cw_flush(&w)))
        goto fail;
    if (fsync(w.fd)) {
        rc = err_set(e, WEIR_EIO, "state checkpoint %s: fsync: %s", tmp, strerror(errno));
        goto fail;
    }
    if (close(w.fd)) {
        w.fd = -1;
        rc = err_set(e, WEIR_EIO, "state checkpoint %s: close: %s", tmp, strerror(errno));
        goto fail;
    }
    w.fd = -1;
    if (rename(tmp, path)) {
        rc = err_set(e, WEIR_EIO, "state checkpoint: rename %s: %s", tmp, strerror(errno));
        goto fail;
    }
    if ((rc = state_dir_fsync(dir, e))) {
        unlink(path);
        goto fail;
    }
    free(tmp);
    free(w.blk);

    changes_clear(t);
    out->kind = kind;
    out->path = xstrdup(path);
    out->bytes = w.bytes;
    out->n_records = w.n_records;
    if (fk == CKPT_KIND_FULL) {
        out->obsolete = t->chain;
        out->n_obsolete = t->n_chain;
        t->chain = NULL;
        t->n_chain = t->cap_chain = 0;
        t->delta_bytes = 0;
        t->last_full = ckpt_no;
    } else {
        t->delta_bytes += w.bytes;
    }
    chain_push(t, path);
    t->last_ckpt = ckpt_no;
    return WEIR_OK;

fail:
    if (w.fd >= 0)
        close(w.fd);
    unlink(tmp);
    free(tmp);
    free(path);
    free(w.blk);
    return rc;
}

const char *const *state_checkpoint_chain(const StateTable *t, size_t *n)
{
    *n = t->n_chain;
    return (const char *const *)t->chain;
}

/* ------------------------------------------------------------------------------------------------
 * Checkpoint files: reading
 * ---------------------------------------------------------------------------------------------- */

/* Bytes of one checkpoint file, from memory or from a file descriptor (read a block at a time, so a
 * restore never holds a whole snapshot twice). */
typedef struct CkptReader {
    const char *name;
    const uint8_t *mem;
    size_t mem_len;
    int fd; /* -1: memory */
    uint8_t *buf;
    size_t cap;
    uint64_t off;
    Err *e;
} CkptReader;

static int cr_corrupt(CkptReader *r, uint64_t off, const char *what)
{
    return err_set(r->e, WEIR_ECORRUPT, "state checkpoint %s: byte %" PRIu64 ": %s", r->name, off, what);
}

/* Exactly n bytes at *out (valid until the next read), or ECORRUPT when the file ends first (torn). */
static int cr_read(CkptReader *r, size_t n, const uint8_t **out, const char *what)
{
    if (r->fd < 0) {
        if (r->mem_len - r->off < n)
            return cr_corrupt(r, r->off, what);
        *out = r->mem + r->off;
        r->off += n;
        return WEIR_OK;
    }
    if (n > r->cap) {
        size_t nc = r->cap ? r->cap : 65536;
        while (nc < n)
            nc *= 2;
        r->buf = xrealloc(r->buf, nc);
        r->cap = nc;
    }
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(r->fd, r->buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return err_set(r->e, WEIR_EIO, "state checkpoint %s: read: %s", r->name, strerror(errno));
        if (k == 0)
            return cr_corrupt(r, r->off + got, what);
        got += (size_t)k;
    }
    r->off += n;
    *out = r->buf;
    return WEIR_OK;
}

static int cr_expect_eof(CkptReader *r)
{
    if (r->fd < 0)
        return r->off == r->mem_len ? WEIR_OK : cr_corrupt(r, r->off, "bytes after the end block");
    uint8_t b;
    ssize_t k;
    while ((k = read(r->fd, &b, 1)) < 0 && errno == EINTR)
        ;
    if (k < 0)
        return err_set(r->e, WEIR_EIO, "state checkpoint %s: read: %s", r->name, strerror(errno));
    return k == 0 ? WEIR_OK : cr_corrupt(r, r->off, "bytes after the end block");
}

/* A record length: the store's LEB128 reader, held to what cw_record writes (at most 5 bytes, 32 bits). */
static int get_varint(const uint8_t *p, size_t n, size_t *pos, uint32_t *out)
{
    const uint8_t *q = p + *pos;
    uint64_t v;
    if (segment_varint_get(&q, p + n, &v) || q - (p + *pos) > 5 || v > UINT32_MAX)
        return -1;
    *pos = (size_t)(q - p);
    *out = (uint32_t)v;
    return 0;
}

/* Apply the records of one block payload. */
static int cr_apply_block(StateTable *t, CkptReader *r, const uint8_t *p, size_t n, uint32_t n_rec, int kind,
                          uint64_t base_off)
{
    size_t pos = 0;
    for (uint32_t k = 0; k < n_rec; k++) {
        uint64_t at = base_off + pos;
        if (pos >= n)
            return cr_corrupt(r, at, "block ends before its records");
        uint8_t op = p[pos++];
        uint32_t kl, vl = 0;
        if (op != REC_PUT && op != REC_DEL)
            return cr_corrupt(r, at, "bad record type");
        if (get_varint(p, n, &pos, &kl) || (op == REC_PUT && get_varint(p, n, &pos, &vl)))
            return cr_corrupt(r, at, "bad record length");
        if (kl > STATE_KEY_MAX || vl > STATE_VAL_MAX || n - pos < (size_t)kl + vl)
            return cr_corrupt(r, at, "record length out of range");
        const uint8_t *key = p + pos, *val = p + pos + kl;
        pos += (size_t)kl + vl;
        uint64_t h = rowcodec_hash(key, kl);
        size_t i = idx_find(t, h, key, kl);
        if (op == REC_DEL) {
            if (kind == CKPT_KIND_FULL)
                return cr_corrupt(r, at, "delete in a full snapshot");
            if (i == SIZE_MAX)
                return cr_corrupt(r, at, "delete of a key the table does not have");
            delete_at(t, i, 0);
            continue;
        }
        if (kind == CKPT_KIND_FULL && i != SIZE_MAX)
            return cr_corrupt(r, at, "key twice in a full snapshot");
        uint8_t *dst;
        int is_new, rc = upsert(t, h, key, kl, vl, &dst, &is_new, 0, r->e);
        if (rc)
            return rc;
        if (vl)
            memcpy(dst, val, vl);
    }
    if (pos != n)
        return cr_corrupt(r, base_off + pos, "bytes after the block's records");
    return WEIR_OK;
}

static int cr_apply(StateTable *t, CkptReader *r)
{
    const uint8_t *h;
    int rc = cr_read(r, CKPT_HDR_LEN, &h, "file ends inside the header (torn)");
    if (rc)
        return rc;
    if (memcmp(h, CKPT_MAGIC, 8) != 0)
        return cr_corrupt(r, 0, "not a state checkpoint (bad magic)");
    if (segment_get_u32(h + 60) != crc32c(h, 60))
        return cr_corrupt(r, 60, "header CRC mismatch");
    uint16_t version = (uint16_t)(h[8] | h[9] << 8);
    int kind = h[10];
    if (version != CKPT_VERSION)
        return cr_corrupt(r, 8, "unknown version");
    if ((kind != CKPT_KIND_FULL && kind != CKPT_KIND_DELTA) || h[11] ||
        segment_get_u32(h + 12) != CKPT_HDR_LEN)
        return cr_corrupt(r, 10, "bad header fields");
    uint64_t table_id = segment_get_u64(h + 16), ckpt = segment_get_u64(h + 24),
             base = segment_get_u64(h + 32);
    uint64_t n_after = segment_get_u64(h + 40);
    if (table_id != t->cfg.table_id)
        return err_set(r->e, WEIR_ECORRUPT, "state checkpoint %s: belongs to table %" PRIu64 ", not %" PRIu64,
                       r->name, table_id, t->cfg.table_id);
    if (kind == CKPT_KIND_FULL) {
        if (t->n || t->n_chain)
            return err_set(r->e, WEIR_EINVAL,
                           "state checkpoint %s: full snapshot onto a table that is not empty", r->name);
        if (base != 0 || ckpt == 0)
            return cr_corrupt(r, 24, "bad checkpoint numbers");
    } else {
        if (!t->n_chain)
            return err_set(r->e, WEIR_ECORRUPT, "state checkpoint %s: a delta without its full snapshot",
                           r->name);
        if (base != t->last_ckpt || ckpt <= base)
            return err_set(r->e, WEIR_ECORRUPT,
                           "state checkpoint %s: delta %" PRIu64 " follows checkpoint %" PRIu64
                           ", the table is at %" PRIu64 " (broken chain)",
                           r->name, ckpt, base, t->last_ckpt);
    }
    uint64_t n_records = 0, n_blocks = 0;
    for (;;) {
        uint64_t at = r->off;
        const uint8_t *bh;
        if ((rc = cr_read(r, 8, &bh, "file ends before the end block (torn)")))
            return rc;
        uint32_t plen = segment_get_u32(bh), n_rec = segment_get_u32(bh + 4);
        uint8_t bhc[8];
        memcpy(bhc, bh, 8);
        if (n_rec == 0 ? plen != 16 : (plen == 0 || plen > CKPT_BLOCK_MAX))
            return cr_corrupt(r, at, "bad block length");
        const uint8_t *pl;
        if ((rc = cr_read(r, (size_t)plen + 4, &pl, "file ends inside a block (torn)")))
            return rc;
        uint32_t crc = crc32c_extend(crc32c(bhc, 8), pl, plen);
        if (segment_get_u32(pl + plen) != crc)
            return cr_corrupt(r, at, "block CRC mismatch");
        if (n_rec == 0) {
            if (segment_get_u64(pl) != n_records || segment_get_u64(pl + 8) != n_blocks)
                return cr_corrupt(r, at, "end block counts do not match the file");
            break;
        }
        if ((rc = cr_apply_block(t, r, pl, plen, n_rec, kind, at + 8)))
            return rc;
        n_records += n_rec;
        n_blocks++;
    }
    if ((rc = cr_expect_eof(r)))
        return rc;
    if (t->n != n_after)
        return err_set(r->e, WEIR_ECORRUPT,
                       "state checkpoint %s: %zu entries after applying it, its header says %" PRIu64,
                       r->name, t->n, n_after);
    if (kind == CKPT_KIND_FULL) {
        t->last_full = ckpt;
        t->delta_bytes = 0;
    } else {
        t->delta_bytes += r->off;
    }
    t->last_ckpt = ckpt;
    chain_push(t, xstrdup(r->name));
    return WEIR_OK;
}

int state_restore_buf(StateTable *t, const uint8_t *p, size_t n, const char *name, Err *e)
{
    CkptReader r = {.name = name ? name : "(memory)", .mem = p, .mem_len = n, .fd = -1, .e = e};
    int rc = cr_apply(t, &r);
    if (rc)
        state_clear(t);
    return rc;
}

int state_restore(StateTable *t, const char *const *paths, size_t n_paths, Err *e)
{
    if (t->n || t->n_chain)
        return err_set(e, WEIR_EINVAL, "state restore: table %" PRIu64 " is not empty", t->cfg.table_id);
    if (!n_paths)
        return err_set(e, WEIR_EINVAL, "state restore: no files");
    int rc = WEIR_OK;
    for (size_t i = 0; i < n_paths && !rc; i++) {
        CkptReader r = {.name = paths[i], .e = e};
        r.fd = open(paths[i], O_RDONLY | O_CLOEXEC);
        if (r.fd < 0) {
            rc = err_set(e, errno == ENOENT ? WEIR_ENOTFOUND : WEIR_EIO, "state restore: open %s: %s",
                         paths[i], strerror(errno));
            break;
        }
        rc = cr_apply(t, &r); /* refuses a delta first: there is no full snapshot yet */
        close(r.fd);
        free(r.buf);
    }
    if (rc)
        state_clear(t);
    return rc;
}
