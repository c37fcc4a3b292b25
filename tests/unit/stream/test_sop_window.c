/*
 * test_sop_window.c: unit tests of src/stream/sop_window.c, window assignment in continuous queries,
 * through the real binder and sop_compile (sop_test.h), with hand-made deltas:
 *   - tumble and hop: each row in its windows with its weight (retractions pass through), NULL times
 *     left out, rows whose windows all closed counted late and handed to the late sink, a hop row with
 *     some windows closed sent to the open ones only, the window-major batches sharing the input;
 *   - session on_window_close: out-of-order rows, sessions merging (a row bridging two), partitions,
 *     emission in closing order at the watermark, late rows, a retraction that splits a session;
 *   - session on_update: -old/+new rows as sessions grow and merge;
 *   - the session state through a checkpoint: written, restored into a fresh graph, same output;
 *   - the time encoding the session keys use is rowcodec's.
 */
#include <inttypes.h>

#include "sop_test.h"
#include "stream/sop_window.c" /* sess_time_enc, sess_time_dec */

static const char *COLS = "k text, v bigint, ts timestamptz";

static void test_tumble(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopw-tumble");
    sf_table(&f, "t", COLS);
    assert_string_equal(sf_compile(&f, "SELECT k, v, window_start, window_end FROM tumble(t, ts, INTERVAL '10 seconds')", 3), "");
    const char *rows[] = {"a|1|2024-01-01 00:00:05+00", "b|2|2024-01-01 00:00:15+00", "c|3|N",
                          "d|4|2024-01-01 00:00:10+00"};
    sf_push_rows(&f, 1, rows, 4);
    assert_string_equal(sf_take(&f), "+1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 b|2|2024-01-01 00:00:10+00|2024-01-01 00:00:20+00\n"
                                     "+1 d|4|2024-01-01 00:00:10+00|2024-01-01 00:00:20+00\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:10+00"));
    /* [0, 10) is closed: a row in it is late; a retraction in an open window passes as one */
    sf_push(&f, 1, "e|5|2024-01-01 00:00:09.999+00");
    sf_push(&f, -1, "b|2|2024-01-01 00:00:15+00");
    sf_push(&f, 1, "f|6|infinity"); /* batch says 22008; a query that runs forever counts it late */
    assert_string_equal(sf_take(&f), "-1 b|2|2024-01-01 00:00:10+00|2024-01-01 00:00:20+00\n");
    assert_string_equal(sf_take_late(&f), "e|5|2024-01-01 00:00:09.999+00|||||||\nf|6|infinity|||||||\n");
    assert_int_equal(sf_find_sop(&f, "window assignment")->st.late, 2);
    sf_close(&f);
}

static void test_hop(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopw-hop");
    sf_table(&f, "t", COLS);
    assert_string_equal(
        sf_compile(&f, "SELECT k, window_start, window_end FROM hop(t, ts, INTERVAL '5 seconds', INTERVAL '10 seconds')", 3),
        "");
    const char *rows[] = {"a|1|2024-01-01 00:00:07+00", "b|2|2024-01-01 00:00:12+00"};
    sf_push_rows(&f, 1, rows, 2);
    /* window-major: every row's first window, then every row's second */
    assert_string_equal(sf_take(&f), "+1 a|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 b|2024-01-01 00:00:05+00|2024-01-01 00:00:15+00\n"
                                     "+1 a|2024-01-01 00:00:05+00|2024-01-01 00:00:15+00\n"
                                     "+1 b|2024-01-01 00:00:10+00|2024-01-01 00:00:20+00\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:10+00"));
    /* c's first window [0, 10) is closed: only its second; d's are both closed: late */
    const char *more[] = {"c|3|2024-01-01 00:00:08+00", "d|4|2024-01-01 00:00:03+00", "e|5|N"};
    sf_push_rows(&f, 2, more, 3);
    assert_string_equal(sf_take(&f), "+2 c|2024-01-01 00:00:05+00|2024-01-01 00:00:15+00\n");
    assert_string_equal(sf_take_late(&f), "d|4|2024-01-01 00:00:03+00|||||||\n");
    sf_close(&f);
}

static const char *SESSION_Q = "SELECT k, v, window_start, window_end FROM session(t, ts, INTERVAL '10 seconds', k)";

static void test_session_close(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopw-sess");
    sf_table(&f, "t", COLS);
    assert_string_equal(sf_compile(&f, SESSION_Q, 3), "");
    const char *rows[] = {"a|1|2024-01-01 00:00:00+00", "a|2|2024-01-01 00:00:18+00", "b|3|2024-01-01 00:00:05+00"};
    sf_push_rows(&f, 1, rows, 3);
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "");
    /* a@9 is within 10 s of both a@0 and a@18: one session [0, 28) */
    sf_push(&f, 1, "a|3|2024-01-01 00:00:09+00");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:16+00"));
    assert_string_equal(sf_take(&f), "+1 b|3|2024-01-01 00:00:05+00|2024-01-01 00:00:15+00\n");
    sf_push(&f, 1, "a|5|2024-01-01 00:00:17+00");
    /* behind the watermark: late, even a@2 that a's open session would take (b's closed one could have
     * taken b@4 as well: only rows ahead of the watermark are sure not to belong to an emitted session) */
    sf_push(&f, 1, "b|6|2024-01-01 00:00:04+00");
    sf_push(&f, 1, "a|6|2024-01-01 00:00:02+00");
    assert_string_equal(sf_take_late(&f), "b|6|2024-01-01 00:00:04+00|||||||\na|6|2024-01-01 00:00:02+00|||||||\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:28+00"));
    assert_string_equal(sf_take(&f), "+1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:28+00\n"
                                     "+1 a|3|2024-01-01 00:00:00+00|2024-01-01 00:00:28+00\n"
                                     "+1 a|5|2024-01-01 00:00:00+00|2024-01-01 00:00:28+00\n"
                                     "+1 a|2|2024-01-01 00:00:00+00|2024-01-01 00:00:28+00\n");
    /* state is gone with the session */
    Sop *sess = sf_find_sop(&f, "session window");
    for (uint32_t i = 0; i < sess->n_state; i++) {
        StateStats ss;
        state_stats(sess->state[i], &ss);
        assert_int_equal(ss.n_entries, 0);
    }
    sf_push(&f, 1, "a|7|2024-01-01 00:00:17+00"); /* late */
    sf_push(&f, 1, "c|8|2024-01-01 00:00:29+00"); /* ahead of the watermark: [29, 39) */
    assert_string_equal(sf_take_late(&f), "a|7|2024-01-01 00:00:17+00|||||||\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:40+00"));
    assert_string_equal(sf_take(&f), "+1 c|8|2024-01-01 00:00:29+00|2024-01-01 00:00:39+00\n");
    sf_close(&f);
}

static void test_session_split(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopw-split");
    sf_table(&f, "t", COLS);
    assert_string_equal(sf_compile(&f, SESSION_Q, 3), "");
    const char *rows[] = {"a|1|2024-01-01 00:00:00+00", "a|2|2024-01-01 00:00:08+00", "a|3|2024-01-01 00:00:16+00",
                          "a|3|2024-01-01 00:00:16+00"};
    sf_push_rows(&f, 1, rows, 4);
    sf_push(&f, -1, "a|2|2024-01-01 00:00:08+00"); /* the bridge goes: [0, 10) and [16, 26) */
    sf_push(&f, -1, "z|9|2024-01-01 00:00:08+00"); /* nothing open holds it: late */
    assert_string_equal(sf_take_late(&f), "z|9|2024-01-01 00:00:08+00|||||||\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:12+00"));
    assert_string_equal(sf_take(&f), "+1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:30+00"));
    assert_string_equal(sf_take(&f), "+2 a|3|2024-01-01 00:00:16+00|2024-01-01 00:00:26+00\n");
    sf_close(&f);
}

static void test_session_update(void **state)
{
    (void)state;
    SopFix f;
    sf_open(&f, "sopw-upd");
    sf_table(&f, "t", COLS);
    f.opts.emit_on_update = 1;
    assert_string_equal(sf_compile(&f, SESSION_Q, 3), "");
    /* on update a session retracts (-old/+new): an operator above must not assume an append-only input */
    assert_int_equal(sop_plan_append_only(&f.opts, f.root), 0);
    f.opts.emit_on_update = 0;
    assert_int_equal(sop_plan_append_only(&f.opts, f.root), 1);
    f.opts.emit_on_update = 1;
    sf_push(&f, 1, "a|1|2024-01-01 00:00:00+00");
    sf_push(&f, 1, "b|2|2024-01-01 00:00:01+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "+1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 b|2|2024-01-01 00:00:01+00|2024-01-01 00:00:11+00\n");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), ""); /* nothing changed */
    sf_push(&f, 1, "a|3|2024-01-01 00:00:05+00");
    sf_tick(&f, SOP_WM_NONE);
    assert_string_equal(sf_take(&f), "-1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:10+00\n"
                                     "+1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00\n"
                                     "+1 a|3|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00\n");
    sf_push(&f, -1, "a|1|2024-01-01 00:00:00+00");
    sf_tick(&f, sf_ts(&f, "2024-01-01 00:00:12+00")); /* b's session closes: nothing more to say */
    assert_string_equal(sf_take(&f), "-1 a|1|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00\n"
                                     "-1 a|3|2024-01-01 00:00:00+00|2024-01-01 00:00:15+00\n"
                                     "+1 a|3|2024-01-01 00:00:05+00|2024-01-01 00:00:15+00\n");
    sf_close(&f);
}

/* The input of the checkpoint test, in two halves, each followed by a tick. */
static void ckpt_half(SopFix *f, int half)
{
    if (half == 0) {
        const char *rows[] = {"a|1|2024-01-01 00:00:00+00", "a|2|2024-01-01 00:00:18+00",
                              "b|3|2024-01-01 00:00:05+00", "c|4|2024-01-01 00:00:40+00"};
        sf_push_rows(f, 1, rows, 4);
        sf_tick(f, sf_ts(f, "2024-01-01 00:00:16+00"));
    } else {
        const char *rows[] = {"a|5|2024-01-01 00:00:09+00", "c|6|2024-01-01 00:00:45+00",
                              "b|7|2024-01-01 00:00:01+00"};
        sf_push_rows(f, 1, rows, 3);
        sf_push(f, -1, "a|2|2024-01-01 00:00:18+00");
        sf_tick(f, sf_ts(f, "2024-01-01 00:01:00+00"));
    }
}

static void test_session_checkpoint(void **state)
{
    (void)state;
    for (int upd = 0; upd < 2; upd++) {
        SopFix f;
        sf_open(&f, "sopw-ckpt");
        sf_table(&f, "t", COLS);
        f.opts.emit_on_update = upd;
        assert_string_equal(sf_compile(&f, SESSION_Q, 3), "");
        ckpt_half(&f, 0);
        ckpt_half(&f, 1);
        char *whole = strdup(sf_take(&f));
        char *late = strdup(sf_take_late(&f));
        f.wm = SOP_WM_NONE;
        assert_string_equal(sf_compile(&f, SESSION_Q, 3), "");
        ckpt_half(&f, 0);
        SfCkpt ck;
        sf_checkpoint(&f, f.dir, 1, &ck);
        assert_string_equal(sf_compile(&f, SESSION_Q, 3), ""); /* a fresh graph */
        sf_restore(&f, &ck);
        ckpt_half(&f, 1);
        assert_string_equal(sf_take(&f), whole);
        assert_string_equal(sf_take_late(&f), late);
        sf_ckpt_free(&ck);
        free(whole);
        free(late);
        sf_close(&f);
    }
}

static void test_time_encoding(void **state)
{
    (void)state;
    const int64_t vals[] = {0, 1, -1, INT64_C(756864000000000), INT64_C(-211813488000000000), INT64_MAX - 1};
    RowCodecCol col = {SQL_TYPE(SQL_TIMESTAMPTZ), 0};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        SqlValue v;
        memset(&v, 0, sizeof(v));
        v.type = col.type;
        v.u.i = vals[i];
        Buf b;
        buf_init(&b, 0);
        Err e;
        err_clear(&e);
        assert_int_equal(rowcodec_encode(&col, 1, &v, ROWCODEC_KEY, &b, &e), WEIR_OK);
        uint8_t mine[SESS_T];
        sess_time_enc(mine, vals[i]);
        assert_int_equal(b.len, SESS_T);
        assert_memory_equal(b.p, mine, SESS_T);
        assert_true(sess_time_dec(mine) == vals[i]);
        buf_fini(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tumble),
        cmocka_unit_test(test_hop),
        cmocka_unit_test(test_session_close),
        cmocka_unit_test(test_session_split),
        cmocka_unit_test(test_session_update),
        cmocka_unit_test(test_session_checkpoint),
        cmocka_unit_test(test_time_encoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
