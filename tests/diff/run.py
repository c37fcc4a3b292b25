#!/usr/bin/python3
# tests/diff/run.py: the differential test. The same records go into PostgreSQL 15 (Debian's package,
# started here with initdb in a temp dir on a private port) and into weir, every query in
# tests/diff/queries.sql and tests/diff/windows.sql run on both, and the answers are compared row for row
# (a query may give PostgreSQL its own text for the same question: read_queries).
#
#   PostgreSQL  tables clicks and users, loaded with COPY from gen.py's dataset.
#   weir        a 4-shard stream "clicks" written with boto3 PutRecords (one JSON object per record), then
#               CREATE TABLE clicks (...) WITH (stream = 'clicks', format = 'json'); users from an NDJSON
#               file through CREATE TABLE users (...) WITH (file = '...', format = 'json').
#   --self      PostgreSQL against PostgreSQL: the second side is another database of the same cluster,
#               loaded in a shuffled order and queried with other planner settings (no hash aggregation
#               or hash joins, tiny work_mem). It must pass 100%; it is how the harness and the queries are
#               validated (an ORDER BY that does not fix the order, or a LIMIT over ties, fails there).
#
# Comparison: column count, names and type OIDs must match; rows are compared in order when the query
# has an ORDER BY at its top level, as multisets otherwise; float4/float8/numeric values match within a
# relative 1e-9 (NaN equals NaN); other values compare as PostgreSQL's text output. When PostgreSQL fails,
# the other side must fail with the same SQLSTATE (and vice versa). Each query runs in autocommit with a
# time limit (DIFF_QUERY_TIMEOUT, default 60 s; the query is cancelled). Prints each failure (the first
# DIFF_SHOW, default 20, in detail), then "N passed, N failed". When weir cannot answer SQL (no PostgreSQL
# port, the server did not start) the run says why and fails: `make test` runs it.
#
#   /usr/bin/python3 tests/diff/run.py [--self] [--records N] [--only SUBSTRING] [--queries FILE ...] [--list]
import argparse
import decimal
import math
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ next to the fixtures and helpers
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
sys.path.insert(0, HERE)

import gen  # noqa: E402

FLOAT_OIDS = {700, 701, 1700}
REL_TOL = 1e-9
QUERY_TIMEOUT = float(os.environ.get("DIFF_QUERY_TIMEOUT", "60"))
SHOW = int(os.environ.get("DIFF_SHOW", "20"))


PG_MARK = "-- postgres:"


def _query_text(lines):
    q = "\n".join(ln for ln in lines if not ln.lstrip().startswith("--")).strip()
    return q[:-1].rstrip() if q.endswith(";") else q


def read_queries(path):
    """Queries are separated by blank lines; lines starting with -- are comments; a trailing ; is dropped.
    A block may hold two texts asking the same question, split by a line `-- postgres:`: the one before
    runs on the side under test (weir), the one after on PostgreSQL (which has no tumble(), say). Returns
    [(line, text, postgres_text)], the two texts equal for ordinary blocks."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    out = []
    for lineno, block in _blocks(text):
        marks = [i for i, ln in enumerate(block) if ln.strip() == PG_MARK]
        if len(marks) > 1:
            raise SystemExit("%s:%d: more than one %r line in a query" % (path, lineno, PG_MARK))
        q = _query_text(block[:marks[0]] if marks else block)
        pq = _query_text(block[marks[0] + 1:]) if marks else q
        if marks and (not q or not pq):
            raise SystemExit("%s:%d: a %r line needs a query before and after it" % (path, lineno, PG_MARK))
        if q:
            out.append((lineno, q, pq))
    return out


def _blocks(text):
    cur, start = [], None
    for i, line in enumerate(text.split("\n"), 1):
        if line.strip() == "":
            if cur:
                yield start, cur
            cur, start = [], None
        else:
            if start is None:
                start = i
            cur.append(line)
    if cur:
        yield start, cur


def strip_parens(q):
    """The query with everything inside parentheses (and string literals) removed."""
    out, depth, i, n = [], 0, 0, len(q)
    while i < n:
        ch = q[i]
        if ch == "'":
            j = i + 1
            while j < n:
                if q[j] == "'" and (j + 1 >= n or q[j + 1] != "'"):
                    break
                j += 2 if q[j] == "'" else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0:
            out.append(ch)
        i += 1
    return "".join(out)


def is_ordered(q):
    return re.search(r"\border\s+by\b", strip_parens(q), re.I) is not None


# ------------------------------------------------------------------------------------------------
# Running a query on one side
# ------------------------------------------------------------------------------------------------
class Side:
    def __init__(self, name, conn):
        self.name = name
        self.conn = conn

    def run(self, q):
        """Returns ("ok", columns [(name, oid)], rows) or ("error", sqlstate, message)."""
        import psycopg2
        timer = threading.Timer(QUERY_TIMEOUT, self.conn.cancel)
        timer.start()
        try:
            with self.conn.cursor() as cur:
                cur.execute(q)
                cols = [(d.name, d.type_code) for d in cur.description] if cur.description else []
                rows = cur.fetchall() if cur.description else []
            return ("ok", cols, rows)
        except psycopg2.Error as e:
            msg = (e.pgerror or str(e)).strip().split("\n")[0]
            return ("error", e.pgcode, msg)
        finally:
            timer.cancel()


def text_everything(conn):
    """Every value comes back as PostgreSQL's text output (no Python conversions to hide differences)."""
    import psycopg2.extensions as ext
    oids = (16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 142, 700, 701, 790, 1042, 1043, 1082, 1083, 1114, 1184,
            1186, 1266, 1700, 3802, 2950, 869, 650, 829, 1560, 1562, 2249, 2278, 705, 24, 2205, 2206)
    t = ext.new_type(oids, "WEIR_TEXT", lambda v, cur: v)
    ext.register_type(t, conn)
    arr = (1000, 1001, 1005, 1007, 1016, 1009, 1015, 1021, 1022, 1231, 1115, 1185, 1182, 199, 3807, 1028)
    ext.register_type(ext.new_array_type(arr, "WEIR_TEXT_ARR", t), conn)
    ext.register_type(ext.new_type(arr, "WEIR_TEXT_ARR2", lambda v, cur: v), conn)


# ------------------------------------------------------------------------------------------------
# Comparison
# ------------------------------------------------------------------------------------------------
def _num(v):
    if v is None:
        return None
    if v in ("NaN",):
        return float("nan")
    if v in ("Infinity", "-Infinity"):
        return float(v.replace("Infinity", "inf"))
    try:
        return decimal.Decimal(v)
    except decimal.InvalidOperation:
        return None


def values_equal(a, b, is_float):
    if a == b:
        return True
    if a is None or b is None or not is_float:
        return False
    x, y = _num(a), _num(b)
    if x is None or y is None:
        return False
    if isinstance(x, float) or isinstance(y, float):
        fx, fy = float(x), float(y)
        if math.isnan(fx) and math.isnan(fy):
            return True
        return fx == fy
    if x == y:
        return True
    scale = max(abs(x), abs(y))
    return abs(x - y) <= decimal.Decimal(REL_TOL) * scale


def row_key(row, float_cols):
    """Sort key for multiset comparison: floats rounded to 9 significant digits, NULLs first."""
    key = []
    for i, v in enumerate(row):
        if v is None:
            key.append((0, ""))
        elif i in float_cols:
            x = _num(v)
            if x is None:
                key.append((2, v))
            else:
                try:
                    key.append((1, "%.8e" % float(x)))
                except (OverflowError, ValueError):
                    key.append((2, v))
        else:
            key.append((2, v))
    return key


def compare(q, a, b):
    """None when the answers agree, else a description of the first difference."""
    if a[0] == "error" or b[0] == "error":
        if a[0] == b[0] == "error":
            if a[1] == b[1]:
                return None
            return "both fail, with different SQLSTATEs: %s %s (%s) vs %s %s (%s)" % (
                "reference", a[1], a[2], "other", b[1], b[2])
        if a[0] == "error":
            return "reference fails with %s (%s); the other side answers %d rows" % (a[1], a[2], len(b[2]))
        return "reference answers %d rows; the other side fails with %s (%s)" % (len(a[2]), b[1], b[2])
    ca, cb = a[1], b[1]
    if [c[0] for c in ca] != [c[0] for c in cb]:
        return "column names differ: %r vs %r" % ([c[0] for c in ca], [c[0] for c in cb])
    if [c[1] for c in ca] != [c[1] for c in cb]:
        return "column type OIDs differ: %r vs %r" % ([c[1] for c in ca], [c[1] for c in cb])
    ra, rb = a[2], b[2]
    if len(ra) != len(rb):
        return "row counts differ: %d vs %d%s" % (len(ra), len(rb), _first_extra(ra, rb))
    fcols = {i for i, c in enumerate(ca) if c[1] in FLOAT_OIDS}
    ordered = is_ordered(q)
    if not ordered:
        ra = sorted(ra, key=lambda r: row_key(r, fcols))
        rb = sorted(rb, key=lambda r: row_key(r, fcols))
    for k, (x, y) in enumerate(zip(ra, rb)):
        for i in range(len(x)):
            if not values_equal(x[i], y[i], i in fcols):
                where = "row %d" % (k + 1) if ordered else "sorted row %d" % (k + 1)
                return "%s, column %s: %r vs %r\n      reference row: %r\n      other row:     %r" % (
                    where, ca[i][0], x[i], y[i], x, y)
    return None


def _first_extra(ra, rb):
    sa, sb = set(map(tuple, ra)), set(map(tuple, rb))
    only_a = [r for r in ra if tuple(r) not in sb][:2]
    only_b = [r for r in rb if tuple(r) not in sa][:2]
    return "\n      only in reference: %r\n      only in other: %r" % (only_a, only_b)


# ------------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------------
def ddl(table, columns):
    return "CREATE TABLE %s (%s)" % (table, ", ".join("%s %s" % c for c in columns))


def load_postgres(pg, db, clicks, users, shuffle_seed=None):
    conn = pg.connect(db)
    try:
        rows_c = [gen.row_values(d, gen.CLICK_COLUMNS) for _, d in clicks]
        rows_u = [gen.row_values(u, gen.USER_COLUMNS) for u in users]
        if shuffle_seed is not None:
            rnd = random.Random(shuffle_seed)
            rnd.shuffle(rows_c)
            rnd.shuffle(rows_u)
        import io
        with conn.cursor() as cur:
            cur.execute(ddl("clicks", gen.CLICK_COLUMNS))
            cur.execute(ddl("users", gen.USER_COLUMNS))
            cur.copy_expert("COPY clicks FROM STDIN", io.StringIO(gen.copy_text(rows_c)))
            cur.copy_expert("COPY users FROM STDIN", io.StringIO(gen.copy_text(rows_u)))
            cur.execute("ANALYZE")
    finally:
        conn.close()


def load_weir(w, clicks, users, tmp):
    import weirtest
    c = w.server.client()
    weirtest.create_stream(c, "clicks", shards=4)
    for k in range(0, len(clicks), 500):
        chunk = clicks[k:k + 500]
        res = weirtest.call_retry(c.put_records, StreamName="clicks",
                                  Records=[{"Data": gen.payload(d), "PartitionKey": pk} for pk, d in chunk])
        if res.get("FailedRecordCount", 0):
            raise RuntimeError("PutRecords: %d of %d records failed" % (res["FailedRecordCount"], len(chunk)))
    path = os.path.join(tmp, "users.ndjson")
    with open(path, "wb") as f:
        f.write(gen.users_ndjson(users))
    conn = w.connect()
    try:
        with conn.cursor() as cur:
            cur.execute(ddl("clicks", gen.CLICK_COLUMNS) + " WITH (stream = 'clicks', format = 'json')")
            cur.execute(ddl("users", gen.USER_COLUMNS) + " WITH (file = %s, format = 'json')", (path,))
    finally:
        conn.close()


# ------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description="differential test: weir against PostgreSQL 15")
    ap.add_argument("--self", dest="self_check", action="store_true",
                    help="compare PostgreSQL with PostgreSQL (a second, shuffled database) to validate the harness")
    ap.add_argument("--records", type=int, default=int(os.environ.get("DIFF_RECORDS", "10000")))
    ap.add_argument("--only", help="run only queries containing this text")
    ap.add_argument("--queries", action="append",
                    help="query file (repeatable; default queries.sql and windows.sql)")
    ap.add_argument("--list", action="store_true", help="print the queries with their comparison mode and exit")
    a = ap.parse_args()

    files = a.queries or [os.path.join(HERE, "queries.sql"), os.path.join(HERE, "windows.sql")]
    queries = [(os.path.basename(f), ln, q, pq) for f in files for ln, q, pq in read_queries(f)]
    if a.only:
        queries = [x for x in queries if a.only in x[2] or a.only in x[3]]
    if a.list:
        for fn, ln, q, pq in queries:
            print("%s:%d %s %s" % (fn, ln, "ordered " if is_ordered(pq) else "multiset", " ".join(q.split())))
            if pq != q:
                print("    postgres: %s" % " ".join(pq.split()))
        print("%d queries" % len(queries))
        return 0

    os.environ.update(PGTZ="UTC", PGDATESTYLE="ISO", PGCLIENTENCODING="UTF8")
    import pgtest
    clicks = gen.clicks(a.records)
    users = gen.users()
    tmp = tempfile.mkdtemp(prefix="weir-diff-")
    pg = w = None
    conns = []
    try:
        t0 = time.time()
        pg = pgtest.PgCluster("diff").start()
        pg.createdb("ref")
        load_postgres(pg, "ref", clicks, users)
        ref = pg.connect("ref")
        conns.append(ref)
        text_everything(ref)
        if a.self_check:
            pg.createdb("other")
            load_postgres(pg, "other", clicks, users, shuffle_seed=42)
            oc = pg.connect("other")
            conns.append(oc)
            with oc.cursor() as cur:
                for s in ("enable_hashagg = off", "enable_hashjoin = off", "work_mem = '64kB'",
                          "max_parallel_workers_per_gather = 0", "enable_seqscan = on"):
                    cur.execute("SET " + s)
            label = "postgres (shuffled, other plans)"
        else:
            w = pgtest.start_weir_sql(name="diff")  # raises, failing the run, when weir cannot answer SQL
            load_weir(w, clicks, users, tmp)
            oc = w.connect()
            conns.append(oc)
            label = "weir"
        text_everything(oc)
        print("loaded %d clicks and %d users into PostgreSQL and %s in %.1fs; %d queries"
              % (len(clicks), len(users), label, time.time() - t0, len(queries)), flush=True)

        r_side, o_side = Side("postgres", ref), Side(label, oc)
        passed, failures = 0, []
        t1 = time.time()
        for fn, ln, q, pq in queries:
            # PostgreSQL answers its own text; the other side the text under test (--self: PostgreSQL's)
            ra = r_side.run(pq)
            rb = o_side.run(pq if a.self_check else q)
            diff = compare(pq, ra, rb)
            if diff is None:
                passed += 1
            else:
                failures.append(("%s:%d" % (fn, ln), q, diff))
                if len(failures) <= SHOW:
                    print("FAIL %s:%d: %s\n    %s" % (fn, ln, " ".join(q.split()), diff), flush=True)
        if len(failures) > SHOW:
            print("... and %d more failures (%s)" % (len(failures) - SHOW,
                                                   ", ".join(str(f[0]) for f in failures[SHOW:])))
        print("compared %d queries against %s in %.1fs" % (len(queries), label, time.time() - t1))
        if w is not None:
            for c in conns[1:]:
                c.close()
            conns = conns[:1]
            rc = w.stop()
            rep = w.server.sanitizer_report()
            if rc != 0 or rep:
                failures.append(("(server)", "", "weir exited with %s after SIGTERM%s" % (rc, "\n" + rep if rep else "")))
                print("FAIL weir exited with %s after SIGTERM\n%s" % (rc, rep or w.server.log_tail()))
        print("%d passed, %d failed" % (passed, len(failures)))
        return 1 if failures else 0
    finally:
        for c in conns:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass
        if w is not None:
            w.cleanup()
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
