/*
 * test_iceberg.c: unit tests of src/sink/iceberg.c.
 *
 *   - a new table: v1.metadata.json with every field format version 2 requires, version-hint.text;
 *   - two appends: snapshots with parents, sequence numbers, Iceberg's summary totals and the caller's
 *     properties; the manifest list carrying the first manifest into the second snapshot; manifests and
 *     lists read back with avro.h, their header keys and the spec's field ids; the data file statistics;
 *   - reopening from disk, a lagging version hint, the data file listing;
 *   - two writers on one directory: the one with stale metadata loses the link() race, reloads and
 *     commits on top, leaving no temporary or orphan files;
 *   - refusals: a schema that differs, a type Iceberg lacks, a missing table, bad data file paths, a
 *     summary property that would override Iceberg's own;
 *   - the type mapping; a table from a TableDef with a location that is not its directory (s3://...).
 * With WEIR_ICEBERG_E2E=DIR set, test_e2e_fixture writes a table with real Parquet data files (parquet.h)
 * into DIR for tests/e2e/test_iceberg.py (avrocat and icebird read it back); otherwise it uses a temp dir.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink/avro.h"
#include "sink/iceberg.h"
#include "sink/parquet.h"
#include "exec/engine.h"

static char g_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/weir-test-iceberg-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static const IcebergColumn COLS[] = {
    {"id", {SQL_INT8, -1}, 0},
    {"name", {SQL_TEXT, -1}, 1},
    {"ts", {SQL_TIMESTAMPTZ, -1}, 1},
};

static IcebergTable *open_table(const char *sub, const IcebergColumn *cols, size_t n)
{
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/%s", g_dir, sub);
    IcebergTable *t = NULL;
    Err e = {0};
    int rc = iceberg_table_open(dir, cols, n, NULL, &t, &e);
    if (rc)
        fail_msg("open %s: %s", dir, e.msg);
    return t;
}

static json_t *load_json(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j)
        fail_msg("%s: %s", path, je.text);
    return j;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[256];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* An 8-byte little-endian bound. */
static Slice le64(uint8_t out[8], int64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)((uint64_t)v >> (8 * i));
    return (Slice){out, 8};
}

static int64_t append_files(IcebergTable *t, int first, int n_files, const char *positions)
{
    IcebergDataFile files[4];
    IcebergColumnStats stats[4][3];
    uint8_t lo[4][8], hi[4][8];
    char paths[4][96];
    assert_true(n_files <= 4);
    for (int i = 0; i < n_files; i++) {
        int k = first + i;
        snprintf(paths[i], sizeof(paths[i]), "data/file-%d.parquet", k);
        stats[i][0] = (IcebergColumnStats){10, 0, 100 + k, le64(lo[i], k * 10), le64(hi[i], k * 10 + 9)};
        stats[i][1] = (IcebergColumnStats){10, 2, 50, {(const uint8_t *)"a", 1}, {(const uint8_t *)"z", 1}};
        stats[i][2] = (IcebergColumnStats){-1, -1, -1, {NULL, 0}, {NULL, 0}}; /* unknown */
        files[i] = (IcebergDataFile){paths[i], (uint64_t)(1000 + k), 10, stats[i], 3};
    }
    IcebergProp props[] = {{"weir.positions", positions}, {"weir.stream", "events"}};
    int64_t sid = 0;
    Err e = {0};
    int rc = iceberg_table_append(t, files, (size_t)n_files, props, 2, &sid, &e);
    if (rc)
        fail_msg("append: %s", e.msg);
    assert_true(sid > 0 && sid < ((int64_t)1 << 53));
    return sid;
}

static const char *sum_get(const IcebergSnapshot *s, const char *key)
{
    for (size_t i = 0; i < s->n_summary; i++)
        if (strcmp(s->summary[i].key, key) == 0)
            return s->summary[i].value;
    return NULL;
}

static void test_create(void **state)
{
    (void)state;
    IcebergTable *t = open_table("t1", COLS, 3);
    assert_int_equal(iceberg_table_version(t), 1);
    assert_null(iceberg_table_current(t));
    assert_null(iceberg_table_summary_get(t, "weir.positions"));
    size_t n;
    iceberg_table_snapshots(t, &n);
    assert_int_equal(n, 0);
    const char *loc = iceberg_table_location(t);
    assert_true(strncmp(loc, "file:///", 8) == 0);
    assert_non_null(strstr(loc, "/t1"));
    assert_int_equal(strlen(iceberg_table_uuid(t)), 36);

    char path[400];
    snprintf(path, sizeof(path), "%s/t1/metadata/version-hint.text", g_dir);
    assert_string_equal(read_text(path), "1");
    snprintf(path, sizeof(path), "%s/t1/metadata/v1.metadata.json", g_dir);
    json_t *m = load_json(path);
    assert_int_equal(json_integer_value(json_object_get(m, "format-version")), 2);
    static const char *const required[] = {
        "table-uuid", "location", "last-sequence-number", "last-updated-ms", "last-column-id", "schemas",
        "current-schema-id", "partition-specs", "default-spec-id", "last-partition-id", "sort-orders",
        "default-sort-order-id", "current-snapshot-id", "snapshots", "snapshot-log", "metadata-log", "properties"};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!json_object_get(m, required[i]))
            fail_msg("v1.metadata.json lacks %s", required[i]);
    assert_string_equal(json_string_value(json_object_get(m, "location")), loc);
    assert_int_equal(json_integer_value(json_object_get(m, "last-column-id")), 3);
    assert_int_equal(json_integer_value(json_object_get(m, "last-partition-id")), 999);
    assert_int_equal(json_integer_value(json_object_get(m, "current-snapshot-id")), -1);
    json_t *schema = json_array_get(json_object_get(m, "schemas"), 0);
    assert_int_equal(json_integer_value(json_object_get(schema, "schema-id")), 0);
    json_t *f0 = json_array_get(json_object_get(schema, "fields"), 0);
    json_t *f2 = json_array_get(json_object_get(schema, "fields"), 2);
    assert_int_equal(json_integer_value(json_object_get(f0, "id")), 1);
    assert_string_equal(json_string_value(json_object_get(f0, "type")), "long");
    assert_true(json_is_true(json_object_get(f0, "required")));
    assert_int_equal(json_integer_value(json_object_get(f2, "id")), 3);
    assert_string_equal(json_string_value(json_object_get(f2, "type")), "timestamptz");
    assert_true(json_is_false(json_object_get(f2, "required")));
    json_t *spec = json_array_get(json_object_get(m, "partition-specs"), 0);
    assert_int_equal(json_integer_value(json_object_get(spec, "spec-id")), 0);
    assert_int_equal(json_array_size(json_object_get(spec, "fields")), 0);
    json_t *order = json_array_get(json_object_get(m, "sort-orders"), 0);
    assert_int_equal(json_integer_value(json_object_get(order, "order-id")), 0);
    json_decref(m);

    /* Columns read back from the metadata. */
    const IcebergColumn *cols = iceberg_table_columns(t, &n);
    assert_int_equal(n, 3);
    assert_string_equal(cols[1].name, "name");
    assert_int_equal(cols[0].type.id, SQL_INT8);
    assert_int_equal(cols[0].is_nullable, 0);
    assert_int_equal(cols[2].type.id, SQL_TIMESTAMPTZ);
    iceberg_table_close(&t);
    assert_null(t);
    iceberg_table_close(&t); /* NULL is a no-op */
}

/* Read an Avro file named by a URI under the table at dir. */
static const AvroFile *read_avro(const char *uri, Arena *a)
{
    const char *path = strncmp(uri, "file://", 7) == 0 ? uri + 7 : uri;
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("open %s", path);
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    uint8_t *copy = arena_alloc(a, n);
    memcpy(copy, buf, n);
    AvroFile *af = arena_alloc(a, sizeof(*af));
    Err e = {0};
    if (avro_file_read(copy, n, a, af, &e))
        fail_msg("%s: %s", path, e.msg);
    return af;
}

static int field_id(const AvroSchema *rec, const char *name)
{
    for (uint32_t i = 0; i < rec->n; i++)
        if (strcmp(rec->names[i], name) == 0)
            return rec->field_ids[i];
    fail_msg("no field %s", name);
    return -1;
}

static const AvroSchema *field_schema(const AvroSchema *rec, const char *name)
{
    for (uint32_t i = 0; i < rec->n; i++)
        if (strcmp(rec->names[i], name) == 0)
            return rec->sub[i]->kind == AVRO_UNION ? rec->sub[i]->sub[1] : rec->sub[i];
    fail_msg("no field %s", name);
    return NULL;
}

/* The int -> long/bytes map of a data file as key/value records. */
static const AvroValue *map_get(const AvroValue *df, const char *map, int key)
{
    const AvroValue *m = avro_value_field(df, map);
    assert_non_null(m);
    if (m->kind == AVRO_NULL)
        return NULL;
    for (uint32_t i = 0; i < m->n; i++)
        if (avro_value_field_long(m->items[i], "key", -1) == key)
            return avro_value_field(m->items[i], "value");
    return NULL;
}

static void test_two_appends(void **state)
{
    (void)state;
    IcebergTable *t = open_table("t2", COLS, 3);
    int64_t s1 = append_files(t, 0, 2, "{\"shardId-000000000000\":\"100\"}");
    assert_int_equal(iceberg_table_version(t), 2);
    const IcebergSnapshot *cur = iceberg_table_current(t);
    assert_non_null(cur);
    assert_int_equal(cur->snapshot_id, s1);
    assert_int_equal(cur->parent_id, -1);
    assert_int_equal(cur->sequence_number, 1);
    assert_string_equal(cur->operation, "append");
    assert_string_equal(sum_get(cur, "added-data-files"), "2");
    assert_string_equal(sum_get(cur, "added-records"), "20");
    assert_string_equal(sum_get(cur, "added-files-size"), "2001");
    assert_string_equal(sum_get(cur, "total-records"), "20");
    assert_string_equal(sum_get(cur, "total-data-files"), "2");
    assert_string_equal(sum_get(cur, "total-delete-files"), "0");
    assert_string_equal(iceberg_table_summary_get(t, "weir.stream"), "events");

    int64_t s2 = append_files(t, 2, 3, "{\"shardId-000000000000\":\"250\"}");
    cur = iceberg_table_current(t);
    assert_int_equal(cur->snapshot_id, s2);
    assert_int_equal(cur->parent_id, s1);
    assert_int_equal(cur->sequence_number, 2);
    assert_string_equal(sum_get(cur, "added-records"), "30");
    assert_string_equal(sum_get(cur, "total-records"), "50");
    assert_string_equal(sum_get(cur, "total-data-files"), "5");
    assert_string_equal(sum_get(cur, "total-files-size"), "5010");
    assert_string_equal(iceberg_table_summary_get(t, "weir.positions"), "{\"shardId-000000000000\":\"250\"}");
    size_t n;
    const IcebergSnapshot *snaps = iceberg_table_snapshots(t, &n);
    assert_int_equal(n, 2);
    assert_int_equal(snaps[0].snapshot_id, s1);
    assert_string_equal(sum_get(&snaps[0], "weir.positions"), "{\"shardId-000000000000\":\"100\"}");

    /* The metadata file: snapshot fields, logs, refs. */
    char path[400];
    snprintf(path, sizeof(path), "%s/t2/metadata/v3.metadata.json", g_dir);
    json_t *m = load_json(path);
    assert_int_equal(json_integer_value(json_object_get(m, "last-sequence-number")), 2);
    assert_int_equal(json_integer_value(json_object_get(m, "current-snapshot-id")), s2);
    json_t *js = json_array_get(json_object_get(m, "snapshots"), 1);
    assert_int_equal(json_integer_value(json_object_get(js, "parent-snapshot-id")), s1);
    assert_int_equal(json_integer_value(json_object_get(js, "schema-id")), 0);
    assert_true(json_integer_value(json_object_get(js, "timestamp-ms")) > 1600000000000LL);
    assert_int_equal(json_array_size(json_object_get(m, "snapshot-log")), 2);
    json_t *mlog = json_object_get(m, "metadata-log");
    assert_int_equal(json_array_size(mlog), 2);
    assert_non_null(strstr(json_string_value(json_object_get(json_array_get(mlog, 1), "metadata-file")),
                           "/metadata/v2.metadata.json"));
    json_t *main_ref = json_object_get(json_object_get(m, "refs"), "main");
    assert_int_equal(json_integer_value(json_object_get(main_ref, "snapshot-id")), s2);
    assert_string_equal(json_string_value(json_object_get(main_ref, "type")), "branch");
    json_decref(m);
    snprintf(path, sizeof(path), "%s/t2/metadata/version-hint.text", g_dir);
    assert_string_equal(read_text(path), "3");

    /* The manifest list: two manifests, the first carried over from snapshot 1. */
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    const AvroFile *ml = read_avro(cur->manifest_list, a);
    assert_int_equal(ml->n_records, 2);
    assert_string_equal(avro_file_meta(ml, "format-version"), "2");
    char num[24];
    snprintf(num, sizeof(num), "%lld", (long long)s2);
    assert_string_equal(avro_file_meta(ml, "snapshot-id"), num);
    snprintf(num, sizeof(num), "%lld", (long long)s1);
    assert_string_equal(avro_file_meta(ml, "parent-snapshot-id"), num);
    assert_string_equal(avro_file_meta(ml, "sequence-number"), "2");
    const AvroSchema *mf = ml->schema;
    assert_string_equal(mf->name, "manifest_file");
    static const struct {
        const char *name;
        int id;
    } mf_ids[] = {{"manifest_path", 500},       {"manifest_length", 501},      {"partition_spec_id", 502},
                  {"content", 517},             {"sequence_number", 515},      {"min_sequence_number", 516},
                  {"added_snapshot_id", 503},   {"added_files_count", 504},    {"existing_files_count", 505},
                  {"deleted_files_count", 506}, {"added_rows_count", 512},     {"existing_rows_count", 513},
                  {"deleted_rows_count", 514},  {"partitions", 507},           {"key_metadata", 519}};
    assert_int_equal(mf->n, sizeof(mf_ids) / sizeof(mf_ids[0]));
    for (size_t i = 0; i < sizeof(mf_ids) / sizeof(mf_ids[0]); i++)
        assert_int_equal(field_id(mf, mf_ids[i].name), mf_ids[i].id);
    const AvroSchema *fs = field_schema(mf, "partitions");
    assert_int_equal(fs->element_id, 508);
    assert_int_equal(field_id(fs->sub[0], "contains_null"), 509);
    assert_int_equal(field_id(fs->sub[0], "contains_nan"), 518);
    assert_int_equal(field_id(fs->sub[0], "lower_bound"), 510);
    assert_int_equal(field_id(fs->sub[0], "upper_bound"), 511);

    const AvroValue *m0 = ml->records[0], *m1 = ml->records[1];
    assert_int_equal(avro_value_field_long(m0, "added_snapshot_id", 0), s1);
    assert_int_equal(avro_value_field_long(m0, "sequence_number", 0), 1);
    assert_int_equal(avro_value_field_long(m0, "added_files_count", 0), 2);
    assert_int_equal(avro_value_field_long(m0, "added_rows_count", 0), 20);
    assert_int_equal(avro_value_field_long(m1, "added_snapshot_id", 0), s2);
    assert_int_equal(avro_value_field_long(m1, "sequence_number", 0), 2);
    assert_int_equal(avro_value_field_long(m1, "min_sequence_number", 0), 2);
    assert_int_equal(avro_value_field_long(m1, "added_files_count", 0), 3);
    assert_int_equal(avro_value_field_long(m1, "added_rows_count", 0), 30);
    assert_int_equal(avro_value_field_long(m1, "content", -1), 0);
    assert_int_equal(avro_value_field(m1, "partitions")->n, 0);

    /* The second manifest: header keys, schema ids, entries. */
    Slice mpath = avro_value_field_str(m1, "manifest_path");
    char *mp = arena_try_strndup(a, (const char *)mpath.p, mpath.n);
    const AvroFile *man = read_avro(mp, a);
    struct stat st;
    assert_int_equal(stat(mp + 7, &st), 0);
    assert_int_equal(avro_value_field_long(m1, "manifest_length", 0), st.st_size);
    assert_string_equal(avro_file_meta(man, "format-version"), "2");
    assert_string_equal(avro_file_meta(man, "content"), "data");
    assert_string_equal(avro_file_meta(man, "partition-spec"), "[]");
    assert_string_equal(avro_file_meta(man, "partition-spec-id"), "0");
    assert_string_equal(avro_file_meta(man, "schema-id"), "0");
    json_error_t je;
    json_t *hs = json_loads(avro_file_meta(man, "schema"), 0, &je);
    assert_non_null(hs);
    assert_int_equal(json_array_size(json_object_get(hs, "fields")), 3);
    json_decref(hs);
    assert_string_equal(avro_file_meta(man, "schema"), iceberg_table_schema_json(t));
    const AvroSchema *me = man->schema;
    assert_string_equal(me->name, "manifest_entry");
    assert_int_equal(field_id(me, "status"), 0);
    assert_int_equal(field_id(me, "snapshot_id"), 1);
    assert_int_equal(field_id(me, "sequence_number"), 3);
    assert_int_equal(field_id(me, "file_sequence_number"), 4);
    assert_int_equal(field_id(me, "data_file"), 2);
    const AvroSchema *df = field_schema(me, "data_file");
    static const struct {
        const char *name;
        int id, key_id, value_id;
    } df_ids[] = {{"content", 134, 0, 0},           {"file_path", 100, 0, 0},
                  {"file_format", 101, 0, 0},       {"partition", 102, 0, 0},
                  {"record_count", 103, 0, 0},      {"file_size_in_bytes", 104, 0, 0},
                  {"column_sizes", 108, 117, 118},  {"value_counts", 109, 119, 120},
                  {"null_value_counts", 110, 121, 122}, {"nan_value_counts", 137, 138, 139},
                  {"lower_bounds", 125, 126, 127},  {"upper_bounds", 128, 129, 130},
                  {"key_metadata", 131, 0, 0},      {"split_offsets", 132, 0, 0},
                  {"equality_ids", 135, 0, 0},      {"sort_order_id", 140, 0, 0},
                  {"referenced_data_file", 143, 0, 0}};
    assert_int_equal(df->n, sizeof(df_ids) / sizeof(df_ids[0]));
    for (size_t i = 0; i < sizeof(df_ids) / sizeof(df_ids[0]); i++) {
        assert_int_equal(field_id(df, df_ids[i].name), df_ids[i].id);
        if (df_ids[i].key_id) { /* int-keyed maps: arrays of key/value records, as Iceberg writes them */
            const AvroSchema *arr = field_schema(df, df_ids[i].name);
            assert_int_equal(arr->kind, AVRO_ARRAY);
            assert_string_equal(arr->logical, "map");
            assert_int_equal(field_id(arr->sub[0], "key"), df_ids[i].key_id);
            assert_int_equal(field_id(arr->sub[0], "value"), df_ids[i].value_id);
        }
    }
    assert_int_equal(field_schema(df, "split_offsets")->element_id, 133);
    assert_int_equal(field_schema(df, "equality_ids")->element_id, 136);
    assert_int_equal(field_schema(df, "partition")->n, 0);

    assert_int_equal(man->n_records, 3);
    for (int i = 0; i < 3; i++) {
        const AvroValue *en = man->records[i];
        int k = 2 + i;
        assert_int_equal(avro_value_field_long(en, "status", -1), 1);
        assert_int_equal(avro_value_field_long(en, "snapshot_id", -1), s2);
        assert_int_equal(avro_value_field_long(en, "sequence_number", -1), 2);
        assert_int_equal(avro_value_field_long(en, "file_sequence_number", -1), 2);
        const AvroValue *d = avro_value_field(en, "data_file");
        Slice fp = avro_value_field_str(d, "file_path");
        char want[400];
        snprintf(want, sizeof(want), "%s/data/file-%d.parquet", iceberg_table_location(t), k);
        assert_int_equal(fp.n, strlen(want));
        assert_memory_equal(fp.p, want, fp.n);
        Slice ff = avro_value_field_str(d, "file_format");
        assert_int_equal(ff.n, 7);
        assert_memory_equal(ff.p, "PARQUET", 7);
        assert_int_equal(avro_value_field_long(d, "record_count", -1), 10);
        assert_int_equal(avro_value_field_long(d, "file_size_in_bytes", -1), 1000 + k);
        assert_int_equal(map_get(d, "column_sizes", 1)->u.i, 100 + k);
        assert_int_equal(map_get(d, "value_counts", 2)->u.i, 10);
        assert_int_equal(map_get(d, "null_value_counts", 2)->u.i, 2);
        assert_null(map_get(d, "null_value_counts", 3)); /* unknown: left out */
        assert_int_equal(avro_value_field(d, "nan_value_counts")->kind, AVRO_NULL);
        const AvroValue *lb = map_get(d, "lower_bounds", 1), *ub = map_get(d, "upper_bounds", 1);
        uint8_t b[8];
        assert_int_equal(lb->u.s.n, 8);
        assert_memory_equal(lb->u.s.p, le64(b, k * 10).p, 8);
        assert_memory_equal(ub->u.s.p, le64(b, k * 10 + 9).p, 8);
        assert_memory_equal(map_get(d, "upper_bounds", 2)->u.s.p, "z", 1);
        assert_null(map_get(d, "lower_bounds", 3));
    }

    /* The data files of the current snapshot, as the delivery's orphan cleanup sees them. */
    Buf paths;
    buf_init(&paths, 1 << 20);
    size_t np;
    Err e = {0};
    assert_int_equal(iceberg_table_data_files(t, &paths, &np, &e), WEIR_OK);
    assert_int_equal(np, 5);
    const char *p = (const char *)paths.p;
    for (int k = 0; k < 5; k++) {
        char want[64];
        snprintf(want, sizeof(want), "data/file-%d.parquet", k);
        assert_string_equal(p, want);
        p += strlen(p) + 1;
    }
    buf_fini(&paths);
    arena_destroy(&a);
    iceberg_table_close(&t);

    /* Reopened without a schema: the same table. A lagging hint is not trusted past what exists. */
    snprintf(path, sizeof(path), "%s/t2/metadata/version-hint.text", g_dir);
    FILE *hf = fopen(path, "w");
    fputs("1", hf);
    fclose(hf);
    t = open_table("t2", NULL, 0);
    assert_int_equal(iceberg_table_version(t), 3);
    assert_int_equal(iceberg_table_current(t)->snapshot_id, s2);
    assert_string_equal(iceberg_table_summary_get(t, "weir.positions"), "{\"shardId-000000000000\":\"250\"}");
    iceberg_table_close(&t);
    assert_int_equal(unlink(path), 0);
    t = open_table("t2", COLS, 3);
    assert_int_equal(iceberg_table_version(t), 3);
    /* An append with no files moves the summary only. */
    IcebergProp pr = {"weir.positions", "moved"};
    int64_t s3;
    assert_int_equal(iceberg_table_append(t, NULL, 0, &pr, 1, &s3, &e), WEIR_OK);
    assert_int_equal(iceberg_table_current(t)->parent_id, s2);
    assert_string_equal(iceberg_table_summary_get(t, "total-records"), "50");
    assert_string_equal(iceberg_table_summary_get(t, "added-records"), "0");
    assert_string_equal(iceberg_table_summary_get(t, "weir.positions"), "moved");
    assert_int_equal(iceberg_table_data_files(t, &paths, &np, &e), WEIR_OK);
    assert_int_equal(np, 5);
    buf_fini(&paths);
    iceberg_table_close(&t);
}

static size_t count_files(const char *dir, const char *suffix, const char *prefix)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name), sl = strlen(suffix);
        if (l >= sl && strcmp(de->d_name + l - sl, suffix) == 0 && strncmp(de->d_name, prefix, strlen(prefix)) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static void test_concurrent(void **state)
{
    (void)state;
    IcebergTable *a = open_table("t3", COLS, 3);
    IcebergTable *b = open_table("t3", COLS, 3); /* both loaded v1 */
    int64_t sa = append_files(a, 0, 1, "a");
    assert_int_equal(iceberg_table_version(a), 2);
    assert_int_equal(iceberg_table_version(b), 1); /* stale: its link() to v2 fails, then it reloads */
    int64_t sb = append_files(b, 1, 2, "b");
    assert_int_equal(iceberg_table_version(b), 3);
    const IcebergSnapshot *cur = iceberg_table_current(b);
    assert_int_equal(cur->snapshot_id, sb);
    assert_int_equal(cur->parent_id, sa);
    assert_int_equal(cur->sequence_number, 2);
    assert_string_equal(sum_get(cur, "total-records"), "30");
    assert_string_equal(sum_get(cur, "total-data-files"), "3");
    Buf paths;
    buf_init(&paths, 1 << 20);
    size_t np;
    Err e = {0};
    assert_int_equal(iceberg_table_data_files(b, &paths, &np, &e), WEIR_OK);
    assert_int_equal(np, 3);
    buf_fini(&paths);
    /* a sees b's commit after a refresh, and commits on top of it */
    assert_int_equal(iceberg_table_refresh(a, &e), WEIR_OK);
    assert_int_equal(iceberg_table_current(a)->snapshot_id, sb);
    int64_t sa2 = append_files(a, 3, 1, "a2");
    assert_int_equal(iceberg_table_current(a)->parent_id, sb);
    assert_int_equal(iceberg_table_version(a), 4);
    (void)sa2;
    /* The losing attempt's manifest and list were deleted; no temporary file is left. */
    char md[400];
    snprintf(md, sizeof(md), "%s/t3/metadata", g_dir);
    assert_int_equal(count_files(md, "-m0.avro", ""), 3);
    assert_int_equal(count_files(md, ".avro", "snap-"), 3);
    assert_int_equal(count_files(md, ".metadata.json", "v"), 4);
    assert_int_equal(count_files(md, "", ".tmp"), 0);
    iceberg_table_close(&a);
    iceberg_table_close(&b);
}

static void test_refusals(void **state)
{
    (void)state;
    IcebergTable *t = open_table("t4", COLS, 3);
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t4", g_dir);
    Err e = {0};
    IcebergTable *t2 = NULL;
    /* A schema that differs from the table's. */
    IcebergColumn other[] = {{"id", {SQL_INT4, -1}, 0}, {"name", {SQL_TEXT, -1}, 1}, {"ts", {SQL_TIMESTAMPTZ, -1}, 1}};
    assert_int_equal(iceberg_table_open(dir, other, 3, NULL, &t2, &e), WEIR_EINVAL);
    assert_non_null(strstr(e.msg, "\"id\""));
    assert_null(t2);
    err_clear(&e);
    assert_int_equal(iceberg_table_open(dir, COLS, 2, NULL, &t2, &e), WEIR_EINVAL);
    err_clear(&e);
    /* No table and no schema. */
    snprintf(dir, sizeof(dir), "%s/none", g_dir);
    assert_int_equal(iceberg_table_open(dir, NULL, 0, NULL, &t2, &e), WEIR_ENOTFOUND);
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0); /* nothing created */
    err_clear(&e);
    /* Types Iceberg has no equivalent of; duplicate names. */
    IcebergColumn bad[] = {{"v", {SQL_VOID, -1}, 1}};
    assert_int_equal(iceberg_table_open(dir, bad, 1, NULL, &t2, &e), WEIR_EINVAL);
    err_clear(&e);
    IcebergColumn dup[] = {{"a", {SQL_INT8, -1}, 1}, {"a", {SQL_TEXT, -1}, 1}};
    assert_int_equal(iceberg_table_open(dir, dup, 2, NULL, &t2, &e), WEIR_EINVAL);
    err_clear(&e);
    /* Data files must be relative paths; summary properties may not override Iceberg's keys. */
    IcebergDataFile f = {"/abs/x.parquet", 10, 1, NULL, 0};
    assert_int_equal(iceberg_table_append(t, &f, 1, NULL, 0, NULL, &e), WEIR_EINVAL);
    err_clear(&e);
    f.path = "s3://b/x.parquet";
    assert_int_equal(iceberg_table_append(t, &f, 1, NULL, 0, NULL, &e), WEIR_EINVAL);
    err_clear(&e);
    f.path = "data/x.parquet";
    IcebergProp p = {"total-records", "7"};
    assert_int_equal(iceberg_table_append(t, &f, 1, &p, 1, NULL, &e), WEIR_EINVAL);
    err_clear(&e);
    assert_int_equal(iceberg_table_version(t), 1); /* nothing committed */
    /* A corrupt newer metadata version is reported, not skipped. */
    snprintf(dir, sizeof(dir), "%s/t4/metadata/v2.metadata.json", g_dir);
    FILE *fp = fopen(dir, "w");
    fputs("{\"format-version\": 2", fp);
    fclose(fp);
    assert_int_equal(iceberg_table_refresh(t, &e), WEIR_ECORRUPT);
    assert_int_equal(iceberg_table_version(t), 1); /* keeps what it had */
    err_clear(&e);
    assert_int_equal(iceberg_table_append(t, &f, 1, NULL, 0, NULL, &e), WEIR_ECORRUPT);
    iceberg_table_close(&t);
}

static void test_types(void **state)
{
    (void)state;
    static const struct {
        SqlType t;
        const char *want;
    } cases[] = {
        {{SQL_BOOL, -1}, "boolean"},        {{SQL_INT2, -1}, "int"},
        {{SQL_INT4, -1}, "int"},            {{SQL_INT8, -1}, "long"},
        {{SQL_FLOAT4, -1}, "float"},        {{SQL_FLOAT8, -1}, "double"},
        {{SQL_NUMERIC, ((10 << 16) | 2) + 4}, "decimal(10, 2)"},
        {{SQL_NUMERIC, -1}, "double"},      {{SQL_TEXT, -1}, "string"},
        {{SQL_VARCHAR, 24}, "string"},      {{SQL_JSON, -1}, "string"},
        {{SQL_JSONB, -1}, "string"},        {{SQL_BYTEA, -1}, "binary"},
        {{SQL_DATE, -1}, "date"},           {{SQL_TIME, -1}, "time"},
        {{SQL_TIMESTAMP, -1}, "timestamp"}, {{SQL_TIMESTAMPTZ, -1}, "timestamptz"},
        {{SQL_INTERVAL, -1}, "string"},     {{SQL_ARRAY_OF(SQL_INT4), -1}, "string"},
    };
    char out[48];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(iceberg_type_name(cases[i].t, out, sizeof(out)), WEIR_OK);
        assert_string_equal(out, cases[i].want);
    }
    assert_int_equal(iceberg_type_name((SqlType){SQL_VOID, -1}, out, sizeof(out)), WEIR_EINVAL);
    assert_int_equal(iceberg_type_name((SqlType){SQL_RECORD, -1}, out, sizeof(out)), WEIR_EINVAL);
    /* decimal columns of an existing table come back as numeric(p,s) */
    IcebergColumn dc[] = {{"amount", {SQL_NUMERIC, ((12 << 16) | 3) + 4}, 1}};
    IcebergTable *t = open_table("t5", dc, 1);
    iceberg_table_close(&t);
    t = open_table("t5", NULL, 0);
    size_t n;
    const IcebergColumn *c = iceberg_table_columns(t, &n);
    assert_int_equal(c[0].type.id, SQL_NUMERIC);
    assert_int_equal(c[0].type.typmod, ((12 << 16) | 3) + 4);
    char p[96];
    iceberg_table_new_data_path(t, p, sizeof(p));
    assert_true(strncmp(p, "data/", 5) == 0);
    assert_non_null(strstr(p, ".parquet"));
    char q[96];
    iceberg_table_new_data_path(t, q, sizeof(q));
    assert_string_not_equal(p, q);
    iceberg_table_close(&t);
}

static void test_tabledef(void **state)
{
    (void)state;
    /* The data columns of a weir table, all nullable; hidden columns are not part of the table. */
    TableColumnSpec specs[] = {{"user_id", {SQL_INT8, -1}, 0}, {"url", {SQL_VARCHAR, 104}, 0},
                               {"ts", {SQL_TIMESTAMPTZ, -1}, 0}, {"price", {SQL_NUMERIC, ((10 << 16) | 2) + 4}, 0}};
    TableDef *td = NULL;
    SqlError se;
    memset(&se, 0, sizeof(se));
    if (tabledef_build("clicks", specs, 4, NULL, 0, &td, &se))
        fail_msg("tabledef_build: %s", se.message);
    char dir[300];
    snprintf(dir, sizeof(dir), "%s/t6", g_dir);
    IcebergTable *t = NULL;
    Err e = {0};
    assert_int_equal(iceberg_table_open_tabledef(dir, td, "s3://bucket/clicks", &t, &e), WEIR_OK);
    size_t n;
    const IcebergColumn *c = iceberg_table_columns(t, &n);
    assert_int_equal(n, 4);
    assert_string_equal(c[1].name, "url");
    assert_int_equal(c[1].type.id, SQL_TEXT); /* varchar(100) is an Iceberg string */
    assert_int_equal(c[3].type.id, SQL_NUMERIC);
    assert_true(c[0].is_nullable);
    /* A location that is not the directory: URIs in the metadata use it, reads map it back. */
    assert_string_equal(iceberg_table_location(t), "s3://bucket/clicks");
    append_files(t, 0, 1, "p1");
    append_files(t, 1, 1, "p2");
    assert_non_null(strstr(iceberg_table_current(t)->manifest_list, "s3://bucket/clicks/metadata/snap-"));
    Buf paths;
    buf_init(&paths, 1 << 16);
    size_t np;
    assert_int_equal(iceberg_table_data_files(t, &paths, &np, &e), WEIR_OK);
    assert_int_equal(np, 2);
    assert_string_equal((const char *)paths.p, "data/file-0.parquet");
    buf_fini(&paths);
    iceberg_table_close(&t);
    /* Reopening with the same definition works. */
    assert_int_equal(iceberg_table_open_tabledef(dir, td, NULL, &t, &e), WEIR_OK);
    assert_string_equal(iceberg_table_location(t), "s3://bucket/clicks");
    iceberg_table_close(&t);
    tabledef_destroy(&td);
}

/* --- a table with real Parquet data files, for the e2e readers ------------------------------------ */

static const IcebergColumn E2E_COLS[] = {
    {"id", {SQL_INT8, -1}, 0},
    {"name", {SQL_TEXT, -1}, 1},
    {"score", {SQL_FLOAT8, -1}, 1},
    {"ok", {SQL_BOOL, -1}, 1},
};

/* Rows first..first+n-1: id k, name "name-k" (NULL every 7th), score k * 1.5, ok k odd. */
static void write_parquet_file(IcebergTable *t, const char *dir, int first, int n, IcebergDataFile *df,
                               IcebergColumnStats *stats, char *path, size_t cap, ParquetWriter **wp)
{
    ParquetColumn pc[4];
    for (int i = 0; i < 4; i++)
        pc[i] = (ParquetColumn){E2E_COLS[i].name, E2E_COLS[i].type, E2E_COLS[i].is_nullable, i + 1};
    Buf out;
    buf_init(&out, BUF_MAX_DEFAULT);
    ParquetOptions opt;
    parquet_options_init(&opt);
    opt.codec = PARQUET_CODEC_SNAPPY;
    ParquetKeyValue kv = {"iceberg.schema", iceberg_table_schema_json(t)}; /* as Iceberg writers do */
    opt.kv = &kv;
    opt.n_kv = 1;
    Err e = {0};
    if (parquet_writer_create(pc, 4, &opt, &out, wp, &e))
        fail_msg("parquet: %s", e.msg);
    for (int k = first; k < first + n; k++) {
        char name[32];
        snprintf(name, sizeof(name), "name-%d", k);
        SqlValue v[4] = {{.type = E2E_COLS[0].type, .u.i = k},
                         {.type = E2E_COLS[1].type, .is_null = k % 7 == 0, .u.s = slice_from_cstr(name)},
                         {.type = E2E_COLS[2].type, .u.f = k * 1.5},
                         {.type = E2E_COLS[3].type, .u.b = (uint8_t)(k % 2)}};
        if (parquet_writer_write_row(*wp, v, &e))
            fail_msg("parquet row: %s", e.msg);
    }
    ParquetResult res;
    if (parquet_writer_finish(*wp, &res, &e))
        fail_msg("parquet finish: %s", e.msg);
    iceberg_table_new_data_path(t, path, cap);
    char full[512];
    snprintf(full, sizeof(full), "%s/%s", dir, path);
    FILE *f = fopen(full, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(out.p, 1, out.len, f), out.len);
    fclose(f);
    assert_int_equal(res.file_size, out.len);
    assert_int_equal(res.n_cols, 4);
    iceberg_stats_from_parquet(&res, stats);
    *df = (IcebergDataFile){path, res.file_size, (int64_t)res.record_count, stats, 4};
    buf_fini(&out);
}

static void test_e2e_fixture(void **state)
{
    (void)state;
    const char *env = getenv("WEIR_ICEBERG_E2E");
    char dir[300];
    snprintf(dir, sizeof(dir), "%s", env ? env : "");
    if (!env)
        snprintf(dir, sizeof(dir), "%s/e2e", g_dir);
    IcebergTable *t = NULL;
    Err e = {0};
    if (iceberg_table_open(dir, E2E_COLS, 4, NULL, &t, &e))
        fail_msg("open: %s", e.msg);
    /* Two commits: rows 0..99 in two files, then rows 100..149 in one. */
    static const int plan[3][2] = {{0, 60}, {60, 40}, {100, 50}};
    for (int c = 0, f = 0; c < 2; c++) {
        int nf = c == 0 ? 2 : 1;
        IcebergDataFile files[2];
        IcebergColumnStats stats[2][4];
        char paths[2][128];
        ParquetWriter *w[2] = {NULL, NULL};
        for (int i = 0; i < nf; i++, f++)
            write_parquet_file(t, dir, plan[f][0], plan[f][1], &files[i], stats[i], paths[i], sizeof(paths[i]),
                               &w[i]);
        char pos[64];
        snprintf(pos, sizeof(pos), "{\"shardId-000000000000\":\"%d\"}", c == 0 ? 100 : 150);
        IcebergProp props[] = {{"weir.positions", pos}};
        if (iceberg_table_append(t, files, (size_t)nf, props, 1, NULL, &e))
            fail_msg("append: %s", e.msg);
        for (int i = 0; i < nf; i++)
            parquet_writer_destroy(&w[i]);
    }
    assert_string_equal(iceberg_table_summary_get(t, "total-records"), "150");
    /* The bounds of id in the second snapshot's manifest are the file's (100 and 149, little-endian). */
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    const AvroFile *ml = read_avro(iceberg_table_current(t)->manifest_list, a);
    Slice mp = avro_value_field_str(ml->records[1], "manifest_path");
    const AvroFile *man = read_avro(arena_try_strndup(a, (const char *)mp.p, mp.n), a);
    const AvroValue *d = avro_value_field(man->records[0], "data_file");
    uint8_t b[8];
    assert_memory_equal(map_get(d, "lower_bounds", 1)->u.s.p, le64(b, 100).p, 8);
    assert_memory_equal(map_get(d, "upper_bounds", 1)->u.s.p, le64(b, 149).p, 8);
    assert_int_equal(map_get(d, "null_value_counts", 2)->u.i, 7); /* 105, 112, ..., 147 */
    assert_int_equal(map_get(d, "value_counts", 3)->u.i, 50);
    arena_destroy(&a);
    iceberg_table_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create),     cmocka_unit_test(test_two_appends), cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_refusals),   cmocka_unit_test(test_types),       cmocka_unit_test(test_tabledef),
        cmocka_unit_test(test_e2e_fixture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
