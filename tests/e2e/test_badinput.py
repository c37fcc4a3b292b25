# Hostile and malformed input: malformed JSON, wrong JSON types (SerializationException), missing required
# members (ValidationException), invalid base64, oversized records (PutRecord and PutRecords: the whole
# request fails with ValidationException), an oversized body, unknown stream and target, bad and expired
# iterators, raw socket garbage, half-sent requests, lying Content-Length, pipelined requests, an HTTP/2
# preface followed by junk, huge headers, slow senders and many concurrent connections. After each one the
# same server must still answer a normal boto3 call, and (checked by the runner) exit 0 on SIGTERM with
# no sanitizer report.
import base64
import json
import socket
import threading
import time

from weirtest import (SLOW, TWO128, TestFailure, check, create_stream, eq, expect_error, expect_raw_error, iterator, main,
                      read_shard, shard_id, signed_headers, test)

IDLE_CONNECTIONS = 800 if SLOW else 300
WORKERS = 120 if SLOW else 40


def healthy(srv, name="h"):
    """The server still serves: a normal boto3 round trip on a fresh connection."""
    check(srv.alive(), "server process died; log tail:\n%s" % srv.log_tail())
    c = srv.client()
    names = c.list_streams()["StreamNames"]
    if name not in names:
        create_stream(c, name, 1)
    r = c.put_record(StreamName=name, Data=b"alive", PartitionKey="k")
    recs, _ = read_shard(c, name, r["ShardId"], "AT_SEQUENCE_NUMBER", StartingSequenceNumber=r["SequenceNumber"])
    eq([x["Data"] for x in recs][:1], [b"alive"], "health-check record")


def sock(srv, timeout=10):
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=timeout)
    s.settimeout(timeout)
    return s


def recv_all(s, limit=1 << 20):
    """Read until the peer closes (or times out); returns the bytes."""
    out = b""
    try:
        while len(out) < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def http_request(target, body, port, extra=None):
    """Bytes of a correctly signed HTTP/1.1 request."""
    h = signed_headers(port, target, body)
    h.update(extra or {})
    lines = ["POST / HTTP/1.1", "Host: 127.0.0.1:%d" % port, "Content-Length: %d" % len(body)]
    lines += ["%s: %s" % (k, v) for k, v in h.items() if k.lower() not in ("host", "content-length")]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def status_of(resp):
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


# ---------------------------------------------------------------- JSON level
@test
def malformed_json(srv):
    # syntax errors: always SerializationException
    for body in [b"{", b"}", b"not json", b'{"StreamName": "x",}', b'{"StreamName": "x"', b"\x00\x01\x02",
                 b"[1, 2", b'{"StreamName": }', b"{" * 5000, b'{"StreamName": "x" "y"}', b"{'StreamName': 'x'}",
                 b'{"StreamName": "\\\xdc\xbf"}']:  # the last one once answered with invalid UTF-8
        r = srv.raw("DescribeStreamSummary", body)
        check(r.status == 400 and r.error_type == "SerializationException",
              "body %r: expected 400 SerializationException, got %d %r" % (body[:40], r.status, r.body[:300]))
    # well-formed but not a request object, bad UTF-8, trailing bytes: AWS's exact answer is not
    # documented; it must be a 4xx JSON error and must not hurt the server
    for body in [b'"just a string"', b"12", b"null", b"[]", b'{"StreamName": "\xff\xfe"}',
                 b'{"StreamName": "x"} trailing', b'{"StreamName": "\ud800"}']:
        r = srv.raw("DescribeStreamSummary", body)
        check(400 <= r.status < 500 and r.error_type, "body %r: expected a 4xx JSON error, got %d %r"
              % (body[:40], r.status, r.body[:300]))
    healthy(srv)


@test
def wrong_types_are_serialization_errors(srv):
    create_stream(srv.client(), "wt", 1)
    cases = [
        ("CreateStream", {"StreamName": "a", "ShardCount": "abc"}),
        ("CreateStream", {"StreamName": "a", "ShardCount": True}),
        ("CreateStream", {"StreamName": "a", "ShardCount": {"n": 1}}),
        ("CreateStream", {"StreamName": "a", "ShardCount": [1]}),
        ("CreateStream", {"StreamName": 123, "ShardCount": 1}),
        ("DescribeStreamSummary", {"StreamName": ["wt"]}),
        ("PutRecord", {"StreamName": "wt", "PartitionKey": "k", "Data": 12}),
        ("PutRecord", {"StreamName": "wt", "PartitionKey": "k", "Data": True}),
        ("PutRecord", {"StreamName": "wt", "PartitionKey": 5, "Data": "eA=="}),
        ("PutRecords", {"StreamName": "wt", "Records": {"Data": "eA==", "PartitionKey": "k"}}),
        ("PutRecords", {"StreamName": "wt", "Records": "eA=="}),
        ("GetRecords", {"ShardIterator": "x", "Limit": "ten"}),
        ("AddTagsToStream", {"StreamName": "wt", "Tags": ["a", "b"]}),
    ]
    for target, body in cases:
        r = srv.raw(target, body)
        check(r.status == 400 and r.error_type == "SerializationException",
              "%s %s: expected 400 SerializationException, got %d %r" % (target, json.dumps(body), r.status, r.body[:300]))
    eq(srv.client().list_streams()["StreamNames"], ["wt"], "nothing created by the bad CreateStreams")
    healthy(srv)


@test
def missing_required_members(srv):
    create_stream(srv.client(), "mr", 1)
    cases = [
        ("CreateStream", {}),
        ("PutRecord", {"StreamName": "mr", "Data": "eA=="}),
        ("PutRecord", {"StreamName": "mr", "PartitionKey": "k"}),
        ("PutRecords", {"StreamName": "mr"}),
        ("PutRecords", {"StreamName": "mr", "Records": [{"Data": "eA=="}]}),
        ("GetShardIterator", {"StreamName": "mr", "ShardIteratorType": "LATEST"}),
        ("GetShardIterator", {"StreamName": "mr", "ShardId": shard_id(0)}),
        ("GetRecords", {}),
        ("SplitShard", {"StreamName": "mr", "ShardToSplit": shard_id(0)}),
        ("MergeShards", {"StreamName": "mr", "ShardToMerge": shard_id(0)}),
        ("AddTagsToStream", {"StreamName": "mr"}),
        ("RemoveTagsFromStream", {"StreamName": "mr"}),
        ("IncreaseStreamRetentionPeriod", {"StreamName": "mr"}),
    ]
    for target, body in cases:
        r = srv.raw(target, body)
        check(r.status == 400 and r.error_type == "ValidationException",
              "%s %s: expected 400 ValidationException, got %d %r" % (target, json.dumps(body), r.status, r.body[:300]))
    healthy(srv)


@test
def invalid_base64(srv):
    create_stream(srv.client(), "b64", 1)
    for data in ["@@@@", "abc", "a===", "ZZ=Z", "eA==eA==", "e A=", "eA=\n"]:
        r = srv.raw("PutRecord", {"StreamName": "b64", "PartitionKey": "k", "Data": data})
        check(r.status == 400 and r.error_type == "SerializationException",
              "Data %r: expected 400 SerializationException, got %d %r" % (data, r.status, r.body[:300]))
        r = srv.raw("PutRecords", {"StreamName": "b64", "Records": [{"PartitionKey": "k", "Data": "eA=="},
                                                                    {"PartitionKey": "k", "Data": data}]})
        check(r.status == 400 and r.error_type == "SerializationException",
              "PutRecords Data %r: expected 400 SerializationException, got %d %r" % (data, r.status, r.body[:300]))
    recs, _ = read_shard(srv.client(), "b64", shard_id(0))
    eq(recs, [], "nothing written by the rejected requests")
    healthy(srv)


@test
def oversized_records(srv):
    c = srv.client(validate=False)
    create_stream(c, "big", 2)
    mib = 1024 * 1024
    expect_error("ValidationException", c.put_record, StreamName="big", Data=b"x" * (mib + 1), PartitionKey="k")
    recs = [{"Data": b"small", "PartitionKey": "a"}] * 3 + [{"Data": b"x" * (mib + 1), "PartitionKey": "b"}]
    expect_error("ValidationException", c.put_records, StreamName="big", Records=recs)
    for sid in (shard_id(0), shard_id(1)):
        got, _ = read_shard(c, "big", sid)
        eq(got, [], "%s is empty after the rejected oversized requests" % sid)
    # exactly 1 MiB of data plus partition key is fine
    r = c.put_record(StreamName="big", Data=b"y" * (mib - 1), PartitionKey="k")
    got, _ = read_shard(c, "big", r["ShardId"])
    check(len(got) == 1 and got[0]["Data"] == b"y" * (mib - 1), "1 MiB record round trip")
    healthy(srv)


@test(skip_kinesalite="it only checks the data length, not data + partition key")
def oversized_data_plus_key(srv):
    c = srv.client(validate=False)
    create_stream(c, "bigk", 1)
    # 1 MiB of data plus a 10-character key is over the 1 MiB record limit (data + partition key)
    try:
        c.put_record(StreamName="bigk", Data=b"z" * (1024 * 1024), PartitionKey="0123456789")
    except Exception as e:  # noqa: BLE001
        code = getattr(e, "response", {}).get("Error", {}).get("Code")
        check(code in ("ValidationException", "InvalidArgumentException"),
              "1 MiB data + 10-byte key: expected a 400 rejection, got %r" % e)
    else:
        raise TestFailure("1 MiB data + 10-byte key was accepted; the limit is data + partition key <= 1 MiB")
    healthy(srv)


@test
def oversized_body(srv):
    create_stream(srv.client(), "ob", 1)
    # 18 records of 600 KiB: each is legal, together they pass the 10 MiB PutRecords request limit
    chunk = base64.b64encode(b"q" * (600 * 1024)).decode()
    body = json.dumps({"StreamName": "ob", "Records": [{"PartitionKey": "k", "Data": chunk}] * 18}).encode()
    r = srv.raw("PutRecords", body, timeout=60)
    check(r.status == 400 and r.error_type in ("InvalidArgumentException", "ValidationException"),
          "10.5 MiB of records: expected a 400, got %d %r" % (r.status, r.body[:300]))
    # a body far past any legal request (17 MiB of JSON) is refused without being buffered whole
    body = json.dumps({"StreamName": "ob", "Records": [{"PartitionKey": "k", "Data": chunk}] * 22}).encode()
    check(len(body) > 16 * 1024 * 1024, "body is %d bytes" % len(body))
    try:
        r = srv.raw("PutRecords", body, timeout=60)
        check(400 <= r.status < 500, "17 MiB body: expected a 4xx, got %d %r" % (r.status, r.body[:300]))
    except (ConnectionResetError, BrokenPipeError):
        pass  # closing the connection on an oversized body is acceptable
    recs, _ = read_shard(srv.client(), "ob", shard_id(0))
    eq(recs, [], "nothing written by the oversized requests")
    healthy(srv)


@test
def unknown_stream_and_target(srv):
    c = srv.client()
    expect_error("ResourceNotFoundException", c.put_record, StreamName="ghost", Data=b"x", PartitionKey="k")
    expect_error("ResourceNotFoundException", c.get_shard_iterator, StreamName="ghost", ShardId=shard_id(0),
                 ShardIteratorType="LATEST")
    expect_error("ResourceNotFoundException", c.list_tags_for_stream, StreamName="ghost")
    for target in ["Kinesis_20131202.DoSomethingElse", "Kinesis_20131202.", "Kinesis_20131202.putrecord",
                   "DynamoDB_20120810.ListTables", "Kinesis_19990101.ListStreams", "ListStreams", "..."]:
        r = srv.raw(target if "." in target else target + ".", {})
        expect_raw_error(r, "UnknownOperationException")
    healthy(srv)


@test
def missing_authentication(srv):
    create_stream(srv.client(), "auth", 1)
    r = srv.raw("PutRecord", {"StreamName": "auth", "PartitionKey": "k", "Data": "eA=="}, sign=False)
    expect_raw_error(r, "MissingAuthenticationTokenException")
    recs, _ = read_shard(srv.client(), "auth", shard_id(0))
    eq(recs, [], "the unauthenticated PutRecord wrote nothing")
    healthy(srv)


@test
def bad_iterators(srv):
    c = srv.client(validate=False)
    create_stream(c, "it", 1)
    good = iterator(c, "it", shard_id(0))
    raw = base64.b64decode(good + "=" * (-len(good) % 4)) if set(good) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") else None
    cands = ["x", "=" * 20, "AAAA" * 40, good[::-1], good[1:], good + "A", "%00" * 10, "\u00e9" * 50]
    if raw:
        flipped = bytearray(raw)
        flipped[len(flipped) // 2] ^= 0x55
        cands.append(base64.b64encode(bytes(flipped)).decode())
    for bad in cands:
        if bad == good:
            continue
        expect_error("InvalidArgumentException", c.get_records, ShardIterator=bad)
    # an iterator of a deleted stream
    c.delete_stream(StreamName="it")
    time.sleep(0.1)
    try:
        c.get_records(ShardIterator=good)
    except Exception as e:  # noqa: BLE001
        code = getattr(e, "response", {}).get("Error", {}).get("Code")
        check(code in ("ResourceNotFoundException", "InvalidArgumentException", "ExpiredIteratorException"),
              "iterator of a deleted stream: unexpected %r" % e)
    else:
        raise TestFailure("iterator of a deleted stream still works")
    healthy(srv)


@test(weir_only="needs WEIR_ITERATOR_TTL_MS", env={"WEIR_ITERATOR_TTL_MS": "1000"})
def expired_iterator(srv):
    c = srv.client()
    create_stream(c, "ex", 1)
    it = iterator(c, "ex", shard_id(0))
    time.sleep(1.5)
    expect_error("ExpiredIteratorException", c.get_records, ShardIterator=it)
    healthy(srv)


# ---------------------------------------------------------------- socket level
@test
def socket_garbage(srv):
    junk = [b"\x00" * 100, b"GARBAGE\r\n\r\n", b"\xff\xfe\xfd" * 1000, b"GET / HTTP/1.1\r\n\r\n",
            b"POST / HTTP/9.9\r\nContent-Length: 2\r\n\r\n{}", b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
            b"\r\n" * 5000, b"POST /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
            bytes(range(256)) * 64]
    for j in junk:
        s = sock(srv)
        try:
            s.sendall(j)
            resp = recv_all_quick(s)
            if resp:
                st = status_of(resp)
                check(st is not None and 400 <= st < 600 or resp.startswith(b"HTTP/1.1 2"),
                      "garbage %r answered with %r" % (j[:40], resp[:100]))
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            s.close()
    healthy(srv)


def recv_all_quick(s, wait=2.0):
    s.settimeout(wait)
    return recv_all(s)


@test(skip_kinesalite="it crashes: its request 'error' handler rethrows ECONNRESET ('aborted')")
def half_sent_and_lying_content_length(srv):
    create_stream(srv.client(), "hs", 1)
    body = json.dumps({"StreamName": "hs", "PartitionKey": "k", "Data": "eA=="}).encode()
    req = http_request("PutRecord", body, srv.port)
    # 1: headers only, then close
    s = sock(srv)
    s.sendall(req[:req.index(b"\r\n\r\n") + 4])
    s.close()
    # 2: half the headers, then close
    s = sock(srv)
    s.sendall(req[:40])
    s.close()
    # 3: Content-Length larger than the body sent, then close after a pause
    s = sock(srv)
    s.sendall(req.replace(b"Content-Length: %d" % len(body), b"Content-Length: %d" % (len(body) + 500)))
    time.sleep(0.5)
    s.close()
    # 4: Content-Length smaller than the body: the excess is a garbage second request
    s = sock(srv)
    s.sendall(req.replace(b"Content-Length: %d" % len(body), b"Content-Length: %d" % (len(body) - 10)))
    resp = recv_all_quick(s)
    s.close()
    check(not resp or status_of(resp) is not None, "short Content-Length answered with %r" % resp[:100])
    # 5: a correct request, then close before reading the response
    s = sock(srv)
    s.sendall(req)
    s.close()
    # 6: reset (SO_LINGER 0) in the middle of a body
    s = sock(srv)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.sendall(req[:-5])
    s.close()
    time.sleep(0.3)
    healthy(srv, "hs")
    # at most the complete requests (5, maybe 4) were written, never the truncated ones twice
    recs, _ = read_shard(srv.client(), "hs", shard_id(0))
    check(len([r for r in recs if r["Data"] == b"x"]) <= 2, "truncated requests were executed: %d records"
          % len(recs))


@test
def pipelined_requests(srv):
    create_stream(srv.client(), "pl", 1)
    reqs = b""
    for i in range(5):
        body = json.dumps({"StreamName": "pl", "PartitionKey": "k",
                           "Data": base64.b64encode(b"p%d" % i).decode()}).encode()
        reqs += http_request("PutRecord", body, srv.port)
    s = sock(srv)
    s.sendall(reqs)
    buf = b""
    deadline = time.time() + 15
    while buf.count(b"HTTP/1.1 ") < 5 and time.time() < deadline:
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        buf += b
    s.close()
    eq(buf.count(b"HTTP/1.1 200"), 5, "five pipelined PutRecords answered 200 (got %r)" % buf[:300])
    recs, _ = read_shard(srv.client(), "pl", shard_id(0))
    eq([r["Data"] for r in recs], [b"p%d" % i for i in range(5)], "pipelined records in order")
    healthy(srv)


@test
def http2_preface_then_junk(srv):
    for tail in [b"\x00\x00\x04\x08\x00\x00\x00\x00\x00" + b"\xff" * 50,  # bogus frames
                 b"\xff" * 9 + b"\x00" * 200,
                 b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + b"\x00\x10\x00\x01\x00\x00" * 3,  # odd SETTINGS
                 b""]:
        s = sock(srv)
        try:
            s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + tail)
            recv_all_quick(s, 1.0)
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            s.close()
    healthy(srv)


@test
def huge_headers(srv):
    body = b"{}"
    base = http_request("ListStreams", body, srv.port)
    head, rest = base.split(b"\r\n", 1)
    for size in (8 * 1024, 64 * 1024, 1024 * 1024):
        s = sock(srv)
        try:
            s.sendall(head + b"\r\nX-Big: " + b"b" * size + b"\r\n" + rest)
            resp = recv_all_quick(s)
            st = status_of(resp) if resp else None
            check(st is None or st in (200, 400, 413, 431), "%d-byte header answered %r" % (size, resp[:100]))
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            s.close()
        s = sock(srv)
        try:
            s.sendall(head + b"\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(size // 8)) + rest)
            recv_all_quick(s)
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            s.close()
    healthy(srv)


@test
def slow_sender_does_not_block_others(srv):
    create_stream(srv.client(), "slow", 1)
    body = json.dumps({"StreamName": "slow", "PartitionKey": "k", "Data": "c2xvdw=="}).encode()
    req = http_request("PutRecord", body, srv.port)
    s = sock(srv, timeout=20)
    result = {}

    def dribble():
        try:
            for i in range(0, len(req), 40):
                s.sendall(req[i:i + 40])
                time.sleep(0.05)
            result["resp"] = recv_until_response(s)
        except OSError as e:
            result["err"] = e

    t = threading.Thread(target=dribble)
    t.start()
    time.sleep(0.2)
    t0 = time.time()
    healthy(srv, "slow")  # must not wait for the dribbling client
    check(time.time() - t0 < 5, "a normal call took %.1fs while another client was dribbling" % (time.time() - t0))
    t.join(60)
    s.close()
    check("resp" in result and status_of(result["resp"]) == 200, "dribbled request: %r" % result)


def recv_until_response(s):
    buf = b""
    while True:
        b = s.recv(65536)
        if not b:
            return buf
        buf += b
        if b"\r\n\r\n" in buf:
            head, _, rest = buf.partition(b"\r\n\r\n")
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    if len(rest) >= int(line.split(b":")[1]):
                        return buf


@test
def many_concurrent_connections(srv):
    create_stream(srv.client(), "mc", 2)
    idle = []
    try:
        for _ in range(IDLE_CONNECTIONS):
            idle.append(sock(srv))
        healthy(srv, "mc")
        errors = []
        counts = []

        def worker(n):
            try:
                c = srv.client()
                for j in range(10):
                    r = c.put_record(StreamName="mc", Data=b"%d-%d" % (n, j), PartitionKey="w%d" % n)
                    check("SequenceNumber" in r, "no SequenceNumber")
                counts.append(10)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check(not errors, "concurrent workers failed: %s" % errors[:3])
        eq(sum(counts), 10 * WORKERS, "records acknowledged by %d concurrent clients" % WORKERS)
    finally:
        for s in idle:
            s.close()
    c = srv.client()
    total = 0
    for sid in (shard_id(0), shard_id(1)):
        recs, _ = read_shard(c, "mc", sid)
        total += len([r for r in recs if r["Data"] != b"alive"])
    eq(total, 10 * WORKERS, "records stored")
    healthy(srv, "mc")


@test
def explicit_hash_key_bounds_do_not_crash(srv):
    c = srv.client(validate=False)
    create_stream(c, "hk", 2)
    for hk in [str(TWO128 - 1), str(TWO128), "9" * 39, "1" + "0" * 38, "0"]:
        try:
            c.put_record(StreamName="hk", Data=b"x", PartitionKey="k", ExplicitHashKey=hk)
        except Exception as e:  # noqa: BLE001
            code = getattr(e, "response", {}).get("Error", {}).get("Code")
            check(int(hk) >= TWO128 and code == "InvalidArgumentException",
                  "ExplicitHashKey %s: %r" % (hk, e))
    healthy(srv)


if __name__ == "__main__":
    main()
