/*
 * test_kinesis_writer.c: unit tests of src/gen/kinesis_writer.c against a scripted Kinesis endpoint
 * running in a thread of the test (a thread per connection, 127.0.0.1, an ephemeral port). The fake
 * server speaks just enough of the API: DescribeStreamSummary (missing, CREATING once, then ACTIVE),
 * CreateStream, ListShards (two per page, plus a closed shard), and PutRecords, which stores each
 * entry's data in arrival order and can be told to fail some entries, throttle a whole request, drop a
 * connection without answering, or answer ResourceNotFoundException. Checked: streams are created and
 * waited for; every record is stored exactly once and batches never overtake each other, through
 * partial failures, throttling and broken connections; with several shards each request carries the
 * records of one shard and each shard receives its records in order; fatal errors stick; partial
 * batches go out on send_ready without a flush.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/base64.h"
#include "base/buf.h"
#include "base/u128.h"
#include "gen/kinesis_writer.h"

#define FK_MAX_REC 20000

typedef struct Fake {
    int lfd, port;
    pthread_t accept_thread;
    pthread_mutex_t mu;
    /* script */
    int fail_odd_in_request;  /* PutRecords number (1-based) whose odd entries fail; 0: none */
    int throttle_request;     /* PutRecords number answered 400 ProvisionedThroughputExceededException */
    int drop_request;         /* PutRecords number whose connection is closed without an answer */
    /* state */
    int exists[2];            /* streams "a", "b" */
    int shards[2];            /* open shards (0: 1) */
    int mixed;                /* PutRecords requests that mixed records of two shards */
    int creating[2];          /* DescribeStreamSummary says CREATING this many more times */
    int create_shards;        /* ShardCount of the last CreateStream */
    int n_put;                /* PutRecords requests seen */
    int n_stored[2];
    int stored[2][FK_MAX_REC]; /* record numbers (the data is the decimal number) in arrival order */
    int live; /* connection threads still running */
} Fake;

static int fk_stream(const char *name)
{
    return !strcmp(name, "a") ? 0 : !strcmp(name, "b") ? 1 : -1;
}

static void fk_reply(int fd, int status, const char *body)
{
    char head[256];
    int n = snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %zu\r\n\r\n",
                     status, strlen(body));
    if (write(fd, head, (size_t)n) != n || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        return;
}

static int fk_shard_of(const Fake *f, int s, const char *pk);

static char *fk_put(Fake *f, json_t *req, int *status, int *drop)
{
    const char *name = json_string_value(json_object_get(req, "StreamName"));
    int s = name ? fk_stream(name) : -1;
    json_t *recs = json_object_get(req, "Records");
    f->n_put++;
    if (f->n_put == f->drop_request) {
        *drop = 1;
        return NULL;
    }
    if (s < 0 || !f->exists[s]) {
        *status = 400;
        return xstrdup("{\"__type\":\"ResourceNotFoundException\",\"message\":\"Stream gone not found.\"}");
    }
    if (f->n_put == f->throttle_request) {
        *status = 400;
        return xstrdup("{\"__type\":\"ProvisionedThroughputExceededException\",\"message\":\"Rate exceeded.\"}");
    }
    size_t n = json_array_size(recs);
    for (size_t i = 1; i < n; i++)
        if (fk_shard_of(f, s, json_string_value(json_object_get(json_array_get(recs, i), "PartitionKey"))) !=
            fk_shard_of(f, s, json_string_value(json_object_get(json_array_get(recs, 0), "PartitionKey"))))
            f->mixed++;
    Buf out;
    buf_init(&out, 0);
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed += f->n_put == f->fail_odd_in_request && (i & 1);
    assert_int_equal(buf_printf(&out, "{\"FailedRecordCount\":%d,\"Records\":[", failed), 0);
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(recs, i);
        const char *d = json_string_value(json_object_get(r, "Data"));
        assert_non_null(json_string_value(json_object_get(r, "PartitionKey")));
        if (i)
            assert_int_equal(buf_append_byte(&out, ','), 0);
        if (f->n_put == f->fail_odd_in_request && (i & 1)) {
            assert_int_equal(buf_append_cstr(&out, "{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
                                                   "\"ErrorMessage\":\"Rate exceeded for shard.\"}"),
                             0);
            continue;
        }
        uint8_t raw[64];
        size_t rn = 0;
        assert_int_equal(base64_decode(d, strlen(d), raw, &rn), 0);
        raw[rn] = '\0';
        assert_true(f->n_stored[s] < FK_MAX_REC);
        f->stored[s][f->n_stored[s]++] = atoi((const char *)raw);
        assert_int_equal(buf_printf(&out, "{\"SequenceNumber\":\"%d\",\"ShardId\":\"shardId-000000000000\"}",
                                    f->n_stored[s]),
                         0);
    }
    assert_int_equal(buf_append_cstr(&out, "]}"), 0);
    *status = 200;
    size_t len;
    return (char *)buf_steal(&out, &len);
}

static int fk_nshards(const Fake *f, int s)
{
    return f->shards[s] > 0 ? f->shards[s] : 1;
}

/* Shard i of n: [i * size, (i + 1) * size - 1], the last one up to 2^128 - 1 (the initial layout). */
static u128 fk_shard_start(int i, int n)
{
    return (U128_MAX / (u128)n + (U128_MAX % (u128)n == (u128)n - 1)) * (u128)i;
}

static int fk_shard_of(const Fake *f, int s, const char *pk)
{
    int n = fk_nshards(f, s);
    u128 h = u128_md5_hash_key(pk, strlen(pk));
    int k = 0;
    while (k + 1 < n && fk_shard_start(k + 1, n) <= h)
        k++;
    return k;
}

/* Two shards per page (NextToken "<stream>:<next>"), and a closed shard spanning all keys first. */
static char *fk_list_shards(Fake *f, json_t *req)
{
    const char *tok = json_string_value(json_object_get(req, "NextToken"));
    const char *name = json_string_value(json_object_get(req, "StreamName"));
    int s, from = 0;
    if (tok) {
        s = fk_stream(tok[0] == 'a' ? "a" : "b");
        from = atoi(tok + 2);
    } else {
        s = fk_stream(name);
    }
    assert_true(s >= 0);
    int n = fk_nshards(f, s);
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(buf_append_cstr(&b, "{\"Shards\":["), 0);
    if (from == 0)
        assert_int_equal(buf_append_cstr(&b, "{\"ShardId\":\"shardId-000000000099\",\"HashKeyRange\":"
                                             "{\"StartingHashKey\":\"0\",\"EndingHashKey\":\"1\"},"
                                             "\"SequenceNumberRange\":{\"StartingSequenceNumber\":\"1\","
                                             "\"EndingSequenceNumber\":\"2\"}},"),
                         0);
    for (int i = from; i < n && i < from + 2; i++) {
        char start[U128_DEC_MAX + 1];
        u128_format_dec(fk_shard_start(i, n), start);
        assert_int_equal(buf_printf(&b, "%s{\"ShardId\":\"shardId-%012d\",\"HashKeyRange\":{\"StartingHashKey\":"
                                        "\"%s\",\"EndingHashKey\":\"0\"},\"SequenceNumberRange\":"
                                        "{\"StartingSequenceNumber\":\"1\"}}",
                                    i == from ? "" : ",", i, start),
                         0);
    }
    assert_int_equal(buf_append_cstr(&b, "]"), 0);
    if (from + 2 < n)
        assert_int_equal(buf_printf(&b, ",\"NextToken\":\"%s:%d\"", s ? "b" : "a", from + 2), 0);
    assert_int_equal(buf_append_cstr(&b, "}"), 0);
    size_t len;
    return (char *)buf_steal(&b, &len);
}

static char *fk_handle(Fake *f, const char *op, const char *body, int *status, int *drop)
{
    json_error_t jerr;
    json_t *req = json_loads(body, 0, &jerr);
    assert_non_null(req);
    char *ans = NULL;
    pthread_mutex_lock(&f->mu);
    const char *name = json_string_value(json_object_get(req, "StreamName"));
    int s = name ? fk_stream(name) : -1;
    *status = 200;
    if (!strcmp(op, "DescribeStreamSummary")) {
        if (s < 0 || !f->exists[s]) {
            *status = 400;
            ans = xstrdup("{\"__type\":\"ResourceNotFoundException\",\"message\":\"not found\"}");
        } else {
            const char *st = f->creating[s] > 0 ? "CREATING" : "ACTIVE";
            if (f->creating[s] > 0)
                f->creating[s]--;
            char tmp[128];
            snprintf(tmp, sizeof(tmp), "{\"StreamDescriptionSummary\":{\"StreamStatus\":\"%s\"}}", st);
            ans = xstrdup(tmp);
        }
    } else if (!strcmp(op, "CreateStream")) {
        assert_true(s >= 0);
        f->exists[s] = 1;
        f->creating[s] = 1;
        f->create_shards = (int)json_integer_value(json_object_get(req, "ShardCount"));
        ans = xstrdup("{}");
    } else if (!strcmp(op, "ListShards")) {
        ans = fk_list_shards(f, req);
    } else if (!strcmp(op, "PutRecords")) {
        ans = fk_put(f, req, status, drop);
    } else {
        *status = 400;
        ans = xstrdup("{\"__type\":\"UnknownOperationException\"}");
    }
    pthread_mutex_unlock(&f->mu);
    json_decref(req);
    return ans;
}

typedef struct FkConn {
    Fake *f;
    int fd;
} FkConn;

static void *fk_conn_main(void *arg)
{
    FkConn *c = arg;
    Buf in;
    buf_init(&in, 0);
    for (;;) {
        char *hend = NULL;
        while (!(hend = in.len ? strstr((char *)in.p, "\r\n\r\n") : NULL)) {
            char tmp[65536];
            ssize_t r = read(c->fd, tmp, sizeof(tmp));
            if (r <= 0)
                goto out;
            assert_int_equal(buf_append(&in, tmp, (size_t)r), 0);
        }
        size_t hlen = (size_t)(hend + 4 - (char *)in.p);
        const char *cl = strcasestr((char *)in.p, "Content-Length:");
        const char *tg = strcasestr((char *)in.p, "X-Amz-Target: Kinesis_20131202.");
        assert_non_null(cl);
        assert_non_null(tg);
        assert_non_null(strcasestr((char *)in.p, "Authorization: AWS4-HMAC-SHA256 Credential="));
        size_t blen = (size_t)atol(cl + 15);
        char op[64];
        sscanf(tg + 31, "%63[A-Za-z]", op);
        while (in.len < hlen + blen) {
            char tmp[65536];
            ssize_t r = read(c->fd, tmp, sizeof(tmp));
            if (r <= 0)
                goto out;
            assert_int_equal(buf_append(&in, tmp, (size_t)r), 0);
        }
        char *body = xstrndup((char *)in.p + hlen, blen);
        int status = 0, drop = 0;
        char *ans = fk_handle(c->f, op, body, &status, &drop);
        free(body);
        if (drop) {
            free(ans);
            break;
        }
        fk_reply(c->fd, status, ans);
        free(ans);
        size_t rest = in.len - hlen - blen;
        memmove(in.p, in.p + hlen + blen, rest);
        in.len = rest;
        in.p[rest] = '\0';
    }
out:
    buf_fini(&in);
    close(c->fd);
    pthread_mutex_lock(&c->f->mu);
    c->f->live--;
    pthread_mutex_unlock(&c->f->mu);
    free(c);
    return NULL;
}

static void *fk_accept_main(void *arg)
{
    Fake *f = arg;
    for (;;) {
        int fd = accept(f->lfd, NULL, NULL);
        if (fd < 0)
            return NULL; /* the listening socket was shut down */
        FkConn *c = xcalloc(1, sizeof(*c));
        c->f = f;
        c->fd = fd;
        pthread_t t;
        pthread_mutex_lock(&f->mu);
        f->live++;
        pthread_mutex_unlock(&f->mu);
        assert_int_equal(pthread_create(&t, NULL, fk_conn_main, c), 0);
        pthread_detach(t);
    }
}

static Fake *fk_start(void)
{
    Fake *f = xcalloc(1, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    f->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(f->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(f->lfd, 16), 0);
    socklen_t al = sizeof(a);
    getsockname(f->lfd, (struct sockaddr *)&a, &al);
    f->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&f->accept_thread, NULL, fk_accept_main, f), 0);
    return f;
}

/* Stop accepting. Connection threads end when the writer closes its connections. */
static void fk_stop(Fake *f)
{
    shutdown(f->lfd, SHUT_RDWR);
    pthread_join(f->accept_thread, NULL);
    close(f->lfd);
    /* the connection threads end on the EOF of kinesis_writer_destroy: wait for them before f goes */
    for (int live = 1, i = 0; live && i < 1000; i++) {
        pthread_mutex_lock(&f->mu);
        live = f->live;
        pthread_mutex_unlock(&f->mu);
        if (live)
            usleep(5000);
    }
    pthread_mutex_destroy(&f->mu);
    free(f);
}

static KinesisWriter *t_writer(Fake *f, int max_records, int create, const char *const *streams, int n, int want_rc)
{
    char ep[64];
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", f->port);
    KinesisWriterConfig c = {.endpoint = ep, .shards = 3, .create = create, .max_records = max_records};
    KinesisWriter *w = NULL;
    Err e;
    err_clear(&e);
    int rc = kinesis_writer_create(&c, streams, n, &w, &e);
    if (rc != want_rc)
        fail_msg("kinesis_writer_create: %d %s", rc, e.msg);
    return w;
}

static void t_add(KinesisWriter *w, int stream, int i)
{
    char data[16], pk[16];
    int n = snprintf(data, sizeof(data), "%d", i);
    snprintf(pk, sizeof(pk), "k%d", i % 7);
    Err e;
    err_clear(&e);
    if (kinesis_writer_add(w, stream, pk, strlen(pk), data, (size_t)n, &e) != WEIR_OK)
        fail_msg("add: %s", e.msg);
}

static void t_flush(KinesisWriter *w)
{
    Err e;
    err_clear(&e);
    if (kinesis_writer_flush(w, &e) != WEIR_OK)
        fail_msg("flush: %s", e.msg);
}

static const char *const t_ab[] = {"a", "b"};

/* ------------------------------------------------------------------------------------------------ */

static void test_create_and_put_in_order(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    KinesisWriter *w = t_writer(f, 100, 1, t_ab, 2, WEIR_OK);
    assert_int_equal(f->exists[0] + f->exists[1], 2);
    assert_int_equal(f->create_shards, 3);
    assert_int_equal(f->creating[0] + f->creating[1], 0); /* waited through CREATING */
    for (int i = 0; i < 1234; i++) {
        t_add(w, 0, i);
        if (i < 10)
            t_add(w, 1, i);
    }
    t_flush(w);
    assert_int_equal(f->n_stored[0], 1234);
    for (int i = 0; i < 1234; i++)
        assert_int_equal(f->stored[0][i], i);
    assert_int_equal(f->n_stored[1], 10);
    KinesisWriterStats st;
    kinesis_writer_stats(w, &st);
    assert_int_equal(st.n_acked, 1244);
    assert_int_equal(st.n_requests, 13 + 1);
    assert_int_equal(st.n_retried, 0);
    kinesis_writer_destroy(&w);
    assert_null(w);
    fk_stop(f);
}

/* Odd entries of the first request fail: they are stored after the even ones of their batch and
 * before any entry of the next batch, each exactly once. */
static void test_partial_failure_retried_before_next_batch(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    f->fail_odd_in_request = 1;
    KinesisWriter *w = t_writer(f, 100, 1, t_ab, 1, WEIR_OK);
    for (int i = 0; i < 300; i++)
        t_add(w, 0, i);
    t_flush(w);
    assert_int_equal(f->n_stored[0], 300);
    int k = 0;
    for (int i = 0; i < 100; i += 2)
        assert_int_equal(f->stored[0][k++], i);
    for (int i = 1; i < 100; i += 2)
        assert_int_equal(f->stored[0][k++], i);
    for (int i = 100; i < 300; i++)
        assert_int_equal(f->stored[0][k++], i);
    KinesisWriterStats st;
    kinesis_writer_stats(w, &st);
    assert_int_equal(st.n_acked, 300);
    assert_int_equal(st.n_retried, 50);
    assert_int_equal(st.n_requests, 4);
    kinesis_writer_destroy(&w);
    fk_stop(f);
}

/* A throttled request and a connection closed without an answer are both sent again. */
static void test_throttle_and_broken_connection(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    f->throttle_request = 2;
    f->drop_request = 4;
    KinesisWriter *w = t_writer(f, 50, 1, t_ab, 1, WEIR_OK);
    for (int i = 0; i < 250; i++)
        t_add(w, 0, i);
    t_flush(w);
    assert_int_equal(f->n_stored[0], 250);
    for (int i = 0; i < 250; i++)
        assert_int_equal(f->stored[0][i], i);
    KinesisWriterStats st;
    kinesis_writer_stats(w, &st);
    assert_int_equal(st.n_acked, 250);
    assert_int_equal(st.n_requests, 5 + 2);
    assert_int_equal(st.n_retried, 100);
    assert_int_equal(st.n_reconnects, 1);
    kinesis_writer_destroy(&w);
    fk_stop(f);
}

/* Any other error answer is fatal and sticks. */
static void test_fatal_error_sticks(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    KinesisWriter *w = t_writer(f, 10, 1, t_ab, 1, WEIR_OK);
    pthread_mutex_lock(&f->mu);
    f->exists[0] = 0; /* deleted behind the writer's back */
    pthread_mutex_unlock(&f->mu);
    t_add(w, 0, 1);
    Err e;
    err_clear(&e);
    assert_int_equal(kinesis_writer_flush(w, &e), WEIR_EPROTO);
    assert_non_null(strstr(e.msg, "ResourceNotFoundException"));
    err_clear(&e);
    assert_int_equal(kinesis_writer_add(w, 0, "k", 1, "x", 1, &e), WEIR_EPROTO);
    assert_non_null(strstr(e.msg, "ResourceNotFoundException"));
    kinesis_writer_destroy(&w);
    fk_stop(f);
}

/* Three shards (listed over two pages, after a closed one): one lane per shard; every request holds
 * one shard's records; each shard gets its records in the order they were added. */
static void test_lanes_per_shard(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    f->exists[0] = 1;
    f->shards[0] = 3;
    KinesisWriter *w = t_writer(f, 40, 1, t_ab, 1, WEIR_OK);
    for (int i = 0; i < 2000; i++)
        t_add(w, 0, i);
    t_flush(w);
    KinesisWriterStats st;
    kinesis_writer_stats(w, &st);
    assert_int_equal(st.n_lanes, 3);
    assert_int_equal(st.n_acked, 2000);
    assert_int_equal(f->mixed, 0);
    assert_int_equal(f->n_stored[0], 2000);
    int last[3] = {-1, -1, -1}, per[3] = {0, 0, 0};
    for (int i = 0; i < 2000; i++) {
        int v = f->stored[0][i];
        char pk[16];
        snprintf(pk, sizeof(pk), "k%d", v % 7);
        int sh = fk_shard_of(f, 0, pk);
        assert_true(v > last[sh]);
        last[sh] = v;
        per[sh]++;
    }
    assert_int_equal(per[0] + per[1] + per[2], 2000);
    kinesis_writer_destroy(&w);
    fk_stop(f);
}

/* A paced producer's partial batch goes out on send_ready and is stored without a flush. */
static void test_send_ready_partial_batch(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    KinesisWriter *w = t_writer(f, 500, 1, t_ab, 2, WEIR_OK);
    for (int i = 0; i < 5; i++)
        t_add(w, 1, i);
    Err e;
    err_clear(&e);
    assert_int_equal(kinesis_writer_send_ready(w, &e), WEIR_OK);
    KinesisWriterStats st;
    memset(&st, 0, sizeof(st));
    for (int tries = 0; tries < 500 && st.n_acked < 5; tries++) {
        assert_int_equal(kinesis_writer_wait(w, 10, &e), WEIR_OK);
        kinesis_writer_stats(w, &st);
    }
    assert_int_equal(st.n_acked, 5);
    assert_int_equal(st.n_requests, 1);
    pthread_mutex_lock(&f->mu);
    assert_int_equal(f->n_stored[1], 5);
    pthread_mutex_unlock(&f->mu);
    kinesis_writer_destroy(&w);
    fk_stop(f);
}

static void test_setup_errors(void **state)
{
    UNUSED(state);
    Fake *f = fk_start();
    /* create off: a missing stream is an error */
    KinesisWriter *w = t_writer(f, 500, 0, t_ab, 1, WEIR_ENOTFOUND);
    assert_null(w);
    /* bad names, bad endpoints, nobody listening */
    const char *bad[] = {"no/slash"};
    w = t_writer(f, 500, 1, bad, 1, WEIR_EINVAL);
    KinesisWriterConfig c = {.endpoint = "https://127.0.0.1:1", .create = 1};
    Err e;
    err_clear(&e);
    assert_int_equal(kinesis_writer_create(&c, t_ab, 1, &w, &e), WEIR_EINVAL);
    char ep[64];
    int port = f->port;
    fk_stop(f);
    snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port); /* closed now */
    c.endpoint = ep;
    err_clear(&e);
    assert_int_equal(kinesis_writer_create(&c, t_ab, 1, &w, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "cannot connect"));
    assert_null(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_put_in_order),
        cmocka_unit_test(test_partial_failure_retried_before_next_batch),
        cmocka_unit_test(test_throttle_and_broken_connection),
        cmocka_unit_test(test_fatal_error_sticks),
        cmocka_unit_test(test_lanes_per_shard),
        cmocka_unit_test(test_send_ready_partial_batch),
        cmocka_unit_test(test_setup_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
