/*
 * test_copy.c: unit tests of src/sink/copy.c through the engine (sink_copy_register on an engine without
 * a store), files in a temp directory:
 *
 *   - CSV and text bytes for values that need quoting or escaping, NULLs and empty strings, HEADER;
 *   - JSON lines as row_to_json writes them;
 *   - Parquet: the footer read back (rows, row groups from ROW_GROUP_SIZE, duplicate names made unique
 *     as DuckDB does, field ids, the codec);
 *   - gzip and zstd of the text formats: the file decompresses to the uncompressed file's bytes;
 *   - TO STDOUT: one row per line through the portal's consumer, the same bytes as the file;
 *   - a query that fails half way: no file, no temporary file, an existing file untouched.
 * tests/e2e/test_parquet.py compares the formats with PostgreSQL and reads Parquet with DuckDB/hyparquet.
 */
#include "exec/engine_fixture.h"

#include <dirent.h>
#include <sys/stat.h>

#include "sink/compress.h"
#include "sink/copy.h"
#include "sink/thrift.h"

static SqlEngine *g_eng;
static SqlSession *g_sess;
static char g_dir[64];

static char *path_of(const char *name)
{
    static char p[256];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    return p;
}

static Buf read_all(const char *path)
{
    Buf b;
    buf_init(&b, 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        assert_int_equal(buf_append(&b, chunk, n), 0);
    fclose(f);
    return b;
}

static void expect_file(const char *name, const char *want)
{
    Buf b = read_all(path_of(name));
    if (b.len != strlen(want) || memcmp(b.p, want, b.len) != 0)
        fail_msg("%s:\n got: [%.*s]\nwant: [%s]", name, (int)b.len, (const char *)b.p, want);
    buf_fini(&b);
}

/* Run sql with its "@" replaced by the path of name in the temp directory. */
static const char *copy(const char *sql, const char *name)
{
    static char q[2048];
    const char *at = strchr(sql, '@');
    assert_non_null(at);
    snprintf(q, sizeof(q), "%.*s%s%s", (int)(at - sql), sql, path_of(name), at + 1);
    return ef_run(g_sess, q);
}

#define VALUES                                                                                               \
    "SELECT * FROM (VALUES (1, 'plain', true), (2, 'a,b \"q\"', NULL), (3, '', false), "                     \
    "(4, NULL, true), (5, E'tab\\there\\nnl\\\\', true)) v(id, s, b) ORDER BY id"

static void test_csv_text_json(void **state)
{
    (void)state;
    assert_string_equal(copy("COPY (" VALUES ") TO '@' (FORMAT csv, HEADER)", "v.csv"), "");
    expect_file("v.csv",
                "id,s,b\n1,plain,t\n2,\"a,b \"\"q\"\"\",\n3,\"\",f\n4,,t\n5,\"tab\there\nnl\\\",t\n");
    assert_string_equal(copy("COPY (" VALUES ") TO '@'", "v.txt"), "");
    expect_file("v.txt", "1\tplain\tt\n2\ta,b \"q\"\t\\N\n3\t\tf\n4\t\\N\tt\n5\ttab\\there\\nnl\\\\\tt\n");
    assert_string_equal(copy("COPY (" VALUES ") TO '@'", "v.json"), "");
    expect_file("v.json",
                "{\"id\":1,\"s\":\"plain\",\"b\":true}\n{\"id\":2,\"s\":\"a,b \\\"q\\\"\",\"b\":null}\n"
                "{\"id\":3,\"s\":\"\",\"b\":false}\n{\"id\":4,\"s\":null,\"b\":true}\n"
                "{\"id\":5,\"s\":\"tab\\there\\nnl\\\\\",\"b\":true}\n");
}

static void test_compressed(void **state)
{
    (void)state;
    const char *q = "COPY (SELECT g, 'row ' || g AS s FROM generate_series(1, 20000) g) TO '@' (FORMAT csv";
    char sql[512];
    snprintf(sql, sizeof(sql), "%s)", q);
    assert_string_equal(copy(sql, "plain.csv"), "");
    Buf plain = read_all(path_of("plain.csv"));
    static const struct {
        const char *name, *opt;
        SinkCodec codec;
    } cases[] = {{"g.csv.gz", "", SINK_CODEC_GZIP}, {"z.csv", ", COMPRESSION zstd", SINK_CODEC_ZSTD}};
    for (size_t i = 0; i < 2; i++) {
        snprintf(sql, sizeof(sql), "%s%s)", q, cases[i].opt);
        assert_string_equal(copy(sql, cases[i].name), "");
        Buf comp = read_all(path_of(cases[i].name)), back;
        buf_init(&back, 0);
        Err e;
        err_clear(&e);
        assert_true(comp.len < plain.len / 2);
        assert_int_equal(sink_decompress(cases[i].codec, comp.p, comp.len, 1 << 30, &back, &e), WEIR_OK);
        assert_int_equal(back.len, plain.len);
        assert_memory_equal(back.p, plain.p, plain.len);
        buf_fini(&comp);
        buf_fini(&back);
    }
    buf_fini(&plain);
}

static void test_parquet(void **state)
{
    (void)state;
    assert_string_equal(
        copy("COPY (SELECT g AS a, g * 2 AS a, 'x' || g AS b FROM generate_series(1, 2500) g) "
             "TO '@' (ROW_GROUP_SIZE 1000, COMPRESSION 'zstd')",
             "p.parquet"),
        "");
    Buf f = read_all(path_of("p.parquet"));
    assert_true(f.len > 12);
    assert_memory_equal(f.p, "PAR1", 4);
    uint32_t flen =
        f.p[f.len - 8] | f.p[f.len - 7] << 8 | f.p[f.len - 6] << 16 | (uint32_t)f.p[f.len - 5] << 24;
    Arena *a = arena_create(NULL, 1 << 24);
    ThriftValue fmd;
    Err e;
    err_clear(&e);
    assert_int_equal(thrift_read_struct(f.p + f.len - 8 - flen, flen, a, &fmd, NULL, &e), WEIR_OK);
    assert_int_equal(thrift_get_int(&fmd, 3, -1), 2500);
    const ThriftValue *rgs = thrift_get(&fmd, 4);
    assert_int_equal(rgs->u.list.n, 3);
    const ThriftValue *schema = thrift_get(&fmd, 2);
    static const char *const names[] = {"a", "a_1", "b"};
    for (uint32_t i = 0; i < 3; i++) {
        const ThriftValue *se = &schema->u.list.v[i + 1];
        const ThriftValue *nm = thrift_get(se, 4);
        assert_int_equal(nm->u.bin.n, strlen(names[i]));
        assert_memory_equal(nm->u.bin.p, names[i], nm->u.bin.n);
        assert_int_equal(thrift_get_int(se, 9, -1), i + 1);
        assert_int_equal(thrift_get_int(se, 3, -1), 1); /* OPTIONAL */
    }
    const ThriftValue *md = thrift_get(&thrift_get(&rgs->u.list.v[0], 1)->u.list.v[0], 3);
    assert_int_equal(thrift_get_int(md, 4, -1), 6); /* ZSTD */
    arena_destroy(&a);
    buf_fini(&f);
}

static void test_stdout(void **state)
{
    (void)state;
    assert_string_equal(copy("COPY (" VALUES ") TO '@' (FORMAT csv, HEADER)", "s.csv"), "");
    Buf file = read_all(path_of("s.csv"));
    /* ef_run collects one row per line ("line\n" + its own "\n") */
    const char *rows = ef_run(g_sess, "COPY (" VALUES ") TO STDOUT (FORMAT csv, HEADER)");
    Buf want;
    buf_init(&want, 0);
    /* every line of the file, each followed by ef_collect's row separator; the quoted newline of row 5
     * stays inside its line */
    static const char *const lines[] = {"id,s,b\n",   "1,plain,t\n", "2,\"a,b \"\"q\"\"\",\n",
                                        "3,\"\",f\n", "4,,t\n",      "5,\"tab\there\nnl\\\",t\n"};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(buf_append_cstr(&want, lines[i]) || buf_append_cstr(&want, "\n"), 0);
    assert_string_equal(rows, (const char *)want.p);
    size_t total = 0;
    for (size_t i = 0; i < 6; i++)
        total += strlen(lines[i]);
    assert_int_equal(total, file.len);
    buf_fini(&want);
    buf_fini(&file);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_failure_leaves_nothing(void **state)
{
    (void)state;
    int before = count_entries(g_dir);
    const char *q = "COPY (SELECT g, 10 / (3000 - g) AS x FROM generate_series(1, 5000) g) TO '@'";
    const char *got = copy(q, "fail.parquet");
    assert_true(strncmp(got, "ERROR 22012", 11) == 0);
    assert_int_equal(count_entries(g_dir), before);
    FILE *f = fopen(path_of("keep.csv"), "w");
    assert_non_null(f);
    fputs("old", f);
    fclose(f);
    got = copy("COPY (SELECT g, 10 / (3000 - g) AS x FROM generate_series(1, 5000) g) TO '@' (FORMAT csv)",
               "keep.csv");
    assert_true(strncmp(got, "ERROR 22012", 11) == 0);
    expect_file("keep.csv", "old");
    assert_int_equal(count_entries(g_dir), before + 1);
    /* a type Parquet refuses: the file is not created either */
    got = copy("COPY (SELECT ROW(1, 2) AS r) TO '@'", "rec.parquet");
    assert_true(strncmp(got, "ERROR 0A000", 11) == 0);
    assert_int_equal(count_entries(g_dir), before + 1);
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/weir-test-copy-XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    g_sess = ef_session_open(NULL, &g_eng);
    sink_copy_register(g_eng);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ef_session_close(&g_sess, &g_eng);
    DIR *d = opendir(g_dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            unlink(path_of(de->d_name));
    if (d)
        closedir(d);
    rmdir(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_text_json),
        cmocka_unit_test(test_compressed),
        cmocka_unit_test(test_parquet),
        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_failure_leaves_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
