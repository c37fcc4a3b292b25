# Runs the SQL examples in the user docs against a real server through psql, so the docs stay true.
# A page takes part when it has a line `<!-- docs-test: fixture NAME -->`: the fixture's streams and
# records (below) are written with boto3 first. Then every ```sql block runs, in page order, through
# `psql -X -q` (one psql per block; the catalog persists between blocks, session settings do not); a
# ```sql block directly followed by a plain ``` block must print exactly that block (stdout and stderr
# together, trailing spaces ignored), and one without must succeed without an ERROR.
import glob
import json
import os
import re
import subprocess

import pgtest
import weirtest as wt

DOCS = os.path.join(wt.REPO, "docs")

# The records the docs describe: keep in step with the pages that name the fixture.
CLICKS = [
    # (partition key, user_id, url, country, status, bytes, ts)
    ("u1", 1, "/", "DE", 200, 512, "2024-05-01T10:00:05Z"),
    ("u2", 2, "/pricing", "US", 200, 2048, "2024-05-01T10:00:40Z"),
    ("u1", 1, "/pricing", "DE", 200, 1024, "2024-05-01T10:01:10Z"),
    ("u3", 3, "/signup", "FR", 500, 128, "2024-05-01T10:01:30Z"),
    ("u2", 2, "/", "US", 404, 64, "2024-05-01T10:02:00Z"),
    ("u4", 4, "/docs", "US", 200, 4096, "2024-05-01T10:02:30Z"),
    ("u1", 1, "/signup", "DE", 200, 256, "2024-05-01T10:03:00Z"),
    ("u5", 5, "/", None, 200, 512, "2024-05-01T10:03:20Z"),
]

USERS_CSV = "1,ada,pro\n2,grace,free\n3,edsger,pro\n4,barbara,free\n"


def load_shop(srv, tmp):
    c = srv.server.client()
    wt.create_stream(c, "clicks", shards=2)
    recs = []
    for pk, uid, url, country, status, nbytes, ts in CLICKS:
        doc = {"user_id": uid, "url": url, "status": status, "bytes": nbytes, "ts": ts}
        if country is not None:
            doc["country"] = country
        recs.append({"Data": json.dumps(doc).encode(), "PartitionKey": pk})
    r = c.put_records(StreamName="clicks", Records=recs)
    wt.eq(r["FailedRecordCount"], 0, "docs fixture put_records")
    users = os.path.join(tmp, "users.csv")
    with open(users, "w") as f:
        f.write(USERS_CSV)
    return {"/path/to/users.csv": users}


FIXTURES = {"shop": load_shop}


def pages():
    out = []
    for path in sorted(glob.glob(os.path.join(DOCS, "*.md"))):
        m = re.search(r"<!-- docs-test: fixture (\w+) -->", open(path, encoding="utf-8").read())
        if m:
            out.append((path, m.group(1)))
    return out


def examples(path):
    """(sql, expected output or None) for each ```sql block of the page."""
    text = open(path, encoding="utf-8").read()
    out = []
    for m in re.finditer(r"```sql\n(.*?)```\n(?:\n?```\n(.*?)```\n)?", text, flags=re.S):
        out.append((m.group(1), m.group(2)))
    return out


def norm(s):
    return "\n".join(line.rstrip() for line in s.strip("\n").splitlines())


def run_page(path, fixture):
    import tempfile
    w = pgtest.start_weir_sql(name="weir-docs")
    tmp = tempfile.mkdtemp(prefix="weir-docs-")
    try:
        subst = FIXTURES[fixture](w, tmp)
        blocks = examples(path)
        wt.check(blocks, "%s has no ```sql examples" % path)
        for i, (sql, want) in enumerate(blocks):
            for k, v in subst.items():
                sql = sql.replace(k, v)
            cmd = ["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(w.pg_port), "-U", "postgres", "-d", "weir"]
            r = subprocess.run(cmd, input=sql, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               timeout=120, env=pgtest.psql_env())
            got = r.stdout
            if want is None:
                wt.check("ERROR" not in got, "%s example %d failed:\n%s\n%s" % (os.path.basename(path), i + 1, sql, got))
            else:
                wt.check(norm(got) == norm(want), "%s example %d:\n%s\nwanted:\n%s\ngot:\n%s"
                         % (os.path.basename(path), i + 1, sql, want, got))
        return len(blocks)
    finally:
        w.stop()
        w.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


@wt.test(weir_only="docs describe weir", server=False)
def test_sql_docs_examples():
    ps = pages()
    wt.check(ps, "no docs page is marked <!-- docs-test: fixture NAME -->")
    for path, fixture in ps:
        run_page(path, fixture)


if __name__ == "__main__":
    wt.main()
