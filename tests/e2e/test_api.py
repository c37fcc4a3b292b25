# End-to-end API tests: boto3 drives every Kinesis operation weir serves over HTTP/1.1 and checks the
# answers against AWS's documented behaviour (docs/spec: /work/shared/specs/kinesis.md):
# CreateStream (PROVISIONED, ON_DEMAND), DeleteStream, DescribeStream (Limit, ExclusiveStartShardId,
# HasMoreShards), DescribeStreamSummary, ListStreams (Limit, ExclusiveStartStreamName, NextToken,
# StreamSummaries), ListShards (NextToken, MaxResults, every ShardFilter type), PutRecord (MD5
# routing, ExplicitHashKey, SequenceNumberForOrdering), PutRecords (order, per-shard ordering),
# GetShardIterator (all five types), GetRecords (Limit, MillisBehindLatest, NextShardIterator,
# ChildShards, ApproximateArrivalTimestamp), SplitShard, MergeShards, UpdateShardCount,
# Increase/DecreaseStreamRetentionPeriod, tags, StreamARN in place of StreamName, the region in ARNs,
# and every error type (ResourceNotFound, ResourceInUse, InvalidArgument, Validation,
# ExpiredIterator, UnknownOperation, Serialization) with HTTP status and __type checked raw.
# Each test gets its own server (fresh data dir, free port).
import base64
import datetime
import random
import re
import time

from weirtest import (KINESALITE, TWO128, check, create_stream, eq, expect_error, expect_raw_error,
                      hash_range, initial_ranges, is_open, iterator, list_all_shards,
                      md5_hash_key, rand_key, read_shard, shard_for_hash, shard_id, stream_arn, test,
                      wait_active, wait_gone, main)

ARN_RE = re.compile(r"^arn:aws:kinesis:([a-z0-9-]+):(\d{12}):stream/(.+)$")
SEQ_RE = re.compile(r"^[0-9]+$")


def ts(dt):
    return dt.timestamp()


def check_initial_ranges(shards, n):
    eq(len(shards), n, "shard count")
    want = initial_ranges(n)
    for i, s in enumerate(sorted(shards, key=lambda s: s["ShardId"])):
        eq(s["ShardId"], shard_id(i), "shard id %d" % i)
        eq(hash_range(s), want[i], "HashKeyRange of %s" % s["ShardId"])
        check(SEQ_RE.match(s["SequenceNumberRange"]["StartingSequenceNumber"]),
              "StartingSequenceNumber is a decimal string: %r" % s["SequenceNumberRange"])
        check(is_open(s), "new shard %s is open" % s["ShardId"])
        check("ParentShardId" not in s, "initial shard has no parent: %r" % s)


# ---------------------------------------------------------------- streams
@test
def create_provisioned_and_describe(srv):
    c = srv.client()
    t0 = time.time()
    r = c.create_stream(StreamName="prov", ShardCount=3,
                        StreamModeDetails={"StreamMode": "PROVISIONED"})
    eq(r["ResponseMetadata"]["HTTPStatusCode"], 200, "CreateStream status")
    wait_active(c, "prov")
    d = c.describe_stream(StreamName="prov")["StreamDescription"]
    eq(d["StreamName"], "prov", "StreamName")
    eq(d["StreamStatus"], "ACTIVE", "StreamStatus")
    eq(d["RetentionPeriodHours"], 24, "default retention")
    eq(d["HasMoreShards"], False, "HasMoreShards")
    m = ARN_RE.match(d["StreamARN"])
    check(m and m.group(1) == "us-east-1" and m.group(3) == "prov", "StreamARN format: %r" % d["StreamARN"])
    check(isinstance(d["StreamCreationTimestamp"], datetime.datetime), "StreamCreationTimestamp type")
    check(t0 - 5 <= ts(d["StreamCreationTimestamp"]) <= time.time() + 5,
          "StreamCreationTimestamp %s not near now" % d["StreamCreationTimestamp"])
    check(isinstance(d["EnhancedMonitoring"], list), "EnhancedMonitoring is a list")
    check_initial_ranges(d["Shards"], 3)


@test
def describe_stream_summary_fields(srv):
    c = srv.client()
    create_stream(c, "sum", 5)
    s = c.describe_stream_summary(StreamName="sum")["StreamDescriptionSummary"]
    eq(s["StreamName"], "sum", "StreamName")
    eq(s["OpenShardCount"], 5, "OpenShardCount")
    eq(s["RetentionPeriodHours"], 24, "RetentionPeriodHours")
    eq(s["StreamStatus"], "ACTIVE", "StreamStatus")
    check(ARN_RE.match(s["StreamARN"]), "StreamARN %r" % s["StreamARN"])
    check(s.get("EncryptionType", "NONE") == "NONE", "EncryptionType %r" % s.get("EncryptionType"))
    eq(s.get("ConsumerCount", 0), 0, "ConsumerCount")


@test(skip_kinesalite="no StreamModeDetails")
def describe_stream_summary_mode(srv):
    c = srv.client()
    create_stream(c, "prov", 2)
    s = c.describe_stream_summary(StreamName="prov")["StreamDescriptionSummary"]
    eq(s.get("StreamModeDetails"), {"StreamMode": "PROVISIONED"}, "StreamModeDetails of a ShardCount stream")


@test(skip_kinesalite="no ON_DEMAND mode")
def create_on_demand_has_4_shards(srv):
    c = srv.client()
    c.create_stream(StreamName="od", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    wait_active(c, "od")
    s = c.describe_stream_summary(StreamName="od")["StreamDescriptionSummary"]
    eq(s["StreamModeDetails"], {"StreamMode": "ON_DEMAND"}, "StreamModeDetails")
    eq(s["OpenShardCount"], 4, "ON_DEMAND OpenShardCount")
    check_initial_ranges(list_all_shards(c, "od"), 4)


@test
def create_existing_is_resource_in_use(srv):
    c = srv.client()
    create_stream(c, "dup", 1)
    expect_error("ResourceInUseException", c.create_stream, StreamName="dup", ShardCount=1)
    expect_error("ResourceInUseException", c.create_stream, StreamName="dup", ShardCount=2)
    eq(c.describe_stream_summary(StreamName="dup")["StreamDescriptionSummary"]["OpenShardCount"], 1,
       "the existing stream is unchanged")


@test
def create_bad_names_and_counts(srv):
    c = srv.client(validate=False)
    expect_error("ValidationException", c.create_stream, StreamName="x" * 129, ShardCount=1)
    expect_error("ValidationException", c.create_stream, StreamName="bad name!", ShardCount=1)
    expect_error("ValidationException", c.create_stream, StreamName="slash/name", ShardCount=1)
    expect_error("ValidationException", c.create_stream, StreamName="", ShardCount=1)
    expect_error("ValidationException", c.create_stream, StreamName="zero", ShardCount=0)
    expect_error("ValidationException", c.create_stream, StreamName="neg", ShardCount=-3)
    # the longest legal name and every legal character class work
    name = ("a-Z_0.9" * 19)[:128]
    create_stream(c, name, 1)
    eq(c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamName"], name, "128-char name")
    eq(c.list_streams()["StreamNames"], [name], "only the legal stream was created")


@test
def delete_stream_and_recreate(srv):
    c = srv.client()
    create_stream(c, "del", 1)
    c.put_record(StreamName="del", Data=b"old", PartitionKey="k")
    c.delete_stream(StreamName="del")
    wait_gone(c, "del")
    expect_error("ResourceNotFoundException", c.describe_stream, StreamName="del")
    check("del" not in c.list_streams()["StreamNames"], "deleted stream still listed")
    expect_error("ResourceNotFoundException", c.delete_stream, StreamName="del")
    expect_error("ResourceNotFoundException", c.put_record, StreamName="del", Data=b"x", PartitionKey="k")
    # a new stream with the same name starts empty
    create_stream(c, "del", 1)
    recs, _ = read_shard(c, "del", shard_id(0))
    eq(recs, [], "records of the recreated stream")


@test
def list_streams_pagination(srv):
    c = srv.client()
    names = ["s%02d" % i for i in range(7)]
    for n in reversed(names):
        c.create_stream(StreamName=n, ShardCount=1)
    for n in names:
        wait_active(c, n)
    r = c.list_streams()
    eq(r["StreamNames"], names, "ListStreams order (sorted by name)")
    eq(r["HasMoreStreams"], False, "HasMoreStreams")
    r = c.list_streams(Limit=3)
    eq(r["StreamNames"], names[:3], "Limit=3")
    eq(r["HasMoreStreams"], True, "HasMoreStreams with Limit=3")
    r = c.list_streams(Limit=3, ExclusiveStartStreamName="s02")
    eq(r["StreamNames"], names[3:6], "ExclusiveStartStreamName=s02")
    eq(r["HasMoreStreams"], True, "HasMoreStreams after s02")
    r = c.list_streams(ExclusiveStartStreamName="s05")
    eq(r["StreamNames"], ["s06"], "ExclusiveStartStreamName=s05")
    eq(r["HasMoreStreams"], False, "HasMoreStreams at end")
    c2 = srv.client(validate=False)
    expect_error("ValidationException", c2.list_streams, Limit=0)
    expect_error("ValidationException", c2.list_streams, Limit=10001)


@test(skip_kinesalite="no NextToken/StreamSummaries in ListStreams")
def list_streams_next_token_and_summaries(srv):
    c = srv.raw_client()  # Debian's botocore predates NextToken and StreamSummaries
    names = ["n%02d" % i for i in range(5)]
    for n in names:
        c.create_stream(StreamName=n, ShardCount=1)
    for n in names:
        wait_active(c, n)
    got, summaries, token = [], [], None
    for _ in range(10):
        r = c.list_streams(Limit=2, NextToken=token) if token else c.list_streams(Limit=2)
        got += r["StreamNames"]
        summaries += r.get("StreamSummaries", [])
        check(len(r["StreamNames"]) <= 2, "Limit=2 returned %d names" % len(r["StreamNames"]))
        if not r["HasMoreStreams"]:
            check(not r.get("NextToken"), "NextToken present although HasMoreStreams is false")
            break
        token = r.get("NextToken")
        check(token, "HasMoreStreams true but no NextToken: %r" % r)
    eq(got, names, "names over NextToken pages")
    eq([s["StreamName"] for s in summaries], names, "StreamSummaries names")
    for s in summaries:
        check(ARN_RE.match(s["StreamARN"]) and s["StreamARN"].endswith("/" + s["StreamName"]),
              "summary ARN %r" % s)
        eq(s["StreamStatus"], "ACTIVE", "summary status")
        eq(s.get("StreamModeDetails"), {"StreamMode": "PROVISIONED"}, "summary mode")
        check(isinstance(s["StreamCreationTimestamp"], datetime.datetime), "summary creation timestamp")


@test(skip_kinesalite="DescribeStream ignores Limit")
def describe_stream_paging(srv):
    c = srv.client()
    create_stream(c, "pg", 5)
    d = c.describe_stream(StreamName="pg", Limit=2)["StreamDescription"]
    eq([s["ShardId"] for s in d["Shards"]], [shard_id(0), shard_id(1)], "Limit=2 shards")
    eq(d["HasMoreShards"], True, "HasMoreShards with Limit=2")
    d = c.describe_stream(StreamName="pg", Limit=2, ExclusiveStartShardId=shard_id(1))["StreamDescription"]
    eq([s["ShardId"] for s in d["Shards"]], [shard_id(2), shard_id(3)], "after shard 1")
    eq(d["HasMoreShards"], True, "HasMoreShards after shard 1")
    d = c.describe_stream(StreamName="pg", ExclusiveStartShardId=shard_id(3))["StreamDescription"]
    eq([s["ShardId"] for s in d["Shards"]], [shard_id(4)], "after shard 3")
    eq(d["HasMoreShards"], False, "HasMoreShards at the end")


@test
def describe_stream_errors(srv):
    c = srv.client()
    create_stream(c, "pg", 2)
    c2 = srv.client(validate=False)
    expect_error("ValidationException", c2.describe_stream, StreamName="pg", Limit=0)
    expect_error("ValidationException", c2.describe_stream, StreamName="pg", Limit=10001)
    expect_error("ResourceNotFoundException", c.describe_stream, StreamName="nope")
    expect_error("ResourceNotFoundException", c.describe_stream_summary, StreamName="nope")
    expect_error("ValidationException", c2.describe_stream_summary, StreamName="x" * 129)


# ---------------------------------------------------------------- ListShards
@test
def list_shards_basic(srv):
    c = srv.client()
    create_stream(c, "ls", 5)
    r = c.list_shards(StreamName="ls")
    check_initial_ranges(r["Shards"], 5)
    check(not r.get("NextToken"), "no NextToken when everything fits")
    r = c.list_shards(StreamName="ls", ExclusiveStartShardId=shard_id(2))
    eq([s["ShardId"] for s in r["Shards"]], [shard_id(3), shard_id(4)], "ExclusiveStartShardId")
    c2 = srv.client(validate=False)
    expect_error("ValidationException", c2.list_shards, StreamName="ls", MaxResults=0)
    expect_error("ValidationException", c2.list_shards, StreamName="ls", MaxResults=10001)
    expect_error("ResourceNotFoundException", c.list_shards, StreamName="nope")
    expect_error("InvalidArgumentException", c.list_shards, StreamName="ls", NextToken="x" * 40)


@test(skip_kinesalite="ListShards ignores MaxResults and NextToken")
def list_shards_next_token(srv):
    c = srv.client()
    create_stream(c, "ls", 5)
    r = c.list_shards(StreamName="ls", MaxResults=2)
    eq([s["ShardId"] for s in r["Shards"]], [shard_id(0), shard_id(1)], "MaxResults=2")
    tok = r.get("NextToken")
    check(tok, "NextToken missing with MaxResults=2 of 5")
    expect_error("InvalidArgumentException", c.list_shards, StreamName="ls", NextToken=tok)
    r = c.list_shards(NextToken=tok, MaxResults=2)
    eq([s["ShardId"] for s in r["Shards"]], [shard_id(2), shard_id(3)], "second page")
    r = c.list_shards(NextToken=r["NextToken"], MaxResults=2)
    eq([s["ShardId"] for s in r["Shards"]], [shard_id(4)], "last page")
    check(not r.get("NextToken"), "NextToken after the last page: %r" % r.get("NextToken"))


@test(skip_kinesalite="no ShardFilter")
def list_shards_filters(srv):
    c = srv.client()
    create_stream(c, "flt", 2)
    time.sleep(0.6)
    t_before = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.6)
    lo, hi = initial_ranges(2)[0]
    c.split_shard(StreamName="flt", ShardToSplit=shard_id(0), NewStartingHashKey=str((lo + hi + 1) // 2))
    wait_active(c, "flt")
    time.sleep(0.6)
    t_after = datetime.datetime.now(datetime.timezone.utc)

    def ids(**f):
        return sorted(s["ShardId"] for s in c.list_shards(StreamName="flt", ShardFilter=f)["Shards"])

    s0, s1, s2, s3 = (shard_id(i) for i in range(4))
    eq(ids(Type="AT_LATEST"), [s1, s2, s3], "AT_LATEST (open shards)")
    eq(ids(Type="AT_TRIM_HORIZON"), [s0, s1], "AT_TRIM_HORIZON (open at the trim horizon)")
    eq(ids(Type="FROM_TRIM_HORIZON"), [s0, s1, s2, s3], "FROM_TRIM_HORIZON (all within retention)")
    eq(ids(Type="AFTER_SHARD_ID", ShardId=s1), [s2, s3], "AFTER_SHARD_ID shard 1")
    eq(ids(Type="AT_TIMESTAMP", Timestamp=t_before), [s0, s1], "AT_TIMESTAMP before the split")
    eq(ids(Type="AT_TIMESTAMP", Timestamp=t_after), [s1, s2, s3], "AT_TIMESTAMP after the split")
    eq(ids(Type="FROM_TIMESTAMP", Timestamp=t_before), [s0, s1, s2, s3], "FROM_TIMESTAMP before the split")
    eq(ids(Type="FROM_TIMESTAMP", Timestamp=t_after), [s1, s2, s3], "FROM_TIMESTAMP after the split")


# ---------------------------------------------------------------- PutRecord / routing
@test
def put_record_routes_by_md5(srv):
    c = srv.client()
    create_stream(c, "rt", 4)
    shards = list_all_shards(c, "rt")
    rng = random.Random(11)
    keys = [rand_key(rng, rng.randint(1, 40)) for _ in range(120)] + ["ключ-ü-日本", "a", "z" * 256]
    expect = {}
    for k in keys:
        r = c.put_record(StreamName="rt", Data=k.encode(), PartitionKey=k)
        want = shard_for_hash(shards, md5_hash_key(k))
        eq(r["ShardId"], want, "ShardId for partition key %r (md5 %d)" % (k, md5_hash_key(k)))
        check(SEQ_RE.match(r["SequenceNumber"]), "SequenceNumber %r is decimal" % r["SequenceNumber"])
        expect.setdefault(want, []).append((r["SequenceNumber"], k))
    check(len(expect) == 4, "random keys should hit all 4 shards, hit %r" % sorted(expect))
    for sid, want in expect.items():
        recs, _ = read_shard(c, "rt", sid)
        eq([(x["SequenceNumber"], x["PartitionKey"]) for x in recs], want, "records of %s" % sid)
        for x in recs:
            eq(x["Data"], x["PartitionKey"].encode(), "Data of %s" % x["SequenceNumber"])


@test
def put_record_explicit_hash_key(srv):
    c = srv.client()
    create_stream(c, "ehk", 4)
    ranges = initial_ranges(4)
    cases = [("0", 0), (str(ranges[1][0]), 1), (str(ranges[1][1]), 1), (str(ranges[2][0] + 12345), 2),
             (str(TWO128 - 1), 3), (str(ranges[3][0]), 3)]
    for hk, idx in cases:
        # the partition key alone would route elsewhere for at least some of these
        r = c.put_record(StreamName="ehk", Data=b"x", PartitionKey="same-key", ExplicitHashKey=hk)
        eq(r["ShardId"], shard_id(idx), "ExplicitHashKey %s" % hk)
    expect_error("InvalidArgumentException", c.put_record, StreamName="ehk", Data=b"x",
                 PartitionKey="k", ExplicitHashKey=str(TWO128))
    # 40 digits break the 0|([1-9]\d{0,38}) pattern, so AWS rejects it in validation (kinesalite's
    # pattern is unanchored and lets it through to the range check)
    expect_error("InvalidArgumentException" if KINESALITE else "ValidationException", c.put_record,
                 StreamName="ehk", Data=b"x", PartitionKey="k", ExplicitHashKey=str(TWO128 * 7))
    expect_error("ValidationException", c.put_record, StreamName="ehk", Data=b"x",
                 PartitionKey="k", ExplicitHashKey="12abc")


@test(skip_kinesalite="its pattern check '^0|([1-9]\\d{0,38})$' is unanchored on the left and accepts '-1'")
def put_record_explicit_hash_key_pattern(srv):
    c = srv.client()
    create_stream(c, "ehp", 1)
    for bad in ("-1", "01", "1.0", " 1", "1e5"):
        expect_error("ValidationException", c.put_record, StreamName="ehp", Data=b"x",
                     PartitionKey="k", ExplicitHashKey=bad)


@test
def put_record_sequence_ordering(srv):
    c = srv.client()
    create_stream(c, "ord", 1)
    prev = None
    seqs = []
    for i in range(30):
        kw = {"SequenceNumberForOrdering": prev} if prev else {}
        r = c.put_record(StreamName="ord", Data=b"%d" % i, PartitionKey="pk", **kw)
        seqs.append(r["SequenceNumber"])
        if prev:
            check(int(r["SequenceNumber"]) > int(prev), "seq %s not > previous %s" % (r["SequenceNumber"], prev))
        prev = r["SequenceNumber"]
    eq(len(set(seqs)), 30, "unique sequence numbers")
    recs, _ = read_shard(c, "ord", shard_id(0))
    eq([r["SequenceNumber"] for r in recs], seqs, "read-back order")
    eq([r["Data"] for r in recs], [b"%d" % i for i in range(30)], "read-back data")


@test
def put_record_binary_and_key_limits(srv):
    c = srv.client(validate=False)
    create_stream(c, "bin", 1)
    blob = bytes(range(256)) * 4
    c.put_record(StreamName="bin", Data=blob, PartitionKey="k" * 256)
    big = b"\xa5" * (1024 * 1024 - 300)
    c.put_record(StreamName="bin", Data=big, PartitionKey="big")
    recs, _ = read_shard(c, "bin", shard_id(0))
    eq(len(recs), 2, "records")
    eq(recs[0]["Data"], blob, "binary data round trip")
    eq(recs[0]["PartitionKey"], "k" * 256, "256-char partition key")
    check(recs[1]["Data"] == big, "1 MiB-300 byte record round trip")
    expect_error("ValidationException", c.put_record, StreamName="bin", Data=b"x", PartitionKey="k" * 257)
    expect_error("ValidationException", c.put_record, StreamName="bin", Data=b"x", PartitionKey="")
    expect_error("ValidationException", c.put_record, StreamName="bin", Data=b"x" * (1024 * 1024 + 1),
                 PartitionKey="k")
    expect_error("ResourceNotFoundException", c.put_record, StreamName="nope", Data=b"x", PartitionKey="k")


# ---------------------------------------------------------------- PutRecords
@test
def put_records_order_and_routing(srv):
    c = srv.client()
    create_stream(c, "prs", 3)
    shards = list_all_shards(c, "prs")
    rng = random.Random(5)
    entries = []
    for i in range(500):
        e = {"Data": b"rec-%03d-" % i + bytes(rng.randrange(256) for _ in range(rng.randint(0, 40))),
             "PartitionKey": rand_key(rng, 8) if i % 3 else "hot"}
        if i % 50 == 7:
            e["ExplicitHashKey"] = str(rng.randrange(TWO128))
        entries.append(e)
    r = c.put_records(StreamName="prs", Records=entries)
    eq(r.get("FailedRecordCount", 0), 0, "FailedRecordCount")
    eq(len(r["Records"]), 500, "result count")
    per_shard = {}
    for i, (e, res) in enumerate(zip(entries, r["Records"])):
        h = int(e["ExplicitHashKey"]) if "ExplicitHashKey" in e else md5_hash_key(e["PartitionKey"])
        eq(res.get("ShardId"), shard_for_hash(shards, h), "result %d ShardId (results in request order)" % i)
        check("ErrorCode" not in res, "result %d has ErrorCode %r" % (i, res))
        per_shard.setdefault(res["ShardId"], []).append((int(res["SequenceNumber"]), e))
    for sid, lst in per_shard.items():
        seqs = [s for s, _ in lst]
        check(all(a < b for a, b in zip(seqs, seqs[1:])),
              "sequence numbers in %s do not increase in request order" % sid)
        recs, _ = read_shard(c, "prs", sid)
        eq([int(x["SequenceNumber"]) for x in recs], seqs, "read-back sequence numbers of %s" % sid)
        eq([(x["PartitionKey"], x["Data"]) for x in recs], [(e["PartitionKey"], e["Data"]) for _, e in lst],
           "read-back keys/data of %s" % sid)
    all_seqs = [res["SequenceNumber"] for res in r["Records"]]
    eq(len(set(all_seqs)), 500, "sequence numbers unique across the stream")


@test
def put_records_limits(srv):
    c = srv.client(validate=False)
    create_stream(c, "lim", 2)
    expect_error("ValidationException", c.put_records, StreamName="lim", Records=[])
    expect_error("ValidationException", c.put_records, StreamName="lim",
                 Records=[{"Data": b"x", "PartitionKey": "k"}] * 501)
    # one oversized entry fails the whole request (model constraint: Data at most 1 MiB)
    recs = [{"Data": b"ok", "PartitionKey": "a"}, {"Data": b"y" * (1024 * 1024 + 1), "PartitionKey": "b"},
            {"Data": b"ok", "PartitionKey": "c"}]
    expect_error("ValidationException", c.put_records, StreamName="lim", Records=recs)
    expect_error("ValidationException", c.put_records, StreamName="lim",
                 Records=[{"Data": b"x", "PartitionKey": "k" * 257}])
    expect_error("ResourceNotFoundException", c.put_records, StreamName="nope",
                 Records=[{"Data": b"x", "PartitionKey": "k"}])
    for sid in (shard_id(0), shard_id(1)):
        got, _ = read_shard(c, "lim", sid)
        eq(got, [], "nothing written by the rejected requests to %s" % sid)
    r = c.put_records(StreamName="lim", Records=[{"Data": b"x", "PartitionKey": "k%d" % i} for i in range(500)])
    eq(r.get("FailedRecordCount", 0), 0, "500 entries accepted")


# ---------------------------------------------------------------- GetShardIterator / GetRecords
@test
def shard_iterator_types(srv):
    c = srv.client()
    create_stream(c, "it", 1)
    sid = shard_id(0)
    seqs = []
    t_first = time.time()
    for i in range(6):
        seqs.append(c.put_record(StreamName="it", Data=b"a%d" % i, PartitionKey="k")["SequenceNumber"])
    time.sleep(0.6)
    t_mid = datetime.datetime.now(datetime.timezone.utc)
    time.sleep(0.6)
    for i in range(4):
        seqs.append(c.put_record(StreamName="it", Data=b"b%d" % i, PartitionKey="k")["SequenceNumber"])

    def data(**kw):
        recs, _ = read_shard(c, "it", sid, **kw)
        return [r["Data"] for r in recs]

    every = [b"a%d" % i for i in range(6)] + [b"b%d" % i for i in range(4)]
    eq(data(itype="TRIM_HORIZON"), every, "TRIM_HORIZON")
    eq(data(itype="AT_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[3]), every[3:], "AT_SEQUENCE_NUMBER 3")
    eq(data(itype="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[3]), every[4:], "AFTER_SEQUENCE_NUMBER 3")
    eq(data(itype="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=seqs[-1]), [], "AFTER the last")
    eq(data(itype="AT_TIMESTAMP", Timestamp=t_mid), every[6:], "AT_TIMESTAMP between the batches")
    eq(data(itype="AT_TIMESTAMP", Timestamp=datetime.datetime.fromtimestamp(t_first - 60, datetime.timezone.utc)),
       every, "AT_TIMESTAMP before everything")
    latest = iterator(c, "it", sid, "LATEST")
    eq(c.get_records(ShardIterator=latest)["Records"], [], "LATEST sees nothing old")
    c.put_record(StreamName="it", Data=b"new", PartitionKey="k")
    recs, _ = read_shard(c, "it", sid, it=latest)
    eq([r["Data"] for r in recs], [b"new"], "LATEST sees the record put after it")


@test
def shard_iterator_errors(srv):
    c = srv.client(validate=False)
    create_stream(c, "ite", 2)
    s0 = c.put_record(StreamName="ite", Data=b"x", PartitionKey="k", ExplicitHashKey="0")["SequenceNumber"]
    expect_error("ValidationException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(0),
                 ShardIteratorType="FROM_THE_MIDDLE")
    expect_error("InvalidArgumentException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(0),
                 ShardIteratorType="AT_SEQUENCE_NUMBER")
    expect_error("InvalidArgumentException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(0),
                 ShardIteratorType="AFTER_SEQUENCE_NUMBER")
    expect_error("InvalidArgumentException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(0),
                 ShardIteratorType="TRIM_HORIZON", StartingSequenceNumber=s0)
    expect_error("InvalidArgumentException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(0),
                 ShardIteratorType="AT_TIMESTAMP")
    # a sequence number of shard 0 used on shard 1
    expect_error("InvalidArgumentException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(1),
                 ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=s0)
    expect_error("ResourceNotFoundException", c.get_shard_iterator, StreamName="ite", ShardId=shard_id(7),
                 ShardIteratorType="TRIM_HORIZON")
    expect_error("ResourceNotFoundException", c.get_shard_iterator, StreamName="nope", ShardId=shard_id(0),
                 ShardIteratorType="TRIM_HORIZON")
    expect_error("ValidationException", c.get_shard_iterator, StreamName="ite", ShardId="shard id!",
                 ShardIteratorType="TRIM_HORIZON")


@test
def get_records_limit_and_timestamps(srv):
    c = srv.client(validate=False)
    create_stream(c, "gr", 1)
    t0 = time.time()
    r = c.put_records(StreamName="gr", Records=[{"Data": b"%d" % i, "PartitionKey": "p"} for i in range(10)])
    t1 = time.time()
    eq(r.get("FailedRecordCount", 0), 0, "FailedRecordCount")
    it = iterator(c, "gr", shard_id(0))
    g = c.get_records(ShardIterator=it, Limit=3)
    eq([x["Data"] for x in g["Records"]], [b"0", b"1", b"2"], "Limit=3")
    check(g.get("NextShardIterator"), "NextShardIterator on an open shard")
    for x in g["Records"]:
        at = x["ApproximateArrivalTimestamp"]
        check(isinstance(at, datetime.datetime), "ApproximateArrivalTimestamp type %r" % type(at))
        check(t0 - 1.0 <= ts(at) <= t1 + 1.0, "ApproximateArrivalTimestamp %s outside put window [%s, %s]"
              % (ts(at), t0, t1))
        eq(x.get("EncryptionType", "NONE"), "NONE", "EncryptionType")
    g2 = c.get_records(ShardIterator=g["NextShardIterator"], Limit=10000)
    eq([x["Data"] for x in g2["Records"]], [b"%d" % i for i in range(3, 10)], "the rest")
    g3 = c.get_records(ShardIterator=g2["NextShardIterator"])
    eq(g3["Records"], [], "caught up")
    eq(g3.get("MillisBehindLatest"), 0, "MillisBehindLatest when caught up")
    check(g3.get("NextShardIterator"), "NextShardIterator when caught up on an open shard")
    # the same iterator can be used again (iterators are positions, not cursors)
    again = c.get_records(ShardIterator=it, Limit=2)
    eq([x["Data"] for x in again["Records"]], [b"0", b"1"], "re-used iterator")
    expect_error("ValidationException", c.get_records, ShardIterator=it, Limit=0)
    # the model says max 10,000 (ValidationException); the API reference says InvalidArgumentException
    expect_error(("ValidationException", "InvalidArgumentException"), c.get_records, ShardIterator=it, Limit=10001)


@test(skip_kinesalite="MillisBehindLatest is always 0")
def get_records_millis_behind_latest(srv):
    c = srv.client()
    create_stream(c, "mbl", 1)
    c.put_record(StreamName="mbl", Data=b"old", PartitionKey="k")
    time.sleep(1.5)
    c.put_record(StreamName="mbl", Data=b"new", PartitionKey="k")
    g = c.get_records(ShardIterator=iterator(c, "mbl", shard_id(0)), Limit=1)
    eq([x["Data"] for x in g["Records"]], [b"old"], "first record")
    check(g.get("MillisBehindLatest", 0) >= 700,
          "MillisBehindLatest %r after reading a record 1.5 s older than the tip" % g.get("MillisBehindLatest"))
    g = c.get_records(ShardIterator=g["NextShardIterator"])
    eq([x["Data"] for x in g["Records"]], [b"new"], "second record")
    eq(g.get("MillisBehindLatest"), 0, "MillisBehindLatest once caught up")


@test
def get_records_bad_iterators(srv):
    c = srv.client(validate=False)
    create_stream(c, "bi", 1)
    good = iterator(c, "bi", shard_id(0))
    bad = [
        "AAAAAAAAAAHSywljv0zEgPX4NyKdZ5wryMzP9yALs8NeKbUjp1IxtZs1Sp+KEd9I6AJ9ZG4lNR1EMi+9Md/nHvtLyxpfhEzYvkTZ4D9DQVz/mBYWRO6OTZRKnW9gd+efGN2aHFdkH1rJl4BL9Wyrk+ghYG22D2T1Da2EyNSH1+LAbK33gQweTJADBdyMwlo5r6PqcP2dzhg=",
        "not-an-iterator",
        good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        good[:len(good) // 2],
    ]
    for b in bad:
        expect_error("InvalidArgumentException", c.get_records, ShardIterator=b)
    expect_error("ValidationException", c.get_records, ShardIterator="A" * 513)
    expect_error("ValidationException", c.get_records, ShardIterator="")
    # the stream is still fine
    eq(c.get_records(ShardIterator=good)["Records"], [], "good iterator still works")


@test(weir_only="needs WEIR_ITERATOR_TTL_MS", env={"WEIR_ITERATOR_TTL_MS": "1000"})
def get_records_expired_iterator(srv):
    c = srv.client()
    create_stream(c, "exp", 1)
    c.put_record(StreamName="exp", Data=b"x", PartitionKey="k")
    it = iterator(c, "exp", shard_id(0))
    g = c.get_records(ShardIterator=it)
    eq([x["Data"] for x in g["Records"]], [b"x"], "fresh iterator works")
    time.sleep(1.6)
    expect_error("ExpiredIteratorException", c.get_records, ShardIterator=it)
    expect_error("ExpiredIteratorException", c.get_records, ShardIterator=g["NextShardIterator"])
    r = srv.raw("GetRecords", {"ShardIterator": it})
    expect_raw_error(r, "ExpiredIteratorException")
    # a freshly issued iterator, and the NextShardIterator it yields, work again
    g = c.get_records(ShardIterator=iterator(c, "exp", shard_id(0)))
    eq([x["Data"] for x in g["Records"]], [b"x"], "new iterator after expiry")
    eq(c.get_records(ShardIterator=g["NextShardIterator"])["Records"], [], "its NextShardIterator")


# ---------------------------------------------------------------- resharding
def _split_half(c, name, sid):
    s = [x for x in list_all_shards(c, name) if x["ShardId"] == sid][0]
    lo, hi = hash_range(s)
    mid = (lo + hi + 1) // 2
    c.split_shard(StreamName=name, ShardToSplit=sid, NewStartingHashKey=str(mid))
    wait_active(c, name)
    return lo, mid, hi


@test
def split_shard(srv):
    c = srv.client()
    create_stream(c, "sp", 1)
    before = [c.put_record(StreamName="sp", Data=b"b%d" % i, PartitionKey="k%d" % i) for i in range(20)]
    lo, mid, hi = _split_half(c, "sp", shard_id(0))
    shards = {s["ShardId"]: s for s in list_all_shards(c, "sp")}
    eq(sorted(shards), [shard_id(0), shard_id(1), shard_id(2)], "shards after split")
    p = shards[shard_id(0)]
    check(not is_open(p), "parent is closed (EndingSequenceNumber set)")
    check(int(p["SequenceNumberRange"]["EndingSequenceNumber"]) >= max(int(r["SequenceNumber"]) for r in before),
          "parent EndingSequenceNumber covers its records")
    eq(hash_range(p), (lo, hi), "parent keeps its range")
    eq(hash_range(shards[shard_id(1)]), (lo, mid - 1), "lower child range")
    eq(hash_range(shards[shard_id(2)]), (mid, hi), "upper child range")
    for ch in (shard_id(1), shard_id(2)):
        eq(shards[ch].get("ParentShardId"), shard_id(0), "ParentShardId of %s" % ch)
        check("AdjacentParentShardId" not in shards[ch], "split child has no AdjacentParentShardId")
        check(is_open(shards[ch]), "child %s open" % ch)
    eq(c.describe_stream_summary(StreamName="sp")["StreamDescriptionSummary"]["OpenShardCount"], 2,
       "OpenShardCount after split")
    sh = list(shards.values())
    for i in range(60):
        k = "after%d" % i
        r = c.put_record(StreamName="sp", Data=b"a", PartitionKey=k)
        eq(r["ShardId"], shard_for_hash(sh, md5_hash_key(k)), "post-split routing of %r" % k)
        check(r["ShardId"] != shard_id(0), "record went to the closed parent")
    recs, last = read_shard(c, "sp", shard_id(0))
    eq([x["Data"] for x in recs], [b"b%d" % i for i in range(20)], "parent keeps its records")
    check(not last.get("NextShardIterator"), "no NextShardIterator at the end of a closed shard")
    # errors
    c2 = srv.client(validate=False)
    expect_error("InvalidArgumentException", c2.split_shard, StreamName="sp", ShardToSplit=shard_id(1),
                 NewStartingHashKey=str(mid + 5))  # outside shard 1's range
    expect_error("InvalidArgumentException", c2.split_shard, StreamName="sp", ShardToSplit=shard_id(1),
                 NewStartingHashKey=str(lo))  # not greater than StartingHashKey
    expect_error("ResourceNotFoundException", c2.split_shard, StreamName="sp", ShardToSplit=shard_id(42),
                 NewStartingHashKey=str(mid // 2))
    expect_error("ResourceNotFoundException", c2.split_shard, StreamName="nope", ShardToSplit=shard_id(0),
                 NewStartingHashKey=str(mid // 2))


@test(skip_kinesalite="a closed shard can be split again (kinesalite issue #109)")
def split_closed_shard_is_invalid(srv):
    c = srv.client()
    create_stream(c, "spc", 1)
    _split_half(c, "spc", shard_id(0))
    expect_error("InvalidArgumentException", c.split_shard, StreamName="spc", ShardToSplit=shard_id(0),
                 NewStartingHashKey=str(1 << 120))
    eq(len(list_all_shards(c, "spc")), 3, "no new shards")


@test(skip_kinesalite="no ChildShards in GetRecords")
def get_records_child_shards(srv):
    c = srv.client()
    create_stream(c, "cs", 2)
    c.put_records(StreamName="cs", Records=[{"Data": b"%d" % i, "PartitionKey": "k%d" % i} for i in range(40)])
    _split_half(c, "cs", shard_id(1))
    recs, last = read_shard(c, "cs", shard_id(1))
    check(recs, "parent had records")
    check(not last.get("NextShardIterator"), "closed shard exhausted: no NextShardIterator")
    kids = last.get("ChildShards")
    check(kids, "ChildShards missing on the last GetRecords of a closed shard: %r" % last)
    shards = {s["ShardId"]: s for s in list_all_shards(c, "cs")}
    eq(sorted(k["ShardId"] for k in kids), [shard_id(2), shard_id(3)], "ChildShards ids")
    for k in kids:
        eq(k["ParentShards"], [shard_id(1)], "ParentShards of %s" % k["ShardId"])
        eq(hash_range(k), hash_range(shards[k["ShardId"]]), "HashKeyRange of %s" % k["ShardId"])
    # an open shard never reports children
    g = c.get_records(ShardIterator=iterator(c, "cs", shard_id(0)))
    check(not g.get("ChildShards"), "open shard reports ChildShards")


@test
def merge_shards(srv):
    c = srv.client()
    create_stream(c, "mg", 3)
    for i in range(30):
        c.put_record(StreamName="mg", Data=b"%d" % i, PartitionKey="k%d" % i)
    r0, r1 = initial_ranges(3)[0], initial_ranges(3)[1]
    c2 = srv.client(validate=False)
    expect_error("InvalidArgumentException", c2.merge_shards, StreamName="mg", ShardToMerge=shard_id(0),
                 AdjacentShardToMerge=shard_id(2))
    expect_error("ResourceNotFoundException", c2.merge_shards, StreamName="mg", ShardToMerge=shard_id(0),
                 AdjacentShardToMerge=shard_id(9))
    c.merge_shards(StreamName="mg", ShardToMerge=shard_id(0), AdjacentShardToMerge=shard_id(1))
    wait_active(c, "mg")
    shards = {s["ShardId"]: s for s in list_all_shards(c, "mg")}
    eq(sorted(shards), [shard_id(i) for i in range(4)], "shards after merge")
    m = shards[shard_id(3)]
    eq(hash_range(m), (r0[0], r1[1]), "merged range")
    eq(m.get("ParentShardId"), shard_id(0), "ParentShardId")
    eq(m.get("AdjacentParentShardId"), shard_id(1), "AdjacentParentShardId")
    check(not is_open(shards[shard_id(0)]) and not is_open(shards[shard_id(1)]), "parents closed")
    check(is_open(m) and is_open(shards[shard_id(2)]), "merged and untouched shard open")
    eq(c.describe_stream_summary(StreamName="mg")["StreamDescriptionSummary"]["OpenShardCount"], 2,
       "OpenShardCount after merge")
    sh = list(shards.values())
    for i in range(40):
        k = "m%d" % i
        eq(c.put_record(StreamName="mg", Data=b"x", PartitionKey=k)["ShardId"],
           shard_for_hash(sh, md5_hash_key(k)), "post-merge routing of %r" % k)


@test(skip_kinesalite="merging a closed shard is not rejected")
def merge_closed_shard_is_invalid(srv):
    c = srv.client()
    create_stream(c, "mgc", 3)
    c.merge_shards(StreamName="mgc", ShardToMerge=shard_id(0), AdjacentShardToMerge=shard_id(1))
    wait_active(c, "mgc")
    expect_error("InvalidArgumentException", c.merge_shards, StreamName="mgc", ShardToMerge=shard_id(1),
                 AdjacentShardToMerge=shard_id(2))


@test(skip_kinesalite="no UpdateShardCount")
def update_shard_count_uniform(srv):
    c = srv.client()
    create_stream(c, "usc", 2)
    r = c.update_shard_count(StreamName="usc", TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    eq((r.get("CurrentShardCount"), r.get("TargetShardCount")), (2, 4), "UpdateShardCount response counts")
    wait_active(c, "usc")

    def open_ranges():
        opened = sorted((hash_range(s) for s in list_all_shards(c, "usc") if is_open(s)))
        return opened

    for target in (4, 3, 2):
        if target != 4:
            c.update_shard_count(StreamName="usc", TargetShardCount=target, ScalingType="UNIFORM_SCALING")
            wait_active(c, "usc")
        opened = open_ranges()
        eq(len(opened), target, "open shards after UpdateShardCount to %d" % target)
        eq(opened[0][0], 0, "first open shard starts at 0")
        eq(opened[-1][1], TWO128 - 1, "last open shard ends at 2^128-1")
        for a, b in zip(opened, opened[1:]):
            eq(b[0], a[1] + 1, "open ranges are contiguous")
        ideal = TWO128 // target
        for lo, hi in opened:
            check(abs((hi - lo + 1) - ideal) <= ideal // 100, "UNIFORM_SCALING: shard size %d vs ideal %d"
                  % (hi - lo + 1, ideal))
        eq(c.describe_stream_summary(StreamName="usc")["StreamDescriptionSummary"]["OpenShardCount"], target,
           "OpenShardCount")
    c2 = srv.client(validate=False)
    expect_error("ValidationException", c2.update_shard_count, StreamName="usc", TargetShardCount=4,
                 ScalingType="LOPSIDED")
    expect_error("ResourceNotFoundException", c.update_shard_count, StreamName="nope", TargetShardCount=4,
                 ScalingType="UNIFORM_SCALING")


# ---------------------------------------------------------------- retention
@test
def retention_period(srv):
    c = srv.client()
    create_stream(c, "ret", 1)

    def hours():
        return c.describe_stream_summary(StreamName="ret")["StreamDescriptionSummary"]["RetentionPeriodHours"]

    c.increase_stream_retention_period(StreamName="ret", RetentionPeriodHours=48)
    wait_active(c, "ret")
    eq(hours(), 48, "after increase to 48")
    expect_error("InvalidArgumentException", c.increase_stream_retention_period, StreamName="ret",
                 RetentionPeriodHours=30)  # below current
    expect_error("InvalidArgumentException", c.decrease_stream_retention_period, StreamName="ret",
                 RetentionPeriodHours=72)  # above current
    expect_error("InvalidArgumentException", c.decrease_stream_retention_period, StreamName="ret",
                 RetentionPeriodHours=23)  # below the 24 h minimum
    c.decrease_stream_retention_period(StreamName="ret", RetentionPeriodHours=24)
    wait_active(c, "ret")
    eq(hours(), 24, "after decrease to 24")
    expect_error("ResourceNotFoundException", c.increase_stream_retention_period, StreamName="nope",
                 RetentionPeriodHours=48)


@test(skip_kinesalite="retention capped at the pre-2020 168 h")
def retention_period_max(srv):
    c = srv.client()
    create_stream(c, "retm", 1)
    c.increase_stream_retention_period(StreamName="retm", RetentionPeriodHours=8760)
    wait_active(c, "retm")
    eq(c.describe_stream(StreamName="retm")["StreamDescription"]["RetentionPeriodHours"], 8760, "8760 h")
    c.decrease_stream_retention_period(StreamName="retm", RetentionPeriodHours=100)
    wait_active(c, "retm")
    expect_error("InvalidArgumentException", c.increase_stream_retention_period, StreamName="retm",
                 RetentionPeriodHours=8761)
    eq(c.describe_stream(StreamName="retm")["StreamDescription"]["RetentionPeriodHours"], 100, "unchanged")


# ---------------------------------------------------------------- tags
@test
def tags(srv):
    c = srv.client()
    create_stream(c, "tg", 1)
    r = c.list_tags_for_stream(StreamName="tg")
    eq((r["Tags"], r["HasMoreTags"]), ([], False), "no tags")
    c.add_tags_to_stream(StreamName="tg", Tags={"team": "data", "env": "test", "cost": "1"})
    r = c.list_tags_for_stream(StreamName="tg")
    eq(r["Tags"], [{"Key": "cost", "Value": "1"}, {"Key": "env", "Value": "test"},
                   {"Key": "team", "Value": "data"}], "tags sorted by key")
    eq(r["HasMoreTags"], False, "HasMoreTags")
    r = c.list_tags_for_stream(StreamName="tg", Limit=2)
    eq([t["Key"] for t in r["Tags"]], ["cost", "env"], "Limit=2")
    eq(r["HasMoreTags"], True, "HasMoreTags with Limit=2")
    r = c.list_tags_for_stream(StreamName="tg", ExclusiveStartTagKey="env")
    eq([t["Key"] for t in r["Tags"]], ["team"], "ExclusiveStartTagKey")
    c.add_tags_to_stream(StreamName="tg", Tags={"env": "prod", "empty": ""})
    r = c.list_tags_for_stream(StreamName="tg")
    eq({t["Key"]: t.get("Value", "") for t in r["Tags"]},
       {"cost": "1", "env": "prod", "team": "data", "empty": ""}, "overwrite + empty value")
    c.remove_tags_from_stream(StreamName="tg", TagKeys=["cost", "empty"])
    r = c.list_tags_for_stream(StreamName="tg")
    eq({t["Key"]: t["Value"] for t in r["Tags"]}, {"env": "prod", "team": "data"}, "after remove")
    expect_error("ResourceNotFoundException", c.add_tags_to_stream, StreamName="nope", Tags={"a": "b"})
    expect_error("ResourceNotFoundException", c.list_tags_for_stream, StreamName="nope")
    expect_error("ResourceNotFoundException", c.remove_tags_from_stream, StreamName="nope", TagKeys=["a"])
    c2 = srv.client(validate=False)
    expect_error("ValidationException", c2.add_tags_to_stream, StreamName="tg", Tags={"k" * 129: "v"})
    expect_error("ValidationException", c2.add_tags_to_stream, StreamName="tg", Tags={"k": "v" * 257})


# ---------------------------------------------------------------- StreamARN / region
@test(skip_kinesalite="StreamARN parameters not supported")
def stream_arn_everywhere(srv):
    c = srv.raw_client()  # Debian's botocore predates StreamARN on most operations
    create_stream(c, "byarn", 2)
    arn = stream_arn(c, "byarn")
    eq(c.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["StreamName"], "byarn",
       "DescribeStreamSummary by ARN")
    eq(c.describe_stream(StreamARN=arn)["StreamDescription"]["StreamARN"], arn, "DescribeStream by ARN")
    eq(len(c.list_shards(StreamARN=arn)["Shards"]), 2, "ListShards by ARN")
    r = c.put_record(StreamARN=arn, Data=b"one", PartitionKey="k", ExplicitHashKey="0")
    eq(r["ShardId"], shard_id(0), "PutRecord by ARN")
    r = c.put_records(StreamARN=arn, Records=[{"Data": b"two", "PartitionKey": "k", "ExplicitHashKey": "0"}])
    eq(r.get("FailedRecordCount", 0), 0, "PutRecords by ARN")
    it = c.get_shard_iterator(StreamARN=arn, ShardId=shard_id(0), ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    g = c.get_records(StreamARN=arn, ShardIterator=it)
    eq([x["Data"] for x in g["Records"]], [b"one", b"two"], "GetShardIterator/GetRecords by ARN")
    c.add_tags_to_stream(StreamARN=arn, Tags={"a": "1", "b": "2"})
    c.remove_tags_from_stream(StreamARN=arn, TagKeys=["b"])
    eq(c.list_tags_for_stream(StreamARN=arn)["Tags"], [{"Key": "a", "Value": "1"}], "tags by ARN")
    c.increase_stream_retention_period(StreamARN=arn, RetentionPeriodHours=36)
    wait_active(c, arn=arn)
    c.decrease_stream_retention_period(StreamARN=arn, RetentionPeriodHours=30)
    wait_active(c, arn=arn)
    eq(c.describe_stream_summary(StreamName="byarn")["StreamDescriptionSummary"]["RetentionPeriodHours"], 30,
       "retention by ARN")
    lo, hi = initial_ranges(2)[0]
    c.split_shard(StreamARN=arn, ShardToSplit=shard_id(0), NewStartingHashKey=str((lo + hi + 1) // 2))
    wait_active(c, arn=arn)
    c.merge_shards(StreamARN=arn, ShardToMerge=shard_id(2), AdjacentShardToMerge=shard_id(3))
    wait_active(c, arn=arn)
    c.update_shard_count(StreamARN=arn, TargetShardCount=4, ScalingType="UNIFORM_SCALING")
    wait_active(c, arn=arn)
    eq(c.describe_stream_summary(StreamARN=arn)["StreamDescriptionSummary"]["OpenShardCount"], 4,
       "reshard by ARN")
    bad = arn[: -len("byarn")] + "missing"
    expect_error("ResourceNotFoundException", c.describe_stream_summary, StreamARN=bad)
    expect_error("ResourceNotFoundException", c.put_record, StreamARN=bad, Data=b"x", PartitionKey="k")
    c.delete_stream(StreamARN=arn)
    wait_gone(c, "byarn")


@test(skip_kinesalite="region is fixed")
def region_goes_into_arn(srv):
    c = srv.client(region="eu-west-3")
    create_stream(c, "reg", 1)
    arn = c.describe_stream_summary(StreamName="reg")["StreamDescriptionSummary"]["StreamARN"]
    m = ARN_RE.match(arn)
    check(m, "ARN format %r" % arn)
    eq(m.group(1), "eu-west-3", "region in ARN")
    eq(m.group(3), "reg", "name in ARN")


# ---------------------------------------------------------------- raw protocol errors
@test
def raw_error_shapes(srv):
    c = srv.client()
    create_stream(c, "raw", 1)
    r = srv.raw("Frobnicate", {})
    expect_raw_error(r, "UnknownOperationException")
    r = srv.raw("Kinesis_20131202.DescribeStreamz", {"StreamName": "raw"})
    expect_raw_error(r, "UnknownOperationException")
    r = srv.raw("DescribeStream", b'{"StreamName": "raw"')
    expect_raw_error(r, "SerializationException")
    r = srv.raw("DescribeStream", b"this is not json")
    expect_raw_error(r, "SerializationException")
    r = srv.raw("PutRecord", {"StreamName": "raw", "PartitionKey": "k", "Data": "@@@notbase64@@@"})
    expect_raw_error(r, "SerializationException")
    r = srv.raw("DescribeStream", {"StreamName": "nope"})
    expect_raw_error(r, "ResourceNotFoundException")
    check(isinstance(r.json.get("message", r.json.get("Message")), str), "error has a message: %r" % r.json)
    r = srv.raw("CreateStream", {"StreamName": "raw", "ShardCount": 1})
    expect_raw_error(r, "ResourceInUseException")
    r = srv.raw("CreateStream", {"StreamName": "bad name", "ShardCount": 1})
    expect_raw_error(r, "ValidationException")
    r = srv.raw("GetRecords", {"ShardIterator": "garbage"})
    expect_raw_error(r, "InvalidArgumentException")
    r = srv.raw("DescribeStreamSummary", {"StreamName": "raw"})
    eq(r.status, 200, "status of a good raw call")
    eq(r.json["StreamDescriptionSummary"]["StreamName"], "raw", "raw body")
    check(isinstance(r.json["StreamDescriptionSummary"]["StreamCreationTimestamp"], (int, float)),
          "timestamps are epoch-second numbers on the wire: %r" % r.json)
    eq(r.headers.get("content-type", "").split(";")[0], "application/x-amz-json-1.1", "Content-Type")
    put = srv.raw("PutRecord", {"StreamName": "raw", "PartitionKey": "k", "Data": base64.b64encode(b"hi").decode()})
    eq(put.status, 200, "raw PutRecord")
    check(isinstance(put.json["SequenceNumber"], str), "SequenceNumber is a JSON string: %r" % put.json)


if __name__ == "__main__":
    main()
