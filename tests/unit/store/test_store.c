/*
 * test_store.c: unit tests of the public store API in src/store/store.c: stream lifecycle and
 * metadata, routing, append/read round trips, every iterator type, read limits and continuation,
 * segment rolling, reopen, resharding (split, merge, UpdateShardCount with lineage), the data
 * directory lock, group commit (notify + dispatch, visibility only after durability, sticky fsync
 * failure), concurrent readers, store_shard_wait, and sequence number text.
 * Recovery, corruption, retention and write-failure tests are in test_shard.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */

#include "store_test.h"

/* ------------------------------------------------------------------------------------------------ */

static void test_stream_lifecycle(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    Err e;
    err_clear(&e);
    assert_int_equal(
        store_stream_create(s, "b-stream", 3, STREAM_MODE_PROVISIONED, "eu-west-1", "111122223333", &e),
        WEIR_OK);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "b-stream", 1, STREAM_MODE_PROVISIONED, "eu-west-1", "1", &e),
                     WEIR_EEXIST);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "bad name", 1, 0, "r", "a", &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "", 1, 0, "r", "a", &e), WEIR_EINVAL);
    char long_name[STORE_NAME_MAX + 2];
    memset(long_name, 'a', sizeof(long_name));
    long_name[STORE_NAME_MAX + 1] = '\0';
    err_clear(&e);
    assert_int_equal(store_stream_create(s, long_name, 1, 0, "r", "a", &e), WEIR_EINVAL);
    long_name[STORE_NAME_MAX] = '\0';
    err_clear(&e);
    assert_int_equal(store_stream_create(s, long_name, 1, 0, "r", "a", &e), WEIR_OK);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "zero", 0, 0, "r", "a", &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "many", STORE_SHARDS_MAX + 1, 0, "r", "a", &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_create(s, "A.od_1", 4, STREAM_MODE_ON_DEMAND, "r", "a", &e), WEIR_OK);

    char **names;
    size_t n;
    assert_int_equal(store_stream_list(s, &names, &n, &e), WEIR_OK);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "A.od_1");
    assert_string_equal(names[1], long_name);
    assert_string_equal(names[2], "b-stream");
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);

    StreamInfo *info = t_describe(s, "b-stream");
    assert_string_equal(info->name, "b-stream");
    assert_string_equal(info->region, "eu-west-1");
    assert_string_equal(info->account, "111122223333");
    assert_int_equal(info->status, STREAM_ACTIVE);
    assert_int_equal(info->mode, STREAM_MODE_PROVISIONED);
    assert_int_equal(info->retention_hours, 24);
    assert_int_equal(info->n_shards, 3);
    assert_int_equal(info->n_open, 3);
    assert_int_equal(info->next_seq, 0);
    u128 size = U128_MAX / 3; /* 2^128 is not a multiple of 3 */
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(info->shards[i].index, i);
        assert_int_equal(info->shards[i].parent, -1);
        assert_int_equal(info->shards[i].adjacent_parent, -1);
        assert_true(info->shards[i].hash_lo == size * i);
        assert_true(info->shards[i].hash_hi == (i == 2 ? U128_MAX : size * (i + 1) - 1));
        assert_false(info->shards[i].is_closed);
    }
    uint64_t uid1 = info->uid;
    store_stream_info_free(&info);
    assert_null(info);
    info = t_describe(s, "A.od_1");
    assert_int_equal(info->mode, STREAM_MODE_ON_DEMAND);
    /* 4 shards: 2^128 / 4 exactly */
    assert_true(info->shards[1].hash_lo == (u128)1 << 126);
    assert_true(info->shards[0].hash_hi == ((u128)1 << 126) - 1);
    store_stream_info_free(&info);

    /* tags */
    StreamTag tags[] = {{"team", "data"}, {"env", "dev"}, {"empty", ""}};
    assert_int_equal(store_stream_tags_add(s, "b-stream", tags, 3, &e), WEIR_OK);
    StreamTag over = {"env", "prod"};
    assert_int_equal(store_stream_tags_add(s, "b-stream", &over, 1, &e), WEIR_OK);
    char *rm[] = {"team", "absent"};
    assert_int_equal(store_stream_tags_remove(s, "b-stream", rm, 2, &e), WEIR_OK);
    info = t_describe(s, "b-stream");
    assert_int_equal(info->n_tags, 2);
    assert_string_equal(info->tags[0].key, "empty");
    assert_string_equal(info->tags[0].value, "");
    assert_string_equal(info->tags[1].key, "env");
    assert_string_equal(info->tags[1].value, "prod");
    store_stream_info_free(&info);
    err_clear(&e);
    assert_int_equal(store_stream_tags_add(s, "nope", tags, 1, &e), WEIR_ENOTFOUND);

    /* retention */
    assert_int_equal(store_stream_set_retention(s, "b-stream", 48, &e), WEIR_OK);
    err_clear(&e);
    assert_int_equal(store_stream_set_retention(s, "b-stream", 23, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_set_retention(s, "b-stream", 8761, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_set_retention(s, "nope", 48, &e), WEIR_ENOTFOUND);
    info = t_describe(s, "b-stream");
    assert_int_equal(info->retention_hours, 48);
    store_stream_info_free(&info);

    /* delete; the name can be reused and gets a new uid */
    t_append(s, "b-stream", 0, 10, 20);
    err_clear(&e);
    assert_int_equal(store_stream_delete(s, "b-stream", &e), WEIR_OK);
    err_clear(&e);
    assert_int_equal(store_stream_delete(s, "b-stream", &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(store_stream_describe(s, "b-stream", &info, &e), WEIR_ENOTFOUND);
    StoreReadResult res;
    TRecs r = {0};
    err_clear(&e);
    assert_int_equal(store_read(s, "b-stream", 0, 0, 10, 0, t_collect, &r, &res, &e), WEIR_ENOTFOUND);
    t_append_ex(s, "b-stream", 0, 1, 20, NULL, NULL, WEIR_ENOTFOUND);
    t_create(s, "b-stream", 1);
    info = t_describe(s, "b-stream");
    assert_true(info->uid > uid1);
    assert_int_equal(info->n_tags, 0);
    store_stream_info_free(&info);
    store_close(&s);
    assert_null(s);
    store_close(&s); /* NULL is a no-op */
    t_dir_remove(&dir);
}

/* Records go to the shard whose range holds their hash and come back intact, in seq order. */
static void test_append_read_roundtrip(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "rt", 4);
    StreamInfo *info = t_describe(s, "rt");
    const size_t total = 2000, per = 100;
    StoreAppendResult *res = xcalloc(total, sizeof(*res));
    uint64_t prev_seq = 0;
    for (size_t i = 0; i < total; i += per) {
        t_append_ex(s, "rt", i, per, 60, NULL, res + i, WEIR_OK);
        for (size_t j = i; j < i + per; j++) {
            char key[32];
            int kn = snprintf(key, sizeof(key), "k%zu", j);
            u128 h = u128_md5_hash_key(key, (size_t)kn);
            ShardInfo *sh = &info->shards[res[j].shard_index];
            assert_true(sh->hash_lo <= h && h <= sh->hash_hi);
            assert_int_equal(res[j].seq, j); /* one counter per stream */
            if (j)
                assert_true(res[j].seq > prev_seq);
            prev_seq = res[j].seq;
        }
    }
    size_t seen = 0;
    uint8_t *mark = xcalloc(total, 1);
    for (uint32_t k = 0; k < 4; k++) {
        TRecs r = {0};
        StoreReadResult rr = t_read_all(s, "rt", k, 0, &r);
        assert_false(rr.is_end);
        for (size_t j = 0; j < r.n; j++) {
            assert_true(r.v[j].id < total);
            assert_int_equal(mark[r.v[j].id], 0);
            mark[r.v[j].id] = 1;
            assert_int_equal(res[r.v[j].id].shard_index, k);
            assert_int_equal(res[r.v[j].id].seq, r.v[j].seq);
        }
        seen += r.n;
        assert_true(r.n > total / 8); /* MD5 spreads keys */
        t_recs_free(&r);
    }
    assert_int_equal(seen, total);
    StreamInfo *after = t_describe(s, "rt");
    assert_int_equal(after->next_seq, total);
    store_stream_info_free(&after);
    free(mark);
    free(res);
    store_stream_info_free(&info);
    store_close(&s);
    t_dir_remove(&dir);
}

/* Explicit hash keys at every range edge route to the right shard. */
static void test_routing_edges(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "edges", 5);
    StreamInfo *info = t_describe(s, "edges");
    uint64_t id = 0;
    for (uint32_t k = 0; k < 5; k++) {
        u128 hs[2] = {info->shards[k].hash_lo, info->shards[k].hash_hi};
        for (int j = 0; j < 2; j++) {
            StoreAppendResult r;
            t_append_ex(s, "edges", id++, 1, 16, &hs[j], &r, WEIR_OK);
            assert_int_equal(r.shard_index, k);
        }
    }
    store_stream_info_free(&info);
    store_close(&s);
    t_dir_remove(&dir);
}

static void test_seek_types(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "seek", 1);
    u128 h = 0;
    int64_t t0 = clock_now_ms();
    clock_set_offset_ms(0);
    t_append_ex(s, "seek", 0, 10, 30, &h, NULL, WEIR_OK); /* seqs 0..9 at ~t0 */
    clock_set_offset_ms(10000);
    t_append_ex(s, "seek", 10, 10, 30, &h, NULL, WEIR_OK); /* 10..19 at ~t0+10s */
    clock_set_offset_ms(20000);
    t_append_ex(s, "seek", 20, 10, 30, &h, NULL, WEIR_OK); /* 20..29 at ~t0+20s */

    assert_int_equal(t_seek(s, "seek", 0, STORE_TRIM_HORIZON, 0, 0), 0);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AT_SEQUENCE, 13, 0), 13);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AFTER_SEQUENCE, 13, 0), 14);
    assert_int_equal(t_seek(s, "seek", 0, STORE_LATEST, 0, 0), 30);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AT_TIMESTAMP, 0, t0 - 1000), 0);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AT_TIMESTAMP, 0, t0 + 5000), 10);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AT_TIMESTAMP, 0, t0 + 15000), 20);
    assert_int_equal(t_seek(s, "seek", 0, STORE_AT_TIMESTAMP, 0, t0 + 60000), 30); /* the tip */

    /* The first record read from AT_TIMESTAMP has arrival >= ts and the one before has < ts. */
    TRecs r = {0};
    StoreReadResult rr = t_read_all(s, "seek", 0, t_seek(s, "seek", 0, STORE_AT_TIMESTAMP, 0, t0 + 5000), &r);
    assert_int_equal(r.n, 20);
    assert_int_equal(r.v[0].id, 10);
    assert_true(r.v[0].arrival >= t0 + 5000);
    assert_int_equal(rr.next_pos, 30);
    assert_int_equal(rr.millis_behind, 0);
    assert_true(rr.tip_arrival_ms >= t0 + 20000);
    t_recs_free(&r);

    /* LATEST then an append: only the new record. */
    uint64_t latest = t_seek(s, "seek", 0, STORE_LATEST, 0, 0);
    t_append_ex(s, "seek", 30, 1, 30, &h, NULL, WEIR_OK);
    t_read_all(s, "seek", 0, latest, &r);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].id, 30);
    t_recs_free(&r);

    Err e;
    err_clear(&e);
    uint64_t pos;
    assert_int_equal(store_shard_seek(s, "seek", 1, STORE_TRIM_HORIZON, 0, 0, &pos, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(store_shard_seek(s, "nope", 0, STORE_TRIM_HORIZON, 0, 0, &pos, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(store_shard_seek(s, "seek", 0, 99, 0, 0, &pos, &e), WEIR_EINVAL);
    clock_set_offset_ms(0);
    store_close(&s);
    t_dir_remove(&dir);
}

static void test_read_limits(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "lim", 1);
    for (int i = 0; i < 10; i++)
        t_append(s, "lim", (uint64_t)i * 10, 10, 100); /* 100 records, 10 batches */
    Err e;
    err_clear(&e);
    StoreReadResult res;
    TRecs r = {0};
    uint64_t pos = 0;
    /* max_records 7: 15 calls of 7 (the last 2), continuing from next_pos */
    int calls = 0;
    for (;;) {
        size_t before = r.n;
        assert_int_equal(store_read(s, "lim", 0, pos, 7, 0, t_collect, &r, &res, &e), WEIR_OK);
        calls++;
        assert_int_equal(res.n_records, r.n - before);
        assert_true(res.n_records <= 7);
        pos = res.next_pos;
        if (res.n_records < 7)
            break;
        if (r.n < 100)
            assert_true(res.millis_behind >= 0);
    }
    assert_int_equal(r.n, 100);
    assert_int_equal(calls, 15);
    for (size_t i = 0; i < 100; i++)
        assert_int_equal(r.v[i].id, i);
    t_recs_free(&r);

    /* max_bytes: key "k<i>" (2-3 bytes) + 100 data; 250 bytes fit two records */
    assert_int_equal(store_read(s, "lim", 0, 0, 1000, 250, t_collect, &r, &res, &e), WEIR_OK);
    assert_int_equal(res.n_records, 2);
    assert_int_equal(res.n_bytes, 2 + 100 + 2 + 100);
    assert_int_equal(res.next_pos, 2);
    t_recs_free(&r);
    /* at least one record even if it alone is over max_bytes */
    assert_int_equal(store_read(s, "lim", 0, 5, 1000, 1, t_collect, &r, &res, &e), WEIR_OK);
    assert_int_equal(res.n_records, 1);
    assert_int_equal(r.v[0].id, 5);
    assert_int_equal(res.next_pos, 6);
    t_recs_free(&r);
    /* the callback stops the read; the stopping record counts */
    r.stop_after = 3;
    assert_int_equal(store_read(s, "lim", 0, 50, 1000, 0, t_collect, &r, &res, &e), WEIR_OK);
    assert_int_equal(res.n_records, 3);
    assert_int_equal(res.next_pos, 53);
    t_recs_free(&r);
    /* reading from the middle of a batch, and past the end */
    assert_int_equal(store_read(s, "lim", 0, 95, 1000, 0, t_collect, &r, &res, &e), WEIR_OK);
    assert_int_equal(res.n_records, 5);
    assert_int_equal(r.v[0].id, 95);
    assert_int_equal(res.next_pos, 100);
    assert_int_equal(res.millis_behind, 0);
    assert_false(res.is_end);
    t_recs_free(&r);
    assert_int_equal(store_read(s, "lim", 0, 1000, 1000, 0, t_collect, &r, &res, &e), WEIR_OK);
    assert_int_equal(res.n_records, 0);
    assert_int_equal(res.next_pos, 1000);
    /* millis_behind when not caught up */
    clock_set_offset_ms(5000);
    assert_int_equal(store_read(s, "lim", 0, 0, 1, 0, t_collect, &r, &res, &e), WEIR_OK);
    assert_true(res.millis_behind >= 4000);
    clock_set_offset_ms(0);
    t_recs_free(&r);
    store_close(&s);
    t_dir_remove(&dir);
}

/* Tiny segments: many files, names sort by first seq, index files for sealed ones, all readable
 * before and after a reopen. */
static void test_segment_rolling(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 4096);
    t_create(s, "roll", 2);
    uint64_t tok = 0;
    for (int i = 0; i < 40; i++)
        tok = t_append(s, "roll", (uint64_t)i * 25, 25, 80);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    StreamInfo *info = t_describe(s, "roll");
    uint64_t uid = info->uid;
    store_stream_info_free(&info);
    size_t total = 0;
    for (uint32_t k = 0; k < 2; k++) {
        TRecs r = {0};
        t_read_all(s, "roll", k, 0, &r);
        total += r.n;
        t_recs_free(&r);
    }
    assert_int_equal(total, 1000);
    store_close(&s);

    for (uint32_t k = 0; k < 2; k++) {
        char *sd = t_shard_dir(dir, uid, k);
        char **segs, **idxs;
        size_t ns = t_list(sd, ".seg", &segs), ni = t_list(sd, ".idx", &idxs);
        assert_true(ns >= 5);
        assert_int_equal(ni, ns - 1); /* every sealed one has an index, the active one none */
        for (size_t i = 0; i + 1 < ns; i++)
            assert_true(t_file_size(segs[i]) <= 4096 + 4096); /* a roll happens before passing the max */
        t_list_free(segs, ns);
        t_list_free(idxs, ni);
        free(sd);
    }

    s = t_open(dir, STORE_FSYNC_BATCH, 4096);
    total = 0;
    for (uint32_t k = 0; k < 2; k++) {
        TRecs r = {0};
        t_read_all(s, "roll", k, 0, &r);
        total += r.n;
        /* seek into the middle through the sparse index */
        if (r.n > 10) {
            uint64_t mid = r.v[r.n / 2].seq;
            TRecs m = {0};
            t_read_all(s, "roll", k, t_seek(s, "roll", k, STORE_AT_SEQUENCE, mid, 0), &m);
            assert_int_equal(m.n, r.n - r.n / 2);
            assert_int_equal(m.v[0].seq, mid);
            t_recs_free(&m);
        }
        t_recs_free(&r);
    }
    assert_int_equal(total, 1000);
    store_close(&s);
    t_dir_remove(&dir);
}

/* Close and reopen: metadata, data and the counter survive; appends continue above. */
static void test_reopen_persists(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "keep", 2);
    t_create(s, "empty", 1);
    Err e;
    err_clear(&e);
    StreamTag tag = {"owner", "me"};
    assert_int_equal(store_stream_tags_add(s, "keep", &tag, 1, &e), WEIR_OK);
    assert_int_equal(store_stream_set_retention(s, "keep", 100, &e), WEIR_OK);
    uint64_t tok = t_append(s, "keep", 0, 300, 50);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    StreamInfo *a = t_describe(s, "keep");
    u128 mid = a->shards[0].hash_lo + (a->shards[0].hash_hi - a->shards[0].hash_lo) / 2;
    assert_int_equal(store_shard_split(s, "keep", 0, mid, &e), WEIR_OK);
    tok = t_append(s, "keep", 300, 100, 50);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    store_stream_info_free(&a);
    a = t_describe(s, "keep");
    store_close(&s);

    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    StreamInfo *b = t_describe(s, "keep");
    assert_int_equal(b->uid, a->uid);
    assert_string_equal(b->region, a->region);
    assert_string_equal(b->account, a->account);
    assert_int_equal(b->retention_hours, 100);
    assert_int_equal(b->created_ms, a->created_ms);
    assert_int_equal(b->n_shards, a->n_shards);
    assert_int_equal(b->n_open, a->n_open);
    assert_int_equal(b->n_tags, 1);
    assert_string_equal(b->tags[0].key, "owner");
    assert_string_equal(b->tags[0].value, "me");
    assert_memory_equal(b->shards, a->shards, a->n_shards * sizeof(ShardInfo));
    assert_true(b->next_seq >= a->next_seq);
    size_t total = 0;
    for (uint32_t k = 0; k < b->n_shards; k++) {
        TRecs r = {0};
        t_read_all(s, "keep", k, 0, &r);
        total += r.n;
        t_recs_free(&r);
    }
    assert_int_equal(total, 400);
    StoreAppendResult res;
    tok = t_append_ex(s, "keep", 400, 1, 50, NULL, &res, WEIR_OK);
    assert_true(res.seq >= a->next_seq);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    StreamInfo *c = t_describe(s, "empty");
    assert_int_equal(c->n_shards, 1);
    store_stream_info_free(&c);
    store_stream_info_free(&a);
    store_stream_info_free(&b);
    store_close(&s);
    t_dir_remove(&dir);
}

static void test_lock_refused(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    StoreConfig cfg = {.dir = dir};
    Store *s2 = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(store_open(&cfg, &s2, &e), WEIR_EBUSY);
    assert_null(s2);
    char want[512];
    snprintf(want, sizeof(want), "data directory %s is in use by pid %ld", dir, (long)getpid());
    assert_string_equal(e.msg, want);
    store_close(&s);
    /* released on close */
    err_clear(&e);
    assert_int_equal(store_open(&cfg, &s2, &e), WEIR_OK);
    store_close(&s2);
    t_dir_remove(&dir);
}

/* Under BATCH, nothing is visible and no waiter runs before the sync round; after it, notify fires,
 * store_dispatch runs the callback with OK and readers see the records. */
static void test_group_commit(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    TNotify nt;
    atomic_init(&nt.count, 0);
    Store *s = t_open_cfg(dir, STORE_FSYNC_BATCH, 0, &nt);
    t_create(s, "gc", 2);
    pthread_mutex_lock(&s->sync_mu);
    s->test_hold_sync = 1;
    pthread_mutex_unlock(&s->sync_mu);

    uint64_t t1 = t_append(s, "gc", 0, 50, 40);
    uint64_t t2 = t_append(s, "gc", 50, 50, 40);
    assert_true(t2 > t1);
    TSync w1, w2;
    atomic_init(&w1.done, 0);
    atomic_init(&w2.done, 0);
    atomic_init(&w1.rc, -100);
    atomic_init(&w2.rc, -100);
    store_sync_wait(s, t1, t_sync_cb, &w1);
    store_sync_wait(s, t2, t_sync_cb, &w2);
    t_sleep_ms(20);
    store_dispatch(s);
    assert_false(atomic_load(&w1.done));
    for (uint32_t k = 0; k < 2; k++) {
        TRecs r = {0};
        t_read_all(s, "gc", k, 0, &r);
        assert_int_equal(r.n, 0);
        assert_int_equal(t_seek(s, "gc", k, STORE_LATEST, 0, 0), 0);
    }
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_wait(s, "gc", 0, 0, 10, &e), WEIR_EAGAIN);

    int before = atomic_load(&nt.count);
    pthread_mutex_lock(&s->sync_mu);
    s->test_hold_sync = 0;
    pthread_cond_signal(&s->sync_cv);
    pthread_mutex_unlock(&s->sync_mu);
    for (int i = 0; i < 5000 && atomic_load(&nt.count) == before; i++)
        t_sleep_ms(1);
    assert_true(atomic_load(&nt.count) > before);
    for (int i = 0; i < 5000 && !(atomic_load(&w1.done) && atomic_load(&w2.done)); i++) {
        store_dispatch(s);
        t_sleep_ms(1);
    }
    assert_int_equal(atomic_load(&w1.rc), WEIR_OK);
    assert_int_equal(atomic_load(&w2.rc), WEIR_OK);
    size_t total = 0;
    for (uint32_t k = 0; k < 2; k++) {
        TRecs r = {0};
        t_read_all(s, "gc", k, 0, &r);
        total += r.n;
        t_recs_free(&r);
    }
    assert_int_equal(total, 100);
    /* a token already durable still runs from the next dispatch, not re-entrantly */
    TSync w3;
    atomic_init(&w3.done, 0);
    atomic_init(&w3.rc, -100);
    store_sync_wait(s, t1, t_sync_cb, &w3);
    assert_false(atomic_load(&w3.done));
    store_dispatch(s);
    assert_true(atomic_load(&w3.done));
    assert_int_equal(atomic_load(&w3.rc), WEIR_OK);

    /* waiters pending at close run as durable */
    pthread_mutex_lock(&s->sync_mu);
    s->test_hold_sync = 1;
    pthread_mutex_unlock(&s->sync_mu);
    uint64_t t4 = t_append(s, "gc", 100, 5, 40);
    TSync w4;
    atomic_init(&w4.done, 0);
    atomic_init(&w4.rc, -100);
    store_sync_wait(s, t4, t_sync_cb, &w4);
    store_close(&s);
    assert_true(atomic_load(&w4.done));
    assert_int_equal(atomic_load(&w4.rc), WEIR_OK);
    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    TRecs r = {0};
    t_read_all(s, "gc", 0, 0, &r);
    size_t n0 = r.n;
    t_recs_free(&r);
    t_read_all(s, "gc", 1, 0, &r);
    assert_int_equal(n0 + r.n, 105);
    t_recs_free(&r);
    store_close(&s);
    t_dir_remove(&dir);
}

/* A failed fsync fails its waiters with EIO and makes the store refuse appends from then on. */
static void test_fsync_failure_sticky(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "ff", 1);
    uint64_t ok_tok = t_append(s, "ff", 0, 5, 20);
    assert_int_equal(t_sync(s, ok_tok), WEIR_OK);
    atomic_store(&s->test_fail_fsync, 1);
    uint64_t tok = t_append(s, "ff", 5, 5, 20);
    assert_int_equal(t_sync(s, tok), WEIR_EIO);
    t_append_ex(s, "ff", 10, 1, 20, NULL, NULL, WEIR_EIO);
    assert_int_equal(t_sync(s, ok_tok), WEIR_OK); /* durable before the failure */
    assert_int_equal(t_sync(s, tok + 5), WEIR_EIO);
    /* the records of the failed round never became visible */
    TRecs r = {0};
    t_read_all(s, "ff", 0, 0, &r);
    assert_int_equal(r.n, 5);
    t_recs_free(&r);
    store_close(&s);
    t_dir_remove(&dir);
}

static void test_fsync_always(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    TNotify nt;
    atomic_init(&nt.count, 0);
    Store *s = t_open_cfg(dir, STORE_FSYNC_ALWAYS, 2048, &nt);
    t_create(s, "al", 2);
    uint64_t tok = 0;
    for (int i = 0; i < 10; i++) {
        tok = t_append(s, "al", (uint64_t)i * 10, 10, 100);
        /* visible at once, token durable at once */
        TRecs r = {0};
        t_read_all(s, "al", 0, 0, &r);
        size_t n0 = r.n;
        t_recs_free(&r);
        t_read_all(s, "al", 1, 0, &r);
        assert_int_equal(n0 + r.n, (size_t)(i + 1) * 10);
        t_recs_free(&r);
    }
    assert_true(atomic_load(&nt.count) >= 10);
    TSync w;
    atomic_init(&w.done, 0);
    atomic_init(&w.rc, -100);
    store_sync_wait(s, tok, t_sync_cb, &w);
    store_dispatch(s);
    assert_true(atomic_load(&w.done));
    assert_int_equal(atomic_load(&w.rc), WEIR_OK);
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_ALWAYS, 2048);
    size_t total = 0;
    for (uint32_t k = 0; k < 2; k++) {
        TRecs r = {0};
        t_read_all(s, "al", k, 0, &r);
        total += r.n;
        t_recs_free(&r);
    }
    assert_int_equal(total, 100);
    store_close(&s);
    t_dir_remove(&dir);
}

/* --- concurrency ------------------------------------------------------------------------------- */

typedef struct ReaderArg {
    Store *s;
    size_t want;
    size_t got;
    int ok;
} ReaderArg;

typedef struct ReaderCheck {
    uint64_t last_seq;
    int have_last;
    size_t next_id;
    int ok;
} ReaderCheck;

static int reader_cb(void *arg, const StoreRecordView *r)
{
    ReaderCheck *c = arg;
    uint64_t id = t_record_id(r);
    /* one shard, one writer: records arrive in id order with increasing seqs, no gaps, no repeats */
    if (id != c->next_id || (c->have_last && r->seq <= c->last_seq))
        c->ok = 0;
    c->next_id = id + 1;
    c->last_seq = r->seq;
    c->have_last = 1;
    return 0;
}

static void *reader_main(void *arg)
{
    ReaderArg *a = arg;
    ReaderCheck c = {0, 0, 0, 1};
    uint64_t pos = 0;
    int idle = 0;
    while (c.next_id < a->want && c.ok && idle < 2000) {
        StoreReadResult res;
        Err e;
        err_clear(&e);
        if (store_read(a->s, "conc", 0, pos, 333, 0, reader_cb, &c, &res, &e) != WEIR_OK) {
            c.ok = 0;
            break;
        }
        pos = res.next_pos;
        if (res.n_records == 0) {
            err_clear(&e);
            int rc = store_shard_wait(a->s, "conc", 0, pos, 50, &e);
            idle += rc == WEIR_EAGAIN;
        }
    }
    a->got = c.next_id;
    a->ok = c.ok;
    return NULL;
}

static void test_concurrent_reader(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 64 << 10);
    t_create(s, "conc", 1);
    ReaderArg a = {s, 20000, 0, 0};
    pthread_t th[2];
    ReaderArg b = a;
    pthread_create(&th[0], NULL, reader_main, &a);
    pthread_create(&th[1], NULL, reader_main, &b);
    uint64_t tok = 0;
    for (size_t i = 0; i < a.want; i += 250)
        tok = t_append(s, "conc", i, 250, 64);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    assert_true(a.ok);
    assert_true(b.ok);
    assert_int_equal(a.got, a.want);
    assert_int_equal(b.got, b.want);
    store_close(&s);
    t_dir_remove(&dir);
}

typedef struct AppenderArg {
    Store *s;
    uint64_t first;
    size_t n;
    size_t per;
} AppenderArg;

static void *appender_main(void *arg)
{
    AppenderArg *a = arg;
    uint64_t tok = 0;
    for (size_t i = 0; i < a->n; i += a->per)
        tok = t_append(a->s, "mt", a->first + i, a->per, 32);
    assert_int_equal(t_sync(a->s, tok), WEIR_OK);
    return NULL;
}

static void check_all_once(Store *s, const char *name, size_t n_ids);

/* Three threads append to one stream while it is resharded twice and retention runs; afterwards
 * every record is in exactly one shard, within its lifetime, above its parents' ends. */
static void test_concurrent_appenders_reshard(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 16 << 10);
    t_create(s, "mt", 3);
    AppenderArg a[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        a[i] = (AppenderArg){s, (uint64_t)i * 3000, 3000, 10};
        pthread_create(&th[i], NULL, appender_main, &a[i]);
    }
    Err e;
    t_sleep_ms(2);
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(s, "mt", 5, &e), WEIR_OK);
    err_clear(&e);
    assert_true(store_retention_run(s, &e) >= 0);
    t_sleep_ms(2);
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(s, "mt", 2, &e), WEIR_OK);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    check_all_once(s, "mt", 9000);
    /* the reshards really happened in the middle of the appends */
    size_t n_old = 0, n_new = 0;
    StreamInfo *info = t_describe(s, "mt");
    for (uint32_t k = 0; k < info->n_shards; k++) {
        TRecs r = {0};
        t_read_all(s, "mt", k, 0, &r);
        if (k < 3)
            n_old += r.n;
        else
            n_new += r.n;
        t_recs_free(&r);
    }
    store_stream_info_free(&info);
    assert_true(n_old > 0 && n_new > 0);
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_BATCH, 16 << 10);
    check_all_once(s, "mt", 9000);
    store_close(&s);
    t_dir_remove(&dir);
}

typedef struct WaitArg {
    Store *s;
    uint64_t pos;
    int timeout;
    int rc;
    uint64_t waited_ns;
} WaitArg;

static void *waiter_main(void *arg)
{
    WaitArg *w = arg;
    Err e;
    err_clear(&e);
    uint64_t t0 = clock_mono_ns();
    w->rc = store_shard_wait(w->s, "wt", 0, w->pos, w->timeout, &e);
    w->waited_ns = clock_mono_ns() - t0;
    return NULL;
}

static void test_shard_wait(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "wt", 1);
    Err e;
    err_clear(&e);
    uint64_t t0 = clock_mono_ns();
    assert_int_equal(store_shard_wait(s, "wt", 0, 0, 30, &e), WEIR_EAGAIN);
    assert_int_equal(e.code, WEIR_OK); /* a timeout is not an error message */
    assert_true(clock_mono_ns() - t0 >= 25 * 1000000ull);
    err_clear(&e);
    assert_int_equal(store_shard_wait(s, "nope", 0, 0, 30, &e), WEIR_ENOTFOUND);

    WaitArg w = {s, t_seek(s, "wt", 0, STORE_LATEST, 0, 0), 10000, -100, 0};
    pthread_t th;
    pthread_create(&th, NULL, waiter_main, &w);
    t_sleep_ms(50);
    t_append(s, "wt", 0, 1, 16);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, WEIR_OK);
    assert_true(w.waited_ns < 5000ull * 1000000ull);
    /* already satisfied: returns at once */
    err_clear(&e);
    assert_int_equal(store_shard_wait(s, "wt", 0, 0, 10000, &e), WEIR_OK);

    /* a closed, exhausted shard ends the wait */
    StreamInfo *info = t_describe(s, "wt");
    WaitArg w2 = {s, 1000, 10000, -100, 0};
    pthread_create(&th, NULL, waiter_main, &w2);
    t_sleep_ms(30);
    assert_int_equal(store_shard_split(s, "wt", 0, info->shards[0].hash_hi / 2, &e), WEIR_OK);
    pthread_join(th, NULL);
    assert_int_equal(w2.rc, WEIR_OK);
    assert_true(w2.waited_ns < 5000ull * 1000000ull);
    store_stream_info_free(&info);
    store_close(&s);
    t_dir_remove(&dir);
}

/* --- resharding -------------------------------------------------------------------------------- */

/* Open shards' ranges cover [0, 2^128-1] without gaps or overlaps. Returns the count. */
static uint32_t check_cover(const StreamInfo *info)
{
    uint32_t n = 0;
    u128 next = 0;
    int done = 0;
    for (;;) {
        const ShardInfo *found = NULL;
        for (uint32_t i = 0; i < info->n_shards; i++)
            if (!info->shards[i].is_closed && info->shards[i].hash_lo == next)
                found = &info->shards[i];
        if (!found)
            break;
        n++;
        assert_true(found->hash_hi >= found->hash_lo);
        if (found->hash_hi == U128_MAX) {
            done = 1;
            break;
        }
        next = found->hash_hi + 1;
    }
    assert_true(done);
    assert_int_equal(n, info->n_open);
    return n;
}

static void test_split_merge(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "sm", 2);
    uint64_t tok = t_append(s, "sm", 0, 200, 20);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    StreamInfo *info = t_describe(s, "sm");
    u128 lo = info->shards[0].hash_lo, hi = info->shards[0].hash_hi, mid = lo + (hi - lo) / 2;
    store_stream_info_free(&info);
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "sm", 0, lo, &e), WEIR_EINVAL); /* must be > lo */
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "sm", 0, hi + 1, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "sm", 7, mid, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "nope", 0, mid, &e), WEIR_ENOTFOUND);
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "sm", 0, mid, &e), WEIR_OK);
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "sm", 0, mid, &e), WEIR_EINVAL); /* closed now */

    info = t_describe(s, "sm");
    assert_int_equal(info->n_shards, 4);
    assert_int_equal(info->n_open, 3);
    ShardInfo *p = &info->shards[0], *c1 = &info->shards[2], *c2 = &info->shards[3];
    assert_true(p->is_closed);
    assert_true(p->closed_ms > 0);
    assert_int_equal(c1->parent, 0);
    assert_int_equal(c2->parent, 0);
    assert_int_equal(c1->adjacent_parent, -1);
    assert_true(c1->hash_lo == lo && c1->hash_hi == mid - 1);
    assert_true(c2->hash_lo == mid && c2->hash_hi == hi);
    assert_true(c1->start_seq > p->end_seq || c1->start_seq == p->end_seq + 1);
    check_cover(info);
    uint64_t end0 = p->end_seq;
    store_stream_info_free(&info);

    /* new appends go to the children; the closed parent is readable, ends with is_end, and its
     * end_seq is above all its records */
    tok = t_append(s, "sm", 200, 200, 20);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    TRecs r = {0};
    StoreReadResult rr = t_read_all(s, "sm", 0, 0, &r);
    assert_true(rr.is_end);
    assert_true(r.n > 50);
    for (size_t i = 0; i < r.n; i++) {
        assert_true(r.v[i].id < 200);
        assert_true(r.v[i].seq < end0);
    }
    assert_int_equal(rr.next_pos, end0);
    t_recs_free(&r);
    size_t kids = 0;
    for (uint32_t k = 2; k < 4; k++) {
        t_read_all(s, "sm", k, 0, &r);
        for (size_t i = 0; i < r.n; i++) {
            assert_true(r.v[i].id >= 200);
            assert_true(r.v[i].seq > end0);
        }
        kids += r.n;
        t_recs_free(&r);
    }
    assert_true(kids > 50);
    err_clear(&e);
    uint64_t pos;
    assert_int_equal(store_shard_seek(s, "sm", 0, STORE_AT_SEQUENCE, end0, 0, &pos, &e), WEIR_EINVAL);

    /* merge: not adjacent (1 and 2: shard 1 is the upper half, 2 is the lowest quarter) */
    err_clear(&e);
    assert_int_equal(store_shard_merge(s, "sm", 1, 2, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_shard_merge(s, "sm", 0, 2, &e), WEIR_EINVAL); /* 0 is closed */
    err_clear(&e);
    assert_int_equal(store_shard_merge(s, "sm", 3, 1, &e), WEIR_OK);
    info = t_describe(s, "sm");
    assert_int_equal(info->n_shards, 5);
    assert_int_equal(info->n_open, 2);
    ShardInfo *m = &info->shards[4];
    assert_int_equal(m->parent, 3);
    assert_int_equal(m->adjacent_parent, 1);
    assert_true(m->hash_lo == mid && m->hash_hi == U128_MAX);
    assert_true(m->start_seq > info->shards[3].end_seq && m->start_seq > info->shards[1].end_seq);
    check_cover(info);
    store_stream_info_free(&info);
    store_close(&s);
    t_dir_remove(&dir);
}

/* Read every shard completely; each record id exactly once. */
static void check_all_once(Store *s, const char *name, size_t n_ids)
{
    StreamInfo *info = t_describe(s, name);
    uint8_t *seen = xcalloc(n_ids, 1);
    for (uint32_t k = 0; k < info->n_shards; k++) {
        TRecs r = {0};
        StoreReadResult rr = t_read_all(s, name, k, t_seek(s, name, k, STORE_TRIM_HORIZON, 0, 0), &r);
        assert_int_equal(rr.is_end, info->shards[k].is_closed);
        for (size_t i = 0; i < r.n; i++) {
            assert_true(r.v[i].id < n_ids);
            assert_int_equal(seen[r.v[i].id], 0);
            seen[r.v[i].id] = 1;
            assert_true(r.v[i].seq >= info->shards[k].start_seq);
            if (info->shards[k].is_closed)
                assert_true(r.v[i].seq < info->shards[k].end_seq);
            /* a child's records are above its parents' ends */
            if (info->shards[k].parent >= 0)
                assert_true(r.v[i].seq > info->shards[info->shards[k].parent].end_seq);
            if (info->shards[k].adjacent_parent >= 0)
                assert_true(r.v[i].seq > info->shards[info->shards[k].adjacent_parent].end_seq);
        }
        t_recs_free(&r);
    }
    for (size_t i = 0; i < n_ids; i++)
        assert_int_equal(seen[i], 1);
    free(seen);
    store_stream_info_free(&info);
}

static void scale_case(uint32_t from, uint32_t to)
{
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "sc", from);
    t_append(s, "sc", 0, 300, 16);
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(s, "sc", to, &e), WEIR_OK);
    t_append(s, "sc", 300, 300, 16);
    StreamInfo *info = t_describe(s, "sc");
    assert_int_equal(check_cover(info), to);
    /* the open shards are the uniform ranges of the target */
    u128 size = (U128_MAX % to == to - 1) ? U128_MAX / to + 1 : U128_MAX / to;
    uint32_t k = 0;
    for (uint32_t i = 0; i < info->n_shards; i++) {
        ShardInfo *sh = &info->shards[i];
        if (i >= from) {
            /* every new shard has at most two parents, and they are older shards */
            assert_true(sh->parent >= 0 && sh->parent < (int64_t)i);
            assert_true(sh->adjacent_parent < (int64_t)i);
            assert_true(sh->start_seq > info->shards[sh->parent].end_seq);
        }
        if (sh->is_closed)
            continue;
        (void)k;
    }
    for (uint32_t t = 0; t < to; t++) {
        u128 lo = size * t, hi = t + 1 == to ? U128_MAX : size * (t + 1) - 1;
        int found = 0;
        for (uint32_t i = 0; i < info->n_shards; i++)
            found |=
                !info->shards[i].is_closed && info->shards[i].hash_lo == lo && info->shards[i].hash_hi == hi;
        assert_true(found);
    }
    store_stream_info_free(&info);
    check_all_once(s, "sc", 600);
    /* and again after a reopen */
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_NONE, 0);
    check_all_once(s, "sc", 600);
    store_close(&s);
    t_dir_remove(&dir);
}

static void test_update_shard_count(void **state)
{
    UNUSED(state);
    scale_case(4, 6);
    scale_case(4, 2);
    scale_case(3, 5);
    scale_case(5, 3);
    scale_case(1, 2);
    scale_case(2, 1);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "x", 2);
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(s, "x", 0, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(store_stream_update_shard_count(s, "y", 3, &e), WEIR_ENOTFOUND);
    store_close(&s);
    t_dir_remove(&dir);
}

/* --- sequence numbers ------------------------------------------------------------------------ */

/* The incremental formatter always agrees with store_seq_format, over steps small and large, up and
 * down, across digit carries and shard and stream changes. */
static void test_seq_fmt_incremental(void **state)
{
    UNUSED(state);
    StoreSeqFmt f = {0};
    uint64_t seq = 99990, uid = 3;
    uint32_t shard = 0;
    uint32_t r = 1;
    for (int i = 0; i < 200000; i++) {
        r = r * 1664525u + 1013904223u;
        switch (r >> 29) {
        case 0: seq += (r >> 8) % 1000; break;
        case 1: seq -= seq > 1000 ? (r >> 8) % 1000 : 0; break;
        case 2: seq = ((uint64_t)r << 31) ^ r; break;      /* a far jump */
        case 3: shard = (r >> 4) % 3 ? (r >> 8) % 64 : r; break;
        case 4: uid = (r >> 8) % 5 + 1; break;
        case 5: seq = UINT64_MAX - (r >> 8) % 100; break; /* near the top */
        default: seq++; break;
        }
        char want[STORE_SEQ_STR_LEN + 1];
        store_seq_format(uid, seq, shard, want);
        assert_string_equal(store_seq_fmt(&f, uid, seq, shard), want);
    }
}

static void test_seq_text(void **state)
{
    UNUSED(state);
    char out[STORE_SEQ_STR_LEN + 1];
    store_seq_format(7, 12345, 3, out);
    assert_int_equal(strlen(out), 56);
    assert_string_equal(out, "49000000000007000000000000000123450000000000000000000003");
    uint64_t uid, seq;
    uint32_t idx;
    assert_int_equal(store_seq_parse(out, 56, &uid, &seq, &idx), 0);
    assert_int_equal(uid, 7);
    assert_int_equal(seq, 12345);
    assert_int_equal(idx, 3);
    store_seq_format(999999999999ull, UINT64_MAX, UINT32_MAX, out);
    assert_int_equal(strlen(out), 56);
    assert_int_equal(store_seq_parse(out, 56, &uid, &seq, &idx), 0);
    assert_true(uid == 999999999999ull && seq == UINT64_MAX && idx == UINT32_MAX);
    /* string order is numeric order within a shard */
    char a[57], b[57];
    store_seq_format(1, 9, 0, a);
    store_seq_format(1, 10, 0, b);
    assert_true(strcmp(a, b) < 0);

    store_seq_format(7, 12345, 3, out);
    assert_int_equal(store_seq_parse(out, 55, &uid, &seq, &idx), -1);
    char bad[60];
    memcpy(bad, out, 57);
    bad[0] = '5';
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), -1);
    memcpy(bad, out, 57);
    bad[20] = 'x';
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), -1);
    /* counter above 2^64-1 */
    memcpy(bad, "49000000000007", 14);
    memcpy(bad + 14, "18446744073709551616", 20);
    memcpy(bad + 34, "0000000000000000000003", 22);
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), -1);
    /* shard index above 2^32-1 */
    memcpy(bad + 14, "00000000000000012345", 20);
    memcpy(bad + 34, "0000000000004294967296", 22);
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), -1);
    memcpy(bad + 34, "0000000000004294967295", 22);
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), 0);
    assert_int_equal(store_seq_parse("", 0, &uid, &seq, &idx), -1);
    assert_int_equal(store_seq_parse(NULL, 56, &uid, &seq, &idx), -1);
    memcpy(bad, out, 57);
    bad[30] = ' ';
    assert_int_equal(store_seq_parse(bad, 56, &uid, &seq, &idx), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_stream_lifecycle, t_teardown),
        cmocka_unit_test_teardown(test_append_read_roundtrip, t_teardown),
        cmocka_unit_test_teardown(test_routing_edges, t_teardown),
        cmocka_unit_test_teardown(test_seek_types, t_teardown),
        cmocka_unit_test_teardown(test_read_limits, t_teardown),
        cmocka_unit_test_teardown(test_segment_rolling, t_teardown),
        cmocka_unit_test_teardown(test_reopen_persists, t_teardown),
        cmocka_unit_test_teardown(test_lock_refused, t_teardown),
        cmocka_unit_test_teardown(test_group_commit, t_teardown),
        cmocka_unit_test_teardown(test_fsync_failure_sticky, t_teardown),
        cmocka_unit_test_teardown(test_fsync_always, t_teardown),
        cmocka_unit_test_teardown(test_concurrent_reader, t_teardown),
        cmocka_unit_test_teardown(test_concurrent_appenders_reshard, t_teardown),
        cmocka_unit_test_teardown(test_shard_wait, t_teardown),
        cmocka_unit_test_teardown(test_split_merge, t_teardown),
        cmocka_unit_test_teardown(test_update_shard_count, t_teardown),
        cmocka_unit_test_teardown(test_seq_text, t_teardown),
        cmocka_unit_test(test_seq_fmt_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
