/*
 * test_shard.c: unit tests of the shard logs in src/store/shard.c through the store API: recovery of
 * torn tails (cut mid-batch, a flipped byte, a torn segment header, a torn segment followed by later
 * ones), corruption inside a sealed segment (reads return WEIR_ECORRUPT, never bad bytes), retention
 * (old segments deleted, TRIM_HORIZON moves, closed shards emptied, reads in flight unharmed), a
 * failed write cut back on every shard of the append, and removal of deleted and orphan directories.
 * Cursors (store_cursor_*): the same records as store_read across segments and mapping windows under
 * any per-call limits, [pos, end) bounds, pins released after close, out of order and from another
 * thread, retention under a cursor and moving its start, a corrupt batch (good records first, then a
 * sticky WEIR_ECORRUPT), and the snapshot a cursor takes at open while appends go on.
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

/* --- cursors (store_cursor_*, store_pin_release) ------------------------------------------------ */

/* What a cursor read: each record's id and seq, and every pin it handed out (not yet released). */
typedef struct CurAll {
    TRecs r;
    StorePin **pins;
    size_t n_pins;
    int rc; /* of the last store_cursor_next */
    Err e;
    size_t n_calls;
} CurAll;

/* Read c to its end or first error, max_records / max_bytes per call. Checks every call's bounds: at
 * least one record unless at the end, at most max_records, the byte limit kept past the first record,
 * seqs increasing, and store_cursor_pos just past the last record returned. Pins are kept. */
static void cur_read(StoreCursor *c, size_t max_records, size_t max_bytes, CurAll *out)
{
    memset(out, 0, sizeof(*out));
    StoreRecordView *v = xcalloc(max_records ? max_records : 1, sizeof(*v));
    for (;;) {
        size_t n = 0;
        StorePin *pin = NULL;
        uint64_t before = store_cursor_pos(c);
        err_clear(&out->e);
        out->rc = store_cursor_next(c, max_records, max_bytes, v, &n, &pin, &out->e);
        out->n_calls++;
        if (out->rc != WEIR_OK) {
            assert_int_equal(n, 0);
            assert_null(pin);
            break;
        }
        if (n == 0) {
            assert_null(pin);
            assert_int_equal(store_cursor_pos(c), before);
            break;
        }
        assert_non_null(pin);
        assert_true(n <= (max_records ? max_records : 1));
        size_t bytes = 0;
        for (size_t i = 0; i < n; i++) {
            assert_true(v[i].seq >= before);
            bytes += v[i].key.n + v[i].data.n;
            t_collect(&out->r, &v[i]);
        }
        if (max_bytes && n > 1)
            assert_true(bytes <= max_bytes);
        assert_int_equal(store_cursor_pos(c), v[n - 1].seq + 1);
        out->pins = xrealloc(out->pins, (out->n_pins + 1) * sizeof(*out->pins));
        out->pins[out->n_pins++] = pin;
    }
    for (size_t i = 1; i < out->r.n; i++)
        assert_true(out->r.v[i].seq > out->r.v[i - 1].seq);
    free(v);
}

static void cur_release(CurAll *a)
{
    for (size_t i = 0; i < a->n_pins; i++)
        store_pin_release(a->pins[i]);
    free(a->pins);
    a->pins = NULL;
    a->n_pins = 0;
    t_recs_free(&a->r);
}

static StoreCursor *cur_open(Store *s, const char *name, uint64_t pos, uint64_t end)
{
    StoreCursor *c = NULL;
    Err e;
    err_clear(&e);
    int rc = store_cursor_open(s, name, 0, pos, end, &c, &e);
    if (rc)
        fprintf(stderr, "cursor open: %s\n", e.msg);
    assert_int_equal(rc, WEIR_OK);
    assert_non_null(c);
    return c;
}

/* The same records as store_read gives, over many small segments and over a segment bigger than the
 * mapping window, whatever the per-call limits; [pos, end) bounds starting and ending inside batches;
 * records stay readable after the cursor is closed until their pins are released. */
static void test_cursor_reads_like_store_read(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 4096);
    t_create(s, "small", 1);
    for (int i = 0; i < 60; i++)
        t_append(s, "small", (uint64_t)i * 7, 7, 100); /* 420 records in batches of 7, ~30 segments */
    TRecs want = {0};
    t_read_all(s, "small", 0, 0, &want);
    assert_int_equal(want.n, 420);
    char *sd = t_shard_dir(dir, stream_uid(s, "small"), 0);
    char **segs;
    size_t n_segs = t_list(sd, ".seg", &segs);
    assert_true(n_segs >= 8);
    t_list_free(segs, n_segs);
    free(sd);
    const size_t limits[][2] = {{1000, 0}, {1, 0}, {5, 0}, {7, 0}, {2048, 350}, {3, 1}};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        StoreCursor *c = cur_open(s, "small", 0, UINT64_MAX);
        assert_int_equal(store_cursor_pos(c), 0);
        CurAll a;
        cur_read(c, limits[l][0], limits[l][1], &a);
        assert_int_equal(a.rc, WEIR_OK);
        assert_int_equal(a.r.n, want.n);
        for (size_t i = 0; i < want.n; i++) {
            assert_int_equal(a.r.v[i].seq, want.v[i].seq);
            assert_int_equal(a.r.v[i].id, want.v[i].id);
            assert_int_equal(a.r.v[i].arrival, want.v[i].arrival);
        }
        /* a call returns one segment's records at most: a call per segment at least */
        assert_true(a.n_calls >= n_segs);
        /* exhausted stays exhausted */
        size_t n = 1;
        StorePin *pin = (StorePin *)&n;
        StoreRecordView v;
        Err e;
        err_clear(&e);
        assert_int_equal(store_cursor_next(c, 10, 0, &v, &n, &pin, &e), WEIR_OK);
        assert_int_equal(n, 0);
        assert_null(pin);
        store_cursor_close(&c);
        assert_null(c);
        store_cursor_close(&c); /* NULL is a no-op */
        cur_release(&a);
    }
    /* bounds inside batches: [want[10].seq, want[200].seq) is records 10..199 */
    for (size_t l = 0; l < 3; l++) {
        StoreCursor *c = cur_open(s, "small", want.v[10].seq, want.v[200].seq);
        assert_int_equal(store_cursor_pos(c), want.v[10].seq);
        CurAll a;
        cur_read(c, limits[l][0], 0, &a);
        assert_int_equal(a.rc, WEIR_OK);
        assert_int_equal(a.r.n, 190);
        for (size_t i = 0; i < a.r.n; i++)
            assert_int_equal(a.r.v[i].id, 10 + i);
        store_cursor_close(&c);
        cur_release(&a);
    }
    /* empty ranges: pos == end, pos past the visible end */
    StoreCursor *c = cur_open(s, "small", 5, 5);
    CurAll a;
    cur_read(c, 10, 0, &a);
    assert_int_equal(a.r.n, 0);
    store_cursor_close(&c);
    cur_release(&a);
    c = cur_open(s, "small", want.v[want.n - 1].seq + 1, UINT64_MAX);
    cur_read(c, 10, 0, &a);
    assert_int_equal(a.r.n, 0);
    store_cursor_close(&c);
    cur_release(&a);
    t_recs_free(&want);

    /* one segment of about 20 MB: reads cross the mapping windows (SHARD_MAP_WINDOW, 8 MiB) */
    t_create(s, "big", 1);
    store_close(&s);
    s = t_open(dir, STORE_FSYNC_NONE, 0);
    for (int i = 0; i < 40; i++)
        t_append(s, "big", (uint64_t)i * 100, 100, 5000);
    c = cur_open(s, "big", 0, UINT64_MAX);
    cur_read(c, 2048, (size_t)2 << 20, &a);
    store_cursor_close(&c); /* the views stay valid: their pins hold the windows */
    assert_int_equal(a.rc, WEIR_OK);
    assert_int_equal(a.r.n, 4000);
    for (size_t i = 0; i < a.r.n; i++)
        assert_int_equal(a.r.v[i].id, i);
    assert_true(a.n_pins >= 10); /* 2 MB per call */
    cur_release(&a);
    store_close(&s);
    t_dir_remove(&dir);
}

/* Pins outlive the cursor and are released in any order, from any thread; the record bytes of a pin
 * are intact until it is released (ASan would see a read of an unmapped window). */
typedef struct PinHalf {
    StoreRecordView *views;
    size_t *first; /* index of the first view of each pin */
    StorePin **pins;
    size_t n_pins;
} PinHalf;

static void *release_odd_pins(void *arg)
{
    PinHalf *h = arg;
    for (size_t i = h->n_pins; i-- > 0;) {
        if (i % 2 == 0)
            continue;
        assert_true(t_record_id(&h->views[h->first[i]]) != UINT64_MAX);
        store_pin_release(h->pins[i]);
    }
    return NULL;
}

static void test_cursor_pins_any_order_any_thread(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 16384);
    t_create(s, "p", 1);
    for (int i = 0; i < 100; i++)
        t_append(s, "p", (uint64_t)i * 10, 10, 300);
    StoreCursor *c = cur_open(s, "p", 0, UINT64_MAX);
    StoreRecordView *views = xcalloc(1000, sizeof(*views));
    size_t *first = xcalloc(1000, sizeof(*first));
    StorePin **pins = xcalloc(1000, sizeof(*pins));
    size_t n_views = 0, n_pins = 0;
    for (;;) {
        size_t n = 0;
        Err e;
        err_clear(&e);
        assert_int_equal(store_cursor_next(c, 13, 0, views + n_views, &n, &pins[n_pins], &e), WEIR_OK);
        if (!n)
            break;
        first[n_pins++] = n_views;
        n_views += n;
    }
    assert_int_equal(n_views, 1000);
    store_cursor_close(&c);
    store_close(&s); /* the store may even be gone: pins hold mappings, not the store */
    for (size_t i = 0; i < n_views; i++)
        assert_int_equal(t_record_id(&views[i]), i);
    PinHalf h = {views, first, pins, n_pins};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, release_odd_pins, &h), 0);
    for (size_t i = 0; i < n_pins; i += 2) {
        assert_true(t_record_id(&views[first[i]]) != UINT64_MAX);
        store_pin_release(pins[i]);
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    store_pin_release(NULL); /* no-op */
    free(views);
    free(first);
    free(pins);
    t_dir_remove(&dir);
}

/* A cursor opened at 0 starts at the oldest retained record; retention running while a cursor reads
 * deletes segments under it, and it still returns only good records, in order, to the newest. */
static void test_cursor_retention(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 2048);
    t_create(s, "ret", 1);
    clock_set_offset_ms(-49LL * 3600 * 1000);
    for (int i = 0; i < 20; i++)
        t_append(s, "ret", (uint64_t)i * 5, 5, 100); /* ids 0..99, expired */
    clock_set_offset_ms(0);
    for (int i = 20; i < 40; i++)
        t_append(s, "ret", (uint64_t)i * 5, 5, 100); /* ids 100..199 */
    store_close(&s); /* sealed segments get their index; retention needs it */
    s = t_open(dir, STORE_FSYNC_NONE, 2048);

    /* retention while reading: the cursor holds its segments, files deleted under it are skipped */
    StoreCursor *c = cur_open(s, "ret", 0, UINT64_MAX);
    StoreRecordView v[5];
    size_t n = 0;
    StorePin *pin = NULL;
    Err e;
    err_clear(&e);
    assert_int_equal(store_cursor_next(c, 5, 0, v, &n, &pin, &e), WEIR_OK);
    assert_int_equal(n, 5);
    assert_int_equal(t_record_id(&v[0]), 0);
    assert_true(store_retention_run(s, &e) > 0);
    assert_int_equal(t_record_id(&v[4]), 4); /* still mapped: the pin holds it */
    store_pin_release(pin);
    CurAll a;
    cur_read(c, 7, 0, &a);
    assert_int_equal(a.rc, WEIR_OK);
    assert_true(a.r.n >= 100);
    for (size_t i = 1; i < a.r.n; i++)
        assert_true(a.r.v[i].id > a.r.v[i - 1].id);
    assert_true(a.r.v[0].id >= 5);
    assert_int_equal(a.r.v[a.r.n - 1].id, 199);
    store_cursor_close(&c);
    cur_release(&a);

    /* after retention: a cursor opened at 0 (or anywhere below the trim point) moves up to it */
    uint64_t trim = t_seek(s, "ret", 0, STORE_TRIM_HORIZON, 0, 0);
    assert_true(trim > 0 && trim <= 100);
    c = cur_open(s, "ret", 0, UINT64_MAX);
    assert_int_equal(store_cursor_pos(c), trim);
    cur_read(c, 1000, 0, &a);
    assert_int_equal(a.r.v[0].seq, trim);
    assert_int_equal(a.r.v[a.r.n - 1].id, 199);
    store_cursor_close(&c);
    cur_release(&a);
    store_close(&s);
    t_dir_remove(&dir);
}

/* A flipped byte in a sealed segment: the cursor hands out every good record before the damaged batch,
 * then WEIR_ECORRUPT (sticky), never the damaged records; a cursor starting after it reads on. */
static void test_cursor_corrupt_batch(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 4096);
    t_create(s, "bad", 1);
    for (int i = 0; i < 60; i++)
        t_append(s, "bad", (uint64_t)i * 5, 5, 100);
    uint64_t uid = stream_uid(s, "bad");
    store_close(&s);
    char *sd = t_shard_dir(dir, uid, 0);
    char **segs;
    size_t ns = t_list(sd, ".seg", &segs);
    assert_true(ns >= 4);
    t_flip_byte(segs[1], t_file_size(segs[1]) / 2);
    s = t_open(dir, STORE_FSYNC_NONE, 4096);
    ReadAll ra;
    read_until_error(s, "bad", 0, &ra); /* store_read's answer, for comparison */
    assert_int_equal(ra.rc, WEIR_ECORRUPT);
    for (size_t max = 1; max <= 1000; max *= 10) {
        StoreCursor *c = cur_open(s, "bad", 0, UINT64_MAX);
        CurAll a;
        cur_read(c, max, 0, &a);
        assert_int_equal(a.rc, WEIR_ECORRUPT);
        assert_non_null(strstr(a.e.msg, "CRC"));
        assert_int_equal(a.r.n, ra.r.n); /* the good records before the damaged batch, all of them */
        for (size_t i = 0; i < a.r.n; i++)
            assert_int_equal(a.r.v[i].id, i);
        /* sticky */
        size_t n = 1;
        StorePin *pin = NULL;
        StoreRecordView v;
        Err e;
        err_clear(&e);
        assert_int_equal(store_cursor_next(c, 10, 0, &v, &n, &pin, &e), WEIR_ECORRUPT);
        assert_int_equal(n, 0);
        assert_null(pin);
        store_cursor_close(&c);
        cur_release(&a);
    }
    /* past the damaged batch (records good .. good + 4): reading resumes */
    StoreCursor *c = cur_open(s, "bad", ra.r.n + 5, UINT64_MAX);
    CurAll a;
    cur_read(c, 100, 0, &a);
    assert_int_equal(a.rc, WEIR_OK);
    assert_int_equal(a.r.v[0].id, ra.r.n + 5);
    assert_int_equal(a.r.v[a.r.n - 1].id, 299);
    store_cursor_close(&c);
    cur_release(&a);
    t_recs_free(&ra.r);
    store_close(&s);
    t_list_free(segs, ns);
    free(sd);
    t_dir_remove(&dir);
}

/* A cursor sees what was visible when it was opened: records appended afterwards (in the same segment
 * or in new ones, before or while it reads) are not returned, even with end = UINT64_MAX; under
 * group commit, records not yet durable at open are not visible either. */
typedef struct Appender {
    Store *s;
    atomic_int stop;
    uint64_t next_id;
} Appender;

static void *append_loop(void *arg)
{
    Appender *ap = arg;
    while (!atomic_load(&ap->stop) && ap->next_id < 200000) {
        t_append(ap->s, "snap", ap->next_id, 10, 100);
        ap->next_id += 10;
    }
    return NULL;
}

static void test_cursor_snapshot(void **state)
{
    UNUSED(state);
    char *dir = t_dir_make();
    Store *s = t_open(dir, STORE_FSYNC_NONE, 8192);
    t_create(s, "snap", 1);
    for (int i = 0; i < 10; i++)
        t_append(s, "snap", (uint64_t)i * 10, 10, 100);
    StoreCursor *c = cur_open(s, "snap", 0, UINT64_MAX);
    for (int i = 10; i < 40; i++)
        t_append(s, "snap", (uint64_t)i * 10, 10, 100); /* same segment, then new ones */
    CurAll a;
    cur_read(c, 33, 0, &a);
    assert_int_equal(a.r.n, 100);
    assert_int_equal(a.r.v[99].id, 99);
    store_cursor_close(&c);
    cur_release(&a);

    /* appends running on another thread the whole time */
    Appender ap = {s, 0, 400};
    atomic_init(&ap.stop, 0);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, append_loop, &ap), 0);
    for (int round = 0; round < 20; round++) {
        uint64_t latest = t_seek(s, "snap", 0, STORE_LATEST, 0, 0);
        c = cur_open(s, "snap", 0, UINT64_MAX);
        cur_read(c, 64, 0, &a);
        assert_int_equal(a.rc, WEIR_OK);
        assert_true(a.r.n >= latest); /* ids are seqs here: one record per counter value */
        for (size_t i = 0; i < a.r.n; i++)
            assert_int_equal(a.r.v[i].id, i);
        uint64_t latest2 = t_seek(s, "snap", 0, STORE_LATEST, 0, 0);
        assert_true(a.r.n <= latest2);
        store_cursor_close(&c);
        cur_release(&a);
    }
    atomic_store(&ap.stop, 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    store_close(&s);

    /* group commit: nothing is visible to a cursor before the fsync that covers it */
    TNotify nt;
    atomic_init(&nt.count, 0);
    s = t_open_cfg(dir, STORE_FSYNC_BATCH, 8192, &nt);
    uint64_t before = t_seek(s, "snap", 0, STORE_LATEST, 0, 0);
    uint64_t tok = t_append(s, "snap", ap.next_id, 10, 100);
    uint64_t at0 = t_seek(s, "snap", 0, STORE_LATEST, 0, 0);
    c = cur_open(s, "snap", 0, UINT64_MAX);
    uint64_t at1 = t_seek(s, "snap", 0, STORE_LATEST, 0, 0);
    assert_int_equal(t_sync(s, tok), WEIR_OK);
    assert_int_equal(t_seek(s, "snap", 0, STORE_LATEST, 0, 0), before + 10);
    cur_read(c, 1000, 0, &a);
    /* what was visible at open (the fsync may land just before or after it), never more */
    assert_true(a.r.n >= at0 && a.r.n <= at1);
    assert_true(a.r.n == before || a.r.n == before + 10);
    store_cursor_close(&c);
    cur_release(&a);
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
        cmocka_unit_test_teardown(test_cursor_reads_like_store_read, t_teardown),
        cmocka_unit_test_teardown(test_cursor_pins_any_order_any_thread, t_teardown),
        cmocka_unit_test_teardown(test_cursor_retention, t_teardown),
        cmocka_unit_test_teardown(test_cursor_corrupt_batch, t_teardown),
        cmocka_unit_test_teardown(test_cursor_snapshot, t_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
