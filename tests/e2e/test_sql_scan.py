# The stream scan of the SQL engine end to end (docs/tables.md "How much of a stream a query reads",
# "Parallel scans", "Records that do not decode"): boto3 writes, psycopg2 queries a real `weir server`.
#   - pushdown: WHERE _arrival_time > now() - interval '...' reads only the tail (EXPLAIN ANALYZE counts
#     the records read), _shard_id prunes shards, and answers equal the same queries written so that
#     nothing can be pushed down;
#   - LIMIT without ORDER BY reads about a batch per worker, not the stream;
#   - parallel scans: per-shard counts, sums and sequence-number ranges equal what the writer was told,
#     and rows of one shard arrive in shard order;
#   - checkpointed queries: new records only, per name, across a server restart; failed and cancelled
#     queries move nothing;
#   - cancel during a scan whose workers are busy (57014), the session usable afterwards;
#   - dead letters: bad payloads copied with their partition keys, counted, skipped.
# Every server is stopped with SIGTERM and must exit 0 without a sanitizer report (weirtest).
import re
import threading
import time

import weirtest
from pgtest import connect, query
from weirtest import TestFailure, check, eq, main, managed_pg, test

N = 20000        # records in the big stream (4 shards)
SHARDS = 4




def put(k, stream, payloads, keys):
    """PutRecords in batches of 500; returns [(shard id, sequence number)] in input order."""
    out = []
    for i in range(0, len(payloads), 500):
        recs = [{"Data": p.encode() if isinstance(p, str) else p, "PartitionKey": key}
                for p, key in zip(payloads[i:i + 500], keys[i:i + 500])]
        r = k.put_records(StreamName=stream, Records=recs)
        eq(r.get("FailedRecordCount", 0), 0, "failed records")
        out += [(x["ShardId"], x["SequenceNumber"]) for x in r["Records"]]
    return out


def clicks_payload(i):
    return '{"user_id": %d, "url": "/p/%d", "status": %d}' % (i, i % 13, 404 if i % 10 == 0 else 200)


def big_stream(s, k, c):
    """N records in a 4-shard stream "clicks" mapped as table clicks; returns [(shard, seq)] per id."""
    weirtest.create_stream(k, "clicks", shards=SHARDS)
    placed = put(k, "clicks", [clicks_payload(i) for i in range(N)], ["u%d" % i for i in range(N)])
    query(c, "CREATE TABLE clicks (user_id bigint, url text, status int) WITH (stream = 'clicks', format = 'json')")
    return placed


def explain_analyze(c, sql):
    """The scan line of EXPLAIN ANALYZE (None when EXPLAIN is not available)."""
    import psycopg2
    try:
        rows = query(c, "EXPLAIN ANALYZE " + sql)
    except psycopg2.Error as e:
        if e.pgcode == "0A000":
            return None
        raise
    lines = [r[0] for r in rows if "Stream Scan" in r[0]]
    check(len(lines) == 1, "one scan line expected in %r" % rows)
    return lines[0]


def records_read(line):
    m = re.search(r"(\d+) records read", line)
    check(m is not None, "no 'records read' in %r" % line)
    return int(m.group(1))


@test(server=False, weir_only="SQL over streams")
def test_pushdown_reads_the_tail():
    s = managed_pg("pushdown")
    k = s.client()
    c = connect(s)
    big_stream(s, k, c)
    time.sleep(2.5)  # everything above is now more than two seconds old
    tail = put(k, "clicks", [clicks_payload(N + i) for i in range(100)], ["t%d" % i for i in range(100)])
    recent = "SELECT count(*), min(user_id), max(user_id) FROM clicks WHERE _arrival_time > now() - interval '2 seconds'"
    eq(query(c, recent), [(100, N, N + 99)], "the tail through the pushed-down bound")
    eq(query(c, recent.replace("_arrival_time >", "_arrival_time + interval '0 s' >")), [(100, N, N + 99)],
       "the same without pushdown")
    line = explain_analyze(c, recent.replace("count(*), min(user_id), max(user_id)", "count(*)"))
    if line is not None:
        check("_arrival_time > (now() - '00:00:02'::interval)" in line, "pushed-down bound in %r" % line)
        check(records_read(line) == 100, "the scan read %d records for the 100 of the tail: %r"
              % (records_read(line), line))
    # BETWEEN and a parameter
    eq(query(c, "SELECT count(*) FROM clicks WHERE _arrival_time BETWEEN %s::timestamptz - interval '1 hour' "
                "AND now() - interval '2 seconds'", ("now",)), [(N,)], "BETWEEN with a parameter")
    # _shard_id: one shard read, the same count as grouping finds
    per_shard = dict(query(c, "SELECT _shard_id, count(*) FROM clicks GROUP BY 1"))
    eq(sorted(per_shard), ["shardId-%012d" % i for i in range(SHARDS)], "shards")
    eq(sum(per_shard.values()), N + 100, "total")
    sid = "shardId-000000000002"
    eq(query(c, "SELECT count(*) FROM clicks WHERE _shard_id = %s", (sid,)), [(per_shard[sid],)], "one shard")
    eq(query(c, "SELECT count(*) FROM clicks WHERE _shard_id NOT IN (%s, 'shardId-000000000000')", (sid,)),
       [(N + 100 - per_shard[sid] - per_shard["shardId-000000000000"],)], "NOT IN")
    line = explain_analyze(c, "SELECT count(*) FROM clicks WHERE _shard_id = '%s'" % sid)
    if line is not None:
        check("1 of 4 shards" in line, "pruned shards in %r" % line)
        eq(records_read(line), per_shard[sid], "records read from one shard")
    # _sequence_number: from the first record of the tail on
    first_tail = tail[0][1]
    eq(query(c, "SELECT count(*), min(user_id) FROM clicks WHERE _sequence_number >= %s", (first_tail,)),
       [(100, N)], "sequence number bound")
    c.close()


@test(server=False, weir_only="SQL over streams")
def test_limit_and_parallel_scan():
    s = managed_pg("parallel")
    k = s.client()
    c = connect(s)
    placed = big_stream(s, k, c)
    # LIMIT without ORDER BY: a few rows, and only about a batch per worker read
    rows = query(c, "SELECT user_id FROM clicks LIMIT 5")
    eq(len(rows), 5, "LIMIT 5")
    line = explain_analyze(c, "SELECT user_id FROM clicks LIMIT 5")
    if line is not None:
        check(records_read(line) <= 4 * 2048, "LIMIT 5 read %d of %d records: %r" % (records_read(line), N, line))
    # what the writer was told, per shard
    want = {}
    for i, (sid, seq) in enumerate(placed):
        n, total, lo, hi = want.get(sid, (0, 0, None, None))
        want[sid] = (n + 1, total + i, seq if lo is None or int(seq) < int(lo) else lo,
                     seq if hi is None or int(seq) > int(hi) else hi)
    got = query(c, "SELECT _shard_id, count(*), sum(user_id), min(_sequence_number), max(_sequence_number) "
                   "FROM clicks GROUP BY 1 ORDER BY 1")
    eq([(r[0], r[1], int(r[2]), r[3], r[4]) for r in got], [(sid,) + want[sid] for sid in sorted(want)],
       "per-shard counts, sums and sequence ranges")
    # rows of one shard come in shard order (no ORDER BY: the order the scan produced)
    last = {}
    n = 0
    with c.cursor() as cur:
        cur.execute("SELECT _shard_id, _sequence_number, user_id FROM clicks WHERE status = 404")
        for sid, seq, uid in cur:
            check(int(seq) > last.get(sid, -1), "shard %s out of order at user %d" % (sid, uid))
            last[sid] = int(seq)
            n += 1
    eq(n, N // 10, "rows with status 404")
    eq(query(c, "SELECT count(*), sum(user_id) FROM clicks WHERE status = 404 AND url = '/p/3'"),
       [(sum(1 for i in range(N) if i % 10 == 0 and i % 13 == 3),
         sum(i for i in range(N) if i % 10 == 0 and i % 13 == 3))], "filtered aggregate")
    c.close()


@test(server=False, weir_only="SQL over streams")
def test_checkpoints_and_cancel():
    import psycopg2
    s = managed_pg("checkpoint")
    k = s.client()
    c = connect(s)
    big_stream(s, k, c)
    query(c, "SET weir.checkpoint = 'e2e'")
    eq(query(c, "SELECT count(*) FROM clicks"), [(N,)], "first query under the name")
    eq(query(c, "SELECT count(*) FROM clicks"), [(0,)], "nothing new")
    put(k, "clicks", [clicks_payload(N + i) for i in range(7)], ["n%d" % i for i in range(7)])
    # a failed query moves nothing
    try:
        query(c, "SELECT count(*) FROM clicks WHERE 1 / (user_id - user_id) = 1")
        raise TestFailure("division by zero expected")
    except psycopg2.Error as e:
        eq(e.pgcode, "22012", "SQLSTATE")
    # a cancelled query moves nothing either; its workers stop
    c2 = connect(s)
    query(c2, "SET weir.checkpoint = 'slow'")
    t = threading.Timer(0.5, c2.cancel)
    t.start()
    t0 = time.time()
    try:
        # about 500 kB of temporaries per row, 10 GB in all: the workers shrink their batches, and are
        # busy when the cancel comes
        query(c2, "SELECT count(*) FROM clicks WHERE length(repeat(url, 100000)) < 0")
        raise TestFailure("the query ended before the cancel (%.1fs)" % (time.time() - t0))
    except psycopg2.Error as e:
        eq(e.pgcode, "57014", "SQLSTATE of the cancelled scan")
    finally:
        t.cancel()
    check(time.time() - t0 < 30, "cancel took %.1fs" % (time.time() - t0))
    eq(query(c2, "SELECT count(*) FROM clicks"), [(N + 7,)], "a cancelled query saved no position")
    c2.close()
    # another connection under the same name continues where the first left off
    c3 = connect(s)
    query(c3, "SET weir.checkpoint = 'e2e'")
    eq(query(c3, "SELECT count(*), min(user_id) FROM clicks"), [(7, N)], "new records only")
    c3.close()
    c.close()
    # positions survive a restart
    s.restart()
    deadline = time.time() + 15
    while not weirtest.port_open(s.pg_port) and time.time() < deadline:
        time.sleep(0.05)
    k = s.client()
    c = connect(s)
    query(c, "SET weir.checkpoint = 'e2e'")
    eq(query(c, "SELECT count(*) FROM clicks"), [(0,)], "after the restart")
    put(k, "clicks", [clicks_payload(N + 100 + i) for i in range(3)], ["r%d" % i for i in range(3)])
    eq(query(c, "SELECT user_id FROM clicks ORDER BY 1"), [(N + 100,), (N + 101,), (N + 102,)], "after the restart")
    query(c, "RESET weir.checkpoint")
    eq(query(c, "SELECT count(*) FROM clicks"), [(N + 10,)], "without a checkpoint")
    c.close()


@test(server=False, weir_only="SQL over streams")
def test_dead_letters():
    s = managed_pg("deadletter")
    k = s.client()
    c = connect(s)
    weirtest.create_stream(k, "ev", shards=2)
    payloads, keys, bad = [], [], []
    for i in range(3000):
        if i % 500 == 17:
            p = '{"id": %d, "n": "not a number"}' % i if i % 1000 == 17 else "garbage %d" % i
            bad.append((p, "key-%d" % i))
        else:
            p = '{"id": %d, "n": %d}' % (i, i)
        payloads.append(p)
        keys.append("key-%d" % i)
    put(k, "ev", payloads, keys)
    query(c, "CREATE TABLE ev_dead (line text) WITH (stream = 'ev_dead', format = 'raw', shards = 1)")
    query(c, "CREATE TABLE ev (id bigint, n bigint) WITH (stream = 'ev', on_error = 'dead_letter', "
             "dead_letter_stream = 'ev_dead')")
    eq(query(c, "SELECT count(*), sum(n) FROM ev"), [(3000 - len(bad), sum(i for i in range(3000) if i % 500 != 17))],
       "bad rows skipped")
    # copied with their payload and partition key, visible to the next query and to GetRecords
    eq(sorted(r[0] for r in query(c, "SELECT line FROM ev_dead")), sorted(p for p, _ in bad), "dead letters")
    eq(sorted(query(c, "SELECT line, _partition_key FROM ev_dead")), sorted(bad), "partition keys kept")
    sid = weirtest.list_all_shards(k, "ev_dead")[0]["ShardId"]
    recs, _ = weirtest.read_shard(k, "ev_dead", sid)
    eq(sorted((r["Data"].decode(), r["PartitionKey"]) for r in recs), sorted(bad), "GetRecords on the dead-letter stream")
    check("copied to dead-letter stream ev_dead" in s.log(), "the server log counts dead letters")
    # a table whose dead-letter stream is missing fails before reading anything
    import psycopg2
    query(c, "CREATE TABLE ev2 (id bigint) WITH (stream = 'ev', on_error = 'dead_letter', dead_letter_stream = 'nope')")
    try:
        query(c, "SELECT count(*) FROM ev2")
        raise TestFailure("a missing dead-letter stream must fail the query")
    except psycopg2.Error as e:
        eq(e.pgcode, "55000", "SQLSTATE")
    c.close()


if __name__ == "__main__":
    main()
