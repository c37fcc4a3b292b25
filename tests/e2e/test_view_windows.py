# Windowed continuous queries (docs/views.md, docs/sql-windows.md, docs/tables.md "Event time") end to end
# against a real `weir server`, on streams the test writes itself. boto3 writes the records (PutRecord with
# an ExplicitHashKey, so the test decides each record's shard) and reads the output streams; psycopg2
# creates the tables and views and reads SHOW MATERIALIZED VIEWS.
#   - tumble, hop and session views, emit on_window_close and on_update, over records written out of order
#     and some late (behind the watermark): the rows are written out in the test, worked out by hand; the
#     watermark after each phase and late_rows too. The same rows are also checked against the same
#     SELECT run in batch over the records that were not late;
#   - an idle shard: with idle_timeout the watermark moves on without it and windows close; without, they
#     wait; the shard waking up with an old record makes it late for the first view only;
#   - a split (SplitShard), then a merge (MergeShards), while a producer writes: the records after each go
#     to the new shards; the rows are still exact (a model in Python, and the batch SELECT) and the
#     output stream holds each once;
#   - the pipelines weir is built for: web access lines "user id,URL,timestamp" (CSV) counted per
#     10-second window; JSON events {id, event, value, event_time} over hours, counted per id in hop
#     windows of 10 minutes every 5 minutes with a 15-minute watermark delay, read back from the output
#     stream (test_view_output.mjs reads such a stream with the AWS SDK for JavaScript);
#   - docs/views.md's windowed example, its records byte for byte.
#
# How phases make lateness exact: a view reads what was written since its last tick, then moves its
# watermark, so records written together may be read in one tick or in several. The hand-made tests write
# records in phases and wait, after each, until SHOW MATERIALIZED VIEWS shows every record read and the
# expected watermark. Within a phase the watermark can only move from its value before the phase to its
# value after; each phase is built so that every record is late (or on time) under both (Phases checks
# this), so the result does not depend on how the view's ticks cut the phase. Each record carries the
# watermark it was read under (`wm`), which is what the batch SELECT uses to leave out the late ones.
import collections
import datetime
import json
import os
import random
import re
import threading
import time

import weirtest
from pgtest import connect, query
from weirtest import TestFailure, check, eq, main, managed_pg, test

UTC = datetime.timezone.utc
BASE = datetime.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
HASH = [0, 1 << 127]                     # an ExplicitHashKey in each shard of a 2-shard stream


def at(sec):
    """The instant `sec` seconds after BASE (10:00:00 on 2024-05-01)."""
    return BASE + datetime.timedelta(seconds=sec)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


# ---------------------------------------------------------------- the view under test


def show(c, name):
    """The view's SHOW MATERIALIZED VIEWS row as a dict."""
    with c.cursor() as cur:
        cur.execute("SHOW MATERIALIZED VIEWS")
        cols = [d[0] for d in cur.description]
        for r in cur.fetchall():
            if r[0] == name:
                return dict(zip(cols, r))
    raise TestFailure("view %s not in SHOW MATERIALIZED VIEWS" % name)


def wait_for(probe, done, what, timeout=30):
    """Call probe() every 50 ms until done(its result); that result. Fails after timeout seconds, saying
    what was awaited and the last result."""
    deadline = time.time() + timeout
    while True:
        got = probe()
        if done(got):
            return got
        if time.time() > deadline:
            raise TestFailure("after %ds, %s\n got  %r" % (timeout, what, got))
        time.sleep(0.05)


def wait_show(c, name, rows_in, wm, timeout=30):
    """Wait until the view has read rows_in records and its watermark is wm (a datetime or None)."""
    def running():
        r = show(c, name)
        check(r["status"] == "running", "view %s: status %r" % (name, r["status"]))
        return r
    return wait_for(running, lambda r: (r["rows_in"], r["watermark"]) == (rows_in, wm),
                    "view %s: want rows_in %r and watermark %r" % (name, rows_in, wm), timeout)


def fold(changes):
    """The rows an on_update changelog leaves: +I/+U add a row, -U/-D take one away (it must be there)."""
    cur = collections.Counter()
    for op, row in changes:
        if op in ("+I", "+U"):
            cur[row] += 1
        elif op in ("-U", "-D"):
            check(cur[row] > 0, "changelog retracts %r, which it does not hold (%s)" % (row, op))
            cur[row] -= 1
        else:
            raise TestFailure("unknown op %r" % op)
    return sorted(cur.elements())


def view_rows(c, sql):
    """Rows of a query over a view, sorted. When its first column is op (a view that emits updates, read
    as its changelog), the changelog is folded into the rows it leaves."""
    with c.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
        if cur.description[0][0] == "op":
            return fold((r[0], tuple(r[1:])) for r in rows)
    return sorted(rows)


def wait_view(c, sql, want, timeout=30):
    wait_for(lambda: view_rows(c, sql), lambda got: got == want,
             "%s:\n want %r" % (sql, want), timeout)


def put_batch(k, stream, recs):
    """PutRecords, every record accepted."""
    r = weirtest.call_retry(k.put_records, StreamName=stream, Records=recs)
    eq(r.get("FailedRecordCount", 0), 0, "records PutRecords did not write to %s" % stream)


def stream_records(k, stream):
    """Every record of every shard of stream, as (partition key, data as text)."""
    return [(r["PartitionKey"], r["Data"].decode()) for sh in weirtest.list_all_shards(k, stream)
            for r in weirtest.read_shard(k, stream, sh["ShardId"])[0]]


def ts_json(t):
    """A timestamptz as a view's JSON record writes it (PostgreSQL's to_json form)."""
    return t.isoformat()


def wait_stream_rows(k, stream, cols, want, timeout=30):
    """Wait until the output stream's records, as tuples of cols (op first when the records carry one:
    folded), equal want: each row exactly once. Returns the records as (partition key, parsed data)."""
    def rows(recs):
        tup = [tuple(r[x] for x in cols) for _, r in recs]
        return fold((r["op"], row) for (_, r), row in zip(recs, tup)) if recs and "op" in recs[0][1] else sorted(tup)
    last = []

    def probe():
        last[:] = [(pk, json.loads(d)) for pk, d in stream_records(k, stream)]
        return rows(last)
    wait_for(probe, lambda got: got == want, "output stream %s:\n want %r" % (stream, want), timeout)
    return last


def as_json_rows(rows):
    """Expected rows with datetimes in the output stream's JSON form."""
    return sorted(tuple(ts_json(x) if isinstance(x, datetime.datetime) else x for x in r) for r in rows)


# ---------------------------------------------------------------- hand-made phases


def tumble_open(size):
    """tumble(size): the windows of a row at t (seconds) still open under watermark wm."""
    def f(t, wm):
        end = (t // size) * size + size
        return {end} if wm is None or end > wm else set()
    return f


def hop_open(slide, size):
    """hop(slide, size): the same, for the size / slide windows of a row."""
    def f(t, wm):
        first = (t // slide) * slide - size + slide
        ends = {s + size for s in range(first, t + 1, slide) if s <= t < s + size}
        return {e for e in ends if wm is None or e > wm}
    return f


def session_open(t, wm):
    """session: a row at or behind the watermark is late."""
    return {t} if wm is None or t > wm else set()


class Phases:
    """Writes hand-made phases into a 2-shard stream and follows the watermark as the view must compute
    it (per shard: the largest time read minus the delay; the query: the minimum over shards, none while
    a shard has no row; never back). Records are JSON {k, v, ts, wm}; times are seconds after BASE.
    After each phase, the on_window_close view `name`_close must hold exactly the rows of `closed` (all
    the rows it will have) whose windows have closed by then: none early, none missing."""

    def __init__(self, c, k, delay, open_fn, name, closed):
        self.c, self.k, self.delay, self.open_fn, self.name, self.closed = c, k, delay, open_fn, name, closed
        self.max = [None, None]
        self.wm = None
        self.n = 0
        self.late = 0

    def model_wm(self, maxes):
        if None in maxes:
            return self.wm
        w = min(maxes) - self.delay
        return w if self.wm is None or w > self.wm else self.wm

    def untimed(self, recs):
        """Records whose ts is null or infinite: late (counted, in no window) and moving no watermark."""
        for shard, key, ts, v in recs:
            rec = {"k": key, "v": v, "ts": ts, "wm": None if self.wm is None else iso(at(self.wm))}
            self.k.put_record(StreamName="ev", Data=json.dumps(rec).encode(), PartitionKey=key,
                              ExplicitHashKey=str(HASH[shard]))
        self.n += len(recs)
        self.late += len(recs)
        for v in ("_close", "_upd"):
            wait_show(self.c, self.name + v, self.n, at(self.wm))

    def phase(self, recs, wm_after):
        """recs: (shard, k, t, v); wm_after: the watermark after the phase, worked out by hand."""
        maxes = list(self.max)
        for shard, _, t, _ in recs:
            maxes[shard] = t if maxes[shard] is None else max(maxes[shard], t)
        after = self.model_wm(maxes)
        eq(after, wm_after, "the phase's watermark as the test works it out (test data)")
        for shard, key, t, v in recs:
            before_open, after_open = self.open_fn(t, self.wm), self.open_fn(t, after)
            check(before_open == after_open, "test data: %s@%s is late or not depending on the tick (%r vs %r)"
                  % (key, t, before_open, after_open))
            self.late += not before_open
            rec = {"k": key, "v": v, "ts": iso(at(t)), "wm": None if self.wm is None else iso(at(self.wm))}
            weirtest.call_retry(self.k.put_record, StreamName="ev", Data=json.dumps(rec).encode(),
                                PartitionKey=key, ExplicitHashKey=str(HASH[shard]))
        self.max, self.wm = maxes, after
        self.n += len(recs)
        for v in ("_close", "_upd"):
            wait_show(self.c, self.name + v, self.n, None if after is None else at(after))
        wait_view(self.c, "SELECT %s FROM %s_close" % (", ".join(COLS), self.name),
                  [] if after is None else rows_at(self.closed, after))


def setup_ev(c, k):
    weirtest.create_stream(k, "ev", shards=2)
    query(c, "CREATE TABLE ev (k text, v bigint, ts timestamptz, wm timestamptz) WITH (stream = 'ev', "
             "format = 'json', event_time = 'ts', watermark_delay = '5 seconds')")


FAST = "start = 'earliest', checkpoint_interval = '50 milliseconds'"
AGG = "SELECT k, window_start, window_end, count(*) AS n, sum(v) AS s FROM %s GROUP BY k, window_start, window_end"
COLS = ("k", "window_start", "window_end", "n", "s")


def create_pair(c, name, source):
    """Two views of one windowed count over ev: <name>_close (on_window_close, the default) and
    <name>_upd (on_update), with output streams of the same names."""
    q = AGG % source
    query(c, "CREATE MATERIALIZED VIEW %s_close WITH (%s, output_stream = '%s_close') AS %s" % (name, FAST, name, q))
    query(c, "CREATE MATERIALIZED VIEW %s_upd WITH (%s, emit = 'on_update', output_stream = '%s_upd') AS %s"
          % (name, FAST, name, q))


def rows_at(rows, wm):
    """The rows of the windows closed under wm (seconds)."""
    return sorted(r for r in rows if r[2] <= at(wm))


def check_views(c, k, name, ph, closed, still_open, batch_source):
    """closed: the rows of the windows closed at the end (written in the test); still_open: the rows of
    the windows still open (only the on_update view has them). Both views, both output streams, late_rows,
    and the batch SELECT over the records that were on time."""
    closed, still_open = sorted(closed), sorted(still_open)
    wait_view(c, "SELECT %s FROM %s_close" % (", ".join(COLS), name), closed)
    wait_view(c, "SELECT * FROM %s_upd" % name, sorted(closed + still_open))
    wait_stream_rows(k, name + "_close", COLS, as_json_rows(closed))
    upd = wait_stream_rows(k, name + "_upd", COLS, as_json_rows(closed + still_open))
    check(all(set(r) == {"op"} | set(COLS) for _, r in upd), "on_update records: op and the view's columns")
    for v in (name + "_close", name + "_upd"):
        eq(show(c, v)["late_rows"], ph.late, "%s late_rows" % v)
    # the same SELECT in batch, over the records read while their windows were open
    batch = sorted(query(c, AGG % batch_source))
    eq(batch, sorted(closed + still_open), "batch SELECT over the on-time records")
    eq(rows_at(batch, ph.wm), closed, "batch SELECT: the windows closed under the last watermark")


# ---------------------------------------------------------------- tumble


@test(server=False, weir_only="continuous queries")
def test_tumble_out_of_order_and_late():
    """10-second tumbling windows, watermark 5 s behind, two shards. Values are powers of two, so each sum
    names the records it holds. Records whose time is null or infinite are late too."""
    s = managed_pg("vw-tumble")
    k, c = s.client(), connect(s)
    setup_ev(c, k)
    create_pair(c, "tw", "tumble(ev, ts, interval '10 seconds')")
    closed = [("a", at(0), at(10), 4, 1 + 4 + 8 + 64), ("b", at(0), at(10), 1, 2),
              ("a", at(10), at(20), 2, 32 + 2048), ("b", at(10), at(20), 2, 16 + 1024),
              ("a", at(20), at(30), 2, 256 + 32768), ("b", at(20), at(30), 2, 128 + 65536)]
    still_open = [("a", at(30), at(40), 1, 8192), ("b", at(30), at(40), 1, 4096), ("b", at(40), at(50), 1, 131072)]
    ph = Phases(c, k, 5, tumble_open(10), "tw", closed)
    ph.phase([(0, "a", 1, 1), (0, "b", 7, 2), (0, "a", 3, 4), (1, "a", 2, 8)], -3)   # shard 0 out of order
    ph.phase([(1, "b", 12, 16), (1, "a", 14, 32), (0, "a", 9, 64)], 4)
    ph.phase([(0, "b", 21, 128), (1, "a", 22, 256)], 16)                    # closes [0, 10)
    ph.phase([(0, "a", 8, 512),                                              # late: [0, 10) has closed
              (1, "b", 15, 1024), (0, "a", 19, 2048)], 16)                   # out of order, on time
    eq(show(c, "tw_close")["late_rows"], 1, "late_rows after a@8")
    ph.phase([(0, "b", 35, 4096), (1, "a", 31, 8192)], 26)                   # closes [10, 20)
    ph.phase([(1, "b", 18, 16384),                                           # late
              (0, "a", 26, 32768), (1, "b", 29, 65536)], 26)                 # [20, 30) still open
    ph.phase([(1, "b", 47, 131072)], 30)                                     # closes [20, 30)
    ph.untimed([(0, "a", None, 262144), (1, "b", "infinity", 524288), (0, "a", "-infinity", 1048576)])
    eq(ph.late, 5, "late records (test data)")
    check_views(c, k, "tw", ph, closed, still_open,
                "tumble((SELECT * FROM ev WHERE ts > '-infinity' AND ts < 'infinity'), ts, interval '10 seconds') "
                "WHERE window_end > coalesce(wm, '-infinity')")


# ---------------------------------------------------------------- hop


@test(server=False, weir_only="continuous queries")
def test_hop_partly_late_rows():
    """10-second windows every 5 seconds, watermark 5 s behind. A row some of whose windows have closed
    goes to the open ones and is not late; a row whose windows have all closed is late."""
    s = managed_pg("vw-hop")
    k, c = s.client(), connect(s)
    setup_ev(c, k)
    create_pair(c, "hw", "hop(ev, ts, interval '5 seconds', interval '10 seconds')")
    closed = [("a", at(-5), at(5), 2, 1 + 8), ("b", at(-5), at(5), 1, 4),
              ("a", at(0), at(10), 5, 1 + 2 + 8 + 64 + 256), ("b", at(0), at(10), 2, 4 + 128),
              ("a", at(5), at(15), 4, 2 + 32 + 256 + 8192), ("b", at(5), at(15), 2, 16 + 4096),
              ("a", at(10), at(20), 3, 32 + 512 + 8192), ("b", at(10), at(20), 2, 16 + 1024)]
    still_open = [("a", at(15), at(25), 2, 512 + 131072), ("b", at(15), at(25), 1, 1024),
                  ("a", at(20), at(30), 1, 131072), ("b", at(20), at(30), 1, 32768),
                  ("a", at(25), at(35), 1, 16384), ("b", at(25), at(35), 1, 32768),
                  ("a", at(30), at(40), 1, 16384)]
    ph = Phases(c, k, 5, hop_open(5, 10), "hw", closed)
    ph.phase([(0, "a", 1, 1), (0, "a", 6, 2), (1, "b", 3, 4), (1, "a", 4, 8)], -1)
    ph.phase([(0, "b", 11, 16), (1, "a", 12, 32)], 6)                        # closes [-5, 5)
    ph.phase([(1, "a", 2, 64), (0, "b", 4, 128),                             # [-5, 5) closed: [0, 10) only
              (0, "a", 9, 256)], 6)
    ph.phase([(0, "a", 17, 512), (1, "b", 16, 1024)], 11)                    # closes [0, 10)
    ph.phase([(0, "a", 3, 2048),                                             # late: both windows closed
              (1, "b", 8, 4096),                                             # [5, 15) only
              (1, "a", 14, 8192)], 11)
    ph.phase([(0, "a", 30, 16384), (1, "b", 27, 32768)], 22)                 # closes [5, 15), [10, 20)
    ph.phase([(0, "b", 13, 65536),                                           # late
              (1, "a", 21, 131072)], 22)
    eq(ph.late, 2, "late records (test data)")
    check_views(c, k, "hw", ph, closed, still_open,
                "hop(ev, ts, interval '5 seconds', interval '10 seconds') "
                "WHERE window_end > coalesce(wm, '-infinity')")


# ---------------------------------------------------------------- session


@test(server=False, weir_only="continuous queries")
def test_session_merges_and_late():
    """Sessions per key with a 10-second gap, watermark 5 s behind: a row arriving out of order bridges
    two sessions into one; a row at or behind the watermark is late even when an open session would
    take it."""
    s = managed_pg("vw-session")
    k, c = s.client(), connect(s)
    setup_ev(c, k)
    create_pair(c, "sw", "session(ev, ts, interval '10 seconds', k)")
    closed = [("a", at(1), at(30), 4, 1 + 2 + 8 + 16), ("b", at(2), at(35), 4, 4 + 32 + 64 + 128),
              ("b", at(36), at(46), 1, 4096), ("c", at(40), at(52), 2, 512 + 1024)]
    still_open = [("d", at(70), at(81), 2, 8192 + 16384)]
    ph = Phases(c, k, 5, session_open, "sw", closed)
    ph.phase([(0, "a", 1, 1), (0, "a", 20, 2), (1, "b", 2, 4), (1, "a", 5, 8)], 0)   # a: [1, 15) and [20, 30)
    ph.phase([(1, "a", 12, 16),                                              # bridges them: a [1, 30)
              (1, "b", 9, 32)], 7)                                           # b [2, 19)
    ph.phase([(1, "b", 25, 64)], 15)                                         # b [25, 35): 25 > 19
    ph.phase([(0, "b", 16, 128),                                             # bridges: b [2, 35)
              (0, "a", 8, 256)], 15)                                         # late: 8 <= 15
    ph.phase([(0, "c", 40, 512), (1, "c", 42, 1024)], 35)                    # closes a [1, 30), b [2, 35)
    ph.phase([(0, "a", 33, 2048),                                            # late: 33 <= 35
              (1, "b", 36, 4096)], 35)                                       # a new b session
    ph.phase([(0, "d", 70, 8192), (1, "d", 71, 16384)], 65)                  # closes b [36, 46), c [40, 52)
    eq(ph.late, 2, "late records (test data)")
    check_views(c, k, "sw", ph, closed, still_open,
                "session((SELECT * FROM ev WHERE ts > coalesce(wm, '-infinity')), ts, interval '10 seconds', k)")


# ---------------------------------------------------------------- idle shard


@test(server=False, weir_only="continuous queries")
def test_idle_shard():
    """Two tables on one 2-shard stream, the same 10-second count over each: `ev_idle` declares
    idle_timeout = '1 second', `ev_wait` none (watermark_delay 0 for both). When shard 1 falls silent the
    first view's watermark moves on with shard 0 and its windows close; the second's waits. When shard 1
    wakes up with an old record, it is late for the first view and closes a window of the second."""
    s = managed_pg("vw-idle")
    k, c = s.client(), connect(s)
    weirtest.create_stream(k, "ev", shards=2)
    for name, extra in (("ev_wait", ""), ("ev_idle", ", idle_timeout = '1 second'")):
        query(c, "CREATE TABLE %s (k text, v bigint, ts timestamptz, wm timestamptz) WITH (stream = 'ev', "
                 "format = 'json', event_time = 'ts', watermark_delay = '0 seconds'%s)" % (name, extra))
        query(c, "CREATE MATERIALIZED VIEW %s_v WITH (%s, output_stream = '%s_v') AS %s"
              % (name, FAST, name, AGG % ("tumble(%s, ts, interval '10 seconds')" % name)))
    n = 0
    idle_wm = [None]    # the ev_idle view's watermark when a record is read: what makes it late there

    def put(shard, key, t, v):
        nonlocal n
        rec = {"k": key, "v": v, "ts": iso(at(t)), "wm": None if idle_wm[0] is None else iso(at(idle_wm[0]))}
        k.put_record(StreamName="ev", Data=json.dumps(rec).encode(), PartitionKey=key,
                     ExplicitHashKey=str(HASH[shard]))
        n += 1

    def both(wait_wm, idle_wm_want, timeout=30):
        wait_show(c, "ev_idle_v", n, None if idle_wm_want is None else at(idle_wm_want), timeout)
        wait_show(c, "ev_wait_v", n, None if wait_wm is None else at(wait_wm), timeout)
        idle_wm[0] = idle_wm_want

    sel = "SELECT %s FROM %%s" % ", ".join(COLS)
    put(0, "a", 1, 1)                        # shard 1 has no row yet
    both(None, 1)                            # idle: both shards idle after 1 s, the largest watermark
    time.sleep(2.5)
    both(None, 1)                            # without idle_timeout an empty shard holds it at none
    put(1, "a", 2, 2)
    both(1, 2)
    put(0, "a", 15, 4)
    put(0, "a", 25, 8)
    both(2, 25)                              # shard 1 silent: the idle view goes on with shard 0
    w0, w10 = ("a", at(0), at(10), 2, 3), ("a", at(10), at(20), 1, 4)
    wait_view(c, sel % "ev_idle_v", [w0, w10])
    time.sleep(2.5)
    both(2, 25)
    eq(view_rows(c, sel % "ev_wait_v"), [], "ev_wait_v: windows wait for the silent shard")
    put(1, "a", 12, 16)                      # late for ev_idle_v ([10, 20) closed); on time for ev_wait_v
    both(12, 25)
    wait_view(c, sel % "ev_wait_v", [w0])
    put(1, "a", 26, 32)
    both(25, 26)                             # ev_idle_v: shard 0 idle, shard 1 at 26
    want_wait = [w0, ("a", at(10), at(20), 2, 4 + 16)]
    wait_view(c, sel % "ev_wait_v", want_wait)
    wait_view(c, sel % "ev_idle_v", [w0, w10])
    wait_stream_rows(k, "ev_wait_v", COLS, as_json_rows(want_wait))
    wait_stream_rows(k, "ev_idle_v", COLS, as_json_rows([w0, w10]))
    eq((show(c, "ev_wait_v")["late_rows"], show(c, "ev_idle_v")["late_rows"]), (0, 1), "late_rows (wait, idle)")
    check("idle" in show(c, "ev_idle_v")["positions"], "SHOW positions names the idle shards")
    eq(rows_at(query(c, AGG % "tumble(ev_wait, ts, interval '10 seconds')"), 25), want_wait, "batch, ev_wait")
    eq(rows_at(query(c, AGG % "tumble(ev_idle, ts, interval '10 seconds') WHERE window_end > coalesce(wm, "
                              "'-infinity')"), 26), [w0, w10], "batch over the on-time records, ev_idle")


# ---------------------------------------------------------------- split and merge during the run


SPLIT_HASH = [1 << 125, 3 << 125, 5 << 125]   # shard 0's lower and upper half (its children), shard 1


@test(server=False, weir_only="continuous queries")
def test_split_and_merge_during_run():
    """A producer writes 1,200 records (50 ms of event time apart, up to 300 ms out of order, watermark
    1 s behind) into a 2-shard stream; after a third, SplitShard splits shard 0 in two, and the records
    after it go to the children; after two thirds, MergeShards merges the children again, and their records
    go to the merged shard. No record is late, and the 1-second counts are exact: as computed here, as the
    batch SELECT computes them, once each in the output stream."""
    s = managed_pg("vw-split")
    k, c = s.client(), connect(s)
    weirtest.create_stream(k, "sp", shards=2)
    query(c, "CREATE TABLE sp (k text, v bigint, ts timestamptz) WITH (stream = 'sp', format = 'json', "
             "event_time = 'ts', watermark_delay = '1 second')")
    q = AGG % "tumble(sp, ts, interval '1 second')"
    query(c, "CREATE MATERIALIZED VIEW sp_v WITH (%s, output_stream = 'sp_v') AS %s" % (FAST, q))
    n = 1200
    recs = [("k%d" % (i % 5), i, i * 50 - (i % 4) * 100, SPLIT_HASH[i % 3]) for i in range(n)]   # times in ms
    written = [0]
    errors = []

    def producer():
        try:
            for lo in range(0, n, 10):
                batch = [{"Data": json.dumps({"k": key, "v": v, "ts": iso(at(t / 1000))}).encode(), "PartitionKey": key,
                          "ExplicitHashKey": str(h)} for key, v, t, h in recs[lo:lo + 10]]
                put_batch(k, "sp", batch)
                written[0] = lo + len(batch)
                time.sleep(0.01)
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    def when_written(m):
        while written[0] < m and th.is_alive():
            time.sleep(0.01)
        check(written[0] < n - 100, "resharding while records are written (%d of %d)" % (written[0], n))

    th = threading.Thread(target=producer)
    th.start()
    parent = weirtest.shard_id(0)
    when_written(n // 3)
    k.split_shard(StreamName="sp", ShardToSplit=parent, NewStartingHashKey=str(1 << 126))
    weirtest.wait_active(k, "sp")
    children = sorted(x["ShardId"] for x in weirtest.list_all_shards(k, "sp") if x.get("ParentShardId") == parent)
    eq(len(children), 2, "children of %s" % parent)
    when_written(2 * n // 3)
    k.merge_shards(StreamName="sp", ShardToMerge=children[0], AdjacentShardToMerge=children[1])
    th.join()
    check(not errors, "producer: %r" % errors)
    weirtest.wait_active(k, "sp")
    merged = [x["ShardId"] for x in weirtest.list_all_shards(k, "sp")
              if {x.get("ParentShardId"), x.get("AdjacentParentShardId")} == set(children)]
    eq(len(merged), 1, "the shard merged from %r" % children)
    for sh in children + merged:
        got, _ = weirtest.read_shard(k, "sp", sh)
        check(len(got) > 50, "%s holds records written after the resharding (%d)" % (sh, len(got)))
    # flush: a record an hour later on every open shard moves the watermark past every window
    for h in SPLIT_HASH:
        k.put_record(StreamName="sp", Data=json.dumps({"k": "flush", "v": 0, "ts": iso(at(3600))}).encode(),
                     PartitionKey="flush", ExplicitHashKey=str(h))
    wait_show(c, "sp_v", n + 3, at(3599))
    model = collections.defaultdict(lambda: [0, 0])
    for key, v, t, _ in recs:
        ws = at(t // 1000)
        model[(key, ws)][0] += 1
        model[(key, ws)][1] += v
    want = sorted((key, ws, ws + datetime.timedelta(seconds=1), cnt, sm) for (key, ws), (cnt, sm) in model.items())
    wait_view(c, "SELECT %s FROM sp_v" % ", ".join(COLS), want)
    wait_stream_rows(k, "sp_v", COLS, as_json_rows(want))
    eq(sorted(query(c, AGG % "tumble((SELECT * FROM sp WHERE k <> 'flush'), ts, interval '1 second')")), want,
       "batch SELECT")
    r = show(c, "sp_v")
    eq(r["late_rows"], 0, "late_rows")
    for sh in [parent] + children:
        check("sp/%s done" % sh in r["positions"], "%s is read to its end: %s" % (sh, r["positions"]))
    check("sp/%s reading" % merged[0] in r["positions"], "the merged shard is read: %s" % r["positions"])


# ---------------------------------------------------------------- pipelines

URLS = ["/", "/pricing", "/docs", "/docs/sql", "/signup", "/login", "/blog/streams", "/product?id=17",
        "/product?id=42", "/cart", "/checkout", "/api/v1/items"]


def access_lines(n, seed):
    """A web access generator: n lines "user id,URL,timestamp" as a web server writes them, about 10 per
    second, each stamped up to 2 s before it is written (clocks and buffering on the web servers)."""
    rng = random.Random(seed)
    t = 0
    out = []
    for _ in range(n):
        t += rng.randint(0, 200)
        ts = at((t - rng.randint(0, 2000)) / 1000)
        out.append((rng.randint(1, 40), rng.choice(URLS), ts))
    return out


@test(server=False, weir_only="continuous queries")
def test_web_access_10s_counts():
    """Web access lines (CSV) on a 4-shard stream, partitioned by user, counted per 10-second window while
    they are written: hits and distinct users per window, equal to a count made here and to the batch
    SELECT, each window once in the output stream."""
    s = managed_pg("vw-access")
    k, c = s.client(), connect(s)
    weirtest.create_stream(k, "access", shards=4)
    query(c, "CREATE TABLE access (user_id bigint, url text, ts timestamptz) WITH (stream = 'access', "
             "format = 'csv', event_time = 'ts', watermark_delay = '3 seconds')")
    q = ("SELECT window_start, window_end, count(*) AS hits, count(DISTINCT user_id) AS users "
         "FROM tumble(access, ts, interval '10 seconds') GROUP BY window_start, window_end")
    query(c, "CREATE MATERIALIZED VIEW hits_10s WITH (checkpoint_interval = '100 milliseconds', "
             "output_stream = 'hits_10s') AS " + q)
    time.sleep(0.3)                      # start = 'latest': the view reads what comes after it
    lines = access_lines(3000, 7)
    for lo in range(0, len(lines), 250):
        recs = [{"Data": ("%d,%s,%s" % (u, url, iso(ts))).encode(), "PartitionKey": str(u)}
                for u, url, ts in lines[lo:lo + 250]]
        put_batch(k, "access", recs)
    for j in range(4):                   # a line an hour later on each shard closes every window
        k.put_record(StreamName="access", Data=("0,/flush,%s" % iso(at(3600))).encode(), PartitionKey="0",
                     ExplicitHashKey=str(j << 126))
    wait_show(c, "hits_10s", len(lines) + 4, at(3597), timeout=60)
    win = collections.defaultdict(list)
    for u, _, ts in lines:
        ws = at(int((ts - BASE).total_seconds() // 10) * 10)
        win[ws].append(u)
    want = sorted((ws, ws + datetime.timedelta(seconds=10), len(us), len(set(us))) for ws, us in win.items())
    check(len(want) >= 30, "about 300 s of lines: %d windows" % len(want))
    wait_view(c, "SELECT window_start, window_end, hits, users FROM hits_10s", want)
    wait_stream_rows(k, "hits_10s", ("window_start", "window_end", "hits", "users"), as_json_rows(want))
    eq(sorted(query(c, q.replace("tumble(access,", "tumble((SELECT * FROM access WHERE url <> '/flush'),"))), want,
       "batch SELECT")
    eq(show(c, "hits_10s")["late_rows"], 0, "late_rows")


def json_events(n, seed):
    """JSON events {id, event, value, event_time}: about one every 5 s of event time (n = 4000: five and a
    half hours), each up to 14 minutes older than the newest before it."""
    rng = random.Random(seed)
    t = 0
    out = []
    for _ in range(n):
        t += rng.randint(0, 10)
        out.append({"id": rng.randint(1, 20), "event": rng.choice(["view", "click", "cart", "buy"]),
                    "value": rng.randint(1, 500), "event_time": iso(at(t - rng.randint(0, 14 * 60)))})
    return out


HOP_Q = ("SELECT id, window_start, window_end, count(*) AS events, sum(value) AS total "
         "FROM hop(%s, event_time, interval '5 minutes', interval '10 minutes') GROUP BY id, window_start, window_end")
HOP_COLS = ("id", "window_start", "window_end", "events", "total")


def hop_model(evs):
    """HOP_Q computed here: (id, start, end, count, sum) of every 10-minute window every 5 minutes."""
    acc = collections.defaultdict(lambda: [0, 0])
    for e in evs:
        sec = int((parse_iso(e["event_time"]) - BASE).total_seconds())
        for start in ((sec // 300) * 300 - 300, (sec // 300) * 300):
            acc[(e["id"], at(start))][0] += 1
            acc[(e["id"], at(start))][1] += e["value"]
    return sorted((i, ws, ws + datetime.timedelta(minutes=10), cnt, sm) for (i, ws), (cnt, sm) in acc.items())


@test(server=False, weir_only="continuous queries")
def test_json_events_hop_per_id():
    """JSON events over hours, counted per id in 10-minute windows every 5 minutes with a 15-minute
    watermark delay: every record within the delay counts; then ten records older than every open window
    are late (counted, not in the rows). The view, its output stream (partition key: the id) and a model
    here agree, and equal the batch SELECT over the records that arrived before the late ones."""
    s = managed_pg("vw-events")
    k, c = s.client(), connect(s)
    weirtest.create_stream(k, "events", shards=2)
    query(c, "CREATE TABLE events (id bigint, event text, value bigint, event_time timestamptz) WITH ("
             "stream = 'events', format = 'json', event_time = 'event_time', watermark_delay = '15 minutes')")
    query(c, "CREATE MATERIALIZED VIEW id_counts WITH (start = 'earliest', output_stream = 'id_counts', "
             "partition_key = 'id', checkpoint_interval = '100 milliseconds') AS " + HOP_Q % "events")
    evs = json_events(4000, 11)
    for lo in range(0, len(evs), 500):
        recs = [{"Data": json.dumps(e).encode(), "PartitionKey": str(e["id"])} for e in evs[lo:lo + 500]]
        put_batch(k, "events", recs)
    # the watermark: per shard the newest event time minus 15 minutes, the oldest of the two
    ranges = weirtest.initial_ranges(2)
    newest = [None, None]
    for e in evs:
        h = weirtest.md5_hash_key(str(e["id"]))
        j = next(i for i, (lo, hi) in enumerate(ranges) if lo <= h <= hi)
        newest[j] = max(newest[j] or e["event_time"], e["event_time"])
    wm = wait_show(c, "id_counts", len(evs), parse_iso(min(newest)) - datetime.timedelta(minutes=15))["watermark"]
    time.sleep(0.01)
    cut = datetime.datetime.now(UTC)
    time.sleep(0.01)
    rng = random.Random(5)
    late = [{"id": rng.randint(1, 20), "event": "click", "value": 1000,
             "event_time": iso(wm - datetime.timedelta(minutes=10, seconds=rng.randint(0, 7200)))} for _ in range(10)]
    flush = [{"id": 0, "event": "flush", "value": 0, "event_time": iso(at(86400))}]
    for e in late:
        k.put_record(StreamName="events", Data=json.dumps(e).encode(), PartitionKey=str(e["id"]))
    for h in HASH:
        k.put_record(StreamName="events", Data=json.dumps(flush[0]).encode(), PartitionKey="0", ExplicitHashKey=str(h))
    wait_show(c, "id_counts", len(evs) + len(late) + 2, at(86400 - 900), timeout=60)
    want = hop_model(evs)
    check(len(want) > 1000, "windows per id over hours: %d rows" % len(want))
    wait_view(c, "SELECT %s FROM id_counts" % ", ".join(HOP_COLS), want, timeout=60)
    recs = wait_stream_rows(k, "id_counts", HOP_COLS, as_json_rows(want), timeout=60)
    check(all(set(r) == set(HOP_COLS) for _, r in recs), "records hold the view's columns")
    check(all(pk == str(r["id"]) for pk, r in recs), "partition key = id")
    eq(show(c, "id_counts")["late_rows"], len(late), "late_rows")
    batch = query(c, HOP_Q % "(SELECT * FROM events WHERE _arrival_time < %s)", (cut,))
    eq(sorted(batch), want, "batch SELECT over the records that arrived before the late ones")



@test(server=False, weir_only="continuous queries")
def test_docs_windowed_example():
    """docs/views.md "A windowed view, step by step": its statements, the events it describes, the records
    it shows (byte for byte) and the late event."""
    text = open(os.path.join(weirtest.REPO, "docs", "views.md"), encoding="utf-8").read()
    sec = text[text.index("## A windowed view, step by step"):]
    m = re.search(r"```sql\n(.*?)```.*?```\n(.*?)```", sec, re.S)
    stmts = [x.strip() for x in m.group(1).split(";") if x.strip()]
    shown = m.group(2).strip().splitlines()
    s = managed_pg("vw-docs")
    k, c = s.client(), connect(s)
    weirtest.create_stream(k, "events", shards=1)
    for st in stmts:
        query(c, st)
    time.sleep(0.3)                      # start = 'latest': the events come after the view starts

    def event(hhmm):
        e = {"id": 7, "event": "click", "value": 3, "event_time": "2024-05-01T%s:00Z" % hhmm}
        k.put_record(StreamName="events", Data=json.dumps(e).encode(), PartitionKey="7")

    for hhmm in ("10:06", "10:14", "10:08", "10:31"):
        event(hhmm)
    wait_show(c, "events_per_id", 4, datetime.datetime(2024, 5, 1, 10, 16, tzinfo=UTC))

    def records():
        return [d for _, d in stream_records(k, "events_per_id")]

    wait_for(records, lambda got: sorted(got) == sorted(shown), "the records docs/views.md shows")
    eq(view_rows(c, "SELECT count(*) FROM events_per_id"), [(2,)], "rows of the view")
    event("10:02")
    wait_for(lambda: show(c, "events_per_id"), lambda r: r["late_rows"] == 1, "the 10:02 event counted late")
    time.sleep(1.2)                      # a checkpoint later, nothing more in the stream
    eq(sorted(records()), sorted(shown), "records after the late event")


if __name__ == "__main__":
    main()
