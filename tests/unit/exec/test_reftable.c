/*
 * test_reftable.c: unit tests of src/exec/reftable.c: file tables read through an OP_SCAN (CSV with a
 * header, BOM, CRLF and a quoted field across lines; JSON lines; JSON arrays spanning lines), the hidden
 * columns of a file table, the on_error policies (with "<file>:<line>" in fail errors), more rows than one
 * batch, the errors PostgreSQL's COPY FROM gives for missing files, directories and unreadable files,
 * relative paths (refused by CREATE TABLE and by the scan), the memory budget, cancellation, the JSON
 * array splitter on its own, and the same tables queried through the engine (engine.h), which goes
 * through op_scan.c's dispatch.
 */
#include "engine_fixture.h"

#include <sys/stat.h>

#include "exec/catalog.h"
#include "exec/reftable.h"
#include "sql/td_spec.h"

/* ------------------------------------------------------------------------------------- helpers */

static char g_dir[256];

static int setup_dir(void **state)
{
    UNUSED(state);
    snprintf(g_dir, sizeof(g_dir), "/tmp/weir-reftable-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    return 0;
}

static int teardown_dir(void **state)
{
    UNUSED(state);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write a file under the test directory; returns its absolute path (static buffer per call site). */
static const char *write_file(const char *name, const void *data, size_t n)
{
    static char paths[8][512];
    static int k;
    char *p = paths[k++ & 7];
    snprintf(p, 512, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return p;
}

static const char *write_str(const char *name, const char *text)
{
    return write_file(name, text, strlen(text));
}

/* A scan over td as the binder builds one: data columns, then the hidden columns. */
typedef struct Scan {
    CatalogTable table;
    ScanSpec spec;
    Op op;
    SqlType types[64];
    uint8_t needed[64];
    ExecCtx ctx;
    Arena *arena;
    SqlError err;
    atomic_int cancel;
    int rc;
    /* every row of every batch, gathered */
    uint32_t n_rows, n_batches;
} Scan;

static void scan_init(Scan *s, TableDef *td, size_t budget)
{
    memset(s, 0, sizeof(*s));
    s->table.def = td;
    s->table.refs = 1;
    s->spec.table = &s->table;
    s->spec.needed = s->needed;
    uint32_t n = td->n_cols + TABLE_HID_N;
    assert_true(n <= 64);
    for (uint32_t i = 0; i < n; i++) {
        s->types[i] = i < td->n_cols ? td->cols[i].type : tabledef_hidden_type((TableHidden)(i - td->n_cols));
        s->needed[i] = 1;
    }
    s->op.kind = OP_SCAN;
    s->op.n_cols = n;
    s->op.types = s->types;
    s->op.spec = &s->spec;
    s->arena = arena_create(NULL, budget);
    s->op.batch_arena = arena_create(s->arena, ARENA_UNLIMITED);
    atomic_init(&s->cancel, 0);
    s->ctx.arena = s->arena;
    s->ctx.err = &s->err;
    s->ctx.cancel = &s->cancel;
}

static void scan_fini(Scan *s)
{
    reftable_close(&s->op);
    arena_destroy(&s->op.batch_arena);
    arena_destroy(&s->arena);
    tabledef_destroy(&s->table.def);
}

/* Open the scan and pull every batch into out[] (up to cap batches). Returns the rc of the first failing
 * call. */
static int scan_all(Scan *s, Batch **out, uint32_t cap)
{
    s->rc = reftable_open(&s->op, &s->ctx);
    if (s->rc)
        return s->rc;
    for (;;) {
        Batch *b = NULL;
        s->rc = reftable_next(&s->op, &s->ctx, &b);
        if (s->rc || !b)
            return s->rc;
        assert_int_equal(b->n_cols, s->op.n_cols);
        assert_true(b->n > 0 && b->n <= VEC_BATCH);
        if (s->n_batches < cap)
            out[s->n_batches] = b;
        s->n_batches++;
        s->n_rows += b->n;
    }
}

static const char *str_at(const Batch *b, uint32_t col, uint32_t row)
{
    static char bufs[4][1024];
    static int k;
    if (vec_is_null(&b->cols[col], row))
        return "<NULL>";
    Slice s = b->cols[col].u.s[row];
    char *out = bufs[k++ & 3];
    assert_true(s.n < 1024);
    if (s.n)
        memcpy(out, s.p, s.n);
    out[s.n] = '\0';
    return out;
}

static int64_t int_at(const Batch *b, uint32_t col, uint32_t row)
{
    if (vec_is_null(&b->cols[col], row))
        fail_msg("column %u row %u is NULL", col, row);
    return b->cols[col].u.i[row];
}

static char g_opts[1024];

/* mk() with "file=<path>;" in front of the options. */
static TableDef *mk_file(const char *cols, const char *path, const char *opts)
{
    snprintf(g_opts, sizeof(g_opts), "file=%s%s%s", path, opts && *opts ? ";" : "", opts ? opts : "");
    return mk(cols, g_opts);
}

#define HID(td, h) ((td)->n_cols + (uint32_t)(h))

/* --------------------------------------------------------------------------------------------- csv */

static void test_csv_header(void **state)
{
    UNUSED(state);
    /* BOM, CRLF line ends, a quoted field with a comma, a doubled quote and a line break, a NULL (unquoted
     * empty) and an empty string (quoted empty), a blank line, columns found by header name in another
     * order than the file's */
    static const char text[] = "\xEF\xBB\xBFid,Plan,name\r\n"
                               "1,pro,\"Ada, \"\"the\"\" first\nLovelace\"\r\n"
                               "\r\n"
                               "2,,\"\"\r\n"
                               "3,free,Grace\n";
    const char *path = write_str("users.csv", text);
    Scan s;
    TableDef *td = mk_file("id bigint, name text, plan text", path, "format=csv;header=true");
    scan_init(&s, td, ARENA_UNLIMITED);
    Batch *b[4];
    if (scan_all(&s, b, 4))
        fail_msg("scan: %s %s", s.err.sqlstate, s.err.message);
    assert_int_equal(s.n_batches, 1);
    assert_int_equal(s.n_rows, 3);
    assert_int_equal(int_at(b[0], 0, 0), 1);
    assert_string_equal(str_at(b[0], 1, 0), "Ada, \"the\" first\nLovelace");
    assert_string_equal(str_at(b[0], 2, 0), "pro");
    assert_int_equal(int_at(b[0], 0, 1), 2);
    assert_string_equal(str_at(b[0], 1, 1), "");       /* "" is an empty string */
    assert_string_equal(str_at(b[0], 2, 1), "<NULL>"); /* an unquoted empty field is NULL */
    assert_string_equal(str_at(b[0], 1, 2), "Grace");
    /* hidden columns: the payload ones as for streams, the stream ones NULL */
    assert_string_equal(str_at(b[0], HID(td, TABLE_HID_MESSAGE), 2), "3,free,Grace");
    assert_int_equal(b[0]->cols[HID(td, TABLE_HID_MESSAGE_VALID)].u.b[2], 1);
    assert_int_equal(int_at(b[0], HID(td, TABLE_HID_MESSAGE_LENGTH), 2), 12);
    for (uint32_t r = 0; r < 3; r++) {
        assert_true(vec_is_null(&b[0]->cols[HID(td, TABLE_HID_SHARD_ID)], r));
        assert_true(vec_is_null(&b[0]->cols[HID(td, TABLE_HID_SEQUENCE_NUMBER)], r));
        assert_true(vec_is_null(&b[0]->cols[HID(td, TABLE_HID_PARTITION_KEY)], r));
        assert_true(vec_is_null(&b[0]->cols[HID(td, TABLE_HID_ARRIVAL_TIME)], r));
    }
    /* every vector carries the scan's output type */
    for (uint32_t c = 0; c < s.op.n_cols; c++)
        assert_int_equal(b[0]->cols[c].type.id, s.types[c].id);
    scan_fini(&s);
}

static void test_csv_by_position(void **state)
{
    UNUSED(state);
    const char *path = write_str("pos.csv", "a|1|x\nb|2|y\n");
    Scan s;
    TableDef *td = mk_file("n int, k text", path, "format=csv;delimiter=|;n.index=1;k.index=0");
    scan_init(&s, td, ARENA_UNLIMITED);
    Batch *b[2];
    assert_int_equal(scan_all(&s, b, 2), WEIR_OK);
    assert_int_equal(s.n_rows, 2);
    assert_int_equal(int_at(b[0], 0, 1), 2);
    assert_string_equal(str_at(b[0], 1, 1), "b");
    scan_fini(&s);
}

/* A header that lacks a column is the decoder's 42703, naming the file. */
static void test_csv_header_missing_column(void **state)
{
    UNUSED(state);
    const char *path = write_str("hdr.csv", "id,name\n1,a\n");
    Scan s;
    scan_init(&s, mk_file("id bigint, plan text", path, "format=csv;header=true"), ARENA_UNLIMITED);
    Batch *b[1];
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "42703");
    assert_non_null(strstr(s.err.message, "hdr.csv"));
    scan_fini(&s);
}

/* -------------------------------------------------------------------------------------------- json */

static void test_json_lines(void **state)
{
    UNUSED(state);
    const char *path =
        write_str("users.jsonl", "{\"id\": 1, \"name\": \"Ada\", \"plan\": {\"tier\": \"pro\"}}\n"
                                 "\n"
                                 "{\"id\": 2, \"NAME\": \"Grace\"}\r\n"
                                 "{\"id\": 3}");
    Scan s;
    TableDef *td = mk_file("id bigint, name text, tier text", path, "tier.path=plan/tier");
    scan_init(&s, td, ARENA_UNLIMITED);
    Batch *b[2];
    assert_int_equal(scan_all(&s, b, 2), WEIR_OK);
    assert_int_equal(s.n_rows, 3);
    assert_string_equal(str_at(b[0], 1, 0), "Ada");
    assert_string_equal(str_at(b[0], 2, 0), "pro");
    assert_string_equal(str_at(b[0], 1, 1), "Grace"); /* found by name in any case */
    assert_string_equal(str_at(b[0], 2, 1), "<NULL>");
    assert_int_equal(int_at(b[0], 0, 2), 3);
    assert_string_equal(str_at(b[0], HID(td, TABLE_HID_MESSAGE), 2), "{\"id\": 3}");
    scan_fini(&s);
}

static void test_json_array(void **state)
{
    UNUSED(state);
    /* one array over many lines; strings holding brackets, braces, commas and escaped quotes; nested
     * arrays and objects; a BOM */
    const char *path = write_str("users.json", "\xEF\xBB\xBF  [\n"
                                               "  {\"id\": 1, \"name\": \"a],[b\",\n"
                                               "   \"tags\": [1, [2, 3]], \"m\": {\"k\": \"}\"}},\n"
                                               "  {\"id\": 2, \"name\": \"q\\\"uote\"}\n"
                                               "  ,{\"id\": 3}\n"
                                               "]\n");
    Scan s;
    TableDef *td = mk_file("id bigint, name text, tags text", path, NULL);
    scan_init(&s, td, ARENA_UNLIMITED);
    Batch *b[2];
    if (scan_all(&s, b, 2))
        fail_msg("scan: %s %s", s.err.sqlstate, s.err.message);
    assert_int_equal(s.n_rows, 3);
    assert_string_equal(str_at(b[0], 1, 0), "a],[b");
    assert_string_equal(str_at(b[0], 2, 0), "[1, [2, 3]]");
    assert_string_equal(str_at(b[0], 1, 1), "q\"uote");
    assert_int_equal(int_at(b[0], 0, 2), 3);
    assert_string_equal(str_at(b[0], HID(td, TABLE_HID_MESSAGE), 2), "{\"id\": 3}");
    scan_fini(&s);

    /* an empty array is an empty table */
    path = write_str("empty.json", "[ ]");
    scan_init(&s, mk_file("id bigint", path, NULL), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 2), WEIR_OK);
    assert_int_equal(s.n_rows, 0);
    scan_fini(&s);
}

static void test_json_array_split(void **state)
{
    UNUSED(state);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlError e;
    Slice *recs;
    uint32_t *lines;
    size_t n;
    static const char ok[] = "\n[1,\n \"x,]\" , {\"a\":[{}]},\n\n  null ]  \n";
    memset(&e, 0, sizeof(e));
    assert_int_equal(reftable_json_array_split((const uint8_t *)ok, strlen(ok), a, &recs, &lines, &n, &e),
                     WEIR_OK);
    assert_int_equal(n, 4);
    assert_true(recs[0].n == 1 && memcmp(recs[0].p, "1", 1) == 0);
    assert_true(recs[1].n == 5 && memcmp(recs[1].p, "\"x,]\"", 5) == 0);
    assert_true(recs[2].n == 10 && memcmp(recs[2].p, "{\"a\":[{}]}", 10) == 0);
    assert_true(recs[3].n == 4 && memcmp(recs[3].p, "null", 4) == 0);
    assert_int_equal(lines[0], 2);
    assert_int_equal(lines[1], 3);
    assert_int_equal(lines[2], 3);
    assert_int_equal(lines[3], 5);
    /* not one well-formed array: each is 22P02 with the line */
    static const char *const bad[] = {
        "",              /* nothing */
        "{\"a\": 1}",    /* not an array */
        "[1, 2",         /* unclosed */
        "[1, 2,]",       /* trailing comma */
        "[1,,2]",        /* empty element */
        "[1 2]x",        /* text after the array (the "1 2" element is the decoder's problem) */
        "[\"abc]",       /* unterminated string */
        "[1]\n[2]",      /* two arrays */
        "[{\"a\": 1}}]", /* a stray brace */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&e, 0, sizeof(e));
        int rc = reftable_json_array_split((const uint8_t *)bad[i], strlen(bad[i]), a, &recs, NULL, &n, &e);
        if (rc != WEIR_ERROR)
            fail_msg("accepted %s", bad[i]);
        assert_string_equal(e.sqlstate, "22P02");
        assert_non_null(strstr(e.message, "line"));
    }
    memset(&e, 0, sizeof(e));
    assert_int_equal(reftable_json_array_split((const uint8_t *)"[1]\n[2]", 7, a, &recs, NULL, &n, &e),
                     WEIR_ERROR);
    assert_non_null(strstr(e.message, "line 2"));
    arena_destroy(&a);
}

/* A malformed array file fails the query and names the file. */
static void test_json_array_malformed_file(void **state)
{
    UNUSED(state);
    const char *path = write_str("bad.json", "[\n{\"id\": 1},\n{\"id\": 2}\n");
    Scan s;
    scan_init(&s, mk_file("id bigint", path, NULL), ARENA_UNLIMITED);
    Batch *b[1];
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "22P02");
    assert_non_null(strstr(s.err.message, "bad.json"));
    scan_fini(&s);
}

/* ---------------------------------------------------------------------------------------- policies */

static void test_policies(void **state)
{
    UNUSED(state);
    const char *path = write_str("nums.csv", "1,a\nx,b\n3,c\n");
    Batch *b[1];
    Scan s;
    /* null: the row stays, the bad field is NULL, _message_valid false */
    TableDef *td = mk_file("n int, t text", path, "format=csv");
    scan_init(&s, td, ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_OK);
    assert_int_equal(s.n_rows, 3);
    assert_true(vec_is_null(&b[0]->cols[0], 1));
    assert_string_equal(str_at(b[0], 1, 1), "b");
    assert_int_equal(b[0]->cols[HID(td, TABLE_HID_MESSAGE_VALID)].u.b[1], 0);
    assert_int_equal(b[0]->cols[HID(td, TABLE_HID_MESSAGE_VALID)].u.b[2], 1);
    scan_fini(&s);
    /* skip: the row is gone */
    scan_init(&s, mk_file("n int, t text", path, "format=csv;on_error=skip"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_OK);
    assert_int_equal(s.n_rows, 2);
    assert_int_equal(int_at(b[0], 0, 1), 3);
    scan_fini(&s);
    /* fail: 22P02 naming file:line */
    scan_init(&s, mk_file("n int, t text", path, "format=csv;on_error=fail"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "22P02");
    if (!strstr(s.err.message, "nums.csv:2"))
        fail_msg("message does not name nums.csv:2: %s", s.err.message);
    scan_fini(&s);
    /* a skipped whole batch leaves no empty batch behind */
    path = write_str("allbad.csv", "x\ny\n");
    scan_init(&s, mk_file("n int", path, "format=csv;on_error=skip"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_OK);
    assert_int_equal(s.n_batches, 0);
    scan_fini(&s);
}

/* ------------------------------------------------------------------------------------ many batches */

static void test_many_rows(void **state)
{
    UNUSED(state);
    const uint32_t n = VEC_BATCH * 2 + 17;
    Buf text;
    buf_init(&text, 0);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(buf_printf(&text, "{\"id\": %u, \"sq\": %llu}\n", i, (unsigned long long)i * i),
                         WEIR_OK);
    const char *path = write_file("many.jsonl", text.p, text.len);
    buf_fini(&text);
    Scan s;
    scan_init(&s, mk_file("id bigint, sq bigint", path, NULL), ARENA_UNLIMITED);
    Batch *b[4];
    assert_int_equal(scan_all(&s, b, 4), WEIR_OK);
    assert_int_equal(s.n_batches, 3);
    assert_int_equal(s.n_rows, n);
    uint32_t next = 0;
    for (uint32_t k = 0; k < 3; k++)
        for (uint32_t r = 0; r < b[k]->n; r++, next++) {
            assert_int_equal(int_at(b[k], 0, r), next);
            assert_int_equal(int_at(b[k], 1, r), (int64_t)next * next);
        }
    assert_int_equal(next, n);
    /* next after the end stays at the end */
    Batch *more = (Batch *)1;
    assert_int_equal(reftable_next(&s.op, &s.ctx, &more), WEIR_OK);
    assert_null(more);
    scan_fini(&s);
}

/* ---------------------------------------------------------------------------------------- failures */

static void test_file_errors(void **state)
{
    UNUSED(state);
    Scan s;
    Batch *b[1];
    char path[512];
    /* missing: PostgreSQL's COPY FROM message and SQLSTATE */
    snprintf(path, sizeof(path), "%s/nope.csv", g_dir);
    scan_init(&s, mk_file("a int", path, "format=csv"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "58P01");
    char want[700];
    snprintf(want, sizeof(want), "could not open file \"%s\" for reading: No such file or directory", path);
    assert_string_equal(s.err.message, want);
    scan_fini(&s);
    /* a directory */
    scan_init(&s, mk_file("a int", g_dir, "format=csv"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "42809");
    snprintf(want, sizeof(want), "\"%s\" is a directory", g_dir);
    assert_string_equal(s.err.message, want);
    scan_fini(&s);
    /* a path through a regular file */
    const char *f = write_str("plain.txt", "x\n");
    snprintf(path, sizeof(path), "%s/sub", f);
    scan_init(&s, mk_file("a int", path, "format=csv"), ARENA_UNLIMITED);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "42809");
    assert_non_null(strstr(s.err.message, "Not a directory"));
    scan_fini(&s);
    /* unreadable (meaningless as root, who reads anything) */
    if (geteuid() != 0) {
        const char *secret = write_str("secret.csv", "1\n");
        assert_int_equal(chmod(secret, 0), 0);
        scan_init(&s, mk_file("a int", secret, "format=csv"), ARENA_UNLIMITED);
        assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
        assert_string_equal(s.err.sqlstate, "42501");
        assert_non_null(strstr(s.err.message, "Permission denied"));
        scan_fini(&s);
    }
}

static void test_relative_path(void **state)
{
    UNUSED(state);
    /* CREATE TABLE refuses it, pointing at the option */
    Spec sp;
    spec_parse(&sp, "a int", "file=users.csv;format=csv");
    SqlError e;
    memset(&e, 0, sizeof(e));
    TableDef *td = NULL;
    assert_int_equal(tabledef_build("t", sp.cols, sp.n_cols, sp.opts, sp.n_opts, &td, &e), WEIR_ERROR);
    assert_null(td);
    assert_string_equal(e.sqlstate, "22023");
    assert_int_equal(e.position, 100);
    assert_string_equal(e.message, "option \"file\" must be an absolute path, not \"users.csv\"");
    /* and a definition that has one anyway (written by an older version) fails at the scan */
    static const char rel[] = "users.csv";
    Scan s;
    scan_init(&s, mk_file("a int", "/x.csv", "format=csv"), ARENA_UNLIMITED);
    ((TableDef *)s.table.def)->file = rel;
    Batch *b[1];
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "22023");
    assert_non_null(strstr(s.err.message, "relative path"));
    scan_fini(&s);
}

static void test_budget(void **state)
{
    UNUSED(state);
    Buf text;
    buf_init(&text, 0);
    for (int i = 0; i < 20000; i++)
        assert_int_equal(buf_printf(&text, "%d,some text to fill the file up\n", i), WEIR_OK);
    const char *path = write_file("big.csv", text.p, text.len);
    buf_fini(&text);
    Scan s;
    Batch *b[1];
    /* smaller than the file itself */
    scan_init(&s, mk_file("a int, t text", path, "format=csv"), 64 * 1024);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "53200");
    scan_fini(&s);
    /* room for the file, not for its decoded batches */
    scan_init(&s, mk_file("a int, t text", path, "format=csv"), 1200 * 1024);
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "53200");
    scan_fini(&s);
}

static void test_cancel(void **state)
{
    UNUSED(state);
    const char *path = write_str("c.csv", "1\n2\n");
    Scan s;
    scan_init(&s, mk_file("a int", path, "format=csv"), ARENA_UNLIMITED);
    atomic_store(&s.cancel, 1);
    Batch *b[1];
    assert_int_equal(scan_all(&s, b, 1), WEIR_ERROR);
    assert_string_equal(s.err.sqlstate, "57014");
    scan_fini(&s);
}

static void test_empty_file(void **state)
{
    UNUSED(state);
    const char *path = write_str("empty.csv", "");
    Scan s;
    scan_init(&s, mk_file("a int", path, "format=csv;header=true"), ARENA_UNLIMITED);
    Batch *b[1];
    assert_int_equal(scan_all(&s, b, 1), WEIR_OK);
    assert_int_equal(s.n_rows, 0);
    scan_fini(&s);
}

/* ---------------------------------------------------------------------------- through the engine */

/* These go through op_scan.c, which hands file tables to reftable_open/next/close, and the binder. */

/* Rows as text, or "ERROR <sqlstate>: <message>" (engine_fixture.h). */
static char *run(SqlSession *s, const char *q)
{
    return ef_query(s, q, NULL, 0, EF_NO_POSITION);
}

static void test_engine(void **state)
{
    UNUSED(state);
    const char *csv = write_str("plans.csv", "name,plan,id\nAda,pro,1\nGrace,free,2\nLinus,pro,3\n");
    const char *json =
        write_str("plans.json", "[{\"plan\": \"pro\", \"price\": 20.5}, {\"plan\": \"free\", \"price\": 0}]");
    SqlEngine *eng = NULL;
    SqlSession *s = ef_session_open_as(NULL, &eng, "test", "weir");
    char q[1024];
    snprintf(q, sizeof(q),
             "CREATE TABLE users (id bigint, name text, plan text) WITH (file = '%s', format = 'csv', header "
             "= true)",
             csv);
    assert_string_equal(run(s, q), "");
    snprintf(q, sizeof(q), "CREATE TABLE prices (plan text, price numeric(6,2)) WITH (file = '%s')", json);
    assert_string_equal(run(s, q), "");
    assert_string_equal(run(s, "SELECT id, name, plan FROM users WHERE plan = 'pro' ORDER BY id"),
                        "1|Ada|pro\n3|Linus|pro\n");
    assert_string_equal(run(s, "SELECT plan, count(*) FROM users GROUP BY plan ORDER BY plan"),
                        "free|1\npro|2\n");
    assert_string_equal(run(s, "SELECT plan, price FROM prices ORDER BY price"), "free|0.00\npro|20.50\n");
    assert_string_equal(run(s, "SELECT _message, _message_length, _shard_id IS NULL, _arrival_time IS NULL "
                               "FROM users WHERE id = 2"),
                        "Grace,free,2|12|t|t\n");
    assert_string_equal(run(s, "SELECT count(*) FROM prices WHERE _message_valid"), "2\n");
    assert_string_equal(run(s, "SELECT name FROM users WHERE id > 1 AND plan <> 'free'"), "Linus\n");
    assert_string_equal(run(s, "SELECT count(*) FROM users WHERE _shard_id = 'shardId-000000000000'"), "0\n");
    /* the file is read at each query: a change shows in the next one */
    write_str("plans.csv", "name,plan,id\nAda,pro,1\n");
    assert_string_equal(run(s, "SELECT count(*) FROM users"), "1\n");
    unlink(csv);
    snprintf(q, sizeof(q), "ERROR 58P01: could not open file \"%s\" for reading: No such file or directory",
             csv);
    assert_string_equal(run(s, "SELECT * FROM users"), q);
    assert_string_equal(run(s, "CREATE TABLE rel (a int) WITH (file = 'x.csv', format = 'csv')"),
                        "ERROR 22023: option \"file\" must be an absolute path, not \"x.csv\"");
    ef_session_close(&s, &eng);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_header),
        cmocka_unit_test(test_csv_by_position),
        cmocka_unit_test(test_csv_header_missing_column),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_json_array),
        cmocka_unit_test(test_json_array_split),
        cmocka_unit_test(test_json_array_malformed_file),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_many_rows),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_relative_path),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_engine),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
