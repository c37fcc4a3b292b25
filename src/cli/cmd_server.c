/*
 * cmd_server.c: `weir server`: opens the store and the SQL engine (loading --table-descriptions), starts
 * the HTTP listener on the event loop (Kinesis and Firehose APIs, POST /sql) and the PostgreSQL protocol
 * listener (src/pgwire, threads of its own), and runs until SIGINT or SIGTERM.
 *
 * Threads: the libuv loop thread runs every request handler; the store's sync thread does group
 * commit and wakes the loop through a uv_async handle, whose callback runs store_dispatch() (which
 * answers the puts waiting for their fsync). A uv_timer runs retention once a minute. Each POST /sql
 * query runs on a thread of its own (src/http/api_sql.c), never on the loop.
 *
 * Delivery streams (the Firehose API, src/sink/firehose.c) write into an object store: the warehouse
 * directory (--warehouse, default DATA/warehouse) or an S3-compatible endpoint (--s3-endpoint, with
 * credentials from --s3-access-key/--s3-secret-key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
 * AWS_SESSION_TOKEN). Each delivery stream runs on a thread of its own.
 *
 * Shutdown (SIGINT/SIGTERM): stop the listeners and close connections (PostgreSQL sessions get their
 * running query cancelled and FATAL 57P01, HTTP queries are cancelled and their threads joined), stop the
 * delivery streams, close the SQL engine, close the store (final fsync, pending
 * waiters run), close the loop's own handles, drain the loop, exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "base/log.h"
#include "cli/cli.h"
#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/tabledesc.h"
#include "http/api.h"
#include "http/aws_json.h"
#include "http/http.h"
#include "pgwire/pg_server.h"
#include "sink/copy.h"
#include "sink/firehose.h"
#include "sink/objstore.h"
#include "sql/tabledef.h"
#include "store/store.h"
#include "stream/cq.h"

typedef struct Server {
    uv_loop_t *loop;
    Store *store;
    HttpServer *http;
    SqlEngine *sql;
    CqManager *cq;
    ObjStore *objstore; /* where delivery streams write */
    FhManager *fh;
    PgServer *pg;
    Api api;
    uv_async_t wake;
    uv_timer_t retention;
    uv_signal_t sig_int, sig_term;
    int stopping;
} Server;

static void server_wake_cb(uv_async_t *h)
{
    Server *s = h->data;
    if (s->store)
        store_dispatch(s->store);
}

/* Store notify hook: runs on the store's thread. uv_async_send is the one libuv call that is safe
 * from any thread. */
static void server_store_notify(void *arg)
{
    Server *s = arg;
    uv_async_send(&s->wake);
}

static void server_retention_cb(uv_timer_t *t)
{
    Server *s = t->data;
    Err e;
    err_clear(&e);
    int n = store_retention_run(s->store, &e);
    if (n < 0)
        log_warn("retention: %s", e.msg);
    else if (n > 0)
        log_info("retention: deleted %d expired segment%s", n, n == 1 ? "" : "s");
}

static void server_close_cb(uv_handle_t *h)
{
    UNUSED(h);
}

static void server_stop(Server *s)
{
    if (s->stopping)
        return;
    s->stopping = 1;
    log_info("shutting down");
    http_server_stop(&s->http);
    sql_api_stop(&s->api.sql); /* cancels and joins the HTTP queries: before the engine */
    pg_server_stop(&s->pg);    /* before the engine and the store its sessions use */
    cq_manager_destroy(&s->cq); /* the views' threads use the engine and the store */
    fh_manager_destroy(&s->fh); /* the delivery threads use the store, the object store and the catalog */
    sql_engine_destroy(&s->sql);
    store_close(&s->store);
    objstore_close(&s->objstore);
    uv_close((uv_handle_t *)&s->wake, server_close_cb);
    uv_close((uv_handle_t *)&s->retention, server_close_cb);
    uv_close((uv_handle_t *)&s->sig_int, server_close_cb);
    uv_close((uv_handle_t *)&s->sig_term, server_close_cb);
}

static void server_signal_cb(uv_signal_t *h, int signum)
{
    UNUSED(signum);
    server_stop(h->data);
}

static int parse_listen(const char *arg, char *host, size_t host_n, int *port)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg)
        return -1;
    size_t hn = (size_t)(colon - arg);
    if (hn >= host_n)
        return -1;
    memcpy(host, arg, hn);
    host[hn] = '\0';
    char *end = NULL;
    long p = strtol(colon + 1, &end, 10);
    if (!end || *end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

static void server_usage(FILE *f)
{
    fputs("usage: weir server [options]\n"
          "  --data DIR            data directory (default ./weir-data)\n"
          "  --listen ADDR:PORT    HTTP listener for the Kinesis and Firehose APIs (default 127.0.0.1:4567; port 0\n"
          "                        picks one)\n"
          "  --pg-listen ADDR:PORT PostgreSQL protocol listener (default 127.0.0.1:4568; port 0 picks one;\n"
          "                        none: no SQL front end)\n"
          "  --pg-max-connections N  PostgreSQL sessions at once (default 100)\n"
          "  --query-memory SIZE   memory one SQL query may use, e.g. 64MB (kB, MB, GB; default 1GB); a query\n"
          "                        over it fails with SQLSTATE 53200 and the server stays up\n"
          "  --table-descriptions DIR  make a table of every Presto/Trino Kinesis table description (*.json)\n"
          "                        in DIR at startup (a bad file stops the start; see docs/tables.md)\n"
          "  --fsync MODE          always | batch (group commit, default) | none\n"
          "  --region REGION       region for ARNs when a request has no credential scope (default us-east-1)\n"
          "  --account ID          12-digit account id in ARNs (default 000000000000)\n"
          "  --warehouse DIR       where delivery streams write: bucket arn:aws:s3:::NAME is DIR/NAME/\n"
          "                        (default DATA/warehouse)\n"
          "  --s3-endpoint URL     write delivery streams' objects to this S3-compatible endpoint instead\n"
          "                        (path-style, e.g. http://127.0.0.1:4569); credentials from --s3-access-key and\n"
          "                        --s3-secret-key or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN\n"
          "  --s3-region REGION    the S3 endpoint's signing region (default: --region)\n"
          "environment: WEIR_LOG=error|warn|info|debug, WEIR_ITERATOR_TTL_MS (default 300000)\n",
          f);
}

/* "64MB", "512kB", "1GB" or a number of bytes (PostgreSQL's memory units, 1024-based) into *out. Returns
 * 0, or -1 for anything else or a size under 64 kB (too small to plan a query in). */
static int parse_mem_size(const char *s, size_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno || *s == '-')
        return -1;
    unsigned long long mul = 1;
    if (!strcmp(end, "kB"))
        mul = 1ULL << 10;
    else if (!strcmp(end, "MB"))
        mul = 1ULL << 20;
    else if (!strcmp(end, "GB"))
        mul = 1ULL << 30;
    else if (*end)
        return -1;
    if (v > (unsigned long long)SIZE_MAX / mul || v * mul < (64u << 10))
        return -1;
    *out = (size_t)(v * mul);
    return 0;
}

/* Startup failed: release what was started, let the loop close its handles. Returns the exit status. */
static int server_fail(Server *s)
{
    http_server_stop(&s->http);
    sql_api_stop(&s->api.sql);
    pg_server_stop(&s->pg);
    cq_manager_destroy(&s->cq);
    fh_manager_destroy(&s->fh);
    sql_engine_destroy(&s->sql);
    store_close(&s->store);
    objstore_close(&s->objstore);
    kinesis_api_destroy(&s->api.kinesis);
    firehose_api_destroy(&s->api.firehose);
    uv_close((uv_handle_t *)&s->wake, server_close_cb);
    uv_run(s->loop, UV_RUN_DEFAULT);
    uv_loop_close(s->loop);
    return 1;
}

/* FhConfig.table_json: a weir table's definition for a delivery stream's Parquet conversion. */
static char *server_table_json(void *arg, const char *name)
{
    Server *s = arg;
    if (!s->sql)
        return NULL;
    CatalogTable *t = sql_catalog_get(s->sql->catalog, name);
    if (!t)
        return NULL;
    char *js = tabledef_to_json(t->def);
    sql_catalog_unref(s->sql->catalog, t);
    return js;
}

/* CqConfig.delivery_stream: the stream a delivery stream reads, for views that write into it. */
static int server_delivery_stream(void *arg, const char *name, char *out, size_t cap)
{
    Server *s = arg;
    Err e;
    err_clear(&e);
    return s->fh && fh_stream_source(s->fh, name, out, cap, &e) == WEIR_OK ? 0 : -1;
}

/* Each problem with a table description file, on its own line. */
static void server_desc_report(void *arg, const char *line)
{
    UNUSED(arg);
    fprintf(stderr, "weir server: --table-descriptions: %s\n", line);
}

int cmd_server(int argc, char **argv)
{
    /* A client that hangs up while a response is being written (a cancelled POST /sql stream, a psql
     * killed mid-result) must cost that connection an EPIPE, not the server its life: SIGPIPE's default
     * action ends the process. The disposition is process-wide, so every thread is covered. */
    signal(SIGPIPE, SIG_IGN);
    const char *data = "./weir-data";
    const char *listen = "127.0.0.1:4567";
    const char *pg_listen = "127.0.0.1:4568";
    int pg_listen_given = 0;
    int pg_max_conn = 100;
    const char *region = "us-east-1";
    const char *account = "000000000000";
    int fsync_mode = STORE_FSYNC_BATCH;
    const char *table_desc = NULL;
    size_t query_mem = 0; /* 0: the engine's default */
    const char *warehouse = NULL;
    const char *s3_endpoint = NULL, *s3_region = NULL;
    const char *s3_access = getenv("AWS_ACCESS_KEY_ID"), *s3_secret = getenv("AWS_SECRET_ACCESS_KEY");
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},   {"listen", required_argument, NULL, 'l'},
        {"fsync", required_argument, NULL, 'f'},  {"region", required_argument, NULL, 'r'},
        {"account", required_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'},
        {"pg-listen", required_argument, NULL, 'P'}, {"pg-max-connections", required_argument, NULL, 'M'},
        {"table-descriptions", required_argument, NULL, 'T'}, {"query-memory", required_argument, NULL, 'Q'},
        {"warehouse", required_argument, NULL, 'W'}, {"s3-endpoint", required_argument, NULL, 'E'},
        {"s3-region", required_argument, NULL, 'R'}, {"s3-access-key", required_argument, NULL, 'K'},
        {"s3-secret-key", required_argument, NULL, 'S'},
        {NULL, 0, NULL, 0},
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:l:f:r:a:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'l': listen = optarg; break;
        case 'r': region = optarg; break;
        case 'a': account = optarg; break;
        case 'T': table_desc = optarg; break;
        case 'W': warehouse = optarg; break;
        case 'E': s3_endpoint = optarg; break;
        case 'R': s3_region = optarg; break;
        case 'K': s3_access = optarg; break;
        case 'S': s3_secret = optarg; break;
        case 'Q':
            if (parse_mem_size(optarg, &query_mem)) {
                fprintf(stderr, "weir server: --query-memory must be a size of at least 64kB, like 64MB or 1GB\n");
                return 2;
            }
            break;
        case 'P':
            pg_listen = optarg;
            pg_listen_given = 1;
            break;
        case 'M': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!end || *end || v < 1 || v > 100000) {
                fprintf(stderr, "weir server: --pg-max-connections must be 1..100000\n");
                return 2;
            }
            pg_max_conn = (int)v;
            break;
        }
        case 'f':
            if (!strcmp(optarg, "batch"))
                fsync_mode = STORE_FSYNC_BATCH;
            else if (!strcmp(optarg, "always"))
                fsync_mode = STORE_FSYNC_ALWAYS;
            else if (!strcmp(optarg, "none"))
                fsync_mode = STORE_FSYNC_NONE;
            else {
                fprintf(stderr, "weir server: --fsync must be always, batch or none\n");
                return 2;
            }
            break;
        case 'h': server_usage(stdout); return 0;
        default: server_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "weir server: unexpected argument '%s'\n", argv[optind]);
        server_usage(stderr);
        return 2;
    }
    if (strlen(account) != 12 || strspn(account, "0123456789") != 12) {
        fprintf(stderr, "weir server: --account must be 12 digits\n");
        return 2;
    }
    char host[256];
    int port = 0;
    if (parse_listen(listen, host, sizeof(host), &port)) {
        fprintf(stderr, "weir server: --listen must be ADDR:PORT, got '%s'\n", listen);
        return 2;
    }
    int pg_enabled = strcmp(pg_listen, "none") != 0;
    char pg_host[256];
    int pg_port = 0;
    if (pg_enabled && parse_listen(pg_listen, pg_host, sizeof(pg_host), &pg_port)) {
        fprintf(stderr, "weir server: --pg-listen must be ADDR:PORT or none, got '%s'\n", pg_listen);
        return 2;
    }
    int64_t iter_ttl = 300000;
    const char *ttl_env = getenv("WEIR_ITERATOR_TTL_MS");
    if (ttl_env && atoll(ttl_env) > 0)
        iter_ttl = atoll(ttl_env);

    Server s;
    memset(&s, 0, sizeof(s));
    s.loop = uv_default_loop();
    uv_async_init(s.loop, &s.wake, server_wake_cb);
    s.wake.data = &s;

    StoreConfig scfg = {.dir = data, .fsync_mode = fsync_mode, .notify = server_store_notify, .notify_arg = &s};
    Err e;
    err_clear(&e);
    if (store_open(&scfg, &s.store, &e)) {
        fprintf(stderr, "weir server: %s\n", e.msg);
        return server_fail(&s);
    }
    /* The SQL engine serves POST /sql on the HTTP port and the PostgreSQL protocol. */
    SqlEngineConfig ecfg = {.store = s.store,
                            .data_dir = data,
                            .query_mem_budget = query_mem,
                            .server_version = "15.0 (weir " WEIR_VERSION ")"};
    if (sql_engine_create(&ecfg, &s.sql, &e)) {
        fprintf(stderr, "weir server: cannot start the SQL engine: %s\n", e.msg);
        return server_fail(&s);
    }
    sink_copy_register(s.sql); /* COPY ... TO 'file' */
    if (table_desc) {
        TableDescCounts tc;
        err_clear(&e);
        if (tabledesc_sync(s.sql, table_desc, server_desc_report, NULL, &tc, &e)) {
            fprintf(stderr, "weir server: --table-descriptions: %s\n", e.msg);
            return server_fail(&s);
        }
        printf("weir %s: table descriptions in %s: %zu file%s, %zu table%s added, %zu replaced, %zu unchanged, "
               "%zu dropped\n",
               WEIR_VERSION, table_desc, tc.files, tc.files == 1 ? "" : "s", tc.added, tc.added == 1 ? "" : "s",
               tc.replaced, tc.unchanged, tc.dropped);
        fflush(stdout); /* before the ports open: whoever waits for them may read this line at once */
    }
    /* Delivery streams: the object store they write into, then the manager (which resumes them). Before the
     * continuous queries: a view WITH (delivery_stream = ...) resolves its output through the manager. */
    char wh_default[4096];
    if (s3_endpoint) {
        if (!s3_access || !s3_secret) {
            fprintf(stderr, "weir server: --s3-endpoint needs credentials (--s3-access-key and --s3-secret-key, or "
                            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)\n");
            return server_fail(&s);
        }
        ObjStoreS3Config s3cfg = {.endpoint = s3_endpoint,
                                  .region = s3_region ? s3_region : region,
                                  .access_key = s3_access,
                                  .secret_key = s3_secret,
                                  .session_token = getenv("AWS_SESSION_TOKEN")};
        err_clear(&e);
        if (objstore_open_s3(&s3cfg, &s.objstore, &e)) {
            fprintf(stderr, "weir server: --s3-endpoint: %s\n", e.msg);
            return server_fail(&s);
        }
    } else {
        if (!warehouse) {
            snprintf(wh_default, sizeof(wh_default), "%s/warehouse", data);
            warehouse = wh_default;
        }
        err_clear(&e);
        if (objstore_open_local(warehouse, &s.objstore, &e)) {
            fprintf(stderr, "weir server: --warehouse: %s\n", e.msg);
            return server_fail(&s);
        }
    }
    FhConfig fcfg = {.store = s.store,
                     .objstore = s.objstore,
                     .data_dir = data,
                     .region = region,
                     .account = account,
                     .table_json = server_table_json,
                     .table_arg = &s};
    err_clear(&e);
    if (fh_manager_create(&fcfg, &s.fh, &e)) {
        fprintf(stderr, "weir server: cannot start the delivery streams: %s\n", e.msg);
        return server_fail(&s);
    }
    FirehoseApiConfig fhcfg = {.fh = s.fh, .store = s.store, .account = account, .default_region = region};
    s.api.firehose = firehose_api_create(&fhcfg);
    /* Continuous queries (CREATE MATERIALIZED VIEW): the views in the data directory resume now. */
    CqConfig qcfg = {.store = s.store,
                     .eng = s.sql,
                     .data_dir = data,
                     .delivery_stream = server_delivery_stream,
                     .delivery_arg = &s};
    err_clear(&e);
    if (cq_manager_create(&qcfg, &s.cq, &e)) {
        fprintf(stderr, "weir server: cannot start the continuous queries: %s\n", e.msg);
        return server_fail(&s);
    }
    KinesisApiConfig kcfg = {.store = s.store,
                             .account = account,
                             .default_region = region,
                             .iterator_ttl_ms = iter_ttl,
                             .shard_limit = 10000};
    s.api.kinesis = kinesis_api_create(&kcfg);
    SqlApiConfig acfg = {.loop = s.loop, .eng = s.sql};
    if (sql_api_create(&acfg, &s.api.sql, &e)) {
        fprintf(stderr, "weir server: %s\n", e.msg);
        return server_fail(&s);
    }
    HttpServerConfig hcfg = {.host = host,
                             .port = port,
                             .max_body_bytes = 16u << 20,
                             .handler = api_handle,
                             .handler_arg = &s.api,
                             .on_error = aws_http_error_body};
    if (http_server_start(s.loop, &hcfg, &s.http, &e)) {
        fprintf(stderr, "weir server: cannot listen on %s: %s\n", listen, e.msg);
        return server_fail(&s);
    }
    if (pg_enabled) {
        PgServerConfig pcfg = {.host = pg_host, .port = pg_port, .ops = &pg_engine_sql, .max_connections = pg_max_conn,
                               .eng = s.sql};
        if (pg_server_start(&pcfg, &s.pg, &e)) {
            /* The default port taken (another weir, a PostgreSQL) does not stop the Kinesis API and POST /sql
             * from serving; an address the user asked for does. */
            fprintf(stderr, "weir server: cannot listen on %s: %s%s\n", pg_listen, e.msg,
                    pg_listen_given ? "" : "; running without the PostgreSQL protocol (use --pg-listen ADDR:PORT)");
            if (pg_listen_given)
                return server_fail(&s);
        }
    }
    uv_timer_init(s.loop, &s.retention);
    s.retention.data = &s;
    uv_timer_start(&s.retention, server_retention_cb, 60000, 60000);
    uv_signal_init(s.loop, &s.sig_int);
    uv_signal_init(s.loop, &s.sig_term);
    s.sig_int.data = s.sig_term.data = &s;
    uv_signal_start(&s.sig_int, server_signal_cb, SIGINT);
    uv_signal_start(&s.sig_term, server_signal_cb, SIGTERM);

    printf("weir %s listening on http://%s:%d (Kinesis and Firehose APIs, POST /sql), data %s, fsync %s\n",
           WEIR_VERSION, host, http_server_port(s.http), data,
           fsync_mode == STORE_FSYNC_BATCH ? "batch" : fsync_mode == STORE_FSYNC_ALWAYS ? "always" : "none");
    if (s.pg)
        printf("weir %s listening on postgresql://%s:%d (PostgreSQL protocol)\n", WEIR_VERSION, pg_host,
               pg_server_port(s.pg));
    fflush(stdout);

    uv_run(s.loop, UV_RUN_DEFAULT);
    kinesis_api_destroy(&s.api.kinesis);
    firehose_api_destroy(&s.api.firehose);
    int rc = uv_loop_close(s.loop);
    if (rc)
        log_warn("event loop closed with handles still open: %s", uv_strerror(rc));
    log_info("stopped");
    return 0;
}
