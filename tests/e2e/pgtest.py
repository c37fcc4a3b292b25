# Shared helpers for weir's SQL-side tests (tests/sql, tests/diff, tests/e2e/test_pg_*, bench/sql):
#   PgCluster  a private PostgreSQL 15 (Debian's postgresql-15): initdb in a temp dir, postgres on a free
#              127.0.0.1 port with its socket in that dir, stopped by PID. Run as root, it runs as the
#              "postgres" user (initdb refuses root); otherwise as the current user.
#   WeirPg     a weir server started with --pg-listen on a free port (temp data dir), plus the check
#              that it can answer SQL at all: while the engine is not there, sql_unavailable() names why
#              (no --pg-listen option, nothing listening, CREATE TABLE ... WITH (stream=...) answers
#              SQLSTATE 0A000), so harnesses skip instead of failing.
#   psql_env() the fixed client settings every harness uses: TimeZone UTC, DateStyle ISO (sent in the
#              startup packet through libpq's PGTZ / PGDATESTYLE), UTF8 client encoding.
# Run with /usr/bin/python3 (Debian's psycopg2 and boto3 load only there).
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import weirtest

PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
# Code-point ordering (byte order for UTF-8) with Unicode case mapping: see tests/diff/README.md.
PG_LOCALE = os.environ.get("PG_LOCALE", "C.UTF-8")


class NoSql(Exception):
    """The weir binary cannot answer SQL yet; the message says how that was detected."""


def psql_env(base=None):
    env = dict(os.environ if base is None else base)
    for k in ("PGOPTIONS", "PGSERVICE", "PGSERVICEFILE", "PGPASSFILE", "PGSYSCONFDIR", "PSQLRC"):
        env.pop(k, None)
    env.update(PGTZ="UTC", PGDATESTYLE="ISO", PGCLIENTENCODING="UTF8", PGCONNECT_TIMEOUT="10",
               PGSSLMODE="disable", LC_ALL="C.UTF-8", LANG="C.UTF-8", PAGER="cat", PSQL_PAGER="cat")
    return env


def _port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class PgCluster:
    """A throwaway PostgreSQL 15 cluster. Use start(), then dsn()/connect()/createdb(), then stop()."""

    def __init__(self, name="pg", settings=None):
        self.name = name
        self.settings = dict(settings or {})
        self.root = None
        self.proc = None
        self.port = None
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else pwd.getpwuid(os.geteuid()).pw_name

    def _run_kw(self):
        if not self.as_root:
            return {}
        pw = pwd.getpwnam("postgres")
        return dict(user=pw.pw_uid, group=pw.pw_gid, extra_groups=[])

    def start(self, timeout=60):
        for b in ("initdb", "postgres"):
            if not os.access(os.path.join(PG_BIN, b), os.X_OK):
                raise RuntimeError("%s/%s not found: install Debian's postgresql-15 (bash scripts/install-deps.sh)"
                                   % (PG_BIN, b))
        self.root = tempfile.mkdtemp(prefix="weir-pg-%s-" % self.name)
        if self.as_root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.root, "data")
        r = subprocess.run([os.path.join(PG_BIN, "initdb"), "-D", data, "-U", self.user, "--auth=trust",
                            "--encoding=UTF8", "--locale=" + PG_LOCALE, "--no-instructions", "--no-sync"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=self.root, **self._run_kw())
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout.decode("utf-8", "replace"))
        conf = {"listen_addresses": "'127.0.0.1'", "unix_socket_directories": "'%s'" % self.root,
                "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
                "timezone": "'UTC'", "datestyle": "'iso, mdy'", "max_connections": "50",
                "shared_buffers": "'128MB'", "logging_collector": "off", "log_min_messages": "warning"}
        conf.update({k: v for k, v in self.settings.items()})
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
        self.log_path = os.path.join(self.root, "postgres.log")
        for attempt in range(3):
            self.port = weirtest.free_port()
            logf = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen([os.path.join(PG_BIN, "postgres"), "-D", data, "-p", str(self.port)],
                                             stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                             cwd=self.root, **self._run_kw())
            finally:
                logf.close()
            deadline = time.time() + timeout
            while time.time() < deadline and self.proc.poll() is None:
                if _port_open(self.port) and self._ready():
                    return self
                time.sleep(0.05)
            if self.proc.poll() is None:
                self.stop()
                raise RuntimeError("postgres did not start within %ds:\n%s" % (timeout, self.log_tail()))
            if "already in use" not in self.log_tail():
                break
        raise RuntimeError("postgres exited with %s:\n%s" % (self.proc.returncode, self.log_tail()))

    def _ready(self):
        import psycopg2
        try:
            psycopg2.connect(**self.conn_kw("postgres")).close()
            return True
        except psycopg2.OperationalError:
            return False

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return "\n".join(f.read().decode("utf-8", "replace").splitlines()[-n:])
        except OSError:
            return ""

    def conn_kw(self, db):
        return dict(host="127.0.0.1", port=self.port, user=self.user, dbname=db, connect_timeout=10)

    def dsn(self, db):
        return "host=127.0.0.1 port=%d user=%s dbname=%s" % (self.port, self.user, db)

    def connect(self, db="postgres", autocommit=True):
        import psycopg2
        c = psycopg2.connect(options="-c TimeZone=UTC -c DateStyle=ISO", **self.conn_kw(db))
        c.autocommit = autocommit
        return c

    def createdb(self, db):
        c = self.connect("postgres")
        try:
            with c.cursor() as cur:
                cur.execute('DROP DATABASE IF EXISTS "%s"' % db)
                cur.execute('CREATE DATABASE "%s" TEMPLATE template0 ENCODING \'UTF8\'' % db)
        finally:
            c.close()
        return db

    def stop(self):
        """Fast shutdown by PID (SIGINT), then remove the cluster directory."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)
        self.proc = None
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


class WeirPg:
    """weir with both listeners: HTTP (Kinesis) on server.port, PostgreSQL protocol on pg_port."""

    def __init__(self, name="weir-sql", data_dir=None, args=(), pg_port=None):
        self.pg_port = pg_port or weirtest.free_port()
        self.server = weirtest.Server(data_dir=data_dir, name=name,
                                      args=["--pg-listen", "127.0.0.1:%d" % self.pg_port] + list(args))
        self.user = "postgres"

    @property
    def port(self):
        return self.server.port

    def start(self, timeout=60):
        """Start the process; raises NoSql when the binary has no --pg-listen or never listens there."""
        if not os.access(weirtest.WEIR_BIN, os.X_OK):
            raise RuntimeError("WEIR_BIN %r is not an executable (run make debug)" % weirtest.WEIR_BIN)
        try:
            self.server.start(timeout=timeout)
        except weirtest.TestFailure as e:
            log = self.server.log().lower()
            if "unrecognized option" in log or "unknown option" in log or "usage:" in log:
                first = _first_line(self.server.log())
                self.server.cleanup()
                raise NoSql("weir server does not accept --pg-listen (%s)" % first)
            raise RuntimeError(str(e))
        deadline = time.time() + min(timeout, 15)
        while time.time() < deadline:
            if _port_open(self.pg_port):
                return self
            if not self.server.alive():
                raise RuntimeError("weir exited during startup:\n" + self.server.log_tail())
            time.sleep(0.05)
        raise NoSql("nothing accepts connections on the --pg-listen port %d" % self.pg_port)

    def conn_kw(self, db="weir"):
        return dict(host="127.0.0.1", port=self.pg_port, user=self.user, dbname=db, connect_timeout=10)

    def connect(self, db="weir", autocommit=True):
        import psycopg2
        c = psycopg2.connect(**self.conn_kw(db))
        c.autocommit = autocommit
        return c

    def sql_unavailable(self):
        """None when weir answers SQL over streams; otherwise the reason it cannot (for a SKIP line).
        The probe maps a one-shard stream it creates, then drops the mapping and deletes the stream."""
        import psycopg2
        try:
            conn = self.connect()
        except psycopg2.Error as e:
            return "connecting to the PostgreSQL port failed: %s" % _first_line(str(e))
        c = self.server.client()
        name = "sqlrun_probe"
        try:
            weirtest.create_stream(c, name, shards=1)
            with conn.cursor() as cur:
                try:
                    cur.execute("CREATE TABLE sqlrun_probe (x bigint) WITH (stream = 'sqlrun_probe', format = 'json')")
                except psycopg2.Error as e:
                    if e.pgcode == "0A000":
                        return "CREATE TABLE ... WITH (stream = ...) is not supported yet (SQLSTATE 0A000: %s)" \
                            % _first_line(e.pgerror or str(e))
                    raise RuntimeError("probe CREATE TABLE failed with SQLSTATE %s: %s" % (e.pgcode, e.pgerror))
                cur.execute("DROP TABLE sqlrun_probe")
        finally:
            conn.close()
            try:
                c.delete_stream(StreamName=name)
                weirtest.wait_gone(c, name)
            except Exception:  # noqa: BLE001 (a probe left behind only matters to tests that list streams)
                pass
        return None

    def stop(self):
        return self.server.stop()

    def cleanup(self):
        self.server.cleanup()


def _first_line(s):
    s = (s or "").strip()
    return s.splitlines()[0] if s else ""


def start_weir_sql(name="weir-sql", **kw):
    """Start weir and probe it: the running WeirPg. When weir cannot answer SQL over streams the server
    is stopped and weirtest.TestFailure says why (a test that needs SQL fails; it never skips)."""
    w = WeirPg(name=name, **kw)
    try:
        w.start()
        reason = w.sql_unavailable()
    except NoSql as e:
        w.cleanup()
        raise weirtest.TestFailure("weir cannot answer SQL: %s" % e)
    except BaseException:
        w.cleanup()
        raise
    if reason:
        w.stop()
        w.cleanup()
        raise weirtest.TestFailure("weir cannot answer SQL: %s" % reason)
    return w


def connect(s, db="weir"):
    """An autocommit psycopg2 connection to server s (a weirtest.managed_pg server: s.pg_port)."""
    import psycopg2
    c = psycopg2.connect(host="127.0.0.1", port=s.pg_port, user="postgres", dbname=db, connect_timeout=10)
    c.autocommit = True
    return c


def query(c, sql, params=None):
    """Run sql on connection c: its rows (a list of tuples), or None for a statement without rows."""
    with c.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else None
