# The PostgreSQL protocol front end of the real `weir server` binary (--pg-listen), from the wire up:
#   - the same scripted exchange of raw protocol messages sent to a private PostgreSQL 15 and to weir,
#     the answers compared message by message (startup, extended protocol state machine, errors);
#   - malformed input on raw sockets (bad lengths, unknown types, truncated packets, protocol 2, SSL and
#     GSS requests answered 'N'), each ending in FATAL 08P01 (or the documented answer), server unharmed;
#   - the session limit (FATAL 53300), CancelRequest routing, cancelling long evaluations (57014) and
#     results over 1 GB (54000 at once), clients that vanish mid-result, shutdown with sessions open
#     (FATAL 57P01, exit 0, no sanitizer report);
#   - psql, psycopg2 and pgbench -M extended as clients; `weir sql` (-c, -f, stdin, URI, exit codes);
#   - --pg-listen none and bad values.
# Every weir server is stopped with SIGTERM and must exit 0 with no ASan/UBSan report (weirtest).
import os
import re
import socket
import struct
import subprocess
import tempfile
import threading
import time

import pgtest
import weirtest
from weirtest import TestFailure, check, eq, main, managed, test

PROTO = 196608


# ---------------------------------------------------------------- raw protocol helpers

def msg(t, body=b""):
    return t + struct.pack("!i", len(body) + 4) + body


def cstr(s):
    return (s.encode() if isinstance(s, str) else s) + b"\0"


def startup(params, ver=PROTO):
    body = struct.pack("!i", ver) + b"".join(cstr(k) + cstr(v) for k, v in params.items()) + b"\0"
    return struct.pack("!i", len(body) + 4) + body


def parse(name, q, oids=()):
    return msg(b"P", cstr(name) + cstr(q) + struct.pack("!h", len(oids)) + b"".join(struct.pack("!I", o) for o in oids))


def bind(portal, stmt, pfmts=(), params=(), rfmts=()):
    b = cstr(portal) + cstr(stmt) + struct.pack("!h", len(pfmts)) + b"".join(struct.pack("!h", f) for f in pfmts)
    b += struct.pack("!h", len(params))
    for p in params:
        b += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    b += struct.pack("!h", len(rfmts)) + b"".join(struct.pack("!h", f) for f in rfmts)
    return msg(b"B", b)


def execute(portal, n=0):
    return msg(b"E", cstr(portal) + struct.pack("!i", n))


def describe(kind, name):
    return msg(b"D", kind + cstr(name))


def close(kind, name):
    return msg(b"C", kind + cstr(name))


def query(q):
    return msg(b"Q", cstr(q))


SYNC, FLUSH, TERM = msg(b"S"), msg(b"H"), msg(b"X")


class Wire:
    """A raw client connection that reads whole backend messages."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.s.sendall(data)

    def _fill(self, timeout):
        self.s.settimeout(timeout)
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def raw(self, n, timeout=10):
        while len(self.buf) < n and not self.eof:
            if not self._fill(timeout):
                break
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def messages(self, until=b"Z", timeout=10):
        """Whole messages up to and including the first of type `until` (None: until EOF or quiet)."""
        out = []
        deadline = time.time() + timeout
        while True:
            while len(self.buf) >= 5:
                n = struct.unpack("!i", self.buf[1:5])[0]
                if len(self.buf) < 1 + n:
                    break
                t, body, self.buf = self.buf[:1], self.buf[5:1 + n], self.buf[1 + n:]
                out.append((t, body))
                if until is not None and t == until:
                    return out
            if self.eof or time.time() > deadline:
                return out
            # until None: the answer is complete once the server has been quiet for a moment
            got = self._fill(min(0.3, max(0.05, deadline - time.time())) if until is None
                             else deadline - time.time())
            if until is None and not got and not self.buf:
                return out

    def wait_eof(self, timeout=10):
        deadline = time.time() + timeout
        while not self.eof and time.time() < deadline:
            self._fill(deadline - time.time())
        return self.eof

    def close(self):
        self.s.close()


def fields(body):
    """ErrorResponse/NoticeResponse fields as a dict."""
    return {chr(f[0]): f[1:].decode() for f in body.split(b"\0") if f}


def summary(msgs, drop=("F", "L", "R", "W")):
    """Comparable text of backend messages: values that differ by server (pid/key, version, zone) elided."""
    out = []
    for t, body in msgs:
        if t in (b"E", b"N"):
            f = fields(body)
            out.append("%s %s" % (t.decode(), " ".join("%s=%s" % (k, v) for k, v in f.items() if k not in drop)))
        elif t == b"K":
            out.append("K")
        elif t == b"S":
            name, value = body.split(b"\0")[:2]
            if name in (b"server_version", b"TimeZone", b"session_authorization"):
                value = b"*"
            out.append("S %s=%s" % (name.decode(), value.decode()))
        else:
            out.append("%s %r" % (t.decode(), body))
    return out


def pg_server(extra=(), name="pgwire"):
    return weirtest.managed_pg(name, extra)


def session(port, params=None):
    w = Wire(port)
    w.send(startup(params or {"user": "tester", "database": "db"}))
    got = w.messages()
    check(got and got[-1] == (b"Z", b"I"), "startup did not end in ReadyForQuery: %r" % got)
    return w, got


def psql(port, *args, input_=None, env_extra=None):
    env = pgtest.psql_env()
    env.update(env_extra or {})
    cmd = ["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", "tester", "-d", "db"] + list(args)
    return subprocess.run(cmd, input=input_, capture_output=True, text=True, timeout=120, env=env)


def weir_sql(*args, input_=None):
    env = pgtest.psql_env()
    env.pop("PGHOST", None)
    env.pop("PGPORT", None)
    return subprocess.run([weirtest.WEIR_BIN, "sql"] + list(args), input=input_, capture_output=True, text=True,
                          timeout=120, env=env)


# ---------------------------------------------------------------- against PostgreSQL 15

# Steps whose answers depend only on the protocol layer (queries are constant SELECTs, SET and SHOW, which
# weir's engine and PostgreSQL answer alike). Each step is sent whole and the answer read until the
# connection is quiet.
DIFF_STEPS = [
    ("named portal, row limit", parse("s1", "select 1 as a") + bind("p1", "s1") + execute("p1", 1) + execute("p1", 1) + SYNC),
    ("portal gone after Sync", execute("p1") + SYNC),
    ("duplicate statement", parse("s1", "select 1") + SYNC),
    ("bind: no such statement", bind("", "nosuch") + SYNC),
    ("bind: no unnamed statement", bind("", "") + SYNC),
    ("describe: no statement", describe(b"S", "nosuch") + SYNC),
    ("describe: no portal", describe(b"P", "nosuch") + SYNC),
    ("describe: bad kind", describe(b"X", "") + SYNC),
    ("execute: no portal", execute("nosuch") + SYNC),
    ("parse: two statements", parse("", "select 1; select 2") + SYNC),
    ("empty query, extended", parse("", "") + bind("", "") + describe(b"S", "") + describe(b"P", "") + execute("") + SYNC),
    ("bind: too few params", parse("", "select $1::int") + bind("", "", (), ()) + SYNC),
    ("bind: format count", parse("", "select $1::int") + bind("", "", (0, 0), (b"1",)) + SYNC),
    ("bind: bad format", parse("", "select $1::int") + bind("", "", (5,), (b"1",)) + SYNC),
    ("bind: result formats", parse("", "select $1::int, 2") + bind("", "", (), (b"1",), (0, 0, 0)) + SYNC),
    ("execute: bad result format", parse("", "select $1::int, 2") + bind("", "", (), (b"1",), (7,)) + execute("") + SYNC),
    ("describe and binary results", parse("", "select $1::int as x, 2::int8 as y, 'z'::text as z")
     + describe(b"S", "") + bind("", "", (), (b"5",), (1, 0, 1)) + describe(b"P", "") + execute("") + SYNC),
    ("binary parameter", parse("", "select $1::int + 1 as n", (23,)) + bind("", "", (1,), (b"\0\0\0\x29",)) + execute("") + SYNC),
    ("duplicate portal", parse("", "select 1") + bind("pp", "") + bind("pp", "") + SYNC),
    ("close", close(b"S", "nosuch") + close(b"P", "nosuch") + close(b"Z", "x") + SYNC),
    ("empty simple queries", query("")),
    ("only semicolons", query(";;")),
    ("error mid simple query", query("select 1; select x; select 2")),
    ("settings reported once", query("set datestyle=sql,dmy; set application_name='abc'; set application_name='abd'")),
    ("unchanged setting not reported", query("set application_name='abd'")),
    ("copy messages ignored", msg(b"d", b"xx") + msg(b"c") + msg(b"f", b"x\0") + query("select 1")),
    ("no output before flush", parse("", "select 1") + bind("", "") + execute("")),
    ("flush", FLUSH),
    ("sync", SYNC),
    ("invalid utf-8 query", msg(b"Q", b"select 1 \xff\0")),
    ("sync with a body", msg(b"S", b"x")),
    ("invalid utf-8 text parameter", parse("", "select $1::text") + bind("", "", (), (b"\xff",)) + SYNC),
    ("show after reported set", query("show application_name")),
    # statements at the edges (issue 3 robustness): no columns, parameter types, nesting, huge results
    ("no columns, simple", query("select; select from (values (1), (2)) v; select union all select")),
    ("no columns, extended", parse("", "select where $1::int > 0") + describe(b"S", "") + bind("", "", (), (b"1",))
     + describe(b"P", "") + execute("") + SYNC),
    ("parameter deduced two ways", parse("", "select $1 || + $1") + SYNC),
    ("parameter types from Parse kept at Bind", parse("", "select + $1 as a, abs($1) as b, $1::text as c")
     + describe(b"S", "") + bind("", "", (), (b"-2.5",)) + describe(b"P", "") + execute("") + SYNC),
    ("stack depth limit", query("select " + "+" * 6000 + "1"), b"Z"),
    ("session fine after it", query("select 1 as one")),
    # (a computed length: PostgreSQL folds constant calls while planning, so its error would come before
    # the RowDescription weir sends)
    ("requested length too large", query("select repeat('x', n) from generate_series(2000000000, 2000000000) n")),
    ("unknown message type", msg(b"Z")),
]


def run_diff_script(port, user):
    w, hello = session(port, {"user": user, "database": "postgres", "application_name": "probe"})
    answers = [summary(hello)]
    for step in DIFF_STEPS:
        # (a third item: read up to that message, for an answer slower than the quiet period)
        w.send(step[1])
        answers.append(summary(w.messages(until=step[2] if len(step) > 2 else None, timeout=5)))
    w.close()
    return answers


@test(server=False)
def test_protocol_matches_postgres():
    pg = pgtest.PgCluster("pgwire")
    try:
        pg.start()
        want = run_diff_script(pg.port, pg.user)
    finally:
        pg.stop()
    s = pg_server()
    got = run_diff_script(s.pg_port, pg.user)
    diffs = []
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            label = "startup" if i == 0 else DIFF_STEPS[i - 1][0]
            diffs.append("%s:\n    postgres: %s\n    weir:     %s" % (label, w, g))
    check(not diffs, "answers differ from PostgreSQL 15 in %d of %d steps:\n  %s"
          % (len(diffs), len(want), "\n  ".join(diffs)))


# ---------------------------------------------------------------- malformed input

@test(server=False)
def test_malformed_input():
    s = pg_server()
    port = s.pg_port

    def fatal(w, code, text):
        got = w.messages(until=None, timeout=5)
        errs = [fields(b) for t, b in got if t == b"E"]
        check(errs, "expected an ErrorResponse, got %r" % got)
        eq((errs[-1].get("S"), errs[-1].get("C"), errs[-1].get("M")), ("FATAL", code, text), "error")
        check(w.wait_eof(), "the server should close the connection")
        w.close()

    for start in (struct.pack("!ii", 4, 0), struct.pack("!ii", 10001, PROTO)):
        w = Wire(port)
        w.send(start)
        fatal(w, "08P01", "invalid length of startup packet")
    w = Wire(port)
    w.send(struct.pack("!i", 21) + struct.pack("!i", PROTO) + b"user\0tester\0x")
    fatal(w, "08P01", "invalid startup packet layout: expected terminator as last byte")
    w = Wire(port)
    w.send(startup({"database": "db"}))
    fatal(w, "28000", "no PostgreSQL user name specified in startup packet")
    w = Wire(port)
    w.send(startup({"user": "tester"}, ver=4 << 16))
    fatal(w, "0A000", "unsupported frontend protocol 4.0: server supports 3.0 to 3.0")
    w = Wire(port)
    w.send(startup({"user": "tester"}, ver=2 << 16))
    check(w.wait_eof(), "protocol 2: the server should close")
    eq(w.buf, b"EFATAL:  unsupported frontend protocol 2.0: server supports 3.0 to 3.0\n\0", "protocol 2 answer")
    w.close()
    # SSLRequest and GSSENCRequest are refused with 'N'; the client then goes on in the clear
    for codes in ((80877103,), (80877104, 80877103)):
        w = Wire(port)
        for code in codes:
            w.send(struct.pack("!ii", 8, code))
            eq(w.raw(1), b"N", "answer to request %d" % code)
        w.send(startup({"user": "tester"}))
        check(w.messages()[-1] == (b"Z", b"I"), "startup after 'N'")
        w.close()
    # bytes behind an SSLRequest, before its answer, are refused
    w = Wire(port)
    w.send(struct.pack("!ii", 8, 80877103) + startup({"user": "tester"}))
    eq(w.raw(1), b"N", "SSL answer")
    fatal(w, "08P01", "received unencrypted data after SSL request")
    # after startup: bad lengths, unknown types, a cut-short message
    for data, text in ((b"Q\0\0\0\x02", "invalid message length"),
                       (b"Q\x7f\xff\xff\xff", "invalid message length"),
                       (b"S\0\0\x30\x00", "invalid message length"),
                       (msg(b"Z"), "invalid frontend message type 90"),
                       (msg(b"\x01", b"abc"), "invalid frontend message type 1")):
        w, _ = session(port)
        w.send(data)
        fatal(w, "08P01", text)
    w, _ = session(port)
    w.send(b"Q\0\0\0\x10sel")
    w.s.shutdown(socket.SHUT_WR)
    fatal(w, "08P01", "unexpected EOF within message")
    # bodies that do not parse are ERRORs, and the session goes on
    w, _ = session(port)
    w.send(msg(b"Q", b"select 1") + msg(b"B", b"\0") + SYNC + msg(b"E", b"p\0\0") + SYNC + query("select 1 as ok"))
    got = w.messages(until=None, timeout=3)
    errs = [fields(b)["M"] for t, b in got if t == b"E"]
    eq(errs, ["invalid string in message", "invalid string in message", "insufficient data left in message"],
       "errors for malformed bodies")
    check((b"D", b"\0\x01\0\0\0\x011") in got, "the session still answers: %r" % got)
    w.send(TERM)
    check(w.wait_eof(), "Terminate closes")
    w.close()
    # and the server is still fine for everyone else
    r = psql(port, "-Atc", "select 41 + 1")
    eq((r.returncode, r.stdout.strip()), (0, "42"), "psql after malformed input: " + r.stderr)


# ---------------------------------------------------------------- limits, cancel, disconnects, shutdown

@test(server=False)
def test_too_many_clients():
    import psycopg2
    s = pg_server(["--pg-max-connections", "2"])
    kw = dict(host="127.0.0.1", port=s.pg_port, user="tester", dbname="db", connect_timeout=10)
    a = psycopg2.connect(**kw)
    b = psycopg2.connect(**kw)
    try:
        psycopg2.connect(**kw)
        raise TestFailure("a third session should be refused")
    except psycopg2.OperationalError as e:
        check("sorry, too many clients already" in str(e), "refusal message: %s" % e)
    # a cancel request still gets through at the limit (here for an idle session: nothing to cancel)
    a.cancel()
    a.close()
    deadline = time.time() + 10
    while True:
        try:
            c = psycopg2.connect(**kw)
            break
        except psycopg2.OperationalError:
            check(time.time() < deadline, "the slot of a closed session was not freed")
            time.sleep(0.1)
    with c.cursor() as cur:
        cur.execute("select 1")
        eq(cur.fetchone(), (1,), "new session works")
    c.close()
    b.close()


@test(server=False)
def test_cancel_routing():
    s = pg_server()
    w, hello = session(s.pg_port)
    pid, key = struct.unpack("!ii", [b for t, b in hello if t == b"K"][0])
    # wrong keys and unknown pids: silently closed, the session unharmed
    for p, k in ((pid, key + 1), (pid + 7777, key), (pid, key)):
        c = Wire(s.pg_port)
        c.send(struct.pack("!iiii", 16, 80877102, p, k))
        check(c.wait_eof(), "a cancel request connection is closed")
        eq(c.buf, b"", "nothing is ever answered to a cancel request")
        c.close()
    w.send(query("select 7 as n"))
    got = w.messages()
    check((b"D", b"\0\x01\0\0\0\x017") in got, "session after cancel requests: %r" % got)
    w.close()


@test(server=False)
def test_clients_vanish():
    s = pg_server()
    for i in range(20):
        w, _ = session(s.pg_port)
        if i % 2:
            w.send(parse("", "select %d as n" % i) + bind("", "") + execute("") + SYNC + query("select 'x'"))
        else:
            w.send(b"Q\0\0\0\x40select")  # cut short, then gone
        w.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        w.close()
    r = psql(s.pg_port, "-Atc", "select 1")
    eq((r.returncode, r.stdout.strip()), (0, "1"), "server after 20 vanished clients: " + r.stderr)


@test(server=False)
def test_shutdown_with_sessions():
    import psycopg2
    s = pg_server()
    c = psycopg2.connect(host="127.0.0.1", port=s.pg_port, user="tester", dbname="db", connect_timeout=10)
    w, _ = session(s.pg_port)
    t0 = time.time()
    rc = s.stop()
    eq(rc, 0, "exit status after SIGTERM with sessions open")
    check(time.time() - t0 < 15, "shutdown took %.1fs" % (time.time() - t0))
    got = w.messages(until=None, timeout=3)
    errs = [fields(b) for t, b in got if t == b"E"]
    check(errs and errs[-1]["C"] == "57P01" and errs[-1]["S"] == "FATAL",
          "sessions are told why they end: %r" % got)
    eq(errs[-1]["M"], "terminating connection due to administrator command", "message")
    w.close()
    try:
        with c.cursor() as cur:
            cur.execute("select 1")
        raise TestFailure("the query after shutdown should fail")
    except psycopg2.Error as e:
        check("terminating connection" in str(e) or "closed" in str(e), "psycopg2 error: %s" % e)
    c.close()


# ---------------------------------------------------------------- real clients

@test(server=False)
def test_psql():
    s = pg_server()
    r = psql(s.pg_port, "-c", "select 1 as a, 'x' as b")
    eq((r.returncode, r.stdout), (0, " a | b \n---+---\n 1 | x\n(1 row)\n\n"), "psql output (stderr %r)" % r.stderr)
    r = psql(s.pg_port, "-v", "VERBOSITY=verbose", "-c", "select 1/0")
    eq(r.returncode, 1, "psql exit status on error")
    check("ERROR:  22012: division by zero" in r.stderr, "psql error: %r" % r.stderr)
    r = psql(s.pg_port, "-Atc", "show application_name")
    eq(r.stdout.strip(), "psql", "application_name from the startup packet")
    r = psql(s.pg_port, "-At", input_="set datestyle = german;\nshow datestyle;\nreset datestyle;\nshow datestyle;\n")
    eq(r.stdout.split(), ["SET", "German,", "DMY", "RESET", "ISO,", "MDY"], "SET/RESET/SHOW: " + r.stderr)
    # a setting in PGOPTIONS goes through the startup packet; a bad one is a FATAL at connection time
    r = psql(s.pg_port, "-Atc", "show extra_float_digits", env_extra={"PGOPTIONS": "-c extra_float_digits=2"})
    eq(r.stdout.strip(), "2", "PGOPTIONS setting: " + r.stderr)
    r = psql(s.pg_port, "-Atc", "select 1", env_extra={"PGOPTIONS": "-c no_such_setting=1"})
    check(r.returncode == 2 and 'unrecognized configuration parameter "no_such_setting"' in r.stderr,
          "bad PGOPTIONS: %d %r" % (r.returncode, r.stderr))


@test(server=False)
def test_cancel_long_evaluation():
    """Cancel requests stop long evaluations (series of billions of rows, an aggregate growing over them,
    a function per row) within seconds; what would exceed 1 GB fails at once instead of running."""
    import psycopg2
    s = pg_server()
    c = psycopg2.connect(host="127.0.0.1", port=s.pg_port, user="tester", dbname="db", connect_timeout=10)
    c.autocommit = True
    try:
        for q in ("SELECT count(*) FROM generate_series(1, 100000000000)",
                  "SELECT length(string_agg(repeat('x', 10), ',')) FROM generate_series(1, 1000000000)",
                  "SELECT sum(length(lpad(md5(n::text), 1000, 'ab'))) FROM generate_series(1, 1000000000) n"):
            t = threading.Timer(0.5, c.cancel)
            t.start()
            t0 = time.time()
            try:
                with c.cursor() as cur:
                    cur.execute(q)
                raise TestFailure("%s finished before it was cancelled (%.1fs)" % (q, time.time() - t0))
            except psycopg2.Error as e:
                eq(e.pgcode, "57014", "SQLSTATE of the cancelled %s" % q)
            finally:
                t.cancel()
            check(time.time() - t0 < 10, "cancelling %s took %.1fs" % (q, time.time() - t0))
        for q in ("SELECT repeat('x', n) FROM generate_series(2000000000, 2000000000) n",
                  "SELECT lpad('x', n, 'ab') FROM generate_series(2000000000, 2000000000) n"):
            t0 = time.time()
            try:
                with c.cursor() as cur:
                    cur.execute(q)
                raise TestFailure("%s succeeded" % q)
            except psycopg2.Error as e:
                eq(e.pgcode, "54000", "SQLSTATE of %s" % q)
            check(time.time() - t0 < 5, "%s took %.1fs to fail" % (q, time.time() - t0))
        with c.cursor() as cur:
            cur.execute("SELECT length(repeat('', 2000000000)), length(repeat('ab', 400000000))")
            eq(cur.fetchone(), (0, 800000000), "repeat at the edges")
    finally:
        c.close()


@test(server=False)
def test_psycopg2():
    import psycopg2
    import psycopg2.extensions
    s = pg_server()
    c = psycopg2.connect(host="127.0.0.1", port=s.pg_port, user="tester", dbname="db", connect_timeout=10,
                         application_name="e2e", options="-c IntervalStyle=sql_standard -c DateStyle=SQL,DMY")
    eq(c.server_version // 10000, 15, "server_version")
    eq(c.get_parameter_status("IntervalStyle"), "sql_standard", "IntervalStyle from options")
    # psycopg2 sets DateStyle to ISO itself when the server reports another style (keeping the order)
    eq(c.get_parameter_status("DateStyle"), "ISO, DMY", "DateStyle after psycopg2's own SET")
    eq(c.get_parameter_status("application_name"), "e2e", "application_name")
    eq(c.get_parameter_status("client_encoding"), "UTF8", "client_encoding")
    eq(c.get_parameter_status("integer_datetimes"), "on", "integer_datetimes")
    check(c.get_backend_pid() > 0, "backend pid")
    with c.cursor() as cur:
        cur.execute("select %s + 1 as n, %s as t, %s as f, %s as b, %s as z", (41, "héllo", 1.5, True, None))
        eq(cur.fetchone(), (42, "héllo", 1.5, True, None), "values")
        eq([d[1] for d in cur.description], [23, 25, 1700, 16, 25], "type OIDs")
        eq([d[0] for d in cur.description], ["n", "t", "f", "b", "z"], "names")
        cur.execute("set application_name = 'changed'")
        eq(c.get_parameter_status("application_name"), "changed", "ParameterStatus after SET")
    c.rollback()
    with c.cursor() as cur:
        try:
            cur.execute("select 1/0")
            raise TestFailure("1/0 should fail")
        except psycopg2.Error as e:
            eq(e.pgcode, "22012", "SQLSTATE")
            eq(c.get_transaction_status(), psycopg2.extensions.TRANSACTION_STATUS_INERROR, "failed transaction")
    c.rollback()
    c.set_client_encoding("SQL_ASCII")
    eq(c.get_parameter_status("client_encoding"), "SQL_ASCII", "client_encoding change")
    try:
        c.set_client_encoding("LATIN1")
        raise TestFailure("LATIN1 should be refused")
    except psycopg2.Error as e:
        eq(e.pgcode, "0A000", "unsupported client encoding")
    c.close()


@test(server=False)
def test_pgbench_extended():
    s = pg_server()
    script = tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False)
    script.write("\\set a random(1, 1000)\nselect :a + 1 as n, 'x' as t;\n")
    script.close()
    try:
        for mode in ("extended", "prepared"):
            r = subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(s.pg_port), "-U", "tester", "-n",
                                "-M", mode, "-f", script.name, "-t", "50", "-c", "4", "db"],
                               capture_output=True, text=True, timeout=300, env=pgtest.psql_env())
            check(r.returncode == 0, "pgbench -M %s failed:\n%s\n%s" % (mode, r.stdout, r.stderr))
            check("number of transactions actually processed: 200/200" in r.stdout, r.stdout)
            check("number of failed transactions: 0 " in r.stdout, r.stdout)
    finally:
        os.unlink(script.name)


@test(server=False)
def test_weir_sql():
    s = pg_server()
    port = str(s.pg_port)
    r = weir_sql("-p", port, "-c", "select 1 as a, 'hello' as bb, 2.5 as c, null as d")
    eq((r.returncode, r.stdout), (0, " a |  bb   |  c  | d \n---+-------+-----+---\n 1 | hello | 2.5 | \n(1 row)\n\n"),
       "aligned output (stderr %r)" % r.stderr)
    # the same bytes as psql prints, including multi-line values
    for q in ("select 'a\nbc' as x, 1 as y", "select 1 as y, 'a\nbc' as x", "select 'é' as x, 'abc' as \"é\"",
              "set application_name = 'x'"):
        a = weir_sql("-p", port, "-c", q)
        b = psql(s.pg_port, "-c", q)
        eq((a.returncode, a.stdout), (b.returncode, b.stdout), "weir sql vs psql for %r" % q)
    r = weir_sql("-p", port, "-c", "select 1; select x; select 2")
    eq(r.returncode, 1, "exit status when a statement fails")
    check("ERROR:  column \"x\" does not exist" in r.stderr and "LINE 1:" in r.stderr, r.stderr)
    eq(r.stdout.count("(1 row)"), 1, "the error ends the query string: %r" % r.stdout)
    # a script: statements split at top-level ';' only, over several lines
    script = "select 'a;b' as s;\nselect\n  1 as n -- ; in a comment\n;\n/* ; */ select $$;$$ as d;\n"
    r = weir_sql("-p", port, input_=script)
    eq(r.returncode, 0, "script from stdin: " + r.stderr)
    eq(re.findall(r"\(1 row\)", r.stdout), ["(1 row)"] * 3, "three results: %r" % r.stdout)
    check(" a;b" in r.stdout and " ;" in r.stdout, r.stdout)
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("select 40 + 2 as answer;\n\\timing off\nselect oops;\n")
    try:
        r = weir_sql("-p", port, "-f", f.name)
        eq(r.returncode, 1, "-f with a failing statement")
        check(" answer \n--------\n     42\n" in r.stdout and "Timing is off." in r.stdout, r.stdout)
    finally:
        os.unlink(f.name)
    r = weir_sql("postgresql://tester@127.0.0.1:%s/db" % port, "-c", "\\conninfo")
    eq(r.returncode, 0, "URI: " + r.stderr)
    check('database "db" as user "tester"' in r.stdout and 'port "%s"' % port in r.stdout, r.stdout)
    r = weir_sql("-p", str(weirtest.free_port()), "-c", "select 1")
    eq(r.returncode, 2, "exit status when the server cannot be reached")
    check("weir sql:" in r.stderr, r.stderr)


@test(server=False)
def test_pg_listen_options():
    srv = managed(args=["--pg-listen", "none"], name="pg-none")
    srv.start()
    check("PostgreSQL protocol" not in srv.log(), "--pg-listen none starts no listener:\n" + srv.log())
    for bad in ("nonsense", "127.0.0.1:99999"):
        r = subprocess.run([weirtest.WEIR_BIN, "server", "--data", tempfile.mkdtemp(prefix="weir-e2e-pg-"),
                            "--listen", "127.0.0.1:0", "--pg-listen", bad], capture_output=True, text=True, timeout=60)
        eq(r.returncode, 2, "--pg-listen %s" % bad)
        check("--pg-listen must be ADDR:PORT or none" in r.stderr, r.stderr)
    # an address given explicitly that is taken is an error; the default one is only a warning
    taken = pg_server(name="pg-taken")
    r = subprocess.run([weirtest.WEIR_BIN, "server", "--data", tempfile.mkdtemp(prefix="weir-e2e-pg-"),
                        "--listen", "127.0.0.1:0", "--pg-listen", "127.0.0.1:%d" % taken.pg_port],
                       capture_output=True, text=True, timeout=60)
    eq(r.returncode, 1, "explicit --pg-listen in use")
    check("cannot listen on" in r.stderr, r.stderr)


if __name__ == "__main__":
    main()
