/*
 * test_tabledesc.c: unit tests of src/exec/tabledesc.c (weir server --table-descriptions) over an in-memory
 * catalog: tables added from a directory, left alone when unchanged, replaced when a file changes, dropped
 * when their file goes; bad files, duplicates and a name taken by a CREATE TABLE table each reported, with
 * nothing changed; a missing directory.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/tabledesc.h"

static char g_dir[256];
static SqlEngine *g_eng;
static char g_lines[8][1024];
static int g_n_lines;

static int setup(void **state)
{
    UNUSED(state);
    snprintf(g_dir, sizeof(g_dir), "/tmp/weir-tabledesc-XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    SqlEngineConfig cfg = {.store = NULL, .data_dir = NULL};
    Err e;
    err_clear(&e);
    return sql_engine_create(&cfg, &g_eng, &e) ? -1 : 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    sql_engine_destroy(&g_eng);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void del(const char *name)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    assert_int_equal(unlink(p), 0);
}

static void on_report(void *arg, const char *line)
{
    UNUSED(arg);
    if (g_n_lines < 8)
        snprintf(g_lines[g_n_lines], sizeof(g_lines[0]), "%s", line);
    g_n_lines++;
}

/* Sync; returns the rc, with the counts in *c and the report lines in g_lines. */
static int sync_dir(const char *dir, TableDescCounts *c, Err *e)
{
    g_n_lines = 0;
    err_clear(e);
    return tabledesc_sync(g_eng, dir, on_report, NULL, c, e);
}

/* The table's column names joined by ',' ("" when it does not exist), and its oid in *oid. */
static const char *cols(const char *table, uint32_t *oid)
{
    static char out[256];
    out[0] = '\0';
    CatalogTable *t = sql_catalog_get(g_eng->catalog, table);
    if (!t)
        return out;
    for (uint32_t i = 0; i < t->def->n_cols; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "", t->def->cols[i].name);
    if (oid)
        *oid = t->oid;
    sql_catalog_unref(g_eng->catalog, t);
    return out;
}

#define DESC(table, fields)                                                                                  \
    "{\"tableName\": \"" table "\", \"streamName\": \"s_" table                                              \
    "\", \"message\": {\"dataFormat\": \"json\", "                                                           \
    "\"fields\": [" fields "]}}"
#define F(name, type, mapping)                                                                               \
    "{\"name\": \"" name "\", \"type\": \"" type "\", \"mapping\": \"" mapping "\"}"

static void test_sync(void **state)
{
    UNUSED(state);
    TableDescCounts c;
    Err e;
    put("a.json", DESC("alpha", F("id", "BIGINT", "body/id") "," F("day", "DATE", "body/day")));
    put("b.json", DESC("Beta", F("x", "VARCHAR", "x")));
    put("notes.txt", "not a description");
    put(".hidden.json", "{");
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_OK);
    assert_int_equal(c.files, 2);
    assert_int_equal(c.added, 2);
    uint32_t oid_a = 0, oid_b = 0;
    assert_string_equal(cols("alpha", &oid_a), "id,day");
    assert_string_equal(cols("beta", &oid_b), "x"); /* names fold to lower case */
    /* again: nothing changes, the oids stay */
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_OK);
    assert_int_equal(c.unchanged, 2);
    assert_int_equal(c.added + c.replaced + c.dropped, 0);
    uint32_t oid = 0;
    cols("alpha", &oid);
    assert_int_equal(oid, oid_a);
    /* a changed file replaces its table; a removed one drops it; a new one adds */
    put("a.json", DESC("alpha", F("id", "BIGINT", "body/id") "," F("day", "DATE", "body/day") "," F(
                                    "name", "VARCHAR", "body/name")));
    del("b.json");
    put("c.json", DESC("gamma", F("g", "INTEGER", "g")));
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_OK);
    assert_int_equal(c.files, 2);
    assert_int_equal(c.replaced, 1);
    assert_int_equal(c.dropped, 1);
    assert_int_equal(c.added, 1);
    assert_string_equal(cols("alpha", NULL), "id,day,name");
    assert_string_equal(cols("beta", NULL), "");
    assert_string_equal(cols("gamma", NULL), "g");
    /* a file that now names another table: the old name goes */
    put("c.json", DESC("delta", F("g", "INTEGER", "g")));
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_OK);
    assert_string_equal(cols("gamma", NULL), "");
    assert_string_equal(cols("delta", NULL), "g");
    del("c.json");
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_OK);
    assert_string_equal(cols("delta", NULL), "");
}

static void test_problems(void **state)
{
    UNUSED(state);
    TableDescCounts c;
    Err e;
    /* the directory as test_sync left it: alpha only */
    put("a.json", DESC("alpha", F("id", "BIGINT", "body/id")));
    put("m.json", DESC("maps", F("kv", "MAP(VARCHAR, BIGINT)", "kv")));
    put("t.json", "{\"tableName\": ");
    put("z.json", DESC("ALPHA", F("y", "BIGINT", "y")));
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_EPARSE);
    assert_int_equal(g_n_lines, 3);
    assert_non_null(strstr(g_lines[0], "m.json"));
    assert_non_null(strstr(g_lines[0], "MAP"));
    assert_non_null(strstr(g_lines[1], "t.json"));
    assert_non_null(strstr(g_lines[2], "z.json: table \"alpha\" is already defined by"));
    assert_non_null(strstr(g_lines[2], "a.json"));
    assert_non_null(strstr(e.msg, "3 problems"));
    assert_non_null(strstr(e.msg, "nothing was loaded"));
    /* nothing changed: alpha still has its columns from before */
    assert_string_equal(cols("alpha", NULL), "id,day,name");
    assert_string_equal(cols("maps", NULL), "");
    del("m.json");
    del("t.json");
    del("z.json");

    /* a table of the same name made with CREATE TABLE is a conflict, and stays */
    put("o.json", DESC("other", F("v", "BIGINT", "v")));
    TableColumnSpec col = {.name = "q", .type = SQL_TYPE(SQL_INT4), .position = 0};
    TableOption opt = {.key = "stream", .value = "elsewhere", .position = 0};
    TableDef *td = NULL;
    SqlError se;
    memset(&se, 0, sizeof(se));
    assert_int_equal(tabledef_build("other", &col, 1, &opt, 1, &td, &se), WEIR_OK);
    int created = 0;
    assert_int_equal(sql_catalog_add(g_eng->catalog, td, 0, &created, &se), WEIR_OK);
    assert_int_equal(sync_dir(g_dir, &c, &e), WEIR_EPARSE);
    assert_int_equal(g_n_lines, 1);
    assert_non_null(
        strstr(g_lines[0], "table \"other\" already exists in the catalog (made with CREATE TABLE)"));
    assert_string_equal(cols("other", NULL), "q");
    del("o.json");

    /* not a directory, or none */
    char p[512];
    snprintf(p, sizeof(p), "%s/nope", g_dir);
    assert_int_equal(sync_dir(p, &c, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "No such file or directory"));
    put("file.json", "{}");
    snprintf(p, sizeof(p), "%s/file.json", g_dir);
    assert_int_equal(sync_dir(p, &c, &e), WEIR_EIO);
    assert_non_null(strstr(e.msg, "is not a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync),
        cmocka_unit_test(test_problems),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
