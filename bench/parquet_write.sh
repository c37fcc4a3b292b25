#!/usr/bin/env bash
# bench/parquet_write.sh: Parquet written by weir against DuckDB on the same records (`make bench-parquet`,
# see bench/README.md "Parquet").
#
# 1. bench/sql/gen.mjs writes BENCH_PQ_RECORDS clickstream records (fixed seed, about 127 bytes of JSON
#    each, 7 fields: bigint, 3 text, int, bigint, timestamptz) to an NDJSON file.
# 2. Starts build/release/weir (temp data dir, free loopback ports), writes every line as one record into
#    a BENCH_PQ_SHARDS-shard stream (PutRecords of 500) and maps it: CREATE TABLE clicks (...) WITH
#    (stream = 'clicks', format = 'json').
# 3. For each codec (snappy, zstd): weir runs COPY (SELECT * FROM clicks) TO 'FILE' (FORMAT parquet,
#    COMPRESSION codec) through psql (decoding the JSON records from its store and writing Parquet), and
#    DuckDB runs COPY (SELECT * FROM read_ndjson(...)) TO ... (FORMAT parquet, COMPRESSION codec) in
#    process; both wall times are measured around the statement. Each file is read back by DuckDB (row
#    count and a checksum must agree). Prints records/s and bytes of both and the ratios.
# The server is stopped by PID and temp files removed on every exit path.
#
# Environment (defaults in brackets):
#   BENCH_PQ_RECORDS [10000000]  BENCH_PQ_SHARDS [4]  BENCH_PQ_CONNS [8]
#   BENCH_PQ_DIR [a temp dir]    where the NDJSON and Parquet files go (about 1.3 GB + 2 x 250 MB for 10 M)
#   WEIR_BIN [build/release/weir]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
. "$ROOT/bench/lib.sh"

N=${BENCH_PQ_RECORDS:-10000000}
SHARDS=${BENCH_PQ_SHARDS:-4}
CONNS=${BENCH_PQ_CONNS:-8}
WEIR=${WEIR_BIN:-$ROOT/build/release/weir}

[ -x "$WEIR" ] || { echo "bench-parquet: $WEIR not found; run 'make release'" >&2; exit 1; }
[ -f node_modules/@duckdb/node-api/package.json ] || { echo "bench-parquet: @duckdb/node-api missing; run 'bash scripts/install-deps.sh'" >&2; exit 1; }
command -v psql >/dev/null || { echo "bench-parquet: psql not found; run 'bash scripts/install-deps.sh'" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench-parquet.XXXXXX")
FILES=${BENCH_PQ_DIR:-$TMP}
mkdir -p "$FILES"
cleanup() {
  stop_server
  rm -rf "$TMP"
  [ "$FILES" = "$TMP" ] || rm -f "$FILES/clicks.ndjson" "$FILES"/weir-*.parquet "$FILES"/duck-*.parquet
}
trap cleanup EXIT
trap 'exit 130' INT TERM


node bench/sql/gen.mjs ndjson --records "$N" --out "$FILES/clicks.ndjson"
echo "bench-parquet: $N records, $(stat -c %s "$FILES/clicks.ndjson") bytes of JSON"

HTTP_PORT=$(free_port)
PG_PORT=$(free_port)
"$WEIR" server --data "$TMP/data" --listen "127.0.0.1:$HTTP_PORT" --pg-listen "127.0.0.1:$PG_PORT" >"$TMP/weir.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do port_open "$HTTP_PORT" && port_open "$PG_PORT" && break; sleep 0.05; done
port_open "$PG_PORT" || { echo "bench-parquet: weir did not start: $(head -n 3 "$TMP/weir.log")" >&2; exit 1; }
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d weir)
export PGTZ=UTC PGDATESTYLE=ISO PGCONNECT_TIMEOUT=10

node bench/sql/gen.mjs put --endpoint "http://127.0.0.1:$HTTP_PORT" --stream clicks --shards "$SHARDS" \
  --file "$FILES/clicks.ndjson" --conns "$CONNS"
"${PSQL[@]}" -c "CREATE TABLE clicks (user_id bigint, url text, country text, device text, status int, bytes bigint, ts timestamptz) WITH (stream = 'clicks', format = 'json')"

printf '\n%-8s %-7s %12s %14s %10s %14s\n' codec engine seconds "records/s" groups bytes
rc=0
for codec in snappy zstd; do
  w="$FILES/weir-$codec.parquet"; d="$FILES/duck-$codec.parquet"
  t0=$(now_ms)
  out=$("${PSQL[@]}" -t -A -c "COPY (SELECT * FROM clicks) TO '$w' (FORMAT parquet, COMPRESSION $codec)" 2>&1) \
    || { echo "bench-parquet: weir COPY failed: $out" >&2; exit 1; }
  wms=$(( $(now_ms) - t0 ))
  dms=$(node bench/parquet_duck.mjs write --ndjson "$FILES/clicks.ndjson" --out "$d" --codec "$codec" | sed -n 's/^ms=//p')
  wchk=$(node bench/parquet_duck.mjs check --file "$w"); dchk=$(node bench/parquet_duck.mjs check --file "$d")
  if [ "${wchk#* groups=* }" != "${dchk#* groups=* }" ] || [ "${wchk%% *}" != "rows=$N" ]; then
    echo "bench-parquet: the files disagree: weir $wchk, DuckDB $dchk" >&2; rc=1
  fi
  wb=$(stat -c %s "$w"); db=$(stat -c %s "$d")
  wg=$(echo "$wchk" | sed 's/.*groups=\([0-9]*\).*/\1/'); dg=$(echo "$dchk" | sed 's/.*groups=\([0-9]*\).*/\1/')
  awk -v c="$codec" -v n="$N" -v wms="$wms" -v dms="$dms" -v wb="$wb" -v db="$db" -v wg="$wg" -v dg="$dg" 'BEGIN {
    printf "%-8s %-7s %12.2f %14.0f %10d %14d\n", c, "weir", wms / 1000, n / (wms / 1000), wg, wb
    printf "%-8s %-7s %12.2f %14.0f %10d %14d\n", c, "duckdb", dms / 1000, n / (dms / 1000), dg, db
    printf "%-8s %-7s %12s %14s %10s %14s\n", c, "ratio", "", sprintf("%.2fx", dms / wms), "", sprintf("%.3fx", wb / db)
  }'
done
echo "(ratio: records/s is weir's speed over DuckDB's; bytes is weir's file over DuckDB's. weir decodes the records"
echo " from its stream store, DuckDB reads the NDJSON file; both on this machine, in this run.)"
exit $rc
