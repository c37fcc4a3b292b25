# pgclients.py: the backend for the PostgreSQL client tests (test_pg_clients.py, test_pg_node.mjs and
# the JDBC program in pgjdbc/): a server with a table "clicks" and a writer that keeps adding rows to it
# while the clients query.
#
#   weir (default)      weir with --pg-listen; a 2-shard stream "clicks" that a boto3 thread writes JSON
#                       records to (PutRecords of 50) and CREATE TABLE clicks (...) WITH (stream = 'clicks',
#                       format = 'json') over it. E2E_SQL=0 turns these tests off (skip_reason).
#   postgres            PGCLIENT_TARGET=postgres: a private PostgreSQL 15 with an ordinary table "clicks"
#                       that a psycopg2 thread INSERTs the same rows into. This validates the client tests
#                       themselves against the real thing.
#
# Writer progress (for the consistency checks: a query must see every row acknowledged before it began
# and nothing not yet sent when it ended): `sent` counts rows handed to the server (incremented before the
# request), `acked` rows acknowledged (after the answer). Row i has user_id i % 100, bytes i, status from a
# fixed list, url "/p/<i % 7>", ts the time it was written.
#
# CLI for clients in other languages: `python3 pgclients.py serve` prints one JSON line, either
# {"skip": reason} or {"host", "port", "user", "database", "progress": path to a JSON file {sent, acked,
# stopped}}, then serves until its stdin closes, stops everything and prints {"problems": [...]} (a non-zero
# weir exit or a sanitizer report). "stop-writer" on stdin stops the writer early (the file then has
# "stopped": true and final counts).
import contextlib
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import pgtest
import weirtest

TARGET = os.environ.get("PGCLIENT_TARGET", "weir")
# On by default (`make test` runs them); E2E_SQL=0 turns them off, and then every test prints SKIP with
# the reason.
ENABLED = os.environ.get("E2E_SQL", "1") not in ("", "0")
PRELOAD = 500
BATCH = 50
STATUSES = [200, 200, 200, 404, 500, 301]
COLUMNS = "user_id bigint, url text, ts timestamptz, status int, bytes bigint"
JDBC_JAR = "/usr/share/java/postgresql.jar"  # Debian's libpostgresql-jdbc-java


def row(i):
    return {"user_id": i % 100, "url": "/p/%d" % (i % 7),
            "ts": datetime.datetime.now(datetime.timezone.utc).isoformat(),
            "status": STATUSES[i % len(STATUSES)], "bytes": i}


class Writer:
    """A thread that keeps adding rows (batches of BATCH, every `pause` seconds) until stopped or `limit`."""

    def __init__(self, put_batch, limit=200000, pause=0.02, progress_path=None):
        self.put_batch = put_batch
        self.limit = limit
        self.pause = pause
        self.sent = 0
        self.acked = 0
        self.error = None
        self.progress_path = progress_path
        self.stop_flag = threading.Event()
        self.lock = threading.Lock()
        self.th = None

    def write_some(self, n):
        while n > 0:
            k = min(n, BATCH)
            rows = [row(self.sent + j) for j in range(k)]
            with self.lock:
                self.sent += k
            self._progress()
            self.put_batch(rows)
            with self.lock:
                self.acked += k
            self._progress()
            n -= k

    def counts(self):
        with self.lock:
            return self.sent, self.acked

    def _progress(self, stopped=False):
        path = self.progress_path  # read once: a test may clear it while the writer thread runs
        if not path:
            return
        sent, acked = self.counts()
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"sent": sent, "acked": acked, "stopped": stopped}, f)
        os.replace(tmp, path)

    def start(self):
        def loop():
            try:
                while not self.stop_flag.is_set() and self.sent < self.limit:
                    self.write_some(BATCH)
                    self.stop_flag.wait(self.pause)
            except Exception as e:  # noqa: BLE001 (reported by stop())
                self.error = e
        self.th = threading.Thread(target=loop, daemon=True)
        self.th.start()

    def stop(self):
        self.stop_flag.set()
        if self.th:
            self.th.join(timeout=60)
        self._progress(stopped=True)
        if self.error:
            err, self.error = self.error, None
            raise RuntimeError("writer failed: %s" % err)


class Backend:
    """Start with start(); skip_reason is set (and nothing runs) when weir cannot answer SQL."""

    def __init__(self, target=TARGET, progress_path=None):
        self.target = target
        self.progress_path = progress_path
        self.skip_reason = None
        self.pg = None
        self.w = None
        self.writer = None
        self._conn = None

    def start(self):
        if self.target == "postgres":
            self.pg = pgtest.PgCluster("clients").start()
            self.pg.createdb("weir")
            self.host, self.port, self.user, self.database = "127.0.0.1", self.pg.port, self.pg.user, "weir"
            self._conn = self.pg.connect("weir")
            with self._conn.cursor() as cur:
                cur.execute("CREATE TABLE clicks (%s)" % COLUMNS)
            put = self._put_postgres
        else:
            if weirtest.KINESALITE:
                self.skip_reason = "weir only (TARGET=kinesalite has no SQL)"
                return self
            if not ENABLED:
                self.skip_reason = "PostgreSQL client tests are off (E2E_SQL=0)"
                return self
            self.w = pgtest.start_weir_sql(name="pg-clients")
            self.host, self.port, self.user, self.database = "127.0.0.1", self.w.pg_port, "postgres", "weir"
            self.kinesis = self.w.server.client()
            weirtest.create_stream(self.kinesis, "clicks", shards=2)
            conn = self.w.connect()
            try:
                with conn.cursor() as cur:
                    cur.execute("CREATE TABLE clicks (%s) WITH (stream = 'clicks', format = 'json')" % COLUMNS)
            finally:
                conn.close()
            put = self._put_weir
        self.writer = Writer(put, progress_path=self.progress_path)
        self.writer.write_some(PRELOAD)
        self.writer.start()
        return self

    def _put_weir(self, rows):
        recs = [{"Data": json.dumps(r).encode(), "PartitionKey": "u%d" % r["user_id"]} for r in rows]
        res = weirtest.call_retry(self.kinesis.put_records, StreamName="clicks", Records=recs)
        if res.get("FailedRecordCount", 0):
            raise RuntimeError("PutRecords: %d records failed" % res["FailedRecordCount"])

    def _put_postgres(self, rows):
        with self._conn.cursor() as cur:
            cur.executemany("INSERT INTO clicks VALUES (%(user_id)s, %(url)s, %(ts)s, %(status)s, %(bytes)s)", rows)

    def conn_kw(self):
        return dict(host=self.host, port=self.port, user=self.user, dbname=self.database, connect_timeout=10)

    def stop(self):
        """Stop the writer and the servers; returns a list of problems."""
        problems = []
        try:
            if self.writer:
                self.writer.stop()
        except RuntimeError as e:
            problems.append(str(e))
        if self._conn is not None:
            self._conn.close()
        if self.w is not None:
            try:
                rc = self.w.stop()
                if rc != 0:
                    problems.append("weir exited with %s after SIGTERM; log tail:\n%s" % (rc, self.w.server.log_tail()))
                rep = self.w.server.sanitizer_report()
                if rep:
                    problems.append("sanitizer report:\n" + rep)
            finally:
                self.w.cleanup()
        if self.pg is not None:
            self.pg.stop()
        return problems


# ---- a tiny runner: PASS / FAIL / SKIP per test, then "N passed, N failed" ----
class Skip(Exception):
    pass


@contextlib.contextmanager
def jdbc_program(name, prefix):
    """Compile pgjdbc/<name>.java against JDBC_JAR into a new temp directory (its name starts with prefix)
    and yield that directory, which the program may also write to: `java -cp DIR:JDBC_JAR <name>` runs it.
    The directory is removed afterwards. Fails the test when javac, java or the driver is missing."""
    for tool in ("javac", "java"):
        weirtest.check(shutil.which(tool) is not None, "%s not found: install openjdk-17-jdk-headless" % tool)
    weirtest.check(os.path.exists(JDBC_JAR), "%s not found: install libpostgresql-jdbc-java" % JDBC_JAR)
    tmp = tempfile.mkdtemp(prefix=prefix)
    try:
        src = os.path.join(weirtest.HERE, "pgjdbc", name + ".java")
        r = subprocess.run(["javac", "-cp", JDBC_JAR, "-d", tmp, src], capture_output=True, text=True, timeout=300)
        weirtest.eq(r.returncode, 0, "javac (%s)" % r.stderr)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_tests(tests, argv=None, cleanup=None):
    """Run (name, fn) pairs; cleanup() (after the tests) returns problems, counted as one more failure."""
    argv = sys.argv[1:] if argv is None else argv
    only = [a for a in argv if not a.startswith("-")]
    passed = failed = skipped = 0
    for name, fn in tests:
        if only and not any(o in name for o in only):
            continue
        t0 = time.time()
        try:
            fn()
            passed += 1
            print("PASS %s (%.1fs)" % (name, time.time() - t0), flush=True)
        except Skip as e:
            skipped += 1
            print("SKIP %s (%s)" % (name, e), flush=True)
        except Exception as e:  # noqa: BLE001
            import traceback
            failed += 1
            print("FAIL %s (%.1fs)\n  %s" % (name, time.time() - t0,
                                           ("%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
                                           .replace("\n", "\n  ")), flush=True)
    if cleanup is not None:
        problems = cleanup()
        if problems:
            failed += 1
            print("FAIL server shutdown\n  %s" % "\n  ".join(problems).replace("\n", "\n  "), flush=True)
    if skipped:
        print("(%d skipped)" % skipped, flush=True)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


def serve():
    fd, progress = tempfile.mkstemp(prefix="weir-pgclients-", suffix=".json")
    os.close(fd)
    b = Backend(progress_path=progress)
    try:
        b.start()
    except Exception as e:  # noqa: BLE001
        print(json.dumps({"error": "%s: %s" % (type(e).__name__, e)}), flush=True)
        b.stop()
        return 1
    if b.skip_reason:
        print(json.dumps({"skip": b.skip_reason}), flush=True)
        b.stop()
        os.unlink(progress)
        return 0
    print(json.dumps({"host": b.host, "port": b.port, "user": b.user, "database": b.database,
                      "progress": progress, "target": b.target}), flush=True)
    problems = []
    for line in sys.stdin:
        if line.strip() == "stop-writer":
            try:
                b.writer.stop()
            except RuntimeError as e:
                problems.append(str(e))
            print(json.dumps({"stopped": True}), flush=True)
    problems += b.stop()
    os.unlink(progress)
    print(json.dumps({"problems": problems}), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        sys.exit(serve())
    print("usage: pgclients.py serve", file=sys.stderr)
    sys.exit(2)
