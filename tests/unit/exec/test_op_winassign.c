/*
 * test_op_winassign.c: unit tests of src/exec/op_winassign.c, the window table functions' operator.
 *
 * Window arithmetic (winassign_windows, which the streaming operators share): tumble and hop windows
 * aligned to 1970-01-01 (not to weir's 2000 zero), times before 1970 and before 2000, offsets (negative,
 * larger than the size), hop counts and order, and exact boundaries (a time equal to a window's end
 * belongs to the next window), then the same against a brute-force model over many random times.
 *
 * The operator over hand-built plans (op_test.h): rows with NULL times left out, hop rows earliest
 * window first and spread over several batches, the pass-through path of tumble, sessions per partition
 * from out-of-order input (NULL keys a partition of their own, a gap of exactly `gap` joining), output
 * sorted by partition and time, the memory budget (53200), infinite times (22008) and re-opening.
 */
#include "op_test.h"

#include "sql/datetime.h"

/* A time given in Unix seconds (plus microseconds), as weir holds it: microseconds since 2000-01-01. */
static int64_t ux(int64_t sec, int64_t usec)
{
    return (sec - SQL_PG_EPOCH_UNIX) * SQL_USEC_PER_SEC + usec;
}

#define SEC INT64_C(1000000)
#define HOUR (3600 * SEC)
#define DAY (24 * HOUR)

/* (time column 1, as the operator tests' rows have it) */
static WinAssignSpec tumble(int64_t size, int64_t offset)
{
    WinAssignSpec ws = {.kind = WINASSIGN_TUMBLE, .time_col = 1, .size_us = size, .offset_us = offset};
    return ws;
}

static WinAssignSpec hop(int64_t slide, int64_t size, int64_t offset)
{
    WinAssignSpec ws = {.kind = WINASSIGN_HOP, .time_col = 1, .slide_us = slide, .size_us = size, .offset_us = offset};
    return ws;
}

/* The first window of ws holding ts must start at want_first (and there are want_n, step apart). */
static void expect(WinAssignSpec ws, int64_t ts, int64_t want_first, uint32_t want_n)
{
    int64_t first, step;
    uint32_t n;
    winassign_windows(&ws, ts, &first, &n, &step);
    if (first != want_first || n != want_n)
        fail_msg("ts %lld: first %lld n %u, expected %lld n %u", (long long)ts, (long long)first, n,
                 (long long)want_first, want_n);
    assert_int_equal(step, ws.kind == WINASSIGN_HOP ? ws.slide_us : ws.size_us);
}

static void test_tumble_arithmetic(void **state)
{
    UNUSED(state);
    /* 2024-05-01 10:00:05 UTC = 1714557605 */
    expect(tumble(10 * SEC, 0), ux(1714557605, 0), ux(1714557600, 0), 1);
    /* the start belongs to the window, the end to the next one */
    expect(tumble(10 * SEC, 0), ux(1714557600, 0), ux(1714557600, 0), 1);
    expect(tumble(10 * SEC, 0), ux(1714557610, 0) - 1, ux(1714557600, 0), 1);
    expect(tumble(10 * SEC, 0), ux(1714557610, 0), ux(1714557610, 0), 1);
    /* before 1970: floor, not truncation toward zero */
    expect(tumble(10 * SEC, 0), ux(-1, 0), ux(-10, 0), 1);
    expect(tumble(10 * SEC, 0), ux(-10, 0), ux(-10, 0), 1);
    expect(tumble(10 * SEC, 0), ux(-10, -1), ux(-20, 0), 1);
    expect(tumble(DAY, 0), ux(-86400 * 365 - 1, 0), ux(-86400 * 366, 0), 1); /* 1968-12-31 23:59:59 */
    /* aligned to 1970, not to 2000: weeks start on Thursdays (1970-01-01 was one); 2000-01-01 (Saturday,
     * 946684800) is in the week that began on 1999-12-30 */
    expect(tumble(7 * DAY, 0), ux(946684800, 0), ux(946684800 - 2 * 86400, 0), 1);
    expect(tumble(7 * DAY, 0), 0, ux(946684800 - 2 * 86400, 0), 1);
    /* offsets: days starting at 02:00, at 23:00 the day before (negative), and an offset over the size */
    expect(tumble(DAY, 2 * HOUR), ux(90000, 0), ux(7200, 0), 1);        /* 1970-01-02 01:00 */
    expect(tumble(DAY, 2 * HOUR), ux(7199, 0), ux(7200 - 86400, 0), 1);
    expect(tumble(DAY, -HOUR), ux(90000, 0), ux(82800, 0), 1);
    expect(tumble(DAY, 25 * HOUR), ux(90000, 0), ux(90000, 0), 1);     /* = offset 1 h: starts there */
    expect(tumble(DAY, 25 * HOUR), ux(89999, 0), ux(3600, 0), 1);
    expect(tumble(10 * SEC, 3 * SEC), ux(-1, 0), ux(-7, 0), 1);
    /* the microsecond edges of the timestamp range do not overflow */
    int64_t first, step;
    uint32_t n;
    WinAssignSpec ws = tumble(WINASSIGN_MAX_US, -5 * SEC);
    winassign_windows(&ws, SQL_END_TIMESTAMP - 1, &first, &n, &step);
    assert_true(first <= SQL_END_TIMESTAMP - 1 && SQL_END_TIMESTAMP - 1 - first < WINASSIGN_MAX_US);
    winassign_windows(&ws, SQL_MIN_TIMESTAMP, &first, &n, &step);
    assert_true(first <= SQL_MIN_TIMESTAMP && SQL_MIN_TIMESTAMP - first < WINASSIGN_MAX_US);
}

static void test_hop_arithmetic(void **state)
{
    UNUSED(state);
    /* slide 2 s, size 10 s: 10:00:05 is in the windows starting 09:59:56, :58, 10:00:00, :02, :04 */
    expect(hop(2 * SEC, 10 * SEC, 0), ux(1714557605, 0), ux(1714557596, 0), 5);
    /* 10:00:06 ends [09:59:56, 10:00:06): its first window starts at 09:59:58 */
    expect(hop(2 * SEC, 10 * SEC, 0), ux(1714557606, 0), ux(1714557598, 0), 5);
    expect(hop(2 * SEC, 10 * SEC, 0), ux(1714557606, 0) - 1, ux(1714557596, 0), 5);
    /* slide = size is tumble */
    expect(hop(5 * SEC, 5 * SEC, 0), ux(12, 0), ux(10, 0), 1);
    /* offset 1 s: windows start at odd seconds; 1970-01-01 00:00:00 is in [-3, 1) and [-1, 3) */
    expect(hop(2 * SEC, 4 * SEC, SEC), ux(0, 0), ux(-3, 0), 2);
    expect(hop(2 * SEC, 4 * SEC, -SEC), ux(0, 0), ux(-3, 0), 2);
    /* before 1970, 10-minute windows every 5 minutes */
    expect(hop(300 * SEC, 600 * SEC, 0), ux(-1, 0), ux(-600, 0), 2);
}

/* A model of the windows holding ts: every start origin + offset + i * step in (ts - size, ts], found by
 * walking from a start far below; compared with winassign_windows for many random times. */
static void test_windows_model(void **state)
{
    UNUSED(state);
    static const int64_t steps[][3] = {
        /* slide, size, offset (tumble when slide == size) */
        {7 * SEC, 7 * SEC, 0},          {10 * SEC, 10 * SEC, 3 * SEC}, {DAY, DAY, -5 * HOUR},
        {2 * SEC, 10 * SEC, 0},         {3 * SEC, 9 * SEC, 1},         {HOUR, 24 * HOUR, 90 * 60 * SEC},
        {7 * DAY, 7 * DAY, 0},          {999, 2997, -1},               {1, 5, 2},
    };
    uint64_t seed = 42;
    for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
        int64_t slide = steps[s][0], size = steps[s][1], off = steps[s][2];
        WinAssignSpec ws = slide == size ? tumble(size, off) : hop(slide, size, off);
        for (int i = 0; i < 2000; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* times around 1900 .. 2100, plus exact multiples to hit boundaries */
            int64_t ts = ux((int64_t)(seed >> 33) % (200LL * 365 * 86400) - 70LL * 365 * 86400, 0) +
                         (int64_t)(seed % 1000000);
            if (i % 4 == 0)
                ts -= ts % slide;
            /* the model: a start aligned by brute force from 1970 + offset, stepping by slide */
            int64_t origin = ux(0, 0) + off;
            int64_t k = (ts - origin) / slide; /* truncated: may be one step too high or low */
            int64_t s0 = origin + (k - 2) * slide;
            while (s0 + slide <= ts)
                s0 += slide;
            /* s0 is the latest start <= ts; windows are the starts above ts - size */
            int64_t first = s0;
            uint32_t n = 1;
            while (first - slide > ts - size) {
                first -= slide;
                n++;
            }
            expect(ws, ts, first, n);
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * The operator
 * ---------------------------------------------------------------------------------------------- */

static SqlValue TS(int64_t t)
{
    SqlValue v = opt_val(SQL_TIMESTAMPTZ);
    v.u.i = t;
    return v;
}

/* OP_WINASSIGN of spec over child (its time column of type tt). */
static Op *wa_op(OpTest *t, Op *child, WinAssignSpec spec, SqlTypeId tt)
{
    Op *op = opt_op(t, OP_WINASSIGN, child->n_cols + 2);
    memcpy(op->types, child->types, child->n_cols * sizeof(SqlType));
    op->types[child->n_cols] = op->types[child->n_cols + 1] = SQL_TYPE(tt);
    op->child = child;
    WinAssignSpec *ws = arena_try_calloc(t->plan, sizeof(*ws));
    assert_non_null(ws);
    *ws = spec;
    op->spec = ws;
    return op;
}

/* The rows of op in the order it emits them, "\n"-joined (caller frees). */
static char *run_in_order(OpTest *t, Op *op)
{
    OptRows rows = {0};
    if (opt_run_rows(t, op, &rows))
        fail_msg("error %s: %s", t->err.sqlstate, t->err.message);
    size_t len = 1;
    for (size_t i = 0; i < rows.n; i++)
        len += strlen(rows.rows[i]) + 1;
    char *s = calloc(1, len);
    assert_non_null(s);
    for (size_t i = 0; i < rows.n; i++) {
        strcat(s, rows.rows[i]);
        strcat(s, "\n");
    }
    opt_rows_free(&rows);
    return s;
}

static const SqlTypeId three[] = {SQL_INT8, SQL_TIMESTAMPTZ, SQL_TEXT};

static void test_tumble_rows(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    const SqlValue cells[] = {
        I8(1), TS(ux(1714557605, 0)), TX("a"), I8(2), NUL(SQL_TIMESTAMPTZ), TX("b"),
        I8(3), TS(ux(1714557610, 0)), TX("c"), I8(4), TS(ux(-1, 0)),         NUL(SQL_TEXT),
    };
    Op *op = wa_op(&t, opt_values(&t, 3, three, 4, cells), tumble(10 * SEC, 0), SQL_TIMESTAMPTZ);
    char *got = run_in_order(&t, op);
    assert_string_equal(got, "1|2024-05-01 10:00:05+00|a|2024-05-01 10:00:00+00|2024-05-01 10:00:10+00\n"
                             "3|2024-05-01 10:00:10+00|c|2024-05-01 10:00:10+00|2024-05-01 10:00:20+00\n"
                             "4|1969-12-31 23:59:59+00|N|1969-12-31 23:59:50+00|1970-01-01 00:00:00+00\n");
    free(got);
    /* every time present: the pass-through path; re-opened, the same rows */
    const SqlValue all[] = {I8(1), TS(ux(5, 0)), TX("x"), I8(2), TS(ux(15, 0)), TX("y")};
    op = wa_op(&t, opt_values(&t, 3, three, 2, all), tumble(10 * SEC, 0), SQL_TIMESTAMPTZ);
    char *twice = opt_run_twice(&t, op);
    assert_string_equal(twice, "1|1970-01-01 00:00:05+00|x|1970-01-01 00:00:00+00|1970-01-01 00:00:10+00\n"
                               "2|1970-01-01 00:00:15+00|y|1970-01-01 00:00:10+00|1970-01-01 00:00:20+00\n");
    free(twice);
    /* only NULL times: nothing, and no empty batch (opt_run checks) */
    const SqlValue nulls[] = {I8(1), NUL(SQL_TIMESTAMPTZ), TX("x")};
    op = wa_op(&t, opt_values(&t, 3, three, 1, nulls), tumble(10 * SEC, 0), SQL_TIMESTAMPTZ);
    opt_assert_empty(&t, op);
    opt_fini(&t);
}

static void test_hop_rows(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    const SqlTypeId two[] = {SQL_INT8, SQL_TIMESTAMP};
    SqlValue cells[4] = {I8(1), TS(ux(5, 0)), I8(2), TS(ux(6, 0))};
    cells[1].type = cells[3].type = SQL_TYPE(SQL_TIMESTAMP);
    Op *op = wa_op(&t, opt_values(&t, 2, two, 2, cells), hop(2 * SEC, 6 * SEC, 0), SQL_TIMESTAMP);
    /* per row, earliest window first; 6 s is the end of [0, 6), so it starts in [2, 8) */
    char *got = run_in_order(&t, op);
    assert_string_equal(got, "1|1970-01-01 00:00:05|1970-01-01 00:00:00|1970-01-01 00:00:06\n"
                             "1|1970-01-01 00:00:05|1970-01-01 00:00:02|1970-01-01 00:00:08\n"
                             "1|1970-01-01 00:00:05|1970-01-01 00:00:04|1970-01-01 00:00:10\n"
                             "2|1970-01-01 00:00:06|1970-01-01 00:00:02|1970-01-01 00:00:08\n"
                             "2|1970-01-01 00:00:06|1970-01-01 00:00:04|1970-01-01 00:00:10\n"
                             "2|1970-01-01 00:00:06|1970-01-01 00:00:06|1970-01-01 00:00:12\n");
    free(got);
    opt_fini(&t);
}

/* 3000 input rows (two input batches) times 700 windows: many full output batches, one row's windows
 * split across batches, and every (row, window) exactly once. */
static void test_hop_many_batches(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    enum { N = 3000, W = 700 };
    const SqlTypeId two[] = {SQL_INT8, SQL_TIMESTAMPTZ};
    SqlValue *cells = calloc(2 * N, sizeof(SqlValue));
    assert_non_null(cells);
    for (int i = 0; i < N; i++) {
        cells[2 * i] = I8(i);
        cells[2 * i + 1] = i % 10 == 9 ? NUL(SQL_TIMESTAMPTZ) : TS(ux(i, 0));
    }
    Op *op = wa_op(&t, opt_values(&t, 2, two, N, cells), hop(SEC, W * SEC, 0), SQL_TIMESTAMPTZ);
    assert_int_equal(op_open(op, &t.ctx), WEIR_OK);
    uint64_t rows = 0, batches = 0;
    int64_t prev_row = -1, prev_start = 0;
    for (;;) {
        Batch *b;
        assert_int_equal(op_next(op, &t.ctx, &b), WEIR_OK);
        if (!b)
            break;
        assert_true(b->n > 0 && b->n <= VEC_BATCH);
        batches++;
        for (uint32_t r = 0; r < b->n; r++) {
            int64_t id = b->cols[0].u.i[r], ts = b->cols[1].u.i[r], s = b->cols[2].u.i[r], e = b->cols[3].u.i[r];
            assert_true(id % 10 != 9);
            assert_true(s <= ts && ts < e && e - s == W * SEC);
            /* rows in input order, each row's windows one slide apart, earliest first */
            if (id == prev_row)
                assert_int_equal(s, prev_start + SEC);
            else
                assert_true(id > prev_row && s == ts - (W - 1) * SEC);
            prev_row = id;
            prev_start = s;
            rows++;
        }
    }
    op_close(op);
    assert_int_equal(rows, (uint64_t)(N - N / 10) * W);
    /* full batches, but for the last one of each input batch */
    assert_true(batches >= (rows + VEC_BATCH - 1) / VEC_BATCH && batches <= (rows + VEC_BATCH - 1) / VEC_BATCH + 2);
    free(cells);
    opt_fini(&t);
}

static void test_session_rows(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    /* key a, out of order: 10, 1, 35, 3, 30, 8 (gap 5) sorts to 1, 3, 8 (8 - 3 = 5: exactly the gap
     * joins), 10, then 30 (20 after 10: a new session), 35: sessions [1, 15) and [30, 40). Key b alone;
     * a NULL key is a partition of its own (9 and 20: two sessions); a NULL time is left out. */
    const SqlValue cells[] = {
        I8(1), TS(ux(10, 0)), TX("a"), I8(2), TS(ux(1, 0)),  TX("a"), I8(3),  TS(ux(35, 0)), TX("a"),
        I8(4), TS(ux(3, 0)),  TX("a"), I8(5), TS(ux(30, 0)), TX("a"), I8(6),  TS(ux(8, 0)),  TX("a"),
        I8(7), TS(ux(2, 0)),  TX("b"), I8(8), TS(ux(9, 0)),  NUL(SQL_TEXT), I8(9), NUL(SQL_TIMESTAMPTZ), TX("b"),
        I8(10), TS(ux(20, 0)), NUL(SQL_TEXT),
    };
    WinAssignSpec ws = {.kind = WINASSIGN_SESSION, .time_col = 1, .gap_us = 5 * SEC, .n_part = 1};
    uint32_t key = 2;
    ws.part_cols = &key;
    Op *op = wa_op(&t, opt_values(&t, 3, three, 10, cells), ws, SQL_TIMESTAMPTZ);
    char *got = run_in_order(&t, op);
    /* emitted by partition (NULL last), then time */
    assert_string_equal(got, "2|1970-01-01 00:00:01+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                             "4|1970-01-01 00:00:03+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                             "6|1970-01-01 00:00:08+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                             "1|1970-01-01 00:00:10+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                             "5|1970-01-01 00:00:30+00|a|1970-01-01 00:00:30+00|1970-01-01 00:00:40+00\n"
                             "3|1970-01-01 00:00:35+00|a|1970-01-01 00:00:30+00|1970-01-01 00:00:40+00\n"
                             "7|1970-01-01 00:00:02+00|b|1970-01-01 00:00:02+00|1970-01-01 00:00:07+00\n"
                             "8|1970-01-01 00:00:09+00|N|1970-01-01 00:00:09+00|1970-01-01 00:00:14+00\n"
                             "10|1970-01-01 00:00:20+00|N|1970-01-01 00:00:20+00|1970-01-01 00:00:25+00\n");
    free(got);
    /* no keys: one partition; 1, 2, 3, 8, 9, 10 are [1, 15), 20 is 10 after 10 (a new session: [20,
     * 25)), 30 and 35 are [30, 40) (rows sorted as text: opt_run_twice) */
    ws.n_part = 0;
    op = wa_op(&t, opt_values(&t, 3, three, 10, cells), ws, SQL_TIMESTAMPTZ);
    char *twice = opt_run_twice(&t, op);
    assert_string_equal(twice, "10|1970-01-01 00:00:20+00|N|1970-01-01 00:00:20+00|1970-01-01 00:00:25+00\n"
                               "1|1970-01-01 00:00:10+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                               "2|1970-01-01 00:00:01+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                               "3|1970-01-01 00:00:35+00|a|1970-01-01 00:00:30+00|1970-01-01 00:00:40+00\n"
                               "4|1970-01-01 00:00:03+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                               "5|1970-01-01 00:00:30+00|a|1970-01-01 00:00:30+00|1970-01-01 00:00:40+00\n"
                               "6|1970-01-01 00:00:08+00|a|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                               "7|1970-01-01 00:00:02+00|b|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n"
                               "8|1970-01-01 00:00:09+00|N|1970-01-01 00:00:01+00|1970-01-01 00:00:15+00\n");
    free(twice);
    opt_fini(&t);
}

/* Many rows in few partitions, input in descending time: sessions come out right across batches and the
 * strings of the kept rows survive their input batches. */
static void test_session_many(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    enum { N = 5000 };
    SqlValue *cells = calloc(3 * N, sizeof(SqlValue));
    char(*names)[16] = calloc(N, 16);
    assert_true(cells && names);
    for (int i = 0; i < N; i++) {
        /* partition i % 3, times descending 3 s apart within a partition, and 100 s more from 3000 s on:
         * two sessions per partition */
        int j = N - i;
        snprintf(names[i], 16, "user-%d", i % 3);
        cells[3 * i] = I8(i);
        cells[3 * i + 1] = TS(ux(j + (j / 3000) * 100, 0));
        cells[3 * i + 2] = TX(names[i]);
    }
    uint32_t key = 2;
    WinAssignSpec ws = {.kind = WINASSIGN_SESSION, .time_col = 1, .gap_us = 10 * SEC, .n_part = 1, .part_cols = &key};
    Op *op = wa_op(&t, opt_values(&t, 3, three, N, cells), ws, SQL_TIMESTAMPTZ);
    assert_int_equal(op_open(op, &t.ctx), WEIR_OK);
    uint64_t rows = 0;
    char last_key[16] = "";
    int64_t last_ts = INT64_MIN, cur_start = 0, cur_end = 0;
    uint32_t sessions = 0;
    for (;;) {
        Batch *b;
        assert_int_equal(op_next(op, &t.ctx, &b), WEIR_OK);
        if (!b)
            break;
        for (uint32_t r = 0; r < b->n; r++, rows++) {
            Slice k = b->cols[2].u.s[r];
            int64_t ts = b->cols[1].u.i[r], s = b->cols[3].u.i[r], e = b->cols[4].u.i[r];
            assert_true(k.n == 6 && memcmp(k.p, "user-", 5) == 0);
            int same_key = strncmp(last_key, (const char *)k.p, 6) == 0;
            assert_true(!same_key ? strncmp(last_key, (const char *)k.p, 6) < 0 : ts >= last_ts);
            if (!same_key || ts - last_ts > 10 * SEC) {
                sessions++;
                assert_int_equal(s, ts); /* a session starts at its first row */
                cur_start = s;
                cur_end = e;
            } else {
                assert_int_equal(s, cur_start);
                assert_int_equal(e, cur_end);
            }
            assert_true(ts < e);
            memcpy(last_key, k.p, 6);
            last_key[6] = 0;
            last_ts = ts;
        }
    }
    op_close(op);
    assert_int_equal(rows, N);
    /* each partition's times: 1..2999 (steps of 3), then a 100 s hole before 3000.., so two sessions */
    assert_int_equal(sessions, 6);
    free(names);
    free(cells);
    opt_fini(&t);
}

static void test_session_budget(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, 256 * 1024); /* the rows (ten chunks of 32 KB) cannot all be kept */
    enum { N = 20000 };
    const SqlTypeId two[] = {SQL_INT8, SQL_TIMESTAMPTZ};
    SqlValue *cells = calloc(2 * N, sizeof(SqlValue));
    assert_non_null(cells);
    for (int i = 0; i < N; i++) {
        cells[2 * i] = I8(i);
        cells[2 * i + 1] = TS(ux(i, 0));
    }
    WinAssignSpec ws = {.kind = WINASSIGN_SESSION, .time_col = 1, .gap_us = SEC};
    Op *op = wa_op(&t, opt_values(&t, 2, two, N, cells), ws, SQL_TIMESTAMPTZ);
    char *text;
    assert_int_equal(opt_run(&t, op, &text), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "53200");
    free(cells);
    opt_fini(&t);
}

static void test_out_of_range(void **state)
{
    UNUSED(state);
    OpTest t;
    opt_init(&t, ARENA_UNLIMITED);
    const SqlTypeId two[] = {SQL_INT8, SQL_TIMESTAMPTZ};
    const SqlValue inf[] = {I8(1), TS(SQL_DT_NOEND)};
    const SqlValue edge[] = {I8(1), TS(SQL_END_TIMESTAMP - 1)};
    const SqlValue low[] = {I8(1), TS(SQL_MIN_TIMESTAMP)};
    WinAssignSpec sess = {.kind = WINASSIGN_SESSION, .time_col = 1, .gap_us = SEC};
    WinAssignSpec specs[] = {tumble(10 * SEC, 0), hop(SEC, 2 * SEC, 0), sess};
    for (size_t i = 0; i < 3; i++) {
        specs[i].time_col = 1;
        char *text;
        /* infinity belongs to no window */
        Op *op = wa_op(&t, opt_values(&t, 2, two, 1, inf), specs[i], SQL_TIMESTAMPTZ);
        assert_int_equal(opt_run(&t, op, &text), WEIR_ERROR);
        assert_string_equal(t.err.sqlstate, "22008");
        /* a window ending past 294276 AD */
        op = wa_op(&t, opt_values(&t, 2, two, 1, edge), specs[i], SQL_TIMESTAMPTZ);
        assert_int_equal(opt_run(&t, op, &text), WEIR_ERROR);
        assert_string_equal(t.err.sqlstate, "22008");
    }
    /* a window starting before 4714-11-24 BC, the first day: days from 01:00 hold its midnight in the
     * window that began the day before */
    Op *op = wa_op(&t, opt_values(&t, 2, two, 1, low), tumble(DAY, HOUR), SQL_TIMESTAMPTZ);
    char *text;
    assert_int_equal(opt_run(&t, op, &text), WEIR_ERROR);
    assert_string_equal(t.err.sqlstate, "22008");
    /* while midnight-aligned days start right there */
    op = wa_op(&t, opt_values(&t, 2, two, 1, low), tumble(DAY, 0), SQL_TIMESTAMPTZ);
    assert_int_equal(opt_run(&t, op, &text), WEIR_OK);
    assert_string_equal(text, "1|4714-11-24 00:00:00+00 BC|4714-11-24 00:00:00+00 BC|4714-11-25 00:00:00+00 BC\n");
    free(text);
    opt_fini(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tumble_arithmetic), cmocka_unit_test(test_hop_arithmetic),
        cmocka_unit_test(test_windows_model),     cmocka_unit_test(test_tumble_rows),
        cmocka_unit_test(test_hop_rows),          cmocka_unit_test(test_hop_many_batches),
        cmocka_unit_test(test_session_rows),      cmocka_unit_test(test_session_many),
        cmocka_unit_test(test_session_budget),    cmocka_unit_test(test_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
