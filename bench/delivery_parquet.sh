#!/usr/bin/env bash
# bench/delivery_parquet.sh: delivery streams from a 10-million-record JSON stream into Parquet objects,
# against DuckDB's COPY ... (FORMAT parquet) of the same records (`make bench-delivery`, see bench/README.md
# "Delivery").
#
# 1. bench/sql/gen.mjs writes BENCH_DELIVERY_RECORDS clickstream records (fixed seed, about 127 bytes of
#    JSON each: user_id, url, country, device, status, bytes, ts) to an NDJSON file.
# 2. Starts build/release/weir (temp data dir and warehouse, free loopback port, WEIR_LOG=debug for the
#    "delivered" lines). bench/delivery_fh.py (boto3) creates the 4-shard stream `clicks` and two
#    KinesisStreamAsSource delivery streams on it that cannot deliver yet (their bucket is a plain file);
#    CREATE TABLE clicks (...) WITH (stream = 'clicks', format = 'json') names the schema; gen.mjs put loads
#    every line as one record (PutRecords of 500).
# 3. Parquet: UpdateDestination points the first delivery stream at bucket lake-pq with Parquet conversion
#    (Snappy, the table's schema, 128 MiB buffers): timed from that call until the objects hold every record
#    (delivery_fh.py explains why, and how the last partial buffer is flushed). Prints records/s, MB/s of
#    JSON, the server's CPU seconds and the Parquet bytes.
# 4. DuckDB (@duckdb/node-api, in process, all cores) runs COPY (SELECT * FROM read_ndjson(...)) TO ...
#    (FORMAT parquet, COMPRESSION snappy) on the NDJSON file (bench/parquet_duck.mjs); then reads weir's
#    objects and its own file back: both must hold N rows with the same sum(bytes).
# 5. GZIP JSON lines (BENCH_DELIVERY_GZIP=1, the default): the second delivery stream the same way, into
#    bucket lake-gz; its objects must hold N lines.
# The server is stopped by PID and temp files removed on every exit path.
#
# Environment (defaults in brackets):
#   BENCH_DELIVERY_RECORDS [10000000]  BENCH_DELIVERY_SHARDS [4]  BENCH_DELIVERY_CONNS [8]
#   BENCH_DELIVERY_GZIP [1]  BENCH_DELIVERY_DIR [a temp dir] (NDJSON + DuckDB's file: about 1.5 GB for 10 M)
#   BENCH_DELIVERY_PERF [unset] (a file: `perf record -g` of the server during the Parquet delivery)
#   BENCH_RESULTS (append "RESULT target=delivery name=.. value=.." lines)  WEIR_BIN [build/release/weir]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. "$ROOT/bench/lib.sh"

N=${BENCH_DELIVERY_RECORDS:-10000000}
SHARDS=${BENCH_DELIVERY_SHARDS:-4}
CONNS=${BENCH_DELIVERY_CONNS:-8}
GZIP=${BENCH_DELIVERY_GZIP:-1}
WEIR=${WEIR_BIN:-$ROOT/build/release/weir}
PY=/usr/bin/python3

[ -x "$WEIR" ] || { echo "bench-delivery: $WEIR not found; run 'make release'" >&2; exit 1; }
[ -f node_modules/@duckdb/node-api/package.json ] || { echo "bench-delivery: @duckdb/node-api missing; run 'bash scripts/install-deps.sh'" >&2; exit 1; }
"$PY" -c 'import boto3' 2>/dev/null || { echo "bench-delivery: boto3 missing for $PY; run 'bash scripts/install-deps.sh'" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-delivery.XXXXXX")
FILES=${BENCH_DELIVERY_DIR:-$TMP}
mkdir -p "$FILES"
cleanup() {
  stop_server
  rm -rf "$TMP"
  [ "$FILES" = "$TMP" ] || rm -f "$FILES/clicks.ndjson" "$FILES/duck-snappy.parquet"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

result() { # name value: a RESULT line on stdout and in $BENCH_RESULTS
  echo "RESULT target=delivery name=$1 value=$2"
  [ -z "${BENCH_RESULTS:-}" ] || echo "RESULT target=delivery name=$1 value=$2" >>"$BENCH_RESULTS"
}
field() { sed -n "s/^RESULT $1=//p" <<<"$2"; } # field NAME "RESULT lines"

NDJSON=$FILES/clicks.ndjson
node bench/sql/gen.mjs ndjson --records "$N" --out "$NDJSON"
JSON_BYTES=$(( $(stat -c %s "$NDJSON") - N )) # the records' bytes, without the newlines
echo "bench-delivery: $N records, $JSON_BYTES bytes of JSON"

WH=$TMP/warehouse
mkdir -p "$WH"
: >"$WH/stalled" # a file where bucket stalled's directory would be: puts into it fail
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
WEIR_LOG=debug "$WEIR" server --data "$TMP/data" --listen "127.0.0.1:$PORT" --pg-listen none --warehouse "$WH" \
  >"$TMP/weir.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do port_open "$PORT" && break; sleep 0.05; done
port_open "$PORT" || { echo "bench-delivery: weir did not start: $(head -n 3 "$TMP/weir.log")" >&2; exit 1; }

"$PY" bench/delivery_fh.py setup --endpoint "$URL" --stream clicks --shards "$SHARDS" --stalled stalled pq gz
curl -sf -X POST "$URL/sql" -H 'Content-Type: text/plain' --data "CREATE TABLE clicks (user_id bigint, url text, country text, device text, status int, bytes bigint, ts timestamptz) WITH (stream = 'clicks', format = 'json')" >/dev/null \
  || { echo "bench-delivery: CREATE TABLE failed" >&2; exit 1; }
node bench/sql/gen.mjs put --endpoint "$URL" --stream clicks --file "$NDJSON" --conns "$CONNS" --no-create 1

deliver() { # name bucket format-option...: the RESULT lines of delivery_fh.py deliver
  "$PY" bench/delivery_fh.py deliver --endpoint "$URL" --name "$1" --pid "$SERVER_PID" --log "$TMP/weir.log" \
    --records "$N" --bucket "$2" "${@:3}"
}
rc=0

# --- Parquet: weir's delivery, then DuckDB's COPY of the same records ---
PERF_PID=""
if [ -n "${BENCH_DELIVERY_PERF:-}" ]; then # profile the server during the Parquet delivery
  perf record -g -p "$SERVER_PID" -o "$BENCH_DELIVERY_PERF" 2>"$TMP/perf.log" & PERF_PID=$!
  sleep 0.5
fi
out=$(deliver pq lake-pq --parquet clicks)
if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID"; wait "$PERF_PID" || true; fi
w_s=$(field seconds "$out"); w_cpu=$(field server_cpu_s "$out")
w_drains=$(field drains "$out")
w_files=$(find "$WH/lake-pq" -name '*.parquet' | wc -l)
w_bytes=$(find "$WH/lake-pq" -name '*.parquet' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
if [ -d "$WH/lake-pq/errors" ]; then echo "bench-delivery: records went to the error prefix: $(find "$WH/lake-pq/errors" -type f | head -n 3)" >&2; rc=1; fi

d_ms=$(node bench/parquet_duck.mjs write --ndjson "$NDJSON" --out "$FILES/duck-snappy.parquet" --codec snappy | sed -n 's/^ms=//p')
d_bytes=$(stat -c %s "$FILES/duck-snappy.parquet")
wchk=$(node bench/parquet_duck.mjs check --file "$WH/lake-pq/**/*.parquet")
dchk=$(node bench/parquet_duck.mjs check --file "$FILES/duck-snappy.parquet")
w_rows=${wchk%% *}; w_rows=${w_rows#rows=}
if [ "$w_rows" != "$N" ] || [ "${wchk##* }" != "${dchk##* }" ]; then
  echo "bench-delivery: weir's objects and DuckDB's file disagree: weir $wchk, DuckDB $dchk (records loaded: $N)" >&2
  rc=1
fi

printf '\n%-22s %10s %14s %9s %10s %8s %14s\n' "" seconds "records/s" "MB/s" "CPU s" objects bytes
awk -v n="$N" -v jb="$JSON_BYTES" -v ws="$w_s" -v wcpu="$w_cpu" -v wf="$w_files" -v wb="$w_bytes" \
    -v dms="$d_ms" -v db="$d_bytes" 'BEGIN {
  ds = dms / 1000
  printf "%-22s %10.2f %14.0f %9.1f %10.2f %8d %14d\n", "weir delivery, Parquet", ws, n / ws, jb / ws / 1e6, wcpu, wf, wb
  printf "%-22s %10.2f %14.0f %9.1f %10s %8d %14d\n", "DuckDB COPY, Parquet", ds, n / ds, jb / ds / 1e6, "", 1, db
  printf "%-22s %10s %14s %9s %10s %8s %14s\n", "weir / DuckDB", "", sprintf("%.2fx", ds / ws), "", "", "", sprintf("%.3fx", wb / db)
}'
echo "(Snappy both. weir reads a durable 4-shard stream and delivers each record exactly once (an intent, the"
echo " object's fsync and a firehose.db commit per object), converting on one thread per delivery stream;"
echo " DuckDB converts a local file on all cores. CPU s: the weir process during the delivery. The last"
echo " partial buffer was flushed by UpdateDestination ($w_drains time(s)), not left to wait for the interval.)"
echo "read back by DuckDB: weir ${wchk/ groups=[0-9]*/}; DuckDB ${dchk/ groups=[0-9]*/}"
result parquet_seconds "$w_s"
result parquet_records_per_s "$(awk -v n="$N" -v s="$w_s" 'BEGIN {printf "%.0f", n / s}')"
result parquet_mb_per_s "$(awk -v b="$JSON_BYTES" -v s="$w_s" 'BEGIN {printf "%.1f", b / s / 1e6}')"
result parquet_server_cpu_s "$w_cpu"
result parquet_bytes "$w_bytes"
result parquet_objects "$w_files"
result duckdb_copy_seconds "$(awk -v m="$d_ms" 'BEGIN {printf "%.3f", m / 1000}')"
result duckdb_parquet_bytes "$d_bytes"
result parquet_size_ratio "$(awk -v a="$w_bytes" -v b="$d_bytes" 'BEGIN {printf "%.3f", a / b}')"
result parquet_rate_ratio "$(awk -v w="$w_s" -v d="$d_ms" 'BEGIN {printf "%.2f", d / 1000 / w}')"

# --- GZIP JSON lines ---
if [ "$GZIP" = 1 ]; then
  out=$(deliver gz lake-gz --gzip)
  g_s=$(field seconds "$out"); g_cpu=$(field server_cpu_s "$out")
  g_files=$(find "$WH/lake-gz" -name '*.gz' | wc -l)
  g_bytes=$(find "$WH/lake-gz" -name '*.gz' -printf '%s\n' | awk '{s += $1} END {print s + 0}')
  g_lines=$(find "$WH/lake-gz" -name '*.gz' -print0 | xargs -0 cat | gzip -dc | wc -l)
  [ "$g_lines" = "$N" ] || { echo "bench-delivery: the GZIP objects hold $g_lines lines, not $N" >&2; rc=1; }
  awk -v n="$N" -v jb="$JSON_BYTES" -v gs="$g_s" -v gcpu="$g_cpu" -v gf="$g_files" -v gb="$g_bytes" 'BEGIN {
    printf "%-22s %10.2f %14.0f %9.1f %10.2f %8d %14d\n", "weir delivery, GZIP", gs, n / gs, jb / gs / 1e6, gcpu, gf, gb
  }'
  echo "(GZIP JSON lines: $g_lines lines read back)"
  result gzip_seconds "$g_s"
  result gzip_records_per_s "$(awk -v n="$N" -v s="$g_s" 'BEGIN {printf "%.0f", n / s}')"
  result gzip_server_cpu_s "$g_cpu"
  result gzip_bytes "$g_bytes"
fi
exit $rc
