# test_pg_catalog.py: weir's pg_catalog and information_schema (src/exec/syscat.c) through the real
# clients, side by side with a private PostgreSQL 15 holding an equivalent table:
#   - psql 15's \dt, \d clicks, \d, \dn, \du, \dT, \df, \di, \dv, \ds print exactly what they print for
#     PostgreSQL (same user, same database name, same table columns); \l lists the database the same way;
#   - catalog queries drivers and tools send (pg_class, pg_attribute, pg_type, pg_namespace,
#     information_schema, reg* casts, to_regclass, format_type, pg_settings) answer the same rows with the
#     same column type OIDs (psycopg2);
#   - JDBC's DatabaseMetaData (tests/e2e/pgjdbc/PgCatalogMeta.java: getTables, getColumns, getSchemas,
#     getPrimaryKeys, getIndexInfo, getBestRowIdentifier, getImportedKeys, getExportedKeys,
#     getCrossReference, getTypeInfo, getFunctions, getProcedures, getTablePrivileges,
#     getColumnPrivileges, getTableTypes, getFunctionColumns and getProcedureColumns of built-in
#     functions, and the ResultSetMetaData of a query) answers as it does against PostgreSQL; getTypeInfo
#     lists the types weir has, each row equal to PostgreSQL's; the ResultSetMetaData of weir's hidden
#     columns names their table (RowDescription gives them the attnum pg_attribute lists them at).
# Where weir differs from PostgreSQL on purpose (docs/internals/syscat.md: no template databases, no
# composite row types, relam 0, no descriptions of built-in functions) the comparison says so.
import os
import re
import subprocess
import sys

import pgclients
import pgtest
from pgclients import JDBC_JAR, Skip
from weirtest import check, eq

TABLE_COLUMNS = ("user_id bigint, url text, ts timestamptz, status int, bytes bigint, price numeric(10,2), "
                 "name varchar(20), ok boolean, day date, payload jsonb")


class Sides:
    """A PostgreSQL 15 and a weir, each with table clicks (TABLE_COLUMNS), reached as the same user and
    database name so owners and catalogs print alike."""

    def __init__(self):
        self.pg = self.w = None
        self.skip_reason = None

    def start(self):
        if not pgclients.ENABLED:
            self.skip_reason = "PostgreSQL client tests are off (E2E_SQL=0)"
            return self
        self.w = pgtest.start_weir_sql(name="pg-catalog")
        self.pg = pgtest.PgCluster("catalog").start()
        self.user = self.pg.user
        self.w.user = self.user  # weir accepts any user name: use PostgreSQL's, so Owner columns agree
        self.database = "postgres"
        c = self.pg_conn()
        with c.cursor() as cur:
            cur.execute("CREATE TABLE clicks (%s)" % TABLE_COLUMNS)
        c.close()
        c = self.weir_conn()
        with c.cursor() as cur:
            cur.execute("CREATE TABLE clicks (%s) WITH (stream = 'clicks', format = 'json', shards = 1)"
                        % TABLE_COLUMNS)
        c.close()
        return self

    def pg_conn(self):
        import psycopg2
        c = psycopg2.connect(**self.pg.conn_kw(self.database))
        c.autocommit = True
        return c

    def weir_conn(self):
        import psycopg2
        c = psycopg2.connect(**self.w.conn_kw(self.database))
        c.autocommit = True
        return c

    def endpoints(self):
        return [("postgres", self.pg.port), ("weir", self.w.pg_port)]

    def stop(self):
        problems = []
        if self.w is not None:
            rc = self.w.stop()
            if rc != 0:
                problems.append("weir exited with %s; log tail:\n%s" % (rc, self.w.server.log_tail()))
            rep = self.w.server.sanitizer_report()
            if rep:
                problems.append("sanitizer report:\n" + rep)
            self.w.cleanup()
        if self.pg is not None:
            self.pg.stop()
        return problems


SIDES = None


def sides():
    global SIDES
    if SIDES is None:
        SIDES = Sides().start()
    if SIDES.skip_reason:
        raise Skip(SIDES.skip_reason)
    return SIDES


def psql(s, port, command):
    cmd = ["psql", "-X", "-h", "127.0.0.1", "-p", str(port), "-U", s.user, "-d", s.database, "-c", command]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=pgtest.psql_env())


# ---- psql ----
def test_psql_describe():
    s = sides()
    failures = []
    for command in (r"\dt", r"\d clicks", r"\d", r"\dn", r"\du", r"\dT", r"\df", r"\di", r"\dv", r"\ds",
                    r"\dt public.*", r"\d nosuchtable"):
        want = psql(s, s.pg.port, command)
        got = psql(s, s.w.pg_port, command)
        if (got.returncode, got.stdout, got.stderr) != (want.returncode, want.stdout, want.stderr):
            failures.append("%s\n--- PostgreSQL (exit %d)\n%s%s--- weir (exit %d)\n%s%s" % (
                command, want.returncode, want.stdout, want.stderr, got.returncode, got.stdout, got.stderr))
    # weir's catalogs themselves differ from PostgreSQL's on purpose (no NOT NULL, no indexes, stand-in
    # types): \d of one lists its columns
    got = psql(s, s.w.pg_port, r"\d pg_catalog.pg_namespace")
    if got.returncode != 0 or not all(re.search(r"^ %s\s*\| %s\s*\|" % (c, re.escape(t)), got.stdout, re.M)
                                      for c, t in (("oid", "oid"), ("nspname", "name"), ("nspacl", "text[]"))):
        failures.append("\\d pg_catalog.pg_namespace (exit %d)\n%s%s" % (got.returncode, got.stdout, got.stderr))
    check(not failures, "psql output differs:\n" + "\n".join(failures))
    print("  " + psql(s, s.w.pg_port, r"\d clicks").stdout.replace("\n", "\n  "))


def test_psql_list_databases():
    # PostgreSQL also lists template0 and template1; weir has no templates (any database name reaches the
    # same tables): the row of the database itself must match.
    s = sides()
    want = psql(s, s.pg.port, r"\l")
    got = psql(s, s.w.pg_port, r"\l")
    eq(got.returncode, 0, r"\l exit (stderr %r)" % got.stderr)
    row = [ln for ln in want.stdout.split("\n") if ln.startswith(" postgres ")]
    eq(len(row), 1, r"PostgreSQL's \l row for postgres")
    # the column widths follow the widest row; compare the cells
    cells = [c.strip() for c in row[0].split("|")]
    got_rows = [[c.strip() for c in ln.split("|")] for ln in got.stdout.split("\n") if ln.startswith(" postgres ")]
    eq(got_rows, [cells], r"\l row for postgres")


# ---- catalog queries (psycopg2) ----
QUERIES = [
    "SELECT c.relname, c.relkind, n.nspname, pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c "
    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1",
    "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnum, a.attnotnull, a.atttypid, "
    "a.atttypmod, a.attlen, a.attcollation FROM pg_catalog.pg_attribute a "
    "WHERE a.attrelid = 'clicks'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
    "SELECT table_catalog, table_schema, table_name, column_name, ordinal_position, is_nullable, data_type, "
    "character_maximum_length, character_octet_length, numeric_precision, numeric_precision_radix, "
    "numeric_scale, datetime_precision, udt_name, dtd_identifier FROM information_schema.columns "
    "WHERE table_name = 'clicks' ORDER BY ordinal_position",
    "SELECT table_catalog, table_schema, table_name, table_type FROM information_schema.tables "
    "WHERE table_schema = 'public'",
    "SELECT catalog_name, schema_name, schema_owner FROM information_schema.schemata WHERE schema_name <> 'pg_toast' "
    "ORDER BY 2",
    "SELECT nspname, pg_catalog.pg_get_userbyid(nspowner) FROM pg_catalog.pg_namespace "
    "WHERE nspname !~ '^pg_toast' ORDER BY 1",
    "SELECT oid, typname, typnamespace, typlen, typbyval, typtype, typcategory, typispreferred, typdelim, typelem, "
    "typarray, typinput, typoutput, typreceive, typsend, typmodin, typmodout, typanalyze, typalign, typstorage, "
    "typcollation FROM pg_catalog.pg_type WHERE oid IN (16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 1000, "
    "1007, 1009, 1015, 1043, 1082, 1083, 1114, 1184, 1186, 1700, 2205, 2206, 3802, 3807, 4089, 4096) ORDER BY oid",
    "SELECT 'clicks'::regclass, 'pg_catalog.pg_class'::regclass, 'information_schema.columns'::regclass AS cols, "
    "'int4'::regtype, 'character varying'::regtype, 'pg_catalog.array_in'::regproc, to_regclass('nope'), "
    "to_regtype('text[]'), 'public'::regnamespace, 0::regclass",
    "SELECT pg_catalog.format_type(1043, 24), pg_catalog.format_type(1700, 655366), pg_catalog.format_type(1007, -1), "
    "pg_catalog.format_type(2283, NULL)",
    "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'",
    "SELECT name, setting, unit, vartype, context FROM pg_catalog.pg_settings WHERE name IN ('DateStyle', "
    "'TimeZone', 'statement_timeout', 'work_mem', 'standard_conforming_strings', 'client_encoding') ORDER BY 1",
    # PostgreSQL's other predefined roles (pg_monitor, ...) are not weir's: only pg_database_owner is
    "SELECT rolname, rolsuper, rolcanlogin, rolcreatedb FROM pg_catalog.pg_roles "
    "WHERE rolname !~ '^pg_' OR rolname = 'pg_database_owner' ORDER BY 1",
    "SELECT datname, pg_catalog.pg_encoding_to_char(encoding), datcollate, datallowconn FROM pg_catalog.pg_database "
    "WHERE datname = current_database()",
    "SELECT oid, collname FROM pg_catalog.pg_collation WHERE oid IN (100, 950, 951) ORDER BY 1",
    # what a table has beyond its columns: nothing, on either side
    "SELECT count(*) FROM pg_catalog.pg_index WHERE indrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_constraint WHERE conrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_inherits WHERE inhrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_policy WHERE polrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_attrdef WHERE adrelid = 'clicks'::regclass",
    "SELECT count(*) FROM pg_catalog.pg_description WHERE objoid = 'clicks'::regclass",
    "SELECT proname, pronargs, prorettype::regtype, provolatile, proisstrict FROM pg_catalog.pg_proc "
    "WHERE oid IN (870, 1081, 1597, 2079) ORDER BY oid",
    "SELECT schemaname, tablename, tableowner FROM pg_catalog.pg_tables WHERE schemaname = 'public'",
    "SELECT current_schemas(true), current_schema(), pg_catalog.pg_table_is_visible('clicks'::regclass)",
]


def rows_of(conn, q):
    with conn.cursor() as cur:
        try:
            cur.execute(q)
        except Exception as e:  # noqa: BLE001 (the message goes into the comparison)
            return ("ERROR", getattr(e, "pgcode", None), str(e).strip().split("\n")[0])
        return ([(d.name, d.type_code) for d in cur.description], [tuple(map(str, r)) for r in cur.fetchall()])


def test_catalog_queries():
    s = sides()
    pg, w = s.pg_conn(), s.weir_conn()
    failures = []
    try:
        for q in QUERIES:
            want, got = rows_of(pg, q), rows_of(w, q)
            if want != got:
                failures.append("%s\n  PostgreSQL: %r\n  weir:       %r" % (q, want, got))
    finally:
        pg.close()
        w.close()
    check(not failures, "%d of %d catalog queries differ:\n%s" % (len(failures), len(QUERIES), "\n".join(failures)))


def test_psycopg2_parameters():
    # psycopg2 interpolates parameters client side: a text parameter cast to regclass, as tools do
    s = sides()
    results = []
    for conn in (s.pg_conn(), s.weir_conn()):
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = %s::regclass "
                            "AND attnum > 0 ORDER BY attnum", ("clicks",))
                results.append([r[0] for r in cur.fetchall()])
        finally:
            conn.close()
    eq(results[1], results[0], "column names through a regclass parameter")


# ---- JDBC ----
def jdbc_sections(s, port, classes):
    url = "jdbc:postgresql://127.0.0.1:%d/%s?sslmode=disable" % (port, s.database)
    r = subprocess.run(["java", "-cp", classes + ":" + JDBC_JAR, "PgCatalogMeta", url, s.user, "clicks"],
                       capture_output=True, text=True, timeout=300)
    eq(r.returncode, 0, "PgCatalogMeta exit (stderr %r)" % r.stderr[-2000:])
    out, cur = {}, None
    for line in r.stdout.split("\n"):
        if line.startswith("== "):
            cur = line[3:]
            out[cur] = []
        elif cur is not None and line:
            out[cur].append(line)
    return out


def test_jdbc_metadata():
    s = sides()
    with pgclients.jdbc_program("PgCatalogMeta", "weir-jdbc-catalog-") as classes:
        want = jdbc_sections(s, s.pg.port, classes)
        got = jdbc_sections(s, s.w.pg_port, classes)
    print("  getColumns through weir:\n    " + "\n    ".join(got.get("getColumns", [])))
    failures = []
    names = ["getTables", "getColumns", "getSchemas", "getSchemasPattern", "getCatalogs", "getPrimaryKeys",
             "getIndexInfo", "getBestRowIdentifier", "getVersionColumns", "getImportedKeys", "getExportedKeys",
             "getCrossReference",
             "getFunctions", "getProcedures", "getTablePrivileges", "getColumnPrivileges", "getTableTypes",
             "resultSetMetaData"]
    names += [n for n in want if n.startswith(("getFunctionColumns ", "getProcedureColumns "))]
    for name in names:
        if got.get(name) != want.get(name):
            failures.append("%s\n  PostgreSQL: %s\n  weir:       %s" % (name, want.get(name), got.get(name)))
    # built-in functions: the same rows but for REMARKS, PostgreSQL's descriptions (weir keeps none)
    def no_remarks(lines):
        return [ln.split("|")[:3] + ln.split("|")[4:] for ln in (lines or [])]
    for name in [n for n in want if n.startswith("getFunctions ")]:
        if not want[name][1:] or no_remarks(got.get(name)) != no_remarks(want[name]):
            failures.append("%s\n  PostgreSQL: %s\n  weir:       %s" % (name, want.get(name), got.get(name)))
    # hidden columns: PostgreSQL has none; the driver finds weir's in pg_attribute (attnum -1..-7)
    eq(got.get("hiddenColumns"), ["name|type|jdbcType|nullable|table|precision|scale",
                                  "_shard_id|text|12|1|clicks|2147483647|0",
                                  "_arrival_time|timestamptz|93|1|clicks|35|6",
                                  "_message_length|int8|-5|1|clicks|19|0",
                                  "user_id|int8|-5|1|clicks|19|0"], "ResultSetMetaData of hidden columns")
    # getTypeInfo: PostgreSQL has ~400 types, weir the ones it implements; each of weir's rows must be
    # PostgreSQL's row for that type name, and the types weir has must all be there
    wt, gt = want.get("getTypeInfo", []), got.get("getTypeInfo", [])
    if not gt or gt[0] != (wt[0] if wt else None) or gt[0].startswith("ERROR"):
        failures.append("getTypeInfo header/error\n  PostgreSQL: %s\n  weir:       %s" % (wt[:1], gt[:1]))
    else:
        by_name = {ln.split("|")[0]: ln for ln in wt[1:]}
        for ln in gt[1:]:
            if by_name.get(ln.split("|")[0]) != ln:
                failures.append("getTypeInfo row\n  PostgreSQL: %s\n  weir:       %s"
                                % (by_name.get(ln.split("|")[0]), ln))
        names = {ln.split("|")[0] for ln in gt[1:]}
        for t in ("bool", "int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "name",
                  "bytea", "date", "time", "timestamp", "timestamptz", "interval", "json", "jsonb", "oid", "regclass",
                  "_int4", "_text", "int2vector", "oidvector"):
            if t not in names:
                failures.append("getTypeInfo has no row for %s" % t)
    check(not failures, "JDBC metadata differs:\n" + "\n".join(failures))


TESTS = [(f.__name__, f) for f in (test_psql_describe, test_psql_list_databases, test_catalog_queries,
                                   test_psycopg2_parameters, test_jdbc_metadata)]


def cleanup():
    return SIDES.stop() if SIDES is not None else []


if __name__ == "__main__":
    sys.exit(pgclients.run_tests(TESTS, cleanup=cleanup))
