# Continuous queries (docs/views.md), what a view's table shows and where late rows go, end to end
# against a real `weir server` (boto3 writes the streams, psycopg2 runs the SQL):
#   - a running GROUP BY (it emits updates): SELECT * FROM the view shows its current rows, equal to the
#     same GROUP BY run in batch, while a producer writes and across kill -9; every answer is one
#     consistent snapshot (no group twice, as a half-applied update would show); its output stream
#     still holds the changelog (op column), whose net effect is the same rows; SHOW counts its state;
#   - keep: a windowed view shows only the windows within keep of its watermark, also after kill -9,
#     while its output stream holds every window;
#   - late_stream: rows behind the watermark (closed windows) and rows without an event time reach the
#     late stream exactly once across kill -9s, with their columns, why and where; SHOW counts them.
import collections
import json
import random
import time

import weirtest
from pgtest import connect, query
from weirtest import TestFailure, check, eq, main, managed_pg, test

T0 = 1704067200  # 2024-01-01T00:00:00Z


def iso(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T0 + sec))


def put(k, stream, rows, key=lambda r: str(r.get("id"))):
    for i in range(0, len(rows), 500):
        recs = [{"Data": json.dumps(r).encode(), "PartitionKey": key(r)} for r in rows[i:i + 500]]
        r = weirtest.call_retry(k.put_records, StreamName=stream, Records=recs)
        eq(r.get("FailedRecordCount", 0), 0, "failed records")


read_stream = weirtest.read_stream_json


def start(name, stream, shards, table_sql):
    """A server with stream (shards shards) and the table of table_sql over it: (server, boto3, psycopg2)."""
    s = managed_pg(name, args=["--fsync", "batch"])
    k = s.client()
    c = connect(s)
    weirtest.create_stream(k, stream, shards=shards)
    query(c, table_sql)
    return s, k, c


def wait_for(what, fn, timeout=60):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        ok, last = fn()
        if ok:
            return last
        time.sleep(0.1)
    raise TestFailure("%s: still %r after %ds" % (what, last, timeout))


def show(c, name):
    cols = ["name", "status", "watermark", "rows_in", "rows_out", "late_rows", "state_entries", "state_bytes",
            "checkpoints", "output_stream", "positions", "query"]
    for r in query(c, "SHOW MATERIALIZED VIEWS"):
        if r[0] == name:
            return dict(zip(cols, r))
    raise TestFailure("view %s not in SHOW MATERIALIZED VIEWS" % name)


def restart(s, how):
    if how == "kill9":
        s.kill9()
    else:
        eq(s.stop(), 0, "SIGTERM exit status")
    s.start()
    return s.client(), connect(s)


GROUPS = ("SELECT bidder % 7 AS k, count(*) AS n, sum(price) AS total, max(price) AS top "
          "FROM bid GROUP BY bidder % 7")


@test(server=False, weir_only="continuous queries")
def test_running_group_by_current_rows():
    s, k, c = start("views-current", "bids", 2, "CREATE TABLE bid (id bigint, bidder bigint, price bigint, "
                    "ts timestamptz) WITH (stream = 'bids', format = 'json', event_time = 'ts')")
    query(c, "CREATE MATERIALIZED VIEW groups WITH (start = 'earliest', state_ttl = '1 hour', "
             "checkpoint_interval = '50 milliseconds') AS " + GROUPS)
    eq(query(c, "SELECT * FROM groups"), [], "a new view's rows")
    rng = random.Random(7)
    nid = 0
    for rnd in range(6):
        rows = []
        for _ in range(700):
            rows.append({"id": nid, "bidder": rng.randrange(1000), "price": rng.randrange(1, 10000),
                         "ts": iso(nid // 10)})
            nid += 1
        put(k, "bids", rows)
        # while the view catches up, every answer is one snapshot: each group once
        for _ in range(5):
            got = query(c, "SELECT k FROM groups")
            eq(len(got), len(set(got)), "groups in one answer")
            time.sleep(0.02)
        if rnd in (1, 3):
            k, c = restart(s, "kill9")
        elif rnd == 4:
            k, c = restart(s, "term")
    want = sorted(query(c, GROUPS))
    eq(len(want), 7, "groups in batch")
    wait_for("view = batch", lambda: (sorted(query(c, "SELECT * FROM groups")) == want,
                                      sorted(query(c, "SELECT * FROM groups"))))
    eq(sorted(query(c, "SELECT k, n FROM groups WHERE total > 0")), sorted((r[0], r[1]) for r in want),
       "a WHERE over the view")
    eq(query(c, "SELECT sum(n) FROM groups"), [(nid,)], "every bid counted once")
    import psycopg2
    try:
        query(c, "SELECT op FROM groups")
        raise TestFailure("the view's table has an op column")
    except psycopg2.Error as e:
        eq(e.pgcode, "42703", "op is not a column of the view")
    # the output stream is the changelog: applying it gives the same rows
    recs = read_stream(k, "_weir_view_groups")
    check(recs and all(r["op"] in ("+I", "-U", "+U", "-D") for r in recs), "changelog records")
    cur = collections.Counter()
    for r in recs:
        row = (r["k"], r["n"], r["total"], r["top"])
        cur[row] += 1 if r["op"] in ("+I", "+U") else -1
    eq(sorted(r for r, m in cur.items() for _ in range(m)), want, "changelog applied")
    check(all(m >= 0 for m in cur.values()), "no row retracted more than inserted")
    sv = show(c, "groups")
    eq((sv["status"], sv["late_rows"]), ("running", 0), "SHOW status and late rows")
    # the aggregate's groups and the view's 7 rows are state
    check(sv["state_entries"] >= 14 and sv["state_bytes"] > 0, "state in SHOW: %r" % (sv,))
    eq(query(c, "SELECT relkind FROM pg_class WHERE relname = 'groups'"), [("m",)], "relkind of a view")
    query(c, "DROP MATERIALIZED VIEW groups")


EV = ("CREATE TABLE ev (id bigint, v bigint, ts timestamptz) WITH (stream = 'events', format = 'json', "
      "event_time = 'ts', watermark_delay = '0 seconds')")
WINDOWS = ("SELECT window_start, window_end, count(*) AS n, sum(v) AS total "
           "FROM tumble(ev, ts, INTERVAL '10 seconds') GROUP BY window_start, window_end")


@test(server=False, weir_only="continuous queries")
def test_keep_shows_recent_windows():
    s, k, c = start("views-keep", "events", 1, EV)
    query(c, "CREATE MATERIALIZED VIEW recent WITH (start = 'earliest', keep = '30 seconds', output_stream = "
             "'recent_out', checkpoint_interval = '50 milliseconds') AS " + WINDOWS)
    put(k, "events", [{"id": i, "v": i, "ts": iso(i)} for i in range(100)])

    def windows(lo, hi):
        return [(lo_end - 10, lo_end, 10, sum(range(lo_end - 10, lo_end))) for lo_end in range(lo, hi + 1, 10)]

    def view_rows():
        return sorted((int(a.timestamp()) - T0, int(b.timestamp()) - T0, n, t)
                      for a, b, n, t in query(c, "SELECT * FROM recent"))

    # watermark 99 s: windows ending at 10 .. 90 closed; kept: window_end >= 99 - 30
    wait_for("windows within keep", lambda: (view_rows() == windows(70, 90), view_rows()))
    eq(sorted(r["n"] for r in read_stream(k, "recent_out")), [10] * 9, "the output stream has every window")
    k, c = restart(s, "kill9")
    eq(view_rows(), windows(70, 90), "the kept windows after kill -9")
    put(k, "events", [{"id": 1000, "v": 0, "ts": iso(125)}])
    # watermark 125 s: window 90..100 closes; kept: window_end >= 95
    wait_for("windows within keep after the watermark moved",
             lambda: (view_rows() == windows(100, 100), view_rows()))
    eq(len(read_stream(k, "recent_out")), 10, "every window, once, in the output stream")
    eq(query(c, "SELECT count(*) FROM recent WHERE n = 10"), [(1,)], "a WHERE over the kept rows")


@test(server=False, weir_only="continuous queries")
def test_late_stream_exactly_once():
    s, k, c = start("views-late", "events", 2, EV)
    query(c, "CREATE MATERIALIZED VIEW per10 WITH (start = 'earliest', late_stream = 'ev_late', "
             "checkpoint_interval = '50 milliseconds') AS " + WINDOWS.replace("sum(v)", "sum(id)"))
    put(k, "events", [{"id": i, "v": i, "ts": iso(i)} for i in range(200)])
    # both shards got rows up to ~199 s: once the watermark is there (and checkpointed with it), rows
    # older than 190 s are late in any replay
    wait_for("watermark", lambda: ((show(c, "per10")["watermark"] or 0) and
                                   int(show(c, "per10")["watermark"].timestamp()) - T0 >= 190,
                                   show(c, "per10")["watermark"]))
    wait_for("windows", lambda: (query(c, "SELECT count(*) FROM per10") == [(19,)], query(c, "SELECT count(*) FROM per10")))
    time.sleep(0.3)
    rng = random.Random(11)
    late_ids, null_ids = [], []
    nid = 10000
    for rnd in range(4):
        rows = []
        for _ in range(150):
            if rng.random() < 0.2:
                rows.append({"id": nid, "v": 1, "ts": None})
                null_ids.append(nid)
            else:
                rows.append({"id": nid, "v": 1, "ts": iso(rng.randrange(0, 180))})
                late_ids.append(nid)
            nid += 1
        put(k, "events", rows)
        time.sleep(rng.random() * 0.2)
        k, c = restart(s, "kill9" if rnd % 2 == 0 else "term")
    total = len(late_ids) + len(null_ids)
    wait_for("late rows delivered", lambda: (len(read_stream(k, "ev_late")) >= total, len(read_stream(k, "ev_late"))))
    recs = read_stream(k, "ev_late")
    eq(sorted(r["id"] for r in recs), sorted(late_ids + null_ids), "each late row exactly once")
    by_id = {r["id"]: r for r in recs}
    for i in late_ids[:20]:
        r = by_id[i]
        eq((r["_late_reason"], r["_late_operator"]), ("behind the watermark", "window assignment"), "why, where")
        check(r["ts"] is not None and r["_watermark"] >= iso(190).replace("Z", "+00:00"), "times: %r" % r)
    for i in null_ids[:20]:
        r = by_id[i]
        eq((r["_late_reason"], r["_late_operator"], r["ts"]), ("no event time", "source", None), "no event time")
    check(all("v" not in r for r in recs), "columns the query does not read are left out: %r" % recs[0])
    sv = wait_for("SHOW", lambda: (show(c, "per10")["late_rows"] == total, show(c, "per10")))
    eq(sv["status"], "running", "status")
    # the late rows are in no window: the view equals its SELECT over the rows that were on time
    eq(query(c, "SELECT sum(n), sum(total) FROM per10"), [(190, sum(range(190)))], "windows without the late rows")
    query(c, "DROP MATERIALIZED VIEW per10")
    check("ev_late" in k.list_streams()["StreamNames"], "a named late stream outlives its view")


if __name__ == "__main__":
    main()
