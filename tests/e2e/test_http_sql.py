# POST /sql on weir's HTTP port (src/http/api_sql.c, docs/sql-http.md), against the real binary:
#   - JSON values per type (parsed, and the raw text of numbers), CSV three ways (parsed with Python's csv
#     module), the request shapes (text, form-encoded as curl -d sends it, JSON with params and format);
#   - errors: SQLSTATE, message, position, HTTP status (400, 405, 415, 429 with Retry-After, 503), bad JSON
#     bodies, invalid UTF-8, params with several statements;
#   - several statements (the last one answers; a failing one stops the request);
#   - a stream written by boto3 and queried through urllib, requests and curl (HTTP/1.1 and HTTP/2), and
#     joined with a reference table from a CSV file (src/exec/reftable.c);
#   - a large result streamed (chunked) and read whole; backpressure: a client that does not read keeps
#     the query waiting (its thread stays) without stopping the Kinesis API; a client that disconnects
#     cancels its query (the thread goes); a query failing after rows were streamed breaks the response
#     off (curl exit 18, requests ChunkedEncodingError, HTTP/2 reset) after an "error" member;
#   - every example of docs/sql-http.md, in order, with its output compared.
# Every server is stopped with SIGTERM and must exit 0 with no sanitizer report (weirtest).
import csv
import http.client
import io
import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import requests

import weirtest as wt
from weirtest import check, eq, managed, test

DOCS = os.path.join(wt.REPO, "docs", "sql-http.md")


def start(**kw):
    args = kw.pop("args", ["--pg-listen", "none"])
    return managed(args=args, **kw).start()


def post(port, body, ctype="text/plain", headers=None, path="/sql", method="POST", timeout=120):
    """One request; returns (status, lower-cased headers, body bytes)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
        ctype = "application/json"
    if isinstance(body, str):
        body = body.encode()
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def query(port, sql, **kw):
    """A query that must succeed: the parsed JSON answer."""
    status, hdrs, data = post(port, sql, **kw)
    eq(status, 200, "status of %r (body %r)" % (sql, data[:300]))
    eq(hdrs.get("content-type"), "application/json", "content type")
    return json.loads(data)


def error(port, body, status=400, **kw):
    """A request that must fail with status: the "error" object."""
    st, hdrs, data = post(port, body, **kw)
    eq(st, status, "status of %r (body %r)" % (body, data[:300]))
    eq(hdrs.get("content-type"), "application/json", "error content type")
    doc = json.loads(data)
    eq(list(doc.keys()), ["error"], "error body keys")
    return doc["error"]


def threads_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    raise AssertionError("no Threads line")


def wait_threads(pid, want, timeout=30, at_least=False):
    """Until the server has want threads (or at least want). A running query has its own thread, plus the
    scan's worker threads while it reads (op_scan.c), so counts are compared with the idle baseline."""
    deadline = time.time() + timeout
    n = threads_of(pid)
    while time.time() < deadline:
        n = threads_of(pid)
        if n == want or (at_least and n > want):
            return n
        time.sleep(0.05)
    raise wt.TestFailure("server has %d threads, expected %s%d" % (n, "at least " if at_least else "", want))


def put_json_records(c, stream, rows, batch=500):
    for i in range(0, len(rows), batch):
        recs = [{"Data": json.dumps(r).encode(), "PartitionKey": "p%d" % (i + k)} for k, r in
                enumerate(rows[i:i + batch])]
        r = wt.call_retry(c.put_records, StreamName=stream, Records=recs)
        eq(r.get("FailedRecordCount", 0), 0, "failed records")


PAD = "x" * 1000


def load_big(srv, n):
    """A one-shard stream `big` with n records {"n": i, "pad": 1000 bytes}, and a table over it."""
    c = srv.client()
    wt.create_stream(c, "big", shards=1)
    put_json_records(c, "big", [{"n": i, "pad": PAD} for i in range(n)])
    query(srv.port, "CREATE TABLE big (n int, pad text) WITH (stream = 'big', format = 'json')")


def raw_request(port, body, path="/sql", rcvbuf=None, extra=b""):
    """Send a POST /sql on a raw socket without reading the answer; returns the socket."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    b = body.encode()
    s.sendall(b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n" + extra +
              b"Content-Length: " + str(len(b)).encode() + b"\r\n\r\n" + b)
    return s


def dechunk(data):
    """The body of a complete chunked response (raises if it is not complete)."""
    out = b""
    i = 0
    while True:
        j = data.index(b"\r\n", i)
        size = int(data[i:j], 16)
        i = j + 2
        if size == 0:
            return out
        out += data[i:i + size]
        check(data[i + size:i + size + 2] == b"\r\n", "chunk not followed by CRLF")
        i += size + 2


# ---------------------------------------------------------------------------------------------- values

@test(server=False, weir_only="POST /sql is weir's")
def test_json_values():
    srv = start()
    doc = query(srv.port, "SELECT 1::int2 AS a, (-2147483648)::int4 AS b, 9007199254740993::int8 AS c, "
                          "2.5::float4 AS d, '1e300'::float8 AS e, 'Infinity'::float8 AS f, '-Infinity'::float8 AS g, "
                          "1.50::numeric AS h, 'NaN'::numeric AS i, true AS j, false AS k, NULL::text AS l, "
                          "E'q\"\\\\\\n\\t\\u00e9\\u0001' AS m, '[1,{\"x\":null}]'::json AS n, "
                          "'{\"b\":2,\"a\":1}'::jsonb AS o, '2024-02-29'::date AS p, "
                          "'2024-05-01 12:34:56.5+02'::timestamptz AS q, interval '1 day 2 hours' AS r, "
                          "'\\x0001ff'::bytea AS s, 26::oid AS t, ''::text AS u")
    eq([(c["name"], c["type"]) for c in doc["columns"]],
       [("a", "smallint"), ("b", "integer"), ("c", "bigint"), ("d", "real"), ("e", "double precision"),
        ("f", "double precision"), ("g", "double precision"), ("h", "numeric"), ("i", "numeric"),
        ("j", "boolean"), ("k", "boolean"), ("l", "text"), ("m", "text"), ("n", "json"), ("o", "jsonb"),
        ("p", "date"), ("q", "timestamp with time zone"), ("r", "interval"), ("s", "bytea"), ("t", "oid"),
        ("u", "text")], "columns")
    eq(doc["command"], "SELECT 1", "command")
    eq(doc["rows"], [[1, -2147483648, 9007199254740993, 2.5, 1e300, "Infinity", "-Infinity", 1.5, "NaN", True,
                      False, None, 'q"\\\n\t\u00e9\u0001', [1, {"x": None}], {"a": 1, "b": 2}, "2024-02-29",
                      "2024-05-01 10:34:56.5+00", "1 day 02:00:00", "\\x0001ff", 26, ""]], "rows")
    # numbers are PostgreSQL's text, exactly: the big integer and the numeric's scale survive
    _, _, raw = post(srv.port, "SELECT 9007199254740993::int8 AS c, 1.50::numeric AS h, 0.1::float8 AS f")
    check(b"[9007199254740993,1.50,0.1]" in raw, "raw number text: %r" % raw)
    # a statement without rows
    eq(query(srv.port, "SET TimeZone = 'UTC'"), {"columns": [], "rows": [], "command": "SET"}, "SET answer")
    # zero rows of a query still name the columns
    doc = query(srv.port, "SELECT 1 AS one WHERE false")
    eq((doc["columns"], doc["rows"], doc["command"]), ([{"name": "one", "type": "integer"}], [], "SELECT 0"),
       "empty result")


@test(server=False, weir_only="POST /sql is weir's")
def test_csv():
    srv = start()
    sql = ("SELECT 1 AS id, 'a,b' AS \"with,comma\", E'two\\nlines' AS t, 'say \"hi\"' AS q, '' AS empty, "
           "NULL::text AS nul, true AS b, 2.50::numeric AS n")
    want_header = ["id", "with,comma", "t", "q", "empty", "nul", "b", "n"]
    want_row = ["1", "a,b", "two\nlines", 'say "hi"', "", "", "t", "2.50"]
    for how in ("query", "accept", "json"):
        if how == "query":
            st, h, data = post(srv.port, sql, path="/sql?format=csv")
        elif how == "accept":
            st, h, data = post(srv.port, sql, headers={"Accept": "text/csv, application/json;q=0.5"})
        else:
            st, h, data = post(srv.port, {"sql": sql, "format": "csv"})
        eq(st, 200, how + " status")
        eq(h.get("content-type"), "text/csv; charset=utf-8; header=present", how + " content type")
        eq(data, b'id,"with,comma",t,q,empty,nul,b,n\r\n1,"a,b","two\nlines","say ""hi""","",,t,2.50\r\n',
           how + " body")
        rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
        eq(rows, [want_header, want_row], how + " parsed")
    # the URL wins over the body's format; Accept listing JSON first keeps JSON
    st, h, _ = post(srv.port, {"sql": "SELECT 1", "format": "json"}, path="/sql?format=csv")
    eq(h.get("content-type", "").split(";")[0], "text/csv", "?format=csv over the body's format")
    st, h, _ = post(srv.port, "SELECT 1", headers={"Accept": "application/json, text/csv"})
    eq(h.get("content-type"), "application/json", "Accept with JSON first")
    # no rows: the header alone; no columns: nothing
    eq(post(srv.port, "SELECT 1 AS a WHERE false", path="/sql?format=csv")[2], b"a\r\n", "empty CSV")
    eq(post(srv.port, "SET TimeZone = 'UTC'", path="/sql?format=csv")[2], b"", "CSV of SET")


# ---------------------------------------------------------------------------------------------- errors

@test(server=False, weir_only="POST /sql is weir's")
def test_errors():
    srv = start()
    p = srv.port
    e = error(p, "SELECT * FROM nope")
    eq(e, {"sqlstate": "42P01", "message": 'relation "nope" does not exist', "position": 15}, "undefined table")
    e = error(p, "SELECT 1 FROM")
    eq((e["sqlstate"], e["position"]), ("42601", 14), "syntax error")
    check("syntax error" in e["message"], e["message"])
    eq(error(p, "SELECT 1/0")["sqlstate"], "22012", "division by zero")
    eq(error(p, "SELECT 'abc'::int")["sqlstate"], "22P02", "bad input")
    # a position inside a JSON body's sql string counts characters of that string
    eq(error(p, {"sql": "SELECT 'é', nope"})["position"], 13, "position after a multibyte character")
    # request shapes
    st, h, data = post(p, b"", method="GET")
    eq((st, h.get("allow")), (405, "POST"), "GET /sql")
    eq(json.loads(data)["error"]["sqlstate"], "08P01", "405 body")
    eq(error(p, "SELECT 1", ctype="image/png", status=415)["sqlstate"], "08P01", "415")
    eq(error(p, b'{"sql": "SELECT 1"', ctype="application/json")["sqlstate"], "08P01", "truncated JSON")
    check("not valid JSON" in error(p, b"{,}", ctype="application/json")["message"], "bad JSON message")
    eq(error(p, b'["SELECT 1"]', ctype="application/json")["sqlstate"], "08P01", "JSON array body")
    check('"param"' in error(p, {"sql": "SELECT 1", "param": []})["message"], "unknown key named")
    eq(error(p, {"sql": 1})["sqlstate"], "08P01", "sql not a string")
    eq(error(p, {"sql": "SELECT 1", "format": "xml"})["sqlstate"], "08P01", "bad format")
    eq(error(p, "SELECT 1", path="/sql?format=xml")["sqlstate"], "08P01", "bad ?format")
    eq(error(p, {"sql": "SELECT 1", "params": {"a": 1}})["sqlstate"], "08P01", "params not an array")
    # PostgreSQL's messages: as many bytes as the first one announces
    e = error(p, b"SELECT '\xff'")
    eq((e["sqlstate"], e["message"]), ("22021", 'invalid byte sequence for encoding "UTF8": 0xff'), "0xff")
    eq(error(p, b"SELECT '\xc3\x28'")["message"], 'invalid byte sequence for encoding "UTF8": 0xc3 0x28',
       "invalid UTF-8")
    eq(error(p, b"SELECT 1 -- \xe2\x82")["message"], 'incomplete multibyte character for encoding "UTF8": 0xe2 0x82',
       "cut off at the end")
    eq(error(p, b"SELECT 1\x00")["message"], 'invalid byte sequence for encoding "UTF8": 0x00', "NUL")
    eq(error(p, "  ;  -- nothing")["sqlstate"], "42601", "no statement")
    e = error(p, {"sql": "SELECT $1; SELECT 2", "params": [1]})
    eq((e["sqlstate"], e["message"]), ("42601", "cannot insert multiple commands into a prepared statement"),
       "params with two statements")
    eq(error(p, {"sql": "SELECT $1::int", "params": ["x"]})["sqlstate"], "22P02", "bad parameter value")
    eq(error(p, {"sql": "SELECT $1::int, $2::int", "params": [1]})["sqlstate"], "08P01", "too few params")
    # Kinesis requests are unaffected by the /sql route, and /sqlx is not /sql
    eq(post(p, "{}", ctype="application/x-amz-json-1.1", path="/sqlx")[0], 400, "POST /sqlx")
    eq(wt.client(srv.endpoint).list_streams()["StreamNames"], [], "Kinesis API next to /sql")


@test(server=False, weir_only="POST /sql is weir's")
def test_multi_statement_and_params():
    srv = start()
    p = srv.port
    doc = query(p, "SET TimeZone = 'America/New_York'; SELECT 1 AS x;\n"
                   "SELECT '2024-01-01 12:00:00+00'::timestamptz AS t, current_user AS u, current_database() AS d")
    eq(doc["rows"], [["2024-01-01 07:00:00-05", "http", "weir"]], "last statement's rows, SET applied")
    # a SET does not outlive its request
    eq(query(p, "SHOW TimeZone")["rows"], [["UTC"]], "a new request has a new session")
    # the first failing statement answers; its position counts from the start of the whole text
    e = error(p, "SELECT 1; SELECT nope FROM nowhere; SELECT 3")
    eq((e["sqlstate"], e["position"]), ("42P01", 28), "error in the second statement")
    # DDL and a query in one request
    wt.create_stream(srv.client(), "ev", shards=2)
    put_json_records(srv.client(), "ev", [{"k": "a", "v": 1}, {"k": "b", "v": 2}, {"k": "a", "v": 3}])
    doc = query(p, "CREATE TABLE ev (k text, v int) WITH (stream = 'ev'); "
                   "SELECT k, sum(v) AS s FROM ev GROUP BY k ORDER BY k")
    eq(doc["rows"], [["a", 4], ["b", 2]], "CREATE then SELECT")
    # parameters: each JSON type
    doc = query(p, {"sql": "SELECT $1::int + 1 AS a, $2 AS b, $3::numeric AS c, $4::text IS NULL AS d, "
                           "$5::jsonb ->> 'k' AS e, $6::bool AS f, $7::float8 AS g, $8::jsonb AS h",
                    "params": [41, "text", 0.1, None, {"k": "v"}, True, 1e-7, [1, "2"]]})
    eq(doc["rows"], [[42, "text", 0.1, True, "v", True, 1e-07, [1, "2"]]], "parameters")
    _, _, raw = post(p, {"sql": "SELECT $1::numeric AS c", "params": [0.1]})
    check(b"[0.1]" in raw, "a JSON 0.1 arrives as 0.1: %r" % raw)
    doc = query(p, {"sql": "SELECT k, v FROM ev WHERE k = $1 ORDER BY v", "params": ["a"]})
    eq(doc["rows"], [["a", 1], ["a", 3]], "parameter in WHERE")


# ------------------------------------------------------------------------------------- clients, streams

@test(server=False, weir_only="POST /sql is weir's")
def test_stream_written_by_boto3():
    srv = start()
    c = srv.client()
    wt.create_stream(c, "orders", shards=4)
    rows = [{"id": i, "customer": "c%d" % (i % 7), "total": round(i * 1.25, 2),
             "at": "2024-05-01T12:%02d:00Z" % (i % 60)} for i in range(1000)]
    put_json_records(c, "orders", rows)
    url = srv.endpoint + "/sql"
    # urllib
    req = urllib.request.Request(url, data=b"CREATE TABLE orders (id bigint, customer text, total numeric(10,2), "
                                           b"at timestamptz) WITH (stream = 'orders', format = 'json')",
                                 headers={"Content-Type": "application/sql"})
    with urllib.request.urlopen(req, timeout=60) as r:
        eq(json.loads(r.read())["command"], "CREATE TABLE", "CREATE TABLE through urllib")
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b"SELECT nope FROM orders"), timeout=60)
        raise wt.TestFailure("expected HTTPError")
    except urllib.error.HTTPError as e:
        eq((e.code, json.loads(e.read())["error"]["sqlstate"]), (400, "42703"), "urllib error")
    # requests: aggregate per customer, compared with what boto3 wrote
    r = requests.post(url, data="SELECT customer, count(*) AS n, sum(total) AS s FROM orders "
                                "GROUP BY customer ORDER BY customer", timeout=60)
    eq(r.status_code, 200, "requests status")
    want = {}
    for row in rows:
        n, s = want.get(row["customer"], (0, 0))
        want[row["customer"]] = (n + 1, s + round(row["total"] * 100))
    eq([(cu, n, round(float(s) * 100)) for cu, n, s in r.json()["rows"]],
       [(cu, n, s) for cu, (n, s) in sorted(want.items())], "per-customer counts and sums")
    # CSV through requests, every row, parsed back
    r = requests.post(url + "?format=csv", data="SELECT id, customer, total, at FROM orders ORDER BY id", timeout=60)
    got = list(csv.DictReader(io.StringIO(r.text, newline="")))
    eq(len(got), 1000, "CSV rows")
    eq([(int(g["id"]), g["customer"], g["total"]) for g in got],
       [(w["id"], w["customer"], "%.2f" % w["total"]) for w in rows], "CSV values")
    eq(got[61]["at"], "2024-05-01 12:01:00+00", "timestamptz text form")
    # curl, HTTP/1.1 and HTTP/2 (prior knowledge, as on the Kinesis side)
    for flags in ([], ["--http2-prior-knowledge"]):
        out = subprocess.run(["curl", "-sS", "-f"] + flags + [url, "-d", "SELECT count(*) AS n FROM orders"],
                             capture_output=True, timeout=60)
        eq(out.returncode, 0, "curl %s: %s" % (flags, out.stderr))
        eq(json.loads(out.stdout)["rows"], [[1000]], "curl %s count" % flags)
    srv.stop()
    # with the PostgreSQL port too (same data directory): psql sees the table /sql created
    pg_port = wt.free_port()
    srv2 = start(args=["--pg-listen", "127.0.0.1:%d" % pg_port], name="with-pg", data_dir=srv.data_dir)
    out = subprocess.run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "u", "-d", "weir", "-c",
                          "SELECT count(*), sum(total) FROM orders"], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PGCONNECT_TIMEOUT="10", PGSSLMODE="disable"))
    eq(out.stdout.strip(), "1000|%.2f" % (sum(round(r["total"] * 100) for r in rows) / 100), "psql: " + out.stderr)
    eq(query(srv2.port, "SELECT count(*) FROM orders")["rows"], [[1000]], "/sql next to the PostgreSQL port")


@test(server=False, weir_only="POST /sql is weir's")
def test_reference_file_join():
    srv = start()
    c = srv.client()
    wt.create_stream(c, "hits", shards=2)
    put_json_records(c, "hits", [{"url": u, "ms": ms} for u, ms in
                                 [("/a", 10), ("/b", 20), ("/a", 30), ("/c", 40), ("/zzz", 50)]])
    path = os.path.join(srv.data_dir, "pages.csv")
    with open(path, "w") as f:
        f.write("url,category\r\n/a,docs\r\n/b,shop\r\n\"/c\",shop\r\n")
    query(srv.port, "CREATE TABLE hits (url text, ms int) WITH (stream = 'hits'); "
                    "CREATE TABLE pages (url text, category text) WITH (file = '%s', format = 'csv', header = true)"
          % path)
    doc = query(srv.port, "SELECT p.category, count(*) AS n, sum(h.ms) AS ms FROM hits h JOIN pages p "
                          "ON p.url = h.url GROUP BY 1 ORDER BY 1")
    eq(doc["rows"], [["docs", 2, 40], ["shop", 2, 60]], "stream joined with a reference file")
    # the file is read by each query; a missing one is PostgreSQL's 58P01, a server-side problem: 500
    os.remove(path)
    e = error(srv.port, "SELECT count(*) FROM pages", status=500)
    eq(e, {"sqlstate": "58P01",
           "message": 'could not open file "%s" for reading: No such file or directory' % path}, "missing file")
    eq(error(srv.port, "CREATE TABLE rel (a int) WITH (file = 'pages.csv', format = 'csv')")["sqlstate"], "22023",
       "relative path")


@test(server=False, weir_only="POST /sql is weir's")
def test_large_result_streamed():
    srv = start()
    n = 6000
    load_big(srv, n)
    url = srv.endpoint + "/sql"
    # HTTP/1.1, read with requests as a stream: chunked, and the rows arrive complete and in order
    r = requests.post(url, data="SELECT n, pad FROM big", stream=True, timeout=120)
    eq(r.status_code, 200, "status")
    eq(r.headers.get("Transfer-Encoding"), "chunked", "a large answer is chunked")
    check("Content-Length" not in r.headers, "no Content-Length on a streamed answer")
    body = b"".join(r.iter_content(65536))
    doc = json.loads(body)
    eq(doc["command"], "SELECT %d" % n, "command tag")
    eq([row[0] for row in doc["rows"]], list(range(n)), "every row, in shard order")
    check(all(row[1] == PAD for row in doc["rows"]), "pad values")
    # CSV streamed too
    r = requests.post(url + "?format=csv", data="SELECT n FROM big", timeout=120)
    eq(r.text.split("\r\n")[:3], ["n", "0", "1"], "CSV head")
    eq(len(r.text.split("\r\n")), n + 2, "CSV lines")
    # a small answer is whole, with a Content-Length
    r = requests.post(url, data="SELECT count(*) FROM big", timeout=60)
    eq((r.headers.get("Content-Length"), r.json()["rows"]), (str(len(r.content)), [[n]]), "small answer")
    # HTTP/2 (curl, prior knowledge): streamed in DATA frames
    out = subprocess.run(["curl", "-sS", "-f", "--http2-prior-knowledge", url, "-d", "SELECT n, pad FROM big"],
                         capture_output=True, timeout=120)
    eq(out.returncode, 0, "curl HTTP/2: %s" % out.stderr)
    eq(len(json.loads(out.stdout)["rows"]), n, "HTTP/2 rows")


@test(server=False, weir_only="POST /sql is weir's")
def test_backpressure_cancel_and_kinesis():
    srv = start()
    n = 20000  # about 20 MB of JSON: far more than the server may hold for a client that does not read
    load_big(srv, n)
    pid = srv.proc.pid
    base = threads_of(pid)
    # a client that sends the query and does not read: the query waits for it (its thread stays)
    s = raw_request(srv.port, "SELECT n, pad FROM big", rcvbuf=65536)
    wait_threads(pid, base + 1, at_least=True)
    time.sleep(3)  # unbounded, the query would have finished (and its thread ended) long before this
    check(threads_of(pid) > base, "the query waits for the slow client")
    # meanwhile the Kinesis API answers at once
    c = srv.client()
    t0 = time.time()
    c.put_record(StreamName="big", Data=b'{"n": -1}', PartitionKey="k")
    eq(c.describe_stream_summary(StreamName="big")["StreamDescriptionSummary"]["OpenShardCount"], 1, "describe")
    check(time.time() - t0 < 2, "Kinesis calls took %.2fs while a SQL query waited" % (time.time() - t0))
    # reading it all gives the complete answer (the record put meanwhile is not in it: snapshot at start)
    s.settimeout(60)
    data = b""
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
        if data.endswith(b"\r\n0\r\n\r\n"):
            break
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    check(head.startswith(b"HTTP/1.1 200") and b"Transfer-Encoding: chunked" in head, "head %r" % head[:200])
    doc = json.loads(dechunk(rest))
    eq(len(doc["rows"]), n, "rows after the client caught up")
    wait_threads(pid, base)
    # a client that goes away cancels its query: the thread ends although nobody read the answer
    for i in range(3):
        s = raw_request(srv.port, "SELECT n, pad FROM big", rcvbuf=65536)
        wait_threads(pid, base + 1, at_least=True)
        if i == 1:
            s.recv(1000)  # some of it read first
        s.close()
        wait_threads(pid, base, timeout=20)
    # too many at once: the 17th gets 429 while 16 wait for their clients
    held = [raw_request(srv.port, "SELECT n, pad FROM big", rcvbuf=65536) for _ in range(16)]
    wait_threads(pid, base + 16, at_least=True)
    e = error(srv.port, "SELECT 1", status=429)
    eq(e["sqlstate"], "53300", "429 SQLSTATE")
    st, h, _ = post(srv.port, "SELECT 1")
    eq((st, h.get("retry-after")), (429, "1"), "Retry-After")
    for s in held:
        s.close()
    wait_threads(pid, base, timeout=30)
    eq(query(srv.port, "SELECT count(*) FROM big")["rows"], [[n + 1]], "server fine afterwards")
    # a query still running when the server stops is cancelled: SIGTERM, exit 0 (checked by the runner)
    held = [raw_request(srv.port, "SELECT n, pad FROM big", rcvbuf=65536) for _ in range(2)]
    wait_threads(pid, base + 2, at_least=True)
    eq(srv.stop(), 0, "exit status with queries running")
    for s in held:
        s.close()


@test(server=False, weir_only="POST /sql is weir's")
def test_error_after_rows_breaks_the_stream():
    srv = start()
    n = 3000
    load_big(srv, n)
    url = srv.endpoint + "/sql"
    bad = "SELECT n, pad, 1 / (n - 2500) AS boom FROM big"  # fails at the 2501st row, after ~2.5 MB
    # curl: exit 18 (partial file), the body ends with the error after the rows
    out = subprocess.run(["curl", "-sS", url, "-d", bad], capture_output=True, timeout=120)
    eq(out.returncode, 18, "curl exit status (stderr %r)" % out.stderr)
    tail = out.stdout[-300:].decode()
    check(re.search(r'\],"error":\{"sqlstate":"22012","message":"division by zero"\}\}\n$', tail),
          "JSON answer ends with the error: %r" % tail)
    check(out.stdout.startswith(b'{"columns":[{"name":"n","type":"integer"}'), "rows were streamed first")
    # requests: the transfer error surfaces
    try:
        r = requests.post(url, data=bad, timeout=120)
        r.content
        raise wt.TestFailure("requests read a broken response without an error (status %d)" % r.status_code)
    except requests.exceptions.ChunkedEncodingError:
        pass
    # CSV: broken off too
    out = subprocess.run(["curl", "-sS", url + "?format=csv", "-d", bad], capture_output=True, timeout=120)
    eq(out.returncode, 18, "curl CSV exit status")
    # HTTP/2: the stream is reset (curl: 92, HTTP/2 stream not closed cleanly)
    out = subprocess.run(["curl", "-sS", "--http2-prior-knowledge", url, "-d", bad], capture_output=True, timeout=120)
    check(out.returncode in (16, 92), "curl HTTP/2 exit status %d (%r)" % (out.returncode, out.stderr))
    # an error before 64 KiB of output is a plain 400
    e = error(srv.port, "SELECT n, 1 / (n - 3) FROM big")
    eq(e["sqlstate"], "22012", "early error")
    # and the connection-level break left the server fine
    eq(query(srv.port, "SELECT count(*) FROM big")["rows"], [[n]], "after the broken streams")


# ------------------------------------------------------------------------------------------------ docs

@test(server=False, weir_only="docs describe weir")
def test_docs_sql_http_examples():
    srv = start()
    text = open(DOCS, encoding="utf-8").read()
    blocks = re.findall(r"```(\w+)\n(.*?)```", text, flags=re.S)
    env = dict(os.environ)
    env.update(AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1", AWS_PAGER="",
               PATH="/usr/bin:/bin:" + env.get("PATH", ""))
    ran = checked = 0
    for i, (lang, body) in enumerate(blocks):
        if lang != "sh":
            continue
        script = "set -e\n" + body.replace("127.0.0.1:4567", "127.0.0.1:%d" % srv.port)
        r = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, "docs block %d failed (exit %d):\n%s\nstderr:\n%s" % (i, r.returncode, body,
                                                                                          r.stderr[-2000:]))
        ran += 1
        if i + 1 < len(blocks) and blocks[i + 1][0] == "text":
            eq(r.stdout.replace("\r\n", "\n"), blocks[i + 1][1], "output of docs block %d:\n%s" % (i, body))
            checked += 1
    check(ran >= 9 and checked == ran, "ran %d blocks, %d with outputs" % (ran, checked))


if __name__ == "__main__":
    wt.main()
