/*
 * test_api_sql.c: unit tests of src/http/api_sql.c (POST /sql), included whole to reach its helpers: the
 * SQLSTATE -> HTTP status map, CSV quoting, PostgreSQL's messages for invalid UTF-8, ?format= and Accept,
 * JSON parameters' text; then requests through in-process exchanges (http_exchange_local_create) against a
 * real engine without a store, on a libuv loop run here: JSON and CSV answers, errors and their statuses,
 * several statements, parameters, a streamed answer (more than 64 KiB) and one that fails after its rows
 * were streamed (the "error" member after them), 503 without an engine.
 */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include "../../../src/http/api_sql.c"

/* ------------------------------------------------------------------------------------------ helpers */

static void test_status_map(void **state)
{
    UNUSED(state);
    static const struct {
        const char *st;
        int status;
    } cases[] = {
        {"42P01", 400}, {"42601", 400}, {"22012", 400}, {"22P02", 400}, {"0A000", 400}, {"53200", 400},
        {"25P02", 400}, {"08P01", 400}, {"XX000", 500}, {"XX001", 500}, {"58P01", 500}, {"58030", 500},
        {"53300", 429}, {"53000", 503}, {"53100", 503}, {"57014", 503}, {"57P01", 503}, {"57P03", 503},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (sqlapi_status(cases[i].st) != cases[i].status)
            fail_msg("%s -> %d, expected %d", cases[i].st, sqlapi_status(cases[i].st), cases[i].status);
}

static const char *csv1(const char *in)
{
    static Buf b;
    static int init;
    if (!init) {
        buf_init(&b, 0);
        init = 1;
    }
    buf_reset(&b);
    assert_int_equal(csv_field(&b, (const uint8_t *)in, strlen(in)), WEIR_OK);
    return (const char *)b.p;
}

static void test_csv_field(void **state)
{
    UNUSED(state);
    assert_string_equal(csv1("plain"), "plain");
    assert_string_equal(csv1(""), "\"\"");
    assert_string_equal(csv1("a,b"), "\"a,b\"");
    assert_string_equal(csv1("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_string_equal(csv1("\"\""), "\"\"\"\"\"\"");
    assert_string_equal(csv1("two\nlines"), "\"two\nlines\"");
    assert_string_equal(csv1("cr\r"), "\"cr\r\"");
    assert_string_equal(csv1(" spaced "), " spaced ");
}

static const char *utf8_msg(const char *p, size_t n)
{
    static char msg[128];
    if (!utf8_problem((const uint8_t *)p, n, msg, sizeof(msg)))
        return "ok";
    return msg;
}

static void test_utf8_messages(void **state)
{
    UNUSED(state);
    assert_string_equal(utf8_msg("SELECT 'é€😀'", strlen("SELECT 'é€😀'")), "ok");
    assert_string_equal(utf8_msg("a\xff", 2), "invalid byte sequence for encoding \"UTF8\": 0xff");
    assert_string_equal(utf8_msg("a\xc3\x28z", 4), "invalid byte sequence for encoding \"UTF8\": 0xc3 0x28");
    assert_string_equal(utf8_msg("a\xe2\x82", 3),
                        "incomplete multibyte character for encoding \"UTF8\": 0xe2 0x82");
    assert_string_equal(utf8_msg("a\0b", 3), "invalid byte sequence for encoding \"UTF8\": 0x00");
    assert_string_equal(utf8_msg("\xed\xa0\x80", 3), /* a surrogate */
                        "invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80");
    assert_string_equal(utf8_msg("\xc0\xaf", 2), "invalid byte sequence for encoding \"UTF8\": 0xc0 0xaf");
}

static void test_format_choice(void **state)
{
    UNUSED(state);
    assert_int_equal(query_format(SLICE_LIT("/sql")), -1);
    assert_int_equal(query_format(SLICE_LIT("/sql?format=csv")), 1);
    assert_int_equal(query_format(SLICE_LIT("/sql?x=1&format=JSON")), 0);
    assert_int_equal(query_format(SLICE_LIT("/sql?format=xml")), -2);
    assert_int_equal(query_format(SLICE_LIT("/sql?formats=csv")), -1);
    Slice a = SLICE_LIT("text/csv");
    assert_int_equal(accept_wants_csv(&a), 1);
    a = (Slice)SLICE_LIT("application/json, text/csv");
    assert_int_equal(accept_wants_csv(&a), 0);
    a = (Slice)SLICE_LIT("text/html;q=0.9, TEXT/CSV; q=0.5, application/json");
    assert_int_equal(accept_wants_csv(&a), 1);
    a = (Slice)SLICE_LIT("*/*");
    assert_int_equal(accept_wants_csv(&a), 0);
    assert_int_equal(accept_wants_csv(NULL), 0);
    char mt[64];
    media_type(SLICE_LIT("  Application/JSON ; charset=utf-8"), mt, sizeof(mt));
    assert_string_equal(mt, "application/json");
}

static void test_param_text(void **state)
{
    UNUSED(state);
    json_error_t je;
    json_t *a = json_loads(
        "[1, -9007199254740993, 0.1, 1e-7, 2.5e300, true, false, null, \"s\", {\"a\": [1]}, [\"x\"]]", 0,
        &je);
    assert_non_null(a);
    static const char *const want[] = {
        "1", "-9007199254740993", "0.1",    "1e-07", "2.5e+300", "true", "false", NULL,
        "s", "{\"a\":[1]}",       "[\"x\"]"};
    for (size_t i = 0; i < json_array_size(a); i++) {
        char *t = param_text(json_array_get(a, i));
        if (!want[i])
            assert_null(t);
        else
            assert_string_equal(t, want[i]);
        free(t);
    }
    json_decref(a);
}

/* ---------------------------------------------------------------------------- through exchanges */

typedef struct Env {
    uv_loop_t loop;
    SqlEngine *eng;
    SqlApi *api;
} Env;

static Env g;

static int env_setup(void **state)
{
    UNUSED(state);
    memset(&g, 0, sizeof(g));
    if (uv_loop_init(&g.loop))
        return -1;
    SqlEngineConfig cfg = {.store = NULL, .data_dir = NULL};
    Err e;
    err_clear(&e);
    if (sql_engine_create(&cfg, &g.eng, &e))
        return -1;
    SqlApiConfig acfg = {.loop = &g.loop, .eng = g.eng, .max_queries = 4};
    if (sql_api_create(&acfg, &g.api, &e))
        return -1;
    return 0;
}

static int env_teardown(void **state)
{
    UNUSED(state);
    sql_api_stop(&g.api);
    uv_run(&g.loop, UV_RUN_DEFAULT); /* the SqlApi's handles close */
    sql_engine_destroy(&g.eng);
    return uv_loop_close(&g.loop) ? -1 : 0;
}

typedef struct Ans {
    int status;
    char body[1 << 18];
    size_t len;
} Ans;

/* One request; runs the loop until every job is done. */
static void ask(Ans *a, const char *target, const char *ctype, const char *accept, const void *body, size_t n)
{
    HttpHeader h[2];
    size_t nh = 0;
    if (ctype)
        h[nh++] = (HttpHeader){SLICE_LIT("Content-Type"), slice_from_cstr(ctype)};
    if (accept)
        h[nh++] = (HttpHeader){SLICE_LIT("Accept"), slice_from_cstr(accept)};
    HttpExchange *x = http_exchange_local_create("POST", target, h, nh, body, n);
    sql_api_handle(g.api, x);
    for (int i = 0; i < 100000 && g.api->n_jobs; i++)
        uv_run(&g.loop, UV_RUN_ONCE);
    assert_int_equal(g.api->n_jobs, 0);
    a->status = http_exchange_local_status(x);
    const Buf *b = http_exchange_local_body(x);
    assert_true(b->len < sizeof(a->body));
    memcpy(a->body, b->p ? (const char *)b->p : "", b->len);
    a->body[b->len] = '\0';
    a->len = b->len;
    http_exchange_local_free(&x);
}

static Ans A;

static const char *sql_json(const char *sql)
{
    ask(&A, "/sql", "text/plain", NULL, sql, strlen(sql));
    return A.body;
}

static void test_json_answers(void **state)
{
    UNUSED(state);
    assert_string_equal(
        sql_json("SELECT 1 AS a, 'x' AS b, NULL::int AS c, true AS d, 2.50::numeric AS e, "
                 "'-Infinity'::float8 AS f, '[1, 2]'::json AS g"),
        "{\"columns\":[{\"name\":\"a\",\"type\":\"integer\"},{\"name\":\"b\",\"type\":\"text\"},"
        "{\"name\":\"c\",\"type\":\"integer\"},{\"name\":\"d\",\"type\":\"boolean\"},"
        "{\"name\":\"e\",\"type\":\"numeric\"},{\"name\":\"f\",\"type\":\"double precision\"},"
        "{\"name\":\"g\",\"type\":\"json\"}],\"rows\":[\n"
        "[1,\"x\",null,true,2.50,\"-Infinity\",[1, 2]]\n],\"command\":\"SELECT 1\"}\n");
    assert_int_equal(A.status, 200);
    assert_string_equal(
        sql_json("SELECT 1 AS a WHERE false"),
        "{\"columns\":[{\"name\":\"a\",\"type\":\"integer\"}],\"rows\":[],\"command\":\"SELECT 0\"}\n");
    assert_string_equal(sql_json("SET TimeZone = 'UTC'"),
                        "{\"columns\":[],\"rows\":[],\"command\":\"SET\"}\n");
    assert_string_equal(
        sql_json("SELECT 1 AS x; SELECT 2 AS y, 3 AS z"),
        "{\"columns\":[{\"name\":\"y\",\"type\":\"integer\"},{\"name\":\"z\",\"type\":\"integer\"}],"
        "\"rows\":[\n[2,3]\n],\"command\":\"SELECT 1\"}\n");
    assert_string_equal(
        sql_json("SELECT E'\\x01\"\\\\' AS s, '\\x00ff'::bytea AS b, ARRAY[1,2] AS a"),
        "{\"columns\":[{\"name\":\"s\",\"type\":\"text\"},{\"name\":\"b\",\"type\":\"bytea\"},"
        "{\"name\":\"a\",\"type\":\"integer[]\"}],\"rows\":[\n"
        "[\"\\u0001\\\"\\\\\",\"\\\\x00ff\",\"{1,2}\"]\n],\"command\":\"SELECT 1\"}\n");
}

static void test_csv_answers(void **state)
{
    UNUSED(state);
    static const char q[] = "SELECT 1 AS \"a,b\", '' AS e, NULL AS n, 'x\"y' AS q, false AS f";
    static const char want[] = "\"a,b\",e,n,q,f\r\n1,\"\",,\"x\"\"y\",f\r\n";
    ask(&A, "/sql?format=csv", NULL, NULL, q, strlen(q));
    assert_int_equal(A.status, 200);
    assert_string_equal(A.body, want);
    ask(&A, "/sql", "application/sql", "text/csv", q, strlen(q));
    assert_string_equal(A.body, want);
    static const char j[] =
        "{\"sql\": \"SELECT 1 AS \\\"a,b\\\", '' AS e, NULL AS n, 'x\\\"y' AS q, false AS f\", "
        "\"format\": \"csv\"}";
    ask(&A, "/sql", "application/json; charset=utf-8", NULL, j, strlen(j));
    assert_string_equal(A.body, want);
}

static void test_params(void **state)
{
    UNUSED(state);
    static const char j[] = "{\"sql\": \"SELECT $1::int + 1 AS a, $2 AS b, $3::text IS NULL AS c\", "
                            "\"params\": [41, \"t\", null]}";
    ask(&A, "/sql", "application/json", NULL, j, strlen(j));
    assert_int_equal(A.status, 200);
    assert_non_null(strstr(A.body, "[42,\"t\",true]"));
    static const char two[] = "{\"sql\": \"SELECT $1; SELECT 1\", \"params\": [1]}";
    ask(&A, "/sql", "application/json", NULL, two, strlen(two));
    assert_int_equal(A.status, 400);
    assert_string_equal(A.body,
                        "{\"error\":{\"sqlstate\":\"42601\",\"message\":\"cannot insert multiple commands "
                        "into a prepared statement\"}}\n");
}

static void test_errors(void **state)
{
    UNUSED(state);
    assert_string_equal(
        sql_json("SELECT * FROM nope"),
        "{\"error\":{\"sqlstate\":\"42P01\",\"message\":\"relation \\\"nope\\\" does not exist\","
        "\"position\":15}}\n");
    assert_int_equal(A.status, 400);
    sql_json("SELECT 1; SELECT 1/0; SELECT 3");
    assert_int_equal(A.status, 400);
    assert_non_null(strstr(A.body, "\"22012\""));
    ask(&A, "/sql", "text/html", NULL, "x", 1);
    assert_int_equal(A.status, 415);
    ask(&A, "/sql", "application/json", NULL, "{\"sql\":", 7);
    assert_int_equal(A.status, 400);
    assert_non_null(strstr(A.body, "not valid JSON"));
    ask(&A, "/sql", "application/json", NULL, "{\"sql\": \"SELECT 1\", \"sql\": \"SELECT 2\"}", 38);
    assert_int_equal(A.status, 400); /* duplicate keys refused */
    ask(&A, "/sql", NULL, NULL, "", 0);
    assert_int_equal(A.status, 400);
    assert_non_null(strstr(A.body, "\"42601\""));
    HttpExchange *x = http_exchange_local_create("GET", "/sql", NULL, 0, NULL, 0);
    sql_api_handle(g.api, x);
    assert_int_equal(http_exchange_local_status(x), 405);
    http_exchange_local_free(&x);
    /* without an engine (or without the SqlApi) */
    x = http_exchange_local_create("POST", "/sql", NULL, 0, "SELECT 1", 8);
    sql_api_handle(NULL, x);
    assert_int_equal(http_exchange_local_status(x), 503);
    assert_non_null(strstr((const char *)http_exchange_local_body(x)->p, "\"57P03\""));
    http_exchange_local_free(&x);
}

static void test_streamed(void **state)
{
    UNUSED(state);
    /* one row larger than a piece: the answer is streamed, and complete */
    sql_json("SELECT length(repeat('ab', 50000)) AS n, repeat('ab', 50000) AS s");
    assert_int_equal(A.status, 200);
    assert_int_equal(
        A.len,
        strlen("{\"columns\":[{\"name\":\"n\",\"type\":\"integer\"},{\"name\":\"s\",\"type\":\"text\"}],"
               "\"rows\":[\n[100000,\"\"]\n],\"command\":\"SELECT 1\"}\n") +
            100000);
    assert_non_null(strstr(A.body, "\"]\n],\"command\":\"SELECT 1\"}\n"));
    /* failing after a streamed row: the rows, then the error instead of the command */
    sql_json("SELECT repeat('x', 70000) AS s UNION ALL SELECT (1/0)::text");
    assert_int_equal(A.status, 200); /* the status went out with the first piece */
    static const char tail[] =
        "\"]\n],\"error\":{\"sqlstate\":\"22012\",\"message\":\"division by zero\"}}\n";
    assert_true(A.len > 70000);
    assert_string_equal(A.body + A.len - strlen(tail), tail);
    /* CSV: the rows only (the stream is broken off, which a local exchange does not show) */
    static const char q[] = "SELECT repeat('x', 70000) AS s UNION ALL SELECT (1/0)::text";
    ask(&A, "/sql?format=csv", NULL, NULL, q, strlen(q));
    assert_int_equal(A.len, 2 + 70000 + 2 + 1);
    assert_memory_equal(A.body, "s\r\n", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_map),    cmocka_unit_test(test_csv_field),
        cmocka_unit_test(test_utf8_messages), cmocka_unit_test(test_format_choice),
        cmocka_unit_test(test_param_text),    cmocka_unit_test(test_json_answers),
        cmocka_unit_test(test_csv_answers),   cmocka_unit_test(test_params),
        cmocka_unit_test(test_errors),        cmocka_unit_test(test_streamed),
    };
    return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
