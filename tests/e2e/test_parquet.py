# COPY (query) TO 'file' end to end against a real `weir server` (docs/parquet.md), with psycopg2 as the client:
#   - Parquet with every type weir has (NULLs in each column, long strings, unicode, NaN and infinities,
#     dates before 1970, microseconds), 60000 rows in three row groups, once per codec (none, snappy,
#     gzip, zstd); each file read back by DuckDB (@duckdb/node-api) and by hyparquet through
#     tests/e2e/parquet_read.mjs: the values equal the query's rows over psycopg2, DuckDB sees the
#     expected types (parquet_schema: physical, converted and logical types, field ids 1..n), and
#     parquet_metadata's statistics (min/max per row group, null counts, no NaN bound, none for a
#     10000-byte string) and codec are right;
#   - CSV (with HEADER, DELIMITER, NULL, FORCE_QUOTE *) and text files byte for byte equal to what
#     PostgreSQL 15's own COPY writes for the same query, and JSON lines equal to its row_to_json; the same
#     through COPY ... TO STDOUT (psycopg2's copy_expert) and psql's \copy;
#   - COPY table TO, a column list, compression by option and by file extension (.csv.gz, .jsonl.zst);
#   - errors as PostgreSQL answers them (relative path 42602, unknown option 42601, bad format 22023,
#     missing directory 58P01, COPY FROM / Parquet TO STDOUT 0A000), and a query that fails half way leaves no
#     file, no temporary file, and an existing file untouched; over POST /sql a file works, STDOUT is 0A000.
import datetime
import decimal
import glob
import gzip
import io
import json
import math
import os
import shutil
import struct
import subprocess
import tempfile

import pgtest
from pgtest import connect, query
from weirtest import TestFailure, check, eq, main, managed_pg, test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
N_ROWS = 60000

# Every type, a NULL pattern per column, edge values: NaN, -Infinity, a 10 KB string, 4-byte UTF-8,
# dates before 1970, timestamps with microseconds; sm has 7 values (it keeps its dictionary).
QUERY = """SELECT g AS id,
 CASE WHEN g % 11 = 0 THEN NULL ELSE g % 3 = 0 END AS b,
 CASE WHEN g % 12 = 0 THEN NULL ELSE (g % 30000 - 15000)::int2 END AS i2,
 (g * 7919)::int4 AS i4,
 CASE WHEN g % 13 = 0 THEN NULL ELSE g::int8 * 1000000007 - 9000000000000 END AS i8,
 CASE WHEN g % 14 = 0 THEN NULL WHEN g % 1000 = 1 THEN 'NaN'::float4 ELSE (g / 7.0)::float4 END AS f4,
 CASE WHEN g % 15 = 0 THEN NULL WHEN g = 2 THEN '-Infinity'::float8 ELSE g * 1.25::float8 / 3 END AS f8,
 CASE WHEN g % 16 = 0 THEN NULL ELSE (g * 1.001 - 500)::numeric(12,3) END AS dec,
 CASE WHEN g % 17 = 0 THEN NULL ELSE g::numeric / 8 END AS num,
 CASE WHEN g % 18 = 0 THEN NULL ELSE 'name-' || (g % 100) END AS t,
 CASE WHEN g % 19 = 0 THEN NULL ELSE 'ünï€😀 ' || g END AS u,
 CASE WHEN g % 1000 = 7 THEN repeat('long ', 2000) || g ELSE 'short' END AS long,
 CASE WHEN g % 20 = 0 THEN NULL ELSE ('{"k": ' || g || ', "s": "v"}')::jsonb END AS j,
 CASE WHEN g % 21 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END AS bin,
 CASE WHEN g % 22 = 0 THEN NULL ELSE DATE '2000-01-01' + (g - 30000) END AS d,
 CASE WHEN g % 23 = 0 THEN NULL ELSE TIME '00:00:00' + g * INTERVAL '1.5 second' END AS tm,
 CASE WHEN g % 24 = 0 THEN NULL ELSE TIMESTAMP '2020-01-01 00:00:00' + g * INTERVAL '1 second' END AS ts,
 CASE WHEN g % 25 = 0 THEN NULL ELSE TIMESTAMPTZ '1969-12-31 23:00:00+00' + g * INTERVAL '1 minute 0.000001 second' END AS tz,
 CASE WHEN g % 26 = 0 THEN NULL ELSE g * INTERVAL '1 hour 1 second' END AS iv,
 CASE WHEN g % 27 = 0 THEN NULL ELSE ARRAY[g, g + 1] END AS arr,
 ('v' || g)::varchar(20) AS vc,
 CASE WHEN g % 28 = 0 THEN NULL ELSE (g % 7)::int8 * 1000 END AS sm
FROM generate_series(1, N_ROWS) g ORDER BY id""".replace("N_ROWS", str(N_ROWS))

COLS = ["id", "b", "i2", "i4", "i8", "f4", "f8", "dec", "num", "t", "u", "long", "j", "bin", "d", "tm", "ts",
        "tz", "iv", "arr", "vc", "sm"]
DUCK_TYPES = {"id": "INTEGER", "b": "BOOLEAN", "i2": "SMALLINT", "i4": "INTEGER", "i8": "BIGINT", "f4": "FLOAT",
              "f8": "DOUBLE", "dec": "DECIMAL(12,3)", "num": "DOUBLE", "t": "VARCHAR", "u": "VARCHAR",
              "long": "VARCHAR", "j": "JSON", "bin": "BLOB", "d": "DATE", "tm": "TIME", "ts": "TIMESTAMP",
              "tz": "TIMESTAMP WITH TIME ZONE", "iv": "VARCHAR", "arr": "VARCHAR", "vc": "VARCHAR",
              "sm": "BIGINT"}
# parquet_schema(): (physical type, converted type) per column
PQ_TYPES = {"id": ("INT32", None), "b": ("BOOLEAN", None), "i2": ("INT32", "INT_16"), "i4": ("INT32", None),
            "i8": ("INT64", None), "f4": ("FLOAT", None), "f8": ("DOUBLE", None),
            "dec": ("FIXED_LEN_BYTE_ARRAY", "DECIMAL"), "num": ("DOUBLE", None), "t": ("BYTE_ARRAY", "UTF8"),
            "u": ("BYTE_ARRAY", "UTF8"), "long": ("BYTE_ARRAY", "UTF8"), "j": ("BYTE_ARRAY", "JSON"),
            "bin": ("BYTE_ARRAY", None), "d": ("INT32", "DATE"), "tm": ("INT64", "TIME_MICROS"),
            "ts": ("INT64", "TIMESTAMP_MICROS"), "tz": ("INT64", "TIMESTAMP_MICROS"), "iv": ("BYTE_ARRAY", "UTF8"),
            "arr": ("BYTE_ARRAY", "UTF8"), "vc": ("BYTE_ARRAY", "UTF8"), "sm": ("INT64", None)}
EPOCH = datetime.datetime(1970, 1, 1)
EPOCH_TZ = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
US = datetime.timedelta(microseconds=1)


def sqlstate(c, sql):
    import psycopg2
    try:
        query(c, sql)
    except psycopg2.Error as e:
        return e.pgcode
    raise TestFailure("no error from: %s" % sql)


def run_copy(c, sql):
    with c.cursor() as cur:
        cur.execute(sql)
        return cur.statusmessage


def expected_rows(c):
    """The query's rows over psycopg2, with the text of the columns Parquet holds as text (iv, arr)."""
    rows = query(c, QUERY)
    texts = query(c, "SELECT iv::text, arr::text FROM (%s) s ORDER BY id" % QUERY)
    out = []
    for r, (iv, arr) in zip(rows, texts):
        d = dict(zip(COLS, r))
        d["iv"], d["arr"] = iv, arr
        out.append(d)
    return out


def float_eq(got, want):
    if want is None or got is None:
        return got is None and want is None
    g = float(got) if not isinstance(got, str) or got not in ("NaN", "Infinity", "-Infinity") else float(got.lower().replace("infinity", "inf"))
    return (math.isnan(g) and math.isnan(want)) or g == want


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def micros(v):
    if isinstance(v, datetime.datetime):
        return (v - (EPOCH_TZ if v.tzinfo else EPOCH)) // US
    if isinstance(v, datetime.time):
        return ((v.hour * 60 + v.minute) * 60 + v.second) * 1000000 + v.microsecond
    raise TypeError(v)


def duck_value_ok(col, got, want):
    """got: DuckDB's text (parquet_read.mjs), want: the psycopg2 value."""
    if want is None:
        return got is None
    if got is None:
        return False
    if col == "b":
        return got == ("true" if want else "false")
    if col in ("id", "i2", "i4", "i8", "sm"):
        return int(got) == want
    if col in ("f4", "f8"):
        return float_eq(got, want)
    if col == "dec":
        return decimal.Decimal(got) == want
    if col == "num":
        return float(got) == float(want)
    if col == "j":
        return json.loads(got) == want
    if col == "bin":
        return got == bytes(want).hex().upper()
    if col == "d":
        return got == want.isoformat()
    if col in ("tm", "ts", "tz"):
        return int(got) == micros(want)
    return got == want


def hyp_value_ok(col, got, want):
    """got: hyparquet's value made JSON (parquet_read.mjs), want: the psycopg2 value."""
    if want is None:
        return got is None
    if got is None:
        return False
    if col == "b":
        return got is want
    if col in ("id", "i2", "i4", "i8", "sm"):
        return int(got) == want
    if col == "f4" and isinstance(got, float) and not math.isnan(want):
        return f32(got) == f32(want)  # hyparquet gives the float32 widened; psycopg2 its shortest text
    if col in ("f4", "f8"):
        return float_eq(got, want)
    if col in ("dec", "num"):
        return math.isclose(float(got), float(want), rel_tol=1e-12, abs_tol=1e-12)
    if col == "j":
        return got == want
    if col == "bin":
        return got == bytes(want).hex().upper()
    if col == "d":
        return int(got) == (want - datetime.date(1970, 1, 1)).days * 86400000
    if col == "tm":
        return int(got) == micros(want)
    if col in ("ts", "tz"):
        m = micros(want)  # hyparquet makes Dates: milliseconds, the microseconds divided toward zero
        return int(got) == (m // 1000 if m >= 0 else -((-m) // 1000))
    return got == want


def read_parquet(path):
    r = subprocess.run(["node", os.path.join(HERE, "parquet_read.mjs"), path], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        raise TestFailure("parquet_read.mjs %s failed:\n%s" % (path, r.stderr.decode("utf-8", "replace")[-3000:]))
    return json.loads(r.stdout)


def check_file(path, want, codec):
    got = read_parquet(path)
    duck, hyp = got["duck"], got["hyp"]
    eq(duck["types"], DUCK_TYPES, "DuckDB's column types")
    eq(len(duck["rows"]), len(want), "rows read by DuckDB")
    eq(hyp["num_rows"], len(want), "hyparquet num_rows")
    eq(hyp["row_groups"], 3, "row groups")
    eq(hyp["field_ids"], list(range(1, len(COLS) + 1)), "hyparquet field ids")
    # schema: types and field ids as DuckDB reads them
    schema = {r["name"]: r for r in duck["schema"]}
    for i, col in enumerate(COLS):
        s = schema[col]
        eq((s["type"], s["converted_type"]), PQ_TYPES[col], "parquet type of %s" % col)
        eq(int(s["field_id"]), i + 1, "field_id of %s" % col)
        eq(s["repetition_type"], "OPTIONAL", "repetition of %s" % col)
    eq((schema["dec"]["precision"], schema["dec"]["scale"]), ("12", "3"), "decimal precision/scale")
    check("isAdjustedToUTC=0" in schema["ts"]["logical_type"], "timestamp not UTC-adjusted: %s" % schema["ts"])
    check("isAdjustedToUTC=1" in schema["tz"]["logical_type"], "timestamptz UTC-adjusted: %s" % schema["tz"])
    # values, both readers
    bad = []
    for n, (drow, hrow, w) in enumerate(zip(duck["rows"], hyp["rows"], want)):
        for i, col in enumerate(COLS):
            if not duck_value_ok(col, drow[i], w[col]):
                bad.append("row %d %s: DuckDB %r, want %r" % (n, col, drow[i], w[col]))
            if not hyp_value_ok(col, hrow.get(col), w[col]):
                bad.append("row %d %s: hyparquet %r, want %r" % (n, col, hrow.get(col), w[col]))
        if len(bad) > 10:
            break
    check(not bad, "%s: values differ:\n%s" % (path, "\n".join(bad[:10])))
    # statistics per row group, and the codec
    groups = [(0, 25000), (25000, 50000), (50000, 60000)]
    for m in duck["meta"]:
        lo, hi = groups[int(m["row_group_id"])]
        col = m["path_in_schema"]
        part = [w[col] for w in want[lo:hi]]
        eq(m["compression"], codec.upper() if codec != "none" else "UNCOMPRESSED", "codec of %s" % col)
        eq(int(m["stats_null_count"]), sum(v is None for v in part), "null count of %s in group %s"
           % (col, m["row_group_id"]))
        vals = [v for v in part if v is not None and not (isinstance(v, float) and math.isnan(v))]
        if col in ("id", "i4", "i8", "i2", "sm"):
            eq((int(m["stats_min_value"]), int(m["stats_max_value"])), (min(vals), max(vals)), "min/max of " + col)
            eq((int(m["stats_min"]), int(m["stats_max"])), (min(vals), max(vals)), "legacy min/max of " + col)
        elif col in ("f4", "f8"):
            lo, hi = min(vals), max(vals)
            what = "min/max of %s: %s %s, want %s %s (never NaN)" % (col, m["stats_min_value"], m["stats_max_value"],
                                                                    lo, hi)
            # DuckDB shows an infinite bound as NULL (in its own files too); test_parquet.c reads ours
            check(m["stats_min_value"] is None if lo == -math.inf else float_eq(m["stats_min_value"], lo), what)
            check(float_eq(m["stats_max_value"], hi), what)
        elif col in ("t", "u", "vc"):
            key = lambda s: s.encode()  # noqa: E731 (byte order, as Parquet compares)
            eq((m["stats_min_value"], m["stats_max_value"]), (min(vals, key=key), max(vals, key=key)),
               "min/max of " + col)
        elif col == "dec":
            eq((decimal.Decimal(m["stats_min_value"]), decimal.Decimal(m["stats_max_value"])), (min(vals), max(vals)),
               "min/max of dec")
        elif col == "d":
            eq((m["stats_min_value"], m["stats_max_value"]), (min(vals).isoformat(), max(vals).isoformat()),
               "min/max of d")
        elif col == "long":
            eq((m["stats_min_value"], m["stats_max_value"]), (None, None), "no bounds past 4096 bytes")
        # few distinct values keep the dictionary; mostly distinct ones fall back to PLAIN after the probe
        encs = set(m["encodings"].split(", "))
        if col in ("sm", "t"):
            check("RLE_DICTIONARY" in encs or "PLAIN_DICTIONARY" in encs, "%s dictionary-encoded: %s" % (col, encs))
        if col == "id" and int(m["row_group_num_rows"]) > 16384:
            check("PLAIN" in encs and ("RLE_DICTIONARY" in encs or "PLAIN_DICTIONARY" in encs),
                  "id: dictionary, then PLAIN: %s" % encs)
    eq(len(duck["meta"]), 3 * len(COLS), "column chunks")


@test(weir_only="COPY TO is weir's SQL", server=False)
def test_parquet_every_type_every_codec():
    s = managed_pg("parquet")
    c = connect(s)
    want = expected_rows(c)
    eq(len(want), N_ROWS, "query rows")
    d = tempfile.mkdtemp(prefix="weir-parquet-")
    try:
        for codec in ("snappy", "none", "gzip", "zstd"):
            path = os.path.join(d, "every_%s.parquet" % codec)
            tag = run_copy(c, "COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION '%s', ROW_GROUP_SIZE 25000)"
                           % (QUERY, path, codec))
            eq(tag, "COPY %d" % N_ROWS, "command tag")
            check_file(path, want, codec)
        eq(sorted(os.listdir(d)), sorted("every_%s.parquet" % k for k in ("snappy", "none", "gzip", "zstd")),
           "no temporary files left")
        # smaller with a codec than without, on this data
        sizes = {k: os.path.getsize(os.path.join(d, "every_%s.parquet" % k)) for k in ("none", "snappy", "zstd")}
        check(sizes["zstd"] < sizes["none"] and sizes["snappy"] < sizes["none"], "compressed sizes %s" % sizes)
        # DuckDB's spelling: no FORMAT, the extension decides; CODEC; default row groups (122880 rows)
        path = os.path.join(d, "inferred.parquet")
        eq(run_copy(c, "COPY (SELECT g, 'x' || g AS s FROM generate_series(1, 300000) g) TO '%s' (CODEC 'zstd')"
                    % path), "COPY 300000", "tag")
        got = read_parquet(path)
        meta = got["duck"]["meta"]
        eq(sorted({int(m["row_group_num_rows"]) for m in meta}), [54240, 122880], "default row group sizes")
        eq({m["compression"] for m in meta}, {"ZSTD"}, "codec")
        eq(len(got["hyp"]["rows"]), 300000, "rows")
        eq(got["hyp"]["rows"][299999], {"g": 300000, "s": "x300000"}, "last row")
    finally:
        shutil.rmtree(d, ignore_errors=True)


TEXT_QUERY = r"""SELECT * FROM (VALUES
 (1, 'plain', 1.5::float8, 12.30::numeric, true, DATE '1999-12-31', TIMESTAMPTZ '2024-02-29 12:34:56.789+00',
  '\x00ff'::bytea, '{"a": [1, "x"]}'::jsonb, INTERVAL '1 day 02:03:04', ARRAY['a', 'b c']),
 (2, 'with "quotes", commas; semis', -0.0::float8, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL),
 (3, E'new\nline\ttab\\back\rcr', 'NaN'::float8, -1e-10::numeric, NULL, DATE '2000-01-01', NULL, ''::bytea,
  '[]'::jsonb, INTERVAL '-3 months', '{}'::text[]),
 (4, '', 'Infinity'::float8, 0::numeric, true, NULL, TIMESTAMPTZ '1970-01-01 00:00:00+00', NULL, 'null'::jsonb,
  NULL, NULL),
 (5, NULL, 1e300::float8, 123456789.123456789::numeric, NULL, NULL, NULL, NULL, '"s"'::jsonb, NULL, NULL),
 (6, 'ünï€😀', 0.1::float8, 1::numeric, false, DATE '0044-03-15', NULL, '\x5c'::bytea, NULL, NULL, NULL),
 (7, '\.', 2::float8, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) AS v(id, s, f, n, b, d, t, by, j, iv, arr) ORDER BY id"""

# (options, file name): each written by weir and by PostgreSQL, compared byte for byte
TEXT_CASES = [
    ("FORMAT csv, HEADER true", "h.csv"),
    ("FORMAT csv", "plain.csv"),
    ("FORMAT csv, DELIMITER ';', NULL 'NULL', FORCE_QUOTE *", "semi.csv"),
    ("FORMAT csv, QUOTE '''', ESCAPE '\\'", "quote.csv"),
    ("FORMAT text", "plain.txt"),
    ("FORMAT text, HEADER true, DELIMITER '|', NULL ''", "pipe.txt"),
]


@test(weir_only="compares weir's COPY files with PostgreSQL's", server=False)
def test_csv_text_json_as_postgres():
    s = managed_pg("copy-text")
    c = connect(s)
    pg = pgtest.PgCluster("copy").start()
    d = tempfile.mkdtemp(prefix="weir-copy-")
    os.chmod(d, 0o777)  # PostgreSQL writes its files here as the postgres user
    try:
        pc = pg.connect()
        for opts, name in TEXT_CASES:
            mine, theirs = os.path.join(d, "weir-" + name), os.path.join(d, "pg-" + name)
            eq(run_copy(c, "COPY (%s) TO '%s' WITH (%s)" % (TEXT_QUERY, mine, opts)), "COPY 7", "weir tag")
            eq(run_copy(pc, "COPY (%s) TO '%s' WITH (%s)" % (TEXT_QUERY, theirs, opts)), "COPY 7", "postgres tag")
            a, b = open(mine, "rb").read(), open(theirs, "rb").read()
            check(a == b, "%s differs from PostgreSQL's:\nweir:\n%r\npostgres:\n%r" % (opts, a, b))
        # TO STDOUT (the protocol's CopyOut): the same bytes as PostgreSQL sends, through psycopg2
        for opts, name in TEXT_CASES:
            got, want = io.StringIO(), io.StringIO()
            with c.cursor() as cur:
                cur.copy_expert("COPY (%s) TO STDOUT WITH (%s)" % (TEXT_QUERY, opts), got)
            with pc.cursor() as cur:
                cur.copy_expert("COPY (%s) TO STDOUT WITH (%s)" % (TEXT_QUERY, opts), want)
            eq(got.getvalue(), want.getvalue(), "COPY TO STDOUT WITH (%s)" % opts)
        # and psql's \copy, which is COPY ... TO STDOUT written by psql into a client-side file
        for port, path in ((s.pg_port, os.path.join(d, "weir-psql.csv")), (pg.port, os.path.join(d, "pg-psql.csv"))):
            r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(port), "-U",
                                "postgres" if port == s.pg_port else pg.user, "-d",
                                "weir" if port == s.pg_port else "postgres", "-c",
                                "\\copy (%s) to '%s' csv header" % (" ".join(TEXT_QUERY.split()), path)],
                               env=pgtest.psql_env(), capture_output=True, text=True, timeout=60)
            eq(r.returncode, 0, "psql \\copy: %s" % r.stderr)
        eq(open(os.path.join(d, "weir-psql.csv"), "rb").read(), open(os.path.join(d, "pg-psql.csv"), "rb").read(),
           "psql \\copy")
        # old syntax: COPY ... TO 'f' CSV HEADER
        mine = os.path.join(d, "old.csv")
        eq(run_copy(c, "COPY (%s) TO '%s' CSV HEADER" % (TEXT_QUERY, mine)), "COPY 7", "tag")
        eq(open(mine, "rb").read(), open(os.path.join(d, "pg-h.csv"), "rb").read(), "CSV HEADER")
        # JSON lines: PostgreSQL's row_to_json of each row
        mine = os.path.join(d, "rows.json")
        eq(run_copy(c, "COPY (%s) TO '%s' (FORMAT json)" % (TEXT_QUERY, mine)), "COPY 7", "tag")
        want = [r[0] for r in query(pc, "SELECT row_to_json(v)::text FROM (%s) v" % TEXT_QUERY)]
        got = open(mine, encoding="utf-8").read().split("\n")
        eq(got[-1], "", "JSON lines end with a newline")
        eq(got[:-1], want, "JSON lines")
        pc.close()
    finally:
        pg.stop()
        shutil.rmtree(d, ignore_errors=True)


@test(weir_only="COPY TO is weir's SQL", server=False)
def test_copy_table_compression_and_errors():
    s = managed_pg("copy-errors")
    c = connect(s)
    d = tempfile.mkdtemp(prefix="weir-copy-")
    try:
        # COPY table [(columns)] TO
        path = os.path.join(d, "ns.csv")
        n = len(query(c, "SELECT nspname FROM pg_namespace"))
        eq(run_copy(c, "COPY pg_namespace (nspname, oid) TO '%s' (FORMAT csv)" % path), "COPY %d" % n, "tag")
        want = ["%s,%s" % r for r in query(c, "SELECT nspname, oid FROM pg_namespace")]
        eq(open(path).read().splitlines(), want, "COPY table (columns)")
        # compression by extension and by option
        big = "SELECT g, 'row ' || g AS s FROM generate_series(1, 50000) g"
        lines = ["%d,row %d" % (g, g) for g in range(1, 50001)]
        path = os.path.join(d, "rows.csv.gz")
        eq(run_copy(c, "COPY (%s) TO '%s' (FORMAT csv)" % (big, path)), "COPY 50000", "tag")
        eq(gzip.open(path, "rt").read().splitlines(), lines, ".csv.gz")
        path = os.path.join(d, "rows.jsonl.zst")
        eq(run_copy(c, "COPY (%s) TO '%s'" % (big, path)), "COPY 50000", "tag")
        if shutil.which("zstd"):
            out = subprocess.run(["zstd", "-dc", path], stdout=subprocess.PIPE, check=True).stdout.decode()
            eq([json.loads(x) for x in out.splitlines()][-1], {"g": 50000, "s": "row 50000"}, ".jsonl.zst")
        else:
            eq(open(path, "rb").read(4), b"\x28\xb5\x2f\xfd", "zstd magic")
        path = os.path.join(d, "rows.txt")
        eq(run_copy(c, "COPY (%s) TO '%s' (COMPRESSION gzip)" % (big, path)), "COPY 50000", "tag")
        eq(gzip.open(path, "rt").read().splitlines(), [x.replace(",", "\t") for x in lines], "text, gzip")
        # errors, as PostgreSQL answers them
        cases = [
            ("COPY (SELECT 1) TO 'relative.csv'", "42602"),
            ("COPY (SELECT 1) TO STDOUT (FORMAT parquet)", "0A000"),
            ("COPY (SELECT 1) TO STDOUT (COMPRESSION gzip)", "0A000"),
            ("COPY pg_class FROM '/tmp/x.csv'", "0A000"),
            ("COPY (SELECT 1) TO PROGRAM 'cat'", "0A000"),
            ("COPY (SELECT 1) TO '%s/x' (FORMAT xml)" % d, "22023"),
            ("COPY (SELECT 1) TO '%s/x' (FORMAT binary)" % d, "0A000"),
            ("COPY (SELECT 1) TO '%s/x' (BOGUS 1)" % d, "42601"),
            ("COPY (SELECT 1) TO '%s/x' (FORMAT csv, FORMAT csv)" % d, "42601"),
            ("COPY (SELECT 1) TO '%s/x' (FORMAT csv, DELIMITER 'ab')" % d, "0A000"),
            ("COPY (SELECT 1) TO '%s/x' (FORMAT text, QUOTE '\"')" % d, "0A000"),
            ("COPY (SELECT 1) TO '%s/x.parquet' (HEADER true)" % d, "0A000"),
            ("COPY (SELECT 1) TO '%s/x.parquet' (ROW_GROUP_SIZE 0)" % d, "22023"),
            ("COPY (SELECT 1) TO '%s/x.csv' (COMPRESSION lz4)" % d, "22023"),
            ("COPY (SELECT nosuch) TO '%s/x.csv'" % d, "42703"),
            ("COPY nosuch TO '%s/x.csv'" % d, "42P01"),
            ("COPY (SELECT 1) TO '%s/no/such/dir/x.csv'" % d, "58P01"),
            ("COPY (SELECT 1) TO '%s'" % d, "42809"),
        ]
        for sql, state in cases:
            eq(sqlstate(c, sql), state, sql)
        # a query failing half way: no file, no temporary file; an existing file stays as it was
        path = os.path.join(d, "half.parquet")
        failing = "SELECT g, 10 / (40000 - g) AS x FROM generate_series(1, 50000) g"
        eq(sqlstate(c, "COPY (%s) TO '%s'" % (failing, path)), "22012", "division by zero")
        check(not os.path.exists(path), "no file after a failed COPY")
        with open(path, "w") as f:
            f.write("old")
        eq(sqlstate(c, "COPY (%s) TO '%s'" % (failing, path)), "22012", "division by zero")
        eq(open(path).read(), "old", "the old file is untouched")
        eq(glob.glob(os.path.join(d, "*weir-tmp*")), [], "temporary files")
        # the session still works
        eq(query(c, "SELECT 1"), [(1,)], "session after errors")
        # POST /sql: COPY to a file works, TO STDOUT (the PostgreSQL protocol's CopyOut) is refused
        import urllib.error
        import urllib.request
        path = os.path.join(d, "http.csv")
        url = "http://127.0.0.1:%d/sql" % s.port
        body = json.loads(urllib.request.urlopen(urllib.request.Request(
            url, data=("COPY (SELECT 1 AS a, 'x' AS b) TO '%s' (FORMAT csv, HEADER)" % path).encode())).read())
        eq(body["command"], "COPY 1", "POST /sql COPY tag")
        eq(open(path).read(), "a,b\n1,x\n", "POST /sql COPY file")
        try:
            urllib.request.urlopen(urllib.request.Request(url, data=b"COPY (SELECT 1) TO STDOUT"))
            raise TestFailure("POST /sql COPY TO STDOUT answered 200")
        except urllib.error.HTTPError as e:
            eq((e.code, json.loads(e.read())["error"]["sqlstate"]), (400, "0A000"), "POST /sql COPY TO STDOUT")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
