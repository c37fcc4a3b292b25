#!/usr/bin/env bash
# bench/gen_nexmark.sh: how fast `weir gen nexmark` generates (docs/nexmark.md, bench/README.md).
#
#   1. bench/nexmark_bench: the generator core on one thread (events, + JSON, + base64), with a checksum;
#   2. `weir gen nexmark --out DIR`: NDJSON files (into a temp dir under $TMPDIR);
#   3. `weir gen nexmark` into build/release/weir (fsync batch, temp data dir, free loopback port,
#      GEN_SHARDS shards per stream), once with the default --inflight 1 (strict per-shard order) and
#      once with --inflight GEN_INFLIGHT; each run must end with every record acknowledged by the
#      server (gen counts the acknowledgements; the e2e test reads the streams back).
# Wall-clock rates depend on the disk (fsync) and on what else runs on the machine, so the CPU seconds
# that gen and the server used per million events are printed too, and the load average.
# Prints a table and "RESULT target=gen name=<metric> value=<n>" lines (also appended to $BENCH_RESULTS
# when set). The server is stopped by PID and the temp dirs removed on every exit path.
#
# Environment (defaults in brackets):
#   GEN_EVENTS [2000000]   events per run
#   GEN_SHARDS [4]         shards of each created stream
#   GEN_INFLIGHT [8]       --inflight of the second run into the server
#   WEIR_BIN, NEXMARK_BENCH_BIN   binaries (default build/release/weir, build/release/bench/nexmark_bench)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
N=${GEN_EVENTS:-2000000}
SHARDS=${GEN_SHARDS:-4}
INFLIGHT=${GEN_INFLIGHT:-8}
WEIR=${WEIR_BIN:-$ROOT/build/release/weir}
NB=${NEXMARK_BENCH_BIN:-$ROOT/build/release/bench/nexmark_bench}
[ -x "$WEIR" ] || { echo "gen_nexmark: $WEIR not found; run 'make release'" >&2; exit 1; }
[ -x "$NB" ] || { echo "gen_nexmark: $NB not found; run 'make release'" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weir-gen-bench.XXXXXX")
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  [ -z "$SERVER_PID" ] || wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

declare -A R
result() { # result NAME VALUE
  R[$1]=$2
  [ -z "${BENCH_RESULTS:-}" ] || printf 'RESULT target=gen name=%s value=%s\n' "$1" "$2" >>"$BENCH_RESULTS"
}
# events/s and MB/s from the summary line of weir gen ("... in 1.234 s: 123456 events/s, 78.9 MB/s of JSON")
gen_rate() { sed -n 's/^nexmark: .* s: \([0-9]*\) events\/s, \([0-9.]*\) MB\/s of JSON.*/\1 \2/p' "$1"; }
# timed FILE cmd...: run cmd (stdout through), its user and system CPU seconds into FILE (bash's time)
timed() { local f=$1; shift; local TIMEFORMAT='%U %S'; { time "$@" 2>&3; } 3>&2 2>"$f"; }
# gen_cpu FILE: user+system seconds from a timed FILE
gen_cpu() { awk 'END {printf "%.2f", $1 + $2}' "$1"; }
per_m() { awk -v c="$1" -v n="$N" 'BEGIN {printf "%.2f", c * 1e6 / n}'; }
cpu_s() { awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / t }' "/proc/$1/stat"; }

echo "gen_nexmark: $(nproc) cores, $(uname -sr); $N events, default Nexmark parameters, seed 0"

# ---- 1. the generator core ----
echo "--- nexmark_bench $N"
"$NB" "$N" | tee "$TMP/core.out" | grep -v '^RESULT'
while read -r _ name value; do result "core_${name#name=}" "${value#value=}"; done < <(grep '^RESULT' "$TMP/core.out")

# ---- 2. NDJSON files ----
echo "--- weir gen nexmark --events $N --out (temp dir)"
timed "$TMP/files.time" "$WEIR" gen nexmark --quiet --events "$N" --out "$TMP/out" | tee "$TMP/files.out"
read -r F_EPS F_MBS < <(gen_rate "$TMP/files.out")
result files_events_per_s "$F_EPS"
result files_mb_per_s "$F_MBS"
result files_gen_cpu_s_per_m "$(per_m "$(gen_cpu "$TMP/files.time")")"
rm -rf "$TMP/out"

# ---- 3. into a weir server ----
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
mkdir -p "$TMP/data"
"$WEIR" server --data "$TMP/data" --listen "127.0.0.1:$PORT" --pg-listen none --fsync batch >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 200); do (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.05; done
# into_server NAME INFLIGHT: one run into the server (streams NAME_person, ...), results under NAME_*
into_server() {
  local name=$1 k=$2 cpu0 cpu1 eps mbs acked
  echo "--- weir gen nexmark --events $N --shards $SHARDS --inflight $k into weir (fsync batch) on 127.0.0.1:$PORT"
  cpu0=$(cpu_s "$SERVER_PID")
  timed "$TMP/$name.time" "$WEIR" gen nexmark --quiet --events "$N" --shards "$SHARDS" \
    --inflight "$k" --streams "${name}_" --endpoint "http://127.0.0.1:$PORT" | tee "$TMP/$name.out"
  cpu1=$(cpu_s "$SERVER_PID")
  read -r eps mbs < <(gen_rate "$TMP/$name.out")
  acked=$(sed -n 's/.*: \([0-9]*\) records acknowledged.*/\1/p' "$TMP/$name.out")
  [ "$acked" = "$N" ] || { echo "gen_nexmark: $acked of $N records acknowledged" >&2; exit 1; }
  result "${name}_events_per_s" "$eps"
  result "${name}_mb_per_s" "$mbs"
  result "${name}_gen_cpu_s_per_m" "$(per_m "$(gen_cpu "$TMP/$name.time")")"
  result "${name}_server_cpu_s_per_m" "$(per_m "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {print b - a}')")"
}
into_server ordered 1
into_server inflight "$INFLIGHT"
result server_disk_mb "$(du -sm "$TMP/data" | cut -f1)"

echo
echo "== weir gen nexmark: $N events, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) =="
fmt="%-50s %12s %8s %14s %14s\n"
printf "$fmt" "" "events/s" "MB/s" "gen CPU s/1M" "server CPU s/1M"
printf "$fmt" "generator core (1 thread, nexmark_bench gen)" "${R[core_gen_events_per_s]}" "" "" ""
printf "$fmt" "  + JSON records" "${R[core_gen_json_events_per_s]}" "" "" ""
printf "$fmt" "  + base64 (PutRecords form)" "${R[core_gen_json_b64_events_per_s]}" "" "" ""
printf "$fmt" "weir gen --out (NDJSON files)" "$F_EPS" "$F_MBS" "${R[files_gen_cpu_s_per_m]}" ""
printf "$fmt" "weir gen into weir, --inflight 1 (strict order)" "${R[ordered_events_per_s]}" "${R[ordered_mb_per_s]}" \
  "${R[ordered_gen_cpu_s_per_m]}" "${R[ordered_server_cpu_s_per_m]}"
printf "$fmt" "weir gen into weir, --inflight $INFLIGHT" "${R[inflight_events_per_s]}" "${R[inflight_mb_per_s]}" \
  "${R[inflight_gen_cpu_s_per_m]}" "${R[inflight_server_cpu_s_per_m]}"
echo "server: fsync batch, $SHARDS shards per stream, data dir ${R[server_disk_mb]} MB; all records acknowledged"
