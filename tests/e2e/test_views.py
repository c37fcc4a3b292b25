# Continuous queries (docs/views.md): CREATE MATERIALIZED VIEW end to end against a real `weir server`.
# boto3 writes the input streams and reads the output streams; psycopg2 creates, queries and drops views.
#   - a filter/projection view (Nexmark q2's shape): its rows, in the view (SELECT * FROM it) and in its
#     output stream as JSON records, equal the same SELECT run in batch over the same input;
#   - options: start = 'earliest' / 'latest', output_stream, partition_key; bad options, unsupported SQL,
#     duplicate names and DROP of a missing view answer with PostgreSQL's SQLSTATEs;
#   - restart: a view resumes after SIGTERM and after kill -9, and its output stream holds every result
#     row exactly once (E2E_VIEW_CRASHES kill -9 rounds while a producer writes; default 5).
import json
import os
import threading
import time

import weirtest
from pgtest import connect, query
from weirtest import TestFailure, check, eq, main, managed_pg, test

CRASHES = int(os.environ.get("E2E_VIEW_CRASHES", "5"))




def sqlstate(c, sql):
    import psycopg2
    try:
        query(c, sql)
    except psycopg2.Error as e:
        return e.pgcode, e.pgerror
    raise TestFailure("no error from: %s" % sql)


def put_bids(k, stream, lo, hi):
    """Bids lo..hi-1: auction = i % 1000, price = i * 7 % 10007, as JSON, partition key by auction."""
    for i in range(lo, hi, 500):
        recs = [{"Data": json.dumps({"auction": j % 1000, "bidder": j, "price": j * 7 % 10007,
                                     "date_time": "2024-01-01T00:%02d:%02dZ" % (j // 60 % 60, j % 60)}).encode(),
                 "PartitionKey": "a%d" % (j % 1000)} for j in range(i, min(hi, i + 500))]
        r = weirtest.call_retry(k.put_records, StreamName=stream, Records=recs)
        eq(r.get("FailedRecordCount", 0), 0, "failed records")


read_stream = weirtest.read_stream_json


def wait_rows(c, sql, want, timeout=30):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = query(c, sql)
        if got == want:
            return got
        time.sleep(0.1)
    raise TestFailure("%s: after %ds got %r, want %r" % (sql, timeout, got, want))


def setup_bids(s, k, c, shards=2):
    weirtest.create_stream(k, "bids", shards=shards)
    query(c, "CREATE TABLE bid (auction bigint, bidder bigint, price bigint, date_time timestamptz) "
             "WITH (stream = 'bids', format = 'json')")


Q2 = "SELECT auction, price FROM bid WHERE auction % 123 = 0"


@test(server=False, weir_only="continuous queries")
def test_filter_view_equals_batch():
    s = managed_pg("views")
    k = s.client()
    c = connect(s)
    setup_bids(s, k, c)
    put_bids(k, "bids", 0, 3000)                     # before the view: read with start = 'earliest'
    query(c, "CREATE MATERIALIZED VIEW q2 WITH (start = 'earliest', output_stream = 'q2_out', "
             "partition_key = 'auction', checkpoint_interval = '100 milliseconds') AS " + Q2)
    put_bids(k, "bids", 3000, 6000)
    want = query(c, "SELECT count(*), sum(price) FROM (%s) q" % Q2)
    wait_rows(c, "SELECT count(*), sum(price) FROM q2", want)
    eq(sorted(query(c, "SELECT auction, price FROM q2")), sorted(query(c, Q2)), "view rows vs batch")
    recs = read_stream(k, "q2_out")
    eq(sorted((r["auction"], r["price"]) for r in recs), sorted(query(c, Q2)), "output stream vs batch")
    check(all(set(r) == {"auction", "price"} for r in recs), "records hold the view's columns only")
    # the partition key is the auction column: all records of one auction in one shard
    shard_of = {}
    for sh in weirtest.list_all_shards(k, "q2_out"):
        got, _ = weirtest.read_shard(k, "q2_out", sh["ShardId"])
        for r in got:
            eq(r["PartitionKey"], str(json.loads(r["Data"])["auction"]), "partition key")
            check(shard_of.setdefault(r["PartitionKey"], sh["ShardId"]) == sh["ShardId"], "one shard per key")
    # SHOW MATERIALIZED VIEWS: status, counters, watermark, positions per shard
    time.sleep(0.3)
    rows = query(c, "SHOW MATERIALIZED VIEWS")
    eq(len(rows), 1, "views listed")
    name, status, wm, rows_in, rows_out, late, _, _, ckpts, out_stream, positions, q = rows[0]
    eq((name, status, out_stream, rows_in, rows_out, late), ("q2", "running", "q2_out", 6000, want[0][0], 0),
       "SHOW MATERIALIZED VIEWS row")
    check(wm is not None and ckpts >= 1, "watermark and checkpoints: %r %r" % (wm, ckpts))
    check("bid/shardId-000000000000" in positions and "bid/shardId-000000000001" in positions, positions)
    check(q.strip().startswith("SELECT auction, price FROM bid"), q)
    # start = 'latest' (the default) sees only what arrives after CREATE
    query(c, "CREATE MATERIALIZED VIEW late_only WITH (checkpoint_interval = '100 milliseconds') AS "
             "SELECT bidder FROM bid WHERE bidder >= 0")
    time.sleep(0.3)
    put_bids(k, "bids", 6000, 6100)
    wait_rows(c, "SELECT count(*), min(bidder), max(bidder) FROM late_only", [(100, 6000, 6099)])
    query(c, "DROP MATERIALIZED VIEW late_only")
    eq([r[0] for r in query(c, "SHOW MATERIALIZED VIEWS")], ["q2"], "after DROP")
    eq(query(c, "SELECT count(*) FROM pg_class WHERE relname = 'late_only'"), [(0,)], "dropped view's table")
    check("_weir_view_late_only" not in k.list_streams()["StreamNames"], "internal stream deleted")


@test(server=False, weir_only="continuous queries")
def test_view_errors():
    s = managed_pg("views-errors")
    k = s.client()
    c = connect(s)
    setup_bids(s, k, c, shards=1)
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (color = 'red') AS SELECT auction FROM bid")[0], "22023",
       "unknown option")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (start = 'yesterday-ish') AS SELECT auction FROM bid")[0],
       "22023", "bad start")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (keep = '1 minute') AS SELECT auction FROM bid")[0], "22023",
       "keep without window_end")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (keep = 'soon') AS SELECT auction FROM bid")[0], "22023",
       "keep not an interval")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (late_stream = 'bids') AS SELECT auction FROM bid")[0],
       "22023", "late_stream is an input")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (late_stream = 'o', output_stream = 'o') AS "
                   "SELECT auction FROM bid")[0], "22023", "late_stream is the output stream")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v AS SELECT nosuch FROM bid")[0], "42703", "unknown column")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v AS SELECT auction FROM bid LIMIT 3")[0], "0A000", "LIMIT")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v AS SELECT 1")[0], "0A000", "no stream")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v WITH (partition_key = 'zz') AS SELECT auction FROM bid")[0],
       "42703", "partition key not a column")
    eq(sqlstate(c, "CREATE TABLE t2 AS SELECT auction FROM bid")[0], "0A000", "CREATE TABLE AS")
    query(c, "CREATE MATERIALIZED VIEW v AS SELECT auction FROM bid")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW v AS SELECT auction FROM bid")[0], "42P07", "duplicate view")
    eq(sqlstate(c, "CREATE MATERIALIZED VIEW bid AS SELECT auction FROM bid")[0], "42P07", "name of a table")
    query(c, "CREATE MATERIALIZED VIEW IF NOT EXISTS v AS SELECT auction FROM bid")
    eq(sqlstate(c, "DROP MATERIALIZED VIEW nosuch")[0], "42P01", "drop missing")
    query(c, "DROP MATERIALIZED VIEW IF EXISTS nosuch")
    query(c, "DROP MATERIALIZED VIEW v")


@test(server=False, weir_only="continuous queries")
def test_view_exactly_once_across_restarts():
    s = managed_pg("views-restart", args=["--fsync", "batch"])
    k = s.client()
    c = connect(s)
    setup_bids(s, k, c)
    query(c, "CREATE MATERIALIZED VIEW q2 WITH (start = 'earliest', output_stream = 'q2_out', "
             "checkpoint_interval = '50 milliseconds') AS " + Q2)
    hi = 0
    step = 2000
    for rnd in range(CRASHES + 1):
        stop = threading.Event()
        err = []

        def producer(lo):
            try:
                put_bids(k, "bids", lo, lo + step)
            except Exception as e:  # noqa: BLE001 (the server may die mid-call: the batch is retried below)
                err.append(e)

        t = threading.Thread(target=producer, args=(hi,))
        t.start()
        time.sleep(0.05 + 0.05 * (rnd % 4))
        if rnd < CRASHES:
            if rnd % 2 == 0:
                s.kill9()
            else:
                eq(s.stop(), 0, "SIGTERM exit status")
        t.join()
        stop.set()
        if rnd < CRASHES:
            s.start()
            k = s.client()
            c = connect(s)
        if err:
            put_bids(k, "bids", hi, hi + step)           # a retried PutRecords may write some records twice
        hi += step
    want = query(c, "SELECT count(*), sum(price) FROM (%s) q" % Q2)
    wait_rows(c, "SELECT count(*), sum(price) FROM q2", want, timeout=60)
    recs = read_stream(k, "q2_out")
    eq(sorted((r["auction"], r["price"]) for r in recs), sorted(query(c, Q2)),
       "output stream after %d restarts vs batch" % CRASHES)


@test(server=False, weir_only="continuous queries")
def test_docs_example():
    """docs/views.md's first example, statement by statement, over bids written before it runs."""
    import re
    text = open(os.path.join(weirtest.REPO, "docs", "views.md")).read()
    block = re.search(r"```sql\n(.*?)```", text, re.S).group(1)
    stmts = [x.strip() for x in re.sub(r"--[^\n]*", "", block).split(";") if x.strip()]
    s = managed_pg("views-docs")
    k = s.client()
    c = connect(s)
    weirtest.create_stream(k, "bids", shards=1)
    recs = [{"Data": json.dumps({"auction": i % 7, "bidder": i, "price": i * 1000,
                                 "date_time": "2024-01-01T00:00:%02dZ" % (i % 60)}).encode(),
             "PartitionKey": str(i)} for i in range(40)]
    k.put_records(StreamName="bids", Records=recs)
    for st in stmts:
        if st.startswith("SELECT count(*) FROM big_bids"):
            wait_rows(c, st, [(29,)])                   # prices 11000 .. 39000
            got = sorted(r["price"] for r in read_stream(k, "big_bids_out"))
            eq(got, [i * 1000 for i in range(11, 40)], "output stream of the docs example")
        elif st.startswith("SHOW"):
            eq([r[:2] for r in query(c, st)], [("big_bids", "running")], "SHOW in the docs example")
        else:
            query(c, st)
    eq(query(c, "SHOW MATERIALIZED VIEWS"), [], "after the example's DROP")


if __name__ == "__main__":
    main()
