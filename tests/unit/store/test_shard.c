/*
 * test_shard.c: unit tests of the shard logs in src/store/shard.c through the store API: recovery of
 * torn tails (cut mid-batch, a flipped byte, a torn segment header, a torn segment followed by later
 * ones), corruption inside a sealed segment (reads return WEIR_ECORRUPT, never bad bytes), retention
 * (old segments deleted, TRIM_HORIZON moves, closed shards emptied, reads in flight unharmed), a
 * failed write cut back on every shard of the append, and removal of deleted and orphan directories.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the headers it needs */
#include <sys/resource.h>

#include "store_test.h"

static uint64_t stream_uid(Store *s, const char *name)
{
    StreamInfo *info = t_describe(s, name);
    uint64_t uid = info->uid;
    store_stream_info_free(&info);
    return uid;
}

/* All records of shard 0 from TRIM_HORIZON; asserts ids are first..first+n-1. */
static size_t read_ids(Store *s, const char *name, uint32_t shard, uint64_t first_id)
{
    TRecs r = {0};
    t_read_all(s, name, shard, t_seek(s, name, shard, STORE_TRIM_HORIZON, 0, 0), &r);
    for (size_t i = 0; i < r.n; i++)
        assert_int_equal(r.v[i].id, first_id + i);
    size_t n = r.n;
    t_recs_free(&r);
    return n;
}

static char *last_segment(const char *dir, uint64_t uid, uint32_t shard)
{
    char *sd = t_shard_dir(dir, uid, shard);
    char **v;
    size_t n = t_list(sd, ".seg", &v);
    assert_true(n > 0);
    char *p = xstrdup(v[n - 1]);
    t_list_free(v, n);
    free(sd);
    return p;
}

static void truncate_to(const char *path, uint64_t size)
{
    assert_int_equal(truncate(path, (off_t)size), 0);
}

/* ------------------------------------------------------------------------------------------------ */

static void test_torn_tail_cut(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "torn", 1);
    uint64_t tok = 0;
    for (int i = 0; i < 10; i++)
        tok = t_append(s, "torn", (uint64_t)i * 10, 10, 50);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    uint64_t uid = stream_uid(s, "torn");
    store_close(&s);

    char *seg = last_segment(dir, uid, 0);
    uint64_t size = t_file_size(seg);
    truncate_to(seg, size - 7); /* mid-way through the last batch */
    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    assert_int_equal(read_ids(s, "torn", 0, 0), 90);
    StreamInfo *info = t_describe(s, "torn");
    assert_int_equal(info->next_seq, 90);
    store_stream_info_free(&info);
    uint64_t cut = t_file_size(seg);
    assert_true(cut < size - 7); /* cut back to the batch boundary */
    /* appends continue after the good data */
    StoreAppendResult res;
    tok = t_append_ex(s, "torn", 90, 1, 50, NULL, &res, WEIR_OK);
    assert_int_equal(res.seq, 90);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    assert_int_equal(read_ids(s, "torn", 0, 0), 91);
    store_close(&s);

    /* a flipped byte in the last batch: that batch goes, the rest stays */
    size = t_file_size(seg);
    t_flip_byte(seg, size - 3);
    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    assert_int_equal(read_ids(s, "torn", 0, 0), 90);
    assert_int_equal(t_file_size(seg), cut);
    tok = t_append(s, "torn", 90, 5, 50);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    assert_int_equal(read_ids(s, "torn", 0, 0), 95);
    store_close(&s);

    /* a batch header flipped in the middle of the only (unsealed) segment: everything from there */
    t_flip_byte(seg, SEGMENT_HDR_LEN + 1); /* the first batch's magic */
    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    assert_int_equal(read_ids(s, "torn", 0, 0), 0);
    assert_int_equal(t_file_size(seg), SEGMENT_HDR_LEN);
    info = t_describe(s, "torn");
    assert_true(info->next_seq >= 1);
    store_stream_info_free(&info);
    tok = t_append(s, "torn", 0, 3, 50);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    assert_int_equal(read_ids(s, "torn", 0, 0), 3);
    store_close(&s);
    free(seg);
    t_dir_remove(&dir);
}

/* A segment whose header never made it to disk is removed; an orphan index and temp file too. */
static void test_torn_segment_header(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "hdr", 1);
    t_append(s, "hdr", 0, 20, 30);
    uint64_t uid = stream_uid(s, "hdr");
    store_close(&s);
    char *sd = t_shard_dir(dir, uid, 0);
    char p[4200], q[4200], t[4200];
    snprintf(p, sizeof(p), "%s/%020d.seg", sd, 500);
    snprintf(q, sizeof(q), "%s/%020d.idx", sd, 400);
    snprintf(t, sizeof(t), "%s/%020d.idx.tmp", sd, 300);
    const char *files[] = {p, q, t};
    for (int i = 0; i < 3; i++) {
        int fd = open(files[i], O_WRONLY | O_CREAT, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "WEIRSEG1xxxxxxxxxxxx", 20), 20);
        close(fd);
    }
    s = t_open(dir, STORE_FSYNC_NONE, 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(access(files[i], F_OK), -1);
    assert_int_equal(read_ids(s, "hdr", 0, 0), 20);
    t_append(s, "hdr", 20, 5, 30);
    assert_int_equal(read_ids(s, "hdr", 0, 0), 25);
    store_close(&s);
    free(sd);
    t_dir_remove(&dir);
}

/* A sealed segment without its index (crash between the roll and the index write) that turns out to
 * be torn: it is cut, and the later segments (never acknowledged) are dropped. */
static void test_torn_middle_segment(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 2048);
    t_create(s, "mid", 1);
    for (int i = 0; i < 40; i++)
        t_append(s, "mid", (uint64_t)i * 4, 4, 100);
    uint64_t uid = stream_uid(s, "mid");
    store_close(&s);
    char *sd = t_shard_dir(dir, uid, 0);
    char **segs;
    size_t ns = t_list(sd, ".seg", &segs);
    assert_true(ns >= 5);
    char idx[4200];
    snprintf(idx, sizeof(idx), "%.*s.idx", (int)(strlen(segs[2]) - 4), segs[2]);
    assert_int_equal(unlink(idx), 0);
    truncate_to(segs[2], t_file_size(segs[2]) - 10);
    s = t_open(dir, STORE_FSYNC_NONE, 2048);
    size_t n = read_ids(s, "mid", 0, 0); /* a contiguous prefix */
    assert_true(n > 0 && n < 160);
    for (size_t i = 3; i < ns; i++)
        assert_int_equal(access(segs[i], F_OK), -1);
    assert_int_equal(access(idx, F_OK), -1); /* the cut segment is the active tail now */
    StreamInfo *info = t_describe(s, "mid");
    assert_int_equal(info->next_seq, n);
    store_stream_info_free(&info);
    t_append(s, "mid", n, 4, 100);
    assert_int_equal(read_ids(s, "mid", 0, 0), n + 4);
    store_close(&s);
    t_list_free(segs, ns);
    free(sd);
    t_dir_remove(&dir);
}

typedef struct ReadAll {
    TRecs r;
    int rc;
    Err e;
} ReadAll;

/* Read until an error or the end; collect (and validate) everything returned. */
static void read_until_error(Store *s, const char *name, uint64_t pos, ReadAll *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < 100000; i++) {
        StoreReadResult res;
        err_clear(&out->e);
        out->rc = store_read(s, name, 0, pos, 10, 0, t_collect, &out->r, &res, &out->e);
        if (out->rc != WEIR_OK || res.n_records == 0)
            break;
        pos = res.next_pos;
    }
}

/* A flipped byte inside a sealed segment: reads deliver the good records before it and then
 * WEIR_ECORRUPT, never the damaged batch; the same after a reopen (the index is trusted, the CRC is
 * still checked on read). Reading past it works. */
static void test_corrupt_sealed_segment(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 4096);
    t_create(s, "bad", 1);
    uint64_t tok = 0;
    for (int i = 0; i < 60; i++)
        tok = t_append(s, "bad", (uint64_t)i * 5, 5, 100);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    uint64_t uid = stream_uid(s, "bad");
    char *sd = t_shard_dir(dir, uid, 0);
    char **segs;
    size_t ns = t_list(sd, ".seg", &segs);
    assert_true(ns >= 4);
    uint64_t sz = t_file_size(segs[1]);
    t_flip_byte(segs[1], sz / 2);

    for (int round = 0; round < 2; round++) {
        ReadAll ra;
        read_until_error(s, "bad", 0, &ra);
        assert_int_equal(ra.rc, WEIR_ECORRUPT);
        assert_non_null(strstr(ra.e.msg, "CRC"));
        assert_true(ra.r.n > 0 && ra.r.n < 300);
        for (size_t i = 0; i < ra.r.n; i++)
            assert_int_equal(ra.r.v[i].id, i); /* good records only, in order */
        size_t good = ra.r.n;
        t_recs_free(&ra.r);
        /* starting inside the damaged batch fails at once; after it, reading resumes */
        StoreReadResult res;
        TRecs r = {0};
        Err e;
        err_clear(&e);
        assert_int_equal(store_read(s, "bad", 0, good, 10, 0, t_collect, &r, &res, &e), WEIR_ECORRUPT);
        assert_int_equal(r.n, 0);
        read_until_error(s, "bad", good + 5, &ra);
        assert_int_equal(ra.rc, WEIR_OK);
        assert_int_equal(ra.r.v[0].id, good + 5);
        assert_int_equal(ra.r.v[ra.r.n - 1].id, 299);
        t_recs_free(&ra.r);
        if (round == 0) {
            store_close(&s);
            s = t_open(dir, STORE_FSYNC_BATCH, 4096);
            assert_int_equal(t_file_size(segs[1]), sz); /* not truncated: sealed data is not "torn" */
        }
    }
    store_close(&s);
    t_list_free(segs, ns);
    free(sd);
    t_dir_remove(&dir);
}

/* --- retention -------------------------------------------------------------------------------- */

typedef struct RetArg {
    Store *s;
    TRecs r;
    int ran;
} RetArg;

static int retention_in_callback(void *arg, const StoreRecordView *v)
{
    RetArg *a = arg;
    t_collect(&a->r, v);
    if (!a->ran) {
        a->ran = 1;
        Err e;
        err_clear(&e);
        assert_true(store_retention_run(a->s, &e) > 0); /* deletes the segment being read */
    }
    return 0;
}

static void test_retention(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 2048);
    t_create(s, "ret", 1);
    t_create(s, "ret2", 1);
    uint64_t uid = stream_uid(s, "ret");
    clock_set_offset_ms(-49LL * 3600 * 1000);
    for (int i = 0; i < 20; i++)
        t_append(s, "ret", (uint64_t)i * 5, 5, 100); /* ids 0..99, old */
    t_append(s, "ret2", 0, 40, 100);
    clock_set_offset_ms(0);
    for (int i = 20; i < 40; i++)
        t_append(s, "ret", (uint64_t)i * 5, 5, 100); /* ids 100..199, new */
    /* ret2's only shard closes (split), and a record lands in a child */
    StreamInfo *info = t_describe(s, "ret2");
    Err e;
    err_clear(&e);
    assert_int_equal(store_shard_split(s, "ret2", 0, info->shards[0].hash_hi / 2, &e), WEIR_OK);
    store_stream_info_free(&info);
    t_append(s, "ret2", 40, 1, 100);
    /* close/reopen so every sealed segment has its index (retention leaves unindexed ones alone) */
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_NONE, 2048);

    char *sd = t_shard_dir(dir, uid, 0);
    char **before;
    size_t nb = t_list(sd, ".seg", &before);
    assert_int_equal(t_seek(s, "ret", 0, STORE_TRIM_HORIZON, 0, 0), 0);

    /* retention running while a read is in flight: the read finishes with good records only */
    RetArg a = {s, {0}, 0};
    StoreReadResult res;
    err_clear(&e);
    assert_int_equal(store_read(s, "ret", 0, 0, 10000, 0, retention_in_callback, &a, &res, &e), WEIR_OK);
    assert_true(a.ran);
    /* valid records in order; those in segments deleted before the read reached them are skipped */
    for (size_t i = 1; i < a.r.n; i++)
        assert_true(a.r.v[i].id > a.r.v[i - 1].id);
    assert_int_equal(a.r.v[a.r.n - 1].id, 199);
    t_recs_free(&a.r);
    assert_int_equal(store_retention_run(s, &e), 0); /* nothing more to do */

    char **after;
    size_t na = t_list(sd, ".seg", &after);
    assert_true(na < nb);
    assert_int_equal(access(before[0], F_OK), -1);
    uint64_t trim = t_seek(s, "ret", 0, STORE_TRIM_HORIZON, 0, 0);
    assert_true(trim > 0 && trim <= 100);
    /* reading from 0 moves up to the oldest retained record; every new record is still there */
    TRecs r = {0};
    t_read_all(s, "ret", 0, 0, &r);
    assert_int_equal(r.v[0].seq, trim);
    assert_int_equal(r.v[r.n - 1].id, 199);
    assert_true(r.n >= 100);
    size_t kept = r.n;
    t_recs_free(&r);
    /* the closed, fully expired shard is emptied and reports its end */
    t_read_all(s, "ret2", 0, 0, &r);
    assert_int_equal(r.n, 0);
    t_recs_free(&r);
    err_clear(&e);
    assert_int_equal(store_read(s, "ret2", 0, 0, 10, 0, t_collect, &r, &res, &e), WEIR_OK);
    assert_true(res.is_end);
    assert_int_equal(read_ids(s, "ret2", 1, 40) + read_ids(s, "ret2", 2, 40), 1);

    /* after a reopen: same trim point, the counter keeps going up */
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_NONE, 2048);
    assert_int_equal(t_seek(s, "ret", 0, STORE_TRIM_HORIZON, 0, 0), trim);
    t_read_all(s, "ret", 0, 0, &r);
    assert_int_equal(r.n, kept);
    t_recs_free(&r);
    info = t_describe(s, "ret2");
    assert_true(info->next_seq > info->shards[0].end_seq);
    store_stream_info_free(&info);
    StoreAppendResult ar;
    t_append_ex(s, "ret", 200, 1, 100, NULL, &ar, WEIR_OK);
    assert_int_equal(ar.seq, 200);
    store_close(&s);
    t_list_free(before, nb);
    t_list_free(after, na);
    free(sd);
    t_dir_remove(&dir);
}

/* --- a failed write ----------------------------------------------------------------------------- */

static void test_write_failure_all_or_nothing(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 0);
    t_create(s, "wf", 2);
    uint64_t uid = stream_uid(s, "wf");
    StreamInfo *info = t_describe(s, "wf");
    u128 h0 = info->shards[0].hash_lo, h1 = info->shards[1].hash_lo;
    store_stream_info_free(&info);
    t_append_ex(s, "wf", 0, 20, 200, &h1, NULL, WEIR_OK); /* shard 1 only */
    char *seg1 = last_segment(dir, uid, 1);
    uint64_t s1 = t_file_size(seg1);

    /* one append: a small batch for shard 0 (fits), a big one for shard 1 (cut short by the file size
     * limit, a real partial write followed by EFBIG) */
    StoreAppendEntry en[6];
    char keys[6][32];
    uint8_t data[6][400];
    for (int i = 0; i < 6; i++) {
        size_t kn = t_fill(keys[i], 32, data[i], 400, 100 + (uint64_t)i);
        en[i].key = (Slice){(const uint8_t *)keys[i], kn};
        en[i].data = (Slice){data[i], 400};
        en[i].hash = i == 0 ? h0 : h1;
    }
    StoreAppendResult res[6];
    int64_t arrival;
    uint64_t token;
    Err e;
    err_clear(&e);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    lim = old;
    lim.rlim_cur = s1 + 500;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc = store_append(s, "wf", en, 6, res, &arrival, &token, &e);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, WEIR_EIO);
    assert_int_equal(t_file_size(seg1), s1);
    char *seg0 = last_segment(dir, uid, 0);
    assert_int_equal(t_file_size(seg0), SEGMENT_HDR_LEN); /* its batch was cut back too */
    assert_int_equal(read_ids(s, "wf", 0, 100), 0);
    assert_int_equal(read_ids(s, "wf", 1, 0), 20);
    /* not sticky: the files were cut back, appends go on */
    err_clear(&e);
    assert_int_equal(store_append(s, "wf", en, 6, res, &arrival, &token, &e), WEIR_OK);
    assert_true(res[0].seq >= 26); /* the failed append's seqs are never reused */
    assert_int_equal(read_ids(s, "wf", 0, 100), 1);
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_NONE, 0);
    assert_int_equal(read_ids(s, "wf", 0, 100), 1);
    TRecs r = {0};
    t_read_all(s, "wf", 1, 0, &r);
    assert_int_equal(r.n, 25);
    t_recs_free(&r);
    store_close(&s);
    free(seg0);
    free(seg1);
    t_dir_remove(&dir);
}

/* --- directories ------------------------------------------------------------------------------- */

static void test_delete_and_orphans(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_BATCH, 0);
    t_create(s, "gone", 2);
    t_create(s, "stay", 1);
    uint64_t tok = t_append(s, "gone", 0, 50, 30);
    t_append(s, "stay", 0, 5, 30);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    uint64_t uid = stream_uid(s, "gone"), uid2 = stream_uid(s, "stay");
    char sdir[4200];
    snprintf(sdir, sizeof(sdir), "%s/streams/%" PRIu64, dir, uid);
    assert_int_equal(access(sdir, F_OK), 0);
    Err e;
    err_clear(&e);
    assert_int_equal(store_stream_delete(s, "gone", &e), WEIR_OK);
    for (int i = 0; i < 5000 && access(sdir, F_OK) == 0; i++)
        t_sleep_ms(1);
    assert_int_equal(access(sdir, F_OK), -1);
    store_close(&s);

    /* orphans: a stream directory and a shard directory the catalog does not know */
    char o1[4200], o2[4200];
    snprintf(o1, sizeof(o1), "%s/streams/999/0", dir);
    snprintf(o2, sizeof(o2), "%s/streams/%" PRIu64 "/77", dir, uid2);
    char o1p[4200];
    snprintf(o1p, sizeof(o1p), "%s/streams/999", dir);
    assert_int_equal(mkdir(o1p, 0755), 0);
    assert_int_equal(mkdir(o1, 0755), 0);
    assert_int_equal(mkdir(o2, 0755), 0);
    s = t_open(dir, STORE_FSYNC_BATCH, 0);
    assert_int_equal(access(o1p, F_OK), -1);
    assert_int_equal(access(o2, F_OK), -1);
    assert_int_equal(read_ids(s, "stay", 0, 0), 5);
    store_close(&s);
    t_dir_remove(&dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_torn_tail_cut, t_teardown),
        cmocka_unit_test_teardown(test_torn_segment_header, t_teardown),
        cmocka_unit_test_teardown(test_torn_middle_segment, t_teardown),
        cmocka_unit_test_teardown(test_corrupt_sealed_segment, t_teardown),
        cmocka_unit_test_teardown(test_retention, t_teardown),
        cmocka_unit_test_teardown(test_write_failure_all_or_nothing, t_teardown),
        cmocka_unit_test_teardown(test_delete_and_orphans, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
