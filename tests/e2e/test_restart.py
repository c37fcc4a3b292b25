# Durability and process lifecycle (weir only; skipped under TARGET=kinesalite): streams, records
# (sequence numbers, keys, data, arrival timestamps), tags, shards and hash ranges after split/merge,
# retention and deletions survive a SIGTERM restart and a kill -9 restart; sequence numbers keep
# increasing across restarts; SIGTERM and SIGINT exit 0; a second server on the same data dir is refused
# while the first runs (and starts once it is gone); every --fsync mode restarts cleanly. Crash loop: kill -9
# the server 20 times while a producer writes with --fsync batch; after each restart every acknowledged
# record is present exactly once at its acknowledged shard/sequence number, unacknowledged ones at most
# once, nothing unknown or corrupt, and the stream still takes writes. E2E_CRASH_ITERATIONS overrides 20
# (E2E_SLOW=1: 100).
import os
import random
import signal
import threading
import time

from botocore.exceptions import ClientError

from weirtest import (SLOW, TestFailure, check, create_stream, eq, hash_range, iterator, list_all_shards,
                      main, managed, read_shard, shard_id, test, wait_active)

WEIR = "restart/durability tests need weir"
CRASH_ITERATIONS = int(os.environ.get("E2E_CRASH_ITERATIONS", "100" if SLOW else "20"))


def snapshot(c):
    """Everything observable about every stream, for before/after comparisons."""
    out = {}
    for name in c.list_streams()["StreamNames"]:
        s = c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        shards = list_all_shards(c, name)
        recs = {}
        for sh in shards:
            got, _ = read_shard(c, name, sh["ShardId"])
            recs[sh["ShardId"]] = [(r["SequenceNumber"], r["PartitionKey"], r["Data"],
                                    round(r["ApproximateArrivalTimestamp"].timestamp(), 3)) for r in got]
        tags = c.list_tags_for_stream(StreamName=name)["Tags"]
        out[name] = {
            "arn": s["StreamARN"], "status": s["StreamStatus"], "retention": s["RetentionPeriodHours"],
            "created": s["StreamCreationTimestamp"].timestamp(), "open": s["OpenShardCount"],
            "shards": [(x["ShardId"], hash_range(x), x.get("ParentShardId"), x.get("AdjacentParentShardId"),
                        x["SequenceNumberRange"].get("StartingSequenceNumber"),
                        x["SequenceNumberRange"].get("EndingSequenceNumber")) for x in shards],
            "records": recs, "tags": tags,
        }
    return out


def compare(before, after):
    eq(sorted(after), sorted(before), "streams after restart")
    for name in before:
        b, a = before[name], after[name]
        for k in ("arn", "status", "retention", "created", "open", "shards", "tags"):
            eq(a[k], b[k], "%s.%s after restart" % (name, k))
        for sid in b["records"]:
            if a["records"].get(sid) != b["records"][sid]:
                got, want = a["records"].get(sid, []), b["records"][sid]
                diff = next((i for i, (x, y) in enumerate(zip(got, want)) if x != y), min(len(got), len(want)))
                raise TestFailure("%s/%s records after restart: %d vs %d before; first difference at #%d: %r vs %r"
                                  % (name, sid, len(got), len(want), diff, got[diff:diff + 1], want[diff:diff + 1]))


def populate(c):
    create_stream(c, "alpha", 3)
    create_stream(c, "beta", 1)
    create_stream(c, "gone", 1)
    rng = random.Random(3)
    for i in range(10):
        c.put_records(StreamName="alpha", Records=[{"Data": bytes(rng.randrange(256) for _ in range(rng.randint(0, 200))),
                                                     "PartitionKey": "k%d" % rng.randrange(1000)} for _ in range(100)])
    c.put_record(StreamName="beta", Data=b"\x00beta\xff", PartitionKey="b")
    lo, hi = hash_range([s for s in list_all_shards(c, "alpha") if s["ShardId"] == shard_id(1)][0])
    c.split_shard(StreamName="alpha", ShardToSplit=shard_id(1), NewStartingHashKey=str((lo + hi) // 2))
    wait_active(c, "alpha")
    c.merge_shards(StreamName="alpha", ShardToMerge=shard_id(3), AdjacentShardToMerge=shard_id(4))
    wait_active(c, "alpha")
    c.put_records(StreamName="alpha", Records=[{"Data": b"after-%d" % i, "PartitionKey": "p%d" % i} for i in range(200)])
    c.add_tags_to_stream(StreamName="alpha", Tags={"team": "core", "tier": "1"})
    c.add_tags_to_stream(StreamName="beta", Tags={"x": ""})
    c.increase_stream_retention_period(StreamName="beta", RetentionPeriodHours=72)
    wait_active(c, "beta")
    c.delete_stream(StreamName="gone")
    deadline = time.time() + 30
    while "gone" in c.list_streams()["StreamNames"] and time.time() < deadline:
        time.sleep(0.05)


def check_seq_continues(c, before):
    """A new record in each open shard gets a sequence number above every earlier one in that shard."""
    alpha = before["alpha"]
    for sid, (lo, _hi), _p, _a, _start, end in alpha["shards"]:
        if end is not None:
            continue
        r = c.put_record(StreamName="alpha", Data=b"post", PartitionKey="x", ExplicitHashKey=str(lo))
        eq(r["ShardId"], sid, "ExplicitHashKey routing after restart")
        old = [int(x[0]) for x in alpha["records"][sid]]
        if old:
            check(int(r["SequenceNumber"]) > max(old), "%s: sequence number after restart %s is not above %d"
                  % (sid, r["SequenceNumber"], max(old)))


@test(weir_only=WEIR, server=False)
def sigterm_restart_preserves_state():
    srv = managed(name="sigterm")
    srv.start()
    c = srv.client()
    populate(c)
    before = snapshot(c)
    eq(before["beta"]["retention"], 72, "retention before restart")
    eq(srv.stop(signal.SIGTERM), 0, "exit code after SIGTERM")
    srv.start()
    c = srv.client()
    after = snapshot(c)
    compare(before, after)
    check_seq_continues(c, before)
    # the deleted stream's name is free and starts empty
    create_stream(c, "gone", 1)
    eq(read_shard(c, "gone", shard_id(0))[0], [], "records of a recreated stream")


@test(weir_only=WEIR, server=False)
def kill9_restart_preserves_state():
    srv = managed(name="kill9", fsync="always")
    srv.start()
    c = srv.client()
    populate(c)
    before = snapshot(c)
    srv.kill9()
    srv.start()
    c = srv.client()
    compare(before, snapshot(c))
    check_seq_continues(c, before)
    before = snapshot(c)
    srv.kill9()  # a second crash right after recovery
    srv.start()
    compare(before, snapshot(srv.client()))


@test(weir_only=WEIR, server=False)
def every_fsync_mode_restarts():
    for mode in ("always", "batch", "none"):
        srv = managed(name="fsync-" + mode, fsync=mode)
        srv.start()
        c = srv.client()
        create_stream(c, "f", 2)
        c.put_records(StreamName="f", Records=[{"Data": b"%d" % i, "PartitionKey": "k%d" % i} for i in range(300)])
        before = snapshot(c)
        eq(srv.stop(), 0, "--fsync %s: exit code after SIGTERM" % mode)
        srv.start()
        compare(before, snapshot(srv.client()))


@test(weir_only=WEIR, server=False)
def sigint_exits_zero():
    srv = managed(name="sigint")
    srv.start()
    create_stream(srv.client(), "s", 1)
    eq(srv.stop(signal.SIGINT), 0, "exit code after SIGINT")
    srv.start()
    eq(srv.client().list_streams()["StreamNames"], ["s"], "streams after SIGINT restart")


@test(weir_only=WEIR, server=False)
def second_server_on_same_dir_is_refused():
    first = managed(name="first")
    first.start()
    c = first.client()
    create_stream(c, "lock", 1)
    c.put_record(StreamName="lock", Data=b"one", PartitionKey="k")
    second = managed(data_dir=first.data_dir, name="second")
    p = second.spawn()
    try:
        rc = p.wait(timeout=30)
    except Exception:  # noqa: BLE001
        second.kill9()
        raise TestFailure("a second server on the same data dir kept running")
    check(rc != 0, "second server exited %d; expected non-zero" % rc)
    msg = second.log().lower()
    check(any(w in msg for w in ("lock", "in use", "already", "running", "another")),
          "second server's message does not say why: %r" % second.log()[-500:])
    # the first server is unaffected
    c.put_record(StreamName="lock", Data=b"two", PartitionKey="k")
    eq([r["Data"] for r in read_shard(c, "lock", shard_id(0))[0]], [b"one", b"two"], "first server's data")
    eq(first.stop(), 0, "first server exit code")
    # once the first is gone the data dir can be opened again
    second.start()
    eq([r["Data"] for r in read_shard(second.client(), "lock", shard_id(0))[0]], [b"one", b"two"],
       "data after the lock is released")
    # and after a kill -9 the stale lock does not block a restart
    second.kill9()
    second.start()
    eq(second.client().list_streams()["StreamNames"], ["lock"], "after kill -9")


@test(weir_only=WEIR, server=False)
def iterator_survives_restart():
    srv = managed(name="iter")
    srv.start()
    c = srv.client()
    create_stream(c, "it", 1)
    c.put_records(StreamName="it", Records=[{"Data": b"%d" % i, "PartitionKey": "k"} for i in range(10)])
    g = c.get_records(ShardIterator=iterator(c, "it", shard_id(0)), Limit=4)
    eq(srv.stop(), 0, "exit code")
    srv.start()
    c = srv.client()
    try:
        rest, _ = read_shard(c, "it", shard_id(0), it=g["NextShardIterator"])
        eq([r["Data"] for r in rest], [b"%d" % i for i in range(4, 10)], "records after restart via old iterator")
    except ClientError as e:
        # a client recovers from ExpiredIteratorException by asking for a new iterator; an
        # InvalidArgumentException for a well-formed iterator it was given would look like a client bug
        eq(e.response["Error"]["Code"], "ExpiredIteratorException",
           "error for an iterator issued before the restart")


def _crash_producer(port_client, stop, sent, acked, uncertain, errors, rng, keys):
    next_id = len(sent)
    try:
        while not stop.is_set():
            n = rng.randint(1, 40)
            batch = []
            for _ in range(n):
                i = next_id
                next_id += 1
                k = rng.choice(keys)
                sent[i] = k
                batch.append((i, k))
            try:
                if n == 1:
                    i, k = batch[0]
                    r = port_client.put_record(StreamName="crash", Data=payload(i), PartitionKey=k)
                    results = [r]
                else:
                    r = port_client.put_records(StreamName="crash",
                                                Records=[{"Data": payload(i), "PartitionKey": k} for i, k in batch])
                    results = r["Records"]
            except ClientError as e:
                if e.response["Error"]["Code"] in ("ProvisionedThroughputExceededException", "LimitExceededException"):
                    time.sleep(0.05)
                    continue
                errors.append("PutRecords: %s" % e)
                return
            except Exception:  # noqa: BLE001 - the server was killed mid-request: outcome unknown
                uncertain.update(i for i, _ in batch)
                return
            for (i, k), res in zip(batch, results):
                if "SequenceNumber" in res:
                    acked[i] = (res["ShardId"], int(res["SequenceNumber"]))
            time.sleep(0.01)  # bound the volume: every iteration re-reads everything written so far
    except Exception as e:  # noqa: BLE001
        errors.append("producer: %r" % e)


def payload(i):
    return b"rec-%08d-" % i + bytes((i * 7 + j) % 251 for j in range(i % 90))


@test(weir_only=WEIR, server=False)
def crash_loop_fsync_batch():
    srv = managed(name="crash", fsync="batch")
    srv.start()
    c = srv.client()
    create_stream(c, "crash", 2)
    rng = random.Random(99)
    keys = ["key-%d" % i for i in range(16)]
    sent, acked, uncertain = {}, {}, set()
    for it in range(CRASH_ITERATIONS):
        stop = threading.Event()
        errors = []
        pc = srv.client(read_timeout=10)
        t = threading.Thread(target=_crash_producer, args=(pc, stop, sent, acked, uncertain, errors, rng, keys),
                             daemon=True)
        t.start()
        time.sleep(rng.uniform(0.5, 1.5))
        srv.kill9()
        stop.set()
        t.join(30)
        check(not t.is_alive(), "iteration %d: producer hung after kill -9" % it)
        check(not errors, "iteration %d: %s" % (it, "; ".join(errors)))
        srv.start()
        c = srv.client()
        s = c.describe_stream_summary(StreamName="crash")["StreamDescriptionSummary"]
        eq((s["StreamStatus"], s["OpenShardCount"]), ("ACTIVE", 2), "iteration %d: stream after restart" % it)
        seen = {}
        for sid in (shard_id(0), shard_id(1)):
            recs, _ = read_shard(c, "crash", sid)
            prev = -1
            for r in recs:
                seq = int(r["SequenceNumber"])
                check(seq > prev, "iteration %d: %s sequence numbers not increasing (%d after %d)" % (it, sid, seq, prev))
                prev = seq
                d = r["Data"]
                check(d.startswith(b"rec-") and len(d) >= 13, "iteration %d: corrupt record data %r" % (it, d[:40]))
                i = int(d[4:12])
                check(i in sent, "iteration %d: record id %d was never sent" % (it, i))
                eq(d, payload(i), "iteration %d: data of record %d" % (it, i))
                eq(r["PartitionKey"], sent[i], "iteration %d: partition key of record %d" % (it, i))
                check(i not in seen, "iteration %d: record %d present twice (%s and %s)" % (it, i, seen.get(i), sid))
                seen[i] = (sid, seq)
        lost = [i for i in acked if i not in seen]
        check(not lost, "iteration %d: %d acknowledged records lost after kill -9, e.g. %r"
              % (it, len(lost), [(i, acked[i]) for i in lost[:5]]))
        moved = [i for i in acked if seen[i] != acked[i]]
        check(not moved, "iteration %d: acknowledged records at a different shard/sequence number: %r"
              % (it, [(i, acked[i], seen[i]) for i in moved[:5]]))
        # records whose request died with the server may or may not be there, but not twice (checked above)
        new_id = len(sent)
        sent[new_id] = "after"
        r = c.put_record(StreamName="crash", Data=payload(new_id), PartitionKey="after")
        acked[new_id] = (r["ShardId"], int(r["SequenceNumber"]))
        top = max((seq for sid, seq in seen.values() if sid == r["ShardId"]), default=-1)
        check(int(r["SequenceNumber"]) > top, "iteration %d: new sequence number %s not above %d"
              % (it, r["SequenceNumber"], top))
    print("  %d crashes, %d records acknowledged, %d with unknown outcome"
          % (CRASH_ITERATIONS, len(acked), len(uncertain)), flush=True)
    eq(srv.stop(), 0, "exit code after the crash loop")


if __name__ == "__main__":
    main()
