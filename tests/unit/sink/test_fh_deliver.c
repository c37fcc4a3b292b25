/*
 * test_fh_deliver.c: unit tests of the delivery runtime (src/sink/fh_deliver.c) through the manager
 * (src/sink/firehose.c) over a real store and a local object store in a temp directory: records put into
 * a DirectPut stream come out as objects exactly once; the recovery of intents a crash leaves behind
 * (the object written: finished, its records not delivered again; the object absent: dropped, its
 * records delivered; one object of a pair written: removed, the records delivered); and a restart that
 * neither repeats nor loses records. The crash itself (kill -9 at any moment) is tests/e2e/test_firehose.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "base/u128.h"
#include "sink/firehose.h"
#include "store/store_int.h"

#define DEST "{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"fixed/!{timestamp:'t'}/\", \"ErrorOutputPrefix\": " \
             "\"err/\", \"BufferingHints\": {\"SizeInMBs\": 1, \"IntervalInSeconds\": 0}}"
#define BKEY "Dfixed/t/"
#define N_RECS 10

typedef struct Env {
    char dir[64];
    char wh[96];
    Store *store;
    ObjStore *os;
    FhManager *m;
} Env;

static void env_open_store(Env *v)
{
    StoreConfig cfg = {.dir = v->dir, .fsync_mode = STORE_FSYNC_NONE};
    Err e;
    err_clear(&e);
    assert_int_equal(store_open(&cfg, &v->store, &e), WEIR_OK);
    assert_int_equal(objstore_open_local(v->wh, &v->os, &e), WEIR_OK);
}

static void env_start(Env *v)
{
    FhConfig cfg = {.store = v->store, .objstore = v->os, .data_dir = v->dir, .tick_ms = 10};
    Err e;
    err_clear(&e);
    assert_int_equal(fh_manager_create(&cfg, &v->m, &e), WEIR_OK);
}

static void env_init(Env *v)
{
    memset(v, 0, sizeof(*v));
    snprintf(v->dir, sizeof(v->dir), "/tmp/weir-fh-test-XXXXXX");
    assert_non_null(mkdtemp(v->dir));
    snprintf(v->wh, sizeof(v->wh), "%s/warehouse", v->dir);
    env_open_store(v);
    env_start(v);
}

static void env_fini(Env *v)
{
    fh_manager_destroy(&v->m);
    objstore_close(&v->os);
    store_close(&v->store);
    store_rmtree(v->dir);
}

static void wait_active(Env *v, const char *name)
{
    for (int i = 0; i < 500; i++) {
        FhInfo *in = NULL;
        Err e;
        err_clear(&e);
        assert_int_equal(fh_stream_get(v->m, name, &in, &e), WEIR_OK);
        int st = in->status;
        fh_info_free(&in);
        if (st == FH_STATUS_ACTIVE)
            return;
        usleep(10000);
    }
    fail_msg("%s did not become ACTIVE", name);
}

/* Create stream "s" and stop the manager with nothing delivered: its start positions are recorded. */
static void make_stream(Env *v)
{
    FhCreate c = {.name = "s", .type = FH_TYPE_DIRECT_PUT, .dest_json = DEST, .region = "us-east-1"};
    Err e;
    err_clear(&e);
    assert_int_equal(fh_stream_create(v->m, &c, &e), WEIR_OK);
    wait_active(v, "s");
    fh_manager_destroy(&v->m);
}

/* Append records "r00;".."r09;" to the backing stream; their sequence numbers into seqs. */
static void put_records(Env *v, uint64_t *seqs)
{
    char name[STORE_NAME_MAX + 1];
    fh_backing_stream("s", name, sizeof(name));
    StoreAppendEntry en[N_RECS];
    StoreAppendResult res[N_RECS];
    char data[N_RECS][16];
    for (int i = 0; i < N_RECS; i++) {
        snprintf(data[i], sizeof(data[i]), "r%02d;", i);
        en[i].key = SLICE_LIT("k");
        en[i].data = (Slice){(const uint8_t *)data[i], 4};
        en[i].hash = u128_md5_hash_key("k", 1);
    }
    int64_t arrival;
    uint64_t token;
    Err e;
    err_clear(&e);
    assert_int_equal(store_append(v->store, name, en, N_RECS, res, &arrival, &token, &e), WEIR_OK);
    for (int i = 0; i < N_RECS; i++)
        seqs[i] = res[i].seq;
}

static void db_exec(Env *v, const char *sql)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/firehose.db", v->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

static int db_count(Env *v, const char *sql)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/firehose.db", v->dir);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* How many times each record "rNN;" appears over every object of the bucket; returns the total. */
static int count_records(Env *v, int counts[N_RECS], size_t *n_objects)
{
    memset(counts, 0, sizeof(int) * N_RECS);
    Buf keys;
    buf_init(&keys, 0);
    size_t nk = 0;
    Err e;
    err_clear(&e);
    if (objstore_list(v->os, "bkt", "", &keys, &nk, &e) == WEIR_ENOTFOUND)
        nk = 0;
    int total = 0;
    const char *k = (const char *)keys.p;
    for (size_t i = 0; i < nk; i++, k += strlen(k) + 1) {
        Buf b;
        buf_init(&b, 0);
        assert_int_equal(objstore_get(v->os, "bkt", k, &b, &e), WEIR_OK);
        assert_int_equal(b.len % 4, 0);
        for (size_t off = 0; off < b.len; off += 4) {
            int r = (b.p[off + 1] - '0') * 10 + (b.p[off + 2] - '0');
            assert_true(r >= 0 && r < N_RECS);
            counts[r]++;
            total++;
        }
        buf_fini(&b);
    }
    if (n_objects)
        *n_objects = nk;
    buf_fini(&keys);
    return total;
}

static void wait_delivered(Env *v, int counts[N_RECS])
{
    for (int i = 0; i < 1000; i++) {
        if (count_records(v, counts, NULL) >= N_RECS)
            break;
        usleep(10000);
    }
    usleep(100000); /* anything more would be a duplicate: give it the chance to show */
    count_records(v, counts, NULL);
    for (int i = 0; i < N_RECS; i++)
        if (counts[i] != 1)
            fail_msg("record %d delivered %d times", i, counts[i]);
}

static void put_object(Env *v, const char *key, const char *body)
{
    Slice part = {(const uint8_t *)body, strlen(body)};
    Err e;
    err_clear(&e);
    assert_int_equal(objstore_put(v->os, "bkt", key, &part, 1, &e), WEIR_OK);
}

static int object_exists(Env *v, const char *key)
{
    uint64_t size;
    Err e;
    err_clear(&e);
    return objstore_head(v->os, "bkt", key, &size, &e) == WEIR_OK;
}

/* ------------------------------------------------------------------------------------------------ */

static void test_deliver_and_restart(void **state)
{
    (void)state;
    Env v;
    env_init(&v);
    make_stream(&v);
    uint64_t seqs[N_RECS];
    put_records(&v, seqs);
    env_start(&v);
    int counts[N_RECS];
    wait_delivered(&v, counts);
    /* a restart delivers nothing again */
    fh_manager_destroy(&v.m);
    env_start(&v);
    usleep(300000);
    assert_int_equal(count_records(&v, counts, NULL), N_RECS);
    assert_int_equal(db_count(&v, "SELECT count(*) FROM fh_intents"), 0);
    /* delete: the catalog rows and the backing stream go */
    Err e;
    err_clear(&e);
    assert_int_equal(fh_stream_delete(v.m, "s", &e), WEIR_OK);
    assert_int_equal(db_count(&v, "SELECT count(*) FROM fh_positions"), 0);
    StreamInfo *si = NULL;
    assert_int_equal(store_stream_describe(v.store, "_weir_firehose_s", &si, &e), WEIR_ENOTFOUND);
    env_fini(&v);
}

/* A crash left an intent for r00-r03 naming the objects okeys ("a" or "a\nb"), of which the ones in
 * written[] exist with bodies[]; recovery then delivers every record once and leaves the objects that
 * should stay (kept: 1 when the intent was finished, its objects then stay; 0: none of them may remain). */
static void recovery_case(const char *okeys_sql, const char *const *written, const char *const *bodies, size_t n_written,
                          int kept)
{
    Env v;
    env_init(&v);
    make_stream(&v);
    uint64_t seqs[N_RECS];
    put_records(&v, seqs);
    for (size_t i = 0; i < n_written; i++)
        put_object(&v, written[i], bodies[i]);
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO fh_intents(name, okey, bucket, bkey, shards, n) VALUES('s', %s, 'bkt', '%s', '0:%llu', 4)",
             okeys_sql, BKEY, (unsigned long long)seqs[3]);
    db_exec(&v, sql);
    env_start(&v);
    int counts[N_RECS];
    wait_delivered(&v, counts);
    for (size_t i = 0; i < n_written; i++)
        assert_int_equal(object_exists(&v, written[i]), kept);
    assert_int_equal(db_count(&v, "SELECT count(*) FROM fh_intents"), 0);
    env_fini(&v);
}

/* the object of r00-r03 was written, the commit was not: finished, its records not delivered again */
static void test_recover_object_written(void **state)
{
    (void)state;
    static const char *const keys[] = {"fixed/t/manual-1"}, *const bodies[] = {"r00;r01;r02;r03;"};
    recovery_case("'fixed/t/manual-1'", keys, bodies, 1, 1);
}

/* a crash before the object was written: the intent is dropped, its records delivered anew */
static void test_recover_object_absent(void **state)
{
    (void)state;
    recovery_case("'fixed/t/manual-1'", NULL, NULL, 0, 0);
}

/* a Parquet object and its error object: only the first was written when the crash came */
static void test_recover_pair_half_written(void **state)
{
    (void)state;
    static const char *const keys[] = {"fixed/t/half-1"}, *const bodies[] = {"r00;r01;"};
    recovery_case("'fixed/t/half-1' || char(10) || 'err/half-2'", keys, bodies, 1, 0);
}

static void test_high_water_skips_replay(void **state)
{
    (void)state;
    Env v;
    env_init(&v);
    make_stream(&v);
    uint64_t seqs[N_RECS];
    put_records(&v, seqs);
    /* committed position at the start, but r00-r05 already in an object of the same buffer key: the
     * replay must skip exactly those */
    put_object(&v, "fixed/t/earlier", "r00;r01;r02;r03;r04;r05;");
    char sql[512];
    snprintf(sql, sizeof(sql), "INSERT INTO fh_highwater(name, bkey, shard, seq) VALUES('s', '%s', 0, %llu)", BKEY,
             (unsigned long long)seqs[5]);
    db_exec(&v, sql);
    env_start(&v);
    int counts[N_RECS];
    wait_delivered(&v, counts);
    /* once delivered past them, the high water below the committed position is dropped */
    for (int i = 0; i < 200 && db_count(&v, "SELECT count(*) FROM fh_highwater WHERE seq < (SELECT pos FROM "
                                            "fh_positions WHERE name = 's' AND shard = 0)") > 0;
         i++)
        usleep(10000);
    assert_int_equal(db_count(&v, "SELECT count(*) FROM fh_highwater WHERE seq < (SELECT pos FROM fh_positions WHERE "
                                  "name = 's' AND shard = 0)"),
                     0);
    env_fini(&v);
}

/* UpdateDestination while records are buffered: they go out under the old prefix, each once, and the new
 * prefix applies after (a replay under the new prefix would not meet the old keys' high waters). */
static void test_update_drains_buffers(void **state)
{
    (void)state;
    Env v;
    env_init(&v);
    static const char slow[] = "{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"fixed/!{timestamp:'t'}/\", "
                               "\"ErrorOutputPrefix\": \"err/\", \"BufferingHints\": {\"SizeInMBs\": 1, "
                               "\"IntervalInSeconds\": 900}}";
    FhCreate c = {.name = "s", .type = FH_TYPE_DIRECT_PUT, .dest_json = slow, .region = "us-east-1"};
    Err e;
    err_clear(&e);
    assert_int_equal(fh_stream_create(v.m, &c, &e), WEIR_OK);
    wait_active(&v, "s");
    uint64_t seqs[N_RECS];
    put_records(&v, seqs);
    usleep(300000); /* read and buffered: nothing is due for 900 s */
    int counts[N_RECS];
    assert_int_equal(count_records(&v, counts, NULL), 0);
    static const char fast[] = "{\"BucketARN\": \"arn:aws:s3:::bkt\", \"Prefix\": \"other/!{timestamp:'t'}/\", "
                               "\"ErrorOutputPrefix\": \"err/\", \"BufferingHints\": {\"SizeInMBs\": 1, "
                               "\"IntervalInSeconds\": 0}}";
    assert_int_equal(fh_stream_update_dest(v.m, "s", 2, fast, &e), WEIR_EBUSY);
    err_clear(&e);
    assert_int_equal(fh_stream_update_dest(v.m, "s", 1, fast, &e), WEIR_OK);
    wait_delivered(&v, counts);
    Buf keys;
    buf_init(&keys, 0);
    size_t nk = 0;
    assert_int_equal(objstore_list(v.os, "bkt", "other/", &keys, &nk, &e), WEIR_OK);
    assert_int_equal(nk, 0);
    buf_fini(&keys);
    env_fini(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deliver_and_restart),      cmocka_unit_test(test_recover_object_written),
        cmocka_unit_test(test_recover_object_absent),    cmocka_unit_test(test_recover_pair_half_written),
        cmocka_unit_test(test_high_water_skips_replay),  cmocka_unit_test(test_update_drains_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
