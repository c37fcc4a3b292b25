#!/usr/bin/python3
# tests/sql/run.py: weir's golden-file SQL suite (PostgreSQL's regression-test shape: tests/sql/NAME.sql
# is run through `psql -X -a -q`, which echoes every input line, and the output is compared with
# tests/sql/expected/NAME.out). See tests/sql/README.md for the file format; in short:
#
#   -- fixture: clicks_small, weblog   datasets (tests/sql/fixtures/<name>.py) loaded before the file runs
#   -- @pg: <SQL>                       PostgreSQL stand-in for the next (weir-only) statement
#   -- @hidden begin / -- @hidden end   statements that read hidden columns (PostgreSQL: emulated tables)
#   -- @recorded begin / ... end        weir-only output with no PostgreSQL equivalent (EXPLAIN text, ...):
#                                       recorded from weir with --record after review
#   -- @mask: REGEX                     parts of the output replaced by '#' before comparing (timings)
#   -- @server-args: ARGS               weir server options for this file ($SQLRUN_FILES: the fixtures' files)
#   \! $SQLRUN_CTL put <batch>          write a fixture batch into its stream now
#   \! $SQLRUN_CTL restart              restart the server (same data dir and PostgreSQL port; then \c)
#
# Targets:
#   weir (default)   for each file: start WEIR_BIN with --pg-listen on free ports and a temp data dir,
#                    write the fixtures' streams with boto3, run psql, stop the server by PID (it must
#                    exit 0 without a sanitizer report). When weir cannot answer SQL (no --pg-listen,
#                    nothing listening, or CREATE TABLE ... WITH (stream = ...) fails with 0A000) every
#                    file is skipped with the reason, and the run fails.
#   --postgres       a private PostgreSQL 15 (initdb in a temp dir); each file gets its own database with
#                    the fixtures' model tables (ordinary tables holding the rows weir must decode), the
#                    @pg stand-ins and the hidden-column emulation. This is how the expected files were
#                    made, so they hold PostgreSQL's answers; it also checks the suite itself.
# Modes: compare (default); --update rewrites expected files from the target's output (with --postgres,
# recorded blocks are kept from the existing expected file); --record (weir only) rewrites only the
# recorded blocks. Output: PASS/FAIL/SKIP per file, the first lines of each diff, and "N passed,
# N failed"; actual outputs and diffs are kept in build/sql-test/.
#
#   /usr/bin/python3 tests/sql/run.py [--postgres] [--update | --record] [NAME ...]
import argparse
import datetime
import difflib
import importlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ next to the fixtures and helpers
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e"))
sys.path.insert(0, os.path.join(HERE, "fixtures"))

PSQL = os.environ.get("PSQL", "psql")
FILE_TIMEOUT = int(os.environ.get("SQL_FILE_TIMEOUT", "300"))
RESULTS = os.path.join(REPO, "build", "sql-test")
PLACEHOLDER = "-- sqlrun: not recorded yet (review weir's output, then: tests/sql/run.py --record %s)"
INJECTED = " -- sqlrun:I"

TYPE_ALIASES = {"int": "integer", "int4": "integer", "int8": "bigint", "int2": "smallint", "float8": "double precision",
                "float4": "real", "float": "double precision", "bool": "boolean",
                "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
                "character varying": "varchar", "decimal": "numeric"}


def norm_type(t):
    t = re.sub(r"\s+", " ", t.strip().lower())
    m = re.match(r"^(.*?)\s*(\(.*\))?$", t)
    base, mod = m.group(1), (m.group(2) or "").replace(" ", "")
    return TYPE_ALIASES.get(base, base) + mod


# ------------------------------------------------------------------------------------------------
# The .sql file and its transformations
# ------------------------------------------------------------------------------------------------
class SqlFile:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.lines = self.text.split("\n")
        if self.lines and self.lines[-1] == "":
            self.lines.pop()
        self.fixtures, self.masks, self.server_args = [], [], []
        for line in self.lines:
            s = line.strip()
            if s.startswith("-- fixture:"):
                self.fixtures += [x.strip() for x in s[len("-- fixture:"):].split(",") if x.strip()]
            elif s.startswith("-- @mask:"):
                self.masks.append(re.compile(s[len("-- @mask:"):].strip()))
            elif s.startswith("-- @server-args:"):
                self.server_args += s[len("-- @server-args:"):].split()

    def recorded_ranges(self):
        """[(begin, end)] line indexes of the recorded blocks' marker lines."""
        out, start = [], None
        for i, line in enumerate(self.lines):
            s = line.strip()
            if s == "-- @recorded begin":
                if start is not None:
                    raise ValueError("%s:%d: nested @recorded begin" % (self.path, i + 1))
                start = i
            elif s == "-- @recorded end":
                if start is None:
                    raise ValueError("%s:%d: @recorded end without begin" % (self.path, i + 1))
                out.append((start, i))
                start = None
        if start is not None:
            raise ValueError("%s: @recorded begin without end" % self.path)
        return out

    def stream_tables(self):
        """CREATE TABLE statements outside recorded blocks whose PostgreSQL stand-in is empty (so the table
        comes from a fixture model): {name: [(column, normalised type)]}, or {name: None} for a table that
        takes its columns from a description_file."""
        skip = set()
        for b, e in self.recorded_ranges():
            skip.update(range(b, e + 1))
        out, i, n, stand = {}, 0, len(self.lines), None
        while i < n:
            s = self.lines[i].strip()
            if i in skip:
                i += 1
                continue
            if s.startswith("-- @pg:"):
                stand = (stand or "") + s[len("-- @pg:"):].strip()
                i += 1
                continue
            if re.match(r"CREATE\s+TABLE\s", s, re.I):
                j = i
                while j < n - 1 and not self.lines[j].rstrip().endswith(";"):
                    j += 1
                stmt = " ".join(self.lines[i:j + 1])
                m = re.match(r"\s*CREATE\s+TABLE\s+(\w+)\s*\((.*?)\)\s*WITH\s*\(", stmt, re.S | re.I)
                if m and stand == "" and re.search(r"\bdescription_file\s*=", stmt, re.I):
                    out[m.group(1)] = None
                elif m and stand == "":
                    cols = []
                    for part in split_top(m.group(2)):
                        part = part.strip()
                        if part:
                            name, _, typ = part.partition(" ")
                            cols.append((name.strip('"'), norm_type(typ)))
                    out[m.group(1)] = cols
                i = j + 1
                stand = None
                continue
            if s and not s.startswith("--"):
                stand = None
            i += 1
        return out

    def postgres_input(self):
        """The text PostgreSQL runs: @pg stand-ins replace their statements (tagged, so the echo can be
        mapped back), @hidden blocks switch search_path to the emulation schema, recorded blocks are
        emptied. Returns (text, {tagged line: original lines})."""
        out, standins = [], {}
        rec = self.recorded_ranges()
        skip = set()
        for b, e in rec:
            skip.update(range(b + 1, e))
        i, n = 0, len(self.lines)
        while i < n:
            line = self.lines[i]
            s = line.strip()
            if i in skip:
                i += 1
                continue
            if s.startswith("-- @pg:"):
                stand = []
                while i < n and self.lines[i].strip().startswith("-- @pg:"):
                    out.append(self.lines[i])
                    stand.append(self.lines[i].strip()[len("-- @pg:"):].strip())
                    i += 1
                j = i
                if j >= n or not self.lines[j].strip() or self.lines[j].strip().startswith("--"):
                    raise ValueError("%s:%d: -- @pg: must be followed directly by the statement it stands in for"
                                     % (self.path, j + 1))
                end = j
                if not self.lines[j].lstrip().startswith("\\"):
                    while end < n and not self.lines[end].rstrip().endswith(";"):
                        end += 1
                    if end >= n:
                        raise ValueError("%s:%d: statement after -- @pg: has no ';'" % (self.path, j + 1))
                sql = " ".join(x for x in stand if x)
                if sql and not sql.endswith(";") and not sql.startswith("\\"):
                    sql += ";"
                tag = "-- sqlrun:R%d" % len(standins)
                tagged = (sql + " " + tag) if sql else tag
                out.append(tagged)
                standins[tagged] = self.lines[j:end + 1]
                i = end + 1
                continue
            out.append(line)
            if s == "-- @hidden begin":
                out.append("SET search_path = sqlrun_hidden, public;" + INJECTED)
            elif s == "-- @hidden end":
                out.append("RESET search_path;" + INJECTED)
            i += 1
        return "\n".join(out) + "\n", standins


def split_top(s):
    parts, depth, cur = [], 0, []
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def map_postgres_output(out_lines, standins):
    res = []
    for line in out_lines:
        if line in standins:
            res.extend(standins[line])
        elif line.endswith(INJECTED):
            continue
        else:
            res.append(line)
    return res


def normalise(lines, masks):
    out = []
    for line in lines:
        if line.startswith("LOCATION:  "):
            continue  # the server's source file and line: PostgreSQL's, never weir's
        for m in masks:
            line = m.sub("#", line)
        out.append(line)
    return out


def blocks_of(lines):
    """Split output lines at recorded markers: returns (list of segments, list of block bodies) where the
    output is segments[0] + [begin] + blocks[0] + [end] + segments[1] + ..."""
    segs, blocks, cur, inside = [], [], [], False
    for line in lines:
        s = line.strip()
        if s == "-- @recorded begin" and not inside:
            segs.append(cur + [line])
            cur, inside = [], True
        elif s == "-- @recorded end" and inside:
            blocks.append(cur)
            cur, inside = [line], False
        else:
            cur.append(line)
    if inside:  # the output stopped inside a block (psql died): keep it as a block
        blocks.append(cur)
        cur = []
    segs.append(cur)
    return segs, blocks


def join_blocks(segs, blocks):
    out = []
    for k, seg in enumerate(segs):
        out.extend(seg)
        if k < len(blocks):
            out.extend(blocks[k])
    return out


def splice_recorded(actual, expected_lines, name):
    """actual's recorded blocks replaced by the expected file's (or the placeholder when it has none)."""
    segs, blocks = blocks_of(actual)
    _, old = blocks_of(expected_lines) if expected_lines is not None else ([], [])
    new = [old[k] if k < len(old) else [PLACEHOLDER % name] for k in range(len(blocks))]
    return join_blocks(segs, new)


# ------------------------------------------------------------------------------------------------
# Fixtures: loading into weir (boto3) and into PostgreSQL (model tables)
# ------------------------------------------------------------------------------------------------
def load_fixture(name):
    path = os.path.join(HERE, "fixtures", name + ".py")
    if not re.fullmatch(r"\w+", name) or not os.path.exists(path):
        raise ValueError("unknown fixture %r (no tests/sql/fixtures/%s.py)" % (name, name))
    spec = importlib.util.spec_from_file_location("sqlrun_fixture_" + name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.FIXTURE


def check_models(sqlfile, fixtures):
    """Every CREATE TABLE ... WITH (...) outside recorded blocks needs a model table with the same columns
    and types, or PostgreSQL's answers would be about a different table."""
    models = {t.name: t for fx in fixtures for t in fx.tables}
    problems = []
    for tname, cols in sqlfile.stream_tables().items():
        m = models.get(tname)
        if m is None:
            problems.append("table %s has no model in fixtures %s" % (tname, sqlfile.fixtures))
            continue
        want = [(c, norm_type(t)) for c, t in m.columns]
        if cols is not None and cols != want:
            problems.append("table %s: CREATE TABLE columns %r differ from the model's %r" % (tname, cols, want))
    return problems


def write_files(fixtures, tmp):
    vars_ = {}
    for fx in fixtures:
        for var, (fname, data) in fx.files.items():
            p = os.path.join(tmp, fname)
            os.makedirs(os.path.dirname(p), exist_ok=True)  # "desc/x.json": a directory of files
            with open(p, "wb") as f:
                f.write(data)
            os.chmod(p, 0o644)
            vars_[var] = p
    return vars_


class WeirTarget:
    label = "weir"

    def __init__(self):
        import pgtest
        self.pgtest = pgtest
        self.w = None
        self.checked = False

    def begin(self, sqlfile, fixtures, tmp):
        """Start a server for this file and load the base batches. Returns a skip reason or None."""
        import weirtest
        args = [a.replace("$SQLRUN_FILES", tmp) for a in sqlfile.server_args]  # where the fixtures' files are
        self.w = self.pgtest.WeirPg(name="sql-" + sqlfile.name, args=args)
        try:
            self.w.start()
        except self.pgtest.NoSql as e:
            self.w = None
            return str(e)
        if not self.checked:
            reason = self.w.sql_unavailable()
            if reason:
                return reason
            self.checked = True
        c = self.w.server.client()
        for fx in fixtures:
            for stream, shards in fx.streams.items():
                weirtest.create_stream(c, stream, shards=shards)
        for fx in fixtures:
            self.put(fx.batch("base"))
        return None

    def put(self, records):
        c = self.w.server.client()
        by_stream = {}
        for r in records:
            by_stream.setdefault(r.stream, []).append(r)
        for stream, recs in by_stream.items():
            for k in range(0, len(recs), 500):
                chunk = recs[k:k + 500]
                res = c.put_records(StreamName=stream,
                                    Records=[{"Data": r.data, "PartitionKey": r.key} for r in chunk])
                if res.get("FailedRecordCount", 0):
                    raise RuntimeError("PutRecords into %s: %d records failed" % (stream, res["FailedRecordCount"]))

    def restart(self):
        self.w.server.stop()
        self.w.start()

    def conn_args(self):
        return ["-h", "127.0.0.1", "-p", str(self.w.pg_port), "-U", "postgres", "-d", "weir"]

    def end(self):
        """Stop the server; returns problems (non-zero exit, sanitizer reports)."""
        problems = []
        if self.w is None:
            return problems
        try:
            if self.w.server.alive():
                rc = self.w.stop()
                if rc != 0:
                    problems.append("weir exited with %s after SIGTERM; log tail:\n%s" % (rc, self.w.server.log_tail()))
            elif self.w.server.proc is not None:
                problems.append("weir died (exit %s); log tail:\n%s" % (self.w.server.proc.returncode,
                                                                       self.w.server.log_tail()))
            rep = self.w.server.sanitizer_report()
            if rep:
                problems.append("sanitizer report:\n" + rep)
        finally:
            self.w.cleanup()
            self.w = None
        return problems

    def close(self):
        pass


class PostgresTarget:
    label = "postgres"

    def __init__(self, reverse=False):
        import pgtest
        self.reverse = reverse  # load rows in reverse order: ties in ORDER BY then come out differently
        self.pg = pgtest.PgCluster("sqlrun").start()
        self.db = None
        self.fixtures = []
        self.seq = {}
        self.arrival = None

    def begin(self, sqlfile, fixtures, tmp):
        self.db = self.pg.createdb("sqlrun_" + sqlfile.name)
        self.fixtures = fixtures
        self.seq = {}
        self.arrival = datetime.datetime.now(datetime.timezone.utc)
        conn = self.pg.connect(self.db)
        try:
            with conn.cursor() as cur:
                cur.execute("CREATE SCHEMA sqlrun_hidden")
                for fx in fixtures:
                    for t in fx.tables:
                        cols = ", ".join('"%s" %s' % (c, typ) for c, typ in t.columns)
                        cur.execute("CREATE TABLE public.%s (%s)" % (t.name, cols))
                        if t.hidden:
                            hcols = ", ".join('"%s" %s' % (c, typ) for c, typ in t.columns + fixlib.HIDDEN_COLUMNS)
                            cur.execute("CREATE TABLE sqlrun_hidden.%s (%s)" % (t.name, hcols))
                        if t.file:
                            fname, data = fx.files[t.file]
                            rows = []
                            for line in data.decode("utf-8").splitlines():
                                if line.strip():
                                    r = t.rows(line.encode("utf-8"))
                                    if r is not None:
                                        rows.append(r[0])
                            self._insert(cur, "public." + t.name, rows[::-1] if self.reverse else rows)
            for fx in fixtures:
                self._put(conn, fx.batch("base"))
            # A model column that is NULL in every row is a fixture or model bug (every fixture is made so
            # each column has values), and would make PostgreSQL's answers meaningless: stop here.
            with conn.cursor() as cur:
                for fx in fixtures:
                    for t in fx.tables:
                        cur.execute("SELECT count(*), %s FROM public.%s" % (
                            ", ".join('count("%s")' % c for c, _ in t.columns), t.name))
                        counts = cur.fetchone()
                        empty = [c for (c, _), n in zip(t.columns, counts[1:]) if n == 0]
                        if counts[0] and empty:
                            raise ValueError("model table %s: column(s) %s are NULL in all %d rows (fixture %s)"
                                             % (t.name, ", ".join(empty), counts[0], fx.name))
        finally:
            conn.close()
        return None

    @staticmethod
    def _insert(cur, table, rows):
        for row in rows:
            cur.execute("INSERT INTO %s VALUES (%s)" % (table, ", ".join(["%s"] * len(row))), row)

    def _put(self, conn, records):
        seqs = {}
        for r in records:  # sequence numbers follow the order written, whatever the insert order
            shards = None
            for fx in self.fixtures:
                shards = fx.streams.get(r.stream, shards)
            sh = fixlib.shard_of(r.key, shards)
            n = self.seq.get((r.stream, sh), 0) + 1
            self.seq[(r.stream, sh)] = n
            seqs[id(r)] = (sh, n)
        with conn.cursor() as cur:
            for r in (records[::-1] if self.reverse else records):
                sh, n = seqs[id(r)]
                for fx in self.fixtures:
                    for t in fx.tables:
                        if t.stream != r.stream:
                            continue
                        got = t.rows(r.data)
                        if got is None:
                            continue
                        vals, valid = got
                        self._insert(cur, "public." + t.name, [vals])
                        if t.hidden:
                            hidden = ["shardId-%012d" % sh, "%056d" % (sh * 10 ** 40 + n), r.key, self.arrival.isoformat(),
                                      r.data.decode("utf-8", "replace"), "true" if valid else "false",
                                      str(len(r.data))]
                            self._insert(cur, "sqlrun_hidden." + t.name, [vals + hidden])

    def put(self, records):
        conn = self.pg.connect(self.db)
        try:
            self._put(conn, records)
        finally:
            conn.close()

    def restart(self):
        pass  # nothing to restart: the file reconnects with \c either way

    def conn_args(self):
        return ["-h", "127.0.0.1", "-p", str(self.pg.port), "-U", self.pg.user, "-d", self.db]

    def end(self):
        return []

    def close(self):
        self.pg.stop()


import fixlib  # noqa: E402  (after sys.path is set)


# ------------------------------------------------------------------------------------------------
# Control channel for \! $SQLRUN_CTL (psql's shell escapes talk to this process over a Unix socket)
# ------------------------------------------------------------------------------------------------
class Control:
    def __init__(self, path, target, fixtures):
        self.path = path
        self.target = target
        self.fixtures = fixtures
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(4)
        self.stop_flag = False
        self.errors = []
        self.th = threading.Thread(target=self.loop, daemon=True)
        self.th.start()

    def loop(self):
        while not self.stop_flag:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                try:
                    self.handle(data.decode().split())
                    conn.sendall(b"ok\n")
                except Exception as e:  # noqa: BLE001 (reported through psql's output and the run)
                    msg = "%s: %s" % (type(e).__name__, e)
                    self.errors.append(msg)
                    conn.sendall(("error: " + msg + "\n").encode())

    def handle(self, argv):
        if argv[:1] == ["put"] and len(argv) == 2:
            recs = [r for fx in self.fixtures for r in fx.batch(argv[1])]
            if not recs:
                raise ValueError("no records in batch %r" % argv[1])
            self.target.put(recs)
        elif argv == ["restart"]:
            self.target.restart()
        else:
            raise ValueError("unknown control command %r" % argv)

    def close(self):
        self.stop_flag = True
        self.sock.close()


def ctl_main(sock_path, argv):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(120)
    s.connect(sock_path)
    s.sendall((" ".join(argv) + "\n").encode())
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    reply = data.decode().strip()
    if reply != "ok":
        sys.stderr.write("sqlrun ctl %s: %s\n" % (" ".join(argv), reply or "no reply"))
        return 1
    return 0


# ------------------------------------------------------------------------------------------------
# Running one file
# ------------------------------------------------------------------------------------------------
def run_psql(target, text, psql_vars, ctl_path):
    import pgtest
    env = pgtest.psql_env()
    env["SQLRUN_CTL"] = "/usr/bin/python3 %s --ctl %s" % (os.path.abspath(__file__), ctl_path)
    cmd = [PSQL, "-X", "-a", "-q"] + target.conn_args()
    for k, v in sorted(psql_vars.items()):
        cmd += ["-v", "%s=%s" % (k, v)]
    try:
        r = subprocess.run(cmd, input=text.encode("utf-8"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           env=env, timeout=FILE_TIMEOUT)
        out = r.stdout.decode("utf-8", "replace")
        rc = r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") + "\n(sqlrun: psql timed out after %ds)\n" % FILE_TIMEOUT
        rc = -1
    lines = out.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines, rc


def read_expected(path):
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def write_lines(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def run_file(sqlfile, target, mode):
    """Returns ("PASS"|"FAIL"|"SKIP", message)."""
    fixtures = [load_fixture(n) for n in sqlfile.fixtures]
    problems = check_models(sqlfile, fixtures)
    if problems:
        return "FAIL", "\n".join(problems)
    exp_path = os.path.join(HERE, "expected", sqlfile.name + ".out")
    expected = read_expected(exp_path)
    tmp = tempfile.mkdtemp(prefix="weir-sqlrun-")
    ctl = None
    end_problems = []
    try:
        psql_vars = write_files(fixtures, tmp)
        reason = target.begin(sqlfile, fixtures, tmp)
        if reason:
            return "SKIP", reason
        ctl = Control(os.path.join(tmp, "ctl.sock"), target, fixtures)
        if target.label == "postgres":
            text, standins = sqlfile.postgres_input()
        else:
            text, standins = "\n".join(sqlfile.lines) + "\n", {}
        lines, rc = run_psql(target, text, psql_vars, ctl.path)
        if target.label == "postgres":
            lines = map_postgres_output(lines, standins)
        lines = normalise(lines, sqlfile.masks)
        if target.label == "postgres":
            lines = splice_recorded(lines, normalise(expected, sqlfile.masks) if expected is not None else None,
                                    sqlfile.name)
        if ctl.errors:
            end_problems += ["control command failed: " + e for e in ctl.errors]
        if rc not in (0,):
            end_problems.append("psql exited with %s" % rc)
    finally:
        if ctl:
            ctl.close()
        end_problems += target.end()
        shutil.rmtree(tmp, ignore_errors=True)

    write_lines(os.path.join(RESULTS, target.label, sqlfile.name + ".out"), lines)
    if mode == "update":
        write_lines(exp_path, lines)
        return ("FAIL", "\n".join(end_problems)) if end_problems else ("PASS", "expected output rewritten")
    if mode == "record":
        if expected is None:
            return "FAIL", "no expected file to record into (generate it with --postgres --update first)"
        segs, old = blocks_of(expected)
        _, new = blocks_of(lines)
        if len(old) != len(new):
            return "FAIL", "the output has %d recorded blocks, the expected file %d" % (len(new), len(old))
        write_lines(exp_path, join_blocks(segs, new))
        msg = "%d recorded block(s) rewritten" % len(new)
        return ("FAIL", "\n".join(end_problems)) if end_problems else ("PASS", msg)
    if expected is None:
        return "FAIL", "no expected output %s (generate with --postgres --update)" % os.path.relpath(exp_path, REPO)
    expected = normalise(expected, sqlfile.masks)
    msgs = list(end_problems)
    pending = sum(1 for b in blocks_of(expected)[1] if b == [PLACEHOLDER % sqlfile.name])
    if pending and target.label == "weir":
        msgs.append("%d recorded block(s) have no expected output yet: review build/sql-test/weir/%s.out, "
                    "then run tests/sql/run.py --record %s" % (pending, sqlfile.name, sqlfile.name))
    if lines != expected:
        diff = list(difflib.unified_diff(expected, lines, "expected/%s.out" % sqlfile.name,
                                         "results/%s.out" % sqlfile.name, lineterm="", n=2))
        write_lines(os.path.join(RESULTS, target.label, sqlfile.name + ".diff"), diff)
        msgs.append("\n".join(diff[:80]) + ("\n... (%d more diff lines in build/sql-test/%s/%s.diff)"
                                            % (len(diff) - 80, target.label, sqlfile.name) if len(diff) > 80 else ""))
    if msgs:
        return "FAIL", "\n".join(msgs)
    return "PASS", ""


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--ctl":
        sys.exit(ctl_main(sys.argv[2], sys.argv[3:]))
    ap = argparse.ArgumentParser(description="weir's golden-file SQL suite (see tests/sql/README.md)")
    ap.add_argument("--postgres", action="store_true", help="run against a private PostgreSQL 15")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--update", action="store_true", help="rewrite expected files from this run's output")
    g.add_argument("--record", action="store_true", help="rewrite only the recorded blocks (weir target)")
    ap.add_argument("--reverse", action="store_true",
                    help="with --postgres: load rows in reverse order (checks that ORDER BYs are total)")
    ap.add_argument("names", nargs="*", help="files to run (NAME or NAME.sql); default: all")
    a = ap.parse_args()
    if a.record and a.postgres:
        ap.error("--record takes weir's output; it cannot be used with --postgres")
    mode = "update" if a.update else "record" if a.record else "compare"
    files = sorted(f for f in os.listdir(HERE) if f.endswith(".sql"))
    if a.names:
        want = {n[:-4] if n.endswith(".sql") else n for n in a.names}
        unknown = want - {f[:-4] for f in files}
        if unknown:
            print("unknown test file(s): %s" % ", ".join(sorted(unknown)))
            print("0 passed, 1 failed")
            return 1
        files = [f for f in files if f[:-4] in want]
    if shutil.which(PSQL) is None:
        print("FAIL setup: %s not found (install postgresql-client-15: bash scripts/install-deps.sh)" % PSQL)
        print("0 passed, 1 failed")
        return 1

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)

    passed = failed = skipped = 0
    target = None
    try:
        target = PostgresTarget(reverse=a.reverse) if a.postgres else WeirTarget()
        for f in files:
            t0 = time.time()
            try:
                status, msg = run_file(SqlFile(os.path.join(HERE, f)), target, mode)
            except KeyboardInterrupt:
                raise
            except Exception as e:  # noqa: BLE001
                status, msg = "FAIL", "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc())
            dt = time.time() - t0
            if status == "SKIP":
                skipped += 1
                print("SKIP %s (%s)" % (f, msg), flush=True)
                if target.label == "weir" and not target.checked:
                    # the binary has no SQL: every other file would skip for the same reason
                    rest = [x for x in files if x != f and files.index(x) > files.index(f)]
                    for x in rest:
                        print("SKIP %s (weir has no SQL yet)" % x, flush=True)
                    skipped += len(rest)
                    print("sqlrun: weir cannot answer SQL yet (%s): %d file(s) skipped" % (msg, skipped), flush=True)
                    break
            elif status == "PASS":
                passed += 1
                print("PASS %s (%.1fs)%s" % (f, dt, (": " + msg) if msg else ""), flush=True)
            else:
                failed += 1
                print("FAIL %s (%.1fs)\n  %s" % (f, dt, msg.replace("\n", "\n  ")), flush=True)
    except KeyboardInterrupt:
        print("FAIL interrupted", flush=True)
        failed += 1
    finally:
        if target is not None:
            target.close()
    if skipped:
        # weir answers SQL now: a binary that cannot (no --pg-listen, CREATE TABLE failing with 0A000) is
        # a regression, not a reason to pass
        print("(%d skipped: the run fails)" % skipped)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
