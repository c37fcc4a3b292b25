# Nexmark as continuous queries (docs/nexmark-queries.md) against a real `weir server`: `weir gen nexmark`
# writes the person, auction and bid streams, psycopg2 creates the tables and views exactly as the doc
# writes them, boto3 reads every view's output stream, and each view is compared with the same SELECT run
# in batch over the same records:
#   - exactly: the same multiset of rows (values compared by type: numeric as its exact text, timestamps
#     as instants); append-only views row for row, updating views (an "op" column) after folding their
#     changelog (+I/+U add a row, -U/-D remove one), windowed views (q5, q7, q8, q11, q12) over the windows
#     their final watermark closed (the batch SELECT restricted to window_end <= that watermark);
#   - each view's final watermark is the minimum over its tables of (latest event time - watermark_delay)
#     (idle_timeout lets the last windows close), no row is late, and the views that update rows (and only
#     those) emit the "op" column without being asked (emit's default);
#   - q6 is refused with 0A000, as the doc says;
#   - the crash test: kill -9 at random moments while `weir gen nexmark` writes the streams and q5 and an
#     output_stream view (q1, partition_key auction) run, then the output streams hold every result row
#     exactly once and equal the batch answers (E2E_NEXMARK_CRASHES rounds: default 5, 20 with E2E_SLOW=1;
#     E2E_NEXMARK_SEED picks the kill moments).
# Sizes: E2E_NEXMARK_EVENTS (default 60000 events, 60 s of event time: one event per millisecond).
import atexit
import collections
import datetime
import decimal
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import time

import weirtest
from pgtest import connect, query
from weirtest import SANITIZER_MARKERS, TestFailure, check, eq, main, managed_pg, test

DOC = os.path.join(weirtest.REPO, "docs", "nexmark-queries.md")
EVENTS = int(os.environ.get("E2E_NEXMARK_EVENTS", "60000"))
CRASHES = int(os.environ.get("E2E_NEXMARK_CRASHES", "20" if weirtest.SLOW else "5"))
SEED = int(os.environ.get("E2E_NEXMARK_SEED", str(int(time.time()) % 100000)))
EVENT_RATE = 1000          # one event per millisecond of event time (docs/nexmark-queries.md says why)
DELAY = datetime.timedelta(seconds=4)  # the tables' watermark_delay

# The tables each view reads (its watermark is the minimum of theirs).
SOURCES = {"q3": ("auction", "person"), "q4": ("auction", "bid"), "q8": ("person", "auction"),
           "q9": ("auction", "bid"), "q12": ("bid_arrival",), "q20": ("bid", "auction"),
           "q23": ("bid", "person", "auction")}
# Views whose rows change (emit's default is then on_update: records carry "op").
UPDATING = {"q4", "q9", "q15", "q16", "q17", "q18", "q19"}
# Windowed views emit a window's rows when the watermark passes its end: the batch SELECT restricted to
# the windows closed by the view's final watermark (%s). q5 and q7 do not output their window's end, so
# the restriction goes inside the query.
CLOSED = {
    "q5": "{sql} WHERE ab.endtime <= %s",
    "q7": "{sql} AND b1.date_time <= %s",
    "q8": "{sql} WHERE p.endtime <= %s",
    "q11": "SELECT * FROM ({sql}) AS w WHERE endtime <= %s",
    "q12": "SELECT * FROM ({sql}) AS w WHERE endtime <= %s",
}
REFUSED = {"q6": "0A000"}


# ---- the doc ---------------------------------------------------------------------------------------
def doc_statements():
    """(tables, views): the CREATE TABLE statements of docs/nexmark-queries.md in order, and {name: CREATE
    MATERIALIZED VIEW statement} in the order the doc gives them."""
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```sql\n(.*?)```", f.read(), flags=re.S)
    tables, views = [], collections.OrderedDict()
    for b in blocks:
        for st in (x.strip() for x in b.split(";")):
            if st.startswith("CREATE TABLE"):
                tables.append(st)
            elif st.startswith("CREATE MATERIALIZED VIEW"):
                views[re.match(r"CREATE MATERIALIZED VIEW (\w+)", st).group(1)] = st
            elif st:
                raise TestFailure("unexpected statement in %s: %s" % (DOC, st[:80]))
    return tables, views


def view_parts(stmt):
    """(options text, SELECT) of a CREATE MATERIALIZED VIEW statement."""
    m = re.match(r"CREATE MATERIALIZED VIEW \w+ WITH \((.*?)\) AS\s+(.*)$", stmt, flags=re.S)
    check(m is not None, "view statement without WITH (...) AS: %s" % stmt[:80])
    return m.group(1), m.group(2)


def with_options(stmt, extra):
    """stmt with extra options added to its WITH (...)."""
    return stmt.replace("WITH (", "WITH (%s, " % extra, 1)


_scratch = []


def scratch_dir():
    """A temp dir removed when the test file exits (atexit)."""
    if not _scratch:
        atexit.register(lambda: [shutil.rmtree(d, ignore_errors=True) for d in _scratch])
    _scratch.append(tempfile.mkdtemp(prefix="weir-e2e-nexmark-"))
    return _scratch[-1]


def side_input_file(d):
    path = os.path.join(d, "side_input.csv")
    with open(path, "w") as f:
        f.writelines("%d,%d\n" % (i, i) for i in range(10000))
    return path


def create_tables(c, tables, tmp):
    for st in tables:
        query(c, st.replace("/path/to/side_input.csv", side_input_file(tmp)))


# ---- the generator -----------------------------------------------------------------------------------
def gen_cmd(s, first, n, rate=0):
    """`weir gen nexmark` writing events [first, first + n) into s (rate: events per second of wall clock,
    0 = as fast as s takes them; event time is EVENT_RATE per second either way)."""
    return [weirtest.WEIR_BIN, "gen", "nexmark", "--quiet", "--endpoint", s.endpoint, "--shards", "2",
            "--event-rate", str(EVENT_RATE), "--rate", str(rate), "--first-event-id", str(first), "--events", str(n)]


def gen(s, first, n):
    r = subprocess.run(gen_cmd(s, first, n), capture_output=True, text=True, timeout=600, cwd=weirtest.REPO)
    check(r.returncode == 0, "weir gen exited %d:\n%s%s" % (r.returncode, r.stdout, r.stderr[-2000:]))
    no_sanitizer(r.stderr)


def no_sanitizer(text):
    for m in SANITIZER_MARKERS:
        check(m not in text, "sanitizer report from weir gen:\n%s" % text[-3000:])


# ---- views and their rows -----------------------------------------------------------------------------
def show(c):
    """{view name: SHOW MATERIALIZED VIEWS row as {column: value}}."""
    with c.cursor() as cur:
        cur.execute("SHOW MATERIALIZED VIEWS")
        names = [d[0] for d in cur.description]
        return {r[0]: dict(zip(names, r)) for r in cur.fetchall()}


def expected_watermarks(c, names):
    """{view: its final watermark}: min over its tables of (latest event time - watermark_delay); the
    arrival-time table has no delay. Naive UTC datetimes, as SHOW's watermark without its zone."""
    latest = {}
    for t in ("person", "auction", "bid"):
        latest[t] = query(c, "SELECT max(date_time) FROM %s" % t)[0][0] - DELAY
    latest["bid_arrival"] = query(c, "SELECT max(_arrival_time) FROM bid_arrival")[0][0].replace(tzinfo=None)
    return {n: min(latest[t] for t in SOURCES.get(n, ("bid",))) for n in names}


def wm_of(row):
    """A SHOW row's watermark as a naive UTC datetime (None before the first)."""
    return row["watermark"] and row["watermark"].astimezone(datetime.timezone.utc).replace(tzinfo=None)


def wait_done(c, want_wm, timeout=600):
    """Wait until every view in want_wm reached its final watermark and its counters (rows in and out,
    checkpoints) stood still for 1 s (10 checkpoint intervals: its last rows are delivered). Returns SHOW's
    rows."""
    deadline = time.time() + timeout
    prev, rows = None, None
    while time.time() < deadline:
        rows = show(c)
        for n in want_wm:
            check(n in rows, "view %s not listed by SHOW MATERIALIZED VIEWS" % n)
            check(rows[n]["status"] == "running", "view %s: %s" % (n, rows[n]["status"]))
        state = {n: tuple(rows[n][x] for x in ("watermark", "rows_in", "rows_out", "checkpoints")) for n in want_wm}
        at_wm = all(wm_of(rows[n]) == wm for n, wm in want_wm.items())
        if at_wm and state == prev:
            return rows
        prev = state if at_wm else None
        time.sleep(1.0)
    lag = {n: (wm_of(rows[n]), want_wm[n], rows[n]["rows_in"]) for n in want_wm if wm_of(rows[n]) != want_wm[n]}
    raise TestFailure("views not done after %ds (watermark, expected, rows_in): %r" % (timeout, lag))


def read_output(k, stream):
    """Every record of every shard of stream, as parsed JSON (numbers with a fraction as Decimal)."""
    out = []
    for sh in weirtest.list_all_shards(k, stream):
        got, _ = weirtest.read_shard(k, stream, sh["ShardId"])
        out += [json.loads(r["Data"], parse_float=decimal.Decimal) for r in got]
    return out


TS_OIDS = (1114, 1184)
NUMERIC_OID = 1700


def batch(c, sql, params=None):
    """(column names, type oids, rows) of sql run as an ordinary query."""
    with c.cursor() as cur:
        cur.execute(sql, params)
        return [d[0] for d in cur.description], [d[1] for d in cur.description], cur.fetchall()


def norm(v, oid):
    """A value of a batch row or of a JSON record, in one comparable form for its column type."""
    if v is None:
        return None
    if oid in TS_OIDS:
        if isinstance(v, str):
            v = datetime.datetime.fromisoformat(v)
        return v.astimezone(datetime.timezone.utc) if v.tzinfo else v
    if oid == NUMERIC_OID:
        return str(v)              # the exact text: 1.50 is not 1.5 (to_json and psql print the scale)
    return v


def view_rows(name, recs, cols, oids):
    """The view's rows (a Counter) from its output records: folded when they carry "op"."""
    rows = collections.Counter()
    for r in recs:
        check(("op" in r) == (name in UPDATING),
              "%s: record %s an op column: %r" % (name, "without" if name in UPDATING else "with", r))
        eq(sorted(k for k in r if k != "op"), sorted(cols), "%s record keys" % name)
        key = tuple(norm(r[col], oid) for col, oid in zip(cols, oids))
        op = r.get("op", "+I")
        check(op in ("+I", "+U", "-U", "-D"), "%s: op %r" % (name, op))
        rows[key] += 1 if op[0] == "+" else -1
    neg = [k for k, n in rows.items() if n < 0]
    check(not neg, "%s: the changelog removes rows it never added: %r" % (name, neg[:3]))
    return +rows


def compare(name, got, want):
    if got == want:
        return
    missing, extra = want - got, got - want
    raise TestFailure("%s: view has %d rows, batch %d; %d missing, e.g. %r; %d extra, e.g. %r"
                      % (name, sum(got.values()), sum(want.values()), sum(missing.values()),
                         list(missing)[:2], sum(extra.values()), list(extra)[:2]))


def check_view(c, k, name, stmt, wm, stream=None):
    """The output stream of view name equals its SELECT in batch (restricted to closed windows); returns
    the number of rows compared."""
    _, sql = view_parts(stmt)
    sql = sql.rstrip().rstrip(";")
    params = None
    if name in CLOSED:
        sql = CLOSED[name].format(sql=sql)
        params = (wm.replace(tzinfo=datetime.timezone.utc) if name == "q12" else wm,)
    cols, oids, rows = batch(c, sql, params)
    want = collections.Counter(tuple(norm(v, o) for v, o in zip(r, oids)) for r in rows)
    stream = stream or "_weir_view_" + name
    for attempt in range(3):      # a last checkpoint's rows may still be on their way into the stream
        got = view_rows(name, read_output(k, stream), cols, oids)
        if got == want or attempt == 2:
            break
        time.sleep(1)
    compare(name, got, want)
    return sum(want.values())


def restart_same_port(s, timeout=30):
    """Start s again on the HTTP port it had, so that a writer's retries reach the new process."""
    s.spawn(port=s.port)
    deadline = time.time() + timeout
    while not (weirtest.port_open(s.port) and weirtest.port_open(s.pg_port)):
        check(s.alive(), "weir exited during restart:\n%s" % s.log_tail())
        check(time.time() < deadline, "weir not ready %ds after restart:\n%s" % (timeout, s.log_tail()))
        time.sleep(0.02)


def sqlstate(c, sql):
    import psycopg2
    try:
        query(c, sql)
    except psycopg2.Error as e:
        return e.pgcode
    return None


# ---- the tests ------------------------------------------------------------------------------------------
@test(server=False, weir_only="continuous queries")
def test_nexmark_views_equal_batch():
    tables, views = doc_statements()
    check({"q%d" % i for i in range(24)} <= set(views), "the doc has q0..q23: %r" % list(views))
    s = managed_pg("nexmark-views")
    k = s.client()
    c = connect(s)
    tmp = scratch_dir()
    # two runs of the generator 1.2 s apart, so q12's 1-second windows of arrival time close for the first
    first = EVENTS * 5 // 6
    gen(s, 0, first)
    time.sleep(1.2)
    gen(s, first, EVENTS - first)
    create_tables(c, tables, tmp)
    names = []
    for name, stmt in views.items():
        stmt = with_options(stmt, "checkpoint_interval = '100 milliseconds'")
        if name in REFUSED:
            eq(sqlstate(c, stmt), REFUSED[name], "%s is refused" % name)
            query(c, view_parts(stmt)[1])          # ... and runs as an ordinary query
            continue
        query(c, stmt)
        names.append(name)
    want_wm = expected_watermarks(c, names)
    rows = wait_done(c, want_wm)
    sizes = {}
    for name in names:
        eq(rows[name]["late_rows"], 0, "%s late rows" % name)
        sizes[name] = check_view(c, k, name, views[name], want_wm[name])
        check(sizes[name] > 0, "%s: no rows to compare (the comparison would prove nothing)" % name)
    print("  rows compared: %s" % ", ".join("%s %d" % kv for kv in sizes.items()), flush=True)


@test(server=False, weir_only="continuous queries")
def test_nexmark_crash_exactly_once():
    """kill -9 at random moments while the streams are written and q5 and q1 (into an output stream) run."""
    tables, views = doc_statements()
    rng = random.Random(SEED)
    print("  %d crashes, E2E_NEXMARK_SEED=%d" % (CRASHES, SEED), flush=True)
    s = managed_pg("nexmark-crash", args=["--fsync", "batch"])
    c = connect(s)
    tmp = scratch_dir()
    step = 4000
    gen(s, 0, step)
    create_tables(c, tables, tmp)
    q5 = with_options(views["q5"], "checkpoint_interval = '100 milliseconds'")
    q1 = with_options(views["q1"], "checkpoint_interval = '100 milliseconds', output_stream = 'q1_out', "
                                   "partition_key = 'auction'")
    query(c, q5)
    query(c, q1)
    lo = step
    for rnd in range(CRASHES):
        # the next run starts after everything any earlier run may have stored: event time only goes
        # forward in every shard, so no row is late and the batch answer is over whatever got stored
        # paced (about 1 s) or as fast as the server takes it: a burst gives the views big deliveries to
        # their output streams, so that some kills land while one is under way (recovery finishes it)
        paced = rnd % 2 == 0
        n = step if paced else 5 * step
        p = subprocess.Popen(gen_cmd(s, lo, n, rate=step if paced else 0), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=weirtest.REPO)
        time.sleep(rng.uniform(0.05, 1.2) if paced else rng.uniform(0.05, 0.5))
        s.kill9()
        restart_same_port(s)                           # the generator retries its PutRecords meanwhile
        _, err = p.communicate(timeout=120)
        no_sanitizer(err)
        check(p.returncode in (0, 1), "weir gen exited %d: %s" % (p.returncode, err[-2000:]))
        c = connect(s)
        lo += n
    gen(s, lo, step)
    k = s.client()
    want_wm = expected_watermarks(c, ["q5", "q1"])
    rows = wait_done(c, want_wm)
    for name in ("q5", "q1"):
        eq(rows[name]["late_rows"], 0, "%s late rows" % name)
    n5 = check_view(c, k, "q5", views["q5"], want_wm["q5"])
    n1 = check_view(c, k, "q1", views["q1"], want_wm["q1"], stream="q1_out")
    check(n5 > 0 and n1 > 0, "rows to compare: q5 %d, q1 %d" % (n5, n1))
    stored = query(c, "SELECT (SELECT count(*) FROM person) + (SELECT count(*) FROM auction) + "
                      "(SELECT count(*) FROM bid)")[0][0]
    print("  after %d crashes: %d of %d events stored, q5 %d rows, q1 %d rows, each once"
          % (CRASHES, stored, lo + step, n5, n1), flush=True)


if __name__ == "__main__":
    main()
