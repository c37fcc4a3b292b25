# Delivery streams through the Firehose API (issue 5), with boto3's firehose client and Debian's AWS CLI
# (/usr/bin/aws) against a real server writing into its warehouse directory (DATA/warehouse/<bucket>/):
# the control plane (create/describe/list/update/delete/tags and their errors), DirectPut delivery with
# exact bytes under the default date prefix, size and interval flushes, dynamic partitioning with error
# output, every compression format (decompressed here and compared), KinesisStreamAsSource from a stream
# written with boto3's kinesis client, Parquet conversion against a weir table (read back with hyparquet),
# and kill -9 during delivery (5 times, 20 with E2E_SLOW=1): the objects hold each record exactly once.
import base64
import datetime
import gzip
import io
import json
import os
import random
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
import zipfile

from botocore.config import Config
from botocore.exceptions import ClientError

import weirtest as wt
import test_s3  # s3rver behind the signature-checking proxy, for the S3 destination test

# importing test_s3 registered its tests: this file runs only its own
wt._TESTS[:] = [t for t in wt._TESTS if t["fn"].__module__ != "test_s3"]

AWS = "/usr/bin/aws"
BUCKET_ARN = "arn:aws:s3:::%s"
ROLE = "arn:aws:iam::000000000000:role/firehose"


def fh(srv, validate=False):
    # IntervalInSeconds below 60 and oversized records are refused by botocore's own validation: the tests
    # that need them turn it off (the requests are still what boto3 sends).
    cfg = Config(region_name=wt.REGION, retries={"mode": "standard", "total_max_attempts": 1},
                 parameter_validation=validate, connect_timeout=10, read_timeout=60)
    return wt._session().client("firehose", endpoint_url=srv.endpoint, region_name=wt.REGION,
                                aws_access_key_id=wt.ACCESS_KEY, aws_secret_access_key=wt.SECRET_KEY, config=cfg)


def dest(bucket, size=1, interval=60, **kw):
    d = {"RoleARN": ROLE, "BucketARN": BUCKET_ARN % bucket,
         "BufferingHints": {"SizeInMBs": size, "IntervalInSeconds": interval}}
    d.update(kw)
    return d


NEWLINE = {"Enabled": True, "Processors": [{"Type": "AppendDelimiterToRecord"}]}


def wait_active(c, name, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        d = c.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
        if d["DeliveryStreamStatus"] == "ACTIVE":
            return d
        time.sleep(0.05)
    raise wt.TestFailure("delivery stream %s did not become ACTIVE" % name)


def warehouse(srv, bucket):
    return os.path.join(getattr(srv, "warehouse", None) or os.path.join(srv.data_dir, "warehouse"), bucket)


def objects(srv, bucket):
    """Every object key under the bucket (sorted), without the store's temporary files."""
    root = warehouse(srv, bucket)
    out = []
    for dp, _, files in os.walk(root):
        for f in files:
            if f.startswith(".") and ".tmp-" in f:
                continue
            out.append(os.path.relpath(os.path.join(dp, f), root))
    return sorted(out)


def read_obj(srv, bucket, key):
    with open(os.path.join(warehouse(srv, bucket), key), "rb") as f:
        return f.read()


def wait_for(fn, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise wt.TestFailure("timed out waiting for %s" % what)


def expect(code, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        wt.eq(got, code, "error code (%s)" % e.response["Error"].get("Message"))
        return e.response["Error"].get("Message", "")
    raise wt.TestFailure("expected %s" % code)


# ---- snappy (raw and Hadoop framing), written out here: Debian has no Python snappy module ----
def snappy_raw(b):
    i, n, shift = 0, 0, 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7f) << shift
        shift += 7
        if c < 0x80:
            break
    out = bytearray()
    while i < len(b):
        tag = b[i]
        i += 1
        t = tag & 3
        if t == 0:
            ln = tag >> 2
            if ln >= 60:
                nb = ln - 59
                ln = int.from_bytes(b[i:i + nb], "little")
                i += nb
            ln += 1
            out += b[i:i + ln]
            i += ln
            continue
        if t == 1:
            ln = ((tag >> 2) & 7) + 4
            off = ((tag >> 5) << 8) | b[i]
            i += 1
        elif t == 2:
            ln = (tag >> 2) + 1
            off = int.from_bytes(b[i:i + 2], "little")
            i += 2
        else:
            ln = (tag >> 2) + 1
            off = int.from_bytes(b[i:i + 4], "little")
            i += 4
        for _ in range(ln):
            out.append(out[-off])
    wt.eq(len(out), n, "snappy uncompressed length")
    return bytes(out)


def hadoop_snappy(b):
    out, i = bytearray(), 0
    while i < len(b):
        total = struct.unpack(">I", b[i:i + 4])[0]
        i += 4
        got = 0
        while got < total:
            clen = struct.unpack(">I", b[i:i + 4])[0]
            i += 4
            part = snappy_raw(b[i:i + clen])
            i += clen
            out += part
            got += len(part)
    return bytes(out)


def decompress(fmt, b):
    if fmt == "UNCOMPRESSED":
        return b
    if fmt == "GZIP":
        return gzip.decompress(b)
    if fmt == "ZIP":
        with zipfile.ZipFile(io.BytesIO(b)) as z:
            names = z.namelist()
            wt.eq(len(names), 1, "entries in the ZIP")
            return z.read(names[0])
    if fmt == "Snappy":
        return snappy_raw(b)
    if fmt == "HADOOP_SNAPPY":
        return hadoop_snappy(b)
    if fmt == "ZSTD":
        r = subprocess.run(["zstd", "-d", "-c"], input=b, capture_output=True, timeout=60)
        wt.check(r.returncode == 0, "zstd -d: %s" % r.stderr)
        return r.stdout
    raise ValueError(fmt)


def date_prefix(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y/%m/%d/%H/")


# ------------------------------------------------------------------------------------------------
# Control plane
# ------------------------------------------------------------------------------------------------

@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_control_plane(srv):
    c = fh(srv, validate=True)
    arn = c.create_delivery_stream(DeliveryStreamName="orders", DeliveryStreamType="DirectPut",
                                   ExtendedS3DestinationConfiguration=dest("lake", size=5, interval=60),
                                   Tags=[{"Key": "team", "Value": "data"}])["DeliveryStreamARN"]
    wt.eq(arn, "arn:aws:firehose:us-east-1:000000000000:deliverystream/orders", "ARN")
    wait_active(c, "orders")
    d = c.describe_delivery_stream(DeliveryStreamName="orders")["DeliveryStreamDescription"]
    wt.eq(d["DeliveryStreamStatus"], "ACTIVE", "status")
    wt.eq(d["DeliveryStreamType"], "DirectPut", "type")
    wt.eq(d["VersionId"], "1", "version")
    wt.eq(d["HasMoreDestinations"], False, "HasMoreDestinations")
    wt.check(isinstance(d["CreateTimestamp"], datetime.datetime), "CreateTimestamp is a timestamp")
    wt.eq(len(d["Destinations"]), 1, "destinations")
    dd = d["Destinations"][0]
    wt.eq(dd["DestinationId"], "destinationId-000000000001", "destination id")
    ext = dd["ExtendedS3DestinationDescription"]
    wt.eq(ext["BucketARN"], "arn:aws:s3:::lake", "BucketARN")
    wt.eq(ext["BufferingHints"], {"SizeInMBs": 5, "IntervalInSeconds": 60}, "BufferingHints")
    wt.eq(ext["CompressionFormat"], "UNCOMPRESSED", "default CompressionFormat")
    wt.eq(ext["EncryptionConfiguration"], {"NoEncryptionConfig": "NoEncryption"}, "EncryptionConfiguration")

    # a second one of the same name; list with paging and the type filter
    expect("ResourceInUseException", c.create_delivery_stream, DeliveryStreamName="orders",
           ExtendedS3DestinationConfiguration=dest("lake"))
    for n in ("a1", "b2", "c3"):
        c.create_delivery_stream(DeliveryStreamName=n, ExtendedS3DestinationConfiguration=dest("lake", interval=60))
    page = c.list_delivery_streams(Limit=2)
    wt.eq(page["DeliveryStreamNames"], ["a1", "b2"], "first page")
    wt.eq(page["HasMoreDeliveryStreams"], True, "more")
    page = c.list_delivery_streams(Limit=10, ExclusiveStartDeliveryStreamName="b2")
    wt.eq(page["DeliveryStreamNames"], ["c3", "orders"], "second page")
    wt.eq(page["HasMoreDeliveryStreams"], False, "no more")
    wt.eq(c.list_delivery_streams(DeliveryStreamType="KinesisStreamAsSource")["DeliveryStreamNames"], [],
          "type filter")

    # tags
    c.tag_delivery_stream(DeliveryStreamName="orders", Tags=[{"Key": "env", "Value": "dev"},
                                                              {"Key": "team", "Value": "lake"}])
    t = c.list_tags_for_delivery_stream(DeliveryStreamName="orders")
    wt.eq(t["Tags"], [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "lake"}], "tags")
    t = c.list_tags_for_delivery_stream(DeliveryStreamName="orders", Limit=1)
    wt.eq((len(t["Tags"]), t["HasMoreTags"]), (1, True), "tag paging")
    c.untag_delivery_stream(DeliveryStreamName="orders", TagKeys=["env"])
    wt.eq(c.list_tags_for_delivery_stream(DeliveryStreamName="orders")["Tags"], [{"Key": "team", "Value": "lake"}],
          "tags after untag")
    expect("LimitExceededException", c.tag_delivery_stream, DeliveryStreamName="orders",
           Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(50)])

    # update: the version is checked and goes up
    expect("ConcurrentModificationException", c.update_destination, DeliveryStreamName="orders",
           CurrentDeliveryStreamVersionId="7", DestinationId="destinationId-000000000001",
           ExtendedS3DestinationUpdate={"Prefix": "new/"})
    expect("InvalidArgumentException", c.update_destination, DeliveryStreamName="orders",
           CurrentDeliveryStreamVersionId="1", DestinationId="destinationId-000000000009",
           ExtendedS3DestinationUpdate={"Prefix": "new/"})
    c.update_destination(DeliveryStreamName="orders", CurrentDeliveryStreamVersionId="1",
                         DestinationId="destinationId-000000000001",
                         ExtendedS3DestinationUpdate={"Prefix": "new/", "BufferingHints": {"SizeInMBs": 2}})
    d = c.describe_delivery_stream(DeliveryStreamName="orders")["DeliveryStreamDescription"]
    wt.eq(d["VersionId"], "2", "version after update")
    ext = d["Destinations"][0]["ExtendedS3DestinationDescription"]
    wt.eq(ext["Prefix"], "new/", "updated prefix")
    wt.eq(ext["BufferingHints"], {"SizeInMBs": 2, "IntervalInSeconds": 60}, "merged BufferingHints")
    wt.check("LastUpdateTimestamp" in d, "LastUpdateTimestamp after an update")

    # errors
    expect("ResourceNotFoundException", c.describe_delivery_stream, DeliveryStreamName="nope")
    expect("ResourceNotFoundException", c.put_record, DeliveryStreamName="nope", Record={"Data": b"x"})
    expect("ResourceNotFoundException", c.delete_delivery_stream, DeliveryStreamName="nope")
    expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="badarn",
           ExtendedS3DestinationConfiguration=dict(dest("xbkt"), BucketARN="arn:aws:s3:::"))
    expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="badarn",
           ExtendedS3DestinationConfiguration=dict(dest("xbkt"), BucketARN="arn:aws:s3:::UPPER_case"))
    m = expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="badprefix",
               ExtendedS3DestinationConfiguration=dest("xbkt", Prefix="a/!{nope:x}/", ErrorOutputPrefix="e/"))
    wt.check("nope" in m, "the message names the expression: %s" % m)
    m = expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="noerr",
               ExtendedS3DestinationConfiguration=dest("xbkt", Prefix="a/!{timestamp:yyyy}/"))
    wt.check("ErrorOutputPrefix" in m, m)
    m = expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="notable",
               ExtendedS3DestinationConfiguration=dest("xbkt", DataFormatConversionConfiguration={
                   "Enabled": True, "SchemaConfiguration": {"DatabaseName": "weir", "TableName": "missing",
                                                            "RoleARN": ROLE},
                   "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}}}))
    wt.check("missing" in m, m)
    expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="badsrc",
           DeliveryStreamType="KinesisStreamAsSource",
           KinesisStreamSourceConfiguration={"KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/none",
                                             "RoleARN": ROLE},
           ExtendedS3DestinationConfiguration=dest("xbkt"))
    expect("InvalidArgumentException", c.create_delivery_stream, DeliveryStreamName="badsrc",
           DeliveryStreamType="KinesisStreamAsSource",
           KinesisStreamSourceConfiguration={"KinesisStreamARN": "not-an-arn", "RoleARN": ROLE},
           ExtendedS3DestinationConfiguration=dest("xbkt"))
    expect("ValidationException", c.create_delivery_stream, DeliveryStreamName="bad name!",
           ExtendedS3DestinationConfiguration=dest("xbkt"))
    raw = fh(srv, validate=False)
    expect("ValidationException", raw.put_record, DeliveryStreamName="orders", Record={"Data": b"x" * 1024001})
    expect("ValidationException", raw.put_record_batch, DeliveryStreamName="orders",
           Records=[{"Data": b"x"}] * 501)
    expect("InvalidArgumentException", raw.put_record_batch, DeliveryStreamName="orders",
           Records=[{"Data": b"x" * 1000000}] * 5)
    # a record at the limit is taken
    raw.put_record(DeliveryStreamName="orders", Record={"Data": b"y" * 1024000})

    # delete: gone, and its backing stream with it
    c.delete_delivery_stream(DeliveryStreamName="orders")
    expect("ResourceNotFoundException", c.describe_delivery_stream, DeliveryStreamName="orders")
    k = srv.client()
    wt.check("_weir_firehose_orders" not in k.list_streams()["StreamNames"], "backing stream deleted")
    wt.eq(c.list_delivery_streams()["DeliveryStreamNames"], ["a1", "b2", "c3"], "after delete")

    # the state survives a restart
    srv.restart()
    c = fh(srv)
    wt.eq(c.list_delivery_streams()["DeliveryStreamNames"], ["a1", "b2", "c3"], "after restart")
    wait_active(c, "a1")


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_aws_cli(srv):
    home = tempfile.mkdtemp(prefix="weir-e2e-fhcli-")
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8", "AWS_ACCESS_KEY_ID": "x",
           "AWS_SECRET_ACCESS_KEY": "x", "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
           "AWS_MAX_ATTEMPTS": "1", "AWS_CONFIG_FILE": os.path.join(home, "none"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none")}

    def cli(*args, ok=True):
        r = subprocess.run([AWS, "--endpoint-url", srv.endpoint, "--output", "json", "firehose"] + list(args),
                           env=env, capture_output=True, text=True, timeout=120)
        if ok:
            wt.check(r.returncode == 0, "aws firehose %s: %s" % (" ".join(args), r.stderr))
            return json.loads(r.stdout) if r.stdout.strip() else {}
        return r

    out = cli("create-delivery-stream", "--delivery-stream-name", "cli1", "--extended-s3-destination-configuration",
              json.dumps(dest("clibkt", size=1, interval=60,
                              ProcessingConfiguration=NEWLINE)))
    wt.check(out["DeliveryStreamARN"].endswith(":deliverystream/cli1"), out)
    d = wait_for(lambda: (lambda x: x if x["DeliveryStreamStatus"] == "ACTIVE" else None)(
        cli("describe-delivery-stream", "--delivery-stream-name", "cli1")["DeliveryStreamDescription"]),
        what="ACTIVE through the CLI")
    wt.eq(d["Destinations"][0]["ExtendedS3DestinationDescription"]["BucketARN"], "arn:aws:s3:::clibkt", "cli describe")
    r = cli("put-record", "--delivery-stream-name", "cli1", "--record", '{"Data":"aGVsbG8="}')
    wt.check(r["RecordId"], "record id")
    r = cli("put-record-batch", "--delivery-stream-name", "cli1", "--records", '[{"Data":"d29ybGQ="}]')
    wt.eq(r["FailedPutCount"], 0, "FailedPutCount")
    wt.eq(cli("list-delivery-streams")["DeliveryStreamNames"], ["cli1"], "cli list")
    cli("tag-delivery-stream", "--delivery-stream-name", "cli1", "--tags", "Key=k,Value=v")
    wt.eq(cli("list-tags-for-delivery-stream", "--delivery-stream-name", "cli1")["Tags"], [{"Key": "k", "Value": "v"}],
          "cli tags")
    cli("update-destination", "--delivery-stream-name", "cli1", "--current-delivery-stream-version-id", "1",
        "--destination-id", "destinationId-000000000001", "--extended-s3-destination-update",
        json.dumps({"BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60}}))
    # the records reach the bucket once the (updated) stream's buffer is due: delete is immediate, so
    # flush by making the interval short through the API instead
    raw = fh(srv)
    raw.update_destination(DeliveryStreamName="cli1", CurrentDeliveryStreamVersionId="2",
                           DestinationId="destinationId-000000000001",
                           ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": 0}})
    got = wait_for(lambda: b"".join(read_obj(srv, "clibkt", k) for k in objects(srv, "clibkt")) == b"hello\nworld\n",
                   what="the CLI's records in the bucket")
    wt.check(got, "records")
    r = cli("describe-delivery-stream", "--delivery-stream-name", "nope", ok=False)
    wt.check(r.returncode != 0 and "ResourceNotFoundException" in r.stderr, "cli error: %s" % r.stderr)
    cli("delete-delivery-stream", "--delivery-stream-name", "cli1")


# ------------------------------------------------------------------------------------------------
# Delivery
# ------------------------------------------------------------------------------------------------

@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_direct_put_exact_bytes(srv):
    c = fh(srv)
    c.create_delivery_stream(DeliveryStreamName="events", ExtendedS3DestinationConfiguration=dest("bkt1", interval=1))
    wait_active(c, "events")
    t0 = time.time()
    recs = [("rec-%04d|" % i).encode() + os.urandom(i % 7) for i in range(300)]
    for i in range(0, 300, 100):
        r = c.put_record_batch(DeliveryStreamName="events", Records=[{"Data": d} for d in recs[i:i + 100]])
        wt.eq(r["FailedPutCount"], 0, "FailedPutCount")
        wt.eq(len(r["RequestResponses"]), 100, "responses")
    c.put_record(DeliveryStreamName="events", Record={"Data": b"last"})
    want = b"".join(recs) + b"last"

    def all_bytes():
        b = b"".join(read_obj(srv, "bkt1", k) for k in objects(srv, "bkt1"))
        return b if len(b) >= len(want) else None
    got = wait_for(all_bytes, what="delivery")
    wt.eq(got, want, "delivered bytes (no delimiter: records back to back)")
    for k in objects(srv, "bkt1"):
        # YYYY/MM/dd/HH/events-1-YYYY-MM-dd-HH-mm-ss-<uuid>
        parts = k.split("/")
        wt.eq(len(parts), 5, "key depth: %s" % k)
        wt.check(k.startswith(date_prefix(t0)) or k.startswith(date_prefix(time.time())), "date prefix: %s" % k)
        name = parts[4]
        wt.check(name.startswith("events-1-" + "-".join(parts[:4]) + "-"), "object name: %s" % k)
        wt.eq(len(name.split("-")), 2 + 6 + 5, "name fields: %s" % name)


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_size_and_interval_flush(srv):
    c = fh(srv)
    # size: 1 MiB buffers and a long interval; 3.5 MiB of records make three full objects
    c.create_delivery_stream(DeliveryStreamName="big", ExtendedS3DestinationConfiguration=dest(
        "size-b", size=1, interval=900, ProcessingConfiguration=NEWLINE))
    wait_active(c, "big")
    line = b"x" * 1023
    for _ in range(8):
        c.put_record_batch(DeliveryStreamName="big", Records=[{"Data": line}] * 448)
    keys = wait_for(lambda: objects(srv, "size-b") if len(objects(srv, "size-b")) >= 3 else None, what="three size flushes")
    time.sleep(1)
    keys = objects(srv, "size-b")
    wt.eq(len(keys), 3, "objects after 3.5 MiB with 1 MiB buffers and a 900 s interval")
    for k in keys:
        wt.eq(len(read_obj(srv, "size-b", k)), 1 << 20, "a size flush is exactly the buffer (whole records): %s" % k)
    # interval: a small amount goes out after about IntervalInSeconds
    c.create_delivery_stream(DeliveryStreamName="tick", ExtendedS3DestinationConfiguration=dest(
        "ival-b", size=128, interval=2, ProcessingConfiguration=NEWLINE))
    wait_active(c, "tick")
    t0 = time.time()
    c.put_record(DeliveryStreamName="tick", Record={"Data": b"one"})
    wait_for(lambda: objects(srv, "ival-b"), what="the interval flush")
    dt = time.time() - t0
    wt.check(1.5 <= dt <= 6, "the interval flush came after %.1f s (IntervalInSeconds 2)" % dt)
    wt.eq(read_obj(srv, "ival-b", objects(srv, "ival-b")[0]), b"one\n", "interval object")


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_dynamic_partitioning(srv):
    c = fh(srv)
    c.create_delivery_stream(DeliveryStreamName="dp", ExtendedS3DestinationConfiguration=dest(
        "dpb", interval=1,
        Prefix="cust=!{partitionKeyFromQuery:customer}/region=!{partitionKeyFromQuery:region}/!{timestamp:yyyy}/",
        ErrorOutputPrefix="errors/!{firehose:error-output-type}/!{timestamp:yyyy}/",
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery",
                 "ParameterValue": "{customer: .customer_id, region: .geo.region}"},
                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"}]},
            {"Type": "AppendDelimiterToRecord"}]}))
    wait_active(c, "dp")
    rng = random.Random(5)
    want = {}
    recs = []
    for i in range(200):
        cust = rng.choice(["a", "b", 7])
        reg = rng.choice(["eu", "us"])
        r = json.dumps({"customer_id": cust, "geo": {"region": reg}, "i": i}).encode()
        recs.append(r)
        want.setdefault("cust=%s/region=%s/" % (cust, reg), []).append(r + b"\n")
    bad = [b'{"customer_id": "a"}', b"not json", b'{"customer_id": null, "geo": {"region": "eu"}}']
    c.put_record_batch(DeliveryStreamName="dp", Records=[{"Data": r} for r in recs + bad])
    year = time.strftime("%Y", time.gmtime())
    n_want = sum(len(v) for v in want.values())

    def delivered():
        got = {}
        errs = []
        for k in objects(srv, "dpb"):
            if k.startswith("errors/"):
                errs.append(k)
                continue
            pre = k[:k.index("/" + year + "/") + 1]
            got.setdefault(pre, []).extend(read_obj(srv, "dpb", k).splitlines(keepends=True))
        n = sum(len(v) for v in got.values())
        return (got, errs) if n >= n_want and errs else None

    got, errs = wait_for(delivered, what="partitioned objects")
    wt.eq({k: sorted(v) for k, v in got.items()}, {k: sorted(v) for k, v in want.items()}, "records per partition")
    for k, v in got.items():
        wt.eq(v, want[k], "order within partition %s" % k)
    lines = []
    for k in errs:
        wt.check(k.startswith("errors/processing-failed/%s/dp-1-" % year), "error key: %s" % k)
        lines += read_obj(srv, "dpb", k).splitlines()
    wt.eq(len(lines), 3, "error records")
    for ln, raw in zip(sorted(lines, key=lambda x: json.loads(x)["sequenceNumber"]), bad):
        e = json.loads(ln)
        wt.eq(base64.b64decode(e["rawData"]), raw, "rawData")
        for f in ("attemptsMade", "arrivalTimestamp", "lastErrorCode", "lastErrorMessage", "sequenceNumber"):
            wt.check(f in e, "error record field %s: %s" % (f, e))
        wt.check(e["lastErrorCode"].startswith("DynamicPartitioning."), e["lastErrorCode"])


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_partition_limit(srv):
    """More partition values than open buffers allowed (500): the oldest buffers go out early instead of
    memory growing; with the rest delivered by an update, every record is in exactly one object."""
    c = fh(srv)
    c.create_delivery_stream(DeliveryStreamName="many", ExtendedS3DestinationConfiguration=dest(
        "many-b", size=64, interval=900, Prefix="k=!{partitionKeyFromQuery:k}/", ErrorOutputPrefix="err/",
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{k: .k}"}]},
            {"Type": "AppendDelimiterToRecord"}]}))
    wait_active(c, "many")
    recs = [json.dumps({"k": i}).encode() for i in range(620)]
    for i in range(0, len(recs), 310):
        c.put_record_batch(DeliveryStreamName="many", Records=[{"Data": x} for x in recs[i:i + 310]])
    early = wait_for(lambda: (lambda ks: ks if len(ks) >= 120 else None)(objects(srv, "many-b")), timeout=30,
                     what="the oldest partitions delivered early")
    wt.check(all(k.startswith("k=%d/" % n) for k, n in zip(sorted(early, key=lambda k: int(k[2:k.index("/")])),
                                                             range(120))), "the oldest went first: %s" % early[:5])
    c.update_destination(DeliveryStreamName="many", CurrentDeliveryStreamVersionId="1",
                         DestinationId="destinationId-000000000001",
                         ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": 0}})
    keys = wait_for(lambda: (lambda ks: ks if len(ks) >= len(recs) else None)(objects(srv, "many-b")), timeout=60,
                    what="every partition delivered")
    got = sorted(x for k in keys for x in read_obj(srv, "many-b", k).splitlines())
    wt.eq(got, sorted(recs), "each record in exactly one object")


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_compression(srv):
    c = fh(srv)
    payload = [(json.dumps({"n": i, "pad": "abc" * (i % 50)}) + "\n").encode() for i in range(3000)]
    want = b"".join(payload)
    exts = {"UNCOMPRESSED": "", "GZIP": ".gz", "ZIP": ".zip", "Snappy": ".snappy", "HADOOP_SNAPPY": ".snappy",
            "ZSTD": ".zst"}
    for fmt in exts:
        name = "c-" + fmt.lower().replace("_", "-")
        c.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=dest(
            name, size=64, interval=1, CompressionFormat=fmt))
        wait_active(c, name)
        for i in range(0, len(payload), 500):
            c.put_record_batch(DeliveryStreamName=name, Records=[{"Data": d} for d in payload[i:i + 500]])
    for fmt, ext in exts.items():
        name = "c-" + fmt.lower().replace("_", "-")
        keys = wait_for(lambda: objects(srv, name), what="%s objects" % fmt)
        time.sleep(0.5)

        def all_bytes():
            ks = objects(srv, name)
            b = b"".join(decompress(fmt, read_obj(srv, name, k)) for k in ks)
            return b if len(b) >= len(want) else None
        got = wait_for(all_bytes, what="all %s bytes" % fmt)
        wt.eq(got, want, "%s round trip" % fmt)
        for k in objects(srv, name):
            wt.check(k.endswith(ext) if ext else "." not in k.rsplit("/", 1)[1], "%s extension: %s" % (fmt, k))
        if fmt != "UNCOMPRESSED":
            wt.check(sum(len(read_obj(srv, name, k)) for k in objects(srv, name)) < len(want),
                     "%s is smaller" % fmt)


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_kinesis_source(srv):
    k = srv.client()
    k.create_stream(StreamName="clicks", ShardCount=3)
    wt.wait_active(k, "clicks")
    # records from before the delivery stream existed are not delivered (it starts at its creation)
    k.put_record(StreamName="clicks", PartitionKey="early", Data=b"early\n")
    time.sleep(0.05)
    c = fh(srv)
    c.create_delivery_stream(DeliveryStreamName="fromk", DeliveryStreamType="KinesisStreamAsSource",
                             KinesisStreamSourceConfiguration={
                                 "KinesisStreamARN": "arn:aws:kinesis:us-east-1:000000000000:stream/clicks",
                                 "RoleARN": ROLE},
                             ExtendedS3DestinationConfiguration=dest("kin-b", interval=1))
    d = wait_active(c, "fromk")
    src = d["Source"]["KinesisStreamSourceDescription"]
    wt.eq(src["KinesisStreamARN"], "arn:aws:kinesis:us-east-1:000000000000:stream/clicks", "source ARN")
    wt.check("DeliveryStartTimestamp" in src, "DeliveryStartTimestamp")
    expect("InvalidArgumentException", c.put_record, DeliveryStreamName="fromk", Record={"Data": b"x"})
    want = []
    for i in range(0, 600, 100):
        batch = [{"PartitionKey": "pk%d" % j, "Data": ("r%d\n" % j).encode()} for j in range(i, i + 100)]
        k.put_records(StreamName="clicks", Records=batch)
        want += [b["Data"] for b in batch]
    # a reshard in the middle: the children are read after their parent
    k.update_shard_count(StreamName="clicks", TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    wt.wait_active(k, "clicks")
    for j in range(600, 700):
        k.put_record(StreamName="clicks", PartitionKey="pk%d" % j, Data=("r%d\n" % j).encode())
        want.append(("r%d\n" % j).encode())

    def lines():
        got = b"".join(read_obj(srv, "kin-b", x) for x in objects(srv, "kin-b")).splitlines(keepends=True)
        return got if len(got) >= len(want) else None
    got = wait_for(lines, what="the stream's records")
    wt.eq(sorted(got), sorted(want), "records delivered from the Kinesis stream (each once, none from before)")


@wt.test(weir_only="the Firehose API is weir's")
def test_firehose_parquet_conversion(srv):
    body = ("CREATE TABLE metrics (host text, cpu double precision, n bigint, ts timestamptz) "
            "WITH (stream = 'metrics_src', shards = 1, format = 'json')").encode()
    req = urllib.request.Request(srv.endpoint + "/sql", data=body, method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        wt.check(r.status == 200, "CREATE TABLE over /sql")
    c = fh(srv)
    c.create_delivery_stream(DeliveryStreamName="pq", ExtendedS3DestinationConfiguration=dest(
        "pqb", interval=1, Prefix="metrics/", ErrorOutputPrefix="bad/!{firehose:error-output-type}/",
        DataFormatConversionConfiguration={
            "Enabled": True,
            "SchemaConfiguration": {"DatabaseName": "weir", "TableName": "metrics", "RoleARN": ROLE},
            "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
            "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {"Compression": "SNAPPY"}}}}))
    wait_active(c, "pq")
    rows = [{"host": "h%d" % (i % 4), "cpu": i / 4.0, "n": i * 1000003, "ts": "2024-05-01T10:00:%02dZ" % (i % 60)}
            for i in range(500)]
    bad = [b'{"host": "x", "cpu": "not a number", "n": 1}', b'{"host": "y", "n": "12x"}']
    recs = [{"Data": json.dumps(r).encode()} for r in rows] + [{"Data": b} for b in bad]
    c.put_record_batch(DeliveryStreamName="pq", Records=recs[:400])
    c.put_record_batch(DeliveryStreamName="pq", Records=recs[400:])
    keys = wait_for(lambda: (lambda ks: ks if any(k.startswith("bad/") for k in ks) and
                             any(k.endswith(".parquet") for k in ks) else None)(objects(srv, "pqb")),
                    what="Parquet and error objects")
    time.sleep(2)  # both batches' objects
    keys = objects(srv, "pqb")
    pq = [k for k in keys if k.endswith(".parquet")]
    for k in pq:
        wt.check(k.startswith("metrics/") and k.split("/")[-1].startswith("pq-1-"), "key: %s" % k)
        data = read_obj(srv, "pqb", k)
        wt.eq(data[:4] + data[-4:], b"PAR1PAR1", "Parquet magic")
    got = read_parquet_rows([os.path.join(warehouse(srv, "pqb"), k) for k in pq])
    wt.eq(len(got), 500, "rows in the Parquet objects")
    want = sorted((w["host"], w["cpu"], w["n"], w["ts"].replace("Z", ".000Z")) for w in rows)
    wt.eq(sorted((g["host"], g["cpu"], int(g["n"]), g["ts"]) for g in got), want, "rows read back by hyparquet")
    errs = [k for k in keys if k.startswith("bad/")]
    lines = b"".join(read_obj(srv, "pqb", k) for k in errs).splitlines()
    wt.eq(sorted(base64.b64decode(json.loads(x)["rawData"]) for x in lines), sorted(bad), "conversion failures")
    wt.check(all(k.startswith("bad/format-conversion-failed/") for k in errs), "error prefix: %s" % errs)
    wt.eq(json.loads(lines[0])["lastErrorCode"], "DataFormatConversion.MalformedData", "error code")


# ------------------------------------------------------------------------------------------------
# Iceberg destination (IcebergDestinationConfiguration: Debian's boto3 predates it, so raw signed requests)
# ------------------------------------------------------------------------------------------------

READ_PARQUET_JS = """
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import fs from 'fs';
const out = [];
for (const f of process.argv.slice(2)) {
  const b = fs.readFileSync(f);
  const ab = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  out.push(...await parquetReadObjects({ file: ab, compressors }));
}
console.log(JSON.stringify(out, (k, v) => typeof v === 'bigint' ? v.toString() : v));
"""


# icebird reads a table the way a query engine does: metadata, manifest list, manifests, data files (through
# a fetch shim serving file:// URLs from disk, as tests/e2e/test_iceberg.mjs does)
READ_ICEBERG_JS = """
import { icebergRead } from 'icebird';
import fs from 'fs';
import { fileURLToPath } from 'url';
const realFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const u = String(url);
  if (!u.startsWith('file://')) return realFetch(url, init);
  const p = fileURLToPath(u);
  if (!fs.existsSync(p)) return new Response(null, { status: 404, statusText: 'Not Found' });
  const body = fs.readFileSync(p);
  const headers = { 'Content-Length': String(body.length) };
  return new Response(init?.method === 'HEAD' ? null : body, { status: 200, headers });
};
const rows = await icebergRead({ tableUrl: process.argv[2] });
console.log(JSON.stringify(rows, (k, v) => typeof v === 'bigint' ? v.toString() : v));
"""


def run_js(source, args, what):
    script = os.path.join(wt.REPO, "node_modules", ".weir-e2e-fh-%d.mjs" % os.getpid())
    with open(script, "w") as f:
        f.write(source)
    try:
        r = subprocess.run(["node", script] + list(args), capture_output=True, text=True, timeout=300, cwd=wt.REPO)
    finally:
        os.unlink(script)
    wt.check(r.returncode == 0, "%s: %s" % (what, r.stderr[-2000:]))
    return json.loads(r.stdout)


def read_parquet_rows(paths):
    return run_js(READ_PARQUET_JS, paths, "hyparquet")


def read_iceberg_rows(table_dir):
    return run_js(READ_ICEBERG_JS, ["file://" + os.path.abspath(table_dir)], "icebird")


def iceberg_current(table_dir):
    """(current snapshot summary, data file paths of the current snapshot) read through the metadata and,
    with avrocat (Debian avro-bin), the manifest list and manifests."""
    with open(os.path.join(table_dir, "metadata", "version-hint.text")) as f:
        v = f.read().strip()
    with open(os.path.join(table_dir, "metadata", "v%s.metadata.json" % v)) as f:
        md = json.load(f)
    snap = [x for x in md["snapshots"] if x["snapshot-id"] == md["current-snapshot-id"]][0]
    files = []
    ml = subprocess.run(["avrocat", snap["manifest-list"].replace("file://", "")], capture_output=True, text=True,
                        timeout=60)
    wt.check(ml.returncode == 0, "avrocat manifest list: %s" % ml.stderr)
    for ln in ml.stdout.splitlines():
        m = subprocess.run(["avrocat", json.loads(ln)["manifest_path"].replace("file://", "")], capture_output=True,
                           text=True, timeout=60)
        wt.check(m.returncode == 0, "avrocat manifest: %s" % m.stderr)
        for e in m.stdout.splitlines():
            e = json.loads(e)
            if e["status"] != 2:
                files.append(e["data_file"]["file_path"].replace("file://", ""))
    return snap["summary"], files


def fh_raw(srv, op, body):
    r = wt.raw_request(srv.port, "Firehose_20150804." + op, body)
    return r.status, json.loads(r.body or b"{}")


@wt.test(weir_only="the Firehose API is weir's", server=False)
def test_firehose_iceberg_exactly_once():
    rounds = 10 if wt.SLOW else 3
    srv = wt.managed(name="fh-iceberg")
    srv.start()
    req = urllib.request.Request(srv.endpoint + "/sql", method="POST", data=(
        b"CREATE TABLE clicks (id bigint, url text, ms double precision) WITH (stream = 'clicks_src', shards = 1, "
        b"format = 'json')"))
    with urllib.request.urlopen(req, timeout=60) as r:
        wt.check(r.status == 200, "CREATE TABLE")
    ice = {"RoleARN": ROLE, "DestinationTableConfigurationList": [
        {"DestinationTableName": "clicks", "DestinationDatabaseName": "web"}],
        "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 0},
        "CatalogConfiguration": {"CatalogARN": "arn:aws:glue:us-east-1:000000000000:catalog"},
        "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::lake", "ErrorOutputPrefix": "ice-errors/"}}
    st, body = fh_raw(srv, "CreateDeliveryStream", {"DeliveryStreamName": "ice", "IcebergDestinationConfiguration": ice})
    wt.eq(st, 200, "CreateDeliveryStream (Iceberg): %s" % body)
    st, body = fh_raw(srv, "CreateDeliveryStream", {"DeliveryStreamName": "ice2", "IcebergDestinationConfiguration": dict(
        ice, DestinationTableConfigurationList=[{"DestinationTableName": "nosuch", "DestinationDatabaseName": "web"}])})
    wt.eq((st, body.get("__type")), (400, "InvalidArgumentException"), "an Iceberg table without a weir table")
    c = fh(srv)
    d = wait_active(c, "ice")
    st, body = fh_raw(srv, "DescribeDeliveryStream", {"DeliveryStreamName": "ice"})
    desc = body["DeliveryStreamDescription"]["Destinations"][0]["IcebergDestinationDescription"]
    wt.eq(desc["DestinationTableConfigurationList"][0]["DestinationTableName"], "clicks", "described table")
    wt.eq(desc["S3DestinationDescription"]["BucketARN"], "arn:aws:s3:::lake", "described bucket")
    bad = [b'{"id": "seven", "url": "/x"}', b'{"id": 1, "url": "/y", "ms": "slow"}']
    c.put_record_batch(DeliveryStreamName="ice", Records=[{"Data": b} for b in bad])
    acked, unsure = set(), set()
    nxt = [0]
    for rnd in range(rounds + 1):
        stop = threading.Event()

        def produce():
            cl = fh(srv)
            while not stop.is_set():
                ids = list(range(nxt[0], nxt[0] + 300))
                nxt[0] += 300
                recs = [{"Data": json.dumps({"id": i, "url": "/p/%d" % i, "ms": i / 8}).encode()} for i in ids]
                try:
                    cl.put_record_batch(DeliveryStreamName="ice", Records=recs)
                    acked.update(ids)
                except Exception:  # noqa: BLE001 - killed under the request
                    unsure.update(ids)
                    return
        t = threading.Thread(target=produce)
        t.start()
        time.sleep(random.uniform(0.4, 1.2))
        if rnd < rounds:
            srv.kill9()
            stop.set()
            t.join(timeout=60)
            srv.start()
        else:
            stop.set()
            t.join(timeout=60)
    table = os.path.join(warehouse(srv, "lake"), "web", "clicks")

    def committed():
        summary, files = iceberg_current(table)
        return (summary, files) if int(summary.get("total-records", 0)) >= len(acked) else None
    summary, files = wait_for(committed, timeout=120, what="every acknowledged record committed")
    time.sleep(1)
    summary, files = iceberg_current(table)
    rows = read_parquet_rows(files)
    wt.eq(len(rows), int(summary["total-records"]), "rows in the data files vs the snapshot's total-records")
    ids = [int(r["id"]) for r in rows]
    dup = len(ids) - len(set(ids))
    wt.check(dup == 0, "records committed more than once: %d" % dup)
    wt.check(acked <= set(ids), "acknowledged records missing: %d" % len(acked - set(ids)))
    wt.check(set(ids) <= acked | unsure, "records never sent")
    wt.check(all(r["url"] == "/p/%d" % int(r["id"]) and r["ms"] == int(r["id"]) / 8 for r in rows), "row values")
    wt.check(summary["weir.positions"].count(":") >= 1, "weir.positions in the snapshot: %s" % summary)
    ice_rows = read_iceberg_rows(table)
    wt.eq(sorted((int(r["id"]), r["url"], r["ms"]) for r in ice_rows),
          sorted((int(r["id"]), r["url"], r["ms"]) for r in rows), "icebird reads the table's rows")
    errs = [k for k in objects(srv, "lake") if k.startswith("ice-errors/")]
    lines = b"".join(read_obj(srv, "lake", k) for k in errs).splitlines()
    wt.eq(sorted(base64.b64decode(json.loads(x)["rawData"]) for x in lines), sorted(bad), "conversion failures")


# ------------------------------------------------------------------------------------------------
# The pipeline of issue 5: producer -> stream -> continuous query -> delivery stream -> objects
# ------------------------------------------------------------------------------------------------

PIPE_Q = ("SELECT host, split_part(vals, ',', 1)::int AS cpu, split_part(vals, ',', 2)::int AS mem, "
          "split_part(vals, ',', 3)::int AS disk, split_part(vals, ',', 4)::int AS net, "
          "to_char(ts, 'YYYY-MM-DD HH24:MI:SS') AS at FROM metrics_raw")


@wt.test(weir_only="the Firehose API is weir's", server=False)
def test_firehose_view_pipeline():
    from pgtest import connect, query
    srv = wt.managed_pg("fh-pipeline")
    k = srv.client()
    c = connect(srv)
    wt.create_stream(k, "metrics", shards=2)
    query(c, "CREATE TABLE metrics_raw (host text, vals text, ts timestamptz) WITH (stream = 'metrics', "
             "format = 'json')")
    f = fh(srv, validate=True)
    f.create_delivery_stream(DeliveryStreamName="metrics_out", ExtendedS3DestinationConfiguration=dest(
        "metrics-lake", size=1, interval=60, ProcessingConfiguration=NEWLINE))
    wait_active(f, "metrics_out")
    query(c, "CREATE MATERIALIZED VIEW metrics_split WITH (start = 'earliest', delivery_stream = 'metrics_out', "
             "checkpoint_interval = '200 milliseconds') AS " + PIPE_Q)
    rng = random.Random(3)
    t0 = time.time()
    n = 16000
    for i in range(0, n, 500):
        recs = [{"PartitionKey": "h%d" % (j % 37),
                 "Data": json.dumps({"host": "h%d" % (j % 37),
                                     "vals": "%d,%d,%d,%d" % (rng.randrange(100), rng.randrange(1 << 20),
                                                              rng.randrange(1000), j),
                                     "ts": "2024-06-01T%02d:%02d:%02dZ" % (j // 3600 % 24, j // 60 % 60, j % 60)}).encode()}
                for j in range(i, i + 500)]
        wt.eq(k.put_records(StreamName="metrics", Records=recs).get("FailedRecordCount", 0), 0, "put")
    want = sorted(tuple(r) for r in query(c, PIPE_Q))
    wt.eq(len(want), n, "rows of the query in batch")

    def delivered():
        rows = []
        for key in objects(srv, "metrics-lake"):
            for ln in read_obj(srv, "metrics-lake", key).splitlines():
                r = json.loads(ln)
                rows.append((r["host"], r["cpu"], r["mem"], r["disk"], r["net"], r["at"]))
        return rows if len(rows) >= n else None
    # more than 1 MiB of rows: size flushes at once, the rest after the 60 s interval
    size_objects = wait_for(lambda: objects(srv, "metrics-lake"), timeout=30, what="a size flush")
    wt.check(time.time() - t0 < 50, "the first object came with a size flush, before the interval")
    wt.check(len(read_obj(srv, "metrics-lake", size_objects[0])) >= 1 << 20, "a size flush holds 1 MiB")
    got = wait_for(delivered, timeout=150, what="every row of the view delivered")
    wt.eq(sorted(got), want, "the objects hold exactly the query's rows")
    for key in objects(srv, "metrics-lake"):
        wt.check(key.startswith(date_prefix(t0)) or key.startswith(date_prefix(time.time())),
                 "date prefix: %s" % key)
    # dropping the view leaves the delivery stream and its stream alone
    query(c, "DROP MATERIALIZED VIEW metrics_split")
    wt.check("_weir_firehose_metrics_out" in k.list_streams()["StreamNames"], "backing stream kept")
    f.put_record(DeliveryStreamName="metrics_out", Record={"Data": b"after"})
    # a view naming a missing delivery stream fails with 42704
    import psycopg2
    try:
        query(c, "CREATE MATERIALIZED VIEW bad WITH (delivery_stream = 'nope') AS SELECT host FROM metrics_raw")
        raise wt.TestFailure("a view with a missing delivery stream was created")
    except psycopg2.Error as e:
        wt.eq(e.pgcode, "42704", "SQLSTATE: %s" % e.pgerror)


# ------------------------------------------------------------------------------------------------
# docs/firehose.md: every ```sh block, in order, in one bash session (f = aws firehose, k = aws kinesis)
# ------------------------------------------------------------------------------------------------

@wt.test(weir_only="docs describe weir")
def test_firehose_docs(srv):
    import re
    text = open(os.path.join(wt.REPO, "docs", "firehose.md"), encoding="utf-8").read()
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.S)
    wt.check(len(blocks) >= 12, "expected an example per operation, found %d blocks" % len(blocks))
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
               AWS_MAX_ATTEMPTS="1", PATH="/usr/bin:/bin:" + env.get("PATH", ""),
               WAREHOUSE=os.path.join(srv.data_dir, "warehouse"))
    # the settings block's CLI configuration, in a temp file instead of ~/.aws
    cfg = tempfile.NamedTemporaryFile("w", prefix="weir-e2e-fhdocs-", suffix=".cfg", delete=False)
    cfg.write("[default]\nparameter_validation = false\n")
    cfg.close()
    env["AWS_CONFIG_FILE"] = cfg.name
    pre = ("set -e\nf() { /usr/bin/aws --endpoint-url http://127.0.0.1:4567 firehose \"$@\"; }\n"
           "k() { /usr/bin/aws --endpoint-url http://127.0.0.1:4567 kinesis \"$@\"; }\n")
    outs = []
    for i, b in enumerate(blocks):
        if b.lstrip().startswith("export AWS_ACCESS_KEY_ID"):
            continue  # the settings block: the preamble stands in for it
        script = (pre + b).replace("127.0.0.1:4567", "127.0.0.1:%d" % srv.port)
        r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=180)
        wt.check(r.returncode == 0, "docs block %d failed (exit %d):\n%s\nstdout:\n%s\nstderr:\n%s"
                 % (i, r.returncode, b, r.stdout[-2000:], r.stderr[-2000:]))
        outs.append(r.stdout)
    os.unlink(cfg.name)
    # what the examples promise
    keys = objects(srv, "lake")
    clicks = [k for k in keys if k.startswith("clicks/")]
    wt.eq(len(clicks), 1, "one clicks object: %s" % keys)
    wt.check(clicks[0].split("/")[-1].startswith("clicks-1-") and clicks[0].endswith(".gz"), clicks[0])
    wt.eq([json.loads(x)["user"] for x in gzip.decompress(read_obj(srv, "lake", clicks[0])).splitlines()],
          ["u1", "u2", "u3"], "the clicks records")
    ice_out = [o for o in outs if "views-to-iceberg" in o]
    wt.check(len(ice_out) == 1 and re.search(r"(\d+)\s*$", ice_out[0]) and
             int(re.search(r"(\d+)\s*$", ice_out[0]).group(1)) >= 2,
             "the Iceberg table has a commit (version-hint): %r" % ice_out)
    c = fh(srv)
    wt.eq(c.list_delivery_streams(Limit=20)["DeliveryStreamNames"],
          ["events", "metrics-parquet", "metrics-split", "orders-to-lake", "views-to-iceberg"], "delivery streams")
    k = srv.client()
    k.put_record(StreamName="raw-metrics", PartitionKey="h1",
                 Data=json.dumps({"host": "h1", "vals": "1,2,3,4", "ts": "2024-06-01T10:00:00Z"}).encode())
    c.update_destination(DeliveryStreamName="metrics-split", CurrentDeliveryStreamVersionId="1",
                         DestinationId="destinationId-000000000001",
                         ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": 0}})
    got = wait_for(lambda: [json.loads(x) for key in objects(srv, "lake") if key.startswith("metrics-split/")
                            for x in read_obj(srv, "lake", key).splitlines()] or None, timeout=90,
                   what="the view's row delivered")
    wt.eq(got, [{"host": "h1", "cpu": 1, "mem": 2, "disk": 3, "net": 4, "at": "2024-06-01 10:00:00"}], "the view's row")


# ------------------------------------------------------------------------------------------------
# An S3-compatible store (--s3-endpoint): s3rver behind tests/e2e/faultproxy.py, which checks every SigV4
# signature and here also answers the first requests with 500s (the store that fails)
# ------------------------------------------------------------------------------------------------

@wt.test(weir_only="the Firehose API is weir's", server=False)
def test_firehose_s3_endpoint():
    s3 = test_s3.S3rver()
    try:
        srv = wt.managed(name="fh-s3", args=["--s3-endpoint", s3.endpoint],
                         env={"AWS_ACCESS_KEY_ID": test_s3.KEY_ID, "AWS_SECRET_ACCESS_KEY": test_s3.SECRET})
        srv.start()
        c = fh(srv)
        c.create_delivery_stream(DeliveryStreamName="to-s3", ExtendedS3DestinationConfiguration=dest(
            test_s3.BUCKET, interval=1, Prefix="fh/", CompressionFormat="GZIP", ProcessingConfiguration=NEWLINE))
        wait_active(c, "to-s3")
        lines = [json.dumps({"i": i}).encode() for i in range(500)]
        c.put_record_batch(DeliveryStreamName="to-s3", Records=[{"Data": x} for x in lines[:250]])
        # the store fails the next requests; the delivery keeps the buffer and puts the same object again
        s3.proxy.set_plan(["500", "503", "drop"] * 4)  # more than the store's own retries: the runtime backs off
        c.put_record_batch(DeliveryStreamName="to-s3", Records=[{"Data": x} for x in lines[250:]])
        cl = s3.client()

        def delivered():
            keys = [o["Key"] for o in cl.list_objects_v2(Bucket=test_s3.BUCKET, Prefix="fh/").get("Contents", [])]
            data = b"".join(gzip.decompress(cl.get_object(Bucket=test_s3.BUCKET, Key=k)["Body"].read()) for k in keys)
            return (keys, data) if data.count(b"\n") >= len(lines) else None
        keys, data = wait_for(delivered, timeout=90, what="objects in the S3 store")
        wt.eq(sorted(data.splitlines()), sorted(lines), "records in the S3 objects, each once")
        wt.check("delivery failed" in srv.log(), "the store's failures reached the runtime's backoff:\n%s"
                 % srv.log_tail())
        for k in keys:
            wt.check(k.startswith("fh/") and k.split("/")[-1].startswith("to-s3-1-") and k.endswith(".gz"), k)
        st, body = fh_raw(srv, "CreateDeliveryStream", {"DeliveryStreamName": "ice", "IcebergDestinationConfiguration": {
            "RoleARN": ROLE, "DestinationTableConfigurationList": [{"DestinationTableName": "t",
                                                                    "DestinationDatabaseName": "d"}],
            "S3Configuration": {"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::" + test_s3.BUCKET}}})
        wt.eq((st, body.get("__type")), (400, "InvalidArgumentException"), "Iceberg on an S3 endpoint: %s" % body)
        wt.eq(s3.proxy.bad_signatures, [], "requests whose SigV4 signature botocore did not verify")
    finally:
        s3.stop()


# ------------------------------------------------------------------------------------------------
# A full disk: the warehouse on a 3 MiB tmpfs (mounting needs root: the test exists only as root)
# ------------------------------------------------------------------------------------------------

def test_firehose_full_disk():
    mnt = tempfile.mkdtemp(prefix="weir-e2e-fhfull-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt], check=True)
    try:
        srv = wt.managed(name="fh-full", args=["--warehouse", mnt], env={"WEIR_LOG": "debug"})
        srv.warehouse = mnt
        srv.start()
        c = fh(srv)
        c.create_delivery_stream(DeliveryStreamName="full", ExtendedS3DestinationConfiguration=dest(
            "fullb", size=1, interval=1, ProcessingConfiguration=NEWLINE))
        wait_active(c, "full")
        lines = [json.dumps({"i": i, "pad": "p" * 1000}).encode() for i in range(6000)]  # about 6 MiB
        for i in range(0, len(lines), 500):
            c.put_record_batch(DeliveryStreamName="full", Records=[{"Data": x} for x in lines[i:i + 500]])
        wait_for(lambda: "delivery failed" in srv.log(), timeout=60, what="the full disk reported")
        wt.check(srv.alive(), "the server is up with its warehouse full")
        # make room by taking the objects away; the delivery then goes on where it stopped
        seen = {}
        deadline = time.time() + 120
        while len(seen) < len(lines) and time.time() < deadline:
            for k in objects(srv, "fullb"):
                body = read_obj(srv, "fullb", k)
                wt.check(body.endswith(b"\n"), "object %s is cut short (%d bytes)" % (k, len(body)))
                for ln in body.splitlines():
                    i = json.loads(ln)["i"]
                    seen[i] = seen.get(i, 0) + 1
                os.unlink(os.path.join(warehouse(srv, "fullb"), k))
            time.sleep(0.3)
        wt.eq(len(seen), len(lines), "records delivered once there was room; log:\n%s" % "\n".join(
            x for x in srv.log().splitlines() if "firehose" in x))
        wt.eq(max(seen.values()), 1, "no record delivered twice")
        wt.check("ENOSPC" in srv.log() or "full" in srv.log().lower() or "space" in srv.log().lower(),
                 "the log names the full disk:\n%s" % srv.log_tail())
        srv.stop()
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)
        os.rmdir(mnt)


if os.geteuid() == 0:
    wt.test(weir_only="the Firehose API is weir's", server=False)(test_firehose_full_disk)


# ------------------------------------------------------------------------------------------------
# Crash
# ------------------------------------------------------------------------------------------------

@wt.test(weir_only="the Firehose API is weir's", server=False)
def test_firehose_kill9_exactly_once():
    rounds = 20 if wt.SLOW else 5
    srv = wt.managed(name="fh-crash")
    srv.start()
    c = fh(srv)
    # Three partitions and small buffers: several buffers are open at once, with flushes (size and
    # interval) all the time, so the kills land before, during and after object writes and commits.
    c.create_delivery_stream(DeliveryStreamName="crash", ExtendedS3DestinationConfiguration=dest(
        "crash-b", size=1, interval=0,
        Prefix="p=!{partitionKeyFromQuery:p}/", ErrorOutputPrefix="err/",
        DynamicPartitioningConfiguration={"Enabled": True},
        ProcessingConfiguration={"Enabled": True, "Processors": [
            {"Type": "MetadataExtraction", "Parameters": [
                {"ParameterName": "MetadataExtractionQuery", "ParameterValue": "{p: .p}"}]},
            {"Type": "AppendDelimiterToRecord"}]}))
    wait_active(c, "crash")
    acked, unsure = set(), set()
    nxt = [0]
    rng = random.Random(9)
    for rnd in range(rounds):
        stop = threading.Event()

        def produce():
            cl = fh(srv)
            while not stop.is_set():
                ids = list(range(nxt[0], nxt[0] + 200))
                nxt[0] += 200
                recs = [{"Data": json.dumps({"p": i % 3, "id": i, "pad": "z" * 700}).encode()} for i in ids]
                try:
                    r = cl.put_record_batch(DeliveryStreamName="crash", Records=recs)
                    if r["FailedPutCount"] == 0:
                        acked.update(ids)
                    else:
                        unsure.update(ids)
                except Exception:  # noqa: BLE001 - the server was killed under the request
                    unsure.update(ids)
                    return
        t = threading.Thread(target=produce)
        t.start()
        time.sleep(rng.uniform(0.3, 1.5))
        srv.kill9()
        stop.set()
        t.join(timeout=60)
        srv.start()
        c = fh(srv)
    # let everything acknowledged be delivered, then check
    def ids_seen():
        seen = {}
        for k in objects(srv, "crash-b"):
            wt.check(not k.startswith("err/"), "no error records expected: %s" % k)
            for ln in read_obj(srv, "crash-b", k).splitlines():
                i = json.loads(ln)["id"]
                seen[i] = seen.get(i, 0) + 1
        return seen
    seen = wait_for(lambda: (lambda s: s if acked <= set(s) else None)(ids_seen()), timeout=120,
                    what="every acknowledged record delivered")
    time.sleep(1.5)
    seen = ids_seen()
    dup = {i: n for i, n in seen.items() if n > 1}
    wt.check(not dup, "records delivered more than once: %d (e.g. %s)" % (len(dup), list(dup.items())[:5]))
    missing = acked - set(seen)
    wt.check(not missing, "acknowledged records missing: %d" % len(missing))
    extra = set(seen) - acked - unsure
    wt.check(not extra, "records delivered that were never sent: %s" % list(extra)[:5])
    wt.check(len(acked) > 1000, "the test sent enough (%d acknowledged)" % len(acked))


if __name__ == "__main__":
    wt.main()
