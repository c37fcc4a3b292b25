#!/usr/bin/env bash
# bench/run.sh: the Kinesis load benchmark behind `make bench` (see bench/README.md).
#
# Starts build/release/weir (--fsync batch, temp data dir, free loopback port) and runs kload against it:
# put (BENCH_RECORDS records, PutRecords of 500 x 100 bytes, 4 shards), get (drain every shard from
# TRIM_HORIZON), latency (PutRecords ack -> GetRecords visibility); reads the server's RSS, CPU time and
# disk use after each phase. Then does the same against kinesalite (node_modules/.bin/kinesalite,
# in-memory) with BENCH_PEER_RECORDS records and prints a table: metric, weir, kinesalite, ratio, target.
# Servers are stopped by PID and temp dirs removed on every exit path; every phase is bounded in time.
#
# Environment (defaults in brackets):
#   BENCH_RECORDS [2000000]       records for weir (the RSS target is stated at 10000000)
#   BENCH_PEER_RECORDS [200000]   records for kinesalite (about 100x slower)
#   BENCH_CONNS [8]               producer connections for put
#   BENCH_BATCH [500] BENCH_SIZE [100] BENCH_SHARDS [4]
#   BENCH_LAT_MS [5000] BENCH_LAT_RATE [500] BENCH_LAT_BATCH [10] BENCH_POLL_US [200]
#   BENCH_PEER [kinesalite]       set to "none" to skip the comparison
#   BENCH_RESULTS [unset]         also append every "RESULT target=.. name=.. value=.." line to this file
#   BENCH_STRICT [0]              1: exit 1 when a target is missed (otherwise only correctness fails)
#   WEIR_BIN, KLOAD_BIN           binaries (default build/release/weir, build/release/bench/kload)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

N=${BENCH_RECORDS:-2000000}
PN=${BENCH_PEER_RECORDS:-200000}
CONNS=${BENCH_CONNS:-8}
BATCH=${BENCH_BATCH:-500}
SIZE=${BENCH_SIZE:-100}
SHARDS=${BENCH_SHARDS:-4}
LAT_MS=${BENCH_LAT_MS:-5000}
LAT_RATE=${BENCH_LAT_RATE:-500}
LAT_BATCH=${BENCH_LAT_BATCH:-10}
POLL_US=${BENCH_POLL_US:-200}
PEER=${BENCH_PEER:-kinesalite}
STRICT=${BENCH_STRICT:-0}
WEIR=${WEIR_BIN:-$ROOT/build/release/weir}
KLOAD=${KLOAD_BIN:-$ROOT/build/release/bench/kload}
KINESALITE=$ROOT/node_modules/.bin/kinesalite
CLK_TCK=$(getconf CLK_TCK)

[ -x "$WEIR" ] || { echo "bench: $WEIR not found; run 'make release' (or 'make bench')" >&2; exit 1; }
[ -x "$KLOAD" ] || { echo "bench: $KLOAD not found; run 'make release' (or 'make bench')" >&2; exit 1; }
if [ "$PEER" = kinesalite ]; then
  [ -x "$KINESALITE" ] || { echo "bench: $KINESALITE not found; run 'bash scripts/install-deps.sh' (npm ci installs kinesalite from package.json), or set BENCH_PEER=none" >&2; exit 1; }
  command -v node >/dev/null || { echo "bench: node not found; run 'bash scripts/install-deps.sh'" >&2; exit 1; }
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-bench.XXXXXX")
SERVER_PID=""
stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "bench: server $SERVER_PID did not stop within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() { stop_server; rm -rf "$TMP"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

declare -A R   # R[target.metric] = value
FAILED=0

# Server figures from /proc: RSS and peak RSS in MB, CPU seconds (user+system) so far.
rss_mb()  { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?"; }
hwm_mb()  { awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?"; }
cpu_s()   { awk -v t="$CLK_TCK" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$SERVER_PID/stat" 2>/dev/null || true; }

# run_phase TARGET PHASE TIMEOUT_S kload-args...: runs kload, shows its output, records RESULT lines,
# the server's RSS/HWM and the CPU seconds the server used during the phase.
run_phase() {
  local target=$1 phase=$2 secs=$3; shift 3
  local out=$TMP/$target.$phase.out cpu0 cpu1 rc=0
  echo "--- $target: kload $phase $*"
  cpu0=$(cpu_s)
  timeout -k 5 "$secs" "$KLOAD" "$phase" "$@" >"$out" || rc=$?
  cpu1=$(cpu_s)
  grep -v '^RESULT ' "$out" | sed 's/^/    /' || true
  while read -r _ name value; do
    R[$target.${name#name=}]=${value#value=}
  done < <(grep '^RESULT ' "$out" || true)
  R[$target.${phase}_rss_mb]=$(rss_mb)
  R[$target.${phase}_hwm_mb]=$(hwm_mb)
  R[$target.${phase}_server_cpu_s]=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {if (a == "" || b == "") print "?"; else printf "%.2f", b - a}')
  echo "    server: RSS ${R[$target.${phase}_rss_mb]} MB, peak ${R[$target.${phase}_hwm_mb]} MB, CPU ${R[$target.${phase}_server_cpu_s]} s in this phase"
  if [ -n "${BENCH_RESULTS:-}" ]; then
    sed -n "s/^RESULT /RESULT target=$target /p" "$out" >>"$BENCH_RESULTS"
    printf 'RESULT target=%s name=%s_rss_mb value=%s\n' "$target" "$phase" "${R[$target.${phase}_rss_mb]}" >>"$BENCH_RESULTS"
  fi
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "bench: $target $phase did not finish within $secs s" >&2; FAILED=1
  elif [ "$rc" -ne 0 ]; then
    echo "bench: $target $phase reported failures (exit $rc)" >&2; FAILED=1
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "bench: the $target server died during $phase; its log:" >&2
    tail -n 30 "$TMP/$target.log" >&2 || true
    FAILED=1
    return 1
  fi
}

# bench_target TARGET RECORDS: put, get, latency against the server at $PORT.
bench_target() {
  local target=$1 n=$2 ep="http://127.0.0.1:$PORT" slow=1
  [ "$target" = weir ] || slow=20
  if ! "$KLOAD" wait --endpoint "$ep" --timeout-ms 20000; then
    echo "bench: $target did not come up on $ep; its log:" >&2; tail -n 30 "$TMP/$target.log" >&2; FAILED=1; return 1
  fi
  R[$target.start_rss_mb]=$(rss_mb)
  local t_put=$(( 60 + slow * n / 50000 )) t_lat=$(( LAT_MS / 1000 + 30 ))
  run_phase "$target" put "$t_put" --endpoint "$ep" --stream bench --shards "$SHARDS" --records "$n" \
    --conns "$CONNS" --batch "$BATCH" --size "$SIZE" --timeout-ms $(( t_put * 1000 - 5000 )) --quiet || return 1
  [ "$target" = weir ] && R[$target.disk_mb]=$(du -sm "$TMP/weir-data" | cut -f1)
  run_phase "$target" get "$t_put" --endpoint "$ep" --stream bench --records "$n" --size "$SIZE" \
    --poll-us "$POLL_US" --timeout-ms $(( t_put * 1000 - 5000 )) --quiet || return 1
  run_phase "$target" latency "$t_lat" --endpoint "$ep" --stream bench-latency --shards "$SHARDS" \
    --duration-ms "$LAT_MS" --rate "$LAT_RATE" --batch "$LAT_BATCH" --conns 4 --size "$SIZE" \
    --poll-us "$POLL_US" --timeout-ms 20000 --quiet || return 1
}

echo "bench: $(nproc) cores, $(uname -sr); weir $N records, kinesalite $PN records; PutRecords of $BATCH x $SIZE B, $SHARDS shards, $CONNS connections"

# ---- weir ----
PORT=$(free_port)
mkdir -p "$TMP/weir-data"
"$WEIR" server --data "$TMP/weir-data" --listen "127.0.0.1:$PORT" --fsync batch >"$TMP/weir.log" 2>&1 &
SERVER_PID=$!
bench_target weir "$N" || true
stop_server

# ---- kinesalite ----
if [ "$PEER" = kinesalite ]; then
  PORT=$(free_port)
  "$KINESALITE" --port "$PORT" --createStreamMs 0 --deleteStreamMs 0 --updateStreamMs 0 --shardLimit 100 \
    >"$TMP/kinesalite.log" 2>&1 &
  SERVER_PID=$!
  bench_target kinesalite "$PN" || true
  stop_server
fi

# ---- table ----
v() { echo "${R[$1.$2]:-}"; }
ms() { [ -n "$1" ] && awk -v x="$1" 'BEGIN {printf "%.2f", x / 1000}' || echo ""; }
ratio() {  # ratio A B: A/B with one decimal, or "" when either is missing or B is 0
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print ""; else printf "%.1fx", a / b }'
}
per_m() {  # CPU seconds per million records
  awk -v c="$1" -v n="$2" 'BEGIN { if (c == "" || c == "?" || n == "" || n + 0 == 0) print ""; else printf "%.2f", c * 1e6 / n }'
}
check() {  # check VALUE OP LIMIT: PASS/FAIL (or "" when no value)
  [ -n "$1" ] || { echo ""; return; }
  awk -v x="$1" -v op="$2" -v l="$3" 'BEGIN { ok = (op == ">=") ? (x + 0 >= l) : (x + 0 < l); print ok ? "PASS" : "FAIL" }'
}

W_IN=$(v weir put_records_per_s); K_IN=$(v kinesalite put_records_per_s)
W_OUT=$(v weir get_records_per_s); K_OUT=$(v kinesalite get_records_per_s)
W_P50=$(v weir lat_ack_to_visible_p50_us); K_P50=$(v kinesalite lat_ack_to_visible_p50_us)
W_P99=$(v weir lat_ack_to_visible_p99_us); K_P99=$(v kinesalite lat_ack_to_visible_p99_us)
W_RSS=$(v weir get_rss_mb)
RSS_NOTE="< 256 MB at 10M"
CHK_IN=$(check "$W_IN" ">=" 500000); CHK_OUT=$(check "$W_OUT" ">=" 1000000)
CHK_P99=$(check "$W_P99" "<" 5000); CHK_RSS=$(check "$W_RSS" "<" 256)
[ "$N" -ge 10000000 ] || CHK_RSS="${CHK_RSS:+($CHK_RSS, N<10M)}"

echo
PEER_DESC="kinesalite $PN records (in-memory)"
[ "$PEER" = kinesalite ] || PEER_DESC="kinesalite skipped (BENCH_PEER=$PEER)"
echo "== weir vs kinesalite: $(nproc) cores; weir $N records (--fsync batch), $PEER_DESC =="
fmt="%-36s %14s %14s %10s  %s\n"
printf "$fmt" "metric" "weir" "kinesalite" "ratio" "target"
printf "$fmt" "put records/s (in)" "$W_IN" "$K_IN" "$(ratio "$W_IN" "$K_IN")" ">= 500000 $CHK_IN"
printf "$fmt" "put payload MB/s" "$(v weir put_mb_per_s)" "$(v kinesalite put_mb_per_s)" \
  "$(ratio "$(v weir put_mb_per_s)" "$(v kinesalite put_mb_per_s)")" ""
printf "$fmt" "PutRecords latency p50 ms" "$(ms "$(v weir put_req_p50_us)")" "$(ms "$(v kinesalite put_req_p50_us)")" \
  "$(ratio "$(v kinesalite put_req_p50_us)" "$(v weir put_req_p50_us)")" "(ratio: kinesalite/weir)"
printf "$fmt" "PutRecords latency p99 ms" "$(ms "$(v weir put_req_p99_us)")" "$(ms "$(v kinesalite put_req_p99_us)")" \
  "$(ratio "$(v kinesalite put_req_p99_us)" "$(v weir put_req_p99_us)")" ""
printf "$fmt" "get records/s (out)" "$W_OUT" "$K_OUT" "$(ratio "$W_OUT" "$K_OUT")" ">= 1000000 $CHK_OUT"
printf "$fmt" "ack -> visible p50 ms" "$(ms "$W_P50")" "$(ms "$K_P50")" "$(ratio "$K_P50" "$W_P50")" "(ratio: kinesalite/weir)"
printf "$fmt" "ack -> visible p99 ms" "$(ms "$W_P99")" "$(ms "$K_P99")" "$(ratio "$K_P99" "$W_P99")" "< 5 ms $CHK_P99"
printf "$fmt" "send -> visible p99 ms" "$(ms "$(v weir lat_send_to_visible_p99_us)")" \
  "$(ms "$(v kinesalite lat_send_to_visible_p99_us)")" \
  "$(ratio "$(v kinesalite lat_send_to_visible_p99_us)" "$(v weir lat_send_to_visible_p99_us)")" ""
printf "$fmt" "ack -> visible max ms" "$(ms "$(v weir lat_ack_to_visible_max_us)")" \
  "$(ms "$(v kinesalite lat_ack_to_visible_max_us)")" "" ""
printf "$fmt" "visible before ack (records)" "$(v weir lat_visible_before_ack)" "$(v kinesalite lat_visible_before_ack)" "" ""
printf "$fmt" "server RSS after put MB" "$(v weir put_rss_mb)" "$(v kinesalite put_rss_mb)" "" ""
printf "$fmt" "server RSS after get MB" "$W_RSS" "$(v kinesalite get_rss_mb)" "" "$RSS_NOTE $CHK_RSS"
printf "$fmt" "server peak RSS (VmHWM) MB" "$(v weir get_hwm_mb)" "$(v kinesalite get_hwm_mb)" "" ""
printf "$fmt" "server CPU s per 1M records put" "$(per_m "$(v weir put_server_cpu_s)" "$N")" \
  "$(per_m "$(v kinesalite put_server_cpu_s)" "$PN")" "" ""
printf "$fmt" "server CPU s per 1M records get" "$(per_m "$(v weir get_server_cpu_s)" "$N")" \
  "$(per_m "$(v kinesalite get_server_cpu_s)" "$PN")" "" ""
printf "$fmt" "data dir MB after put" "$(v weir disk_mb)" "$([ "$PEER" = kinesalite ] && echo "(memory)")" "" ""
printf "$fmt" "put failed records" "$(v weir put_records_failed)" "$(v kinesalite put_records_failed)" "" "0"
printf "$fmt" "get missing / duplicate records" "$(v weir get_missing)/$(v weir get_duplicates)" \
  "$(v kinesalite get_missing)${R[kinesalite.get_missing]+/}$(v kinesalite get_duplicates)" "" "0/0"

for k in put_records_failed get_missing get_duplicates lat_lost; do
  x=$(v weir $k)
  if [ -z "$x" ] || [ "$x" != 0 ]; then FAILED=1; fi
done
if [ "$STRICT" = 1 ]; then
  for c in "$CHK_IN" "$CHK_OUT" "$CHK_P99" "$CHK_RSS"; do
    [ "$c" != FAIL ] || FAILED=1
  done
fi
[ "$FAILED" = 0 ] || { echo "bench: FAILED (see above)" >&2; exit 1; }
echo "bench: ok"
