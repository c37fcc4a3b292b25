/*
 * cmd_iceberg.c: `weir iceberg ls`: the snapshots of an Iceberg table in a directory (src/sink/iceberg.h),
 * newest first, the way `git log` lists commits: id, parent, sequence number, time, operation, the files
 * and records it added and the table's totals after it, and weir's source positions ("weir.positions",
 * which the delivery that wrote the table resumes from). `--json` prints the same as one JSON object for
 * scripts. Reads only: it never writes into the table.
 *
 * Exit status 0; 1 when the table cannot be read (no table, corrupt metadata); 2 for usage errors.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "sink/iceberg.h"

static void iceberg_usage(FILE *f)
{
    fputs("usage: weir iceberg ls [--json] TABLE_DIR\n"
          "       weir iceberg ls [--json] --warehouse DIR NAME\n"
          "\n"
          "Lists the snapshots of the Iceberg table in TABLE_DIR (or DIR/NAME), newest first: id, parent,\n"
          "sequence number, time (UTC), operation, files and records added and in total, and the source\n"
          "positions weir's delivery recorded (docs/iceberg.md).\n"
          "\n"
          "  --json             one JSON object: the table and its snapshots with their whole summaries\n"
          "  --warehouse DIR    the warehouse directory (weir server --warehouse); NAME is the table's path\n"
          "                     under it (bucket/prefix/table)\n",
          f);
}

static const char *summary_value(const IcebergSnapshot *s, const char *key)
{
    for (size_t i = 0; i < s->n_summary; i++)
        if (strcmp(s->summary[i].key, key) == 0)
            return s->summary[i].value;
    return NULL;
}

static void format_time(int64_t ms, char *out, size_t cap)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || !gmtime_r(&secs, &tm)) {
        snprintf(out, cap, "%lld ms", (long long)ms);
        return;
    }
    size_t n = strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out + n, cap - n, ".%03d UTC", (int)(ms % 1000));
}

static void ls_text(const IcebergTable *t, const IcebergSnapshot *snaps, size_t n)
{
    const IcebergSnapshot *cur = iceberg_table_current(t);
    printf("table     %s (v%lld.metadata.json, %zu snapshot%s)\n", iceberg_table_location(t),
           (long long)iceberg_table_version(t), n, n == 1 ? "" : "s");
    for (size_t k = n; k-- > 0;) {
        const IcebergSnapshot *s = &snaps[k];
        char when[64];
        format_time(s->timestamp_ms, when, sizeof(when));
        const char *v;
        printf("\nsnapshot %lld%s\n", (long long)s->snapshot_id, s == cur ? " (current)" : "");
        if (s->parent_id >= 0)
            printf("Parent:     %lld\n", (long long)s->parent_id);
        printf("Sequence:   %lld\n", (long long)s->sequence_number);
        printf("Date:       %s\n", when);
        printf("Operation:  %s\n", s->operation);
        const char *af = summary_value(s, "added-data-files"), *ar = summary_value(s, "added-records");
        const char *tf = summary_value(s, "total-data-files"), *tr = summary_value(s, "total-records");
        printf("Added:      %s files, %s records\n", af ? af : "?", ar ? ar : "?");
        printf("Total:      %s files, %s records\n", tf ? tf : "?", tr ? tr : "?");
        if ((v = summary_value(s, "weir.positions")))
            printf("Positions:  %s\n", v);
    }
}

static int ls_json(const IcebergTable *t, const IcebergSnapshot *snaps, size_t n)
{
    const IcebergSnapshot *cur = iceberg_table_current(t);
    json_t *arr = json_array();
    for (size_t k = n; k-- > 0;) {
        const IcebergSnapshot *s = &snaps[k];
        json_t *sum = json_object();
        json_object_set_new(sum, "operation", json_string(s->operation));
        for (size_t i = 0; i < s->n_summary; i++)
            json_object_set_new(sum, s->summary[i].key, json_string(s->summary[i].value));
        json_t *o = json_pack("{s:I, s:o, s:I, s:I, s:s, s:s?, s:o, s:b}", "snapshot-id",
                              (json_int_t)s->snapshot_id, "parent-snapshot-id",
                              s->parent_id >= 0 ? json_integer(s->parent_id) : json_null(), "sequence-number",
                              (json_int_t)s->sequence_number, "timestamp-ms", (json_int_t)s->timestamp_ms,
                              "operation", s->operation, "manifest-list", s->manifest_list, "summary", sum,
                              "current", s == cur);
        json_array_append_new(arr, o);
    }
    json_t *root = json_pack("{s:s, s:s, s:I, s:o, s:o}", "location", iceberg_table_location(t), "table-uuid",
                             iceberg_table_uuid(t), "metadata-version", (json_int_t)iceberg_table_version(t),
                             "current-snapshot-id", cur ? json_integer(cur->snapshot_id) : json_null(),
                             "snapshots", arr);
    if (!root)
        return 1;
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return 1;
    puts(text);
    free(text);
    return 0;
}

static int iceberg_ls(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"warehouse", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int as_json = 0;
    const char *warehouse = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "jw:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            as_json = 1;
            break;
        case 'w':
            warehouse = optarg;
            break;
        case 'h':
            iceberg_usage(stdout);
            return 0;
        default:
            iceberg_usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        iceberg_usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    char dir[4096];
    if (warehouse) {
        while (*name == '/')
            name++;
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", warehouse, name) >= sizeof(dir)) {
            fprintf(stderr, "weir iceberg: path too long\n");
            return 2;
        }
    } else if ((size_t)snprintf(dir, sizeof(dir), "%s", name) >= sizeof(dir)) {
        fprintf(stderr, "weir iceberg: path too long\n");
        return 2;
    }
    IcebergTable *t = NULL;
    Err e = {0};
    if (iceberg_table_open(dir, NULL, 0, NULL, &t, &e) != WEIR_OK) {
        fprintf(stderr, "weir: %s\n", e.msg);
        return 1;
    }
    size_t n;
    const IcebergSnapshot *snaps = iceberg_table_snapshots(t, &n);
    int rc = 0;
    if (as_json)
        rc = ls_json(t, snaps, n);
    else
        ls_text(t, snaps, n);
    iceberg_table_close(&t);
    return rc;
}

int cmd_iceberg(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        iceberg_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "ls"))
        return iceberg_ls(argc - 1, argv + 1);
    fprintf(stderr, "weir iceberg: unknown subcommand '%s'\n", argv[1]);
    iceberg_usage(stderr);
    return 2;
}
