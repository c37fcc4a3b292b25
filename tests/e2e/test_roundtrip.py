# Round-trip tests at volume: 100,000 records (PutRecords batches of 500, random partition keys, 100-byte
# payloads) into a 4-shard stream, read back from TRIM_HORIZON: every record exactly once, on the shard
# its MD5 hash routes to, per-shard order equal to acknowledgement order (sequence numbers strictly
# increasing), partition key and data intact, ApproximateArrivalTimestamp inside its put window.
# Then split + merge while a producer thread writes; a reader that follows parent -> children (ChildShards,
# or ListShards ParentShardId/AdjacentParentShardId) loses and repeats nothing, and per partition key
# the order is the acknowledgement order. E2E_ROUNDTRIP_RECORDS overrides the 100,000 (E2E_SLOW=1: 1,000,000).
import bisect
import os
import random
import struct
import threading
import time

from botocore.exceptions import ClientError

from weirtest import (KINESALITE, SLOW, THROTTLE_CODES, TestFailure, call_retry, check, create_stream, eq,
                      hash_range, is_open, list_all_shards, main, md5_hash_key, read_shard, shard_id,
                      test, wait_active)

N_RECORDS = int(os.environ.get("E2E_ROUNDTRIP_RECORDS", "1000000" if SLOW else "100000"))
KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/é日"


class Router:
    """Maps a hash key to the open shard containing it (from ListShards)."""

    def __init__(self, shards):
        opened = sorted((hash_range(s)[0], hash_range(s)[1], s["ShardId"]) for s in shards if is_open(s))
        self.starts = [o[0] for o in opened]
        self.opened = opened

    def shard(self, h):
        i = bisect.bisect_right(self.starts, h) - 1
        lo, hi, sid = self.opened[i]
        check(lo <= h <= hi, "no open shard contains hash %d" % h)
        return sid


def first_mismatch(got, want):
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return i, g, w
    if len(got) != len(want):
        i = min(len(got), len(want))
        return i, got[i] if i < len(got) else "<end>", want[i] if i < len(want) else "<end>"
    return None


@test
def roundtrip_100k(srv):
    c = srv.client(read_timeout=120)
    create_stream(c, "bulk", 4)
    router = Router(list_all_shards(c, "bulk"))
    rng = random.Random(20240601)
    expected = {shard_id(i): [] for i in range(4)}  # per shard, in acknowledgement order
    next_idx = 0
    retry = []
    calls = throttled = 0
    t_begin = time.time()
    while next_idx < N_RECORDS or retry:
        batch = retry
        retry = []
        while len(batch) < 500 and next_idx < N_RECORDS:
            pk = "".join(rng.choice(KEY_CHARS) for _ in range(rng.randint(1, 24)))
            batch.append((next_idx, pk, struct.pack(">I", next_idx) + rng.randbytes(96)))
            next_idx += 1
        t_send = time.time()
        r = call_retry(c.put_records, StreamName="bulk",
                       Records=[{"Data": d, "PartitionKey": pk} for _, pk, d in batch])
        t_recv = time.time()
        calls += 1
        check(len(r["Records"]) == len(batch), "PutRecords returned %d results for %d entries"
              % (len(r["Records"]), len(batch)))
        failed = 0
        for (idx, pk, d), res in zip(batch, r["Records"]):
            if "ErrorCode" in res:
                check(res["ErrorCode"] in ("ProvisionedThroughputExceededException", "InternalFailure"),
                      "unexpected per-record ErrorCode %r" % res)
                retry.append((idx, pk, d))
                failed += 1
                continue
            sid = res["ShardId"]
            want_sid = router.shard(md5_hash_key(pk))
            check(sid == want_sid, "record %d (key %r) went to %s, its MD5 routes to %s" % (idx, pk, sid, want_sid))
            expected[sid].append((int(res["SequenceNumber"]), pk, d, t_send, t_recv))
        eq(r.get("FailedRecordCount", 0), failed, "FailedRecordCount")
        if failed:
            throttled += failed
            time.sleep(0.1)
        check(time.time() - t_begin < 60 + N_RECORDS / 200, "writing %d records is too slow" % N_RECORDS)
    t_put = time.time() - t_begin
    total = sum(len(v) for v in expected.values())
    eq(total, N_RECORDS, "acknowledged records")
    print("  put %d records in %.1fs (%d calls, %d throttled entries re-sent)" % (N_RECORDS, t_put, calls, throttled),
          flush=True)

    t0 = time.time()
    seen_seqs = set()
    for sid, want in sorted(expected.items()):
        check(len(want) > N_RECORDS // 8, "shard %s got only %d of %d records" % (sid, len(want), N_RECORDS))
        seqs = [w[0] for w in want]
        bad = [i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]]
        check(not bad, "%s: acknowledged sequence numbers not increasing at %r" % (sid, bad[:5]))
        recs, _ = read_shard(c, "bulk", sid)
        got = [(int(x["SequenceNumber"]), x["PartitionKey"], x["Data"]) for x in recs]
        mm = first_mismatch(got, [w[:3] for w in want])
        if mm:
            raise TestFailure("%s: read %d records, expected %d; first difference at #%d: got %r, want %r"
                              % (sid, len(got), len(want), mm[0], mm[1], mm[2]))
        for x, w in zip(recs, want):
            at = x["ApproximateArrivalTimestamp"].timestamp()
            if not (w[3] - 1.0 <= at <= w[4] + 1.0):
                raise TestFailure("%s seq %d: ApproximateArrivalTimestamp %.3f outside its put window [%.3f, %.3f]"
                                  % (sid, w[0], at, w[3], w[4]))
        seen_seqs.update(s for s, _, _ in got)
    eq(len(seen_seqs), N_RECORDS, "distinct sequence numbers across the stream")
    print("  read %d records in %.1fs" % (N_RECORDS, time.time() - t0), flush=True)


def _read_by_lineage(c, name):
    """Read every shard, parents before children. Returns (shard order, {shard: records})."""
    shards = {s["ShardId"]: s for s in list_all_shards(c, name)}
    children = {}
    for s in shards.values():
        for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")):
            if p:
                children.setdefault(p, set()).add(s["ShardId"])

    def parents(sid):
        s = shards[sid]
        return [p for p in (s.get("ParentShardId"), s.get("AdjacentParentShardId")) if p and p in shards]

    ready = sorted(sid for sid in shards if not parents(sid))
    done, order, out = set(), [], {}
    while ready:
        sid = ready.pop(0)
        recs, last = read_shard(c, name, sid)
        out[sid] = recs
        order.append(sid)
        done.add(sid)
        kids = set(children.get(sid, ()))
        if not is_open(shards[sid]):
            check(not last.get("NextShardIterator"), "closed shard %s still has a NextShardIterator" % sid)
            end = int(shards[sid]["SequenceNumberRange"]["EndingSequenceNumber"])
            check(all(int(x["SequenceNumber"]) <= end for x in recs),
                  "%s has records past its EndingSequenceNumber %d" % (sid, end))
            if not KINESALITE:
                via = {k["ShardId"] for k in last.get("ChildShards") or []}
                eq(via, kids, "ChildShards of %s vs ListShards lineage" % sid)
        for k in sorted(kids):
            if k not in done and k not in ready and all(p in done for p in parents(k)):
                ready.append(k)
    eq(sorted(done), sorted(shards), "shards reached by following lineage")
    return order, out


@test
def reshard_while_producing(srv):
    c = srv.client()
    create_stream(c, "live", 2)
    keys = ["key-%02d" % i for i in range(40)]
    acked = []  # (id, key, shard, seq) in acknowledgement order
    sent = {}
    errors = []
    stop = threading.Event()

    def produce():
        pc = srv.client()
        rng = random.Random(7)
        next_id, retry = 0, []
        try:
            while not stop.is_set() and next_id < 200000:
                batch = retry
                retry = []
                while len(batch) < 50:
                    k = rng.choice(keys)
                    batch.append((next_id, k))
                    sent[next_id] = k
                    next_id += 1
                try:
                    r = pc.put_records(StreamName="live",
                                       Records=[{"Data": b"%d" % i, "PartitionKey": k} for i, k in batch])
                except ClientError as e:
                    if e.response["Error"]["Code"] in THROTTLE_CODES:
                        retry = batch
                        time.sleep(0.1)
                        continue
                    errors.append("PutRecords during resharding failed: %s" % e)
                    return
                for (i, k), res in zip(batch, r["Records"]):
                    if "ErrorCode" in res:
                        retry.append((i, k))
                    else:
                        acked.append((i, k, res["ShardId"], int(res["SequenceNumber"])))
                time.sleep(0.005)
        except Exception as e:  # noqa: BLE001
            errors.append("producer: %r" % e)

    t = threading.Thread(target=produce, daemon=True)
    t.start()
    try:
        time.sleep(0.6)
        half = 1 << 127
        c.split_shard(StreamName="live", ShardToSplit=shard_id(0), NewStartingHashKey=str(half // 2))
        wait_active(c, "live")
        time.sleep(0.6)
        c.merge_shards(StreamName="live", ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(3))
        wait_active(c, "live")
        time.sleep(0.6)
        c.split_shard(StreamName="live", ShardToSplit=shard_id(1), NewStartingHashKey=str(half + half // 3))
        wait_active(c, "live")
        time.sleep(0.6)
        c.merge_shards(StreamName="live", ShardToMerge=shard_id(4), AdjacentShardToMerge=shard_id(5))
        wait_active(c, "live")
        time.sleep(0.6)
    finally:
        stop.set()
        t.join(60)
    check(not t.is_alive(), "producer thread did not stop")
    check(not errors, "; ".join(errors))
    check(len(acked) > 500, "producer only got %d records acknowledged" % len(acked))

    order, out = _read_by_lineage(c, "live")
    eq(len(order), 8, "shards after split, merge, split, merge")
    seen = {}
    per_key_read = {}
    for sid in order:
        prev = -1
        for x in out[sid]:
            i = int(x["Data"])
            check(i in sent, "record with unknown id %d" % i)
            check(i not in seen, "record %d read twice (in %s and %s)" % (i, seen.get(i, ("?",))[0], sid))
            seq = int(x["SequenceNumber"])
            check(seq > prev, "%s: sequence numbers not increasing (%d after %d)" % (sid, seq, prev))
            prev = seq
            eq(x["PartitionKey"], sent[i], "partition key of record %d" % i)
            seen[i] = (sid, seq)
            per_key_read.setdefault(x["PartitionKey"], []).append(i)
    per_key_acked = {}
    for i, k, sid, seq in acked:
        check(i in seen, "acknowledged record %d (%s seq %d) was not read" % (i, sid, seq))
        eq(seen[i], (sid, seq), "shard/sequence number of record %d" % i)
        per_key_acked.setdefault(k, []).append(i)
    eq(len(seen), len(acked), "records read vs acknowledged")
    for k, ids in per_key_acked.items():
        mm = first_mismatch(per_key_read.get(k, []), ids)
        if mm:
            raise TestFailure("key %s: read order differs from acknowledgement order at #%d: %r vs %r"
                              % (k, mm[0], mm[1], mm[2]))
    print("  %d records across %d shards, lineage %s" % (len(acked), len(order), " ".join(o[-2:] for o in order)),
          flush=True)


if __name__ == "__main__":
    main()
