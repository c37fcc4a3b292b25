# PostgreSQL clients against weir's --pg-listen port while boto3 keeps writing to the stream under the
# table they query (tests/e2e/pgclients.py): psql (the command line, \dt and \d, errors with SQLSTATE),
# psycopg2 (types, parameters, transactions, consistency of counts with the writer's progress, cancel,
# a server-side cursor) and JDBC (tests/e2e/pgjdbc/PgJdbcTest.java, compiled here with javac against
# Debian's /usr/share/java/postgresql.jar).
# While weir cannot answer SQL every test prints SKIP with the reason (not a failure); E2E_SQL=0 turns
# them off.
# PGCLIENT_TARGET=postgres runs the same tests against a private PostgreSQL 15 with an ordinary table, to
# validate the tests themselves.
import datetime
import os
import re
import subprocess
import threading
import time

import pgclients
import pgtest
from pgclients import JDBC_JAR, Skip
from weirtest import check, eq

BACKEND = None


def backend():
    global BACKEND
    if BACKEND is None:
        BACKEND = pgclients.Backend().start()
    if BACKEND.skip_reason:
        raise Skip(BACKEND.skip_reason)
    return BACKEND


def psql(b, *args, input_=None):
    cmd = ["psql", "-X", "-h", b.host, "-p", str(b.port), "-U", b.user, "-d", b.database] + list(args)
    return subprocess.run(cmd, input=input_, capture_output=True, text=True, timeout=120, env=pgtest.psql_env())


def connect(b, autocommit=True):
    import psycopg2
    c = psycopg2.connect(**b.conn_kw())
    c.autocommit = autocommit
    return c


def bounded_count(b, cur, sql="SELECT count(*) FROM clicks"):
    """count(*) while the writer runs: at least what was acknowledged before, at most what was sent after."""
    _, acked = b.writer.counts()
    cur.execute(sql)
    n = cur.fetchone()[0]
    sent, _ = b.writer.counts()
    check(acked <= n <= sent, "count %d outside [acked before %d, sent after %d]" % (n, acked, sent))
    return n


# ---- psql ----
def test_psql_queries():
    b = backend()
    r = psql(b, "-A", "-t", "-c", "SELECT count(*) FROM clicks")
    eq(r.returncode, 0, "psql exit code (stderr %r)" % r.stderr)
    check(int(r.stdout.strip()) >= pgclients.PRELOAD, "count %r" % r.stdout)
    r = psql(b, "-A", "-F", ",", "-c", "SELECT status, count(*) FROM clicks WHERE bytes < 480 GROUP BY status ORDER BY status")
    eq(r.returncode, 0, "psql exit (stderr %r)" % r.stderr)
    lines = r.stdout.strip().split("\n")
    eq(lines[0], "status,count", "header")
    eq(lines[1:4], ["200,240", "301,80", "404,80"], "grouped counts over the first 480 rows")
    eq(lines[-1], "(4 rows)", "footer")
    # several statements in one -c string (simple query with more than one statement)
    r = psql(b, "-A", "-t", "-c", "SELECT 1; SELECT count(*) FROM clicks WHERE bytes < 10")
    eq(r.returncode, 0, "multi-statement exit (stderr %r)" % r.stderr)
    eq(r.stdout.split(), ["1", "10"], "multi-statement output")


def test_psql_describe():
    b = backend()
    r = psql(b, "-c", r"\dt")
    eq(r.returncode, 0, r"\dt exit (stderr %r)" % r.stderr)
    check(re.search(r"public\s*\|\s*clicks\s*\|\s*table", r.stdout), r"\dt output:\n" + r.stdout)
    r = psql(b, "-c", r"\d clicks")
    eq(r.returncode, 0, r"\d exit (stderr %r)" % r.stderr)
    for col, typ in (("user_id", "bigint"), ("url", "text"), ("ts", "timestamp with time zone"),
                     ("status", "integer"), ("bytes", "bigint")):
        check(re.search(r"^\s*%s\s*\|\s*%s\s*\|" % (col, re.escape(typ)), r.stdout, re.M),
              r"\d clicks lacks %s %s:\n%s" % (col, typ, r.stdout))


def test_psql_errors():
    b = backend()
    r = psql(b, "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-c", "SELECT no_such_column FROM clicks")
    eq(r.returncode, 1, "exit code on error")
    check('ERROR:  42703: column "no_such_column" does not exist' in r.stderr, "stderr: %r" % r.stderr)
    check("LINE 1: SELECT no_such_column FROM clicks" in r.stderr, "no position in %r" % r.stderr)
    r = psql(b, "-v", "ON_ERROR_STOP=1", input_="SELECT 1/0;\nSELECT 2;\n")
    eq(r.returncode, 3, "ON_ERROR_STOP exit code from a script")
    check("division by zero" in r.stderr, "stderr: %r" % r.stderr)
    check("2" not in r.stdout.split(), "psql went on after the error: %r" % r.stdout)


# ---- psycopg2 ----
def test_psycopg2_types_and_parameters():
    import psycopg2
    b = backend()
    c = connect(b)
    try:
        for k in ("server_version", "server_encoding", "client_encoding", "DateStyle", "TimeZone",
                  "integer_datetimes", "standard_conforming_strings"):
            check(c.get_parameter_status(k) is not None, "no ParameterStatus %s" % k)
        eq(c.get_parameter_status("client_encoding"), "UTF8", "client_encoding")
        eq(c.get_parameter_status("integer_datetimes"), "on", "integer_datetimes")
        check(c.server_version >= 90000, "server_version %r" % c.server_version)
        with c.cursor() as cur:
            cur.execute("SELECT user_id, url, ts, status, bytes FROM clicks WHERE bytes = %s", (42,))
            rows = cur.fetchall()
            eq([(d.name, d.type_code) for d in cur.description],
               [("user_id", 20), ("url", 25), ("ts", 1184), ("status", 23), ("bytes", 20)], "columns and type OIDs")
            eq(len(rows), 1, "rows for bytes = 42")
            uid, url, ts, status, nbytes = rows[0]
            eq((uid, url, status, nbytes), (42, "/p/0", 200, 42), "row 42")
            check(isinstance(ts, datetime.datetime) and ts.tzinfo is not None, "ts %r" % (ts,))
            check(abs((datetime.datetime.now(datetime.timezone.utc) - ts).total_seconds()) < 3600, "ts %r" % (ts,))
            cur.execute("SELECT count(*) FROM clicks WHERE url = %s AND bytes < %s AND status IN %s",
                        ("/p/3", 490, (404, 500)))
            eq(cur.fetchone()[0], sum(1 for i in range(490) if i % 7 == 3 and pgclients.STATUSES[i % 6] in (404, 500)),
               "count with parameters")
            cur.execute("SELECT %s::text AS s, %s::bigint AS n, %s::timestamptz AS t, %s::text IS NULL AS isnull",
                        ("it's \"quoted\" ünïcode", -7, datetime.datetime(2024, 3, 31, 1, 30, tzinfo=datetime.timezone.utc),
                         None))
            eq(cur.fetchone(), ("it's \"quoted\" ünïcode", -7,
                                datetime.datetime(2024, 3, 31, 1, 30, tzinfo=datetime.timezone.utc), True), "literals")
            try:
                cur.execute("SELECT no_such_column FROM clicks")
                check(False, "no error")
            except psycopg2.Error as e:
                eq(e.pgcode, "42703", "SQLSTATE")
                eq(e.diag.statement_position, "8", "error position")
            cur.execute("SELECT 1")
            eq(cur.fetchone(), (1,), "session after an error")
    finally:
        c.close()


def test_psycopg2_consistency_while_writing():
    b = backend()
    c = connect(b)
    try:
        with c.cursor() as cur:
            last = -1
            for _ in range(30):
                n = bounded_count(b, cur)
                check(n >= last, "count went down: %d -> %d" % (last, n))
                last = n
                time.sleep(0.03)
            sent0, _ = b.writer.counts()
            deadline = time.time() + 30
            while b.writer.counts()[1] < sent0 + 200 and time.time() < deadline:
                time.sleep(0.05)
            check(bounded_count(b, cur) > last, "no new rows seen while the writer wrote %d more" % 200)
            # aggregates over what the writer wrote agree with the rows it wrote
            _, acked = b.writer.counts()
            cur.execute("SELECT count(*), sum(bytes), min(bytes), max(bytes) FROM clicks WHERE bytes < %s", (acked,))
            eq(cur.fetchone(), (acked, acked * (acked - 1) // 2, 0, acked - 1), "count/sum/min/max over acked rows")
    finally:
        c.close()


def test_psycopg2_transactions():
    import psycopg2
    b = backend()
    c = connect(b, autocommit=False)  # psycopg2's default: BEGIN before the first statement
    try:
        with c.cursor() as cur:
            cur.execute("SELECT count(*) FROM clicks WHERE bytes < 100")
            eq(cur.fetchone()[0], 100, "count in a transaction")
            eq(c.info.transaction_status, psycopg2.extensions.TRANSACTION_STATUS_INTRANS, "in transaction")
            try:
                cur.execute("SELECT 1/0")
                check(False, "no error")
            except psycopg2.Error as e:
                eq(e.pgcode, "22012", "SQLSTATE")
            eq(c.info.transaction_status, psycopg2.extensions.TRANSACTION_STATUS_INERROR, "failed transaction")
            try:
                cur.execute("SELECT 1")
                check(False, "a failed transaction accepted a statement")
            except psycopg2.Error as e:
                eq(e.pgcode, "25P02", "SQLSTATE in a failed transaction")
        c.rollback()
        with c.cursor() as cur:
            cur.execute("SELECT count(*) FROM clicks WHERE bytes < 100")
            eq(cur.fetchone()[0], 100, "after ROLLBACK")
        c.commit()
        eq(c.info.transaction_status, psycopg2.extensions.TRANSACTION_STATUS_IDLE, "idle after COMMIT")
    finally:
        c.close()


def test_psycopg2_cancel():
    import psycopg2
    b = backend()
    c = connect(b)
    try:
        with c.cursor() as cur:
            t = threading.Timer(1.0, c.cancel)
            t.start()
            t0 = time.time()
            try:
                cur.execute("SELECT count(*) FROM clicks a, clicks b, clicks c WHERE a.bytes + b.bytes + c.bytes < 0")
                check(False, "the query finished before it was cancelled (%.1fs)" % (time.time() - t0))
            except psycopg2.Error as e:
                eq(e.pgcode, "57014", "SQLSTATE of a cancelled query")
            finally:
                t.cancel()
            check(time.time() - t0 < 30, "cancel took %.1fs" % (time.time() - t0))
            cur.execute("SELECT count(*) FROM clicks WHERE bytes < 5")
            eq(cur.fetchone()[0], 5, "session after cancel")
    finally:
        c.close()


def test_psycopg2_named_cursor():
    b = backend()
    c = connect(b, autocommit=False)
    try:
        with c.cursor(name="big") as cur:  # DECLARE big CURSOR ... / FETCH FORWARD 100 FROM big
            cur.itersize = 100
            cur.execute("SELECT bytes FROM clicks WHERE bytes < 450 ORDER BY bytes")
            got = [r[0] for r in cur]
        eq(got, list(range(450)), "rows through a server-side cursor")
        c.commit()
    finally:
        c.close()


# ---- JDBC ----
def test_jdbc():
    b = backend()
    with pgclients.jdbc_program("PgJdbcTest", "weir-jdbc-") as tmp:
        progress = os.path.join(tmp, "progress.json")
        b.writer.progress_path = progress
        b.writer._progress()
        try:
            url = "jdbc:postgresql://%s:%d/%s?sslmode=disable" % (b.host, b.port, b.database)
            r = subprocess.run(["java", "-cp", tmp + ":" + JDBC_JAR, "PgJdbcTest", url, b.user, progress],
                               capture_output=True, text=True, timeout=300)
        finally:
            b.writer.progress_path = None
        print("  " + r.stdout.strip().replace("\n", "\n  "))
        eq(r.returncode, 0, "PgJdbcTest exit code (stderr %r)" % r.stderr[-2000:])
        check("jdbc: all checks passed" in r.stdout, "PgJdbcTest did not finish")


TESTS = [(f.__name__, f) for f in (test_psql_queries, test_psql_describe, test_psql_errors,
                                   test_psycopg2_types_and_parameters, test_psycopg2_consistency_while_writing,
                                   test_psycopg2_transactions, test_psycopg2_cancel, test_psycopg2_named_cursor,
                                   test_jdbc)]

def cleanup():
    return BACKEND.stop() if BACKEND is not None else []


if __name__ == "__main__":
    import sys
    sys.exit(pgclients.run_tests(TESTS, cleanup=cleanup))
