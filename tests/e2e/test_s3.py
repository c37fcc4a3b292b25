# The object store (src/sink/objstore.c, s3.c) end to end, driven through `weir objstore` (the CLI over
# the same code the delivery runtime uses) against s3rver (npm), started here on a free loopback port
# with a temp directory and stopped by PID; objects are read back and written by boto3's s3 client
# pointed at the same s3rver. s3rver does not check V4 signatures, so weir reaches it through
# faultproxy.py, which checks each one with botocore's signer and answers 403 SignatureDoesNotMatch
# as S3 would (every test also asserts that no request of weir's failed that check).
#   put/head/get/delete (binary bytes, keys with spaces, '+', UTF-8), listing more than 1000 keys (pages
#   with continuation tokens), a wrong secret (SignatureDoesNotMatch, not retried), a missing bucket;
#   a fault-injecting proxy (faultproxy.py) in front of s3rver: 500, 503 SlowDown and dropped
#   connections for the first requests, then the put goes through; more failures than retries give a
#   clear error and no object; the local warehouse store (files under DIR/bucket/key).
#   /usr/bin/python3 tests/e2e/test_s3.py [name-substring]
import os
import shutil
import signal
import subprocess
import tempfile
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from faultproxy import FaultProxy
from weirtest import (REPO, SANITIZER_MARKERS, WEIR_BIN, TestFailure, check, eq, free_port,
                      main, port_open, test)

S3RVER = os.path.join(REPO, "node_modules", "s3rver", "bin", "s3rver.js")
BUCKET = "weir-e2e"
KEY_ID = SECRET = "S3RVER"  # s3rver's built-in credentials


class S3rver:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="weir-e2e-s3rver-")
        self.port = free_port()
        self.log = open(os.path.join(self.dir, "s3rver.log"), "wb")
        # s3rver's continuation tokens are DES-encrypted: OpenSSL 3 has DES in its legacy provider only
        self.proc = subprocess.Popen(
            ["node", "--openssl-legacy-provider", S3RVER, "-d", os.path.join(self.dir, "data"), "-a", "127.0.0.1", "-p", str(self.port),
             "--configure-bucket", BUCKET, "--no-vhost-buckets"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO)
        deadline = time.time() + 30
        while not port_open(self.port):
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise TestFailure("s3rver did not start")
            time.sleep(0.05)
        self.proxy = FaultProxy(self.port, verify=(KEY_ID, SECRET, "us-east-1"))

    @property
    def endpoint(self):
        """weir's endpoint: the signature-checking proxy in front of s3rver."""
        return "http://127.0.0.1:%d" % self.proxy.port

    def client(self):
        return boto3.client("s3", endpoint_url="http://127.0.0.1:%d" % self.port, region_name="us-east-1",
                            aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def stop(self):
        if getattr(self, "proxy", None):
            self.proxy.close()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def objstore(store_args, *args, data=None, secret=SECRET, timeout=120):
    """Run `weir objstore`; returns (exit status, stdout bytes, stderr text). Fails on a sanitizer report."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=secret)
    env.pop("AWS_SESSION_TOKEN", None)
    for v in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(v, None)
    p = subprocess.run([WEIR_BIN, "objstore"] + list(store_args) + list(args), input=data, capture_output=True,
                       env=env, timeout=timeout)
    err = p.stderr.decode("utf-8", "replace")
    for m in SANITIZER_MARKERS:
        if m in err:
            raise TestFailure("sanitizer report from weir objstore %s:\n%s" % (" ".join(args), err))
    return p.returncode, p.stdout, err


def ok(store_args, *args, data=None):
    rc, out, err = objstore(store_args, *args, data=data)
    if rc != 0:
        raise TestFailure("weir objstore %s: exit %d: %s" % (" ".join(args), rc, err))
    return out


def with_s3rver(fn):
    def run():
        s = S3rver()
        try:
            fn(s)
            eq(s.proxy.bad_signatures, [], "requests whose SigV4 signature botocore did not verify")
        finally:
            s.stop()
    run.__name__ = fn.__name__
    return run


BINARY = bytes(range(256)) * 300 + b"tail"
KEYS = ["plain.json", "dir/sub dir/a b+c.txt", "caf\u00e9/\u00fcnicode-\u20ac.bin", "2024/05/01/00/x-1-2024"]


@test(server=False, weir_only="the object store is weir's")
@with_s3rver
def test_put_head_get_delete_with_boto3(s):
    s3 = s.client()
    st = ["--s3-endpoint", s.endpoint]
    for i, key in enumerate(KEYS):
        ok(st, "put", BUCKET, key, "-", data=BINARY + str(i).encode())
    for i, key in enumerate(KEYS):
        got = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        eq(got, BINARY + str(i).encode(), "boto3 reads %r as weir wrote it" % key)
        eq(s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"], len(BINARY) + 1, "boto3 head %r" % key)
        eq(ok(st, "head", BUCKET, key), b"%d\n" % (len(BINARY) + 1), "weir head %r" % key)
    # boto3 writes, weir reads (an empty object too)
    s3.put_object(Bucket=BUCKET, Key="from-boto3/obj", Body=b"\x00written by boto3\xff")
    eq(ok(st, "get", BUCKET, "from-boto3/obj"), b"\x00written by boto3\xff", "weir get of boto3's object")
    s3.put_object(Bucket=BUCKET, Key="from-boto3/empty", Body=b"")
    eq(ok(st, "get", BUCKET, "from-boto3/empty"), b"", "empty object")
    eq(ok(st, "head", BUCKET, "from-boto3/empty"), b"0\n", "empty object's size")
    # overwrite
    ok(st, "put", BUCKET, KEYS[0], data=b"v2")
    eq(s3.get_object(Bucket=BUCKET, Key=KEYS[0])["Body"].read(), b"v2", "overwritten")
    # delete, and delete again
    ok(st, "delete", BUCKET, KEYS[1])
    ok(st, "delete", BUCKET, KEYS[1])
    try:
        s3.head_object(Bucket=BUCKET, Key=KEYS[1])
        raise TestFailure("deleted object still there")
    except ClientError as e:
        eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 404, "head after delete")
    rc, _, err = objstore(st, "head", BUCKET, KEYS[1])
    eq(rc, 3, "weir head of a deleted object exits 3 (%s)" % err)
    check("ENOTFOUND" in err and KEYS[1] in err, "not-found message: %r" % err)
    rc, out, err = objstore(st, "get", BUCKET, "never/was")
    eq((rc, out), (3, b""), "weir get of a missing object")
    # keys weir refuses, before any request
    rc, _, err = objstore(st, "put", BUCKET, "a/../b", data=b"x")
    check(rc == 1 and "EINVAL" in err, "'..' refused: %r" % err)


@test(server=False, weir_only="the object store is weir's")
@with_s3rver
def test_list_more_than_1000_keys(s):
    s3 = s.client()
    st = ["--s3-endpoint", s.endpoint]
    want = ["many/%05d" % i for i in range(1203)]
    for k in want:
        s3.put_object(Bucket=BUCKET, Key=k, Body=k.encode())
    # (not "many" or "many-x/1": s3rver keeps objects as files, lists them in directory-walk order and
    # then loses keys across pages: boto3's paginator sees the same gaps)
    extra = ["aaa", "manz/1", "zzz/last"]
    for k in extra:
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"x")
    got = ok(st, "list", BUCKET, "many/").decode().splitlines()
    eq(len(got), 1203, "keys listed under many/")
    eq(got, want, "every key, sorted")
    # boto3's own paginated listing agrees
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="many/")
    eq(got, [o["Key"] for p in pages for o in p.get("Contents", [])], "boto3 listing")
    got_all = ok(st, "list", BUCKET).decode().splitlines()
    eq(got_all, sorted(want + extra), "whole bucket, sorted")
    eq(ok(st, "list", BUCKET, "many/0119").decode().splitlines(), ["many/%05d" % i for i in range(1190, 1200)],
       "narrow prefix")
    eq(ok(st, "list", BUCKET, "nothing-here/"), b"", "empty listing")


@test(server=False, weir_only="the object store is weir's")
@with_s3rver
def test_refusals_are_clear(s):
    st = ["--s3-endpoint", s.endpoint]
    t0 = time.time()
    rc, _, err = objstore(st, "put", BUCKET, "k", data=b"x", secret="not-the-secret")
    eq(rc, 1, "wrong secret: exit status")
    check("HTTP 403 SignatureDoesNotMatch" in err, "wrong secret names the S3 error: %r" % err)
    check(time.time() - t0 < 20, "a 403 is not retried with backoff")
    eq(len(s.proxy.bad_signatures), 1, "the wrong secret's one request")
    del s.proxy.bad_signatures[:]
    rc, _, err = objstore(st, "put", "no-such-bucket", "k", data=b"x")
    eq(rc, 1, "missing bucket: exit status")
    check("NoSuchBucket" in err and "no-such-bucket/k" in err, "missing bucket message: %r" % err)
    rc, _, err = objstore(st, "list", "no-such-bucket")
    check(rc == 3 and "NoSuchBucket" in err, "list of a missing bucket: %d %r" % (rc, err))
    # nothing listens: connection refused, retried, then the transport error
    rc, _, err = objstore(["--s3-endpoint", "http://127.0.0.1:%d" % free_port(), "--s3-max-retries", "2",
                           "--s3-retry-base-ms", "10"], "put", BUCKET, "k", data=b"x")
    check(rc == 1 and "3 attempts" in err and "EIO" in err, "unreachable endpoint: %d %r" % (rc, err))


@test(server=False, weir_only="the object store is weir's")
@with_s3rver
def test_retries_through_fault_proxy(s):
    proxy = FaultProxy(s.port, plan=["500", "503", "drop"], verify=(KEY_ID, SECRET, "us-east-1"))
    try:
        st = ["--s3-endpoint", "http://127.0.0.1:%d" % proxy.port, "--s3-max-retries", "5"]
        t0 = time.time()
        ok(st, "put", BUCKET, "retried/obj", data=BINARY)
        dt = time.time() - t0
        eq([a for _, a in proxy.requests], ["500", "503", "drop", "pass"], "attempts seen by the proxy")
        check(all(r.startswith("PUT /weir-e2e/retried/obj ") for r, _ in proxy.requests), proxy.requests)
        # backoff: 100 ms doubling, jittered by up to half: at least 50 + 100 + 200 ms
        check(dt >= 0.35, "retries were spaced by the backoff (%.2fs)" % dt)
        eq(s.client().get_object(Bucket=BUCKET, Key="retried/obj")["Body"].read(), BINARY, "object after retries")
        # get and list through the proxy retry too
        proxy.set_plan(["503", "drop"])
        eq(ok(st, "get", BUCKET, "retried/obj"), BINARY, "get after 503 and a drop")
        proxy.set_plan(["500"])
        eq(ok(st, "list", BUCKET, "retried/"), b"retried/obj\n", "list after a 500")
        # more failures than retries: a clear error, and no object
        proxy.set_plan(["500", "drop", "500", "503", "500", "500"])
        rc, _, err = objstore(["--s3-endpoint", "http://127.0.0.1:%d" % proxy.port, "--s3-max-retries", "3"],
                              "put", BUCKET, "failed/obj", data=b"never")
        eq(rc, 1, "put with more failures than retries")
        eq(len(proxy.requests), 4, "1 attempt + 3 retries")
        check("HTTP 503 SlowDown: Please reduce your request rate." in err and "4 attempts" in err
              and "weir-e2e/failed/obj" in err, "error names the last answer: %r" % err)
        try:
            s.client().head_object(Bucket=BUCKET, Key="failed/obj")
            raise TestFailure("an object exists after a failed put")
        except ClientError as e:
            eq(e.response["ResponseMetadata"]["HTTPStatusCode"], 404, "no object after failure")
        eq(proxy.bad_signatures, [], "signatures through the fault proxy")
    finally:
        proxy.close()


@test(server=False, weir_only="the object store is weir's")
def test_local_warehouse():
    d = tempfile.mkdtemp(prefix="weir-e2e-wh-")
    try:
        st = ["--warehouse", os.path.join(d, "wh")]
        ok(st, "put", "bkt", "2024/05/01/00/a.json", data=b'{"a":1}\n')
        ok(st, "put", "bkt", "2024/05/01/00/b.json", data=b'{"b":2}\n')
        with open(os.path.join(d, "wh", "bkt", "2024", "05", "01", "00", "a.json"), "rb") as f:
            eq(f.read(), b'{"a":1}\n', "the file is DIR/bucket/key")
        eq(ok(st, "list", "bkt", "2024/05/").decode().splitlines(), ["2024/05/01/00/a.json", "2024/05/01/00/b.json"],
           "local listing")
        eq(ok(st, "get", "bkt", "2024/05/01/00/b.json"), b'{"b":2}\n', "local get")
        ok(st, "delete", "bkt", "2024/05/01/00/a.json")
        rc, _, _ = objstore(st, "head", "bkt", "2024/05/01/00/a.json")
        eq(rc, 3, "deleted")
        leftovers = [n for _, _, fs in os.walk(d) for n in fs if ".tmp-" in n]
        eq(leftovers, [], "no temporary files left")
        rc, _, err = objstore(["--warehouse", d, "--s3-endpoint", "http://x"], "list", "bkt")
        eq(rc, 2, "one store at a time (%s)" % err)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if not os.path.isfile(S3RVER):
        print("FAIL setup: %s missing; run: bash scripts/install-deps.sh" % S3RVER)
        print("0 passed, 1 failed")
        raise SystemExit(1)
    main()
