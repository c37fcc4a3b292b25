/*
 * test_bind_copy.c: unit tests of src/exec/bind_copy.c (COPY ... TO checked by the engine) and of the
 * engine's side of running it (engine.c's hook call, sql_stmt_copy_out), with a fake writer registered
 * in place of sink/copy.c that records what it was asked:
 *
 *   - without a writer: 0A000;
 *   - the query's text as written between COPY's parentheses (parentheses inside strings and comments
 *     do not end it), COPY table [(columns)] as a SELECT with quoted names, the column count;
 *   - options and their defaults per format (PostgreSQL's: text tab and \N, csv comma, empty NULL, quote
 *     and escape "), DuckDB's names (CODEC, ROW_GROUP_SIZE, ROW_GROUP_SIZE_BYTES '64MB'), FORMAT and
 *     COMPRESSION from the file name (.parquet, .csv.gz, .jsonl.zst), the old syntax (CSV HEADER);
 *   - TO STDOUT: no path, sql_stmt_copy_out gives the column count, the writer's lines reach the
 *     portal's consumer, and the tag is "COPY n";
 *   - every refusal with PostgreSQL's SQLSTATE (and the position where PostgreSQL gives one).
 */
#include "exec/engine_fixture.h"

static struct {
    int calls;
    SqlCopyTo c; /* strings below */
    char path[256], query[1024], null_str[32], compression[16];
    int had_path;
} g_seen;

static int fake_copy_to(void *arg, SqlSession *s, const SqlCopyTo *c, uint64_t *rows, SqlError *err)
{
    (void)arg, (void)s, (void)err;
    g_seen.calls++;
    g_seen.c = *c;
    g_seen.had_path = c->path != NULL;
    snprintf(g_seen.path, sizeof(g_seen.path), "%s", c->path ? c->path : "");
    snprintf(g_seen.query, sizeof(g_seen.query), "%s", c->query);
    snprintf(g_seen.null_str, sizeof(g_seen.null_str), "%s", c->null_str);
    snprintf(g_seen.compression, sizeof(g_seen.compression), "%s", c->compression ? c->compression : "");
    if (!c->path) {
        /* TO STDOUT: two lines to the consumer */
        Arena *a = arena_create(NULL, 1 << 20);
        SqlType t = SQL_TYPE(SQL_TEXT);
        Batch *b = batch_create(a, &t, 1);
        b->cols[0].u.s[0] = SLICE_LIT("a,b");
        b->cols[0].u.s[1] = SLICE_LIT("1,2");
        b->n = 2;
        int rc = c->out_fn(c->out_arg, b);
        arena_destroy(&a);
        if (rc)
            return WEIR_ERROR;
    }
    *rows = 7;
    return WEIR_OK;
}

static SqlEngine *g_eng;
static SqlSession *g_sess;

/* Run q; the tag (or the error as ef_run writes it) in a static buffer. */
static const char *run_tag(const char *q)
{
    static char res[1024];
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    SqlPortal *p = NULL;
    EfOut o = {.s = g_sess};
    buf_init(&o.text, 0);
    int done = 0;
    memset(&g_seen, 0, sizeof(g_seen));
    if (sql_prepare(g_sess, q, 0, strlen(q), NULL, 0, &st, &err) || sql_bind(st, NULL, 0, &p, &err) ||
        sql_portal_fetch(p, 0, ef_collect, &o, &done, &err))
        snprintf(res, sizeof(res), "ERROR %s %d: %s", err.sqlstate, err.position, err.message);
    else
        snprintf(res, sizeof(res), "%s|%.*s", sql_portal_command_tag(p), (int)o.text.len,
                 o.text.p ? (const char *)o.text.p : "");
    buf_fini(&o.text);
    sql_portal_destroy(&p);
    sql_stmt_destroy(&st);
    return res;
}

static void test_without_writer(void **state)
{
    (void)state;
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/tmp/x.csv'"),
                        "ERROR 0A000 0: COPY TO needs the server's delivery layer (weir server)");
    sql_engine_set_copy_to(g_eng, fake_copy_to, NULL);
}

static void test_query_text(void **state)
{
    (void)state;
    assert_string_equal(run_tag("COPY ( SELECT 1 AS a, ')' AS \"b)\" /* ) */ ) TO '/d/x.csv' ;"), "COPY 7|");
    assert_int_equal(g_seen.calls, 1);
    assert_string_equal(g_seen.query, " SELECT 1 AS a, ')' AS \"b)\" /* ) */ ");
    assert_int_equal(g_seen.c.n_cols, 2);
    assert_string_equal(g_seen.path, "/d/x.csv");
    assert_int_equal(g_seen.c.format, SQL_COPY_CSV);
    assert_string_equal(run_tag("COPY pg_namespace (nspname, oid) TO '/d/ns'"), "COPY 7|");
    assert_string_equal(g_seen.query, "SELECT \"nspname\", \"oid\" FROM \"pg_namespace\"");
    assert_int_equal(g_seen.c.n_cols, 2);
    assert_int_equal(g_seen.c.format, SQL_COPY_TEXT);
    assert_string_equal(run_tag("COPY pg_catalog.pg_namespace TO '/d/ns'"), "COPY 7|");
    assert_string_equal(g_seen.query, "SELECT * FROM \"pg_catalog\".\"pg_namespace\"");
    assert_true(g_seen.c.n_cols >= 3);
}

static void test_options(void **state)
{
    (void)state;
    /* PostgreSQL's text defaults */
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x'"), "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_TEXT);
    assert_int_equal(g_seen.c.delimiter, '\t');
    assert_string_equal(g_seen.null_str, "\\N");
    assert_string_equal(g_seen.compression, "");
    /* CSV defaults and options */
    assert_string_equal(
        run_tag("COPY (SELECT 1) TO '/d/x' WITH (FORMAT csv, HEADER, DELIMITER ';', NULL 'NA', "
                "QUOTE '''', FORCE_QUOTE *)"),
        "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_CSV);
    assert_int_equal(g_seen.c.header, 1);
    assert_int_equal(g_seen.c.delimiter, ';');
    assert_string_equal(g_seen.null_str, "NA");
    assert_int_equal(g_seen.c.quote, '\'');
    assert_int_equal(g_seen.c.escape, '\'');
    assert_int_equal(g_seen.c.force_quote_all, 1);
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x' (FORMAT csv)"), "COPY 7|");
    assert_int_equal(g_seen.c.delimiter, ',');
    assert_string_equal(g_seen.null_str, "");
    assert_int_equal(g_seen.c.quote, '"');
    assert_int_equal(g_seen.c.header, 0);
    /* the old spelling */
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x' CSV HEADER"), "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_CSV);
    assert_int_equal(g_seen.c.header, 1);
    /* DuckDB's names and inference from the file name */
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x.parquet' (CODEC 'ZSTD', ROW_GROUP_SIZE 5000, "
                                "ROW_GROUP_SIZE_BYTES '64MB')"),
                        "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_PARQUET);
    assert_string_equal(g_seen.compression, "zstd");
    assert_int_equal(g_seen.c.row_group_rows, 5000);
    assert_int_equal(g_seen.c.row_group_bytes, 64 << 20);
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x.csv.gz'"), "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_CSV);
    assert_string_equal(g_seen.compression, "gzip");
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x.jsonl.zst'"), "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_JSON);
    assert_string_equal(g_seen.compression, "zstd");
    /* FORMAT wins over the name; COMPRESSION none over .gz */
    assert_string_equal(run_tag("COPY (SELECT 1) TO '/d/x.parquet.gz' (FORMAT json, COMPRESSION none)"),
                        "COPY 7|");
    assert_int_equal(g_seen.c.format, SQL_COPY_JSON);
    assert_string_equal(g_seen.compression, "none");
}

static void test_stdout(void **state)
{
    (void)state;
    SqlError err;
    memset(&err, 0, sizeof(err));
    SqlStmt *st = NULL;
    const char *q = "COPY (SELECT 1 AS a, 2 AS b, 3 AS c) TO STDOUT (FORMAT csv)";
    assert_int_equal(sql_prepare(g_sess, q, 0, strlen(q), NULL, 0, &st, &err), 0);
    assert_int_equal(sql_stmt_copy_out(st), 3);
    assert_int_equal(sql_stmt_returns_rows(st), 0);
    sql_stmt_destroy(&st);
    q = "COPY (SELECT 1) TO '/d/x'";
    assert_int_equal(sql_prepare(g_sess, q, 0, strlen(q), NULL, 0, &st, &err), 0);
    assert_int_equal(sql_stmt_copy_out(st), -1);
    sql_stmt_destroy(&st);
    q = "SELECT 1";
    assert_int_equal(sql_prepare(g_sess, q, 0, strlen(q), NULL, 0, &st, &err), 0);
    assert_int_equal(sql_stmt_copy_out(st), -1);
    sql_stmt_destroy(&st);
    /* the writer's lines reach the consumer; the tag counts what the writer said */
    assert_string_equal(run_tag("COPY (SELECT 1 AS a, 2 AS b) TO STDOUT WITH (FORMAT csv, HEADER)"),
                        "COPY 7|a,b\n1,2\n");
    assert_int_equal(g_seen.had_path, 0);
    assert_int_equal(g_seen.c.header, 1);
}

static void test_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *want;
    } cases[] = {
        {"COPY (SELECT 1) TO 'rel.csv'", "ERROR 42602 0: relative path not allowed for COPY to file"},
        {"COPY pg_class FROM '/d/x'", "ERROR 0A000 0:"},
        {"COPY pg_class FROM STDIN", "ERROR 0A000 0:"},
        {"COPY (SELECT 1) TO PROGRAM 'cat'", "ERROR 0A000 0: COPY TO PROGRAM is not supported"},
        {"COPY (SELECT 1) TO '/d/x' (FORMAT xml)", "ERROR 22023 28: COPY format \"xml\" not recognized"},
        {"COPY (SELECT 1) TO '/d/x' (FORMAT binary)", "ERROR 0A000 28:"},
        {"COPY (SELECT 1) TO '/d/x' (bogus 1)", "ERROR 42601 28: option \"bogus\" not recognized"},
        {"COPY (SELECT 1) TO '/d/x' (FORMAT csv, format text)",
         "ERROR 42601 40: conflicting or redundant options"},
        {"COPY (SELECT 1) TO '/d/x' (DELIMITER ';;')",
         "ERROR 0A000 28: COPY delimiter must be a single one-byte character"},
        {"COPY (SELECT 1) TO '/d/x' (FORMAT csv, DELIMITER '\"')",
         "ERROR 22023 0: COPY delimiter and quote must be different"},
        {"COPY (SELECT 1) TO '/d/x' (QUOTE '\"')", "ERROR 0A000 0: COPY quote available only in CSV mode"},
        {"COPY (SELECT 1) TO '/d/x' (FORCE_QUOTE (a))", "ERROR 0A000 28:"},
        {"COPY (SELECT 1) TO '/d/x.parquet' (HEADER)", "ERROR 0A000 0:"},
        {"COPY (SELECT 1) TO '/d/x.csv' (ROW_GROUP_SIZE 10)", "ERROR 0A000 0:"},
        {"COPY (SELECT 1) TO '/d/x.parquet' (ROW_GROUP_SIZE 0)", "ERROR 22023 36:"},
        {"COPY (SELECT 1) TO '/d/x.csv' (COMPRESSION snappy)", "ERROR 0A000 0:"},
        {"COPY (SELECT 1) TO '/d/x.csv' (COMPRESSION lz4)", "ERROR 22023 32:"},
        {"COPY (SELECT 1) TO '/d/x' (ENCODING 'LATIN1')", "ERROR 0A000 28:"},
        {"COPY (SELECT 1) TO STDOUT (FORMAT parquet)", "ERROR 0A000 0:"},
        {"COPY (SELECT 1) TO STDOUT (COMPRESSION gzip)", "ERROR 0A000 0:"},
        {"COPY (SELECT nosuch) TO '/d/x'", "ERROR 42703 14: column \"nosuch\" does not exist"},
        {"COPY nosuch TO '/d/x'", "ERROR 42P01 0: relation \"nosuch\" does not exist"},
        {"COPY pg_class (nosuch) TO '/d/x'", "ERROR 42703 0: column \"nosuch\" does not exist"},
        {"COPY (SELECT $1::int) TO '/d/x'", "ERROR 0A000 0: parameters in COPY are not supported"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = run_tag(cases[i].sql);
        if (strncmp(got, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("%s\n  got:  %s\n  want: %s...", cases[i].sql, got, cases[i].want);
        assert_int_equal(g_seen.calls, 0);
    }
    /* the session goes on */
    assert_string_equal(ef_run(g_sess, "SELECT 1"), "1\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_without_writer), cmocka_unit_test(test_query_text),
        cmocka_unit_test(test_options),        cmocka_unit_test(test_stdout),
        cmocka_unit_test(test_refusals),
    };
    return ef_run_group_tests(tests, &g_eng, &g_sess);
}
