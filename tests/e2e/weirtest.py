# Shared helpers for weir's end-to-end tests (run with /usr/bin/python3 so Debian's boto3 loads).
# Covers: picking a free loopback port, starting/stopping weir (or kinesalite when TARGET=kinesalite)
# by PID with a temp data dir, boto3 clients with dummy credentials and no retries, signed raw HTTP
# requests, Kinesis helpers (hash ranges, MD5 routing, shard readers) and a tiny test registry/runner
# that prints PASS/FAIL/SKIP per test and ends with "N passed, N failed".
import base64
import datetime
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import boto3
import botocore.serialize
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET = os.environ.get("TARGET", "weir")
KINESALITE = TARGET == "kinesalite"
WEIR_BIN = os.environ.get("WEIR_BIN", os.path.join(REPO, "build", "debug", "weir"))
SLOW = os.environ.get("E2E_SLOW", "") not in ("", "0")
# E2E_FORCE=1 runs weir-only tests under TARGET=kinesalite too (kinesalite then keeps its data in LevelDB
# under the data dir), to exercise the test code itself; expect the weir-specific checks to fail there.
FORCE = os.environ.get("E2E_FORCE", "") not in ("", "0")

ACCESS_KEY = "AKIDWEIRE2ETEST00000"
SECRET_KEY = "weir-e2e-secret-key-not-a-real-one"
REGION = "us-east-1"
TWO128 = 1 << 128
TARGET_PREFIX = "Kinesis_20131202"
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ERROR: ThreadSanitizer", "SUMMARY: UndefinedBehaviorSanitizer")


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def eq(got, want, what):
    if got != want:
        raise TestFailure("%s: expected %r, got %r" % (what, want, got))


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """One weir (or kinesalite) process on 127.0.0.1:<ephemeral port>."""

    def __init__(self, data_dir=None, fsync=None, env=None, args=(), name="server"):
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="weir-e2e-data-")
        self.log_dir = tempfile.mkdtemp(prefix="weir-e2e-log-")
        self.fsync = fsync
        self.env = dict(env or {})
        self.args = list(args)
        self.name = name
        self.proc = None
        self.port = None
        self.log_path = None
        self.logs = []  # every log file this object produced (restarts append)
        self.starts = 0

    # ---- lifecycle ----
    def command(self, port):
        if KINESALITE:
            cmd = ["node", os.path.join(HERE, "kinesalite_server.js"), "--port", str(port)]
            return cmd + (["--path", self.data_dir] if FORCE else [])
        cmd = [WEIR_BIN, "server", "--data", self.data_dir, "--listen", "127.0.0.1:%d" % port]
        if self.fsync:
            cmd += ["--fsync", self.fsync]
        return cmd + self.args

    def spawn(self, port=None):
        """Start the process without waiting for readiness; returns the Popen."""
        self.port = port or free_port()
        self.starts += 1
        self.log_path = os.path.join(self.log_dir, "%s-%d.log" % (self.name, self.starts))
        self.logs.append(self.log_path)
        env = dict(os.environ)
        env.update(self.env)
        logf = open(self.log_path, "wb")
        try:
            self.proc = subprocess.Popen(self.command(self.port), stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, env=env, cwd=REPO)
        finally:
            logf.close()
        return self.proc

    def start(self, timeout=60):
        for attempt in range(3):
            self.spawn()
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                if "listening" in self.log().lower() or port_open(self.port):
                    if port_open(self.port):
                        return self
                time.sleep(0.02)
            if self.proc.poll() is None:
                self.kill9()
                raise TestFailure("%s did not become ready on port %d within %ds; log:\n%s"
                                  % (self.name, self.port, timeout, self.log_tail()))
            log = self.log()
            # the free port may have been taken between picking and binding: retry on a new one
            if "in use" in log.lower() and "addr" in log.lower() and attempt < 2:
                continue
            raise TestFailure("%s exited with %s during startup; log:\n%s"
                              % (self.name, self.proc.returncode, self.log_tail()))
        raise TestFailure("could not start %s" % self.name)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the process by PID and wait; returns its exit code (None if it was not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
                raise TestFailure("%s did not exit within %ds of signal %d; log:\n%s"
                                  % (self.name, timeout, sig, self.log_tail()))
        return self.proc.returncode

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def restart(self, sig=signal.SIGTERM):
        rc = self.stop(sig) if sig != signal.SIGKILL else (self.kill9() or -9)
        self.start()
        return rc

    def cleanup(self):
        self.kill9()
        if self.own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.log_dir, ignore_errors=True)

    # ---- logs ----
    def log(self, path=None):
        try:
            with open(path or self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except (OSError, TypeError):
            return ""

    def all_logs(self):
        return "".join(self.log(p) for p in self.logs)

    def log_tail(self, n=40):
        return "\n".join(self.log().splitlines()[-n:])

    def sanitizer_report(self):
        text = self.all_logs()
        for m in SANITIZER_MARKERS:
            i = text.find(m)
            if i >= 0:
                return text[max(0, i - 200):i + 3000]
        return None

    # ---- clients ----
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def client(self, **kw):
        return client(self.endpoint, **kw)

    def raw(self, target, body, **kw):
        return raw_request(self.port, target, body, **kw)

    def raw_client(self, **kw):
        return RawKinesis(self.port, **kw)


def _timestamp_with_millis(self, value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return round(value.timestamp(), 3)
    return round(float(value), 3)


# Debian's botocore 1.26 truncates request timestamps to whole seconds; current botocore sends epoch
# seconds with a millisecond fraction (as the spec says), and the AT_TIMESTAMP / ShardFilter tests
# need that precision.
if int(botocore.serialize.Serializer._timestamp_unixtimestamp(None, datetime.datetime(2020, 1, 1, 0, 0, 0, 500000,
        tzinfo=datetime.timezone.utc)) * 1000) % 1000 == 0:
    botocore.serialize.Serializer._timestamp_unixtimestamp = _timestamp_with_millis

_session_lock = threading.Lock()
_sessions = {}


def _session():
    with _session_lock:
        s = _sessions.get("s")
        if s is None:
            s = boto3.session.Session(botocore_session=botocore.session.get_session())
            _sessions["s"] = s
        return s


def client(endpoint, region=REGION, validate=True, read_timeout=60, pool=10):
    cfg = Config(region_name=region, retries={"mode": "standard", "total_max_attempts": 1},
                 parameter_validation=validate, connect_timeout=10, read_timeout=read_timeout,
                 max_pool_connections=pool)
    return _session().client("kinesis", endpoint_url=endpoint, region_name=region,
                             aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=cfg)


# ---- raw HTTP ----
class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except (ValueError, UnicodeDecodeError):
            self.json = None

    @property
    def error_type(self):
        if not isinstance(self.json, dict):
            return None
        t = self.json.get("__type")
        if t is None:
            t = self.headers.get("x-amzn-errortype")
        if t is None:
            return None
        return bare_error(t)

    def __repr__(self):
        return "<HTTP %s %r>" % (self.status, self.body[:300])


def bare_error(t):
    t = t.split(":")[0]  # x-amzn-ErrorType may carry ":http://internal..." suffix
    return t.rsplit("#", 1)[-1]


def signed_headers(port, target, body, region=REGION, content_type="application/x-amz-json-1.1",
                   extra=None):
    headers = {"Content-Type": content_type}
    if target is not None:
        headers["X-Amz-Target"] = target if "." in target else "%s.%s" % (TARGET_PREFIX, target)
    if extra:
        headers.update(extra)
    req = AWSRequest(method="POST", url="http://127.0.0.1:%d/" % port, data=body, headers=headers)
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "kinesis", region).add_auth(req)
    return dict(req.headers.items())


def raw_request(port, target, body, region=REGION, content_type="application/x-amz-json-1.1",
                extra_headers=None, sign=True, timeout=30):
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    if sign:
        headers = signed_headers(port, target, body, region, content_type, extra_headers)
    else:
        headers = {"Content-Type": content_type}
        if target is not None:
            headers["X-Amz-Target"] = target if "." in target else "%s.%s" % (TARGET_PREFIX, target)
        headers.update(extra_headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        return RawResponse(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    finally:
        conn.close()


_TIMESTAMP_KEYS = ("StreamCreationTimestamp", "ApproximateArrivalTimestamp", "ConsumerCreationTimestamp")


def _from_wire(v, key=None):
    if isinstance(v, dict):
        return {k: _from_wire(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [_from_wire(x) for x in v]
    if key == "Data" and isinstance(v, str):
        return base64.b64decode(v)
    if key in _TIMESTAMP_KEYS and isinstance(v, (int, float)):
        return datetime.datetime.fromtimestamp(v, tz=datetime.timezone.utc)
    return v


def _to_wire(v, key=None):
    if isinstance(v, dict):
        return {k: _to_wire(x, k) for k, x in v.items()}
    if isinstance(v, list):
        return [_to_wire(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return base64.b64encode(bytes(v)).decode()
    if isinstance(v, datetime.datetime):
        return round(v.timestamp(), 3)
    return v


class RawKinesis:
    """A boto3-shaped Kinesis client built on signed raw requests, for the parameters and fields newer than
    the model in Debian's botocore (StreamARN everywhere, ListStreams NextToken and StreamSummaries).
    Methods are the boto3 snake_case names; errors raise botocore's ClientError as boto3 would."""

    def __init__(self, port, region=REGION):
        self.port = port
        self.region = region

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        op = "".join(p[:1].upper() + p[1:] for p in name.split("_"))

        def call(**params):
            r = raw_request(self.port, op, _to_wire(params), region=self.region)
            if r.status != 200:
                err = {"Code": r.error_type, "Message": (r.json or {}).get("message") or
                       (r.json or {}).get("Message")}
                raise ClientError({"Error": err, "ResponseMetadata": {"HTTPStatusCode": r.status}}, op)
            return _from_wire(r.json or {})
        call.__name__ = name
        return call


def expect_raw_error(resp, code, status=400):
    check(resp.status == status and resp.error_type == code,
          "expected HTTP %d %s, got HTTP %d body %r" % (status, code, resp.status, resp.body[:400]))


def expect_error(code, fn, *args, **kw):
    """Call a boto3 operation that must fail with error `code` (or one of a tuple of codes) and HTTP 400;
    returns the error dict."""
    codes = code if isinstance(code, tuple) else (code,)
    try:
        r = fn(*args, **kw)
    except ClientError as e:
        got = e.response.get("Error", {}).get("Code")
        status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if got not in codes or status != 400:
            raise TestFailure("%s: expected HTTP 400 %s, got HTTP %s %s: %s"
                              % (getattr(fn, "__name__", fn), " or ".join(codes), status, got,
                                 e.response.get("Error", {}).get("Message")))
        return e.response["Error"]
    raise TestFailure("%s: expected %s, but the call succeeded: %r"
                      % (getattr(fn, "__name__", fn), " or ".join(codes), _short(r)))


def _short(r):
    s = repr(r)
    return s if len(s) < 400 else s[:400] + "..."


# ---- Kinesis helpers ----
def md5_hash_key(partition_key):
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


def initial_ranges(n):
    size = TWO128 // n
    out = []
    for i in range(n):
        start = i * size
        end = TWO128 - 1 if i == n - 1 else (i + 1) * size - 1
        out.append((start, end))
    return out


def shard_id(i):
    return "shardId-%012d" % i


THROTTLE_CODES = ("ProvisionedThroughputExceededException", "LimitExceededException")


def call_retry(fn, *args, timeout=60, **kw):
    """Call a boto3 operation, retrying (with backoff) only while the server throttles it."""
    deadline = time.time() + timeout
    delay = 0.05
    while True:
        try:
            return fn(*args, **kw)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") not in THROTTLE_CODES or time.time() > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 1.0)


def wait_active(c, name=None, arn=None, timeout=60):
    kw = {"StreamARN": arn} if arn else {"StreamName": name}
    deadline = time.time() + timeout
    status = None
    delay = 0.02
    while time.time() < deadline:
        status = call_retry(c.describe_stream_summary, **kw)["StreamDescriptionSummary"]["StreamStatus"]
        if status == "ACTIVE":
            return
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)
    raise TestFailure("stream %s not ACTIVE after %ds (last status %s)" % (name or arn, timeout, status))


def wait_gone(c, name, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            call_retry(c.describe_stream_summary, StreamName=name)
        except ClientError as e:
            if e.response["Error"]["Code"] == "ResourceNotFoundException":
                return
            raise
        time.sleep(0.05)
    raise TestFailure("stream %s still exists %ds after DeleteStream" % (name, timeout))


def create_stream(c, name, shards=1, **kw):
    if "StreamModeDetails" in kw and kw["StreamModeDetails"].get("StreamMode") == "ON_DEMAND":
        c.create_stream(StreamName=name, **kw)
    else:
        c.create_stream(StreamName=name, ShardCount=shards, **kw)
    wait_active(c, name)


def stream_arn(c, name):
    return c.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def list_all_shards(c, name, **kw):
    shards = []
    r = c.list_shards(StreamName=name, **kw)
    shards += r["Shards"]
    n = 0
    while r.get("NextToken"):
        n += 1
        check(n < 1000, "ListShards pagination does not end")
        r = c.list_shards(NextToken=r["NextToken"])
        shards += r["Shards"]
    return shards


def hash_range(shard):
    return int(shard["HashKeyRange"]["StartingHashKey"]), int(shard["HashKeyRange"]["EndingHashKey"])


def is_open(shard):
    return "EndingSequenceNumber" not in shard["SequenceNumberRange"]


def shard_for_hash(shards, h):
    """The open shard whose HashKeyRange contains h."""
    hits = [s["ShardId"] for s in shards if is_open(s) and hash_range(s)[0] <= h <= hash_range(s)[1]]
    check(len(hits) == 1, "expected exactly one open shard for hash %d, found %r" % (h, hits))
    return hits[0]


def iterator(c, name, sid, itype="TRIM_HORIZON", **kw):
    return c.get_shard_iterator(StreamName=name, ShardId=sid, ShardIteratorType=itype, **kw)["ShardIterator"]


def read_shard(c, name, sid, itype="TRIM_HORIZON", limit=10000, max_calls=10000, timeout=300,
               it=None, **kw):
    """Read a shard until caught up (open shard: an empty response with MillisBehindLatest 0) or
    exhausted (closed shard: no NextShardIterator). Returns (records, last_response)."""
    it = it or iterator(c, name, sid, itype, **kw)
    records = []
    empties = 0
    deadline = time.time() + timeout
    last = None
    for _ in range(max_calls):
        check(time.time() < deadline, "reading %s/%s took longer than %ds" % (name, sid, timeout))
        last = call_retry(c.get_records, ShardIterator=it, Limit=limit)
        records += last["Records"]
        nxt = last.get("NextShardIterator")
        if not nxt:
            return records, last
        if last["Records"]:
            empties = 0
        else:
            if last.get("MillisBehindLatest", 0) == 0:
                return records, last
            empties += 1
            check(empties < 20, "%s/%s: 20 empty GetRecords responses in a row with MillisBehindLatest %r"
                  % (name, sid, last.get("MillisBehindLatest")))
        it = nxt
    raise TestFailure("reading %s/%s needed more than %d GetRecords calls" % (name, sid, max_calls))


def read_stream_json(c, name):
    """Every record of every shard of stream name, each parsed as JSON, shard by shard in order."""
    out = []
    for sh in list_all_shards(c, name):
        got, _ = read_shard(c, name, sh["ShardId"])
        out += [json.loads(r["Data"]) for r in got]
    return out


def rand_key(rng, n=12):
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(n))


# ---- registry / runner ----
_TESTS = []


def test(fn=None, *, weir_only=None, skip_kinesalite=None, slow=False, server=True, env=None,
         fsync=None):
    """Register a test. The test function receives a started Server unless server=False, in which
    case it receives nothing and manages servers itself (use `managed(...)`)."""
    def deco(f):
        _TESTS.append(dict(fn=f, name=f.__name__, weir_only=weir_only, skip_kinesalite=skip_kinesalite,
                           slow=slow, server=server, env=env, fsync=fsync))
        return f
    if fn is not None:
        return deco(fn)
    return deco


_managed = []


def managed(**kw):
    """A Server that the runner cleans up (and checks for a clean exit) after the current test."""
    s = Server(**kw)
    _managed.append(s)
    return s


def managed_pg(name, args=()):
    """A started managed() server that also speaks the PostgreSQL protocol on s.pg_port (a free loopback
    port, kept across s.restart()); fails the test when nothing listens there within 15 s."""
    port = free_port()
    s = managed(args=["--pg-listen", "127.0.0.1:%d" % port] + list(args), name=name)
    s.start()
    s.pg_port = port
    deadline = time.time() + 15
    while time.time() < deadline:
        if port_open(port):
            return s
        time.sleep(0.05)
    raise TestFailure("nothing listens on --pg-listen port %d; log:\n%s" % (port, s.log_tail()))


def _finish_server(s, problems):
    """Stop a server with SIGTERM; a weir process must exit 0 with no sanitizer report."""
    try:
        if s.alive():
            rc = s.stop()
            if not KINESALITE and rc != 0:
                problems.append("%s exited with %s after SIGTERM; log tail:\n%s" % (s.name, rc, s.log_tail()))
        if not KINESALITE:
            rep = s.sanitizer_report()
            if rep:
                problems.append("sanitizer report in %s log:\n%s" % (s.name, rep))
    except Exception as e:  # noqa: BLE001
        problems.append("stopping %s: %s" % (s.name, e))
    finally:
        s.cleanup()


def run(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    only = [a for a in argv if not a.startswith("-")]
    passed = failed = skipped = 0
    if not KINESALITE and not os.access(WEIR_BIN, os.X_OK):
        print("FAIL setup: WEIR_BIN %r is not an executable file" % WEIR_BIN, flush=True)
        print("0 passed, 1 failed", flush=True)
        return 1
    for t in _TESTS:
        name = t["name"]
        if only and not any(o in name for o in only):
            continue
        reason = None
        if KINESALITE and t["weir_only"] and not FORCE:
            reason = "weir-only: " + t["weir_only"]
        elif KINESALITE and t["skip_kinesalite"]:
            reason = "kinesalite differs from AWS: " + t["skip_kinesalite"]
        elif t["slow"] and not SLOW:
            reason = "slow; set E2E_SLOW=1"
        if reason:
            skipped += 1
            print("SKIP %s (%s)" % (name, reason), flush=True)
            continue
        t0 = time.time()
        problems = []
        del _managed[:]
        srv = None
        try:
            if t["server"]:
                srv = managed(env=t["env"], fsync=t["fsync"], name=name)
                srv.start()
                t["fn"](srv)
            else:
                t["fn"]()
        except Exception as e:  # noqa: BLE001
            tb = traceback.format_exc()
            problems.append("%s: %s\n%s" % (type(e).__name__, e, tb))
            for s in _managed:
                if s.proc is not None and s.proc.poll() is not None and s.proc.returncode not in (0, -9, -15):
                    problems.append("%s had died with exit %s; log tail:\n%s"
                                    % (s.name, s.proc.returncode, s.log_tail()))
        for s in list(_managed):
            _finish_server(s, problems)
        del _managed[:]
        dt = time.time() - t0
        if problems:
            failed += 1
            print("FAIL %s (%.1fs)\n  %s" % (name, dt, "\n".join(problems).replace("\n", "\n  ")), flush=True)
        else:
            passed += 1
            print("PASS %s (%.1fs)" % (name, dt), flush=True)
    if skipped:
        print("(%d skipped)" % skipped, flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


def _on_term(signum, frame):
    """Killed by the harness's timeout: stop this file's servers by PID before exiting."""
    for s in list(_managed):
        try:
            s.cleanup()
        except Exception:  # noqa: BLE001
            pass
    print("FAIL interrupted by signal %d" % signum, flush=True)
    os._exit(1)


def main():
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    sys.exit(run())


def b64(b):
    return base64.b64encode(b).decode()


def now_dt():
    return datetime.datetime.now(datetime.timezone.utc)

