/*
 * test_bind_tvf.c: unit tests of src/exec/bind_tvf.c (tumble / hop / session in FROM) through the engine
 * in process: what the first argument may be (a table on a stream, a WITH query, a subquery), names
 * (the FROM alias, column aliases, qualified window columns, SELECT *, hidden columns), named
 * arguments, the sizes (literals in any spelling; expressions and parameters refused), the scan decoding the time
 * column even when the query names no column, WHERE above the window assignment, EXPLAIN, and every
 * error with its SQLSTATE and position. The values were worked out by hand (1970-aligned windows).
 */
#include "engine_fixture.h"

static char tdir[64];
static Store *store;

/* Record i: {"i": i, "ts": 2024-05-01 10:00:00 + 7 i seconds, "k": "a" | "b" | null} */
static const char *payload(int i, char *buf, size_t n)
{
    int s = 7 * i;
    if (i % 3 == 2)
        snprintf(buf, n, "{\"i\": %d, \"ts\": \"2024-05-01T10:%02d:%02dZ\", \"k\": null}", i, s / 60, s % 60);
    else
        snprintf(buf, n, "{\"i\": %d, \"ts\": \"2024-05-01T10:%02d:%02dZ\", \"k\": \"%s\"}", i, s / 60, s % 60,
                 i % 3 ? "b" : "a");
    return buf;
}

static SqlEngine *eng;
static SqlSession *sess;

static int setup(void **state)
{
    UNUSED(state);
    store = ef_store_open(tdir, sizeof(tdir), "bindtvf");
    ef_stream_create(store, "ev", 2);
    ef_append(store, "ev", 0, 20, NULL, payload);
    SqlEngineConfig cfg = {.store = store};
    sess = ef_session_open(&cfg, &eng);
    assert_string_equal(ef_run(sess, "CREATE TABLE ev (i int, ts timestamptz, k text) WITH (stream = 'ev', "
                                     "event_time = 'ts', watermark_delay = '1 second')"),
                        "");
    return 0;
}

static int teardown(void **state)
{
    UNUSED(state);
    ef_session_close(&sess, &eng);
    ef_store_close(&store, tdir);
    return 0;
}

static void test_inputs(void **state)
{
    UNUSED(state);
    /* a table on a stream: 20 records 7 s apart from 10:00:00, in 30 s windows */
    assert_string_equal(ef_run(sess, "SELECT window_start, count(*), min(i), max(i) FROM tumble(ev, ts, interval '30 "
                                     "seconds') GROUP BY 1 ORDER BY 1"),
                        "2024-05-01 10:00:00+00|5|0|4\n2024-05-01 10:00:30+00|4|5|8\n2024-05-01 10:01:00+00|4|9|12\n"
                        "2024-05-01 10:01:30+00|5|13|17\n2024-05-01 10:02:00+00|2|18|19\n");
    /* schema-qualified, and no column named at all: the time column is still decoded */
    assert_string_equal(ef_run(sess, "SELECT count(*) FROM hop(public.ev, ts, interval '1 minute', interval '2 minutes')"),
                        "40\n");
    /* a WITH query and a subquery */
    assert_string_equal(ef_run(sess, "WITH t(x, at) AS (VALUES (1, timestamp '2000-01-01 00:00:59'), (2, NULL)) "
                                     "SELECT x, window_start, window_end FROM tumble(t, at, interval '1 minute')"),
                        "1|2000-01-01 00:00:00|2000-01-01 00:01:00\n");
    assert_string_equal(ef_run(sess, "SELECT count(*) FROM session((SELECT * FROM ev WHERE k = 'a'), ts, interval '21 "
                                     "seconds')"),
                        "7\n");
    assert_string_equal(ef_run(sess, "SELECT window_start, window_end, count(*) FROM session((SELECT * FROM ev WHERE k = "
                                     "'a'), ts, interval '20 seconds') GROUP BY 1, 2 ORDER BY 1 LIMIT 2"),
                        "2024-05-01 10:00:00+00|2024-05-01 10:00:20+00|1\n"
                        "2024-05-01 10:00:21+00|2024-05-01 10:00:41+00|1\n");
    /* a hidden column as the time: arrival time (the records arrived moments ago, all in one day) */
    assert_string_equal(ef_run(sess, "SELECT count(*), count(DISTINCT window_start) <= 2 FROM tumble(ev, "
                                     "_arrival_time, interval '1 day')"),
                        "20|t\n");
}

static void test_names(void **state)
{
    UNUSED(state);
    /* SELECT *: the table's visible columns, then the window's */
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts, interval '1 hour') WHERE i = 4"),
                        "4|2024-05-01 10:00:28+00|b|2024-05-01 10:00:00+00|2024-05-01 11:00:00+00\n");
    /* the alias names every column; column aliases rename the table's first columns */
    assert_string_equal(ef_run(sess, "SELECT w.n, w.window_end FROM tumble(ev, ts, interval '1 hour') AS w(n) "
                                     "WHERE w.n = 1"),
                        "1|2024-05-01 11:00:00+00\n");
    assert_string_equal(ef_run(sess, "SELECT tumble.i FROM tumble(ev, ts, interval '1 hour') WHERE tumble.i = 2"), "2\n");
    assert_string_equal(ef_run(sess, "SELECT ev.i FROM tumble(ev, ts, interval '1 hour')"),
                        "ERROR 42P01 8: missing FROM-clause entry for table \"ev\"");
    /* two windowed items of one table, joined */
    assert_string_equal(ef_run(sess, "SELECT count(*) FROM tumble(ev, ts, interval '1 minute') a JOIN hop(ev, ts, "
                                     "interval '1 minute', interval '2 minutes') b ON a.i = b.i AND a.window_start = "
                                     "b.window_start"),
                        "20\n");
    /* named arguments, in any order; literals in other spellings */
    assert_string_equal(ef_run(sess, "SELECT DISTINCT window_end - window_start FROM hop(ev, ts, size => '3 min', "
                                     "slide => interval '90' second, \"offset\" => 'PT1S'::interval)"),
                        "00:03:00\n");
    assert_string_equal(ef_run(sess, "SELECT min(window_start) FROM tumble(data => ev, timecol => ts, size => "
                                     "interval '1 day', \"offset\" => interval '-2 hours')"),
                        "2024-04-30 22:00:00+00\n");
}

static void test_where(void **state)
{
    UNUSED(state);
    /* a filter on a key column runs above the sessions: it drops rows, not session members. Key a has
     * i = 0, 3, 6, ... (21 s apart): with a 21 s gap one session [10:00:00, 10:02:27) */
    assert_string_equal(ef_run(sess, "SELECT i, window_start, window_end FROM session(ev, ts, interval '21 seconds', k) "
                                     "WHERE i IN (0, 18)"),
                        "0|2024-05-01 10:00:00+00|2024-05-01 10:02:27+00\n"
                        "18|2024-05-01 10:00:00+00|2024-05-01 10:02:27+00\n");
    assert_string_equal(ef_run(sess, "EXPLAIN SELECT i FROM session(ev, ts, interval '21 seconds', k) WHERE i = 0"),
                        "Window Assign (session, gap 21 s)\n  Time Column: ts\n  Partition Key: k\n"
                        "  Filter: (i = 0)\n  ->  Stream Scan on ev (stream ev, 2 shards)\n");
    /* columns are named after the FROM item, as the query names them; the scan decodes only what is used */
    assert_string_equal(ef_run(sess, "EXPLAIN VERBOSE SELECT w.i, c.i FROM tumble(ev, ts, interval '1 hour') w, ev c "
                                     "WHERE c.i = w.i"),
                        "Hash Join\n  Output: w.i, c.i\n  Hash Cond: (w.i = c.i)\n"
                        "  ->  Window Assign (tumble, size 1 h)\n"
                        "        Output: w.i, w.ts, w.window_start, w.window_end\n        Time Column: ev.ts\n"
                        "        ->  Stream Scan on ev (stream ev, 2 shards)\n              Output: ev.i, ev.ts\n"
                        "  ->  Stream Scan on ev c (stream ev, 2 shards)\n        Output: c.i\n");
    assert_string_equal(ef_run(sess, "EXPLAIN SELECT count(*) FROM hop(ev, ts, interval '1 minute 30 seconds', "
                                     "interval '3 minutes', interval '-1 hour') h"),
                        "Aggregate\n  ->  Window Assign (hop, slide 1 min 30 s, size 3 min, offset -1 h)\n"
                        "        Time Column: ts\n        ->  Stream Scan on ev (stream ev, 2 shards)\n");
}

static void test_errors(void **state)
{
    UNUSED(state);
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, i, interval '1 s')"),
                        "ERROR 42804 26: the time column of tumble must be of type timestamp with time zone or "
                        "timestamp, not integer");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, k, interval '1 s')"),
                        "ERROR 42804 26: the time column of tumble must be of type timestamp with time zone or "
                        "timestamp, not text");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts, interval '1 year')"),
                        "ERROR 0A000 39: the size of tumble cannot contain months or years: their length varies");
    assert_string_equal(ef_run(sess, "SELECT * FROM hop(ev, ts, interval '2 s', interval '0 s')"),
                        "ERROR 22023 52: the size of hop must be greater than zero");
    assert_string_equal(ef_run(sess, "SELECT * FROM hop(ev, ts, interval '2 s', interval '3 s')"),
                        "ERROR 22023 52: the size of hop must be a whole multiple of its slide");
    assert_string_equal(ef_run(sess, "SELECT * FROM session(ev, ts, interval '1000001 days')"),
                        "ERROR 22023 40: the gap of session must be at most 1000000 days");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts, interval '1 s' * i)"),
                        "ERROR 0A000 45: the size of tumble must be an interval literal (interval '10 seconds')");
    assert_string_equal(ef_query(sess, "SELECT * FROM tumble(ev, ts, $1)", (const char *[]){"1 second"}, 1, 0),
                        "ERROR 0A000 30: the size of tumble must be an interval literal (interval '10 seconds')");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts, NULL::interval)"),
                        "ERROR 22004 30: the size of tumble must not be NULL");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts)"),
                        "ERROR 42883 15: tumble needs its size argument: tumble(table, time_column, size interval [, "
                        "offset interval])");
    assert_string_equal(ef_run(sess, "SELECT * FROM hop(ev, ts, slide => interval '1 s', slide => interval '1 s')"),
                        "ERROR 42601 52: argument \"slide\" of hop given more than once");
    assert_string_equal(ef_run(sess, "SELECT * FROM session(ev, ts, gap => interval '1 s', k)"),
                        "ERROR 42601 15: positional argument cannot follow named argument");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(nope, ts, interval '1 s')"),
                        "ERROR 42P01 22: relation \"nope\" does not exist");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev.ts, ts, interval '1 s')"),
                        "ERROR 42P01 22: relation \"ev.ts\" does not exist");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, nope, interval '1 s')"),
                        "ERROR 42703 26: column \"nope\" does not exist");
    assert_string_equal(ef_run(sess, "SELECT * FROM session(ev, ts, interval '1 s', upper(k))"),
                        "ERROR 42601 47: the partition argument of session must be a column of its table");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(42, ts, interval '1 s')"),
                        "ERROR 42601 15: the first argument of tumble must name a table or be a subquery in "
                        "parentheses: tumble(table, time_column, size interval [, offset interval])");
    assert_string_equal(ef_run(sess, "SELECT * FROM tumble(ev, ts, interval '1 s') WITH ORDINALITY"),
                        "ERROR 0A000 15: tumble in FROM takes no LATERAL, WITH ORDINALITY, ROWS FROM or column "
                        "definition list");
    assert_string_equal(ef_run(sess, "SELECT count(*) FROM tumble(count(*), ts, interval '1 s')"),
                        "ERROR 42601 22: the first argument of tumble must name a table or be a subquery in "
                        "parentheses: tumble(table, time_column, size interval [, offset interval])");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inputs),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
