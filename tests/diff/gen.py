# gen.py: the differential test's deterministic dataset (same seed, same bytes, on every machine).
#
#   clicks  N click events (default 10,000) as JSON objects, one per Kinesis record. Columns:
#           event_id (unique), user_id (about 1,000 users, some NULL), session, url (ASCII and non-ASCII,
#           some NULL), referrer (often NULL), country (low cardinality, some NULL), device, status,
#           bytes (negative and near-2^53 values too), duration_ms (double precision, negative and
#           fractional), price (numeric with 2 decimals), ts (timestamptz written with various UTC offsets,
#           2019-2025, many around the DST changes in Europe and the US), is_bot (boolean), props
#           (a jsonb object with a nested object and an array). NULLs are written both as JSON null and as
#           a missing field.
#   users   the reference table: user_id, name (non-ASCII too), country, plan, signup (date), credit
#           (numeric); 1,000 rows, some of them users without clicks, and clicks of users not in it.
#
# rows_for_postgres() gives the same data as Python values for COPY; records() the Kinesis payloads;
# users_ndjson() the reference file weir reads WITH (file = ..., format = 'json').
import datetime
import json

CLICK_COLUMNS = [("event_id", "bigint"), ("user_id", "bigint"), ("session", "text"), ("url", "text"),
                 ("referrer", "text"), ("country", "text"), ("device", "text"), ("status", "integer"),
                 ("bytes", "bigint"), ("duration_ms", "double precision"), ("price", "numeric"),
                 ("ts", "timestamptz"), ("is_bot", "boolean"), ("props", "jsonb")]
USER_COLUMNS = [("user_id", "bigint"), ("name", "text"), ("country", "text"), ("plan", "text"),
                ("signup", "date"), ("credit", "numeric")]

URLS = ["/", "/home", "/search", "/search?q=weir", "/cart", "/checkout", "/product/1", "/product/2",
        "/product/3", "/product/10", "/product/100", "/blog", "/blog/2024/dst", "/help", "/about",
        "/café", "/menü/übersicht", "/日本語", "/한국어/페이지", "/emoji/🎉", "/a%20b", "/UPPER/Case",
        "/path_with_underscore", "/100%", "/api/v1/items", "/api/v2/items", "/login", "/logout"]
REFERRERS = ["https://www.google.com/", "https://duckduckgo.com/", "https://news.ycombinator.com/",
             "https://example.org/ünïcode", "android-app://com.example"]
COUNTRIES = ["DE", "US", "FR", "JP", "BR", "IN", "GB", "SE", "KR", "NG"]
DEVICES = ["mobile", "desktop", "tablet"]
STATUSES = [200] * 14 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 429, 500, 502, 503]
PLANS = ["free", "pro", "team", "enterprise"]
FIRST = ["Ada", "Grace", "Alan", "Zoë", "Søren", "José", "Ólafur", "Łukasz", "Chloé", "Björk", "翔太", "민준",
         "Amara", "Ngozi", "Priya", "Ōta", "Ελένη", "Иван", "Fatima", "Kai"]
LAST = ["Lovelace", "Hopper", "Turing", "Ångström", "Kierkegaard", "García", "Örn", "Wałęsa", "Dupont",
        "Guðmundsdóttir", "山田", "김", "Okafor", "Eze", "Sharma", "O'Brien", "Παπαδοπούλου", "Петров",
        "Al-Sayed", "Müller-Lüdenscheidt"]
# Instants the timestamps cluster around: DST changes (EU last Sunday of March/October at 01:00 UTC, US
# second Sunday of March 07:00/08:00 UTC and first Sunday of November 06:00 UTC), year ends, a leap day.
ANCHORS = [(2019, 3, 31, 1), (2019, 10, 27, 1), (2020, 2, 29, 12), (2020, 12, 31, 23), (2021, 3, 14, 7),
           (2021, 11, 7, 6), (2022, 3, 27, 1), (2022, 10, 30, 1), (2023, 3, 12, 7), (2023, 12, 31, 23),
           (2024, 3, 31, 1), (2024, 10, 27, 1), (2024, 11, 3, 6), (2025, 1, 1, 0)]
OFFSETS = [0, 0, 0, 60, 120, -300, -240, 330, 540, -600]  # minutes east of UTC used to write ts


class Lcg:
    """64-bit LCG (Knuth's MMIX constants), the same sequence on every Python version."""

    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFFFFFFFFFF

    def next(self):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.s >> 33

    def below(self, n):
        return self.next() % n

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def chance(self, num, den):
        return self.below(den) < num


def _ts_text(t, off):
    tz = datetime.timezone(datetime.timedelta(minutes=off))
    s = t.astimezone(tz).isoformat()
    return s[:-6] + "Z" if s.endswith("+00:00") and off == 0 else s


def clicks(n=10000, seed=20250101):
    """[(partition_key, dict)] in write order; a missing key in the dict means a missing JSON field."""
    rng = Lcg(seed)
    out = []
    for i in range(n):
        r = {"event_id": i + 1}
        uid = 1 + rng.below(1100)  # users 1001..1100 are not in the users table
        r["user_id"] = None if rng.chance(3, 100) else uid
        r["session"] = "s%05d" % (rng.below(3000))
        r["url"] = None if rng.chance(2, 100) else rng.pick(URLS)
        if rng.chance(30, 100):
            r["referrer"] = rng.pick(REFERRERS)
        elif rng.chance(1, 2):
            r["referrer"] = None
        r["country"] = None if rng.chance(4, 100) else rng.pick(COUNTRIES)
        r["device"] = rng.pick(DEVICES)
        r["status"] = rng.pick(STATUSES)
        b = rng.below(200000)
        if rng.chance(1, 100):
            b = -b
        if rng.chance(1, 500):
            b = (1 << 53) - rng.below(1000)
        r["bytes"] = None if rng.chance(2, 100) else b
        d = (rng.below(2000000) - 50000) / 1000.0
        if rng.chance(1, 50):
            d = d / 7.0
        r["duration_ms"] = None if rng.chance(3, 100) else d
        r["price"] = None if rng.chance(10, 100) else rng.below(50000) / 100  # a JSON number, e.g. 12.5
        y, mo, dd, hh = rng.pick(ANCHORS)
        base = datetime.datetime(y, mo, dd, hh, tzinfo=datetime.timezone.utc)
        t = base + datetime.timedelta(seconds=rng.below(6 * 3600) - 3 * 3600, microseconds=1000 * rng.below(1000))
        r["ts"] = _ts_text(t, rng.pick(OFFSETS))
        r["is_bot"] = None if rng.chance(1, 100) else rng.chance(8, 100)
        r["props"] = {"ab": rng.pick(["A", "B"]), "n": rng.below(10), "tags": [rng.pick(["x", "y", "z"])
                      for _ in range(rng.below(3))], "geo": {"lat": rng.below(180) - 90}}
        # NULLs are written both ways: some as JSON null, some as a missing field
        for k in [k for k, v in r.items() if v is None]:
            if rng.chance(1, 2):
                del r[k]
        out.append(("user-%s" % r.get("user_id"), r))
    return out


def users(seed=7):
    rng = Lcg(seed)
    out = []
    for uid in range(1, 1001):
        if uid % 97 == 0:
            continue  # a few ids missing on this side too
        name = "%s %s" % (rng.pick(FIRST), rng.pick(LAST))
        country = None if rng.chance(3, 100) else rng.pick(COUNTRIES)
        plan = rng.pick(PLANS) if not rng.chance(5, 100) else None
        signup = datetime.date(2018, 1, 1) + datetime.timedelta(days=rng.below(2500))
        credit = "%d.%03d" % (rng.below(10000) - 2000, rng.below(1000))
        out.append({"user_id": uid, "name": name, "country": country, "plan": plan, "signup": signup.isoformat(),
                    "credit": credit})
    return out


def payload(d):
    return json.dumps(d, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def row_values(d, columns):
    """A JSON object -> the list of column values for PostgreSQL (None for NULL)."""
    out = []
    for name, typ in columns:
        v = d.get(name)
        if v is None:
            out.append(None)
        elif typ in ("jsonb", "json"):
            out.append(json.dumps(v, separators=(",", ":"), ensure_ascii=False))
        elif typ == "boolean":
            out.append("true" if v else "false")
        else:
            out.append(str(v) if not isinstance(v, float) else repr(v))
    return out


def copy_text(rows):
    """Rows -> PostgreSQL COPY text format."""
    def esc(v):
        if v is None:
            return "\\N"
        return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return "".join("\t".join(esc(v) for v in r) + "\n" for r in rows)


def users_ndjson(us):
    return b"".join(payload(u) + b"\n" for u in us)


if __name__ == "__main__":
    import sys
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for pk, d in clicks(n):
        print(pk, payload(d).decode())
