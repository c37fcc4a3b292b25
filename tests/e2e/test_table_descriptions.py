# `weir server --table-descriptions DIR` (src/exec/tabledesc.c, docs/tables.md): Presto/Trino Kinesis table
# description files become tables at startup, queryable at once.
#   - two files (the Trino docs' shape: nested fields through "mapping" paths, a DATE with dataFormat
#     "iso8601"; and a CSV one with a custom-date-time formatHint), records written with boto3, queried with
#     psql (and POST /sql);
#   - restarts: unchanged files leave the tables alone, a changed file replaces its table, a removed file
#     drops it, a start without the flag keeps them;
#   - bad directories: malformed files, unsupported types, two files defining one table, a name taken by a
#     CREATE TABLE table, a missing directory: the server refuses to start, names every problem, and
#     changes nothing.
# Every server that started is stopped with SIGTERM and must exit 0 with no sanitizer report (weirtest).
import json
import os
import shutil
import subprocess
import tempfile

import pgtest
import weirtest as wt
from weirtest import check, eq, managed, test

# The example of the Trino Kinesis connector docs ("Table definition"), as a user would have it.
TRINO_EXAMPLE = {
    "tableName": "test_table",
    "schemaName": "prod",
    "streamName": "test_kinesis_stream",
    "message": {
        "dataFormat": "json",
        "fields": [
            {"name": "client_id", "type": "BIGINT", "mapping": "body/profile/clientId",
             "comment": "The client ID field"},
            {"name": "acct_balance", "type": "DOUBLE", "mapping": "body/account/acct_balance",
             "comment": "Current account balance"},
            {"name": "service_type", "mapping": "header/sub_type", "type": "VARCHAR", "comment": "Service type"},
            {"name": "signup_date", "mapping": "body/signup_date", "type": "DATE",
             "comment": "Date of account signup", "dataFormat": "iso8601"},
        ],
    },
}

NASA = {
    "tableName": "Nasa_Logs",  # Trino folds names to lower case
    "schemaName": "default",
    "streamName": "nasa",
    "message": {
        "dataFormat": "json",
        "fields": [
            {"name": "HOST", "mapping": "host", "type": "VARCHAR(20)"},
            {"name": "at", "mapping": "ts", "type": "TIMESTAMP WITH TIME ZONE", "dataFormat": "custom-date-time",
             "formatHint": "dd/MMM/yyyy:HH:mm:ss Z"},
            {"name": "code", "mapping": "code", "type": "INTEGER"},
            {"name": "path", "mapping": "request/path", "type": "VARCHAR"},
            {"name": "bytes", "mapping": "bytes", "type": "BIGINT", "hidden": "true"},
        ],
    },
}


def write_desc(d, name, obj):
    with open(os.path.join(d, name), "w") as f:
        json.dump(obj, f, indent=2)


def psql(port, sql):
    r = subprocess.run(["psql", "-X", "-At", "-F", "|", "-h", "127.0.0.1", "-p", str(port), "-U", "u", "-d", "weir",
                        "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True, timeout=60, env=pgtest.psql_env())
    check(r.returncode == 0, "psql %r failed: %s" % (sql, r.stderr))
    return r.stdout


def server_with(desc_dir, data_dir=None, name="server"):
    pg_port = wt.free_port()
    args = ["--pg-listen", "127.0.0.1:%d" % pg_port]
    if desc_dir:
        args += ["--table-descriptions", desc_dir]
    s = managed(args=args, data_dir=data_dir, name=name).start()
    s.pg_port = pg_port
    return s


def refused(desc_dir, data_dir):
    """Start a server that must refuse to start; returns its output."""
    r = subprocess.run([wt.WEIR_BIN, "server", "--data", data_dir, "--listen", "127.0.0.1:0", "--pg-listen", "none",
                        "--table-descriptions", desc_dir], capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    eq(r.returncode, 1, "exit status of a start with a bad directory (output %r)" % (r.stdout + r.stderr))
    check("listening" not in r.stdout, "it must not serve")
    for m in wt.SANITIZER_MARKERS:
        check(m not in r.stderr, "sanitizer report:\n" + r.stderr)
    return r.stderr


@test(server=False, weir_only="--table-descriptions is weir's")
def test_descriptions_queried_with_psql():
    d = tempfile.mkdtemp(prefix="weir-e2e-desc-")
    try:
        write_desc(d, "test_table.json", TRINO_EXAMPLE)
        write_desc(d, "nasa.json", NASA)
        with open(os.path.join(d, "README.txt"), "w") as f:
            f.write("not a description: ignored\n")
        s = server_with(d)
        check("2 files, 2 tables added" in s.log(), "startup line: %r" % s.log())
        # the tables exist before their streams: the writer creates those afterwards, as with Trino
        c = s.client()
        wt.create_stream(c, "test_kinesis_stream", shards=2)
        wt.create_stream(c, "nasa", shards=1)
        recs = []
        for i in range(1, 6):
            recs.append({"header": {"sub_type": "gold" if i % 2 else "basic", "ts": i},
                         "body": {"profile": {"clientId": 100 + i, "name": "c%d" % i},
                                  "account": {"acct_balance": i * 10.5},
                                  "signup_date": "2024-03-%02d" % i}})
        recs.append({"body": {"profile": {"clientId": 999}}})  # missing fields are NULL
        for r in recs:
            c.put_record(StreamName="test_kinesis_stream", Data=json.dumps(r).encode(), PartitionKey=str(r))
        logs = [{"host": "in24.inetnebr.com", "ts": "01/Aug/1995:00:00:12 -0400", "code": 200, "bytes": 1839,
                 "request": {"method": "GET", "path": "/shuttle/missions/sts-68/news/sts-68-mcc-05.txt"}},
                {"host": "uplherc.upl.com", "ts": "01/Aug/1995:00:00:14 -0400", "code": 304, "bytes": 0,
                 "request": {"method": "GET", "path": "/"}},
                {"host": "uplherc.upl.com", "ts": "01/Aug/1995:00:01:02 -0400", "code": 404,
                 "request": {"method": "GET", "path": "/nope"}}]
        c.put_records(StreamName="nasa", Records=[{"Data": json.dumps(r).encode(), "PartitionKey": r["host"]}
                                                  for r in logs])
        out = psql(s.pg_port, "SELECT client_id, acct_balance, service_type, signup_date FROM test_table "
                              "ORDER BY client_id")
        eq(out.splitlines(), ["101|10.5|gold|2024-03-01", "102|21|basic|2024-03-02", "103|31.5|gold|2024-03-03",
                              "104|42|basic|2024-03-04", "105|52.5|gold|2024-03-05", "999|||"], "test_table rows")
        out = psql(s.pg_port, "SELECT service_type, count(*), sum(acct_balance) FROM test_table "
                              "WHERE signup_date >= date '2024-03-02' GROUP BY 1 ORDER BY 1")
        eq(out.splitlines(), ["basic|2|63", "gold|2|84"], "aggregate over nested fields")
        out = psql(s.pg_port, "SELECT host, at, code, path FROM nasa_logs ORDER BY at")
        eq(out.splitlines(), ["in24.inetnebr.com|1995-08-01 04:00:12+00|200|/shuttle/missions/sts-68/news/sts-68-mcc-05.txt",
                              "uplherc.upl.com|1995-08-01 04:00:14+00|304|/",
                              "uplherc.upl.com|1995-08-01 04:01:02+00|404|/nope"], "nasa_logs with a Joda pattern")
        # the hidden field is not in SELECT * but can be named
        out = psql(s.pg_port, "SELECT * FROM nasa_logs WHERE code = 200")
        eq(out.strip(), "in24.inetnebr.com|1995-08-01 04:00:12+00|200|/shuttle/missions/sts-68/news/sts-68-mcc-05.txt",
           "SELECT * leaves the hidden field out")
        eq(psql(s.pg_port, "SELECT sum(bytes), count(bytes) FROM nasa_logs").strip(), "1839|2", "hidden field")
        # and through POST /sql
        st, _, body = post_sql(s.port, "SELECT count(*) FROM test_table WHERE service_type = 'gold'")
        eq((st, json.loads(body)["rows"]), (200, [[3]]), "POST /sql over a description table")

        # restart with the same files: nothing changes
        eq(s.stop(), 0, "stop")
        s.start()
        check("2 files, 0 tables added, 0 replaced, 2 unchanged, 0 dropped" in s.log(), "restart: %r" % s.log())
        eq(psql(s.pg_port, "SELECT count(*) FROM test_table").strip(), "6", "after restart")
        # a changed file replaces its table; a removed one drops it
        t2 = json.loads(json.dumps(TRINO_EXAMPLE))
        t2["message"]["fields"].append({"name": "client_name", "type": "VARCHAR", "mapping": "body/profile/name"})
        write_desc(d, "test_table.json", t2)
        os.remove(os.path.join(d, "nasa.json"))
        eq(s.stop(), 0, "stop")
        s.start()
        check("1 file, 0 tables added, 1 replaced, 0 unchanged, 1 dropped" in s.log(), "changed dir: %r" % s.log())
        eq(psql(s.pg_port, "SELECT client_name FROM test_table WHERE client_id = 103").strip(), "c3", "new column")
        r = subprocess.run(["psql", "-X", "-h", "127.0.0.1", "-p", str(s.pg_port), "-U", "u", "-d", "weir", "-c",
                            "SELECT * FROM nasa_logs"], capture_output=True, text=True, timeout=60,
                           env=pgtest.psql_env())
        check(r.returncode != 0 and 'relation "nasa_logs" does not exist' in r.stderr, "dropped: %r" % r.stderr)
        # without the flag the tables stay (they are catalog tables like CREATE TABLE ... description_file)
        eq(s.stop(), 0, "stop")
        s2 = server_with(None, data_dir=s.data_dir, name="no-flag")
        eq(psql(s2.pg_port, "SELECT count(*) FROM test_table").strip(), "6", "without the flag")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def post_sql(port, sql):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/sql", body=sql.encode(), headers={"Content-Type": "text/plain"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


@test(server=False, weir_only="--table-descriptions is weir's")
def test_bad_directories_refuse_to_start():
    d = tempfile.mkdtemp(prefix="weir-e2e-desc-")
    data = tempfile.mkdtemp(prefix="weir-e2e-data-")
    try:
        write_desc(d, "a_good.json", TRINO_EXAMPLE)
        with open(os.path.join(d, "b_broken.json"), "w") as f:
            f.write('{"tableName": "x", ')
        write_desc(d, "c_map.json", {"tableName": "m", "streamName": "m", "message": {
            "dataFormat": "json", "fields": [{"name": "kv", "type": "MAP(VARCHAR, BIGINT)", "mapping": "kv"}]}})
        write_desc(d, "d_dup.json", dict(TRINO_EXAMPLE, tableName="TEST_TABLE"))
        err = refused(d, data)
        for name in ("b_broken.json", "c_map.json", "d_dup.json"):
            check(os.path.join(d, name) in err or name in err, "%s not named in:\n%s" % (name, err))
        check("MAP" in err, "the unsupported type is named:\n" + err)
        check("already defined by" in err and "a_good.json" in err, "the duplicate names both files:\n" + err)
        check("3 problems" in err and "nothing was loaded" in err, "summary line:\n" + err)
        # nothing was loaded: without the bad files the good one is added fresh
        for name in ("b_broken.json", "c_map.json", "d_dup.json"):
            os.remove(os.path.join(d, name))
        s = server_with(d, data_dir=data, name="good")
        check("1 file, 1 table added" in s.log(), "after fixing: %r" % s.log())
        eq(s.stop(), 0, "stop")
        # a table of the same name made with CREATE TABLE (here: in another directory's place) is a conflict
        s2 = server_with(None, data_dir=data, name="create")
        psql(s2.pg_port, "DROP TABLE test_table")
        psql(s2.pg_port, "CREATE TABLE test_table (x int) WITH (stream = 'elsewhere', shards = 1)")
        eq(s2.stop(), 0, "stop")
        err = refused(d, data)
        check('table "test_table" already exists in the catalog (made with CREATE TABLE)' in err, err)
        # a directory that is not there
        err = refused(os.path.join(d, "nope"), data)
        check("nope" in err and "No such file or directory" in err, err)
    finally:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    wt.main()
