#!/usr/bin/env bash
# bench/sql/run.sh: the SQL-over-streams benchmark behind `make bench-sql` (see bench/README.md).
#
# 1. bench/sql/gen.mjs writes BENCH_SQL_RECORDS clickstream records (fixed seed, about 127 bytes of JSON
#    each) to an NDJSON file, and the 20-row reference table to a CSV file.
# 2. Starts build/release/weir with --pg-listen (temp data dir, free loopback ports), writes every line of
#    the NDJSON file as one record into a BENCH_SQL_SHARDS-shard stream "clicks" (PutRecords of 500), and
#    maps it: CREATE TABLE clicks (...) WITH (stream = 'clicks', format = 'json'), and the reference table
#    WITH (file = ..., format = 'csv').
# 3. bench/sql/bench.mjs runs the six queries on weir (psql) and on DuckDB (@duckdb/node-api over the same
#    NDJSON and CSV files), best of BENCH_SQL_REPS each, checks the answers agree and prints the table.
# While weir cannot answer SQL (no --pg-listen, nothing listening on it, or the CREATE TABLE fails), DuckDB
# runs alone and weir is reported as "not available". The server is stopped by PID and temp files removed
# on every exit path.
#
# Environment (defaults in brackets):
#   BENCH_SQL_RECORDS [10000000]  BENCH_SQL_SHARDS [4]  BENCH_SQL_REPS [3]  BENCH_SQL_CONNS [8]
#   BENCH_SQL_DIR [a temp dir]    where the NDJSON file goes (about 1.3 GB for 10 M records)
#   BENCH_STRICT [0]              1: exit 1 when weir is slower than DuckDB on a query
#   WEIR_BIN [build/release/weir]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. "$ROOT/bench/lib.sh"

N=${BENCH_SQL_RECORDS:-10000000}
SHARDS=${BENCH_SQL_SHARDS:-4}
REPS=${BENCH_SQL_REPS:-3}
CONNS=${BENCH_SQL_CONNS:-8}
WEIR=${WEIR_BIN:-$ROOT/build/release/weir}

[ -x "$WEIR" ] || { echo "bench-sql: $WEIR not found; run 'make release' (or 'make bench-sql')" >&2; exit 1; }
[ -f node_modules/@duckdb/node-api/package.json ] || { echo "bench-sql: @duckdb/node-api missing; run 'bash scripts/install-deps.sh'" >&2; exit 1; }
command -v psql >/dev/null || { echo "bench-sql: psql not found; run 'bash scripts/install-deps.sh'" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-sql.XXXXXX")
FILES=${BENCH_SQL_DIR:-$TMP}
mkdir -p "$FILES"
cleanup() {
  stop_server
  rm -rf "$TMP"
  [ "$FILES" = "$TMP" ] || rm -f "$FILES/clicks.ndjson" "$FILES/countries.csv"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


t0=$(date +%s%N)
node bench/sql/gen.mjs ndjson --records "$N" --out "$FILES/clicks.ndjson"
node bench/sql/gen.mjs countries --out "$FILES/countries.csv"
echo "bench-sql: generated $N records ($(stat -c %s "$FILES/clicks.ndjson") bytes) in $(( ($(date +%s%N) - t0) / 1000000 )) ms"

HTTP_PORT=$(free_port)
PG_PORT=$(free_port)
UNAVAILABLE=""
"$WEIR" server --data "$TMP/data" --listen "127.0.0.1:$HTTP_PORT" --pg-listen "127.0.0.1:$PG_PORT" \
  >"$TMP/weir.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  port_open "$HTTP_PORT" && break
  sleep 0.05
done
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  UNAVAILABLE="the server exited at start: $(head -n 1 "$TMP/weir.log")"
else
  for _ in $(seq 1 200); do port_open "$PG_PORT" && break; sleep 0.05; done
  port_open "$PG_PORT" || UNAVAILABLE="nothing listens on --pg-listen 127.0.0.1:$PG_PORT"
fi

PSQL=(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=verbose -h 127.0.0.1 -p "$PG_PORT" -U postgres -d weir)
export PGTZ=UTC PGDATESTYLE=ISO PGCONNECT_TIMEOUT=10
if [ -z "$UNAVAILABLE" ]; then
  if ! "${PSQL[@]}" -c "CREATE TABLE sqlbench_probe (x bigint) WITH (stream = 'sqlbench_probe', format = 'json', shards = 1)" \
        >"$TMP/probe.log" 2>&1; then
    UNAVAILABLE="CREATE TABLE ... WITH (stream = ...) failed: $(grep -m1 ERROR "$TMP/probe.log" || head -n 1 "$TMP/probe.log")"
  else
    "${PSQL[@]}" -c "DROP TABLE sqlbench_probe"
  fi
fi

ARGS=(--ndjson "$FILES/clicks.ndjson" --countries "$FILES/countries.csv" --reps "$REPS")
if [ -z "$UNAVAILABLE" ]; then
  node bench/sql/gen.mjs put --endpoint "http://127.0.0.1:$HTTP_PORT" --stream clicks --shards "$SHARDS" \
    --file "$FILES/clicks.ndjson" --conns "$CONNS"
  "${PSQL[@]}" -c "CREATE TABLE clicks (user_id bigint, url text, country text, device text, status int, bytes bigint, ts timestamptz) WITH (stream = 'clicks', format = 'json')"
  "${PSQL[@]}" -v f="$FILES/countries.csv" <<'EOF'
CREATE TABLE countries (code text, name text, region text) WITH (file = :'f', format = 'csv');
EOF
  ARGS+=(--pg-host 127.0.0.1 --pg-port "$PG_PORT" --pg-user postgres --pg-db weir)
  rss() { awk '/^VmRSS:/ {printf "%.1f MB", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?"; }
  echo "bench-sql: weir RSS after loading: $(rss)"
else
  stop_server
  ARGS+=(--weir-unavailable "$UNAVAILABLE")
fi

rc=0
node bench/sql/bench.mjs "${ARGS[@]}" || rc=$?
if [ -n "$SERVER_PID" ]; then
  echo "bench-sql: weir RSS after the queries: $(awk '/^VmRSS:/ {printf "%.1f MB", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null), peak $(awk '/^VmHWM:/ {printf "%.1f MB", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null)"
fi
exit $rc
