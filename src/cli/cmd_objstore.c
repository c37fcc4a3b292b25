/*
 * cmd_objstore.c: `weir objstore`, a small tool over the object store (src/sink/objstore.h) that the
 * server delivers into: put, get, head, delete and list against a warehouse directory or an
 * S3-compatible endpoint, with the same code, checks, signing and retries the delivery runtime uses.
 * It exists to check a store configuration by hand ("can weir write there with these credentials?")
 * and to drive the object store from tests/e2e/test_s3.py; `weir help` does not list it.
 *
 *   weir objstore (--warehouse DIR | --s3-endpoint URL [--s3-region R] [--s3-max-retries N]
 *                 [--s3-retry-base-ms MS]) COMMAND ...
 *     put BUCKET KEY [FILE|-]     the file (stdin when absent or -) as the object
 *     get BUCKET KEY              the object's bytes to stdout
 *     head BUCKET KEY             the object's size in bytes
 *     delete BUCKET KEY
 *     list BUCKET [PREFIX]        the keys, one per line, sorted
 * S3 credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the region
 * from --s3-region, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.
 *
 * Exit status: 0 done, 1 an error (message on stderr, with the error's code name), 2 usage, 3 the
 * object (head, get) does not exist.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "sink/objstore.h"

static void objstore_usage(FILE *f)
{
    fputs("usage: weir objstore (--warehouse DIR | --s3-endpoint URL [--s3-region R] [--s3-max-retries N]\n"
          "                     [--s3-retry-base-ms MS]) COMMAND ...\n"
          "\n"
          "  put BUCKET KEY [FILE|-]   write FILE (stdin when absent or -) as the object\n"
          "  get BUCKET KEY            the object's bytes to stdout\n"
          "  head BUCKET KEY           the object's size in bytes\n"
          "  delete BUCKET KEY         delete the object (a missing one is not an error)\n"
          "  list BUCKET [PREFIX]      the keys under PREFIX, one per line, sorted\n"
          "\n"
          "S3 credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN.\n"
          "Exit status: 0 done, 1 error, 2 usage, 3 no such object.\n",
          f);
}

static int read_stream(FILE *in, Buf *out)
{
    uint8_t chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        if (buf_append(out, chunk, n) != WEIR_OK)
            return -1;
    return ferror(in) ? -1 : 0;
}

static int objstore_fail(const Err *e, const char *cmd)
{
    fprintf(stderr, "weir objstore %s: %s (%s)\n", cmd, e->msg, err_code_name(e->code));
    return e->code == WEIR_ENOTFOUND ? 3 : 1;
}

static int objstore_run(ObjStore *s, int argc, char **argv)
{
    const char *cmd = argv[0];
    Err e;
    err_clear(&e);
    if (!strcmp(cmd, "put") && (argc == 3 || argc == 4)) {
        Buf data;
        buf_init(&data, BUF_MAX_DEFAULT);
        FILE *in = stdin;
        if (argc == 4 && strcmp(argv[3], "-") != 0 && !(in = fopen(argv[3], "rb"))) {
            perror(argv[3]);
            buf_fini(&data);
            return 1;
        }
        int bad = read_stream(in, &data);
        if (in != stdin)
            fclose(in);
        if (bad) {
            fprintf(stderr, "weir objstore put: cannot read %s\n", argc == 4 ? argv[3] : "stdin");
            buf_fini(&data);
            return 1;
        }
        Slice part = {data.p, data.len};
        int rc = objstore_put(s, argv[1], argv[2], &part, 1, &e);
        buf_fini(&data);
        return rc == WEIR_OK ? 0 : objstore_fail(&e, cmd);
    }
    if (!strcmp(cmd, "get") && argc == 3) {
        Buf data;
        buf_init(&data, BUF_MAX_DEFAULT);
        int rc = objstore_get(s, argv[1], argv[2], &data, &e);
        if (rc == WEIR_OK && data.len && fwrite(data.p, 1, data.len, stdout) != data.len)
            rc = err_set(&e, WEIR_EIO, "writing stdout failed");
        buf_fini(&data);
        return rc == WEIR_OK ? 0 : objstore_fail(&e, cmd);
    }
    if (!strcmp(cmd, "head") && argc == 3) {
        uint64_t size = 0;
        if (objstore_head(s, argv[1], argv[2], &size, &e) != WEIR_OK)
            return objstore_fail(&e, cmd);
        printf("%llu\n", (unsigned long long)size);
        return 0;
    }
    if (!strcmp(cmd, "delete") && argc == 3)
        return objstore_delete(s, argv[1], argv[2], &e) == WEIR_OK ? 0 : objstore_fail(&e, cmd);
    if (!strcmp(cmd, "list") && (argc == 2 || argc == 3)) {
        Buf keys;
        size_t n = 0;
        buf_init(&keys, BUF_MAX_DEFAULT);
        if (objstore_list(s, argv[1], argc == 3 ? argv[2] : "", &keys, &n, &e) != WEIR_OK) {
            buf_fini(&keys);
            return objstore_fail(&e, cmd);
        }
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            const char *k = (const char *)keys.p + off;
            puts(k);
            off += strlen(k) + 1;
        }
        buf_fini(&keys);
        return 0;
    }
    objstore_usage(stderr);
    return 2;
}

int cmd_objstore(int argc, char **argv)
{
    static const struct option opts[] = {
        {"warehouse", required_argument, NULL, 'w'},     {"s3-endpoint", required_argument, NULL, 'e'},
        {"s3-region", required_argument, NULL, 'r'},     {"s3-max-retries", required_argument, NULL, 'm'},
        {"s3-retry-base-ms", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *warehouse = NULL;
    ObjStoreS3Config cfg = {0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': warehouse = optarg; break;
        case 'e': cfg.endpoint = optarg; break;
        case 'r': cfg.region = optarg; break;
        case 'm': cfg.max_retries = atoi(optarg); break;
        case 'b': cfg.retry_base_ms = atoi(optarg); break;
        case 'h': objstore_usage(stdout); return 0;
        default: objstore_usage(stderr); return 2;
        }
    }
    if ((!warehouse) == (!cfg.endpoint) || optind >= argc) {
        objstore_usage(stderr);
        return 2;
    }
    ObjStore *s = NULL;
    Err e;
    err_clear(&e);
    int rc;
    if (warehouse) {
        rc = objstore_open_local(warehouse, &s, &e);
    } else {
        if (!cfg.region)
            cfg.region = getenv("AWS_REGION") ? getenv("AWS_REGION") : getenv("AWS_DEFAULT_REGION");
        cfg.access_key = getenv("AWS_ACCESS_KEY_ID");
        cfg.secret_key = getenv("AWS_SECRET_ACCESS_KEY");
        cfg.session_token = getenv("AWS_SESSION_TOKEN");
        rc = objstore_open_s3(&cfg, &s, &e);
    }
    if (rc != WEIR_OK) {
        fprintf(stderr, "weir objstore: %s\n", e.msg);
        return 1;
    }
    int status = objstore_run(s, argc - optind, argv + optind);
    objstore_close(&s);
    return status;
}
