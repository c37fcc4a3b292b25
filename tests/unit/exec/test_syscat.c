/*
 * test_syscat.c: unit tests of src/exec/syscat.c: the system tables opened as OP_SYSTAB operators over an
 * engine with one table (so they do not depend on the binder), the reg* name resolver a session gets,
 * and, through the engine, the SQL clients send (casts to regclass, to_regclass, col_description and
 * catalog queries). Expected values are PostgreSQL 15's for the same table (CREATE TABLE clicks (user_id
 * bigint, url text, price numeric(10,2), name varchar(20))), except where weir differs on purpose
 * (docs/internals/syscat.md): relam 0, hidden columns at attnum -1..-7, no composite row types.
 */
#include "engine_fixture.h"

#include "exec/catalog.h"
#include "exec/exec_int.h"
#include "exec/op.h"
#include "exec/syscat.h"
#include "sql/tabledef.h"

static SqlEngine *eng;
static SqlSession *sess;
static uint32_t clicks_oid;

/* Every row of schema.name as "v1|v2|...\n" lines (NULL as \N), opened as the binder plans it. Returns a
 * static buffer, or "ERROR <sqlstate>: <message>". */
static const char *fetch(const char *schema, const char *name, size_t *n_rows)
{
    static char res[1 << 20];
    const SysTableDef *def = syscat_find(schema, name);
    assert_non_null(def);
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlError err;
    memset(&err, 0, sizeof(err));
    SysTabSpec spec = {.def = def, .eng = eng, .sess = sess};
    Op op;
    memset(&op, 0, sizeof(op));
    op.kind = OP_SYSTAB;
    op.n_cols = def->n_cols;
    op.types = (SqlType *)def->col_types;
    op.spec = &spec;
    ExecCtx ctx = {
        .arena = a, .fmt = &sess->fmt, .err = &err, .eng = eng, .session_user = "alice", .database = "shop"};
    Buf out;
    buf_init(&out, 0);
    size_t rows = 0;
    int rc = op_open(&op, &ctx);
    Batch *b = NULL;
    while (rc == WEIR_OK && (rc = op_next(&op, &ctx, &b)) == WEIR_OK && b) {
        for (uint32_t r = 0; r < b->n; r++, rows++) {
            for (uint32_t c = 0; c < b->n_cols; c++) {
                if (c)
                    assert_int_equal(buf_append(&out, "|", 1), 0);
                SqlValue v;
                vec_get(&b->cols[c], r, &v);
                if (v.is_null)
                    assert_int_equal(buf_append(&out, "\\N", 2), 0);
                else
                    assert_int_equal(sql_value_to_text(&v, &sess->fmt, &out), 0);
            }
            assert_int_equal(buf_append(&out, "\n", 1), 0);
        }
    }
    op_close(&op);
    if (rc)
        snprintf(res, sizeof(res), "ERROR %s: %s", err.sqlstate, err.message);
    else
        snprintf(res, sizeof(res), "%.*s", (int)out.len, out.p ? (const char *)out.p : "");
    buf_fini(&out);
    arena_destroy(&a);
    if (n_rows)
        *n_rows = rows;
    return res;
}

/* The line of text starting with prefix (copied), or fail. */
static const char *line_with(const char *text, const char *prefix)
{
    static char line[4096];
    const char *p = text;
    size_t n = strlen(prefix);
    while (p && *p) {
        if (strncmp(p, prefix, n) == 0) {
            const char *e = strchr(p, '\n');
            snprintf(line, sizeof(line), "%.*s", (int)(e ? e - p : (ptrdiff_t)strlen(p)), p);
            return line;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    fail_msg("no line starting with \"%s\" in:\n%.2000s", prefix, text);
    return NULL;
}

/* Run one statement through the engine; rows as "a|b\n", or "ERROR <sqlstate>: <message>". */
static const char *run(const char *q)
{
    return ef_query(sess, q, NULL, 0, EF_NO_POSITION);
}

static int setup(void **state)
{
    (void)state;
    sess = ef_session_open_as(NULL, &eng, "alice", "shop");
    /* CREATE TABLE clicks (...) WITH (stream = 'clicks', url.comment = 'the page') */
    TableColumnSpec cols[] = {{"user_id", SQL_TYPE(SQL_INT8), 0},
                              {"url", SQL_TYPE(SQL_TEXT), 0},
                              {"price", {SQL_NUMERIC, ((10 << 16) | 2) + 4}, 0},
                              {"name", {SQL_VARCHAR, 20 + 4}, 0}};
    TableOption opts[] = {{"stream", "clicks", 0}, {"url.comment", "the page", 0}};
    TableDef *td = NULL;
    SqlError err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(tabledef_build("clicks", cols, 4, opts, 2, &td, &err), 0);
    int created = 0;
    assert_int_equal(sql_catalog_add(eng->catalog, td, 0, &created, &err), 0);
    assert_int_equal(created, 1);
    CatalogTable *t = sql_catalog_get(eng->catalog, "clicks");
    assert_non_null(t);
    clicks_oid = t->oid;
    sql_catalog_unref(eng->catalog, t);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ef_session_close(&sess, &eng);
    return 0;
}

static void test_find(void **state)
{
    (void)state;
    const SysTableDef *d = syscat_find("pg_catalog", "pg_class");
    assert_non_null(d);
    assert_int_equal(d->oid, 1259);
    assert_int_equal(d->n_cols, 33); /* PostgreSQL 15's pg_class */
    assert_string_equal(d->col_names[0], "oid");
    assert_string_equal(d->col_names[32], "relpartbound");
    /* no schema: pg_catalog only */
    assert_ptr_equal(syscat_find(NULL, "pg_class"), d);
    assert_null(syscat_find(NULL, "tables"));
    assert_non_null(syscat_find("information_schema", "tables"));
    assert_null(syscat_find("information_schema", "pg_class"));
    assert_null(syscat_find("pg_catalog", "clicks"));
    assert_null(syscat_find("public", "pg_class"));
}

/* Every system table opens, makes rows of exactly its columns, and is listed in pg_class. */
static void test_every_table(void **state)
{
    (void)state;
    size_t n_class;
    char *classes = strdup(fetch("pg_catalog", "pg_class", &n_class)); /* fetch's buffer is reused below */
    assert_true(strncmp(classes, "ERROR", 5) != 0);
    size_t n_sys = 0;
    /* walk pg_class: oid|relname|relnamespace|...; system relations are in namespaces 11 and 13207 */
    const char *p = classes;
    while (*p) {
        unsigned oid = 0, nsp = 0;
        char name[128];
        assert_int_equal(sscanf(p, "%u|%127[^|]|%u|", &oid, name, &nsp), 3);
        if (nsp == 11 || nsp == 13207) {
            const SysTableDef *d = syscat_find(nsp == 11 ? "pg_catalog" : "information_schema", name);
            assert_non_null(d);
            assert_int_equal(d->oid, oid);
            size_t rows;
            const char *r = fetch(d->schema, d->name, &rows);
            if (strncmp(r, "ERROR", 5) == 0)
                fail_msg("%s.%s: %s", d->schema, d->name, r);
            n_sys++;
        } else {
            assert_int_equal(nsp, 2200);
            assert_string_equal(name, "clicks");
        }
        p = strchr(p, '\n') + 1;
    }
    free(classes);
    assert_int_equal(n_class, n_sys + 1);
    assert_true(n_sys >= 40);
}

static void test_relations(void **state)
{
    (void)state;
    const char *classes = fetch("pg_catalog", "pg_class", NULL);
    char want[256];
    /* oid|relname|relnamespace|reltype|reloftype|relowner|relam|relfilenode|reltablespace|relpages|reltuples|
     * relallvisible|reltoastrelid|relhasindex|relisshared|relpersistence|relkind|relnatts|relchecks|... */
    snprintf(want, sizeof(want),
             "%u|clicks|2200|0|0|10|0|0|0|0|-1|0|0|f|f|p|r|4|0|f|f|f|f|f|t|d|f|0|0|0|\\N|\\N|\\N",
             clicks_oid);
    char prefix[32];
    snprintf(prefix, sizeof(prefix), "%u|", clicks_oid);
    assert_string_equal(line_with(classes, prefix), want);
    assert_string_equal(
        line_with(classes, "12000|"),
        "12000|pg_roles|11|0|0|10|0|0|0|0|-1|0|0|f|f|p|v|13|0|t|f|f|f|f|t|n|f|0|0|0|\\N|\\N|\\N");
    assert_string_equal(
        line_with(classes, "1262|"),
        "1262|pg_database|11|0|0|10|0|0|0|0|-1|0|0|f|t|p|r|16|0|f|f|f|f|f|t|n|f|0|0|0|\\N|\\N|\\N");

    /* pg_attribute: PostgreSQL's rows for the data columns; the hidden columns at -1..-7 */
    const char *atts = fetch("pg_catalog", "pg_attribute", NULL);
    snprintf(prefix, sizeof(prefix), "%u|url|", clicks_oid);
    /* attrelid|attname|atttypid|attstattarget|attlen|attnum|attndims|attcacheoff|atttypmod|attbyval|attalign|
     * attstorage|attcompression|attnotnull|atthasdef|atthasmissing|attidentity|attgenerated|attisdropped|
     * attislocal|attinhcount|attcollation|attacl|attoptions|attfdwoptions|attmissingval */
    snprintf(want, sizeof(want), "%u|url|25|-1|-1|2|0|-1|-1|f|i|x||f|f|f|||f|t|0|100|\\N|\\N|\\N|\\N",
             clicks_oid);
    assert_string_equal(line_with(atts, prefix), want);
    snprintf(prefix, sizeof(prefix), "%u|price|", clicks_oid);
    snprintf(want, sizeof(want), "%u|price|1700|-1|-1|3|0|-1|655366|f|i|m||f|f|f|||f|t|0|0|\\N|\\N|\\N|\\N",
             clicks_oid);
    assert_string_equal(line_with(atts, prefix), want);
    snprintf(prefix, sizeof(prefix), "%u|name|", clicks_oid);
    snprintf(want, sizeof(want), "%u|name|1043|-1|-1|4|0|-1|24|f|i|x||f|f|f|||f|t|0|100|\\N|\\N|\\N|\\N",
             clicks_oid);
    assert_string_equal(line_with(atts, prefix), want);
    snprintf(prefix, sizeof(prefix), "%u|user_id|", clicks_oid);
    snprintf(want, sizeof(want), "%u|user_id|20|-1|8|1|0|-1|-1|t|d|p||f|f|f|||f|t|0|0|\\N|\\N|\\N|\\N",
             clicks_oid);
    assert_string_equal(line_with(atts, prefix), want);
    snprintf(prefix, sizeof(prefix), "%u|_arrival_time|", clicks_oid);
    snprintf(want, sizeof(want),
             "%u|_arrival_time|1184|0|8|-4|0|-1|-1|t|d|p||f|f|f|||f|t|0|0|\\N|\\N|\\N|\\N", clicks_oid);
    assert_string_equal(line_with(atts, prefix), want);
    /* a system table's own columns: pg_class.relname */
    assert_string_equal(line_with(atts, "1259|relname|"),
                        "1259|relname|19|-1|64|2|0|-1|-1|f|c|p||f|f|f|||f|t|0|950|\\N|\\N|\\N|\\N");

    /* the comment of a Trino description file column */
    snprintf(want, sizeof(want), "%u|1259|2|the page\n", clicks_oid);
    assert_string_equal(fetch("pg_catalog", "pg_description", NULL), want);

    /* pg_tables and information_schema */
    assert_string_equal(line_with(fetch("pg_catalog", "pg_tables", NULL), "public|"),
                        "public|clicks|alice|\\N|f|f|f|f");
    assert_string_equal(line_with(fetch("information_schema", "tables", NULL), "shop|public|"),
                        "shop|public|clicks|BASE TABLE|\\N|\\N|\\N|\\N|\\N|NO|NO|\\N");
    const char *cols = fetch("information_schema", "columns", NULL);
    /* select * from information_schema.columns where table_name = 'clicks' (PostgreSQL 15, but is_updatable
     * NO: weir has no UPDATE) */
    assert_string_equal(
        line_with(cols, "shop|public|clicks|user_id|"),
        "shop|public|clicks|user_id|1|\\N|YES|bigint|\\N|\\N|64|2|0|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|"
        "\\N|\\N|\\N|shop|pg_catalog|int8|\\N|\\N|\\N|\\N|1|NO|NO|\\N|\\N|\\N|\\N|\\N|NO|NEVER|\\N|NO");
    assert_string_equal(
        line_with(cols, "shop|public|clicks|price|"),
        "shop|public|clicks|price|3|\\N|YES|numeric|\\N|\\N|10|10|2|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|"
        "\\N|\\N|\\N|shop|pg_catalog|numeric|\\N|\\N|\\N|\\N|3|NO|NO|\\N|\\N|\\N|\\N|\\N|NO|NEVER|\\N|NO");
    assert_string_equal(
        line_with(cols, "shop|public|clicks|name|"),
        "shop|public|clicks|name|4|\\N|YES|character varying|20|80|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|"
        "\\N|\\N|\\N|\\N|\\N|\\N|shop|pg_catalog|varchar|\\N|\\N|\\N|\\N|4|NO|NO|\\N|\\N|\\N|\\N|\\N|NO|"
        "NEVER|\\N|NO");
    assert_string_equal(
        line_with(cols, "shop|pg_catalog|pg_class|relname|"),
        "shop|pg_catalog|pg_class|relname|2|\\N|YES|name|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|\\N|"
        "shop|pg_catalog|C|\\N|\\N|\\N|shop|pg_catalog|name|\\N|\\N|\\N|\\N|2|NO|NO|\\N|\\N|\\N|\\N|"
        "\\N|NO|NEVER|\\N|NO");
}

static void test_types_and_functions(void **state)
{
    (void)state;
    const char *types = fetch("pg_catalog", "pg_type", NULL);
    /* select * from pg_type where oid in (23, 1007, 1043, 19) (PostgreSQL 15; typnamespace 11, owner 10) */
    assert_string_equal(
        line_with(types, "23|"),
        "23|int4|11|10|4|t|b|N|f|t|,|0|-|0|1007|int4in|int4out|int4recv|int4send|-|-|-|i|p|f|0|-1|0|0|"
        "\\N|\\N|\\N");
    assert_string_equal(
        line_with(types, "1007|"),
        "1007|_int4|11|10|-1|f|b|A|f|t|,|0|array_subscript_handler|23|0|array_in|array_out|array_recv|"
        "array_send|-|-|array_typanalyze|i|x|f|0|-1|0|0|\\N|\\N|\\N");
    assert_string_equal(
        line_with(types, "1043|"),
        "1043|varchar|11|10|-1|f|b|S|f|t|,|0|-|0|1015|varcharin|varcharout|varcharrecv|varcharsend|"
        "varchartypmodin|varchartypmodout|-|i|x|f|0|-1|0|100|\\N|\\N|\\N");
    assert_string_equal(
        line_with(types, "19|"),
        "19|name|11|10|64|f|b|S|f|t|,|0|raw_array_subscript_handler|18|1003|namein|nameout|namerecv|"
        "namesend|-|-|-|c|p|f|0|-1|0|950|\\N|\\N|\\N");
    assert_string_equal(
        line_with(types, "2283|"),
        "2283|anyelement|11|10|4|t|p|P|f|t|,|0|-|0|0|anyelement_in|anyelement_out|-|-|-|-|-|i|p|f|0|-1|"
        "0|0|\\N|\\N|\\N");
    /* every type weir has, and its array */
    for (int id = 0; id < SQL_N_TYPES; id++) {
        const SqlTypeInfo *ti = sql_type_info((SqlTypeId)id);
        char prefix[32];
        snprintf(prefix, sizeof(prefix), "%u|%s|", ti->oid, ti->typname);
        line_with(types, prefix);
        if (ti->array_oid) {
            snprintf(prefix, sizeof(prefix), "%u|_%s|", ti->array_oid, ti->typname);
            line_with(types, prefix);
        }
    }
    const char *procs = fetch("pg_catalog", "pg_proc", NULL);
    /* select oid, proname, ..., prorettype, proargtypes from pg_proc where oid = 870 (lower(text));
     * proargtypes is an oidvector ("25", space-separated) */
    assert_string_equal(
        line_with(procs, "870|"),
        "870|lower|11|10|12|1|0|0|-|f|f|f|t|f|i|s|1|0|25|25|\\N|\\N|\\N|\\N|\\N|lower|\\N|\\N|\\N|\\N");
    /* names, defaults and the modes of a VARIADIC function, as PostgreSQL 15 lists them: make_interval
     * (3464), concat_ws (3059), jsonb_extract_path_text (3940) */
    assert_string_equal(line_with(procs, "3464|"),
                        "3464|make_interval|11|10|12|1|0|0|-|f|f|f|t|f|i|s|7|7|1186|23 23 23 23 23 23 701|\\N|\\N|"
                        "{years,months,weeks,days,hours,mins,secs}|\\N|\\N|make_interval|\\N|\\N|\\N|\\N");
    assert_string_equal(line_with(procs, "3059|"),
                        "3059|concat_ws|11|10|12|1|0|2276|-|f|f|f|f|f|s|s|2|0|25|25 2276|{25,2276}|{i,v}|\\N|\\N|"
                        "\\N|concat_ws|\\N|\\N|\\N|\\N");
    assert_string_equal(line_with(procs, "3940|"),
                        "3940|jsonb_extract_path_text|11|10|12|1|0|25|-|f|f|f|t|f|i|s|2|0|25|3802 1009|{3802,1009}|"
                        "{i,v}|{from_json,path_elems}|\\N|\\N|jsonb_extract_path_text|\\N|\\N|\\N|\\N");
    assert_string_equal(
        line_with(procs, "3058|"),
        "3058|concat|11|10|12|1|0|2276|-|f|f|f|f|f|s|s|1|0|25|2276|{2276}|{v}|\\N|\\N|\\N|concat|\\N|"
        "\\N|\\N|\\N");
}

static void test_roles_and_settings(void **state)
{
    (void)state;
    assert_string_equal(fetch("pg_catalog", "pg_namespace", NULL),
                        "11|pg_catalog|10|\\N\n2200|public|6171|\\N\n13207|information_schema|10|\\N\n");
    assert_string_equal(fetch("pg_catalog", "pg_roles", NULL),
                        "alice|t|t|t|t|t|t|-1|********|\\N|t|\\N|10\n"
                        "pg_database_owner|f|t|f|f|f|f|-1|********|\\N|f|\\N|6171\n");
    assert_string_equal(fetch("pg_catalog", "pg_user", NULL), "alice|10|t|t|t|t|********|\\N|\\N\n");
    assert_string_equal(fetch("pg_catalog", "pg_database", NULL),
                        "16383|shop|10|6|c|f|t|-1|0|0|1663|C.UTF-8|C.UTF-8|\\N|\\N|\\N\n"
                        "5|postgres|10|6|c|f|t|-1|0|0|1663|C.UTF-8|C.UTF-8|\\N|\\N|\\N\n");
    assert_string_equal(
        fetch("information_schema", "schemata", NULL),
        "shop|pg_catalog|alice|\\N|\\N|\\N|\\N\nshop|public|pg_database_owner|\\N|\\N|\\N|\\N\n"
        "shop|information_schema|alice|\\N|\\N|\\N|\\N\n");
    /* pg_settings follows the session; time settings in ms as PostgreSQL shows them */
    SqlError err;
    memset(&err, 0, sizeof(err));
    assert_int_equal(sql_session_set(sess, "statement_timeout", "5s", &err), 0);
    const char *set = fetch("pg_catalog", "pg_settings", NULL);
    assert_string_equal(
        line_with(set, "statement_timeout|"),
        "statement_timeout|5000|ms|Client Connection Defaults / Statement Behavior|Sets the maximum "
        "allowed duration of any statement.|\\N|user|integer|session|0|2147483647|\\N|\\N|0|\\N|\\N|f");
    assert_string_equal(
        line_with(set, "work_mem|"),
        "work_mem|4096|kB|Resource Usage / Memory|Sets the maximum memory to be used for query "
        "workspaces.|\\N|user|integer|default|64|2147483647|\\N|\\N|4096|\\N|\\N|f");
    assert_string_equal(
        line_with(set, "max_index_keys|"),
        "max_index_keys|32|\\N|Preset Options|Shows the maximum number of index keys.|\\N|internal|"
        "integer|default|32|32|\\N|\\N|32|\\N|\\N|f");
    assert_int_equal(sql_session_set(sess, "statement_timeout", NULL, &err), 0);
    /* PostgreSQL hides is_superuser and session_authorization from pg_settings */
    assert_null(strstr(set, "is_superuser|"));
}

/* reg* text input and output through the session's resolver (sql_value_from_text / sql_value_to_text). */
static const char *reg_in(SqlTypeId t, const char *text)
{
    static char res[640];
    Arena *a = arena_create(NULL, ARENA_UNLIMITED);
    SqlValue v;
    SqlError err;
    memset(&err, 0, sizeof(err));
    if (sql_value_from_text(SQL_TYPE(t), text, strlen(text), &sess->fmt, a, &v, &err))
        snprintf(res, sizeof(res), "ERROR %s: %s", err.sqlstate, err.message);
    else
        snprintf(res, sizeof(res), "%u", (unsigned)v.u.i);
    arena_destroy(&a);
    return res;
}

static const char *reg_out(SqlTypeId t, uint32_t oid)
{
    static char res[512];
    SqlValue v;
    memset(&v, 0, sizeof(v));
    v.type = SQL_TYPE(t);
    v.u.i = oid;
    Buf b;
    buf_init(&b, 0);
    assert_int_equal(sql_value_to_text(&v, &sess->fmt, &b), 0);
    snprintf(res, sizeof(res), "%.*s", (int)b.len, b.p ? (const char *)b.p : "");
    buf_fini(&b);
    return res;
}

static void test_reg_names(void **state)
{
    (void)state;
    char oid[16];
    snprintf(oid, sizeof(oid), "%u", clicks_oid);
    /* select 'clicks'::regclass::oid, 'public.clicks'::regclass::oid, 'CLICKS'::regclass::oid */
    assert_string_equal(reg_in(SQL_REGCLASS, "clicks"), oid);
    assert_string_equal(reg_in(SQL_REGCLASS, "public.clicks"), oid);
    assert_string_equal(reg_in(SQL_REGCLASS, " CLICKS "), oid);
    assert_string_equal(reg_in(SQL_REGCLASS, "shop.public.clicks"), oid);
    assert_string_equal(reg_in(SQL_REGCLASS, "pg_class"), "1259");
    assert_string_equal(reg_in(SQL_REGCLASS, "pg_catalog.pg_class"), "1259");
    assert_string_equal(reg_in(SQL_REGCLASS, "information_schema.tables"), "13425");
    assert_string_equal(reg_in(SQL_REGCLASS, "1259"), "1259");
    assert_string_equal(reg_in(SQL_REGCLASS, "-"), "0");
    /* PostgreSQL 15's errors */
    assert_string_equal(reg_in(SQL_REGCLASS, "\"CLICKS\""),
                        "ERROR 42P01: relation \"CLICKS\" does not exist");
    assert_string_equal(reg_in(SQL_REGCLASS, "nope.x"), "ERROR 3F000: schema \"nope\" does not exist");
    assert_string_equal(reg_in(SQL_REGCLASS, "x y"), "ERROR 42602: invalid name syntax");
    assert_string_equal(reg_in(SQL_REGCLASS, "tables"), "ERROR 42P01: relation \"tables\" does not exist");
    assert_string_equal(reg_in(SQL_REGCLASS, "other.public.clicks"),
                        "ERROR 0A000: cross-database references are not implemented: other.public.clicks");
    /* select 'int4'::regtype::oid, 'character varying(3)'::regtype::oid, 'text[]'::regtype::oid,
     * '_int4'::regtype::oid, 'anyelement'::regtype::oid */
    assert_string_equal(reg_in(SQL_REGTYPE, "int4"), "23");
    assert_string_equal(reg_in(SQL_REGTYPE, "character varying(3)"), "1043");
    assert_string_equal(reg_in(SQL_REGTYPE, "text[]"), "1009");
    assert_string_equal(reg_in(SQL_REGTYPE, "_int4"), "1007");
    assert_string_equal(reg_in(SQL_REGTYPE, "pg_catalog.timestamptz"), "1184");
    assert_string_equal(reg_in(SQL_REGTYPE, "anyelement"), "2283");
    assert_string_equal(reg_in(SQL_REGTYPE, "nope"), "ERROR 42704: type \"nope\" does not exist");
    /* select 'pg_catalog.array_in'::regproc::oid, 'lower'::regproc::oid; 'abs'::regproc fails */
    assert_string_equal(reg_in(SQL_REGPROC, "pg_catalog.array_in"), "750");
    assert_string_equal(reg_in(SQL_REGPROC, "lower"), "870");
    assert_string_equal(reg_in(SQL_REGPROC, "abs"), "ERROR 42725: more than one function named \"abs\"");
    assert_string_equal(reg_in(SQL_REGPROC, "nope"), "ERROR 42883: function \"nope\" does not exist");
    assert_string_equal(reg_in(SQL_REGNAMESPACE, "public"), "2200");
    assert_string_equal(reg_in(SQL_REGNAMESPACE, "nope"), "ERROR 42704: schema \"nope\" does not exist");
    assert_string_equal(reg_in(SQL_REGROLE, "alice"), "10");
    assert_string_equal(reg_in(SQL_REGROLE, "pg_database_owner"), "6171");
    assert_string_equal(reg_in(SQL_REGROLE, "bob"), "ERROR 42704: role \"bob\" does not exist");

    /* output: names, "-" for 0, the number for an oid nothing has */
    assert_string_equal(reg_out(SQL_REGCLASS, clicks_oid), "clicks");
    assert_string_equal(reg_out(SQL_REGCLASS, 1259), "pg_class");
    assert_string_equal(reg_out(SQL_REGCLASS, 13425), "information_schema.tables");
    assert_string_equal(reg_out(SQL_REGCLASS, 0), "-");
    assert_string_equal(reg_out(SQL_REGCLASS, 999999), "999999");
    assert_string_equal(reg_out(SQL_REGTYPE, 1043), "character varying");
    assert_string_equal(reg_out(SQL_REGTYPE, 1007), "integer[]");
    assert_string_equal(reg_out(SQL_REGTYPE, 2276), "\"any\"");
    assert_string_equal(reg_out(SQL_REGPROC, 750), "array_in");
    assert_string_equal(reg_out(SQL_REGPROC, 0), "-");
    assert_string_equal(reg_out(SQL_REGNAMESPACE, 13207), "information_schema");
    assert_string_equal(reg_out(SQL_REGROLE, 10), "alice");
    assert_string_equal(reg_out(SQL_OID, 0), "0");

    /* descriptions */
    char buf[64];
    assert_int_equal(syscat_reg_names.describe(sess, clicks_oid, 1259, 2, buf, sizeof(buf)), 8);
    assert_string_equal(buf, "the page");
    assert_int_equal(syscat_reg_names.describe(sess, clicks_oid, 1259, 1, buf, sizeof(buf)), -1);
    assert_int_equal(syscat_reg_names.describe(sess, clicks_oid, 1259, 0, buf, sizeof(buf)), -1);
}

/* The same through SQL (the binder plans OP_SYSTAB for pg_catalog and information_schema names). */
static void test_sql(void **state)
{
    (void)state;
    char want[256];
    snprintf(want, sizeof(want), "clicks|%u|t|pg_class\n", clicks_oid);
    assert_string_equal(
        run("SELECT 'clicks'::regclass, 'clicks'::regclass::oid, to_regclass('nope') IS NULL, "
            "to_regclass('pg_catalog.pg_class')"),
        want);
    assert_string_equal(
        run("SELECT col_description('clicks'::regclass, 2), col_description('clicks'::regclass, 1) "
            "IS NULL, obj_description('clicks'::regclass, 'pg_class') IS NULL"),
        "the page|t|t\n");
    assert_string_equal(run("SELECT relname, relkind FROM pg_catalog.pg_class WHERE relnamespace = 2200"),
                        "clicks|r\n");
    assert_string_equal(run("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                            "WHERE attrelid = 'clicks'::regclass AND attnum > 0 ORDER BY attnum"),
                        "user_id|bigint\nurl|text\nprice|numeric(10,2)\nname|character varying(20)\n");
    assert_string_equal(run("SELECT column_name, data_type FROM information_schema.columns "
                            "WHERE table_schema = 'public' ORDER BY ordinal_position"),
                        "user_id|bigint\nurl|text\nprice|numeric\nname|character varying\n");
    assert_string_equal(run("SELECT typname FROM pg_type WHERE typinput = 'pg_catalog.array_in'::regproc "
                            "AND typelem = 23"),
                        "_int4\n");
    assert_string_equal(run("SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'"),
                        "32\n");
    /* select current_setting('TimeZone'), current_setting('max_index_keys'), current_setting('nope', true)
     * is null => UTC|32|t */
    assert_string_equal(run("SELECT current_setting('TimeZone'), current_setting('max_index_keys'), "
                            "current_setting('nope', true) IS NULL"),
                        "UTC|32|t\n");
    assert_string_equal(run("SELECT current_setting('nope')"),
                        "ERROR 42704: unrecognized configuration parameter \"nope\"");
    assert_string_equal(run("SELECT pg_get_userbyid(nspowner) FROM pg_namespace ORDER BY oid"),
                        "alice\npg_database_owner\nalice\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_every_table),
        cmocka_unit_test(test_relations),
        cmocka_unit_test(test_types_and_functions),
        cmocka_unit_test(test_roles_and_settings),
        cmocka_unit_test(test_reg_names),
        cmocka_unit_test(test_sql),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
