# `weir gen nexmark` end to end (docs/nexmark.md): the generator writes into a real (debug) weir server,
# boto3 reads the streams back, psycopg2 runs the spec's q0-q4 over them.
#   - counts per stream (1:3:46), schema.sql's field names and JSON types, id relations (persons and
#     auctions numbered from 1000, bids naming auctions and persons that exist or are at most 10 ahead),
#     partition keys (id, or the bid's auction), shard count of created streams;
#   - the records in the server equal the --out NDJSON files of the same run, and each shard holds
#     them in the order of the file (the writer keeps each stream's order);
#   - reproducible: the same options give byte-identical files; --first-event-id continues a run;
#     another --seed gives other records; the files equal those of an independent Java implementation
#     of the spec (tests/e2e/nexmark_ref/NexmarkRef.java, on the JDK's SplittableRandom);
#   - --rate paces (and sets event time), SIGINT stops cleanly with everything delivered;
#   - q0-q4 (../shared/specs/nexmark/q*.sql, as written) read the streams, mapped by the CREATE TABLE
#     statements of docs/nexmark.md, through weir's SQL and give what Python computes from the records;
#   - --inflight 4 (several batches per shard in flight) stores every record exactly once;
#   - errors: no server, --no-create, bad options, stream prefixes.
# Every server is stopped with SIGTERM and must exit 0 without a sanitizer report (weirtest).
import datetime
import decimal
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import weirtest
from weirtest import SANITIZER_MARKERS, TestFailure, check, eq, main, managed_pg, test

HERE = os.path.dirname(os.path.abspath(__file__))
SPECS = os.path.join(weirtest.REPO, "..", "shared", "specs", "nexmark")
FIELDS = {
    "person": ["id", "name", "email_address", "credit_card", "city", "state", "date_time", "extra"],
    "auction": ["id", "item_name", "description", "initial_bid", "reserve", "date_time", "expires", "seller",
                "category", "extra"],
    "bid": ["auction", "bidder", "price", "channel", "url", "date_time", "extra"],
}
INTS = {"id", "initial_bid", "reserve", "seller", "category", "auction", "bidder", "price"}
KINDS = ("person", "auction", "bid")
DOC = os.path.join(weirtest.REPO, "docs", "nexmark.md")


def doc_ddl():
    """The CREATE TABLE statements of docs/nexmark.md (its first sql block), so the docs stay true."""
    with open(DOC, encoding="utf-8") as f:
        return re.findall(r"```sql\n(.*?)```", f.read(), flags=re.S)[0]


# The queries exactly as ../shared/specs/nexmark/q0.sql .. q4.sql write them (checked below when the
# spec files are there).
QUERIES = {
    "q0": "SELECT auction, bidder, price, date_time, extra\nFROM bid;",
    "q1": "SELECT auction, bidder, 0.908 * price AS price, date_time, extra\nFROM bid;",
    "q2": "SELECT auction, price\nFROM bid\nWHERE MOD(auction, 123) = 0;",
    "q3": "SELECT p.name, p.city, p.state, a.id\nFROM auction AS a\nJOIN person  AS p ON a.seller = p.id\n"
          "WHERE a.category = 10\n  AND p.state IN ('OR', 'ID', 'CA');",
    "q4": "SELECT q.category, AVG(q.final) AS avg_final\nFROM (\n  SELECT a.id, a.category, MAX(b.price) AS final\n"
          "  FROM auction AS a\n  JOIN bid     AS b ON a.id = b.auction\n"
          "  WHERE b.date_time BETWEEN a.date_time AND a.expires\n  GROUP BY a.id, a.category\n) AS q\n"
          "GROUP BY q.category;",
}


def gen(*args, ok=True, timeout=300):
    """Run `weir gen nexmark ARGS`; returns the CompletedProcess (checked for exit 0 when ok)."""
    cmd = [weirtest.WEIR_BIN, "gen", "nexmark", "--quiet"] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=weirtest.REPO)
    for m in SANITIZER_MARKERS:
        check(m not in r.stderr, "sanitizer report from %s:\n%s" % (" ".join(cmd), r.stderr[-3000:]))
    if ok:
        check(r.returncode == 0, "%s exited %d:\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr[-2000:]))
    return r


def read_files(d, names=KINDS):
    out = {}
    for k, n in zip(KINDS, names):
        with open(os.path.join(d, n + ".ndjson"), "rb") as f:
            out[k] = f.read()
    return out


def read_stream(c, name):
    """{shard id: [record data bytes, in shard order]} and {data: partition key}."""
    shards = weirtest.list_all_shards(c, name)
    per, keys = {}, {}
    for s in shards:
        recs, _ = weirtest.read_shard(c, name, s["ShardId"])
        per[s["ShardId"]] = [r["Data"] for r in recs]
        for r in recs:
            keys[r["Data"]] = r["PartitionKey"]
    return per, keys


def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f")


def check_records(recs):
    """Fields, types and id relations of parsed records {kind: [dict]} in event order."""
    for k in KINDS:
        for r in recs[k]:
            eq(list(r.keys()), FIELDS[k], "%s fields" % k)
            for f, v in r.items():
                check(isinstance(v, int) if f in INTS else isinstance(v, str), "%s.%s: %r" % (k, f, v))
            ts(r["date_time"])
    eq([p["id"] for p in recs["person"]], list(range(1000, 1000 + len(recs["person"]))), "person ids")
    eq([a["id"] for a in recs["auction"]], list(range(1000, 1000 + len(recs["auction"]))), "auction ids")
    max_p, max_a = 1000 + len(recs["person"]) - 1, 1000 + len(recs["auction"]) - 1
    for b in recs["bid"]:
        check(1000 <= b["auction"] <= max_a + 10, "bid auction %d beyond the lead" % b["auction"])
        check(1000 <= b["bidder"] <= max_p + 10, "bid bidder %d beyond the lead" % b["bidder"])
        check(100 <= b["price"] <= 100000000, "price %d" % b["price"])
        check(b["url"].startswith("https://www.nexmark.com/"), "url %r" % b["url"])
    for a in recs["auction"]:
        check(1000 <= a["seller"] <= max_p + 10 and 10 <= a["category"] <= 14, "auction %r" % a)
        check(ts(a["expires"]) > ts(a["date_time"]), "auction expires before it starts: %r" % a)
    check({p["state"] for p in recs["person"]} <= {"AZ", "CA", "ID", "OR", "WA", "WY"}, "states")


@test(server=False, weir_only="weir gen writes into weir")
def gen_into_weir_matches_files(_=None):
    s = managed_pg("gen-into-weir")
    n = 5000
    r = gen("--endpoint", s.endpoint, "--events", n, "--shards", 2)
    check("5000 events (100 person, 300 auction, 4600 bid)" in r.stdout, "summary: %s" % r.stdout)
    check("5000 records acknowledged" in r.stdout, "summary: %s" % r.stdout)
    d = tempfile.mkdtemp(prefix="weir-e2e-gen-")
    try:
        gen("--events", n, "--out", d)
        files = read_files(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    c = s.client()
    recs = {}
    for k in KINDS:
        lines = files[k].splitlines()
        eq(len(lines), {"person": 100, "auction": 300, "bid": 4600}[k], "%s lines in the file" % k)
        per, keys = read_stream(c, k)
        eq(len(per), 2, "%s: shards of a created stream" % k)
        got = [x for v in per.values() for x in v]
        eq(sorted(got), sorted(lines), "%s: records in weir vs the --out file" % k)
        pos = {line: i for i, line in enumerate(lines)}
        for sid, v in per.items():
            idx = [pos[x] for x in v]
            eq(idx, sorted(idx), "%s/%s: shard order vs file order" % (k, sid))
        recs[k] = [json.loads(x) for x in lines]
        for rec, line in zip(recs[k], lines):
            want = str(rec["auction"] if k == "bid" else rec["id"])
            eq(keys[line], want, "%s partition key" % k)
    check_records(recs)
    sql_q0_to_q4(s, recs)
    # several batches per shard in flight: every record exactly once (order between batches not kept)
    r = gen("--endpoint", s.endpoint, "--events", n, "--shards", 3, "--batch", 50, "--inflight", 4, "--streams", "i_")
    check("3 shards written in parallel" not in r.stdout and "9 shards written in parallel" in r.stdout,
          "summary: %s" % r.stdout)
    for k in KINDS:
        per, _ = read_stream(c, "i_" + k)
        eq(sorted(x for v in per.values() for x in v), sorted(files[k].splitlines()), "i_%s: --inflight 4" % k)


def sql_q0_to_q4(s, recs):
    """The spec's q0-q4, unchanged, over tables declared like schema.sql; compared with Python."""
    import psycopg2
    for name, text in QUERIES.items():
        path = os.path.join(SPECS, name + ".sql")
        if os.path.exists(path):
            with open(path) as f:
                check(text in f.read(), "%s differs from %s" % (name, path))
    conn = psycopg2.connect(host="127.0.0.1", port=s.pg_port, user="postgres", dbname="weir", connect_timeout=10)
    conn.autocommit = True
    try:
        cur = conn.cursor()
        for stmt in doc_ddl().split(";"):
            if stmt.strip():
                cur.execute(stmt)

        def q(name):
            cur.execute(QUERIES[name])
            return cur.fetchall()

        bids, auctions, persons = recs["bid"], recs["auction"], recs["person"]
        want0 = sorted((b["auction"], b["bidder"], b["price"], ts(b["date_time"]), b["extra"]) for b in bids)
        eq(sorted(q("q0")), want0, "q0")
        want1 = sorted((b["auction"], b["bidder"], decimal.Decimal("0.908") * b["price"], ts(b["date_time"]),
                        b["extra"]) for b in bids)
        eq(sorted(q("q1")), want1, "q1")
        want2 = sorted((b["auction"], b["price"]) for b in bids if b["auction"] % 123 == 0)
        check(want2, "q2 has rows")
        eq(sorted(q("q2")), want2, "q2")
        by_id = {p["id"]: p for p in persons}
        want3 = sorted((by_id[a["seller"]]["name"], by_id[a["seller"]]["city"], by_id[a["seller"]]["state"], a["id"])
                       for a in auctions if a["category"] == 10 and a["seller"] in by_id
                       and by_id[a["seller"]]["state"] in ("OR", "ID", "CA"))
        check(want3, "q3 has rows")
        eq(sorted(q("q3")), want3, "q3")
        final = {}
        for a in auctions:
            lo, hi = ts(a["date_time"]), ts(a["expires"])
            ps = [b["price"] for b in bids if b["auction"] == a["id"] and lo <= ts(b["date_time"]) <= hi]
            if ps:
                final[a["id"]] = (a["category"], max(ps))
        cats = {}
        for cat, p in final.values():
            cats.setdefault(cat, []).append(p)
        got4 = sorted(q("q4"))
        eq([g[0] for g in got4], sorted(cats), "q4 categories")
        for cat, avg in got4:
            want = decimal.Decimal(sum(cats[cat])) / decimal.Decimal(len(cats[cat]))
            check(abs(decimal.Decimal(avg) - want) <= want * decimal.Decimal("1e-12"),
                  "q4 category %d: %s vs %s" % (cat, avg, want))
    finally:
        conn.close()


@test(server=False)
def gen_reproducible_and_resumable(_=None):
    d = tempfile.mkdtemp(prefix="weir-e2e-gen-")
    try:
        a, b, c1, c2, s7 = (os.path.join(d, x) for x in ("a", "b", "c1", "c2", "s7"))
        r = gen("--events", 3000, "--out", a)
        check("next --first-event-id 3000" in r.stdout, "summary: %s" % r.stdout)
        gen("--events", 3000, "--out", b)
        gen("--events", 1234, "--out", c1)
        gen("--events", 1766, "--first-event-id", 1234, "--out", c2)
        gen("--events", 3000, "--seed", 7, "--out", s7)
        fa, fb, f1, f2, f7 = (read_files(x) for x in (a, b, c1, c2, s7))
        for k in KINDS:
            check(fa[k] == fb[k], "%s: two runs differ" % k)
            check(fa[k] == f1[k] + f2[k], "%s: a run resumed with --first-event-id differs" % k)
            check(fa[k] != f7[k], "%s: --seed 7 gave the same records" % k)
            eq(len(fa[k].splitlines()), len(f7[k].splitlines()), "%s: counts do not depend on the seed" % k)
        # one event alone, from its id: event 1234 is a bid (1234 % 50 = 34)
        one = os.path.join(d, "one")
        gen("--events", 1, "--first-event-id", 1234, "--out", one)
        eq(read_files(one)["bid"], f2["bid"].splitlines(True)[0], "event 1234 regenerated alone")
        # the stream names of --streams apply to the files too
        named = os.path.join(d, "named")
        gen("--events", 60, "--streams", "nx_", "--out", named)
        eq(sorted(os.listdir(named)), ["nx_auction.ndjson", "nx_bid.ndjson", "nx_person.ndjson"], "prefixed files")
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test(server=False)
def gen_matches_java_reference(_=None):
    javac, java = shutil.which("javac"), shutil.which("java")
    check(javac and java, "javac/java not found (scripts/install-deps.sh installs openjdk-17-jdk-headless)")
    d = tempfile.mkdtemp(prefix="weir-e2e-gen-java-")
    try:
        src = os.path.join(HERE, "nexmark_ref", "NexmarkRef.java")
        r = subprocess.run([javac, "-d", d, src], capture_output=True, text=True, timeout=300)
        check(r.returncode == 0, "javac: %s" % r.stderr)
        n = 20000
        for seed in (0, 12345):
            r = subprocess.run([java, "-cp", d, "NexmarkRef", str(n), str(seed)], capture_output=True, timeout=300)
            check(r.returncode == 0, "java NexmarkRef: %s" % r.stderr[-2000:])
            want = {"P": [], "A": [], "B": []}
            for line in r.stdout.splitlines():
                want[line[:1].decode()].append(line[2:] + b"\n")
            out = os.path.join(d, "s%d" % seed)
            gen("--events", n, "--seed", seed, "--out", out)
            got = read_files(out)
            for k, tag in zip(KINDS, "PAB"):
                w = b"".join(want[tag])
                if got[k] != w:
                    gl, wl = got[k].splitlines(), w.splitlines()
                    i = next((i for i, (x, y) in enumerate(zip(gl, wl)) if x != y), min(len(gl), len(wl)))
                    raise TestFailure("seed %d %s: line %d differs from the Java reference:\n weir %r\n java %r"
                                      % (seed, k, i, gl[i] if i < len(gl) else None, wl[i] if i < len(wl) else None))
    finally:
        shutil.rmtree(d, ignore_errors=True)


@test(weir_only="weir gen writes into weir")
def gen_paced_rate(srv):
    t0 = time.time()
    r = gen("--endpoint", srv.endpoint, "--events", 1000, "--rate", 2000, "--streams", "p_")
    dt = time.time() - t0
    check(dt >= 0.45, "1000 events at 2000/s took only %.3f s" % dt)
    check("(2000 events/s of event time)" in r.stdout, "event rate follows --rate: %s" % r.stdout)
    check("2025-01-01 00:00:00.000 .. 2025-01-01 00:00:00.499" in r.stdout, "event time range: %s" % r.stdout)
    c = srv.client()
    got = {k: sum(len(v) for v in read_stream(c, "p_" + k)[0].values()) for k in KINDS}
    eq(got, {"person": 20, "auction": 60, "bid": 920}, "records per stream")
    eq(len(weirtest.list_all_shards(c, "p_bid")), 4, "default shard count")
    # --event-rate decouples event time from pacing; --base-time moves it
    r = gen("--endpoint", srv.endpoint, "--events", 100, "--event-rate", 1000, "--base-time",
            "2024-02-29 12:00:00", "--streams", "q1,q2,q3")
    check("event time 2024-02-29 12:00:00.000 .. 2024-02-29 12:00:00.099" in r.stdout, "summary: %s" % r.stdout)
    recs = [json.loads(x) for v in read_stream(c, "q3")[0].values() for x in v]
    check(all(x["date_time"].startswith("2024-02-29 12:00:00.") for x in recs), "bid times from --base-time")


@test(weir_only="weir gen writes into weir")
def gen_sigint_delivers_everything(srv):
    cmd = [weirtest.WEIR_BIN, "gen", "nexmark", "--quiet", "--endpoint", srv.endpoint, "--rate", 3000,
           "--streams", "u_"]
    p = subprocess.Popen([str(x) for x in cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=60)
    eq(p.returncode, 0, "exit status after SIGINT (stderr %s)" % err[-1000:])
    line = [x for x in out.splitlines() if x.startswith("nexmark: ")]
    check(line, "no summary: %r" % out)
    n = int(line[0].split()[1])
    check(n > 1000, "only %d events in 1.5 s at 3000/s" % n)
    check("next --first-event-id %d" % n in out, "summary: %s" % out)
    c = srv.client()
    got = {k: sum(len(v) for v in read_stream(c, "u_" + k)[0].values()) for k in KINDS}
    want = {"person": (n + 49) // 50, "auction": sum(1 for e in range(n) if 1 <= e % 50 <= 3)}
    want["bid"] = n - want["person"] - want["auction"]
    eq(got, want, "records delivered for the %d events generated" % n)


@test(weir_only="weir gen writes into weir")
def gen_errors(srv):
    r = gen("--endpoint", "http://127.0.0.1:%d" % weirtest.free_port(), "--events", 10, ok=False)
    eq(r.returncode, 1, "no server: exit status")
    check("cannot connect" in r.stderr, "no server: %s" % r.stderr)
    r = gen("--endpoint", srv.endpoint, "--events", 10, "--no-create", ok=False)
    eq(r.returncode, 1, "--no-create: exit status")
    check("does not exist" in r.stderr, "--no-create: %s" % r.stderr)
    for bad in (["--events", "ten"], ["--streams", "a,b"], ["--proportions", "1/2"], ["--batch", "501"],
                ["--rate", "-1"], ["--base-time", "yesterday"], ["--bogus"], ["extra"]):
        r = gen("--endpoint", srv.endpoint, *bad, ok=False)
        eq(r.returncode, 2, "%s: exit status" % bad)
    r = gen("--endpoint", "https://127.0.0.1:1", "--events", 1, ok=False)
    check(r.returncode == 1 and "only http://" in r.stderr, "https endpoint: %d %s" % (r.returncode, r.stderr))
    r = subprocess.run([weirtest.WEIR_BIN, "gen", "nope"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 2 and "nexmark" in r.stderr, "unknown generator: %s" % r.stderr)
    r = subprocess.run([weirtest.WEIR_BIN, "gen", "nexmark", "--help"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "--first-event-id" in r.stdout, "--help: %s" % r.stdout)
    # an existing stream is used as it is (its shard count is kept)
    c = srv.client()
    weirtest.create_stream(c, "e_bid", shards=1)
    gen("--endpoint", srv.endpoint, "--events", 100, "--streams", "e_", "--shards", 3)
    eq(len(weirtest.list_all_shards(c, "e_bid")), 1, "shards of an existing stream")
    eq(len(weirtest.list_all_shards(c, "e_person")), 3, "shards of a created stream")


if __name__ == "__main__":
    main()
